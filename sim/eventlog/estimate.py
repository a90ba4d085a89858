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

**A case's first activity** has no enabling event, and its resource's availability alone is no
evidence of when it started: after an idle night, weekend or year the "duration" would be the
whole idle gap (the helpdesk log's first activities "lasted" up to 16,993 h). As Chapela-Campa &
Dumas do for instances they cannot estimate, its duration is the median estimated duration of
the same activity where it was enabled by an earlier activity of its case, still no earlier than
its resource became free; an activity that is never enabled that way (it always opens its case)
gets no duration (start = end), as do instances with neither enablement nor resource.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import columns as C

METHOD = (
    "start = max(end of the previous activity in the same case, end of the same resource's "
    "previous activity); a case's first activity lasts the median of the same activity's "
    "enabled instances (no earlier than its resource became free), or is instant when the "
    "activity always opens its case (Martin et al. 2016 heuristic, as in Chapela-Campa & Dumas)"
)


@dataclass(frozen=True)
class FirstActivityEstimates:
    """How the start times of cases' first activities were estimated (counts of filled rows)."""

    from_median: int = 0  # the median duration of the activity's enabled instances
    instant: int = 0  # the activity always opens its case: start = end


def estimate_start_times(events: pd.DataFrame, *, only_missing: bool = True) -> pd.DataFrame:
    """Return a copy of ``events`` with start times estimated from ends, cases and resources.

    With ``only_missing=True`` recorded start times are kept and only missing ones are filled;
    with ``False`` every start time is replaced by its estimate.
    """
    return estimate_start_times_counted(events, only_missing=only_missing)[0]


def estimate_start_times_counted(
    events: pd.DataFrame, *, only_missing: bool = True
) -> tuple[pd.DataFrame, FirstActivityEstimates]:
    """``estimate_start_times`` and how many first activities of cases (of the rows it filled)
    took their activity's median duration, and how many were made instant."""
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
    filled = np.ones(len(out), dtype=bool)
    if only_missing and C.START in out.columns:
        filled = out[C.START].isna().to_numpy()
        out[C.START] = out[C.START].fillna(pd.Series(est, index=out.index))
    else:
        out[C.START] = est
    counts = FirstActivityEstimates(
        from_median=int((from_median & filled).sum()), instant=int((instant & filled).sum())
    )
    return out, counts
