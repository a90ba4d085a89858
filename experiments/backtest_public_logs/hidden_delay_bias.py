"""How short do hidden delays come out on a role busy around the clock? (README, calibration)

The log of ``tests/calibrate/test_calibrate_hidden_delays.py``'s REVIEW model (a hand-off delay
of mean 1 h, then one checker about 74 % busy, 24/7), written by our engine for each seed and
calibrated with hidden delays drawn within their range (the default) and at their lower bounds:
the mean of ``delay:check`` against the true 1 h.

    python experiments/backtest_public_logs/hidden_delay_bias.py [--seeds 8]   (~1 min)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "calibrate"))

from test_calibrate_hidden_delays import REVIEW  # noqa: E402

from sim.calibrate import calibrate_model  # noqa: E402
from sim.engine import run_replications  # noqa: E402
from sim.kpis.frames import trace_to_event_log  # noqa: E402
from sim.model import from_dict  # noqa: E402
from sim.model.scenario import Scenario  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=8)
    args = ap.parse_args()
    model = from_dict(REVIEW)
    scenario = Scenario(horizon_days=120, warmup_days=0, replications=1)
    drawn = []
    for seed in range(1, args.seeds + 1):
        (trace,) = run_replications(model, scenario, seed=seed)
        log = trace_to_event_log(trace).drop(columns=["replication"], errors="ignore")
        means = [
            calibrate_model(log, hidden_delays=h, truncation="off", seed=0)
            .model.steps["delay:check"]
            .duration.mean()
            for h in (True, False)
        ]
        drawn.append(means[0])
        print(f"seed {seed}: drawn within range {means[0]:.3f} h, lower bounds {means[1]:.3f} h")
    print(f"drawn within range: {min(drawn):.2f}-{max(drawn):.2f} h for a true 1 h")


if __name__ == "__main__":
    main()
