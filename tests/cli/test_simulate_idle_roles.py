"""A role with people who do no work in a run is named (QA 2026-12-05 optimize #8: the
recommended CRM redesign left four roles with nobody to serve, still paid, and nothing said so)."""

from __future__ import annotations

import json

from tests.simcli import run_sim

MODEL = """
name: spare_desk
start: service
arrivals:
  interarrival: {dist: exponential, mean: 1.0}
roles:
  server: {headcount: 2, hourly_cost: 30}
  spare: {headcount: 1, hourly_cost: 30}
steps:
  service:
    role: server
    duration: {dist: exponential, mean: 1.0}
    next: done
ends:
  done: {success: true}
"""


def test_a_role_no_step_needs_is_named_with_the_override_that_leaves_it_out(tmp_path):
    model = tmp_path / "spare.yaml"
    model.write_text(MODEL, encoding="utf-8")
    args = ["scenario.replications=2", "scenario.horizon_days=3", "output.report=false"]
    run = tmp_path / "run"
    res = run_sim(f"process={model}", *args, f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    warnings = json.loads((run / "kpis.json").read_text())["warnings"]
    (note,) = [w for w in warnings if "did no work" in w]
    assert note.startswith("note: spare (1 person) did no work in this run (0 % busy)")
    assert "scenario.staffing.spare=0 leaves it out" in note
    assert "server" not in note
    again = run_sim(
        f"process={model}", *args, "scenario.staffing.spare=0", f"hydra.run.dir={tmp_path / 'b'}"
    )
    assert again.returncode == 0, again.stderr
    assert "did no work" not in again.stdout + again.stderr


def test_overlapping_spans_of_a_calendar_are_noted_once(tmp_path):
    """QA 2026-12-05 simulate #8: '09:00-12:30' and '12:00-17:00' (a lunch break mistyped?)
    merged silently into 09:00-17:00."""
    model = tmp_path / "office.yaml"
    model.write_text(
        MODEL.replace(
            "roles:\n",
            'calendars:\n  office: {weekdays: ["09:00-12:30", "12:00-17:00"]}\nroles:\n',
        ).replace(
            "server: {headcount: 2, hourly_cost: 30}", "server: {headcount: 2, calendar: office}"
        ),
        encoding="utf-8",
    )
    args = ["scenario.replications=2", "scenario.horizon_days=3", "output.report=false"]
    res = run_sim(f"process={model}", *args, f"hydra.run.dir={tmp_path / 'run'}")
    assert res.returncode == 0, res.stderr
    notes = [line for line in res.stderr.splitlines() if "overlap" in line]
    assert notes == [
        f"note: {model}: calendars.office.weekdays: spans '09:00-12:30' and '12:00-17:00' "
        "overlap, so they are one stretch of work (a break between them meant?)"
    ]


def test_a_role_whose_work_fell_outside_the_window_is_not_said_to_be_unreached():
    """QA 2026-12-05 engine #3: a case's work after the horizon (a drain) is not measured, so the
    note said 'no case reached the steps' of a role the trace shows at work."""
    from sim.cli.simulate import idle_roles_note
    from sim.model import from_dict

    model = from_dict(
        {
            "name": "late",
            "start": "service",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
            "roles": {"server": {"headcount": 1}},
            "steps": {
                "service": {
                    "role": "server",
                    "duration": {"dist": "fixed", "value": 1.0},
                    "next": "done",
                }
            },
            "ends": {"done": {"success": True}},
        }
    )
    report = {"roles": [{"role": "server", "headcount": 1, "utilisation": {"mean": 0.0}}]}
    note = idle_roles_note(report, model)
    assert note.startswith("note: server (1 person) did no work in this run")
    assert "fell in the measured window (from the warm-up to the horizon)" in note
