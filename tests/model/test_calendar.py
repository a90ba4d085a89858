"""Weekly calendars and arrival profiles: exact values at shift boundaries and across weeks, and
properties of ``cumulative``/``inverse``/``next_positive``/``open_span``/``intersect``
(hypothesis).

Time is hours since Monday 00:00. Quarter-hour calendars and times on a 1/64 h grid are exact in
binary floating point, so the properties on them are asserted with ``==``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from model_strategies import weekly_calendars

from sim.model.calendar import (
    ALWAYS,
    calendar_from_dict,
    calendar_to_dict,
    profile_from_dict,
    profile_to_dict,
    week_offset,
)

W = 168.0
OFFICE = calendar_from_dict({"weekdays": ["09:00-17:00"]}, where="office")  # 40 h a week
# Sunday 22:00 to Monday 02:00 across the week boundary, and Wednesday 10:00-12:00.
NIGHT = calendar_from_dict(
    {"sunday": ["22:00-24:00"], "monday": ["00:00-02:00"], "wednesday": ["10:00-12:00"]},
    where="night",
)


def test_office_cumulative():
    assert OFFICE.weekly_total == 40.0
    cases = {
        0: 0,
        9: 0,  # opening
        10: 1,
        17: 8,  # closing
        20: 8,
        33: 8,  # Tuesday opening
        34: 9,
        4 * 24 + 17: 40,  # Friday closing
        W: 40,
        W + 10: 41,
        3 * W + 12.5: 123.5,
    }
    for t, x in cases.items():
        assert OFFICE.cumulative(t) == x, t
    assert OFFICE.cumulative_array(np.array(list(cases), dtype=float)).tolist() == list(
        map(float, cases.values())
    )


def test_office_inverse_is_the_earliest_time():
    assert OFFICE.inverse(0) == 0.0
    assert OFFICE.inverse(1) == 10.0
    assert OFFICE.inverse(8) == 17.0  # work that ends at closing ends at 17:00, not next morning
    assert OFFICE.inverse(8.5) == 33.5
    assert OFFICE.inverse(40) == 4 * 24 + 17  # end of Friday, not the next Monday
    assert OFFICE.inverse(40.5) == W + 9.5
    assert OFFICE.inverse(80) == W + 4 * 24 + 17
    assert OFFICE.inverse(1e-9) == pytest.approx(9.0)


def test_office_next_positive_and_rate_at_boundaries():
    assert OFFICE.rate_at(9) == 1 and OFFICE.rate_at(17) == 0 and OFFICE.rate_at(8.99) == 0
    assert OFFICE.next_positive(8) == 9
    assert OFFICE.next_positive(9) == 9
    assert OFFICE.next_positive(16.5) == 16.5
    assert OFFICE.next_positive(17) == 33  # closed at 17:00 sharp
    assert OFFICE.next_positive(4 * 24 + 16.75) == 4 * 24 + 16.75
    assert OFFICE.next_positive(4 * 24 + 17) == W + 9  # Friday evening -> next Monday
    assert OFFICE.next_positive(5 * 24 + 12) == W + 9  # Saturday
    assert OFFICE.next_positive(W - 0.25) == W + 9
    assert OFFICE.next_positive(2 * W + 3) == 2 * W + 9


def test_week_wrap_around_shift():
    assert NIGHT.weekly_total == 6.0
    assert NIGHT.breaks == (0.0, 2.0, 58.0, 60.0, 166.0)
    assert NIGHT.rates == (1.0, 0.0, 1.0, 0.0, 1.0)
    assert NIGHT.cumulative(1) == 1
    assert NIGHT.cumulative(167) == 5
    assert NIGHT.cumulative(W) == 6
    assert NIGHT.cumulative(W + 1) == 7
    # Work of 1 h started Sunday 23:00 ends Monday 00:00 of the next week; 2 h -> 01:00.
    assert NIGHT.inverse(NIGHT.cumulative(167) + 1) == W
    assert NIGHT.inverse(NIGHT.cumulative(167) + 2) == W + 1
    assert NIGHT.inverse(6) == W  # exactly a week of work: Sunday 24:00
    assert NIGHT.inverse(2) == 2.0  # end of Monday's piece, not Wednesday
    assert NIGHT.next_positive(167.5) == 167.5
    assert NIGHT.next_positive(W) == W
    assert NIGHT.next_positive(3) == 58
    assert NIGHT.next_positive(61) == 166
    assert NIGHT.next_positive(W + 61) == W + 166


def test_work_ending_exactly_at_a_minute_closing_time():
    # 09:00-17:20 is not exact in binary. A full shift of work (8 h 20 min) from the opening,
    # or the last 30 minutes from 16:50, must end at 17:20 that day, in every week, not at the
    # next opening because of a rounding error.
    cal = calendar_from_dict({"weekdays": ["09:00-17:20"]}, where="c")
    closing = 17 + 20 / 60
    for week in range(60):
        for day in range(5):
            base = week * W + day * 24
            assert cal.inverse(cal.cumulative(base + 9) + 500 / 60) == pytest.approx(base + closing)
            assert cal.inverse(cal.cumulative(base + 16 + 50 / 60) + 0.5) == pytest.approx(
                base + closing
            )
    # A whole week of work from Monday 00:00 ends on Friday at closing time.
    assert cal.inverse(cal.weekly_total) == pytest.approx(4 * 24 + closing)
    assert cal.inverse(3 * cal.weekly_total) == pytest.approx(2 * W + 4 * 24 + closing)


def test_always():
    assert ALWAYS.is_constant and ALWAYS.weekly_total == W
    assert ALWAYS.inverse(1234.5) == 1234.5 and ALWAYS.cumulative(7.25) == 7.25
    assert ALWAYS.next_positive(3.5) == 3.5
    assert calendar_from_dict("24/7", where="x") is ALWAYS
    assert calendar_to_dict(ALWAYS) == "24/7"


def test_intersect():
    support = calendar_from_dict(
        {"weekdays": ["08:00-18:00"], "saturday": ["09:00-13:00"]}, where="support"
    )
    assert OFFICE.intersect(support) == OFFICE
    lunch = calendar_from_dict({"weekdays": ["11:00-15:00"]}, where="l")
    both = OFFICE.intersect(lunch)
    assert both == lunch
    morning = calendar_from_dict({"monday": ["06:00-10:00"]}, where="m")
    assert OFFICE.intersect(morning).intervals() == [
        (0.0, 9.0, 0.0),
        (9.0, 10.0, 1.0),
        (10.0, W, 0.0),
    ]
    assert OFFICE.intersect(NIGHT).weekly_total == 2.0  # Wednesday 10:00-12:00
    assert ALWAYS.intersect(OFFICE) == OFFICE


def test_days_groups_and_explicit_days():
    cal = calendar_from_dict(
        {"weekdays": ["09:00-17:00"], "friday": ["09:00-12:00"], "weekend": []}, where="c"
    )
    assert cal.weekly_total == 4 * 8 + 3  # an explicit day wins over its group
    assert calendar_from_dict({"every_day": ["00:00-24:00"]}, where="c") == ALWAYS
    spans = calendar_from_dict({"monday": ["09:00-12:00", "11:00-13:00"]}, where="c")
    assert spans.intervals()[1] == (9.0, 13.0, 1.0)  # overlapping spans merge


def test_calendar_to_dict_round_trip():
    for cal in (OFFICE, NIGHT):
        assert calendar_from_dict(calendar_to_dict(cal), where="x") == cal
    assert calendar_to_dict(NIGHT) == {
        "monday": ["00:00-02:00"],
        "wednesday": ["10:00-12:00"],
        "sunday": ["22:00-24:00"],
    }


def test_profile_is_normalised_to_mean_one_and_round_trips():
    p = profile_from_dict({"weekdays": [0] * 9 + [2] * 8 + [0] * 7}, where="p")
    assert p.weekly_total == pytest.approx(W)
    assert p.rate_at(10) == pytest.approx(W / 40) and p.rate_at(20) == 0
    assert profile_from_dict(profile_to_dict(p), where="p") == p
    # Operational time: half of one day's arrivals (1/10 of the week) by Monday 13:00.
    assert p.inverse(W / 10) == pytest.approx(13.0)


@pytest.mark.parametrize(
    ("date", "hours"),
    [
        ("2026-01-05T00:00:00", 0.0),
        ("2026-01-07T12:00:00", 60.0),
        ("2026-01-10T00:00:00", 120.0),
        ("2026-01-11T23:30:00", 167.5),
        ("2026-03-02T08:15:36", 8.26),
    ],
)
def test_week_offset(date, hours):
    assert week_offset(date) == pytest.approx(hours)


# ------------------------------------------------------------------------------- properties
@st.composite
def quarter_hour_calendars(draw):
    pieces = {}
    for day in draw(
        st.lists(
            st.sampled_from(
                ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
            ),
            min_size=1,
            max_size=7,
            unique=True,
        )
    ):
        spans = []
        for _ in range(draw(st.integers(1, 3))):
            a = draw(st.integers(0, 95))
            b = draw(st.integers(a + 1, 96))
            spans.append(f"{a // 4:02d}:{a % 4 * 15:02d}-{b // 4:02d}:{b % 4 * 15:02d}")
        pieces[day] = spans
    return calendar_from_dict(pieces, where="hyp")


grid_times = st.integers(0, 5 * 168 * 64).map(lambda k: k / 64)  # exact binary fractions
PROPS = settings(max_examples=300, deadline=None)


@PROPS
@given(quarter_hour_calendars(), grid_times)
def test_inverse_of_cumulative_is_at_most_t(cal, t):
    x = cal.cumulative(t)
    back = cal.inverse(x)
    assert back <= t
    assert cal.cumulative(back) == x  # nothing is worked between inverse(cumulative(t)) and t


@PROPS
@given(quarter_hour_calendars(), st.integers(1, 5 * 168 * 64).map(lambda k: k / 64))
def test_cumulative_of_inverse_is_x_and_inverse_is_earliest(cal, x):
    t = cal.inverse(x)
    assert cal.cumulative(t) == x
    # The earliest such time: the last bit of work was done just before it.
    assert cal.rate_at(t - 1 / 1024) > 0
    assert cal.cumulative(t - 1 / 1024) < x


@PROPS
@given(quarter_hour_calendars(), grid_times)
def test_next_positive(cal, t):
    n = cal.next_positive(t)
    assert t <= n < t + W
    assert cal.rate_at(n) > 0
    assert cal.cumulative(n) == cal.cumulative(t)  # closed all the way from t to n
    if cal.rate_at(t) > 0:
        assert n == t


@PROPS
@given(quarter_hour_calendars(), grid_times, st.integers(0, 2 * 168 * 64).map(lambda k: k / 64))
def test_open_span_and_work_that_ends_before_closing(cal, t, d):
    opens, closes = cal.open_span(t)
    assert opens == cal.next_positive(t)
    assert opens < closes <= opens + W
    # open all the way from opens to closes: work of d hours started at opens ends at opens + d
    # while that is before closes (the engine's shortcut for inverse(cumulative(...) + d))
    assert cal.cumulative(closes) - cal.cumulative(opens) == closes - opens
    if opens + d <= closes:
        assert cal.inverse(cal.cumulative(opens) + d) == opens + d or d == 0


@PROPS
@given(quarter_hour_calendars(), grid_times, grid_times)
def test_cumulative_is_monotone_and_periodic(cal, s, t):
    lo, hi = min(s, t), max(s, t)
    assert cal.cumulative(lo) <= cal.cumulative(hi)
    assert cal.cumulative(t + W) == cal.cumulative(t) + cal.weekly_total
    assert cal.cumulative(hi) - cal.cumulative(lo) <= hi - lo
    assert cal.cumulative_array(np.array([lo, hi])).tolist() == [
        cal.cumulative(lo),
        cal.cumulative(hi),
    ]


@PROPS
@given(quarter_hour_calendars(), quarter_hour_calendars(), grid_times)
def test_intersect_is_open_when_both_are(a, b, t):
    both = a.intersect(b)
    assert both.rate_at(t) == a.rate_at(t) * b.rate_at(t)
    assert both == b.intersect(a)
    assert both.weekly_total <= min(a.weekly_total, b.weekly_total)
    assert a.intersect(a) == a


@PROPS
@given(weekly_calendars(), st.floats(0, 10 * W, allow_nan=False))
def test_minute_calendars_any_time(spec, t):
    # Minute-resolution spans and arbitrary times: the same laws up to rounding (1e-9 h).
    cal = calendar_from_dict(spec, where="hyp")
    back = cal.inverse(cal.cumulative(t))
    assert back <= t + 1e-9
    assert cal.cumulative(back) == pytest.approx(cal.cumulative(t), abs=1e-9)
    n = cal.next_positive(t)
    # Open from n on; rate_at(n) itself may read the closed piece when the week arithmetic puts
    # n one rounding error before a minute-based opening (the engine only uses cumulative).
    assert n >= t and cal.cumulative(n + 1e-6) > cal.cumulative(n)
    assert cal.cumulative(n) == pytest.approx(cal.cumulative(t), abs=1e-9)
    assert calendar_from_dict(calendar_to_dict(cal), where="rt") == cal


@PROPS
@given(
    st.lists(st.integers(0, 5), min_size=24, max_size=24).filter(any),
    st.floats(0.01, 3 * W, allow_nan=False),
)
def test_profiles_cumulative_and_inverse(day, x):
    p = profile_from_dict({"weekdays": day, "sunday": day}, where="p")
    assert p.weekly_total == pytest.approx(W)
    t = p.inverse(x)
    assert p.cumulative(t) == pytest.approx(x, rel=1e-12, abs=1e-9)
    assert p.rate_at(t - 1e-6) > 0


def test_the_union_of_two_calendars_is_open_when_either_is():
    office = calendar_from_dict({"weekdays": ["09:00-17:00"]}, where="office")
    late = calendar_from_dict({"every_day": ["14:00-20:00"]}, where="late")
    both = office.union(late)
    assert both.weekly_total == pytest.approx(5 * 11 + 2 * 6)  # weekdays 09-20, weekends 14-20
    assert [both.rate_at(h) for h in (8.5, 9.0, 16.0, 19.5, 20.0)] == [0, 1, 1, 1, 0]
    assert late.union(late) == late
