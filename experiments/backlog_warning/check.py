"""How much does work in progress grow in runs that keep up, and in one that does not?
(the figures behind ``sim.cli.simulate.BACKLOG_NOTICED``)

    python experiments/backlog_warning/check.py [--seeds 5]

Simulates each case below at the defaults (42 days, 14 of warm-up, 10 replications), one run per
seed, and prints per run the growth of work in progress per week as a share of the arrivals
(``wip_change`` over the lag between the parts it compares, ``arrivals_per_week``; mean and sd
over replications) and whether the run warned "work in progress grew". BPIC 2012 W's model is
calibrated first from ``$SIM_SHARED_DATA`` (default ``../shared/data``) into a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from sim.kpis.measures import WEEK, wip_change_lag  # noqa: E402


def _sim(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "sim", *args], cwd=ROOT, check=True, capture_output=True)


def _row(name: str, seed: int, run: Path) -> dict:
    kpis = json.loads((run / "kpis.json").read_text(encoding="utf-8"))
    table = pd.read_csv(run / "replications.csv")
    lag = wip_change_lag(kpis["scenario"]["horizon_days"] * 24.0)
    share = table["wip_change"] / lag * WEEK / table["arrivals_per_week"]
    warned = any("work in progress grew" in w for w in kpis["warnings"])
    return {"case": name, "seed": seed, "mean": share.mean(), "sd": share.std(), "warned": warned}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    data = Path(os.environ.get("SIM_SHARED_DATA", ROOT.parent / "shared" / "data"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        bpic = out / "bpic"
        _sim(
            "calibrate",
            f"log={data / 'bpic2012_w' / 'BPIC_2012_W_train.csv.gz'}",
            "backtest.enabled=false",
            "progress=false",
            f"hydra.run.dir={bpic}",
        )
        cases = {
            "M/M/1 at 97 %": [
                "process=mmc",
                "process.roles.server.headcount=1",
                "process.steps.service.duration.mean=0.97",
            ],
            "bundled CRM": [],
            "office closed at weekends, 81 %": [f"process={HERE / 'weekend_office.yaml'}"],
            "BPIC 2012 W, calibrated": [f"process={bpic / 'model.yaml'}"],
            "three roles held, 8 % short": [f"process={HERE / 'held_roles.yaml'}"],
        }
        rows = []
        for name, overrides in cases.items():
            for seed in range(1, args.seeds + 1):
                run = out / f"{len(rows)}"
                _sim(
                    "simulate",
                    *overrides,
                    f"seed={seed}",
                    "progress=false",
                    "output.report=false",
                    f"hydra.run.dir={run}",
                )
                rows.append(_row(name, seed, run))
                print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    summary = table.groupby("case", sort=False).agg(
        low=("mean", "min"), high=("mean", "max"), warned=("warned", "sum"), runs=("seed", "size")
    )
    print(summary.to_string(float_format=lambda x: f"{100 * x:+.1f} %"))


if __name__ == "__main__":
    main()
