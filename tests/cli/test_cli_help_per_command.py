"""``python -m sim <command> --help``: the command's own help, groups and keys, exit 0."""

from __future__ import annotations

import pytest

from sim.cli.main import COMMANDS, command_help, config_dir
from tests.simcli import run_sim

CONFIGS = config_dir()


def test_report_help_prints_the_report_commands_help(tmp_path):
    """QA docs #2: 'report --help' said "error: run: give the run directory..." (exit 2) while
    the top-level help sends the user to '<command> --help'."""
    for flag in ("--help", "-h"):
        res = run_sim("report", flag, cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        assert "python -m sim report: rebuild the figures and report.html" in res.stdout
        assert "run: ???" in res.stdout and "figures: null" in res.stdout
        assert "error" not in res.stderr
    assert not any(tmp_path.iterdir())  # nothing written
    # without --help the run directory is still required
    res = run_sim("report", cwd=tmp_path)
    assert res.returncode == 2 and "run: give the run directory to rebuild" in res.stderr


def test_calibrate_help_lists_only_its_own_groups(tmp_path):
    """QA docs #2: 'calibrate --help' offered optimizer:, redesign:, process: and every
    command's experiments."""
    res = run_sim("calibrate", "--help", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    groups = res.stdout.split("== Configuration groups ==")[1].split("== Config ==")[0]
    lines = [line for line in groups.splitlines() if ": " in line]
    assert lines == ["experiment: calibrate_bpic2012_w"]
    assert "python -m sim calibrate: calibrate a process model" in res.stdout
    assert "log: ???" in res.stdout  # its keys, as before


HYDRA_HELP = """main is powered by Hydra.

== Configuration groups ==
Compose your configuration from those groups (group=option)

experiment: calibrate_x, optimize_y, simulate_z
optimizer: nsga2, random, tpe
process: _from_file, crm_sales, mmc
redesign: _from_file, crm_sales, staffing
scenario: default


== Config ==
Override anything in the config (foo.bar=value)

seed: 0

Powered by Hydra (https://hydra.cc)
"""


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            "simulate",
            [
                "experiment: simulate_z",
                "process: crm_sales, mmc, or a file (process=path/to/model.yaml)",
                "scenario: default",
            ],
        ),
        (
            "optimize",
            [
                "experiment: optimize_y",
                "optimizer: nsga2, random, tpe",
                "process: crm_sales, mmc, or a file (process=path/to/model.yaml)",
                "redesign: crm_sales, staffing, or a file (redesign=path/to/redesign.yaml)",
                "scenario: default",
            ],
        ),
        ("export", ["process: crm_sales, mmc, or a file (process=path/to/model.yaml)"]),
        ("compare", None),
        ("report", None),
    ],
)
def test_each_commands_help_lists_the_groups_of_its_defaults(command, expected):
    text = command_help(HYDRA_HELP, command, CONFIGS)
    assert text.startswith(f"python -m sim {command}: {COMMANDS[command]}\n")
    assert "seed: 0" in text and "Powered by Hydra" in text  # the rest as Hydra wrote it
    if expected is None:  # no groups of its own: no section listing others
        assert "Configuration groups" not in text
        return
    groups = text.split("(group=option)\n\n")[1].split("\n\n")[0]
    assert groups.splitlines() == expected
