"""Queue share (and so the bottleneck) counts queueing for staff from when the case is ready for
them, after the model's hand-off delay; the waiting KPIs keep the delay (QA: the bottleneck
named first_contact for its hand-off delay, and 'none' once the delay was removed)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.engine import run_replication
from sim.kpis import measures as m
from sim.kpis import trace_cases, trace_events, trace_to_event_log
from sim.model import from_dict
from sim.model.scenario import Scenario

FIXED = "fixed"


def _model(*, patience: float | None = None):
    """a (r1, 1 h) -> b (r2, 4 h), a hand-off of 1 h between them, a case every hour."""
    b = {"role": "r2", "duration": {"dist": FIXED, "value": 4.0}, "next": "done"}
    if patience is not None:
        b["patience"] = {"dist": FIXED, "value": patience}
    return from_dict(
        {
            "name": "handoff",
            "start": "a",
            "arrivals": {"interarrival": 1.0},
            "roles": {"r1": {"headcount": 1}, "r2": {"headcount": 1}},
            "steps": {
                "a": {"role": "r1", "duration": {"dist": FIXED, "value": 1.0}, "next": "b"},
                "b": b,
            },
            "ends": {"done": {"success": True}},
            "handoff_delay": {"dist": FIXED, "value": 1.0},
        }
    )


def _run(model, cases: int):
    return run_replication(model, Scenario(warmup_days=0, horizon_days=1, max_cases=cases))


def test_the_hand_off_delay_is_waiting_but_not_queueing_for_staff():
    # case 0: a 1-2, hand-off to 3, b 3-7 (no queue); case 1: a 2-3, hand-off to 4, queues for
    # r2 until 7, b 7-11. Cycle times 6 + 9 = 15 h; waiting at b 1 + 4 h, queueing 0 + 3 h.
    model = _model()
    trace = _run(model, 2)
    ev = trace_events(trace)
    b = ev[ev["activity"] == "b"].sort_values("case_id")
    assert b["enabled"].tolist() == [2.0, 3.0]
    assert b["ready"].tolist() == [3.0, 4.0]  # after the hand-off
    assert b["start"].tolist() == [3.0, 7.0]
    cases = trace_cases(trace)
    assert m.waiting_shares(ev, cases)["b"] == pytest.approx(5 / 15)
    q = m.queue_shares(ev, cases, model)
    assert q["b"] == pytest.approx(3 / 15)  # was 5 / 15: the hand-off counted as a queue
    assert q["a"] == pytest.approx(0.0)


def test_a_case_that_gave_up_queued_for_staff_from_after_the_hand_off():
    # patience 0.5 h at b: case 0 as above (b 3-7); case 1 reaches b at 3, is ready at 4 and
    # leaves at 4.5. Cycle times 6 + 2.5 h; waiting at b 1 + 1.5 h, queueing 0 + 0.5 h.
    model = _model(patience=0.5)
    trace = _run(model, 2)
    assert trace.case_dropped_enabled[1] == 3.0
    assert trace.case_dropped_ready[1] == 4.0
    assert trace.case_dropped_left[1] == 4.5
    ev, cases = trace_events(trace), trace_cases(trace)
    assert cases.loc[1, "dropped_ready"] == 4.0
    assert m.waiting_shares(ev, cases)["b"] == pytest.approx(2.5 / 8.5)
    assert m.waiting_per_case(ev, cases) == pytest.approx(2.5 / 2)
    assert m.queue_shares(ev, cases, model)["b"] == pytest.approx(0.5 / 8.5)


def test_the_trace_file_has_the_ready_time_beside_the_enabled_time():
    trace = _run(_model(), 2)
    log = trace_to_event_log(trace)
    cols = list(log.columns)
    assert cols[cols.index("enabled_time") + 1] == "ready_time"
    b = log[log["activity"] == "b"].sort_values("case_id")
    hours = (b["ready_time"] - b["enabled_time"]).dt.total_seconds() / 3600
    assert hours.tolist() == [1.0, 1.0]
    a = log[log["activity"] == "a"]
    assert (a["ready_time"] == a["enabled_time"]).all()  # no hand-off before the first step


def test_a_trace_built_without_ready_times_is_ready_when_enabled():
    trace = _run(_model(patience=0.5), 2)
    bare = dataclasses.replace(trace, ev_ready=None, case_dropped_ready=None)
    np.testing.assert_array_equal(bare.ev_ready, bare.ev_enabled)
    np.testing.assert_array_equal(bare.case_dropped_ready, bare.case_dropped_enabled)
    ev = trace_events(bare)
    assert (ev["ready"] == ev["enabled"]).all()


def test_queue_shares_of_a_log_without_ready_times_run_from_enabled():
    model = _model()
    trace = _run(model, 2)
    ev, cases = trace_events(trace), trace_cases(trace)
    real = ev.drop(columns="ready")  # a real log does not record when a hand-off ended
    bare = cases.drop(columns="dropped_ready")
    assert m.queue_shares(real, bare, model)["b"] == pytest.approx(5 / 15)
