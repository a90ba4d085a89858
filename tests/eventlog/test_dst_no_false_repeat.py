"""An event that spans a change of the clock puts no later event in a "repeated hour".

QA newuser19 #3: a Negotiation written from Fri 16:00 +02:00 to Mon 08:30 +01:00 ends, read on
its start's clock to keep its exact duration, at Mon 09:30. Compared on that clock with the
next event of its case, written at Mon 09:00 +01:00, the pair looked like times of the hour
that repeats when the clocks go back: a note said 3 events fell in it (no time of the log lies
on the day of the change) and the Monday event was moved an hour later, to 10:00. An end is
compared on the clock it was written in: the Monday event stays at 09:00, with no note, while
a real repeated hour in the same log is still found and ordered.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.eventlog import read_event_log
from sim.model import columns as C

T = pd.Timestamp
REPEATS = "repeats when the clocks go back"

#: c1's Negotiation spans the change of 27 Oct 2024 (Europe/Berlin); nothing is written that day.
SPANNING = [
    "c1,Quote,2024-10-24T10:00:00+02:00,2024-10-24T11:00:00+02:00,ann",
    "c1,Negotiation,2024-10-25T16:00:00+02:00,2024-10-28T08:30:00+01:00,ann",
    "c1,Closed Won,2024-10-28T09:00:00+01:00,2024-10-28T09:10:00+01:00,ann",
    "c2,Quote,2024-10-28T08:00:00+01:00,2024-10-28T08:45:00+01:00,bob",
    "c2,Negotiation,2024-10-28T10:00:00+01:00,2024-10-28T11:00:00+01:00,bob",
    "c2,Closed Won,2024-10-28T11:30:00+01:00,2024-10-28T11:40:00+01:00,bob",
    "c3,Quote,2024-10-21T10:00:00+02:00,2024-10-21T11:00:00+02:00,bob",
    "c3,Negotiation,2024-10-22T10:00:00+02:00,2024-10-22T11:00:00+02:00,bob",
    "c3,Closed Won,2024-10-22T11:30:00+02:00,2024-10-22T11:40:00+02:00,bob",
]


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(["case_id,activity,start_time,end_time,resource", *rows]) + "\n")
    return path


def row(log, case: str, activity: str) -> pd.Series:
    ev = log.events
    (i,) = ev.index[(ev[C.CASE] == case) & (ev[C.ACTIVITY] == activity)]
    return ev.loc[i]


def test_the_event_after_one_that_spans_the_change_is_read_as_written(tmp_path):
    log = read_event_log(write(tmp_path / "span.csv", SPANNING))
    assert not [n for n in log.report.notes if REPEATS in n]
    won = row(log, "c1", "Closed Won")
    assert (won[C.START], won[C.END]) == (T("2024-10-28 09:00"), T("2024-10-28 09:10"))
    # the spanning event keeps its exact duration (14:00 to 07:30 UTC: 65.5 h)
    nego = row(log, "c1", "Negotiation")
    assert nego[C.START] == T("2024-10-25 16:00")
    assert nego[C.END] - nego[C.START] == pd.Timedelta(hours=65.5)
    # every other time is as written
    c2 = log.events[log.events[C.CASE] == "c2"]
    assert c2[C.START].tolist() == [
        T("2024-10-28 08:00"),
        T("2024-10-28 10:00"),
        T("2024-10-28 11:30"),
    ]


def test_a_real_repeated_hour_beside_a_spanning_event_is_still_found_and_ordered(tmp_path):
    """night: A ran 02:30 +02:00 to 02:20 +01:00 and B began at 02:25 +01:00, 5 minutes after
    A ended but 5 minutes before A began on the written clock: B alone is moved (read on A's
    clock); c1's Closed Won is not."""
    rows = [
        *SPANNING,
        "night,A,2024-10-27T02:30:00+02:00,2024-10-27T02:20:00+01:00,cy",
        "night,B,2024-10-27T02:25:00+01:00,2024-10-27T02:40:00+01:00,cy",
    ]
    log = read_event_log(write(tmp_path / "both.csv", rows))
    (note,) = [n for n in log.report.notes if REPEATS in n]
    assert note.startswith(f"2 events fall in the hour that {REPEATS}")
    assert "1 event, written before an earlier event of its case, was read on that event's" in note
    b = row(log, "night", "B")
    assert (b[C.START], b[C.END]) == (T("2024-10-27 03:25"), T("2024-10-27 03:40"))
    won = row(log, "c1", "Closed Won")
    assert won[C.START] == T("2024-10-28 09:00")


def test_lifecycle_events_of_an_instance_that_spans_the_change(tmp_path):
    """The same log as start/complete events: the completion's own clock survives pairing."""
    lines = ["case_id,activity,timestamp,lifecycle:transition,resource"]
    for r in SPANNING:
        case, act, start, end, who = r.split(",")
        lines += [f"{case},{act},{start},start,{who}", f"{case},{act},{end},complete,{who}"]
    path = tmp_path / "span_lifecycle.csv"
    path.write_text("\n".join(lines) + "\n")
    log = read_event_log(path)
    assert not [n for n in log.report.notes if REPEATS in n]
    won = row(log, "c1", "Closed Won")
    assert (won[C.START], won[C.END]) == (T("2024-10-28 09:00"), T("2024-10-28 09:10"))
