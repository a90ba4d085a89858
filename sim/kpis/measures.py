"""KPI definitions: pure functions of the events and cases tables (see ``frames``).

Definitions (all over *measured* cases: those that arrived in the measurement window):

* cycle time: case end - arrival, over finished cases (completed or dropped);
* waiting of a step: start - enabled (queueing, closed shifts, hand-off) of its executions (a case
  that abandoned the queue is not in it); processing: working time between start and end;
* reached: cases that executed a step, abandoned its queue (in a parallel branch too, while
  another branch was still under way at the stop), or were at it (queueing or in service) when
  the run stopped;
* drop-off rate: finished cases whose outcome is a drop-off / finished cases;
* throughput: successful completions per day and per week of the window;
* WIP: time-average number of cases in the process during the window; WIP change: its change
  from the window's first part to its last (equal parts, whole weeks where the window holds two
  or more): about 0 at a steady state, positive while the process still fills up;
* utilisation of a role: hours its people are busy within their calendar, over the hours they are
  scheduled, in the window (work still under way when the run stopped counts until the stop);
* cost per case: (staff cost of the scheduled hours in the window + per-execution step costs) /
  measured cases; processing cost per case counts only busy hours (activity-based; work under
  way when the run stopped until the stop);
* value-added ratio: time during which at least one value-adding step is worked on (the union
  of their work, in their calendars' working hours) / cycle time (ratio of totals over finished
  cases; parallel value-adding steps count their common time once, so it is at most 1);
* revenue per case: mean outcome value; margin per case: revenue - cost per case;
* conversion rate: finished cases whose outcome is a success / finished cases (1 - drop-off rate);
* waiting per case: the total waiting of a finished case (its steps' waiting, the wait of a case
  that gave up in a queue included) averaged over finished cases;
* waiting share of a step: its total waiting (cases that gave up in its queue included) / total
  time in the process: the cycle times of finished cases plus, for a simulated run that stopped
  with measured cases in progress, their time until the stop and their waiting until then
  (a case stuck in a queue counts there, not nowhere); queue share: the same for the waiting
  that is queueing for staff, from when the case was ready for them (a simulated trace's
  ``ready``: after the model's hand-off delay, which is waiting but not queueing for staff)
  until it started, leaving out only the wait for the first opening of the staff's shift after
  it was ready (the calendar's); from that opening on every hour counts, the hours they are off
  included, as a backlog carried over to the next shift waits for lack of staff;
* timer share: total time in a calibrated model's ``delay:`` timer steps / total time in the
  process, as for the waiting share (waiting for the customer or an outside party, not for
  staff);
* bottleneck: the staffed step with the largest queue share.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.model.calendar import WeeklyRate, week_offset
from sim.model.columns import PEOPLE_SEPARATOR
from sim.model.process import ProcessModel

DAY = 24.0
WEEK = 168.0


def measured_events(events: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """Events of measured cases only."""
    keep = cases.loc[cases["measured"].astype(bool), "case_id"]
    return events[events["case_id"].isin(keep)]


def _measured_or_none(table: pd.DataFrame | None, cases: pd.DataFrame) -> pd.DataFrame | None:
    """``measured_events`` of an optional table."""
    return None if table is None else measured_events(table, cases)


def finished(cases: pd.DataFrame) -> pd.DataFrame:
    """Measured cases that have an outcome (not in progress)."""
    m = cases["measured"].astype(bool) & cases["success"].notna()
    return cases[m]


def cycle_times(cases: pd.DataFrame) -> np.ndarray:
    """Cycle times (hours) of finished measured cases."""
    f = finished(cases)
    return (f["end"] - f["arrival"]).to_numpy(dtype=float)


CYCLE_TIME_KPIS = ("cycle_time_mean", "cycle_time_median", "cycle_time_p90", "cycle_time_p95")


def cycle_time_summary(ct: np.ndarray) -> dict[str, float]:
    """Mean, median, p90 and p95 of cycle times ``ct`` (hours; NaN for none): one
    replication's cycle-time KPIs."""
    if ct.size == 0:
        return dict.fromkeys(CYCLE_TIME_KPIS, np.nan)
    q = np.quantile(ct, [0.5, 0.9, 0.95])
    return dict(zip(CYCLE_TIME_KPIS, (float(ct.mean()), *map(float, q)), strict=True))


def cycle_time_stats(cases: pd.DataFrame) -> dict[str, float]:
    """Mean, median, p90 and p95 cycle time in hours (NaN when no case finished)."""
    return cycle_time_summary(cycle_times(cases))


def _shared_calendar(model: ProcessModel, roles: Sequence[str]) -> WeeklyRate:
    """The hours all of ``roles`` are on shift: when a step of those roles can progress."""
    cal = model.calendar_of(roles[0])
    for r in roles[1:]:
        cal = cal.intersect(model.calendar_of(r))
    return cal


def _working_time(
    events: pd.DataFrame, model: ProcessModel, lo: str, hi: str
) -> tuple[np.ndarray, np.ndarray]:
    """Hours between columns ``lo`` and ``hi`` of each event in working hours of its step's
    calendar (the intersection of its roles' calendars; a timer's own ``calendar``; the calendar
    of the role that did it where that is one of the step's ``alternatives``), and whether the
    event's step is staffed; elapsed hours for automated steps and timers on the clock, and
    for activities that are not steps of ``model``."""
    off = week_offset(model.start_date)
    start = events[lo].to_numpy(dtype=float)
    end = events[hi].to_numpy(dtype=float)
    work = end - start
    groups, staffed = _event_calendars(events, model)
    for sel, cal in groups:
        work[sel] = (
            end[sel] - start[sel]
            if cal is None
            else cal.cumulative_array(end[sel] + off) - cal.cumulative_array(start[sel] + off)
        )
    return work, staffed


def _event_calendars(
    events: pd.DataFrame, model: ProcessModel
) -> tuple[list[tuple[np.ndarray, WeeklyRate | None]], np.ndarray]:
    """The calendar each event's step progresses in, as (selection, calendar) pairs to apply
    in order (a later pair overrides an earlier one): per activity ``_progress_calendar``'s,
    then, for events done by one of the step's ``alternatives``, that role's (None: on the
    clock); and whether each event's step is staffed."""
    groups: list[tuple[np.ndarray, WeeklyRate | None]] = []
    staffed = np.zeros(len(events), dtype=bool)
    acts = events["activity"].to_numpy()
    for name in pd.unique(acts):
        sel = acts == name
        cal, staffed[sel] = _progress_calendar(model, name)
        groups.append((sel, cal))
    if "role" in events:  # a step somebody of another role did counts on that role's calendar
        roles = events["role"].to_numpy()
        for name in pd.unique(acts):
            step = model.steps.get(name)
            for alt in () if step is None else step.alternatives:
                sel = (acts == name) & (roles == alt.role)
                if alt.role not in model.roles or not sel.any():
                    continue
                cal = model.calendar_of(alt.role)
                groups.append((sel, None if cal.is_constant else cal))
    return groups, staffed


def _progress_calendar(model: ProcessModel, activity: str) -> tuple[WeeklyRate | None, bool]:
    """The calendar in whose working hours a step of ``activity`` progresses (the intersection
    of its roles' calendars; a timer's own ``calendar``), ``None`` when it progresses on the
    clock (automated steps, timers without a calendar, activities that are not steps of
    ``model``, constant calendars); and whether the step is staffed."""
    step = model.steps.get(activity)
    if step is None:
        return None, False
    if not step.roles:  # a timer counts working hours of its calendar, if it has one
        if step.calendar in (None, "24/7") or step.calendar not in model.calendars:
            return None, False
        cal = model.calendars[step.calendar]
        return (None if cal.is_constant else cal), False
    if any(r not in model.roles for r in step.roles):
        return None, False
    cal = _shared_calendar(model, step.roles)
    return (None if cal.is_constant else cal), True


def working_processing(events: pd.DataFrame, model: ProcessModel) -> np.ndarray:
    """Processing time of each event in working hours of its step's calendar.

    A step done by staff only progresses while they are on shift (the intersection of its roles'
    calendars), so the time it spends paused overnight is not processing; a timer with a
    ``calendar`` counts that calendar's working hours ("2 business days" is 16 h). Activities
    that are not steps of ``model``, automated steps and timers on the clock count elapsed time.
    """
    return _working_time(events, model, "start", "end")[0]


def _with_abandoned_waits(events: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """The events of finished measured cases, plus one row per case that abandoned a queue:
    its waiting there (``enabled`` -> ``start`` = when it left; ``ready``: when it was ready for
    the step's people, after any hand-off delay). A simulated trace knows these times
    (``dropped_enabled``/``dropped_ready``/``dropped_left``); a real log does not. The events
    keep their ``ready`` where they have one; ``ready`` is ``enabled`` where they do not."""
    done = finished(cases)
    ev = events[events["case_id"].isin(done["case_id"])]
    if "ready" not in ev:
        ev = ev.assign(ready=ev["enabled"])
    if "dropped_left" not in done:
        return ev
    left = done[done["dropped_left"].notna() & done["dropped_at"].notna()]
    if left.empty:
        return ev
    enabled = left["dropped_enabled"].to_numpy(dtype=float)
    waits = pd.DataFrame(
        {
            "case_id": left["case_id"].to_numpy(),
            "activity": left["dropped_at"].to_numpy(),
            "enabled": enabled,
            "start": left["dropped_left"].to_numpy(dtype=float),
            "ready": left["dropped_ready"].to_numpy(dtype=float)
            if "dropped_ready" in left
            else enabled,
        }
    )
    return pd.concat([ev, waits], ignore_index=True)


def _next_opening(cal: WeeklyRate, t: np.ndarray) -> np.ndarray:
    """Vectorised ``WeeklyRate.next_positive``: per time of ``t`` (calendar time), the earliest
    time at or after it at which ``cal`` is open (``t`` itself inside a shift)."""
    t = np.asarray(t, dtype=float)
    breaks = np.asarray(cal.breaks)
    rates = np.asarray(cal.rates)
    n = len(rates)
    # per piece of the week: the start of the first open piece after it (next week's if it wraps)
    after = np.full(n, np.inf)
    for i in range(n):
        for k in range(1, n + 1):
            j = (i + k) % n
            if rates[j] > 0:
                after[i] = breaks[j] + (WEEK if i + k >= n else 0.0)
                break
    weeks, r = np.divmod(t, WEEK)
    i = np.clip(np.searchsorted(breaks, r, side="right") - 1, 0, n - 1)
    return np.where(rates[i] > 0, t, weeks * WEEK + after[i])


def _queue_time(events: pd.DataFrame, model: ProcessModel) -> tuple[np.ndarray, np.ndarray]:
    """Hours each event (columns ``ready`` and ``start``) queued for staff, and whether its step
    is staffed: from when the case was ready, or from the first opening of its step's calendar
    after that when it was ready off shift (the wait for the shift is the calendar's), to the
    start, the hours the staff are off included: a case still queued at closing time waits
    overnight for lack of staff. The calendar is ``_working_time``'s (the intersection of the
    step's roles' calendars; that of the role that did it where that is one of its
    ``alternatives``)."""
    off = week_offset(model.start_date)
    ready = events["ready"].to_numpy(dtype=float)
    start = events["start"].to_numpy(dtype=float)
    first = ready.copy()  # when the queue for staff began
    groups, staffed = _event_calendars(events, model)
    for sel, cal in groups:  # a timer's calendar is no shift to wait for
        on_shift = cal is not None and staffed[sel].any()
        first[sel] = _next_opening(cal, ready[sel] + off) - off if on_shift else ready[sel]
    return np.maximum(start - first, 0.0), staffed


def _open_measured(cases: pd.DataFrame) -> pd.DataFrame:
    """Measured cases still in progress (no outcome) when the run stopped."""
    return cases[cases["measured"].astype(bool) & cases["success"].isna()]


def time_in_process(cases: pd.DataFrame, stop: float | None = None) -> float:
    """The denominator of the waiting, queue and timer shares: the total cycle time of finished
    measured cases plus, with ``stop`` (when a simulated run stopped), the hours the measured
    cases still in progress had spent in the process until then."""
    total = float(cycle_times(cases).sum())
    if stop is not None:
        total += float((stop - _open_measured(cases)["arrival"].to_numpy(dtype=float)).sum())
    return total


def _share_rows(
    events: pd.DataFrame,
    cases: pd.DataFrame,
    open_steps: pd.DataFrame | None = None,
    stop: float | None = None,
) -> pd.DataFrame:
    """The rows the waiting, queue and timer shares sum: ``_with_abandoned_waits`` and, with
    ``stop`` (a simulated run that stopped with measured cases in progress), those cases'
    executed steps and the steps they were at (``open_steps``): ready when they reached them
    (the open steps do not record a hand-off's end), started at the stop where they were
    still waiting, and ending at the stop."""
    ev = _with_abandoned_waits(events, cases)
    if stop is None:
        return ev
    ids = _open_measured(cases)["case_id"]
    if ids.empty:
        return ev
    parts = [ev, events[events["case_id"].isin(ids)]]
    if open_steps is not None and len(open_steps):
        at = open_steps[open_steps["case_id"].isin(ids)]
        parts.append(
            at.assign(
                ready=at["enabled"],
                start=at["start"].fillna(stop),
                end=at["end"].fillna(stop),
            )
        )
    parts = [p for p in parts if len(p)]
    if not parts:  # no step executed, none under way at the stop (QA engineprop19 #3)
        return ev
    out = pd.concat(parts, ignore_index=True)
    if out["ready"].isna().any():  # a log without ready times: ready when enabled
        out["ready"] = out["ready"].fillna(out["enabled"])
    return out


def queue_shares(
    events: pd.DataFrame,
    cases: pd.DataFrame,
    model: ProcessModel,
    *,
    open_steps: pd.DataFrame | None = None,
    stop: float | None = None,
) -> pd.Series:
    """Per staffed step: the waiting before it that is queueing for staff (``_queue_time``),
    summed over finished measured cases (those that gave up in its queue included), over their
    total cycle time. Waiting for the first opening of the staff's shift after the case was
    ready (a case enabled at night) is left out: it is the calendar, not a lack of staff; a
    case still queued when the shift closes queues on through the night. So is the hand-off
    delay of a simulated trace (the queue runs from ``ready``, after it, to the start): the
    model's delay between teams, not a lack of staff; it stays in the waiting.

    With ``stop`` (when a simulated run stopped) the measured cases still in progress count
    too (``_share_rows``, ``time_in_process``): their queueing until the stop, at the steps
    they were at (``open_steps``) included, over the total time in the process; a step whose
    queue no measured case got through by the stop is not left at 0. Automated and timer steps
    are not listed."""
    total = time_in_process(cases, stop)
    ev = _share_rows(events, cases, open_steps, stop)
    queue, staffed = _queue_time(ev, model)
    q = pd.Series(queue[staffed]).groupby(ev["activity"].to_numpy()[staffed]).sum()
    return q / total if total > 0 else q * np.nan


def timer_shares(
    events: pd.DataFrame,
    cases: pd.DataFrame,
    timers: list[str],
    *,
    open_steps: pd.DataFrame | None = None,
    stop: float | None = None,
) -> pd.Series:
    """Per timer step (a calibrated model's ``delay:`` steps, ``metadata["timer_steps"]``: time a
    case waits for the customer or an outside party): its total elapsed time over finished
    measured cases, over their total cycle time; with ``stop``, the cases in progress count
    until it as in ``queue_shares``."""
    total = time_in_process(cases, stop)
    ev = _share_rows(events, cases, open_steps, stop)
    ev = ev[ev["activity"].isin(timers)]
    t = (ev["end"] - ev["start"]).groupby(ev["activity"]).sum()
    return t / total if total > 0 else t * np.nan


def step_table(
    events: pd.DataFrame, cases: pd.DataFrame, open_steps: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per activity: visits, share of cases reaching it, mean waiting and processing (hours).

    Visits, waiting and processing are those of the executions (events); a case that abandoned
    while queueing at a step reached it too (it entered the step's queue), so the first step of
    a funnel is 100 % and a loss shows at the step where it happens; so did a case that was at
    the step when the run stopped, queueing or in service (``open_steps``, a simulated trace's
    ``trace_open_steps``). Processing is the ``work`` column when the events table has one
    (working time, see ``working_processing``), else end - start.
    """
    ev = measured_events(events, cases)
    measured = cases[cases["measured"].astype(bool)]
    n_cases = len(measured)
    left = measured.loc[measured["dropped_at"].notna(), ["case_id", "dropped_at"]]
    at = _measured_or_none(open_steps, cases)
    at = at[["case_id", "activity"]] if at is not None and len(at) else None
    if ev.empty and left.empty and (at is None or at.empty):
        return pd.DataFrame(
            columns=[
                "visits",
                "reached",
                "waiting_mean",
                "processing_mean",
                "waiting_total",
                "processing_total",
            ]
        )
    wait = ev["start"] - ev["enabled"]
    proc = ev["work"] if "work" in ev else ev["end"] - ev["start"]
    g = ev.assign(_wait=wait, _proc=proc).groupby("activity", sort=False)
    out = pd.DataFrame(
        {
            "visits": g.size(),
            "waiting_mean": g["_wait"].mean(),
            "processing_mean": g["_proc"].mean(),
            "waiting_total": g["_wait"].sum(),
            "processing_total": g["_proc"].sum(),
        }
    )
    entered = pd.concat(
        [ev[["case_id", "activity"]], left.rename(columns={"dropped_at": "activity"})]
        + ([] if at is None else [at])
    )
    reached = entered.groupby("activity", sort=False)["case_id"].nunique() / max(n_cases, 1)
    out = out.reindex(out.index.union(reached.index, sort=False))
    out["visits"] = out["visits"].fillna(0).astype(int)
    out.insert(1, "reached", reached.reindex(out.index))
    return out


def waiting_shares(
    events: pd.DataFrame,
    cases: pd.DataFrame,
    *,
    open_steps: pd.DataFrame | None = None,
    stop: float | None = None,
) -> pd.Series:
    """Each step's total waiting (the waits of cases that gave up in its queue included) over
    the total cycle time of finished measured cases; with ``stop`` (when a simulated run
    stopped), the measured cases still in progress count too, their waiting until the stop at
    the steps they were at (``open_steps``) included, over the total time in the process
    (``time_in_process``), as in ``queue_shares``."""
    total = time_in_process(cases, stop)
    ev = _share_rows(events, cases, open_steps, stop)
    wait = (ev["start"] - ev["enabled"]).groupby(ev["activity"]).sum()
    return wait / total if total > 0 else wait * np.nan


def waiting_at_stop(cases: pd.DataFrame, open_steps: pd.DataFrame | None) -> dict[str, float]:
    """``waiting_at_end:<step>``: the share of measured cases that were still waiting at the
    step (queueing, or waiting for a shift or a hand-off: their work had not begun) when the
    run stopped, over the measured cases (``open_steps``, a simulated trace's
    ``trace_open_steps``); only the steps where some were."""
    at = _measured_or_none(open_steps, cases)
    n = int(cases["measured"].astype(bool).sum())
    if at is None or not len(at) or n == 0:
        return {}
    waiting = at[at["start"].isna()]
    per_step = waiting.groupby("activity", sort=False)["case_id"].nunique()
    return {f"waiting_at_end:{s}": k / n for s, k in per_step.items()}


def dropoff(events: pd.DataFrame, cases: pd.DataFrame) -> dict[str, float]:
    """Drop-off and abandonment rates; ``dropoff_at:<step>``: share of finished cases lost there.

    A dropped case is lost at the step where it abandoned, or else at its last activity.
    """
    f = finished(cases)
    n = len(f)
    out: dict[str, float] = {"dropoff_rate": np.nan, "abandon_rate": np.nan}
    if n == 0:
        return out
    lost = f[~f["success"].astype(bool)]
    out["dropoff_rate"] = len(lost) / n
    out["abandon_rate"] = float(lost["dropped_at"].notna().sum()) / n
    if len(lost):
        last = events[events["case_id"].isin(lost["case_id"])].sort_values("end", kind="stable")
        last_act = last.groupby("case_id")["activity"].last()
        where = lost.set_index("case_id")["dropped_at"].fillna(last_act).fillna("(before any step)")
        for step, k in where.value_counts().items():
            out[f"dropoff_at:{step}"] = k / n
    return out


def outcome_shares(cases: pd.DataFrame) -> dict[str, float]:
    """Share of finished measured cases per outcome."""
    f = finished(cases)
    if len(f) == 0:
        return {}
    return {f"outcome_share:{o}": k / len(f) for o, k in f["outcome"].value_counts().items()}


def funnel(
    events: pd.DataFrame,
    cases: pd.DataFrame,
    order: list[str] | None = None,
    open_steps: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Stage-by-stage funnel: share of measured cases reaching each step, and conversion.

    Stages are ordered by ``order`` (e.g. the model's main path) or else by the share reaching
    them, descending. ``conversion`` is reached / reached at the previous stage. ``open_steps``:
    the steps cases were at when the run stopped (see ``step_table``).
    """
    table = step_table(events, cases, open_steps)
    if table.empty:
        return pd.DataFrame(columns=["stage", "reached", "conversion"])
    reached = table["reached"]
    stages = [s for s in (order or []) if s in reached.index]
    stages += [s for s in reached.sort_values(ascending=False).index if s not in stages]
    r = reached.reindex(stages).to_numpy()
    conv = np.concatenate([[r[0]], r[1:] / np.where(r[:-1] > 0, r[:-1], np.nan)])
    return pd.DataFrame({"stage": stages, "reached": r, "conversion": conv})


def throughput(cases: pd.DataFrame, window: tuple[float, float]) -> dict[str, float]:
    """Successful completions per day and per week inside the window."""
    lo, hi = window
    span = hi - lo
    done = cases[
        (cases["success"].fillna(False).astype(bool)) & (cases["end"] >= lo) & (cases["end"] < hi)
    ]
    per_hour = len(done) / span if span > 0 else np.nan
    arrived = int(((cases["arrival"] >= lo) & (cases["arrival"] < hi)).sum())
    return {
        "throughput_per_day": per_hour * DAY,
        "throughput_per_week": per_hour * WEEK,
        "arrivals_per_week": arrived / span * WEEK if span > 0 else np.nan,
    }


def wip_mean(cases: pd.DataFrame, window: tuple[float, float]) -> float:
    """Time-average number of cases in the process during the window (Little's L)."""
    lo, hi = window
    if hi <= lo:
        return np.nan
    a = cases["arrival"].to_numpy(dtype=float)
    e = cases["end"].to_numpy(dtype=float)
    e = np.where(np.isnan(e), hi, e)
    overlap = np.clip(np.minimum(e, hi) - np.maximum(a, lo), 0.0, None)
    return float(overlap.sum() / (hi - lo))


def wip_change(cases: pd.DataFrame, window: tuple[float, float]) -> float:
    """``wip_mean`` of the window's last part minus that of its first, two parts of equal
    length: whole weeks (the weekly arrival and shift pattern alike in both) where the window
    holds two weeks or more, else its halves. A difference, not a ratio: its mean over
    replications is unbiased where a ratio of small counts is not."""
    lo, hi = window
    if hi <= lo:
        return np.nan
    part = _wip_part(hi - lo)
    return wip_mean(cases, (hi - part, hi)) - wip_mean(cases, (lo, lo + part))


def wip_change_lag(span: float) -> float:
    """How far apart (hours) the two parts of a window ``span`` hours long that ``wip_change``
    compares begin: where work in progress grows at a steady rate, ``wip_change`` is that rate
    times this lag."""
    return float(span - _wip_part(span))


def _wip_part(span: float) -> float:
    """The length of each part ``wip_change`` compares: whole weeks where the window holds two
    weeks or more, else its halves."""
    return np.floor(span / 2 / WEEK) * WEEK or span / 2


def _explode_people(events: pd.DataFrame) -> pd.DataFrame:
    staffed = events[events["role"].notna()]
    sep = PEOPLE_SEPARATOR
    if staffed.empty or not staffed["role"].str.contains(sep, regex=False).any():
        return staffed
    people = staffed.assign(
        role=staffed["role"].str.split(sep), resource=staffed["resource"].str.split(sep)
    )
    return people.explode(["role", "resource"], ignore_index=True)


def busy_hours(
    events: pd.DataFrame, model: ProcessModel, window: tuple[float, float] | None = None
) -> pd.DataFrame:
    """Working hours each person is busy, per event row (one row per person), clipped to window:
    within their role's calendar, or for a step of several roles within the calendar they share."""
    people = _explode_people(events)
    if people.empty:
        return people.assign(busy=pd.Series(dtype=float))
    off = week_offset(model.start_date)
    start = people["start"].to_numpy(dtype=float)
    end = people["end"].to_numpy(dtype=float)
    if window is not None:
        start = np.clip(start, *window)
        end = np.clip(end, *window)
    busy = np.zeros(len(people))
    roles = people["role"].to_numpy()
    acts = people["activity"].to_numpy()
    # a step of several roles progresses only while all are on shift: the person with the
    # longer shift is not busy while it is paused for the others (their common calendar)
    shared = np.zeros(len(people), dtype=bool)
    for name in pd.unique(acts):
        step = model.steps.get(name)
        if (
            step is None
            or len(set(step.roles)) < 2
            or any(r not in model.roles for r in step.roles)
        ):
            continue
        m = acts == name
        shared |= m
        cal = _shared_calendar(model, step.roles)
        busy[m] = cal.cumulative_array(end[m] + off) - cal.cumulative_array(start[m] + off)
    for role in pd.unique(roles[~shared]):
        m = (roles == role) & ~shared
        if role not in model.roles:
            busy[m] = end[m] - start[m]
            continue
        cal = model.calendar_of(role)
        busy[m] = cal.cumulative_array(end[m] + off) - cal.cumulative_array(start[m] + off)
    return people.assign(busy=busy)


def scheduled_hours(
    model: ProcessModel, headcount: dict[str, int], window: tuple[float, float]
) -> dict[str, float]:
    """Scheduled staff hours per role in the window (headcount x calendar working hours)."""
    off = week_offset(model.start_date)
    out = {}
    for role, n in headcount.items():
        if role not in model.roles:
            continue
        cal = model.calendar_of(role)
        lo, hi = window
        out[role] = n * (cal.cumulative(hi + off) - cal.cumulative(lo + off))
    return out


def _with_work_under_way(events: pd.DataFrame, open_steps: pd.DataFrame | None) -> pd.DataFrame:
    """``events`` plus the steps of ``open_steps`` whose work had begun when the run stopped
    (their ``end`` is the stop): the rows whose people were busy. ``events`` itself when there
    are none (a drain that ran to the end), so those KPIs are computed exactly as before."""
    if open_steps is None or not len(open_steps):
        return events
    busy_now = open_steps[open_steps["end"].notna()]
    if not len(busy_now):
        return events
    return pd.concat([events, busy_now], ignore_index=True)


def utilisation(
    events: pd.DataFrame,
    model: ProcessModel,
    headcount: dict[str, int],
    window: tuple[float, float],
    open_steps: pd.DataFrame | None = None,
) -> dict[str, float]:
    """Busy hours within the calendar over scheduled hours, per role, in the window.

    ``open_steps`` (a simulated trace's ``trace_open_steps``): work still under way when the run
    stopped counts from its start until the stop (its ``end``), clipped to the window like the
    executed steps; steps still queueing then keep nobody busy.
    """
    busy = busy_hours(_with_work_under_way(events, open_steps), model, window)
    per_role = busy.groupby("role")["busy"].sum() if len(busy) else pd.Series(dtype=float)
    sched = scheduled_hours(model, headcount, window)
    return {
        f"utilisation:{role}": float(per_role.get(role, 0.0)) / h if h > 0 else np.nan
        for role, h in sched.items()
    }


def costs(
    events: pd.DataFrame,
    cases: pd.DataFrame,
    model: ProcessModel,
    headcount: dict[str, int],
    window: tuple[float, float],
    open_steps: pd.DataFrame | None = None,
) -> dict[str, float]:
    """Cost per case (scheduled staff + step costs) and processing cost per case (busy only).

    ``open_steps``: the measured cases' work still under way when the run stopped is busy
    until the stop (its step cost is charged by executions only)."""
    n = int(cases["measured"].astype(bool).sum())
    if n == 0:
        return {"cost_per_case": np.nan, "processing_cost_per_case": np.nan}
    ev = measured_events(events, cases)
    step_cost = {s.name: s.cost for s in model.steps.values()}
    # astype: no measured case executed anything (a run stopped while they all queued) maps an
    # empty object column, whose sum is ''
    fixed = float(ev["activity"].map(step_cost).astype(float).fillna(0.0).sum())
    rate = {r.name: r.hourly_cost for r in model.roles.values()}
    busy = busy_hours(_with_work_under_way(ev, _measured_or_none(open_steps, cases)), model)
    busy_cost = (
        float((busy["busy"] * busy["role"].map(rate).fillna(0.0)).sum()) if len(busy) else 0.0
    )
    sched = scheduled_hours(model, headcount, window)
    staff_cost = sum(h * rate[r] for r, h in sched.items())
    return {
        "cost_per_case": (staff_cost + fixed) / n,
        "processing_cost_per_case": (busy_cost + fixed) / n,
    }


def value_added_ratio(events: pd.DataFrame, cases: pd.DataFrame, model: ProcessModel) -> float:
    """Share of cycle time during which a value-adding step is worked on, over finished measured
    cases: the sum over cases of their value-adding hours (``value_adding_hours``) over the
    sum of their cycle times. Parallel value-adding steps count their common time once, so
    the share never exceeds 1."""
    f = finished(cases)
    cycle = (f["end"] - f["arrival"]).to_numpy(dtype=float)
    total = float(cycle.sum())
    if total <= 0:
        return np.nan
    va = {s.name for s in model.steps.values() if s.value_adding}
    ev = events[events["case_id"].isin(f["case_id"]) & events["activity"].isin(va)]
    hours = value_adding_hours(ev, model).reindex(f["case_id"], fill_value=0.0).to_numpy()
    # an event recorded outside its case's span (a hand-made table) cannot push it past 1
    return float(np.minimum(hours, cycle).sum()) / total


def value_adding_hours(events: pd.DataFrame, model: ProcessModel) -> pd.Series:
    """Per case (indexed by ``case_id``): the hours during which at least one of ``events`` (the
    case's value-adding steps) is being worked on: the measure of the union of their work.

    A step is worked on between its start and end while its calendar is open (the working
    hours of ``working_processing``: its roles' shared calendar, a timer's own, the clock for
    automated steps). An event that overlaps no other event of its case counts its processing,
    as ``step_table`` does (the ``work`` column when the table has one, as ``log_kpis`` adds
    it, else ``working_processing``);
    overlapping events count, once, the hours of their joint span in which at least one of
    them progresses (the union of their calendars' open hours, or all of it when one of them
    runs on the clock). So two steps worked on side by side count their common hours once,
    and a step paused overnight beside another does not count the night.
    """
    if events.empty:
        return pd.Series(dtype=float)
    ev = events.sort_values(["case_id", "start"], kind="stable")
    case = ev["case_id"].to_numpy()
    start = ev["start"].to_numpy(dtype=float)
    end = ev["end"].to_numpy(dtype=float)
    proc = ev["work"].to_numpy(dtype=float) if "work" in ev else working_processing(ev, model)
    # groups of overlapping events: a new group where a case's event starts at or after the
    # latest end of the events before it
    reach = pd.Series(end).groupby(case).cummax().to_numpy()
    prev_reach = np.r_[-np.inf, reach[:-1]]
    new_group = np.r_[True, case[1:] != case[:-1]] | (start >= prev_reach)
    group = np.cumsum(new_group) - 1
    size = np.bincount(group)[group]
    hours = np.where(size == 1, proc, 0.0)
    if (size > 1).any():
        _add_overlapping_hours(hours, ev["activity"].to_numpy(), start, end, group, size, model)
    return pd.Series(hours).groupby(case).sum()


def _add_overlapping_hours(
    hours: np.ndarray,
    acts: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    group: np.ndarray,
    size: np.ndarray,
    model: ProcessModel,
) -> None:
    """Put into ``hours``, at the first row of each group of overlapping events (``group``,
    rows sorted by start within it; ``size``: its number of rows), the hours of the group's
    joint span in which at least one of its events' calendars is open."""
    calendars: list[WeeklyRate | None] = []
    key_of: dict[str, int] = {}
    for a in pd.unique(acts[size > 1]):
        cal = _progress_calendar(model, a)[0]
        key_of[a] = next((i for i, c in enumerate(calendars) if c == cal), len(calendars))
        if key_of[a] == len(calendars):
            calendars.append(cal)
    rows = np.flatnonzero(size > 1)
    key = np.array([key_of[a] for a in acts[rows]])
    g = group[rows]
    first = np.r_[True, g[1:] != g[:-1]]
    head = rows[first]  # each group's first row: the earliest start
    hi = np.maximum.reduceat(end[rows], np.flatnonzero(first))
    one_calendar = np.minimum.reduceat(key, np.flatnonzero(first)) == np.maximum.reduceat(
        key, np.flatnonzero(first)
    )
    off = week_offset(model.start_date)
    head_key = key[first]
    for k, cal in enumerate(calendars):  # groups of one calendar: its open hours of the span
        sel = one_calendar & (head_key == k)
        lo = start[head[sel]]
        hours[head[sel]] = (
            hi[sel] - lo
            if cal is None
            else cal.cumulative_array(hi[sel] + off) - cal.cumulative_array(lo + off)
        )
    for i in np.flatnonzero(~one_calendar):  # several calendars: segment by segment
        members = np.arange(head[i], head[i] + size[head[i]])  # a group's rows are contiguous
        cals = [calendars[key_of[a]] for a in acts[members]]
        hours[head[i]] = _union_working_hours(start[members], end[members], cals, off)


def _union_working_hours(
    start: np.ndarray, end: np.ndarray, cals: list[WeeklyRate | None], off: float
) -> float:
    """Hours of the union of intervals ``[start, end)`` in which at least one interval's
    calendar (``None``: the clock) is open; ``off`` turns the times into calendar time."""
    points = np.unique(np.r_[start, end])
    total = 0.0
    for lo, hi in zip(points[:-1], points[1:], strict=True):
        active = [c for s, e, c in zip(start, end, cals, strict=True) if s <= lo and e >= hi]
        if not active:
            continue
        if any(c is None for c in active):
            total += hi - lo
            continue
        cal = active[0]
        for c in active[1:]:
            if c != cal:
                cal = cal.union(c)
        total += cal.cumulative(hi + off) - cal.cumulative(lo + off)
    return total


def revenue(cases: pd.DataFrame) -> float:
    """Mean outcome value per finished measured case."""
    f = finished(cases)
    return float(f["value"].mean()) if len(f) else np.nan


def conversion_rate(cases: pd.DataFrame) -> float:
    """Share of finished measured cases whose outcome is a success (NaN when none finished)."""
    f = finished(cases)
    return float(f["success"].astype(bool).mean()) if len(f) else np.nan


def waiting_per_case(events: pd.DataFrame, cases: pd.DataFrame) -> float:
    """Mean hours a finished measured case waits in all (its steps' start - enabled, the wait
    of a case that gave up in a queue included, as ``waiting_shares`` counts them); NaN when
    no case finished."""
    n = len(finished(cases))
    if n == 0:
        return np.nan
    ev = _with_abandoned_waits(events, cases)
    return float((ev["start"] - ev["enabled"]).sum()) / n
