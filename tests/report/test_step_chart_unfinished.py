"""The step chart and the report's Bottlenecks text say why the bottleneck has no bar when no
measured case got through it (QA retest19 #2: titled "bottleneck: B special, in red" over an
empty row, and "cases wait – before it on average" in report.html), and where those cases are."""

from __future__ import annotations

import re

import pytest

from sim.engine import run_replication
from sim.kpis import kpi_report, kpi_table
from sim.model.scenario import Scenario
from sim.report.charts import NO_VISIT_GID, axis_label, plot_step_times
from sim.report.html import RunFiles, _bottleneck_section
from sim.report.layout import pretty
from tests.kpis.test_bottleneck_open_cases import _overloaded_branch


@pytest.fixture(scope="module")
def report() -> dict:
    """b_special gets 30 % of the cases and 960 % of its person's hours: over a two-week
    window no measured case finishes it, so it has no mean wait, yet it is the bottleneck."""
    model = _overloaded_branch()
    scenario = Scenario(warmup_days=7, horizon_days=14, drain=False)
    traces = [run_replication(model, scenario, seed=3, replication=r) for r in range(3)]
    out = kpi_report(kpi_table(traces, model), model)
    steps = {s["step"]: s for s in out["steps"]}
    assert out["bottleneck"]["step"] == "b_special"
    assert steps["b_special"]["waiting_mean"]["mean"] is None  # the empty row
    assert steps["a_main"]["waiting_mean"]["mean"] is not None
    return out


def _still_waiting(report: dict) -> float:
    """The share of measured cases still waiting at b_special when the run stopped, in %."""
    (at,) = [w for w in report["unfinished"]["waiting_at"] if w["step"] == "b_special"]
    return 100 * at["share"]["mean"]


def _notes(fig) -> dict[str, str]:
    """The notes on the waiting panel's empty rows, by the label of their row."""
    ax = fig.axes[0]
    rows = {
        round(t, 6): lab.get_text()
        for t, lab in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)
    }
    return {
        rows[round(t.get_position()[1], 6)]: t.get_text().replace("\n", " ")
        for t in ax.texts
        if t.get_gid() == NO_VISIT_GID
    }


def test_the_empty_bottleneck_row_says_no_case_got_through_and_how_many_still_wait(report):
    notes = _notes(plot_step_times(report))
    assert list(notes) == [axis_label("b_special")]  # a_main has its bar, and no note
    note = notes[axis_label("b_special")]
    assert note.startswith("no measured case got through: ")
    assert f"{_still_waiting(report):.1f} % of the cases were still waiting here" in note
    assert "unfinished" in note


def test_a_comparison_says_it_of_a_row_empty_in_both_runs(report):
    notes = _notes(plot_step_times(report, compare=report))
    assert notes == {axis_label("b_special"): "no measured case got through in either run"}


def test_the_report_text_says_no_case_got_through_instead_of_a_dash(report, tmp_path):
    body = _bottleneck_section(RunFiles(run_dir=tmp_path, kpis=report)).body
    (text,) = re.findall(r"<p>The bottleneck is .*?</p>", body)
    assert "–" not in text and "cases wait" not in text
    assert f"<strong>{pretty('b_special')}</strong>: no measured case got through it (" in text
    assert f"{_still_waiting(report):.1f} %" in text
    assert "were still waiting there when the run stopped); cases queue for its staff" in text


def test_a_bottleneck_cases_got_through_keeps_its_mean_wait(report, tmp_path):
    b = dict(report["bottleneck"], waiting_mean={"mean": 2.5, "ci_low": 2.0, "ci_high": 3.0})
    body = _bottleneck_section(RunFiles(run_dir=tmp_path, kpis=dict(report, bottleneck=b))).body
    assert "cases wait 2.5 h [2 h, 3 h] before it on average, and queue for its staff" in body
