"""Run Prosimos once, in its own virtual environment (never imported by ``sim``).

Usage (with the experiment's venv, see README.md):
    _work/venv/bin/python run_prosimos.py MODEL.bpmn MODEL.json CASES SEED OUT.csv

Writes Prosimos' event log to OUT.csv and prints one JSON line with the timings:
``setup_s`` (parsing the BPMN and JSON), ``simulate_s`` (the simulation loop, log rows kept in
memory and written afterwards, so disk I/O is not timed) and ``cases``.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import random
import sys
import time

import numpy as np
from prosimos.simulation_engine import run_simpy_simulation
from prosimos.simulation_setup import SimDiffSetup

START = datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC)  # a Monday, as our models' start_date


def main() -> None:
    bpmn, params, cases, seed, out = (
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]),
        int(sys.argv[4]),
        sys.argv[5],
    )
    random.seed(seed)
    np.random.seed(seed)
    t0 = time.perf_counter()
    setup = SimDiffSetup(bpmn, params, False, cases)
    setup.set_starting_datetime(START)
    t1 = time.perf_counter()
    buffer = io.StringIO()
    run_simpy_simulation(setup, None, csv.writer(buffer))
    t2 = time.perf_counter()
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write(buffer.getvalue())
    print(json.dumps({"setup_s": t1 - t0, "simulate_s": t2 - t1, "cases": cases}))


if __name__ == "__main__":
    main()
