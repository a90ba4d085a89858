"""Cases lost at their first steps because the people there are off shift for longer than cases
wait.

A case that arrives while the role of its first step is off shift waits for the shift to start,
its patience running. Where the role is off for longer than that patience (nights, weekends),
most of the cases that arrive then give up, however many people the role has and however idle
they are in their hours (QA: a role off shift for 16 h with a mean patience of 1 h lost most of
its night arrivals at 80 % offered load, with no word). ``off_shift_loss`` estimates the share
of all cases lost so; ``off_shift_note`` says it.

The first steps are those a case reaches from its arrival through decisions (each segment's own
probabilities), parallel splits (every branch; an inclusive split's branches as the engine draws
them, the likeliest when none is drawn) and steps that are always open (automated steps, roles on
shift round the clock), whose mean time delays the case. A case reaching several at once (a
parallel split) is lost at the first whose patience runs out. Later steps are left out: their
cases come when the steps before them end, within those roles' hours, which the arrival profile
does not say.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.model.calendar import HOURS_PER_WEEK, WeeklyRate
from sim.model.distributions import Distribution
from sim.model.process import ProcessModel, Step
from sim.model.views import off_shift_stretches

OFF_SHIFT_LOSS_NOTED = 0.01
"""The note's threshold: an estimated share of all cases lost to first steps' off-shift hours."""

_QUANTILES = 20_000  # points of the patience's distribution (``_patience_points``)
_GRID_PER_HOUR = 60  # arrival instants per hour of the week the loss is averaged over
_MOST_STARTS = 4096  # ways a case starts beyond which no estimate is made (``_starts``)

# one way a case can start: the probability, and the first steps it reaches with the hours
# it takes to reach each (the mean time of the always-open steps before it)
_Start = tuple[float, dict[str, float]]


@dataclass(frozen=True)
class FirstStep:
    """A first step with a patience whose people are off shift part of the week: who does it
    (``who``, as the note says it), the longest stretch it is closed and its mean patience."""

    step: str
    who: str
    longest_off_hours: float
    patience_mean_hours: float


def _headcounts(model: ProcessModel, staffing: Mapping[str, int] | None) -> dict[str, int]:
    return {r: (staffing or {}).get(r, role.headcount) for r, role in model.roles.items()}


def step_hours(
    model: ProcessModel, step: Step, staffing: Mapping[str, int] | None = None
) -> WeeklyRate | None:
    """The hours ``step`` can start in: those of all its roles at once, or of any role that
    may take it instead (``alternatives``), leaving out roles staffed by nobody; ``None`` when
    nobody can ever start it."""
    people = _headcounts(model, staffing)
    hours: WeeklyRate | None = None
    if step.roles and all(people[r] > 0 for r in step.roles):
        for role in step.roles:
            cal = model.calendar_of(role)
            hours = cal if hours is None else hours.intersect(cal)
    for alt in step.alternatives:
        if people[alt.role] > 0:
            cal = model.calendar_of(alt.role)
            hours = cal if hours is None else hours.union(cal)
    if hours is not None and not any(r > 0 for r in hours.rates):
        return None
    return hours


def _always_open(model: ProcessModel, step: Step) -> bool:
    """An automated step (no roles, no calendar of its own) or one whose roles all work round
    the clock: it delays a case by its time but never holds it for a shift."""
    if not step.all_roles:
        return step.calendar is None and step.measured_from == "enabled"
    return all(not off_shift_stretches(model.calendar_of(r)) for r in step.all_roles)


def _starts(model: ProcessModel, node: str, segment: str, seen: frozenset[str]) -> list[_Start]:
    """The ways a case of ``segment`` at ``node`` goes on to its first steps (``_Start``)."""
    if node in seen:
        return [(1.0, {})]
    seen = seen | {node}
    kind = model.node_kind(node)
    if kind == "step":
        step = model.steps[node]
        if not _always_open(model, step):
            return [(1.0, {node: 0.0})]
        delay = step.duration.mean() * model.time_factor
        return [
            (p, {s: h + delay for s, h in reached.items()})
            for p, reached in _starts(model, step.next, segment, seen)
        ]
    if kind == "decision":
        decision = model.decisions[node]
        out: list[_Start] = []
        for branch, q in zip(decision.branches, decision.probabilities(segment), strict=True):
            if q > 0:
                out += [(q * p, r) for p, r in _starts(model, branch.to, segment, seen)]
        return out
    if kind == "parallel":
        block = model.parallels[node]
        ways = [_starts(model, b, segment, seen) for b in block.branches]
        if block.probabilities is None:
            subsets = [(1.0, tuple(range(len(ways))))]
        else:  # each branch drawn on its own; none drawn: the likeliest runs
            probs = block.probabilities
            likeliest = max(range(len(probs)), key=lambda i: probs[i])
            subsets = []
            for drawn in itertools.product((False, True), repeat=len(probs)):
                p = float(np.prod([q if d else 1 - q for q, d in zip(probs, drawn, strict=True)]))
                chosen = tuple(i for i, d in enumerate(drawn) if d) or (likeliest,)
                if p > 0:
                    subsets.append((p, chosen))
        out = []
        for p, chosen in subsets:
            for combo in itertools.product(*(ways[i] for i in chosen)):
                reached: dict[str, float] = {}
                for _, r in combo:
                    reached.update(r)
                out.append((p * float(np.prod([q for q, _ in combo])), reached))
        return out
    return [(1.0, {})]  # an end, or a join: nothing more before the later steps


def _patience_points(patience: Distribution, hours: float) -> tuple[np.ndarray, np.ndarray]:
    """Sorted points and the running total of their weights that stand for the patience's
    distribution, in hours (``hours`` per model time unit): a scipy family's quantiles at the
    midpoints of ``_QUANTILES`` equal slices, a fixed or empirical one's own values, a sum's
    draws (fixed seed); then its share of zeros (``p_zero``) and its ``multiplier``, as
    ``Distribution.sample`` draws them."""
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
    order = np.argsort(points, kind="stable")
    return points[order] * patience.multiplier * hours, np.cumsum(weights[order])


def _gives_up(points: np.ndarray, cumulative: np.ndarray, waits: np.ndarray) -> np.ndarray:
    """P(patience < wait) for each of ``waits`` (``_patience_points``)."""
    at = np.searchsorted(points, waits, side="left")
    return np.where(at > 0, cumulative[np.maximum(at - 1, 0)], 0.0)


def _waits(hours: WeeklyRate | None, instants: np.ndarray) -> np.ndarray:
    """Hours from each of ``instants`` until ``hours`` is open (0 when open; inf: never)."""
    if hours is None:
        return np.full(instants.size, np.inf)
    return np.array([hours.next_positive(float(t)) - t for t in instants])


def off_shift_loss(
    model: ProcessModel, *, staffing: Mapping[str, int] | None = None
) -> tuple[float, list[FirstStep]]:
    """The estimated share of all cases that reach a first step while nobody there is on shift
    and give up before someone is, whatever the headcount (they wait for the shift, not for
    people), and the first steps with a patience that are closed part of the week. Averaged
    over arrival instants a minute apart, weighted by the arrival profile; ``staffing``: the
    scenario's overrides (a role staffed by nobody takes no case). No estimate (0, no steps)
    where a case can start in more than ``_MOST_STARTS`` ways."""
    instants = (np.arange(int(HOURS_PER_WEEK * _GRID_PER_HOUR)) + 0.5) / _GRID_PER_HOUR
    profile = model.arrivals.profile
    density = (
        np.ones(instants.size)
        if profile is None
        else np.array([profile.rate_at(float(t)) for t in instants])
    )
    if density.sum() <= 0:
        return 0.0, []
    steps: dict[str, FirstStep] = {}
    lost = np.zeros(instants.size)
    cache: dict[tuple[str, float], np.ndarray] = {}

    def give_up(name: str, delay: float) -> np.ndarray:
        """Per arrival instant, the chance a case that reaches ``name`` ``delay`` hours later
        gives up waiting for its shift."""
        if (name, delay) not in cache:
            step = model.steps[name]
            hours = step_hours(model, step, staffing)
            if step.patience is None or (hours is not None and not off_shift_stretches(hours)):
                cache[name, delay] = np.zeros(instants.size)
            else:
                points, cumulative = _patience_points(step.patience, model.time_factor)
                waits = _waits(hours, instants + delay)
                cache[name, delay] = _gives_up(points, cumulative, waits)
                stretches = off_shift_stretches(hours) if hours is not None else []
                steps[name] = FirstStep(
                    step=name,
                    who=_who(model, step, staffing),
                    longest_off_hours=max((b - a for a, b in stretches), default=np.inf),
                    patience_mean_hours=step.patience.mean() * model.time_factor,
                )
        return cache[name, delay]

    ways: list[tuple[float, list[_Start]]] = []
    try:
        for segment in model.arrivals.segments:
            starts = _starts(model, model.start, segment.name, frozenset())
            if len(starts) > _MOST_STARTS:
                return 0.0, []  # a maze of automated steps and splits: no estimate
            ways.append((segment.share, starts))
    except RecursionError:  # a chain of thousands of automated steps: no estimate
        return 0.0, []
    for share_of_segment, starts in ways:
        for p, reached in starts:
            kept = np.ones(instants.size)
            for name, delay in reached.items():
                kept *= 1.0 - give_up(name, delay)
            lost += share_of_segment * p * (1.0 - kept)
    share = float(np.dot(lost, density) / density.sum())
    return share, sorted(steps.values(), key=lambda s: s.step)


def _who(model: ProcessModel, step: Step, staffing: Mapping[str, int] | None) -> str:
    """Who does ``step``, as the note says it: its roles together, or its alternatives
    (staffed ones only)."""
    people = _headcounts(model, staffing)
    parts = []
    if step.roles and all(people[r] > 0 for r in step.roles):
        parts.append(
            step.roles[0] if len(step.roles) == 1 else f"{' and '.join(step.roles)} together"
        )
    parts += [a.role for a in step.alternatives if people[a.role] > 0]
    return " or ".join(parts) if parts else "nobody (staffed by no one)"


def off_shift_note(
    model: ProcessModel,
    *,
    staffing: Mapping[str, int] | None = None,
    leave_out: frozenset[str] = frozenset(),
) -> str | None:
    """A note of the share of all cases lost to their first steps' off-shift hours
    (``off_shift_loss``) when it is at least ``OFF_SHIFT_LOSS_NOTED``, naming those steps, who
    does them, the longest stretch each is closed and its mean patience; ``None`` otherwise, or
    when every such step is done by roles of ``leave_out`` (which another warning already says
    this of: ``sim.model.views.overload_warning``)."""
    share, steps = off_shift_loss(model, staffing=staffing)
    named = [s for s in steps if not set(model.steps[s.step].all_roles) <= (leave_out or set())]
    if share < OFF_SHIFT_LOSS_NOTED or not named:
        return None
    parts = [
        f"{s.step} (done by {s.who}, "
        + (
            f"off for up to {s.longest_off_hours:.4g} h at a stretch"
            if np.isfinite(s.longest_off_hours)
            else "never on shift"
        )
        + f", mean patience {s.patience_mean_hours:.3g} h)"
        for s in named
    ]
    return (
        "note: cases that arrive while nobody at their first step is on shift wait for the "
        "shift, and those whose patience runs out first give up, however many people the step "
        f"has: about {100 * share:.0f} % of all cases, at {' and '.join(parts)} (an estimate "
        "from the arrival profile; abandon_rate and dropoff_at in the run's results). Longer "
        "hours (the roles' calendars), arrivals within those hours or a longer patience keep "
        "them; more people do not."
    )
