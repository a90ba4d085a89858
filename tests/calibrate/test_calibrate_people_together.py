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


def test_steps_of_several_people_calibrate_to_steps_that_need_each_role():
    """QA 2026-12-05 #2: such steps were a role of pairs ('clerk+senior', headcount = the pairs
    seen, 16 for the CRM model's proposals) whose people's own roles lost that work: the
    seniors looked idle and a staffing what-if on them changed nothing. Each person now keeps
    their role, and the step needs one of each."""
    truth = from_dict(TOGETHER)
    scenario = Scenario(horizon_days=60, warmup_days=0)
    trace = run_replication(truth, scenario, seed=3)
    cal = calibrate_model(trace_to_event_log(trace), seed=0)
    model = cal.model
    assert sorted(model.roles) == ["clerk", "senior"]
    assert {r: model.roles[r].headcount for r in model.roles} == {"clerk": 3, "senior": 1}
    assert sorted(model.steps["sign"].roles) == ["clerk", "senior"]
    (note,) = [n for n in cal.notes if "done by several people at once" in n]
    assert "'sign' (clerk + senior, 100% of its" in note
    # the log's busy shares are the truth's: the seniors' signing is their work
    busy = busy_hours(trace_events(trace), truth).groupby("role")["busy"].sum()
    for role in ("clerk", "senior"):
        in_log = model.roles[role].provenance["utilisation_in_log"]
        truth_share = busy[role] / (truth.roles[role].headcount * 24 * 60)
        assert in_log == pytest.approx(truth_share, rel=0.05)
    # simulated again, every role's work is counted under a role of the model
    again = run_replication(model, scenario, seed=4)
    busy = busy_hours(trace_events(again), model).groupby("role")["busy"].sum()
    assert set(busy.index) == {"clerk", "senior"} and busy["senior"] > 0


def test_a_resource_name_with_the_separator_stays_one_resource():
    """'Doe; John' names one person: its parts are no resources of the log."""
    import pandas as pd

    from sim.calibrate.prepare import joined_people

    res = pd.Series(["Doe; John", "ann", "bob", "ann;bob", "ann;zed"])
    assert joined_people(res) == {"ann;bob": ["ann", "bob"]}
    # a role column naming as many roles makes them people even if not seen alone
    assert joined_people(res, {"ann;zed": "a;b"}) == {
        "ann;bob": ["ann", "bob"],
        "ann;zed": ["ann", "zed"],
    }


def _trace_log():
    truth = from_dict(TOGETHER)
    trace = run_replication(truth, Scenario(horizon_days=60, warmup_days=0), seed=3)
    return trace_to_event_log(trace)


def test_roles_listed_in_another_order_than_the_people_still_read_right():
    """QA2 2026-12-05 #5: resource 'senior_1;clerk_2' with role 'clerk;senior' made the senior a
    clerk (the seniors' role vanished); a person seen alone keeps that role, the others take the
    roles left."""
    log = _trace_log()
    joint = log["resource"].str.contains(";")
    assert joint.any()
    swapped = log["resource"][joint].map(lambda r: ";".join(reversed(r.split(";"))))
    log.loc[joint, "resource"] = swapped
    cal = calibrate_model(log, seed=0)
    assert {r: cal.model.roles[r].headcount for r in cal.model.roles} == {"clerk": 3, "senior": 1}
    assert sorted(cal.model.steps["sign"].roles) == ["clerk", "senior"]


def test_one_person_named_twice_is_one_person_and_unresolved_names_are_noted():
    """QA2 2026-12-05 #6, #7: 'c_1;c_1' became a fourth clerk; a joined name calibration cannot
    split (no role column, a part never seen alone) became a role of pairs with no word."""
    log = _trace_log()
    joint = log["resource"].str.contains(";")
    twice = log.copy()
    twice.loc[joint, "resource"] = twice.loc[joint, "resource"].str.split(";").str[0] + ";"
    twice.loc[joint, "resource"] += twice.loc[joint, "resource"].str.rstrip(";")
    assert twice.loc[joint, "resource"].str.split(";").map(lambda p: p[0] == p[1]).all()
    cal = calibrate_model(twice.drop(columns=["role"]), seed=0)
    members = [m for r in cal.model.roles.values() for m in r.members]
    assert sorted(members) == ["clerk_1", "clerk_2", "clerk_3", "senior_1"]
    no_roles = calibrate_model(log.drop(columns=["role"]), seed=0)
    (note,) = [n for n in no_roles.notes if "could not tell apart as people" in n]
    assert "each is taken as one resource" in note
