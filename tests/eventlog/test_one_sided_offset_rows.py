"""QA calib25: an event with a UTC offset on one of start and end only ('10:04' to
'10:10+01:00') in a log that mixes Z and +01:00, so is read in UTC. Its end was converted to UTC
and its start left as written, so it ended before it started and was removed; the note promised
each end read as written. The time without an offset is now read on the clock of the one with
it, so the event keeps its written duration; where even that ends before the start, the removal
says the clocks are mixed and names ``timezone=``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.errors import EventLogError
from sim.eventlog import read_event_log
from sim.model import columns as C

HEADER = "case_id,activity,start_time,end_time,resource"


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def partial_naive(path: Path) -> Path:
    """calib25's partial_naive.csv in small: rows in Z, rows in +01:00 and, in a third of the
    rows, a start without an offset beside an end in +01:00."""
    rows = []
    for i in range(6):
        h, d = 8 + i, "2024-01-08T"
        rows += [
            f"c{i},Register,{d}{h:02d}:00:00Z,{d}{h:02d}:20:00Z,r1",
            f"c{i},Review,{d}{h + 1:02d}:04:00,{d}{h + 1:02d}:10:00+01:00,r2",
            f"c{i},Approve,{d}{h + 1:02d}:30:00+01:00,{d}{h + 1:02d}:50:00+01:00,r3",
        ]
    return write(path, rows)


def written_minutes(log) -> pd.Series:
    ev = log.events.set_index([C.CASE, C.ACTIVITY])
    return (ev[C.END] - ev[C.START]) / pd.Timedelta(minutes=1)


def test_one_sided_rows_in_a_utc_log_keep_their_written_duration(tmp_path):
    log = read_event_log(partial_naive(tmp_path / "partial_naive.csv"))
    assert log.report.clock == "UTC"  # Z and +01:00 side by side
    assert log.report.end_before_start_removed == 0
    assert len(log.events) == 18
    minutes = written_minutes(log)
    assert (minutes.xs("Review", level=C.ACTIVITY) == 6).all()
    # the start took the end's +01:00: 09:04 written is 08:04 UTC, before the end's 08:10
    review = log.events.set_index([C.CASE, C.ACTIVITY]).loc[("c0", "Review")]
    assert review[C.START] == pd.Timestamp("2024-01-08 08:04")
    assert review[C.END] == pd.Timestamp("2024-01-08 08:10")
    (note,) = [n for n in log.report.notes if "one of start and end only" in n]
    assert note.startswith("6 events carry a UTC offset on one of start and end only")
    assert "read on the clock of the one with it" in note and "as written" in note
    (clock,) = [n for n in log.report.notes if "converted to UTC" in n]
    assert "6 had none and were read on the clock of the other time of their event" in clock


def test_an_end_without_offset_beside_a_start_with_one_is_read_on_its_clock(tmp_path):
    path = write(
        tmp_path / "naive_end.csv",
        [
            "c1,A,2024-01-08T08:00:00Z,2024-01-08T08:30:00Z,r1",
            "c1,B,2024-01-08T10:00:00+01:00,2024-01-08T10:45:00,r2",
            "c2,A,2024-01-08T09:00:00Z,2024-01-08T09:30:00Z,r1",
            "c2,B,2024-01-08T11:00:00+01:00,2024-01-08T11:45:00,r2",
        ],
    )
    log = read_event_log(path)
    assert log.report.clock == "UTC" and log.report.end_before_start_removed == 0
    b = log.events.set_index([C.CASE, C.ACTIVITY]).loc[("c1", "B")]
    assert b[C.START] == pd.Timestamp("2024-01-08 09:00")
    assert b[C.END] == pd.Timestamp("2024-01-08 09:45")


def naive_starts(path: Path) -> Path:
    """calib25's naive_start_aware_end.csv in small: every start without an offset, written on
    the +01:00 clock; ends in +01:00, or in Z, whose start then reads after its end."""
    rows = []
    for i in range(4):
        h = 8 + 2 * i
        rows += [
            f"c{i},Register,2024-01-08T{h:02d}:14:00,2024-01-08T{h:02d}:36:00+01:00,r1",
            f"c{i},Review,2024-01-08T{h + 1:02d}:04:00,2024-01-08T{h:02d}:10:00Z,r2",
            f"c{i},Approve,2024-01-08T{h + 1:02d}:30:00,2024-01-08T{h + 1:02d}:45:00+01:00,r3",
        ]
    return write(path, rows)


def test_naive_starts_beside_offset_ends_keep_their_durations(tmp_path):
    log = read_event_log(naive_starts(tmp_path / "naive_starts.csv"))
    minutes = written_minutes(log)
    assert (minutes.xs("Register", level=C.ACTIVITY) == 22).all()
    assert (minutes.xs("Approve", level=C.ACTIVITY) == 15).all()
    # a Review ends before its start as written (09:04 to 08:10Z): removed, and the note says
    # the times without an offset are on another clock, and how to name it
    assert log.report.end_before_start_removed == 4
    (removed,) = [n for n in log.report.notes if n.startswith("Removed 4 rows whose end")]
    assert "4 of them carry a UTC offset on one of start and end only" in removed
    assert "+00:00, +01:00" in removed and "pass timezone=" in removed
    berlin = read_event_log(tmp_path / "naive_starts.csv", timezone="Europe/Berlin")
    assert berlin.report.end_before_start_removed == 0
    assert (written_minutes(berlin).xs("Review", level=C.ACTIVITY) == 6).all()


def test_a_log_lost_to_one_sided_rows_is_refused_naming_the_clocks(tmp_path):
    path = write(
        tmp_path / "all_z.csv",
        [
            "c1,A,2024-01-08T09:04:00,2024-01-08T08:10:00Z,r1",
            "c1,B,2024-01-08T10:04:00,2024-01-08T09:10:00Z,r1",
            "c2,A,2024-01-08T11:04:00,2024-01-08T10:10:00Z,r1",
            "c2,B,2024-01-08T12:04:00,2024-01-08T11:10:00Z,r1",
        ],
    )
    with pytest.raises(EventLogError, match=r"no usable rows.*4 of them carry a UTC offset"):
        read_event_log(path)
    with pytest.raises(EventLogError, match=r"the log's offsets: \+00:00\); pass timezone="):
        read_event_log(path)


def test_a_named_zone_takes_the_times_without_offset_to_be_on_its_clock(tmp_path):
    log = read_event_log(partial_naive(tmp_path / "partial_naive.csv"), timezone="UTC")
    assert log.report.end_before_start_removed == 6  # 09:04 taken as UTC, 09:10+01:00 = 08:10
    (note,) = [n for n in log.report.notes if n.startswith("6 events carry")]
    assert "taken to be on the clock of timezone='UTC'" in note
    (removed,) = [n for n in log.report.notes if n.startswith("Removed 6 rows whose end")]
    assert "or null to read each on the clock of the time beside it" in removed
