"""QA rt27_calib F1, F2, F4, F8: times written without a UTC offset among times with one.

F2: with timezone='Europe/Amsterdam', an event from '01:40' to '03:20+02:00' the night the clocks
went forward read 1 h 40 (its twin from '01:40+01:00', the same instants, 40 minutes), and
nothing said so: a time of a named zone's clock is one instant, so it is now read as one.
F4: a start at '02:30' (in the hour that repeats) completed at '02:10+01:00' was removed as
"never completed" and its completion kept as an instant, where the same row is removed as
ending before its start; both now say the latter. F1: lifecycle events without an offset were
paired on the log's most common offset, so '19:04' to '19:21' and '20:07+02:00' to '20:08+02:00'
of one case became one instance of 64 minutes. F8: "1 had none and were taken as written".
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.eventlog import read_event_log
from sim.model import columns as C
from tests.eventlog.test_lifecycle_one_sided_offsets import as_events, write

ROWS = "case_id,activity,start_time,end_time,resource"
EVENTS = "case_id,activity,timestamp,lifecycle,resource"
AMSTERDAM = "Europe/Amsterdam"


def both_layouts(tmp_path: Path, rows: list[str]) -> list[Path]:
    return [
        write(tmp_path / "rows.csv", ROWS, rows),
        write(tmp_path / "events.csv", EVENTS, as_events(rows)),
    ]


def minutes(log, case: str, activity: str) -> list[float]:
    ev = log.events
    ev = ev[(ev[C.CASE] == case) & (ev[C.ACTIVITY] == activity)]
    return ((ev[C.END] - ev[C.START]) / pd.Timedelta(minutes=1)).tolist()


def adds_up(log) -> bool:
    r = log.report
    return r.rows_read == r.rows_kept + r.removed() + r.lifecycle_events_merged


SPAN = [  # c1/c3 with an offset on one side only, c2/c4 their twins with both (same instants)
    "c1,Reg,2024-03-31T00:10:00+01:00,2024-03-31T00:20:00+01:00,r1",
    "c1,Rev,2024-03-31T01:40:00,2024-03-31T03:20:00+02:00,r2",
    "c1,App,2024-03-31T04:00:00+02:00,2024-03-31T04:10:00+02:00,r3",
    "c2,Reg,2024-03-31T00:30:00+01:00,2024-03-31T00:40:00+01:00,r1",
    "c2,Rev,2024-03-31T01:40:00+01:00,2024-03-31T03:20:00+02:00,r2",
    "c2,App,2024-03-31T04:20:00+02:00,2024-03-31T04:30:00+02:00,r3",
    "c3,Reg,2024-10-27T00:10:00+02:00,2024-10-27T00:20:00+02:00,r1",
    "c3,Rev,2024-10-27T01:50:00,2024-10-27T02:20:00+01:00,r2",
    "c3,App,2024-10-27T04:00:00+01:00,2024-10-27T04:10:00+01:00,r3",
    "c4,Reg,2024-10-27T00:30:00+02:00,2024-10-27T00:40:00+02:00,r1",
    "c4,Rev,2024-10-27T01:50:00+02:00,2024-10-27T02:20:00+01:00,r2",
    "c4,App,2024-10-27T04:20:00+01:00,2024-10-27T04:30:00+01:00,r3",
]


def test_a_named_zone_reads_a_time_without_offset_as_its_instant_across_a_change(tmp_path):
    for path in both_layouts(tmp_path, SPAN):
        log = read_event_log(path, timezone=AMSTERDAM)
        assert minutes(log, "c1", "Rev") == minutes(log, "c2", "Rev") == [40.0], path.name
        assert minutes(log, "c3", "Rev") == minutes(log, "c4", "Rev") == [90.0], path.name
        rev = log.events[(log.events[C.CASE] == "c1") & (log.events[C.ACTIVITY] == "Rev")]
        assert rev[C.START].tolist() == [pd.Timestamp("2024-03-31 01:40")]  # as written
        (clock,) = [n for n in log.report.notes if "converted to Europe/Amsterdam" in n]
        assert "2 had none and were read as times of Europe/Amsterdam" in clock, clock
        assert not [n for n in log.report.notes if "one of start and end only" in n]
        assert adds_up(log)


def test_a_named_zone_reads_a_log_without_any_offset_on_its_clock(tmp_path):
    naive = [r.replace("+01:00", "").replace("+02:00", "") for r in SPAN]
    log = read_event_log(write(tmp_path / "naive.csv", ROWS, naive), timezone=AMSTERDAM)
    assert minutes(log, "c1", "Rev") == [40.0]  # 01:40 +01:00 to 03:20 +02:00
    assert minutes(log, "c3", "Rev") == [30.0]  # its end, 02:20, is in the repeated hour
    (note,) = [n for n in log.report.notes if "none of the log's carries one" in n]
    assert note.startswith("22 timestamps without a UTC offset")
    assert "2 others in an hour that clock repeats or skips were taken as written" in note
    # no time is moved: every start as written (an end on its start's clock, as with offsets)
    assert read_event_log(tmp_path / "naive.csv").events[C.START].equals(log.events[C.START])


FALL = [  # Rev's start is in the hour that repeats: as 02:30+02:00 it is before its end
    "c1,Reg,2024-10-27T01:00:00+02:00,2024-10-27T01:10:00+02:00,r1",
    "c1,Rev,2024-10-27T02:30:00,2024-10-27T02:10:00+01:00,r2",
    "c1,App,2024-10-27T03:00:00+01:00,2024-10-27T03:10:00+01:00,r3",
    "c2,Reg,2024-10-27T03:20:00+01:00,2024-10-27T03:30:00+01:00,r1",
    "c2,Rev,2024-10-27T03:40:00+01:00,2024-10-27T04:00:00+01:00,r2",
    "c2,App,2024-10-27T04:10:00+01:00,2024-10-27T04:20:00+01:00,r3",
]

BACK = [  # no change of the clock: the times without an offset are on another clock
    "c1,Reg,2024-01-10T08:00:00+01:00,2024-01-10T08:05:00+01:00,r1",
    "c1,Rev,2024-01-10T09:30:00+01:00,2024-01-10T09:10:00,r2",
    "c1,App,2024-01-10T10:00:00+01:00,2024-01-10T10:05:00+01:00,r3",
    "c2,Reg,2024-01-10T08:10:00+01:00,2024-01-10T08:15:00+01:00,r1",
    "c2,Rev,2024-01-10T09:30:00,2024-01-10T09:10:00+01:00,r2",
    "c2,App,2024-01-10T10:10:00+01:00,2024-01-10T10:15:00+01:00,r3",
    "c3,Reg,2024-01-10T08:20:00+01:00,2024-01-10T08:25:00+01:00,r1",
    "c3,Rev,2024-01-10T08:30:00+01:00,2024-01-10T08:50:00+01:00,r2",
    "c3,App,2024-01-10T10:20:00+01:00,2024-01-10T10:25:00+01:00,r3",
]


def removal(log) -> str:
    (note,) = [n for n in log.report.notes if n.startswith("Removed") and "end is before" in n]
    return note


@pytest.mark.parametrize(
    ("rows", "zone", "n", "says"),
    [
        (FALL, AMSTERDAM, 1, "repeats when that clock goes back (2024-10-27 02:00 to 03:00)"),
        (BACK, None, 2, "written on another clock than those with one"),
        (BACK, AMSTERDAM, 2, "Removed 2 rows whose end is before its start"),  # both placed
    ],
)
def test_a_one_sided_pair_ending_before_its_start_is_removed_as_its_row_is(
    tmp_path, rows, zone, n, says
):
    by_row, events = (read_event_log(p, timezone=zone) for p in both_layouts(tmp_path, rows))
    for log in (by_row, events):
        r = log.report
        assert r.end_before_start_removed == n
        assert r.unmatched_starts_removed == 0 and r.missing_end_mid_case == 0
        assert r.missing_start == 0  # no completion kept without its start
        assert not [x for x in r.notes if "never completed" in x or "end missing" in x]
        assert says in removal(log)
        assert adds_up(log)
    assert len(events.events) == len(by_row.events)
    assert events.report.lifecycle_events_merged == len(rows)


def test_a_both_offset_completion_before_its_start_is_still_a_start_never_completed(tmp_path):
    rows = [r.replace("09:10:00,", "09:10:00+01:00,") for r in BACK]
    rows = [r.replace("T09:30:00,", "T09:30:00+01:00,") for r in rows]
    log = read_event_log(write(tmp_path / "events.csv", EVENTS, as_events(rows)))
    assert log.report.unmatched_starts_removed == 2 and log.report.end_before_start_removed == 0


NAIVE_PAIR = [  # c1's first Call without offsets, its second in summer time; the log mostly +01
    "c1,Call,2011-10-10T19:04:00,start,r2",
    "c1,Call,2011-10-10T19:21:00,complete,r2",
    "c1,Call,2011-10-10T20:07:00+02:00,start,r2",
    "c1,Call,2011-10-10T20:08:00+02:00,complete,r2",
    "c1,Close,2011-10-10T20:30:00+02:00,complete,r3",
    "c2,Call,2011-11-10T19:00:00+01:00,start,r2",
    "c2,Call,2011-11-10T19:20:00+01:00,complete,r2",
    "c2,Close,2011-11-10T20:30:00+01:00,complete,r3",
    "c3,Call,2011-11-11T19:00:00+01:00,start,r2",
    "c3,Call,2011-11-11T19:20:00+01:00,complete,r2",
    "c3,Close,2011-11-11T20:30:00+01:00,complete,r3",
]


@pytest.mark.parametrize("zone", [None, AMSTERDAM])
def test_lifecycle_events_without_offset_are_paired_on_their_cases_clock(tmp_path, zone):
    log = read_event_log(write(tmp_path / "naive.csv", EVENTS, NAIVE_PAIR), timezone=zone)
    assert minutes(log, "c1", "Call") == [17.0, 1.0]  # was one instance of 64 minutes
    assert log.report.end_before_start_removed == 0
    (clock,) = [n for n in log.report.notes if "timestamps carried a UTC offset" in n]
    if zone is None:
        assert (
            "2 had none and were taken as written, paired with their case's other events on the "
            "clock of its nearest event with an offset"
        ) in clock
    assert adds_up(log)


def test_one_value_without_offset_is_counted_in_the_singular(tmp_path):
    log = read_event_log(write(tmp_path / "fall.csv", ROWS, FALL), timezone=AMSTERDAM)
    (clock,) = [n for n in log.report.notes if "converted to Europe/Amsterdam" in n]
    assert "; 1 had none and was taken as written (in an hour that the clock of" in clock
