"""optimize says what ``scenario.max_cases`` did to the window its trials are measured over
(QA rt_engine F5): a cap that ends the window early is said as simulate says it, on the console
and in recommendations.md (and so report.html); a cap reached in the warm-up leaves no case to
measure, and where every trial was pruned for that one reason, recommendations.md (printed at
the end) says the reason instead of "No redesign in the search was feasible"."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import CONFIGS
from tests.simcli import QUICK_SEARCH, run_sim

CAPPED_SEARCH = [
    "optimize",
    "process=mmc",
    *QUICK_SEARCH,
    "optimizer.objectives=[{kpi: cycle_time_mean},{kpi: headcount}]",
    "workers=1",
]


def test_the_window_ends_read_from_the_kpis_are_the_traces():
    """What ``capped_window_warning`` is given: each replication's window end, as simulate
    notes it from the trace, here read back from the replication's KPIs."""
    from sim.engine import run_replication
    from sim.kpis import replication_kpis
    from sim.kpis.window import window_ends
    from sim.model import load
    from sim.model.scenario import Scenario

    model = load(CONFIGS / "process" / "mmc.yaml")
    # cut inside the window; reached in the warm-up in some replications (about 24 arrive
    # in it); never reached
    for cap in (90, 24, 10_000):
        scenario = Scenario(horizon_days=6, warmup_days=1, max_cases=cap)
        traces = [run_replication(model, scenario, seed=3, replication=r) for r in range(6)]
        table = pd.DataFrame([replication_kpis(t, model) for t in traces])
        ends = window_ends(table, scenario)
        assert ends == pytest.approx([t.window[1] for t in traces], rel=1e-12)
        if cap == 10_000:  # a window the cap did not cut is whole, not off by rounding
            assert ends == [scenario.arrivals_end_hours] * 6


def test_a_cap_that_cuts_the_window_is_said_on_the_console_and_in_the_results(tmp_path):
    run = tmp_path / "run"
    res = run_sim(
        *CAPPED_SEARCH, "scenario.max_cases=90", "output.report=true", f"hydra.run.dir={run}"
    )
    assert res.returncode == 0, res.stderr
    said = "scenario.max_cases=90 stopped the arrivals after about"
    assert said in res.stderr  # before the search, from its baseline
    md = (run / "recommendations.md").read_text(encoding="utf-8")
    assert f"**warning: {said}" in md and said in res.stdout  # printed at the end
    assert said in (run / "report.html").read_text(encoding="utf-8")


def test_no_word_of_a_cap_that_does_not_cut_the_window(tmp_path):
    run = tmp_path / "run"
    res = run_sim(*CAPPED_SEARCH, "scenario.max_cases=100000", f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    assert "stopped the arrivals" not in res.stdout + res.stderr


def test_a_cap_reached_in_the_warm_up_is_named_as_why_no_trial_could_be_judged(tmp_path):
    run = tmp_path / "run"
    res = run_sim(*CAPPED_SEARCH, "scenario.max_cases=10", f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    md = (run / "recommendations.md").read_text(encoding="utf-8")
    why = "no case arrived in the measurement window"
    assert why in res.stderr and f"**warning: {why}" in md
    assert "scenario.max_cases=10 stops the arrivals after 10 cases" in md
    trials = pd.read_csv(run / "trials.csv")
    reason = "an objective KPI is undefined (no case finished)"
    assert (trials["state"] == "PRUNED").all() and (trials["refused"] == reason).all()
    said = f"for the same reason: {reason} (trials.csv, under refused)"
    assert said in md and said in res.stdout
    assert "was feasible and different from the baseline" not in md


def test_trials_pruned_for_several_reasons_are_counted_by_reason():
    from sim.optimize.objectives import Objective
    from sim.optimize.outputs import recommendations_markdown

    md = recommendations_markdown(
        model_name="m",
        candidates=[],
        baseline=pd.DataFrame({"cycle_time_mean": [float("nan")] * 2}),
        objectives=(Objective("cycle_time_mean"),),
        constraints=(),
        confirm_replications=2,
        n_trials=3,
        simulations=6,
        feasibility={"completed": 0, "feasible": 0},
        pruned={"no case finished": 2, "no case reached step 'b'": 1},
    )
    assert (
        "its 3 trials were pruned: no case finished (2 trials); no case reached step 'b' "
        "(1 trial) (trials.csv, under refused)." in md
    )
