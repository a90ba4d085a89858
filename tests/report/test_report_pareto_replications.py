"""The optimize report's Pareto figure draws every point on the search's replications."""

from __future__ import annotations

import json

import pytest
from report_testkit import pareto_points, write_searched_run

from sim.model import load
from sim.redesign import operators as op
from sim.report.charts import plot_pareto
from sim.report.html import _pareto_figure, read_run


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


def _pruned_run(tmp_path, crm, *, own_search_values: bool):
    """An optimize run whose rank-1 redesign is trial 1 without a change the ablation dropped:
    search means (38, 880) on replications #0-#4, confirmed means (30, 850) on #5-#9, today's
    process at (190, 1200) in the search and (175, 1180) in the confirmation."""
    run, conf = write_searched_run(
        tmp_path / "opt",
        crm,
        op.remove_step(crm, "contract_review"),
        confirmation=([5, 9], {"cycle_time_mean": 175.0, "cost_per_case": 1180.0}),
        replications=[5, 5, 3],
        stopped_early=[False, False, True],
    )
    best = conf["candidates"][0]
    best["trial"] = 1
    best["search_values"] = [38.0, 880.0]
    # runs since the pruned candidate's search values are its own keep the found redesign's
    best["original"] = {"choice": {}} | (
        {"search_values": [40.0, 900.0]} if own_search_values else {}
    )
    best["comparison"]["cycle_time_mean"]["alt"] = 30.0
    best["comparison"]["cost_per_case"]["alt"] = 850.0
    (run / "confirmation.json").write_text(json.dumps(conf))
    return run


def test_a_pruned_redesign_and_the_baseline_are_drawn_on_the_searchs_replications(tmp_path, crm):
    """QA docs: the star and a pruned redesign sat at the confirmation's values (fresh
    replications), ~4 pp below every trial on drop-off from the replications alone."""
    run = _pruned_run(tmp_path, crm, own_search_values=True)
    fig, caption = _pareto_figure(read_run(run), plot_pareto)
    points = pareto_points(fig)
    assert points["baseline"] == {(190.0, 1200.0)}  # the search's, as every trial's
    assert points["recommended"] == {(38.0, 880.0)}  # its own search means
    assert "marked at its means on the search's replications" in caption
    assert "Every point is measured on the search's replications (#0-#4" in caption
    assert "a trial the search stopped early, on the first of them" in caption
    assert "confirmation's figures instead, on fresh replications (#5-#9)" in caption
    assert "(confirmed) columns" in caption


def test_an_older_pruned_run_keeps_its_confirmed_means_beside_their_baseline(tmp_path, crm):
    """Before its own search means were written, a pruned candidate's search_values were the
    found redesign's: it is drawn at its confirmed means, beside the confirmation's baseline."""
    run = _pruned_run(tmp_path, crm, own_search_values=False)
    fig, caption = _pareto_figure(read_run(run), plot_pareto)
    points = pareto_points(fig)
    assert points["baseline"] == {(175.0, 1180.0)}
    assert points["recommended"] == {(30.0, 850.0)}
    assert "as the confirmation measured it (replications #5-#9)" in caption


def test_a_candidate_whose_staff_cannot_carry_the_work_is_crossed_out(tmp_path, crm):
    """QA2 2026-12-05 #4: the 1-server design rejected as overloaded was a plain front point."""
    run = _pruned_run(tmp_path, crm, own_search_values=True)
    conf = json.loads((run / "confirmation.json").read_text())
    conf["candidates"].append({"trial": 0, "overloaded": {"legal": 1.6}, "original": None})
    (run / "confirmation.json").write_text(json.dumps(conf))
    fig, caption = _pareto_figure(read_run(run), plot_pareto)
    drawn = {p for label, pts in pareto_points(fig).items() if "Pareto" in label or label == "trial"
             for p in pts}  # fmt: skip
    assert (150.0, 1300.0) not in drawn
    assert "gave their staff more work than their hours hold (1)" in caption
