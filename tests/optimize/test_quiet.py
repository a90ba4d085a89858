"""A search and its confirmation print no library warnings (QA: an Optuna FutureWarning about
``constraints_func`` and pandas PerformanceWarnings from confirm.py on every optimize run)."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from sim.model.scenario import Scenario
from sim.optimize import Evaluator, Objective, SamplerSpec, confirm, run_search
from sim.optimize.confirm import Candidate
from sim.optimize.objectives import Constraint
from sim.optimize.study import SearchSettings
from sim.redesign import SearchSpace
from tests.optimize.conftest import TINY_SPACE


@pytest.fixture
def strict_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        yield


def test_a_constrained_nsga2_search_warns_nothing_and_its_sampler_sees_the_constraints(
    make_job, tiny_model, strict_warnings
):
    space = SearchSpace.from_dict(
        {**TINY_SPACE, "staffing": {"clerk": {"min": 1, "max": 3}, "expert": {"min": 1, "max": 3}}},
        tiny_model,
    )
    job = dataclasses.replace(
        make_job(),
        space=space,
        scenario=Scenario(horizon_days=3, warmup_days=0.5),
        objectives=(Objective("cycle_time_mean"), Objective("headcount")),
        constraints=(Constraint("utilisation_max", high=0.6),),
        settings=SearchSettings(n_trials=10, replications=2, min_replications=2, study_name="q"),
        sampler=SamplerSpec("optuna.samplers.NSGAIISampler", {"seed": 3, "population_size": 4}),
    )
    with Evaluator(
        model=job.model, space=job.space, scenario=job.scenario, seed=job.seed, workers=1
    ) as ev:
        study, _ = run_search(job, ev, progress=False)
    done = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert len(done) == 10
    # what NSGA-II ranks by (trial.constraints) is what the trials table reports
    for t in done:
        assert t.constraints == {"0": t.user_attrs["constraints"][0]}
    feasible = [all(v <= 0 for v in t.constraints.values()) for t in done]
    assert any(feasible) and not all(feasible)  # the constraint bites in this search


def test_confirming_on_wide_kpi_tables_is_not_fragmented(make_job, strict_warnings, monkeypatch):
    """Real models have 100+ KPI columns (per step and role) that come in the order steps were
    first reached, so different replications list them in different orders."""
    job = make_job()
    cols = [f"waiting_mean:s{i}" for i in range(150)]

    def fake_run(self, model, reps):
        self.simulations += len(reps)
        out = []
        for r in reps:
            order = np.random.default_rng(r).permutation(cols)
            kp = {c: float(r) for c in order}
            kp["cycle_time_mean"] = 10.0 + r % 3 - (3.0 if model.steps.keys() == {"intake"} else 0)
            kp["utilisation:clerk"] = 0.5
            out.append((r, kp))
        return out

    monkeypatch.setattr(Evaluator, "_run", fake_run)
    with Evaluator(
        model=job.model, space=job.space, scenario=job.scenario, seed=job.seed, workers=1
    ) as ev:
        ev.table({}, 3)  # the search's few replications first, then more to confirm
        ev.table({"remove:review": True}, 3)
        cand = Candidate(
            trial=0,
            choice={"remove:review": True},
            changes=["remove review"],
            one_off_cost=0.0,
            search_values=[7.0],
        )
        confirm([cand], ev, job.objectives, (), replications=8, start=0)
    assert cand.verdict == "better"
    assert cand.comparison.loc["cycle_time_mean", "diff"] == pytest.approx(-3.0)
    assert cand.comparison.loc["utilisation_max", "alt"] == pytest.approx(0.5)
