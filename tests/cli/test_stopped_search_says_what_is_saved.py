"""A search stopped by Ctrl-C or SIGTERM says where its finished trials are, and whether a rerun
resumes them (QA 2026-12-06: a search in memory, one stopped before its study.db was made and
one in a database all said "finished work is saved in <run dir>; rerun the same command to
resume", which was false for each)."""

from __future__ import annotations

import signal
import time

import pytest

from sim.cli.optimize import stopped_search_text
from tests.optimize.conftest import quick_search_args
from tests.simcli import start_sim_until_its_task_runs


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_search_in_memory_says_no_trial_is_saved(tmp_path, sig, status):
    run = tmp_path / "run"
    args = [*quick_search_args(tmp_path, 5000), "optimizer.storage=memory", f"hydra.run.dir={run}"]
    proc = start_sim_until_its_task_runs(*args, record=run / "run.json")
    try:
        time.sleep(1.0)  # into the search's trials
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == status, err
    assert "optimizer.storage=memory" in err and "no trial is saved" in err, err
    assert "finished work is saved" not in err and "resume" not in err, err
    assert not (run / "study.db").exists()


def test_the_run_directorys_study_is_said_saved_only_once_it_holds_a_finished_trial(tmp_path):
    """QA retest23a #2: a study.db made but without a finished trial was said to hold
    "finished work", and the rerun started again."""
    import optuna

    before = stopped_search_text("interrupted", None, tmp_path)
    assert "before the search saved a trial" in before and "resume" not in before
    url = f"sqlite:///{(tmp_path / 'study.db').resolve()}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(storage=url, study_name="s")
    assert "before the search saved a trial" in stopped_search_text("interrupted", None, tmp_path)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    after = stopped_search_text("interrupted", None, tmp_path)
    assert after == (
        f"interrupted; finished work is saved in {tmp_path}; rerun the same command to resume"
    )
    # the URL of the directory's own study.db is the same storage as null
    assert stopped_search_text("interrupted", url, tmp_path) == after
    # another study of the same file has none of its own
    assert "before the search" in stopped_search_text("interrupted", url, tmp_path, "other")


def test_a_sqlite_study_elsewhere_is_said_saved_only_where_it_holds_a_finished_trial(tmp_path):
    url = f"sqlite:///{(tmp_path / 'shared.db').resolve()}"
    run = tmp_path / "run"
    assert "before the search saved a trial" in stopped_search_text("interrupted", url, run)


def test_a_database_study_is_said_saved_in_the_database_with_its_password_masked(tmp_path):
    said = stopped_search_text(
        "terminated (SIGTERM)", "postgresql://ana:s3cret@db.example/studies", tmp_path
    )
    assert "s3cret" not in said and "db.example/studies" in said
    assert str(tmp_path) not in said and said.endswith("rerun the same command to resume")


def test_a_stopped_optimize_sweep_job_says_its_trials_are_saved(tmp_path):
    """QA retest23a #1: a stopped optimize sweep said only "job 0 (...): did not finish", though
    the job's study.db held finished trials that a rerun of the sweep into its directory
    resumed."""
    from sim.cli.optimize import finished_trials

    sweep = tmp_path / "sweep"
    args = [
        *quick_search_args(tmp_path, 5000),
        "--multirun",
        "seed=1,2",
        f"hydra.sweep.dir={sweep}",
    ]
    proc = start_sim_until_its_task_runs(*args, record=sweep / "0" / "run.json")
    try:
        url = f"sqlite:///{(sweep / '0' / 'study.db').resolve()}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not finished_trials(url):
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "its finished trials are saved in" in err and "hydra.sweep.dir" in err, err


def test_the_study_of_an_unnamed_search_is_read_from_its_run_record(tmp_path):
    """QA retest23c #1: with optimizer.study_name unset (the model's name), another study's
    finished trials in a shared SQLite file were said to be this search's."""
    import json

    import optuna
    from omegaconf import OmegaConf

    from sim.cli.optimize import study_name_value

    url = f"sqlite:///{(tmp_path / 'shared.db').resolve()}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    other = optuna.create_study(storage=url, study_name="another_model")
    other.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(
        json.dumps({"command": "optimize", "study_name": "crm_sales"}), encoding="utf-8"
    )
    cfg = OmegaConf.create({"optimizer": {"storage": url, "study_name": None}})
    assert study_name_value(cfg, run) == "crm_sales"
    said = stopped_search_text("interrupted", url, run, study_name_value(cfg, run))
    assert "before the search saved a trial" in said, said
