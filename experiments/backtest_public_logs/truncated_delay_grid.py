"""Spurious and real extraneous delays in right-truncated extracts (cause 25; the table in
``sim/calibrate/delays.py``, "Right truncation").

    python experiments/backtest_public_logs/truncated_delay_grid.py [--alpha 0.2] [--seeds 7 8 9]
    python experiments/backtest_public_logs/truncated_delay_grid.py --busy --seeds 1 2 3

QA 8b's model D (8 clerks; submit -> a 72 h customer wait -> close) at three loads, with and
without a real hold before ``close`` that the log does not show, as a whole 14-day log and as the
extract of the cases finished by day 14. Prints the mean ``delay:close`` the calibration finds
(0: no timer), one figure per seed. ``--alpha`` sets the missing-work correction's level
(``MISSING_WORK_ALPHA``; 1.01 turns the correction off: no instant is then taken as busy by
missing work; 0.001 is the strict level tried first).

``--busy`` prints instead why an extract looks idle: at full load, the mean number of clerks busy
over the extract's last day (minute by minute), in the extract and in the whole log, per seed and
averaged over the seeds.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd

from sim.calibrate import calibrate_model
from sim.calibrate.delays import pool_delays
from sim.engine import run_replication
from sim.kpis import trace_to_event_log
from sim.model import from_dict
from sim.model.scenario import Scenario

MODEL_D_WAIT = 72.0  # hours: the customer's wait between the clerks' two steps
LOADS = {"100 %": 0.1, "80 %": 0.125, "62 %": 0.16}  # mean hours between cases (6.4 / 0.8 ...)


def model_d_log(seed: int, *, truncate: bool, interarrival: float, hold: float) -> pd.DataFrame:
    """Model D's log (the hold, when > 0, left out of it), whole or cut at day 14 (also read by
    ``tests/calibrate/test_calibrate_truncated_likelihood.py``)."""
    steps = {
        "submit": {
            "role": "clerk",
            "duration": {"dist": "gamma", "mean": 0.5, "std": 0.3},
            "next": "customer",
        },
        "customer": {
            "duration": {"dist": "exponential", "mean": MODEL_D_WAIT},
            "next": "hold" if hold else "close",
        },
        "close": {
            "role": "clerk",
            "duration": {"dist": "exponential", "mean": 0.3},
            "next": "done",
        },
    }
    if hold:
        steps["hold"] = {"duration": {"dist": "exponential", "mean": hold}, "next": "close"}
    model = from_dict(
        {
            "name": "D",
            "start": "submit",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": interarrival}},
            "roles": {"clerk": {"headcount": 8}},
            "steps": steps,
            "ends": {"done": {"success": True}},
        }
    )
    sc = Scenario(horizon_days=14, warmup_days=0, replications=1, drain=True, drain_days=90)
    log = trace_to_event_log(run_replication(model, sc, seed=seed))
    log = log.loc[
        log["activity"] != "hold", ["case_id", "activity", "start_time", "end_time", "resource"]
    ]
    if truncate:
        cut = log["start_time"].min().normalize() + pd.Timedelta(days=14)
        log = log[log.groupby("case_id")["end_time"].transform("max") <= cut]
    return log.reset_index(drop=True)


def busy_clerks(log: pd.DataFrame, grid: pd.DatetimeIndex) -> np.ndarray:
    """How many clerks are busy at each instant of ``grid`` (a clerk does one thing at a time)."""
    work = log[log["activity"].isin(["submit", "close"])]
    starts = np.sort(work["start_time"].to_numpy())
    ends = np.sort(work["end_time"].to_numpy())
    t = grid.to_numpy()
    return np.searchsorted(starts, t, side="right") - np.searchsorted(ends, t, side="right")


def print_busy(seeds: list[int]) -> None:
    """Clerks busy over the last day of the extract at full load: extract vs whole log."""
    means = []
    for seed in seeds:
        whole = model_d_log(seed, truncate=False, interarrival=LOADS["100 %"], hold=0.0)
        cut = whole["start_time"].min().normalize() + pd.Timedelta(days=14)
        extract = whole[whole.groupby("case_id")["end_time"].transform("max") <= cut]
        grid = pd.date_range(cut - pd.Timedelta(days=1), cut, freq="1min", inclusive="left")
        means.append((busy_clerks(extract, grid).mean(), busy_clerks(whole, grid).mean()))
        print(f"seed {seed}: extract {means[-1][0]:.1f}, whole log {means[-1][1]:.1f}")
    in_extract, in_whole = np.mean(means, axis=0)
    print(
        f"clerks busy over the last day (of 8): extract {in_extract:.1f}, whole log {in_whole:.1f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--alpha", type=float, default=None, help="missing-work level (default: 0.2)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[7, 8, 9])
    ap.add_argument("--busy", action="store_true", help="clerks busy on the extract's last day")
    args = ap.parse_args()
    if args.busy:
        print_busy(args.seeds)
        return
    if args.alpha is not None:  # the level calibrate_model's detector runs at
        pool_delays.__kwdefaults__["alpha"] = args.alpha
    for load, interarrival in LOADS.items():
        for hold in (0.0, 0.5):
            row = []
            for truncate in (False, True):
                found = []
                for seed in args.seeds:
                    log = model_d_log(seed, truncate=truncate, interarrival=interarrival, hold=hold)
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        cal = calibrate_model(log, seed=seed, dropoff_outcomes=[])
                    timer = cal.model.steps.get("delay:close")
                    found.append(0.0 if timer is None else timer.duration.mean())
                row.append(", ".join(f"{v:.2f}" for v in found))
            print(f"load {load}, hold {hold or 'none'}: whole log {row[0]} | extract {row[1]}")


if __name__ == "__main__":
    main()
