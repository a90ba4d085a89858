"""Delays that depend on where the case came from (``calibrate_model(delay_by_predecessor=...)``).

Applications reach the check either on the web (the check follows within hours) or by post
(the check waits two days for the paper file). One timer before the check drawn from both ways
in gives every application the mixture, a day on average; the log says which way each came.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model
from sim.engine import run_replications
from sim.kpis import trace_to_event_log
from sim.model import columns as C
from sim.model.scenario import Scenario

WEB_DELAY, POST_DELAY, ALIKE_DELAY = 2.0, 48.0, 20.0


def _intake_log(
    *, alike: bool, n_cases: int = 1600, seed: int = 3, walk_ins: float = 0.0
) -> pd.DataFrame:
    """Half the cases 'web', half 'post', then 'check' after an exponential delay whose mean
    depends on the way in (or not, ``alike``). Many checkers: nobody queues. A share
    ``walk_ins`` of the cases starts with the check itself (no intake, so no delay is seen)."""
    rng = np.random.default_rng(seed)
    rows, t0 = [], pd.Timestamp("2024-01-01")
    for i in range(n_cases):
        t = i + rng.uniform(0.0, 1.0)  # at any hour: everybody works around the clock
        if rng.random() < walk_ins:
            rows.append((f"c{i}", "check", t, t + 0.3, f"checker{i % 60}"))
            continue
        way = "web" if rng.random() < 0.5 else "post"
        rows.append((f"c{i}", way, t, t + 0.2, f"clerk{i % 30}"))
        mean = ALIKE_DELAY if alike else (WEB_DELAY if way == "web" else POST_DELAY)
        start = t + 0.2 + rng.exponential(mean)
        rows.append((f"c{i}", "check", start, start + 0.3, f"checker{i % 60}"))
    df = pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])
    for c in ("start_time", "end_time"):
        df[c] = t0 + pd.to_timedelta(df[c], unit="h")
    return df


def _observed_delays(log: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per way in: the time from its end to the start of the check (hours)."""
    first = log[log["activity"] != "check"].set_index("case_id")
    check = log[log["activity"] == "check"].set_index("case_id")
    check = check[check.index.isin(first.index)]  # walk-ins have no way in
    gap = (check["start_time"] - first.loc[check.index, "end_time"]) / pd.Timedelta(hours=1)
    way = first.loc[check.index, "activity"]
    return {w: gap[way == w].to_numpy() for w in ("web", "post")}


def _simulated_waits(model, seed: int = 1) -> dict[str, np.ndarray]:
    timers = set(model.metadata["timer_steps"])
    out: dict[str, list[np.ndarray]] = {"web": [], "post": []}
    scenario = Scenario(horizon_days=40, warmup_days=2, replications=2)
    for trace in run_replications(model, scenario, seed=seed):
        ev = trace_to_event_log(trace)
        ev = ev[~ev[C.ACTIVITY].isin(timers)].sort_values([C.CASE, C.START], kind="stable")
        prev_act = ev.groupby(C.CASE)[C.ACTIVITY].shift(1)
        prev_end = ev.groupby(C.CASE)[C.END].shift(1)
        check = (ev[C.ACTIVITY] == "check") & prev_act.notna()
        gap = ((ev[C.START] - prev_end) / pd.Timedelta(hours=1))[check]
        for w in out:
            out[w].append(gap[prev_act[check] == w].to_numpy())
    return {w: np.concatenate(v) for w, v in out.items()}


def test_a_delay_that_depends_on_the_way_in_gets_a_timer_per_way():
    log = _intake_log(alike=False, walk_ins=0.1)
    model = calibrate_model(log, dropoff_outcomes=[], seed=0).model
    # walk-ins never waited before their check: the start leads straight to it, no timer
    assert "delay:check (after start)" not in model.steps
    assert "check" in {b.to for b in model.decisions["start"].branches}
    observed = _observed_delays(log)
    for way, true_mean in (("web", WEB_DELAY), ("post", POST_DELAY)):
        timer = model.steps[f"delay:check (after {way})"]
        x = observed[way]
        assert timer.next == "check" and timer.provenance["after"] == way
        # the fit keeps the sample mean, which lies within its 95 % CI of the truth
        assert timer.duration.mean() == pytest.approx(x.mean(), rel=0.02)
        assert abs(x.mean() - true_mean) <= 1.96 * x.std(ddof=1) / np.sqrt(x.size)
        assert timer.provenance["split_by_predecessor"]["differ"]
    assert "delay:check" not in model.steps  # no other way in
    assert any("one timer per way in" in n for n in model.metadata["notes"])
    # simulated, each way keeps its own wait (the mixture would give both about 25 h)
    waits = _simulated_waits(model)
    for way, true_mean in (("web", WEB_DELAY), ("post", POST_DELAY)):
        w = waits[way]
        assert abs(w.mean() - true_mean) <= 3.0 * w.std(ddof=1) / np.sqrt(w.size) + 0.3


def test_delays_alike_on_every_way_in_share_one_timer():
    model = calibrate_model(_intake_log(alike=True), dropoff_outcomes=[], seed=0).model
    assert not [s for s in model.steps if "(after" in s]
    assert model.steps["delay:check"].duration.mean() == pytest.approx(ALIKE_DELAY, rel=0.1)


def test_the_split_can_be_switched_off():
    model = calibrate_model(
        _intake_log(alike=False), dropoff_outcomes=[], seed=0, delay_by_predecessor=False
    ).model
    assert not [s for s in model.steps if "(after" in s]
    # one timer: the mixture of both ways' delays
    mixture = (WEB_DELAY + POST_DELAY) / 2
    assert model.steps["delay:check"].duration.mean() == pytest.approx(mixture, rel=0.1)
    assert model.metadata["settings"]["delay_by_predecessor"] is False
