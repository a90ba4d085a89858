"""QA hydra25 F8: ``simulate --multirun hydra/launcher=joblib hydra.launcher.n_jobs=0`` ended
in about 40 lines of Hydra and joblib traceback ("n_jobs == 0 in Parallel has no meaning"),
exit status 1. It is now one line naming the key and what joblib takes, exit status 2, before
any job runs, as ``workers=0`` is."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from sim.cli.launcher_workers import launcher_refusal
from tests.simcli import QUICK_SIMULATE, run_sim

SAID = (
    "error: hydra.launcher.n_jobs: expected a whole number >= 1 (the jobs run at once) or a "
    "negative one counted from the cores (-1: every core, -2: all but one), got 0; no job was run"
)


def test_n_jobs_zero_is_refused_before_any_job(tmp_path):
    sweep_dir = tmp_path / "sw"
    res = run_sim(
        "simulate",
        "--multirun",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=0",
        "seed=1,2",
        "process=mmc",
        *QUICK_SIMULATE,
        f"hydra.sweep.dir={sweep_dir}",
    )
    assert res.returncode == 2, res.stdout + res.stderr
    assert res.stderr.strip() == SAID
    assert not sweep_dir.exists()  # no job was run, no folder made


@pytest.mark.parametrize(
    ("launcher", "refused"),
    [
        ({"n_jobs": 0}, True),
        ({"n_jobs": 1}, False),
        ({"n_jobs": 4}, False),
        ({"n_jobs": -1}, False),  # every core
        ({"n_jobs": -8}, False),  # joblib: max(cores + 1 - 8, 1)
        ({}, False),  # the basic launcher has no n_jobs
    ],
)
def test_what_joblib_takes(launcher, refused):
    config = OmegaConf.create({"hydra": {"launcher": launcher}})
    assert (launcher_refusal(config) is not None) is refused
