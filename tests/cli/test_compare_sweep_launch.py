"""``compare sweep=<dir>`` compares what the sweep compared itself: the finished jobs of its last
launch, not job folders an older sweep left there nor the folder of a failed job."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.simcli import run_sim

SMALL = ["process=mmc", "scenario.replications=3", "scenario.horizon_days=3", "progress=false"]


def sweep(sweep_dir: Path, *args: str):
    """A small ``simulate --multirun`` of the M/M/c model into ``sweep_dir``."""
    return run_sim(
        "--multirun", *SMALL, "output.report=false", f"hydra.sweep.dir={sweep_dir}", *args
    )


def compare(sweep_dir: Path, out: Path):
    return run_sim("compare", f"sweep={sweep_dir}", "output.report=false", f"hydra.run.dir={out}")


def compared(out: Path) -> list[str]:
    """The job folders a comparison compared, by name."""
    return [Path(s["run_dir"]).name for s in json.loads((out / "scenarios.json").read_text())]


def test_compare_sweep_leaves_out_the_jobs_of_an_older_larger_sweep(tmp_path):
    """QA: a sweep of three jobs, then one of two into the same directory
    (``output.overwrite=true``): ``compare sweep=`` compared job 2 of the first (server=4,
    seed 0) with the second's, with no note."""
    s = tmp_path / "s"
    res = sweep(s, "scenario.staffing.server=2,3,4")
    assert res.returncode == 0, res.stderr
    res = sweep(s, "scenario.staffing.server=2,3", "seed=5", "output.overwrite=true")
    assert res.returncode == 0, res.stderr
    assert compared(s) == ["0", "1"]  # the sweep's own comparison
    res = compare(s, tmp_path / "c")
    assert res.returncode == 0, res.stderr
    assert compared(tmp_path / "c") == ["0", "1"]
    assert "server=4" not in res.stdout
    assert f"note: sweep={s}: job folder 2 left out: older" in res.stderr


def test_compare_sweep_compares_the_finished_jobs_of_a_sweep_with_a_failed_one(tmp_path):
    """QA: ``compare sweep=`` refused a sweep one of whose jobs failed (server=0), which the
    sweep itself compared without it."""
    s = tmp_path / "s"
    res = sweep(s, "scenario.staffing.server=2,0,3")
    assert res.returncode == 2 and "did not finish" in res.stderr
    assert compared(s) == ["0", "2"]
    res = compare(s, tmp_path / "c")
    assert res.returncode == 0, res.stderr
    assert compared(tmp_path / "c") == ["0", "2"]
    assert f"note: sweep={s}: job folder 1 left out: no finished simulate run" in res.stderr
    # naming the failed job's folder is still refused
    res = run_sim("compare", f"runs=[{s / '0'},{s / '1'}]", f"hydra.run.dir={tmp_path / 'r'}")
    assert res.returncode == 2 and "runs[1]: " in res.stderr
    assert "is not a finished simulate run" in res.stderr


def _job(folder: Path, num: int, *, finished: bool = True, at: int | None = None) -> Path:
    """A job folder as Hydra and ``simulate`` leave it, its run started at ``at`` (ns)."""
    (folder / ".hydra").mkdir(parents=True, exist_ok=True)
    record = folder / ".hydra" / "hydra.yaml"
    record.write_text(f"hydra:\n  job:\n    num: {num}\n")
    if at is not None:
        os.utime(record, ns=(at, at))
    if finished:
        (folder / "kpis.json").write_text("{}")
        (folder / "replications.csv").write_text("replication\n0\n")
    return folder


def _launched(sweep_dir: Path, at: int) -> None:
    (sweep_dir / "multirun.yaml").write_text("hydra: {}\n")
    os.utime(sweep_dir / "multirun.yaml", ns=(at, at))


def test_the_last_launch_is_the_jobs_started_after_its_multirun_yaml(tmp_path):
    from sim.cli.sweep import last_launch

    s = 10**18  # ns
    jobs = [_job(tmp_path / str(n), n, at=s + n) for n in range(2)]
    old = _job(tmp_path / "2", 2, at=s - 10**9)
    bare = tmp_path / "3"  # no .hydra/: nothing tells when it ran
    bare.mkdir()
    dirs = [*jobs, old, bare]
    assert last_launch(tmp_path, dirs) == (dirs, [])  # no multirun.yaml: no telling
    _launched(tmp_path, s)
    assert last_launch(tmp_path, dirs) == ([*jobs, bare], [old])
    _launched(tmp_path, s + 10**9)  # no job started after it (times lost in a copy): all kept
    assert last_launch(tmp_path, dirs) == (dirs, [])


def test_fewer_than_two_finished_jobs_of_the_last_launch_are_refused_naming_runs(tmp_path):
    from sim.cli.compare import sweep_runs
    from sim.errors import ConfigError

    s = 10**18
    _job(tmp_path / "0", 0, at=s + 1)
    _job(tmp_path / "1", 1, finished=False, at=s + 2)
    _job(tmp_path / "2", 2, at=s - 10**9)
    _launched(tmp_path, s)
    with pytest.raises(ConfigError) as err:
        sweep_runs(tmp_path)
    message = str(err.value)
    assert "1 finished simulate run among the jobs of its last launch" in message
    assert "job folder 2 left out: older" in message
    assert "job folder 1 left out: no finished simulate run" in message
    assert "runs=[a,b,...]" in message
