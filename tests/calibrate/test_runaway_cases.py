"""Runaway cases (a test case of thousands of events among cases of four) are named in a note and
can be left out (``sim.calibrate.prepare.find_runaway_cases``, ``drop_runaway_cases``); a
``case_open`` column's missing values are not open (QA 2026-12-06)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model
from sim.calibrate.prepare import drop_runaway_cases, find_runaway_cases, prepare_log
from sim.errors import EventLogError
from sim.eventlog import read_event_log

QUALIFY_MEAN = 0.5  # hours


def runaway_log(
    *, cases: int = 200, runaway_events: int = 400, seed: int = 1, runaway: bool = True
) -> pd.DataFrame:
    """``cases`` cases Lead -> Qualify -> Quote -> Approve on weekday mornings (Qualify
    exponential with mean ``QUALIFY_MEAN``), and, with ``runaway``, case ``X999`` of
    ``runaway_events`` events alternating Qualify and Quote, 3 minutes each."""
    rng = np.random.default_rng(seed)
    rows = []
    day = datetime(2026, 1, 5)
    for i in range(cases):
        d = day + timedelta(days=7 * (i // 20) + (i % 20) // 4)
        t = d + timedelta(hours=8 + 1.5 * (i % 4))
        for act, mean in (
            ("Lead", 0.1),
            ("Qualify", QUALIFY_MEAN),
            ("Quote", 0.4),
            ("Approve", 0.1),
        ):
            end = t + timedelta(hours=float(rng.exponential(mean)))
            rows.append((f"C{i:04d}", act, t, end, f"{act}-person"))
            t = end
    if runaway:
        t = day + timedelta(hours=8)
        for k in range(runaway_events):
            act = "Qualify" if k % 2 == 0 else "Quote"
            rows.append(("X999", act, t, t + timedelta(minutes=3), f"{act}-person"))
            t += timedelta(minutes=3)
    return pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])


def test_a_runaway_case_is_named_with_its_events_and_share():
    """QA: one case of 5,000 events among 600 of 4 supplied 84 % of the duration samples with no
    word; the note names it, its events and the share of each activity's instances."""
    notes = prepare_log(runaway_log()).notes
    said = [n for n in notes if "'X999'" in n]
    assert len(said) == 1, notes
    assert "(400 events)" in said[0]
    assert "50 % of the 'Qualify', 50 % of the 'Quote' instances" in said[0]
    assert "drop_runaway_cases(log)" in said[0]


def test_a_normal_log_and_a_long_but_rare_case_are_not_runaway():
    """Both conditions are needed: far more events than the others (10 times the 95 % quantile)
    and a large share (10 %) of an activity's instances."""
    assert find_runaway_cases(prepare_log(runaway_log(runaway=False)).events) is None
    # 30 events (7.5 times the typical 4): long, not runaway
    assert find_runaway_cases(prepare_log(runaway_log(runaway_events=30)).events) is None
    # 60 events in a log of 1,000 cases: 15 times the others, but 3 % of 'Qualify'
    many = prepare_log(runaway_log(cases=1000, runaway_events=60)).events
    assert find_runaway_cases(many) is None
    found = find_runaway_cases(prepare_log(runaway_log(cases=100, runaway_events=60)).events)
    assert found is not None and found.events == {"X999": 60}


def test_a_kind_of_long_case_is_not_runaway():
    """QA2: 4 % of the cases were long (25 events) with activities no other case has, and the
    rule dropped them all by default, their activities gone from the model. More candidates
    than 1 % of the cases, or several that alone do some activity, are a kind of case."""
    base = runaway_log(cases=1000, runaway=False)
    rows = []
    t0 = datetime(2026, 1, 5, 8)
    for c in range(40):  # 4 % of 1,000 cases, 50 events each: over 10 x the typical 4
        t = t0 + timedelta(days=c)
        for k in range(50):
            act = "Escalate" if k % 2 == 0 else "Work"
            rows.append((f"L{c:03d}", act, t, t + timedelta(minutes=5), "expert"))
            t += timedelta(minutes=5)
    long_kind = pd.concat([base, pd.DataFrame(rows, columns=base.columns)], ignore_index=True)
    assert find_runaway_cases(prepare_log(long_kind).events) is None
    # two such cases (0.2 %), but doing an activity nobody else does: a kind of case too
    two = long_kind[
        ~long_kind["case_id"].str.startswith("L") | long_kind["case_id"].isin(["L000", "L001"])
    ]
    assert find_runaway_cases(prepare_log(two).events) is None
    # two cases looping through the others' activities (among 300 cases): runaway
    mine = long_kind["case_id"].isin(["L000", "L001"])
    loops = pd.concat(
        [
            runaway_log(cases=300, runaway=False),
            long_kind[mine].replace({"activity": {"Escalate": "Qualify", "Work": "Quote"}}),
        ],
        ignore_index=True,
    )
    found = find_runaway_cases(prepare_log(loops).events)
    assert found is not None and set(found.events) == {"L000", "L001"}


def test_dropping_a_runaway_case_restores_the_fitted_durations(tmp_path: Path):
    """With the runaway case the 3-minute events are most of Qualify's samples; without it
    Qualify's fitted mean is its own (0.5 h), and the log's report says what was removed."""
    path = tmp_path / "log.csv"
    runaway_log(runaway_events=2000).to_csv(path, index=False)
    log = read_event_log(path)
    kept, found = drop_runaway_cases(log, keep_hint="keep them with K")
    assert found is not None and found.events == {"X999": 2000}
    assert kept.n_cases == log.n_cases - 1 and "X999" not in set(kept.events["case_id"])
    note = kept.report.notes[-1]
    assert note.startswith("Removed 1 runaway case (2,000 rows) before calibration: case 'X999'")
    assert note.endswith("(keep them with K).")
    assert log.report.notes[-1] != note  # the log read is left as it was
    clean = calibrate_model(kept, extraneous_delays=False, dropoff_outcomes=[])
    assert clean.model.steps["Qualify"].duration.mean() == pytest.approx(QUALIFY_MEAN, rel=0.3)
    ruined = calibrate_model(log, extraneous_delays=False, dropoff_outcomes=[])
    qualify = [s for name, s in ruined.model.steps.items() if name.startswith("Qualify")]
    assert min(s.duration.mean() for s in qualify) < 0.5 * QUALIFY_MEAN
    assert drop_runaway_cases(kept) == (kept, None)


def test_missing_case_open_values_are_not_open():
    """``astype(bool)`` read NaN as true: every case with a missing flag looked open."""
    df = runaway_log(cases=4, runaway=False)
    df["case_open"] = pd.Series([None] * len(df), dtype=object)
    df.loc[df["case_id"] == "C0003", "case_open"] = True
    p = prepare_log(df)
    assert p.open_cases == {"C0003"}
    assert any("12 event(s) without a case_open value" in n for n in p.notes)
    df["case_open"] = ["False", "no", "0", "yes"] * 4
    assert prepare_log(df).open_cases == {f"C{i:04d}" for i in range(4)}
    df.loc[0, "case_open"] = "maybe"
    with pytest.raises(EventLogError, match=r"'case_open' has values that are neither .*'maybe'"):
        prepare_log(df)
