"""BPIC 2012 W: our calibrated model against the model another tool discovered from the same log.

    python experiments/backtest_public_logs/peer_model_check.py [--replications 10]

The data folder holds ``BPIC_2012_W.bpmn`` + ``.json``: Prosimos parameters discovered from the
log by the peer pipeline of the extraneous-activity-delays study (structure, one resource pool,
duration distributions, calendars; no extraneous delays: that study's input). Both models are
back-tested by ``sim.calibrate.backtest`` over the same held-out period with the same arrival
volume, the same extract cut and the same measures (Simod's log distances included), so the
figures compare like with like. The peer model's warm-up runs at the training file's volume
(``warmup_volume="training"``, as for any model calibrated elsewhere); ours at its own rate.
What the comparison shows is how much of BPIC's cycle time is waiting that neither queueing
for a pool nor a calendar explains (the extraneous delays), not a verdict on the peer tool,
whose full pipeline adds those delays afterwards.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import calibrate, load  # noqa: E402
from run import DATA  # noqa: E402

FIGURES = (
    ("cycle_time_mean_relerr", "mean CT error", "%"),
    ("cycle_time_p90_relerr", "p90 CT error", "%"),
    ("cycle_time_wasserstein_h", "CT Wasserstein h", ""),
    ("cycle_time_emd", "CT EMD (Simod)", ""),
    ("ngram_3", "3-gram", ""),
    ("circadian_emd", "circadian EMD", ""),
    ("arrival_emd", "arrival EMD", ""),
    ("relative_emd", "relative EMD", ""),
)


def peer_model():
    """The discovered Prosimos model in our engine (its import warnings say what it changes)."""
    from sim.model.interchange import BpmnImportWarning, load_bpmn

    folder = DATA / "bpic2012_w"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        return load_bpmn(folder / "BPIC_2012_W.bpmn", params_path=folder / "BPIC_2012_W.json")


def _cell(summary: dict, unit: str) -> str:
    if not summary:
        return "-"
    mean, lo, hi = summary["mean"], summary.get("ci_low"), summary.get("ci_high")
    if unit == "%":
        return f"{100 * mean:+.1f} % [{100 * lo:+.1f}, {100 * hi:+.1f}]"
    return f"{mean:.3g}"


def main() -> None:
    from sim.calibrate.backtest import backtest

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    train, test = load("bpic2012_w")
    ours, _ = calibrate(train, args.seed, {})
    models = {
        "calibrated here": (ours.model, "model"),
        "discovered by the peer pipeline": (peer_model(), "training"),
    }
    rows = {}
    for label, (model, volume) in models.items():
        res = backtest(
            model,
            train,
            test,
            replications=args.replications,
            seed=args.seed,
            warmup_volume=volume,
            workers=None,
        ).to_dict()
        rows[label] = res["model"]
        rows.setdefault("naive baseline", res.get("baseline") or {})
    print(f"BPIC 2012 W, held-out period, {args.replications} replications (95 % CI of errors)")
    print("| model | " + " | ".join(name for _, name, _ in FIGURES) + " |")
    print("|---" * (len(FIGURES) + 1) + "|")
    for label, figures in rows.items():
        found = {**figures, **(figures.get("distances") or {})}
        cells = [_cell(found.get(key) or {}, unit) for key, _, unit in FIGURES]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
