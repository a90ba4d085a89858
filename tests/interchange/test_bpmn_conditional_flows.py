"""Conditional flows out of an activity are a choice, not a parallel split (QA bpmn19 #1).

BPMN 2.0 (sequence flows out of an activity): a flow without a condition is always taken, a
conditional flow (``conditionExpression``, drawn with a mini-diamond) when its condition holds,
and the activity's ``default`` flow only when no condition holds. Camunda, bpmn.io and Signavio
draw a conditional flow plus a default flow out of a task: an exclusive choice. The import made
every such task a parallel split, so every case ran both branches, and its note said that the
probabilities decided.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from interchange_testkit import bpmn, el, fix, flows, params, write

from sim.engine import run_replication
from sim.errors import ModelError
from sim.model.interchange import BpmnImportWarning, load_bpmn
from sim.model.scenario import Scenario

START = el("startEvent", "s")
END = el("endEvent", "e", "Shipped")


def cond_flow(fid: str, source: str, target: str, expr: str = "${urgent}") -> str:
    """A conditional sequence flow (as Camunda Modeler writes it)."""
    return (
        f'<sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">'
        f"<conditionExpression>{expr}</conditionExpression></sequenceFlow>"
    )


def check_model(*, merge: bool = False, default: str = "F_Normal") -> str:
    """Check order -> [urgent] Express shipping / [default] Normal shipping -> (merge ->) end."""
    after = "m" if merge else "e"
    parts = [
        START,
        END,
        el("task", "T_Check", "Check order", **({"default": default} if default else {})),
        el("task", "T_Express", "Express shipping"),
        el("task", "T_Normal", "Normal shipping"),
        cond_flow("F_Express", "T_Check", "T_Express"),
        flows(
            ("s", "T_Check"),
            ("T_Check", "T_Normal", "F_Normal"),
            ("T_Express", after),
            ("T_Normal", after),
        ),
    ]
    if merge:
        parts += [el("exclusiveGateway", "m"), flows(("m", "e"))]
    return bpmn(*parts)


TASKS = {t: fix(60) for t in ("T_Check", "T_Express", "T_Normal")}


def load_noting(tmp_path, xml, prm, name="m"):
    """The model and the import notes (``BpmnImportWarning`` texts)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BpmnImportWarning)
        model = load_bpmn(write(tmp_path, name, xml, prm))
    return model, [str(w.message) for w in caught if issubclass(w.category, BpmnImportWarning)]


def branch_shares(model, steps: tuple[str, ...]) -> dict[str, float]:
    """Share of the finished cases of one simulated week that ran each of ``steps``, and the
    largest number of them one case ran."""
    tr = run_replication(model, Scenario(warmup_days=0, horizon_days=7, replications=1), seed=3)
    done = np.flatnonzero(~np.isnan(tr.case_end))
    ran = {}
    per_case = np.zeros(tr.n_cases, dtype=int)
    for s in steps:
        idx = tr.activities.index(s)
        cases = np.unique(tr.ev_case[tr.ev_activity == idx])
        cases = cases[np.isin(cases, done)]
        ran[s] = len(cases) / len(done)
        per_case[cases] += 1
    ran["max_per_case"] = int(per_case.max())
    ran["finished"] = len(done)
    return ran


@pytest.mark.parametrize("merge", [False, True], ids=["into_end", "into_xor_merge"])
def test_a_conditional_flow_and_a_default_flow_are_an_exclusive_choice(tmp_path, merge):
    """Every case takes one of the two branches, with the probabilities of the parameters given
    under the task's id; the default flow takes the rest. The branches meeting in an exclusive
    merge gateway need no join (it used to ask for a join gateway)."""
    prm = params(TASKS, gateways={"T_Check": {"F_Express": 0.3}})
    model, notes = load_noting(tmp_path, check_model(merge=merge), prm)
    assert not model.parallels
    (decision,) = model.decisions.values()
    assert model.steps["Check order"].next == decision.name
    assert {b.to: b.probability for b in decision.branches} == pytest.approx(
        {"Express shipping": 0.3, "Normal shipping": 0.7}
    )
    choice = [n for n in notes if "implicit exclusive choice" in n]
    assert len(choice) == 1 and "'T_Check' (Check order)" in choice[0]
    assert "conditional flows ['F_Express'] and default flow 'F_Normal'" in choice[0]
    assert (
        "the probabilities under 'T_Check' in gateway_branching_probabilities decide" in (choice[0])
    )
    shares = branch_shares(model, ("Express shipping", "Normal shipping"))
    assert shares["max_per_case"] == 1  # never both
    assert shares["Express shipping"] + shares["Normal shipping"] == pytest.approx(1.0)
    # 0.3 of about 1,000 cases: 3 standard errors are about 0.045
    assert shares["Express shipping"] == pytest.approx(0.3, abs=0.05)


def test_a_choice_without_probabilities_names_the_task_and_what_to_give(tmp_path):
    path = write(tmp_path, "m", check_model(), params(TASKS))
    with pytest.raises(ModelError) as caught:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BpmnImportWarning)
            load_bpmn(path)
    msg = str(caught.value)
    assert "exclusive choice made by the conditional flows of task 'T_Check' (Check order)" in msg
    assert "add 'T_Check' to gateway_branching_probabilities" in msg
    assert "['F_Express', 'F_Normal']" in msg and "default flow 'F_Normal' may be left out" in msg


def test_several_conditional_flows_are_an_inclusive_choice(tmp_path):
    """Two conditions can hold at once: each branch is drawn with its own probability, and the
    branches are joined where they meet the end (as at an inclusive gateway)."""
    xml = bpmn(
        START,
        END,
        el("task", "a", "Check order"),
        el("task", "b", "Gift wrap"),
        el("task", "c", "Insure parcel"),
        cond_flow("fb", "a", "b", "${gift}"),
        cond_flow("fc", "a", "c", "${valuable}"),
        flows(("s", "a"), ("b", "e"), ("c", "e")),
    )
    prm = params({t: fix(60) for t in "abc"}, gateways={"a": {"fb": 0.5, "fc": 0.2}})
    model, notes = load_noting(tmp_path, xml, prm)
    (par,) = model.parallels.values()
    assert par.branches == ("Gift wrap", "Insure parcel")
    assert par.probabilities == pytest.approx((0.5, 0.2))
    assert any("implicit inclusive choice" in n and "'a' (Check order)" in n for n in notes)


def test_flows_without_a_condition_beside_conditional_ones_always_run(tmp_path):
    xml = bpmn(
        START,
        END,
        el("task", "a", "Check order"),
        el("task", "b", "Send invoice"),
        el("task", "c", "Insure parcel"),
        cond_flow("fc", "a", "c", "${valuable}"),
        flows(("s", "a"), ("a", "b", "fb"), ("b", "e"), ("c", "e")),
    )
    prm = params({t: fix(60) for t in "abc"}, gateways={"a": {"fc": 0.25}})
    model, _ = load_noting(tmp_path, xml, prm)
    (par,) = model.parallels.values()
    assert dict(zip(par.branches, par.probabilities, strict=True)) == pytest.approx(
        {"Send invoice": 1.0, "Insure parcel": 0.25}
    )
    # a probability other than 1 for the flow without a condition is refused
    bad = params({t: fix(60) for t in "abc"}, gateways={"a": {"fc": 0.25, "fb": 0.5}})
    with pytest.raises(ModelError, match="flow 'fb' has no condition, so BPMN takes it in every"):
        load_noting(tmp_path, xml, bad, name="bad")


def test_flows_without_conditions_are_still_a_parallel_split(tmp_path):
    xml = bpmn(
        START,
        END,
        el("task", "a", "A"),
        el("task", "b", "B"),
        el("task", "c", "C"),
        flows(("s", "a"), ("a", "b"), ("a", "c"), ("b", "e"), ("c", "e")),
    )
    model, _ = load_noting(tmp_path, xml, params({t: fix(60) for t in "abc"}))
    (par,) = model.parallels.values()
    assert par.branches == ("B", "C") and par.probabilities is None


def test_a_default_flow_beside_flows_without_conditions_is_refused(tmp_path):
    """The default flow would never be taken (the others always are): refused by name."""
    xml = check_model().replace(
        cond_flow("F_Express", "T_Check", "T_Express"),
        flows(("T_Check", "T_Express", "F_Express")),
    )
    with pytest.raises(ModelError) as caught:
        load_noting(tmp_path, xml, params(TASKS))
    msg = str(caught.value)
    assert "task 'T_Check' (Check order): its default flow 'F_Normal'" in msg
    assert "its flows ['F_Express'] have no condition" in msg


def test_an_inclusive_choice_meeting_at_an_exclusive_merge_is_explained(tmp_path):
    """Several conditions can hold, so an exclusive merge would run what follows twice: the
    message says so, naming the task, and how to draw it, not 'parallel split'."""
    xml = bpmn(
        START,
        END,
        el("task", "a", "Check order"),
        el("task", "b", "Gift wrap"),
        el("task", "c", "Insure parcel"),
        el("exclusiveGateway", "m"),
        cond_flow("fb", "a", "b", "${gift}"),
        cond_flow("fc", "a", "c", "${valuable}"),
        flows(("s", "a"), ("b", "m"), ("c", "m"), ("m", "e")),
    )
    prm = params({t: fix(60) for t in "abc"}, gateways={"a": {"fb": 0.5, "fc": 0.5}})
    with pytest.raises(ModelError) as caught:
        load_noting(tmp_path, xml, prm)
    msg = str(caught.value)
    assert "inclusive choice made by the conditional flows of task 'a' (Check order)" in msg
    assert "first meet at 'm' (exclusiveGateway)" in msg
    assert "draw an exclusive gateway after it instead" in msg
    assert "parallel split" not in msg


def test_a_sub_process_with_a_conditional_and_a_default_flow_is_a_choice(tmp_path):
    """The choice of a sub-process' outgoing flows is keyed by the sub-process' id."""
    inner = (
        el("startEvent", "ss")
        + el("task", "a", "Pack")
        + el("endEvent", "se")
        + flows(("ss", "a"), ("a", "se"))
    )
    xml = bpmn(
        START,
        END,
        el("subProcess", "sp", "Prepare", inner, default="f_normal"),
        el("task", "x", "Express"),
        el("task", "n", "Normal"),
        cond_flow("f_x", "sp", "x"),
        flows(("s", "sp"), ("sp", "n", "f_normal"), ("x", "e"), ("n", "e")),
    )
    prm = params({t: fix(60) for t in "axn"}, gateways={"sp": {"f_x": 0.1}})
    model, _ = load_noting(tmp_path, xml, prm)
    (decision,) = model.decisions.values()
    assert model.steps["Pack"].next == decision.name
    assert {b.to: b.probability for b in decision.branches} == pytest.approx(
        {"Express": 0.1, "Normal": 0.9}
    )


def test_conditions_at_gateways_and_lone_conditional_flows_are_noted(tmp_path):
    """The note on conditions at gateways stays; a conditional flow that is the only flow out
    of a task is taken in every case, and the note says so (it used to say that probabilities
    decide)."""
    xml = bpmn(
        START,
        END,
        el("task", "a", "A"),
        cond_flow("fa", "s", "a"),
        flows(("a", "e")),
    )
    _, notes = load_noting(tmp_path, xml, params({"a": fix(60)}))
    assert any("flows ['fa'] have a condition but are the only flow out" in n for n in notes)
    assert not any("probabilities of the parameters decide" in n for n in notes)
