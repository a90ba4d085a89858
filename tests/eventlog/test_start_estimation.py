"""Start times estimated from completions: instances enabled while their resource was idle, whose
gap to their end holds a wait outside the log (``sim.eventlog.estimate``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.eventlog import read_event_log
from sim.eventlog.estimate import _delayed_durations, estimate_start_times_counted
from sim.model import columns as C

BASE = pd.Timestamp("2021-03-01 00:00")  # a Monday
MIN = pd.Timedelta(minutes=1)


def _log(*, afternoon_wait: pd.Timedelta, days: int = 30, seed: int = 3) -> pd.DataFrame:
    """Clerk r2 works through a morning backlog back to back (each case but the first queued for
    r2), and
    in the afternoon does one case that r2 finds idle, ``afternoon_wait`` after its intake (a
    wait for the customer, outside the log). Every B takes Exp(10 min) of work, plus a minute;
    the true start is kept in column ``true_start``."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(days):
        day = BASE + pd.Timedelta(days=d)
        clock = day + pd.Timedelta(hours=8)
        for i in range(5):  # intake from 08:00 by r1, B back to back from 08:00
            case = f"m{d}-{i}"
            work = MIN + pd.Timedelta(minutes=float(rng.exponential(10.0))).round("s")
            rows.append((case, "A", day + pd.Timedelta(hours=8, seconds=i), "r1", pd.NaT))
            rows.append((case, "B", clock + work, "r2", clock))
            clock += work
        case = f"p{d}"
        intake = day + pd.Timedelta(hours=12)
        work = MIN + pd.Timedelta(minutes=float(rng.exponential(10.0))).round("s")
        rows.append((case, "A", intake, "r1", pd.NaT))
        rows.append((case, "B", intake + afternoon_wait + work, "r2", intake + afternoon_wait))
    return pd.DataFrame(rows, columns=[C.CASE, C.ACTIVITY, C.END, C.RESOURCE, "true_start"])


def test_a_wait_outside_the_log_is_not_counted_as_work(tmp_path: Path) -> None:
    history = _log(afternoon_wait=pd.Timedelta(hours=3))
    path = tmp_path / "completions.csv"
    history.drop(columns="true_start").to_csv(path, index=False)
    log = read_event_log(path)
    got = log.events.merge(history, on=[C.CASE, C.ACTIVITY, C.END, C.RESOURCE])
    b = got[got[C.ACTIVITY] == "B"]
    afternoon = b[b[C.CASE].str.startswith("p")]
    morning = b[b[C.CASE].str.startswith("m")]
    estimated = afternoon[C.END] - afternoon[C.START]
    # the heuristic alone would give each afternoon B its 3 h wait as work
    assert estimated.max() < pd.Timedelta(hours=1)
    queued_work = morning[C.END] - morning[C.START]
    assert estimated.max() <= queued_work.max()
    # the wait is still there, before the start: no start earlier than the intake
    intake = got[got[C.ACTIVITY] == "A"].set_index(C.CASE)[C.END]
    assert (afternoon[C.START].to_numpy() >= intake[afternoon[C.CASE]].to_numpy()).all()
    # the queued mornings (after each day's first) keep the heuristic's exact starts
    later = morning[~morning[C.CASE].str.endswith("-0")]
    assert (later[C.START] == later["true_start"]).all()
    note = next(n for n in log.report.notes if "no start times" in n)
    assert "'B'" in note and "waiting outside the log" in note
    # only the idle-enabled Bs (the afternoons and each day's first morning) are re-estimated
    _, how = estimate_start_times_counted(history.drop(columns="true_start"))
    assert 30 <= how.re_estimated <= 60 and set(how.delayed_activities) == {"B"}
    assert f"{how.re_estimated} such instances" in note


def test_without_outside_waits_the_heuristic_stands() -> None:
    # the afternoon case waits for nothing: its gap is work, as where it queued
    history = _log(afternoon_wait=pd.Timedelta(0)).drop(columns="true_start")
    out, how = estimate_start_times_counted(history, only_missing=False)
    assert how.re_estimated == 0 and how.delayed_activities == {}
    b = out[(out[C.ACTIVITY] == "B") & out[C.CASE].str.startswith("p")]
    intake = out[out[C.ACTIVITY] == "A"].set_index(C.CASE)[C.END]
    assert (b[C.START].to_numpy() == intake[b[C.CASE]].to_numpy()).all()


@settings(max_examples=80, deadline=None)
@given(
    gaps=st.lists(st.floats(0.0, 1e6), min_size=1, max_size=120),
    kinds=st.lists(st.sampled_from(["queued", "idle", "first"]), min_size=120, max_size=120),
    acts=st.lists(st.sampled_from("ab"), min_size=120, max_size=120),
)
def test_re_estimated_durations_stay_inside_their_gaps(gaps, kinds, acts) -> None:
    gap = np.asarray(gaps)
    kind = np.asarray(kinds[: gap.size])
    act = np.asarray(acts[: gap.size])
    queued, idle = kind == "queued", kind == "idle"
    got, ratios, changed = _delayed_durations(gap, act, queued, idle)
    assert ((got >= 0) & (got <= gap)).all()
    assert (got[~idle] == gap[~idle]).all()  # only idle-enabled instances are re-estimated
    assert (changed == (got < gap)).all()
    assert set(ratios) <= set(act[idle].tolist())
