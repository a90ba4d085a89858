"""Exact duplicates of a log written to the minute may be real repetitions (QA crmexport16 #5).

Case 177329 of a CRM export worked 15:50:03-15:50:17 and again 15:50:22-15:50:30; written to the
minute both are 15:50-15:50, and one was removed as a copy without a word. As for dates without a
time of day, they are said to be maybe real, and date_only_duplicates='keep' keeps them.
"""

from __future__ import annotations

from pathlib import Path

from sim.eventlog import read_event_log
from sim.model import columns as C

HEADER = "case_id,activity,start_time,end_time,resource"
ROWS = [
    "177329,call,2011-10-01T15:50,2011-10-01T15:50,ann",
    "177329,call,2011-10-01T15:50,2011-10-01T15:50,ann",
    "177329,mail,2011-10-01T16:02,2011-10-01T16:10,ann",
    "177330,call,2011-10-01T15:55,2011-10-01T15:58,bob",
    "177330,mail,2011-10-01T16:20,2011-10-01T16:31,bob",
]


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def test_duplicates_of_a_log_written_to_the_minute_are_said_to_be_maybe_real(tmp_path):
    log = read_event_log(write(tmp_path / "minutes.csv", ROWS))
    assert log.report.duplicates_removed == 1
    (note,) = [n for n in log.report.notes if "exact duplicate" in n]
    assert note.startswith("Removed 1 exact duplicate row, all of them on times written to the")
    assert "within a minute" in note and "date_only_duplicates='keep'" in note


def test_duplicates_of_a_log_written_to_the_minute_are_kept_when_asked(tmp_path):
    log = read_event_log(write(tmp_path / "minutes.csv", ROWS), date_only_duplicates="keep")
    assert log.report.duplicates_removed == 0
    calls = log.events[(log.events[C.CASE] == "177329") & (log.events[C.ACTIVITY] == "call")]
    assert len(calls) == 2
    assert any(n.startswith("Kept 1 row that repeats another exactly") for n in log.report.notes)


def test_duplicates_of_a_log_with_seconds_are_copies(tmp_path):
    rows = [r.replace("T15:50,", "T15:50:03,") for r in ROWS]
    log = read_event_log(write(tmp_path / "seconds.csv", rows), date_only_duplicates="keep")
    assert log.report.duplicates_removed == 1
    assert "Removed 1 exact duplicate row." in log.report.notes
