"""The joint-hours warning names every role of the step whose work fills its shared hours (QA
retest14 #3): a clerk (2, 09-17) and a boss (2, 16:30-17:00) share a step of 0.5 h, a case
every 4 h (21 h of work a week each, in 2.5 shared hours). The boss's whole calendar is the
shared hours, so it was left out: the warning suggested only clerk=10, which changed nothing."""

from __future__ import annotations

import pytest

from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.model.views import (
    joint_hours_overloads,
    joint_hours_warning,
    overload_warning,
    pre_run_warnings,
)


def _review(boss_hours: str = "16:30-17:00"):
    return from_dict(
        {
            "name": "review",
            "start": "review",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 4.0}},
            "calendars": {
                "day": {"weekdays": ["09:00-17:00"]},
                "late": {"weekdays": [boss_hours]},
            },
            "roles": {
                "clerk": {"headcount": 2, "calendar": "day"},
                "boss": {"headcount": 2, "calendar": "late"},
            },
            "steps": {
                "review": {
                    "roles": ["clerk", "boss"],
                    "duration": {"dist": "fixed", "value": 0.5},
                    "next": "done",
                }
            },
            "ends": {"done": {"success": True}},
        }
    )


def test_a_role_whose_calendar_is_the_shared_hours_is_named_with_its_staffing():
    model = _review()
    (loads,) = joint_hours_overloads(model).values()
    assert [ld.role for ld in loads] == ["clerk", "boss"]
    boss = loads[1]
    assert boss.joint_step == "review" and boss.joint_hours == pytest.approx(2.5)
    assert boss.joint_utilisation == pytest.approx(21 / 5)
    text = joint_hours_warning(model)
    assert text is not None
    assert "420 % of them for clerk (2 people) and 420 % of them for boss (2 people)" in text
    assert "scenario.staffing.clerk=10 scenario.staffing.boss=10" in text
    # the boss is named once, by the joint-hours warning
    assert overload_warning(model) is None
    assert pre_run_warnings(model, Scenario()) == [text]


def test_with_the_clerks_hired_the_boss_is_still_named():
    model = _review()
    assert joint_hours_warning(model, staffing={"clerk": 10}) is None  # 84 % of the 25 h
    text = overload_warning(model, staffing={"clerk": 10})
    assert text is not None and "boss (420 % of the 5 h a week its 2 people" in text
    assert "scenario.staffing.boss=10" in text and "clerk" not in text
    assert pre_run_warnings(model, Scenario(staffing={"clerk": 10})) == [text]
    assert pre_run_warnings(model, Scenario(staffing={"clerk": 10, "boss": 10})) == []


def test_a_boss_with_hours_beyond_the_shared_ones_is_named_as_before():
    text = joint_hours_warning(_review("16:00-20:00"))
    assert text is not None
    assert "210 % of them for clerk (2 people) and 210 % of them for boss (2 people)" in text
    assert "scenario.staffing.clerk=5 scenario.staffing.boss=5" in text
