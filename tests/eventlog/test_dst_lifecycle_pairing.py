"""Lifecycle start/complete events that span a change of the clock keep their exact duration.

QA tzdst: the events were put on the log's clock before they were paired, so an XES instance
from 01:40 +01:00 to 03:20 +02:00 (40 minutes; the clocks go forward at 02:00) lasted 100, and
one from 02:50 +02:00 to 02:05 +01:00 (15 minutes; the clocks go back at 03:00) had its start
thrown away as never completed, its completion kept without a start. They are now paired on
their exact instants and put on the clock as rows with a start and an end column are.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.eventlog import read_event_log
from sim.model import columns as C

T = pd.Timestamp


def xes(path: Path, traces: dict[str, list[tuple[str, str, str]]]) -> Path:
    """An XES log of ``traces``: case id to its (activity, transition, timestamp) events."""
    body = []
    for case, events in traces.items():
        body.append(f'<trace><string key="concept:name" value="{case}"/>')
        for activity, transition, stamp in events:
            body.append(
                f'<event><string key="concept:name" value="{activity}"/>'
                f'<string key="lifecycle:transition" value="{transition}"/>'
                f'<date key="time:timestamp" value="{stamp}"/>'
                '<string key="org:resource" value="r1"/></event>'
            )
        body.append("</trace>")
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?><log>{"".join(body)}</log>')
    return path


def instances(*pairs: tuple[str, str, str]) -> list[tuple[str, str, str]]:
    """Start and complete events of each (activity, start, end)."""
    return [e for a, s, t in pairs for e in ((a, "start", s), (a, "complete", t))]


NIGHTS = {
    # the clocks go forward at 02:00 +01:00 on 30 March 2025: A lasted 40 minutes
    "spring": instances(
        ("A", "2025-03-30T01:40:00+01:00", "2025-03-30T03:20:00+02:00"),
        ("B", "2025-03-30T03:30:00+02:00", "2025-03-30T03:50:00+02:00"),
    ),
    # and back at 03:00 +02:00 on 26 October 2025: A lasted 15 minutes
    "fall": instances(
        ("A", "2025-10-26T02:50:00+02:00", "2025-10-26T02:05:00+01:00"),
        ("B", "2025-10-26T02:10:00+01:00", "2025-10-26T02:20:00+01:00"),
    ),
    "day": instances(
        ("A", "2025-05-05T09:00:00+02:00", "2025-05-05T09:30:00+02:00"),
        ("B", "2025-05-05T09:40:00+02:00", "2025-05-05T10:00:00+02:00"),
    ),
}


def row(log, case: str, activity: str) -> pd.Series:
    ev = log.events
    (found,) = ev.index[(ev[C.CASE] == case) & (ev[C.ACTIVITY] == activity)]
    return ev.loc[found]


def test_an_instance_across_the_spring_change_lasts_its_exact_time(tmp_path):
    log = read_event_log(xes(tmp_path / "dst.xes", NIGHTS))
    a = row(log, "spring", "A")
    assert a[C.START] == T("2025-03-30 01:40")  # as written
    assert a[C.END] == T("2025-03-30 02:20")  # its start plus 40 minutes, as a CSV row is read
    csv = tmp_path / "rows.csv"
    csv.write_text(
        "case_id,activity,start_time,end_time\n"
        "spring,A,2025-03-30T01:40:00+01:00,2025-03-30T03:20:00+02:00\n"
        "spring,B,2025-03-30T03:30:00+02:00,2025-03-30T03:50:00+02:00\n"
        "day,A,2025-05-05T09:00:00+02:00,2025-05-05T09:30:00+02:00\n"
        "day,B,2025-05-05T09:40:00+02:00,2025-05-05T10:00:00+02:00\n"
    )
    as_rows = row(read_event_log(csv), "spring", "A")
    assert (a[C.START], a[C.END]) == (as_rows[C.START], as_rows[C.END])


def test_a_start_in_the_repeated_hour_is_paired_not_thrown_away(tmp_path):
    log = read_event_log(xes(tmp_path / "dst.xes", NIGHTS))
    r = log.report
    assert r.unmatched_starts_removed == 0 and r.activities_in_progress == 0
    assert not any("never completed" in n for n in r.notes)
    assert log.events[C.START].notna().all() and len(log.events) == 6
    a = row(log, "fall", "A")
    assert a[C.START] == T("2025-10-26 02:50")
    assert a[C.END] - a[C.START] == pd.Timedelta(minutes=15)


@pytest.mark.parametrize("timezone", [None, "local", "Europe/Amsterdam", "UTC"])
def test_every_clock_gives_every_instance_the_duration_it_has_in_utc(tmp_path, timezone):
    """BPIC 2012 (QA tzdst): 5 instances came out 3,600 s short of their duration in UTC."""
    path = xes(tmp_path / "dst.xes", NIGHTS)
    on_clock = read_event_log(path, timezone=timezone).events
    in_utc = read_event_log(path, timezone="UTC").events
    key = [C.CASE, C.ACTIVITY]
    took = on_clock.set_index(key)[C.END] - on_clock.set_index(key)[C.START]
    exact = in_utc.set_index(key)[C.END] - in_utc.set_index(key)[C.START]
    assert took.sort_index().equals(exact.sort_index())


def test_a_schedule_event_gives_its_time_on_the_clock(tmp_path):
    """The enabled time is the schedule event's own time as written, not its UTC instant."""
    traces = {
        "fall": [("A", "schedule", "2025-10-26T02:40:00+02:00"), *NIGHTS["fall"]],
        "day": NIGHTS["day"],
    }
    log = read_event_log(xes(tmp_path / "dst.xes", traces))
    a = row(log, "fall", "A")
    assert a[C.ENABLED] == T("2025-10-26 02:40")
    assert (a[C.START], a[C.END]) == (T("2025-10-26 02:50"), T("2025-10-26 03:05"))


def test_events_written_without_an_offset_are_paired_as_written(tmp_path):
    """No offset, no exact instant: a start and its completion are read as written."""
    traces = {
        "c1": instances(
            ("A", "2025-10-26T02:50:00", "2025-10-26T03:05:00"),
            ("B", "2025-10-26T03:10:00", "2025-10-26T03:20:00"),
        ),
        "c2": instances(
            ("A", "2025-05-05T09:00:00", "2025-05-05T09:30:00"),
            ("B", "2025-05-05T09:40:00", "2025-05-05T10:00:00"),
        ),
    }
    log = read_event_log(xes(tmp_path / "naive.xes", traces))
    a = row(log, "c1", "A")
    assert (a[C.START], a[C.END]) == (T("2025-10-26 02:50"), T("2025-10-26 03:05"))
    assert "_shift" not in log.events.columns
