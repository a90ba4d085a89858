"""QA rt28_engine F3 and F4: compare names only the measurement settings that change the
measurement (``drain_days`` under ``drain=false``, or at the value its null stands for, does
not), and optimize says the short-window note that simulate says of the same replications."""

from __future__ import annotations

import pandas as pd

BASE = {"horizon_days": 42, "warmup_days": 14, "drain": False, "drain_days": None}


def _runs(tmp_path, *scenarios):
    from sim.cli.compare import SimulateRun

    base = pd.DataFrame({"cycle_time_mean": [10.0, 11.0, 12.0, 10.5]})
    tables = [base] + [base - 4.0] * (len(scenarios) - 1)
    return [
        SimulateRun(tmp_path / f"r{i}", table, "m.yaml", 0, 4, [], scenario=scenario)
        for i, (table, scenario) in enumerate(zip(tables, scenarios, strict=True))
    ]


def test_drain_days_without_drain_or_at_its_default_is_no_other_measurement(tmp_path):
    """QA rt28_engine F3: drain_days=5 under drain=false, and drain_days=56 against null (warm-up
    + horizon, 56 days), measure what the baseline measures: judged, and no note."""
    from sim.cli.compare import _Compared
    from sim.report.compare import comparison_notes

    drained = BASE | {"drain": True}
    runs = _runs(
        tmp_path,
        BASE,
        BASE | {"drain_days": 5},
        drained | {"drain_days": 56},
    )
    compared = _Compared.of(runs, baseline=0)
    verdicts = compared.comparison.set_index("scenario")["verdict"]
    assert list(verdicts)[1] == "better"
    notes = comparison_notes(compared.comparison, compared.scenarios)
    assert not any("drain_days" in n for n in notes), notes

    # drained on both sides, a drain of another length is another measurement
    runs = _runs(tmp_path, drained, drained | {"drain_days": 56}, drained | {"drain_days": 5})
    compared = _Compared.of(runs, baseline=0)
    assert list(compared.comparison.set_index("scenario")["verdict"])[1:] == [
        "better",
        "changed",
    ]
    (note,) = [n for n in comparison_notes(compared.comparison, compared.scenarios) if "drain" in n]
    assert "scenario.drain_days=5 against null (warm-up + horizon, 56)" in note


def test_optimize_says_the_short_window_note_simulate_says():
    """QA rt28_engine F4: today's replications of an M/M/2 at 80 % (time constant about 3 days)
    whose windows a cap ends about a day after the warm-up get simulate's short-window note in
    optimize's baseline warning (console before the search, recommendations.md, report.html)."""
    from types import SimpleNamespace

    from sim.cli.optimize import baseline_warning
    from sim.engine import run_replication
    from sim.kpis import replication_kpis
    from sim.model import load
    from sim.model.scenario import Scenario
    from tests.conftest import CONFIGS

    model = load(CONFIGS / "process" / "mmc.yaml")
    scenario = Scenario(horizon_days=7, warmup_days=1, max_cases=60)
    table = pd.DataFrame(
        [
            {"replication": r}
            | replication_kpis(run_replication(model, scenario, seed=3, replication=r), model)
            for r in range(3)
        ]
    )
    said = baseline_warning(table, SimpleNamespace(scenario=scenario, model=model))
    assert said is not None and "scenario.max_cases=60 stopped the arrivals" in said
    assert "note: the measured windows are too short for steady-state figures" in said

    # a window of the whole horizon: no cap, no note
    scenario = Scenario(horizon_days=7, warmup_days=1)
    table = pd.DataFrame(
        [
            {"replication": r}
            | replication_kpis(run_replication(model, scenario, seed=3, replication=r), model)
            for r in range(2)
        ]
    )
    said = baseline_warning(table, SimpleNamespace(scenario=scenario, model=model)) or ""
    assert "too short" not in said
