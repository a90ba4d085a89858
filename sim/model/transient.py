"""How far a queue that starts empty is from its steady state over a measurement window.

A run starts with no cases, so a busy role's queue fills up during the first weeks. The
heavy-traffic limit of a queue is reflected Brownian motion, whose mean started at zero
approaches the stationary mean as ``1 - c(t)`` with the closed form (Abate & Whitt 1987,
"Transient behavior of regulated Brownian motion, I: starting at the origin", Adv. Appl. Prob.
19(3), the first-moment c.d.f. H1):

    c(t) = 2 [(1 + t) P(Z > sqrt t) - sqrt t phi(sqrt t)]

in canonical time (drift -1, variance 1), where the relaxation time is 2: ``c`` decays like
``exp(-t / 2)``, and its mean is 1/2, a quarter of the relaxation time. A queue whose relaxation
time is ``tau`` days (``RoleLoad.settling_days``) runs on ``t = 2 days / tau``.

A queue offered more work than its hours that cases giving up hold down
(``RoleLoad.relaxes_exponentially``) is no such limit: it approaches its level as ``exp(-days /
tau)`` (Erlang-A's fluid limit, for ``tau`` the mean patience; ``tau`` here the longer of it and
the mean job, ``RoleLoad.patience_settling_days``), which ``window_deficit(...,
exponential=True)`` takes.
"""

from __future__ import annotations

import functools
import math

from scipy import integrate, special

_SQRT_2PI = math.sqrt(2.0 * math.pi)


def empty_start_deficit_at(t: float) -> float:
    """``c(t)``: the share of its steady-state mean that a reflected Brownian motion started
    at zero is still short of at canonical time ``t >= 0`` (1 at 0, decaying to 0)."""
    if t <= 0:
        return 1.0
    s = math.sqrt(t)
    # the standard normal's tail and density as scipy.stats.norm computes them (ndtr(-s),
    # exp(-s^2 / 2) / sqrt(2 pi)), without its per-call argument handling: ~100 us a call, and
    # the warm-up note integrates this thousands of times a run (1.2 s of a 2.6 s short run)
    tail = float(special.ndtr(-s))
    density = math.exp(-s * s / 2.0) / _SQRT_2PI
    return 2.0 * ((1.0 + t) * tail - s * density)


@functools.lru_cache(maxsize=4096)  # the warm-up note asks again for each step of a role
def window_deficit(
    settling_days: float, warmup_days: float, horizon_days: float, *, exponential: bool = False
) -> float:
    """The share of its steady-state mean queue that a queue started empty is short of on
    average over the window ``[warmup_days, warmup_days + horizon_days]``, for a relaxation
    time of ``settling_days`` (0 when it settles at once, NaN when unknown): on the
    heavy-traffic curve ``empty_start_deficit_at``, or with ``exponential`` on ``exp(-days /
    settling_days)`` (an overloaded queue that cases giving up hold down).

    A heavy-traffic order of magnitude: the M/M/1 at 90 % with 8 h jobs (relaxation time 127
    days) gives 0.28 after a 14-day warm-up and a 42-day window, where two runs of 100
    replications measured 0.27 and 0.38 of its steady-state wait of 72 h missing."""
    if not math.isfinite(settling_days):
        return math.nan
    if settling_days <= 0:
        return 0.0
    if exponential:
        start = math.exp(-warmup_days / settling_days)
        if horizon_days <= 0:
            return start
        ratio = settling_days / horizon_days
        return min(start * ratio * -math.expm1(-horizon_days / settling_days), 1.0)
    scale = 2.0 / settling_days
    lo, hi = warmup_days * scale, (warmup_days + horizon_days) * scale
    if hi <= lo:
        return empty_start_deficit_at(lo)
    area, _ = integrate.quad(empty_start_deficit_at, lo, hi, limit=200)
    return min(max(area / (hi - lo), 0.0), 1.0)
