"""A change whose ablation left every objective identical in every replication, and that costs a
one-off cost or adds people, is dropped on its own before the other noise changes are tried
together (QA: a second legal and a second sales_manager, for roles the redesign leaves without
work, were kept because they were only tried together with an account_exec who helped)."""

from __future__ import annotations

import pytest

from sim.model.scenario import Scenario
from sim.optimize import Candidate, Evaluator, Objective, ablate, confirm
from sim.optimize.objectives import Constraint
from sim.optimize.prune import CHANGED_NOTHING, COSTLY_NOISE, prune
from sim.redesign import SearchSpace
from tests.optimize.conftest import one_candidate_markdown

OBJECTIVES = (Objective("cycle_time_mean"),)
SCENARIO = Scenario(horizon_days=3, warmup_days=0.5)
REPS = 5
# a second clerk and a second expert (both busy: they help), a second 'spare' (no step uses it)
FOUND = {"staffing:clerk": 2, "staffing:expert": 2, "staffing:spare": 2}
CLERK = "Staff clerk with 2 people instead of 1 (one-off cost 100)"
SPARE = "Staff spare with 2 people instead of 1 (one-off cost 100)"


@pytest.fixture
def model(tiny_with_spare):
    return tiny_with_spare


def _space(model, spare_cost=100):
    hire = {"min": 1, "max": 2, "one_off_cost_per_hire": 100}
    return SearchSpace.from_dict(
        {
            "model": "tiny",
            "budget": 10000,
            "staffing": {
                "clerk": hire,
                "expert": hire,
                "spare": {"min": 1, "max": 2, "one_off_cost_per_hire": spare_cost},
            },
        },
        model,
    )


def _pruned(model, space, constraints=()):
    """Confirm, ablate (the clerk then rated noise by hand, as an ablation with few replications
    may rate a change that helps) and prune FOUND; the candidate and the baseline."""
    with Evaluator(model=model, space=space, scenario=SCENARIO, seed=1, workers=1) as ev:
        c = Candidate(
            trial=5,
            choice=dict(FOUND),
            changes=space.describe(FOUND),
            one_off_cost=space.one_off_cost(FOUND),
            search_values=[0.0],
            rank=1,
            search_rank=1,
        )
        base = confirm([c], ev, OBJECTIVES, constraints, replications=REPS, start=0)
        ablate(c, ev, OBJECTIVES, replications=REPS, start=0)
        by_var = {a["variable"]: a for a in c.ablation}
        spare = by_var["staffing:spare"]["contribution"]["cycle_time_mean"]
        assert spare["identical"] and spare["improvement"] == 0.0
        assert not by_var["staffing:clerk"]["contribution"]["cycle_time_mean"]["identical"]
        by_var["staffing:clerk"]["role"] = "noise"
        prune(c, ev, OBJECTIVES, constraints, replications=REPS, start=0, search_replications=3)
    return c, base


def test_a_change_that_changes_nothing_measured_is_dropped_alone_first(model):
    c, base = _pruned(model, _space(model))
    first, group = c.pruning
    # dropped on its own (the ablation already simulated it: same key, same random numbers)
    assert first["pass"] == CHANGED_NOTHING and first["adopted"]
    assert [d["change"] for d in first["dropped"]] == [SPARE]
    assert first["dropped"][0]["one_off_saving"] == pytest.approx(100.0)
    assert (
        first["reason"]
        == "it changes nothing measured: every objective identical in every replication"
    )
    assert first["versus_kept"]["cycle_time_mean"]["diff"] == 0.0
    # the remaining noise change is tried as before, and kept (it helps)
    assert group["pass"] == COSTLY_NOISE and not group["adopted"]
    assert [d["change"] for d in group["dropped"]] == [CLERK]
    assert group["worse_on"] == ["cycle_time_mean"]
    assert c.choice == {"staffing:clerk": 2, "staffing:expert": 2, "staffing:spare": 1}
    assert SPARE not in c.changes and CLERK in c.changes
    assert c.one_off_cost == 200.0 and c.original["one_off_cost"] == 300.0
    assert c.verdict == "better"
    md = one_candidate_markdown(c, base, OBJECTIVES, REPS)
    assert (
        "**Dropped: the change that changes nothing measured: identical in every replication.**"
        in md
    )
    assert f"- {SPARE} (noise, saves a one-off cost of 100): dropped" in md
    assert "One-off cost: 200 (as found: 300)." in md
    # its own reason, not the noise pass's "not significantly worse"
    assert (
        "**Recommended without it**: it changes nothing measured: every objective identical "
        "in every replication." in md
    )
    assert "without 1 change the ablation rated identical in every replication" in md


def test_a_hire_at_no_one_off_cost_that_changes_nothing_is_dropped_too(model):
    c, _ = _pruned(model, _space(model, spare_cost=0))
    first, group = c.pruning
    assert first["pass"] == CHANGED_NOTHING and first["adopted"]
    assert first["dropped"] == [
        {
            "variable": "staffing:spare",
            "value": 2,
            "change": "Staff spare with 2 people instead of 1",
            "role": "noise",
        }
    ]
    assert group["pass"] == COSTLY_NOISE and not group["adopted"]
    assert c.choice["staffing:spare"] == 1 and c.one_off_cost == 200.0


def test_a_change_that_moves_a_constraint_is_left_to_the_noise_pass(model):
    """The ablation judges objectives only: a hire moves the headcount, so with a headcount
    constraint it changes something measured, and it is tried with the other noise changes, as
    before (which the clerk's loss keeps)."""
    c, _ = _pruned(model, _space(model), constraints=(Constraint("headcount", high=10.0),))
    (group,) = c.pruning
    assert group["pass"] == COSTLY_NOISE and not group["adopted"]
    assert [d["change"] for d in group["dropped"]] == [CLERK, SPARE]
    assert c.choice == FOUND and c.original is None
