"""Does calibrating on the recent part of the training log follow BPIC 2012 W's drift?

    python experiments/backtest_public_logs/recency_probe.py      # about 3 minutes

Calibrates on all training cases and on the later half of them (by case start), and back-tests
each (20 replications, seed 0) twice: inside the training file (first 80 % of its cases to fit,
the rest to test: what a user could validate with) and on the real test file. Prints the mean
cycle-time error and its 95 % CI in percent.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import calibrate, load  # noqa: E402


def error(train, test, fit_on) -> tuple[float, float, float]:
    """Mean cycle-time error of a model calibrated on ``fit_on`` (percent, with its 95 % CI)."""
    from sim.calibrate.backtest import backtest

    cal, _ = calibrate(fit_on, 0, {})
    res = backtest(cal.model, train, test, replications=20, seed=0, distances=False).to_dict()
    v = res["model"]["cycle_time_mean_relerr"]
    return round(v["mean"] * 100, 1), round(v["ci_low"] * 100, 1), round(v["ci_high"] * 100, 1)


def main() -> None:
    from sim.eventlog import split_by_time

    train, test = load("bpic2012_w")
    inner_train, inner_test = split_by_time(train, train_fraction=0.8)
    for part in (1.0, 0.5):
        outer = train if part == 1.0 else split_by_time(train, train_fraction=1 - part)[1]
        inner = (
            inner_train if part == 1.0 else split_by_time(inner_train, train_fraction=1 - part)[1]
        )
        print(
            f"fit on the last {part:.0%} of training cases: "
            f"inside the training file {error(inner_train, inner_test, inner)}, "
            f"on the test file {error(train, test, outer)}",
            flush=True,
        )


if __name__ == "__main__":
    main()
