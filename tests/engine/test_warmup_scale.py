"""Scenario.warmup_arrival_scale: a different arrival volume before the measurement window."""

from __future__ import annotations

import numpy as np
import pytest

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
