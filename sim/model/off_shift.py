"""Cases lost at a first step because its people are off shift for longer than cases wait.

A case that arrives while the role of its first step is off shift waits for the shift to start,
its patience running. Where the role is off for longer than that patience (nights, weekends), most
of the cases that arrive then give up, however many people the role has and however idle they are
in their hours (QA: a role off shift for 16 h with a mean patience of 1 h lost most of its night
arrivals at 80 % offered load, with no word). ``off_shift_losses`` estimates that share for each
step a case reaches straight from its arrival; ``off_shift_note`` says it. Later steps are left
out: their cases come when the steps before them end, mostly within the hours of the roles
before them, so the arrival profile says little about when they come.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from sim.model.calendar import HOURS_PER_WEEK, WeeklyRate
from sim.model.distributions import Distribution
from sim.model.process import ProcessModel, Step
from sim.model.views import off_shift_stretches

OFF_SHIFT_LOSS_NOTED = 0.01
"""The note's threshold: an estimated share of all cases lost to a step's off-shift hours."""

_QUANTILES = 20_000  # points of the patience's distribution (``_patience_points``)


@dataclass(frozen=True)
class OffShiftLoss:
    """The estimated share of all cases (``share``) that reach ``step`` while its roles are off
    shift (``longest_off_hours`` at most at a stretch) and give up before they are back, with
    the step's mean patience in hours."""

    step: str
    roles: tuple[str, ...]
    share: float
    longest_off_hours: float
    patience_mean_hours: float


def entry_steps(model: ProcessModel) -> dict[str, float]:
    """The steps a case reaches straight from its arrival (through decisions and parallel
    splits only), each with the probability that a case does (decisions' default
    probabilities, segments' own ignored)."""
    reached: dict[str, float] = {}

    def walk(node: str, p: float, seen: frozenset[str]) -> None:
        if node in seen or p <= 0:
            return
        kind = model.node_kind(node)
        if kind == "step":
            reached[node] = reached.get(node, 0.0) + p
        elif kind == "decision":
            decision = model.decisions[node]
            for branch, q in zip(decision.branches, decision.probabilities(), strict=True):
                walk(branch.to, p * q, seen | {node})
        elif kind == "parallel":
            block = model.parallels[node]
            chances = block.probabilities or (1.0,) * len(block.branches)
            for branch, q in zip(block.branches, chances, strict=True):
                walk(branch, p * q, seen | {node})

    walk(model.start, 1.0, frozenset())
    return reached


def step_hours(model: ProcessModel, step: Step) -> WeeklyRate:
    """The hours ``step`` can start in: those of all its roles at once, or of any role that
    may take it instead (``alternatives``)."""
    hours: WeeklyRate | None = None
    for role in step.roles:
        cal = model.calendar_of(role)
        hours = cal if hours is None else hours.intersect(cal)
    for alt in step.alternatives:
        cal = model.calendar_of(alt.role)
        hours = cal if hours is None else hours.union(cal)
    assert hours is not None  # a staffed step
    return hours


def _patience_points(patience: Distribution, hours: float) -> tuple[np.ndarray, np.ndarray]:
    """Points and weights that stand for the patience's distribution, in hours (``hours`` per
    model time unit): a scipy family's quantiles at the midpoints of ``_QUANTILES`` equal
    slices, a fixed or empirical one's own values, a sum's draws (fixed seed); then its share of
    zeros (``p_zero``) and its ``multiplier``, as ``Distribution.sample`` draws them."""
    if patience.scipy is not None:
        mid = (np.arange(_QUANTILES) + 0.5) / _QUANTILES
        points = np.maximum(np.asarray(patience.scipy.ppf(mid), dtype=float), 0.0)
    elif patience.name == "fixed":
        points = np.array([patience.params["value"]], dtype=float)
    elif patience.name == "empirical":
        points = np.maximum(np.asarray(patience.values, dtype=float), 0.0)
    else:
        base = dataclasses.replace(patience, p_zero=0.0, multiplier=1.0)
        points = base.sample(np.random.default_rng(0), _QUANTILES)
    weights = np.full(len(points), (1.0 - patience.p_zero) / len(points))
    if patience.p_zero:
        points, weights = np.append(points, 0.0), np.append(weights, patience.p_zero)
    return points * patience.multiplier * hours, weights


def _lost_share(model: ProcessModel, step: Step, points: np.ndarray, weights: np.ndarray) -> float:
    """The share of arrivals that come while ``step``'s hours are closed and whose patience
    (``_patience_points``) runs out before they open: the arrival rate over each closed stretch
    (a, b) times P(patience < b - t), integrated piece by piece of the arrival profile, where
    the rate is constant and the integral of the patience's distribution function over
    [u0, u1] is E[(u1 - X)+ - (u0 - X)+]."""
    profile = model.arrivals.profile
    breaks = [0.0] if profile is None else list(profile.breaks)
    week = HOURS_PER_WEEK if profile is None else profile.weekly_total
    lost = 0.0
    for a, b in off_shift_stretches(step_hours(model, step)):
        cuts = sorted(
            {a, b} | {x + k for x in breaks for k in (0.0, HOURS_PER_WEEK) if a < x + k < b}
        )
        for lo, hi in zip(cuts, cuts[1:], strict=False):
            rate = 1.0 if profile is None else profile.rate_at(lo)
            if rate <= 0:
                continue
            u0, u1 = b - hi, b - lo  # the time left until the step opens
            integral = np.dot(
                weights, np.clip(u1 - points, 0, None) - np.clip(u0 - points, 0, None)
            )
            lost += rate * float(integral)
    return lost / week if week > 0 else 0.0


def off_shift_losses(model: ProcessModel) -> list[OffShiftLoss]:
    """For each step a case reaches straight from its arrival (``entry_steps``) that has a
    patience and roles not on shift all week, the estimated share of all cases that arrive
    while it is closed and give up before it opens (whatever its staffing: they give up
    waiting for the shift, not for people), biggest first. Exact for arrivals as the model's
    profile spreads them, up to the quadrature of the patience (``_patience_points``)."""
    out = []
    for name, reach in entry_steps(model).items():
        step = model.steps[name]
        if step.patience is None or not step.all_roles:
            continue
        stretches = off_shift_stretches(step_hours(model, step))
        if not stretches:
            continue
        points, weights = _patience_points(step.patience, model.time_factor)
        share = reach * _lost_share(model, step, points, weights)
        out.append(
            OffShiftLoss(
                step=name,
                roles=step.all_roles,
                share=share,
                longest_off_hours=max(b - a for a, b in stretches),
                patience_mean_hours=step.patience.mean() * model.time_factor,
            )
        )
    return sorted(out, key=lambda x: -x.share)


def off_shift_note(model: ProcessModel, *, leave_out: frozenset[str] = frozenset()) -> str | None:
    """A note naming each first step (``off_shift_losses``) that loses at least
    ``OFF_SHIFT_LOSS_NOTED`` of all cases to its roles' off-shift hours, with the share, the
    longest stretch off and the mean patience; ``None`` when none does. ``leave_out``: roles
    another warning already says this of (``sim.model.views.overload_warning``)."""
    found = [
        x
        for x in off_shift_losses(model)
        if x.share >= OFF_SHIFT_LOSS_NOTED and not set(x.roles) & leave_out
    ]
    if not found:
        return None
    parts = [
        f"{x.step} (done by {' or '.join(x.roles)}, off for up to {x.longest_off_hours:.4g} h "
        f"at a stretch, mean patience {x.patience_mean_hours:.3g} h): about "
        f"{100 * x.share:.0f} % of all cases"
        for x in found
    ]
    return (
        "note: cases that arrive while the people of a first step are off shift wait for "
        "their shift, and those whose patience runs out first give up, however many people "
        f"the step has: {'; '.join(parts)} (an estimate from the arrival profile; "
        "abandon_rate and dropoff_at in the run's results). Longer hours (the role's "
        "calendar), arrivals within those hours or a longer patience keep them; more people "
        "do not."
    )
