"""Tables that every KPI reads: an *events* table and a *cases* table, times in float hours.

Both real logs and simulated traces are turned into the same two tables, so one set of KPI
functions serves both:

* events: ``case_id, activity, resource, role, enabled, start, end`` (hours since an origin);
  ``resource``/``role`` hold ``"a;b"`` for a step done by several people at once; a simulated
  trace's also have ``ready``: when the case was ready for the step's people, after any hand-off
  delay (``enabled`` without one; a real log does not record it);
* cases: ``case_id, arrival, end, outcome, success, dropped_at, segment, value, measured``;
  ``success`` is True/False for finished cases and missing (NA) for cases still in progress;
  ``measured`` marks the cases whose KPIs count (arrived after the warm-up, before arrivals
  stopped); a simulated trace's cases also have ``dropped_enabled``, ``dropped_ready`` and
  ``dropped_left``: when a case that abandoned reached the step it left, when it was ready for
  its people there (after any hand-off delay), and when it left (a real log does not record the
  queue a customer gave up on);
* open steps (a simulated trace's, ``trace_open_steps``): the steps cases were at when the run
  stopped, queueing or in service, with the events' columns; ``end`` is the stop for those in
  service (their people were busy until then) and missing for those still queueing. Kept apart
  from the events, which hold only executed steps, like a real log.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from sim.model import columns as col
from sim.model.trace import IN_PROGRESS, Trace

EVENT_COLUMNS = ("case_id", "activity", "resource", "role", "enabled", "start", "end")
# the trace file's column of ``ready`` (beside ``enabled_time``): when the case was ready for the
# step's people, after any hand-off delay; not a standard column (real logs do not have it)
READY_TIME = "ready_time"
CASE_COLUMNS = (
    "case_id",
    "arrival",
    "end",
    "outcome",
    "success",
    "dropped_at",
    "segment",
    "value",
    "measured",
)


def _joined_names(resource: np.ndarray, extra: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Per row: the resource (or role) names of ``resource`` (an index into ``names``, -1:
    nobody), ';'-joined with ``extra``'s ``(row, resource)`` for multi-person steps."""
    lookup = np.array([*names, ""], dtype=object)  # index -1 -> ""
    out = lookup[resource]
    if extra.shape[0]:
        out = out.copy()
        for ev, res in extra:
            out[ev] = f"{out[ev]}{col.PEOPLE_SEPARATOR}{names[res]}"
    return out


def trace_events(trace: Trace) -> pd.DataFrame:
    """The events table of a simulated trace (times in hours since the model's start_date),
    with ``ready`` after ``enabled`` (see the module's docstring)."""
    acts = np.array(trace.activities, dtype=object)
    resources = _joined_names(trace.ev_resource, trace.ev_extra, trace.resources)
    roles = _joined_names(trace.ev_resource, trace.ev_extra, trace.resource_roles)
    df = pd.DataFrame(
        {
            "case_id": trace.ev_case,
            "activity": acts[trace.ev_activity] if trace.n_events else np.array([], dtype=object),
            "resource": resources,
            "role": roles,
            "enabled": trace.ev_enabled,
            "ready": trace.ev_ready,
            "start": trace.ev_start,
            "end": trace.ev_end,
        }
    )
    df.loc[df["resource"] == "", ["resource", "role"]] = None
    return df


def trace_open_steps(trace: Trace) -> pd.DataFrame:
    """The steps under way when the run stopped (``Trace.open_*``), with the events table's
    columns: ``start`` when the work began (missing: the case was still queueing, or waiting for
    a shift or a hand-off), ``end`` the stop for those whose work had begun (missing for the
    others). Empty when every case finished (a drain that ran to the end)."""
    acts = np.array(trace.activities, dtype=object)
    n = trace.open_case.shape[0]
    start = trace.open_start
    # the work of a step whose people were assigned but whose shift opens after the stop has
    # not begun: busy from start to start
    end = np.where(np.isnan(start), np.nan, np.maximum(start, trace.run_end))
    df = pd.DataFrame(
        {
            "case_id": trace.open_case,
            "activity": acts[trace.open_activity] if n else np.array([], dtype=object),
            "resource": _joined_names(trace.open_resource, trace.open_extra, trace.resources),
            "role": _joined_names(trace.open_resource, trace.open_extra, trace.resource_roles),
            "enabled": trace.open_enabled,
            "start": start,
            "end": end,
        }
    )
    df.loc[df["resource"] == "", ["resource", "role"]] = None
    return df


def trace_cases(trace: Trace) -> pd.DataFrame:
    """The cases table of a simulated trace."""
    outcomes = np.array([*trace.outcomes, ""], dtype=object)
    success = np.array([*trace.outcome_success, False], dtype=object)
    open_ = trace.case_outcome == IN_PROGRESS
    acts = np.array([*trace.activities, ""], dtype=object)
    lo, hi = trace.window
    df = pd.DataFrame(
        {
            "case_id": np.arange(trace.n_cases),
            "arrival": trace.case_arrival,
            "end": trace.case_end,
            "outcome": outcomes[trace.case_outcome],
            "success": pd.array(success[trace.case_outcome], dtype="boolean"),
            "dropped_at": acts[trace.case_dropped_at],
            "segment": np.array(trace.segments, dtype=object)[trace.case_segment]
            if trace.n_cases
            else np.array([], dtype=object),
            "value": trace.case_value,
            "measured": (trace.case_arrival >= lo) & (trace.case_arrival < hi),
            "dropped_enabled": trace.case_dropped_enabled,
            "dropped_ready": trace.case_dropped_ready,
            "dropped_left": trace.case_dropped_left,
        }
    )
    df.loc[open_, "outcome"] = None
    df.loc[open_, "success"] = pd.NA
    df.loc[df["dropped_at"] == "", "dropped_at"] = None
    return df


def _abandonment_rows(trace: Trace, cases: pd.DataFrame, activity: str) -> pd.DataFrame:
    """One instant event named ``activity`` per case whose patience ran out, at the moment it
    left (no resource), with the events table's columns."""
    left = trace.case_dropped_left
    gave_up = np.flatnonzero(np.isfinite(left))
    at = left[gave_up]
    return pd.DataFrame(
        {
            "case_id": cases["case_id"].to_numpy()[gave_up],
            "activity": np.full(gave_up.size, activity, dtype=object),
            "resource": np.full(gave_up.size, None, dtype=object),
            "role": np.full(gave_up.size, None, dtype=object),
            "enabled": at,
            "ready": at,
            "start": at,
            "end": at,
        }
    )


def _clock(origin: pd.Timestamp, hours: pd.Series) -> pd.Series:
    """``origin`` plus simulated ``hours``, rounded to the microsecond: float hours carry noise
    (10:33 read 10:32:59.999999 when the nanoseconds were truncated, QA calendars19 #4), and a
    microsecond is the finest unit the written logs keep."""
    micros = np.round(hours.to_numpy(dtype=float) * 3.6e9)
    return pd.Series(origin + pd.to_timedelta(micros, unit="us"), index=hours.index)


def trace_to_event_log(
    trace: Trace, *, case_prefix: str = "", abandonment_activity: str | None = None
) -> pd.DataFrame:
    """A simulated trace as a standard event log (datetimes; same columns as an input log).

    Columns: case_id, activity, start_time, end_time, resource, enabled_time, ready_time (when
    the case was ready for the step's people: after any hand-off delay, else enabled_time), role,
    segment, outcome. Abandoned cases appear through their ``outcome`` on the events they did have: like
    a real log, the log holds the executed steps only. ``abandonment_activity`` (the back-test's
    simulated logs, compared with a history that records abandonments as events) adds, for each
    case whose patience ran out, an instant event of that name at the moment it left, with no
    resource, as such a history has.
    """
    ev = trace_events(trace)
    cases = trace_cases(trace)
    if abandonment_activity is not None:
        extra = _abandonment_rows(trace, cases, abandonment_activity)
        if len(extra):
            ev = pd.concat([ev, extra], ignore_index=True)
    origin = pd.Timestamp(trace.start_date)
    out = pd.DataFrame(
        {
            col.CASE: case_prefix + ev["case_id"].astype(str),
            col.ACTIVITY: ev["activity"],
            col.START: _clock(origin, ev["start"]),
            col.END: _clock(origin, ev["end"]),
            col.RESOURCE: ev["resource"],
            col.ENABLED: _clock(origin, ev["enabled"]),
            READY_TIME: _clock(origin, ev["ready"]),
            col.ROLE: ev["role"],
            col.SEGMENT: cases["segment"].to_numpy()[ev["case_id"].to_numpy()]
            if len(ev)
            else np.array([], dtype=object),
            col.OUTCOME: cases["outcome"].to_numpy()[ev["case_id"].to_numpy()]
            if len(ev)
            else np.array([], dtype=object),
        }
    )
    return out.sort_values([col.CASE, col.START], kind="stable").reset_index(drop=True)


def log_cases(
    events: pd.DataFrame,
    *,
    dropoff_outcomes: Iterable[str] = (),
    open_cases: Iterable[str] = (),
    outcome_column: str | None = None,
    window: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """The cases table of a real log's events table (times already in hours).

    A case's outcome is ``outcome_column`` when given, else its last activity; it is a drop-off
    when the outcome is in ``dropoff_outcomes``. Cases in ``open_cases`` are in progress
    (right-censored): no outcome, not counted as drop-off. ``window`` limits ``measured`` to cases
    arriving in it (default: all).
    """
    if events.empty:
        return pd.DataFrame(columns=list(CASE_COLUMNS))
    dropoff = set(dropoff_outcomes)
    ordered = events.sort_values(["case_id", "end"], kind="stable")
    first_time = (
        ordered[["enabled", "start"]].min(axis=1) if "enabled" in ordered else ordered["start"]
    )
    g = ordered.assign(_first=first_time).groupby("case_id", sort=False)
    df = pd.DataFrame(
        {
            "arrival": g["_first"].min(),
            "end": g["end"].max(),
            "outcome": g[outcome_column].last() if outcome_column else g["activity"].last(),
        }
    ).reset_index()
    open_set = set(open_cases)
    is_open = df["case_id"].isin(open_set)
    df["success"] = pd.array(~df["outcome"].isin(dropoff), dtype="boolean")
    df.loc[is_open, "success"] = pd.NA
    df.loc[is_open, "outcome"] = None
    df.loc[is_open, "end"] = np.nan
    df["dropped_at"] = None
    df["segment"] = "default"
    df["value"] = 0.0
    if window is None:
        df["measured"] = True
    else:
        df["measured"] = (df["arrival"] >= window[0]) & (df["arrival"] < window[1])
    return df[list(CASE_COLUMNS)]


#: a replications table's columns that count cases or people, written as integers
COUNT_COLUMNS = (
    "cases_arrived",
    "cases_completed",
    "cases_dropped",
    "cases_in_progress",
    "headcount",
)


def as_integers(column: pd.Series, *, whole_floats: bool = False) -> pd.Series:
    """``column`` as nullable integers (``Int64``) when every value it has is an integer (not a
    bool), with ``whole_floats`` also a float of a whole number (what an integer column with gaps
    became: ``3.0``); else as it is."""
    present = column.dropna()
    if present.empty or any(isinstance(v, bool | np.bool_) for v in present):
        return column
    if whole_floats and pd.api.types.is_numeric_dtype(present):
        whole = bool((present == present.round()).all())
    else:
        whole = all(isinstance(v, int | np.integer) for v in present)
    return column.astype("Int64") if whole else column


def with_integer_counts(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of a replications table whose count columns (``COUNT_COLUMNS``, and each
    segment's ``cases_arrived``) hold integers where every value is whole, as
    ``replications.csv`` writes them (``233``, not ``233.0``)."""
    table = table.copy()
    for name in table.columns:
        if _counts(str(name)):
            table[name] = as_integers(table[name], whole_floats=True)
    return table


def _counts(name: str) -> bool:
    """Whether replications-table column ``name`` counts cases or people: a ``COUNT_COLUMNS``
    one, or a segment's (``segment:<segment>:cases_arrived``)."""
    if name.startswith("segment:"):
        name = name.rpartition(":")[2]
    return name in COUNT_COLUMNS
