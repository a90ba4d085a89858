"""The back-test names a naive baseline that comes closer to the held-out history than the model."""

from __future__ import annotations

from sim.calibrate.backtest import _verdict
from sim.calibrate.backtest_reading import baseline_reading


def _figure(values: list[float]) -> dict:
    mean = sum(values) / len(values)
    return {"mean": mean, "ci_low": min(values), "ci_high": max(values), "per_replication": values}


def _result(model_err, base_err, model_w, base_w) -> dict:
    return {
        "model": {
            "cycle_time_mean_relerr": _figure(model_err),
            "cycle_time_wasserstein_h": _figure(model_w),
        },
        "baseline": {
            "cycle_time_mean_relerr": _figure(base_err),
            "cycle_time_wasserstein_h": _figure(base_w),
        },
    }


def test_a_baseline_closer_on_the_mean_beyond_noise_is_named_with_both_errors():
    result = _result(
        [0.13, 0.15, 0.12, 0.14],
        [0.08, 0.09, 0.10, 0.085],
        [5.0, 5.2, 4.9, 5.1],
        [5.0, 5.3, 4.8, 5.1],
    )
    text = baseline_reading(result)
    assert "comes closer to the held-out history than the model on mean cycle time" in text
    assert "(the baseline +8.9 % from the held-out history, the model +13.5 %)" in text
    assert "Wasserstein" not in text  # no clear difference there
    assert "predicts that better than the model does" in text
    assert text in _verdict(result)["reading"]


def test_the_size_of_an_error_counts_not_its_sign():
    # the baseline 9 % short, the model 4 % long: the model is closer
    result = _result(
        [0.04, 0.05, 0.03, 0.04], [-0.09, -0.08, -0.10, -0.09], [5, 5.1, 5.2, 5], [9, 9.5, 9.2, 9.1]
    )
    assert baseline_reading(result) == ""
    # mirrored: the baseline 4 % short, the model 9 % long
    result = _result(
        [0.09, 0.08, 0.10, 0.09], [-0.04, -0.05, -0.03, -0.04], [5, 5.1, 5.2, 5], [5, 5.1, 5.2, 5]
    )
    assert (
        "mean cycle time (the baseline -4.0 % from the held-out history, the model +9.0 %)"
        in baseline_reading(result)
    )


def test_a_closer_distribution_is_named_and_noise_is_not():
    result = _result(
        [0.05, 0.06, 0.04, 0.05],
        [0.05, 0.04, 0.06, 0.05],
        [20.0, 21.0, 19.5, 20.5],
        [12.0, 12.5, 11.8, 12.2],
    )
    text = baseline_reading(result)
    assert (
        "the cycle-time distribution (Wasserstein distance: the baseline 12.1 h, the model 20.2 h)"
        in text
    )
    assert "mean cycle time (" not in text
    # overlapping replications: no claim either way
    noisy = _result(
        [0.13, 0.02, 0.20, 0.01], [0.08, 0.15, 0.01, 0.12], [20, 5, 30, 8], [12, 25, 6, 18]
    )
    assert baseline_reading(noisy) == ""


def test_one_replication_or_no_baseline_says_nothing():
    assert baseline_reading(_result([0.2], [0.01], [20.0], [1.0])) == ""
    assert (
        baseline_reading({"model": _result([0.2, 0.3], [0.0, 0.01], [2, 3], [1, 1])["model"]}) == ""
    )
