"""Delays hidden under a busy pool are drawn within the range the log allows
(``sim.calibrate.hidden_delays``; QA 2026-12-05: on the bundled CRM model's trace, hand-off
delays of mean 1 h came out at 0.63 h, taken at their lower bound wherever the pool was busy
when they ended, and the model missed the history it was calibrated on by -17.7 %)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.calibrate import calibrate_model
from sim.calibrate.hidden_delays import MIN_EXACT, impute_hidden_delays
from sim.engine import run_replications
from sim.kpis import trace_to_event_log
from sim.model import columns as C
from sim.model import from_dict
from sim.model.scenario import Scenario


def _censored(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True delays (20 % none, else exponential of mean 1 h), and what a log shows of them.
    The pool alternates busy stretches (exponential, mean 1.5 h) and free ones (mean 0.5 h),
    as the engine's pool does for a case that waits: a delay that ends while the pool is
    free is seen exactly (the case starts then); one that ends in a busy stretch is seen as
    the range from the stretch's start (or the case's enabling, if later) to its end, when
    the case starts."""
    rng = np.random.default_rng(seed)
    gaps = np.column_stack([rng.exponential(1.5, 4 * n), rng.exponential(0.5, 4 * n)]).ravel()
    edges = np.r_[0.0, np.cumsum(gaps)]  # busy from edges[2k] to edges[2k+1], then free
    enabled = rng.uniform(0.0, edges[-1] - 50.0, n)
    true = np.where(rng.random(n) < 0.2, 0.0, rng.exponential(1.0, n))
    k = np.searchsorted(edges, enabled + true, side="right") - 1
    busy = k % 2 == 0
    lower = np.where(busy, np.maximum(edges[k], enabled) - enabled, true)
    wait = np.where(busy, edges[k + 1] - enabled, true)
    return true, lower, wait


def test_hidden_delays_drawn_within_their_range_recover_the_mean():
    true, lower, wait = _censored(4000, seed=1)
    drawn, fits, kept = impute_hidden_delays(lower, wait, np.full(true.size, "check"), seed=0)
    assert kept == {}
    se = true.std(ddof=1) / np.sqrt(true.size)
    # the lower bounds miss the mean by far more than its noise; the drawn delays do not
    assert lower.mean() < true.mean() - 10 * se
    assert drawn.mean() == pytest.approx(true.mean(), abs=4 * se)
    assert np.all(drawn >= lower - 1e-12) and np.all(drawn <= wait + 1e-12)
    assert np.array_equal(drawn[lower == wait], lower[lower == wait])  # exact ones untouched
    fit = fits["check"]
    assert fit.p_zero == pytest.approx(0.2, abs=0.03)
    assert fit.hidden == int(np.sum(wait > lower)) and fit.mean_after > fit.mean_before
    again, _, _ = impute_hidden_delays(lower, wait, np.full(true.size, "check"), seed=0)
    assert np.array_equal(drawn, again)  # same seed, same delays


def test_too_few_exact_delays_keep_their_lower_bounds():
    true, lower, wait = _censored(4000, seed=2)
    exact = np.flatnonzero((lower == wait) & (true > 0))
    keep = np.ones(true.size, dtype=bool)
    keep[exact[MIN_EXACT - 1 :]] = False  # fewer exact positive delays than MIN_EXACT
    drawn, fits, kept = impute_hidden_delays(lower[keep], wait[keep], np.full(keep.sum(), "a"))
    assert fits == {} and np.array_equal(drawn, lower[keep])
    hidden = int(np.sum(wait[keep] > lower[keep]))
    assert kept == {"a": (MIN_EXACT - 1, hidden)}  # said, not silently kept (QA2 #4)


def test_identical_exact_delays_neither_crash_nor_invent_a_zero_mass():
    """QA2 2026-12-05 #1 and #3: a fixed 3 h wait seen exactly 30 times (coarse timestamps)
    divided by a zero spread, and a hard bound on the shape left the fit with a 21 % zero mass
    the data did not have."""
    exact = np.full(30, 3.0)
    lower, wait = np.r_[exact, np.zeros(10)], np.r_[exact, np.full(10, 5.0)]
    drawn, fits, _ = impute_hidden_delays(lower, wait, np.array(["x"] * 40))
    assert fits["x"].p_zero < 0.05
    assert np.all(drawn[30:] >= 2.5)  # near the 3 h every exact one took, none at zero


def test_a_range_far_in_the_tail_is_drawn_near_its_lower_end():
    """QA2 2026-12-05 #6: for exact delays of about an hour, [60 h, 300 h] drew 105 h, where the
    fitted distribution puts nearly all of that range's mass just above 60 h."""
    rng = np.random.default_rng(3)
    exact = rng.exponential(1.0, 400)
    lower, wait = np.r_[exact, 60.0, 80.0], np.r_[exact, 300.0, 500.0]
    drawn, fits, _ = impute_hidden_delays(lower, wait, np.array(["x"] * 402))
    assert 60.0 <= drawn[-2] < 70.0 and 80.0 <= drawn[-1] < 90.0, (drawn[-2:], fits["x"])


REVIEW = {
    "name": "review",
    "start": "intake",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
    "handoff_delay": {"dist": "exponential", "mean": 1.0},
    "roles": {"clerk": {"headcount": 6}, "checker": {"headcount": 1}},
    "steps": {
        "intake": {"role": "clerk", "duration": {"dist": "exponential", "mean": 0.2}, "next": "check"},
        "check": {"role": "checker", "duration": {"dist": "exponential", "mean": 0.75}, "next": "done"},
    },
    "ends": {"done": {"success": True}},
}  # fmt: skip


@pytest.mark.slow
def test_a_hand_off_delay_before_a_busy_checker_is_recovered():
    """Our engine's log: a hand-off delay of mean 1 h, then one checker 75 % busy. The timer
    calibrated before the check comes near the delay's mean, where the lower bounds made it
    short. Near, not at: on a role busy around the clock the fit is 10-15 % short (README,
    calibration: 0.84-0.95 h over the logs of seeds 1-8), so the test allows that bias beside
    the noise."""
    model = from_dict(REVIEW)
    scenario = Scenario(horizon_days=120, warmup_days=0, replications=1)
    (trace,) = run_replications(model, scenario, seed=4)
    log = trace_to_event_log(trace).drop(columns=["replication"], errors="ignore")
    means = {}
    for hidden in (True, False):
        cal = calibrate_model(log, hidden_delays=hidden, truncation="off", seed=0)
        means[hidden] = cal.model.steps["delay:check"].duration.mean()
    n = int((log[C.ACTIVITY] == "check").sum())
    se = 1.0 / np.sqrt(n)  # an exponential's sd is its mean
    assert means[False] < 1.0 - 5 * se
    assert 0.85 - 3 * se < means[True] < 1.0 + 3 * se
    assert means[True] - means[False] > 0.3  # most of the gap the lower bounds left is closed


def test_every_activity_with_hidden_delays_gets_its_own_fit():
    """Two activities, each with enough exact delays: both are fitted and drawn (a review once
    reused a name inside the loop, and every activity after the first kept its lower bounds)."""
    true, lower, wait = _censored(4000, seed=4)
    groups = np.where(np.arange(true.size) % 2 == 0, "a", "b")
    drawn, fits, kept = impute_hidden_delays(lower, wait, groups, seed=0)
    assert set(fits) == {"a", "b"} and kept == {}
    assert all(type(g) is str for g in fits)  # written to model.yaml as they are
    for g in ("a", "b"):
        mine = groups == g
        assert drawn[mine].mean() > lower[mine].mean()
