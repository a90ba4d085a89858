"""The value-added share of cycle time: the time a case's value-adding steps are worked on
(their union, in their calendars' working hours) over its cycle time, at most 100 %."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine import run_replication
from sim.kpis import measures as m
from sim.kpis import replication_kpis
from sim.model import from_dict
from sim.model.calendar import week_offset
from sim.model.scenario import Scenario


def _cases(rows):
    df = pd.DataFrame(rows, columns=["case_id", "arrival", "end"])
    return df.assign(
        outcome="done",
        success=pd.array([True] * len(df), dtype="boolean"),
        dropped_at=None,
        segment="default",
        value=0.0,
        measured=True,
    )


def _events(rows):
    return pd.DataFrame(rows, columns=["case_id", "activity", "start", "end"]).assign(
        resource="", role="", enabled=lambda d: d["start"]
    )


def test_parallel_value_adding_steps_count_their_common_time_once():
    """Two value-adding branches of 4 h and 2 h side by side, then a 4 h wait for the customer
    (not value-adding): value-adding 4 h of an 8 h cycle, 50 %, not (4 + 2) / 8 = 75 %; with
    both branches 4 h and no wait it was 200 %."""
    model = from_dict(
        {
            "name": "side_by_side",
            "start": "split",
            "arrivals": {"interarrival": {"dist": "fixed", "value": 10.0}},
            "roles": {"a": {"headcount": 1}, "b": {"headcount": 1}},
            "steps": {
                "w": {"role": "a", "duration": 4.0, "next": "j"},
                "x": {"role": "b", "duration": 2.0, "next": "j"},
                "reply": {"duration": 4.0, "value_adding": False, "next": "done"},
            },
            "parallel": {"split": {"branches": ["w", "x"], "join": "j", "next": "reply"}},
            "ends": {"done": {"success": True}},
        }
    )
    k = replication_kpis(
        run_replication(model, Scenario(horizon_days=2, warmup_days=0), seed=0), model
    )
    assert k["cycle_time_mean"] == pytest.approx(8.0)
    assert k["value_added_ratio"] == pytest.approx(0.5)


def _office_model():
    """Role ``a`` works 09:00-17:00 on weekdays, ``c`` 14:00-20:00 every day, ``b`` around the
    clock; ``auto`` is automated."""
    return from_dict(
        {
            "name": "office",
            "start_date": "2026-01-05T00:00:00",  # a Monday
            "start": "split",
            "arrivals": {"interarrival": {"dist": "fixed", "value": 100.0}},
            "calendars": {
                "office": {"weekdays": ["09:00-17:00"]},
                "late": {"every_day": ["14:00-20:00"]},
            },
            "roles": {
                "a": {"headcount": 2, "calendar": "office"},
                "b": {"headcount": 1},
                "c": {"headcount": 1, "calendar": "late"},
            },
            "steps": {
                "w": {"role": "a", "duration": 1.0, "next": "j"},
                "v": {"role": "a", "duration": 1.0, "next": "j"},
                "auto": {"duration": 1.0, "next": "j"},
                "x": {"role": "b", "duration": 1.0, "next": "j"},
                "y": {"role": "c", "duration": 1.0, "next": "j"},
            },
            "parallel": {
                "split": {"branches": ["w", "v", "auto", "x", "y"], "join": "j", "next": "done"}
            },
            "ends": {"done": {"success": True}},
        }
    )


def test_overlapping_steps_paused_overnight_count_the_working_hours_once():
    """Monday 09:00 to Tuesday 11:00 (26 h): ``w`` (office hours) runs 09:00 to Tuesday 11:00,
    10 working hours; ``v`` (office too) 09:00 to Tuesday 10:00, 9. Together they were worked on
    10 h (Monday 09-17, Tuesday 09-11), not 19; the night counts in neither."""
    model = _office_model()
    cases = _cases([(0, 9.0, 35.0)])
    events = _events([(0, "w", 9.0, 35.0), (0, "v", 9.0, 34.0)])
    assert m.working_processing(events, model) == pytest.approx([10.0, 9.0])
    assert m.value_added_ratio(events, cases, model) == pytest.approx(10.0 / 26.0)
    with_work = events.assign(work=m.working_processing(events, model))
    assert m.value_added_ratio(with_work, cases, model) == pytest.approx(10.0 / 26.0)


def test_overlapping_steps_of_different_calendars_count_every_hour_one_of_them_works():
    """``w`` (office hours, Monday 09:00 to Tuesday 11:00) beside ``auto`` (automated, on the
    clock, Monday 09:00-12:00) and ``x`` (staff around the clock, Monday 20:00-22:00): Monday
    09-17 (8 h), 20-22 (2 h), Tuesday 09-11 (2 h) = 12 h of 26."""
    model = _office_model()
    cases = _cases([(0, 9.0, 35.0)])
    events = _events([(0, "w", 9.0, 35.0), (0, "auto", 9.0, 12.0), (0, "x", 20.0, 22.0)])
    assert m.value_added_ratio(events, cases, model) == pytest.approx(12.0 / 26.0)
    hours = m.value_adding_hours(events, model)
    assert hours.to_dict() == pytest.approx({0: 12.0})


_QUARTER = 0.25


@st.composite
def _cases_and_events(draw):
    """Up to 4 cases of up to 5 events each, on quarter hours within each case's span, of the
    office model's steps (two office-hour steps, an automated one, a 24/7 one, a late one)."""
    case_rows, event_rows = [], []
    for case_id in range(draw(st.integers(1, 4))):
        arrival = draw(st.integers(0, 4 * 24 * 7)) * _QUARTER
        length = draw(st.integers(1, 4 * 60)) * _QUARTER
        case_rows.append((case_id, arrival, arrival + length))
        quarters = int(length / _QUARTER)
        for _ in range(draw(st.integers(0, 5))):
            lo = draw(st.integers(0, quarters))
            hi = draw(st.integers(lo, quarters))
            act = draw(st.sampled_from(["w", "v", "auto", "x", "y"]))
            event_rows.append((case_id, act, arrival + lo * _QUARTER, arrival + hi * _QUARTER))
    return _cases(case_rows), _events(event_rows)


def _brute_force_hours(events, model):
    """Per case, quarter hour by quarter hour: is some event under way whose calendar is open?"""
    off = week_offset(model.start_date)
    open_at = {
        "w": model.calendars["office"],
        "v": model.calendars["office"],
        "y": model.calendars["late"],
    }
    out = {}
    for case_id, ev in events.groupby("case_id"):
        total = 0.0
        for t in np.arange(ev["start"].min(), ev["end"].max(), _QUARTER):
            under_way = ev[(ev["start"] <= t) & (ev["end"] >= t + _QUARTER)]
            if any(
                a not in open_at or open_at[a].rate_at(t + off) > 0 for a in under_way["activity"]
            ):
                total += _QUARTER
        out[case_id] = total
    return out


@settings(max_examples=50, deadline=None)
@given(_cases_and_events())
def test_value_adding_hours_are_the_union_of_the_working_time_and_the_share_at_most_one(drawn):
    cases, events = drawn
    model = _office_model()
    ratio = m.value_added_ratio(events, cases, model)
    assert 0.0 <= ratio <= 1.0 + 1e-12
    hours = m.value_adding_hours(events, model)
    assert hours.to_dict() == pytest.approx(_brute_force_hours(events, model), abs=1e-9)
