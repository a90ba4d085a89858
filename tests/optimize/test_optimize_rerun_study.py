"""A rerun into an optimize run's directory resumes that directory's study, and only that.

QA: a finished run's directory rerun with ``optimizer.study_name=third``, with
``optimizer.storage=memory``, or without the PostgreSQL storage it was made with (a new
study.db) searched a new study, said "the study already has 4 finished trials, so
optimizer.n_trials=4 adds none" (read from the old confirmation.json) and replaced the
directory's recommendations and confirmation with the new study's. Such a rerun is refused now,
naming the keys and what the directory holds.

QA too: a resume was refused over ``scenario.replications`` ("here scenario.replications is 3,
the study's 10"), which optimize does not use (``optimizer.replications`` and
``optimizer.confirm_replications`` set its replications): the same search with any value gives
the same results, and is resumed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import optuna
import pandas as pd
import pytest

from sim.errors import ConfigError
from sim.model import to_dict
from sim.optimize import check_study
from sim.optimize.study import _canonical, fingerprint
from tests.optimize.conftest import quick_search_args
from tests.simcli import run_sim


def _files(run: Path) -> dict[str, bytes]:
    """Every file of a run directory but Hydra's own, by path."""
    return {
        str(p.relative_to(run)): p.read_bytes()
        for p in run.rglob("*")
        if p.is_file() and ".hydra" not in p.parts and p.name != "main.log"
    }


@pytest.mark.parametrize(
    ("override", "says"),
    [
        (
            "optimizer.study_name=third",
            "optimizer.study_name: {run} holds the search of study 'tiny', not 'third'; a rerun "
            "there resumes that study only: rerun with optimizer.study_name=tiny to resume it",
        ),
        (
            "optimizer.storage=memory",
            "optimizer.storage: {run} holds the search of study 'tiny' in the directory's "
            "study.db (optimizer.storage=null), not in memory (optimizer.storage=memory, not "
            "saved); a rerun there resumes that study only: rerun with optimizer.storage=null",
        ),
    ],
)
def test_a_rerun_on_another_study_is_refused_and_changes_nothing(tmp_path, override, says):
    run = tmp_path / "run"
    args = [*quick_search_args(tmp_path, 2), f"hydra.run.dir={run}"]
    assert run_sim(*args).returncode == 0
    before = _files(run)
    res = run_sim(*args, override)
    assert res.returncode == 2, res.stdout + res.stderr
    assert f"error: {says.format(run=run)}" in res.stderr
    assert "already has" not in res.stdout + res.stderr  # never the false note
    assert "Traceback" not in res.stderr
    assert _files(run) == before  # results, study and run record as they were
    # the same search still resumes there
    more = [a.replace("n_trials=2", "n_trials=3") for a in args]
    res = run_sim(*more)
    assert res.returncode == 0, res.stderr
    assert json.loads((run / "confirmation.json").read_text())["trials_finished"] == 3
    assert json.loads((run / "run.json").read_text())["storage"] is None


def test_a_search_in_a_shared_storage_is_resumed_only_there(tmp_path):
    """A run made with a shared storage (here a SQLite file outside the directory, as a
    PostgreSQL one) rerun without it: refused before it creates a study.db of its own."""
    run = tmp_path / "run"
    shared = f"sqlite:///{tmp_path / 'shared.db'}"
    args = [*quick_search_args(tmp_path, 2), f"hydra.run.dir={run}"]
    assert run_sim(*args, f"optimizer.storage={shared}").returncode == 0
    before = _files(run)
    res = run_sim(*args)
    assert res.returncode == 2, res.stdout + res.stderr
    assert (
        f"error: optimizer.storage: {run} holds the search of study 'tiny' in {shared} "
        "(optimizer.storage), not in the directory's study.db (optimizer.storage=null); a rerun "
        f"there resumes that study only: rerun with optimizer.storage={shared} to resume it"
    ) in res.stderr
    assert "already has" not in res.stdout + res.stderr
    assert not (run / "study.db").exists()
    assert _files(run) == before
    res = run_sim(*args, f"optimizer.storage={shared}", "optimizer.study_name=other")
    assert res.returncode == 2 and "error: optimizer.study_name: " in res.stderr, res.stderr
    # the directory's own study.db named by its URL is the default storage: resumed
    default = run_sim(*args, f"hydra.run.dir={tmp_path / 'own'}")
    assert default.returncode == 0, default.stderr
    own = f"optimizer.storage=sqlite:///{tmp_path / 'own' / 'study.db'}"
    res = run_sim(
        *[a.replace("n_trials=2", "n_trials=3") for a in args],
        own,
        "hydra.run.dir=" + str(tmp_path / "own"),
    )
    assert res.returncode == 0, res.stderr


def test_results_of_a_search_in_memory_are_not_replaced(tmp_path):
    """A search in memory saved no study: a rerun has nothing to resume, and the note said
    that the study already had the trials while it searched them all again."""
    run = tmp_path / "run"
    args = [*quick_search_args(tmp_path, 2), "optimizer.storage=memory", f"hydra.run.dir={run}"]
    assert run_sim(*args).returncode == 0
    before = _files(run)
    res = run_sim(*args)
    assert res.returncode == 2, res.stdout + res.stderr
    assert (
        f"error: optimizer.storage: {run} holds the results of a search of study 'tiny' in "
        "memory (optimizer.storage=memory), which was not saved and cannot be resumed"
    ) in res.stderr
    assert "already has" not in res.stdout + res.stderr
    assert _files(run) == before


def test_a_record_older_than_its_storage_key_is_read_from_its_config(tmp_path):
    """A directory whose run.json predates ``storage`` in it: its config.yaml (password masked)
    says where the study was."""
    from sim.cli.optimize import check_same_study

    (tmp_path / "run.json").write_text(
        json.dumps({"command": "optimize", "model": "tiny", "study_name": "tiny"})
    )
    (tmp_path / "config.yaml").write_text(
        "optimizer:\n  storage: postgresql://ann:***@db:5432/x\n", encoding="utf-8"
    )
    job = SimpleNamespace(settings=SimpleNamespace(study_name="tiny"))
    with pytest.raises(ConfigError) as refused:
        check_same_study(tmp_path, job, None)
    said = str(refused.value)
    assert said.startswith(
        f"optimizer.storage: {tmp_path} holds the search of study 'tiny' in "
        "postgresql://ann:***@db:5432/x (optimizer.storage), not in the directory's study.db"
    )
    # the same URL, its password given this time: the same storage
    check_same_study(tmp_path, job, "postgresql://ann:s3cret@db:5432/x")
    with pytest.raises(ConfigError, match=r"^optimizer.study_name and optimizer.storage: "):
        check_same_study(tmp_path, SimpleNamespace(settings=SimpleNamespace(study_name="b")), None)


# ------------------------------------------------------------------ scenario.replications


def test_scenario_replications_changes_no_result_of_a_search(tmp_path):
    """Optimize simulates optimizer.replications per trial and confirm_replications fresh ones:
    scenario.replications=3 and =10 give the same trials and confirmation."""
    runs = {}
    for n in (3, 10):
        runs[n] = tmp_path / f"reps{n}"
        res = run_sim(
            *quick_search_args(tmp_path, 3),
            f"scenario.replications={n}",
            f"hydra.run.dir={runs[n]}",
        )
        assert res.returncode == 0, res.stderr
    for name in ("trials.csv", "pareto.csv", "recommendations.md"):
        assert (runs[3] / name).read_bytes() == (runs[10] / name).read_bytes(), name
    one, two = (json.loads((runs[n] / "confirmation.json").read_text()) for n in (3, 10))
    assert one == two


def test_a_resume_is_not_refused_over_scenario_replications(tmp_path):
    run = tmp_path / "run"
    args = [*quick_search_args(tmp_path, 2), f"hydra.run.dir={run}"]
    assert run_sim(*args).returncode == 0  # the default scenario.replications (10)
    more = [a.replace("n_trials=2", "n_trials=3") for a in args]
    res = run_sim(*more, "scenario.replications=3")
    assert res.returncode == 0, res.stderr
    assert "scenario.replications" not in res.stderr
    assert (
        "note: scenario.replications=3 is not used by optimize: each trial simulates "
        "optimizer.replications=2 replications and the confirmation "
        "optimizer.confirm_replications=2 fresh ones"
    ) in res.stdout
    trials = pd.read_csv(run / "trials.csv")
    assert (trials["state"] == "COMPLETE").sum() == 3
    # another scenario key still makes another search
    res = run_sim(*more, "scenario.replications=3", "scenario.horizon_days=3")
    assert res.returncode == 2, res.stderr
    assert "here scenario.horizon_days is 3, the study's 2" in res.stderr, res.stderr
    assert "scenario.replications is" not in res.stderr


def _study_as_made_before(url: str, job, replications: int, *, with_parts: bool) -> None:
    """A study as a search with ``scenario.replications=replications`` made it before this fix:
    that value hashed into its fingerprint and (``with_parts``; not before QA 9b) recorded in
    its parts."""
    made = replace(job, scenario=replace(job.scenario, replications=replications))
    parts = {
        "model": fingerprint(to_dict(made.model)),
        "search space": fingerprint([repr(v) for v in made.space.variables], made.space.budget),
        "objectives": [o.__dict__ for o in made.objectives],
        "constraints": [c.__dict__ for c in made.constraints],
        "scenario": made.scenario.to_dict(),
        "seed": made.seed,
        "optimizer.replications": made.settings.replications,
    }
    old = fingerprint(
        to_dict(made.model),
        [repr(v) for v in made.space.variables],
        made.space.budget,
        [o.__dict__ for o in made.objectives],
        [c.__dict__ for c in made.constraints],
        made.scenario.to_dict(),
        made.seed,
        made.settings.replications,
    )
    study = optuna.create_study(storage=url, study_name=job.settings.study_name)
    study.set_user_attr("fingerprint", old)
    if with_parts:
        study.set_user_attr("fingerprint_parts", json.loads(_canonical(parts)))
    study.set_user_attr("sampler", "RandomSampler")


@pytest.mark.parametrize(("made_with", "with_parts"), [(3, True), (10, True), (10, False)])
def test_a_study_made_with_any_scenario_replications_is_resumed(
    tmp_path, make_job, made_with, with_parts
):
    """Studies made before: with the default 10 (its fingerprint matches, even without parts)
    or with 3 (its recorded parts tell that nothing else differs)."""
    url = f"sqlite:///{tmp_path / 'study.db'}"
    job = make_job(storage=url)
    _study_as_made_before(url, job, made_with, with_parts=with_parts)
    for n in (3, 10, 20):
        check_study(replace(job, scenario=replace(job.scenario, replications=n)))  # no refusal
    other = replace(job, scenario=replace(job.scenario, horizon_days=5))
    with pytest.raises(ConfigError) as refused:
        check_study(other)
    assert "replications is" not in str(refused.value)
    if with_parts:
        assert "here scenario.horizon_days is 5" in str(refused.value)
