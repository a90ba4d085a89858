"""Large logs: a CSV is parsed in chunks and refused as soon as it passes ``max_rows``; with
``keep_attributes=False`` only the standard columns are held, and cleaning counts the same."""

from __future__ import annotations

import dataclasses
import tracemalloc
import warnings
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import EventLogError, TooManyRows
from sim.eventlog import read as read_module
from sim.eventlog import read_event_log

STANDARD = ["case_id", "activity", "start_time", "end_time", "resource", "case_open"]


def write(
    path: Path,
    rows: list[str],
    header: str = "case_id,activity,start_time,end_time,resource,amount,note",
) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def rows(cases: int) -> list[str]:
    out = []
    for i in range(cases):
        out += [
            f"{i},a,2020-01-01 09:00,2020-01-01 09:10,r1,{i},x",
            f"{i},b,2020-01-01 09:20,2020-01-01 09:40,r2,{i},y",
        ]
    return out


def test_chunks_give_the_table_of_one_read(tmp_path, monkeypatch):
    path = write(tmp_path / "log.csv", rows(7))
    whole = read_event_log(path)
    monkeypatch.setattr(read_module, "CSV_CHUNK_ROWS", 3)
    chunked = read_event_log(path)
    pd.testing.assert_frame_equal(chunked.events, whole.events)
    assert chunked.events["amount"].dtype.kind == "i"  # attributes keep their inferred type
    assert dataclasses.asdict(chunked.report) == dataclasses.asdict(whole.report)


def test_an_attribute_typed_differently_in_two_chunks_becomes_text(tmp_path, monkeypatch):
    lines = rows(3)
    lines[-1] = lines[-1].replace(",2,y", ",two,y")  # numbers in the first chunk, text in the last
    monkeypatch.setattr(read_module, "CSV_CHUNK_ROWS", 2)
    amount = read_event_log(write(tmp_path / "log.csv", lines)).events["amount"]
    assert all(isinstance(v, str) for v in amount), amount.tolist()
    assert sorted(amount) == ["0", "0", "1", "1", "2", "two"]


def test_max_rows_refuses_while_reading_not_after(tmp_path, monkeypatch):
    """The rows after the limit are never parsed: a broken line there is not reached."""
    lines = [*rows(3), '9,a,"unterminated']
    path = write(tmp_path / "log.csv", lines)
    monkeypatch.setattr(read_module, "CSV_CHUNK_ROWS", 2)
    with pytest.raises(TooManyRows) as err:
        read_event_log(path, max_rows=3)
    assert err.value.limit == 3 and str(path) in str(err.value)
    assert "max_rows=3" in str(err.value)


def test_without_attributes_the_table_and_cleaning_are_the_same(tmp_path, monkeypatch):
    lines = rows(4)
    lines.append(lines[0])  # an exact duplicate: removed
    lines.append(lines[1].replace(",0,y", ",0,z"))  # differs only in an attribute: kept
    lines.append("5,a,2020-01-01 10:00,,r1,5,x")  # no end: removed
    lines = [f"{line},False" for line in lines]  # an input case_open: replaced, and noted
    header = "case_id,activity,start_time,end_time,resource,amount,note,case_open"
    path = write(tmp_path / "log.csv", lines, header)
    monkeypatch.setattr(read_module, "CSV_CHUNK_ROWS", 3)
    full = read_event_log(path)
    lean = read_event_log(path, keep_attributes=False)
    assert list(lean.events.columns) == STANDARD
    pd.testing.assert_frame_equal(lean.events, full.events[STANDARD])
    assert dataclasses.asdict(lean.report) == dataclasses.asdict(full.report)
    assert full.report.duplicates_removed == 1 and full.report.rows_kept == 9


@pytest.mark.parametrize("suffix", [".parquet", ".xes"])
def test_without_attributes_other_formats_agree_too(tmp_path, suffix):
    frame = pd.read_csv(write(tmp_path / "log.csv", rows(3) + rows(1)), dtype=str)
    path = tmp_path / f"log{suffix}"
    if suffix == ".parquet":
        frame.to_parquet(path)
    else:
        events = "".join(
            f'<trace><string key="concept:name" value="{r.case_id}"/><event>'
            f'<string key="concept:name" value="{r.activity}"/>'
            f'<string key="org:resource" value="{r.resource}"/>'
            f'<string key="note" value="{r.note}"/>'
            f'<date key="time:timestamp" value="{r.end_time.replace(" ", "T")}:00"/>'
            "</event></trace>"
            for r in frame.itertuples()
        )
        path.write_text(f"<log>{events}</log>")
    full, lean = read_event_log(path), read_event_log(path, keep_attributes=False)
    kept = [c for c in STANDARD if c in full.events.columns]
    assert list(lean.events.columns) == kept
    pd.testing.assert_frame_equal(lean.events, full.events[kept])
    assert lean.report.duplicates_removed == full.report.duplicates_removed > 0


def xes_with(path: Path, *, before: str = "", traces: int = 20) -> Path:
    """``traces`` one-event traces after ``before`` at log level."""
    trace = (
        '<trace><string key="concept:name" value="c{i}"/><event>'
        '<string key="concept:name" value="{a}"/>'
        '<date key="time:timestamp" value="2024-01-01T1{h}:00:00+00:00"/></event></trace>'
    )
    body = "".join(trace.format(i=i, a="ab"[i % 2], h=i % 8) for i in range(traces))
    path.write_text(f"<log>{before}{body}</log>")
    return path


def test_xes_nested_too_deep_is_refused(tmp_path):
    """QA 5c: 5 million nested containers held 1.5 GB; a log nests a handful of levels."""
    deep = "<container>" * 100 + "</container>" * 100
    with pytest.raises(EventLogError, match="nested more than 64 elements deep") as err:
        read_event_log(xes_with(tmp_path / "deep.xes", before=deep))
    assert str(tmp_path / "deep.xes") in str(err.value)
    nested = '<container key="c">' * 5 + '<string key="k" value="v"/>' + "</container>" * 5
    assert read_event_log(xes_with(tmp_path / "ok.xes", before=nested)).n_cases == 20


def test_xes_elements_outside_traces_are_not_held(tmp_path):
    """Elements at log level (extensions, globals, classifiers, or a hostile flood of them)
    are dropped once read: memory does not grow with them (it grew by 66 MB for 200,000)."""
    from sim.eventlog.xes import read_xes_table

    def peak(path: Path) -> int:
        tracemalloc.start()
        try:
            read_xes_table(path)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    plain = peak(xes_with(tmp_path / "plain.xes"))
    flood = peak(xes_with(tmp_path / "flood.xes", before='<string key="x" value="y"/>' * 200_000))
    assert flood - plain < 5_000_000, (plain, flood)


def test_offsets_in_a_column_read_in_several_chunks(tmp_path, monkeypatch):
    """QA 6b: a CSV longer than one chunk with UTC offsets crashed (a chunked Arrow column)."""
    lines = [
        f"{i},{'ab'[i % 2]},2020-01-01T09:{i:02d}:00+01:00,2020-01-01T09:{i:02d}:30Z,r1"
        for i in range(10)
    ]
    path = write(tmp_path / "log.csv", lines, "case_id,activity,start_time,end_time,resource")
    monkeypatch.setattr(read_module, "CSV_CHUNK_ROWS", 3)
    log = read_event_log(path, timezone="UTC")
    assert log.report.timezone_offsets == {"+00:00": 10, "+01:00": 10}
    assert log.events["start_time"].min() == pd.Timestamp("2020-01-01 08:00")
    local = read_event_log(path)  # +01:00 starts beside Z ends: two clocks, read in UTC
    assert local.report.clock == "UTC"
    assert local.events["start_time"].min() == pd.Timestamp("2020-01-01 08:00")


def test_numbers_written_differently_are_one_value_with_or_without_attributes(tmp_path):
    """QA 6b: '0', '0.0' and '0.00' in an extra column are one number to pandas, so the rows are
    duplicates; hashed as text they were not (20 duplicates removed instead of 70)."""
    lines = rows(3)
    lines += [lines[0].replace(",0,x", ",0.0,x"), lines[0].replace(",0,x", ",0.00,x")]
    path = write(tmp_path / "log.csv", lines)
    full, lean = read_event_log(path), read_event_log(path, keep_attributes=False)
    assert full.report.duplicates_removed == 2
    assert lean.report.duplicates_removed == 2


def test_a_limit_below_one_chunk_is_checked_as_soon_as_it_is_passed(tmp_path):
    """QA 6b: the limit was checked after each 500,000-row chunk (a refusal could take more
    memory than the budget it enforced); a broken line after the limit is never reached."""
    lines = [*rows(20), '9,a,"unterminated']
    with pytest.raises(TooManyRows):
        read_event_log(write(tmp_path / "log.csv", lines), max_rows=5)


def test_a_wide_log_gets_its_attribute_columns_in_one_step(tmp_path):
    """QA 8a #7: attribute columns were inserted one at a time (quadratic in their number: 5,000
    keys on one XES event took 27 s); pandas warns of the fragmented frame that makes."""
    header = "case_id,activity,start_time,end_time,resource," + ",".join(
        f"k{i}" for i in range(300)
    )
    # numbers: pandas counts numpy blocks only when it warns of fragmentation
    lines = [line.rsplit(",", 2)[0] + "," + ",".join(["7"] * 300) for line in rows(3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        log = read_event_log(write(tmp_path / "wide.csv", lines, header))
    assert list(log.events.columns[6:]) == [f"k{i}" for i in range(300)]
    assert (log.events["k299"] == 7).all() and len(log.events) == 6


def test_xes_with_too_many_attribute_keys_is_refused(tmp_path):
    """QA 8a #7: max_rows bounds events, not keys: a 490 KB gzip with 200,000 keys on one event
    took 1.5 GB (and 9,000 keys on one event beside 40,000 plain ones 8.9 GB: the limit is 1,000
    since 2026-12-05)."""
    from sim.eventlog.xes import MAX_KEYS

    assert MAX_KEYS == 1_000

    keys = "".join(f'<string key="k{i}" value="v"/>' for i in range(MAX_KEYS + 1))
    path = xes_with(tmp_path / "keys.xes", traces=2)
    path.write_text(path.read_text().replace("</event>", keys + "</event>", 1))
    with pytest.raises(EventLogError, match=f"more than {MAX_KEYS:,} distinct attribute keys"):
        read_event_log(path, max_rows=10)


def test_a_long_stretch_between_separators_is_refused_wherever_it_lies():
    from sim.eventlog.run_guard import RunLength

    def guard():
        return RunLength(b"\n", 10, lambda start: ValueError(f"from byte {start}"))

    g = guard()
    g.feed(b"short\nlines\n")
    g.feed(b"0123456789\n")  # 10 bytes: at the limit
    with pytest.raises(ValueError, match="from byte 26"):  # inside one chunk, after "ab\n"
        g.feed(b"ab\n0123456789AB\ncd")
    g = guard()
    g.feed(b"x\n012345")
    with pytest.raises(ValueError, match="from byte 2"):  # across chunks
        g.feed(b"6789A\n")
