"""An option of a config group added in the user's own config directory (``process=mymmc``
from ``myconf/process/mymmc.yaml``) is accepted wherever the command line tells Hydra to look:
``--config-dir``/``-cd``, ``--config-path``/``-cp`` (relative to where the user is, as typed),
``hydra.searchpath=[file://...]``. Before, the check ahead of Hydra looked in the bundled
``configs/`` only and refused it: "not a bundled process nor a file" (QA hydrapower #4)."""

from __future__ import annotations

import shutil

import pytest

from sim.cli.main import (
    check_experiment,
    config_dir,
    config_search_dirs,
    prints_config,
    rewrite_process_override,
)
from sim.errors import SimError
from tests.simcli import run_sim

CONFIGS = config_dir()


@pytest.fixture()
def myconf(tmp_path):
    """A copy of the bundled configs with a process option and a study of the user's own."""
    conf = tmp_path / "myconf"
    shutil.copytree(CONFIGS, conf)
    shutil.copy(conf / "process" / "mmc.yaml", conf / "process" / "mymmc.yaml")
    shutil.copy(
        conf / "experiment" / "simulate_mmc_staffing.yaml",
        conf / "experiment" / "simulate_mine.yaml",
    )
    return conf


@pytest.mark.parametrize(
    "given",
    [
        lambda d: ["--config-dir", str(d)],
        lambda d: [f"--config-dir={d}"],
        lambda d: ["-cd", str(d)],
        lambda d: ["-cp", str(d)],
        lambda d: [f"--config-path={d}"],
        lambda d: [f"hydra.searchpath=[file://{d}]"],
        lambda d: [f"hydra.searchpath=['{d}']"],
    ],
)
def test_a_process_option_of_the_users_config_dir_is_a_name(myconf, given):
    args = [*given(myconf), "process=mymmc"]
    assert rewrite_process_override(args, CONFIGS) == args  # a name for Hydra, not a file
    assert check_experiment("simulate", [*given(myconf), "experiment=simulate_mine"], CONFIGS)


def test_without_the_users_config_dir_it_is_refused_naming_the_dirs_looked_in(myconf):
    with pytest.raises(SimError, match="not a bundled process nor a file"):
        rewrite_process_override(["process=mymmc"], CONFIGS)
    with pytest.raises(SimError) as refused:
        rewrite_process_override(["-cd", str(myconf), "process=mymc"], CONFIGS)
    said = str(refused.value)
    assert "did you mean 'mymmc'" in said and str(myconf / "process") in said
    with pytest.raises(SimError, match="experiment=simulate_mine: no such experiment"):
        check_experiment("simulate", ["experiment=simulate_mine"], CONFIGS)


def test_the_search_dirs_follow_hydra_and_the_primary_configs_searchpath(myconf, tmp_path):
    extra = tmp_path / "extra"
    (extra / "process").mkdir(parents=True)
    primary = myconf / "simulate.yaml"
    searchpath = f"hydra:\n  searchpath: ['file://{extra}']\n"
    primary.write_text(primary.read_text().replace("hydra:\n", searchpath, 1))
    assert config_search_dirs(["-cp", str(myconf)], CONFIGS) == [myconf, extra]
    assert config_search_dirs([], CONFIGS) == [CONFIGS]
    # a package's folder: the bundled hydra configs' own, read as Hydra reads pkg://
    found = config_search_dirs(["hydra.searchpath=[pkg://hydra.conf]"], CONFIGS)
    assert found[-1].name == "conf" and (found[-1] / "hydra").is_dir()


def test_config_dir_flags_do_not_count_as_printing_the_config():
    assert not prints_config(["-cp", "/x", "process=mmc"])
    assert not prints_config(["-cd", "/x", "-cn", "simulate"])
    assert prints_config(["-c", "job"]) and prints_config(["-cjob"]) and prints_config(["-i"])


def test_a_run_with_the_users_process_option(myconf, tmp_path):
    quick = ("scenario.replications=2", "scenario.horizon_days=3", "scenario.warmup_days=1")
    quick += ("workers=1", "progress=false", "output.report=false")
    for n, given in enumerate((["--config-dir", str(myconf)], ["-cp", "myconf"])):
        run = tmp_path / f"run{n}"
        done = run_sim(
            "simulate", *given, "process=mymmc", *quick, f"hydra.run.dir={run}", cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr
        assert (run / "kpis.json").is_file()
        assert "process: mymmc" in (run / ".hydra" / "hydra.yaml").read_text()
    missing = run_sim("simulate", "-cp", "nowhere", "process=mmc", cwd=tmp_path)
    assert missing.returncode == 2 and "-cp nowhere: no such directory" in missing.stderr
    assert "Traceback" not in missing.stderr
