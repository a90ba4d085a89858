"""Calibration rules a mutation audit found untested: the KS tolerance of ``fit_distribution``,
the shifted exponential's bias-corrected location, and enabled times after overlapping work."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

from sim.calibrate.fitting import ShiftedExponentialFitter, fit_distribution
from sim.calibrate.routing import discover_routing


def _quantile_sample(dist, n: int) -> np.ndarray:
    """``n`` evenly spaced quantiles of ``dist``: a sample without sampling noise."""
    return dist.ppf((np.arange(n) + 0.5) / n)


def test_a_significant_but_small_ks_distance_keeps_the_parametric_fit():
    """The best family falls back to the empirical distribution only when the KS test rejects
    it (p < alpha) *and* its KS distance exceeds ``ks_tolerance``."""
    x = _quantile_sample(st.gamma(1.15), 5000)  # an exponential fits it nearly, not exactly
    kept = fit_distribution(x, families=("exponential",))
    ks = kept.candidates[0]
    assert ks.ks_pvalue < 0.01 and 0.02 < ks.ks_statistic < 0.05  # rejected, but by little
    assert kept.family == "exponential"
    assert kept.distribution.params["mean"] == pytest.approx(1.15, rel=1e-3)
    strict = fit_distribution(x, families=("exponential",), ks_tolerance=0.02)
    assert strict.family == "empirical"
    assert "rejected (KS D=0.030 > 0.02" in strict.note


def test_a_large_ks_distance_falls_back_to_the_empirical_distribution():
    """An exponential fitted to a uniform sample is far off (KS D about 0.15): empirical."""
    x = _quantile_sample(st.uniform(0.0, 2.0), 2000)
    res = fit_distribution(x, families=("exponential",))
    assert res.candidates[0].ks_statistic > 0.05
    assert res.family == "empirical"
    assert "best family exponential rejected" in res.note


def test_shifted_exponential_location_is_bias_corrected():
    """loc = min - scale_hat / n with scale_hat = (mean - min) n / (n - 1), clipped at 0; the
    fitted scale is mean - loc. For 1, 2, 3: scale_hat = 1.5, loc = 1 - 0.5 = 0.5."""
    fitter = ShiftedExponentialFitter()
    assert fitter.fit_params(np.array([3.0, 1.0, 2.0])) == pytest.approx({"loc": 0.5, "scale": 1.5})
    # 0.1, 5, 10: scale_hat = (5.0333 - 0.1) * 3 / 2 = 7.4 > 3 * 0.1: loc clipped to 0
    assert fitter.fit_params(np.array([0.1, 5.0, 10.0])) == pytest.approx(
        {"loc": 0.0, "scale": 15.1 / 3}
    )


def test_after_overlapping_work_the_next_step_waits_for_the_longest_one():
    """Outside parallel blocks, an item is enabled when every earlier item of its case had
    ended: a short step that ends before a longer earlier one does not enable the next step
    sooner (a join of undetected parallelism)."""
    events = pd.DataFrame(
        {
            "case_id": ["x", "x", "x"],
            "activity": ["a", "b", "c"],
            "start": [0.0, 1.0, 12.0],
            "end": [10.0, 3.0, 13.0],  # b runs inside a and ends first
        }
    )
    r = discover_routing(events, pd.Series({"x": "done"}), groups={})
    assert r.enabled.tolist() == [0.0, 1.0, 10.0]  # c waits from a's end, 2 h
    assert r.predecessor.tolist() == [("start", ""), ("act", "a"), ("act", "b")]
