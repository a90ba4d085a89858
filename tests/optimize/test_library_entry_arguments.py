"""What a script gets from the search's library entry points (QA libapi): a script without an
``if __name__ == "__main__":`` guard is refused in the search workers that re-import it, a
``run_dir`` may be text, integer settings are checked by name, and the caller's Optuna log
level is left as it was."""

from __future__ import annotations

import multiprocessing as mp
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import optuna
import pytest

from sim.errors import ConfigError
from sim.optimize import Evaluator, FollowUp, SearchSettings, optimize_redesign, run_search

ROOT = Path(__file__).resolve().parents[2]
QUICK = FollowUp(confirm_replications=2, top_k=1, ablate_top=0)

SCRIPT = """
import sys
from pathlib import Path

sys.path.insert(0, {root!r})
from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.optimize import FollowUp, Objective, SamplerSpec, SearchJob, SearchSettings
from sim.optimize import optimize_redesign
from sim.redesign import SearchSpace
from tests.optimize.conftest import TINY, TINY_SPACE

run_dir = Path({run_dir!r})
model = from_dict(TINY)
job = SearchJob(
    model=model,
    space=SearchSpace.from_dict(TINY_SPACE, model),
    scenario=Scenario(horizon_days=2, warmup_days=0.5),
    seed=1,
    objectives=(Objective("cycle_time_mean"),),
    constraints=(),
    settings=SearchSettings(
        n_trials=4, replications=2, min_replications=2, n_jobs=2,
        storage=f"sqlite:///{{run_dir}}/study.db", study_name="t",
    ),
    sampler=SamplerSpec("optuna.samplers.RandomSampler", {{"seed": 1}}),
)
run_dir.mkdir(parents=True, exist_ok=True)
optimize_redesign(
    job, run_dir=run_dir, follow_up=FollowUp(confirm_replications=2, top_k=1, ablate_top=0),
    progress=False, workers=1,
)
print("search finished")
"""


def test_a_script_without_a_main_guard_is_refused_in_the_search_workers(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(SCRIPT.format(root=str(ROOT), run_dir=str(tmp_path / "r"))))
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode != 0
    assert "search finished" not in done.stdout
    # each worker re-ran the script's optimize_redesign call: refused at once, by name
    assert (
        "sim.errors.ConfigError: optimizer.n_jobs: optimize_redesign() was called while this "
        "process, started with multiprocessing's 'spawn' method, was importing the script"
    ) in done.stderr
    assert 'put the script\'s calls under `if __name__ == "__main__":`' in done.stderr
    # the run itself ends on the dead worker, pointing at the error above
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("sim.errors.WorkerDied: a search worker process ended abruptly")
    assert "its error is above" in last


def test_a_search_entered_while_a_worker_imports_the_main_script_is_refused(
    make_job, monkeypatch, tmp_path
):
    monkeypatch.setattr(mp.current_process(), "_inheriting", True, raising=False)
    job = make_job()
    with pytest.raises(ConfigError, match=r"^optimizer\.n_jobs: optimize_redesign\(\) was"):
        optimize_redesign(job, run_dir=tmp_path / "run", follow_up=QUICK, progress=False)
    with (
        Evaluator(model=job.model, space=job.space, scenario=job.scenario, seed=1, workers=1) as ev,
        pytest.raises(ConfigError, match=r"^optimizer\.n_jobs: run_search\(\) was"),
    ):
        run_search(job, ev, progress=False)
    assert ev.simulations == 0  # nothing simulated
    assert not (tmp_path / "run").exists()


def test_the_run_directory_may_be_text(make_job, tmp_path):
    summary = optimize_redesign(
        make_job(n_trials=2), run_dir=str(tmp_path / "run"), follow_up=QUICK, progress=False
    )
    assert summary["trials_finished"] == 2
    assert (tmp_path / "run" / "recommendations.md").is_file()


def test_the_callers_optuna_log_level_is_restored(make_job):
    job = make_job(n_trials=2)
    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        with Evaluator(
            model=job.model, space=job.space, scenario=job.scenario, seed=1, workers=1
        ) as ev:
            study, _ = run_search(job, ev, progress=False)
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
    finally:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    assert len(study.trials) >= 2


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("n_trials", "5", "optimizer.n_trials: expected an integer, got '5' (str)"),
        ("n_trials", 5.5, "optimizer.n_trials: expected an integer, got 5.5 (float)"),
        ("n_trials", 5.0, "optimizer.n_trials: expected an integer, got 5.0 (float)"),
        ("replications", True, "optimizer.replications: expected an integer, got True (bool)"),
        ("n_jobs", None, "optimizer.n_jobs: expected an integer, got None (NoneType)"),
        ("max_redesigns", 3.5, "optimizer.max_redesigns: expected an integer or null, got 3.5"),
        ("min_replications", "2", "optimizer.min_replications: expected an integer"),
        ("workers", 0, "workers: expected >= 1 or null, got 0"),
    ],
)
def test_integer_settings_are_checked_by_name(field, value, says):
    with pytest.raises(ConfigError) as err:
        SearchSettings(**{field: value})
    assert str(err.value).startswith(says)


@pytest.mark.parametrize(
    ("field", "value"), [("confirm_replications", 2.5), ("top_k", "1"), ("ablate_top", False)]
)
def test_follow_up_integers_are_checked_by_name(field, value):
    with pytest.raises(ConfigError, match=rf"^optimizer\.{field}: expected an integer, got"):
        FollowUp(**{field: value})


def test_numpy_integers_are_integers():
    settings = SearchSettings(n_trials=np.int64(7), replications=np.int32(4), max_redesigns=None)
    assert settings.n_trials == 7 and type(settings.n_trials) is int
    assert type(settings.replications) is int and settings.max_redesigns is None
    follow = FollowUp(confirm_replications=np.int64(3))
    assert follow.confirm_replications == 3 and type(follow.confirm_replications) is int
