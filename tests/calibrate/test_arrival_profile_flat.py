"""A long log's arrival profile takes the shape its counts support (AIC): a log whose arrivals
do not vary over the week gets a flat profile, not 168 rates fitted to chance (QA parallel20 #3:
a 24/7 Poisson log of 28 weeks read 0.62-1.42; retest20 #2: one of 596 arrivals read 0-3.4,
where a chi-square test needed 5 arrivals a slot); a weekly pattern too weak for 168 free rates
is kept (retest20 #3: weekends at half the weekday rate were flattened in 9 of 40 logs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model

WEEKS = 20


def _poisson_log(rate_at, seed: int, *, per_hour: float = 2.0, weeks: int = WEEKS) -> pd.DataFrame:
    """Two-step cases arriving by thinning a Poisson process of at most ``per_hour`` by
    ``rate_at(hour of the week)`` (a share of 0..1), over ``weeks`` weeks from a Monday."""
    rng = np.random.default_rng(seed)
    hours = np.cumsum(rng.exponential(1.0 / per_hour, size=int(weeks * 168 * per_hour * 1.3) + 50))
    hours = hours[hours < weeks * 168]
    keep = rng.random(hours.size) < np.array([rate_at(h % 168) for h in hours])
    t0 = pd.Timestamp("2024-01-01")
    starts = t0 + pd.to_timedelta(hours[keep], unit="h")
    rows = []
    for i, t in enumerate(starts):
        rows.append((f"c{i}", "a", t, t + pd.Timedelta(minutes=1), "r1"))
        rows.append((f"c{i}", "b", t + pd.Timedelta(minutes=2), t + pd.Timedelta(minutes=3), "r2"))
    return pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])


#: the shapes a constant rate may read as: AIC's price (``_profile_by_aic``), each rate still
#: resting on a seventh or more of the arrivals
COARSE = ("flat", "weekdays and weekends apart", "by weekday")


def _profile_and_rule(df: pd.DataFrame) -> tuple[np.ndarray, str]:
    """The calibrated profile's rate per hour of the week, and its shape."""
    m = calibrate_model(df, dropoff_outcomes=[], seed=0).model
    rates = np.array([m.arrivals.profile.rate_at(h + 0.5) for h in range(168)])
    meta = m.metadata["arrival_profile"]
    assert meta["shape"] in meta["rule"]
    return rates, meta["shape"]


@pytest.mark.parametrize("seed", [1, 2])
def test_arrivals_at_a_constant_rate_get_a_flat_profile(seed):
    rates, rule = _profile_and_rule(_poisson_log(lambda h: 1.0, seed))
    assert rule in COARSE and rates.max() / rates.min() < 1.1  # 6,700 arrivals


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_few_hundred_arrivals_at_a_constant_rate_get_a_flat_profile(seed):
    rates, rule = _profile_and_rule(_poisson_log(lambda h: 1.0, seed, per_hour=0.2, weeks=18))
    assert rule in COARSE and rates.min() > 0  # 168 rates read 0 to 3.4 times the mean


@pytest.mark.parametrize("seed", range(5))
def test_weekends_at_half_the_weekday_rate_are_kept_from_a_thousand_arrivals(seed):
    def weekend_half(h: float) -> float:
        return 0.5 if h >= 120 else 1.0

    rates, rule = _profile_and_rule(_poisson_log(weekend_half, seed, per_hour=0.35, weeks=18))
    assert rule != "flat"
    assert rates[120:].mean() / rates[:120].mean() == pytest.approx(0.5, abs=0.15)


def test_arrivals_twice_as_many_on_mondays_keep_their_profile():
    rates, rule = _profile_and_rule(_poisson_log(lambda h: 1.0 if h < 24 else 0.5, seed=3))
    assert rule in ("by weekday", "by hour of the week")
    monday, rest = rates[:24].mean(), rates[24:].mean()
    assert monday / rest == pytest.approx(2.0, rel=0.1)


def test_office_hour_arrivals_keep_their_profile():
    def office(h: float) -> float:
        return 1.0 if h < 120 and 9 <= h % 24 < 17 else 0.0

    rates, rule = _profile_and_rule(_poisson_log(office, seed=4))
    assert rule == "by hour of the day, weekdays and weekends apart"
    assert rates[[3, 20, 130]].max() == 0.0  # nights and the weekend: no arrivals
    assert rates[10] > 0
