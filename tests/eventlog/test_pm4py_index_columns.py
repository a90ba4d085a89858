"""pm4py's ``format_dataframe`` adds ``@@index`` (a number per row) and ``@@case_index`` (a
number per case) to a table, and a CSV or parquet file saved from it keeps them. ``@@index``
made every row unique, so exact duplicate rows were never found and each copy was read as a
repetition of its activity (a rework loop in the model; QA xes17 #3). Those bookkeeping columns
are left out now, with a note naming them, like a row-number column written by ``to_csv()``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.eventlog import clean_event_table, read_event_log

N_CASES, COPIES = 30, 15


def _pm4py_table() -> pd.DataFrame:
    """30 cases of A then B, with every fourth row written twice (15 exact copies), and the
    columns pm4py's ``format_dataframe`` adds: ``@@index`` numbers the rows, ``@@case_index``
    the cases."""
    rows = []
    for i in range(N_CASES):
        day = pd.Timestamp("2024-04-01 09:00:07") + pd.Timedelta(days=i)
        for j, (activity, resource) in enumerate((("A", "r1"), ("B", "r2"))):
            start = day + pd.Timedelta(hours=2 * j, seconds=11 * i)
            rows.append(
                {
                    "case:concept:name": f"c{i}",
                    "concept:name": activity,
                    "org:resource": resource,
                    "start_timestamp": start,
                    "time:timestamp": start + pd.Timedelta(minutes=53, seconds=j + 1),
                }
            )
    table = pd.DataFrame(rows)
    table = pd.concat([table, table.iloc[::4]]).sort_values(
        ["case:concept:name", "time:timestamp"], kind="stable"
    )
    table = table.reset_index(drop=True)
    table["@@index"] = range(len(table))
    table["@@case_index"] = table.groupby("case:concept:name", sort=False).ngroup()
    return table


def _check(log) -> None:
    assert log.report.duplicates_removed == COPIES
    assert len(log.events) == 2 * N_CASES
    # no copy is left as a repetition: each case does A once and B once
    assert log.events.groupby(["case_id", "activity"]).size().eq(1).all()
    assert not [c for c in log.events.columns if str(c).startswith("@@")]
    note = next(n for n in log.report.notes if "pm4py" in n)
    assert "'@@index'" in note and "'@@case_index'" in note


@pytest.mark.parametrize("keep_attributes", [True, False])
def test_pm4py_index_columns_in_a_csv_do_not_hide_exact_duplicates(
    tmp_path: Path, keep_attributes: bool
) -> None:
    path = tmp_path / "pm4py.csv"
    _pm4py_table().to_csv(path, index=False)
    _check(read_event_log(path, keep_attributes=keep_attributes))


def test_pm4py_index_columns_beside_a_to_csv_index_are_both_left_out(tmp_path: Path) -> None:
    path = tmp_path / "pm4py_indexed.csv"
    _pm4py_table().to_csv(path)  # pandas' own index too, in a first column without a name
    log = read_event_log(path)
    _check(log)
    assert "Unnamed: 0" not in log.events.columns


@pytest.mark.parametrize("keep_attributes", [True, False])
def test_pm4py_index_columns_in_a_parquet_file_do_not_hide_exact_duplicates(
    tmp_path: Path, keep_attributes: bool
) -> None:
    path = tmp_path / "pm4py.parquet"
    _pm4py_table().to_parquet(path, index=False)
    _check(read_event_log(path, keep_attributes=keep_attributes))


def test_a_pm4py_formatted_table_cleaned_in_memory_loses_its_index_columns() -> None:
    table = _pm4py_table()
    _check(clean_event_table(table))
    assert "@@index" in table.columns  # the caller's table is left as it was


def test_a_pm4py_column_given_as_a_key_is_used(tmp_path: Path) -> None:
    path = tmp_path / "pm4py.csv"
    _pm4py_table().to_csv(path, index=False)
    log = read_event_log(path, case_id_key="@@case_index")
    assert log.events["case_id"].nunique() == N_CASES
    assert log.report.columns_used["case_id"] == "@@case_index"
    assert "@@index" not in log.events.columns
