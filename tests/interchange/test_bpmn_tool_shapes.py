"""BPMN in the shapes bpmn.io, Camunda Modeler and Signavio write: sub-processes carrying their
flow references and data associations import; what changes the semantics is refused by name;
a pool that is not simulated is named."""

from __future__ import annotations

import warnings

import pytest
from interchange_testkit import bpmn, el, fix, flows, params, write

from sim.engine import run_replication
from sim.errors import ModelError
from sim.model.interchange import BpmnImportWarning, load_bpmn
from sim.model.scenario import Scenario

START = el("startEvent", "s", "", "<outgoing>f_s_sp</outgoing>")
END = el("endEvent", "e", "done", "<incoming>f_sp_e</incoming>")
INNER = (
    el("startEvent", "ss", "", "<outgoing>f_ss_a</outgoing>")
    + el("task", "a", "A", "<incoming>f_ss_a</incoming><outgoing>f_a_se</outgoing>")
    + el("endEvent", "se", "", "<incoming>f_a_se</incoming>")
    + flows(("ss", "a"), ("a", "se"))
)
# what bpmn.io writes on a sub-process: its flow references first, then data associations
AS_ACTIVITY = (
    "<incoming>f_s_sp</incoming><outgoing>f_sp_e</outgoing>"
    "<ioSpecification id='io1'><inputSet id='is1'/><outputSet id='os1'/></ioSpecification>"
    "<property id='prop1' name='checked'/>"
    "<dataInputAssociation id='dia1'><sourceRef>dor1</sourceRef></dataInputAssociation>"
    "<dataOutputAssociation id='doa1'><targetRef>dor1</targetRef></dataOutputAssociation>"
)
DATA = el("dataObject", "do1") + el("dataObjectReference", "dor1", "Order", dataObjectRef="do1")


def sub_process_model(activity_children: str) -> str:
    """start -> sub-process (start -> A -> end) -> end, the sub-process holding
    ``activity_children`` as bpmn.io writes them."""
    return bpmn(
        START,
        END,
        DATA,
        el("subProcess", "sp", "Check", activity_children + INNER),
        flows(("s", "sp"), ("sp", "e")),
    )


def load_noting(tmp_path, xml, prm, name="m"):
    """The model and the import notes (``BpmnImportWarning`` texts)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BpmnImportWarning)
        model = load_bpmn(write(tmp_path, name, xml, prm))
    return model, [str(w.message) for w in caught if issubclass(w.category, BpmnImportWarning)]


def test_a_sub_process_with_flow_references_and_data_associations_imports(tmp_path):
    """QA interop 1: bpmn.io/Camunda write <incoming>/<outgoing> (and data associations) into a
    sub-process; they were read as flow elements without an id and the file was refused."""
    model, _ = load_noting(tmp_path, sub_process_model(AS_ACTIVITY), params({"a": fix(60)}))
    assert model.start == "A"
    assert model.steps["A"].next == "done"
    assert model.steps["A"].duration.params == {"value": 60.0}
    tr = run_replication(model, Scenario(warmup_days=0, horizon_days=1, replications=1), seed=1)
    assert tr.n_cases > 0 and (tr.case_end[:-5] > tr.case_arrival[:-5]).all()


@pytest.mark.parametrize(
    "loop",
    [
        "<standardLoopCharacteristics/>",
        "<multiInstanceLoopCharacteristics isSequential='true'/>",
    ],
)
def test_a_looping_sub_process_is_refused_by_name(tmp_path, loop):
    """Loop characteristics change what a sub-process does: refused, never ignored, even among
    the children bpmn.io writes."""
    xml = sub_process_model(AS_ACTIVITY + loop)
    with pytest.raises(ModelError, match="element 'sp' \\(subProcess\\): looping or multi-"):
        load_noting(tmp_path, xml, params({"a": fix(60)}))


def test_flow_references_are_still_refused_as_process_children(tmp_path):
    """<incoming> belongs to a flow node; directly in a process it is not silently skipped."""
    xml = bpmn(
        el("startEvent", "s"),
        el("endEvent", "e", "done"),
        el("task", "a", "A"),
        "<incoming>f_s_a</incoming>",
        flows(("s", "a"), ("a", "e")),
    )
    with pytest.raises(ModelError, match="a <incoming> element in the process has no id"):
        load_noting(tmp_path, xml, params({"a": fix(60)}))


CUSTOMER_POOL = (
    "<collaboration id='c1'>"
    "<participant id='pt_main' name='Order handling' processRef='p1'/>"
    "<participant id='pt_cust' name='Customer' processRef='p_cust'/>"
    "<participant id='pt_bank' name='Bank' processRef='p_bank'/>"
    "</collaboration>"
    "<process id='p_cust'>"
    "<laneSet id='ls_c'/>" + el("task", "c_pay", "Pay invoice") + "</process>"
    "<process id='p_bank'/>"
)


def test_a_pool_of_tasks_without_flow_is_named_as_dropped(tmp_path):
    """QA interop 4: a Customer pool with one task and no sequence flow was dropped without a
    word. It still is not simulated, but the note names the pool and its task; an empty pool
    (Bank) says nothing."""
    xml = bpmn(
        el("startEvent", "s"),
        el("endEvent", "e", "done"),
        el("task", "a", "A"),
        flows(("s", "a"), ("a", "e")),
        before=CUSTOMER_POOL,
    )
    model, notes = load_noting(tmp_path, xml, params({"a": fix(60)}))
    assert list(model.steps) == ["A"]
    dropped = [n for n in notes if "not simulated" in n]
    assert len(dropped) == 1
    assert dropped[0].startswith(
        "pool 'Customer' (process 'p_cust') has no start event or sequence flow and is not "
        "simulated; its elements 'c_pay' (task 'Pay invoice') are dropped. Only pool "
        "'Order handling' (process 'p1') is simulated"
    )
    assert "Bank" not in " ".join(notes)
