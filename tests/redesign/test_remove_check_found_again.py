"""Removing a check on every path when cases pass its found_at more than once (QA redesign15)."""

from __future__ import annotations

import numpy as np
import pytest
from redesign_testkit import build, crm, fixed

from sim.engine import run_replication
from sim.model.process import ProcessModel
from sim.model.scenario import Scenario
from sim.model.views import expected_visits
from sim.redesign import Check, remove_step

LONG = Scenario(horizon_days=1000, warmup_days=0, replications=1)


def looping_model() -> ProcessModel:
    """intake -> check -> offer -> again {redo 0.5 -> offer, done 0.49, lost 0.01}."""
    return build(
        {
            "intake": {"role": "r1", "duration": fixed(0.1), "next": "check"},
            "check": {"role": "r2", "duration": fixed(0.1), "next": "offer"},
            "offer": {"role": "r1", "duration": fixed(0.1), "next": "again"},
            "redo": {"role": "r2", "duration": fixed(0.1), "next": "offer"},
        },
        decisions={"again": {"branches": {"redo": 0.5, "done": 0.49, "lost": 0.01}}},
        ends={"done": {"success": True}, "lost": {"success": False}},
    )


def test_errors_found_in_a_loop_lose_the_catch_rate_of_the_cases_not_more() -> None:
    """QA redesign15: 'Check credit history' removed with a 10 % catch rate, found at a step
    passed 1.73 times per case, lost 8 pp of the loan cases instead of 5 pp (10 % of the half
    that reach it). Here every case passes the check once: 30 % of them carry an error."""
    m = looping_model()
    out = remove_step(m, "check", check=Check(found_at="offer", rework_to="lost", catch_rate=0.3))
    dec = out.decisions["missed_by_check"]
    # r = p (1 - s) / (1 - p s) with s = 0.5 (back to offer through redo)
    assert dec.branches[0].probability == pytest.approx(0.15 / 0.85)
    visits = expected_visits(out)
    assert dec.branches[0].probability * visits["offer"] == pytest.approx(0.3)  # errors found
    summary = out.metadata["changes"][-1]["summary"]
    assert "on its first pass after 'check'" in summary
    assert "(a loop)" in summary and "17.6% per pass" in summary
    # lost: the 30 % found, plus 1 % of the other passes (0.314; 0.472 at 30 % every pass)
    want = 0.3 + 0.01 * (1 - 0.15 / 0.85) * visits["offer"]
    assert visits["lost"] == pytest.approx(want)
    tr = run_replication(out, LONG, seed=3)
    finished = tr.case_outcome >= 0
    lost = tr.case_outcome[finished] == tr.outcomes.index("lost")
    p = float(lost.mean())
    assert lost.size > 4000
    assert abs(p - want) < 3.3 * np.sqrt(p * (1 - p) / lost.size)


def test_a_rework_back_to_found_at_finds_each_error_once_in_total() -> None:
    """A rework that leads back to found_at without the check: found errors = catch rate."""
    m = build(
        {
            "a": {"role": "r1", "duration": fixed(1), "next": "check"},
            "check": {"role": "r2", "duration": fixed(1), "next": "sign"},
            "sign": {"role": "r1", "duration": fixed(1), "next": "serve"},
            "serve": {"role": "r1", "duration": fixed(1), "next": "done"},
        },
    )
    out = remove_step(m, "check", check=Check(found_at="serve", rework_to="sign", catch_rate=0.3))
    dec = out.decisions["missed_by_check"]
    assert dec.branches[0].probability == pytest.approx(0.3 / 1.3)
    visits = expected_visits(out)
    # every case signs once, plus once per error found: 0.3 errors per case, not 0.3 / 0.7
    assert visits["sign"] == pytest.approx(1.3)
    assert "(the rework)" in out.metadata["changes"][-1]["summary"]


def test_the_crm_contract_review_check_finds_15_percent_disputes() -> None:
    """configs/redesign/crm_sales.yaml: disputes found at after_sales_service go back to
    signing; 15 % of the signed deals are disputed once in total, not 15 % of every pass."""
    m = crm()
    out = remove_step(
        m,
        "contract_review",
        check=Check(found_at="after_sales_service", rework_to="signing", catch_rate=0.15),
    )
    before, after = expected_visits(m), expected_visits(out)
    assert after["signing"] == pytest.approx(before["signing"] * 1.15)
    assert after["won"] == pytest.approx(before["won"])
