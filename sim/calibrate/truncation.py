"""Right truncation: logs that keep only the cases that finished before the extract's end.

Many extracts, and most train/test splits of public logs (the BPIC 2012 W files among them),
keep a case only if it *started and finished* inside the window. A case that started a few days
before the end is then in the log only if it was short: long cases are missing from the end of
the extract, the log's cycle times, loop counts and waits are biased down, and so is every
parameter calibrated from it. This is *right truncation* (Lynden-Bell, 1971; Woodroofe, 1985),
not right censoring: the missing cases leave no trace at all, where censored (open) cases keep
their first events.

* **Estimate.** Case ``i`` started at ``s_i`` and took ``c_i``; it could be observed only if
  ``c_i <= u_i = T - s_i`` (``T`` the extract's last timestamp). The non-parametric MLE of the
  cycle-time distribution under right truncation is the reverse-time product-limit estimator of
  Lynden-Bell: ``F(t) = prod_{t_j > t} (1 - d_j / R_j)`` over the distinct cycle times ``t_j``,
  with ``d_j`` cases ending at ``t_j`` and ``R_j = #{i: c_i <= t_j <= u_i}`` at risk.
* **Weights** (inverse probability weighting, trimmed at ``max_weight``). Two questions, two
  weights, because the start time and the content of a case are independent (stationarity):

  - *when cases arrive*: a case that started at ``s`` is in the log with probability
    ``F(T - s)``, whatever its content, so arrival counts are weighted by ``1 / F(T - s_i)``
    (``arrival_weights``); their sum estimates the number of cases that started in the window
    (``sum - n`` = the missing ones);
  - *what happens in a case* (its routing, waits, durations): a case that takes ``c`` is in
    the log with probability ``H(c)``, the share of all arrivals that came at least ``c``
    before ``T``; with the arrival counts above, ``H(c) = A(T - c) / A(T)`` where ``A(x)`` is
    the weighted number of arrivals up to ``x``. Long cases, under-represented, get
    ``1 / H(c_i)`` (``weights``) in routing counts and in every per-event fit.
* **Fits** (``sim.calibrate.fitting.fit_truncated``, used by ``calibrate_model``). Weights can
  only reweight the values that were observed: a duration that reaches beyond the window stays
  biased down (an exponential 72 h wait in a 336 h extract: -5.7 % after the weights, QA 8b
  finding 5). So the durations, delays and deadline ages of a truncated log are fitted by their
  truncated likelihood instead: given the rest of its case, a value ``d`` of a case that ended
  at ``e`` could have been at most ``b = d + (T - e)`` for the case to end by ``T``, so its
  likelihood is ``f(d) / F(b)`` (in working hours where the value is: the slack counted on the
  role's calendar). QA 8b's 72 h wait, 200 extracts: mean +0.1 % (z +0.3), its interval holding
  the truth in 188/200, an exponential chosen in 129 (a truncated normal in 168 before). The
  bound is the case's, not
  ``T - start``: the rest of the case also had to end by ``T`` (two exponential steps of 48 h
  in a 336 h extract, over 200 extracts: the first step's mean +0.1 % with the case's bound,
  -10.9 % with ``T - start``). These values are not weighted as well: the bound already
  accounts for the case's selection, and the weights on top correct it twice (+34.7 % in the
  same set; the weights alone, -2.7 %). A sample the truncated likelihood cannot describe keeps
  the weights: a constant, too few values, a best family that cannot extrapolate (uniform) or
  that fails its KS test (the empirical fallback cannot extrapolate either), or a likelihood too
  flat to pin the mean.
* **Test.** Truncation is assumed only when the data say so. Under truncation the observed starts
  thin out towards the end with density proportional to ``F(T - s)``; without it they are spread
  evenly up to the last start. The log-likelihood ratio of the two (a uniform start density on
  ``[first start, last start]`` versus one proportional to ``F(T - s)`` on the same interval:
  arrivals may stop before ``T``, as in splits that give the cases of a window a grace period to
  finish) must exceed ``min_log_lr`` (default ``log 1000``), and the estimated share of missing
  cases must reach ``min_missing_share`` (1 %: below it the weights change nothing that
  matters). A log generated
  until every case finished (a simulator's output, a split that keeps whole cases) shows no
  thinning, so the ratio is negative there. The test assumes a roughly steady arrival volume;
  a strong trend in volume over the log can mask or mimic the thinning.

Open cases (flagged right-censored) are not truncated by definition; a log that keeps them needs
no correction, so they are left out of the test. Conversely a truncated extract has no open case:
where the test finds truncation, ``truncation_and_open_cases`` drops the open-case flags (the rule
mistakes late-finishing long cases for open ones) and re-estimates the weights over every case.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

DEFAULT_MIN_LOG_LR = math.log(1000.0)
DEFAULT_MIN_MISSING_SHARE = 0.01
DEFAULT_MAX_WEIGHT = 10.0


def lynden_bell(c: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lynden-Bell's estimator of the CDF of ``c`` observed under ``c <= u`` (right truncation).

    Returns ``(t, F)``: the distinct values of ``c`` (sorted) and ``F(t)`` at each (the mass at
    ``t`` included). ``F`` is 1 above the largest value.
    """
    c = np.asarray(c, dtype=float)
    u = np.asarray(u, dtype=float)
    t = np.unique(c)
    cs, us = np.sort(c), np.sort(u)
    le = np.searchsorted(cs, t, side="right")
    risk = le - np.searchsorted(us, t, side="left")  # c_i <= t_j and u_i >= t_j
    d = le - np.searchsorted(cs, t, side="left")
    f = 1.0 - d / np.maximum(risk, 1)
    logf = np.log(np.maximum(f, 1e-300))
    # F(t_k) = prod_{j > k} f_j
    tail = np.cumsum(logf[::-1])[::-1]
    F = np.exp(np.r_[tail[1:], 0.0])
    return t, F


def cdf_at(t: np.ndarray, F: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The step function ``(t, F)`` evaluated at ``x`` (0 below the smallest ``t``)."""
    i = np.searchsorted(t, np.asarray(x, dtype=float), side="right") - 1
    return np.where(i >= 0, F[np.maximum(i, 0)], 0.0)


@dataclass
class Truncation:
    """What the truncation check found: per-case weights (1 when not truncated) and why."""

    truncated: bool
    weights: pd.Series  # case id -> weight of its content (1 / H(c))
    provenance: dict[str, Any] = field(default_factory=dict)
    arrival_weights: pd.Series | None = None  # case id -> weight of its start (1 / F(T - s))

    @property
    def active(self) -> bool:
        """True when some weight differs from 1."""
        return bool(self.truncated and (self.weights != 1.0).any())


def truncation_weights(
    bounds: pd.DataFrame,
    open_cases: set[str],
    *,
    mode: str = "auto",
    min_log_lr: float = DEFAULT_MIN_LOG_LR,
    min_missing_share: float = DEFAULT_MIN_MISSING_SHARE,
    max_weight: float = DEFAULT_MAX_WEIGHT,
) -> Truncation:
    """Inverse-probability weights for a right-truncated log (see the module docstring).

    ``bounds`` has one row per case (index: case id) with ``first`` (first start) and ``last``
    (last end), in hours. ``mode``: ``"auto"`` (weights when the test finds truncation), ``"on"``
    (always), ``"off"`` (never: all weights 1).
    """
    if mode not in ("auto", "on", "off"):
        raise ValueError(f"truncation mode must be 'auto', 'on' or 'off', got {mode!r}")
    ones = pd.Series(1.0, index=bounds.index)
    if mode == "off":
        return Truncation(False, ones, {"mode": "off"}, ones)
    closed = ~bounds.index.isin(list(open_cases))
    s = bounds["first"].to_numpy(dtype=float)[closed]
    e = bounds["last"].to_numpy(dtype=float)[closed]
    if s.size < 20:
        return Truncation(False, ones, {"mode": mode, "note": "fewer than 20 closed cases"}, ones)
    c = np.maximum(e - s, 0.0)
    T = float(np.max(bounds["last"].to_numpy(dtype=float)))
    u = T - s
    t, F = lynden_bell(c, u)
    Fu = cdf_at(t, F, u)
    # log-likelihood ratio of the observed starts: density ~ F(T - s) on [T0, T] vs uniform
    T0, t_last = float(s.min()), float(s.max())
    grid = np.linspace(T0, t_last, 4001)
    integral = float(np.trapezoid(cdf_at(t, F, T - grid), grid))
    n = s.size
    ll_trunc = float(np.sum(np.log(np.maximum(Fu, 1e-12)))) - n * math.log(max(integral, 1e-12))
    ll_flat = -n * math.log(max(t_last - T0, 1e-12))
    log_lr = ll_trunc - ll_flat
    a = 1.0 / np.maximum(Fu, 1.0 / max_weight)  # arrival weights
    order = np.argsort(s, kind="stable")
    s_sorted, cum_a = s[order], np.cumsum(a[order])
    k = np.searchsorted(s_sorted, T - c, side="right")
    H = np.where(k > 0, cum_a[np.maximum(k - 1, 0)], 0.0) / cum_a[-1]
    w = 1.0 / np.maximum(H, 1.0 / max_weight)  # content weights
    prov: dict[str, Any] = {
        "mode": mode,
        "method": "inverse-probability weights under right truncation (Lynden-Bell): "
        "1/F(T - start) for arrivals, 1/H(cycle time) for case content",
        "log_likelihood_ratio": round(log_lr, 2),
        "min_log_likelihood_ratio": round(min_log_lr, 2),
        "min_missing_share": min_missing_share,
        "closed_cases": int(n),
        "missing_cases_estimated": round(float(np.sum(a) - n), 1),
        "missing_cases_estimated_by_content": round(float(np.sum(w) - n), 1),
        "max_weight": max_weight,
        "trimmed": int(np.sum(Fu < 1.0 / max_weight) + np.sum(H < 1.0 / max_weight)),
    }
    material = float(np.sum(a) - n) >= min_missing_share * n
    truncated = mode == "on" or (log_lr > min_log_lr and material)
    if not truncated:
        return Truncation(False, ones, prov, ones)
    out, arr = ones.copy(), ones.copy()
    out[closed] = w
    arr[closed] = a
    return Truncation(True, out, prov, arr)


@dataclass(frozen=True)
class MissingWork:
    """The work a right-truncated extract lacks, by activity (``missing_work``)."""

    T: float  # the extract's end
    inclusion: np.ndarray  # per event: P(an event like it, then, is in the extract)
    remaining: dict[str, tuple[np.ndarray, np.ndarray]]  # activity -> Lynden-Bell (t, F) of R

    def missing_share(self, activity: str, x: np.ndarray) -> np.ndarray:
        """Share of the events of ``activity`` running at ``x`` that the extract lacks."""
        t, F = self.remaining[activity]
        return 1.0 - cdf_at(t, F, self.T - np.asarray(x, dtype=float))


def missing_work(
    activity: np.ndarray,
    end: np.ndarray,
    case_last: np.ndarray,
    T: float,
    *,
    max_weight: float = DEFAULT_MAX_WEIGHT,
) -> MissingWork:
    """Which events a right-truncated extract lacks, by when they ran.

    An event of activity ``a`` that ended at ``e`` is in the extract only if the rest of its case,
    ``R = (case end) - e``, took at most ``T - e``: of the events of ``a`` running at ``x``, the
    share ``F_a(T - x)`` is in the extract, ``F_a`` the distribution of ``R`` after ``a``,
    estimated by Lynden-Bell from the observed ``R`` and their bounds ``T - e`` (per activity:
    the rest of a case after its first step is long, after its last one nothing). Early events
    (``T - x`` beyond every observed ``R``) are all there; near the end most of the work of the
    cases that had not finished is missing. ``inclusion`` is ``F_a(T - e)`` per event, floored
    at ``1 / max_weight`` as the case weights are.
    """
    activity = np.asarray(activity)
    end = np.asarray(end, dtype=float)
    r = np.maximum(np.asarray(case_last, dtype=float) - end, 0.0)
    u = np.maximum(T - end, r)
    pi = np.ones(end.size)
    cdfs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for a in pd.unique(activity):
        m = activity == a
        t, F = lynden_bell(r[m], u[m])
        cdfs[str(a)] = (t, F)
        pi[m] = np.maximum(cdf_at(t, F, u[m]), 1.0 / max_weight)
    return MissingWork(float(T), pi, cdfs)


def truncation_and_open_cases(
    bounds: pd.DataFrame,
    open_cases: set[str],
    *,
    mode: str = "auto",
    in_progress: set[str] | frozenset[str] = frozenset(),
) -> tuple[Truncation, set[str]]:
    """The truncation check of a log, and which of its flagged open cases are still open.

    An extract that kept only the cases finished by its end has no open case, so where the check
    (run, as ``truncation_weights`` is, on the cases left closed) finds truncation, the flags of
    ``open_cases`` are dropped and the weights are re-estimated over the cases left. The
    open-case rule (``sim.eventlog.flag_open_cases``: last event in the extract's tail and not an
    end activity) takes some of a truncated extract's latest-finishing cases, long ones, for
    open: 63 of BPIC 2012 W's training cases and 112 of its held-out ones, whose last
    transitions and cycle times then did not count. The cases of ``in_progress`` (an activity
    started and never finished) were open for certain: they keep their flag.
    """
    trunc = truncation_weights(bounds, open_cases, mode=mode)
    keep = set(open_cases) & set(in_progress)
    if not trunc.truncated or len(keep) == len(open_cases):
        return trunc, set(open_cases)
    again = truncation_weights(bounds, keep, mode="on")
    prov = again.provenance | {
        "mode": mode,
        "open_case_flags_dropped": len(open_cases) - len(keep),
        "open_case_flags_kept_in_progress": len(keep),
        "log_likelihood_ratio_without_flagged": trunc.provenance.get("log_likelihood_ratio"),
    }
    return dataclasses.replace(again, provenance=prov), keep


def weighted_resample(
    values: np.ndarray, weights: np.ndarray, size: int | None = None
) -> np.ndarray:
    """``size`` values (default ``len(values)``) at the mid-quantiles of the weighted empirical
    distribution, sorted.

    Deterministic: an unweighted sample comes back sorted and otherwise unchanged, so the
    distribution fitters see the weighted distribution with the sample's own size; with
    ``size = sum(weights)`` each value comes back about as often as its weight says.
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    n = x.size if size is None else int(size)
    if x.size == 0 or (n == x.size and np.allclose(w, w[0])):
        return np.sort(x)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cum = np.cumsum(w)
    q = (np.arange(n) + 0.5) / n * cum[-1]
    return x[np.minimum(np.searchsorted(cum, q, side="left"), x.size - 1)]
