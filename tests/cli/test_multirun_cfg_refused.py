"""Hydra's flags that cannot go together (``--multirun`` with ``--cfg``, ``--cfg`` with
``--info``, ``--resolve`` without ``--cfg``) are a refusal, exit status 2, one line saying which
and what to do, as the README promises of config errors. Before, Hydra's ``ValueError: Only one
of --run, --multirun, --cfg, --info ...`` came with a traceback, exit status 1 (QA hydrapower #7).
A sweep job stopped in a launcher's worker process (joblib's, running jobs at once) says nothing
of the sweep's other jobs: it cannot know them (QA hydrapower #8b)."""

from __future__ import annotations

import pytest

from sim.cli import common, sweep
from sim.cli import main as cli
from sim.cli.main import check_hydra_flags
from sim.errors import SimError
from tests.simcli import run_sim


def test_multirun_with_cfg_is_refused_without_a_traceback():
    done = run_sim("simulate", "--multirun", "process=mmc", "seed=3,4", "--cfg", "job")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "ValueError" not in done.stderr
    assert "error: --multirun and --cfg: give only one of" in done.stderr
    assert "give it without --multirun" in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["-m", "-c", "job"], "--multirun and --cfg"),
        (["--cfg=job", "--info"], "--cfg and --info"),
        (["-cjob", "-r"], "--run and --cfg"),
        (["--run", "--multirun"], "--run and --multirun"),
        (["-i", "searchpath", "-sc"], "--info and --shell-completion"),
        (["--resolve", "seed=1"], "--resolve: only with --cfg or --help"),
    ],
)
def test_flags_that_cannot_go_together(args, said):
    with pytest.raises(SimError, match=said):
        check_hydra_flags(args)


@pytest.mark.parametrize(
    "args",
    [
        ["--multirun", "-cp", "/x", "-cn", "simulate", "-cd", "/y"],  # -c... of other flags
        ["--cfg", "job", "--resolve"],
        ["--help", "--resolve"],
        ["-m", "seed=1,2"],
        [],
    ],
)
def test_flags_that_go_together(args):
    check_hydra_flags(args)


def test_a_job_in_a_launchers_worker_says_nothing_of_the_others(tmp_path, monkeypatch):
    job = "job 1 (seed=2): "
    monkeypatch.setattr(common, "TYPED_ARGV", [])
    monkeypatch.setattr(sweep, "LAUNCHED", [])  # a joblib worker: the sweep launched elsewhere
    said = cli._stopped_job_text("simulate", job, tmp_path, "interrupted")
    assert said.startswith("interrupted: job 1 (seed=2): did not finish (the sweep runs")
    assert "before it" not in said and "saved" not in said
    monkeypatch.setattr(sweep, "LAUNCHED", [tmp_path])  # jobs one after the other, here
    said = cli._stopped_job_text("simulate", job, tmp_path / "1", "interrupted")
    assert "did not finish, nor did any job of the sweep before it" in said
