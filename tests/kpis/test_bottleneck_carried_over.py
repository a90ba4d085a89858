"""A backlog carried over to the next shift queues for staff (QA bottleneck19 #3): only the wait
for the first opening of the staff's shift after the case was ready is the calendar's; from
then on every hour counts, the night included. The queue share counted only the on-shift hours,
so a 4-h-a-day role 90 % busy was not named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.engine import run_replication
from sim.kpis import format_report, kpi_report, kpi_table
from sim.kpis import measures as m
from sim.model import from_dict
from sim.model.calendar import calendar_from_dict
from sim.model.scenario import Scenario


def _office(calendar):
    """One step ``a`` by a clerk on ``calendar``."""
    return from_dict(
        {
            "name": "office",
            "start": "a",
            "start_date": "2024-01-01",  # a Monday
            "arrivals": {"interarrival": 24.0},
            "calendars": {"office": calendar},
            "roles": {"clerk": {"headcount": 1, "calendar": "office"}},
            "steps": {"a": {"role": "clerk", "duration": 1.0, "next": "done"}},
            "ends": {"done": {"success": True}},
        }
    )


def _queue(model, ready: float, start: float) -> float:
    """Queue share of ``a`` for one case ready at ``ready`` and started at ``start`` (1 h of
    work), times its cycle time: the hours it queued for staff."""
    cases = pd.DataFrame(
        {
            "case_id": [0],
            "arrival": [ready],
            "end": [start + 1.0],
            "outcome": ["done"],
            "success": pd.array([True], dtype="boolean"),
            "dropped_at": [None],
            "segment": "default",
            "value": 0.0,
            "measured": True,
        }
    )
    events = pd.DataFrame(
        {
            "case_id": [0],
            "activity": ["a"],
            "resource": ["p"],
            "role": ["clerk"],
            "enabled": [ready],
            "start": [start],
            "end": [start + 1.0],
        }
    )
    return float(m.queue_shares(events, cases, model)["a"]) * (start + 1.0 - ready)


def test_only_the_wait_for_the_first_opening_is_the_calendars():
    model = _office({"weekdays": ["09:00-13:00"]})
    # ready Monday 12:30 (on shift), started Tuesday 09:30: carried over, all 21 h queue
    assert _queue(model, 12.5, 24 + 9.5) == pytest.approx(21.0)
    # ready Monday 14:00 (closed): 19 h until Tuesday's opening, then 0.5 h of queue
    assert _queue(model, 14.0, 24 + 9.5) == pytest.approx(0.5)
    # ready Friday 12:00, started Monday 10:00: carried over the weekend, 70 h queue
    assert _queue(model, 4 * 24 + 12.0, 7 * 24 + 10.0) == pytest.approx(70.0)
    # ready Saturday 10:00: the calendar's until Monday 09:00, then 1 h of queue
    assert _queue(model, 5 * 24 + 10.0, 7 * 24 + 10.0) == pytest.approx(1.0)
    # ready Monday 10:00, started 11:00 the same shift: 1 h
    assert _queue(model, 10.0, 11.0) == pytest.approx(1.0)


def test_the_next_opening_is_the_calendars_own():
    cal = calendar_from_dict(
        {"weekdays": ["09:00-13:00", "14:00-17:30"], "saturday": ["10:00-12:00"]}, where="t"
    )
    t = np.random.default_rng(7).uniform(0, 3 * 168, 500)
    want = [cal.next_positive(x) for x in t]
    np.testing.assert_allclose(m._next_opening(cal, t), want)


def _cal_carry():
    """QA's cal_carry: m_step (rm, around the clock, 1 person, 1.6 h: 80 % busy), then c_step
    (rc, 09:00-13:00 every day, 3 people, 0.9 h: 90 % busy); a case every 2 h. What is left
    at 13:00 waits for the next morning: for lack of staff, not for the calendar."""
    return from_dict(
        {
            "name": "cal_carry",
            "start": "m_step",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 2.0}},
            "calendars": {"morning": {"every_day": ["09:00-13:00"]}},
            "roles": {"rc": {"headcount": 3, "calendar": "morning"}, "rm": {"headcount": 1}},
            "steps": {
                "m_step": {
                    "role": "rm",
                    "duration": {"dist": "exponential", "mean": 1.6},
                    "next": "c_step",
                },
                "c_step": {
                    "role": "rc",
                    "duration": {"dist": "exponential", "mean": 0.9},
                    "next": "done",
                },
            },
            "ends": {"done": {"success": True}},
        }
    )


def _report(staffing=None):
    model = _cal_carry()
    scenario = Scenario(warmup_days=14, horizon_days=42, staffing=staffing or {})
    traces = [run_replication(model, scenario, seed=1, replication=r) for r in range(10)]
    return kpi_report(kpi_table(traces, model), model)


def test_a_short_shift_role_whose_backlog_waits_overnight_is_the_bottleneck():
    report = _report()
    assert report["bottleneck"]["step"] == "c_step"
    assert "bottleneck: c_step" in format_report(report)
    steps = {s["step"]: s for s in report["steps"]}
    c = steps["c_step"]
    # most of its waiting is still the calendar's: cases ready at night wait for 09:00
    assert c["queue_share"]["mean"] < c["waiting_share"]["mean"]
    # with staff to spare, nothing is carried over: the waiting left is the calendar's
    spare = {s["step"]: s for s in _report({"rc": 12})["steps"]}["c_step"]
    assert spare["queue_share"]["mean"] < 0.01 < spare["waiting_share"]["mean"]
