"""Procure-to-pay: does Prosimos itself, given the log's arrival pattern, give the log's waits?

    python experiments/prosimos_crosscheck/p2p_log_pattern.py [--seeds 6]   # needs _work/venv (README)

The procure-to-pay log starts exactly 16 cases a working day, every 30 minutes from 09:00; its
model's arrival distribution gives 23-24 (see README, item 3). Calibrated on the log, our model
waits longer than the log (`truth_check.py --in-sample`: +7.6 %). This script runs Prosimos 2.1
on the generating model with a fixed 1,801-second gap (Prosimos starts each day at the opening:
16 arrivals a day, like the log) for several seeds, and prints per run the mean cycle time from
the first start, the waiting per case (start minus the previous end in the case) and the cases
started per day, next to the log's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = (
    Path(os.environ.get("SIM_SHARED_DATA", HERE.parents[1].parent / "shared" / "data"))
    / "synth_procure_to_pay"
)
WORK = HERE / "_work" / "p2p"
VENV_PYTHON = HERE / "_work" / "venv" / "bin" / "python"


def summary(df: pd.DataFrame) -> dict[str, float]:
    """Mean cycle time from the first start, waiting per case and cases started per day."""
    s = pd.to_datetime(df["start_time"], format="mixed", utc=True)
    e = pd.to_datetime(df["end_time"], format="mixed", utc=True)
    ev = pd.DataFrame({"case": df["case_id"], "s": s, "e": e}).sort_values(["case", "s", "e"])
    prev = ev.groupby("case")["e"].shift(1)
    ev["w"] = ((ev["s"] - prev).dt.total_seconds() / 3600).clip(lower=0).fillna(0)
    g = ev.groupby("case").agg(s=("s", "min"), e=("e", "max"), w=("w", "sum"))
    per_day = g["s"].dt.date.value_counts().sort_index()
    return {
        "ct_h": float(((g["e"] - g["s"]).dt.total_seconds() / 3600).mean()),
        "wait_h": float(g["w"].mean()),
        "per_day": float(per_day.iloc[1:-1].mean()),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=6)
    args = ap.parse_args()
    if not VENV_PYTHON.exists():
        sys.exit(f"Prosimos' virtualenv not found at {VENV_PYTHON}: see README.md")
    WORK.mkdir(parents=True, exist_ok=True)
    params = json.loads((DATA / "Procure_to_Pay.json").read_text())
    params["arrival_time_distribution"] = {
        "distribution_name": "fix",
        "distribution_params": [{"value": 1801}],
    }
    fixed = WORK / "p2p_fixed_1801s.json"
    fixed.write_text(json.dumps(params))
    rows = [("log", summary(pd.read_csv(DATA / "Procure_to_Pay.csv.gz")))]
    for seed in range(1, args.seeds + 1):
        out = WORK / f"prosimos_seed{seed}.csv"
        cmd = [str(VENV_PYTHON), str(HERE / "run_prosimos.py"), str(DATA / "Procure_to_Pay.bpmn")]
        subprocess.run([*cmd, str(fixed), "1000", str(seed), str(out)], check=True)
        rows.append((f"Prosimos 2.1, seed {seed}", summary(pd.read_csv(out))))
    print("| run | mean cycle time h (from first start) | waiting per case h | cases a day |")
    print("|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {r['ct_h']:.1f} | {r['wait_h']:.2f} | {r['per_day']:.1f} |")
    runs = [r["ct_h"] for name, r in rows[1:]]
    print(
        f"\nProsimos mean over runs: {sum(runs) / len(runs):.1f} h ({min(runs):.1f}-{max(runs):.1f})"
    )


if __name__ == "__main__":
    main()
