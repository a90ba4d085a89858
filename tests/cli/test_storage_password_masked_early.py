"""A password typed in ``optimizer.storage`` is masked in what Hydra wrote (``.hydra/*.yaml``, a
sweep's ``multirun.yaml``) as the job starts, not only when it ends. QA (hydrapower): it sat in
plain text there for the whole run, and for good after a ``kill -9``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import REPO
from tests.optimize.conftest import files_holding, quick_search_args

SECRET = "S3cretEarly"
URL = f"optimizer.storage=postgresql+pg8000://alice:{SECRET}@127.0.0.1:1/optuna"

# The command, killed outright (SIGKILL) the moment its work starts: whatever the run had
# masked by then is all it masks.
_KILLED_AS_IT_STARTS = textwrap.dedent(
    """
    import json, os, signal, sys
    from sim.cli import optimize
    from sim.cli.main import main

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    optimize.run = killed
    sys.argv = ["sim"]
    main(json.loads(os.environ["SIM_ARGS"]))
    """
)


def _killed_as_it_starts(args: list[str], folder: Path) -> subprocess.CompletedProcess:
    """``python -m sim <args>`` in ``folder``, killed as its command's work starts."""
    return subprocess.run(
        [sys.executable, "-c", _KILLED_AS_IT_STARTS],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(REPO), "SIM_ARGS": json.dumps(args)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_run_killed_as_it_starts_leaves_no_password_in_hydras_files(tmp_path):
    run = tmp_path / "run"
    res = _killed_as_it_starts(
        [*quick_search_args(tmp_path, 1), URL, f"hydra.run.dir={run}"], tmp_path
    )
    assert res.returncode == -signal.SIGKILL, res.stderr
    assert (run / ".hydra" / "overrides.yaml").is_file()
    assert "alice:***@127.0.0.1" in (run / ".hydra" / "overrides.yaml").read_text()
    assert files_holding(run, SECRET) == []


def test_a_sweep_killed_as_its_first_job_starts_leaves_no_password(tmp_path):
    sweep = tmp_path / "sweep"
    args = quick_search_args(tmp_path, 1)
    res = _killed_as_it_starts(
        [args[0], "--multirun", *args[1:], "seed=1,2", URL, f"hydra.sweep.dir={sweep}"], tmp_path
    )
    assert res.returncode == -signal.SIGKILL, res.stderr
    assert (sweep / "multirun.yaml").is_file() and (sweep / "0" / ".hydra").is_dir()
    assert "alice:***@127.0.0.1" in (sweep / "multirun.yaml").read_text()
    assert files_holding(sweep, SECRET) == []
