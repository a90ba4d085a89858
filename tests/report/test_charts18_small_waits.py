"""Waits of seconds beside hours of processing (QA plots18 #9): the waiting panel switches to a
unit that reads (min, s) and spans a share of the processing axis at least, so a 5-second wait
is no full-length bar on a 0-0.0045 h axis."""

from __future__ import annotations

import re

import pytest

from sim.engine import run_replications
from sim.kpis import kpi_report, kpi_table
from sim.model import load
from sim.model.scenario import Scenario
from sim.report.charts import WAIT_SPAN_MIN, duration_unit, plot_step_times

FACTOR = {"h": 1.0, "min": 60.0, "s": 3600.0}


@pytest.fixture(scope="module")
def six_servers(repo_root):
    """QA's mmc6 run, shorter: six servers, so a case waits seconds for 1.6 h of service."""
    model = load(repo_root / "configs" / "process" / "mmc.yaml")
    scenario = Scenario(horizon_days=7, warmup_days=1, replications=3, staffing={"server": 6})
    traces = run_replications(model, scenario, seed=0, workers=1)
    report = kpi_report(kpi_table(traces, model), model)
    step = report["steps"][0]
    assert step["waiting_mean"]["ci_high"] < 0.1 < step["processing_mean"]["mean"]  # premise
    return report


def _unit(label: str) -> str:
    return re.search(r"\((h|min|s)\)", label).group(1)


def test_a_wait_of_seconds_is_a_short_bar_in_a_readable_unit(six_servers):
    step = six_servers["steps"][0]
    wait, proc = step["waiting_mean"], step["processing_mean"]
    fig = plot_step_times(six_servers)
    ax_w, ax_p = fig.axes[:2]
    unit_w, unit_p = _unit(ax_w.get_xlabel()), _unit(ax_p.get_xlabel())
    assert unit_w in ("min", "s") and unit_p == "h"
    # the bars are the report's means in the axes' units
    assert ax_w.patches[0].get_width() == pytest.approx(wait["mean"] * FACTOR[unit_w])
    assert ax_p.patches[0].get_width() == pytest.approx(proc["mean"])
    # the waiting axis spans a share of the processing one at least: the bar is short
    top_w_h = ax_w.get_xlim()[1] / FACTOR[unit_w]
    assert top_w_h >= WAIT_SPAN_MIN * proc["ci_high"] * (1 - 1e-9)
    assert ax_w.patches[0].get_width() / ax_w.get_xlim()[1] < 0.1


def test_hours_stay_hours():
    assert duration_unit(5.0, "h") == (1.0, "h")
    assert duration_unit(0.05, "h") == (60.0, "min")
    assert duration_unit(0.005, "h") == (3600.0, "s")
    assert duration_unit(0.0, "h") == (1.0, "h")  # nothing waited: no unit to switch to
    assert duration_unit(0.005, "days") == (1.0, "days")
