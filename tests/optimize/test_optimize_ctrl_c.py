"""Ctrl-C from a terminal: SIGINT goes to the whole process group, the run's replication worker
processes included.

QA: the workers (forked while the command line's SIGINT handler was installed) ran that handler
too and died with ``Process ForkProcess-N: Traceback ... KeyboardInterrupt`` (and, once the pool
was broken, the others with ``Terminated`` when it stopped them) beside the tidy "interrupted"
line. The workers ignore SIGINT now: the main process handles it and stops them.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.optimize.conftest import quick_search_args

REPO = Path(__file__).resolve().parents[2]


def _completed(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)  # never creates the file
    try:
        return con.execute("SELECT count(*) FROM trials WHERE state = 'COMPLETE'").fetchone()[0]
    finally:
        con.close()


def _ctrl_c_during_search(tmp_path: Path, name: str, *extra: str) -> tuple[int, str]:
    """Start a long search of the tiny model in its own process group (with two replication
    workers), wait for a few trials, send SIGINT to the group as a terminal's Ctrl-C does."""
    run = tmp_path / name
    args = [a for a in quick_search_args(tmp_path, 100000) if a != "workers=1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *args, "workers=2", *extra, f"hydra.run.dir={run}"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if _completed(run / "study.db") >= 3:
                    break
            except sqlite3.Error:
                pass  # not created yet
            time.sleep(0.1)
        assert proc.poll() is None, proc.communicate()
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    return proc.returncode, err


@pytest.mark.parametrize("attempt", range(4))
def test_ctrl_c_to_the_process_group_prints_no_worker_traceback(tmp_path, attempt):
    status, err = _ctrl_c_during_search(tmp_path, f"run{attempt}")
    assert status == 130, err
    assert "interrupted; finished work is saved in" in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "ForkProcess" not in err, err


def _worker_handlers() -> tuple[bool, bool]:
    return (
        signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
        signal.getsignal(signal.SIGTERM) is signal.SIG_DFL,
    )


def test_replication_workers_ignore_sigint_and_stop_on_sigterm(tiny_model, tiny_space):
    """The evaluator's workers, forked while the command line's handlers were installed, ignore
    SIGINT (the main process handles it) and take SIGTERM's default (how a pool stops them)."""
    from sim.model.scenario import Scenario
    from sim.optimize import Evaluator

    def handler(*_: object) -> None:
        raise AssertionError("the command line's handler")

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with Evaluator(
            model=tiny_model,
            space=tiny_space,
            scenario=Scenario(horizon_days=1, warmup_days=0),
            seed=1,
            workers=2,
        ) as ev:
            assert len(ev.table({}, 2)) == 2  # starts the pool
            assert ev._pool is not None
            said = [ev._pool.submit(_worker_handlers).result(timeout=60) for _ in range(4)]
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
    assert said == [(True, True)] * 4


def test_an_inherited_handler_does_not_interrupt_a_worker(monkeypatch):
    """A process forked from the command line's before its initializer ran (or by any other
    pool) ignores the inherited SIGINT handler instead of raising KeyboardInterrupt."""
    import sim.cli.optimize as cli

    monkeypatch.setattr(cli, "_HANDLERS_OWNER", os.getpid() + 1)  # "the parent"
    cli._on_sigint(signal.SIGINT, None)  # no KeyboardInterrupt
    monkeypatch.setattr(cli, "_HANDLERS_OWNER", os.getpid())
    with pytest.raises(KeyboardInterrupt):
        cli._on_sigint(signal.SIGINT, None)
