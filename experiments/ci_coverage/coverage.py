"""How often the printed 95 % intervals of an M/M/1 cover its closed-form values.

    python experiments/ci_coverage/coverage.py RHO HORIZON_DAYS WARMUP_DAYS REPLICATIONS RUNS

simulates an M/M/1 (arrivals 1 an hour, exponential service of RHO hours) RUNS times with
independent seeds, each run REPLICATIONS replications as ``python -m sim simulate`` does
(``sim.engine.run_replications`` + ``sim.kpis.kpi_report``), and prints, per KPI, the share of
runs whose 95 % interval holds the closed form (with its Wilson interval), how many missed
below, and the mean of the printed means. Closed forms: W = S / (1 - rho), Wq = rho W,
L = W (Little), utilisation rho; the sojourn time is exponential with mean W, so its median is
W ln 2, its p90 W ln 10 and its p95 W ln 20; the share of it spent waiting is Wq / W = rho.

The rows ``pooled:<kpi>`` are the pooled estimate of the same KPI with its sectioning interval
(``sim.kpis.stats.sectioning_interval``): the percentile of every replication's cases together,
the waiting share as total waiting over total cycle time of all replications, each with the
half width of the per-replication values' t-interval.
"""

from __future__ import annotations

import json
import math
import sys

import numpy as np
from scipy.stats import binomtest

from sim.engine import run_replications
from sim.kpis import cycle_time_table, kpi_report, kpi_table
from sim.kpis.stats import pooled_quantiles, sectioning_interval
from sim.model import from_dict
from sim.model.scenario import Scenario


def mm1(rho: float):
    """One server, arrivals 1 an hour, service of ``rho`` hours on average."""
    return from_dict(
        {
            "name": "mm1",
            "start": "service",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
            "roles": {"server": {"headcount": 1}},
            "steps": {
                "service": {
                    "role": "server",
                    "duration": {"dist": "exponential", "mean": rho},
                    "next": "done",
                }
            },
            "ends": {"done": {"success": True}},
        }
    )


PERCENTILES = {"cycle_time_median": 0.5, "cycle_time_p90": 0.9, "cycle_time_p95": 0.95}


def pooled(traces: list, table) -> dict[str, dict[str, float]]:
    """The pooled estimates' sectioning intervals of the percentiles and the waiting share."""
    qs, per = pooled_quantiles(
        cycle_time_table(traces), list(PERCENTILES.values()), value="cycle_time_h"
    )
    out = {
        f"pooled:{k}": sectioning_interval(q, per[p], bounds=(0.0, None))
        for (k, p), q in zip(PERCENTILES.items(), qs, strict=True)
    }
    # the total cycle time of a replication's finished cases: its mean times their number
    total = table["cycle_time_mean"] * (table["cases_completed"] + table["cases_dropped"])
    share = table["waiting_share:service"]
    out["pooled:waiting_share:service"] = sectioning_interval(
        float((share * total).sum() / total.sum()), share, bounds=(0.0, 1.0)
    )
    return out


def coverage(rho: float, horizon: float, warmup: float, reps: int, runs: int) -> dict:
    """The coverage of each KPI's interval over ``runs`` seeds (see the module docstring)."""
    model = mm1(rho)
    w = rho / (1 - rho)
    truth = {
        "cycle_time_mean": w,
        "waiting_mean:service": rho * w,
        "utilisation:server": rho,
        "wip_mean": w,
        "cycle_time_median": w * math.log(2),
        "cycle_time_p90": w * math.log(10),
        "cycle_time_p95": w * math.log(20),
        "waiting_share:service": rho,  # Wq / W
    }
    truth |= {f"pooled:{k}": truth[k] for k in (*PERCENTILES, "waiting_share:service")}
    hits = dict.fromkeys(truth, 0)
    below = dict.fromkeys(truth, 0)
    means: dict[str, list[float]] = {k: [] for k in truth}
    scenario = Scenario(horizon_days=horizon, warmup_days=warmup, replications=reps)
    for i in range(runs):
        traces = run_replications(model, scenario, seed=1000 + i, workers=1)
        table = kpi_table(traces, model)
        # the plain rows average per replication (kpis.json before it pooled: no cases given,
        # no time in process), the pooled:<kpi> rows pool (kpis.json since session 24)
        averaged = kpi_report(table.drop(columns=["time_in_process"]), model)["all"]
        report = averaged | pooled(traces, table)
        for k, t in truth.items():
            ci = report[k]
            means[k].append(ci["mean"])
            hits[k] += ci["ci_low"] <= t <= ci["ci_high"]
            below[k] += ci["ci_high"] < t
    out: dict = {"rho": rho, "horizon": horizon, "warmup": warmup, "reps": reps, "runs": runs}
    for k, t in truth.items():
        lo, hi = binomtest(hits[k], runs).proportion_ci(0.95, method="wilson")
        out[k] = {
            "truth": round(t, 4),
            "mean_of_means": round(float(np.mean(means[k])), 4),
            "cover": hits[k] / runs,
            "cover_ci": [round(lo, 3), round(hi, 3)],
            "missed_below": below[k],
        }
    return out


if __name__ == "__main__":
    rho, horizon, warmup = (float(x) for x in sys.argv[1:4])
    print(json.dumps(coverage(rho, horizon, warmup, int(sys.argv[4]), int(sys.argv[5])), indent=1))
