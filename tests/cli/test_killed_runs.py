"""A run killed hard (SIGKILL) leaves its claim or record (``run.json``) behind: a rerun into its
directory takes it over with a note when that run's process is gone and it wrote no result;
a live run's claim, a finished run's record and any result stay protected as before (QA 13)."""

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

from sim.cli.common import (
    CLAIM,
    finish_run_record,
    guard_resumable_dir,
    guard_run_dir,
    stale_claim,
    write_json,
)
from sim.cli.runlock import lock_run_dir, unlock_run_dir
from sim.errors import ConfigError
from tests.conftest import sim_in
from tests.processes import children, running


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process that has ended (a child started and waited for)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def killed_run(run: Path, pid: int, *, host: str | None = None, **extra: object) -> None:
    """What a run of ``pid`` killed after writing its record leaves: run.json and config.yaml."""
    run.mkdir()
    record = {"status": "running", "pid": pid, "host": host or socket.gethostname()}
    write_json(run / CLAIM, record | {"command": "simulate"} | extra)
    (run / "config.yaml").write_text("seed: 0\n", encoding="utf-8")


def test_a_killed_runs_record_is_taken_over_with_a_note(tmp_path, dead_pid, capsys):
    run = tmp_path / "run"
    killed_run(run, dead_pid)
    assert stale_claim(run) is not None
    guard_run_dir(run, ("kpis.json",), overwrite=False)
    assert "taking over from a run that ended before writing any result" in capsys.readouterr().err
    assert sorted(os.listdir(run)) == [CLAIM]  # its config.yaml went; this run's claim is in
    claim = json.loads((run / CLAIM).read_text(encoding="utf-8"))
    assert claim["pid"] == os.getpid() and claim["status"] == "running"


@pytest.mark.parametrize(
    "case",
    ["live", "finished", "old record", "other host", "partial results"],
)
def test_a_record_not_of_a_killed_unfinished_run_is_still_protected(tmp_path, dead_pid, case):
    run = tmp_path / "run"
    if case == "live":
        killed_run(run, os.getppid())  # a process that runs: pytest's parent
    elif case == "finished":
        killed_run(run, dead_pid, status="finished")
    elif case == "old record":
        run.mkdir()
        write_json(run / CLAIM, {"command": "simulate", "seed": 0})
    elif case == "other host":
        killed_run(run, dead_pid, host="another-host.example")
    else:
        killed_run(run, dead_pid)
        (run / "replications.csv").write_text("replication\n0\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    assert stale_claim(run) is None or case == "partial results"
    with pytest.raises(ConfigError, match="already holds"):
        guard_run_dir(run, ("kpis.json", "replications.csv"), overwrite=False)
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before


def test_an_optimize_claim_of_a_live_run_is_refused_and_a_killed_ones_taken(tmp_path, dead_pid):
    run = tmp_path / "run"
    run.mkdir()
    claim = {"status": "running", "host": socket.gethostname()}
    write_json(run / CLAIM, claim | {"pid": os.getppid()})
    with pytest.raises(ConfigError, match="another run started writing"):
        guard_resumable_dir(run, "optimize", claim=False)
    write_json(run / CLAIM, claim | {"pid": dead_pid})
    assert guard_resumable_dir(run, "optimize", claim=False) is False  # a new search, not resumed


def test_a_record_is_marked_finished_only_by_the_process_that_wrote_it(tmp_path, dead_pid):
    run = tmp_path / "run"
    killed_run(run, os.getpid())
    finish_run_record(run)
    assert json.loads((run / CLAIM).read_text())["status"] == "finished"
    other = tmp_path / "other"
    killed_run(other, dead_pid)
    finish_run_record(other)
    assert json.loads((other / CLAIM).read_text())["status"] == "running"


def test_a_forked_worker_does_not_keep_the_run_directory_locked(tmp_path):
    """Replication workers forked from a run kept its lock descriptor open: killed, the run
    left them running and its directory locked."""
    run = tmp_path / "run"
    assert lock_run_dir(run, command="simulate")
    try:
        from sim.cli import runlock

        fd = runlock._HELD[run.resolve()].fd
        pid = os.fork()
        if pid == 0:  # the worker: its copy of the lock descriptor is closed
            try:
                os.fstat(fd)
            except OSError:
                os._exit(0)
            os._exit(1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        unlock_run_dir(run)


def test_a_rerun_takes_over_from_a_run_killed_by_sigkill(tmp_path):
    """End to end: a simulate run with two replication workers, SIGKILLed once it has written
    its record, then a rerun into the same directory."""
    run = tmp_path / "run"
    args = ["process=mmc", "progress=false", f"hydra.run.dir={run}"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *args, "scenario.replications=5000", "workers=2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its workers too are killed at the end
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    try:
        deadline = time.monotonic() + 60
        while not (run / "config.yaml").is_file() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # its workers are forked and at work
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not (run / "kpis.json").exists()
        res = sim_in(tmp_path, *args, "scenario.replications=1", "scenario.horizon_days=2")
    finally:
        with contextlib.suppress(ProcessLookupError):  # its workers exit with it
            os.killpg(proc.pid, signal.SIGKILL)
    assert res.returncode == 0, res.stderr
    assert "taking over from a run that ended before writing any result" in res.stderr
    assert json.loads((run / CLAIM).read_text())["status"] == "finished"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_the_replication_workers_of_a_run_killed_by_sigkill_exit_with_it(tmp_path):
    """QA: a SIGKILLed simulate left its replication workers behind, re-parented, for good."""
    run = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "process=mmc", "progress=false", f"hydra.run.dir={run}",
         "scenario.replications=5000", "workers=2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # the run and its workers: one process group, killed at the end
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = children(proc.pid)
        assert len(workers) >= 2, "the run did not start its two workers"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while [w for w in workers if running(w)] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [w for w in workers if running(w)] == [], "workers outlived their run"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def test_the_report_of_a_run_that_did_not_finish_warns(tmp_path, dead_pid):
    """QA 2026-12-04 #3: `report` of a directory whose run was killed built a page from what
    was there, with no word that the run had not finished."""
    from tests.simcli import run_sim

    run = tmp_path / "run"
    killed_run(run, dead_pid, command="optimize", started_utc="2026-12-04T17:00:00+00:00")
    res = run_sim("report", f"run={run}")
    assert res.returncode == 0, res.stderr
    assert (
        f"warning: the optimize run in {run} did not finish (started 2026-12-04T17:00:00+00:00, "
        f"process {dead_pid} is gone)" in " ".join(res.stderr.split())
    )
    finished = tmp_path / "done"
    killed_run(finished, dead_pid, command="optimize")
    write_json(
        finished / CLAIM, json.loads((finished / CLAIM).read_text()) | {"status": "finished"}
    )
    assert "did not finish" not in run_sim("report", f"run={finished}").stderr
