"""Review fixes in the fits: a patience family whose search diverges, patience with estimated
start times, a case's first events in the hidden-delay fit, and families whose support comes
from the sample's extremes fitted above the subsample size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model, fit_distribution, fit_patience
from sim.calibrate.fitting import fit_truncated
from sim.calibrate.hidden_delays import impute_hidden_delays
from sim.eventlog import clean_event_table


def _frame(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])
    base = pd.Timestamp("2024-01-01")
    for c in ("start_time", "end_time"):
        df[c] = base + pd.to_timedelta(df[c], unit="h")
    df["case_id"] = df["case_id"].astype(str)
    return df


# ------------------------------------------------------------------- patience (QA item 2)
def test_a_patience_family_whose_search_diverges_is_skipped_not_fatal():
    """Abandonments at 0 (a completion-only log's estimated starts) against spread served waits:
    the lognormal's search runs off to s ~ 30 (an infinite mean), which ``Distribution`` refuses;
    it used to end calibration with that error, and a Weibull of mean 1e30 h was chosen."""
    rng = np.random.default_rng(0)
    served = rng.exponential(1.0, 900) * (rng.random(900) < 0.7)
    t = np.r_[np.zeros(90), served]
    d = np.r_[np.ones(90, bool), np.zeros(900, bool)]
    res = fit_patience(t, d)
    by = {c.family: c for c in res.candidates}
    assert by["lognormal"].distribution is None
    assert by["lognormal"].note.startswith("not fitted: ") and "lognorm" in by["lognormal"].note
    # Weibull and gamma ran off too (means of 1e30 h and 1e15 h, finite but degenerate)
    for fam in ("weibull", "gamma"):
        assert by[fam].note.startswith("not fitted: diverged"), by[fam].note
    assert res.family == "exponential"
    assert res.distribution.mean() == pytest.approx(t.sum() / 90)  # time at risk / abandonments
    rows = {r["family"]: r for r in res.rows()}
    assert rows["lognormal"]["chosen"] is False and rows["lognormal"]["mean"] is None


def _abandon_log(n=1500, seed=0):
    """A, then the expert's queue for B (patience Exp(4 h): 'Cancelled' when it runs out)."""
    rng = np.random.default_rng(seed)
    arr = np.cumsum(rng.exponential(1.0, n))
    pat, svc = rng.exponential(4.0, n), rng.exponential(0.8, n)
    rows, free = [], 0.0
    for i in range(n):
        ready = arr[i] + 0.3
        rows.append((i, "A", arr[i], ready, "clerk"))
        start = max(ready, free)
        if start - ready > pat[i]:
            rows.append((i, "Cancelled", ready + pat[i], ready + pat[i], "clerk"))
        else:
            free = start + svc[i]
            rows.append((i, "B", start, free, "expert"))
    return _frame(rows)


def test_estimated_start_times_fit_no_patience_and_say_why():
    table = _abandon_log().drop(columns=["start_time"])
    log = clean_event_table(table, source="ends only")
    assert log.start_times_estimated
    cal = calibrate_model(log, dropoff_outcomes=["Cancelled"], abandonment_outcomes=["Cancelled"])
    assert all(s.patience is None for s in cal.model.steps.values())
    assert cal.model.metadata["patience_steps"] == []
    note = [n for n in cal.notes if n.startswith("patience not fitted for ['Cancelled']")]
    assert note and "no start times" in note[0]
    # the abandonments stay in the routing: some decision still leads to them
    targets = {b.to for dec in cal.model.decisions.values() for b in dec.branches}
    assert any("Cancelled" in t for t in targets)


# --------------------------------------------------------- hidden delays (QA item 3)
def _interval_sample(rng, n):
    """Delays Exp(1 h) without zeros, hidden under busy stretches of an alternating free/busy
    pool independent of them: (true delay, lower bound, wait)."""
    out = []
    for _ in range(n):
        x = rng.exponential(1.0)
        busy = rng.random() < 0.7 / 1.7
        t = 0.0
        while True:
            d = rng.exponential(0.7 if busy else 1.0)
            if t + d >= x:
                out.append((x, x, x) if not busy else (x, t, t + d))
                break
            t += d
            busy = not busy
    return np.array(out)


def test_unknown_waits_of_first_events_are_not_exact_zero_delays():
    rng = np.random.default_rng(3)
    s = _interval_sample(rng, 1500)
    x, lo, w = s[:, 0], s[:, 1], s[:, 2]
    first = 1500  # a case's first events: delay 0 as routing enables them, wait unknown
    delay = np.r_[np.zeros(first), lo]
    wait = np.r_[np.full(first, np.nan), w]
    out, fits, kept = impute_hidden_delays(delay, wait, np.array(["A"] * delay.size), seed=0)
    assert not kept
    fit = fits["A"]
    hid = w - lo > 1e-9
    # the truth has no zero mass; 1,500 first events counted as exact zeros made it 0.56
    assert fit.p_zero < 0.05
    assert fit.exact == int((~hid).sum()) and fit.hidden == int(hid.sum())
    assert np.all(out[:first] == 0.0)  # left as they were, not drawn
    # the drawn delays' mean within 4 standard errors of the true delays' mean (+ the method's
    # documented bias on hidden intervals, 0.1 h)
    o = out[first:]
    se = float(np.std(x, ddof=1) / np.sqrt(x.size))
    assert abs(o.mean() - x.mean()) <= 4 * se + 0.1


def _first_b_log(n=3000, seed=0):
    """Half the cases start at B (no arrival in a log: their waits are unknown), half come from
    A after a hand-off delay Exp(1 h) without zeros; one expert does B and is often busy."""
    rng = np.random.default_rng(seed)
    arr = np.cumsum(rng.exponential(1.25, n))
    first_b = rng.random(n) < 0.5
    ready = np.where(first_b, arr, arr + 0.1 + rng.exponential(1.0, n))
    svc = rng.exponential(0.9, n)
    rows, free = [], 0.0
    for i in np.argsort(ready, kind="stable"):
        if not first_b[i]:
            rows.append((i, "A", arr[i], arr[i] + 0.1, "clerk"))
        start = max(ready[i], free)
        free = start + svc[i]
        rows.append((i, "B", start, free, "expert"))
    return _frame(rows), int((~first_b).sum())


@pytest.mark.slow
def test_calibration_leaves_first_events_out_of_the_hidden_delay_fit():
    log, after_a = _first_b_log()
    cal = calibrate_model(log, dropoff_outcomes=[])
    fit = cal.model.metadata["hidden_delays"]["B"]
    # only the B events after A are evidence (about 1,500); the 1,500 that open their cases
    # made the zero mass 0.71 and the hand-off timer 0.63 h for a true 1 h
    assert fit["exact"] + fit["hidden"] <= after_a
    assert fit["p_zero"] < 0.05
    timer = next(s for name, s in cal.model.steps.items() if name.startswith("delay:B"))
    assert timer.duration.mean() > 0.8


# ------------------------------------------------------- subsampled fits (QA item 4)
@pytest.mark.parametrize("seed", range(6))
def test_uniform_is_fitted_on_every_value_above_the_subsample_size(seed):
    x = np.random.default_rng(seed).uniform(2.0, 5.0, 25000)
    res = fit_distribution(x, seed=0)
    by = {c.family: c for c in res.candidates}
    assert res.family == "uniform"
    assert by["uniform"].params == {"min": x.min(), "max": x.max()}
    assert np.isfinite(by["expon_shifted"].loglik)


def test_shifted_exponential_loc_comes_from_every_value():
    """One value below the rest: a subsample without it put ``loc`` above it, so the
    likelihood of every value was zero and the family was dropped."""
    rng = np.random.default_rng(1)
    x = np.r_[1.995, 2.0 + rng.exponential(1.0, 24999)]
    res = fit_distribution(x, seed=0, max_fit_sample=2000)
    shifted = next(c for c in res.candidates if c.family == "expon_shifted")
    assert np.isfinite(shifted.loglik), shifted.note
    assert shifted.params["loc"] <= x.min()
    # the truncated likelihood starts from the same fit (its loc stays as fitted)
    tres, why = fit_truncated(x, x + 50.0, seed=0, max_fit_sample=2000)
    assert tres is not None, why
    cand = next(c for c in tres.candidates if c.family == "expon_shifted")
    assert np.isfinite(cand.loglik), cand.note
    assert cand.params["loc"] <= x.min()
