"""A log that records when its cases' first activities were enabled (a simulator's trace) gets a
note that calibration does not use it (QA 2026-12-05 #7: the first step's 1.66 h wait vanished
from the model without a word)."""

from __future__ import annotations

from sim.calibrate import calibrate_model
from sim.engine import run_replications
from sim.eventlog import read_event_log
from sim.kpis.frames import trace_to_event_log
from sim.model import from_dict
from sim.model.scenario import Scenario

QUEUE = {
    "name": "queue",
    "start": "work",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
    "roles": {"clerk": {"headcount": 1}, "filer": {"headcount": 1}},
    "steps": {
        "work": {"role": "clerk", "duration": {"dist": "exponential", "mean": 0.8}, "next": "file"},
        "file": {"role": "filer", "duration": {"dist": "exponential", "mean": 0.1}, "next": "done"},
    },
    "ends": {"done": {"success": True}},
}


def test_a_log_with_enabled_times_says_calibration_leaves_the_first_wait_out(tmp_path):
    (trace,) = run_replications(
        from_dict(QUEUE), Scenario(horizon_days=20, warmup_days=0, replications=1), seed=3
    )
    frame = trace_to_event_log(trace).drop(columns=["replication"], errors="ignore")
    path = tmp_path / "trace.csv"
    frame.to_csv(path, index=False)
    first = frame.sort_values("start_time").groupby("case_id").head(1)
    wait_h = (first["start_time"] - first["enabled_time"]).dt.total_seconds().mean() / 3600
    assert wait_h > 1.0  # an M/M/1 at 80 %: the first step queues
    notes = calibrate_model(read_event_log(path), seed=0).notes
    (note,) = [n for n in notes if "enabled_time" in n]
    assert f"{first.shape[0]} case(s)' first activities were enabled" in note
    assert f"a mean {wait_h:.3g} h before they started" in note
    # without the column: nothing to say
    path2 = tmp_path / "plain.csv"
    frame.drop(columns=["enabled_time"]).to_csv(path2, index=False)
    notes = calibrate_model(read_event_log(path2), seed=0).notes
    assert not [n for n in notes if "enabled_time" in n]
