"""More on BPMN pools and ``dropoff=`` (QA retest19 #1, #4, #5, #6).

#1: a pool answering with a *message end event* (bpmn.io's and Camunda's usual "send the answer
and end") was refused as "must end right after it answers", though its end is the answer. It
now runs in the case as a send task before the end does.
#4: the end-event note named only ``load_bpmn(..., dropoff=[...])``, not the command line's
``process.dropoff=[...]``.
#5: a misspelt or wrong-case pool or drop-off name got no "did you mean".
#6: after ``pool=``, the parameters' durations of the dropped pool's tasks (and of a receive task
that became a join) were called "not tasks of the BPMN process", as if the files did not match.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import ModelError
from sim.model.interchange import load_bpmn
from tests.interchange.interchange_testkit import bpmn, el, fix, flows, params, write
from tests.interchange.test_bpmn_two_pools import PARAMS, TWO_POOLS, _cycles, load_noting

LOAN = "synth_loan_application/Loan_Application.bpmn"  # under the shared data folder


def _message_end(xml: str) -> str:
    """``TWO_POOLS`` with the Supplier's answer sent by its end event, not a send task."""
    out = (
        xml.replace(el("sendTask", "S_Send", "Send quote"), "")
        .replace(
            el("endEvent", "S_End", "Quote sent"),
            el("endEvent", "S_End", "Quote sent", "<messageEventDefinition id='m3'/>"),
        )
        .replace(flows(("S_Prepare", "S_Send"), ("S_Send", "S_End")), flows(("S_Prepare", "S_End")))
        .replace("sourceRef='S_Send' targetRef='C_Wait'", "sourceRef='S_End' targetRef='C_Wait'")
    )
    assert "S_Send" not in out and "sourceRef='S_End'" in out, "the fixture did not change"
    return out


def test_an_answer_sent_by_a_message_end_event_runs_as_one_case(tmp_path):
    """A case every 10 hours, 10-minute tasks, nobody waits for staff: Send request 0-10 min,
    the Supplier's Prepare quote 10-20 while the Customer waits (no time of its own), then the
    end event "Quote sent" answers and Decide on quote runs 20-30. Cycle 30 minutes."""
    prm = params(
        {t: fix(600) for t in ("C_Send", "C_Decide", "S_Prepare")},
        events={"C_Wait": fix(3600)},
        arrival=fix(36000),
    )
    model, notes = load_noting(write(tmp_path, "msg_end", _message_end(TWO_POOLS), prm))
    assert list(model.ends) == ["Decision made"]  # "Quote sent" is no outcome
    (block,) = model.parallels.values()
    assert set(block.branches) == {"Quote received", "Prepare quote"}
    assert (block.join, block.next) == ("Quote received", "Decide on quote")
    assert model.steps["Prepare quote"].next == "Quote received"
    assert any(
        "'C_Wait' (Quote received) waits for its answer from 'S_End' (Quote sent)" in n
        for n in notes
    ), notes
    cycles, rel = _cycles(model)
    assert len(cycles) >= 15
    assert cycles == pytest.approx(np.full(len(cycles), 30 / 60))
    assert rel["Prepare quote"] == pytest.approx(np.tile([10 / 60, 20 / 60], (len(cycles), 1)))
    assert rel["Decide on quote"] == pytest.approx(np.tile([20 / 60, 30 / 60], (len(cycles), 1)))


def test_a_message_end_event_beside_another_end_is_refused_saying_why(tmp_path):
    """The Supplier may also decline (another end, no answer): the case would wait forever."""
    xml = _message_end(TWO_POOLS).replace(
        flows(("S_Prepare", "S_End")),
        el("exclusiveGateway", "S_G", "Can supply?")
        + el("endEvent", "S_No", "Request declined")
        + flows(("S_Prepare", "S_G"), ("S_G", "S_End"), ("S_G", "S_No")),
    )
    with pytest.raises(ModelError, match="cannot run as one case") as info:
        load_bpmn(write(tmp_path, "m", xml, PARAMS))
    text = str(info.value)
    assert "its end event 'S_End' sends the answer, so it must be the pool's only end" in text
    assert "but it also ends at ['S_No']" in text
    assert "every end event of it must follow the sender of the answer" not in text


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("customer", "Customer"), ("Custmer", "Customer"), ("SUPPLIER", "Supplier")],
)
def test_a_near_miss_of_a_pool_name_is_named(tmp_path, typed, meant):
    path = write(tmp_path, "two_pools", TWO_POOLS, PARAMS)
    with pytest.raises(ModelError, match=f"pool='{typed}' names no pool") as info:
        load_bpmn(path, pool=typed)
    assert f"(did you mean '{meant}'?)" in str(info.value)


@pytest.mark.parametrize(
    "typed", ["Reject aplication", "reject application", "REJECT  APPLICATION"]
)
def test_a_near_miss_of_a_dropoff_name_is_named(typed, shared_data):
    with pytest.raises(ModelError, match="dropoff names") as info:
        load_bpmn(shared_data / LOAN, dropoff=[typed, "Cancel application"])
    text = str(info.value)
    assert f"dropoff names [{typed!r}] (did you mean 'Reject application'?), which" in text
    assert "'Approve application'?" not in text  # the same name in another case, not a near one


def test_several_near_misses_of_dropoff_names_are_each_named(shared_data):
    with pytest.raises(ModelError) as info:
        load_bpmn(shared_data / LOAN, dropoff=["Reject aplication", "Cancel aplication", "zzz"])
    assert (
        "dropoff names ['Reject aplication', 'Cancel aplication', 'zzz'] ('Reject aplication': "
        "did you mean 'Reject application'?; 'Cancel aplication': did you mean 'Cancel "
        "application'?), which" in str(info.value)
    )


def test_the_end_event_note_names_the_command_line_option(tmp_path):
    xml = bpmn(
        el("startEvent", "s"),
        el("task", "a", "Review"),
        el("endEvent", "e", "Done"),
        flows(("s", "a"), ("a", "e")),
    )
    _, notes = load_noting(write(tmp_path, "m", xml, params({"a": fix(60)})))
    (note,) = [n for n in notes if ": end events: " in n]
    assert "load_bpmn(..., dropoff=[...])" in note
    assert "process.dropoff=[...] on the command line" in note


def test_durations_of_a_dropped_pool_are_not_called_a_mismatch(tmp_path):
    """``pool=Customer``: the parameters' S_Prepare and S_Send are the Supplier's tasks; a task
    that is in no pool is still flagged."""
    prm = params(
        {t: fix(600) for t in ("C_Send", "C_Decide", "S_Prepare", "S_Send", "Typo_task")},
        events={"C_Wait": fix(3600)},
    )
    _, notes = load_noting(write(tmp_path, "two_pools", TWO_POOLS, prm), pool="Customer")
    (mismatch,) = [n for n in notes if "not tasks of the BPMN process" in n]
    assert "['Typo_task']" in mismatch and "S_Prepare" not in mismatch
    (unused,) = [n for n in notes if "are not used" in n and "task_resource_distribution" in n]
    assert "tasks ['S_Prepare', 'S_Send'] are not used: pool 'Supplier' (process " in unused
    assert "is not simulated" in unused


def test_durations_of_a_receive_task_become_join_are_not_called_a_mismatch(tmp_path):
    xml = TWO_POOLS.replace(
        el(
            "intermediateCatchEvent",
            "C_Wait",
            "Quote received",
            "<messageEventDefinition id='m1'/>",
        ),
        el("receiveTask", "C_Wait", "Quote received"),
    )
    assert "receiveTask" in xml
    prm = params({t: fix(600) for t in ("C_Send", "C_Decide", "S_Prepare", "S_Send", "C_Wait")})
    model, notes = load_noting(write(tmp_path, "receive", xml, prm))
    assert "Quote received" not in model.steps  # the join: no time of its own
    assert not [n for n in notes if "not tasks of the BPMN process" in n], notes
    (unused,) = [n for n in notes if "task_resource_distribution" in n and "not used" in n]
    assert (
        "tasks ['C_Wait'] are not used: receive task 'C_Wait' (Quote received) waits for the "
        "answer of pool 'Supplier'" in unused
    )
