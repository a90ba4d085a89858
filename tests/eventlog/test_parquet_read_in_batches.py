"""A parquet log is read batch by batch and a huge value is refused before the rest is read
(QA scale #1: a 133 KB file of 1,000 rows holding 4 MB of text each took 8.5 GB read whole,
where a CSV or XES value over 1 MB is refused at once)."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.errors import EventLogError
from sim.eventlog import read as reading
from sim.eventlog import read_event_log


def _log(rows: int = 20) -> pd.DataFrame:
    t = pd.Timestamp("2026-01-05 09:00")
    return pd.DataFrame(
        {
            "case_id": [f"c{i // 2}" for i in range(rows)],
            "activity": ["a", "b"] * (rows // 2),
            "start_time": [t + pd.Timedelta(hours=i) for i in range(rows)],
            "end_time": [t + pd.Timedelta(hours=i, minutes=30) for i in range(rows)],
            "resource": ["r1", None] * (rows // 2),
            "amount": [float(i) if i % 3 else None for i in range(rows)],
        }
    )


def test_a_huge_value_is_refused_naming_its_column_and_row(tmp_path):
    frame = _log().assign(note="x")
    frame.loc[12, "note"] = "y" * (2 << 20)
    path = tmp_path / "bomb.parquet"
    frame.to_parquet(path, compression="zstd")
    with pytest.raises(EventLogError, match=r"column 'note', row 13: a value of 2,097,152 bytes"):
        read_event_log(path)


def test_reading_in_batches_gives_the_table_pandas_reads_whole(tmp_path, monkeypatch):
    path = tmp_path / "log.parquet"
    _log().to_parquet(path)
    monkeypatch.setattr(reading, "PARQUET_BATCH_ROWS", 3)  # seven batches
    pd.testing.assert_frame_equal(reading._read_parquet(path, None), pd.read_parquet(path))
    assert len(read_event_log(path).events) == 20
