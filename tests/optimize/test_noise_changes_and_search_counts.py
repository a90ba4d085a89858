"""A change the ablation rates noise leaves a recommendation even without a one-off cost (QA
knownanswer16 #3: #1 was "Remove approval + Merge intake+register", the merge a true no-op),
and recommendations.md counts what the search did (#4: "Search: 24 trials" beside 30 rows of
trials.csv, 6 of them refused proposals; "this run simulated 145 replications" when all were
the confirmation's)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.optimize import Candidate, Evaluator, FollowUp, Objective, ablate, confirm
from sim.optimize.pipeline import optimize_redesign
from sim.optimize.prune import NOISE, prune
from sim.redesign import SearchSpace

from .conftest import TINY_SPACE

OBJECTIVES = (Objective("cycle_time_mean"),)
SCENARIO = Scenario(horizon_days=3, warmup_days=0.5)
REPS = 5
# two short paperwork steps with clerks to spare (merging them changes no cycle time: 0.25 h
# twice or 0.5 h once), then a review one expert cannot keep up with
PAPER = {
    "name": "paper",
    "start": "a",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
    "roles": {
        "clerk": {"headcount": 6, "hourly_cost": 10},
        "expert": {"headcount": 1, "hourly_cost": 30},
        "spare": {"headcount": 1, "hourly_cost": 20},
    },
    "steps": {
        "a": {"role": "clerk", "duration": {"dist": "fixed", "value": 0.25}, "next": "b"},
        "b": {"role": "clerk", "duration": {"dist": "fixed", "value": 0.25}, "next": "review"},
        "review": {
            "role": "expert",
            "duration": {"dist": "exponential", "mean": 0.8},
            "next": "done",
        },
    },
    "ends": {"done": {"success": True}},
}
MERGE = "merge:a+b"


@pytest.fixture
def model():
    return from_dict(PAPER)


@pytest.fixture
def space(model) -> SearchSpace:
    return SearchSpace.from_dict(
        {
            "model": "paper",
            "merge": {"a+b": {"role": "clerk", "setup_saving": 0.0}},
            "staffing": {
                "expert": {"min": 1, "max": 2, "one_off_cost_per_hire": 0},
                "spare": {"min": 0, "max": 1, "one_off_cost_per_hire": 0},
            },
        },
        model,
    )


def _pruned(model, space, found):
    with Evaluator(model=model, space=space, scenario=SCENARIO, seed=1, workers=1) as ev:
        c = Candidate(
            trial=15,
            choice=dict(found),
            changes=space.describe(found),
            one_off_cost=0.0,
            search_values=[0.0],
            rank=1,
            search_rank=1,
        )
        confirm([c], ev, OBJECTIVES, (), replications=REPS, start=0)
        assert c.verdict == "better"
        ablate(c, ev, OBJECTIVES, replications=REPS, start=0)
        prune(c, ev, OBJECTIVES, (), replications=REPS, start=0, search_replications=2)
    return c


def test_a_noise_change_without_a_one_off_cost_is_dropped(model, space) -> None:
    c = _pruned(model, space, {MERGE: True, "staffing:expert": 2})
    roles = {a["variable"]: a["role"] for a in c.ablation}
    assert roles == {MERGE: "noise", "staffing:expert": "carries gain"}
    (p,) = c.pruning
    assert p["pass"] == NOISE and p["adopted"]
    assert [d["variable"] for d in p["dropped"]] == [MERGE]
    assert c.choice == {MERGE: False, "staffing:expert": 2}
    assert c.changes == ["Staff expert with 2 people instead of 1"]
    assert c.verdict == "better" and c.original["choice"][MERGE] is True


def test_a_staffing_cut_rated_noise_stays(model, space) -> None:
    """Fewer people save their pay, which cycle time does not measure: not dropped as noise."""
    c = _pruned(model, space, {"staffing:expert": 2, "staffing:spare": 0})
    roles = {a["variable"]: a["role"] for a in c.ablation}
    assert roles == {"staffing:expert": "carries gain", "staffing:spare": "noise"}
    assert c.pruning == [] and c.choice["staffing:spare"] == 0


def test_recommendations_count_refused_proposals_and_say_whose_simulations(
    make_job, tiny_model, tmp_path
) -> None:
    # a hire costs 100: clerk=2 fits the budget of 150, clerk=3 does not (refused, FAIL)
    staffing = {"clerk": {**TINY_SPACE["staffing"]["clerk"], "max": 3}}
    space = SearchSpace.from_dict({**TINY_SPACE, "budget": 150, "staffing": staffing}, tiny_model)
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    job = dataclasses.replace(make_job(n_trials=6, replications=2, storage=storage), space=space)
    follow = FollowUp(confirm_replications=3, top_k=2, ablate_top=1)
    run = tmp_path / "run"
    summary = optimize_redesign(job, run_dir=run, follow_up=follow, progress=False, workers=1)
    trials = pd.read_csv(run / "trials.csv")
    refused = int(((trials["state"] == "FAIL") & trials["refused"].notna()).sum())
    assert refused > 0 and len(trials) == 6 + refused
    assert summary["proposals_refused"] == refused
    assert summary["multiple_comparisons"]["negligible_change"] == 0.001
    md = (run / "recommendations.md").read_text(encoding="utf-8")
    sims = summary["simulations_this_run"]
    total = sims["search"] + sims["confirmation"]
    assert (
        f"Search: 6 trials, and {refused} proposal{'s' if refused > 1 else ''} the search space "
        "refused (state FAIL in trials.csv, the reason under refused; not simulated, and not "
        f"counted as trials); this run simulated {total} replications ({sims['search']} for the "
        f"search, {sims['confirmation']} to confirm, ablate and prune its candidates; a resumed "
        "search counts only its own)." in md
    )
    # run again on the same study: it has its 6 trials, so the search simulates at most
    # today's process (its replications are in no cache yet), the follow-up the rest
    summary = optimize_redesign(job, run_dir=run, follow_up=follow, progress=False, workers=1)
    again = summary["simulations_this_run"]
    assert again["search"] <= job.settings.replications < sims["search"]
    md = (run / "recommendations.md").read_text(encoding="utf-8")
    searched = again["search"] or "none"
    assert (
        f"this run simulated {again['search'] + again['confirmation']} replications ({searched} "
        f"for the search, {again['confirmation']} to confirm, ablate and prune its candidates;"
        in md
    )
