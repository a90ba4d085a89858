"""Singular words where a count is one (QA rt28_engine F6): the comparison figure's panel of a
baseline of one person read "(baseline 1 people)"; the capped-window warning with one measured
replication read "which are of the 1 measured replications"."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.cli.simulate import capped_window_warning
from sim.kpis.compare import compare_scenarios
from sim.model.scenario import Scenario
from sim.report.compare import plot_scenario_differences


def test_a_baseline_of_one_person_is_one_person():
    rng = np.random.default_rng(3)
    tables = {
        label: pd.DataFrame(
            {"cycle_time_mean": 5 + i + rng.normal(0, 0.1, 4), "headcount": [people] * 4}
        )
        for i, (label, people) in enumerate((("one", 1), ("two", 2)))
    }
    comparison = compare_scenarios(tables, baseline="one", paired=True)
    fig = plot_scenario_differences(comparison, baseline="one")
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert any("(baseline 1 person)" in t for t in titles), titles
    assert not any("1 people" in t for t in titles), titles


def test_one_measured_replication_is_one():
    capped = Scenario(max_cases=40, replications=2)
    lo, end = capped.warmup_hours, capped.arrivals_end_hours
    warning = capped_window_warning([lo, end], capped)
    assert "which are of the one measured replication;" in warning, warning
    assert "1 measured replications" not in warning, warning
