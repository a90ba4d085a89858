"""Confidence intervals across replications and paired comparisons (common random numbers)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.stats as st

LEVEL = 0.95

Bounds = tuple[float | None, float | None]
"""The domain of a quantity, ``(low, high)``; ``None`` leaves that side open."""


def clip_to_domain(
    low: float, high: float, mean: float, bounds: Bounds | None
) -> tuple[float, float]:
    """``(low, high)`` clipped to ``bounds``, never past ``mean`` (a mean outside the declared
    domain keeps that side of its interval as it was)."""
    if bounds is None:
        return low, high
    lo_b, hi_b = bounds
    if lo_b is not None and np.isfinite(low) and not mean < lo_b:
        low = max(low, float(lo_b))
    if hi_b is not None and np.isfinite(high) and not mean > hi_b:
        high = min(high, float(hi_b))
    return low, high


def confidence_interval(
    values: Sequence[float] | np.ndarray, level: float = LEVEL, *, bounds: Bounds | None = None
) -> dict[str, float]:
    """Mean and Student-t confidence interval of replication values (NaNs ignored).

    Returns ``mean, std, n, half_width, ci_low, ci_high``; with one value the interval is
    unbounded (NaN half width), with none everything is NaN. ``bounds`` is the quantity's
    domain (``(0, None)`` for a time or a count, ``(0, 1)`` for a share): ``ci_low``/``ci_high``
    are clipped to it (a t-interval of 3 replications can reach below 0 h); ``mean``, ``std``
    and ``half_width`` stay those of the t-interval. Leave it ``None`` for differences and
    relative errors, which can have either sign.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return {
            "mean": np.nan,
            "std": np.nan,
            "n": 0,
            "half_width": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
        }
    mean = float(x.mean())
    if n == 1:
        return {
            "mean": mean,
            "std": np.nan,
            "n": 1,
            "half_width": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
        }
    std = float(x.std(ddof=1))
    half = float(st.t.ppf(0.5 + level / 2, n - 1) * std / np.sqrt(n))
    low, high = clip_to_domain(mean - half, mean + half, mean, bounds)
    return {
        "mean": mean,
        "std": std,
        "n": n,
        "half_width": half,
        "ci_low": low,
        "ci_high": high,
    }


def sectioning_interval(
    pooled: float,
    values: Sequence[float] | np.ndarray,
    level: float = LEVEL,
    *,
    bounds: Bounds | None = None,
) -> dict[str, float]:
    """The sectioning confidence interval of a pooled estimate (Asmussen & Glynn 2007, ch. III):
    centred on ``pooled`` (a percentile of every replication's cases together, a ratio of sums
    over all replications), half width ``t_{n-1} * sd(values) / sqrt(n)`` from the replications'
    own estimates ``values`` (NaNs ignored). For a paired comparison ``pooled`` is
    ``pooled(alt) - pooled(base)`` and ``values`` the replications' own differences.

    A percentile or a ratio taken per replication and then averaged keeps each replication's
    small-sample bias, which more replications do not remove; the pooled estimate has the bias
    of one run of all of them, and the spread of the per-replication estimates still measures
    its noise. Returns ``confidence_interval``'s keys with ``mean`` the pooled estimate, clipped
    to ``bounds`` as it does; a NaN ``pooled`` (or no values) gives no interval (NaN bounds).
    """
    ci = confidence_interval(values, level)
    centre = float(pooled)
    if ci["n"] == 0 or not np.isfinite(centre):
        return ci | {"mean": centre if ci["n"] else np.nan, "ci_low": np.nan, "ci_high": np.nan}
    half = ci["half_width"]
    low, high = clip_to_domain(centre - half, centre + half, centre, bounds)
    return ci | {"mean": centre, "ci_low": low, "ci_high": high}


def pooled_quantiles(
    table: pd.DataFrame, qs: Sequence[float], *, by: str = "replication", value: str
) -> tuple[np.ndarray, pd.DataFrame]:
    """Quantiles ``qs`` of column ``value`` over every row of ``table`` together (``np.quantile``,
    NaN without rows), and the same quantiles of each ``by`` group (one row per group, in
    sorted order, one column per quantile): a pooled estimate and the per-replication values
    of its ``sectioning_interval`` (e.g. a ``cycle_time_table``, ``value="cycle_time_h"``)."""
    x = table[value].to_numpy(dtype=float)
    pooled = np.quantile(x, qs) if x.size else np.full(len(qs), np.nan)
    # as floats: a file of no case reads as an empty column of another dtype (QA pooled24 #1)
    values = pd.Series(x, index=table.index, name=value)
    per = values.groupby(table[by], sort=True).quantile(list(qs)).unstack()
    return np.asarray(pooled, dtype=float), per


def prediction_interval(
    values: Sequence[float] | np.ndarray, level: float = LEVEL, *, bounds: Bounds | None = None
) -> tuple[float, float]:
    """Student-t interval in which one more replication's value falls with probability
    ``level`` (mean +- t * sd * sqrt(1 + 1/n); NaNs ignored; NaN bounds below 3 values): the
    range a single run varies over, against which one real history can be judged, unlike the
    confidence interval of the mean, which shrinks with replications.

    ``bounds`` is the quantity's domain, as in ``confidence_interval``: ``(0, None)`` for a
    cycle time, which 5 widely spread runs can otherwise put below 0 h. Clipping drops only
    values the next run cannot take, so the chance of covering it is unchanged."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n < 3:
        return math.nan, math.nan
    half = float(st.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) * math.sqrt(1 + 1 / n))
    mean = float(x.mean())
    return clip_to_domain(mean - half, mean + half, mean, bounds)


def relative_difference(
    a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, level: float = LEVEL
) -> tuple[float, float, float]:
    """``mean(a) / mean(b) - 1`` and its confidence interval for independent replications of
    two models (delta method, normal quantile; NaNs ignored), e.g. a calibrated model against
    the model that generated its log."""
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if x.size < 2 or y.size < 2 or y.mean() == 0:
        return math.nan, math.nan, math.nan
    ma, mb = float(x.mean()), float(y.mean())
    r = ma / mb
    var = (x.var(ddof=1) / x.size) / mb**2 + ma**2 * (y.var(ddof=1) / y.size) / mb**4
    half = float(st.norm.ppf(0.5 + level / 2)) * math.sqrt(var)
    return r - 1.0, r - 1.0 - half, r - 1.0 + half


def summarize(
    table: pd.DataFrame,
    level: float = LEVEL,
    *,
    bounds: Mapping[str, Bounds | None] | None = None,
) -> pd.DataFrame:
    """One row per KPI column of a replications table: mean, std, n and confidence interval,
    the interval clipped to ``bounds[column]`` (the KPI's domain) where given."""
    bounds = bounds or {}
    rows = {
        c: confidence_interval(table[c].to_numpy(dtype=float), level, bounds=bounds.get(c))
        for c in table.columns
        if pd.api.types.is_numeric_dtype(table[c]) and c != "replication"
    }
    return pd.DataFrame.from_dict(rows, orient="index")


def paired_comparison(
    base: pd.DataFrame, alt: pd.DataFrame, kpis: Sequence[str] | None = None, level: float = LEVEL
) -> pd.DataFrame:
    """Per KPI: mean difference alt - base over paired replications, its CI and significance.

    Rows are paired by position (replication r of both used the same random streams); a
    replication where either value is missing is left out of ``base``, ``alt``, ``diff`` and
    ``relative`` alike, so ``alt - base == diff``, and ``n`` counts the complete pairs used (with
    none, ``base`` and ``alt`` are each side's own mean and there is no difference). A change
    is ``significant`` when its confidence interval excludes zero; ``p_value`` is the two-sided
    paired t-test's, consistent with the interval (``p_value < 1 - level`` exactly when it is
    significant), for multiple-comparison adjustments (``holm``).
    """
    n = min(len(base), len(alt))
    names = (
        list(kpis)
        if kpis is not None
        else [c for c in base.columns if c in alt.columns and c != "replication"]
    )
    rows = {}
    for k in names:
        b = base[k].to_numpy(dtype=float)[:n] if k in base else np.full(n, np.nan)
        a = alt[k].to_numpy(dtype=float)[:n] if k in alt else np.full(n, np.nan)
        both = np.isfinite(a) & np.isfinite(b)
        ci = confidence_interval(a[both] - b[both], level)
        base_mean, alt_mean = (
            (float(b[both].mean()), float(a[both].mean()))
            if both.any()
            else (_own_mean(b), _own_mean(a))
        )
        rows[k] = {
            "base": base_mean,
            "alt": alt_mean,
            "diff": ci["mean"],
            "ci_low": ci["ci_low"],
            "ci_high": ci["ci_high"],
            "n": ci["n"],
            "relative": ci["mean"] / base_mean
            if base_mean not in (0.0,) and np.isfinite(base_mean)
            else np.nan,
            "significant": bool(ci["n"] > 1 and (ci["ci_low"] > 0 or ci["ci_high"] < 0)),
            "p_value": _paired_p(ci),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _own_mean(x: np.ndarray) -> float:
    """The mean of the finite values of ``x`` (NaN when there are none)."""
    finite = x[np.isfinite(x)]
    return float(finite.mean()) if finite.size else np.nan


def _paired_p(ci: Mapping[str, float]) -> float:
    """Two-sided one-sample t-test p-value of the differences summarised in ``ci``."""
    n, mean, std = ci["n"], ci["mean"], ci["std"]
    if n < 2 or not np.isfinite(mean) or not np.isfinite(std):
        return math.nan
    if std == 0.0:  # every replication moved by the same amount: the interval is that point
        return 1.0 if mean == 0.0 else 0.0
    t = abs(mean) / (std / math.sqrt(n))
    return float(2.0 * st.t.sf(t, n - 1))


def holm(
    p_values: Sequence[float] | np.ndarray, alpha: float = 1 - LEVEL
) -> tuple[np.ndarray, np.ndarray]:
    """Holm-Bonferroni step-down adjustment of a family of p-values.

    Returns the adjusted p-values (``min(1, max_{j <= i} (m - j + 1) p_(j))`` in sorted order,
    mapped back) and the decisions ``adjusted < alpha``. The family-wise error rate, the chance
    of even one false discovery among the ``m`` tests, stays at most ``alpha`` whatever their
    dependence (Holm 1979). NaN p-values (a test that could not be run) are never rejected and
    do not count towards ``m``. scipy has no Holm (``scipy.stats.false_discovery_control``
    controls the false discovery rate, a weaker guarantee).
    """
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m:
        order = ok[np.argsort(p[ok], kind="stable")]
        steps = (m - np.arange(m)) * p[order]
        adjusted[order] = np.minimum(1.0, np.maximum.accumulate(steps))
    reject = np.where(np.isfinite(adjusted), adjusted < alpha, False)
    return adjusted, reject.astype(bool)
