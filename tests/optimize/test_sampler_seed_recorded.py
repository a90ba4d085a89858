"""A run of a search says which seeds its samplers were given (QA researcher17 #3: an extended
study's sampler was seeded with a seed derived from the configured one, while run.json
recorded only the configured seed, 3, as the first run's).

``run_search`` (and ``optimize_redesign``) call ``on_start`` with a ``SearchStart`` before the
first trial; ``sim optimize`` writes its ``to_record()`` into run.json."""

from __future__ import annotations

import dataclasses

import optuna

from sim.optimize import Evaluator, FollowUp, SamplerSpec, optimize_redesign, run_search
from sim.optimize.study import SearchStart

#: the seed of each sampler that proposed a parameter of a trial of study "t" (the search's:
#: the sampler check's throwaway study is another), in order
USED: list[object] = []


class RecordingSampler(optuna.samplers.RandomSampler):
    """Optuna's random sampler that notes the seed it was built with whenever it samples a
    trial of the search's study."""

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(seed=seed)
        self.given_seed = seed

    def sample_independent(self, study, trial, param_name, param_distribution):
        if study.study_name == "t":
            USED.append(self.given_seed)
        return super().sample_independent(study, trial, param_name, param_distribution)


SPEC = f"{__name__}.RecordingSampler"


def _job(make_job, url: str, n_trials: int):
    return make_job(storage=url, n_trials=n_trials, seed=5, sampler=SPEC)


def _search(job, on_start):
    with Evaluator(
        model=job.model, space=job.space, scenario=job.scenario, seed=job.seed, workers=1
    ) as ev:
        study, _ = run_search(job, ev, progress=False, on_start=on_start)
    return study


def test_an_extended_search_reports_the_seed_its_sampler_used(tmp_path, make_job):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    starts: list[SearchStart] = []
    USED.clear()
    study = _search(_job(make_job, url, 2), starts.append)
    assert len(starts) == 1
    first = starts[0]
    # a new study's single worker: the configured seed itself
    assert (first.seed, first.trials_before, first.runs_before) == (5, 0, 0)
    assert first.sampler_seeds == (5,) and set(USED) == {5}
    trials_then = len(study.trials)
    USED.clear()
    _search(_job(make_job, url, 4), starts.append)
    assert len(starts) == 2
    later = starts[1]
    assert (later.seed, later.trials_before, later.runs_before) == (5, trials_then, 1)
    # a derived seed, not the configured one, and the one that proposed the new trials
    assert later.sampler_seeds != (5,)
    assert USED and set(USED) == set(later.sampler_seeds)
    assert later.to_record() == {
        "sampler_seeds_used": list(later.sampler_seeds),
        "study_trials_before": trials_then,
        "study_runs_before": 1,
    }


def test_each_search_worker_gets_the_seed_reported_for_it(make_job):
    """With optimizer.n_jobs workers, one seed per worker, as ``SamplerSpec.build`` gives it."""
    job = _job(make_job, None, 4)
    job = dataclasses.replace(job, settings=dataclasses.replace(job.settings, n_jobs=3))
    for trials_before, run in ((0, 0), (7, 0), (7, 2)):
        start = SearchStart.of(job, trials_before=trials_before, run=run)
        built = tuple(
            job.sampler.build(None, worker=w, trials_before=trials_before, run=run).given_seed
            for w in range(3)
        )
        assert start.sampler_seeds == built and len(set(built)) == 3
        assert start.seed == 5


def test_an_unseeded_sampler_reports_no_seed(make_job):
    job = dataclasses.replace(_job(make_job, None, 2), sampler=SamplerSpec(SPEC, {"seed": None}))
    start = SearchStart.of(job, trials_before=3, run=1)
    assert start.seed is None and start.sampler_seeds == (None,)


def test_optimize_redesign_passes_the_start_on(tmp_path, make_job):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    starts: list[SearchStart] = []
    follow = FollowUp(confirm_replications=2, top_k=1, ablate_top=0, prune_harm=False)
    for n_trials in (2, 3):
        optimize_redesign(
            _job(make_job, url, n_trials),
            run_dir=tmp_path / "run",
            follow_up=follow,
            progress=False,
            workers=1,
            on_search_start=starts.append,
        )
    assert [s.runs_before for s in starts] == [0, 1]
    assert starts[0].sampler_seeds == (5,) and starts[1].sampler_seeds != (5,)
