"""Single objective: significance need not carry from one pair to another (QA: #1 52.9 h
dominated #3 56.7 h, p = 0.016; #2 57.0 h stayed recommended, not distinguishable from #1,
p = 0.195, and its text cited #3 as "ahead on mean cycle time ... so both are recommended"
although #3 was listed under "Tried, not recommended")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.kpis import paired_comparison
from sim.optimize import Candidate, Objective
from sim.optimize.confirm import adjust_verdicts, is_recommended, mark_dominated, rank_confirmed
from sim.optimize.outputs import recommendations_markdown

ONE = (Objective("cycle_time_mean"),)
N = 6


def _noise(seed: int) -> np.ndarray:
    z = np.random.default_rng(seed).normal(size=N)
    return (z - z.mean()) / z.std(ddof=1)


BASE = {"cycle_time_mean": 95.0 + 4.0 * _noise(1)}
FAST = BASE["cycle_time_mean"] - 42.0 + 2.0 * _noise(2)
# trial 3 is behind trial 4 by 3.8 h, every replication within +-1 h of that: significant;
# trial 14 is behind it by 4.1 h on the mean, but +-9 h replication by replication: not
VALUES = {
    4: FAST,
    15: FAST + 3.8 + 1.0 * _noise(3),
    14: FAST + 4.1 + 9.0 * _noise(4),
}


def _cand(trial: int, search_rank: int) -> Candidate:
    values = {"cycle_time_mean": VALUES[trial]}
    c = Candidate(
        trial=trial,
        choice={"x": trial},
        changes=[f"change {trial}"],
        one_off_cost=0.0,
        search_values=[0.0],
        rank=search_rank,
        search_rank=search_rank,
    )
    c.comparison = paired_comparison(pd.DataFrame(BASE), pd.DataFrame(values), ["cycle_time_mean"])
    c.per_replication = {
        "replications": list(range(5, 5 + N)),
        "values": {k: [float(x) for x in v] for k, v in values.items()},
    }
    return c


def test_a_candidate_cites_a_dominated_one_as_not_recommended_and_the_dominated_one_says_why():
    cands = [_cand(4, 1), _cand(14, 2), _cand(15, 3)]
    adjust_verdicts(cands, ONE)
    assert [c.verdict for c in cands] == ["better"] * 3
    mark_dominated(cands, ONE)
    first, second, third = rank_confirmed(cands)
    assert [c.trial for c in (first, second, third)] == [4, 14, 15]
    # the QA's situation: 15 (better mean than 14) dominated by 4, 14 not
    assert third.dominated_by["trial"] == 4 and not is_recommended(third)
    assert second.dominated_by is None and is_recommended(second)
    assert (
        third.comparison.loc["cycle_time_mean", "alt"]
        < second.comparison.loc["cycle_time_mean", "alt"]
    )
    notes = {d["trial"]: d for d in second.indistinguishable_from}
    assert notes[4]["recommended"] is True and notes[15]["recommended"] is False
    assert third.dominated_by["ahead_of"] == [{"trial": 14, "ahead_on": ["cycle_time_mean"]}]
    md = recommendations_markdown(
        model_name="crm",
        candidates=[first, second, third],
        baseline=pd.DataFrame(BASE),
        objectives=ONE,
        constraints=(),
        confirm_replications=N,
        n_trials=15,
        simulations=100,
    )
    recommended, _, tried = md.partition("## Tried, not recommended")
    about_3 = next(
        ln for ln in recommended.splitlines() if ln.startswith("Not distinguishable from #3")
    )
    assert "so both are recommended" not in about_3
    assert "but that one is not recommended itself (dominated by #1 (trial 4))" in about_3
    about_1 = next(
        ln for ln in recommended.splitlines() if ln.startswith("Not distinguishable from #1")
    )
    assert about_1.endswith("so both are recommended.")
    # and #3 says why #2, behind it on the mean, is still recommended
    assert "Its means are ahead of #2 (trial 14) on mean cycle time" in tried
    assert "#2 (trial 14) stays recommended: that lead is not significant" in tried
