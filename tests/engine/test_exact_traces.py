"""Exact traces of tiny models with deterministic durations, one feature at a time.

Every expected row below is worked out by hand from the semantics in the docstring of
``sim.engine.runner`` (SimPy's tests/test_resources.py style). Rows are
``(case, step, person, enabled, start, end)`` in hours since ``start_date``; cases are
``(arrival, end, outcome, dropped at)``. Where a model needs randomness (a rework loop, a segment
draw), the expected path is derived from the engine's named stream, reproduced here.
"""

from __future__ import annotations

import bisect

import numpy as np
import pytest
from engine_testkit import build, cases, fixed, open_rows, rows

from sim.engine import run_replication
from sim.engine.runner import BLOCK, CASE_BLOCK
from sim.errors import ConfigError
from sim.model.scenario import Scenario
from sim.random import block_stream, stream

DONE = "done"


def run(model, *, seed=0, **scenario):
    scenario.setdefault("warmup_days", 0)
    scenario.setdefault("horizon_days", 1)
    return run_replication(model, Scenario(**scenario), seed=seed)


# ----------------------------------------------------------------------------- basic flow
def test_single_step():
    m = build({"a": {"role": "r", "duration": fixed(0.5), "next": DONE}}, roles={"r": 1})
    t = run(m, max_cases=3)
    assert rows(t) == [
        (0, "a", "r_1", 1.0, 1.0, 1.5),
        (1, "a", "r_1", 2.0, 2.0, 2.5),
        (2, "a", "r_1", 3.0, 3.0, 3.5),
    ]
    assert cases(t) == [(1.0, 1.5, DONE, None), (2.0, 2.5, DONE, None), (3.0, 3.5, DONE, None)]
    assert t.ev_extra.shape == (0, 2)


def test_a_timer_measured_from_arrival_ends_at_its_deadline_or_at_once():
    # arrivals at 1, 2, 3, 4; one clerk works 2 h per case (1-3, 3-5, 5-7, 7-9); the closure
    # comes 4 h after the case arrived (5, 6, 7, 8): cases 0 and 1 wait for it, case 2 reaches
    # it exactly at its deadline, case 3 after it, so both close at once
    m = build(
        {
            "work": {"role": "r", "duration": fixed(2), "next": "close"},
            "close": {"duration": fixed(4), "next": DONE, "measured_from": "arrival"},
        },
        roles={"r": 1},
    )
    t = run(m, max_cases=4)
    closes = [x for x in rows(t) if x[1] == "close"]
    assert closes == [
        (0, "close", None, 3.0, 3.0, 5.0),
        (1, "close", None, 5.0, 5.0, 6.0),
        (2, "close", None, 7.0, 7.0, 7.0),
        (3, "close", None, 9.0, 9.0, 9.0),
    ]
    # measured from when the case reaches it (the default), the same timer always takes 6 h
    m = build(
        {
            "work": {"role": "r", "duration": fixed(2), "next": "close"},
            "close": {"duration": fixed(4), "next": DONE},
        },
        roles={"r": 1},
    )
    assert [x[5] - x[4] for x in rows(run(m, max_cases=4)) if x[1] == "close"] == [4.0] * 4


def test_a_timer_on_a_calendar_counts_its_working_hours():
    # the run starts on Monday 00:00; cases arrive at 01:00 and 02:00; the office opens at 09:00:
    # a timer of 2 working hours ends at 11:00 for both
    office = {"office": {"weekdays": ["09:00-17:00"]}}
    m = build(
        {
            "wait": {"duration": fixed(2), "next": DONE, "calendar": "office"},
        },
        calendars=office,
    )
    assert [(x[0], x[3], x[5]) for x in rows(run(m, max_cases=2))] == [
        (0, 1.0, 11.0),
        (1, 2.0, 11.0),
    ]
    # a deadline of 3 working hours after the arrival (12:00), reached after 10 h of other work
    # at 11:00 and 12:00: the first waits an hour, the second not at all
    m = build(
        {
            "work": {"duration": fixed(10), "next": "close"},
            "close": {
                "duration": fixed(3),
                "next": DONE,
                "calendar": "office",
                "measured_from": "arrival",
            },
        },
        calendars=office,
    )
    closes = [(x[0], x[4], x[5]) for x in rows(run(m, max_cases=2)) if x[1] == "close"]
    assert closes == [(0, 11.0, 12.0), (1, 12.0, 12.0)]


def test_two_steps_with_queueing():
    # a takes 2 h but cases come every hour: case 1 queues at a from 2 to 3.
    m = build(
        {
            "a": {"role": "r1", "duration": fixed(2), "next": "b"},
            "b": {"role": "r2", "duration": fixed(0.5), "next": DONE},
        },
        roles={"r1": 1, "r2": 1},
    )
    t = run(m, max_cases=2)
    assert rows(t) == [
        (0, "a", "r1_1", 1.0, 1.0, 3.0),
        (0, "b", "r2_1", 3.0, 3.0, 3.5),
        (1, "a", "r1_1", 2.0, 3.0, 5.0),
        (1, "b", "r2_1", 5.0, 5.0, 5.5),
    ]
    assert cases(t) == [(1.0, 3.5, DONE, None), (2.0, 5.5, DONE, None)]


def test_members_name_the_people_and_fifo_rotation():
    # Two people, cases every hour, 1.5 h of work: ann takes case 0, bob case 1, ann case 2.
    m = build(
        {"a": {"role": "r", "duration": fixed(1.5), "next": DONE}},
        roles={"r": {"headcount": 2, "members": ["ann", "bob"]}},
    )
    t = run(m, max_cases=3)
    assert rows(t) == [
        (0, "a", "ann", 1.0, 1.0, 2.5),
        (1, "a", "bob", 2.0, 2.0, 3.5),
        (2, "a", "ann", 3.0, 3.0, 4.5),
    ]
    assert t.resources == ("ann", "bob")
    assert t.resource_roles == ("r", "r")


def test_decision_branches():
    # a -> check -> b (probability 1) -> second -> lost (probability 1): c is never visited.
    m = build(
        {
            "a": {"role": "r", "duration": fixed(0.25), "next": "check"},
            "b": {"role": "r", "duration": fixed(0.25), "next": "second"},
            "c": {"role": "r", "duration": fixed(0.25), "next": DONE},
        },
        roles={"r": 1},
        decisions={
            "check": {"branches": {"b": 1.0, "c": 0.0}},
            "second": {"branches": {"c": 0.0, "lost": 1.0}},
        },
        ends={DONE: {"success": True}, "lost": {"success": False}},
    )
    t = run(m, max_cases=2)
    assert rows(t) == [
        (0, "a", "r_1", 1.0, 1.0, 1.25),
        (0, "b", "r_1", 1.25, 1.25, 1.5),
        (1, "a", "r_1", 2.0, 2.0, 2.25),
        (1, "b", "r_1", 2.25, 2.25, 2.5),
    ]
    assert cases(t) == [(1.0, 1.5, "lost", None), (2.0, 2.5, "lost", None)]
    assert t.outcome_success == (True, False)


def test_decision_by_segment():
    # The only segment overrides the default branch probabilities.
    m = build(
        {
            "a": {"role": "r", "duration": fixed(0.5), "next": "check"},
            "b": {"role": "r", "duration": fixed(0.25), "next": DONE},
        },
        roles={"r": 1},
        arrivals={
            "interarrival": 1.0,
            "segments": {"vip": {"share": 1.0}},
        },
        decisions={
            "check": {
                "branches": {"b": 0.0, "lost": 1.0},
                "by_segment": {"vip": {"b": 1.0, "lost": 0.0}},
            }
        },
        ends={DONE: {"success": True}, "lost": {"success": False}},
    )
    t = run(m, max_cases=1)
    assert rows(t) == [(0, "a", "r_1", 1.0, 1.0, 1.5), (0, "b", "r_1", 1.5, 1.5, 1.75)]
    assert cases(t) == [(1.0, 1.75, DONE, None)]


def test_rework_loop_follows_the_decision_stream():
    # fix -> check: back to fix with probability 0.5, else done. The decision goes back when
    # u < 0.5 (first branch); case 0's k-th u is the first value of block 0 of the stream
    # "decision:check" (k = 1) or "decision:check #k" (per case and visit). One case, 1 h per
    # visit.
    m = build(
        {"fix": {"role": "r", "duration": fixed(1), "next": "check"}},
        roles={"r": 1},
        decisions={"check": {"branches": {"fix": 0.5, DONE: 0.5}}},
    )

    def visits(seed):
        for k in range(1, 100):
            name = "decision:check" if k == 1 else f"decision:check #{k}"
            if block_stream(seed, 0, name, 0).random(CASE_BLOCK)[0] >= 0.5:
                return k
        raise AssertionError("no way out in 99 visits")

    seed = next(s for s in range(1000) if visits(s) == 3)
    visits = visits(seed)
    t = run(m, seed=seed, max_cases=1)
    expected = [(0, "fix", "r_1", 1.0 + k, 1.0 + k, 2.0 + k) for k in range(visits)]
    assert rows(t) == expected
    assert cases(t) == [(1.0, 1.0 + visits, DONE, None)]


# ------------------------------------------------------------------------------- parallel
def _parallel_model(probabilities=None):
    par = {"branches": ["b", "c"], "join": "j", "next": "d"}
    if probabilities is not None:
        par["probabilities"] = probabilities
    return build(
        {
            "a": {"role": "r1", "duration": fixed(1), "next": "split"},
            "b": {"role": "r2", "duration": fixed(2), "next": "j"},
            "c": {"role": "r3", "duration": fixed(0.5), "next": "j"},
            "d": {"role": "r1", "duration": fixed(1), "next": DONE},
        },
        roles={"r1": 1, "r2": 1, "r3": 1},
        parallel={"split": par},
    )


def test_parallel_join_waits_for_the_slower_branch():
    t = run(_parallel_model(), max_cases=1)
    assert rows(t) == [
        (0, "a", "r1_1", 1.0, 1.0, 2.0),
        (0, "b", "r2_1", 2.0, 2.0, 4.0),
        (0, "c", "r3_1", 2.0, 2.0, 2.5),
        (0, "d", "r1_1", 4.0, 4.0, 5.0),
    ]
    assert cases(t) == [(1.0, 5.0, DONE, None)]


@pytest.mark.parametrize(
    ("probabilities", "branch", "end"),
    [
        ([1.0, 0.0], ("b", "r2_1", 2.0, 2.0, 4.0), 5.0),
        ([0.0, 1.0], ("c", "r3_1", 2.0, 2.0, 2.5), 3.5),
    ],
)
def test_inclusive_parallel_runs_only_the_chosen_branches(probabilities, branch, end):
    t = run(_parallel_model(probabilities), max_cases=1)
    assert rows(t) == [
        (0, "a", "r1_1", 1.0, 1.0, 2.0),
        (0, *branch),
        (0, "d", "r1_1", branch[-1], branch[-1], end),
    ]


def test_parallel_branches_share_a_role():
    # Both branches need the one person of r2: the second waits for the first (2 + 0.5 h).
    m = build(
        {
            "b": {"role": "r2", "duration": fixed(2), "next": "j"},
            "c": {"role": "r2", "duration": fixed(0.5), "next": "j"},
            "d": {"role": "r2", "duration": fixed(1), "next": DONE},
        },
        start="split",
        roles={"r2": 1},
        parallel={"split": {"branches": ["b", "c"], "join": "j", "next": "d"}},
    )
    t = run(m, max_cases=1)
    assert rows(t) == [
        (0, "b", "r2_1", 1.0, 1.0, 3.0),
        (0, "c", "r2_1", 1.0, 3.0, 3.5),
        (0, "d", "r2_1", 3.5, 3.5, 4.5),
    ]


# --------------------------------------------------------------------------- staff kinds
def test_multi_person_step_holds_the_first_role_while_the_other_is_busy():
    # a: one b-person (2 h), x: an a-person and a b-person together (1 h), then a alone (3 h).
    # a is the more loaded role (4 h of work an hour against b's 3 h), so it is taken first.
    # t=3: case 0 leaves 'first'; the b-person goes to case 1's 'first' (queued since 2); case 0
    # takes the a-person at once and holds it while it waits for the b-person until 5.
    m = build(
        {
            "first": {"role": "b", "duration": fixed(2), "next": "x"},
            "x": {"roles": ["a", "b"], "duration": fixed(1), "next": "later"},
            "later": {"role": "a", "duration": fixed(3), "next": DONE},
        },
        roles={"a": 1, "b": 1},
    )
    t = run(m, max_cases=2)
    assert rows(t) == [
        (0, "first", "b_1", 1.0, 1.0, 3.0),
        (0, "x", ("a_1", "b_1"), 3.0, 5.0, 6.0),
        (0, "later", "a_1", 6.0, 7.0, 10.0),
        (1, "first", "b_1", 2.0, 3.0, 5.0),
        (1, "x", ("a_1", "b_1"), 5.0, 6.0, 7.0),
        (1, "later", "a_1", 7.0, 10.0, 13.0),
    ]
    assert t.ev_extra.shape == (2, 2)


@pytest.mark.parametrize("listed", [{"a": 2, "b": 1}, {"b": 1, "a": 2}])
def test_multi_person_step_takes_the_scarcest_role_first_however_the_roles_are_listed(listed):
    # x needs an a-person (2 of them) and the b-person (1). At t=3 case 0 reaches x while the
    # b-person works on case 1's first step until 5: it queues for b without holding an
    # a-person (scarcest first), takes b at 5 and an a at once. QA: with the roles listed a
    # first, an a-person was held idle from 3 to 5, and the results depended on the listing.
    m = build(
        {
            "first": {"role": "b", "duration": fixed(2), "next": "x"},
            "x": {"roles": ["a", "b"], "duration": fixed(1), "next": DONE},
        },
        roles=listed,
    )
    t = run(m, max_cases=2)  # people listed in the order taken: b first
    assert rows(t) == [
        (0, "first", "b_1", 1.0, 1.0, 3.0),
        (0, "x", ("b_1", "a_1"), 3.0, 5.0, 6.0),
        (1, "first", "b_1", 2.0, 3.0, 5.0),
        (1, "x", ("b_1", "a_2"), 5.0, 6.0, 7.0),
    ]


def test_multi_person_step_with_two_people_of_one_role_does_not_deadlock():
    # x needs two people of role a (headcount 2) for 2 h; cases every hour queue for them.
    # Served one at a time: case k runs [1 + 2k, 3 + 2k). A case must never hold one person
    # while another case holds the other (a deadlock: both wait for ever).
    m = build(
        {"x": {"roles": ["a", "a"], "duration": fixed(2), "next": DONE}},
        roles={"a": {"headcount": 2, "members": ["ann", "bob"]}},
    )
    t = run(m, max_cases=4, horizon_days=1)
    got = [(c, s, frozenset(w), e, b, f) for c, s, w, e, b, f in rows(t)]
    assert got == [
        (k, "x", frozenset({"ann", "bob"}), 1.0 + k, 1.0 + 2 * k, 3.0 + 2 * k) for k in range(4)
    ]
    assert [c[2] for c in cases(t)] == [DONE] * 4


def test_automated_step_has_no_person_and_no_queue():
    # Three cases arrive 0.5 h apart at a 2 h automated step: they run side by side.
    m = build({"auto": {"duration": fixed(2), "next": DONE}}, interarrival=0.5)
    t = run(m, max_cases=3)
    assert rows(t) == [
        (0, "auto", None, 0.5, 0.5, 2.5),
        (1, "auto", None, 1.0, 1.0, 3.0),
        (2, "auto", None, 1.5, 1.5, 3.5),
    ]
    assert t.resources == ()


def test_handoff_delay_only_between_different_roles():
    # start (auto) -> a (r1) -> b (r1) -> sys (auto) -> c (r2) -> d (r2) -> e (r1 + r2) -> f (r1)
    # Hand-off of 0.25 h: none before a (no earlier staffed step), b (same role), sys and any
    # automated step, d (same role), e (shares r2 with d); one before c (r1 -> r2 across the
    # automated step) and before f (r3 after r1 + r2).
    m = build(
        {
            "start": {"duration": fixed(0.5), "next": "a"},
            "a": {"role": "r1", "duration": fixed(1), "next": "b"},
            "b": {"role": "r1", "duration": fixed(1), "next": "sys"},
            "sys": {"duration": fixed(0.5), "next": "c"},
            "c": {"role": "r2", "duration": fixed(1), "next": "d"},
            "d": {"role": "r2", "duration": fixed(1), "next": "e"},
            "e": {"roles": ["r1", "r2"], "duration": fixed(1), "next": "f"},
            "f": {"role": "r3", "duration": fixed(1), "next": DONE},
        },
        roles={"r1": 1, "r2": 1, "r3": 1},
        handoff_delay=fixed(0.25),
        interarrival=10.0,
    )
    t = run(m, max_cases=1)
    assert rows(t) == [
        (0, "start", None, 10.0, 10.0, 10.5),
        (0, "a", "r1_1", 10.5, 10.5, 11.5),
        (0, "b", "r1_1", 11.5, 11.5, 12.5),
        (0, "sys", None, 12.5, 12.5, 13.0),
        (0, "c", "r2_1", 13.0, 13.25, 14.25),
        (0, "d", "r2_1", 14.25, 14.25, 15.25),
        (0, "e", ("r1_1", "r2_1"), 15.25, 15.25, 16.25),
        (0, "f", "r3_1", 16.25, 16.5, 17.5),
    ]


def test_handoff_after_a_join_is_from_the_branch_that_finished_last():
    # Branches: b (r2, 2 h) and c (r3, 0.5 h); then d. d by r2 = the last branch's role: no
    # hand-off. In the second model d is by r3 (the faster branch): hand-off of 0.25 h.
    def model(d_role):
        return build(
            {
                "b": {"role": "r2", "duration": fixed(2), "next": "j"},
                "c": {"role": "r3", "duration": fixed(0.5), "next": "j"},
                "d": {"role": d_role, "duration": fixed(1), "next": DONE},
            },
            start="split",
            roles={"r2": 1, "r3": 1},
            parallel={"split": {"branches": ["b", "c"], "join": "j", "next": "d"}},
            handoff_delay=fixed(0.25),
        )

    assert rows(run(model("r2"), max_cases=1))[-1] == (0, "d", "r2_1", 3.0, 3.0, 4.0)
    assert rows(run(model("r3"), max_cases=1))[-1] == (0, "d", "r3_1", 3.0, 3.25, 4.25)


def test_handoff_time_counts_in_the_waiting_and_against_patience():
    # Hand-off 1 h, patience 0.5 h at b: the case is ready at 2 + 1 and leaves at 3.5 as the
    # person of r2 is busy with an earlier case until 5.
    m = build(
        {
            "a": {"role": "r1", "duration": fixed(1), "next": "b"},
            "b": {"role": "r2", "duration": fixed(4), "patience": fixed(0.5), "next": DONE},
        },
        roles={"r1": 1, "r2": 1},
        handoff_delay=fixed(1.0),
    )
    t = run(m, max_cases=2)
    # case 0: a 1-2, hand-off to 3, b 3-7; case 1: a 2-3, hand-off to 4, gives up at 4.5.
    assert rows(t) == [
        (0, "a", "r1_1", 1.0, 1.0, 2.0),
        (0, "b", "r2_1", 2.0, 3.0, 7.0),
        (1, "a", "r1_1", 2.0, 2.0, 3.0),
    ]
    assert cases(t) == [(1.0, 7.0, DONE, None), (2.0, 4.5, "abandoned", "b")]


# ------------------------------------------------------------------------------- patience
def test_patience_abandonment_releases_the_queue_place():
    # One person, 3 h of work, patience 1.5 h, a case every hour.
    # case 0: 1-4. case 1 (ready 2) gives up at 3.5. case 2 (ready 3, patience until 4.5) gets
    # the person at 4, ahead of nobody: case 1's cancelled request does not hold it. case 3
    # (ready 4, until 5.5) gives up at 5.5; case 4 (ready 5, until 6.5) gives up at 6.5.
    m = build(
        {"a": {"role": "r", "duration": fixed(3), "patience": fixed(1.5), "next": DONE}},
        roles={"r": 1},
    )
    t = run(m, max_cases=5)
    assert rows(t) == [(0, "a", "r_1", 1.0, 1.0, 4.0), (2, "a", "r_1", 3.0, 4.0, 7.0)]
    assert cases(t) == [
        (1.0, 4.0, DONE, None),
        (2.0, 3.5, "abandoned", "a"),
        (3.0, 7.0, DONE, None),
        (4.0, 5.5, "abandoned", "a"),
        (5.0, 6.5, "abandoned", "a"),
    ]
    assert "abandoned" in t.outcomes
    assert t.outcome_success[t.outcomes.index("abandoned")] is False


def test_patience_in_a_multi_person_step_releases_the_person_already_held():
    # Three branches start at 1: 'hold' takes the b-person for 3 h; 'x' (a + b, patience 1 h)
    # takes the a-person at once (the more loaded role: 5 h of work a case against b's 4 h)
    # and waits for b; 'pre' (automated, 0.5 h) leads to 'other' (a, 4 h), which asks for the
    # a-person at 1.5. x gives up at 2 and lets a go: other runs 2-6. The case ends when its
    # last branch (other) finishes, at 6, abandoned at x.
    m = build(
        {
            "hold": {"role": "b", "duration": fixed(3), "next": "j"},
            "x": {"roles": ["a", "b"], "duration": fixed(1), "patience": fixed(1), "next": "j"},
            "pre": {"duration": fixed(0.5), "next": "other"},
            "other": {"role": "a", "duration": fixed(4), "next": "j"},
        },
        start="split",
        roles={"a": 1, "b": 1},
        parallel={"split": {"branches": ["hold", "x", "pre"], "join": "j", "next": DONE}},
    )
    t = run(m, max_cases=1)
    assert rows(t) == [
        (0, "hold", "b_1", 1.0, 1.0, 4.0),
        (0, "pre", None, 1.0, 1.0, 1.5),
        (0, "other", "a_1", 1.5, 2.0, 6.0),
    ]
    assert cases(t) == [(1.0, 6.0, "abandoned", "x")]


def test_patience_runs_out_while_the_shift_is_closed():
    # Office 09:00-17:00 Monday to Friday; the case is ready at 20:00 Monday with 5 h of
    # patience: it leaves at 01:00 before the office opens. With 13 h it is served at 09:00.
    def model(patience):
        return build(
            {"a": {"role": "r", "duration": fixed(1), "patience": fixed(patience), "next": DONE}},
            roles={"r": {"headcount": 1, "calendar": "office"}},
            calendars={"office": {"weekdays": ["09:00-17:00"]}},
            interarrival=20.0,
        )

    assert cases(run(model(5), max_cases=1)) == [(20.0, 25.0, "abandoned", "a")]
    t = run(model(13), max_cases=1, horizon_days=2)
    assert rows(t) == [(0, "a", "r_1", 20.0, 33.0, 34.0)]


# ------------------------------------------------------------------------------- calendars
OFFICE = {"office": {"weekdays": ["09:00-17:00"]}}


def _office_model(duration, interarrival, headcount=1, start_date=None):
    extra = {} if start_date is None else {"start_date": start_date}
    return build(
        {"a": {"role": "r", "duration": fixed(duration), "next": DONE}},
        roles={"r": {"headcount": headcount, "calendar": "office"}},
        calendars=OFFICE,
        interarrival=interarrival,
        **extra,
    )


def test_work_pauses_at_shift_end_and_the_same_person_resumes_it():
    # Case 0 arrives Monday 15:00 with 3 h of work: 2 h on Monday, 1 h from Tuesday 09:00 -> 10.
    # Case 1 arrives Tuesday 06:00 (night): waits for 09:00, then for the person (held by case 0
    # overnight) until 10:00.
    t = run(_office_model(3, 15.0), max_cases=2, horizon_days=2)
    assert rows(t) == [(0, "a", "r_1", 15.0, 15.0, 34.0), (1, "a", "r_1", 30.0, 34.0, 37.0)]


def test_queued_case_handed_the_person_at_closing_time_starts_at_the_next_opening():
    # 8 h of work, a case every 4 h from Monday 04:00. Cases 0 and 1 wait for 09:00; case 0 works
    # 09-17, and hands the person to case 1 at 17:00 sharp, when the shift closes: case 1 starts
    # on Tuesday 09:00 (33), not at 17:00, and hands on to case 2 at Tuesday 17:00 (41).
    t = run(_office_model(8, 4.0), max_cases=3, horizon_days=4)
    assert rows(t) == [
        (0, "a", "r_1", 4.0, 9.0, 17.0),
        (1, "a", "r_1", 8.0, 33.0, 41.0),
        (2, "a", "r_1", 12.0, 57.0, 65.0),
    ]


def test_two_people_one_resumes_the_other_starts_fresh():
    # Two people: case 1 (Tuesday 06:00) gets the second person at 09:00, not 10:00.
    t = run(_office_model(3, 15.0, headcount=2), max_cases=2, horizon_days=2)
    assert rows(t) == [(0, "a", "r_1", 15.0, 15.0, 34.0), (1, "a", "r_2", 30.0, 33.0, 36.0)]


def test_case_arriving_at_night_waits_for_opening():
    t = run(_office_model(1, 20.0), max_cases=1, horizon_days=2)  # Monday 20:00
    assert rows(t) == [(0, "a", "r_1", 20.0, 33.0, 34.0)]


def test_a_case_arriving_as_the_shift_opens_queues_behind_those_that_waited_for_it():
    # QA 2026-12-05 engine #2: a case an hour from Monday 01:00, 0.5 h of work each. Cases 0-7
    # arrive at night (01:00-08:00) and wait for 09:00; case 8 arrives at 09:00 sharp, as the
    # shift opens. First come, first served: case 8 is ninth, not first (it was first when a new
    # case ran ahead of the wake-ups of the cases waiting for the same opening).
    t = run(_office_model(0.5, 1.0), max_cases=9, horizon_days=2)
    order = [case for case, *_ in sorted(rows(t), key=lambda x: x[4])]
    assert order == list(range(9))
    assert rows(t)[-1] == (8, "a", "r_1", 9.0, 13.0, 13.5)


def test_weekend():
    # Friday 16:00 with 2 h of work: 16-17 on Friday, 09-10 on the next Monday (168 + 10).
    t = run(_office_model(2, 4 * 24 + 16.0), max_cases=1, horizon_days=7)
    assert rows(t) == [(0, "a", "r_1", 112.0, 112.0, 178.0)]
    # Saturday 10:00: nothing until Monday 09:00.
    t = run(_office_model(2, 5 * 24 + 10.0), max_cases=1, horizon_days=7)
    assert rows(t) == [(0, "a", "r_1", 130.0, 177.0, 179.0)]


def test_work_ending_exactly_at_shift_end_does_not_spill_over():
    # 2 h from 15:00 ends at 17:00 sharp, not on Tuesday morning.
    t = run(_office_model(2, 15.0), max_cases=1)
    assert rows(t) == [(0, "a", "r_1", 15.0, 15.0, 17.0)]


def test_split_shift_with_lunch_break():
    cal = {"office": {"weekdays": ["09:00-12:30", "13:30-17:00"]}}
    m = build(
        {"a": {"role": "r", "duration": fixed(1.5), "next": DONE}},
        roles={"r": {"headcount": 1, "calendar": "office"}},
        calendars=cal,
        interarrival=11.5,
    )
    # 11:30 + 1 h before lunch, lunch 12:30-13:30, 0.5 h after: ends at 14:00.
    assert rows(run(m, max_cases=1)) == [(0, "a", "r_1", 11.5, 11.5, 14.0)]


def test_work_ending_at_a_minute_closing_time():
    # Office 09:00-17:20 (not exact in binary), clock 0 = Monday 16:50, a case every 24 h with
    # 30 minutes of work: on weekdays it ends at 17:20 the same day, never the next morning.
    # Saturday's and Sunday's cases wait for Monday 09:00 and run one after the other.
    m = build(
        {"a": {"role": "r", "duration": fixed(30), "next": DONE}},
        roles={"r": {"headcount": 1, "calendar": "c"}},
        calendars={"c": {"weekdays": ["09:00-17:20"]}},
        interarrival=24 * 60.0,
        time_unit="minutes",
        start_date="2026-01-05T16:50:00",
    )
    t = run(m, horizon_days=21)
    monday_9 = 7 * 24 - (16 + 50 / 60) + 9  # next Monday 09:00 in clock hours
    for case, _, _, enabled, start, end in rows(t):
        weekday = (case + 1) % 7  # case 0 arrives on Tuesday 16:50
        if weekday < 5:
            assert start == enabled
            assert end == pytest.approx(enabled + 0.5, abs=1e-9)
        else:
            first = monday_9 + (case + 1) // 7 * 168 + (0.5 if weekday == 6 else 0.0)
            assert start == pytest.approx(first, abs=1e-9)
            assert end == pytest.approx(first + 0.5, abs=1e-9)


def test_multi_person_step_runs_only_while_both_calendars_are_open():
    # a works 09:00-17:00, b 13:00-21:00 (weekdays). Together 13-17. Ready at 10:00 with 6 h of
    # work: 13-17 Monday (4 h) and 13-15 Tuesday.
    m = build(
        {"x": {"roles": ["a", "b"], "duration": fixed(6), "next": DONE}},
        roles={
            "a": {"headcount": 1, "calendar": "early"},
            "b": {"headcount": 1, "calendar": "late"},
        },
        calendars={"early": {"weekdays": ["09:00-17:00"]}, "late": {"weekdays": ["13:00-21:00"]}},
        interarrival=10.0,
    )
    assert rows(run(m, max_cases=1, horizon_days=2)) == [
        (0, "x", ("a_1", "b_1"), 10.0, 13.0, 24.0 + 15.0)
    ]


@pytest.mark.parametrize(
    ("start_date", "arrival", "start", "end"),
    [
        # Wednesday 12:00 is clock 0. Clock 6 = Wednesday 18:00 (closed); Thursday 09:00 is
        # 21 h after clock 0; 2 h of work ends at 23.
        ("2026-01-07T12:00:00", 6.0, 21.0, 23.0),
        # Saturday 00:00 is clock 0. Clock 1 = Saturday 01:00; Monday 09:00 = 57.
        ("2026-01-10T00:00:00", 1.0, 57.0, 59.0),
        # Friday 16:30: clock 0.25 = 16:45, works 0.25 h, resumes Monday 09:00 = clock 64.5
        # for the remaining 1.75 h: ends at 66.25.
        ("2026-01-09T16:30:00", 0.25, 0.25, 66.25),
    ],
)
def test_start_date_that_is_not_a_monday(start_date, arrival, start, end):
    t = run(_office_model(2, arrival, start_date=start_date), max_cases=1, horizon_days=7)
    assert rows(t) == [(0, "a", "r_1", arrival, start, end)]
    assert t.start_date == start_date


def test_arrival_profile_is_aligned_with_start_date():
    # Arrivals only on Mondays 10:00-11:00 (rate 168 in that hour after normalisation); one
    # arrival per hour of operational time = 1 h / 168 of clock time in that window... With a
    # fixed gap of 84 operational hours, the first arrival is at the middle of the first open
    # hour (10:30 Monday) and the second at the end of it (11:00).
    profile = {"monday": [0] * 10 + [1] + [0] * 13}
    m = build(
        {"auto": {"duration": fixed(0), "next": DONE}},
        arrivals={"interarrival": 84.0, "profile": profile},
    )
    t = run(m, max_cases=3, horizon_days=21)
    assert cases(t)[:3] == [
        (10.5, 10.5, DONE, None),
        (11.0, 11.0, DONE, None),
        (178.5, 178.5, DONE, None),
    ]
    # Starting on Tuesday 00:00: the first Monday 10:30 is 6 days + 10.5 h later.
    m2 = build(
        {"auto": {"duration": fixed(0), "next": DONE}},
        arrivals={"interarrival": 84.0, "profile": profile},
        start_date="2026-01-06T00:00:00",
    )
    t2 = run(m2, max_cases=1, horizon_days=21)
    assert cases(t2) == [(144.0 + 10.5, 154.5, DONE, None)]


# ------------------------------------------------------------------------------- segments
def _segments_for(seed, shares, n):
    u = stream(seed, 0, "segment").random(BLOCK)[:n]
    cum = list(np.cumsum(shares)[:-1])
    return [bisect.bisect_right(cum, x) for x in u]


def test_priority_overtakes_and_duration_scale():
    # One person, 2.5 h of work, a case every hour; segments 'high' (priority 0, durations x0.5)
    # and 'low' (priority 1). With this seed the draws are low, low, high: case 0 (low) 1-3.5;
    # case 1 (low, queued at 2) is overtaken by case 2 (high, queued at 3): case 2 runs
    # 3.5-4.75 (1.25 h), case 1 4.75-7.25.
    seed = next(s for s in range(1000) if _segments_for(s, [0.5, 0.5], 3) == [1, 1, 0])
    m = build(
        {"a": {"role": "r", "duration": fixed(2.5), "next": DONE}},
        roles={"r": 1},
        arrivals={
            "interarrival": 1.0,
            "segments": {
                "high": {"share": 0.5, "priority": 0, "duration_scale": 0.5},
                "low": {"share": 0.5, "priority": 1},
            },
        },
    )
    t = run(m, seed=seed, max_cases=3)
    assert t.segments == ("high", "low")
    assert t.case_segment.tolist() == [1, 1, 0]
    assert rows(t) == [
        (0, "a", "r_1", 1.0, 1.0, 3.5),
        (1, "a", "r_1", 2.0, 4.75, 7.25),
        (2, "a", "r_1", 3.0, 3.5, 4.75),
    ]


@pytest.mark.parametrize(("timer_scale", "wait"), [(None, 6.0), (1.0, 3.0), (0.5, 1.5)])
def test_a_segments_timers_scale_by_its_timer_scale(timer_scale, wait):
    """duration_scale stretches a segment's staffed steps; its timers (steps without roles)
    stretch by timer_scale, which defaults to duration_scale."""
    big = {"share": 1.0, "duration_scale": 2.0}
    if timer_scale is not None:
        big["timer_scale"] = timer_scale
    m = build(
        {
            "wait": {"duration": fixed(3.0), "next": "a"},
            "a": {"role": "r", "duration": fixed(0.5), "next": DONE},
        },
        roles={"r": 1},
        arrivals={"interarrival": 10.0, "segments": {"big": big}},
    )
    t = run(m, max_cases=1)
    assert rows(t) == [
        (0, "wait", None, 10.0, 10.0, 10.0 + wait),
        (0, "a", "r_1", 10.0 + wait, 10.0 + wait, 11.0 + wait),
    ]


def test_equal_priorities_stay_first_come_first_served():
    seed = next(s for s in range(1000) if _segments_for(s, [0.5, 0.5], 3) == [1, 1, 0])
    m = build(
        {"a": {"role": "r", "duration": fixed(2.5), "next": DONE}},
        roles={"r": 1},
        arrivals={
            "interarrival": 1.0,
            "segments": {"high": {"share": 0.5}, "low": {"share": 0.5}},
        },
    )
    t = run(m, seed=seed, max_cases=3)
    assert [r[4] for r in rows(t)] == [1.0, 3.5, 6.0]


def test_segment_value_of_the_end():
    m = build(
        {"a": {"duration": fixed(0.5), "next": DONE}},
        arrivals={"interarrival": 1.0, "segments": {"big": {"share": 1.0}}},
        ends={DONE: {"success": True, "value": {"big": 100.0}}},
    )
    t = run(m, max_cases=2)
    assert t.case_value.tolist() == [100.0, 100.0]


# ----------------------------------------------------------------------- run boundaries
def _long_model():
    return build(
        {"a": {"role": "r", "duration": fixed(20), "next": DONE}},
        roles={"r": 1},
        interarrival=12.0,
    )


def test_window_and_no_drain_leaves_cases_in_progress():
    # Warm-up 1 day, horizon 1 day: arrivals at 12, 24, 36 (48 is the end of arrivals).
    # Work: case 0 12-32, case 1 32-52, case 2 52-72. Without drain the run stops at 48.
    t = run(_long_model(), warmup_days=1, horizon_days=1, drain=False)
    assert t.window == (24.0, 48.0)
    assert t.run_end == 48.0
    assert rows(t) == [(0, "a", "r_1", 12.0, 12.0, 32.0)]
    assert cases(t) == [
        (12.0, 32.0, DONE, None),
        (24.0, None, "in_progress", None),
        (36.0, None, "in_progress", None),
    ]
    assert np.isnan(t.case_end[1:]).all()


@pytest.mark.parametrize("patience", [None, 100.0])
def test_the_stop_records_the_steps_still_under_way(patience):
    # The run above: at the stop (48) case 1 has been in service since 32 (it queued from 24)
    # and case 2 has queued since 36. The trace keeps the executed step only; the steps under
    # way are apart. With patience (the general path of the engine, not the one-person fast
    # path) the same: nobody runs out of 100 h.
    m = _long_model()
    if patience is not None:
        m = build(
            {"a": {"role": "r", "duration": fixed(20), "next": DONE, "patience": fixed(patience)}},
            roles={"r": 1},
            interarrival=12.0,
        )
    t = run(m, warmup_days=1, horizon_days=1, drain=False)
    assert rows(t) == [(0, "a", "r_1", 12.0, 12.0, 32.0)]
    assert open_rows(t) == [(1, "a", "r_1", 24.0, 32.0), (2, "a", None, 36.0, None)]
    # a drain cut short at 60: case 2 has been in service since 52
    t = run(m, warmup_days=1, horizon_days=1, drain=True, drain_days=0.5)
    assert open_rows(t) == [(2, "a", "r_1", 36.0, 52.0)]
    # a drain to the end: nothing is under way
    t = run(m, warmup_days=1, horizon_days=1, drain=True)
    assert open_rows(t) == []
    assert t.open_extra.shape == (0, 2)


def test_the_stop_records_each_branch_under_way_and_every_person_of_its_step():
    # a: r1, 1 h; then b (an r2 and an r3 person together, 30 h) beside the timer c (40 h).
    # Case 0 arrives at 1: a 1-2, b and c from 2, both under way at the stop (24: a drain of
    # 21 h after the cap stopped the arrivals at 3, where a third case would have come). Case 1
    # arrives at 2: a 2-3, then c from 3 and b queueing from 3 for r2 (busy with case 0 till
    # 32), holding nobody.
    m = build(
        {
            "a": {"role": "r1", "duration": fixed(1), "next": "split"},
            "b": {"roles": ["r2", "r3"], "duration": fixed(30), "next": "j"},
            "c": {"duration": fixed(40), "next": "j"},
            "d": {"role": "r1", "duration": fixed(1), "next": DONE},
        },
        roles={"r1": 1, "r2": 1, "r3": 1},
        parallel={"split": {"branches": ["b", "c"], "join": "j", "next": "d"}},
    )
    t = run(m, max_cases=2, drain_days=0.875)
    assert t.run_end == 24.0
    assert rows(t) == [(0, "a", "r1_1", 1.0, 1.0, 2.0), (1, "a", "r1_1", 2.0, 2.0, 3.0)]
    assert open_rows(t) == [
        (0, "b", ("r2_1", "r3_1"), 2.0, 2.0),
        (0, "c", None, 2.0, 2.0),
        (1, "b", None, 3.0, None),
        (1, "c", None, 3.0, 3.0),
    ]


def test_the_stop_records_where_a_case_gave_up_while_another_branch_was_under_way():
    # One case at 1: 'w' takes the one r-person 1-6, 'x' (r, patience 1 h) queues behind it
    # and gives up at 2, the timer 't' runs 1-41. Drained, the case leaves at 41, abandoned at
    # x. Stopped at 23 (a drain of 21 h after the cap stopped the arrivals at 2), it is in
    # progress with 't' under way, and its abandonment at x is recorded all the same (where,
    # when it was ready, when it left).
    m = build(
        {
            "w": {"role": "r", "duration": fixed(5), "next": "j"},
            "x": {"role": "r", "duration": fixed(1), "patience": fixed(1), "next": "j"},
            "t": {"duration": fixed(40), "next": "j"},
        },
        start="split",
        roles={"r": 1},
        parallel={"split": {"branches": ["w", "x", "t"], "join": "j", "next": DONE}},
    )
    t = run(m, max_cases=1, drain_days=2)
    assert cases(t) == [(1.0, 41.0, "abandoned", "x")]
    t = run(m, max_cases=1, drain_days=0.875)
    assert t.run_end == 23.0
    assert rows(t) == [(0, "w", "r_1", 1.0, 1.0, 6.0)]
    assert open_rows(t) == [(0, "t", None, 1.0, 1.0)]
    assert cases(t) == [(1.0, None, "in_progress", "x")]
    assert (t.case_dropped_enabled[0], t.case_dropped_left[0]) == (1.0, 2.0)


def test_drain_finishes_open_cases_within_drain_days():
    t = run(_long_model(), warmup_days=1, horizon_days=1, drain=True, drain_days=1.5)
    assert [c[1] for c in cases(t)] == [32.0, 52.0, 72.0]
    assert t.n_cases == 3
    # A drain too short for case 2: still open at 48 + 12 = 60.
    t = run(_long_model(), warmup_days=1, horizon_days=1, drain=True, drain_days=0.5)
    assert t.run_end == 60.0
    assert cases(t)[2] == (36.0, None, "in_progress", None)
    assert rows(t)[-1] == (1, "a", "r_1", 24.0, 32.0, 52.0)


def test_max_cases_stops_arrivals():
    m = build({"a": {"duration": fixed(0.25), "next": DONE}})
    t = run(m, max_cases=4, horizon_days=10)
    assert t.case_arrival.tolist() == [1.0, 2.0, 3.0, 4.0]


# ------------------------------------------------------------------------------ scenario
def test_staffing_override():
    m = build({"a": {"role": "r", "duration": fixed(1.5), "next": DONE}}, roles={"r": 1})
    t = run(m, max_cases=3, staffing={"r": 2})
    assert rows(t) == [
        (0, "a", "r_1", 1.0, 1.0, 2.5),
        (1, "a", "r_2", 2.0, 2.0, 3.5),
        (2, "a", "r_1", 3.0, 3.0, 4.5),
    ]
    assert t.meta["staffing"] == {"r": 2}
    # The same model with its own headcount of 1 queues case 1.
    assert rows(run(m, max_cases=2))[1] == (1, "a", "r_1", 2.0, 2.5, 4.0)


def test_staffing_override_errors_name_the_role():
    m = build({"a": {"role": "r", "duration": fixed(1.5), "next": DONE}}, roles={"r": 1})
    with pytest.raises(ConfigError, match=r"scenario\.staffing\.nobody.*valid roles are \['r'\]"):
        run(m, staffing={"nobody": 1})
    with pytest.raises(ConfigError, match=r"scenario\.staffing\.r.*at least 1"):
        run(m, staffing={"r": 0})


def test_arrival_scale():
    m = build({"a": {"duration": fixed(0.25), "next": DONE}}, interarrival=2.0)
    t = run_replication(m, Scenario(warmup_days=0, horizon_days=1, max_cases=3, arrival_scale=4))
    assert t.case_arrival.tolist() == [0.5, 1.0, 1.5]


def test_time_unit_minutes():
    # Gaps of 90 min, work of 45 and 120 min, hand-off 15 min, patience 15 min: all in hours.
    # case 0: a 1.5-2.25, hand-off to 2.5, b 2.5-4.5. case 1: a 3-3.75, hand-off to 4, patience
    # until 4.25 while b is busy until 4.5: abandons.
    m = build(
        {
            "a": {"role": "r1", "duration": fixed(45), "next": "b"},
            "b": {"role": "r2", "duration": fixed(120), "patience": fixed(15), "next": DONE},
        },
        roles={"r1": 1, "r2": 1},
        interarrival=90.0,
        handoff_delay=fixed(15),
        time_unit="minutes",
    )
    t = run(m, max_cases=2)
    assert rows(t) == [
        (0, "a", "r1_1", 1.5, 1.5, 2.25),
        (0, "b", "r2_1", 2.25, 2.5, 4.5),
        (1, "a", "r1_1", 3.0, 3.0, 3.75),
    ]
    assert cases(t) == [(1.5, 4.5, DONE, None), (3.0, 4.25, "abandoned", "b")]


def test_open_shift_keeps_times_exact_with_a_non_monday_start():
    # Clock 0 = Wednesday 12:00 (offset 60 h) and the office is open at clock 0.3 (12:18): the
    # case starts at once. Converting to week time and back (0.3 + 60 - 60) must not move the
    # start before the moment the case was ready, nor create a wait of one rounding error.
    t = run(_office_model(0.25, 0.3, start_date="2026-01-07T12:00:00"), max_cases=3)
    got = rows(t)
    assert [r[3] for r in got] == [r[4] for r in got]  # no wait at all
    assert got[0][3] == 0.3


def test_priority_applies_to_the_backlog_at_shift_opening():
    # Office 09:00-17:00, one person, clock 0 = Monday 18:00. A 'low' case arrives at 20:00 and a
    # 'high' one at 22:00; both wait for Tuesday 09:00 (clock 15). The high-priority case is
    # served first (15-16), the low one after it (16-17): waiting overnight is queueing too.
    seed = next(s for s in range(1000) if _segments_for(s, [0.5, 0.5], 2) == [1, 0])
    m = build(
        {"a": {"role": "r", "duration": fixed(1), "next": DONE}},
        roles={"r": {"headcount": 1, "calendar": "office"}},
        calendars=OFFICE,
        start_date="2026-01-05T18:00:00",
        arrivals={
            "interarrival": 2.0,
            "segments": {
                "high": {"share": 0.5, "priority": 0},
                "low": {"share": 0.5, "priority": 1},
            },
        },
    )
    t = run(m, seed=seed, max_cases=2)
    assert t.case_segment.tolist() == [1, 0]
    assert rows(t) == [(0, "a", "r_1", 2.0, 16.0, 17.0), (1, "a", "r_1", 4.0, 15.0, 16.0)]


def test_priority_at_shift_opening_with_three_classes_and_two_people():
    # Same idea with priorities 0, 1, 2 and two people: at the opening the two best classes go
    # first, whatever the order in which the cases arrived overnight.
    seed = next(s for s in range(5000) if _segments_for(s, [1 / 3, 1 / 3, 1 / 3], 3) == [2, 1, 0])
    m = build(
        {"a": {"role": "r", "duration": fixed(1), "next": DONE}},
        roles={"r": {"headcount": 2, "calendar": "office"}},
        calendars=OFFICE,
        start_date="2026-01-05T18:00:00",
        arrivals={
            "interarrival": 2.0,
            "segments": {
                "p0": {"share": 1 / 3, "priority": 0},
                "p1": {"share": 1 / 3, "priority": 1},
                "p2": {"share": 1 / 3, "priority": 2},
            },
        },
    )
    t = run(m, seed=seed, max_cases=3)
    assert t.case_segment.tolist() == [2, 1, 0]
    starts = {c: start for c, _, _, _, start, _ in rows(t)}
    assert starts == {2: 15.0, 1: 15.0, 0: 16.0}
