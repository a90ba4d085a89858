"""Cause 27: is the share of a step sent to another role first recovered from a busy log?

Our engine writes logs of a known model (clerks do intake and review; seniors approve and take
25 % of the reviews first, at their own pace; when every clerk is busy a senior takes the review
too). Each log is calibrated; the script prints the share the calibrated model sends to the
seniors first (read from the reviews ready while clerks and seniors both had somebody free),
the share of all reviews the seniors did (what a calibration reading every instance would
take), and the seniors' share of the reviews when the calibrated and the true model run.

    python experiments/backtest_public_logs/alternatives_check.py [--logs 8] [--gap 0.6]
"""

from __future__ import annotations

import argparse

import numpy as np

from sim.calibrate import calibrate_model
from sim.engine import run_replication, run_replications
from sim.kpis import trace_to_event_log
from sim.model import from_dict
from sim.model.scenario import Scenario

TRUE_SHARE = 0.25


def truth(gap: float):
    """The known model: a case every ``gap`` hours (0.6: clerks 64 % busy)."""
    return from_dict(
        {
            "name": "alternatives_truth",
            "start": "intake",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": gap}},
            "roles": {"clerk": {"headcount": 3}, "senior": {"headcount": 2}},
            "steps": {
                "intake": {
                    "role": "clerk",
                    "duration": {"dist": "gamma", "mean": 0.4, "std": 0.2},
                    "next": "review",
                },
                "review": {
                    "role": "clerk",
                    "duration": {"dist": "gamma", "mean": 1.0, "std": 0.5},
                    "alternatives": {
                        "senior": {
                            "duration": {"dist": "exponential", "mean": 0.3},
                            "share": TRUE_SHARE,
                        }
                    },
                    "next": "approve",
                },
                "approve": {
                    "role": "senior",
                    "duration": {"dist": "gamma", "mean": 0.3, "std": 0.1},
                    "next": "done",
                },
            },
            "ends": {"done": {"success": True}},
        }
    )


def simulated_share(model, own_role: str) -> float:
    """Share of the reviews people of another role than ``own_role`` do (5 replications)."""
    sc = Scenario(horizon_days=60, warmup_days=0, replications=5)
    out = []
    for t in run_replications(model, sc, seed=9):
        mine = t.ev_activity == t.activities.index("review")
        out.append(np.mean(np.array(t.resource_roles)[t.ev_resource[mine]] != own_role))
    return float(np.mean(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--logs", type=int, default=8)
    ap.add_argument("--gap", type=float, default=0.6, help="mean hours between cases")
    args = ap.parse_args()
    model = truth(args.gap)
    first, raw, sim_cal, sim_true = [], [], [], []
    print("log  first-choice share  share of all reviews  simulated: calibrated / true model")
    for seed in range(1, args.logs + 1):
        trace = run_replication(model, Scenario(horizon_days=60, warmup_days=0), seed=seed)
        cal = calibrate_model(trace_to_event_log(trace), seed=0)
        step = cal.model.steps["review"]
        (alt,) = step.alternatives
        first.append(alt.share)
        raw.append(alt.provenance["n"] / alt.provenance["of"])
        sim_cal.append(simulated_share(cal.model, step.roles[0]))
        sim_true.append(simulated_share(model, "clerk"))
        print(
            f"{seed:3d}  {first[-1]:18.3f}  {raw[-1]:20.3f}  {sim_cal[-1]:.3f} / {sim_true[-1]:.3f}"
        )

    def mean_se(x: list[float]) -> str:
        a = np.asarray(x)
        return f"{a.mean():.3f} ± {a.std(ddof=1) / np.sqrt(a.size):.3f}"

    print(
        f"mean ± se over {args.logs} logs (true first-choice share {TRUE_SHARE}): first-choice "
        f"{mean_se(first)}, all reviews {mean_se(raw)}; simulated calibrated "
        f"{mean_se(sim_cal)} against the true model {mean_se(sim_true)}"
    )


if __name__ == "__main__":
    main()
