"""The arrival-volume note names the setting that differs (QA compare19 #6): a scenario that
changed only ``scenario.warmup_arrival_scale`` was noted as "the arrival volume
(scenario.arrival_scale, max_cases) of scenario.warmup_arrival_scale=1.3 differs"."""

from __future__ import annotations

import pandas as pd

from tests.simcli import run_sim


def _volume_note(notes: list[str]) -> str:
    found = [n for n in notes if "arrival volume" in n]
    assert len(found) == 1, notes
    return found[0]


def test_a_warm_up_only_change_names_warmup_arrival_scale(tmp_path):
    sweep = tmp_path / "s"
    res = run_sim(
        "--multirun",
        "process=mmc",
        "scenario.replications=3",
        "scenario.horizon_days=3",
        "scenario.warmup_days=1",
        "scenario.warmup_arrival_scale=1.0,1.3",
        "workers=1",
        "progress=false",
        "output.report=false",
        f"hydra.sweep.dir={sweep}",
    )
    assert res.returncode == 0, res.stderr
    md = (sweep / "comparison.md").read_text(encoding="utf-8")
    note = _volume_note(md.splitlines())
    assert "scenario.warmup_arrival_scale=1.3 against 1.0" in note
    assert "arrival_scale," not in note.replace("warmup_arrival_scale", "")
    assert "max_cases" not in note
    assert "scenario.warmup_arrival_scale=1.3 against 1.0" in res.stdout


def test_each_scenario_names_its_own_setting():
    from sim.report.compare import comparison_notes

    comparison = pd.DataFrame({"scenario": ["a", "b", "c"], "kpi": "x", "verdict": "changed"})
    scenarios = [
        {"label": "a", "baseline": True, "arrivals": {"arrival_scale": 1.0, "max_cases": None}},
        {"label": "b", "arrivals": {"arrival_scale": 1.2, "max_cases": None}},
        {"label": "c", "arrivals": {"arrival_scale": 1.0, "max_cases": 500}},
    ]
    note = _volume_note(comparison_notes(comparison, scenarios))
    assert "b (scenario.arrival_scale=1.2 against 1.0)" in note
    assert "c (scenario.max_cases=500 against null)" in note


def test_a_null_warm_up_scale_says_it_is_the_windows():
    """QA latefix19 #3: "warmup_arrival_scale=1.3 against null" left the reader to guess the
    baseline's warm-up ran at its arrival_scale, 1.0."""
    from sim.report.compare import comparison_notes

    comparison = pd.DataFrame({"scenario": ["a", "b"], "kpi": "x", "verdict": "changed"})
    same = {"arrival_scale": 1.0, "max_cases": None}
    scenarios = [
        {"label": "a", "baseline": True, "arrivals": same | {"warmup_arrival_scale": None}},
        {"label": "b", "arrivals": same | {"warmup_arrival_scale": 1.3}},
    ]
    note = _volume_note(comparison_notes(comparison, scenarios))
    assert "b (scenario.warmup_arrival_scale=1.3 against null (as arrival_scale, 1.0))" in note
