"""A new SQLite storage: created once by whichever run gets there first, never by a run that is
then refused, and a resumed study says so even without a progress bar.

QA: two optimize runs started at the same moment on a new sqlite database raced in Optuna's
table creation and the loser failed ("table studies already exists", "UNIQUE constraint failed:
alembic_version.version_num"); a rerun refused for another storage left the new database file
behind, tables and all; with progress=false a resumed run said nothing about resuming."""

from __future__ import annotations

import shutil
import threading

import pytest
import sqlalchemy.exc

import sim.optimize.study as study_module
from sim.errors import ConfigError
from sim.optimize import Evaluator, check_study, open_storage, run_search
from tests.optimize.conftest import quick_search_args
from tests.simcli import run_sim


def _open_at_once(url: str, n: int) -> list[str]:
    """``open_storage(url)`` from ``n`` threads released together; the errors they met."""
    barrier = threading.Barrier(n)
    errors: list[str] = []

    def one() -> None:
        barrier.wait()
        try:
            storage = open_storage(url)
            storage.get_all_studies()
            storage.engine.dispose()
        except Exception as exc:  # what the run would have printed
            errors.append(str(exc))

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_runs_creating_a_new_sqlite_database_at_once_all_open_it(tmp_path):
    # without the retry on SQLite's words, each round lost a race (6 openers, 25 of 25 rounds)
    for i in range(3):
        url = f"sqlite:///{tmp_path / f'new{i}.db'}"
        assert _open_at_once(url, 6) == []


def test_a_race_that_does_not_end_is_said_as_such(monkeypatch):
    calls = []

    def lost(*args, **kwargs):
        calls.append(1)
        raise sqlalchemy.exc.IntegrityError(
            "INSERT INTO alembic_version (version_num) VALUES ('v3.2.0.a')",
            {},
            Exception("UNIQUE constraint failed: alembic_version.version_num"),
        )

    monkeypatch.setattr(study_module, "RDBStorage", lost)
    monkeypatch.setattr(study_module.time, "sleep", lambda s: None)
    with pytest.raises(ConfigError) as err:
        open_storage("sqlite:////nowhere/race.db")
    said = str(err.value)
    assert len(calls) == study_module.SCHEMA_RACE_RETRIES + 1
    assert said.startswith("optimizer.storage: cannot open 'sqlite:////nowhere/race.db': another")
    assert "another run may be creating (or writing) this database at the same time" in said
    assert "UNIQUE constraint failed: alembic_version.version_num" in said
    assert said.endswith("rerun the same command") and "[SQL" not in said


def test_the_check_before_the_run_does_not_create_a_new_database(make_job, tmp_path):
    db = tmp_path / "fresh.db"
    check_study(make_job(storage=f"sqlite:///{db}"))
    assert not db.exists()
    with pytest.raises(ConfigError, match="no folder .*missing to hold the database file x.db"):
        check_study(make_job(storage=f"sqlite:///{tmp_path / 'missing' / 'x.db'}"))


def test_a_refused_rerun_leaves_no_new_database(tmp_path):
    """QA: a finished run's directory rerun with another optimizer.storage is refused (that
    directory holds another study), and the new database file must not be left behind."""
    args = quick_search_args(tmp_path, 2)
    run = tmp_path / "run"
    first = run_sim(*args, f"hydra.run.dir={run}")
    assert first.returncode == 0, first.stderr
    again = tmp_path / "again"
    shutil.copytree(run, again)
    fresh = tmp_path / "fresh.db"
    res = run_sim(*args, f"hydra.run.dir={again}", f"optimizer.storage=sqlite:///{fresh}")
    assert res.returncode == 2, res.stderr
    assert "optimizer.storage" in res.stderr and "holds the search of study" in res.stderr
    assert not fresh.exists()


def test_a_resumed_search_says_so_without_a_progress_bar(make_job, tmp_path, capsys):
    job = make_job(storage=f"sqlite:///{tmp_path / 's.db'}", n_trials=2)
    for _ in range(2):
        with Evaluator(
            model=job.model, space=job.space, scenario=job.scenario, seed=job.seed, workers=1
        ) as ev:
            run_search(job, ev, progress=False)
    err = capsys.readouterr().err
    assert err.count("search: the study already has 2 finished trial(s); 0 more to reach") == 1
