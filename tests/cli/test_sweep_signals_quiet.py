"""A stopped sweep's replication workers end quietly; the command line's process says what
stopped. QA: a terminal's Ctrl-C during a simulate --multirun printed 8-9 tracebacks from the
workers (KeyboardInterrupt where they waited for work, SweepTerminated from the SIGTERM handler
they inherited when their pool was stopped) before the message; and a sweep stopped by SIGTERM
left the stopped job's run record "running"."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sim.cli.common import CLAIM
from tests.conftest import REPO
from tests.simcli import start_sim

# A pool of two forked workers, one busy and one waiting for work, in a process with the
# command line's handlers (a sweep's, or a single run's); Ctrl-C reaches its whole group, as
# a terminal's does, and the pool is stopped as a stopped run stops it.
_POOL = textwrap.dedent(
    """
    import os, signal, sys, time
    from concurrent.futures import ProcessPoolExecutor, wait
    from sim.cli import main as cli
    from sim.engine.replications import stop_pool

    cli.install_signal_handlers(multirun=sys.argv[1] == "sweep")
    pool = ProcessPoolExecutor(2)
    wait([pool.submit(time.sleep, 0.5) for _ in range(2)])  # both workers started, now idle
    pool.submit(time.sleep, 60)
    time.sleep(0.5)  # one busy, one waiting
    try:
        os.killpg(0, getattr(signal, sys.argv[2]))
        time.sleep(30)
    except (KeyboardInterrupt, cli.SweepTerminated) as exc:
        stop_pool(pool)
        time.sleep(0.5)  # what a worker still prints
        print(f"stopped: {type(exc).__name__}", file=sys.stderr)
        sys.exit(130)
    """
)


@pytest.mark.parametrize("mode", ["sweep", "single"])
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_workers_of_a_stopped_run_end_without_a_traceback(mode, sig):
    done = subprocess.run(
        [sys.executable, "-c", _POOL, mode, sig],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,  # its group only: the test's own process is not signalled
    )
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    expected = "KeyboardInterrupt" if sig == "SIGINT" else None
    if expected:
        assert done.stderr.strip() == f"stopped: {expected}"
    else:
        assert done.stderr.strip() in ("stopped: SweepTerminated", "stopped: RunTerminated")


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def _sweep_in_its_replications(sweep_dir: Path) -> subprocess.Popen:
    """A simulate --multirun into ``sweep_dir`` (its own process group), once its job 0 is
    simulating on two workers."""
    args = ["process=mmc", "scenario.horizon_days=2", "workers=2", "progress=false"]
    proc = start_sim(
        "--multirun", *args, "scenario.replications=5000,2", f"hydra.sweep.dir={sweep_dir}"
    )
    deadline = time.monotonic() + 120
    while '"command"' not in _text(sweep_dir / "0" / CLAIM) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    time.sleep(1.0)  # into the replications
    return proc


def test_a_sweep_stopped_by_sigterm_records_its_job_interrupted(tmp_path):
    s = tmp_path / "s"
    proc = _sweep_in_its_replications(s)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert json.loads((s / "0" / CLAIM).read_text(encoding="utf-8"))["status"] == "interrupted"
    assert "terminated (SIGTERM): job 0 (" in err and "did not finish" in err
    assert "Traceback" not in err
    assert not (s / "1").exists()


def test_ctrl_c_on_a_sweeps_group_says_one_message(tmp_path):
    s = tmp_path / "s"
    proc = _sweep_in_its_replications(s)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the workers get it too
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err, err
    assert err.strip().startswith("interrupted: job 0 (")
    assert json.loads((s / "0" / CLAIM).read_text(encoding="utf-8"))["status"] == "interrupted"
