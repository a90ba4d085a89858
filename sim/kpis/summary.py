"""KPIs of one replication (a flat mapping), of many (a table), and the ``kpis.json`` views."""

from __future__ import annotations

import math
import unicodedata
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.kpis import measures as m
from sim.kpis.frames import trace_cases, trace_events, trace_open_steps
from sim.kpis.stats import (
    Bounds,
    confidence_interval,
    pooled_quantiles,
    sectioning_interval,
    summarize,
)
from sim.kpis.units import kpi_unit, unit_text
from sim.model.process import ProcessModel
from sim.model.trace import Trace
from sim.model.views import TARGET_UTILISATION, joint_calendar, steps_by_activity

HEADLINE = (
    "cycle_time_mean",
    "cycle_time_median",
    "cycle_time_p90",
    "cycle_time_p95",
    "waiting_per_case",
    "dropoff_rate",
    "abandon_rate",
    "throughput_per_week",
    "wip_mean",
    "cost_per_case",
    "processing_cost_per_case",
    "value_added_ratio",
    "revenue_per_case",
    "margin_per_case",
    "cases_arrived",
)

_COUNT: Bounds = (0.0, None)  # times, counts, rates, money that cannot be negative
_SHARE: Bounds = (0.0, 1.0)  # shares of cases or of time, probabilities
DOMAINS: dict[str, Bounds] = {
    "cases_arrived": _COUNT,
    "cases_completed": _COUNT,
    "cases_dropped": _COUNT,
    "cases_in_progress": _COUNT,
    "cycle_time_mean": _COUNT,
    "cycle_time_median": _COUNT,
    "cycle_time_p90": _COUNT,
    "cycle_time_p95": _COUNT,
    "dropoff_rate": _SHARE,
    "abandon_rate": _SHARE,
    "dropoff_at": _SHARE,
    "outcome_share": _SHARE,
    "throughput_per_day": _COUNT,
    "throughput_per_week": _COUNT,
    "arrivals_per_week": _COUNT,
    "wip_mean": _COUNT,
    "waiting_mean": _COUNT,
    "processing_mean": _COUNT,
    "reached": _SHARE,
    "visits_per_case": _COUNT,
    "waiting_share": _SHARE,
    "queue_share": _SHARE,
    "waiting_at_end": _SHARE,
    "timer_share": _SHARE,
    "headcount": _COUNT,
    "utilisation": _SHARE,
    "cost_per_case": _COUNT,
    "processing_cost_per_case": _COUNT,
    "value_added_ratio": _SHARE,  # parallel value-adding work counts its common time once
    "conversion_rate": _SHARE,
    "waiting_per_case": _COUNT,
    "time_in_process": _COUNT,
}
"""The domain of each KPI that ``log_kpis`` builds, by name (``waiting_mean`` for every
``waiting_mean:<step>``); confidence intervals are clipped to it. KPIs not listed (revenue,
margin) can have either sign and are not clipped."""
NEGLIGIBLE_QUEUE = 0.01  # a bottleneck whose cases queue under 1 % of cycle time is none
SATURATED = 0.98  # a role busy this share of its scheduled hours or more is saturated


TIME_IN_PROCESS = "time_in_process"
"""The replications table's column of each replication's hours in the process (finished cases'
cycle times, and the time until the stop of those in progress): the denominator of its shares,
their weight in the pooled share (``pooled_estimates``)."""
POOLED_SHARES = ("waiting_share", "queue_share", "timer_share")
"""The time shares (``<kpi>`` and ``<kpi>:<step>``) ``kpis.json`` gives pooled: every
replication's waiting over every replication's time in the process."""
POOLED_PERCENTILES = {"cycle_time_median": 0.5, "cycle_time_p90": 0.9, "cycle_time_p95": 0.95}
"""The cycle-time percentiles ``kpis.json`` gives pooled: of every replication's cases together."""


SEGMENT_KPIS = (
    "cases_arrived",
    "cycle_time_mean",
    "conversion_rate",
    "dropoff_rate",
    "revenue_per_case",
    "waiting_per_case",
)
"""The KPIs of each case segment of a model with two or more: the replications table's
``segment:<segment>:<kpi>`` columns (``segment_kpis``) and ``kpis.json``'s ``by_segment``."""
SEGMENT_PREFIX = "segment:"


def segment_key(segment: str, kpi: str) -> str:
    """The name of KPI ``kpi`` of segment ``segment``: ``segment:<segment>:<kpi>``."""
    return f"{SEGMENT_PREFIX}{segment}:{kpi}"


def split_segment_key(name: str) -> tuple[str, str] | None:
    """``(segment, kpi)`` of a per-segment KPI's name (``segment_key``), else ``None`` (a
    segment's name may hold ``:``; a KPI's never does)."""
    if not name.startswith(SEGMENT_PREFIX):
        return None
    segment, sep, kpi = name.removeprefix(SEGMENT_PREFIX).rpartition(":")
    return (segment, kpi) if sep and kpi in SEGMENT_KPIS else None


def segments_in(names: Iterable[str]) -> list[str]:
    """The segments of the per-segment KPI names among ``names`` (``split_segment_key``), in
    the order they first appear ([] when there are none)."""
    found = (split_segment_key(str(n)) for n in names)
    return list(dict.fromkeys(sk[0] for sk in found if sk is not None))


def kpi_domain(name: str) -> Bounds | None:
    """The domain of KPI ``name`` (``DOMAINS``; a per-step KPI by the part before ``:``, a
    per-segment KPI by its KPI), or ``None`` when it has none (and its confidence interval is
    left as it is)."""
    if (per_segment := split_segment_key(name)) is not None:
        return DOMAINS.get(per_segment[1])
    return DOMAINS.get(name, DOMAINS.get(name.split(":", 1)[0]) if ":" in name else None)


def main_path_order(model: ProcessModel) -> list[str]:
    """Steps in breadth-first order from the start (the funnel's stage order)."""
    seen = {model.start}
    order: list[str] = []
    queue = deque([model.start])
    while queue:
        n = queue.popleft()
        if n in model.steps:
            order.append(n)
        for s in model.successors(n):
            if s not in seen:
                seen.add(s)
                queue.append(s)
    return order


def log_kpis(
    events: pd.DataFrame,
    cases: pd.DataFrame,
    *,
    model: ProcessModel | None = None,
    headcount: dict[str, int] | None = None,
    window: tuple[float, float] | None = None,
    open_steps: pd.DataFrame | None = None,
    stop: float | None = None,
) -> dict[str, float]:
    """Every KPI of one events/cases pair as a flat ``{name: value}`` mapping.

    Works for real logs and simulated traces. Without ``model`` the KPIs that need calendars,
    costs or value-adding flags are left out; ``headcount`` defaults to the model's.
    ``open_steps``: the steps cases were at when a simulated run stopped (``trace_open_steps``),
    which count in ``reached`` and, until the stop, in ``utilisation`` and
    ``processing_cost_per_case``; where they were still waiting is ``waiting_at_end:<step>``.
    ``stop``: when that run stopped; with it the measured cases still in progress count, until
    then, in the waiting, queue and timer shares (``measures.queue_shares``), so a step whose
    queue no measured case got through is not left out of the bottleneck.
    """
    if model is not None and "work" not in events:
        events = events.assign(work=m.working_processing(events, model))
    if window is None:
        meas = cases[cases["measured"].astype(bool)]
        window = (
            (float(meas["arrival"].min()), float(meas["arrival"].max()))
            if len(meas)
            else (0.0, 0.0)
        )
    measured = cases["measured"].astype(bool)
    out: dict[str, float] = {
        "cases_arrived": float(measured.sum()),
        "cases_completed": float((measured & cases["success"].fillna(False).astype(bool)).sum()),
        "cases_dropped": float((measured & ~cases["success"].fillna(True).astype(bool)).sum()),
        "cases_in_progress": float((measured & cases["success"].isna()).sum()),
    }
    out |= m.cycle_time_stats(cases)
    out |= m.dropoff(events, cases)
    out["conversion_rate"] = m.conversion_rate(cases)
    out["waiting_per_case"] = m.waiting_per_case(events, cases)
    out |= m.outcome_shares(cases)
    out |= m.throughput(cases, window)
    out["wip_mean"] = m.wip_mean(cases, window)
    out["wip_change"] = m.wip_change(cases, window)
    out[TIME_IN_PROCESS] = m.time_in_process(cases, stop)
    table = m.step_table(events, cases, open_steps)
    shares = m.waiting_shares(events, cases, open_steps=open_steps, stop=stop)
    n = max(out["cases_arrived"], 1.0)
    for step, row in table.iterrows():
        out[f"waiting_mean:{step}"] = float(row["waiting_mean"])
        out[f"processing_mean:{step}"] = float(row["processing_mean"])
        out[f"reached:{step}"] = float(row["reached"])
        out[f"visits_per_case:{step}"] = float(row["visits"]) / n
        out[f"waiting_share:{step}"] = float(shares.get(step, np.nan))
    out |= m.waiting_at_stop(cases, open_steps)
    if model is not None:
        if headcount is None:
            headcount = {r.name: r.headcount for r in model.roles.values()}
        out["headcount"] = float(sum(headcount.values()))  # people on staff, all roles
        out |= m.utilisation(events, model, headcount, window, open_steps)
        out |= m.costs(events, cases, model, headcount, window, open_steps)
        out["value_added_ratio"] = m.value_added_ratio(events, cases, model)
        out["revenue_per_case"] = m.revenue(cases)
        out["margin_per_case"] = out["revenue_per_case"] - out["cost_per_case"]
        for step in model.steps:  # steps never visited: reached 0, not missing
            out.setdefault(f"reached:{step}", 0.0)
            out.setdefault(f"visits_per_case:{step}", 0.0)
        out |= _queue_and_timer_shares(events, cases, model, open_steps=open_steps, stop=stop)
    return out


def timer_steps(model: ProcessModel) -> list[str]:
    """The model's timer steps (a calibrated model's ``delay:`` steps, ``metadata["timer_steps"]``)."""
    return [t for t in (model.metadata or {}).get("timer_steps") or () if t in model.steps]


def _queue_and_timer_shares(
    events: pd.DataFrame,
    cases: pd.DataFrame,
    model: ProcessModel,
    *,
    open_steps: pd.DataFrame | None = None,
    stop: float | None = None,
) -> dict[str, float]:
    """``queue_share:<step>`` per staffed step, ``timer_share:<timer>`` per timer and their sum
    ``timer_share`` (0 for a step no measured case waited at; NaN when no case finished and,
    with ``stop``, none was in progress either: see ``measures.queue_shares``)."""
    none = not m.time_in_process(cases, stop) > 0
    q = m.queue_shares(events, cases, model, open_steps=open_steps, stop=stop)
    out = {
        f"queue_share:{s}": np.nan if none else float(q.get(s, 0.0))
        for s, step in model.steps.items()
        if step.roles and all(r in model.roles for r in step.roles)
    }
    timers = timer_steps(model)
    if timers:
        t = m.timer_shares(events, cases, timers, open_steps=open_steps, stop=stop)
        for s in timers:
            out[f"timer_share:{s}"] = np.nan if none else float(t.get(s, 0.0))
        out["timer_share"] = np.nan if none else float(t.sum())
    return out


SET_NOT_MEASURED = frozenset({"headcount"})
"""The KPIs of a replication that its scenario sets rather than its window measures: kept in a
replication that measured nothing (``unmeasured``)."""


def unmeasured(kpis: Mapping[str, float]) -> dict[str, float]:
    """``kpis`` of a replication with no measurement window (``Trace.measured``: the cases of
    ``scenario.max_cases`` all arrived in the warm-up): each one missing (NaN), so that it is
    left out of the means and intervals, but ``SET_NOT_MEASURED``. Its counts and rates read 0
    before, and halved the others' (QA rt_engine F1: 37 cases a week for 84, 21 % busy for
    50 %, the only step reached by 50 % of the cases)."""
    return {k: v if k in SET_NOT_MEASURED else math.nan for k, v in kpis.items()}


def measured_replications(table: pd.DataFrame) -> int:
    """How many rows of a replications table measured something: all but those of an empty
    window (``unmeasured``), the only rows whose ``cases_arrived`` is missing."""
    if "cases_arrived" not in table.columns:
        return int(len(table))
    return int(table["cases_arrived"].notna().sum())


def replication_kpis(trace: Trace, model: ProcessModel) -> dict[str, float]:
    """Every KPI of one simulated replication (missing where it measured nothing:
    ``unmeasured``)."""
    kpis = log_kpis(
        trace_events(trace),
        trace_cases(trace),
        model=model,
        headcount=dict(trace.meta.get("staffing") or {r: 0 for r in model.roles}),
        window=trace.window,
        open_steps=trace_open_steps(trace),
        stop=trace.run_end,
    )
    return kpis if trace.measured else unmeasured(kpis)


def segment_kpis(
    events: pd.DataFrame, cases: pd.DataFrame, segments: Sequence[str]
) -> dict[str, float]:
    """Each segment's ``SEGMENT_KPIS`` (``segment_key`` names) for a model of two or more
    ``segments``; ``{}`` for one. Each is the overall KPI's own function (``measures``) applied
    to the segment's cases and their events, so it counts the same cases: measured ones, and
    for the means and rates the finished among them. A segment no measured case belonged to
    has 0 cases and NaN for the rest."""
    if len(segments) < 2:
        return {}
    by_case = dict(tuple(cases.groupby("segment", sort=False)))
    of_event = events["case_id"].map(cases.set_index("case_id")["segment"])
    by_event = dict(tuple(events.groupby(of_event, sort=False)))
    out: dict[str, float] = {}
    for s in segments:
        part = by_case.get(s, cases.iloc[:0])
        ev = by_event.get(s, events.iloc[:0])
        values = {
            "cases_arrived": float(part["measured"].astype(bool).sum()),
            "cycle_time_mean": m.cycle_time_stats(part)["cycle_time_mean"],
            "conversion_rate": m.conversion_rate(part),
            "dropoff_rate": m.dropoff(ev, part)["dropoff_rate"],
            "revenue_per_case": m.revenue(part),
            "waiting_per_case": m.waiting_per_case(ev, part),
        }
        out |= {segment_key(s, k): v for k, v in values.items()}
    return out


def replication_segment_kpis(trace: Trace) -> dict[str, float]:
    """``segment_kpis`` of one simulated replication (``{}`` for a model of one segment)."""
    if len(trace.segments) < 2:
        return {}
    kpis = segment_kpis(trace_events(trace), trace_cases(trace), trace.segments)
    return kpis if trace.measured else unmeasured(kpis)


def kpi_row(trace: Trace, model: ProcessModel, index: int = 0) -> dict[str, Any]:
    """One replication's row of ``kpi_table``: its number (``index`` where the trace does not
    record one), ``replication_kpis`` and each segment's (``replication_segment_kpis``)."""
    row = {"replication": trace.meta.get("replication", index)} | replication_kpis(trace, model)
    return row | replication_segment_kpis(trace)


def kpi_table(traces: list[Trace], model: ProcessModel) -> pd.DataFrame:
    """One row per replication, one column per KPI (``replications.csv``): ``replication_kpis``
    and, for a model of two or more segments, each segment's (``replication_segment_kpis``).

    The headcounts the replications were simulated with (``trace.meta["staffing"]``: the
    model's, or a scenario's ``staffing``) are kept in ``table.attrs["staffing"]`` when all of
    them agree, for ``kpi_report`` to show next to the utilisation they were measured with."""
    table = kpi_rows_table([kpi_row(t, model, i) for i, t in enumerate(traces)])
    staffed = [t.meta.get("staffing") for t in traces]
    if staffed and staffed[0] and all(s == staffed[0] for s in staffed):
        table.attrs["staffing"] = dict(staffed[0])
    return table


def kpi_rows_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """``kpi_table`` of rows ``kpi_row`` gave, in their order."""
    table = pd.DataFrame(rows)
    # KPIs absent in a replication (no drop-off at a step, an outcome that never happened) are
    # 0, where it had cases to measure them over: finished ones for the shares of outcomes and
    # drop-off steps, measured ones for waiting_at_end (QA pooled24 #6: a replication that
    # finished no case read 0 % for every outcome, beside a conversion rate of 100 %)
    over = {
        "dropoff_at": ("cases_completed", "cases_dropped"),
        "outcome_share": ("cases_completed", "cases_dropped"),
        "waiting_at_end": ("cases_arrived",),
    }
    for c in table.columns:
        counts = over.get(c.split(":")[0])
        if counts is None:
            continue
        present = [k for k in counts if k in table.columns]
        cases = table[present].sum(axis=1) if present else pd.Series(1.0, index=table.index)
        table[c] = table[c].where(table[c].notna() | ~(cases > 0), 0.0)
    return table


def cycle_time_table(traces: list[Trace]) -> pd.DataFrame:
    """The cycle times the KPIs measure, one row per case (``cycle_times.csv.gz``): the finished
    cases that arrived in each replication's measurement window (``measures.cycle_times``), with
    columns ``replication`` and ``cycle_time_h``. A model of two or more segments adds, after
    ``replication``, ``case_id`` (as ``trace.csv.gz`` names the case: ``<replication>-<n>``)
    and ``segment``, to tell its segments' cycle times apart."""
    return cycle_time_parts_table([cycle_time_part(t, i) for i, t in enumerate(traces)])


def cycle_time_parts_table(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """``cycle_time_table`` of rows ``cycle_time_part`` gave, in their order."""
    if not parts:
        return pd.DataFrame({"replication": [], "cycle_time_h": []})
    return pd.concat(parts, ignore_index=True)


def cycle_time_part(trace: Trace, index: int = 0) -> pd.DataFrame:
    """One replication's rows of ``cycle_time_table`` (``index`` numbers it where the trace
    does not record its replication)."""
    rep = trace.meta.get("replication", index)
    cases = trace_cases(trace)
    part = pd.DataFrame({"replication": rep, "cycle_time_h": m.cycle_times(cases)})
    if len(trace.segments) > 1:
        done = m.finished(cases)  # the rows of m.cycle_times, in its order
        part.insert(1, "case_id", f"{rep}-" + done["case_id"].astype(str).to_numpy())
        part.insert(2, "segment", done["segment"].to_numpy())
    return part


def cycle_time_kpis(cycle_times: pd.DataFrame) -> dict[str, float]:
    """The cycle-time KPIs (``cycle_time_mean``, ``_median``, ``_p90``, ``_p95``) of a
    ``cycle_time_table`` (``cycle_times.csv.gz``) as ``kpi_report``'s headline gives them: the
    mean of each replication's mean, and the percentiles of every replication's cases pooled
    (``pooled_estimates``)."""
    per_rep = per_replication_cycle_time_kpis(cycle_times)
    averaged = _replications_mean(per_rep)
    return averaged if per_rep.empty else averaged | pooled_estimates(per_rep, cycle_times)


def averaged_cycle_time_kpis(cycle_times: pd.DataFrame) -> dict[str, float]:
    """The cycle-time KPIs of a ``cycle_time_table`` as ``backtest.json`` gives them: each
    replication's own (a simulated period, like the one held-out period it is compared with),
    averaged over the replications."""
    return _replications_mean(per_replication_cycle_time_kpis(cycle_times))


def _replications_mean(per_rep: pd.DataFrame) -> dict[str, float]:
    """The mean over replications of each cycle-time KPI of ``per_replication_cycle_time_kpis``
    (NaN without a replication)."""
    if per_rep.empty:
        return dict.fromkeys(m.CYCLE_TIME_KPIS, math.nan)
    return {k: float(per_rep[k].mean()) for k in m.CYCLE_TIME_KPIS}


def per_replication_cycle_time_kpis(cycle_times: pd.DataFrame) -> pd.DataFrame:
    """Each replication's ``measures.cycle_time_summary`` of a ``cycle_time_table``, one row per
    replication in sorted order."""
    return pd.DataFrame(
        [
            m.cycle_time_summary(group["cycle_time_h"].to_numpy(dtype=float))
            for _rep, group in cycle_times.groupby("replication", sort=True)
        ]
    )


def _pooled_share(table: pd.DataFrame, column: str) -> float:
    """``column``'s shares of every replication together: each weighted by its replication's
    time in the process (``TIME_IN_PROCESS``), i.e. total over total; a replication that never
    visited the step (no share) waited there 0 h of its time. NaN where no replication has a
    share, or none spent time in the process."""
    v = table[column].to_numpy(dtype=float)
    w = table[TIME_IN_PROCESS].to_numpy(dtype=float)
    ok = np.isfinite(w) & (w > 0)
    if not (ok & np.isfinite(v)).any():
        return math.nan
    return float(np.average(np.nan_to_num(v[ok], nan=0.0), weights=w[ok]))


def pooled_estimates(
    table: pd.DataFrame, cycle_times: pd.DataFrame | None = None
) -> dict[str, float]:
    """The KPIs of a replications ``table`` that are estimated over every replication together
    rather than averaged (a percentile or a ratio taken per replication keeps each one's
    small-sample bias, which more replications do not remove: ``experiments/ci_coverage/``):

    - the time shares (``POOLED_SHARES``), where the table has ``TIME_IN_PROCESS``: total
      waiting over total time in the process;
    - the cycle-time percentiles (``POOLED_PERCENTILES``), given the replications' cases
      (``cycle_times``, a ``cycle_time_table`` of the same replications): their percentiles.

    An older table (no ``TIME_IN_PROCESS``) or no ``cycle_times`` leaves those out: they are
    then averaged as every other KPI."""
    out: dict[str, float] = {}
    if TIME_IN_PROCESS in table.columns:
        for c in table.columns:
            if c.split(":")[0] in POOLED_SHARES:
                out[c] = _pooled_share(table, c)
    if cycle_times is not None:
        qs = list(POOLED_PERCENTILES.values())
        pooled, _per_rep = pooled_quantiles(cycle_times, qs, value="cycle_time_h")
        out |= {k: float(q) for k, q in zip(POOLED_PERCENTILES, pooled, strict=True)}
    return out


def summarize_kpis(table: pd.DataFrame, cycle_times: pd.DataFrame | None = None) -> pd.DataFrame:
    """``stats.summarize`` of a replications ``table``, each interval clipped to its KPI's
    domain (``kpi_domain``), with the ``pooled_estimates`` in place of the averages: centred on
    the pooled value, their half width from the replications' own values
    (``stats.sectioning_interval``)."""
    bounds = {c: kpi_domain(c) for c in table.columns}
    summary = summarize(table, bounds=bounds)
    for k, centre in pooled_estimates(table, cycle_times).items():
        if k in summary.index:
            ci = sectioning_interval(centre, table[k].to_numpy(dtype=float), bounds=bounds.get(k))
            summary.loc[k, list(ci)] = list(ci.values())
    return summary


def estimators(table: pd.DataFrame, cycle_times: pd.DataFrame | None = None) -> dict[str, str]:
    """How ``kpis.json`` estimated its percentiles and time shares: ``pooled`` (every
    replication together, ``pooled_estimates``) or ``averaged`` (each replication's, averaged:
    an older replications table, or no cycle times); the other KPIs are always averaged."""
    return {
        "cycle_time_percentiles": "pooled" if cycle_times is not None else "averaged",
        "time_shares": "pooled" if TIME_IN_PROCESS in table.columns else "averaged",
        "other_kpis": "averaged",
    }


def _roles_busy(roles: list[dict[str, Any]], at: float, below: float = math.inf) -> list[str]:
    """The roles (``kpi_report``'s ``roles`` rows) whose mean utilisation is in ``[at, below)``."""
    return [
        r["role"]
        for r in roles
        if (u := (r.get("utilisation") or {}).get("mean")) is not None and at <= u < below
    ]


def saturated_roles(roles: list[dict[str, Any]], *, at: float = SATURATED) -> list[str]:
    """The roles (``kpi_report``'s ``roles`` rows) whose mean utilisation is ``at`` or more: busy
    nearly all their scheduled hours, so work arrives at least as fast as they can do it, queues
    grow for as long as cases arrive and the KPIs depend on the horizon."""
    return _roles_busy(roles, at)


def roles_above_target(
    roles: list[dict[str, Any]],
    *,
    target: float = TARGET_UTILISATION,
    saturated: float = SATURATED,
) -> list[str]:
    """The roles (``kpi_report``'s ``roles`` rows) busy ``target`` or more of their scheduled
    hours but not saturated (below ``saturated``): they keep up, but queues grow steeply as
    utilisation nears 100 %, so their waits are long and sensitive to a little more work."""
    return _roles_busy(roles, target, saturated)


def roles_to_staff(report: Mapping[str, Any]) -> list[str]:
    """The roles of ``report`` (``kpi_report``'s, ``kpis.json``) that need more people: the
    saturated ones (``saturated_roles``, then ``saturated_in_shared_hours``), then those busy
    above the target utilisation (``above_target_roles``), then those its
    ``staffing_suggestion`` finds offered all their hours or more (``offered_beyond_hours``),
    however little busy the run measured them: a step of several roles holds people, uncounted,
    while it waits for the others (QA retest14: 134 % offered, 10 % busy)."""
    suggestion = report.get("staffing_suggestion")
    offered = list((suggestion or {}).get("offered_load") or {})
    names = [
        *(report.get("saturated_roles") or []),
        *(report.get("saturated_in_shared_hours") or []),
        *(report.get("above_target_roles") or []),
        *offered_beyond_hours(suggestion, offered),
    ]
    return list(dict.fromkeys(names))


def shared_hours(model: ProcessModel) -> dict[str, dict[str, Any]]:
    """The roles that can work only in part of their scheduled hours: every step of theirs needs
    other roles on shift too, and the hours all of them are (``joint_calendar``) leave out
    some of the role's own. Per role: ``hours_per_week`` it can work (the union of its steps'
    shared hours), ``scheduled_hours_per_week`` (its calendar's), ``steps`` and the other roles
    those need (``with_roles``)."""
    out = {}
    for role in model.roles:
        own = model.calendar_of(role)
        steps = [n for n, s in model.steps.items() if role in s.all_roles]
        workable = None
        for name in steps:
            step = model.steps[name]
            window = joint_calendar(model, name) if role in step.roles else None
            window = own if window is None else window  # an alternative works on its own
            workable = window if workable is None else workable.union(window)
        if workable is not None and 0 < workable.weekly_total < own.weekly_total - 1e-9:
            others = [r for n in steps for r in model.steps[n].roles if r != role]
            out[role] = {
                "with_roles": list(dict.fromkeys(others)),
                "hours_per_week": workable.weekly_total,
                "scheduled_hours_per_week": own.weekly_total,
                "steps": steps,
            }
    return out


def saturated_in_shared_hours(
    roles: list[dict[str, Any]], model: ProcessModel, *, at: float = SATURATED
) -> dict[str, dict[str, Any]]:
    """The roles (``kpi_report``'s ``roles`` rows) that a run shows busy ``at`` or more of the
    hours they can work (``shared_hours``; their utilisation counts all their scheduled hours):
    a step of several roles runs only when all are on shift, so its queue grows for as long as
    cases arrive while each role looks idle (QA fuzz14 #2: a system 24 % busy of its 168 h
    was busy all the 40 h the office clerk was there too). Per role: ``shared_hours``' entry
    with the ``utilisation`` of those hours."""
    util = {r["role"]: (r.get("utilisation") or {}).get("mean") for r in roles}
    out = {}
    for role, hours in shared_hours(model).items():
        u = util.get(role)
        if u is None or not math.isfinite(u):
            continue
        busy = u * hours["scheduled_hours_per_week"] / hours["hours_per_week"]
        if busy >= at:
            out[role] = {**hours, "utilisation": busy}
    return out


def offered_beyond_hours(suggestion: Mapping[str, Any] | None, roles: Iterable[str]) -> list[str]:
    """The roles of ``roles`` whose offered load (``staffing_suggestion``'s, the model's mean
    work) fills all their scheduled hours or more: busy below saturation in the run, but not
    keeping up with the work in the long run (QA 2026-12-04 #1: a role at 105 % of its hours
    measured 96 % busy over 28 days, and its waits grew with the horizon). A role whose steps'
    cases other roles may take is judged with them (``pooled_utilisation`` below 1: it keeps up
    if they take the overflow; QA retest15 #1: clerks offered 136 %, the queue did not grow)."""
    load = (suggestion or {}).get("offered_load") or {}
    return [r for r in roles if _beyond(load.get(r) or {})]


def _beyond(load: Mapping[str, Any]) -> bool:
    """Whether one role's ``offered_load`` entry fills all its hours or more, alone and (where
    it shares its steps' cases) together with the roles it shares them with."""

    def number(x: Any) -> float | None:
        ok = isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
        return float(x) if ok else None

    alone, pooled = number(load.get("utilisation")), number(load.get("pooled_utilisation"))
    return alone is not None and alone >= 1.0 and (pooled is None or pooled >= 1.0)


def _ci(summary: pd.DataFrame, key: str) -> dict[str, float] | None:
    if key not in summary.index:
        return None
    row = {k: (None if pd.isna(v) else float(v)) for k, v in summary.loc[key].items()}
    if row.get("n") is not None:
        row["n"] = int(row["n"])  # a count of replications ("n": 3, not 3.0)
    return row


def _activity_view(table: pd.DataFrame, model: ProcessModel) -> dict[str, Any] | None:
    """Per activity of a calibrated model's log (its repetitions are steps of their own,
    ``metadata.step_activity``, with delay timers before them): the share of cycle time cases
    spend waiting for it, summed over its steps, replication by replication: the waiting before
    its repetitions plus the time in its timers. ``bottleneck_activity``: the largest."""
    if not (model.metadata or {}).get("step_activity"):
        return None
    members = steps_by_activity(model)
    per_rep = {}
    for activity, steps in members.items():
        cols = [f"{k}:{s}" for s in steps for k in ("waiting_share", "timer_share")]
        cols = [c for c in cols if c in table.columns]
        if cols:
            per_rep[f"waiting_share:{activity}"] = table[cols].sum(axis=1, min_count=1)
    if not per_rep:
        return None
    summary = summarize(pd.DataFrame(per_rep), bounds={k: kpi_domain(k) for k in per_rep})
    rows = [
        {"activity": a, "steps": members[a], "waiting_share": _ci(summary, f"waiting_share:{a}")}
        for a in members
        if f"waiting_share:{a}" in summary.index
    ]
    finite = [r for r in rows if (r["waiting_share"] or {}).get("mean") is not None]
    top = max(finite, key=lambda r: r["waiting_share"]["mean"]) if finite else None
    return {"activities": rows, "bottleneck_activity": top}


def _largest(summary: pd.DataFrame, prefix: str, names: list[str]) -> str | None:
    """The name whose ``<prefix>:<name>`` KPI has the largest finite mean, or None."""
    means = {n: (_ci(summary, f"{prefix}:{n}") or {}).get("mean") for n in names}
    means = {n: v for n, v in means.items() if v is not None and np.isfinite(v)}
    return max(means, key=means.get) if means else None


def _tied_with(table: pd.DataFrame, prefix: str, top: str, steps: list[str]) -> list[str]:
    """The steps whose ``<prefix>:<step>`` is not significantly below ``top``'s: the 95 % CI of
    ``top - step`` reaches 0 (largest first). Its centre is the pooled difference where the
    table has ``TIME_IN_PROCESS`` (as ``kpis.json`` gives the shares), its half width that of
    the replications' paired differences (``stats.sectioning_interval``)."""
    col = f"{prefix}:{top}"
    if col not in table or len(table) < 2:
        return []
    pooled = TIME_IN_PROCESS in table.columns
    top_share = _pooled_share(table, col) if pooled else math.nan
    tied = []
    for s in steps:
        other = f"{prefix}:{s}"
        if s == top or other not in table:
            continue
        diffs = (table[col] - table[other]).to_numpy(dtype=float)
        if pooled:
            value = _pooled_share(table, other)
            ci = sectioning_interval(top_share - value, diffs)
        else:
            value = float(table[other].mean())
            ci = confidence_interval(diffs)
        if ci["n"] > 1 and ci["ci_low"] <= 0:
            tied.append((value, s))
    return [s for _, s in sorted(tied, reverse=True)]


def _unfinished(
    summary: pd.DataFrame, table: pd.DataFrame, steps: list[str]
) -> dict[str, Any] | None:
    """The measured cases still in progress when the runs stopped, and where they were waiting
    (``None`` when every measured case finished): their ``share`` of the measured cases and,
    largest first, each step's ``waiting_at_end`` (the share of measured cases waiting there).
    They count in the waiting and queue shares, and so in the bottleneck, until the stop."""
    cols = {"cases_in_progress", "cases_arrived"}
    if not cols <= set(table.columns) or not (table["cases_in_progress"] > 0).any():
        return None
    share = table["cases_in_progress"] / table["cases_arrived"].where(table["cases_arrived"] > 0)
    ci = _ci(
        summarize(pd.DataFrame({"in_progress": share}), bounds={"in_progress": _SHARE}),
        "in_progress",
    )
    at = [
        {"step": s, "share": ci_s}
        for s in steps
        if (ci_s := _ci(summary, f"waiting_at_end:{s}")) and (ci_s.get("mean") or 0.0) > 0
    ]
    at.sort(key=lambda r: r["share"]["mean"], reverse=True)
    return {"cases": _ci(summary, "cases_in_progress"), "share": ci, "waiting_at": at}


def _role_view(
    table: pd.DataFrame, model: ProcessModel, staffed: list[str], prefix: str
) -> dict[str, Any] | None:
    """The role whose steps together make cases queue longest: per role, the sum of its steps'
    ``<prefix>:<step>`` (queue shares; a step of several roles counts for each), replication
    by replication. ``role``, its ``steps``, their summed share (``queue_share``) with its CI,
    ``tied_with``: the roles whose sum is not significantly smaller (paired CI)."""
    per_rep, members = {}, {}
    for role in model.roles:
        mine = [s for s in staffed if role in model.steps[s].roles]
        cols = [f"{prefix}:{s}" for s in mine if f"{prefix}:{s}" in table.columns]
        if cols:
            per_rep[f"{prefix}:{role}"] = table[cols].sum(axis=1, min_count=1)
            members[role] = mine
    if not per_rep or prefix != "queue_share":  # an older table: no queue shares to add up
        return None
    if TIME_IN_PROCESS in table.columns:  # a role's pooled share: its steps' pooled shares summed
        per_rep[TIME_IN_PROCESS] = table[TIME_IN_PROCESS]
    sums = pd.DataFrame(per_rep)
    summary = summarize_kpis(sums)
    top = _largest(summary, prefix, list(members))
    if top is None:
        return None
    return {
        "role": top,
        "steps": members[top],
        "queue_share": _ci(summary, f"{prefix}:{top}"),
        "tied_with": _tied_with(sums, prefix, top, list(members)),
    }


def _bottleneck(
    summary: pd.DataFrame, table: pd.DataFrame, model: ProcessModel, steps: list[str]
) -> dict | None:
    """The staffed step where cases queue longest for staff (largest queue share);
    a table without queue shares (an older ``replications.csv``): the largest waiting share.
    ``negligible``: its queue share is below ``NEGLIGIBLE_QUEUE`` (no step is a bottleneck).
    ``tied_with``: the steps whose queue share is not significantly smaller (paired CI), which
    another seed could name instead. ``by_role``: the role whose steps together make cases
    queue longest (``_role_view``): a role spread over several steps can hold cases up more
    than the bottleneck step's, though none of its steps is the largest; the console names it
    when it is not one of the bottleneck step's roles."""
    staffed = [s for s in steps if model.steps[s].roles]
    if not staffed:  # timers and automated steps only: nobody to queue for (QA 7b #7)
        return None
    prefix = "queue_share" if _largest(summary, "queue_share", staffed) else "waiting_share"
    b = _largest(summary, prefix, staffed)
    if b is None:
        return None
    queue = _ci(summary, f"queue_share:{b}")
    negligible = bool(queue and (queue["mean"] or 0.0) < NEGLIGIBLE_QUEUE)
    return {
        "step": b,
        "negligible": negligible,
        "tied_with": [] if negligible else _tied_with(table, prefix, b, staffed),
        "queue_share": queue,
        "waiting_share": _ci(summary, f"waiting_share:{b}"),
        "waiting_mean": _ci(summary, f"waiting_mean:{b}"),
        "roles": {  # its own roles, then those that may take it (alternatives)
            r: (_ci(summary, f"utilisation:{r}") or {}).get("mean")
            for r in dict.fromkeys(model.steps[b].all_roles)
        },
        "by_role": _by_role(summary, table, model, staffed, prefix),
    }


def _by_role(
    summary: pd.DataFrame, table: pd.DataFrame, model: ProcessModel, staffed: list[str], prefix: str
) -> dict[str, Any] | None:
    """``_role_view`` with the role's utilisation (``None`` without one)."""
    view = _role_view(table, model, staffed, prefix)
    if view is not None:
        view["utilisation"] = (_ci(summary, f"utilisation:{view['role']}") or {}).get("mean")
    return view


def _timers(summary: pd.DataFrame, model: ProcessModel) -> dict[str, Any] | None:
    """The share of cycle time in timer steps, and the largest timer (None without timers)."""
    if "timer_share" not in summary.index:
        return None
    top = _largest(summary, "timer_share", timer_steps(model))
    return {
        "share": _ci(summary, "timer_share"),
        "largest": {"step": top, "share": _ci(summary, f"timer_share:{top}")} if top else None,
    }


def _segment_view(summary: pd.DataFrame, columns: Iterable[str]) -> list[dict[str, Any]] | None:
    """Per segment of a replications table with ``segment_kpis`` columns (a model of two or
    more segments): its ``SEGMENT_KPIS`` with their CIs, in the table's order; ``None``
    without them."""
    segments = segments_in(columns)
    if len(segments) < 2:
        return None
    return [
        {"segment": s, **{k: _ci(summary, segment_key(s, k)) for k in SEGMENT_KPIS}}
        for s in segments
    ]


def kpi_report(
    table: pd.DataFrame,
    model: ProcessModel,
    *,
    headcount: dict[str, int] | None = None,
    cycle_times: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The structured summary written to ``kpis.json``: every KPI with its 95 % CI (clipped to
    the KPI's domain, ``kpi_domain``), plus views; ``by_segment`` (a model of two or more
    segments only): each segment's ``SEGMENT_KPIS``.

    The time shares, and with ``cycle_times`` (the replications' ``cycle_time_table``) the
    cycle-time percentiles, are pooled over the replications (``summarize_kpis``);
    ``estimators`` says which were.

    Each role's headcount is ``headcount``'s; without it, the one the replications were
    simulated with (``kpi_table`` keeps it in ``table.attrs["staffing"]``: a scenario's
    ``staffing``, not the model's), else the model's."""
    summary = summarize_kpis(table, cycle_times)
    if not headcount:
        headcount = {r.name: r.headcount for r in model.roles.values()}
        headcount |= dict(table.attrs.get("staffing") or {})
    steps = []
    order = main_path_order(model)
    on_path = set(order)
    for s in order + [s for s in model.steps if s not in on_path]:
        steps.append(
            {
                "step": s,
                "roles": list(model.steps[s].roles),
                "waiting_mean": _ci(summary, f"waiting_mean:{s}"),
                "processing_mean": _ci(summary, f"processing_mean:{s}"),
                "waiting_share": _ci(summary, f"waiting_share:{s}"),
                "queue_share": _ci(summary, f"queue_share:{s}"),
                "timer_share": _ci(summary, f"timer_share:{s}"),
                "reached": _ci(summary, f"reached:{s}"),
                "waiting_at_end": _ci(summary, f"waiting_at_end:{s}"),
                "dropoff_at": _ci(summary, f"dropoff_at:{s}"),
            }
        )
    roles = [
        {"role": r, "headcount": headcount.get(r), "utilisation": _ci(summary, f"utilisation:{r}")}
        for r in model.roles
    ]
    bottleneck = _bottleneck(summary, table, model, [s["step"] for s in steps])
    activities = _activity_view(table, model)
    outcomes = {
        k.split(":", 1)[1]: _ci(summary, k) for k in summary.index if k.startswith("outcome_share:")
    }
    funnel = [
        {"stage": s["step"], "reached": (s["reached"] or {}).get("mean")}
        for s in steps
        if s["reached"] is not None
    ]
    prev = None
    for f in funnel:
        f["conversion"] = f["reached"] if prev is None else (f["reached"] / prev if prev else None)
        prev = f["reached"]
    segments = _segment_view(summary, table.columns)
    measured = measured_replications(table)
    return {
        "model": model.name,
        "replications": int(len(table)),
        # only where some measured nothing: a run where all did keeps its kpis.json as it was
        **({"measured_replications": measured} if measured < len(table) else {}),
        "confidence_level": 0.95,
        "estimators": estimators(table, cycle_times),
        "time_unit": "hours",
        "headline": {k: _ci(summary, k) for k in HEADLINE if k in summary.index},
        **({"by_segment": segments} if segments else {}),
        "steps": steps,
        "roles": roles,
        "bottleneck": bottleneck,
        "unfinished": _unfinished(summary, table, [s["step"] for s in steps]),
        "saturated_roles": saturated_roles(roles),
        "saturated_in_shared_hours": saturated_in_shared_hours(roles, model),
        "above_target_roles": roles_above_target(roles),
        "timers": _timers(summary, model),
        **(activities or {}),
        "outcomes": outcomes,
        "funnel": funnel,
        "all": {k: _ci(summary, k) for k in summary.index},
    }


def _sig(x: float, digits: int) -> str:
    """``x`` to ``digits`` significant digits with thousands separators and no exponent below
    10^15 (``9.3e+02`` reads worse than ``930``; ``1.235e+04`` worse than ``12,350``)."""
    if not np.isfinite(x) or x == 0 or abs(x) >= 1e15:
        return f"{x:,.{digits}g}"
    decimals = digits - 1 - int(np.floor(np.log10(abs(x))))
    rounded = round(x, decimals)
    return f"{rounded:,.{max(decimals, 0)}f}"


def _number(text: str) -> float:
    """The value of a number ``_sig`` wrote (thousands separators removed)."""
    return float(text.replace(",", ""))


#: the KPIs that count cases: printed whole when their value is (``1,793``, not ``1,790``)
COUNT_KPIS = frozenset({"cases_arrived", "cases_completed", "cases_dropped", "cases_in_progress"})


def _mean_text(mean: float, digits: int, whole: bool) -> str:
    """``mean`` to ``digits`` significant digits (``_sig``), or with ``whole`` and a whole
    ``mean`` every digit of it (an exact count is not rounded)."""
    if whole and np.isfinite(mean) and mean == round(mean):
        return f"{round(mean):,}"
    return _sig(mean, digits)


def _fmt(ci: dict[str, float] | None, pct: bool = False, *, count: bool = False) -> str:
    if not ci or ci.get("mean") is None:
        return "-"
    scale = 100.0 if pct else 1.0
    mean = ci["mean"] * scale
    hw = ci.get("half_width")
    unit = " %" if pct else ""
    if hw is None or not np.isfinite(hw):
        return f"{_mean_text(mean, 3, count)}{unit}"
    if hw * scale <= 1e-9 * max(abs(mean), 1.0):  # the same in every replication (rounding)
        return f"{_mean_text(mean, 4, count)} ± 0{unit}"
    lo, hi = ci.get("ci_low"), ci.get("ci_high")
    if lo is not None and hi is not None and np.isfinite(lo) and np.isfinite(hi):
        if hi - lo < 2 * hw * (1 - 1e-9):  # clipped to the KPI's range: say the interval
            shown = _mean_text(mean, 4, count)
            a, b = _sig(lo * scale, 2), _sig(hi * scale, 2)
            if not _number(a) <= _number(shown) <= _number(b) or a == b:
                # two digits rounded the bounds past the mean shown ('99.98 [100, 100] %' for a
                # role busy 99.95-100 %): the mean's decimals keep them apart (QA 9a #6)
                places = len(shown.split(".")[1]) if "." in shown else 0
                a, b = f"{lo * scale:,.{places}f}", f"{hi * scale:,.{places}f}"
            return f"{shown} [{a}, {b}]{unit}"
    return f"{_mean_text(mean, 4, count)} ± {_sig(hw * scale, 2)}{unit}"


def time_per_case(step: Mapping[str, Any]) -> float:
    """Hours a case spends at a step on average (waiting + processing, times the share reaching
    it), for ranking long step lists (a ``kpi_report`` step row)."""
    vals = [(step.get(k) or {}).get("mean") for k in ("waiting_mean", "processing_mean", "reached")]
    w, p, r = (float(v) if v is not None and np.isfinite(v) else 0.0 for v in vals)
    return (w + p) * r


def _off_hours_text(report: dict[str, Any]) -> str:
    """Where cases wait longest for a step with the hours its staff are off counted, when that
    is 1 % of the cycle time or more: a process without queues can still make cases wait for
    the office to open (QA 2026-12-05 bpmn #10: 44 % of the cycle time before one step, under a
    line that said only "none")."""
    rows = [
        (r["waiting_share"]["mean"], r)
        for r in report.get("steps") or ()
        if r.get("roles") and (r.get("waiting_share") or {}).get("mean") is not None
    ]
    if not rows:
        return ""
    share, row = max(rows, key=lambda x: x[0])
    if share < 0.01:
        return ""
    return (
        f"; with the hours the staff are off and hand-off delays, cases wait longest before "
        f"{row['step']}, {_fmt(row['waiting_share'], True)} of cycle time"
    )


def _queue_caveat(queue: Mapping[str, Any], waiting: Mapping[str, Any] | None) -> str:
    """How the bottleneck's queue share differs from all its waiting, when it does: the wait
    for the staff's shift to open and hand-off delays are waiting but not queueing, a backlog
    carried over to the next shift is queueing. A model without calendars or hand-off delays
    (or whose cases are always ready on shift) waits only in queues: both shares read the
    same, and the caveat about shifts would speak of what the model does not have (QA
    retest19 #3)."""
    wait = _fmt(waiting, True)
    if waiting is None or wait == "-" or wait == _fmt(queue, True):
        return ""
    return (
        f" ({wait} waiting in all: the rest is the wait for the staff's shift to open or a "
        "hand-off delay, not queueing; a backlog carried over to the next shift is queueing)"
    )


def _bottleneck_lines(report: dict[str, Any]) -> list[str]:
    """Where cases queue for staff, how much of the cycle time is timers, and by activity."""
    lines = []
    b = report.get("bottleneck")
    if b is None and not report.get("roles"):
        lines += ["", "  bottleneck: none — no step is done by staff"]
    if b:
        utils = ", ".join(f"{r} {u:.0%}" for r, u in b["roles"].items() if u is not None)
        utils = f" (utilisation {utils})" if utils else ""
        q = b.get("queue_share")
        if q is None:  # a report from before queue shares
            text = f"{b['step']} — waiting is {_fmt(b['waiting_share'], True)} of cycle time"
        elif b.get("negligible"):
            text = (
                f"none — cases queue for staff under 1 % of cycle time at every step (the "
                f"most before {b['step']}, {_fmt(q, True)})" + _off_hours_text(report)
            )
        else:
            text = f"{b['step']} — cases queue for its staff {_fmt(q, True)} of cycle time"
            text += _queue_caveat(q, b.get("waiting_share"))
        lines += ["", f"  bottleneck: {text}{utils}"]
        if b.get("tied_with"):
            lines.append(
                f"  statistically tied with: {', '.join(b['tied_with'])} (the paired 95 % CI of "
                "the difference in queue share includes 0: another seed may name one of them)"
            )
        lines += _by_role_lines(b)
    lines += _unfinished_lines(report)
    lines += _shared_hours_lines(report)
    t = report.get("timers")
    if t and (t.get("share") or {}).get("mean") is not None:
        top = t.get("largest")
        lines.append(
            f"  timers: {_fmt(t['share'], True)} of cycle time is in delay timers (cases "
            "waiting for the customer or an outside party, not for staff)"
            + (f"; the largest: {top['step']}, {_fmt(top['share'], True)}" if top else "")
        )
    a = report.get("bottleneck_activity")
    if a and len(a["steps"]) > 1:
        lines.append(
            f"  by activity: {a['activity']} — cases wait {_fmt(a['waiting_share'], True)} of "
            f"cycle time for it, over its {len(a['steps'])} steps (repetitions and their timers)"
        )
    return lines


def _by_role_lines(b: Mapping[str, Any]) -> list[str]:
    """The role whose steps together make cases queue longest (``by_role``), when it is not
    one of the bottleneck step's roles and its cases queue 1 % of the cycle time or more: a
    role spread over several steps may hold cases up more than the step named (QA
    bottleneck19 #2)."""
    r = b.get("by_role")
    q = (r or {}).get("queue_share") or {}
    if not r or r["role"] in (b.get("roles") or {}) or (q.get("mean") or 0.0) < NEGLIGIBLE_QUEUE:
        return []
    u = r.get("utilisation")
    mine = [x for x in b.get("roles") or {} if x in (r.get("tied_with") or [])]
    return [
        f"  by role: {r['role']} — cases queue for it {_fmt(q, True)} of cycle time in all, "
        f"over its {len(r['steps'])} step{'s' if len(r['steps']) != 1 else ''} "
        f"({', '.join(r['steps'])}), more than at {b['step']}"
        + (f" (utilisation {r['role']} {u:.0%})" if u is not None else "")
        + (
            f"; statistically tied with {', '.join(mine)}"
            if mine
            else "; more staff there may shorten the cycle time more"
        )
    ]


def _unfinished_lines(report: dict[str, Any]) -> list[str]:
    """Where the measured cases still in progress at the stop were waiting (``unfinished``):
    they count in the waiting and queue shares until the stop, not in the cycle times."""
    u = report.get("unfinished")
    if not u:
        return []
    at = u.get("waiting_at") or []
    where = (
        "; waiting at "
        + ", ".join(f"{w['step']} ({_fmt(w['share'], True)} of cases)" for w in at[:3])
        + (f" and {len(at) - 3} more steps (kpis.json)" if len(at) > 3 else "")
        if at
        else ""
    )
    return [
        f"  unfinished: {_fmt(u.get('share'), True)} of the measured cases were still in "
        f"progress when the run stopped{where}. Their waits until then count in the waiting "
        "and queue shares (and the bottleneck); the cycle times are those of finished cases"
    ]


def _shared_hours_lines(report: dict[str, Any]) -> list[str]:
    """A warning per role saturated in the hours it can work (``saturated_in_shared_hours``),
    which its utilisation, counted over all its scheduled hours, does not show."""
    lines = []
    for role, h in (report.get("saturated_in_shared_hours") or {}).items():
        steps = h["steps"]
        lines.append(
            f"  warning: {role} works only at {' and '.join(steps)}, which need "
            f"{' and '.join(h.get('with_roles') or ['others'])} on shift too: "
            f"{h['hours_per_week']:.4g} h of {role}'s {h['scheduled_hours_per_week']:.4g} h a "
            "week, and it is busy "
            f"{100 * h['utilisation']:.0f} % of them. Saturated: queues grow for as long as "
            "cases arrive, so waits and cycle time depend on the horizon (its utilisation above "
            "counts all its scheduled hours)"
        )
    return lines


def step_labels(names: list[str], *, width: int = 60) -> list[str]:
    """The step names for a table column at most ``width`` wide where that keeps them apart: a
    longer name is cut in the middle (its start and its end stay: a calibrated timer's name
    starts with its step and ends with the step the case came from, ``delay:B (after A #2
    (last))``); where two cut names would look the same, every name is shown whole (a wider
    column: BPIC's timers differ only by a '(last)' in the middle)."""
    head = (width - 1) // 2
    labels = [
        n if len(n) <= width else n[:head] + "…" + n[len(n) - (width - 1 - head) :] for n in names
    ]
    return labels if len(set(labels)) == len(set(names)) else list(names)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: two for each wide (Chinese, Japanese, Korean)
    character, which a plain ``str.ljust`` counts as one."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns (``display_width``)."""
    return text + " " * max(width - display_width(text), 0)


def _console_unit(kpi: str) -> tuple[str, bool]:
    """A KPI's unit as the console prints it (``sim.kpis.units``: money in the model's own cost
    units) and whether it is a share, printed as a percentage."""
    unit = kpi_unit(kpi)
    return ("" if unit == "%" else unit_text(unit)), unit == "%"


def _with_unit(line: str, unit: str) -> str:
    """A console row and its unit after it; without one the row ends at its value, not in a
    blank (QA walk28: '57.49 ± 1.8 % ' for a percentage, whose ``%`` is in the value)."""
    return f"{line} {unit}" if unit else line


def _segment_lines(report: dict[str, Any], *, max_columns: int = 3) -> list[str]:
    """The ``by_segment`` view as a table for the terminal, a column per segment, or with more
    than ``max_columns`` segments (a table too wide to read) a block per segment ([] without
    one)."""
    rows = report.get("by_segment") or []
    if not rows:
        return []
    if len(rows) > max_columns:
        lines = []
        for r in rows:
            lines += ["", f"  segment {r['segment']}"]
            for k in SEGMENT_KPIS:
                unit, pct = _console_unit(k)
                shown = _fmt(r.get(k), pct, count=k in COUNT_KPIS)
                lines.append(_with_unit(f"    {k:<24} {shown:>24}", unit))
        return lines
    names = [str(r["segment"]) for r in rows]
    width = max([24, *(display_width(n) for n in names)])
    cells = (" " * (width - display_width(n)) + n for n in names)
    lines = ["", f"  {'by segment':<26} " + " ".join(cells)]
    for k in SEGMENT_KPIS:
        unit, pct = _console_unit(k)
        values = [_fmt(r.get(k), pct, count=k in COUNT_KPIS) for r in rows]
        lines.append(_with_unit(f"  {k:<26} " + " ".join(f"{v:>{width}}" for v in values), unit))
    return lines


def _header_line(report: Mapping[str, Any]) -> str:
    """The console table's first line: the model, its replications and what the ± means (one
    replication has no spread, so no confidence interval); how many were measured where a
    ``scenario.max_cases`` reached in the warm-up left some, or all, with nothing to measure."""
    n = report["replications"]
    measured = report.get("measured_replications", n)
    if measured == 0:
        # every window empty: 0 is no count to fall through on (QA rt27_engine F3: the line
        # promised 95 % intervals, and one replication's advice was more replications)
        cap = (report.get("scenario") or {}).get("max_cases")
        cause = f"scenario.max_cases={cap}" if cap is not None else "scenario.max_cases"
        return (
            f"{report['model']}: {n} {'replication' if n == 1 else 'replications'}, none "
            f"measured ({cause} was reached in the warm-up: see the warning), so no values "
            "and no confidence intervals"
        )
    if 0 < measured < n:
        # the others' windows were empty (``unmeasured``): the figures are of these only
        head = (
            f"{report['model']}: {n} replications, {measured} measured (the others' cases all "
            "arrived in the warm-up: see the warning)"
        )
        if measured == 1:
            return f"{head}, no confidence intervals: one replication has no spread"
        level = 100 * float(report.get("confidence_level", 0.95))
        return f"{head}, {level:g} % confidence intervals over those {measured}"
    if n == 1:
        return (
            f"{report['model']}: 1 replication (no confidence intervals: one replication has "
            "no spread; raise scenario.replications)"
        )
    level = 100 * float(report.get("confidence_level", 0.95))
    return f"{report['model']}: {n} replications, {level:g} % confidence intervals"


def format_report(report: dict[str, Any], *, max_steps: int = 30) -> str:
    """A plain-text table of the headline KPIs, steps and roles for the terminal.

    A model with more than ``max_steps`` steps (a calibrated one, with a step per repetition)
    lists the ``max_steps`` at which cases spend the most time; ``kpis.json`` has them all. A
    report with a ``by_segment`` view shows it after the headline, a column per segment.
    """
    lines = [_header_line(report), ""]
    for k, ci in report["headline"].items():
        unit, pct = _console_unit(k)  # the by-segment table's units: cases_arrived in cases
        shown = _fmt(ci, pct, count=k in COUNT_KPIS)
        lines.append(_with_unit(f"  {k:<26} {shown:>24}", unit))
    lines += _segment_lines(report)
    steps = list(report["steps"])
    if len(steps) > max_steps:
        lines += [
            "",
            f"  the {max_steps} of {len(steps)} steps where cases spend the most time "
            "(all in kpis.json):",
        ]
        steps = sorted(steps, key=time_per_case, reverse=True)[:max_steps]
    labels = step_labels([s["step"] for s in steps])
    width = max([26, *(display_width(x) for x in labels)])
    lines += ["", f"  {'step':<{width}} {'waiting (h)':>20} {'processing (h)':>20} {'reached':>16}"]
    for s, name in zip(steps, labels, strict=True):
        lines.append(
            f"  {pad(name, width)} {_fmt(s['waiting_mean']):>20} "
            f"{_fmt(s['processing_mean']):>20} {_fmt(s['reached'], True):>16}"
        )
    role_width = max([26, *(display_width(str(r["role"])) for r in report["roles"])])
    lines += ["", f"  {'role':<{role_width}} {'headcount':>10} {'utilisation':>20}"]
    for r in report["roles"]:
        lines.append(
            f"  {pad(str(r['role']), role_width)} {r['headcount']!s:>10} "
            f"{_fmt(r['utilisation'], True):>20}"
        )
    lines += _bottleneck_lines(report)
    return "\n".join(lines)
