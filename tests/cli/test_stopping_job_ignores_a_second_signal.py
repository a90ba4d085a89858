"""A launcher's worker that is stopping ignores a second SIGTERM or SIGINT: the sweep's process
passes the signal on to its workers, so a worker reached by the group's signal too gets it
twice. QA signals18: an optimize job raised the second at once inside a storage write (its own
handlers, not the sweep's), and left a trial RUNNING in study.db (1 of 17 tries)."""

from __future__ import annotations

import signal

import pytest

from sim.cli import launcher_workers, optimize
from sim.optimize.interrupts import deferred


@pytest.fixture
def as_a_launcher_worker(monkeypatch):
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    monkeypatch.setattr(launcher_workers, "_LAUNCHER_WORKER", True)
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


@pytest.mark.parametrize(
    ("signum", "handler", "raised"),
    [
        (signal.SIGTERM, optimize._on_sigterm, optimize.Terminated),
        (signal.SIGINT, optimize._on_sigint, KeyboardInterrupt),
    ],
)
def test_an_optimize_job_in_a_launcher_worker_ignores_the_second_signal(
    as_a_launcher_worker, signum, handler, raised
):
    signal.signal(signum, handler)
    with pytest.raises(raised), deferred():  # the first: kept until the storage write is done
        handler(signum, None)
        # the second, forwarded by the sweep's process while the write is under way
        assert signal.getsignal(signum) is signal.SIG_IGN


def test_outside_a_launcher_worker_a_second_signal_still_stops_at_once(monkeypatch):
    # a single optimize run: Ctrl-C twice stops it now, as before
    monkeypatch.setattr(launcher_workers, "_LAUNCHER_WORKER", False)
    saved = signal.getsignal(signal.SIGINT)
    try:
        signal.signal(signal.SIGINT, optimize._on_sigint)
        with pytest.raises(KeyboardInterrupt), deferred():
            optimize._on_sigint(signal.SIGINT, None)  # kept
            assert signal.getsignal(signal.SIGINT) is optimize._on_sigint
            optimize._on_sigint(signal.SIGINT, None)  # raised at once
            pytest.fail("the second Ctrl-C did not stop the run")
    finally:
        signal.signal(signal.SIGINT, saved)


@pytest.mark.parametrize(
    ("signum", "handler_name"),
    [(signal.SIGTERM, "_terminate_sweep"), (signal.SIGINT, "_interrupt")],
)
def test_a_launcher_worker_between_jobs_ignores_the_stop_and_raises_nothing(
    as_a_launcher_worker, signum, handler_name
):
    # raised between jobs, the stop landed in a weakref callback of the worker's wait for work:
    # "Exception ignored in: <function WeakKeyDictionary...>" and a traceback (QA stopmsg18)
    from sim.cli import main as cli

    handler = getattr(cli, handler_name)
    signal.signal(signum, handler)
    assert handler(signum, None) is None  # nothing raised: joblib ends the idle worker
    assert signal.getsignal(signum) is signal.SIG_IGN
    # a worker running a job stops it, as before
    signal.signal(signum, handler)
    with pytest.raises((cli.SweepTerminated, KeyboardInterrupt)), launcher_workers.job_running():
        handler(signum, None)
