"""With ``scenario.max_cases`` stopping arrivals early, the overload warning said queues grow
"for as long as cases arrive ... depend on scenario.horizon_days" and asked a one-case run for 5
more people (QA arrivals17 #3); it now says when arrivals stop and that the figures depend on
max_cases."""

from __future__ import annotations

from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.model.views import capped_arrivals_note, pre_run_warnings

OVERLOADED = {
    "name": "overloaded clerk",
    "start": "work",
    "arrivals": {"interarrival": 1.0},
    "roles": {"clerk": {"headcount": 1}},
    "steps": {"work": {"role": "clerk", "duration": 2.0, "next": "done"}},
    "ends": {"done": {"success": True}},
}


def test_a_cap_reached_before_the_run_ends_is_said_with_the_overload():
    model = from_dict(OVERLOADED)
    capped = Scenario(horizon_days=7, warmup_days=0, max_cases=12)
    (warning,) = pre_run_warnings(model, capped)
    assert "200 %" in warning
    # one case an hour: twelve arrive in half a day of the run's 7
    assert "With scenario.max_cases=12 arrivals stop after about 0.5 days of the run's 7" in warning
    assert "depend on max_cases rather than on the horizon" in warning


def test_no_sentence_without_a_cap_or_when_the_cap_is_not_reached():
    model = from_dict(OVERLOADED)
    assert capped_arrivals_note(model, Scenario(horizon_days=7, warmup_days=0)) == ""
    assert capped_arrivals_note(model, Scenario(horizon_days=7, warmup_days=0, max_cases=500)) == ""
    (warning,) = pre_run_warnings(model, Scenario(horizon_days=7, warmup_days=0))
    assert "max_cases" not in warning
