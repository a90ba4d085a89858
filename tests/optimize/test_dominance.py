"""Dominance between recommended redesigns is decided on the paired evidence, not on point
estimates (a 0.1 h lead with a +-0.4 h interval dropped a near-twin from the recommendation).

The confirmation's replications are the same for every candidate (common random numbers), so
two candidates' values are paired replication by replication; B is dominated by A only when A's
means are no worse on every objective and A is better on one by a paired t-test, Holm-adjusted
over every pair of recommended candidates x objective."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kpis import holm, paired_comparison
from sim.model.scenario import Scenario
from sim.optimize import Candidate, FollowUp, Objective, optimize_redesign
from sim.optimize.confirm import (
    adjust_verdicts,
    is_recommended,
    mark_dominated,
    negligible_between,
    rank_confirmed,
)
from sim.optimize.outputs import recommendations_markdown

TWO = (Objective("cycle_time_mean"), Objective("cost_per_case"))
N = 20
FIRST = 5  # the confirmation's replications are #5..#24 (the search used #0..#4)


def _noise(seed: int, n: int = N) -> np.ndarray:
    """Noise with mean exactly 0 and sample standard deviation exactly 1, so a paired
    difference ``lead + sd * noise`` has a t statistic of exactly ``lead / (sd / sqrt(n))``."""
    z = np.random.default_rng(seed).normal(size=n)
    return (z - z.mean()) / z.std(ddof=1)


BASE = {"cycle_time_mean": 100.0 + 3.0 * _noise(1), "cost_per_case": 1000.0 + 30.0 * _noise(2)}


def _cand(trial: int, values: dict[str, np.ndarray]) -> Candidate:
    """A confirmed candidate: its comparison with ``BASE`` and its per-replication values (set
    as attributes, as ``confirm`` does)."""
    c = Candidate(
        trial=trial,
        choice={"x": trial},
        changes=[f"change {trial}"],
        one_off_cost=0.0,
        search_values=[0.0, 0.0],
        rank=trial,
        search_rank=trial,
    )
    c.comparison = paired_comparison(pd.DataFrame(BASE), pd.DataFrame(values), [o.kpi for o in TWO])
    c.per_replication = {
        "replications": list(range(FIRST, FIRST + N)),
        "values": {k: [float(x) for x in v] for k, v in values.items()},
    }
    return c


def _markdown(cands: list[Candidate]) -> str:
    return recommendations_markdown(
        model_name="m",
        candidates=cands,
        baseline=pd.DataFrame(BASE),
        objectives=TWO,
        constraints=(),
        confirm_replications=N,
        n_trials=10,
        simulations=100,
    )


def test_a_lead_on_the_means_within_the_noise_keeps_both_recommended():
    """The near-twin of the QA report: trial 2 is 0.1 h slower (95 % CI about +-0.4 h) and no
    cheaper. On point estimates it was dominated and dropped; the evidence cannot tell the two
    apart, so both are recommended and the record says so."""
    one = {"cycle_time_mean": 80.0 + 2.0 * _noise(3), "cost_per_case": 950.0 + 20.0 * _noise(4)}
    # leads over the negligible floor (0.1 % of today's 100 h and 1,000: 0.1 h and 1.0)
    two = {
        "cycle_time_mean": one["cycle_time_mean"] + 0.2 + 0.8 * _noise(5),
        "cost_per_case": one["cost_per_case"] + 2.0 + 20.0 * _noise(6),
    }
    a, b = _cand(1, one), _cand(2, two)
    cands = [a, b]
    adjust_verdicts(cands, TWO)
    assert [c.verdict for c in cands] == ["better", "better"]
    # the lead is real on the means, the interval of the difference straddles 0
    d = paired_comparison(pd.DataFrame(one), pd.DataFrame(two), ["cycle_time_mean"]).iloc[0]
    assert d["diff"] == pytest.approx(0.2) and d["ci_low"] < 0 < d["ci_high"]
    assert d["ci_high"] - d["diff"] == pytest.approx(0.37, abs=0.01)  # +-0.37 h
    m = mark_dominated(cands, TWO)
    # on point estimates (before): dominated by trial 1 and dropped from the recommendation
    assert b.dominated_by is None and is_recommended(b) and is_recommended(a)
    assert m == 2  # one pair x two objectives
    [note] = b.indistinguishable_from
    assert note["trial"] == 1 and note["ahead_on"] == ["cycle_time_mean", "cost_per_case"]
    assert note["replications"] == N and note["comparisons"] == 2
    assert all(p >= 0.05 for p in note["p_adjusted"].values())
    assert note["p_value"]["cycle_time_mean"] == pytest.approx(d["p_value"])
    assert a.indistinguishable_from == []  # trial 2 leads trial 1 on nothing
    md = _markdown(rank_confirmed(cands))
    recommended, _, tried = md.partition("## Tried, not recommended")
    assert "Redesign from trial 1" in recommended and "Redesign from trial 2" in recommended
    assert tried == ""
    assert "Not distinguishable from #1 (trial 1)" in recommended
    assert f"no better or worse than this one is detectable with {N} paired replications" in md
    assert "mean cycle time: p = 0.277, Holm-adjusted p = 0.555" in md
    record = b.to_dict()
    assert record["recommended"] is True and record["dominated_by"] is None
    assert json.loads(json.dumps(record))["indistinguishable_from"][0]["trial"] == 1


def test_a_significant_lead_still_marks_the_other_dominated_with_its_p_values():
    one = {"cycle_time_mean": 80.0 + 2.0 * _noise(3), "cost_per_case": 950.0 + 20.0 * _noise(4)}
    two = {  # 3 h slower, every replication within +-0.8 h of that; no cheaper
        "cycle_time_mean": one["cycle_time_mean"] + 3.0 + 0.8 * _noise(5),
        "cost_per_case": one["cost_per_case"] + 0.5 + 20.0 * _noise(6),
    }
    a, b = _cand(1, one), _cand(2, two)
    cands = [b, a]
    adjust_verdicts(cands, TWO)
    mark_dominated(cands, TWO)
    d = b.dominated_by
    assert d is not None and d["trial"] == 1 and d["better_on"] == ["cycle_time_mean"]
    assert d["p_adjusted"]["cycle_time_mean"] < 0.001
    assert d["p_adjusted"]["cost_per_case"] >= 0.05  # not significant: not in better_on
    assert d["replications"] == N and d["comparisons"] == 2
    assert not is_recommended(b) and is_recommended(a)
    md = _markdown(rank_confirmed(cands))
    recommended, _, tried = md.partition("## Tried, not recommended")
    assert "trial 2" not in recommended and "### 2. Redesign from trial 2" in tried
    assert "dominated by #1 (trial 1)" in tried
    assert "significantly better on mean cycle time (paired t-test, Holm's adjustment" in md
    assert "mean cycle time: p < 0.001, Holm-adjusted p < 0.001" in md


def test_a_lead_significant_only_before_holms_adjustment_does_not_dominate():
    """One pair, two objectives: a cycle-time lead with p = 0.03 alone is 0.06 after Holm."""
    t = 2.3  # p = 0.034 with 19 degrees of freedom
    one = {"cycle_time_mean": 80.0 + 2.0 * _noise(3), "cost_per_case": 950.0 + 20.0 * _noise(4)}
    two = {
        "cycle_time_mean": one["cycle_time_mean"] + t * 1.0 / math.sqrt(N) + 1.0 * _noise(5),
        "cost_per_case": one["cost_per_case"] + 0.5 + 20.0 * _noise(6),
    }
    a, b = _cand(1, one), _cand(2, two)
    adjust_verdicts([a, b], TWO)
    mark_dominated([a, b], TWO)
    [note] = b.indistinguishable_from
    assert 0.03 < note["p_value"]["cycle_time_mean"] < 0.04
    assert note["p_adjusted"]["cycle_time_mean"] == pytest.approx(
        2 * note["p_value"]["cycle_time_mean"]
    )
    assert b.dominated_by is None and is_recommended(b)


def test_a_candidate_without_per_replication_values_is_never_marked():
    a = _cand(1, {"cycle_time_mean": 80.0 + _noise(3), "cost_per_case": 900.0 + _noise(4)})
    b = _cand(2, {"cycle_time_mean": 90.0 + _noise(3), "cost_per_case": 950.0 + _noise(4)})
    b.per_replication = None
    adjust_verdicts([a, b], TWO)
    assert mark_dominated([a, b], TWO) == 0
    assert b.dominated_by is None and b.indistinguishable_from == []


@settings(max_examples=60, deadline=None)
@given(
    n_cands=st.integers(2, 4),
    seed=st.integers(0, 2**32 - 1),
    spread=st.floats(0.1, 10.0),
    leads=st.lists(st.floats(-3.0, 3.0), min_size=8, max_size=8),
)
def test_every_dominated_mark_rests_on_significant_evidence(n_cands, seed, spread, leads):
    """Whatever the data: a dominated candidate's dominator is recommended-pool, no worse on
    any objective's paired mean and better on each ``better_on`` objective with an adjusted
    p-value below 5 % (recomputed here from the per-replication values); a lead noted as
    indistinguishable is significant on no objective; at least one candidate stays
    recommended; and every candidate another one leads on every mean is told which."""
    rng = np.random.default_rng(seed)
    cands = []
    for i in range(n_cands):
        values = {
            "cycle_time_mean": 80.0 + leads[2 * i] + spread * rng.normal(size=N),
            "cost_per_case": 900.0 + 10 * leads[2 * i + 1] + 10 * spread * rng.normal(size=N),
        }
        cands.append(_cand(i + 1, values))
    adjust_verdicts(cands, TWO)
    for c in cands:  # recommended against today whatever the noise: the pool is every one
        c.verdict = "better"
    m = mark_dominated(cands, TWO)
    assert m == n_cands * (n_cands - 1) // 2 * len(TWO)
    # the family, recomputed independently
    frames = {c.trial: pd.DataFrame(c.per_replication["values"]) for c in cands}
    tests = {}
    for i, a in enumerate(cands):
        for b in cands[i + 1 :]:
            comp = paired_comparison(frames[a.trial], frames[b.trial], [o.kpi for o in TWO])
            for o in TWO:
                tests[(a.trial, b.trial, o.kpi)] = (
                    comp.loc[o.kpi, "diff"],
                    comp.loc[o.kpi, "p_value"],
                )
    adjusted = dict(zip(tests, holm([p for _, p in tests.values()])[0], strict=True))

    today = {o.kpi: float(cands[0].comparison.loc[o.kpi, "base"]) for o in TWO}

    def ahead(a: int, b: int, kpi: str) -> tuple[float, float]:
        """How far a is ahead of b on kpi (positive = better; 0 under the negligible floor of
        today's mean: neither a lead nor a lag) and the adjusted p-value."""
        key = (min(a, b), max(a, b), kpi)
        diff = tests[key][0] * (1 if a == key[0] else -1)  # b - a
        return (0.0 if negligible_between(kpi, diff, today[kpi]) else diff), adjusted[key]

    assert any(is_recommended(c) for c in cands)
    for b in cands:
        leaders = [
            a.trial
            for a in cands
            if a is not b
            and all(ahead(a.trial, b.trial, o.kpi)[0] >= 0 for o in TWO)
            and any(ahead(a.trial, b.trial, o.kpi)[0] > 0 for o in TWO)
        ]
        named = {d["trial"] for d in b.indistinguishable_from}
        if b.dominated_by is not None:
            d = b.dominated_by
            assert d["trial"] in leaders and d["better_on"]
            for k in d["better_on"]:
                diff, p = ahead(d["trial"], b.trial, k)
                assert diff > 0 and p < 0.05 and d["p_adjusted"][k] == pytest.approx(p)
            named.add(d["trial"])
        for note in b.indistinguishable_from:
            assert all(ahead(note["trial"], b.trial, k)[1] >= 0.05 for k in note["ahead_on"])
        # every leader is either significant (then b is dominated) or noted as indistinguishable
        assert set(leaders) - named <= {
            a for a in leaders if any(ahead(a, b.trial, o.kpi)[1] < 0.05 for o in TWO)
        }
        if b.dominated_by is None:
            assert named == set(leaders)


# ------------------------------------------------------------------------------- pipeline
def test_the_confirmation_keeps_each_candidates_values_per_replication(make_job, tmp_path):
    """confirmation.json holds the objectives' values per replication of every candidate, on
    the confirmation's fresh indices, consistent with its confirmed means; the dominance tests
    are their own family in ``multiple_comparisons``."""
    one = (Objective("cycle_time_mean"),)  # one objective: the best three are candidates
    # five days: long enough for the three redesigns to be better than today
    job = dataclasses.replace(
        make_job(n_trials=12, objectives=one), scenario=Scenario(horizon_days=5, warmup_days=0.5)
    )
    follow = FollowUp(confirm_replications=6, top_k=3, ablate_top=0)
    summary = optimize_redesign(
        job, run_dir=tmp_path / "run", follow_up=follow, progress=False, workers=1
    )
    saved = json.loads((tmp_path / "run" / "confirmation.json").read_text())
    assert saved["candidates"] == json.loads(json.dumps(summary["candidates"]))
    assert len(saved["candidates"]) == 3
    for c in saved["candidates"]:
        per = c["per_replication"]
        assert per["replications"] == [3, 4, 5, 6, 7, 8]  # the search used #0-#2
        ct = per["values"]["cycle_time_mean"]
        assert np.mean(ct) == pytest.approx(c["comparison"]["cycle_time_mean"]["alt"])
    dom = saved["multiple_comparisons"]["dominance"]
    pool = sum(c["recommended"] or c["dominated_by"] is not None for c in saved["candidates"])
    assert pool == 3 and dom["comparisons"] == 3
    for c in saved["candidates"]:
        if c["dominated_by"] is not None:
            assert c["dominated_by"]["p_adjusted"]["cycle_time_mean"] < 0.05
