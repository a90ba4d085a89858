"""Untrusted logs cannot exhaust memory: an XES event or trace holding a flood of elements and a
CSV with a flood of columns are refused while read, naming the file, where and the limit; a wide
CSV within the limit is parsed in chunks of a bounded number of cells."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from sim.errors import EventLogError
from sim.eventlog import read_event_log
from sim.eventlog import xes as xes_module
from sim.eventlog.xes import MAX_HELD, read_xes_table

HEAD = '<?xml version="1.0"?><log>'


def trace(i: int, inner: str = "", events: int = 1, attrs: str = "") -> str:
    """One trace ``c<i>`` of ``events`` events, ``attrs`` among the trace's attributes and
    ``inner`` inside its first event."""
    body = "".join(
        '<event><string key="concept:name" value="{a}"/>'
        '<date key="time:timestamp" value="2024-01-01T1{h}:00:00+00:00"/>{inner}</event>'.format(
            a="ab"[k % 2], h=k % 8, inner=inner if k == 0 else ""
        )
        for k in range(events)
    )
    return f'<trace><string key="concept:name" value="c{i}"/>{attrs}{body}</trace>'


def write_xes(path: Path, *traces: str) -> Path:
    path.write_bytes(gzip.compress((HEAD + "".join(traces) + "</log>").encode()))
    return path


def test_one_event_repeating_one_key_beyond_the_limit_is_refused(tmp_path):
    """QA hardening #1: a 1.3 MB gzip of one event with 20 million ``<string key="x">``
    children took 6.9 GB: only distinct keys were counted, and an event is cleared when it
    ends."""
    flood = '<string key="x" value="y"/>' * MAX_HELD
    path = write_xes(tmp_path / "flood.xes.gz", trace(1), trace(2, inner=flood))
    with pytest.raises(EventLogError) as err:
        read_xes_table(path)
    msg = str(err.value)
    assert str(path) in msg
    assert "event 2 (in trace 2)" in msg  # the second trace's first event, the second in all
    assert "more than 100,000 XML elements" in msg


def test_a_trace_repeating_its_attributes_beyond_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(xes_module, "MAX_HELD", 50)
    flood = '<string key="x" value="y"/>' * 60
    path = write_xes(tmp_path / "trace.xes.gz", trace(1), trace(2), trace(3, attrs=flood))
    with pytest.raises(EventLogError, match=r"trace 3 \(outside its events\) holds more than 50"):
        read_xes_table(path)


def test_values_nested_in_lists_count_too(tmp_path, monkeypatch):
    """Many lists of a few values each: no element has many children, but the event holds
    them all."""
    monkeypatch.setattr(xes_module, "MAX_HELD", 50)
    lists = ('<list key="l"><values>' + '<string key="v" value="w"/>' * 5 + "</values></list>") * 10
    path = write_xes(tmp_path / "lists.xes.gz", trace(1, inner=lists))
    with pytest.raises(EventLogError, match=r"event 1 \(in trace 1\) holds more than 50"):
        read_xes_table(path)


def test_finished_events_and_log_level_elements_do_not_count(tmp_path, monkeypatch):
    """The limit is on what is held at once: a long trace of ordinary events, or many
    elements at log level (each dropped once read), is read as before."""
    monkeypatch.setattr(xes_module, "MAX_HELD", 50)
    ext = '<extension name="Concept" prefix="concept" uri="http://x"/>' * 200
    path = tmp_path / "long.xes"
    path.write_text(HEAD + ext + trace(1, events=100) + trace(2, events=100) + "</log>")
    table, _ = read_xes_table(path)
    assert len(table) == 200
    assert table["case:concept:name"].tolist() == ["c1"] * 100 + ["c2"] * 100
    nested = '<list key="l"><values>' + '<string key="v" value="w"/>' * 40 + "</values></list>"
    path = write_xes(tmp_path / "nested.xes.gz", trace(1, inner=nested, events=2), trace(2))
    assert read_event_log(path).report.rows_read == 3


def wide_csv(path: Path, columns: int, rows: int) -> Path:
    """A CSV of ``rows`` events a -> b -> c with ``columns`` empty attribute columns."""
    head = "case_id,activity,start_time,end_time,resource,"
    empty = "," * (columns - 1)
    lines = [head + ",".join(f"x{i}" for i in range(columns))]
    for r in range(rows):
        t = f"2020-01-01T{r % 24:02d}:{r % 60:02d}"
        lines.append(f"c{r // 3},{'abc'[r % 3]},{t}:00,{t}:30,r{r % 5},{empty}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_csv_with_a_flood_of_columns_is_refused_before_its_rows(tmp_path):
    """QA hardening #2: a 577 KB gzip of 100,000 empty columns over 3,000 rows took 9.4 GB to
    calibrate (pandas built the header's 100,000 columns alone in 9 s)."""
    from sim.eventlog.read import MAX_COLUMNS

    path = wide_csv(tmp_path / "wide.csv", MAX_COLUMNS, 3)  # 5 key columns beyond the limit
    with pytest.raises(EventLogError) as err:
        read_event_log(path, keep_attributes=False)
    msg = str(err.value)
    assert str(path) in msg
    assert "the header line names 1,005 columns, more than 1,000" in msg
    fits = wide_csv(tmp_path / "fits.csv", MAX_COLUMNS - 5, 6)
    assert read_event_log(fits, keep_attributes=False).report.rows_read == 6


def test_a_parquet_file_with_a_flood_of_columns_is_refused(tmp_path):
    import pandas as pd

    from sim.eventlog.read import MAX_COLUMNS

    frame = pd.read_csv(wide_csv(tmp_path / "wide.csv", MAX_COLUMNS, 3), dtype=str)
    frame.to_parquet(tmp_path / "wide.parquet")
    with pytest.raises(EventLogError, match=r"wide\.parquet: the file has 1,005 columns, more"):
        read_event_log(tmp_path / "wide.parquet")


def test_a_wide_csv_is_parsed_in_chunks_of_bounded_cells(tmp_path, monkeypatch):
    """QA hardening #2: chunks were 500,000 rows whatever the width, so a wide file's chunk
    held all its fields at once (1.65 GB for 60,000 rows of 1,000 columns, 380 MB now); a chunk
    now holds at most ``CSV_CHUNK_CELLS`` fields, and the table read is the same."""
    import pandas as pd

    from sim.eventlog import read as read_module

    path = wide_csv(tmp_path / "wide.csv", 100, 2_000)
    whole = read_event_log(path, keep_attributes=False).events
    shapes = []
    hash_attributes = read_module._hash_attributes

    def spy(chunk, keep):
        shapes.append(chunk.shape)
        return hash_attributes(chunk, keep)

    monkeypatch.setattr(read_module, "_hash_attributes", spy)
    monkeypatch.setattr(read_module, "CSV_CHUNK_CELLS", 50_000)  # 476 rows of 105 columns
    chunked = read_event_log(path, keep_attributes=False).events
    assert [rows for rows, _ in shapes] == [476] * 4 + [96]
    assert all(rows * cols <= 50_000 for rows, cols in shapes)
    pd.testing.assert_frame_equal(chunked, whole)
