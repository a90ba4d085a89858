"""A step that names a role k times takes k of its people at once, so only
floor(headcount / k) * k of them can work it at a time (QA cost17 #5): 3 clerks and a step of
two clerks (1 h, 42 cases in the 40 office hours of a week) bring 84 person-hours against the
120 h of 3 clerks (70 %), but only one pair can work, 80 h a week: 105 %. The run measured
66.7 % busy (2 of 3), throughput 40 cases a week against 42 arriving, and waits that grew with
the horizon, with no warning. The offered load weighs that work against the pairs' hours, so
the overload warning, the saturation judgement and the staffing suggestion see it."""

from __future__ import annotations

import math

import pytest

from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.model.views import (
    offered_load,
    overload_warning,
    overloaded_roles,
    pre_run_warnings,
    relieved_roles,
    suggest_staffing,
)


def _office(
    clerks: int = 3,
    *,
    gap: float = 4.0,
    need: int = 2,
    single: float | None = None,
    temps: int = 0,
):
    """The QA's model: one case every ``gap`` hours (24/7: 168 / gap a week), a 1 h step of
    ``need`` clerks at once; with ``single``, a one-clerk step of that many hours after it
    (with ``temps`` temps as its alternative, taking none of its cases first)."""
    steps: dict = {
        "work": {
            "roles": ["clerk"] * need,
            "duration": {"dist": "fixed", "value": 1.0},
            "next": "file" if single else "done",
        }
    }
    roles: dict = {"clerk": {"headcount": clerks, "calendar": "office"}}
    if single:
        steps["file"] = {
            "role": "clerk",
            "duration": {"dist": "fixed", "value": single},
            "next": "done",
        }
        if temps:
            roles["temp"] = {"headcount": temps, "calendar": "office"}
            steps["file"]["alternatives"] = {
                "temp": {"duration": {"dist": "fixed", "value": single}, "share": 0.0}
            }
    return from_dict(
        {
            "name": "pairs",
            "start": "work",
            "arrivals": {"interarrival": {"dist": "fixed", "value": gap}},
            "calendars": {"office": {"weekdays": ["09:00-17:00"]}},
            "roles": roles,
            "steps": steps,
            "ends": {"done": {"success": True}},
        }
    )


def test_a_pair_step_is_weighed_against_the_hours_of_the_whole_pairs():
    load = offered_load(_office())["clerk"]
    assert load.work_hours == pytest.approx(84.0)  # 42 cases x 1 h x 2 clerks
    assert load.scheduled_utilisation == pytest.approx(84 / 120)  # what a run measures
    assert load.together == 2
    assert load.together_steps == ("work",)
    assert load.together_people == 2  # the third clerk never has a partner
    assert load.utilisation == pytest.approx(84 / 80)
    assert load.binding == "together"
    assert load.bound_hours == pytest.approx(80.0)
    assert overloaded_roles(_office()) == {"clerk": pytest.approx(1.05)}
    # four clerks make two pairs: 84 h of the 160 h they can all work together
    four = offered_load(_office(4))["clerk"]
    assert four.together_people == 4
    assert four.utilisation == pytest.approx(84 / 160)
    assert overloaded_roles(_office(4)) == {}


def test_the_staffing_suggestion_gives_whole_pairs():
    """84 h of pair work at most 85 % busy: 84 / 40 / 0.85 = 2.5 people, so 2 pairs, 4 clerks
    (3, from the person-hours alone, still makes one pair)."""
    loads = offered_load(_office())
    assert loads["clerk"].headcount_for(0.85) == 4
    assert suggest_staffing(loads, []) == {"clerk": 4}  # found offered 105 %, not measured
    # 2.5 pairs' work at 3 people a group (need=3, 5 clerks: one group of three): 3 groups
    triples = offered_load(_office(5, gap=168 / 85, need=3))["clerk"]
    assert triples.together_people == 3
    assert triples.utilisation == pytest.approx(85 * 3 / (3 * 40))
    assert triples.headcount_for(0.85) == 3 * math.ceil(85 * 3 / 40 / 3 / 0.85) == 9


def test_a_role_measured_saturated_gets_one_more_pair_not_one_more_person():
    """4 clerks, all their work in pairs, 80 % of their hours: the estimate says 4 are enough,
    but a run found them saturated, so at least one more pair (a fifth clerk alone adds
    nothing)."""
    loads = offered_load(_office(4, gap=168 / 64))  # 64 cases: 128 of the 160 h
    assert loads["clerk"].utilisation == pytest.approx(0.8)
    assert loads["clerk"].headcount_for(0.85) == 4
    assert suggest_staffing(loads, ["clerk"]) == {"clerk": 6}


def test_work_a_single_clerk_does_is_not_weighed_against_the_pairs():
    """3 clerks: 20 cases a week of a pair step (40 h) and a 2 h one-clerk step (40 h): 80 of
    the 120 h, and the pairs' 40 h of 80: the leftover clerk files."""
    load = offered_load(_office(gap=168 / 20, single=2.0))["clerk"]
    assert load.together_work_hours == pytest.approx(40.0)
    assert load.together_utilisation == pytest.approx(0.5)
    assert load.utilisation == pytest.approx(80 / 120)
    assert load.binding == "own"


def test_the_overload_warning_names_the_pairs_and_their_hours():
    text = overload_warning(_office())
    assert text is not None
    for words in ("105 %", "80 h a week", "2 of its 3 people", "'work'", "clerk=4"):
        assert words in text
    assert pre_run_warnings(_office(), Scenario()) == [text]
    assert overload_warning(_office(4)) is None
    assert overload_warning(_office(), staffing={"clerk": 4}) is None


def test_alternatives_of_another_step_do_not_relieve_the_pairs():
    """Temps may take the one-clerk step's cases, with hours to spare, but not the pair step's:
    judged with them the clerks still cannot keep up (pooled, the pairs' share binds)."""
    model = _office(gap=168 / 42, single=0.5, temps=5)
    load = offered_load(model)["clerk"]
    assert load.relief_roles == ("temp",)
    assert load.utilisation == pytest.approx(84 / 80)
    assert load.pooled_utilisation == pytest.approx(84 / 80)
    assert relieved_roles(model) == {}
    assert overloaded_roles(model) == {"clerk": pytest.approx(1.05)}
