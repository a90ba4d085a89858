"""A case segment's KPI as an optimize objective or constraint (``segment:<segment>:<kpi>``):
a manager may search staffing for the key accounts' cycle time, not the average case's."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine import run_replication
from sim.errors import ConfigError
from sim.kpis import replication_kpis
from sim.kpis.summary import replication_segment_kpis
from sim.model import load
from sim.model.scenario import Scenario
from sim.optimize import Evaluator, Objective
from sim.optimize.objectives import check_kpi_names, uses_segment_kpis
from sim.redesign import SearchSpace

CRM = Path(__file__).resolve().parents[2] / "configs" / "process" / "crm_sales.yaml"
KEY = "segment:key_account:cycle_time_mean"


class _Job:
    def __init__(self, *kpis: str) -> None:
        self.objectives = tuple(Objective(k) for k in kpis)
        self.constraints = ()


def test_only_a_search_that_names_a_segment_kpi_computes_them():
    assert uses_segment_kpis(_Job(KEY, "headcount"))
    assert not uses_segment_kpis(_Job("cycle_time_mean"))


@pytest.mark.parametrize("by_segment", [True, False])
def test_the_evaluations_hold_the_segments_kpis_as_simulate_computes_them(by_segment):
    model = load(CRM)
    scenario = Scenario(horizon_days=14, warmup_days=2, replications=2)
    space = SearchSpace.from_dict({"staffing": {"legal": {"min": 1, "max": 2}}}, model)
    with Evaluator(
        model=model, space=space, scenario=scenario, seed=3, workers=1, segment_kpis=by_segment
    ) as ev:
        table = ev.table({"staffing:legal": 2}, 2)
    assert (KEY in table.columns) is by_segment
    if by_segment:
        redesigned = ev.redesigned({"staffing:legal": 2})
        trace = run_replication(redesigned, scenario, seed=3, replication=1)
        assert table.loc[1, KEY] == pytest.approx(replication_segment_kpis(trace)[KEY])


def test_an_unknown_kpi_names_the_segment_kpis_of_the_model():
    model = load(CRM)
    trace = run_replication(model, Scenario(horizon_days=7, warmup_days=0), seed=0)
    known = replication_kpis(trace, model) | replication_segment_kpis(trace)
    check_kpi_names([KEY], list(known), key="optimizer.objectives")
    with pytest.raises(
        ConfigError, match="per case segment .*'segment:key_account:cycle_time_mean'"
    ):
        check_kpi_names(["segment:vip:cycle_time_mean"], list(known), key="optimizer.objectives")


def test_a_segment_kpi_is_shown_in_its_kpis_unit():
    """Review 2026-12-05: a segment's drop-off rate 0.123 read '0.1' in recommendations.md."""
    from sim.kpis.units import kpi_unit
    from sim.optimize.outputs import _fmt

    assert kpi_unit("segment:key_account:dropoff_rate") == "%"
    assert kpi_unit("segment:a:b:cycle_time_mean") == "h"  # a segment name with ':'
    assert _fmt("segment:key_account:dropoff_rate", 0.123) == "12.3 %"
    assert _fmt(KEY, 101.57) == "101.6 h"
