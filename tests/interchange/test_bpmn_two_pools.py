"""A collaboration with two expanded pools, each with a flow, and message flows between them (QA
bpmn19 #3): it was refused by process ids, not by the pools the analyst drew ("Customer",
"Supplier"), with "keep the others as collapsed pools" and no word on what that drops, and no
option chose the pool to simulate.

Now a request and its answer run as one case: the pool whose start no message targets creates
the cases; the message into the other pool's start splits the case into the two pools' paths,
and the message back into a catch event joins them there. Other patterns are refused by pool
name, with their elements, the message flows, what simulating one pool drops, and ``pool=``
(pool name or process id) to choose one."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sim.engine import run_replication
from sim.errors import ModelError
from sim.model.interchange import BpmnImportWarning, load_bpmn
from sim.model.scenario import Scenario
from tests.interchange.interchange_testkit import BPMN_HEAD, el, fix, flows, params, write

CATCH = "<messageEventDefinition id='{}'/>"

CUSTOMER = (
    "<process id='Process_Customer'>"
    + el("startEvent", "C_Start", "Need goods")
    + el("sendTask", "C_Send", "Send request")
    + el("intermediateCatchEvent", "C_Wait", "Quote received", CATCH.format("m1"))
    + el("userTask", "C_Decide", "Decide on quote")
    + el("endEvent", "C_End", "Decision made")
    + flows(("C_Start", "C_Send"), ("C_Send", "C_Wait"), ("C_Wait", "C_Decide"))
    + flows(("C_Decide", "C_End"))
    + "</process>"
)
SUPPLIER = (
    "<process id='Process_Supplier'>"
    + el("startEvent", "S_Start", "Request received", CATCH.format("m2"))
    + el("userTask", "S_Prepare", "Prepare quote")
    + el("sendTask", "S_Send", "Send quote")
    + el("endEvent", "S_End", "Quote sent")
    + flows(("S_Start", "S_Prepare"), ("S_Prepare", "S_Send"), ("S_Send", "S_End"))
    + "</process>"
)
#: bpmn.io style: Customer: Need goods -> Send request -> (Quote received) -> Decide -> end;
#: Supplier: message start -> Prepare quote -> Send quote -> end; two message flows between them
#: and a collapsed Bank pool (a participant without a process)
TWO_POOLS = (
    BPMN_HEAD + "<collaboration id='collab'>"
    "<participant id='P_Customer' name='Customer' processRef='Process_Customer'/>"
    "<participant id='P_Supplier' name='Supplier' processRef='Process_Supplier'/>"
    "<participant id='P_Bank' name='Bank'/>"
    "<messageFlow id='MF_req' name='request' sourceRef='C_Send' targetRef='S_Start'/>"
    "<messageFlow id='MF_quote' name='quote' sourceRef='S_Send' targetRef='C_Wait'/>"
    "</collaboration>" + CUSTOMER + SUPPLIER + "</definitions>\n"
)
#: the Supplier goes on after answering (archives the quote): not one case, refused
GOES_ON = TWO_POOLS.replace(
    '<sequenceFlow id="f_S_Send_S_End" sourceRef="S_Send" targetRef="S_End"/>',
    el("task", "S_Archive", "Archive quote")
    + flows(("S_Send", "S_Archive"), ("S_Archive", "S_End")),
)
PARAMS = params(
    {t: fix(600) for t in ("C_Send", "C_Decide", "S_Prepare", "S_Send")},
    events={"C_Wait": fix(3600)},
)


def load_noting(path, **kw):
    """The model and the import notes (``BpmnImportWarning`` texts)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BpmnImportWarning)
        model = load_bpmn(path, **kw)
    return model, [str(w.message) for w in caught if issubclass(w.category, BpmnImportWarning)]


def test_refusal_names_the_pools_what_each_holds_and_how_to_choose(tmp_path):
    assert GOES_ON != TWO_POOLS
    path = write(tmp_path, "goes_on", GOES_ON, PARAMS)
    with pytest.raises(ModelError) as info:
        load_bpmn(path)
    text = str(info.value)
    assert (
        "2 pools have a flow of their own, and they cannot run as one case: pool 'Supplier' ("
        in (text)
    )
    assert "must end right after it answers" in text
    # the pools by the names the analyst sees, with their process ids and their elements
    assert "pool 'Customer' (process 'Process_Customer'): 'C_Start' (startEvent 'Need goods')" in (
        text
    )
    assert "pool 'Supplier' (process 'Process_Supplier'): 'S_Start'" in text
    assert "'S_Prepare' (userTask 'Prepare quote')" in text
    # how to choose, in Python and on the command line
    assert "pool='Customer'" in text and "process.pool=Customer" in text
    # what choosing one (or collapsing the others) drops: the other pools' work and the messages
    assert "the other pools' elements above are dropped, with the time their work takes" in text
    assert "'MF_quote' (quote) from 'S_Send' (Send quote) to 'C_Wait' (Quote received)" in text
    assert "takes only its own duration from the parameters" in text
    assert "collapsed pools" not in text  # the old advice that did not say what it drops


@pytest.mark.parametrize("pool", ["Customer", "Process_Customer", " Customer "])
def test_pool_chooses_the_customer_and_names_what_is_dropped(tmp_path, pool):
    path = write(tmp_path, "two_pools", TWO_POOLS, PARAMS)
    model, notes = load_noting(path, pool=pool)
    assert list(model.steps) == ["Send request", "Quote received", "Decide on quote"]
    assert model.steps["Quote received"].duration.mean() == pytest.approx(3600)
    dropped = [n for n in notes if n.startswith("pool 'Supplier'")]
    assert len(dropped) == 1, notes
    note = dropped[0]
    assert "(process 'Process_Supplier') is not simulated (pool= chose another pool)" in note
    assert "'S_Prepare' (userTask 'Prepare quote'), 'S_Send' (sendTask 'Send quote')" in note
    assert "Only pool 'Customer' (process 'Process_Customer') is simulated" in note
    assert "'MF_req' (request) from 'C_Send' (Send request) to 'S_Start' (Request received)" in note
    assert "waiting for a message from the dropped pool takes only its own duration" in note
    assert "Bank" not in " ".join(notes)  # a collapsed pool without a process holds nothing


def test_pool_by_process_id_chooses_the_supplier(tmp_path):
    path = write(tmp_path, "two_pools", TWO_POOLS, PARAMS)
    model, notes = load_noting(path, pool="Process_Supplier")
    assert list(model.steps) == ["Prepare quote", "Send quote"]
    assert any(n.startswith("pool 'Customer' (process 'Process_Customer') is not") for n in notes)


def test_unknown_pool_and_pool_without_flow_are_refused_naming_the_pools(tmp_path):
    path = write(tmp_path, "two_pools", TWO_POOLS, PARAMS)
    with pytest.raises(ModelError, match="pool='Shop' names no pool") as info:
        load_bpmn(path, pool="Shop")
    assert (
        "the pools with a flow to simulate are 'Customer' (process 'Process_Customer'), "
        "'Supplier' (process 'Process_Supplier')" in str(info.value)
    )
    empty = TWO_POOLS.replace(
        "<participant id='P_Bank' name='Bank'/>",
        "<participant id='P_Bank' name='Bank' processRef='Process_Bank'/>",
    ).replace("</definitions>", "<process id='Process_Bank'/></definitions>")
    path = write(tmp_path, "with_bank", empty, PARAMS)
    with pytest.raises(ModelError, match="'Bank' \\(process 'Process_Bank'\\), which has no start"):
        load_bpmn(path, pool="Bank")


def test_pool_of_a_one_pool_file_is_checked(tmp_path):
    """``pool=`` on a file with one pool: its name is accepted, another is refused."""
    one = (
        BPMN_HEAD + "<collaboration id='collab'>"
        "<participant id='P_Customer' name='Customer' processRef='Process_Customer'/>"
        "</collaboration>" + CUSTOMER + "</definitions>\n"
    )
    prm = params({t: fix(600) for t in ("C_Send", "C_Decide")}, events={"C_Wait": fix(3600)})
    path = write(tmp_path, "one_pool", one, prm)
    assert list(load_noting(path, pool="Customer")[0].steps) == list(load_noting(path)[0].steps)
    with pytest.raises(ModelError, match="pool='Supplier' names no pool"):
        load_bpmn(path, pool="Supplier")


def _cycles(model, seed: int = 1) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Cycle times (hours) of one simulated week's finished cases, and per step the start and
    end of its events relative to their case's arrival (hours)."""
    tr = run_replication(model, Scenario(warmup_days=0, horizon_days=7, replications=1), seed=seed)
    done = ~np.isnan(tr.case_end)
    rel = {}
    for i, a in enumerate(tr.activities):
        sel = (tr.ev_activity == i) & done[tr.ev_case]
        arr = tr.case_arrival[tr.ev_case[sel]]
        rel[a] = np.column_stack([tr.ev_start[sel] - arr, tr.ev_end[sel] - arr])
    return (tr.case_end - tr.case_arrival)[done], rel


def test_request_and_answer_run_as_one_case(tmp_path):
    """A case every 10 hours, 10-minute tasks, 3 people working 24/7: nobody ever waits for
    staff. Each case: Send request 0-10 min; the Supplier's Prepare quote 10-20 and Send quote
    20-30 while the Customer waits at Quote received (no time of its own); Decide on quote
    30-40. Cycle 40 minutes; the Customer alone (pool=) waits its 1-hour event instead: 80."""
    prm = params(
        {t: fix(600) for t in ("C_Send", "C_Decide", "S_Prepare", "S_Send")},
        events={"C_Wait": fix(3600)},
        arrival=fix(36000),
    )
    path = write(tmp_path, "two_pools", TWO_POOLS, prm)
    model, notes = load_noting(path)
    assert list(model.ends) == ["Decision made"]  # the Supplier's end is no outcome
    (block,) = model.parallels.values()
    assert set(block.branches) == {"Quote received", "Prepare quote"}  # the Customer waits
    assert (block.join, block.next) == ("Quote received", "Decide on quote")
    assert model.steps["Send quote"].next == "Quote received"
    assert "Quote received" not in model.steps
    note = next(n for n in notes if "runs in the same case" in n)
    assert note.startswith(
        "pool 'Supplier' (process 'Process_Supplier') runs in the same case: 'C_Send' (Send "
        "request) starts it, as a parallel branch beside the case's own path, and 'C_Wait' "
        "(Quote received) waits for its answer from 'S_Send' (Send quote)"
    )
    cycles, rel = _cycles(model)
    assert len(cycles) >= 15  # a case every 10 hours over a week
    assert cycles == pytest.approx(np.full(len(cycles), 40 / 60))
    for step, (start, end) in {
        "Send request": (0, 10),
        "Prepare quote": (10, 20),
        "Send quote": (20, 30),
        "Decide on quote": (30, 40),
    }.items():
        assert rel[step] == pytest.approx(np.tile([start / 60, end / 60], (len(cycles), 1)))
    alone, _ = _cycles(load_noting(path, pool="Customer")[0])
    assert alone == pytest.approx(np.full(len(alone), 80 / 60))


def test_lanes_of_both_pools_become_roles(tmp_path):
    xml = TWO_POOLS.replace(
        "<process id='Process_Customer'>",
        "<process id='Process_Customer'><laneSet id='lc'><lane id='L_buy' name='Buyer'>"
        + "".join(f"<flowNodeRef>{n}</flowNodeRef>" for n in ("C_Send", "C_Decide"))
        + "</lane></laneSet>",
    ).replace(
        "<process id='Process_Supplier'>",
        "<process id='Process_Supplier'><laneSet id='ls'><lane id='L_sales' name='Sales'>"
        + "".join(f"<flowNodeRef>{n}</flowNodeRef>" for n in ("S_Prepare", "S_Send"))
        + "</lane></laneSet>",
    )
    prm = params(
        {t: fix(600) for t in ("C_Send", "C_Decide", "S_Prepare", "S_Send")},
        events={"C_Wait": fix(3600)},
    )
    prm["resource_profiles"] = []  # no resource pools: the lanes are the roles
    for t in prm["task_resource_distribution"]:
        t["resources"][0]["resource_id"] = "anyone"
    model, _ = load_noting(write(tmp_path, "lanes", xml, prm))
    assert {s: model.steps[s].roles for s in model.steps} == {
        "Send request": ("Buyer",),
        "Decide on quote": ("Buyer",),
        "Prepare quote": ("Sales",),
        "Send quote": ("Sales",),
    }


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (  # fire and forget: the Supplier never answers
            ("<messageFlow id='MF_quote' name='quote' sourceRef='S_Send' targetRef='C_Wait'/>", ""),
            "pool 'Supplier' (process 'Process_Supplier') must answer with one message flow into "
            "pool 'Customer' (process 'Process_Customer') (to an element that waits for it), "
            "where it has 0",
        ),
        (  # no message starts the Supplier: both pools start cases of their own
            (
                "<messageFlow id='MF_req' name='request' sourceRef='C_Send' targetRef='S_Start'/>",
                "",
            ),
            "pools that start on their own: 'Customer' (process 'Process_Customer'), 'Supplier' "
            "(process 'Process_Supplier')",
        ),
        (  # the answer goes into a task that does work, not one that waits
            ("targetRef='C_Wait'", "targetRef='C_Decide'"),
            "the answer of pool 'Supplier' (process 'Process_Supplier') must go to a message "
            "catch event or receive task",
        ),
    ],
)
def test_other_patterns_are_refused_by_name(tmp_path, change, why):
    xml = TWO_POOLS.replace(*change)
    assert xml != TWO_POOLS
    with pytest.raises(ModelError, match="cannot run as one case") as info:
        load_bpmn(write(tmp_path, "m", xml, PARAMS))
    assert why in str(info.value)
    assert "pool='Customer'" in str(info.value)  # and how to simulate one pool instead
