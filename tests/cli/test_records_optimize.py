"""QA rt28_files F1, F5.

F1: ``RESULT_FILES`` had no ``optimize`` entry, so every numbered PNG in an optimize run's
``report/`` was taken for the run's although its ``run.json`` names its figures:
``python -m sim report run=<optimize run>`` deleted a user's ``report/01_mine.png`` (a run
without figures) or ``report/99_mine.png`` (a run with them). With ``run.json`` deleted, or
without its ``command``, ``report run=`` deleted ``report/99_mine.png`` without a word: with no
record, a numbered PNG is not known to be the run's, so it is kept (and said) or refused by name.

F5: with ``hydra.sweep.subdir=jobs/${hydra.job.num}``, ``hydra.run.dir=<sweep>/jobs`` was refused
as a sweep of "job folders 0, 1, 7" (7 a single run's) with the advice to rerun the sweep into
``<sweep>/jobs``, which is refused too: its multirun.yaml is in ``<sweep>``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.cli.report import run as report_run
from sim.cli.sweep import sweep_marks
from sim.errors import ConfigError
from sim.model.run_records import run_wrote
from tests.simcli import QUICK_SEARCH, QUICK_SIMULATE, run_sim

SEARCH = (
    "optimize",
    "process=mmc",
    *QUICK_SEARCH,
    "optimizer.top_k=1",
    "optimizer.ablate_top=0",
    "workers=1",
    "output.report=true",
)
MINE = b"my picture"


@pytest.fixture(scope="module")
def searched(tmp_path_factory) -> Path:
    """A finished optimize run of the M/M/c model, its report without figures."""
    run = tmp_path_factory.mktemp("opt") / "opt"
    res = run_sim(*SEARCH, f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    return run


@pytest.fixture(scope="module")
def drawn(searched, tmp_path_factory) -> Path:
    """That run with its report's figures (``report run=... figures=true``)."""
    run = tmp_path_factory.mktemp("opt") / "drawn"
    shutil.copytree(searched, run)
    _report(run, True)
    assert any((run / "report").glob("[0-9][0-9]_*.png"))
    return run


def _copy(run: Path, tmp_path: Path) -> Path:
    copy = tmp_path / run.name
    shutil.copytree(run, copy)
    return copy


def _report(run: Path, figures: bool | None = None) -> None:
    report_run(OmegaConf.create({"run": str(run), "figures": figures}), run)


def _mine(run: Path, name: str) -> Path:
    path = run / "report" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(MINE)
    return path


def _pngs(run: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((run / "report").glob("*.png"))}


def test_every_file_an_optimize_run_writes_is_its_own(drawn):
    files = [
        p.relative_to(drawn).as_posix()
        for p in drawn.rglob("*")
        if p.is_file() and p.relative_to(drawn).parts[0] != ".hydra" and p.name != "main.log"
    ]
    assert {"study.db", "redesign.yaml", "best/today.yaml", "best/1.yaml"} <= set(files)
    assert [f for f in files if run_wrote(drawn, f) is not True] == []
    assert run_wrote(drawn, "report/99_mine.png") is False


def test_a_users_png_beside_a_search_without_figures_is_kept(searched, tmp_path, capsys):
    run = _copy(searched, tmp_path)
    mine = _mine(run, "01_mine.png")
    _report(run)
    assert mine.read_bytes() == MINE
    assert _pngs(run) == {"01_mine.png": MINE}  # no figures drawn: the run had none
    said = capsys.readouterr().out
    assert f"note: kept report/01_mine.png: no run record in {run} says this tool wrote it" in said
    with pytest.raises(ConfigError, match=r"holds report/01_mine\.png, which no run record"):
        _report(run, True)
    assert _pngs(run) == {"01_mine.png": MINE}


@pytest.mark.parametrize("figures", [None, True])
def test_a_users_png_beside_a_search_with_figures_is_refused(drawn, tmp_path, figures):
    run = _copy(drawn, tmp_path)
    _mine(run, "99_mine.png")
    before = _pngs(run)
    with pytest.raises(ConfigError, match=r"holds report/99_mine\.png, which no run record"):
        _report(run, figures)
    assert _pngs(run) == before


@pytest.mark.parametrize("record", ["deleted", "without its command"])
def test_a_numbered_png_no_record_names_is_never_deleted(drawn, tmp_path, capsys, record):
    run = _copy(drawn, tmp_path)
    if record == "deleted":
        (run / "run.json").unlink()
    else:
        said = json.loads((run / "run.json").read_text())
        (run / "run.json").write_text(json.dumps({k: v for k, v in said.items() if k != "command"}))
    _mine(run, "99_mine.png")
    before = _pngs(run)
    _report(run)
    assert _pngs(run) == before  # kept, the run's figures too: nothing says which are its own
    assert "report/99_mine.png: no run record in" in capsys.readouterr().out
    with pytest.raises(ConfigError, match=r"report/99_mine\.png, which no run record"):
        _report(run, True)
    assert _pngs(run) == before


JOBS = "hydra.sweep.subdir=jobs/${hydra.job.num}"
SWEEP = ("simulate", "--multirun", "process=mmc", *QUICK_SIMULATE, "scenario.staffing.server=2,3")


def test_a_sweeps_nested_job_folders_point_at_the_sweep(tmp_path):
    sweep = tmp_path / "o2"
    res = run_sim(*SWEEP, f"hydra.sweep.dir={sweep}", JOBS)
    assert res.returncode == 0, res.stderr
    single = ("simulate", "process=mmc", *QUICK_SIMULATE)
    res = run_sim(*single, f"hydra.run.dir={sweep / 'jobs' / '7'}", "scenario.staffing.server=4")
    assert res.returncode == 0, res.stderr  # a folder in no job of the sweep: a single run's
    assert sweep_marks(sweep / "jobs") == ["0", "1"]  # not 7
    res = run_sim(*single, f"hydra.run.dir={sweep / 'jobs'}")
    assert res.returncode == 2, res.stdout + res.stderr
    assert res.stderr.strip() == (
        f"error: hydra.run.dir={sweep / 'jobs'}: holds the job folders 0, 1 of the --multirun "
        f"sweep in {sweep} (its multirun.yaml); a single run does not write into a sweep's "
        "folders, not even with output.overwrite=true: choose another hydra.run.dir (a new or "
        f"empty directory), or rerun the sweep with --multirun hydra.sweep.dir={sweep} to "
        "resume it"
    )
    res = run_sim(*SWEEP, f"hydra.sweep.dir={sweep}", JOBS)  # the advice, as given
    assert res.returncode == 0, res.stderr
    assert f"resumed the sweep in {sweep}: 2 of its 2 jobs" in res.stderr


def test_a_sweeps_own_figures_are_rebuilt_not_refused(tmp_path):
    """A sweep's folder has no run.json, only Hydra's multirun.yaml: the figures a report
    build wrote there are replaced by the next build with figures, as before the rule that a
    figure no record names is someone else's (that rule would refuse the tool's own figure);
    a folder with neither record keeps that rule."""
    figure = tmp_path / "sweep" / "report" / "01_scenario_differences_against_the_baseline.png"
    figure.parent.mkdir(parents=True)
    figure.write_bytes(b"png")
    assert run_wrote(tmp_path / "sweep", "report/" + figure.name) is False
    (tmp_path / "sweep" / "multirun.yaml").write_text("hydra: {}\n", encoding="utf-8")
    assert run_wrote(tmp_path / "sweep", "report/" + figure.name) is None
