"""A redesign ``worse`` than today with a negligible significant gain is "not recommended" for
both reasons: the gain is negligible, and it is significantly worse on another objective (QA
honesty19 #2: only the negligible gain was named, not the two people it costs).

``tests.optimize.test_negligible_ablation.DESK_AND_CHECK``: a second checker (3 % busy) saves
about 0.0007 h of a 3.1 h cycle time, significantly and negligibly, at a person more.
"""

from __future__ import annotations

from sim.optimize import Evaluator, confirm
from sim.optimize.confirm import NEGLIGIBLE_CHANGE
from tests.optimize.conftest import candidates_markdown, unconfirmed_candidates
from tests.optimize.test_negligible_ablation import (
    CHECKER,
    CLERK,
    OBJECTIVES,
    desk_and_check,
)
from tests.optimize.test_window_edge_ablation import CONFIRM_REPS, EDGE_SCENARIO, SEARCH_REPS


def test_a_worse_redesign_with_a_negligible_gain_names_what_makes_it_worse():
    model, space = desk_and_check()
    with Evaluator(model=model, space=space, scenario=EDGE_SCENARIO, seed=0, workers=1) as ev:
        clerk, checker = unconfirmed_candidates(
            space, ({CLERK: 2, CHECKER: 1}, {CLERK: 1, CHECKER: 2})
        )
        base = confirm(
            [clerk, checker], ev, OBJECTIVES, (), replications=CONFIRM_REPS, start=SEARCH_REPS
        )
    # the premise: a significant (after Holm) and negligible gain, a significant worsening
    comp = checker.comparison
    cycle, people = comp.loc["cycle_time_mean"], comp.loc["headcount"]
    assert cycle["significant_adjusted"] and cycle["diff"] < 0
    assert -cycle["diff"] < NEGLIGIBLE_CHANGE * cycle["base"]
    assert people["significant"] and people["diff"] == 1
    assert checker.verdict == "worse"
    md = candidates_markdown(
        [clerk, checker], base, OBJECTIVES, CONFIRM_REPS, model_name="desk_and_check"
    )
    line = next(x for x in md.splitlines() if x.startswith("Not recommended:"))
    assert line == (
        "Not recommended: its significant improvement on mean cycle time is negligible (under "
        f"{100 * NEGLIGIBLE_CHANGE:g} % of today's value), which makes no redesign better than "
        "today; significantly worse on headcount (unadjusted 95 % CI)."
    )
