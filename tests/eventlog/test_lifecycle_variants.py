"""Lifecycle columns named or valued otherwise than XES spells them, and suspended work.

QA (user logs): a column ``lifecycle_transition`` / ``Lifecycle Transition``, or values
``started``/``completed``, were not recognised, so every start event became an activity instance
of its own (each activity done twice); XES ``suspend``/``resume`` inside an instance were removed
and the suspended time counted as work.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.eventlog import read_event_log
from sim.eventlog.lifecycle import SUSPENDED
from sim.model import columns as C

T = pd.Timestamp


def lifecycle_csv(
    path: Path, header: str, start: str = "start", complete: str = "complete", cases: int = 4
) -> Path:
    """``cases`` cases of a (09:00-09:30) then b (10:00-11:00), one event per transition."""
    lines = [header]
    for i in range(cases):
        day = f"2020-01-{i + 1:02d}"
        for a, (s, e) in (("a", ("09:00", "09:30")), ("b", ("10:00", "11:00"))):
            lines += [f"{i},{a},{day} {s},r1,{start}", f"{i},{a},{day} {e},r1,{complete}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def durations(log) -> dict[str, float]:
    e = log.events
    hours = (e[C.END] - e[C.START]).dt.total_seconds() / 3600
    return hours.groupby(e[C.ACTIVITY]).mean().to_dict()


@pytest.mark.parametrize(
    "header",
    [
        "case_concept_name,concept_name,time_timestamp,org_resource,lifecycle_transition",
        "Case ID,Activity,Timestamp,Resource,Lifecycle Transition",
        "case:concept:name,concept:name,time:timestamp,org:resource,lifecycle-transition",
    ],
)
def test_lifecycle_column_names_are_matched_ignoring_colons(tmp_path: Path, header: str) -> None:
    log = read_event_log(lifecycle_csv(tmp_path / "lc.csv", header))
    r = log.report
    assert r.columns_used["lifecycle"] == header.split(",")[4]
    assert r.columns_used[C.RESOURCE] == header.split(",")[3]
    assert r.rows_kept == 8 and r.lifecycle_events_merged == 8  # 8 instances, not 16
    assert durations(log) == {"a": 0.5, "b": 1.0}


def test_two_columns_one_name_but_for_colons_are_still_called_ambiguous(tmp_path: Path) -> None:
    text = "case:concept:name,case_concept_name,activity,end_time\n" + "".join(
        f"{i},x{i},{a},2020-01-0{i + 1} 1{h}:00\n"
        for i in range(3)
        for h, a in [(0, "a"), (1, "b")]
    )
    path = tmp_path / "two.csv"
    path.write_text(text, encoding="utf-8")
    log = read_event_log(path)
    assert log.report.columns_used[C.CASE] == "case:concept:name"  # the exact spelling wins
    notes = " ".join(log.report.notes)
    assert "Columns 'case:concept:name' and 'case_concept_name' could each be the case id" in notes
    # 'time:timestamp' and 'timestamp' stay two different candidates, in their order
    both = "case_id,activity,time:timestamp,timestamp\n" + "".join(
        f"{i},{a},2020-01-0{i + 1} 1{h}:00,2020-01-0{i + 1} 1{h}:05\n"
        for i in range(3)
        for h, a in [(0, "a"), (1, "b")]
    )
    (tmp_path / "t.csv").write_text(both, encoding="utf-8")
    log = read_event_log(tmp_path / "t.csv")
    assert log.report.columns_used[C.END] == "time:timestamp"
    assert any("'time:timestamp' and 'timestamp' could each be" in n for n in log.report.notes)


@pytest.mark.parametrize(
    ("start", "complete"),
    [("started", "completed"), ("START", "END"), (" Begin ", "Finished"), ("start", "ended")],
)
def test_common_spellings_of_start_and_complete_are_paired(
    tmp_path: Path, start: str, complete: str
) -> None:
    header = "case_id,activity,timestamp,resource,lifecycle:transition"
    log = read_event_log(lifecycle_csv(tmp_path / "lc.csv", header, start, complete))
    assert log.report.rows_kept == 8 and log.report.lifecycle_events_merged == 8
    assert durations(log) == {"a": 0.5, "b": 1.0}
    assert "lifecycle:transition" not in log.events.columns  # absorbed into start/end


def test_values_that_are_no_transition_are_named_with_counts(tmp_path: Path) -> None:
    header = "case_id,activity,timestamp,resource,lifecycle:transition"
    log = read_event_log(lifecycle_csv(tmp_path / "lc.csv", header, "opened", "closed"))
    notes = " ".join(log.report.notes)
    assert "Column 'lifecycle:transition' holds 16 values that are no start, complete" in notes
    assert "'opened' 8, 'closed' 8" in notes
    assert log.report.rows_kept == 16  # each still one instance, as before
    assert log.events["lifecycle:transition"].notna().all()


def xes_case(case: str, day: str, quote: list[tuple[str, str]]) -> str:
    def ev(name: str, time: str, lc: str) -> str:
        return (
            f'<event><string key="concept:name" value="{name}"/>'
            f'<string key="org:resource" value="r1"/>'
            f'<string key="lifecycle:transition" value="{lc}"/>'
            f'<date key="time:timestamp" value="{day}T{time}:00"/></event>'
        )

    events = [ev("a", "08:00", "start"), ev("a", "08:30", "complete")]
    events += [ev("q", t, lc) for t, lc in quote]
    return f'<trace><string key="concept:name" value="{case}"/>{"".join(events)}</trace>'


def xes_log(path: Path, *traces: str) -> Path:
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">'
        + "".join(traces)
        + "</log>\n",
        encoding="utf-8",
    )
    return path


def test_suspended_time_is_not_counted_as_work(tmp_path: Path) -> None:
    paused = [
        ("08:40", "assign"),
        ("09:00", "start"),
        ("09:30", "suspend"),
        ("10:30", "resume"),
        ("11:00", "complete"),
    ]
    plain = [("09:00", "start"), ("10:00", "complete")]
    traces = [xes_case("c0", "2020-01-01", paused), xes_case("c1", "2020-01-02", plain)]
    log = read_event_log(xes_log(tmp_path / "ssr.xes", *traces))
    e, r = log.events, log.report
    q = e[e[C.ACTIVITY] == "q"].set_index(C.CASE)
    # worked 09:00-09:30 and 10:30-11:00: the instance keeps its real start and end and lists
    # the hour suspended, which calibration leaves out of its processing time (QA xes17 #1)
    assert q.loc["c0", C.START] == T("2020-01-01 09:00") and q.loc["c0", C.END] == T(
        "2020-01-01 11:00"
    )
    assert q.loc["c0", SUSPENDED] == "2020-01-01T09:30:00/2020-01-01T10:30:00"
    assert q.loc["c1", C.START] == T("2020-01-02 09:00") and pd.isna(q.loc["c1", SUSPENDED])
    assert r.lifecycle_events_merged == 2 + 2 + 2  # a's and q's starts, suspend and resume
    assert r.lifecycle_events_removed == 1  # the assign
    assert r.rows_read == r.rows_kept + r.lifecycle_events_merged + r.removed()
    notes = " ".join(r.notes)
    assert "Recorded 1 suspend/resume pair (1 h) within 1 activity instance" in notes
    assert "other than schedule/start/complete (assign 1)." in notes


def test_a_suspension_without_its_resume_is_said_to_count_as_work(tmp_path: Path) -> None:
    open_pause = [("09:00", "start"), ("09:30", "suspend"), ("11:00", "complete")]
    traces = [xes_case("c0", "2020-01-01", open_pause), xes_case("c1", "2020-01-02", open_pause)]
    log = read_event_log(xes_log(tmp_path / "s.xes", *traces))
    q = log.events[log.events[C.ACTIVITY] == "q"]
    assert (q[C.END] - q[C.START]).eq(pd.Timedelta(hours=2)).all()
    notes = " ".join(log.report.notes)
    assert "(suspend 2): a suspension not paired with a resume" in notes
    assert "is counted as work" in notes
