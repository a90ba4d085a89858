"""The report's Bottlenecks section and map legend say what the console says (QA bottleneck19:
the role view, the unfinished cases and the tie were in the console and kpis.json only)."""

from __future__ import annotations

from sim.engine import run_replication
from sim.kpis import kpi_report, kpi_table
from sim.model.scenario import Scenario
from sim.report.html import _bottleneck_legend, _role_view_text, _unfinished_text
from sim.report.layout import pretty
from tests.kpis.test_bottleneck_open_cases import _overloaded_branch
from tests.kpis.test_bottleneck_role_view import _shared


def _report(model, scenario, n):
    table = kpi_table(
        [run_replication(model, scenario, seed=1, replication=r) for r in range(n)], model
    )
    return kpi_report(table, model)


def test_the_role_that_queues_cases_most_over_its_steps_is_named_in_the_report():
    report = _report(_shared(), Scenario(warmup_days=7, horizon_days=28), 10)
    (text,) = _role_view_text(report["bottleneck"])
    assert f"By role: cases queue for <strong>{pretty('rs')}</strong>" in text
    steps = ", ".join(pretty(s) for s in ("s1", "s2", "s3", "s4"))
    assert f"over its steps ({steps}), more than at {pretty('d')}" in text
    share = report["bottleneck"]["by_role"]["queue_share"]["mean"]
    assert f"{100 * share:.1f}" in text


def test_the_unfinished_cases_and_where_they_wait_are_in_the_report():
    report = _report(_overloaded_branch(), Scenario(warmup_days=7, horizon_days=14, drain=False), 3)
    (text,) = _unfinished_text(report)
    share = report["unfinished"]["share"]["mean"]
    assert f"{100 * share:.1f}" in text and "still in progress when the run stopped" in text
    assert f"They were waiting at {pretty('b_special')} (" in text
    assert "bottleneck is" not in text
    assert pretty("b_special") in _bottleneck_legend(report)


def test_a_tie_is_named_in_the_map_legend():
    report = _report(_shared(), Scenario(warmup_days=7, horizon_days=28), 10)
    b = report["bottleneck"]
    tied = dict(report, bottleneck=dict(b, tied_with=["s2"], negligible=False))
    legend = _bottleneck_legend(tied)
    assert f"statistically tied with {pretty('s2')} (dashed heavy border)" in legend
    alone = dict(report, bottleneck=dict(b, tied_with=[], negligible=False))
    assert "tied" not in _bottleneck_legend(alone)
