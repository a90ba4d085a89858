"""matplotlib's notes stay off the console (QA install16): a first run's "generated new
fontManager" and, with HOME read-only, its two warnings about its config directory came
through Hydra's job logging; they go to the run's ``main.log`` only
(``configs/hydra/job_logging/quiet_libraries.yaml``)."""

from __future__ import annotations

import logging
import os

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from sim.cli.main import COMMANDS, config_dir
from tests.simcli import run_sim


def test_a_fresh_matplotlib_cache_is_noted_in_main_log_only(tmp_path):
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "fresh_mpl")}  # its font cache is made
    res = run_sim(
        "scenario.replications=1",
        "scenario.horizon_days=2",
        "workers=1",
        "progress=false",
        f"hydra.run.dir={tmp_path / 'run'}",
        env=env,
    )
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "run" / "report.html").is_file()  # matplotlib drew its figures
    console = res.stdout + res.stderr
    assert "[matplotlib" not in console and "fontManager" not in console
    assert "generated new fontManager" in (tmp_path / "run" / "main.log").read_text()


def test_every_command_that_logs_keeps_matplotlib_to_errors_on_the_console():
    """Each command's job logging: matplotlib's records reach the console from ERROR up, all of
    them main.log (report logs nothing: Hydra's ``disabled``)."""
    for command in sorted(set(COMMANDS) - {"report"}):
        with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
            cfg = compose(command, return_hydra_config=True)
        conf = OmegaConf.to_container(cfg.hydra.job_logging, resolve=False)
        mpl = conf["loggers"]["matplotlib"]
        assert mpl["propagate"] is False, command
        levels = {h: conf["handlers"][h].get("level", "NOTSET") for h in mpl["handlers"]}
        assert levels == {"console_errors": "ERROR", "file": "NOTSET"}, command
        assert logging.getLevelName(mpl["level"]) <= logging.INFO
