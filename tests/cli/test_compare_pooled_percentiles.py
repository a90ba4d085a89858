"""``simulate`` writes the cases of its pooled percentiles (``cycle_times.csv.gz``) without a
trace too, and ``compare`` compares the p90 cycle time as ``kpis.json`` gives it: every
replication's cases pooled, not each replication's p90 averaged."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from sim.kpis.stats import confidence_interval
from tests.simcli import run_sim

SMALL = (
    "scenario.replications=4",
    "scenario.horizon_days=5",
    "scenario.warmup_days=1",
    "workers=1",
    "progress=false",
    "seed=3",
)


def _simulate(tmp_path, name: str, *extra: str):
    run = tmp_path / name
    res = run_sim(*SMALL, "output.report=false", *extra, f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    return run


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Today's process and one with 20 % more arrivals, simulated once for this module."""
    folder = tmp_path_factory.mktemp("runs")
    return _simulate(folder, "base"), _simulate(folder, "more", "scenario.arrival_scale=1.2")


def test_compare_gives_kpis_json_pooled_p90_with_a_sectioning_interval(tmp_path, two_runs):
    base, more = two_runs
    assert not (base / "trace.csv.gz").exists()
    cases = pd.read_csv(base / "cycle_times.csv.gz")
    kpis = json.loads((base / "kpis.json").read_text())
    p90 = kpis["headline"]["cycle_time_p90"]["mean"]
    assert p90 == pytest.approx(np.quantile(cases["cycle_time_h"], 0.9), rel=1e-9)
    assert kpis["estimators"]["cycle_time_percentiles"] == "pooled"

    out = tmp_path / "cmp"
    res = run_sim("compare", f"runs=[{base},{more}]", f"hydra.run.dir={out}")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out / "comparison.csv")
    row = table[(table["kpi"] == "cycle_time_p90") & (table["scenario"] != table["scenario"][0])]
    (row,) = row.to_dict("records")
    more_p90 = json.loads((more / "kpis.json").read_text())["headline"]["cycle_time_p90"]["mean"]
    assert row["base"] == pytest.approx(p90, rel=1e-9)
    assert row["alt"] == pytest.approx(more_p90, rel=1e-9)
    assert row["diff"] == pytest.approx(more_p90 - p90, rel=1e-9)
    # the replications' paired differences give the half width, centred on the pooled change
    per_rep = [
        pd.read_csv(r / "replications.csv")["cycle_time_p90"].to_numpy() for r in (base, more)
    ]
    half = confidence_interval(per_rep[1] - per_rep[0])["half_width"]
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        (row["diff"] - half, row["diff"] + half), rel=1e-9
    )


def test_report_draws_the_cycle_times_of_a_run_without_a_trace(tmp_path):
    """The cases of the pooled percentiles are written without a trace: the report's
    cycle-time figure is drawn from them (the arrival heatmap still needs the trace), and its
    summary says which KPIs are pooled."""
    run = _simulate(tmp_path, "run", "output.report=true", "output.figures=true")
    assert not (run / "trace.csv.gz").exists()
    assert list((run / "report").glob("*_cycle_time_distribution.png"))
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "no arrival heatmap" in page and "no cycle-time distribution" not in page
    assert "except the pooled ones: the cycle-time percentiles are of every replication" in page


def test_a_run_of_an_earlier_version_is_compared_with_averaged_percentiles(tmp_path, two_runs):
    """A run whose kpis.json averaged each replication's percentiles (an earlier version's: no
    ``estimators``), even with a cycle_times.csv.gz, is compared as its kpis.json gave it, and
    so is every other run of the comparison, with a note (QA pooled24 #2, #3: one baseline
    read two p90s in one table, an old run's p90 another than its own kpis.json's)."""
    base = two_runs[0]
    old = shutil.copytree(two_runs[1], tmp_path / "old")
    kpis = json.loads((old / "kpis.json").read_text())
    del kpis["estimators"]
    (old / "kpis.json").write_text(json.dumps(kpis))
    out = tmp_path / "cmp"
    res = run_sim("compare", f"runs=[{base},{old}]", f"hydra.run.dir={out}")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out / "comparison.csv")
    rows = table[table["kpi"] == "cycle_time_p90"].set_index("scenario")
    averaged = [pd.read_csv(r / "replications.csv")["cycle_time_p90"].mean() for r in (base, old)]
    assert rows["base"].tolist() == pytest.approx([averaged[0]] * 2, rel=1e-9)
    assert rows["alt"].iloc[-1] == pytest.approx(averaged[1], rel=1e-9)
    assert "written by an earlier version" in res.stdout
    assert "written by an earlier version" in (out / "comparison.md").read_text()


def test_a_run_without_its_cycle_times_is_named_for_that_and_the_page_says_averaged(
    tmp_path, two_runs
):
    """QA retest24b #1, #2: a run of today's version without its cycle_times.csv.gz was said to
    be an earlier version's, and the compare page said "pooled" of averaged percentiles."""
    base = two_runs[0]
    lost = shutil.copytree(two_runs[1], tmp_path / "lost")
    (lost / "cycle_times.csv.gz").unlink()
    out = tmp_path / "cmp"
    res = run_sim("compare", f"runs=[{base},{lost}]", f"hydra.run.dir={out}")
    assert res.returncode == 0, res.stderr
    assert "no cycle_times.csv.gz" in res.stdout and "earlier version" not in res.stdout
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "percentiles each replication&#x27;s, averaged" in page or (
        "percentiles each replication's, averaged" in page
    )
    assert "cases pooled, as in kpis.json" not in page
    scenarios = json.loads((out / "scenarios.json").read_text())
    assert [s.get("percentiles") for s in scenarios if s["baseline"]] == ["averaged"]
