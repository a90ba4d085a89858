"""``calibrate_model``'s arguments as a library user types them (QA, library use):
``dropoff_outcomes="Reject application"`` was read as its letters (refused as 18 unknown
outcomes 'R', 'e', ...), ``seed="1"`` failed deep inside numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model
from sim.errors import ConfigError
from sim.model import dumps


def small_log(n: int = 60) -> pd.DataFrame:
    """Register, check, then approve or reject: ``n`` cases an hour apart."""
    rng = np.random.default_rng(0)
    rows = []
    t0 = pd.Timestamp("2024-01-01 08:00")
    for c in range(n):
        t = t0 + pd.Timedelta(hours=c)
        for activity in ("Register", "Check", "Approve" if c % 3 else "Reject application"):
            start = t + pd.Timedelta(minutes=float(rng.uniform(1, 10)))
            t = start + pd.Timedelta(minutes=float(rng.uniform(5, 20)))
            rows.append((f"c{c}", activity, start, t, f"r{c % 2}"))
    return pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])


def test_one_dropoff_outcome_given_as_a_string_is_one_outcome():
    log = small_log()
    one = calibrate_model(log, dropoff_outcomes="Reject application", seed=0)
    listed = calibrate_model(log, dropoff_outcomes=["Reject application"], seed=0)
    assert dumps(one.model) == dumps(listed.model)
    rejected = [e for e in one.model.ends.values() if e.outcome == "Reject application"]
    assert rejected and not rejected[0].success


@pytest.mark.parametrize("seed", ["1", -1, 1.5, None, True])
def test_a_bad_seed_is_refused_naming_it(seed):
    with pytest.raises(ConfigError, match=r"^seed: expected an integer >= 0, got "):
        calibrate_model(small_log(), dropoff_outcomes=[], seed=seed)


def test_a_numpy_seed_is_taken():
    log = small_log()
    a = calibrate_model(log, dropoff_outcomes=[], seed=np.int64(3))
    assert dumps(a.model) == dumps(calibrate_model(log, dropoff_outcomes=[], seed=3).model)
