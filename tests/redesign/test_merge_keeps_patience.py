"""Merging steps keeps the patience of the part whose queue customers give up in (QA redesign15)."""

from __future__ import annotations

from redesign_testkit import build, crm, fixed

from sim.engine import run_replication
from sim.model.process import ABANDONED
from sim.model.scenario import Scenario
from sim.redesign import merge_steps


def test_merging_into_a_step_with_patience_keeps_it() -> None:
    """QA: merging lead_identification + first_contact dropped first_contact's 'goes cold after
    ~72 h' patience, so the abandon rate fell from 2.5 % to 0 without anything earning it."""
    m = crm()
    out = merge_steps(m, ["lead_identification", "first_contact"], role="sales_dev")
    merged = out.steps["lead_identification+first_contact"]
    assert m.steps["lead_identification"].patience is None
    assert merged.patience == m.steps["first_contact"].patience
    summary = out.metadata["changes"][-1]["summary"]
    assert "waiting customers keep the patience of 'first_contact'" in summary
    # parts without patience: nothing to keep, nothing to say
    none = merge_steps(m, ["handover_to_delivery", "onboarding"], role="customer_success")
    assert none.steps["handover_to_delivery+onboarding"].patience is None
    assert "patience" not in none.metadata["changes"][-1]["summary"]


def test_customers_still_give_up_in_the_merged_queue() -> None:
    """An overloaded second step whose customers give up after 1 h: they still do once merged."""
    m = build(
        {
            "a": {"role": "r1", "duration": fixed(0.1), "next": "b"},
            "b": {"role": "r1", "duration": fixed(2), "patience": fixed(1), "next": "done"},
        },
        interarrival=1.0,
    )
    out = merge_steps(m, ["a", "b"])
    tr = run_replication(out, Scenario(horizon_days=20, warmup_days=0, replications=1), seed=1)
    finished = tr.case_outcome >= 0
    gave_up = tr.case_outcome[finished] == tr.outcomes.index(ABANDONED)
    assert gave_up.mean() > 0.3  # half the arrivals cannot be served in 2.1 h each
