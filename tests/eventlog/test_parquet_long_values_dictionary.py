"""The parquet reader's 1 MB value limit covers categorical (arrow dictionary) and view columns
(QA coderev: a 206 KB file whose categorical 'resource' held a 4 MB string took 20.6 s and
5.3 GB, where the same strings as plain text were refused at once), and categorical columns are
still read in batches of their rows' size (the categories held once per batch)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.errors import EventLogError
from sim.eventlog import read as reading
from sim.eventlog import read_event_log

LONG = "y" * (2 << 20)


def _log(rows: int = 20) -> pd.DataFrame:
    t = pd.Timestamp("2026-01-05 09:00")
    return pd.DataFrame(
        {
            "case_id": [f"c{i // 2}" for i in range(rows)],
            "activity": ["a", "b"] * (rows // 2),
            "start_time": [t + pd.Timedelta(hours=i) for i in range(rows)],
            "end_time": [t + pd.Timedelta(hours=i, minutes=30) for i in range(rows)],
            "resource": ["r1", "r2"] * (rows // 2),
        }
    )


@pytest.mark.parametrize("batch_rows", [reading.PARQUET_BATCH_ROWS, 3])
def test_an_over_long_category_is_refused_naming_its_column_and_first_row(
    tmp_path, monkeypatch, batch_rows
):
    frame = _log()
    frame.loc[12, "resource"] = LONG
    frame.loc[17, "resource"] = LONG + "z" * 10  # longer: the first row over the limit is named
    frame["resource"] = frame["resource"].astype("category")
    path = tmp_path / "categorical.parquet"
    frame.to_parquet(path)
    assert pa.types.is_dictionary(pq.ParquetFile(path).schema_arrow.field("resource").type)
    monkeypatch.setattr(reading, "PARQUET_BATCH_ROWS", batch_rows)  # 3: row 13 in a later batch
    with pytest.raises(
        EventLogError, match=r"column 'resource', row 13: a value of 2,097,152 bytes, over"
    ) as err:
        read_event_log(path)
    # a column the log reads cannot simply be dropped (QA retest: the advice said so)
    assert "fix that row, or drop the column from the file if the log does not need it" in str(
        err.value
    )


@pytest.mark.skipif(
    not hasattr(pa, "string_view"), reason=f"pyarrow {pa.__version__} has no string_view"
)
@pytest.mark.parametrize("kind", ["string_view", "binary_view"])
def test_an_over_long_view_value_is_refused_naming_its_column_and_row(tmp_path, kind):
    values = ["r1", None, "r2", LONG, "r1", LONG]
    if kind == "binary_view":
        values = [None if v is None else v.encode() for v in values]
    table = pa.Table.from_pandas(_log(6).drop(columns="resource"), preserve_index=False)
    table = table.append_column("note", pa.array(values, type=getattr(pa, kind)()))
    path = tmp_path / f"{kind}.parquet"
    pq.write_table(table, path)
    with pytest.raises(EventLogError, match=r"column 'note', row 4: a value of 2,097,152 bytes"):
        reading._read_parquet(path, None)


def test_a_categorical_column_of_short_values_reads_as_pandas_reads_it(tmp_path, monkeypatch):
    frame = _log().assign(team=pd.Categorical(["x", None, "y", "x"] * 5))
    frame["resource"] = frame["resource"].astype("category")
    path = tmp_path / "log.parquet"
    frame.to_parquet(path)
    monkeypatch.setattr(reading, "PARQUET_BATCH_ROWS", 3)  # seven batches, one dictionary each
    pd.testing.assert_frame_equal(reading._read_parquet(path, None), pd.read_parquet(path))
    assert len(read_event_log(path).events) == 20


def test_many_categories_do_not_shrink_the_batches(tmp_path, monkeypatch):
    # 4,000 categories of ~25 bytes (~100 KB) in an 8-row sample, counted per row, made
    # batches of 4 rows: 1,000 of them, each with the dictionary (120 s, 14 GB at 1,000,000 rows)
    rows = 4_000
    frame = _log(rows)
    frame["resource"] = pd.Categorical([f"resource-{i:05d}-of-the-team" for i in range(rows)])
    path = tmp_path / "wide_dictionary.parquet"
    frame.to_parquet(path)
    monkeypatch.setattr(reading, "PARQUET_BATCH_BYTES", 64 << 10)
    checked = []
    check = reading._refuse_long_parquet_values
    monkeypatch.setattr(
        reading,
        "_refuse_long_parquet_values",
        lambda piece, path, *, first_row: (
            checked.append(piece.num_rows) or check(piece, path, first_row=first_row)
        ),
    )
    pd.testing.assert_frame_equal(reading._read_parquet(path, None), pd.read_parquet(path))
    assert sum(checked[1:]) == rows
    assert len(checked) - 1 <= 20, f"{len(checked) - 1} batches"
