"""The bottleneck's role view (QA bottleneck19 #2): a role spread over several steps can make
cases queue longest in all while none of its steps is the largest; the step verdict stays, and
the console and kpis.json name that role beside it."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.engine import run_replication
from sim.kpis import format_report, kpi_report, kpi_table
from sim.model import from_dict
from sim.model.scenario import Scenario

EXP = "exponential"


def _shared():
    """QA's shared.yaml: rs (1 person) does s1, s2, s3, s4 (0.2 h each: 80 % busy, about 0.8 h
    of queue a visit, 3.2 h a case); rd (1 person) does d (0.75 h: 75 % busy, Wq 2.25 h)."""

    def step(role, mean, nxt):
        return {"role": role, "duration": {"dist": EXP, "mean": mean}, "next": nxt}

    return from_dict(
        {
            "name": "shared",
            "start": "s1",
            "arrivals": {"interarrival": {"dist": EXP, "mean": 1.0}},
            "roles": {"rs": {"headcount": 1}, "rd": {"headcount": 1}},
            "steps": {
                "s1": step("rs", 0.2, "s2"),
                "s2": step("rs", 0.2, "d"),
                "d": step("rd", 0.75, "s3"),
                "s3": step("rs", 0.2, "s4"),
                "s4": step("rs", 0.2, "done"),
            },
            "ends": {"done": {"success": True}},
        }
    )


def test_a_role_over_several_steps_that_queues_cases_most_is_named_beside_the_step():
    model = _shared()
    scenario = Scenario(warmup_days=7, horizon_days=28)
    table = kpi_table(
        [run_replication(model, scenario, seed=1, replication=r) for r in range(10)], model
    )
    report = kpi_report(table, model)
    b = report["bottleneck"]
    assert b["step"] == "d"  # the step verdict is kept
    role = b["by_role"]
    assert role["role"] == "rs"
    assert role["steps"] == ["s1", "s2", "s3", "s4"]
    per_rep = table[[f"queue_share:{s}" for s in role["steps"]]].sum(axis=1)
    hours = table["time_in_process"]  # pooled: its steps' queueing over every replication's time
    assert role["queue_share"]["mean"] == pytest.approx((per_rep * hours).sum() / hours.sum())
    assert role["queue_share"]["mean"] > b["queue_share"]["mean"]
    assert role["utilisation"] == pytest.approx(table["utilisation:rs"].mean())
    text = format_report(report)
    assert "by role: rs — cases queue for it " in text
    assert "over its 4 steps (s1, s2, s3, s4), more than at d" in text


def _two_roles():
    """a and b by clerk, c by boss."""
    return from_dict(
        {
            "name": "roles",
            "start": "a",
            "arrivals": {"interarrival": 1.0},
            "roles": {"clerk": {"headcount": 1}, "boss": {"headcount": 1}},
            "steps": {
                "a": {"role": "clerk", "duration": 0.5, "next": "c"},
                "c": {"role": "boss", "duration": 0.5, "next": "b"},
                "b": {"role": "clerk", "duration": 0.5, "next": "done"},
            },
            "ends": {"done": {"success": True}},
        }
    )


def _table(a, b, c):
    return pd.DataFrame(
        {
            "replication": [0, 1, 2],
            "queue_share:a": a,
            "queue_share:b": b,
            "queue_share:c": c,
            "waiting_share:a": a,
            "waiting_share:b": b,
            "waiting_share:c": c,
        }
    )


def test_the_role_line_appears_only_when_the_role_is_not_the_bottleneck_steps():
    model = _two_roles()
    # c (boss) 20 %, but the clerk's a and b together 30 %
    report = kpi_report(_table([0.15, 0.16, 0.14], [0.15, 0.14, 0.16], [0.2, 0.2, 0.2]), model)
    assert report["bottleneck"]["step"] == "c"
    assert report["bottleneck"]["by_role"]["role"] == "clerk"
    assert report["bottleneck"]["by_role"]["queue_share"]["mean"] == pytest.approx(0.3)
    assert "by role: clerk" in format_report(report)
    # the clerk's steps are the bottleneck's and its role the largest: nothing more to say
    same = kpi_report(_table([0.3, 0.3, 0.3], [0.05, 0.05, 0.05], [0.2, 0.2, 0.2]), model)
    assert same["bottleneck"]["step"] == "a"
    assert same["bottleneck"]["by_role"]["role"] == "clerk"
    assert "by role:" not in format_report(same)
    # the boss's single step is the bottleneck and the boss the largest role: no line either
    boss = kpi_report(_table([0.05, 0.05, 0.05], [0.05, 0.05, 0.05], [0.2, 0.2, 0.2]), model)
    assert boss["bottleneck"]["by_role"]["role"] == "boss"
    assert "by role:" not in format_report(boss)


def test_a_role_tied_with_the_bottleneck_steps_role_says_so():
    model = _two_roles()
    report = kpi_report(_table([0.1, 0.12, 0.09], [0.11, 0.1, 0.12], [0.2, 0.25, 0.18]), model)
    r = report["bottleneck"]["by_role"]
    assert r["role"] == "clerk" and r["tied_with"] == ["boss"]
    assert "statistically tied with boss" in format_report(report)
