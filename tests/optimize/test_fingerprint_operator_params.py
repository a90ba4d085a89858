"""A study is resumed only by the search it was made for, operators' parameters included.

QA optim25 F2: editing a redesign file's ``cost_per_execution`` and ``error_rate`` (2 -> 500,
5 % -> 60 %) and rerunning resumed the old study: the fingerprint hashed the variables' names
and bounds and the budget only. New proposals of a redesign the study had simulated were
answered with its old results (``duplicate_of``), and a recommendation's text said "2 per
execution; 5% errors" while its confirmed numbers and ``best/1.yaml`` used the new ones.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import optuna
import pytest
import yaml
from optuna.distributions import CategoricalDistribution

from sim.errors import ConfigError
from sim.model import to_dict
from sim.optimize import check_study
from sim.optimize.study import _canonical, fingerprint, open_study
from sim.redesign import SearchSpace
from tests.optimize.conftest import TINY_SPACE, quick_search_args, search_job
from tests.simcli import run_sim

SPACE = {
    "model": "tiny",
    "budget": 10000,
    "merge": {"intake+review": {"role": "clerk", "setup_saving": 0.3}},
    "automate": {
        "intake": {
            "duration": {"dist": "fixed", "value": 0.1},
            "cost_per_execution": 2,
            "one_off_cost": 500,
            "error_rate": 0.05,
            "rework_to": "intake",
        }
    },
    "delegate": {"review": {"to_role": "clerk", "duration_factor": 0.5, "one_off_cost": 100}},
    "staffing": {"clerk": {"min": 1, "max": 2, "one_off_cost_per_hire": 100}},
}


def _edited(path: tuple[str, ...], value) -> dict:
    space = copy.deepcopy(SPACE)
    *keys, last = path
    spec = space
    for k in keys:
        spec = spec[k]
    spec[last] = value
    return space


def _job(tiny_model, space: dict, url: str):
    return search_job(tiny_model, SearchSpace.from_dict(space, tiny_model), storage=url)


def _open(job) -> optuna.Study:
    """The job's study opened as a search opens it (made and stamped when new)."""
    return open_study(
        storage=job.settings.storage,
        study_name=job.settings.study_name,
        objectives=job.objectives,
        sampler=optuna.samplers.RandomSampler(seed=1),
        study_fingerprint=job.fingerprint,
        fingerprint_parts=job.fingerprint_parts,
        earlier=job.earlier,
    )


@pytest.mark.parametrize(
    ("path", "value", "variable"),
    [
        (("automate", "intake", "cost_per_execution"), 500, "automate:intake"),
        (("automate", "intake", "error_rate"), 0.6, "automate:intake"),
        (("automate", "intake", "duration"), {"dist": "fixed", "value": 0.3}, "automate:intake"),
        (("automate", "intake", "one_off_cost"), 900, "automate:intake"),
        (("merge", "intake+review", "setup_saving"), 0.1, "merge:intake+review"),
        (("delegate", "review", "duration_factor"), 0.8, "delegate:review"),
        (("staffing", "clerk", "one_off_cost_per_hire"), 300, "staffing:clerk"),
    ],
)
def test_an_edited_operator_parameter_is_another_search(
    tmp_path, tiny_model, path, value, variable
):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    _open(_job(tiny_model, SPACE, url))
    check_study(_job(tiny_model, copy.deepcopy(SPACE), url))  # the same file again: resumed
    with pytest.raises(ConfigError) as refused:
        check_study(_job(tiny_model, _edited(path, value), url))
    said = str(refused.value)
    assert said.startswith("optimizer.study_name: the study 't' in this storage was made for")
    assert f"here the search space is another (the parameters of {variable} differ)" in said


def _study_as_made_before(url: str, job, trials: list[dict]) -> None:
    """A study as sim optimize made it before the fingerprint covered the operators'
    parameters (its search space hashed by variables and budget), holding a trial per choice of
    ``trials`` described by ``job``'s search space."""
    variables = [repr(v) for v in job.space.variables]
    scenario = job.scenario.to_dict()
    made = [
        [o.__dict__ for o in job.objectives],
        [c.__dict__ for c in job.constraints],
        scenario,
        job.seed,
        job.settings.replications,
    ]
    parts = {
        "model": fingerprint(to_dict(job.model)),
        "search space": fingerprint(variables, job.space.budget),
        "objectives": made[0],
        "constraints": made[1],
        "scenario": {k: v for k, v in scenario.items() if k != "replications"},
        "seed": job.seed,
        "optimizer.replications": job.settings.replications,
    }
    study = optuna.create_study(storage=url, study_name=job.settings.study_name)
    study.set_user_attr(
        "fingerprint", fingerprint(to_dict(job.model), variables, job.space.budget, *made)
    )
    study.set_user_attr("fingerprint_parts", json.loads(_canonical(parts)))
    study.set_user_attr("sampler", "RandomSampler")
    study.set_user_attr("objectives", [o.kpi for o in job.objectives])
    for choice in trials:
        study.add_trial(
            optuna.trial.create_trial(
                params=choice,
                distributions={k: CategoricalDistribution([False, True]) for k in choice},
                value=1.0,
                user_attrs={
                    "changes": job.space.describe(choice),
                    "one_off_cost": job.space.one_off_cost(choice),
                },
            )
        )


def test_a_study_made_before_is_resumed_only_if_its_trials_read_the_same(tmp_path, tiny_model):
    """A study made before records no operator parameters: its trials' recorded changes and
    one-off costs are what tells an edit; resumed, it gets the full fingerprint."""
    url = f"sqlite:///{tmp_path / 'study.db'}"
    job = _job(tiny_model, SPACE, url)
    _study_as_made_before(url, job, [{"automate:intake": True}, {"delegate:review": True}])
    edited = _job(tiny_model, _edited(("automate", "intake", "cost_per_execution"), 500), url)
    with pytest.raises(ConfigError) as refused:
        check_study(edited)
    said = str(refused.value)
    assert "here the operators' parameters differ: trial 0 of the study reads " in said
    assert "(done by clerk until now; 2 per execution;" in said, said
    assert "this search space \"Automate 'intake' (done by clerk until now; 500 per" in said
    cost = _job(tiny_model, _edited(("delegate", "review", "one_off_cost"), 700), url)
    with pytest.raises(ConfigError, match="trial 1 of the study reads"):
        check_study(cost)
    check_study(job)  # not edited: resumed
    _open(job)
    stamped = optuna.load_study(storage=url, study_name="t").user_attrs
    assert stamped["fingerprint"] == job.fingerprint
    assert stamped["fingerprint_parts"]["search space"]["hash"]
    # from now on an edit the trials' texts do not show (the duration) is told too
    with pytest.raises(ConfigError, match=r"the parameters of automate:intake differ"):
        check_study(_job(tiny_model, _edited(("automate", "intake", "duration"), 0.3), url))


def test_a_rerun_with_an_edited_redesign_file_is_refused_and_changes_nothing(tmp_path):
    """The QA repro: the run directory's own study, an automated step's cost and error rate
    edited in the redesign file between two runs."""
    space = {
        **TINY_SPACE,
        "automate": {
            "intake": {
                "duration": 0.1,
                "cost_per_execution": 2,
                "error_rate": 0.05,
                "rework_to": "intake",
            }
        },
    }
    run = tmp_path / "run"
    args = [*quick_search_args(tmp_path, 2, space=space), f"hydra.run.dir={run}"]
    assert run_sim(*args).returncode == 0
    files = {p: p.read_bytes() for p in run.rglob("*") if p.is_file() and ".hydra" not in p.parts}
    files = {p: b for p, b in files.items() if p.name != "main.log"}
    space["automate"]["intake"].update(cost_per_execution=500, error_rate=0.6)
    Path(tmp_path / "space.yaml").write_text(yaml.safe_dump(space))
    res = run_sim(*[a.replace("n_trials=2", "n_trials=3") for a in args])
    assert res.returncode == 2, res.stdout + res.stderr
    assert (
        "error: optimizer.study_name: the study 'tiny' in "
        f"{run / 'study.db'} (the run directory's own, optimizer.storage=null) was made for a "
        "different model, search space"
    ) in res.stderr
    assert "here the search space is another (the parameters of automate:intake differ)" in (
        res.stderr
    )
    assert "choose another hydra.run.dir" in res.stderr and "Traceback" not in res.stderr
    assert {p: p.read_bytes() for p in files} == files
