"""A repeat of a redesign names the trial that simulated it (``duplicate_of``), also after the
study was extended or resumed (QA researcher17 #1: the cache a run starts with was filled in
trial order, so a later repeat took its original's place and a new repeat named that repeat,
a trial never simulated)."""

from __future__ import annotations

import optuna

from sim.optimize import Evaluator, run_search
from sim.optimize.study import simulated_trials


def _extend(make_job, url: str, n_trials: int) -> optuna.Study:
    job = make_job(storage=url, n_trials=n_trials)
    with Evaluator(
        model=job.model, space=job.space, scenario=job.scenario, seed=job.seed, workers=1
    ) as ev:
        study, _ = run_search(job, ev, progress=False)
    return study


def test_a_repeat_in_an_extended_study_names_the_simulated_original(tmp_path, make_job):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    first = _extend(make_job, url, 2).trials[0]
    # each extension runs one more trial: the redesign of trial 0 again (queued)
    for n_trials in (3, 4):
        optuna.load_study(study_name="t", storage=url).enqueue_trial(first.params)
        study = _extend(make_job, url, n_trials)
    repeats = study.trials[2:]
    assert [t.params for t in repeats] == [first.params] * 2
    assert "duplicate_of" not in first.user_attrs  # simulated
    # the second repeat (trial 3) names trial 0, not the repeat (trial 2) before it
    assert [t.user_attrs["duplicate_of"] for t in repeats] == [0, 0]
    assert all(t.values == first.values for t in repeats)


def test_simulated_trials_keeps_the_original_of_each_redesign(tmp_path, make_job):
    """The cache a run starts with, from a study whose trials 1 and 2 repeat trial 0."""
    url = f"sqlite:///{tmp_path / 'study.db'}"
    first = _extend(make_job, url, 1).trials[0]
    for n_trials in (2, 3):
        optuna.load_study(study_name="t", storage=url).enqueue_trial(first.params)
        study = _extend(make_job, url, n_trials)
    known = simulated_trials(study.get_trials(deepcopy=False))
    assert known[first.user_attrs["key"]].number == 0
    # whatever order the storage gives them in
    assert simulated_trials(study.get_trials(deepcopy=False)[::-1]) == known
