"""One home for the capped-window rules, and three sentences that named the wrong cause.

- ``window_ends`` and ``cap_stops`` are pure rules of ``sim.kpis.window``, which simulate,
  optimize and compare import from there (compare borrowed them from the other two commands);
- the joint-hours warning said waits depend on the horizon where ``scenario.max_cases`` stops
  the arrivals before it;
- the staffing advice credited the model's mean work for a headcount the rule "at least one
  more person for a role measured above the target" gave (QA walk27 F2: role_1 9.3 people of
  work, 11 keep it at 84.9 %, 12 suggested "from the estimate", measured 85.9 % +- 4.6 over 3
  replications);
- a sweep's console heading counted the baseline among the scenarios compared against it, and
  named it by its job number, where report.html says "2 scenarios against
  scenario.staffing.legal=1"."""

from __future__ import annotations

import json

from sim.cli.simulate import above_target_note, staffing_suggestion
from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.model.views import pre_run_warnings
from tests.cli.test_sweep_resume import simulate_sweep
from tests.model.test_joint_hours_overload import _joint


def test_the_capped_window_rules_live_in_kpis_and_every_command_uses_them():
    import sim.cli.compare
    import sim.cli.optimize
    import sim.cli.simulate
    from sim.kpis import window

    assert sim.cli.compare.window_ends is window.window_ends
    assert sim.cli.optimize.window_ends is window.window_ends
    assert sim.cli.compare.cap_stops is window.cap_stops
    assert sim.cli.simulate.cap_stops is window.cap_stops


def test_the_joint_hours_warning_names_the_cap_that_stops_the_arrivals():
    # one case an hour: twelve arrive in half a day of the run's 7, the step still overloaded
    capped = Scenario(horizon_days=7, warmup_days=0, max_cases=12)
    (warning,) = pre_run_warnings(_joint(), capped)
    assert "step 'review' needs clerk and system at once" in warning
    assert "depend on scenario.max_cases (where it stops the arrivals)" in warning
    assert "scenario.horizon_days" not in warning and "without bound" not in warning
    assert "With scenario.max_cases=12 arrivals stop after about 0.5 days" in warning
    # not reached within the run: the horizon, as before
    for scenario in (Scenario(horizon_days=7, warmup_days=0), Scenario(max_cases=100_000)):
        (warning,) = pre_run_warnings(_joint(), scenario)
        assert "grows without bound" in warning and "scenario.horizon_days" in warning
        assert "max_cases" not in warning


# two clerks round the clock, offered 1.68 h of work an hour: 84 % of their hours, so the
# mean work keeps the two at the 85 % target
CLERKS = {
    "name": "clerks",
    "start": "work",
    "arrivals": {"interarrival": 1.0},
    "roles": {"clerk": {"headcount": 2}},
    "steps": {"work": {"role": "clerk", "duration": 1.68, "next": "done"}},
    "ends": {"done": {"success": True}},
}


def _measured(mean: float, half_width: float | None, n: int = 3) -> dict:
    """A run's report of the two clerks busy ``mean`` of their hours, above the target."""
    busy = {"mean": mean, "n": n, "half_width": half_width}
    if half_width is not None:
        busy |= {"ci_low": mean - half_width, "ci_high": mean + half_width}
    return {
        "saturated_roles": [],
        "above_target_roles": ["clerk"],
        "roles": [{"role": "clerk", "headcount": 2, "utilisation": busy}],
    }


def test_the_advice_says_which_rule_gives_a_roles_headcount():
    model = from_dict(CLERKS)
    report = _measured(0.8586, 0.0459)
    suggestion = staffing_suggestion(model, Scenario(), report)
    assert suggestion is not None
    assert suggestion["staffing"] == {"clerk": 3}
    note = above_target_note(report, suggestion)
    assert note is not None
    assert "This is an estimate" not in note  # QA walk27 F2
    assert suggestion["offered_load"]["clerk"]["headcount_at_target"] == 2
    assert (
        "Add staff: scenario.staffing.clerk=3. This is not from the model's mean work, which (1.7 people busy "
        "all their hours) keeps its 2 at 84.0 % busy: it is one more person than clerk has, the "
        "least the suggestion adds to a role the run measured above the 85 % target (clerk "
        "85.86 ± 4.6 % over 3 replications, not significantly above the target: its 95 % "
        "interval reaches down to 81.3 %)." in note
    )
    # measured clearly above the target: no doubt cast
    sure = _measured(0.93, 0.02)
    note = above_target_note(sure, staffing_suggestion(model, Scenario(), sure))
    assert "(clerk 93.00 ± 2.0 % over 3 replications)." in note
    assert "not significantly" not in note
    # one replication: no interval to judge it by
    once = _measured(0.9, None, n=1)
    note = above_target_note(once, staffing_suggestion(model, Scenario(), once))
    assert "one replication gives no interval to tell whether it is above the target" in note


def test_a_headcount_from_the_estimate_is_still_credited_to_it():
    # 1.8 people of work: the mean work alone asks for 3 (2.1 at 85 %), the rule for 3 too
    busier = from_dict(CLERKS | {"steps": {"work": CLERKS["steps"]["work"] | {"duration": 1.8}}})
    report = _measured(0.9, 0.02)
    suggestion = staffing_suggestion(busier, Scenario(), report)
    assert suggestion["offered_load"]["clerk"]["headcount_at_target"] == 3
    note = above_target_note(report, suggestion)
    assert "Add staff: scenario.staffing.clerk=3. This is an estimate" in note
    assert "not from the model's mean work" not in note


def test_the_sweep_heading_counts_and_names_as_the_comparison_does(tmp_path):
    s = tmp_path / "s"
    res = simulate_sweep(s, "1,2")
    assert res.returncode == 0, res.stderr
    scenarios = json.loads((s / "scenarios.json").read_text(encoding="utf-8"))
    (base,) = [x["label"] for x in scenarios if x["baseline"]]
    assert base == "seed=1" and len(scenarios) == 2
    assert "=== 1 scenario of the sweep against seed=1 (job 0) ===" in res.stdout
