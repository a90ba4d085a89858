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


# --- #16 one bad timestamp, 'NaT' -----------------------------------------------------------------
def test_one_impossible_date_among_many_is_named_not_called_mixed_layouts(tmp_path: Path) -> None:
    body = rows(6)
    body[0] = body[0].replace("2024-03-01T09:30:00", "2024-02-30T09:30:00")
    msg = fails(write(tmp_path, "typo.csv", body))
    assert "1 value(s) that are not timestamps, first at line 2: '2024-02-30T09:30:00'" in msg
    assert "mixes layouts" not in msg
    assert "17 other value(s) of the column did parse: a typo or an impossible date" in msg


def test_many_values_of_another_layout_are_still_called_mixed_layouts(tmp_path: Path) -> None:
    body = rows(20)
    for i in range(0, 60, 3):  # 20 of 60 end times written day-first
        d = body[i].split(",")[3]
        body[i] = body[i].replace(d, f"{d[8:10]}/{d[5:7]}/{d[:4]} {d[11:16]}")
    msg = fails(write(tmp_path, "mixed.csv", body))
    assert "20 value(s) that are not timestamps, first at line 2: '01/03/2024 09:30'" in msg
    assert "40 other value(s) of the column did parse, so it mixes layouts" in msg


def test_nat_text_in_a_time_column_is_missing(tmp_path: Path) -> None:
    body = rows(6)
    body[0] = body[0].replace("2024-03-01T09:00:00", "NaT")
    log = read_event_log(write(tmp_path, "nat.csv", body))
    assert log.report.missing_start == 1 and log.report.rows_kept == 18
    assert log.events["start_time"].isna().sum() == 1
