"""The comparison page counts the comparisons it shows (QA newuser19 #7).

Its note on multiple comparisons said "With 16 comparisons on this page" over 14 rows: it
counted the waiting of steps that changed in no scenario too, which the page leaves to
comparison.csv.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from sim.kpis.compare import compare_scenarios
from sim.report.compare import build_comparison_report


def test_the_note_counts_the_rows_on_the_page_not_those_left_to_the_csv(tmp_path):
    rng = np.random.default_rng(19)
    n = 10
    base = pd.DataFrame(
        {
            "cycle_time_mean": 30 + rng.normal(0, 1, n),
            "throughput_per_week": 170 + rng.normal(0, 1, n),
            "utilisation:clerk": 0.8 + rng.normal(0, 0.01, n),
            "waiting_mean:A": 5 + rng.normal(0, 0.1, n),
            "waiting_mean:B": 2 + rng.normal(0, 0.1, n),
            "waiting_mean:C": 1 + rng.normal(0, 0.1, n),
        }
    )
    alt = base + rng.normal(0, 0.01, base.shape) * base.abs().to_numpy()  # noise only
    alt["cycle_time_mean"] -= 5
    alt["utilisation:clerk"] -= 0.1
    alt["waiting_mean:A"] -= 2  # the one step whose waiting changed
    comparison = compare_scenarios({"base": base, "more": alt}, baseline="base", paired=True)
    steps = comparison[comparison["kpi"].str.startswith("waiting_mean:")]
    changed = set(steps.loc[steps["significant"].eq(True), "kpi"])
    assert changed == {"waiting_mean:A"}  # B and C: noise, left to comparison.csv
    comparison.to_csv(tmp_path / "comparison.csv", index=False)
    scenarios = [
        {"label": "base", "baseline": True, "model": "m"},
        {"label": "more", "baseline": False, "model": "m"},
    ]
    (tmp_path / "scenarios.json").write_text(json.dumps(scenarios), encoding="utf-8")
    page = build_comparison_report(tmp_path).read_text(encoding="utf-8")

    assert "2 more steps whose waiting changed in no scenario" in page
    shown = {k for k in comparison["kpi"] if not k.startswith("waiting_mean:")} | changed
    (said,) = re.findall(r"With (\d+) comparisons on this page", page)
    assert int(said) == len(shown) == 4  # cycle time, throughput, utilisation, waiting at A
