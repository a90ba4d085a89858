"""A parquet log's nested columns (lists, structs, maps) are read as JSON text, one value per
row, as a CSV log would hold them, and checked against the 1 MB value limit like any text
(QA: a list column stopped ``read_event_log`` with ``TypeError: unhashable type:
'numpy.ndarray'`` from pandas' duplicate check, and nested values were not checked at all)."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.errors import EventLogError
from sim.eventlog import read as reading
from sim.eventlog import read_event_log


def _table(rows: int = 20) -> pa.Table:
    t = pd.Timestamp("2026-01-05 09:00")
    frame = pd.DataFrame(
        {
            "case_id": [f"c{i // 2}" for i in range(rows)],
            "activity": ["a", "b"] * (rows // 2),
            "start_time": [t + pd.Timedelta(hours=i) for i in range(rows)],
            "end_time": [t + pd.Timedelta(hours=i, minutes=30) for i in range(rows)],
            "resource": ["r1", "r2"] * (rows // 2),
        }
    )
    table = pa.Table.from_pandas(frame, preserve_index=False)
    tags = [[f"t{i}", "x"] for i in range(rows)]
    tags[3] = None
    table = table.append_column("tags", pa.array(tags, type=pa.list_(pa.string())))
    meta = [{"n": i, "kind": "k"} for i in range(rows)]
    table = table.append_column("meta", pa.array(meta))
    pairs = [[("a", i)] for i in range(rows)]
    return table.append_column("pairs", pa.array(pairs, type=pa.map_(pa.string(), pa.int64())))


@pytest.mark.parametrize("batch_rows", [reading.PARQUET_BATCH_ROWS, 3])
def test_nested_columns_are_read_as_json_text_per_row(tmp_path, monkeypatch, batch_rows):
    path = tmp_path / "nested.parquet"
    pq.write_table(_table(), path)
    monkeypatch.setattr(reading, "PARQUET_BATCH_ROWS", batch_rows)  # 3: several batches
    events = read_event_log(path).events.sort_values(["case_id", "start_time"])
    assert len(events) == 20  # no row lost, none taken for a duplicate
    first = events.iloc[0]
    assert json.loads(first["tags"]) == ["t0", "x"]
    assert json.loads(first["meta"]) == {"n": 0, "kind": "k"}
    assert json.loads(first["pairs"]) == [["a", 0]]
    assert pd.isna(events.iloc[3]["tags"])  # a missing list stays missing, not "null"
    assert json.loads(events.iloc[19]["meta"]) == {"n": 19, "kind": "k"}


def test_rows_that_differ_only_in_a_nested_value_are_not_duplicates(tmp_path):
    table = _table()
    same = table.slice(0, 1)
    other = same.set_column(
        same.schema.get_field_index("tags"), "tags", pa.array([["else"]], pa.list_(pa.string()))
    )
    path = tmp_path / "dupes.parquet"
    pq.write_table(pa.concat_tables([table, same, other]), path)
    log = read_event_log(path)
    assert len(log.events) == 21  # the exact copy of row 1 removed, the other kept
    assert log.report.duplicates_removed == 1


def test_an_over_long_nested_value_is_refused_naming_its_column_and_row(tmp_path, monkeypatch):
    table = _table()
    tags = [[f"t{i}"] for i in range(20)]
    tags[13] = ["y" * (600 << 10), "y" * (600 << 10)]  # each piece under 1 MB, the value over
    at = table.schema.get_field_index("tags")
    path = tmp_path / "long.parquet"
    pq.write_table(table.set_column(at, "tags", pa.array(tags)), path)
    monkeypatch.setattr(reading, "PARQUET_BATCH_ROWS", 3)
    with pytest.raises(EventLogError, match=r"long.parquet: column 'tags', row 14: a value of"):
        read_event_log(path)
