"""Notes on a log's clock that reading alone cannot give: a log written in UTC has UTC calendars
and arrival hours, and an office's hours move by one across its change of the clock
(``utc_clock_notes``; the zones whose change explains a shift of the log's working hours are
named, to give as ``timezone=``). The same shift in times written without an offset says they
are UTC times too, which ``timezone=`` cannot move (a time without an offset is read as
written)."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.eventlog.log import CleaningReport, EventLog
from sim.eventlog.timestamps import WRITTEN
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
#: Starts sampled to say where a zone's clock puts the middle of the working day.
CENTRE_SAMPLE = 100_000
#: Words of every note of ``utc_clock_notes`` (``python -m sim calibrate`` prints the notes that
#: hold them on the console).
UTC_NOTE = "so calendars, arrival hours and start_date are"
#: Names of UTC itself that a time zone aware column (parquet, XES) may carry as its zone.
UTC_NAMES = frozenset(
    {"UTC", "Z", "UCT", "GMT", "Zulu", "Universal", "Etc/UTC", "Etc/UCT", "Etc/GMT", "Etc/Zulu"}
    | {"Etc/Universal", "Etc/Greenwich", "Greenwich", "GMT0", "Etc/GMT0", "Etc/GMT+0"}
)


def is_utc(key: str) -> bool:
    """Whether ``key``, an offset of the cleaning report's ``timezone_offsets`` ('+00:00', a
    zone aware column's 'UTC', Unix time's '+00:00 (Unix time)'), is UTC itself."""
    return key.startswith(("+00:00", "-00:00")) or key in UTC_NAMES


def offset_hours(key: str) -> float | None:
    """Hours east of UTC of an offset of the cleaning report's ``timezone_offsets`` ('+02:00',
    'UTC'); None for a zone of several offsets (a parquet column's 'Europe/Amsterdam')."""
    if is_utc(key):
        return 0.0
    m = re.fullmatch(r"([+-])(\d{2}):(\d{2})", key)
    if m is None:
        return None
    return (1 if m[1] == "+" else -1) * (int(m[2]) + int(m[3]) / 60)


def apart_text(offsets: dict[str, int]) -> str:
    """Which of ``offsets`` (offset -> values, more than an hour apart) lie more than an hour
    from the most values within one hour of each other, with their counts: 'the 50 at +00:00
    lie more than an hour from the other 8,950, at +01:00 and +02:00'; '' when an offset is a
    zone's name."""
    hours = {k: offset_hours(k) for k in offsets}
    if any(h is None for h in hours.values()):
        return ""

    def within(low: float) -> list[str]:
        return [k for k, h in hours.items() if low <= h <= low + 1]

    main = max((within(h) for h in hours.values()), key=lambda ks: sum(offsets[k] for k in ks))
    rest = sorted((k for k in offsets if k not in main), key=hours.__getitem__)
    n_main, n_rest = sum(offsets[k] for k in main), sum(offsets[k] for k in rest)
    some = "the value at" if n_rest == 1 else f"the {n_rest:,} at"
    return (
        f"{some} {' and '.join(rest)} {'lies' if n_rest == 1 else 'lie'} more than an hour "
        f"from the other {n_main:,}, at {' and '.join(sorted(main, key=hours.__getitem__))}"
    )


def written_in_utc(report: CleaningReport) -> str | None:
    """How every timestamp of a log was written in UTC, for a note: 'Z' (text with Z or
    +00:00), 'a UTC column' (a zone aware column in UTC), 'Unix time', or those joined; None
    when some value carried another offset or none."""
    keys = report.timezone_offsets
    if not keys or report.timezone_naive_values or not all(is_utc(k) for k in keys):
        return None
    kinds = (
        "Unix time" if "Unix time" in k else "Z" if k[:1] in "+-" else "a UTC column" for k in keys
    )
    return " and ".join(dict.fromkeys(kinds))


def utc_clock_notes(log: EventLog, *, timezone_given: bool) -> list[str]:
    """Notes on the clock of ``log`` that its reading could not give (each holds ``UTC_NOTE``):

    * every timestamp written in UTC (``Z``, ``+00:00``, a UTC column, Unix time) and no
      ``timezone=`` chose a clock: calendars and arrival hours are then UTC hours, and an
      office's hours move by one across its change of the clock (``_clock_changes`` names the
      zones whose change explains a shift of the log's working hours, and says where each puts
      the working day);
    * every timestamp written without an offset: a ``timezone=`` zone read them as times of its
      clock (their hours as written, an event across its change keeping its exact duration),
      or moved none of them (UTC, or none it could place), and working hours that move across
      a change of the clock say they are UTC times (which only an offset written with each lets
      ``timezone=`` read on an office's clock).
    """
    r = log.report
    if not r.timezone_aware_values and r.timezone_naive_values:
        return _naive_notes(log, timezone_given=timezone_given)
    how = written_in_utc(r)
    if timezone_given or how is None:
        return []
    note = (
        f"{r.timezone_aware_values:,} timestamps carry the UTC offset +00:00 ({how}): read as "
        f"UTC, {UTC_NOTE} UTC hours, not an office's clock"
    )
    t = _starts(log.events)
    changes = _clock_changes(t)
    if not changes:
        return [
            note + " (an office opening at 08:00 in Berlin opens at 07:00 UTC in winter and "
            "06:00 in summer). Pass timezone=<zone> with the office's zone (e.g. "
            "timezone=Europe/Berlin) to read them on its clock."
        ]
    return [
        note + f". {_moves_text(changes, ' in UTC')}: in UTC the calendars blur both hours. "
        "Pass timezone=<zone> with the office's zone to read them on its clock "
        f"({_centres_text(t, changes)})."
    ]


def _naive_notes(log: EventLog, *, timezone_given: bool) -> list[str]:
    """The notes of ``utc_clock_notes`` on a log whose timestamps carry no offset."""
    r = log.report
    n = r.timezone_naive_values
    said = []
    if timezone_given and r.clock != WRITTEN and r.timezone_zoned_values:
        # the zone's clock placed them: an event across its change keeps its exact duration
        # (QA rt28_calib F4: '01:40' to '03:20' the night the clocks went forward lasted 40
        # minutes, and this note said the zone moved no time)
        rest = n - r.timezone_zoned_values
        said.append(
            f"timezone={r.clock} read the {n:,} timestamps, none of which carries a UTC offset, "
            "as times of its clock"
            + (
                f" ({rest:,} in an hour that clock repeats or skips taken as written)"
                if rest
                else ""
            )
            + f": {UTC_NOTE} the hours as written, and an event across a change of that clock "
            "keeps its exact duration, not its duration as written"
        )
    elif timezone_given and r.clock != WRITTEN:
        said.append(
            f"timezone={r.clock} moved no time: none of the {n:,} timestamps carries a UTC "
            f"offset, and a time without one is read as written, {UTC_NOTE} the hours as written"
        )
    t = _starts(log.events)
    changes = _clock_changes(t)
    if changes:
        if not said:
            said.append(
                f"{n:,} timestamps carry no UTC offset and are read as written, {UTC_NOTE} the "
                "hours as written"
            )
        first = t.min()
        said.append(
            f"{_moves_text(changes, '')}: an office's own clock does not move so, times written "
            "in UTC do, so the calendars blur both hours. If they are UTC times, write each with "
            f"its offset (a Z after the time, e.g. {first:%Y-%m-%dT%H:%M:%S}Z; in parquet a UTC "
            "timestamp column) and pass timezone=<zone> with the office's zone to read them on "
            f"its clock ({_centres_text(t, changes)})"
        )
    return [". ".join(said) + "."] if said else []


@dataclass(frozen=True)
class ClockChange:
    """A change of the clock that explains a shift of a log's working hours: the shift of the
    mean time of day of the starts (hours, negative earlier) and the zones whose clock changes
    then, by local date (dates a few days apart, which the data between tell apart too little,
    best fit first)."""

    shift: float
    zones: dict[str, tuple[str, ...]]


def _moves_text(changes: list[ClockChange], where: str) -> str:
    """'The working hours move 1.0 h earlier in UTC across a change of the clock of
    Europe/London, Europe/Berlin (2025-03-30) and 1.0 h later across that of ... (2025-10-26)',
    each change with its own direction."""
    parts = [
        f"{abs(c.shift):.1f} h {'earlier' if c.shift < 0 else 'later'}"
        + (f"{where} across a change of the clock of " if i == 0 else " across that of ")
        + " or ".join(f"{', '.join(zones)} ({day})" for day, zones in c.zones.items())
        for i, c in enumerate(changes)
    ]
    return "The working hours move " + " and ".join(parts)


def _hhmm(hours: float) -> str:
    minutes = round(hours * 60) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _offset_text(hours: float) -> str:
    minutes = round(abs(hours) * 60)
    return f"{'-' if hours < 0 else '+'}{minutes // 60:02d}:{minutes % 60:02d}"


def _centres_text(t: pd.Series, changes: list[ClockChange]) -> str:
    """Where the clock of each zone of ``changes`` puts the middle of the working day of ``t``
    (naive UTC times), with the zone's offsets, so the office's zone can be told among them
    (zones of the same offsets together, by offset: no preference for any)."""
    step = max(1, len(t) // CENTRE_SAMPLE)
    sample = t.iloc[::step].dt.tz_localize("UTC")
    by_offsets: dict[tuple[float, ...], tuple[float, list[str]]] = {}
    for zone in dict.fromkeys(z for c in changes for zones in c.zones.values() for z in zones):
        local = sample.dt.tz_convert(zone).dt.tz_localize(None)
        offsets = tuple(
            sorted((local - sample.dt.tz_localize(None)).unique() / pd.Timedelta(hours=1))
        )
        by_offsets.setdefault(offsets, (_day_hour_mean(local)[0], []))[1].append(zone)
    parts = [
        f"{_hhmm(centre)} on the clock of {' or '.join(zones)} "
        f"({'/'.join(_offset_text(o) for o in offsets)})"
        for offsets, (centre, zones) in sorted(by_offsets.items())
    ]
    return "the middle of the working day falls at " + ", ".join(parts)


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


def _starts(events: pd.DataFrame) -> pd.Series:
    """Each event's start, its end where the start is unknown."""
    return events[C.START].fillna(events[C.END]).dropna()


def _clock_changes(t: pd.Series) -> list[ClockChange]:
    """The changes of the clock of ``CLOCK_CHANGE_ZONES`` across which the mean time of day of
    ``t`` (naive times: UTC, or as written) moves, from the weeks before to the weeks after, by
    what the change explains (within ``CLOCK_CHANGE_TOLERANCE``; the times concentrated in a
    working day), by date, those of the zones explaining the most of them only; none when the
    log is too short or its hours do not move."""
    if len(t) < 2 * CLOCK_CHANGE_MIN_EVENTS:
        return []
    days = pd.date_range(t.min().normalize(), t.max().normalize(), freq="D", tz="UTC")
    window = pd.Timedelta(CLOCK_CHANGE_WINDOW)
    found: list[tuple[float, pd.Timestamp, float, str, str]] = []  # residual, day, shift, ...
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
                found.append((abs(shift + change), days[i], shift, day, zone))
    # changes a few days apart (within a window) the data between tell apart too little: one
    # change, the best fit's shift said, each of its dates named
    changes: list[tuple[pd.Timestamp, float, dict[str, list[str]]]] = []
    for _, when, shift, day, zone in sorted(found, key=lambda f: f[0]):
        near = next((c for c in changes if abs(c[0] - when) < window), None)
        if near is None:
            changes.append((when, shift, {day: [zone]}))
        else:
            near[2].setdefault(day, []).append(zone)
    found_changes = [
        ClockChange(shift, {day: tuple(z) for day, z in zones.items()})
        for _, shift, zones in sorted(changes, key=lambda c: c[0])
    ]
    # one office has one zone: over a long log, a change that none of the zones explaining the
    # most changes makes is chance (a season's new hours), not named
    explained = Counter(z for c in found_changes for zones in c.zones.values() for z in zones)
    most = max(explained.values(), default=0)
    if most < 2:
        return found_changes
    return [
        c
        for c in found_changes
        if any(explained[z] == most for zones in c.zones.values() for z in zones)
    ]
