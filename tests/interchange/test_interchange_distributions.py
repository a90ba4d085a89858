"""Each Prosimos distribution convention, converted and checked against what Prosimos draws.

Prosimos 2.1 draws durations through pix-framework 0.15's ``DurationDistribution``: positional
parameters are moments and bounds, not scipy shapes, and a draw outside ``[max(min, 0), max]``
is drawn again. ``prosimos_draws`` below re-implements that rule from its documented behaviour
(rejection sampling from the scipy distribution named in the module docstring of
``sim.model.interchange.prosimos``), and every conversion is checked against it: exactly (the
frozen scipy objects have the same CDF) where the conversion is exact, and in mean and variance
where it is moment-matched.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from interchange_testkit import expon, fix

from sim.errors import ModelError
from sim.model import Distribution
from sim.model.calendar import HOURS_PER_WEEK
from sim.model.interchange import prosimos as P

RNG = np.random.default_rng(20240601)


def spec(name: str, *values: float) -> dict:
    return {"distribution_name": name, "distribution_params": [{"value": v} for v in values]}


def base_and_window(name: str, p: list[float]):
    """The distribution Prosimos draws from and its rejection window, from pix's conventions."""
    if name == "expon":
        mean, lo, hi = p
        scale = mean - lo if mean >= lo else mean
        return st.expon(loc=lo, scale=scale), max(lo, 0.0), hi
    if name == "norm":
        return st.norm(p[0], p[1]), max(p[2], 0.0), p[3]
    if name == "uniform":
        return st.uniform(p[0], p[1] - p[0]), max(p[0], 0.0), p[1]
    if name == "gamma":
        mean, var = p[0], p[1]
        return st.gamma(a=mean**2 / var, scale=var / mean), max(p[2], 0.0), p[3]
    if name == "lognorm":
        mean, var = p[0], p[1]
        phi = math.sqrt(var + mean**2)
        mu, sigma = math.log(mean**2 / phi), math.sqrt(math.log(phi**2 / mean**2))
        return st.lognorm(sigma, scale=math.exp(mu)), max(p[2], 0.0), p[3]
    raise AssertionError(name)


def prosimos_draws(name: str, p: list[float], n: int) -> np.ndarray:
    dist, lo, hi = base_and_window(name, p)
    out = np.empty(0)
    while out.size < n:
        x = dist.rvs(size=2 * n, random_state=RNG)
        out = np.concatenate([out, x[(x >= lo) & (x <= hi) & (x >= 0)]])
    return out[:n]


def conditional_cdf(name: str, p: list[float], x: np.ndarray) -> np.ndarray:
    dist, lo, hi = base_and_window(name, p)
    z = dist.cdf(hi) - dist.cdf(lo)
    return np.clip((dist.cdf(np.clip(x, lo, hi)) - dist.cdf(lo)) / z, 0, 1)


def ours(d: Distribution, n: int) -> np.ndarray:
    return d.sample(np.random.default_rng(7), n)


# ------------------------------------------------------------------------------ exact ones
def test_fix_is_fixed():
    d = P.distribution_from_prosimos(fix(900))
    assert d.name == "fixed" and d.params == {"value": 900.0}
    assert d.provenance == {"prosimos": fix(900)}


@pytest.mark.parametrize(
    "p",
    [
        [1900, 1800, 3600],  # the loan model: expon(loc=1800, scale=100), cut at 3600 (1.5e-8)
        [1805, 5, 3600],  # procure-to-pay arrivals: a cut that removes 13.6 %
        [63, 60, 3600],  # insurance: loc 60, scale 3, cut negligible
        [772.6, 0.0, 20578.1],  # bpic2012: loc 0
        [50, -20, 400],  # min < 0: Prosimos redraws negatives; memoryless: expon(loc=0)
    ],
)
def test_expon_matches_prosimos_exactly(p):
    d = P.distribution_from_prosimos(spec("expon", *p))
    lo = max(p[1], 0.0)
    x = np.linspace(lo, p[2] * 1.1, 200)
    np.testing.assert_allclose(d.scipy.cdf(x), conditional_cdf("expon", p, x), atol=2e-9)
    scale = p[0] - p[1]
    if math.exp(-(p[2] - lo) / scale) < P.NEGLIGIBLE:
        assert d.name in ("expon", "exponential")  # a negligible cut is dropped
    else:
        assert d.name == "truncexpon"


def test_expon_with_mean_below_min_uses_mean_as_scale():
    # pix-framework: "Trying to generate EXPON sample with 'mean' < 'min', using 'mean' as scale"
    d = P.distribution_from_prosimos(spec("expon", 10, 100, 1e9))
    assert d.scipy.kwds["loc"] == 100 and d.scipy.kwds["scale"] == 10


@pytest.mark.parametrize(
    "p", [[90, 9, 0, 1e6], [60, 6, 0, 90], [10, 8, 0, 100], [100, 30, 50, 120]]
)
def test_norm_matches_prosimos_exactly(p):
    d = P.distribution_from_prosimos(spec("norm", *p))
    x = np.linspace(0, p[3] * 1.1 if p[3] < 1e5 else 200, 300)
    np.testing.assert_allclose(d.scipy.cdf(x), conditional_cdf("norm", p, x), atol=2e-9)
    if p == [90, 9, 0, 1e6]:
        assert d.to_dict() == {
            "dist": "normal",
            "mean": 90.0,
            "std": 9.0,
            "provenance": d.provenance,
        }


def test_norm_with_zero_std_is_fixed():
    assert P.distribution_from_prosimos(spec("norm", 30, 0, 0, 100)).params == {"value": 30.0}


@pytest.mark.parametrize("p", [[49.2, 190.6], [-10, 30]])
def test_uniform_matches_prosimos_exactly(p):
    d = P.distribution_from_prosimos(spec("uniform", *p))
    x = np.linspace(0, p[1] * 1.1, 100)
    np.testing.assert_allclose(d.scipy.cdf(x), conditional_cdf("uniform", p, x), atol=1e-12)


@pytest.mark.parametrize("name", ["gamma", "lognorm"])
def test_untruncated_gamma_and_lognorm_have_prosimos_mean_and_variance(name):
    # the window [0, 1e7] cuts nothing: the alias with mean and std is the same distribution
    d = P.distribution_from_prosimos(spec(name, 300, 250**2, 0, 1e7))
    assert d.name == ("gamma" if name == "gamma" else "lognormal")
    base, _, _ = base_and_window(name, [300, 250**2, 0, 1e7])
    x = np.linspace(0, 3000, 200)
    np.testing.assert_allclose(d.scipy.cdf(x), base.cdf(x), atol=1e-12)


def test_triang_reads_scipy_positional_parameters():
    d = P.distribution_from_prosimos(spec("triang", 0.25, 10, 40))
    assert d.to_dict()["dist"] == "triangular"
    assert d.params == {"min": 10.0, "mode": 20.0, "max": 50.0}
    x = np.linspace(0, 60, 50)
    np.testing.assert_allclose(d.scipy.cdf(x), st.triang(0.25, 10, 40).cdf(x), atol=1e-12)


# ------------------------------------------------------------------------- moment matching
@pytest.mark.parametrize(
    ("name", "p"),
    [
        ("gamma", [883.5, 876400.4, 0.0, 5273.8]),  # bpic2012: cut above
        ("gamma", [4501.2, 57848788.3, 105.1, 17674.9]),  # cut below (20 %) and above
        ("lognorm", [330.7, 373383.8, 0.0, 4248.4]),
        ("lognorm", [189.1, 87838.4, 16.3, 779.8]),
        ("gamma", [613.32, 661764.96, 0.286, 5098.567]),  # bpic2012 arrivals
    ],
)
def test_truncated_gamma_and_lognorm_keep_mean_variance_and_lower_bound(name, p):
    d = P.distribution_from_prosimos(spec(name, *p))
    base, lo, hi = base_and_window(name, p)
    m1 = base.expect(lambda x: x, lb=lo, ub=hi, conditional=True)
    m2 = base.expect(lambda x: x * x, lb=lo, ub=hi, conditional=True)
    assert d.mean() == pytest.approx(m1, rel=1e-6)
    assert float(d.scipy.var()) == pytest.approx(m2 - m1 * m1, rel=1e-5)
    assert float(d.scipy.support()[0]) == pytest.approx(lo)
    # and against Prosimos' own rejection sampling (loose: sampling noise)
    draws = prosimos_draws(name, p, 200_000)
    assert draws.mean() == pytest.approx(d.mean(), rel=0.02)
    assert draws.var() == pytest.approx(float(d.scipy.var()), rel=0.05)


@pytest.mark.parametrize(
    ("name", "p"),
    [("expon", [1805, 5, 3600]), ("norm", [60, 6, 0, 90]), ("norm", [10, 8, 0, 100])],
)
def test_samples_agree_with_prosimos_rejection(name, p):
    ks = st.ks_2samp(
        prosimos_draws(name, p, 20_000), ours(P.distribution_from_prosimos(spec(name, *p)), 20_000)
    )
    assert ks.pvalue > 1e-4


def test_histogram_sampling_becomes_exact_empirical():
    h = {
        "distribution_name": "histogram_sampling",
        "histogram_data": {"cdf": [0.25, 0.5, 1.0], "bin_midpoints": [10.0, 20.0, 40.0]},
    }
    d = P.distribution_from_prosimos(h)
    assert d.name == "empirical"
    assert sorted(d.values) == [10.0, 20.0, 40.0, 40.0]  # probabilities 1/4, 1/4, 1/2


def test_histogram_with_irrational_probabilities_is_rounded():
    c = [1 / math.pi, 1.0]
    d = P.distribution_from_prosimos(
        {
            "distribution_name": "histogram_sampling",
            "histogram_data": {"cdf": c, "bin_midpoints": [1.0, 2.0]},
        }
    )
    assert np.mean(np.asarray(d.values) == 1.0) == pytest.approx(1 / math.pi, abs=1e-5)


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (spec("weibull", 1, 2), "unknown distribution_name"),
        (spec("expon", 10, 0), "needs 3 distribution_params"),
        (spec("uniform", -5, -1), "never draws"),
        (spec("fix", -1), "must be >= 0"),
        (spec("gamma", -1, 4, 0, 10), "mean > 0"),
        ({"distribution_params": []}, "distribution_name"),
        (spec("norm", 5, 1, 100, 200), "no probability"),
        ({"distribution_name": "fix", "distribution_params": [{"value": "abc"}]}, "a number"),
    ],
)
def test_bad_distributions_are_named(bad, match):
    with pytest.raises(ModelError, match=match):
        P.distribution_from_prosimos(bad, where="task 't1'")


# --------------------------------------------------------------------------------- mixtures
def test_identical_resources_give_the_distribution_itself():
    specs = [
        {"resource_id": "a", **expon(120, 60, 3600)},
        {"resource_id": "b", **expon(120, 60, 3600)},
    ]
    d = P.mixture_from_prosimos(specs)
    assert d.name == "expon"
    assert [x["resource_id"] for x in d.provenance["prosimos"]] == ["a", "b"]


def test_different_resources_give_an_equal_weight_mixture():
    specs = [
        {"resource_id": "fast", **spec("expon", 60, 0, 6000)},
        {"resource_id": "slow", **spec("gamma", 600, 200**2, 0, 1e6)},
        {"resource_id": "fixed", **fix(300)},
    ]
    d = P.mixture_from_prosimos(specs)
    assert d.name == "empirical" and len(d.values) == 3 * P.MIXTURE_QUANTILES
    exact = P.exact_mixture_mean(specs)
    assert exact == pytest.approx((60 + 600 + 300) / 3, rel=1e-6)
    assert d.mean() == pytest.approx(exact, rel=5e-3)
    assert sum(v == 300 for v in d.values) == P.MIXTURE_QUANTILES  # the fixed resource's third


# --------------------------------------------------------------------------- export / back
@pytest.mark.parametrize(
    "d",
    [
        {"dist": "fixed", "value": 60},
        {"dist": "exponential", "mean": 30},
        {"dist": "expon", "loc": 60, "scale": 3},
        {"dist": "truncexpon", "b": 2.0, "loc": 5, "scale": 1800},
        {"dist": "normal", "mean": 90, "std": 9},
        {"dist": "truncnorm", "a": -10, "b": 5, "loc": 60, "scale": 6},
        {"dist": "uniform", "min": 5, "max": 50},
        {"dist": "gamma", "mean": 300, "std": 120},
        {"dist": "lognormal", "mean": 300, "std": 400},
    ],
)
def test_export_then_import_gives_the_distribution_back(d):
    ours_ = Distribution.from_dict(d)
    spec_, why = P.distribution_to_prosimos(ours_)
    assert why is None
    back = P.without_provenance(P.distribution_from_prosimos(spec_))
    assert back.name == ours_.name
    for k, v in ours_.params.items():
        assert back.params[k] == pytest.approx(v, rel=1e-12)


@pytest.mark.parametrize(
    "d",
    [
        {"dist": "weibull_min", "c": 1.5, "scale": 100},
        {"dist": "empirical", "values": [1, 2, 3, 10]},
        {"dist": "triangular", "min": 1, "mode": 2, "max": 5},
        {"dist": "exponential", "mean": 10, "p_zero": 0.2},
        {
            "dist": "sum",
            "parts": [{"dist": "fixed", "value": 5}, {"dist": "exponential", "mean": 5}],
        },
    ],
)
def test_export_of_what_prosimos_cannot_draw_keeps_mean_and_variance(d):
    ours_ = Distribution.from_dict(d)
    spec_, why = P.distribution_to_prosimos(ours_)
    assert why and "mean and variance" in why
    back = P.distribution_from_prosimos(spec_)
    assert back.mean() == pytest.approx(ours_.mean(), rel=1e-6)
    x = ours_.sample(np.random.default_rng(1), 200_000)
    assert float(back.scipy.var()) == pytest.approx(x.var(), rel=0.05)


def test_multiplier_and_time_unit_are_folded_exactly():
    d = Distribution.from_dict({"dist": "gamma", "mean": 2.0, "std": 1.0, "multiplier": 1.5})
    spec_, why = P.distribution_to_prosimos(P.scale_distribution(d, 3600.0))
    assert why is None
    assert [x["value"] for x in spec_["distribution_params"]][:2] == pytest.approx(
        [2.0 * 1.5 * 3600, (1.0 * 1.5 * 3600) ** 2]
    )


# -------------------------------------------------------------------------------- calendars
def test_calendar_days_ranges_wrap_and_midnight():
    cal = P.calendar_from_prosimos(
        [
            {
                "from": "MONDAY",
                "to": "FRIDAY",
                "beginTime": "09:00:00.646",
                "endTime": "17:00:00.718",
            },
            {"from": "SATURDAY", "to": "MONDAY", "beginTime": "22:00", "endTime": "23:59:59.999"},
        ],
        where="c",
    )
    assert cal.rate_at(9.5) == 1 and cal.rate_at(8.9) == 0 and cal.rate_at(17.1) == 0
    assert cal.rate_at(5 * 24 + 23.99) == 1 and cal.rate_at(6 * 24 + 23.99) == 1  # sat, sun
    assert cal.rate_at(23.5) == 1  # wraps to monday
    assert cal.weekly_total == pytest.approx(5 * (8 + 0.072 / 3600) + 3 * 2)  # exact to the ms
    assert cal.rate_at(17 + 0.7 / 3600) == 1 and cal.rate_at(17 + 0.72 / 3600) == 0


def test_calendar_keeps_a_one_minute_gap_exactly():
    # Prosimos' "24-7" of the loan model ends at 23:59: a one-minute gap every day, kept
    cal = P.calendar_from_prosimos(
        [
            {
                "from": "MONDAY",
                "to": "SUNDAY",
                "beginTime": "00:00:00.000",
                "endTime": "23:59:00.000",
            }
        ],
        where="c",
    )
    assert cal.weekly_total == pytest.approx(HOURS_PER_WEEK - 7 / 60)


def test_calendar_round_trip():
    cal = P.calendar_from_prosimos(
        [{"from": "TUESDAY", "to": "THURSDAY", "beginTime": "08:48:00", "endTime": "18:48:00"}],
        where="c",
    )
    again = P.calendar_from_prosimos(P.calendar_to_prosimos(cal), where="c")
    assert again == cal
    assert P.calendar_from_prosimos(P.calendar_to_prosimos(P.ALWAYS), where="c") == P.ALWAYS


@pytest.mark.parametrize(
    ("periods", "match"),
    [
        (
            [{"from": "MONDAY", "to": "MONDAY", "beginTime": "22:00", "endTime": "02:00"}],
            "before it begins",
        ),
        (
            [{"from": "MONTAG", "to": "MONDAY", "beginTime": "09:00", "endTime": "10:00"}],
            "unknown day",
        ),
        (
            [{"from": "MONDAY", "to": "MONDAY", "beginTime": "9h", "endTime": "10:00"}],
            "a time like",
        ),
        ([], "no working time"),
        ([{"from": "MONDAY", "to": "MONDAY", "beginTime": "09:00"}], "missing 'endTime'"),
    ],
)
def test_bad_calendars(periods, match):
    with pytest.raises(ModelError, match=match):
        P.calendar_from_prosimos(periods, where="calendar 'c1'")


def test_arrival_calendar_keeps_prosimos_rate_while_open():
    cal = P.calendar_from_prosimos(
        [{"from": "MONDAY", "to": "FRIDAY", "beginTime": "09:00", "endTime": "17:00"}], where="a"
    )
    profile, factor = P.arrival_profile(cal)
    assert factor == pytest.approx(168 / 40)
    # one open hour of clock time is `factor` hours of operational time: a gap g (clock, open)
    # times the factor covers exactly g of open clock time
    assert profile.cumulative(10.0) - profile.cumulative(9.0) == pytest.approx(factor)
    assert profile.weekly_total == pytest.approx(HOURS_PER_WEEK)
    back, mult, exact = P.profile_calendar(profile)
    assert exact and back == cal and mult * factor == pytest.approx(1.0)
