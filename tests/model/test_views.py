"""Expected visits per node and the one-step-per-activity view of a calibrated model."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from model_strategies import models

from sim.model import from_dict, validate
from sim.model.views import activity_view, expected_visits, most_visited_part


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


def _side_trips(n: int) -> dict:
    """``main_0 -> ... -> main_{n-1} -> done``; after each main step 20 % of the cases make a
    side trip (``side_i``) before the next main step: mains are visited once, sides 0.2 times."""
    steps, decisions = {}, {}
    for i in range(n):
        after = f"main_{i + 1}" if i + 1 < n else "done"
        steps[f"main_{i}"] = {"role": "clerk", "duration": {"dist": "fixed", "value": 1}}
        steps[f"main_{i}"]["next"] = f"d_{i}"
        steps[f"side_{i}"] = {"role": "clerk", "duration": {"dist": "fixed", "value": 1}}
        steps[f"side_{i}"]["next"] = after
        decisions[f"d_{i}"] = {"branches": {after: 0.8, f"side_{i}": 0.2}}
    return _spec(start="main_0", steps=steps, decisions=decisions, ends={"done": {"success": True}})


def test_most_visited_part_keeps_the_most_visited_steps_and_passes_through_the_others():
    model = from_dict(_side_trips(25))  # 50 steps
    part = most_visited_part(model, 30)
    validate(part, source="view")
    mains = [f"main_{i}" for i in range(25)]
    assert len(part.steps) == 30 and set(mains) <= set(part.steps)
    assert part.metadata["hidden_steps"] == 20
    assert part.metadata["min_visits_shown"] == pytest.approx(0.2)
    # main_10's side trip is left out: both ways lead on to main_11, so it goes there directly
    assert "side_10" not in part.steps and part.steps["main_10"].next == "main_11"
    # main_0's side trip is kept (ties go by model order): the branches stay as they were
    branches = {b.to: b.probability for b in part.decisions[part.steps["main_0"].next].branches}
    assert branches == pytest.approx({"main_1": 0.8, "side_0": 0.2})
    assert most_visited_part(model, 50) is None  # small enough: drawn whole


def _clerk_steps(**nexts: str) -> dict:
    """One-hour clerk steps, ``name=next`` each."""
    return {
        n: {"role": "clerk", "duration": {"dist": "fixed", "value": 1}, "next": nxt}
        for n, nxt in nexts.items()
    }


def test_most_visited_part_follows_loops_through_left_out_steps():
    # a -> 20 % to a retry loop (x, then half the cases x again) -> b; the loop is left out
    model = from_dict(
        _spec(
            steps=_clerk_steps(a="d", x="again", b="end"),
            decisions={
                "d": {"branches": {"x": 0.2, "b": 0.8}},
                "again": {"branches": {"x": 0.5, "b": 0.5}},
                "end": {"branches": {"done": 0.9, "lost": 0.1}},
            },
        )
    )
    part = most_visited_part(model, 2)
    validate(part, source="view")
    assert set(part.steps) == {"a", "b"} and part.steps["a"].next == "b"
    ends = {b.to: b.probability for b in part.decisions[part.steps["b"].next].branches}
    assert ends == pytest.approx({"done": 0.9, "lost": 0.1})
    assert part.metadata["max_visits_hidden"] == pytest.approx(0.4)  # 0.2 / (1 - 0.5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.integers(min_value=1, max_value=6))
def test_most_visited_part_of_any_model_is_valid_and_reaches_each_end_as_often(model, keep):
    assume(len(model.steps) > keep)
    part = most_visited_part(model, keep)
    validate(part, source="view")
    assert len(part.steps) == keep
    xm, xp = expected_visits(model), expected_visits(part)
    for end in model.ends:
        assert xp.get(end, 0.0) == pytest.approx(xm[end], abs=1e-9)
    for s in part.steps:
        assert xp[s] == pytest.approx(xm[s], rel=1e-9, abs=1e-9)


def test_most_visited_part_keeps_the_steps_and_decisions_it_is_told_to_keep():
    model = from_dict(_side_trips(25))  # 50 steps: mains visited once, side trips 0.2 times
    part = most_visited_part(model, 30, keep=["side_20", "d_10"])
    validate(part, source="view")
    assert len(part.steps) == 30 and "side_20" in part.steps  # kept, though rarely visited
    assert part.metadata["hidden_steps"] == 20 and part.metadata["kept_steps"] == 1
    assert part.metadata["min_visits_shown"] == pytest.approx(0.2)
    # the 29 others: the 25 mains, then the first side trips (ties go by model order)
    assert {f"side_{i}" for i in range(4)} <= set(part.steps) and "side_4" not in part.steps
    # d_10 keeps its name; both its ways lead on to main_11 (side_10 is left out)
    assert part.steps["main_10"].next == "d_10"
    (branch,) = part.decisions["d_10"].branches
    assert (branch.to, branch.probability) == ("main_11", pytest.approx(1.0))
    # keep counts towards max_steps, but everything it names stays
    many = most_visited_part(model, 2, keep=[f"side_{i}" for i in range(5)])
    assert set(many.steps) == {f"side_{i}" for i in range(5)}
    validate(many, source="view")


def test_a_kept_decision_that_cases_reach_again_through_left_out_steps_folds_the_loop():
    # a -> check: 40 % fix (x), then back to check; 60 % on to b (then 10 % lost). x is left out.
    model = from_dict(
        _spec(
            steps=_clerk_steps(a="check", x="check", b="end"),
            decisions={
                "check": {"branches": {"x": 0.4, "b": 0.6}},
                "end": {"branches": {"done": 0.9, "lost": 0.1}},
            },
        )
    )
    part = most_visited_part(model, 2, keep=["check"])
    validate(part, source="view")
    assert set(part.steps) == {"a", "b"} and part.steps["a"].next == "check"
    assert [(b.to, b.probability) for b in part.decisions["check"].branches] == [("b", 1.0)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models(), st.integers(min_value=1, max_value=6), st.data())
def test_most_visited_part_keeping_any_nodes_is_valid_and_reaches_each_end_as_often(
    model, limit, data
):
    assume(len(model.steps) > limit)
    nodes = sorted([*model.steps, *model.decisions])
    keep = data.draw(st.lists(st.sampled_from(nodes), max_size=4, unique=True))
    part = most_visited_part(model, limit, keep=keep)
    kept_steps = [n for n in keep if n in model.steps]
    if part is None:  # keep names every step: nothing to leave out
        assert len(kept_steps) == len(model.steps)
        return
    validate(part, source="view")
    assert set(keep) <= set(part.steps) | set(part.decisions)
    assert len(part.steps) == max(limit, len(kept_steps))
    xm, xp = expected_visits(model), expected_visits(part)
    for end in model.ends:
        assert xp.get(end, 0.0) == pytest.approx(xm[end], abs=1e-9)
    for s in part.steps:
        assert xp[s] == pytest.approx(xm[s], rel=1e-9, abs=1e-9)
