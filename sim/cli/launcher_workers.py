"""A sweep stopped by SIGTERM lets the jobs a launcher runs in its worker processes (joblib's)
record their stop before the pool ends them.

joblib ends its workers with SIGKILL as soon as the sweep's own process stops: a job still
writing ``"interrupted"`` into its ``run.json`` was cut off and left ``"running"`` (seen in CI
under ``kill -TERM -- -<pgid>``), and a job whose worker never got the signal (``docker stop``
and ``systemctl stop`` signal the main process only) was killed part-way without a word. The
sweep's process now passes SIGTERM on to its launcher's workers and waits, up to
``GRACE_SECONDS``, until none of the jobs they hold is still stopping. A launcher's config that
cannot run jobs is refused before any is launched (``launcher_refusal``).

A sweep's process killed outright (SIGKILL: the out-of-memory killer, ``kill -9``) passes
nothing on: its workers, re-parented, ran their jobs on to the end (no comparison written) and
then idled for good (QA walk28_research F1). Each worker watches its sweep's process
(``exit_with_sweep``): once it is gone, the job under way stops as on SIGTERM and the worker
exits."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

#: whether this process is a launcher's worker running a sweep's jobs (joblib's), not the
#: command line's (``mark_launcher_worker``)
_LAUNCHER_WORKER = False


#: whether a task of the sweep runs in this process now (``job_running``)
_JOB_RUNS = False

#: whether this launcher worker's sweep process is gone (``exit_with_sweep``): no job starts
#: any more; the lock makes that and ``_JOB_RUNS`` change together
_SWEEP_GONE = False
_SWEEP_GONE_LOCK = threading.Lock()

#: how often a launcher's worker looks whether its sweep's process is still there
SWEEP_POLL_SECONDS = 1.0

#: the process whose watching thread is started (``exit_with_sweep``): one per worker
_WATCHING_IN: int | None = None


@contextmanager
def job_running() -> Iterator[None]:
    """Note, while the block runs, that this process runs a task of the sweep (a job). In a
    launcher's worker whose sweep's process is gone, exit instead: a job joblib had already
    handed over would run with no one to compare it."""
    global _JOB_RUNS
    with _SWEEP_GONE_LOCK:
        if _SWEEP_GONE:
            os._exit(1)
        _JOB_RUNS = True
    try:
        yield
    finally:
        _JOB_RUNS = False


def job_runs() -> bool:
    """Whether a task of the sweep runs in this process now (``job_running``)."""
    return _JOB_RUNS


def mark_launcher_worker() -> None:
    """Note that this process is a launcher's worker (its jobs run without ``main()``), and
    watch its sweep's process (``exit_with_sweep``)."""
    global _LAUNCHER_WORKER
    _LAUNCHER_WORKER = True
    exit_with_sweep()


def exit_with_sweep() -> None:
    """In a launcher's worker (a process that ``multiprocessing`` or joblib's loky started):
    watch, in a daemon thread, the sweep's process that started it; once it is gone (killed
    outright), stop the job under way as SIGTERM does (its record says "interrupted", a rerun
    resumes it), within ``GRACE_SECONDS``, and exit. Nothing in another process, nor twice.

    As ``sim.engine.exit_with_parent`` watches for replication and search workers, but that
    one exits at once, which would leave the job's record "running" and its ``.partial/``."""
    global _WATCHING_IN
    sweep = multiprocessing.parent_process()
    if sweep is None or _WATCHING_IN == os.getpid():
        return
    _WATCHING_IN = os.getpid()
    threading.Thread(
        target=_stop_when_gone, args=(sweep.pid,), name="exit-with-sweep", daemon=True
    ).start()


def _stop_when_gone(sweep_pid: int) -> None:
    """The watching thread of ``exit_with_sweep``: re-parented, this worker's sweep is gone."""
    global _SWEEP_GONE
    while os.getppid() == sweep_pid:
        time.sleep(SWEEP_POLL_SECONDS)
    with _SWEEP_GONE_LOCK:
        _SWEEP_GONE = True
        stopping = _JOB_RUNS
    if stopping:
        # the main thread's SIGTERM handler stops the job (and ignores a second signal);
        # never sent while holding the lock, which job_running takes in the main thread
        os.kill(os.getpid(), signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        while _JOB_RUNS and time.monotonic() < deadline:
            time.sleep(0.05)
    # what a finished job printed, in a thread: a pipe no one reads any more would block it
    flushing = threading.Thread(target=_flush_output, name="flush-output", daemon=True)
    flushing.start()
    flushing.join(1.0)
    os._exit(1)


def _flush_output() -> None:
    """Write out what this process's stdout and stderr still hold."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe, whose reader went with the sweep
            pass


def sweep_gone() -> bool:
    """Whether this launcher worker's sweep process is gone (``exit_with_sweep``): its job is
    being stopped for that, not by a signal to the sweep."""
    return _SWEEP_GONE


def is_launcher_worker() -> bool:
    """Whether this process is a launcher's worker (``mark_launcher_worker``)."""
    return _LAUNCHER_WORKER


def ignore_further(signum: int) -> None:
    """In a launcher's worker that is stopping: ignore ``signum`` from now on. The sweep's
    process passes the signal on to its workers (``stop_launcher_workers``), so a second one
    comes while the job records its stop (a terminal's Ctrl-C and ``kill -- -<pgid>`` reach
    the workers themselves too), and must not cut that short (QA signals18: optimize raised
    it inside a storage write and left a trial RUNNING)."""
    if _LAUNCHER_WORKER:
        signal.signal(signum, signal.SIG_IGN)


#: the longest a stopping sweep waits for its launcher's jobs to record their stop: a job stops
#: at its next simulated event and writes one small file, well under a second on a loaded machine
GRACE_SECONDS = 30.0


def launcher_worker_pids() -> set[int]:
    """The pids of this process's live joblib (loky) worker processes; none when joblib's
    workers were never started here (the basic launcher, or replication workers only)."""
    loky = sys.modules.get("joblib.externals.loky.backend.process")
    if loky is None:
        return set()
    return {
        p.pid
        for p in multiprocessing.active_children()
        if isinstance(p, loky.LokyProcess) and p.pid is not None
    }


def stop_launcher_workers(
    sweep_dir: Path | None,
    *,
    signum: int = signal.SIGTERM,
    grace_s: float = GRACE_SECONDS,
) -> None:
    """Send ``signum`` (SIGTERM, or SIGINT for a Ctrl-C) to this process's launcher workers and
    wait (at most ``grace_s``) until no job of theirs under ``sweep_dir`` is still stopping
    (``_stopping_in``). A worker that got the signal already ignores this second one
    (``ignore_further``)."""
    pids = launcher_worker_pids()
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass
    if not pids or sweep_dir is None:
        return
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and _stopping_in(sweep_dir, pids & _alive(pids)):
        time.sleep(0.05)


def _alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` whose process has not ended."""
    return {p.pid for p in multiprocessing.active_children() if p.pid in pids}


def _stopping_in(sweep_dir: Path, pids: set[int]) -> bool:
    """Whether a job under ``sweep_dir`` run by a process of ``pids`` is still stopping: its run
    record says "running", or the folder of a file being written whole (``PARTIAL``) is still
    there; recording "interrupted" is the last thing a stopped job does, and writing that
    record leaves such a folder for a moment (QA flaky18)."""
    from sim.cli.common import CLAIM
    from sim.model.whole_files import PARTIAL

    if not pids:
        return False
    for path in sweep_dir.glob(f"**/{CLAIM}"):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # being replaced this instant, or not ours: looked at again next round
        if not isinstance(record, dict) or record.get("pid") not in pids:
            continue
        if record.get("status") == "running" or (path.parent / PARTIAL).exists():
            return True
    return False


def launcher_refusal(config: Any) -> str | None:
    """Why the sweep's launcher cannot run ``config``'s jobs, said of its key, before Hydra
    launches any: joblib's ``hydra.launcher.n_jobs=0`` ended in a traceback from inside joblib
    ("n_jobs == 0 in Parallel has no meaning", QA hydra25 F8). joblib takes a whole number
    >= 1 of jobs at once, or a negative one counted from the cores (-1 every core, -2 all but
    one); Hydra's own config schema refuses a value that is not a whole number. None when the
    launcher has no ``n_jobs`` (the basic launcher) or its value is one of those."""
    try:
        n_jobs = OmegaConf.select(config, "hydra.launcher.n_jobs")
    except Exception:  # noqa: BLE001 - an interpolation not resolvable here: Hydra's to report
        return None
    if n_jobs != 0 or isinstance(n_jobs, bool):
        return None
    return (
        "hydra.launcher.n_jobs: expected a whole number >= 1 (the jobs run at once) or a "
        "negative one counted from the cores (-1: every core, -2: all but one), got 0; "
        "no job was run"
    )
