"""KPI definitions a mutation audit found untested: throughput's window, the cycle-time
percentiles, visits per measured case, and the step a lost case is credited to."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.kpis import log_kpis
from sim.kpis import measures as m


def _cases(rows, measured=None):
    """A cases table of ``(case_id, arrival, end, outcome, success, dropped_at)`` rows;
    ``measured``: per row, whether the case arrived in the measurement window (all by default)."""
    df = pd.DataFrame(
        rows, columns=["case_id", "arrival", "end", "outcome", "success", "dropped_at"]
    )
    df["success"] = pd.array(df["success"], dtype="boolean")
    return df.assign(segment="default", value=0.0, measured=True if measured is None else measured)


def _events(rows):
    """An events table of ``(case_id, activity, enabled, start, end)`` rows, done by role x."""
    df = pd.DataFrame(rows, columns=["case_id", "activity", "enabled", "start", "end"])
    return df.assign(resource="r1", role="x")


def test_throughput_counts_a_case_that_arrived_before_the_window_and_ended_inside_it():
    """Throughput counts successful completions whose end is in the window, whenever they
    arrived; arrivals per week count arrivals in the window."""
    cases = _cases(
        [
            (0, 5.0, 15.0, "won", True, None),  # arrived before the window, ended inside: counts
            (1, 12.0, 18.0, "won", True, None),  # inside: counts
            (2, 12.0, 25.0, "won", True, None),  # ended after the window
            (3, 11.0, 14.0, "lost", False, None),  # not a success
            (4, 15.0, np.nan, None, pd.NA, None),  # in progress
            (5, 1.0, 8.0, "won", True, None),  # ended before the window
        ]
    )
    t = m.throughput(cases, (10.0, 20.0))
    assert t["throughput_per_day"] == pytest.approx(2 / 10 * 24)  # 4.8
    assert t["throughput_per_week"] == pytest.approx(2 / 10 * 168)  # 33.6
    assert t["arrivals_per_week"] == pytest.approx(4 / 10 * 168)  # cases 1-4 arrived in it


def test_cycle_time_percentiles_are_numpys_linear_interpolation():
    """p90 and p95 are the 0.9 and 0.95 quantiles with linear interpolation between order
    statistics: for 1..100 the position is 99 q, so p90 = 90 + 0.1 = 90.1, p95 = 95.05."""
    ct = np.random.default_rng(3).permutation(np.arange(1.0, 101.0))
    s = m.cycle_time_summary(ct)
    assert s["cycle_time_mean"] == pytest.approx(50.5)
    assert s["cycle_time_median"] == pytest.approx(50.5)
    assert s["cycle_time_p90"] == pytest.approx(90.1)
    assert s["cycle_time_p95"] == pytest.approx(95.05)
    # two values 0 and 10: the q quantile is 10 q
    two = m.cycle_time_summary(np.array([10.0, 0.0]))
    assert (two["cycle_time_p90"], two["cycle_time_p95"]) == pytest.approx((9.0, 9.5))


def test_visits_per_case_divides_by_the_measured_cases_not_the_warm_up_ones():
    """``visits_per_case:<step>`` is the measured cases' executions of the step over the number
    of measured cases; warm-up cases count in neither."""
    cases = _cases(
        [
            (0, 0.0, 4.0, "won", True, None),  # warm-up
            (1, 1.0, 5.0, "won", True, None),  # warm-up
            (2, 10.0, 14.0, "won", True, None),
            (3, 11.0, 13.0, "won", True, None),
        ],
        measured=[False, False, True, True],
    )
    events = _events(
        [
            (0, "a", 0.0, 0.0, 2.0),
            (1, "a", 1.0, 1.0, 3.0),
            (2, "a", 10.0, 10.0, 11.0),
            (2, "a", 11.0, 11.0, 12.0),  # case 2 does a twice
            (3, "a", 11.0, 11.0, 12.0),
        ]
    )
    k = log_kpis(events, cases)
    assert k["cases_arrived"] == 2.0
    assert k["visits_per_case:a"] == pytest.approx(3 / 2)


def test_a_lost_case_is_credited_to_its_last_step():
    """A dropped case that did not abandon a queue is lost at its last activity (the one that
    ended last), not its first."""
    cases = _cases(
        [
            (0, 0.0, 3.0, "won", True, None),
            (1, 0.0, 3.0, "lost", False, None),
            (2, 0.0, 5.0, "lost", False, None),
        ]
    )
    events = _events(
        [
            (0, "a", 0.0, 0.0, 3.0),
            (1, "a", 0.0, 0.0, 1.0),
            (1, "b", 1.0, 1.0, 2.0),
            (1, "c", 2.0, 2.0, 3.0),
            (2, "d", 4.0, 4.0, 5.0),  # listed first, but ends after a
            (2, "a", 0.0, 0.0, 4.0),
        ]
    )
    d = m.dropoff(events, cases)
    assert d["dropoff_rate"] == pytest.approx(2 / 3)
    assert d["dropoff_at:c"] == pytest.approx(1 / 3)
    assert d["dropoff_at:d"] == pytest.approx(1 / 3)
    assert "dropoff_at:a" not in d and "dropoff_at:b" not in d
