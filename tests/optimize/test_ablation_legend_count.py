"""The ablation legend's count of tests left out agrees with its verb (QA retest19 #8: "= identical
in every replication, no test: the 1 such are left out")."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.optimize import Objective
from sim.optimize.confirm import IDENTICAL, Candidate
from sim.optimize.outputs import recommendations_markdown

TWO = (Objective("cycle_time_mean"), Objective("cost_per_case"))
HIRE = "Add 1 person to clerk (2 -> 3)"


def _v(improvement: float, identical: bool = False) -> dict:
    return {
        "improvement": improvement,
        "ci_low": improvement if identical else improvement - 0.5,
        "ci_high": improvement if identical else improvement + 0.5,
        "significant": not identical,
        "significant_adjusted": not identical,
        "p_value": None if identical else 0.001,
        "p_adjusted": None if identical else 0.002,
        "identical": identical,
    }


def _candidate(identical: int) -> Candidate:
    row = {
        "variable": "headcount:clerk",
        "value": 3,
        "change": HIRE,
        "contribution": {"cycle_time_mean": _v(2.0), "cost_per_case": _v(0.0, identical=True)},
        "comparisons": 3,
        "identical_tests": identical,
        "replications": 10,
        "role": "essential",
    }
    comparison = pd.DataFrame(
        {
            "base": [10.0, 50.0],
            "alt": [8.0, 50.0],
            "diff": [-2.0, 0.0],
            "ci_low": [-2.5, 0.0],
            "ci_high": [-1.5, 0.0],
            "relative": [-0.2, 0.0],
            "significant": [True, False],
            "p_value": [0.001, 1.0],
            "p_adjusted": [0.002, 1.0],
            "significant_adjusted": [True, False],
        },
        index=[o.kpi for o in TWO],
    )
    return Candidate(
        trial=1,
        choice={"headcount:clerk": 3},
        changes=[HIRE],
        one_off_cost=0.0,
        search_values=[0.0, 0.0],
        rank=1,
        search_rank=1,
        verdict="better",
        comparison=comparison,
        ablation=[row],
    )


def _legend(identical: int) -> str:
    md = recommendations_markdown(
        model_name="desks",
        candidates=[_candidate(identical)],
        baseline=pd.DataFrame({"cycle_time_mean": [10.0], "cost_per_case": [50.0]}),
        objectives=TWO,
        constraints=(),
        confirm_replications=10,
        n_trials=4,
        simulations=40,
    )
    return next(ln for ln in md.splitlines() if ln.startswith("(unadjusted 95 % CIs;"))


@pytest.mark.parametrize(
    ("identical", "said"),
    [(1, "1 such test is left out"), (2, "2 such tests are left out")],
)
def test_the_count_of_identical_tests_agrees_with_its_verb(identical: int, said: str) -> None:
    legend = _legend(identical)
    assert f"= {IDENTICAL}, no test: {said}," in legend
    assert "such are left out" not in legend
