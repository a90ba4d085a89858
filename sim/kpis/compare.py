"""Scenarios side by side: each scenario's KPIs against a baseline's, with confidence intervals.

The inputs are replications tables (``replications.csv``, one row per replication). Scenarios
simulated with the same seed and the same number of replications share their random numbers
replication by replication (common random numbers), so their differences are paired; otherwise
they are compared as independent samples (Welch's t-interval).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
import scipy.stats as st

from sim.kpis.stats import LEVEL, paired_comparison

COMPARED_HEADLINE = (
    "cycle_time_mean",
    "cycle_time_p90",
    "dropoff_rate",
    "throughput_per_week",
    "wip_mean",
    "cost_per_case",
    "headcount",
)
"""The scenario-wide KPIs a comparison shows, in this order, before the per-role utilisation
and the per-step waiting."""
COMPARED_PER_ITEM = ("utilisation", "waiting_mean")

HIGHER_IS_BETTER = frozenset(
    {
        "throughput_per_week",
        "throughput_per_day",
        "margin_per_case",
        "revenue_per_case",
        "value_added_ratio",
    }
)
NEUTRAL = frozenset({"utilisation", "headcount", "cases_arrived", "arrivals_per_week", "reached"})
"""KPIs whose change is neither good nor bad in itself (busier staff, more people)."""

Direction = Literal["lower", "higher"] | None


def better_direction(kpi: str) -> Direction:
    """Which way KPI ``kpi`` improves: ``"lower"`` (times, drop-off, cost), ``"higher"``
    (throughput, margin) or ``None`` (utilisation, headcount: a trade-off, not a goal)."""
    base = kpi.split(":", 1)[0]
    if kpi in NEUTRAL or base in NEUTRAL:
        return None
    return "higher" if kpi in HIGHER_IS_BETTER else "lower"


def compared_kpis(columns: Sequence[str]) -> list[str]:
    """The KPI columns of a replications table a comparison shows: ``COMPARED_HEADLINE``, then
    utilisation per role and waiting per step (in the table's order)."""
    cols = list(columns)
    head = [k for k in COMPARED_HEADLINE if k in cols]
    items = [c for p in COMPARED_PER_ITEM for c in cols if c.startswith(p + ":")]
    return head + items


def unpaired_comparison(
    base: pd.DataFrame, alt: pd.DataFrame, kpis: Sequence[str], level: float = LEVEL
) -> pd.DataFrame:
    """Per KPI: ``mean(alt) - mean(base)`` of independent replications and its Welch
    t-interval (the same columns as ``paired_comparison``)."""
    rows = {}
    for k in kpis:
        b = base[k].to_numpy(dtype=float) if k in base else np.array([])
        a = alt[k].to_numpy(dtype=float) if k in alt else np.array([])
        b, a = b[~np.isnan(b)], a[~np.isnan(a)]
        base_mean = float(b.mean()) if b.size else np.nan
        alt_mean = float(a.mean()) if a.size else np.nan
        low = high = np.nan
        if a.size > 1 and b.size > 1:
            if a.std() == 0 and b.std() == 0:  # equal in every replication: no spread at all
                low = high = alt_mean - base_mean
            else:
                ci = st.ttest_ind(a, b, equal_var=False).confidence_interval(level)
                low, high = float(ci.low), float(ci.high)
        diff = alt_mean - base_mean
        rows[k] = {
            "base": base_mean,
            "alt": alt_mean,
            "diff": diff,
            "ci_low": low,
            "ci_high": high,
            "n": int(min(a.size, b.size)),
            "relative": diff / base_mean if base_mean and np.isfinite(base_mean) else np.nan,
            "significant": bool(np.isfinite(low) and (low > 0 or high < 0)),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def verdict(kpi: str, significant: bool, diff: float) -> str:
    """``better``, ``worse``, ``changed`` (a significant change of a neutral KPI) or ``within
    noise`` for one KPI's difference against the baseline."""
    if not significant or not np.isfinite(diff) or diff == 0:
        return "within noise"
    way = better_direction(kpi)
    if way is None:
        return "changed"
    return "better" if (diff < 0) == (way == "lower") else "worse"


def compare_scenarios(
    tables: Mapping[str, pd.DataFrame],
    *,
    baseline: str,
    paired: bool,
    kpis: Sequence[str] | None = None,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Every scenario of ``tables`` (name -> replications table) against ``baseline``.

    Returns one row per scenario and KPI, baseline rows included (difference 0): ``scenario,
    kpi, base, alt, diff, ci_low, ci_high, relative, n, significant, paired, verdict``.
    ``paired`` pairs replications by position (common random numbers); ``kpis`` defaults to
    ``compared_kpis`` of the baseline's columns, plus those only other scenarios have (a role
    added in one scenario).
    """
    if baseline not in tables:
        raise KeyError(f"baseline {baseline!r} is not one of the scenarios {list(tables)}")
    base = tables[baseline]
    if kpis is None:
        names = compared_kpis(base.columns)
        for t in tables.values():
            names += [k for k in compared_kpis(t.columns) if k not in names]
        kpis = names
    frames = []
    for name, table in tables.items():
        if paired:
            cmp = paired_comparison(base, table, kpis, level)
        else:
            cmp = unpaired_comparison(base, table, kpis, level)
        cmp = cmp.rename_axis("kpi").reset_index()
        cmp.insert(0, "scenario", name)
        cmp["paired"] = paired
        frames.append(cmp)
    out = pd.concat(frames, ignore_index=True)
    out["verdict"] = [
        verdict(k, bool(s), float(d))
        for k, s, d in zip(out["kpi"], out["significant"], out["diff"], strict=True)
    ]
    out.loc[out["scenario"] == baseline, "verdict"] = "baseline"
    return out
