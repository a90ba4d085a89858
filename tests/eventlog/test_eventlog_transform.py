"""split_by_time, to_relative_hours and write_event_log round trips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.eventlog import (
    clean_event_table,
    read_event_log,
    split_by_time,
    to_relative_hours,
    write_event_log,
)
from sim.model import columns as C

T = pd.Timestamp


def make_log(n_cases: int = 10):
    recs = []
    for i in range(n_cases):
        t0 = T("2021-03-01 08:00") + pd.Timedelta(hours=3 * i)
        res = None if i % 4 == 0 else f"r{i % 3}"
        recs.append((f"k{i:02d}", "register", t0, t0 + pd.Timedelta(minutes=10), res, i * 1.5))
        recs.append(
            (
                f"k{i:02d}",
                "decide",
                t0 + pd.Timedelta(hours=5),
                t0 + pd.Timedelta(hours=6),
                "r9",
                i * 1.5,
            )
        )
    df = pd.DataFrame(recs, columns=[C.CASE, C.ACTIVITY, C.START, C.END, C.RESOURCE, "amount"])
    return clean_event_table(df, source="made")


def test_split_by_time_takes_first_cases_by_start_and_never_cuts_cases() -> None:
    log = make_log(10)
    # case k09 starts first in time although its id sorts last
    ev = log.events.copy()
    ev.loc[ev[C.CASE] == "k09", [C.START, C.END]] -= pd.Timedelta(days=30)
    log = clean_event_table(ev, source="made")
    train, test = split_by_time(log, train_fraction=0.8)
    assert sorted(train.events[C.CASE].unique()) == [
        "k00",
        "k01",
        "k02",
        "k03",
        "k04",
        "k05",
        "k06",
        "k09",
    ]
    assert sorted(test.events[C.CASE].unique()) == ["k07", "k08"]
    assert len(train.events) + len(test.events) == len(log.events)
    assert train.events.groupby(C.CASE).size().eq(2).all()
    first_test = test.events[C.START].min()
    case_starts = train.events.groupby(C.CASE)[C.START].min()
    assert (case_starts <= first_test).all()
    assert "training part, 8 of 10 cases" in train.report.notes[-1]
    assert train.source == log.source


@pytest.mark.parametrize("fraction,expected", [(0.01, 1), (0.5, 5), (0.99, 9)])
def test_split_keeps_both_parts_non_empty(fraction: float, expected: int) -> None:
    train, test = split_by_time(make_log(10), train_fraction=fraction)
    assert train.n_cases == expected and test.n_cases == 10 - expected


def test_to_relative_hours() -> None:
    ev = make_log(3).events
    rel = to_relative_hours(ev)
    assert rel[C.START].iloc[0] == 0.0
    assert rel[C.END].tolist()[:2] == pytest.approx([10 / 60, 6.0])
    assert rel[C.START].dtype == np.float64 and rel[C.CASE].equals(ev[C.CASE])
    shifted = to_relative_hours(ev, origin="2021-03-01T09:00:00+01:00")  # = 08:00 UTC
    assert shifted[C.START].tolist() == rel[C.START].tolist()
    later = to_relative_hours(ev, origin=T("2021-03-01 10:00"))
    assert later[C.START].iloc[0] == -2.0
    # missing times stay missing
    ev2 = ev.assign(**{C.START: ev[C.START].where(ev.index != 1)})
    assert np.isnan(to_relative_hours(ev2)[C.START].iloc[1])


@pytest.mark.parametrize("name", ["out.csv", "out.csv.gz", "out.parquet"])
def test_write_then_read_round_trip(tmp_path: Path, name: str) -> None:
    log = make_log(6)
    path = write_event_log(log.events, tmp_path / "sub" / name)
    back = read_event_log(path)
    a, b = log.events, back.events
    assert list(b.columns) == list(a.columns)
    for col in (C.CASE, C.ACTIVITY, C.START, C.END, "case_open"):
        assert b[col].tolist() == a[col].tolist(), col
    assert b[C.RESOURCE].isna().tolist() == a[C.RESOURCE].isna().tolist()
    assert b["amount"].tolist() == pytest.approx(a["amount"].tolist())
    assert back.report.removed() == 0
