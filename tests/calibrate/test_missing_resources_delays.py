"""Rows without a resource are somebody's work, not idle staff (QA newuser19 #1).

A CRM export with 2.8 % of its owners blanked (the team still known) made the Account
Executives' pool look idle while it was working: the waits behind that work were read as
extraneous delays, and calibration invented timers before two steps the true process never
delays (back-test +15 % on the training period against +0.4 % with the owners filled in).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model
from sim.calibrate.delays import pool_delays
from sim.calibrate.staff import RoleFit
from sim.eventlog import read_event_log
from sim.model.calendar import ALWAYS


def _ev(rows):
    return pd.DataFrame(rows, columns=["case_id", "activity", "resource", "start", "end"])


def test_an_unowned_row_keeps_a_member_of_its_activitys_role_busy():
    # one person; y's row names nobody but runs 0-2; x, enabled at 0.5, starts at 2 when that
    # work ends: queueing for the role, no extraneous delay
    ev = _ev([("y", "work", None, 0.0, 2.0), ("x", "work", "Ann", 2.0, 3.0)])
    enabled = np.array([0.0, 0.5])
    roles = {"r": RoleFit("r", ["Ann"], ["work"], ALWAYS)}
    for trailing in (True, False):
        _, delay = pool_delays(ev, enabled, {"work": "r"}, roles, trailing=trailing)
        assert delay[1] == pytest.approx(0.0)
    # two people: one unowned row leaves one of them free, so x's wait is a delay
    roles2 = {"r": RoleFit("r", ["Ann", "Bob"], ["work"], ALWAYS)}
    _, delay = pool_delays(ev, enabled, {"work": "r"}, roles2)
    assert delay[1] == pytest.approx(1.5)


def test_an_unowned_row_of_a_step_needing_two_roles_keeps_both_busy():
    ev = _ev(
        [
            ("y", "sign", None, 0.0, 2.0),
            ("x", "check", "Cy", 2.0, 3.0),  # the only person of role 'q'
        ]
    )
    enabled = np.array([0.0, 0.5])
    roles = {
        "p": RoleFit("p", ["Ann"], ["sign"], ALWAYS),
        "q": RoleFit("q", ["Cy"], ["check", "sign"], ALWAYS),
    }
    _, delay = pool_delays(
        ev,
        enabled,
        {"sign": "p", "check": "q"},
        roles,
        act_roles={"sign": ("p", "q")},
    )
    assert delay[1] == pytest.approx(0.0)


def _backlog_log(blank_every: int) -> pd.DataFrame:
    """Cases submitted every 0.9 h, reviewed one after the other by the only reviewer (1 h
    each): the queue grows and every wait is for her; every ``blank_every``-th review names
    nobody."""
    t0 = pd.Timestamp("2024-01-01")
    rows = []
    n = 400
    for i in range(n):
        sub = t0 + pd.Timedelta(hours=0.9 * i)
        start = t0 + pd.Timedelta(hours=1.0 * i + 0.05)
        who = None if blank_every and i % blank_every == 3 else "Ann"
        rows.append((f"c{i}", "submit", sub, sub, None))
        rows.append((f"c{i}", "review", start, start + pd.Timedelta(hours=1.0), who))
    return pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])


def _calibrate(frame: pd.DataFrame, path):
    frame.to_csv(path, index=False)
    return calibrate_model(read_event_log(path), dropoff_outcomes=[], seed=0)


def test_calibration_invents_no_delay_from_blanked_owners(tmp_path):
    full = _calibrate(_backlog_log(0), tmp_path / "full.csv")
    blanked = _calibrate(_backlog_log(20), tmp_path / "blanked.csv")
    assert not [s for s in full.model.steps if s.startswith("delay:")]
    assert not [s for s in blanked.model.steps if s.startswith("delay:")], blanked.notes
    # and calibration says what it did with them (on the console and in report.html)
    said = [n for n in blanked.notes if "name no resource" in n]
    assert said and said[0].startswith("20 row(s) of staffed steps")


def test_the_console_shows_the_missing_owner_note(tmp_path, capsys):
    from sim.cli.calibrate import _print_cleaning

    path = tmp_path / "blanked.csv"
    _backlog_log(20).to_csv(path, index=False)
    _print_cleaning(read_event_log(path), path)
    out = capsys.readouterr().out
    assert "cleaning: 420 rows (52.5%) have no resource" in out  # 400 submissions, 20 reviews
