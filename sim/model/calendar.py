"""Weekly calendars (when staff work) and weekly arrival-rate profiles.

Both are a piecewise-constant rate over the 168 hours of a week, repeated every week:
a calendar has rate 1 while staff work and 0 otherwise; an arrival profile has the relative arrival
rate per hour. ``WeeklyRate`` holds the breakpoints and the cumulative integral so that the two
questions the engine asks are answered exactly in O(log n):

* ``cumulative(t)``: integral of the rate from 0 to ``t`` (working hours elapsed, or arrivals'
  operational time);
* ``inverse(x)``: the earliest ``t`` with ``cumulative(t) >= x`` (when a piece of work that needs
  ``x`` working hours ends; when an arrival in operational time happens in clock time).

Time ``t`` is in hours since Monday 00:00 of the model's first week.
"""

from __future__ import annotations

import bisect
import re
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import ModelError
from sim.model.distributions import number_as_written

HOURS_PER_WEEK = 168.0
ROUNDING_HOURS = 1e-9  # hours: differences below this are floating-point rounding, not time
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_GROUPS = {
    "weekdays": DAYS[:5],
    "weekend": DAYS[5:],
    "every_day": DAYS,
}
#: Which key gives a day named by several (higher wins, whatever their order): a day by its name
#: (above these) over ``weekdays``/``weekend`` over ``every_day``.
_DAY_SPECIFICITY = 3
_GROUP_SPECIFICITY = {"weekdays": 2, "weekend": 2, "every_day": 1}
_TIME = r"(\d{1,2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?"
_SPAN = re.compile(rf"^\s*{_TIME}\s*-\s*{_TIME}\s*$")


@dataclass(frozen=True)
class WeeklyRate:
    """A piecewise-constant weekly rate: ``rates[i]`` holds on ``[breaks[i], breaks[i+1])``."""

    breaks: tuple[float, ...]  # starts 0.0, strictly increasing, all < 168
    rates: tuple[float, ...]

    def __post_init__(self) -> None:
        cum = [0.0]
        ends = (*self.breaks[1:], HOURS_PER_WEEK)
        for b, e, r in zip(self.breaks, ends, self.rates, strict=True):
            cum.append(cum[-1] + (e - b) * r)
        object.__setattr__(self, "_cum", tuple(cum))
        object.__setattr__(self, "_ends", ends)
        object.__setattr__(self, "_open_piece", (0.0, 0.0))  # open_span's memo (clock time)

    @property
    def weekly_total(self) -> float:
        """Integral of the rate over one week (working hours per week, for a calendar)."""
        return self._cum[-1]  # type: ignore[attr-defined]

    @property
    def is_constant(self) -> bool:
        """True when the rate never changes (a 24/7 calendar, a flat profile)."""
        return len(self.rates) == 1

    def rate_at(self, t: float) -> float:
        """The rate at clock time ``t``."""
        r = t % HOURS_PER_WEEK
        return self.rates[bisect.bisect_right(self.breaks, r) - 1]

    def cumulative(self, t: float) -> float:
        """Integral of the rate over ``[0, t]``."""
        weeks, r = divmod(t, HOURS_PER_WEEK)
        i = bisect.bisect_right(self.breaks, r) - 1
        cum = self._cum  # type: ignore[attr-defined]
        return weeks * cum[-1] + cum[i] + (r - self.breaks[i]) * self.rates[i]

    def inverse(self, x: float) -> float:
        """The earliest ``t`` with ``cumulative(t) >= x`` (``x`` >= 0)."""
        cum = self._cum  # type: ignore[attr-defined]
        total = cum[-1]
        if x <= 0:
            return 0.0
        weeks, r = divmod(x, total)
        # Rounding (divmod, sums of minute-based times) can put r a hair past the end of an open
        # piece when x is meant to end exactly there (work that ends at closing time); taken
        # literally, that would move the end to the next opening, hours later. So r within
        # ROUNDING_HOURS of a piece's end counts as that end.
        if r <= ROUNDING_HOURS and weeks > 0:  # at a week boundary: end of the previous week's work
            weeks -= 1
            r += total
        # first piece whose cumulative end reaches r (skipping zero-rate pieces)
        i = bisect.bisect_left(cum, r - ROUNDING_HOURS, 1) - 1
        while self.rates[i] == 0.0:
            i += 1
        end = self._ends[i]  # type: ignore[attr-defined]
        return weeks * HOURS_PER_WEEK + min(self.breaks[i] + (r - cum[i]) / self.rates[i], end)

    def next_positive(self, t: float) -> float:
        """The earliest time >= ``t`` at which the rate is positive (a shift is open)."""
        return self.open_span(t)[0]

    def open_span(self, t: float) -> tuple[float, float]:
        """``(opens, closes)``: the earliest time >= ``t`` with a positive rate, and the end of
        the piece of the week that holds it (a shift may go on past ``closes`` in the next
        piece; ``closes`` only promises that the rate does not change before it)."""
        lo, hi = self._open_piece  # type: ignore[attr-defined]
        if lo <= t < hi:  # the piece the last call found open: the engine asks in time order
            return t, hi
        weeks, r = divmod(t, HOURS_PER_WEEK)
        i = bisect.bisect_right(self.breaks, r) - 1
        ends = self._ends  # type: ignore[attr-defined]
        if self.rates[i] > 0:
            lo = weeks * HOURS_PER_WEEK + self.breaks[i]
            hi = weeks * HOURS_PER_WEEK + ends[i]
            object.__setattr__(self, "_open_piece", (lo, hi))
            return t, hi
        n = len(self.rates)
        for k in range(1, n + 1):
            j = (i + k) % n
            if self.rates[j] > 0:
                base = weeks * HOURS_PER_WEEK + (HOURS_PER_WEEK if i + k >= n else 0.0)
                return base + self.breaks[j], base + ends[j]
        raise ModelError("calendar has no working time")  # unreachable after validation

    def opens_at(self, t: float) -> bool:
        """Whether the calendar opens at exactly ``t``: an open piece of the week starts there
        and the piece before it is closed. Called at every staffed step of a run, right after
        ``open_span(t)``: inside the open piece that call found, it answers at once."""
        lo, hi = self._open_piece  # type: ignore[attr-defined]
        if lo < t < hi:
            return False
        weeks, r = divmod(t, HOURS_PER_WEEK)
        i = bisect.bisect_right(self.breaks, r) - 1
        return self.breaks[i] == r and self.rates[i] > 0 and self.rates[i - 1] <= 0

    def cumulative_array(self, t: np.ndarray) -> np.ndarray:
        """Vectorised ``cumulative`` for KPI code."""
        t = np.asarray(t, dtype=float)
        weeks, r = np.divmod(t, HOURS_PER_WEEK)
        breaks = np.asarray(self.breaks)
        rates = np.asarray(self.rates)
        cum = np.asarray(self._cum)  # type: ignore[attr-defined]
        i = np.searchsorted(breaks, r, side="right") - 1
        return weeks * cum[-1] + cum[i] + (r - breaks[i]) * rates[i]

    def intersect(self, other: WeeklyRate) -> WeeklyRate:
        """The calendar open when both are (product of 0/1 rates)."""
        points = sorted(set(self.breaks) | set(other.breaks))
        rates = [self.rate_at(p) * other.rate_at(p) for p in points]
        return _compress(points, rates)

    def union(self, other: WeeklyRate) -> WeeklyRate:
        """The calendar open when either is (maximum of 0/1 rates)."""
        points = sorted(set(self.breaks) | set(other.breaks))
        rates = [max(self.rate_at(p), other.rate_at(p)) for p in points]
        return _compress(points, rates)

    def intervals(self) -> list[tuple[float, float, float]]:
        """``(start, end, rate)`` pieces over one week."""
        return list(zip(self.breaks, self._ends, self.rates, strict=True))  # type: ignore[attr-defined]


def slot_exposure(lo: float, hi: float, period: int = 168) -> np.ndarray:
    """Hours of observation of each hour-slot of a ``period`` (24 or 168 hours, slot 0 starting
    at hour 0) between ``lo`` and ``hi`` (hours), fractional at both ends: how often each hour
    of the week (or day) was seen, to turn counts into rates."""
    out = np.zeros(period)
    if not hi > lo:
        return out
    h = np.arange(np.floor(lo), np.ceil(hi))
    overlap = np.minimum(h + 1.0, hi) - np.maximum(h, lo)
    np.add.at(out, h.astype(np.int64) % period, np.clip(overlap, 0.0, 1.0))
    return out


def observed_span(arrivals: np.ndarray) -> tuple[float, float]:
    """The window a list of arrival times (hours) observes: first to last arrival, widened by
    half a mean gap at each end (an arrival process is seen a little before its first and after
    its last arrival); at least one hour wide."""
    a = np.asarray(arrivals, dtype=float)
    lo, hi = float(a.min()), float(a.max())
    half_gap = 0.5 * (hi - lo) / max(a.size - 1, 1)
    lo, hi = lo - half_gap, hi + half_gap
    if hi - lo < 1.0:
        mid = 0.5 * (lo + hi)
        lo, hi = mid - 0.5, mid + 0.5
    return lo, hi


def week_offset(start_date: str) -> float:
    """Hours from Monday 00:00 to ``start_date`` (the clock's zero) within its week."""
    from datetime import datetime

    d = datetime.fromisoformat(start_date)
    return d.weekday() * 24.0 + d.hour + d.minute / 60.0 + d.second / 3600.0


def _compress(points: list[float], rates: list[float]) -> WeeklyRate:
    b: list[float] = []
    r: list[float] = []
    for p, x in zip(points, rates, strict=True):
        if r and r[-1] == x:
            continue
        b.append(p)
        r.append(x)
    return WeeklyRate(tuple(b), tuple(r))


ALWAYS = WeeklyRate((0.0,), (1.0,))


def _parse_span(where: str, text: Any) -> tuple[float, float]:
    m = _SPAN.match(str(text))
    if not m:
        raise ModelError(f"{where}: expected a time span like '09:00-17:00', got {text!r}")
    h1, m1, s1, h2, m2, s2 = m.groups()
    sec1, sec2 = float(s1 or 0), float(s2 or 0)
    start = int(h1) + int(m1) / 60 + sec1 / 3600
    end = int(h2) + int(m2) / 60 + sec2 / 3600
    if not (
        0 <= start < 24
        and 0 < end <= 24
        and int(m1) < 60
        and int(m2) < 60
        and sec1 < 60
        and sec2 < 60
    ):
        raise ModelError(f"{where}: times must be within 00:00-24:00, got {text!r}")
    if end <= start:
        a, b = str(text).split("-", 1)
        a, b = a.strip(), b.strip()
        hint = f"a night shift is two spans: '{a}-24:00' and the next day's '00:00-{b}'"
        if end < start:
            hint += f"; or did you mean '{b}-{a}'?"
        raise ModelError(f"{where}: a span must end after it starts, got {text!r} ({hint})")
    return start, end


def _day_keys(where: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Each day and the key of ``spec`` that gives its value, as the file writes it: the most
    specific key naming the day, whatever the order of the keys (``friday`` over ``weekdays``
    over ``every_day``). Two keys as specific as each other naming one day (``Monday`` and
    ``monday``) are refused, as is an unknown key."""
    chosen: dict[str, Any] = {}
    rank: dict[str, int] = {}
    for key in spec:
        k = str(key).lower()
        if k in DAYS:
            named, specificity = (k,), _DAY_SPECIFICITY
        elif k in DAY_GROUPS:
            named, specificity = DAY_GROUPS[k], _GROUP_SPECIFICITY[k]
        else:
            raise ModelError(
                f"{where}: unknown day '{key}'; expected one of {list(DAYS) + list(DAY_GROUPS)}"
            )
        for d in named:
            if rank.get(d, 0) == specificity:
                raise ModelError(
                    f"{where}: '{chosen[d]}' and '{key}' both give {d}; keep one of them"
                )
            if rank.get(d, 0) < specificity:
                chosen[d], rank[d] = key, specificity
    return {d: chosen[d] for d in DAYS if d in chosen}


def calendar_from_dict(spec: Any, *, where: str) -> WeeklyRate:
    """Parse ``{weekdays: ['09:00-17:00'], saturday: ['10:00-14:00']}`` or ``'24/7'``.

    A day named by several keys works the spans of the most specific, whatever their order:
    ``{every_day: ['10:00-14:00'], weekdays: ['09:00-17:00']}`` is 09-17 on weekdays and 10-14
    at the weekend.

    A calendar given no days (``office:`` with its lines commented out reads as null) has no
    working time, as ``office: {}`` has; it is refused, not read as 24/7."""
    if spec is None:
        raise ModelError(
            f"{where}: the calendar has no working time (it is empty); give spans like "
            "{weekdays: ['09:00-17:00']}, or use the built-in '24/7'"
        )
    if isinstance(spec, str) and spec in ("24/7", "always"):
        return ALWAYS
    if not isinstance(spec, dict):
        raise ModelError(
            f"{where}: expected a mapping of days to spans like "
            "{weekdays: ['09:00-17:00']} or the string '24/7'"
        )
    written = _day_keys(where, spec)
    days = {d: spec[key] for d, key in written.items()}
    pieces: list[tuple[float, float]] = []
    overlaps: dict[str, None] = {}  # once per key as written ('weekdays', not each day)
    for d, spans in days.items():
        if spans in (None, [], ()):
            continue
        if isinstance(spans, str):
            spans = [spans]
        if not isinstance(spans, list | tuple):
            raise ModelError(
                f"{where}.{written.get(d, d)}: expected a list of time spans like "
                f"['09:00-17:00'], got {spans!r}"
            )
        offset = DAYS.index(d) * 24.0
        day: list[tuple[float, float, Any]] = []
        for s in spans:
            a, b = _parse_span(f"{where}.{written.get(d, d)}", s)
            day.append((a, b, s))
            pieces.append((offset + a, offset + b))
        day.sort(key=lambda x: x[:2])
        for (_, b1, s1), (a2, _, s2) in zip(day, day[1:], strict=False):
            if a2 < b1:  # '09:00-12:30', '12:00-17:00': a typo for a lunch break?
                overlaps[
                    f"{where}.{written.get(d, d)}: spans '{s1}' and '{s2}' overlap, so they are "
                    "one stretch of work (a break between them meant?)"
                ] = None
    for text in overlaps:
        warnings.warn(CalendarOverlapWarning(text), stacklevel=2)
    return calendar_from_pieces(pieces, where=where)


class CalendarOverlapWarning(UserWarning):
    """Spans of one day of a calendar that overlap (merged into one stretch): ``python -m sim``
    prints it as a note, since it is often a typo for a break."""


def calendar_from_pieces(pieces: list[tuple[float, float]], *, where: str) -> WeeklyRate:
    """The calendar open on the union of ``(start, end)`` pieces, in hours since Monday 00:00
    (overlapping or touching pieces merge; an end at 168 closes the week)."""
    if not pieces:
        raise ModelError(f"{where}: the calendar has no working time")
    merged: list[list[float]] = []
    for a, b in sorted(pieces):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    toggles: dict[float, float] = {0.0: 0.0}
    for a, b in merged:
        toggles[a] = 1.0
        if b < HOURS_PER_WEEK:
            toggles[b] = 0.0
    points = sorted(toggles)
    return _compress(points, [toggles[x] for x in points])


def calendar_to_dict(cal: WeeklyRate) -> Any:
    """Inverse of ``calendar_from_dict`` (per-day spans)."""
    if cal.is_constant and cal.rates[0] > 0:
        return "24/7"
    out: dict[str, list[str]] = {}
    for start, end, rate in cal.intervals():
        if rate == 0:
            continue
        t = start
        while t < end:
            day = int(t // 24)
            day_end = min(end, (day + 1) * 24.0)
            out.setdefault(DAYS[day], []).append(
                f"{_hhmm(t - day * 24)}-{_hhmm(day_end - day * 24)}"
            )
            t = day_end
    return out


def _hhmm(h: float) -> str:
    """``HH:MM``, or ``HH:MM:SS.ffffff`` when the time is not on a whole minute (imported models)."""
    minutes = round(h * 60)
    if abs(h * 60 - minutes) < 1e-9:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    whole = int(h * 60)
    seconds = (h * 60 - whole) * 60
    return f"{whole // 60:02d}:{whole % 60:02d}:{seconds:09.6f}"


def profile_from_dict(spec: Any, *, where: str) -> WeeklyRate:
    """Parse an hour-of-day x weekday arrival-rate profile.

    ``{weekdays: [24 numbers], saturday: [24 numbers]}``; days not given have rate 0, and a day
    named by several keys takes the rates of the most specific (as in ``calendar_from_dict``).
    The profile is normalised to mean 1 over the week, so it redistributes arrivals without
    changing their average rate.
    """
    if not isinstance(spec, dict):
        raise ModelError(f"{where}: expected a mapping of days to 24 hourly relative rates")
    if "pieces" in spec:
        return _profile_from_pieces(spec, where=where)
    written = _day_keys(where, spec)
    days = {d: spec[key] for d, key in written.items()}
    rates = [0.0] * 168
    for d, values in days.items():
        w = f"{where}.{written.get(d, d)}"
        if not isinstance(values, list | tuple) or len(values) != 24:
            raise ModelError(f"{w}: expected a list of 24 hourly rates")
        for h, v in enumerate(values):
            x = _rate(f"{w}[{h}]", v)
            if not np.isfinite(x) or x < 0:
                raise ModelError(f"{w}[{h}]: rates must be finite and >= 0, got {v!r}")
            rates[DAYS.index(d) * 24 + h] = x
    total = sum(rates)
    if total <= 0:
        raise ModelError(f"{where}: the arrival profile is zero everywhere")
    mean = total / 168.0
    if abs(mean - 1.0) > 1e-12:  # keep an already-normalised profile bit-identical (round trips)
        rates = [r / mean for r in rates]
    return _compress([float(h) for h in range(168)], rates)


def _rate(where: str, value: Any) -> float:
    """A number of a profile as written: ``true`` (1 to ``float``) and text in quotes are
    refused, as for distribution parameters."""
    return number_as_written(f"{where}: expected", value)


def _profile_from_pieces(spec: dict[str, Any], *, where: str) -> WeeklyRate:
    """``{pieces: [[hour_of_week, rate], ...]}``: rate from each start to the next (exact form)."""
    if set(spec) != {"pieces"}:
        raise ModelError(
            f"{where}: 'pieces' cannot be combined with days {sorted(set(spec) - {'pieces'})}"
        )
    raw = spec["pieces"]
    if not isinstance(raw, list | tuple) or not raw:
        raise ModelError(f"{where}.pieces: expected a list of [hour_of_week, rate] pairs")
    points: list[float] = []
    rates: list[float] = []
    for i, item in enumerate(raw):
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise ModelError(f"{where}.pieces[{i}]: expected [hour_of_week, rate], got {item!r}")
        h, r = (_rate(f"{where}.pieces[{i}][{j}]", x) for j, x in enumerate(item))
        if not (0 <= h < HOURS_PER_WEEK) or not np.isfinite(r) or r < 0:
            raise ModelError(
                f"{where}.pieces[{i}]: need 0 <= hour_of_week < 168 and a rate >= 0, got {item!r}"
            )
        if points and h <= points[-1]:
            raise ModelError(
                f"{where}.pieces[{i}]: hours must increase, got {h} after {points[-1]}"
            )
        points.append(h)
        rates.append(r)
    if points[0] != 0.0:
        raise ModelError(f"{where}.pieces: the first piece must start at hour 0 (Monday 00:00)")
    rate = WeeklyRate(tuple(points), tuple(rates))
    total = rate.weekly_total
    if total <= 0:
        raise ModelError(f"{where}: the arrival profile is zero everywhere")
    mean = total / HOURS_PER_WEEK
    if abs(mean - 1.0) > 1e-12:
        rate = WeeklyRate(rate.breaks, tuple(r / mean for r in rate.rates))
    return rate


def profile_to_dict(profile: WeeklyRate) -> dict[str, Any]:
    """Inverse of ``profile_from_dict``: 24 rates per day, or exact ``pieces`` when the profile
    changes other than on the hour (e.g. imported from a Prosimos arrival calendar)."""
    if any(b != int(b) for b in profile.breaks):
        return {
            "pieces": [
                [float(b), float(r)] for b, r in zip(profile.breaks, profile.rates, strict=True)
            ]
        }
    return {d: [profile.rate_at(i * 24 + h + 0.5) for h in range(24)] for i, d in enumerate(DAYS)}
