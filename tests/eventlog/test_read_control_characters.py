"""Names read from a log (activities, resources, roles, segments, outcomes, case ids) with
control or bidi characters are written visibly, with a note counting them: printed raw, an
ESC/OSC sequence ran on the user's terminal (QA sec15: ``\\x1b]0;pwned title\\x07`` set its
title) and a BPMN export was not well-formed XML."""

from __future__ import annotations

import re

import pandas as pd

from sim.eventlog import clean_event_table, read_event_log

EVIL = "\x1b[31mRED\x1b[0m\x1b]0;pwned title\x07"
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _write(path, rows: list[str]) -> None:
    head = "case_id,activity,start_time,end_time,resource,role,segment\n"
    path.write_text(head + "".join(r + "\n" for r in rows), encoding="utf-8")


def test_control_and_bidi_characters_in_names_are_written_visibly(tmp_path):
    path = tmp_path / "evil.csv"
    _write(
        path,
        [
            f"1,{EVIL},2024-01-01 09:00,2024-01-01 09:30,Ann,clerk,web",
            '1,"multi\nline",2024-01-01 09:40,2024-01-01 10:00,Bob\u202eevil,clerk,web',
            "2,nul\x00byte,2024-01-01 09:00,2024-01-01 09:30,Ann,cl\terk,sh\x85op",
            "2,plain,2024-01-01 09:40,2024-01-01 10:00,Bob,clerk,shop",
            "3,plain,2024-01-01 10:40,2024-01-01 11:00,Bob,clerk,web",
        ],
    )
    log = read_event_log(path)
    ev = log.events
    assert set(ev["activity"]) == {
        "\\x1b[31mRED\\x1b[0m\\x1b]0;pwned title\\x07",
        "multi\\nline",
        "nul\\x00byte",
        "plain",
    }
    assert "Bob\\u202eevil" in set(ev["resource"])
    assert "cl\\terk" in set(ev["role"])
    assert "sh\\x85op" in set(ev["segment"])
    for col in ("case_id", "activity", "resource", "role", "segment"):
        assert not ev[col].dropna().map(lambda v: bool(UNSAFE.search(v))).any(), col
    note = next(n for n in log.report.notes if n.startswith("Wrote the control"))
    assert "3 names of 'activity' (3 rows:" in note
    assert "1 name of 'resource' (1 row:" in note
    assert "1 name of 'role' (1 row:" in note
    assert "1 name of 'segment' (1 row:" in note
    assert not UNSAFE.search(note)  # the note itself prints safely


def test_a_name_that_becomes_another_is_said_to_merge_with_it():
    """Both 'a<ESC>' and the text 'a\\x1b' in one log read as one activity: said, not silent."""
    table = pd.DataFrame(
        {
            "case_id": ["1", "1", "2", "2"],
            "activity": ["a\x1b", "b", "a\\x1b", "b"],
            "end_time": ["2024-01-01 09:00", "2024-01-01 10:00"] * 2,
        }
    )
    log = clean_event_table(table)
    assert set(log.events["activity"]) == {"a\\x1b", "b"}
    note = next(n for n in log.report.notes if n.startswith("Wrote the control"))
    assert "1 name of 'activity' (1 row: 'a\\x1b')" in note
    assert "of which 'a\\x1b' already named other rows of the column" in note


def test_a_clean_log_gets_no_note(tmp_path):
    path = tmp_path / "clean.csv"
    _write(path, ["1,a,2024-01-01 09:00,2024-01-01 09:30,Ann,clerk,web",
                  "2,b,2024-01-01 09:00,2024-01-01 09:30,Ann,clerk,web"])  # fmt: skip
    assert not any("control" in n for n in read_event_log(path).report.notes)
