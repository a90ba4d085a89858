"""What the provenance of a right-truncated log's decisions and arrivals says.

A right-truncated extract keeps only the cases finished by its end, so long cases are missing
and the kept ones are weighted by 1/P(in the log). The probabilities are weighted shares; the
record must still give the transitions actually seen, and intervals whose width matches the
weights (Kish's effective sample size), and the arrival interval must be that of the mean the
model uses (scaled for the missing cases), not of the observed gaps. QA found a decision's ``n``
off by 0.82-1.26x on BPIC 2012 and the interarrival's 95 % interval excluding the mean used.
"""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest

import sim.calibrate.calibrate as calibrate_module
from sim.calibrate import calibrate_model
from sim.calibrate.routing import START, discover_routing

P_A = 0.6  # share of cases that start with A (the long route)
N_CASES = 2000
WINDOW = 1000.0  # hours; cases arrive uniformly over it, 0.5 h apart on average


def _truncated_log(seed: int = 0) -> pd.DataFrame:
    """Cases start with A (share P_A; then D and, about 100 h later, C) or B (then C about 2 h
    later); the extract keeps the cases finished by WINDOW, so A-cases are under-represented
    and carry larger weights, and A-cases have one transition more than B-cases."""
    rng = np.random.default_rng(seed)
    s = np.sort(rng.uniform(0.0, WINDOW, N_CASES))
    long_route = rng.random(N_CASES) < P_A
    d1, d2, d3 = (rng.exponential(0.5, N_CASES) for _ in range(3))
    gap = np.where(long_route, rng.exponential(100.0, N_CASES), rng.exponential(2.0, N_CASES))
    base = pd.Timestamp("2024-01-01")

    def at(h: float) -> pd.Timestamp:
        return base + pd.Timedelta(hours=float(h))

    rows = []
    for i in range(N_CASES):
        t = s[i] + d1[i]
        acts = [("A" if long_route[i] else "B", s[i], t)]
        if long_route[i]:
            acts.append(("D", t, t + d2[i]))
            t += d2[i]
        acts.append(("C", t + gap[i], t + gap[i] + d3[i]))
        if acts[-1][2] <= WINDOW:
            rows += [(f"c{i}", a, at(x), at(y)) for a, x, y in acts]
    return pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time"])


@pytest.fixture(scope="module")
def truncated():
    log = _truncated_log()
    seen = {}
    real = calibrate_module.truncation_and_open_cases

    def keep(*args, **kwargs):
        seen["trunc"] = real(*args, **kwargs)
        return seen["trunc"]

    with pytest.MonkeyPatch.context() as mp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mp.setattr(calibrate_module, "truncation_and_open_cases", keep)
        cal = calibrate_model(log, seed=0, dropoff_outcomes=[])
    assert cal.truncation["applied"]
    return log, cal, seen["trunc"][0].weights


def test_a_decision_records_the_transitions_seen_and_kishs_effective_n(truncated):
    log, cal, w = truncated
    firsts = log.sort_values("start_time").groupby("case_id")["activity"].first()
    prov = cal.model.decisions["start"].provenance
    # n and counts are the log's: every case starts once (the old record scaled them by one
    # factor for the whole log, which the A-cases' extra transition and larger weights skew)
    assert prov["n"] == log["case_id"].nunique()
    assert prov["counts"] == dict(Counter(firsts))
    # the weights make the sample worth less: Kish's n_eff over the cases' start transitions
    w = w.reindex(firsts.index).to_numpy(dtype=float)
    assert w.max() > 1.5 and w.min() >= 1.0
    assert prov["n_eff"] == pytest.approx(w.sum() ** 2 / (w**2).sum(), abs=0.05)
    assert prov["n_eff"] < prov["n"]
    assert "Kish" in prov["ci_method"]
    share_a = float(w[firsts.to_numpy() == "A"].sum() / w.sum())
    assert prov["weighted_shares"]["A"] == pytest.approx(share_a, abs=1e-4)
    # the interval is Wilson's on the weighted share with n_eff, and covers the true share,
    # which the raw share (long cases missing) is below
    lo, hi = prov["ci95"]["A"]
    z = 1.959964
    n = prov["n_eff"]
    centre = (share_a + z * z / (2 * n)) / (1 + z * z / n)
    assert (lo + hi) / 2 == pytest.approx(centre, abs=2e-4)
    assert lo <= P_A <= hi
    assert prov["counts"]["A"] / prov["n"] < P_A
    # fits.csv: the same n and n_eff
    rows = cal.fits[cal.fits["target"].str.startswith("decisions.start.")]
    assert set(rows["n"]) == {prov["n"]}
    assert rows["n_eff"].tolist() == pytest.approx([prov["n_eff"]] * len(rows), abs=0.05)


def test_the_routing_keeps_raw_counts_and_squared_weights_per_transition():
    ev = pd.DataFrame(
        {
            "case_id": ["x", "x", "y", "y", "z"],
            "activity": ["a", "b", "a", "c", "a"],
            "start": [0.0, 1.0, 0.0, 1.0, 0.0],
            "end": [1.0, 2.0, 1.0, 2.0, 1.0],
        }
    )
    outcomes = pd.Series({"x": "b", "y": "c", "z": "a"})
    weights = pd.Series({"x": 2.0, "y": 1.0, "z": 3.0})
    r = discover_routing(ev, outcomes, groups={}, case_weights=weights)
    after_a = ("act", "a")
    assert r.transitions[after_a] == {("act", "b"): 2.0, ("act", "c"): 1.0, ("end", "a"): 3.0}
    assert r.raw_transitions[after_a] == {("act", "b"): 1, ("act", "c"): 1, ("end", "a"): 1}
    assert r.sq_transitions[after_a] == {("act", "b"): 4.0, ("act", "c"): 1.0, ("end", "a"): 9.0}
    assert r.sq_transitions[START] == {("act", "a"): 14.0}


def test_a_whole_log_has_n_eff_equal_to_n_and_the_plain_wilson_interval():
    log = _truncated_log()
    cut = pd.Timestamp("2024-01-01") + pd.Timedelta(hours=WINDOW)
    early = log.groupby("case_id")["start_time"].transform("min") < cut - pd.Timedelta(days=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cal = calibrate_model(log[early], seed=0, dropoff_outcomes=[], truncation="off")
    prov = cal.model.decisions["start"].provenance
    assert prov["ci_method"] == "Wilson" and "n_eff" not in prov
    rows = cal.fits[cal.fits["target"].str.startswith("decisions.start.")]
    assert set(rows["n_eff"]) == {prov["n"]}


def test_the_arrival_interval_covers_the_mean_the_model_uses(truncated):
    _, cal, _ = truncated
    inter = cal.model.arrivals.interarrival
    prov = inter.provenance
    # the missing cases arrived too: the gaps are scaled by observed / estimated arrivals
    assert inter.multiplier < 1.0
    assert prov["multiplier"] == pytest.approx(inter.multiplier, rel=1e-5)
    factor = cal.model.metadata["arrival_profile"]["truncation_rate_factor"]
    assert prov["multiplier"] == pytest.approx(1.0 / factor, rel=1e-3)
    assert "right-truncated" in prov["multiplier_reason"]
    lo, hi = prov["mean_ci95"]
    assert lo <= inter.mean() <= hi
    assert prov["mean_h"] == pytest.approx(inter.mean(), rel=1e-5)
    # the observed interval is kept, labelled, and misses the mean used (and the truth, 0.5 h),
    # which the interval of the mean used covers
    o_lo, o_hi = prov["observed_mean_ci95"]
    assert not o_lo <= inter.mean() <= o_hi
    # both intervals are written to 6 decimals: each end may differ by the two roundings
    expected = (o_lo * prov["multiplier"], o_hi * prov["multiplier"])
    assert (lo, hi) == pytest.approx(expected, abs=1.5e-6)
    assert lo <= WINDOW / N_CASES <= hi and not o_lo <= WINDOW / N_CASES <= o_hi
    row = cal.fits[
        (cal.fits["target"] == "arrivals.interarrival") & (cal.fits["kind"] == "multiplier")
    ]
    assert row["value"].tolist() == pytest.approx([inter.multiplier])
