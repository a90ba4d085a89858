"""A role offered more work than its hours gets a warning however little busy a run measures
it (QA retest14 #1): a case every 1.5 h (112 a week) through s1 (alpha, 1 h), a step needing
alpha, beta and gamma at once (0.4 h; beta on shift 08-13) and s3 (gamma, 0.8 h) offers alpha
156.8 h of its 150 and gamma 134.4 h of its 100. The step of three roles holds gamma's people,
uncounted, while it waits for the others, so a run measured alpha 78 % and gamma 10 % busy, the
cycle time grew with the horizon, and simulate said nothing and suggested no staffing."""

from __future__ import annotations

import json

import pytest

from sim.cli.simulate import offered_load_warning, staffing_suggestion
from sim.engine import run_replications
from sim.kpis import kpi_report, kpi_table
from sim.kpis.summary import roles_to_staff
from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.model.views import overload_warning, overloaded_roles, pre_run_warnings
from tests.simcli import run_sim


def _three(gamma: int = 2, *, alpha: int = 3) -> dict:
    return {
        "name": "three",
        "start": "s1",
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.5}},
        "calendars": {
            "office": {"weekdays": ["08:00-18:00"]},
            "mornings": {"weekdays": ["08:00-13:00"]},
        },
        "roles": {
            "alpha": {"headcount": alpha, "calendar": "office"},
            "beta": {"headcount": 2, "calendar": "mornings"},
            "gamma": {"headcount": gamma, "calendar": "office"},
        },
        "steps": {
            "s1": {"role": "alpha", "duration": {"dist": "exponential", "mean": 1.0}, "next": "j"},
            "j": {
                "roles": ["alpha", "beta", "gamma"],
                "duration": {"dist": "gamma", "mean": 0.4, "std": 0.2},
                "next": "s3",
            },
            "s3": {
                "role": "gamma",
                "duration": {"dist": "exponential", "mean": 0.8},
                "next": "done",
            },
        },
        "ends": {"done": {"success": True}},
    }


def test_the_pre_run_warning_names_every_role_offered_more_than_its_hours():
    model = from_dict(_three())
    assert overloaded_roles(model) == pytest.approx({"alpha": 156.8 / 150, "gamma": 1.344})
    text = overload_warning(model)
    assert text is not None
    for words in (
        "alpha (105 % of the 150 h a week its 3 people are on shift)",
        "gamma (134 % of the 100 h a week its 2 people are on shift)",
        "however low the utilisation a run measures",
        "scenario.staffing.alpha=4 scenario.staffing.gamma=4",
    ):
        assert words in text
    assert pre_run_warnings(model, Scenario()) == [text]
    # gamma=3 (QA's m5): alpha is still offered 104.5 % of its hours
    alone = overload_warning(from_dict(_three(3)))
    assert alone is not None and "alpha (105 %" in alone and "gamma" not in alone
    assert overload_warning(model, staffing={"alpha": 4, "gamma": 4}) is None
    scaled = overload_warning(model, arrival_scale=0.9)  # alpha 94 %, gamma 121 %
    assert scaled is not None and "gamma (121 %" in scaled and "alpha" not in scaled


def test_a_run_that_measures_the_roles_idle_still_warns_and_suggests_staff():
    model = from_dict(_three())
    scenario = Scenario(horizon_days=14, warmup_days=7, replications=2, drain=False)
    report = kpi_report(
        kpi_table(run_replications(model, scenario, seed=1, workers=1), model), model
    )
    busy = {r["role"]: r["utilisation"]["mean"] for r in report["roles"]}
    # what hid it: no role busy above the target, none saturated in shared hours
    assert busy["alpha"] < 0.85 and busy["gamma"] < 0.5
    assert report["saturated_roles"] == [] and report["above_target_roles"] == []
    assert report["saturated_in_shared_hours"] == {}
    suggestion = staffing_suggestion(model, scenario, report)
    assert suggestion is not None and suggestion["staffing"] == {"alpha": 4, "gamma": 4}
    assert suggestion["offered_load"]["gamma"]["utilisation"] == pytest.approx(1.344)
    report["staffing_suggestion"] = suggestion
    assert roles_to_staff(report) == ["alpha", "gamma"]  # the report's staffing paragraph
    assert offered_load_warning(report, model, scenario) == overload_warning(model)
    # a saturated role's warning names them already, in its one set of keys
    assert offered_load_warning({**report, "saturated_roles": ["alpha"]}, model, scenario) is None


def test_simulate_warns_before_the_run_and_in_kpis_json(tmp_path):
    path = tmp_path / "three.yaml"
    path.write_text(json.dumps(_three()))
    run = tmp_path / "run"
    args = ["simulate", f"process={path}", "scenario.replications=2", "scenario.warmup_days=7"]
    args += ["scenario.horizon_days=14", "progress=false", "output.report=false", "workers=1"]
    res = run_sim(*args, f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    kpis = json.loads((run / "kpis.json").read_text())
    (warning,) = [w for w in kpis["warnings"] if "offers fills more than the hours" in w]
    assert "alpha (105 %" in warning and "gamma (134 %" in warning
    assert res.stdout.index(warning) < res.stdout.index("replications, 95 % confidence")
    assert kpis["staffing_suggestion"]["staffing"] == {"alpha": 4, "gamma": 4}
