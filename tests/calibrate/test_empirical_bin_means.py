"""The empirical fallback keeps the sample's mean and shape (QA calib25).

It used to keep 250 middle quantiles, which drop a heavy tail (BPIC 2013's interarrival gaps:
13 gaps above the 99.8th percentile hold 64 % of the time, a mean of 1.5 h for 3.0 h); the
calibration's mean matching then scaled every value by 1.99, doubling the median gap. Now each
of the 250 values is the mean of an equal-probability group of the sorted sample.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model, fit_distribution
from sim.calibrate.fitting import group_means


def test_a_heavy_tailed_fallback_keeps_the_sample_mean_and_median():
    x = np.random.default_rng(25).lognormal(0.0, 2.5, 20000)
    res = fit_distribution(x, target="t", families=("exponential",))  # rejected: empirical
    assert res.family == "empirical"
    d = res.distribution
    assert len(d.values) == 250
    assert d.multiplier == 1.0
    assert d.mean() == pytest.approx(np.mean(x), rel=0.005)  # the middle quantiles: -15 %
    assert np.median(d.values) == pytest.approx(np.median(x), rel=0.03)
    prov = d.provenance
    assert "mean_matched" not in prov
    assert prov["sample_max"] == pytest.approx(np.max(x), rel=1e-6)
    assert "250 equal-probability groups of the 20000" in prov["empirical_values"]


@pytest.mark.parametrize("n", [251, 301, 20001])
def test_groups_of_unequal_sizes_still_keep_the_mean_exactly(n: int):
    """``n`` not a multiple of 250: a value on a group boundary is split between the two groups,
    so every group is the same share of the sample."""
    x = np.random.default_rng(n).pareto(1.2, n) + 1.0
    means = group_means(x, 250)
    assert means.size == 250
    assert np.mean(means) == pytest.approx(np.mean(x), rel=1e-12)
    assert np.all(np.diff(means) >= 0)
    assert means[0] >= np.min(x) and means[-1] <= np.max(x)


def test_a_sample_within_the_limit_is_kept_as_it_is():
    x = np.array([3.0, 1.0, 2.0])
    assert group_means(x, 250).tolist() == [1.0, 2.0, 3.0]
    assert group_means(np.arange(1.0, 6.0), 2).tolist() == [1.8, 4.2]  # 1 2 .5x3 | .5x3 4 5


def _heavy_tailed_log(n: int = 2000) -> tuple[pd.DataFrame, np.ndarray]:
    """Cases arriving every hour on average, each an A of lognormal duration (sigma 2.5) then
    a short B, each worker doing every 400th case (no queue); and the A durations."""
    rng = np.random.default_rng(4)
    arr = np.cumsum(rng.exponential(1.0, n))
    dur = rng.lognormal(-2.0, 2.5, n)
    rows = []
    for i in range(n):
        rows.append((f"c{i}", "A", arr[i], arr[i] + dur[i], f"r{i % 400}"))
        rows.append((f"c{i}", "B", arr[i] + dur[i], arr[i] + dur[i] + 0.1, f"r{i % 400}"))
    df = pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])
    for c in ("start_time", "end_time"):
        df[c] = pd.Timestamp("2024-01-01") + pd.to_timedelta(df[c], unit="h")
    return df, dur


def test_calibration_does_not_stretch_an_empirical_duration():
    log, dur = _heavy_tailed_log()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cal = calibrate_model(log, families=("exponential",), dropoff_outcomes=[], truncation="off")
    d = cal.model.steps["A"].duration
    assert d.name == "empirical"
    assert "mean_matched" not in d.provenance
    assert "mean-matched" not in d.provenance["note"]
    assert d.multiplier == 1.0
    assert d.mean() == pytest.approx(np.mean(dur), rel=0.005)
    assert np.median(d.values) == pytest.approx(np.median(dur), rel=0.03)
