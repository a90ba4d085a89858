"""Scenarios side by side: each scenario's KPIs against a baseline's, with confidence intervals.

The inputs are replications tables (``replications.csv``, one row per replication). Scenarios
simulated with the same seed and the same number of replications share their random numbers
replication by replication (common random numbers), so their differences are paired; otherwise
they are compared as independent samples (Welch's t-interval). Both are decided per scenario
against the baseline.
"""

from __future__ import annotations

import warnings
from collections.abc import Collection, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
import scipy.stats as st

from sim.kpis.stats import LEVEL, confidence_interval
from sim.kpis.summary import pooled_estimates, split_segment_key
from sim.kpis.units import kpi_unit

COMPARED_HEADLINE = (
    "cycle_time_mean",
    "cycle_time_p90",
    "waiting_per_case",
    "dropoff_rate",
    "throughput_per_week",
    "wip_mean",
    "cost_per_case",
    "revenue_per_case",
    "margin_per_case",
    "headcount",
)
"""The scenario-wide KPIs a comparison shows, in this order, before the per-role utilisation,
the per-step waiting and, for a model of two or more segments, each segment's KPIs
(``sim.kpis.summary.SEGMENT_KPIS``)."""
COMPARED_PER_ITEM = ("utilisation", "waiting_mean")

HIGHER_IS_BETTER = frozenset(
    {
        "throughput_per_week",
        "throughput_per_day",
        "margin_per_case",
        "revenue_per_case",
        "value_added_ratio",
        "conversion_rate",
    }
)
NEUTRAL = frozenset({"utilisation", "headcount", "cases_arrived", "arrivals_per_week", "reached"})
"""KPIs whose change is neither good nor bad in itself (busier staff, more people)."""

Direction = Literal["lower", "higher"] | None


def better_direction(kpi: str) -> Direction:
    """Which way KPI ``kpi`` improves: ``"lower"`` (times, drop-off, cost), ``"higher"``
    (throughput, margin) or ``None`` (utilisation, headcount: a trade-off, not a goal); a
    segment's KPI (``segment:<segment>:<kpi>``) the way its KPI does."""
    if (per_segment := split_segment_key(kpi)) is not None:
        kpi = per_segment[1]
    base = kpi.split(":", 1)[0]
    if kpi in NEUTRAL or base in NEUTRAL:
        return None
    return "higher" if kpi in HIGHER_IS_BETTER else "lower"


def compared_kpis(columns: Sequence[str]) -> list[str]:
    """The KPI columns of a replications table a comparison shows: ``COMPARED_HEADLINE``, then
    utilisation per role and waiting per step, then each segment's KPIs (in the table's
    order)."""
    cols = list(columns)
    head = [k for k in COMPARED_HEADLINE if k in cols]
    items = [c for p in COMPARED_PER_ITEM for c in cols if c.startswith(p + ":")]
    segments = [c for c in cols if split_segment_key(c) is not None]
    return head + items + segments


VOLUME_KPIS = frozenset(
    {"throughput_per_week", "throughput_per_day", "wip_mean", "cost_per_case", "margin_per_case"}
)
"""KPIs that follow the arrival volume: with more demand more cases finish and more are in
progress, and the staff's cost (paid whether busy or not) is spread over more cases, so cost
and margin per case move too; which is neither better nor worse in itself."""
ONE_REPLICATION = "no CI (1 replication)"
"""The verdict of a KPI compared between runs of which one has a single replication: no
confidence interval, nothing tested (``row_verdict``; a KPI measured in only one of a run's
several replications says so instead)."""
NO_CHANGE = "no change"
"""The verdict of a KPI equal in the scenario and the baseline in every replication (a
headcount nobody changed): not noise, there is no difference at all."""
WINDOW_EDGE = "window edge"
"""The verdict of a significant throughput change that the window's own cases do not show.
Throughput counts the successful completions inside the window, whenever their cases arrived:
completions = arrivals in the window + cases in progress at its start - cases in progress at
its end. A scenario that works faster finishes more warm-up cases before the window opens and
leaves fewer cases open at its end, so under the same demand the window's completions move by
the change of the cases in progress at its two edges, a one-off shift that does not grow with
the window. Where the cases that arrived in the window were not won significantly more (or
fewer) in the same direction, and neither run's work in progress grows over the window (a
backlog that grows is capacity, not an edge; one that grows by under ``NEGLIGIBLE_CHANGE`` of
the window's arrivals is none), the change is this, neither better nor worse
(``window_edge_note``)."""
THROUGHPUT_KPIS = ("throughput_per_week", "throughput_per_day")
WON_IN_WINDOW = "cases_completed"
"""The replications table's successful completions of the cases that arrived in the window
(after it too, in a drained run): the output of the window's demand, free of its edges."""
WINDOW_EDGE_COLUMNS = (WON_IN_WINDOW, "wip_change", "cases_arrived", "arrivals_per_week")
"""The replications table's columns ``window_edge_note`` reads: the cases of the window won,
the change of its work in progress, the window's length (its arrivals over their rate a
week). Whoever keeps a table's KPIs per replication keeps these beside them to judge by the
same rule (``sim.optimize.confirm``)."""
NEGLIGIBLE_CHANGE = 0.001
"""Practical-significance floor: a change smaller than this share of the reference's mean
(0.1 % of a time, a cost, a rate of cases; for a share KPI stored as a fraction, this many units
of it: 0.1 percentage points) is negligible. ``sim.optimize.confirm`` puts it under an
improvement on today (it then makes no redesign better); here a window's work in progress that
grows by less than this share of the cases that arrived in the window is no backlog
(``window_edge_note``)."""


def _values(table: pd.DataFrame, kpi: str) -> np.ndarray:
    return table[kpi].to_numpy(dtype=float) if kpi in table else np.array([])


def _mean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else np.nan


def _row(base_mean: float, alt_mean: float, low: float, high: float, **sizes: int) -> dict:
    diff = alt_mean - base_mean
    return {
        "base": base_mean,
        "alt": alt_mean,
        "diff": diff,
        "ci_low": low,
        "ci_high": high,
        **sizes,
        "relative": diff / base_mean if base_mean and np.isfinite(base_mean) else np.nan,
        "significant": bool(np.isfinite(low) and (low > 0 or high < 0)),
    }


def _paired_row(b: np.ndarray, a: np.ndarray, level: float, scale: float = 0.0) -> dict:
    """Replication r of both paired; the means and the difference over the same complete pairs
    (a replication where either value is missing is left out of all three). Pairs equal up to
    float rounding (``_same`` at ``scale``) are equal: no change, not one of 1e-17."""
    n = min((x.size for x in (a, b) if x.size), default=0)  # a KPI one side lacks: all NaN
    b, a = (np.full(n, np.nan) if x.size == 0 else x[:n] for x in (b, a))
    both = np.isfinite(a) & np.isfinite(b)
    if not both.any():  # no pair: each side's own mean, no difference
        return _row(_mean(b), _mean(a), np.nan, np.nan, n=0, n_base=0, n_alt=0)
    pairs = int(both.sum())
    if pairs > 1 and _same(a[both], b[both], scale):
        mean = float(b[both].mean())
        return _row(mean, mean, 0.0, 0.0, n=pairs, n_base=pairs, n_alt=pairs)
    ci = confidence_interval(a[both] - b[both], level)
    row = _row(float(b[both].mean()), float(a[both].mean()), ci["ci_low"], ci["ci_high"], n=pairs)
    return row | {"n_base": pairs, "n_alt": pairs}


ROUNDING = 1e-12
"""Values that differ by less than this share of their scale are one value: float rounding (a
revenue of 0.1 per case averaged over a replication's cases reads 0.1 or 0.10000000000000002),
not a spread or a change (QA rt_files F5). The scale is a KPI's ``rounding_scales``: that of
the figures it is computed from, not only its own (a margin of 0 is a difference of costs of
0.6)."""


def rounding_scales(tables: Sequence[pd.DataFrame], kpis: Sequence[str]) -> dict[str, float]:
    """Per KPI of ``kpis``, the size its float rounding is relative to: the largest magnitude
    in ``tables`` (the runs compared) among the values of every KPI of its unit
    (``sim.kpis.units.kpi_unit``: hours, money, cases, shares), or of its own where its unit
    is unknown.

    A KPI's rounding error is relative to the figures it is computed from, which are of its
    unit, not to its own value: a margin is revenue - cost (0.6 - 0.6000000000000001 is
    -1.1e-16, a margin of "0" apart from another by 2 ulp of 0.6, QA rt27_files F5), a waiting
    is a start minus an arrival on a clock of hundreds of hours. Near 0 a tolerance relative to
    the KPI's own values is none at all; one relative to the largest of its unit is still far
    below anything a KPI can mean (1e-12 of a 1,000 h cycle time is 4 microseconds), and grows
    with the runs' own figures, where a fixed constant per unit would fit one model only."""
    cache: dict[str, float] = {}

    def largest(columns: Collection[str]) -> float:
        tops = [
            float(np.abs(x[np.isfinite(x)]).max(initial=0.0))
            for t in tables
            for c in columns
            if c in t and (x := t[c].to_numpy(dtype=float)).size
        ]
        return max(tops, default=0.0)

    out = {}
    for k in kpis:
        unit = kpi_unit(k)
        if not unit:
            out[k] = largest([k])
            continue
        if unit not in cache:
            cache[unit] = largest(
                {str(c) for t in tables for c in t.columns if kpi_unit(str(c)) == unit}
            )
        out[k] = cache[unit]
    return out


def _same(x: np.ndarray | float, y: np.ndarray | float, scale: float = 0.0) -> bool:
    """Whether ``x`` and ``y`` (arrays of one shape, or one of them a number) are equal up to
    float rounding: ``ROUNDING`` of their size or of ``scale`` (``rounding_scales``), which is
    larger."""
    return bool(np.allclose(x, y, rtol=ROUNDING, atol=ROUNDING * scale))


def _flat(x: np.ndarray, scale: float = 0.0) -> bool:
    """Whether the values ``x`` (2+) have no spread: all equal up to float rounding (``_same``
    at ``scale``), where scipy warns of lost precision and its interval is rounding noise."""
    return _same(x, x[0], scale)


def _welch_interval(
    b: np.ndarray, a: np.ndarray, level: float = LEVEL, scale: float = 0.0
) -> tuple[float, float]:
    """Welch's t-interval of ``mean(a) - mean(b)`` (each of 2+ values). A constant side (up to
    float rounding: ``_flat``) adds no variance, so the interval is the other side's one-sample
    t-interval (``df = n - 1``) moved by the constant (``ttest_ind`` would warn of lost
    precision there); two constant sides give a zero-width interval at the difference."""
    diff = float(a.mean() - b.mean())
    a_flat, b_flat = _flat(a, scale), _flat(b, scale)
    if a_flat and b_flat:  # equal in every replication on both sides: no spread at all
        return diff, diff
    with warnings.catch_warnings():
        # scipy's lost-precision warning (a path into site-packages) is not the user's to read;
        # the flat sides it warns of are handled above
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        if b_flat:
            ci = st.ttest_1samp(a, 0.0).confidence_interval(level)
            return float(ci.low) - float(b.mean()), float(ci.high) - float(b.mean())
        if a_flat:
            ci = st.ttest_1samp(b, 0.0).confidence_interval(level)
            return float(a.mean()) - float(ci.high), float(a.mean()) - float(ci.low)
        ci = st.ttest_ind(a, b, equal_var=False).confidence_interval(level)
    return float(ci.low), float(ci.high)


def _welch_row(b: np.ndarray, a: np.ndarray, level: float, scale: float = 0.0) -> dict:
    """Independent samples: each side's mean and Welch's t-interval of the difference (sides
    compared up to float rounding at ``scale``: ``_same``)."""
    b, a = b[np.isfinite(b)], a[np.isfinite(a)]
    sizes = {"n": int(a.size), "n_base": int(b.size), "n_alt": int(a.size)}
    flat = a.size > 1 and b.size > 1 and _flat(a, scale) and _flat(b, scale)
    if flat and _same(a.mean(), b.mean(), scale):
        # one value on both sides up to rounding: no change, not a "significant" 1e-17
        return _row(_mean(b), _mean(b), 0.0, 0.0, **sizes)
    low = high = np.nan
    if a.size > 1 and b.size > 1:
        low, high = _welch_interval(b, a, level, scale)
    return _row(_mean(b), _mean(a), low, high, **sizes)


def unpaired_comparison(
    base: pd.DataFrame, alt: pd.DataFrame, kpis: Sequence[str], level: float = LEVEL
) -> pd.DataFrame:
    """Per KPI: ``mean(alt) - mean(base)`` of independent replications and its Welch
    t-interval; ``n_base``/``n_alt`` the replications of each, ``n`` the scenario's. Sides
    equal up to float rounding (``rounding_scales``) are no change."""
    scales = rounding_scales((base, alt), kpis)
    rows = {k: _welch_row(_values(base, k), _values(alt, k), level, scales[k]) for k in kpis}
    return pd.DataFrame.from_dict(rows, orient="index")


def matched_comparison(
    base: pd.DataFrame, alt: pd.DataFrame, kpis: Sequence[str], level: float = LEVEL
) -> pd.DataFrame:
    """Per KPI: the mean difference over paired replications (common random numbers) and its
    t-interval, with ``base`` and ``alt`` the means over the same complete pairs; ``n`` the
    number of pairs. Pairs equal up to float rounding (``rounding_scales``) are no change."""
    scales = rounding_scales((base, alt), kpis)
    rows = {k: _paired_row(_values(base, k), _values(alt, k), level, scales[k]) for k in kpis}
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


def identical(row: Mapping[str, float]) -> bool:
    """Whether a comparison row's two sides are equal in every replication: a zero difference
    with a zero-width interval (paired: every difference 0; Welch: both sides constant and
    equal, the only way ``_welch_row`` gives a zero-width interval at 0)."""
    return row["diff"] == 0 and row["ci_low"] == 0 and row["ci_high"] == 0


def row_verdict(
    kpi: str,
    row: Mapping[str, float],
    *,
    neutral: bool = False,
    replications: tuple[int, int] | None = None,
) -> str:
    """The verdict of one comparison row: ``n/a`` when the KPI is missing in the baseline or
    the scenario, ``ONE_REPLICATION`` when there is no interval to test because a run has one
    replication, ``no CI (measured in 1 of 8 replications)`` when the runs have more
    (``replications``: the baseline's and the scenario's) but the KPI was measured in only one
    of them (a step a rare branch reached once), ``no change`` when both sides are equal in
    every replication, else ``verdict`` (``changed`` for a significant change of a KPI made
    ``neutral``)."""
    if not (np.isfinite(row["base"]) and np.isfinite(row["alt"])) or row["n"] == 0:
        return "n/a"
    n_base = int(row.get("n_base", row["n"]))
    n = int(min(row["n"], n_base))
    if n < 2:
        if replications is None:
            return ONE_REPLICATION
        # the run whose replications measured it fewer times (paired: the pairs, equal runs)
        n_alt = int(row.get("n_alt", n_base))
        runs = replications[0] if n_base <= n_alt else replications[1]
        if runs <= n:
            return ONE_REPLICATION
        whose = "the baseline's " if n_base < n_alt else ""
        return f"no CI (measured in {n} of {whose}{runs} replications)"
    if identical(row):
        return NO_CHANGE
    if neutral and row["significant"] and row["diff"] != 0:
        return "changed"
    return verdict(kpi, bool(row["significant"]), float(row["diff"]))


def _growing(table: pd.DataFrame, level: float) -> bool:
    """Whether a run's work in progress grows over its window: the confidence interval of its
    ``wip_change`` above 0 (a process that does not keep up, or still fills up), and its mean
    at least ``NEGLIGIBLE_CHANGE`` of the cases that arrived in the window (``cases_arrived``;
    0 when the table does not say): 0.04 cases more in progress over a window of 726 arrivals
    is no backlog, whatever its test says (QA: on a process 38 % busy it turned a faster
    redesign's window-edge throughput change into "worse")."""
    ci = confidence_interval(_values(table, "wip_change"), level)
    if not (np.isfinite(ci["ci_low"]) and ci["ci_low"] > 0):
        return False
    arrived = _mean(_values(table, "cases_arrived"))
    floor = NEGLIGIBLE_CHANGE * arrived if np.isfinite(arrived) and arrived > 0 else 0.0
    return bool(ci["mean"] >= floor)


def _window_weeks(table: pd.DataFrame) -> float | None:
    """The measurement window's length in weeks (the cases that arrived in it over their rate
    a week); None when the table does not say (older tables)."""
    if "cases_arrived" not in table or "arrivals_per_week" not in table:
        return None
    arrived, rate = (
        _mean(_values(table, "cases_arrived")),
        _mean(_values(table, "arrivals_per_week")),
    )
    if not (np.isfinite(arrived) and np.isfinite(rate)) or arrived <= 0 or rate <= 0:
        return None
    return arrived / rate


def window_edge_note(
    base: pd.DataFrame,
    alt: pd.DataFrame,
    diff: float,
    *,
    paired: bool,
    level: float = LEVEL,
    kpi: str = "throughput_per_week",
) -> str | None:
    """Why a significant throughput change ``diff`` of ``alt`` against ``base`` (replications
    tables of the same demand and measurement window) is a ``WINDOW_EDGE`` effect, or ``None``
    when it is a change of the process: the window's own cases were won significantly more
    (fewer) too, in the direction of ``diff``, or their change's interval does not show that it
    explains less than half of ``diff`` (``kpi``: ``throughput_per_week`` or ``_per_day``, the
    unit of ``diff``); either run's work in progress grows over the window (``wip_change``, a
    backlog: capacity; a growth under ``NEGLIGIBLE_CHANGE`` of the window's arrivals is none);
    or a table lacks one of ``WINDOW_EDGE_COLUMNS`` (a run from before 2026-12-06 has no
    ``wip_change``: whether its backlog grew cannot be told, so its change stays one of the
    process; QA compare19 #1: an overloaded server's fix read "window edge")."""
    if any(c not in t for t in (base, alt) for c in WINDOW_EDGE_COLUMNS):
        return None
    if _growing(base, level) or _growing(alt, level):
        return None
    weeks = _window_weeks(base)
    if weeks is None:
        return None
    # the window's length in the unit of diff (QA compare19 #2: per day judged by weeks)
    periods = weeks * 7 if kpi.endswith("_per_day") else weeks
    rows = (matched_comparison if paired else unpaired_comparison)(
        base, alt, [WON_IN_WINDOW], level
    )
    won = rows.loc[WON_IN_WINDOW]
    if won["significant"] and np.sign(won["diff"]) == np.sign(diff):
        return None
    # not only "no significant change in the cases won": its interval must show that they
    # explain at most half of the throughput change (3 replications that lost 9, 24 and 25
    # won cases are not significant, yet no edge effect: QA confirmedge18)
    margin = abs(diff) * periods / 2
    if not identical(won) and not (-margin < won["ci_low"] and won["ci_high"] < margin):
        return None
    if identical(won):
        how = f"as often in both runs ({won['base']:.4g} a replication)"
    else:
        shift = "within noise" if not won["significant"] else "the other way"
        how = (
            f"{won['alt']:.4g} times a replication against the baseline's {won['base']:.4g} "
            f"({won['diff']:+.3g} [{won['ci_low']:+.3g}, {won['ci_high']:+.3g}], {shift})"
        )
    return (
        f"the cases that arrived in the window were won {how}; the change is in the cases in "
        "progress at the window's start or end, finished inside it in one run and outside it in "
        "the other"
    )


def _kpi_names(tables: Mapping[str, pd.DataFrame], baseline: str) -> list[str]:
    names = compared_kpis(tables[baseline].columns)
    for t in tables.values():
        names += [k for k in compared_kpis(t.columns) if k not in names]
    return names


def _pooled_rows(
    cmp: pd.DataFrame,
    base: Mapping[str, float],
    alt: Mapping[str, float],
    scales: Mapping[str, float],
) -> pd.DataFrame:
    """``cmp`` (one row per KPI, as ``matched_comparison`` gives them) with the KPIs pooled on
    both sides (``base`` and ``alt``: ``pooled_estimates``) compared as pooled values: their
    difference, with the replications' interval of the difference (paired or Welch's) moved
    to centre on it: a sectioning interval (``stats.sectioning_interval``). A KPI equal on both
    sides in every replication stays so where its pooled values differ by rounding only (at
    ``scales``: ``rounding_scales``)."""
    out = cmp.copy()
    for k in cmp.index:
        if k not in base or k not in alt:
            continue
        r = cmp.loc[k]
        shift = (alt[k] - base[k]) - float(r["diff"])
        low, high = (float(r[c]) + shift for c in ("ci_low", "ci_high"))
        sizes = {c: int(r[c]) for c in ("n", "n_base", "n_alt")}
        scale = float(np.nanmax([scales.get(k, 0.0), abs(base[k]), abs(alt[k])]))
        if identical(r) and _same(alt[k], base[k], scale):  # pooled sums: rounding only
            row = _row(base[k], base[k], 0.0, 0.0, **sizes)
        else:
            row = _row(base[k], alt[k], low, high, **sizes)  # no interval before: none now
        out.loc[k, list(row)] = list(row.values())
    return out


def _baseline_rows(table: pd.DataFrame, kpis: Sequence[str]) -> pd.DataFrame:
    """The baseline against itself: its mean, a zero change and no interval, in either mode."""
    rows = {}
    for k in kpis:
        x = _values(table, k)
        m, n = _mean(x), int(np.isfinite(x).sum())
        rows[k] = _row(m, m, np.nan, np.nan, n=n, n_base=n, n_alt=n) | {"significant": False}
    return pd.DataFrame.from_dict(rows, orient="index")


def compare_scenarios(
    tables: Mapping[str, pd.DataFrame],
    *,
    baseline: str,
    paired: bool | Mapping[str, bool],
    kpis: Sequence[str] | None = None,
    level: float = LEVEL,
    volume_differs: Collection[str] = (),
    measured_otherwise: Collection[str] = (),
    cycle_times: Mapping[str, pd.DataFrame | None] | None = None,
) -> pd.DataFrame:
    """Every scenario of ``tables`` (name -> replications table) against ``baseline``.

    Returns one row per scenario and KPI, baseline rows included (difference 0, no interval):
    ``scenario, kpi, base, alt, diff, ci_low, ci_high, n, n_base, n_alt, relative, significant,
    paired, verdict, note``. ``paired`` (for all scenarios, or per scenario name) pairs
    replications by position (common random numbers). ``volume_differs`` names the scenarios whose arrival
    volume differs from the baseline's: their ``VOLUME_KPIS`` are ``changed``, not better or
    worse. ``measured_otherwise`` names the scenarios measured over other cases or until
    another time than the baseline (horizon, warm-up, drain): every KPI of theirs is
    ``changed``, since a change may be the measurement's. A significant throughput change of
    any other scenario that the window's own cases do not show is ``WINDOW_EDGE``, its reason in
    ``note`` (``window_edge_note``; ``note`` is empty on every other row). ``kpis`` defaults to
    ``compared_kpis`` of the baseline's columns, plus those only other scenarios have (a role
    added in one scenario).

    The KPIs ``kpis.json`` pools over the replications (``summary.pooled_estimates``: the time
    shares; the cycle-time percentiles where ``cycle_times`` has both scenarios' cases,
    ``cycle_times.csv.gz``) are compared as it gives them: each side's pooled value, the
    difference of the two, and the interval of the replications' differences centred on it
    (``_pooled_rows``).
    """
    if baseline not in tables:
        raise KeyError(f"baseline {baseline!r} is not one of the scenarios {list(tables)}")
    base = tables[baseline]
    kpis = list(kpis) if kpis is not None else _kpi_names(tables, baseline)
    pairs = {n: paired if isinstance(paired, bool) else bool(paired.get(n)) for n in tables}
    # the baseline against itself is neither: marked paired only when every scenario is
    pairs[baseline] = all(p for n, p in pairs.items() if n != baseline)
    frames = []
    for name, table in tables.items():
        pair = pairs[name]
        if name == baseline:
            cmp = _baseline_rows(base, kpis)
        else:
            cmp = (matched_comparison if pair else unpaired_comparison)(base, table, kpis, level)
        cmp = _pooled_rows(
            cmp,
            pooled_estimates(base, (cycle_times or {}).get(baseline)),
            pooled_estimates(table, (cycle_times or {}).get(name)),
            rounding_scales((base, table), kpis),
        )
        cmp = cmp.rename_axis("kpi").reset_index()
        cmp["verdict"] = [
            "baseline"
            if name == baseline
            else row_verdict(
                r["kpi"],
                r,
                neutral=name in measured_otherwise
                or (name in volume_differs and r["kpi"] in VOLUME_KPIS),
                replications=(len(base), len(table)),
            )
            for r in cmp.to_dict("records")
        ]
        cmp["note"] = ""
        if name != baseline and name not in measured_otherwise and name not in volume_differs:
            for i in cmp.index[
                cmp["kpi"].isin(THROUGHPUT_KPIS) & cmp["verdict"].isin(("better", "worse"))
            ]:
                note = window_edge_note(
                    base,
                    table,
                    float(cmp.at[i, "diff"]),
                    paired=pair,
                    level=level,
                    kpi=str(cmp.at[i, "kpi"]),
                )
                if note is not None:
                    cmp.loc[i, ["verdict", "note"]] = [WINDOW_EDGE, note]
        cmp.insert(0, "scenario", name)
        cmp["paired"] = pair
        frames.append(cmp)
    out = pd.concat(frames, ignore_index=True)
    return out[[c for c in COLUMNS if c in out.columns]]


COLUMNS = (
    "scenario",
    "kpi",
    "base",
    "alt",
    "diff",
    "ci_low",
    "ci_high",
    "relative",
    "n",
    "n_base",
    "n_alt",
    "significant",
    "paired",
    "verdict",
    "note",
)
