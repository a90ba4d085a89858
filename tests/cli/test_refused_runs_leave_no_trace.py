"""A refused rerun leaves an earlier run's directory byte for byte as it was (``.hydra/``,
which Hydra rewrites before any check of ours, included), and a run that fails before its first
result leaves nothing behind, so the corrected rerun is accepted."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sim.cli.common import claim_run_dir, release_run_dir, write_json
from tests.conftest import sim_in
from tests.simcli import run_sim


def every_file(run: Path) -> dict[str, tuple[bytes, int]]:
    """Every file of a run directory, ``.hydra/`` and ``main.log`` included: bytes and mtime."""
    return {
        str(p.relative_to(run)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(run.rglob("*"))
        if p.is_file()
    }


SEARCH = [
    "optimize",
    "process=mmc",
    "redesign=staffing",
    "optimizer.n_trials=2",
    "optimizer.confirm_replications=2",
    "optimizer.replications=2",
    "optimizer.min_replications=2",
    "scenario.horizon_days=3",
    "progress=false",
    "output.report=false",
]


def test_a_refused_optimize_rerun_leaves_the_earlier_search_as_it_was(tmp_path):
    run = tmp_path / "o2"
    first = run_sim(*SEARCH, "scenario.replications=3", f"hydra.run.dir={run}")
    assert first.returncode == 0, first.stderr
    before = every_file(run)
    assert {".hydra/config.yaml", ".hydra/overrides.yaml", "config.yaml", "run.json"} <= set(before)
    # another scenario (and another generated space): the study refuses it
    other = run_sim(*SEARCH, "redesign.spread=2", "optimizer.n_trials=3", f"hydra.run.dir={run}")
    assert other.returncode == 2, other.stdout
    assert "made for a different model, search space" in other.stderr
    assert every_file(run) == before
    # another model: refused on the earlier run's record
    model = run_sim("optimize", "process=crm_sales", "optimizer.n_trials=2", f"hydra.run.dir={run}")
    assert model.returncode == 2, model.stdout
    assert "holds an optimize run of model 'mmc'" in model.stderr
    assert every_file(run) == before


def test_a_refused_simulate_overwrite_leaves_the_earlier_hydra_record(tmp_path):
    run = tmp_path / "s1"
    args = ["process=mmc", "scenario.replications=1", "scenario.horizon_days=2", "progress=false"]
    first = run_sim(*args, "output.report=false", f"hydra.run.dir={run}")
    assert first.returncode == 0, first.stderr
    before = every_file(run)
    assert {"kpis.json", "replications.csv", "model.yaml", "run.json"} <= set(before)
    again = run_sim(
        *args, "scenario.staffing.nobody=2", "output.overwrite=true", f"hydra.run.dir={run}"
    )
    assert again.returncode == 2, again.stdout
    assert "scenario.staffing.nobody: unknown role" in again.stderr
    assert "removed" not in again.stdout
    assert every_file(run) == before  # .hydra/overrides.yaml still says what run 1 typed


def test_a_run_failing_after_its_record_leaves_no_directory(tmp_path):
    # a claimed (new) directory: the record a run wrote before a check failed is its own
    run = tmp_path / "new"
    claim_run_dir(run)
    (run / ".hydra").mkdir()
    (run / ".hydra" / "config.yaml").write_text("seed: 0\n", encoding="utf-8")
    (run / "main.log").write_text("", encoding="utf-8")
    (run / "config.yaml").write_text("seed: 0\n", encoding="utf-8")
    write_json(run / "run.json", {"command": "simulate"})
    release_run_dir(run)
    assert not run.exists()


def test_a_failed_run_keeps_partial_results_and_a_directory_it_did_not_claim(tmp_path):
    run = tmp_path / "partial"
    claim_run_dir(run)
    (run / "config.yaml").write_text("seed: 0\n", encoding="utf-8")
    (run / "replications.csv").write_text("a\n1\n", encoding="utf-8")
    release_run_dir(run)
    assert sorted(os.listdir(run)) == ["config.yaml", "replications.csv", "run.json"]
    # an earlier run's record in a directory this run did not claim stays
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    write_json(earlier / "run.json", {"command": "optimize"})
    (earlier / "config.yaml").write_text("seed: 0\n", encoding="utf-8")
    release_run_dir(earlier)
    assert sorted(os.listdir(earlier)) == ["config.yaml", "run.json"]


def _calibrate_a_missing_log_in(folder: Path, *extra: str) -> subprocess.CompletedProcess:
    """``calibrate log=missing.csv`` run in ``folder`` (default ``hydra.run.dir``)."""
    res = sim_in(folder, "calibrate", "log=missing.csv", *extra)
    assert res.returncode == 2 and "log=missing.csv: no such file" in res.stderr, res.stderr
    return res


def test_a_failed_run_in_the_default_directory_leaves_no_empty_outputs_folders(tmp_path):
    """QA 12: the run directory outputs/calibrate/<date> went, its new parents stayed."""
    _calibrate_a_missing_log_in(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_run_keeps_the_output_folders_that_were_there_before(tmp_path):
    (tmp_path / "outputs").mkdir()
    _calibrate_a_missing_log_in(tmp_path)
    assert [p.name for p in tmp_path.rglob("*")] == ["outputs"]
    (tmp_path / "outputs" / "calibrate").mkdir()
    _calibrate_a_missing_log_in(tmp_path, "hydra.job.chdir=true")
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == [
        "outputs",
        "outputs/calibrate",
    ]


def test_a_failed_run_with_hydra_job_chdir_leaves_no_lock_file_in_a_relative_run_dir(tmp_path):
    """QA 12: the run directory was locked by its relative path and unlocked by it after
    hydra.job.chdir=true had moved into it (run/run), so run/.sim-run.lock stayed."""
    _calibrate_a_missing_log_in(tmp_path, "hydra.job.chdir=true", "hydra.run.dir=run")
    assert list(tmp_path.iterdir()) == []


def test_a_run_directory_that_cannot_be_made_is_named_without_a_traceback(tmp_path):
    """QA 2026-12-05 (simulate) #2: a file on the way gave NotADirectoryError, exit status 1."""
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    for key, extra in (("hydra.run.dir", []), ("hydra.sweep.dir", ["--multirun"])):
        res = run_sim(*extra, "process=mmc", f"{key}={blocker / 'sub'}")
        assert res.returncode == 2 and "Traceback" not in res.stderr
        assert f"{key}={blocker / 'sub'}: cannot create the directory" in res.stderr
        assert "Not a directory" in res.stderr and f"choose another {key}" in res.stderr


def test_a_sweep_refused_for_a_misspelt_swept_key_leaves_no_multirun_yaml(tmp_path):
    """QA 2026-12-05 (simulate) #3: Hydra's multirun.yaml stayed, so the corrected sweep was
    refused ('already holds files')."""
    sweep = tmp_path / "sweep"
    args = ["--multirun", "process=mmc", "scenario.replications=2", "scenario.horizon_days=2"]
    typo = run_sim(*args, "scenario.stafing.server=2,3", f"hydra.sweep.dir={sweep}")
    assert typo.returncode == 2 and "did you mean 'staffing'" in typo.stderr
    assert not sweep.exists()
    fixed = run_sim(*args, "scenario.staffing.server=2,3", f"hydra.sweep.dir={sweep}")
    assert fixed.returncode == 0, fixed.stderr
    assert (sweep / "multirun.yaml").is_file() and (sweep / "comparison.csv").is_file()
