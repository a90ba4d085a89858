"""recommendations.md names the roles a recommended redesign still pays with no work (QA crmseg:
recommendation 1 merged away sales_dev's only step, kept sales_dev=1 and said nothing)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from sim.engine import run_replication
from sim.kpis.summary import replication_kpis
from sim.model import from_dict
from sim.model.process import ProcessModel
from sim.model.scenario import Scenario
from sim.optimize import Objective
from sim.optimize.confirm import Candidate
from sim.optimize.outputs import idle_roles, recommendations_markdown

OBJECTIVES = (Objective("cycle_time_mean"),)


def redesigned() -> ProcessModel:
    """clerk does work -> gate {done 1.0, audit 0.0}; audit by auditor (a step no case reaches);
    sales_dev (2 people, 30 an hour) has no step left at all."""
    return from_dict(
        {
            "name": "tiny",
            "start": "work",
            "arrivals": {"interarrival": {"dist": "fixed", "value": 5.0}},
            "roles": {
                "clerk": {"headcount": 1, "hourly_cost": 50},
                "sales_dev": {"headcount": 2, "hourly_cost": 30},
                "auditor": {"headcount": 1, "hourly_cost": 0},
            },
            "steps": {
                "work": {"role": "clerk", "duration": {"dist": "fixed", "value": 1}, "next": "gate"},
                "audit": {"role": "auditor", "duration": {"dist": "fixed", "value": 1},
                          "next": "done"},
            },
            "decisions": {"gate": {"branches": {"done": 1.0, "audit": 0.0}}},
            "ends": {"done": {"success": True}},
        }
    )  # fmt: skip


def candidate(rank: int, verdict: str) -> Candidate:
    comparison = pd.DataFrame(
        {"base": [10.0], "alt": [8.0], "diff": [-2.0], "ci_low": [-3.0], "ci_high": [-1.0],
         "relative": [-0.2], "significant": [verdict == "better"]},
        index=["cycle_time_mean"],
    )  # fmt: skip
    return Candidate(
        trial=rank, choice={}, changes=["Merge 'a' and 'b'"], one_off_cost=0.0,
        search_values=[8.0], rank=rank, search_rank=rank, verdict=verdict, comparison=comparison,
    )  # fmt: skip


def markdown(models: dict[int, ProcessModel] | None) -> str:
    return recommendations_markdown(
        model_name="tiny",
        candidates=[candidate(1, "better"), candidate(2, "worse")],
        baseline=pd.DataFrame({"cycle_time_mean": [10.0]}),
        objectives=OBJECTIVES,
        constraints=(),
        confirm_replications=4,
        n_trials=3,
        simulations=12,
        models=models,
    )


def test_roles_without_work_are_found_with_their_cost_per_case() -> None:
    found = {r["role"]: r for r in idle_roles(redesigned())}
    assert sorted(found) == ["auditor", "sales_dev"]
    assert not found["sales_dev"]["has_steps"] and found["auditor"]["has_steps"]
    # 2 people x 168 h x 30 over 168 / 5 = 33.6 cases a week
    assert found["sales_dev"]["cost_per_case"] == pytest.approx(300.0)
    assert found["auditor"]["cost_per_case"] is None  # no hourly cost: unknown


def test_the_cost_per_case_follows_the_scenarios_arrivals_and_staffing() -> None:
    """QA3: at half the arrivals an idle role costs twice as much per case."""
    half = Scenario(arrival_scale=0.5, staffing={"sales_dev": 1})
    found = {r["role"]: r for r in idle_roles(redesigned(), half)}
    assert found["sales_dev"]["headcount"] == 1
    assert found["sales_dev"]["cost_per_case"] == pytest.approx(300.0)  # half the people, x2


def test_recommended_redesign_names_its_idle_roles_and_how_to_leave_them_out() -> None:
    md = markdown({1: redesigned(), 2: redesigned()})
    recommended, _, rest = md.partition("## Tried, not recommended")
    assert (
        "**Paid with no work:** sales_dev (2 people; no step of this redesign needs it; "
        "about 300.00 per case)" in recommended
    )
    assert "auditor (1 person; its steps are in the model but no case reaches them)" in recommended
    assert "`scenario.staffing.sales_dev=0` leaves it out" in recommended
    assert "best/1.yaml" in recommended
    assert "Paid with no work" not in rest  # only recommended redesigns get the advice


def test_no_paragraph_when_every_role_works() -> None:
    m = redesigned()
    busy = dataclasses.replace(m, roles={"clerk": m.roles["clerk"]}, steps={"work": m.steps["work"]},
                               decisions={}, start="work")  # fmt: skip
    busy = dataclasses.replace(
        busy, steps={"work": dataclasses.replace(m.steps["work"], next="done")}
    )
    assert idle_roles(busy) == []
    assert "Paid with no work" not in markdown({1: busy})


def test_the_cost_per_case_said_is_what_leaving_them_out_saves_in_a_simulation() -> None:
    m = redesigned()
    without = dataclasses.replace(
        m, roles={**m.roles, "sales_dev": dataclasses.replace(m.roles["sales_dev"], headcount=0)}
    )
    sc = Scenario(horizon_days=60, warmup_days=5, replications=1)
    cost = [
        replication_kpis(run_replication(x, sc, seed=2), x)["cost_per_case"] for x in (m, without)
    ]
    said = next(r for r in idle_roles(m) if r["role"] == "sales_dev")["cost_per_case"]
    # fixed arrivals: only the cases at the window's edges make the measured count differ
    assert cost[0] - cost[1] == pytest.approx(said, rel=0.02)
