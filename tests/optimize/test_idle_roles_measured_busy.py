"""A role is "paid with no work" only when the runs measured it idle (QA staffing: parttime, only
an alternative of a step with share 0, takes cases when the clerks are busy; the offered-load
estimate gave it no work, the runs 86.7 % busy, and recommendations.md called it paid with no
work)."""

from __future__ import annotations

import math

import pandas as pd

from sim.model import from_dict
from sim.model.process import ProcessModel
from sim.model.scenario import Scenario
from sim.optimize import (
    FollowUp,
    Objective,
    SamplerSpec,
    optimize_redesign,
)
from sim.optimize.confirm import Candidate
from sim.optimize.outputs import idle_roles, recommendations_markdown
from sim.redesign import SearchSpace
from tests.optimize.conftest import search_job


def office() -> ProcessModel:
    """One clerk, busy most of the time; parttime only takes a case when the clerk is busy
    (an alternative with share 0)."""
    return from_dict(
        {
            "name": "office",
            "start": "handle",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
            "roles": {
                "clerk": {"headcount": 1, "hourly_cost": 50},
                "parttime": {"headcount": 1, "hourly_cost": 50},
            },
            "steps": {
                "handle": {
                    "role": "clerk",
                    "duration": {"dist": "exponential", "mean": 1.6},
                    "alternatives": {
                        "parttime": {"duration": {"dist": "exponential", "mean": 1.6}, "share": 0.0}
                    },
                    "next": "done",
                },
            },
            "ends": {"done": {"success": True}},
        }
    )


def test_a_role_measured_busy_has_work_whatever_the_estimate():
    model = office()
    # what the estimate alone says: the share-0 alternative has no load
    assert [r["role"] for r in idle_roles(model)] == ["parttime"]
    assert idle_roles(model, busy={"clerk": 0.95, "parttime": 0.867}) == []


def test_a_role_measured_idle_has_no_work_and_an_unmeasured_one_is_estimated():
    model = office()
    assert [r["role"] for r in idle_roles(model, busy={"parttime": 0.0})] == ["parttime"]
    assert [r["role"] for r in idle_roles(model, busy={"parttime": math.nan})] == ["parttime"]
    assert [r["role"] for r in idle_roles(model, busy={"clerk": 0.0})] == ["clerk", "parttime"]


def _markdown(utilisation):
    comparison = pd.DataFrame(
        {"base": [10.0], "alt": [8.0], "diff": [-2.0], "ci_low": [-3.0], "ci_high": [-1.0],
         "relative": [-0.2], "significant": [True]},
        index=["cycle_time_mean"],
    )  # fmt: skip
    best = Candidate(
        trial=1, choice={}, changes=["Staff clerk with 2 people instead of 1"], one_off_cost=0.0,
        search_values=[8.0], rank=1, search_rank=1, verdict="better", comparison=comparison,
    )  # fmt: skip
    return recommendations_markdown(
        model_name="office",
        candidates=[best],
        baseline=pd.DataFrame({"cycle_time_mean": [10.0]}),
        objectives=(Objective("cycle_time_mean"),),
        constraints=(),
        confirm_replications=4,
        n_trials=3,
        simulations=12,
        models={1: office()},
        utilisation=utilisation,
    )


def test_recommendations_take_the_measured_utilisation_of_each_candidate():
    assert "Paid with no work:** parttime" in _markdown(None)
    assert "Paid with no work" not in _markdown({1: {"clerk": 0.6, "parttime": 0.3}})


def test_a_search_does_not_call_a_busy_alternative_role_paid_with_no_work(tmp_path):
    model = office()
    space = SearchSpace.from_dict({"staffing": {"clerk": {"min": 1, "max": 2}}}, model)
    job = search_job(
        model,
        space,
        scenario=Scenario(horizon_days=10, warmup_days=1),
        n_trials=1,
        sampler=SamplerSpec(
            "optuna.samplers.GridSampler", {"search_space": {"staffing:clerk": [2]}}
        ),
    )
    summary = optimize_redesign(
        job,
        run_dir=tmp_path,
        follow_up=FollowUp(confirm_replications=8, top_k=1, ablate_top=0),
        progress=False,
        workers=1,
    )
    assert [c["recommended"] for c in summary["candidates"]] == [True]
    text = (tmp_path / "recommendations.md").read_text(encoding="utf-8")
    assert "Recommended" in text
    assert "Paid with no work" not in text
