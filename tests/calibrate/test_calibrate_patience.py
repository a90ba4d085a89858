"""Patience (time to abandon) recovered from right-censored waiting times.

Each case waits W ~ Exp(mean 5 h) for service and has patience P ~ Weibull(c, scale); the log
shows min(W, P) and whether it abandoned (P < W). Served cases are censored observations of P.
A naive fit to the abandoners alone is biased low; the censored MLE must recover P.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model, fit_patience, kaplan_meier


def _censored_sample(rng, n, c=1.5, scale=8.0, wait_mean=5.0):
    p = scale * rng.weibull(c, n)
    w = rng.exponential(wait_mean, n)
    return np.minimum(p, w), p < w


def test_kaplan_meier_without_censoring_is_the_empirical_survival():
    t = np.array([1.0, 2.0, 2.0, 3.0])
    km = kaplan_meier(t, np.ones(4, bool))
    assert km["survival"].tolist() == pytest.approx([0.75, 0.25, 0.0])


def test_kaplan_meier_with_censoring():
    # classic example: events at 1 and 3, a censored observation at 2
    km = kaplan_meier(np.array([1.0, 2.0, 3.0]), np.array([True, False, True]))
    assert km["survival"].tolist() == pytest.approx([2 / 3, 0.0])


@pytest.mark.parametrize("seed", [1, 2])
def test_censored_mle_recovers_weibull_patience(seed):
    rng = np.random.default_rng(seed)
    t, d = _censored_sample(rng, 3000)
    res = fit_patience(t, d, target="patience")
    assert res.extra["abandoned"] == int(d.sum())
    fitted = res.distribution
    true_mean = 8.0 * 0.9027  # scale * Gamma(1 + 1/1.5)
    # parametric bootstrap of the whole procedure for the standard error of the mean
    means = []
    for _ in range(10):
        tb, db = _censored_sample(rng, 3000)
        means.append(fit_patience(tb, db, families=("weibull",)).distribution.mean())
    se = float(np.std(means, ddof=1))
    assert abs(fitted.mean() - true_mean) <= 4 * se + 0.05
    # the naive estimate from abandoners only is far too short
    assert np.mean(t[d]) < 0.7 * true_mean
    assert res.distribution.provenance["censored"] == int((~d).sum())


def test_too_few_abandonments_is_refused():
    from sim.calibrate import FitError

    with pytest.raises(FitError, match="abandonment"):
        fit_patience([1.0, 2.0, 3.0], [True, False, False], min_abandonments=5)


def _abandonment_log(n=1500, seed=0):
    """A -> (wait for B) -> B -> C, or A -> Cancelled when patience runs out first."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2024-01-01")
    rows = []
    arrival = 0.0
    for i in range(n):
        arrival += rng.exponential(1.0)
        a_end = arrival + rng.exponential(0.2)
        rows.append((i, "A", arrival, a_end, "r1"))
        w, p = rng.exponential(6.0), rng.exponential(12.0)
        if p < w:
            rows.append((i, "Cancelled", a_end + p, a_end + p, "r3"))
        else:
            b_end = a_end + w + rng.exponential(0.3)
            rows.append((i, "B", a_end + w, b_end, "r2"))
            rows.append((i, "C", b_end, b_end + rng.exponential(0.1), "r1"))
    df = pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])
    for col in ("start_time", "end_time"):
        df[col] = base + pd.to_timedelta(df[col], unit="h")
    df["case_id"] = df["case_id"].astype(str)
    return df


@pytest.mark.slow
def test_calibration_attaches_patience_to_the_step_waited_for():
    log = _abandonment_log()
    cal = calibrate_model(
        log,
        dropoff_outcomes=["Cancelled"],
        abandonment_outcomes=["Cancelled"],
        extraneous_delays=False,
    )
    m = cal.model
    assert m.steps["B"].patience is not None
    assert m.metadata["patience_steps"] == ["B"]
    # the patience mean (true 12 h) within a generous interval: ~30 % of cases abandon
    assert 9.0 < m.steps["B"].patience.mean() < 16.0
    # the abandonment branch left the decision after A: patience produces it now
    assert (
        all(b.to != "Cancelled" for b in m.decisions.get("after:A", ()).branches)
        if ("after:A" in m.decisions)
        else m.steps["A"].next != "Cancelled"
    )
