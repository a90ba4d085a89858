"""A step's KPI that has no value in the confirmation's replications (no case reached the step)
shows "-" in recommendations.md with a word why, not a bare dash (QA 2026-12-05, left out)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.optimize import Candidate, Objective
from sim.optimize.outputs import _candidate_lines


def _candidate(comparison: pd.DataFrame) -> Candidate:
    c = Candidate(
        trial=3,
        choice={"x": 1},
        changes=["remove review"],
        one_off_cost=0.0,
        search_values=[0.0],
        rank=1,
        search_rank=1,
    )
    c.comparison = comparison
    return c


def _row(base: float, alt: float) -> dict:
    return {
        "base": base,
        "alt": alt,
        "diff": alt - base,
        "ci_low": alt - base - 1,
        "ci_high": alt - base + 1,
        "significant": False,
        "n": 10,
    }


def test_a_step_kpi_without_a_value_is_explained_under_the_table():
    comparison = pd.DataFrame(
        {"cycle_time_mean": _row(10.0, 9.0), "waiting_mean:escalate": _row(np.nan, 2.0)}
    ).T
    objectives = (Objective("cycle_time_mean"), Objective("waiting_mean:escalate"))
    text = "\n".join(_candidate_lines(_candidate(comparison), objectives, ()))
    assert "| waiting_mean:escalate | - |" in text
    assert "(- : no value in these replications for waiting_mean:escalate: no case reached" in text


def test_no_note_where_every_value_is_there():
    comparison = pd.DataFrame(
        {"cycle_time_mean": _row(10.0, 9.0), "waiting_mean:escalate": _row(1.0, 2.0)}
    ).T
    objectives = (Objective("cycle_time_mean"), Objective("waiting_mean:escalate"))
    text = "\n".join(_candidate_lines(_candidate(comparison), objectives, ()))
    assert "no value in these replications" not in text
