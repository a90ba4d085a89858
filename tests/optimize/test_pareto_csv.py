"""pareto.csv holds today's process as a labelled row beside the candidates, so a user plotting
the file sees the reference point (it had none: the baseline was only in confirmation.json)."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from sim.optimize import FollowUp, Objective, optimize_redesign
from sim.optimize.confirm import Candidate
from sim.optimize.objectives import Constraint
from sim.optimize.outputs import pareto_table

TWO = (Objective("cycle_time_mean"), Objective("cost_per_case"))


def _candidate() -> Candidate:
    comp = pd.DataFrame(
        {"base": [100.0, 50.0], "alt": [80.0, 52.0], "diff": [-20.0, 2.0], "ci_low": [-25.0, 1.0],
         "ci_high": [-15.0, 3.0], "significant": [True, True]},
        index=["cycle_time_mean", "cost_per_case"],
    )  # fmt: skip
    return Candidate(
        trial=7, choice={"x": 1}, changes=["Remove 'review'"], one_off_cost=100.0,
        search_values=[78.0, 51.5], rank=1, search_rank=1, verdict="trade-off", comparison=comp,
    )  # fmt: skip


def test_the_baseline_is_a_labelled_row_with_its_search_and_confirmed_values():
    search = {"cycle_time_mean": 101.0, "cost_per_case": 49.0, "utilisation:clerk": 0.95}
    confirmed = {"cycle_time_mean": 100.0, "cost_per_case": 50.0, "utilisation:clerk": 0.85}
    table = pareto_table(
        [_candidate()],
        TWO,
        baseline_search=search,
        baseline_confirmed=confirmed,
        constraints=(Constraint("utilisation_max", high=0.9),),
    )
    # through the file, as a user reads it
    back = pd.read_csv(io.StringIO(table.to_csv(index=False)))
    assert back["is_baseline"].tolist() == [False, True]
    cand, base = back.iloc[0], back.iloc[1]
    assert cand["trial"] == 7 and cand["rank"] == 1 and cand["verdict"] == "trade-off"
    assert base["verdict"] == "baseline" and not base["recommended"]
    assert pd.isna(base["trial"]) and pd.isna(base["rank"])
    assert base["cycle_time_mean (search)"] == 101.0 and base["cost_per_case (search)"] == 49.0
    # the confirmed values are the ones every candidate's change is against
    assert base["cycle_time_mean (confirmed)"] == cand["cycle_time_mean (confirmed)"] + 20.0
    assert pd.isna(base["cycle_time_mean change"]) and base["one_off_cost"] == 0.0
    assert bool(base["feasible"])  # 85 % on the confirmed means, within the 90 % bound
    # ranks and trials are written as whole numbers, not 1.0 and 7.0
    assert table.to_csv(index=False).splitlines()[1].startswith("1,7,False,trade-off,")
    # without confirmed values, the search's decide feasibility: 95 % breaks the bound
    alone = pareto_table(
        [], TWO, baseline_search=search, constraints=(Constraint("utilisation_max", high=0.9),)
    )
    assert alone["is_baseline"].tolist() == [True] and not alone["feasible"].iloc[0]


def test_the_pipelines_pareto_csv_ends_with_the_baseline_of_confirmation_json(make_job, tmp_path):
    job = make_job(n_trials=4, objectives=TWO)
    follow = FollowUp(confirm_replications=4, top_k=2, ablate_top=0)
    run = tmp_path / "run"
    summary = optimize_redesign(job, run_dir=run, follow_up=follow, progress=False, workers=1)
    pareto = pd.read_csv(run / "pareto.csv")
    assert len(pareto) == len(summary["candidates"]) + 1
    assert pareto["is_baseline"].tolist() == [False] * len(summary["candidates"]) + [True]
    base = pareto.iloc[-1]
    saved = json.loads((run / "confirmation.json").read_text())
    for o in TWO:
        assert base[f"{o.kpi} (search)"] == pytest.approx(saved["baseline_search"]["values"][o.kpi])
        assert base[f"{o.kpi} (confirmed)"] == pytest.approx(
            saved["baseline_confirmation"]["values"][o.kpi]
        )
        for c, (_, row) in zip(saved["candidates"], pareto.iloc[:-1].iterrows(), strict=True):
            assert row["trial"] == c["trial"]
            assert c["comparison"][o.kpi]["base"] == pytest.approx(base[f"{o.kpi} (confirmed)"])
    # the report reads the file as before, and builds from the run
    from sim.report.html import build_report, read_run

    rf = read_run(run)
    assert rf.problems == [] and rf.pareto["is_baseline"].iloc[-1]
    page = build_report(run).read_text(encoding="utf-8")
    assert "pareto.csv: could not be read" not in page and "Pareto front" in page
