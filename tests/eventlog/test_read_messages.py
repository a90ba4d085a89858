"""QA 8a #11, #13 (Excel), #14-16, #18-20: what reading says about odd input, and reading it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import EventLogError
from sim.eventlog import read_event_log

HEADER = "case_id,activity,start_time,end_time,resource"


def rows(cases: int = 6) -> list[str]:
    """Three activities (A, B, C) per case, one case a day."""
    out = []
    for i in range(1, cases + 1):
        d = f"2024-03-{(i - 1) % 28 + 1:02d}"
        out += [
            f"{i},A,{d}T09:00:00,{d}T09:30:00,r1",
            f"{i},B,{d}T10:00:00,{d}T11:00:00,r2",
            f"{i},C,{d}T11:30:00,{d}T12:00:00,r1",
        ]
    return out


def write(tmp_path: Path, name: str, body: list[str], header: str = HEADER) -> Path:
    p = tmp_path / name
    p.write_text(header + "\n" + "\n".join(body) + "\n", encoding="utf-8")
    return p


def fails(path: Path, **kwargs) -> str:
    with pytest.raises(EventLogError) as info:
        read_event_log(path, **kwargs)
    msg = str(info.value)
    assert str(path) in msg
    return msg


# --- #18 end activities ---------------------------------------------------------------------------
def test_one_end_activity_given_as_a_string_is_not_split_into_letters(tmp_path: Path) -> None:
    body = rows(20) + ["21,A,2024-03-21T09:00:00,2024-03-21T09:30:00,r1"]
    body = [r.replace(",C,", ",BC,") for r in body]
    report = read_event_log(write(tmp_path, "ends.csv", body), end_activities="BC").report
    assert report.end_activities == ["BC"]
    assert report.open_cases == 1  # case 21 ends with A inside the tail


def test_end_activities_not_in_the_log_are_noted(tmp_path: Path) -> None:
    report = read_event_log(
        write(tmp_path, "ends.csv", rows(20)), end_activities=["C", "Closed"]
    ).report
    assert report.end_activities == ["C", "Closed"]
    notes = [n for n in report.notes if "do not occur in the log" in n]
    assert notes == [
        "End activities given that do not occur in the log: 'Closed' (misspelt?); a case "
        "cannot end with them, so only the others mark a case as finished."
    ]
    # inferred end activities are never noted
    assert not any("do not occur" in n for n in read_event_log(tmp_path / "ends.csv").report.notes)
