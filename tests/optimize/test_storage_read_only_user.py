"""A database user that may read the study's tables but not write them is refused before the run
writes anything, with the database's own reason; a write refused during a search is not called
a lost connection.

QA rt_optim F1: a PostgreSQL role with SELECT on Optuna's tables only passed the storage check,
and the search then stopped with "lost the connection to the study's database
(ProgrammingError: permission denied for table studies); rerun the same command to resume",
after the run directory was written. Nothing was lost, and rerunning failed the same way.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from urllib.parse import urlsplit

import optuna
import pytest
from optuna.storages import RDBStorage
from sqlalchemy.exc import ProgrammingError

from sim.errors import ConfigError
from sim.optimize import Evaluator, check_study, run_search
from tests.cli.test_optimize_postgres import postgres_url  # noqa: F401  (the server fixture)
from tests.conftest import REPO
from tests.optimize.conftest import files_holding, quick_search_args

READER_PASSWORD = "Rd-LeakMe-77"


@pytest.fixture(scope="module")
def reader_url(postgres_url):  # noqa: F811
    """The URL of the same database for a role that may read every table of Optuna's (made by
    a study of the owner's) and write none."""
    import pg8000.native

    parts = urlsplit(postgres_url)
    optuna.create_study(storage=postgres_url, study_name="owners")  # Optuna's tables, a study
    owner = pg8000.native.Connection(
        parts.username,
        password=parts.password,
        host=parts.hostname,
        port=parts.port,
        database=parts.path.lstrip("/"),
    )
    owner.run(f"CREATE ROLE reader LOGIN PASSWORD '{READER_PASSWORD}'")
    owner.run("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader")
    owner.close()
    netloc = f"reader:{READER_PASSWORD}@{parts.hostname}:{parts.port}"
    return parts._replace(netloc=netloc).geturl()


def _refused_write_said(said: str) -> None:
    assert said.startswith("optimizer.storage: cannot write 'postgresql+pg8000://reader:***@")
    assert "ProgrammingError: permission denied for table" in said
    assert "lost the connection" not in said and "rerun" not in said
    assert READER_PASSWORD not in said


@pytest.mark.parametrize("study_name", ["owners", "new_one"])
def test_the_storage_check_refuses_a_user_that_cannot_write(reader_url, make_job, study_name):
    """Its own study or a new one: the check tries a search's writes and rolls them back."""
    job = make_job(storage=reader_url)
    job = replace(job, settings=replace(job.settings, study_name=study_name))
    with pytest.raises(ConfigError) as refused:
        check_study(job)
    _refused_write_said(str(refused.value))


def test_the_check_leaves_nothing_in_a_database_it_may_write(make_job, postgres_url):  # noqa: F811
    before = optuna.get_all_study_names(postgres_url)
    assert check_study(make_job(storage=postgres_url)) == 0
    assert optuna.get_all_study_names(postgres_url) == before  # its writes were rolled back


def test_the_command_is_refused_before_its_run_directory_is_written(tmp_path, reader_url):
    run = tmp_path / "run"
    args = [
        *quick_search_args(tmp_path, 2),
        f"optimizer.storage={reader_url}",
        f"hydra.run.dir={run}",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    _refused_write_said(done.stderr.strip().removeprefix("error: "))
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not run.exists()
    assert files_holding(tmp_path, READER_PASSWORD) == []


def test_a_write_refused_during_the_search_is_not_a_lost_connection(
    tmp_path, make_job, monkeypatch
):
    """The user's rights revoked during a search: PostgreSQL's insufficient_privilege (42501),
    as pg8000 gives it, is said as a refused write, not as a lost connection."""
    real_set = RDBStorage.set_trial_state_values
    calls = {"n": 0}

    def revoked(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 2:
            server = {"S": "ERROR", "C": "42501", "M": "permission denied for table trials"}
            raise ProgrammingError("UPDATE trials SET state=%s", None, Exception(server))
        return real_set(self, *args, **kwargs)

    monkeypatch.setattr(RDBStorage, "set_trial_state_values", revoked)
    job = make_job(storage=f"sqlite:///{tmp_path / 'study.db'}", n_trials=6)
    evaluator = Evaluator(
        model=job.model, space=job.space, scenario=job.scenario, seed=job.seed, workers=1
    )
    with evaluator as ev, pytest.raises(ConfigError) as caught:
        run_search(job, ev, progress=False)
    said = str(caught.value)
    assert said.startswith(
        "optimizer.storage: the study's database refused a write (Exception: permission denied "
        "for table trials): this run may not write the study"
    ), said
    assert "lost the connection" not in said
