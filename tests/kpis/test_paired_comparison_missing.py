"""``paired_comparison`` with missing values: every column is over the same complete pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.kpis import paired_comparison


def test_a_missing_replication_is_left_out_of_both_means_and_the_difference() -> None:
    """QA enginerev #5: the base mean took replication 4 (100) that the alternative lacks, so
    it said 32.5 -> 11 while the difference said +1."""
    base = pd.DataFrame({"k": [10.0, 10.0, 10.0, 100.0]})
    alt = pd.DataFrame({"k": [11.0, 11.0, 11.0, np.nan]})
    row = paired_comparison(base, alt, ["k"]).loc["k"]
    assert row["base"] == pytest.approx(10.0)
    assert row["alt"] == pytest.approx(11.0)
    assert row["diff"] == pytest.approx(row["alt"] - row["base"])
    assert row["relative"] == pytest.approx(0.1)
    assert row["n"] == 3


def test_missing_values_on_both_sides_leave_only_the_complete_pairs() -> None:
    base = pd.DataFrame({"k": [np.nan, 2.0, 4.0, 6.0, 8.0]})
    alt = pd.DataFrame({"k": [1.0, 3.0, np.nan, 9.0, 11.0]})
    row = paired_comparison(base, alt, ["k"]).loc["k"]
    # pairs 2 -> 3, 6 -> 9, 8 -> 11
    assert row["n"] == 3
    assert row["base"] == pytest.approx(16.0 / 3)
    assert row["alt"] == pytest.approx(23.0 / 3)
    assert row["diff"] == pytest.approx(row["alt"] - row["base"])
    assert row["relative"] == pytest.approx((7.0 / 3) / (16.0 / 3))


def test_no_complete_pair_keeps_each_side_mean_and_no_difference() -> None:
    base = pd.DataFrame({"k": [1.0, np.nan]})
    alt = pd.DataFrame({"k": [np.nan, 5.0]})
    row = paired_comparison(base, alt, ["k"]).loc["k"]
    assert row["n"] == 0
    assert row["base"] == pytest.approx(1.0)
    assert row["alt"] == pytest.approx(5.0)
    assert np.isnan(row["diff"]) and np.isnan(row["relative"])
    assert not row["significant"]
