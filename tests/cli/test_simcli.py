"""The tests' fork server (``tests.simcli``) runs ``python -m sim`` as a fresh interpreter does:
same exit code, output and files, and a fresh interpreter wherever start-up settings differ."""

from __future__ import annotations

import json
import os

import pytest

from tests.simcli import fork_server_enabled, run_sim

FORKS = fork_server_enabled()

TINY = ["process=mmc", "scenario.replications=2", "scenario.horizon_days=5", "progress=false"]


def files_of(run):
    return sorted(str(p.relative_to(run)) for p in run.rglob("*") if p.is_file())


def test_a_forked_run_writes_and_says_what_a_fresh_interpreter_does(tmp_path):
    forked = run_sim("simulate", *TINY, "seed=3", f"hydra.run.dir={tmp_path / 'f'}")
    fresh = run_sim("simulate", *TINY, "seed=3", f"hydra.run.dir={tmp_path / 'n'}", fresh=True)
    assert (forked.forked, fresh.forked) == (FORKS, False), (
        "the fork server did not serve: did the imports print something? (tests/simcli.py)"
    )
    assert forked.returncode == fresh.returncode == 0, forked.stderr + fresh.stderr
    assert forked.stdout.replace("/f", "/n") == fresh.stdout
    assert forked.stderr.replace("/f", "/n") == fresh.stderr
    assert files_of(tmp_path / "f") == files_of(tmp_path / "n")
    kpis = [json.loads((tmp_path / d / "kpis.json").read_text()) for d in "fn"]
    assert kpis[0]["all"] == kpis[1]["all"]
    # its own process, gone when the run is
    pid = json.loads((tmp_path / "f" / "run.json").read_text())["pid"]
    assert pid != os.getpid()
    with pytest.raises(ProcessLookupError):  # exited and reaped
        os.kill(pid, 0)


def test_a_refused_run_exits_and_explains_as_a_fresh_interpreter_does(tmp_path):
    args = ("simulate", "scenario.replicatons=5", f"hydra.run.dir={tmp_path}")
    forked, fresh = run_sim(*args), run_sim(*args, fresh=True)
    assert forked.forked is FORKS
    assert (forked.returncode, forked.stdout, forked.stderr) == (
        fresh.returncode,
        fresh.stdout,
        fresh.stderr,
    )
    assert forked.returncode == 2 and "unknown key 'replicatons'" in forked.stderr


def test_the_working_directory_and_environment_are_the_callers(tmp_path):
    (tmp_path / "models").mkdir()
    res = run_sim(
        "simulate", "process=models/nope.yaml", cwd=tmp_path, env={**os.environ, "SIM_X": "1"}
    )
    assert res.forked is FORKS and res.returncode == 2
    assert "models/nope.yaml" in res.stderr


def test_a_run_with_other_start_up_settings_gets_a_fresh_interpreter(tmp_path):
    for key, value in (("TZ", "Asia/Tokyo"), ("PYTHONHASHSEED", "7"), ("LC_ALL", "C.UTF-8")):
        if os.environ.get(key) == value:
            continue
        res = run_sim("--help", env={**os.environ, key: value})
        assert res.returncode == 0 and not res.forked, key
