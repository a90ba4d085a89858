"""Notes on what a log shows that the calibrated model cannot, for the analyst to read before
trusting it: roles open longer than one person works, resources that work on several cases at
once, an activity running twice at once in a case, a log of dates only, enabled times not used.
Each returns one sentence for ``Calibration.notes``, or None (False) where there is nothing to
say."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from sim.calibrate.staff import RoleFit, works_on_the_clock_verdict
from sim.eventlog import EventLog
from sim.eventlog.read import LIFECYCLE
from sim.model import columns as C

#: A role's working week above this (hours) is more than one person works: said in a note.
LONG_WEEK_HOURS = 60.0


def long_weeks_note(roles: Mapping[str, RoleFit]) -> str | None:
    """A note naming the roles whose calendar (when anyone of the role was seen at work) is
    open longer than ``LONG_WEEK_HOURS`` a week: the model has each of their people work all
    of it, so where people work shifts its headcount counts shifts' people as always there
    and a staffing what-if moves people of that many hours (QA 2026-12-05 #3: BPIC's role_1
    open 75.5 h a week, and optimize recommended 2 people for a role of 5 without a word).

    A role whose work runs on the clock (``works_on_the_clock_verdict``: a customer filling in
    a form, a supplier, a fixed lead time) is no one's working week: its 24/7 calendar is when
    its work runs on, not hours people are at work, so it is not named (QA leftovers23 #34:
    the loan log's Applicant role was said to work "around the clock")."""
    staff = {
        name: r
        for name, r in sorted(roles.items())
        if not works_on_the_clock_verdict(r.provenance.get("calendar") or {})
    }
    long = {
        name: r.calendar.weekly_total
        for name, r in staff.items()
        if not r.calendar.is_constant and r.calendar.weekly_total > LONG_WEEK_HOURS
    }
    constant = [n for n, r in staff.items() if r.calendar.is_constant and r.members]
    if not long and not constant:
        return None
    hours = "; ".join(f"{n} {h:.1f} h" for n, h in long.items())
    every = ", ".join(constant)
    which = "; ".join(x for x in (hours, f"{every} around the clock" if every else "") if x)
    return (
        f"working weeks longer than one person works ({which}): a role's calendar is when "
        "anyone of it was seen at work, and the model has each of its people work all of it; "
        "where they work shifts, read its headcount and staffing what-ifs as people of that "
        "many hours a week, not as the people on the payroll"
    )


#: A resource whose work overlaps its own on more than this share of its events, with at least
#: ``MANY_AT_ONCE_MIN`` such events, is no one person (a system, a bot, a shared account).
MANY_AT_ONCE_SHARE = 0.2
MANY_AT_ONCE_MIN = 20


def many_at_once_note(ev: pd.DataFrame) -> str | None:
    """A note naming resources that work on several cases at once in the log (an event starts
    before their previous one ended) on more than ``MANY_AT_ONCE_SHARE`` of their events: the
    model has each resource do one thing at a time, so a system user or a shared account
    becomes one slow person whose queue the log never had (QA 2026-12-05: a 'system' user
    overlapping itself in 152 of 600 executions became a role of headcount 1)."""
    df = ev.loc[ev["resource"].notna(), ["resource", "start", "end"]]
    if df.empty:
        return None
    df = df.sort_values(["resource", "start", "end"], kind="stable")
    ended = df.groupby("resource", sort=False)["end"].cummax().groupby(df["resource"]).shift(1)
    overlaps = (df["start"] < ended - 1e-9).groupby(df["resource"], sort=False).agg(["sum", "size"])
    busy = overlaps[
        (overlaps["sum"] >= MANY_AT_ONCE_MIN)
        & (overlaps["sum"] > MANY_AT_ONCE_SHARE * overlaps["size"])
    ]
    if busy.empty:
        return None
    shown = "; ".join(
        f"{r!r} {int(row['sum'])} of {int(row['size'])}" for r, row in busy.head(8).iterrows()
    )
    more = f" and {len(busy) - 8} more" if len(busy) > 8 else ""
    return (
        f"resources that start work before their previous work ended ({shown}{more} events): "
        "people who work on several cases at once, or a system, a bot or a shared account? "
        "The model has each resource do one thing at a time, so their work queues where the "
        "log's did not (their role's capacity is understated); a system or shared account "
        "named in columns.no_resource has its steps modelled without staff"
    )


def twice_at_once_note(ev: pd.DataFrame, min_cases: int = 5) -> str | None:
    """A note naming activities that run twice at once in a case (a second instance starts
    before the first ended, e.g. two people quoting in parallel) in at least ``min_cases``
    cases: repetitions are modelled one after the other, so those cases take longer in the
    model than in the log (QA 2026-12-05: 10 % of cases with a second Quote inside the first's
    time became 'Quote #2+' after 'Quote', with no note)."""
    df = ev[["case_id", "activity", "start", "end"]].sort_values(
        ["case_id", "activity", "start", "end"], kind="stable"
    )
    key = [df["case_id"], df["activity"]]
    ended = df.groupby(key, sort=False)["end"].cummax().groupby(key, sort=False).shift(1)
    twice = df.loc[df["start"] < ended - 1e-9, ["case_id", "activity"]].drop_duplicates()
    counts = twice["activity"].value_counts()
    counts = counts[counts >= min_cases]
    if counts.empty:
        return None
    shown = "; ".join(f"{a!r} in {n} case(s)" for a, n in counts.head(8).items())
    return (
        f"activities that run twice at once in a case ({shown}): the model has a case do an "
        "activity's repetitions one after the other, so those cases take longer in it than in "
        "the log"
    )


def dates_only(log: Any) -> bool:
    """Whether every start and end time of ``log`` (an ``EventLog``) falls at midnight: a log
    exported with dates only (QA 2026-12-05 #5: every step came out fixed at 0 h, and a note
    called the first step saturated)."""
    if not isinstance(log, EventLog):
        return False
    times = pd.concat([log.events[C.START].dropna(), log.events[C.END].dropna()])
    return bool(len(times)) and bool((times == times.dt.normalize()).all())


def _enabled_times_source(log: EventLog) -> str:
    """Where ``log``'s enabled times came from: the file's column, or its schedule lifecycle
    events folded into the rows of their instances (an XES log: ``sim.eventlog.lifecycle``)."""
    used = log.report.columns_used
    if C.ENABLED in used:
        return f"column {used[C.ENABLED]!r}"
    if LIFECYCLE in used and log.report.lifecycle_events_merged:
        return f"its {used[LIFECYCLE]!r} = 'schedule' events"
    return f"column {C.ENABLED}"


def unused_enabled_times_note(log: Any) -> str | None:
    """A note when the log records when its cases' first activities were enabled (an
    ``enabled_time`` column, e.g. a simulator's trace, or an XES log's schedule events; the note
    names which): calibration does not use it, it takes a
    case's arrival as its first start, so the first step's recorded wait is left out of the
    model (QA 2026-12-05 #7: register waited 1.66 h in the log, 0.04 h in the model)."""
    if not isinstance(log, EventLog) or C.ENABLED not in log.events.columns:
        return None
    ev = log.events
    first = ev.sort_values([C.START, C.END], kind="stable").groupby(C.CASE, sort=False).head(1)
    known = first[C.ENABLED].notna() & first[C.START].notna()
    if not known.any():
        return None
    wait = (first.loc[known, C.START] - first.loc[known, C.ENABLED]).dt.total_seconds() / 3600
    return (
        f"the log records when {int(known.sum())} case(s)' first activities were enabled "
        f"({_enabled_times_source(log)}), a mean {max(float(wait.mean()), 0.0):.3g} h before "
        "they started; calibration does not use it: a case arrives at its first start, so that wait is not in "
        "the model (its first step never queues for arrivals) and the arrival profile follows "
        "the first starts"
    )
