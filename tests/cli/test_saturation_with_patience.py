"""The saturation warning of a role whose queue cases giving up hold down (QA patience16 #1).

A lead every 4 h (42 a week) reaches first_contact (sdr, 4 h, one person on shift 35 h a
week: 480 % of its hours), then needs_analysis (account_exec). With a patience of mean 24 h
on first_contact about 79 % of the leads give up (at least 1 - 1 / 4.8), sdr is busy all its
hours and its queue stops growing: the cycle time is the same at any horizon. The warning
said "queues grow for as long as cases arrive ... not steady-state figures", and never named
the loss. With a patience of mean 1,000,000 h nobody gives up and the queue does grow: that
warning stays.
"""

from __future__ import annotations

import json

import pytest

from sim.cli.simulate import saturation_warning
from sim.model import from_dict
from tests.simcli import run_sim

CRM = """
name: crm_patience
time_unit: hours
start_date: "2026-01-05T00:00:00"
start: first_contact
arrivals:
  interarrival: {{dist: exponential, mean: 4.0}}
calendars:
  office: {{weekdays: ["09:00-12:30", "13:30-17:00"]}}
roles:
  sdr: {{headcount: 2, calendar: office}}
  account_exec: {{headcount: 3, calendar: office}}
steps:
  first_contact:
    role: sdr
    duration: {{dist: lognormal, mean: 4.0, std: 1.0}}
    patience: {{dist: exponential, mean: {patience}}}
    next: needs_analysis
  needs_analysis:
    role: account_exec
    duration: {{dist: lognormal, mean: 1.5, std: 0.6}}
    next: done
ends:
  done: {{success: true}}
"""


def _simulate(tmp_path, name: str, patience: float, horizon: int) -> tuple[dict, str]:
    model = tmp_path / f"{name}.yaml"
    model.write_text(CRM.format(patience=patience), encoding="utf-8")
    run = tmp_path / name
    res = run_sim(
        "simulate",
        f"process={model}",
        "scenario.staffing.sdr=1",
        "scenario.replications=4",
        "scenario.warmup_days=7",
        f"scenario.horizon_days={horizon}",
        "seed=5",
        "progress=false",
        "output.report=false",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    return json.loads((run / "kpis.json").read_text(encoding="utf-8")), " ".join(res.stdout.split())


def test_a_saturated_role_held_down_by_abandonment_is_said_to_be_so(tmp_path):
    report, out = _simulate(tmp_path, "short", 24.0, 28)
    assert report["saturated_roles"] == ["sdr"]
    rate = report["headline"]["abandon_rate"]["mean"]
    assert rate >= 1 - 1 / 4.8 - 0.02  # the least loss the pre-run warning names (79 %)
    (warning,) = [w for w in report["warnings"] if "sdr is busy" in w]
    assert warning.startswith("warning: sdr is busy ")
    assert (
        "and cannot do all the work offered (the model's mean work fills 480 % of sdr's hours), "
        "but cases give up waiting at its steps (each has a patience), which holds its queue "
        f"down: {100 * rate:.0f} % of the cases abandoned (abandon_rate). Its queue does not "
        "grow for as long as cases arrive: cycle time and waiting are steady-state figures, but "
        "of a process that loses those cases. Add staff: scenario.staffing.sdr=6." in warning
    )
    assert "queues grow" not in warning and warning in out
    # what it says is so: twice the horizon, the same cycle time (within the CIs)
    longer, _ = _simulate(tmp_path, "short_longer", 24.0, 56)
    short = report["headline"]["cycle_time_mean"]
    long = longer["headline"]["cycle_time_mean"]
    assert long["mean"] == pytest.approx(short["mean"], rel=0.15)
    assert long["ci_low"] <= short["ci_high"] and short["ci_low"] <= long["ci_high"]


def test_a_patience_too_long_to_matter_keeps_the_growing_queue_warning(tmp_path):
    report, out = _simulate(tmp_path, "long", 1_000_000.0, 28)
    assert report["saturated_roles"] == ["sdr"]
    assert report["headline"]["abandon_rate"]["mean"] < 0.05
    assert "warning: the model is saturated: sdr is busy" in out
    assert "queues grow for as long as cases arrive" in out
    assert "holds its queue down" not in out
    # said before the run too: sdr's patience does not exempt it
    assert "the work the model offers fills more than the hours of sdr (480 %" in out


def _report(abandoned: float) -> dict:
    return {
        "saturated_roles": ["sdr", "clerk"],
        "roles": [
            {"role": "sdr", "headcount": 1, "utilisation": {"mean": 0.995}},
            {"role": "clerk", "headcount": 2, "utilisation": {"mean": 0.99}},
        ],
        "steps": [
            {"step": "call", "dropoff_at": {"mean": abandoned}},
            {"step": "file", "dropoff_at": {"mean": 0.0}},
        ],
        "all": {"abandon_rate": {"mean": abandoned}},
    }


def _two_roles() -> object:
    return from_dict(
        {
            "name": "two",
            "start": "call",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
            "roles": {"sdr": {"headcount": 1}, "clerk": {"headcount": 2}},
            "steps": {
                "call": {
                    "role": "sdr",
                    "duration": 2.0,
                    "patience": {"dist": "exponential", "mean": 8},
                    "next": "file",
                },
                "file": {"role": "clerk", "duration": 3.0, "next": "done"},
            },
            "ends": {"done": {"success": True}},
        }
    )


def test_only_the_roles_held_down_are_said_to_be_so_and_only_when_cases_gave_up():
    model = _two_roles()
    text = saturation_warning(_report(0.4), 28, model=model)
    assert text is not None
    assert text.startswith(
        "warning: the model is saturated: clerk is busy 99.0 % of its scheduled hours (2 "
        "people). Work arrives at least as fast as they can do it, so queues grow"
    )
    assert (
        "Sdr is busy 99.5 % of its scheduled hours (1 person), but cases give up waiting at its "
        "steps (each has a patience), which holds its queue down: 40 % of the cases abandoned "
        "(abandon_rate)." in text
    )
    assert "steady-state figures, but" not in text  # clerk's queue grows: no steady state
    # no abandonment measured, or no model: the saturation warning as before
    old = saturation_warning(_report(0.4), 28)
    assert old == saturation_warning(_report(0.0), 28, model=model)
    assert old.startswith("warning: the model is saturated: sdr is busy 99.5 %")
    assert "holds its queue down" not in old
