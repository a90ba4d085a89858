"""What a back-test's figures say, in sentences for the console and the report.

``fit_reading`` reads the held-out and in-sample cycle-time errors together (a changed process,
a wrong model, or too few replications to tell); ``shape_reading`` names a median far off while
the mean is not; ``baseline_reading`` says when the naive baseline (the training cases
replayed) comes closer to the held-out history than the model beyond the replications' noise,
and ``baseline_within_noise_reading`` names the figures where it comes closer within that
noise; ``dropoff_reading`` says
whether a miss of the drop-off rate is the model's or the period's; ``held_out_extract_note`` says how the end of
the held-out log was treated. Both take the plain dictionaries of ``backtest.json``, so a report
rebuilt from an old run reads it the same way.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from scipy import stats

from sim.kpis import holm

# an error beyond this (absolute, relative) is a miss worth naming
READING_TOLERANCE = 0.05
# ``_error_class``es that leave open whether the model is within the tolerance
UNDECIDED = ("unsure", "single")


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _error_class(section: dict[str, Any] | None, history: Any = None) -> tuple[str, float]:
    """ "within" (95 % CI inside +-READING_TOLERANCE), "miss" (CI wholly outside it), "chance"
    (CI wholly outside it, but the history's mean ``history`` lies inside the 95 % prediction
    interval of a single run of the model: one period of the process varies that much, so the
    gap does not show the model wrong), "unsure" (CI across its edge), "single" (no CI: one
    replication) or "" (no figure), with the mean error."""
    v = (section or {}).get("cycle_time_mean_relerr")
    if not isinstance(v, dict) or not _finite(v.get("mean")):
        return "", math.nan
    lo, hi = v.get("ci_low"), v.get("ci_high")
    if not (_finite(lo) and _finite(hi)):  # one replication: a point says nothing of its noise
        return "single", float(v["mean"])
    tol = READING_TOLERANCE
    if -tol <= lo and hi <= tol:
        return "within", float(v["mean"])
    if lo > tol or hi < -tol:
        if _inside((section or {}).get("cycle_time_mean_prediction95"), history):
            return "chance", float(v["mean"])
        return "miss", float(v["mean"])
    return "unsure", float(v["mean"])


def _inside(interval: Any, x: Any) -> bool:
    """Whether ``x`` lies in ``interval`` ([low, high], both finite)."""
    if not (_finite(x) and isinstance(interval, list | tuple) and len(interval) == 2):
        return False
    lo, hi = interval
    return _finite(lo) and _finite(hi) and lo <= x <= hi


def _interval_text(section: dict[str, Any] | None) -> str:
    """`` [+4.20, +5.03] %``: the mean cycle-time error's 95 % interval with two decimals, so an
    edge just past the tolerance does not print as on it (QA: "[+4.2, +5.0]" read as inside 5 %
    beside "crosses that line"); "" without one."""
    v = (section or {}).get("cycle_time_mean_relerr")
    if not isinstance(v, dict) or not (_finite(v.get("ci_low")) and _finite(v.get("ci_high"))):
        return ""
    return f" [{100 * v['ci_low']:+.2f}, {100 * v['ci_high']:+.2f}] %"


def _decimals(*values: float, span: float = 0.0) -> int:
    """Decimal places that show 3 significant digits of the largest of ``values`` and 2 of
    ``span`` (so the two ends of a narrow range stay apart), at most 6."""
    top = max((abs(v) for v in values), default=0.0)
    d = 0
    if top > 0:
        d = max(d, 2 - math.floor(math.log10(top)))
    if span > 0:
        d = max(d, 1 - math.floor(math.log10(span)))
    return min(d, 6)


def _hours(x: float, decimals: int) -> str:
    """``x`` with ``decimals`` places and thousands separators (never e-notation); 0 as "0"."""
    return "0" if x == 0 else f"{x:,.{decimals}f}"


def _excludes_zero(section: dict[str, Any] | None) -> bool:
    """Whether the mean cycle-time error's 95 % CI over replications lies wholly on one side of
    0 (False without a CI)."""
    v = (section or {}).get("cycle_time_mean_relerr")
    if not isinstance(v, dict) or not (_finite(v.get("ci_low")) and _finite(v.get("ci_high"))):
        return False
    return v["ci_low"] > 0 or v["ci_high"] < 0


def _chance_text(
    history: Any,
    interval: Any,
    which: str,
    section: dict[str, Any] | None = None,
    *,
    explained: bool = False,
) -> str:
    """A sentence on whether the history's mean cycle time is one a single run of the model
    gives (inside its 95 % prediction interval), "" without the figures. Where it is, and the
    model's mean error over replications (``section``'s 95 % CI) excludes 0 all the same, the
    sentence says why both hold rather than set "may be randomness" beside an interval that
    leaves out 0 unexplained (QA: it read as a contradiction with 3 replications); with
    ``explained`` (the reading said so already) it gives the range alone."""
    if not (_finite(history) and isinstance(interval, list) and len(interval) == 2):
        return ""
    lo, hi = interval
    if not (_finite(lo) and _finite(hi)):
        return ""
    d = _decimals(lo, hi, history, span=hi - lo)
    span = f"{_hours(lo, d)} to {_hours(hi, d)} h"
    hist = _hours(history, d)
    if lo <= history <= hi:
        covers = (
            f" Single runs of the model over that period vary from {span} (95 %), which covers "
            f"the {which} history's {hist} h"
        )
        if explained:
            return covers + "."
        if _excludes_zero(section):
            return (
                f"{covers}. The model's {which} mean error has a 95 % CI{_interval_text(section)} "
                "that excludes 0: its average over many runs is not this history's mean, but a "
                "single period of the process varies by more than that gap, so the "
                f"{which} gap may still be the process's own randomness rather than the model's "
                "error."
            )
        # the period named: a reading that also gives the other period's interval (which may
        # leave out 0) does not read as calling that one's gap random
        return f"{covers}: the {which} gap may be the process's own randomness."
    return (
        f" The {which} history's {hist} h is outside what single runs of the model give "
        f"({span}, 95 %)."
    )


def _undecided_why(periods: list[tuple[str, str, dict[str, Any] | None]]) -> str:
    """Why the periods' errors (name, ``_error_class``, section) leave the tolerance open: the
    95 % intervals that cross its line, and "one replication gives no interval" for a period
    without one (QA calib25 F3: it spoke of crossing intervals where every one was null)."""
    crossing = [
        f"{name} period's 95 % interval{_interval_text(section)}"
        for name, cls, section in periods
        if cls == "unsure"
    ]
    single = [name for name, cls, _ in periods if cls == "single"]
    parts = []
    if crossing:
        cross = "crosses" if len(crossing) == 1 else "cross"
        parts.append(f"the {' and the '.join(crossing)} {cross} that line")
    if single:
        whose = "" if len(single) == len(periods) else f"the {single[0]} period's "
        parts.append(f"{whose}one replication gives no interval")
    return "; ".join(parts)


def fit_reading(result: dict[str, Any]) -> str:
    """What the held-out and in-sample cycle-time errors say together ("" without both): does
    the model miss the history it was fitted on, or only the held-out period? Decided on the
    errors' 95 % CIs over replications against +-``READING_TOLERANCE``, never on a point
    estimate alone."""
    history = (result.get("test") or {}).get("kpis", {}).get("cycle_time_mean")
    insample = result.get("in_sample") or {}
    held, e_held = _error_class(result.get("model"), history)
    ins, e_ins = _error_class(insample.get("model"), insample.get("history_cycle_time_mean"))
    if not held or not ins:
        return ""
    tol = f"{100 * READING_TOLERANCE:.0f} %"
    fig = (
        f"mean cycle time {100 * e_ins:+.1f} % on the training period, {100 * e_held:+.1f} % on "
        "the held-out one"
    )
    held_model = result.get("model") or {}
    chance = _chance_text(
        history,
        held_model.get("cycle_time_mean_prediction95"),
        "held-out",
        held_model,
        explained=held == "chance" and ins not in UNDECIDED,
    )
    noise = (result.get("test") or {}).get("cycle_time_mean_noise95")
    noise_txt = f" (its mean is uncertain by ±{100 * noise:.1f} %)" if _finite(noise) else ""
    if ins == "miss":
        chance_in = _chance_text(
            insample.get("history_cycle_time_mean"),
            (insample.get("model") or {}).get("cycle_time_mean_prediction95"),
            "training-period",
            insample.get("model"),
        )
        return (
            f"The model misses even the history it was calibrated on by more than {tol} ({fig}): "
            "look at its structure and waits per activity before trusting a what-if." + chance_in
        )
    if ins == "within" and held == "miss":
        return (
            f"The model reproduces the history it was calibrated on within {tol} but not the "
            f"held-out period ({fig}): the process changed after the training period, or the "
            f"held-out sample differs by chance{noise_txt}. Read what-ifs as changes against "
            "this model's own baseline, and recalibrate when recent history is available." + chance
        )
    if ins == "within" and held == "within":
        return f"The model reproduces both periods within {tol} ({fig})."
    if held == "miss" and ins == "chance":
        return (
            f"The model misses the held-out period by more than {tol} ({fig}); the history it "
            "was calibrated on lies inside what single runs of the model give over that "
            "period, so the process may have changed after it." + chance
        )
    if held == "miss":
        return (
            f"The model misses the held-out period by more than {tol} ({fig}); whether it "
            "also misses the history it was calibrated on needs more replications (raise "
            "backtest.replications)." + chance
        )
    if "chance" in (held, ins) and not set(UNDECIDED) & {held, ins}:
        which = " and ".join(
            name for name, cls in (("training", ins), ("held-out", held)) if cls == "chance"
        )
        return (
            f"The model's mean differs from the {which} history's by more than {tol} ({fig}), "
            "but that history lies inside what single runs of the model give over its period: "
            "one period of this process varies that much, so the gap does not show the model "
            f"wrong, and a back-test on these periods cannot hold it to {tol}; a longer held-out "
            "period can." + chance
        )
    which = _undecided_why(
        [("training", ins, insample.get("model")), ("held-out", held, result.get("model"))]
    )
    if _finite(noise) and noise > READING_TOLERANCE:
        if "single" in (held, ins):  # an interval first, though it cannot settle it alone
            return (
                f"Unclear whether the model is within {tol} ({fig}; {which}; raise "
                "backtest.replications), though more replications alone cannot settle it: the "
                f"held-out history's own mean is uncertain by ±{100 * noise:.1f} %, more than "
                f"{tol}; a longer held-out period can." + chance
            )
        return (
            f"Unclear whether the model is within {tol} ({fig}; {which}), and more "
            f"replications cannot settle it: the held-out history's own mean is "
            f"uncertain by ±{100 * noise:.1f} %, more than {tol}; a longer held-out period can."
            + chance
        )
    return (
        f"Too few replications to tell whether the model is within {tol} ({fig}; {which}): "
        "raise backtest.replications." + chance
    )


#: A median error whose 95 % CI lies wholly beyond this (relative) is named beside the mean's.
SHAPE_TOLERANCE = 0.25


def shape_reading(result: dict[str, Any]) -> str:
    """A sentence when the model's median cycle time misses the held-out history's by more than
    ``SHAPE_TOLERANCE`` (its 95 % CI over replications wholly beyond it): the mean can sit close
    while the distribution has another shape (BPIC 2012 W: mean -9 %, median -76 %, QA
    2026-12-05), and a headline on the mean alone hides that. "" otherwise."""
    model = result.get("model") or {}
    med = model.get("cycle_time_median_relerr")
    if not isinstance(med, dict) or not _finite(med.get("mean")):
        return ""
    lo, hi = med.get("ci_low"), med.get("ci_high")
    if not (_finite(lo) and _finite(hi)) or not (lo > SHAPE_TOLERANCE or hi < -SHAPE_TOLERANCE):
        return ""
    hist = ((result.get("test") or {}).get("kpis") or {}).get("cycle_time_median")
    sim = (model.get("cycle_time_median") or {}).get("mean")
    figures = (
        f" ({_hours(sim, _decimals(sim, hist))} h against {_hours(hist, _decimals(sim, hist))} h)"
        if _finite(hist) and _finite(sim)
        else ""
    )
    mean = model.get("cycle_time_mean_relerr") or {}
    mean_txt = f", the mean's {100 * mean['mean']:+.1f} %" if _finite(mean.get("mean")) else ""
    return (
        f"The model's median cycle time misses the held-out history's by {100 * med['mean']:+.1f} "
        f"% [{100 * lo:+.1f}, {100 * hi:+.1f}]{figures}{mean_txt}: its cycle times are spread "
        "differently from the history's (the report's cycle-time figures show how), so its mean "
        "is better founded than its median, the typical case."
    )


#: The p below which the naive baseline is said to come closer than the model.
BASELINE_ALPHA = 0.05


def _per_replication(figure: Any) -> np.ndarray:
    """The finite per-replication values of a ``backtest.json`` figure (empty without any)."""
    xs = figure.get("per_replication") if isinstance(figure, dict) else None
    return np.asarray([x for x in (xs or []) if _finite(x)], dtype=float)


def _welch_greater_p(x: np.ndarray, y: np.ndarray) -> float:
    """One-sided p of Welch's t-test (``scipy.stats.ttest_ind``) that ``x``'s mean exceeds
    ``y``'s (two values or more on each side). Without any spread on either side the means are
    certain and are compared directly (0 when ``x``'s is larger, else 1): scipy gives NaN there.
    Its warning of catastrophic cancellation on near-constant samples is not the user's to read."""
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        return 0.0 if x[0] > y[0] else 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        p = float(stats.ttest_ind(x, y, equal_var=False, alternative="greater").pvalue)
    if math.isnan(p):  # a spread that rounds to nothing: the means compared as they are
        return 0.0 if x.mean() > y.mean() else 1.0
    return p


def _closer_p(model: Any, baseline: Any) -> float:
    """One-sided p that the baseline's per-replication figures (distances, sizes already) are
    below the model's on average (``_welch_greater_p``); NaN without two finite figures on each
    side."""
    m, b = _per_replication(model), _per_replication(baseline)
    if len(m) < 2 or len(b) < 2:
        return math.nan
    return _welch_greater_p(m, b)


def _larger_bias_p(model: Any, baseline: Any) -> float:
    """p that the model's mean signed error is larger in size than the baseline's,
    ``|mean_m| > |mean_b|`` (a bias, not the average size of each replication's error, which
    would count the model's run-to-run spread as error); NaN without two finite figures on each
    side. ``|mean_m| > |mean_b|`` holds where the model's mean lies beyond both ``mean_b`` and
    ``-mean_b`` on the same side: each side is an intersection-union test (the larger of its two
    Welch p-values), and the smaller side's p is doubled (Bonferroni over the two sides) so that
    with both means near 0, where either side can come out, the claim stays within its level.
    Whenever ``|model mean| <= |baseline mean|`` in the figures, p is 1."""
    m, b = _per_replication(model), _per_replication(baseline)
    if len(m) < 2 or len(b) < 2:
        return math.nan
    above = max(_welch_greater_p(m, b), _welch_greater_p(m, -b))
    below = max(_welch_greater_p(-m, b), _welch_greater_p(-m, -b))
    return min(1.0, 2.0 * min(above, below))


def _p_text(p: float) -> str:
    """``p`` with two significant digits, below 0.001 as "< 0.001"; a certain comparison (no
    spread) says so."""
    if p == 0:
        return "0, every replication alike"
    return "< 0.001" if p < 0.001 else f"{p:.2g}"


def _baseline_figures(
    result: dict[str, Any], emd_bin_hours: float
) -> list[tuple[str, float, bool]]:
    """Each figure compared, as (what, p, closer): ``what`` names it with the baseline's and the
    model's values, ``p`` is the one-sided p that the baseline comes closer to the held-out
    history beyond the replications' noise, Holm-adjusted over the figures compared (``holm``:
    four tests at 5 % each claimed one in 13 % of back-tests where nothing differs; NaN with
    one replication), and ``closer`` whether the baseline's mean over replications is the
    closer one at all. Mean and p90 cycle time compare the size of the mean error (the bias,
    ``_larger_bias_p``), the cycle-time Wasserstein distance and Simod's cycle-time EMD the
    distances (``_closer_p``); the EMD is left out where most held-out cases (its p90) take less
    than its ``emd_bin_hours`` bins, which cannot tell the logs apart there (as the verdict's
    ``cycle_time_emd_below_baseline``)."""
    model, base = result.get("model") or {}, result.get("baseline") or {}
    out: list[tuple[str, float, bool]] = []
    for key, name in (
        ("cycle_time_mean_relerr", "mean cycle time"),
        ("cycle_time_p90_relerr", "p90 cycle time"),
    ):
        m, b = model.get(key), base.get(key)
        if not (isinstance(m, dict) and isinstance(b, dict)):
            continue
        if not (_finite(m.get("mean")) and _finite(b.get("mean"))):
            continue
        what = (
            f"{name} (the baseline {100 * b['mean']:+.1f} % from the held-out history, the model "
            f"{100 * m['mean']:+.1f} %)"
        )
        out.append((what, _larger_bias_p(m, b), abs(b["mean"]) < abs(m["mean"])))
    p90 = ((result.get("test") or {}).get("kpis") or {}).get("cycle_time_p90")
    coarse = _finite(p90) and p90 < emd_bin_hours
    for m, b, what in (
        (
            model.get("cycle_time_wasserstein_h"),
            base.get("cycle_time_wasserstein_h"),
            "the cycle-time distribution (Wasserstein distance: the baseline {b} h, the model {m} h)",
        ),
        (
            None if coarse else (model.get("distances") or {}).get("cycle_time_emd"),
            (base.get("distances") or {}).get("cycle_time_emd"),
            "the cycle-time EMD (Simod's, over hour bins: the baseline {b} h, the model {m} h)",
        ),
    ):
        if not (isinstance(m, dict) and isinstance(b, dict)):
            continue
        if not (_finite(m.get("mean")) and _finite(b.get("mean"))):
            continue
        d = _decimals(m["mean"], b["mean"])
        text = what.format(b=_hours(b["mean"], d), m=_hours(m["mean"], d))
        out.append((text, _closer_p(m, b), b["mean"] < m["mean"]))
    adjusted, _ = holm([p for _, p, _ in out])
    return [(what, float(q), closer) for (what, _, closer), q in zip(out, adjusted, strict=True)]


def _holm_note(figures: list[tuple[str, float, bool]]) -> str:
    """``, Holm-adjusted over the 4 figures compared`` where ``_baseline_figures`` tested more
    than one, else ""."""
    m = sum(_finite(p) for _, p, _ in figures)
    return f", Holm-adjusted over the {m} figures compared" if m > 1 else ""


def _on(texts: list[str]) -> str:
    """``a``, ``a and on b``, ``a, on b and on c``: figures named after "on"."""
    return texts[0] if len(texts) == 1 else ", on ".join(texts[:-1]) + " and on " + texts[-1]


def baseline_reading(result: dict[str, Any], *, emd_bin_hours: float = 1.0) -> str:
    """A sentence when the naive baseline (whole training cases replayed onto the held-out
    arrivals) comes closer to the held-out history than the model beyond the replications'
    noise (p < ``BASELINE_ALPHA`` after Holm's adjustment over the figures compared), on the
    size of the mean or p90 cycle time's error (its bias: ``_larger_bias_p``) or on the
    cycle-time Wasserstein distance or EMD (Welch's t-test over replications, one-sided); ""
    otherwise. The verdict's flags alone said so in a yes/no (procure-to-pay: +13.7 % against
    the baseline's +8.8 %). ``emd_bin_hours``: the EMD's bin width (``backtest.EMD_BIN_HOURS``),
    see ``_baseline_figures``."""
    figures = _baseline_figures(result, emd_bin_hours)
    found = [(what, p) for what, p, _ in figures if p < BASELINE_ALPHA]
    if not found:
        return ""
    what = _on([text for text, _ in found])
    ps = "; ".join(_p_text(p) for _, p in found) + _holm_note(figures)
    tests = "Welch's t-tests" if len(found) > 1 else "Welch's t-test"
    return (
        "The naive baseline (the training period's own cases replayed onto the held-out "
        f"arrivals) comes closer to the held-out history than the model on {what}, beyond the "
        f"replications' noise ({tests} over replications, p {ps}): for this period the history "
        "itself predicts that better than the model does. The model is still what answers a "
        "what-if the history cannot (staffing, steps, routing); read its answers as changes "
        "against its own simulated baseline, not as forecasts."
    )


def baseline_within_noise_reading(result: dict[str, Any], *, emd_bin_hours: float = 1.0) -> str:
    """A sentence naming the figures (mean and p90 cycle time, the cycle-time Wasserstein
    distance and EMD) on which the naive baseline's mean over replications lies closer to the
    held-out history than the model's, but not beyond the replications' noise (those beyond it
    are ``baseline_reading``'s); "" where there are none. The comparison table showed it and no
    sentence did, so a reader of the reading alone took the model to beat the trivial answer
    everywhere (QA: procure-to-pay, 3 replications, the baseline closer on p90, Wasserstein
    and EMD and nothing said)."""
    figures = _baseline_figures(result, emd_bin_hours)
    also = any(p < BASELINE_ALPHA for _, p, _ in figures)
    near = [(what, p) for what, p, closer in figures if closer and not p < BASELINE_ALPHA]
    if not near:
        return ""
    what = _on([text for text, _ in near])
    if all(math.isnan(p) for _, p in near):
        noise = "one replication cannot tell whether that is beyond its noise"
    else:
        tests = "Welch's t-tests" if len(near) > 1 else "Welch's t-test"
        ps = "; ".join(_p_text(p) if _finite(p) else "untested" for _, p in near)
        ps += _holm_note(figures)
        noise = f"not beyond the replications' noise ({tests} over replications, p {ps})"
    if also:
        return f"The naive baseline also comes closer on {what}, though {noise}."
    return (
        "The naive baseline (the training period's own cases replayed onto the held-out "
        f"arrivals) comes closer to the held-out history than the model on {what}, though "
        f"{noise}: on these figures the model has not shown that it predicts this period better "
        "than the history itself."
    )


def dropoff_reading(result: dict[str, Any]) -> str:
    """A sentence when the model's drop-off rate misses the held-out history's by more than
    ``READING_TOLERANCE`` absolute beyond the uncertainty of both (the model's 95 % CI over
    replications and the history's own binomial 95 % interval over its cases, combined), saying
    whether the training cases themselves (the naive baseline) miss it too; "" otherwise."""
    test = result.get("test") or {}
    hist = (test.get("kpis") or {}).get("dropoff_rate")
    model = (result.get("model") or {}).get("dropoff_rate")
    if not (_finite(hist) and isinstance(model, dict) and _finite(model.get("mean"))):
        return ""
    m = float(model["mean"])
    lo, hi = model.get("ci_low"), model.get("ci_high")
    lo, hi = (lo, hi) if _finite(lo) and _finite(hi) else (m, m)
    cases = test.get("cases")
    # one held-out period is a sample too: 200 cases at 30 % drop-off are uncertain by +-6.4
    # points, more than the tolerance (QA 2026-12-05 #3: the true model was said to misroute)
    hist_half = 1.96 * math.sqrt(hist * (1 - hist) / cases) if _finite(cases) and cases > 0 else 0.0
    model_half = m - lo if hist < m else hi - m
    if abs(m - hist) <= READING_TOLERANCE + math.hypot(model_half, hist_half):
        return ""
    text = (
        f"Drop-off: {100 * m:.1f} % of the model's cases against {100 * hist:.1f} % of the "
        f"held-out history's (95 % CI {100 * lo:.1f}-{100 * hi:.1f} %"
        + (f"; the history's own ±{100 * hist_half:.1f} points" if hist_half else "")
        + ")."
    )
    base = (result.get("baseline") or {}).get("dropoff_rate")
    b = base.get("mean") if isinstance(base, dict) else base
    if _finite(b) and abs(b - hist) > 0.5 * abs(m - hist):
        return text + (
            f" The training period's own cases give {100 * b:.1f} %: the held-out period loses "
            f"{'more' if hist > b else 'fewer'} cases than the training period did (the process "
            "changed, or cases still open at the extract's end are counted at their last "
            "activity), rather than the model misrouting them."
        )
    return text + (
        (
            f" The training period's own cases give {100 * b:.1f} %, close to the history: "
            if _finite(b)
            else " "
        )
        + "the model's routing or patience misses the drop-off; check the drop-off outcomes "
        "(outcomes.dropoff) and the branch probabilities before trusting a what-if on it."
    )


def held_out_extract_note(test: dict[str, Any]) -> str:
    """One sentence on how the end of the held-out log was treated (the ``test`` section of
    ``backtest.json``): right-truncated, cut where it had open cases, or complete; "" for a
    ``backtest.json`` written before the field existed."""
    if (test.get("truncation") or {}).get("applied"):
        return (
            "The held-out log looks right-truncated: it kept only the cases that finished by its "
            f"end, so about {float(test.get('arrivals_simulated', 0)):,.0f} cases are estimated to "
            f"have started in its period ({test.get('cases', '?')} are in it; Lynden-Bell) and "
            "the model was given that many arrivals. No held-out case is open (each finished "
            "by the end); simulated and baseline cases still running then are left out, as the "
            "extract left out its own."
        )
    if test.get("complete") is True:
        return (
            "Every case of the held-out log finished, so the simulated and baseline cases run "
            "until they finish too (cutting them at the log's last event would drop their "
            "slowest cases and none of the history's)."
        )
    if test.get("complete") is False:
        return (
            f"{test.get('open_cases', '?')} held-out cases were still open at the log's end, as "
            "its open-case rule reads them: the simulated and baseline logs are cut at the same "
            "moment and read by the same rule, and the cases it takes for open are left out of "
            "the cycle times."
        )
    return ""
