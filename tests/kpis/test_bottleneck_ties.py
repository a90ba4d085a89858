"""The bottleneck names the steps it cannot be told from (QA: the seed chose among ties)."""

from __future__ import annotations

from sim.engine import run_replications
from sim.kpis import kpi_report, kpi_table
from sim.model.io import from_dict, to_dict
from sim.model.scenario import Scenario


def tandem(mean_a: float, mean_b: float):
    """Two one-person stations in a row, 24/7, Poisson arrivals at 1 per hour."""
    return from_dict(
        {
            "schema_version": 1,
            "name": "tandem",
            "start": "a",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
            "roles": {"ra": {"headcount": 1}, "rb": {"headcount": 1}},
            "steps": {
                "a": {
                    "role": "ra",
                    "duration": {"dist": "exponential", "mean": mean_a},
                    "next": "b",
                },
                "b": {
                    "role": "rb",
                    "duration": {"dist": "exponential", "mean": mean_b},
                    "next": "ok",
                },
            },
            "ends": {"ok": {"success": True}},
        }
    )


def bottleneck(model):
    scenario = Scenario.from_dict({"replications": 10, "horizon_days": 20, "warmup_days": 2})
    table = kpi_table(run_replications(model, scenario, seed=1, workers=1), model)
    return kpi_report(table, model)["bottleneck"]


def test_two_equal_stations_are_tied():
    b = bottleneck(tandem(0.7, 0.7))
    assert b["step"] in ("a", "b")
    assert b["tied_with"] == [{"a": "b", "b": "a"}[b["step"]]]


def test_a_clearly_busier_station_stands_alone():
    b = bottleneck(tandem(0.85, 0.3))
    assert b["step"] == "a" and b["tied_with"] == []


def test_the_roles_that_may_take_the_bottleneck_are_named_with_its_own():
    # a helper of another role takes a's cases when ra's person is busy (slowly): a stays
    # where cases queue, and the helper's utilisation is named beside ra's
    spec = to_dict(tandem(0.9, 0.3))
    spec["roles"]["helper"] = {"headcount": 1}
    spec["steps"]["a"]["alternatives"] = {"helper": {"duration": {"dist": "fixed", "value": 3}}}
    b = bottleneck(from_dict(spec))
    assert b["step"] == "a" and list(b["roles"]) == ["ra", "helper"]
    assert b["roles"]["helper"] > 0
