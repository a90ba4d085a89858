"""A calibrate stopped while the back-test scores its logs (Ctrl-C, SIGTERM) does not first
wait for every queued log's distances: ``with ProcessPoolExecutor`` did, seconds per log."""

from __future__ import annotations

import _thread
import multiprocessing
import os
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import sim.calibrate.backtest as backtest

MARKS = "SIM_TEST_DISTANCE_MARKS"


def slow_distances(real, df):
    """Two seconds a log, then a file that says it was scored."""
    time.sleep(2.0)
    (Path(os.environ[MARKS]) / f"log-{os.getpid()}-{time.monotonic_ns()}").touch()
    return {}


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the slow scorer needs fork"
)
def test_an_interrupt_stops_the_queued_distances(tmp_path, monkeypatch):
    monkeypatch.setenv(MARKS, str(tmp_path))
    monkeypatch.setattr(backtest, "_distances", slow_distances)
    monkeypatch.setattr(backtest, "log_distance_measures_available", lambda: True)
    logs = [pd.DataFrame({"x": [i]}) for i in range(6)]
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            backtest.score_distances(pd.DataFrame(), logs, workers=2)
    finally:
        timer.cancel()
    time.sleep(3.0)  # a worker left running would finish its log by now
    scored = list(tmp_path.iterdir())
    # stopped half a second in: the two logs under way are stopped, the four queued never run
    # (without the stop, all six were scored before the interrupt came through)
    assert len(scored) < 6
