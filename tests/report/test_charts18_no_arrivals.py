"""A run in which no case arrives (QA plots18 #8): the utilisation, funnel and arrivals charts
say so instead of drawing empty axes, a column of "0%" or negative scales."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from sim.engine import run_replications
from sim.kpis import kpi_report, kpi_table
from sim.model import load
from sim.model.scenario import Scenario
from sim.report.charts import (
    NO_CASE_ARRIVED,
    NO_DATA_GID,
    plot_arrivals,
    plot_funnel,
    plot_utilisation,
)


def _notes(ax) -> list[str]:
    return [" ".join(t.get_text().split()) for t in ax.texts if t.get_gid() == NO_DATA_GID]


@pytest.fixture(scope="module")
def empty_run(crm_path):
    """QA's nofinish run: 1.2 hours from Monday 00:00, no warm-up, no drain: nobody works and
    no case arrives."""
    model = load(crm_path)
    scenario = Scenario(horizon_days=0.05, warmup_days=0, replications=2, drain=False)
    traces = run_replications(model, scenario, seed=0, workers=1)
    report = kpi_report(kpi_table(traces, model), model)
    assert report["all"]["cases_arrived"]["mean"] == 0  # the premise
    hours = np.concatenate([np.asarray(t.case_arrival, dtype=float) for t in traces])
    arrivals = pd.Timestamp(model.start_date) + pd.to_timedelta(hours, unit="h")
    return report, pd.Series(arrivals), len(traces)


def test_the_funnel_says_no_case_arrived_instead_of_zero_shares(empty_run):
    report, _, _ = empty_run
    fig = plot_funnel(report)
    ax = fig.axes[0]
    assert _notes(ax) == [NO_CASE_ARRIVED]
    assert not [t for t in ax.texts if t.get_text().endswith("%")]  # no column of "0%"


def test_utilisation_without_working_hours_says_so(empty_run):
    report, _, _ = empty_run
    assert all(r["utilisation"]["mean"] is None for r in report["roles"])  # the premise
    ax = plot_utilisation(report).axes[0]
    assert _notes(ax) == ["no role had working hours in the measured window"]


def test_a_role_without_working_hours_beside_busy_ones_is_named_on_its_row():
    role = {"mean": 0.5, "ci_low": 0.45, "ci_high": 0.55, "half_width": 0.05}
    none = {"mean": None, "ci_low": None, "ci_high": None, "half_width": None}
    report = {
        "replications": 3,
        "roles": [
            {"role": "day", "headcount": 2, "utilisation": role},
            {"role": "night", "headcount": 1, "utilisation": none},
        ],
    }
    ax = plot_utilisation(report).axes[0]
    assert [t.get_text() for t in ax.texts if "working hours" in t.get_text()] == [
        "no working hours in the measured window"
    ]
    assert not _notes(ax)


def test_the_arrivals_chart_has_no_negative_scale_and_says_no_case_arrived(empty_run):
    _, arrivals, n_rep = empty_run
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = plot_arrivals(arrivals, replications=n_rep)
        fig.canvas.draw()
    heat, top, right, cax = fig.axes[:4]
    assert _notes(heat) == [NO_CASE_ARRIVED]
    assert top.get_ylim()[0] >= 0 and right.get_xlim()[0] >= 0
    assert min(cax.get_ylim()) >= 0  # the colour bar: no negative arrivals
    assert "over 0.0 hours" not in fig.get_suptitle()
