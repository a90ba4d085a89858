"""XES ``ate_abort`` and ``pi_abort`` end an instance: kept as ``"<activity> (aborted)"``.

QA xes17 #2: an ``ate_abort`` was removed like ``assign``, so the start it closed was left
unmatched and its case flagged "still open at extraction" (right-censored): 30 of 100 cases
aborted at B gave 0 decisions and 0 % drop-off. ``pi_abort`` was removed too, so the case looked
finished at its previous activity. An abort now closes the open start it matches (as a
completion: same activity, its resource's first) and the row is kept as an execution of
``"<activity> (aborted)"``; an abort with no open start is an instant there.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.eventlog import read_event_log
from sim.eventlog.lifecycle import ABORTED_SUFFIX, abort_note, pair_lifecycle
from sim.model import columns as C
from tests.eventlog.lifecycle_logs import lifecycle_csv

T = pd.Timestamp


def done(case: str, day: str, who: str = "r1") -> list[tuple[str, str, str, str, str]]:
    """A case doing A then B, both completed."""
    return [
        (case, "A", f"{day} 09:00", who, "start"),
        (case, "A", f"{day} 09:30", who, "complete"),
        (case, "B", f"{day} 10:00", who, "start"),
        (case, "B", f"{day} 10:30", who, "complete"),
    ]


def rows_of(log, case: str) -> list[tuple[str, pd.Timestamp, pd.Timestamp, str]]:
    e = log.events[log.events[C.CASE] == case]
    return list(zip(e[C.ACTIVITY], e[C.START], e[C.END], e[C.RESOURCE], strict=True))


def test_an_aborted_activity_ends_its_instance_and_its_case(tmp_path: Path) -> None:
    rows = [r for i in range(1, 10) for r in done(f"c{i}", f"2024-03-{i:02d}")]
    rows += [
        ("x1", "A", "2024-03-04 11:00", "r1", "start"),
        ("x1", "A", "2024-03-04 11:30", "r1", "complete"),
        ("x1", "B", "2024-03-04 12:00", "r2", "start"),
        ("x1", "B", "2024-03-04 12:20", "r2", "ate_abort"),
    ]
    log = read_event_log(lifecycle_csv(tmp_path / "abort.csv", rows))
    # the abort closes B's start: an instance of 'B (aborted)' from the start to the abort
    assert rows_of(log, "x1") == [
        ("A", T("2024-03-04 11:00"), T("2024-03-04 11:30"), "r1"),
        ("B" + ABORTED_SUFFIX, T("2024-03-04 12:00"), T("2024-03-04 12:20"), "r2"),
    ]
    r = log.report
    # nothing started and never finished: the case ended, it is not in progress at extraction
    assert r.unmatched_starts_removed == 0 and r.activities_in_progress == 0
    assert "x1" not in log.open_case_ids and not log.in_progress_case_ids
    assert not any("never completed" in n for n in r.notes)
    assert r.lifecycle_events_removed == 0  # the abort is a row, not a removed event
    assert r.lifecycle_events_merged == 2 * 10  # every start, the aborted one's too
    assert r.rows_read == r.rows_kept + r.lifecycle_events_merged + r.removed()


def test_an_abort_closes_the_start_of_its_own_resource(tmp_path: Path) -> None:
    rows = done("c1", "2024-03-01") + [
        ("c2", "B", "2024-03-02 09:00", "ann", "start"),
        ("c2", "B", "2024-03-02 09:10", "bob", "start"),
        ("c2", "B", "2024-03-02 09:30", "ann", "ate_abort"),
        ("c2", "B", "2024-03-02 09:40", "bob", "complete"),
        ("c2", "C", "2024-03-02 10:00", "bob", "complete"),
    ]
    log = read_event_log(lifecycle_csv(tmp_path / "two.csv", rows))
    assert sorted(rows_of(log, "c2")) == [
        ("B", T("2024-03-02 09:10"), T("2024-03-02 09:40"), "bob"),
        ("B" + ABORTED_SUFFIX, T("2024-03-02 09:00"), T("2024-03-02 09:30"), "ann"),
        ("C", pd.NaT, T("2024-03-02 10:00"), "bob"),
    ]


def test_aborts_without_an_open_start_are_instants_and_pi_abort_ends_the_case(
    tmp_path: Path,
) -> None:
    rows = [r for i in range(1, 10) for r in done(f"c{i}", f"2024-03-{i:02d}")]
    rows += [
        ("y1", "A", "2024-03-05 11:00", "r1", "start"),
        ("y1", "A", "2024-03-05 11:30", "r1", "complete"),
        ("y1", "B", "2024-03-05 12:00", "r2", "ate_abort"),  # never started
        # the whole case aborted last, at the end of the extract
        ("z1", "A", "2024-03-20 11:00", "r1", "start"),
        ("z1", "A", "2024-03-20 11:30", "r1", "complete"),
        ("z1", "Review", "2024-03-20 12:00", "r3", "start"),
        ("z1", "Review", "2024-03-20 12:45", "r3", "pi_abort"),
        ("z2", "A", "2024-03-20 13:00", "r1", "start"),
        ("z2", "A", "2024-03-20 13:30", "r1", "complete"),
        ("z2", "Case", "2024-03-20 14:00", "", "pi_abort"),
    ]
    log = read_event_log(lifecycle_csv(tmp_path / "pi.csv", rows))
    at = T("2024-03-05 12:00")
    assert rows_of(log, "y1")[-1] == ("B" + ABORTED_SUFFIX, at, at, "r2")
    assert rows_of(log, "z1")[-1][:3] == (
        "Review" + ABORTED_SUFFIX,
        T("2024-03-20 12:00"),
        T("2024-03-20 12:45"),
    )
    end = T("2024-03-20 14:00")
    assert rows_of(log, "z2")[-1][:3] == ("Case" + ABORTED_SUFFIX, end, end)
    # they end the extract and no settled case ends with them, yet the log says they ended
    assert not {"y1", "z1", "z2"} & log.open_case_ids
    assert log.report.unmatched_starts_removed == 0


def test_the_counts_and_the_note_say_what_was_done_with_the_aborts() -> None:
    events = pd.DataFrame(
        {
            C.CASE: ["1", "1", "1", "2", "2", "3"],
            C.ACTIVITY: ["a", "a", "b", "a", "a", "x"],
            C.END: pd.to_datetime(
                [
                    "2024-03-01 09:00",
                    "2024-03-01 09:20",
                    "2024-03-01 09:30",
                    "2024-03-02 09:00",
                    "2024-03-02 09:40",
                    "2024-03-03 09:00",
                ]
            ),
            C.RESOURCE: ["r1"] * 6,
            "lifecycle": ["start", "ate_abort", "ate_abort", "start", "complete", "pi_abort"],
            "_row": range(6),
        }
    )
    rows, counts = pair_lifecycle(events, "lifecycle")
    assert sorted(rows[C.ACTIVITY]) == ["a", "a (aborted)", "b (aborted)", "x (aborted)"]
    assert counts.aborted_by_word == {"ate_abort": 2, "pi_abort": 1}
    assert (counts.aborted_with_start, counts.aborted_instants) == (1, 2)
    assert counts.removed_other == 0 and counts.unmatched_starts == 0 and counts.merged == 2
    note = abort_note(counts)
    assert note is not None
    assert "Kept 3 abort events (ate_abort 2, pi_abort 1)" in note
    assert "1 closed an open start" in note and "2 with no open start taken as instants" in note


def test_a_log_without_start_events_keeps_its_aborts_as_rows_to_estimate(tmp_path: Path) -> None:
    rows = [
        (f"c{i}", a, f"2024-03-{i:02d} {h}", "r1", "complete")
        for i in range(1, 6)
        for a, h in (("A", "09:30"), ("B", "10:30"))
    ]
    rows.append(("c9", "A", "2024-03-09 09:30", "r1", "complete"))
    rows.append(("c9", "B", "2024-03-09 10:00", "r1", "ate_abort"))
    log = read_event_log(lifecycle_csv(tmp_path / "complete_only.csv", rows))
    assert log.start_times_estimated  # as before: no start is recorded, every one is estimated
    last = rows_of(log, "c9")[-1]
    assert last[0] == "B" + ABORTED_SUFFIX and last[2] == T("2024-03-09 10:00")
    assert log.report.rows_kept == len(rows) and log.report.lifecycle_events_removed == 0


def test_the_cleaning_report_says_what_was_done_with_the_aborts(tmp_path: Path) -> None:
    rows = done("c1", "2024-03-01") + [
        ("c2", "A", "2024-03-02 09:00", "r1", "start"),
        ("c2", "A", "2024-03-02 09:20", "r1", "ate_abort"),
        ("c3", "A", "2024-03-03 09:00", "r1", "start"),
        ("c3", "A", "2024-03-03 09:30", "r1", "complete"),
        ("c3", "X", "2024-03-03 10:00", "", "pi_abort"),
    ]
    r = read_event_log(lifecycle_csv(tmp_path / "notes.csv", rows)).report
    notes = " ".join(r.notes)
    assert (
        "Kept 2 abort events (ate_abort 1, pi_abort 1) as executions of '<activity> (aborted)': "
        "1 closed an open start of the activity (the row runs from that start to the abort), "
        "1 with no open start taken as instants." in notes
    )
    assert "never completed" not in notes and "other than schedule/start/complete" not in notes
    assert r.activities_dropped == []  # X is kept, as 'X (aborted)'
