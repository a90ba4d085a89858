"""Case segments read from a log's segment column (``sim.calibrate.segments``): shares, pace
(duration_scale), per-segment branches and who is served first, against models that wrote the
logs, and the pieces on their own."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model
from sim.calibrate.backtest import backtest
from sim.calibrate.calibrate import wilson_interval
from sim.calibrate.segments import (
    NO_SEGMENT,
    Pace,
    case_segments,
    check_segment_priority,
    priority_levels,
    relative_pace,
    segment_branches,
    steps_with_segment_delays,
)
from sim.engine import run_replications
from sim.errors import ConfigError
from sim.kpis.frames import trace_to_event_log
from sim.model import from_dict
from sim.model.scenario import Scenario

KEY_SCALE = 1.5
KEY_SHARE = 0.3
KEY_REVIEW = 0.8  # key accounts go on to review more often than small ones (0.5)


def two_segment_model(*, key_first: bool) -> dict:
    """Key accounts (30 %, 1.5x longer steps, reviewed more often) and small business; with
    ``key_first`` key accounts are served first in every queue."""
    return {
        "name": "segments",
        "start": "register",
        "arrivals": {
            "interarrival": {"dist": "exponential", "mean": 1.0},
            "segments": {
                "key": {
                    "share": KEY_SHARE,
                    "priority": 0 if key_first else 1,
                    "duration_scale": KEY_SCALE,
                    "timer_scale": 1.0,  # bigger deals take longer to work on, not to wait for
                },
                "small": {"share": 1 - KEY_SHARE, "priority": 1, "duration_scale": 1.0},
            },
        },
        "handoff_delay": {"dist": "exponential", "mean": 0.5},
        "roles": {
            "clerk": {"headcount": 2, "calendar": "24/7"},
            "expert": {"headcount": 1, "calendar": "24/7"},
        },
        "steps": {
            # automated: a case's first step's wait is not in a log (it arrives at its start)
            "register": {"duration": {"dist": "fixed", "value": 0.05}, "next": "intake"},
            "intake": {
                "role": "clerk",
                "duration": {"dist": "exponential", "mean": 1.2},
                "next": "go_on",
            },
            "review": {
                "role": "expert",
                "duration": {"dist": "exponential", "mean": 0.6},
                "next": "won",
            },
        },
        "decisions": {
            "go_on": {
                "branches": {"review": 0.5, "lost": 0.5},
                "by_segment": {"key": {"review": KEY_REVIEW, "lost": 1 - KEY_REVIEW}},
            }
        },
        "ends": {"won": {"success": True}, "lost": {"success": False}},
    }


def calibrated(*, key_first: bool, seed: int = 3, **kw):
    model = from_dict(two_segment_model(key_first=key_first))
    (trace,) = run_replications(
        model, Scenario(horizon_days=60, warmup_days=7, replications=1), seed=seed
    )
    log = trace_to_event_log(trace).drop(columns=["replication"], errors="ignore")
    return log, calibrate_model(log, dropoff_outcomes=["lost"], seed=0, **kw)


@pytest.fixture(scope="module")
def key_first():
    return calibrated(key_first=True)


def test_shares_pace_and_branches_are_the_generating_models(key_first):
    log, cal = key_first
    segs = {s.name: s for s in cal.model.arrivals.segments}
    assert set(segs) == {"key", "small"}
    n = log.groupby("case_id")["segment"].first()
    lo, hi = wilson_interval(float((n == "key").sum()), float(len(n)))
    assert lo <= segs["key"].share <= hi and lo <= KEY_SHARE <= hi
    assert math.isclose(segs["key"].share + segs["small"].share, 1.0, abs_tol=1e-9)
    pace = cal.model.metadata["segments"]["pace"]["key"]
    assert pace["ci95"][0] <= KEY_SCALE <= pace["ci95"][1]
    assert segs["key"].duration_scale == pytest.approx(pace["ratio"], rel=1e-4)
    assert segs["small"].duration_scale == 1.0
    # the hand-off delays (timers in the calibrated model) do not scale with the segment
    timers = cal.model.metadata["segments"]["timer_pace"]["key"]
    assert timers["ci95"][0] <= 1.0 <= timers["ci95"][1]
    assert segs["key"].timers_scale == 1.0
    assert cal.model.steps["delay:review"].duration.mean() == pytest.approx(0.5, rel=0.15)
    # the steps' own durations are the unscaled ones: the model's means, not a mix of both
    assert cal.model.steps["intake"].duration.mean() == pytest.approx(1.2, rel=0.1)
    dec = cal.model.decisions["after:intake"]
    assert dec.provenance["by_segment"]["p_value"] < 1e-3
    order = [b.to for b in dec.branches]
    counts = dec.provenance["by_segment"]["counts"]
    for seg, truth in (("key", KEY_REVIEW), ("small", 0.5)):
        k, total = counts[seg]["delay:review"], sum(counts[seg].values())
        lo, hi = wilson_interval(float(k), float(total))
        assert lo <= truth <= hi
        assert dec.by_segment[seg][order.index("delay:review")] == pytest.approx(
            k / total, abs=1e-5
        )


def test_key_accounts_served_first_are_found_and_modelled(key_first):
    _, cal = key_first
    segs = {s.name: s for s in cal.model.arrivals.segments}
    assert segs["key"].priority < segs["small"].priority
    assert cal.model.metadata["segments"]["suggested_priority"] == [["key"], ["small"]]
    assert any("as if served in the order 'key', then 'small'" in n for n in cal.notes)


def test_first_come_first_served_segments_are_not_given_a_priority():
    _, cal = calibrated(key_first=False)
    assert {s.priority for s in cal.model.arrivals.segments} == {0}
    assert cal.model.metadata["segments"]["suggested_priority"] == []
    q = cal.model.metadata["segments"]["waiting_vs_reference"]["key"]
    assert q["ci95"][1] > 0.8


def test_segment_priority_overrides_the_suggestion():
    _, cal = calibrated(key_first=True, segment_priority=[])
    assert {s.priority for s in cal.model.arrivals.segments} == {0}
    assert any(
        "served first, as given: none" in n and "suggest 'key', then 'small'" in n
        for n in cal.notes
    )


def test_a_segment_priority_naming_no_segment_is_refused(key_first):
    log, _ = key_first
    with pytest.raises(ConfigError, match=r"segment_priority=\['vip'\].*segments are \['key'"):
        calibrate_model(log, dropoff_outcomes=["lost"], segment_priority=["vip"])
    with pytest.raises(ConfigError, match="the log has no segments"):
        calibrate_model(
            log.drop(columns=["segment"]), dropoff_outcomes=["lost"], segment_priority=["key"]
        )


def test_relative_pace_recovers_a_known_ratio():
    rng = np.random.default_rng(1)
    cases = np.repeat(np.arange(400), 3)
    step = np.tile(np.array(["a", "b", "c"]), 400)
    seg = pd.Series(np.where(np.arange(400) < 100, "big", "small"), index=np.arange(400))
    means = {"a": 1.0, "b": 4.0, "c": 0.5}
    scale = np.where(cases < 100, 2.0, 1.0)
    values = rng.exponential(np.array([means[s] for s in step]) * scale)
    pace = relative_pace(values, step, cases, seg, "small")
    assert pace["small"].ratio == 1.0
    assert pace["big"].ci95[0] <= 2.0 <= pace["big"].ci95[1]
    assert pace["big"].differs
    same = relative_pace(values / scale, step, cases, seg, "small")
    assert not same["big"].differs


def test_branches_depend_on_the_segment_only_where_the_test_says_so():
    order = ["review", "lost"]
    dependent = {"key": {"review": 80, "lost": 20}, "small": {"review": 50, "lost": 50}}
    by_seg, evidence = segment_branches(dependent, dependent, order)
    assert by_seg == {"key": (0.8, 0.2), "small": (0.5, 0.5)}
    assert evidence["p_value"] < 1e-3
    alike = {"key": {"review": 52, "lost": 48}, "small": {"review": 50, "lost": 50}}
    by_seg, evidence = segment_branches(alike, alike, order)
    assert by_seg == {} and evidence["p_value"] > 0.5
    few = {"key": {"review": 10, "lost": 0}, "small": {"review": 50, "lost": 50}}
    assert segment_branches(few, few, order) == ({}, None)  # one segment with enough visits


def test_priority_levels_need_a_clear_gap_and_tie_the_rest():
    def pace(r: float, se: float = 0.05, cases: int = 100) -> Pace:
        return Pace(r, (r * math.exp(-1.96 * se), r * math.exp(1.96 * se)), cases, se)

    assert priority_levels({"small": pace(1.0), "key": pace(0.5)}) == [["key"], ["small"]]
    assert priority_levels({"small": pace(1.0), "key": pace(0.9)}) == []
    assert priority_levels({"small": pace(1.0), "key": pace(0.5, 0.5)}) == []  # too noisy
    # the reference may be the one served first
    assert priority_levels({"small": pace(1.0), "key": pace(2.5)}) == [["small"], ["key"]]
    # QA2: two segments served alike share a level rather than an arbitrary order
    levels = priority_levels({"silver": pace(1.0), "gold": pace(0.21), "platinum": pace(0.23)})
    assert levels == [["gold", "platinum"], ["silver"]]
    # QA2: a segment of a few cases is not ranked on a point estimate
    assert priority_levels({"big": pace(1.0), "pilot": pace(0.1, 0.05, cases=6)}) == []


def test_case_segments_counts_missing_and_conflicting_values():
    ev = pd.DataFrame(
        {
            "case_id": ["1", "1", "2", "3", "3"],
            "start": [0.0, 1.0, 0.0, 0.0, 1.0],
            "end": [1.0, 2.0, 1.0, 1.0, 2.0],
            "segment": ["a", "b", None, "b", "b"],
        }
    )
    seg, notes = case_segments(ev)
    assert seg.to_dict() == {"1": "a", "2": NO_SEGMENT, "3": "b"}
    assert any("1 case(s) have no segment value" in n for n in notes)
    assert any("1 case(s) have several segment values" in n for n in notes)
    one, notes = case_segments(ev.assign(segment="a"))
    assert one is None and notes == ["every case is of segment 'a': no segments modelled"]
    assert case_segments(ev.assign(segment="default")) == (None, [])  # a trace without segments


def test_a_segment_column_without_values_is_noted(key_first):
    log, _ = key_first
    cal = calibrate_model(log.assign(segment=""), dropoff_outcomes=["lost"])
    assert "the segment column has no values: no segments modelled" in cal.notes
    assert cal.model.arrivals.segment_names == ("default",)


def test_check_segment_priority_refuses_duplicates():
    seg = pd.Series(["a", "b"], index=["1", "2"])
    check_segment_priority(["b", "a"], seg)
    check_segment_priority(None, None)
    with pytest.raises(ConfigError, match="expected distinct segments"):
        check_segment_priority(["a", "a"], seg)


def test_the_backtest_compares_each_segment_with_its_history(key_first):
    log, _ = key_first
    first_start = log.groupby("case_id")["start_time"].transform("min")
    cut = first_start.sort_values().iloc[int(0.8 * len(first_start))]
    train, test = log[first_start < cut], log[first_start >= cut]
    cal = calibrate_model(train, dropoff_outcomes=["lost"], seed=0)
    res = backtest(cal.model, train, test, replications=3, distances=False, baseline=False)
    hist, model = res.metrics["test"]["kpis"], res.metrics["model"]
    cases = (
        test.sort_values("start_time")
        .groupby("case_id")
        .agg(segment=("segment", "first"), arrival=("start_time", "min"), end=("end_time", "max"))
    )
    for seg in ("key", "small"):
        mine = cases[cases["segment"] == seg]
        hours = (mine["end"] - mine["arrival"]) / pd.Timedelta(hours=1)
        assert hist[f"segment:{seg}:cases_arrived"] == len(mine)
        assert hist[f"segment:{seg}:cycle_time_mean"] == pytest.approx(hours.mean())
        err = model[f"segment:{seg}:cycle_time_mean_relerr"]
        assert len(err["per_replication"]) == 3 and math.isfinite(err["mean"])
        assert f"segment:{seg}:dropoff_rate_abserr" in model
    assert not any(k.endswith("revenue_per_case") for k in hist)  # a log has no revenue


def test_steps_whose_delays_differ_by_segment_are_no_priority_evidence():
    """QA2: a FIFO process whose private customers answer 5x faster (a customer wait inside
    the staffed step's wait) was read as serving them first."""
    rng = np.random.default_rng(2)
    n = 300
    cases = np.repeat(np.arange(n), 2)
    step = np.tile(np.array(["intake", "review"]), n)
    seg = pd.Series(np.where(np.arange(n) % 2 == 0, "private", "public"), index=np.arange(n))
    private = seg.to_numpy()[cases] == "private"
    delays = np.where(step == "review", rng.exponential(np.where(private, 0.2, 1.0)), 0.0)
    delays[step == "intake"] = rng.exponential(0.5, size=n)
    left_out = steps_with_segment_delays(delays, step, cases, seg)
    assert left_out == ["review"]
