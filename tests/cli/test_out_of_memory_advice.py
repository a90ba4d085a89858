"""A run that ran out of memory is advised what of its own command's config to give less of
(QA: simulate and optimize were given calibrate's advice, "a shorter extract of the log,
columns.max_rows"); every key the advice names is one of that command's config."""

from __future__ import annotations

import re

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from sim.cli import main as cli

ADVICE = {
    "simulate": (
        ["scenario.replications", "scenario.horizon_days", "output.trace=false", "workers=1"],
        ["log", "columns.max_rows", "optimizer."],
    ),
    "optimize": (
        ["optimizer.replications", "optimizer.confirm_replications", "workers=1"],
        ["log", "columns.max_rows", "output.trace"],
    ),
    "calibrate": (
        ["a shorter extract of the log", "columns.max_rows", "backtest.replications"],
        ["scenario.", "output.trace", "optimizer."],
    ),
}


pytestmark = pytest.mark.usefixtures("keep_cli_process_state")


@pytest.mark.parametrize("command", sorted(ADVICE))
def test_running_out_of_memory_advises_the_commands_own_keys(
    command, tmp_path, monkeypatch, capsys
):
    module = __import__(f"sim.cli.{command}", fromlist=["run"])

    def run(cfg, run_dir, **kwargs):
        raise MemoryError

    monkeypatch.setattr(module, "run", run)
    monkeypatch.chdir(tmp_path)
    log = tmp_path / "log.csv"
    log.write_text("case_id,activity,start_time,end_time\n1,a,2020-01-01,2020-01-01\n")
    args = [f"log={log}"] if command == "calibrate" else []
    with pytest.raises(SystemExit) as stopped:
        cli.main([command, *args, "progress=false", f"hydra.run.dir={tmp_path / 'r'}"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"error: {command} ran out of memory; give it less to hold (" in err, err
    said, unsaid = ADVICE[command]
    assert all(s in err for s in said), err
    assert not any(u in err for u in unsaid), err


@pytest.mark.parametrize("command", sorted(ADVICE))
def test_the_keys_advised_are_in_the_commands_config(command):
    advice = cli._out_of_memory_text(command)
    keys = {m.split("=")[0] for m in re.findall(r"\b[a-z_]+(?:\.[a-z_]+)+|\bworkers\b", advice)}
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(cli.config_dir()), version_base="1.3"):
        cfg = compose(
            config_name=command, overrides=["log=x.csv"] if command == "calibrate" else []
        )
    GlobalHydra.instance().clear()
    assert keys
    missing = [k for k in keys if OmegaConf.select(cfg, k, default="<none>") == "<none>"]
    assert not missing, f"{command}: {advice}"


def test_a_command_without_advice_says_where_to_run_it():
    assert cli._out_of_memory_text("compare") == (
        "compare ran out of memory; run it where more memory is free"
    )
