"""A KPI objective on a step of the model that few cases reach (``waiting_mean:x``, 3 % of the
cases or fewer) is a valid name, though the one replication the names are checked against may
not have reached the step. QA: it was refused saying "the model has no step 'x'". Where no case
reached the step, the KPI is undefined: a trial without a value is pruned saying so, and a
comparison with no replication of values on both sides says that, not "+nan"."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from sim.model import from_dict
from sim.optimize.objectives import check_kpi_names, model_kpi_names
from sim.optimize.outputs import _fmt_change
from tests.simcli import run_sim

RARE = {
    "name": "rare",
    "start": "a",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
    "roles": {"r1": {"headcount": 2}, "r2": {"headcount": 1}},
    "steps": {
        "a": {"role": "r1", "duration": {"dist": "exponential", "mean": 1.6}, "next": "d"},
        "x": {"role": "r2", "duration": {"dist": "exponential", "mean": 3.0}, "next": "done"},
    },
    "decisions": {"d": {"branches": {"x": 0.0001, "done": 0.9999}}},
    "ends": {"done": {"success": True}},
}


def _optimize(tmp_path, objective: str):
    model = tmp_path / "rare.yaml"
    model.write_text(yaml.safe_dump(RARE), encoding="utf-8")
    return run_sim(
        "optimize",
        f"process={model}",
        "redesign=staffing",
        f"optimizer.objectives=[{{kpi: {objective}}},{{kpi: headcount}}]",
        "optimizer=random",
        "optimizer.n_trials=3",
        "optimizer.replications=2",
        "optimizer.min_replications=2",
        "optimizer.confirm_replications=2",
        "optimizer.top_k=1",
        "optimizer.ablate_top=0",
        "scenario.horizon_days=1",
        "scenario.warmup_days=0",
        "workers=1",
        "progress=false",
        "output.report=false",
        f"hydra.run.dir={tmp_path / 'run'}",
    )


def test_a_step_no_case_reached_is_a_valid_objective_and_its_trials_say_why(tmp_path):
    res = _optimize(tmp_path, "waiting_mean:x")
    assert res.returncode == 0, res.stderr
    trials = pd.read_csv(tmp_path / "run" / "trials.csv")
    assert (trials["state"] == "PRUNED").all(), trials
    assert trials["refused"].str.contains("no case reached step 'x'").all(), trials["refused"]


def test_a_step_the_model_lacks_is_refused_as_before(tmp_path):
    res = _optimize(tmp_path, "waiting_mean:zz")
    assert res.returncode == 2
    assert (
        "unknown KPI 'waiting_mean:zz': the model has no step 'zz'; waiting_mean:<step> is "
        "defined for the steps ['a', 'x']"
    ) in res.stderr
    assert not (tmp_path / "run" / "trials.csv").exists()


@pytest.mark.parametrize(
    "name",
    ["waiting_mean:x", "processing_mean:x", "waiting_share:x", "reached:x", "dropoff_at:x"],
)
def test_every_per_step_name_of_every_step_is_valid(name):
    model = from_dict(RARE)
    known = ["cycle_time_mean", "waiting_mean:a", *model_kpi_names(model)]
    check_kpi_names([name, "utilisation:r2", "outcome_share:done"], known, key="k")


def test_a_comparison_without_a_pair_of_values_says_so_not_nan():
    row = pd.Series({"diff": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"), "n": 0})
    assert _fmt_change("waiting_mean:x", row, 20) == "- (no replication has a value on both sides)"
    row = pd.Series({"diff": -0.07, "ci_low": -0.17, "ci_high": 0.04, "n": 10, "relative": -1.0})
    text = _fmt_change("waiting_mean:x", row, 20)
    assert (
        text == "-0.07 (-100.0 %) [-0.17, +0.04] (10 of 20 replications with a value on both sides)"
    )
