"""A symbolic link in a run directory where the tool or Hydra writes or removes files is refused,
naming it, and nothing outside the directory is removed or written (QA 2026-12-05 security:
``output.overwrite=true`` removed the files of the folder a linked ``.partial`` named; ``report``
wrote its figures through a linked ``report/``; a linked lock file was truncated, a linked
``.hydra`` had its ``config.yaml`` replaced)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.cli.common import _held, guard_resumable_dir, guard_run_dir
from sim.cli.main import _refuse_links_in_job_folders
from sim.cli.overwrite import clear_earlier_run
from sim.cli.runlock import LOCK, _flock, lock_run_dir, unlock_run_dir
from sim.errors import ConfigError
from sim.report.html import _save_embedded
from tests.simcli import run_sim

SIMULATE = ["simulate", "process=mmc", "scenario.replications=2", "workers=1"]


def victim(folder: Path) -> dict[str, str]:
    """A user's folder outside the run directory: its files and what they hold."""
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    (folder / "sub" / "b.txt").write_text("b")
    (folder / "01_mine.png").write_text("p")
    return contents(folder)


def contents(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and its bytes (a run's gzipped files too)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def earlier_simulate(run: Path) -> None:
    """The record and a result of a finished simulate run in ``run``."""
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"command": "simulate", "status": "finished"}))
    (run / "kpis.json").write_text("{}")


def test_overwrite_refuses_a_linked_partial_and_report_and_removes_nothing(tmp_path):
    run = tmp_path / "run"
    first = run_sim(*SIMULATE, "output.report=false", f"hydra.run.dir={run}")
    assert first.returncode == 0, first.stderr
    kept, figures = victim(tmp_path / "v2"), victim(tmp_path / "v3")
    (run / ".partial").symlink_to(tmp_path / "v2")
    (run / "report").symlink_to(tmp_path / "v3")
    before = contents(run)
    res = run_sim(*SIMULATE, "output.overwrite=true", f"hydra.run.dir={run}")
    assert res.returncode == 2, res.stderr
    assert f"{run / '.partial'}: is a symbolic link" in res.stderr
    assert "removed" not in res.stdout
    assert contents(tmp_path / "v2") == kept and contents(tmp_path / "v3") == figures
    assert contents(run) == before  # the earlier run too stays as it was


def test_clearing_an_earlier_run_refuses_a_linked_report_folder(tmp_path):
    run = tmp_path / "run"
    earlier_simulate(run)
    figures = victim(tmp_path / "v")
    (run / "report").symlink_to(tmp_path / "v")
    with pytest.raises(ConfigError, match=r"report: is a symbolic link"):
        clear_earlier_run(run)
    assert contents(tmp_path / "v") == figures
    assert (run / "kpis.json").is_file()


def test_clearing_an_earlier_run_refuses_a_linked_result_file(tmp_path):
    run = tmp_path / "run"
    earlier_simulate(run)
    (tmp_path / "mine.csv").write_text("mine")
    (run / "replications.csv").symlink_to(tmp_path / "mine.csv")
    with pytest.raises(ConfigError, match=r"replications.csv: is a symbolic link"):
        clear_earlier_run(run)
    assert (run / "replications.csv").is_symlink() and (run / "kpis.json").is_file()


def test_clearing_an_earlier_run_refuses_a_link_inside_partial(tmp_path):
    run = tmp_path / "run"
    earlier_simulate(run)
    (run / ".partial").mkdir()
    (tmp_path / "mine.csv").write_text("mine")
    (run / ".partial" / "trace.csv.gz").symlink_to(tmp_path / "mine.csv")
    with pytest.raises(ConfigError, match=r"trace.csv.gz: is a symbolic link"):
        clear_earlier_run(run)
    assert (tmp_path / "mine.csv").read_text() == "mine"


def test_report_refuses_to_write_figures_through_a_linked_folder(tmp_path):
    run = tmp_path / "run"
    first = run_sim(*SIMULATE, "output.report=false", f"hydra.run.dir={run}")
    assert first.returncode == 0, first.stderr
    figures = victim(tmp_path / "v")
    (run / "report").symlink_to(tmp_path / "v")
    res = run_sim("report", f"run={run}", "figures=true")
    assert res.returncode == 2, res.stderr
    assert f"{run / 'report'}: is a symbolic link" in res.stderr
    assert contents(tmp_path / "v") == figures


def test_report_figures_are_not_written_through_links(tmp_path):
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "01_mine.png").write_text("p")
    (tmp_path / "report").symlink_to(tmp_path / "v")
    with pytest.raises(ConfigError, match="is a symbolic link"):
        _save_embedded("", tmp_path / "report")
    assert contents(tmp_path / "v") == {"01_mine.png": b"p"}
    real = tmp_path / "real"
    real.mkdir()
    (real / "02_map.png").symlink_to(tmp_path / "v" / "01_mine.png")
    with pytest.raises(ConfigError, match="02_map.png: is a symbolic link"):
        _save_embedded("", real)
    assert contents(tmp_path / "v") == {"01_mine.png": b"p"}


@pytest.mark.parametrize("name", [LOCK, "main.log"])
def test_a_run_does_not_write_through_a_linked_lock_or_log(tmp_path, name):
    (tmp_path / "mine.txt").write_text("keep")
    run = tmp_path / "run"
    run.mkdir()
    (run / name).symlink_to(tmp_path / "mine.txt")
    res = run_sim(*SIMULATE, "output.report=false", f"hydra.run.dir={run}")
    assert res.returncode == 2, res.stderr
    assert f"{run / name}: is a symbolic link" in res.stderr
    assert (tmp_path / "mine.txt").read_text() == "keep"


def test_a_run_does_not_write_through_a_linked_hydra_folder(tmp_path):
    (tmp_path / "hyd").mkdir()
    (tmp_path / "hyd" / "config.yaml").write_text("mine")
    run = tmp_path / "run"
    run.mkdir()
    (run / ".hydra").symlink_to(tmp_path / "hyd")
    res = run_sim(*SIMULATE, "output.report=false", f"hydra.run.dir={run}")
    assert res.returncode == 2, res.stderr
    assert f"{run / '.hydra'}: is a symbolic link" in res.stderr
    assert contents(tmp_path / "hyd") == {"config.yaml": b"mine"}


def test_the_lock_file_is_never_opened_through_a_link(tmp_path):
    (tmp_path / "mine.txt").write_text("keep")
    (tmp_path / LOCK).symlink_to(tmp_path / "mine.txt")
    with pytest.raises(ConfigError, match="is a symbolic link"):
        _flock(tmp_path / LOCK, tmp_path, "hydra.run.dir")
    assert (tmp_path / "mine.txt").read_text() == "keep"


def test_a_linked_hydra_file_is_held_not_hydras_own(tmp_path):
    (tmp_path / "hyd").mkdir()
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / ".hydra").symlink_to(tmp_path / "hyd")
    (tmp_path / "run" / "main.log").write_text("")
    assert _held(tmp_path / "run") == [".hydra"]
    with pytest.raises(ConfigError, match=r"\.hydra: is a symbolic link"):
        guard_run_dir(tmp_path / "run", (), overwrite=True, claim=False)


def test_a_sweep_does_not_write_multirun_yaml_or_job_folders_through_links(tmp_path):
    (tmp_path / "mine.txt").write_text("keep")
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "multirun.yaml").symlink_to(tmp_path / "mine.txt")
    with pytest.raises(ConfigError, match="multirun.yaml: is a symbolic link"):
        lock_run_dir(sweep, command="simulate", key="hydra.sweep.dir")
    unlock_run_dir(sweep)
    (sweep / "multirun.yaml").unlink()
    (tmp_path / "elsewhere").mkdir()
    (sweep / "0").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ConfigError, match=r"0: is a symbolic link"):
        _refuse_links_in_job_folders(sweep)
    (sweep / "0").unlink()
    (sweep / "1" / ".hydra").mkdir(parents=True)
    (sweep / "1" / ".hydra" / "config.yaml").symlink_to(tmp_path / "mine.txt")
    with pytest.raises(ConfigError, match=r"config.yaml: is a symbolic link"):
        _refuse_links_in_job_folders(sweep)
    assert (tmp_path / "mine.txt").read_text() == "keep"


def test_a_sweep_with_a_linked_multirun_yaml_is_refused(tmp_path):
    (tmp_path / "mine.txt").write_text("keep")
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "multirun.yaml").symlink_to(tmp_path / "mine.txt")
    res = run_sim(
        *SIMULATE,
        "--multirun",
        "output.report=false",
        "output.overwrite=true",
        f"hydra.sweep.dir={sweep}",
    )
    assert res.returncode == 2, res.stderr
    assert "multirun.yaml: is a symbolic link" in res.stderr
    assert (tmp_path / "mine.txt").read_text() == "keep"


def test_an_optimize_run_is_not_resumed_through_a_linked_study(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"command": "optimize", "status": "finished"}))
    (tmp_path / "mine.db").write_text("keep")
    (run / "study.db").symlink_to(tmp_path / "mine.db")
    with pytest.raises(ConfigError, match=r"study.db: is a symbolic link"):
        guard_resumable_dir(run, "optimize", claim=False)
    assert (tmp_path / "mine.db").read_text() == "keep"
