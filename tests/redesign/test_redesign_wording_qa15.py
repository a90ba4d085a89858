"""Summaries and refusals say what really happens (QA redesign15 #4, #5)."""

from __future__ import annotations

import pytest
from redesign_testkit import build, crm, fixed

from sim.errors import RedesignRefused
from sim.redesign import move_decision, remove_step
from sim.redesign.candidates import find_candidates


def test_removing_a_step_names_the_rework_loop_that_now_skips_it() -> None:
    """quote_ok sends 20 % back to quote_preparation; without it they go back to approval."""
    out = remove_step(crm(), "quote_preparation")
    assert out.decisions["quote_ok"].branches[1].to == "quote_approval"
    summary = out.metadata["changes"][-1]["summary"]
    assert summary == (
        "Remove 'quote_preparation' (cases go straight on to 'quote_approval'; the loop back "
        "from 'quote_ok' now returns to 'quote_approval')"
    )
    plain = remove_step(crm(), "contract_review").metadata["changes"][-1]["summary"]
    assert plain == "Remove 'contract_review' (cases go straight on to 'signing')"


def test_a_decision_right_after_a_join_says_so() -> None:
    """It said 'it already comes right after the start' of a decision after a parallel join."""
    m = build(
        {
            "a": {"role": "r1", "duration": fixed(1), "next": "par"},
            "b": {"role": "r1", "duration": fixed(1), "next": "par/join"},
            "c": {"role": "r2", "duration": fixed(1), "next": "par/join"},
            "d": {"role": "r1", "duration": fixed(1), "next": "done"},
        },
        decisions={"ok": {"branches": {"d": 0.5, "lost": 0.5}}},
        parallel={"par": {"branches": ["b", "c"], "join": "par/join", "next": "ok"}},
        ends={"done": {"success": True}, "lost": {"success": False}},
    )
    with pytest.raises(RedesignRefused) as err:
        move_decision(m, "ok")
    assert "it comes right after the join of parallel block 'par'" in str(err.value)
    assert "the start" not in str(err.value)


def test_a_candidate_move_of_a_decision_without_inputs_names_what_it_would_skip() -> None:
    """A decision with no requires (a calibrated model's before QA redesign15 #3) may be moved
    before the very step that made it: the candidate says which step to check it against."""
    m = build(
        {
            "a": {"role": "r1", "duration": fixed(1), "next": "assess"},
            "assess": {"role": "r2", "duration": fixed(2), "next": "ok"},
            "go": {"role": "r1", "duration": fixed(1), "next": "done"},
        },
        decisions={"ok": {"branches": {"go": 0.6, "lost": 0.4}}},
        ends={"done": {"success": True}, "lost": {"success": False}},
    )
    (cand,) = find_candidates(m)["move_decision"]
    assert cand.reason.startswith(
        "requires no step (check that its outcome does not depend on 'assess')"
    )


def test_a_candidate_removal_of_a_step_a_decision_requires_says_so() -> None:
    """A calibrated decision after a step requires it; removing the step keeps the decision's
    shares as if it were done (QA retest15 #3): the candidate says so and points to checks:."""
    m = build(
        {
            "a": {"role": "r1", "duration": fixed(1), "next": "assess"},
            "assess": {"role": "r2", "duration": fixed(2), "next": "ok"},
            "go": {"role": "r1", "duration": fixed(1), "next": "done"},
        },
        decisions={"ok": {"branches": {"go": 0.6, "lost": 0.4}, "requires": ["assess"]}},
        ends={"done": {"success": True}, "lost": {"success": False}},
    )
    found = {next(iter(c.entries)): c.reason for c in find_candidates(m)["remove"]}
    assert "decision 'ok' requires it" in found["assess"]
    assert "checks:" in found["assess"]
    assert "requires it" not in found["a"]
