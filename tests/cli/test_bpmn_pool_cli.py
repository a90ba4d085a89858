"""``process.pool`` chooses the pool of a BPMN collaboration to simulate on the command line
(QA bpmn19 #3: two expanded pools were refused by process id, with no way to choose one)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.interchange.interchange_testkit import write
from tests.interchange.test_bpmn_two_pools import GOES_ON, PARAMS, TWO_POOLS
from tests.simcli import QUICK_SIMULATE, run_sim

CRM = Path(__file__).resolve().parents[2] / "configs" / "process" / "crm_sales.yaml"


def test_two_pools_are_refused_by_pool_name_with_the_option_to_choose(tmp_path):
    """Pools that cannot run as one case (the Supplier goes on after answering)."""
    path = write(tmp_path, "goes_on", GOES_ON, PARAMS)
    res = run_sim("simulate", f"process={path}", *QUICK_SIMULATE, f"hydra.run.dir={tmp_path / 'r'}")
    assert res.returncode != 0
    assert "pool 'Customer' (process 'Process_Customer')" in res.stderr
    assert "process.pool=Customer" in res.stderr and "Traceback" not in res.stderr


def test_process_pool_simulates_the_chosen_pool(tmp_path):
    path = write(tmp_path, "two_pools", TWO_POOLS, PARAMS)
    run = tmp_path / "run"
    res = run_sim(
        "simulate",
        f"process={path}",
        "process.pool=Customer",
        *QUICK_SIMULATE,
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    assert "note: pool 'Supplier' (process 'Process_Supplier') is not simulated" in res.stderr
    steps = {s["step"] for s in json.loads((run / "kpis.json").read_text())["steps"]}
    assert steps == {"Send request", "Quote received", "Decide on quote"}


def test_process_pool_is_refused_for_a_model_file_that_is_not_bpmn(tmp_path):
    res = run_sim(
        "simulate",
        f"process={CRM}",
        "process.pool=Customer",
        *QUICK_SIMULATE,
        f"hydra.run.dir={tmp_path / 'r'}",
    )
    assert res.returncode == 2
    assert "process.pool: only used with a BPMN process" in res.stderr
    assert "Traceback" not in res.stderr
