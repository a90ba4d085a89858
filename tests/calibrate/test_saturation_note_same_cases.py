"""The first-step saturation note gives the share of queued first starts and its lower bound of
the same cases: those after the log's empty start (QA retest16: the loan application's note
said "94% ... (99% lower bound 100%, above 80%)", a share of all cases beside the bound of
those after the first tenth)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model
from sim.calibrate.calibrate import SATURATION_WARMUP


def _busy_after_an_empty_start(cases: int = 200, idle: int = 20) -> pd.DataFrame:
    """One clerk's log: the first ``idle`` cases find her free (an hour between them), every
    later one starts the moment she finishes the one before, as the loan application's; a
    quick sign-off by another person ends each case."""
    rng = np.random.default_rng(5)
    start, rows = pd.Timestamp("2026-01-05 09:00"), []
    for i in range(cases):
        end = start + pd.Timedelta(hours=float(rng.uniform(0.5, 1.5)))
        signed = end + pd.Timedelta(hours=float(rng.uniform(0.05, 0.2)))
        for activity, since, until, who in (
            ("review", start, end, "ann"),
            ("sign_off", end, signed, "bob"),
        ):
            rows.append(
                {
                    "case_id": f"c{i}",
                    "activity": activity,
                    "start_time": since,
                    "end_time": until,
                    "resource": who,
                }
            )
        start = end + pd.Timedelta(hours=1.0 if i < idle - 1 else 0.0)
    return pd.DataFrame(rows)


def test_the_share_and_its_lower_bound_are_of_the_same_cases():
    cal = calibrate_model(_busy_after_an_empty_start(), seed=0, dropoff_outcomes=[])
    prof = cal.model.metadata["arrival_profile"]
    assert prof["first_step_saturated"] is True
    # the first 20 of 200 cases are the left-out tenth: every case after them queued
    assert SATURATION_WARMUP == pytest.approx(0.1)
    assert prof["first_starts_queued_share"] == pytest.approx(1.0)
    assert prof["first_starts_queued_lower_bound"] <= prof["first_starts_queued_share"]
    (note,) = [n for n in cal.notes if "lower bound" in n and "first steps" in n]
    said = re.match(
        r"(\d+)% of the cases' first steps \(leaving out the log's first 10%, which start "
        r"with no case under way\) started the moment their person finished other work "
        r"\(99% lower bound (\d+)%, above 80%\)",
        note,
    )
    assert said is not None, note
    share, low = map(int, said.groups())
    assert (share, low) == (100, 100)
