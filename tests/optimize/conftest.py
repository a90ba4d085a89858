"""A tiny process and search space for fast optimisation tests."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

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
def tiny_with_spare():
    """``TINY`` with a slower intake (a second clerk helps) and a role 'spare' that no step
    uses (a hire there only costs): the model of the prune tests."""
    m = copy.deepcopy(TINY)
    m["steps"]["intake"]["duration"]["mean"] = 0.8
    m["roles"]["spare"] = {"headcount": 1, "hourly_cost": 20}
    return from_dict(m)


@pytest.fixture
def tiny_space(tiny_model):
    return SearchSpace.from_dict(TINY_SPACE, tiny_model)


def search_job(
    model,
    space,
    *,
    objectives=("cycle_time_mean",),
    constraints=(),
    scenario=None,
    seed=1,
    n_trials=4,
    replications=2,
    storage=None,
    sampler=None,
) -> SearchJob:
    """A small search of ``model`` over ``space``: objectives as KPI names or ``Objective``s,
    two replications at least (``min_replications=2``), a short scenario (3 days, half a day
    of warm-up) and Optuna's random sampler seeded with ``seed`` unless ``sampler`` (a
    ``SamplerSpec``) is given."""
    return SearchJob(
        model=model,
        space=space,
        scenario=scenario or Scenario(horizon_days=3, warmup_days=0.5),
        seed=seed,
        objectives=tuple(o if isinstance(o, Objective) else Objective(o) for o in objectives),
        constraints=tuple(constraints),
        settings=SearchSettings(
            n_trials=n_trials,
            replications=replications,
            min_replications=2,
            storage=storage,
            study_name="t",
        ),
        sampler=sampler or SamplerSpec("optuna.samplers.RandomSampler", {"seed": seed}),
    )


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
        return search_job(
            tiny_model,
            tiny_space,
            objectives=objectives or ("cycle_time_mean",),
            seed=seed,
            n_trials=n_trials,
            replications=replications,
            storage=storage,
            sampler=SamplerSpec(sampler, {"seed": seed}),
        )

    return make


def write_tiny_files(
    folder: Path, space: dict | None = None, model: dict | None = None
) -> tuple[Path, Path]:
    """A model (``TINY`` unless given) and a search space (``TINY_SPACE`` unless given) as YAML
    files in ``folder``."""
    model_file, space_file = folder / "tiny.yaml", folder / "space.yaml"
    model_file.write_text(yaml.safe_dump(model or TINY))
    space_file.write_text(yaml.safe_dump(space or TINY_SPACE))
    return model_file, space_file


def quick_search_args(
    folder: Path, n_trials: int, space: dict | None = None, model: dict | None = None
) -> list[str]:
    """``python -m sim`` arguments of the quickest real search of ``TINY`` (or ``model``):
    random sampler, two replications, one recommendation, no ablation, no report."""
    model_file, space_file = write_tiny_files(folder, space, model)
    return [
        "optimize",
        f"process={model_file}",
        f"redesign={space_file}",
        "optimizer=random",
        f"optimizer.n_trials={n_trials}",
        "optimizer.replications=2",
        "optimizer.min_replications=2",
        "optimizer.confirm_replications=2",
        "optimizer.top_k=1",
        "optimizer.ablate_top=0",
        "optimizer.constraints=null",
        "scenario.horizon_days=2",
        "scenario.warmup_days=0.5",
        "workers=1",
        "progress=false",
        "output.report=false",
    ]


def files_holding(root: Path, text: str) -> list[str]:
    """The files under ``root`` that contain ``text`` (a password that must not be there)."""
    return [
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and text in p.read_text(encoding="utf-8", errors="replace")
    ]


def tiny_with_slow_intake_and_spare():
    """``TINY`` with a slower intake (a second clerk helps) and a role 'spare' that no step
    uses (paid, no work)."""
    m = copy.deepcopy(TINY)
    m["steps"]["intake"]["duration"]["mean"] = 0.8
    m["roles"]["spare"] = {"headcount": 1, "hourly_cost": 20}
    return from_dict(m)


def clerk_and_spare_space(model):
    """A search space of ``TINY`` with a role 'spare' (``model``): one or two clerks and spares."""
    from sim.redesign import SearchSpace

    return SearchSpace.from_dict(
        {
            "model": "tiny",
            "budget": 10000,
            "staffing": {"clerk": {"min": 1, "max": 2}, "spare": {"min": 1, "max": 2}},
        },
        model,
    )


def confirmed_and_ablated(model, space, choice: dict, objectives, scenario, replications: int):
    """A candidate of ``choice`` confirmed and ablated on ``replications`` fresh replications,
    as the follow-up does: ``(candidate, baseline table, its redesigned model)``."""
    from sim.optimize import Candidate, Evaluator, ablate, confirm

    with Evaluator(model=model, space=space, scenario=scenario, seed=1, workers=1) as ev:
        c = Candidate(
            trial=0,
            choice=dict(choice),
            changes=space.describe(choice),
            one_off_cost=space.one_off_cost(choice),
            search_values=[0.0] * len(objectives),
            rank=1,
            search_rank=1,
        )
        base = confirm([c], ev, objectives, (), replications=replications, start=0)
        ablate(c, ev, objectives, replications=replications, start=0)
        redesigned = ev.redesigned(c.choice)
    return c, base, redesigned


def one_candidate_markdown(
    candidate, baseline, objectives, replications: int, *, model_name: str = "tiny", **extra
) -> str:
    """``recommendations.md`` of one confirmed ``candidate`` of a one-trial search without
    constraints (``extra``: ``simulations``, ``models`` ...; ``simulations`` 0 by default)."""
    return candidates_markdown(
        [candidate], baseline, objectives, replications, model_name=model_name, **extra
    )


def candidates_markdown(
    candidates, baseline, objectives, replications: int, *, model_name: str = "tiny", **extra
) -> str:
    """``recommendations.md`` of confirmed ``candidates`` of a search of as many trials,
    without constraints (``extra`` as ``one_candidate_markdown``'s)."""
    from sim.optimize.outputs import recommendations_markdown

    return recommendations_markdown(
        model_name=model_name,
        candidates=list(candidates),
        baseline=baseline,
        objectives=objectives,
        constraints=(),
        confirm_replications=replications,
        n_trials=extra.pop("n_trials", len(candidates)),
        simulations=extra.pop("simulations", 0),
        **extra,
    )


def unconfirmed_candidates(space, choices) -> list:
    """A ``Candidate`` per choice of ``space`` as the search hands them on (trial and rank in
    the order given, no one-off cost, search values 0), for ``confirm`` to judge."""
    from sim.optimize import Candidate

    return [
        Candidate(
            trial=i,
            choice=dict(choice),
            changes=space.describe(choice),
            one_off_cost=0.0,
            search_values=[0.0, 0.0],
            rank=i + 1,
            search_rank=i + 1,
        )
        for i, choice in enumerate(choices)
    ]
