"""Shift edges the engine must get right whatever the clock's rounding (QA engineprop19).

1. A person who finishes at the end of a shift takes no queued case, also when the shift ends
   at a time that is not a binary fraction of an hour (17:20) after the first week: the week
   time of the end, reduced modulo 168 h, falls a few ulps before the shift's end, and the shift
   that just closed read as open (the clerk took the case at 17:20 and did it the next morning).
2. At an opening, the queue is served by priority, then by when each case became ready for the
   step: a case of the role's own step that waited outside the queue for the opening goes ahead
   of a case of a step the role is an alternative for that came later (and queued at once).
3. A case whose patience runs out at the very instant the run stops (no drain) is booked as
   abandoned; it was neither finished nor at an open step, and the KPIs crashed on it.

Times are hours after ``start_date``; Monday 2026-01-05 is a Monday.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
from engine_testkit import build, cases, day_and_night_clerks, fixed, open_rows, rows
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine import run_replication
from sim.kpis.frames import trace_cases, trace_events, trace_open_steps
from sim.kpis.measures import queue_shares, waiting_shares
from sim.model.scenario import Scenario

DONE = "done"
NIGHT = {"every_day": ["22:00-24:00", "00:00-06:00"]}
MONDAY = datetime(2026, 1, 5)


def _clerks(close: str, weeks: int, start: datetime):
    """The day clerk (Mon-Fri 09:00-``close``) and a night clerk as an alternative (22-06), 1 h
    a case, a case every half hour; a timer of ``weeks`` weeks before the step moves the cases
    to that week."""
    return day_and_night_clerks(
        {"weekdays": [f"09:00-{close}"]},
        start_date=start.isoformat(),
        before={"wait": {"duration": fixed(168.0 * weeks), "next": "review"}},
    )


def _review(trace) -> list[tuple]:
    """The review rows as ``(case, person, start, end)``, times in hours after the case reached
    the step's week (the timer's weeks taken off)."""
    return [(r[0], r[2], r[4], r[5]) for r in rows(trace) if r[1] == "review"]


@pytest.mark.parametrize("weeks", [0, 1, 2, 3])
def test_a_clerk_done_at_a_1720_closing_takes_no_case_in_any_week(weeks):
    # Day clerk Mon-Fri 09:00-17:20, night clerk 22-06; cases Mon 16:20 and 16:50 (start
    # 15:50), each reaching the step ``weeks`` weeks later. The day clerk does the first
    # (16:20-17:20); the second waits for the night clerk, 22:00-23:00: 6.17 h from its
    # arrival at the step, and 7.17 h after the start (QA's "6.67 h", from the first arrival).
    # Before, in the third week (336 h), the day clerk, done at 17:20, was handed it for the
    # next morning, 09:00-10:00: 17.17 h (18.17 h after the start).
    trace = run_replication(
        _clerks("17:20", weeks, MONDAY + timedelta(hours=15, minutes=50)),
        Scenario(horizon_days=30, warmup_days=0, max_cases=2),
        seed=0,
    )
    at = 168.0 * weeks
    got = [(c, who, s - at, e - at) for c, who, s, e in _review(trace)]
    assert [(c, who) for c, who, _, _ in got] == [(0, "dayclerk_1"), (1, "nightclerk_1")]
    assert got[0][2:] == pytest.approx((0.5, 1.5))
    assert got[1][2:] == pytest.approx((6 + 1 / 6, 7 + 1 / 6))  # 22:00-23:00
    cycle = trace.case_end - trace.case_arrival - at
    assert cycle.tolist() == pytest.approx([1.0, 6 + 1 / 6])


@settings(max_examples=60, deadline=None)
@given(
    minute=st.integers(16 * 60 + 1, 19 * 60 + 59).filter(lambda m: m % 2 == 1),
    weeks=st.integers(0, 8),
    n=st.integers(2, 6),
)
def test_nobody_starts_work_at_a_shift_end_on_an_odd_minute(minute, weeks, n):
    # The same model with the day shift ending at ``minute`` (an odd minute, never a binary
    # fraction of an hour), the first case arriving an hour before it; the cases reach the
    # step ``weeks`` weeks later. The day clerk works from 09:00 until the shift ends, every
    # case after the first waits for the night shift (22:00), so the night clerk does them one
    # an hour from 22:00 (later ones then the next morning, 09:00 on, the day clerk's).
    close = minute / 60
    start = MONDAY + timedelta(minutes=minute - 90)
    trace = run_replication(
        _clerks(f"{minute // 60:02d}:{minute % 60:02d}", weeks, start),
        Scenario(horizon_days=14 + 7 * weeks, warmup_days=0, max_cases=n),
        seed=0,
    )
    origin = minute / 60 - 1.5  # clock 0, in hours after Monday 00:00
    at = 168.0 * weeks
    review = _review(trace)
    assert len(review) == n
    for c, who, s, e in review:
        day_time = s - at + origin  # hours after the case's Monday 00:00
        if who == "dayclerk_1":
            # on shift when the work starts: within 09:00 .. close (a day later, Tuesday's)
            t = day_time % 24
            assert 9 - 1e-6 <= t < close - 1e-6, (c, s, e, t)
        else:  # the night clerk from 22:00 on Monday
            assert day_time >= 22 - 1e-6, (c, s, e, day_time)
    # the first case is done by the day clerk as its shift ends, the second by the night clerk
    # at 22:00 (Monday's night shift is free)
    assert review[0][1] == "dayclerk_1"
    assert review[0][3] - at + origin == pytest.approx(close)
    assert review[1][1] == "nightclerk_1"
    assert review[1][2] - at + origin == pytest.approx(22.0)


def _two_steps_model(priority: dict[str, int] | None = None):
    """Clerk Mon-Fri 09-17, expert 24/7. Step A is the clerk's (1 h); step B the expert's (4 h),
    with the clerk as an alternative (1 h). Segment ``toA`` goes to A, ``toB`` to B (with the
    segments' ``priority``, if given); a case an hour from Monday 06:00."""
    priority = priority or {}
    segments = {
        s: {"share": 0.5, **({"priority": priority[s]} if s in priority else {})}
        for s in ("toA", "toB")
    }
    return build(
        {
            "A": {"role": "clerk", "duration": fixed(1.0), "next": DONE},
            "B": {
                "role": "expert",
                "duration": fixed(4.0),
                "next": DONE,
                "alternatives": {"clerk": {"duration": fixed(1.0)}},
            },
        },
        start="route",
        roles={"clerk": {"headcount": 1, "calendar": "office"}, "expert": 1},
        arrivals={"interarrival": fixed(1.0), "segments": segments},
        calendars={"office": {"weekdays": ["09:00-17:00"]}},
        decisions={
            "route": {
                "branches": {"A": 0.5, "B": 0.5},
                "by_segment": {"toA": {"A": 1.0, "B": 0.0}, "toB": {"A": 0.0, "B": 1.0}},
            }
        },
        start_date="2026-01-05T05:00:00",
    )


def _b_a_b(model):
    """The trace of the first seed whose first three cases go to B, A and B (Monday 06:00,
    07:00 and 08:00), as ``{(case, step): (person, start, end)}``."""
    for seed in range(200):
        trace = run_replication(
            model, Scenario(horizon_days=7, warmup_days=0, max_cases=3), seed=seed
        )
        if [trace.segments[s] for s in trace.case_segment] == ["toB", "toA", "toB"]:
            return {(c, a): (who, s, e) for c, a, who, _, s, e in rows(trace)}
    pytest.fail("no seed in 0..199 draws segments toB, toA, toB")  # pragma: no cover


def test_the_opening_serves_the_own_step_case_that_waited_longer_first():
    # Cases Monday 06:00 (to B), 07:00 (to A) and 08:00 (to B). The expert takes the first
    # (06-10). The second waits outside the clerk's queue for the opening at 09:00; the third
    # queues with the expert (busy) and the clerk (closed) at once. At 09:00 the clerk serves
    # the one ready since 07:00 first (09-10), and the third goes to whoever is free next (the
    # expert, 10-14). Before, the clerk's queue held the third case since 08:00 and the one at
    # A joined it at 09:00 behind it: A was served 10-11.
    got = _b_a_b(_two_steps_model())
    assert got[(1, "A")] == ("clerk_1", 4.0, 5.0)  # 09:00-10:00
    assert got[(0, "B")] == ("expert_1", 1.0, 5.0)  # 06:00-10:00
    assert got[(2, "B")][1] >= 5.0  # not before the clerk is done with case 1


def test_a_better_class_at_the_alternatives_step_still_goes_first():
    # Priority comes before the ready time: with ``toB`` the better class, the case that came at
    # 08:00 to B is served at 09:00 by the clerk, the one at A that waited since 07:00 at 10:00.
    got = _b_a_b(_two_steps_model({"toA": 1, "toB": 0}))
    assert got[(2, "B")] == ("clerk_1", 4.0, 5.0)  # 09:00-10:00
    assert got[(1, "A")] == ("clerk_1", 5.0, 6.0)  # 10:00-11:00


def _stop_model(steps: dict, start: str = "work"):
    """One office clerk (Mon-Fri 09-17), a case every 20 h from Monday 20:00."""
    return build(
        steps,
        start=start,
        roles={"clerk": {"headcount": 1, "calendar": "office"}},
        interarrival=fixed(20.0),
        calendars={"office": {"weekdays": ["09:00-17:00"]}},
        start_date="2026-01-05T00:00:00",
    )


WORK = {
    "role": "clerk",
    "duration": fixed(1.0),
    "patience": fixed(4.0),
    "next": DONE,
}


def test_a_case_whose_patience_ends_as_the_run_stops_is_booked_abandoned():
    # Case 0 comes Monday 20:00 and waits for Tuesday 09:00; its patience (4 h) runs out at
    # 24 h, the stop (1 day, no drain). It leaves as the run stops: abandoned at "work" at 24 h.
    # Before, its abandonment was recorded but it stayed in progress, at no open step, and the
    # KPIs of a replication with no other unfinished case crashed.
    trace = run_replication(
        _stop_model({"work": WORK}),
        Scenario(horizon_days=1, warmup_days=0, drain=False),
        seed=0,
    )
    assert cases(trace) == [(20.0, 24.0, "abandoned", "work")]
    assert open_rows(trace) == []
    assert float(trace.case_dropped_left[0]) == 24.0
    events, case_table = trace_events(trace), trace_cases(trace)
    open_steps = trace_open_steps(trace)
    shares = waiting_shares(events, case_table, open_steps=open_steps, stop=trace.run_end)
    assert shares.to_dict() == {"work": pytest.approx(1.0)}  # 4 h of its 4 h in the process


def test_a_parallel_case_whose_branches_both_leave_at_the_stop_is_booked_abandoned():
    # The same, with two branches each queueing for the clerk with 4 h patience: both leave at
    # 24 h, the stop, and the case is abandoned there (at the first queue it left).
    par = {"p": {"branches": ["w1", "w2"], "join": "j", "next": DONE}}
    model = build(
        {"w1": {**WORK, "next": "j"}, "w2": {**WORK, "next": "j"}},
        start="p",
        roles={"clerk": {"headcount": 1, "calendar": "office"}},
        interarrival=fixed(20.0),
        calendars={"office": {"weekdays": ["09:00-17:00"]}},
        parallel=par,
        start_date="2026-01-05T00:00:00",
    )
    trace = run_replication(model, Scenario(horizon_days=1, warmup_days=0, drain=False), seed=0)
    (arrival, end, outcome, at), *_ = cases(trace)
    assert (arrival, end, outcome) == (20.0, 24.0, "abandoned")
    assert at in {"w1", "w2"}
    assert open_rows(trace) == []


def test_kpis_of_a_stopped_run_with_no_step_done_and_none_under_way():
    # The KPI side on its own: a measured case in progress at the stop that executed no step
    # and is at none (what the engine gave before) leaves the waiting and queue shares empty
    # instead of failing to concatenate nothing (ValueError: No objects to concatenate).
    trace = run_replication(
        _stop_model({"work": WORK}),
        Scenario(horizon_days=1, warmup_days=0, drain=False),
        seed=0,
    )
    events, case_table = trace_events(trace), trace_cases(trace)
    left = case_table["success"].notna()
    case_table.loc[left, ["end", "outcome", "success", "dropped_at"]] = np.nan
    case_table = case_table.assign(dropped_left=np.nan, dropped_enabled=np.nan)
    open_steps = trace_open_steps(trace)
    assert events.empty and open_steps.empty
    waits = waiting_shares(events, case_table, open_steps=open_steps, stop=trace.run_end)
    assert waits.empty
    model = _stop_model({"work": WORK})
    queues = queue_shares(events, case_table, model, open_steps=open_steps, stop=trace.run_end)
    assert queues.empty
