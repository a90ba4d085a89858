"""A comparison row's change is the mean of paired differences, computed before rounding, so it
can differ in its last digit from the difference of the two rounded values beside it (QA:
``utilisation of legal 70.5 | 23.9: -46.5``). comparison.md and the page say so beside how the
differences were computed; comparison.csv keeps the unrounded numbers."""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np
import pandas as pd

from sim.kpis.compare import compare_scenarios
from sim.report.compare import (
    ROUNDING_NOTE,
    build_comparison_report,
    change_text,
    comparison_markdown,
    plain,
)


def _scenarios(labels: list[str]) -> list[dict]:
    return [{"label": s, "baseline": i == 0, "model": "m"} for i, s in enumerate(labels)]


def test_a_change_that_does_not_add_up_in_its_last_digit_is_explained(tmp_path):
    """Legal busy 70.46 % of the time, 23.94 % with three people: rounded alone the row reads
    70.5 | 23.9: -46.5, and the markdown and the page say why."""
    noise = np.array([-0.01, 0.0, 0.01, 0.005, -0.005])
    base = pd.DataFrame({"utilisation:legal": 0.7046 + noise})
    alt = pd.DataFrame({"utilisation:legal": 0.2394 + noise[::-1] * 1.3})
    table = compare_scenarios({"legal=1": base, "legal=3": alt}, baseline="legal=1", paired=True)
    row = table.iloc[1].to_dict()
    shown = [Decimal(plain(row["base"], "%")), Decimal(plain(row["alt"], "%"))]
    change = Decimal(change_text(row["diff"], row["ci_low"], row["ci_high"], "%")[0])
    assert shown[1] - shown[0] != change  # the case the note is for
    md = comparison_markdown(table, _scenarios(["legal=1", "legal=3"]))
    assert ROUNDING_NOTE.strip() in md
    table.to_csv(tmp_path / "comparison.csv", index=False)
    scenarios = json.dumps(_scenarios(["legal=1", "legal=3"]))
    (tmp_path / "scenarios.json").write_text(scenarios, encoding="utf-8")
    page = build_comparison_report(tmp_path).read_text(encoding="utf-8")
    assert "computed from the unrounded figures" in page
