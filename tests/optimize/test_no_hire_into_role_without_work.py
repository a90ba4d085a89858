"""A redesign never hires into a role that its other changes leave without work (QA ablation16:
the CRM redesign of trial 26 removed 'contract_review', legal's only step, and still listed
"Staff legal with 2 people instead of 1 (one-off cost 6,000)", about 92 of its +192 per case;
only the ablated ranks caught it). Such a hire is no change: the search space reads it as the
model's headcount, so trials that differ only by it are one redesign."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
import pytest
import yaml

from sim.errors import RedesignRefused
from sim.model import from_dict, load
from sim.model.scenario import Scenario
from sim.optimize import Candidate, Evaluator, Objective, confirm, run_search
from sim.optimize.outputs import idle_roles, recommendations_markdown
from sim.redesign import SearchSpace, change_staffing

from .conftest import TINY, search_job

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
CRM = load(CONFIGS / "process" / "crm_sales.yaml")
LEGAL = "Staff legal with 2 people instead of 1 (one-off cost 6,000)"


def crm_space_config() -> dict[str, Any]:
    """The bundled CRM search space as a plain mapping."""
    return yaml.safe_load((CONFIGS / "redesign" / "crm_sales.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def space() -> SearchSpace:
    return SearchSpace.from_dict(crm_space_config(), CRM)


def _working(model) -> set[str]:
    return {r for s in model.steps.values() for r in s.all_roles}


@pytest.mark.parametrize(
    "others",
    [
        {"remove:contract_review": True},  # the QA case
        {"automate:contract_review": True},
    ],
)
def test_a_hire_into_a_role_left_without_work_is_no_change(space, others) -> None:
    choice = {**others, "staffing:legal": 2}
    assert space.active(choice) == others
    assert LEGAL not in space.describe(choice)
    assert space.one_off_cost(choice) == space.one_off_cost(others)
    assert space.effective(choice) == {**others, "staffing:legal": 1}
    assert space.apply(CRM, choice) == space.apply(CRM, others)
    assert space.apply(CRM, choice).roles["legal"].headcount == 1


def test_the_same_hire_counts_where_the_role_still_works(space) -> None:
    assert space.describe({"staffing:legal": 2}) == [LEGAL]
    choice = {"remove:quote_approval": True, "staffing:legal": 2}
    assert space.active(choice) == choice
    assert space.apply(CRM, choice).roles["legal"].headcount == 2


def test_fewer_people_in_a_role_left_without_work_stay_a_change(space) -> None:
    """The search may still leave such people out: sales_dev 0 once the merge takes its step."""
    choice = {"merge:first_contact+needs_analysis": True, "staffing:sales_dev": 0}
    assert space.active(choice) == choice
    assert space.apply(CRM, choice).roles["sales_dev"].headcount == 0


def test_a_sampled_choice_never_hires_into_a_role_without_work(space) -> None:
    """Every variable asked at its strongest (hires at max) and at random: no redesign has more
    people than the model in a role that none of its steps needs."""
    strongest = space.sample(lambda v: v.choices[-1] if v.kind == "categorical" else v.high)
    # its removals and merges leave these four without work; the others work and get the max
    idle = ("sales_dev", "sales_manager", "pricing", "legal")
    assert {r: strongest[f"staffing:{r}"] for r in idle} == {
        r: CRM.roles[r].headcount for r in idle
    }
    assert (strongest["staffing:account_exec"], strongest["staffing:customer_success"]) == (9, 7)
    rng = np.random.default_rng(7)
    seen = 0
    for choice in [strongest, *(space.random_choice(rng) for _ in range(40))]:
        try:
            model = space.apply(CRM, choice)
        except RedesignRefused:  # e.g. no sales_dev without the merge: the search refuses it too
            continue
        for role in _working(CRM) - _working(model):
            assert model.roles[role].headcount <= CRM.roles[role].headcount, (role, choice)
            seen += 1
    assert seen > 10  # the check above was exercised


def test_a_confirmed_candidate_does_not_carry_such_a_hire(space) -> None:
    """The sampler's raw value stays in trial.params, so a candidate starts with it (and a
    trial of an older study with its sentence and cost); once confirmed it has the value the
    redesign uses, so the ablation that puts the removed step back hires no second legal."""
    raw = {"remove:contract_review": True, "staffing:legal": 2}
    c = Candidate(
        trial=26, choice=dict(raw), changes=space.describe(raw) + [LEGAL], one_off_cost=6000.0,
        search_values=[50.0], rank=1, search_rank=1,
    )  # fmt: skip
    scenario = Scenario(horizon_days=2, warmup_days=0.5)
    with Evaluator(model=CRM, space=space, scenario=scenario, seed=1, workers=1) as ev:
        confirm([c], ev, (Objective("cycle_time_mean"),), (), replications=2, start=0)
    assert c.choice == {"remove:contract_review": True, "staffing:legal": 1}
    assert c.changes == space.describe(raw) and LEGAL not in c.changes
    assert c.one_off_cost == 0.0
    assert space.active({**c.choice, "remove:contract_review": False}) == {}


def test_a_search_records_no_such_hire_and_its_trials_coincide() -> None:
    """TINY: removing 'review' leaves expert without work; a hire there is never a change, so
    trials differing only by it are duplicates of one redesign."""
    model = from_dict(TINY)
    hire = {"min": 1, "max": 3, "one_off_cost_per_hire": 100}
    space = SearchSpace.from_dict(
        {"model": "tiny", "remove": ["review"], "staffing": {"expert": hire}}, model
    )
    job = search_job(model, space, n_trials=12, replications=2, seed=3)
    with Evaluator(model=model, space=space, scenario=job.scenario, seed=3, workers=1) as ev:
        study, _ = run_search(job, ev, progress=False)
    trials = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    removed = [t for t in trials if t.params.get("remove:review")]
    assert any(t.params.get("staffing:expert", 1) > 1 for t in removed)  # the sampler proposed it
    for t in removed:
        assert t.user_attrs["changes"] == ["Remove 'review' (cases go straight on to 'done')"]
        assert t.user_attrs["one_off_cost"] == 0.0
    assert len({t.user_attrs["key"] for t in removed}) == 1


# ------------------------------------------------------------------------- recommendations
def _with_unreached_step() -> object:
    """clerk works; auditor (40 an hour) has a step that no case reaches."""
    return from_dict(
        {
            "name": "tiny",
            "start": "work",
            "arrivals": {"interarrival": {"dist": "fixed", "value": 5.0}},
            "roles": {
                "clerk": {"headcount": 1, "hourly_cost": 50},
                "auditor": {"headcount": 1, "hourly_cost": 40},
            },
            "steps": {
                "work": {"role": "clerk", "duration": {"dist": "fixed", "value": 1}, "next": "gate"},
                "audit": {"role": "auditor", "duration": {"dist": "fixed", "value": 1},
                          "next": "done"},
            },
            "decisions": {"gate": {"branches": {"done": 1.0, "audit": 0.0}}},
            "ends": {"done": {"success": True}},
        }
    )  # fmt: skip


def _markdown(model) -> str:
    comparison = pd.DataFrame(
        {"base": [10.0], "alt": [8.0], "diff": [-2.0], "ci_low": [-3.0], "ci_high": [-1.0],
         "relative": [-0.2], "significant": [True]},
        index=["cycle_time_mean"],
    )  # fmt: skip
    c = Candidate(
        trial=1, choice={}, changes=["Staff auditor with 2 people instead of 1"],
        one_off_cost=500.0, search_values=[8.0], rank=1, search_rank=1, verdict="better",
        comparison=comparison,
    )  # fmt: skip
    return recommendations_markdown(
        model_name="tiny",
        candidates=[c],
        baseline=pd.DataFrame({"cycle_time_mean": [10.0]}),
        objectives=(Objective("cycle_time_mean"),),
        constraints=(),
        confirm_replications=4,
        n_trials=3,
        simulations=12,
        models={1: model},
    )


def test_people_the_redesign_hired_with_no_work_are_not_called_still_staffed() -> None:
    hired = change_staffing(_with_unreached_step(), "auditor", headcount=2, one_off_cost=500)
    (found,) = idle_roles(hired)
    assert (found["role"], found["headcount"], found["hired"]) == ("auditor", 2, 1)
    md = _markdown(hired)
    # 2 people x 168 h x 40 over 168 / 5 = 33.6 cases a week: 400 per case, 200 of it the hire
    assert (
        "**Paid with no work:** auditor (2 people, 1 of them hired by this redesign; its steps "
        "are in the model but no case reaches them; about 400.00 per case). They are staffed in "
        "`best/1.yaml`" in md
    )
    assert "still staffed" not in md
    assert (
        "The hire into auditor has no effect: auditor has no work in this redesign; drop that "
        "change (saves about 200.00 per case, and the hire's one-off cost)." in md
    )


def test_the_processs_own_idle_people_are_still_staffed() -> None:
    md = _markdown(_with_unreached_step())
    assert "auditor (1 person; its steps are in the model but no case reaches them" in md
    assert "They are still staffed in `best/1.yaml`" in md
    assert "has no effect" not in md
