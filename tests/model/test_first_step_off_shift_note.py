"""Cases that arrive while the role of their first step is off shift wait for the shift, their
patience running, and most give up where the role is off for longer than that patience, however
many people it has and however idle they are in their hours. A role offered less than its hours
got no word of it (QA: off shift 16 h, mean patience 1 h, 72 % of the cases lost at 80 %
offered). ``off_shift_losses`` estimates that share for the steps cases reach straight from
their arrival, and ``simulate`` says it before and after the run."""

from __future__ import annotations

import math

import pytest

from sim.model import from_dict
from sim.model.off_shift import entry_steps, off_shift_losses, off_shift_note
from tests.erlang_a import mmc_spec, simulate_spec

OFFICE = {"weekdays": ["09:00-17:00"]}


def _office_desk(patience_hours: float = 1.0, **spec_changes) -> dict:
    """Cases round the clock, one an hour, at a desk of 20 people on office hours, each job
    3 minutes: no case waits for people, only for the shift."""
    spec = mmc_spec(
        "desk", interarrival_hours=1.0, job_hours=0.05, servers=20, patience_hours=patience_hours
    )
    spec["calendars"] = {"office": OFFICE}
    spec["roles"]["server"]["calendar"] = "office"
    spec["start_date"] = "2026-01-05T00:00:00"  # a Monday
    spec.update(spec_changes)
    return spec


def _closed_form(patience: float) -> float:
    """Arrivals spread evenly over the week, exponential patience of mean ``patience``: of the
    cases arriving in a closed stretch of L hours, a share F(L - t) of those at t give up, and
    the integral of F over [0, L] is L - patience * (1 - exp(-L / patience)); four 16 h nights
    and a 64 h weekend a week."""
    lost = sum(L - patience * (1 - math.exp(-L / patience)) for L in (16, 16, 16, 16, 64))
    return lost / 168


def test_the_estimate_matches_the_closed_form_of_arrivals_round_the_clock():
    (loss,) = off_shift_losses(from_dict(_office_desk()))
    assert loss.step == "s" and loss.roles == ("server",)
    assert loss.longest_off_hours == 64 and loss.patience_mean_hours == 1.0
    # 20,000 draws of the patience: the integral's own error is below 0.5 % of it
    assert loss.share == pytest.approx(_closed_form(1.0), rel=0.005)  # 0.732


def test_no_loss_where_cases_arrive_in_the_roles_hours_or_it_works_round_the_clock():
    in_hours = _office_desk()
    in_hours["arrivals"]["profile"] = {"weekdays": [0] * 9 + [1] * 8 + [0] * 7}
    (loss,) = off_shift_losses(from_dict(in_hours))
    assert loss.share == 0.0
    always = _office_desk()
    del always["roles"]["server"]["calendar"]
    assert off_shift_losses(from_dict(always)) == []
    assert off_shift_note(from_dict(in_hours)) is None


def test_a_first_step_behind_a_decision_counts_its_share_of_the_cases():
    spec = _office_desk()
    spec["start"] = "route"
    spec["decisions"] = {"route": {"branches": {"s": 0.25, "done": 0.75}}}
    model = from_dict(spec)
    assert entry_steps(model) == {"s": 0.25}
    (loss,) = off_shift_losses(model)
    assert loss.share == pytest.approx(0.25 * _closed_form(1.0), rel=0.005)


@pytest.mark.slow
def test_the_simulated_abandonment_agrees_and_simulate_says_it(tmp_path):
    """Four measured weeks (whole weeks: the arrivals' share of nights and weekends), 8
    replications: the note's share inside the run's 95 % CI of abandon_rate, widened by the
    estimate's own 0.5 %."""
    kpis, out, _ = simulate_spec(
        tmp_path, "desk", _office_desk(), replications=8, horizon_days=35, warmup_days=7
    )
    (loss,) = off_shift_losses(from_dict(_office_desk()))
    rate = kpis["all"]["abandon_rate"]
    lo, hi = rate["ci_low"], rate["ci_high"]
    assert lo - 0.005 <= loss.share <= hi + 0.005, (loss.share, rate)
    assert rate["mean"] > 0.5  # offered 5 % of the hours: the loss is the shift's, not the load's
    said = "s (done by server, off for up to 64 h at a stretch, mean patience 1 h): about 73 %"
    assert out.count(said) == 2  # before the run and after it
    assert said in " ".join(kpis["warnings"])
    assert "more people do not" in out


def test_a_patience_longer_than_every_stretch_off_loses_little_and_says_nothing():
    model = from_dict(_office_desk(patience_hours=1000.0))
    (loss,) = off_shift_losses(model)
    # exponential: even a long mean loses the few that draw a short patience, about 2.2 %
    assert loss.share == pytest.approx(
        sum(L - 1000 * (1 - math.exp(-L / 1000)) for L in (16,) * 4 + (64,)) / 168, rel=0.01
    )
    fixed = _office_desk()
    fixed["steps"]["s"]["patience"] = {"dist": "fixed", "value": 65.0}
    assert off_shift_losses(from_dict(fixed))[0].share == 0.0
    assert off_shift_note(from_dict(fixed)) is None
