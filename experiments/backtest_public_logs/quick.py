"""Quick back-test of every log without the slow log distances (for iterating on calibration).

    python experiments/backtest_public_logs/quick.py [--replications 3] [--outside-bars] [key=value ...]

Keyword overrides go to ``calibrate_model`` (e.g. ``unroll_runs=1 truncation=off``). Prints, per
log: mean cycle time of the held-out history, the relative error of the model's and the naive
baseline's mean and p90, the cycle-time Wasserstein distances (hours), and the share of first
starts that look queued (``first_starts_queued_share``; the arrival rate is called a lower bound
when its 99 % lower bound after the first tenth of the cases exceeds 80 %) and the range one run's mean falls in (95 % prediction interval over the replications,
relative to the held-out mean: can the history be one run of the model?).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import OUTSIDE_BARS, calibrate, load, parse_overrides  # noqa: E402
from run import LOGS  # noqa: E402


def one(name: str, replications: int, seed: int, kw: dict) -> dict:
    from sim.calibrate.backtest import backtest

    train, test = load(name)
    cal, t_cal = calibrate(train, seed, kw)
    res = backtest(
        cal.model, train, test, replications=replications, seed=seed, distances=False
    ).to_dict()

    def m(sec: str, key: str, part: str = "mean") -> float | None:
        v = res.get(sec, {}).get(key)
        return v.get(part) if isinstance(v, dict) else None

    return {
        "log": name,
        "calibrate_s": round(t_cal, 2),
        "ct_test_h": res["test"]["kpis"].get("cycle_time_mean"),
        "model_err": m("model", "cycle_time_mean_relerr"),
        "model_err_ci": [
            m("model", "cycle_time_mean_relerr", "ci_low"),
            m("model", "cycle_time_mean_relerr", "ci_high"),
        ],
        "naive_err": m("baseline", "cycle_time_mean_relerr"),
        "model_p90": m("model", "cycle_time_p90_relerr"),
        "naive_p90": m("baseline", "cycle_time_p90_relerr"),
        "model_w": m("model", "cycle_time_wasserstein_h"),
        "naive_w": m("baseline", "cycle_time_wasserstein_h"),
        "steps": len(cal.model.steps),
        "queued_first": cal.model.metadata["arrival_profile"].get("first_starts_queued_share"),
        # where one run's mean falls (95 %), relative to the held-out mean
        "one_run_95": [
            x / res["test"]["kpis"]["cycle_time_mean"] - 1.0
            for x in res["model"]["cycle_time_mean_prediction95"]
        ],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default=None)
    ap.add_argument(
        "--outside-bars",
        action="store_true",
        help=f"the real logs outside the quality bars instead ({', '.join(OUTSIDE_BARS)})",
    )
    ap.add_argument(
        "--preview-warmup-rate",
        action="store_true",
        help="emulate the proposed warmup_arrival_scale (see engine_preview.py)",
    )
    ap.add_argument(
        "--preview-working-timers",
        action="store_true",
        help="delay_time=working: timers count working hours of their role's calendar "
        "(Step.calendar, in the engine since 2026-12-02; same as the key delay_time=working)",
    )
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_intermixed_args()  # key=value before or after the options
    kw = parse_overrides(args.overrides)
    if args.one:
        if args.preview_warmup_rate:
            import engine_preview

            engine_preview.enable()
        if args.preview_working_timers:
            kw["delay_time"] = "working"
        try:
            print(json.dumps(one(args.one, args.replications, args.seed, kw)))
        except Exception as exc:  # report and go on
            print(json.dumps({"log": args.one, "error": f"{type(exc).__name__}: {exc}"}))
        return
    names = args.only.split(",") if args.only else list(OUTSIDE_BARS if args.outside_bars else LOGS)

    def launch(name: str) -> dict:
        cmd = [sys.executable, __file__, "--one", name, "--replications", str(args.replications)]
        cmd += ["--seed", str(args.seed), *args.overrides]
        if args.preview_warmup_rate:
            cmd.append("--preview-warmup-rate")
        if args.preview_working_timers:
            cmd.append("--preview-working-timers")
        out = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parents[1])
        lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
        return json.loads(lines[-1]) if lines else {"log": name, "error": out.stderr[-300:]}

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(launch, names))

    def share(x):
        return "-" if x is None else f"{100 * x:.1f}%"

    def f(x, pct=False):
        if x is None:
            return "-"
        return f"{x * 100:+.1f}%" if pct else f"{x:.3g}"

    print(
        f"{'log':26s} {'CT h':>6s} {'err model/naive':>18s} {'model err 95% CI':>18s} "
        f"{'p90 model/naive':>18s} "
        f"{'W model/naive':>16s} {'cal s':>6s} steps queued 1st {'one run 95%':>18s}"
    )
    for r in results:
        if "error" in r:
            print(f"{r['log']:26s} error: {r['error']}")
            continue
        print(
            f"{r['log']:26s} {f(r['ct_test_h']):>6s} "
            f"{f(r['model_err'], True):>8s} / {f(r['naive_err'], True):>7s} "
            f"{'[' + f(r['model_err_ci'][0], True) + ', ' + f(r['model_err_ci'][1], True) + ']':>18s} "
            f"{f(r['model_p90'], True):>8s} / {f(r['naive_p90'], True):>7s} "
            f"{f(r['model_w']):>7s} / {f(r['naive_w']):>6s} {r['calibrate_s']:6.1f} {r['steps']:5d} "
            f"{share(r.get('queued_first')):>10s} "
            f"{'[' + f(r['one_run_95'][0], True) + ', ' + f(r['one_run_95'][1], True) + ']':>18s}"
        )


if __name__ == "__main__":
    main()
