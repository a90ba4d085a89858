"""Where ``scenario.max_cases`` ended the measurement windows: read back from a run's KPIs
(``window_ends``) and judged against the scenario's warm-up and horizon (``cap_stops``).

Pure rules shared by simulate, optimize and compare (which read them from here rather than from
one another's command modules)."""

from __future__ import annotations

import math
from collections.abc import Collection

import pandas as pd

from sim.kpis.measures import WEEK
from sim.model.scenario import Scenario


def window_ends(table: pd.DataFrame, scenario: Scenario) -> list[float]:
    """Each replication's measurement window end in hours (``Trace.window``'s, which
    ``capped_window_warning`` reads), from its KPIs where ``scenario.max_cases`` may have moved
    it: the window's length is its arrivals over their rate (``arrivals_per_week``, arrivals
    per hour of the window: ``sim.kpis.measures.throughput``). A replication that measured
    nothing (``cases_arrived`` missing: the cap's cases all arrived in the warm-up) ends at the
    warm-up's end; one whose window held no case, and every one of an uncapped scenario, where
    the arrivals end."""
    end = scenario.arrivals_end_hours
    if scenario.max_cases is None or not {"cases_arrived", "arrivals_per_week"} <= set(table):
        return [end] * len(table)
    arrived = table["cases_arrived"].to_numpy(dtype=float)
    rate = table["arrivals_per_week"].to_numpy(dtype=float)
    ends = []
    for n, per_week in zip(arrived, rate, strict=True):
        if math.isnan(n):
            ends.append(scenario.warmup_hours)
            continue
        stop = scenario.warmup_hours + n / per_week * WEEK if n > 0 and per_week > 0 else end
        # the length back from its rate is off by rounding: a window the cap did not cut is whole
        ends.append(stop if stop < end and not math.isclose(stop, end, rel_tol=1e-9) else end)
    return ends


def cap_stops(window_ends: Collection[float], scenario: Scenario) -> tuple[list[float], int]:
    """Where ``scenario.max_cases`` stopped the arrivals in the replications whose measurement
    windows end at ``window_ends`` (hours): the ends it moved inside the window, and how many
    windows it left empty (its cases all arrived in the warm-up: ``Trace.measured``)."""
    if scenario.max_cases is None:
        return [], 0
    lo, end = scenario.warmup_hours, scenario.arrivals_end_hours
    return [e for e in window_ends if lo < e < end], sum(e <= lo for e in window_ends)
