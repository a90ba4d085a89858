"""Split each activity's waiting into what the simulation will reproduce and an extraneous delay.

An activity instance waits ``start - enabled``. The engine reproduces two causes of waiting by
itself: **closed shifts** (the role's calendar) and **contention** (every person of the role is
busy). The rest, the time during which the case was ready *and* somebody of the role was on shift
and idle (as far as the log shows) but nobody started, is an **extraneous delay** (Chapela-Campa &
Dumas, 2023): it becomes a timer step before the activity.

Two ways to decide when the work *could* have started:

* ``"pool"`` (default): with the engine's semantics. A role is a pool of interchangeable people,
  so contention explains waiting only while **all** its members are busy (or off shift). Per role,
  the busy intervals of each member (their logged activities, any activity, overlaps merged) are
  swept into the number of busy members over time; the instants with all of them busy, plus the
  role's closed hours, can explain waiting. The engine runs a delay timer first and then queues
  the case (for a free person, or for the shift to open), so only the stretch of such instants
  that runs up to the start is explained (``trailing``, default); the timer is the rest of the
  wait, in clock time: a call back two days later stays two days, nights included. (With
  ``trailing=False`` every explained instant of ``[enabled, start]`` counts, and the remaining
  working time ``d`` is stored as the clock time it takes from the enabling moment,
  ``cal.inverse(cal.cumulative(enabled) + d) - enabled``: the same for shifts, but an all-busy
  moment in the middle of a wait would shorten the timer, and the simulated case would then start
  before the real one did.) The draws are then applied at other enabling times in the simulation;
  the distribution over the log's enabling times is what is kept.
* ``"resource"``: the executing resource's own availability (the per-resource rule of
  Chapela-Campa & Dumas): the case could start at ``max(enabled, end of the resource's previous
  activity)`` moved to its next working hour. When a person juggles many cases this attributes
  nearly all waiting to their being busy, even if they were idle for hours in between, which the
  simulated pool does not reproduce; kept for comparison.

Activities without a role (automated) have nothing to wait for: all their waiting is extraneous.

**Rows without a resource.** A row of a staffed activity that names nobody was still somebody's
work: each keeps one more person of the activity's role (of each of its roles, for a step done by
several at once) busy while it runs. Left out, the pool looks idle while it was working and the
waiting behind that work reads as extraneous delay (QA newuser19 #1: 2.8 % of a CRM export's
owners blanked gave timers of 0.5-1.1 h before two steps the true process does not delay, and a
back-test error of +15 % instead of +0.4 %).

**Right truncation.** An extract that keeps only the cases finished by its end ``T`` lacks the
work of the others: a member who looks idle may have been busy with a case that is not in it, so
the pool looks free while it was full, and waiting reads as extraneous delay. QA 8b's model D (8
clerks at full load, a 72 h customer wait before ``close``; 14-day extracts): the whole logs give
no ``delay:close``, the extracts one of 0.22-0.59 h on 46-70 % of the closes (seeds 1-3); over
its last day an extract shows 3.5 of the 8 clerks busy on average, the whole log 7.6 (seeds 1-3,
``truncated_delay_grid.py --busy``). So with ``missing`` (``sim.calibrate.truncation.
missing_work``, given for a truncated log) the expected number ``m(x)`` of the role's events
running at ``x`` that the extract lacks is estimated (per activity, its steady number running at
once times the share ``1 - F_a(T - x)`` missing then), and an instant where ``g`` members look
idle is still all busy unless ``g`` missing events are unlikely: ``P(N >= g) < alpha``, ``N``
Poisson with mean ``m(x)``. The level trades two errors: a strict one (0.001) takes a real delay
for queueing, a lax one leaves the spurious delay. ``MISSING_WORK_ALPHA`` = 0.2 was chosen on
model D at three loads, with and without a real 0.5 h hold before ``close`` hidden from the log
(seeds 1-3), and checked on seeds 7-9. Mean ``delay:close`` in hours, seeds 7-9 (the 0.001
column: seeds 1-3; ``experiments/backtest_public_logs/truncated_delay_grid.py``, with
``--alpha 1.01`` for the uncorrected column and ``--alpha 0.001 --seeds 1 2 3`` for the last):

| load | hold | whole log | extract, uncorrected | at 0.2 | at 0.001 |
|---|---|---|---|---|---|
| 100 % | none | 0, 0, 0 | 0.25, 0.68, 0.45 | 0.11, 0.32, 0.12 | 0, 0, 0 |
| 100 % | 0.5 h | 0.26, 0.22, 0.23 | 0.66, 1.04, 0.87 | 0.39, 0.54, 0.38 | 0.06, 0.09, 0.14 |
| 80 % | none | 0, 0, 0 | 0.03, 0.04, 0.04 | 0.01, 0.02, 0.02 | 0, 0, 0 |
| 80 % | 0.5 h | 0.43, 0.42, 0.44 | 0.50, 0.50, 0.52 | 0.42, 0.43, 0.42 | 0.18, 0.21, 0.27 |
| 62 % | none | 0, 0, 0 | 0.01, 0.01, 0.01 | 0, 0, 0 | 0, 0, 0 |
| 62 % | 0.5 h | 0.48, 0.46, 0.49 | 0.51, 0.49, 0.50 | 0.49, 0.45, 0.49 | 0.29, 0.32, 0.35 |

At 0.2 the extracts agree with their whole logs below full load and the spurious delay at full
load is about halved (at full load the whole log itself under-states a real hold: waiting that
overlaps a full pool is queueing to the detector); 0.001 removes the spurious delay but cuts a
real one by a third to three quarters at every load.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.stats as st

from sim.calibrate.prepare import explode_people, joined_people
from sim.calibrate.staff import RoleFit
from sim.calibrate.truncation import MissingWork
from sim.model.calendar import HOURS_PER_WEEK, WeeklyRate

MISSING_WORK_ALPHA = 0.2


def _merge(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of intervals ``[starts, ends]`` as sorted disjoint intervals."""
    if starts.size == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    run_end = np.maximum.accumulate(e)
    # a new block starts where the start is after everything before it ended
    new = np.r_[True, s[1:] > run_end[:-1]]
    idx = np.flatnonzero(new)
    block_end = np.maximum.reduceat(e, idx)
    return s[idx], block_end


def _closed_intervals(cal: WeeklyRate, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """The calendar's closed pieces (rate 0) between ``lo`` and ``hi`` (hours since a Monday)."""
    if cal.is_constant:
        return np.array([]), np.array([])
    pieces = [(b, e) for b, e, r in cal.intervals() if r <= 0]
    if not pieces:
        return np.array([]), np.array([])
    w0, w1 = int(np.floor(lo / HOURS_PER_WEEK)), int(np.floor(hi / HOURS_PER_WEEK))
    weeks = np.arange(w0, w1 + 1, dtype=float) * HOURS_PER_WEEK
    pb = np.array([p[0] for p in pieces])
    pe = np.array([p[1] for p in pieces])
    s = (weeks[:, None] + pb[None, :]).ravel()
    e = (weeks[:, None] + pe[None, :]).ravel()
    return s, e


def _all_busy(
    starts: np.ndarray,
    ends: np.ndarray,
    k: int,
    missing: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    alpha: float = MISSING_WORK_ALPHA,
) -> tuple[np.ndarray, np.ndarray]:
    """Intervals during which at least ``k`` of the (per-person merged) intervals overlap.

    ``missing`` (starts, ends, values: a piecewise-constant expected number of the role's events
    running then that a right-truncated extract lacks, ``_missing_intervals``) adds that work:
    where ``g = k - busy`` members look idle, the instant still counts as all busy unless ``g``
    missing events are implausible, ``P(N >= g) < alpha`` for ``N`` Poisson with that mean.
    """
    ms = me = mw = np.array([])
    if missing is not None:
        ms, me, mw = (np.asarray(x, dtype=float) for x in missing)
        keep = mw > 0
        ms, me, mw = ms[keep], me[keep], mw[keep]
    if (starts.size == 0 and ms.size == 0) or k <= 0:
        return np.array([]), np.array([])
    t = np.r_[starts, ends, ms, me]
    d = np.r_[np.ones(starts.size), -np.ones(ends.size), np.zeros(2 * ms.size)]
    dm = np.r_[np.zeros(2 * starts.size), mw, -mw]
    order = np.lexsort((d, t))  # at equal times, ends (-1) before starts (+1)
    t, d, dm = t[order], d[order], dm[order]
    level = np.cumsum(d)
    full = level >= k
    if ms.size:
        lam = np.cumsum(dm)
        gap = k - level
        maybe = ~full & (lam > 1e-9)
        full[maybe] = st.poisson.sf(gap[maybe] - 1, lam[maybe]) >= alpha
    # level[i] holds on [t[i], t[i+1])
    seg_s = t[:-1][full[:-1]]
    seg_e = t[1:][full[:-1]]
    keep = seg_e > seg_s
    return seg_s[keep], seg_e[keep]


class _Covered:
    """Measure of a union of intervals up to a time, vectorised (``measure(t)``)."""

    def __init__(self, starts: np.ndarray, ends: np.ndarray) -> None:
        self.s, self.e = _merge(np.asarray(starts, float), np.asarray(ends, float))
        self.cum = np.r_[0.0, np.cumsum(self.e - self.s)]

    def measure(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        if self.s.size == 0:
            return np.zeros_like(t)
        j = np.searchsorted(self.s, t, side="right") - 1
        jj = np.maximum(j, 0)
        inside = np.minimum(t, self.e[jj]) - self.s[jj]
        return np.where(j >= 0, self.cum[jj] + np.maximum(inside, 0.0), 0.0)

    def since(self, t: np.ndarray) -> np.ndarray:
        """Where the covered stretch that runs up to ``t`` began (``t`` itself if none does)."""
        t = np.asarray(t, dtype=float)
        if self.s.size == 0:
            return t.copy()
        j = np.searchsorted(self.s, t, side="left") - 1  # the last piece starting before t
        jj = np.maximum(j, 0)
        covered = (j >= 0) & (self.e[jj] >= t)
        return np.where(covered, self.s[jj], t)


def _missing_intervals(
    missing: MissingWork,
    acts: np.ndarray,
    s: np.ndarray,
    e: np.ndarray,
    sel: np.ndarray,
    cal: WeeklyRate,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The expected number of a role's events running at each time that a right-truncated
    extract lacks, as piecewise-constant pieces (starts, ends, values).

    Per activity ``a`` of the role's events ``sel``: the number of its events running at once
    while the role is on shift, ``c_a`` (their durations weighted by ``1 / inclusion``, over the
    role's open hours from its first event to the extract's end: a steady volume, as the
    truncation test assumes), times the share the extract lacks at ``x``, ``1 - F_a(T - x)``.
    Not the events seen near ``x`` scaled up: near the end almost none are seen.
    """
    out_s, out_e, out_v = [], [], []
    lo = float(np.min(s[sel])) if sel.size else missing.T
    span = missing.T - lo
    cs, ce = _closed_intervals(cal, lo, missing.T)
    closed = _Covered(cs, ce)
    open_hours = span - float(
        closed.measure(np.array([missing.T]))[0] - closed.measure(np.array([lo]))[0]
    )
    if open_hours <= 0:
        return np.array([]), np.array([]), np.array([])
    for a in pd.unique(acts[sel]):
        ma = sel[acts[sel] == a]
        conc = float(np.sum((e[ma] - s[ma]) / missing.inclusion[ma])) / open_hours
        t, F = missing.remaining.get(str(a), (np.array([]), np.array([])))
        if conc <= 0 or t.size == 0:
            continue
        # T - x in [knot_i, knot_i+1): the extract holds F_i of the events then (0 below t_0)
        lo_u, hi_u = np.r_[0.0, t], np.r_[t, np.inf]
        share = 1.0 - np.r_[0.0, F]
        keep = share > 1e-12
        out_s.append(missing.T - hi_u[keep])
        out_e.append(missing.T - lo_u[keep])
        out_v.append(conc * share[keep])
    if not out_s:
        return np.array([]), np.array([]), np.array([])
    return np.concatenate(out_s), np.concatenate(out_e), np.concatenate(out_v)


def pool_delays(
    ev: pd.DataFrame,
    enabled: np.ndarray,
    act_role: dict[str, str],
    roles: dict[str, RoleFit],
    *,
    clock: bool = True,
    trailing: bool = True,
    missing: MissingWork | None = None,
    alpha: float = MISSING_WORK_ALPHA,
    act_roles: dict[str, tuple[str, ...]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per event: (when it could have started, extraneous delay), by pool availability.
    ``act_roles``: the roles of the activities that need a person of each of several roles at
    once (``act_role``'s first): their cases queue while any of those pools is busy or closed.

    ``clock=False`` keeps staffed steps' delays in working hours of their role's calendar (for a
    timer that runs on that calendar) instead of converting them to clock time. ``trailing``
    (default) explains only the stretch of closed hours and all-busy time that runs up to the
    start: the engine runs the timer first and queues the case after it, so a moment when all
    were busy *before* somebody fell idle and still did not start cannot be queueing (the case
    would have started then). ``trailing=False`` explains every such instant of the wait.
    ``missing`` (a right-truncated extract: ``sim.calibrate.truncation.missing_work``) counts the
    work of the cases the extract left out (see the module docstring); ``alpha`` is its Poisson
    tail. A row with no resource counts as one more busy person of its activity's role(s) while
    it runs (see the module docstring).
    """
    s = ev["start"].to_numpy(dtype=float)
    e = ev["end"].to_numpy(dtype=float)
    acts = ev["activity"].to_numpy()
    # each person's events, those done with others included ('se1;ae3' keeps se1 and ae3 busy)
    people, rows = _people(ev[["resource"]], roles)
    person = people["resource"].to_numpy(dtype=object)
    wait = np.maximum(s - enabled, 0.0)
    delay = wait.copy()  # automated steps: everything is extraneous
    lo, hi = float(np.nanmin(enabled)), float(np.nanmax(e))
    covered: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    # rows naming nobody: the work of somebody of their activity's role(s), not idle time
    nobody = ev["resource"].isna().to_numpy()
    unowned: dict[str, list[int]] = {}
    for i in np.flatnonzero(nobody):
        main = act_role.get(acts[i])
        for rname in (act_roles or {}).get(acts[i]) or ((main,) if main is not None else ()):
            unowned.setdefault(rname, []).append(int(i))

    def unavailable(rname: str) -> tuple[np.ndarray, np.ndarray]:
        """When every member of the role was busy (or the work of missing cases could have
        kept them so) or off shift."""
        if rname not in covered:
            r = roles[rname]
            members = set(r.members)
            by = np.flatnonzero(pd.Series(person).isin(members).to_numpy())
            bs, be = [], []
            for m in members:
                sel = rows[by[person[by] == m]]
                ms, me = _merge(s[sel], e[sel])
                bs.append(ms)
                be.append(me)
            # each unowned row keeps one (unnamed) member busy: not merged with anybody's
            anon = np.asarray(unowned.get(rname, []), dtype=np.int64)
            bs.append(s[anon])
            be.append(e[anon])
            k = max(r.headcount, 1)  # the pool the engine has: busy beyond it queue the case
            fs, fe = _all_busy(
                np.concatenate(bs),
                np.concatenate(be),
                k,
                None
                if missing is None
                else _missing_intervals(
                    missing, acts, s, e, np.unique(np.r_[rows[by], anon]), r.calendar
                ),
                alpha,
            )
            cs, ce = _closed_intervals(r.calendar, lo, hi)
            covered[rname] = (np.r_[fs, cs], np.r_[fe, ce])
        return covered[rname]

    # a step that needs people of several roles (``act_roles``) queues while any of them does
    needs: dict[tuple[str, ...], list[int]] = {}
    for i, a in enumerate(acts):
        main = act_role.get(a)
        if main is not None:
            needs.setdefault((act_roles or {}).get(a) or (main,), []).append(i)
    for key, where in needs.items():
        mine = np.asarray(where, dtype=np.int64)
        pieces = [unavailable(rname) for rname in key]
        cov = _Covered(
            np.concatenate([p[0] for p in pieces]), np.concatenate([p[1] for p in pieces])
        )
        t0 = np.minimum(enabled[mine], s[mine])
        if trailing and clock:  # the timer covers the rest of the wait, on the clock
            delay[mine] = np.maximum(cov.since(s[mine]), t0) - t0
            continue
        explained = cov.measure(s[mine]) - cov.measure(t0)
        d_work = np.clip(wait[mine] - explained, 0.0, None)
        cal = roles[key[0]].calendar
        if clock and not cal.is_constant:
            c0 = cal.cumulative_array(t0)
            d_clock = np.array(
                [
                    cal.inverse(c + d) - t if d > 1e-12 else 0.0
                    for c, d, t in zip(c0, d_work, t0, strict=True)
                ]
            )
            d_work = np.clip(d_clock, 0.0, wait[mine])
        delay[mine] = d_work
    return ready_after(enabled, s, delay), delay


def ready_after(enabled: np.ndarray, start: np.ndarray, delay: np.ndarray) -> np.ndarray:
    """When each instance was ready for its people: the engine runs the delay timer first and
    queues the case after it, so once ``delay`` has run from ``enabled`` (never after
    ``start``; ``start - delay`` was the queue's length after enabling, not this)."""
    return np.minimum(np.minimum(enabled, start) + delay, start)


def _people(ev: pd.DataFrame, roles: dict[str, RoleFit]) -> tuple[pd.DataFrame, np.ndarray]:
    """``explode_people`` for the resources that name several members of ``roles`` at once
    (``'se1;ae3'``: both are busy with the event)."""
    members = {m for r in roles.values() for m in r.members}
    joined = joined_people(ev["resource"], known=members)
    return explode_people(ev, {v: ps for v, ps in joined.items() if set(ps) <= members})


def resource_delays(
    ev: pd.DataFrame, enabled: np.ndarray, act_role: dict[str, str], roles: dict[str, RoleFit]
) -> tuple[np.ndarray, np.ndarray]:
    """Per event: (when its resource was available and on shift, extraneous delay)."""
    s = ev["start"].to_numpy(dtype=float)
    ready = enabled.copy()
    # one row per person: an event done by several people waits for the last of them
    people, rows = _people(ev[["resource", "start", "end"]], roles)
    has_res = people["resource"].notna().to_numpy()
    if has_res.any():
        sub = people.loc[has_res, ["resource", "start", "end"]].copy()
        sub["_i"] = rows[has_res]
        sub = sub.sort_values(["resource", "start", "end"], kind="stable")
        prev = sub.groupby("resource", sort=False)["end"].cummax()
        prev = prev.groupby(sub["resource"], sort=False).shift(1)
        idx = sub["_i"].to_numpy()
        pe = prev.to_numpy(dtype=float)
        ok = ~np.isnan(pe)
        np.maximum.at(ready, idx[ok], pe[ok])
    acts = ev["activity"].to_numpy()
    for a in pd.unique(acts):
        role = act_role.get(a)
        if role is None:
            continue
        cal = roles[role].calendar
        if cal.is_constant:
            continue
        m = np.flatnonzero(acts == a)
        ready[m] = [cal.next_positive(float(t)) for t in ready[m]]
    ready = np.minimum(ready, s)
    return ready, np.maximum(s - ready, 0.0)


def deadline_evidence(
    age_enabled: np.ndarray,
    age_ready: np.ndarray,
    *,
    min_n: int = 30,
    seed: int = 0,
) -> dict[str, float | int | bool]:
    """Is a timer a deadline after the case's arrival rather than a wait after the step is
    reached? The evidence for one activity, from its events in the log.

    ``age_enabled`` and ``age_ready`` are the case's age (hours since its arrival) when the step
    was reached and when its timer ended. Two replays of the same events are compared with the
    log's ``age_ready`` by the Kolmogorov-Smirnov distance: *after enabled* (the delays
    ``age_ready - age_enabled`` shuffled across the events, as independent timers replay them)
    and *after arrival* (the ages at the timer's end shuffled, each ending at
    ``max(deadline, age_enabled)``, as a deadline replays them). A deadline (a ticket closed 30
    days after it was opened, whatever happened before) makes the first replay spread the ends
    far more than the log does. ``deadline`` is true when the after-arrival replay is less than
    half as far from the log as the after-enabled one, and that one is significant (KS p-value
    below 0.001), with at least ``min_n`` events. Shuffles use ``seed``.
    """
    age_enabled = np.asarray(age_enabled, dtype=float)
    age_ready = np.asarray(age_ready, dtype=float)
    n = int(age_ready.size)
    out: dict[str, float | int | bool] = {"n": n, "deadline": False}
    if n < min_n:
        return out
    rng = np.random.default_rng(seed)
    delays = np.maximum(age_ready - age_enabled, 0.0)
    after_enabled = age_enabled + rng.permutation(delays)
    after_arrival = np.maximum(rng.permutation(age_ready), age_enabled)
    # asymptotic p-values: the exact ones fail on ties (replays share the log's values)
    ks_enabled = st.ks_2samp(after_enabled, age_ready, method="asymp")
    ks_arrival = st.ks_2samp(after_arrival, age_ready, method="asymp")
    out.update(
        ks_after_enabled=round(float(ks_enabled.statistic), 4),
        ks_after_enabled_pvalue=float(ks_enabled.pvalue),
        ks_after_arrival=round(float(ks_arrival.statistic), 4),
    )
    out["deadline"] = bool(
        ks_enabled.pvalue < 0.001 and ks_arrival.statistic < 0.5 * ks_enabled.statistic
    )
    return out
