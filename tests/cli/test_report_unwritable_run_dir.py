"""``report`` on a run directory this user cannot write (another user's run, a read-only file
system) is one line naming the directory, why, and what to do, exit status 2 (QA retest16: a
PermissionError traceback from the run lock, exit status 1). A run into such a directory
(``hydra.run.dir``) is refused the same way."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from sim.cli import runlock
from sim.cli.runlock import LOCK, lock_run_dir
from sim.errors import ConfigError
from tests.simcli import QUICK_SIMULATE, as_nobody, run_sim


def _read_only_lock(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """Opening the lock file fails with ``code`` as on a directory the user cannot write."""
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):  # noqa: ANN001, ANN202 - os.open's
        if Path(path).name == LOCK:
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(runlock.os, "open", refusing_open)


@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS])
def test_report_on_a_run_dir_it_cannot_write_is_refused_with_what_to_do(
    tmp_path, monkeypatch, code
):
    _read_only_lock(monkeypatch, code)
    with pytest.raises(ConfigError) as refused:
        lock_run_dir(tmp_path, command="report", key="run")
    text = str(refused.value)
    assert text.startswith(f"run={tmp_path}: cannot write into this directory ")
    assert f"({os.strerror(code)}): report writes report.html there" in text
    assert f"cp -r {tmp_path} <copy>) and give run=<copy>" in text
    assert not runlock.holds_lock(tmp_path)


def test_a_run_into_a_directory_it_cannot_write_is_refused(tmp_path, monkeypatch):
    _read_only_lock(monkeypatch, errno.EACCES)
    with pytest.raises(ConfigError, match="choose another hydra.run.dir$") as refused:
        lock_run_dir(tmp_path, command="simulate")
    assert str(refused.value).startswith(
        f"hydra.run.dir={tmp_path}: cannot write into this directory (Permission denied)"
    )


def test_report_on_another_users_run_says_so_in_one_line():
    prefix = as_nobody()
    if prefix is None:
        pytest.skip("cannot run as an unprivileged user here")
    # not under pytest's tmp_path: its folders are the user's own (0700), which the
    # unprivileged user could not even enter
    here = Path(tempfile.mkdtemp(prefix="sim_report_read_only_"))
    here.chmod(0o755)
    run = here / "run"
    try:
        made = run_sim(*QUICK_SIMULATE, f"hydra.run.dir={run}", cwd=here)
        assert made.returncode == 0, made.stderr
        if not prefix:  # not root: the directory is this user's own, so make it read-only
            run.chmod(0o555)
        before = sorted(p.name for p in run.iterdir())
        res = subprocess.run(
            [*prefix, sys.executable, "-m", "sim", "report", f"run={run}"],
            capture_output=True,
            text=True,
            cwd=here,
            env={**os.environ, "HOME": str(here)},
            timeout=120,
        )
        after = sorted(p.name for p in run.iterdir())
    finally:
        run.chmod(0o755)
        shutil.rmtree(here)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    (line,) = res.stderr.splitlines()
    assert line.startswith(f"error: run={run}: cannot write into this directory (Permission ")
    assert "report writes report.html there" in line
    assert line.endswith("and give run=<copy>")
    assert after == before  # nothing written, nothing removed
