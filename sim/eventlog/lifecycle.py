"""Turn lifecycle events (XES ``lifecycle:transition``) into one row per activity instance.

Rules, per case and activity, in time order (ties: schedule, then start, then complete, then
file order):

* ``start`` is matched FIFO with the next ``complete``: the oldest still-open start of the same
  activity in the same case (and of the same ``concept:instance`` where the events carry one). The pair becomes one row (start = start event's time, end =
  complete event's time, attributes from the complete event, resource from the start event when
  the complete event has none). The start event is counted as *merged*.
* A ``complete`` with no open start becomes a row with a missing start.
* A ``start`` left over whose group has an unmatched ``complete`` at most ``CLOCK_SKEW`` (5 min)
  before it is paired with that completion (clocks out of step); the row ends before it starts
  and is removed and counted as such by the caller.
* A ``start`` never completed is removed and counted (``unmatched_starts_removed``); its case
  is returned (``PairingCounts.unmatched_start_cases``) to be flagged open.
* ``schedule`` is matched FIFO with the next instance of the same activity (by its start, or its
  end when it has no start) and gives that row its ``enabled_time`` (counted as merged); a
  schedule with no later instance is removed and counted.
* Other transitions of the XES standard lifecycle model (``suspend``, ``resume``, ``assign``,
  ``withdraw``, ``ate_abort``, ...) cannot be represented in an instance table: removed and
  counted (``lifecycle_events_removed``).
* Anything else (missing, ``unknown``, or a log-specific status vocabulary such as BPIC 2013's
  "In Progress"/"Awaiting Assignment") is treated as a completion: one row each, and the
  lifecycle column is kept as an ordinary attribute so the status is not lost.

The FIFO matching is vectorised: with openers and closers of one group in time order, let
``a_j`` be the number of openers before the j-th closer. The number of openers consumed after
the j-th closer is ``c_j = min(c_{j-1} + 1, a_j)``, which unrolls to
``c_j = j + min(0, min_{i<=j}(a_i - i))`` (a cumulative minimum); closer j is matched iff
``c_j > c_{j-1}``, and then with the ``c_j``-th opener.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.model import columns as C

START_WORDS = frozenset({"start"})
COMPLETE_WORDS = frozenset({"complete"})
SCHEDULE_WORDS = frozenset({"schedule"})
#: Transitions of the XES standard lifecycle model that have no place in an instance table.
OTHER_STANDARD_WORDS = frozenset(
    {
        "assign",
        "reassign",
        "suspend",
        "resume",
        "ate_abort",
        "pi_abort",
        "withdraw",
        "autoskip",
        "manualskip",
    }
)
STANDARD_WORDS = START_WORDS | COMPLETE_WORDS | SCHEDULE_WORDS | OTHER_STANDARD_WORDS
ROW = "_row"  # original position, carried for stable ordering


@dataclass
class PairingCounts:
    merged: int = 0
    removed_other: int = 0
    unmatched_starts: int = 0
    unmatched_schedules: int = 0
    without_transition: int = 0  # events with no lifecycle value, taken as completions
    kept_lifecycle_column: bool = True
    unmatched_start_cases: list[str] = field(default_factory=list)  # in progress at extraction
    skewed: int = 0  # starts paired with a completion recorded just before them (CLOCK_SKEW)


def fifo_match(group: np.ndarray, is_open: np.ndarray) -> np.ndarray:
    """FIFO-match openers and closers; rows must be sorted by ``group`` (ascending) then time.

    Returns, for every row, the position of the opener a closer is matched with, or -1 (openers
    and unmatched closers).
    """
    n = len(group)
    out = np.full(n, -1, dtype=np.int64)
    if n == 0 or not is_open.any() or is_open.all():
        return out
    frame = pd.DataFrame(
        {"g": group, "o": is_open.astype(np.int64), "c": (~is_open).astype(np.int64)}
    )
    a = frame.groupby("g", sort=False)["o"].cumsum().to_numpy()
    j = frame.groupby("g", sort=False)["c"].cumsum().to_numpy()
    closer = ~is_open
    gc = group[closer]
    t = pd.Series(a[closer] - j[closer])
    cm = t.groupby(gc, sort=False).cummin().to_numpy()
    consumed = j[closer] + np.minimum(0, cm)
    prev = pd.Series(consumed).groupby(gc, sort=False).shift(1, fill_value=0).to_numpy()
    matched = consumed > prev
    open_pos = np.flatnonzero(is_open)
    first = np.searchsorted(group[open_pos], gc[matched], side="left")
    closer_pos = np.flatnonzero(closer)
    out[closer_pos[matched]] = open_pos[first + consumed[matched] - 1]
    return out


CLOCK_SKEW = pd.Timedelta(minutes=5)
"""A completion recorded at most this long before a start that FIFO left unmatched, with no start
of its own, is taken as that start's completion (the clocks of two systems out of step); the
pair's row then ends before it starts and is removed as such, rather than the start counted as
never completed. A longer gap is taken as two instances (a completion whose start is missing,
and an activity in progress)."""


def _pair_skewed(group: np.ndarray, time: np.ndarray, opener: np.ndarray, match: np.ndarray) -> int:
    """Match, in place in ``match``, each start left unmatched by ``fifo_match`` with the latest
    unmatched completion of its group recorded up to ``CLOCK_SKEW`` before it; returns how many.

    After FIFO every unmatched completion of a group precedes its unmatched starts, so these are
    the only pairs left; they are few, so a loop over them is cheap.
    """
    used = np.zeros(len(match), dtype=bool)
    used[match[match >= 0]] = True
    left = np.flatnonzero(opener & ~used)
    loose = np.flatnonzero(~opener & (match < 0))
    if not len(left) or not len(loose):
        return 0
    skew = np.timedelta64(CLOCK_SKEW.to_timedelta64())
    by_group: dict[object, list[int]] = {}
    for c in loose.tolist():  # in time order within a group (the caller's sort)
        by_group.setdefault(group[c], []).append(c)
    paired = 0
    for o in left.tolist():
        near = [
            c
            for c in by_group.get(group[o], ())
            if time[c] <= time[o] and time[o] - time[c] <= skew
        ]
        if near:
            match[near[-1]] = o
            by_group[group[o]].remove(near[-1])
            paired += 1
    return paired


INSTANCE = "concept:instance"  # XES: which instance of an activity an event belongs to


def _group_ids(frame: pd.DataFrame) -> np.ndarray:
    """Matching groups: case and activity, and the XES ``concept:instance`` where events carry
    one (two people working on one activity at once: FIFO alone paired one's start with the
    other's completion)."""
    keys = [C.CASE, C.ACTIVITY]
    if INSTANCE in frame.columns and frame[INSTANCE].notna().any():
        frame = frame.assign(_instance=frame[INSTANCE].astype("string").fillna(""))
        keys.append("_instance")
    return frame.groupby(keys, sort=True, observed=True).ngroup().to_numpy()


def pair_lifecycle(events: pd.DataFrame, lifecycle: str) -> tuple[pd.DataFrame, PairingCounts]:
    """Pair lifecycle events of ``events`` (column ``C.END`` holds each event's timestamp).

    Returns one row per activity instance with ``C.START`` (and ``C.ENABLED`` when schedule events
    exist) filled in, and the counts for the cleaning report.
    """
    counts = PairingCounts()
    words = events[lifecycle].astype("string").str.strip().str.lower()
    is_start = words.isin(START_WORDS).to_numpy()
    is_sched = words.isin(SCHEDULE_WORDS).to_numpy()
    is_other = words.isin(OTHER_STANDARD_WORDS).to_numpy()
    seen = set(words.dropna().unique().tolist())
    standard_only = seen <= STANDARD_WORDS
    counts.kept_lifecycle_column = not standard_only
    counts.removed_other = int(is_other.sum())
    counts.without_transition = int(words.isna().sum())

    ev = events.loc[~is_other & ~is_sched].copy()
    starts_mask = is_start[~is_other & ~is_sched]
    if starts_mask.any():
        ev["_kind"] = np.where(starts_mask, 0, 1)
        ev["_g"] = _group_ids(ev)
        ev = ev.sort_values(["_g", C.END, "_kind", ROW], kind="stable")
        opener = (ev["_kind"] == 0).to_numpy()
        match = fifo_match(ev["_g"].to_numpy(), opener)
        counts.skewed = _pair_skewed(ev["_g"].to_numpy(), ev[C.END].to_numpy(), opener, match)
        closers = ev.loc[~opener].copy()
        m = match[~opener]
        has = m >= 0
        start_time = pd.Series(pd.NaT, index=closers.index, dtype=ev[C.END].dtype)
        start_time[has] = ev[C.END].to_numpy()[m[has]]
        closers[C.START] = start_time
        if C.RESOURCE in ev.columns:
            start_res = pd.Series(pd.NA, index=closers.index, dtype=ev[C.RESOURCE].dtype)
            start_res[has] = ev[C.RESOURCE].to_numpy()[m[has]]
            closers[C.RESOURCE] = closers[C.RESOURCE].fillna(start_res)
        counts.merged += int(has.sum())
        counts.unmatched_starts = int(opener.sum()) - int(has.sum())
        left = opener.copy()
        left[m[has]] = False
        counts.unmatched_start_cases = sorted(set(ev[C.CASE].to_numpy()[left].tolist()))
        inst = closers.drop(columns=["_kind", "_g"])
    else:
        inst = ev
        inst[C.START] = pd.Series(pd.NaT, index=inst.index, dtype=ev[C.END].dtype)

    if is_sched.any():
        sched = events.loc[is_sched].copy()
        sched[C.START] = sched[C.END]
        both = pd.concat(
            [sched.assign(_kind=0), inst.assign(_kind=1)], ignore_index=True, sort=False
        )
        both["_begin"] = both[C.START].fillna(both[C.END])
        both["_g"] = _group_ids(both)
        both = both.sort_values(["_g", "_begin", "_kind", ROW], kind="stable").reset_index(
            drop=True
        )
        opener = (both["_kind"] == 0).to_numpy()
        match = fifo_match(both["_g"].to_numpy(), opener)
        inst = both.loc[~opener].copy()
        m = match[~opener]
        has = m >= 0
        enabled = pd.Series(pd.NaT, index=inst.index, dtype=both[C.END].dtype)
        enabled[has] = both[C.END].to_numpy()[m[has]]
        if C.ENABLED in inst.columns:
            inst[C.ENABLED] = inst[C.ENABLED].fillna(enabled)
        else:
            inst[C.ENABLED] = enabled
        inst = inst.drop(columns=["_kind", "_g", "_begin"])
        counts.merged += int(has.sum())
        counts.unmatched_schedules = int(opener.sum()) - int(has.sum())

    if standard_only:
        inst = inst.drop(columns=[lifecycle])
    return inst, counts
