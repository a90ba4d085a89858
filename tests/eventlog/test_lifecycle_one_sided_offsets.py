"""QA rt_calib F1, F3, F4: times with a UTC offset on one side of an event only.

F1: a row whose start or end has no offset beside one with an offset is read on its partner's
clock (it keeps its written duration), but the same events written as lifecycle start/complete
rows were not: a start at '09:04' completed at '09:10+01:00' in a log of Z and +01:00 (read in
UTC) read as completed before it started, so 400 starts were removed as never completed and
349 cases flagged open; a start at '09:07+01:00' completed at '09:15' lasted 68 minutes, not 8.
A start and its completion are now paired on their written times and read as a row's start and
end are, with the same note.

F3: an event from '01:30+01:00' to '03:30' the night the clocks went forward was said to "fall in
the hour that repeats when the clocks go back"; the note now says its time without an offset
took an offset not in use then. F4: with timezone='Europe/Amsterdam' given, a removal told the
user to pass timezone= (e.g. 'Europe/Amsterdam'); it now names the hour that repeats instead.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.eventlog import read_event_log
from sim.model import columns as C

ROWS = "case_id,activity,start_time,end_time,resource"
EVENTS = "case_id,activity,timestamp,lifecycle,resource"
REPEATS = "repeats when the clocks go back"
ONE_SIDED = "carry a UTC offset on one of start and end only"


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def as_events(rows: list[str]) -> list[str]:
    """``case,activity,start,end,resource`` rows as start and complete events."""
    out = []
    for row in rows:
        case, activity, start, end, resource = row.split(",")
        out += [
            f"{case},{activity},{start},start,{resource}",
            f"{case},{activity},{end},complete,{resource}",
        ]
    return out


def as_xes(path: Path, rows: list[str]) -> Path:
    """The start and complete events of ``rows`` as an XES log, a trace per case."""
    traces: dict[str, list[str]] = {}
    for row in as_events(rows):
        case, activity, stamp, transition, resource = row.split(",")
        traces.setdefault(case, []).append(
            f'<event><string key="concept:name" value="{activity}"/>'
            f'<string key="lifecycle:transition" value="{transition}"/>'
            f'<date key="time:timestamp" value="{stamp}"/>'
            f'<string key="org:resource" value="{resource}"/></event>'
        )
    body = "".join(
        f'<trace><string key="concept:name" value="{case}"/>{"".join(events)}</trace>'
        for case, events in traces.items()
    )
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?><log>{body}</log>')
    return path


def minutes(log, activity: str) -> list[float]:
    ev = log.events[log.events[C.ACTIVITY] == activity]
    return ((ev[C.END] - ev[C.START]) / pd.Timedelta(minutes=1)).tolist()


def instances(log) -> list[tuple[str, str, pd.Timestamp, pd.Timestamp]]:
    ev = log.events
    return sorted(zip(ev[C.CASE], ev[C.ACTIVITY], ev[C.START], ev[C.END], strict=True))


def mixed(naive_start: bool) -> list[str]:
    """QA rt_calib's big_rows.csv in small: Register in Z, Approve in +01:00, and a Review with
    its start (else its end) written without an offset, on the +01:00 clock."""
    rows = []
    for i in range(6):
        d, h = "2024-01-10T", 8 + i
        if naive_start:  # 09:04 (08:04 UTC) to 09:10+01:00: 6 minutes
            review = f"{d}{h + 1:02d}:04:00,{d}{h + 1:02d}:10:00+01:00"
        else:  # 09:07+01:00 to 09:15: 8 minutes
            review = f"{d}{h + 1:02d}:07:00+01:00,{d}{h + 1:02d}:15:00"
        rows += [
            f"c{i},Register,{d}{h:02d}:00:00Z,{d}{h:02d}:05:00Z,r1",
            f"c{i},Review,{review},r2",
            f"c{i},Approve,{d}{h + 1:02d}:30:00+01:00,{d}{h + 1:02d}:50:00+01:00,r3",
        ]
    return rows


def test_a_naive_start_is_read_on_its_completions_clock(tmp_path):
    rows = mixed(naive_start=True)
    by_row = read_event_log(write(tmp_path / "rows.csv", ROWS, rows))
    log = read_event_log(write(tmp_path / "events.csv", EVENTS, as_events(rows)))
    assert log.report.clock == "UTC"  # Z and +01:00 side by side
    assert log.report.unmatched_starts_removed == 0
    assert log.report.open_cases == 0 and log.report.missing_start == 0
    assert minutes(log, "Review") == [6.0] * 6
    assert instances(log) == instances(by_row)
    review = log.events[log.events[C.ACTIVITY] == "Review"].iloc[0]
    assert (review[C.START], review[C.END]) == (
        pd.Timestamp("2024-01-10 08:04"),
        pd.Timestamp("2024-01-10 08:10"),
    )
    (note,) = [n for n in log.report.notes if ONE_SIDED in n]
    assert note.startswith(f"6 events {ONE_SIDED} (a start event and its completion)")
    assert "read on the clock of the one with it" in note
    (clock,) = [n for n in log.report.notes if "converted to UTC" in n]
    assert "6 had none and were read on the clock of the other time of their event" in clock


def test_a_naive_completion_is_read_on_its_starts_clock_in_csv_and_xes(tmp_path):
    rows = mixed(naive_start=False)
    by_row = read_event_log(write(tmp_path / "rows.csv", ROWS, rows))
    for path in (
        write(tmp_path / "events.csv", EVENTS, as_events(rows)),
        as_xes(tmp_path / "events.xes", rows),
    ):
        log = read_event_log(path)
        assert minutes(log, "Review") == [8.0] * 6, path.name  # was 68
        assert instances(log) == instances(by_row), path.name
        assert [n for n in log.report.notes if n.startswith(f"6 events {ONE_SIDED}")]


def test_a_summer_pair_on_the_written_clock_is_paired(tmp_path):
    """One place's +01:00 in winter and +02:00 in summer, read on the written clock: a summer
    start at '10:00' completed at '10:05+02:00' was paired an hour off (its completion at 09:05
    on the winter clock) and so not at all."""
    rows = [
        "w1,Reg,2024-01-10T08:00:00+01:00,2024-01-10T08:05:00+01:00,r1",
        "w1,Rev,2024-01-10T08:10:00+01:00,2024-01-10T08:20:00+01:00,r2",
        "w2,Reg,2024-02-10T08:00:00+01:00,2024-02-10T08:05:00+01:00,r1",
        "w2,Rev,2024-02-10T08:10:00+01:00,2024-02-10T08:20:00+01:00,r2",
        "s1,Reg,2024-06-10T09:00:00+02:00,2024-06-10T09:05:00+02:00,r1",
        "s1,Rev,2024-06-10T10:00:00,2024-06-10T10:05:00+02:00,r2",
    ]
    by_row = read_event_log(write(tmp_path / "rows.csv", ROWS, rows))
    for zone in (None, "Europe/Amsterdam"):
        log = read_event_log(write(tmp_path / "events.csv", EVENTS, as_events(rows)), timezone=zone)
        assert log.report.unmatched_starts_removed == 0, zone
        assert instances(log) == instances(by_row), zone
        s1 = log.events[(log.events[C.CASE] == "s1") & (log.events[C.ACTIVITY] == "Rev")]
        assert (s1[C.END] - s1[C.START]).tolist() == [pd.Timedelta(minutes=5)], zone


SPRING = [  # the clocks went forward at 02:00 +01:00; Rev's end has no offset
    "c1,Reg,2024-03-31T00:30:00+01:00,2024-03-31T00:40:00+01:00,r1",
    "c1,Rev,2024-03-31T01:30:00+01:00,2024-03-31T03:30:00,r2",
    "c1,App,2024-03-31T03:40:00+02:00,2024-03-31T03:50:00+02:00,r3",
    "c2,Reg,2024-03-31T04:00:00+02:00,2024-03-31T04:10:00+02:00,r1",
    "c2,Rev,2024-03-31T04:30:00+02:00,2024-03-31T04:50:00+02:00,r2",
    "c2,App,2024-03-31T05:00:00+02:00,2024-03-31T05:10:00+02:00,r3",
]


def test_a_one_sided_event_across_spring_forward_is_not_in_a_repeated_hour(tmp_path):
    for path in (
        write(tmp_path / "rows.csv", ROWS, SPRING),
        write(tmp_path / "events.csv", EVENTS, as_events(SPRING)),
    ):
        log = read_event_log(path)
        assert not [n for n in log.report.notes if REPEATS in n], path.name
        (note,) = [n for n in log.report.notes if "spans a change of the clock" in n]
        assert note.startswith("1 event with a UTC offset on one of start and end only"), note
        assert "(Rev: 2024-03-31 01:30:00 .. 2024-03-31 03:30:00)" in note
        assert "the log's other times no longer (or not yet) carry" in note
        # nothing moved: the written times are kept
        app = log.events[(log.events[C.CASE] == "c1") & (log.events[C.ACTIVITY] == "App")]
        assert app[C.START].tolist() == [pd.Timestamp("2024-03-31 03:40")]
    named = read_event_log(tmp_path / "rows.csv", timezone="Europe/Amsterdam")
    assert not [n for n in named.report.notes if REPEATS in n]


def test_a_real_repeated_hour_with_one_sided_rows_is_still_found(tmp_path):
    rows = [
        "c1,Reg,2024-10-27T01:00:00+02:00,2024-10-27T01:10:00+02:00,r1",
        "c1,Rev,2024-10-27T02:20:00+02:00,2024-10-27T02:40:00,r2",
        "c2,Reg,2024-10-27T02:10:00+01:00,2024-10-27T02:15:00+01:00,r1",
        "c2,Rev,2024-10-27T02:30:00,2024-10-27T02:50:00+01:00,r2",
        "c3,Reg,2024-10-27T03:00:00+01:00,2024-10-27T03:10:00+01:00,r1",
        "c3,Rev,2024-10-27T03:20:00+01:00,2024-10-27T03:40:00+01:00,r2",
    ]
    log = read_event_log(write(tmp_path / "fall.csv", ROWS, rows))
    (note,) = [n for n in log.report.notes if REPEATS in n]
    assert note.startswith(f"2 events fall in the hour that {REPEATS}")
    assert not [n for n in log.report.notes if "spans a change of the clock" in n]


def test_a_removal_with_a_named_zone_names_the_repeated_hour_not_the_zone(tmp_path):
    rows = [
        "c1,Reg,2024-10-27T01:00:00+02:00,2024-10-27T01:10:00+02:00,r1",
        "c1,Rev,2024-10-27T02:50:00,2024-10-27T02:10:00+01:00,r2",
        "c2,Reg,2024-10-27T03:00:00+01:00,2024-10-27T03:10:00+01:00,r1",
        "c2,Rev,2024-10-27T03:20:00+01:00,2024-10-27T03:40:00,r2",
    ]
    log = read_event_log(write(tmp_path / "fall.csv", ROWS, rows), timezone="Europe/Amsterdam")
    assert log.report.end_before_start_removed == 1
    (removed,) = [n for n in log.report.notes if n.startswith("Removed 1 row whose end")]
    assert "pass timezone=" not in removed and "e.g. 'Europe/Amsterdam'" not in removed
    assert "taken to be on the clock of timezone='Europe/Amsterdam'" in removed
    assert "repeats when that clock goes back (2024-10-27 02:00 to 03:00)" in removed
    assert "write such times with their UTC offset" in removed
    # without a named zone the advice to name one stays
    auto = read_event_log(tmp_path / "fall.csv")
    (removed,) = [n for n in auto.report.notes if n.startswith("Removed 1 row whose end")]
    assert "pass timezone= the zone they were written in" in removed
