"""Patience needs a row per abandonment: what calibration says when the log does not have one.

An abandonment named by a value of the log's outcome column (no event when the case left) gives
no patience and says why; such a value, or any abandonment of a log without start times, is not
suggested as ``abandonment_outcomes``; too few abandonments after a step are named with the
minimum a fit needs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.calibrate import calibrate_model
from sim.eventlog import read_event_log

QUICK = dict(
    extraneous_delays=False,
    hidden_delays=False,
    role_alternatives=False,
    max_repeats=1,
)


def _log(n: int = 400, *, seed: int = 0, rows: bool = True, abandon_rate: float = 0.3):
    """A -> (wait) -> B -> C, or A -> gives up: with ``rows`` a 'Cancelled' event when it left,
    else only the outcome column says 'cancelled' (no event for the abandonment)."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2024-01-01")
    out = []
    t = 0.0
    for i in range(n):
        t += rng.exponential(1.0)
        a_end = t + rng.exponential(0.2)
        w = rng.exponential(3.0)
        if rng.random() < abandon_rate:
            case = [("A", t, a_end, "r1")]
            if rows:
                case.append(("Cancelled", a_end + w, a_end + w, "r3"))
            outcome = "cancelled"
        else:
            b_end = a_end + w + rng.exponential(0.3)
            case = [("A", t, a_end, "r1"), ("B", a_end + w, b_end, "r2")]
            case.append(("C", b_end, b_end + rng.exponential(0.1), "r1"))
            outcome = "done"
        out.extend((f"c{i}", *e, outcome) for e in case)
    df = pd.DataFrame(
        out, columns=["case_id", "activity", "start_time", "end_time", "resource", "outcome"]
    )
    for col in ("start_time", "end_time"):
        df[col] = base + pd.to_timedelta(df[col], unit="h")
    return df


def test_an_outcome_value_as_abandonment_says_why_no_patience_is_fitted():
    log = _log(rows=False)
    cal = calibrate_model(
        log, dropoff_outcomes=["cancelled"], abandonment_outcomes=["cancelled"], **QUICK
    )
    assert all(s.patience is None for s in cal.model.steps.values())
    note = next(n for n in cal.notes if n.startswith("patience not fitted"))
    assert "abandonment_outcomes=['cancelled']" in note
    assert "outcome column" in note and "row per abandonment" in note


def test_an_outcome_value_is_not_suggested_as_an_abandonment():
    cal = calibrate_model(_log(rows=False), dropoff_outcomes=["cancelled"], **QUICK)
    assert not any("left while waiting" in n for n in cal.notes)


def test_an_abandonment_activity_is_still_suggested():
    log = _log().drop(columns="outcome")
    cal = calibrate_model(log, dropoff_outcomes=["Cancelled"], **QUICK)
    assert any("['Cancelled'] may mean 'left while waiting'" in n for n in cal.notes)


def test_a_log_without_start_times_gets_no_abandonment_suggestion(tmp_path):
    df = _log().drop(columns=["outcome", "start_time"])
    path = tmp_path / "no_starts.csv"
    df.to_csv(path, index=False)
    log = read_event_log(path)
    assert log.start_times_estimated
    cal = calibrate_model(log, dropoff_outcomes=["Cancelled"], **QUICK)
    assert not any("left while waiting" in n for n in cal.notes)


def test_too_few_abandonments_are_named_with_the_minimum():
    log = _log(n=200, abandon_rate=0.05, seed=3).drop(columns="outcome")
    k = int((log["activity"] == "Cancelled").sum())
    assert 0 < k < 20
    cal = calibrate_model(
        log, dropoff_outcomes=["Cancelled"], abandonment_outcomes=["Cancelled"], **QUICK
    )
    assert cal.model.steps["B"].patience is None
    note = next(n for n in cal.notes if n.startswith("patience not fitted"))
    assert f"{k} while waiting for 'B' after 'A'" in note
    assert "at least 20" in note
