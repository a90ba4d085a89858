"""Scenario.warmup_arrival_scale: a different arrival volume before the measurement window."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.engine import run_replication
from sim.errors import ConfigError
from sim.model import from_dict
from sim.model.scenario import Scenario

MODEL = {
    "name": "w",
    "start": "a",
    "arrivals": {"interarrival": {"dist": "fixed", "value": 1.0}},
    "roles": {"r": {"headcount": 1}},
    "steps": {"a": {"role": "r", "duration": 0.1, "next": "e"}},
    "ends": {"e": {"success": True}},
}


def test_warmup_scale_changes_only_the_warmup_volume():
    m = from_dict(MODEL)
    sc = Scenario(horizon_days=1, warmup_days=1, arrival_scale=2.0, warmup_arrival_scale=0.5)
    t = run_replication(m, sc, seed=0)
    arr = t.case_arrival
    warm = arr[arr < 24.0]
    measured = arr[arr >= 24.0]
    # gaps of 1/0.5 = 2 h in the warm-up, 1/2 = 0.5 h in the window
    assert np.allclose(np.diff(warm), 2.0)
    assert np.allclose(np.diff(measured), 0.5)
    same = run_replication(m, Scenario(horizon_days=1, warmup_days=1, arrival_scale=2.0), seed=0)
    assert np.allclose(np.diff(same.case_arrival), 0.5)  # default: one scale for the whole run


def test_warmup_scale_must_be_positive():
    with pytest.raises(ConfigError, match="scenario.warmup_arrival_scale"):
        Scenario(warmup_arrival_scale=0.0)


def test_a_gap_across_the_end_of_the_warmup_runs_at_each_rate_for_its_part():
    # 10 h gaps in a 4-day warm-up, then a 2-hour window at 100x the rate (a short, busy held-out
    # period, as in BPIC 2013's back-test). The warm-up ends at 96 h, 6 h after the arrival at
    # 90 h: 6 of the next gap's 10 unscaled hours run at the warm-up rate, the other 4 at 100x,
    # so the next case arrives at 96.04 h, then one every 0.1 h. Drawn whole at the warm-up
    # rate, the gap used to end at 100 h, after the window: no case in it.
    m = from_dict({**MODEL, "arrivals": {"interarrival": {"dist": "fixed", "value": 10.0}}})
    sc = Scenario(horizon_days=2 / 24, warmup_days=4, arrival_scale=100.0, warmup_arrival_scale=1.0)
    arr = run_replication(m, sc, seed=0).case_arrival
    measured = arr[arr >= 96.0]
    assert np.allclose(arr[arr < 96.0], np.arange(10.0, 91.0, 10.0))
    assert measured[0] == pytest.approx(96.04)
    assert np.allclose(np.diff(measured), 0.1) and len(measured) == 20


@settings(max_examples=150, deadline=None)
@given(
    gap=st.floats(0.05, 5.0),
    warm_scale=st.floats(0.1, 10.0),
    scale=st.floats(0.1, 10.0),
    warm_days=st.floats(0.05, 2.0),
)
def test_arrivals_are_the_time_change_of_the_unscaled_gaps(gap, warm_scale, scale, warm_days):
    # with fixed gaps g, case k arrives when the cumulative rate reaches k g:
    # Lambda(t) = warm_scale * min(t, W) + scale * max(t - W, 0)
    m = from_dict({**MODEL, "arrivals": {"interarrival": {"dist": "fixed", "value": gap}}})
    sc = Scenario(
        horizon_days=1,
        warmup_days=warm_days,
        arrival_scale=scale,
        warmup_arrival_scale=warm_scale,
        max_cases=400,
        drain=False,
    )
    arr = run_replication(m, sc, seed=0).case_arrival
    w = warm_days * 24.0
    u = gap * np.arange(1, 401)
    expected = np.where(u <= warm_scale * w, u / warm_scale, w + (u - warm_scale * w) / scale)
    assume(np.all(np.abs(expected - (w + 24.0)) > 1e-6))  # not on the end's rounding edge
    expected = expected[expected < w + 24.0]  # arrivals stop at the end of the horizon
    assert arr.size == expected.size
    assert np.allclose(arr, expected, rtol=1e-9, atol=1e-9)
