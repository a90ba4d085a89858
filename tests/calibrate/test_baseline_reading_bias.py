"""The naive-baseline reading compares the size of the mean cycle-time error (the bias), not the
average size of each replication's error, and still reads replications that do not vary."""

from __future__ import annotations

import warnings

import numpy as np

from sim.calibrate.backtest_reading import baseline_reading


def _figure(values) -> dict:
    values = [float(v) for v in values]
    return {"mean": float(np.mean(values)), "per_replication": values}


def _result(model_err, base_err, model_w=None, base_w=None) -> dict:
    model = {"cycle_time_mean_relerr": _figure(model_err)}
    base = {"cycle_time_mean_relerr": _figure(base_err)}
    if model_w is not None:
        model["cycle_time_wasserstein_h"] = _figure(model_w)
        base["cycle_time_wasserstein_h"] = _figure(base_w)
    return {"model": model, "baseline": base}


def test_a_noisy_but_unbiased_model_is_not_said_to_be_beaten_by_a_biased_baseline():
    # the review's case: the model +0.9 % on average with a wide run-to-run spread, the
    # baseline +7.9 %; each model replication's |error| is larger, its mean error is not
    rng = np.random.default_rng(1)
    model, base = rng.normal(0.0, 0.25, 20), rng.normal(0.08, 0.03, 20)
    assert abs(model.mean()) < abs(base.mean())
    assert baseline_reading(_result(model, base)) == ""


def test_the_baseline_is_never_said_closer_when_the_models_mean_error_is_smaller():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n_m, n_b = rng.integers(2, 12, size=2)
        model = rng.normal(rng.normal(0, 0.1), rng.uniform(0.001, 0.3), n_m)
        base = rng.normal(rng.normal(0, 0.1), rng.uniform(0.001, 0.3), n_b)
        if abs(model.mean()) <= abs(base.mean()):
            assert baseline_reading(_result(model, base)) == "", (model, base)


def test_two_unbiased_sources_rarely_yield_a_claim():
    # both means 0: whatever the spreads, "the baseline comes closer" is false; the old
    # per-replication |e| comparison claimed it in every draw with a noisy model
    rng = np.random.default_rng(3)
    claims = sum(
        bool(baseline_reading(_result(rng.normal(0, 0.25, 20), rng.normal(0, 0.03, 20))))
        for _ in range(400)
    )
    assert claims / 400 <= 0.07


def test_a_clear_bias_beyond_the_baselines_is_still_named_on_either_side():
    text = baseline_reading(_result([-0.20, -0.22, -0.19, -0.21, -0.2], [0.05, 0.06, 0.04, 0.05]))
    assert "(the baseline +5.0 % from the held-out history, the model -20.4 %)" in text
    assert "Welch's t-test over replications, p < 0.001" in text


def test_replications_without_spread_are_compared_directly():
    text = baseline_reading(_result([0.3] * 10, [0.01] * 10))
    assert "(the baseline +1.0 % from the held-out history, the model +30.0 %)" in text
    assert "p 0, every replication alike" in text
    assert baseline_reading(_result([0.01] * 10, [0.3] * 10)) == ""
    assert baseline_reading(_result([-0.3] * 10, [0.3] * 10)) == ""  # as large: not closer
    text = baseline_reading(_result([0.0] * 5, [0.0] * 5, [20.0] * 5, [1.0] * 5))
    assert "Wasserstein distance: the baseline 1.0 h, the model 20.0 h" in text
    assert "mean cycle time (" not in text


def test_near_constant_replications_give_a_reading_without_warnings():
    model = [0.3, 0.3 + 1e-16] * 5
    base = [0.01, 0.01 + 1e-18] * 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scipy's "catastrophic cancellation" RuntimeWarning
        text = baseline_reading(_result(model, base, [20.0, 20.0 + 1e-14] * 5, [1.0] * 10))
    assert "mean cycle time (the baseline +1.0 %" in text
    assert "Welch's t-tests over replications, p < 0.001; < 0.001" in text
