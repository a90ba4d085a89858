"""QA hydra25 F6: ``simulate ... output.overwrite=true hydra.run.dir=<a sweep's folder>`` ran and
wrote its run.json and kpis.json beside the sweep's job folders, multirun.yaml and comparison,
and its report.html was the sweep's comparison page. A folder holding a sweep is now refused for
a single run, with or without ``output.overwrite=true``, and a run's report page follows the
command its ``run.json`` records, not a ``comparison.csv`` lying beside it.

QA rt_files F6: ``simulate hydra.run.dir=SW/0 output.overwrite=true scenario.staffing...=5``,
a single run into a job folder of a sweep, ran: the sweep's comparison and report still said job
0 was the sweep's first point, and the rerun of the sweep then failed job 0. Any folder of a
sweep is now refused for a single run as the sweep's own folder is; the sweep's own jobs (a
rerun, with or without ``output.overwrite=true``) still write into them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sim.cli.overwrite import earlier_results
from sim.cli.sweep import sweep_marks
from sim.errors import ConfigError
from sim.report.html import build_report
from tests.simcli import QUICK_SIMULATE, run_sim

SWEEP = ("simulate", "--multirun", "process=mmc", "scenario.staffing.server=2,3", *QUICK_SIMULATE)


@pytest.fixture(scope="module")
def finished_sweep(tmp_path_factory) -> Path:
    """A finished two-job sweep of the M/M/c model with its comparison."""
    sweep_dir = tmp_path_factory.mktemp("sweep") / "sw"
    res = run_sim(*SWEEP, f"hydra.sweep.dir={sweep_dir}")
    assert res.returncode == 0, res.stderr
    assert (sweep_dir / "comparison.csv").is_file()
    return sweep_dir


@pytest.fixture
def sweep_dir(finished_sweep, tmp_path) -> Path:
    """A copy of the finished sweep, for one test to write into."""
    copy = tmp_path / "sw"
    shutil.copytree(finished_sweep, copy, symlinks=True)
    return copy


def _files(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its content."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("overwrite", [True, False])
def test_a_single_run_into_a_sweeps_folder_is_refused(sweep_dir, overwrite):
    before = _files(sweep_dir)
    extra = ["output.overwrite=true"] if overwrite else []
    res = run_sim("simulate", "process=mmc", *QUICK_SIMULATE, f"hydra.run.dir={sweep_dir}", *extra)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    said = res.stderr.strip()
    assert said == (
        f"error: hydra.run.dir={sweep_dir}: holds a --multirun sweep (multirun.yaml, job "
        "folders 0, 1); a single run does not write into a sweep's folder, not even with "
        "output.overwrite=true: choose another hydra.run.dir (a new or empty directory), or "
        f"rerun the sweep with --multirun hydra.sweep.dir={sweep_dir} to resume it"
    )
    assert "pass output.overwrite=true" not in said
    assert _files(sweep_dir) == before  # nothing written beside the sweep, .hydra/ neither


def test_the_advised_rerun_resumes_the_sweep(sweep_dir):
    res = run_sim(*SWEEP, f"hydra.sweep.dir={sweep_dir}")
    assert res.returncode == 0, res.stderr
    assert f"resumed the sweep in {sweep_dir}: 2 of its 2 jobs" in res.stderr


def test_job_folders_with_run_records_mark_a_sweep(sweep_dir, tmp_path):
    (sweep_dir / "multirun.yaml").unlink()
    assert sweep_marks(sweep_dir) == ["0", "1"]
    with pytest.raises(ConfigError, match="holds a --multirun sweep .job folders 0, 1."):
        earlier_results(sweep_dir)
    # a single run's folder is no sweep, nor is a numbered folder of one's own in it
    (sweep_dir / "0" / "7").mkdir()
    assert sweep_marks(sweep_dir / "0") == []
    assert earlier_results(sweep_dir / "0")  # its files, for output.overwrite=true


def test_a_simulate_runs_page_follows_its_record(finished_sweep, tmp_path):
    run = tmp_path / "run"
    res = run_sim("simulate", "process=mmc", *QUICK_SIMULATE, f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    for name in ("comparison.csv", "scenarios.json"):  # a comparison lying beside the run
        shutil.copy(finished_sweep / name, run / name)
    page = build_report(run).read_text(encoding="utf-8")
    assert "simulate report" in page
    assert "Scenario comparison" not in page
    # the sweep's own folder, without a run record, keeps its comparison page
    sweep_page = build_report(finished_sweep, out=tmp_path / "sweep.html")
    assert "Scenario comparison" in sweep_page.read_text(encoding="utf-8")


def _refusal(run_dir: str, what: str, sweep: Path) -> str:
    return (
        f"error: hydra.run.dir={run_dir}: is {what} of the --multirun sweep in {sweep} (its "
        "multirun.yaml); a single run does not write into a sweep's folders, not even with "
        "output.overwrite=true (the sweep's comparison and report would not show it, and a "
        "rerun of the sweep would refuse its folder): choose another hydra.run.dir (a new or "
        f"empty directory), or rerun the sweep with --multirun hydra.sweep.dir={sweep} to "
        "resume it (other overrides: into another hydra.sweep.dir)"
    )


@pytest.mark.parametrize("overwrite", [True, False])
def test_a_single_run_into_a_sweeps_job_folder_is_refused(sweep_dir, overwrite):
    before = _files(sweep_dir)
    extra = ["output.overwrite=true"] if overwrite else []
    job = sweep_dir / "0"
    res = run_sim(
        "simulate",
        "process=mmc",
        *QUICK_SIMULATE,
        f"hydra.run.dir={job}",
        "scenario.staffing.server=5",
        *extra,
    )
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    assert res.stderr.strip() == _refusal(str(job), "job folder 0", sweep_dir)
    assert _files(sweep_dir) == before  # job 0 is still the sweep's, .hydra/ too
    # so the sweep, rerun as advised, resumes with both its jobs kept
    res = run_sim(*SWEEP, f"hydra.sweep.dir={sweep_dir}")
    assert res.returncode == 0, res.stderr
    assert f"resumed the sweep in {sweep_dir}: 2 of its 2 jobs" in res.stderr


def _beside_the_jobs(run_dir: str, name: str, sweep: Path) -> str:
    return (
        f"error: hydra.run.dir={run_dir}: is folder {name} in the folder of the --multirun "
        f"sweep in {sweep} (its multirun.yaml), not one of its job folders; a single run does "
        "not write into a sweep's folder, beside its jobs, not even with "
        "output.overwrite=true: choose another hydra.run.dir (a new or empty directory)"
    )


def test_a_new_folder_in_a_sweep_is_refused_too(sweep_dir, tmp_path, monkeypatch):
    # a numbered folder beside the jobs, given from inside the sweep: none of its two jobs'
    # (QA rt27_files F8: no "a rerun of the sweep would refuse its folder" for it)
    monkeypatch.chdir(sweep_dir)
    res = run_sim("simulate", "process=mmc", *QUICK_SIMULATE, "hydra.run.dir=2")
    assert res.returncode == 2, res.stdout + res.stderr
    assert res.stderr.strip() == _beside_the_jobs("2", "2", sweep_dir)
    assert not (sweep_dir / "2").exists()
    # any folder in the sweep's own folder
    res = run_sim("simulate", "process=mmc", *QUICK_SIMULATE, f"hydra.run.dir={tmp_path}/sw/x")
    assert res.returncode == 2, res.stdout + res.stderr
    assert res.stderr.strip() == _beside_the_jobs(f"{tmp_path}/sw/x", "x", sweep_dir)


def test_the_sweeps_own_jobs_still_run_again(sweep_dir):
    records = [(sweep_dir / job / "run.json").read_bytes() for job in ("0", "1")]
    res = run_sim(*SWEEP, f"hydra.sweep.dir={sweep_dir}", "output.overwrite=true")
    assert res.returncode == 0, res.stderr
    assert "error" not in res.stderr
    # each job ran again in its own folder of the sweep (a new run record)
    assert [(sweep_dir / job / "run.json").read_bytes() for job in ("0", "1")] != records
    assert all(b"finished" in (sweep_dir / job / "run.json").read_bytes() for job in ("0", "1"))
