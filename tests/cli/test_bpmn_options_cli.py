"""``process.pool`` / ``process.dropoff`` on the command line (QA retest19 #4, #5, #6): the
end-event note names ``process.dropoff=[...]``, a list given to ``process.pool`` is refused saying
it takes one pool (it was read as the name "['Customer']"), a misspelt pool gets "did you mean",
and the dropped pool's durations are not called a mismatch."""

from __future__ import annotations

from tests.interchange.interchange_testkit import write
from tests.interchange.test_bpmn_two_pools import PARAMS, TWO_POOLS
from tests.simcli import QUICK_SIMULATE, run_sim


def _simulate_two_pools(tmp_path, option: str):
    """``simulate`` of the two-pool BPMN written into ``tmp_path`` with ``option``."""
    path = write(tmp_path, "two_pools", TWO_POOLS, PARAMS)
    return run_sim(
        "simulate",
        f"process={path}",
        option,
        *QUICK_SIMULATE,
        f"hydra.run.dir={tmp_path / 'run'}",
    )


def test_pool_and_end_notes_on_the_command_line(tmp_path):
    res = _simulate_two_pools(tmp_path, "process.pool=Customer")
    assert res.returncode == 0, res.stderr
    assert "process.dropoff=[...] on the command line" in res.stderr
    assert "not tasks of the BPMN process" not in res.stderr
    assert "tasks ['S_Prepare', 'S_Send'] are not used: pool 'Supplier'" in res.stderr


def test_a_list_for_process_pool_is_refused_saying_it_takes_one(tmp_path):
    res = _simulate_two_pools(tmp_path, "process.pool=[Customer]")
    assert res.returncode == 2, res.stderr
    assert (
        "process.pool: takes one pool, by its pool name or process id (process.pool=Customer), "
        "got ['Customer']" in res.stderr
    )
    assert "Traceback" not in res.stderr


def test_a_misspelt_pool_gets_did_you_mean(tmp_path):
    res = _simulate_two_pools(tmp_path, "process.pool=customer")
    assert res.returncode != 0
    assert "pool='customer' names no pool (by pool name or process id) (did you mean " in (
        res.stderr
    )
    assert "Traceback" not in res.stderr


def test_bpmn_keys_on_a_bundled_model_say_they_are_for_bpmn(tmp_path):
    for key in ("process.dropoff=[lost]", "process.pool=Customer"):
        res = run_sim("simulate", "process=crm_sales", key, f"hydra.run.dir={tmp_path / 'r'}")
        assert res.returncode == 2
        name = key.split("=")[0]
        assert f"{name}: only used with a BPMN process (process=model.bpmn)" in res.stderr
        assert "Traceback" not in res.stderr
