"""Per-step KPIs that are shares have the unit ``%`` (``sim.kpis.units``), so a step objective
such as ``queue_share:quote_preparation`` prints as a percentage and its change in percentage
points. QA: recommendations.md printed ``queue_share:quote_preparation | 0.0 | 0.0 | -0.00
(-100.0 %) [-0.00, +0.00]`` for a baseline of 0.00039."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.kpis.units import kpi_unit
from sim.optimize.outputs import _fmt, _fmt_change


@pytest.mark.parametrize(
    "name",
    [
        "queue_share:quote_preparation",
        "waiting_share:review",
        "reached:review",
        "timer_share:wait_for_customer",
        "timer_share",
        "dropoff_at:review",
        "outcome_share:won",
        "utilisation:clerk",
        "value_added_ratio",
        "conversion_rate",
    ],
)
def test_shares_are_percentages(name):
    assert kpi_unit(name) == "%"


def test_visits_and_case_counts_have_their_units():
    assert kpi_unit("visits_per_case:review") == "visits"
    assert kpi_unit("cases_in_progress") == "cases"


def test_a_share_objective_prints_in_percent_and_its_change_in_pp():
    kpi = "queue_share:quote_preparation"
    assert _fmt(kpi, 0.0039) == "0.4 %"
    row = pd.Series(
        {"diff": -0.0039, "ci_low": -0.0052, "ci_high": -0.0026, "relative": -1.0, "n": 20}
    )
    assert _fmt_change(kpi, row, 20) == "-0.39 pp (-100.0 %) [-0.52, -0.26]"
