"""The bottleneck sees the measured cases still queueing when the run stopped (QA bottleneck19
#1): a branch so overloaded that no measured case gets through its queue by the stop was
named nowhere (queue share 0 ± 0), and a stable step before it was named instead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.engine import run_replication
from sim.kpis import format_report, kpi_report, kpi_table
from sim.kpis import measures as m
from sim.model import from_dict
from sim.model.scenario import Scenario


def _two_steps():
    """a (r1) -> b (r2) -> done, both staffed around the clock."""
    return from_dict(
        {
            "name": "two",
            "start": "a",
            "arrivals": {"interarrival": 1.0},
            "roles": {"r1": {"headcount": 1}, "r2": {"headcount": 1}},
            "steps": {
                "a": {"role": "r1", "duration": 1.0, "next": "b"},
                "b": {"role": "r2", "duration": 1.0, "next": "done"},
            },
            "ends": {"done": {"success": True}},
        }
    )


def _tables():
    """Case 0 finished: queues 2 h at a, none at b, ends at 10. Case 1 queues 2 h at a and
    from 4 h until the stop at 20 h at b, where it is still waiting."""
    cases = pd.DataFrame(
        {
            "case_id": [0, 1],
            "arrival": [0.0, 1.0],
            "end": [10.0, np.nan],
            "outcome": ["done", None],
            "success": pd.array([True, pd.NA], dtype="boolean"),
            "dropped_at": [None, None],
            "segment": "default",
            "value": 0.0,
            "measured": True,
        }
    )
    cols = ["case_id", "activity", "resource", "role", "enabled", "start", "end"]
    events = pd.DataFrame(
        [
            (0, "a", "p1", "r1", 0.0, 2.0, 3.0),
            (0, "b", "p2", "r2", 3.0, 3.0, 10.0),
            (1, "a", "p1", "r1", 1.0, 3.0, 4.0),
        ],
        columns=cols,
    )
    open_steps = pd.DataFrame([(1, "b", None, None, 4.0, np.nan, np.nan)], columns=cols)
    return events, cases, open_steps


def test_a_case_still_queueing_at_the_stop_counts_its_queue_until_then():
    events, cases, open_steps = _tables()
    model = _two_steps()
    # total time in the process: 10 h (case 0) + 19 h (case 1 until the stop) = 29 h
    q = m.queue_shares(events, cases, model, open_steps=open_steps, stop=20.0)
    assert q["a"] == pytest.approx((2 + 2) / 29)
    assert q["b"] == pytest.approx(16 / 29)
    w = m.waiting_shares(events, cases, open_steps=open_steps, stop=20.0)
    assert w["b"] == pytest.approx(16 / 29)
    assert m.waiting_at_stop(cases, open_steps) == {"waiting_at_end:b": 0.5}
    # without the stop (a real log): finished cases only, as before
    before = m.queue_shares(events, cases, model)
    assert before["a"] == pytest.approx(2 / 10)
    assert before.get("b", 0.0) == pytest.approx(0.0)


def _overloaded_branch():
    """QA's branch_overload10, smaller: a_main (ra, 1 person, 0.9 h, 90 % busy), then 30 % of
    the cases go to b_special (rb, 1 person, 32 h jobs: 960 % of its hours)."""
    return from_dict(
        {
            "name": "branch_overload",
            "start": "a_main",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
            "roles": {"ra": {"headcount": 1}, "rb": {"headcount": 1}},
            "steps": {
                "a_main": {
                    "role": "ra",
                    "duration": {"dist": "exponential", "mean": 0.9},
                    "next": "route",
                },
                "b_special": {
                    "role": "rb",
                    "duration": {"dist": "exponential", "mean": 32.0},
                    "next": "done",
                },
            },
            "decisions": {"route": {"branches": {"b_special": 0.3, "done": 0.7}}},
            "ends": {"done": {"success": True}},
        }
    )


def test_an_overloaded_branch_no_measured_case_got_through_is_the_bottleneck():
    model = _overloaded_branch()
    scenario = Scenario(warmup_days=7, horizon_days=14, drain=False)
    traces = [run_replication(model, scenario, seed=3, replication=r) for r in range(3)]
    table = kpi_table(traces, model)
    # no measured case finished b_special: its queue was invisible to a finished-cases count
    assert (table["cases_in_progress"] > 0).all()
    assert table["waiting_mean:b_special"].isna().all()
    report = kpi_report(table, model)
    b = report["bottleneck"]
    assert b["step"] == "b_special"
    steps = {s["step"]: s for s in report["steps"]}
    assert steps["b_special"]["queue_share"]["mean"] > steps["a_main"]["queue_share"]["mean"]
    # the report says where the unfinished cases wait
    u = report["unfinished"]
    assert u["waiting_at"][0]["step"] == "b_special"
    share_open = (table["cases_in_progress"] / table["cases_arrived"]).mean()
    assert u["share"]["mean"] == pytest.approx(share_open)
    assert u["waiting_at"][0]["share"]["mean"] == pytest.approx(
        table["waiting_at_end:b_special"].mean()
    )
    text = format_report(report)
    assert "bottleneck: b_special" in text
    assert "unfinished: " in text and "waiting at b_special (" in text


def test_a_run_whose_cases_all_finished_reports_no_unfinished_cases():
    model = _two_steps()
    traces = [run_replication(model, Scenario(warmup_days=1, horizon_days=2), seed=1)]
    report = kpi_report(kpi_table(traces, model), model)
    assert report["unfinished"] is None
    assert "unfinished:" not in format_report(report)
