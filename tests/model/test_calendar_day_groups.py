"""Calendar and arrival-profile days named by several keys (QA calendars16 #1, #3): the most
specific key gives a day, whatever the order of the keys; two keys as specific as each other
naming one day are refused; a day a profile leaves out gets no arrivals."""

from __future__ import annotations

import pytest
import yaml

from sim.errors import ModelError
from sim.model.calendar import calendar_from_dict, profile_from_dict

MONDAY_8, MONDAY_16, SATURDAY_11, SATURDAY_16 = 8.5, 16.5, 5 * 24 + 11.5, 5 * 24 + 16.5
FRIDAY_15 = 4 * 24 + 15.5


@pytest.mark.parametrize(
    "spec",
    [
        {"every_day": ["10:00-14:00"], "weekdays": ["09:00-17:00"]},
        {"weekdays": ["09:00-17:00"], "every_day": ["10:00-14:00"]},
    ],
)
def test_weekdays_win_over_every_day_in_either_order(spec):
    cal = calendar_from_dict(spec, where="calendars.office")
    assert cal.weekly_total == pytest.approx(5 * 8 + 2 * 4)  # was 28 h with every_day first
    assert cal.rate_at(MONDAY_16) == 1.0  # weekdays 09-17
    assert cal.rate_at(SATURDAY_11) == 1.0  # weekend 10-14 from every_day
    assert cal.rate_at(SATURDAY_16) == 0.0


@pytest.mark.parametrize(
    "spec",
    [
        {"weekdays": ["09:00-17:00"], "friday": ["09:00-13:00"]},
        {"friday": ["09:00-13:00"], "weekdays": ["09:00-17:00"]},
    ],
)
def test_a_named_day_wins_over_its_group_in_either_order(spec):
    cal = calendar_from_dict(spec, where="calendars.office")
    assert cal.weekly_total == pytest.approx(4 * 8 + 4)
    assert cal.rate_at(FRIDAY_15) == 0.0


def test_an_empty_weekend_closes_it_after_every_day_too():
    cal = calendar_from_dict(
        {"every_day": ["09:00-17:00"], "weekend": []}, where="calendars.office"
    )
    assert cal.weekly_total == pytest.approx(5 * 8)  # every_day alone gave 56 h
    assert cal.rate_at(SATURDAY_11) == 0.0


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        ("{Monday: ['09:00-17:00'], monday: ['09:00-12:00']}", "Monday", "monday"),
        ("{weekdays: ['09:00-17:00'], Weekdays: ['08:00-12:00']}", "weekdays", "Weekdays"),
        ("{every_day: ['09:00-17:00'], EVERY_DAY: ['08:00-12:00']}", "every_day", "EVERY_DAY"),
    ],
)
def test_two_keys_as_specific_naming_one_day_are_refused_by_name(text, first, second):
    with pytest.raises(ModelError, match=rf"calendars\.office: '{first}' and '{second}' both"):
        calendar_from_dict(yaml.safe_load(text), where="calendars.office")
    with pytest.raises(ModelError, match=rf"arrivals\.profile: '{first}' and '{second}' both"):
        profile_from_dict({k: [1.0] * 24 for k in yaml.safe_load(text)}, where="arrivals.profile")


def test_a_profile_takes_the_most_specific_key_in_either_order():
    low, high = [1.0] * 24, [3.0] * 24
    a = profile_from_dict({"every_day": low, "weekdays": high}, where="arrivals.profile")
    b = profile_from_dict({"weekdays": high, "every_day": low}, where="arrivals.profile")
    assert a == b
    assert a.rate_at(MONDAY_8) == pytest.approx(3 * a.rate_at(SATURDAY_11))


def test_a_day_a_profile_leaves_out_gets_no_arrivals():
    p = profile_from_dict({"weekdays": [1.0] * 24}, where="arrivals.profile")
    assert p.rate_at(SATURDAY_11) == 0.0
    assert p.rate_at(MONDAY_8) == pytest.approx(168 / 120)  # the week's arrivals on 5 days
    assert p.weekly_total == pytest.approx(168)
