"""How BPMN end events become successes and drop-offs (QA bpmn19 #2).

The import classed ends by English words in their names, silently: "Request refused" and "Not
approved" were successes, and the README's Loan_Application example (one end event, 502 of 1,000
cases rejected and 167 cancelled) reported 0 % drop-off with no way to say otherwise. Now a note
lists each end and why it was classed so, and ``dropoff=[...]`` names the drop-off ends, by end
event or by the task that leads straight to one.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from interchange_testkit import bpmn, el, fix, flows, params, write

from sim.engine import run_replication
from sim.errors import ModelError
from sim.kpis.summary import replication_kpis
from sim.model.interchange import BpmnImportWarning, load_bpmn, save_bpmn
from sim.model.scenario import Scenario

LOAN = "synth_loan_application/Loan_Application.bpmn"  # under the shared data folder


def load_noting(path, **kw):
    """The model and the import notes (``BpmnImportWarning`` texts)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BpmnImportWarning)
        model = load_bpmn(path, **kw)
    return model, [str(w.message) for w in caught if issubclass(w.category, BpmnImportWarning)]


def two_ends(tmp_path, other: str) -> Path:
    """start -> Review -> (0.8) Send quote -> 'Quote sent' / (0.2) end named ``other``."""
    xml = bpmn(
        el("startEvent", "s"),
        el("task", "a", "Review"),
        el("task", "b", "Send quote"),
        el("exclusiveGateway", "x"),
        el("endEvent", "e_ok", "Quote sent"),
        el("endEvent", "e_no", other),
        flows(("s", "a"), ("a", "x"), ("x", "b", "fb"), ("x", "e_no", "fn"), ("b", "e_ok")),
    )
    prm = params({"a": fix(60), "b": fix(60)}, gateways={"x": {"fb": 0.8, "fn": 0.2}})
    return write(tmp_path, "m", xml, prm)


def end_note(notes: list[str]) -> str:
    (note,) = [n for n in notes if ": end events: " in n]
    return note


def test_the_note_lists_every_end_and_why_it_was_classed(tmp_path):
    model, notes = load_noting(two_ends(tmp_path, "Request refused"))
    assert not model.ends["Request refused"].success and model.ends["Quote sent"].success
    note = end_note(notes)
    assert "'e_ok' (Quote sent): success (no drop-off word in its name)" in note
    assert "'e_no' (Request refused): drop-off (its name has 'refus')" in note
    assert "English words" in note and "dropoff" in note and 'success="false"' in note
    assert "conversion_rate will be 100 %" not in note


def test_a_negated_name_is_marked_to_check_and_all_success_is_said(tmp_path):
    """ "Not approved" has no drop-off word: it stays a success by the naming rule, but never
    silently, and the note says that every case then counts as converted."""
    model, notes = load_noting(two_ends(tmp_path, "Not approved"))
    assert model.ends["Not approved"].success
    note = end_note(notes)
    assert "'e_no' (Not approved): success (no drop-off word in its name; CHECK: its name has " in (
        note
    )
    assert "the negation 'not'" in note
    assert "Every case ends in a success: conversion_rate will be 100 % and dropoff_rate 0 %" in (
        note
    )


@pytest.mark.parametrize("entry", ["Not approved", "e_no"])
def test_dropoff_names_an_end_event_by_name_or_id(tmp_path, entry):
    model, notes = load_noting(two_ends(tmp_path, "Not approved"), dropoff=[entry])
    assert not model.ends["Not approved"].success
    assert model.ends["Quote sent"].success
    note = end_note(notes)
    assert "'e_no' (Not approved): drop-off (named in dropoff)" in note
    assert "'e_ok' (Quote sent): success (not named in dropoff)" in note


def test_dropoff_overrides_the_naming_rule_for_the_ends_it_does_not_name(tmp_path):
    """With dropoff given, the names are not guessed from: an unnamed 'refused' end is a
    success."""
    model, _ = load_noting(two_ends(tmp_path, "Request refused"), dropoff=["Quote sent"])
    assert model.ends["Request refused"].success and not model.ends["Quote sent"].success


def test_dropoff_of_a_task_before_a_shared_end_gives_it_an_end_of_its_own(tmp_path):
    """One end event after both outcomes (as in Loan_Application): naming the task that leads
    to it makes its cases drop-offs, with the task as their outcome, and the simulated
    dropoff_rate is that branch's probability."""
    xml = bpmn(
        el("startEvent", "s"),
        el("task", "a", "Assess"),
        el("exclusiveGateway", "x"),
        el("task", "r", "Reject application"),
        el("task", "k", "Approve application"),
        el("endEvent", "e", "Application finished"),
        flows(("s", "a"), ("a", "x"), ("x", "r", "fr"), ("x", "k", "fk"), ("r", "e"), ("k", "e")),
    )
    prm = params({t: fix(60) for t in "ark"}, gateways={"x": {"fr": 0.4, "fk": 0.6}})
    path = write(tmp_path, "m", xml, prm)
    plain, _ = load_noting(path)
    assert [e.success for e in plain.ends.values()] == [True]
    model, notes = load_noting(path, dropoff=["Reject application"])
    rejected = "Application finished (Reject application)"
    assert model.steps["Reject application"].next == rejected
    assert model.steps["Approve application"].next == "Application finished"
    assert model.ends[rejected].outcome == "Reject application"
    assert not model.ends[rejected].success and model.ends["Application finished"].success
    assert "after task 'Reject application'): drop-off (named in dropoff)" in end_note(notes)
    tr = run_replication(model, Scenario(warmup_days=0, horizon_days=7, replications=1), seed=5)
    kpis = replication_kpis(tr, model)
    # 0.4 of about 1,000 cases: 3 standard errors are about 0.05
    assert kpis["dropoff_rate"] == pytest.approx(0.4, abs=0.05)


def test_dropoff_of_every_task_before_an_end_drops_the_end_no_case_reaches(tmp_path):
    xml = bpmn(
        el("startEvent", "s"),
        el("task", "a", "Reject"),
        el("endEvent", "e", "Finished"),
        flows(("s", "a"), ("a", "e")),
    )
    model, _ = load_noting(write(tmp_path, "m", xml, params({"a": fix(60)})), dropoff=["a"])
    assert list(model.ends) == ["Finished (Reject)"]


def test_an_unknown_dropoff_name_lists_what_can_be_named(tmp_path):
    with pytest.raises(ModelError) as caught:
        load_noting(two_ends(tmp_path, "Lost"), dropoff=["Quote refused"])
    msg = str(caught.value)
    assert "dropoff names ['Quote refused'], which are not end events or tasks" in msg
    assert "['Quote sent', 'Lost']" in msg and "['Send quote']" in msg


def test_our_own_export_says_each_end_itself_and_gets_no_note(tmp_path):
    model, _ = load_noting(two_ends(tmp_path, "Not approved"), dropoff=["Not approved"])
    out = tmp_path / "out"
    out.mkdir()
    again, notes = load_noting(save_bpmn(model, out / "again.bpmn", allow_loss=True).bpmn)
    assert not again.ends["Not approved"].success and again.ends["Quote sent"].success
    assert not [n for n in notes if ": end events: " in n]


def test_the_loan_application_example_can_name_its_rejections_and_cancellations(shared_data):
    """Its data README: 502 of 1,000 cases rejected, 167 cancelled, behind one end event."""
    model, notes = load_noting(shared_data / LOAN)
    assert "Every case ends in a success" in end_note(notes)
    model, _ = load_noting(shared_data / LOAN, dropoff=["Reject application", "Cancel application"])
    assert {e.outcome: e.success for e in model.ends.values()} == {
        "Loan application finished": True,
        "Reject application": False,
        "Cancel application": False,
    }
