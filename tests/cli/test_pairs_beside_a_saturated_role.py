"""With another role saturated, a role bound by a step that takes two of its people at once is
said not to keep up, not to be starved (QA cost17 #5; patch to sim/cli/simulate.py)."""

from __future__ import annotations

import json

from tests.simcli import run_sim

MODEL = """
schema_version: 1
name: cost_two_boss
time_unit: hours
start_date: "2026-01-05T00:00:00"
start: work
arrivals:
  interarrival: {dist: fixed, value: 4}
calendars: {office: {weekdays: ["09:00-17:00"]}}
roles:
  clerk: {headcount: 3, calendar: office, hourly_cost: 50}
  boss: {headcount: 1, calendar: office, hourly_cost: 80}
steps:
  work:
    roles: [clerk, clerk]
    duration: {dist: fixed, value: 1}
    next: sign
  sign:
    role: boss
    duration: {dist: fixed, value: 1}
    next: done
ends:
  done: {success: true, value: 1000}
"""


def test_the_pairs_beside_a_saturated_boss_are_said_not_to_keep_up(tmp_path):
    model = tmp_path / "two_roles.yaml"
    model.write_text(MODEL, encoding="utf-8")
    run = tmp_path / "run"
    res = run_sim(
        "simulate",
        f"process={model}",
        "scenario.horizon_days=14",
        "scenario.warmup_days=7",
        "scenario.replications=1",
        "workers=1",
        "progress=false",
        "output.report=false",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    report = json.loads((run / "kpis.json").read_text(encoding="utf-8"))
    assert report["saturated_roles"] == ["boss"]
    text = report["warnings"][0]
    assert (
        "clerk is busy 66.7 % of its scheduled hours (3 people), but the work offered fills 105 %"
        in text
    )
    assert "clerk is not saturated now" not in text
    assert report["staffing_suggestion"]["offered_load"]["clerk"]["bound_by"] == "together"
