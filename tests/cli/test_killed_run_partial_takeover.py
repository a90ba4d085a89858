"""A run killed outright (SIGKILL) while it wrote a result under ``.partial/`` wrote no result:
a rerun takes its directory over, as the README says of a run killed before writing any result.
QA (hydrapower): a simulate killed while it streamed its trace was refused on rerun, "already
holds files (.partial, config.yaml, run.json), written by a run that never finished"."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli.common import CLAIM, guard_run_dir, write_json
from sim.errors import ConfigError
from sim.model.whole_files import PARTIAL
from tests.conftest import REPO, sim_in


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process that has ended (a child started and waited for)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def killed_while_writing(run: Path, pid: int, **extra: object) -> None:
    """What a simulate of ``pid`` killed while it wrote its trace leaves: its record and
    config.yaml, and the trace so far under ``.partial/``."""
    run.mkdir()
    record = {"status": "running", "pid": pid, "host": socket.gethostname()}
    write_json(run / CLAIM, record | {"command": "simulate"} | extra)
    (run / "config.yaml").write_text("seed: 0\n", encoding="utf-8")
    (run / PARTIAL).mkdir()
    (run / PARTIAL / "trace.csv.gz").write_bytes(b"\x1f\x8b part of a trace")


@pytest.mark.parametrize("command", ["simulate", None])  # None: killed before its record
def test_a_killed_runs_partial_files_are_taken_over_with_a_note(
    tmp_path, dead_pid, capsys, command
):
    run = tmp_path / "run"
    killed_while_writing(run, dead_pid)
    if command is None:  # its bare claim, and config.yaml still being written
        write_json(
            run / CLAIM, {"status": "running", "pid": dead_pid, "host": socket.gethostname()}
        )
        (run / "config.yaml").unlink()
    guard_run_dir(run, ("kpis.json", "replications.csv"), overwrite=False, command="simulate")
    err = capsys.readouterr().err
    assert "taking over from a run that ended before writing any result" in err
    assert PARTIAL in err
    assert sorted(os.listdir(run)) == [CLAIM]  # this run's claim only
    assert json.loads((run / CLAIM).read_text(encoding="utf-8"))["pid"] == os.getpid()


@pytest.mark.parametrize("case", ["a result beside it", "live", "finished"])
def test_partial_files_beside_anything_else_stay_protected(tmp_path, dead_pid, case):
    run = tmp_path / "run"
    if case == "live":
        killed_while_writing(run, os.getppid())  # a process that runs: pytest's parent
    elif case == "finished":
        killed_while_writing(run, dead_pid, status="finished")
    else:
        killed_while_writing(run, dead_pid)
        (run / "replications.csv").write_text("replication\n0\n", encoding="utf-8")
    before = sorted(p.relative_to(run) for p in run.rglob("*"))
    with pytest.raises(ConfigError, match="already holds"):
        guard_run_dir(run, ("kpis.json", "replications.csv"), overwrite=False, command="simulate")
    assert sorted(p.relative_to(run) for p in run.rglob("*")) == before


def test_a_rerun_takes_over_from_a_run_sigkilled_while_writing_its_trace(tmp_path):
    """End to end, as QA ran it: killed once its trace is being written, then rerun."""
    run = tmp_path / "run"
    args = ["process=mmc", "progress=false", "output.trace=true", f"hydra.run.dir={run}"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *args, "scenario.replications=5000", "workers=1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        deadline = time.monotonic() + 120
        while not (run / PARTIAL).is_dir() and time.monotonic() < deadline:
            assert proc.poll() is None
            time.sleep(0.05)
        time.sleep(0.3)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert (run / PARTIAL).is_dir() and not (run / "kpis.json").exists()
    res = sim_in(tmp_path, *args, "scenario.replications=1", "scenario.horizon_days=2")
    assert res.returncode == 0, res.stderr
    assert "taking over from a run that ended before writing any result" in res.stderr
    assert json.loads((run / CLAIM).read_text(encoding="utf-8"))["status"] == "finished"
    assert (run / "trace.csv.gz").is_file() and not (run / PARTIAL).exists()


def test_overwrite_removes_the_files_a_killed_run_had_not_finished_writing(tmp_path, dead_pid):
    # output.overwrite=true over it: a rerun without a trace never wrote one over it, and the
    # killed run's part of a trace stayed in .partial/ beside the new results for good
    from sim.cli.overwrite import clear_earlier_run

    run = tmp_path / "run"
    killed_while_writing(run, dead_pid)
    (run / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert clear_earlier_run(run) == 3  # run.json, config.yaml, .partial/trace.csv.gz
    assert sorted(os.listdir(run)) == ["notes.txt"]
