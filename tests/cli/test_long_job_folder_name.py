"""A run or job folder whose name is too long for the file system (a sweep naming its job
folders by ``${hydra.job.override_dirname}`` with many overrides) is refused before any job
runs, exit status 2, naming the folder, its length and the limit. Before, making it raised
"OSError: [Errno 36] File name too long", two chained tracebacks (four under joblib), exit 1
(QA hydrapower #6)."""

from __future__ import annotations

import os
from pathlib import Path

from sim.cli.sweep import name_too_long
from tests.simcli import run_sim

QUICK = (
    "process=mmc",
    "scenario.replications=2",
    "scenario.horizon_days=3",
    "scenario.warmup_days=1",
    "workers=1",
    "progress=false",
    "output.report=false",
)
# the overrides QA gave, whose names joined make a folder name of 300+ bytes
MANY = (
    "scenario.arrival_scale=1.0",
    "scenario.warmup_arrival_scale=1.0",
    "scenario.max_cases=100000",
    "output.trace=false",
    "output.figures=false",
    "output.trace_format=csv.gz",
    "first_replication=0",
    "seed=0",
)
LONG = "x" * 260


def test_a_sweep_whose_job_folder_names_are_too_long_is_refused_before_any_runs(tmp_path):
    sweep = tmp_path / "longname"
    done = run_sim(
        "simulate",
        "--multirun",
        *QUICK,
        *MANY,
        "scenario.staffing.server=2,3",
        "hydra.sweep.subdir=${hydra.job.override_dirname}",
        f"hydra.sweep.dir={sweep}",
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "File name too long" not in done.stderr
    said = done.stderr
    assert "job 0's folder (" in said and "over this file system's limit of 255 bytes" in said
    assert "no job was run" in said and "hydra.sweep.subdir=${hydra.job.num}" in said
    # the overrides alike in every job, to leave out of the folder's name
    assert "exclude_keys=[process,scenario.replications," in said
    assert "scenario.staffing.server" not in said.split("exclude_keys=")[1]
    assert not sweep.exists()


def test_the_suggested_exclude_keys_make_the_sweep_run(tmp_path):
    sweep = tmp_path / "sweep"
    first = run_sim(
        "simulate",
        "--multirun",
        *QUICK,
        *MANY,
        "scenario.staffing.server=2,3",
        "hydra.sweep.subdir=${hydra.job.override_dirname}",
        f"hydra.sweep.dir={sweep}",
    )
    suggested = first.stderr.split("exclude_keys=")[1].split()[0]
    done = run_sim(
        "simulate",
        "--multirun",
        *QUICK,
        *MANY,
        "scenario.staffing.server=2,3",
        "hydra.sweep.subdir=${hydra.job.override_dirname}",
        f"hydra.job.config.override_dirname.exclude_keys={suggested}",
        f"hydra.sweep.dir={sweep}",
    )
    assert done.returncode == 0, done.stderr
    assert (sweep / "++scenario.staffing.server=3" / "kpis.json").is_file()


def test_a_single_runs_folder_name_too_long_is_refused(tmp_path):
    for run_dir, size in ((tmp_path / LONG, 260), (tmp_path / ("r${seed}" + LONG), 268)):
        done = run_sim("simulate", *QUICK, f"hydra.run.dir={run_dir}")
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert "hydra.run.dir=" in done.stderr and f"is {size} bytes long" in done.stderr
        assert "limit of 255 bytes for one name; nothing was run" in done.stderr
    # one that only Hydra resolves (an environment variable): refused as Hydra starts it
    env = {**os.environ, "LONG_NAME": LONG}
    done = run_sim("simulate", *QUICK, f"hydra.run.dir={tmp_path}/r_${{oc.env:LONG_NAME}}", env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "'r_xxx" in done.stderr and "is 262 bytes long" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_dir_name_too_long_is_refused(tmp_path):
    env = {**os.environ, "LONG_NAME": LONG}
    for sweep_dir in (f"{tmp_path}/{LONG}", f"{tmp_path}/s_${{oc.env:LONG_NAME}}"):
        done = run_sim(
            "simulate", "--multirun", *QUICK, "seed=1,2", f"hydra.sweep.dir={sweep_dir}", env=env
        )
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert "hydra.sweep.dir=" in done.stderr and "no job was run" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_name_too_long_says_which_name_and_the_whole_paths_limit(tmp_path):
    assert name_too_long(tmp_path / "fine" / "short") is None
    said = name_too_long(tmp_path / LONG / "x")
    assert said is not None and "260 bytes long" in said and "255 bytes for one name" in said
    # bytes, not characters: 130 letters of two bytes each are 260 bytes
    assert "260 bytes" in (name_too_long(tmp_path / ("é" * 130)) or "")
    deep = Path(tmp_path, *["d" * 200] * 25)
    assert "bytes for a path" in (name_too_long(deep) or "")
