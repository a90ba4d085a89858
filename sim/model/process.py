"""The process model as data: steps, decisions, parallel blocks, ends, staff, arrivals.

A model is a directed graph of named nodes. Cases enter at ``start`` and follow ``next`` links:

* a **step** is work done by zero (automated or a timer), one, or several roles at once; a
  one-role step may list ``alternatives``: other roles whose people may do it instead, each at
  its own pace: a ``share`` of the cases goes to each of them first, the rest to the step's own
  role, and when nobody of that role is free, the first person free of any of them takes it; a
  timer's duration runs from when the case reaches it, or (``measured_from: arrival``) from the
  case's arrival, a deadline; on the clock, or in working hours of a ``calendar``;
* a **decision** picks one branch at random with the given probabilities (a branch back to an
  earlier node is a rework loop; a branch to an end drops the case or closes it);
* a **parallel** block starts every branch at once (or, when ``probabilities`` are given, each
  branch independently with its probability: an inclusive gateway) and waits for them at ``join``
  before going on to ``next``;
* an **end** closes the case with a named outcome that counts as success or drop-off.

Clock times are hours. Durations in the model file are in ``time_unit`` and converted by the
engine. All objects are frozen; redesign operators build new ones with ``dataclasses.replace``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.model.calendar import WeeklyRate
from sim.model.distributions import Distribution

SCHEMA_VERSION = 1
TIME_UNITS = {"seconds": 1 / 3600, "minutes": 1 / 60, "hours": 1.0, "days": 24.0}
DEFAULT_SEGMENT = "default"
ABANDONED = "abandoned"  # outcome of a case whose patience ran out while waiting


@dataclass(frozen=True)
class Role:
    """A staff pool: ``headcount`` people who share a weekly ``calendar``."""

    name: str
    headcount: int
    calendar: str = "24/7"
    hourly_cost: float = 0.0
    members: tuple[str, ...] = ()  # names of the individuals (from a log); optional
    provenance: dict[str, Any] | None = None


@dataclass(frozen=True)
class Alternative:
    """Another role that may do a one-role step, with its own duration (working time).

    ``share``: the fraction of the step's cases that go to this role first (the rest go to the
    step's own role first); whoever a case goes to first, when nobody of that role is free the
    first person free of any of the step's roles takes it."""

    role: str
    duration: Distribution
    share: float = 0.0
    provenance: dict[str, Any] | None = None


@dataclass(frozen=True)
class Step:
    """A unit of work. ``roles`` empty = automated/system step or a timer delay."""

    name: str
    next: str
    duration: Distribution
    roles: tuple[str, ...] = ()
    cost: float = 0.0
    value_adding: bool = True
    mandatory: bool = False
    requires: tuple[str, ...] = ()
    patience: Distribution | None = None
    description: str = ""
    provenance: dict[str, Any] | None = None
    # "enabled": the duration runs from when the case reaches the step. "arrival" (timers only):
    # the step ends ``duration`` after the case arrived, at once if that moment has passed (an
    # auto-closure 30 days after a ticket was opened, an SLA deadline)
    measured_from: str = "enabled"
    # timers only: the duration is working time of this calendar ("2 business days"); staffed
    # steps work on their roles' calendars
    calendar: str | None = None
    # other roles that may take a one-role step, each at its own pace (see ``Alternative``)
    alternatives: tuple[Alternative, ...] = ()

    @property
    def all_roles(self) -> tuple[str, ...]:
        """The step's roles and then the roles of its alternatives."""
        return self.roles + tuple(a.role for a in self.alternatives)


@dataclass(frozen=True)
class Branch:
    """One way out of a decision."""

    to: str
    probability: float


@dataclass(frozen=True)
class Decision:
    """An exclusive choice; ``by_segment`` overrides the probabilities for some segments."""

    name: str
    branches: tuple[Branch, ...]
    requires: tuple[str, ...] = ()
    by_segment: dict[str, tuple[float, ...]] = field(default_factory=dict)
    description: str = ""
    provenance: dict[str, Any] | None = None

    def probabilities(self, segment: str | None = None) -> tuple[float, ...]:
        """Branch probabilities, in ``branches`` order, for a segment."""
        if segment is not None and segment in self.by_segment:
            return self.by_segment[segment]
        return tuple(b.probability for b in self.branches)


@dataclass(frozen=True)
class Parallel:
    """Split into ``branches`` that all meet at ``join``; then continue at ``next``."""

    name: str
    branches: tuple[str, ...]
    join: str
    next: str
    probabilities: tuple[float, ...] | None = None  # inclusive gateway: each branch independently
    description: str = ""


@dataclass(frozen=True)
class End:
    """A way a case finishes. ``value`` is revenue per case, optionally per segment."""

    name: str
    outcome: str
    success: bool
    value: float = 0.0
    value_by_segment: dict[str, float] = field(default_factory=dict)

    def value_for(self, segment: str) -> float:
        """The value of a case of ``segment`` ending here."""
        return self.value_by_segment.get(segment, self.value)


@dataclass(frozen=True)
class Segment:
    """A class of cases (key account, small business) with its share and treatment."""

    name: str
    share: float
    priority: int = 0  # lower is served first
    duration_scale: float = 1.0
    #: the scale of its timers (steps without roles); None: ``duration_scale``
    timer_scale: float | None = None

    @property
    def timers_scale(self) -> float:
        """The factor on the durations of the timers its cases go through."""
        return self.duration_scale if self.timer_scale is None else self.timer_scale


@dataclass(frozen=True)
class Arrivals:
    """How cases arrive: a renewal process in operational time, shaped by a weekly profile."""

    interarrival: Distribution
    profile: WeeklyRate | None = None
    segments: tuple[Segment, ...] = (Segment(DEFAULT_SEGMENT, 1.0),)

    @property
    def segment_names(self) -> tuple[str, ...]:
        """Names of the case segments."""
        return tuple(s.name for s in self.segments)


@dataclass(frozen=True)
class ProcessModel:
    """A complete, validated process model (build it with ``sim.model.from_dict``/``load``)."""

    name: str
    start: str
    arrivals: Arrivals
    roles: dict[str, Role]
    steps: dict[str, Step]
    ends: dict[str, End]
    decisions: dict[str, Decision] = field(default_factory=dict)
    parallels: dict[str, Parallel] = field(default_factory=dict)
    calendars: dict[str, WeeklyRate] = field(default_factory=dict)
    handoff_delay: Distribution | None = None
    time_unit: str = "hours"
    start_date: str = "2026-01-05T00:00:00"  # a Monday: clock 0 of every run
    description: str = ""
    schema_version: int = SCHEMA_VERSION
    metadata: dict[str, Any] = field(default_factory=dict)

    # ---------------------------------------------------------------------------- navigation
    @property
    def joins(self) -> dict[str, Parallel]:
        """Join node name -> its parallel block."""
        return {p.join: p for p in self.parallels.values()}

    def node_kind(self, name: str) -> str:
        """``step``, ``decision``, ``parallel``, ``join`` or ``end`` (KeyError if unknown)."""
        if name in self.steps:
            return "step"
        if name in self.decisions:
            return "decision"
        if name in self.parallels:
            return "parallel"
        if name in self.ends:
            return "end"
        if name in self.joins:
            return "join"
        raise KeyError(name)

    def node_names(self) -> list[str]:
        """Every node name (steps, decisions, parallels, joins, ends)."""
        return [*self.steps, *self.decisions, *self.parallels, *self.joins, *self.ends]

    def successors(self, name: str) -> tuple[str, ...]:
        """The nodes a case can go to next from ``name``."""
        kind = self.node_kind(name)
        if kind == "step":
            return (self.steps[name].next,)
        if kind == "decision":
            return tuple(b.to for b in self.decisions[name].branches)
        if kind == "parallel":
            return self.parallels[name].branches
        if kind == "join":
            return (self.joins[name].next,)
        return ()

    def predecessors(self, name: str) -> tuple[str, ...]:
        """The nodes that can lead to ``name``."""
        return tuple(n for n in self.node_names() if name in self.successors(n))

    def calendar_of(self, role: str) -> WeeklyRate:
        """The weekly calendar of a role."""
        from sim.model.calendar import ALWAYS

        cal = self.roles[role].calendar
        return ALWAYS if cal == "24/7" else self.calendars[cal]

    @property
    def time_factor(self) -> float:
        """Hours per model time unit (durations in the file are multiplied by it)."""
        return TIME_UNITS[self.time_unit]
