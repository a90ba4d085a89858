"""Extraneous delays hidden under a busy or closed pool, drawn within what the log allows.

``sim.calibrate.delays.pool_delays`` explains the waiting before a step by the stretch of time
that runs up to its start while every person of its role was busy (or off shift), and calls the
rest an extraneous delay. That rest is exact when somebody was free right up to the start: the
case started the moment its delay ended. When the pool was unavailable just before the start,
the delay may have ended anywhere in that stretch (the engine runs the timer first and then
queues the case, so a delay that ends while everybody is busy is followed by queueing): the log
only says that the delay lies between the part before the stretch (``lower``) and the whole
wait (``upper``), an interval-censored value. Taking the lower bound makes delays short wherever
cases often find the pool busy (on the bundled CRM model's trace, hand-off delays of mean 1 h
came out at 0.63 h with 28 % at zero, and the model missed the history it was calibrated on by
-17.7 %).

``impute_hidden_delays`` fits, per activity, a point mass at zero plus a continuous family
(gamma, lognormal, Weibull; the first and last include the exponential: the lowest AIC) to the exact delays and the intervals
together, by maximum likelihood:

* an exact 0: ``p0``; an exact ``x > 0``: ``(1 - p0) f(x)``;
* an interval ``[0, w]``: ``p0 + (1 - p0) F(w)`` (the delay may have been none at all);
* an interval ``[l, w]`` with ``l > 0``: ``(1 - p0) (F(w) - F(l))``,

and then draws each hidden delay from that distribution conditioned on its interval (seeded),
so the fits that follow (``sim.calibrate.fitting``, with their families, tests and provenance)
see delays that agree with the log and with each other. Activities with fewer than
``MIN_EXACT`` exact delays keep their lower bounds.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.optimize as so
import scipy.special as sc
import scipy.stats as st

MIN_EXACT = 20
"""Exact delays an activity needs before its hidden ones are drawn (fewer: lower bounds kept)."""

EPS = 1e-9
SHAPE_LOG_BOUND = 4.0
FAMILIES = ("gamma", "lognorm", "weibull_min")  # gamma and Weibull include the exponential


@dataclass(frozen=True)
class HiddenDelayFit:
    """The fit behind one activity's drawn delays, for its provenance."""

    family: str
    p_zero: float
    params: dict[str, float]
    exact: int
    hidden: int
    mean_before: float  # the mean of the activity's delays with the lower bounds
    mean_after: float  # ... with the hidden ones drawn

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "family": self.family,
            "p_zero": round(self.p_zero, 4),
            "params": {k: round(v, 6) for k, v in self.params.items()},
            "exact": self.exact,
            "hidden": self.hidden,
            "mean_before": round(self.mean_before, 4),
            "mean_after": round(self.mean_after, 4),
        }


def _frozen(family: str, theta: np.ndarray) -> st.rv_continuous:
    """The family's distribution for log-parameters ``theta`` (shape, then scale)."""
    shape, scale = np.exp(theta[0]), np.exp(theta[1])
    if family == "lognorm":
        return st.lognorm(shape, scale=scale)
    return getattr(st, family)(shape, scale=scale)


# The likelihood is evaluated a few hundred times per activity: scipy.stats' distribution
# objects cost about 1 ms a call in argument checks, which made calibration 5x slower
# (synth_purchasing_example 2 s -> 15 s), so the three families' log-density and CDF are taken
# from scipy.special directly (the same functions scipy.stats evaluates underneath).
def _logpdf_cdf(
    family: str, theta: np.ndarray, x: np.ndarray, hi: np.ndarray, lo: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(log f(x), F(hi), F(lo))`` of ``family`` with log-parameters ``theta``."""
    with np.errstate(all="ignore"):  # far from the optimum: inf/nan, rejected by _nll
        return _family_terms(family, theta, x, hi, lo)


def _family_terms(
    family: str, theta: np.ndarray, x: np.ndarray, hi: np.ndarray, lo: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    shape, scale = float(np.exp(theta[0])), float(np.exp(theta[1]))
    if family == "gamma":
        z = x / scale
        logpdf = (shape - 1.0) * np.log(z) - z - sc.gammaln(shape) - np.log(scale)
        return logpdf, sc.gammainc(shape, hi / scale), sc.gammainc(shape, lo / scale)
    if family == "lognorm":
        mu = np.log(scale)
        logpdf = -np.log(x * shape * np.sqrt(2.0 * np.pi)) - (np.log(x) - mu) ** 2 / (
            2.0 * shape**2
        )
        f_hi = sc.ndtr((np.log(hi) - mu) / shape)
        f_lo = sc.ndtr((np.log(lo) - mu) / shape)
        return logpdf, f_hi, f_lo
    z = x / scale  # weibull_min
    logpdf = np.log(shape / scale) + (shape - 1.0) * np.log(z) - z**shape
    return logpdf, -np.expm1(-((hi / scale) ** shape)), -np.expm1(-((lo / scale) ** shape))


def _start(family: str, positive: np.ndarray) -> np.ndarray:
    """Starting log-parameters from the exact positive delays' moments."""
    mean = float(np.mean(positive))
    if family == "lognorm":
        logs = np.log(positive)
        return np.array([np.log(max(float(np.std(logs)), 0.05)), float(np.mean(logs))])
    cv = max(float(np.std(positive)) / mean if mean > 0 else 1.0, 0.05)  # all alike: cv 0
    shape = max(1.0 / cv**2, 0.05) if family == "gamma" else max(1.0 / cv, 0.1)
    scale = mean / shape if family == "gamma" else mean
    return np.array([np.log(shape), np.log(scale)])


def _nll(
    family: str,
    theta: np.ndarray,
    zeros: int,
    exact: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> float:
    """Negative log-likelihood of a zero mass (``theta[0]``, logit) plus ``family``. A shape
    beyond 0.02-55 (``SHAPE_LOG_BOUND``; beyond, the terms overflow) is held at the bound with a
    penalty that grows with the distance, so the search turns back instead of stalling (a hard
    infinity left Nelder-Mead where it started: a zero mass of 21 % that a fixed 3 h timer did
    not have, QA2 2026-12-05 #3)."""
    excess = max(abs(float(theta[1])) - SHAPE_LOG_BOUND, 0.0)
    if excess:
        theta = theta.copy()
        theta[1] = np.clip(theta[1], -SHAPE_LOG_BOUND, SHAPE_LOG_BOUND)
    p0 = 1.0 / (1.0 + np.exp(-theta[0])) if zeros or (lo <= EPS).any() else 0.0
    at_zero = lo <= EPS
    logpdf, fh, fl = _logpdf_cdf(family, theta[1:], exact, hi, np.where(at_zero, 0.0, lo))
    ll = zeros * np.log(max(p0, 1e-300))
    ll += exact.size * np.log(max(1.0 - p0, 1e-300)) + float(np.sum(logpdf))
    ll += float(np.sum(np.log(np.maximum(p0 + (1.0 - p0) * fh[at_zero], 1e-300))))
    inner = (1.0 - p0) * (fh[~at_zero] - fl[~at_zero])
    ll += float(np.sum(np.log(np.maximum(inner, 1e-300))))
    return -ll + 1e3 * (excess + excess**2) if np.isfinite(ll) else np.inf


def _fit(
    zeros: int, exact: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[str, float, np.ndarray] | None:
    """The family with the lowest AIC: ``(family, p0, log-parameters)``."""
    best: tuple[float, str, float, np.ndarray] | None = None
    n_obs = zeros + exact.size + lo.size
    p_start = (zeros + 0.5 * float(np.sum(lo <= EPS))) / n_obs
    logit = float(np.log(max(p_start, 1e-3) / max(1.0 - p_start, 1e-3)))
    for family in FAMILIES:
        x0 = np.r_[logit, _start(family, exact)]
        # Nelder-Mead to a thousandth in the log-parameters: a few hundred evaluations
        # (L-BFGS-B's finite differences cost more per step than the likelihood itself)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # far from the optimum a simplex meets infinities, which it steps away from
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                res = so.minimize(
                    lambda th, f=family: _nll(f, th, zeros, exact, lo, hi),
                    x0,
                    method="Nelder-Mead",
                    options={"maxiter": 800, "xatol": 1e-3, "fatol": 1e-3},
                )
            except (ValueError, ArithmeticError):  # this family cannot describe the sample
                continue
        if not np.isfinite(res.fun):
            continue
        aic = 2.0 * res.fun + 2.0 * len(x0)
        if best is None or aic < best[0]:
            has_zero = zeros or (lo <= EPS).any()
            p0 = 1.0 / (1.0 + np.exp(-res.x[0])) if has_zero else 0.0
            best = (aic, family, p0, res.x[1:])
    return None if best is None else best[1:]


def impute_hidden_delays(
    delay: np.ndarray,
    wait: np.ndarray,
    groups: np.ndarray,
    *,
    seed: int = 0,
) -> tuple[np.ndarray, dict[str, HiddenDelayFit], dict[str, tuple[int, int]]]:
    """``delay`` (lower bounds, ``pool_delays``'s) with the hidden ones drawn within their
    intervals, per group (activity) of ``groups``; the fit of each group that had some; and the
    groups with hidden delays that keep their lower bounds, with their exact positive and
    hidden counts (fewer than ``MIN_EXACT`` exact positive ones, or no family fits).

    A delay is hidden where the wait ran on past it (``wait - delay > 0``: the pool was busy or
    closed right up to the start); its interval is ``[delay, wait]``. A NaN ``wait`` is unknown
    (a case's first events: a log does not hold the arrival, and routing enables them at their
    own start): such a delay is left as it is, and neither an exact delay of the fit (its 0
    would count in the zero mass) nor drawn. Deterministic for a seed.
    """
    out = np.asarray(delay, dtype=float).copy()
    wait = np.asarray(wait, dtype=float)
    known_all = np.isfinite(wait)
    hidden_all = known_all & ((wait - out) > EPS)
    fits: dict[str, HiddenDelayFit] = {}
    kept: dict[str, tuple[int, int]] = {}
    rng = np.random.default_rng(seed)
    labels = np.asarray(groups).astype(str)
    for g in sorted({str(x) for x in labels[hidden_all]}):  # str: names written to model.yaml
        mine = labels == g
        hidden = mine & hidden_all
        known = out[mine & known_all & ~hidden_all]
        zeros = int(np.sum(known <= EPS))
        exact = known[known > EPS]
        lo, hi = out[hidden], wait[hidden]
        found = _fit(zeros, exact, lo, hi) if exact.size >= MIN_EXACT else None
        if found is None:
            kept[g] = (int(exact.size), int(hidden.sum()))
            continue
        family, p0, theta = found
        dist = _frozen(family, theta)
        f_lo, f_hi = dist.cdf(lo), dist.cdf(hi)
        at_zero = lo <= EPS
        # an interval from 0 may hold no delay at all: with the zero mass's share of it
        none = at_zero & (rng.random(lo.size) < p0 / np.maximum(p0 + (1 - p0) * f_hi, 1e-300))
        r = rng.random(lo.size)
        # in the far tail F is 1 in floating point: draw there through the survival function
        s_lo, s_hi = dist.sf(lo), dist.sf(hi)
        drawn = np.where(
            f_lo > 0.5,
            dist.isf(s_lo - r * (s_lo - s_hi)),
            dist.ppf(f_lo + r * (f_hi - f_lo)),
        )
        drawn = np.clip(drawn, lo, hi)
        drawn = np.where(np.isfinite(drawn), drawn, lo)
        before = float(out[mine].mean())
        out[hidden] = np.where(none, 0.0, drawn)
        fits[g] = HiddenDelayFit(
            family=family,
            p_zero=float(p0),
            params=dict(zip(("shape", "scale"), np.exp(theta).tolist(), strict=True)),
            exact=int(zeros + exact.size),
            hidden=int(hidden.sum()),
            mean_before=before,
            mean_after=float(out[mine].mean()),
        )
    return out, fits, kept
