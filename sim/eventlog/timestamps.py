"""Timestamp parsing: ISO 8601 (or a given format) to tz-naive times, counting time zones on the way.

``parse_timestamps`` reads a column to tz-naive UTC and keeps each value's UTC offset beside it
(missing for a value written without one). ``choose_clock`` and ``on_clock`` then put the log on
one clock, the clock its calendars and arrival hours are read in (``timezone``):

* ``None`` (auto): the clock the times were written in, when their offsets are one place's (at
  most an hour apart: standard and summer time, one after the other as a zone's clock changes,
  ``clock_changes``), so an office opening at 09:00 at +02:00 reads 09:00 all year; UTC when the
  offsets are further apart or in use side by side (several places' clocks, or one place's
  times written on two, whose written times would distort the waits of a hand-over between
  them).
* ``"local"``: the clock the times were written in, whatever their offsets.
* an IANA zone (``"UTC"``, ``"Europe/Amsterdam"``): values with an offset are converted to that
  zone's clock; values without one are taken to be on it already (``sim.eventlog.read`` gives
  them the zone's offset at that time, where one hour of its clock is not repeated or skipped).

Values without an offset are taken as written on every clock. ISO 8601 may put a comma before
the fraction of a second, and Excel serial days may carry a decimal comma (``40833,3388``); a
``time_format`` that guesses each value's layout (``mixed``) is refused, and one with ``%d`` and
``%m`` is checked against the two the other way round (``day_month_swapped``). Both kinds are counted, and the
offsets seen are tallied, so the cleaning report can say what was done. Unparseable values are an
error that names the column, the first offending rows and their values (never a silent ``NaT``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import warnings
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.errors import EventLogError

#: Resolution of every timestamp column in the standard table.
TIME_DTYPE = "datetime64[us]"
OFFSET_DTYPE = "timedelta64[us]"
#: ``timezone`` value: the clock the times were written in (their offsets dropped).
WRITTEN = "local"
#: Offsets further apart than this are not one place's standard and summer time.
ONE_PLACE_SPREAD = pd.Timedelta(hours=1)

# An offset at the very end, right after a clock time (so a date-only "2012-01-31" never matches).
_OFFSET_RE = r"\d:\d{2}(?::\d{2})?(?:[.,]\d+)?\s*(?P<off>[zZ]|[+-]\d{2}(?::?\d{2})?)$"


@dataclass
class ZoneCount:
    """How many parsed values carried an offset (converted) or none (taken as UTC)."""

    aware: int = 0
    naive: int = 0
    offsets: dict[str, int] = field(default_factory=dict)
    values: int = 0  # parsed values in all
    date_only: int = 0  # values with a date and no time of day (taken as midnight)
    date_only_example: str = ""  # the first of them, e.g. "line 7: '2024-01-03'"
    # values read by a time_format with %d and %m, and those of them that the format with the
    # two the other way round reads too: the order is ambiguous when the two counts are equal
    order_checked: int = 0
    order_ambiguous: int = 0

    def add(self, other: ZoneCount) -> None:
        self.aware += other.aware
        self.naive += other.naive
        self.values += other.values
        self.date_only += other.date_only
        self.date_only_example = self.date_only_example or other.date_only_example
        self.order_checked += other.order_checked
        self.order_ambiguous += other.order_ambiguous
        for key, n in other.offsets.items():
            self.offsets[key] = self.offsets.get(key, 0) + n


_DATE_ONLY = r"^\d{4}-\d{2}-\d{2}$"  # ISO 8601 calendar date without a time of day
# a strptime directive that reads a time of day; a time_format without one reads dates only
_TIME_OF_DAY_DIRECTIVE = re.compile(r"%[HIMSfXcTR]")


def _normalise_offset(raw: pd.Series) -> pd.Series:
    """'Z' -> '+00:00', '+0100' -> '+01:00', '+01' -> '+01:00'."""
    s = raw.str.upper().replace("Z", "+00:00")
    sign, digits = s.str[0], s.str[1:].str.replace(":", "", regex=False).str.pad(4, "right", "0")
    return sign + digits.str[:2] + ":" + digits.str[2:4]


EXCEL_ORIGIN = "1899-12-30"


@dataclass(frozen=True)
class NumericTime:
    """A ``time_format`` for numbers: their unit and origin for ``pd.to_datetime``, what they
    count (for messages), whether they are UTC (Unix time) or local clock times, and the
    resolution they are rounded to (a float's error must not make 14:24 read 14:23:59.999999)."""

    unit: str
    origin: str
    counts: str
    utc: bool
    resolution: str = "us"


#: ``time_format`` values for numbers: seconds or milliseconds since 1970-01-01 UTC (Unix time),
#: or Excel serial day numbers (days since 1899-12-30, fractions of a day the time; local clock
#: times, taken as UTC like other values without an offset).
NUMERIC_TIMES = {
    "epoch_s": NumericTime("s", "unix", "seconds since 1970-01-01", utc=True),
    "epoch_ms": NumericTime("ms", "unix", "milliseconds since 1970-01-01", utc=True),
    # Excel keeps times to the millisecond; a day number's float is exact to about 1 us only
    "excel": NumericTime(
        "D", EXCEL_ORIGIN, f"Excel serial days since {EXCEL_ORIGIN}", utc=False, resolution="ms"
    ),
}
#: Numbers in this range read as Excel dates from 1927 to 2173 (what the hint offers them as).
EXCEL_HINT_RANGE = (10_000, 100_000)


def _parse_numbers(
    text: pd.Series,
    *,
    column: str,
    source: str,
    time_format: str,
    row_label: Callable[[int], str],
) -> tuple[pd.Series, ZoneCount, pd.Series]:
    """A column of numbers read by ``NUMERIC_TIMES[time_format]`` as tz-naive times; a value
    that is not a number, or out of range, is an error naming its row."""
    kind = NUMERIC_TIMES[time_format]
    present = text.notna()
    numbers = _as_numbers(text)
    parsed = _as_time(numbers, time_format)
    bad = present & parsed.isna()
    if bad.any():
        positions = [int(p) for p in bad.to_numpy().nonzero()[0][:5]]
        shown = ", ".join(f"{row_label(p)}: {text.iloc[p]!r}" for p in positions)
        fits = _fitting_formats(numbers[present], time_format)
        hint = (
            f"; they look like {NUMERIC_TIMES[fits[0]].counts}: pass time_format={fits[0]!r}"
            if fits
            else ""
        )
        raise EventLogError(
            f"{source}: column '{column}' has {int(bad.sum())} value(s) that are not "
            f"{kind.counts} (time_format={time_format!r}), first at {shown}{hint}"
        )
    _check_plausible(numbers[present], parsed[present], column, source, time_format)
    n = int(present.sum())
    offset = _no_offsets(text.index)
    if kind.utc:
        count = ZoneCount(aware=n, values=n, offsets={"+00:00 (Unix time)": n} if n else {})
        offset[present.to_numpy()] = pd.Timedelta(0)
    else:  # local clock times without a zone
        count = ZoneCount(naive=n, values=n)
    times = parsed.dt.tz_localize(None).astype(TIME_DTYPE)
    return times, _midnight_dates(count, times, row_label), offset


def _as_numbers(text: pd.Series) -> pd.Series:
    """``text`` as numbers (missing where a value is none); a value of digits with one comma
    between them is read with a decimal comma (``40833,3388``: Excel serial days in the usual
    semicolon export of a decimal-comma locale)."""
    arrow = pa.array(text, type=pa.large_string(), from_pandas=True)
    pointed = pc.replace_substring_regex(arrow, pattern=r"^([+-]?\d+),(\d+)$", replacement=r"\1.\2")
    return pd.to_numeric(pd.Series(pointed.to_pandas(), index=text.index), errors="coerce")


#: Years a log's times fall in when they are read as the numbers they are.
PLAUSIBLE_YEARS = (1971, 2100)


def _as_time(numbers: pd.Series, time_format: str) -> pd.Series:
    kind = NUMERIC_TIMES[time_format]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        times = pd.to_datetime(
            numbers, unit=kind.unit, origin=kind.origin, utc=True, errors="coerce"
        )
    return times.dt.round(kind.resolution)  # QA tzdst #10: 45663.6 read as 14:23:59.999999


def _when(t: pd.Timestamp) -> str:
    """``2024-03-01 09:00:00``, also for a year beyond 9999 (which ``strftime`` refuses)."""
    return f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"


def _plausible(times: pd.Series) -> bool:
    """Whether the median of ``times`` falls in ``PLAUSIBLE_YEARS`` (False when none parsed)."""
    low, high = PLAUSIBLE_YEARS
    valid = times.dropna()
    if valid.empty or len(valid) < len(times):
        return False
    median = valid.median()
    return median is not pd.NaT and low <= median.year < high


def _fitting_formats(numbers: pd.Series, time_format: str) -> list[str]:
    """The numeric ``time_format`` values other than ``time_format`` that read ``numbers`` as
    dates of our era (``_plausible``)."""
    return [f for f in NUMERIC_TIMES if f != time_format and _plausible(_as_time(numbers, f))]


def _check_plausible(
    numbers: pd.Series, parsed: pd.Series, column: str, source: str, time_format: str
) -> None:
    """Refuse numbers read in a unit that puts the log in another era (Excel serial days read
    as Unix seconds: a seven-week log as 48 seconds of 1 January 1970) when another numeric
    ``time_format`` puts their median between ``PLAUSIBLE_YEARS``."""
    if parsed.empty or _plausible(parsed):
        return
    fits = _fitting_formats(numbers, time_format)
    if not fits:  # no unit makes them dates of our era: read as asked (a synthetic log)
        return
    better = fits[0]
    times = _as_time(numbers, better)
    raise EventLogError(
        f"{source}: column '{column}' read as {NUMERIC_TIMES[time_format].counts} "
        f"(time_format={time_format!r}) runs from {_when(parsed.min())} to "
        f"{_when(parsed.max())}; its numbers ({numbers.min():g} to "
        f"{numbers.max():g}) look like {NUMERIC_TIMES[better].counts} "
        f"({_when(times.min())} to {_when(times.max())}): pass "
        f"time_format={better!r}"
    )


def _midnight_dates(
    count: ZoneCount, written: pd.Series, row_label: Callable[[int], str]
) -> ZoneCount:
    """``count`` with every value of ``written`` (times as the file holds them, on their own
    clock) counted as a date without a time of day when all of them, two or more, fall at
    midnight: a column of dates typed as times (a parquet date column, Excel whole days),
    which no text layout shows."""
    present = written.notna().to_numpy()
    if present.sum() < 2:
        return count
    times = written[present]
    if (times != times.dt.normalize()).any():
        return count
    first = int(present.nonzero()[0][0])
    count.date_only = int(present.sum())
    count.date_only_example = f"{row_label(first)}: '{written.iloc[first]}'"
    return count


def whole_minutes(times: Iterable[pd.Series]) -> bool:
    """Whether the times present in ``times`` (two or more) all fall on a whole minute: a log
    written to the minute, where two events of one minute look alike (QA crmexport16 #5)."""
    present = [t.dropna() for t in times]
    if sum(len(t) for t in present) < 2:
        return False
    return all(bool((t == t.dt.floor("min")).all()) for t in present)


def _no_offsets(index: pd.Index) -> pd.Series:
    """An offset column with every value missing (written without an offset)."""
    return pd.Series(pd.NaT, index=index, dtype=OFFSET_DTYPE)


#: Unparseable values a column needs, beside 5 % of its values, to be said to mix layouts
#: (fewer are taken for typos unless they read as dates in another layout).
MIXED_MIN_BAD = 20


def _other_layout(bad: pd.Series) -> bool:
    """Whether the (first 20) values ISO 8601 could not read all read as dates in some other
    layout (``01/03/2024 09:30``), not typos or impossible dates (``2024-02-30``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(bad.head(MIXED_MIN_BAD), format="mixed", errors="coerce")
    return bool(parsed.notna().all())


def parse_timestamps(
    values: pd.Series,
    *,
    column: str,
    source: str,
    time_format: str | None,
    row_label: Callable[[int], str],
) -> tuple[pd.Series, ZoneCount, pd.Series]:
    """Parse one timestamp column to ``datetime64[us]`` tz-naive UTC; count zones.

    Returns the times, the zone count and each value's UTC offset (``timedelta64[us]``, missing
    where the value had none: it is taken as UTC here, as written by ``on_clock``).
    ``row_label(position)`` turns a 0-based position into a human label ("line 7") for errors.
    """
    count = ZoneCount()
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        n = int(values.notna().sum())
        count.aware = n
        if n:
            count.offsets[str(values.dtype.tz)] = n
        utc = values.dt.tz_convert("UTC").dt.tz_localize(None).astype(TIME_DTYPE)
        written = values.dt.tz_localize(None).astype(TIME_DTYPE)
        count.values = n
        return utc, _midnight_dates(count, written, row_label), (written - utc).astype(OFFSET_DTYPE)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        count.naive = count.values = int(values.notna().sum())
        times = values.astype(TIME_DTYPE)
        return times, _midnight_dates(count, times, row_label), _no_offsets(values.index)

    _refuse_guessing(time_format, column=column, source=source)
    text = values.astype("string").str.strip()
    text = text.mask((text == "") | (text == "NaT"))  # 'NaT': pandas' missing time as text
    present = text.notna()
    if time_format in NUMERIC_TIMES:
        return _parse_numbers(
            text, column=column, source=source, time_format=time_format, row_label=row_label
        )
    iso = not time_format or time_format.upper() == "ISO8601"
    parsed = _to_datetime(
        _fraction_points(text) if iso else text, time_format, column=column, source=source
    )
    bad = present & parsed.isna()
    swapped = day_month_swapped(time_format)
    if bad.any() and swapped and _to_datetime(text[present], swapped).notna().all():
        positions = [int(p) for p in bad.to_numpy().nonzero()[0][:5]]
        shown = ", ".join(f"{row_label(p)}: {text.iloc[p]!r}" for p in positions)
        raise EventLogError(
            f"{source}: column '{column}' has {int(bad.sum())} value(s) that time_format="
            f"{time_format!r} does not read, first at {shown}; every value of the column reads "
            f"with day and month the other way round: pass time_format={swapped!r}"
        )
    if bad.any():
        positions = [int(p) for p in bad.to_numpy().nonzero()[0][:5]]
        shown = ", ".join(f"{row_label(p)}: {text.iloc[p]!r}" for p in positions)
        good = int((present & parsed.notna()).sum())
        hint = (
            f"time_format={time_format!r} did not match"
            if time_format
            else "expected ISO 8601 such as '2012-01-31T09:15:00+01:00'; pass time_format= "
            "(e.g. time_format='%d/%m/%Y %H:%M') for other layouts"
        )
        n_bad = int(bad.sum())
        numbers = _as_numbers(text[bad])
        if not time_format and numbers.notna().all():
            hint = (
                "the values are numbers: seconds since 1970-01-01 UTC? pass "
                "time_format='epoch_s' (or 'epoch_ms' for milliseconds)"
            )
            low, high = EXCEL_HINT_RANGE
            if bool(numbers.between(low, high).all()):
                hint = (
                    f"the values are numbers from {numbers.min():g} to {numbers.max():g}: Excel "
                    f"serial dates (days since {EXCEL_ORIGIN})? pass time_format='excel'"
                )
        # many read, many not (not a few typos), or the few that fail are dates in another
        # layout: the column mixes layouts, no format reads all
        elif min(good, n_bad) >= 0.05 * (good + n_bad) and (
            n_bad >= MIXED_MIN_BAD or _other_layout(text[bad])
        ):
            hint += (
                f"; {good} other value(s) of the column did parse, so it mixes layouts, which "
                "no single time_format reads: write the column in one layout"
            )
        elif good:
            hint = (
                f"{good} other value(s) of the column did parse: a typo or an impossible date "
                f"(30 February, hour 24)? Correct {'it' if n_bad == 1 else 'them'} in the file; "
                + hint
            )
        raise EventLogError(
            f"{source}: column '{column}' has {int(bad.sum())} value(s) that are not timestamps, "
            f"first at {shown}; {hint}"
        )
    # Offsets found with Arrow's vectorised regex (a Python-level str.extract is ~20x slower).
    found = pc.extract_regex(pa.array(text[present], type=pa.large_string()), pattern=_OFFSET_RE)
    if isinstance(found, pa.ChunkedArray):  # a column read in chunks (a long CSV, parquet groups)
        found = found.combine_chunks()
    matched = pc.is_valid(found)
    offset = _no_offsets(text.index)
    count.aware = int(pc.sum(matched).as_py() or 0)
    count.naive = int(present.sum()) - count.aware
    count.values = int(present.sum())
    if swapped and count.values:
        # every value read: does day-and-month the other way round read them all too?
        count.order_checked = count.values
        if _to_datetime(text[present], swapped).notna().all():
            count.order_ambiguous = count.values
    if time_format and "%" in time_format and not _TIME_OF_DAY_DIRECTIVE.search(time_format):
        dates = pa.array(present.to_numpy(dtype=bool))  # '%d.%m.%Y': every value a date only
    else:
        dates = pc.match_substring_regex(
            pa.array(text.fillna(""), type=pa.large_string()), _DATE_ONLY
        )
    count.date_only = int(pc.sum(dates).as_py() or 0)
    if count.date_only:
        first = int(pc.index(dates, True).as_py())
        count.date_only_example = f"{row_label(first)}: {text.iloc[first]!r}"
    if count.aware:
        offsets = pc.filter(found, matched).field("off")
        tally = {r["values"]: r["counts"] for r in pc.value_counts(offsets).to_pylist()}
        normalised = _normalise_offset(pd.Series(list(tally), dtype="string"))
        merged: dict[str, int] = {}
        for key, n in zip(normalised, tally.values(), strict=True):
            merged[str(key)] = merged.get(str(key), 0) + int(n)
        count.offsets = merged
        # each value's offset: few distinct ones, so map them rather than parse every value
        as_delta = {
            raw: _offset_delta(str(key)) for raw, key in zip(tally, normalised, strict=True)
        }
        raw_offsets = pc.struct_field(found, "off").to_pandas()  # None where none was written
        written = pd.Series(raw_offsets, dtype="object").map(as_delta)
        offset[present.to_numpy()] = written.to_numpy(dtype=OFFSET_DTYPE)
    return parsed.dt.tz_convert("UTC").dt.tz_localize(None).astype(TIME_DTYPE), count, offset


#: ``time_format`` values by which pandas guesses each value's layout on its own (03/04/2025 as
#: 4 March, 13/04/2025 as 13 April in one column): refused.
GUESSED_FORMATS = frozenset({"mixed"})


def _refuse_guessing(time_format: str | None, *, column: str, source: str) -> None:
    """Refuse a ``time_format`` that reads each value by its own guess (``GUESSED_FORMATS``)."""
    if time_format is not None and time_format.strip().lower() in GUESSED_FORMATS:
        raise EventLogError(
            f"{source}: time_format={time_format!r} (column '{column}') guesses each value's "
            "layout on its own, so one column can read 03/04/2025 as 4 March and 13/04/2025 as "
            "13 April; expected one strptime format such as '%d/%m/%Y %H:%M:%S', or no "
            "time_format for ISO 8601"
        )


def _to_datetime(
    text: pd.Series, time_format: str | None, *, column: str = "", source: str = ""
) -> pd.Series:
    """``text`` parsed by ``time_format`` (ISO 8601 when None) to UTC, missing where a value
    does not match; an invalid format is an ``EventLogError`` naming the column."""
    try:
        return pd.to_datetime(
            text, utc=True, format=time_format or "ISO8601", errors="coerce", cache=True
        )
    except (ValueError, TypeError, OverflowError) as err:  # e.g. an invalid format string
        raise EventLogError(
            f"{source}: cannot parse column '{column}' with time_format={time_format!r}: {err}"
        ) from None


def _fraction_points(text: pd.Series) -> pd.Series:
    """``text`` with a comma before the fraction of a second made a point (ISO 8601 allows
    both, ``2011-10-01 08:07:54,451``; pandas reads the point only)."""
    arrow = pa.array(text, type=pa.large_string(), from_pandas=True)
    if not pc.any(pc.match_substring(arrow, ",")).as_py():
        return text
    pointed = pc.replace_substring_regex(
        arrow, pattern=r"(\d:\d{2}:\d{2}),(\d)", replacement=r"\1.\2"
    )
    return pd.Series(pointed.to_pandas(), index=text.index, dtype="string")


def day_month_swapped(time_format: str | None) -> str | None:
    """``time_format`` with its ``%d`` and ``%m`` the other way round; None without both."""
    if not time_format or "%d" not in time_format or "%m" not in time_format:
        return None
    return "%m".join(part.replace("%m", "%d") for part in time_format.split("%d"))


def _offset_delta(normalised: str) -> pd.Timedelta:
    """'+02:00' -> 2 h, '-05:30' -> -5.5 h."""
    sign = -1 if normalised.startswith("-") else 1
    hours, minutes = normalised[1:].split(":")
    return sign * pd.Timedelta(hours=int(hours), minutes=int(minutes))


#: How long around one change of the clock the offsets written may disagree (a system that
#: writes the offset of the day rather than of the instant changes at midnight, not at 02:00).
CHANGE_BLUR = pd.Timedelta(hours=6)
#: The least time between two changes of one place's clock (summer time: months; Morocco's
#: clock stops for Ramadan: about a month).
CHANGE_GAP = pd.Timedelta(days=20)


@dataclass(frozen=True)
class ClockChange:
    """A change of the written offsets over time, from ``before`` to ``after``: the last value
    written with ``before`` at ``old_until``, ``after`` written throughout from ``new_from``."""

    old_until: pd.Timestamp
    new_from: pd.Timestamp
    before: pd.Timedelta
    after: pd.Timedelta


def clock_changes(instants: pd.Series, offsets: pd.Series) -> list[ClockChange] | None:
    """How the offsets of values (``offsets``, at their UTC ``instants``; missing ones left out)
    change over time, when they change as one place's clock does: all of one offset before a
    change, the other after (within ``CHANGE_BLUR``), changes at least ``CHANGE_GAP`` apart.
    ``[]`` when one offset holds throughout; None when they alternate, in use side by side:
    the clocks of two places, or one place's times written on two clocks (events of a system
    in Z among its people's +01:00), not a change of the clock."""
    known = (offsets.notna() & instants.notna()).to_numpy()
    t = instants.to_numpy()[known].astype("datetime64[us]")
    o = offsets.to_numpy()[known].astype(OFFSET_DTYPE)
    order = np.lexsort((o, t))
    t, o = t[order], o[order]
    at = np.flatnonzero(o[1:] != o[:-1]) + 1  # each value whose offset differs from the last's
    if not len(at):
        return []
    blur, gap = CHANGE_BLUR.to_timedelta64(), CHANGE_GAP.to_timedelta64()
    # switches within CHANGE_BLUR of the last: one change, written roughly
    starts = np.flatnonzero(np.concatenate([[True], np.diff(t[at]) > blur]))
    ends = [*starts[1:], len(at)]
    for later, earlier_end in zip(starts[1:], ends, strict=False):
        if t[at[later]] - t[at[earlier_end - 1]] < gap:
            return None
    changes = []
    for begin, end in zip(starts, ends, strict=True):
        first, last = at[begin], at[end - 1]
        if t[last] - t[first] > blur or o[first - 1] == o[last]:
            return None  # offsets that alternate for hours, or one that comes and goes
        changes.append(
            ClockChange(
                pd.Timestamp(t[first - 1]),
                pd.Timestamp(t[last]),
                pd.Timedelta(o[first - 1]),
                pd.Timedelta(o[last]),
            )
        )
    return changes


def _one_place(times: Mapping[str, pd.Series], offsets: Mapping[str, pd.Series]) -> bool:
    """Whether the offsets written with ``times`` (UTC) are one place's clock: they change only
    as ``clock_changes`` says one place's do, and each change is one an IANA zone made then
    (within ``CHANGE_BLUR``): +01:00 in January and +02:00 in February is no place's clock."""
    names = [n for n in offsets if n in times]
    changes = clock_changes(
        pd.concat([times[n] for n in names], ignore_index=True),
        pd.concat([offsets[n] for n in names], ignore_index=True),
    )
    if changes is None:
        return False
    return all(_some_zone_changes(c) for c in changes)


def _some_zone_changes(change: ClockChange) -> bool:
    """Whether some IANA zone's offset is ``change.before`` just before it and ``change.after``
    just after it."""
    before = (change.old_until - CHANGE_BLUR).to_pydatetime().replace(tzinfo=dt.UTC)
    after = (change.new_from + CHANGE_BLUR).to_pydatetime().replace(tzinfo=dt.UTC)
    for name in _zone_names():
        zone = zoneinfo.ZoneInfo(name)
        if before.astimezone(zone).utcoffset() == change.before and (
            after.astimezone(zone).utcoffset() == change.after
        ):
            return True
    return False


@functools.cache
def _zone_names() -> tuple[str, ...]:
    """The IANA zones of this system, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def choose_clock(
    offsets: Mapping[str, pd.Series],
    timezone: str | None,
    *,
    source: str,
    times: Mapping[str, pd.Series] | None = None,
) -> str:
    """The clock to read the log in: ``WRITTEN`` or an IANA zone name (see the module docstring).

    ``offsets`` are the time columns' per-value offsets from ``parse_timestamps``, ``times``
    their UTC times: with them, offsets at most an hour apart are one place's only when they
    change over time as its clock does (``_one_place``), else UTC. An unknown zone name is an
    ``EventLogError`` that says what is expected.
    """
    if timezone is None or str(timezone).strip().lower() == "auto":
        seen = [o.dropna() for o in offsets.values()]
        low = min((o.min() for o in seen if len(o)), default=None)
        high = max((o.max() for o in seen if len(o)), default=None)
        if low is not None and high - low > ONE_PLACE_SPREAD:
            return "UTC"
        if low is not None and high != low and times is not None:
            return WRITTEN if _one_place(times, offsets) else "UTC"
        return WRITTEN
    name = str(timezone).strip()
    if name.lower() == WRITTEN:
        return WRITTEN
    if name.upper() == "UTC":
        return "UTC"
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        from sim.errors import did_you_mean

        hint = did_you_mean(name, sorted(zoneinfo.available_timezones()))
        raise EventLogError(
            f"{source}: timezone={timezone!r} is not a time zone{hint}; expected an IANA name such as "
            f"'Europe/Amsterdam' or 'UTC', '{WRITTEN}' (the clock the times were written in) or "
            "null (auto: the written clock when the offsets are one place's, else UTC)"
        ) from None
    return name


def on_clock(utc: pd.Series, offset: pd.Series, clock: str) -> pd.Series:
    """Times parsed by ``parse_timestamps`` (UTC, with their offsets) on ``clock``; a value
    written without an offset stays as written."""
    written = offset.isna()
    if clock == WRITTEN:
        moved = utc + offset
    elif clock == "UTC":
        return utc
    else:
        moved = utc.dt.tz_localize("UTC").dt.tz_convert(clock).dt.tz_localize(None)
    return moved.where(~written, utc).astype(TIME_DTYPE)
