"""A role offered more work than its hours whose steps have a patience (QA patience16 #2).

A lead every 4 h (42 a week) reaches first_contact (sdr, 0.6 h), then needs_analysis
(account_exec, 1.5 h); everyone works Mondays 09-17 only (8 h a week): sdr is offered 25.2 h
of its 8 (315 %), the three account executives 63 h of their 24 (262 %). The pre-run warning
named account_exec but not sdr, because every sdr step had a patience, however long (mean
1,000,000 h): such a queue grows through any run as if nobody gave up. A short patience
(24 h) does bound it: sdr is then named with the loss that bounds it, at least 1 - 1 / 3.15 =
68 % of its work, and is still no overloaded role (the optimizer refuses those as redesigns
whose figures grow with the horizon).
"""

from __future__ import annotations

import pytest

from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.model.views import (
    PATIENCE_BOUNDS_QUEUE_HOURS,
    impatient_overloads,
    impatient_roles,
    overload_warning,
    overloaded_roles,
    pre_run_warnings,
)


def _monday(patience: float | None, *, time_unit: str = "hours", scale: float = 1.0) -> dict:
    """The Monday-only CRM of the module docstring; durations in ``time_unit`` (``scale``
    hours each)."""
    step = {"role": "sdr", "duration": 0.6 / scale, "next": "needs_analysis"}
    if patience is not None:
        step["patience"] = {"dist": "exponential", "mean": patience / scale}
    return {
        "name": "monday",
        "time_unit": time_unit,
        "start_date": "2026-01-05T00:00:00",
        "start": "first_contact",
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 4.0 / scale}},
        "calendars": {"monday": {"monday": ["09:00-17:00"]}},
        "roles": {
            "sdr": {"headcount": 1, "calendar": "monday"},
            "account_exec": {"headcount": 3, "calendar": "monday"},
        },
        "steps": {
            "first_contact": step,
            "needs_analysis": {"role": "account_exec", "duration": 1.5 / scale, "next": "won"},
        },
        "ends": {"won": {"success": True}},
    }


def test_a_role_whose_patience_is_too_long_to_matter_is_warned_of_before_the_run():
    model = from_dict(_monday(1_000_000.0))
    assert impatient_roles(model) == {}
    assert overloaded_roles(model) == pytest.approx({"sdr": 3.15, "account_exec": 2.625})
    text = overload_warning(model)
    assert text is not None and text.startswith("warning:")
    assert "sdr (315 % of the 8 h a week its 1 person is on shift)" in text
    assert "account_exec (262 % of the 24 h a week its 3 people are on shift)" in text
    assert "They do not keep up: queues grow for as long as cases arrive" in text


def test_a_role_that_cases_giving_up_relieve_is_named_with_the_loss():
    # a week's patience: cases arriving while sdr is off (160 h) can wait for Monday (a patience
    # shorter than that gap is tested in test_off_shift_patience.py: more people do not help)
    model = from_dict(_monday(168.0))
    assert impatient_roles(model) == {"sdr": 168.0}
    # its queue is bounded: no overloaded role (the optimizer's refusal stays for the others)
    assert overloaded_roles(model) == pytest.approx({"account_exec": 2.625})
    assert list(impatient_overloads(model)) == ["sdr"]
    text = overload_warning(model)
    assert text is not None and text.startswith("warning:")
    flat = " ".join(text.split())
    assert (
        "The work the model offers fills more than the hours of sdr (315 % of the 8 h a week "
        "its 1 person is on shift), and each of its steps has a patience (the longest mean: "
        "sdr's 168 h): cases that give up waiting will relieve it, so its queue stays bounded, "
        "but at a loss: at least 68 % of the work offered to it goes undone, its cases "
        "abandoned, and more the less busy it is" in flat
    )
    assert "scenario.staffing.sdr=4" in flat  # 3.15 people of work at most 85 % busy
    assert text in pre_run_warnings(model, Scenario())
    # with enough people nothing is said of sdr
    assert "sdr" not in (overload_warning(model, staffing={"sdr": 4}) or "")


def test_a_patience_bounds_a_queue_up_to_a_week_in_any_time_unit():
    week = PATIENCE_BOUNDS_QUEUE_HOURS
    assert week == 168.0
    assert impatient_roles(from_dict(_monday(week))) == {"sdr": week}
    assert impatient_roles(from_dict(_monday(week + 1))) == {}
    # the same model in days: 7 days is a week
    days = from_dict(_monday(week, time_unit="days", scale=24.0))
    assert impatient_roles(days) == {"sdr": pytest.approx(week)}
    assert list(impatient_overloads(days)) == ["sdr"]
    assert impatient_roles(from_dict(_monday(None))) == {}


def test_a_role_with_a_step_without_patience_is_not_held_down():
    spec = _monday(24.0)
    spec["steps"]["needs_analysis"]["role"] = "sdr"  # sdr's second step has no patience
    model = from_dict(spec)
    assert impatient_roles(model) == {}
    assert "sdr" in overloaded_roles(model)
