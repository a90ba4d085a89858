"""The console's bottleneck line explains shifts and hand-off delays only where they make the
waiting differ from the queue (QA retest19 #3: a model without calendars or hand-off delay read
"from the first opening of their shift ..., a backlog carried over to the next shift included;
... hand-off delays and the wait for the shift to open included")."""

from __future__ import annotations

from typing import Any

from sim.engine import run_replication
from sim.kpis import format_report, kpi_report, kpi_table
from sim.model import from_dict
from sim.model.scenario import Scenario


def _desk(**extra: Any) -> dict:
    """A case about every hour to one clerk who takes 0.9 h (90 % busy): ``a`` is the
    bottleneck; ``extra`` adds a calendar or a hand-off delay."""
    spec = {
        "name": "desk",
        "start": "intake",
        "start_date": "2024-01-01",
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
        "roles": {"clerk": {"headcount": 1}, "desk": {"headcount": 2}},
        "steps": {
            "intake": {"role": "desk", "duration": 0.2, "next": "a"},
            "a": {
                "role": "clerk",
                "duration": {"dist": "exponential", "mean": 0.9},
                "next": "done",
            },
        },
        "ends": {"done": {"success": True}},
    }
    return spec | extra


def _line(spec: dict) -> tuple[str, dict]:
    model = from_dict(spec)
    scenario = Scenario(warmup_days=3, horizon_days=20)
    traces = [run_replication(model, scenario, seed=3, replication=r) for r in range(4)]
    report = kpi_report(kpi_table(traces, model), model)
    line = next(ln for ln in format_report(report).splitlines() if "bottleneck:" in ln)
    return line, report["bottleneck"]


def test_no_calendar_and_no_handoff_no_word_of_shifts():
    line, b = _line(_desk())
    assert b["step"] == "a" and not b["negligible"]
    # every wait is a queue: the two shares are the same, so there is nothing to explain
    assert abs(b["waiting_share"]["mean"] - b["queue_share"]["mean"]) < 1e-9
    assert "bottleneck: a — cases queue for its staff" in line
    assert "shift" not in line and "hand-off" not in line and "waiting in all" not in line


def test_a_handoff_delay_is_explained():
    line, b = _line(_desk(handoff_delay={"dist": "fixed", "value": 0.5}))
    assert b["step"] == "a"
    assert b["waiting_share"]["mean"] > b["queue_share"]["mean"] + 0.01
    assert (
        "waiting in all: the rest is the wait for the staff's shift to open or a hand-off" in line
    )


def test_a_calendar_is_explained():
    office = {"office": {"weekdays": ["09:00-17:00"]}}
    roles = {"clerk": {"headcount": 1, "calendar": "office"}, "desk": {"headcount": 2}}
    line, b = _line(_desk(calendars=office, roles=roles))
    assert b["step"] == "a"
    assert b["waiting_share"]["mean"] > b["queue_share"]["mean"] + 0.01
    assert "a backlog carried over to the next shift is queueing" in line
