"""The back-test's rate of finished cases has a name of its own, and its console shows shares in %
and says why simulate's figures differ (QA consist16 #1, #4, #5)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.calibrate.backtest import _compare, _measure
from sim.cli.calibrate import backtest_lines, next_steps

ORIGIN = pd.Timestamp("2024-01-01")


def _log(n: int = 30, lost: int = 10) -> pd.DataFrame:
    """``n`` cases of one 1 h step each, started evenly over 6 h; the first ``lost`` end in the
    drop-off outcome ``lost``, the others ``won``."""
    rows = []
    for i in range(n):
        start = ORIGIN + pd.Timedelta(minutes=360 / n * i)
        outcome = "lost" if i < lost else "won"
        rows.append((f"c{i}", "a", start, start + pd.Timedelta(hours=1), "r", outcome))
    columns = ["case_id", "activity", "start_time", "end_time", "resource", "outcome"]
    return pd.DataFrame(rows, columns=columns)


def test_the_backtest_rate_counts_finished_cases_under_its_own_name():
    """QA consist16 #1: backtest.json's throughput_per_week (383.75) was the cases that
    finished either way, equal to its arrivals_per_week though a quarter dropped off, where
    simulate's KPI of that name counts successful completions only."""
    measured = _measure(_log(), set(), origin=ORIGIN, window=(0.0, 6.0), dropoff=["lost"])
    kpis = measured["kpis"]
    assert kpis["cases_completed"] == 20 and kpis["cases_dropped"] == 10
    # completed and dropped alike, over the period's length
    assert kpis["cases_finished_per_week"] == pytest.approx(30 / (6 / 168))
    assert kpis["cases_finished_per_day"] == pytest.approx(30 / (6 / 24))
    # no figure named as simulate's successful completions, which a held-out log cannot give
    assert "throughput_per_week" not in kpis and "throughput_per_day" not in kpis


def test_the_models_rate_and_its_error_are_the_cases_finished_too():
    real = _measure(_log(), set(), origin=ORIGIN, window=(0.0, 6.0), dropoff=["lost"])
    sim = _measure(_log(36, 6), set(), origin=ORIGIN, window=(0.0, 6.0), dropoff=["lost"])
    out = _compare(sim, real)
    assert out["cases_finished_per_week"] == pytest.approx(36 / (6 / 168))
    assert out["cases_finished_per_week_relerr"] == pytest.approx(36 / 30 - 1)
    assert not any(k.startswith("throughput_per_") for k in out)


def test_the_console_shows_the_drop_off_rates_in_percent():
    """QA consist16 #4: 'drop-off rate 0.257 0.244 0.252' beside the report's 25.7 %."""
    b = {
        "test": {
            "kpis": {
                "cycle_time_mean": 10.0,
                "dropoff_rate": 0.257,
                "segment:vip:dropoff_rate": 0.1,
                "segment:std:dropoff_rate": 0.3,
            }
        },
        "model": {
            "dropoff_rate": {"mean": 0.244},
            "segment:vip:dropoff_rate": {"mean": 0.125},
        },
        "baseline": {"dropoff_rate": {"mean": 0.252}},
    }
    lines = backtest_lines(b)
    row = next(x for x in lines if x.startswith("drop-off rate"))
    assert row.split()[2:] == ["25.7", "%", "24.4", "%", "25.2", "%"]
    vip = next(x for x in lines if x.strip().startswith("vip: drop-off rate"))
    assert "10.0 %" in vip and "12.5 %" in vip and vip.rstrip().endswith("-")  # no baseline
    assert not any("0.257" in x for x in lines)


@pytest.mark.parametrize("staffed", [True, False])
def test_the_next_hint_says_simulate_measures_otherwise_after_a_back_test(staffed):
    """QA consist16 #5: simulate's cycle time (205.7 h) is not the back-test's (155.6 h held
    out): the hint printed after the back-test says why."""
    model = Path("/runs/cal/model.yaml")
    after = next_steps(model, staffed=staffed, backtested=True)
    assert "python -m sim simulate process=/runs/cal/model.yaml" in after
    said = " ".join(after.split())
    assert "steady state after a warm-up from an empty start" in said
    assert "every case run to its end" in said and "not the back-test's" in said
    assert "back-test" not in next_steps(model, staffed=staffed)  # no back-test, no clause
