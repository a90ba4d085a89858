"""A note for a log written in UTC: its calendars and arrival hours are UTC hours, and an
office's hours move by one across its change of the clock (``utc_clock_notes``; the zones whose
change explains a shift of the log's working hours are named, to give as ``timezone=``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.eventlog.log import EventLog
from sim.model import columns as C

#: Zones whose clocks change for summer time, one for each usual pair of change dates and offset
#: (the note on a UTC log names those whose change explains a shift of its working hours).
CLOCK_CHANGE_ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "Europe/Helsinki",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Halifax",
    "America/Santiago",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Asia/Jerusalem",
)
# The weeks either side of a change of the clock compared, the starts each side needs, and how
# near the shift of the mean time of day must come to the change (hours) to be put down to it.
CLOCK_CHANGE_WINDOW = "28D"
CLOCK_CHANGE_MIN_EVENTS = 100
CLOCK_CHANGE_TOLERANCE = 0.25
UTC_NOTE = "timestamps carry the UTC offset +00:00 (Z): read as UTC"


def utc_clock_notes(log: EventLog, *, timezone_given: bool) -> list[str]:
    """A note when every timestamp of ``log`` was written in UTC (``Z``, ``+00:00``) and no
    ``timezone=`` chose a clock: calendars and arrival hours are then UTC hours, and an office's
    hours move by one across its change of the clock (``_clock_change`` names the zones whose
    change explains a shift of the log's working hours)."""
    r = log.report
    utc = bool(r.timezone_offsets) and all(k == "+00:00" for k in r.timezone_offsets)
    if timezone_given or not utc or r.timezone_naive_values:
        return []
    note = (
        f"{r.timezone_aware_values:,} {UTC_NOTE}, so calendars, arrival hours and start_date are "
        "UTC hours, not an office's clock"
    )
    change = _clock_change(log.events)
    if change is None:
        return [
            note + " (an office opening at 08:00 in Berlin opens at 07:00 UTC in winter and "
            "06:00 in summer). Pass timezone=<zone> with the office's zone (e.g. "
            "timezone=Europe/Berlin) to read them on its clock."
        ]
    shift, zones = change
    when = " or ".join(f"{', '.join(names)} ({day})" for day, names in zones.items())
    first = next(iter(zones.values()))[0]
    return [
        note + f". The working hours move {abs(shift):.1f} h {'earlier' if shift < 0 else 'later'} "
        f"in UTC across a change of the clock of {when}: in UTC the calendars blur both hours. "
        f"Pass timezone=<zone> with the office's zone (e.g. timezone={first}) to read them on "
        "its clock."
    ]


def _day_hour_mean(times: pd.Series) -> tuple[float, float]:
    """The mean time of day of ``times`` (hours, on the 24-hour circle) and how concentrated
    they are around it (the mean resultant length, 0 to 1)."""
    hours = (times - times.dt.normalize()) / pd.Timedelta(hours=1)
    angle = 2 * np.pi * hours.to_numpy(dtype=float) / 24
    c, s = float(np.cos(angle).mean()), float(np.sin(angle).mean())
    return (math.atan2(s, c) * 24 / (2 * np.pi)) % 24, math.hypot(c, s)


def _change_day(day: pd.Timestamp, zone: str, offset: float) -> str:
    """The local date on which ``zone``'s clock took ``offset`` (hours), within the UTC ``day``
    or at the midnight after it."""
    hours = pd.date_range(day, day + pd.Timedelta(days=1), freq="h").tz_convert(zone)
    new = next(h for h in hours if h.utcoffset() / pd.Timedelta(hours=1) == offset)
    return str(new.date())


def _clock_change(events: pd.DataFrame) -> tuple[float, dict[str, list[str]]] | None:
    """Where the mean time of day of the starts of ``events`` (naive UTC times) moves, from the
    weeks before to the weeks after a change of the clock of ``CLOCK_CHANGE_ZONES``, by what that
    change explains (within ``CLOCK_CHANGE_TOLERANCE``; the times concentrated in a working day):
    the shift (hours) and the zones that explain it by the day of their change; None
    elsewhere."""
    t = events[C.START].fillna(events[C.END]).dropna()
    if len(t) < 2 * CLOCK_CHANGE_MIN_EVENTS:
        return None
    days = pd.date_range(t.min().normalize(), t.max().normalize(), freq="D", tz="UTC")
    window = pd.Timedelta(CLOCK_CHANGE_WINDOW)
    found: dict[str, tuple[float, float, list[str]]] = {}  # day -> residual, shift, zones
    for zone in CLOCK_CHANGE_ZONES:
        local = days.tz_convert(zone)
        offsets = np.array([d.utcoffset() / pd.Timedelta(hours=1) for d in local])
        for i in np.flatnonzero(np.diff(offsets)):
            before_end, after_start = days[i].tz_localize(None), days[i + 1].tz_localize(None)
            before = t[(t >= before_end - window) & (t < before_end)]
            after = t[(t >= after_start) & (t < after_start + window)]
            if min(len(before), len(after)) < CLOCK_CHANGE_MIN_EVENTS:
                continue
            (m0, r0), (m1, r1) = _day_hour_mean(before), _day_hour_mean(after)
            shift = (m1 - m0 + 12) % 24 - 12
            change = offsets[i + 1] - offsets[i]
            if min(r0, r1) >= 0.3 and abs(shift + change) <= CLOCK_CHANGE_TOLERANCE:
                day = _change_day(days[i], zone, offsets[i + 1])
                found.setdefault(day, (abs(shift + change), shift, []))[2].append(zone)
    if not found:
        return None
    # zones changing a few days apart all pass (the data between tell them apart too little to
    # choose): each is named, the best fit's shift is said
    shift = min(found.values())[1]
    return shift, {day: zones for day, (_, _, zones) in found.items()}
