"""Offered load per role and the staffing that carries it (QA 9c: the saturation warning
suggested one more person of the first saturated role, often far from enough).

Closed form: a role's work per week = cases per week x sum over its steps of (visits per case
x mean duration x people of the role the step needs); one person's hours per week = the
calendar's working hours; the staff a target utilisation needs = ceil(work / hours / target).
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from sim.engine import run_replications
from sim.kpis import kpi_report, kpi_table
from sim.model import Branch, Decision, from_dict
from sim.model.scenario import Scenario
from sim.model.views import (
    TARGET_UTILISATION,
    RoleLoad,
    offered_load,
    overloaded_roles,
    suggest_staffing,
)


def _model(steps: dict, *, roles: dict, start: str = "work", **extra):
    return from_dict(
        {
            "name": "load",
            "start": start,
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
            "roles": roles,
            "steps": steps,
            "ends": {"done": {"success": True}},
            **extra,
        }
    )


def _mmc(headcount: int = 3, *, unit: str = "hours", scale: float = 1.0):
    """M/M/c-like: Poisson arrivals one an hour, exponential work of mean 3 h, 24/7 staff."""
    return _model(
        {
            "work": {
                "role": "server",
                "duration": {"dist": "exponential", "mean": 3 * scale},
                "next": "done",
            }
        },
        roles={"server": {"headcount": headcount}},
        arrivals={"interarrival": {"dist": "exponential", "mean": 1.0 * scale}},
        time_unit=unit,
    )


def test_an_mmc_station_offers_three_people_of_work_and_needs_four():
    load = offered_load(_mmc())["server"]
    # lambda = 1/h, E[S] = 3 h: offered load a = lambda E[S] = 3 people (Erlang)
    assert load.work_hours == pytest.approx(168 * 3)
    assert load.hours_per_person == pytest.approx(168)
    assert load.people == pytest.approx(3)
    assert load.utilisation == pytest.approx(1.0)  # 3 people: saturated
    assert load.headcount_for(0.85) == math.ceil(3 / 0.85) == 4
    assert load.headcount_for(1.0) == 3
    assert suggest_staffing(offered_load(_mmc()), ["server"]) == {"server": 4}
    # the same model in minutes; and the scenario's staffing and arrival scale
    assert offered_load(_mmc(unit="minutes", scale=60))["server"].people == pytest.approx(3)
    doubled = offered_load(_mmc(), arrival_scale=2.0, staffing={"server": 5})["server"]
    assert doubled.people == pytest.approx(6) and doubled.headcount == 5
    assert doubled.utilisation == pytest.approx(6 / 5)
    assert doubled.headcount_for() == math.ceil(6 / TARGET_UTILISATION) == 8


def test_office_hours_and_a_weekly_arrival_profile():
    """Arrivals on weekdays 09-17 only (the profile moves them, it keeps their number: 168 /
    0.5 = 336 a week); each needs 1 h of a clerk who works 40 h a week: 8.4 people of work."""
    day = [0.0] * 9 + [1.0] * 8 + [0.0] * 7
    m = _model(
        {
            "work": {
                "role": "clerk",
                "duration": {"dist": "gamma", "mean": 1.0, "std": 0.5},
                "next": "done",
            }
        },
        roles={"clerk": {"headcount": 8, "calendar": "office"}},
        calendars={"office": {"weekdays": ["09:00-17:00"]}},
        arrivals={
            "interarrival": {"dist": "exponential", "mean": 0.5},
            "profile": {"weekdays": day},
        },
    )
    load = offered_load(m)["clerk"]
    assert load.hours_per_person == pytest.approx(40)
    assert load.work_hours == pytest.approx(336)
    assert load.utilisation == pytest.approx(336 / (8 * 40))
    assert load.headcount_for(0.85) == math.ceil(8.4 / 0.85) == 10
    busier = offered_load(m, arrival_scale=1.5)["clerk"]
    assert busier.people == pytest.approx(12.6)
    assert busier.headcount_for(0.85) == 15


def test_a_step_of_two_people_of_one_role_and_of_two_roles():
    """A step naming a role twice keeps two of its people busy; a step of two roles one of each."""
    m = _model(
        {
            "work": {"roles": ["clerk", "clerk"], "duration": 2.0, "next": "sign"},
            "sign": {"roles": ["clerk", "lawyer"], "duration": 0.5, "next": "done"},
        },
        roles={"clerk": {"headcount": 5}, "lawyer": {"headcount": 1}},
    )
    loads = offered_load(m)
    assert loads["clerk"].people == pytest.approx(2 * 2.0 + 0.5)  # 4.5 people of one an hour
    assert loads["lawyer"].people == pytest.approx(0.5)
    assert loads["clerk"].headcount_for(0.85) == math.ceil(4.5 / 0.85) == 6


def test_a_rework_loop_counts_its_expected_visits():
    """25 % of the checks send the case back: 1 / (1 - 0.25) = 4/3 visits of each step."""
    m = _model(
        {
            "work": {"role": "clerk", "duration": 1.5, "next": "check"},
            "check_it": {"role": "checker", "duration": 0.25, "next": "ok?"},
        },
        roles={"clerk": {"headcount": 2}, "checker": {"headcount": 1}},
        decisions={
            "check": {"branches": {"check_it": 1.0}},
            "ok?": {"branches": {"work": 0.25, "done": 0.75}},
        },
    )
    loads = offered_load(m)
    assert loads["clerk"].people == pytest.approx(4 / 3 * 1.5)  # 2 people of work
    assert loads["checker"].people == pytest.approx(4 / 3 * 0.25)
    assert loads["clerk"].utilisation == pytest.approx(1.0)
    assert loads["clerk"].headcount_for() == math.ceil(2 / 0.85) == 3


def test_segments_scale_durations_and_route_by_their_own_probabilities():
    """Key accounts (30 %) take twice as long and are checked again half the time."""
    m = _model(
        {
            "work": {"role": "clerk", "duration": 1.0, "next": "again?"},
            "recheck": {"role": "clerk", "duration": 1.0, "next": "done"},
        },
        roles={"clerk": {"headcount": 3}},
        decisions={
            "again?": {
                "branches": {"recheck": 0.0, "done": 1.0},
                "by_segment": {"key": {"recheck": 0.5, "done": 0.5}},
            }
        },
        arrivals={
            "interarrival": {"dist": "exponential", "mean": 1.0},
            "segments": {"key": {"share": 0.3, "duration_scale": 2.0}, "small": {"share": 0.7}},
        },
    )
    people = offered_load(m)["clerk"].people
    assert people == pytest.approx(0.3 * 2.0 * 1.5 + 0.7 * 1.0)  # 1.6


def test_suggestion_covers_every_saturated_role_and_a_starved_one():
    loads = {
        "a": RoleLoad("a", work_hours=400, hours_per_person=40, headcount=9),  # 10 people, 111 %
        "b": RoleLoad("b", work_hours=60, hours_per_person=40, headcount=1),  # 150 %, starved
        "c": RoleLoad("c", work_hours=30, hours_per_person=40, headcount=1),  # 75 %: left alone
        "d": RoleLoad("d", work_hours=30, hours_per_person=40, headcount=1),  # saturated, 75 %?
        "e": RoleLoad("e", work_hours=30, hours_per_person=0, headcount=1),  # no hours
    }
    got = suggest_staffing(loads, ["a", "d", "e", "ghost"], target=0.85)
    # a: ceil(10 / 0.85) = 12; b: ceil(1.5 / 0.85) = 2; d: the mean work does not explain its
    # saturation, one more person at least; e and an unknown role: no estimate
    assert got == {"a": 12, "b": 2, "d": 2, "e": None, "ghost": None}
    with pytest.raises(ValueError, match="target utilisation"):
        loads["a"].headcount_for(0)


def test_a_routing_that_never_ends_has_no_estimate():
    """Validation refuses such a model; one built around it (a redesign's slip) raises."""
    m = _model(
        {"work": {"role": "clerk", "duration": 1.0, "next": "again"}},
        roles={"clerk": {"headcount": 1}},
        decisions={"again": {"branches": {"work": 0.5, "done": 0.5}}},
    )
    stuck = Decision("again", (Branch("work", 1.0), Branch("done", 0.0)))
    with pytest.raises(ValueError, match="loop for ever"):
        offered_load(dataclasses.replace(m, decisions={"again": stuck}))


def _saturated(model, scenario: Scenario) -> tuple[list[str], dict[str, float]]:
    traces = run_replications(model, scenario, seed=3, workers=1)
    report = kpi_report(kpi_table(traces, model), model, headcount=traces[0].meta.get("staffing"))
    return report["saturated_roles"], {r["role"]: r["utilisation"]["mean"] for r in report["roles"]}


def test_simulating_the_suggested_staffing_unsaturates_the_model():
    """An office with too few clerks before a checker who is starved by them: the suggestion
    (clerk ceil(4.2/0.85) = 5, checker ceil(1.4/0.85) = 2) un-saturates both, measured."""
    m = _model(
        {
            "work": {
                "role": "clerk",
                "duration": {"dist": "exponential", "mean": 3.0},
                "next": "check",
            },
            "check": {
                "role": "checker",
                "duration": {"dist": "exponential", "mean": 1.0},
                "next": "done",
            },
        },
        roles={"clerk": {"headcount": 3}, "checker": {"headcount": 1}},
        arrivals={"interarrival": {"dist": "exponential", "mean": 0.7143}},  # 1.4 an hour
    )
    scenario = Scenario(horizon_days=6, warmup_days=1, replications=3, drain=False)
    saturated, _ = _saturated(m, scenario)
    assert "clerk" in saturated
    staffing = suggest_staffing(offered_load(m), saturated)
    assert staffing == {"clerk": 5, "checker": 2}
    again = Scenario(horizon_days=6, warmup_days=1, replications=3, drain=False, staffing=staffing)
    saturated, busy = _saturated(m, again)
    assert saturated == []
    assert all(u < 0.98 for u in busy.values()), busy
    loads = offered_load(m, staffing=staffing)
    for role, u in busy.items():  # a stable run measures the offered load (3 replications)
        assert u == pytest.approx(loads[role].utilisation, abs=0.08), role


def test_an_alternative_carries_its_share_of_the_cases_at_its_own_pace():
    # one case an hour; 70 % to the clerks at 1 h, 30 % to the seniors at 0.5 h first
    model = _model(
        {
            "work": {
                "role": "clerk",
                "duration": {"dist": "fixed", "value": 1.0},
                "alternatives": {
                    "senior": {"duration": {"dist": "fixed", "value": 0.5}, "share": 0.3}
                },
                "next": "done",
            }
        },
        roles={"clerk": {"headcount": 2}, "senior": {"headcount": 1}},
    )
    load = offered_load(model)
    assert load["clerk"].work_hours == pytest.approx(168 * 0.7 * 1.0)
    assert load["senior"].work_hours == pytest.approx(168 * 0.3 * 0.5)
    # without seniors the clerks take every case
    none = offered_load(model, staffing={"senior": 0})
    assert none["clerk"].work_hours == pytest.approx(168 * 1.0)
    assert none["senior"].work_hours == 0


def test_overloaded_roles_are_those_whose_work_fills_all_their_hours():
    """3 people of work: 3 people cannot keep up (100 %), 4 can; a role whose every step has a
    patience is left out (cases that give up bound its queue), as is routing with no mean."""
    assert overloaded_roles(_mmc(3)) == {"server": pytest.approx(1.0)}
    assert overloaded_roles(_mmc(4)) == {}
    assert overloaded_roles(_mmc(4), arrival_scale=1.5) == {"server": pytest.approx(4.5 / 4)}
    assert overloaded_roles(_mmc(3), staffing={"server": 5}) == {}
    patient = _mmc(3)
    step = dataclasses.replace(patient.steps["work"], patience=patient.arrivals.interarrival)
    patient = dataclasses.replace(patient, steps={"work": step})
    assert overloaded_roles(patient) == {}
