"""A resumed run removes the report's figures of the study it extends; a storage that cannot be
opened is refused with the database's reason, not Optuna's wrapper's.

QA optim25 F6: ``report run=... figures=true`` after a 30-trial search, then a resume to 32:
``report/03_pareto_front.png`` and the others still drew the 30 trials beside results of 32.
QA optim25 F1: a PostgreSQL user without rights on Optuna's tables got "StorageInternalError: An
exception is raised during the commit. This typically happens due to invalid data in the commit,
e.g. exceeding max length." where the database had said "permission denied for table
version_info".
"""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pytest
import sqlalchemy.exc

from sim.cli.optimize import clear_follow_up_results
from sim.errors import ConfigError
from sim.optimize import study as study_module
from sim.optimize.study import open_storage
from tests.optimize.conftest import quick_search_args
from tests.simcli import run_sim

FIGURES = ("01_process_map.png", "03_pareto_front.png", "04_diff_map_1.png")


def test_a_resume_removes_the_report_figures_only(tmp_path):
    run = tmp_path / "run"
    (run / "report").mkdir(parents=True)
    listed = [f"report/{name}" for name in FIGURES]
    (run / "run.json").write_text(json.dumps({"command": "optimize", "report_files": listed}))
    for name in (*FIGURES, "99_mine.png", "my_chart.png", "notes.txt", "1_draft.png"):
        (run / "report" / name).write_text("x")
    assert clear_follow_up_results(run) == len(FIGURES)
    left = sorted(p.name for p in (run / "report").iterdir())
    # a numbered PNG its record does not name is a user's (QA rt28_files F1)
    assert left == ["1_draft.png", "99_mine.png", "my_chart.png", "notes.txt"]
    for name in ("99_mine.png", "my_chart.png", "notes.txt", "1_draft.png"):
        (run / "report" / name).unlink()
    (run / "report" / FIGURES[0]).write_text("x")
    assert clear_follow_up_results(run) == 1
    assert not (run / "report").exists()  # only the tool's figures were in it


def test_figures_behind_a_link_are_left(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / FIGURES[1]).write_text("x")
    run = tmp_path / "run"
    run.mkdir()
    (run / "report").symlink_to(elsewhere)
    assert clear_follow_up_results(run) == 0
    assert (elsewhere / FIGURES[1]).is_file()


def test_a_resumed_search_leaves_no_earlier_figures(tmp_path):
    run = tmp_path / "run"
    args = [*quick_search_args(tmp_path, 2), f"hydra.run.dir={run}"]
    assert run_sim(*args).returncode == 0
    res = run_sim("report", f"run={run}", "figures=true")
    assert res.returncode == 0, res.stderr
    drawn = sorted(p.name for p in (run / "report").glob("[0-9][0-9]_*.png"))
    assert drawn
    res = run_sim(*[a.replace("n_trials=2", "n_trials=3") for a in args])
    assert res.returncode == 0, res.stderr
    assert not (run / "report").exists()
    assert f"note: removed the {len(drawn)} figure(s) in {run / 'report'}" in res.stdout


def _files(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` but Hydra's (``.hydra/``, ``main.log``), with its content."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).parts[0] not in (".hydra", "main.log")
    }


def test_a_resume_keeps_a_users_png_or_refuses_it_before_it_searches(tmp_path):
    """QA rt28_files F1: the rerun (resume) of a search deleted a user's report/99_mine.png."""
    run = tmp_path / "run"
    args = [
        *(
            a.replace("output.report=false", "output.report=true")
            for a in quick_search_args(tmp_path, 2)
        ),
        "output.figures=true",
        f"hydra.run.dir={run}",
    ]
    assert run_sim(*args).returncode == 0
    (run / "report" / "99_mine.png").write_bytes(b"mine")
    before = _files(run)
    resume = [a.replace("n_trials=2", "n_trials=3") for a in args]
    res = run_sim(*resume)
    assert res.returncode == 2, res.stdout + res.stderr
    assert f"error: {run}: holds report/99_mine.png, which no run record" in res.stderr
    assert "(output.figures=false)" in res.stderr
    assert _files(run) == before
    res = run_sim(*resume, "output.figures=false")
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in (run / "report").iterdir()) == ["99_mine.png"]


class ProgrammingError(Exception):
    """What pg8000 raises: its fields as a mapping, the message under ``M``."""


def _permission_denied() -> Exception:
    """Optuna's wrapper around SQLAlchemy's around the driver's error, chained as raised."""
    driver = ProgrammingError({"C": "42501", "M": "permission denied for table version_info"})
    try:
        try:
            raise sqlalchemy.exc.ProgrammingError("SELECT version_num", {}, driver)
        except sqlalchemy.exc.SQLAlchemyError as exc:
            raise optuna.exceptions.StorageInternalError(
                "An exception is raised during the commit. This typically happens due to "
                "invalid data in the commit, e.g. exceeding max length."
            ) from exc
    except optuna.exceptions.StorageInternalError as wrapped:
        return wrapped


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (_permission_denied(), "ProgrammingError: permission denied for table version_info"),
        (
            RuntimeError("cannot start"),
            "RuntimeError: cannot start",
        ),
    ],
)
def test_a_storage_error_names_the_database_s_reason(monkeypatch, error, says):
    def refuse(*args, **kwargs):
        raise error

    monkeypatch.setattr(study_module, "RDBStorage", refuse)
    url = "postgresql+pg8000://alice:Secret9@127.0.0.1:5/studies"
    with pytest.raises(ConfigError) as refused:
        open_storage(url)
    assert str(refused.value) == (
        f"optimizer.storage: cannot open 'postgresql+pg8000://alice:***@127.0.0.1:5/studies': {says}"
    )


def test_a_cause_that_is_no_database_error_is_said_beside_the_wrapper(monkeypatch):
    def refuse(*args, **kwargs):
        try:
            raise PermissionError(13, "Permission denied: '/srv/db'")
        except PermissionError as exc:
            raise optuna.exceptions.StorageInternalError("An exception is raised") from exc

    monkeypatch.setattr(study_module, "RDBStorage", refuse)
    with pytest.raises(ConfigError) as refused:
        open_storage("postgresql://db/studies")
    assert str(refused.value).endswith(
        "StorageInternalError: An exception is raised (caused by PermissionError: "
        "[Errno 13] Permission denied: '/srv/db')"
    ), refused.value
