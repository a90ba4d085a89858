"""A study's storage lost under a running search (QA 2026-12-05 hardening #2: PostgreSQL stopped
mid-search gave a 350-line pg8000/SQLAlchemy/Optuna traceback ending in Optuna's own
UnboundLocalError, exit 1, and run.json still "running"): one line naming optimizer.storage,
the database's reason with the password masked, exit 2, the run record marked failed."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time

import pytest
from optuna.storages import RDBStorage
from sqlalchemy.exc import OperationalError

from sim.errors import ConfigError
from sim.optimize import Evaluator, run_search
from sim.optimize import study as study_mod
from tests.conftest import REPO
from tests.optimize.conftest import quick_search_args

LOST = "lost the connection to the study's database"
RESUME = "rerun the same command to resume"


def _evaluator(job):
    return Evaluator(
        model=job.model, space=job.space, scenario=job.scenario, seed=job.seed, workers=1
    )


def _spoil(path) -> None:
    """Overwrite a SQLite file in place with bytes that are no database (as a disk gone bad):
    the open connections see it at their next statement."""
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.write(b"\0garbage" * (size // 8 + 1))


def test_a_sqlite_study_spoiled_mid_search_is_one_error_naming_the_storage(tmp_path, make_job):
    db = tmp_path / "study.db"
    job = make_job(storage=f"sqlite:///{db}", n_trials=8)
    real = study_mod.RedesignObjective.__call__
    calls = {"n": 0}

    def spoil_after_two(self, trial):
        calls["n"] += 1
        if calls["n"] == 3:
            _spoil(db)
        return real(self, trial)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(study_mod.RedesignObjective, "__call__", spoil_after_two)
        with _evaluator(job) as ev, pytest.raises(ConfigError) as caught:
            run_search(job, ev, progress=False)
    said = str(caught.value)
    # SQLite says "file is not a database" or "database disk image is malformed"
    assert re.fullmatch(
        rf"optimizer\.storage: {LOST} \(DatabaseError: [^\n]*(database|malformed)[^\n]*\); "
        f"{RESUME}",
        said,
    ), said
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("driver_said", "reason"),
    [
        # pg8000 gives the server's fields as a mapping: its message is 'M'
        (
            {"S": "FATAL", "C": "57P03", "M": "the database system is shutting down"},
            "the database system is shutting down",
        ),
        (
            'password authentication failed for user "alice" (password Pw3cret)',
            'password authentication failed for user "alice" (password ***)',
        ),
    ],
)
def test_a_server_that_stops_answering_is_named_with_its_reason_and_no_password(
    tmp_path, make_job, monkeypatch, driver_said, reason
):
    """The study runs on SQLite in place of the PostgreSQL server the URL names; its writes then
    fail as pg8000's did when the server was stopped."""
    url = "postgresql+pg8000://alice:Pw3cret@127.0.0.1:55432/optdb"
    real_open = study_mod.open_storage
    monkeypatch.setattr(
        study_mod, "open_storage", lambda _url: real_open(f"sqlite:///{tmp_path / 'study.db'}")
    )
    real_set = RDBStorage.set_trial_state_values
    calls = {"n": 0}

    def server_gone(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 2:
            raise OperationalError("UPDATE trials SET state=%s", None, Exception(driver_said))
        return real_set(self, *args, **kwargs)

    monkeypatch.setattr(RDBStorage, "set_trial_state_values", server_gone)
    job = make_job(storage=url, n_trials=6)
    with _evaluator(job) as ev, pytest.raises(ConfigError) as caught:
        run_search(job, ev, progress=False)
    said = str(caught.value)
    assert said == f"optimizer.storage: {LOST} (Exception: {reason}); {RESUME}"
    assert "Pw3cret" not in said


def test_the_storage_lost_after_the_search_is_the_same_one_error(tmp_path, make_job, monkeypatch):
    """The follow-up reads the study too (trials.csv, the candidates): a server lost then gave
    the drivers' traceback."""
    from sim.optimize import pipeline

    def server_gone(*args, **kwargs):
        raise OperationalError("SELECT trials", None, Exception("server closed the connection"))

    monkeypatch.setattr(pipeline, "trials_table", server_gone)
    job = make_job(storage=f"sqlite:///{tmp_path / 'study.db'}", n_trials=2)
    with pytest.raises(ConfigError) as caught:
        pipeline.optimize_redesign(job, run_dir=tmp_path / "run", progress=False, workers=1)
    assert str(caught.value) == (
        f"optimizer.storage: {LOST} (Exception: server closed the connection); {RESUME}"
    )


def test_an_error_that_is_not_the_storage_s_is_left_as_it_is(tmp_path, make_job, monkeypatch):
    def broken(self, trial):
        raise RuntimeError("a bug in the objective")

    monkeypatch.setattr(study_mod.RedesignObjective, "__call__", broken)
    job = make_job(storage=f"sqlite:///{tmp_path / 'study.db'}", n_trials=3)
    with _evaluator(job) as ev, pytest.raises(RuntimeError, match="a bug in the objective"):
        run_search(job, ev, progress=False)


def _complete_trials(db) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
        try:
            return con.execute("SELECT count(*) FROM trials WHERE state = 'COMPLETE'").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:  # not created yet, or being written
        return 0


@pytest.mark.parametrize("shared", [False, True], ids=["own study.db", "shared storage"])
def test_the_command_exits_2_with_one_line_and_marks_its_run_failed(tmp_path, shared):
    """``python -m sim optimize`` whose study (the run directory's own study.db, or a shared
    storage outside it) is spoiled while it searches. With a shared storage the run's folder
    holds no result file: its record was tidied away as a refused run's (QA rdb20 #2)."""
    space = {
        "model": "tiny",
        "staffing": {"clerk": {"min": 1, "max": 30}, "expert": {"min": 1, "max": 30}},
    }
    run = tmp_path / "run"
    db = tmp_path / "shared.db" if shared else run / "study.db"
    args = quick_search_args(tmp_path, 500, space) + [f"hydra.run.dir={run}"]
    if shared:
        args.append(f"optimizer.storage=sqlite:///{db}")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        while _complete_trials(db) < 2:
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "no trial finished"
            time.sleep(0.1)
        _spoil(db)
        _, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 2, err
    assert "Traceback" not in err
    assert "UnboundLocalError" not in err
    assert err.startswith(f"error: optimizer.storage: {LOST} (DatabaseError: "), err
    assert err.rstrip().endswith(RESUME) and len(err.strip().splitlines()) == 1, err
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert record["status"] == "failed"
    assert LOST in record["error"]
    assert (run / "config.yaml").is_file()  # what it ran with, beside the record
