"""Is the loan and procure-to-pay gap between our engine and Prosimos the arrival rule?

Usage (after crosscheck.py, whose Prosimos logs in _work/ it reads):
    python experiments/prosimos_crosscheck/arrival_check.py [--reps 10]

Prosimos puts an arrival exactly at every opening of the arrival calendar (and drops the part of
a gap that falls in closed time); our arrivals are a renewal process in operational time. So
Prosimos has about one case more per working day. This script measures the arrivals per day of
both, shrinks our inter-arrival gaps by that ratio (``Distribution.scaled``), simulates again and
compares mean cycle times with Prosimos'. If the rule explains the gap, the gap closes.
"""

from __future__ import annotations

import argparse
import dataclasses
import warnings

import numpy as np
import pandas as pd
from crosscheck import DATA, MODELS, START, WORK, _hours

from sim.engine import run_replication
from sim.model.interchange import BpmnImportWarning, load_bpmn
from sim.model.scenario import Scenario


def per_day(arrivals_h: np.ndarray) -> float:
    days = np.floor(arrivals_h / 24.0)
    _, counts = np.unique(days, return_counts=True)
    return float(counts[:-1].mean())  # the last day is cut short by the number of cases


def run(model, reps: int) -> tuple[float, float]:
    """Mean arrivals per day and mean cycle time (h) of ``reps`` replications of 1000 cases."""
    sc = Scenario(horizon_days=36500, warmup_days=0, replications=1, max_cases=1000)
    days, ct = [], []
    for r in range(reps):
        tr = run_replication(model, sc, seed=1000 + r)
        days.append(per_day(tr.case_arrival))
        ct.append(float(np.nanmean(tr.case_end - tr.case_arrival)))
    return float(np.mean(days)), float(np.mean(ct))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=10)
    args = ap.parse_args()
    print(
        "| model | arrivals/day ours | Prosimos | mean CT ours (h) | ours, gaps x ratio | Prosimos |"
    )
    print("|---|---|---|---|---|---|")
    for key in ("loan", "procure"):
        base = DATA / MODELS[key]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BpmnImportWarning)
            model = load_bpmn(base.with_suffix(".bpmn"))
        pros_days, pros_ct = [], []
        for r in range(args.reps):
            df = pd.read_csv(WORK / f"{key}_prosimos_{r}.csv")
            enabled = _hours(df["enable_time"], START)
            end = _hours(df["end_time"], START)
            first = enabled.groupby(df["case_id"]).min()
            pros_days.append(per_day(first.to_numpy()))
            pros_ct.append(float((end.groupby(df["case_id"]).max() - first).mean()))
        ours_days, ours_ct = run(model, args.reps)
        ratio = ours_days / float(np.mean(pros_days))
        inter = model.arrivals.interarrival.scaled(ratio)
        matched = dataclasses.replace(
            model, arrivals=dataclasses.replace(model.arrivals, interarrival=inter)
        )
        m_days, m_ct = run(matched, args.reps)
        print(
            f"| {key} | {ours_days:.1f} | {np.mean(pros_days):.1f} | {ours_ct:.1f} | "
            f"{m_ct:.1f} ({m_days:.1f}/day) | {np.mean(pros_ct):.1f} |"
        )


if __name__ == "__main__":
    main()
