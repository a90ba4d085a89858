"""Search spaces generated from a model (``sim.redesign.generate``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ConfigError
from sim.model import from_dict
from sim.redesign import SearchSpace, staffing_space
from sim.redesign.generate import staffing_bounds
from tests.optimize.conftest import TINY


@settings(deadline=None)  # a loaded CI machine can stall any example past 200 ms
@given(
    headcount=st.integers(0, 500),
    need_share=st.floats(0, 1),
    spread=st.floats(0.01, 3),
)
def test_staffing_bounds_keep_today_and_what_a_step_needs(headcount, need_share, spread):
    need = int(headcount * need_share)
    low, high = staffing_bounds(headcount, need, spread)
    assert low <= headcount < high  # 'no change' is a choice, and growing is always one
    assert low >= min(max(need, 1), headcount)  # never below what a step needs at once
    if headcount >= 2 and need < headcount:
        assert low < headcount  # shrinking is a choice too
    assert low >= 0


def test_staffing_bounds_follow_the_spread():
    assert staffing_bounds(10, 1, 0.5) == (5, 15)
    assert staffing_bounds(39, 1, 0.5) == (19, 59)
    assert staffing_bounds(1, 1, 0.5) == (1, 2)  # a step needs the one person
    assert staffing_bounds(3, 2, 0.9) == (2, 6)
    assert staffing_bounds(1, 0, 0.5, least=0) == (0, 2)  # a role that only stands in


def test_a_role_that_only_stands_in_may_go_without_people():
    """A role that does no step but may take one (an alternative) can have no people (it drops
    out, its share goes to the step's own role): the search may ask whether it is needed."""
    spec = {**TINY, "roles": {**TINY["roles"], "senior": {"headcount": 1}}}
    review = {**TINY["steps"]["review"]}
    review["alternatives"] = {"senior": {"duration": review["duration"], "share": 0.2}}
    spec["steps"] = {**TINY["steps"], "review": review}
    model = from_dict(spec)
    space = staffing_space(model, spread=0.5)
    assert space["staffing"]["senior"]["min"] == 0
    assert space["staffing"][review["role"]]["min"] >= 1  # the roles that do steps keep one
    searched = SearchSpace.from_dict(space, model)
    assert searched.apply(model, {"staffing:senior": 0}).roles["senior"].headcount == 0


def two_person_step():
    spec = {**TINY, "roles": {**TINY["roles"], "expert": {"headcount": 4}}}
    spec["steps"] = {
        **TINY["steps"],
        "review": {**TINY["steps"]["review"], "roles": ["expert", "expert"]},
    }
    del spec["steps"]["review"]["role"]
    return from_dict(spec)


def test_staffing_space_is_a_valid_search_space_over_every_role():
    model = two_person_step()
    space = staffing_space(model, spread=0.5, one_off_cost_per_hire=100)
    assert space["model"] == "tiny"
    assert set(space["staffing"]) == set(model.roles)
    assert space["staffing"]["expert"]["min"] == 2  # review needs two experts at once
    searched = SearchSpace.from_dict(space, model)
    names = {v.name: v for v in searched.variables}
    assert set(names) == {"staffing:clerk", "staffing:expert"}
    assert names["staffing:expert"].low == 2 and names["staffing:expert"].high == 6
    # one hire of an expert costs 100, and a choice within the bounds applies
    choice = {"staffing:clerk": 1, "staffing:expert": 5}
    assert searched.one_off_cost(choice) == 100
    assert searched.apply(model, choice).roles["expert"].headcount == 5


def test_a_saturated_role_may_grow_to_the_people_its_work_needs():
    """QA 9c: a role of 1 with 2.5 people of work could reach 2 within the 50 % spread, still
    saturated; its bound is now the headcount its work needs at 85 % busy (3)."""
    spec = {**TINY, "roles": {"clerk": {"headcount": 1}, "expert": {"headcount": 4}}}
    spec["steps"] = {**TINY["steps"]}
    spec["steps"]["intake"] = {
        **spec["steps"]["intake"],
        "duration": {"dist": "fixed", "value": 2.5},
    }
    model = from_dict(spec)  # a case an hour: 2.5 clerks of work, 0.8 experts
    space = staffing_space(model, spread=0.5)
    assert space["staffing"]["clerk"]["max"] == 3  # ceil(2.5 / 0.85); the spread alone gave 2
    assert space["staffing"]["expert"]["max"] == 6  # the spread's bound, more than work needs
    assert "up to what its work needs at 85% busy" in space["description"]
    SearchSpace.from_dict(space, model)


def test_staffing_space_refuses_bad_settings_and_models_without_people():
    model = from_dict(TINY)
    with pytest.raises(ConfigError, match=r"redesign\.spread"):
        staffing_space(model, spread=0)
    with pytest.raises(ConfigError, match=r"redesign\.one_off_cost_per_hire"):
        staffing_space(model, one_off_cost_per_hire=-1)
    automated = from_dict(
        {
            "name": "robots",
            "start": "a",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
            "steps": {"a": {"duration": {"dist": "fixed", "value": 0.1}, "next": "done"}},
            "ends": {"done": {"success": True}},
        }
    )
    with pytest.raises(ConfigError, match="has no roles"):
        staffing_space(automated)
