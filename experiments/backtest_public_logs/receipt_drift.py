"""receipt: is the back-test's error the model's, or the log's drift?

    python experiments/backtest_public_logs/receipt_drift.py

receipt has completion times only (start times estimated, ``sim.eventlog.estimate``) and is
split by case start (first 80 % of cases to calibrate, as ``quick.py`` does). This prints, for
the training and the held-out part, the number of cases and the mean, median and p90 cycle time,
then the same by month of the cases' first start: if the cycle times change month after month,
no stationary model of the training months (nor the naive baseline, which replays them) can
match the held-out months.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import load  # noqa: E402


def cycle_times(events: pd.DataFrame) -> pd.DataFrame:
    """Per case: its first start and its cycle time in hours."""
    b = events.groupby("case_id").agg(first=("start_time", "min"), last=("end_time", "max"))
    return pd.DataFrame(
        {"first": b["first"], "ct_h": (b["last"] - b["first"]).dt.total_seconds() / 3600.0}
    )


def main() -> None:
    train, test = load("receipt")
    for name, log in (("training part", train), ("held-out part", test)):
        ct = cycle_times(log.events)
        print(
            f"{name}: {len(ct)} cases, cycle time mean {ct['ct_h'].mean():.1f} h, median "
            f"{ct['ct_h'].median():.1f} h, p90 {ct['ct_h'].quantile(0.9):.1f} h"
        )
        by_month = ct.groupby(ct["first"].dt.to_period("M"))["ct_h"]
        print(by_month.agg(["count", "mean", "median"]).round(1).to_string(), end="\n\n")


if __name__ == "__main__":
    main()
