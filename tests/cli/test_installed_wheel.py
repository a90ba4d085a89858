"""The tool installed as a package (QA install16): a wheel of this checkout holds the configs
(bundled models, redesign spaces, studies, logging) beside the code, and an installed copy,
run from another directory, finds them, records no commit of a git repository it merely lies
in, records the console script as typed, and runs with ``--config-path`` even without them.

The wheel is built once (``pip wheel``, in a copy of the checkout: nothing is written here) and
installed with ``pip install --no-deps --target``; the commands run it with that folder first
on ``PYTHONPATH`` and this environment's dependencies."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.simcli import QUICK_SIMULATE, REPO

QUICK = QUICK_SIMULATE
BUILT = ("pyproject.toml", "README.md", "LICENSE", "sim", "configs")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel of this checkout, built in a copy of it."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    for name in BUILT:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy(REPO / name, src / name)
    # build isolation fetches the build requirements (setuptools>=77) from the package index
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    wheels = sorted(root.glob("sim_redesign-*.whl"))
    if done.returncode != 0 or not wheels:
        pytest.skip(f"cannot build a wheel here (no package index?): {done.stderr[-500:]}")
    return wheels[0]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The wheel installed (not editable) into a folder inside a git repository of a user's
    own, with one commit, as a venv inside a user's project is."""
    project = tmp_path_factory.mktemp("user_project")
    git = ["git", "-C", str(project), "-c", "user.name=u", "-c", "user.email=u@example.org"]
    if shutil.which("git"):
        subprocess.run([*git, "init", "-q"], check=True)
        (project / "notes.txt").write_text("the user's own work\n")
        subprocess.run([*git, "add", "notes.txt"], check=True)
        subprocess.run([*git, "commit", "-q", "-m", "user's commit"], check=True)
    site = project / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), wheel],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return site


def _run(site: Path, cwd: Path, *args: str, script: bool = False, **env: str):
    """``python -m sim <args>`` (or the installed ``sim`` script) of the installed copy."""
    program = [str(site / "bin" / "sim")] if script else [sys.executable, "-m", "sim"]
    return subprocess.run(
        [*program, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(site), **env},
        timeout=120,
    )


def test_the_wheel_holds_the_configs_and_every_module(wheel):
    """Every yaml of configs/ is in the wheel as sim/_configs/..., every module of sim/ too."""
    names = set(zipfile.ZipFile(wheel).namelist())
    configs = {
        f"sim/_configs/{p.relative_to(REPO / 'configs').as_posix()}"
        for p in (REPO / "configs").rglob("*.yaml")
    }
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "sim").rglob("*.py")}
    assert "sim/_configs/simulate.yaml" in configs
    assert "sim/_configs/process/crm_sales.yaml" in configs
    assert configs - names == set()
    assert modules - names == set()


def test_an_installed_copy_runs_from_another_directory_with_its_own_configs(installed, tmp_path):
    """simulate runs from a directory with no configs/ in it, through the installed configs;
    run.json records no git commit (the copy lies in the user's repository, not the tool's)."""
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sim.cli.main as m; print(m.__file__); print(m.config_dir())",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(installed)},
        check=True,
    )
    module, configs = check.stdout.split()
    assert Path(module).is_relative_to(installed)
    assert Path(configs) == installed / "sim" / "_configs"

    res = _run(installed, tmp_path, *QUICK)
    assert res.returncode == 0, res.stderr
    (run,) = (tmp_path / "outputs" / "simulate").iterdir()
    record = json.loads((run / "run.json").read_text())
    assert record["git_commit"] is None and record["git_dirty"] is None
    assert record["argv"] == ["python", "-m", "sim", *QUICK]
    assert record["versions"]["sim-redesign"] is not None


def test_the_console_script_is_recorded_and_says_its_version(installed, tmp_path):
    """argv as typed: ``sim ...``, not ``python -m sim ...``; ``--version`` names the tool."""
    res = _run(installed, tmp_path, *QUICK, "hydra.run.dir=run", script=True)
    assert res.returncode == 0, res.stderr
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["argv"] == ["sim", *QUICK, "hydra.run.dir=run"]
    version = _run(installed, tmp_path, "--version", script=True)
    tool = record["versions"]["sim-redesign"]
    assert (
        version.stdout.strip() == f"sim-redesign {tool} (Hydra {record['versions']['hydra-core']})"
    )


def test_config_path_runs_without_the_bundled_configs(installed, tmp_path):
    """``-cp myconf`` replaces the bundled configs: it runs when they are missing; without it,
    the message says what is missing and what to do."""
    site = tmp_path / "site"
    shutil.copytree(installed, site)
    shutil.rmtree(site / "sim" / "_configs")
    shutil.copytree(REPO / "configs", tmp_path / "myconf")
    res = _run(site, tmp_path, "-cp", "myconf", *QUICK, "hydra.run.dir=run")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "run" / "kpis.json").is_file()
    missing = _run(site, tmp_path, *QUICK)
    assert missing.returncode == 2
    assert "error: the bundled configs are missing" in missing.stderr
    assert "SIM_CONFIG_DIR" in missing.stderr
