"""A version of a candidate that repeats another version's test on the same data (a change
taken out that leaves an objective exactly as it was in every replication: a person added to a
role nobody waits for) is one test of the Holm family, not two. Counted twice, trying such a
change alone cost the QA's CRM staffing redesign its significance (p 0.0089: x 5 = 0.044, x 7 =
0.062) and left nothing recommended."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.optimize import Candidate, Objective
from sim.optimize.confirm import (
    adjust_verdicts,
    comparison_dict,
    replaced_p_values,
    version_p_values,
)

TWO = (Objective("cycle_time_mean"), Objective("headcount"))


def _comparison(ct: tuple[float, float], people: float) -> pd.DataFrame:
    """Cycle time ``(diff, p)`` with a CI from it; headcount a constant difference (p 0, or 1
    when it is 0)."""
    d, p = ct
    return pd.DataFrame(
        {
            "base": [94.9, 21.0],
            "alt": [94.9 + d, 21.0 + people],
            "diff": [d, people],
            "ci_low": [d - 3.9, people],
            "ci_high": [d + 3.9, people],
            "relative": [d / 94.9, people / 21],
            "significant": [p < 0.05, True],
            "p_value": [p, 0.0 if people else 1.0],
        },
        index=["cycle_time_mean", "headcount"],
    )


def _cand(trial: int, comparison: pd.DataFrame) -> Candidate:
    c = Candidate(trial=trial, choice={"x": trial}, changes=[f"change {trial}"],
                  one_off_cost=0.0, search_values=[0.0, 0.0], rank=trial, search_rank=trial)  # fmt: skip
    c.comparison = comparison
    return c


def test_a_version_repeating_a_test_on_the_same_data_counts_once():
    # the QA run: #1 recommended without 'pricing 1 -> 2' (cycle time exactly as with it)
    found = _comparison((-6.24, 0.0089), 5.0)  # with pricing: +5 people
    together = _comparison((-2.06, 0.291), 0.0)  # without pricing and account_exec
    without_pricing = _comparison((-6.24, 0.0089), 4.0)  # the cycle time of the one found
    pruned = _cand(15, without_pricing)
    pruned.original = {"choice": {"x": 0}, "comparison": comparison_dict(found)}
    pruned.pruning = [
        {"pass": "harm", "adopted": False, "comparison": comparison_dict(together)},
        {"pass": "harm", "adopted": True, "alone": True,
         "comparison": comparison_dict(without_pricing)},
    ]  # fmt: skip
    others = [
        _cand(13, _comparison((-1.01, 0.663), 4.0)),
        _cand(0, _comparison((-5.2, 0.0435), 7.0)),
    ]
    # the redesign as found repeats the reported cycle-time test: only its headcount counts;
    # together's headcount is the same as today's in every replication: no test (family_p)
    assert replaced_p_values(pruned, TWO) == [0.291, 0.0]
    m = adjust_verdicts([pruned, *others], TWO)
    assert m == 8  # 3 candidates x 2 + together's cycle time + the one found's headcount
    row = pruned.comparison.loc["cycle_time_mean"]
    # 4 tests at p = 0 before it, so x (8 - 4) = 4 (x 6 with the repeat and the no-test counted)
    assert row["p_adjusted"] == pytest.approx(0.0089 * 4)
    assert row["significant_adjusted"] and pruned.verdict == "trade-off"
    # the repeat carries the adjustment of the test it repeats, and the verdict as found follows
    as_found = pruned.original["comparison"]["cycle_time_mean"]
    assert as_found["p_adjusted"] == pytest.approx(0.0089 * 4)
    assert as_found["significant_adjusted"] is True
    assert pruned.original["verdict"] == "trade-off"


def test_a_new_version_is_adjusted_beside_the_tests_it_does_not_repeat():
    """What pruning adjusts a smaller redesign beside (``version_p_values``): every version of
    the candidate so far, the one it reports included, less the tests the new one repeats."""
    current = _cand(15, _comparison((-6.24, 0.0089), 5.0))
    current.pruning = [
        {"pass": "harm", "adopted": False, "comparison": comparison_dict(
            _comparison((-2.06, 0.291), 0.0))},
    ]  # fmt: skip
    same_cycle = _comparison((-6.24, 0.0089), 4.0)
    # (the headcount of the version without them is today's in every replication: no test)
    assert version_p_values(current, TWO, besides=same_cycle) == [0.291, 0.0]
    other_cycle = _comparison((-2.06, 0.291), 4.0)
    assert version_p_values(current, TWO, besides=other_cycle) == [0.0089, 0.0]


def test_the_same_figures_in_two_candidates_are_still_two_tests():
    """Only a candidate's own versions are the same redesign but for the change taken out; two
    candidates with equal figures are two hypotheses and both count."""
    a = _cand(1, _comparison((-6.24, 0.0089), 4.0))
    b = _cand(2, _comparison((-6.24, 0.0089), 4.0))
    assert adjust_verdicts([a, b], TWO) == 4
