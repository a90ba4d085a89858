"""A back-test of one replication has no 95 % interval of the mean cycle-time error (every
``ci_low``/``ci_high`` null), and its reading says so rather than speak of intervals that
"cross that line" (QA calib25 F3: ``backtest.replications=1`` read "the training period's 95 %
interval and the held-out period's 95 % interval cross that line")."""

from __future__ import annotations

from typing import Any

from sim.calibrate.backtest import _verdict
from sim.calibrate.backtest_reading import fit_reading


def _one(mean: float) -> dict[str, Any]:
    """A ``backtest.json`` error of one replication: no interval."""
    return {
        "cycle_time_mean_relerr": {
            "mean": mean,
            "ci_low": None,
            "ci_high": None,
            "per_replication": [mean],
        },
        "cycle_time_mean_prediction95": [None, None],
    }


def _result(held: dict[str, Any], ins: dict[str, Any], noise: float) -> dict[str, Any]:
    return {
        "model": held,
        "in_sample": {"model": ins, "history_cycle_time_mean": 1.6},
        "test": {"kpis": {"cycle_time_mean": 1.6}, "cycle_time_mean_noise95": noise},
    }


def test_one_replication_with_a_noisy_history_names_no_interval():
    # the QA run's figures: -5.9 % on the training period, +13.4 % held out, noise +-16.7 %
    text = fit_reading(_result(_one(0.134), _one(-0.059), noise=0.167))
    assert "interval cross" not in text and "95 % interval" not in text
    assert "(mean cycle time -5.9 % on the training period, +13.4 % on the held-out one; " in text
    assert "one replication gives no interval; raise backtest.replications)" in text
    # the history's own noise is still why more replications alone cannot settle it
    assert "more replications alone cannot settle it" in text
    assert "uncertain by ±16.7 %, more than 5 %; a longer held-out period can." in text


def test_one_replication_with_a_precise_history_asks_for_replications():
    text = fit_reading(_result(_one(0.01), _one(0.02), noise=0.02))
    assert text == (
        "Too few replications to tell whether the model is within 5 % (mean cycle time +2.0 % "
        "on the training period, +1.0 % on the held-out one; one replication gives no "
        "interval): raise backtest.replications."
    )
    # the verdict carries the same sentence into backtest.json
    assert _verdict(_result(_one(0.01), _one(0.02), noise=0.02))["reading"] == text


def test_a_period_without_an_interval_beside_one_that_crosses_the_line():
    # the training period's interval crosses 5 %; the held-out figure has one finite replication
    crossing = {"cycle_time_mean_relerr": {"mean": 0.046, "ci_low": 0.0417, "ci_high": 0.0503}}
    text = fit_reading(_result(_one(0.03), crossing, noise=0.02))
    assert (
        "the training period's 95 % interval [+4.17, +5.03] % crosses that line; the held-out "
        "period's one replication gives no interval): raise backtest.replications." in text
    )
