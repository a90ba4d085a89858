"""Case segments (key accounts and small business, channels) from a log's segment column.

Calibration reads four things from it (``calibrate_model``); a log with one segment value, or
without the column, gets none of them and the model keeps its one default segment:

* **Shares**: each segment's share of the cases (the arrivals draw a case's segment by them).
* **Pace**: one ``duration_scale`` per segment, which the engine multiplies the duration of
  every staffed step by, and one ``timer_scale`` for its timers (the extraneous delays). Each is
  the ratio estimator of a segment's processing times (delays) to the steps' means (iterated so
  that each step's mean is of values already divided by their segments' scales), relative to
  the segment with the most cases; its 95 % interval comes from the delta method over cases (a
  case's steps are not independent of each other). A segment whose interval contains 1 keeps
  1: the steps' fits then pool every segment's values. (Apart, because bigger deals may take
  longer to work on without waiting longer for the customer: on the bundled CRM model's trace,
  whose hand-off delays do not scale, one scale for both made key accounts' cases 13 % too long
  and small businesses' 8 % too short.)
* **Routing**: at each decision, a chi-square test of independence between a case's segment
  and the branch it takes (``scipy.stats.chi2_contingency`` on the transitions seen, segments
  with at least ``MIN_VISITS`` visits); where segment and branch are dependent at
  ``ROUTING_ALPHA``, each such segment gets its own probabilities (``Decision.by_segment``).
* **Priority**: a log does not say who was served first, but a segment that waits far less
  than another at the same staffed steps looks like it was (under first come, first served
  every case meets the same queue). The segments' waits (start - enabled, where the log shows
  when the step was enabled: not at a case's first step) are compared with the same ratio
  estimator, net of the extraneous delays (a customer who answers faster is not served
  first); segments are ranked by them into levels, a new level where a segment's wait relative
  to the level before has a 95 % interval above ``1 / PRIORITY_RATIO``, so segments that cannot
  be told apart share a level (``priority_levels``), and the calibration uses these levels
  unless ``segment_priority`` is given. On logs of the bundled CRM model the key accounts'
  queueing is 0.53x the small businesses' [0.47, 0.61] when they are served first and 0.93x
  [0.84, 1.03] when not (README, "segments"). Steps whose delays differ by segment are left
  out of this evidence (``steps_with_segment_delays``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.errors import ConfigError
from sim.model.process import DEFAULT_SEGMENT, Segment

NO_SEGMENT = "unsegmented"
"""The segment of the cases without a value in the log's segment column."""
MIN_VISITS = 20
ROUTING_ALPHA = 0.001  # many decisions are tested: a strict level keeps false splits rare
PRIORITY_RATIO = 0.8
Z95 = 1.959964


@dataclass
class Pace:
    """A segment's durations relative to the reference segment's (``ratio``), with its 95 % CI."""

    ratio: float
    ci95: tuple[float, float]
    cases: int
    own_log_se: float = math.inf  # the standard error of log(ratio) of this segment's own cases

    @property
    def differs(self) -> bool:
        """Whether the interval excludes 1 (the segment's pace is its own)."""
        return not (self.ci95[0] <= 1.0 <= self.ci95[1])

    def to_dict(self) -> dict[str, Any]:
        """Plain values for model.yaml's metadata."""
        return {
            "ratio": round(self.ratio, 4),
            "ci95": [round(self.ci95[0], 4), round(self.ci95[1], 4)],
            "cases": self.cases,
        }


@dataclass
class SegmentFit:
    """What the log's segment column says (see the module docstring)."""

    case_segment: pd.Series  # case_id -> segment
    counts: dict[str, int]  # cases per segment, most first
    pace: dict[str, Pace] = field(default_factory=dict)
    timer_pace: dict[str, Pace] = field(default_factory=dict)  # of the extraneous delays
    waiting: dict[str, Pace] = field(default_factory=dict)
    # priority levels, served first first; the segments of a level alike
    priority: list[list[str]] = field(default_factory=list)
    suggested_priority: list[list[str]] = field(default_factory=list)
    # steps whose delays differ by segment: their waits say nothing about priority
    steps_left_out: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Segment names, the one with most cases first (the pace's reference)."""
        return list(self.counts)

    def scale(self, segment: str, *, timers: bool = False) -> float:
        """The duration scale the model gives ``segment``'s staffed steps (``timers``: its
        timers'), 1 where its pace is not its own."""
        p = (self.timer_pace if timers else self.pace).get(segment)
        return p.ratio if p is not None and p.differs else 1.0

    def event_scales(self, case_ids: pd.Series, *, timers: bool = False) -> np.ndarray:
        """Per event (of the cases ``case_ids``), its case's segment's duration scale
        (``timers``: timer scale)."""
        scales = {s: self.scale(s, timers=timers) for s in self.names}
        return case_ids.map(self.case_segment).map(scales).to_numpy(dtype=float)

    def scales_of(self, case_ids: pd.Series, staffed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per event: the scale of its duration (``duration_scale`` for a ``staffed`` event,
        else ``timer_scale``: an automated step is a timer in the model) and of its delay
        (``timer_scale``)."""
        timers = self.event_scales(case_ids, timers=True)
        return np.where(staffed, self.event_scales(case_ids), timers), timers

    def segments(self, shares: Mapping[str, float]) -> tuple[Segment, ...]:
        """The model's segments: ``shares`` (summing to 1), pace and priority (its level's
        index; a segment in no level comes after the last)."""
        rank = {s: i for i, level in enumerate(self.priority) for s in level}
        last = len(self.priority)
        return tuple(
            Segment(
                name=s,
                share=float(shares[s]),
                priority=rank.get(s, last),
                duration_scale=round(self.scale(s), 6),
                timer_scale=None
                if self.scale(s, timers=True) == self.scale(s)
                else round(self.scale(s, timers=True), 6),
            )
            for s in self.names
        )

    def provenance(self, shares: Mapping[str, float]) -> dict[str, Any]:
        """model.yaml's ``metadata.segments``: counts, shares, pace and waiting evidence."""
        return {
            "cases": dict(self.counts),
            "shares": {s: round(float(shares[s]), 6) for s in self.names},
            "pace_reference": self.names[0],
            "pace": {s: p.to_dict() for s, p in self.pace.items()},
            "timer_pace": {s: p.to_dict() for s, p in self.timer_pace.items()},
            "waiting_vs_reference": {s: p.to_dict() for s, p in self.waiting.items()},
            "priority": [list(level) for level in self.priority],
            "suggested_priority": [list(level) for level in self.suggested_priority],
            "priority_evidence_left_out": list(self.steps_left_out),
        }


def case_segments(events: pd.DataFrame) -> tuple[pd.Series | None, list[str]]:
    """Per case, its segment (the value of its first event that has one) and notes.

    ``None`` where the events have no ``segment`` column or fewer than two segments (a note
    names the one segment). Cases without a value get ``NO_SEGMENT``; cases with several values
    keep their first one; both are counted in a note.
    """
    if "segment" not in events.columns:
        return None, []
    ev = events.sort_values(["case_id", "start", "end"], kind="stable")
    valued = ev.dropna(subset=["segment"])
    first = valued.groupby("case_id", sort=False)["segment"].first()
    several = int((valued.groupby("case_id", sort=False)["segment"].nunique() > 1).sum())
    cases = pd.Index(ev["case_id"].unique())
    seg = first.reindex(cases)
    missing = int(seg.isna().sum())
    seg = seg.fillna(NO_SEGMENT).astype(str)
    notes = []
    if seg.nunique() < 2:  # (our engine's traces of a model without segments: 'default')
        only = seg.iloc[0] if len(seg) else DEFAULT_SEGMENT
        quiet = only == DEFAULT_SEGMENT
        return None, [] if quiet else [f"every case is of segment '{only}': no segments modelled"]
    if missing:
        notes.append(f"{missing} case(s) have no segment value: modelled as segment '{NO_SEGMENT}'")
    if several:
        notes.append(
            f"{several} case(s) have several segment values: each keeps the value of its first "
            "event that has one"
        )
    return seg, notes


def relative_pace(
    values: np.ndarray,
    step: np.ndarray,
    case_ids: np.ndarray,
    case_segment: pd.Series,
    reference: str,
    *,
    iterations: int = 5,
) -> dict[str, Pace]:
    """Each segment's ``values`` (durations, waits) relative to the reference segment's at the
    same steps: the ratio estimator sum(v) / sum(step mean), the step means of values divided
    by their segments' ratios (``iterations`` rounds), and the delta method over cases for the
    log-ratio to the reference. Segments without a value are left out."""
    ok = np.isfinite(values)
    v, st, cid = values[ok], step[ok], case_ids[ok]
    seg = pd.Series(cid).map(case_segment).to_numpy(dtype=object)
    names = [s for s in pd.unique(seg) if isinstance(s, str)]
    if not names or reference not in names or len(v) == 0:
        return {}
    if not np.any(v > 0):  # (no delays at all: nothing to tell the segments apart by)
        return {}
    step_codes, _ = pd.factorize(st)
    ratio = dict.fromkeys(names, 1.0)
    means = np.zeros(step_codes.max() + 1)
    for _ in range(iterations):
        r_ev = np.array([ratio[s] for s in seg])
        sums = np.bincount(step_codes, weights=v / r_ev, minlength=len(means))
        counts = np.bincount(step_codes, minlength=len(means))
        means = sums / np.maximum(counts, 1)
        expected = means[step_codes]
        for s in names:
            m = seg == s
            e = expected[m].sum()
            ratio[s] = float(v[m].sum() / e) if e > 0 else 1.0
    expected = means[step_codes]
    log_var: dict[str, float] = {}
    n_cases: dict[str, int] = {}
    for s in names:
        m = seg == s
        per_case = pd.DataFrame({"c": cid[m], "d": v[m], "e": expected[m]}).groupby("c").sum()
        n = len(per_case)
        n_cases[s] = n
        mean_e = float(per_case["e"].mean())
        if n < 2 or mean_e <= 0 or ratio[s] <= 0:
            log_var[s] = math.inf
            continue
        resid = per_case["d"].to_numpy() - ratio[s] * per_case["e"].to_numpy()
        var_r = float(np.var(resid, ddof=1)) / (n * mean_e**2)
        log_var[s] = var_r / ratio[s] ** 2
    out: dict[str, Pace] = {}
    ref = ratio[reference]
    for s in names:
        r = ratio[s] / ref if ref > 0 else math.nan
        se = math.sqrt(log_var[s] + (0.0 if s == reference else log_var[reference]))
        own = math.sqrt(log_var[s])
        if s == reference:
            out[s] = Pace(1.0, (1.0, 1.0), n_cases[s], own)
        elif math.isfinite(se) and r > 0:
            ci = (r * math.exp(-Z95 * se), r * math.exp(Z95 * se))
            out[s] = Pace(r, ci, n_cases[s], own)
        else:
            out[s] = Pace(r, (0.0, math.inf), n_cases[s], own)
    return out


def _waits_less(a: Pace, b: Pace) -> bool:
    """Whether ``a``'s waits are below ``PRIORITY_RATIO`` of ``b``'s (the 95 % interval of the
    ratio of the two)."""
    if a.ratio <= 0 or b.ratio <= 0:
        return a.ratio <= 0 < b.ratio
    se = math.hypot(a.own_log_se, b.own_log_se)
    return math.isfinite(se) and a.ratio / b.ratio * math.exp(Z95 * se) < PRIORITY_RATIO


def priority_levels(waiting: Mapping[str, Pace], *, min_cases: int = MIN_VISITS) -> list[list[str]]:
    """The segments' priority levels, served first first, from their waits at the same steps:
    segments ranked by their waits, a new level where a segment waits significantly more than
    the slowest of the level before (``_waits_less``), so segments that cannot be told apart
    share a level; [] when every segment is on one level (first come, first served). Segments
    with fewer than ``min_cases`` cases with waits are left out (``fit_segments`` puts them on
    the level of the segment with the most cases)."""
    ranked = sorted(
        (s for s, p in waiting.items() if p.cases >= min_cases), key=lambda s: waiting[s].ratio
    )
    if not ranked:
        return []
    levels = [[ranked[0]]]
    for s in ranked[1:]:
        if _waits_less(waiting[levels[-1][-1]], waiting[s]):
            levels.append([s])
        else:
            levels[-1].append(s)
    return levels if len(levels) > 1 else []


def steps_with_segment_delays(
    delays: np.ndarray,
    step: np.ndarray,
    case_ids: np.ndarray,
    case_segment: pd.Series,
    *,
    alpha: float = 0.01,
    min_values: int = 5,
) -> list[str]:
    """The steps whose extraneous delays differ by segment (Kruskal-Wallis at ``alpha``, the
    segments with ``min_values`` delays there). The log splits a wait into delay and queue
    only roughly (the queue is the busy stretch up to the start, capped by the wait), so where
    one segment's customers answer faster its queue looks shorter too (QA: a FIFO process
    read as one that serves them first); those steps are left out of the priority evidence."""
    seg = pd.Series(case_ids).map(case_segment).to_numpy(dtype=object)
    table = pd.DataFrame({"step": step, "segment": seg, "delay": delays}).dropna()
    out = []
    for name, part in table.groupby("step", sort=True):
        groups = [
            g.to_numpy(dtype=float)
            for _, g in part.groupby("segment")["delay"]
            if len(g) >= min_values
        ]
        if len(groups) < 2 or np.ptp(np.concatenate(groups)) == 0:  # (no delays there)
            continue
        if stats.kruskal(*groups).pvalue < alpha:
            out.append(str(name))
    return out


def fit_segments(
    case_segment: pd.Series,
    processing: np.ndarray,
    delays: np.ndarray,
    waiting: np.ndarray,
    step: np.ndarray,
    case_ids: np.ndarray,
    staffed: np.ndarray,
    *,
    priority: Sequence[str] | None = None,
) -> SegmentFit:
    """Counts, pace and waits of each segment (module docstring): the pace of the staffed
    events' ``processing`` and, apart, of every event's extraneous ``delays`` plus the
    processing of the events without staff (the timers' pace); ``priority`` (segments served first, in order) overrides the suggested order,
    ``[]`` means none."""
    counts = case_segment.value_counts()
    order = sorted(counts.index, key=lambda s: (-int(counts[s]), str(s)))
    ref = order[0]
    fit = SegmentFit(case_segment=case_segment, counts={str(s): int(counts[s]) for s in order})
    fit.pace = relative_pace(
        processing[staffed], step[staffed], case_ids[staffed], case_segment, ref
    )
    # an automated activity (no role) is a timer in the model too
    timed = np.where(staffed, delays, delays + np.where(np.isfinite(processing), processing, 0.0))
    fit.timer_pace = relative_pace(timed, step, case_ids, case_segment, ref)
    sel = staffed & np.isfinite(waiting)
    fit.steps_left_out = steps_with_segment_delays(delays, step, case_ids, case_segment)
    sel &= ~np.isin(step, fit.steps_left_out)
    fit.waiting = relative_pace(waiting[sel], step[sel], case_ids[sel], case_segment, ref)
    fit.suggested_priority = priority_levels(fit.waiting)
    if fit.suggested_priority:  # segments too small to rank: with the largest (or the last)
        ranked = {s for level in fit.suggested_priority for s in level}
        home = next((lv for lv in fit.suggested_priority if ref in lv), fit.suggested_priority[-1])
        home += [s for s in order if s not in ranked]
    fit.priority = fit.suggested_priority if priority is None else [[s] for s in priority]
    return fit


def segment_branches(
    raw: Mapping[str, Mapping[str, float]],
    weighted: Mapping[str, Mapping[str, float]],
    order: Sequence[str],
    *,
    alpha: float = ROUTING_ALPHA,
    min_visits: int = MIN_VISITS,
) -> tuple[dict[str, tuple[float, ...]], dict[str, Any] | None]:
    """Per-segment branch probabilities at one decision (in ``order``), where the segments
    with ``min_visits`` transitions seen (``raw``, per segment and target) take branches
    that depend on their segment (chi-square test at ``alpha``); the probabilities are the
    ``weighted`` shares. Returns ({} , None) when the test is not run, ({}, evidence) when it
    finds no dependence."""
    tested = [s for s in raw if sum(raw[s].get(t, 0) for t in order) >= min_visits]
    if len(tested) < 2:
        return {}, None
    table = np.array([[raw[s].get(t, 0) for t in order] for s in tested], dtype=float)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return {}, None
    res = stats.chi2_contingency(table)
    evidence = {
        "test": "chi-square test of independence of segment and branch",
        "segments": tested,
        "p_value": float(f"{res.pvalue:.3g}"),
        "alpha": alpha,
    }
    if res.pvalue >= alpha:
        return {}, evidence
    by_segment: dict[str, tuple[float, ...]] = {}
    for s in tested:
        w = np.array([float(weighted[s].get(t, 0.0)) for t in order])
        if w.sum() <= 0:
            continue
        probs = w / w.sum()
        probs = np.round(probs, 6)
        probs[int(np.argmax(probs))] += 1.0 - probs.sum()  # sums to 1 after rounding
        by_segment[s] = tuple(float(x) for x in probs)
    evidence["counts"] = {s: {t: int(raw[s].get(t, 0)) for t in order} for s in tested}
    return by_segment, evidence


def check_segment_priority(priority: Sequence[str] | None, case_segment: pd.Series | None) -> None:
    """Refuse a ``segment_priority`` that names no segment of the log (a typo)."""
    if priority is None:
        return
    if case_segment is None:
        if priority:
            raise ConfigError(
                f"segment_priority={list(priority)}: the log has no segments (a segment column "
                "with two values or more: segment_key=... names it)"
            )
        return
    names = sorted(case_segment.unique())
    unknown = [s for s in priority if s not in names]
    if unknown or len(set(priority)) < len(priority):
        raise ConfigError(
            f"segment_priority={list(priority)}: expected distinct segments of the log, the "
            f"ones served first, in order; its segments are {names}"
        )


def levels_text(levels: Sequence[Sequence[str]]) -> str:
    """Priority levels as words: ``'Gold' and 'Platinum' alike, then 'Silver'``."""
    return ", then ".join(
        " and ".join(f"'{s}'" for s in level) + (" alike" if len(level) > 1 else "")
        for level in levels
    )


def segment_notes(fit: SegmentFit, *, given_priority: bool) -> list[str]:
    """What calibration read from the segment column, for the notes."""
    total = sum(fit.counts.values())
    notes = [
        "case segments from the log's segment column: "
        + ", ".join(f"'{s}' {n / total:.0%} ({n} cases)" for s, n in fit.counts.items())
    ]
    ref = fit.names[0]
    for what, paces, key in (
        ("durations at the same staffed steps", fit.pace, "duration_scale"),
        ("extraneous delays (timers) at the same steps", fit.timer_pace, "timer_scale"),
    ):
        told = [
            f"'{s}' {p.ratio:.2f}x (95 % CI {p.ci95[0]:.2f}-{p.ci95[1]:.2f})"
            + ("" if p.differs else ": not told apart, 1")
            for s, p in paces.items()
            if s != ref
        ]
        if told:
            notes.append(f"segments' {what} relative to '{ref}', their {key}: " + "; ".join(told))
    waits = "; ".join(
        f"'{s}' {p.ratio:.2f}x (95 % CI {p.ci95[0]:.2f}-{p.ci95[1]:.2f}, {p.cases} cases)"
        for s, p in fit.waiting.items()
        if s != ref
    )
    if fit.steps_left_out:
        notes.append(
            f"the waits at {', '.join(repr(x) for x in fit.steps_left_out)} are not read as "
            "evidence of who is served first: their extraneous delays differ by segment "
            "(Kruskal-Wallis at 0.01), and the log splits a wait into delay and queue only "
            "roughly"
        )
    if fit.suggested_priority and not given_priority:
        notes.append(
            f"segments wait at the same steps (net of their delays) as if served in the order "
            f"{levels_text(fit.suggested_priority)} (waits relative to '{ref}': {waits}): "
            "modelled so (segment_priority=[...] sets the order, [] none)"
        )
    elif given_priority:
        suggested = (
            f"; the waits suggest {levels_text(fit.suggested_priority) or 'none'}"
            if fit.suggested_priority != fit.priority
            else ""
        )
        notes.append(
            f"segments served first, as given: {levels_text(fit.priority) or 'none'} (waits "
            f"relative to '{ref}': {waits}){suggested}"
        )
    return notes
