"""A database password in a job folder's name (``hydra.sweep.subdir=${hydra.job.override_dirname}``):
optimize leaves ``optimizer.storage`` out of the folder name, and ``redact`` masks the URL in
the form a folder name holds it (Hydra escapes ``:`` as ``\\:`` and the path collapses ``//``).
QA: the password was on disk in folder names, on the console, in report.html and .hydra/."""

from __future__ import annotations

import socket

from sim.errors import redact
from tests.simcli import run_sim

SECRET = "SECRETPW"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sweep(sweep, *extra):
    storage = f"postgresql+pg8000://qa:{SECRET}@127.0.0.1:{_free_port()}/simdb"
    return run_sim(
        "optimize",
        "--multirun",
        "optimizer.n_trials=3",
        "optimizer.replications=2",
        "optimizer.min_replications=2",
        "optimizer.confirm_replications=3",
        "scenario.horizon_days=7",
        "workers=1",
        "seed=1,2",
        "optimizer.study_name=od_${seed}",
        f"optimizer.storage={storage}",
        "hydra.sweep.subdir=${hydra.job.override_dirname}",
        f"hydra.sweep.dir={sweep}",
        *extra,
    )


def _leaks(root):
    """Every path under ``root`` whose name or content holds the password."""
    found = [p for p in root.rglob("*") if SECRET in p.name]
    found += [p for p in root.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    return found


def test_a_folder_named_by_the_overrides_holds_no_password(tmp_path):
    sweep = tmp_path / "od"
    done = _sweep(sweep)
    assert SECRET not in done.stdout + done.stderr
    assert sweep.is_dir() and _leaks(sweep) == []
    folders = [p for p in sweep.iterdir() if p.is_dir()]
    assert len(folders) == 2 and all("storage" not in p.name for p in folders)


def test_a_sweep_whose_folder_names_would_hold_a_password_is_refused(tmp_path):
    sweep = tmp_path / "od"
    done = _sweep(sweep, "hydra.job.config.override_dirname.exclude_keys=[]")
    assert done.returncode == 2
    assert "would be named by a password" in done.stderr and "no job was run" in done.stderr
    assert SECRET not in done.stdout + done.stderr
    assert not sweep.exists() or _leaks(sweep) == []


def test_redact_masks_a_url_as_a_folder_name_holds_it():
    name = r"od/optimizer.storage=postgresql+pg8000\:/qa\:SECRETPW@127.0.0.1\:55432/simdb,seed=1"
    assert SECRET not in redact(name)
    assert r"postgresql+pg8000\:/qa\:***@127.0.0.1" in redact(name)
