"""A misspelt objective or constraint KPI given to the library entry points is refused before
anything is searched, with the ``ConfigError`` ``sim optimize`` gives (QA libapi: through
``optimize_redesign`` an objective typo pruned every trial, a constraint typo made every trial
infeasible and recommendations.md said to raise n_trials)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sim.engine import run_replication
from sim.errors import ConfigError
from sim.kpis import replication_kpis
from sim.kpis.summary import replication_segment_kpis
from sim.model import load
from sim.optimize import (
    Constraint,
    Evaluator,
    FollowUp,
    Objective,
    optimize_redesign,
    run_search,
)
from sim.optimize.objectives import check_kpi_names, model_kpi_names
from sim.redesign import SearchSpace
from tests.optimize.conftest import search_job

CRM = Path(__file__).resolve().parents[2] / "configs" / "process" / "crm_sales.yaml"
QUICK = FollowUp(confirm_replications=2, top_k=1, ablate_top=0)


def _cli_refusal(job, key: str, names: list[str]) -> str:
    """What ``sim optimize`` (``sim.cli.optimize._run``) says of ``names``."""
    trace = run_replication(job.model, job.scenario, seed=job.seed)
    known = replication_kpis(trace, job.model) | replication_segment_kpis(trace)
    known |= dict.fromkeys(model_kpi_names(job.model), 0.0)
    with pytest.raises(ConfigError) as err:
        check_kpi_names(names, list(known), key=key)
    return str(err.value)


def test_a_misspelt_objective_is_refused_before_the_search(make_job, tmp_path):
    job = make_job(objectives=(Objective("cycle_time_meen"),))
    run_dir = tmp_path / "run"
    with pytest.raises(ConfigError) as err:
        optimize_redesign(job, run_dir=run_dir, follow_up=QUICK, progress=False, workers=1)
    said = str(err.value)
    assert said.startswith("optimizer.objectives: unknown KPI 'cycle_time_meen'")
    assert "did you mean 'cycle_time_mean'" in said
    assert said == _cli_refusal(job, "optimizer.objectives", ["cycle_time_meen"])
    assert not run_dir.exists()  # nothing written


def test_a_misspelt_constraint_is_refused_before_the_search(make_job, tmp_path):
    job = dataclasses.replace(make_job(), constraints=(Constraint("utilisaton_max", 0.9),))
    with pytest.raises(ConfigError) as err:
        optimize_redesign(job, run_dir=tmp_path / "run", follow_up=QUICK, progress=False)
    said = str(err.value)
    assert said.startswith("optimizer.constraints: unknown KPI 'utilisaton_max'")
    assert "did you mean 'utilisation_max'" in said
    assert said == _cli_refusal(job, "optimizer.constraints", ["utilisaton_max"])


def test_run_search_refuses_a_misspelt_role_having_simulated_one_baseline_replication(make_job):
    job = dataclasses.replace(make_job(), constraints=(Constraint("utilisation:clerc", 0.9),))
    with (
        Evaluator(
            model=job.model, space=job.space, scenario=job.scenario, seed=job.seed, workers=1
        ) as ev,
        pytest.raises(ConfigError, match="the model has no role 'clerc' .*'clerk'"),
    ):
        run_search(job, ev, progress=False)
    assert ev.simulations == 1  # the baseline's #0, which a search simulates anyway


def test_every_segment_kpi_of_the_model_is_a_valid_name(tiny_model):
    """A segment no case of the one checked replication belonged to is still the model's."""
    names = model_kpi_names(load(CRM))
    assert "segment:key_account:cycle_time_mean" in names
    assert "segment:small_business:waiting_per_case" in names
    assert not any(n.startswith("segment:") for n in model_kpi_names(tiny_model))


def test_a_segment_kpi_is_searched_through_the_library(tmp_path):
    model = load(CRM)
    space = SearchSpace.from_dict({"staffing": {"legal": {"min": 1, "max": 2}}}, model)
    job = search_job(model, space, objectives=("segment:key_account:cycle_time_mean",), n_trials=2)
    summary = optimize_redesign(job, run_dir=tmp_path / "run", follow_up=QUICK, progress=False)
    assert summary["trials_finished"] == 2
