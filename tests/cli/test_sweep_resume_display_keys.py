"""A stopped sweep resumed with other display-only settings (``progress``, ``workers``: how a
run is shown and how fast it goes, not its results) is resumed, its finished jobs kept (QA: the
rerun with progress=false added was refused, "holds an earlier sweep, not this one (this one
has progress=false)"). Any other override still makes it another sweep, and so do display-only
ones when they name the job folders (``${hydra.job.override_dirname}``)."""

from __future__ import annotations

import json
from pathlib import Path

from omegaconf import OmegaConf

from sim.cli.sweep import sweep_difference
from tests.simcli import run_sim

TINY = ["process=mmc", "scenario.replications=2", "scenario.horizon_days=2", "output.report=false"]


def _sweep(sweep_dir: Path, *more: str):
    return run_sim("--multirun", *TINY, "seed=1,2", f"hydra.sweep.dir={sweep_dir}", *more)


def _stopped_in_job_1(sweep_dir: Path) -> None:
    """``sweep_dir`` as a sweep stopped in its job 1 leaves it: job 0 finished, job 1's record
    says interrupted (its process gone) and no result of it written."""
    job = sweep_dir / "1"
    record = json.loads((job / "run.json").read_text(encoding="utf-8"))
    (job / "run.json").write_text(json.dumps(record | {"status": "interrupted"}))
    for p in job.iterdir():
        if p.is_file() and p.name not in ("run.json", "config.yaml", "main.log"):
            p.unlink()


def test_a_sweep_resumed_with_progress_false_and_one_worker_keeps_its_finished_job(tmp_path):
    s = tmp_path / "s"
    assert _sweep(s).returncode == 0
    _stopped_in_job_1(s)
    kpis = (s / "0" / "kpis.json").read_bytes()
    res = _sweep(s, "progress=false", "workers=1")
    assert res.returncode == 0, res.stderr
    assert f"finished earlier, kept ({s / '0'})" in res.stderr
    assert "1 of its 2 jobs finished earlier and were kept, 1 finished now" in res.stderr
    assert (s / "0" / "kpis.json").read_bytes() == kpis
    assert json.loads((s / "1" / "run.json").read_text())["status"] == "finished"


def test_a_sweep_rerun_with_another_result_key_is_still_refused(tmp_path):
    s = tmp_path / "s"
    assert _sweep(s, "progress=false").returncode == 0
    res = _sweep(s, "progress=false", "scenario.warmup_days=1")
    assert res.returncode == 2
    assert "holds an earlier sweep, not this one (this one has scenario.warmup_days=1)" in (
        res.stderr
    )


def _multirun_yaml(path: Path, overrides: list[str], subdir: str) -> Path:
    config = {
        "hydra": {
            "job": {"config_name": "simulate"},
            "overrides": {"task": overrides},
            "sweep": {"subdir": subdir},
        }
    }
    OmegaConf.save(OmegaConf.create(config), path)
    return path


def test_display_only_overrides_differ_unless_they_name_the_job_folders(tmp_path):
    then = ["seed=1,2"]
    now = ["seed=1,2", "progress=false", "++workers=1"]
    for subdir, differs in (("${hydra.job.num}", None), ("${hydra.job.override_dirname}", True)):
        earlier = _multirun_yaml(tmp_path / "multirun.yaml", then, subdir)
        config = OmegaConf.load(_multirun_yaml(tmp_path / "now.yaml", now, subdir))
        said = sweep_difference(earlier, config, "simulate")
        if differs:
            assert said == "this one has progress=false ++workers=1"
        else:
            assert said is None
