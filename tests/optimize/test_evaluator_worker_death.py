"""A replication worker process of an optimize search killed (the out-of-memory killer's
SIGKILL, a ``kill -9``) or crashed: ``Evaluator``'s pool was broken and the search ended on an
internal-error traceback (``BrokenProcessPool``). It says what ended the worker now
(``WorkerKilled`` / ``WorkerDied``, which the command line words, exit 2), and a later table
starts a new pool instead of failing on the broken one. A search worker process
(``optimizer.n_jobs``) killed the same way ends the search with such an error too."""

from __future__ import annotations

import dataclasses
import faulthandler
import json
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
import weakref
from pathlib import Path

import optuna
import pytest

import sim.optimize.evaluate as evaluate
import sim.optimize.study as search_study
from sim.errors import WorkerDied, WorkerKilled
from sim.model.scenario import Scenario
from sim.optimize import run_search
from sim.optimize.evaluate import Evaluator
from sim.optimize.study import PROCESS_ATTR

FORK = pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the dying replication needs fork"
)


def killed_replication(args):
    """Ends its own process with SIGKILL, as the out-of-memory killer does."""
    os.kill(os.getpid(), signal.SIGKILL)


def crashing_replication(args):
    """Ends its own process with SIGSEGV, as a crash in compiled code does."""
    faulthandler.disable()  # pytest's, inherited: no dump of this test's stack
    os.kill(os.getpid(), signal.SIGSEGV)


def _evaluator(model, space) -> Evaluator:
    return Evaluator(
        model=model,
        space=space,
        scenario=Scenario(horizon_days=2, warmup_days=0.5),
        seed=1,
        workers=2,
    )


@FORK
def test_a_killed_replication_worker_is_said_as_killed(tiny_model, tiny_space, monkeypatch):
    real = evaluate._simulate_kpis
    with _evaluator(tiny_model, tiny_space) as ev:
        monkeypatch.setattr(evaluate, "_simulate_kpis", killed_replication)
        with pytest.raises(WorkerDied) as info:
            ev.table({}, 4)
        exc = info.value
        assert isinstance(exc, WorkerKilled)  # a MemoryError too: the likely cause
        assert str(exc) == (
            "a replication worker process ended abruptly: it was killed (signal 9, SIGKILL)"
        )
        assert multiprocessing.active_children() == []  # the pool's other worker stopped too
        monkeypatch.setattr(evaluate, "_simulate_kpis", real)
        assert ev.table({}, 4)["replication"].tolist() == [0, 1, 2, 3]  # a new pool


@FORK
def test_a_crashed_replication_worker_is_said_as_a_crash(tiny_model, tiny_space, monkeypatch):
    monkeypatch.setattr(evaluate, "_simulate_kpis", crashing_replication)
    with _evaluator(tiny_model, tiny_space) as ev, pytest.raises(WorkerDied) as info:
        ev.table({}, 4)
    assert not isinstance(info.value, WorkerKilled)
    assert info.value.crashed
    assert "it crashed (signal 11, SIGSEGV)" in str(info.value)


def _simulating(db: Path) -> tuple[int, int] | None:
    """A trial RUNNING in the study and the pid of the worker process simulating it (what the
    trial records: ``mark_process``), or None."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)  # never creates the file
    try:
        row = con.execute(
            "SELECT t.number, a.value_json FROM trials t JOIN trial_system_attributes a "
            "ON a.trial_id = t.trial_id WHERE t.state = 'RUNNING' AND a.key = ?",
            (PROCESS_ATTR,),
        ).fetchone()
    finally:
        con.close()
    return None if row is None else (row[0], json.loads(row[1])["pid"])


def _kill_a_search_worker(db: Path) -> int:
    """SIGKILL a search worker process in the middle of a trial; that process's pid. The worker
    is frozen (SIGSTOP) and its trial seen still running before the kill: a test thread paused
    between reading the trial and the kill let the trial end first, and the kill then landed
    between two trials (no trial of it failed) or between Optuna creating the next one and the
    objective marking it (left RUNNING with no owner: nothing can defer a SIGKILL) (QA flaky21)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            found = _simulating(db)
        except sqlite3.Error:
            found = None  # not created yet
        if found is not None:
            _, pid = found
            os.kill(pid, signal.SIGSTOP)
            try:
                still = _simulating_trial(db, found[0])
            except sqlite3.Error:  # locked by the other worker: try again
                still = False
            if still:
                os.kill(pid, signal.SIGKILL)
                return pid
            os.kill(pid, signal.SIGCONT)
        time.sleep(0.02)
    raise AssertionError("no trial ran")


def _simulating_trial(db: Path, number: int) -> bool:
    """Whether trial ``number`` is still RUNNING in the study."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
    try:
        row = con.execute("SELECT state FROM trials WHERE number = ?", (number,)).fetchone()
    finally:
        con.close()
    return row is not None and row[0] == "RUNNING"


def test_a_killed_search_worker_ends_the_search(make_job, tmp_path):
    """optimizer.n_jobs > 1: the multiprocessing pool put a new worker in a killed one's place
    but its share of the search was lost, and the run waited for it for ever (QA)."""
    db = tmp_path / "shared.db"
    job = make_job(storage=f"sqlite:///{db}", n_trials=100000, replications=2)
    job = dataclasses.replace(
        job,
        settings=dataclasses.replace(job.settings, n_jobs=2),
        scenario=Scenario(horizon_days=300, warmup_days=0.5),  # trials of a second or so
    )
    outcome: list[BaseException | None] = []

    def search() -> None:
        try:
            with Evaluator(
                model=job.model, space=job.space, scenario=job.scenario, seed=1, workers=1
            ) as ev:
                run_search(job, ev, progress=False)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - what the search ended with, checked below
            outcome.append(exc)

    runner = threading.Thread(target=search, daemon=True)  # daemon: a hung one is left behind
    runner.start()
    killed = _kill_a_search_worker(db)
    runner.join(timeout=60)
    assert not runner.is_alive(), "the search still waits for its killed worker"
    (exc,) = outcome
    assert isinstance(exc, WorkerKilled)
    assert str(exc) == "a search worker process ended abruptly: it was killed (signal 9, SIGKILL)"
    # the killed worker's trial is failed, not left RUNNING in the storage
    study = optuna.load_study(study_name="t", storage=job.settings.storage)
    unfinished = [
        t.state
        for t in study.trials
        if (t.system_attrs.get(PROCESS_ATTR) or {}).get("pid") == killed
        and t.state != optuna.trial.TrialState.COMPLETE
    ]
    assert unfinished == [optuna.trial.TrialState.FAIL]
    assert all(t.state != optuna.trial.TrialState.RUNNING for t in study.trials)
    assert [p for p in multiprocessing.active_children() if "PoolWorker" in p.name] == []


def _stopped_worker(job, monkeypatch, stop) -> int:
    """Run ``_worker`` of ``job`` in a forked process whose ``Study.ask`` calls ``stop()`` once
    it has created the trial (RUNNING, its process not yet marked); its exit code."""
    real_ask = optuna.Study.ask

    def ask_then_stopped(self, *args, **kwargs):
        trial = real_ask(self, *args, **kwargs)
        stop()
        return trial

    monkeypatch.setattr(optuna.Study, "ask", ask_then_stopped)
    worker = multiprocessing.get_context("fork").Process(
        target=search_study._worker, args=(job, 0, 0, 0)
    )
    worker.start()
    worker.join(timeout=60)
    return worker.exitcode


@FORK
def test_a_search_worker_stopped_as_its_trial_is_created_fails_that_trial(
    make_job, tmp_path, monkeypatch
):
    """A search worker process stopped by SIGTERM (the main process's ``pool.terminate()``)
    between Optuna creating a trial and the objective recording its process: killed at once, it
    left that trial RUNNING for good, since nothing told whose it was (CI, once in many runs of
    the test above). It now fails the trial and exits quietly with status 143."""
    db = tmp_path / "stopped.db"
    job = make_job(storage=f"sqlite:///{db}", n_trials=3, replications=2)

    def once() -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # the trial is RUNNING, its process not yet marked

    assert _stopped_worker(job, monkeypatch, once) == 128 + signal.SIGTERM
    study = optuna.load_study(study_name="t", storage=job.settings.storage)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.FAIL]


@FORK
def test_a_second_sigterm_to_a_search_worker_waits_like_the_first(make_job, tmp_path, monkeypatch):
    """A process group's SIGTERM (systemd, Slurm) and then the main process's
    ``pool.terminate()``: the first was kept through a storage write, the second raised at once
    inside Optuna's ``ask`` and left the trial RUNNING with no owner (QA signals21 #1)."""
    job = make_job(storage=f"sqlite:///{tmp_path / 'twice.db'}", n_trials=3, replications=2)

    def twice() -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)

    assert _stopped_worker(job, monkeypatch, twice) == 128 + signal.SIGTERM
    study = optuna.load_study(study_name="t", storage=job.settings.storage)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.FAIL]


@FORK
def test_a_sigterm_in_a_garbage_collector_callback_still_stops_the_worker(
    make_job, tmp_path, monkeypatch
):
    """A SIGTERM whose handler ran inside a weakref callback: Python printed "Exception
    ignored" and dropped it, the worker searched on until the grace timer's ``os._exit`` left
    its trial RUNNING (QA signals21 #3). Kept (``routed``), it stops the worker at the next
    safe point."""
    job = make_job(storage=f"sqlite:///{tmp_path / 'gc.db'}", n_trials=3, replications=2)

    def in_a_callback() -> None:
        class Thing:
            pass

        def callback(ref: object) -> None:
            os.kill(os.getpid(), signal.SIGTERM)
            sum(range(1000))  # the handler runs here, inside the callback

        thing = Thing()
        ref = weakref.ref(thing, callback)  # noqa: F841 - kept alive until the object goes
        del thing  # the callback runs now

    started = time.monotonic()
    assert _stopped_worker(job, monkeypatch, in_a_callback) == 128 + signal.SIGTERM
    assert time.monotonic() - started < 30
    study = optuna.load_study(study_name="t", storage=job.settings.storage)
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.FAIL]


def test_a_trial_never_marked_by_its_process_is_failed_after_the_grace_period(tmp_path, capsys):
    """A process that ended between Optuna creating a trial and the objective marking it left a
    trial with no process and no heartbeat, which Optuna never fails: still RUNNING after 11
    minutes and two reruns (QA signals21 #2). An hour old it is failed; younger, it may be a
    live run's held in a slow sampler (QA signals21b #2: failed at 120 s, the live run crashed)."""
    from sim.optimize.study import OWNERLESS_AFTER_S, fail_ended

    db = tmp_path / "ownerless.db"
    study = optuna.create_study(study_name="t", storage=f"sqlite:///{db}")
    young, old = study.ask(), study.ask()
    con = sqlite3.connect(db)
    with con:
        con.execute(
            "UPDATE trials SET datetime_start = datetime(datetime_start, ?) WHERE number = ?",
            (f"-{OWNERLESS_AFTER_S + 5} seconds", old.number),
        )
    con.close()
    fail_ended(study, stale_too=False)
    states = {t.number: t.state for t in study.get_trials(deepcopy=False)}
    assert states == {
        young.number: optuna.trial.TrialState.RUNNING,
        old.number: optuna.trial.TrialState.FAIL,
    }
    assert "1 trial(s) left running by a process that has ended (#1" in capsys.readouterr().err


def _ignores_sigint(pid: int) -> bool:
    """Whether process ``pid`` ignores SIGINT (Linux: the SigIgn mask of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    raise AssertionError("no SigIgn line")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc (Linux)")
def test_search_worker_processes_start_with_sigint_ignored():
    """A terminal's Ctrl-C in the search workers' first seconds, while they imported the tool,
    printed their KeyboardInterrupt tracebacks (QA signals21 #4): they start with SIGINT
    ignored, and the main process gets its own handler back."""
    handler = signal.getsignal(signal.SIGINT)
    with search_study._starting_without_sigint():
        pool = multiprocessing.get_context("spawn").Pool(1)
    try:
        assert signal.getsignal(signal.SIGINT) is handler
        (worker,) = pool._pool
        assert _ignores_sigint(worker.pid)
    finally:
        pool.terminate()
        pool.join()


def test_a_search_worker_that_exits_143_is_said_as_stopped_by_sigterm():
    """A search worker that handled SIGTERM exits 143 (ended by the signal itself, it skipped
    its clean-up and every stop warned of leaked semaphores: QA signals21b #1); the main process
    words it as SIGTERM from outside, not as an exit status with advice to rerun with workers=1
    (QA retest21 #9)."""
    from types import SimpleNamespace

    from sim.engine.replications import worker_death

    died = worker_death([SimpleNamespace(exitcode=143)], what="a search worker process")
    assert died.exitcode == -signal.SIGTERM
    assert "it was killed (signal 15, SIGTERM)" in str(died)


def test_a_run_whose_trial_another_run_failed_meanwhile_stops_with_a_message(
    make_job, tmp_path, monkeypatch
):
    """QA signals21c #1: a run held (Ctrl-Z) beyond the heartbeat's grace period had its trial
    failed by another run's start; continued, it ended on Optuna's raw ``ValueError: Cannot
    tell a FAIL trial.`` with its record left "running". It now raises ``TrialFailedElsewhere``
    (a user error the command line words, exit 2), and the finished trials stay."""
    from sim.errors import TrialFailedElsewhere
    from sim.optimize.study import RedesignObjective

    job = make_job(storage=f"sqlite:///{tmp_path / 'held.db'}", n_trials=6, replications=2)
    real = RedesignObjective.__call__
    calls = []

    def failed_meanwhile(self, trial):
        value = real(self, trial)
        calls.append(trial.number)
        if len(calls) == 3:  # another run fails this trial before it is told
            trial.storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
        return value

    monkeypatch.setattr(RedesignObjective, "__call__", failed_meanwhile)
    with (
        Evaluator(model=job.model, space=job.space, scenario=job.scenario, seed=1, workers=1) as ev,
        pytest.raises(TrialFailedElsewhere, match="another run on this study marked a trial"),
    ):
        run_search(job, ev, progress=False)
    study = optuna.load_study(study_name="t", storage=job.settings.storage)
    states = [t.state for t in study.trials]
    assert states.count(optuna.trial.TrialState.COMPLETE) == 2
