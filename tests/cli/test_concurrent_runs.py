"""Two runs started into one directory: one wins, the other is refused before it damages the
winner's ``.hydra/``, record or results. And a refused job of a rerun sweep puts back the
earlier job's ``.hydra/`` and record, as a refused single run does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from sim.cli.runlock import LOCK, RunDirBusy, lock_run_dir, unlock_run_dir
from tests.simcli import run_sim

TINY = ["process=mmc", "scenario.replications=1", "scenario.horizon_days=2", "progress=false"]

# A run of ``python -m sim`` that stops at one point until a file appears, so a test can set
# two runs side by side exactly where the race hurt: ``before_hydra`` after python -m sim's own
# checks and before Hydra writes .hydra/; ``after_claim`` once the run has claimed the directory.
PAUSING_RUN = """
import sys, time, pathlib
from sim.cli import common, main as cli
where, marker, go = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])

def wait():
    marker.touch()
    while not go.exists():
        time.sleep(0.02)

if where == "before_hydra":
    real_run_app = cli._run_app
    def run_app(*args, **kwargs):
        wait()
        return real_run_app(*args, **kwargs)
    cli._run_app = run_app
else:
    real_claim = common.claim_run_dir
    def claim(run_dir):
        real_claim(run_dir)
        wait()
    common.claim_run_dir = claim
cli.main(sys.argv[4:])
"""


def start_paused(where: str, tmp: Path, name: str, *args: str) -> tuple[subprocess.Popen, Path]:
    """Start ``python -m sim *args`` pausing at ``where``; returns it and the file releasing it."""
    marker, go = tmp / f"{name}.paused", tmp / f"{name}.go"
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSING_RUN, where, str(marker), str(go), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None:  # paused, or ended (refused) before
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{name} neither paused nor ended")
        time.sleep(0.02)
    return proc, go


def finish(proc: subprocess.Popen, go: Path) -> tuple[int, str]:
    go.touch()
    _, err = proc.communicate(timeout=600)
    return proc.returncode, err


def all_files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, ``.hydra/`` included, by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_of_two_runs_into_one_directory_the_second_cannot_damage_the_first(tmp_path):
    """The race QA found: run A passed python -m sim's check of the directory (empty) and was
    about to start Hydra when run B, started in another terminal, claimed the directory. A's
    Hydra then rewrote B's .hydra/, and A, refused, removed B's claim and .hydra/ as its own."""
    run = tmp_path / "run"
    a, go_a = start_paused(
        "before_hydra",
        tmp_path,
        "a",
        *TINY,
        "seed=2",
        "output.report=false",
        f"hydra.run.dir={run}",
    )
    b, go_b = start_paused(
        "after_claim", tmp_path, "b", *TINY, "seed=1", "output.report=false", f"hydra.run.dir={run}"
    )
    rc_a, err_a = finish(a, go_a)  # A goes on while B is under way
    rc_b, err_b = finish(b, go_b)
    assert sorted([rc_a, rc_b]) == [0, 2], (err_a, err_b)
    (seed, err, other) = (2, err_b, a) if rc_a == 0 else (1, err_a, b)
    # the winner's directory is its own, whole: .hydra/, record and results agree
    overrides = yaml.safe_load((run / ".hydra" / "overrides.yaml").read_text())
    assert f"seed={seed}" in overrides
    assert yaml.safe_load((run / ".hydra" / "config.yaml").read_text())["seed"] == seed
    assert json.loads((run / "run.json").read_text())["seed"] == seed
    assert yaml.safe_load((run / "config.yaml").read_text())["seed"] == seed
    assert json.loads((run / "kpis.json").read_text())["seed"] == seed
    assert not (run / LOCK).exists()  # the lock goes with the run that held it
    # the refusal names the directory, the other run and what to do
    assert f"{run}: another run is writing into this directory" in err
    assert f"pid {other.pid}" in err and "wait for it to end" in err


def test_a_run_into_the_directory_of_a_live_run_is_refused_and_the_live_run_is_whole(tmp_path):
    """B starts while A is under way (claimed): B is refused before Hydra writes anything."""
    run = tmp_path / "run"
    a, go_a = start_paused("after_claim", tmp_path, "a", *TINY, "seed=3", f"hydra.run.dir={run}")
    live = all_files(run)
    b = run_sim(*TINY, "seed=4", f"hydra.run.dir={run}")
    assert b.returncode == 2
    assert f"{run}: another run is writing into this directory" in b.stderr
    assert f"pid {a.pid}" in b.stderr
    assert all_files(run) == live  # not a byte of the live run changed
    rc_a, err_a = finish(a, go_a)
    assert rc_a == 0, err_a
    assert "seed=3" in yaml.safe_load((run / ".hydra" / "overrides.yaml").read_text())
    assert json.loads((run / "kpis.json").read_text())["seed"] == 3
    assert not (run / LOCK).exists()
    assert LOCK not in (run / "report.html").read_text()  # built while the lock was held


def test_a_report_rebuild_waits_for_the_run_writing_into_its_directory(tmp_path):
    """``report run=<dir>`` of a live run would read half-written results and rewrite its
    report.html under it: refused, naming the run; once that run ends it rebuilds."""
    run = tmp_path / "run"
    a, go_a = start_paused("after_claim", tmp_path, "a", *TINY, "seed=3", f"hydra.run.dir={run}")
    live = all_files(run)
    r = run_sim("report", f"run={run}", f"hydra.run.dir={tmp_path / 'rep'}")
    assert r.returncode == 2, r.stderr
    assert f"{run}: another run is writing into this directory" in r.stderr
    assert f"pid {a.pid}" in r.stderr and "choose another run" in r.stderr
    assert all_files(run) == live
    rc_a, err_a = finish(a, go_a)
    assert rc_a == 0, err_a
    r = run_sim("report", f"run={run}", f"hydra.run.dir={tmp_path / 'rep2'}")
    assert r.returncode == 0, r.stderr
    assert not (run / LOCK).exists()  # the rebuild's own lock went with it


def test_a_sweep_job_refused_by_a_live_run_puts_back_that_runs_hydra_files(tmp_path):
    """A launcher job whose folder is the directory of a live run (here a single run into
    <sweep>/0): Hydra rewrote the live run's .hydra/ before the job could be refused, so the
    refused job puts back the files the live run had."""
    sweep = tmp_path / "sweep"
    a, go_a = start_paused(
        "after_claim", tmp_path, "a", *TINY, "seed=5", "output.report=false",
        f"hydra.run.dir={sweep / '0'}",
    )  # fmt: skip
    live = all_files(sweep / "0")
    job = run_sim(
        "-m", *TINY, "seed=6", "output.report=false", f"hydra.sweep.dir={sweep}",
        "output.overwrite=true",
    )  # fmt: skip
    assert job.returncode == 2, job.stderr
    assert "another run is writing into this directory" in job.stderr
    assert "choose another hydra.sweep.dir" in job.stderr
    assert all_files(sweep / "0") == live
    rc_a, err_a = finish(a, go_a)
    assert rc_a == 0, err_a
    assert "seed=5" in yaml.safe_load((sweep / "0" / ".hydra" / "overrides.yaml").read_text())


def test_a_refused_job_of_a_rerun_sweep_keeps_the_earlier_jobs_files(tmp_path):
    """Rerunning a sweep into its directory (output.overwrite=true) with a value every job
    refuses: each job folder, .hydra/ and record included, and the sweep's multirun.yaml stay
    as the earlier sweep left them, byte for byte."""
    sweep = tmp_path / "sweep"
    args = ["-m", *TINY, "output.report=false", f"hydra.sweep.dir={sweep}", "seed=1,2"]
    first = run_sim(*args)
    assert first.returncode == 0, first.stderr
    before = all_files(sweep)
    assert {"0/run.json", "0/.hydra/overrides.yaml", "1/kpis.json", "multirun.yaml"} <= set(before)
    again = run_sim(*args, "scenario.staffing.nobody=2", "output.overwrite=true")
    assert again.returncode == 2, again.stderr
    assert "scenario.staffing.nobody: unknown role" in again.stderr
    assert all_files(sweep) == before


# ----------------------------------------------------------------- the lock on its own
HOLDER = """
import sys, time, pathlib
from sim.cli.runlock import lock_run_dir
lock_run_dir(pathlib.Path(sys.argv[1]), command="simulate")
print("locked", flush=True)
time.sleep(600)
"""


def test_a_lock_is_released_when_its_process_dies_even_killed(tmp_path):
    run = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(run)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunDirBusy, match=f"pid {holder.pid} on host") as busy:
            lock_run_dir(run, command="calibrate")
        assert str(run) in str(busy.value) and "hydra.run.dir" in str(busy.value)
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    assert (run / LOCK).exists()  # a killed run cannot remove its lock file...
    assert lock_run_dir(run, command="calibrate")  # ...but it does not block the next run
    unlock_run_dir(run)
    assert not (run / LOCK).exists()


def test_a_lock_is_held_once_per_directory_across_threads(tmp_path):
    import threading

    outcomes: list[str] = []

    def take() -> None:
        try:
            lock_run_dir(tmp_path, command="simulate")
            outcomes.append("locked")
        except RunDirBusy:
            outcomes.append("refused")

    first = threading.Thread(target=take)
    first.start()
    first.join()
    second = threading.Thread(target=take)
    second.start()
    second.join()
    assert outcomes == ["locked", "refused"]
    with pytest.raises(RunDirBusy):  # this thread too, while the first holds it
        lock_run_dir(tmp_path, command="simulate")
    unlock_run_dir(tmp_path)


def test_the_report_knows_the_lock_file_by_its_name():
    from sim.report.html import RUN_LOCK

    assert RUN_LOCK == LOCK  # sim.report may not import sim.cli: the name is written twice
