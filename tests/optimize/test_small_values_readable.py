"""Small costs and short times stay readable, in recommendations.md and in the optimize report's
summary table alike (QA cost17 #1, #2: a model whose money is in thousands read "cost per case
0 -> 0, +0.0020 (+16.8 %), significant", a 0.03 h cycle time "0.0 h", and report.html showed
42.85 / 0.05 h where recommendations.md showed 43 / 0.1 h for the same candidate)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from sim.kpis.units import kpi_unit
from sim.optimize import Objective
from sim.optimize.confirm import Candidate
from sim.optimize.outputs import _fmt, recommendations_markdown
from sim.report.html import MONEY_UNIT, _summary, change_cells, read_run, readable_value

OBJECTIVES = (Objective("cycle_time_mean"), Objective("cost_per_case"))
# the QA's model f: cost per case 0.01202 -> 0.01404, cycle time 0.1106 h -> 0.030 h
COMPARISON = {
    "cycle_time_mean": {"base": 0.1106, "alt": 0.0300, "diff": -0.0806, "ci_low": -0.11,
                        "ci_high": -0.05, "relative": -0.729, "significant": True},
    "cost_per_case": {"base": 0.01202, "alt": 0.01404, "diff": 0.00202, "ci_low": 0.00185,
                      "ci_high": 0.00219, "relative": 0.168, "significant": True},
    "cycle_time_p90": {"base": 52.02, "alt": 0.0512, "diff": -51.97, "ci_low": -58.84,
                       "ci_high": -45.10, "relative": -0.999, "significant": True},
}  # fmt: skip


def optimize_summary(tmp_path, objectives, comparison: dict, *, verdict: str, trial: int) -> str:
    """The body of report.html's summary table for an optimize run whose confirmation.json
    holds one candidate with ``comparison`` (per KPI: base, alt, diff, interval, ...)."""
    run = tmp_path / "opt"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"command": "optimize", "seed": 0}))
    (run / "confirmation.json").write_text(
        json.dumps(
            {
                "objectives": [{"kpi": o.kpi, "direction": o.direction} for o in objectives],
                "candidates": [
                    {"rank": 1, "trial": trial, "verdict": verdict, "comparison": comparison}
                ],
            }
        )
    )
    return _summary(read_run(run)).body


def _markdown() -> str:
    comparison = pd.DataFrame(COMPARISON).T
    candidate = Candidate(
        trial=3, choice={}, changes=["Staff agent with 4 people instead of 2"],
        one_off_cost=0.0, search_values=[0.03, 0.014], rank=1, search_rank=1,
        verdict="trade-off", comparison=comparison,
    )  # fmt: skip
    return recommendations_markdown(
        model_name="f",
        candidates=[candidate],
        baseline=pd.DataFrame(
            {"cycle_time_mean": [0.1106], "cost_per_case": [0.01202], "dropoff_rate": [0.0]}
        ),
        objectives=OBJECTIVES,
        constraints=(),
        confirm_replications=4,
        n_trials=10,
        simulations=40,
    )


def _md_row(md: str, name: str) -> list[str]:
    line = next(x for x in md.splitlines() if x.startswith(f"| {name} |"))
    return [c.strip() for c in line.strip("|").split("|")]


@pytest.mark.parametrize("v", [0.01202, 0.01404, 0.5, 4.2, 42.85, 99.4])
def test_money_under_100_shows_three_significant_digits(v: float) -> None:
    assert _fmt("cost_per_case", v) == f"{v:#.3g}"


@pytest.mark.parametrize("v", [0.1106, 0.03, 0.0512, 2.5, 9.87])
def test_times_under_10_hours_show_three_significant_digits(v: float) -> None:
    assert _fmt("cycle_time_mean", v) == f"{v:#.3g} h"


def test_large_values_keep_their_separators_and_decimals() -> None:
    assert _fmt("cost_per_case", 12_345.6) == f"{12_345.6:,.0f}"
    assert _fmt("cost_per_case", 134.2) == "134"
    assert _fmt("cycle_time_mean", 1_234.56) == f"{1_234.56:,.1f} h"
    assert _fmt("cycle_time_mean", 0.0) == "0.0 h" and _fmt("cost_per_case", 0.0) == "0"
    # a whole number is exact as it is: no trailing zeros for a headcount, in people (QA
    # rt_optim F5: "headcount 4.0" had no unit)
    assert _fmt("headcount", 5.0) == "5 people" and _fmt("cost_per_case", 42.0) == "42"
    assert _fmt("dropoff_rate", 0.099) == "9.9 %"
    assert _fmt("dropoff_rate", 0.0004) != "0.0 %"  # not 0 for a share that is not


def test_recommendations_show_a_small_cost_and_its_change() -> None:
    md = _markdown()
    cost = _md_row(md, "cost per case")
    assert cost[1:3] == [f"{0.01202:#.3g}", f"{0.01404:#.3g}"]  # 0.0120, 0.0140: not 0 -> 0
    assert cost[3].startswith("+0.0020 ")
    cycle = _md_row(md, "mean cycle time")
    assert cycle[1:3] == [f"{0.1106:#.3g} h", f"{0.03:#.3g} h"]  # not 0.1 h -> 0.0 h
    baseline = next(x for x in md.splitlines() if x.startswith("Baseline"))
    assert f"cost per case {0.01202:#.3g}" in baseline


def test_report_summary_rounds_values_and_changes_as_recommendations_md(tmp_path) -> None:
    """The optimize report's summary table and recommendations.md show the same numbers (the
    page adds the unit of money, ``cost units``)."""
    body = optimize_summary(tmp_path, OBJECTIVES, COMPARISON, verdict="trade-off", trial=3)
    rows = {
        cells[0]: cells
        for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        if (cells := [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)])
    }
    md = _markdown()
    for label, name in [
        ("Cost per case", "cost per case"),
        ("Mean cycle time", "mean cycle time"),
        ("90th percentile cycle time", "p90 cycle time"),
    ]:
        page = [c.replace(f" {MONEY_UNIT}", "") for c in rows[label][1:3]]
        assert page == _md_row(md, name)[1:3], label
    # the change of cost per case, all of whose figures would read 0.00, reads as in the file
    page_change = rows["Cost per case"][3].replace(f" {MONEY_UNIT}", "")
    assert _md_row(md, "cost per case")[3].startswith(page_change + " ")


@pytest.mark.parametrize(
    "kpi", ["cost_per_case", "cycle_time_mean", "throughput_per_week", "dropoff_rate"]
)
@pytest.mark.parametrize(
    "v", [0.0, 0.000123, 0.01202, 0.5, 2.0, 7.25, 42.85, 99.96, 134.2, 98_765.4]
)
def test_one_rounding_for_the_file_and_the_page(kpi: str, v: float) -> None:
    unit = kpi_unit(kpi)
    assert readable_value(v, unit).replace(f" {MONEY_UNIT}", "") == _fmt(kpi, v)


def test_a_change_that_would_read_zero_gets_the_digits_it_needs() -> None:
    """Two significant digits for the smallest, as recommendations.md's changes (change_decimals)."""
    diff, ci = change_cells(0.00202, 0.00185, 0.00219, "money")
    assert diff == f"{0.00202:+.4f} {MONEY_UNIT}"
    assert ci == f"[{0.00185:+.4f} {MONEY_UNIT}, {0.00219:+.4f} {MONEY_UNIT}]"
