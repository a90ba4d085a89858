"""Reading notes a user acts on say exactly what to type, and where their facts came from.

The placeholder-resource note gives ``no_resource=[...]`` with the log's own values (keeping
those already named), and the note on recorded enabled times names their source: the file's
column, or an XES log's 'schedule' lifecycle events.
"""

from __future__ import annotations

from pathlib import Path

from sim.calibrate.log_notes import unused_enabled_times_note
from sim.eventlog import read_event_log

HEADER = "case_id,activity,start_time,end_time,resource"


def _csv(path: Path, resources: list[str]) -> Path:
    """A case per resource, an hour apart: 'a' by that resource, then 'b' by 'r0'."""
    rows = [
        f"c{i},{act},2024-01-01 {8 + i:02d}:{m:02d}:00,2024-01-01 {8 + i:02d}:{m + 20:02d}:00,{who}"
        for i, r in enumerate(resources)
        for act, m, who in (("a", 0, r), ("b", 30, "r0"))
    ]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _placeholder_note(notes: list[str]) -> str:
    (note,) = [n for n in notes if "placeholder" in n and "not a person" in n]
    return note


def test_the_placeholder_note_gives_the_option_with_the_logs_values(tmp_path):
    log = read_event_log(_csv(tmp_path / "one.csv", ["r1", "NOT_SET", "r2", "NOT_SET"]))
    note = _placeholder_note(log.report.notes)
    assert note.endswith("pass no_resource=[NOT_SET].")
    assert "looks like a placeholder" in note and "[...]" not in note


def test_several_placeholders_and_values_already_named_are_all_listed(tmp_path):
    path = _csv(tmp_path / "two.csv", ["r1", "NOT_SET", "unknown", "nan", "NOT_SET"])
    log = read_event_log(path, no_resource=["nan"])
    note = _placeholder_note(log.report.notes)
    assert "look like placeholders" in note
    assert note.endswith("pass no_resource=[nan,NOT_SET,unknown].")
    # 'nan', named, is read as nobody and gets no missing-value note (today's behaviour)
    assert log.events["resource"].isna().sum() == 1
    assert not any("often mean missing" in n for n in log.report.notes)


def test_the_nan_note_still_names_its_values(tmp_path):
    log = read_event_log(_csv(tmp_path / "nan.csv", ["r1", "nan", "r2"]))
    assert any("pass no_resource=[nan]" in n for n in log.report.notes)


def _xes(path: Path) -> Path:
    """Two cases of 'a' then 'b', each instance scheduled, started and completed."""

    def ev(name: str, time: str, lc: str) -> str:
        return (
            f'<event><string key="concept:name" value="{name}"/>'
            '<string key="org:resource" value="r1"/>'
            f'<string key="lifecycle:transition" value="{lc}"/>'
            f'<date key="time:timestamp" value="2024-01-0{time}:00"/></event>'
        )

    traces = []
    for c, day in (("c0", "1"), ("c1", "2")):
        events = [
            ev("a", f"{day}T08:00", "schedule"),
            ev("a", f"{day}T09:00", "start"),
            ev("a", f"{day}T09:30", "complete"),
            ev("b", f"{day}T10:00", "schedule"),
            ev("b", f"{day}T10:30", "start"),
            ev("b", f"{day}T11:00", "complete"),
        ]
        traces.append(f'<trace><string key="concept:name" value="{c}"/>{"".join(events)}</trace>')
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">'
        + "".join(traces)
        + "</log>\n",
        encoding="utf-8",
    )
    return path


def test_enabled_times_from_schedule_events_are_named_as_such(tmp_path):
    log = read_event_log(_xes(tmp_path / "scheduled.xes"))
    assert log.events["enabled_time"].notna().all()
    note = unused_enabled_times_note(log)
    assert note is not None
    assert (
        "2 case(s)' first activities were enabled (its 'lifecycle:transition' = 'schedule' "
        "events)" in note
    )
    assert "a mean 1 h before they started" in note


def test_enabled_times_from_a_column_name_the_column(tmp_path):
    path = tmp_path / "enabled.csv"
    rows = [
        f"{c},{a},2024-01-0{d} 08:00,2024-01-0{d} {h},2024-01-0{d} {h[:3]}50"
        for c, d in (("c0", 1), ("c1", 2))
        for a, h in (("a", "09:00"), ("b", "10:00"))
    ]
    path.write_text(
        "\n".join(["case_id,activity,enabled_time,start_time,end_time", *rows]) + "\n",
        encoding="utf-8",
    )
    note = unused_enabled_times_note(read_event_log(path))
    assert note is not None and "were enabled (column 'enabled_time')" in note
