"""Flag right-censored cases: cases still running when the log was extracted.

Rule (the cleaning report repeats it):

1. The *tail* of the extract is its final ``tail_fraction`` (default 5 %) measured in activity
   instances: it starts at the ``1 - tail_fraction`` quantile of all end times. (A share of the
   time span would fail on extracts with a long sparse history, e.g. BPIC 2013, whose first
   events are two years before the bulk.)
2. A case's *last activity* is the activity of its row with the latest end time; it *ends
   with* that activity and every other whose row was still running when that row started (a
   case that ends in parallel work, a decline beside an audit that finished later, ends with
   both).
3. *Settled* cases are those whose last event ends before the tail: they had time to finish, so
   their last activities show what finishing looks like. Unless ``end_activities`` is given, an
   activity is an end activity if, among settled cases, it ends (a) at least
   ``min_last_ratio`` (50 %) of the cases it occurs in ("it usually ends the cases it is in"),
   or (b) at least ``min_end_share`` (15 %) of all settled cases ("many cases end with it").
4. A case is open iff its last event ends inside the tail **and** none of the activities it
   ends with is an end activity **and** the log records no outcome for it (an ``outcome``
   column with a value on its rows: the log says how it ended, e.g. a simulator's trace, whose
   abandoned cases end at the step they left) **and** none of the activities it ends with was
   aborted (named ``"<activity> (aborted)"``: an XES ``ate_abort`` or ``pi_abort``, see
   ``sim.eventlog.lifecycle``; the log says it ended there), or it is one of ``force_open``:
   the reader passes the cases with an activity that started and never finished (in progress
   at extraction), whose rows it removes.

Open cases are flagged (boolean column ``case_open``, the same value on every row of a case),
never removed: their completed activities are valid data, only their cycle times are censored.
Checked against ground truth on BPIC 2012 (the 399 cases with no approve/decline/cancel event
are the open ones): see ``experiments/eventlog_reading/README.md``. Pass ``end_activities=``
when you know the process (e.g. ``{"A_APPROVED", "A_DECLINED", "A_CANCELLED"}``).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from sim.eventlog.lifecycle import ABORTED_SUFFIX
from sim.eventlog.log import CASE_OPEN
from sim.model import columns as C

DEFAULT_TAIL_FRACTION = 0.05
DEFAULT_MIN_LAST_RATIO = 0.5
DEFAULT_MIN_END_SHARE = 0.15


def _by_end(events: pd.DataFrame) -> pd.DataFrame:
    """``events`` in the order they ended; of rows ending together, the later-starting one last
    (an instant close stamped when the stage before it ends comes after that stage, QA
    newuser19 #4), then in the log's order."""
    keys = pd.DataFrame({"end": events[C.END].to_numpy()})
    if C.START in events.columns:
        keys["start"] = events[C.START].fillna(events[C.END]).to_numpy()
    order = keys.sort_values(list(keys.columns), kind="stable", na_position="first").index
    return events.iloc[order.to_numpy()]


def _last_rows(events: pd.DataFrame) -> pd.DataFrame:
    """Per case (index): its last-ending row (``_by_end``'s order)."""
    return _by_end(events).groupby(C.CASE, sort=False, observed=True).tail(1).set_index(C.CASE)


def _last_events(events: pd.DataFrame) -> pd.DataFrame:
    """Per case (index): the activity and end time of its last-ending row."""
    return _by_end(events).groupby(C.CASE, sort=False, observed=True)[[C.ACTIVITY, C.END]].last()


def _ending_together(events: pd.DataFrame, last: pd.DataFrame) -> pd.Series:
    """Per case (index of ``last``): the activities it ends with: its last activity and those
    of its rows that were running when its last-ending row started (ending after that start): a
    case that ends in parallel work (a decline beside an audit that finished later) ends with
    each of them."""
    start_of_last = _last_rows(events)[C.START] if C.START in events.columns else last[C.END]
    ends_after = events[C.END].to_numpy() > events[C.CASE].map(start_of_last).to_numpy()
    together = events.loc[ends_after].groupby(C.CASE, sort=False, observed=True)[C.ACTIVITY]
    sets = together.agg(lambda a: frozenset(map(str, a))).reindex(last.index)
    return pd.Series(
        [
            (s if isinstance(s, frozenset) else frozenset()) | {str(a)}
            for s, a in zip(sets, last[C.ACTIVITY], strict=True)
        ],
        index=last.index,
        dtype=object,
    )


def cases_with_outcome(events: pd.DataFrame) -> set:
    """The cases with an outcome recorded (a value of the ``outcome`` column on one of their
    rows, blank text counting as none): the log says they finished."""
    if C.OUTCOME not in events.columns:
        return set()
    given = events.loc[events[C.OUTCOME].notna(), [C.CASE, C.OUTCOME]]
    recorded = given[C.OUTCOME].astype(str).str.strip() != ""
    return set(given.loc[recorded.to_numpy(dtype=bool), C.CASE].unique())


def tail_cutoff(events: pd.DataFrame, tail_fraction: float = DEFAULT_TAIL_FRACTION) -> pd.Timestamp:
    """Start of the extract's tail: the ``1 - tail_fraction`` quantile of end times."""
    return events[C.END].quantile(1.0 - tail_fraction, interpolation="lower")


def infer_end_activities(
    events: pd.DataFrame,
    *,
    tail_fraction: float = DEFAULT_TAIL_FRACTION,
    min_last_ratio: float = DEFAULT_MIN_LAST_RATIO,
    min_end_share: float = DEFAULT_MIN_END_SHARE,
) -> list[str]:
    """Activities that usually end the settled cases they occur in, or end many settled cases."""
    last = _last_events(events)
    if last.empty:
        return []
    return _end_activities(
        events,
        last,
        _ending_together(events, last),
        tail_fraction=tail_fraction,
        min_last_ratio=min_last_ratio,
        min_end_share=min_end_share,
    )


def _end_activities(
    events: pd.DataFrame,
    last: pd.DataFrame,
    together: pd.Series,
    *,
    tail_fraction: float,
    min_last_ratio: float = DEFAULT_MIN_LAST_RATIO,
    min_end_share: float = DEFAULT_MIN_END_SHARE,
) -> list[str]:
    """``infer_end_activities`` from each case's last event and what it ends with."""
    cutoff = tail_cutoff(events, tail_fraction)
    settled = last[last[C.END] < cutoff]
    if settled.empty:
        settled = last
    ends_with = pd.Series(
        [a for case in settled.index for a in together[case]], dtype=object
    ).value_counts()
    in_settled = events[C.CASE].isin(settled.index)
    occurs_in = events.loc[in_settled].groupby(C.ACTIVITY, observed=True)[C.CASE].nunique()
    ratio = ends_with / occurs_in.reindex(ends_with.index)
    share = ends_with / len(settled)
    chosen = ends_with.index[(ratio >= min_last_ratio) | (share >= min_end_share)]
    return sorted(str(a) for a in chosen)


def flag_open_cases(
    events: pd.DataFrame,
    *,
    end_activities: Iterable[str] | None = None,
    tail_fraction: float = DEFAULT_TAIL_FRACTION,
    force_open: Iterable[str] = (),
) -> tuple[pd.DataFrame, list[str]]:
    """Return a copy of ``events`` with a boolean ``case_open`` column, and the end activities used.

    See the module docstring for the rule. ``end_activities`` overrides the inferred set; a
    case with a value in the ``outcome`` column, or that ends with an aborted activity
    (``ABORTED_SUFFIX``), is finished; the cases in ``force_open`` are
    open whatever their last event or outcome. A single name given as a string
    is one end activity (not a set of one-letter activities).
    """
    if isinstance(end_activities, str):
        end_activities = [end_activities]
    out = events.copy()
    if out.empty:
        out[CASE_OPEN] = pd.Series(dtype=bool)
        return out, sorted(end_activities or [])
    last = _last_events(out)
    together = _ending_together(out, last)
    if end_activities is None:
        ends = _end_activities(out, last, together, tail_fraction=tail_fraction)
    else:
        ends = sorted({str(a) for a in end_activities})
    cutoff = tail_cutoff(out, tail_fraction)
    ended = together.map(lambda acts: bool(acts & set(ends))).astype(bool)
    ended |= last.index.isin(list(cases_with_outcome(out)))
    ended |= together.map(lambda acts: any(a.endswith(ABORTED_SUFFIX) for a in acts)).astype(bool)
    open_ = ((last[C.END] >= cutoff) & ~ended) | last.index.isin(list(force_open))
    out[CASE_OPEN] = out[C.CASE].map(open_).fillna(False).astype(bool).to_numpy()
    return out, ends
