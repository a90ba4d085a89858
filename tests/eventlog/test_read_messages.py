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


def test_case_ids_written_as_floats_are_not_said_to_have_lost_spaces(tmp_path):
    """QA 2026-12-04: '177191.0' read as '177191' was counted as a value that lost spaces."""
    body = [
        "1.0,A,2011-10-17T08:00:00,2011-10-17T08:15:00,r1",
        "1.0,B,2011-10-17T09:00:00,2011-10-17T09:10:00,r1",
        "2.0,A ,2011-10-17T10:00:00,2011-10-17T10:05:00,r1",
        "2.0,B,2011-10-17T11:00:00,2011-10-17T11:10:00,r2",
    ]
    notes = read_event_log(write(tmp_path, "floats.csv", body)).report.notes
    assert [n for n in notes if n.startswith("Removed spaces")] == [
        "Removed spaces before or after 1 value of 'activity' (a name written 'B ' is read as 'B')."
    ]


# --- #11 text encodings -----------------------------------------------------------------------------
def test_a_latin1_byte_is_named_by_line_and_byte_and_encoding_reads_it(tmp_path: Path) -> None:
    body = rows(400)
    body[1000] = body[1000].replace(",B,", ",Prüfung,")
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\n" + "\n".join(body) + "\n").encode("latin-1"))
    msg = fails(path)
    assert "line 1002: byte(s) 0xfc ('ü' in Windows-1252/Latin-1?) are not UTF-8" in msg
    assert "pass encoding='cp1252'" in msg and "position" not in msg
    events = read_event_log(path, encoding="cp1252").events
    assert (events["activity"] == "Prüfung").sum() == 1 and len(events) == 1200


def test_utf16_text_is_recognised_and_read_with_encoding(tmp_path: Path) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes((HEADER + "\n" + "\n".join(rows(6)) + "\n").encode("utf-16"))
    assert "the file is UTF-16 text" in fails(path) and "encoding='utf-16'" in fails(path)
    events = read_event_log(path, encoding="utf-16").events
    assert len(events) == 18 and events["resource"].iloc[0] == "r1"


# --- #13 Excel serial dates ---------------------------------------------------------------------------
def test_excel_serial_dates_are_read_and_hinted(tmp_path: Path) -> None:
    body = []
    for i in range(1, 7):
        day = 45352 + i  # 2024-03-02 + i - 1
        body += [f"{i},A,{day}.375,{day}.5,r1", f"{i},B,{day}.5625,{day}.75,r2"]
    path = write(tmp_path, "excel.csv", body)
    msg = fails(path)
    assert "Excel serial dates (days since 1899-12-30)? pass time_format='excel'" in msg
    events = read_event_log(path, time_format="excel").events
    assert str(events["start_time"].iloc[0]) == "2024-03-02 09:00:00"
    assert str(events["end_time"].iloc[1]) == "2024-03-02 18:00:00"


# --- #20 what the file really is ----------------------------------------------------------------------
def test_a_file_named_for_another_type_says_what_it_is(tmp_path: Path) -> None:
    import gzip

    import pandas as pd

    gz = tmp_path / "log.xes"
    gz.write_bytes(gzip.compress(b"<?xml version='1.0'?><log/>"))
    assert "the file is gzip-compressed; rename it log.xes.gz" in fails(gz)
    pq = tmp_path / "log.csv"
    pd.DataFrame({"a": [1]}).to_parquet(pq)
    assert "the file is a parquet file, not a CSV file; rename it log.parquet" in fails(pq)
    xml = tmp_path / "x.csv"
    xml.write_text("<?xml version='1.0'?>\n<log></log>\n")
    assert "the file is XML (an XES log?), not a CSV file; rename it x.xes" in fails(xml)
    zipped = tmp_path / "book.csv"
    zipped.write_bytes(b"PK\x03\x04" + b"\0" * 40)
    assert "zip archive (an Excel .xlsx workbook?)" in fails(zipped)
    empty = tmp_path / "empty.xes"
    empty.write_bytes(b"")
    assert "the file is empty; expected an XES log" in fails(empty)


def test_excel_sep_line_and_tsv_files_are_read(tmp_path: Path) -> None:
    semi = tmp_path / "semi.csv"
    semi.write_text(
        "sep=;\n"
        + HEADER.replace(",", ";")
        + "\n"
        + "\n".join(r.replace(",", ";") for r in rows(6))
        + "\n"
    )
    log = read_event_log(semi)
    assert len(log.events) == 18 and log.report.columns_used["case_id"] == "case_id"
    bad = semi.read_text().replace("2024-03-01T09:30:00", "nonsense", 1)
    semi.write_text(bad)
    assert "line 3: 'nonsense'" in fails(semi)  # lines still counted from the 'sep=' line
    tsv = tmp_path / "log.tsv"
    tsv.write_text(
        HEADER.replace(",", "\t") + "\n" + "\n".join(r.replace(",", "\t") for r in rows(6)) + "\n"
    )
    assert len(read_event_log(tsv).events) == 18


# ---------------------------------------------------------------- #19: a written index column


def _indexed_table(index: list[int]):
    import pandas as pd

    return pd.DataFrame(
        {
            "case_id": ["1", "1", "1", "2", "2"],
            "activity": ["A", "B", "B", "A", "B"],
            "start_time": ["2020-01-01 10:00", "2020-01-01 11:00", "2020-01-01 11:00"]
            + ["2020-01-01 12:00", "2020-01-01 13:00"],
            "end_time": ["2020-01-01 10:30", "2020-01-01 11:30", "2020-01-01 11:30"]
            + ["2020-01-01 12:30", "2020-01-01 13:30"],
            "resource": ["r"] * 5,
        },
        index=index,
    )


@pytest.mark.parametrize("keep_attributes", [True, False])
def test_a_row_number_column_written_by_to_csv_does_not_hide_exact_duplicates(
    tmp_path: Path, keep_attributes: bool
) -> None:
    path = tmp_path / "indexed.csv"
    _indexed_table([0, 1, 2, 3, 4]).to_csv(path)  # first header cell empty: 'Unnamed: 0'
    log = read_event_log(path, keep_attributes=keep_attributes)
    assert log.report.duplicates_removed == 1  # case 1's B, written twice
    assert "Unnamed: 0" not in log.events.columns
    assert any("numbers the rows (0, 1, ..., 4)" in n for n in log.report.notes)


@pytest.mark.parametrize("keep_attributes", [True, False])
def test_an_unnamed_first_column_that_is_not_a_row_number_stays_an_attribute(
    tmp_path: Path, keep_attributes: bool
) -> None:
    path = tmp_path / "shuffled.csv"
    _indexed_table([0, 1, 5, 3, 4]).to_csv(path)  # not increasing: the rows differ there
    log = read_event_log(path, keep_attributes=keep_attributes)
    assert log.report.duplicates_removed == 0
    assert ("Unnamed: 0" in log.events.columns) == keep_attributes
    assert not any("numbers the rows" in n for n in log.report.notes)


# --- QA 9a #4 a simulated trace of several replications ---------------------------------------
@pytest.mark.parametrize("keep_attributes", [True, False])
def test_a_trace_of_several_replications_is_noted_on_the_console(
    tmp_path: Path, capsys, keep_attributes: bool
) -> None:
    """A trace of `simulate output.trace=true` holds every replication over the same dates: read
    as one log it has their arrivals added up (a CRM trace of 2 replications calibrated to a
    model 90 % slower than the trace itself, without a word)."""
    from sim.cli.calibrate import _print_cleaning

    body = [f"{r}-{line},{r}" for r in (0, 1, 2) for line in rows(4)]
    path = write(tmp_path, "trace.csv", body, header=HEADER + ",replication")
    log = read_event_log(path, keep_attributes=keep_attributes)
    assert log.n_cases == 12
    assert ("replication" in log.events.columns) is keep_attributes
    _print_cleaning(log, "trace.csv")
    out = capsys.readouterr().out
    assert "cleaning: Read 3 replications of a simulation together (column 'replication'" in out
    assert "3 times the arrivals" in out
    one = read_event_log(
        write(
            tmp_path, "one.csv", [f"{line},0" for line in rows(4)], header=HEADER + ",replication"
        ),
        keep_attributes=keep_attributes,
    )
    assert not [n for n in one.report.notes if "replications" in n]
