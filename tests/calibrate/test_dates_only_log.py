"""A log exported with dates only: every step came out fixed at 0 h with no word of why, and a
note called the first step saturated because every first start coincides with other work's end
at midnight (QA 2026-12-05, users' own exports #5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.calibrate import calibrate_model
from sim.eventlog import read_event_log


def _log(rng: np.random.Generator, n: int = 300) -> pd.DataFrame:
    rows = []
    day0 = pd.Timestamp("2026-01-05 09:00")
    for c in range(n):
        t = day0 + pd.Timedelta(hours=float(rng.exponential(3.0)) * c / 3)
        for act, res in (("Lead", f"s{c % 4}"), ("Quote", f"q{c % 3}")):
            end = t + pd.Timedelta(hours=float(rng.exponential(1.0)))
            rows.append((f"c{c}", act, t, end, res))
            t = end + pd.Timedelta(hours=float(rng.exponential(20.0)))
    return pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])


def test_a_dates_only_log_says_durations_cannot_be_measured(tmp_path):
    frame = _log(np.random.default_rng(1))
    dates = frame.assign(
        start_time=frame["start_time"].dt.strftime("%Y-%m-%d"),
        end_time=frame["end_time"].dt.strftime("%Y-%m-%d"),
    )
    dates.to_csv(tmp_path / "dates.csv", index=False)
    cal = calibrate_model(read_event_log(tmp_path / "dates.csv"), seed=0)
    (note,) = [n for n in cal.notes if "date without a time of day" in n]
    assert "steps done within a day get a duration of 0" in note
    assert not [n for n in cal.notes if "first step is saturated" in n]
    # the same log with its times: no such note
    frame.to_csv(tmp_path / "times.csv", index=False)
    cal = calibrate_model(read_event_log(tmp_path / "times.csv"), seed=0)
    assert not [n for n in cal.notes if "date without a time of day" in n]
