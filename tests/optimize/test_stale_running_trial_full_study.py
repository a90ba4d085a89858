"""A killed run's trial in a shared storage, resumed when the study is already full (QA
hydrapower: sqlite, two processes, ``kill -9`` of one; the other filled the study): Optuna fails
a stale trial only as it starts another, so with no trial left to run the killed run's stayed
RUNNING for good, and trials.csv listed it so. A resume fails it now: its process has ended
(recorded on the trial, this host), or its heartbeat is stale; a live process's trial is left."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest

import sim.optimize.study as study_module
from sim.optimize import Evaluator, run_search
from sim.optimize.outputs import trials_table
from sim.optimize.study import mark_process, open_storage

REPO = Path(__file__).resolve().parents[2]
# a trial asked outside Study.optimize, as a killed run leaves one: Optuna warns of heartbeats
pytestmark = pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
RUNNING = optuna.trial.TrialState.RUNNING
FAIL = optuna.trial.TrialState.FAIL

# a run killed (SIGKILL) in a trial: asked, marked as its own, never told
KILLED_IN_A_TRIAL = """
import os, signal, sys
import optuna
from sim.optimize.study import mark_process, open_storage
study = optuna.load_study(study_name="t", storage=open_storage(sys.argv[1]))
trial = study.ask()
mark_process(trial)
print(trial.number, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _evaluator(job) -> Evaluator:
    return Evaluator(
        model=job.model, space=job.space, scenario=job.scenario, seed=job.seed, workers=1
    )


def _full_study(make_job, tmp_path):
    job = make_job(storage=f"sqlite:///{tmp_path / 'shared.db'}", n_trials=3)
    with _evaluator(job) as ev:
        run_search(job, ev, progress=False)
    return job


def _state(job, number: int):
    study = optuna.load_study(study_name="t", storage=job.settings.storage)
    return study.trials[number].state


def _killed_in_a_trial(job) -> subprocess.CompletedProcess:
    """A process that starts a trial of ``job``'s study and is killed (SIGKILL) inside it; its
    stdout is the trial's number."""
    return subprocess.run(
        [sys.executable, "-c", KILLED_IN_A_TRIAL, job.settings.storage],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _resume(job):
    with _evaluator(job) as ev:
        study, _ = run_search(job, ev, progress=False)
    return study


def test_a_killed_runs_trial_is_failed_when_the_study_is_full(make_job, tmp_path, capsys):
    job = _full_study(make_job, tmp_path)
    killed = _killed_in_a_trial(job)
    assert killed.returncode == -9, killed.stderr
    number = int(killed.stdout)
    assert _state(job, number) == RUNNING  # within its heartbeat's grace period
    capsys.readouterr()
    study = _resume(job)
    assert study.trials[number].state == FAIL
    table = trials_table(study, job.objectives)
    assert "RUNNING" not in set(table["state"])
    assert table.loc[table["trial"] == number, "failed"].item().startswith("stopped before")
    assert sum(table["state"] == "COMPLETE") == 3  # nothing else changed: the study was full
    err = capsys.readouterr().err
    assert f"note: 1 trial(s) left running by a process that has ended (#{number}" in err


def test_a_trial_with_a_stale_heartbeat_is_failed_when_the_study_is_full(
    make_job, tmp_path, monkeypatch
):
    monkeypatch.setattr(study_module, "GRACE_PERIOD_S", 1)
    job = _full_study(make_job, tmp_path)
    # a trial of a run on another host (or before trials named their process): only its
    # heartbeat tells it has ended
    storage = open_storage(job.settings.storage)
    trial = optuna.load_study(study_name="t", storage=storage).ask()
    storage.record_heartbeat(trial._trial_id)
    time.sleep(2.5)
    study = _resume(job)
    assert study.trials[trial.number].state == FAIL
    assert "RUNNING" not in set(trials_table(study, job.objectives)["state"])
    # failed, not retried: no WAITING copy of it left in a study that runs no more trials
    assert {t.state.name for t in study.trials} == {"COMPLETE", "FAIL"}


def test_a_live_processs_trial_is_left_running(make_job, tmp_path, capsys):
    job = _full_study(make_job, tmp_path)
    storage = open_storage(job.settings.storage)
    trial = optuna.load_study(study_name="t", storage=storage).ask()
    mark_process(trial)  # this process: alive
    storage.record_heartbeat(trial._trial_id)
    capsys.readouterr()
    study = _resume(job)
    assert study.trials[trial.number].state == RUNNING
    assert "1 trial(s) of this study are running as this run starts" in capsys.readouterr().err


def test_a_killed_runs_trial_is_failed_at_once_when_trials_are_left(make_job, tmp_path):
    job = _full_study(make_job, tmp_path)
    killed = _killed_in_a_trial(job)
    number = int(killed.stdout)
    more = dataclasses.replace(job, settings=dataclasses.replace(job.settings, n_trials=4))
    study = _resume(more)
    assert study.trials[number].state == FAIL  # at once, not after the heartbeat's 120 s
    assert sum(t.state.name == "COMPLETE" for t in study.trials) == 4
