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


# --- #14 which column was used ----------------------------------------------------------------------
def test_an_exact_column_name_wins_over_a_normalised_one_and_the_choice_is_noted(
    tmp_path: Path,
) -> None:
    body = [f"x{r.split(',')[0]},{r}" for r in rows(6)]
    path = write(tmp_path, "two.csv", body, header="Case ID," + HEADER)
    log = read_event_log(path)
    assert sorted(log.events["case_id"].unique()) == ["1", "2", "3", "4", "5", "6"]
    assert log.events["Case ID"].iloc[0] == "x1"  # the other column kept as an attribute
    assert log.report.columns_used["case_id"] == "case_id"
    assert log.report.columns_used["end_time"] == "end_time"
    assert (
        "Columns 'case_id' and 'Case ID' could each be the case id column: used 'case_id' (pass "
        "case_id_key='<column>' to choose another)." in log.report.notes
    )
    assert log.report.to_dict()["columns_used"]["activity"] == "activity"
    # a column the user names is not called ambiguous
    named = read_event_log(path, case_id_key="Case ID")
    assert named.report.columns_used["case_id"] == "Case ID"
    assert not any("could each be" in n for n in named.report.notes)


def test_two_candidate_names_for_the_case_id_are_noted(tmp_path: Path) -> None:
    body = [f"{r},k{r.split(',')[0]}" for r in rows(6)]
    report = read_event_log(
        write(tmp_path, "ambig.csv", body, header=HEADER + ",case:concept:name")
    ).report
    assert report.columns_used["case_id"] == "case_id"
    assert any(
        n.startswith("Columns 'case_id' and 'case:concept:name' could") for n in report.notes
    )


def test_a_repeated_csv_header_name_is_refused_not_renamed_activity_1(tmp_path: Path) -> None:
    body = [f"{r},Z" for r in rows(6)]
    msg = fails(write(tmp_path, "dup.csv", body, header=HEADER + ",activity"))
    assert "column names occur more than once: 'activity' (2 times)" in msg


def test_the_console_names_the_columns_used(tmp_path: Path, capsys) -> None:
    from sim.cli.calibrate import _print_cleaning

    log = read_event_log(write(tmp_path, "log.csv", rows(6)))
    _print_cleaning(log, "log.csv")
    assert (
        "  columns: case_id='case_id', activity='activity', start_time='start_time', "
        "end_time='end_time', resource='resource'\n" in capsys.readouterr().out
    )


# --- #15 names that look missing, spellings, spaces ------------------------------------------------
def test_na_words_spaces_and_activity_spellings_in_name_columns_are_noted(tmp_path: Path) -> None:
    body = rows(6)
    for i in (2, 5, 8):
        body[i] = body[i].replace(",r1", ",NULL")
    body[4] = body[4].replace(",B,", ",nan,")
    body[7] = body[7].replace(",B,", ",B ,")
    body[13] = body[13].replace(",r2", ", r2")
    body[10] = body[10].replace(",B,", ",b,")
    log = read_event_log(write(tmp_path, "na.csv", body))
    notes = log.report.notes
    assert (
        "Column 'activity' holds values that often mean missing: 'nan' (1); kept as names "
        "(blank those cells if they mean missing)." in notes
    )
    assert any(
        n.startswith("Column 'resource' holds values that often mean missing: 'NULL' (3)")
        for n in notes
    )
    assert (log.events["resource"] == "NULL").sum() == 3  # kept as a name
    assert (
        "Removed spaces before or after 1 value of 'activity', 1 value of 'resource' (a name "
        "written 'B ' is read as 'B')." in notes
    )
    assert log.report.activity_spellings == [["B", "b"]]
    assert any(
        n.startswith("Activities that differ only in letter case") and "'B' / 'b'" in n
        for n in notes
    )
