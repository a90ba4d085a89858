"""Sub-processes in lanes, deeply nested sub-processes and lanes, and the names of elements in
messages (QA bpmn19 #4, #5, #8).

* bpmn.io lists only a sub-process in its lane's ``flowNodeRef``, not the sub-process' children;
  with lanes as roles the import stopped at the first inner task ("in no lane"). BPMN: the lane
  that holds an activity performs its content.
* A few hundred nested sub-processes (a 40 KB file) ended in a RecursionError traceback.
* Messages named elements by id only, which bpmn.io and Camunda hide; a boundary event's
  message did not say which task it is attached to.
"""

from __future__ import annotations

import warnings

import pytest
from interchange_testkit import BPMN_HEAD, bpmn, el, fix, flows, params, write

from sim.errors import ModelError
from sim.model.interchange import BpmnImportWarning, load_bpmn
from sim.model.interchange.bpmn_read import MAX_NESTING

START = el("startEvent", "s")
END = el("endEvent", "e", "done")


def lanes_as_roles(tasks: str) -> dict:
    """Parameters without resource profiles (the lanes become the roles)."""
    prm = params({t: fix(60) for t in tasks})
    del prm["resource_profiles"]
    for t in prm["task_resource_distribution"]:
        t["resources"][0]["resource_id"] = "anyone"
    return prm


def load(tmp_path, xml, prm, name="m"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        return load_bpmn(write(tmp_path, name, xml, prm))


def sub_process(sid: str, name: str, inner: str, start: str, end: str, chain: list[str]) -> str:
    """An embedded sub-process running ``chain`` between its own start and end event."""
    ids = [start, *chain, end]
    return el(
        "subProcess",
        sid,
        name,
        el("startEvent", start)
        + inner
        + el("endEvent", end)
        + flows(*zip(ids, ids[1:], strict=False)),
    )


def test_the_tasks_of_a_sub_process_take_the_lane_it_is_drawn_in(tmp_path):
    """Nested two deep; a task of the sub-process listed in a lane of its own keeps that lane."""
    inner = sub_process("sp2", "Check more", el("task", "c", "Check policy"), "ss2", "se2", ["c"])
    sp = sub_process(
        "sp",
        "Check documents",
        el("task", "a", "Check ID") + el("task", "b", "Call customer") + inner,
        "ss",
        "se",
        ["a", "sp2", "b"],
    )
    xml = bpmn(
        START,
        END,
        el("task", "r", "Register"),
        sp,
        flows(("s", "r"), ("r", "sp"), ("sp", "e")),
        lanes={"Front office": ["s", "r", "b", "e"], "Back office": ["sp"]},
    )
    model = load(tmp_path, xml, lanes_as_roles("rabc"))
    roles = {s: st.roles for s, st in model.steps.items()}
    assert roles == {
        "Register": ("Front office",),
        "Check ID": ("Back office",),
        "Check policy": ("Back office",),
        "Call customer": ("Front office",),  # its own flowNodeRef wins
    }


def nested(depth: int) -> str:
    """``depth`` sub-processes, each the only content of the one around it, a task in the
    innermost: start -> sp0 -> end, ss{i} -> sp{i+1} -> se{i}."""
    head = "".join(f'<subProcess id="sp{i}"><startEvent id="ss{i}"/>' for i in range(depth))
    inner = (
        f'<task id="a" name="A"/><sequenceFlow id="fa" sourceRef="ss{depth - 1}" targetRef="a"/>'
        f'<sequenceFlow id="fb" sourceRef="a" targetRef="se{depth - 1}"/>'
    )
    tail = "".join(
        f'<endEvent id="se{i}"/>'
        + (
            f'<sequenceFlow id="fi{i}" sourceRef="ss{i}" targetRef="sp{i + 1}"/>'
            f'<sequenceFlow id="fo{i}" sourceRef="sp{i + 1}" targetRef="se{i}"/>'
            if i < depth - 1
            else ""
        )
        + "</subProcess>"
        for i in reversed(range(depth))
    )
    return (
        BPMN_HEAD
        + '<process id="p"><startEvent id="s"/><endEvent id="e"/>'
        + head
        + inner
        + tail
        + '<sequenceFlow id="f1" sourceRef="s" targetRef="sp0"/>'
        + '<sequenceFlow id="f2" sourceRef="sp0" targetRef="e"/></process></definitions>'
    )


@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 3000])
def test_deeply_nested_sub_processes_are_refused_with_a_message(tmp_path, depth):
    with pytest.raises(ModelError) as caught:
        load(tmp_path, nested(depth), params({}))
    msg = str(caught.value)
    assert f"element 'sp{MAX_NESTING}' (subProcess): sub-processes nested deeper than" in msg
    assert f"{MAX_NESTING} levels are not supported" in msg and "outermost 'sp0'" in msg


def test_nesting_up_to_the_bound_is_read(tmp_path):
    model = load(tmp_path, nested(MAX_NESTING), params({"a": fix(60)}))
    assert list(model.steps) == ["A"]
    assert model.steps["A"].provenance["bpmn_subprocess"] == f"sp{MAX_NESTING - 1}"


def test_deeply_nested_lanes_are_refused_with_a_message(tmp_path):
    depth = 3000
    lanes = "".join(f'<lane id="l{i}"><childLaneSet id="c{i}">' for i in range(depth))
    lanes += "".join("</childLaneSet></lane>" for _ in range(depth))
    xml = bpmn(START, END, el("task", "a", "A"), flows(("s", "a"), ("a", "e")), before="").replace(
        '<process id="p1" name="test process">\n',
        f'<process id="p1"><laneSet id="ls">{lanes}</laneSet>',
    )
    with pytest.raises(ModelError, match=f"lanes nested deeper than {MAX_NESTING} levels"):
        load(tmp_path, xml, params({"a": fix(60)}))


def test_messages_add_the_names_the_analyst_drew(tmp_path):
    """A boundary event names the task it is attached to; a call activity and a sub-process
    their names; a timer with an expression says that event_distribution is used first."""
    xml = bpmn(
        START,
        END,
        el("task", "t1", "Handle"),
        el(
            "boundaryEvent",
            "b_timer",
            "2 days passed",
            "<timerEventDefinition/>",
            attachedToRef="t1",
        ),
        el("callActivity", "ca", "Credit check"),
        el("subProcess", "sp", "Ship order"),
        flows(("s", "t1"), ("t1", "ca"), ("ca", "sp"), ("sp", "e"), ("b_timer", "e")),
    )
    with pytest.raises(ModelError) as caught:
        load(tmp_path, xml, params({"t1": fix(60)}))
    msg = str(caught.value)
    assert "['b_timer' is '2 days passed', attached to 't1' (Handle)]" in msg
    assert (
        "element 'ca' (callActivity): a call activity" in msg and "['ca' is 'Credit check']" in msg
    )
    assert "element 'sp' (subProcess): needs exactly one start event" in msg
    assert "['sp' is 'Ship order']" in msg

    timer = "<timerEventDefinition><timeDuration>${waitTime}</timeDuration></timerEventDefinition>"
    xml = bpmn(
        START,
        END,
        el("intermediateCatchEvent", "w", "Wait for customer", timer),
        flows(("s", "w"), ("w", "e")),
    )
    with pytest.raises(ModelError) as caught:
        load(tmp_path, xml, params({}), name="timer")
    msg = str(caught.value)
    assert "event 'w': timeDuration '${waitTime}' is not an ISO 8601 duration" in msg
    assert "give the event a duration in event_distribution" in msg and "(event_id 'w')" in msg
    assert "['w' is 'Wait for customer']" in msg
