"""What the tool says of itself (QA install16): ``--version`` names the tool and its version (it
said "Hydra 1.3.8"), the version ``run.json`` records; the record's git commit is this
checkout's own (an installed copy inside a user's repository records none:
tests/cli/test_installed_wheel.py); its argv starts with the program as typed."""

from __future__ import annotations

import json
import subprocess
from importlib import metadata
from pathlib import Path

import pytest

import sim
from sim.cli import common
from sim.cli.main import main
from tests.simcli import REPO, run_sim


@pytest.mark.parametrize("args", [["--version"], ["optimize", "--version"]])
def test_version_names_the_tool_and_hydra(args, capsys, keep_cli_process_state):
    main(args)
    out = capsys.readouterr().out
    assert out == f"sim-redesign {sim.__version__} (Hydra {metadata.version('hydra-core')})\n"


def test_the_version_is_the_installed_distributions_as_run_json_records_it(tmp_path):
    assert sim.__version__ == metadata.version("sim-redesign")
    res = run_sim(
        "simulate",
        "scenario.replications=1",
        "scenario.horizon_days=2",
        "workers=1",
        "progress=false",
        "output.report=false",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert res.returncode == 0, res.stderr
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["versions"]["sim-redesign"] == sim.__version__
    assert record["argv"][:4] == ["python", "-m", "sim", "simulate"]


@pytest.mark.parametrize(
    ("argv0", "program"),
    [
        ("/home/u/venv/bin/sim", ["sim"]),
        ("sim", ["sim"]),
        (str(REPO / "sim" / "__main__.py"), ["python", "-m", "sim"]),
        ("-m", ["python", "-m", "sim"]),
    ],
)
def test_the_program_recorded_is_the_one_typed(argv0, program):
    assert common.typed_program(argv0) == program


def test_git_commit_recorded_is_this_checkouts():
    top = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--show-toplevel", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    if top.returncode != 0 or Path(top.stdout.split()[0]).resolve() != REPO.resolve():
        pytest.skip("this checkout is not a git repository of its own")
    assert common.git_commit() == top.stdout.split()[1]
    assert isinstance(common.git_dirty(), bool)


def test_no_git_commit_outside_the_tools_own_checkout(monkeypatch):
    """An installed copy (no checkout of the tool around it) records none, whatever git
    repository it lies in."""
    from sim.cli import main as cli

    monkeypatch.setattr(cli, "source_checkout", lambda: None)
    assert common.git_commit() is None
    assert common.git_dirty() is None
