"""Right-truncated logs: durations fitted by their truncated likelihood (``fit_truncated``).

A value ``d`` of a case that ended at ``last`` was in the extract only because that case ended by
the extract's end ``T``: its likelihood is ``f(d) / F(d + T - last)``. The inverse-probability
weights can only reweight the values that were observed, so a wait whose values reach beyond the
window stays biased down (QA 8b finding 5); the truncated likelihood extrapolates the tail.
Tolerances are the estimates' own sampling errors, every sample is seeded.
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model
from sim.calibrate.fitting import fit_distribution, fit_truncated
from sim.calibrate.truncation import truncation_weights, weighted_resample

MEAN = 72.0  # hours: a customer's wait
WINDOW = 240.0  # hours: the extract keeps the cases finished by then
DELAY_GRID = (
    Path(__file__).resolve().parents[2] / "experiments/backtest_public_logs/truncated_delay_grid.py"
)


def _truncated_waits(seed: int, n: int = 3000, p_zero: float = 0.0):
    """Cases arriving uniformly on [0, WINDOW], each a wait (exponential, MEAN; an instant with
    probability ``p_zero``) and a short rest (exponential, 0.5 h); kept if finished by WINDOW.
    Returns the kept cases' starts, waits and ends."""
    rng = np.random.default_rng(seed)
    s = rng.uniform(0.0, WINDOW, n)
    d = rng.exponential(MEAN, n) * (rng.random(n) >= p_zero)
    end = s + d + rng.exponential(0.5, n)
    keep = end <= WINDOW
    return s[keep], d[keep], end[keep]


def _log_se(ci: list[float]) -> float:
    """The standard error of log(mean) behind a 95 % interval built on the log scale."""
    return math.log(ci[1] / ci[0]) / (2 * 1.959964)


def test_the_truncated_likelihood_recovers_a_long_wait_that_reweighting_underestimates():
    s, d, end = _truncated_waits(seed=1)
    bounds = pd.DataFrame({"first": s, "last": end}, index=[f"c{i}" for i in range(s.size)])
    trunc = truncation_weights(bounds, set())
    assert trunc.active
    # today's reweighting: the weighted sample, fitted as usual (its t-interval's error)
    resampled = weighted_resample(d, trunc.weights.to_numpy())
    reweighted = fit_distribution(resampled).distribution.mean()
    se_reweighted = resampled.std(ddof=1) / math.sqrt(resampled.size)
    assert MEAN - reweighted > 4 * se_reweighted  # -12 %: 7 standard errors below
    res, why = fit_truncated(d, d + (WINDOW - end))
    assert why == "" and res is not None
    prov = res.distribution.provenance
    assert "truncated_likelihood" in prov and prov["mean_ci_method"].startswith(
        "truncated likelihood"
    )
    got = res.distribution.mean()
    assert abs(math.log(got / MEAN)) < 2 * _log_se(prov["mean_ci95"])
    assert prov["mean_ci95"][0] <= MEAN <= prov["mean_ci95"][1]


def test_the_point_mass_at_zero_is_fitted_under_the_same_truncation():
    # instants are never cut off, so the observed share of zeros over-states p_zero
    s, d, end = _truncated_waits(seed=2, p_zero=0.3)
    res, _ = fit_truncated(d, d + (WINDOW - end))
    observed = float(np.mean(d == 0.0))
    se = math.sqrt(0.3 * 0.7 / d.size)
    assert observed - 0.3 > 4 * se
    assert abs(res.distribution.p_zero - 0.3) < 3 * se
    assert abs(math.log(res.distribution.mean() / (0.7 * MEAN))) < 2 * _log_se(
        res.distribution.provenance["mean_ci95"]
    )


def test_bounds_that_never_bind_give_the_ordinary_fit():
    x = np.random.default_rng(3).gamma(2.0, 0.5, 400)
    plain = fit_distribution(x)
    res, _ = fit_truncated(x, np.full(x.size, np.inf))
    assert res.family == plain.family
    assert res.distribution.mean() == pytest.approx(plain.distribution.mean(), rel=1e-3)


def test_samples_the_truncated_likelihood_cannot_extrapolate_are_left_to_the_caller():
    assert fit_truncated(np.full(20, 2.0), np.full(20, 5.0))[0] is None  # fixed
    assert "instant" in fit_truncated(np.zeros(20), np.full(20, 5.0))[1]
    res, why = fit_truncated([1.0, 2.0, 3.0], [4.0, 4.0, 4.0])
    assert res is None and "empirical" in why
    # flat values with loose bounds: uniform wins, and it ends at the largest value
    x = np.linspace(1.0, 2.0, 500)
    res, why = fit_truncated(x, x + 100.0)
    assert res is None and "uniform" in why and "cannot extrapolate" in why


# ------------------------------------------------------------------------- in calibration
def _model_d_log(
    seed: int, *, truncate: bool, interarrival: float = 0.1, hold: float | None = None
) -> pd.DataFrame:
    """QA 8b's model D: 8 clerks, a customer wait (exponential, 72 h, no role) between their two
    steps, cases every ``interarrival`` hours (0.1: full load), in a 14-day log, whole (drained)
    or an extract of the cases finished by day 14. ``hold``: a real wait of that mean before
    ``close`` that the log does not show (an extraneous delay the calibration should find).
    Written once, in the experiment that studies it (``truncated_delay_grid.py``)."""
    spec = importlib.util.spec_from_file_location("truncated_delay_grid", DELAY_GRID)
    assert spec is not None and spec.loader is not None
    grid = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(grid)
    assert grid.MODEL_D_WAIT == MEAN
    return grid.model_d_log(seed, truncate=truncate, interarrival=interarrival, hold=hold or 0.0)


@pytest.mark.slow
def test_a_truncated_log_fits_the_long_wait_by_its_truncated_likelihood():
    log = _model_d_log(5, truncate=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cal = calibrate_model(log, seed=5, dropoff_outcomes=[])
    assert cal.truncation["applied"]
    wait = cal.model.steps["customer"].duration
    prov = wait.provenance
    assert isinstance(prov["truncated_likelihood"], dict)
    assert "mean_matched" not in prov
    assert abs(math.log(wait.mean() / MEAN)) < 3 * _log_se(prov["mean_ci95"])
    observed = log[log["activity"] == "customer"]
    raw = (observed["end_time"] - observed["start_time"]).dt.total_seconds().mean() / 3600
    assert raw < 0.85 * MEAN  # the sample itself is far too short


@pytest.mark.slow
def test_a_whole_log_and_truncation_off_never_reach_the_truncated_likelihood(monkeypatch):
    import sim.calibrate.calibrate as calibrate_module

    def refuse(*args, **kwargs):
        raise AssertionError("fit_truncated called on a log that is not truncated")

    monkeypatch.setattr(calibrate_module, "fit_truncated", refuse)
    whole = _model_d_log(6, truncate=False)
    cut = _model_d_log(6, truncate=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cals = [
            calibrate_model(whole, seed=6, dropoff_outcomes=[]),
            calibrate_model(cut, seed=6, dropoff_outcomes=[], truncation="off"),
        ]
    for cal in cals:
        assert not cal.truncation.get("applied")
        for step in cal.model.steps.values():
            assert "truncated_likelihood" not in (step.duration.provenance or {})


@pytest.mark.slow
def test_a_truncated_extract_finds_the_delay_its_whole_log_shows():
    """QA 8b: an extract lacks the clerks' work on the cases it left out, so the pool looked free
    while it was busy and waiting read as delay (model D's extracts: ``delay:close`` of 0.22-0.68
    h where the whole logs have none; ``sim.calibrate.delays``, "Right truncation"). With that
    work counted, a real hidden hold is estimated from the extract as from the whole log: before,
    0.50-0.52 h against 0.42-0.44 h (seeds 7-9), 4-9 standard errors apart. Tolerance: 1.96
    times the two means' standard errors combined as if independent (the extract is part of the
    whole log, so this is wide)."""
    for seed in (7, 8, 9):
        means, ses = [], []
        for truncate in (False, True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # 80 % load (6.4 of 8 clerks busy), a hidden 0.5 h hold before close
                log = _model_d_log(seed, truncate=truncate, interarrival=0.125, hold=0.5)
                cal = calibrate_model(log, seed=seed)
            assert bool(cal.truncation.get("applied")) == truncate
            w = cal.waiting
            d = w.loc[w["activity"] == "close", "extraneous_delay"].to_numpy()
            means.append(float(d.mean()))
            ses.append(float(d.std(ddof=1) / math.sqrt(d.size)))
        assert abs(means[1] - means[0]) < 1.96 * math.hypot(*ses), (seed, means, ses)


# The truncated likelihood evaluates log f, log F and E[X | X <= t] in closed form (a frozen
# scipy.stats law costs about a millisecond to build, and the optimiser builds hundreds per
# fit): each closed form must be scipy.stats' own value.
_FAMILY_PARAMS = {
    "exponential": [{"mean": 3.0}, {"mean": 0.2}],
    "expon_shifted": [{"loc": 0.5, "scale": 2.0}],
    "gamma": [{"a": 0.6, "scale": 4.0}, {"a": 3.5, "scale": 0.7}],
    "lognormal": [{"s": 0.4, "scale": 2.0}, {"s": 1.6, "scale": 0.3}],
    "weibull": [{"c": 0.7, "scale": 2.5}, {"c": 2.2, "scale": 1.0}],
    "truncnorm": [{"mu": 2.0, "sigma": 1.0}, {"mu": -1.0, "sigma": 2.0}],
}


@pytest.mark.parametrize(
    ("family", "params"),
    [(f, p) for f, ps in _FAMILY_PARAMS.items() for p in ps],
)
def test_the_closed_forms_are_scipy_stats_values(family, params):
    from sim.calibrate.fitting import FITTERS, _logpdf_logcdf, _mean_below

    frozen = FITTERS[family].frozen(params)
    x = frozen.ppf(np.linspace(0.01, 0.99, 25))
    b = x * 1.5 + 0.1
    lpdf, lcdf = _logpdf_logcdf(family, params, x, b)
    np.testing.assert_allclose(lpdf, frozen.logpdf(x), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(lcdf, frozen.logcdf(b), rtol=1e-9, atol=1e-12)
    t = frozen.ppf(np.array([0.05, 0.3, 0.7, 0.95]))
    want = [frozen.expect(lambda v: v, ub=ti, conditional=True) for ti in t]
    np.testing.assert_allclose(_mean_below(family, params, t), want, rtol=1e-6)
