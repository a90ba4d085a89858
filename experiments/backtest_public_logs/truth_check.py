"""Is the calibrated model off, or is the held-out sample? (synthetic logs only)

    python experiments/backtest_public_logs/truth_check.py [--replications 20] [--only NAME]
        [--warmup-volume model|training] [--in-sample]

A synthetic log's held-out part is 200 cases: its mean cycle time is itself uncertain by 5-13 %,
so "within 5 % of the held-out history" cannot be told apart from noise on most of these logs.
Their generating Prosimos models are in the data folder, and our engine runs them (the Prosimos
cross-check, issue 6, shows it reproduces Prosimos). This script back-tests, over the same test
period with the same arrival scaling and extract cut, (a) the model calibrated on the training
part and (b) the generating model itself, and prints both errors against the held-out history
and the calibrated model's error against the generating model, with 95 % CIs over replications
(delta method on the ratio of two independent means). (b)'s error is what the held-out sample's
luck costs any model, the true one included.

The generating model's warm-up runs at its own arrival rate, or (``--warmup-volume training``)
scaled to the training part's volume: Prosimos starts one case more per working day than our
engine does from the same arrival parameters (its arrival rule, see the Prosimos cross-check),
and the loan and procure-to-pay models are overloaded, so their backlogs depend on that volume.

``--in-sample`` compares both models with the training part itself instead (simulated from an
empty system over the training period, with the training part's number of cases, like the log's
generator): does the calibrated model reproduce the history it was fitted on, and does the
generating model, run in our engine, reproduce its own log? No held-out noise and no drift.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import calibrate, load  # noqa: E402
from run import DATA, LOGS  # noqa: E402


def generating_model(name: str):
    """The Prosimos model that generated ``name``'s log, in our engine (None if there is none)."""
    from sim.model.interchange import BpmnImportWarning, load_bpmn

    if not name.startswith("synth_"):
        return None
    folder = (DATA / LOGS[name][0]).parent
    bpmns, jsons = sorted(folder.glob("*.bpmn")), sorted(folder.glob("*.json"))
    if not bpmns or not jsons:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        return load_bpmn(bpmns[0], params_path=jsons[0])


def _per_rep(res: dict) -> np.ndarray:
    """Mean cycle time of each replication (history error -> simulated mean)."""
    real = res["test"]["kpis"]["cycle_time_mean"]
    errs = np.asarray(res["model"]["cycle_time_mean_relerr"]["per_replication"], dtype=float)
    return real * (1.0 + errs)


def check(
    name: str, replications: int, seed: int, warmup_volume: str = "model", in_sample: bool = False
) -> dict:
    """Back-test the calibrated and the generating model of ``name`` (see the module docstring);
    ``in_sample``: against the training part instead of the held-out part."""
    from sim.calibrate.backtest import backtest
    from sim.kpis import relative_difference

    truth = generating_model(name)
    if truth is None:
        return {"log": name, "skipped": "no generating model in the data folder"}
    train, test = load(name)
    if in_sample:
        test = train
    cal, _ = calibrate(train, seed, {})
    kw = dict(replications=replications, seed=seed, distances=False, baseline=False)
    r_cal = backtest(cal.model, train, test, **kw).to_dict()
    r_true = backtest(truth, train, test, warmup_volume=warmup_volume, **kw).to_dict()
    hist = r_cal["test"]["kpis"]["cycle_time_mean"]
    ct_cal, ct_true = _per_rep(r_cal), _per_rep(r_true)
    e = r_cal["model"]["cycle_time_mean_relerr"]
    t = r_true["model"]["cycle_time_mean_relerr"]
    vs_truth = relative_difference(ct_cal, ct_true)
    return {
        "log": name,
        "history_h": hist,
        "calibrated_h": float(ct_cal.mean()),
        "generating_h": float(ct_true.mean()),
        "calibrated_vs_history": [e["mean"], e["ci_low"], e["ci_high"]],
        "generating_vs_history": [t["mean"], t["ci_low"], t["ci_high"]],
        "calibrated_vs_generating": list(vs_truth),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default=None)
    ap.add_argument("--warmup-volume", choices=("model", "training"), default="model")
    ap.add_argument(
        "--in-sample", action="store_true", help="compare with the training part, not the held-out"
    )
    args = ap.parse_args()
    names = [args.only] if args.only else [n for n in LOGS if n.startswith("synth_")]
    rows = [
        check(n, args.replications, args.seed, args.warmup_volume, args.in_sample) for n in names
    ]
    part = "training part" if args.in_sample else "held-out"
    print(json.dumps(rows, indent=1, default=float), file=sys.stderr)

    def pct(v: list[float]) -> str:
        return f"{v[0]:+.1%} [{v[1]:+.1%}, {v[2]:+.1%}]"

    print(
        f"| log | {part} CT h | calibrated vs {part} | generating model vs {part} | "
        "calibrated vs generating model |"
    )
    print("|---|---|---|---|---|")
    for r in rows:
        if "skipped" in r:
            print(f"| {r['log']} | - | - | - | {r['skipped']} |")
            continue
        print(
            f"| {r['log']} | {r['history_h']:.3g} | {pct(r['calibrated_vs_history'])} | "
            f"{pct(r['generating_vs_history'])} | **{pct(r['calibrated_vs_generating'])}** |"
        )


if __name__ == "__main__":
    main()
