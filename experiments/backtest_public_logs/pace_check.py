"""BPIC 2012 W: would a latent "pace" per case (one speed for all its waits) fit the log better?

    python experiments/backtest_public_logs/pace_check.py

The simulated cycle times of long cases are more spread out than the real ones. One suspect is a
case-level pace: if some customers answer fast at every step and others slowly, the gaps within
a case are correlated, which independent per-step delays cannot reproduce. This measures, for the
cases that started in the training window (full log, nothing cut), for the model calibrated on
the training file, and for a model calibrated on those complete cases instead (truncation off:
what the model's structure gives from data that nothing was cut from), each run long enough
that nothing is cut (2 x 120 days):

* the quantiles of the cycle time, of all cases and of those >= 24 h;
* the intraclass correlation (one-way ANOVA) of the gaps' log-residuals within a case: each gap
  between two events of a case, minus the mean log-gap of its activity and repetition (1st, 2nd,
  3rd, 4th+). A pace shared by a case's waits would show as a clearly positive correlation;
* the Spearman correlation between a long case's number of gaps and its mean log-gap (cases
  with many call-backs have shorter gaps), which the repetition steps of cause 3 should carry;
* the number of events of long cases, and their mean cycle time by that number.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import calibrate, load  # noqa: E402
from drift_check import case_table  # noqa: E402
from run import DATA  # noqa: E402

QUANTILES = [0.1, 0.25, 0.5, 0.75, 0.9, 0.95]
BUCKETS = [0, 3, 5, 8, 12, 20, 1000]


def gap_residuals(events: pd.DataFrame) -> pd.DataFrame:
    """Gaps (h) before each event of a case, with their log-residual per activity and repetition."""
    from sim.model import columns as C

    ev = events.sort_values([C.CASE, C.START], kind="stable").copy()
    prev_end = ev.groupby(C.CASE)[C.END].shift(1)
    ev["gap"] = (ev[C.START] - prev_end) / pd.Timedelta(hours=1)
    ev["repetition"] = ev.groupby([C.CASE, C.ACTIVITY]).cumcount().clip(upper=3)
    ev = ev[ev["gap"].notna() & (ev["gap"] > 1 / 60)]  # a minute or more: a wait, not a hand-off
    key = ev[C.ACTIVITY] + "#" + ev["repetition"].astype(str)
    log_gap = np.log(ev["gap"])
    ev["residual"] = log_gap - log_gap.groupby(key).transform("mean")
    return ev


def intraclass_correlation(ev: pd.DataFrame) -> tuple[float, int]:
    """ICC(1) of the residuals grouped by case (cases with two or more gaps), and the case count."""
    from sim.model import columns as C

    size = ev.groupby(C.CASE)["residual"].size()
    ev = ev[ev[C.CASE].isin(size[size >= 2].index)]
    g = ev.groupby(C.CASE)["residual"]
    k, means = g.size(), g.mean()
    grand = ev["residual"].mean()
    ms_between = (k * (means - grand) ** 2).sum() / (len(k) - 1)
    ms_within = ((ev["residual"] - ev[C.CASE].map(means)) ** 2).sum() / (len(ev) - len(k))
    k0 = (k.sum() - (k**2).sum() / k.sum()) / (len(k) - 1)
    return float((ms_between - ms_within) / (ms_between + (k0 - 1) * ms_within)), int(len(k))


def training_window_events():
    """The training file, and the full log's events of the cases that started in its window
    (nothing cut: the training window's process as it was)."""
    from sim.eventlog import read_event_log
    from sim.model import columns as C

    train, _ = load("bpic2012_w")
    full_events = read_event_log(DATA / "bpic2012_w/BPIC_2012_W.csv.gz").events
    full = case_table(full_events)
    first = case_table(train.events)["arrival"]
    started = full[(full["arrival"] >= first.min()) & (full["arrival"] <= first.max())]
    return train, full_events[full_events[C.CASE].isin(started.index)]


def simulate_long(model) -> pd.DataFrame:
    """The model's event log over 2 x 120 days, run until every case has ended (no timers, the
    log's activity names)."""
    from sim.engine import run_replications
    from sim.kpis import trace_cases, trace_to_event_log
    from sim.model import columns as C
    from sim.model.scenario import Scenario

    timers = set(model.metadata.get("timer_steps", []))
    names = dict(model.metadata.get("step_activity") or {})
    long_run = Scenario(
        horizon_days=120, warmup_days=30, replications=2, drain=True, drain_days=400
    )
    sim_events = []
    for i, trace in enumerate(run_replications(model, long_run, seed=1)):
        cases = trace_cases(trace)
        keep = set(cases.loc[cases["measured"], "case_id"].astype(str))
        ev = trace_to_event_log(trace)
        ev = ev[ev[C.CASE].isin(keep) & ~ev[C.ACTIVITY].isin(timers)]
        renamed = {C.ACTIVITY: ev[C.ACTIVITY].replace(names), C.CASE: f"{i}-" + ev[C.CASE]}
        sim_events.append(ev.assign(**renamed))
    return pd.concat(sim_events, ignore_index=True)


def main() -> None:
    from sim.model import columns as C

    train, real_events = training_window_events()
    complete = dataclasses.replace(train, events=real_events.reset_index(drop=True))

    runs = {
        "history (training window, full log)": real_events,
        "model (training file)": simulate_long(calibrate(train, 0, {})[0].model),
        "model (complete cases, truncation off)": simulate_long(
            calibrate(complete, 0, {"truncation": "off"})[0].model
        ),
    }
    rows = {}
    for label, events in runs.items():
        cases = case_table(events)
        long = cases["ct"] >= 24.0
        gaps = gap_residuals(events)
        icc, n = intraclass_correlation(gaps)
        per_case = gaps.groupby(C.CASE).agg(
            n=("residual", "size"), mean_log_gap=("gap", lambda x: np.log(x).mean())
        )
        per_case = per_case[per_case.index.isin(cases.index[long])]
        rho = spearmanr(per_case["n"], per_case["mean_log_gap"]).statistic
        rows[label] = {
            "CT mean": cases["ct"].mean(),
            **{f"CT q{int(100 * q)}": cases["ct"].quantile(q) for q in QUANTILES},
            **{f"CT >= 24 h q{int(100 * q)}": cases.loc[long, "ct"].quantile(q) for q in QUANTILES},
            "ICC of log-gaps within a case": icc,
            "cases (ICC)": n,
            "Spearman(gaps, mean log-gap), long cases": rho,
            "events per long case: mean": cases.loc[long, "n"].mean(),
            "events per long case: sd": cases.loc[long, "n"].std(),
        }
        count = cases.loc[long, "n"].astype(float)
        by_count = cases.loc[long, "ct"].groupby(pd.cut(count, BUCKETS), observed=True).mean()
        for bucket, mean in by_count.items():
            rows[label][f"mean CT, long cases with {bucket} events"] = mean
    pd.set_option("display.width", 200)
    print(pd.DataFrame(rows).round(3).to_string())


if __name__ == "__main__":
    main()
