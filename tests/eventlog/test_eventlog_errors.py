"""Bad input gives one clear EventLogError naming the file and what was expected."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import ConfigError, EventLogError, SimError
from sim.eventlog import (
    clean_event_table,
    read_event_log,
    split_by_time,
    to_relative_hours,
    write_event_log,
)

GOOD = """case_id,activity,start_time,end_time,resource
1,a,2020-01-01 10:00,2020-01-01 10:10,r1
1,b,2020-01-01 10:20,2020-01-01 10:30,r1
2,a,2020-01-01 11:00,2020-01-01 11:10,r2
"""


def put(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text, encoding="utf-8")
    return p


def fails(path: Path, **kwargs) -> str:
    with pytest.raises(EventLogError) as info:
        read_event_log(path, **kwargs)
    assert isinstance(info.value, SimError)
    msg = str(info.value)
    assert str(path) in msg  # always names the file
    return msg


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in fails(tmp_path / "nope.csv")


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    d = tmp_path / "dir.csv"
    d.mkdir()
    assert "not a file" in fails(d)


def test_unknown_extension(tmp_path: Path) -> None:
    msg = fails(put(tmp_path, "log.xlsx", "x"))
    assert "unknown file type" in msg and ".csv" in msg and ".xes.gz" in msg


def test_missing_required_column_names_it_and_the_keyword(tmp_path: Path) -> None:
    p = put(tmp_path, "m.csv", "ticket,activity,end_time\n1,a,2020-01-01\n")
    msg = fails(p)
    assert "no case id column" in msg
    assert "'ticket'" in msg and "'activity'" in msg  # columns found
    assert "case_id_key=" in msg and "'case:concept:name'" in msg  # how to fix, what we expected


def test_missing_end_column(tmp_path: Path) -> None:
    msg = fails(put(tmp_path, "m.csv", "case_id,activity,when\n1,a,2020-01-01\n"))
    assert "end/completion timestamp" in msg and "end_key=" in msg and "'when'" in msg


def test_given_key_not_in_file(tmp_path: Path) -> None:
    msg = fails(put(tmp_path, "g.csv", GOOD), resource_key="user")
    assert "'user'" in msg and "resource_key=" in msg and "'resource'" in msg


def test_unparseable_timestamps_name_rows_and_values(tmp_path: Path) -> None:
    text = GOOD + "2,b,2020-01-01 11:20,yesterday,r2\n3,a,2020-01-01 12:00,2020-13-45 10:00,r1\n"
    msg = fails(put(tmp_path, "t.csv", text))
    assert "'end_time'" in msg and "2 value(s)" in msg
    assert "line 5: 'yesterday'" in msg and "line 6: '2020-13-45 10:00'" in msg
    assert "time_format=" in msg


def test_unix_times_get_a_hint_and_a_bad_one_is_named(tmp_path: Path) -> None:
    text = "case_id,activity,end_time\n1,a,1709283600\n1,b,1709287200\n2,a,1709290800\n"
    msg = fails(put(tmp_path, "u.csv", text))
    assert "line 2: '1709283600'" in msg and "time_format='epoch_s'" in msg
    msg = fails(put(tmp_path, "v.csv", text + "2,b,soon\n"), time_format="epoch_s")
    assert "line 5: 'soon'" in msg and "not seconds since 1970-01-01" in msg


def test_wrong_time_format(tmp_path: Path) -> None:
    msg = fails(put(tmp_path, "t.csv", GOOD), time_format="%d/%m/%Y")
    assert "time_format='%d/%m/%Y' did not match" in msg and "line 2" in msg


def test_empty_log_header_only(tmp_path: Path) -> None:
    msg = fails(put(tmp_path, "e.csv", "case_id,activity,end_time\n"))
    assert "empty" in msg


def test_empty_file(tmp_path: Path) -> None:
    assert "empty" in fails(put(tmp_path, "z.csv", ""))


def test_all_rows_removed(tmp_path: Path) -> None:
    text = "case_id,activity,end_time\n,a,2020-01-01\n1,,2020-01-01\n"
    msg = fails(put(tmp_path, "r.csv", text))
    assert "no usable rows" in msg and "no case id or activity: 2" in msg


def test_one_case_log(tmp_path: Path) -> None:
    text = "case_id,activity,end_time\n7,a,2020-01-01 10:00\n7,b,2020-01-01 11:00\n"
    msg = fails(put(tmp_path, "one.csv", text))
    assert "single case ('7')" in msg and "at least two cases" in msg


def test_single_activity_log(tmp_path: Path) -> None:
    text = "case_id,activity,end_time\n1,a,2020-01-01 10:00\n2,a,2020-01-01 11:00\n"
    msg = fails(put(tmp_path, "act.csv", text))
    assert "single activity ('a')" in msg and "activity_key=" in msg


def test_malformed_xml_gives_line_number(tmp_path: Path) -> None:
    text = (
        '<?xml version="1.0"?>\n<log>\n<trace>\n<string key="concept:name" value="1"/>\n'
        '<event><string key="concept:name" value="a"></event>\n</trace>\n</log>\n'
    )
    msg = fails(put(tmp_path, "bad.xes", text))
    assert "malformed XML at line 5" in msg


def test_truncated_gzip_xes(tmp_path: Path) -> None:
    data = gzip.compress(b'<?xml version="1.0"?><log><trace></trace></log>' * 50)
    msg = fails(put(tmp_path, "cut.xes.gz", data[: len(data) // 2]))
    assert "decompress" in msg or "malformed XML" in msg


def test_not_gzip_at_all(tmp_path: Path) -> None:
    assert "decompress" in fails(put(tmp_path, "plain.csv.gz", GOOD))


def test_entity_expansion_refused(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE log [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<log><trace>&b;</trace></log>\n'
    )
    assert "forbidden construct" in fails(put(tmp_path, "bomb.xes", bomb))


def test_external_entity_refused(tmp_path: Path) -> None:
    xxe = (
        '<?xml version="1.0"?>\n<!DOCTYPE log [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        "<log><trace>&x;</trace></log>\n"
    )
    assert "forbidden construct" in fails(put(tmp_path, "xxe.xes", xxe))


def test_not_an_xes_root(tmp_path: Path) -> None:
    assert "expected <log>" in fails(put(tmp_path, "html.xes", "<html><body/></html>"))


def test_max_rows_bound(tmp_path: Path) -> None:
    assert "max_rows=2" in fails(put(tmp_path, "g.csv", GOOD), max_rows=2)
    assert read_event_log(put(tmp_path, "h.csv", GOOD), max_rows=3).report.rows_read == 3
    body = '<log><trace><string key="concept:name" value="1"/>' + "<event/>" * 5 + "</trace></log>"
    assert "max_rows=4" in fails(put(tmp_path, "big.xes", body), max_rows=4)


def test_corrupt_parquet(tmp_path: Path) -> None:
    assert "parquet" in fails(put(tmp_path, "x.parquet", b"not parquet at all"))


def test_in_memory_table_errors_name_rows() -> None:
    table = pd.DataFrame(
        {"case_id": ["1", "2"], "activity": ["a", "b"], "end_time": ["2020-01-01", "soon"]}
    )
    with pytest.raises(EventLogError, match=r"my table: column 'end_time' .* row 2: 'soon'"):
        clean_event_table(table, source="my table")


def test_write_refuses_overwrite_and_unknown_extension(tmp_path: Path) -> None:
    log = read_event_log(put(tmp_path, "g.csv", GOOD))
    out = write_event_log(log, tmp_path / "out.csv")
    with pytest.raises(EventLogError, match="file exists; pass overwrite=True"):
        write_event_log(log, out)
    write_event_log(log, out, overwrite=True)
    with pytest.raises(EventLogError, match="unknown file type"):
        write_event_log(log, tmp_path / "out.json")


def test_split_and_hours_parameter_errors(tmp_path: Path) -> None:
    log = read_event_log(put(tmp_path, "g.csv", GOOD))
    with pytest.raises(ConfigError, match="train_fraction=1.5"):
        split_by_time(log, train_fraction=1.5)
    with pytest.raises(EventLogError, match="no time columns"):
        to_relative_hours(pd.DataFrame({"x": [1]}))


def test_gzip_data_named_csv_says_so(tmp_path: Path) -> None:
    msg = fails(put(tmp_path, "log.csv", gzip.compress(GOOD.encode())))
    assert "gzip-compressed; rename it log.csv.gz" in msg


def test_a_column_given_for_two_keys(tmp_path: Path) -> None:
    msg = fails(put(tmp_path, "log.csv", GOOD), case_id_key="case_id", activity_key="case_id")
    assert "'case_id' is given both as case_id_key= and as activity_key=" in msg


def test_a_required_column_taken_by_another_key_is_named(tmp_path: Path) -> None:
    msg = fails(put(tmp_path, "log.csv", GOOD), activity_key="end_time")
    assert "no end/completion timestamp column found" in msg
    assert "('end_time' is the activity column)" in msg


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_other_separators_are_read(tmp_path: Path, sep: str) -> None:
    log = read_event_log(put(tmp_path, "log.csv", GOOD.replace(",", sep)))
    assert log.report.rows_kept == 3 and log.n_cases == 2
    assert list(log.events["activity"]) == ["a", "b", "a"]


def test_a_comma_in_the_header_keeps_commas(tmp_path: Path) -> None:
    # semicolons inside values of a comma-separated file are data, not separators
    text = GOOD.replace("r1\n", "r;1\n")
    log = read_event_log(put(tmp_path, "log.csv", text))
    assert "r;1" in set(log.events["resource"])


def test_a_column_mixing_timestamp_layouts_says_so(tmp_path: Path) -> None:
    text = GOOD.replace("2020-01-01 11:00,2020-01-01 11:10", "01/01/2020 11:00,2020-01-01 11:10")
    msg = fails(put(tmp_path, "mixed.csv", text))
    assert "line 4: '01/01/2020 11:00'" in msg
    assert "2 other value(s) of the column did parse, so it mixes layouts" in msg
    # a column that is all in one other layout only needs its time_format
    other = GOOD.replace("2020-01-01 ", "01/01/2020 ")
    assert "mixes layouts" not in fails(put(tmp_path, "other.csv", other))


def test_a_few_bad_values_among_many_are_not_called_mixed_layouts(tmp_path: Path) -> None:
    rows = [f"{i},a,2020-01-01 10:{i:02d},2020-01-01 11:{i:02d},r1" for i in range(40)]
    rows.append("40,a,2020-01-01 10:00,yesterday,r1")
    msg = fails(put(tmp_path, "typo.csv", GOOD.splitlines()[0] + "\n" + "\n".join(rows) + "\n"))
    assert "'yesterday'" in msg and "mixes layouts" not in msg


def test_a_comma_inside_a_column_name_of_a_semicolon_file(tmp_path: Path) -> None:
    text = GOOD.replace(",", ";").replace("resource\n", "resource, team\n", 1)
    log = read_event_log(put(tmp_path, "semi.csv", text), resource_key="resource, team")
    assert log.n_cases == 2 and set(log.events["resource"]) == {"r1", "r2"}


@pytest.mark.parametrize("filler", [b"A" * (3 << 20), b" " * (3 << 20)], ids=["value", "spaces"])
def test_an_xes_file_with_a_huge_value_or_run_of_text_is_refused_at_once(tmp_path, filler):
    """QA: one 64 MiB attribute value in a 65 KB gzip took 3 minutes (the parser re-scans an
    unfinished token), and gigabytes of whitespace grew memory without end."""
    import gzip

    from sim.eventlog.xes import read_xes_table

    head = b'<?xml version="1.0"?><log><trace><string key="concept:name" value="c1"/>'
    if filler.startswith(b"A"):
        body = b'<event><string key="concept:name" value="' + filler + b'"/></event>'
    else:
        body = b"<event>" + filler + b"</event>"
    path = tmp_path / "huge.xes.gz"
    path.write_bytes(gzip.compress(head + body + b"</trace></log>"))
    with pytest.raises(EventLogError, match="bytes of one value or text without markup"):
        read_xes_table(path)


def _rows(cases: int) -> list[str]:
    """Data lines of ``cases`` cases a -> b -> c (the header is GOOD's)."""
    out = []
    for i in range(1, cases + 1):
        day = f"2020-01-{i:02d}"
        out += [
            f"{i},a,{day} 09:00,{day} 09:30,r1",
            f"{i},b,{day} 10:00,{day} 11:00,r2",
            f"{i},c,{day} 11:30,{day} 12:00,r1",
        ]
    return out


def _csv(lines: list[str], header: str = GOOD.splitlines()[0]) -> str:
    return "\n".join([header, *lines]) + "\n"


def test_an_unbalanced_quote_is_refused_naming_the_line_it_opens_on(tmp_path: Path) -> None:
    """QA 8a #1: pandas joined lines 12-27 into one resource name; 45 of 60 rows were read, none
    counted as removed, 16 of 20 cases left, and no note said so."""
    lines = _rows(20)
    lines[10] = lines[10].rsplit(",", 1)[0] + ',"Smith, J'  # line 12
    lines[25] = lines[25].rsplit(",", 1)[0] + ',Jones"'  # line 27
    msg = fails(put(tmp_path, "quote.csv", _csv(lines)))
    assert "line 12: a quoted value of column 'resource' runs on to line 27" in msg
    assert "unbalanced" in msg


def test_an_unbalanced_quote_in_an_attribute_column_is_refused(tmp_path: Path) -> None:
    lines = [line + ",ok" for line in _rows(10)]
    lines[4] = lines[4][: -len(",ok")] + ',"broken'  # line 6; closed by the stray quote below
    lines[8] = lines[8][: -len(",ok")] + ',end"'
    header = GOOD.splitlines()[0] + ",note"
    msg = fails(put(tmp_path, "note.csv", _csv(lines, header)))
    assert "line 6: a quoted value of column 'note' runs on to line 10" in msg


def test_a_quoted_value_over_several_lines_is_kept(tmp_path: Path) -> None:
    lines = [line + ",ok" for line in _rows(3)]
    lines[1] = lines[1][: -len(",ok")] + ',"called, no answer\nwill retry, later"'
    lines[4] = lines[4].replace(",b,", ',"b\nsecond line",', 1)
    header = GOOD.splitlines()[0] + ",note"
    log = read_event_log(put(tmp_path, "multi.csv", _csv(lines, header)))
    assert log.report.rows_read == 9 and log.report.rows_kept == 9
    assert "called, no answer\nwill retry, later" in set(log.events["note"])
    assert "b\\nsecond line" in set(log.events["activity"])  # a name is one line: written visibly


def test_a_separator_ending_every_data_line_is_ignored_with_a_note(tmp_path: Path) -> None:
    """QA 8a #2: pandas took the first column as the index: case ids lost, activities read as
    case ids, resources as activities, without an error."""
    text = _csv([line + "," for line in _rows(3)])
    log = read_event_log(put(tmp_path, "trailing.csv", text))
    assert sorted(log.events["case_id"].unique()) == ["1", "2", "3"]
    assert sorted(log.events["activity"].unique()) == ["a", "b", "c"]
    assert set(log.events["resource"]) == {"r1", "r2"}
    assert log.events["start_time"].min() == pd.Timestamp("2020-01-01 09:00")
    assert any("end with 1 empty field more than the header line" in n for n in log.report.notes)


def test_a_surplus_field_holding_data_is_refused_naming_the_line(tmp_path: Path) -> None:
    lines = [line + "," for line in _rows(3)]
    lines[2] += "x"  # line 4
    msg = fails(put(tmp_path, "surplus.csv", _csv(lines)))
    assert "line 4 has 6 fields, the header 5" in msg


def test_a_huge_csv_field_is_refused_while_read(tmp_path: Path) -> None:
    """QA 8a #8: a 300 KB gzip holding one 300 MB field took 1.1 GB, even with max_rows=100."""
    head = _csv(_rows(2)).encode()
    path = put(
        tmp_path, "bomb.csv.gz", gzip.compress(head + b"3,a,2020-01-03 09:00,," + b"x" * (3 << 20))
    )
    msg = fails(path, max_rows=100)
    assert "a line longer than 1,048,576 bytes" in msg
    assert f"from byte {len(head):,} " in msg


def test_a_quoted_value_of_many_short_lines_is_refused_while_read(tmp_path: Path) -> None:
    """QA 8a #8, its last gap: every line of the value is short, so the line bound let it
    through and pandas held all of it (a 40 KB gzip of 8 MiB here; gigabytes the same way)."""
    head = _csv(_rows(2)).encode()
    body = b'3,a,2020-01-03 09:00,2020-01-03 10:00,"r1' + b"\nx" * (4 << 20) + b'"\n'
    path = put(tmp_path, "lines.csv.gz", gzip.compress(head + body))
    msg = fails(path, max_rows=100)
    assert "line 8: a record longer than 4,194,304 bytes" in msg
    assert f"from byte {len(head):,} " in msg and "unbalanced" in msg


def test_a_stray_quote_inside_a_value_does_not_make_a_long_file_one_record(
    tmp_path: Path,
) -> None:
    """A quote in the middle of a field is a character to pandas (a 12" binder): the record
    bound must not take what follows for a quoted value (12 MB of ordinary rows here)."""
    rows = [f"{i},a,2020-01-01 09:00,2020-01-01 09:30,r{i % 7}" for i in range(200_000)]
    rows[1] = '1,order 12" binder,2020-01-01 09:00,2020-01-01 09:30,r1'
    path = put(tmp_path, "inch.csv", _csv(rows))
    assert path.stat().st_size > 2 * (4 << 20)
    log = read_event_log(path)
    assert log.report.rows_read == 200_000
    assert 'order 12" binder' in set(log.events["activity"])


def test_repeated_column_names_are_refused_naming_them(tmp_path: Path) -> None:
    """QA 8a #3: a table or parquet file with two 'activity' columns gave a pandas or pyarrow
    traceback."""
    table = pd.DataFrame(
        [["1", "a", "2020-01-01", "x"], ["2", "b", "2020-01-02", "y"]],
        columns=["case_id", "activity", "end_time", "activity"],
    )
    with pytest.raises(EventLogError, match=r"tbl: column names occur more than once: 'activity'"):
        clean_event_table(table, source="tbl")
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "dup.parquet"
    pq.write_table(
        pa.Table.from_arrays([pa.array(c) for c in table.T.values], names=list(table.columns)), path
    )
    assert "'activity' (2 times)" in fails(path)


def test_an_infinite_number_as_an_id_is_refused_naming_the_row() -> None:
    """QA 8a #9: inf in a float case id column gave an OverflowError from pandas."""
    table = pd.DataFrame(
        {
            "case_id": [1.0, 1.0, 2.0, float("inf")],
            "activity": ["a", "b"] * 2,
            "end_time": pd.date_range("2020-01-01", periods=4, freq="h"),
        }
    )
    with pytest.raises(EventLogError, match=r"tbl: column 'case_id' holds inf at row 4"):
        clean_event_table(table, source="tbl")


def test_every_missing_required_column_is_named_at_once(tmp_path: Path) -> None:
    """QA 8a #21: the first message named only the case id column; mapping it, the next run
    named the activity, then the end: three runs to learn three names."""
    msg = fails(put(tmp_path, "m.csv", "CaseNr,Task,When\n1,a,2020-01-01\n"))
    for what, key in (("case id", "case_id_key"), ("activity", "activity_key")):
        assert f"no {what} column found" in msg and f"{key}='<column>'" in msg
    assert "no end/completion timestamp column found" in msg and "end_key=" in msg
    assert "columns found: 'CaseNr', 'Task', 'When'" in msg


def test_a_log_left_with_one_activity_by_cleaning_says_what_cleaning_removed(
    tmp_path: Path,
) -> None:
    """QA 8a #12: the message pointed at activity_key= and hid that 12 of 18 rows were removed
    (their start and end swapped)."""
    lines = []
    for line in _rows(6):
        case, act, start, end, res = line.split(",")
        lines.append(line if act == "b" else ",".join([case, act, end, start, res]))
    msg = fails(put(tmp_path, "swapped.csv", _csv(lines)))
    assert "single activity ('b') after cleaning removed 12 of 18 rows (end before start: 12)" in (
        msg
    )
    no_activity = "2,,2020-01-02 09:00,2020-01-02 09:30,r1"
    two = fails(put(tmp_path, "two.csv", _csv([*_rows(1), no_activity])))
    assert "single case ('1') after cleaning removed 1 of 4 rows" in two
    untouched = fails(put(tmp_path, "one.csv", _csv(_rows(1))))
    assert "single case ('1'); expected" in untouched


def test_csv_rows_are_named_by_their_physical_line(tmp_path: Path) -> None:
    """QA 8a #10: 'line N' assumed one line per row and no blank line: after two blank lines
    (as Excel leaves them), a value over two lines and another blank line, the bad timestamp on
    line 16 was called line 12."""
    lines = _rows(6)
    lines[1] = '1,"Review\nstep",2020-01-01 10:00,2020-01-01 11:00,r2'
    lines[10] = lines[10].replace("2020-01-04 11:00", "garbage")
    msg = fails(put(tmp_path, "lines.csv", _csv(["", "", *lines[:5], "", *lines[5:]])))
    assert "first at line 16: 'garbage'" in msg


def test_a_placeholder_resource_is_flagged_and_can_be_read_as_nobody(tmp_path: Path) -> None:
    """QA 9b #4: BPIC 2012's 'NOT_SET' (18.5 % of the training rows) was calibrated as a person:
    a member of a role, a seat of its headcount, with 297 busy hours, without a word."""
    lines = _rows(4)
    lines[1] = lines[1].replace(",r2", ",NOT_SET")
    lines[4] = lines[4].replace(",r2", ",NOT_SET")
    path = put(tmp_path, "placeholder.csv", _csv(lines))
    as_person = read_event_log(path)
    assert (as_person.events["resource"] == "NOT_SET").sum() == 2
    assert as_person.report.rows_without_resource == 0
    assert any(
        "'NOT_SET' (2 rows, 16.7%)" in n and "no_resource" in n for n in as_person.report.notes
    )
    nobody = read_event_log(path, no_resource=["NOT_SET"])
    assert nobody.events["resource"].isna().sum() == 2
    assert nobody.report.rows_without_resource == 2 and nobody.report.resources == 2
    assert any("2 rows named a placeholder of no_resource=" in n for n in nobody.report.notes)
    assert not any("looks like a placeholder" in n for n in nobody.report.notes)
    # a person's name is never taken for a placeholder
    plain = read_event_log(put(tmp_path, "plain.csv", _csv(_rows(4))))
    assert not any("placeholder" in n for n in plain.report.notes)


def test_an_end_column_empty_in_every_row_is_named(tmp_path: Path) -> None:
    """QA: an end column present but blank everywhere gave "no usable rows ... no timestamp: 2",
    which named neither the column nor what it should hold."""
    text = (
        "case_id,activity,start_time,Finished,resource\n"
        "1,a,2020-01-01 10:00,,r1\n"
        "2,b,2020-01-01 11:00,,r1\n"
    )
    path = put(tmp_path, "blank_end.csv", text)
    msg = fails(path, end_key="Finished")
    assert f"{path}: column 'Finished', the end/completion timestamp column, is empty in all" in msg
    assert "expected the time the activity finished on each row" in msg
    assert "column 'start_time' has start times" in msg and "pass end_key=" in msg


def test_an_activity_column_empty_in_every_row_is_named(tmp_path: Path) -> None:
    text = "case_id,activity,end_time\n1,,2020-01-01 10:00\n2,,2020-01-01 11:00\n"
    msg = fails(put(tmp_path, "blank_act.csv", text))
    assert "column 'activity', the activity column, is empty in all 2 rows" in msg
    assert "expected an activity name on each row (pass activity_key= to name another" in msg


def test_numbers_read_in_the_wrong_unit_are_refused_with_the_right_one(tmp_path: Path) -> None:
    """QA 2026-12-05 #4: Excel serial days read as Unix seconds made a seven-week log 48
    seconds of 1 January 1970, silently."""
    excel = "case_id,activity,end_time\n1,a,45356.39\n1,b,45356.45\n2,a,45404.5\n"
    msg = fails(put(tmp_path, "x.csv", excel), time_format="epoch_s")
    assert "runs from 1970-01-01" in msg and "look like Excel serial days" in msg
    assert "time_format='excel'" in msg
    unix = "case_id,activity,end_time\n1,a,1709283600\n1,b,1709287200\n2,a,1709290800\n"
    msg = fails(put(tmp_path, "u.csv", unix), time_format="epoch_ms")
    assert "look like seconds since 1970-01-01 (2024-03-01" in msg and "'epoch_s'" in msg
    # read as asked where no unit makes them dates of our era (a synthetic log's small numbers)
    small = "case_id,activity,end_time\n1,a,10\n1,b,70\n2,a,130\n"
    log = read_event_log(put(tmp_path, "s.csv", small), time_format="epoch_s")
    assert len(log.events) == 3


def test_numbers_out_of_range_for_the_unit_name_the_unit_that_fits(tmp_path: Path) -> None:
    """QA2 2026-12-05 #9: milliseconds read as seconds (beyond any date) only said "not seconds
    since 1970-01-01"."""
    ms = "case_id,activity,end_time\n1,a,1709283600000\n1,b,1709287200000\n2,a,1709290800000\n"
    msg = fails(put(tmp_path, "ms.csv", ms), time_format="epoch_s")
    assert "seconds since 1970-01-01" in msg and "pass time_format='epoch_ms'" in msg
    s = "case_id,activity,end_time\n1,a,1709283600\n1,b,1709287200\n2,a,1709290800\n"
    msg = fails(put(tmp_path, "s.csv", s), time_format="excel")
    assert "pass time_format='epoch_s'" in msg
