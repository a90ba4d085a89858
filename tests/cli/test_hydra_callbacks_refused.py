"""A config's ``hydra.callbacks`` run only this tool's own Hydra callbacks: any other target
(a function a config file names, with its arguments) is refused before Hydra makes it, naming
the key and target, exit status 2 (QA 2026-12-05 security: an experiment file with
``_target_: builtins.open, mode: w`` truncated a file of the user's)."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from sim.cli.main import ForeignCallback, refuse_foreign_callbacks
from tests.simcli import run_sim, simulate_with_experiment

SIMULATE = ["simulate", "process=mmc", "scenario.replications=2", "workers=1"]


def test_an_experiment_naming_builtins_open_as_callback_is_refused(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    res, run = simulate_with_experiment(
        tmp_path, f"{{callbacks: {{tidy: {{_target_: builtins.open, file: {victim}, mode: w}}}}}}"
    )
    assert res.returncode == 2, res.stderr
    assert "hydra.callbacks.tidy._target_='builtins.open': not a callback of this tool" in (
        res.stderr
    )
    assert victim.read_text() == "keep"
    assert not run.exists()


@pytest.mark.parametrize(
    ("override", "said"),
    [
        ("+hydra.callbacks.x._target_=sim.cli.overwrite.shutil.rmtree", "hydra.callbacks.x"),
        ("+hydra.callbacks.x._target_=sim.cli.common.Path", "hydra.callbacks.x"),
        ("+hydra.callbacks.compare_sweep.x._target_=builtins.print", "compare_sweep.x._target_"),
    ],
)
def test_callbacks_other_than_this_tools_are_refused(tmp_path, override, said):
    res = run_sim(*SIMULATE, override, f"hydra.run.dir={tmp_path / 'run'}")
    assert res.returncode == 2, res.stderr
    assert said in res.stderr and "nothing was run or written" in res.stderr
    assert not (tmp_path / "run").exists()


def test_this_tools_own_callbacks_pass():
    ours = {
        "compare_sweep": {"_target_": "sim.cli.compare.CompareSweep"},
        "sweep_jobs": {"_target_": "sim.cli.sweep.SweepJobs", "command": "calibrate"},
        "off": None,
    }
    refuse_foreign_callbacks(OmegaConf.create({"hydra": {"callbacks": ours}}))
    refuse_foreign_callbacks(OmegaConf.create({"hydra": {}}))
    with pytest.raises(ForeignCallback, match="hydra.callbacks.p._target_='pathlib.Path'"):
        refuse_foreign_callbacks(
            OmegaConf.create({"hydra": {"callbacks": {"p": {"_target_": "pathlib.Path"}}}})
        )
