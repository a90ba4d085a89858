"""A run directory holding the results of a run killed outright (SIGKILL: run.json still says
running, its process gone) is refused as before, but the refusal says those results are not a
complete result (QA long jobs #5: a killed calibrate's model.yaml, never back-tested, was
refused as if it were a finished run's)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from sim.cli.common import CLAIM, guard_run_dir
from sim.errors import ConfigError


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _run_with(tmp_path, record: dict):
    run = tmp_path / "run"
    run.mkdir()
    (run / CLAIM).write_text(json.dumps(record), encoding="utf-8")
    (run / "model.yaml").write_text("name: m\n", encoding="utf-8")
    return run


def test_a_killed_runs_results_are_named_unfinished_when_refused(tmp_path):
    pid = _dead_pid()
    run = _run_with(
        tmp_path,
        {"status": "running", "pid": pid, "host": socket.gethostname(), "command": "calibrate"},
    )
    with pytest.raises(ConfigError) as err:
        guard_run_dir(run, ("model.yaml", "backtest.json"), overwrite=False, claim=False)
    text = str(err.value)
    assert "already holds results (model.yaml, run.json)" in text
    assert f"written by a run that never finished (python -m sim calibrate, pid {pid}" in text
    assert "so they are not a complete result" in text
    assert "pass output.overwrite=true" in text


def test_a_finished_runs_results_are_refused_without_that_word(tmp_path):
    run = _run_with(
        tmp_path,
        {
            "status": "finished",
            "pid": _dead_pid(),
            "host": socket.gethostname(),
            "command": "calibrate",
        },
    )
    with pytest.raises(ConfigError, match="already holds results") as err:
        guard_run_dir(run, ("model.yaml", "backtest.json"), overwrite=False, claim=False)
    assert "never finished" not in str(err.value)


def test_a_resumed_run_records_a_killed_earlier_run_as_killed(tmp_path):
    """QA long jobs #9: a resumed optimize kept the killed run in earlier_runs as 'running'."""
    import os

    from sim.cli.common import _earlier_runs

    path = tmp_path / "run.json"
    host = socket.gethostname()
    for pid, status in ((_dead_pid(), "killed"), (os.getppid(), "running")):
        path.write_text(
            json.dumps({"status": "running", "pid": pid, "host": host, "command": "optimize"}),
            encoding="utf-8",
        )
        assert _earlier_runs(path, "optimize")[-1]["status"] == status
