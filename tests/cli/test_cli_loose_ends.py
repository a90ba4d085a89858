"""Four loose ends of the command line (QA 2026-12-05): a misspelt name added with '+' to a
bundled model, a role's headcount given beside the scenario's staffing of it, job folders named
by a model file's path (``${hydra.job.override_dirname}``), and ``hydra.sweeper.params`` given on
the command line."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.simcli import QUICK_SIMULATE, REPO, run_sim

QUICK = QUICK_SIMULATE


def _headcount(run: Path, role: str) -> int:
    report = json.loads((run / "kpis.json").read_text())
    return next(r["headcount"] for r in report["roles"] if r["role"] == role)


def test_a_misspelt_role_added_to_a_bundled_model_is_refused_with_the_nearest(tmp_path):
    """'+process.roles.legall.headcount=3' added an idle role 'legall', exit status 0."""
    res = run_sim(
        "simulate",
        "process=crm_sales",
        "+process.roles.legall.headcount=3",
        *QUICK,
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert (
        "+process.roles.legall: the model (process=crm_sales) has no role 'legall' (did you "
        "mean 'legal'?)" in res.stderr
    )
    assert not (tmp_path / "run").exists()


def test_a_misspelt_step_forced_into_a_bundled_model_is_refused(tmp_path):
    res = run_sim(
        "simulate",
        "++process.steps.contract_reviw.duration={dist: fixed, value: 1}",
        *QUICK,
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "++process.steps.contract_reviw: the model (process=crm_sales) has no step" in (
        res.stderr
    )
    assert "(did you mean 'contract_review'?)" in res.stderr


def test_a_headcount_and_a_staffing_of_one_role_on_the_command_line_are_refused(tmp_path):
    """The scenario's staffing wins: the model's headcount typed beside it was silently unused."""
    res = run_sim(
        "simulate",
        "process.roles.legal.headcount=3",
        "scenario.staffing.legal=2",
        *QUICK,
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert (
        "process.roles.legal.headcount=3 and scenario.staffing.legal=2 both set the headcount "
        "of legal; the scenario's staffing wins, so 3 would not be used" in res.stderr
    )
    assert not (tmp_path / "run").exists()


def test_a_headcount_under_a_configs_staffing_of_the_role_is_noted(tmp_path):
    """The staffing comes from a study's config: the run goes on with it, and says so; a key of
    a role the bundled model has, forced with '++', is taken."""
    configs = tmp_path / "configs"
    shutil.copytree(REPO / "configs", configs)
    (configs / "experiment" / "simulate_legal2.yaml").write_text(
        "# @package _global_\nscenario:\n  staffing:\n    legal: 2\n"
    )
    res = run_sim(
        "simulate",
        "experiment=simulate_legal2",
        "++process.roles.legal.headcount=3",
        *QUICK,
        f"hydra.run.dir={tmp_path / 'run'}",
        env={**os.environ, "SIM_CONFIG_DIR": str(configs)},
    )
    assert res.returncode == 0, res.stderr
    assert (
        "note: ++process.roles.legal.headcount=3 and scenario.staffing.legal=2 both set the "
        "headcount of legal: the run uses 2" in res.stderr
    )
    assert _headcount(tmp_path / "run", "legal") == 2


def _two_models(tmp_path: Path) -> list[Path]:
    models = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        shutil.copy(REPO / "configs" / "process" / "mmc.yaml", tmp_path / name / "model.yaml")
        models.append(tmp_path / name / "model.yaml")
    return models


def test_job_folders_named_by_a_model_files_path_are_refused_before_any_job(tmp_path):
    """The path's slashes nested each job's folder under sweep/process.path=/tmp/..."""
    a, b = _two_models(tmp_path)
    sweep = tmp_path / "sweep"
    res = run_sim(
        "simulate",
        "-m",
        f"process={a},{b}",
        *QUICK,
        "hydra.sweep.subdir=${hydra.job.override_dirname}",
        f"hydra.sweep.dir={sweep}",
    )
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert f"the job folders would be named by a path (process.path={a})" in res.stderr
    advice = (
        "hydra.job.config.override_dirname.exclude_keys=[process,process.path] "
        "hydra.sweep.subdir='${hydra.job.num}_${hydra.job.override_dirname}'"
    )
    assert advice in res.stderr and "no job was run" in res.stderr
    assert not sweep.exists()
    # the advice, followed, gives each job one flat folder of its own
    res = run_sim(
        "simulate",
        "-m",
        f"process={a},{b}",
        *QUICK,
        "hydra.job.config.override_dirname.exclude_keys=[process,process.path]",
        "hydra.sweep.subdir=${hydra.job.num}_${hydra.job.override_dirname}",
        f"hydra.sweep.dir={sweep}",
    )
    assert res.returncode == 0, res.stderr
    jobs = sorted(p.parent for p in sweep.glob("**/kpis.json"))
    assert [j.parent for j in jobs] == [sweep, sweep]
    assert [j.name[:2] for j in jobs] == ["0_", "1_"]


@pytest.mark.parametrize(
    ("override", "example"),
    [
        ('hydra.sweeper.params={seed: "2,3"}', "here: -m seed=2,3"),
        ("hydra.sweeper.params={seed: 2,3}", "e.g. -m seed=1,2"),  # unreadable unquoted
        ('++hydra.sweeper.params={scenario.replications: "1,2"}', "-m scenario.replications=1,2"),
        ("hydra.sweeper.params.seed=2,3", "here: -m seed=2,3"),
    ],
)
def test_sweeper_params_on_the_command_line_say_how_to_sweep(tmp_path, override, example):
    """A mapping given for hydra.sweeper.params ended in OmegaConf's traceback."""
    res = run_sim("simulate", "-m", *QUICK, override, f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith(f"error: config: {override}: hydra.sweeper.params is read from a")
    assert "give each swept key as key=a,b with --multirun" in lines[0] and example in lines[0]
    assert not (tmp_path / "sweep").exists()
