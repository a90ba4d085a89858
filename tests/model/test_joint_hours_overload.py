"""A step of several roles runs only while all of them are on shift (QA fuzz14 #2): an office
clerk (40 h a week) and a 24/7 system (1 person) sharing a step of 0.5 h, one case an hour,
bring 84 h of the system's work a week into 40 shared hours. The offered load, the pre-run
warning and the run's report must say so, though utilisation (clerk 33 %, system 24 %) does
not."""

from __future__ import annotations

import pytest

from sim.engine import run_replications
from sim.kpis import format_report, kpi_report, kpi_table
from sim.kpis.summary import roles_to_staff
from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.model.views import (
    joint_hours_warning,
    offered_load,
    overloaded_roles,
    pre_run_warnings,
)


def _joint(system: int = 1, *, gap: float = 1.0):
    return from_dict(
        {
            "name": "joint",
            "start": "review",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": gap}},
            "calendars": {"office": {"weekdays": ["09:00-17:00"]}},
            "roles": {
                "clerk": {"headcount": 3, "calendar": "office"},
                "system": {"headcount": system},
            },
            "steps": {
                "review": {
                    "roles": ["clerk", "system"],
                    "duration": {"dist": "fixed", "value": 0.5},
                    "next": "done",
                }
            },
            "ends": {"done": {"success": True}},
        }
    )


def test_the_offered_load_weighs_a_step_against_its_roles_shared_hours():
    load = offered_load(_joint())["system"]
    assert load.scheduled_utilisation == pytest.approx(84 / 168)  # what a run measures
    assert load.joint_step == "review"
    assert load.joint_hours == pytest.approx(40.0)
    assert load.utilisation == pytest.approx(84 / 40)
    assert load.headcount_for(0.85) == 3  # 2.1 people of work in the shared hours
    assert overloaded_roles(_joint()) == {"system": pytest.approx(2.1)}
    assert overloaded_roles(_joint(3)) == {}
    # the clerks' own hours are the shared ones: nothing more to weigh
    assert offered_load(_joint())["clerk"].joint_step is None


def test_the_pre_run_warning_names_the_step_its_roles_and_the_shared_hours():
    text = joint_hours_warning(_joint())
    assert text is not None
    for words in ("'review'", "clerk and system", "40 h a week", "210 %", "system=3"):
        assert words in text
    assert pre_run_warnings(_joint(), Scenario()) == [text]
    assert joint_hours_warning(_joint(3)) is None
    assert joint_hours_warning(_joint(), arrival_scale=0.4) is None  # 84 % of the 40 h


def test_a_run_reports_the_role_saturated_in_its_shared_hours():
    """The system is busy 24 % of its 168 h, all of the 40 h it can work: saturated, and the
    staffing suggestion is asked for."""
    model = _joint()
    scenario = Scenario(horizon_days=14, warmup_days=7, replications=2, drain=False)
    traces = run_replications(model, scenario, seed=3, workers=1)
    report = kpi_report(kpi_table(traces, model), model)
    busy = {r["role"]: r["utilisation"]["mean"] for r in report["roles"]}
    assert busy["system"] < 0.3
    saturated = report["saturated_in_shared_hours"]
    assert list(saturated) == ["system"]
    assert saturated["system"]["hours_per_week"] == pytest.approx(40.0)
    assert saturated["system"]["utilisation"] == pytest.approx(1.0, abs=0.02)
    assert "system" in roles_to_staff(report)
    text = format_report(report)
    assert "warning: system works only at review, which need clerk on shift too" in text
    assert "40 h of system's 168 h a week" in text


def test_a_role_that_keeps_up_in_its_shared_hours_is_not_reported():
    model = _joint(3)
    scenario = Scenario(horizon_days=14, warmup_days=7, replications=2, drain=False)
    traces = run_replications(model, scenario, seed=3, workers=1)
    report = kpi_report(kpi_table(traces, model), model)
    assert report["saturated_in_shared_hours"] == {}
    assert "works only at" not in format_report(report)
