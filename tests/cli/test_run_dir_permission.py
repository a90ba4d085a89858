"""A default run directory (``outputs/...``, ``multirun/...``, under the current directory) that
cannot be made (QA install16: a read-only current directory) is one line naming it and what to
do, exit status 2, as for a ``hydra.run.dir`` typed on the command line: it was a traceback
through Hydra's ``run_job`` ending in PermissionError, exit status 1."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.simcli import as_nobody, run_sim

QUICK = ("scenario.replications=1", "scenario.horizon_days=2", "progress=false")


@pytest.mark.parametrize(
    ("flags", "folder", "key"),
    [((), "outputs", "hydra.run.dir"), (("--multirun", "seed=1,2"), "multirun", "hydra.sweep.dir")],
)
def test_a_default_run_dir_that_cannot_be_made_is_named(tmp_path, flags, folder, key):
    (tmp_path / folder).write_text("a file where the runs' folder would be\n")
    res = run_sim(*flags, *QUICK, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    (line,) = res.stderr.splitlines()
    assert line.startswith(f"error: {key}={tmp_path / folder / 'simulate'}/")
    assert "cannot create the directory for the results (Not a directory)" in line
    assert f"give {key}=<a writable directory>" in line


def test_permission_denied_in_a_read_only_current_directory():
    prefix = as_nobody()
    if prefix is None:
        pytest.skip("cannot run as an unprivileged user here")
    # not under pytest's tmp_path: its folders are the user's own (0700), which the
    # unprivileged user could not even enter
    here = Path(tempfile.mkdtemp(prefix="sim_read_only_"))
    here.chmod(0o555)
    try:
        res = subprocess.run(
            [*prefix, sys.executable, "-m", "sim", *QUICK],
            capture_output=True,
            text=True,
            cwd=here,
            env={**os.environ, "HOME": str(here)},
            timeout=120,
        )
    finally:
        here.chmod(0o755)
        shutil.rmtree(here)
    assert res.returncode == 2, res.stderr
    assert "cannot create the directory for the results (Permission denied)" in res.stderr
    assert f"the default hydra.run.dir lies under the current directory ({here})" in res.stderr
    assert "Traceback" not in res.stderr
