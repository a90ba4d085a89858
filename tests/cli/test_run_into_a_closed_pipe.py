"""``python -m sim simulate ... | true``: the reader of the run's output has gone before the run
prints. The run ended on a Hydra traceback (BrokenPipeError) with its record left "running",
or, a moment later, said falsely that its report could not be built (QA coderev21 #1). Its
results go to files: it now finishes them, and its record, quietly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

QUICK = [
    "scenario.replications=2",
    "scenario.horizon_days=7",
    "scenario.warmup_days=1",
    "workers=1",
]


def _into_a_closed_pipe(
    command: list[str], folder: Path, *, errors_too: bool = False
) -> subprocess.CompletedProcess:
    """Run ``command`` in ``folder`` with its output (and with ``errors_too`` its error
    output) written into a pipe whose reader has gone, as `| true` leaves it; its standard
    error is captured otherwise."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            command,
            cwd=folder,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=write,
            stderr=write if errors_too else subprocess.PIPE,
            text=True,
            timeout=300,
        )
    finally:
        os.close(write)


def _finished(run: Path) -> bool:
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    return record["status"] == "finished" and (run / "kpis.json").exists()


@pytest.mark.parametrize("entry", ["module", "script"])
def test_a_run_whose_output_reader_has_gone_finishes_its_files(tmp_path, entry):
    command = (
        [sys.executable, "-m", "sim"]
        if entry == "module"
        else [os.path.join(os.path.dirname(sys.executable), "sim")]
    )
    run = tmp_path / "run"
    proc = _into_a_closed_pipe(
        [*command, "simulate", *QUICK, "progress=false", f"hydra.run.dir={run}"], tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "could not build the report" not in proc.stderr
    assert _finished(run)
    assert (run / "report.html").stat().st_size > 0


def test_a_run_whose_error_output_reader_has_gone_finishes_its_files(tmp_path):
    """``2>&1 | true``: the progress bar (standard error) met the closed pipe and the run ended
    at once, silently, with no results and its record "running" (QA retest21 #7)."""
    run = tmp_path / "run"
    command = [sys.executable, "-m", "sim", "simulate", *QUICK, "progress=true"]
    proc = _into_a_closed_pipe([*command, f"hydra.run.dir={run}"], tmp_path, errors_too=True)
    assert proc.returncode == 0
    assert _finished(run)
    assert (run / "report.html").stat().st_size > 0


def test_a_sweep_whose_output_reader_has_gone_logs_no_traceback(tmp_path):
    """``--multirun ... | true``: Hydra's launch lines ("#0 : ...") went through a logging
    handler that kept the original stream, and printed a "--- Logging error ---" traceback of
    the closed pipe (QA retest21 #8)."""
    sweep = tmp_path / "sweep"
    command = [sys.executable, "-m", "sim", "simulate", "--multirun", "seed=1,2", *QUICK]
    proc = _into_a_closed_pipe(
        [*command, "progress=false", "output.report=false", f"hydra.sweep.dir={sweep}"], tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "Logging error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert _finished(sweep / "0") and _finished(sweep / "1")
