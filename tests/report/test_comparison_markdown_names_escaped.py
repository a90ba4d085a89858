"""comparison.md shows scenario labels, run directories and names as text (QA sec15: a run
directory ``x<img src=x onerror=alert(1)>|=cmd`` added a column to the scenarios table and went
into the page as HTML)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sim.kpis.compare import compare_scenarios
from sim.report.compare import comparison_markdown

EVIL_DIR = "/runs/x<img src=x onerror=alert(1)>|=cmd"
ROLE = "r|<b>x</b>"


def _markdown() -> str:
    rng = np.random.default_rng(4)
    base = pd.DataFrame(
        {"throughput_per_week": 100 + rng.normal(0, 1, 5), f"utilisation:{ROLE}": [0.7] * 5}
    )
    alt = base.assign(**{f"utilisation:{ROLE}": 0.8})
    table = compare_scenarios({"a|<i>": base, "b": alt}, baseline="a|<i>", paired=True)
    scenarios = [
        {"label": "a|<i>", "baseline": True, "model": "m", "run_dir": EVIL_DIR},
        {"label": "b", "baseline": False, "model": "m", "run_dir": "/runs/b",
         "warnings": ["warning: <script>x</script> is busy 100.0 %"]},
    ]  # fmt: skip
    return comparison_markdown(table, scenarios)


def test_names_in_the_comparison_are_text_not_html():
    md = _markdown()
    for tag in ("<img", "<i>", "<b>", "<script", "</"):
        assert tag not in md, tag
    assert "Baseline: **a\\|&lt;i&gt;**." in md
    assert "| /runs/x&lt;img src=x onerror=alert(1)&gt;\\|=cmd |" in md
    assert "- note: b: &lt;script&gt;x&lt;/script&gt; is busy 100.0 %" in md
    assert "| /runs/b |" in md  # an ordinary directory is unchanged


def test_a_pipe_in_a_label_or_directory_adds_no_table_column():
    blocks = [b.splitlines() for b in _markdown().split("\n\n")]
    tables = [b for b in blocks if b and all(ln.startswith("|") for ln in b)]
    assert len(tables) == 2  # the scenarios and the KPIs
    for table in tables:
        columns = {len(re.findall(r"(?<!\\)\|", ln)) for ln in table}
        assert len(columns) == 1, table
    assert tables[1][0] == "| KPI | a\\|&lt;i&gt; | b |"
    assert any(ln.startswith("| utilisation of r\\|&lt;b&gt;x&lt;/b&gt; (%") for ln in tables[1])
