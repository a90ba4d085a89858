"""``optimize`` with ``scenario.staffing``: the search starts from the staffing the scenario
gives (QA 9b).

The engine applies ``scenario.staffing`` over the model's headcounts, after a redesign: a search
varying the same role was overridden in every trial (its ablation +0.00 exactly), described its
change against the model's headcount ("4 people instead of 5" where the scenario had 7), and
wrote ``best/<rank>.yaml`` with a headcount that was never simulated, so simulating it again gave
other numbers than the report's."""

from __future__ import annotations

import json

import yaml

from tests.simcli import run_sim

ARGS = [
    "optimize",
    "process=mmc",
    "redesign=staffing",
    "optimizer=random",
    "optimizer.objectives=[{kpi: cycle_time_mean},{kpi: headcount}]",
    "optimizer.constraints=null",
    "optimizer.n_trials=6",
    "optimizer.replications=2",
    "optimizer.min_replications=2",
    "optimizer.confirm_replications=3",
    "optimizer.top_k=2",
    "optimizer.ablate_top=0",
    "optimizer.prune_harm=false",
    "scenario.horizon_days=3",
    "scenario.warmup_days=0.5",
    "scenario.staffing.server=4",
    "workers=1",
    "progress=false",
    "output.report=false",
]


def test_the_search_starts_from_the_scenarios_staffing_and_best_holds_what_was_simulated(
    tmp_path,
):
    run = tmp_path / "run"
    res = run_sim(*ARGS, f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    space = yaml.safe_load((run / "redesign.yaml").read_text())
    # within 50 % of today's 4 people, not of the model's 2
    assert space["staffing"]["server"]["min"] == 2 and space["staffing"]["server"]["max"] == 6
    summary = json.loads((run / "confirmation.json").read_text())
    assert summary["candidates"], summary
    for c in summary["candidates"]:
        assert all("instead of 4" in ch for ch in c["changes"]), c["changes"]
        best = yaml.safe_load((run / "best" / f"{c['rank']}.yaml").read_text())
        # best/<rank>.yaml holds the headcount the confirmation simulated
        assert best["roles"]["server"]["headcount"] == c["comparison"]["headcount"]["alt"]
        assert c["comparison"]["headcount"]["base"] == 4
    # the report's today is the scenario's staffing too (its diff map: only the redesign's)
    from sim.report.html import read_run

    assert read_run(run).model.roles["server"].headcount == 4
