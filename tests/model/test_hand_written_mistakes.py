"""Mistakes of a model written by hand (QA outcomes16): each is refused, or its message points at
the actual mistake.

Ends sharing an outcome, one a success and one a drop-off, merged silently in the engine (the
last end listed decided for both: a model of 100 % drop-off with revenue); a success end named
``abandoned`` made the cases that gave up waiting count as won. A decision that was its own
branch, percentages where shares belong and a flow to an end not listed under ``ends:`` were
accepted, or named without the hint that fixes them.
"""

from __future__ import annotations

import copy
import dataclasses

import pytest

from sim.engine import run_replications
from sim.errors import ModelError
from sim.model import ABANDONED, from_dict, load
from sim.model.scenario import Scenario
from sim.model.validate import notes

PATIENCE = {"dist": "exponential", "mean": 2.0}
PERCENT_HINT = "write shares, e.g. 0.4 for 40 %"
END_HINT = "an end must be listed under `ends:`"

SALES = {
    "name": "sales",
    "start": "qualify",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
    "roles": {"rep": {"headcount": 2}},
    "steps": {"qualify": {"role": "rep", "duration": 0.5, "next": "approved"}},
    "decisions": {"approved": {"branches": {"won": 0.6, "not_qualified": 0.4}}},
    "ends": {"won": {"success": True, "value": 100}, "not_qualified": {"success": False}},
}


def sales(**ends) -> dict:
    """SALES with its ends replaced by ``ends`` (the decision's branches follow their names)."""
    spec = copy.deepcopy(SALES)
    if ends:
        spec["ends"] = ends
        share = 1 / len(ends)
        spec["decisions"]["approved"]["branches"] = {e: share for e in ends}
    return spec


def error_of(spec: dict) -> str:
    with pytest.raises(ModelError) as info:
        from_dict(spec)
    return str(info.value)


# ------------------------------------------------------------------------- shared outcomes
def test_two_ends_of_one_outcome_one_a_success_the_other_a_drop_off_are_refused():
    msg = error_of(sales(won={"success": True}, not_qualified={"success": False, "outcome": "won"}))
    assert (
        "ends.not_qualified: its outcome 'won' is also that of end 'won', which is a success "
        "while this one is a drop-off; one outcome cannot be both" in msg
    )


def test_ends_sharing_an_outcome_of_one_kind_are_fine():
    model = from_dict(
        sales(
            won_online={"success": True, "outcome": "won"},
            won_in_store={"success": True, "outcome": "won"},
            lost={"success": False},
        )
    )
    assert {e.outcome for e in model.ends.values()} == {"won", "lost"}


def test_the_engine_refuses_merged_outcomes_of_a_model_built_in_code():
    model = from_dict(sales())
    merged = dataclasses.replace(model.ends["not_qualified"], outcome="won")
    built = dataclasses.replace(model, ends={**model.ends, "not_qualified": merged})
    sc = Scenario(horizon_days=1.0, warmup_days=0.0, replications=1)
    with pytest.raises(ModelError, match="ends.not_qualified: its outcome 'won' is also that"):
        run_replications(built, sc, seed=0, workers=1)


# --------------------------------------------------------------- the outcome 'abandoned'
def test_a_success_end_named_abandoned_is_refused_when_cases_may_give_up_waiting():
    spec = sales(won={"success": True}, abandoned={"success": True})
    spec["steps"]["qualify"]["patience"] = PATIENCE
    msg = error_of(spec)
    assert (
        "ends.abandoned: the outcome 'abandoned' is reserved for cases that give up waiting "
        "(patience at ['qualify'])" in msg
    )
    assert "give the end another outcome (e.g. `outcome: completed`)" in msg


def test_a_success_end_whose_outcome_is_abandoned_is_refused_by_its_name():
    spec = sales(won={"success": True, "outcome": ABANDONED}, lost={"success": False})
    spec["steps"]["qualify"]["patience"] = PATIENCE
    assert "ends.won: the outcome 'abandoned' is reserved" in error_of(spec)
    assert "e.g. `outcome: won`" in error_of(spec)


def test_an_end_named_abandoned_without_patience_is_just_a_name():
    model = from_dict(sales(won={"success": True}, abandoned={"success": True}))
    assert model.ends["abandoned"].success
    assert not [n for n in notes(model) if "abandon" in n]


def test_a_drop_off_end_named_abandoned_beside_patience_is_noted():
    # calibration names an end so when the log's abandonment activity is called 'abandoned'
    spec = sales(won={"success": True}, abandoned={"success": False})
    spec["steps"]["qualify"]["patience"] = PATIENCE
    said = [n for n in notes(from_dict(spec)) if n.startswith("ends.abandoned")]
    assert said == [
        "ends.abandoned: its outcome 'abandoned' is also that of cases that give up waiting "
        "(patience at ['qualify']): `outcome_share:abandoned` counts both, `abandon_rate` only "
        "those that gave up; give the end another outcome (`outcome:`) to tell them apart"
    ]


# ---------------------------------------------------------------------------- decisions
def test_a_decision_that_is_its_own_branch_is_refused():
    spec = sales()
    spec["decisions"]["approved"]["branches"] = {"won": 0.8, "approved": 0.2}
    msg = error_of(spec)
    assert (
        "decisions.approved.branches: 'approved' is the decision itself; a decision cannot be "
        "its own branch (a loop must go back through a step)" in msg
    )


def test_a_loop_through_a_step_is_still_fine():
    spec = sales()
    spec["decisions"]["approved"]["branches"] = {"won": 0.6, "not_qualified": 0.2, "qualify": 0.2}
    assert "qualify" in [b.to for b in from_dict(spec).decisions["approved"].branches]


# ------------------------------------------------------------------------- percentages
@pytest.mark.parametrize(
    "probs", [{"won": 60, "not_qualified": 40}, {"won": 30, "not_qualified": 50}]
)
def test_branch_percentages_are_told_to_be_shares(probs):
    spec = sales()
    spec["decisions"]["approved"]["branches"] = probs
    total = sum(probs.values())
    assert (
        f"decisions.approved.branches: probabilities must sum to 1, they sum to {total}; "
        f"{PERCENT_HINT}" in error_of(spec)
    )


def test_a_sum_near_one_gets_no_percent_hint():
    spec = sales()
    spec["decisions"]["approved"]["branches"] = {"won": 0.7, "not_qualified": 0.5}
    msg = error_of(spec)
    assert "they sum to 1.2" in msg and PERCENT_HINT not in msg


def test_segment_percentages_are_told_to_be_shares():
    spec = sales()
    spec["arrivals"]["segments"] = {"big": {"share": 20}, "small": {"share": 80}}
    assert f"arrivals.segments: shares must sum to 1, they sum to 100; {PERCENT_HINT}" in (
        error_of(spec)
    )
    spec["arrivals"]["segments"] = {"big": {"share": 0.2}, "small": {"share": 0.8}}
    spec["decisions"]["approved"]["by_segment"] = {"big": {"won": 90, "not_qualified": 10}}
    assert (
        f"decisions.approved.by_segment.big: probabilities must sum to 1, they sum to 100; {PERCENT_HINT}"
        in error_of(spec)
    )


def test_inclusive_percentages_are_told_to_be_shares():
    spec = sales()
    spec["start"] = "both"
    spec["steps"]["call"] = {"duration": 1, "next": "both_done"}
    spec["steps"]["mail"] = {"duration": 1, "next": "both_done"}
    spec["parallel"] = {
        "both": {
            "branches": ["call", "mail"],
            "join": "both_done",
            "next": "qualify",
            "probabilities": [70, 30],
        }
    }
    assert (
        f"parallel.both.probabilities: each must be in [0, 1], got [70.0, 30.0]; {PERCENT_HINT}"
        in error_of(spec)
    )


# --------------------------------------------------------------------- unlisted ends
def test_a_flow_to_an_unlisted_end_says_ends_are_listed():
    spec = sales()
    spec["decisions"]["approved"]["branches"] = {"won": 0.6, "rejected": 0.4}
    msg = error_of(spec)
    assert (
        "decisions.approved.branches: unknown node 'rejected'; valid choices are ['approved', "
        f"'not_qualified', 'qualify', 'won']; {END_HINT}" in msg
    )
    spec = sales()
    spec["steps"]["qualify"]["next"] = "closed"
    assert "steps.qualify.next: unknown node 'closed'; valid choices are" in error_of(spec)
    assert END_HINT in error_of(spec)


def test_the_did_you_mean_is_kept_and_start_gets_no_end_hint():
    spec = sales()
    spec["steps"]["qualify"]["next"] = "aproved"
    msg = error_of(spec)
    assert "(did you mean 'approved'?)" in msg and END_HINT in msg
    spec = sales()
    spec["start"] = "qualfy"
    msg = error_of(spec)
    assert "start: unknown node 'qualfy'" in msg and END_HINT not in msg


def test_a_tab_indent_says_yaml_indents_with_spaces(tmp_path):
    path = tmp_path / "tabbed.yaml"
    path.write_text("name: x\nsteps:\n\tA: 1\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"(?s)line 3.*YAML indents with spaces, not tabs"):
        load(path)
