"""A change the ablation cannot take out alone because a staffing change of the redesign needs it
is taken out together with that staffing change, so its gain is measured (QA knownanswer16 #1:
"Remove approval + manager to 0" saved 22.7 h; the removal's row read "cannot be taken out
alone: ... cannot staff manager with 0", the manager's "+0.00 =" on cycle time, and no row
accounted for the 22.7 h)."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.model.scenario import Scenario
from sim.optimize import Candidate, Evaluator, Objective
from sim.optimize.confirm import taken_out
from sim.optimize.prune import prune
from sim.redesign import SearchSpace
from tests.optimize.conftest import confirmed_and_ablated, one_candidate_markdown

OBJECTIVES = (Objective("cycle_time_mean"), Objective("cost_per_case"))
SCENARIO = Scenario(horizon_days=3, warmup_days=0.5)
REPS = 5
# review removed and the expert, who did only review, staffed with 0; and a second clerk
FOUND = {"remove:review": True, "staffing:clerk": 2, "staffing:expert": 0}
REMOVE = "Remove 'review' (cases go straight on to 'done')"


@pytest.fixture
def space(tiny_model) -> SearchSpace:
    return SearchSpace.from_dict(
        {
            "model": "tiny",
            "remove": ["review"],
            "staffing": {
                "clerk": {"min": 1, "max": 2, "one_off_cost_per_hire": 0},
                "expert": {"min": 0, "max": 1, "one_off_cost_per_hire": 0},
            },
        },
        tiny_model,
    )


def _ablated(tiny_model, space) -> tuple[Candidate, pd.DataFrame]:
    c, base, _ = confirmed_and_ablated(tiny_model, space, FOUND, OBJECTIVES, SCENARIO, REPS)
    return c, base


def test_taken_out_puts_back_the_staffing_that_needs_the_change(tiny_model, space) -> None:
    with Evaluator(model=tiny_model, space=space, scenario=SCENARIO, seed=1, workers=1) as ev:
        without, partners, alone = taken_out(FOUND, "remove:review", ev)
        assert [o.name for o in partners] == ["staffing:expert"]
        assert without == {"remove:review": False, "staffing:clerk": 2, "staffing:expert": 1}
        assert "cannot staff expert with 0" in alone
        # a change that can go alone goes alone
        assert taken_out(FOUND, "staffing:clerk", ev) == (
            {"remove:review": True, "staffing:clerk": 1, "staffing:expert": 0},
            [],
            "",
        )


def test_the_removal_is_ablated_with_the_staffing_and_carries_the_gain(tiny_model, space) -> None:
    c, base = _ablated(tiny_model, space)
    by_var = {a["variable"]: a for a in c.ablation}
    removal = by_var["remove:review"]
    assert "refused" not in removal
    assert removal["with"] == ["staffing:expert"]
    assert removal["together"] == (
        "taken out with the staffing of expert, which needs it: expert back to 1"
    )
    assert "cannot staff expert with 0" in removal["refused_alone"]
    ct = removal["contribution"]["cycle_time_mean"]
    # the removal is where the cycle time goes: review (0.8 h, one expert) is gone
    assert ct["improvement"] > 0.5 and ct["ci_low"] > 0 and ct["significant_adjusted"]
    assert removal["role"] == "carries gain"
    # the expert's 0 alone changes no cycle time (no step of the redesign needs the expert)
    assert by_var["staffing:expert"]["contribution"]["cycle_time_mean"]["identical"]
    md = one_candidate_markdown(c, base, OBJECTIVES, REPS)
    row = next(line for line in md.splitlines() if line.startswith(f"| {REMOVE}"))
    assert "(taken out with the staffing of expert, which needs it: expert back to 1)" in row
    assert row.endswith("| carries gain |") and "cannot be taken out" not in row


def test_pruning_a_change_taken_out_with_its_staffing_puts_both_back(tiny_model, space) -> None:
    """Rated harm by hand: the redesign without the removal is tried with the expert back,
    not refused because the expert would stay at 0 with review back."""
    c, _ = _ablated(tiny_model, space)
    for a in c.ablation:
        a["role"] = "harm" if a["variable"] == "remove:review" else "carries gain"
    with Evaluator(model=tiny_model, space=space, scenario=SCENARIO, seed=1, workers=1) as ev:
        (p,) = prune(c, ev, OBJECTIVES, (), replications=REPS, start=0, search_replications=2)
    assert "refuses" not in p.get("reason", "")
    assert p["choice"] == {"remove:review": False, "staffing:clerk": 2, "staffing:expert": 1}
    assert p["dropped"][0]["with"] == ["staffing:expert"]
    # without the removal the cycle time is far worse: kept
    assert not p["adopted"] and "cycle_time_mean" in p["worse_on"]
    assert c.choice == FOUND
