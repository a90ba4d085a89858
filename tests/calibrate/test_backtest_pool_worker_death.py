"""A back-test log-distance worker process killed (the out-of-memory killer's SIGKILL, a
``kill -9``) or crashed while it scores a log: the pool was broken and calibrate ended on an
internal-error traceback (``BrokenProcessPool``). It says what ended the worker now
(``WorkerKilled`` / ``WorkerDied``, which the command line words), and leaves no worker behind."""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import signal

import pandas as pd
import pytest

import sim.calibrate.backtest as backtest
from sim.errors import WorkerDied, WorkerKilled

pytestmark = pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the dying scorer needs fork"
)


def killed_scorer(real, df):
    """Ends its own process with SIGKILL, as the out-of-memory killer does."""
    os.kill(os.getpid(), signal.SIGKILL)


def crashing_scorer(real, df):
    """Ends its own process with SIGSEGV, as a crash in compiled code does."""
    faulthandler.disable()  # pytest's, inherited: no dump of this test's stack
    os.kill(os.getpid(), signal.SIGSEGV)


def _score(monkeypatch, scorer) -> BaseException:
    monkeypatch.setattr(backtest, "_distances", scorer)
    monkeypatch.setattr(backtest, "log_distance_measures_available", lambda: True)
    logs = [pd.DataFrame({"x": [i]}) for i in range(4)]
    with pytest.raises(WorkerDied) as info:
        backtest.score_distances(pd.DataFrame(), logs, workers=2)
    return info.value


def test_a_killed_distance_worker_is_said_as_killed(monkeypatch):
    exc = _score(monkeypatch, killed_scorer)
    assert isinstance(exc, WorkerKilled)  # a MemoryError too: the likely cause
    assert str(exc) == (
        "a back-test worker process ended abruptly: it was killed (signal 9, SIGKILL)"
    )
    assert exc.exitcode == -signal.SIGKILL
    assert multiprocessing.active_children() == []  # the pool's other worker stopped too


def test_a_crashed_distance_worker_is_said_as_a_crash(monkeypatch):
    exc = _score(monkeypatch, crashing_scorer)
    assert not isinstance(exc, WorkerKilled)
    assert exc.crashed
    assert str(exc) == (
        "a back-test worker process ended abruptly: it crashed (signal 11, SIGSEGV)"
    )
