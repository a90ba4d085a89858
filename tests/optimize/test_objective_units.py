"""Every KPI an objective may name reads with a name and its unit in recommendations.md and on
the console.

QA rt_optim F5: objectives missing from the optimize outputs' ``LABELS`` printed under their
key and with no unit: "headcount 4.0", "waiting_per_case 0.961" (hours), "revenue_per_case
0.0", and money got a decimal (12,345.7 for 12,346).
"""

from __future__ import annotations

import pytest

from sim.kpis.units import kpi_unit
from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.optimize import Evaluator
from sim.optimize.objectives import DERIVED
from sim.optimize.outputs import LABELS, _fmt, _name
from sim.redesign import SearchSpace
from tests.optimize.conftest import TINY, TINY_SPACE


@pytest.fixture(scope="module")
def tiny_model_module():
    model = from_dict(TINY)
    return model, SearchSpace.from_dict(TINY_SPACE, model)


@pytest.fixture(scope="module")
def choosable(tiny_model_module) -> list[str]:
    """The KPIs an objective may name besides the per-step, per-role and per-segment ones: a
    replication's columns (``check_job_kpis`` takes them so) and the derived names."""
    model, space = tiny_model_module
    scenario = Scenario(horizon_days=1, warmup_days=0.25)
    with Evaluator(model=model, space=space, scenario=scenario, seed=1, workers=1) as ev:
        table = ev.table({}, 1)
    return [c for c in table.columns if c != "replication" and ":" not in c] + list(DERIVED)


def test_every_kpi_an_objective_may_name_has_a_name_and_a_unit(choosable):
    assert "headcount" in choosable and "waiting_per_case" in choosable
    unnamed = [k for k in choosable if k not in LABELS]
    assert unnamed == []
    assert [k for k in choosable if not LABELS[k][1]] == []  # each with its unit
    assert all(LABELS[k][1] == kpi_unit(k) for k in choosable)  # the units' one place


@pytest.mark.parametrize(
    ("kpi", "value", "name", "shown"),
    [
        ("headcount", 4.0, "headcount", "4 people"),
        ("waiting_per_case", 0.961, "waiting per case", "0.961 h"),
        ("revenue_per_case", 12345.7, "revenue per case", "12,346"),
        ("processing_cost_per_case", 0.0, "processing cost per case", "0"),
        ("throughput_per_day", 1.75, "throughput per day", "1.75 cases/day"),
        ("wip_mean", 3.25, "work in progress", "3.25 cases"),
        ("time_in_process", 120.0, "hours in the process", "120.0 h"),
    ],
)
def test_such_an_objective_reads_with_its_name_and_unit(kpi, value, name, shown):
    assert _name(kpi) == name
    assert _fmt(kpi, value) == shown
