"""``calibrate_model``: event log -> validated ``ProcessModel`` with provenance, and a fits table.

Stages (each in its own module): prepare the log (``prepare``), test it for right truncation and
weight its cases (``truncation``), discover parallel groups, repetitions and the abstract case
sequences (``routing``), roles, headcounts and calendars (``staff``), split waiting into what the
simulation reproduces and extraneous delays (``delays``), then fit durations, delays, patience and
arrivals (``fitting``) and assemble the model here.

Waiting is split the way the extraneous-delay literature does (Chapela-Campa & Dumas, 2023): the
part of a wait during which every person of the role was busy or off shift comes back in
simulation from queueing and calendars; the rest, while somebody could have started but nobody
did, is an *extraneous delay*. Where it matters it becomes a timer step ``delay:<step>`` (no role,
clock time) before the step. Activities repeated in a row get one step per repetition
(``"<activity> #n"``), so delays and the chance of one more repetition depend on how many came
before (``sim.calibrate.routing.unroll_runs``).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.calibrate.delays import (
    MISSING_WORK_ALPHA,
    deadline_evidence,
    pool_delays,
    ready_after,
    resource_delays,
)
from sim.calibrate.fitting import (
    FitError,
    FitResult,
    fit_distribution,
    fit_patience,
    fit_truncated,
    kaplan_meier,
    samples_that_differ,
)
from sim.calibrate.hidden_delays import MIN_EXACT, impute_hidden_delays
from sim.calibrate.log_notes import (
    dates_only,
    long_weeks_note,
    many_at_once_note,
    twice_at_once_note,
    unused_enabled_times_note,
)
from sim.calibrate.prepare import (
    OPEN_CASES_NOTE,
    Prepared,
    case_outcomes,
    explode_people,
    joined_people,
    people_roles,
    prepare_log,
)
from sim.calibrate.routing import (
    START,
    Routing,
    discover_groups,
    discover_routing,
    linked_block_choices,
    unroll_runs,
)
from sim.calibrate.segments import (
    SegmentFit,
    case_segments,
    check_segment_priority,
    fit_segments,
    segment_branches,
    segment_notes,
)
from sim.calibrate.staff import (
    SHORT_LOG_DAYS,
    RoleFit,
    discover_roles,
    durations_by_role,
    first_choice_shares,
    observed_days,
    slots_per_hour,
    working_time,
)
from sim.calibrate.truncation import (
    Truncation,
    missing_work,
    truncation_and_open_cases,
    weighted_resample,
)
from sim.errors import ConfigError, EventLogError
from sim.eventlog import EventLog
from sim.eventlog.utc_clock import written_in_utc
from sim.model import (
    ALWAYS,
    Alternative,
    Arrivals,
    Branch,
    Decision,
    Distribution,
    End,
    Parallel,
    ProcessModel,
    Role,
    Step,
    validate,
)
from sim.model.calendar import (
    DAYS,
    HOURS_PER_WEEK,
    observed_span,
    profile_from_dict,
    slot_exposure,
)
from sim.model.columns import PEOPLE_SEPARATOR

# English, and the Dutch, German, French and Spanish words of exported logs (QA: a German
# 'Abgelehnt' got no suggestion)
DROPOFF_PATTERN = re.compile(
    r"declin|cancel|reject|lost|abandon|withdr|refus|denied|deny|expire|timeout|time-out|fail|"
    r"terminat|drop|abort|afgewezen|geannuleerd|afgebroken|ablehn|abgelehnt|storn|abgebrochen|"
    r"verloren|zurückgezogen|annul|rejet|abandonn|perdu|rechaz|cancelad|perdid|desist",
    re.IGNORECASE,
)
ABANDON_PATTERN = re.compile(
    r"cancel|abandon|withdr|expire|timeout|time-out|no.?show|geannuleerd|afgebroken|storn|"
    r"abgebrochen|zurückgezogen|annul|cancelad|desist",
    re.I,
)
TIMER_PREFIX = "delay:"
END_PREFIX = "end:"
JOIN_SUFFIX = "_join"


# names the calibrated model gives its own nodes: timers, decision points, ends, parallel blocks
RESERVED_NAME = re.compile(
    rf"^(?:{re.escape(TIMER_PREFIX)}|after:|{re.escape(END_PREFIX)})|^parallel_\d+(?:{JOIN_SUFFIX})?$"
)


def refuse_reserved_activity_names(activities: pd.Series, *, source: Any = None) -> None:
    """Refuse activity names that the calibrated model would also give one of its own nodes
    (``delay:X`` timers, ``after:X`` decisions, ``end:X`` ends, ``parallel_1`` blocks and
    their ``parallel_1_join``): the model would hold two nodes of one name."""
    counts = activities.astype(str).value_counts()
    clash = [a for a in counts.index if RESERVED_NAME.search(a)]
    if clash:
        shown = ", ".join(f"{a!r} ({counts[a]} events)" for a in clash[:5])
        raise EventLogError(
            f"{f'{source}: ' if source else ''}activity name(s) {shown}"
            f"{' and more' if len(clash) > 5 else ''}: names starting "
            f"'{TIMER_PREFIX}', 'after:' or '{END_PREFIX}', and 'parallel_<n>' or "
            f"'parallel_<n>{JOIN_SUFFIX}', are the names calibration gives the model's own "
            "timers, decisions, ends and parallel blocks; rename the activity in the log (e.g. "
            f"{_unreserved(clash[0])!r})"
        )


def _unreserved(name: str) -> str:
    """A name like ``name`` that calibration does not reserve: ``'delay:Check'`` ->
    ``'delay Check'``, ``'parallel_1'`` -> ``'parallel 1'``."""
    words = " ".join(re.sub(r"[:_]+", " ", name).split())
    return words if words and not RESERVED_NAME.search(words) else f"{name} (activity)"


@dataclass
class Calibration:
    """The result of ``calibrate_model``."""

    model: ProcessModel
    fits: pd.DataFrame  # every fitted value: distributions (all candidates), probabilities, staff
    suggested_dropoff: list[str]
    dropoff_reasons: dict[str, str]
    dropoff_outcomes: list[str]
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    concurrency: pd.DataFrame = field(default_factory=pd.DataFrame)
    waiting: pd.DataFrame = field(default_factory=pd.DataFrame)  # per activity instance
    truncation: dict[str, Any] = field(default_factory=dict)  # right-truncation check

    def summary(self) -> dict[str, Any]:
        """A JSON-safe summary (counts, choices, notes, timings)."""
        m = self.model
        return {
            "model": m.name,
            "steps": len(m.steps),
            "timer_steps": list(m.metadata.get("timer_steps", [])),
            "decisions": len(m.decisions),
            "parallel_blocks": len(m.parallels),
            "roles": {r.name: r.headcount for r in m.roles.values()},
            "ends": {e.name: e.success for e in m.ends.values()},
            "dropoff_outcomes": list(self.dropoff_outcomes),
            "suggested_dropoff": list(self.suggested_dropoff),
            "dropoff_reasons": dict(self.dropoff_reasons),
            "notes": list(self.notes),
            "truncation": dict(self.truncation),
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        }


# ------------------------------------------------------------------------------------ helpers
def wilson_interval(k: float, n: float, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score 95 % interval of a binomial proportion ``k/n``; with case weights, ``n`` is
    Kish's effective sample size and ``k`` the weighted share times it (a decision's
    ``ci95``)."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


def _scaled_interarrival(dist: Distribution, ratio: float) -> Distribution:
    """The interarrival time of a right-truncated log scaled by ``ratio`` = observed cases /
    cases estimated to have arrived, with a provenance that says so: the multiplier and why,
    ``mean_ci95`` of the mean used (the observed interval times ``ratio``; the uncertainty of
    the ratio itself is not in it) and the observed one as ``observed_mean_ci95``."""
    out = dist.scaled(ratio)
    prov = dict(dist.provenance or {})
    prov["multiplier"] = _r(ratio)
    prov["multiplier_reason"] = (
        f"right-truncated log: the {1.0 / ratio:.4g}x as many cases estimated to have arrived "
        "(the observed ones weighted by 1/P(in the log), Lynden-Bell) arrive in the same time, "
        "so the gaps between the observed cases' arrivals are scaled by their ratio"
    )
    prov["observed_mean_h"] = _r(dist.mean())
    prov["mean_h"] = _r(out.mean())
    if "mean_ci95" in prov:
        prov["observed_mean_ci95"] = prov["mean_ci95"]
        prov["mean_ci95"] = [_r(v * ratio) for v in prov["mean_ci95"]]
        prov["mean_ci_method"] = (
            f"{prov.get('mean_ci_method', '?')} on the observed gaps, times the multiplier "
            "(taken as known)"
        )
    return dataclasses.replace(out, provenance=prov)


def _r(x: float, nd: int = 6) -> float | None:
    x = float(x)
    return round(x, nd) if math.isfinite(x) else None


def suggest_dropoff(
    log: EventLog | pd.DataFrame | Prepared,
    *,
    short_case_ratio: float = 0.5,
    groups: Mapping[str, Sequence[Sequence[str]]] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """Outcomes that look like drop-off, with the reason for each.

    An outcome (a case's last activity, or its ``outcome`` column) is suggested when its name
    reads like a loss (declined, cancelled, rejected, lost, withdrawn, ...), or when the cases
    ending there are much shorter than the others (median cycle time below ``short_case_ratio``
    of the other ends' median: they stop early). Open cases are ignored. ``groups`` (parallel
    block -> its branches' activities) name the outcome of a case that ends in a block as
    ``case_outcomes`` does.
    """
    p = log if isinstance(log, Prepared) else prepare_log(log)
    outcomes = case_outcomes(p, groups).dropna()
    if outcomes.empty:
        return [], {}
    bounds = p.case_bounds().loc[outcomes.index]
    ct = (bounds["last"] - bounds["first"]).rename("ct")
    df = pd.DataFrame({"outcome": outcomes.astype(str), "ct": ct})
    counts = df["outcome"].value_counts()
    reasons: dict[str, str] = {}
    for o in counts.index:
        if DROPOFF_PATTERN.search(o):
            reasons[o] = "the name reads like a loss"
    if len(counts) >= 2:
        med = df.groupby("outcome")["ct"].median()
        for o in counts.index[1:]:  # never the most common end
            if o in reasons or counts[o] < max(5, 0.02 * len(df)):
                continue
            others = df.loc[df["outcome"] != o, "ct"].median()
            if others > 0 and med[o] < short_case_ratio * others:
                reasons[o] = (
                    f"its cases are short (median cycle time {med[o]:.3g} h vs {others:.3g} h "
                    "for the other ends): they stop early"
                )
    suggested = [o for o in counts.index if o in reasons]
    return suggested, reasons


def list_outcomes(log: EventLog | pd.DataFrame | Prepared) -> list[str]:
    """The outcomes the finished cases of ``log`` end in (a case's last activity, or its
    ``outcome`` column), sorted; open cases are left out."""
    p = log if isinstance(log, Prepared) else prepare_log(log)
    return sorted({str(o) for o in case_outcomes(p).dropna()})


#: a log's arrivals get a flat profile when a constant rate over the hours of the week explains
#: their counts at least this well (the chi-square test's p-value)
FLAT_PROFILE_P = 0.05


def _flat_rate_pvalue(counts: np.ndarray, exposure: np.ndarray) -> float | None:
    """p-value of the chi-square test that ``counts`` per hour slot come from one rate over
    the slots' ``exposure`` (hours observed); ``None`` where no slot is observed or too few
    arrivals leave the test without meaning (under 5 expected per slot on average)."""
    seen = exposure > 0
    total = float(counts[seen].sum())
    if seen.sum() < 2 or total < 5 * seen.sum():
        return None
    expected = exposure[seen] / exposure[seen].sum() * total
    return float(stats.chisquare(counts[seen], expected).pvalue)


#: simulated logs behind the day-times-hour shape's p-value (``_day_times_hour``)
SHAPE_TEST_DRAWS = 199


def _product_fit(counts: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """A rate per day of the week times a rate per hour of the day (168 rates), fitted by
    maximum likelihood to ``counts`` per slot over their ``exposure``: a Poisson log-linear
    model, by iterative proportional fitting, whose fixed point matches the observed totals of
    every day and every hour of the day. A day or hour without arrivals gets a factor of 0."""
    n = counts.reshape(7, 24)
    e = exposure.reshape(7, 24)
    day, hour = np.ones(7), np.ones(24)
    for _ in range(1000):
        before = hour
        per_day = e @ hour
        day = np.where(per_day > 0, n.sum(1) / np.where(per_day > 0, per_day, 1.0), 0.0)
        per_hour = e.T @ day
        hour = np.where(per_hour > 0, n.sum(0) / np.where(per_hour > 0, per_hour, 1.0), 0.0)
        if np.allclose(hour, before, rtol=1e-10, atol=1e-12):
            break
    return np.outer(day, hour).ravel()


def _deviance(counts: np.ndarray, expected: np.ndarray) -> float:
    """The likelihood-ratio statistic G of Poisson ``counts`` against ``expected`` (> 0)."""
    ratio = np.where(counts > 0, counts, 1.0) / expected
    return 2.0 * float(np.sum(np.where(counts > 0, counts * np.log(ratio), 0.0)))


def _day_times_hour(counts: np.ndarray, exposure: np.ndarray) -> tuple[np.ndarray, float] | None:
    """The day-times-hour rates of ``counts`` per slot over their ``exposure``
    (``_product_fit``) and the p-value of the likelihood-ratio test against 168 free rates,
    over the slots the shape leaves open (a day or hour without arrivals is closed in both).
    The p-value is a parametric bootstrap (``SHAPE_TEST_DRAWS`` logs drawn from the fit, fixed
    seed), not the chi-square: with a few arrivals per slot the statistic runs far above its
    chi-square, which rejected a true product shape in 4 of 8 six-week logs. ``None`` where no
    slot is left to test."""
    rate = _product_fit(counts, exposure)
    mu = rate * exposure
    open_ = (exposure > 0) & (mu > 0)
    free = int((rate.reshape(7, 24).sum(1) > 0).sum() + (rate.reshape(7, 24).sum(0) > 0).sum() - 1)
    if int(open_.sum()) - free < 1:
        return None
    seen = _deviance(counts[open_], mu[open_])
    rng = np.random.default_rng(0)
    beyond = 0
    for _ in range(SHAPE_TEST_DRAWS):
        drawn = np.where(open_, rng.poisson(mu), 0).astype(float)
        refit = _product_fit(drawn, exposure) * exposure
        keep = open_ & (refit > 0)
        beyond += _deviance(drawn[keep], refit[keep]) >= seen
    return rate, (1 + beyond) / (1 + SHAPE_TEST_DRAWS)


def _within_days_spans(rates: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, int]:
    """``rates`` (a day-times-hour fit) closed outside each day's span of hours with arrivals,
    from its first such hour to its last: the product evens out the rates within the hours a
    day was seen open, and never opens it earlier or later than the log did (QA arrivals21 #1
    and retest21c #7: a small log of a shop open on Saturday mornings only opened Saturday
    afternoons, one with a different Monday opened Friday 16:00-17:00, where the calibrated
    calendars were closed: 5.6 % and 9.9 % of the simulated cases arrived to wait over the
    weekend). A quiet hour inside a day's span stays open. The rates and the hours closed."""
    out = rates.reshape(7, 24).copy()
    seen = counts.reshape(7, 24) > 0
    closed = 0
    for day in range(7):
        hours = np.flatnonzero(seen[day])
        outside = np.ones(24, dtype=bool)
        if hours.size:
            outside[hours[0] : hours[-1] + 1] = False
        closed += int((out[day, outside] > 0).sum())
        out[day, outside] = 0.0
    return out.ravel(), closed


def _p_text(p: float, floor: float = 0.0) -> str:
    """A p-value as the rule says it: ``p <= floor`` at a bootstrap's least value, ``p <
    0.001`` below that, else two digits."""
    if floor and p <= floor:
        return f"p <= {floor:.2g}"
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def _arrival_profile(
    arrivals: np.ndarray, weights: np.ndarray | None = None
) -> tuple[Any, dict[str, Any]]:
    """Relative arrival rate per hour of the week: arrivals per hour of observation.

    Counts are divided by how long each hour-slot was observed (the log's first and last
    arrivals, widened by half a mean gap, cut the first and last days and weeks short), so
    that partly observed hours at the edges do not look quieter or busier than they are.
    Where those rates vary no more than chance (``_flat_rate_pvalue`` at least
    ``FLAT_PROFILE_P``), the profile is flat: 168 free rates would be fitted to noise.
    """
    week = np.floor(arrivals / HOURS_PER_WEEK)
    n_weeks = int(week.max() - week.min() + 1)
    slot = (np.floor(arrivals % HOURS_PER_WEEK).astype(np.int64)) % 168
    span_days = (arrivals.max() - arrivals.min()) / 24.0
    lo, hi = observed_span(arrivals)
    if span_days < SHORT_LOG_DAYS:
        days = observed_days(arrivals)
        hourly = np.bincount(slot % 24, weights=weights, minlength=24).astype(float)
        # exposure per hour of the day, on the kind of days observed
        expo = np.zeros(24)
        wk = slot_exposure(lo, hi, 168)
        for d in days:
            expo += wk[d * 24 : (d + 1) * 24]
        known = expo >= 0.5  # an hour seen for less than half an hour in all says nothing
        rate = np.where(known, hourly / np.where(known, expo, 1.0), 0.0)
        note = ""
        if not known.all():
            # arrivals seen during part of a day only: the other hours are unknown, not empty
            rate[~known] = rate[known].mean()
            note = (
                f"; arrivals seen during {int(known.sum())} hour(s) of the day only: the other "
                "hours get their mean rate (flat)"
            )
        counts = np.array([rate[h % 24] if h // 24 in days else 0.0 for h in range(168)])
        rule = (
            f"short log ({span_days:.1f} days): arrivals per observed hour of the day, on "
            f"{'weekdays' if max(days) < 5 else 'every day'}, normalised to mean 1" + note
        )
    else:
        expo = slot_exposure(lo, hi, 168)
        hourly = np.bincount(slot, weights=weights, minlength=168).astype(float)
        counts = np.where(expo > 0, hourly / np.where(expo > 0, expo, 1.0), 0.0)
        # the tests count arrivals: weights (a truncated log's) scaled to the number of cases,
        # else their scale decided (QA arrivals21 #3: x2 rejected a true shape in 19 logs of 20)
        tested = hourly * (arrivals.size / hourly.sum()) if hourly.sum() > 0 else hourly
        p_flat = _flat_rate_pvalue(tested, expo)
        shaped = _day_times_hour(tested, expo)
        if p_flat is None:
            why = "too few arrivals an hour of the week to test a constant rate"
        else:
            why = f"a constant rate rejected, chi-square {_p_text(p_flat)}"
        if shaped is None:
            why += "; no slot left to test a day-times-hour shape"
        else:
            floor = 1 / (1 + SHAPE_TEST_DRAWS)
            why += f"; a day-times-hour shape rejected, bootstrap {_p_text(shaped[1], floor)}"
        rule = f"arrivals per observed hour of the week, normalised to mean 1 ({why})"
        if p_flat is not None and p_flat >= FLAT_PROFILE_P:
            # 168 free rates fitted to chance (QA parallel20: a 24/7 Poisson log read 0.62-1.42)
            counts = (expo > 0).astype(float)
            rule = (
                f"flat over the observed hours of the week: the arrivals per hour vary no more "
                f"than chance (chi-square test of a constant rate, p = {p_flat:.2f} >= "
                f"{FLAT_PROFILE_P})"
            )
        elif shaped is not None and shaped[1] >= FLAT_PROFILE_P:
            # a busy Monday and a quiet lunch hour, 7 + 24 factors, not 168 rates of noise
            rates, closed = _within_days_spans(shaped[0], tested)
            counts = np.where(expo > 0, rates, 0.0)
            rule = (
                "a rate per day of the week times a rate per hour of the day, fitted to the "
                "arrivals per observed hour: the 168 hourly rates vary no more than that shape "
                f"explains (likelihood-ratio test, bootstrap p = {shaped[1]:.2f} >= "
                f"{FLAT_PROFILE_P}), normalised to mean 1; each day open only from its first "
                "to its last hour with arrivals"
                + (f" ({closed} hour(s) of the week closed so)" if closed else "")
            )
    spec = {d: [float(c) for c in counts[i * 24 : (i + 1) * 24]] for i, d in enumerate(DAYS)}
    profile = profile_from_dict(spec, where="calibrated arrival profile")
    return profile, {"n": int(arrivals.size), "weeks_observed": n_weeks, "rule": rule}


# the first step is called saturated when the lower confidence bound of the share of queued
# first starts exceeds this (see ``first_step_saturated``)
SATURATED_QUEUED_SHARE = 0.8
SATURATION_LEVEL = 0.99  # one-sided confidence level of that bound
SATURATION_BATCHES = 20  # batches of consecutive first starts for the share's sampling error
SATURATION_WARMUP = 0.1  # share of the earliest first starts left out (the log starts empty)


def queued_first_starts(events: pd.DataFrame) -> np.ndarray | None:
    """Per case, in the order of first starts: did its first event start the moment its resource
    ended another case's work?

    A case that starts exactly when its person finishes something else was (almost surely)
    waiting for them. ``None`` when the log has no resources.
    """
    ev = events[events["resource"].notna()]
    if ev.empty:
        return None
    first = ev.loc[ev.groupby("case_id", sort=False)["start"].idxmin()]
    first = first.sort_values("start", kind="stable")
    # other cases' work only: an instant first event (start = end, e.g. a submission logged
    # without a start) would otherwise match its own end, and every case would look queued
    met = first[["case_id", "resource", "start"]].merge(
        ev[["case_id", "resource", "end"]].rename(columns={"case_id": "other"}),
        left_on=["resource", "start"],
        right_on=["resource", "end"],
    )
    queued = set(met.loc[met["case_id"] != met["other"], "case_id"])
    return first["case_id"].isin(queued).to_numpy()


def queued_first_start_share(events: pd.DataFrame) -> float | None:
    """Share of cases whose first event started the moment its resource ended another case's
    work (``queued_first_starts``); ``None`` when the log has no resources."""
    flags = queued_first_starts(events)
    return None if flags is None else float(flags.mean())


def queued_share_lower_bound(
    flags: np.ndarray,
    *,
    batches: int = SATURATION_BATCHES,
    level: float = SATURATION_LEVEL,
    warmup: float = SATURATION_WARMUP,
) -> float | None:
    """One-sided lower confidence bound of the queued share after the warm-up, by batch means.

    The earliest ``warmup`` share of the first starts (in time order) is left out: a log
    usually starts with no case in progress, so its first cases find idle staff whatever the
    load (the loan application's first 40 cases: none queued, then nearly all). Whether
    consecutive cases queue is strongly correlated (a busy spell queues many in a row: in
    300-case logs at 62 % load the share scatters 3.6 times more than binomial), so the
    sampling error comes from the means of ``batches`` batches of consecutive first starts
    (Student t on their spread). ``None`` with fewer than 5 batches of 10 cases.
    """
    rest = flags[int(warmup * flags.size) :].astype(float)
    b = min(batches, rest.size // 10)
    if b < 5:
        return None
    means = np.array([x.mean() for x in np.array_split(rest, b)])
    se = means.std(ddof=1) / np.sqrt(b)
    return float(means.mean() - stats.t.ppf(level, b - 1) * se)


def first_step_saturated(flags: np.ndarray | None) -> tuple[bool, float | None]:
    """Does the evidence say the first step was saturated, and the lower bound it rests on.

    The share of queued first starts estimates the chance that a case waits for the first step:
    about the load of a single person (Erlang C: less with several people), and near 1 when the
    queue never empties. Saturation is claimed when its ``SATURATION_LEVEL`` lower bound exceeds
    ``SATURATED_QUEUED_SHARE`` (0.8): the share alone above 0.5 fired on 3-10 % of logs at
    62-71 % load whose arrival estimate is unbiased (QA 8b #8), and on any single person busy
    more than half the time. The saturated logs of the back-test (insurance 96 %, loan 92.5 %
    queued) stay above it.
    """
    if flags is None:
        return False, None
    low = queued_share_lower_bound(flags)
    return (low is not None and low > SATURATED_QUEUED_SHARE), low


def _roles_together(
    roles: Mapping[str, Any], act_role: Mapping[str, str], shared: Mapping[str, int]
) -> dict[str, tuple[str, ...]]:
    """The roles of each activity done by several people at once (``shared``): its main role
    (``act_role``) first, then every other role that counts it among its activities; only the
    activities that more than one role takes part in."""
    out = {}
    for a in shared:
        main = act_role.get(a)
        if main is None:
            continue
        others = [name for name, r in roles.items() if name != main and a in r.activities]
        if others:
            out[a] = (main, *sorted(others))
    return out


#: the share of a step's instances with a known enabling time that must start at once
INSTANT_MARKER_SHARE = 0.95
#: "at once": within this many hours of being enabled (a minute)
INSTANT_MARKER_WAIT = 1.0 / 60.0


def instant_markers(
    ev: pd.DataFrame, enabled: np.ndarray, act_role: Mapping[str, str], *, min_n: int = 5
) -> list[str]:
    """The staffed steps of ``act_role`` that are markers, not work: every instance an instant
    (start = end), and at least ``INSTANT_MARKER_SHARE`` of those whose enabling time is known
    (``enabled``, NaN where not, e.g. a case's first events; at least ``min_n`` and half of
    them) started within ``INSTANT_MARKER_WAIT`` of it. A CRM's "Closed Won" stamped by the
    owner when the last stage ends (QA newuser19 #2): as a staffed step every case queued about
    1.2 h for a free person to record a zero-time close the log shows recorded at once; they
    are modelled without staff (their outcome mapping is unchanged)."""
    s = ev["start"].to_numpy(dtype=float)
    e = ev["end"].to_numpy(dtype=float)
    acts = ev["activity"].to_numpy()
    enabled = np.asarray(enabled, dtype=float)
    out = []
    for a in sorted(act_role):
        m = acts == a
        if not m.any() or np.any(e[m] - s[m] > 1e-9):
            continue
        known = m & np.isfinite(enabled)
        n = int(known.sum())
        if n < max(min_n, 0.5 * m.sum()):
            continue
        at_once = float(np.mean(s[known] - enabled[known] <= INSTANT_MARKER_WAIT))
        if at_once >= INSTANT_MARKER_SHARE:
            out.append(str(a))
    return out


def _known_enabled(ev: pd.DataFrame, enabled: np.ndarray) -> np.ndarray:
    """``enabled`` with NaN for each case's first activities, which routing enables at their own
    start because a log does not hold the arrival: their waits are unknown, not zero."""
    start = ev["start"].to_numpy(dtype=float)
    first = start == ev.groupby("case_id")["start"].transform("min").to_numpy(dtype=float)
    return np.where(first, np.nan, np.asarray(enabled, dtype=float))


# -------------------------------------------------------------------------------- main entry
def check_calibration_options(
    *,
    rare_path_threshold: float = 0.0,
    parallel_threshold: float = 0.05,
    calendar_threshold: float = 0.1,
    calendar_minutes: int = 30,
    role_similarity: float = 0.7,
    delay_method: str = "pool",
    delay_time: str = "clock",
    truncation: str = "auto",
    max_repeats: int = 8,
    criterion: str = "aic",
    roles_from: str = "auto",
) -> None:
    """Raise ``ConfigError`` naming the first of ``calibrate_model``'s options that is out of range
    (callers check before reading a large log; ``calibrate_model`` checks again)."""
    if not 0.0 <= rare_path_threshold < 1.0:
        raise ConfigError(f"rare_path_threshold must be in [0, 1), got {rare_path_threshold}")
    if not 0.0 < calendar_threshold <= 1.0:
        raise ConfigError(f"calendar_threshold must be in (0, 1], got {calendar_threshold}")
    try:
        slots_per_hour(calendar_minutes)
    except ValueError as e:
        raise ConfigError(f"calendar_minutes must be {e}") from None
    if not 0.0 <= role_similarity <= 1.0:
        raise ConfigError(f"role_similarity must be in [0, 1], got {role_similarity}")
    if delay_method not in ("pool", "pool_anywhere", "resource"):
        raise ConfigError(
            f"delay_method must be 'pool', 'pool_anywhere' or 'resource', got {delay_method!r}"
        )
    if delay_time not in ("clock", "working"):
        raise ConfigError(f"delay_time must be 'clock' or 'working', got {delay_time!r}")
    if roles_from not in ("auto", "resources"):
        raise ConfigError(f"roles_from must be 'auto' or 'resources', got {roles_from!r}")
    if truncation not in ("auto", "on", "off"):
        raise ConfigError(f"truncation must be 'auto', 'on' or 'off', got {truncation!r}")
    if not isinstance(max_repeats, int) or max_repeats < 1:
        raise ConfigError(f"max_repeats must be an integer >= 1, got {max_repeats!r}")
    if not 0.0 <= parallel_threshold <= 1.0:
        raise ConfigError(f"parallel_threshold must be in [0, 1], got {parallel_threshold}")
    if criterion not in ("aic", "bic"):
        raise ConfigError(f"criterion must be 'aic' or 'bic', got {criterion!r}")


_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")


def _offset_minutes(zone: str) -> int | None:
    """Minutes east of UTC of an offset key of the cleaning report ('+02:00'), 0 for UTC, None
    for a named zone (a parquet column's 'Europe/Amsterdam')."""
    if zone.startswith("+00:00") or zone in ("UTC", "Z"):
        return 0
    m = _OFFSET.fullmatch(zone)
    if not m:
        return None
    return (1 if m.group(1) == "+" else -1) * (60 * int(m.group(2)) + int(m.group(3)))


def _dropoffs_passed_through(p: Prepared, outcomes: pd.Series, dropoff: list[str]) -> str:
    """A note naming the drop-off outcomes that many more finished cases pass through than end
    in: a case's outcome is its last activity (the log has no outcome column), so a case that
    carries on after the named activity (BPIC 2012: a work item closed after A_DECLINED) counts
    by what came last, not as a drop-off (QA 9a #7: 71 % of the held-out cases were declined or
    cancelled, the drop-off rate read 34 %)."""
    if p.has_outcome or not dropoff:
        return ""
    finished = outcomes.dropna()
    finished = finished[~finished.index.isin(list(p.open_cases))]
    ev = p.events[p.events["case_id"].isin(finished.index)]
    shown = []
    for name in dropoff:
        passing = int(ev.loc[ev["activity"] == name, "case_id"].nunique())
        ending = int((finished == name).sum())
        if passing - ending >= max(10, 0.1 * passing):
            shown.append(f"'{name}' is in {passing:,} finished cases and ends {ending:,}")
    if not shown:
        return ""
    return (
        "drop-off outcomes that cases carry on after: "
        + "; ".join(shown)
        + ". A case's outcome is its last activity, so the others count as what they end in, "
        "not as drop-offs, and the model's and the back-test's drop-off rates count only the "
        "cases the named activities end (name the activities that come last in such cases too, "
        "or give the log an outcome column)"
    )


def utc_clock_note(log: EventLog | pd.DataFrame) -> str | None:
    """A note when the log's timestamps carried UTC offsets other than +00:00 and were read in
    UTC (``sim.eventlog``: offsets of several places, or ``timezone='UTC'``), so the model's
    calendars, arrival profile and ``start_date`` are in UTC hours, not the clock the log was
    written in (QA 9a #5: a purchasing office at +02:00/+03:00 read as working from 05:00 or
    06:00); or when they were all written in UTC (``Z``, a UTC column, Unix time) and read as
    written, so in UTC too (QA tzdst #5: only the cleaning notes said so)."""
    if not isinstance(log, EventLog):
        return None
    how = written_in_utc(log.report)
    if log.report.clock == "local" and how is not None:
        return (
            f"the log's timestamps were written in UTC ({how}) and read as written: the "
            "calendars, the arrival profile and start_date are in UTC hours, not an office's "
            "clock, so an office's hours move by an hour across its change of the clock and "
            "a role's calendar spans both; timezone= a zone such as 'Europe/Amsterdam' reads "
            "them on its clock"
        )
    if log.report.clock != "UTC":
        return None
    offsets = [o for o in log.report.timezone_offsets if _offset_minutes(o) != 0]
    if not offsets:
        return None
    text = (
        f"the log's timestamps carried UTC offsets ({', '.join(offsets)}) and were converted to "
        "UTC: the calendars, the arrival profile and start_date are in UTC hours"
    )
    shift = _offset_minutes(offsets[0])
    if shift is not None:
        nine = (9 * 60 - shift) % (24 * 60)
        text += f", so 09:00 at {offsets[0]} reads {nine // 60:02d}:{nine % 60:02d}"
    if len(offsets) > 1:
        text += (
            "; a role's calendar spans the hours of each where the offset changes (daylight saving)"
        )
    return text + "; timezone= a zone such as 'Europe/Amsterdam' reads them on its clock"


def calibrate_model(
    log: EventLog | pd.DataFrame,
    *,
    name: str = "calibrated",
    dropoff_outcomes: list[str] | None = None,
    held_out_outcomes: Collection[str] = (),
    abandonment_outcomes: list[str] | None = None,
    rare_path_threshold: float = 0.0,
    parallel_threshold: float = 0.05,
    role_similarity: float = 0.7,
    calendar_threshold: float = 0.1,
    calendar_minutes: int = 30,
    roles_from: str = "auto",
    extraneous_delays: bool = True,
    delay_method: str = "pool",
    delay_time: str = "clock",
    deadline_timers: bool = True,
    delay_by_predecessor: bool = True,
    role_alternatives: bool = True,
    hidden_delays: bool = True,
    min_delay_share: float = 0.05,
    low_utilisation: float = 0.1,
    criterion: str = "aic",
    families: tuple[str, ...] | None = None,
    ks_alpha: float = 0.01,
    ks_tolerance: float = 0.05,
    min_abandonments: int = 20,
    truncation: str = "auto",
    max_repeats: int = 8,
    segment_priority: Sequence[str] | None = None,
    seed: int = 0,
) -> Calibration:
    """Calibrate a process model from an event log.

    Parameters (all keyword-only):

    * ``dropoff_outcomes``: outcomes (a case's last activity, or its ``outcome`` column) that are
      drop-offs; ``None`` uses ``suggest_dropoff``'s suggestions (recorded in the notes), ``[]``
      means none. A name that is neither an outcome nor an activity of the log (a typo) raises
      ``ConfigError`` with the log's outcomes; an activity that never ends a case gets a note.
    * ``held_out_outcomes``: the outcomes of a held-out log of the same process (the back-test's,
      ``list_outcomes``). A drop-off outcome among them is a real one even where no case of
      ``log`` ends in it (a rare outcome the training period happens not to show): it is kept
      in ``dropoff_outcomes`` (the back-test counts it in the history's drop-off) with a note
      that the model has no drop-off to it, not refused as a typo.
    * ``abandonment_outcomes``: drop-off outcomes that mean "left while waiting"; where the log
      shows at least ``min_abandonments`` of them after the same step, a patience distribution is
      fitted by censored maximum likelihood and attached to the step the case was waiting for.
      Its clock starts, as in the engine, when the case is ready for the step: after the step's
      extraneous-delay timer where it has one (served cases censored at their wait less their
      own delay; an abandoned case's delay, not in the log, drawn from the step's delays by
      stochastic EM: ``_fit_patience_after_delays``). Not with estimated start times (the
      served waits end when the resource fell free by construction): a note says so and the
      abandonments stay branches of the routing. Patience needs an event per abandonment (when
      the case left): a value of the log's outcome column gets a note instead, and so do steps
      with fewer than ``min_abandonments`` abandonments.
      ``None`` (default) fits no patience but names, in the notes, the drop-off activities whose
      names read like cancellation or withdrawal (not outcome-column values, nor in a log
      without start times: neither can be fitted).
    * ``rare_path_threshold``: branches with a probability at their decision below it are
      removed (the others are renormalised), except a decision's most probable branch(es) (where
      every branch is below it) and a branch without which a step would lose its way to an end;
      a higher threshold removes every branch a lower one does (``filter_rare_paths``). Notes
      name the branches removed, those kept below the threshold and why, and any end no longer
      reached.
    * ``parallel_threshold``: share of cases in which two activities overlap in time for them to
      count as concurrent (see ``sim.calibrate.routing``); above 1 disables parallel blocks. The
      default 0.05 (2.5 times the 2 % of overlap still read as a sequence) takes overlap as the
      hard evidence it is: a sequence never overlaps, while parallel branches in front of queues
      of different lengths overlap only sometimes and nearly always start in the same order
      (the loan application's AML check, credit check and appraisal overlap in 9-20 % of cases;
      no sequential pair of the public logs overlaps in even 1 %).
    * ``role_similarity``, ``calendar_threshold``, ``calendar_minutes``: see ``sim.calibrate.staff``.
    * ``segment_priority``: with a segment column in the log (``segment_key`` of
      ``sim.eventlog.read_event_log``), the segments served first, in order; ``None`` (default)
      uses the order the waits suggest (``sim.calibrate.segments``, in the notes), ``[]``
      none. The segments' shares, pace and per-segment routing are always read from the log.
    * ``roles_from``: ``"auto"`` (default) takes the roles of the log's role column where it
      names one for every resource (each resource in the role of most of its events), and
      otherwise groups resources with similar activity profiles (``role_similarity``);
      ``"resources"`` always groups them.
    * ``extraneous_delays``: model waits not explained by closed shifts and contention as timer
      steps ``delay:<activity>`` (added where at least ``min_delay_share`` of instances have one).
      ``delay_method="pool"`` (default) explains waiting only while every member of the role is
      busy or off shift, as in the engine, and only the stretch of it that runs up to the start
      (the engine queues a case after its timer); ``"pool_anywhere"`` explains every such
      instant of the wait (the rule before 2026-12-02); ``"resource"`` uses the executing
      resource's own
      availability, plus, for a role busy less than ``low_utilisation`` of its scheduled hours,
      all waiting beyond closed shifts (see ``sim.calibrate.delays``). ``delay_time="clock"``
      (default) stores each delay as the clock time it took from the moment the case was
      enabled (a timer step runs on the clock); ``"working"`` stores working hours of the
      step's role calendar and gives the timer that ``calendar`` (it counts working hours).
    * ``deadline_timers`` (default true, with ``delay_time="clock"``): a timer whose ends follow
      the case's age rather than the moment its step was reached (a ticket closed a month after
      it was opened, whatever happened in between) becomes a deadline, ``measured_from:
      arrival`` (evidence: ``sim.calibrate.delays.deadline_evidence``).
    * ``hidden_delays`` (default true): a delay that ran on while the step's pool was busy or
      closed right up to its start is known only to lie between the part before that stretch
      and the whole wait; such delays are drawn within their range from a fit of the
      activity's exact delays and ranges together (``sim.calibrate.hidden_delays``), not taken
      at their lower bound (false: as before 2026-12-05). Not with estimated start times. A
      case's first events (enabled at their own start: the log holds no arrival) are left out
      of those fits: their waits are unknown, not zero delays.
    * ``delay_by_predecessor`` (default true): a step's delay may depend on where the case came
      from (BPIC 2012: an application waits about 58 h for its first validation and 8 h for a
      re-validation once the missing documents are in). Where a k-sample Anderson-Darling test
      (0.001, ways in with at least 30 delays) says the delays after different predecessors
      differ, each of those gets its own timer ``delay:<step> (after <predecessor>)``; the other
      ways in share ``delay:<step>``, fitted on their delays.
    * ``role_alternatives`` (default true): a step is given to the role that did most of it;
      where people of another role did at least 30 of its instances at another pace (k-sample
      Anderson-Darling, 0.001; ``sim.calibrate.staff.durations_by_role``), that role becomes an
      alternative of the step with a duration fitted on its own instances (in its own calendar's
      working hours), and the step's own duration is fitted on the rest; its ``share`` (the
      cases sent to it first) is read from the instances that became ready while each of the
      roles had somebody free (``sim.calibrate.staff.first_choice_shares``: the others include
      cases it took because the own role was busy, which the engine adds itself). In the engine
      that share of the cases goes to the other role first, the rest to the step's own, and the
      first person free of either takes a case whose first choice is busy. False keeps one duration fitted on all instances and
      only notes the difference.
    * ``criterion``, ``families``, ``ks_alpha``, ``ks_tolerance``: distribution selection (see
      ``sim.calibrate.fitting.fit_distribution``).
    * ``truncation``: ``"auto"`` (default) tests whether the log keeps only the cases that
      finished before its end (right truncation: long cases that started late are missing) and,
      if so, weights every case by the inverse of its probability of being in the log, in
      routing counts, duration and delay fits, utilisation and arrivals (see
      ``sim.calibrate.truncation``); ``"on"`` always weights, ``"off"`` never.
    * ``max_repeats``: an activity repeated several times in a row (a self-loop) gets one step
      per repetition up to ``k <= max_repeats`` (``"<activity> #2"``, ..., ``"<activity> #k+"``,
      ``k`` chosen by ``criterion`` on the log's run lengths), each with its own decision and extraneous
      delay, so the number of repetitions follows the log rather than a geometric law (see
      ``sim.calibrate.routing.unroll_runs``); ``1`` keeps one step per activity. The steps'
      activity names are in ``metadata.step_activity``.

    A single name given for ``dropoff_outcomes``, ``held_out_outcomes``,
    ``abandonment_outcomes`` or ``segment_priority`` is taken as a list of one (not as its
    letters); ``seed`` is an integer >= 0.
    """
    # one outcome typed as a string would otherwise be read as its characters
    if isinstance(dropoff_outcomes, str):
        dropoff_outcomes = [dropoff_outcomes]
    if isinstance(held_out_outcomes, str):
        held_out_outcomes = [held_out_outcomes]
    if isinstance(abandonment_outcomes, str):
        abandonment_outcomes = [abandonment_outcomes]
    if isinstance(segment_priority, str):
        segment_priority = [segment_priority]
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"seed: expected an integer >= 0, got {seed!r}")
    seed = int(seed)  # np.int64 and the like as a plain int
    check_calibration_options(
        rare_path_threshold=rare_path_threshold,
        parallel_threshold=parallel_threshold,
        calendar_threshold=calendar_threshold,
        calendar_minutes=calendar_minutes,
        role_similarity=role_similarity,
        delay_method=delay_method,
        delay_time=delay_time,
        truncation=truncation,
        max_repeats=max_repeats,
        criterion=criterion,
        roles_from=roles_from,
    )
    fam = tuple(families) if families is not None else None
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    p = prepare_log(log)
    ev = p.events
    refuse_reserved_activity_names(ev["activity"], source=getattr(log, "source", None))
    notes = list(p.notes)
    bounds = p.case_bounds()
    trunc: Truncation
    trunc, still_open = truncation_and_open_cases(
        bounds, p.open_cases, mode=truncation, in_progress=p.in_progress
    )
    if len(still_open) < len(p.open_cases):  # instead of the reading's "still open" note
        notes = [n for n in notes if not n.endswith(OPEN_CASES_NOTE)]
        notes.append(
            f"{len(p.open_cases) - len(still_open)} case(s) look open at the end of the extract "
            "(last event near its end, not an end activity) but are taken as finished: a "
            "right-truncated extract kept only the cases finished by its end"
            + (
                f"; {len(still_open)} {OPEN_CASES_NOTE} (an activity in progress)"
                if still_open
                else ""
            )
        )
        p = dataclasses.replace(p, open_cases=still_open)
    case_w = trunc.weights if trunc.active else None
    if trunc.active:
        notes.append(
            "the log looks right-truncated (only cases finished before its end are in it: "
            f"log-likelihood ratio {trunc.provenance['log_likelihood_ratio']:.3g}); about "
            f"{trunc.provenance['missing_cases_estimated']:.0f} long cases that started late "
            "are missing, so cases are weighted by 1/P(in the log) (Lynden-Bell) in routing, "
            "fits, utilisation and arrivals (truncation='off' to disable)"
        )
    ev_w = (
        ev["case_id"].map(case_w).to_numpy(dtype=float) if case_w is not None else np.ones(len(ev))
    )
    timings["prepare"] = time.perf_counter() - t0

    # ---- outcomes and drop-off (a case that ends in a parallel block: see last_activities)
    t = time.perf_counter()
    groups, pairs = discover_groups(ev, parallel_threshold=parallel_threshold)
    block_branches = {g.name: g.branches for g in groups.values()}
    outcomes = case_outcomes(p, block_branches)
    suggested, reasons = suggest_dropoff(p, groups=block_branches)
    seen_outcomes = sorted({str(o) for o in outcomes.dropna()})
    if dropoff_outcomes is None:
        dropoff = [o for o in suggested]
        if dropoff:
            notes.append(
                f"drop-off outcomes not given: using the suggested {dropoff} (pass "
                "dropoff_outcomes=[] for none)"
            )
    else:
        dropoff = [str(o) for o in dropoff_outcomes]
        activities = set(ev["activity"])
        held_out = {str(o) for o in held_out_outcomes}
        unseen = [o for o in dropoff if o not in seen_outcomes]
        only_held_out = [o for o in unseen if o in held_out]
        not_final = [o for o in unseen if o not in held_out and o in activities]
        absent = [o for o in unseen if o not in held_out and o not in activities]
        if absent:  # a typo would silently count no drop-off at all: refused
            more = f" and {len(seen_outcomes) - 20} more" if len(seen_outcomes) > 20 else ""
            hint = f"; the suggested drop-offs are {suggested}" if suggested else ""
            extra = sorted(held_out - set(seen_outcomes))
            also = f"; the held-out log's cases also end in {extra[:20]}" if extra else ""
            raise ConfigError(
                f"dropoff_outcomes={absent}: not an outcome nor an activity of this log"
                f"{' nor an outcome of the held-out log' if held_out else ''} (a typo?); its "
                f"cases end in {seen_outcomes[:20]}{more}{also}{hint} (dropoff_outcomes=[] "
                "for none)"
            )
        if only_held_out:
            notes.append(
                f"drop-off outcome(s) {only_held_out}: no case of the training log ends there "
                "(only held-out cases do), so the model has no drop-off to "
                f"{'it' if len(only_held_out) == 1 else 'them'}; the back-test's drop-off "
                "figures still count them in the history"
            )
        if not_final:
            notes.append(f"drop-off outcome(s) {not_final} never end a case in this log")
        if passed := _dropoffs_passed_through(p, outcomes, dropoff):
            notes.append(passed)
    estimated_starts = isinstance(log, EventLog) and log.start_times_estimated
    log_activities = set(ev["activity"])
    # patience is fitted from a row per abandonment (see _fit_patience): suggested only where
    # the drop-off is an activity of a log with start times
    suggested_abandon = [
        o
        for o in dropoff
        if ABANDON_PATTERN.search(o) and o in log_activities and not estimated_starts
    ]
    if abandonment_outcomes is None:
        abandon = []
        if suggested_abandon:
            notes.append(
                f"{suggested_abandon} may mean 'left while waiting': pass "
                "abandonment_outcomes=[...] to fit a patience distribution for them"
            )
    else:
        abandon = [str(o) for o in abandonment_outcomes]
        stray = [o for o in abandon if o not in dropoff]
        if stray:
            raise ConfigError(
                f"abandonment_outcomes={stray}: not among the drop-off outcomes {dropoff}; an "
                "abandonment is a drop-off that means 'left while waiting'"
            )

    # ---- routing
    in_groups = {a for g in groups.values() for a in g.activities}
    repeated: dict[str, dict] = {}
    ev_log = ev  # the log's own activity names
    if max_repeats > 1:
        labels, repeated = unroll_runs(
            ev,
            max_repeats=max_repeats,
            exclude=in_groups | set(abandon),
            open_cases=p.open_cases,
            criterion=criterion,
        )
        if repeated:
            ev = ev.assign(activity=labels)
            notes.append(
                f"repeated in a row, one step per repetition ({criterion.upper()} on run "
                "lengths): "
                + "; ".join(f"'{a}' up to #{v['k']}+" for a, v in repeated.items())
                + "; the repetition that ends a run is a step of its own ('... (last)')"
            )
    step_activity = dict(zip(ev["activity"], ev_log["activity"], strict=True))
    routing = discover_routing(ev, outcomes, groups=groups, pairs=pairs, case_weights=case_w)
    notes += linked_block_choices(routing)
    case_seg, seg_notes = case_segments(ev)
    notes += seg_notes
    check_segment_priority(segment_priority, case_seg)
    segment_routing = (
        {} if case_seg is None else _segment_routings(ev, case_seg, outcomes, groups, pairs, case_w)
    )
    if groups:
        notes.append(
            "parallel blocks from overlapping activities: "
            + "; ".join(
                f"{g.name} = " + " || ".join("→".join(b) for b in g.branches)
                for g in groups.values()
            )
        )
    timings["routing"] = time.perf_counter() - t

    # ---- staff
    t = time.perf_counter()
    # a step done by several people at once ('se1;ae3'): each person's role takes part in it
    joined = joined_people(ev_log["resource"], p.resource_roles)
    if joined:
        p = dataclasses.replace(p, resource_roles=people_roles(p.resource_roles, joined))
    unresolved = sorted(
        {str(r) for r in pd.unique(ev_log["resource"].dropna()) if PEOPLE_SEPARATOR in str(r)}
        - set(joined)
    )
    if unresolved:
        notes.append(
            f"{len(unresolved)} resource value(s) join names with '{PEOPLE_SEPARATOR}' "
            f"({_some(unresolved)}) that calibration could not tell apart as people (a step "
            "done by several at once needs each part to be a resource the log also shows "
            "alone, or a role column naming as many roles): each is taken as one resource"
        )
    staff_ev, staff_rows = explode_people(ev_log, joined)
    together = ev_log["resource"].isin(list(joined)).groupby(ev_log["activity"]).mean()
    sizes = ev_log["activity"].value_counts()
    shared = {str(a): int(sizes[a]) for a, share in together.items() if share >= 0.5}
    given = _given_roles(p, staff_ev, roles_from, notes)
    roles, act_role = discover_roles(
        staff_ev,
        role_similarity=role_similarity,
        calendar_threshold=calendar_threshold,
        calendar_minutes=calendar_minutes,
        given=given,
        enabled=_known_enabled(ev, routing.enabled)[staff_rows],
        shared=shared,
    )
    act_roles = _roles_together(roles, act_role, shared)
    if act_roles:
        notes.append(
            "steps done by several people at once in the log: "
            + "; ".join(
                f"'{a}' ({' + '.join(rs)}, {together[a]:.0%} of its {sizes[a]} events)"
                for a, rs in sorted(act_roles.items())
            )
            + ": modelled as steps that need one person of each of those roles at once"
        )
    borrowed = {
        name: r.provenance["calendar"]["borrowed_from"]
        for name, r in roles.items()
        if "borrowed_from" in r.provenance["calendar"]
    }
    if borrowed:
        notes.append(
            "seen too seldom to read their own working hours, so working those of the role with "
            "the most events: "
            + "; ".join(f"{name} (from {donor})" for name, donor in sorted(borrowed.items()))
        )
    if long := long_weeks_note(roles):
        notes.append(long)
    if many := many_at_once_note(ev_log):
        notes.append(many)
    if twice := twice_at_once_note(ev_log):
        notes.append(twice)
    act_role = {st: act_role[a] for st, a in step_activity.items() if a in act_role}
    act_roles = {st: act_roles[a] for st, a in step_activity.items() if a in act_roles}
    if not (isinstance(log, EventLog) and log.start_times_estimated):
        markers = instant_markers(ev, _known_enabled(ev, routing.enabled), act_role)
        if markers:
            act_role = {a: r for a, r in act_role.items() if a not in markers}
            act_roles = {a: r for a, r in act_roles.items() if a not in markers}
            notes.append(
                "steps recorded as instants at the moment they became due ("
                + ", ".join(f"'{a}'" for a in markers)
                + "): modelled without staff, so cases do not queue for a free person to record "
                "them (every instance took no time and started within a minute of becoming "
                "due)"
            )
    timings["staff"] = time.perf_counter() - t

    # ---- waiting, extraneous delays, processing
    t = time.perf_counter()
    enabled = routing.enabled
    hidden_fits: dict[str, dict[str, Any]] = {}  # per activity: the fit its hidden delays drew on
    if delay_method in ("pool", "pool_anywhere"):
        # a right-truncated extract lacks the work of the cases it left out: a member who looks
        # idle may have been busy with one of them (``sim.calibrate.delays``, "Right truncation")
        missing = (
            missing_work(
                ev["activity"].to_numpy(),
                ev["end"].to_numpy(dtype=float),
                ev["case_id"].map(bounds["last"]).to_numpy(dtype=float),
                float(bounds["last"].max()),
            )
            if case_w is not None
            else None
        )
        detect = functools.partial(
            pool_delays,
            ev,
            enabled,
            act_role,
            roles,
            clock=delay_time == "clock",
            trailing=delay_method == "pool",
            act_roles=act_roles,
        )
        ready, delay = detect(missing=missing)
        unowned = ev["resource"].isna() & ev["activity"].isin(list(act_role))
        if unowned.any():  # QA newuser19 #1: said only in cleaning.json
            notes.append(
                f"{int(unowned.sum())} row(s) of staffed steps ({unowned.mean():.1%} of the "
                "events) name no resource: each is counted as busy time of one person of its "
                "step's role when telling waiting for staff from extraneous delays (headcounts "
                "and working hours come from the named rows only); fill in the owners where "
                "the log has them"
            )
        if missing is not None:  # say what the missing work explained
            _, seen = detect()
            acts_ = ev["activity"].to_numpy()
            moved = []
            for a in sorted(act_role):
                m = acts_ == a
                was, now = float(np.mean(seen[m] > 1e-6)), float(np.mean(delay[m] > 1e-6))
                if m.any() and was - now >= 0.01:
                    moved.append(
                        f"'{a}' {was:.0%} -> {now:.0%} (mean {seen[m].mean():.3g} h -> "
                        f"{delay[m].mean():.3g} h)"
                    )
            if moved:
                notes.append(
                    "right-truncated extract: waiting while members looked idle is taken as "
                    "queueing where the work of the cases missing from the extract could have "
                    f"kept them busy (Poisson tail >= {MISSING_WORK_ALPHA:g}); share of instances "
                    "with an extraneous delay, as the extract shows -> with its missing work: "
                    + "; ".join(moved)
                )
        # (estimated start times end each wait when the resource fell free by construction:
        # there the waits' ends say nothing about the delays, and no delay is drawn)
        starts_known = not (isinstance(log, EventLog) and log.start_times_estimated)
        if hidden_delays and starts_known and delay_method == "pool" and delay_time == "clock":
            # the delays that ran on under a busy or closed pool: drawn within their bounds
            starts = ev["start"].to_numpy(dtype=float)
            delay, hidden, kept = impute_hidden_delays(
                delay,
                # a case's first events' waits are unknown (NaN), not exact zeros
                np.maximum(starts - _known_enabled(ev, enabled), 0.0),
                ev["activity"].to_numpy(),
                seed=seed,
            )
            ready = ready_after(enabled, starts, delay)
            if hidden:
                notes.append(
                    "delays that ran on while the pool was busy or closed (the log gives only "
                    "a range for them) are drawn within their range, from a fit of every "
                    "activity's exact delays and ranges (calibration.hidden_delays); mean "
                    "delay before -> after: "
                    + "; ".join(
                        f"'{a}' {f.mean_before:.3g} h -> {f.mean_after:.3g} h ({f.hidden} of "
                        f"{f.hidden + f.exact} hidden)"
                        for a, f in sorted(
                            hidden.items(), key=lambda kv: kv[1].mean_before - kv[1].mean_after
                        )[:5]
                    )
                    + (f"; {len(hidden) - 5} more" if len(hidden) > 5 else "")
                    + " (model.yaml's metadata.hidden_delays has each fit)"
                )
            if kept:
                notes.append(
                    "delays that ran on while the pool was busy or closed are taken at their "
                    f"shortest (under {MIN_EXACT} exact delays to fit them by, or no family "
                    "fits): "
                    + "; ".join(
                        f"'{a}' ({h} hidden, {n} exact)" for a, (n, h) in sorted(kept.items())[:5]
                    )
                    + (f"; {len(kept) - 5} more" if len(kept) > 5 else "")
                    + ": where these steps do wait for something besides staff, their timers "
                    "are short"
                )
            hidden_fits = {a: f.to_dict() for a, f in sorted(hidden.items())}
    else:
        ready, delay = resource_delays(ev, enabled, act_role, roles)
    acts = ev["activity"].to_numpy()
    s = ev["start"].to_numpy(dtype=float)
    e = ev["end"].to_numpy(dtype=float)
    # the suspensions the log records within an instance (XES suspend/resume) are no work
    paused = ev["suspended"].to_numpy(dtype=object) if "suspended" in ev.columns else None
    work = working_time(ALWAYS, s, e, paused)
    unpaused = np.maximum(e - s, 0.0)  # the same without leaving the suspensions out
    # working time in the hours of the role of who did it (the step's role's, unless a person
    # of another role did it: on the step's role's calendar, their work paused overnight on
    # their own shift would look slow), so paces compare alike and alternatives fit as measured
    doer = ev["resource"].map({m: rn for rn, r in roles.items() for m in r.members})
    doer = doer.to_numpy(dtype=object)
    for a in pd.unique(acts):
        role = act_role.get(a)
        if role is not None:
            m = acts == a
            cal = np.array([r if r in roles else role for r in doer[m]], dtype=object)
            for rn in pd.unique(cal):
                k = np.flatnonzero(m)[cal == rn]
                work[k] = working_time(
                    roles[rn].calendar, s[k], e[k], None if paused is None else paused[k]
                )
                if paused is not None:
                    unpaused[k] = working_time(roles[rn].calendar, s[k], e[k])
    if paused is not None:
        notes.append(_suspensions_note(paused, unpaused - work))
    role_paces = durations_by_role(acts, ev["resource"], work, roles, act_role)
    # (delay_method="resource") A role busy for a small share of its scheduled hours cannot make
    # cases wait by queueing: there the resources' logged work does not explain their
    # availability, so all waiting beyond closed shifts is taken as extraneous.
    span = max(float(e.max() - s.min()), 1e-9)
    for rname, r in roles.items():
        sched = r.headcount * r.calendar.weekly_total * span / HOURS_PER_WEEK
        mine = np.isin(ev_log["activity"].to_numpy(), r.activities)
        util = float((work[mine] * ev_w[mine]).sum()) / sched if sched > 0 else 1.0
        r.provenance["utilisation_in_log"] = round(util, 4)
        if extraneous_delays and delay_method == "resource" and util < low_utilisation:
            cal = r.calendar
            opens = np.array([cal.next_positive(float(x)) for x in enabled[mine]])
            delay[mine] = np.maximum(s[mine] - np.minimum(opens, s[mine]), 0.0)
            notes.append(
                f"{rname} is busy {util:.1%} of its scheduled hours in the log (< "
                f"{low_utilisation:.0%}): its waiting beyond closed shifts is modelled as "
                "extraneous delay"
            )
    seg_fit: SegmentFit | None = None
    scale_ev = timer_scale_ev = np.ones(len(ev))
    staffed = np.isin(acts, list(act_role))
    if case_seg is not None:
        seg_fit = fit_segments(
            case_seg,
            work,
            delay,
            # the queue's part of the wait (a case's first events' waits are unknown)
            np.where(np.isfinite(_known_enabled(ev, enabled)), s - ready, np.nan),
            acts,
            ev["case_id"].to_numpy(),
            staffed,
            priority=segment_priority,
        )
        scale_ev, timer_scale_ev = seg_fit.scales_of(ev["case_id"], staffed)
        notes.extend(segment_notes(seg_fit, given_priority=segment_priority is not None))
    # the engine multiplies a case's staffed steps' durations by its segment's duration_scale
    # and its timers' (steps without roles) by its timer_scale: the fits are of the values
    # divided by them
    work_f, delay_f = work / scale_ev, delay / timer_scale_ev
    waiting = pd.DataFrame(
        {
            "case_id": ev["case_id"],
            "activity": ev["activity"],
            "log_activity": ev_log["activity"],
            "resource": ev["resource"],
            "enabled": enabled,
            "ready": ready,
            "start": s,
            "end": e,
            "waiting": s - enabled,
            "extraneous_delay": delay,
            "processing": work,
            "weight": ev_w,
        }
    )
    if seg_fit is not None:  # the report divides its observed durations by the segment's scale
        waiting["segment"] = ev["case_id"].map(seg_fit.case_segment).to_numpy()
    fit_rows: list[dict[str, Any]] = []
    fits: dict[str, FitResult] = {}

    # A right-truncated log: a value (a duration, a delay, an age) of a case that ended at
    # ``last`` could only be in the log if that case ended by the extract's end ``T``. Given the
    # rest of its case, a value ``d`` could have been at most ``bound = d + (T - last)`` (for
    # working time: ``d`` plus the working hours of its role in that slack), and every value is
    # fitted by its truncated likelihood ``f(d) / F(bound)`` (``fit_truncated``). The bound is
    # the case's, not ``T - start``: the whole case, not just this step, had to finish by ``T``;
    # ``T - start`` would let the step's long values run into time the rest of the case needed
    # (``sim.calibrate.truncation``'s docstring has the numbers of both choices). The case
    # weights 1/H(cycle time) are not applied on top: the bound already conditions each value on
    # its case's selection, and the weights would correct the same selection a second time.
    # Families that cannot extrapolate (uniform, fixed, empirical) keep the reweighted fit.
    if case_w is not None:
        T_end = float(bounds["last"].max())
        slack = np.maximum(T_end - ev["case_id"].map(bounds["last"]).to_numpy(dtype=float), 0.0)
        work_slack = slack.copy()
        for act in pd.unique(acts):
            rcal = roles[act_role[act]].calendar if act in act_role else None
            if rcal is not None and not rcal.is_constant:
                sel = acts == act
                work_slack[sel] = np.maximum(
                    rcal.cumulative_array(e[sel] + slack[sel]) - rcal.cumulative_array(e[sel]), 0.0
                )
        work_bound = (work + work_slack) / scale_ev
        delay_bound = (delay + (slack if delay_time == "clock" else work_slack)) / timer_scale_ev
        case_code = pd.factorize(ev["case_id"])[0]
    else:
        slack = work_bound = delay_bound = case_code = None

    def _tb(bound: np.ndarray | None, sel: np.ndarray) -> tuple[Any, Any]:
        """The truncation bounds and case codes of the values ``sel`` (None: not truncated)."""
        return (None, None) if bound is None else (bound[sel], case_code[sel])

    def fit(
        target: str,
        values: np.ndarray,
        weights: np.ndarray | None = None,
        bound: np.ndarray | None = None,
        cases: np.ndarray | None = None,
    ) -> FitResult:
        kw: dict[str, Any] = {}
        if fam is not None:
            kw["families"] = fam
        why = ""
        if weights is not None and case_w is not None:
            if bound is not None:
                res, why = fit_truncated(
                    values,
                    bound,
                    groups=cases,
                    target=target,
                    criterion=criterion,
                    alpha=ks_alpha,
                    ks_tolerance=ks_tolerance,
                    seed=seed,
                    **kw,
                )
                if res is not None:  # no mean matching: the sample's mean is the biased one
                    fits[target] = res
                    fit_rows.extend(res.rows())
                    return res
            values = weighted_resample(values, weights)
        res = fit_distribution(
            values,
            target=target,
            criterion=criterion,
            alpha=ks_alpha,
            ks_tolerance=ks_tolerance,
            seed=seed,
            **kw,
        )
        # the mean sets the load (and the arrival rate): a family chosen by likelihood keeps its
        # shape, scaled to the sample mean when it misses it by more than 1 %; an empirical
        # distribution's group means have the sample's mean by construction, and scaling them
        # would stretch its body instead (QA calib25: BPIC 2013's median gap doubled)
        d = res.distribution
        want = float(np.mean(values)) if len(values) else 0.0
        have = d.mean() if d is not None else 0.0
        matched = res.family != "empirical"
        if matched and want > 0 and have > 0 and abs(have / want - 1.0) > 0.01:
            factor = want / have
            prov = dict(d.provenance or {})
            prov["mean_matched"] = {"sample_mean": _r(want), "fitted_mean": _r(have)}
            d = dataclasses.replace(d.scaled(factor), provenance=prov)
            res = dataclasses.replace(
                res, distribution=d, note=(res.note + " mean-matched").strip()
            )
        if why:  # a truncated log whose sample the truncated likelihood does not fit
            d = res.distribution
            prov = dict(d.provenance or {})
            prov["truncated_likelihood"] = f"not used ({why}): cases reweighted by 1/H(c)"
            res = dataclasses.replace(res, distribution=dataclasses.replace(d, provenance=prov))
        fits[target] = res
        fit_rows.extend(res.rows())
        return res

    activities = sorted(pd.unique(acts))
    durations: dict[str, Distribution] = {}
    timers: dict[str, Distribution] = {}
    log_acts = ev_log["activity"].to_numpy()
    pooled: dict[str, Distribution] = {}
    deadlines: dict[str, dict[str, Any]] = {}
    edge_timers: dict[tuple[str, str], Distribution | None] = {}
    edge_evidence: dict[str, dict[str, Any]] = {}
    predecessor_labels = np.array([_point_label(x) for x in routing.predecessor], dtype=object)
    # a case's arrival, as for the arrival process: its first start
    arrival = ev["case_id"].map(bounds["first"]).to_numpy(dtype=float)
    # repetitions share one duration fit unless their samples differ (BPIC's last call of a
    # run is the real conversation; Prosimos-made logs draw every repetition alike)
    own_fit: set[str] = set()
    for base in repeated:
        reps = {a: work_f[acts == a] for a in activities if step_activity[a] == base}
        own, evidence = samples_that_differ(reps)
        repeated[base]["durations"] = {**evidence, "own_fit": sorted(own)}
        own_fit |= own
    # steps people of another role do at another pace: that role's instances get a fit of
    # their own (an alternative of the step; ``work`` is in its own calendar's working hours)
    alt_durations: dict[str, dict[str, Distribution]] = {}
    alt_shares: dict[str, dict[str, dict[str, Any]]] = {}
    for a in activities:
        m = acts == a
        wm = ev_w[m]
        base = step_activity[a]
        alts = [
            r
            for r in (role_paces.get(a, {}) if role_alternatives else {})
            if r not in ("test", act_role.get(a))
        ]
        if base in repeated and a not in own_fit:  # one fit shared by the repetitions
            if base not in pooled:
                mb = log_acts == base
                target = f"steps.{base} (all repetitions).duration"  # not the step {base}'s
                pooled[base] = fit(target, work_f[mb], ev_w[mb], *_tb(work_bound, mb)).distribution
            durations[a] = pooled[base]
        elif alts:
            own = m & ~np.isin(doer, alts)
            durations[a] = fit(
                f"steps.{a}.duration", work_f[own], ev_w[own], *_tb(work_bound, own)
            ).distribution
            alt_shares[a] = first_choice_shares(
                m, ready, s, e, doer, [roles[r] for r in [act_role[a], *alts]]
            )
            alt_durations[a] = {}
            for r in alts:
                sel = m & (doer == r)
                alt_durations[a][r] = fit(
                    f"steps.{a}.alternatives.{r}.duration",
                    work_f[sel],
                    ev_w[sel],
                    *_tb(work_bound, sel),
                ).distribution
        else:
            durations[a] = fit(
                f"steps.{a}.duration", work_f[m], wm, *_tb(work_bound, m)
            ).distribution
        if extraneous_delays:
            d = delay_f[m]
            idx = np.flatnonzero(m)
            if np.average(d > 1e-6, weights=wm) >= min_delay_share and d.mean() > 0:
                target = f"steps.{TIMER_PREFIX}{a}.duration"
                # the engine runs a timer before the queue: it ends at enabled + delay
                age_ready = enabled[m] + delay[m] - arrival[m]
                evidence = (
                    deadline_evidence(enabled[m] - arrival[m], age_ready, seed=seed)
                    if delay_time == "clock" and deadline_timers
                    else {"deadline": False}
                )
                if evidence["deadline"]:  # the timer ends at an age of the case, not a delay
                    deadlines[a] = evidence
                    timers[a] = fit(
                        target,
                        age_ready / timer_scale_ev[m],
                        wm,
                        *(
                            ((age_ready + slack[m]) / timer_scale_ev[m], case_code[m])
                            if slack is not None
                            else (None, None)
                        ),
                    ).distribution
                    continue
                after = predecessor_labels[m]
                own, split = (
                    samples_that_differ({q: d[after == q] for q in pd.unique(after)})
                    if delay_by_predecessor
                    else (set(), {})
                )
                if own:  # the wait depends on where the case came from (first vs re-validation)
                    edge_evidence[a] = split
                    for q in sorted(own):
                        mq = after == q
                        edge_timers[(q, a)] = (
                            fit(
                                f"steps.{edge_timer_name(q, a)}.duration",
                                d[mq],
                                wm[mq],
                                *_tb(delay_bound, idx[mq]),
                            ).distribution
                            if (d[mq] > 1e-6).any()
                            else None  # never delayed this way in (a case's first step): no timer
                        )
                    rest = ~np.isin(after, sorted(own))
                    if not rest.any():  # every way in has its own timer
                        continue
                    d, wm = d[rest], wm[rest]  # the other ways in share the rest's delays
                    idx = idx[rest]
                timers[a] = fit(target, d, wm, *_tb(delay_bound, idx)).distribution
    if edge_evidence:
        notes.append(
            "delays that depend on the step the case came from (k-sample Anderson-Darling at "
            "0.001), one timer per way in: "
            + "; ".join(
                f"'{a}' after " + ", ".join(f"'{q}'" for q, b in sorted(edge_timers) if b == a)
                for a in sorted(edge_evidence)
            )
        )
    if deadlines:
        notes.append(
            "timers that end at an age of the case, whatever happened before (deadlines, "
            "measured from its arrival): "
            + ", ".join(f"'{a}'" for a in deadlines)
            + " (replaying them as delays after the step is reached spreads their ends: KS "
            + ", ".join(
                f"{v['ks_after_enabled']:.2f} vs {v['ks_after_arrival']:.2f}"
                for v in deadlines.values()
            )
            + ")"
        )
    notes.extend(
        _role_pace_note(
            step,
            act_role[step],
            pace,
            first_choice=alt_shares.get(step),
            why_not="its repetitions share one duration"
            if role_alternatives
            else "calibration.role_alternatives=false",
        )
        for step, pace in role_paces.items()
    )
    timings["durations"] = time.perf_counter() - t

    # ---- patience (abandonment while waiting)
    t = time.perf_counter()
    patience: dict[str, FitResult] = {}
    removed_abandon: dict[tuple, int] = {}
    rows = [o for o in abandon if o in log_activities]  # abandonment activities: a row each
    if abandon and estimated_starts:
        notes.append(
            f"patience not fitted for {abandon}: the log has no start times, and the estimated "
            "ones end each served case's wait when its resource fell free, which says nothing "
            "about how long it would have waited (the served waits, the censored observations "
            "of patience, are near zero by construction); the abandonments stay branches of the "
            "routing"
        )
    elif values := [o for o in abandon if o not in log_activities]:
        notes.append(_abandonment_values_note(values))
    if rows and not estimated_starts:
        timed = set(timers) | {a for (_, a), dist in edge_timers.items() if dist is not None}
        patience, removed_abandon = _fit_patience(
            ev,
            routing,
            waiting,
            rows,
            min_abandonments,
            fit_rows,
            notes,
            before_queue=_timer_clock_times(
                ev,
                enabled,
                delay,
                timed,
                act_role,
                roles,
                working=delay_time == "working" and delay_method != "resource",
            )
            if extraneous_delays and timed
            else None,
            came_from=predecessor_labels,
            seed=seed,
        )
    timings["patience"] = time.perf_counter() - t

    if not roles:
        notes.append(
            "the log names no resources: steps are modelled without staff, so cases never queue "
            "for people and staffing cannot be changed or searched (map a resource column with "
            "resource_key=... if the log has one)"
        )

    # ---- arrivals
    t = time.perf_counter()
    first_by_case = bounds["first"]
    order = np.argsort(first_by_case.to_numpy(dtype=float), kind="stable")
    first = first_by_case.to_numpy(dtype=float)[order]
    arr_w = (
        None
        if case_w is None
        else trunc.arrival_weights.reindex(first_by_case.index).to_numpy()[order]
    )
    profile, prof_prov = _arrival_profile(first, arr_w)
    if "the other hours" in prof_prov["rule"]:
        notes.append(
            "arrivals were seen during part of the day only: the arrival profile is flat over the "
            "hours the log never reaches (they are unknown, not empty)"
        )
    unknown_hours = sorted(
        r.name for r in roles.values() if "unknown" in r.provenance["calendar"].get("rule", "")
    )
    if unknown_hours:
        notes.append(
            f"the log covers part of the day only: {unknown_hours} work(s) the hours it never "
            "reaches (unknown, kept open)"
        )
    if clock := utc_clock_note(log):
        notes.append(clock)
    op = profile.cumulative_array(first)
    gaps = np.diff(op)
    if not np.any(gaps > 0):
        raise EventLogError(
            f"{p.source}: all {len(first)} cases start at the same moment, so there is no time "
            "between arrivals to fit; expected start timestamps that differ from case to case "
            "(do they carry a time of day, not only a date?)"
        )
    inter = fit("arrivals.interarrival", gaps)
    inter_dist = inter.distribution
    if arr_w is not None:
        # the missing cases would have arrived too: the rate is sum(w) per n observed arrivals
        ratio = first.size / float(arr_w.sum())
        inter_dist = _scaled_interarrival(inter_dist, ratio)
        prof_prov["truncation_rate_factor"] = round(1.0 / ratio, 4)
        fit_rows.append(
            {
                "target": "arrivals.interarrival",
                "kind": "multiplier",
                "family": "scale",
                "chosen": True,
                "n": int(first.size),
                "value": ratio,
                "mean": _r(inter_dist.mean()),
                "note": inter_dist.provenance["multiplier_reason"],
            }
        )
    # estimated start times are the end of the resource's previous work by construction
    estimated = isinstance(log, EventLog) and log.start_times_estimated
    if estimated:  # said where an analyst reads the fits (QA 2026-12-04: in cleaning.json only)
        notes.append(
            "processing times are estimated: the log has completion times only, so each start "
            "was taken as the later of the end of the case's previous activity and the end of "
            "the resource's previous activity (where cases enabled while their resource was "
            "idle took much longer than queued ones, their gaps were split into waiting and "
            "work; see the cleaning notes); every fit marked start_times: estimated (model.yaml, "
            "fits.csv) rests on that estimate, which counts a person's idle time or other work "
            "as work where nothing in the log shows it, and overstates durations where people "
            "are not busy all the time"
        )
    days_only = dates_only(log)
    if days_only:
        notes.append(
            "every start and end time of the log is a date without a time of day (midnight): "
            "work and waits shorter than a day cannot be measured, so steps done within a day "
            "get a duration of 0 and the staff's utilisation reads near 0; read the model's "
            "durations, staffing and waits as unknown, and its cycle times in whole days at best"
        )
    # first starts at midnight all coincide with other work's ends: no sign of queueing
    flags = None if estimated or days_only else queued_first_starts(ev)
    saturated, low = first_step_saturated(flags)
    # the share of the cases the bound is of, after the log's empty start (``warmup`` of
    # ``queued_share_lower_bound``): the share of all, 94 %, was said with a bound of 100 %
    rest = None if flags is None else flags[int(SATURATION_WARMUP * flags.size) :]
    queued = None if rest is None or rest.size == 0 else float(rest.mean())
    prof_prov["first_starts_queued_share"] = None if queued is None else round(queued, 4)
    prof_prov["first_starts_queued_lower_bound"] = None if low is None else round(low, 4)
    prof_prov["first_step_saturated"] = saturated
    if saturated:
        notes.append(
            f"{queued:.0%} of the cases' first steps (leaving out the log's first "
            f"{SATURATION_WARMUP:.0%}, which start with no case under way) started the moment "
            f"their person finished other work ({SATURATION_LEVEL:.0%} lower bound {low:.0%}, "
            f"above {SATURATED_QUEUED_SHARE:.0%}): the first step is saturated, cases queued "
            "for it, so first starts follow the staff's pace, not the arrivals, and the fitted "
            "arrival rate is a lower bound (the log has no arrival times); "
            "scenario.arrival_scale tries higher rates"
        )
    if note := unused_enabled_times_note(log):
        notes.append(note)
    timings["arrivals"] = time.perf_counter() - t

    # ---- assemble
    t = time.perf_counter()
    model, graph_rows = _assemble(
        name=name,
        p=p,
        routing=routing,
        roles=roles,
        act_role=act_role,
        act_roles=act_roles,
        durations=durations,
        timers=timers,
        edge_timers=edge_timers,
        edge_evidence=edge_evidence,
        patience={k: v.distribution for k, v in patience.items()},
        removed=removed_abandon,
        dropoff=dropoff,
        abandon=abandon,
        inter=inter_dist,
        profile=profile,
        rare=rare_path_threshold,
        waiting=waiting,
        notes=notes,
        step_activity={k: v for k, v in step_activity.items() if k != v},
        repeated=repeated,
        delay_time=delay_time,
        deadlines=deadlines,
        segment_fit=seg_fit,
        segment_routing=segment_routing,
        segment_shares=_segment_shares(seg_fit, trunc if case_w is not None else None),
        settings={
            "max_repeats": max_repeats,
            "deadline_timers": deadline_timers,
            "delay_by_predecessor": delay_by_predecessor,
            "hidden_delays": hidden_delays,
            "rare_path_threshold": rare_path_threshold,
            "parallel_threshold": parallel_threshold,
            "role_similarity": role_similarity,
            "calendar_threshold": calendar_threshold,
            "calendar_minutes": calendar_minutes,
            "extraneous_delays": extraneous_delays,
            "delay_method": delay_method,
            "delay_time": delay_time,
            "truncation": truncation,
            "criterion": criterion,
            "segment_priority": None if segment_priority is None else list(segment_priority),
        },
        prof_prov=prof_prov,
    )
    if role_paces:
        model = _with_role_paces(model, role_paces, alt_durations, alt_shares)
    if hidden_fits:
        model = dataclasses.replace(
            model, metadata={**(model.metadata or {}), "hidden_delays": hidden_fits}
        )
    if isinstance(log, EventLog) and p.clock == "local" and written_in_utc(log.report):
        # the clock they were written in is UTC itself (QA tzdst #5: model.yaml said local)
        model = dataclasses.replace(model, metadata={**(model.metadata or {}), "clock": "UTC"})
    elif (
        isinstance(log, EventLog)
        and p.clock != "local"
        and not log.report.timezone_aware_values
        and not log.report.timezone_zoned_values
    ):
        # a zone given for times without an offset moved none: they are read as written (QA
        # retest: model.yaml said Europe/Amsterdam beside the note that nothing moved); one whose
        # clock read them (an event across its change keeps its exact duration) is the model's
        # clock, as cleaning.json says (QA rt28_calib F4: model.yaml said local)
        model = dataclasses.replace(model, metadata={**(model.metadata or {}), "clock": "local"})
    if estimated:
        model = _marked_estimated(model)
        fit_rows = [_row_marked_estimated(r) for r in fit_rows]
    fit_rows.extend(graph_rows)
    for r in roles.values():
        if r.name in model.roles:
            fit_rows.append(
                {
                    "target": f"roles.{r.name}.headcount",
                    "kind": "headcount",
                    "family": "count",
                    "chosen": True,
                    "n": r.provenance.get("n_events"),
                    "value": r.headcount,
                    "note": (
                        f"most on staff at once ({len(r.members)} distinct resources); "
                        + r.provenance["calendar"]["rule"]
                    ),
                }
                | ({"start_times": ESTIMATED} if estimated else {})
            )
    timings["assemble"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return Calibration(
        model=model,
        fits=pd.DataFrame(fit_rows),
        suggested_dropoff=suggested,
        dropoff_reasons=reasons,
        dropoff_outcomes=dropoff,
        notes=notes,
        timings=timings,
        concurrency=routing.pairs,
        waiting=waiting,
        truncation=_safe(trunc.provenance | {"applied": trunc.active}),
    )


ESTIMATED = "estimated"
"""The mark of a value that rests on start times estimated from completions (``start_times``:
in a step's and a distribution's provenance in model.yaml, a column of fits.csv)."""


def _segment_routings(
    ev: pd.DataFrame,
    case_seg: pd.Series,
    outcomes: pd.Series,
    groups: Mapping[str, Any],
    pairs: pd.DataFrame,
    case_w: pd.Series | None,
) -> dict[str, Routing]:
    """Each case segment's own routing (its cases' transitions, weighted as the whole log's),
    for its branch probabilities (``sim.calibrate.segments.segment_branches``)."""
    ev_seg = ev["case_id"].map(case_seg).to_numpy(dtype=object)
    out: dict[str, Routing] = {}
    for name in pd.unique(ev_seg):
        sub = ev[ev_seg == name].reset_index(drop=True)
        mine = outcomes[outcomes.index.isin(sub["case_id"].unique())]
        out[str(name)] = discover_routing(
            sub,
            mine,
            groups=dict(groups),
            pairs=pairs,
            case_weights=None if case_w is None else case_w[case_w.index.isin(mine.index)],
        )
    return out


def _segment_shares(fit: SegmentFit | None, trunc: Truncation | None) -> dict[str, float] | None:
    """Each segment's share of the cases, weighted as the arrivals are in a right-truncated
    log (``trunc``), summing to 1 after rounding to six digits."""
    if fit is None:
        return None
    seg = fit.case_segment
    w = (
        pd.Series(1.0, index=seg.index)
        if trunc is None
        else trunc.arrival_weights.reindex(seg.index).fillna(1.0)
    )
    tot = w.groupby(seg).sum()
    shares = {s: round(float(tot[s] / tot.sum()), 6) for s in fit.names}
    shares[fit.names[0]] = round(1.0 - sum(v for s, v in shares.items() if s != fit.names[0]), 6)
    return shares


def _suspensions_note(paused: np.ndarray, left_out: np.ndarray) -> str:
    """The note on the suspensions within activity instances (``prepare``'s ``suspended``:
    per instance its (from, to) hours) and the processing hours they took out (``left_out``)."""
    n = sum(1 for p in paused if p)
    clock = sum(b - a for p in paused if p for a, b in p)
    head = (
        f"{n} activity instance(s) have suspensions (the log's suspend/resume pairs, "
        f"{clock:.4g} h in all): "
    )
    hours = float(left_out.sum())
    if hours <= 1e-9:
        return head + "all of it off shift, which the calendars close anyway"
    return head + (
        f"their processing times leave out the {hours:.4g} working hours suspended (the rest "
        "is off shift, which the calendars close anyway); the model has no step for that time, "
        "so where work waited suspended in working hours its cases finish earlier in the model "
        "than in the log"
    )


def _some(names: list[str], k: int = 5) -> str:
    """The first ``k`` of ``names``, comma-separated, with ``...`` when there are more."""
    return ", ".join(names[:k]) + (", ..." if len(names) > k else "")


def _given_roles(
    p: Prepared, events: pd.DataFrame, roles_from: str, notes: list[str]
) -> dict[str, str] | None:
    """The resources' roles from the log's role column, when ``roles_from`` lets them be used
    and they name one for every resource of ``events``; what was done is said in ``notes``."""
    known = p.resource_roles
    if not known:
        return None
    staffed = {str(r) for r in pd.unique(events["resource"].dropna())}
    values = sorted({known[r] for r in staffed if r in known})
    if roles_from == "resources":
        notes.append(
            f"the log's role column ({len(values)} roles) is not used "
            "(calibration.roles_from=resources): roles group resources with similar activities"
        )
        return None
    unnamed = sorted(staffed - set(known))
    if unnamed:
        notes.append(
            f"the log's role column names no role for {len(unnamed)} resource(s) "
            f"({_some(unnamed)}), so it is not used: roles group resources with similar "
            "activities"
        )
        return None
    notes.append(
        f"roles from the log's role column: {_some(values, 10)} "
        "(calibration.roles_from=resources groups resources by their activities instead)"
    )
    several = [r for r in p.several_roles if r in staffed]
    if several:
        notes.append(
            f"{len(several)} resource(s) have several values in the role column "
            f"({_some(several)}): each is taken in the role of most of its events"
        )
    sep = PEOPLE_SEPARATOR
    joined = sorted({known[r] for r in staffed if sep in known[r]})
    if joined:
        # a simulated log's step done by several people at once: 'sales;legal' for one row
        notes.append(
            f"role(s) joined by '{sep}' in the role column ({_some(joined)}) whose people could "
            "not be told apart: each such combination of people is one resource of a role named "
            f"with '+' ({joined[0].replace(sep, '+')!r})"
        )
    return {r: known[r].replace(sep, "+") for r in staffed}


def _role_pace_note(
    step: str,
    main: str,
    pace: dict[str, Any],
    *,
    first_choice: dict[str, dict[str, Any]] | None,
    why_not: str = "",
) -> str:
    """The note on a step whose durations differ by the role of who did it (``pace``: its
    ``durations_by_role``; ``main``: the role the model gives it; ``first_choice``: the other
    roles' shares as the step's alternatives (``first_choice_shares``), None when they are not
    its alternatives, for ``why_not``)."""
    others = "; ".join(
        f"{r}'s {v['mean_h']:.3g} h (n={v['n']})"
        for r, v in pace.items()
        if r not in (main, "test")
    )
    mine = pace.get(main)
    shares = " and ".join(  # "16% of its cases to role_1 and 4% to role_3"
        f"{v['share']:.0%}{' of its cases' if k == 0 else ''} to {r}"
        for k, (r, v) in enumerate((first_choice or {}).items())
    )
    return (
        f"'{step}' takes people of other roles another time than its own role's: "
        + (f"{main}'s mean {mine['mean_h']:.3g} h (n={mine['n']}) against " if mine else "")
        + f"{others} (Anderson-Darling p <= {pace['test']['pvalue']:.3g}); "
        + (
            f"the model sends {shares} first, each at their own pace, and a case "
            f"whose first choice is busy to the first person free of {main} or them (the "
            "step's alternatives; durations_by_role in its provenance)"
            if first_choice
            else f"the model gives the step to {main} with one duration fitted on all its "
            f"instances ({why_not}; durations_by_role in the step's provenance)"
        )
    )


def _with_role_paces(
    model: ProcessModel,
    paces: dict[str, dict[str, Any]],
    alternatives: dict[str, dict[str, Distribution]],
    shares: dict[str, dict[str, dict[str, Any]]],
) -> ProcessModel:
    """``model`` with ``durations_by_role`` (``sim.calibrate.staff``) in its steps' provenance,
    and the roles of ``alternatives`` (step -> role -> its fitted duration) as alternatives,
    each with the share of the cases that go to it first (``shares``: step -> role ->
    ``sim.calibrate.staff.first_choice_shares``'s estimate and evidence)."""
    steps = dict(model.steps)
    for name, pace in paces.items():
        if name not in steps:
            continue
        step = steps[name]
        total = sum(pace["test"]["n"].values())
        steps[name] = dataclasses.replace(
            step,
            provenance=dict(step.provenance or {}) | {"durations_by_role": _safe(pace)},
            alternatives=tuple(
                Alternative(
                    role,
                    dist,
                    share=shares[name][role]["share"],
                    provenance={"n": pace[role]["n"], "of": total}
                    | {"first_choice": _safe(shares[name][role])},
                )
                for role, dist in alternatives.get(name, {}).items()
            ),
        )
    return dataclasses.replace(model, steps=steps)


def _marked(provenance: dict[str, Any] | None) -> dict[str, Any]:
    return dict(provenance or {}) | {"start_times": ESTIMATED}


def _marked_estimated(model: ProcessModel) -> ProcessModel:
    """``model`` with every step's provenance, and its duration's, patience's and alternatives',
    marked as resting on estimated start times (a log of completions only)."""
    steps = {}
    for name, step in model.steps.items():
        changes: dict[str, Any] = {
            "provenance": _marked(step.provenance),
            "duration": dataclasses.replace(
                step.duration, provenance=_marked(step.duration.provenance)
            ),
        }
        if step.patience is not None:
            changes["patience"] = dataclasses.replace(
                step.patience, provenance=_marked(step.patience.provenance)
            )
        if step.alternatives:
            changes["alternatives"] = tuple(
                dataclasses.replace(
                    a,
                    provenance=_marked(a.provenance),
                    duration=dataclasses.replace(
                        a.duration, provenance=_marked(a.duration.provenance)
                    ),
                )
                for a in step.alternatives
            )
        steps[name] = dataclasses.replace(step, **changes)
    arrivals = dataclasses.replace(
        model.arrivals,
        interarrival=dataclasses.replace(
            model.arrivals.interarrival, provenance=_marked(model.arrivals.interarrival.provenance)
        ),
    )
    metadata = dict(model.metadata) | {"start_times": ESTIMATED}
    return dataclasses.replace(model, steps=steps, arrivals=arrivals, metadata=metadata)


def _row_marked_estimated(row: dict[str, Any]) -> dict[str, Any]:
    """A fits.csv row of a fitted distribution (durations, delays, patience, arrivals: all
    measured from start times) marked as resting on estimated start times."""
    return row | {"start_times": ESTIMATED} if row.get("kind") != "probability" else row


def _timer_clock_times(
    ev: pd.DataFrame,
    enabled: np.ndarray,
    delay: np.ndarray,
    timed: Collection[str],
    act_role: Mapping[str, str],
    roles: Mapping[str, RoleFit],
    *,
    working: bool,
) -> np.ndarray:
    """Per event, the clock time of the timer the model runs before its step (the event's own
    extraneous delay; with ``working``, its working hours on the step's role's calendar from the
    moment the step was enabled, converted to clock time), 0 where the step has no timer
    (``timed``: the steps with one)."""
    acts = ev["activity"].to_numpy()
    out = np.where(np.isin(acts, sorted(timed)), np.nan_to_num(np.asarray(delay, float)), 0.0)
    if working:
        for a in sorted(timed):
            rcal = roles[act_role[a]].calendar if a in act_role else None
            if rcal is None or rcal.is_constant:
                continue
            k = np.flatnonzero((acts == a) & (out > 1e-12))
            t0 = enabled[k]
            c0 = rcal.cumulative_array(t0)
            out[k] = [rcal.inverse(c + d) - t for c, d, t in zip(c0, out[k], t0, strict=True)]
    return out


#: Rounds of drawing abandoned cases' delays from their posterior and refitting patience.
PATIENCE_DELAY_ROUNDS = 3
#: Delays of the step after the same predecessor needed to draw from them alone (else all).
PATIENCE_DELAY_POOL = 20
#: At most this many quantiles of a delay sample are the values an abandoned case's is drawn from.
PATIENCE_DELAY_GRID = 200


def _delay_grid(values: np.ndarray) -> np.ndarray:
    """The sample ``values`` itself, or ``PATIENCE_DELAY_GRID`` equally spaced quantiles of it."""
    v = np.sort(np.asarray(values, dtype=float))
    if v.size <= PATIENCE_DELAY_GRID:
        return v
    return np.quantile(v, (np.arange(PATIENCE_DELAY_GRID) + 0.5) / PATIENCE_DELAY_GRID)


def _delay_grids(
    own: np.ndarray, came_from: np.ndarray | None, mine: np.ndarray, ab_from: list[str]
) -> tuple[list[np.ndarray], np.ndarray]:
    """The grids of the step's delays (``own``, of its events ``mine``) that abandoned cases
    coming from ``ab_from`` draw theirs from, and each one's grid: the delays after the same
    predecessor (``came_from``, per event) where at least ``PATIENCE_DELAY_POOL`` show it,
    else all of them (the first grid)."""
    grids = [_delay_grid(own)]
    index: dict[str, int] = {}
    which = np.zeros(len(ab_from), dtype=int)
    for i, q in enumerate(ab_from):
        if came_from is None:
            continue
        if q not in index:
            same = own[came_from[mine] == q]
            index[q] = len(grids) if same.size >= PATIENCE_DELAY_POOL else 0
            if index[q]:
                grids.append(_delay_grid(same))
        which[i] = index[q]
    return grids, which


def _survival(times: np.ndarray, events: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The Kaplan-Meier survival function of ``times`` (``events``: observed, else censored)."""
    km = kaplan_meier(times, events)
    at, surv = km["time"].to_numpy(dtype=float), km["survival"].to_numpy(dtype=float)
    if at.size == 0:
        return np.ones_like

    def survival(x: np.ndarray) -> np.ndarray:
        k = np.searchsorted(at, x, side="right") - 1
        return np.where(k < 0, 1.0, surv[np.maximum(k, 0)])

    return survival


def _draw_delays(
    total: np.ndarray,
    grids: list[np.ndarray],
    which: np.ndarray,
    rng: np.random.Generator,
    weight: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """One delay per abandoned case ``i``: a value ``d`` of its grid of the step's delays
    (``grids[which[i]]``) no longer than its time to abandonment ``total[i]``, drawn with
    probability proportional to ``weight(total[i] - d)`` (equal chances where every weight is
    0: a time beyond what the weights have seen); 0 where no value fits (the case left sooner
    than any delay of the step ran: its whole time is taken as patience)."""
    out = np.zeros(total.size)
    u = rng.random(total.size)
    for g, grid in enumerate(grids):
        rows = np.flatnonzero(which == g)
        for chunk in np.array_split(rows, max(1, rows.size // 2000)):
            rest = total[chunk, None] - grid[None, :]  # the patience each delay leaves
            fits = rest >= 0
            with np.errstate(all="ignore"):
                w = np.where(fits, np.nan_to_num(weight(np.maximum(rest, 0.0))), 0.0)
            w = np.maximum(w, 0.0)
            none = ~(w.sum(axis=1) > 0)
            w[none] = fits[none]
            cw = np.cumsum(w, axis=1)
            pick = np.minimum((cw < u[chunk, None] * cw[:, -1:]).sum(axis=1), grid.size - 1)
            out[chunk] = np.where(cw[:, -1] > 0, grid[pick], 0.0)
    return out


def _fit_patience_after_delays(
    total: np.ndarray,
    grids: list[np.ndarray],
    which: np.ndarray,
    served: np.ndarray,
    *,
    target: str,
    min_abandonments: int,
    seed: int,
) -> FitResult:
    """Patience fitted where the model runs a timer before the step, so that the patience clock
    starts after it, as in the engine.

    ``served``: the served cases' waits from when they were ready (their own delays
    subtracted). An abandoned case's delay is not in the log (it never started the step), only
    its time from the moment the step was enabled, ``total = D + P``. With the delay ``D``, the
    patience ``P`` and the queue wait ``Q`` it would have had independent, the chance of a delay
    ``d`` given ``total`` and the abandonment is proportional to ``f_D(d) f_P(total - d)
    S_Q(total - d)``: ``f_D`` is the step's delays (``grids[which[i]]``: those after the same
    predecessor where enough show it), ``f_P`` the patience fitted in the previous round, ``S_Q``
    the Kaplan-Meier survival of the queue waits (served cases observe them, abandoned ones are
    censored at their patience). ``S_Q`` matters: a case whose delay left a long patience would
    more likely have been served, so abandoned cases had longer delays than the delays no
    longer than their time (the plain conditional) say. Stochastic EM, seeded: one draw per
    abandoned case (the first from ``f_D S_Q`` of the served waits alone), the patience refitted
    on the rest, ``PATIENCE_DELAY_ROUNDS`` rounds. The mean's ``mean_ci95`` is the last round's,
    given its drawn delays (its ``mean_ci_method`` says so)."""
    rng = np.random.default_rng(seed)
    flags = np.r_[np.ones(total.size, bool), np.zeros(served.size, bool)]
    queue = _survival(served, np.ones(served.size, bool))
    res: FitResult | None = None
    for _ in range(PATIENCE_DELAY_ROUNDS + 1):
        if res is None:
            weight = queue
        else:
            dens = res.distribution.scipy.pdf

            def weight(x: np.ndarray, dens: Any = dens, queue: Any = queue) -> np.ndarray:
                return dens(np.maximum(x, 1e-9)) * queue(x)

        d = _draw_delays(total, grids, which, rng, weight)
        res = fit_patience(
            np.r_[total - d, served], flags, target=target, min_abandonments=min_abandonments
        )
        # the queue waits: observed where served, censored at their patience where abandoned
        queue = _survival(np.r_[total - d, served], ~flags)
    assert res is not None
    if "mean_ci95" in res.extra:  # the last round's interval takes its drawn delays as known
        method = (
            f"{res.extra['mean_ci_method']}; given the delays drawn for the abandoned cases "
            "(the noise of that draw is not in it)"
        )
        prov = dict(res.distribution.provenance or {}) | {"mean_ci_method": method}
        res = dataclasses.replace(
            res,
            extra=res.extra | {"mean_ci_method": method},
            distribution=dataclasses.replace(res.distribution, provenance=prov),
        )
    return res


def _abandonment_values_note(values: list[str]) -> str:
    """The note for abandonment outcomes that are values of the log's outcome column, not
    activities: no patience can be fitted from them."""
    return (
        f"patience not fitted for abandonment_outcomes={values}: "
        f"{'a value' if len(values) == 1 else 'values'} of the log's outcome column, not "
        f"{'an activity' if len(values) == 1 else 'activities'}. Fitting patience needs a row "
        "per abandonment, an event of an abandonment activity at the moment the case left, "
        "which tells when it left and so how long it waited for the step it was ready for; an "
        "outcome value tells neither (the case's last row is the step it finished before, not "
        "the moment it gave up). The abandonments stay drop-off branches of the routing"
    )


def _fit_patience(
    ev: pd.DataFrame,
    routing: Routing,
    waiting: pd.DataFrame,
    abandon: list[str],
    min_abandonments: int,
    fit_rows: list[dict[str, Any]],
    notes: list[str],
    *,
    before_queue: np.ndarray | None = None,
    came_from: np.ndarray | None = None,
    seed: int = 0,
) -> tuple[dict[str, FitResult], dict[tuple, int]]:
    """Patience per step from abandonment events (see ``calibrate_model``).

    The engine starts the patience clock when the case is ready for the step, after the timer
    the model may run before it (its extraneous delay), while the log's waits run from when the
    step was enabled. ``before_queue`` (per event: the clock time of that timer, 0 where the
    step has none; None: no timers, the waits are used as they are) is subtracted from every
    served case's wait, which is censored at its wait from when it was ready. An abandoned
    case's delay is not in the log (it never started the step): it is imputed from the step's
    delays (after the same predecessor, ``came_from``, where at least ``PATIENCE_DELAY_POOL``
    show it) no longer than its time to abandonment, by stochastic EM weighting each by the
    patience density and the queue's survival at the rest (``_fit_patience_after_delays``,
    seeded with ``seed``: the plain conditional, delays no longer than the time, makes them too
    short and patience too long).
    """
    trans = routing.transitions
    abandon_set = set(abandon)
    # abandonment events: an event of an abandonment activity that directly follows item X
    acts = ev["activity"].to_numpy()
    case = ev["case_id"].to_numpy()
    item = routing.item_index
    # predecessor item node of each event: the node of the previous item in the case
    node_of_event = np.array(
        [("group:" + routing.group_of[a]) if a in routing.group_of else "act:" + a for a in acts],
        dtype=object,
    )
    prev_node = np.full(len(ev), None, dtype=object)
    same_case = np.r_[False, case[1:] == case[:-1]]
    # the previous item's node: walk back to the last event with a smaller item index
    last_node_of_item: dict[tuple[str, int], str] = {}
    for i in range(len(ev)):
        last_node_of_item[(case[i], int(item[i]))] = node_of_event[i]
        if same_case[i] and item[i] > 0:
            prev_node[i] = last_node_of_item.get((case[i], int(item[i]) - 1))
    by_step: dict[str, list[int]] = {}  # the abandonment events of each step waited for
    came_from_ab: dict[int, str] = {}
    removed: dict[tuple, int] = {}
    too_few: list[str] = []  # the waits with abandonments, too few of them to fit
    for key, counter in trans.items():
        kind, label = key
        if kind not in ("act", "group"):
            continue
        ab = {tgt: c for tgt, c in counter.items() if tgt[0] == "act" and tgt[1] in abandon_set}
        k = sum(ab.values())
        if k == 0:
            continue
        cont = [
            (c, tgt) for tgt, c in counter.items() if tgt[0] == "act" and tgt[1] not in abandon_set
        ]
        if not cont:
            continue
        _, target = max(cont)
        step = target[1]
        if step in routing.group_of:
            continue
        if k < min_abandonments:
            too_few.append(f"{k} while waiting for '{step}' after '{label}'")
            continue
        pn = f"{kind}:{label}"
        m = np.flatnonzero(np.isin(acts, list(ab_t[1] for ab_t in ab)) & (prev_node == pn))
        by_step.setdefault(step, []).extend(m.tolist())
        came_from_ab.update(dict.fromkeys(m.tolist(), label))
        for tgt, c in ab.items():
            removed[(key, tgt)] = c
    if too_few:
        notes.append(
            f"patience not fitted where too few cases abandoned ({'; '.join(too_few)}): a fit "
            f"needs at least {min_abandonments} abandonments after the same step; those stay "
            "drop-off branches of the routing"
        )
    wait = waiting["waiting"].to_numpy(dtype=float)
    out: dict[str, FitResult] = {}
    for step, ab_events in by_step.items():
        ab_times = wait[ab_events]
        mine = np.flatnonzero(acts == step)
        own = np.zeros(mine.size) if before_queue is None else before_queue[mine]
        served = np.maximum(wait[mine] - own, 0.0)  # from when it was ready
        target = f"steps.{step}.patience"
        delayed = bool((own > 1e-9).any())
        try:
            if delayed:
                grids, which = _delay_grids(
                    own, came_from, mine, [came_from_ab[i] for i in ab_events]
                )
                res = _fit_patience_after_delays(
                    ab_times,
                    grids,
                    which,
                    served,
                    target=target,
                    min_abandonments=min_abandonments,
                    seed=seed,
                )
            else:
                res = fit_patience(
                    np.r_[ab_times, served],
                    np.r_[np.ones(ab_times.size, bool), np.zeros(served.size, bool)],
                    target=target,
                    min_abandonments=min_abandonments,
                )
        except FitError as exc:
            notes.append(f"patience for '{step}' not fitted: {exc}")
            continue
        out[step] = res
        fit_rows.extend(res.rows())
        notes.append(
            f"patience fitted for '{step}' ({res.family}, {len(ab_times)} abandonment(s), "
            f"{len(served)} served case(s) censored"
            + (
                "; its clock starts after the step's extraneous delay, as in the engine: served "
                "cases censored at their wait less their own delay, abandoned ones less a delay "
                "drawn from the step's delays that fits in their time to abandonment)"
                if delayed
                else ")"
            )
        )
    # only remove the abandonment branches whose step got a patience distribution
    keep: dict[tuple, int] = {}
    for (key, tgt), c in removed.items():
        counter = trans[key]
        cont = [(cc, t) for t, cc in counter.items() if t[0] == "act" and t[1] not in abandon_set]
        if cont and max(cont)[1][1] in out:
            keep[(key, tgt)] = c
    return out, keep


#: At most this many removed branches are named in the rare-path note (the rest counted).
RARE_BRANCHES_NAMED = 12

#: Where every branch the rare-path filter removed or kept below its threshold is recorded: a
#: decision left with one branch is no decision in model.yaml, so its provenance (``rare_removed``,
#: ``rare_kept``) goes with it (QA retest24 F3: "and 66 more" were recorded nowhere).
RARE_RECORD = "model.yaml's metadata.rare_paths"


def _branch_text(decision: str, target: str, share: float) -> str:
    """A branch in a rare-path note: ``after:A -> 'B', 4.1 %`` (an end: ``-> end 'lost'``)."""
    return (
        f"{decision} -> "
        + (f"end '{target[len(END_PREFIX) :]}'" if target.startswith(END_PREFIX) else f"'{target}'")
        + f", {100 * share:.1f} %"
    )


def _removed_branches_text(branches: Sequence[tuple[str, str, float, bool]]) -> str:
    """The rare-path note's list of removed branches: per (decision, target, probability, whether
    the target leads back to the decision: a loop), ``after:A -> B, 4.1 % (a loop back)``."""
    return _listed(
        [
            _branch_text(decision, t, share) + (" (a loop back)" if loop else "")
            for decision, t, share, loop in branches
        ],
        "removed",
    )


def _listed(parts: Sequence[str], key: str) -> str:
    """A rare-path note's list: the first ``RARE_BRANCHES_NAMED`` items, the rest counted, with
    where all of them are recorded (``RARE_RECORD``'s ``key``)."""
    named = list(parts[:RARE_BRANCHES_NAMED])
    if len(parts) > RARE_BRANCHES_NAMED:
        named.append(f"and {len(parts) - RARE_BRANCHES_NAMED} more (all in {RARE_RECORD}.{key})")
    return "; ".join(named)


def _at_most(x: float) -> str:
    """``x`` rounded down to 3 significant digits: a threshold that is not above ``x``."""
    if x <= 0:
        return "0"
    # the shortest decimal that reads back as ``x`` (0.498, not 0.49799...: a threshold of 0.498
    # keeps a branch of 498 in 1,000), so the figure is the highest one of its digits
    d = Decimal(str(float(x)))
    return f"{d.quantize(Decimal(1).scaleb(d.adjusted() - 2), rounding=ROUND_FLOOR).normalize():f}"


@dataclass
class RarePaths:
    """What ``filter_rare_paths`` did. ``kept``: each decision point's branches left (target ->
    weighted count); ``removed``: per point, the branches removed (target -> weighted count);
    ``shares``: each branch's probability at its point before the filter, per (point, target);
    ``kept_below``: the branches below the threshold that stay, per (point, target): None for a
    point's most probable branch (all of its branches below the threshold; ties all stay), else
    the node that would lose its way to an end without it; ``lost_ends``: the ends no longer
    reached from the start, each with the probability of the branch whose removal cut it off
    (a threshold at or below it keeps the end)."""

    kept: dict[str, Counter]
    removed: dict[str, dict[str, float]] = field(default_factory=dict)
    shares: dict[tuple[str, str], float] = field(default_factory=dict)
    kept_below: dict[tuple[str, str], str | None] = field(default_factory=dict)
    lost_ends: dict[str, float] = field(default_factory=dict)


def _reached(sources: Iterable[str], successors: Callable[[str], Iterable[str]]) -> set[str]:
    """The nodes reached from ``sources`` along ``successors`` (the sources included)."""
    seen: set[str] = set()
    todo = list(sources)
    while todo:
        if (n := todo.pop()) not in seen:
            seen.add(n)
            todo.extend(successors(n))
    return seen


def filter_rare_paths(
    points: Mapping[str, Mapping[str, float]],
    rare: float,
    *,
    fixed: Mapping[str, Sequence[str]] | None = None,
    start: str = "<start>",
) -> RarePaths:
    """Remove the branches whose probability at their decision point is below ``rare``.

    ``points``: decision point -> target -> (weighted) count; a target named ``end:...`` is an
    end. ``fixed``: the nodes whose successors are not decided (a timer's step, a parallel
    block's branch entry points and its join); any other node goes where ``points`` says.
    The branches below ``rare`` are taken from the least probable up (a point's branches of
    equal probability together), and each is removed unless it is its point's most probable
    (where every branch of a point is below ``rare``, its most probable ones stay, ties
    included) or a node that could reach an end would have no way to one without it. The order
    does not depend on ``rare``, so the set removed grows with it: a higher threshold removes
    every branch a lower one removes (QA spec24: 0.6 kept what 0.5 removed)."""
    fixed = fixed or {}
    kept = {k: Counter(v) for k, v in points.items()}
    out = RarePaths(kept=kept)
    if rare <= 0:
        return out
    nodes = set(kept) | {t for c in kept.values() for t in c} | set(fixed)
    nodes |= {t for ts in fixed.values() for t in ts}

    def successors(node: str) -> Sequence[str]:
        if node.startswith(END_PREFIX):
            return ()
        return fixed[node] if node in fixed else tuple(kept.get(node, ()))

    def reaching_an_end() -> set[str]:
        pred: dict[str, list[str]] = {}
        for n in nodes:
            for s_ in successors(n):
                pred.setdefault(s_, []).append(n)
        ends = [n for n in nodes if n.startswith(END_PREFIX)]
        return _reached(ends, lambda n: pred.get(n, ()))

    def ends_reached() -> set[str]:
        return {n for n in _reached([start], successors) if n.startswith(END_PREFIX)}

    candidates: list[tuple[float, str, tuple[str, ...]]] = []
    for k, c in kept.items():
        tot = sum(c.values())
        if not c or tot <= 0:
            continue
        top = max(c.values())
        below: dict[float, list[str]] = {}
        for t, n in c.items():
            out.shares[(k, t)] = n / tot
            if n / tot < rare:
                if n == top:
                    out.kept_below[(k, t)] = None
                else:
                    below.setdefault(n, []).append(t)
        candidates += [(n / tot, k, tuple(sorted(ts))) for n, ts in below.items()]
    ways = reaching_an_end()
    ends = ends_reached()
    for share, k, targets in sorted(candidates):
        for t in targets:
            del kept[k][t]
        if stuck := ways - reaching_an_end():
            kept[k] = Counter(
                {t: n for t, n in points[k].items() if t not in out.removed.get(k, {})}
            )
            for t in targets:
                out.kept_below[(k, t)] = k if k in stuck else min(stuck)
            continue
        out.removed.setdefault(k, {}).update({t: points[k][t] for t in targets})
        now = ends_reached()
        out.lost_ends.update({e: share for e in ends - now})
        ends = now
    return out


def _point_label(node: tuple[str, str] | None) -> str | None:
    """Where a case came from, as a label: ``"start"``, an activity's step or a parallel block's
    name (None inside a parallel block)."""
    if node is None:
        return None
    return "start" if node == START else node[1]


def edge_timer_name(came_from: str, step: str) -> str:
    """The timer before ``step`` for cases that came from ``came_from`` (see ``calibrate_model``)."""
    return f"{TIMER_PREFIX}{step} (after {came_from})"


def _target_name(node: tuple[str, str], entry: dict[str, str]) -> str:
    kind, label = node
    if kind == "act":
        return entry[label]
    if kind == "group":
        return label
    if kind == "end":
        return END_PREFIX + label
    raise ValueError(node)


def _assemble(
    *,
    name: str,
    p: Prepared,
    routing: Routing,
    roles: dict[str, RoleFit],
    act_role: dict[str, str],
    durations: dict[str, Distribution],
    timers: dict[str, Distribution],
    patience: dict[str, Distribution],
    removed: dict[tuple, int],
    edge_timers: dict[tuple[str, str], Distribution | None] | None = None,
    edge_evidence: dict[str, dict[str, Any]] | None = None,
    dropoff: list[str],
    abandon: list[str],
    inter: Distribution,
    profile: Any,
    rare: float,
    waiting: pd.DataFrame,
    notes: list[str],
    settings: dict[str, Any],
    prof_prov: dict[str, Any],
    step_activity: dict[str, str] | None = None,
    repeated: dict[str, dict] | None = None,
    delay_time: str = "clock",
    deadlines: dict[str, dict[str, Any]] | None = None,
    act_roles: dict[str, tuple[str, ...]] | None = None,
    segment_fit: SegmentFit | None = None,
    segment_routing: dict[str, Routing] | None = None,
    segment_shares: Mapping[str, float] | None = None,
) -> tuple[ProcessModel, list[dict[str, Any]]]:
    """Build and validate the model graph (see ``calibrate_model``). ``act_roles``: the roles
    of the steps done by several people at once (``act_role``'s first); ``segment_*``: the case
    segments and each one's routing (``sim.calibrate.segments``), None without segments."""
    act_roles = act_roles or {}
    activities = sorted(durations)
    entry = {a: (TIMER_PREFIX + a if a in timers else a) for a in activities}
    edge_timers = edge_timers or {}
    # every timer node and the step it delays
    timer_of = {TIMER_PREFIX + a: a for a in timers} | {
        edge_timer_name(q, a): a for (q, a), dist in edge_timers.items() if dist is not None
    }
    groups = routing.groups
    join = {g: g + JOIN_SUFFIX for g in groups}

    def target(came_from: str | None, node: tuple[str, str]) -> str:
        if node[0] == "act" and (came_from, node[1]) in edge_timers:
            has_timer = edge_timers[(came_from, node[1])] is not None
            return edge_timer_name(came_from, node[1]) if has_timer else node[1]
        return _target_name(node, entry)

    # decision points: point name -> (label for the decision, Counter(target node name));
    # ``points`` holds the (truncation-)weighted counts, ``raw_points`` the transitions seen and
    # ``sq_points`` the sums of squared case weights (Kish's effective n), all keyed alike
    point_label: dict[str, str] = {}
    point_decision: dict[str, str] = {}
    branch_entry_points: dict[str, list[str]] = {}

    def build_points(
        rt: Routing,
    ) -> tuple[dict[str, Counter], dict[str, Counter], dict[str, Counter]]:
        """The weighted, raw and squared-weight counts of ``rt``'s transitions per point."""
        points: dict[str, Counter] = {}
        raw_points: dict[str, Counter] = {}
        sq_points: dict[str, Counter] = {}
        for key, counter in rt.transitions.items():
            c: Counter = Counter()
            c_raw: Counter = Counter()
            c_sq: Counter = Counter()
            raw_of = rt.raw_transitions.get(key, {})
            sq_of = rt.sq_transitions.get(key, {})
            for tgt, k in counter.items():
                if (key, tgt) in removed:
                    continue
                name_ = target(_point_label(key), tgt)
                c[name_] += k
                c_raw[name_] += raw_of.get(tgt, 0)
                c_sq[name_] += sq_of.get(tgt, 0.0)
            if key == START:
                pname, point_label[pname], point_decision[pname] = "<start>", "the start", "start"
            else:
                pname = key[1] if key[0] == "act" else join[key[1]]
                point_label[pname] = key[1]
                point_decision[pname] = f"after:{key[1]}"
            points[pname], raw_points[pname], sq_points[pname] = c, c_raw, c_sq
        for g, grp in groups.items():
            names = []
            for b in range(len(grp.branches)):
                bt = rt.branch_transitions.get((g, b), {})
                bt_raw = rt.raw_branch_transitions.get((g, b), {})
                bt_sq = rt.sq_branch_transitions.get((g, b), {})
                pt = f"<entry {g} {b + 1}>"
                names.append(pt)
                points[pt] = Counter({entry[a]: k for a, k in bt.get("<entry>", Counter()).items()})
                raw_points[pt] = Counter(
                    {entry[a]: k for a, k in bt_raw.get("<entry>", Counter()).items()}
                )
                sq_points[pt] = Counter(
                    {entry[a]: k for a, k in bt_sq.get("<entry>", Counter()).items()}
                )
                point_label[pt] = f"the start of {g} branch {b + 1}"
                point_decision[pt] = f"enter:{g}:{b + 1}"
                for a, cnt in bt.items():
                    if a == "<entry>":
                        continue

                    def into(x: str, g: str = g) -> str:
                        return join[g] if x == "<join>" else entry[x]

                    points[a] = Counter({into(x): k for x, k in cnt.items()})
                    raw_points[a] = Counter({into(x): k for x, k in bt_raw.get(a, {}).items()})
                    sq_points[a] = Counter({into(x): k for x, k in bt_sq.get(a, {}).items()})
                    point_label[a] = a
                    point_decision[a] = f"after:{a}"
            branch_entry_points[g] = names
        return points, raw_points, sq_points

    points, raw_points, sq_points = build_points(routing)
    segment_points = {sn: build_points(rt) for sn, rt in (segment_routing or {}).items()}
    end_counts: Counter = Counter()
    for c in points.values():
        for tgt, k in c.items():
            if tgt.startswith(END_PREFIX):
                end_counts[tgt] += k
    if not end_counts:
        raise EventLogError(
            f"{p.source}: no case is finished (every case looks still open), so no end of the "
            "process can be calibrated"
        )
    default_end = end_counts.most_common(1)[0][0]
    for a in activities:  # activities only seen as the last of open cases: no way out observed
        if a not in points or not points[a]:
            points[a] = Counter({default_end: 1})
            point_label[a] = a
            point_decision[a] = f"after:{a}"
            notes.append(f"'{a}' never leads anywhere in closed cases: routed to '{default_end}'")

    # rare-path filter (``filter_rare_paths``): never a decision's most probable branch(es) nor
    # a node's last way to an end, and a higher threshold removes all that a lower one does
    filtered = filter_rare_paths(
        points,
        rare,
        fixed={t: [a] for t, a in timer_of.items()}
        | {g: [*branch_entry_points[g], join[g]] for g in groups},
    )
    kept, dropped, dropped_share = filtered.kept, filtered.removed, filtered.shares

    def successors_of(node: str) -> list[str]:
        if node.startswith(END_PREFIX):
            return []
        if node in timer_of:
            return [timer_of[node]]
        if node in groups:
            return [t for pt in branch_entry_points[node] for t in kept[pt]] + [join[node]]
        if node == "<start>" or node in kept:
            return list(kept.get(node, ()))
        return []

    def reachable(node: str) -> set[str]:
        """The nodes a case at ``node`` may go on to (itself included)."""
        return _reached([node], successors_of)

    # every branch removed or kept below the threshold, in model.yaml's metadata.rare_paths (a
    # decision left with one branch takes its provenance with it: QA retest24 F3)
    rare_record: dict[str, Any] = {}
    removed_list = [
        (k, t, point_decision.get(k, k), dropped_share[(k, t)], k in reachable(t))
        for k in dropped
        for t in sorted(dropped[k], key=lambda t: -dropped_share[(k, t)])
    ]
    if dropped:
        notes.append(
            f"rare paths (branches whose probability at their decision is below {rare:.3g}) "
            f"removed at {len(dropped)} decision(s) "
            # weighted counts where a truncated log's cases are weighted: whole transitions
            f"({sum(sum(v.values()) for v in dropped.values()):,.0f} transitions): "
            + _removed_branches_text([(d, t, sh, loop) for _, t, d, sh, loop in removed_list])
        )
        rare_record["removed"] = [
            {
                "decision": d,
                "to": t,
                "probability": _r(sh, 4),
                "transitions": int(raw_points.get(k, Counter())[t]),
                "loop_back": loop,
            }
            for k, t, d, sh, loop in removed_list
        ]
    if filtered.kept_below:  # say which branches below the threshold stay, and why
        tops = Counter(k for (k, _), why in filtered.kept_below.items() if why is None)
        from_start = reachable("<start>")
        # a decision no case reaches any more (cut off by the removals) is not said: its
        # branches stay in the routing only (QA retest24 F4); a parallel block's branch entry
        # is reached with its block
        reached = from_start | {
            pt for g, pts in branch_entry_points.items() if g in from_start for pt in pts
        }

        def why_kept(k: str, why: str | None) -> str:
            if why is None:
                return "most probable, tied" if tops[k] > 1 else "most probable"
            node = point_label[why] if why.startswith("<") and why in point_label else f"'{why}'"
            return f"without it {node} would have no way to an end"

        below = [
            (k, t, point_decision.get(k, k), dropped_share[(k, t)], why_kept(k, why))
            for (k, t), why in sorted(
                filtered.kept_below.items(),
                key=lambda kv: (
                    point_decision.get(kv[0][0], kv[0][0]),
                    -dropped_share[kv[0]],
                    kv[0][1],
                ),
            )
        ]
        rare_record["kept_below"] = [
            {"decision": d, "to": t, "probability": _r(sh, 4), "why": why, "reached": k in reached}
            for k, t, d, sh, why in below
        ]
        if said := [(d, t, sh, why) for k, t, d, sh, why in below if k in reached]:
            notes.append(
                f"rare paths below {rare:.3g} kept ({len(said)} branch(es); a decision whose "
                "branches are all below the threshold keeps its most probable, and no step "
                "loses its last way to an end): "
                + _listed(
                    [f"{_branch_text(d, t, sh)} ({why})" for d, t, sh, why in said], "kept_below"
                )
            )
    if filtered.lost_ends:  # an end (a drop-off, say) gone with the rare paths is said
        left = {n for n in reachable("<start>") if n.startswith(END_PREFIX)}
        lost = sorted(filtered.lost_ends.items(), key=lambda kv: (-kv[1], kv[0]))

        def is_dropoff(e: str) -> bool:
            return e[len(END_PREFIX) :] in dropoff

        gone = [
            f"end '{e[len(END_PREFIX) :]}' ("
            + ("a drop-off; " if is_dropoff(e) else "a success; " if dropoff else "")
            + f"rare_path_threshold={_at_most(share)} or lower keeps it)"
            for e, share in lost
        ]
        none_left = ""
        if any(map(is_dropoff, filtered.lost_ends)) and not any(map(is_dropoff, left)):
            none_left = ", and no drop-off at all"
        elif (
            (won := [sh for e, sh in lost if not is_dropoff(e)])
            and left
            and all(map(is_dropoff, left))
        ):
            # every case ends as a drop-off (QA retest24 F5): the most probable lost success's
            # branch is the last removed of them, a threshold at or below it keeps that end
            none_left = (
                ", and no success at all: every case ends as a drop-off "
                f"(rare_path_threshold={_at_most(max(won))} or lower keeps a success)"
            )
        notes.append(
            "rare paths: with them removed no case reaches "
            + (", ".join(gone[:-1]) + " or " if len(gone) > 1 else "")
            + gone[-1]
            + ": the model has no such outcome"
            + none_left
        )
        rare_record["lost_ends"] = [
            {
                "end": e,
                "success": not is_dropoff(e),
                "kept_by_threshold_at_most": float(_at_most(share)),
            }
            for e, share in lost
        ]
    if rare_record:
        rare_record = {"threshold": rare} | rare_record

    # reachable nodes from the start
    reach: set[str] = set()
    queue = deque(["<start>"])
    while queue:
        n = queue.popleft()
        if n in reach:
            continue
        reach.add(n)
        for s_ in successors_of(n):
            queue.append(s_)

    rows: list[dict[str, Any]] = []
    decisions: dict[str, Decision] = {}
    # weighted counts (a right-truncated log): the probabilities are the weighted shares; the
    # record gives the transitions seen (n, counts) and the intervals rest on the decision's
    # effective sample size, Kish's (sum w)^2 / sum w^2 (= n without weights)
    weighted = any(
        abs(k - routing.raw_transitions.get(src, {}).get(t, 0)) > 1e-9
        for src, c in routing.transitions.items()
        for t, k in c.items()
    )

    def route(point: str) -> str:
        """The node that a step/join/start goes to: the single target, or a decision, which
        requires the step it follows (after a join: the steps on every path of the block)."""

        def on_every_path(entry_point: str, stop: str) -> set[str]:
            """The activities on every path from a branch's entry point to its join ``stop``."""
            inside, todo = {entry_point}, [entry_point]
            while todo:
                for s_ in successors_of(todo.pop()):
                    if s_ != stop and s_ not in inside:
                        inside.add(s_)
                        todo.append(s_)
            every = set(activities)
            must = {n: set(every) for n in inside} | {stop: set()}
            changed = True
            while changed:  # a backward must-analysis: the greatest fixed point
                changed = False
                for n in inside:
                    nxt = [must[s_] for s_ in successors_of(n) if s_ in must]
                    new = (set.intersection(*nxt) if nxt else set(every)) | (
                        {n} if n in every else set()
                    )
                    if new != must[n]:
                        must[n], changed = new, True
            return must[entry_point]

        c = kept[point]
        tot = sum(c.values())
        if len(c) == 1:
            return next(iter(c))
        label = point_label[point]
        dname = point_decision[point]
        order = sorted(c, key=lambda x: (-c[x], x))
        raw = raw_points.get(point, Counter())
        n_raw = int(sum(raw[t] for t in order))
        sq = sum(sq_points.get(point, Counter())[t] for t in order)
        n_eff = tot * tot / sq if sq > 0 else float(n_raw)
        share = {t: c[t] / tot for t in order}
        cis = {t: wilson_interval(share[t] * n_eff, n_eff) for t in order}
        prov: dict[str, Any] = {
            "n": n_raw,
            "counts": {t: int(raw[t]) for t in order},
            "ci95": {t: [_r(v, 4) for v in cis[t]] for t in order},
            "ci_method": "Wilson",
            "rule": "transition frequencies in the log (open cases' last step not counted)",
        }
        if weighted:
            prov["rule"] += "; cases weighted by 1/P(in the log) (right truncation)"
            prov["weighted_counts"] = {t: _r(c[t], 3) for t in order}
            prov["weighted_shares"] = {t: _r(share[t], 4) for t in order}
            prov["n_eff"] = _r(n_eff, 1)
            prov["ci_method"] = (
                "Wilson on the weighted share with Kish's effective sample size n_eff = "
                "(sum w)^2 / sum w^2 over the decision's transitions"
            )
        if point in dropped:
            prov["rare_removed"] = {t: int(raw[t]) for t in dropped[point]}
        if below := {t: why for (k, t), why in filtered.kept_below.items() if k == point}:
            prov["rare_kept"] = {  # below the threshold, and why they stay
                t: "most probable" if why is None else "a way to an end" for t, why in below.items()
            }
        by_segment: dict[str, tuple[float, ...]] = {}
        if segment_points:  # branches that depend on the case's segment (sim.calibrate.segments)
            by_segment, seg_evidence = segment_branches(
                {sn: sp[1].get(point, Counter()) for sn, sp in segment_points.items()},
                {sn: sp[0].get(point, Counter()) for sn, sp in segment_points.items()},
                order,
            )
            if seg_evidence is not None:
                prov["by_segment"] = seg_evidence
        # the outcome is known only once the step it follows is done (or, after an AND block's
        # join, the steps on every path of each branch): redesigns must not take it earlier
        # (QA redesign15: 'after:Assess loan risk' moved before 'Assess loan risk')
        requires: tuple[str, ...] = ()
        if point in activities:
            requires = (point,)
        elif point in join.values():
            g = next(g for g in groups if join[g] == point)
            inc = routing.branch_included.get(g, Counter())
            visits = max(routing.visits.get(g, 0), 1)
            if all(inc.get(b, 0) / visits >= 0.999 for b in range(len(groups[g].branches))):
                done: set[str] = set()
                for pt in branch_entry_points[g]:
                    done |= on_every_path(pt, point)
                requires = tuple(sorted(done))
        if requires:
            prov["requires_rule"] = (
                "the outcome is known once the steps it follows are done: "
                + ", ".join(f"'{r}'" for r in requires)
            )
        decisions[dname] = Decision(
            name=dname,
            branches=tuple(Branch(t, c[t] / tot) for t in order),
            requires=requires,
            by_segment=by_segment,
            description=f"what happens after {label}",
            provenance=prov,
        )
        for t in order:
            lo, hi = cis[t]
            rows.append(
                {
                    "target": f"decisions.{dname}.{t}",
                    "kind": "probability",
                    "family": "binomial",
                    "chosen": True,
                    "n": n_raw,
                    "n_eff": _r(n_eff, 1),
                    "value": c[t] / tot,
                    "ci_low": lo,
                    "ci_high": hi,
                }
            )
        return dname

    # ---- roles
    used_roles = {act_role[a] for a in activities if a in act_role and a in reach} | {
        r for a, rs in act_roles.items() if a in reach for r in rs
    }
    model_roles: dict[str, Role] = {}
    calendars: dict[str, Any] = {}
    for rname, r in roles.items():
        if rname not in used_roles:
            continue
        if r.calendar is ALWAYS or r.calendar.is_constant:
            cal_name = "24/7"
        else:
            cal_name = f"{rname}_hours"
            calendars[cal_name] = r.calendar
        model_roles[rname] = Role(
            name=rname,
            headcount=max(r.headcount, 1),
            calendar=cal_name,
            hourly_cost=0.0,
            members=tuple(r.members),
            provenance=_safe(r.provenance),
        )

    # ---- steps, timers, parallel blocks, ends
    steps: dict[str, Step] = {}
    wstats = waiting.groupby("activity").agg(
        n=("waiting", "size"),
        waiting_mean=("waiting", "mean"),
        delay_mean=("extraneous_delay", "mean"),
    )
    for a in activities:
        if a not in reach and entry[a] not in reach:
            continue
        role = act_role.get(a)
        w = wstats.loc[a]
        prov = {
            "n": int(w["n"]),
            "role": role,
            "waiting_mean_h": _r(w["waiting_mean"]),
            "extraneous_delay_mean_h": _r(w["delay_mean"]),
            "duration": "working hours under the role's calendar" if role else "clock hours",
        }
        if role:
            prov["role_coverage"] = (
                roles[role].provenance["coverage"].get((step_activity or {}).get(a, a))
            )
        base = (step_activity or {}).get(a, a)
        if base in (repeated or {}):  # a repetition of an activity done several times in a row
            prov["activity"] = base
            prov["repetition"] = a[len(base) :].strip() or "#1"
            own = (repeated[base].get("durations") or {}).get("own_fit", ())
            prov["duration_pooled_over_repetitions"] = a not in own
        steps[a] = Step(
            name=a,
            next=route(a),
            duration=durations[a],
            roles=act_roles.get(a, (role,)) if role else (),
            patience=patience.get(a) if role else None,
            provenance=prov,
        )
        for (came_from, b), dist in edge_timers.items():
            if b == a and dist is not None and edge_timer_name(came_from, a) in reach:
                t_name = edge_timer_name(came_from, a)
                steps[t_name] = Step(
                    name=t_name,
                    next=a,
                    duration=dist,
                    roles=(),
                    value_adding=False,
                    description=(
                        f"extraneous delay before '{a}' for cases that come from '{came_from}'"
                    ),
                    provenance={
                        "kind": "extraneous delay timer",
                        "after": came_from,
                        "split_by_predecessor": _safe((edge_evidence or {}).get(a, {})),
                    },
                )
        if a in timers and TIMER_PREFIX + a in reach:
            deadline = (deadlines or {}).get(a)
            steps[TIMER_PREFIX + a] = Step(
                name=TIMER_PREFIX + a,
                next=a,
                duration=timers[a],
                roles=(),
                value_adding=False,
                description=(
                    f"extraneous delay before '{a}' (waiting while its resource was available)"
                    if deadline is None
                    else f"deadline before '{a}': the case's age when it may start"
                ),
                provenance={"n": int(w["n"]), "kind": "extraneous delay timer"}
                | ({} if deadline is None else {"measured_from": _safe(deadline)}),
                measured_from="enabled" if deadline is None else "arrival",
            )
    parallels: dict[str, Parallel] = {}
    for g, grp in groups.items():
        if g not in reach:
            continue
        inc = routing.branch_included.get(g, Counter())
        visits = max(routing.visits.get(g, 0), 1)
        probs = tuple(min(1.0, inc.get(b, 0) / visits) for b in range(len(grp.branches)))
        parallels[g] = Parallel(
            name=g,
            branches=tuple(route(pt) for pt in branch_entry_points[g]),
            join=join[g],
            next=route(join[g]),
            probabilities=None if all(q >= 0.999 for q in probs) else probs,
            description="overlapping activities: "
            + " || ".join(" -> ".join(b) for b in grp.branches)
            + f" ({visits} visits)",
        )
    start = route("<start>")
    ends: dict[str, End] = {}
    referenced = {b.to for d in decisions.values() for b in d.branches}
    referenced |= {s_.next for s_ in steps.values()} | {q.next for q in parallels.values()}
    referenced.add(start)
    for t in sorted(referenced):
        if t.startswith(END_PREFIX):
            o = t[len(END_PREFIX) :]
            ends[t] = End(name=t, outcome=o, success=o not in dropoff)
    if delay_time == "working":  # each timer counts working hours of its step's role calendar
        for t_name, a in timer_of.items():
            role = act_role.get(a)
            if t_name in steps and role in model_roles:
                steps[t_name] = dataclasses.replace(
                    steps[t_name], calendar=model_roles[role].calendar
                )
    metadata = {
        "calibrated_from": p.source,
        "clock": p.clock,  # of start_date, the calendars and the arrival profile
        "origin": p.origin.isoformat(),
        "timer_steps": sorted(t for t in timer_of if t in steps),
        "delay_time": delay_time,
        "dropoff_outcomes": list(dropoff),
        "abandonment_outcomes": list(abandon),
        "patience_steps": sorted(a for a in patience if a in steps),
        "step_activity": {k: v for k, v in sorted((step_activity or {}).items()) if k in steps},
        "repeated_steps": _safe(repeated or {}),
        "settings": _safe(settings),
        "arrival_profile": _safe(prof_prov),
        "notes": list(notes),
    }
    if rare_record:
        metadata["rare_paths"] = _safe(rare_record)
    arrivals = Arrivals(interarrival=inter, profile=profile)
    if segment_fit is not None and segment_shares is not None:
        arrivals = dataclasses.replace(arrivals, segments=segment_fit.segments(segment_shares))
        metadata["segments"] = _safe(segment_fit.provenance(segment_shares))
    model = ProcessModel(
        name=name,
        start=start,
        arrivals=arrivals,
        roles=model_roles,
        steps=steps,
        ends=ends,
        decisions=decisions,
        parallels=parallels,
        calendars=calendars,
        start_date=p.origin.isoformat(timespec="seconds"),
        description=f"Calibrated from {p.source} ({p.n_cases} cases).",
        metadata=metadata,
    )
    validate(model, source=f"model calibrated from {p.source}")
    return model, rows


def _safe(x: Any) -> Any:
    """Plain YAML types (numpy scalars -> Python; tuples -> lists)."""
    if isinstance(x, dict):
        return {str(k): _safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_safe(v) for v in x]
    if isinstance(x, np.generic):
        return _safe(x.item())
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
