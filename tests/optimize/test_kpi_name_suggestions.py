"""An unknown objective or constraint KPI is refused with the near name (``did_you_mean``) and,
for a step's or role's KPI, the model's steps or roles. QA: ``cycle_time_maen``,
``waiting_mean:contract_reviw`` and ``utilisation:legl`` got the list of plain KPIs only."""

from __future__ import annotations

import pytest

from sim.errors import ConfigError
from sim.optimize.objectives import check_kpi_names
from tests.optimize.conftest import quick_search_args
from tests.simcli import run_sim

KNOWN = [
    "cycle_time_mean",
    "cost_per_case",
    "dropoff_rate",
    "waiting_mean:contract_review",
    "waiting_mean:signing",
    "queue_share:signing",
    "utilisation:legal",
    "utilisation:pricing",
    "segment:key_account:cycle_time_mean",
    "segment:small_business:cycle_time_mean",
]


def _refusal(name: str) -> str:
    with pytest.raises(ConfigError) as err:
        check_kpi_names([name], KNOWN, key="optimizer.objectives")
    return str(err.value)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("cycle_time_maen", "unknown KPI 'cycle_time_maen' (did you mean 'cycle_time_mean'?)"),
        (
            "waiting_mean:contract_reviw",
            "unknown KPI 'waiting_mean:contract_reviw': the model has no step 'contract_reviw' "
            "(did you mean 'contract_review'?); waiting_mean:<step> is defined for the steps "
            "['contract_review', 'signing']",
        ),
        (
            "utilisation:legl",
            "unknown KPI 'utilisation:legl': the model has no role 'legl' (did you mean "
            "'legal'?); utilisation:<role> is defined for the roles ['legal', 'pricing']",
        ),
        ("waiting_maen:signing", "(did you mean 'waiting_mean:signing'?)"),
        (
            "segment:key_acount:cycle_time_mean",
            "(did you mean 'segment:key_account:cycle_time_mean'",
        ),
    ],
)
def test_a_misspelt_kpi_gets_the_near_name(name, says):
    assert says in _refusal(name)


def test_a_name_near_nothing_gets_the_list_only():
    said = _refusal("speed")
    assert "did you mean" not in said and "valid KPIs are ['cost_per_case'" in said


def test_the_command_names_the_steps_of_a_misspelt_step_kpi(tmp_path):
    res = run_sim(
        "optimize",
        "process=crm_sales",
        "optimizer.objectives=[{kpi: waiting_mean:contract_reviw}]",
        f"hydra.run.dir={tmp_path / 'run'}",
        "optimizer.n_trials=1",
        "scenario.horizon_days=2",
        "progress=false",
    )
    assert res.returncode == 2
    assert "(did you mean 'contract_review'?)" in res.stderr
    assert "'quote_approval'" in res.stderr and "Traceback" not in res.stderr


def test_a_drop_off_at_a_step_no_case_left_from_is_a_valid_objective(tmp_path):
    """A replication names only the steps cases dropped off at (in the tiny model, none); the
    command knows the others too (the search counts them as 0), so such a name is valid."""
    args = quick_search_args(tmp_path, 1)
    res = run_sim(
        *args,
        "optimizer.objectives=[{kpi: dropoff_at:review}]",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert res.returncode == 0, res.stderr
    assert "dropoff_at:review" in (tmp_path / "run" / "trials.csv").read_text()
