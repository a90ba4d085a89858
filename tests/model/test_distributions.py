"""Distributions: friendly aliases convert exactly, ``mean``/``sample`` honour ``p_zero`` and
``multiplier``, specs round-trip; sample means agree with ``mean()`` inside 95 % t intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from hypothesis import given, settings
from hypothesis import strategies as hs

from sim.model import Distribution

PROPS = settings(max_examples=200, deadline=None)
means = hs.floats(0.01, 100.0)
cvs = hs.floats(0.05, 5.0)


def dist(**spec) -> Distribution:
    return Distribution.from_dict(spec)


# ------------------------------------------------------------------------------- aliases
@PROPS
@given(means, cvs)
def test_lognormal_mean_std_are_exact(mean, cv):
    d = dist(dist="lognormal", mean=mean, std=mean * cv)
    assert d.scipy.mean() == pytest.approx(mean, rel=1e-12)
    assert d.scipy.std() == pytest.approx(mean * cv, rel=1e-9)
    assert d.mean() == pytest.approx(mean, rel=1e-12)


@PROPS
@given(means, cvs)
def test_gamma_mean_std_are_exact(mean, cv):
    d = dist(dist="gamma", mean=mean, std=mean * cv)
    assert d.scipy.mean() == pytest.approx(mean, rel=1e-12)
    assert d.scipy.std() == pytest.approx(mean * cv, rel=1e-12)


@PROPS
@given(hs.floats(0, 50), hs.floats(0, 1), hs.floats(0.01, 50))
def test_triangular_min_mode_max(lo, where, width):
    hi = lo + width
    mode = lo + where * width
    d = dist(dist="triangular", min=lo, mode=mode, max=hi)
    s = d.scipy
    assert s.support() == pytest.approx((lo, hi), rel=1e-12, abs=1e-12)
    assert s.mean() == pytest.approx((lo + mode + hi) / 3, rel=1e-12)
    var = (lo**2 + mode**2 + hi**2 - lo * mode - lo * hi - mode * hi) / 18
    assert s.var() == pytest.approx(var, rel=1e-9, abs=1e-12)
    if 0 < where < 1:  # the density peaks at the mode
        assert s.pdf(mode) == pytest.approx(2 / width, rel=1e-9)


def test_other_aliases():
    assert dist(dist="exponential", mean=2.5).scipy.mean() == 2.5
    assert dist(dist="exponential", rate=4.0).scipy.mean() == 0.25
    u = dist(dist="uniform", min=1.0, max=3.0).scipy
    assert (u.mean(), u.var()) == pytest.approx((2.0, 4 / 12))
    n = dist(dist="normal", mean=5.0, std=0.5).scipy
    assert (n.mean(), n.std()) == (5.0, 0.5)
    # the scipy forms stay scipy's own parameters
    g = dist(dist="gamma", a=2.0, scale=0.5)
    assert g.scipy.mean() == 1.0 and g.params == {"a": 2.0, "scale": 0.5}
    assert dist(dist="uniform", loc=1.0, scale=2.0).scipy.mean() == 2.0
    assert dist(dist="weibull_min", c=1.0, scale=3.0).mean() == pytest.approx(3.0)
    assert Distribution.fixed(1.5).mean() == 1.5
    assert Distribution.exponential(2.0).scipy.mean() == 2.0
    assert Distribution.from_dict(0.75) == Distribution.fixed(0.75)


def test_exponential_needs_exactly_one_of_mean_or_rate():
    with pytest.raises(Exception, match="exactly one of 'mean' or 'rate'"):
        dist(dist="exponential", mean=1.0, rate=1.0)


# --------------------------------------------------------------------------------- means
def test_mean_honours_p_zero_multiplier_and_clipping():
    assert dist(dist="fixed", value=2.0, p_zero=0.25, multiplier=3.0).mean() == 4.5
    assert dist(dist="exponential", mean=2.0, multiplier=0.5).mean() == 1.0
    assert dist(dist="empirical", values=[1, 2, 6]).mean() == 3.0
    parts = [{"dist": "fixed", "value": 1.0}, {"dist": "exponential", "mean": 2.0}]
    assert dist(dist="sum", parts=parts, p_zero=0.5).mean() == 1.5
    # normal(mean 0.5, std 1) clipped at 0: E[max(X, 0)] = mu Phi(mu/s) + s phi(mu/s)
    mu, s = 0.5, 1.0
    exact = mu * st.norm.cdf(mu / s) + s * st.norm.pdf(mu / s)
    assert dist(dist="normal", mean=mu, std=s).mean() == pytest.approx(exact, rel=1e-7)


# ------------------------------------------------------------------------------- sampling
@pytest.mark.parametrize("p_zero", [0.1, 0.35, 0.8])
def test_sample_p_zero_share(p_zero):
    n = 20_000
    x = dist(dist="gamma", mean=2.0, std=1.0, p_zero=p_zero).sample(np.random.default_rng(1), n)
    zeros = int((x == 0).sum())
    lo, hi = st.binomtest(zeros, n).proportion_ci(0.95)
    assert lo <= p_zero <= hi
    assert (x >= 0).all()


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "lognormal", "mean": 2.0, "std": 3.0},
        {"dist": "triangular", "min": 0.5, "mode": 1.0, "max": 4.0},
        {"dist": "empirical", "values": [0.5, 1.0, 4.0]},
        {"dist": "fixed", "value": 1.5, "p_zero": 0.3},
    ],
)
def test_multiplier_scales_every_draw_exactly(spec):
    base = Distribution.from_dict(spec)
    scaled = Distribution.from_dict({**spec, "multiplier": 2.5})
    a = base.sample(np.random.default_rng(7), 1000)
    b = scaled.sample(np.random.default_rng(7), 1000)
    assert np.array_equal(b, a * 2.5)
    assert np.array_equal(base.scaled(2.5).sample(np.random.default_rng(7), 1000), b)
    assert base.multiplier == 1.0  # scaled() is a copy


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "lognormal", "mean": 2.0, "std": 3.0, "p_zero": 0.2},
        {"dist": "gamma", "mean": 1.0, "std": 0.3, "multiplier": 0.5},
        {"dist": "normal", "mean": 0.5, "std": 1.0},
        {"dist": "sum", "parts": [1.0, {"dist": "exponential", "mean": 2.0}]},
        {"dist": "uniform", "min": 0.05, "max": 0.25},
        {"dist": "weibull_min", "c": 1.5, "scale": 2.0},
    ],
)
def test_sample_mean_matches_mean(spec):
    # 30 independent batches of 2 000 draws: the 95 % t interval of the batch means holds mean().
    d = Distribution.from_dict(spec)
    rng = np.random.default_rng(11)
    batches = [d.sample(rng, 2000).mean() for _ in range(30)]
    m, s = np.mean(batches), np.std(batches, ddof=1)
    half = st.t.ppf(0.975, 29) * s / math.sqrt(30)
    assert m - half <= d.mean() <= m + half


def test_empirical_resamples_the_values_and_normal_is_clipped():
    x = dist(dist="empirical", values=[1.0, 2.0, 2.0]).sample(np.random.default_rng(3), 3000)
    assert set(np.unique(x)) == {1.0, 2.0}
    lo, hi = st.binomtest(int((x == 2.0).sum()), 3000).proportion_ci(0.95)
    assert lo <= 2 / 3 <= hi
    y = dist(dist="normal", mean=0.0, std=1.0).sample(np.random.default_rng(3), 1000)
    assert y.min() == 0.0  # negative draws become 0: half of them for a N(0, 1)
    lo, hi = st.binomtest(int((y == 0).sum()), 1000).proportion_ci(0.95)
    assert lo <= 0.5 <= hi


def test_same_generator_state_same_draws():
    d = dist(dist="gamma", mean=1.0, std=0.5)
    assert np.array_equal(
        d.sample(np.random.default_rng(5), 10), d.sample(np.random.default_rng(5), 10)
    )


# ----------------------------------------------------------------------------- round trip
@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "fixed", "value": 1.5},
        {"dist": "exponential", "rate": 2.0, "p_zero": 0.1},
        {"dist": "lognormal", "mean": 2.0, "std": 1.0, "multiplier": 0.8},
        {"dist": "gamma", "a": 2.0, "scale": 0.5},
        {"dist": "triangular", "min": 0.0, "mode": 1.0, "max": 3.0},
        {"dist": "empirical", "values": [0.5, 1.0]},
        {"dist": "sum", "parts": [{"dist": "fixed", "value": 1.0}, {"dist": "expon", "scale": 2}]},
        {"dist": "weibull_min", "c": 1.5, "scale": 2.0, "provenance": {"n": 40, "ks_p": 0.3}},
    ],
)
def test_to_dict_round_trip(spec):
    d = Distribution.from_dict(spec)
    assert Distribution.from_dict(d.to_dict()) == d
    assert d.describe()
