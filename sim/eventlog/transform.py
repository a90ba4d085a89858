"""Operations on a read log: time split for back-testing, relative hours, writing to disk."""

from __future__ import annotations

import dataclasses
import numbers
import os
from pathlib import Path

import pandas as pd

from sim.errors import ConfigError, EventLogError
from sim.eventlog.log import EventLog
from sim.model import columns as C
from sim.model.whole_files import written_whole

TIME_COLUMNS = (C.START, C.END, C.ENABLED)
#: gzip without the write time in its header: the same table gives the same bytes, so two runs
#: with the same seed write identical files (pass as ``to_csv(..., compression=...)``).
REPRODUCIBLE_GZIP = {"method": "gzip", "mtime": 0}
WRITE_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")


def case_start_times(events: pd.DataFrame) -> pd.Series:
    """Each case's first timestamp (start, or end where the start is missing), indexed by case."""
    first = events[C.START].fillna(events[C.END]) if C.START in events else events[C.END]
    return first.groupby(events[C.CASE], sort=False, observed=True).min()


def _table_times(table: pd.DataFrame) -> pd.DataFrame:
    """The case ids and timestamps of an event table given as a DataFrame (``calibrate_model``
    takes one too), its times parsed where they are text; ``EventLogError`` naming what is
    missing or unreadable."""
    missing = [c for c in (C.CASE, C.END) if c not in table.columns]
    if missing:
        raise EventLogError(
            f"event table: missing required column(s) {missing}; found {list(table.columns)}. "
            "Read the log with sim.eventlog.read_event_log (or clean_event_table) to map the "
            "column names"
        )
    out = pd.DataFrame({C.CASE: table[C.CASE]})
    for col in (C.START, C.END):
        if col not in table.columns:
            continue
        values = table[col]
        if not pd.api.types.is_datetime64_any_dtype(values):
            values = parse_frame_times(values, col, "event table")
        out[col] = values
    return out


def split_by_time(
    log: EventLog | pd.DataFrame, *, train_fraction: float = 0.8
) -> tuple[EventLog, EventLog] | tuple[pd.DataFrame, pd.DataFrame]:
    """Split a log by case start time: the first ``train_fraction`` of cases, then the rest.

    Cases are ordered by their first timestamp (ties by case id) and never cut in half. Both parts
    keep the source, the flags (``case_open``, ``in_progress_case_ids``) and the reading report
    (with one note added). An event table given as a DataFrame (standard columns, as
    ``calibrate_model`` takes one) is split into two DataFrames, its rows as they are.
    """
    number = isinstance(train_fraction, numbers.Real) and not isinstance(train_fraction, bool)
    if not number or not 0.0 < train_fraction < 1.0:
        raise ConfigError(f"train_fraction={train_fraction!r} must be strictly between 0 and 1")
    if isinstance(log, pd.DataFrame):
        events, source = log, "event table"
        starts = case_start_times(_table_times(log))
    elif isinstance(log, EventLog):
        events, source = log.events, log.source
        starts = case_start_times(events)
    else:
        raise EventLogError(
            "split_by_time: expected an EventLog (sim.eventlog.read_event_log) or a DataFrame, "
            f"got {type(log).__name__}"
        )
    n = len(starts)
    if n < 2:
        raise EventLogError(f"{source}: cannot split a log with {n} case(s) in two")
    order = starts.reset_index()
    order.columns = ["case", "start"]
    order = order.sort_values(["start", "case"], kind="stable")
    n_train = min(max(round(train_fraction * n), 1), n - 1)
    train_ids = set(order["case"].iloc[:n_train])
    in_train = events[C.CASE].isin(train_ids)
    cut = order["start"].iloc[n_train]
    if isinstance(log, pd.DataFrame):
        return (
            log.loc[in_train].reset_index(drop=True),
            log.loc[~in_train].reset_index(drop=True),
        )

    def part(mask: pd.Series, label: str, k: int) -> EventLog:
        report = dataclasses.replace(
            log.report,
            notes=[
                *log.report.notes,
                f"split_by_time: {label} part, {k} of {n} cases "
                f"({'before' if label == 'training' else 'from'} case start {cut}).",
            ],
        )
        events = log.events.loc[mask].reset_index(drop=True)
        return EventLog(
            events=events,
            report=report,
            source=log.source,
            start_times_estimated=log.start_times_estimated,
            in_progress_case_ids=log.in_progress_case_ids & frozenset(events[C.CASE]),
        )

    return part(in_train, "training", n_train), part(~in_train, "test", n - n_train)


def to_relative_hours(
    events: pd.DataFrame, *, origin: pd.Timestamp | str | None = None
) -> pd.DataFrame:
    """Copy of ``events`` with start/end/enabled times as float hours since ``origin``.

    ``origin`` defaults to the earliest of those timestamps; a tz-aware origin is converted to
    UTC. Missing timestamps become NaN.
    """
    cols = [c for c in TIME_COLUMNS if c in events.columns]
    if not cols:
        raise EventLogError(f"no time columns to convert; expected one of {TIME_COLUMNS}")
    if origin is None:
        mins = [events[c].min() for c in cols if events[c].notna().any()]
        if not mins:
            raise EventLogError("all timestamps are missing; cannot choose an origin")
        base = min(mins)
    else:
        base = pd.Timestamp(origin)
        if base.tzinfo is not None:
            base = base.tz_convert("UTC").tz_localize(None)
    out = events.copy()
    hour = pd.Timedelta(hours=1)
    for c in cols:
        out[c] = ((events[c] - base) / hour).astype("float64")
    return out


def write_event_log(
    events: pd.DataFrame | EventLog, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write an event table to CSV (.csv, .csv.gz) or parquet (.parquet, .pq) by extension.

    Refuses to replace an existing file unless ``overwrite=True``. Timestamps are written as ISO
    8601 without offset (they are UTC). Returns the path written.
    """
    table = events.events if isinstance(events, EventLog) else events
    p = Path(path)
    name = p.name.lower()
    suffix = next(
        (s for s in sorted(WRITE_SUFFIXES, key=len, reverse=True) if name.endswith(s)), None
    )
    if suffix is None:
        raise EventLogError(
            f"{p}: unknown file type for writing; expected one of {', '.join(WRITE_SUFFIXES)}"
        )
    if p.exists() and not overwrite:
        raise EventLogError(f"{p}: file exists; pass overwrite=True to replace it")
    p.parent.mkdir(parents=True, exist_ok=True)
    with written_whole(p) as part:  # a stop leaves no truncated log under ``p``
        if suffix in (".csv", ".csv.gz"):
            gz = REPRODUCIBLE_GZIP if suffix == ".csv.gz" else None
            table.to_csv(part, index=False, date_format="%Y-%m-%dT%H:%M:%S.%f", compression=gz)
        else:
            table.to_parquet(part, index=False)
    return p


def parse_frame_times(values: pd.Series, name: str, source: str) -> pd.Series:
    """A DataFrame's column of text (or mixed) timestamps as UTC times; an ``EventLogError``
    naming ``source`` and the column when some value is no timestamp (``read_event_log``, which
    reports the offending rows, is the reader for a log file)."""
    try:
        return pd.to_datetime(values, utc=True, errors="raise", format="mixed")
    except (ValueError, TypeError) as exc:
        raise EventLogError(
            f"{source}: column '{name}' has values that are not timestamps ({exc}); read the log "
            "with sim.eventlog.read_event_log, which reports the offending rows"
        ) from None
