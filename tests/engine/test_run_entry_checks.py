"""The engine's entry points check their arguments before simulating (QA, library use).

A ``ProcessModel`` built or edited in code is not validated on the way in as a model file is:
``start="nope"``, a ``next`` naming no node, a step role not among the roles or a headcount of
2.5 failed deep inside with a bare KeyError / ValueError / TypeError. ``seed=None`` was a
TypeError, ``seed=-1`` a ValueError naming no argument, ``workers=0`` ran on one worker.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from sim.engine import check_scenario, run_replication, run_replications, runner
from sim.errors import ConfigError, ModelError
from sim.model import Arrivals, Distribution, End, ProcessModel, Role, Step
from sim.model.scenario import Scenario

SHORT = Scenario(horizon_days=1, warmup_days=0, replications=1)


def mm2() -> ProcessModel:
    """An M/M/2 queue built in code, as a library user does."""
    return ProcessModel(
        name="mm2",
        start="serve",
        arrivals=Arrivals(interarrival=Distribution.exponential(1.0)),
        roles={"server": Role("server", 2)},
        steps={
            "serve": Step(
                "serve", next="done", duration=Distribution.exponential(1.6), roles=("server",)
            )
        },
        ends={"done": End("done", outcome="done", success=True)},
    )


def _serve(**changes) -> dict[str, Step]:
    step = Step("serve", next="done", duration=Distribution.exponential(1.6), roles=("server",))
    return {"serve": replace(step, **changes)}


INVALID = {
    "bad start": (dict(start="nope"), "start: unknown node 'nope'"),
    "bad next": (dict(steps=_serve(next="nowhere")), "steps.serve.next: unknown node 'nowhere'"),
    "unknown role": (dict(steps=_serve(roles=("srv",))), "steps.serve.role: unknown role 'srv'"),
    "headcount 2.5": (
        dict(roles={"server": Role("server", 2.5)}),
        "roles.server.headcount: expected an integer >= 0 (a number of people), got 2.5",
    ),
}


@pytest.mark.parametrize("case", INVALID)
def test_an_invalid_model_built_in_code_is_refused_listing_its_problem(case):
    changes, said = INVALID[case]
    bad = replace(mm2(), **changes)
    with pytest.raises(ModelError, match="model 'mm2'") as one:
        run_replication(bad, SHORT, seed=0)
    assert said in str(one.value)
    with pytest.raises(ModelError) as many:
        run_replications(bad, SHORT, seed=0, workers=1)
    assert said in str(many.value)


def test_a_numpy_headcount_is_a_number_of_people():
    model = replace(mm2(), roles={"server": Role("server", np.int64(2))})
    trace = run_replication(model, SHORT, seed=0)
    assert trace.meta["staffing"] == {"server": 2}
    assert len(trace.ev_case) > 0


def test_the_model_is_validated_once_per_call_not_per_replication(monkeypatch):
    calls = []
    real = runner.validate
    monkeypatch.setattr(runner, "validate", lambda m, **kw: calls.append(m) or real(m, **kw))
    traces = run_replications(mm2(), replace(SHORT, replications=3), seed=1, workers=1)
    assert len(traces) == 3 and len(calls) == 1
    run_replication(mm2(), SHORT, seed=1)
    assert len(calls) == 2


@pytest.mark.parametrize("seed", [None, -1, "1", 1.5, True])
def test_a_bad_seed_is_refused_naming_it(seed):
    with pytest.raises(ConfigError, match=r"^seed: expected an integer >= 0, got "):
        run_replications(mm2(), SHORT, seed=seed, workers=1)
    with pytest.raises(ConfigError, match=r"^seed: expected an integer >= 0, got "):
        run_replication(mm2(), SHORT, seed=seed)


def test_a_numpy_seed_gives_the_run_of_the_same_plain_seed():
    a = run_replication(mm2(), SHORT, seed=np.int64(4))
    b = run_replication(mm2(), SHORT, seed=4)
    assert np.array_equal(a.ev_end, b.ev_end)


@pytest.mark.parametrize("workers", [0, -2, 1.5, "2"])
def test_workers_below_one_are_refused_not_taken_as_one(workers):
    with pytest.raises(ConfigError, match=r"^workers: expected an integer >= 1 or None"):
        run_replications(mm2(), SHORT, seed=0, workers=workers)


def test_a_model_path_or_a_scenario_mapping_is_refused_saying_what_to_pass():
    with pytest.raises(ModelError, match="model: expected a ProcessModel .*sim.model.load"):
        run_replications("configs/process/mmc.yaml", SHORT, seed=0, workers=1)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="scenario: expected a Scenario .*Scenario.from_dict"):
        run_replications(mm2(), {"replications": 1}, seed=0, workers=1)  # type: ignore[arg-type]


def test_staffing_below_what_a_step_needs_at_once_is_refused():
    """A step needing two servers at once, staffed with one by the scenario: every case waited
    there for ever and the run reported no finished case, without a word."""
    pair = replace(mm2(), steps=_serve(roles=("server", "server")))
    one = replace(SHORT, staffing={"server": 1})
    said = "scenario.staffing.server: step 'serve' needs 2 server at once, got 1"
    for run in (
        lambda: run_replication(pair, one, seed=0),
        lambda: run_replications(pair, one, seed=0, workers=1),
        lambda: check_scenario(pair, one),
    ):
        with pytest.raises(ConfigError, match=said):
            run()
    assert len(run_replication(pair, SHORT, seed=0).ev_case) > 0  # its own two servers
