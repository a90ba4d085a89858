"""Event logs of known arrival profiles, for the tests of the calibrated arrival profile."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

MONDAY = pd.Timestamp("2024-01-01")


def poisson_log(
    rate_at: Callable[[float], float], *, weeks: int, peak_per_hour: float, seed: int
) -> pd.DataFrame:
    """Two-step cases (``a`` by r1, then ``b`` by r2, a minute each) arriving by thinning a
    Poisson process of ``peak_per_hour`` by ``rate_at(hour of the week)`` (a share of 0..1),
    over ``weeks`` weeks from a Monday."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1 / peak_per_hour, size=int(weeks * 168 * peak_per_hour * 1.2))
    hours = np.cumsum(gaps)
    hours = hours[hours < weeks * 168]
    keep = rng.random(hours.size) < np.array([rate_at(h % 168) for h in hours])
    starts = MONDAY + pd.to_timedelta(hours[keep], unit="h")
    rows = []
    for i, t in enumerate(starts):
        rows.append((f"c{i}", "a", t, t + pd.Timedelta(minutes=1), "r1"))
        rows.append((f"c{i}", "b", t + pd.Timedelta(minutes=2), t + pd.Timedelta(minutes=3), "r2"))
    return pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])
