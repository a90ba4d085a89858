"""A resource written as 'nan' (pm4py's XES writer, for a missing one): the note names the
``no_resource`` option with the exact values, and is quiet once that option names them."""

from __future__ import annotations

from pathlib import Path

from sim.eventlog import read_event_log
from sim.model import columns as C

HEAD = (
    '<?xml version="1.0" encoding="utf-8" ?>\n'
    '<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">\n'
    '<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n'
    '<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>\n'
    '<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>\n'
)


def event(activity: str, start: str, end: str, resource: str) -> str:
    """One event as pm4py writes it: a missing resource is ``<float ... value="nan"/>``."""
    res = (
        '<float key="org:resource" value="nan"/>'
        if resource == "nan"
        else f'<string key="org:resource" value="{resource}"/>'
    )
    return (
        f'<event><string key="concept:name" value="{activity}"/>'
        f'<date key="time:timestamp" value="2026-01-05T{end}:00+00:00"/>'
        f'<date key="start_timestamp" value="2026-01-05T{start}:00+00:00"/>{res}</event>'
    )


def pm4py_log(path: Path, *, null_too: bool = False) -> Path:
    """Three cases: a clerk's task, then an automated check with no resource ('nan'); one case
    with a resource 'NULL' too when ``null_too``."""
    traces = []
    for k in range(3):
        h = 9 + k
        events = [
            event("register", f"{h:02d}:00", f"{h:02d}:20", "clerk_1"),
            event("auto check", f"{h:02d}:20", f"{h:02d}:25", "nan"),
        ]
        if null_too and k == 0:
            events.append(event("file", f"{h:02d}:25", f"{h:02d}:30", "NULL"))
        traces.append(f'<trace><string key="concept:name" value="c{k}"/>{"".join(events)}</trace>')
    path.write_text(HEAD + "".join(traces) + "\n</log>\n", encoding="utf-8")
    return path


def missing_notes(log) -> list[str]:
    return [n for n in log.report.notes if "often mean missing" in n]


def test_a_nan_resource_note_names_the_no_resource_option(tmp_path):
    """QA interop 5: the note said to blank the cells (impossible in XES) and not how to read
    'nan' as no resource."""
    log = read_event_log(pm4py_log(tmp_path / "crm.xes", null_too=True))
    (note,) = missing_notes(log)
    assert note.startswith(
        "Column 'org:resource' holds values that often mean missing: 'nan' (3), 'NULL' (1); "
        "kept as names, each read as one person"
    )
    assert "pass no_resource=[nan,NULL] to read those rows as having no resource." in note
    assert "blank those cells" not in note
    assert (log.events[C.RESOURCE] == "nan").sum() == 3  # still a name until the option says


def test_the_note_is_quiet_for_what_no_resource_names(tmp_path):
    """With ``no_resource=['nan']`` the console said both 'kept as names' and 'read as having
    no resource' of the same rows; now only the latter, and 'NULL' (not named) is still noted
    with the whole list to pass."""
    path = pm4py_log(tmp_path / "crm.xes", null_too=True)
    log = read_event_log(path, no_resource=["nan"])
    (note,) = missing_notes(log)
    assert "'nan'" not in note.split(";")[0] and "'NULL' (1)" in note
    assert "pass no_resource=[nan,NULL]" in note
    assert any("3 rows named a placeholder of no_resource=" in n for n in log.report.notes)
    assert log.events[C.RESOURCE].isna().sum() == 3

    quiet = read_event_log(path, no_resource=("nan", "NULL"))
    assert missing_notes(quiet) == []
    assert quiet.events[C.RESOURCE].isna().sum() == 4
