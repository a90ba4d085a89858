"""Properties: the cleaning report adds up against an independent oracle; lifecycle pairing
matches a plain stack-and-queue implementation, FIFO matching a plain queue; start estimates
never exceed ends."""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import EventLogError
from sim.eventlog import clean_event_table, estimate_start_times
from sim.eventlog.lifecycle import fifo_match
from sim.model import columns as C

BASE = pd.Timestamp("2022-05-01 12:00")
ZONES = {"": 0, "Z": 0, "+01:00": 60, "-02:30": -150}


def stamp(minute: int | None, zone: str) -> str | None:
    if minute is None:
        return None
    return (BASE + pd.Timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:%S") + zone


def utc(minute: int | None, zone: str) -> pd.Timestamp | None:
    if minute is None:
        return None
    return BASE + pd.Timedelta(minutes=minute - ZONES[zone])


row = st.tuples(
    st.sampled_from(["1", "2", "3", None]),
    st.sampled_from(["a", "b", "c", None]),
    st.one_of(st.none(), st.integers(0, 60)),
    st.one_of(st.none(), st.integers(0, 60)),
    st.sampled_from(["r1", "r2", None]),
    st.sampled_from(sorted(ZONES)),
)


@st.composite
def tables(draw):
    rows = draw(st.lists(row, min_size=1, max_size=25))
    repeats = draw(st.lists(st.integers(0, len(rows) - 1), max_size=6))
    return rows + [rows[i] for i in repeats]


@settings(max_examples=50, deadline=None)
@given(tables())
def test_cleaning_report_adds_up(rows) -> None:
    table = pd.DataFrame(
        [(c, a, stamp(s, z), stamp(e, z), r) for c, a, s, e, r, z in rows],
        columns=[C.CASE, C.ACTIVITY, C.START, C.END, C.RESOURCE],
    )
    # Oracle, written independently of the implementation.
    keyed = [x for x in rows if x[0] is not None and x[1] is not None]
    timed = [x for x in keyed if x[3] is not None]
    seen, unique = set(), []
    for c, a, s, e, r, z in timed:
        key = (c, a, utc(s, z), utc(e, z), r)
        if key not in seen:
            seen.add(key)
            unique.append(key)
    kept = [k for k in unique if k[2] is None or k[3] >= k[2]]
    try:  # on UTC, the oracle's clock (the written clock: tests/eventlog/test_timezones.py)
        log = clean_event_table(table, timezone="UTC")
    except EventLogError as err:
        msg = str(err)
        columns = ((0, "case id"), (1, "activity"), (3, "end/completion timestamp"))
        empty = [name for i, name in columns if all(x[i] is None for x in rows)]
        if empty:  # a key column holding nothing is named, before rows are removed
            assert f"the {empty[0]} column, is empty in all" in msg
        elif not kept:
            assert "no usable rows" in msg
        elif len({k[0] for k in kept}) < 2:
            assert "single case" in msg
        else:
            assert len({k[1] for k in kept}) < 2 and "single activity" in msg
        return
    r = log.report
    assert r.rows_read == len(rows)
    assert r.missing_case_or_activity_removed == len(rows) - len(keyed)
    assert r.missing_timestamp_removed == len(keyed) - len(timed)
    assert r.duplicates_removed == len(timed) - len(unique)
    assert r.end_before_start_removed == len(unique) - len(kept)
    assert r.rows_kept == len(kept) == len(log.events)
    assert r.rows_read == r.rows_kept + r.lifecycle_events_merged + r.removed()
    assert r.timezone_aware_values + r.timezone_naive_values == sum(
        (s is not None) + (e is not None) for _, _, s, e, _, _ in rows
    )
    assert sum(r.timezone_offsets.values()) == r.timezone_aware_values
    got = sorted(
        (c, a, e) for c, a, e in log.events[[C.CASE, C.ACTIVITY, C.END]].itertuples(index=False)
    )
    assert got == sorted((k[0], k[1], k[3]) for k in kept)
    has_start = log.events[C.START].notna()
    assert (log.events.loc[has_start, C.START] <= log.events.loc[has_start, C.END]).all()
    if log.start_times_estimated:
        assert has_start.all()


def queue_pairs(events, skew: int = 5):
    """Reference: per (case, activity), in time order, a complete takes the latest open start (a
    stack decides which starts are paired: of two starts with no complete between them the
    earlier lost its complete), and the paired starts go with the completes first in, first out;
    then a start left over takes the latest complete left over up to ``skew`` minutes before it
    (clocks out of step: the pair ends before it starts and is removed)."""
    out, unmatched, skewed = [], 0, 0
    groups: dict[tuple[str, str], list] = {}
    for i, (case, act, kind, t) in enumerate(events):
        groups.setdefault((case, act), []).append((t, 0 if kind == "start" else 1, i))
    for (case, act), items in groups.items():
        q: list = []  # the open starts, a stack
        starts, ends, loose = [], [], []
        for t, kind, _ in sorted(items):
            if kind == 0:
                q.append(t)
            elif q:
                starts.append(q.pop())
                ends.append(t)
            else:
                loose.append(t)
        out += [(case, act, s, e) for s, e in zip(sorted(starts), ends, strict=True)]
        for start in q:
            near = [t for t in loose if start - skew <= t <= start]
            if near:
                loose.remove(near[-1])
                skewed += 1
            else:
                unmatched += 1
        out += [(case, act, None, t) for t in loose]
    return sorted(out, key=str), unmatched, skewed


lifecycle_event = st.tuples(
    st.sampled_from(["1", "2"]),
    st.sampled_from(["a", "b"]),
    st.sampled_from(["start", "complete"]),
    st.integers(0, 30),
)


@settings(max_examples=50, deadline=None)
@given(st.lists(lifecycle_event, min_size=1, max_size=30))
def test_lifecycle_pairing_matches_a_queue(events) -> None:
    table = pd.DataFrame(
        [(c, a, k, (BASE + pd.Timedelta(minutes=t)).isoformat()) for c, a, k, t in events],
        columns=["case:concept:name", "concept:name", "lifecycle:transition", "time:timestamp"],
    )
    # exact duplicates go first
    expected, unmatched, skewed = queue_pairs(list(dict.fromkeys(events)))
    expected_rows = [
        (
            c,
            a,
            None if s is None else BASE + pd.Timedelta(minutes=s),
            BASE + pd.Timedelta(minutes=e),
        )
        for c, a, s, e in expected
    ]
    try:
        log = clean_event_table(table)
    except EventLogError as err:
        assert {r[0] for r in expected_rows} != {"1", "2"} or {r[1] for r in expected_rows} != {
            "a",
            "b",
        }, err
        return
    r = log.report
    assert r.unmatched_starts_removed == unmatched
    assert r.end_before_start_removed == skewed
    assert r.rows_read == r.rows_kept + r.lifecycle_events_merged + r.removed()
    if log.start_times_estimated:  # no start was matched: starts are estimates, compare ends
        got = sorted(
            (c, a, e) for c, a, e in log.events[[C.CASE, C.ACTIVITY, C.END]].itertuples(index=False)
        )
        assert got == sorted((c, a, e) for c, a, _, e in expected_rows)
        return
    got = [
        (c, a, None if pd.isna(s) else s, e)
        for c, a, s, e in log.events[[C.CASE, C.ACTIVITY, C.START, C.END]].itertuples(index=False)
    ]
    assert sorted(got, key=str) == sorted(expected_rows, key=str)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.booleans()), max_size=40))
def test_fifo_match_against_queue(items) -> None:
    items = sorted(items, key=lambda x: x[0])  # grouped, order within group kept
    group = np.array([g for g, _ in items], dtype=np.int64)
    is_open = np.array([o for _, o in items], dtype=bool)
    got = fifo_match(group, is_open)
    want = np.full(len(items), -1)
    queues: dict[int, deque] = {}
    for i, (g, o) in enumerate(items):
        q = queues.setdefault(g, deque())
        if o:
            q.append(i)
        elif q:
            want[i] = q.popleft()
    assert got.tolist() == want.tolist()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("xyz"),
            st.integers(0, 500),
            st.sampled_from(["r1", "r2", None]),
            st.sampled_from(["a", "b"]),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_estimated_starts_between_enablement_and_end(rows) -> None:
    df = pd.DataFrame(
        [(c, a, BASE + pd.Timedelta(minutes=m), r) for c, m, r, a in rows],
        columns=[C.CASE, C.ACTIVITY, C.END, C.RESOURCE],
    )
    out = estimate_start_times(df)
    assert (out[C.START] <= out[C.END]).all()
    by_end = out.sort_values(C.END, kind="stable")
    first = ~by_end[C.CASE].duplicated()
    free = by_end[C.END].groupby(by_end[C.RESOURCE]).shift(1)
    enabled = by_end[~first]
    # an enabled activity starts at an enabling or freeing event: one of the log's end times
    assert set(enabled[C.START]) <= set(out[C.END])
    # a case's first activity lasts at most as long as the longest enabled instance of its
    # activity (it takes their median), none when there is none, and starts once its resource
    # is free
    longest = (enabled[C.END] - enabled[C.START]).groupby(enabled[C.ACTIVITY]).max()
    for i, row in by_end[first].iterrows():
        cap = longest.get(row[C.ACTIVITY], pd.Timedelta(0))
        assert row[C.END] - row[C.START] <= cap
        if pd.notna(free[i]):
            assert row[C.START] >= free[i]
