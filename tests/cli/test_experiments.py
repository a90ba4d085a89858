"""Pinned studies (``configs/experiment/<command>_<study>.yaml``): each composes with its command,
says how to run it, smoke-runs on tiny settings, and a wrong name is refused with the choices.
Sweeps also run with Hydra's joblib launcher (jobs in parallel processes), compared at the end."""

from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from sim.cli.main import COMMANDS, check_experiment
from sim.errors import SimError
from tests import simcli
from tests.processes import children, running

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "configs"
EXPERIMENTS = sorted(p.stem for p in (CONFIGS / "experiment").glob("*.yaml"))


def command_of(name: str) -> str:
    return name.split("_", 1)[0]


def run_sim(*args: str) -> subprocess.CompletedProcess:
    return simcli.run_sim(*args, cwd=REPO)  # the experiments name ../shared/data from REPO


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_experiment_composes_with_its_command_and_says_how_to_run_it(name):
    command = command_of(name)
    assert command in COMMANDS, f"{name}: name it <command>_<study>"
    text = (CONFIGS / "experiment" / f"{name}.yaml").read_text()
    assert text.startswith("# @package _global_")
    assert f"python -m sim {command}" in text and f"experiment={name}" in text
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose(config_name=command, overrides=[f"experiment={name}"])
    assert cfg.seed is not None  # pinned


def test_the_calibrate_experiment_reads_its_logs_where_sim_shared_data_says(monkeypatch):
    """QA 11: the study named ../shared/data whatever $SIM_SHARED_DATA said, which the README
    gives as where the public logs are read from, so it failed ("no such file") elsewhere."""
    monkeypatch.setenv("SIM_SHARED_DATA", "/data/elsewhere")
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose(config_name="calibrate", overrides=["experiment=calibrate_bpic2012_w"])
    assert cfg.log == "/data/elsewhere/bpic2012_w/BPIC_2012_W_train.csv.gz"
    assert cfg.backtest.log == "/data/elsewhere/bpic2012_w/BPIC_2012_W_test.csv.gz"
    monkeypatch.delenv("SIM_SHARED_DATA")
    with initialize_config_dir(config_dir=str(CONFIGS), version_base="1.3"):
        cfg = compose(config_name="calibrate", overrides=["experiment=calibrate_bpic2012_w"])
    assert cfg.log == "../shared/data/bpic2012_w/BPIC_2012_W_train.csv.gz"


def test_a_wrong_experiment_is_refused_with_the_choices(tmp_path):
    with pytest.raises(SimError, match="a study for 'python -m sim optimize'.*simulate_mmc"):
        check_experiment("simulate", ["experiment=optimize_crm_staffing"], CONFIGS)
    with pytest.raises(SimError, match="experiment=nope: no such experiment"):
        check_experiment("optimize", ["experiment=nope"], CONFIGS)
    with pytest.raises(SimError, match="the experiments of export are none"):
        check_experiment("export", ["experiment=simulate_mmc_staffing"], CONFIGS)
    ok = ["experiment=optimize_crm_redesign"]
    assert check_experiment("optimize", ok, CONFIGS) == ok
    # QA 6b: '+'/'++' and null gave Hydra's raw errors or a traceback
    assert check_experiment("optimize", ["++experiment=optimize_crm_redesign"], CONFIGS) == ok
    assert check_experiment("optimize", ["experiment=null", "seed=1"], CONFIGS) == ["seed=1"]
    assert check_experiment("optimize", ["experiment="], CONFIGS) == []
    sweep = ["experiment=choice(optimize_crm_redesign,optimize_crm_staffing)"]
    assert check_experiment("optimize", sweep, CONFIGS) == sweep  # Hydra expands it
    res = run_sim(
        "simulate",
        "experiment=simulate_mmc_staffing",
        "scenario.replications=2",
        "scenario.horizon_days=3",
        "progress=false",
        "output.report=false",
        f"hydra.run.dir={tmp_path / 'one'}",
    )
    assert res.returncode == 0, res.stderr
    assert "sweeps scenario.staffing.server=2,3,4: add --multirun" in res.stderr
    res = run_sim("simulate", "experiment=nope", "hydra.run.dir=/nonexistent/never/written")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "no such experiment; the experiments of simulate are" in res.stderr


def scenarios(sweep: Path) -> list[str]:
    with (sweep / "comparison.csv").open() as f:
        return sorted({row["scenario"] for row in csv.DictReader(f)})


TINY_SIMULATE = ["scenario.replications=2", "scenario.horizon_days=5", "progress=false"]


@pytest.mark.parametrize("launcher", ["basic", "joblib"])
def test_the_simulate_experiment_sweeps_its_staffing_and_compares(tmp_path, launcher):
    sweep = tmp_path / "sweep"
    args = ["simulate", "--multirun", "experiment=simulate_mmc_staffing", *TINY_SIMULATE]
    if (
        launcher == "joblib"
    ):  # jobs in parallel worker processes (pip install hydra-joblib-launcher)
        args += ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "workers=1"]
    res = run_sim(*args, f"hydra.sweep.dir={sweep}")
    assert res.returncode == 0, res.stderr
    jobs = sorted(p.name for p in sweep.iterdir() if p.name.isdigit())
    assert jobs == ["0", "1", "2"]
    assert all((sweep / j / "kpis.json").is_file() for j in jobs)
    assert len(scenarios(sweep)) == 3  # servers 2, 3 and 4; 2 is the baseline
    assert "scenario.staffing.server=4" in (sweep / "comparison.md").read_text()


TINY_OPTIMIZE = [
    "optimizer.n_trials=3",
    "optimizer.replications=2",
    "optimizer.min_replications=2",
    "optimizer.confirm_replications=2",
    "optimizer.top_k=1",
    "optimizer.ablate_top=0",
    "scenario.horizon_days=3",
    "scenario.warmup_days=1",
    "workers=1",
    "progress=false",
    "output.report=false",
]


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in EXPERIMENTS if command_of(n) == "optimize"])
def test_the_optimize_experiments_smoke_run(tmp_path, name):
    run = tmp_path / "run"
    res = run_sim("optimize", f"experiment={name}", *TINY_OPTIMIZE, f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    with (run / "trials.csv").open() as f:
        assert len(list(csv.DictReader(f))) >= 3
    assert f"experiment={name}" in (run / "run.json").read_text()  # the study is on record


@pytest.mark.slow
def test_the_calibrate_experiment_smoke_runs(tmp_path, shared_data):
    run = tmp_path / "run"
    res = run_sim(
        "calibrate",
        "experiment=calibrate_bpic2012_w",
        "backtest.replications=1",
        "backtest.in_sample=false",
        "backtest.write_traces=false",
        "output.report=false",
        "workers=1",
        "progress=false",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    assert (run / "model.yaml").is_file() and (run / "backtest.json").is_file()
    assert "BPIC_2012_W_test.csv.gz" in (run / "config.yaml").read_text()


def test_sigterm_stops_a_joblib_sweep_and_its_workers(tmp_path):
    """QA 6b: SIGTERM ended the sweep but left the launcher's worker processes running."""
    sweep = tmp_path / "sweep"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "simulate", "--multirun", "hydra/launcher=joblib"]
        + ["hydra.launcher.n_jobs=2", "workers=1", "process=crm_sales"]
        + ["scenario.staffing.legal=1,2,3,4", "scenario.replications=30", "progress=false"]
        + ["output.report=false", f"hydra.sweep.dir={sweep}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    deadline = time.monotonic() + 120
    while not list(sweep.glob("*/.hydra")) and time.monotonic() < deadline:
        time.sleep(0.2)  # until a worker runs a job
    kids = children(proc.pid)
    assert kids, "the launcher started no worker"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "terminated (SIGTERM)" in err and "Traceback" not in err
    deadline = time.monotonic() + 30  # a loaded machine can take seconds to end them
    while [k for k in kids if running(k)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [k for k in kids if running(k)] == []
