"""An XES event that gives a key twice (two ``org:resource`` attributes: one way exporters write
two people) was read with its last value and the other dropped without a word; an XES 2.0
meta-attribute (an attribute nested inside another) was ignored without a note while lists and
containers got one (QA xes17 #5). Both are counted in the note on what was not read now: the
first value of a repeated key is the one read."""

from __future__ import annotations

from pathlib import Path

from sim.eventlog import read_event_log

EVENT = (
    '<event><string key="concept:name" value="{a}"/>'
    '<date key="time:timestamp" value="2024-01-0{d}T1{h}:00:00+01:00"/>{extra}</event>'
)
RESOURCE = '<string key="org:resource" value="{r}"/>'
WITH_ROLE = '<string key="org:resource" value="{r}"><string key="org:role" value="clerk"/></string>'


def _xes(tmp_path: Path, events: list[tuple[str, str]], trace_extra: str = "") -> Path:
    """One trace per item of ``events``: A with the first extra, B with the second."""
    traces = []
    for d, (first, second) in enumerate(events, start=1):
        body = EVENT.format(a="A", d=d, h=0, extra=first) + EVENT.format(
            a="B", d=d, h=1, extra=second
        )
        traces.append(
            f'<trace><string key="concept:name" value="c{d}"/>{trace_extra}{body}</trace>'
        )
    path = tmp_path / "repeated.xes"
    path.write_text(f'<?xml version="1.0"?><log xes.version="2.0">{"".join(traces)}</log>')
    return path


def _note(log) -> str:
    return next(n for n in log.report.notes if "not read" in n or "more than once" in n)


def test_a_key_given_twice_keeps_its_first_value_and_is_counted(tmp_path: Path) -> None:
    two = RESOURCE.format(r="r3") + RESOURCE.format(r="r4")
    path = _xes(
        tmp_path,
        [(RESOURCE.format(r="r1"), two), (RESOURCE.format(r="r1"), two), ("", "")],
        trace_extra='<string key="team" value="x"/><string key="team" value="y"/>',
    )
    log = read_event_log(path)
    ev = log.events.set_index(["case_id", "activity"])
    assert ev.loc[("c1", "B"), "resource"] == "r3"  # the first of the two
    assert ev.loc[("c2", "B"), "resource"] == "r3"
    assert set(log.events["case:team"]) == {"x"}
    note = _note(log)
    assert "more than once" in note
    assert "'org:resource' in 2 events" in note and "'case:team' in 3 traces" in note
    assert "first value" in note


def test_meta_attributes_are_counted_in_the_not_read_note(tmp_path: Path) -> None:
    path = _xes(
        tmp_path,
        [(WITH_ROLE.format(r="r1"), WITH_ROLE.format(r="r2")), (WITH_ROLE.format(r="r1"), "")],
    )
    log = read_event_log(path)
    assert set(log.events["resource"].dropna()) == {"r1", "r2"}  # the attribute itself is read
    assert "org:role" not in log.events.columns
    note = _note(log)
    assert note.startswith("3 meta-attributes")
    assert "'org:role' in 'org:resource' (3)" in note


def test_lists_meta_attributes_and_repeats_share_one_note(tmp_path: Path) -> None:
    tags = '<list key="tags"><values><string key="t" value="x"/></values></list>'
    two = RESOURCE.format(r="r3") + RESOURCE.format(r="r4")
    log = read_event_log(_xes(tmp_path, [(tags + WITH_ROLE.format(r="r1"), two), ("", "")]))
    notes = [n for n in log.report.notes if "not read" in n or "more than once" in n]
    assert len(notes) == 1
    assert notes[0].startswith("1 list or container attributes were not read ('tags' (1))")
    assert "'org:role' in 'org:resource' (1)" in notes[0]
    assert "'org:resource' in 1 event)" in notes[0]


def test_a_log_with_single_valued_attributes_gets_no_such_note(tmp_path: Path) -> None:
    log = read_event_log(_xes(tmp_path, [(RESOURCE.format(r="r1"), RESOURCE.format(r="r2"))] * 2))
    assert not any("not read" in n or "more than once" in n for n in log.report.notes)
