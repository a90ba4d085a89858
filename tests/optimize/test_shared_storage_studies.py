"""Optimize on a shared Optuna storage (QA rdb20).

#1: a study of the same name that plain Optuna (or any other tool) made was adopted: its trials
counted towards ``optimizer.n_trials``, every new trial failed when its number of objectives
differed, sim's attributes were stamped on the user's study and the run ended in a traceback.
It is refused now, before anything is written, naming ``optimizer.study_name``, the storage and
what differs. #3: a read-only SQLite study file was reported as a lost connection ("rerun the
same command to resume"); it is refused as it is opened. #4: with another process searching
the same study, trials.csv and the counts in recommendations.md and confirmation.json came
from two readings of the study. #6: "2 trials stopped before its result".
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import optuna
import pandas as pd
import pytest

import sim.optimize.pipeline as pipeline
from sim.errors import ConfigError
from sim.optimize import Evaluator, FollowUp, optimize_redesign, run_search
from sim.optimize.outputs import _search_counts
from sim.optimize.study import check_study, open_storage, refuse_foreign_study
from tests.optimize.conftest import quick_search_args
from tests.simcli import run_sim


def _evaluator(job):
    return Evaluator(
        model=job.model, space=job.space, scenario=job.scenario, seed=job.seed, workers=1
    )


def _plain_optuna_study(url: str, name: str, *, directions: list[str], trials: int) -> None:
    """A study made with Optuna alone (no sim fingerprint), holding ``trials`` trials of a
    parameter ``x``."""
    study = optuna.create_study(storage=url, study_name=name, directions=directions)
    study.optimize(lambda t: [t.suggest_float("x", 0, 1)] * len(directions), n_trials=trials)


def _state(url: str, name: str) -> tuple[list[str], list[tuple[int, str]], dict]:
    """A study's directions, trials (number, state) and user attributes, as stored."""
    study = optuna.load_study(storage=url, study_name=name)
    return (
        [d.name for d in study.directions],
        [(t.number, t.state.name) for t in study.trials],
        study.user_attrs,
    )


@pytest.mark.parametrize(
    ("directions", "trials", "says"),
    [
        (
            ["maximize"],
            3,
            "it has 1 objective (maximize), not this search's 1 objective (minimize) "
            "(optimizer.objectives); it was not made by sim optimize (it has no fingerprint "
            "of a search) and holds 3 trials",
        ),
        # the same directions: its trials still are not this search's
        (
            ["minimize"],
            2,
            "it was not made by sim optimize (it has no fingerprint of a search) and holds 2 "
            "trials",
        ),
        # empty, but for other objectives
        (
            ["minimize", "maximize"],
            0,
            "it has 2 objectives (minimize, maximize), not this search's 1 objective (minimize) "
            "(optimizer.objectives)",
        ),
    ],
)
def test_a_study_another_tool_made_is_refused_and_left_alone(
    tmp_path, make_job, directions, trials, says
):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    _plain_optuna_study(url, "t", directions=directions, trials=trials)
    before = _state(url, "t")
    job = make_job(storage=url, n_trials=4)
    expected = (
        f"optimizer.study_name: the study 't' in {url} (optimizer.storage) is not one this "
        f"search can resume: {says}; it is left as it is: give this search its own study "
        "(optimizer.study_name=t_2) or another optimizer.storage"
    )
    with pytest.raises(ConfigError) as checked:
        check_study(job)  # the CLI's check before anything is written
    assert str(checked.value) == expected
    with _evaluator(job) as ev, pytest.raises(ConfigError) as searched:
        run_search(job, ev, progress=False)  # and the search itself, as it opens the study
    assert str(searched.value) == expected
    assert _state(url, "t") == before  # no trial, no attribute of sim's added


def test_an_empty_study_with_this_search_s_objectives_is_searched(tmp_path, make_job):
    """Made and left empty (by a run stopped before it recorded its fingerprint, or by hand):
    nothing in it to mistake for this search's, so it is used."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    _plain_optuna_study(url, "t", directions=["minimize"], trials=0)
    job = make_job(storage=url, n_trials=2)
    check_study(job)
    with _evaluator(job) as ev:
        study, _ = run_search(job, ev, progress=False)
    assert study.user_attrs["fingerprint"] == job.fingerprint
    assert sum(t.state.name == "COMPLETE" for t in study.trials) == 2


def test_an_empty_study_with_an_attribute_is_refused(tmp_path, make_job):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    optuna.create_study(storage=url, study_name="t").set_user_attr("owner", "alice")
    with pytest.raises(ConfigError, match="holds the user attribute 'owner'"):
        check_study(make_job(storage=url))


def test_the_refusal_masks_the_storage_password(make_job):
    job = make_job()
    with pytest.raises(ConfigError) as refused:
        refuse_foreign_study(
            {},
            study_name="crm",
            storage="postgresql+pg8000://alice:s3cretPW@db.example:5432/sim",
            directions=["maximize"],
            objectives=job.objectives,
            n_trials=0,
        )
    said = str(refused.value)
    assert "postgresql+pg8000://alice:***@db.example:5432/sim (optimizer.storage)" in said
    assert "s3cretPW" not in said


def test_optimize_refuses_a_plain_optuna_study_with_exit_status_2(tmp_path):
    """QA rdb20 #1 on the command line: refused before the run directory is made, with no
    traceback and no trial counted or added."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    _plain_optuna_study(url, "mine", directions=["maximize"], trials=3)
    before = _state(url, "mine")
    run = tmp_path / "run"
    res = run_sim(
        *quick_search_args(tmp_path, 4),
        f"optimizer.storage={url}",
        "optimizer.study_name=mine",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 2, res.stdout + res.stderr
    assert (
        f"error: optimizer.study_name: the study 'mine' in {url} (optimizer.storage) is not one "
        "this search can resume: it has 1 objective (maximize), not this search's 3 objectives "
        "(minimize, minimize, minimize)"
    ) in res.stderr
    assert "Traceback" not in res.stderr and "already has" not in res.stderr
    assert not run.exists()
    assert _state(url, "mine") == before


@pytest.fixture
def read_only():
    """Make a file or folder read-only for this process (``chmod``, or for root, whom the mode
    does not stop, the immutable flag), undone at the end of the test."""
    modes: dict[Path, int] = {}
    immutable: list[Path] = []

    def make(path: Path) -> None:
        modes[path] = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        if os.access(path, os.W_OK):  # root
            chattr = shutil.which("chattr")
            if chattr is None or subprocess.run([chattr, "+i", str(path)]).returncode:
                pytest.skip("cannot make a file read-only for root here (no chattr +i)")
            immutable.append(path)

    yield make
    for path in immutable:
        subprocess.run([shutil.which("chattr") or "chattr", "-i", str(path)], check=True)
    for path, mode in modes.items():
        path.chmod(mode)


def test_a_read_only_sqlite_file_is_refused_as_it_is_opened(tmp_path, make_job, read_only):
    database = tmp_path / "ro.db"
    url = f"sqlite:///{database}"
    optuna.create_study(storage=url, study_name="other")  # an Optuna database, no study 't'
    read_only(database)
    expected = f"optimizer.storage: cannot write '{url}': the database file {database} is read-only"
    job = make_job(storage=url)
    with pytest.raises(ConfigError, match=re.escape(expected)):
        check_study(job)
    with pytest.raises(ConfigError, match=re.escape(expected)):
        open_storage(url)
    with _evaluator(job) as ev, pytest.raises(ConfigError) as searched:
        run_search(job, ev, progress=False)
    assert str(searched.value).startswith(expected)
    assert "lost the connection" not in str(searched.value)


def test_a_sqlite_file_in_a_read_only_folder_is_refused(tmp_path, make_job, read_only):
    folder = tmp_path / "ro"
    folder.mkdir()
    existing = f"sqlite:///{folder / 'old.db'}"
    optuna.create_study(storage=existing, study_name="other")
    read_only(folder)
    with pytest.raises(
        ConfigError, match=r"its folder .* is read-only, and SQLite writes a journal"
    ):
        check_study(make_job(storage=existing))
    new = f"sqlite:///{folder / 'new.db'}"
    with pytest.raises(
        ConfigError,
        match=re.escape(f"optimizer.storage: cannot write '{new}': its folder {folder} is "),
    ):
        check_study(make_job(storage=new))
    assert not (folder / "new.db").exists()


def test_every_file_of_a_run_counts_the_trials_trials_csv_lists(tmp_path, make_job, monkeypatch):
    """QA rdb20 #4: another process sharing the study finishes a trial while this run confirms
    its candidates; trials.csv, recommendations.md and confirmation.json all describe the
    trials as the search ended."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    job = make_job(storage=url, n_trials=3)
    real_confirm = pipeline.confirm

    def another_process_finishes_a_trial(*args, **kwargs):
        other = optuna.load_study(storage=url, study_name="t")
        other.add_trial(optuna.trial.create_trial(value=1.0, user_attrs={"key": "elsewhere"}))
        return real_confirm(*args, **kwargs)

    monkeypatch.setattr(pipeline, "confirm", another_process_finishes_a_trial)
    run = tmp_path / "run"
    optimize_redesign(
        job,
        run_dir=run,
        follow_up=FollowUp(confirm_replications=2, top_k=1, ablate_top=0),
        progress=False,
        workers=1,
    )
    trials = pd.read_csv(run / "trials.csv")
    listed = int(trials["state"].isin(["COMPLETE", "PRUNED"]).sum())
    summary = json.loads((run / "confirmation.json").read_text())
    md = (run / "recommendations.md").read_text()
    assert len(optuna.load_study(storage=url, study_name="t").trials) == len(trials) + 1
    assert summary["trials_finished"] == listed == 3
    assert f"Search: {listed} trials" in md


@pytest.mark.parametrize(
    ("stopped", "says"),
    [(1, "1 trial stopped before its result"), (2, "2 trials stopped before their result")],
)
def test_stopped_trials_are_counted_in_good_grammar(stopped, says):
    assert says + " by an interrupted run" in _search_counts(10, 0, stopped)


def test_the_study_name_suggested_is_free_in_the_storage(tmp_path, make_job):
    """QA retest20 #4: 't_2' was suggested when a study 't_2' existed, so the suggested rerun
    was refused too."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    for name in ("t", "t_2", "t_2_2"):
        _plain_optuna_study(url, name, directions=["maximize"], trials=1)
    job = make_job(storage=url, n_trials=4)
    for refusal in (lambda: check_study(job), lambda: run_search(job, _evaluator(job))):
        with pytest.raises(ConfigError) as caught:
            refusal()
        assert "(optimizer.study_name=t_2_3) or another optimizer.storage" in str(caught.value)
