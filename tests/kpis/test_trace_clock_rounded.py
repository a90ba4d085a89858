"""QA calendars19 #4: a simulated log wrote an arrival at 10:33 as 10:32:59.999999 (float hours
truncated to the nanosecond, then to the microsecond)."""

import pandas as pd

from sim.engine import run_replications
from sim.kpis import trace_to_event_log
from sim.model import columns as C
from sim.model import from_dict
from sim.model.scenario import Scenario

START = pd.Timestamp("2026-01-08 23:15")


def test_simulated_arrivals_1_3_hours_apart_fall_on_whole_minutes():
    model = from_dict(
        {
            "name": "every 78 minutes",
            "start": "work",
            "start_date": START.isoformat(),
            "arrivals": {"interarrival": {"dist": "fixed", "value": 1.3}},
            "roles": {"worker": {"headcount": 3}},
            "steps": {
                "work": {
                    "role": "worker",
                    "duration": {"dist": "fixed", "value": 0.5},
                    "next": "done",
                }
            },
            "ends": {"done": {"success": True}},
        }
    )
    scenario = Scenario(horizon_days=14, warmup_days=0, replications=1)
    (trace,) = run_replications(model, scenario, seed=0, workers=1)
    log = trace_to_event_log(trace)
    enabled = pd.Series(sorted(log[C.ENABLED]))
    minutes = (enabled - START) / pd.Timedelta(minutes=1)
    assert len(enabled) > 200
    # every arrival on its whole minute (the n-th at 78 n min), to the microsecond: not 1 us early
    assert (minutes == (minutes / 78).round() * 78).all()
    assert (log[C.END] - log[C.START] == pd.Timedelta(minutes=30)).all()
