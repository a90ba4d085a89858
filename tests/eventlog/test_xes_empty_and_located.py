"""XES logs: an empty log is called empty, the merged-events note gives the report's count, and a
bad value is located by line and trace.

QA spec24 #4: a log without events (``<log/>``, or traces holding none) was refused as missing
its case id, activity and end columns, sending the user off to map columns; a header-only CSV
is called empty. #5: the note "Merged N start/schedule events" left out the suspend/resume
events that ``lifecycle_events_merged`` counts, so the console lines did not add up to the rows
kept. #7: an unparseable timestamp was located as "event 180,413" only, which cannot be found in
a large file; it now names the line of the ``<event>`` and its trace's ``concept:name``.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from sim.errors import EventLogError
from sim.eventlog import read_event_log
from sim.eventlog.xes import EventLocator

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n'


def event(activity: str, time: str, transition: str = "complete") -> str:
    """One XES event on a line of its own."""
    return (
        f'  <event><string key="concept:name" value="{activity}"/>'
        f'<string key="org:resource" value="r1"/><date key="time:timestamp" value="{time}"/>'
        f'<string key="lifecycle:transition" value="{transition}"/></event>\n'
    )


def write(path: Path, body: str) -> Path:
    text = HEAD + body + "</log>\n"
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode("utf-8")))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of ``path``'s XML that holds ``needle`` (there must be one)."""
    raw = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    found = [n for n, line in enumerate(raw.decode().splitlines(), 1) if needle in line]
    assert len(found) == 1, found
    return found[0]


# --- #4: empty logs ---------------------------------------------------------------------------


def csv_empty_message(tmp_path: Path) -> str:
    path = tmp_path / "header_only.csv"
    path.write_text("case_id,activity,start_time,end_time\n", encoding="utf-8")
    with pytest.raises(EventLogError) as err:
        read_event_log(path)
    return str(err.value)


@pytest.mark.parametrize(
    ("name", "body", "detail"),
    [
        ("no_traces.xes", "", "it holds no <trace> and no <event>"),
        (
            "traces_without_events.xes",
            '<trace><string key="concept:name" value="1"/></trace>\n'
            '<trace><string key="concept:name" value="2"/></trace>\n',
            "its 2 <trace> elements hold no <event>",
        ),
        (
            "one_empty_trace.xes.gz",
            '<trace><string key="concept:name" value="1"/></trace>\n',
            "its 1 <trace> element holds no <event>",
        ),
    ],
)
def test_an_xes_log_without_events_is_called_empty_like_a_header_only_csv(
    tmp_path: Path, name: str, body: str, detail: str
) -> None:
    path = write(tmp_path / name, body)
    with pytest.raises(EventLogError) as err:
        read_event_log(path)
    msg = str(err.value)
    csv_msg = csv_empty_message(tmp_path)
    assert "the log is empty (no rows/events)" in csv_msg
    assert msg.startswith(f"{path}: the log is empty (no rows/events)")
    assert detail in msg
    assert msg.endswith("; expected event rows") and csv_msg.endswith("; expected event rows")
    assert "column" not in msg  # not sent off to map columns


# --- #5: the merged-events note and the count -------------------------------------------------


def suspended_log(path: Path) -> Path:
    """Two cases: A suspended once in c1 (start, suspend, resume, complete), the rest paired."""
    day1, day2 = "2024-01-01T", "2024-01-02T"
    return write(
        path,
        '<trace><string key="concept:name" value="c1"/>\n'
        + event("A", day1 + "09:00:00+00:00", "start")
        + event("A", day1 + "09:10:00+00:00", "suspend")
        + event("A", day1 + "09:40:00+00:00", "resume")
        + event("A", day1 + "10:00:00+00:00", "complete")
        + event("B", day1 + "10:10:00+00:00", "start")
        + event("B", day1 + "10:30:00+00:00", "complete")
        + "</trace>\n"
        + '<trace><string key="concept:name" value="c2"/>\n'
        + event("A", day2 + "09:00:00+00:00", "start")
        + event("A", day2 + "10:00:00+00:00", "complete")
        + event("B", day2 + "10:10:00+00:00", "start")
        + event("B", day2 + "10:30:00+00:00", "complete")
        + "</trace>\n",
    )


def test_the_merged_note_counts_the_suspend_resume_events_the_report_counts(
    tmp_path: Path,
) -> None:
    r = read_event_log(suspended_log(tmp_path / "suspended.xes")).report
    assert r.rows_read == 10 and r.rows_kept == 4 and r.suspensions_paired == 1
    assert r.lifecycle_events_merged == 6  # 4 starts, 1 suspend, 1 resume
    assert r.rows_read == r.rows_kept + r.lifecycle_events_merged + r.removed()
    merged = [n for n in r.notes if n.startswith("Merged")]
    assert len(merged) == 1
    numbers = re.match(
        r"Merged (\d+) lifecycle events .*: (\d+) start/schedule events and (\d+) "
        r"suspend/resume events \(1 pair\)\.$",
        merged[0],
    )
    assert numbers, merged[0]
    total, starts, paired = (int(g) for g in numbers.groups())
    assert total == r.lifecycle_events_merged == starts + paired
    assert (starts, paired) == (4, 2)


def test_without_suspensions_the_note_keeps_its_words(tmp_path: Path) -> None:
    traces = "".join(
        f'<trace><string key="concept:name" value="c{day}"/>\n'
        + event("A", f"2024-01-0{day}T09:00:00+00:00", "start")
        + event("A", f"2024-01-0{day}T10:00:00+00:00", "complete")
        + event("B", f"2024-01-0{day}T10:10:00+00:00", "start")
        + event("B", f"2024-01-0{day}T10:30:00+00:00", "complete")
        + "</trace>\n"
        for day in (1, 2)
    )
    r = read_event_log(write(tmp_path / "plain.xes", traces)).report
    merged = [n for n in r.notes if n.startswith("Merged")]
    assert r.lifecycle_events_merged == 4
    assert merged == [
        "Merged 4 start/schedule events into the row of the completion (or abort) they belong "
        "to (per case and activity, and resource where the events name one)."
    ]


# --- #7: a bad timestamp located by line and trace --------------------------------------------


def bad_dates_log(path: Path) -> Path:
    """Trace 'c1' names itself after its events (XES allows it), the second trace has no
    concept:name, an event stands outside any trace; three values are no timestamps."""
    good = "2024-01-01T09:00:00+00:00"
    return write(
        path,
        "<trace>\n"
        + event("A", good)
        + event("B", "yesterday")
        + '  <string key="concept:name" value="c1"/>\n'
        + "</trace>\n"
        + "<trace>\n"
        + event("A", good)
        + event("B", "2024-02-30T10:00:00+00:00")
        + "</trace>\n"
        + event("C", "not a date")
        + '<trace><string key="concept:name" value="c3"/>\n'
        + event("A", good)
        + event("B", "2024-01-01T10:00:00+00:00")
        + "</trace>\n",
    )


@pytest.mark.parametrize("name", ["bad_dates.xes", "bad_dates.xes.gz"])
def test_an_unparseable_timestamp_names_its_line_and_trace(tmp_path: Path, name: str) -> None:
    path = bad_dates_log(tmp_path / name)
    with pytest.raises(EventLogError) as err:
        read_event_log(path)
    msg = str(err.value)
    assert "not timestamps" in msg
    yesterday = line_of(path, '"yesterday"')
    feb30 = line_of(path, '"2024-02-30T10:00:00+00:00"')
    stray = line_of(path, '"not a date"')
    assert f"event 2 (line {yesterday}, trace 'c1'): 'yesterday'" in msg
    assert (
        f"event 4 (line {feb30}, trace 2, which has no concept:name): "
        "'2024-02-30T10:00:00+00:00'" in msg
    )
    assert f"event 5 (line {stray}, outside any trace): 'not a date'" in msg


def test_the_locator_answers_in_any_order_and_falls_back_past_the_end(tmp_path: Path) -> None:
    path = bad_dates_log(tmp_path / "bad_dates.xes")
    locate = EventLocator(path)
    c3_last = line_of(path, '"2024-01-01T10:00:00+00:00"')
    assert locate(6) == f"event 7 (line {c3_last}, trace 'c3')"
    yesterday = line_of(path, '"yesterday"')
    assert locate(1) == f"event 2 (line {yesterday}, trace 'c1')"
    assert locate(7) == "event 8"  # no such event: the number alone, never an error


def test_the_locator_refuses_a_dtd_like_the_reader(tmp_path: Path) -> None:
    path = tmp_path / "dtd.xes"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE log [<!ENTITY a "x">]>\n<log>\n'
        + '<trace><string key="concept:name" value="&a;"/>\n'
        + event("A", "yesterday")
        + "</trace>\n</log>\n",
        encoding="utf-8",
    )
    with pytest.raises(EventLogError, match="forbidden construct"):
        read_event_log(path)
    assert EventLocator(path)(0) == "event 1"  # the entity is not expanded into a label
