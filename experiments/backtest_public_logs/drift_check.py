"""BPIC 2012 W: is the back-test's cycle-time error the model's, or the process's drift?

    python experiments/backtest_public_logs/drift_check.py [--replications 6]

The back-test compares a model of the training window (Oct 17 - Dec 15, 2011) with the test
window (Jan 7 - Mar 1, 2012). Both files keep only cases finished inside their window (right
truncation), so neither shows its window's process as it was; the full 8,616-case log, which
runs to Mar 14, does for cases that started by early February. This prints, for cases that
*started* in each window (full log) and for the calibrated model run long enough that nothing is
cut: the share of quick cases (cycle time < 24 h), the share of cases that are one
``W_Afhandelen leads`` and nothing else, the mean cycle time, and the mean of the cases >= 24 h;
then the back-test itself split the same way, and the model's error if its quick-case share were
the history's (composition-adjusted).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import calibrate, load  # noqa: E402
from run import DATA  # noqa: E402

QUICK_H = 24.0
LEAD = "W_Afhandelen leads"


def case_table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per case: arrival, cycle time (h), and whether it is one lead and nothing else."""
    from sim.model import columns as C

    df = df.sort_values([C.CASE, C.START], kind="stable")
    g = df.groupby(C.CASE, sort=False).agg(
        arrival=(C.START, "min"),
        end=(C.END, "max"),
        n=(C.ACTIVITY, "size"),
        first=(C.ACTIVITY, "first"),
    )
    g["ct"] = (g["end"] - g["arrival"]) / pd.Timedelta(hours=1)
    g["lead_only"] = (g["n"] == 1) & (g["first"] == LEAD)
    return g


def stats(g: pd.DataFrame) -> dict[str, float]:
    """The four figures of the module docstring."""
    quick = g["ct"] < QUICK_H
    return {
        "cases": float(len(g)),
        "quick share": float(quick.mean()),
        "lead-only share": float(g["lead_only"].mean()),
        "mean CT h": float(g["ct"].mean()),
        "mean CT >= 24 h": float(g.loc[~quick, "ct"].mean()),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=6)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    from sim.calibrate.backtest import backtest
    from sim.engine import run_replications
    from sim.eventlog import read_event_log
    from sim.kpis import trace_cases, trace_to_event_log
    from sim.model import columns as C
    from sim.model.scenario import Scenario

    train, test = load("bpic2012_w")
    full = case_table(read_event_log(DATA / "bpic2012_w/BPIC_2012_W.csv.gz").events)
    rows = {}
    for label, part in (("training window", train), ("test window", test)):
        first = case_table(part.events)["arrival"]
        started = full[(full["arrival"] >= first.min()) & (full["arrival"] <= first.max())]
        rows[f"full log, {label}"] = stats(started)
    cal, _ = calibrate(train, args.seed, {})
    m = cal.model
    long_run = Scenario(
        horizon_days=120, warmup_days=30, replications=3, drain=True, drain_days=400
    )
    timers = set(m.metadata.get("timer_steps", []))
    names = dict(m.metadata.get("step_activity") or {})
    sims = []
    for tr in run_replications(m, long_run, seed=args.seed + 1):
        cases = trace_cases(tr)
        keep = set(cases.loc[cases["measured"], "case_id"].astype(str))
        ev = trace_to_event_log(tr)
        ev = ev[ev[C.CASE].isin(keep) & ~ev[C.ACTIVITY].isin(timers)]
        sims.append(case_table(ev.assign(**{C.ACTIVITY: ev[C.ACTIVITY].replace(names)})))
    rows["model, nothing cut (3 x 120 days)"] = stats(pd.concat(sims))

    res = backtest(m, train, test, replications=args.replications, seed=args.seed, distances=False)
    hist = case_table(res.historical)
    rows["back-test: held-out history (closed cases)"] = stats(hist)
    closed = []
    for df in res.simulated:
        done = df.loc[df[C.OUTCOME].notna(), C.CASE].unique()
        closed.append(case_table(df[df[C.CASE].isin(done)]))
    sim = pd.concat(closed)
    rows["back-test: model (closed cases)"] = stats(sim)
    pd.set_option("display.width", 200)
    print(pd.DataFrame(rows).T.round(3).to_string())
    h, s = (
        rows["back-test: held-out history (closed cases)"],
        rows["back-test: model (closed cases)"],
    )
    quick_mean = float(sim.loc[sim["ct"] < QUICK_H, "ct"].mean())
    adjusted = h["quick share"] * quick_mean + (1 - h["quick share"]) * s["mean CT >= 24 h"]
    print(
        f"\nmodel error on the mean: {s['mean CT h'] / h['mean CT h'] - 1:+.1%}; with the history's "
        f"share of quick cases ({h['quick share']:.1%} instead of {s['quick share']:.1%}): "
        f"{adjusted / h['mean CT h'] - 1:+.1%}; cases >= 24 h alone: "
        f"{s['mean CT >= 24 h'] / h['mean CT >= 24 h'] - 1:+.1%}"
    )
    weekly = full.assign(week=full["arrival"].dt.tz_localize(None).dt.to_period("W"))
    print("\nshare of lead-only cases by week of arrival (full log):")
    by_week = weekly.groupby("week").agg(cases=("ct", "size"), lead_only=("lead_only", "mean"))
    by_week.index = [str(w.start_time.date()) for w in by_week.index]
    print(by_week[by_week["cases"] >= 50].round(3).to_string())


if __name__ == "__main__":
    main()
