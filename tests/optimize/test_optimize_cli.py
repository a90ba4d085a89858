"""``python -m sim optimize`` end to end on a tiny model: outputs, resume, bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from tests.optimize.conftest import TINY, quick_search_args, write_tiny_files
from tests.simcli import run_sim


def _args(tmp_path, files, n_trials):
    model, space = files
    return [
        "optimize",
        f"process={model}",
        f"redesign={space}",
        "optimizer=random",
        f"optimizer.n_trials={n_trials}",
        "optimizer.replications=3",
        "optimizer.min_replications=2",
        "optimizer.confirm_replications=4",
        "optimizer.top_k=2",
        "optimizer.ablate_top=1",
        "optimizer.constraints=null",
        "scenario.horizon_days=3",
        "scenario.warmup_days=0.5",
        "workers=1",
        "progress=false",
        f"hydra.run.dir={tmp_path / 'run'}",
    ]


def test_optimize_writes_results_and_resumes(tmp_path):
    files = write_tiny_files(tmp_path)
    res = run_sim(*_args(tmp_path, files, 3))
    assert res.returncode == 0, res.stderr
    run = tmp_path / "run"
    for f in (
        "study.db",
        "trials.csv",
        "pareto.csv",
        "recommendations.md",
        "confirmation.json",
        "config.yaml",
        "run.json",
    ):
        assert (run / f).exists(), f
    assert list((run / "best").glob("*.yaml"))
    trials = pd.read_csv(run / "trials.csv")
    assert len(trials) == 3
    # confirmed candidates re-ranked: recommended ones (better, then trade-off) first, 1..n
    cands = json.loads((run / "confirmation.json").read_text())["candidates"]
    assert [c["rank"] for c in cands] == list(range(1, len(cands) + 1))
    flags = [c["recommended"] for c in cands]
    assert flags == sorted(flags, reverse=True)
    md = (run / "recommendations.md").read_text()
    assert "## Recommended" in md
    assert ("## Tried, not recommended" in md) == (not all(flags))
    res = run_sim(*_args(tmp_path, files, 5))  # same run dir: resumes to 5 trials
    assert res.returncode == 0, res.stderr
    trials2 = pd.read_csv(run / "trials.csv")
    assert len(trials2) == 5
    pd.testing.assert_frame_equal(
        trials2.iloc[:3].reset_index(drop=True), trials.reset_index(drop=True), check_dtype=False
    )
    # QA 2026-12-04 #4: the record keeps the run that searched first; a rerun that changes
    # nothing but the confirmation says so
    record = json.loads((run / "run.json").read_text())
    assert [r["status"] for r in record["earlier_runs"]] == ["finished"]
    assert "optimizer.n_trials=3" in record["earlier_runs"][0]["argv"]
    args = [
        a.replace("confirm_replications=4", "confirm_replications=5")
        for a in _args(tmp_path, files, 5)
    ]
    res = run_sim(*args)
    assert res.returncode == 0, res.stderr
    assert (
        "the study already has 5 finished trials, so optimizer.n_trials=5 adds none" in res.stdout
    )
    assert (
        "confirmation is redone with optimizer.confirm_replications=5 (this directory's used 4)"
        in res.stdout
    )
    assert json.loads((run / "confirmation.json").read_text())["confirm_replications"] == 5
    assert len(json.loads((run / "run.json").read_text())["earlier_runs"]) == 2


def test_a_resume_removes_the_earlier_follow_up_before_it_searches(tmp_path):
    """QA 2026-12-04 #3: a resume killed while confirming left the earlier run's
    recommendations beside a study with more trials, and the report showed both."""
    from sim.cli.optimize import FOLLOW_UP_RESULTS, clear_follow_up_results

    run = tmp_path / "run"
    (run / "best").mkdir(parents=True)
    (run / "best" / "1.yaml").write_text("x")
    for name in (*FOLLOW_UP_RESULTS, "trials.csv", "study.db", "notes.txt"):
        (run / name).write_text("x")
    clear_follow_up_results(run)
    assert sorted(p.name for p in run.iterdir()) == ["notes.txt", "study.db", "trials.csv"]


def test_search_space_for_another_model_exits_2(tmp_path):
    res = run_sim("optimize", "process=mmc", f"hydra.run.dir={tmp_path}", "optimizer.n_trials=1")
    assert res.returncode == 2
    assert "redesign.model" in res.stderr and "Traceback" not in res.stderr
    assert "redesign=staffing" in res.stderr  # the way out for a model without a space


def test_a_model_without_a_search_space_gets_a_staffing_search(tmp_path):
    """A calibrated model has no costs and no search space: redesign=staffing generates one
    over every role, writes it for the analyst, and the search trades cycle time for people."""
    costless = {**TINY, "roles": {r: {"headcount": 2} for r in TINY["roles"]}}
    model = tmp_path / "calibrated.yaml"
    model.write_text(yaml.safe_dump(costless))
    args = _args(tmp_path, (model, "staffing"), 6)
    args.remove("redesign=staffing")
    args += ["redesign=staffing", "optimizer.objectives=[{kpi: cycle_time_mean},{kpi: headcount}]"]
    res = run_sim(*args)
    assert res.returncode == 0, res.stderr
    run = tmp_path / "run"
    space_text = (run / "redesign.yaml").read_text()
    # its candidates ranked by the simulated baseline, not by work alone
    assert "(waiting + processing in one replication of today's process)" in space_text
    space = yaml.safe_load(space_text)
    assert space["model"] == "tiny"
    assert space["staffing"] == {
        r: {"min": 1, "max": 3, "one_off_cost_per_hire": 0} for r in ("clerk", "expert")
    }
    trials = pd.read_csv(run / "trials.csv")
    assert trials["headcount"].between(2, 6).all() and trials["headcount"].nunique() > 1
    changed = trials["changes"].dropna()
    assert changed.str.match(r"Staff (clerk|expert) with [123] (person|people) instead of 2").all()
    pareto = pd.read_csv(run / "pareto.csv")
    assert pareto["headcount (confirmed)"].between(2, 6).all()
    assert "has no costs" not in res.stdout  # no cost objective: nothing to warn about
    # the default objectives include cost per case, which is 0 for every staffing: say so
    args = [a for a in args if not a.startswith(("optimizer.objectives", "hydra.run.dir"))]
    res = run_sim(
        *args,
        "optimizer.n_trials=1",
        "optimizer.prune_harm=false",  # the config key reaches the follow-up settings
        f"hydra.run.dir={tmp_path / 'run2'}",
    )
    assert res.returncode == 0, res.stderr
    assert "objective cost_per_case is 0 for every redesign" in res.stdout
    confirmation = json.loads((tmp_path / "run2" / "confirmation.json").read_text())
    assert confirmation["prune_harm"] is False


def test_unknown_step_in_search_space_names_the_key(tmp_path):
    res = run_sim(
        "optimize",
        "redesign.remove=[contract_reviw]",
        f"hydra.run.dir={tmp_path}",
        "optimizer.n_trials=1",
    )
    assert res.returncode == 2
    assert "redesign.remove" in res.stderr and "contract_reviw" in res.stderr


def test_unknown_objective_kpi_exits_2(tmp_path):
    res = run_sim(
        "optimize",
        "optimizer.objectives=[{kpi: cycle_tme}]",
        f"hydra.run.dir={tmp_path}",
        "optimizer.n_trials=1",
        "scenario.horizon_days=2",
    )
    assert res.returncode == 2
    assert "unknown KPI 'cycle_tme'" in res.stderr


def test_a_generated_space_names_its_bad_keys(tmp_path):
    from sim.cli.optimize import generated_space
    from sim.errors import ConfigError
    from sim.model import from_dict

    model = from_dict(TINY)
    with pytest.raises(ConfigError, match=r"redesign\.generate: expected one of \['staffing'\]"):
        generated_space({"generate": "everything"}, model, tmp_path)
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['sprad'\]"):
        generated_space({"generate": "staffing", "sprad": 0.2}, model, tmp_path)
    with pytest.raises(ConfigError, match=r"redesign\.spread"):
        generated_space({"generate": "staffing", "spread": -1}, model, tmp_path)
    assert not (tmp_path / "redesign.yaml").exists()  # nothing written for a refused space
    space = generated_space(
        {"generate": "staffing", "spread": 1.0, "budget": None}, model, tmp_path
    )
    assert space["staffing"]["clerk"] == {"min": 1, "max": 2, "one_off_cost_per_hire": 0.0}
    assert yaml.safe_load((tmp_path / "redesign.yaml").read_text()) == space


def test_a_generated_space_reads_back_a_role_named_like_a_number(tmp_path):
    """A role named ``1e3`` was written unquoted by plain ``safe_dump`` and came back as the
    number 1000 when the analyst passed the file back with ``redesign=<file>``."""
    from sim.cli.optimize import generated_space
    from sim.model import from_dict
    from sim.model.safe_files import load_yaml

    spec = json.loads(json.dumps(TINY).replace('"clerk"', '"1e3"'))
    space = generated_space({"generate": "staffing", "spread": 1.0}, from_dict(spec), tmp_path)
    read_back = load_yaml((tmp_path / "redesign.yaml").read_text(), "redesign.yaml")
    assert read_back == space
    assert "1e3" in read_back["staffing"]


def test_optimize_resumes_only_its_own_search_and_leaves_other_results_untouched(tmp_path):
    """QA: optimize into a calibrate directory replaced its run.json (with the input log's
    SHA-256), config.yaml, report.html and .hydra/; into another model's search it added a second
    study and mixed best/ models."""
    files = write_tiny_files(tmp_path)
    run = tmp_path / "run"
    (run / ".hydra").mkdir(parents=True)
    record = json.dumps({"command": "calibrate", "inputs": [{"sha256": "abc"}]})
    (run / "run.json").write_text(record)
    (run / ".hydra" / "config.yaml").write_text("mine")
    res = run_sim(*_args(tmp_path, files, 2))
    assert res.returncode == 2 and "holds a calibrate run, not an optimize run" in res.stderr
    assert (run / "run.json").read_text() == record
    assert (run / ".hydra" / "config.yaml").read_text() == "mine"  # refused before Hydra wrote
    assert sorted(p.name for p in run.iterdir()) == [".hydra", "run.json"]
    # a search of another model in that directory
    (run / "run.json").write_text(json.dumps({"command": "optimize", "model": "crm_sales"}))
    res = run_sim(*_args(tmp_path, files, 2))
    assert (
        res.returncode == 2
        and "holds an optimize run of model 'crm_sales', not of 'tiny'" in res.stderr
    )


def test_best_models_of_an_earlier_pass_are_not_left_behind(tmp_path):
    from types import SimpleNamespace

    from sim.model import from_dict
    from sim.optimize.outputs import write_best_models

    best = tmp_path / "best"
    best.mkdir()
    for name in ("1.yaml", "2.yaml", "3.yaml", "notes.yaml"):
        (best / name).write_text("old")
    model = from_dict(TINY)
    ev = SimpleNamespace(redesigned=lambda choice: model)
    write_best_models([SimpleNamespace(rank=1, choice={})], ev, best)
    assert sorted(p.name for p in best.iterdir()) == ["1.yaml", "notes.yaml", "today.yaml"]


def test_the_confirmed_figures_can_be_simulated_again_with_the_command_given(tmp_path):
    """recommendations.md says how to simulate today's process (best/today.yaml) and a redesign
    (best/<rank>.yaml) over the confirmation's replications: run from the run directory, the
    command gives pareto.csv's confirmed means exactly (the same random numbers). Before, the
    confirmed figures came from replications #k on, which simulate could not run."""
    import re

    files = write_tiny_files(tmp_path)
    res = run_sim(*_args(tmp_path, files, 4))
    assert res.returncode == 0, res.stderr
    run = tmp_path / "run"
    text = (run / "recommendations.md").read_text()
    found = re.search(r"`python -m sim simulate process=best/today\.yaml ([^`]*)`", text)
    assert found, text
    args = found.group(1).split()
    assert "first_replication=3" in args and "scenario.replications=4" in args
    pareto = pd.read_csv(run / "pareto.csv")
    kpi = "cycle_time_mean"
    for name, row in (("today", pareto[pareto["is_baseline"]]), ("1", pareto[pareto["rank"] == 1])):
        if row.empty:
            continue
        out = run / f"check_{name}"
        res = run_sim(
            "simulate", f"process=best/{name}.yaml", *args, "progress=false",
            "output.report=false", f"hydra.run.dir={out}", cwd=run,
        )  # fmt: skip
        assert res.returncode == 0, res.stderr
        simulated = json.loads((out / "kpis.json").read_text())["headline"][kpi]["mean"]
        assert simulated == pytest.approx(float(row[f"{kpi} (confirmed)"].iloc[0]), rel=1e-12)
        assert pd.read_csv(out / "replications.csv")["replication"].tolist() == [3, 4, 5, 6]


@pytest.mark.parametrize("generate", [False, True])
def test_optimize_reads_its_search_space_once(tmp_path, monkeypatch, generate):
    """QA 10 #5: the search space was read twice (to build the search, then to see whether to
    write a generated one): one read now, in build_job, whose mapping _run uses."""
    from pathlib import Path

    from hydra import compose, initialize_config_dir

    import sim.cli.optimize as cli_optimize

    model, space = write_tiny_files(tmp_path)
    if generate:
        space.write_text("generate: staffing\n")
    reads = []

    def read_text(path, what):
        reads.append((str(path), what))
        return Path(path).read_text(encoding="utf-8")

    def search(job, *, run_dir, **kwargs):  # the search itself is not what this test is about
        (run_dir / "recommendations.md").write_text("# none\n")
        return {}

    monkeypatch.setattr(cli_optimize, "read_text", read_text)
    monkeypatch.setattr(cli_optimize, "optimize_redesign", search)
    configs = Path(__file__).parents[2] / "configs"
    overrides = [
        "process=_from_file",
        f"process.path={model}",
        "redesign=_from_file",
        f"redesign.path={space}",
        "optimizer=random",
        "optimizer.constraints=null",
        "scenario.horizon_days=1",
        "scenario.warmup_days=0",
        "output.report=false",
        "progress=false",
        "workers=1",
    ]
    with initialize_config_dir(config_dir=str(configs), version_base="1.3"):
        cfg = compose(config_name="optimize", overrides=overrides)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    cli_optimize._run(cfg, run_dir)
    assert reads == [(str(space), "search space")]
    assert (run_dir / "redesign.yaml").exists() == generate


def test_an_unseeded_sampler_is_said_and_on_record(tmp_path):
    """QA 11: optimizer.sampler.seed=null ran an unseeded search, whose proposals a rerun does
    not repeat, while run.json said seed 0 and nothing said otherwise."""
    run = tmp_path / "run"
    res = run_sim(
        *quick_search_args(tmp_path, 1), "optimizer.sampler.seed=null", f"hydra.run.dir={run}"
    )
    assert res.returncode == 0, res.stderr
    assert "note: optimizer.sampler.seed is null: the sampler is unseeded" in res.stdout
    record = json.loads((run / "run.json").read_text())
    assert record["seed"] == 0 and record["sampler_seed"] is None
    seeded = tmp_path / "seeded"
    res = run_sim(*quick_search_args(tmp_path, 1), "seed=4", f"hydra.run.dir={seeded}")
    assert res.returncode == 0, res.stderr
    assert "sampler.seed is null" not in res.stdout
    assert json.loads((seeded / "run.json").read_text())["sampler_seed"] == 4
