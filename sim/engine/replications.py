"""Independent replications, in parallel worker processes when more than one core is free."""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from multiprocessing.process import BaseProcess
from numbers import Integral
from typing import TypeVar

from tqdm.auto import tqdm

from sim.engine.dropped_stops import keeping_dropped_stops
from sim.engine.runner import Replication, check_run, check_staffing
from sim.errors import CRASH_SIGNALS, ConfigError, WorkerDied, WorkerKilled
from sim.model.process import ProcessModel
from sim.model.scenario import Scenario
from sim.model.trace import Trace

J = TypeVar("J")


def available_cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def exit_with_parent(parent: int) -> None:
    """Initializer of worker processes: exit when the process that started them is gone.

    A main process killed outright (SIGKILL, a crash) cannot stop its workers, which would stay
    behind, re-parented, forever (QA: replication workers left sleeping after ``kill -9``; a
    search worker would go on adding trials to the study). A watching thread, not
    ``prctl(PR_SET_PDEATHSIG)``: it works wherever processes fork or spawn, and within a second."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _one(args: tuple[ProcessModel, Scenario, int, int]) -> tuple[int, Trace]:
    model, scenario, seed, rep = args
    # not run_replication: run_replications checked the arguments once, not once per replication
    return rep, Replication(model, scenario, seed=seed, replication=rep).run()


def check_scenario(model: ProcessModel, scenario: Scenario) -> None:
    """Raise ``ConfigError`` for a scenario ``model`` cannot run (``scenario.staffing`` naming an
    unknown role, a role that does steps staffed by nobody or by fewer people than a step needs
    at once), without simulating anything: what ``run_replications`` would refuse, for a caller
    that must know before it writes."""
    check_staffing(model, scenario)
    Replication(model, scenario, seed=0)  # builds the SimPy model only: the checks, no run


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop ``pool`` at once: drop the replications not started and end the ones running.

    What a stopped run (Ctrl-C, SIGTERM, an error) needs: ``with ProcessPoolExecutor`` would
    wait for every queued replication first (QA: 4 replications on 2 workers, stopped 10 s in,
    exited after 40-200 s)."""
    # shutdown() forgets the processes and the pool's pipes: take them first
    processes = pool_processes(pool)
    manager = getattr(pool, "_executor_manager_thread", None)
    calls = getattr(pool, "_call_queue", None)
    results = getattr(pool, "_result_queue", None)
    if calls is not None:  # replications no worker will take: do not wait to hand them over
        calls.cancel_join_thread()
    release_locks_left_taken(pool)
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(timeout=2.0)
    for proc in processes:  # a worker whose inherited SIGTERM handler did not end it
        if proc.is_alive():
            proc.kill()
            proc.join(timeout=2.0)
    if manager is not None and results is not None and _started(manager):
        manager.join(timeout=1.0)
        if manager.is_alive():
            # it is reading a result a killed worker had half sent, and this process holds the
            # pipe's last writing end: closing it ends that read, else the interpreter's exit
            # waits for the thread for ever (QA: a SIGTERMed simulate never exited)
            with contextlib.suppress(OSError):
                results._writer.close()
            manager.join(timeout=2.0)


def _started(thread: threading.Thread, wait: float = 2.0) -> bool:
    """Whether ``thread`` has started, waiting up to ``wait`` seconds for one that is starting:
    a stop can land inside ``Thread.start()`` as the pool starts its manager thread, and
    ``join`` raised ``RuntimeError: cannot join thread before it is started`` in place of the
    stop (QA flaky22: 2 of 200 stops under load)."""
    started = getattr(thread, "_started", None)
    return started is None or started.wait(wait)


def release_locks_left_taken(pool: ProcessPoolExecutor) -> None:
    """Release the lock of each replication not yet done that this thread still holds.

    A stop that lands just after this thread took a future's lock (``add_done_callback`` takes
    it), before the ``with`` block that releases it begins, leaves it taken: the pool's manager
    thread then waited for it for ever as it cancelled that future, and the interpreter's exit
    waited for the manager (QA signals22: 2 Ctrl-Cs in 145 left ``simulate`` hung)."""
    for item in list(getattr(pool, "_pending_work_items", {}).values()):
        condition = item.future._condition
        while condition._is_owned():
            condition.release()


def results_as_done(
    start: Callable[[J], Future], jobs: Iterable[J], *, window: int
) -> Iterator[tuple[J, Future]]:
    """Start each of ``jobs`` (``start(job)`` submits it to a pool and returns its future), at
    most ``window`` at once, and yield ``(job, future)`` as each one completes (in the order
    they complete).

    Not ``concurrent.futures.as_completed`` (nor ``wait``): they take the lock of every future
    they watch in a Python loop, and a signal handler's exception (Ctrl-C, a sweep's SIGTERM)
    raised inside that loop leaves some taken for ever; the pool's manager thread then waits
    on them and the interpreter's exit waits for that thread (a sweep stopped by SIGTERM did
    not exit: 1 CI dry run in ~60). Here this thread only waits on a queue that the futures'
    done-callbacks fill. The window also keeps a long run's pool from holding every job at
    once; ``2 x workers`` keeps each worker's next job queued."""
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ValueError(f"window: expected an integer >= 1, got {window!r}")
    done: queue.SimpleQueue[Future] = queue.SimpleQueue()
    job_of: dict[Future, J] = {}
    waiting = iter(jobs)

    def submit(n: int) -> None:
        for job in itertools.islice(waiting, n):
            fut = start(job)
            job_of[fut] = job
            fut.add_done_callback(done.put)

    submit(window)
    while job_of:
        fut = done.get()
        job = job_of.pop(fut)
        submit(1)  # before handing this one over: the workers stay busy meanwhile
        yield job, fut


def pool_processes(pool: ProcessPoolExecutor) -> list[BaseProcess]:
    """The worker processes of ``pool`` (none once it is shut down)."""
    return list((getattr(pool, "_processes", None) or {}).values())


def signal_text(number: int) -> str:
    """``"signal 9, SIGKILL"``: a signal's number and name (the number alone when unnamed)."""
    try:
        return f"signal {number}, {signal.Signals(number).name}"
    except ValueError:
        return f"signal {number}"


def _as_signal(code: int) -> int:
    """An exit code, with 143 (128 + SIGTERM: how a search worker that handled SIGTERM ends,
    ``sim.optimize.interrupts.search_worker_signals``) read as SIGTERM's -15."""
    return -signal.SIGTERM if code == 128 + signal.SIGTERM else code


def _breaking_exitcode(processes: list[BaseProcess], *, wait: float = 1.0) -> int | None:
    """The exit code of the worker whose end broke its pool, waiting up to ``wait`` s for it.

    Once one worker is gone the pool ends the others with SIGTERM, so another code (SIGKILL,
    SIGSEGV, an exit status) is the one that broke it. The first code read may be such a
    SIGTERM: the broken worker's own can show a moment later (another thread of the pool reaps
    it too), so a SIGTERM alone is waited past, up to ``wait``."""
    deadline = time.monotonic() + wait
    while True:
        codes = [_as_signal(p.exitcode) for p in processes if p.exitcode is not None]
        own = [c for c in codes if c != -signal.SIGTERM]
        if own:
            return own[0]
        if time.monotonic() >= deadline:
            return codes[0] if codes else None
        time.sleep(0.02)


def worker_death(
    processes: Iterable[BaseProcess], what: str = "a replication worker process"
) -> WorkerDied:
    """The error to raise for a pool of ``processes`` broken by a worker that ended abruptly
    (``BrokenProcessPool``), saying what ended it: ``WorkerKilled`` (a ``MemoryError``) for
    SIGKILL, the out-of-memory killer's signal; ``WorkerDied`` for a crash (SIGSEGV ...),
    another signal or an exit status. Call it before the pool's processes are stopped."""
    code = _breaking_exitcode(list(processes))
    if code is None:
        return WorkerDied(f"{what} ended abruptly (what ended it is not known)")
    said = f"{what} ended abruptly: "
    if code >= 0:
        return WorkerDied(f"{said}it exited with status {code}", exitcode=code)
    if -code == signal.SIGKILL:
        return WorkerKilled(f"{said}it was killed ({signal_text(-code)})", exitcode=code)
    how = "it crashed" if -code in CRASH_SIGNALS else "it was killed"
    return WorkerDied(f"{said}{how} ({signal_text(-code)})", exitcode=code)


def _run_in_pool(
    jobs: Iterator[tuple[ProcessModel, Scenario, int, int]],
    workers: int,
    take: Callable[[int, Trace], None],
) -> None:
    """``run_replications``'s jobs on a pool of ``workers`` processes, each trace handed to
    ``take`` as it arrives."""
    pool = ProcessPoolExecutor(
        max_workers=workers, initializer=exit_with_parent, initargs=(os.getpid(),)
    )
    try:
        # each future holds its trace: results_as_done lets go of one once it has been
        # handed over (keep=False frees it then)
        start = partial(pool.submit, _one)
        for _, fut in results_as_done(start, jobs, window=2 * workers):
            take(*fut.result())
    except BrokenProcessPool as exc:
        # what ended the worker, read before stop_pool, whose kill() of a worker slow to stop
        # would look like the out-of-memory killer's SIGKILL
        died = worker_death(pool_processes(pool))
        stop_pool(pool)
        raise died from exc
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def run_replications(
    model: ProcessModel,
    scenario: Scenario,
    *,
    seed: int,
    workers: int | None = None,
    progress: bool = False,
    on_result: Callable[[int, Trace], None] | None = None,
    first: int = 0,
    keep: bool = True,
) -> list[Trace]:
    """Run ``scenario.replications`` replications of ``model``, numbers ``first`` on; traces in
    replication order.

    Replication ``r`` uses the random streams of ``(seed, r)`` whatever the number of workers, so
    results do not depend on ``workers``, and replications ``first..`` of a model are the ones an
    ``optimize`` confirmation ran from ``first``. ``workers=None`` uses every available core (one
    process per core); ``workers=1`` runs in this process. ``on_result`` is called as each one
    finishes (in the order they finish). ``keep=False`` returns no trace: ``on_result`` takes
    each one and this process holds none after it, so a long run's memory stays that of the
    replications in hand, not of all of them.

    The arguments are checked once, before any replication starts (``check_run``: an invalid
    model raises ``ModelError`` listing its problems; a bad ``seed`` or ``workers``,
    ``ConfigError``). A Ctrl-C that Python reported instead of raising (``keeping_dropped_stops``)
    is raised after the replication under way.
    """
    # from the first line on: a stop that lands in a weakref callback of a bar or a trace
    # collected as this run starts is kept as well as one that lands as the pool forks
    with keeping_dropped_stops() as safe_point:
        return _run_replications(
            model, scenario, seed, workers, progress, on_result, first, keep, safe_point
        )


def _run_replications(
    model: ProcessModel,
    scenario: Scenario,
    seed: int,
    workers: int | None,
    progress: bool,
    on_result: Callable[[int, Trace], None] | None,
    first: int,
    keep: bool,
    safe_point: Callable[[], None],
) -> list[Trace]:
    """``run_replications``, calling ``safe_point`` after each replication."""
    if not keep and on_result is None:
        raise ValueError("keep=False needs an on_result to take the traces")
    if isinstance(first, bool) or not isinstance(first, int) or first < 0:
        raise ValueError(f"first: expected an integer >= 0, got {first!r}")
    check_run(model, scenario, seed=seed)
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, Integral) or workers < 1
    ):  # 0 was taken as 1 without a word
        raise ConfigError(
            f"workers: expected an integer >= 1 or None (every available core), got {workers!r}"
        )
    n = scenario.replications
    check_scenario(model, scenario)  # fail fast on bad staffing, before any worker starts
    workers = max(1, min(int(available_cores() if workers is None else workers), n))
    numbers = range(first, first + n)
    jobs = ((model, scenario, seed, r) for r in numbers)
    bar = tqdm(total=n, desc=f"{model.name}: replications", unit="rep", disable=not progress)
    traces: dict[int, Trace] = {}

    def take(rep: int, trace: Trace) -> None:
        if keep:
            traces[rep] = trace
        if on_result:
            on_result(rep, trace)
        bar.update()
        safe_point()

    try:
        if workers == 1:
            for job in jobs:
                take(*_one(job))
        else:
            _run_in_pool(jobs, workers, take)
    finally:
        bar.close()
    return [traces[r] for r in numbers] if keep else []
