"""A confirmation where only some replications measured something says on how many pairs each
objective was judged: ``scenario.max_cases`` reached in the warm-up of some replications
leaves their KPIs missing, and a candidate was judged on the rest without a word. One measured
replication is no test (no interval, no p-value): such a candidate is not judged, not "worse
than today" on its headcount alone. Pairs equal up to float rounding are no change, not a
significant worsening of 1.1e-16."""

from __future__ import annotations

import json

import pandas as pd

from sim.optimize.confirm import (
    Candidate,
    adjust_family,
    compare_redesigns,
    mark_dominated,
    verdict,
)
from sim.optimize.objectives import Objective
from sim.optimize.outputs import _tag
from tests.simcli import QUICK_SEARCH, run_sim

#: mmc capped at 24 cases after a day's warm-up: the confirmation's replications #2-#10 measure
#: nothing in #2-#5 and #8 (about 24 cases arrive in the warm-up), something in #6, #7, #9 and
#: #10 (test_optimize_capped_window's cap, with more replications)
CAPPED = (
    "optimize",
    "process=mmc",
    *QUICK_SEARCH,
    "optimizer.objectives=[{kpi: cycle_time_mean},{kpi: headcount}]",
    "scenario.max_cases=24",
    "workers=1",
)
FIX = "set scenario.warmup_days=0 or raise scenario.max_cases"


def _run(tmp_path, confirm: int, *extra: str):
    run = tmp_path / "run"
    res = run_sim(
        *CAPPED, f"optimizer.confirm_replications={confirm}", *extra, f"hydra.run.dir={run}"
    )
    assert res.returncode == 0, res.stderr
    md = (run / "recommendations.md").read_text(encoding="utf-8")
    confirmation = json.loads((run / "confirmation.json").read_text(encoding="utf-8"))
    return run, res, md, confirmation


def test_a_verdict_on_some_pairs_says_on_how_many_everywhere(tmp_path):
    run, res, md, confirmation = _run(tmp_path, 9, "output.report=true")
    # the verdict says it, and what the rest is: replications that measured nothing, the cap
    # named with what to do
    heading = next(ln for ln in md.splitlines() if ln.startswith("### 1."))
    assert heading.endswith(", judged on 4 of 9 paired replications"), heading
    line = next(ln for ln in md.splitlines() if ln.startswith("Judged on"))
    assert "mean cycle time on 4 (headcount on all 9)" in line
    assert "5 of replications #2-#10 measured nothing, as scenario.max_cases=24" in line
    assert FIX in line
    # the console prints recommendations.md; report.html shows it
    assert "judged on 4 of 9 paired replications" in res.stdout and line in res.stdout
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "judged on 4 of 9 paired replications" in html
    assert "mean cycle time on 4 (headcount on all 9)" in html
    # confirmation.json: the pairs per objective beside the confirmation's replications
    (candidate,) = confirmation["candidates"]
    assert candidate["replications"] == 9 and candidate["measured_replications"] == 4
    assert candidate["judged_on"] == {"cycle_time_mean": 4, "headcount": 9}
    assert candidate["comparison"]["cycle_time_mean"]["n"] == 4


def test_one_measured_pair_is_no_test_and_judges_no_candidate(tmp_path):
    """Replications #2-#6: only #6 measures something. Its cycle time has a change but no
    interval and no p-value; the headcount's +1 alone made the candidate "worse than today"."""
    _run_dir, res, md, confirmation = _run(tmp_path, 5, "output.report=false")
    (candidate,) = confirmation["candidates"]
    assert candidate["verdict"] == "not measured" and candidate["recommended"] is False
    assert candidate["measured_replications"] == 1 and candidate["replications"] == 5
    row = candidate["comparison"]["cycle_time_mean"]
    assert row["n"] == 1 and row["significant"] is False and row["significant_adjusted"] is False
    assert row["p_value"] is None and row["ci_low"] is None
    assert "worse than today" not in md and "nan" not in md
    assert (
        "### 1. Redesign from trial 1: not judged (its confirmation measured 1 of 5 "
        "replications: a paired test needs 2)"
    ) in md
    assert "only 1 of replications #2-#6 measured something, and a paired test needs 2" in md
    assert "the other 4 measured nothing, as scenario.max_cases=24" in md and FIX in md
    cycle = next(ln for ln in md.splitlines() if ln.startswith("| mean cycle time |"))
    assert "[no interval: a test needs 2 pairs]" in cycle, cycle
    assert cycle.endswith("| no test | no test (1 pair) |"), cycle
    assert "None. No candidate of the search could be judged" in res.stdout


def test_a_verdict_on_every_pair_says_nothing_of_pairs():
    c = Candidate(trial=1, choice={}, changes=[], one_off_cost=0.0, search_values=[1.0])
    c.verdict, c.measured, c.replications = "better", 9, 9
    c.judged_on = {"cycle_time_mean": 9, "headcount": 9}
    assert _tag(c, [Objective("cycle_time_mean")]) == "better than today"
    c.judged_on = {"cycle_time_mean": 7, "headcount": 9}  # a step some replications lacked
    assert _tag(c, [Objective("cycle_time_mean")]).endswith(
        ", judged on 7 of 9 paired replications"
    )


class _Tables:
    """An evaluator of two redesigns: today's process ({}) and any other (``table`` only)."""

    def __init__(self, today: pd.DataFrame, other: pd.DataFrame) -> None:
        self.today, self.other = today, other

    def table(self, choice, replications, start=0):
        return (self.other if choice else self.today).copy()


TODAY = pd.DataFrame(
    {
        "replication": range(5),
        "cycle_time_mean": [2.0, 2.5, 3.0, 2.2, 2.8],
        "cost_per_case": [0.6] * 5,
        "cases_arrived": [30.0] * 5,
    }
)
COST = (Objective("cycle_time_mean"), Objective("cost_per_case"))


def test_a_difference_of_float_rounding_is_no_change_in_the_confirmation():
    """0.6000000000000001 against 0.6 in every replication (2 ulp: a cost summed in another
    order) was a significant worsening (p = 0) and the redesign "worse than today"."""
    rounded = TODAY.assign(cost_per_case=0.6000000000000001)
    comp = compare_redesigns(
        _Tables(TODAY, rounded), COST, ({}, 0.0), ({"x": 1}, 0.0), replications=5, start=0
    )
    row = comp.loc["cost_per_case"]
    assert row["diff"] == 0 and row["ci_low"] == 0 and row["ci_high"] == 0
    assert not row["significant"] and row["p_value"] == 1.0
    (table,), m = adjust_family([comp], COST)
    assert m == 0 and table.loc["cost_per_case", "identical"] is True  # no test in the family
    assert verdict(table, COST) == "within noise"
    # a real difference is judged as before: 0.61, p = 0, worse
    dearer = TODAY.assign(cost_per_case=0.61)
    comp = compare_redesigns(
        _Tables(TODAY, dearer), COST, ({}, 0.0), ({"x": 1}, 0.0), replications=5, start=0
    )
    assert comp.loc["cost_per_case", "significant"] and comp.loc["cost_per_case", "p_value"] == 0
    assert verdict(adjust_family([comp], COST)[0][0], COST) == "worse"


def test_a_lead_of_float_rounding_dominates_no_candidate():
    """Two recommended candidates alike but for a margin of 0 against -1.1e-16 (0.6 - 0.6 and
    0.6 - 0.6000000000000001, 2 ulp of the cost it is computed from): under a floor of 0.1 % of
    today's margin of 0 that is a lead with p = 0, and the second was "dominated"."""
    objectives = (*COST, Objective("margin_per_case", "maximize"))
    cands = []
    for trial, margin in ((1, 0.0), (2, 0.6 - 0.6000000000000001)):
        c = Candidate(
            trial=trial, choice={"x": trial}, changes=[], one_off_cost=0.0, search_values=[]
        )
        c.verdict, c.feasible = "better", True
        c.comparison = pd.DataFrame(
            {"base": [3.0, 0.6, 0.0]}, index=["cycle_time_mean", "cost_per_case", "margin_per_case"]
        )
        c.per_replication = {
            "replications": list(range(5)),
            "values": {
                "cycle_time_mean": [2.0, 2.5, 3.0, 2.2, 2.8],
                "cost_per_case": [0.6] * 5,
                "margin_per_case": [margin] * 5,
            },
        }
        cands.append(c)
    m = mark_dominated(cands, objectives)
    assert all(c.dominated_by is None and not c.indistinguishable_from for c in cands)
    assert m == 0  # identical up to rounding: no test at all
