"""A run stopped at any instant of its wait for replications lets its process exit.

CI dry run, 2026-12-06: a sweep stopped by SIGTERM never exited (1 run in ~60). Waiting with
``concurrent.futures.as_completed`` takes the lock of every future in a Python loop; a signal
handler's exception raised inside that loop left some taken for ever, the pool's manager thread
waited on them when it set their results, and the interpreter's exit waited for that thread.
``sim.engine.replications.results_as_done`` waits on a queue filled by done-callbacks instead."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from sim.engine.replications import results_as_done
from tests.conftest import REPO

#: a model of one step whose replications take a few milliseconds each
_SETUP = textwrap.dedent(
    """
    import random, signal, sys, time
    sys.path.insert(0, "tests/engine")
    from engine_testkit import build, expo
    from sim.engine import run_replications
    from sim.model.scenario import Scenario

    model = build(
        {"a": {"role": "r", "duration": expo(0.5), "next": "done"}},
        roles={"r": 100},
        interarrival=expo(0.5),
    )

    def run(replications):
        scenario = Scenario(warmup_days=0, horizon_days=2, replications=replications)
        run_replications(model, scenario, seed=1, workers=2)
    """
)

#: a stop landing while the standard library's waits take the futures' locks, as a signal
#: handler's exception would, half-way through them
_STOP_WHILE_TAKING_LOCKS = _SETUP + textwrap.dedent(
    """
    from concurrent.futures import _base

    def enter(self):
        for i, future in enumerate(self.futures):
            if i == len(self.futures) // 2:
                raise KeyboardInterrupt
            future._condition.acquire()

    _base._AcquireFutures.__enter__ = enter
    try:
        run(200)
    except KeyboardInterrupt:
        pass
    print("returned", flush=True)
    """
)

#: a stop landing just after this thread took a pending future's lock (``add_done_callback``
#: takes it), before the block that releases it: QA signals22, 2 hangs in 145 Ctrl-Cs
_STOP_AFTER_TAKING_A_FUTURES_LOCK = _SETUP + textwrap.dedent(
    """
    from concurrent.futures import Future

    real = Future.add_done_callback
    calls = 0

    def add_done_callback(self, fn):
        global calls
        calls += 1
        if calls == 6:  # a job submitted after the first results: still pending
            self._condition.acquire()
            raise KeyboardInterrupt
        return real(self, fn)

    Future.add_done_callback = add_done_callback
    try:
        run(200)
    except KeyboardInterrupt:
        pass
    print("returned", flush=True)
    """
)

#: a stop landing inside ``Thread.start()`` as the pool starts its manager thread, on a machine
#: slow to schedule the new thread (QA flaky22: 2 of 200 stops under load raised RuntimeError)
_STOP_AS_THE_MANAGER_THREAD_STARTS = _SETUP + textwrap.dedent(
    """
    import threading
    import concurrent.futures.process as cfp

    bootstrap = threading.Thread._bootstrap

    def slow_bootstrap(self):
        if isinstance(self, cfp._ExecutorManagerThread):
            time.sleep(0.5)  # not scheduled yet: two busy cores
        bootstrap(self)

    threading.Thread._bootstrap = slow_bootstrap

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGALRM, stop)
    start_manager = cfp.ProcessPoolExecutor._start_executor_manager_thread

    def start_then_stop(self):
        signal.setitimer(signal.ITIMER_REAL, 0.2)  # inside Thread.start()
        start_manager(self)

    cfp.ProcessPoolExecutor._start_executor_manager_thread = start_then_stop
    try:
        run(200)
    except KeyboardInterrupt:
        print("returned", flush=True)
    """
)

#: Ctrl-C (SIGALRM's handler raising KeyboardInterrupt) at random instants of many runs
_STOP_AT_RANDOM_INSTANTS = _SETUP + textwrap.dedent(
    """
    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGALRM, stop)
    rng = random.Random(7)
    stopped = 0
    for _ in range(int(sys.argv[1])):
        try:
            signal.setitimer(signal.ITIMER_REAL, rng.uniform(0.0, 0.4))
            run(2000)
        except KeyboardInterrupt:
            stopped += 1
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    print(f"stopped {stopped}", flush=True)
    """
)


def _exits(script: str, *args: str, timeout: float) -> str:
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as e:  # the interpreter's exit joined a stuck thread
        pytest.fail(f"the process did not exit: stdout {e.stdout!r}, stderr {e.stderr!r}")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_stop_while_the_futures_locks_are_taken_lets_the_process_exit():
    assert _exits(_STOP_WHILE_TAKING_LOCKS, timeout=90) == "returned"


def test_a_stop_just_after_a_pending_futures_lock_was_taken_lets_the_process_exit():
    assert _exits(_STOP_AFTER_TAKING_A_FUTURES_LOCK, timeout=60) == "returned"


def test_a_stop_as_the_pools_manager_thread_starts_reaches_the_caller():
    assert _exits(_STOP_AS_THE_MANAGER_THREAD_STARTS, timeout=60) == "returned"


@pytest.mark.slow
def test_runs_stopped_at_random_instants_let_the_process_exit():
    rounds = 20
    out = _exits(_STOP_AT_RANDOM_INSTANTS, str(rounds), timeout=240)
    assert out == f"stopped {rounds}"  # each run was still going when its stop came


def test_results_as_done_keeps_at_most_its_window_in_flight_and_yields_every_job():
    in_flight = 0
    most = 0
    lock = threading.Lock()

    def work(job: int) -> int:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.002 * (job % 3))
        with lock:
            in_flight -= 1
        return job * job

    with ThreadPoolExecutor(max_workers=8) as pool:

        def start(job: int) -> Future:
            return pool.submit(work, job)

        got = {job: fut.result() for job, fut in results_as_done(start, range(40), window=3)}
    assert got == {j: j * j for j in range(40)}
    assert 1 <= most <= 3


@pytest.mark.parametrize("window", [0, -1, 1.5, True])
def test_results_as_done_refuses_a_window_that_is_not_a_positive_integer(window):
    with pytest.raises(ValueError, match="window: expected an integer >= 1"):
        next(results_as_done(lambda job: Future(), [1], window=window))


def test_release_locks_left_taken_frees_a_pending_futures_lock_this_thread_holds():
    """What ``stop_pool`` and optimize's Evaluator do before shutting a pool down."""
    from concurrent.futures import ProcessPoolExecutor

    from sim.engine.replications import release_locks_left_taken

    pool = ProcessPoolExecutor(max_workers=1)
    try:
        futures = [pool.submit(time.sleep, 0.2) for _ in range(4)]
        left = futures[-1]._condition
        left.acquire()  # as a stop landing just after add_done_callback took it
        left.acquire()
        release_locks_left_taken(pool)
        got = []

        def take_and_give_back() -> None:
            got.append(left.acquire(timeout=5))
            if got[-1]:
                left.release()

        other = threading.Thread(target=take_and_give_back)
        other.start()
        other.join()
        assert got == [True]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
