"""Calendar hours shown only by work resumed in the morning (``sim.calibrate.staff.resumed_work``).

Work paused over a night is resumed when the office opens, and who resumes it starts nothing new
until it is done, so the hour in which the office opens can hold ends of activities begun the
day before and no start at all. Those ends used to be no evidence (they may be a system closing
work, or work going on through the night), so that hour closed: QA's specialists, on
08:00-12:00 and 13:00-17:00, came out with 35-39 hours for 40 in 20 of 20 simulated logs and
their reviews 3 % short. The ends now count where they extend a day's opening by what resumed
work can fill, and still open nothing at night.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model
from sim.calibrate.staff import discover_calendar, works_on_the_clock
from sim.engine import run_replication
from sim.kpis import trace_to_event_log
from sim.model import from_dict
from sim.model.calendar import calendar_to_dict
from sim.model.scenario import Scenario

WEEK = 168.0
WEEKS = 12


def _previous_working_day(week: int, day: int) -> float:
    """The start (hours) of the working day before weekday ``day`` of ``week`` (Friday for a
    Monday)."""
    return week * WEEK + (day - 3 if day == 0 else day - 1) * 24.0


def resumed_office(seed: int, ends=None) -> pd.DataFrame:
    """Two people on 08:00-12:00 and 13:00-17:00, Monday to Friday, for ``WEEKS`` weeks. Each
    begins a review late in the afternoon that runs across the night and is finished the next
    working morning from 08:00 (``ends(rng, day_start)`` where given); new reviews, of 0.3-0.6
    h, come in from 09:00 only (the cases of the day). Times in hours since a Monday 00:00."""
    rng = np.random.default_rng(seed)
    rows = []
    for w in range(WEEKS):
        for d in range(5):
            day = w * WEEK + d * 24.0
            for person in ("ann", "bob"):
                if w or d:  # nothing was begun before the log
                    begun = _previous_working_day(w, d) + 16.0 + rng.uniform(0.2, 0.9)
                    done = ends(rng, day) if ends else day + 8.0 + rng.uniform(0.05, 0.9)
                    rows.append((person, begun, done))
                for lo, hi in ((9.0, 12.0), (13.0, 16.2)):  # begun by 16:00: ends by 16:50
                    t, dur = day + lo + rng.uniform(0.0, 0.3), rng.uniform(0.3, 0.6)
                    while t + dur < day + hi:
                        rows.append((person, t, t + dur))
                        t += dur + rng.uniform(0.0, 0.2)
                        dur = rng.uniform(0.3, 0.6)
    r, s, e = zip(*rows, strict=True)
    return pd.DataFrame({"activity": "review", "resource": r, "start": s, "end": e})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_hour_filled_by_work_resumed_in_the_morning_stays_open(seed):
    cal, prov = discover_calendar(resumed_office(seed))
    assert cal.weekly_total == pytest.approx(40.0), calendar_to_dict(cal)  # 35 without them
    for d in range(5):
        assert cal.rate_at(d * 24.0 + 8.1) == 1.0 and cal.rate_at(d * 24.0 + 8.9) == 1.0
        assert cal.rate_at(d * 24.0 + 7.9) == 0.0  # nothing before the resumed work
        assert cal.rate_at(d * 24.0 + 12.5) == 0.0  # the lunch hour stays closed
    assert prov["hours_opened_by_resumed_work"] == 5
    assert not works_on_the_clock(resumed_office(seed), cal)[0]


def test_a_batch_closing_work_before_the_office_opens_opens_nothing():
    """A system that closes, at 08:15, what was left open overnight: ends at one time of day
    are not work (BPIC 2012's call-backs closed at 05:15)."""
    cal, prov = discover_calendar(resumed_office(0, ends=lambda rng, day: day + 8.25))
    assert cal.weekly_total == pytest.approx(35.0)
    assert cal.rate_at(8.5) == 0.0 and cal.rate_at(9.5) == 1.0
    assert "hours_opened_by_resumed_work" not in prov


def test_ends_all_through_the_night_open_no_morning():
    """Work going on through the night ends at any hour of it: not a morning's resumed work."""
    ev = resumed_office(0, ends=lambda rng, day: day + rng.uniform(0.0, 9.0))
    cal, prov = discover_calendar(ev)
    assert cal.weekly_total == pytest.approx(35.0)
    assert all(cal.rate_at(d * 24.0 + h) == 0.0 for d in range(5) for h in (2.5, 5.5, 8.5))
    assert "hours_opened_by_resumed_work" not in prov
    # a job with a lead time that ends from 01:00 up to the opening: too long for resumed work
    lead = resumed_office(0, ends=lambda rng, day: day + rng.uniform(1.0, 9.0))
    cal_l, prov_l = discover_calendar(lead)
    assert cal_l.weekly_total == pytest.approx(35.0) and cal_l.rate_at(8.5) == 0.0
    assert "hours_opened_by_resumed_work" not in prov_l


# QA's truth (fidelity): specialists on 08:00-12:00 and 13:00-17:00 get their cases from clerks
# who open at 09:00, and the cases left waiting for them overnight mostly leave (patience of 12
# h), so on their mornings they only finish what they began the day before
RESUMED_TRUTH = {
    "name": "resumed in the morning",
    "start": "register",
    "arrivals": {
        "interarrival": {"dist": "exponential", "mean": 2.8},
        "profile": {
            "weekdays": [0] * 7 + [0.5, 1, 2, 2, 2, 1, 2, 2, 2, 1, 0.5, 0.5] + [0] * 5,
        },
    },
    "calendars": {
        "office": {"weekdays": ["09:00-17:00"]},
        "spec": {"weekdays": ["08:00-12:00", "13:00-17:00"]},
    },
    "roles": {
        "clerk": {"headcount": 3, "calendar": "office"},
        "specialist": {"headcount": 2, "calendar": "spec"},
    },
    "steps": {
        "register": {
            "role": "clerk",
            "duration": {"dist": "gamma", "mean": 0.5, "std": 0.25},
            "next": "review",
        },
        "review": {
            "role": "specialist",
            "duration": {"dist": "lognormal", "mean": 1.0, "std": 0.6},
            "patience": {"dist": "exponential", "mean": 12.0},
            "next": "done",
        },
    },
    "ends": {"done": {"success": True}},
}


def test_a_simulated_specialists_mornings_are_recovered():
    trace = run_replication(
        from_dict(RESUMED_TRUTH), Scenario(horizon_days=84, warmup_days=0), seed=1
    )
    log = trace_to_event_log(trace)
    m = calibrate_model(log, dropoff_outcomes=[], seed=0).model
    role = m.roles[m.steps["review"].roles[0]]
    hours = calendar_to_dict(m.calendar_of(role.name))
    day = ["08:00-12:00", "13:00-17:00"]
    assert hours == {d: day for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}
    # measured in those hours, the reviews take their true 1 h (0.88-0.97 with 36 h a week)
    lo, hi = m.steps["review"].duration.provenance["mean_ci95"]
    assert lo <= 1.0 <= hi
