"""A simulated (or baseline) replication that never does a step the history does visits it 0
times a case, not an unknown number: backtest.json stored null there, and the mean over
replications left that replication out (QA scoring23: helpdesk's `Schedule intervention` read
+46 % where its visits were -2.4 %; a step the model never does read null, not -100 %)."""

from __future__ import annotations

import math

import numpy as np

from sim.calibrate.backtest import _compare


def _log(kpis: dict, n_cases: int) -> dict:
    return {
        "kpis": kpis,
        "cycle_times": np.array([1.0, 2.0, 3.0]),
        "weekly": np.array([3.0]),
        "activity_share": {},
        "n_cases": n_cases,
    }


def test_an_unvisited_step_is_visited_zero_times_a_case():
    history = _log(
        {"visits_per_case:review": 0.5, "waiting_mean:review": 2.0, "processing_mean:review": 1.0},
        200,
    )
    out = _compare(_log({}, 180), history)
    assert out["visits_per_case:review"] == 0.0
    assert out["visits_per_case:review_relerr"] == -1.0
    # how long a step nobody did waits or takes stays unknown
    assert math.isnan(out["waiting_mean:review"]) and math.isnan(out["processing_mean:review"])


def test_a_log_without_measured_cases_says_nothing_of_visits():
    history = _log({"visits_per_case:review": 0.5}, 200)
    out = _compare(_log({}, 0), history)
    assert math.isnan(out["visits_per_case:review"])


def test_backtest_json_says_whether_the_historys_starts_were_estimated():
    """QA scoring23: history.csv.gz of a completion-only log held estimated start times, and
    nothing in backtest.json said so."""
    import pandas as pd

    from sim.calibrate.backtest import _start_times_of
    from sim.eventlog import EventLog
    from sim.eventlog.log import CleaningReport

    frame = pd.DataFrame({"case_id": ["1"], "activity": ["a"]})
    assert _start_times_of(frame) == "recorded"
    estimated = EventLog(frame, CleaningReport(), start_times_estimated=True)
    assert _start_times_of(estimated) == "estimated"
    assert _start_times_of(EventLog(frame, CleaningReport())) == "recorded"
