"""A tiny process and search space for fast optimisation tests."""

from __future__ import annotations

import pytest

from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.optimize import Objective, SamplerSpec, SearchJob, SearchSettings
from sim.redesign import SearchSpace

TINY = {
    "name": "tiny",
    "start": "intake",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
    "roles": {
        "clerk": {"headcount": 1, "hourly_cost": 10},
        "expert": {"headcount": 1, "hourly_cost": 30},
    },
    "steps": {
        "intake": {
            "role": "clerk",
            "duration": {"dist": "exponential", "mean": 0.5},
            "next": "review",
        },
        "review": {
            "role": "expert",
            "duration": {"dist": "exponential", "mean": 0.8},
            "next": "done",
        },
    },
    "ends": {"done": {"success": True}},
}
TINY_SPACE = {
    "model": "tiny",
    "budget": 10000,
    "remove": ["review"],
    "staffing": {"clerk": {"min": 1, "max": 2, "one_off_cost_per_hire": 100}},
}


@pytest.fixture
def tiny_model():
    return from_dict(TINY)


@pytest.fixture
def tiny_space(tiny_model):
    return SearchSpace.from_dict(TINY_SPACE, tiny_model)


@pytest.fixture
def make_job(tiny_model, tiny_space):
    def make(
        *,
        storage=None,
        n_trials=4,
        seed=1,
        replications=3,
        objectives=None,
        sampler="optuna.samplers.RandomSampler",
    ):
        return SearchJob(
            model=tiny_model,
            space=tiny_space,
            scenario=Scenario(horizon_days=3, warmup_days=0.5),
            seed=seed,
            objectives=tuple(objectives or (Objective("cycle_time_mean"),)),
            constraints=(),
            settings=SearchSettings(
                n_trials=n_trials,
                replications=replications,
                min_replications=2,
                storage=storage,
                study_name="t",
            ),
            sampler=SamplerSpec(sampler, {"seed": seed}),
        )

    return make
