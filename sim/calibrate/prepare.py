"""Turn an event log (``EventLog`` or a standard DataFrame) into the table calibration works on.

Times become float hours since ``origin``, the Monday 00:00 (UTC) of the log's first week, so that
``t % 168`` is the hour of the week that weekly calendars and arrival profiles use. Rows are
sorted by case, start, end. Missing start times are taken as the end time (an instant), and
counted. An instance's suspensions (the column ``sim.eventlog.lifecycle.SUSPENDED`` that the reader
fills from ``suspend``/``resume`` pairs; a column of that name in a table read otherwise is an
ordinary attribute) become the column ``suspended``: a tuple of (from, to) hours
within its start and end, which calibration leaves out of its processing time. Right-censored
(still open) cases come from the log's ``case_open`` flag, or are flagged with
``sim.eventlog.flag_open_cases`` when a bare DataFrame is given. A case with far more events
than the others (``find_runaway_cases``: a test case, a loop run away) is named in a note;
``drop_runaway_cases`` leaves such cases out of a log before calibration.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import EventLogError
from sim.eventlog import CASE_OPEN, EventLog, flag_open_cases
from sim.eventlog.lifecycle import SUSPENDED, read_suspensions
from sim.eventlog.transform import parse_frame_times
from sim.model import columns as C
from sim.model.columns import PEOPLE_SEPARATOR

HOUR = pd.Timedelta(hours=1)
OPEN_CASES_NOTE = (
    "case(s) still open at the end of the extract: right-censored (their routing counts, their "
    "last transition and cycle time do not)"
)
#: ``case_open`` values read as true / false (case and surrounding spaces ignored); a missing
#: value is not open
OPEN_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

# A runaway case (``find_runaway_cases``) has more than RUNAWAY_FACTOR times the events of a
# typical large case, the RUNAWAY_QUANTILE quantile of events per case (the nearest case count at
# or below it, so that one runaway case does not lift it), and the runaway cases together supply
# at least RUNAWAY_MIN_SHARE of some activity's instances: enough to move its duration fit and
# routing. Logs of fewer than RUNAWAY_MIN_CASES cases have no typical case to compare with.
# (QA: one test case of 5,000 events among 600 cases of 4 supplied 84 % of the duration samples
# and sent 84 % of the modelled cases back in a loop. The longest case of each public log in
# /work/shared/data has 1 to 5.3 times its quantile, BPIC 2013 incidents the most; receipt's
# holds half of a rare activity's instances: neither condition is enough alone.)
RUNAWAY_QUANTILE = 0.95
RUNAWAY_FACTOR = 10
RUNAWAY_MIN_SHARE = 0.1
RUNAWAY_MIN_CASES = 20
# More candidates than this share of the cases (at least one case) are a kind of case, not a
# runaway: QA2 found 4 % of the cases, 25-event cases with activities no other case has, all
# dropped by default.
RUNAWAY_MAX_CASE_SHARE = 0.01
#: how the runaway-case note of ``prepare_log`` says to leave them out (a command names its key)
RUNAWAY_ADVICE = "sim.calibrate.prepare.drop_runaway_cases(log) before calibrating"


@dataclass
class Prepared:
    """A log ready for calibration (see the module docstring)."""

    # case_id, activity, resource, start, end (hours), + outcome and segment where given, +
    # suspended (per row a tuple of (from, to) hours, empty for none) where the log has any
    events: pd.DataFrame
    origin: pd.Timestamp
    open_cases: set[str]
    source: str = "event log"
    # the clock of the times (``CleaningReport.clock``: 'local', 'UTC', a zone), or 'as given'
    clock: str = "as given"
    notes: list[str] = field(default_factory=list)
    has_outcome: bool = False
    #: resource -> its role in the log's role column (empty without one): see ``_resource_roles``
    resource_roles: dict[str, str] = field(default_factory=dict)
    several_roles: list[str] = field(default_factory=list)  # resources with several of them
    #: the open cases that had an activity in progress (``EventLog.in_progress_case_ids``): open
    #: for certain, where the others are the open-case rule's guess
    in_progress: set[str] = field(default_factory=set)

    @property
    def n_cases(self) -> int:
        """Number of cases."""
        return int(self.events["case_id"].nunique())

    def case_bounds(self) -> pd.DataFrame:
        """Per case: first start and last end (hours)."""
        g = self.events.groupby("case_id", sort=False)
        return pd.DataFrame({"first": g["start"].min(), "last": g["end"].max()})


def _to_datetime(values: pd.Series, name: str, source: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        s = values
        if getattr(s.dt, "tz", None) is not None:  # its zone's clock, as sim.eventlog reads it
            s = s.dt.tz_localize(None)
        return s
    return parse_frame_times(values, name, source).dt.tz_localize(None)


def week_start(ts: pd.Timestamp) -> pd.Timestamp:
    """Monday 00:00 of the week of ``ts``."""
    ts = pd.Timestamp(ts)
    return (ts - pd.Timedelta(days=ts.weekday())).normalize()


def prepare_log(log: EventLog | pd.DataFrame, *, source: str | None = None) -> Prepared:
    """Check and convert a log for calibration; raise ``EventLogError`` on unusable input."""
    if isinstance(log, EventLog):
        raw = log.events
        src = source or str(log.source or "event log")
    elif isinstance(log, pd.DataFrame):
        raw = log
        src = source or "event table"
    else:
        raise EventLogError(
            f"expected an EventLog (sim.eventlog.read_event_log) or a DataFrame, got "
            f"{type(log).__name__}"
        )
    missing = [c for c in (C.CASE, C.ACTIVITY, C.END) if c not in raw.columns]
    if missing:
        raise EventLogError(
            f"{src}: missing required column(s) {missing}; found {list(raw.columns)}. Read the "
            "log with sim.eventlog.read_event_log(path, case_id_key=..., activity_key=..., "
            "end_key=...) to map the column names"
        )
    notes: list[str] = []
    if raw.empty:
        raise EventLogError(f"{src}: the event log is empty; calibration needs events")
    ev = pd.DataFrame(
        {
            "case_id": raw[C.CASE].astype(str).to_numpy(),
            "activity": raw[C.ACTIVITY].astype(str).to_numpy(),
        }
    )
    end = _to_datetime(raw[C.END], C.END, src).reset_index(drop=True)
    if C.START in raw.columns:
        start = _to_datetime(raw[C.START], C.START, src).reset_index(drop=True)
    else:
        start = pd.Series(pd.NaT, index=end.index, dtype=end.dtype)
    bad = end.isna()
    if bad.any():
        notes.append(f"{int(bad.sum())} event(s) without an end time ignored")
    n_nostart = int((start.isna() & ~bad).sum())
    if n_nostart:
        notes.append(f"{n_nostart} event(s) without a start time taken as instants (start = end)")
    start = start.fillna(end)
    if C.RESOURCE in raw.columns:
        res = raw[C.RESOURCE].reset_index(drop=True)
        res = res.astype(object).where(res.notna(), None)
        res = res.map(lambda r: None if r is None or str(r).strip() == "" else str(r))
        ev["resource"] = res.to_numpy()
    else:
        ev["resource"] = None
        notes.append("no resource column: every activity is treated as automated")
    resource_roles, several_roles = _resource_roles(raw)
    has_outcome = C.OUTCOME in raw.columns and raw[C.OUTCOME].notna().any()
    if has_outcome:
        out = raw[C.OUTCOME].reset_index(drop=True)
        ev["outcome"] = out.astype(object).where(out.notna(), None).to_numpy()
    if C.SEGMENT in raw.columns:  # sim.calibrate.segments
        seg = raw[C.SEGMENT].reset_index(drop=True).astype(object)
        blank = seg.isna() | (seg.astype(str).str.strip() == "")
        if blank.all():
            notes.append("the segment column has no values: no segments modelled")
        else:
            ev["segment"] = seg.astype(str).str.strip().where(~blank, None).to_numpy()
    # only the suspensions this tool's reader paired from suspend/resume events (merged, on the
    # log's clock, inside their instance): a column of that name in a table given as it is
    # would be read by the API and dropped by the command (QA coderev17 #1-#5)
    paired = isinstance(log, EventLog) and log.report.suspensions_paired > 0
    pauses = _suspensions(raw, src) if paired else None
    ev = ev[~bad.to_numpy()].reset_index(drop=True)
    start, end = start[~bad].reset_index(drop=True), end[~bad].reset_index(drop=True)
    if ev.empty:
        raise EventLogError(f"{src}: no event has an end time; calibration needs timestamps")
    swapped = (start > end).to_numpy()
    if swapped.any():
        notes.append(f"{int(swapped.sum())} event(s) with end before start taken as instants")
        start = start.where(~swapped, end)
    origin = week_start(start.min())
    ev["start"] = ((start - origin) / HOUR).to_numpy(dtype=float)
    ev["end"] = ((end - origin) / HOUR).to_numpy(dtype=float)
    if pauses is not None:
        suspended = _suspended_hours(pauses, np.flatnonzero(~bad.to_numpy()), ev, origin)
        if suspended is not None:
            ev["suspended"] = suspended

    n_cases = ev["case_id"].nunique()
    acts = ev["activity"].unique()
    if n_cases < 2:
        raise EventLogError(
            f"{src}: the log has {n_cases} case; calibration needs at least two cases to "
            "estimate arrivals, routing and durations"
        )
    if len(acts) < 2:
        raise EventLogError(
            f"{src}: the log has one activity only ('{acts[0]}'); calibration needs at least "
            "two distinct activities to discover routing (check the activity column mapping)"
        )

    if isinstance(log, EventLog) or CASE_OPEN in raw.columns:
        if CASE_OPEN in raw.columns:
            flag, n_missing = _open_flags(raw[CASE_OPEN].reset_index(drop=True)[~bad], src)
            open_cases = set(ev.loc[flag, "case_id"].unique().tolist())
            if n_missing:
                notes.append(
                    f"{n_missing} event(s) without a {CASE_OPEN} value: their cases are not "
                    "taken as open for it"
                )
        else:
            open_cases = set(log.open_case_ids)  # type: ignore[union-attr]
    else:
        table = pd.DataFrame(
            {C.CASE: ev["case_id"], C.ACTIVITY: ev["activity"], C.START: start, C.END: end}
        )
        flagged, _ = flag_open_cases(table)
        open_cases = set(flagged.loc[flagged[CASE_OPEN], C.CASE].unique().tolist())
    in_progress = set(log.in_progress_case_ids) & open_cases if isinstance(log, EventLog) else set()
    if open_cases:
        notes.append(f"{len(open_cases)} {OPEN_CASES_NOTE}")
    ev = ev.sort_values(["case_id", "start", "end"], kind="stable").reset_index(drop=True)
    if tie := _ties_note(ev):
        notes.append(tie)
    if has_outcome and (mixed := _mixed_outcomes_note(ev)):
        notes.append(mixed)
    if runaway := find_runaway_cases(ev):
        one = len(runaway.events) == 1
        notes.append(
            f"{runaway.describe()}, which makes {'its' if one else 'their'} durations, "
            "routing and waits most of those fits. A test case or a loop run away? Leave "
            f"{'it' if one else 'them'} out with {RUNAWAY_ADVICE}"
        )
    return Prepared(
        events=ev,
        origin=origin,
        open_cases=open_cases,
        in_progress=in_progress,
        source=src,
        clock=log.report.clock if isinstance(log, EventLog) else "as given",
        notes=notes,
        has_outcome=bool(has_outcome),
        resource_roles=resource_roles,
        several_roles=several_roles,
    )


def _suspensions(raw: pd.DataFrame, src: str) -> pd.DataFrame | None:
    """The suspensions of ``raw``'s ``SUSPENDED`` column (``read_suspensions``: ``row`` a
    position in ``raw``, ``from``, ``to``), or None without any."""
    if SUSPENDED not in raw.columns or raw[SUSPENDED].isna().all():
        return None
    where = (
        "row "
        + pd.Series(np.arange(1, len(raw) + 1), dtype="string")
        + " (case "
        + raw[C.CASE].astype("string").reset_index(drop=True).fillna("?")
        + ", activity "
        + raw[C.ACTIVITY].astype("string").reset_index(drop=True).fillna("?")
        + ")"
    )
    found = read_suspensions(raw[SUSPENDED], source=src, where=where)
    return found if not found.empty else None


def _suspended_hours(
    pauses: pd.DataFrame, kept: np.ndarray, ev: pd.DataFrame, origin: pd.Timestamp
) -> np.ndarray | None:
    """Per row of ``ev`` (the rows ``kept`` of the log, with ``start`` and ``end`` in hours),
    its suspensions (``_suspensions``) as a tuple of (from, to) hours since ``origin`` cut to
    its start and end (empty where none: a row taken as an instant has none); None when no
    row has any."""
    at = np.full(int(pauses["row"].max()) + 1, -1, dtype=np.int64)
    inside = kept[kept < len(at)]
    at[inside] = np.flatnonzero(kept < len(at))
    row = at[pauses["row"].to_numpy()]
    ok = row >= 0
    row = row[ok]
    s = ev["start"].to_numpy(dtype=float)[row]
    e = ev["end"].to_numpy(dtype=float)[row]
    lo = np.clip(((pauses["from"] - origin) / HOUR).to_numpy(dtype=float)[ok], s, e)
    hi = np.clip(((pauses["to"] - origin) / HOUR).to_numpy(dtype=float)[ok], s, e)
    real = hi > lo
    if not real.any():
        return None
    row, lo, hi = row[real], lo[real], hi[real]
    order = np.lexsort((lo, row))
    row, spans = row[order], list(zip(lo[order].tolist(), hi[order].tolist(), strict=True))
    first = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
    last = np.r_[first[1:], len(row)]
    out = np.empty(len(ev), dtype=object)
    out.fill(())
    for r, a, b in zip(row[first].tolist(), first.tolist(), last.tolist(), strict=True):
        out[r] = tuple(spans[a:b])
    return out


def _open_flags(values: pd.Series, src: str) -> tuple[np.ndarray, int]:
    """The ``case_open`` column as booleans, and how many values were missing (not open: a
    missing value says nothing about the case; ``astype(bool)`` made it true). True and false,
    1 and 0, yes and no are read; another value raises ``EventLogError`` naming it."""
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=bool), 0
    missing = values.isna()
    read: dict[Any, bool] = {}
    unknown = []
    for v in pd.unique(values[~missing]):
        if isinstance(v, bool | np.bool_ | int | float | np.integer | np.floating) and v in (0, 1):
            read[v] = bool(v)
        elif str(v).strip().lower() in OPEN_WORDS:
            read[v] = OPEN_WORDS[str(v).strip().lower()]
        else:
            unknown.append(str(v))
    if unknown:
        raise EventLogError(
            f"{src}: column '{CASE_OPEN}' has values that are neither true nor false "
            f"({unknown[:5]}); expected true/false, 1/0 or yes/no (empty: not open)"
        )
    flags = values.map(read).where(~missing, False).astype(bool)
    return flags.to_numpy(dtype=bool), int(missing.sum())


@dataclass(frozen=True)
class RunawayCases:
    """Cases with far more events than the others (``find_runaway_cases``)."""

    events: dict[str, int]  # case id -> its number of events, most first
    typical: int  # the RUNAWAY_QUANTILE quantile of events per case
    shares: dict[str, float]  # activity -> share of its instances in these cases, largest first
    n_cases: int  # cases in the log

    @property
    def rows(self) -> int:
        """The events of the runaway cases."""
        return sum(self.events.values())

    def describe(self) -> str:
        """What makes these cases runaway, as the start of a note."""
        n = len(self.events)
        listed = ", ".join(f"{c!r} ({k:,} events)" for c, k in list(self.events.items())[:5])
        more = f" and {n - 5} more" if n > 5 else ""
        shares = ", ".join(
            f"{100 * v:.0f} % of the {a!r}" for a, v in list(self.shares.items())[:4]
        )
        who = "it alone supplies" if n == 1 else "together they supply"
        return (
            f"{'case' if n == 1 else f'{n} cases'} {listed}{more} "
            f"{'has' if n == 1 else 'have'} more than {RUNAWAY_FACTOR} times the "
            f"{self.typical} events that {100 * RUNAWAY_QUANTILE:.0f} % of the log's "
            f"{self.n_cases:,} cases have at most; {who} {shares} instances"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable: the cases' event counts, the typical count and the shares."""
        return {
            "cases": dict(self.events),
            "typical_events": self.typical,
            "quantile": RUNAWAY_QUANTILE,
            "factor": RUNAWAY_FACTOR,
            "activity_shares": {a: round(v, 4) for a, v in self.shares.items()},
        }


def find_runaway_cases(events: pd.DataFrame) -> RunawayCases | None:
    """The runaway cases of ``events`` (``case_id`` and ``activity`` columns, as in ``Prepared``
    and ``EventLog`` events; one row an activity instance), None when there are none.

    A case is a candidate when it has more than ``RUNAWAY_FACTOR`` times the events of the
    ``RUNAWAY_QUANTILE`` quantile of events per case (the case count at or below it); the
    candidates are runaway cases when together they supply at least ``RUNAWAY_MIN_SHARE`` of
    some activity's instances, so that they would dominate its fits and routing. A long but
    rare case (a few loops more than the rest) is neither; nor are more candidates than
    ``RUNAWAY_MAX_CASE_SHARE`` of the cases, or several that alone do some activity (a kind of
    case, not a runaway); a log of fewer than ``RUNAWAY_MIN_CASES`` cases is not judged."""
    per_case = events.groupby("case_id", sort=False).size()
    if len(per_case) < RUNAWAY_MIN_CASES:
        return None
    typical = int(np.quantile(per_case.to_numpy(), RUNAWAY_QUANTILE, method="lower"))
    candidates = per_case[per_case > RUNAWAY_FACTOR * typical]
    if candidates.empty or len(candidates) > max(1, RUNAWAY_MAX_CASE_SHARE * len(per_case)):
        return None
    mine = events["case_id"].isin(candidates.index)
    shares = (
        events.loc[mine].groupby("activity").size() / events.groupby("activity").size()
    ).dropna()
    if len(candidates) > 1 and (shares >= 1.0).any():
        return None  # several cases that alone do some activity: a kind of case of their own
    shares = shares[shares >= RUNAWAY_MIN_SHARE].sort_values(ascending=False, kind="stable")
    if shares.empty:
        return None
    ordered = candidates.sort_values(ascending=False, kind="stable")
    return RunawayCases(
        events={str(c): int(k) for c, k in ordered.items()},
        typical=typical,
        shares={str(a): float(v) for a, v in shares.items()},
        n_cases=len(per_case),
    )


def drop_runaway_cases(
    log: EventLog,
    *,
    keep_hint: str = "calibrate the log as read to keep them",
    removed_from: str = "before calibration",
) -> tuple[EventLog, RunawayCases | None]:
    """``log`` without its runaway cases (``find_runaway_cases``) and what they were (None, and
    ``log`` itself, when it has none). The copy's report keeps the reading's counts and adds a
    note that names the cases removed, their events and the share of each activity's instances
    they held, ending with ``keep_hint`` (how to keep them); ``removed_from`` says where they
    are removed (a held-out log's from the back-test's history)."""
    found = find_runaway_cases(log.events)
    if found is None:
        return log, None
    gone = log.events[C.CASE].astype(str).isin(found.events)
    n = len(found.events)
    note = (
        f"Removed {n} runaway case{'' if n == 1 else 's'} ({found.rows:,} rows) "
        f"{removed_from}: {found.describe()} ({keep_hint})."
    )
    kept = log.events.loc[~gone].reset_index(drop=True)
    report = dataclasses.replace(log.report, notes=[*log.report.notes, note])
    return (
        EventLog(
            events=kept,
            report=report,
            source=log.source,
            start_times_estimated=log.start_times_estimated,
            in_progress_case_ids=log.in_progress_case_ids - frozenset(found.events),
        ),
        found,
    )


def _resource_roles(raw: pd.DataFrame) -> tuple[dict[str, str], list[str]]:
    """Resource -> its role in the log's role column (the one on most of its events), and the
    resources with several; empty without such a column."""
    if C.ROLE not in raw.columns or C.RESOURCE not in raw.columns:
        return {}, []
    pairs = pd.DataFrame({"resource": raw[C.RESOURCE], "role": raw[C.ROLE]}).dropna()
    if pairs.empty:
        return {}, []
    pairs = pairs.astype(str)
    counts = pairs.groupby(["resource", "role"]).size().sort_values(ascending=False, kind="stable")
    first = counts.reset_index().drop_duplicates("resource")
    several = pairs.groupby("resource")["role"].nunique()
    return dict(zip(first["resource"], first["role"], strict=True)), sorted(
        several[several > 1].index
    )


def joined_people(
    resources: pd.Series,
    roles: Mapping[str, str] | None = None,
    *,
    known: Collection[str] | None = None,
) -> dict[str, list[str]]:
    """Resource values that name several people at once (``'se1;ae3'``, ``PEOPLE_SEPARATOR``:
    a simulated log's step done by one person of each of several roles): value -> its people.
    Only where every part is a resource the log also shows on its own (or one of ``known``
    people: the members of calibrated roles), or where the role column (``roles``: resource ->
    role) names as many roles (``'solutions_eng;account_exec'``), so a name that merely
    contains the separator stays one resource."""
    values = [str(v) for v in pd.unique(resources.dropna())]
    alone = {v for v in values if PEOPLE_SEPARATOR not in v} | set(known or ())
    out = {}
    for v in values:
        if PEOPLE_SEPARATOR not in v:
            continue
        parts = list(dict.fromkeys(x.strip() for x in v.split(PEOPLE_SEPARATOR) if x.strip()))
        role_parts = str((roles or {}).get(v, "")).split(PEOPLE_SEPARATOR)
        if len(parts) == 1:  # 'a;a': one person named twice
            out[v] = parts
        elif len(parts) >= 2 and (all(x in alone for x in parts) or len(role_parts) == len(parts)):
            out[v] = parts
    return out


def people_roles(roles: Mapping[str, str], joined: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """``roles`` (resource -> role, the log's role column) for each person of ``joined``
    resources too, where the role value names as many roles as the resource names people (the
    first such value seen for a person who appears in several)."""
    out = dict(roles)
    for value, people in joined.items():
        parts = [r.strip() for r in str(roles.get(value, "")).split(PEOPLE_SEPARATOR)]
        if len(parts) != len(people):
            continue
        # a person seen alone keeps that role; the others take the roles left, in order (a
        # role column that lists its roles in another order than the people still reads right
        # where all but one of them are seen alone)
        left = list(parts)
        for person in people:
            if person in out and out[person] in left:
                left.remove(out[person])
        for person, role in zip([p for p in people if p not in out], left, strict=False):
            out[person] = role
    return out


def explode_people(
    events: pd.DataFrame, joined: Mapping[str, Sequence[str]]
) -> tuple[pd.DataFrame, np.ndarray]:
    """``events`` with one row per person of each event whose resource is in ``joined``
    (``joined_people``), and the position in ``events`` of each row."""
    res = events["resource"].to_numpy(dtype=object)
    people = [list(joined.get(str(r), [r])) if r is not None else [r] for r in res]
    counts = np.fromiter((len(x) for x in people), dtype=np.int64, count=len(people))
    rows = np.repeat(np.arange(len(events)), counts)
    out = events.iloc[rows].reset_index(drop=True)
    out["resource"] = [x for group in people for x in group]
    return out, rows


def _ties_note(ev: pd.DataFrame) -> str | None:
    """A note when events of a case share their start and end (a log written to the minute, a
    completion-only log's instants): nothing tells their order, which the log's row order then
    decides, so a file sorted otherwise gives other routing."""
    tied = ev.duplicated(["case_id", "start", "end"], keep=False).to_numpy()
    if not tied.any():
        return None
    pairs = ev.loc[tied].groupby("activity").size().sort_values(ascending=False, kind="stable")
    top = ", ".join(f"{a!r} ({n})" for a, n in pairs.head(3).items())
    return (
        f"{int(tied.sum())} event(s) in {ev.loc[tied, 'case_id'].nunique()} case(s) share their "
        f"start and end time with another event of their case (most: {top}): nothing in the "
        "log orders them, so the file's row order does; a file sorted otherwise (an export "
        "without ORDER BY) gives other routing for them"
    )


def _mixed_outcomes_note(ev: pd.DataFrame) -> str | None:
    """A note when cases carry more than one value in the outcome column: the value on a case's
    last-ending event is its outcome (``case_outcomes``)."""
    values = ev.dropna(subset=["outcome"]).groupby("case_id", sort=True)["outcome"].nunique()
    mixed = values[values > 1]
    if mixed.empty:
        return None
    first = str(mixed.index[0])
    seen = sorted({str(o) for o in ev.loc[ev["case_id"] == first, "outcome"].dropna()})
    return (
        f"{len(mixed)} case(s) carry more than one value in the outcome column (e.g. case "
        f"{first!r}: {', '.join(seen[:4])}): each case's outcome is the value on its event that "
        "ends last"
    )


def case_outcomes(
    p: Prepared, groups: Mapping[str, Sequence[Sequence[str]]] | None = None
) -> pd.Series:
    """Each case's outcome: the ``outcome`` column when the log has one, else its last activity
    (``last_activities``: the activity of the event that ends last, or, for a case that ends
    in a parallel block of ``groups`` (block -> its branches' activities), the last activity of
    the branch that tells its visits apart). Open cases get None."""
    ev = p.events
    fallback = last_activities(ev, groups)
    if p.has_outcome:
        by_end = ev.iloc[np.lexsort((ev["start"].to_numpy(), ev["end"].to_numpy()))]
        last = by_end.groupby("case_id", sort=False)["outcome"].last()
        last = last.where(last.notna(), fallback.reindex(last.index))
    else:
        last = fallback
    last = last.astype(object)
    last[last.index.isin(p.open_cases)] = None
    return last


def last_activities(
    events: pd.DataFrame, blocks: Mapping[str, Sequence[Sequence[str]]] | None = None
) -> pd.Series:
    """Each case's last activity (``case_id``, ``activity``, ``start``, ``end`` columns; case id
    -> activity): the activity of the event that ends last. A case that ends in a parallel
    block (``blocks``: block -> its branches, each a list of activities) ends when its last
    branch does, which may be a branch that goes the same way in every visit (an audit beside
    the review); its outcome is the last activity, in its final visit, of the block's branch
    whose last activity varies most between visits (the smallest share of its most common
    one: a review that accepts or declines), else of the branch that ended last."""
    order = np.lexsort((events["start"].to_numpy(), events["end"].to_numpy()))
    by_end = events.iloc[order]
    last = by_end.groupby("case_id", sort=False)["activity"].last()
    branch_of = {
        a: (g, b)
        for g, branches in (blocks or {}).items()
        for b, acts in enumerate(branches)
        for a in acts
    }
    if not branch_of or not last.map(lambda a: a in branch_of).any():
        return last
    ordered = events.sort_values(["case_id", "start", "end"], kind="stable")
    # every visit of a block: each branch's last activity in it (None: the branch was skipped)
    ends_of: dict[tuple[str, int], list[str | None]] = {}
    final: dict[Any, tuple[str, list[tuple[int, str, float]]]] = {}  # the case's last visit
    for case, ev in ordered.groupby("case_id", sort=False):
        acts = ev["activity"].to_numpy()
        ends = ev["end"].to_numpy(dtype=float)
        i = 0
        while i < len(acts):
            if acts[i] not in branch_of:
                i += 1
                continue
            g = branch_of[acts[i]][0]
            branch_end: dict[int, tuple[str, float]] = {}
            j = i
            while j < len(acts) and branch_of.get(acts[j], ("",))[0] == g:
                b = branch_of[acts[j]][1]
                if b not in branch_end or ends[j] >= branch_end[b][1]:
                    branch_end[b] = (str(acts[j]), float(ends[j]))
                j += 1
            for b in range(len(blocks[g])):  # type: ignore[index]
                ends_of.setdefault((g, b), []).append(branch_end.get(b, (None, 0.0))[0])
            if j == len(acts):
                final[case] = (g, [(b, a, t) for b, (a, t) in branch_end.items()])
            i = j
    variety = {  # the share of a branch's most common last activity (1: always the same)
        key: pd.Series(v, dtype=object).value_counts(dropna=False).max() / len(v)
        for key, v in ends_of.items()
    }
    out = last.copy()
    for case, (g, branch_ends) in final.items():
        if out[case] in branch_of:  # the case's last-ending event is in the block
            # the most variable branch, then the one that ended last
            out[case] = min(branch_ends, key=lambda x: (variety[(g, x[0])], -x[2]))[1]
    return out
