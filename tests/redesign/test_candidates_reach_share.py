"""The candidate list gives the share of cases that reach a looped step, not its visits.

QA newuser19 #6: a step that 71 % of cases reach and a quarter of them repeat (0.9 visits per
case) was listed as "90 % of cases pass here". The share of cases comes from the model's
routing; the passes per case are said beside it where cases come back.

Model: qualify, then 70 % go on to negotiate (the rest are lost); after negotiate 25 % go
round revise -> negotiate again. negotiate is reached by 70 % of cases and visited
0.7 / (1 - 0.25) = 0.933 times per case; revise is reached by the 25 % of those that come
back at least once (0.7 * 0.25 = 17.5 %) and visited 0.7 * 0.25 / 0.75 = 0.233 times per case.
"""

from __future__ import annotations

import re

import pytest

from sim.model import from_dict
from sim.model.views import expected_visits
from sim.redesign import find_candidates

ONE_HOUR = {"dist": "fixed", "value": 1.0}


def looped():
    return from_dict(
        {
            "name": "looped",
            "start": "qualify",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 4.0}},
            "roles": {"sales": {"headcount": 2}},
            "steps": {
                "qualify": {"role": "sales", "duration": ONE_HOUR, "next": "after:qualify"},
                "negotiate": {"role": "sales", "duration": ONE_HOUR, "next": "after:negotiate"},
                "revise": {"role": "sales", "duration": ONE_HOUR, "next": "negotiate"},
            },
            "decisions": {
                "after:qualify": {"branches": {"negotiate": 0.7, "lost": 0.3}},
                "after:negotiate": {"branches": {"revise": 0.25, "won": 0.75}},
            },
            "ends": {"won": {"success": True}, "lost": {"success": False}},
        }
    )


def reasons(model) -> dict[str, str]:
    """The 'automate' candidates' reasons by step."""
    return {next(iter(c.entries)): c.reason for c in find_candidates(model)["automate"]}


def test_a_looped_step_says_the_share_of_cases_that_reach_it_and_its_passes():
    model = looped()
    visits = expected_visits(model)
    assert visits["negotiate"] == pytest.approx(0.7 / 0.75)
    why = reasons(model)
    assert "70 % of cases reach it, 0.93 passes per case" in why["negotiate"]
    assert "18 % of cases reach it, 0.23 passes per case" in why["revise"]
    # a step no case repeats keeps the short wording
    assert "100 % of cases pass here" in why["qualify"]
    # no share of cases is above 100 % or taken from the visits
    for text in why.values():
        (share,) = re.findall(r"(\d+) % of cases", text)
        assert int(share) <= 100
    assert "93 % of cases" not in why["negotiate"]
