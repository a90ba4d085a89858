"""A replication worker killed outright (the out-of-memory killer, ``ulimit -v``) ends the run
as running out of memory, which the commands explain, not as a traceback from the pool."""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest
from engine_testkit import build, expo

import sim.engine.replications as replications
from sim.engine import run_replications
from sim.model.scenario import Scenario


def killed_one(args):
    """``replications._one`` whose worker is killed as the out-of-memory killer does."""
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the killed worker needs fork"
)
def test_a_worker_killed_outright_is_said_as_running_out_of_memory(monkeypatch):
    model = build({"a": {"role": "r", "duration": expo(0.5), "next": "done"}}, roles={"r": 2})
    monkeypatch.setattr(replications, "_one", killed_one)
    with pytest.raises(MemoryError, match="replication worker process ended abruptly"):
        run_replications(
            model, Scenario(warmup_days=0, horizon_days=1, replications=2), seed=0, workers=2
        )
