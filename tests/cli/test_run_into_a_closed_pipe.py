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
