"""A rerun of the same command takes over the directory of its run that was interrupted after
writing part of its results, as the README promises (QA scale #3: an interrupted calibrate had
written model.yaml, fits.csv and instances.csv.gz before its back-test, and the rerun was
refused with "already holds results"); a finished run, a live one, another command's, or one
beside a user's file stays refused. A run stopped before its record says so in its claim, and
the record keeps when the run started."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.cli.common import (
    CLAIM,
    claim_run_dir,
    guard_resumable_dir,
    guard_run_dir,
    interrupt_run_record,
    write_json,
    write_run_record,
)
from sim.errors import ConfigError
from tests.conftest import sim_in

CALIBRATE = ("model.yaml", "backtest.json")
SIMULATE = ("kpis.json", "replications.csv")
PARTIAL_CALIBRATION = ("model.yaml", "fits.csv", "instances.csv.gz")


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process that has ended (a child started and waited for)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def unfinished_run(
    run: Path, pid: int, command: str, files: tuple[str, ...], status: str = "interrupted"
) -> None:
    """What a run of ``command`` stopped after writing ``files`` leaves in ``run``."""
    run.mkdir()
    record = {"status": status, "pid": pid, "host": socket.gethostname(), "command": command}
    write_json(run / CLAIM, record | {"started_utc": "2026-12-05T10:00:00+00:00"})
    (run / "config.yaml").write_text("seed: 0\n", encoding="utf-8")
    for name in files:
        (run / name).write_text("partial\n", encoding="utf-8")


def test_a_rerun_takes_over_its_commands_interrupted_run(tmp_path, dead_pid, capsys):
    run = tmp_path / "run"
    unfinished_run(run, dead_pid, "calibrate", PARTIAL_CALIBRATION)
    # the check before Hydra starts does not name the command, and removes nothing
    guard_run_dir(run, CALIBRATE, overwrite=False, claim=False)
    assert sorted(os.listdir(run)) == sorted([CLAIM, "config.yaml", *PARTIAL_CALIBRATION])
    guard_run_dir(run, CALIBRATE, overwrite=False, command="calibrate")
    err = capsys.readouterr().err
    assert "taking over from a run of the same command that did not finish" in err
    assert "fits.csv, instances.csv.gz, model.yaml" in err and "status interrupted" in err
    assert os.listdir(run) == [CLAIM]  # its partial results went; this run's claim is in
    claim = json.loads((run / CLAIM).read_text(encoding="utf-8"))
    assert claim["pid"] == os.getpid() and "command" not in claim


def test_a_simulate_rerun_takes_over_its_interrupted_run(tmp_path, dead_pid):
    run = tmp_path / "run"
    unfinished_run(run, dead_pid, "simulate", ("kpis.json", "replications.csv", "model.yaml"))
    done = sim_in(
        tmp_path,
        "simulate",
        "scenario.replications=1",
        "scenario.horizon_days=7",
        "workers=1",
        "progress=false",
        "output.report=false",
        f"hydra.run.dir={run}",
    )
    assert done.returncode == 0, done.stderr
    assert "removed its partial results" in done.stderr
    record = json.loads((run / CLAIM).read_text(encoding="utf-8"))
    assert record["status"] == "finished" and record["pid"] != dead_pid
    assert json.loads((run / "kpis.json").read_text(encoding="utf-8"))["first_replication"] == 0


@pytest.mark.parametrize(
    "case", ["finished", "killed", "live", "other command", "user file", "other host"]
)
def test_what_is_not_an_unfinished_run_of_this_command_stays_refused(tmp_path, dead_pid, case):
    run = tmp_path / "run"
    pid = os.getppid() if case == "live" else dead_pid  # pytest's parent runs
    # killed outright (SIGKILL): "running", it may have stopped in a write (tests/cli/
    # test_killed_runs.py keeps its partial results protected)
    status = {"finished": "finished", "killed": "running"}.get(case, "interrupted")
    command = "simulate" if case == "other command" else "calibrate"
    files = PARTIAL_CALIBRATION if command == "calibrate" else SIMULATE
    unfinished_run(run, pid, command, files, status)
    if case == "user file":
        (run / "notes.txt").write_text("mine\n", encoding="utf-8")
    if case == "other host":
        record = json.loads((run / CLAIM).read_text(encoding="utf-8"))
        write_json(run / CLAIM, record | {"host": "another-host.example"})
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    for check in ({"claim": False}, {"command": "calibrate"}):
        with pytest.raises(ConfigError, match="already holds"):
            guard_run_dir(run, CALIBRATE, overwrite=False, **check)
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before


def test_a_run_stopped_before_its_record_marks_its_claim_interrupted(tmp_path):
    run = tmp_path / "run"
    claim_run_dir(run)
    interrupt_run_record(run)
    claim = json.loads((run / CLAIM).read_text(encoding="utf-8"))
    assert claim["status"] == "interrupted" and "stopped_utc" in claim
    # a rerun of a resuming command still starts afresh there
    assert guard_resumable_dir(run, "optimize", claim=False) is False


def test_the_run_record_keeps_when_the_run_claimed_its_directory(tmp_path):
    run = tmp_path / "run"
    claim_run_dir(run)
    claim = json.loads((run / CLAIM).read_text(encoding="utf-8"))
    started = "2026-12-05T10:00:00+00:00"  # as if the log took long to read
    write_json(run / CLAIM, claim | {"started_utc": started})
    write_run_record(run, OmegaConf.create({"seed": 0}), command="calibrate")
    record = json.loads((run / CLAIM).read_text(encoding="utf-8"))
    assert record["command"] == "calibrate" and record["started_utc"] == started
