"""Start-time estimation for logs that record only completions.

Heuristic (Martin, Depaire & Caris 2016, as used by Chapela-Campa & Dumas in their start-time
estimation and extraneous-delay work): an activity instance can start once it is enabled and its
resource is free, so

    estimated start = max(end of the previous activity in the same case  [enablement],
                          end of the same resource's previous activity     [availability])

where "previous" is by end time (ties keep file order). When neither exists (first activity of a
case done by a resource with no earlier work, or no resource) the start is the end itself, i.e. an
instant activity. Enablement ignores concurrency (the previous activity of the case is taken as
the enabler even if it ran in a parallel branch), so with parallel work an estimate can be later
than the real start and the processing time too short. The estimate never exceeds the end time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model import columns as C

METHOD = (
    "start = max(end of the previous activity in the same case, end of the same resource's "
    "previous activity); start = end when neither exists (Martin et al. 2016 heuristic, as in "
    "Chapela-Campa & Dumas)"
)


def estimate_start_times(events: pd.DataFrame, *, only_missing: bool = True) -> pd.DataFrame:
    """Return a copy of ``events`` with start times estimated from ends, cases and resources.

    With ``only_missing=True`` recorded start times are kept and only missing ones are filled;
    with ``False`` every start time is replaced by its estimate.
    """
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
    est = pd.concat([prev_case, prev_res], axis=1).max(axis=1)
    est = est.fillna(by_end[C.END]).astype(end.dtype).sort_index().to_numpy()
    if only_missing and C.START in out.columns:
        out[C.START] = out[C.START].fillna(pd.Series(est, index=out.index))
    else:
        out[C.START] = est
    return out
