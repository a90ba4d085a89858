"""A joblib sweep's jobs record the command line as typed. QA determinism18: a launcher's worker
runs its jobs without ``main()``, so run.json's ``argv`` was the rewritten ``sys.argv``: no
subcommand, ``++`` before overrides nobody typed; pasted back, it ran another command."""

from __future__ import annotations

import json

from tests.simcli import run_sim

TYPED = [
    "simulate",
    "--multirun",
    "hydra/launcher=joblib",
    "hydra.launcher.n_jobs=2",
    "process=mmc",
    "progress=false",
    "output.report=false",
    "scenario.replications=2",
    "scenario.horizon_days=2",
    "scenario.staffing.server=2,3",
]


def test_each_joblib_job_records_the_command_line_as_typed(tmp_path):
    s = tmp_path / "s"
    done = run_sim(*TYPED, f"hydra.sweep.dir={s}")
    assert done.returncode == 0, done.stderr
    for job in ("0", "1"):
        record = json.loads((s / job / "run.json").read_text(encoding="utf-8"))
        assert record["argv"] == ["python", "-m", "sim", *TYPED, f"hydra.sweep.dir={s}"]
        assert record["command"] == "simulate"
        # the job's own overrides, as Hydra applied them
        assert any(
            o.endswith(f"scenario.staffing.server={2 + int(job)}") for o in record["overrides"]
        )
