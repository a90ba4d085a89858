"""Fitting duration, inter-arrival and patience distributions by maximum likelihood.

One ``Fitter`` per candidate family (exponential, gamma, lognormal, Weibull, normal truncated at
zero, uniform, fixed). Every fitter has the same contract, checked by one test class run against
all of them: ``fit`` -> ``to_distribution`` -> sample -> ``fit`` again recovers the parameters.

``fit_distribution`` fits every candidate to the positive values (the share of zeros becomes a
point mass ``p_zero``), picks the family with the lowest AIC (or BIC), checks it with a
Kolmogorov-Smirnov test and falls back to the empirical distribution when the best family does
not fit. Note on the KS p-value: the parameters are estimated from the same data, so the p-value
is optimistic (Lilliefors); it is reported, and used only together with the KS distance.

``fit_patience`` fits a patience (time-to-abandon) distribution to right-censored data by
maximum likelihood (served cases are censored at their waiting time), and ``kaplan_meier`` gives
the non-parametric survival curve it is checked against.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.optimize as opt
import scipy.special as sc
import scipy.stats as st

from sim.errors import SimError
from sim.model.distributions import Distribution

#: Candidate families tried by default, in the order they are reported.
DEFAULT_FAMILIES = (
    "exponential",
    "expon_shifted",
    "gamma",
    "lognormal",
    "weibull",
    "truncnorm",
    "uniform",
)
PATIENCE_FAMILIES = ("exponential", "weibull", "lognormal", "gamma")
#: A patience family whose fitted mean is more than this many times the exponential's (the
#: time at risk per abandonment) ran off to a degenerate shape: it is not a candidate.
PATIENCE_RUNAWAY = 1e3
ZERO_TOL = 1e-6  # hours (3.6 ms): durations at or below it are instants
KS_NOTE = "KS p-value is optimistic: parameters were fitted on the same data"
TRUNCNORM_B = 60.0  # upper bound of the truncated normal in standard units above max(mu, 0)


class FitError(SimError):
    """A family cannot be fitted to the given values."""


def _py(x: Any) -> Any:
    """A YAML/JSON-safe Python scalar (numpy scalars and non-finite floats converted)."""
    if isinstance(x, np.integer | int) and not isinstance(x, bool):
        return int(x)
    if isinstance(x, np.floating | float):
        f = float(x)
        return f if math.isfinite(f) else None
    return x


# ------------------------------------------------------------------------------------ fitters
class Fitter:
    """Base class: one distribution family fitted by maximum likelihood to positive values."""

    family: str = ""
    k: int = 0  # number of fitted parameters (for AIC/BIC)
    # fitted on every value even where the others use a subsample (``max_fit_sample``): its
    # support ends at the sample's extremes, and a subsample's would leave values outside it,
    # with zero likelihood (uniform was dropped whenever the subsample missed the minimum)
    whole_sample: bool = False

    def fit_params(self, x: np.ndarray) -> dict[str, float]:
        """Maximum-likelihood parameters for positive values ``x``."""
        raise NotImplementedError

    def frozen(self, params: dict[str, float]) -> Any:
        """The frozen ``scipy.stats`` distribution for ``params``."""
        raise NotImplementedError

    def to_distribution(self, params: dict[str, float]) -> Distribution:
        """The model's ``Distribution`` for ``params``."""
        raise NotImplementedError

    def loglik(self, x: np.ndarray, params: dict[str, float], frozen: Any = None) -> float:
        """Log-likelihood of ``x`` under ``params`` (``frozen``: ``self.frozen(params)``, where
        the caller has it: freezing a scipy distribution costs more than most fits' scoring)."""
        frozen = self.frozen(params) if frozen is None else frozen
        with np.errstate(all="ignore"):
            ll = float(np.sum(frozen.logpdf(x)))
        return ll if math.isfinite(ll) else -math.inf

    def fit(self, x: np.ndarray) -> FamilyFit:
        """Fit, score (log-likelihood, AIC, BIC, KS) and build the distribution."""
        x = np.asarray(x, dtype=float)
        n = int(x.size)
        params = self.fit_params(x)
        frozen = self.frozen(params)
        ll = self.loglik(x, params, frozen)
        aic = 2 * self.k - 2 * ll
        bic = self.k * math.log(max(n, 1)) - 2 * ll
        with np.errstate(all="ignore"):
            ks = st.kstest(x, frozen.cdf)
        return FamilyFit(
            family=self.family,
            params={k: float(v) for k, v in params.items()},
            n=n,
            loglik=ll,
            aic=aic,
            bic=bic,
            ks_statistic=float(ks.statistic),
            ks_pvalue=float(ks.pvalue),
            distribution=self.to_distribution(params),
        )


class ExponentialFitter(Fitter):
    """Exponential with location 0: MLE scale = sample mean."""

    family = "exponential"
    k = 1

    def fit_params(self, x: np.ndarray) -> dict[str, float]:
        m = float(np.mean(x))
        if not m > 0:
            raise FitError("exponential needs a positive mean")
        return {"mean": m}

    def frozen(self, params: dict[str, float]) -> Any:
        return st.expon(scale=params["mean"])

    def to_distribution(self, params: dict[str, float]) -> Distribution:
        return Distribution.from_dict({"dist": "exponential", "mean": params["mean"]})


class ShiftedExponentialFitter(Fitter):
    """Exponential shifted by a minimum ``loc`` (MLE: loc just below the sample minimum).

    Simulators (Prosimos among them) often generate ``min + exponential`` durations.
    """

    family = "expon_shifted"
    k = 2
    whole_sample = True

    def fit_params(self, x: np.ndarray) -> dict[str, float]:
        n = x.size
        lo, m = float(np.min(x)), float(np.mean(x))
        if n < 2 or not m > lo:
            raise FitError("expon_shifted needs at least two different values")
        scale = (m - lo) * n / (n - 1)  # unbiased for the shifted exponential
        loc = max(lo - scale / n, 0.0)
        return {"loc": loc, "scale": m - loc}

    def frozen(self, params: dict[str, float]) -> Any:
        return st.expon(loc=params["loc"], scale=params["scale"])

    def to_distribution(self, params: dict[str, float]) -> Distribution:
        return Distribution.from_dict(
            {"dist": "expon", "loc": params["loc"], "scale": params["scale"]}
        )


class ShapeScaleFitter(Fitter):
    """Base class: a ``scipy.stats`` family with one shape parameter and a scale, location 0,
    fitted by ``scipy_dist.fit(x, floc=0)`` unless a subclass has a closed form."""

    k = 2
    scipy_dist: Any = None  # the scipy.stats family, e.g. st.gamma
    shape: str = ""  # the name of its shape parameter, in scipy and in the model
    dist: str = ""  # the family's name in the model's distributions

    def fit_params(self, x: np.ndarray) -> dict[str, float]:
        if x.size < 2 or np.ptp(x) <= 0:
            raise FitError(f"{self.family} needs at least two different values")
        shape, _, scale = self.scipy_dist.fit(x, floc=0)
        return {self.shape: float(shape), "scale": float(scale)}

    def frozen(self, params: dict[str, float]) -> Any:
        return self.scipy_dist(**{self.shape: params[self.shape]}, scale=params["scale"])

    def to_distribution(self, params: dict[str, float]) -> Distribution:
        return Distribution.from_dict(
            {"dist": self.dist, self.shape: params[self.shape], "scale": params["scale"]}
        )


class GammaFitter(ShapeScaleFitter):
    """Gamma with location 0 (``scipy.stats.gamma.fit(x, floc=0)``)."""

    family = "gamma"
    scipy_dist = st.gamma
    shape = "a"
    dist = "gamma"


class LognormalFitter(ShapeScaleFitter):
    """Lognormal with location 0: MLE in closed form on log values."""

    family = "lognormal"
    scipy_dist = st.lognorm
    shape = "s"
    dist = "lognorm"

    def fit_params(self, x: np.ndarray) -> dict[str, float]:
        lx = np.log(x)
        s = float(np.std(lx))
        if x.size < 2 or not s > 0:
            raise FitError("lognormal needs at least two different values")
        return {"s": s, "scale": float(np.exp(np.mean(lx)))}


class WeibullFitter(ShapeScaleFitter):
    """Weibull with location 0 (``scipy.stats.weibull_min.fit(x, floc=0)``)."""

    family = "weibull"
    scipy_dist = st.weibull_min
    shape = "c"
    dist = "weibull_min"


class TruncNormalFitter(Fitter):
    """Normal truncated at zero (``mu``, ``sigma`` of the parent normal), MLE numerically."""

    family = "truncnorm"
    k = 2

    @staticmethod
    def _bounds(mu: float, sigma: float) -> tuple[float, float]:
        a = -mu / sigma
        return a, max(a, 0.0) + TRUNCNORM_B

    def fit_params(self, x: np.ndarray) -> dict[str, float]:
        if x.size < 2 or np.ptp(x) <= 0:
            raise FitError("truncnorm needs at least two different values")
        m, s = float(np.mean(x)), float(np.std(x))

        def nll(theta: np.ndarray) -> float:
            mu, sigma = theta[0] * s, math.exp(theta[1]) * s
            # log pdf of N(mu, sigma) truncated to [0, inf)
            z = (x - mu) / sigma
            ll = -0.5 * np.sum(z * z) - x.size * (math.log(sigma) + 0.5 * math.log(2 * math.pi))
            # = st.norm.logsf(-mu / sigma), bit for bit, without scipy's per-call overhead
            ll -= x.size * sc.log_ndtr(mu / sigma)
            return -ll if math.isfinite(ll) else 1e300

        res = opt.minimize(nll, np.array([m / s, 0.0]), method="Nelder-Mead")
        mu, sigma = float(res.x[0] * s), float(math.exp(res.x[1]) * s)
        if mu / sigma < -30:  # the data look exponential; the mass is far out in the tail
            raise FitError("truncnorm: the fitted mean is far below zero")
        return {"mu": mu, "sigma": sigma}

    def frozen(self, params: dict[str, float]) -> Any:
        a, b = self._bounds(params["mu"], params["sigma"])
        return st.truncnorm(a=a, b=b, loc=params["mu"], scale=params["sigma"])

    def to_distribution(self, params: dict[str, float]) -> Distribution:
        a, b = self._bounds(params["mu"], params["sigma"])
        return Distribution.from_dict(
            {"dist": "truncnorm", "a": a, "b": b, "loc": params["mu"], "scale": params["sigma"]}
        )


class UniformFitter(Fitter):
    """Uniform on [min, max] (the MLE)."""

    family = "uniform"
    k = 2
    whole_sample = True

    def fit_params(self, x: np.ndarray) -> dict[str, float]:
        lo, hi = float(np.min(x)), float(np.max(x))
        if not hi > lo:
            raise FitError("uniform needs at least two different values")
        return {"min": lo, "max": hi}

    def frozen(self, params: dict[str, float]) -> Any:
        return st.uniform(loc=params["min"], scale=params["max"] - params["min"])

    def to_distribution(self, params: dict[str, float]) -> Distribution:
        return Distribution.from_dict(
            {"dist": "uniform", "min": params["min"], "max": params["max"]}
        )


class FixedFitter(Fitter):
    """A constant: chosen when every value is the same (``is_constant``)."""

    family = "fixed"
    k = 1
    rtol = 1e-6
    #: hours. Durations are differences of float hours counted from the log's start, so equal
    #: durations differ by that count's rounding: np.spacing(17_500.0) = 3.6e-12 h two years in
    #: (1.3e-6 of 10 ms, above ``rtol``), 1.2e-10 h a century in. 1e-9 h is 3.6 microseconds,
    #: a thousandth of ``ZERO_TOL``.
    atol = 1e-9

    @classmethod
    def is_constant(cls, x: np.ndarray) -> bool:
        """Whether the values ``x`` (hours) are one value: their spread is within ``rtol`` of
        the largest magnitude or within ``atol`` (the float noise of hours since a log's start)."""
        x = np.asarray(x, dtype=float)
        return math.isclose(float(np.min(x)), float(np.max(x)), rel_tol=cls.rtol, abs_tol=cls.atol)

    def fit_params(self, x: np.ndarray) -> dict[str, float]:
        if not self.is_constant(x):
            raise FitError("fixed needs (almost) identical values")
        return {"value": float(np.median(x))}

    def frozen(self, params: dict[str, float]) -> Any:
        return None

    def loglik(self, x: np.ndarray, params: dict[str, float], frozen: Any = None) -> float:
        return math.inf  # a point mass: infinitely likely against any density

    def fit(self, x: np.ndarray) -> FamilyFit:
        x = np.asarray(x, dtype=float)
        params = self.fit_params(x)
        return FamilyFit(
            family=self.family,
            params=params,
            n=int(x.size),
            loglik=math.inf,
            aic=-math.inf,
            bic=-math.inf,
            ks_statistic=0.0,
            ks_pvalue=1.0,
            distribution=self.to_distribution(params),
        )

    def to_distribution(self, params: dict[str, float]) -> Distribution:
        return Distribution.fixed(params["value"])


FITTERS: dict[str, Fitter] = {
    f.family: f
    for f in (
        ExponentialFitter(),
        ShiftedExponentialFitter(),
        GammaFitter(),
        LognormalFitter(),
        WeibullFitter(),
        TruncNormalFitter(),
        UniformFitter(),
        FixedFitter(),
    )
}


# ------------------------------------------------------------------------------------ results
@dataclass(frozen=True)
class FamilyFit:
    """One candidate family fitted to one sample."""

    family: str
    params: dict[str, float]
    n: int
    loglik: float
    aic: float
    bic: float
    ks_statistic: float
    ks_pvalue: float
    distribution: Distribution | None = None
    note: str = ""

    @classmethod
    def not_fitted(cls, family: str, n: int, reason: object) -> FamilyFit:
        """A candidate that could not be fitted (scores infinite, so it is never chosen)."""
        return cls(
            family=family,
            params={},
            n=n,
            loglik=-math.inf,
            aic=math.inf,
            bic=math.inf,
            ks_statistic=math.nan,
            ks_pvalue=math.nan,
            note=f"not fitted: {reason}",
        )


def _best_candidate(cands: list[FamilyFit], criterion: str) -> FamilyFit | None:
    """The fitted candidate with the lowest AIC (BIC); None when none was fitted."""
    ok = [c for c in cands if math.isfinite(c.aic)]
    return min(ok, key=lambda c: c.aic if criterion == "aic" else c.bic) if ok else None


@dataclass(frozen=True)
class FitResult:
    """The chosen distribution for one target, with every candidate tried."""

    target: str
    distribution: Distribution
    family: str
    n: int
    n_zero: int = 0
    candidates: tuple[FamilyFit, ...] = ()
    criterion: str = "aic"
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def chosen(self) -> FamilyFit | None:
        """The chosen candidate (None for empirical/fixed fallbacks)."""
        for c in self.candidates:
            if c.family == self.family:
                return c
        return None

    def provenance(self) -> dict[str, Any]:
        """The provenance mapping written into model.yaml (plain YAML types)."""
        c = self.chosen
        out: dict[str, Any] = {"n": int(self.n), "family": self.family}
        if self.n_zero:
            out["n_zero"] = int(self.n_zero)
        if c is not None and self.family != "fixed":
            out[self.criterion] = _py(round(c.aic if self.criterion == "aic" else c.bic, 4))
            if math.isfinite(c.ks_statistic):
                out["ks_statistic"] = _py(round(c.ks_statistic, 4))
                out["ks_pvalue"] = _py(round(c.ks_pvalue, 4))
        for k, v in self.extra.items():
            out[k] = _py(v) if not isinstance(v, dict | list | str) else v
        if self.note:
            out["note"] = self.note
        return out

    def rows(self) -> list[dict[str, Any]]:
        """One row per candidate for the fits table (``Calibration.fits``)."""
        rows = []
        # with a point mass at zero the families are fitted to the positive values: ``n`` and
        # ``mean`` are of every value, as model.yaml's (QA parallel20 #4: the chosen row said n
        # 2267 and mean 0.30 where model.yaml said 4698 and 0.14), ``n_positive`` and
        # ``mean_positive`` of the part fitted
        kept = 1.0 - self.n_zero / self.n if self.n else 1.0
        for c in self.candidates:
            part = c.distribution.mean() if c.distribution is not None else None
            rows.append(
                {
                    "target": self.target,
                    "kind": "distribution",
                    "family": c.family,
                    "chosen": c.family == self.family,
                    "n": self.n if self.n_zero else c.n,
                    "n_zero": self.n_zero,
                    "n_positive": c.n,
                    "params": {k: _py(v) for k, v in c.params.items()},
                    "mean": _py(part * kept) if part is not None else None,
                    "mean_positive": _py(part) if part is not None else None,
                    "loglik": _py(c.loglik),
                    "aic": _py(c.aic),
                    "bic": _py(c.bic),
                    "ks_statistic": _py(c.ks_statistic),
                    "ks_pvalue": _py(c.ks_pvalue),
                    "note": c.note,
                }
            )
        if self.family not in {c.family for c in self.candidates}:
            rows.append(
                {
                    "target": self.target,
                    "kind": "distribution",
                    "family": self.family,
                    "chosen": True,
                    "n": self.n,
                    "n_zero": self.n_zero,
                    "params": {},
                    "mean": _py(self.distribution.mean()),
                    "note": self.note,
                }
            )
        return rows


def mean_interval(x: np.ndarray, *, lognormal: bool = False) -> dict[str, Any]:
    """The 95 % confidence interval of the mean of the non-negative sample ``x`` behind a fit
    (the fitted distribution is scaled to that mean), as ``{"mean_ci95": [low, high],
    "mean_ci_method"}``; empty below 2 values or for a constant sample.

    The t-interval, or Cox's interval where the chosen family is lognormal and no value is an
    instant: on skewed durations the t-interval misses the mean more often than it says, mostly
    on the low side (a lognormal of cv 2 at n = 375: 92 % instead of 95 %, QA 8b #3; a BCa
    bootstrap does no better there), and Cox's, on the logs, holds 95 % for lognormal data.

    A mean of non-negative values cannot be negative, so the t-interval's lower bound is
    clipped at 0 (method ``"t, clipped at 0"``; QA found 35 such bounds over four logs, e.g.
    [-10.0, 12.4] h from 2 values). Clipping removes only impossible values, so the interval
    covers the true mean exactly when the t-interval does; a percentile or BCa bootstrap, the
    alternative, covers far less than 95 % at the small n where the clip happens (at n = 2 it
    spans about the two values), and costs thousands of resamples per fit.
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    if n < 2 or np.ptp(x) == 0:
        return {}
    if lognormal and (x > 0).all():
        y = np.log(x)
        v = float(y.var(ddof=1))
        centre = float(y.mean()) + v / 2.0
        half = float(st.norm.ppf(0.975)) * math.sqrt(v / n + v * v / (2.0 * (n - 1)))
        lo, hi, method = math.exp(centre - half), math.exp(centre + half), "Cox (lognormal)"
    else:
        lo, hi = st.t.interval(0.95, n - 1, loc=float(x.mean()), scale=float(st.sem(x)))
        method = "t"
        if lo < 0.0 and (x >= 0).all():
            lo, method = 0.0, "t, clipped at 0"
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return {}
    return {
        "mean_ci95": [_py(round(float(lo), 6)), _py(round(float(hi), 6))],
        "mean_ci_method": method,
    }


def group_means(x: np.ndarray, k: int) -> np.ndarray:
    """The sorted sample ``x`` compressed to ``k`` equal-probability groups, each kept as its
    mean: group ``j`` holds the sorted values between positions ``j n / k`` and ``(j + 1) n / k``
    (a value on a boundary split between its two groups), so drawing the ``k`` means with equal
    weights keeps the sample's mean exactly and its shape; the tail is kept as group means, so
    the largest draw is the top group's mean, below the sample's maximum (QA calib25: the
    middle quantiles of 250 groups dropped BPIC 2013's longest gaps, half the mean)."""
    x = np.sort(np.asarray(x, dtype=float))
    n = x.size
    if n <= k:
        return x
    # the integral of the sorted sample as a step function of the position is linear between
    # whole positions: np.interp gives it exactly at the fractional group boundaries
    total = np.concatenate(([0.0], np.cumsum(x)))
    edges = np.interp(np.arange(k + 1) * (n / k), np.arange(n + 1), total)
    means = np.diff(edges) * (k / n)
    return np.clip(means, x[0], x[-1])  # rounding may not leave the sample's range


def _empirical(x: np.ndarray, max_values: int) -> Distribution:
    values = group_means(x, max_values)
    return Distribution.from_dict({"dist": "empirical", "values": [float(v) for v in values]})


def _empirical_extra(x: np.ndarray, max_values: int) -> dict[str, Any]:
    """Provenance of an empirical distribution that compresses ``x``: how, and the largest
    value (a group mean hides it)."""
    if x.size <= max_values:
        return {}
    return {
        "empirical_values": f"means of {max_values} equal-probability groups of the {x.size} "
        "sorted positive values (the sample's mean and shape)",
        "sample_max": round(float(np.max(x)), 6),
    }


def _with(dist: Distribution, *, p_zero: float, provenance: dict[str, Any]) -> Distribution:
    spec = dist.to_dict()
    spec.pop("provenance", None)
    if p_zero > 0:
        spec["p_zero"] = min(float(p_zero), 0.999999)
    spec["provenance"] = provenance
    return Distribution.from_dict(spec)


def fit_distribution(
    values: np.ndarray | list[float],
    *,
    target: str = "values",
    families: tuple[str, ...] = DEFAULT_FAMILIES,
    criterion: str = "aic",
    alpha: float = 0.01,
    ks_tolerance: float = 0.05,
    zero_tol: float = ZERO_TOL,
    min_sample: int = 5,
    max_empirical: int = 250,
    max_fit_sample: int = 20000,
    seed: int = 0,
) -> FitResult:
    """Fit a non-negative sample (durations, gaps) and choose a distribution.

    * values ``<= zero_tol`` are instants: their share is the point mass ``p_zero``;
    * all positive values equal -> ``fixed``; fewer than ``min_sample`` -> ``empirical``;
    * otherwise every family in ``families`` is fitted by maximum likelihood and the lowest
      ``criterion`` (``aic`` or ``bic``) wins;
    * the winner is checked with a KS test: when its p-value is below ``alpha`` *and* its KS
      distance is above ``ks_tolerance`` (a rejection that also matters in practice), the
      empirical distribution is used instead (at most ``max_empirical`` values: the means of
      equal-probability groups of the sorted sample, which keep its mean and shape).
    """
    if criterion not in ("aic", "bic"):
        raise SimError(f"criterion must be 'aic' or 'bic', got {criterion!r}")
    unknown = [f for f in families if f not in FITTERS]
    if unknown:
        raise SimError(f"unknown families {unknown}; valid families are {sorted(FITTERS)}")
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = int(x.size)
    if n == 0:
        raise FitError(f"{target}: no values to fit")
    x = np.maximum(x, 0.0)
    zero = x <= zero_tol
    n_zero = int(zero.sum())
    pos = x[~zero]
    p_zero = n_zero / n

    def done(dist, family, cands=(), note=""):
        extra = {}
        if family not in ("fixed", "fixed-zero"):
            extra = mean_interval(x, lognormal=family == "lognormal")
        if family == "empirical":
            extra.update(_empirical_extra(pos, max_empirical))
        res = FitResult(
            target=target,
            distribution=dist,
            family=family,
            n=n,
            n_zero=n_zero,
            candidates=tuple(cands),
            criterion=criterion,
            note=note,
            extra=extra,
        )
        prov = res.provenance()
        return FitResult(
            target=target,
            distribution=_with(
                dist, p_zero=p_zero if family != "fixed-zero" else 0.0, provenance=prov
            ),
            family=family,
            n=n,
            n_zero=n_zero,
            candidates=tuple(cands),
            criterion=criterion,
            note=note,
            extra=extra,
        )

    if pos.size == 0:
        return done(Distribution.fixed(0.0), "fixed-zero", note="every value is an instant (0)")
    try:
        fixed = FITTERS["fixed"].fit(pos)
        return done(fixed.distribution, "fixed", [fixed])
    except FitError:
        pass
    if pos.size < min_sample:
        return done(
            _empirical(pos, max_empirical),
            "empirical",
            note=f"only {pos.size} positive values: empirical distribution",
        )
    fit_x = pos
    if pos.size > max_fit_sample:  # fit on a random subsample (not whole_sample families)
        rng = np.random.default_rng(seed)
        fit_x = rng.choice(pos, size=max_fit_sample, replace=False)
    cands: list[FamilyFit] = []
    for fam in families:
        f = FITTERS[fam]
        try:
            params = f.fit_params(pos if f.whole_sample else fit_x)
            frozen = f.frozen(params)  # once: the likelihood and the KS test share it
            ll = f.loglik(pos, params, frozen)
            if not math.isfinite(ll):
                raise FitError("zero likelihood")
            with np.errstate(all="ignore"):
                ks = st.kstest(pos, frozen.cdf)
            cands.append(
                FamilyFit(
                    family=fam,
                    params={k: float(v) for k, v in params.items()},
                    n=int(pos.size),
                    loglik=ll,
                    aic=2 * f.k - 2 * ll,
                    bic=f.k * math.log(pos.size) - 2 * ll,
                    ks_statistic=float(ks.statistic),
                    ks_pvalue=float(ks.pvalue),
                    distribution=f.to_distribution(params),
                )
            )
        except (FitError, ValueError, RuntimeError, FloatingPointError, Exception) as exc:  # noqa: B902
            cands.append(FamilyFit.not_fitted(fam, int(pos.size), exc))
    best = _best_candidate(cands, criterion)
    if best is None:
        return done(_empirical(pos, max_empirical), "empirical", cands, "no family could be fitted")
    if best.ks_pvalue < alpha and best.ks_statistic > ks_tolerance:
        return done(
            _empirical(pos, max_empirical),
            "empirical",
            cands,
            f"best family {best.family} rejected (KS D={best.ks_statistic:.3f} > "
            f"{ks_tolerance}, p={best.ks_pvalue:.2g} < {alpha}): empirical distribution; "
            + KS_NOTE,
        )
    return done(best.distribution, best.family, cands, KS_NOTE)


# ------------------------------------------------------------------- right-truncated samples
#: Families whose truncated likelihood is fitted: they extrapolate beyond the largest value.
TRUNCATED_FAMILIES = ("exponential", "expon_shifted", "gamma", "lognormal", "weibull", "truncnorm")
TRUNCATED_NOTE = (
    "right-truncated sample: each value d could be in the log only if it was at most its bound "
    "b (d plus the time from its case's end to the extract's end), so its likelihood is "
    "f(d) / F(b); unweighted (the bound already accounts for the selection)"
)


def _codec(params: dict[str, float]) -> tuple[np.ndarray, Any]:
    """Unconstrained coordinates of a family's parameters (logs of the positive ones, ``mu`` in
    units of ``sigma``) and the map back; ``loc`` (``expon_shifted``) stays as fitted: it is set
    by the sample's minimum, which right truncation does not move."""
    keys = [k for k in params if k != "loc"]
    ref = abs(params.get("sigma", 1.0)) or 1.0

    def enc(p: dict[str, float]) -> np.ndarray:
        return np.array([p[k] / ref if k == "mu" else math.log(p[k]) for k in keys])

    def dec(theta: np.ndarray) -> dict[str, float]:
        out = dict(params)
        for k, v in zip(keys, theta, strict=True):
            out[k] = float(v) * ref if k == "mu" else math.exp(float(v))
        return out

    return enc(params), dec


def _log_mass(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``log(Phi(hi) - Phi(lo))`` for ``lo <= hi``, without cancellation in either tail."""
    with np.errstate(all="ignore"):
        right = sc.log_ndtr(-lo) + np.log1p(-np.exp(sc.log_ndtr(-hi) - sc.log_ndtr(-lo)))
        left = sc.log_ndtr(hi) + np.log1p(-np.exp(sc.log_ndtr(lo) - sc.log_ndtr(hi)))
    return np.where(lo > 0, right, left)


def _logpdf_logcdf(fam: str, params: dict[str, float], x: np.ndarray, b: np.ndarray):
    """``log f(x)`` and ``log F(b)`` in closed form for the fitted families (a frozen
    ``scipy.stats`` distribution costs a millisecond to build, and the optimiser builds
    hundreds); None for another family."""
    if fam in ("exponential", "expon_shifted"):
        loc = params.get("loc", 0.0)
        m = params["mean"] if fam == "exponential" else params["scale"]
        lpdf = np.where(x >= loc, -math.log(m) - (x - loc) / m, -np.inf)
        return lpdf, np.log(-np.expm1(-(b - loc) / m))
    if fam == "gamma":
        a, sc_ = params["a"], params["scale"]
        lpdf = (a - 1.0) * np.log(x / sc_) - x / sc_ - sc.gammaln(a) - math.log(sc_)
        return lpdf, np.log(sc.gammainc(a, b / sc_))
    if fam == "lognormal":
        s_, sc_ = params["s"], params["scale"]
        z = np.log(x / sc_) / s_
        lpdf = -np.log(x * s_) - 0.5 * z * z - 0.5 * math.log(2 * math.pi)
        return lpdf, sc.log_ndtr(np.log(b / sc_) / s_)
    if fam == "weibull":
        c, sc_ = params["c"], params["scale"]
        y = x / sc_
        lpdf = math.log(c / sc_) + (c - 1.0) * np.log(y) - y**c
        return lpdf, np.log(-np.expm1(-((b / sc_) ** c)))
    if fam == "truncnorm":  # N(mu, sigma) on [0, inf): the upper bound is 60 sd out
        mu, sg = params["mu"], params["sigma"]
        z = (x - mu) / sg
        norm = float(sc.log_ndtr(mu / sg))  # log P(N(mu, sigma) > 0)
        lpdf = -0.5 * z * z - 0.5 * math.log(2 * math.pi) - math.log(sg) - norm
        return lpdf, _log_mass(np.full_like(b, -mu / sg), (b - mu) / sg) - norm
    return None


TAIL = 1e-17  # below double precision next to 1: log F(b) = 0 where 1 - F(b) < TAIL


def _tail_cut(fam: str, params: dict[str, float]) -> float:
    """A value above which ``1 - F < TAIL`` (``inf`` when unknown): ``log F(b)`` is 0 there and
    is not computed (most bounds of a long log are far above the durations they bound)."""
    with np.errstate(all="ignore"):
        if fam in ("exponential", "expon_shifted"):
            m = params["mean"] if fam == "exponential" else params["scale"]
            cut = params.get("loc", 0.0) - m * math.log(TAIL)
        elif fam == "gamma":
            cut = params["scale"] * float(sc.gammainccinv(params["a"], TAIL))
        elif fam == "lognormal":
            cut = params["scale"] * math.exp(-float(sc.ndtri(TAIL)) * params["s"])
        elif fam == "weibull":
            cut = params["scale"] * (-math.log(TAIL)) ** (1.0 / params["c"])
        elif fam == "truncnorm":
            z0 = -params["mu"] / params["sigma"]
            p = max(TAIL * float(sc.ndtr(-z0)), 1e-300)
            cut = params["mu"] - params["sigma"] * float(sc.ndtri(p))
        else:
            return math.inf
    return cut if math.isfinite(cut) and cut > 0 else math.inf


def _truncated_terms(f: Fitter, params: dict[str, float], x: np.ndarray, b: np.ndarray):
    """Per-value log-likelihood ``log f(x) - log F(b)`` (``-inf`` where undefined)."""
    with np.errstate(all="ignore"):
        near = b < _tail_cut(f.family, params)
        closed = _logpdf_logcdf(f.family, params, x, b[near])
        if closed is None:
            fr = f.frozen(params)
            lpdf, lcdf = fr.logpdf(x), fr.logcdf(b[near])
        else:
            lpdf, lcdf = closed
        ll = lpdf.copy()
        ll[near] -= lcdf
    return np.where(np.isnan(ll), -np.inf, ll)


def _mean_below(fam: str, params: dict[str, float], t: np.ndarray) -> np.ndarray | None:
    """``E[X | X <= t]`` in closed form for the fitted families (None for another)."""
    with np.errstate(all="ignore"):
        if fam in ("exponential", "expon_shifted"):
            loc = params.get("loc", 0.0)
            m = params["mean"] if fam == "exponential" else params["scale"]
            u = np.maximum(t - loc, 1e-300) / m
            return loc + m * (1.0 - u / np.expm1(u))
        if fam == "gamma":
            a, sc_ = params["a"], params["scale"]
            return a * sc_ * sc.gammainc(a + 1.0, t / sc_) / sc.gammainc(a, t / sc_)
        if fam == "lognormal":
            s_, sc_ = params["s"], params["scale"]
            z = np.log(t / sc_) / s_
            return sc_ * math.exp(s_ * s_ / 2.0) * np.exp(sc.log_ndtr(z - s_) - sc.log_ndtr(z))
        if fam == "weibull":
            c, sc_ = params["c"], params["scale"]
            y = (t / sc_) ** c
            return sc_ * sc.gamma(1.0 + 1.0 / c) * sc.gammainc(1.0 + 1.0 / c, y) / -np.expm1(-y)
        if fam == "truncnorm":
            mu, sg = params["mu"], params["sigma"]
            z0, zt = np.full_like(t, -mu / sg), (t - mu) / sg
            lm = _log_mass(z0, zt)
            lphi = -0.5 * math.log(2 * math.pi)
            return mu + sg * (np.exp(lphi - 0.5 * z0 * z0 - lm) - np.exp(lphi - 0.5 * zt * zt - lm))
    return None


def _match_observed_mean(
    f: Fitter, params: dict[str, float], x: np.ndarray, b: np.ndarray, tol: float = 0.01
) -> float:
    """The factor ``k`` that makes the fitted law, scaled by ``k``, reproduce the observed mean
    of ``x`` under the same truncation: ``mean_i k E[X | X <= b_i / k] = mean(x)``; 1 when it
    already does within ``tol`` (or no factor can). With ``b = inf`` this is the mean matching of
    an ordinary fit; the truncated MLE of an exponential or a gamma satisfies it already."""
    want = float(np.mean(x))
    full = float(f.frozen(params).mean())
    cut = _tail_cut(f.family, params)

    def predicted(k: float) -> float:
        t = b / k
        near = t < cut
        cm = _mean_below(f.family, params, t[near])
        if cm is None:
            return math.nan
        return k * float(np.sum(cm) + full * np.sum(~near)) / x.size

    have = predicted(1.0)
    if not (math.isfinite(have) and have > 0 and want > 0) or abs(have / want - 1.0) <= tol:
        return 1.0
    g = lambda lk: predicted(math.exp(lk)) - want  # noqa: E731
    lo, hi = (
        (0.0, math.log(want / have) * 2.0 + 0.1)
        if have < want
        else (math.log(want / have) * 2.0 - 0.1, 0.0)
    )
    try:
        for _ in range(20):
            if g(lo) * g(hi) < 0:
                break
            lo, hi = (lo, hi + 1.0) if have < want else (lo - 1.0, hi)
        return math.exp(opt.brentq(g, lo, hi, xtol=1e-6))
    except (ValueError, RuntimeError):
        return 1.0


def _sandwich_mean_se(
    f: Fitter, dec: Any, theta: np.ndarray, x: np.ndarray, b: np.ndarray, groups: np.ndarray
) -> float:
    """Standard error of the fitted distribution's mean: delta method with the cluster-robust
    sandwich ``A^-1 J A^-1`` (``A`` the observed information, ``J`` the outer product of the
    scores summed by case: values of one case are not independent), by finite differences."""
    k, h = theta.size, 1e-3
    eye = np.eye(k) * h

    def terms(th: np.ndarray) -> np.ndarray:
        return _truncated_terms(f, dec(th), x, b)

    def total(th: np.ndarray) -> float:
        return float(np.sum(terms(th)))

    scores = np.column_stack([(terms(theta + e) - terms(theta - e)) / (2 * h) for e in eye])
    _, inv = np.unique(groups, return_inverse=True)
    by_case = np.zeros((int(inv.max()) + 1, k))
    np.add.at(by_case, inv, scores)
    J = by_case.T @ by_case
    A = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            ei, ej = eye[i], eye[j]
            A[i, j] = A[j, i] = -(
                total(theta + ei + ej)
                - total(theta + ei - ej)
                - total(theta - ei + ej)
                + total(theta - ei - ej)
            ) / (4 * h * h)
    Ainv = np.linalg.inv(A)
    V = Ainv @ J @ Ainv
    g = np.array(
        [(f.frozen(dec(theta + e)).mean() - f.frozen(dec(theta - e)).mean()) / (2 * h) for e in eye]
    )
    var = float(g @ V @ g)
    if not (math.isfinite(var) and var >= 0):
        raise FitError("the truncated likelihood's information is not positive definite")
    return math.sqrt(var)


def fit_truncated(
    values: np.ndarray | list[float],
    bounds: np.ndarray | list[float],
    *,
    groups: np.ndarray | None = None,
    target: str = "values",
    families: tuple[str, ...] = DEFAULT_FAMILIES,
    criterion: str = "aic",
    alpha: float = 0.01,
    ks_tolerance: float = 0.05,
    zero_tol: float = ZERO_TOL,
    min_sample: int = 5,
    max_fit_sample: int = 20000,
    max_mean_rse: float = 0.25,
    seed: int = 0,
) -> tuple[FitResult | None, str]:
    """Fit a right-truncated sample by its truncated likelihood, or say why not.

    ``values[i]`` was observed only because it was at most ``bounds[i]``; its likelihood is
    ``f(x) / F(b)`` (Woodroofe, 1985). Each family of ``families`` that can extrapolate
    (``TRUNCATED_FAMILIES``) is fitted to the positive values by maximising that likelihood
    (Nelder-Mead from the ordinary MLE); uniform is scored too (its truncated MLE is still
    ``[min, max]``). The lowest AIC (BIC) of the truncated log-likelihood wins. The point mass
    at zero is the MLE of ``p`` in ``p 1{d=0} + (1 - p) f`` truncated at the same bounds, given
    the winner. The winner is checked by a KS test of ``F(x) / F(b)`` (uniform under the model),
    and the mean's 95 % interval is the delta method with a case-clustered sandwich variance
    (``groups``: the case of each value), widened for the choice of family by the other
    families' means at their AIC (BIC) weights, on the log scale. The winner keeps its shape,
    scaled to reproduce the observed mean under the observed bounds where it misses it by more
    than 1 % (the mean matching of ordinary fits, ``_match_observed_mean``).

    Returns ``(None, reason)`` where the truncated likelihood does not apply and the caller keeps
    its reweighted fit: no positive value, a constant sample (fixed), fewer than ``min_sample``
    positive values (empirical), no family fitted, uniform winning (it cannot reach beyond the
    largest value), the winner rejected by KS (the empirical fallback cannot extrapolate), or a
    likelihood too flat to pin the mean (relative standard error above ``max_mean_rse``).
    """
    if criterion not in ("aic", "bic"):
        raise SimError(f"criterion must be 'aic' or 'bic', got {criterion!r}")
    x = np.asarray(values, dtype=float)
    b = np.asarray(bounds, dtype=float)
    g = np.arange(x.size) if groups is None else np.asarray(groups)
    if b.shape != x.shape or g.shape != x.shape:
        raise ValueError("values, bounds and groups must have the same length")
    ok = np.isfinite(x) & ~np.isnan(b)
    x, b, g = np.maximum(x[ok], 0.0), b[ok], g[ok]
    b = np.maximum(b, x)
    n = int(x.size)
    if n == 0:
        raise FitError(f"{target}: no values to fit")
    zero = x <= zero_tol
    pos, bpos, gpos = x[~zero], b[~zero], g[~zero]
    if pos.size == 0:
        return None, "every value is an instant"
    if FixedFitter.is_constant(pos):
        return None, "a constant (fixed) duration"
    if pos.size < min_sample:
        return None, f"only {pos.size} positive values (empirical)"
    fit_i = np.arange(pos.size)
    if pos.size > max_fit_sample:  # fit on a random subsample (not whole_sample families)
        fit_i = np.random.default_rng(seed).choice(pos.size, size=max_fit_sample, replace=False)
    xf, bf = pos[fit_i], bpos[fit_i]
    cands: list[FamilyFit] = []
    solved: dict[str, tuple[Fitter, Any, np.ndarray]] = {}
    for fam in families:
        if fam not in TRUNCATED_FAMILIES and fam != "uniform":
            continue
        f = FITTERS[fam]
        try:
            if fam == "uniform":
                lo, hi = float(pos.min()), float(pos.max())
                width = np.minimum(bpos, hi) - lo
                if not hi > lo or (width <= 0).any():
                    raise FitError("uniform needs at least two different values")
                params = {"min": lo, "max": hi}
                ll = -float(np.sum(np.log(width)))
                ks_stat, ks_p = math.nan, math.nan
            else:
                start = f.fit_params(pos if f.whole_sample else pos[fit_i])
                theta0, dec = _codec(start)

                def nll(th: np.ndarray, f: Fitter = f, dec: Any = dec) -> float:
                    try:
                        v = -float(np.sum(_truncated_terms(f, dec(th), xf, bf)))
                    except (ValueError, OverflowError, FloatingPointError):
                        return 1e300
                    return v if math.isfinite(v) else 1e300

                res = opt.minimize(
                    nll, theta0, method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-4}
                )
                if not res.fun < 1e299:
                    raise FitError("the truncated likelihood is zero")
                params = dec(res.x)
                ll = float(np.sum(_truncated_terms(f, params, pos, bpos)))
                if not math.isfinite(ll):
                    raise FitError("zero likelihood")
                ks_stat, ks_p = math.nan, math.nan  # tested for the winner only
                solved[fam] = (f, dec, res.x)
            cands.append(
                FamilyFit(
                    family=fam,
                    params={k: float(v) for k, v in params.items()},
                    n=int(pos.size),
                    loglik=ll,
                    aic=2 * f.k - 2 * ll,
                    bic=f.k * math.log(pos.size) - 2 * ll,
                    ks_statistic=ks_stat,
                    ks_pvalue=ks_p,
                    distribution=f.to_distribution(params),
                    note="truncated likelihood",
                )
            )
        except Exception as exc:  # noqa: BLE001 - any failure: the family is not a candidate
            cands.append(FamilyFit.not_fitted(fam, int(pos.size), exc))
    best = _best_candidate(cands, criterion)
    if best is None:
        return None, "no family could be fitted by the truncated likelihood"
    if best.family not in solved:
        return None, f"the truncated likelihood chose {best.family}, which cannot extrapolate"
    # KS test of F(x) / F(b), uniform on [0, 1] under the fitted law truncated at each bound
    f, dec, theta = solved[best.family]
    fr = f.frozen(dec(theta))
    with np.errstate(all="ignore"):
        u = np.clip(fr.cdf(pos) / fr.cdf(bpos), 0.0, 1.0)
    ks = st.kstest(u, "uniform")
    tested = dataclasses.replace(best, ks_statistic=float(ks.statistic), ks_pvalue=float(ks.pvalue))
    cands = [tested if c is best else c for c in cands]
    best = tested
    if best.ks_pvalue < alpha and best.ks_statistic > ks_tolerance:
        return None, (
            f"best family {best.family} rejected on the truncated sample (KS D="
            f"{best.ks_statistic:.3f} > {ks_tolerance}, p={best.ks_pvalue:.2g} < {alpha})"
        )
    # the family keeps its shape, scaled so that it reproduces the observed mean under the
    # observed bounds (the truncated form of the mean matching of ordinary fits)
    factor = _match_observed_mean(f, dec(theta), pos, bpos)
    fr = f.frozen(dec(theta))
    mu = float(fr.mean()) * factor
    # the point mass at zero, given the positive part: zeros are never truncated
    n0 = int(zero.sum())
    p0 = 0.0
    if n0:
        with np.errstate(all="ignore"):
            Fb = np.clip(fr.cdf(b / factor), 1e-300, 1.0)

        def nll_p(p: float) -> float:
            return -(
                n0 * math.log(p)
                + (n - n0) * math.log1p(-p)
                - float(np.sum(np.log(p + (1.0 - p) * Fb)))
            )

        p0 = float(opt.minimize_scalar(nll_p, bounds=(1e-9, 1.0 - 1e-9), method="bounded").x)
    try:
        se_mu = _sandwich_mean_se(f, dec, theta, pos, bpos, gpos) * factor
    except (FitError, np.linalg.LinAlgError, ValueError) as exc:
        return None, f"the truncated likelihood's variance could not be estimated ({exc})"
    # The family was chosen on the same data, and the families extrapolate the tail beyond the
    # window differently: the interval takes the other families' means into account, weighted
    # by their AIC (BIC) weights (Burnham & Anderson's unconditional standard error, deviations
    # from the chosen family's mean, the one the model uses). Without it, a normal truncated at
    # zero chosen for an exponential wait gave a mean 9 % low with an interval that missed.
    score = {c.family: (c.aic if criterion == "aic" else c.bic) for c in cands}
    terms = [(1.0, se_mu, mu)]
    for fam, (f_k, dec_k, theta_k) in solved.items():
        delta = score[fam] - score[best.family]
        if fam == best.family or not delta < 20.0:  # weight below 5e-5
            continue
        try:
            k_k = _match_observed_mean(f_k, dec_k(theta_k), pos, bpos)
            mu_k = float(f_k.frozen(dec_k(theta_k)).mean()) * k_k
            se_k = _sandwich_mean_se(f_k, dec_k, theta_k, pos, bpos, gpos) * k_k
        except (FitError, np.linalg.LinAlgError, ValueError):
            continue
        if math.isfinite(mu_k) and math.isfinite(se_k):
            terms.append((math.exp(-delta / 2.0), se_k, mu_k))
    total_w = sum(w for w, _, _ in terms)
    unconditional = sum(w * math.sqrt(se_k**2 + (mu_k - mu) ** 2) for w, se_k, mu_k in terms)
    se_mu = max(se_mu, unconditional / total_w)  # never narrower than the chosen family's own
    mean = (1.0 - p0) * mu
    se = math.sqrt(((1.0 - p0) * se_mu) ** 2 + (mu**2) * p0 * (1.0 - p0) / n)
    if not (mean > 0 and se / mean <= max_mean_rse):
        return None, (
            f"the truncated likelihood is too flat to pin the mean ({best.family}: mean "
            f"{mean:.4g}, relative standard error {se / max(mean, 1e-300):.2g} > {max_mean_rse})"
        )
    z = float(st.norm.ppf(0.975))
    half = z * se / mean
    with np.errstate(all="ignore"):
        binding = int(np.sum(fr.cdf(bpos / factor) < 0.99))
    extra: dict[str, Any] = {
        "mean_ci95": [_py(round(mean * math.exp(-half), 6)), _py(round(mean * math.exp(half), 6))],
        "mean_ci_method": "truncated likelihood: delta method, case-clustered sandwich, "
        "widened for the choice of family (AIC weights), log scale",
        "truncated_likelihood": {
            "observed_mean": round(float(x.mean()), 6),
            "values_with_bound_below_q99": binding,
            "p_zero_observed": round(n0 / n, 6),
        },
    }
    res = FitResult(
        target=target,
        distribution=best.distribution,
        family=best.family,
        n=n,
        n_zero=n0,
        candidates=tuple(cands),
        criterion=criterion,
        note=TRUNCATED_NOTE + "; " + KS_NOTE,
        extra=extra,
    )
    chosen = best.distribution
    if factor != 1.0:
        extra["mean_matched"] = {  # the observed (positive) values' mean, under their bounds
            "observed_positive_mean": round(float(pos.mean()), 6),
            "factor": round(factor, 6),
            "fitted_mean": round(float(fr.mean()) * (1.0 - p0), 6),  # before the scaling
        }
        chosen = chosen.scaled(factor)
        res = dataclasses.replace(res, note=res.note + " mean-matched")
    dist = _with(chosen, p_zero=p0, provenance=res.provenance())
    return dataclasses.replace(res, distribution=dist), ""


def samples_that_differ(
    samples: dict[str, np.ndarray], *, min_n: int = 30, alpha: float = 0.001
) -> tuple[set[str], dict[str, Any]]:
    """Which of several samples come from different distributions, with the evidence.

    The samples with at least ``min_n`` values are compared by the k-sample Anderson-Darling
    test (``scipy.stats.anderson_ksamp``, whose p-value is clipped to [0.001, 0.25]); when it
    rejects "one distribution for all" at level ``alpha``, those samples are returned (each
    deserves its own fit), otherwise none. Smaller samples are never returned: they say too
    little about their own shape. The evidence dict is JSON-ready.
    """
    if not 0.001 <= alpha <= 0.25:
        raise ValueError(
            f"alpha must be in [0.001, 0.25] (the test's p-value range), got {alpha!r}"
        )
    big = {k: np.asarray(v, dtype=float) for k, v in samples.items() if len(v) >= min_n}
    evidence: dict[str, Any] = {
        "test": "Anderson-Darling k-sample",
        "alpha": alpha,
        "n": {k: len(v) for k, v in samples.items()},
        "differ": False,
    }
    if len(big) < 2 or np.ptp(np.concatenate(list(big.values()))) == 0:
        return set(), evidence
    with warnings.catch_warnings():  # "p-value floored/capped": the clipping is documented above
        warnings.simplefilter("ignore")
        res = st.anderson_ksamp(list(big.values()), variant="midrank")
    differ = bool(res.pvalue <= alpha)
    evidence.update(
        statistic=round(float(res.statistic), 4), pvalue=float(res.pvalue), differ=differ
    )
    return (set(big) if differ else set()), evidence


# ----------------------------------------------------------------------------------- survival
def kaplan_meier(times: np.ndarray, observed: np.ndarray) -> pd.DataFrame:
    """Kaplan-Meier survival estimate: columns ``time, at_risk, events, survival``.

    ``observed`` is True where the event (abandonment) happened at ``times``, False where the
    observation is right-censored (the case was served after waiting ``times``).
    """
    t = np.asarray(times, dtype=float)
    d = np.asarray(observed, dtype=bool)
    if t.size == 0:
        return pd.DataFrame(columns=["time", "at_risk", "events", "survival"])
    order = np.argsort(t, kind="stable")
    t, d = t[order], d[order]
    uniq, idx = np.unique(t, return_index=True)
    events = np.add.reduceat(d.astype(int), idx)
    at_risk = t.size - idx
    surv = np.cumprod(1.0 - events / at_risk)
    keep = events > 0
    return pd.DataFrame(
        {
            "time": uniq[keep],
            "at_risk": at_risk[keep],
            "events": events[keep],
            "survival": surv[keep],
        }
    )


def _censored_nll(family: str, theta: np.ndarray, t: np.ndarray, d: np.ndarray) -> float:
    rv, shape = _patience_family(family, theta)
    with np.errstate(all="ignore"):
        ll = np.sum(rv.logpdf(t[d], **shape)) + np.sum(rv.logsf(t[~d], **shape))
    return -float(ll) if math.isfinite(ll) else 1e300


def _patience_family(family: str, theta: np.ndarray) -> tuple[Any, dict[str, float]]:
    """The scipy.stats family of a patience fit and its parameters at ``theta`` (logs of the
    parameters). The likelihood and the delta method call it thousands of times per fit, where
    freezing a distribution each time (it builds its docstring) was most of a fit's time."""
    a, b = math.exp(theta[0]), math.exp(theta[1]) if len(theta) > 1 else 0.0
    if family == "exponential":
        return st.expon, {"scale": a}
    if family == "weibull":
        return st.weibull_min, {"c": a, "scale": b}
    if family == "gamma":
        return st.gamma, {"a": a, "scale": b}
    if family == "lognormal":
        return st.lognorm, {"s": a, "scale": b}
    raise FitError(f"unknown patience family {family!r}")


def _patience_frozen(family: str, theta: np.ndarray) -> Any:
    rv, shape = _patience_family(family, theta)
    return rv(**shape)


def _patience_dist(family: str, theta: np.ndarray) -> Distribution:
    a, b = math.exp(theta[0]), math.exp(theta[1]) if len(theta) > 1 else 0.0
    spec = {
        "exponential": {"dist": "exponential", "mean": a},
        "weibull": {"dist": "weibull_min", "c": a, "scale": b},
        "gamma": {"dist": "gamma", "a": a, "scale": b},
        "lognormal": {"dist": "lognorm", "s": a, "scale": b},
    }[family]
    return Distribution.from_dict(spec)


def km_distance(frozen: Any, km: pd.DataFrame, *, tol: float = ZERO_TOL) -> float:
    """The largest gap ``sup_t |S_fit(t) - S_KM(t)|`` between a fitted survival function
    (``frozen.sf``) and the Kaplan-Meier curve ``km`` (``kaplan_meier``), up to the curve's
    last jump (after it the curve is flat for want of events among the few cases left).

    The curve is a step function: at each jump it is compared with the fit on both sides, its
    value before the jump (its left limit, 1 before the first) with the fit just before, its
    value after with the fit just after; as the fit is non-increasing, that is the sup over
    every ``t`` (the KS-style sup, with both one-sided limits). "Just before" and "just after"
    are ``tol`` away (``ZERO_TOL``, 3.6 ms, below which durations are instants): a fit that
    drops within the log's own time resolution at a jump (a fixed patience, every abandonment
    at 1 h, fitted as a Weibull of shape 1e14 whose drop sits 1e-15 h past the jump) is no gap,
    where evaluated at the jump itself half of its drop counted as one. NaN where the fit's
    survival function is not finite there.
    """
    at = km["time"].to_numpy(dtype=float)
    if at.size == 0:
        return 0.0
    after = km["survival"].to_numpy(dtype=float)
    before = np.r_[1.0, after[:-1]]
    with np.errstate(all="ignore"):
        gaps = np.r_[before - frozen.sf(np.maximum(at - tol, 0.0)), frozen.sf(at + tol) - after]
    gap = float(np.max(gaps))
    return max(gap, 0.0) if math.isfinite(gap) else math.nan


def _pointwise(fun: Callable[[np.ndarray], float], m: int) -> Callable[[np.ndarray], np.ndarray]:
    """``fun`` of one point of ``m`` coordinates made to take ``scipy.differentiate``'s arrays
    of points (shape ``(m, ...)``), one call per point."""

    def f(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        flat = x.reshape(m, -1)
        out = np.array([fun(flat[:, k]) for k in range(flat.shape[1])])
        return out.reshape(x.shape[1:])

    return f


def _censored_mean_se(family: str, theta: np.ndarray, t: np.ndarray, d: np.ndarray) -> float:
    """Standard error of the fitted patience mean: delta method with the inverse of the censored
    negative log-likelihood's Hessian (the observed information) in the fit's coordinates
    (logs of the parameters), both from ``scipy.differentiate``. ``FitError`` where the
    information is not positive definite or the derivatives do not converge."""
    from scipy.differentiate import hessian, jacobian

    m = theta.size

    def nll(th: np.ndarray) -> float:
        return _censored_nll(family, th, t, d)

    def mean(th: np.ndarray) -> float:
        rv, shape = _patience_family(family, th)
        return float(rv.mean(**shape))

    # second-order differences from a 1 % step of the log-parameters, to 4 significant digits:
    # scipy's defaults (8th order, machine precision) failed to converge on likelihoods of a few
    # hundred cases and took 5 times as long
    steps = {"initial_step": 1e-2, "tolerances": {"rtol": 1e-4}, "maxiter": 10, "order": 2}
    with np.errstate(all="ignore"):  # a step into zero likelihood (1e300) overflows: not PD
        hess = hessian(_pointwise(nll, m), theta, **steps)
        grad = jacobian(_pointwise(mean, m), theta, **steps)
    H, g = np.asarray(hess.ddf, dtype=float), np.asarray(grad.df, dtype=float)
    if not (np.all(hess.success) and np.all(grad.success)):
        raise FitError("the censored likelihood's derivatives did not converge")
    if not (np.isfinite(H).all() and np.isfinite(g).all()) or np.linalg.eigvalsh(H).min() <= 0:
        raise FitError("the censored likelihood's information is not positive definite")
    var = float(g @ np.linalg.solve(H, g))
    if not (math.isfinite(var) and var >= 0):
        raise FitError("the censored likelihood's information is not positive definite")
    return math.sqrt(var)


#: A fitted patience whose 0.1 % and 99.9 % quantiles are closer than this (relative) is fixed
#: in effect (a fixed patience fitted as a Weibull of shape 1e14): its likelihood is too sharp
#: for finite differences in double precision.
NEAR_FIXED_SPREAD = 1e-6


def patience_mean_interval(
    family: str, theta: np.ndarray, times: np.ndarray, abandoned: np.ndarray
) -> dict[str, Any]:
    """The 95 % confidence interval of a censored patience fit's mean, as ``{"mean_ci95":
    [low, high], "mean_ci_method"}`` (only ``mean_ci_method``, saying why, where none can be
    given).

    ``theta``: the fit's coordinates (logs of the parameters, see ``fit_patience``); ``times``
    and ``abandoned`` its data. An exponential's is exact: with ``k`` abandonments and ``T``
    the total time at risk (every case's wait, abandoned or served), ``2T / mean`` is
    chi-square with ``2k`` degrees of freedom, so the interval is ``[2T / chi2.ppf(0.975, 2k),
    2T / chi2.ppf(0.025, 2k)]``. Another family's is the delta method on the censored
    likelihood's observed information (``_censored_mean_se``), on the log scale (``mean
    exp(+-1.96 se / mean)``, positive like the mean). Neither counts the choice of family. A
    fit that is fixed in effect (``NEAR_FIXED_SPREAD``) has every abandonment at its patience:
    its interval is the span of the abandonment times.
    """
    t = np.asarray(times, dtype=float)
    d = np.asarray(abandoned, dtype=bool)
    k = int(d.sum())
    frozen = _patience_frozen(family, theta)
    mean = float(frozen.mean())
    with np.errstate(all="ignore"):
        q_lo, q_hi = (float(q) for q in frozen.ppf([0.001, 0.999]))
    if family == "exponential":
        total = 2.0 * float(t.sum())
        lo, hi = total / st.chi2.ppf(0.975, 2 * k), total / st.chi2.ppf(0.025, 2 * k)
        method = (
            "exact for a censored exponential: 2T / chi2(2k) quantiles, T the total time at "
            "risk, k the abandonments"
        )
    elif q_lo > 0 and q_hi / q_lo - 1.0 < NEAR_FIXED_SPREAD:
        lo, hi = min(float(t[d].min()), mean), max(float(t[d].max()), mean)
        method = (
            f"a fixed patience in effect ({family} with its 0.1 % and 99.9 % quantiles within "
            f"{NEAR_FIXED_SPREAD:g} of each other): the span of the abandonment times"
        )
    else:
        try:
            se = _censored_mean_se(family, theta, t, d)
        except (FitError, ValueError, OverflowError, np.linalg.LinAlgError) as exc:
            return {"mean_ci_method": f"not estimated: {exc}"}
        half = float(st.norm.ppf(0.975)) * se / mean
        lo, hi = mean * math.exp(-half), mean * math.exp(half)
        method = "censored likelihood: delta method, observed information, log scale"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return {"mean_ci_method": "not estimated: the interval is not finite"}
    return {
        "mean_ci95": [_py(round(float(lo), 6)), _py(round(float(hi), 6))],
        "mean_ci_method": method,
    }


def fit_patience(
    times: np.ndarray | list[float],
    abandoned: np.ndarray | list[bool],
    *,
    target: str = "patience",
    families: tuple[str, ...] = PATIENCE_FAMILIES,
    criterion: str = "aic",
    min_abandonments: int = 5,
) -> FitResult:
    """Fit a patience distribution to right-censored waiting times by maximum likelihood.

    ``times[i]`` is how long case ``i`` waited; ``abandoned[i]`` is True when it left then
    (an observed patience), False when it was served then (its patience is only known to be
    longer: a censored observation). The log-likelihood is
    ``sum(log f(t) for abandoned) + sum(log S(t) for served)``. The family with the lowest AIC
    (BIC) wins; the largest gap between its survival function and the Kaplan-Meier curve, on
    both sides of each of the curve's jumps, is reported as ``km_distance`` (see the function
    of that name; there is no KS test for censored samples), and the 95 % interval of its mean
    as ``mean_ci95`` (``patience_mean_interval``). A family whose search diverges (parameters no
    distribution takes, an infinite mean, or a mean over ``PATIENCE_RUNAWAY`` times the
    exponential's) is recorded as not fitted; ``FitError`` when no family is left.
    """
    t = np.asarray(times, dtype=float)
    d = np.asarray(abandoned, dtype=bool)
    ok = np.isfinite(t)
    t, d = np.maximum(t[ok], 1e-9), d[ok]
    n, k = int(t.size), int(d.sum())
    if k < min_abandonments:
        raise FitError(
            f"{target}: {k} abandonment(s) observed, at least {min_abandonments} are needed "
            "to fit a patience distribution"
        )
    km = kaplan_meier(t, d)
    cands: list[FamilyFit] = []
    thetas: dict[str, np.ndarray] = {}  # each fitted family's coordinates (logs of parameters)
    mean_t = float(np.mean(t))
    for fam in families:
        npar = 1 if fam == "exponential" else 2
        if fam == "exponential":
            x0 = np.array([math.log(max(t.sum() / k, 1e-9))])
        elif fam == "lognormal":
            x0 = np.array([0.0, math.log(max(mean_t, 1e-9))])
        else:
            x0 = np.array([0.0, math.log(max(t.sum() / k, 1e-9))])
        res = opt.minimize(lambda th, f=fam: _censored_nll(f, th, t, d), x0, method="Nelder-Mead")
        ll = -float(res.fun)
        if not math.isfinite(ll) or ll < -1e299:
            cands.append(FamilyFit.not_fitted(fam, n, "zero likelihood"))
            continue
        try:  # a search that ran off (a lognormal of s 28: an infinite mean) is no candidate
            dist = _patience_dist(fam, res.x)
            if not dist.mean() <= PATIENCE_RUNAWAY * t.sum() / k:
                raise FitError(
                    f"diverged: mean {dist.mean():.3g} h, over {PATIENCE_RUNAWAY:g} times the "
                    f"exponential's {t.sum() / k:.3g} h"
                )
            frozen = _patience_frozen(fam, res.x)
            km_dist = km_distance(frozen, km)
        except (SimError, ValueError, OverflowError) as exc:
            cands.append(FamilyFit.not_fitted(fam, n, exc))
            continue
        thetas[fam] = res.x
        params = {kk: float(v) for kk, v in dist.params.items()}
        cands.append(
            FamilyFit(
                family=fam,
                params=params,
                n=n,
                loglik=ll,
                aic=2 * npar - 2 * ll,
                bic=npar * math.log(n) - 2 * ll,
                ks_statistic=km_dist,
                ks_pvalue=math.nan,
                distribution=dist,
                note="ks_statistic = sup |S_fit - S_KM| (km_distance)",
            )
        )
    fitted = [c for c in cands if c.distribution is not None]
    if not fitted:
        why = "; ".join(f"{c.family}: {c.note}" for c in cands)
        raise FitError(f"{target}: no patience family could be fitted ({why})")
    best = min(fitted, key=lambda c: c.aic if criterion == "aic" else c.bic)
    res = FitResult(
        target=target,
        distribution=best.distribution,
        family=best.family,
        n=n,
        candidates=tuple(cands),
        criterion=criterion,
        note="right-censored MLE (served cases censored at their waiting time)",
        extra={"abandoned": k, "censored": n - k, "km_distance": round(best.ks_statistic, 4)}
        | patience_mean_interval(best.family, thetas[best.family], t, d),
    )
    prov = res.provenance()
    prov.pop("ks_statistic", None)
    prov.pop("ks_pvalue", None)
    return FitResult(
        target=target,
        distribution=_with(best.distribution, p_zero=0.0, provenance=prov),
        family=best.family,
        n=n,
        candidates=tuple(cands),
        criterion=criterion,
        note=res.note,
        extra=res.extra,
    )
