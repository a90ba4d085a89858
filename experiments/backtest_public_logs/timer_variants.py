"""BPIC 2012 W: which way of replaying delays fits the training window best?

    python experiments/backtest_public_logs/timer_variants.py [key=value ...]

Calibrates the training file four ways (timers on the clock or in working hours of their role,
``delay_time``; one timer per step or one per way in where delays differ,
``delay_by_predecessor``) and compares each model, run long enough that nothing is cut, with the
cases that started in the training window (full log): cycle-time Wasserstein distance and
Kolmogorov-Smirnov statistic, mean and quantiles, and the mean gap before the first run of
``W_Valideren aanvraag`` in a case and before later runs (re-validations). Training data only:
the held-out period plays no part in this choice. ``key=value`` arguments add a variant with
those ``calibrate_model`` overrides.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp, wasserstein_distance

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import calibrate, parse_overrides  # noqa: E402
from drift_check import case_table  # noqa: E402
from pace_check import simulate_long, training_window_events  # noqa: E402

VARIANTS = {
    "clock, one timer per way in (default)": {},
    "clock, one timer per step": {"delay_by_predecessor": False},
    "working hours, one timer per way in": {"delay_time": "working"},
    "working hours, one timer per step": {"delay_time": "working", "delay_by_predecessor": False},
}
VALIDATION = "W_Valideren aanvraag"


def validation_gaps(events: pd.DataFrame) -> pd.Series:
    """Mean gap (h) before the first run of the validation in a case (1) and later runs (2)."""
    from sim.model import columns as C

    ev = events.sort_values([C.CASE, C.START], kind="stable")
    gap = (ev[C.START] - ev.groupby(C.CASE)[C.END].shift(1)) / pd.Timedelta(hours=1)
    new_run = ev.groupby(C.CASE)[C.ACTIVITY].shift(1) != ev[C.ACTIVITY]
    runs = ev.assign(gap=gap)[new_run]
    run_no = runs.groupby([C.CASE, C.ACTIVITY]).cumcount().clip(upper=1) + 1
    mine = (runs[C.ACTIVITY] == VALIDATION) & runs["gap"].notna()
    return runs.loc[mine, "gap"].groupby(run_no[mine]).mean()


def row(events: pd.DataFrame, history_ct: np.ndarray) -> dict[str, float]:
    ct = case_table(events)["ct"].to_numpy()
    gaps = validation_gaps(events)
    return {
        "Wasserstein h": wasserstein_distance(history_ct, ct),
        "KS": ks_2samp(history_ct, ct).statistic,
        "mean h": ct.mean(),
        **{f"q{int(100 * q)} h": np.quantile(ct, q) for q in (0.5, 0.9, 0.95)},
        "1st validation gap h": gaps.get(1, np.nan),
        "re-validation gap h": gaps.get(2, np.nan),
    }


def first_validation_split(model) -> dict[str, float]:
    """The default model's wait before a case's first validation, split into its timer and the
    wait after the timer (for the shift to open or a free person), over one 120-day run."""
    from sim.engine import run_replication
    from sim.kpis import trace_to_event_log
    from sim.model import columns as C
    from sim.model.scenario import Scenario

    trace = run_replication(model, Scenario(horizon_days=120, warmup_days=30), seed=1)
    ev = trace_to_event_log(trace).sort_values([C.CASE, C.START, C.END], kind="stable")
    timer = ev[C.ACTIVITY].isin(model.metadata["timer_steps"])
    base = ev[C.ACTIVITY].replace(model.metadata.get("step_activity") or {})
    prev = ev.groupby(C.CASE)[[C.START, C.END]].shift(1)
    work = ev.assign(base=base, prev_is_timer=timer.groupby(ev[C.CASE]).shift(1, fill_value=False))
    work = work.join(prev.add_prefix("prev_"))[~timer]
    first = (work["base"] == VALIDATION) & (work.groupby([C.CASE, "base"]).cumcount() == 0)
    rows = work[first & work["prev_is_timer"].astype(bool)]
    hours = pd.Timedelta(hours=1)
    return {
        "timer h": ((rows["prev_" + C.END] - rows["prev_" + C.START]) / hours).mean(),
        "after the timer h": ((rows[C.START] - rows["prev_" + C.END]) / hours).mean(),
    }


def main() -> None:
    # key=value arguments: one more variant with those calibrate_model overrides
    extra = parse_overrides(sys.argv[1:])
    if extra:
        VARIANTS[" ".join(sys.argv[1:])] = extra
    train, real_events = training_window_events()
    history_ct = case_table(real_events)["ct"].to_numpy()
    rows = {"history (training window, full log)": row(real_events, history_ct)}
    for label, kw in VARIANTS.items():
        rows[label] = row(simulate_long(calibrate(train, 0, kw)[0].model), history_ct)
    pd.set_option("display.width", 200)
    print(pd.DataFrame(rows).T.round(3).to_string())
    gaps = validation_gaps(train.events)
    print(
        f"\ntraining file: {VALIDATION} waits {gaps.get(1, np.nan):.1f} h before a case's first "
        f"run, {gaps.get(2, np.nan):.1f} h before later runs"
    )
    split = first_validation_split(calibrate(train, 0, {})[0].model)
    print(
        "default model, before a case's first validation: "
        + ", ".join(f"{k} {v:.1f}" for k, v in split.items())
    )


if __name__ == "__main__":
    main()
