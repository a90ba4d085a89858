"""A lifecycle log that lost a completion pairs each completion with its own start.

QA crmexport16 #1: a case's ``Call`` started on 03-03 whose completion was lost, then two calls of
10 minutes on 03-04 and 03-05. Starts were paired first in, first out, so the calls came out
03-03 09:00 -> 03-04 09:10 and 03-04 09:00 -> 03-05 09:10, and the start removed as "never
completed" was 03-05's; on a CRM export with 3 % of its completions lost, 293 instances took
another's earlier start (28.4 h mean instead of 0.12 h). A completion now ends the latest start
still open before it (of the same resource first, where both name one), and the starts so
chosen are paired first in, first out, which keeps overlapping instances in their order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.eventlog import read_event_log
from sim.eventlog.lifecycle import start_match
from sim.model import columns as C
from tests.eventlog.lifecycle_logs import lifecycle_csv

T = pd.Timestamp


def spans(log, case: str, activity: str) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    e = log.events
    e = e[(e[C.CASE] == case) & (e[C.ACTIVITY] == activity)].sort_values(C.END)
    return list(zip(e[C.START], e[C.END], strict=True))


def test_a_lost_completion_leaves_its_own_start_unpaired(tmp_path: Path) -> None:
    rows = [
        ("1", "Call", "2024-03-03 09:00", "ann", "start"),  # its completion was lost
        ("1", "Call", "2024-03-04 09:00", "ann", "start"),
        ("1", "Call", "2024-03-04 09:10", "ann", "complete"),
        ("1", "Call", "2024-03-05 09:00", "ann", "start"),
        ("1", "Call", "2024-03-05 09:10", "ann", "complete"),
        ("1", "Mail", "2024-03-05 10:00", "ann", "complete"),
        ("2", "Call", "2024-03-04 11:00", "bob", "start"),
        ("2", "Call", "2024-03-04 11:10", "bob", "complete"),
        ("2", "Mail", "2024-03-04 12:00", "bob", "complete"),
    ]
    log = read_event_log(lifecycle_csv(tmp_path / "lost.csv", rows))
    assert spans(log, "1", "Call") == [
        (T("2024-03-04 09:00"), T("2024-03-04 09:10")),
        (T("2024-03-05 09:00"), T("2024-03-05 09:10")),
    ]
    r = log.report
    assert r.unmatched_starts_removed == 1 and r.missing_end_mid_case == 1
    assert r.rows_read == r.rows_kept + r.lifecycle_events_merged + r.removed()
    assert any(
        n.startswith(
            "Removed 1 start event never completed (where an activity of a case starts "
            "again before a completion, the earlier start is the one never completed)"
        )
        for n in r.notes
    )


def test_the_same_holds_without_a_resource_column(tmp_path: Path) -> None:
    path = tmp_path / "nores.csv"
    path.write_text(
        "case_id,activity,timestamp,lifecycle\n"
        "1,Call,2024-03-03 09:00,start\n"
        "1,Call,2024-03-04 09:00,start\n"
        "1,Call,2024-03-04 09:10,complete\n"
        "2,Call,2024-03-04 11:00,start\n"
        "2,Call,2024-03-04 11:10,complete\n"
        "2,Mail,2024-03-04 12:00,complete\n"
    )
    log = read_event_log(path)
    assert spans(log, "1", "Call") == [(T("2024-03-04 09:00"), T("2024-03-04 09:10"))]
    r = log.report
    assert r.unmatched_starts_removed == 1 and r.missing_end_mid_case == 1


def test_overlapping_instances_of_one_activity_keep_their_order(tmp_path: Path) -> None:
    """Two starts, then two completions, no resource to tell them apart: first in, first out."""
    rows = [
        ("1", "Check", "2024-03-04 09:00", "", "start"),
        ("1", "Check", "2024-03-04 10:00", "", "start"),
        ("1", "Check", "2024-03-04 11:00", "", "complete"),
        ("1", "Check", "2024-03-04 13:00", "", "complete"),
        ("2", "Check", "2024-03-05 09:00", "", "start"),
        ("2", "Check", "2024-03-05 10:00", "", "complete"),
        ("2", "Mail", "2024-03-05 11:00", "", "complete"),
    ]
    log = read_event_log(lifecycle_csv(tmp_path / "overlap.csv", rows))
    assert spans(log, "1", "Check") == [
        (T("2024-03-04 09:00"), T("2024-03-04 11:00")),
        (T("2024-03-04 10:00"), T("2024-03-04 13:00")),
    ]
    assert log.report.unmatched_starts_removed == 0


def test_a_completion_pairs_with_the_start_of_the_same_resource(tmp_path: Path) -> None:
    """ann starts at 9, bob at 10, bob completes at 11, ann at 13: 4 h and 1 h (first in, first
    out gave ann 2 h and bob 3 h)."""
    rows = [
        ("1", "Check", "2024-03-04 09:00", "ann", "start"),
        ("1", "Check", "2024-03-04 10:00", "bob", "start"),
        ("1", "Check", "2024-03-04 11:00", "bob", "complete"),
        ("1", "Check", "2024-03-04 13:00", "ann", "complete"),
        # a hand-over: started by one, completed by another, is still paired
        ("2", "Check", "2024-03-05 09:00", "ann", "start"),
        ("2", "Check", "2024-03-05 10:00", "bob", "complete"),
        ("2", "Mail", "2024-03-05 11:00", "bob", "complete"),
    ]
    log = read_event_log(lifecycle_csv(tmp_path / "who.csv", rows))
    e = log.events[log.events[C.CASE] == "1"].set_index(C.RESOURCE)
    took = (e[C.END] - e[C.START]).dt.total_seconds() / 3600
    assert took.to_dict() == {"bob": 1.0, "ann": 4.0}
    assert spans(log, "2", "Check") == [(T("2024-03-05 09:00"), T("2024-03-05 10:00"))]


def reference(kinds: list[bool]) -> list[int]:
    """One group in time order (True: a start): which starts pair is decided by a stack (a
    completion ends the latest open start), the pairs are then made in order."""
    stack, starts, ends = [], [], []
    for i, is_start in enumerate(kinds):
        if is_start:
            stack.append(i)
        elif stack:
            starts.append(stack.pop())
            ends.append(i)
    out = [-1] * len(kinds)
    for s, e in zip(sorted(starts), ends, strict=True):
        out[e] = s
    return out


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.booleans()), max_size=40))
def test_start_match_against_a_stack(items) -> None:
    items = sorted(items, key=lambda x: x[0])  # grouped, order within group kept
    group = np.array([g for g, _ in items], dtype=np.int64)
    is_open = np.array([o for _, o in items], dtype=bool)
    got = start_match(group, is_open)
    want = np.full(len(items), -1)
    for g in set(group.tolist()):
        pos = np.flatnonzero(group == g)
        local = reference(is_open[pos].tolist())
        want[pos] = [pos[m] if m >= 0 else -1 for m in local]
    assert got.tolist() == want.tolist()
    paired = got >= 0
    assert (got[paired] < np.flatnonzero(paired)).all()  # every start before its completion
