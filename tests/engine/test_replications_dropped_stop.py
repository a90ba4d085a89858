"""A Ctrl-C that Python reported instead of raising stops a run at its next replication.

A signal handler raising where Python only reports exceptions (a garbage-collector callback, a
callback ``os.fork`` runs as the pool starts its workers) was lost: the run went on to its end
(``test_runs_stopped_at_random_instants_let_the_process_exit`` under load: 1-2 of 20 stops)."""

from __future__ import annotations

import sys
import weakref

import pytest
from engine_testkit import build, expo

from sim.engine import run_replications
from sim.model.scenario import Scenario
from tests.dropped_stop_kit import stop_python_only_reports


@pytest.mark.parametrize("workers", [1, 2])
def test_a_stop_python_only_reported_ends_the_run_at_the_next_replication(workers):
    model = build({"a": {"role": "r", "duration": expo(0.5), "next": "done"}}, roles={"r": 5})
    scenario = Scenario(warmup_days=0, horizon_days=1, replications=40)
    taken: list[int] = []

    def take(rep: int, _trace: object) -> None:
        taken.append(rep)
        if len(taken) == 3:
            stop_python_only_reports()

    with pytest.raises(KeyboardInterrupt):
        run_replications(model, scenario, seed=1, workers=workers, on_result=take, keep=False)
    assert len(taken) == 3  # not the 40 a lost stop let run


def test_other_reported_errors_still_reach_pythons_hook(monkeypatch):
    seen: list[type] = []

    def hook(unraisable: object) -> None:
        seen.append(type(unraisable.exc_value))

    monkeypatch.setattr(sys, "unraisablehook", hook)
    model = build({"a": {"role": "r", "duration": expo(0.5), "next": "done"}}, roles={"r": 5})

    def take(rep: int, _trace: object) -> None:
        class Box:
            pass

        def callback(_ref: object) -> None:
            raise ValueError("a bug in a clean-up")

        box = Box()
        ref = weakref.ref(box, callback)
        del box
        assert ref() is None

    scenario = Scenario(warmup_days=0, horizon_days=1, replications=2)
    run_replications(model, scenario, seed=1, workers=1, on_result=take, keep=False)
    assert seen == [ValueError, ValueError]
    assert sys.unraisablehook is hook  # put back after the run
