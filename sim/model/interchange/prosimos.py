"""Prosimos simulation parameters <-> our distributions and calendars (exact where possible).

Prosimos (2.1, with pix-framework 0.15 whose ``DurationDistribution`` parses every distribution)
describes a duration as ``{"distribution_name": ..., "distribution_params": [{"value": x}, ...]}``,
in **seconds**. The positional parameters are *not* scipy's shapes: pix-framework stores moments
and bounds, and draws with rejection, but a bounded one: a draw outside ``[max(min, 0), max]`` is
drawn again, at most ``PROSIMOS_TRIES`` (100) times; when all of them miss, the value is the
distribution's mean if that lies in the window, else the window's middle ``(min + max) / 2``.
So "kept in" below means "drawn again until inside" only when the window holds a fair share of
the probability; a window holding little of it is slow (up to 100 draws per value) and often
gives that fixed value instead:

=============== ================================= =============================================
name            ``distribution_params``            what Prosimos draws
=============== ================================= =============================================
``fix``         ``[value]``                        ``value``
``expon``       ``[mean, min, max]``               ``expon(loc=min, scale=mean - min)`` (``scale
                                                   = mean`` if ``mean < min``), kept in
                                                   ``[max(min, 0), max]``
``norm``        ``[mean, std, min, max]``          ``norm(mean, std)`` kept in
                                                   ``[max(min, 0), max]``
``uniform``     ``[min, max]``                     ``uniform(min, max)`` kept in ``[0, max]``
``lognorm``     ``[mean, variance, min, max]``     the lognormal with that mean and variance
                                                   (``s = sqrt(log(1 + var/mean^2))``), kept in
                                                   ``[max(min, 0), max]``
``gamma``       ``[mean, variance, min, max]``     ``gamma(a = mean^2/var, scale = var/mean)``,
                                                   kept in ``[max(min, 0), max]``
``triang``      (declared, never sampled)          pix-framework 0.15 returns no distribution;
                                                   we read scipy's positional ``[c, loc, scale]``
                                                   (optionally ``min, max``), the convention of
                                                   Prosimos' older ``evaluate_distribution_function``
``histogram_    ``histogram_data: {cdf,            ``bin_midpoints[searchsorted(cdf, u)]``
sampling``      bin_midpoints}`` (arrivals only)
=============== ================================= =============================================

Conversions (``distribution_from_prosimos``), all in seconds:

* a rejection window that removes less than ``NEGLIGIBLE`` (1e-9) of the probability is dropped:
  the plain distribution differs by less than 1e-9 in total variation;
* ``expon`` and ``norm`` with a material window become scipy's ``truncexpon`` / ``truncnorm``:
  **exact** while the window holds at least ``MIN_KEPT_MASS`` of the probability (it is what
  Prosimos means to draw; with less, Prosimos itself falls back on the fixed value above);
* ``gamma`` and ``lognorm`` with a material window cannot be expressed exactly (our model has no
  truncated gamma or lognormal). They become the same family, shifted to start at the window's
  lower bound, with **exactly the mean and variance of the truncated distribution** Prosimos draws
  from (so utilisation and, to second order, queueing are the same); only the upper bound is lost;
* ``histogram_sampling`` becomes ``empirical`` with each midpoint repeated in proportion to its
  probability (exact when the probabilities are multiples of 1/N for some N <= 100,000, as they
  are when they come from counts; otherwise rounded to 1/100,000).

Several resources with different distributions for one task (``mixture_from_prosimos``): our model
has one duration per step, so the step gets the **equal-weight mixture** of the resources'
distributions, stored as ``empirical`` with ``MIXTURE_QUANTILES`` stratified quantiles of each
resource's (exact, truncated) distribution. This is exact when every resource does the same share
of the task, which is what Prosimos' "earliest-available resource" allocation tends to under light
load; under heavy load Prosimos gives the faster resources more of the work, so its mean duration
is lower than the mixture's. What is lost is who is slow: in our model anyone in the role may
take any case.

The original Prosimos specification is kept in ``Distribution.provenance["prosimos"]`` so that an
export writes it back unchanged when the distribution has not been edited since.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.special as sc
import scipy.stats as st

from sim.errors import ModelError
from sim.model.calendar import ALWAYS, DAYS, HOURS_PER_WEEK, WeeklyRate, calendar_from_pieces
from sim.model.distributions import Distribution

NEGLIGIBLE = 1e-9
MIXTURE_QUANTILES = 100
HISTOGRAM_MAX_N = 100_000
UPPER_TAIL = 1e-12  # exported bounds leave out less than this (re-imported as untruncated)
# pix-framework draws a bounded value at most this many times, then takes a fixed value
PROSIMOS_TRIES = 100
# An export keeps a window only if the chance that all the tries miss, (1 - mass)^TRIES, is at
# most 1e-3: a mass of at least about 0.067 (below, it is exported as a gamma instead)
MIN_KEPT_MASS = 1.0 - 1e-3 ** (1.0 / PROSIMOS_TRIES)

PROSIMOS_DAYS = tuple(d.upper() for d in DAYS)
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(?:[+-]\d{2}:?\d{2}|Z)?\s*$")

# Names Prosimos 2.1 can sample (for tasks, events and arrivals).
SAMPLED = ("fix", "expon", "norm", "uniform", "lognorm", "gamma")


# ----------------------------------------------------------------------------------- numbers
def number(where: str, value: Any) -> float:
    """A finite float from a JSON value (numbers are sometimes written as strings)."""
    if isinstance(value, Mapping):
        if "value" not in value:
            raise ModelError(f"{where}: expected {{'value': number}}, got {dict(value)!r}")
        value = value["value"]
    if isinstance(value, bool):
        raise ModelError(f"{where}: expected a number, got {value!r}")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ModelError(f"{where}: expected a number, got {value!r}") from None
    if not math.isfinite(x):
        raise ModelError(f"{where}: expected a finite number, got {value!r}")
    return x


def _params(where: str, spec: Mapping[str, Any]) -> list[float]:
    raw = spec.get("distribution_params", [])
    if not isinstance(raw, list):
        raise ModelError(f"{where}.distribution_params: expected a list, got {raw!r}")
    return [number(f"{where}.distribution_params[{i}]", v) for i, v in enumerate(raw)]


def _need(where: str, name: str, p: list[float], n: int, meaning: str) -> None:
    if len(p) < n:
        raise ModelError(
            f"{where}: '{name}' needs {n} distribution_params ({meaning}), got {len(p)}"
        )


# ------------------------------------------------------------------------ Prosimos -> ours
def _window(lo_param: float | None, hi_param: float | None) -> tuple[float, float]:
    lo = 0.0 if lo_param is None else max(lo_param, 0.0)
    hi = math.inf if hi_param is None else hi_param
    return lo, hi


def _base(name: str, p: list[float], where: str) -> tuple[Any, float, float] | float:
    """The scipy distribution Prosimos draws from and its rejection window (or a constant)."""
    if name in ("fix", "fixed"):
        _need(where, name, p, 1, "value")
        if p[0] < 0:
            raise ModelError(f"{where}: fix value must be >= 0, got {p[0]}")
        return p[0]
    if name in ("expon", "exponential"):
        _need(where, name, p, 3, "mean, min, max")
        mean, mn, mx = p[:3]
        scale = mean - mn if mean >= mn else mean
        if scale < 0:
            raise ModelError(f"{where}: expon needs mean > 0, got {p}")
        lo, hi = _window(mn, mx)
        if scale == 0:
            if mn < 0 or mn > mx:
                raise ModelError(f"{where}: expon with mean == min == {mn} is outside [0, {mx}]")
            return mn
        # expon(loc=min) never draws below min; below 0 it is cut off and, being memoryless,
        # expon truncated at 0 is expon(loc=0) again.
        return st.expon(loc=lo, scale=scale), lo, hi
    if name in ("norm", "normal"):
        _need(where, name, p, 2, "mean, std[, min, max]")
        mean, std = p[:2]
        lo, hi = _window(p[2] if len(p) > 2 else None, p[3] if len(p) > 3 else None)
        if std < 0:
            raise ModelError(f"{where}: norm std must be >= 0, got {std}")
        if std == 0:
            if not lo <= mean <= hi:
                raise ModelError(f"{where}: norm with std 0 has mean {mean} outside [{lo}, {hi}]")
            return mean
        return st.norm(loc=mean, scale=std), lo, hi
    if name == "uniform":
        _need(where, name, p, 2, "min, max")
        mn, mx = p[:2]
        if mx < mn:
            raise ModelError(f"{where}: uniform needs min <= max, got {p}")
        lo, hi = _window(mn, mx)
        if mx <= 0 and mn < mx:
            raise ModelError(f"{where}: uniform({mn}, {mx}) never draws a duration >= 0")
        if mn == mx:
            if mn < 0:
                raise ModelError(f"{where}: uniform({mn}, {mx}) is negative")
            return mn
        return st.uniform(loc=mn, scale=mx - mn), lo, hi
    if name in ("lognorm", "gamma"):
        _need(where, name, p, 2, "mean, variance[, min, max]")
        mean, var = p[:2]
        lo, hi = _window(p[2] if len(p) > 2 else None, p[3] if len(p) > 3 else None)
        if mean <= 0 or var < 0:
            raise ModelError(f"{where}: {name} needs mean > 0 and variance >= 0, got {p[:2]}")
        if var == 0:
            if not lo <= mean <= hi:
                raise ModelError(f"{where}: {name} with variance 0 has mean outside the window")
            return mean
        if name == "gamma":
            return st.gamma(a=mean * mean / var, scale=var / mean), lo, hi
        sigma2 = math.log1p(var / (mean * mean))
        mu = math.log(mean) - sigma2 / 2
        return st.lognorm(s=math.sqrt(sigma2), scale=math.exp(mu)), lo, hi
    if name in ("triang", "triangular"):
        _need(where, name, p, 3, "c, loc, scale (scipy's positional convention)")
        c, loc, scale = p[:3]
        if not 0 <= c <= 1 or scale <= 0:
            raise ModelError(f"{where}: triang needs 0 <= c <= 1 and scale > 0, got {p[:3]}")
        lo, hi = _window(p[3] if len(p) > 3 else None, p[4] if len(p) > 4 else None)
        return st.triang(c=c, loc=loc, scale=scale), lo, hi
    raise ModelError(
        f"{where}: unknown distribution_name '{name}'; Prosimos distributions are "
        f"{list(SAMPLED) + ['triang', 'histogram_sampling']}"
    )


def _mass(dist: Any, lo: float, hi: float) -> tuple[float, float]:
    """(probability below lo, probability above hi)."""
    below = float(dist.cdf(lo)) if lo > dist.support()[0] else 0.0
    above = float(dist.sf(hi)) if math.isfinite(hi) else 0.0
    return below, above


def _truncated_moments(dist: Any, lo: float, hi: float) -> tuple[float, float]:
    """Mean and variance of ``dist`` conditioned on ``[lo, hi]`` (closed forms for gamma/lognorm)."""
    name = dist.dist.name
    if name == "gamma":
        a = dist.kwds["a"]
        th = dist.kwds["scale"]
        x_lo, x_hi = lo / th, (hi / th if math.isfinite(hi) else math.inf)

        def part(k: float) -> float:
            upper = 1.0 if math.isinf(x_hi) else sc.gammainc(k, x_hi)
            return float(upper - sc.gammainc(k, x_lo))

        z = part(a)
        m1 = a * th * part(a + 1) / z
        m2 = a * (a + 1) * th * th * part(a + 2) / z
    elif name == "lognorm":
        s = dist.kwds["s"]
        mu = math.log(dist.kwds["scale"])
        l_lo = math.log(lo) if lo > 0 else -math.inf
        l_hi = math.log(hi) if math.isfinite(hi) else math.inf

        def part(k: int) -> float:
            a = (l_lo - mu - k * s * s) / s
            b = (l_hi - mu - k * s * s) / s
            return float(sc.ndtr(b) - sc.ndtr(a)) * math.exp(k * mu + k * k * s * s / 2)

        z = part(0)
        m1 = part(1) / z
        m2 = part(2) / z
    else:  # generic (numerical)
        m1 = float(dist.expect(lambda x: x, lb=lo, ub=hi, conditional=True))
        m2 = float(dist.expect(lambda x: x * x, lb=lo, ub=hi, conditional=True))
    return m1, max(m2 - m1 * m1, 0.0)


def distribution_from_prosimos(
    spec: Mapping[str, Any], *, where: str = "distribution", keep: bool = True
) -> Distribution:
    """Our ``Distribution`` (in seconds) for one Prosimos distribution (see the module docstring).

    ``keep`` stores the original specification in ``provenance["prosimos"]``.
    """
    if not isinstance(spec, Mapping):
        raise ModelError(f"{where}: expected a mapping with 'distribution_name', got {spec!r}")
    name = spec.get("distribution_name")
    if not isinstance(name, str):
        raise ModelError(f"{where}: missing 'distribution_name'")
    try:
        clean = _clean_spec(spec)
    except ModelError:  # report it with `where`
        _convert(spec, name, where)
        raise
    prov = {"prosimos": clean} if keep else None
    # the same specification recurs across tasks (and scipy objects are slow to build): cache
    key = repr(clean) if "histogram_data" not in spec else None
    if key is not None and key in _CACHE:
        return _with_provenance(_CACHE[key], prov)
    out = _convert(spec, name, where)
    if key is not None:
        if len(_CACHE) > 10_000:
            _CACHE.clear()
        _CACHE[key] = out
    return _with_provenance(out, prov)


_CACHE: dict[str, Distribution] = {}


def _convert(spec: Mapping[str, Any], name: str, where: str) -> Distribution:
    prov = None
    if name == "histogram_sampling":
        out = _from_histogram(spec, where)
        return _with_provenance(out, prov)
    p = _params(where, spec)
    base = _base(name, p, where)
    if isinstance(base, float):
        return _with_provenance(Distribution.fixed(base), prov)
    dist, lo, hi = base
    below, above = _mass(dist, lo, hi)
    if 1.0 - below - above <= 0.0:
        raise ModelError(
            f"{where}: {name}{p} puts no probability in the window [{lo:g}, {hi:g}] Prosimos keeps"
        )
    material = below + above >= NEGLIGIBLE
    dname = dist.dist.name
    kw = dist.kwds
    if dname == "expon":
        if material:
            out = _dist(
                {
                    "dist": "truncexpon",
                    "b": (hi - lo) / kw["scale"],
                    "loc": lo,
                    "scale": kw["scale"],
                }
            )
        elif lo == 0:
            out = _dist({"dist": "exponential", "mean": kw["scale"]})
        else:
            out = _dist({"dist": "expon", "loc": lo, "scale": kw["scale"]})
    elif dname == "norm":
        m, s = kw["loc"], kw["scale"]
        if material:
            out = _dist(
                {"dist": "truncnorm", "a": (lo - m) / s, "b": (hi - m) / s, "loc": m, "scale": s}
            )
        else:
            out = _dist({"dist": "normal", "mean": m, "std": s})
    elif dname == "uniform":
        a, b = max(kw["loc"], lo), min(kw["loc"] + kw["scale"], hi)
        out = _dist({"dist": "uniform", "min": a, "max": b})
    elif dname in ("gamma", "lognorm"):
        alias = "gamma" if dname == "gamma" else "lognormal"
        if not material:
            out = _dist({"dist": alias, "mean": p[0], "std": math.sqrt(p[1])})
        else:
            m, v = _truncated_moments(dist, lo, hi)
            out = _moment_matched(dname, m, v, lo)
    else:  # triang
        c, loc, scale = kw["c"], kw["loc"], kw["scale"]
        if material:
            raise ModelError(
                f"{where}: triang{p} with a window [{lo:g}, {hi:g}] that cuts it cannot be "
                "expressed; give min/max that contain [loc, loc + scale] and loc >= 0"
            )
        out = _dist({"dist": "triangular", "min": loc, "mode": loc + c * scale, "max": loc + scale})
    return _with_provenance(out, prov)


def _moment_matched(family: str, mean: float, var: float, lo: float) -> Distribution:
    """``family`` (gamma or lognorm) starting at ``lo`` with the given mean and variance."""
    shifted = mean - lo
    if var <= 0 or shifted <= 0:
        return Distribution.fixed(mean)
    if family == "gamma":
        if lo == 0:
            return _dist({"dist": "gamma", "mean": mean, "std": math.sqrt(var)})
        return _dist(
            {"dist": "gamma", "a": shifted * shifted / var, "loc": lo, "scale": var / shifted}
        )
    if lo == 0:
        return _dist({"dist": "lognormal", "mean": mean, "std": math.sqrt(var)})
    sigma2 = math.log1p(var / (shifted * shifted))
    return _dist(
        {
            "dist": "lognorm",
            "s": math.sqrt(sigma2),
            "loc": lo,
            "scale": shifted * math.exp(-sigma2 / 2),
        }
    )


def _dist(spec: dict[str, Any]) -> Distribution:
    return Distribution.from_dict(spec, where="prosimos distribution")


def _with_provenance(d: Distribution, prov: dict[str, Any] | None) -> Distribution:
    if prov is None:
        return d
    out = Distribution(d.name, dict(d.params), d.values, d.parts, d.p_zero, d.multiplier, prov)
    if "scipy" in d.__dict__:  # share the frozen scipy object (slow to build, never mutated)
        out.__dict__["scipy"] = d.__dict__["scipy"]
    return out


def without_provenance(d: Distribution) -> Distribution:
    """A copy of ``d`` with no provenance (for comparisons)."""
    return Distribution(d.name, dict(d.params), d.values, d.parts, d.p_zero, d.multiplier, None)


def _clean_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-safe copy of a Prosimos distribution (the keys Prosimos reads)."""
    out: dict[str, Any] = {"distribution_name": spec["distribution_name"]}
    if "distribution_params" in spec:
        out["distribution_params"] = [
            {"value": number("distribution_params", v)} for v in spec["distribution_params"]
        ]
    if "histogram_data" in spec:
        h = spec["histogram_data"]
        out["histogram_data"] = {
            "cdf": [float(x) for x in h.get("cdf", [])],
            "bin_midpoints": [float(x) for x in h.get("bin_midpoints", [])],
        }
    return out


def _from_histogram(spec: Mapping[str, Any], where: str) -> Distribution:
    h = spec.get("histogram_data")
    if not isinstance(h, Mapping):
        raise ModelError(
            f"{where}: histogram_sampling needs 'histogram_data' with cdf and bin_midpoints"
        )
    cdf = [number(f"{where}.histogram_data.cdf[{i}]", x) for i, x in enumerate(h.get("cdf", []))]
    mids = [
        number(f"{where}.histogram_data.bin_midpoints[{i}]", x)
        for i, x in enumerate(h.get("bin_midpoints", []))
    ]
    if not cdf or len(cdf) != len(mids):
        raise ModelError(f"{where}: histogram_data needs as many cdf values as bin_midpoints (> 0)")
    if any(b < a for a, b in zip(cdf, cdf[1:], strict=False)) or abs(cdf[-1] - 1.0) > 1e-6:
        raise ModelError(f"{where}: histogram_data.cdf must be non-decreasing and end at 1")
    if min(mids) < 0:
        raise ModelError(f"{where}: histogram_data.bin_midpoints must be >= 0")
    probs = np.diff(np.concatenate([[0.0], np.asarray(cdf) / cdf[-1]]))
    counts = _integer_counts(probs)
    values = [m for m, c in zip(mids, counts, strict=True) for _ in range(int(c))]
    return Distribution.from_dict({"dist": "empirical", "values": values}, where=where)


def _integer_counts(probs: np.ndarray) -> np.ndarray:
    """Smallest integer counts proportional to ``probs`` (N <= HISTOGRAM_MAX_N), else rounded."""
    keep = probs > 0
    p = probs[keep]
    for start in range(1, HISTOGRAM_MAX_N + 1, 2000):
        ns = np.arange(start, min(start + 2000, HISTOGRAM_MAX_N + 1))[:, None]
        x = ns * p[None, :]
        ok = np.all(np.abs(x - np.round(x)) < 1e-6 * np.maximum(1.0, x), axis=1)
        if ok.any():
            n = int(ns[np.argmax(ok), 0])
            out = np.zeros(len(probs), dtype=np.int64)
            out[keep] = np.round(n * p).astype(np.int64)
            return out
    # not proportional to small integers: largest-remainder rounding to HISTOGRAM_MAX_N
    raw = probs * HISTOGRAM_MAX_N
    out = np.floor(raw).astype(np.int64)
    short = HISTOGRAM_MAX_N - int(out.sum())
    out[np.argsort(-(raw - out))[:short]] += 1
    return out


# -------------------------------------------------------------------------------- mixtures
def _quantiles(spec: Mapping[str, Any], where: str, k: int) -> np.ndarray:
    """``k`` stratified quantiles of what Prosimos draws for ``spec`` (exact truncation)."""
    name = spec.get("distribution_name")
    if name == "histogram_sampling":
        d = _from_histogram(spec, where)
        v = np.sort(np.asarray(d.values))
        return v[np.minimum((np.arange(k) + 0.5) / k * len(v), len(v) - 1).astype(int)]
    p = _params(where, spec)
    base = _base(str(name), p, where)
    if isinstance(base, float):
        return np.full(k, base)
    dist, lo, hi = base
    f_lo = float(dist.cdf(lo))
    f_hi = float(dist.cdf(hi)) if math.isfinite(hi) else 1.0
    u = f_lo + (np.arange(k) + 0.5) / k * (f_hi - f_lo)
    return np.clip(dist.ppf(u), lo, hi)


def mixture_from_prosimos(
    specs: Sequence[Mapping[str, Any]], *, where: str = "distribution"
) -> Distribution:
    """One distribution for a task several resources do (see the module docstring).

    ``specs`` are the resources' entries (``resource_id`` + distribution). Identical
    distributions give that distribution exactly; different ones an equal-weight mixture.
    """
    if not specs:
        raise ModelError(f"{where}: no resource distributions")
    cleaned = [_clean_spec(s) for s in specs]
    prov = {
        "prosimos": [
            {"resource_id": str(s.get("resource_id")), **c}
            for s, c in zip(specs, cleaned, strict=True)
        ]
    }
    distinct = {repr(c) for c in cleaned}
    if len(distinct) == 1:
        one = distribution_from_prosimos(specs[0], where=where, keep=False)
        return _with_provenance(one, prov)
    values = np.concatenate(
        [_quantiles(s, f"{where}[{s.get('resource_id')}]", MIXTURE_QUANTILES) for s in specs]
    )
    out = Distribution.from_dict(
        {"dist": "empirical", "values": [float(v) for v in values]}, where=where
    )
    return _with_provenance(out, prov)


def exact_mixture_mean(specs: Iterable[Mapping[str, Any]], *, where: str = "distribution") -> float:
    """The exact mean of the equal-weight mixture Prosimos' resources draw from (for checks)."""
    means = []
    for s in specs:
        name = s.get("distribution_name")
        if name == "histogram_sampling":
            means.append(_from_histogram(s, where).mean())
            continue
        base = _base(str(name), _params(where, s), where)
        if isinstance(base, float):
            means.append(base)
        else:
            dist, lo, hi = base
            if dist.dist.name in ("gamma", "lognorm"):
                means.append(_truncated_moments(dist, lo, hi)[0])
            else:
                means.append(float(dist.expect(lambda x: x, lb=lo, ub=hi, conditional=True)))
    return float(np.mean(means))


# ------------------------------------------------------------------------ ours -> Prosimos
def scale_distribution(d: Distribution, k: float) -> Distribution:
    """``d`` with every draw multiplied by ``k``, folded into the parameters (exact)."""
    if k == 1.0:
        return d
    n = d.name
    p = dict(d.params)
    if n == "empirical":
        return Distribution(
            n, {}, tuple(v * k for v in d.values), (), d.p_zero, d.multiplier, d.provenance
        )
    if n == "sum":
        parts = tuple(scale_distribution(x, k) for x in d.parts)
        return Distribution(n, {}, (), parts, d.p_zero, d.multiplier, d.provenance)
    if n == "fixed":
        p["value"] *= k
    elif n == "exponential":
        if "mean" in p:
            p["mean"] *= k
        else:
            p["rate"] /= k
    elif n in ("lognormal", "normal") or (n == "gamma" and "mean" in p):
        p["mean"] *= k
        p["std"] *= k
    elif n == "triangular":
        for key in ("min", "mode", "max"):
            p[key] *= k
    elif n == "uniform" and "min" in p:
        p["min"] *= k
        p["max"] *= k
    else:  # any scipy distribution: loc and scale
        p["loc"] = p.get("loc", 0.0) * k
        p["scale"] = p.get("scale", 1.0) * k
    return Distribution(n, p, (), (), d.p_zero, d.multiplier, d.provenance)


def fold_multiplier(d: Distribution) -> Distribution:
    """``d`` with ``multiplier`` folded into the parameters."""
    if d.multiplier == 1.0:
        return d
    base = Distribution(d.name, dict(d.params), d.values, d.parts, d.p_zero, 1.0, d.provenance)
    return scale_distribution(base, d.multiplier)


def _p(*values: float) -> list[dict[str, float]]:
    return [{"value": float(v)} for v in values]


def distribution_to_prosimos(
    d: Distribution, *, label: str | None = None
) -> tuple[dict[str, Any], str | None]:
    """The Prosimos specification of ``d`` (already in seconds) and, when inexact, why.

    ``label`` names the distribution in the reason (default: ``d`` described, in seconds);
    the exporter passes the model's own description, in the model's time unit, which is what
    its user reads in the model file.

    Exact for fixed, exponential/expon/truncexpon, normal/truncnorm (when the normal hardly
    goes below 0: we clip negative draws to 0, Prosimos draws again), uniform, gamma and
    lognormal (unshifted), and for whatever came from Prosimos unchanged. Anything else becomes
    a gamma with the same mean and variance (``fix`` when the variance is 0), and the reason is
    returned. So does a truncexpon or (trunc)normal whose window Prosimos keeps holds less than
    ``MIN_KEPT_MASS`` of the untruncated distribution: Prosimos would draw up to
    ``PROSIMOS_TRIES`` times per value and often give up on a fixed value.
    """
    d = fold_multiplier(d)
    label = label or d.describe()
    n, p = d.name, d.params
    if d.p_zero == 0.0:
        if n == "fixed":
            return {"distribution_name": "fix", "distribution_params": _p(p["value"])}, None
        if n == "exponential" or (n == "expon" and p.get("loc", 0.0) >= 0):
            scale = (
                (p["mean"] if "mean" in p else 1 / p["rate"])
                if n == "exponential"
                else p.get("scale", 1.0)
            )
            loc = 0.0 if n == "exponential" else p.get("loc", 0.0)
            hi = loc - scale * math.log(UPPER_TAIL)
            return {
                "distribution_name": "expon",
                "distribution_params": _p(loc + scale, loc, hi),
            }, None
        if n == "truncexpon" and p.get("loc", 0.0) >= 0:
            loc, scale = p.get("loc", 0.0), p.get("scale", 1.0)
            kept = -math.expm1(-p["b"])
            if kept < MIN_KEPT_MASS:
                return _gamma_like(d, _small_window(label, "exponential", kept))
            return {
                "distribution_name": "expon",
                "distribution_params": _p(loc + scale, loc, loc + p["b"] * scale),
            }, None
        if n in ("normal", "norm", "truncnorm"):
            m = p["mean"] if n == "normal" else p.get("loc", 0.0)
            s = p["std"] if n == "normal" else p.get("scale", 1.0)
            lo = m + p["a"] * s if n == "truncnorm" else m - 40 * s
            hi = m + p["b"] * s if n == "truncnorm" else m + 40 * s
            spec = {"distribution_name": "norm", "distribution_params": _p(m, s, lo, hi)}
            kept = float(st.norm(m, s).cdf(hi) - st.norm(m, s).cdf(max(lo, 0.0)))
            if kept < MIN_KEPT_MASS:
                return _gamma_like(d, _small_window(label, "normal", kept))
            below = float(st.norm(m, s).cdf(0.0)) - (
                float(st.norm(m, s).cdf(lo)) if lo < 0 else 0.0
            )
            if lo < 0 and below >= NEGLIGIBLE:
                return spec, (
                    f"{label} goes below 0 with probability {below:.2g}: we count those "
                    "draws as 0, Prosimos draws again"
                )
            return spec, None
        if n == "uniform":
            lo = p["min"] if "min" in p else p.get("loc", 0.0)
            hi = p["max"] if "max" in p else lo + p.get("scale", 1.0)
            if lo >= 0:
                return {"distribution_name": "uniform", "distribution_params": _p(lo, hi)}, None
        if n in ("gamma", "lognormal", "lognorm") and p.get("loc", 0.0) == 0.0:
            name = "gamma" if n == "gamma" else "lognorm"
            if "mean" in p:  # the aliases keep mean and std: write them unchanged
                mean, var = p["mean"], p["std"] * p["std"]
            else:
                mean, var = float(d.scipy.mean()), float(d.scipy.var())
            hi = float(d.scipy.isf(UPPER_TAIL))
            return {"distribution_name": name, "distribution_params": _p(mean, var, 0.0, hi)}, None
    return _gamma_like(
        d, f"{label} has no Prosimos equivalent; exported as a gamma with its mean and variance"
    )


def _small_window(label: str, family: str, kept: float) -> str:
    """Why a truncated distribution whose window holds ``kept`` of its mass is not kept."""
    return (
        f"{label}: its window holds only {kept:.2g} of the {family} distribution's probability, "
        f"and Prosimos draws at most {PROSIMOS_TRIES} times per value, then takes one fixed "
        "value (slow, and often that value); exported as a gamma with its mean and variance"
    )


def _gamma_like(d: Distribution, why: str) -> tuple[dict[str, Any], str]:
    """A gamma with the mean and variance of ``d`` (``fix`` when the variance is 0), and ``why``."""
    mean = d.mean()
    var = _variance(d)
    if var <= 0:
        return {"distribution_name": "fix", "distribution_params": _p(mean)}, why
    g = st.gamma(a=mean * mean / var, scale=var / mean)
    return {
        "distribution_name": "gamma",
        "distribution_params": _p(mean, var, 0.0, float(g.isf(UPPER_TAIL))),
    }, why


def _variance(d: Distribution) -> float:
    """Variance of a draw of ``d`` (after p_zero and clipping at 0), numerically when needed."""
    if d.name == "fixed":
        m1, m2 = d.params["value"], d.params["value"] ** 2
    elif d.name == "empirical":
        v = np.asarray(d.values)
        m1, m2 = float(v.mean()), float((v * v).mean())
    elif d.name == "sum":
        m1 = sum(x.mean() for x in d.parts)
        m2 = sum(_variance(x) for x in d.parts) + m1 * m1
    else:
        s = d.scipy
        lo = float(s.support()[0])
        if lo >= 0:
            m1, m2 = float(s.mean()), float(s.var() + s.mean() ** 2)
        else:
            m1 = float(s.expect(lambda x: x, lb=0.0))
            m2 = float(s.expect(lambda x: x * x, lb=0.0))
    q = 1.0 - d.p_zero
    k = d.multiplier
    mean = q * m1 * k
    return max(q * m2 * k * k - mean * mean, 0.0)


def reproduces(spec: Any, d: Distribution, *, mixture: bool) -> bool:
    """True when importing ``spec`` (kept in provenance) gives ``d`` back (so it is unedited)."""
    try:
        again = mixture_from_prosimos(spec) if mixture else distribution_from_prosimos(spec)
    except (ModelError, KeyError, TypeError, ValueError):
        return False
    return without_provenance(again) == without_provenance(d)


# ------------------------------------------------------------------------------- calendars
def parse_time(where: str, text: Any) -> float:
    """Hours since midnight of ``HH:MM[:SS[.fff]]`` (a time zone suffix is ignored)."""
    m = _TIME.match(str(text))
    if not m:
        raise ModelError(f"{where}: expected a time like '09:00:00', got {text!r}")
    h, mi = int(m.group(1)), int(m.group(2))
    s = int(m.group(3) or 0)
    frac = float("0." + m.group(4)) if m.group(4) else 0.0
    if h > 24 or mi > 59 or s > 59 or (h == 24 and (mi or s or frac)):
        raise ModelError(f"{where}: not a time of day: {text!r}")
    return h + mi / 60 + (s + frac) / 3600


def calendar_from_prosimos(periods: Any, *, where: str) -> WeeklyRate:
    """A weekly calendar from Prosimos time periods (``from``/``to`` days, begin/end times).

    Exact to the microsecond (Prosimos' own files have times like 17:00:00.718, and whether an
    arrival at 17:00:00.646 is inside depends on it), except that an end at or after 23:59:59
    means midnight: Prosimos cannot write 24:00, so it writes 23:59:59.999. An end at 23:59:00
    stays a minute before midnight.
    """
    if not isinstance(periods, list):
        raise ModelError(f"{where}: expected a list of time periods, got {periods!r}")
    pieces: list[tuple[float, float]] = []
    for i, item in enumerate(periods):
        w = f"{where}[{i}]"
        if not isinstance(item, Mapping):
            raise ModelError(f"{w}: expected a mapping with from, to, beginTime, endTime")
        for key in ("from", "to", "beginTime", "endTime"):
            if key not in item:
                raise ModelError(f"{w}: missing '{key}'")
        d0, d1 = str(item["from"]).upper(), str(item["to"]).upper()
        for d in (d0, d1):
            if d not in PROSIMOS_DAYS:
                raise ModelError(f"{w}: unknown day {d!r}; expected one of {list(PROSIMOS_DAYS)}")
        b = parse_time(f"{w}.beginTime", item["beginTime"])
        e = parse_time(f"{w}.endTime", item["endTime"])
        if e >= 24.0 - 1.0 / 3600:
            e = 24.0
        if e < b:
            raise ModelError(
                f"{w}: the period ends ({item['endTime']}) before it begins ({item['beginTime']}); "
                "split a night shift at midnight"
            )
        if e == b:
            continue
        k = PROSIMOS_DAYS.index(d0)
        while True:
            pieces.append((k * 24.0 + b, k * 24.0 + e))
            if k == PROSIMOS_DAYS.index(d1):
                break
            k = (k + 1) % 7
    return calendar_from_pieces(pieces, where=where)


def _hhmmss(h: float) -> str:
    us = int(round(h * 3_600_000_000))
    sec, frac = divmod(us, 1_000_000)
    text = f"{sec // 3600:02d}:{sec % 3600 // 60:02d}:{sec % 60:02d}"
    return f"{text}.{frac:06d}".rstrip("0") if frac else text


def calendar_to_prosimos(cal: WeeklyRate) -> list[dict[str, str]]:
    """Prosimos time periods of a calendar (positive-rate pieces, split at midnight).

    A piece that ends at midnight is written to end at 23:59:59.999 (Prosimos cannot express
    24:00); reading it back gives 24:00 again.
    """
    out: list[dict[str, str]] = []
    if cal.is_constant and cal.rates[0] > 0:
        return [
            {"from": "MONDAY", "to": "SUNDAY", "beginTime": "00:00:00", "endTime": "23:59:59.999"}
        ]
    for start, end, rate in cal.intervals():
        if rate <= 0:
            continue
        t = start
        while t < end:
            day = int(t // 24)
            day_end = min(end, (day + 1) * 24.0)
            b, e = t - day * 24, day_end - day * 24
            out.append(
                {
                    "from": PROSIMOS_DAYS[day],
                    "to": PROSIMOS_DAYS[day],
                    "beginTime": _hhmmss(b),
                    "endTime": "23:59:59.999" if e >= 24.0 else _hhmmss(e),
                }
            )
            t = day_end
    return out


def is_always(cal: WeeklyRate) -> bool:
    """True when the calendar is open all week."""
    return cal.weekly_total >= HOURS_PER_WEEK - 1e-9 and min(cal.rates) > 0


def open_hours(cal: WeeklyRate) -> float:
    """Hours per week with a positive rate."""
    return sum(e - s for s, e, r in cal.intervals() if r > 0)


def arrival_profile(cal: WeeklyRate) -> tuple[WeeklyRate | None, float]:
    """The arrival profile for a Prosimos arrival calendar, and the inter-arrival multiplier.

    Prosimos adds inter-arrival gaps in clock time and moves an arrival that falls outside the
    calendar to its next opening. Our arrivals are a renewal process in operational time, shaped
    by a profile normalised to mean 1; a 0/1 calendar normalised to mean 1 has rate 168/H while
    open (H open hours a week), so gaps are multiplied by 168/H to keep Prosimos' rate while
    open. The one difference: Prosimos discards the part of a gap that falls in closed time (the
    first case of every opening arrives exactly at the opening), ours carries it over.
    """
    if is_always(cal):
        return None, 1.0
    hours = open_hours(cal)
    factor = HOURS_PER_WEEK / hours
    profile = WeeklyRate(cal.breaks, tuple(factor if r > 0 else 0.0 for r in cal.rates))
    return profile, factor


def profile_calendar(profile: WeeklyRate) -> tuple[WeeklyRate, float, bool]:
    """Inverse of ``arrival_profile``: (0/1 calendar, gap multiplier, exact?)."""
    positive = [r for r in profile.rates if r > 0]
    cal = WeeklyRate(profile.breaks, tuple(1.0 if r > 0 else 0.0 for r in profile.rates))
    merged = _merge(cal)
    hours = open_hours(merged)
    exact = max(positive) - min(positive) <= 1e-9 * max(positive)
    return merged, hours / HOURS_PER_WEEK, exact


def _merge(cal: WeeklyRate) -> WeeklyRate:
    b: list[float] = []
    r: list[float] = []
    for s, _, x in cal.intervals():
        if r and r[-1] == x:
            continue
        b.append(s)
        r.append(x)
    return WeeklyRate(tuple(b), tuple(r))


__all__ = [
    "ALWAYS",
    "MIXTURE_QUANTILES",
    "NEGLIGIBLE",
    "arrival_profile",
    "calendar_from_prosimos",
    "calendar_to_prosimos",
    "distribution_from_prosimos",
    "distribution_to_prosimos",
    "exact_mixture_mean",
    "fold_multiplier",
    "mixture_from_prosimos",
    "profile_calendar",
    "reproduces",
    "scale_distribution",
    "without_provenance",
]
