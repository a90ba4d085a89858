"""``split_by_time`` takes an event table given as a DataFrame, as ``calibrate_model`` does
(QA, library use: it was an AttributeError, ``'DataFrame' object has no attribute 'events'``)."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.errors import ConfigError, EventLogError
from sim.eventlog import split_by_time


def table(times: list[str]) -> pd.DataFrame:
    """Two events per case, cases numbered in the opposite order of their starts."""
    rows = []
    for k, t in enumerate(times):
        start = pd.Timestamp(t)
        case = f"c{len(times) - k}"
        rows.append((case, "a", start, start + pd.Timedelta(minutes=10)))
        rows.append((case, "b", start + pd.Timedelta(hours=1), start + pd.Timedelta(hours=2)))
    return pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time"])


DAYS = [f"2024-01-{d:02d} 09:00" for d in range(1, 11)]


def test_a_dataframe_is_split_by_case_start_into_two_dataframes():
    events = table(DAYS)
    train, test = split_by_time(events, train_fraction=0.8)
    assert isinstance(train, pd.DataFrame) and isinstance(test, pd.DataFrame)
    assert len(train) + len(test) == len(events)
    assert train["case_id"].nunique() == 8 and test["case_id"].nunique() == 2
    assert train["start_time"].max() < test["start_time"].min()
    assert set(test["case_id"]) == {"c2", "c1"}  # the last to start, whatever their ids say
    assert list(train.columns) == list(events.columns)


def test_timestamps_given_as_text_are_ordered_as_times_not_as_text():
    """'2024-01-10' sorts before '2024-01-9' as text; as times it is the later one."""
    events = table(DAYS).astype({"start_time": str, "end_time": str})
    events["start_time"] = events["start_time"].str.replace("2024-01-0", "2024-01-")
    events["end_time"] = events["end_time"].str.replace("2024-01-0", "2024-01-")
    _, test = split_by_time(events, train_fraction=0.9)
    assert set(test["case_id"]) == {"c1"}


def test_a_table_without_the_needed_columns_or_with_bad_times_is_refused_naming_them():
    with pytest.raises(EventLogError, match=r"missing required column\(s\) \['end_time'\]"):
        split_by_time(pd.DataFrame({"case_id": ["a", "b"], "activity": ["x", "y"]}))
    bad = table(DAYS).astype({"end_time": str})
    bad.loc[3, "end_time"] = "soon"
    with pytest.raises(EventLogError, match="column 'end_time' has values that are not timestamps"):
        split_by_time(bad)


def test_other_arguments_are_refused_naming_them():
    with pytest.raises(EventLogError, match="expected an EventLog .* or a DataFrame, got list"):
        split_by_time([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="train_fraction='0.8' must be strictly between"):
        split_by_time(table(DAYS), train_fraction="0.8")  # type: ignore[arg-type]
