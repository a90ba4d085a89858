"""Several workers, resumed and extended studies, shared storages (QA: workers proposed the same
redesigns in lock-step, a resumed study replayed its proposals, a study made with another sampler
was silently reused, a killed run left trials RUNNING, Optuna's errors came as tracebacks)."""

from __future__ import annotations

import dataclasses
import functools
import sys

import optuna
import pytest

from sim.errors import ConfigError
from sim.optimize import Evaluator, FollowUp, Objective, SamplerSpec, optimize_redesign, run_search
from sim.optimize.study import (
    RedesignObjective,
    check_study,
    finished_trials,
    register_run,
    sampler_seed,
)
from sim.redesign import SearchSpace
from tests.optimize.conftest import TINY_SPACE

COMPLETE = optuna.trial.TrialState.COMPLETE


def _evaluator(job):
    return Evaluator(
        model=job.model, space=job.space, scenario=job.scenario, seed=job.seed, workers=1
    )


@pytest.fixture
def wide_job(make_job, tiny_model):
    """A space of 2 x 10 x 10 = 200 redesigns: random proposals rarely repeat by chance."""
    space = SearchSpace.from_dict(
        {
            **TINY_SPACE,
            "staffing": {
                "clerk": {"min": 1, "max": 10, "one_off_cost_per_hire": 1},
                "expert": {"min": 1, "max": 10, "one_off_cost_per_hire": 1},
            },
        },
        tiny_model,
    )

    def make(**kw):
        return dataclasses.replace(make_job(replications=2, **kw), space=space)

    return make


def _proposals(sampler, n=8):
    study = optuna.create_study(sampler=sampler)
    out = []
    for _ in range(n):
        t = study.ask()
        out.append(t.suggest_int("x", 0, 10**6))
        study.tell(t, 0.0)
    return out


def test_each_worker_and_each_resumed_run_gets_its_own_sampler_seed():
    spec = SamplerSpec("optuna.samplers.RandomSampler", {"seed": 7})
    first = _proposals(spec.build(None))
    # worker 0 of a new study keeps the seed: a one-worker search is the same as ever
    assert first == _proposals(optuna.samplers.RandomSampler(seed=7))
    assert sampler_seed(7) == 7
    assert first == _proposals(spec.build(None))  # deterministic
    second_worker = _proposals(spec.build(None, worker=1))
    resumed = _proposals(spec.build(None, trials_before=6))
    assert len({tuple(first), tuple(second_worker), tuple(resumed)}) == 3
    assert second_worker == _proposals(spec.build(None, worker=1))  # deterministic too
    # no seed given: left unseeded, not made up
    assert SamplerSpec("optuna.samplers.RandomSampler", {}).build(None, worker=1) is not None
    assert sampler_seed(None, worker=1) is None


def test_runs_started_side_by_side_on_one_study_get_their_own_seeds(tmp_path):
    """QA 5a: two optimize processes started at the same moment on an empty shared study both
    saw 0 trials, got the seed itself and proposed the same redesigns in lock-step."""
    url = f"sqlite:///{tmp_path / 'study.db'}"
    one = optuna.create_study(storage=url, study_name="s")
    two = optuna.load_study(storage=url, study_name="s")  # another process's handle
    # both register before either reads the registrations: they still get different ranks
    key_one = f"sim:run:{0:020d}:a"
    one.set_user_attr(key_one, {})
    two.set_user_attr(f"sim:run:{0:020d}:b", {})
    assert register_run(one) == 2 and register_run(two) == 3
    assert sorted(k for k in one.user_attrs if k.startswith("sim:run:"))[0] == key_one
    seeds = {sampler_seed(7, run=r) for r in range(4)}
    assert len(seeds) == 4 and sampler_seed(7, run=0) == 7  # the first run keeps the seed
    # distinct from the streams of other workers and of resumed runs
    assert sampler_seed(7, run=1) not in {
        sampler_seed(7, worker=1),
        sampler_seed(7, trials_before=1),
    }


def test_the_first_search_on_a_study_keeps_its_seed_and_a_second_run_gets_another(
    tmp_path, wide_job
):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    job = wide_job(storage=url, n_trials=4)
    with _evaluator(job) as ev:
        study, _ = run_search(job, ev, progress=False)
    fresh = wide_job(n_trials=4)  # its own in-memory study: the same proposals as ever
    with _evaluator(fresh) as ev:
        alone, _ = run_search(fresh, ev, progress=False)
    assert [t.params for t in finished_trials(study)] == [t.params for t in finished_trials(alone)]
    runs = [k for k in study.user_attrs if k.startswith("sim:run:")]
    assert len(runs) == 1


def test_a_redesign_another_worker_simulated_is_answered_from_the_storage(tmp_path, make_job):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    job = make_job(storage=url, n_trials=2)
    with _evaluator(job) as ev:
        study, _ = run_search(job, ev, progress=False)
    done = finished_trials(study)
    # a second worker, started before those trials finished: its own cache knows none of them
    with _evaluator(job) as ev:
        objective = RedesignObjective(
            evaluator=ev, objectives=job.objectives, constraints=(), settings=job.settings
        )
        study.enqueue_trial(done[0].params)
        study.optimize(objective, n_trials=1)
        assert ev.simulations == 0  # not simulated again
    last = study.trials[-1]
    assert last.user_attrs["duplicate_of"] == done[0].number
    assert last.values == done[0].values


def test_an_extended_search_proposes_new_redesigns(tmp_path, wide_job):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    job = wide_job(storage=url, n_trials=6)
    with _evaluator(job) as ev:
        study, _ = run_search(job, ev, progress=False)
    first = [t.params for t in finished_trials(study)]
    longer = wide_job(storage=url, n_trials=12)
    with _evaluator(longer) as ev:
        study, sims = run_search(longer, ev, progress=False)
    new = finished_trials(study)[6:]
    assert len(new) == 6
    assert [t.params for t in finished_trials(study)[:6]] == first  # nothing lost or redone
    # the sampler does not start its random stream again (it replayed trials 0-5 before)
    assert [t.params for t in new] != first
    repeats = [t for t in new if "duplicate_of" in t.user_attrs]
    assert len(repeats) < len(new)
    assert sims > 0


def test_workers_sharing_a_study_do_not_propose_in_lock_step(tmp_path, wide_job):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    job = wide_job(storage=url, n_trials=10)
    job = dataclasses.replace(job, settings=dataclasses.replace(job.settings, n_jobs=2))
    with _evaluator(job) as ev:
        study, _ = run_search(job, ev, progress=False)
    done = [t for t in study.trials if t.state == COMPLETE]
    # the proposals, not the redesigns' keys: with review removed, an expert hired has no work
    # and is no change (SearchSpace.effective), so proposals that differ only there share a key
    proposals = {tuple(sorted(t.params.items())) for t in done}
    # both workers seeded alike proposed each redesign twice (about half distinct); seeded
    # apart, two random streams over 200 combinations hardly meet
    assert len(done) >= 10
    assert len(proposals) >= len(done) - 2
    # a repeat that was answered from the storage points at a trial with the same values
    for t in done:
        if "duplicate_of" in t.user_attrs:
            assert study.trials[t.user_attrs["duplicate_of"]].values == t.values


def test_a_study_made_with_another_sampler_is_refused(tmp_path, make_job):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    with _evaluator(job := make_job(storage=url, n_trials=1)) as ev:
        run_search(job, ev, progress=False)
    tpe = make_job(storage=url, n_trials=2, sampler="optuna.samplers.TPESampler")
    with _evaluator(tpe) as ev, pytest.raises(ConfigError) as err:
        run_search(tpe, ev, progress=False)
    message = str(err.value)
    assert "made with RandomSampler, not TPESampler" in message
    assert "optimizer.study_name=t_tpe" in message
    loaded = optuna.load_study(study_name="t", storage=url)
    assert len(loaded.trials) == 1  # the other sampler ran nothing in it
    # its own study in the same storage is fine
    own = dataclasses.replace(tpe, settings=dataclasses.replace(tpe.settings, study_name="t_tpe"))
    with _evaluator(own) as ev:
        study, _ = run_search(own, ev, progress=False)
    assert len(finished_trials(study)) == 2


def test_check_study_refuses_what_opening_the_study_refuses_without_writing(tmp_path, make_job):
    """``check_study`` (the CLI's check before the run record) and ``run_search`` refuse the
    same studies with the same message, and the check creates no study."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    job = make_job(storage=url, n_trials=1)
    check_study(job)  # no study yet: fine, and none is created by the check
    assert optuna.get_all_study_names(storage=url) == []
    with _evaluator(job) as ev:
        run_search(job, ev, progress=False)
    check_study(job)  # the same search: it resumes
    others = [
        make_job(storage=url, n_trials=1, seed=2),
        make_job(storage=url, n_trials=1, objectives=(Objective("cost_per_case"),)),
        make_job(storage=url, n_trials=1, sampler="optuna.samplers.TPESampler"),
    ]
    for other in others:
        with pytest.raises(ConfigError) as early:
            check_study(other)
        with _evaluator(other) as ev, pytest.raises(ConfigError) as late:
            run_search(other, ev, progress=False)
        assert str(early.value) == str(late.value)
        assert str(early.value).startswith("optimizer.study_name: the study 't' in this storage")
    assert optuna.get_all_study_names(storage=url) == ["t"]
    assert len(optuna.load_study(study_name="t", storage=url).trials) == 1


def _leave_running(url, job):
    """What a killed run leaves: a trial of the study still RUNNING."""
    with _evaluator(job) as ev:
        run_search(job, ev, progress=False)
    study = optuna.load_study(study_name="t", storage=url)
    trial = study.ask()
    trial.suggest_categorical("remove:review", [False, True])
    return trial.number


def test_trials_a_killed_run_left_running_are_failed_on_resume(tmp_path, make_job, capsys):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    job = make_job(storage=url, n_trials=2)
    stale = _leave_running(url, job)
    own = dataclasses.replace(
        job, settings=dataclasses.replace(job.settings, n_trials=3, owns_storage=True)
    )
    with _evaluator(own) as ev:
        study, _ = run_search(own, ev, progress=False)
    assert study.trials[stale].state == optuna.trial.TrialState.FAIL
    assert not [t for t in study.trials if t.state == optuna.trial.TrialState.RUNNING]
    assert len(finished_trials(study)) == 3
    err = capsys.readouterr().err
    assert f"1 trial(s) left running by an interrupted run (#{stale}) marked failed" in err


def test_a_running_trial_in_a_shared_storage_is_left_to_its_worker(tmp_path, make_job):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    job = make_job(storage=url, n_trials=2)
    stale = _leave_running(url, job)
    more = dataclasses.replace(job, settings=dataclasses.replace(job.settings, n_trials=3))
    with _evaluator(more) as ev:
        study, _ = run_search(more, ev, progress=False)
    # another process may be running it: only the heartbeat may fail it
    assert study.trials[stale].state == optuna.trial.TrialState.RUNNING


@pytest.mark.parametrize(
    ("target", "params", "says"),
    [
        (
            "optuna.samplers.NSGAIISampler",
            {"population_size": 1},
            "optimizer.sampler: optuna.samplers.NSGAIISampler: `population_size` must be",
        ),
        (
            "optuna.samplers.NSGAIISampler",
            {"mutation_prob": 2},
            "optimizer.sampler: optuna.samplers.NSGAIISampler: `mutation_prob`",
        ),
        (
            "optuna.samplers.CmaEsSampler",
            {},
            "optimizer.sampler: CmaEsSampler searches one objective only, and "
            "optimizer.objectives has 2",
        ),
    ],
)
def test_a_sampler_optuna_refuses_is_a_config_error_naming_the_key(
    tmp_path, make_job, target, params, says
):
    job = make_job(
        storage=f"sqlite:///{tmp_path / 'study.db'}",
        objectives=(Objective("cycle_time_mean"), Objective("cost_per_case")),
    )
    job = dataclasses.replace(job, sampler=SamplerSpec(target, {"seed": 1, **params}))
    with _evaluator(job) as ev, pytest.raises(ConfigError) as err:
        run_search(job, ev, progress=False)
    assert says in str(err.value)
    # refused before the storage was opened (Optuna left the first trial RUNNING in it)
    assert not (tmp_path / "study.db").exists()


@pytest.mark.parametrize("url", ["sqlite:///:memory:", "sqlite://", "sqlite:///file::memory:"])
def test_an_in_memory_sqlite_storage_is_refused(make_job, url):
    with pytest.raises(ConfigError, match="optimizer.storage: .* in-memory SQLite"):
        make_job(storage=url)


def test_a_missing_postgresql_driver_names_the_package(make_job, monkeypatch):
    for module in ("psycopg", "psycopg2"):
        monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    job = make_job(storage="postgresql://alice:s3cret@127.0.0.1:1/nodb")
    with _evaluator(job) as ev, pytest.raises(ConfigError) as err:
        run_search(job, ev, progress=False)
    message = str(err.value)
    assert 'pip install "psycopg[binary]"' in message
    assert "optimizer.storage" in message and "s3cret" not in message


class IntegrityError(Exception):
    """Named as SQLAlchemy's: what PostgreSQL says when two processes create one table."""


def test_opening_a_storage_another_process_is_creating_retries(tmp_path, monkeypatch):
    """Two runs started side by side on a new PostgreSQL database: Optuna creates its tables
    without a lock, and the one that lost the race stopped with 'duplicate key'
    (tests/cli/test_optimize_postgres.py runs it against a real server)."""
    from sim.optimize import study as study_module

    real, calls = study_module.RDBStorage, []

    @functools.wraps(real)  # its signature tells open_storage Optuna's parameter names
    def racing(url, **kw):
        calls.append(url)
        if len(calls) <= 2:
            raise IntegrityError('duplicate key value violates unique constraint "pg_type"')
        return real(url, **kw)

    monkeypatch.setattr(study_module, "RDBStorage", racing)
    monkeypatch.setattr(study_module.time, "sleep", lambda s: None)
    storage = study_module.open_storage(f"sqlite:///{tmp_path / 'study.db'}")
    assert storage is not None and len(calls) == 3
    # any other error is the user's to see at once, not retried
    calls.clear()
    monkeypatch.setattr(study_module, "RDBStorage", lambda url, **kw: calls.append(url) or 1 / 0)
    with pytest.raises(ConfigError, match="ZeroDivisionError"):
        study_module.open_storage(f"sqlite:///{tmp_path / 'other.db'}")
    assert len(calls) == 1


def test_each_phase_after_the_search_prints_a_line(tmp_path, make_job, capsys):
    job = make_job(n_trials=4)
    # 8 fresh replications confirm the second clerk (4 did not, once they stopped being the
    # search's own: the search's luck no longer counts)
    follow = FollowUp(confirm_replications=8, top_k=2, ablate_top=1)
    optimize_redesign(job, run_dir=tmp_path, follow_up=follow, progress=True, workers=1)
    err = capsys.readouterr().err
    assert "confirmation: " in err and "x 8 fresh paired replications (#3-#10)" in err
    assert "ablation of #1: each of its" in err
    optimize_redesign(job, run_dir=tmp_path / "quiet", follow_up=follow, progress=False, workers=1)
    assert "confirmation:" not in capsys.readouterr().err


class Stop(KeyboardInterrupt):
    """What the command line's SIGTERM handler raises."""


def test_an_interrupt_during_a_storage_write_waits_for_the_next_simulation():
    from sim.optimize.interrupts import allowed, deferred, interrupt

    done = []
    with pytest.raises(Stop), deferred():
        interrupt(Stop())  # kept: a storage write is under way
        done.append("write")
        with allowed():  # the next simulation: raised here
            done.append("simulation")
    assert done == ["write"]
    with pytest.raises(Stop), deferred():  # no simulation after it: raised at the end
        interrupt(Stop())
        done.append("last write")
    assert done == ["write", "last write"]
    with pytest.raises(Stop), deferred():  # a second one is raised at once (a hung database)
        interrupt(Stop())
        interrupt(Stop())
    with pytest.raises(Stop):  # outside a storage write: at once, as Python does
        interrupt(Stop())
    with deferred(), allowed():  # nothing kept from the cases above
        pass


def _signal_at_attribute_write(monkeypatch, n: int) -> None:
    """A signal (``Stop``) arrives while Optuna writes the ``n``-th trial attribute."""
    from sim.optimize.interrupts import interrupt

    real = optuna.trial.Trial.set_user_attr
    calls = {"n": 0}

    def signalled(self, key, value):
        calls["n"] += 1
        if calls["n"] == n:
            interrupt(Stop())
        real(self, key, value)

    monkeypatch.setattr(optuna.trial.Trial, "set_user_attr", signalled)


def test_a_signal_during_a_storage_write_leaves_no_trial_running(tmp_path, make_job, monkeypatch):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    job = make_job(storage=url, n_trials=6)
    # while the second trial writes its attributes (7 per trial)
    _signal_at_attribute_write(monkeypatch, 10)
    with _evaluator(job) as ev, pytest.raises(Stop):
        run_search(job, ev, progress=False)
    study = optuna.load_study(study_name="t", storage=url)
    # the write finished, then the trial stopped at its simulation: failed, not left RUNNING
    assert [t.state for t in study.trials] == [COMPLETE, optuna.trial.TrialState.FAIL]
    assert "one_off_cost" in study.trials[1].user_attrs


def test_a_signal_stops_a_search_of_repeats_at_the_next_trial(tmp_path, make_job, monkeypatch):
    """Repeats are answered without a simulation: the kept interrupt stops the next trial."""
    url = f"sqlite:///{tmp_path / 'study.db'}"
    job = make_job(storage=url, n_trials=200)  # 4 distinct redesigns: nearly all repeats
    _signal_at_attribute_write(monkeypatch, 60)
    with _evaluator(job) as ev, pytest.raises(Stop):
        run_search(job, ev, progress=False)
    study = optuna.load_study(study_name="t", storage=url)
    assert len(study.trials) < 30  # stopped soon, not after the 200 trials
    assert study.trials[-1].state == optuna.trial.TrialState.FAIL
