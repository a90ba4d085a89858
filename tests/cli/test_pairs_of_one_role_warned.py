"""A step done by two people of one role, with an odd headcount (QA cost17 #5): 3 clerks, a
1 h step of two clerks, a case every 4 h (42 a week) in 40 office hours. Only one pair can work
at a time, 40 cases a week: the run measures 66.7 % busy and its waits grow with the horizon,
and simulate said nothing. It must warn before the run and in ``kpis.json``, and suggest 4
clerks (two pairs), with which the warning goes."""

from __future__ import annotations

import json

import pytest

from tests.simcli import QUICK_SIMULATE, run_sim

TWO = """
schema_version: 1
name: cost_two
time_unit: hours
start_date: "2026-01-05T00:00:00"
start: work
arrivals:
  interarrival: {dist: fixed, value: 4}
calendars: {office: {weekdays: ["09:00-17:00"]}}
roles: {clerk: {headcount: 3, calendar: office, hourly_cost: 50}}
steps:
  work:
    roles: [clerk, clerk]
    duration: {dist: fixed, value: 1}
    cost: 10
    next: done
ends:
  done: {success: true, value: 1000}
"""


def _simulate(tmp_path, name: str, *extra: str) -> tuple[dict, str]:
    model = tmp_path / "a_two.yaml"
    model.write_text(TWO, encoding="utf-8")
    run = tmp_path / name
    keys = {e.split("=", 1)[0] for e in extra}
    quick = [q for q in QUICK_SIMULATE if q.split("=", 1)[0] not in keys]
    res = run_sim("simulate", f"process={model}", *quick, *extra, f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    return json.loads((run / "kpis.json").read_text(encoding="utf-8")), res.stdout


def test_three_clerks_working_in_pairs_are_warned_of_and_given_a_fourth(tmp_path):
    # two weeks past a week's warm-up: the one pair's 40 cases a week, of 42 arriving
    report, out = _simulate(tmp_path, "three", "scenario.horizon_days=14", "scenario.warmup_days=7")
    busy = report["roles"][0]["utilisation"]["mean"]
    assert busy == pytest.approx(2 / 3, abs=0.01)  # 2 of 3 clerks: what the run can measure
    assert report["headline"]["throughput_per_week"]["mean"] == pytest.approx(40.0, abs=0.5)
    assert report["saturated_roles"] == [] and report["above_target_roles"] == []
    said = "105 % of the 80 h a week that 2 of its 3 people can work step 'work'"
    assert out.count(said) == 2  # before the run and after its report
    assert len(report["warnings"]) == 1 and said in report["warnings"][0]
    assert "scenario.staffing.clerk=4" in report["warnings"][0]
    suggestion = report["staffing_suggestion"]
    assert suggestion["staffing"] == {"clerk": 4}
    assert suggestion["offered_load"]["clerk"]["utilisation"] == pytest.approx(1.05)


def test_four_clerks_make_two_pairs_and_no_warning(tmp_path):
    report, out = _simulate(tmp_path, "four", "scenario.staffing.clerk=4")
    assert "does not keep up" not in out and "not keep up" not in out
    assert report["warnings"] == []
    assert "staffing_suggestion" not in report
