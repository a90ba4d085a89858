"""An XES log's list and container attributes are not read (the tool reads one value per
attribute), and the cleaning notes say so with their keys and counts: before, they were
skipped without a word."""

from __future__ import annotations

from sim.eventlog import read_event_log

EVENT = (
    '<event><string key="concept:name" value="{a}"/><string key="org:resource" value="r"/>'
    '<date key="time:timestamp" value="2024-01-0{d}T1{h}:00:00+01:00"/>{extra}</event>'
)
TAGS = '<list key="tags"><values><string key="t" value="x"/><string key="t" value="y"/></values></list>'
BOX = '<container key="box"><string key="inner" value="z"/></container>'


def _xes(tmp_path, extras: list[tuple[str, str]], trace_extra: str = ""):
    traces = []
    for d, (first, second) in enumerate(extras, start=1):
        events = EVENT.format(a="A", d=d, h=0, extra=first) + EVENT.format(
            a="B", d=d, h=1, extra=second
        )
        traces.append(
            f'<trace><string key="concept:name" value="c{d}"/>{trace_extra}{events}</trace>'
        )
    path = tmp_path / "nested.xes"
    path.write_text(f'<?xml version="1.0"?><log xes.version="1.0">{"".join(traces)}</log>')
    return path


def test_nested_attributes_are_named_and_counted_in_the_notes(tmp_path):
    path = _xes(tmp_path, [(TAGS, BOX), (TAGS, ""), ("", "")], trace_extra=BOX)
    log = read_event_log(path)
    note = next(n for n in log.report.notes if "list or container" in n)
    assert note.startswith("6 list or container attributes were not read (")
    assert "'case:box' (3)" in note and "'tags' (2)" in note and "'box' (1)" in note
    assert len(log.events) == 6  # the events themselves are all read
    assert "tags" not in log.events.columns


def test_a_log_without_nested_attributes_gets_no_such_note(tmp_path):
    log = read_event_log(_xes(tmp_path, [("", ""), ("", "")]))
    assert not any("list or container" in n for n in log.report.notes)
