"""The README's "From Python" recipe runs with the imports it names (QA rt_engine F7: it used
``Scenario(...)`` without saying where from, and ``from sim.model import Scenario`` failed)."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_recipe_runs_with_the_imports_it_names():
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "(`from sim.model import Scenario`)" in text
    from sim.engine import run_replications
    from sim.kpis import cycle_time_table, kpi_report, kpi_table
    from sim.model import Scenario, load

    model = load(Path(__file__).resolve().parents[2] / "configs" / "process" / "mmc.yaml")
    scenario = Scenario(horizon_days=3, warmup_days=1, replications=2)
    traces = run_replications(model, scenario, seed=1, workers=1)
    report = kpi_report(kpi_table(traces, model), model, cycle_times=cycle_time_table(traces))
    assert report["replications"] == 2
    assert report["headline"]["throughput_per_week"]["mean"] > 0
