"""The search: resume, interruption, storage errors, duplicates, confirmation verdicts."""

from __future__ import annotations

import math

import optuna
import pandas as pd
import pytest

from sim.errors import ConfigError
from sim.optimize import (
    Evaluator,
    Objective,
    confirm,
    parse_constraints,
    parse_objectives,
    run_search,
    verdict,
)
from sim.optimize.confirm import Candidate, ablate
from sim.optimize.objectives import check_kpi_names
from sim.optimize.study import finished_trials


def _evaluator(job):
    return Evaluator(
        model=job.model, space=job.space, scenario=job.scenario, seed=job.seed, workers=1
    )


def test_resume_keeps_finished_trials_and_adds_only_the_missing(tmp_path, make_job):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    with _evaluator(job := make_job(storage=url, n_trials=3)) as ev:
        study, _ = run_search(job, ev, progress=False)
    first = [(t.number, t.params, t.values) for t in finished_trials(study)]
    assert len(first) == 3
    job2 = make_job(storage=url, n_trials=5)
    with _evaluator(job2) as ev:
        study2, _ = run_search(job2, ev, progress=False)
    again = [(t.number, t.params, t.values) for t in finished_trials(study2)]
    assert len(again) == 5
    assert again[:3] == first  # nothing recomputed or lost
    with _evaluator(job2) as ev:  # already complete: nothing to do, nothing simulated
        _, sims = run_search(job2, ev, progress=False)
    assert sims == 0


def test_a_resumed_search_says_how_many_trials_the_study_has(tmp_path, make_job, capsys):
    """QA 2026-12-05 hardening: a resumed search's bar showed '1/32' and nothing else."""
    url = f"sqlite:///{tmp_path / 'study.db'}"
    with _evaluator(job := make_job(storage=url, n_trials=3)) as ev:
        run_search(job, ev, progress=True)
    assert "already has" not in capsys.readouterr().err
    job2 = make_job(storage=url, n_trials=5)
    with _evaluator(job2) as ev:
        run_search(job2, ev, progress=True)
    assert (
        "search: the study already has 3 finished trial(s); 2 more to reach "
        "optimizer.n_trials=5" in capsys.readouterr().err
    )


def test_interrupted_study_loses_no_finished_trial(tmp_path, make_job, monkeypatch):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    job = make_job(storage=url, n_trials=6)
    from sim.optimize import study as study_mod

    calls = {"n": 0}
    real = study_mod.RedesignObjective.__call__

    def flaky(self, trial):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, trial)

    monkeypatch.setattr(study_mod.RedesignObjective, "__call__", flaky)
    with _evaluator(job) as ev, pytest.raises(KeyboardInterrupt):
        run_search(job, ev, progress=False)
    monkeypatch.setattr(study_mod.RedesignObjective, "__call__", real)
    loaded = optuna.load_study(study_name="t", storage=url)
    assert len(finished_trials(loaded)) == 2
    with _evaluator(job) as ev:
        study, _ = run_search(job, ev, progress=False)
    assert len(finished_trials(study)) == 6


def test_resuming_with_a_different_seed_is_refused(tmp_path, make_job):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    with _evaluator(job := make_job(storage=url, n_trials=1)) as ev:
        run_search(job, ev, progress=False)
    other = make_job(storage=url, n_trials=2, seed=99)
    with _evaluator(other) as ev, pytest.raises(ConfigError, match="optimizer.study_name"):
        run_search(other, ev, progress=False)


def test_unopenable_storage_names_the_key_and_hides_the_password(make_job):
    job = make_job(storage="postgresql://alice:s3cret@127.0.0.1:1/nodb")
    with _evaluator(job) as ev, pytest.raises(ConfigError) as err:
        run_search(job, ev, progress=False)
    assert "optimizer.storage" in str(err.value)
    assert "s3cret" not in str(err.value)


def test_the_same_redesign_is_simulated_once(make_job):
    job = make_job(n_trials=12)  # the space has only 4 distinct redesigns
    with _evaluator(job) as ev:
        study, sims = run_search(job, ev, progress=False)
        distinct = {t.user_attrs["key"] for t in study.trials if "key" in t.user_attrs}
    assert len(distinct) <= 4
    assert sims <= len(distinct) * job.settings.replications
    dups = [t for t in study.trials if "duplicate_of" in t.user_attrs]
    assert dups and all(t.values == study.trials[t.user_attrs["duplicate_of"]].values for t in dups)


def test_max_redesigns_stops_after_that_many_distinct_redesigns(tmp_path, make_job):
    import dataclasses

    from sim.optimize.study import distinct_redesigns

    url = f"sqlite:///{tmp_path / 'study.db'}"
    job = make_job(storage=url, n_trials=50)
    job = dataclasses.replace(job, settings=dataclasses.replace(job.settings, max_redesigns=3))
    with _evaluator(job) as ev:
        study, sims = run_search(job, ev, progress=False)
        base = ev.key({})
    # the tiny space has 4 redesigns (baseline included): the cap, not n_trials, ended it
    assert distinct_redesigns(study, base) == 3
    assert len(finished_trials(study)) < 50
    keys = {t.user_attrs["key"] for t in study.trials if "duplicate_of" not in t.user_attrs}
    assert sims <= len(keys | {base}) * job.settings.replications
    with _evaluator(job) as ev:  # resumed: the cap is already reached, nothing to simulate
        _, again = run_search(job, ev, progress=False)
    assert again == 0


def test_refused_proposals_fail_and_do_not_use_up_the_trials(make_job, tiny_model):
    """Over-budget combinations end as FAIL (left out of the sampler's model), cost nothing."""
    import dataclasses

    from sim.redesign import SearchSpace

    from .conftest import TINY_SPACE

    # a hire costs 100: clerk=2 fits the budget of 150, clerk=3 does not
    staffing = {"clerk": {**TINY_SPACE["staffing"]["clerk"], "max": 3}}
    space = SearchSpace.from_dict({**TINY_SPACE, "budget": 150, "staffing": staffing}, tiny_model)
    job = dataclasses.replace(make_job(n_trials=6), space=space)
    with _evaluator(job) as ev:
        study, _ = run_search(job, ev, progress=False)
    failed = [t for t in study.trials if t.state == optuna.trial.TrialState.FAIL]
    assert failed, "the random sampler proposes clerk=3 a third of the time"
    assert all("refused" in t.user_attrs and t.params["staffing:clerk"] == 3 for t in failed)
    assert len(finished_trials(study)) == 6  # refusals did not count towards n_trials
    assert all(t.params["staffing:clerk"] < 3 for t in finished_trials(study))


def test_a_sampler_stuck_on_a_refused_combination_gets_random_redesigns(
    make_job, tiny_model, monkeypatch
):
    """A sampler that keeps proposing an over-budget combination is given a random one."""
    import dataclasses

    from sim.optimize import study as study_mod
    from sim.optimize.study import _run_trials

    monkeypatch.setattr(study_mod, "REFUSED_IN_A_ROW", 5)  # 200 in the real search
    from sim.redesign import SearchSpace

    from .conftest import TINY_SPACE

    staffing = {"clerk": {**TINY_SPACE["staffing"]["clerk"], "max": 3}}
    space = SearchSpace.from_dict({**TINY_SPACE, "budget": 150, "staffing": staffing}, tiny_model)
    job = dataclasses.replace(make_job(n_trials=3), space=space)
    stuck = optuna.samplers.PartialFixedSampler(
        {"staffing:clerk": 3}, optuna.samplers.RandomSampler(seed=0)
    )
    study = optuna.create_study(sampler=stuck)
    with _evaluator(job) as ev:
        _run_trials(job, ev, study, progress=False)
    done = finished_trials(study)
    assert len(done) == 3  # every finished trial is a queued random escape
    assert all("fixed_params" in t.system_attrs and t.params["staffing:clerk"] < 3 for t in done)
    failed = [t for t in study.trials if t.state == optuna.trial.TrialState.FAIL]
    assert len(failed) == 3 * 5


def test_max_redesigns_below_two_names_the_key():
    from sim.optimize import SearchSettings

    with pytest.raises(ConfigError, match="optimizer.max_redesigns"):
        SearchSettings(max_redesigns=1)


def test_common_random_numbers_make_the_baseline_identical_across_evaluators(make_job):
    job = make_job()
    with _evaluator(job) as a, _evaluator(job) as b:
        pd.testing.assert_frame_equal(a.table({}, 3), b.table({}, 3))
        # incremental: asking for 5 after 3 simulates only 2 more
        before = a.simulations
        a.table({}, 5)
        assert a.simulations - before == 2


def test_confirmation_calls_a_real_gain_better_and_ablation_credits_it(make_job):
    job = make_job()
    remove = {"remove:review": True}
    hire = {"staffing:clerk": 2}
    with _evaluator(job) as ev:
        cands = [
            Candidate(
                trial=0, choice=remove, changes=["remove"], one_off_cost=0.0, search_values=[0.0]
            ),
            Candidate(
                trial=1,
                choice=remove | hire,
                changes=["remove", "hire"],
                one_off_cost=100.0,
                search_values=[0.0],
            ),
        ]
        confirm(cands, ev, job.objectives, (), replications=10, start=5)
        assert cands[0].verdict == "better"
        rows = ablate(cands[1], ev, job.objectives, replications=10, start=5)
    by = {r["variable"]: r for r in rows}
    assert by["remove:review"]["role"] == "carries gain"
    assert by["remove:review"]["contribution"]["cycle_time_mean"]["improvement"] > 0


def test_verdict_rules():
    comp = pd.DataFrame(
        {"diff": [-1.0, 0.5], "significant": [True, False]},
        index=["cycle_time_mean", "dropoff_rate"],
    )
    objs = [Objective("cycle_time_mean"), Objective("dropoff_rate")]
    assert verdict(comp, objs) == "better"
    comp.loc["dropoff_rate", "significant"] = True
    assert verdict(comp, objs) == "trade-off"
    comp["significant"] = False
    assert verdict(comp, objs) == "within noise"
    assert verdict(comp.assign(diff=[1.0, 1.0], significant=True), objs) == "worse"
    maxi = [Objective("cycle_time_mean", "maximize"), Objective("dropoff_rate")]
    assert verdict(comp.assign(diff=[1.0, -1.0], significant=True), maxi) == "better"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ([{"kpi": "cycle_time_mean", "direction": "smaller"}], "direction"),
        ([], "at least one"),
        ([{"kpi": "a"}, {"kpi": "a"}], "twice"),
        ([{"kpi": "a", "weight": 2}], "unknown field"),
    ],
)
def test_bad_objectives_name_the_key(spec, message):
    with pytest.raises(ConfigError, match="optimizer.objectives") as err:
        parse_objectives(spec)
    assert message in str(err.value)


def test_bad_constraints_name_the_key():
    with pytest.raises(
        ConfigError, match=r"optimizer.constraints.dropoff_rate: min 0.5 is above max 0.1"
    ):
        parse_constraints({"dropoff_rate": {"min": 0.5, "max": 0.1}})
    with pytest.raises(ConfigError, match="optimizer.constraints.x.max"):
        parse_constraints({"x": {"max": "lots"}})
    (c,) = parse_constraints({"utilisation_max": {"max": 0.9}})
    assert (
        c.violation(0.95) == pytest.approx(0.05)
        and c.violation(0.5) < 0
        and c.violation(math.nan) > 0
    )
    with pytest.raises(ConfigError, match="unknown KPI 'cycle_tme'"):
        check_kpi_names(["cycle_tme"], ["cycle_time_mean"], key="optimizer.objectives")


def test_several_worker_processes_share_one_study(tmp_path, make_job):
    from dataclasses import replace

    url = f"sqlite:///{tmp_path / 'study.db'}"
    job = make_job(storage=url, n_trials=6)
    job = replace(job, settings=replace(job.settings, n_jobs=2))
    with _evaluator(job) as ev:
        study, sims = run_search(job, ev, progress=False)
    finished = finished_trials(study)
    assert len(finished) >= 6  # MaxTrialsCallback stops both workers at the target (+1 in flight)
    assert len(finished) <= 7
    assert sims > 0


def test_several_workers_need_a_storage(make_job):
    from dataclasses import replace

    job = make_job(storage=None)
    job = replace(job, settings=replace(job.settings, n_jobs=2))
    with _evaluator(job) as ev, pytest.raises(ConfigError, match="optimizer.n_jobs"):
        run_search(job, ev, progress=False)
