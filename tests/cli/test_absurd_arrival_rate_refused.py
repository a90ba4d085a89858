"""An absurd arrival rate is refused before the run (QA fuzz14 #3): ``mean: 0.0001`` h between
arrivals, or an empirical gap of ``[0, 0, 1e-9]``, was simulated until memory ran out (21 GB
in 5 minutes). The refusal names the interarrival, the cases per week, the capacity and the
keys to change, and leaves no run behind."""

from __future__ import annotations

import pytest

from sim.errors import ConfigError
from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.model.views import MOST_CASES, absurd_arrivals, check_arrivals, expected_cases
from tests.simcli import run_sim


def _server(interarrival: dict, *, headcount: int = 2) -> dict:
    return {
        "name": "ia_typo",
        "start": "service",
        "arrivals": {"interarrival": interarrival},
        "roles": {"server": {"headcount": headcount}},
        "steps": {
            "service": {
                "role": "server",
                "duration": {"dist": "exponential", "mean": 1.6},
                "next": "done",
            }
        },
        "ends": {"done": {"success": True}},
    }


TYPO = {"dist": "exponential", "mean": 0.0001}


def test_work_a_hundred_times_the_hours_is_refused_with_what_to_change():
    problem = absurd_arrivals(from_dict(_server(TYPO)), Scenario())
    assert problem is not None
    for words in (
        "arrivals.interarrival",
        "1,680,000 cases a week",
        "8,000 times the hours of server",
        "336 h a week",
        "scenario.arrival_scale",
        "scenario.max_cases",
    ):
        assert words in problem
    with pytest.raises(ConfigError, match="until memory runs out"):
        check_arrivals(from_dict(_server(TYPO)), Scenario())


def test_a_saturated_but_plausible_load_passes():
    busy = from_dict(_server({"dist": "exponential", "mean": 0.5}))  # 3.2 people of work for 2
    assert absurd_arrivals(busy, Scenario()) is None


def test_a_short_window_of_an_absurd_load_fits_in_memory_and_passes():
    """Two hours at 8,000 times the hours: 20,000 cases, a back-test's busy held-out period."""
    model = from_dict(_server(TYPO))
    short = Scenario(horizon_days=2 / 24, warmup_days=0)
    assert expected_cases(model, short) == pytest.approx(20_000)
    assert absurd_arrivals(model, short) is None


def test_max_cases_bounds_the_run_unless_memory_cannot_hold_it():
    model = from_dict(_server(TYPO))
    assert absurd_arrivals(model, Scenario(max_cases=10_000)) is None
    assert expected_cases(model, Scenario(max_cases=10_000)) == 10_000
    cap = MOST_CASES * 10
    problem = absurd_arrivals(model, Scenario(max_cases=cap))
    assert problem is not None and f"more than the {MOST_CASES:,}" in problem
    assert "lower scenario.max_cases" in problem


def test_too_many_cases_for_memory_are_refused_without_staff_to_overload():
    """No role to fill: a run of timers only is refused on its number of cases alone."""
    spec = _server({"dist": "exponential", "mean": 0.0005})  # 2,000 cases an hour
    spec["roles"] = {}
    spec["steps"]["service"] = {"duration": 1.0, "next": "done"}
    model = from_dict(spec)
    window = Scenario(horizon_days=42, warmup_days=14)
    assert expected_cases(model, window) == pytest.approx(2000 * 56 * 24)
    problem = absurd_arrivals(model, window)
    assert problem is not None and "a run can hold in memory" in problem
    assert absurd_arrivals(model, Scenario(horizon_days=7, warmup_days=0)) is None


@pytest.mark.parametrize(
    "interarrival",
    [
        "{dist: exponential, mean: 0.0001}",
        "{dist: empirical, values: [0, 0, 1e-9]}",
    ],
)
def test_simulate_refuses_before_the_run(tmp_path, interarrival):
    process = tmp_path / "ia_typo.yaml"
    text = (
        "schema_version: 1\nname: ia_typo\ntime_unit: hours\nstart: service\n"
        f"arrivals:\n  interarrival: {interarrival}\n"
        "roles:\n  server: {headcount: 2}\n"
        "steps:\n  service: {role: server, duration: {dist: exponential, mean: 1.6}, next: done}\n"
        "ends:\n  done: {success: true}\n"
    )
    process.write_text(text)
    run = tmp_path / "run"
    done = run_sim(
        "simulate",
        f"process={process}",
        "progress=false",
        "output.report=false",
        f"hydra.run.dir={run}",
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "arrivals.interarrival" in done.stderr and "scenario.max_cases" in done.stderr
    assert not (run / "kpis.json").exists()


def test_optimize_refuses_before_any_trial(tmp_path):
    process = tmp_path / "ia_typo.yaml"
    process.write_text(
        "schema_version: 1\nname: ia_typo\ntime_unit: hours\nstart: service\n"
        "arrivals:\n  interarrival: {dist: exponential, mean: 0.0001}\n"
        "roles:\n  server: {headcount: 2}\n"
        "steps:\n  service: {role: server, duration: {dist: exponential, mean: 1.6}, next: done}\n"
        "ends:\n  done: {success: true}\n"
    )
    done = run_sim(
        "optimize",
        f"process={process}",
        "redesign=staffing",
        "optimizer=random",
        "optimizer.n_trials=2",
        "workers=1",
        "progress=false",
        "output.report=false",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "8,000 times the hours of server" in done.stderr
