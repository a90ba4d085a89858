"""Start-time estimation for logs that record only completions.

Heuristic (Martin, Depaire & Caris 2016, as used by Chapela-Campa & Dumas in their start-time
estimation and extraneous-delay work): an activity instance can start once it is enabled and its
resource is free, so

    estimated start = max(end of the previous activity in the same case  [enablement],
                          end of the same resource's previous activity     [availability])

where "previous" is by end time (ties keep file order). Enablement ignores concurrency (the
previous activity of the case is taken as the enabler even if it ran in a parallel branch), so
with parallel work an estimate can be later than the real start and the processing time too
short. The estimate never exceeds the end time.

**Instances enabled while their resource was idle.** The heuristic is right where the case
queued: its resource was still busy when it was enabled (availability binds), and a resource
that works without pause starts the next case as it finishes one. Where the resource was free
before the case was enabled (enablement binds), the heuristic assumes the work began at once;
a case that waited for something outside the log (a customer's reply, a scheduled call-back)
then has that whole wait counted as work. On BPIC 2012 such instances "took" 178 times their
real duration (``experiments/start_time_estimation``). So, per activity with at least
``MIN_CLASS_SIZE`` instances of each kind, the estimated durations of the instances enabled
while their resource was idle are compared with those of the queued ones (one-sided
Mann-Whitney U, ``DELAYED_P``): where they are longer, and their median at least
``DELAYED_MEDIAN_RATIO`` times the queued one, the idle-enabled instances are taken to hold
waits that are not work. Each then gets the duration of the queued instances' distribution at
its own rank (quantile mapping: the longest gap gets the longest queued duration), never more
than its gap; the rest of the gap becomes waiting, which calibration reads as an extraneous
delay. Where the two kinds agree (every synthetic log, whose resources work without outside
waits) nothing changes.

**A case's first activity** has no enabling event, and its resource's availability alone is no
evidence of when it started: after an idle night, weekend or year the "duration" would be the
whole idle gap (the helpdesk log's first activities "lasted" up to 16,993 h). As Chapela-Campa &
Dumas do for instances they cannot estimate, its duration is the median estimated duration of
the same activity where it was enabled by an earlier activity of its case (after the
re-estimation above), still no earlier than its resource became free; an activity that is never
enabled that way (it always opens its case) gets no duration (start = end), as do instances with
neither enablement nor resource.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from sim.model import columns as C

METHOD = (
    "start = max(end of the previous activity in the same case, end of the same resource's "
    "previous activity) (Martin et al. 2016 heuristic, as in Chapela-Campa & Dumas); where an "
    "activity's instances enabled while their resource was idle took significantly longer than "
    "its queued ones (Mann-Whitney p < 0.01, median at least twice), they take the queued "
    "instances' durations at their own rank, the rest of the gap being waiting; a case's first "
    "activity lasts the median of the same activity's enabled instances (no earlier than its "
    "resource became free), or is instant when the activity always opens its case"
)
MIN_CLASS_SIZE = 20
DELAYED_P = 0.01
DELAYED_MEDIAN_RATIO = 2.0


@dataclass(frozen=True)
class StartEstimates:
    """How the estimated start times were made (counts of the rows filled)."""

    from_median: int = 0  # first activities of cases: the median of the activity's enabled ones
    instant: int = 0  # the activity always opens its case: start = end
    re_estimated: int = 0  # enabled while the resource was idle, gap held a wait (module doc)
    # activity -> median gap of its idle-enabled instances / median of its queued ones
    delayed_activities: dict[str, float] = field(default_factory=dict)


def estimate_start_times(
    events: pd.DataFrame, *, only_missing: bool = True, split_outside_waits: bool = True
) -> pd.DataFrame:
    """Return a copy of ``events`` with start times estimated from ends, cases and resources.

    With ``only_missing=True`` recorded start times are kept and only missing ones are filled;
    with ``False`` every start time is replaced by its estimate. ``split_outside_waits=False``
    keeps the heuristic's estimate where an idle-enabled instance's gap holds a wait (module
    docstring), as it was before 2026-12-04.
    """
    return estimate_start_times_counted(
        events, only_missing=only_missing, split_outside_waits=split_outside_waits
    )[0]


def _delayed_durations(
    gap: np.ndarray, activity: np.ndarray, queued: np.ndarray, idle: np.ndarray
) -> tuple[np.ndarray, dict[str, float], np.ndarray]:
    """The durations (seconds) after re-estimating idle-enabled instances whose gaps hold waits
    (module docstring), the activities re-estimated with their median ratios, and which rows
    changed."""
    out = gap.copy()
    changed = np.zeros(gap.size, dtype=bool)
    ratios: dict[str, float] = {}
    for a in pd.unique(activity[idle]):
        mine = activity == a
        q, m = gap[mine & queued], mine & idle
        g = gap[m]
        if q.size < MIN_CLASS_SIZE or g.size < MIN_CLASS_SIZE:
            continue
        ratio = float(np.median(g) / max(float(np.median(q)), 1e-9))
        if ratio < DELAYED_MEDIAN_RATIO:
            continue
        if stats.mannwhitneyu(g, q, alternative="greater").pvalue >= DELAYED_P:
            continue
        rank = (stats.rankdata(g) - 0.5) / g.size
        new = np.minimum(np.quantile(q, rank), g)
        changed[m] = new < g
        out[m] = new
        ratios[str(a)] = round(ratio, 2)
    return out, ratios, changed


def estimate_start_times_counted(
    events: pd.DataFrame, *, only_missing: bool = True, split_outside_waits: bool = True
) -> tuple[pd.DataFrame, StartEstimates]:
    """``estimate_start_times`` and how the filled rows were estimated (``StartEstimates``)."""
    out = events.copy()
    work = out.reset_index(drop=True)
    end = work[C.END]
    # Position-based work on a frame sorted by end time (stable: ties keep current order).
    order = np.argsort(end.to_numpy(), kind="stable")
    by_end = work.iloc[order]
    prev_case = by_end.groupby(C.CASE, sort=False, observed=True)[C.END].shift(1)
    if C.RESOURCE in by_end.columns and by_end[C.RESOURCE].notna().any():
        has_res = by_end[C.RESOURCE].notna()
        prev_res = (
            by_end.loc[has_res].groupby(C.RESOURCE, sort=False, observed=True)[C.END].shift(1)
        )
        prev_res = prev_res.reindex(by_end.index)
    else:
        prev_res = pd.Series(pd.NaT, index=by_end.index, dtype=end.dtype)
    enabled = prev_case.notna()
    est = pd.concat([prev_case, prev_res], axis=1).max(axis=1).where(enabled)
    # enabled instances whose gap holds a wait outside the log: shorter durations
    queued = (enabled & prev_res.notna() & (prev_res >= prev_case)).to_numpy()
    idle = enabled.to_numpy() & ~queued & split_outside_waits
    gap = (by_end[C.END] - est).dt.total_seconds().to_numpy()
    acts = by_end[C.ACTIVITY].astype(str).to_numpy()
    durations_s, delayed, changed = _delayed_durations(gap, acts, queued, idle)
    est = est.where(~changed, by_end[C.END] - pd.to_timedelta(np.nan_to_num(durations_s), unit="s"))
    # first activities: the median duration of the same activity's enabled instances
    durations = (by_end[C.END] - est)[enabled]
    typical = durations.groupby(by_end.loc[enabled, C.ACTIVITY], observed=True).median()
    # reindexed by activity name, so an activity never enabled (or none at all) gives NaT
    first_typical = pd.Series(
        typical.reindex(by_end[C.ACTIVITY].to_numpy()).to_numpy() if len(typical) else pd.NaT,
        index=by_end.index,
        dtype="timedelta64[ns]",
    ).where(~enabled)
    first_est = by_end[C.END] - first_typical.fillna(pd.Timedelta(0))
    first_est = pd.concat([first_est, prev_res], axis=1).max(axis=1)
    est = est.fillna(first_est).astype(end.dtype).sort_index().to_numpy()
    from_median = first_typical.notna().sort_index().to_numpy()
    instant = ((~enabled) & first_typical.isna()).sort_index().to_numpy()
    re_estimated = pd.Series(changed, index=by_end.index).sort_index().to_numpy()
    filled = np.ones(len(out), dtype=bool)
    if only_missing and C.START in out.columns:
        filled = out[C.START].isna().to_numpy()
        out[C.START] = out[C.START].fillna(pd.Series(est, index=out.index))
    else:
        out[C.START] = est
    counts = StartEstimates(
        from_median=int((from_median & filled).sum()),
        instant=int((instant & filled).sum()),
        re_estimated=int((re_estimated & filled).sum()),
        delayed_activities=delayed,
    )
    return out, counts
