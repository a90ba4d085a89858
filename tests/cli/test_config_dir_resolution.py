"""Where the commands find their configs (QA install16): ``SIM_CONFIG_DIR`` (a relative one from
the current directory), else this checkout's ``configs/``, else the copy installed with the
package (tests/cli/test_installed_wheel.py runs that one)."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest

from sim.cli import main as cli
from sim.errors import SimError
from tests.simcli import QUICK_SIMULATE, REPO, run_sim

QUICK = QUICK_SIMULATE


def test_config_dir_of_a_checkout_is_its_configs(monkeypatch):
    monkeypatch.delenv("SIM_CONFIG_DIR", raising=False)
    assert cli.source_checkout() == REPO
    assert cli.config_dir() == REPO / "configs"


def test_a_relative_sim_config_dir_is_read_from_the_current_directory(monkeypatch, tmp_path):
    shutil.copytree(REPO / "configs", tmp_path / "myconf")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIM_CONFIG_DIR", "myconf")
    assert cli.config_dir() == tmp_path / "myconf"
    monkeypatch.setenv("SIM_CONFIG_DIR", "nowhere")
    with pytest.raises(SimError, match=r"SIM_CONFIG_DIR=nowhere: no such directory"):
        cli.config_dir()


def test_a_run_with_a_relative_sim_config_dir_uses_it(tmp_path):
    """Hydra read a relative config path from sim/cli/: "Primary config module
    'sim.cli.myconf' not found", exit status 1."""
    shutil.copytree(REPO / "configs", tmp_path / "myconf")
    primary = tmp_path / "myconf" / "simulate.yaml"  # its own seed: this copy is read
    primary.write_text(re.sub(r"(?m)^seed: 0\b", "seed: 4242", primary.read_text()))
    res = run_sim(
        *QUICK,
        "hydra.run.dir=run",
        cwd=tmp_path,
        env={**os.environ, "SIM_CONFIG_DIR": "myconf"},
    )
    assert res.returncode == 0, res.stderr
    assert "\nseed: 4242\n" in (tmp_path / "run" / "config.yaml").read_text()
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "finished"


def test_a_missing_sim_config_dir_is_named(tmp_path):
    res = run_sim(*QUICK, cwd=tmp_path, env={**os.environ, "SIM_CONFIG_DIR": "gone"})
    assert res.returncode == 2
    assert f"error: SIM_CONFIG_DIR=gone: no such directory ({tmp_path / 'gone'})" in res.stderr
    assert "Traceback" not in res.stderr


def test_optimize_points_to_the_search_spaces_an_installed_copy_has(tmp_path, monkeypatch):
    """QA install16 #1: messages named configs/redesign/crm_sales.yaml, which an installed user
    does not have; they name the folder the configs were found in (a checkout keeps its
    relative name)."""
    import sim.cli.main as cli_main
    from sim.cli.optimize import _bundled_spaces

    assert _bundled_spaces() == "configs/redesign"  # this checkout
    monkeypatch.setattr(cli_main, "config_dir", lambda: tmp_path / "_configs")
    monkeypatch.setattr(cli_main, "source_checkout", lambda: None)
    assert _bundled_spaces() == str(tmp_path / "_configs" / "redesign")
