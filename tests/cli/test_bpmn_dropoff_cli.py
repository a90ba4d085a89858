"""``process.dropoff`` names a BPMN model's drop-off ends on the command line (QA bpmn19 #2:
Loan_Application's rejected and cancelled cases all counted as successes, 0 % drop-off)."""

from __future__ import annotations

import json

from tests.simcli import run_sim

LOAN = "synth_loan_application/Loan_Application"
QUICK = (
    "scenario.replications=2",
    "scenario.horizon_days=10",
    "scenario.warmup_days=2",
    "workers=1",
    "progress=false",
    "output.report=false",
)


def _dropoff(shared_data, tmp_path, *extra: str) -> float:
    res = run_sim(
        "simulate",
        f"process={shared_data / LOAN}.bpmn",
        f"process.params={shared_data / LOAN}.json",
        *extra,
        *QUICK,
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert res.returncode == 0, res.stderr
    assert "end events:" in res.stderr  # the note saying how each end was classed
    kpis = json.loads((tmp_path / "run" / "kpis.json").read_text())
    return kpis["headline"]["dropoff_rate"]["mean"]


def test_named_dropoff_ends_are_lost_cases(shared_data, tmp_path):
    # the data README: 502 of 1,000 cases rejected and 167 cancelled
    rate = _dropoff(
        shared_data, tmp_path, "process.dropoff=[Reject application,Cancel application]"
    )
    assert 0.45 < rate < 0.85


def test_dropoff_is_refused_for_a_model_that_is_not_bpmn(tmp_path):
    res = run_sim(
        "simulate",
        "process.dropoff=[x]",
        *QUICK,
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert res.returncode == 2
    assert "process.dropoff" in res.stderr and "Traceback" not in res.stderr
