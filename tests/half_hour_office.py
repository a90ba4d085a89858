"""A process whose calendars are not on whole hours, and an event log our engine writes from it:
for the tests of calendar discovery in half hours and of the report's calendar figure."""

from __future__ import annotations

from typing import Any

from sim.engine import run_replication
from sim.kpis import trace_to_event_log
from sim.model import from_dict
from sim.model.scenario import Scenario

# A lawyer with a lunch break from 12:30 to 13:30 and clerks on a shift from 08:30: whole hours
# read both as open time (QA #7: a simulated CRM office of 35 hours calibrated as 40).
HALF_HOURS_TRUTH: dict[str, Any] = {
    "name": "half-hour shifts",
    "start": "register",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
    "calendars": {
        "office": {"weekdays": ["09:00-12:30", "13:30-17:00"]},
        "early": {"weekdays": ["08:30-16:30"]},
    },
    "roles": {
        "clerk": {"headcount": 3, "calendar": "early"},
        "lawyer": {"headcount": 1, "calendar": "office"},
    },
    "steps": {
        "register": {
            "role": "clerk",
            "duration": {"dist": "gamma", "mean": 0.4, "std": 0.2},
            "next": "legal_check",
        },
        "review": {
            "role": "lawyer",
            "duration": {"dist": "gamma", "mean": 0.6, "std": 0.3},
            "next": "done",
        },
    },
    "decisions": {"legal_check": {"branches": {"review": 0.2, "done": 0.8}}},
    "ends": {"done": {"success": True}},
}


def half_hour_office_log(days: float = 140, seed: int = 5):
    """The event log of ``days`` of ``HALF_HOURS_TRUTH`` (no warm-up)."""
    trace = run_replication(
        from_dict(HALF_HOURS_TRUTH), Scenario(horizon_days=days, warmup_days=0), seed=seed
    )
    return trace_to_event_log(trace)
