"""``cycle_time_kpis`` gives, from ``cycle_times.csv.gz``, the cycle-time KPIs of ``kpis.json``:
the mean of the replications' means, the percentiles of every case pooled."""

import pytest

from sim.engine import run_replications
from sim.kpis import cycle_time_kpis, cycle_time_table, kpi_report, kpi_table
from sim.model import load
from sim.model.scenario import Scenario


def test_cycle_time_kpis_are_the_kpi_reports_headline(crm_path):
    model = load(crm_path)
    traces = run_replications(
        model, Scenario(horizon_days=10, warmup_days=2, replications=3), seed=2, workers=1
    )
    table = cycle_time_table(traces)
    headline = kpi_report(kpi_table(traces, model), model, cycle_times=table)["headline"]
    ours = cycle_time_kpis(table)
    for k in ("cycle_time_mean", "cycle_time_median", "cycle_time_p90", "cycle_time_p95"):
        assert ours[k] == pytest.approx(headline[k]["mean"], rel=1e-12)
    # without the cases the percentiles are each replication's, averaged, as before pooling
    averaged = kpi_report(kpi_table(traces, model), model)["headline"]
    assert averaged["cycle_time_p90"]["mean"] == pytest.approx(
        table.groupby("replication")["cycle_time_h"].quantile(0.9).mean(), rel=1e-12
    )
    assert ours["cycle_time_p90"] == pytest.approx(table["cycle_time_h"].quantile(0.9), rel=1e-12)
    assert ours["cycle_time_p90"] != pytest.approx(averaged["cycle_time_p90"]["mean"], rel=1e-6)
    assert ours["cycle_time_mean"] == pytest.approx(averaged["cycle_time_mean"]["mean"], rel=1e-12)
