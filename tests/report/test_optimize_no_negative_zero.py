"""A change that reads 0 at its decimals is written 0, never -0.00 (README: "never -0.00"), in
recommendations.md and in report.html's summary table alike: -0.0004 h on a 200 h cycle time
with an interval of +-0.5 h read "-0.00 (-0.0 %) [-0.50, +0.50]"."""

from __future__ import annotations

import re

import pandas as pd

from sim.kpis.units import change_decimals
from sim.optimize import Objective
from sim.optimize.confirm import Candidate
from sim.optimize.outputs import recommendations_markdown
from tests.optimize.test_small_values_readable import optimize_summary

OBJECTIVES = (Objective("cycle_time_mean"),)
# under a thousandth of the interval's bound: change_decimals keeps 2 decimals, so it reads 0
COMPARISON = {
    "cycle_time_mean": {"base": 200.0, "alt": 199.9996, "diff": -0.0004, "ci_low": -0.5,
                        "ci_high": 0.5, "relative": -0.000002, "significant": False},
}  # fmt: skip
NEGATIVE_ZERO = re.compile(r"-0\.0+(?![0-9])")


def test_the_change_reads_zero_at_two_decimals() -> None:
    assert change_decimals([-0.0004, -0.5, 0.5]) == 2


def test_recommendations_md_writes_a_tiny_negative_change_as_zero() -> None:
    candidate = Candidate(
        trial=1, choice={}, changes=["Staff agent with 3 people instead of 2"],
        one_off_cost=0.0, search_values=[199.9996], rank=1, search_rank=1,
        verdict="no difference", comparison=pd.DataFrame(COMPARISON).T,
    )  # fmt: skip
    md = recommendations_markdown(
        model_name="m",
        candidates=[candidate],
        baseline=pd.DataFrame({"cycle_time_mean": [200.0]}),
        objectives=OBJECTIVES,
        constraints=(),
        confirm_replications=5,
        n_trials=10,
        simulations=50,
    )
    row = next(x for x in md.splitlines() if x.startswith("| mean cycle time |"))
    assert "0.00 (0.0 %) [-0.50, +0.50]" in row, row
    assert not NEGATIVE_ZERO.search(row), row


def test_report_html_writes_a_tiny_negative_change_as_zero(tmp_path) -> None:
    body = optimize_summary(tmp_path, OBJECTIVES, COMPARISON, verdict="no difference", trial=1)
    row = next(r for r in body.split("<tr>") if "Mean cycle time" in r)
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    assert "0.00 h" in cells and "[-0.50 h, +0.50 h]" in cells, cells
    assert not NEGATIVE_ZERO.search(" ".join(cells)), cells
