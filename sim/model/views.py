"""Views of a model for people: expected visits per node, each role's offered load and the
staff it needs, and one step per activity.

A calibrated model can have many steps per activity of its log: one per repetition of an
activity done several times in a row (``"X #2"``, ``"X (last)"``, see
``sim.calibrate.routing.unroll_runs``) and a timer before each (``"delay:X"``). That is what the
engine needs; a map of 98 such steps is what nobody can read. ``activity_view`` merges them back
into one step per activity, with the branch probabilities the model implies (flows weighted by
``expected_visits``), for drawing. It is an approximation (a repetition loop becomes one
first-order loop) and is never simulated.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import linprog

from sim.errors import ConfigError
from sim.model.calendar import HOURS_PER_WEEK, WeeklyRate
from sim.model.process import Branch, Decision, ProcessModel, Step

if TYPE_CHECKING:
    from sim.model.scenario import Scenario

_EPS = 1e-9
# The utilisation a staffing suggestion aims at (``RoleLoad.headcount_for``): low enough that a
# queue stays short in the queueing formulas (M/M/c at 85 %: a wait of under one service time
# from c = 3 people up; at 95 % queues run to many service times) and that an estimate from
# the model's mean work, off by 10 %, still leaves the role clear of saturation (98 %).
TARGET_UTILISATION = 0.85


class _NewDecisions:
    """The decisions a view adds where a kept node is followed by several others, with names
    that clash with none of the view's nodes (``used``)."""

    def __init__(self, model: ProcessModel, used: set[str]) -> None:
        self.model = model
        self.used = used
        self.decisions: dict[str, Decision] = {}

    def fresh(self, base: str) -> str:
        """``base``, primed until no node of the view has that name."""
        name = base
        while name in self.used or name in self.decisions:
            name += "'"
        return name

    def lead_to(self, base: str, dist: Mapping[str, float], *, after: str) -> str:
        """A node for ``dist`` (where a case goes after ``after``): its one target, or a new
        decision named after ``base`` (branches of probability 0 stay, as in the model, so that
        every end stays reachable)."""
        total = sum(dist.values())
        if not dist or total <= _EPS:
            raise ValueError(f"model {self.model.name!r}: nothing follows {after!r}")
        if len(dist) == 1:
            return next(iter(dist))
        name = self.fresh(base)
        branches = tuple(Branch(to=k, probability=float(v / total)) for k, v in dist.items())
        self.decisions[name] = Decision(name=name, branches=branches)
        return name


def _weights(model: ProcessModel, name: str) -> list[tuple[str, float]]:
    """Outgoing (node, expected tokens) per token arriving at ``name``."""
    kind = model.node_kind(name)
    if kind == "step":
        return [(model.steps[name].next, 1.0)]
    if kind == "decision":
        return [(b.to, b.probability) for b in model.decisions[name].branches]
    if kind == "parallel":
        par = model.parallels[name]
        if par.probabilities is None:
            return [(b, 1.0) for b in par.branches]
        # inclusive: each branch independently; when none is drawn the likeliest runs (engine)
        runs = list(par.probabilities)
        runs[int(np.argmax(runs))] += float(np.prod([1.0 - q for q in par.probabilities]))
        return list(zip(par.branches, runs, strict=True))
    if kind == "join":
        return [(model.joins[name].next, 1.0)]
    return []


def expected_visits(model: ProcessModel) -> dict[str, float]:
    """Expected number of times a case passes each node (steps, decisions, blocks, ends; a
    join counts once per block, not once per branch).

    Solves the flow balance ``x = e_start + W^T x`` of the routing graph (decision branches by
    their default probabilities; segments' own probabilities are not used). Ends sum to 1 when
    every case finishes. Raises ``ValueError`` when the routing never lets cases leave a loop.
    """
    names = model.node_names()
    index = {n: i for i, n in enumerate(names)}
    w = np.zeros((len(names), len(names)))
    for n in names:
        for target, weight in _weights(model, n):
            if target not in model.joins:  # a join fires once per block (validation keeps
                w[index[n], index[target]] += weight  # branches from ending or leaving it)
        if n in model.parallels:
            w[index[n], index[model.parallels[n].join]] += 1.0
    b = np.zeros(len(names))
    b[index[model.start]] = 1.0
    try:
        x = np.linalg.solve(np.eye(len(names)) - w.T, b)
    except np.linalg.LinAlgError as exc:
        raise ValueError(f"model {model.name!r}: cases can loop for ever") from exc
    if not np.all(np.isfinite(x)) or np.any(x < -1e-6):
        raise ValueError(f"model {model.name!r}: cases can loop for ever")
    return {n: max(float(x[index[n]]), 0.0) for n in names}


@dataclasses.dataclass(frozen=True)
class _Relief:
    """The steps of a role (``roles[0]``) whose cases other roles may take (one-role steps with
    alternatives; ``roles[1:]``: those with people), for judging the role with them: the
    engine sends a case to whoever of the step's roles is free, so work that overflows one
    role's hours goes to the others' spare hours.

    ``hours``: each role's scheduled hours a week (all its people); ``fixed``: the work a week
    each keeps whoever takes these steps (its other steps); ``cost[i][j]``: the hours a week
    ``roles[j]`` would work if it took every case of ``steps[i]`` (at its own pace), ``inf``
    where it may not take them."""

    roles: tuple[str, ...]
    hours: tuple[float, ...]
    fixed: tuple[float, ...]
    steps: tuple[str, ...]
    cost: tuple[tuple[float, ...], ...]

    def _routing(self) -> tuple[np.ndarray, np.ndarray]:
        """The work matrix (role x (step, role) pair: hours a week when that role takes all of
        that step's cases) and the equalities that every step's cases go to someone."""
        pairs = [
            (i, j) for i, row in enumerate(self.cost) for j, c in enumerate(row) if c < math.inf
        ]
        work = np.zeros((len(self.roles), len(pairs)))
        every = np.zeros((len(self.steps), len(pairs)))
        for k, (i, j) in enumerate(pairs):
            work[j, k] = self.cost[i][j]
            every[i, k] = 1.0
        return work, every

    def best_share(self) -> float:
        """The least share of its hours the busiest of ``roles`` can be, over every way of
        sharing the steps' cases among those who may take them (pooled work against pooled
        hours, at each role's pace, with each role's other work where it is)."""
        work, every = self._routing()
        n = work.shape[1]
        a_ub = np.hstack([work, -np.array(self.hours)[:, None]])
        res = linprog(
            c=np.r_[np.zeros(n), 1.0],
            A_ub=a_ub,
            b_ub=-np.array(self.fixed),
            A_eq=np.hstack([every, np.zeros((len(self.steps), 1))]),
            b_eq=np.ones(len(self.steps)),
            bounds=[(0, 1)] * n + [(0, None)],
        )
        return float(res.x[-1]) if res.success else math.nan

    def least_work(self, cap: float) -> float:
        """The least work a week left to ``roles[0]`` when the others take all the steps' cases
        they can while their work fills at most ``cap`` of their hours (none for one whose other
        work fills more)."""
        work, every = self._routing()
        room = [max(cap * h - f, 0.0) for h, f in zip(self.hours[1:], self.fixed[1:], strict=True)]
        res = linprog(
            c=work[0],
            A_ub=work[1:],
            b_ub=room,
            A_eq=every,
            b_eq=np.ones(len(self.steps)),
            bounds=(0, 1),
        )
        return self.fixed[0] + float(res.fun) if res.success else math.nan


@dataclasses.dataclass(frozen=True)
class RoleLoad:
    """The work a role is offered, per week, against the hours its people are scheduled.

    ``work_hours``: expected hours of work per week (``offered_load``); ``hours_per_person``:
    one person's scheduled hours per week (its calendar's working hours); ``headcount``: the
    people it has (the model's, or a scenario's staffing).

    ``joint_step``: the step of several roles whose shared hours bind the role, or ``None``.
    Such a step runs only while all its roles are on shift (the overlap of their calendars:
    ``joint_hours`` a week), so the part of the role's work that must fall in those hours
    (``joint_work_hours``: that step's, and any other step's that runs only within them) can
    fill them while the role looks idle over its own hours (QA fuzz14 #2: 210 % of the 40
    shared hours, 24 % of the system's 168).

    ``together``: how many of the role's people the steps ``together_steps`` take at once (2
    for ``roles: [clerk, clerk]``; 1 without such steps), the number whose work
    (``together_work_hours``) binds the role the most. Only ``floor(headcount / together) *
    together`` people can work those steps at a time (``together_people``), so that work can
    fill their hours while the role looks idle over all its people's (QA cost17 #5: 3 clerks
    and a step of two clerks, 105 % of the 80 h two of them can work it, 67 % busy in the run,
    whose waits grew with the horizon).

    ``relief``: the steps of the role whose cases other roles with people may take (the
    alternatives of a step, or its own role where this one is the alternative), or ``None``.
    ``work_hours`` counts an alternative only for its share of the cases, not for those it
    takes because the role's people were all busy, so a role whose alternatives have spare
    hours can look overloaded and keep up (QA manager15: clerks offered 136 % of their hours,
    74.9 % busy in the run, the part-timers who may take their step the rest):
    ``pooled_utilisation`` and ``relieved`` judge it with them.

    ``patience_hours``: the longest mean patience (hours of the clock) of the steps the role
    works (as one of their roles or an alternative), or infinity where one of them has none:
    cases giving up bound its queue (``settling_days``).
    """

    role: str
    work_hours: float
    hours_per_person: float
    headcount: int
    joint_step: str | None = None
    joint_work_hours: float = 0.0
    joint_hours: float = math.nan
    together: int = 1
    together_steps: tuple[str, ...] = ()
    together_work_hours: float = 0.0
    relief: _Relief | None = dataclasses.field(default=None, compare=False, repr=False)
    jobs_per_week: float = math.nan  # executions of its steps a week (one per person a step needs)
    job_square_hours: float = math.nan  # E[duration^2] of those executions, in hours^2
    arrival_scv: float = 1.0  # squared coefficient of variation of the model's inter-arrival times
    patience_hours: float = math.inf  # longest mean patience of its steps; inf: one has none

    @property
    def relief_roles(self) -> tuple[str, ...]:
        """The roles with people that may take cases of the role's steps (``relief``)."""
        return self.relief.roles[1:] if self.relief else ()

    @property
    def pooled_utilisation(self) -> float:
        """The share of their hours that the work of the role and of the roles that may take its
        steps' cases (``relief_roles``) fills at best: that of the busiest of them when the
        cases of those steps are shared out as well as they can be, at each role's pace (the
        engine gives a case to whoever of a step's roles is free); where a step of several
        roles binds the role (``joint_utilisation``), or steps that take several of its people
        at once (``together_utilisation``), the largest. NaN without ``relief``."""
        if self.relief is None or self.headcount <= 0:
            return math.nan
        pooled = self.relief.best_share()
        bounds = [
            b for b in (self.joint_utilisation, self.together_utilisation) if math.isfinite(b)
        ]
        return max([pooled, *bounds]) if math.isfinite(pooled) else pooled

    @property
    def relieved(self) -> bool:
        """Whether the work fills all the hours the role can work or more (``utilisation``)
        while with the roles that may take its steps' cases it has the hours
        (``pooled_utilisation`` below 1): it keeps up only if those take the overflow, which
        the mean work cannot tell (the engine sends them a case only when the role's people are
        all busy)."""
        return self.utilisation >= 1.0 and self.pooled_utilisation < 1.0

    @property
    def mean_job_hours(self) -> float:
        """The mean working hours of one execution of the role's steps; NaN without any."""
        return self.work_hours / self.jobs_per_week if self.jobs_per_week > 0 else math.nan

    @property
    def job_scv(self) -> float:
        """The squared coefficient of variation of the role's job durations (1 when they are
        exponential, 0 when fixed); NaN without jobs."""
        job = self.mean_job_hours
        if not job > 0:
            return math.nan
        return max(self.job_square_hours / job**2 - 1.0, 0.0)

    @property
    def settling_days(self) -> float:
        """Roughly how many days of the clock the role's queue takes to forget an empty start:
        the relaxation time of an M/M/c queue at the role's ``utilisation`` rho,
        ``mean_job_hours / (c (1 - sqrt(rho))^2)`` working hours (Morse's for c = 1, as one
        server c times as fast for more), times the variability (ca^2 + cs^2) / 2 of the
        arrivals and the jobs (1 when both are exponential, 0 when both are fixed: as the
        heavy-traffic limit's, whose time scale is proportional to it), on the clock in
        proportion to the role's weekly hours (its queue waits while it is off shift). An order
        of magnitude for a warm-up, not a bound: it grows without limit as rho nears 1.

        Where every step of the role has a patience (``patience_hours`` finite), the shorter
        ``patience_settling_days`` instead when it is (``settled_by_patience``), at any rho:
        cases giving up bound the queue. Where only some of its steps have one, the M/M/c
        estimate stands (cases with no patience can still pile up). NaN without work, people or
        hours, or saturated (rho >= 1) without a patience on every step: its queue never
        settles."""
        mmc, bound = self._mmc_settling_days, self.patience_settling_days
        best = bound if math.isnan(mmc) else min(mmc, bound)
        return best if math.isfinite(best) else math.nan

    @property
    def _mmc_settling_days(self) -> float:
        """``settling_days`` from the M/M/c relaxation time alone: infinite when saturated,
        NaN without work, people or hours, or without the variability."""
        rho, job = self.utilisation, self.mean_job_hours
        if not (rho > 0 and job > 0 and self.headcount > 0 and self.hours_per_person > 0):
            return math.nan
        if rho >= 1:
            return math.inf
        variability = (self.arrival_scv + self.job_scv) / 2
        if not math.isfinite(variability):
            return math.nan
        working = variability * job / (self.headcount * (1 - math.sqrt(rho)) ** 2)
        return working * HOURS_PER_WEEK / self.hours_per_person / 24.0

    @property
    def patience_settling_days(self) -> float:
        """A bound on the days of the clock the role's queue takes to forget an empty start
        where every step of it has a patience: the longer of its ``mean_job_hours`` (on the
        clock, in proportion to its weekly hours) and ``patience_hours`` (patience runs on the
        clock). Infinite where a step of it has no patience; NaN without work, people or hours.

        In the M/M/c+M queue (Erlang-A) the number of cases leaves n at rate ``min(n, c) / S +
        max(n - c, 0) / patience``, which grows by at least ``min(1 / S, 1 / patience)`` with
        each case, whatever the load: two copies of the queue started apart draw together at
        least that fast (its coarse Ricci curvature, Joulin 2007; Chen 1996 for the spectral
        gap), so the mean started empty is short of the stationary one by at most ``exp(-t /
        tau)`` of it, ``tau = max(S, patience)``. Offered its hours or more, the queue does
        approach its level so (Erlang-A's fluid limit: ``exp(-t / patience)``), and
        ``relaxes_exponentially`` takes that curve; below them it relaxes faster than the
        bound, and the heavy-traffic curve with it as the time constant
        (``sim.model.transient``) came within a factor of 2 of the exact birth-death chain
        (90-97 % offered, patience 24-168 h) where ``exp(-t / tau)`` said up to 10 times the
        deficit after a week's warm-up. An M/M/1+M at 97 % with a patience of 1 h (S 0.97 h)
        settles in about an hour, where the M/M/c estimate said 177 days (QA abandon20 #2)."""
        job = self.mean_job_hours
        if not (job > 0 and self.headcount > 0 and self.hours_per_person > 0):
            return math.nan
        if not math.isfinite(self.patience_hours):
            return math.inf
        clock = job * HOURS_PER_WEEK / self.hours_per_person
        return max(clock, self.patience_hours) / 24.0

    @property
    def settled_by_patience(self) -> bool:
        """Whether ``settling_days`` is the patience's bound (``patience_settling_days``), not
        the M/M/c estimate."""
        bound = self.patience_settling_days
        return math.isfinite(bound) and not self._mmc_settling_days <= bound

    @property
    def relaxes_exponentially(self) -> bool:
        """Whether the role's queue approaches its steady state from an empty start as
        ``exp(-t / settling_days)``: offered its hours or more (``utilisation`` 1 or more) and
        held down by a patience on every step (``settled_by_patience``), as Erlang-A's fluid
        limit does (the exact chain's deficit over a window at 120 % with a patience of 168 h
        came within 1.3 times of it; with one person and a patience of 48 h the curve says
        1.8 times the deficit measured, 70 % against 38 % [30, 48] (QA coderev21 #3): an order
        of magnitude that errs towards a longer warm-up). Otherwise the heavy-traffic curve
        (``sim.model.transient.empty_start_deficit_at``) is the better estimate."""
        return self.settled_by_patience and self.utilisation >= 1.0

    @property
    def scheduled_utilisation(self) -> float:
        """The share of the scheduled hours the work fills: the utilisation a stable run
        measures. NaN without scheduled hours."""
        hours = self.headcount * self.hours_per_person
        return self.work_hours / hours if hours > 0 else math.nan

    @property
    def joint_utilisation(self) -> float:
        """The share of the hours it can work its ``joint_step`` (``joint_hours`` per person)
        that the work which must fall in them fills; NaN without such a step or people."""
        hours = self.headcount * self.joint_hours
        return self.joint_work_hours / hours if self.joint_step and hours > 0 else math.nan

    @property
    def together_people(self) -> int:
        """How many of its people can work the ``together_steps`` at a time: whole groups of
        ``together`` (``floor(headcount / together) * together``; the headcount without such
        steps)."""
        k = max(self.together, 1)
        return (self.headcount // k) * k

    @property
    def together_utilisation(self) -> float:
        """The share of the hours of ``together_people`` that the work of the
        ``together_steps`` fills; NaN without such steps or without people enough for one
        group (validation refuses that) or hours."""
        hours = self.together_people * self.hours_per_person
        if self.together <= 1 or not self.together_steps or not hours > 0:
            return math.nan
        return self.together_work_hours / hours

    @property
    def binding(self) -> str:
        """Which hours ``utilisation`` weighs the work against: ``"own"`` (all its people's
        scheduled hours), ``"joint"`` (the shared hours of ``joint_step``) or ``"together"``
        (the hours of ``together_people``), whichever the work fills the most."""
        own = self.scheduled_utilisation
        found = {"own": own if math.isfinite(own) else -math.inf}
        for name, share in (
            ("joint", self.joint_utilisation),
            ("together", self.together_utilisation),
        ):
            if math.isfinite(share) and share > found["own"]:
                found[name] = share
        return max(found, key=found.__getitem__)

    @property
    def bound_hours(self) -> float:
        """The hours a week ``utilisation`` weighs the work against (``binding``)."""
        kind = self.binding
        if kind == "joint":
            return self.headcount * self.joint_hours
        if kind == "together":
            return self.together_people * self.hours_per_person
        return self.headcount * self.hours_per_person

    @property
    def people(self) -> float:
        """The work in people: how many would be busy all the hours they can work it (their
        scheduled hours, or the shared hours of ``joint_step`` where those need more people).
        NaN without hours."""
        own = self.work_hours / self.hours_per_person if self.hours_per_person > 0 else math.nan
        if self.joint_step and self.joint_hours > 0:
            return max(own, self.joint_work_hours / self.joint_hours)
        return own

    @property
    def utilisation(self) -> float:
        """The share of the hours it can work that the work fills: the scheduled hours, the
        shared hours of ``joint_step``, or the hours of the ``together_people`` who can work
        the steps that take several of its people at once, whichever fill the most (1 or more:
        saturated, queues grow with the horizon; ``binding`` says which). Equal to the
        utilisation a stable run measures (``scheduled_utilisation``) unless such a step binds
        it. NaN without scheduled hours."""
        own = self.scheduled_utilisation
        if not math.isfinite(own):
            return own
        bounds = [
            b for b in (self.joint_utilisation, self.together_utilisation) if math.isfinite(b)
        ]
        return max([own, *bounds])

    def headcount_for(self, target: float = TARGET_UTILISATION) -> int | None:
        """The smallest headcount (at least 1) whose hours the work fills at most ``target``
        (0 < target <= 1; ``people``: the shared hours of ``joint_step`` count where they bind),
        and whose whole groups of ``together`` (``together_people``) the work of
        ``together_steps`` fills at most ``target`` (a multiple of ``together`` then: a person
        more who cannot make a group changes nothing there); ``None`` when it cannot be
        estimated (no scheduled hours, work not finite).

        With ``relief``, the work left to the role when the roles that may take its steps'
        cases take all they can while at most ``target`` busy, where that is less (they take
        the overflow: hiring as if the role were alone over-staffs it)."""
        if not 0 < target <= 1:
            raise ValueError(f"target utilisation must be in (0, 1], got {target!r}")
        people = self.people
        if not math.isfinite(people):
            return None
        if self.relief is not None and self.hours_per_person > 0:
            left = self.relief.least_work(target) / self.hours_per_person
            if self.joint_step and self.joint_hours > 0:
                left = max(left, self.joint_work_hours / self.joint_hours)
            if math.isfinite(left):
                people = min(people, left)
        n = max(1, math.ceil(people / target - 1e-9))
        k = self.together
        if k > 1 and self.together_steps and self.hours_per_person > 0:
            groups = self.together_work_hours / self.hours_per_person / k / target
            if not math.isfinite(groups):
                return None
            n = max(n, k * max(1, math.ceil(groups - 1e-9)))
        return n


def segment_routing(model: ProcessModel, segment: str) -> ProcessModel:
    """``model`` with the decisions' branch probabilities of ``segment`` (``by_segment``): the
    routing one segment's cases follow."""
    decisions = {
        name: dataclasses.replace(
            d,
            branches=tuple(
                Branch(to=b.to, probability=p)
                for b, p in zip(d.branches, d.probabilities(segment), strict=True)
            ),
        )
        for name, d in model.decisions.items()
    }
    return dataclasses.replace(model, decisions=decisions)


def offered_load(
    model: ProcessModel,
    *,
    arrival_scale: float = 1.0,
    staffing: Mapping[str, int] | None = None,
) -> dict[str, RoleLoad]:
    """The offered load of each role: the hours of work its steps bring per week, from the
    model's means, against the hours one person is scheduled per week.

    ``work_hours = cases per week x sum over the role's steps of visits per case x mean
    duration x people of the role the step needs``, where

    * cases per week = ``cases_per_week`` (an arrival ``profile`` has mean 1, so it moves
      arrivals within the week but not their number);
    * visits per case = ``expected_visits``, per case segment with its decisions' ``by_segment``
      probabilities, weighted by the segments' shares;
    * a duration is working time (the engine pauses work when the shift closes), in the model's
      ``time_unit``, scaled by each segment's ``duration_scale``; a step of several roles keeps
      one person of each busy for its duration, and one naming a role twice keeps two.

    ``hours_per_person`` is the role's calendar's working hours per week, and ``headcount`` the
    role's, or ``staffing``'s where it names the role (a scenario's override). A step of
    several roles runs only in the hours all of them are on shift (``joint_calendar``): where
    those are fewer than a role's own, the work that must fall in them is weighed against them
    too (``RoleLoad.joint_step``; the most binding such step). Steps that take ``k`` of a
    role's people at once (a role named ``k`` times) can be worked by only ``floor(headcount /
    k) * k`` of them at a time, so their work is weighed against those people's hours too
    (``RoleLoad.together``; the most binding ``k``). ``RoleLoad.utilisation`` is the largest
    share; at 1 or more the role is saturated and queues grow with the horizon. The
    estimate leaves out what the means do not hold: cases that abandon a queue (less work),
    people a step of several roles holds while it waits for the others (more), and the cases
    an alternative of a step takes because nobody of the role a case went to first was free
    (each alternative is counted for its ``share`` of the cases, the own role for the rest;
    ``RoleLoad.relief`` holds what judging a role with its alternatives needs).
    Raises ``ValueError`` for routing where cases can loop for ever.
    """
    staffing = staffing or {}
    factor = model.time_factor
    cases = cases_per_week(model) * arrival_scale
    segments = model.arrivals.segments
    by_segment = any(d.by_segment for d in model.decisions.values())
    base = None if by_segment else expected_visits(model)
    work = dict.fromkeys(model.roles, 0.0)
    jobs = dict.fromkeys(model.roles, 0.0)
    squares = dict.fromkeys(model.roles, 0.0)  # sum over jobs of E[duration^2] (hours^2)
    at_step: dict[str, dict[str, float]] = {r: {} for r in model.roles}  # own roles' work
    per_case: dict[str, float] = {}  # step: hours a week if one person took every case at 1x
    for seg in segments:
        if seg.share <= 0:
            continue
        visits = expected_visits(segment_routing(model, seg.name)) if base is None else base
        for name, step in model.steps.items():
            if not step.roles or visits[name] <= 0:
                continue
            scale = visits[name] * factor * seg.duration_scale * seg.share * cases
            per_case[name] = per_case.get(name, 0.0) + scale
            # alternatives with people take their share of the cases (at their own pace)
            alts = [
                a
                for a in step.alternatives
                if a.role in work and staffing.get(a.role, model.roles[a.role].headcount) > 0
            ]
            own = 1.0 - sum(a.share for a in alts)
            for role in step.roles:  # a role named twice: two of its people
                if role in work:
                    hours = own * scale * step.duration.mean()
                    work[role] += hours
                    jobs[role] += own * visits[name] * seg.share * cases
                    squares[role] += (
                        own
                        * visits[name]
                        * seg.share
                        * cases
                        * (factor * seg.duration_scale) ** 2
                        * step.duration.second_moment()
                    )
                    at_step[role][name] = at_step[role].get(name, 0.0) + hours
            for alt in alts:
                work[alt.role] += alt.share * scale * alt.duration.mean()
                jobs[alt.role] += alt.share * visits[name] * seg.share * cases
                squares[alt.role] += (
                    alt.share
                    * visits[name]
                    * seg.share
                    * cases
                    * (factor * seg.duration_scale) ** 2
                    * alt.duration.second_moment()
                )
    heads = {r: int(staffing.get(r, role.headcount)) for r, role in model.roles.items()}
    patience = longest_patience(model)
    loads = {}
    for name in model.roles:
        own_hours = model.calendar_of(name).weekly_total
        load = RoleLoad(
            role=name,
            work_hours=work[name],
            hours_per_person=own_hours,
            headcount=heads[name],
            relief=_relief(model, name, work, heads, per_case),
            jobs_per_week=jobs[name],
            job_square_hours=squares[name] / jobs[name] if jobs[name] > 0 else math.nan,
            arrival_scv=model.arrivals.interarrival.scv(),
            patience_hours=patience.get(name, math.inf),
        )
        load = _bound_by_people_together(model, load, at_step[name])
        loads[name] = _bound_by_joint_hours(model, load, at_step[name])
    return loads


def _takers(model: ProcessModel, step: Step, heads: Mapping[str, int]) -> dict[str, float]:
    """The roles with people and hours that may take a case of a one-role step with
    alternatives with people (its own role first), each with its mean duration; empty for any
    other step."""
    alts = [a for a in step.alternatives if heads.get(a.role, 0) > 0]
    if len(step.roles) != 1 or not alts:
        return {}
    out = {step.roles[0]: step.duration.mean()} | {a.role: a.duration.mean() for a in alts}
    return {
        r: d
        for r, d in out.items()
        if heads.get(r, 0) > 0 and model.calendar_of(r).weekly_total > 0
    }


def _relief(
    model: ProcessModel,
    role: str,
    work: Mapping[str, float],
    heads: Mapping[str, int],
    per_case: Mapping[str, float],
) -> _Relief | None:
    """The steps of ``role`` whose cases other roles with people may take (``_Relief``), from
    ``offered_load``'s work per role, headcounts and hours a week per step at a duration of 1;
    ``None`` without such steps."""
    steps: dict[str, dict[str, float]] = {}
    for name, step in model.steps.items():
        takers = _takers(model, step, heads)
        if role in takers and len(takers) > 1 and per_case.get(name, 0.0) > 0:
            steps[name] = {r: per_case[name] * d for r, d in takers.items()}
    if not steps:
        return None
    roles = list(dict.fromkeys([role, *(r for t in steps.values() for r in t)]))
    fixed = dict(work)
    for name, cost in steps.items():  # take out what offered_load charged for these steps
        step = model.steps[name]
        alts = [a for a in step.alternatives if a.role in cost]
        first = {a.role: a.share for a in alts}
        own = step.roles[0]
        first[own] = 1.0 - sum(a.share for a in step.alternatives if heads.get(a.role, 0) > 0)
        for r, c in cost.items():
            fixed[r] -= first.get(r, 0.0) * c
    return _Relief(
        roles=tuple(roles),
        hours=tuple(heads[r] * model.calendar_of(r).weekly_total for r in roles),
        fixed=tuple(max(fixed[r], 0.0) for r in roles),
        steps=tuple(steps),
        cost=tuple(tuple(c.get(r, math.inf) for r in roles) for c in steps.values()),
    )


def cases_per_week(model: ProcessModel) -> float:
    """The cases that arrive per week at ``arrival_scale`` 1: the operational hours of a week
    (168, or an arrival ``profile``'s total) / the mean inter-arrival time in hours (``inf``
    for a mean of 0)."""
    gap = model.arrivals.interarrival.mean() * model.time_factor
    week = model.arrivals.profile.weekly_total if model.arrivals.profile else HOURS_PER_WEEK
    return week / gap if gap > 0 else math.inf


def joint_calendar(model: ProcessModel, step: str) -> WeeklyRate | None:
    """The hours a step of several roles can run in: the overlap of its roles' calendars (the
    engine starts and resumes its work only then); ``None`` for a step of fewer than two
    roles."""
    roles = list(dict.fromkeys(model.steps[step].roles))
    if len(roles) < 2:
        return None
    cal = model.calendar_of(roles[0])
    for r in roles[1:]:
        cal = cal.intersect(model.calendar_of(r))
    return cal


def _bound_by_joint_hours(
    model: ProcessModel, load: RoleLoad, at_step: Mapping[str, float]
) -> RoleLoad:
    """``load`` with the step of several roles whose shared hours (``joint_calendar``), fewer
    than the role's own, its work fills the most: the work of every step of the role (``at_step``:
    hours per week by step) that runs only within them counts there."""
    own = model.calendar_of(load.role)
    windows = {
        s: cal
        for s in at_step
        if (cal := joint_calendar(model, s)) is not None
        and cal.weekly_total < own.weekly_total - _EPS
    }
    best: tuple[float, str, float, float] | None = None
    for step, cal in windows.items():
        hours = cal.weekly_total
        if hours <= _EPS:  # validation refuses calendars that never overlap
            continue
        inside = sum(
            w
            for s, w in at_step.items()
            if s in windows
            and windows[s].intersect(cal).weekly_total >= windows[s].weekly_total - _EPS
        )
        if best is None or inside / hours > best[0]:
            best = (inside / hours, step, inside, hours)
    if best is None:
        return load
    _share, step, inside, hours = best
    return dataclasses.replace(load, joint_step=step, joint_work_hours=inside, joint_hours=hours)


def _bound_by_people_together(
    model: ProcessModel, load: RoleLoad, at_step: Mapping[str, float]
) -> RoleLoad:
    """``load`` with the steps that take ``k`` > 1 of the role's people at once (it is named
    ``k`` times) whose work (``at_step``: hours per week by step) fills the largest share of the
    hours of the ``floor(headcount / k) * k`` people who can work them at a time
    (``RoleLoad.together``). Every running case of such a step holds a multiple of ``k`` of the
    role's people, so ``headcount`` modulo ``k`` of them can never join (the engine collects
    them one case at a time; the one left over is held, waiting for a partner)."""
    groups: dict[int, list[str]] = {}
    for step in at_step:
        k = model.steps[step].roles.count(load.role)
        if k > 1:
            groups.setdefault(k, []).append(step)
    best: tuple[float, int, tuple[str, ...], float] | None = None
    for k, steps in sorted(groups.items()):
        work = sum(at_step[s] for s in steps)
        hours = (load.headcount // k) * k * load.hours_per_person
        share = work / hours if hours > 0 else math.inf
        if best is None or share > best[0]:
            best = (share, k, tuple(steps), work)
    if best is None:
        return load
    _share, k, steps, work = best
    return dataclasses.replace(load, together=k, together_steps=steps, together_work_hours=work)


def suggest_staffing(
    loads: Mapping[str, RoleLoad],
    roles: Collection[str],
    *,
    target: float = TARGET_UTILISATION,
    at: float = 0.98,
) -> dict[str, int | None]:
    """Headcounts that carry the offered load (``offered_load``) of ``roles`` at most
    ``target`` busy: for each of ``roles`` (those a run found saturated), and for every other
    role whose work fills ``at`` or more of its hours (one a saturated role upstream starves
    now, which would saturate once that role keeps up), in ``loads`` order: the smallest
    headcount at ``target`` (``RoleLoad.headcount_for``), never fewer than it has plus one for
    a role of ``roles`` (the model's mean work may not explain its saturation; one more person
    is the least that changes it), and ``None`` where the estimate cannot be made (a role
    unknown to ``loads``, no scheduled hours). A role whose steps' cases other roles may take
    (``RoleLoad.relief``) is judged with them: it is added only when they together are busy
    ``at`` or more (``RoleLoad.pooled_utilisation``), and its headcount counts the overflow
    they can take at ``target`` (``RoleLoad.headcount_for``), not as if it were alone. A role
    bound by steps that take several of its people at once (``RoleLoad.together``) is given
    whole groups of them: one more group, not one more person, where it is of ``roles``.

    An estimate from mean work: queues near ``target`` can still be long, so simulate again.
    """
    out: dict[str, int | None] = {}
    for name, load in loads.items():
        busy = load.utilisation
        if load.relief is not None and load.pooled_utilisation < busy:
            busy = load.pooled_utilisation
        if name not in roles and not (math.isfinite(busy) and busy >= at):
            continue
        n = load.headcount_for(target)
        if n is not None and name in roles:
            more = load.headcount + 1
            if load.together > 1 and load.together_utilisation >= load.scheduled_utilisation:
                # one more whole group: a person who cannot make one adds nothing there
                more = (load.headcount // load.together + 1) * load.together
            n = max(n, more)
        out[name] = n
    for name in roles:
        out.setdefault(name, None)
    return out


PATIENCE_BOUNDS_QUEUE_HOURS = 168.0
"""The longest mean patience (hours of the clock) taken to bound the queue of a role offered
more work than its hours (``impatient_roles``). Such a queue settles where as many cases give
up an hour as the role falls behind, approaching that level as ``1 - exp(-t / mean patience)``
(Erlang-A's fluid limit): with a patience of a week, at 86 % of it by the end of the bundled
14-day warm-up and all but there within its 42-day horizon. A longer one (``mean: 1000000``)
lets the queue grow through a run as if cases never gave up."""


def longest_patience(model: ProcessModel) -> dict[str, float]:
    """The roles every step of which (as one of its roles or an alternative) has a
    ``patience``, each with the longest of those means in hours of the clock."""
    out: dict[str, float] = {}
    for role in model.roles:
        steps = [s for s in model.steps.values() if role in s.all_roles]
        if steps and all(s.patience is not None for s in steps):
            out[role] = max(s.patience.mean() * model.time_factor for s in steps)
    return out


def impatient_roles(model: ProcessModel) -> dict[str, float]:
    """The roles every step of which (as one of its roles or an alternative) has a ``patience``
    of mean at most ``PATIENCE_BOUNDS_QUEUE_HOURS``, each with the longest of those means in
    hours (``longest_patience``). Cases that give up waiting bound their queues: offered more
    work than its hours, such a role loses the rest of its cases instead of queueing them for
    as long as cases arrive (it is not busy all its hours for that: its people run out of work
    whenever its queue empties, which a short patience makes frequent)."""
    return {
        role: mean
        for role, mean in longest_patience(model).items()
        if mean <= PATIENCE_BOUNDS_QUEUE_HOURS
    }


def off_shift_stretches(calendar: WeeklyRate) -> list[tuple[float, float]]:
    """The stretches of the week ``calendar`` is closed, ``(from, to)`` in hours since Monday
    00:00 (one over the week's end ends past 168: Friday 17:00 to Monday 09:00 is (113, 177));
    none for a calendar open all week."""
    closed: list[list[float]] = []
    for start, end, rate in calendar.intervals():
        if rate > 0:
            continue
        if closed and closed[-1][1] == start:
            closed[-1][1] = end
        else:
            closed.append([start, end])
    if not any(rate > 0 for rate in calendar.rates):  # never open: validation refuses that
        return [(0.0, HOURS_PER_WEEK)]
    if len(closed) > 1 and closed[0][0] == 0.0 and closed[-1][1] == HOURS_PER_WEEK:
        first = closed.pop(0)  # Sunday night runs on into Monday morning
        closed[-1][1] = HOURS_PER_WEEK + first[1]
    return [(a, b) for a, b in closed]


def off_shift_share(model: ProcessModel, role: str, patience: float) -> float:
    """The share of the cases, arriving as the model's arrival profile has them, that arrive
    while ``role`` is off shift and would wait longer than ``patience`` hours for it to be back
    (``off_shift_stretches``): they give up whatever its headcount. Exact for the cases of the
    first step; for a later step's, which come when the steps before end, an estimate."""
    profile = model.arrivals.profile
    week = profile.weekly_total if profile is not None else HOURS_PER_WEEK
    lost = 0.0
    for start, end in off_shift_stretches(model.calendar_of(role)):
        last = end - patience  # a case arriving after this is still waiting when it opens
        if last > start:
            lost += (
                profile.cumulative(last) - profile.cumulative(start) if profile else last - start
            )
    return lost / week if week > 0 else 0.0


def _lost_off_shift(model: ProcessModel, loads: list[RoleLoad]) -> dict[str, float]:
    """The roles of ``loads`` (``impatient_overloads``) whose cases give up mostly while they
    are off shift, each with the share of the cases that do (``off_shift_share``, at the
    longest mean patience of their steps): those that can wait for them do not fill their
    hours, so more people would not serve the rest (QA retest16: a role on shift on Mondays
    only, with a patience of 24 h, lost 79 % of its cases, and 78 % with the 13 people the
    warning advised)."""
    patience = impatient_roles(model)
    out = {}
    for ld in loads:
        share = off_shift_share(model, ld.role, patience[ld.role])
        if share > 0 and (1 - share) * ld.utilisation < 1.0:
            out[ld.role] = share
    return out


def overloaded_roles(
    model: ProcessModel,
    *,
    arrival_scale: float = 1.0,
    staffing: Mapping[str, int] | None = None,
) -> dict[str, float]:
    """The roles whose offered load (``offered_load``) fills all the hours they can work it or
    more, with the share it fills (1.07: 107 %): their scheduled hours, or for a role bound by
    a step of several roles the hours all its roles are on shift (``RoleLoad.joint_step``).
    They cannot keep up, so their queues grow for as long as cases arrive and a run's waits
    depend on its length. Left out: a role every step of which has a short ``patience``
    (``impatient_roles``: cases that give up waiting bound its queue; ``impatient_overloads``
    names it), a role with people but no scheduled hours, every role
    of routing where cases can loop for ever (no mean work), and a role the roles that may take
    its steps' cases could relieve (``relieved_roles``: it keeps up if they take the overflow,
    which only a run shows).

    A run measures utilisation against each role's own hours, so a role can be overloaded while
    it measures well below 100 % busy: the offered load leaves out the time a step of several
    roles holds one person while it waits for the others (QA 2026-12-05: 88 % measured, 107 %
    offered, and the cycle time doubled with the horizon), and a step of several roles works
    only in their shared hours (QA fuzz14 #2: 24 % measured, 210 % of the shared hours).
    """
    return {
        name: load.utilisation
        for name, load in _judged_loads(model, arrival_scale, staffing).items()
        if math.isfinite(load.utilisation) and load.utilisation >= 1.0 and not load.relieved
    }


def _judged_loads(
    model: ProcessModel, arrival_scale: float, staffing: Mapping[str, int] | None
) -> dict[str, RoleLoad]:
    """The offered loads of the roles with people that an overload can be said of: not a role
    every step of which has a short ``patience`` (``impatient_roles``: cases that give up
    waiting bound its queue, so it does not grow with the horizon; the optimizer must not
    refuse such a redesign as one whose figures do); none for routing where cases can loop for
    ever (no mean work)."""
    try:
        loads = offered_load(model, arrival_scale=arrival_scale, staffing=staffing)
    except ValueError:
        return {}
    impatient = impatient_roles(model)
    return {
        name: load for name, load in loads.items() if name not in impatient and load.headcount > 0
    }


def impatient_overloads(
    model: ProcessModel,
    *,
    arrival_scale: float = 1.0,
    staffing: Mapping[str, int] | None = None,
) -> dict[str, RoleLoad]:
    """The roles with people whose offered load (``offered_load``) fills all the hours they can
    work or more while every step of theirs has a short patience (``impatient_roles``), with
    their loads: their queues stay bounded, held down by cases giving up, so they are not
    ``overloaded_roles``, but they lose at least the share ``1 - 1 / utilisation`` of the work
    offered to them (that share were they busy all their hours, which they are not; more the
    less busy they are: QA abandon20, an M/M/3+M offered 120 % was 79.5 % busy and lost 33 %
    of its cases). Left out: a role the roles that may take its steps' cases could relieve
    (``RoleLoad.relieved``), and routing where cases can loop for ever (no mean work)."""
    try:
        loads = offered_load(model, arrival_scale=arrival_scale, staffing=staffing)
    except ValueError:
        return {}
    return {
        name: loads[name]
        for name in impatient_roles(model)
        if loads[name].headcount > 0
        and math.isfinite(loads[name].utilisation)
        and loads[name].utilisation >= 1.0
        and not loads[name].relieved
    }


def off_shift_warned_roles(
    model: ProcessModel,
    *,
    arrival_scale: float = 1.0,
    staffing: Mapping[str, int] | None = None,
) -> frozenset[str]:
    """The roles ``overload_warning`` says lose their cases while they are off shift
    (``_lost_off_shift`` of ``impatient_overloads``), which ``sim.model.off_shift``'s note then
    leaves out."""
    losing = impatient_overloads(model, arrival_scale=arrival_scale, staffing=staffing)
    return frozenset(_lost_off_shift(model, list(losing.values())))


def relieved_roles(
    model: ProcessModel,
    *,
    arrival_scale: float = 1.0,
    staffing: Mapping[str, int] | None = None,
) -> dict[str, RoleLoad]:
    """The roles with people whose offered load (``offered_load``) fills all the hours they can
    work or more, but which, with the roles that may take their steps' cases (alternatives),
    have the hours for it (``RoleLoad.relieved``), with their loads. The offered load counts an
    alternative only for its share of the cases, not for the cases it takes when the role's
    people are all busy, so whether such a role keeps up only a run shows (QA manager15: clerks
    offered 136 % of their hours were 74.9 % busy, with a cycle time that did not grow with the
    horizon). Left out as ``overloaded_roles`` leaves roles out."""
    loads = _judged_loads(model, arrival_scale, staffing)
    return {name: load for name, load in loads.items() if load.relieved}


def joint_hours_overloads(
    model: ProcessModel,
    *,
    arrival_scale: float = 1.0,
    staffing: Mapping[str, int] | None = None,
) -> dict[str, list[RoleLoad]]:
    """The steps of several roles that cannot keep up in the hours all their roles are on shift
    (``joint_calendar``), each with the loads (``offered_load``) of its roles whose work there
    fills all those hours or more (``RoleLoad.joint_step`` is the step), in the step's order of
    roles: those the shared hours bind (fewer than their own), and then, at such a step, any
    role whose own hours are the shared ones, with all its work counted there (it is the limit
    as much: QA retest14, a boss on shift 30 minutes a day, was left out, so the suggested
    clerks changed nothing). Left out: a step with a ``patience`` (cases that give up waiting
    bound its queue), roles without people, and routing where cases can loop for ever (no
    mean work)."""
    try:
        loads = offered_load(model, arrival_scale=arrival_scale, staffing=staffing)
    except ValueError:
        return {}
    bound: dict[str, list[str]] = {}
    for load in loads.values():
        step = load.joint_step
        busy = load.joint_utilisation
        if step is None or model.steps[step].patience is not None or load.headcount <= 0:
            continue
        if math.isfinite(busy) and busy >= 1.0:
            bound.setdefault(step, []).append(load.role)
    out: dict[str, list[RoleLoad]] = {}
    for step, names in bound.items():
        for r in dict.fromkeys(model.steps[step].roles):
            load = loads[r] if r in names else _within_shared_hours(model, step, loads[r])
            if load is not None:
                out.setdefault(step, []).append(load)
    return out


def _within_shared_hours(model: ProcessModel, step: str, load: RoleLoad) -> RoleLoad | None:
    """``load`` weighed against the shared hours of ``step`` (``joint_calendar``) when they are
    the role's own hours (so all its work falls in them) and its work fills them or more;
    ``None`` otherwise."""
    cal = joint_calendar(model, step)
    own = model.calendar_of(load.role).weekly_total
    if cal is None or load.headcount <= 0 or cal.weekly_total < own - _EPS:
        return None
    busy = load.scheduled_utilisation
    if not (math.isfinite(busy) and busy >= 1.0):
        return None
    return dataclasses.replace(
        load, joint_step=step, joint_work_hours=load.work_hours, joint_hours=cal.weekly_total
    )


#: what an overloaded role's waits depend on (``overload_warning``, ``joint_hours_warning``):
#: the horizon, or where a ``scenario.max_cases`` stops the arrivals before it
#: (``capped_overload_warning``, ``capped_joint_hours_warning``)
HORIZON = "scenario.horizon_days"
CAPPED = "scenario.max_cases (where it stops the arrivals)"


def joint_hours_warning(
    model: ProcessModel,
    *,
    arrival_scale: float = 1.0,
    staffing: Mapping[str, int] | None = None,
    depends_on: str = HORIZON,
) -> str | None:
    """A warning naming each step of several roles whose work fills all the hours its roles
    are on shift together (``joint_hours_overloads``), those hours per week, and the staffing
    that would carry it at ``TARGET_UTILISATION`` of them; ``None`` when there is none.

    A run cannot show it in utilisation, which counts each role's own hours: the step's queue
    grows without bound while its roles look idle (QA fuzz14 #2: 24 % and 33 % busy, a cycle
    time of 879 h that grew with the horizon, and no warning).

    ``depends_on``: what the queue's growth, and so the waits, depend on: ``HORIZON``, or
    ``CAPPED`` where ``scenario.max_cases`` stops the arrivals early
    (``capped_joint_hours_warning``)."""
    from sim.model.scenario import staffing_overrides  # the scenario module imports views

    over = joint_hours_overloads(model, arrival_scale=arrival_scale, staffing=staffing)
    if not over:
        return None
    parts = []
    more: dict[str, int | str] = {}
    for step, loads in over.items():
        roles = list(dict.fromkeys(model.steps[step].roles))
        own = ", ".join(f"{r} {model.calendar_of(r).weekly_total:.4g} h" for r in roles)
        fills = " and ".join(
            f"{100 * ld.joint_utilisation:.0f} % of them for {ld.role} ({ld.headcount} "
            f"{'person' if ld.headcount == 1 else 'people'})"
            for ld in loads
        )
        parts.append(
            f"step {step!r} needs {' and '.join(roles)} at once, so it runs only in the "
            f"{loads[0].joint_hours:.4g} h a week when all of them are on shift (the overlap of "
            f"their calendars; each on its own: {own}), and the work it is offered fills {fills}"
        )
        for ld in loads:
            more[ld.role] = ld.headcount_for(TARGET_UTILISATION) or "<n>"
    grows = "without bound" if depends_on == HORIZON else "for as long as cases arrive"
    return (
        f"warning: {'; '.join(parts)}. It cannot keep up: its queue grows {grows}, so "
        f"waits, cycle time and throughput depend on {depends_on}, while utilisation, "
        "measured against each role's own hours, stays low. Add staff, e.g. "
        f"{staffing_overrides(more)} (an estimate from the model's mean work: at most "
        f"{100 * TARGET_UTILISATION:.0f} % busy in the shared hours), make the calendars "
        "overlap more, or lower scenario.arrival_scale."
    )


def overload_warning(
    model: ProcessModel,
    *,
    arrival_scale: float = 1.0,
    staffing: Mapping[str, int] | None = None,
    depends_on: str = HORIZON,
) -> str | None:
    """A warning naming each role whose offered load fills all the hours it can work or more
    (``overloaded_roles``) that ``joint_hours_warning`` does not name, the share it fills of
    its people's hours, and the staffing that would carry it at ``TARGET_UTILISATION``; and,
    after it or alone (a note then), each such role the roles that may take its steps' cases
    could relieve (``relieved_roles``), which keeps up only if they take the overflow; and
    each role offered more than its hours whose every step has a short patience
    (``impatient_overloads``), which cases giving up relieve at the loss of the work it cannot
    do; ``None`` when there is none.

    A run can measure such a role far below 100 % busy: a step of several roles holds its
    people, uncounted, while it waits for the others, and cases queued before a role's steps
    do not reach them (QA retest14: offered 104.5 % and 134 %, measured 78 % and 10 %, a cycle
    time that grew from 1,401 h to 2,478 h with the horizon, and no warning).

    ``depends_on``: what the queues' growth, and so the waits, depend on: ``HORIZON``, or
    ``CAPPED`` where ``scenario.max_cases`` stops the arrivals early
    (``capped_overload_warning``)."""
    over = overloaded_roles(model, arrival_scale=arrival_scale, staffing=staffing)
    helped = relieved_roles(model, arrival_scale=arrival_scale, staffing=staffing)
    joint = joint_hours_overloads(model, arrival_scale=arrival_scale, staffing=staffing)
    losing = impatient_overloads(model, arrival_scale=arrival_scale, staffing=staffing)
    named = {ld.role for loads in joint.values() for ld in loads}
    roles = [r for r in over if r not in named]
    relieved = [helped[r] for r in helped if r not in named]
    impatient = [losing[r] for r in losing if r not in named]
    if not roles and not relieved and not impatient:
        return None
    loads = offered_load(model, arrival_scale=arrival_scale, staffing=staffing)
    parts = [_overload_text(model, loads, roles, depends_on)] if roles else []
    for text in (
        _impatient_text(model, impatient) if impatient else None,
        _relieved_text(relieved, depends_on) if relieved else None,
    ):
        if text:
            parts.append(text[0].upper() + text[1:] if parts else text)
    return f"{'warning' if roles or impatient else 'note'}: {' '.join(parts)}"


def _impatient_text(model: ProcessModel, loads: list[RoleLoad]) -> str:
    """That the roles of ``loads`` (``impatient_overloads``) are offered more work than their
    hours, that cases giving up waiting will relieve them, the least share of their work so
    lost (``1 - 1 / utilisation``: the loss were they busy all their hours, which they are not,
    so it says more is lost the less busy they are), and the staffing that would carry it
    (``RoleLoad.headcount_for``); for a role whose cases give up mostly while it is off shift
    (``_lost_off_shift``), that instead, with no staffing (``_off_shift_text``)."""
    from sim.model.scenario import staffing_overrides  # the scenario module imports views

    gone = _lost_off_shift(model, loads)
    if gone:  # no headcount advice for those: said apart
        rest = [ld for ld in loads if ld.role not in gone]
        texts = [_impatient_text(model, rest)] if rest else []
        texts += [_off_shift_text(model, ld, gone[ld.role]) for ld in loads if ld.role in gone]
        return " ".join(t if i == 0 else t[0].upper() + t[1:] for i, t in enumerate(texts))
    one = len(loads) == 1
    its = "its" if one else "their"
    patience = impatient_roles(model)
    waits = " and ".join(f"{ld.role}'s {patience[ld.role]:.4g} h" for ld in loads)

    def least(ld: RoleLoad) -> str:
        # at exactly its hours the bound is 0 %: "at least 0 %" said nothing (QA retest20b #8:
        # 26.5 % of the cases of such a role gave up; coderev21 #2: beside another role)
        bound = f"{100 * (1 - 1 / ld.utilisation):.0f}"
        return "some" if bound in ("0", "-0") else f"at least {bound} %"

    lost = " and ".join(least(ld) + ("" if one else f" for {ld.role}") for ld in loads)
    more = {ld.role: ld.headcount_for(TARGET_UTILISATION) or "<n>" for ld in loads}
    return (
        f"the work the model offers fills more than the hours of "
        f"{' and '.join(_hours_filled(ld) for ld in loads)}, and each of {its} steps has a "
        f"patience (the longest mean: {waits}): cases that give up waiting will relieve "
        f"{'it' if one else 'them'}, so {'its queue stays' if one else 'their queues stay'} "
        "bounded, but at a loss: "
        f"{lost} of the work offered to {'it' if one else 'them'} goes undone, {its} "
        f"cases abandoned, and more the less busy {'it is' if one else 'they are'}: {its} "
        f"people run out of work whenever {its} {'queue empties' if one else 'queues empty'}, "
        "which a short patience makes frequent (utilisation, abandon_rate and dropoff_at in "
        "the run's results; the steps after get fewer cases than the model offers them). To "
        "serve those cases, add staff, e.g. "
        f"{staffing_overrides(more)} (an estimate from the model's mean work: at most "
        f"{100 * TARGET_UTILISATION:.0f} % busy), or lower scenario.arrival_scale."
    )


def _off_shift_text(model: ProcessModel, load: RoleLoad, share: float) -> str:
    """That ``load``'s role (``_lost_off_shift``) loses its cases while it is off shift, which
    more people change only at the shift's start, and what does."""
    role = load.role
    patience = impatient_roles(model)[role]
    longest = max(b - a for a, b in off_shift_stretches(model.calendar_of(role)))
    return (
        f"the work the model offers fills more than the hours of {_hours_filled(load)}, but "
        f"{role} is off shift for up to {longest:.4g} h at a stretch, longer than the mean "
        f"patience of its steps ({patience:.4g} h): about {100 * share:.0f} % of the cases "
        f"arrive while {role} is off and give up before it is back, however many people it "
        "has, and those that can wait for it do not fill its hours (abandon_rate and "
        "dropoff_at in the run's results). More people save only the cases that queue at "
        f"the shift's start (a few people lose more there); longer hours for {role} (its "
        "calendar) or a longer patience save the rest."
    )


def _overload_text(
    model: ProcessModel,
    loads: Mapping[str, RoleLoad],
    roles: list[str],
    depends_on: str = HORIZON,
) -> str:
    """Why the roles ``roles`` (``overloaded_roles``) do not keep up, that their waits depend on
    ``depends_on`` (``overload_warning``), and the staffing that would carry their work
    (``RoleLoad.headcount_for``)."""
    from sim.model.scenario import staffing_overrides  # the scenario module imports views

    fills = " and ".join(_hours_filled(loads[r]) for r in roles)
    more = {r: loads[r].headcount_for(TARGET_UTILISATION) or "<n>" for r in roles}
    one = len(roles) == 1
    relief = (
        " (unless cases that give up waiting relieve it)"
        if any(s.patience is not None for s in model.steps.values())
        else ""
    )
    return (
        f"the work the model offers fills more than the hours of {fills}. "
        f"{'It does' if one else 'They do'} not keep up: queues grow for as long as cases "
        f"arrive{relief}, so waits, cycle time and throughput depend on "
        f"{depends_on}, however low the utilisation a run measures (it leaves out the "
        "time a step of several roles holds people while it waits for the others, and cases "
        f"queued before {'its' if one else 'their'} steps do not reach them). Add staff, e.g. "
        f"{staffing_overrides(more)} (an estimate from the model's mean work: at most "
        f"{100 * TARGET_UTILISATION:.0f} % busy; it leaves out people held at a step of several "
        "roles, so simulate again with it), or lower scenario.arrival_scale."
    )


def _relieved_text(loads: list[RoleLoad], depends_on: str = HORIZON) -> str:
    """That the roles of ``loads`` (``relieved_roles``) keep up only if the roles that may take
    their steps' cases take the overflow, and that the run's utilisation tells; where not,
    their queues grow with ``depends_on`` (``overload_warning``)."""
    one = len(loads) == 1
    its = "its" if one else "their"
    fills = " and ".join(_hours_filled(ld) for ld in loads)
    groups = "; ".join(
        f"{ld.role} with {' and '.join(ld.relief_roles)}: at best "
        f"{100 * ld.pooled_utilisation:.0f} % of their hours"
        for ld in loads
    )
    return (
        f"the work the model offers fills more than the hours of {fills}, but other roles may "
        f"take the cases of {its} steps when {its} people are all busy (the steps' "
        f"alternatives), and together they have the hours ({groups}). {'It' if one else 'They'} "
        f"could keep up only if {its} alternatives take the overflow, which the model's mean "
        "work cannot tell (it counts an alternative only for its share of the cases): check the "
        "run's utilisation; a role near 100 % busy there does not keep up, and its queues grow "
        f"with {depends_on}."
    )


def _hours_filled(load: RoleLoad) -> str:
    """'alpha (105 % of the 150 h a week its 3 people are on shift)', or of the hours they can
    work its ``joint_step``, or of those of the ``together_people`` who can work the steps that
    take several of them at once, where those fill more (``RoleLoad.binding``)."""
    kind = load.binding
    one = load.headcount == 1
    people = f"{load.headcount} {'person' if one else 'people'}"
    share = f"{100 * load.utilisation:.0f} %"
    hours = f"{load.bound_hours:,.4g} h"
    if kind == "together":
        steps = " and ".join(repr(s) for s in load.together_steps)
        some = load.together_people
        return (
            f"{load.role} ({share} of the {hours} a week that {some} of its {people} can work "
            f"step{'s' if len(load.together_steps) > 1 else ''} {steps}: "
            f"{'they take' if len(load.together_steps) > 1 else 'it takes'} {load.together} "
            f"of them at once, so {load.headcount - some} can never join)"
        )
    where = (
        f"can work step {load.joint_step!r}"
        if kind == "joint"
        else f"{'is' if one else 'are'} on shift"
    )
    return f"{load.role} ({share} of the {hours} a week its {people} {where})"


#: An offered load this many times the hours a role can work it is a typo (a mean gap between
#: arrivals in the wrong unit), not a scenario: its queue grows until memory runs out.
ABSURD_LOAD = 100.0
#: Fewer cases than this fit in memory however long they queue: a short window of a load
#: ``ABSURD_LOAD`` times the hours (a back-test's busy held-out period) is not refused.
MANY_CASES = 100_000
#: More cases than this arriving in one replication cannot be held in memory: a replication
#: keeps its trace until it ends, some 3-4 kB a case (QA fuzz14 #3: 21 GB within 5 minutes of
#: a run of 13 million expected cases).
MOST_CASES = 2_000_000


def expected_cases(model: ProcessModel, scenario: Scenario) -> float:
    """The cases expected to arrive in one replication of ``scenario``: those of the warm-up
    (at its ``warmup_arrival_scale``) and the horizon (no case arrives in the drain), at most
    ``scenario.max_cases``."""
    week = cases_per_week(model) / HOURS_PER_WEEK  # cases per hour at scale 1
    warmup = scenario.warmup_arrival_scale
    scale = scenario.arrival_scale
    hours = scenario.warmup_hours * (scale if warmup is None else warmup)
    hours += (scenario.arrivals_end_hours - scenario.warmup_hours) * scale
    cases = week * hours if hours > 0 else 0.0
    return cases if scenario.max_cases is None else min(cases, float(scenario.max_cases))


def absurd_arrivals(model: ProcessModel, scenario: Scenario) -> str | None:
    """Why ``scenario`` cannot be simulated with ``model``'s arrivals, or ``None``: more cases
    than memory holds (``MOST_CASES``), or, without ``scenario.max_cases``, more than
    ``MANY_CASES`` bringing work ``ABSURD_LOAD`` times the hours a role can do it (a typo:
    ``mean: 0.0001``), whose queue would hold nearly all of them. The reason names the
    interarrival, the cases per week it implies, the capacity and the keys to change."""
    weekly = cases_per_week(model) * scenario.arrival_scale
    scaled = f" at scenario.arrival_scale={scenario.arrival_scale:g}"
    head = (
        f"arrivals.interarrival: a mean gap of {model.arrivals.interarrival.mean():.4g} "
        f"{model.time_unit} between arrivals brings {weekly:,.0f} cases a week"
        + (scaled if scenario.arrival_scale != 1 else "")
    )
    cap = "cap the cases with" if scenario.max_cases is None else "lower"
    keys = (
        f"a typo, or a unit other than {model.time_unit}? Fix the mean, lower "
        f"scenario.arrival_scale, or {cap} scenario.max_cases"
    )
    cases = expected_cases(model, scenario)
    if scenario.max_cases is None and cases > MANY_CASES:
        name, load = _most_loaded(model, scenario)
        if load is not None and load.utilisation >= ABSURD_LOAD:
            hours = load.bound_hours
            where = {
                "joint": f" when step {load.joint_step!r} can run",
                "together": f" that {load.together_people} of them can work "
                + " and ".join(repr(s) for s in load.together_steps),
            }.get(load.binding, "")
            return (
                f"{head}, whose work fills {load.utilisation:,.0f} times the hours of {name} "
                f"({load.headcount} {'person' if load.headcount == 1 else 'people'}, "
                f"{hours:,.4g} h a week{where}: {load.utilisation * hours:,.0f} h of work "
                f"offered); the queue would grow until memory runs out: {keys}"
            )
    if cases > MOST_CASES:
        return (
            f"{head}: about {cases:,.0f} cases in a replication of scenario.warmup_days="
            f"{scenario.warmup_days:g} + scenario.horizon_days={scenario.horizon_days:g}, more "
            f"than the {MOST_CASES:,} a run can hold in memory: {keys}, or shorten the horizon"
        )
    return None


def _most_loaded(model: ProcessModel, scenario: Scenario) -> tuple[str, RoleLoad | None]:
    """The role with people whose offered load under ``scenario`` fills the largest share of
    the hours it can work (``RoleLoad.utilisation``), or ``("", None)`` without an estimate."""
    try:
        loads = offered_load(
            model, arrival_scale=scenario.arrival_scale, staffing=scenario.staffing
        )
    except ValueError:  # cases can loop for ever: no mean work
        return "", None
    finite = {
        r: ld for r, ld in loads.items() if ld.headcount > 0 and not math.isnan(ld.utilisation)
    }
    if not finite:
        return "", None
    name = max(finite, key=lambda r: finite[r].utilisation)
    return name, finite[name]


def check_arrivals(model: ProcessModel, scenario: Scenario) -> None:
    """Refuse, before anything is simulated, a scenario whose arrivals are absurd
    (``absurd_arrivals``): raises ``ConfigError`` saying why and what to change."""
    problem = absurd_arrivals(model, scenario)
    if problem:
        raise ConfigError(problem)


def capped_arrivals_note(model: ProcessModel, scenario: Scenario) -> str:
    """What ``overload_warning`` says of a run whose ``scenario.max_cases`` stops arrivals before
    its warm-up and horizon end: a queue then grows only while cases arrive (QA arrivals17 #3:
    one case was said to need 5 more people, its waits "depending on the horizon"); ``""``
    where the cap is not reached in that time, or unknown."""
    if scenario.max_cases is None:
        return ""
    per_day = cases_per_week(model) * scenario.arrival_scale / 7.0
    run_days = scenario.warmup_days + scenario.horizon_days
    if not (0 < per_day < math.inf) or scenario.max_cases >= per_day * run_days:
        return ""
    days = scenario.max_cases / per_day
    after = "and drain after" if scenario.drain else "and the run stops then (scenario.drain=false)"
    return (
        f" With scenario.max_cases={scenario.max_cases} arrivals stop after about {days:.3g} "
        f"days of the run's {run_days:g}: its queues grow only until then {after}, so the "
        "figures depend on max_cases rather than on the horizon."
    )


def _under_cap(
    warning: Callable[..., str | None], model: ProcessModel, scenario: Scenario
) -> str | None:
    """``warning`` (``overload_warning``, ``joint_hours_warning``) under the scenario's arrival
    scale and staffing; where its ``scenario.max_cases`` stops the arrivals before the warm-up
    and horizon end (``capped_arrivals_note``, added after it), the waits depend on the cap
    throughout, not on the horizon (QA rt27_engine F8: the warning said both in one
    paragraph)."""
    capped = capped_arrivals_note(model, scenario)
    found = warning(
        model,
        arrival_scale=scenario.arrival_scale,
        staffing=scenario.staffing,
        depends_on=CAPPED if capped else HORIZON,
    )
    return found + capped if found else None


def capped_overload_warning(model: ProcessModel, scenario: Scenario) -> str | None:
    """``overload_warning`` under the scenario, naming the cap where it ends the arrivals
    (``_under_cap``)."""
    return _under_cap(overload_warning, model, scenario)


def capped_joint_hours_warning(model: ProcessModel, scenario: Scenario) -> str | None:
    """``joint_hours_warning`` under the scenario, naming the cap where it ends the arrivals
    (``_under_cap``), as ``capped_overload_warning`` says of other roles."""
    return _under_cap(joint_hours_warning, model, scenario)


def pre_run_warnings(model: ProcessModel, scenario: Scenario) -> list[str]:
    """The check ``simulate`` makes before its replications: refuses absurd arrivals
    (``check_arrivals``, a ``ConfigError``), and returns what the offered load shows a run may
    not (``joint_hours_warning``: a step whose queue grows without bound while its roles look
    idle; ``overload_warning``: any other role offered more work than its hours; each naming
    ``scenario.max_cases`` instead of the horizon where it stops the arrivals early:
    ``capped_joint_hours_warning``, ``capped_overload_warning``), to be said before the run."""
    check_arrivals(model, scenario)
    found = (
        capped_joint_hours_warning(model, scenario),
        capped_overload_warning(model, scenario),
    )
    return [w for w in found if w]


def delay_timers(model: ProcessModel) -> set[str]:
    """The timers that belong to the step after them: a calibrated model's ``delay:`` steps
    (those of ``metadata["timer_steps"]`` named ``delay:...``), the waiting its log shows
    before an activity. A model imported from BPMN lists its catch events there too, but they
    are steps of their own in its maps and views ("Wait 1 day")."""
    timers = (model.metadata or {}).get("timer_steps") or ()
    return {t for t in timers if t in model.steps and t.startswith("delay:")}


def steps_by_activity(model: ProcessModel) -> dict[str, list[str]]:
    """The steps of each activity of a calibrated model's log: its repetitions
    (``metadata["step_activity"]``) and the delay timers before them (``metadata["timer_steps"]``);
    any other step is an activity of its own. In the model's step order."""
    meta = model.metadata or {}
    step_activity = meta.get("step_activity") or {}
    timers = delay_timers(model)
    out: dict[str, list[str]] = {}
    for name, step in model.steps.items():
        of = step.next if name in timers else name  # a timer belongs to the step it delays
        out.setdefault(step_activity.get(of, of), []).append(name)
    return out


def block_branches(model: ProcessModel) -> dict[str, list[list[str]]]:
    """Each parallel block's branches, each the activities on it as its log names them (the
    steps from the branch's first node to the block's join, through decisions; a calibrated
    model's repetitions by their activity, ``metadata["step_activity"]``; its delay timers left
    out)."""
    meta = model.metadata or {}
    step_activity = meta.get("step_activity") or {}
    timers = delay_timers(model)
    out: dict[str, list[list[str]]] = {}
    for name, block in model.parallels.items():
        branches = []
        for first in block.branches:
            seen: set[str] = set()
            todo = [first]
            while todo:
                node = todo.pop()
                if node in seen or node == block.join:
                    continue
                seen.add(node)
                todo.extend(model.successors(node))
            acts = {step_activity.get(n, n) for n in seen if n in model.steps and n not in timers}
            branches.append(sorted(acts))
        out[name] = branches
    return out


def activity_view(model: ProcessModel) -> ProcessModel | None:
    """The model with one step per activity of its log, for maps; ``None`` if nothing merges.
    Raises ``ValueError`` for routing it cannot summarise (cases that never leave a loop).

    Steps named in ``metadata["step_activity"]`` (repetitions) join the step of their activity,
    and the timers of ``metadata["timer_steps"]`` disappear into the step they delay. Each
    merged step leaves to where its members lead, weighted by how often each member is
    visited; a branch back to the same step is the repetition loop. Parallel blocks, ends and
    the steps that do not merge keep their names. The merged step keeps the role and duration
    of its most visited member, and ``provenance["merged_steps"]`` lists its members and their
    timers.
    """
    meta = model.metadata or {}
    step_activity: Mapping[str, str] = {
        k: v for k, v in (meta.get("step_activity") or {}).items() if k in model.steps
    }
    timers = delay_timers(model)
    if not step_activity and not timers:
        return None
    visits = expected_visits(model)
    transparent = set(model.decisions) | timers
    groups = steps_by_activity(model)

    def group(node: str) -> str:
        return step_activity.get(node, node)

    memo: dict[str, dict[str, float]] = {}

    def reach(node: str, stack: tuple[str, ...] = ()) -> dict[str, float]:
        """Where a token at ``node`` next meets a node that stays (through decisions, timers)."""
        if node not in transparent:
            return {group(node): 1.0}
        if node in memo:
            return memo[node]
        if node in stack:
            raise ValueError(f"model {model.name!r}: a loop of decisions and timers at {node!r}")
        out: dict[str, float] = {}
        for target, weight in _weights(model, node):
            for g, p in reach(target, (*stack, node)).items():
                out[g] = out.get(g, 0.0) + weight * p
        memo[node] = out
        return out

    members = {a: [s for s in g if s not in timers] for a, g in groups.items()}
    members = {a: names for a, names in members.items() if names}

    # the view's other nodes
    new = _NewDecisions(model, {*members, *model.parallels, *model.joins, *model.ends})

    steps: dict[str, Step] = {}
    for activity, names in members.items():
        weight = np.array([visits[n] for n in names])
        if weight.sum() <= _EPS:
            weight = np.ones(len(names))
        dist: dict[str, float] = {}
        for n, wn in zip(names, weight / weight.sum(), strict=True):
            for g, p in reach(model.steps[n].next).items():
                dist[g] = dist.get(g, 0.0) + wn * p
        main = model.steps[names[int(np.argmax(weight))]]
        nxt = new.lead_to(f"after:{activity}", dist, after=f"after:{activity}")
        prov = dict(main.provenance or {})
        if len(groups[activity]) > 1 or activity not in model.steps:
            prov["merged_steps"] = sorted(groups[activity])
        prov["visits_per_case"] = round(float(sum(visits[n] for n in names)), 4)
        steps[activity] = dataclasses.replace(main, name=activity, next=nxt, provenance=prov)

    entries: dict[str, str] = {}

    def entry(node: str) -> str:
        """A structural reference (start, block branch, block exit) in the view."""
        if node not in transparent:
            return group(node)
        if node not in entries:
            entries[node] = new.lead_to(node, reach(node), after=node)
        return entries[node]

    parallels = {
        p.name: dataclasses.replace(
            p, branches=tuple(entry(b) for b in p.branches), next=entry(p.next)
        )
        for p in model.parallels.values()
    }
    start = entry(model.start)
    metadata = {
        "view": "activities",
        "merged_from": len(model.steps),
        "step_activity": {},
        "timer_steps": [],
    }
    return dataclasses.replace(
        model,
        start=start,
        steps=steps,
        decisions=new.decisions,
        parallels=parallels,
        metadata=metadata,
    )


def _pass_through(model: ProcessModel, transparent: set[str]) -> dict[str, dict[str, float]]:
    """For each node of ``transparent``: where a token there first meets a node outside it, and
    with what probability (an absorbing Markov chain, so loops through transparent nodes are
    fine). Every node reachable at all is listed, with probability 0 if only through branches of
    probability 0 (so that no end drops off the view)."""
    inner = sorted(transparent)
    idx = {n: i for i, n in enumerate(inner)}
    outer = sorted({t for n in inner for t, _w in _weights(model, n) if t not in transparent})
    odx = {n: i for i, n in enumerate(outer)}
    q = np.zeros((len(inner), len(inner)))
    r = np.zeros((len(inner), len(outer)))
    for n in inner:
        for t, w in _weights(model, n):
            if t in transparent:
                q[idx[n], idx[t]] += w
            else:
                r[idx[n], odx[t]] += w
    try:
        x = np.linalg.solve(np.eye(len(inner)) - q, r) if inner else r
    except np.linalg.LinAlgError as exc:
        raise ValueError(f"model {model.name!r}: cases can loop for ever") from exc
    out: dict[str, dict[str, float]] = {}
    for n in inner:  # reachability (branches of probability 0 included), breadth first
        seen, todo, found = {n}, [n], set()
        while todo:
            for t, _w in _weights(model, todo.pop()):
                if t not in transparent:
                    found.add(t)
                elif t not in seen:
                    seen.add(t)
                    todo.append(t)
        out[n] = {t: max(float(x[idx[n], odx[t]]), 0.0) for t in outer if t in found}
    return out


def most_visited_part(
    model: ProcessModel, max_steps: int, *, keep: Collection[str] = ()
) -> ProcessModel | None:
    """The model with only its ``max_steps`` most visited steps (``expected_visits``), for a
    map of a model too large to read; ``None`` when it has no more steps than that (or
    ``keep`` already names every step). Raises ``ValueError`` for routing it cannot summarise
    (cases that never leave a loop).

    The steps and decisions named in ``keep`` stay whatever their visits (a redesign's
    changes): they count towards ``max_steps`` and the most visited others fill the rest, so
    the view has ``max(max_steps, steps in keep)`` steps. A kept decision keeps its name, and
    its branches lead to where cases go next (``by_segment`` and ``requires`` are dropped; a
    way back to itself through left-out steps is folded into its other branches).

    A left-out step becomes transparent, like a decision: an arrow from a kept step leads to
    the kept nodes (steps, ends, parallel blocks) a case reaches next, through any left-out
    steps, with the probabilities the model implies (a new decision ``after:<step>`` when
    there are several). Kept steps, ends and blocks keep their names; the view is never
    simulated. ``metadata`` says how many steps were left out (``hidden_steps``), how many
    stayed because ``keep`` names them (``kept_steps``), and the visits per case of the least
    visited step kept for its visits (``min_visits_shown``) and of the most visited left-out
    step (``max_visits_hidden``).
    """
    if len(model.steps) <= max_steps:
        return None
    visits = expected_visits(model)
    order = {n: i for i, n in enumerate(model.steps)}
    forced = {n for n in keep if n in model.steps}
    ranked = sorted(model.steps, key=lambda n: (-visits[n], order[n]))
    by_visits = [n for n in ranked if n not in forced][: max(max_steps - len(forced), 0)]
    kept = forced | set(by_visits)
    hidden = [n for n in ranked if n not in kept]
    if not hidden:
        return None
    kept_decisions = [d for d in model.decisions if d in set(keep)]
    transparent = (set(model.decisions) - set(kept_decisions)) | set(hidden)
    through = _pass_through(model, transparent)
    new = _NewDecisions(
        model, {*kept, *kept_decisions, *model.parallels, *model.joins, *model.ends}
    )
    decisions = new.decisions

    def target(name: str, node: str) -> str:
        """``node`` if it is kept, else a kept node or a new decision ``name`` after it."""
        if node not in transparent:
            return node
        return new.lead_to(name, through[node], after=node)

    for d in kept_decisions:
        decisions[d] = _kept_decision(model.decisions[d], through, transparent)
    steps = {
        n: dataclasses.replace(st, next=target(f"after:{n}", st.next))
        for n, st in model.steps.items()
        if n in kept
    }
    parallels = {
        p.name: dataclasses.replace(
            p,
            branches=tuple(target(b, b) for b in p.branches),
            next=target(p.next, p.next),
        )
        for p in model.parallels.values()
    }
    start = target(model.start, model.start)
    metadata = {
        "view": "most_visited",
        "hidden_steps": len(hidden),
        "kept_steps": len(forced),
        "min_visits_shown": round(min(visits[n] for n in (by_visits or kept)), 4),
        "max_visits_hidden": round(visits[hidden[0]], 4),
    }
    return dataclasses.replace(
        model, start=start, steps=steps, decisions=decisions, parallels=parallels, metadata=metadata
    )


def _kept_decision(
    decision: Decision, through: Mapping[str, Mapping[str, float]], transparent: set[str]
) -> Decision:
    """``decision`` in a view: each branch to where its cases next meet a kept node (branches
    to one node add up), a way back to the decision itself folded into the others."""
    dist: dict[str, float] = {}
    for b in decision.branches:
        reached = through[b.to] if b.to in transparent else {b.to: 1.0}
        for node, p in reached.items():
            dist[node] = dist.get(node, 0.0) + b.probability * p
    dist.pop(decision.name, None)  # a loop back through left-out steps: leave as they would
    total = sum(dist.values())
    if not dist or total <= _EPS:
        raise ValueError(f"decision {decision.name!r}: cases never leave it")
    branches = tuple(Branch(to=k, probability=float(v / total)) for k, v in dist.items())
    return Decision(
        name=decision.name,
        branches=branches,
        description=decision.description,
        provenance=decision.provenance,
    )


__all__ = [
    "TARGET_UTILISATION",
    "RoleLoad",
    "ABSURD_LOAD",
    "MANY_CASES",
    "MOST_CASES",
    "PATIENCE_BOUNDS_QUEUE_HOURS",
    "absurd_arrivals",
    "activity_view",
    "capped_joint_hours_warning",
    "cases_per_week",
    "check_arrivals",
    "delay_timers",
    "expected_cases",
    "expected_visits",
    "impatient_overloads",
    "impatient_roles",
    "joint_calendar",
    "joint_hours_overloads",
    "joint_hours_warning",
    "most_visited_part",
    "off_shift_share",
    "off_shift_stretches",
    "off_shift_warned_roles",
    "offered_load",
    "overload_warning",
    "overloaded_roles",
    "pre_run_warnings",
    "relieved_roles",
    "segment_routing",
    "steps_by_activity",
    "suggest_staffing",
]
