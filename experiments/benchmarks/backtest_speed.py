"""Back-test of BPIC 2012 W: one worker process against every core, in the same run.

    python experiments/benchmarks/backtest_speed.py [--rounds 3] [--replications 5]

Calibrates the training file once, then runs ``backtest`` (the README's calibrate command's
back-test: model and naive baseline, Simod's log distances, the in-sample check) with
``workers=1`` and ``workers=None`` (every available core), alternating, ``--rounds`` times each.
Prints each run's wall time, the simulation's share, the best and median of each side and their
ratio, and checks that both give the same figures (the distances and errors do not depend on
the number of workers).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import warnings
from pathlib import Path

SHARED = (
    Path(
        os.environ.get(
            "SIM_SHARED_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"
        )
    )
    / "bpic2012_w"
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--replications", type=int, default=5)
    args = ap.parse_args()

    from sim.calibrate import calibrate_model
    from sim.calibrate.backtest import backtest
    from sim.engine import available_cores
    from sim.eventlog import read_event_log

    train = read_event_log(SHARED / "BPIC_2012_W_train.csv.gz")
    test = read_event_log(SHARED / "BPIC_2012_W_test.csv.gz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = calibrate_model(train, seed=0).model
    print(f"{available_cores()} cores available")
    times: dict[str, list[float]] = {"1 worker": [], "all cores": []}
    figures: dict[str, str] = {}
    for r in range(args.rounds):
        for label, workers in (("1 worker", 1), ("all cores", None)):
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = backtest(
                    model,
                    train,
                    test,
                    replications=args.replications,
                    seed=0,
                    in_sample=True,
                    workers=workers,
                ).to_dict()
            seconds = time.perf_counter() - t0
            times[label].append(seconds)
            res["settings"].pop("seconds")
            sim_s = res["settings"].pop("simulation_seconds")
            figures[label] = json.dumps(res, sort_keys=True, default=str)
            print(f"round {r + 1}, {label:9}: {seconds:5.1f} s (simulation {sim_s:.1f} s)")
    for label, ts in times.items():
        print(f"{label:9}: best {min(ts):5.1f} s, median {statistics.median(ts):5.1f} s")
    ratio_best = min(times["1 worker"]) / min(times["all cores"])
    ratio_median = statistics.median(times["1 worker"]) / statistics.median(times["all cores"])
    print(f"speed-up with all cores: {ratio_best:.2f}x (best), {ratio_median:.2f}x (median)")
    same = figures["1 worker"] == figures["all cores"]
    print("same figures with 1 worker and all cores:", "yes" if same else "NO")


if __name__ == "__main__":
    main()
