"""QA of the BPMN interchange: timers are waiting, Prosimos' limits and import approximations are
named (import notes, export losses)."""

from __future__ import annotations

import dataclasses
import warnings

import pytest
from interchange_testkit import bpmn, el, expon, fix, flows, params, write

from sim.engine import run_replication
from sim.errors import ModelError
from sim.kpis.summary import replication_kpis
from sim.model import from_dict
from sim.model.interchange import (
    BpmnImportWarning,
    check_bpmn_export,
    load_bpmn,
    save_bpmn,
    to_prosimos_json,
)
from sim.model.scenario import Scenario

START = el("startEvent", "s")
END = el("endEvent", "e", "done")
TIMER = "<timerEventDefinition><timeDuration>P1D</timeDuration></timerEventDefinition>"


def load_noting(tmp_path, xml, prm, name="m"):
    """The model and the import notes (``BpmnImportWarning`` texts)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BpmnImportWarning)
        model = load_bpmn(write(tmp_path, name, xml, prm))
    return model, [str(w.message) for w in caught if issubclass(w.category, BpmnImportWarning)]


def load(tmp_path, xml, prm, name="m"):
    return load_noting(tmp_path, xml, prm, name)[0]


# ----------------------------------------------------------------------- 1. catch events wait
CATCH = {
    "timer": TIMER,
    "message": "<messageEventDefinition/>",
    "signal": "<signalEventDefinition/>",
    "conditional": (
        "<conditionalEventDefinition><condition>x</condition></conditionalEventDefinition>"
    ),
}


def catch_model() -> str:
    """start -> task -> one catch event of each kind -> end."""
    chain = ["s", "a", *CATCH, "e"]
    return bpmn(
        START,
        END,
        el("task", "a", "Send reminder"),
        *(el("intermediateCatchEvent", k, f"wait {k}", inner) for k, inner in CATCH.items()),
        flows(*zip(chain, chain[1:], strict=False)),
    )


def test_imported_catch_events_are_timers_not_work(tmp_path):
    """QA: a 1-day timer after a 10-minute task was reported as 24 h of value-adding processing
    (value_added_ratio 100 %, no timers in kpis.json)."""
    others = {k: fix(3600) for k in CATCH if k != "timer"}
    m = load(tmp_path, catch_model(), params({"a": fix(600)}, events=others))
    waits = [f"wait {k}" for k in CATCH]
    assert m.metadata["timer_steps"] == sorted(waits)
    assert [m.steps[w].value_adding for w in waits] == [False] * 4
    assert m.steps["Send reminder"].value_adding
    trace = run_replication(m, Scenario(horizon_days=10, warmup_days=0, replications=1), seed=1)
    kpi = replication_kpis(trace, m)
    # 10 minutes of work in 10 min + 4 days
    assert kpi["value_added_ratio"] == pytest.approx(600 / (600 + 86400 + 3 * 3600), rel=1e-3)
    assert kpi["timer_share"] > 0.99 and kpi["timer_share:wait timer"] > 0.8


def test_timers_survive_an_export_and_automated_steps_stay_work(tmp_path):
    """Round trip: the timers of ``metadata["timer_steps"]`` come back as timers; a step without
    a role that is not one (automated work) comes back as work."""
    spec = {
        "name": "m",
        "time_unit": "hours",
        "start": "work",
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 1}},
        "roles": {"clerk": {"headcount": 2}},
        "steps": {
            "work": {"role": "clerk", "duration": {"dist": "fixed", "value": 0.5}, "next": "bot"},
            "bot": {"duration": {"dist": "fixed", "value": 0.1}, "next": "delay:wait"},
            "delay:wait": {
                "duration": {"dist": "fixed", "value": 24},
                "next": "done",
                "value_adding": False,
            },
        },
        "ends": {"done": {"success": True}},
        "metadata": {"timer_steps": ["delay:wait"]},
    }
    model = from_dict(spec)
    res = save_bpmn(model, tmp_path / "m.bpmn")
    assert res.lost == ()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        back = load_bpmn(res.bpmn)
    assert back.metadata == {"timer_steps": ["delay:wait"]}
    assert not back.steps["delay:wait"].value_adding
    assert back.steps["bot"].value_adding and back.steps["bot"].roles == ()


# --------------------------------------------------------------- 3. no profiles, no durations
def test_lanes_as_roles_still_need_durations(tmp_path):
    """QA: without resource_profiles and with an empty task_resource_distribution the import
    died with KeyError: 'a'."""
    xml = bpmn(
        START, END, el("task", "a", "Register"), flows(("s", "a"), ("a", "e")), lanes={"C": ["a"]}
    )
    prm = {"task_resource_distribution": [], "arrival_time_distribution": expon(3600, 0, 1e5)}
    with pytest.raises(ModelError, match=r"task 'a' \(Register\) has no durations: add it to"):
        load_bpmn(write(tmp_path, "m", xml, prm))


# ----------------------------------------------------------------- 2. what Prosimos cannot run
def two_ends_model(probabilities=(0.5, 0.2)):
    return from_dict(
        {
            "name": "m",
            "time_unit": "hours",
            "start": "a",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1}},
            "roles": {"clerk": {"headcount": 2}},
            "steps": {
                "a": {"role": "clerk", "duration": {"dist": "fixed", "value": 0.5}, "next": "x"},
                "b": {"role": "clerk", "duration": {"dist": "fixed", "value": 0.5}, "next": "j"},
                "c": {"role": "clerk", "duration": {"dist": "fixed", "value": 0.5}, "next": "j"},
            },
            "decisions": {"x": {"branches": {"or": 0.9, "lost": 0.1}}},
            "parallel": {
                "or": {
                    "branches": ["b", "c"],
                    "join": "j",
                    "next": "won",
                    "probabilities": list(probabilities),
                }
            },
            "ends": {"won": {"success": True}, "lost": {"success": False}},
        }
    )


def test_several_ends_and_an_inclusive_gateway_not_summing_to_1_are_losses(tmp_path):
    """QA: such exports failed in Prosimos 2.1 ('Temporarily not supporting multiple end
    events'; numpy's 'probabilities do not sum to 1') and only a docstring said so."""
    model = two_ends_model()
    with pytest.raises(ModelError, match="Temporarily not supporting multiple end events"):
        to_prosimos_json(model)
    lost = check_bpmn_export(model, tmp_path / "m.bpmn", allow_loss=True)
    assert lost[0].startswith("ends ['won', 'lost']: Prosimos 2.1 simulates only models with one")
    assert lost[1].startswith("parallel.or.probabilities [0.5, 0.2]: sum to 0.7, not 1")
    assert len(lost) == 2
    summing_to_1 = check_bpmn_export(two_ends_model((0.75, 0.25)), tmp_path / "m", allow_loss=True)
    assert [x.split(":")[0] for x in summing_to_1] == ["ends ['won', 'lost']"]


# ---------------------------------------------------------------- 4. lanes that are not roles
def test_a_lane_that_differs_from_the_resource_profile_is_named(tmp_path):
    """QA: with resource_profiles the lanes were ignored silently, even a task's lane saying
    'Warehouse' when the parameters give the task to 'Finance'."""
    xml = bpmn(
        START,
        END,
        el("task", "a", "Pick"),
        el("task", "b", "Invoice"),
        flows(("s", "a"), ("a", "b"), ("b", "e")),
        lanes={"Warehouse": ["s", "a", "b"], "Finance": ["e"]},
    )
    prm = params(
        {"a": fix(60), "b": fix(60)},
        pools={"Warehouse": 3, "Finance": 1},
        pool_of={"b": "Finance"},
    )
    m, notes = load_noting(tmp_path, xml, prm)
    assert m.steps["Invoice"].roles == ("Finance",)
    (note,) = [n for n in notes if "lanes" in n]
    assert "the roles come from resource_profiles, not from the BPMN lanes" in note
    assert "'b' (Invoice) in lane 'Warehouse' is done by 'Finance'" in note
    assert "'a'" not in note


# ------------------------------------------------------------------- 5. default flows
def default_model(given: dict[str, float]) -> tuple[str, dict]:
    xml = bpmn(
        START,
        END,
        el("exclusiveGateway", "x", "ok?", default="f_def"),
        el("task", "a", "A"),
        el("task", "b", "B"),
        flows(("s", "x"), ("x", "a", "f_a"), ("x", "b", "f_def"), ("a", "e"), ("b", "e")),
    )
    return xml, params({"a": fix(60), "b": fix(60)}, gateways={"x": given})


def test_the_default_flow_takes_the_rest(tmp_path):
    """QA: probabilities for the other flows only gave 'sum to 0.1, not 1'."""
    m, notes = load_noting(tmp_path, *default_model({"f_a": 0.1}))
    assert {b.to: b.probability for b in m.decisions["ok?"].branches} == pytest.approx(
        {"A": 0.1, "B": 0.9}
    )
    assert any(
        "its default flow 'f_def' has no probability; it takes the rest, 0.9" in n for n in notes
    )


def test_a_default_flow_cannot_fix_probabilities_above_1(tmp_path):
    with pytest.raises(ModelError, match=r"sum to 1.2, not 1 \(its default flow 'f_def' takes"):
        load(tmp_path, *default_model({"f_a": 1.0, "f_def": 0.2}))
    with pytest.raises(ModelError, match=r"sum to 0.7, not 1 \(its default flow 'f_def' takes"):
        load(tmp_path, *default_model({"f_a": 0.5, "f_def": 0.2}))


# ------------------------------------------------------ 6. timer starts, events, sub-processes
def test_a_timer_start_event_is_noted(tmp_path):
    """QA: a timer start with timeCycle R/PT1H was accepted silently; the JSON's arrivals rule."""
    cycle = "<timerEventDefinition><timeCycle>R/PT1H</timeCycle></timerEventDefinition>"
    xml = bpmn(
        el("startEvent", "s", "hourly", cycle),
        END,
        el("task", "a", "A"),
        flows(("s", "a"), ("a", "e")),
    )
    _, notes = load_noting(tmp_path, xml, params({"a": fix(60)}))
    assert any(
        "start event 's' is a timer (timeCycle 'R/PT1H'); it is not simulated" in n for n in notes
    )


def test_export_names_message_events_and_flattened_sub_processes(tmp_path):
    """QA: re-exporting an imported model wrote its message catch event as a timer and its
    embedded sub-process as plain steps, without a word."""
    inner = (
        el("startEvent", "ss")
        + el("task", "st", "Inner task")
        + el("endEvent", "se")
        + flows(("ss", "st"), ("st", "se"))
    )
    xml = bpmn(
        START,
        END,
        el("subProcess", "sp", "Checks", inner),
        el("intermediateCatchEvent", "m", "reply", "<messageEventDefinition/>"),
        flows(("s", "sp"), ("sp", "m"), ("m", "e")),
    )
    m = load(tmp_path, xml, params({"st": fix(60)}, events={"m": fix(600)}))
    lost = check_bpmn_export(m, tmp_path / "out.bpmn", allow_loss=True)
    assert lost == (
        "steps.reply: imported from an intermediate catch event with messageEventDefinition; "
        "exported as a timer event (same duration)",
        "sub-process 'sp' (Checks): flattened on import; its steps and decisions ['Inner task'] "
        "are exported in the main flow, without the sub-process boundary",
    )
    # the re-export, imported, has neither: a second export loses nothing
    res = save_bpmn(m, tmp_path / "out.bpmn", allow_loss=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        again = load_bpmn(res.bpmn)
    assert check_bpmn_export(again, tmp_path / "again.bpmn") == ()
    assert again.metadata == {"timer_steps": ["reply"]}


def test_a_plain_model_exports_without_losses(tmp_path):
    """Nothing of the above is said of a model without those features."""
    xml = bpmn(
        START,
        END,
        el("task", "a", "A"),
        el("intermediateCatchEvent", "w", "wait", TIMER),
        flows(("s", "a"), ("a", "w"), ("w", "e")),
    )
    m = load(tmp_path, xml, params({"a": fix(60)}))
    assert check_bpmn_export(m, tmp_path / "x.bpmn") == ()
    assert dataclasses.asdict(m.steps["wait"])["provenance"] == {"bpmn_id": "w"}


def test_an_end_value_by_segment_is_its_mean_over_the_cases_that_end_there():
    """QA 2026-12-05 bpmn #9: CRM's won deal is worth 60,000 from a key account (25 % of
    leads, 52.5 % of them won) and 8,000 from a small business (42 % won); the export took the
    mean over the shares, 21,000, and its revenue per case fell from 9,743 to 8,710."""
    import yaml

    from sim.model.interchange.exporter import _end_value
    from sim.model.views import expected_visits, segment_routing

    with open("configs/process/crm_sales.yaml", encoding="utf-8") as f:
        m = from_dict(yaml.safe_load(f))
    won = m.ends["won"]
    reach = {
        s.name: expected_visits(segment_routing(m, s.name))["won"] for s in m.arrivals.segments
    }
    share = {s.name: s.share for s in m.arrivals.segments}
    assert reach["key_account"] == pytest.approx(0.525) and share["key_account"] == 0.25
    cases = {k: share[k] * reach[k] for k in share}
    expected = sum(cases[k] * won.value_for(k) for k in cases) / sum(cases.values())
    assert _end_value(m, won) == pytest.approx(expected)
    assert _end_value(m, won) == pytest.approx(23294.1, abs=0.1)  # 21,000 over the shares
