"""The edges of "a removed step's KPI counts 0" (``test_removed_step_objective``).

* A replication where no case finished has no value for any step (an existing step's shares
  are NaN there): a removed step's KPI is missing there too, not 0. Before, it was 0 in every
  replication, so a search whose only objective was ``waiting_mean:<step>`` scored a redesign
  that stops every case as perfect (0 waiting at the step it removed) instead of pruning it
  with "no case finished".
* A timer can be removed (``remove`` accepts it; merge and automate refuse it): its
  ``timer_share:<timer>``, and the total ``timer_share`` once no timer is left, count 0.
  Before, such trials were pruned with "no value in its replications".
"""

from __future__ import annotations

import copy
import math

import optuna
import pandas as pd
import pytest

from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.optimize import Evaluator, SamplerSpec, run_search
from sim.redesign import SearchSpace
from tests.optimize.conftest import TINY, search_job

REMOVE = {"remove:review": True}
AUTOMATE = {"automate:review": True}
STEP_KPIS = ["waiting_mean:review", "reached:review", "queue_share:review", "dropoff_at:review"]


def _evaluator(model_dict: dict, space: dict, scenario: Scenario, kpis: list[str]) -> Evaluator:
    model = from_dict(model_dict)
    return Evaluator(
        model=model,
        space=SearchSpace.from_dict(space, model),
        scenario=scenario,
        seed=1,
        workers=1,
        kpis=kpis,
    )


def _search(model_dict: dict, space: dict, scenario: Scenario, kpi: str) -> list:
    """The trials of a random search of 6 trials whose one objective is ``kpi``."""
    model = from_dict(model_dict)
    job = search_job(
        model,
        SearchSpace.from_dict(space, model),
        objectives=(kpi,),
        scenario=scenario,
        n_trials=6,
        sampler=SamplerSpec("optuna.samplers.RandomSampler", {"seed": 3}),
    )
    with Evaluator(
        model=model, space=job.space, scenario=scenario, seed=1, workers=1, kpis=[kpi]
    ) as ev:
        study, _ = run_search(job, ev, progress=False)
    return study.get_trials(deepcopy=False)


# ------------------------------------------------------------------- no case finished
def test_a_removed_step_s_kpis_are_0_only_where_a_case_finished():
    space = {
        "model": "tiny",
        "remove": ["review"],
        "automate": {"review": {"duration": {"dist": "fixed", "value": 0.1}}},
    }
    with _evaluator(TINY, space, Scenario(horizon_days=3, warmup_days=0.5), STEP_KPIS) as ev:
        # replication 1: no case finished (no rates at all, as ``replication_kpis`` gives it)
        seeded = pd.DataFrame({"replication": [0, 1, 2], "dropoff_rate": [0.1, math.nan, 0.0]})
        for choice in (REMOVE, AUTOMATE):
            ev.seed_cache(choice, seeded)
        table = ev.table(REMOVE, 3)
        for k in STEP_KPIS:
            assert table[k].iloc[[0, 2]].tolist() == [0.0, 0.0], k
            assert math.isnan(table[k].iloc[1]), k
        assert ev.means(REMOVE, 3)["waiting_mean:review"] == 0.0
        automated = ev.table(AUTOMATE, 3)["queue_share:review"]
        assert automated.iloc[[0, 2]].tolist() == [0.0, 0.0]
        assert math.isnan(automated.iloc[1])


def test_a_redesign_where_no_case_finishes_is_pruned_not_scored_0_at_its_removed_step():
    """intake -> review -> sign, where signing takes 1000 h: within one day (not drained) no
    case finishes, with or without review."""
    model = copy.deepcopy(TINY)
    model["roles"]["lawyer"] = {"headcount": 1, "hourly_cost": 50}
    model["steps"]["review"]["next"] = "sign"
    model["steps"]["sign"] = {
        "role": "lawyer",
        "duration": {"dist": "fixed", "value": 1000.0},
        "next": "done",
    }
    scenario = Scenario(horizon_days=1, warmup_days=0, drain=False)
    space = {"model": "tiny", "remove": ["review"]}
    trials = _search(model, space, scenario, "waiting_mean:review")
    removed = [t for t in trials if t.params.get("remove:review")]
    assert removed  # the seed gives some
    for t in removed:
        assert t.state == optuna.trial.TrialState.PRUNED, (t.state, t.values)
        assert t.user_attrs["refused"] == "an objective KPI is undefined (no case finished)"


# ------------------------------------------------------------------------------ timers
def _timer_model() -> dict:
    """``TINY`` with a 2 h timer ``delay:review`` (a calibrated model's kind) before review."""
    model = copy.deepcopy(TINY)
    model["steps"]["intake"]["next"] = "delay:review"
    model["steps"]["delay:review"] = {"duration": {"dist": "fixed", "value": 2.0}, "next": "review"}
    model["metadata"] = {"timer_steps": ["delay:review"]}
    return model


TIMER_SPACE = {"model": "tiny", "remove": ["delay:review"]}
WITHOUT_TIMER = {"remove:delay:review": True}


def test_a_removed_timer_s_share_counts_0_and_is_said_once(capsys):
    kpis = ["timer_share:delay:review", "timer_share"]
    scenario = Scenario(horizon_days=3, warmup_days=0.5)
    with _evaluator(_timer_model(), TIMER_SPACE, scenario, kpis) as ev:
        today = ev.means({}, 2)
        assert today["timer_share:delay:review"] > 0 and today["timer_share"] > 0
        table = ev.table(WITHOUT_TIMER, 2)
        for k in kpis:
            assert table[k].tolist() == [0.0, 0.0], k
        ev.table(WITHOUT_TIMER, 2, start=2)  # again: no second note
    err = capsys.readouterr().err
    assert err.count("note: timer_share:delay:review counts as 0") == 1
    assert "for a redesign without step 'delay:review': no case waits in that timer" in err
    assert err.count("note: timer_share counts as 0 for a redesign without timer steps") == 1


@pytest.mark.parametrize("kpi", ["timer_share:delay:review", "timer_share"])
def test_the_search_scores_a_redesign_without_the_timer(kpi):
    trials = _search(_timer_model(), TIMER_SPACE, Scenario(horizon_days=3, warmup_days=0.5), kpi)
    removed = [t for t in trials if t.params.get("remove:delay:review")]
    assert removed  # the seed gives some
    for t in removed:
        assert t.state == optuna.trial.TrialState.COMPLETE, t.user_attrs.get("refused")
        assert t.values == [0.0]
