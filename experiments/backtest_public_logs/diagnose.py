"""Where does a back-test's simulated cycle time depart from history? (diagnosis per log)

    python experiments/backtest_public_logs/diagnose.py bpic2012_w [--replications 2] [key=value ...]

Calibrates the training part (keyword overrides are passed to ``calibrate_model``, e.g.
``low_utilisation=0.2``), back-tests it without the slow log distances, and prints, per step,
history vs model vs naive baseline: visits per case, mean waiting, mean processing; then the
cycle-time summary, the distribution of events per closed case and the calibration notes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import calibrate, load, parse_overrides  # noqa: E402


def _m(section: dict, key: str) -> float:
    v = section.get(key)
    if isinstance(v, dict):
        return v.get("mean", np.nan)
    return np.nan if v is None else v


def _case_sizes(df: pd.DataFrame, closed: set[str] | None = None) -> pd.Series:
    from sim.model import columns as C

    if closed is not None:
        df = df[df[C.CASE].astype(str).isin(closed)]
    return df.groupby(C.CASE).size()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--replications", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--in-sample",
        action="store_true",
        help="compare with the training part itself (no warm-up): does the model reproduce "
        "the history it was calibrated on?",
    )
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_intermixed_args()  # key=value before or after the options
    kw = parse_overrides(args.overrides)
    from sim.calibrate.backtest import backtest

    train, test = load(args.log)
    if args.in_sample:
        test = train
    cal, seconds = calibrate(train, args.seed, kw)
    print(f"calibrated in {seconds:.1f} s")
    res = backtest(
        cal.model, train, test, replications=args.replications, seed=args.seed, distances=False
    )
    r = res.to_dict()
    real, mo, ba = r["test"]["kpis"], r["model"], r.get("baseline", {})
    steps = sorted(k.split(":", 1)[1] for k in real if k.startswith("waiting_mean:"))
    rows = []
    for s in steps:
        row = {"step": s[:30]}
        for what in ("visits_per_case", "waiting_mean", "processing_mean"):
            key = f"{what}:{s}"
            row[f"{what[:5]} hist"] = real.get(key, np.nan)
            row[f"{what[:5]} model"] = _m(mo, key)
            row[f"{what[:5]} naive"] = _m(ba, key)
        rows.append(row)
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 20)
    print(pd.DataFrame(rows).set_index("step").round(3).to_string())
    # time per case by component (visits x mean): waiting vs processing
    tot = {}
    for src, sec in (("hist", None), ("model", mo), ("naive", ba)):
        w = p = 0.0
        for s in steps:
            get = (
                (lambda k: real.get(k, np.nan)) if sec is None else (lambda k, sec=sec: _m(sec, k))
            )
            v = get(f"visits_per_case:{s}")
            if np.isfinite(v):
                w += v * np.nan_to_num(get(f"waiting_mean:{s}"))
                p += v * np.nan_to_num(get(f"processing_mean:{s}"))
        tot[src] = (w, p)
    print(
        "per case (all measured cases): waiting / processing h:",
        {k: (round(a, 1), round(b, 1)) for k, (a, b) in tot.items()},
    )
    for key in ("cycle_time_mean", "cycle_time_median", "cycle_time_p90"):
        print(
            f"{key}: hist {real.get(key, np.nan):.4g}  model {_m(mo, key):.4g} "
            f"({_m(mo, key + '_relerr'):+.1%})  naive {_m(ba, key):.4g} ({_m(ba, key + '_relerr'):+.1%})"
        )
    print(
        f"CT Wasserstein h: model {_m(mo, 'cycle_time_wasserstein_h'):.4g}  "
        f"naive {_m(ba, 'cycle_time_wasserstein_h'):.4g}"
    )
    print(
        f"closed cases: hist {real.get('cases_arrived', 0) - real.get('cases_in_progress', 0):.0f}"
        f" of {real.get('cases_arrived', 0):.0f}; model cases {_m(mo, 'cases'):.0f}"
    )
    hs = _case_sizes(res.historical)
    ms = _case_sizes(res.simulated[0])
    q = [0.5, 0.75, 0.9, 0.95, 0.99]
    print("events per case quantiles", q)
    print("  hist ", np.quantile(hs, q), "mean", round(hs.mean(), 2))
    print("  model", np.quantile(ms, q), "mean", round(ms.mean(), 2))
    print("notes:")
    for n in cal.notes:
        print("  -", n)
    print("timers:", cal.model.metadata.get("timer_steps"))
    for rn, role in cal.model.roles.items():
        print(
            f"  {rn}: {role.headcount} people, util {role.provenance.get('utilisation_in_log')}, "
            f"{role.provenance['calendar']['working_hours_per_week']} h/week"
        )


if __name__ == "__main__":
    main()
