"""A simulated log's steps done by several people at once (resource 'c_1;s_1', role
'clerk;senior' in one row) calibrated, and simulated again: a QA round found the role 'clerk;senior'
made from such a log, whose ';' the utilisation accounting then split into 'clerk' and 'senior',
so it read 0 % busy and the clerks over 100 %."""

from __future__ import annotations

import pytest

from sim.calibrate import calibrate_model
from sim.engine import run_replication
from sim.errors import ModelError
from sim.kpis import trace_events, trace_to_event_log
from sim.kpis.measures import busy_hours
from sim.model import from_dict
from sim.model.scenario import Scenario

TOGETHER = {
    "name": "signing together",
    "start": "intake",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
    "roles": {"clerk": {"headcount": 3}, "senior": {"headcount": 1}},
    "steps": {
        "intake": {
            "role": "clerk",
            "duration": {"dist": "exponential", "mean": 0.5},
            "next": "sign",
        },
        "sign": {
            "roles": ["clerk", "senior"],
            "duration": {"dist": "exponential", "mean": 0.3},
            "next": "done",
        },
    },
    "ends": {"done": {"success": True}},
}


def test_a_role_name_with_the_people_separator_is_refused():
    spec = {**TOGETHER, "roles": {"clerk;senior": {"headcount": 1}}}
    spec["steps"] = {"intake": {**TOGETHER["steps"]["intake"], "role": "clerk;senior"}}
    spec["steps"]["intake"]["next"] = "done"
    with pytest.raises(ModelError, match=r"roles\.clerk;senior: a role name cannot contain ';'"):
        from_dict(spec)


def test_steps_of_several_people_calibrate_to_a_role_whose_work_is_counted():
    trace = run_replication(from_dict(TOGETHER), Scenario(horizon_days=30, warmup_days=0), seed=3)
    cal = calibrate_model(trace_to_event_log(trace), seed=0)
    model = cal.model
    (pair,) = [r for r in model.roles if "+" in r]  # in the order the trace wrote them
    assert sorted(pair.split("+")) == ["clerk", "senior"]
    assert not [r for r in model.roles if ";" in r]
    (note,) = [n for n in cal.notes if "joined by ';'" in n]
    assert pair.replace("+", ";") in note and f"'{pair}'" in note
    # simulated again, the pair role's work is its own, not the clerks'
    again = run_replication(model, Scenario(horizon_days=30, warmup_days=0), seed=4)
    busy = busy_hours(trace_events(again), model).groupby("role")["busy"].sum()
    sign = model.steps["sign"].roles
    assert sign == (pair,)
    assert busy[pair] > 0
    assert set(busy.index) <= set(model.roles)
