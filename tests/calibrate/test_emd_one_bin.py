"""Simod's EMDs (``log-distance-measures``) are 0 whatever two logs are where their bins hold
every value of both in one bin: the back-test records null and a note then, not a 0 that reads
as a perfect model (QA calib25 F4: the pharmacy's held-out cycle times all under an hour, the
model's cycle-time EMD 0 in every replication, printed "0" beside the baseline's 0.276)."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.backtest import (
    EMD_BIN_HOURS,
    ONE_BIN_NOTES,
    BacktestResult,
    _distances,
    _verdict,
    one_bin_distances,
    summarise_distances,
)
from sim.cli.calibrate import backtest_lines
from sim.eventlog import read_event_log
from sim.model import columns as C

pytest.importorskip("log_distance_measures")  # the optional [backtest] extra computes them

from log_distance_measures import absolute_event_distribution as absolute  # noqa: E402
from log_distance_measures import circadian_event_distribution as circadian  # noqa: E402
from log_distance_measures.case_arrival_distribution import _get_arrival_events  # noqa: E402
from log_distance_measures.config import EventLogIDs, discretize_to_hour  # noqa: E402
from log_distance_measures.cycle_time_distribution import (  # noqa: E402
    cycle_time_distribution_distance,
)
from log_distance_measures.relative_event_distribution import (  # noqa: E402
    _relativize_and_discretize,
)

IDS = EventLogIDs(
    case=C.CASE, activity=C.ACTIVITY, start_time=C.START, end_time=C.END, resource=C.RESOURCE
)
T0 = pd.Timestamp("2024-01-08 09:20")
HOUR = pd.Timedelta(hours=1)


def _log(rng: np.random.Generator, prefix: str, start_h: float, length_h: float) -> pd.DataFrame:
    """1-4 cases of 1-3 back-to-back events, starting within ``start_h`` of ``T0`` and each
    event lasting up to ``length_h``."""
    rows = []
    for i in range(rng.integers(1, 5)):
        t = T0 + pd.Timedelta(hours=rng.uniform(0, start_h))
        for _ in range(rng.integers(1, 4)):
            end = t + pd.Timedelta(hours=rng.uniform(0, length_h))
            rows.append((f"{prefix}{i}", "a", t, end, "r"))
            t = end
    return pd.DataFrame(rows, columns=[C.CASE, C.ACTIVITY, C.START, C.END, C.RESOURCE])


def _library_bins(a: pd.DataFrame, b: pd.DataFrame) -> dict[str, set]:
    """Per EMD, the bins ``log-distance-measures`` puts both logs' values in (its own code, or
    its formula where the package keeps it inline)."""
    spans = [
        events[C.END].max() - events[C.START].min()
        for df in (a, b)
        for _, events in df.groupby(C.CASE)
    ]
    first = min(_get_arrival_events(df, IDS)[C.START].min() for df in (a, b)).floor(freq="h")
    arrivals = pd.concat([_get_arrival_events(df, IDS)[C.START] for df in (a, b)])
    abs_a, abs_b = absolute._discretize(a, IDS, b, IDS)
    circ = pd.concat([circadian._discretize(df, IDS) for df in (a, b)])
    return {
        "cycle_time_emd": {
            math.floor((s - min(spans)) / dt.timedelta(hours=EMD_BIN_HOURS)) for s in spans
        },
        "relative_emd": set(
            _relativize_and_discretize(a, IDS) + _relativize_and_discretize(b, IDS)
        ),
        "absolute_emd": set(abs_a + abs_b),
        "arrival_emd": {discretize_to_hour((t - first).total_seconds()) for t in arrivals},
        "circadian_emd": set(zip(circ["weekday"], circ["hour"], strict=True)),
    }


def test_one_bin_is_exactly_where_the_package_bins_every_value_alike():
    rng = np.random.default_rng(7)
    seen: dict[str, set[bool]] = {k: set() for k in ONE_BIN_NOTES}
    for trial in range(40):
        start_h, length_h = [(0.3, 0.2), (0.5, 0.5), (3.0, 0.3), (40.0, 2.0)][trial % 4]
        a, b = _log(rng, "h", start_h, length_h), _log(rng, "s", start_h, length_h)
        flagged = set(one_bin_distances(a, b, a, b))
        for key, bins in _library_bins(a, b).items():
            assert (key in flagged) == (len(bins) == 1), (trial, key, bins)
            seen[key].add(len(bins) == 1)
    assert all(both == {True, False} for both in seen.values())  # each way, for each EMD


def test_cycle_times_a_whole_bin_apart_are_measured():
    # 0 h and exactly 1 h: bins 0 and 1, an EMD of 0.5, not one bin
    a = pd.DataFrame({C.CASE: ["h"], C.ACTIVITY: "a", C.START: T0, C.END: T0, C.RESOURCE: "r"})
    b = pd.concat([a.assign(**{C.CASE: "s"}), a.assign(**{C.CASE: "t", C.END: T0 + 1 * HOUR})])
    assert "cycle_time_emd" not in one_bin_distances(a, b, a, b)
    assert _distances(a, b)["cycle_time_emd"] == pytest.approx(0.5)
    assert "cycle_time_emd_note" not in _distances(a, b)


@pytest.fixture(scope="module")
def pharmacy(shared_data) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The pharmacy's last 200 cases (every one under an hour), 200 earlier cases under an hour
    and the 200 longest earlier cases (some of them hours long)."""
    events = read_event_log(shared_data / "synth_pharmacy" / "Pharmacy.csv.gz").events
    df = events[[C.CASE, C.ACTIVITY, C.START, C.END, C.RESOURCE]].astype({C.CASE: str})
    by_case = df.groupby(C.CASE)
    order = by_case[C.START].min().sort_values().index
    span = by_case[C.END].max() - by_case[C.START].min()
    hist, earlier = order[-200:], order[:-200]
    short = [c for c in earlier if span[c] < HOUR][:200]
    mixed = list(span[earlier].sort_values().index[-200:])
    assert span[hist].max() < HOUR and span[mixed].max() > 2 * HOUR
    return tuple(df[df[C.CASE].isin(set(cases))] for cases in (hist, short, mixed))


def test_the_pharmacys_cycle_time_emd_under_an_hour_is_null_with_its_reason(pharmacy):
    hist, short, mixed = pharmacy
    bins = dt.timedelta(hours=EMD_BIN_HOURS)
    # the package's own figure: 0, whatever the two logs' cycle times under an hour are
    assert cycle_time_distribution_distance(hist, IDS, short, IDS, bin_size=bins) == 0
    d = _distances(hist, short)
    assert math.isnan(d["cycle_time_emd"]) and math.isnan(d["relative_emd"])
    assert d["cycle_time_emd_note"] == "all cycle times fall in one 1-hour bin"
    assert "relative_emd_note" in d
    # the events spread over days and weekdays: those distances are measured
    assert all(d[k] > 0 for k in ("ngram_3", "absolute_emd", "circadian_emd", "arrival_emd"))
    # a log with cases over an hour is measured against the same history
    other = _distances(hist, mixed)
    assert other["cycle_time_emd"] > 0 and "cycle_time_emd_note" not in other


def test_null_in_backtest_json_and_n_a_on_the_console():
    note = ONE_BIN_NOTES["cycle_time_emd"]
    flat = {"cycle_time_emd": math.nan, "cycle_time_emd_note": note}
    model = summarise_distances([flat, dict(flat), dict(flat)])
    base = summarise_distances([{"cycle_time_emd": 0.12}, {"cycle_time_emd": 0.48}])
    metrics = {
        "settings": {"replications": 3},
        "test": {"kpis": {"cycle_time_p90": 5.0}},  # hours: the bins are not coarse for it
        "model": {"distances": model},
        "baseline": {"distances": base},
    }
    metrics["verdict"] = _verdict(metrics)
    saved = json.loads(json.dumps(BacktestResult(metrics=metrics).to_dict()))
    emd = saved["model"]["distances"]["cycle_time_emd"]
    assert emd["mean"] is None and emd["per_replication"] == [None, None, None]
    assert saved["model"]["distances"]["cycle_time_emd_note"] == note
    assert saved["verdict"]["cycle_time_emd_below_baseline"] is None  # not "no"
    lines = backtest_lines(saved)
    row = next(line for line in lines if line.startswith("cycle-time EMD (Simod)"))
    assert row.split()[-2:] == ["n/a", "0.3"]
    assert f"cycle-time EMD n/a for the model: {note}, where it is 0 whatever the logs are" in lines


def test_a_note_of_some_replications_names_them():
    note = ONE_BIN_NOTES["cycle_time_emd"]
    rows = [
        {"cycle_time_emd": math.nan, "cycle_time_emd_note": note},
        {"cycle_time_emd": 0.5},
        {"cycle_time_emd": math.nan, "cycle_time_emd_note": note},
    ]
    out = summarise_distances(rows)
    assert out["cycle_time_emd"]["mean"] == 0.5
    assert out["cycle_time_emd_note"] == f"{note} (replications 1, 3)"
    assert summarise_distances(rows[:2])["cycle_time_emd_note"] == f"{note} (replication 1)"
