"""An objective or constraint on one step's KPI (``waiting_mean:review``) of a redesign that
removes the step: nobody waits there any more, so it counts as 0 (said once on the console),
not as undefined. QA: on crm_sales with ``waiting_mean:contract_review`` as an objective, every
redesign removing contract_review was pruned with "an objective KPI is undefined (no case
finished)", though cases finished. A step merged into another is undefined, with that reason
(its waiting is the merged step's now); "no case finished" stays for the real case."""

from __future__ import annotations

import math

import optuna
import pandas as pd
import pytest

from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.optimize import (
    Evaluator,
    FollowUp,
    Objective,
    SamplerSpec,
    optimize_redesign,
    run_search,
)
from sim.redesign import SearchSpace
from tests.optimize.conftest import TINY, search_job

SPACE = {
    "model": "tiny",
    "remove": ["review"],
    "merge": {"intake+review": {"role": "clerk"}},
    "automate": {"review": {"duration": {"dist": "fixed", "value": 0.1}}},
}
SCENARIO = Scenario(horizon_days=3, warmup_days=0.5)
REMOVE = {"remove:review": True}
MERGE = {"merge:intake+review": True}
AUTOMATE = {"automate:review": True}
STEP_KPIS = ["waiting_mean:review", "reached:review", "dropoff_at:review", "queue_share:review"]


@pytest.fixture
def evaluator():
    model = from_dict(TINY)
    space = SearchSpace.from_dict(SPACE, model)
    with Evaluator(
        model=model, space=space, scenario=SCENARIO, seed=1, workers=1, kpis=STEP_KPIS
    ) as ev:
        yield ev


def test_a_removed_step_s_kpis_are_0_and_said_once(evaluator, capsys):
    table = evaluator.table(REMOVE, 3)
    for k in STEP_KPIS:
        assert table[k].tolist() == [0.0, 0.0, 0.0], k
    means = evaluator.means(REMOVE, 3)
    assert means["waiting_mean:review"] == 0.0
    evaluator.table(REMOVE, 3, start=3)  # again: no second note
    err = capsys.readouterr().err
    assert err.count("note: waiting_mean:review counts as 0") == 1
    assert "for a redesign without step 'review': nobody waits there" in err
    # today's process keeps its own values
    assert evaluator.means({}, 3)["waiting_mean:review"] > 0


def test_an_automated_step_has_no_queue_for_staff(evaluator, capsys):
    table = evaluator.table(AUTOMATE, 2)
    assert table["queue_share:review"].tolist() == [0.0, 0.0]
    assert "queue_share:review counts as 0 for a redesign that automates step 'review'" in (
        capsys.readouterr().err
    )


def test_a_merged_step_s_kpis_stay_undefined_with_the_true_reason(evaluator):
    means = evaluator.means(MERGE, 2)
    assert math.isnan(means.get("waiting_mean:review", math.nan))
    why = evaluator.undefined_reason(MERGE, ["waiting_mean:review"], means)
    assert "merges step 'review' into 'intake+review'" in why
    assert "no case finished" not in why
    no_case = evaluator.undefined_reason(MERGE, ["cycle_time_mean"], {"dropoff_rate": math.nan})
    assert no_case == "an objective KPI is undefined (no case finished)"


def test_a_drop_off_missing_from_a_replication_is_0(evaluator):
    """A replication names only the steps where cases dropped off: the others are 0 there, as
    in ``kpi_table`` (the mean over the replications that named it was too high)."""
    seeded = pd.DataFrame(
        {
            "replication": [0, 1, 2],
            "dropoff_rate": [0.1, 0.0, 0.2],
            "dropoff_at:intake": [0.1, math.nan, 0.2],
        }
    )
    evaluator.seed_cache({"remove:review": False}, seeded)
    table = evaluator.table({}, 3)
    assert table["dropoff_at:intake"].tolist() == [0.1, 0.0, 0.2]
    assert evaluator.means({}, 3)["dropoff_at:intake"] == pytest.approx(0.1)


def _job(objectives, n_trials=6):
    model = from_dict(TINY)
    return search_job(
        model,
        SearchSpace.from_dict(SPACE, model),
        objectives=objectives,
        scenario=SCENARIO,
        n_trials=n_trials,
        sampler=SamplerSpec("optuna.samplers.RandomSampler", {"seed": 3}),
    )


def test_the_search_scores_a_redesign_without_the_step_and_prunes_a_merge_with_why():
    job = _job([Objective("waiting_mean:review"), Objective("cycle_time_mean")], n_trials=12)
    model = job.model
    with Evaluator(
        model=model, space=job.space, scenario=SCENARIO, seed=1, workers=1, kpis=STEP_KPIS[:1]
    ) as ev:
        study, _ = run_search(job, ev, progress=False)
    trials = study.get_trials(deepcopy=False)
    removed = [t for t in trials if t.params.get("remove:review") and not t.params.get("merge:intake+review")]  # fmt: skip
    merged = [t for t in trials if t.params.get("merge:intake+review")]
    assert removed and merged  # the seed gives both
    for t in removed:
        if "refused" in t.user_attrs:  # the space refused the combination itself
            continue
        assert t.state == optuna.trial.TrialState.COMPLETE, t.user_attrs
        assert t.values[0] == 0.0
    assert any(t.state == optuna.trial.TrialState.PRUNED for t in merged)
    for t in merged:
        if t.state == optuna.trial.TrialState.PRUNED:
            assert "merges step 'review' into 'intake+review'" in t.user_attrs["refused"]
    assert not any("no case finished" in str(t.user_attrs.get("refused")) for t in trials)


def test_the_confirmation_compares_the_removed_step_s_objective(tmp_path):
    """The confirmation, ablation and outputs take the 0 too (the objective is in the
    comparison: before, a candidate without the step had no such row)."""
    job = _job([Objective("waiting_mean:review"), Objective("cycle_time_mean")], n_trials=8)
    summary = optimize_redesign(
        job,
        run_dir=tmp_path / "run",
        follow_up=FollowUp(confirm_replications=3, top_k=3, ablate_top=1),
        progress=False,
        workers=1,
    )
    without = [c for c in summary["candidates"] if "remove:review" in c["choice"]
               and c["choice"]["remove:review"] and not c["choice"].get("merge:intake+review")]  # fmt: skip
    assert without
    row = without[0]["comparison"]["waiting_mean:review"]
    assert row["alt"] == 0.0 and row["base"] > 0
