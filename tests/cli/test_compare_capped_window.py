"""compare judges a run capped by ``scenario.max_cases`` as measured otherwise than an uncapped
one (QA rt_engine F2): the cap ends the measurement window where it stops the arrivals, as a
shorter ``horizon_days`` would, so its changes are "changed", not "better" or "worse". An M/M/1
at 90 % capped at 57 cases (window ending near day 22 of 56) read its cycle time -10.0 h
"better" than the same model uncapped: the cap was taken for an arrival volume."""

from __future__ import annotations

import pandas as pd

from tests.simcli import run_sim

MEASURED = {"horizon_days": 42, "warmup_days": 14, "drain": True, "drain_days": None}


def _run(tmp_path, name, table, **scenario):
    from sim.cli.compare import SimulateRun

    settings = {**MEASURED, "arrival_scale": 1.0, "warmup_arrival_scale": None, "max_cases": None}
    return SimulateRun(
        tmp_path / name, table, "m.yaml", 0, len(table), [], scenario=settings | scenario
    )


BASE = pd.DataFrame({"cycle_time_mean": [30.0, 41.0, 52.0, 35.5, 44.0]})
QUICKER = BASE - 10.0  # what a window cut short reads on a queue still filling up


def _compared(runs):
    from sim.cli.compare import _Compared
    from sim.report.compare import comparison_notes

    c = _Compared.of(runs)
    verdicts = c.comparison.set_index(["scenario", "kpi"])["verdict"]
    return verdicts, comparison_notes(c.comparison, c.scenarios)


def test_a_capped_run_against_an_uncapped_one_is_measured_otherwise(tmp_path):
    runs = [_run(tmp_path, "nocap", BASE), _run(tmp_path, "cap57", QUICKER, max_cases=57)]
    verdicts, notes = _compared(runs)
    assert verdicts[("cap57", "cycle_time_mean")] == "changed"
    measured = [n for n in notes if n.startswith("measured otherwise")]
    assert len(measured) == 1 and "cap57 (scenario.max_cases=57 against null)" in measured[0]
    # a cap is no other demand: its rates per week are over its own window
    assert not any("arrival volume" in n for n in notes)


def test_the_same_cap_reached_at_another_volume_ends_another_window(tmp_path):
    """Under one cap, 20 % more arrivals reach it sooner: another window, not only more cases."""
    runs = [
        _run(tmp_path, "a", BASE, max_cases=500),
        _run(tmp_path, "b", QUICKER, max_cases=500, arrival_scale=1.2),
    ]
    verdicts, notes = _compared(runs)
    assert verdicts[("b", "cycle_time_mean")] == "changed"
    measured = [n for n in notes if n.startswith("measured otherwise")]
    assert len(measured) == 1 and "b (scenario.arrival_scale=1.2 against 1.0)" in measured[0]


def test_runs_under_the_same_cap_and_volume_keep_their_verdicts(tmp_path):
    runs = [_run(tmp_path, "a", BASE, max_cases=500), _run(tmp_path, "b", QUICKER, max_cases=500)]
    verdicts, notes = _compared(runs)
    assert verdicts[("b", "cycle_time_mean")] == "better"
    assert not any(n.startswith("measured otherwise") for n in notes)


def test_compare_of_simulate_runs_names_the_cap_as_another_measurement(tmp_path):
    small = [
        "process=mmc",
        "scenario.replications=4",
        "scenario.horizon_days=6",
        "scenario.warmup_days=1",
        "workers=1",
        "progress=false",
        "output.report=false",
    ]
    a, b, out = (tmp_path / n for n in ("a", "b", "out"))
    for run, extra in ((a, []), (b, ["scenario.max_cases=80"])):
        res = run_sim(*small, *extra, f"hydra.run.dir={run}")
        assert res.returncode == 0, res.stderr
    assert "scenario.max_cases=80 stopped the arrivals" in res.stdout  # it cut b's window
    res = run_sim("compare", f"runs=[{a},{b}]", f"hydra.run.dir={out}", "output.report=false")
    assert res.returncode == 0, res.stderr
    note = next(line for line in res.stdout.splitlines() if "measured otherwise" in line)
    assert "(scenario.max_cases=80 against null)" in note
    assert "arrival volume" not in res.stdout
    table = pd.read_csv(out / "comparison.csv")
    capped = table[table["scenario"] == "scenario.max_cases=80"]
    assert not capped.empty and not capped["verdict"].isin(["better", "worse"]).any()
