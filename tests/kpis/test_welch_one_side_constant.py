"""Welch's interval when one side is the same in every replication (QA hydra25 F2).

A run of 2 replications that both measured 18 cases, against one whose cases varied, made
scipy warn "Precision loss occurred in moment calculation" on the console. The interval is
still defined: the constant side adds no variance, so it is the varying side's one-sample
t-interval (df = n - 1) moved by the constant.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

from sim.kpis import unpaired_comparison


def _compare(base: list[float], alt: list[float]) -> pd.Series:
    """The Welch row of KPI 'x', with every warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows = unpaired_comparison(pd.DataFrame({"x": base}), pd.DataFrame({"x": alt}), ["x"])
    return rows.loc["x"]


@pytest.mark.parametrize(
    ("constant", "varying"),
    [([18.0, 18.0], [15.0, 19.0, 21.0]), ([0.1, 0.1, 0.1], [0.3, 0.2, 0.25, 0.4])],
)
def test_constant_baseline_uses_the_other_sides_variance(constant, varying):
    row = _compare(constant, varying)
    v = np.array(varying)
    n, mean, sd = v.size, v.mean(), v.std(ddof=1)
    half = st.t.ppf(0.975, n - 1) * sd / math.sqrt(n)  # by hand: df = n - 1, se = sd/sqrt(n)
    diff = mean - constant[0]
    assert row["diff"] == pytest.approx(diff)
    assert row["ci_low"] == pytest.approx(diff - half)
    assert row["ci_high"] == pytest.approx(diff + half)


def test_constant_scenario_is_the_mirror_image():
    row = _compare([15.0, 19.0, 21.0], [18.0, 18.0])
    mirror = _compare([18.0, 18.0], [15.0, 19.0, 21.0])
    assert row["diff"] == pytest.approx(-mirror["diff"])
    assert row["ci_low"] == pytest.approx(-mirror["ci_high"])
    assert row["ci_high"] == pytest.approx(-mirror["ci_low"])


def test_both_constant_at_rounding_noise_values_is_zero_width():
    # numpy's std of three 0.1s is 1e-17, not 0: the sides are still exactly constant
    row = _compare([0.1, 0.1, 0.1], [0.3, 0.3])
    assert row["ci_low"] == row["ci_high"] == pytest.approx(0.2)
    assert bool(row["significant"])
