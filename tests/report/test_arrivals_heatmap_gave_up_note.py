"""The simulate report's arrival heatmap is drawn from the simulated event log, which has no row
for a case that gave up waiting at its first step: on a model with patience there it showed 144
cases a week of the 336 that arrived, and said nothing (QA arrivals17 #1). The report says so."""

from __future__ import annotations

import yaml

from tests.simcli import run_sim

MODEL = {
    "name": "impatient callers",
    "start": "call",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 0.5}},
    "calendars": {"office": {"weekdays": ["09:00-17:00"]}},
    "roles": {"agent": {"headcount": 2, "calendar": "office"}},
    "steps": {
        "call": {
            "role": "agent",
            "duration": {"dist": "exponential", "mean": 0.5},
            "patience": {"dist": "exponential", "mean": 0.5},
            "next": "done",
        }
    },
    "ends": {"done": {"success": True}},
}


def _report(tmp_path, name: str, model: dict) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(model), encoding="utf-8")
    run = tmp_path / name
    res = run_sim(
        "simulate",
        f"process={path}",
        "scenario.replications=2",
        "scenario.horizon_days=7",
        "scenario.warmup_days=0",
        "workers=1",
        "progress=false",
        "output.trace=true",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    return (run / "report.html").read_text(encoding="utf-8")


def test_cases_that_gave_up_at_their_first_step_are_said_to_be_left_out(tmp_path):
    html = _report(tmp_path, "impatient", MODEL)
    assert "a case that gave up waiting at its first step has no row in it" in html


def test_no_note_where_nobody_gives_up(tmp_path):
    patient = yaml.safe_load(yaml.safe_dump(MODEL))
    del patient["steps"]["call"]["patience"]
    html = _report(tmp_path, "patient", patient)
    assert "gave up waiting at its first step" not in html
