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
        ConfigError, match=r"per case segment \(\['key_account', 'small_business'\]\)"
    ):
        check_kpi_names(["segment:vip:cycle_time_mean"], list(known), key="optimizer.objectives")
    with pytest.raises(ConfigError, match="<kpi> one of .*'waiting_per_case'"):
        check_kpi_names(["segment:key_account:cycle_time_p90"], list(known), key="x")
    plain = replication_kpis(trace, model)  # as for a model of one segment
    with pytest.raises(ConfigError, match="the model has one segment: no per-segment KPIs"):
        check_kpi_names([KEY], list(plain), key="optimizer.objectives")


def test_a_segment_kpi_is_shown_in_its_kpis_unit():
    """Review 2026-12-05: a segment's drop-off rate 0.123 read '0.1' in recommendations.md."""
    from sim.kpis.units import kpi_unit
    from sim.optimize.outputs import _fmt

    assert kpi_unit("segment:key_account:dropoff_rate") == "%"
    assert kpi_unit("segment:a:b:cycle_time_mean") == "h"  # a segment name with ':'
    assert _fmt("segment:key_account:dropoff_rate", 0.123) == "12.3 %"
    assert _fmt(KEY, 101.57) == "101.6 h"


def test_a_recommended_redesigns_table_shows_its_segment_objectives_in_their_units():
    """QA4b: the key accounts' cycle time, the objective searched for, was left out of the
    candidate's table ('per-step rows'), and a segment's drop-off in the ablation read 0.10
    under a 'percentage points' footnote."""
    import pandas as pd

    from sim.optimize.confirm import Candidate
    from sim.optimize.outputs import recommendations_markdown

    drop = "segment:small_business:dropoff_rate"
    comparison = pd.DataFrame(
        {"base": [113.0, 0.60, 5.0], "alt": [79.1, 0.61, 4.0], "diff": [-33.9, 0.01, -1.0],
         "ci_low": [-37.8, 0.0, -2.0], "ci_high": [-30.0, 0.02, 0.0], "relative": [-0.3, 0.02, -0.2],
         "significant": [True, False, False]},
        index=[KEY, drop, "waiting_mean:legal"],
    )  # fmt: skip
    cand = Candidate(
        trial=1, choice={}, changes=["Merge 'a' and 'b'"], one_off_cost=0.0,
        search_values=[80.0, 0.6], rank=1, search_rank=1, verdict="better", comparison=comparison,
        ablation=[{"change": "Merge 'a' and 'b'", "role": "driver", "contribution": {
            KEY: {"improvement": 30.0, "ci_low": 25.0, "ci_high": 35.0, "significant": True},
            drop: {"improvement": 0.10, "ci_low": 0.07, "ci_high": 0.12, "significant": True},
        }}],
    )  # fmt: skip
    md = recommendations_markdown(
        model_name="crm",
        candidates=[cand],
        baseline=pd.DataFrame({KEY: [113.0], drop: [0.6]}),
        objectives=(Objective(KEY), Objective(drop)),
        constraints=(),
        confirm_replications=6,
        n_trials=24,
        simulations=100,
    )
    assert f"| {KEY} | 113.0 h | 79.1 h | -33.90" in md
    assert f"| {drop} | 60.0 % | 61.0 % | +1.00 pp" in md
    assert "waiting_mean:legal" not in md.split("What each change")[0]  # per-step rows stay out
    assert "+10.00 [+7.00, +12.00]" in md
