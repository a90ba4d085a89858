"""A relative ``optimizer.storage=sqlite:///x.db`` is one file: the one in the directory the
command was started in, recorded by its absolute path.

QA optim25 F4: the path was read from the current directory each time, so the same command
rerun from another directory opened a new, empty study there, searched it from scratch and
replaced the run's results, while the console said "the study already has 2 finished trials"
(read from the earlier run's confirmation.json); ``run.json`` recorded ``sqlite:///x.db`` only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.optimize.conftest import quick_search_args
from tests.simcli import run_sim


@pytest.mark.parametrize(
    ("url", "made"),
    [
        ("sqlite:///x.db", "sqlite:///{cwd}/x.db"),
        ("sqlite:///sub/../x.db?timeout=5", "sqlite:///{cwd}/x.db?timeout=5"),
        ("sqlite+pysqlite:///sub/x.db", "sqlite+pysqlite:///{cwd}/sub/x.db"),
        ("sqlite:////abs/x.db", "sqlite:////abs/x.db"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("sqlite:///file:x.db?mode=ro&uri=true", "sqlite:///file:x.db?mode=ro&uri=true"),
        ("postgresql://ann:pw@db/x", "postgresql://ann:pw@db/x"),
    ],
)
def test_a_relative_sqlite_path_is_made_absolute(tmp_path, monkeypatch, url, made):
    from sim.cli.optimize import absolute_sqlite

    monkeypatch.chdir(tmp_path)
    assert absolute_sqlite(url) == made.format(cwd=tmp_path)


def _args(tmp_path: Path, n_trials: int) -> list[str]:
    return [
        *quick_search_args(tmp_path, n_trials),
        "optimizer.storage=sqlite:///rel.db",
        "optimizer.study_name=s4",
        f"hydra.run.dir={tmp_path / 'run'}",
    ]


def test_a_relative_sqlite_study_is_the_one_of_the_launch_directory(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    run = tmp_path / "run"
    res = run_sim(*_args(tmp_path, 2), cwd=one)
    assert res.returncode == 0, res.stderr
    assert json.loads((run / "run.json").read_text())["storage"] == f"sqlite:///{one / 'rel.db'}"
    before = (run / "trials.csv").read_bytes()
    # the same command from another directory: that directory's rel.db is another study
    res = run_sim(*_args(tmp_path, 2), cwd=two)
    assert res.returncode == 2, res.stdout + res.stderr
    assert f"rerun with optimizer.storage=sqlite:///{one / 'rel.db'} to resume it" in res.stderr
    assert "already has" not in res.stdout + res.stderr
    assert not (two / "rel.db").exists() and (run / "trials.csv").read_bytes() == before
    # a job that Hydra moves into its run directory still opens the launch directory's file
    res = run_sim(*_args(tmp_path, 3), "hydra.job.chdir=true", cwd=one)
    assert res.returncode == 0, res.stderr
    assert "search: the study already has 2 finished trial(s); 1 more" in res.stderr
    assert not (run / "rel.db").exists()
    assert json.loads((run / "confirmation.json").read_text())["trials_finished"] == 3


def test_the_resume_note_counts_the_study_opened(tmp_path):
    """A directory whose record holds the relative URL (as runs recorded it before), rerun from
    another directory: a new study there, searched from scratch, with no claim of trials."""
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    run = tmp_path / "run"
    assert run_sim(*_args(tmp_path, 2), cwd=one).returncode == 0
    record = json.loads((run / "run.json").read_text())
    (run / "run.json").write_text(json.dumps(record | {"storage": "sqlite:///rel.db"}))
    res = run_sim(*_args(tmp_path, 2), cwd=two)
    assert res.returncode == 0, res.stderr
    assert "already has" not in res.stdout + res.stderr
    assert (two / "rel.db").is_file()
    # the study it opened does have them now: said so
    res = run_sim(*_args(tmp_path, 2), cwd=two)
    assert res.returncode == 0, res.stderr
    assert "note: the study already has 2 finished trials, so optimizer.n_trials=2" in res.stdout
