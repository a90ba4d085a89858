"""Instant end markers recorded at once are no staffed work (QA newuser19 #2).

A CRM export stamps "Closed Won"/"Closed Lost" as instants by the owner at the moment the last
stage ends. As staffed steps, every simulated case queued about 1.2 h for a free Account
Executive to record a zero-time close (the log: 0 h), and leads Inside Sales disqualified went to
the AEs. They are modelled without staff; the end activities stay the outcomes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.calibrate import calibrate_model
from sim.eventlog import read_event_log


def _crm_log(*, close_after: float = 0.0) -> pd.DataFrame:
    """Leads qualified by two SDRs (0.5 h), then half of them negotiated by two AEs (2 h),
    closed by whoever did the last stage as an instant ``close_after`` hours later; a lead
    arrives every 0.75 h around the clock, so the AEs are busy and cases queue for them."""
    rng = np.random.default_rng(3)
    t0 = pd.Timestamp("2024-01-01")
    free = {"Sam": 0.0, "Sue": 0.0, "Ann": 0.0, "Bob": 0.0}
    rows = []

    def work(case: str, stage: str, ready: float, team: str, people: tuple, hours: float):
        """The stage done by the first of ``people`` free, from ``ready`` on: its end, and who."""
        who = min(people, key=free.get)
        s = max(ready, free[who])
        free[who] = s + hours
        rows.append((case, stage, s, s + hours, who, team))
        return s + hours, who

    for i in range(600):
        e, who = work(f"c{i}", "Qualify", 0.75 * i, "SDR", ("Sam", "Sue"), 0.5)
        team, outcome = "SDR", "Lost"
        if rng.random() < 0.5:
            e, who = work(f"c{i}", "Negotiate", e, "AE", ("Ann", "Bob"), 2.0)
            team = "AE"
            outcome = "Won" if rng.random() < 0.6 else "Lost"
        c = e + close_after
        rows.append((f"c{i}", f"Closed {outcome}", c, c, who, team))
    frame = pd.DataFrame(
        rows, columns=["case_id", "activity", "start_time", "end_time", "resource", "role"]
    )
    for col in ("start_time", "end_time"):
        frame[col] = t0 + pd.to_timedelta(frame[col], unit="h")
    return frame


def _calibrate(frame: pd.DataFrame, path):
    frame.to_csv(path, index=False)
    return calibrate_model(read_event_log(path), dropoff_outcomes=["Closed Lost"], seed=0)


def test_instant_closes_recorded_at_once_need_no_staff(tmp_path):
    cal = _calibrate(_crm_log(), tmp_path / "crm.csv")
    steps = cal.model.steps
    assert steps["Closed Won"].roles == ()
    assert steps["Closed Lost"].roles == ()
    assert steps["Qualify"].roles == ("SDR",) and steps["Negotiate"].roles == ("AE",)
    # the outcomes are unchanged: each close ends the case with its own outcome
    assert steps["Closed Won"].next == "end:Closed Won"
    assert steps["Closed Lost"].next == "end:Closed Lost"
    assert any("recorded as instants" in n and "'Closed Won'" in n for n in cal.notes)


def test_an_instant_step_recorded_later_keeps_its_role(tmp_path):
    # the close stamped an hour after the stage ends: it waited for somebody, so it is staffed
    cal = _calibrate(_crm_log(close_after=1.0), tmp_path / "crm_late.csv")
    assert cal.model.steps["Closed Won"].roles == ("AE",)


def test_instant_markers_needs_instants_started_when_enabled():
    from sim.calibrate.calibrate import instant_markers

    ev = pd.DataFrame(
        {
            "activity": ["a"] * 6 + ["b"] * 6 + ["c"] * 6,
            "start": [1.0] * 6 + [1.0] * 6 + [1.0] * 6,
            "end": [1.0] * 6 + [1.5] * 6 + [1.0] * 6,
        }
    )
    enabled = np.r_[np.ones(6), np.ones(6), np.full(6, 0.5)]
    got = instant_markers(ev, enabled, {"a": "r", "b": "r", "c": "r"})
    assert got == ["a"]  # b takes time, c waited half an hour
    # too few known enabling times: no evidence that they start at once
    assert instant_markers(ev, np.full(18, np.nan), {"a": "r"}) == []
