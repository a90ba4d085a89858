"""``python -m sim simulate ... | true``: the reader of the run's output has gone before the run
prints. The run ended on a Hydra traceback (BrokenPipeError) with its record left "running",
or, a moment later, said falsely that its report could not be built (QA coderev21 #1). Its
results go to files: it now finishes them, and its record, quietly."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.parametrize("entry", ["module", "script"])
def test_a_run_whose_output_reader_has_gone_finishes_its_files(tmp_path, entry):
    read, write = os.pipe()
    os.close(read)  # as `| true` does: nobody reads what the run prints
    command = (
        [sys.executable, "-m", "sim"]
        if entry == "module"
        else [os.path.join(os.path.dirname(sys.executable), "sim")]
    )
    run = tmp_path / "run"
    proc = subprocess.run(
        [
            *command,
            "simulate",
            "scenario.replications=2",
            "scenario.horizon_days=7",
            "scenario.warmup_days=1",
            "workers=1",
            "progress=false",
            f"hydra.run.dir={run}",
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=write,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
    )
    os.close(write)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "could not build the report" not in proc.stderr
    assert json.loads((run / "run.json").read_text(encoding="utf-8"))["status"] == "finished"
    assert (run / "report.html").stat().st_size > 0 and (run / "kpis.json").exists()


def _closed_pipe() -> int:
    """The write end of a pipe whose reader has gone."""
    read, write = os.pipe()
    os.close(read)
    return write


def test_a_run_whose_error_output_reader_has_gone_finishes_its_files(tmp_path):
    """``2>&1 | true``: the progress bar (standard error) met the closed pipe and the run ended
    at once, silently, with no results and its record "running" (QA retest21 #7)."""
    write = _closed_pipe()
    run = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "simulate", "scenario.replications=2",
         "scenario.horizon_days=7", "scenario.warmup_days=1", "workers=1", "progress=true",
         f"hydra.run.dir={run}"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=write,
        stderr=write,
        timeout=300,
    )  # fmt: skip
    os.close(write)
    assert proc.returncode == 0
    assert json.loads((run / "run.json").read_text(encoding="utf-8"))["status"] == "finished"
    assert (run / "report.html").stat().st_size > 0 and (run / "kpis.json").exists()


def test_a_sweep_whose_output_reader_has_gone_logs_no_traceback(tmp_path):
    """``--multirun ... | true``: Hydra's launch lines ("#0 : ...") went through a logging
    handler that kept the original stream, and printed a "--- Logging error ---" traceback of
    the closed pipe (QA retest21 #8)."""
    write = _closed_pipe()
    sweep = tmp_path / "sweep"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "simulate", "--multirun", "seed=1,2",
         "scenario.replications=1", "scenario.horizon_days=3", "scenario.warmup_days=1",
         "workers=1", "progress=false", "output.report=false", f"hydra.sweep.dir={sweep}"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=write,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
    )  # fmt: skip
    os.close(write)
    assert proc.returncode == 0, proc.stderr
    assert "Logging error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    for job in ("0", "1"):
        record = json.loads((sweep / job / "run.json").read_text(encoding="utf-8"))
        assert record["status"] == "finished"
