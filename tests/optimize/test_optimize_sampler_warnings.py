"""The bundled TPE settings (multivariate, group, constant_liar) are "experimental" to Optuna,
which warned of them three times a run (QA 2026-12-05 optimize #9); the sampler is built
without those warnings."""

from __future__ import annotations

import warnings

import optuna

from sim.optimize.study import SamplerSpec


def test_the_bundled_tpe_settings_build_without_experimental_warnings():
    spec = SamplerSpec(
        "optuna.samplers.TPESampler",
        {"multivariate": True, "group": True, "constant_liar": True, "seed": 0},
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sampler = spec.build(None)
    assert isinstance(sampler, optuna.samplers.TPESampler)
    assert not [w for w in caught if issubclass(w.category, optuna.exceptions.ExperimentalWarning)]


def test_a_search_within_nsga2s_random_first_generation_is_noted(tmp_path):
    """QA 2026-12-05 optimize #9: NSGA-II's first generation (population_size 16) is random
    sampling, so a 4-trial NSGA-II search equalled optimizer=random's, with no word of it."""
    from tests.simcli import run_sim

    args = [
        "optimize",
        "process=mmc",
        "redesign=staffing",
        "optimizer.confirm_replications=2",
        "optimizer.replications=2",
        "optimizer.min_replications=2",
        "optimizer.top_k=1",
        "optimizer.ablate_top=0",
        "scenario.horizon_days=3",
        "progress=false",
        "output.report=false",
    ]
    short = run_sim(*args, "optimizer.n_trials=3", f"hydra.run.dir={tmp_path / 'a'}")
    assert short.returncode == 0, short.stderr
    assert "is no more than NSGAIISampler's first generation (population_size=16)" in short.stdout
    longer = run_sim(
        *args,
        "optimizer.n_trials=3",
        "optimizer.sampler.population_size=2",
        f"hydra.run.dir={tmp_path / 'b'}",
    )
    assert longer.returncode == 0, longer.stderr
    assert "first generation" not in longer.stdout
