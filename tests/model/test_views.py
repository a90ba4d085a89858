"""Expected visits per node and the one-step-per-activity view of a calibrated model."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from model_strategies import models

from sim.model import from_dict, validate
from sim.model.views import activity_view, expected_visits


def _spec(**extra) -> dict:
    return {
        "name": "calls",
        "start": "a",
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
        "roles": {"clerk": {"headcount": 2}},
        "ends": {
            "done": {"outcome": "won", "success": True},
            "lost": {"outcome": "lost", "success": False},
        },
        **extra,
    }


def _unrolled() -> dict:
    """A calibrated-style model: a call, then 60 % call again (after a timer), then 50 % lost.

    Expected visits: a 1, call 1, delay 0.6, call #2 0.6; done 0.4 + 0.3, lost 0.3.
    """
    work = {"dist": "exponential", "mean": 0.2}
    return _spec(
        steps={
            "a": {"duration": work, "roles": ["clerk"], "next": "call"},
            "call": {"duration": work, "roles": ["clerk"], "next": "after:call"},
            "delay:call #2": {"duration": {"dist": "fixed", "value": 24}, "next": "call #2"},
            "call #2": {"duration": work, "roles": ["clerk"], "next": "after:call #2"},
        },
        decisions={
            "after:call": {"branches": {"delay:call #2": 0.6, "done": 0.4}},
            "after:call #2": {"branches": {"lost": 0.5, "done": 0.5}},
        },
        metadata={"step_activity": {"call #2": "call"}, "timer_steps": ["delay:call #2"]},
    )


def test_expected_visits_of_a_rework_loop_and_a_parallel_block():
    work = {"dist": "fixed", "value": 1}
    m = from_dict(
        _spec(
            steps={
                "a": {"duration": work, "roles": ["clerk"], "next": "check"},
                "b1": {"duration": work, "next": "join"},
                "b2": {"duration": work, "next": "join"},
                "c": {"duration": work, "next": "done"},
            },
            decisions={"check": {"branches": {"a": 0.25, "split": 0.7, "lost": 0.05}}},
            parallel={"split": {"branches": ["b1", "b2"], "join": "join", "next": "c"}},
        )
    )
    x = expected_visits(m)
    assert x["a"] == pytest.approx(4 / 3)  # geometric: 1 / (1 - 0.25)
    for node in ("split", "b1", "b2", "join", "c", "done"):  # each branch once, one join
        assert x[node] == pytest.approx(0.7 * 4 / 3), node
    assert x["lost"] == pytest.approx(0.05 * 4 / 3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_every_case_reaches_an_end_once(model):
    x = expected_visits(model)
    assert sum(x[e] for e in model.ends) == pytest.approx(1.0, abs=1e-9)
    assert all(v >= 0 for v in x.values())
    for par in model.parallels.values():  # a block is passed as a whole
        assert x[par.join] == pytest.approx(x[par.name])


def test_activity_view_merges_repetitions_and_timers_with_the_same_flows():
    m = from_dict(_unrolled())
    v = activity_view(m)
    assert v is not None
    validate(v, source="view")
    assert set(v.steps) == {"a", "call"}
    call = v.steps["call"]
    assert call.provenance["merged_steps"] == ["call", "call #2", "delay:call #2"]
    branches = {b.to: b.probability for b in v.decisions[call.next].branches}
    # visit-weighted: call (1 visit) goes on 60 % / done 40 %; call #2 (0.6) lost or done 50/50
    assert branches == pytest.approx({"call": 0.6 / 1.6, "done": 0.7 / 1.6, "lost": 0.3 / 1.6})
    xm, xv = expected_visits(m), expected_visits(v)
    assert xv["call"] == pytest.approx(xm["call"] + xm["call #2"]) == pytest.approx(1.6)
    for end in m.ends:  # outcome shares are the model's
        assert xv[end] == pytest.approx(xm[end])
    assert call.provenance["visits_per_case"] == pytest.approx(1.6)


def test_a_model_without_repetitions_or_timers_has_no_view():
    spec = _unrolled()
    spec.pop("metadata")
    assert activity_view(from_dict(spec)) is None


def test_a_view_of_a_start_decision_keeps_the_start():
    spec = _unrolled()
    spec["start"] = "first"
    spec["decisions"]["first"] = {"branches": {"a": 0.5, "delay:call #2": 0.5}}
    v = activity_view(from_dict(spec))
    assert v is not None and v.start == "first"
    assert {b.to: b.probability for b in v.decisions["first"].branches} == {"a": 0.5, "call": 0.5}


def _inside_blocks(model) -> set[str]:
    """Nodes on the branches of parallel blocks (between a split and its join)."""
    inside: set[str] = set()
    for par in model.parallels.values():
        todo = list(par.branches)
        while todo:
            n = todo.pop()
            if n == par.join or n in inside:
                continue
            inside.add(n)
            todo.extend(model.successors(n))
    return inside


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.data())
def test_merging_steps_keeps_the_flows_of_the_model(model, data):
    # any steps outside parallel blocks, merged as one activity (as calibration's repetitions
    # are): the view passes validation, reaches each end as often, and visits the activity as
    # often as the model visits its steps
    import dataclasses

    free = sorted(s for s in model.steps if s not in _inside_blocks(model))
    assume(len(free) >= 2)
    group = data.draw(st.lists(st.sampled_from(free), min_size=2, max_size=4, unique=True))
    merged = dataclasses.replace(
        model, metadata={"step_activity": {s: group[0] for s in group[1:]}}
    )
    view = activity_view(merged)
    validate(view, source="view")
    xm, xv = expected_visits(merged), expected_visits(view)
    assert xv[group[0]] == pytest.approx(sum(xm[s] for s in group), rel=1e-9, abs=1e-9)
    for end in model.ends:
        assert xv[end] == pytest.approx(xm[end], rel=1e-9, abs=1e-9)


def test_a_branch_of_probability_zero_stays_in_the_view():
    # found by the property above: dropping it left the end 'lost' unreachable (invalid view)
    spec = _unrolled()
    spec["decisions"]["after:call #2"] = {"branches": {"lost": 0.0, "done": 1.0}}
    v = activity_view(from_dict(spec))
    validate(v, source="view")
    branches = {b.to: b.probability for b in v.decisions[v.steps["call"].next].branches}
    assert branches["lost"] == 0.0 and sum(branches.values()) == pytest.approx(1.0)
