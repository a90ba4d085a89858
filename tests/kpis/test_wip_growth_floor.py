"""A backlog too small to matter does not block the window-edge rule (QA redesignops19 #3: a
faster redesign of a process 38 % busy lost 0.05 cases a week of throughput, on exactly the
cases won of the same 726 arrivals, and was called "worse": its ``wip_change`` interval,
0.042 +- 0.040 cases over the window, was just above 0, so the run read as a growing backlog).

The work in progress of a window grows only when it grows by at least ``NEGLIGIBLE_CHANGE`` of
the cases that arrived in it (the floor the optimiser puts under an improvement), besides its
interval above 0; ``WINDOW_EDGE_COLUMNS`` are the columns the rule reads, the ones
``sim.optimize.confirm`` keeps per replication beside a candidate's objectives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.kpis import compare_scenarios
from sim.kpis.compare import NEGLIGIBLE_CHANGE, WINDOW_EDGE, WINDOW_EDGE_COLUMNS, window_edge_note
from sim.kpis.stats import confidence_interval

ARRIVED = 726.0  # the window's arrivals a replication (the QA run's)
WEEKS = 7.4
BASE_THROUGHPUT = np.array([98.10, 98.30, 98.00, 98.20, 98.15])
SLOWER = np.array([0.05, 0.06, 0.04, 0.05, 0.06])  # fewer completions inside the window
SMALL_GROWTH = np.array([0.05, 0.02, 0.10, 0.04, 0.03])  # cases, over the whole window


def _table(throughput, wip_change) -> pd.DataFrame:
    """A replications table of the same demand: ``ARRIVED`` cases in a window of ``WEEKS``,
    every one of them won (drained)."""
    n = len(throughput)
    return pd.DataFrame(
        {
            "throughput_per_week": np.asarray(throughput, dtype=float),
            "cases_completed": np.full(n, ARRIVED),
            "wip_change": np.asarray(wip_change, dtype=float),
            "cases_arrived": np.full(n, ARRIVED),
            "arrivals_per_week": np.full(n, ARRIVED / WEEKS),
        }
    )


def _throughput(tables: dict[str, pd.DataFrame]) -> pd.Series:
    comparison = compare_scenarios(tables, baseline="base", paired=True)
    return comparison[
        (comparison["scenario"] == "alt") & (comparison["kpi"] == "throughput_per_week")
    ].iloc[0]


def test_a_backlog_under_the_floor_is_no_backlog():
    base = _table(BASE_THROUGHPUT, [0.0, -0.02, 0.01, 0.0, -0.01])
    alt = _table(BASE_THROUGHPUT - SLOWER, SMALL_GROWTH)
    # the premise: the growth's interval is above 0 (the old test called it a backlog), and
    # the growth is under the floor of the window's arrivals
    ci = confidence_interval(SMALL_GROWTH)
    assert ci["ci_low"] > 0
    assert ci["mean"] < NEGLIGIBLE_CHANGE * ARRIVED
    row = _throughput({"base": base, "alt": alt})
    assert row["significant"] and row["diff"] < 0
    assert row["verdict"] == WINDOW_EDGE
    assert row["note"].startswith("the cases that arrived in the window were won as often")


def test_a_backlog_over_the_floor_still_is_one():
    """The same runs with a growth just over the floor (and three times it) of the window's
    arrivals: capacity, not an edge; the throughput loss stays "worse"."""
    base = _table(BASE_THROUGHPUT, [0.0, -0.02, 0.01, 0.0, -0.01])
    floor = NEGLIGIBLE_CHANGE * ARRIVED
    growth = SMALL_GROWTH / SMALL_GROWTH.mean() * floor * 1.01
    for wip in (growth, 3 * growth):
        row = _throughput({"base": base, "alt": _table(BASE_THROUGHPUT - SLOWER, wip)})
        assert row["verdict"] == "worse" and row["note"] == ""


@pytest.mark.parametrize("column", WINDOW_EDGE_COLUMNS)
def test_the_rule_reads_the_window_edge_columns(column):
    """Each of ``WINDOW_EDGE_COLUMNS`` is read: without the cases won or the window's length
    the rule gives no note; a work in progress that grows (over the floor) gives none."""
    base = _table(BASE_THROUGHPUT, [0.0, -0.02, 0.01, 0.0, -0.01])
    alt = _table(BASE_THROUGHPUT - SLOWER, SMALL_GROWTH)
    diff = float((alt["throughput_per_week"] - base["throughput_per_week"]).mean())
    assert window_edge_note(base, alt, diff, paired=True) is not None
    if column == "wip_change":
        backlog = alt.assign(wip_change=SMALL_GROWTH * 100)
        assert window_edge_note(base, backlog, diff, paired=True) is None
    else:
        assert window_edge_note(base.drop(columns=column), alt, diff, paired=True) is None
