"""A side constant only up to float rounding (QA rt_files F5).

Every case earned exactly 0.1, yet a replication's revenue per case read 0.1 or
0.10000000000000002 (a sum over its cases divided by their number). The Welch comparison then
called scipy on a near-constant sample: scipy printed "Precision loss occurred in moment
calculation" with a path into site-packages, and the row read -0.0000000000000000278
[-0.0000000000000000555, +0.0000000000000000000] instead of "no change".
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

from sim.kpis import compare_scenarios, unpaired_comparison
from sim.kpis.compare import NO_CHANGE, matched_comparison, row_verdict

DETERMINISTIC = [0.10000000000000002] * 5  # the QA's detv run, every replication alike
NEAR_CONSTANT = [0.10000000000000002, 0.1, 0.1, 0.1, 0.1, 0.10000000000000002]  # md2v
OTHER_NEAR = [0.1, 0.09999999999999999, 0.1, 0.09999999999999999]  # md2v, seed 2


def _row(base: list[float], alt: list[float], compare=unpaired_comparison) -> pd.Series:
    """The comparison row of KPI 'x', with every warning turned into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows = compare(pd.DataFrame({"x": base}), pd.DataFrame({"x": alt}), ["x"])
    return rows.loc["x"]


@pytest.mark.parametrize(
    ("base", "alt"),
    [
        (DETERMINISTIC, NEAR_CONSTANT),
        (NEAR_CONSTANT, DETERMINISTIC),
        (NEAR_CONSTANT, OTHER_NEAR),
        (OTHER_NEAR, NEAR_CONSTANT),
    ],
)
def test_sides_equal_up_to_rounding_are_no_change(base, alt):
    row = _row(base, alt)
    assert (row["diff"], row["ci_low"], row["ci_high"]) == (0.0, 0.0, 0.0)
    assert not row["significant"]
    assert row_verdict("revenue_per_case", row) == NO_CHANGE


def test_the_compare_table_says_no_change():
    tables = {
        "detv": pd.DataFrame({"revenue_per_case": DETERMINISTIC}),
        "md2v": pd.DataFrame({"revenue_per_case": NEAR_CONSTANT}),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = compare_scenarios(tables, baseline="detv", paired=False)
    row = out[out["scenario"] == "md2v"].iloc[0]
    assert row["verdict"] == NO_CHANGE
    assert row["diff"] == 0.0


def test_paired_replications_equal_up_to_rounding_are_no_change():
    base = [0.1] * 4
    alt = [0.10000000000000002] * 4  # each pair 2.8e-17 apart: once a "significant" change
    row = _row(base, alt, matched_comparison)
    assert (row["diff"], row["ci_low"], row["ci_high"]) == (0.0, 0.0, 0.0)
    assert row_verdict("revenue_per_case", row) == NO_CHANGE


def test_a_near_constant_side_against_a_varying_one_is_its_t_interval():
    varying = np.array([0.3, 0.2, 0.25, 0.4])
    row = _row(NEAR_CONSTANT, list(varying))
    n, sd = varying.size, varying.std(ddof=1)
    half = st.t.ppf(0.975, n - 1) * sd / math.sqrt(n)  # df = n - 1: the constant adds nothing
    diff = varying.mean() - np.mean(NEAR_CONSTANT)
    assert row["diff"] == pytest.approx(diff)
    assert row["ci_low"] == pytest.approx(diff - half)
    assert row["ci_high"] == pytest.approx(diff + half)


def test_two_near_constant_sides_apart_are_a_zero_width_change():
    row = _row(NEAR_CONSTANT, [0.2, 0.19999999999999998, 0.2])
    assert row["ci_low"] == row["ci_high"] == pytest.approx(0.1)
    assert bool(row["significant"])
    assert row_verdict("revenue_per_case", row) == "better"
