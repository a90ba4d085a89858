"""A test whose paired differences are 0 in every replication (an objective the same with and
without a redesign: the cost of a model without costs, the drop-off of a process nobody leaves)
is no test: it stays out of every Holm family, which it only made stricter. QA: a third server's
-2.92 h (p 0.017) was "within noise" and nothing was recommended, because Holm counted the mmc
model's cost and drop-off (p 1 each): 3 x 0.017 = 0.052."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.optimize import Candidate, FollowUp, Objective, optimize_redesign
from sim.optimize.confirm import (
    adjust_verdicts,
    comparison_dict,
    identical_tests,
    mark_dominated,
)
from sim.optimize.outputs import recommendations_markdown

THREE = (Objective("cycle_time_mean"), Objective("dropoff_rate"), Objective("cost_per_case"))


def _row(base: float, diff: float, half: float, p: float) -> dict[str, float]:
    return {
        "base": base,
        "alt": base + diff,
        "diff": diff,
        "ci_low": diff - half,
        "ci_high": diff + half,
        "n": 4,
        "relative": diff / base if base else float("nan"),
        "significant": p < 0.05,
        "p_value": p,
    }


def _qa_comparison() -> pd.DataFrame:
    """The QA's confirmation of 'server 2 -> 3' on mmc: cycle time down, cost and drop-off 0
    in every replication, with and without the change."""
    return pd.DataFrame.from_dict(
        {
            "cycle_time_mean": _row(4.81, -2.92, 1.94, 0.017),
            "dropoff_rate": _row(0.0, 0.0, 0.0, 1.0),
            "cost_per_case": _row(0.0, 0.0, 0.0, 1.0),
        },
        orient="index",
    )


def _cand(comparison: pd.DataFrame) -> Candidate:
    c = Candidate(trial=1, choice={"x": 1}, changes=["Staff server with 3 people instead of 2"],
                  one_off_cost=0.0, search_values=[0.0, 0.0, 0.0], rank=1, search_rank=1)  # fmt: skip
    c.comparison = comparison
    return c


def test_an_objective_identical_in_every_replication_is_left_out_of_the_family():
    c = _cand(_qa_comparison())
    assert adjust_verdicts([c], THREE) == 1  # was 3
    assert identical_tests([c], THREE) == 2
    row = c.comparison.loc["cycle_time_mean"]
    assert row["p_adjusted"] == pytest.approx(0.017)  # was 3 x 0.017 = 0.051
    assert row["significant_adjusted"] and c.verdict == "better"
    for k in ("dropoff_rate", "cost_per_case"):
        same = c.comparison.loc[k]
        assert same["identical"] is True and same["significant_adjusted"] is False
        assert pd.isna(same["p_adjusted"])
    # the outputs say what was left out, and why
    md = recommendations_markdown(
        model_name="mmc",
        candidates=[c],
        baseline=pd.DataFrame({"cycle_time_mean": [4.81, 4.81]}),
        objectives=THREE,
        constraints=(),
        confirm_replications=4,
        n_trials=8,
        simulations=14,
        comparisons=1,
        identical=2,
    )
    assert "## Recommended\n\n### 1. Redesign from trial 1: better than today" in md
    assert "Holm's adjustment for the 1 comparison of the confirmation with any difference" in md
    assert "Left out of that family: 2 tests whose objective was identical in every" in md
    assert "| no | no change (identical in every replication: no test) |" in md


def test_a_spread_around_zero_is_still_a_test():
    """Differences that cancel out (mean 0, p 1) but vary are a test: only no difference at all
    is left out."""
    comp = _qa_comparison()
    comp.loc["cost_per_case"] = pd.Series(_row(10.0, 0.0, 0.5, 1.0))
    c = _cand(comp)
    assert adjust_verdicts([c], THREE) == 2
    assert identical_tests([c], THREE) == 1
    assert c.comparison.loc["cycle_time_mean", "p_adjusted"] == pytest.approx(2 * 0.017)


def test_the_version_a_candidate_reports_carries_the_family_s_adjustment_everywhere():
    """QA (confirmation.json): the pruning record of the version a candidate reports kept the
    adjustment of the smaller family it was adopted in (p_adjusted 9.45e-7, x14) beside the
    candidate's own 1.01e-6 (x15) for the same p."""
    found = _qa_comparison().assign(p_value=[0.001, 0.5, 0.2], ci_low=-1.0, ci_high=1.0)
    c = _cand(_qa_comparison())
    stale = comparison_dict(c.comparison.assign(p_adjusted=0.017, significant_adjusted=True))
    c.original = {"choice": {"x": 2}, "comparison": comparison_dict(found)}
    c.pruning = [{"pass": "harm", "adopted": True, "comparison": stale}]
    other = _cand(_qa_comparison().assign(p_value=[0.002, 0.3, 0.4], ci_low=-1.0, ci_high=1.0))
    adjust_verdicts([c, other], THREE)
    reported = c.pruning[0]["comparison"]["cycle_time_mean"]
    assert reported["p_adjusted"] == pytest.approx(
        c.comparison.loc["cycle_time_mean", "p_adjusted"]
    )
    assert reported["p_adjusted"] != pytest.approx(0.017)
    assert (
        reported["significant_adjusted"]
        == c.comparison.loc["cycle_time_mean", "significant_adjusted"]
    )


def test_dominance_leaves_out_an_objective_two_candidates_share_in_every_replication():
    one, two = _cand(_qa_comparison()), _cand(_qa_comparison())
    two.trial = 2
    one.per_replication = {
        "replications": [4, 5, 6, 7],
        "values": {"cycle_time_mean": [1.0, 2.0, 1.5, 1.2], "dropoff_rate": [0.0] * 4,
                   "cost_per_case": [0.0] * 4},
    }  # fmt: skip
    two.per_replication = {
        "replications": [4, 5, 6, 7],
        "values": {"cycle_time_mean": [1.1, 2.3, 1.6, 1.4], "dropoff_rate": [0.0] * 4,
                   "cost_per_case": [0.0] * 4},
    }  # fmt: skip
    adjust_verdicts([one, two], THREE)
    assert mark_dominated([one, two], THREE) == 1  # cycle time only, not 3


def test_the_search_counts_and_says_the_tests_left_out(make_job, tmp_path):
    """End to end on the tiny model, whose cases never drop off: the drop-off objective is the
    same in every replication for every redesign, in the confirmation and in the ablation."""
    two = (Objective("cycle_time_mean"), Objective("dropoff_rate"))
    job = make_job(n_trials=4, objectives=two)
    run = tmp_path / "run"
    summary = optimize_redesign(
        job,
        run_dir=run,
        follow_up=FollowUp(confirm_replications=4, top_k=2, ablate_top=1),
        progress=False,
        workers=1,
    )
    mc = summary["multiple_comparisons"]
    n = len(summary["candidates"])
    assert n >= 1 and mc["left_out_identical"] >= n and mc["comparisons"] <= n
    for c in summary["candidates"]:
        drop = c["comparison"]["dropoff_rate"]
        assert drop["identical"] is True and drop["p_adjusted"] is None
        for a in c["ablation"]:
            if "contribution" in a:
                assert a["contribution"]["dropoff_rate"]["identical"] is True
                assert a["comparisons"] + a["identical_tests"] == 2 * sum(
                    "contribution" in x for x in c["ablation"]
                )
    saved = json.loads((run / "confirmation.json").read_text())
    assert saved["multiple_comparisons"]["left_out_identical"] == mc["left_out_identical"]
    md = (run / "recommendations.md").read_text()
    assert "Left out of that family:" in md


def test_the_report_marks_an_identical_objective_as_no_test(make_job, tmp_path):
    """report.html's after-Holm column says "no change (identical)" for such a row (it read
    "no", as if Holm had rejected an effect), and its note counts the tests left out."""
    from sim.report import build_report

    # the tiny model's redesigns leave its cost per case (scheduled staff) as it was
    two = (Objective("cycle_time_mean"), Objective("cost_per_case"))
    run = tmp_path / "run"
    optimize_redesign(
        make_job(n_trials=4, objectives=two),
        run_dir=run,
        follow_up=FollowUp(confirm_replications=4, top_k=1, ablate_top=0),
        progress=False,
        workers=1,
    )
    page = build_report(run).read_text()
    assert "<td>no change (identical)</td>" in page
    assert "identical in every replication with and without the redesign left out" in page
