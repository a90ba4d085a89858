"""How closely do two scenarios' replications pair up (common random numbers)?

For a staffing change, the sd of the paired differences (scenario - baseline, replication by
replication) of a KPI is what its confidence interval is made of: the smaller, the smaller a
change the comparison can prove. Printed for

* ``line``: the two-station line of tests/optimize (a clerk, then an expert, one each, both
  about 80 % busy), a second clerk, 200 replications, over the default 14 + 42 days and over
  the tests' 0.5 + 3 days;
* ``crm``: configs/process/crm_sales.yaml, three staffing changes, 30 replications;

with the engine as it is, or another copy of ``sim/engine/runner.py`` (``--runner``): the one
before per-case draws (``git show efe73e7:sim/engine/runner.py``), or one that draws a staffed
step's durations per case too (the engine with ``durations_per_case.patch`` applied).

    python experiments/benchmarks/crn_pairing.py
    git show efe73e7:sim/engine/runner.py > /tmp/runner_before.py
    python experiments/benchmarks/crn_pairing.py --runner /tmp/runner_before.py
    cp sim/engine/runner.py /tmp/runner_per_case.py
    patch /tmp/runner_per_case.py experiments/benchmarks/durations_per_case.patch
    python experiments/benchmarks/crn_pairing.py --runner /tmp/runner_per_case.py
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

from engine_speed import load_replication_class  # this folder, beside this script

from sim.kpis import kpi_table
from sim.model import from_dict, load
from sim.model.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
LINE = {
    "name": "line",
    "start": "intake",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
    "roles": {"clerk": {"headcount": 1}, "expert": {"headcount": 1}},
    "steps": {
        "intake": {
            "role": "clerk",
            "duration": {"dist": "exponential", "mean": 0.8},
            "next": "review",
        },
        "review": {
            "role": "expert",
            "duration": {"dist": "exponential", "mean": 0.8},
            "next": "done",
        },
    },
    "ends": {"done": {"success": True}},
}
KPIS = ("cycle_time_mean", "revenue_per_case", "dropoff_rate")


def replications(replication_cls, model, scenario: Scenario, seed: int):
    """``scenario.replications`` traces of ``model`` with that engine's ``Replication``."""
    return [
        replication_cls(model, scenario, seed=seed, replication=r).run()
        for r in range(scenario.replications)
    ]


def paired(replication_cls, model, changes: list[dict], n: int, seed: int, **scenario) -> None:
    """Print the mean and sd of the paired differences of ``KPIS`` for each staffing change
    (``scenario``: other ``Scenario`` settings, the default 14 + 42 days otherwise)."""
    base = kpi_table(
        replications(replication_cls, model, Scenario(replications=n, **scenario), seed), model
    )
    for staffing in changes:
        sc = Scenario(replications=n, staffing=staffing, **scenario)
        other = kpi_table(replications(replication_cls, model, sc, seed), model)
        parts = []
        for k in KPIS:
            if k in base.columns and k in other.columns:
                d = (other[k] - base[k]).to_numpy(dtype=float)
                parts.append(f"{k} {d.mean():+.2f} (sd {d.std(ddof=1):.2f})")
        where = f" ({scenario})" if scenario else ""
        print(f"  {model.name}{where} {staffing}: " + " | ".join(parts), flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--runner", help="path to another copy of sim/engine/runner.py")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    engine = load_replication_class(args.runner)
    print(f"runner {args.runner or 'sim/engine/runner.py'}")
    line = from_dict(copy.deepcopy(LINE))
    paired(engine, line, [{"clerk": 2}], 200, args.seed)
    # the tests' horizon: a short run, whose queues have not settled
    paired(engine, line, [{"clerk": 2}], 200, args.seed, horizon_days=3, warmup_days=0.5)
    crm = load(ROOT / "configs/process/crm_sales.yaml")
    changes = [{"legal": 2}, {"account_exec": 9}, {"sales_manager": 2, "pricing": 2}]
    paired(engine, crm, changes, 30, args.seed)


if __name__ == "__main__":
    main()
