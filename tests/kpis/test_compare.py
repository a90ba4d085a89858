"""Scenario comparisons: paired under common random numbers, Welch otherwise, verdicts by KPI."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

from sim.kpis.compare import (
    better_direction,
    compare_scenarios,
    compared_kpis,
    unpaired_comparison,
    verdict,
)


def test_directions_follow_what_a_user_wants_more_or_less_of():
    assert better_direction("cycle_time_mean") == "lower"
    assert better_direction("waiting_mean:approve") == "lower"
    assert better_direction("throughput_per_week") == "higher"
    assert better_direction("utilisation:legal") is None
    assert better_direction("headcount") is None


def test_verdicts():
    assert verdict("cycle_time_mean", True, -2.0) == "better"
    assert verdict("cycle_time_mean", True, 2.0) == "worse"
    assert verdict("throughput_per_week", True, 2.0) == "better"
    assert verdict("utilisation:legal", True, -0.1) == "changed"
    assert verdict("cycle_time_mean", False, -2.0) == "within noise"


def test_compared_kpis_put_the_headline_first_then_roles_then_steps():
    cols = ["waiting_mean:b", "utilisation:r", "cycle_time_mean", "reached:b", "dropoff_rate"]
    assert compared_kpis(cols) == [
        "cycle_time_mean",
        "dropoff_rate",
        "utilisation:r",
        "waiting_mean:b",
    ]


def test_welch_interval_matches_the_textbook_formula():
    rng = np.random.default_rng(3)
    a = pd.DataFrame({"cycle_time_mean": rng.normal(10, 1, 12)})
    b = pd.DataFrame({"cycle_time_mean": rng.normal(12, 3, 7)})
    row = unpaired_comparison(a, b, ["cycle_time_mean"]).loc["cycle_time_mean"]
    x, y = a["cycle_time_mean"].to_numpy(), b["cycle_time_mean"].to_numpy()
    va, vb = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    df = (va + vb) ** 2 / (va**2 / (x.size - 1) + vb**2 / (y.size - 1))  # Welch-Satterthwaite
    half = st.t.ppf(0.975, df) * math.sqrt(va + vb)
    assert row["diff"] == pytest.approx(y.mean() - x.mean())
    assert row["ci_low"] == pytest.approx(y.mean() - x.mean() - half)
    assert row["ci_high"] == pytest.approx(y.mean() - x.mean() + half)


def test_pairing_removes_the_shared_noise():
    """Common random numbers: a scenario that shifts every replication by 0.5 h is told from the
    baseline when paired, not when its replications are taken as independent."""
    rng = np.random.default_rng(0)
    shared = rng.normal(100, 10, 10)
    base = pd.DataFrame({"cycle_time_mean": shared})
    alt = pd.DataFrame({"cycle_time_mean": shared - 0.5 + rng.normal(0, 0.1, 10)})
    tables = {"today": base, "faster": alt}
    paired = compare_scenarios(tables, baseline="today", paired=True).set_index("scenario")
    indep = compare_scenarios(tables, baseline="today", paired=False).set_index("scenario")
    assert paired.loc["faster", "verdict"] == "better"
    assert indep.loc["faster", "verdict"] == "within noise"
    assert paired.loc["faster", "diff"] == pytest.approx(indep.loc["faster", "diff"])
    assert paired.loc["today", "verdict"] == "baseline"
    assert paired.loc["today", "diff"] == 0


def test_a_role_only_one_scenario_has_is_compared_as_missing_in_the_others():
    base = pd.DataFrame({"cycle_time_mean": [1.0, 2.0, 3.0]})
    alt = base.assign(**{"utilisation:new_team": [0.5, 0.6, 0.7]})
    out = compare_scenarios({"a": base, "b": alt}, baseline="a", paired=True)
    row = out[(out["scenario"] == "b") & (out["kpi"] == "utilisation:new_team")].iloc[0]
    assert math.isnan(row["base"]) and row["alt"] == pytest.approx(0.6)
    assert row["verdict"] == "n/a"  # QA 6a #6: not compared, so not "within noise"


def test_an_unknown_baseline_is_refused():
    with pytest.raises(KeyError, match="not one of the scenarios"):
        compare_scenarios({"a": pd.DataFrame({"x": [1.0]})}, baseline="b", paired=True)


def test_paired_means_are_over_the_same_complete_pairs_as_the_difference():
    """QA 6a #9: a replication with a missing value is left out of base, alt and diff alike."""
    base = pd.DataFrame({"waiting_mean:s": [1.0, 2.0, 3.0, 4.0, 5.0]})
    alt = pd.DataFrame({"waiting_mean:s": [np.nan, 1.5, 2.0, 3.6, 4.4]})
    out = compare_scenarios({"a": base, "b": alt}, baseline="a", paired=True)
    row = out[out["scenario"] == "b"].iloc[0]
    assert row["diff"] == pytest.approx(row["alt"] - row["base"])
    assert row["base"] == pytest.approx(3.5) and row["n"] == 4


def test_one_replication_has_no_interval_to_test():
    """QA 6a #7: with one replication the verdict says there is no CI, even for a sure change."""
    tables = {"a": pd.DataFrame({"headcount": [2.0]}), "b": pd.DataFrame({"headcount": [3.0]})}
    for paired in (True, False):
        out = compare_scenarios(tables, baseline="a", paired=paired).set_index("scenario")
        assert out.loc["b", "verdict"] == "no CI (1 replication)"


def test_pairing_is_decided_per_scenario():
    """QA 6a #8: one scenario paired with the baseline, another compared as independent."""
    rng = np.random.default_rng(1)
    shared = rng.normal(100, 10, 8)
    base = pd.DataFrame({"cycle_time_mean": shared})
    tables = {"a": base, "b": base - 1.0, "c": pd.DataFrame({"cycle_time_mean": shared[::-1]})}
    out = compare_scenarios(tables, baseline="a", paired={"b": True, "c": False})
    out = out.set_index("scenario")
    assert bool(out.loc["b", "paired"]) and not bool(out.loc["c", "paired"])
    assert out.loc["b", "ci_low"] == pytest.approx(-1.0)  # paired: no spread at all
    assert out.loc["b", "verdict"] == "better"


def test_throughput_is_neutral_when_the_arrival_volume_differs():
    """QA 6a #16: more demand, more cases finished: 'changed', not 'better'."""
    base = pd.DataFrame({"throughput_per_week": [100.0, 101, 99, 100], "cycle_time_mean": 1.0})
    alt = base.assign(throughput_per_week=base["throughput_per_week"] + 10)
    tables = {"a": base, "b": alt}
    plain = compare_scenarios(tables, baseline="a", paired=True).set_index(["scenario", "kpi"])
    more = compare_scenarios(tables, baseline="a", paired=True, volume_differs={"b"})
    more = more.set_index(["scenario", "kpi"])
    assert plain.loc[("b", "throughput_per_week"), "verdict"] == "better"
    assert more.loc[("b", "throughput_per_week"), "verdict"] == "changed"


@pytest.mark.parametrize("paired", [True, False])
def test_baseline_rows_have_no_interval_in_either_mode(paired):
    """QA 6a #19: the baseline against itself: change 0, no CI; Welch gives both sample sizes."""
    base = pd.DataFrame({"cycle_time_mean": [1.0, 2.0, 3.0, 4.0, 5.0]})
    alt = pd.DataFrame({"cycle_time_mean": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    out = compare_scenarios({"a": base, "b": alt}, baseline="a", paired=paired)
    out = out.set_index("scenario")
    assert out.loc["a", "diff"] == 0 and math.isnan(out.loc["a", "ci_low"])
    assert out.loc["a", "n"] == 5
    if not paired:
        assert (out.loc["b", "n_base"], out.loc["b", "n_alt"]) == (5, 6)
