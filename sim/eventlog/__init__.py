"""Event logs: read CSV / XES / parquet into the standard event table, clean, split, write.

Public API::

    read_event_log(path, *, case_id_key=None, activity_key=None, start_key=None, end_key=None,
                   resource_key=None, time_format=None, max_rows=None, end_activities=None,
                   open_tail_fraction=0.05, keep_attributes=True, timezone=None,
                   naive_times=None,
                   date_only_duplicates="drop") -> EventLog
    clean_event_table(table, *, <same keys>, source="<table>") -> EventLog
    split_by_time(log, *, train_fraction=0.8) -> tuple[EventLog, EventLog]
    to_relative_hours(events, *, origin=None) -> DataFrame
    write_event_log(events, path, *, overwrite=False) -> Path
    estimate_start_times(events, *, only_missing=True) -> DataFrame
    flag_open_cases(events, *, end_activities=None, tail_fraction=0.05, force_open=())
        -> (DataFrame, list[str])
    infer_end_activities(events, *, tail_fraction=0.05, ...) -> list[str]

Decisions (details in each module's docstring):

* Time zones (``timezone``): times are read on the clock they were written in when their UTC
  offsets are one place's (at most an hour apart), else converted to UTC, or converted to a zone
  the caller names; values without an offset are taken as written (or, with
  ``naive_times='UTC'``, as UTC), one beside a start or end with an offset on that one's clock
  unless a zone is named, whose clock they are then read on (their instant known, but in the
  hour it repeats or skips); every event keeps its exact duration (its written one where only
  one of its times has an instant). The result is tz-naive; the clock, the counts and the
  offsets seen are in the report (``sim.eventlog.timestamps``).
* Lifecycle logs (XES ``lifecycle:transition``): start/complete paired per case and
  activity (a completion with the latest start still open, its resource's first; overlapping
  instances in order) on their exact instants, an event without an offset on its partner's
  clock, else on that of its case's nearest event with one; schedule gives ``enabled_time``;
  complete-only events keep a missing start (``sim.eventlog.lifecycle``).
* No start times at all: estimated as max(end of the case's previous activity, end of the
  resource's previous activity); a case's first activity, which nothing enables, lasts its
  activity's median where enabled, else nothing (start = end) (``sim.eventlog.estimate``).
* Timestamps years away from the rest of the log (a year typed wrong): the row's whole case is
  removed and counted (``sim.eventlog.read.FAR_SPANS``, ``FAR_MIN_YEARS``), so it shows no
  invented path or arrival; so is the case of an activity instance lasting implausibly long for
  its activity (``LONG_MIN_DAYS``, ``LONG_FACTOR``).
* Exact duplicate rows are removed and counted; on times with a date and no time of day, where
  one resource doing an activity of a case twice in a day looks like a copy, or on times all
  written to the minute, they are counted apart with a note, and ``date_only_duplicates="keep"`` keeps them as same-day repetitions.
* Right-censored cases: flagged in the boolean column ``case_open`` (also
  ``EventLog.open_case_ids``), never removed (``sim.eventlog.open_cases``); a case whose last
  activity started and never finished (in progress at extraction) is one, the activity's row
  removed and counted (an unfinished activity with later ones in its case lost its end: removed
  and counted, the case not flagged); a case with a recorded outcome is finished.

The table has the columns of ``sim.model.columns`` (times tz-naive on the report's ``clock``,
``datetime64[us]``; strings with ``pd.NA`` for missing), a boolean ``case_open`` column, then the
file's other attributes unchanged. Every removed row is counted in ``EventLog.report``.
"""

from sim.eventlog.estimate import estimate_start_times
from sim.eventlog.log import CASE_OPEN, CleaningReport, EventLog
from sim.eventlog.open_cases import flag_open_cases, infer_end_activities
from sim.eventlog.read import DATE_ONLY_DUPLICATES, clean_event_table, read_event_log
from sim.eventlog.transform import (
    REPRODUCIBLE_GZIP,
    split_by_time,
    to_relative_hours,
    write_event_log,
)

__all__ = [
    "CASE_OPEN",
    "DATE_ONLY_DUPLICATES",
    "REPRODUCIBLE_GZIP",
    "CleaningReport",
    "EventLog",
    "clean_event_table",
    "estimate_start_times",
    "flag_open_cases",
    "infer_end_activities",
    "read_event_log",
    "split_by_time",
    "to_relative_hours",
    "write_event_log",
]
