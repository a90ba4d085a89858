"""The report's headline labels and units, its back-test row of finished cases, and the waiting
figure's means, the ones backtest.json gives (QA consist16 #1, #2, #3)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from report_testkit import html_section, write_calibrate_run, write_simulate_run

from sim.kpis.summary import HEADLINE
from sim.model import load
from sim.report.charts import STEP_WAITS_MEAN_NOTE, plot_step_waits
from sim.report.html import _summary_label, build_report


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


@pytest.mark.parametrize("key", HEADLINE)
def test_every_headline_kpi_has_a_label_and_a_unit(key):
    """QA consist16 #3: the summary showed the raw key ``waiting_per_case`` with no unit."""
    label, unit = _summary_label(key)
    assert label != key and "_" not in label
    assert unit


def test_the_summary_names_waiting_per_case_and_counts_in_cases(tmp_path, crm):
    """QA consist16 #3: 'waiting_per_case 49.92', 'Work in progress 25.02' without units, where
    the console says 'waiting_per_case 49.92 ± 12 h' and compare 'Work in progress (cases)'."""
    run = write_simulate_run(tmp_path / "run", crm)
    kpis = json.loads((run / "kpis.json").read_text())
    kpis["headline"] |= {
        "waiting_per_case": {"mean": 49.92, "ci_low": 38.0, "ci_high": 62.0},
        "wip_mean": {"mean": 25.02, "ci_low": 24.0, "ci_high": 26.0},
        "cases_arrived": {"mean": 248.9, "ci_low": 240.0, "ci_high": 258.0},
    }
    (run / "kpis.json").write_text(json.dumps(kpis))
    summary = html_section(build_report(run).read_text(encoding="utf-8"), "summary")
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"<tr><td>([^<]*)</td><td[^>]*>([^<]*)</td>", summary)
    }
    assert rows["Waiting per case"] == "49.92 h"
    assert rows["Work in progress (cases)"] == "25.02"
    assert rows["Cases measured"] == "248.9"
    assert "waiting_per_case" not in summary


def test_the_backtest_table_shows_the_cases_finished_per_week(tmp_path, crm):
    """QA consist16 #1: the back-test's rate of finished cases is ``cases_finished_per_week``."""
    run = write_calibrate_run(tmp_path / "cal", crm)
    backtest = json.loads((run / "backtest.json").read_text())
    backtest["test"]["kpis"]["cases_finished_per_week"] = 383.75
    backtest["model"]["cases_finished_per_week"] = {"mean": 390.5, "ci_low": 362, "ci_high": 419}
    (run / "backtest.json").write_text(json.dumps(backtest))
    section = html_section(build_report(run).read_text(encoding="utf-8"), "calibration")
    row = re.search(r"<tr><td>Cases finished per week, completed or dropped.*?</tr>", section)
    assert row and "383.8 cases/week" in row.group(0) and "390.5 cases/week" in row.group(0)


def _log(day: int, waits_h: list[float]) -> pd.DataFrame:
    """Cases of two steps, ``x`` then ``y``, ``y`` starting ``waits_h[i]`` hours after ``x``."""
    rows = []
    start = pd.Timestamp(f"2024-01-{day:02d} 08:00")
    for i, w in enumerate(waits_h):
        end_x = start + pd.Timedelta(hours=1)
        start_y = end_x + pd.Timedelta(hours=w)
        rows += [
            (i, "x", start, end_x),
            (i, "y", start_y, start_y + pd.Timedelta(hours=1)),
        ]
    return pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time"]).astype(
        {"start_time": str, "end_time": str}
    )


def test_the_waiting_legend_gives_the_mean_of_the_replications_means():
    """QA consist16 #2: the legend gave every replication's waits pooled (W_Beoordelen fraude
    17.6 h) where backtest.json and the table give each replication's mean averaged (17.37 h)."""
    one = _log(1, [1.0])  # replication 1: one visit of y, waited 1 h
    three = _log(5, [4.0, 4.0, 4.0])  # replication 2: three visits, 4 h each
    fig = plot_step_waits({"history": one, "model": [one, three]}, top=2)
    ax = next(a for a in fig.axes if a.get_title(loc="left") == "Y")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    # (1 + 4) / 2 = 2.5 h, not the pooled (1 + 3 * 4) / 4 = 3.25 h
    assert legend == ["history: mean 1 h", "model: mean 2.5 h"]
    assert STEP_WAITS_MEAN_NOTE in [t.get_text() for t in fig.texts]
    assert "as in backtest.json" in STEP_WAITS_MEAN_NOTE


def test_one_log_a_series_needs_no_note_on_its_mean():
    log = _log(1, [1.0, 3.0])
    fig = plot_step_waits({"history": log, "model": log}, top=2)
    ax = next(a for a in fig.axes if a.get_title(loc="left") == "Y")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "history: mean 2 h",
        "model: mean 2 h",
    ]
    assert STEP_WAITS_MEAN_NOTE not in [t.get_text() for t in fig.texts]
