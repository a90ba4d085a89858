"""Export to BPMN + Prosimos JSON, and import(export(model)) == model."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import warnings

import numpy as np
import pytest
from defusedxml import ElementTree as DET
from interchange_testkit import model_differences

from sim.engine import run_replication
from sim.errors import ModelError
from sim.model import from_dict, load
from sim.model.interchange import (
    BpmnImportWarning,
    check_bpmn_export,
    load_bpmn,
    save_bpmn,
    to_prosimos_json,
)
from sim.model.scenario import Scenario

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
NCNAME = re.compile(r"[^\W\d][\w.\-]*")

EXPRESSIBLE = {
    "name": "claims",
    "description": "A model with every feature BPMN + Prosimos can express.",
    "time_unit": "hours",
    "start_date": "2026-01-05T00:00:00",
    "start": "register",
    "arrivals": {
        "interarrival": {"dist": "exponential", "mean": 0.5},
        "profile": {"weekdays": [0] * 8 + [1] * 9 + [0] * 7},
    },
    "calendars": {"office": {"weekdays": ["08:00-12:00", "13:00-17:00"]}},
    "roles": {
        "clerk": {"headcount": 3, "calendar": "office", "hourly_cost": 30},
        "expert": {"headcount": 2, "calendar": "24/7", "hourly_cost": 80},
    },
    "steps": {
        "register": {
            "role": "clerk",
            "duration": {"dist": "gamma", "mean": 0.3, "std": 0.1},
            "next": "triage",
            "mandatory": True,
        },
        "assess": {
            "role": "expert",
            "duration": {"dist": "lognormal", "mean": 1.2, "std": 0.8},
            "next": "paperwork",
            "cost": 12.5,
            "requires": ["register"],
        },
        "check_policy": {
            "role": "clerk",
            "duration": {"dist": "uniform", "min": 0.1, "max": 0.4},
            "next": "paperwork_done",
        },
        "check_history": {
            "duration": {"dist": "fixed", "value": 0.05},
            "next": "paperwork_done",
            "value_adding": False,
        },
        "fraud_check": {
            "role": "expert",
            "duration": {"dist": "normal", "mean": 0.5, "std": 0.08},
            "next": "extras_done",
        },
        "site_visit": {
            "role": "expert",
            "duration": {"dist": "triangular", "min": 1, "mode": 2, "max": 4},
            "next": "extras_done",
        },
        "pay": {
            "role": "clerk",
            "duration": {"dist": "exponential", "mean": 0.2},
            "next": "paid",
            "description": "Transfer the money.",
        },
        "wait_for_documents": {"duration": {"dist": "fixed", "value": 24}, "next": "assess"},
    },
    "decisions": {
        "triage": {
            "branches": {"wait_for_documents": 0.3, "assess": 0.6, "rejected": 0.1},
            "description": "Complete?",
        },
        "verdict": {
            "branches": {"pay": 0.8, "assess": 0.05, "rejected": 0.15},
            "requires": ["assess"],
        },
    },
    "parallel": {
        "paperwork": {
            "branches": ["check_policy", "check_history"],
            "join": "paperwork_done",
            "next": "extras",
        },
        "extras": {
            "branches": ["fraud_check", "site_visit"],
            "join": "extras_done",
            "next": "verdict",
            "probabilities": [0.5, 0.2],
        },
    },
    "ends": {
        "paid": {"success": True, "value": 100},
        "rejected": {"success": False, "outcome": "claim rejected"},
    },
}


@pytest.fixture(scope="module")
def expressible():
    return from_dict(EXPRESSIBLE)


# Prosimos 2.1 cannot run these parts of EXPRESSIBLE, which are exported as they are: listed
# among the losses all the same (QA: the files failed in Prosimos without a word)
RUNS_NOT_IN_PROSIMOS = ("ends ['paid', 'rejected']: ", "parallel.extras.probabilities [0.5, 0.2]: ")


def drawn_losses(lost):
    """The losses of an EXPRESSIBLE export but for what Prosimos 2.1 cannot run."""
    return [x for x in lost if not x.startswith(RUNS_NOT_IN_PROSIMOS)]


def quiet_load(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        return load_bpmn(path)


def test_expressible_model_round_trips(tmp_path, expressible):
    spec = dict(EXPRESSIBLE, steps=dict(EXPRESSIBLE["steps"]))
    del spec["steps"]["site_visit"]  # triangular: Prosimos cannot draw it (tested below)
    spec["parallel"] = dict(EXPRESSIBLE["parallel"])
    spec["parallel"]["extras"] = {
        **spec["parallel"]["extras"],
        "branches": ["fraud_check", "extras_done"],
    }
    model = from_dict(spec)
    res = save_bpmn(model, tmp_path / "claims.bpmn", allow_loss=True)
    assert [x[: len(p)] for x, p in zip(res.lost, RUNS_NOT_IN_PROSIMOS, strict=True)] == list(
        RUNS_NOT_IN_PROSIMOS
    )
    back = quiet_load(res.bpmn)
    assert model_differences(model, back) == []
    # and once more: the import of an export is a fixed point, provenance included
    again = quiet_load(save_bpmn(back, tmp_path / "again.bpmn", allow_loss=True).bpmn)
    assert again == back


def test_what_prosimos_cannot_draw_is_refused_or_approximated(tmp_path, expressible):
    with pytest.raises(ModelError, match="steps.site_visit.duration: triangular"):
        save_bpmn(expressible, tmp_path / "x.bpmn")
    res = save_bpmn(expressible, tmp_path / "x.bpmn", allow_loss=True)
    assert len(drawn_losses(res.lost)) == 1
    back = quiet_load(res.bpmn)
    assert back.steps["site_visit"].duration.mean() == pytest.approx(
        expressible.steps["site_visit"].duration.mean()
    )


def test_crm_export_lists_what_would_be_lost(tmp_path, crm_path):
    crm = load(crm_path)
    with pytest.raises(ModelError) as exc:
        save_bpmn(crm, tmp_path / "crm.bpmn")
    msg = str(exc.value)
    for expected in (
        "arrivals.segments ['key_account', 'small_business']",
        "decisions.needs_match.by_segment",
        "steps.solution_proposal: done by ['account_exec', 'solutions_eng']",
        "steps.quote_approval",
        "steps.first_contact.patience",
        "handoff_delay",
        "arrivals.profile: several rate levels",
        "ends.won.value",
        "Temporarily not supporting multiple end events",
    ):
        assert expected in msg
    assert not (tmp_path / "crm.bpmn").exists()
    res = save_bpmn(crm, tmp_path / "crm.bpmn", allow_loss=True)
    assert len(res.lost) == 10
    assert any("steps.quote_preparation.duration: triangular" in x for x in res.lost)
    back = quiet_load(res.bpmn)
    assert set(back.steps) == set(crm.steps) and set(back.ends) == set(crm.ends)
    assert back.steps["solution_proposal"].roles == ("account_exec",)
    assert back.decisions["needs_match"].by_segment == {}
    # revenue: per-segment values become their mean over the cases that end there, not 0
    # (test_interchange_qa_bpmn.py has the numbers)
    assert back.ends["won"].value == pytest.approx(23294.1, abs=0.1)
    # the weekly volume of arrivals is kept
    assert back.arrivals.interarrival.mean() * back.time_factor == pytest.approx(
        crm.arrivals.interarrival.mean() * crm.time_factor, rel=1e-9
    )
    tr = run_replication(back, Scenario(horizon_days=7, warmup_days=0, replications=1), seed=1)
    assert tr.n_cases > 0


def test_check_bpmn_export_says_what_save_bpmn_would_lose_and_writes_nothing(tmp_path, crm_path):
    crm = load(crm_path)
    with pytest.raises(ModelError) as refused:
        save_bpmn(crm, tmp_path / "crm.bpmn")
    with pytest.raises(ModelError) as checked:
        check_bpmn_export(crm, tmp_path / "crm")  # the same refusal, the .bpmn path named
    assert str(checked.value) == str(refused.value)
    lost = check_bpmn_export(crm, tmp_path / "crm.bpmn", allow_loss=True)
    assert lost == save_bpmn(crm, tmp_path / "crm.bpmn", allow_loss=True).lost
    assert len(lost) == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm.bpmn", "crm.json"]  # save's


def test_refuses_to_overwrite(tmp_path, expressible):
    res = save_bpmn(expressible, tmp_path / "m.bpmn", allow_loss=True)
    with pytest.raises(ModelError, match="refusing to overwrite"):
        save_bpmn(expressible, res.bpmn, allow_loss=True)
    assert save_bpmn(expressible, res.bpmn, allow_loss=True, overwrite=True).bpmn == res.bpmn


def test_bpmn_is_well_formed_with_a_complete_diagram(tmp_path, expressible):
    res = save_bpmn(expressible, tmp_path / "m.bpmn", allow_loss=True)
    root = DET.parse(str(res.bpmn)).getroot()
    proc = root.find(f"{BPMN}process")
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) and all(NCNAME.fullmatch(i) for i in ids)
    nodes = [
        c
        for c in proc
        if c.tag[len(BPMN) :]
        not in ("sequenceFlow", "laneSet", "extensionElements", "documentation")
    ]
    flows = proc.findall(f"{BPMN}sequenceFlow")
    shapes = {s.get("bpmnElement") for s in root.iter(f"{DI}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{DI}BPMNEdge")}
    assert {n.get("id") for n in nodes} <= shapes
    assert {f.get("id") for f in flows} == set(edges)
    assert all(len(e) >= 2 for e in edges.values())
    node_ids = {n.get("id") for n in nodes}
    assert all(f.get("sourceRef") in node_ids and f.get("targetRef") in node_ids for f in flows)
    # one lane per role, and every node in exactly one lane
    lanes = root.iter(f"{BPMN}lane")
    refs = {lane.get("name"): [r.text for r in lane] for lane in lanes}
    assert set(refs) == {"clerk", "expert"}
    listed = [r for rs in refs.values() for r in rs]
    assert sorted(listed) == sorted(node_ids)
    # gateways are pure splits or pure joins (Prosimos' convention)
    incoming = {i: 0 for i in node_ids}
    outgoing = {i: 0 for i in node_ids}
    for f in flows:
        outgoing[f.get("sourceRef")] += 1
        incoming[f.get("targetRef")] += 1
    for n in nodes:
        if n.tag.endswith("Gateway"):
            assert incoming[n.get("id")] == 1 or outgoing[n.get("id")] == 1
        elif not n.tag.endswith("Gateway"):
            assert incoming[n.get("id")] <= 1


def test_prosimos_json_refers_to_the_bpmn(tmp_path, expressible):
    res = save_bpmn(expressible, tmp_path / "m.bpmn", allow_loss=True)
    prm = json.loads(res.params.read_text())
    root = DET.parse(str(res.bpmn)).getroot()
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    tasks = {e.get("id") for e in root.iter(f"{BPMN}task")}
    assert {t["task_id"] for t in prm["task_resource_distribution"]} == tasks
    assert {e["event_id"] for e in prm["event_distribution"]} <= ids
    resources = {r["id"] for p in prm["resource_profiles"] for r in p["resource_list"]}
    calendars = {c["id"] for c in prm["resource_calendars"]}
    for t in prm["task_resource_distribution"]:
        assert {r["resource_id"] for r in t["resources"]} <= resources
    for p in prm["resource_profiles"]:
        assert all(r["calendar"] in calendars for r in p["resource_list"])
    for g in prm["gateway_branching_probabilities"]:
        assert g["gateway_id"] in ids and all(p["path_id"] in ids for p in g["probabilities"])
    assert prm == to_prosimos_json(expressible, allow_loss=True)
    # the arrival gap in clock time: 336 cases a week (a gap of 30 min in operational time)
    # all arrive in the 45 open hours, so 45/168 of 30 min while open
    assert prm["arrival_time_distribution"]["distribution_params"][0]["value"] == pytest.approx(
        1800 * 45 / 168
    )


def test_edited_models_export_their_new_values(tmp_path, shared_data):
    loan = quiet_load(shared_data / "synth_loan_application" / "Loan_Application.bpmn")
    clerk = loan.roles["Clerk"]
    step = loan.steps["Check credit history"]
    edited = dataclasses.replace(
        loan,
        roles={**loan.roles, "Clerk": dataclasses.replace(clerk, headcount=12)},
        steps={
            **loan.steps,
            step.name: dataclasses.replace(step, duration=step.duration.scaled(0.5)),
        },
    )
    prm = to_prosimos_json(edited)
    clerks = [p for p in prm["resource_profiles"] if p["name"] == "Clerk"]
    assert sum(r["amount"] for p in clerks for r in p["resource_list"]) == 12
    back = quiet_load(save_bpmn(edited, tmp_path / "edited.bpmn").bpmn)
    assert back.roles["Clerk"].headcount == 12
    assert back.steps["Check credit history"].duration.mean() == pytest.approx(
        step.duration.mean() * 0.5, rel=1e-9
    )


def test_same_seed_same_trace_after_a_round_trip(tmp_path, expressible):
    res = save_bpmn(expressible, tmp_path / "m.bpmn", allow_loss=True)
    back = quiet_load(res.bpmn)
    back2 = quiet_load(save_bpmn(back, tmp_path / "m2.bpmn", allow_loss=True).bpmn)
    sc = Scenario(horizon_days=14, warmup_days=0, replications=1)
    a, b = run_replication(back, sc, seed=3), run_replication(back2, sc, seed=3)
    np.testing.assert_array_equal(a.ev_end, b.ev_end)
    np.testing.assert_array_equal(a.case_outcome, b.case_outcome)


def test_a_timer_measured_from_the_arrival_is_a_named_loss(tmp_path):
    spec = copy.deepcopy(EXPRESSIBLE)
    del spec["steps"]["site_visit"]  # its triangular duration is a loss of its own
    spec["parallel"]["extras"]["branches"] = ["fraud_check", "extras_done"]
    spec["steps"]["check_history"]["measured_from"] = "arrival"
    with pytest.raises(ModelError, match="steps.check_history.measured_from"):
        save_bpmn(from_dict(spec), tmp_path / "x.bpmn")
    res = save_bpmn(from_dict(spec), tmp_path / "x.bpmn", allow_loss=True)
    (lost,) = drawn_losses(res.lost)
    assert "measured from when the case reaches it" in lost


def test_a_calibrated_models_metadata_loss_is_listed(tmp_path, expressible):
    """QA: a calibrated model lost its activity view on a BPMN round trip, and the losses file
    did not say so."""
    meta = dict(expressible.metadata or {}) | {"timer_steps": [], "step_activity": {"a": "a"}}
    calibrated = dataclasses.replace(expressible, metadata=meta)
    res = save_bpmn(calibrated, tmp_path / "cal.bpmn", allow_loss=True)
    assert any(x.startswith("metadata: a calibrated model's activity names") for x in res.lost)
    timers_only = dataclasses.replace(expressible, metadata={"timer_steps": ["check_history"]})
    res = save_bpmn(timers_only, tmp_path / "timers.bpmn", allow_loss=True)
    assert not any(x.startswith("metadata") for x in res.lost)  # timer steps are carried


def test_a_loss_names_the_distribution_in_the_models_time_unit(tmp_path, expressible):
    """QA 9a: the losses file described a step of 1 to 4 hours as 'triangular(min=3600,
    mode=7200, max=1.44e+04)', the seconds the Prosimos JSON is written in, beside a model file
    that says min=1, max=4."""
    res = save_bpmn(expressible, tmp_path / "x.bpmn", allow_loss=True)
    (lost,) = drawn_losses(res.lost)
    assert lost.startswith("steps.site_visit.duration: triangular(min=1, mode=2, max=4) (hours)")
    assert "3600" not in lost


def test_alternatives_export_as_more_resources_of_the_task_at_their_pace(expressible):
    spec = copy.deepcopy(EXPRESSIBLE)
    spec["steps"]["pay"]["alternatives"] = {
        "expert": {"duration": {"dist": "exponential", "mean": 0.1}, "share": 0.2}
    }
    with pytest.raises(ModelError, match=r"steps.pay.alternatives: kept as more resources"):
        to_prosimos_json(from_dict(spec))
    prm = to_prosimos_json(from_dict(spec), allow_loss=True)
    res_role = {r["id"]: p["name"] for p in prm["resource_profiles"] for r in p["resource_list"]}
    plain = to_prosimos_json(expressible, allow_loss=True)
    pay_id = next(  # the task ids of both exports are the same: the BPMN did not change
        t["task_id"]
        for t in plain["task_resource_distribution"]
        if {res_role[r["resource_id"]] for r in t["resources"]} == {"clerk"}
        and t["resources"][0]["distribution_name"] == "expon"
    )
    task = next(t for t in prm["task_resource_distribution"] if t["task_id"] == pay_id)
    by_role = {res_role[r["resource_id"]]: r for r in task["resources"]}
    assert set(by_role) == {"clerk", "expert"}
    assert by_role["expert"]["distribution_params"] != by_role["clerk"]["distribution_params"]
