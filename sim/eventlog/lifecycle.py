"""Turn lifecycle events (XES ``lifecycle:transition``) into one row per activity instance.

Transition values are compared stripped and case-insensitively; ``start`` is also spelt
``started``/``begin``/``began``/``begun`` and ``complete`` also ``completed``/``end``/``ended``/
``finish``/``finished`` (``START_WORDS``, ``COMPLETE_WORDS``).

Rules, per case and activity, in time order (ties: schedule, then start, then complete, then
file order; the order of the events' exact instants where the caller gives each event's shift
from the log's clock, so a change of the clock reorders nothing: ``pair_lifecycle``):

* ``start`` is matched with a ``complete`` of the same activity in the same case (and of the
  same ``concept:instance`` where the events carry one; ``start_match``). Which starts are paired
  is decided as a stack would: a completion ends the latest start still open before it, so of
  two starts with no completion between them the earlier is the one whose completion is missing
  (a CRM export that lost a completion paired every later repetition with the start before its
  own, first in, first out: QA crmexport16). The starts so chosen are then paired first in,
  first out with the completions, which keeps the order of overlapping instances (started 9:00
  and 10:00, completed 11:00 and 13:00: 9-11 and 10-13). Where the events name a resource, a
  completion is matched first among the starts of its own resource (another person's start
  between them notwithstanding), and what is left within the group. The pair becomes one row
  (start = start event's time, end = complete event's time, attributes from the complete event,
  resource from the start event when the complete event has none). The start event is counted
  as *merged*.
* A ``complete`` with no open start becomes a row with a missing start (the caller estimates it
  where its activity's starts are recorded elsewhere: ``sim.eventlog.read``).
* A ``start`` left over whose group has an unmatched ``complete`` at most ``CLOCK_SKEW`` (5 min)
  before it is paired with that completion (clocks out of step); the row ends before it starts
  and is removed and counted as such by the caller. Where the caller marks the events written without a
  UTC offset (``naive``), a start and a completion of which exactly one is such are paired so
  up to ``naive_reach`` apart (``NaiveReach``: one reach where the completion is the one
  without, one where the start is, as far as a clock of the log can put it behind or ahead):
  the time without an offset was read on another clock than it was written in (QA rt27_calib
  F4: a start at '02:30' in the hour that repeats, completed at '02:10+01:00'), which a row
  with a start and an end column shows as its end before its start.
* Where the caller has paired some groups' events already (``partner``: a start's completion
  and a completion's start, decided on another reading of their times), those groups are
  paired so and only the others by the rules above.
* A ``start`` never completed is removed and counted (``unmatched_starts_removed``). When it is
  its case's last activity (no instance of the case begins after it) the activity was in
  progress at extraction: its case is returned (``PairingCounts.unmatched_start_cases``) to be
  flagged open. When the case went on after it, the completion is missing from the data: it is
  counted in ``PairingCounts.unmatched_starts_mid_case`` and its case is not flagged open.
* ``schedule`` is matched FIFO with the next instance of the same activity (by its start, or its
  end when it has no start) and gives that row its ``enabled_time`` (counted as merged); a
  schedule with no later instance is removed and counted.
* ``ate_abort`` (the activity was aborted) and ``pi_abort`` (the whole case was) close an
  instance as a ``complete`` does: paired with an open start of the same activity (by the same
  rules: its resource's first), the instance runs from that start to the abort. An abort with no
  open start is an instant (start = end; in a log with no start events at all its start is left
  missing, as every other row's). Either way the row is kept as an execution of the activity
  ``"<activity> (aborted)"`` (``ABORTED_SUFFIX``), so routing shows where cases were aborted, a
  case whose last activity it is ended there (``sim.eventlog.open_cases``), and it can be named
  a drop-off outcome; it is no start "in progress at extraction" (QA xes17 #2: 30 aborted cases
  flagged open, 0 % drop-off). Counted by word (``PairingCounts.aborted_by_word``), and the
  starts they closed (``PairingCounts.aborted_with_start``) as merged.
* ``suspend`` and ``resume`` are matched FIFO within the group; a pair that lies within one
  paired instance (between its start and its completion) is time not worked
  (``record_suspensions``). The instance keeps its real start and end (when somebody began it
  and when it was done: calendars, arrivals and waits read them; QA xes17 #1: a start moved
  later by an overnight suspension fell at 06:00-09:00 and moved the role's calendar) and lists
  its suspensions in the column ``SUSPENDED`` (``"from/to"`` ISO 8601 times on the log's clock,
  several joined by ``;``; missing where none), from which calibration takes them out of the
  processing time (``sim.calibrate.staff.working_time``); both events are counted as merged.
  The others are removed and counted, as:
* Other transitions of the XES standard lifecycle model (``assign``, ``withdraw``,
  ``autoskip``, ...) cannot be represented in an instance table: removed and counted
  (``lifecycle_events_removed``).
* Anything else (missing, ``unknown``, or a log-specific status vocabulary such as BPIC 2013's
  "In Progress"/"Awaiting Assignment") is treated as a completion: one row each, and the
  lifecycle column is kept as an ordinary attribute so the status is not lost. The values are
  counted (``PairingCounts.unknown_values``) for the cleaning report to name.

The matching is vectorised: with openers and closers of one group in time order, let
``a_j`` be the number of openers before the j-th closer. The number of openers consumed after
the j-th closer is ``c_j = min(c_{j-1} + 1, a_j)``, which unrolls to
``c_j = j + min(0, min_{i<=j}(a_i - i))`` (a cumulative minimum); closer j is matched iff
``c_j > c_{j-1}``, and then (FIFO) with the ``c_j``-th opener. The openers open after each row
number ``d = a - c``; the stack pairs an opener iff ``d`` falls below its own later (a reversed
cumulative minimum), and ``start_match`` pairs the k-th such opener with the k-th matched closer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.errors import EventLogError
from sim.model import columns as C

START_WORDS = frozenset({"start", "started", "begin", "began", "begun"})
COMPLETE_WORDS = frozenset({"complete", "completed", "end", "ended", "finish", "finished"})
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
SUSPEND, RESUME = "suspend", "resume"
#: Transitions that end an instance by aborting it (the activity, or the whole case): kept as
#: rows of ``"<activity>" + ABORTED_SUFFIX``.
ABORT_WORDS = frozenset({"ate_abort", "pi_abort"})
ABORTED_SUFFIX = " (aborted)"
STANDARD_WORDS = START_WORDS | COMPLETE_WORDS | SCHEDULE_WORDS | OTHER_STANDARD_WORDS
ROW = "_row"  # original position, carried for stable ordering
#: Column of an instance's suspensions (``record_suspensions``): ``"from/to"`` ISO 8601 times on
#: the log's clock, several joined by ``SUSPENSION_SEPARATOR``; missing where there were none.
SUSPENDED = "suspended_intervals"
SUSPENSION_SEPARATOR = ";"
_ABORTED = "_aborted"  # internal: the row was closed by an abort


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
    # starts paired with a completion recorded before them, one of the two written without a
    # UTC offset (``naive_reach``): their rows end before they start
    one_sided_backwards: int = 0
    # starts never completed although their case went on: a completion missing from the data
    unmatched_starts_mid_case: int = 0
    # suspend/resume pairs within an instance, recorded in its SUSPENDED column
    suspensions: int = 0
    suspended_instances: int = 0
    suspended_hours: float = 0.0
    # removed transitions of the standard model (assign, unpaired suspend, ...) by value
    removed_by_word: dict[str, int] = field(default_factory=dict)
    # values that are no transition of the standard model (taken as completions), with counts
    unknown_values: dict[str, int] = field(default_factory=dict)
    # abort events (ABORT_WORDS) kept as '<activity> (aborted)' rows, by value
    aborted_by_word: dict[str, int] = field(default_factory=dict)
    # of those, the ones that closed an open start of their activity (the start merged), and
    # the ones with none in a log with start events (instants: start = end)
    aborted_with_start: int = 0
    aborted_instants: int = 0


def fifo_match(group: np.ndarray, is_open: np.ndarray) -> np.ndarray:
    """FIFO-match openers and closers; rows must be sorted by ``group`` (ascending) then time.

    Returns, for every row, the position of the opener a closer is matched with, or -1 (openers
    and unmatched closers).
    """
    n = len(group)
    out = np.full(n, -1, dtype=np.int64)
    if n == 0 or not is_open.any() or is_open.all():
        return out
    consumed, matched = _consumed(group, is_open)
    closer = ~is_open
    gc = group[closer]
    open_pos = np.flatnonzero(is_open)
    first = np.searchsorted(group[open_pos], gc[matched], side="left")
    closer_pos = np.flatnonzero(closer)
    out[closer_pos[matched]] = open_pos[first + consumed[matched] - 1]
    return out


def _consumed(group: np.ndarray, is_open: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each closer (in row order): the openers of its group consumed up to and including
    it, and whether it consumes one (an opener is open before it): the cumulative minimum of
    the module docstring."""
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
    return consumed, consumed > prev


def start_match(group: np.ndarray, is_open: np.ndarray) -> np.ndarray:
    """Match starts (openers) with completions (closers) as ``fifo_match`` does (same order of
    rows, same result format), but choose which starts are paired as a stack would: a
    completion ends the latest start still open before it, so of two starts with no completion
    between them the earlier is the one whose completion is missing (lost from the log, or
    still running), not the later. The chosen starts and completions are then paired first in,
    first out, which keeps the order of overlapping instances of one activity (started 9:00
    and 10:00, completed 11:00 and 13:00: 9-11 and 10-13).

    Which completions are paired does not depend on the rule (one is paired iff a start is open
    before it); only which starts: where every start is paired, the result is ``fifo_match``'s.
    """
    n = len(group)
    out = np.full(n, -1, dtype=np.int64)
    if n == 0 or not is_open.any() or is_open.all():
        return out
    consumed, matched = _consumed(group, is_open)
    closer = ~is_open
    # depth: starts open after each row; a start is paired by the stack iff the depth later
    # falls below its own (it is popped); the depth of a start row counts the start itself
    done = pd.Series(np.nan, index=np.arange(n))
    done[np.flatnonzero(closer)] = consumed
    done = done.groupby(group, sort=False).ffill().fillna(0).to_numpy()
    opened = pd.Series(is_open.astype(np.int64)).groupby(group, sort=False).cumsum().to_numpy()
    depth = opened - done
    back = pd.Series(depth[::-1]).groupby(group[::-1], sort=False).cummin()
    later = back.groupby(group[::-1], sort=False).shift(1, fill_value=np.inf).to_numpy()[::-1]
    paired_start = is_open & (later < depth)
    # equal numbers per group, groups in row order: the k-th paired start goes with the k-th
    # paired completion (possible: the stack's pairs show one way to pair them)
    out[np.flatnonzero(closer)[matched]] = np.flatnonzero(paired_start)
    return out


def _match_starts(group: np.ndarray, is_open: np.ndarray, who: np.ndarray | None) -> np.ndarray:
    """``start_match`` over rows sorted by ``group`` then time, first among the events of one
    resource (``who``: a code per row, -1 where none is recorded): a completion by the person
    who started an instance ends that instance, although another person's start lies between
    them. What is left (no resource, or completed by another person than started it) is then
    paired within its group."""
    out = np.full(len(group), -1, dtype=np.int64)
    rest = np.arange(len(group))
    if who is not None and (who >= 0).any():
        known = np.flatnonzero(who >= 0)
        order = known[np.lexsort((known, who[known], group[known]))]
        sub = pd.DataFrame({"g": group[order], "r": who[order]})
        sub_ids = sub.groupby(["g", "r"], sort=False).ngroup().to_numpy()
        m = start_match(sub_ids, is_open[order])
        hit = m >= 0
        out[order[hit]] = order[m[hit]]
        used = np.zeros(len(group), dtype=bool)
        used[order[hit]] = used[order[m[hit]]] = True
        rest = np.flatnonzero(~used)
    m = start_match(group[rest], is_open[rest])
    hit = m >= 0
    out[rest[hit]] = rest[m[hit]]
    return out


CLOCK_SKEW = pd.Timedelta(minutes=5)
"""A completion recorded at most this long before a start that matching left unmatched, with no
start of its own, is taken as that start's completion (the clocks of two systems out of step);
the pair's row then ends before it starts and is removed as such, rather than the start counted
as never completed. A longer gap is taken as two instances (a completion whose start is missing,
and an activity in progress)."""


class NaiveReach(NamedTuple):
    """How far before its start a completion may lie and still be paired with it, where exactly
    one of the two is written without a UTC offset (``_pair_skewed``): ``completion`` where the
    completion is the one without (a clock behind the start's can write it so), ``start`` where
    the start is (a clock ahead of the completion's). Never less than ``CLOCK_SKEW``."""

    completion: pd.Timedelta = CLOCK_SKEW
    start: pd.Timedelta = CLOCK_SKEW


def _reach(naive_reach: NaiveReach | pd.Timedelta) -> NaiveReach:
    """``naive_reach`` as a ``NaiveReach`` (one ``Timedelta``: the same both ways)."""
    if isinstance(naive_reach, NaiveReach):
        return naive_reach
    return NaiveReach(naive_reach, naive_reach)


def _pair_skewed(
    group: np.ndarray,
    time: np.ndarray,
    opener: np.ndarray,
    match: np.ndarray,
    naive: np.ndarray | None = None,
    naive_reach: NaiveReach | pd.Timedelta = CLOCK_SKEW,
) -> tuple[int, int]:
    """Match, in place in ``match``, each start left unmatched by ``_match_starts`` with the
    latest unmatched completion of its group recorded up to ``CLOCK_SKEW`` before it, or up to
    ``naive_reach`` where exactly one of the two is written without a UTC offset (``naive``;
    ``NaiveReach.completion`` where that is the completion, ``NaiveReach.start`` where it is the
    start); returns how many of each kind.

    After matching every unmatched completion of a group precedes its unmatched starts, so these
    are the only pairs left; they are few, so a loop over them is cheap.
    """
    used = np.zeros(len(match), dtype=bool)
    used[match[match >= 0]] = True
    left = np.flatnonzero(opener & ~used)
    loose = np.flatnonzero(~opener & (match < 0))
    if not len(left) or not len(loose):
        return 0, 0
    skew = np.timedelta64(CLOCK_SKEW.to_timedelta64())
    reach = _reach(naive_reach)
    # the reach where the completion is the one without an offset, and where the start is
    wide = {
        True: np.timedelta64(max(reach.completion, CLOCK_SKEW).to_timedelta64()),
        False: np.timedelta64(max(reach.start, CLOCK_SKEW).to_timedelta64()),
    }
    by_group: dict[object, list[int]] = {}
    for c in loose.tolist():  # in time order within a group (the caller's sort)
        by_group.setdefault(group[c], []).append(c)
    skewed = one_sided = 0
    sides = np.zeros(len(match), dtype=bool) if naive is None else naive
    for o in left.tolist():
        near = [
            c
            for c in by_group.get(group[o], ())
            if time[c] <= time[o]
            and time[o] - time[c] <= (wide[bool(sides[c])] if sides[c] != sides[o] else skew)
        ]
        if near:
            match[near[-1]] = o
            by_group[group[o]].remove(near[-1])
            if sides[near[-1]] != sides[o]:
                one_sided += 1
            else:
                skewed += 1
    return skewed, one_sided


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


def _last_in_case(
    case: np.ndarray, time: np.ndarray, begin_case: np.ndarray, begin: np.ndarray
) -> np.ndarray:
    """Whether each event (``case``, ``time``) is its case's last: no begin (``begin_case``,
    ``begin``: the start, or the end where there is no start, of every instance and of every
    event itself) of its case lies strictly after it."""
    latest = pd.Series(begin).groupby(begin_case, sort=False).max()
    after = pd.Series(latest.reindex(case).to_numpy(), dtype=latest.dtype)
    return ~(after > pd.Series(time, dtype=after.dtype)).to_numpy()


def record_suspensions(
    inst: pd.DataFrame, pauses: pd.DataFrame, is_suspend: np.ndarray
) -> tuple[pd.DataFrame, int, int, float, np.ndarray]:
    """The suspensions of ``inst``: the time between a ``suspend`` and its ``resume`` within an
    instance.

    ``pauses`` are the suspend and resume events (``C.END`` is each one's time), ``is_suspend``
    tells them apart. They are matched FIFO per case and activity (and ``concept:instance``); a
    pair lying between the start and the end of one instance of ``inst`` of its group is time
    the activity was not worked on. The instance keeps one row (an activity done in pieces is
    still one instance, not a repetition the model would learn as a loop), its real start and
    end, and its resource. Returns the suspensions (one row each: the instance's ``ROW``,
    ``from`` and ``to``; overlapping pairs of a malformed log merged), how many pairs were
    applied, to how many instances, the suspended hours, and which pause events were applied
    (the others are left to be removed).
    """
    used = np.zeros(len(pauses), dtype=bool)
    none = pd.DataFrame({ROW: [], "from": [], "to": []})
    timed = inst[C.START].notna()
    if not timed.any() or not is_suspend.any() or is_suspend.all():
        return none, 0, 0, 0.0, used
    both = pd.concat(
        [
            pauses.assign(_kind=np.where(is_suspend, 0, 1), _pos=np.arange(len(pauses))),
            inst.loc[timed].assign(_kind=2, _pos=-1),
        ],
        sort=False,
    )
    both["_g"] = _group_ids(both)
    sr = both.loc[both["_kind"] < 2].sort_values(["_g", C.END, "_kind", ROW], kind="stable")
    opener = (sr["_kind"] == 0).to_numpy()
    match = fifo_match(sr["_g"].to_numpy(), opener)
    closer = np.flatnonzero(match >= 0)
    if not len(closer):
        return none, 0, 0, 0.0, used
    pairs = pd.DataFrame(
        {
            "_g": sr["_g"].to_numpy()[closer],
            "_from": sr[C.END].to_numpy()[match[closer]],
            "_to": sr[C.END].to_numpy()[closer],
            "_s": sr["_pos"].to_numpy()[match[closer]],
            "_r": sr["_pos"].to_numpy()[closer],
        }
    ).sort_values("_from", kind="stable")
    spans = both.loc[both["_kind"] == 2, ["_g", C.START, C.END, ROW]]
    spans = spans.rename(columns={ROW: "_inst"}).sort_values(C.START, kind="stable")
    hit = pd.merge_asof(
        pairs, spans, left_on="_from", right_on=C.START, by="_g", direction="backward"
    )
    inside = hit[C.START].notna() & (hit["_to"] <= hit[C.END])
    hit = hit.loc[inside]
    if hit.empty:
        return none, 0, 0, 0.0, used
    used[hit["_s"].to_numpy()] = True
    used[hit["_r"].to_numpy()] = True
    # one instance's pairs in time order; one that begins before the latest end so far
    # overlaps it (a malformed log) and is merged with it
    h = hit.sort_values(["_inst", "_from"], kind="stable")
    reach = h.groupby("_inst", sort=False)["_to"].cummax()
    before = reach.groupby(h["_inst"].to_numpy(), sort=False).shift(1)
    piece = (before.isna() | (h["_from"] > before)).cumsum().to_numpy()
    found = h.groupby(piece, sort=False).agg(
        **{ROW: ("_inst", "first"), "from": ("_from", "min"), "to": ("_to", "max")}
    )
    found = found.reset_index(drop=True)
    hours = float((found["to"] - found["from"]).dt.total_seconds().sum()) / 3600.0
    return found, len(hit), int(found[ROW].nunique()), hours, used


def _suspension_column(inst: pd.DataFrame, found: pd.DataFrame, shift: str | None) -> pd.DataFrame:
    """``inst`` with the suspensions ``found`` (``record_suspensions``) as its ``SUSPENDED``
    column: each ``"from/to"`` on the log's clock (less the row's ``shift``, as its start),
    several joined by ``SUSPENSION_SEPARATOR`` in time order; missing where none. A
    ``SUSPENDED`` column the events brought keeps its values on the other rows."""
    if found.empty:
        return inst
    lo, hi = found["from"], found["to"]
    if shift is not None:
        back = inst[shift].fillna(pd.Timedelta(0))
        back = pd.Series(back.to_numpy(), index=inst[ROW].to_numpy())
        moved = back.reindex(found[ROW].to_numpy()).fillna(pd.Timedelta(0)).to_numpy()
        lo, hi = lo - moved, hi - moved

    def iso(t: pd.Series) -> pd.Series:
        return t.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str.replace(r"\.0+$", "", regex=True)

    text = (iso(lo) + "/" + iso(hi)).to_numpy(dtype=object)
    owner = found[ROW].to_numpy()  # an instance's suspensions are together, in time order
    first = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    last = np.r_[first[1:], len(owner)]
    joined = pd.Series(
        [SUSPENSION_SEPARATOR.join(text[a:b]) for a, b in zip(first, last, strict=True)],
        index=owner[first],
        dtype=object,
    )
    out = pd.Series(
        joined.reindex(inst[ROW].to_numpy()).to_numpy(), index=inst.index, dtype="string"
    )
    if SUSPENDED in inst.columns:
        out = out.fillna(inst[SUSPENDED].astype("string"))
    return inst.assign(**{SUSPENDED: out})


def read_suspensions(
    values: pd.Series, *, source: str = "event table", where: pd.Series | None = None
) -> pd.DataFrame:
    """The suspensions of a ``SUSPENDED`` column (``record_suspensions``), one row each:
    ``row`` (position in ``values``), ``from`` and ``to`` (tz-naive times; a time written with
    a UTC offset in UTC). A missing or blank value has none. A value that is no list of
    ``"from/to"`` times, or with a ``to`` before its ``from``, raises ``EventLogError`` naming
    ``source``, the row (``where``: a description per row, aligned with ``values``, else its
    position) and the value."""
    text = pd.Series(values.to_numpy(), dtype="string").str.strip()
    given = text.notna() & (text != "")
    parts = text[given].str.split(SUSPENSION_SEPARATOR).explode().str.strip()
    parts = parts[parts.notna() & (parts != "")]
    ends = parts.str.split("/", n=1, expand=True).reindex(columns=[0, 1])

    def when(x: pd.Series) -> pd.Series:
        t = pd.to_datetime(x, utc=True, errors="coerce", format="ISO8601")
        return t.dt.tz_localize(None).astype("datetime64[us]")

    lo, hi = when(ends[0]), when(ends[1])
    bad = lo.isna() | hi.isna() | (hi < lo)
    if bad.any():
        pos = int(bad.index[bad.to_numpy()][0])
        row = str(where.iloc[pos]) if where is not None else f"row {pos + 1}"
        raise EventLogError(
            f"{source}: column {SUSPENDED!r}, {row}: {str(text.iloc[pos])!r} is no list of "
            "suspensions; expected 'from/to' ISO 8601 times joined by "
            f"'{SUSPENSION_SEPARATOR}' (e.g. '2024-04-01T16:30:00/2024-04-02T09:30:00'), each "
            "'to' not before its 'from'"
        )
    return pd.DataFrame(
        {"row": parts.index.to_numpy(dtype=np.int64), "from": lo.to_numpy(), "to": hi.to_numpy()}
    )


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def suspension_note(counts: PairingCounts) -> str | None:
    """The cleaning report's note on the suspend/resume pairs ``pair_lifecycle`` recorded."""
    if not counts.suspensions:
        return None
    return (
        f"Recorded {_plural(counts.suspensions, 'suspend/resume pair')} "
        f"({counts.suspended_hours:.4g} h) within "
        f"{_plural(counts.suspended_instances, 'activity instance')} in column {SUSPENDED!r}: "
        "each keeps its real start and end, and calibration leaves the suspended time out of "
        "its processing time (the part of it in working hours: a suspension overnight is off "
        "shift anyway)."
    )


def abort_note(counts: PairingCounts) -> str | None:
    """The cleaning report's note on the abort events ``pair_lifecycle`` kept as rows."""
    n = sum(counts.aborted_by_word.values())
    if not n:
        return None
    shown = ", ".join(f"{w} {k}" for w, k in sorted(counts.aborted_by_word.items()))
    parts = [
        f"{counts.aborted_with_start} closed an open start of the activity (the row runs from "
        "that start to the abort)"
    ]
    if counts.aborted_instants:
        parts.append(f"{counts.aborted_instants} with no open start taken as instants")
    if rest := n - counts.aborted_with_start - counts.aborted_instants:
        parts.append(f"{rest} in a log without start events, whose starts are estimated")
    return (
        f"Kept {_plural(n, 'abort event')} ({shown}) as executions of '<activity>"
        f"{ABORTED_SUFFIX}': {', '.join(parts)}. A case that ends with one ended there (it is "
        "not in progress at extraction), and calibration suggests it as a drop-off outcome."
    )


def _transitions(events: pd.DataFrame, lifecycle: str) -> pd.Series:
    """The transition of each event of ``events``: column ``lifecycle`` stripped, lower case."""
    return events[lifecycle].astype("string").str.strip().str.lower()


def _transition_kinds(words: pd.Series) -> tuple[np.ndarray, ...]:
    """Which of ``words`` (``_transitions``) are starts, schedules, aborts and other transitions
    of the standard model that an instance table cannot hold."""
    is_abort = words.isin(ABORT_WORDS).to_numpy()
    return (
        words.isin(START_WORDS).to_numpy(),
        words.isin(SCHEDULE_WORDS).to_numpy(),
        is_abort,
        words.isin(OTHER_STANDARD_WORDS).to_numpy() & ~is_abort,
    )


def _matched(
    ev: pd.DataFrame,
    starts: np.ndarray,
    naive: str | None = None,
    naive_reach: NaiveReach | pd.Timedelta = CLOCK_SKEW,
    partner: str | None = None,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, int, int]:
    """Pair the start events of ``ev`` (``starts``) with its other events (completions and
    aborts; ``C.END`` is each one's time): ``ev`` sorted for matching (with its ``_kind`` and
    ``_g`` columns), which of its rows are starts, the position of the start each other row is
    paired with or -1 (``_match_starts``, then ``_pair_skewed``), and how many of those pairs
    end before their start: clocks out of step, and one of the two written without a UTC offset
    (the boolean column ``naive``, up to ``naive_reach`` apart). The groups whose pairs the
    caller decided (``partner``: ``_decided``) are paired so."""
    ev = ev.assign(_kind=np.where(starts, 0, 1))
    ev["_g"] = _group_ids(ev)
    ev = ev.sort_values(["_g", C.END, "_kind", ROW], kind="stable")
    opener = (ev["_kind"] == 0).to_numpy()
    group = ev["_g"].to_numpy()
    sides = None if naive is None else ev[naive].to_numpy(dtype=bool)
    match = np.full(len(ev), -1, dtype=np.int64)
    decided = np.zeros(len(ev), dtype=bool)
    if partner is not None:
        decided, linked = _decided(ev, group, partner)
        match[~opener & (linked >= 0)] = linked[~opener & (linked >= 0)]
    rest = np.flatnonzero(~decided)
    who = None
    if C.RESOURCE in ev.columns:
        who = pd.factorize(ev[C.RESOURCE].astype("string"), use_na_sentinel=True)[0][rest]
    sub = _match_starts(group[rest], opener[rest], who)
    skewed, one_sided = _pair_skewed(
        group[rest],
        ev[C.END].to_numpy()[rest],
        opener[rest],
        sub,
        None if sides is None else sides[rest],
        naive_reach,
    )
    hit = sub >= 0
    match[rest[hit]] = rest[sub[hit]]
    # the decided pairs that end before their start, by the same two kinds
    closer = np.flatnonzero(decided & (match >= 0))
    time = ev[C.END].to_numpy()
    back = closer[time[closer] < time[match[closer]]]
    if len(back):
        across = (
            np.zeros(len(back), dtype=bool) if sides is None else sides[back] != sides[match[back]]
        )
        one_sided += int(across.sum())
        skewed += int((~across).sum())
    return ev, opener, match, skewed, one_sided


def _decided(ev: pd.DataFrame, group: np.ndarray, partner: str) -> tuple[np.ndarray, np.ndarray]:
    """Which events of ``ev`` (sorted for matching, ``group`` its groups) the caller paired
    already, and the position in ``ev`` of each one's partner (-1: none). ``partner`` holds each
    event's partner's ``ROW`` (-1: paired with none; missing: not decided). A group in which an
    event's partner is not there (removed since, as an exact duplicate) or names another partner
    is not decided: it is paired by the rules."""
    given = ev[partner]
    decided = given.notna().to_numpy()
    want = given.fillna(-1).to_numpy(dtype=np.int64)
    rows = ev[ROW].to_numpy(dtype=np.int64)
    where = pd.Series(np.arange(len(ev)), index=rows)
    linked = np.full(len(ev), -1, dtype=np.int64)
    named = np.flatnonzero(decided & (want >= 0))
    found = where.reindex(want[named]).to_numpy()
    there = ~np.isnan(found)
    linked[named[there]] = found[there].astype(np.int64)
    broken = np.zeros(len(ev), dtype=bool)
    broken[named[~there]] = True
    mutual = named[there]
    broken[mutual[want[linked[mutual]] != rows[mutual]]] = True
    if broken.any():
        decided = decided & ~np.isin(group, group[broken])
    linked[~decided] = -1
    return decided, linked


def start_completion_pairs(
    events: pd.DataFrame,
    lifecycle: str,
    *,
    naive: str | None = None,
    naive_reach: NaiveReach | pd.Timedelta = CLOCK_SKEW,
) -> tuple[np.ndarray, np.ndarray]:
    """The start events ``pair_lifecycle`` would pair with a completion (or abort) in
    ``events``, matched on the times in ``C.END`` (``ROW``: the events' order in the file; and
    ``naive``, ``naive_reach`` as ``pair_lifecycle`` takes them): the positions in ``events`` of
    each paired start and of its completion. A caller reads a pair's two times together with it
    before the events are paired (``sim.eventlog.read`` reads a time written without a UTC
    offset on the clock of its partner's)."""
    none = np.empty(0, dtype=np.int64)
    words = _transitions(events, lifecycle)
    is_start, is_sched, _, is_other = _transition_kinds(words)
    kept = ~is_other & ~is_sched
    if not is_start.any():
        return none, none
    ev = events.loc[kept].assign(_pos=np.flatnonzero(kept))
    ev, _, match, _, _ = _matched(ev, is_start[kept], naive, naive_reach)
    closers = np.flatnonzero(match >= 0)
    pos = ev["_pos"].to_numpy()
    return pos[match[closers]], pos[closers]


def surest_pairs(
    events: pd.DataFrame,
    lifecycle: str,
    readings: Sequence[str],
    *,
    exact: str,
    written: str,
    naive: str,
    naive_reach: NaiveReach | pd.Timedelta = CLOCK_SKEW,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pair the events of the groups (case and activity) of ``events`` that hold an event
    written without a UTC offset (the boolean column ``naive``), which their times do not put
    in one order: ``start_completion_pairs`` on each of ``readings`` (columns of times: ways of
    reading them), and per group the pairs of the reading of which most end no earlier than
    they start, then the most pairs (one that ends before it starts is removed as a row that
    does, its two events told apart from a start never completed and a completion without its
    start), then the first reading. A pair ends before it
    starts by ``exact`` (the events' instants) where both of its events have one, else by
    ``written`` (their times as written: a time without an offset read on its partner's
    clock). In the hour that repeats when the clocks go back the times as written interleave:
    '02:10' to '02:40' and '02:50+02:00' to '02:20+01:00' paired as written are '02:10' to
    '02:20+01:00' and a completion 10 minutes before its start (QA rt28_calib F1); read on
    their case's clock, each instance keeps its own completion.

    Returns the positions in ``events`` of the paired starts and of their completions, and
    which events lie in such a group (their pairing is decided: ``pair_lifecycle``'s
    ``partner``)."""
    none = np.empty(0, dtype=np.int64)
    words = _transitions(events, lifecycle)
    is_start, is_sched, _, is_other = _transition_kinds(words)
    kept = ~is_other & ~is_sched
    group = np.full(len(events), -1, dtype=np.int64)
    group[kept] = _group_ids(events.loc[kept])
    decided = kept & np.isin(group, group[kept & events[naive].to_numpy(dtype=bool)])
    if not is_start[decided].any():
        return none, none, decided
    at = np.flatnonzero(decided)  # the other groups are left to pair_lifecycle
    sub, group = events.iloc[at], group[at]
    has_exact = sub[exact].notna().to_numpy()
    exact_time, written_time = sub[exact].to_numpy(), sub[written].to_numpy()
    found = []
    for k, reading in enumerate(readings):
        starts, ends = start_completion_pairs(
            sub.assign(**{C.END: sub[reading]}), lifecycle, naive=naive, naive_reach=naive_reach
        )
        forward = np.where(
            has_exact[starts] & has_exact[ends],
            exact_time[ends] >= exact_time[starts],
            written_time[ends] >= written_time[starts],
        )
        found.append(
            pd.DataFrame({"g": group[starts], "k": k, "s": starts, "e": ends, "ok": forward})
        )
    pairs = pd.concat(found, ignore_index=True)
    # every group under every reading, one that pairs nothing there scoring no pairs
    every = pd.MultiIndex.from_product([np.unique(group), range(len(readings))], names=["g", "k"])
    score = pairs.groupby(["g", "k"])["ok"].agg(good="sum", n="size").reindex(every, fill_value=0)
    best = score.reset_index().sort_values(
        ["g", "good", "n", "k"], ascending=[True, False, False, True]
    )
    chosen = pairs.merge(best.drop_duplicates("g")[["g", "k"]], on=["g", "k"])
    return at[chosen["s"].to_numpy(np.int64)], at[chosen["e"].to_numpy(np.int64)], decided


def pair_lifecycle(
    events: pd.DataFrame,
    lifecycle: str,
    shift: str | None = None,
    *,
    naive: str | None = None,
    naive_reach: NaiveReach | pd.Timedelta = CLOCK_SKEW,
    borrowed: str | None = None,
    partner: str | None = None,
) -> tuple[pd.DataFrame, PairingCounts]:
    """Pair lifecycle events of ``events`` (column ``C.END`` holds each event's timestamp).

    Returns one row per activity instance with ``C.START`` (and ``C.ENABLED`` when schedule events
    exist) filled in, and the counts for the cleaning report. Rows closed by an abort are named
    ``"<activity>" + ABORTED_SUFFIX``; rows with suspensions list them in ``SUSPENDED`` (the
    column is there only when some instance has one).

    ``shift`` names a column holding each event's exact instant minus its time on the log's clock
    (missing where the time was written without a UTC offset; ``sim.eventlog.read`` sets it):
    events are then ordered and paired on their exact instants, which a change of the clock does
    not reorder (a start at 02:50 +02:00 is before a completion at 02:05 +01:00), and each row is
    put back on the clock by ``_back_on_clock``; the column then holds the row's shift.

    ``naive`` names a boolean column marking the events written without a UTC offset: a start
    left unmatched and an unmatched completion of its group before it, of which exactly one is
    such, are paired up to ``naive_reach`` apart, as a row with a start and an end would show
    them (ending before it starts; counted in ``PairingCounts.one_sided_backwards``).
    ``borrowed`` names a boolean column marking the events whose ``shift`` was taken from
    another event (they have no instant of their own): a row's end is its start plus the exact
    duration only where neither of its events is such, and a row whose shift would come from
    such an event has none (missing). ``partner`` names a column of the pairs the caller
    decided (``surest_pairs``): each event's partner's ``ROW``, -1 where it has none, missing
    where the caller left it to these rules; those groups are paired so (a group whose decided
    partner was removed since is paired by the rules).
    """
    if shift is not None:
        events = events.assign(**{C.END: events[C.END] + events[shift].fillna(pd.Timedelta(0))})
    counts = PairingCounts()
    words = _transitions(events, lifecycle)
    is_start, is_sched, is_abort, is_other = _transition_kinds(words)
    seen = set(words.dropna().unique().tolist())
    standard_only = seen <= STANDARD_WORDS
    counts.kept_lifecycle_column = not standard_only
    counts.without_transition = int(words.isna().sum())
    unknown = words.dropna()
    unknown = unknown[~unknown.isin(STANDARD_WORDS)]
    counts.unknown_values = {str(k): int(v) for k, v in unknown.value_counts().items()}
    counts.aborted_by_word = {str(k): int(v) for k, v in words[is_abort].value_counts().items()}

    kept = ~is_other & ~is_sched
    found = pd.DataFrame(columns=[ROW, "from", "to"])  # suspensions (record_suspensions)
    ev = events.loc[kept].copy()
    ev[_ABORTED] = is_abort[kept]  # an abort closes an instance as a completion does
    starts_mask = is_start[kept]
    applied = np.zeros(int(is_other.sum()), dtype=bool)
    if starts_mask.any():
        ev, opener, match, counts.skewed, counts.one_sided_backwards = _matched(
            ev, starts_mask, naive, naive_reach, partner
        )
        closers = ev.loc[~opener].copy()
        m = match[~opener]
        has = m >= 0
        start_time = pd.Series(pd.NaT, index=closers.index, dtype=ev[C.END].dtype)
        start_time[has] = ev[C.END].to_numpy()[m[has]]
        closers[C.START] = start_time
        if shift is not None:
            start_shift = pd.Series(pd.NaT, index=closers.index, dtype=ev[shift].dtype)
            start_shift[has] = ev[shift].to_numpy()[m[has]]
            closers[_START_SHIFT] = start_shift
        if borrowed is not None:
            start_borrowed = np.zeros(len(closers), dtype=bool)
            start_borrowed[has] = ev[borrowed].to_numpy(dtype=bool)[m[has]]
            closers[_START_BORROWED] = start_borrowed
        if C.RESOURCE in ev.columns:
            start_res = pd.Series(pd.NA, index=closers.index, dtype=ev[C.RESOURCE].dtype)
            start_res[has] = ev[C.RESOURCE].to_numpy()[m[has]]
            closers[C.RESOURCE] = closers[C.RESOURCE].fillna(start_res)
        aborted = closers[_ABORTED].to_numpy(dtype=bool)
        alone = aborted & ~has  # an abort with no open start: an instant
        if alone.any():
            closers[C.START] = closers[C.START].where(~alone, closers[C.END])
            if shift is not None:
                closers[_START_SHIFT] = closers[_START_SHIFT].where(~alone, closers[shift])
            if borrowed is not None:
                closers[_START_BORROWED] = closers[_START_BORROWED].where(~alone, closers[borrowed])
        counts.aborted_with_start = int((aborted & has).sum())
        counts.aborted_instants = int(alone.sum())
        counts.merged += int(has.sum())
        counts.unmatched_starts = int(opener.sum()) - int(has.sum())
        left = opener.copy()
        left[m[has]] = False
        left_case = ev[C.CASE].to_numpy()[left]
        left_time = ev[C.END].to_numpy()[left]
        last = _last_in_case(
            left_case,
            left_time,
            np.concatenate([closers[C.CASE].to_numpy(), left_case]),
            np.concatenate([closers[C.START].fillna(closers[C.END]).to_numpy(), left_time]),
        )
        counts.unmatched_start_cases = sorted(set(left_case[last].tolist()))
        counts.unmatched_starts_mid_case = int((~last).sum())
        inst = closers.drop(columns=["_kind", "_g"])
        pausing = words.isin({SUSPEND, RESUME}).to_numpy()[is_other]
        if pausing.any():
            pauses = events.loc[is_other].loc[pausing]
            is_suspend = (words[is_other][pausing] == SUSPEND).to_numpy()
            found, counts.suspensions, counts.suspended_instances, counts.suspended_hours, done = (
                record_suspensions(inst, pauses, is_suspend)
            )
            applied[np.flatnonzero(pausing)[done]] = True
    else:
        inst = ev
        inst[C.START] = pd.Series(pd.NaT, index=inst.index, dtype=ev[C.END].dtype)
        if shift is not None:
            inst[_START_SHIFT] = pd.Series(pd.NaT, index=inst.index, dtype=ev[shift].dtype)
        if borrowed is not None:
            inst[_START_BORROWED] = False
    removed = words[is_other][~applied]
    counts.removed_other = len(removed)
    counts.removed_by_word = {str(k): int(v) for k, v in removed.value_counts().items()}

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
        if shift is not None:  # the schedule event's own time on the clock
            sched_shift = both[shift].fillna(pd.Timedelta(0)).to_numpy()[m[has]]
            enabled[has] = enabled[has] - sched_shift
        if C.ENABLED in inst.columns:
            inst[C.ENABLED] = inst[C.ENABLED].fillna(enabled)
        else:
            inst[C.ENABLED] = enabled
        inst = inst.drop(columns=["_kind", "_g", "_begin"])
        counts.merged += int(has.sum())
        counts.unmatched_schedules = int(opener.sum()) - int(has.sum())

    if shift is not None:
        inst = _back_on_clock(inst, shift, borrowed)
    inst = _suspension_column(inst, found, shift)
    if borrowed is not None:
        if shift is not None:  # a shift taken from another event is no instant of the row's
            started = inst[C.START].notna()
            own = inst[borrowed].fillna(False).astype(bool)
            taken = inst[_START_BORROWED].fillna(False).astype(bool).where(started, own)
            inst[shift] = inst[shift].mask(taken.to_numpy(dtype=bool))
        inst = inst.drop(columns=_START_BORROWED)
    ended = inst[_ABORTED].eq(True).to_numpy()
    if ended.any():
        act = inst[C.ACTIVITY].astype("string")
        inst[C.ACTIVITY] = act.where(~ended, act + ABORTED_SUFFIX)
    inst = inst.drop(columns=_ABORTED)
    if standard_only:
        inst = inst.drop(columns=[lifecycle])
    return inst, counts


_START_SHIFT = "_start_shift"  # the shift (see ``pair_lifecycle``) of a row's start event
_START_BORROWED = "_start_borrowed"  # whether a row's start event's shift was another's


def _back_on_clock(inst: pd.DataFrame, shift: str, borrowed: str | None = None) -> pd.DataFrame:
    """Paired rows, timed on exact instants, back on the log's clock: the start at its start
    event's time on the clock (moved later by any suspension), the end at the start plus the
    exact duration where both events have an instant (a shift of their own, not ``borrowed``),
    else as written, as a row with a start and an end column is read
    (``sim.eventlog.read._put_on_clock``); a row without a start at its completion's time.
    ``shift`` then holds each row's shift: its start event's, else its completion's."""
    zero = pd.Timedelta(0)
    own, from_start = inst[shift], inst[_START_SHIFT]
    started = inst[C.START].notna()
    exact = started & own.notna() & from_start.notna()
    if borrowed is not None:
        exact &= ~inst[borrowed].fillna(False).astype(bool)
        exact &= ~inst[_START_BORROWED].fillna(False).astype(bool)
    inst = inst.copy()
    inst[C.START] = inst[C.START] - from_start.fillna(zero)
    inst[C.END] = (inst[C.END] - from_start.fillna(zero)).where(
        exact, inst[C.END] - own.fillna(zero)
    )
    inst[shift] = from_start.where(started, own)
    return inst.drop(columns=[_START_SHIFT])
