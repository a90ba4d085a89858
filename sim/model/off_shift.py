"""Cases lost at their first steps because the people there are off shift for longer than cases
wait.

A case that reaches its first staffed step while nobody there is on shift waits for the shift to
start, its patience running. Where the step is closed for longer than that patience (nights,
weekends), most of the cases that come then give up, however idle its people are in their hours
(QA: a role off shift for 16 h with a mean patience of 1 h lost most of its night arrivals at
80 % offered load, with no word). ``off_shift_loss`` estimates the share of all cases lost so;
``off_shift_note`` says it. It is the loss to the shift alone: a step with few people loses more,
as the queue at the shift's start adds to it.

The first steps are those a case reaches from its arrival through decisions (each segment's own
probabilities), parallel splits (every branch; an inclusive split's branches as the engine draws
them, the likeliest when none is drawn) and steps that never close (automated steps and timers,
steps whose people are on shift round the clock), whose times (each segment's scale, a timer from
the arrival, the hand-off delay) delay the case: drawn, not their means. Their queues are left
out, and a loop among them counts where it leads, not the time it takes. A timer on a calendar of
its own ends the walk with no estimate for the cases that go through it. A case reaching several
first steps at once (a parallel split) is lost at the first whose patience runs out. Later steps
are left out: their cases come when the steps before them end, within those roles' hours, which
the arrival profile does not say.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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

_DELAY_DRAWS = 256  # draws of a random time before a first step (``_delays``)

# what delays a case before a first step: ("add", time, scale) or ("arrival", timer, scale), a
# timer that ends its time after the arrival (at once if that has passed)
_Delay = tuple[str, Distribution, float]
# one way a case can start: the probability, and the first steps it reaches with what delays it
# on the way to each (None: a timer of its own calendar, no estimate)
_Start = tuple[float, dict[str, tuple[_Delay, ...] | None]]


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


def _always_open(model: ProcessModel, step: Step, staffing: Mapping[str, int] | None) -> bool:
    """An automated step or timer, or a step that someone can start at any hour (its roles, or
    an alternative's, on shift round the clock): it delays a case but never holds it for a
    shift."""
    if not step.all_roles:
        return True
    hours = step_hours(model, step, staffing)
    return hours is not None and not off_shift_stretches(hours)


@dataclass(frozen=True)
class _Walk:
    """What ``_starts`` needs along the way: the model, the segment's scales, the staffing."""

    model: ProcessModel
    segment: str
    duration_scale: float
    timer_scale: float
    staffing: Mapping[str, int] | None


def _starts(
    walk: _Walk,
    node: str,
    seen: frozenset[str],
    delays: tuple[_Delay, ...],
    last_roles: frozenset[str] | None,
) -> list[_Start]:
    """The ways a case at ``node`` goes on to its first steps (``_Start``), delayed on the way
    by ``delays``, its last staffed step done by ``last_roles`` (for the hand-off delay). A
    revisit (a loop) comes back as ``_LOOP``, which the node it came back to closes
    (``_closing_loops``): a loop counts where it leads, not its time. A join is reached as
    ``_JOIN`` with the delays on the way to it, which the block then goes on from when none
    of its branches reached a first step (``_past_the_join``)."""
    model = walk.model
    if node in seen:
        return [(1.0, {_LOOP: node})]  # type: ignore[dict-item]
    seen = seen | {node}
    kind = model.node_kind(node)
    if kind == "join":
        return [(1.0, {_JOIN: delays})]
    if kind == "step":
        step = model.steps[node]
        roles = frozenset(step.all_roles)
        handoff: tuple[_Delay, ...] = ()
        if roles and model.handoff_delay is not None and last_roles and not roles & last_roles:
            handoff = (("add", model.handoff_delay, 1.0),)
        if not _always_open(model, step, walk.staffing):
            return [(1.0, {node: delays + handoff})]
        if not roles:
            if step.calendar is not None:  # working time of its own calendar: no estimate
                return [(1.0, {node: None})]
            how = "arrival" if step.measured_from == "arrival" else "add"
            own: tuple[_Delay, ...] = ((how, step.duration, walk.timer_scale),)
        else:
            own = (*handoff, ("add", step.duration, walk.duration_scale))
        ways = _starts(walk, step.next, seen, delays + own, roles or last_roles)
        return _closing_loops(ways, node)
    if kind == "decision":
        decision = model.decisions[node]
        out: list[_Start] = []
        chances = decision.probabilities(walk.segment)
        for branch, q in zip(decision.branches, chances, strict=True):
            if q > 0:
                ways = _starts(walk, branch.to, seen, delays, last_roles)
                out += [(q * p, r) for p, r in ways]
        return _closing_loops(out, node)
    if kind == "parallel":
        block = model.parallels[node]
        ways = [_starts(walk, b, seen, delays, last_roles) for b in block.branches]
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
                chance = p * float(np.prod([q for q, _ in combo]))
                reached: dict[str, tuple[_Delay, ...] | None] = {}
                at_join = []
                for _, r in combo:
                    at_join += [r[_JOIN]] if _JOIN in r else []
                    reached.update({k: v for k, v in r.items() if k != _JOIN})  # _LOOP goes up
                if reached or not at_join:
                    out.append((chance, reached))
                else:  # every branch automated: on from the join once the slowest is there
                    out += _past_the_join(walk, block, seen, delays, at_join, chance, last_roles)
        return out
    return [(1.0, {})]  # an end: nothing more


_JOIN = "\x00join"  # the key under which ``_starts`` returns the delays on the way to a join


_LOOP = "\x00loop"  # the key of a way that comes back to the node it names (a loop)


def _closing_loops(ways: list[_Start], node: str) -> list[_Start]:
    """``ways`` from ``node`` without those that come back to it, the others scaled up by the
    chance of not coming back: a case goes round the loop until it leaves, and leaves as the
    ways that do not come back say (a geometric series; the loop's time is left out). Ways
    back to a node before this one are kept for that node to close."""
    back = sum(p for p, r in ways if r.get(_LOOP) == node)
    if back <= 0:
        return ways
    rest = [(p, r) for p, r in ways if r.get(_LOOP) != node]
    return [(p / (1 - back), r) for p, r in rest] if back < 1 - 1e-12 else []


def _past_the_join(
    walk: _Walk,
    block: Any,
    seen: frozenset[str],
    delays: tuple[_Delay, ...],
    at_join: list[tuple[_Delay, ...] | None],
    chance: float,
    last_roles: frozenset[str] | None,
) -> list[_Start]:
    """The ways on from ``block``'s join when every branch reached it without a first step:
    delayed by ``delays`` and then the slowest branch (``("max", ...)``, each branch's delays
    after ``delays``); none where a branch went through a timer of its own calendar."""
    if any(d is None for d in at_join):
        return [(chance, {block.join: None})]
    branches = tuple(tuple(d[len(delays) :]) for d in at_join if d is not None)
    slowest: _Delay = ("max", branches, 1.0)  # type: ignore[assignment]
    on = _starts(walk, block.next, seen, (*delays, slowest), last_roles)
    return [(chance * p, r) for p, r in on]


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


def _closed_for(hours: WeeklyRate | None, instants: np.ndarray) -> np.ndarray:
    """Hours from each of ``instants`` (those of the week's grid) until ``hours`` is open: 0
    when open, inf when never."""
    if hours is None:
        return np.full(instants.size, np.inf)
    return np.array([hours.next_positive(float(t)) - t for t in instants])


def _delays(delays: tuple[_Delay, ...], hours: float, rng: np.random.Generator) -> np.ndarray:
    """Draws of the hours ``delays`` hold a case before a first step (one draw, 0, for none;
    one for fixed times): a Latin hypercube of ``_DELAY_DRAWS`` (each scipy family's quantiles
    at the midpoints of equal slices, shuffled against the others'), whose sums and maxima are
    far less noisy than as many random draws (256 of those missed an exponential 3 h check's
    loss by 4 points)."""
    n = _DELAY_DRAWS if _random(delays) else 1
    return _elapsed(delays, np.zeros(n), hours, rng)


def _random(delays: tuple[_Delay, ...]) -> bool:
    """Whether any time in ``delays`` (those of a parallel block's branches too) is random."""
    for how, what, _ in delays:
        if how == "max":
            if any(_random(branch) for branch in what):  # type: ignore[union-attr]
                return True
        elif what.name != "fixed":  # type: ignore[union-attr]
            return True
    return False


def _elapsed(
    delays: tuple[_Delay, ...], start: np.ndarray, hours: float, rng: np.random.Generator
) -> np.ndarray:
    """The hours since the arrival after ``delays``, from ``start`` (draws, one per column)."""
    n = start.size
    mid = (np.arange(n) + 0.5) / n
    elapsed = start
    for how, what, scale in delays:
        if how == "max":  # a parallel block: on once its slowest branch is done
            ends = [_elapsed(branch, elapsed, hours, rng) for branch in what]  # type: ignore[union-attr]
            elapsed = np.max(ends, axis=0)
            continue
        dist = what
        if dist.scipy is not None and not dist.p_zero:  # type: ignore[union-attr]
            ppf = dist.scipy.ppf(rng.permutation(mid))  # type: ignore[union-attr]
            drawn = np.maximum(np.asarray(ppf, dtype=float), 0) * dist.multiplier  # type: ignore[union-attr]
        else:
            drawn = dist.sample(rng, n)  # type: ignore[union-attr]
        drawn = drawn * scale * hours
        elapsed = np.maximum(elapsed, drawn) if how == "arrival" else elapsed + drawn
    return elapsed


def _waits_after(closed: np.ndarray, delays: np.ndarray) -> np.ndarray:
    """For each instant of the week's grid (rows) and each delay (columns), the hours a case
    arriving then and delayed so waits for the step to open (``closed``: the wait from each
    instant of the grid, within a minute)."""
    per_hour = _GRID_PER_HOUR
    instants = (np.arange(closed.size) + 0.5) / per_hour
    at = (instants[:, None] + delays[None, :]) % HOURS_PER_WEEK
    slot = np.minimum((at * per_hour).astype(np.int64), closed.size - 1)
    left = closed[slot] + ((slot + 0.5) / per_hour - at)  # from the slot's middle to the instant
    return np.where(closed[slot] > 0, np.maximum(left, 0.0), 0.0)


def off_shift_loss(
    model: ProcessModel,
    *,
    staffing: Mapping[str, int] | None = None,
    leave_out: frozenset[str] = frozenset(),
) -> tuple[float, list[FirstStep]]:
    """The estimated share of all cases that reach a first step while nobody there is on shift
    and give up before someone is (the loss to the shift alone: few people lose more, to the
    queue at the shift's start), and the first steps with a patience that are closed part of
    the week. Averaged over arrival instants a minute apart, weighted by the arrival profile;
    ``staffing``: the scenario's overrides (a role staffed by nobody takes no case);
    ``leave_out``: roles whose steps are not counted (another warning speaks of them). No
    estimate (0, no steps) where a case can start in more than ``_MOST_STARTS`` ways."""
    instants = (np.arange(int(HOURS_PER_WEEK * _GRID_PER_HOUR)) + 0.5) / _GRID_PER_HOUR
    profile = model.arrivals.profile
    density = (
        np.ones(instants.size)
        if profile is None
        else np.array([profile.rate_at(float(t)) for t in instants])
    )
    if density.sum() <= 0:
        return 0.0, []
    ways: list[tuple[float, list[_Start]]] = []
    try:
        for segment in model.arrivals.segments:
            walk = _Walk(
                model, segment.name, segment.duration_scale, segment.timers_scale, staffing
            )
            starts = _starts(walk, model.start, frozenset(), (), None)
            if len(starts) > _MOST_STARTS:
                return 0.0, []  # a maze of automated steps and splits: no estimate
            ways.append((segment.share, starts))
    except RecursionError:  # a chain of thousands of automated steps: no estimate
        return 0.0, []
    steps: dict[str, FirstStep] = {}
    closed: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray] | None] = {}
    rng = np.random.default_rng(0)

    def desk(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The step's waits from each instant of the grid and its patience's points, or None
        where it loses no case to its hours (no patience, always open, left out)."""
        if name not in closed:
            step = model.steps[name]
            hours = step_hours(model, step, staffing)
            stretches = off_shift_stretches(hours) if hours is not None else []
            if (
                step.patience is None
                or (hours is not None and not stretches)
                or set(step.all_roles) <= leave_out
            ):
                closed[name] = None
            else:
                closed[name] = (
                    _closed_for(hours, instants),
                    *_patience_points(step.patience, model.time_factor),
                )
                steps[name] = FirstStep(
                    step=name,
                    who=_who(model, step, staffing),
                    longest_off_hours=max((b - a for a, b in stretches), default=np.inf),
                    patience_mean_hours=step.patience.mean() * model.time_factor,
                )
        return closed[name]

    lost = np.zeros(instants.size)
    for share_of_segment, starts in ways:
        total = sum(p for p, _ in starts)  # 1 (loops closed where they come back)
        if total <= 0:
            continue
        for p, reached in starts:
            kept = np.ones(instants.size)
            for name, delays in reached.items():
                if name.startswith("\x00"):  # a loop's or join's marker: no step
                    continue
                found = desk(name) if delays is not None else None
                if found is None:
                    continue
                waits_from, points, cumulative = found
                drawn = _delays(delays, model.time_factor, rng)
                gives_up = _gives_up(points, cumulative, _waits_after(waits_from, drawn))
                kept *= 1.0 - gives_up.mean(axis=1)
            lost += share_of_segment * p / total * (1.0 - kept)
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
    does them, the longest stretch each is closed and its mean patience; ``None`` otherwise.
    Steps done only by roles of ``leave_out`` (which another warning already says this of:
    ``sim.model.views.overload_warning``) are left out of both."""
    share, steps = off_shift_loss(model, staffing=staffing, leave_out=leave_out)
    if share < OFF_SHIFT_LOSS_NOTED or not steps:
        return None
    parts = [
        f"{s.step} (done by {s.who}, "
        + (
            f"off for up to {s.longest_off_hours:.4g} h at a stretch"
            if np.isfinite(s.longest_off_hours)
            else "never on shift"
        )
        + f", mean patience {s.patience_mean_hours:.4g} h)"
        for s in steps
    ]
    return (
        "note: cases that reach their first step while nobody there is on shift wait for the "
        "shift, and those whose patience runs out first give up: about "
        f"{100 * share:.0f} % of all cases, at {' and '.join(parts)}, from the shift alone (an "
        "estimate from the arrival profile, and a floor: queues lose more, at the shift's start "
        "where a step has few people and at the steps before, and so does the time loops before "
        "it take; abandon_rate and dropoff_at in the run's results). Longer hours "
        "(the roles' calendars) or a longer patience keep them; more people save only those "
        "that queue at the shift's start."
    )
