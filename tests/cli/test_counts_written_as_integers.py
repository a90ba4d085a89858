"""Counts are written as integers: replications.csv said ``cases_arrived 233.0`` and kpis.json
``"n": 3.0`` (QA retest17; trials.csv was mended before)."""

from __future__ import annotations

import json

import pandas as pd

from tests.simcli import run_sim


def test_replications_csv_and_kpis_json_write_counts_as_integers(tmp_path):
    run = tmp_path / "run"
    done = run_sim(
        "simulate",
        "process=mmc",
        "scenario.replications=3",
        "scenario.horizon_days=3",
        "progress=false",
        "output.report=false",
        f"hydra.run.dir={run}",
    )
    assert done.returncode == 0, done.stderr
    header, first = (run / "replications.csv").read_text(encoding="utf-8").splitlines()[:2]
    row = dict(zip(header.split(","), first.split(","), strict=True))
    for name in ("cases_arrived", "cases_completed", "cases_dropped", "cases_in_progress"):
        assert row[name].isdigit(), (name, row[name])
    table = pd.read_csv(run / "replications.csv")
    assert (table["cases_arrived"] >= table["cases_completed"]).all()
    assert table["cycle_time_mean"].dtype == float  # the others stay as they are
    kpis = json.loads((run / "kpis.json").read_text(encoding="utf-8"))
    ns = [v["n"] for part in ("headline", "all") for v in kpis[part].values() if "n" in v]
    assert ns and all(type(n) is int and n == 3 for n in ns), ns
