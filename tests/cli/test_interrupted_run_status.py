"""A run stopped by Ctrl-C (SIGINT) or SIGTERM says so in its record (``"status":
"interrupted"``), claims saved work only where there is some, and a rerun into its directory
takes it over (QA: run.json kept "running" and simulate said "finished work is saved")."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli.common import CLAIM, guard_run_dir, interrupt_run_record, write_json
from tests.simcli import start_sim_until_its_task_runs


def _started_simulation(run: Path) -> subprocess.Popen:
    """A long simulate run into ``run``, once it has written its run record."""
    args = ["simulate", "scenario.replications=200", "workers=1", "progress=false"]
    proc = start_sim_until_its_task_runs(*args, f"hydra.run.dir={run}", record=run / CLAIM)
    time.sleep(1.0)  # into the replications
    return proc


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_simulate_records_it_and_claims_no_saved_work(tmp_path, sig, status):
    run = tmp_path / "run"
    proc = _started_simulation(run)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == status, err
    record = json.loads((run / CLAIM).read_text(encoding="utf-8"))
    assert record["status"] == "interrupted" and "stopped_utc" in record
    assert "no results were saved" in err and "finished work is saved" not in err
    assert not (run / "kpis.json").exists()


def test_a_rerun_takes_over_an_interrupted_runs_directory(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    record = {"status": "running", "pid": os.getpid(), "host": socket.gethostname()}
    write_json(run / CLAIM, record | {"command": "simulate"})
    interrupt_run_record(run)  # this process's record, as the run's own handler marks it
    data = json.loads((run / CLAIM).read_text(encoding="utf-8"))
    assert data["status"] == "interrupted"
    write_json(run / CLAIM, data | {"pid": int(ended.stdout)})  # that process has ended
    guard_run_dir(run, ("kpis.json",), overwrite=False)
    assert "taking over" in capsys.readouterr().err
