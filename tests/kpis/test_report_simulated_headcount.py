"""``kpi_report`` shows each role's headcount the replications were simulated with (QA, library
use: ``Scenario(staffing={"legal": 2})`` reported "legal 1", the model's, next to the
utilisation measured with 2)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.engine import run_replications
from sim.kpis import format_report, kpi_report, kpi_table
from sim.model import load
from sim.model.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
SHORT = Scenario(horizon_days=5, warmup_days=1, replications=2)


def _headcounts(report):
    return {r["role"]: r["headcount"] for r in report["roles"]}


def test_the_scenarios_staffing_is_the_headcount_shown(tmp_path):
    model = load(ROOT / "configs/process/crm_sales.yaml")
    assert model.roles["legal"].headcount == 1
    sc = Scenario(horizon_days=5, warmup_days=1, replications=2, staffing={"legal": 2})
    table = kpi_table(run_replications(model, sc, seed=7, workers=1), model)
    assert table.attrs["staffing"]["legal"] == 2
    report = kpi_report(table, model)
    assert _headcounts(report)["legal"] == 2
    assert _headcounts(report)["sales_dev"] == model.roles["sales_dev"].headcount
    legal = [line for line in format_report(report).splitlines() if "legal" in line]
    assert legal and legal[0].split()[:2] == ["legal", "2"]
    # headcount= given (as the command line does) wins
    given = {r: 9 for r in model.roles}
    assert set(_headcounts(kpi_report(table, model, headcount=given)).values()) == {9}
    # a table read back from replications.csv has no record of it: the model's
    table.to_csv(tmp_path / "replications.csv", index=False)
    read = pd.read_csv(tmp_path / "replications.csv")
    assert _headcounts(kpi_report(read, model))["legal"] == 1


def test_the_models_own_staffing_is_shown_without_a_scenario_staffing():
    model = load(ROOT / "configs/process/crm_sales.yaml")
    table = kpi_table(run_replications(model, SHORT, seed=7, workers=1), model)
    assert _headcounts(kpi_report(table, model)) == {
        r.name: r.headcount for r in model.roles.values()
    }
