"""A gap of 0 between arrivals (``p_zero``) drawn first, while the arrival profile is closed at
the run's start (clock 0 a Monday 09:00, no arrivals before): the engine computed the arrival
at the start of the closed stretch, before clock 0, and crashed with "Negative delay -9.0"
(QA 2026-12-05; calibrated models with a point mass on the gap hit it in the back-test)."""

from __future__ import annotations

from sim.engine import run_replication
from sim.kpis import trace_cases
from sim.model import from_dict
from sim.model.scenario import Scenario

SPEC = {
    "name": "zero gap",
    "start": "service",
    "start_date": "2026-01-05T09:00:00",
    "arrivals": {
        "interarrival": {"dist": "exponential", "mean": 1.0, "p_zero": 0.5},
        "profile": {"weekdays": [0] * 9 + [1] * 8 + [0] * 7},
    },
    "roles": {"server": {"headcount": 2}},
    "steps": {
        "service": {
            "role": "server",
            "duration": {"dist": "exponential", "mean": 0.5},
            "next": "done",
        }
    },
    "ends": {"done": {"success": True}},
}


def test_a_first_gap_of_zero_arrives_at_the_start_not_before():
    model = from_dict(SPEC)
    for seed in range(6):
        trace = run_replication(model, Scenario(horizon_days=3, warmup_days=0), seed=seed)
        arrivals = trace_cases(trace)["arrival"].to_numpy(dtype=float)
        assert arrivals.size > 0 and arrivals.min() >= 0.0


def test_a_zero_gap_while_arrivals_are_closed_arrives_when_they_open():
    """Started at Monday 00:00, closed until 09:00: a first gap of 0 put the case at clock 0,
    in an hour the profile gives no arrivals (QA arrivals17 #2); it arrives at 09:00."""
    model = from_dict({**SPEC, "start_date": "2026-01-05T00:00:00"})
    closed = []
    for seed in range(10):
        trace = run_replication(model, Scenario(horizon_days=3, warmup_days=0), seed=seed)
        arrivals = trace_cases(trace)["arrival"].to_numpy(dtype=float)
        assert arrivals.size > 0
        closed += [t for t in arrivals if model.arrivals.profile.rate_at(t) == 0.0]
    assert closed == []
