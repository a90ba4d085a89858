"""The launcher workers of a joblib sweep whose main process is killed outright (SIGKILL: the
out-of-memory killer, ``kill -9``, a scheduler) stop their jobs as SIGTERM would, and exit.
QA walk28_research F1: they were re-parented to PID 1, ran their jobs on to "finished" (no
comparison written), then idled for good, ignoring SIGTERM and Ctrl-C, and a rerun was refused
meanwhile, naming a pid the user never saw."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli.common import CLAIM
from tests.conftest import REPO
from tests.processes import children, running
from tests.simcli import run_sim

#: two jobs of some seconds each (a few seconds of CPU), one per launcher worker
SWEEP = (
    "simulate",
    "--multirun",
    "hydra/launcher=joblib",
    "hydra.launcher.n_jobs=2",
    "workers=1",
    "process=mmc",
    "progress=false",
    "output.report=false",
    "scenario.horizon_days=300",
    "scenario.replications=6",
    "scenario.staffing.server=2,3",
)


def _records(s: Path) -> dict[str, dict]:
    """The run records of the sweep's jobs written so far, by job folder."""
    found = {}
    for job in ("0", "1"):
        with contextlib.suppress(OSError, ValueError):
            found[job] = json.loads((s / job / CLAIM).read_text(encoding="utf-8"))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_the_workers_of_a_joblib_sweep_killed_outright_stop_their_jobs_and_exit(tmp_path):
    s = tmp_path / "s"
    with (tmp_path / "err").open("w") as err:  # not a pipe: no one reads it once main is gone
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", *SWEEP, f"hydra.sweep.dir={s}"],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,  # the sweep and its workers: one group, killed at the end
        )
    spawned: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            records = _records(s)
            if len(records) == 2 and all(r.get("status") == "running" for r in records.values()):
                break
            assert proc.poll() is None, (tmp_path / "err").read_text()
            time.sleep(0.05)
        else:
            pytest.fail("the sweep did not start its two jobs")
        workers = {r["pid"] for r in _records(s).values()}
        spawned = children(proc.pid)  # the workers and loky's resource tracker
        assert workers <= set(spawned), (workers, spawned)

        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed = time.monotonic()
        while [p for p in spawned if running(p)] and time.monotonic() < killed + 15:
            time.sleep(0.1)
        left = [p for p in spawned if running(p)]
        assert left == [], f"outlived their sweep by 15 s: {left}"

        # each job recorded its stop as SIGTERM makes it (or had just finished)
        statuses = {job: r["status"] for job, r in _records(s).items()}
        assert set(statuses.values()) <= {"interrupted", "finished"}, statuses
        assert "interrupted" in statuses.values(), statuses  # jobs of seconds, stopped in ~1
        assert "terminated (SIGTERM): job " in (tmp_path / "err").read_text()
    finally:
        for pid in spawned:  # only on a failure: those this test's sweep started
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    again = run_sim(*SWEEP, f"hydra.sweep.dir={s}")
    assert again.returncode == 0, again.stderr
    assert "another run is writing" not in again.stderr
    assert {r["status"] for r in _records(s).values()} == {"finished"}
    assert (s / "comparison.csv").is_file()
