"""A case's events keep their true order through the hour that repeats when the clocks go back.

QA tzdst: read on the clock they were written in, an event at 02:25 +01:00 came before one of
its case at 02:30 +02:00 (an hour earlier), so calibration, which orders a case by start time,
learnt routing that is not in the log (a 24/7 log of A then B: 3 decisions instead of 0). Such
an event is read on the earlier event's clock (moved later by the change of the clock, its
duration kept), and a note counts the events of the repeated hour.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.eventlog import read_event_log
from sim.model import columns as C

T = pd.Timestamp
HEADER = "case_id,activity,start_time,end_time,resource"


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def paths(log) -> pd.Series:
    """Each case's activities in the order every later step reads them (by start, then end)."""
    ev = log.events.sort_values([C.CASE, C.START, C.END], kind="stable")
    return ev.groupby(C.CASE, sort=False)[C.ACTIVITY].agg("".join)


def repeated_note(log) -> str:
    (note,) = [n for n in log.report.notes if "repeats when the clocks go back" in n]
    return note


def test_an_event_written_before_an_earlier_one_of_its_case_is_moved_after_it(tmp_path):
    """A ran 02:30 +02:00 to 02:20 +01:00 (50 minutes), B began 5 minutes later, at 02:25
    +01:00: on the written clock B began 5 minutes before A."""
    log = read_event_log(
        write(
            tmp_path / "night.csv",
            [
                "fall,A,2025-10-26T02:30:00+02:00,2025-10-26T02:20:00+01:00,r1",
                "fall,B,2025-10-26T02:25:00+01:00,2025-10-26T02:40:00+01:00,r1",
                "day,A,2025-05-05T09:00:00+02:00,2025-05-05T09:30:00+02:00,r1",
                "day,B,2025-05-05T09:30:00+02:00,2025-05-05T10:00:00+02:00,r1",
            ],
        )
    )
    assert paths(log).to_dict() == {"day": "AB", "fall": "AB"}
    fall = log.events[log.events[C.CASE] == "fall"].set_index(C.ACTIVITY)
    assert (fall.loc["A", C.START], fall.loc["A", C.END]) == (
        T("2025-10-26 02:30"),
        T("2025-10-26 03:20"),
    )
    # read on A's clock: 5 minutes after A's end, still 15 minutes long
    assert (fall.loc["B", C.START], fall.loc["B", C.END]) == (
        T("2025-10-26 03:25"),
        T("2025-10-26 03:40"),
    )
    note = repeated_note(log)
    assert note.startswith("2 events fall in the hour that repeats when the clocks go back")
    assert (
        "1 event, written before an earlier event of its case, was read on that event's clock"
        in note
    )


def test_events_of_the_repeated_hour_in_order_within_their_cases_are_counted_not_moved(tmp_path):
    log = read_event_log(
        write(
            tmp_path / "night.csv",
            [
                "c1,A,2025-10-26T02:30:00+02:00,2025-10-26T02:40:00+02:00,r1",
                "c1,B,2025-10-26T02:45:00+02:00,2025-10-26T02:50:00+02:00,r1",
                "c2,A,2025-10-26T02:10:00+01:00,2025-10-26T02:20:00+01:00,r2",
                "c2,B,2025-10-26T02:25:00+01:00,2025-10-26T02:35:00+01:00,r2",
            ],
        )
    )
    ev = log.events.set_index([C.CASE, C.ACTIVITY])
    assert ev.loc[("c2", "A"), C.START] == T("2025-10-26 02:10")  # as written
    assert repeated_note(log) == (
        "4 events fall in the hour that repeats when the clocks go back (written times that "
        "overlap those written after the change): each case's events are ordered by their true "
        "instants (their UTC offsets)."
    )


def test_completion_only_events_of_the_repeated_hour_keep_their_order(tmp_path):
    """No start times: a completion at 02:10 +01:00 after one at 02:50 +02:00 is the second."""
    path = tmp_path / "ends.csv"
    path.write_text(
        "case_id,activity,end_time,resource\n"
        "fall,A,2025-10-26T02:50:00+02:00,r1\n"
        "fall,B,2025-10-26T02:10:00+01:00,r1\n"
        "day,A,2025-05-05T09:00:00+02:00,r1\n"
        "day,B,2025-05-05T09:30:00+02:00,r1\n"
    )
    log = read_event_log(path)
    assert paths(log).to_dict() == {"day": "AB", "fall": "AB"}
    b = log.events[(log.events[C.CASE] == "fall") & (log.events[C.ACTIVITY] == "B")].iloc[0]
    assert b[C.END] == T("2025-10-26 03:10")  # 20 minutes after A's completion, as it was


def test_a_log_without_a_change_of_the_clock_has_no_note_and_nothing_moved(tmp_path):
    rows = [
        f"c{i},{a},2025-05-05T{h:02d}:00:00+02:00,2025-05-05T{h:02d}:30:00+02:00,r1"
        for i in range(3)
        for a, h in (("A", 9 + i), ("B", 10 + i))
    ]
    log = read_event_log(write(tmp_path / "day.csv", rows))
    assert not [n for n in log.report.notes if "repeats" in n]
    assert set(log.events[C.START].dt.minute) == {0}


def test_a_round_the_clock_log_across_the_change_has_no_routing_the_log_does_not_have(tmp_path):
    """The QA's 24/7 log, smaller: every case is A then B, 7 minutes apart at most."""
    rng = np.random.default_rng(3)
    t = pd.Timestamp("2025-10-25 20:00", tz="UTC")
    rows = []
    for i in range(120):
        t += pd.Timedelta(minutes=float(rng.exponential(6)))
        a_end = t + pd.Timedelta(minutes=float(rng.uniform(3, 8)))
        b_start = a_end + pd.Timedelta(minutes=float(rng.uniform(0.5, 7)))
        b_end = b_start + pd.Timedelta(minutes=float(rng.uniform(3, 8)))
        for act, s, e in (("A", t, a_end), ("B", b_start, b_end)):
            s, e = (x.tz_convert("Europe/Amsterdam").isoformat() for x in (s, e))
            rows.append(f"k{i},{act},{s},{e},r{i % 4}")
    log = read_event_log(write(tmp_path / "ams247.csv", rows))
    assert set(paths(log)) == {"AB"}
    in_utc = read_event_log(tmp_path / "ams247.csv", timezone="UTC").events
    took = (log.events[C.END] - log.events[C.START]).sort_values(ignore_index=True)
    assert took.equals((in_utc[C.END] - in_utc[C.START]).sort_values(ignore_index=True))
    assert "read on that event's clock" in repeated_note(log)


def test_several_places_read_on_their_own_clocks_are_left_as_written(tmp_path):
    """timezone='local' on New York's and Amsterdam's clocks: no hour repeats, nothing moves
    (a hand-over between them runs backwards by the hours between the places, by that choice)."""
    log = read_event_log(
        write(
            tmp_path / "two_offices.csv",
            [
                "c1,A,2025-05-05T09:00:00+02:00,2025-05-05T09:30:00+02:00,ams",
                "c1,B,2025-05-05T04:00:00-04:00,2025-05-05T04:30:00-04:00,nyc",
                "c2,A,2025-05-06T09:00:00+02:00,2025-05-06T09:30:00+02:00,ams",
                "c2,B,2025-05-06T04:00:00-04:00,2025-05-06T04:30:00-04:00,nyc",
            ],
        ),
        timezone="local",
    )
    assert not [n for n in log.report.notes if "repeats" in n]
    assert set(log.events.loc[log.events[C.ACTIVITY] == "B", C.START].dt.hour) == {4}
