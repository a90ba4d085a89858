"""One replication of a process model as a SimPy discrete-event simulation.

Each case is a SimPy process that walks the model's graph; each role is a pool of ``headcount``
people (``_Pool``: what SimPy's ``PriorityResource`` does, without an event for a request that
finds someone free). Time is in hours since the model's ``start_date``.

Semantics worth knowing (also in the README):

* **Calendars.** Everyone in a role works the role's weekly calendar. A case waits for the shift to
  open before it asks for a person. Work that reaches the end of a shift pauses and is resumed by
  the same person at the next shift: step durations are *working* time, like the processing times
  that calibration measures. A step that needs several roles runs only while all of them are on
  shift (the intersection of their calendars). Nobody takes a queued case whose work cannot
  start: a person who finishes at (or after) the end of their shift takes none, nor does one of
  a step of several roles while their shared hours are closed. The case stays queued, its
  patience running, and the opening serves the queue and the cases that came while it was
  closed in one order (priority, then first ready for the step: a case that waited outside
  the queue for the opening keeps its place; ``_Pool``). The end of a shift is found with
  rounding in mind (``_open_span``): a shift ending at 17:20 closes at 17:20 in every week.
* **Several people at once.** A step with several roles takes one person of each, in one global
  order of roles (so two such steps can never deadlock): scarcest first, by the chance that a
  case finds all the role's people busy (Erlang C of its headcount and the model's offered work,
  ``sim.engine.role_order``; then load per person, fewer people, name), holding each while
  waiting for the next. The held time is not in utilisation. A step that needs several people of one role collects them one case at a time
  (a per-role gate), so two cases can never each hold some of them and wait for the rest.
* **Alternatives.** A one-role step may name other roles that can take it at their own pace: a
  case goes to an alternative first with its ``share``, else to the own role; when nobody of
  that role is free, to the first free person of any of them; when nobody is, it queues with
  all of them at once (one event in several pools: the first release serves it, the other
  pools skip it as they skip a request patience withdrew). The hand-off delay is added when
  the role the case is sent to first did not do its previous staffed step.
* **Patience.** The patience clock starts when the case is ready for the step (after any hand-off
  delay) and stops when the (last) person is assigned. If it runs out first, the case leaves with
  the drop-off outcome ``abandoned`` at that step.
* **Hand-off delay.** Added before a staffed step when none of its roles did the case's previous
  staffed step. Automated steps do not count as a hand-off. After a parallel join, the previous
  step is the one that finished last. Each step draws its hand-off delays from its own stream.
* **Priority.** Lower segment priority is served first among cases queueing for a role; it never
  interrupts work that has started.
* **Enabled time.** The moment the case reached the step, so a step's waiting (start - enabled)
  includes hand-off delay, closed shifts and queueing, as it does in a real event log.
  The trace also records when the case was ready for the step's people (``Trace.ev_ready``:
  after any hand-off delay, = enabled without one), where its queue for staff begins.
* **Timers.** A step without roles waits its duration from when the case reaches it, or, with
  ``measured_from="arrival"``, from the case's arrival (a deadline: at once if that moment has
  passed); on the clock, or in working hours of its ``calendar`` ("2 business days").
* **The stop.** Without drain (or when ``drain_days`` runs out) the run stops with cases under
  way: when arrivals stop (``drain_days`` after), at the horizon's end or where ``max_cases``
  stopped them (the instant the next case would have arrived, the window's end). The trace's
  events are the executed steps only; the steps cases were at then, queueing
  (or waiting for a shift or a hand-off) or in service, are recorded apart (``Trace.open_*``:
  when the case reached the step, when its work started, who does it). A case that gave up in
  one parallel branch while another was still under way is in progress at the stop, but its
  abandonment is recorded (``Trace.case_dropped_*``) as a drain would record it. A case whose
  patience runs out at the stop's very instant, at no other step, is abandoned there.
* **Arrivals.** A time change of the unscaled inter-arrival process by the rate profile x
  ``arrival_scale`` (``warmup_arrival_scale`` before the warm-up ends): a gap that spans a change
  of rate runs at each rate for its own part. ``max_cases`` that stops them after the warm-up
  ends the measurement window (``Trace.window``) where the next case would have arrived; one
  whose cases all arrived in the warm-up leaves the window empty (nothing measured).
"""

from __future__ import annotations

import bisect
import heapq
import math
import numbers
from collections import deque
from functools import partial
from itertools import chain

import numpy as np
import simpy

from sim.engine.role_order import role_order
from sim.errors import ConfigError, ModelError, did_you_mean
from sim.model.calendar import ROUNDING_HOURS, WeeklyRate, week_offset
from sim.model.process import ABANDONED, ProcessModel, Step
from sim.model.scenario import Scenario, ascii_key, name_of_ascii_key, typed_role_names
from sim.model.trace import IN_PROGRESS, Trace
from sim.model.validate import headcount_problem, validate
from sim.random import block_stream, stream

BLOCK = 256  # random draws per refill of a stream's buffer

STEP, DECISION, PARALLEL, JOIN, END = range(5)
NAN = float("nan")


def _Draws(dist, rng: np.random.Generator, factor: float):  # noqa: N802
    """Buffered draws of one named stream, as a C-level callable (a generator's ``__next__``).

    Blocks of ``BLOCK`` draws (block sampling keeps scipy's overhead off the loop), in the same
    order as before: the streams are unchanged.
    """

    def gen():
        while True:
            yield from (dist.sample(rng, BLOCK) * factor).tolist()

    return gen().__next__


def _Uniforms(rng: np.random.Generator):  # noqa: N802
    """Buffered U(0,1) draws of one named stream (a generator's ``__next__``)."""

    def gen():
        while True:
            yield from rng.random(BLOCK).tolist()

    return gen().__next__


CASE_BLOCK = 128  # cases per block of a per-case stream (``_PerCase``)


class _PerCase:
    """Draws of one named stream, one per case and visit: a case's k-th draw of the stream (its
    k-th visit to the step or decision) is the value at its number (``cid``, in arrival order)
    in the stream's k-th sequence, whichever order the cases ask in, so a change that reorders
    cases (more staff elsewhere) leaves each case's branches (rework loops included), patience,
    hand-offs and timers as they were (common random numbers per case, not per position in the
    stream; a staffed step's durations stay in order of its work, ``_in_order``). The values
    come in blocks of ``CASE_BLOCK`` cases, each from its own generator (``block_stream``;
    visit k > 1 of stream ``s`` is stream ``s #k``), made when a case of the block first asks.
    """

    __slots__ = ("blocks", "fill", "visits")

    def __init__(self, fill) -> None:
        self.blocks: dict[tuple[int, int], np.ndarray] = {}
        self.fill = fill  # (visit, block number) -> its CASE_BLOCK values
        self.visits: dict[int, int] = {}  # case -> draws it has taken

    def __call__(self, cid: int) -> float:
        visits = self.visits
        v = visits.get(cid, 0)
        visits[cid] = v + 1
        b, i = divmod(cid, CASE_BLOCK)
        key = (v, b)
        block = self.blocks.get(key)
        if block is None:
            block = self.blocks[key] = self.fill(v, b)
        return block.item(i)


def _visit_name(name: str, visit: int) -> str:
    """The stream of a case's visit ``visit`` (0: the first) to stream ``name``."""
    return name if visit == 0 else f"{name} #{visit + 1}"


def _in_order(dist, rng: np.random.Generator, factor: float):
    """Draws of ``dist`` in the order asked (``_Draws``): the durations of a staffed step. The
    k-th piece of work started at the step then takes the same time in two scenarios, which
    keeps its people's workload, and so their queue, in step between them: on a two-station
    line over 3.5 days with a second clerk at the first station, paired differences of mean
    cycle time varied less this way than with per-case durations (sd 1.51 h against 2.04 h,
    200 replications; ``experiments/benchmarks/crn_pairing.py``). What decides a case's fate or
    its own delay (branches, patience, hand-offs, timers) is drawn per case (``_PerCase``)."""
    return _Draws(dist, rng, factor)


def _case_draws(dist, seed: int, replication: int, name: str, factor: float) -> _PerCase:
    """Per-case draws of ``dist`` for stream ``name`` (see ``_PerCase``)."""

    def fill(visit: int, b: int) -> np.ndarray:
        rng = block_stream(seed, replication, _visit_name(name, visit), b)
        return dist.sample(rng, CASE_BLOCK) * factor

    return _PerCase(fill)


def _case_uniforms(seed: int, replication: int, name: str) -> _PerCase:
    """Per-case U(0,1) draws for stream ``name`` (see ``_PerCase``)."""

    def fill(visit: int, b: int) -> np.ndarray:
        return block_stream(seed, replication, _visit_name(name, visit), b).random(CASE_BLOCK)

    return _PerCase(fill)


class _Grant(simpy.Event):
    """A request's event. A release that starts the work itself triggers it with
    ``serve_after`` when that work will end, so the case sleeps through its wait and its work on
    this one event (what ``simpy.Timeout`` does when it is created)."""

    def serve_after(self, delay: float, value: tuple) -> None:
        """Trigger in ``delay`` hours with ``value``."""
        self._ok = True
        self._value = value
        self.env.schedule(self, delay=delay)


_OPEN_TOLERANCE = 1e-7  # hours: a shift opening this close to now is open now
# SimPy orders the events of one instant by priority (URGENT 0, NORMAL 1), then as scheduled: a
# pool's drain runs after every other event of its instant (``_Pool.wake``)
_AFTER_THE_INSTANT = simpy.core.NORMAL + 1


def _open_span(cal: WeeklyRate, week_t: float) -> tuple[float, float]:
    """``cal.open_span(week_t)`` (week time), with the last instant of an open piece (up to
    ``ROUNDING_HOURS``) counted as closed: work that ends at closing time ends there, a hair
    early or late, and nothing starts then. So at that instant, the next open piece:
    ``(week_t, its end)`` when the shift goes on in it (across the week's wrap), else ``(its
    opening, its end)``.

    ``open_span`` reduces ``week_t`` modulo the week, and past the first week the remainder of
    a closing time that is not a binary fraction of an hour (17:20) can fall a few ulps before
    the piece's end: asked at the end itself, the piece that just closed read as open (QA
    engineprop19 #1). The next piece is therefore looked up ``ROUNDING_HOURS`` past the end."""
    opens, closes = cal.open_span(week_t)
    if opens > week_t or closes - week_t > ROUNDING_HOURS:
        return opens, closes
    opens, nxt = cal.open_span(closes + ROUNDING_HOURS)
    if opens - closes <= _OPEN_TOLERANCE:  # the shift goes on in the next piece
        return week_t, nxt
    return opens, nxt


def _closed_until(cal: WeeklyRate, now: float, offset: float) -> float | None:
    """None while calendar ``cal`` is open at clock time ``now``, else when it next opens
    (clock time). Its last instant (up to a rounding error) counts as closed (``_open_span``)."""
    week_now = now + offset
    opens = _open_span(cal, week_now)[0]
    return None if opens - week_now <= _OPEN_TOLERANCE else opens - offset


class _Pool:
    """The people of one role: a count of busy ones and a queue of waiting requests.

    What the engine needs of ``simpy.Resource``/``PriorityResource`` without their events: a
    request that finds someone free is granted on the spot (the fast path takes the person
    without an event at all), and a release hands the person straight to the first request in
    the queue (lowest priority value first, then first come), as SimPy does. A request may carry
    a ``job`` ``(serve, plan, scale, slot)``: the release then starts that work at once
    (``serve(plan, scale, slot)`` -> ``(delay, value)``) and wakes the case when it is done.
    Requests that patience withdrew stay in the heap, already triggered, and are skipped on
    release. First come means first ready: a request is ordered by ``since``, when its case
    became ready to queue here (after any hand-off delay, before any wait outside the queue
    for the shift to open), then as queued. Without calendars every request is queued when
    it is ready, and that is the order SimPy keeps; with them, a case of the role's own step
    that waited outside the queue for the opening keeps its place ahead of a case of a step
    the role is an alternative for that came later and queued at once (QA engineprop19 #2).

    Nobody takes a request whose work cannot start: with the role's ``calendar``, a person off
    shift takes none (one who finishes at or after the end of their shift goes free), and a
    request of a step of several roles carries the hours they share (``shared``), closed while
    one of them is off shift, and waits for them while its people take the requests behind it.
    The queue waits, its patience running, and ``_drain`` serves it at the opening in priority
    and arrival order together with the cases that became ready while it was closed. Before,
    the first queued case was tied to that person until the opening: an idle alternative role
    on shift never got it, a better class that came overnight was served after it and its
    patience stopped (QA calendars19). People are then free while requests queue: a new
    request queues behind them (``free_now``), and a drain is due (``wake``).
    """

    __slots__ = ("env", "capacity", "busy", "queue", "_seq", "calendar", "offset", "_wake")

    def __init__(
        self,
        env: simpy.Environment,
        capacity: int,
        calendar: WeeklyRate | None = None,
        offset: float = 0.0,
    ) -> None:
        self.env = env
        self.capacity = capacity
        self.busy = 0
        # heap of (priority, since, seq, event, job or None, shared hours or None)
        self.queue: list[tuple] = []
        self._seq = 0
        self.calendar = calendar  # the people's shifts (None: around the clock)
        self.offset = offset  # week time of the run's clock 0
        self._wake: tuple[float, simpy.Event] | None = None  # the next _drain due

    def free_now(self) -> bool:
        """Whether a request now would get a person on the spot: somebody is free and nobody
        queues (people free while others queue are off shift, wait for the hours of a step
        of several roles, or wait for a ``_drain`` at this very instant). The caller knows the
        shift is open."""
        return self.busy < self.capacity and not self.queue

    def off_shift(self) -> float | None:
        """None while the people are on shift, else when their shift next opens (clock time;
        ``_closed_until``)."""
        cal = self.calendar
        return None if cal is None else _closed_until(cal, self.env.now, self.offset)

    def request(
        self,
        priority: float = 0,
        job: tuple | None = None,
        shared: WeeklyRate | None = None,
        since: float | None = None,
    ) -> _Grant:
        """An event that succeeds when a person is assigned: already triggered if one is free,
        nobody queues and the work can start (on shift; within ``shared``, the hours the roles
        of a step of several roles share), else queued in ``(priority, since)`` order (``since``:
        when the case became ready for this queue; None: now) (with a ``job``, only call this
        when ``free_now()`` is false)."""
        ev = _Grant(self.env)
        if (
            self.busy < self.capacity
            and not self.queue
            and (self.calendar is None or self.off_shift() is None)
            and (shared is None or _closed_until(shared, self.env.now, self.offset) is None)
        ):
            self.busy += 1
            ev.succeed()
        else:
            self.enqueue(ev, priority, job, shared, since)
        return ev

    def enqueue(
        self,
        ev: _Grant,
        priority: float,
        job: tuple | None,
        shared: WeeklyRate | None = None,
        since: float | None = None,
    ) -> None:
        """Queue a request (also one that waits in several pools at once: the first of them to
        serve it does, and the others skip it, as a withdrawn one), by priority, then ``since``
        (when the case became ready for this queue; None: now), then as queued. With somebody
        free (off shift, or others queue for a drain now), a ``_drain`` serves it when it can
        start."""
        self._seq += 1
        entry = (priority, self.env.now if since is None else since, self._seq, ev, job, shared)
        heapq.heappush(self.queue, entry)
        if self.busy < self.capacity:
            opens = self.off_shift()
            self.wake(self.env.now if opens is None else opens)

    def release(self) -> None:
        """A person is done: give them to the first live request that can start, or count them
        free (off shift: free until the shift opens, when ``_drain`` serves the queue)."""
        queue = self.queue
        if queue and self.calendar is not None:
            opens = self.off_shift()
            if opens is not None:
                self.busy -= 1
                self.wake(opens)
                return
        if not (queue and self._hand_on()):
            self.busy -= 1

    def _hand_on(self) -> bool:
        """Serve the first live request in queue order whose work can start now (a person
        counted busy is theirs): False when there is none. Those of a step of several roles
        whose shared hours are closed stay queued, and a ``_drain`` is due when they open."""
        queue = self.queue
        later = None  # requests waiting for their step's shared hours
        first = math.inf  # the earliest opening of those hours
        served = False
        while queue:
            entry = heapq.heappop(queue)
            ev = entry[3]
            if ev.triggered:  # withdrawn (patience ran out) or served by another pool
                continue
            shared = entry[5]
            if shared is not None:
                opens = _closed_until(shared, self.env.now, self.offset)
                if opens is not None:
                    if later is None:
                        later = []
                    later.append(entry)
                    first = min(first, opens)
                    continue
            job = entry[4]
            if job is None:
                ev.succeed()
            else:
                serve, plan, scale, slot = job
                ev.serve_after(*serve(plan, scale, slot))
            served = True
            break
        if later is not None:
            for entry in later:
                heapq.heappush(queue, entry)
            self.wake(first)
        return served

    def wake(self, at: float) -> None:
        """Have ``_drain`` serve the queue at clock time ``at`` (>= now), after everything
        else that happens at that instant: the cases that wake for a shift opening ask first
        (in priority order, ``Replication._walk``) and queue, and the drain then serves all of
        them in one order. Nothing new when a drain is due by then (it serves, or waits for
        the opening itself)."""
        if self._wake is not None and self._wake[0] <= at:
            return
        env = self.env
        ev = simpy.Event(env)
        ev.callbacks.append(self._drain)
        ev._ok = True
        ev._value = None
        env.schedule(ev, _AFTER_THE_INSTANT, max(at - env.now, 0.0))
        self._wake = (at, ev)

    def _drain(self, ev: simpy.Event) -> None:
        """Serve live requests in queue order while people are free and on shift (off shift:
        again at the opening)."""
        if self._wake is not None and self._wake[1] is ev:
            self._wake = None
        opens = self.off_shift()
        if opens is not None:
            self.wake(opens)
            return
        while self.queue and self.busy < self.capacity:
            self.busy += 1
            if not self._hand_on():
                self.busy -= 1
                return


_EXPIRED = object()  # value of a request withdrawn when the case's patience ran out


def _expire(req, _timeout) -> None:
    """Patience ran out: withdraw the request and wake its case (no Condition event)."""
    if not req.triggered:
        req.succeed(_EXPIRED)  # _Pool.release skips it


class _StepPlan:
    __slots__ = (
        "idx",
        "next",
        "draw",
        "roles",
        "roleset",
        "resources",
        "gates",
        "free",
        "calendar",
        "shared",
        "patience",
        "single",
        "free1",
        "from_arrival",
        "timer_cal",
        "handoff",
        "alts",
        "alt_of",
        "alt_cum",
        "alt_draw",
    )


class Replication:
    """Build the SimPy model for one replication; ``run()`` returns its ``Trace``."""

    def __init__(
        self, model: ProcessModel, scenario: Scenario, *, seed: int, replication: int = 0
    ) -> None:
        self.model = model
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        env = self.env = simpy.Environment()
        factor = model.time_factor
        self.offset = week_offset(model.start_date)

        # --- staff
        for role in scenario.staffing:
            if role not in model.roles:
                typed = {  # a name typed in other letters reaches here as its ascii_key
                    r: t for r, t in typed_role_names(model.roles).items() if t != ascii_key(r)
                }
                spelled = "; ".join(f"type {r!r} as {t}" for r, t in sorted(typed.items()))
                raise ConfigError(
                    f"scenario.staffing.{name_of_ascii_key(role)}: unknown role"
                    f"{did_you_mean(name_of_ascii_key(role), model.roles)}; valid roles are "
                    f"{sorted(model.roles)}"
                    + (f" ({spelled}: the command line reads ASCII letters only)" if typed else "")
                )
        segments = model.arrivals.segments
        self.resources: dict[str, _Pool] = {}
        self.free: dict[str, deque[int]] = {}
        res_names: list[str] = []
        res_roles: list[str] = []
        used_roles = {r for s in model.steps.values() for r in s.roles}
        for role_name, role in model.roles.items():
            n = scenario.staffing.get(role_name, role.headcount)
            # before a name is made for each person: a billion of them would fill memory
            wrong = headcount_problem(
                f"scenario.staffing.{role_name}"
                if role_name in scenario.staffing
                else f"roles.{role_name}.headcount",
                n,
            )
            if wrong:
                raise ConfigError(wrong)
            if role_name in used_roles and n < 1:
                raise ConfigError(
                    f"scenario.staffing.{role_name}: the role does steps, so it needs at least "
                    f"1 person, got {n}"
                )
            ids = []
            for k in range(n):
                ids.append(len(res_names))
                res_names.append(
                    role.members[k] if k < len(role.members) else f"{role_name}_{k + 1}"
                )
                res_roles.append(role_name)
            self.free[role_name] = deque(ids)
            if n > 0:
                # the role's shifts: its people take no queued case while off shift (_Pool)
                cal = model.calendar_of(role_name)
                self.resources[role_name] = _Pool(
                    env, n, None if cal.is_constant else cal, self.offset
                )
        self.res_names = tuple(res_names)
        self.res_roles = tuple(res_roles)
        # A step needing several roles takes them scarcest first by the model's load (not by
        # headcount and name: QA fuzz14), holding each while it waits for the next: the wait
        # for a less scarce role is short, so little is held idle. Only such a step needs it.
        self.role_order = (
            role_order(model, scenario.staffing)
            if any(len(set(s.roles)) > 1 for s in model.steps.values())
            else list(model.roles)
        )
        self.gates: dict[str, _Pool] = {}  # per role, for steps needing several of it

        # --- nodes
        names = model.node_names()
        self.node_index = {n: i for i, n in enumerate(names)}
        self.kind = [0] * len(names)
        self.activities = tuple(model.steps)
        act_index = {n: i for i, n in enumerate(self.activities)}
        self.plans: list[_StepPlan | None] = [None] * len(names)
        self.decision_cum: list[list[list[float]] | None] = [None] * len(names)
        self.decision_targets: list[list[int] | None] = [None] * len(names)
        self.decision_draw: list[_PerCase | None] = [None] * len(names)
        self.parallel_info: list[tuple | None] = [None] * len(names)
        self.end_outcome = [0] * len(names)

        outcomes = list(dict.fromkeys(e.outcome for e in model.ends.values()))
        success = {e.outcome: e.success for e in model.ends.values()}
        if ABANDONED not in outcomes and any(s.patience is not None for s in model.steps.values()):
            outcomes.append(ABANDONED)
            success[ABANDONED] = False
        self.outcomes = tuple(outcomes)
        self.outcome_success = tuple(success[o] for o in outcomes)
        self.abandon_code = outcomes.index(ABANDONED) if ABANDONED in outcomes else -1
        seg_names = [s.name for s in segments]
        self.end_value: list[list[float]] = [[0.0] * len(seg_names) for _ in names]

        cal_cache: dict[tuple[str, ...], WeeklyRate | None] = {}
        for name in names:
            i = self.node_index[name]
            kind = model.node_kind(name)
            if kind == "step":
                s = model.steps[name]
                plan = _StepPlan()
                plan.idx = act_index[name]
                plan.next = self.node_index[s.next]
                # a staffed step's work in the order it starts, a timer's per case (_PerCase)
                plan.draw = (
                    _in_order(s.duration, stream(seed, replication, f"duration:{name}"), factor)
                    if s.roles
                    else _case_draws(s.duration, seed, replication, f"duration:{name}", factor)
                )
                roles = tuple(sorted(s.roles, key=self.role_order.index))
                plan.roles = roles
                plan.roleset = frozenset(roles)
                plan.from_arrival = s.measured_from == "arrival"
                tc = (
                    None if s.roles or s.calendar in (None, "24/7") else model.calendars[s.calendar]
                )
                plan.timer_cal = None if tc is None or tc.is_constant else tc
                plan.resources = []
                plan.gates = {}  # position of a role's last person -> position of its gate
                for r in dict.fromkeys(roles):
                    k = roles.count(r)
                    if k > 1:
                        if r not in self.gates:
                            self.gates[r] = _Pool(env, 1)
                        plan.gates[len(plan.resources) + k] = len(plan.resources)
                        plan.resources.append(self.gates[r])
                    plan.resources.extend([self.resources[r]] * k)
                plan.free = [self.free[r] for r in roles]
                if roles not in cal_cache:
                    cal = None
                    for r in roles:
                        c = model.calendar_of(r)
                        cal = c if cal is None else cal.intersect(c)
                    cal_cache[roles] = None if cal is None or cal.is_constant else cal
                plan.calendar = cal_cache[roles]
                # the hours a step of several roles can run: its people wait for them queued
                plan.shared = plan.calendar if len(plan.roleset) > 1 else None
                plan.patience = (
                    None
                    if s.patience is None
                    else _case_draws(s.patience, seed, replication, f"patience:{name}", factor)
                )
                # a hand-off stream per step, like durations: a change elsewhere in the process
                # (a role's staffing) leaves this step's hand-off delays untouched (common
                # random numbers); one stream for the whole model let any change reorder them all
                plan.handoff = (
                    None
                    if model.handoff_delay is None or not roles
                    else _case_draws(
                        model.handoff_delay, seed, replication, f"handoff:{name}", factor
                    )
                )
                plan.alts = self._alternatives(s, plan, act_index[name], seed, replication)
                if plan.alts is not None:  # its people come from _any_of, which knows calendars
                    plan.calendar = None
                one = len(roles) == 1 and plan.patience is None and plan.alts is None
                plan.single = plan.resources[0] if one else None
                plan.free1 = plan.free[0] if one else None
                self.plans[i] = plan
                self.kind[i] = STEP
            elif kind == "decision":
                d = model.decisions[name]
                self.kind[i] = DECISION
                self.decision_targets[i] = [self.node_index[b.to] for b in d.branches]
                self.decision_cum[i] = [
                    list(np.cumsum(d.probabilities(seg))[:-1]) for seg in seg_names
                ]
                self.decision_draw[i] = _case_uniforms(seed, replication, f"decision:{name}")
            elif kind == "parallel":
                p = model.parallels[name]
                self.kind[i] = PARALLEL
                # one stream per branch: whether a case takes a branch is its own draw
                draws = (
                    None
                    if p.probabilities is None
                    else [
                        _case_uniforms(seed, replication, f"parallel:{name}:{b}")
                        for b in p.branches
                    ]
                )
                self.parallel_info[i] = (
                    [self.node_index[b] for b in p.branches],
                    self.node_index[p.join],
                    self.node_index[p.next],
                    p.probabilities,
                    draws,
                )
            elif kind == "join":
                self.kind[i] = JOIN
            else:
                e = model.ends[name]
                self.kind[i] = END
                self.end_outcome[i] = outcomes.index(e.outcome)
                self.end_value[i] = [e.value_for(sg) for sg in seg_names]

        self.segment_priority = [s.priority for s in segments]
        # rank of each segment's priority (0 = served first): cases that wake up together when a
        # shift opens ask for people in this order (see _walk)
        levels = sorted({s.priority for s in segments})
        self.segment_rank = [levels.index(s.priority) for s in segments]
        self.segment_scale = [s.duration_scale for s in segments]
        self.segment_timer_scale = [s.timers_scale for s in segments]
        self.segment_cum = list(np.cumsum([s.share for s in segments])[:-1])
        self.segment_draw = _Uniforms(stream(seed, replication, "segment"))
        self.interarrival = _Draws(
            model.arrivals.interarrival, stream(seed, replication, "arrivals"), factor
        )
        self.profile = model.arrivals.profile
        self.segment_names = tuple(seg_names)

        # --- records
        self.events: list[tuple] = []
        self.extra: list[tuple[int, int]] = []
        self.c_arrival: list[float] = []
        self.c_segment: list[int] = []
        self.c_end: list[float] = []
        self.c_outcome: list[int] = []
        self.c_dropped: list[int] = []
        self.c_value: list[float] = []
        # abandonments: case -> (activity index, when it reached the step, when it was ready
        # for its people (after any hand-off delay), when it left)
        self.left_queue: dict[int, tuple[int, float, float, float]] = {}
        # Where each walk is (a case's, and one per parallel branch: its ``slot``), for the steps
        # still under way when the run stops (``_open_steps``): the activity index of the step
        # it has reached and not finished (-1: at none), when it reached it, when its work
        # started (nan while it waits for its people) and who does it (a person, a list of them
        # for a several-person step; -1: nobody). Five list stores per step (fewer instructions
        # than a tuple per state, measured); read once, at the stop.
        self.at_case: list[int] = []
        self.at_step: list[int] = []
        self.at_enabled: list[float] = []
        self.at_start: list[float] = []
        self.at_who: list = []

    def _alternatives(
        self, step: Step, plan: _StepPlan, idx: int, seed: int, replication: int
    ) -> list[_StepPlan] | None:
        """One plan per role that may do a step with ``alternatives`` (its own role first, then
        the alternatives with people in this scenario), each with its role's pool, free people,
        calendar and duration stream; None when only the step's own role is left."""
        if not step.alternatives:
            return None
        model = self.model
        factor = model.time_factor
        choices = [(step.roles[0], step.duration, f"duration:{step.name}")]
        choices += [
            (a.role, a.duration, f"duration:{step.name}@{a.role}")
            for a in step.alternatives
            if a.role in self.resources
        ]
        if len(choices) == 1:
            return None
        alts = []
        for role, dist, key in choices:
            a = _StepPlan()
            a.idx = idx
            # the own role keeps the step's stream, so adding an alternative leaves its draws
            a.draw = (
                plan.draw
                if role == step.roles[0]
                else _in_order(dist, stream(seed, replication, key), factor)
            )
            cal = model.calendar_of(role)
            a.calendar = None if cal.is_constant else cal
            a.roles = (role,)
            a.roleset = frozenset(a.roles)
            a.single = self.resources[role]
            a.free1 = self.free[role]
            alts.append(a)
        plan.alt_of = {a.roles[0]: a for a in alts}
        # which role a case goes to first: the alternatives' shares, the rest to the own role
        shares = [a.share for a in step.alternatives if a.role in self.resources]
        plan.alt_cum = list(np.cumsum(shares)) if any(shares) else None
        plan.alt_draw = (
            _case_uniforms(seed, replication, f"alternative:{step.name}")
            if plan.alt_cum is not None
            else None
        )
        return alts

    # ------------------------------------------------------------------------------ processes
    def _arrivals(self):
        env = self.env
        scale = self.scenario.arrival_scale
        # a different volume during the warm-up (e.g. a back-test that scales only the measured
        # period to the held-out volume, so the backlog it starts with builds up as it really did)
        warm_scale = self.scenario.warmup_arrival_scale
        warm_end = self.scenario.warmup_hours if warm_scale is not None else 0.0
        end = self.scenario.arrivals_end_hours
        limit = self.scenario.max_cases
        profile = self.profile
        offset = self.offset
        # Arrivals are a time change of the unscaled process: its gaps add up to ``u`` and the
        # case arrives when the cumulative rate (profile x scale) reaches ``u``. So a gap that
        # spans the end of the warm-up runs at each rate for its own part (drawing the whole gap
        # at the warm-up rate could skip a short, busy measured period).
        c0 = profile.cumulative(offset) if profile is not None else 0.0
        if warm_scale is None or warm_end <= 0.0:
            warm_scale, warm_ops = scale, 0.0
        else:  # operational time (profile hours) in the warm-up
            warm_ops = (profile.cumulative(warm_end + offset) - c0) if profile else warm_end
        warm_u = warm_scale * warm_ops
        u = 0.0
        n = 0
        seg_cum = self.segment_cum
        draw_seg = self.segment_draw
        start = self.node_index[self.model.start]
        while True:
            u += self.interarrival()
            x = u / warm_scale if u <= warm_u else warm_ops + (u - warm_u) / scale
            t = x if profile is None else profile.inverse(x + c0) - offset
            # a gap of 0 while the profile is closed at the start (no arrivals yet this week):
            # the inverse finds the closed stretch's beginning, before the run's clock 0; the
            # case arrives when arrivals open, as every other does (a model's ``p_zero``)
            if t <= 0.0 and profile is not None and profile.rate_at(offset) == 0.0:
                t = profile.next_positive(offset) - offset
            t = max(t, env.now)
            if t >= end:
                break
            if limit is not None and n >= limit:
                self.capped_at = self._capped_window_end(t)
                break
            yield env.timeout(t - env.now)
            seg = bisect.bisect_right(seg_cum, draw_seg()) if seg_cum else 0
            self.c_arrival.append(env.now)  # the clock: t up to a rounding error
            self.c_segment.append(seg)
            self.c_end.append(np.nan)
            self.c_outcome.append(IN_PROGRESS)
            self.c_dropped.append(-1)
            self.c_value.append(0.0)
            self.open_cases += 1
            # the walk is the case's process (no wrapper generator to resume through); its
            # result is booked when the process ends
            proc = env.process(self._walk(n, seg, start, -1, None, self._slot(n)))
            proc.callbacks.append(partial(self._case_done, n))
            n += 1
        self.arrivals_done = True
        if self.open_cases == 0:
            self.all_done.succeed()
        if self.capped_at is not None:
            # the stop, or the drain's limit, counts from where the cap stopped the arrivals,
            # not from the horizon's end (QA rt27_engine F5: drain=false drained to the horizon)
            sc = self.scenario
            yield env.timeout(self.capped_at + sc.run_limit_hours - sc.arrivals_end_hours - env.now)
            self.cap_stop.succeed()

    def _capped_window_end(self, next_arrival: float) -> float:
        """Where the measurement window ends when ``scenario.max_cases`` stopped the arrivals
        before ``arrivals_end_hours``: the instant the next case would have arrived.

        The window then spans whole gaps between arrivals (cases over hours estimates the
        arrival rate without bias, where ending at the last arrival would leave its gap out),
        and ``[warm-up end, end)`` holds every capped case that arrived after the warm-up. The
        gap is one more draw of the ``arrivals`` stream, which nothing else reads, so no other
        draw moves. A gap of 0 (``p_zero``) would put that instant on the last arrival: the
        window then ends just after it, so that case is measured too."""
        last = self.c_arrival[-1]
        return max(next_arrival, math.nextafter(last, math.inf))

    def _case_done(self, cid: int, proc: simpy.Process) -> None:
        """A case's walk ended: book an abandonment, and notice when every case is done."""
        result = proc.value
        if isinstance(result, int):  # abandoned (the first queue it left, if in several)
            self.c_end[cid] = self.env.now
            self.c_outcome[cid] = self.abandon_code
            self.c_dropped[cid] = self.left_queue[cid][0]
        self.open_cases -= 1
        if self.open_cases == 0 and self.arrivals_done:
            self.all_done.succeed()  # drained: nothing left to simulate

    def _book_left_at_stop(self) -> None:
        """Book as abandoned the cases whose patience ran out at the stop's very instant and
        that are at no step: the stop took effect before their walks' ends (``_case_done``, a
        parallel block's join) were processed, so they were neither finished nor under way at
        an open step (QA engineprop19 #3). A case that gave up in one parallel branch while
        another is still at a step stays in progress."""
        under_way = {c for c, a in zip(self.at_case, self.at_step, strict=True) if a >= 0}
        for cid, (idx, _enabled, _ready, _left) in self.left_queue.items():
            if self.c_outcome[cid] == IN_PROGRESS and cid not in under_way:
                self.c_end[cid] = self.env.now
                self.c_outcome[cid] = self.abandon_code
                self.c_dropped[cid] = idx

    def _slot(self, cid: int) -> int:
        """A new walk of case ``cid`` (the case's own, or a parallel branch): its slot in
        the ``at_*`` records, at no step yet."""
        self.at_case.append(cid)
        self.at_step.append(-1)
        self.at_enabled.append(NAN)
        self.at_start.append(NAN)
        self.at_who.append(-1)
        return len(self.at_case) - 1

    def _leave(self, cid: int, slot: int, idx: int, enabled: float, ready: float) -> int:
        """The case's patience ran out in the queue of activity ``idx``: note when it reached
        the step, when it was ready for its people (after any hand-off delay) and when it left
        (its waiting there), and return ``idx``."""
        self.left_queue.setdefault(cid, (idx, enabled, ready, self.env.now))
        self.at_step[slot] = -1
        return idx

    def _walk(self, cid: int, seg: int, node: int, stop: int, last: frozenset | None, slot: int):
        """Walk from ``node`` until ``stop`` (a join) or an end; ``slot``: this walk's place in
        the ``at_*`` records (where it is, should the run stop).

        Returns ``(time, roles of the last staffed step)`` at the join, the activity index where
        the case abandoned (an int), or None when the case reached an end.
        """
        env = self.env
        kind = self.kind
        plans = self.plans
        events = self.events
        at_step = self.at_step
        at_enabled = self.at_enabled
        at_start = self.at_start
        at_who = self.at_who
        prio = self.segment_priority[seg]
        rank = self.segment_rank[seg]
        scale = self.segment_scale[seg]
        timer_scale = self.segment_timer_scale[seg]
        offset = self.offset
        while True:
            k = kind[node]
            if k == STEP:
                p = plans[node]
                enabled = now = env.now
                at_step[slot] = p.idx
                at_enabled[slot] = enabled
                if not p.roles:  # a timer is under way from when the case reaches it
                    at_start[slot] = enabled
                    at_who[slot] = -1
                    d = p.draw(cid) * timer_scale
                    if p.from_arrival or p.timer_cal is not None:
                        # a deadline counts from the case's arrival; a timer on a calendar
                        # counts working hours of it
                        base = self.c_arrival[cid] if p.from_arrival else now
                        tc = p.timer_cal
                        if tc is not None:
                            end = tc.inverse(tc.cumulative(base + offset) + d) - offset
                        else:
                            end = base + d
                        d = end - now
                    if d > 0:
                        yield env.timeout(d)
                    events.append((cid, p.idx, -1, enabled, enabled, enabled, env.now))
                    node = p.next
                    continue
                at_start[slot] = NAN  # waiting for its people
                # a step others may take: the role the case is sent to first decides the hand-off
                order = None if p.alts is None else self._first_choice(p, cid)
                hands = p.roleset if order is None else order[0].roleset
                if p.handoff is not None and last is not None and hands.isdisjoint(last):
                    h = p.handoff(cid)
                    if h > 0:
                        yield env.timeout(h)
                        now = env.now
                ready = now  # ready for its people: the queue for staff begins here
                cal = p.calendar
                deadline = None if p.patience is None else now + p.patience(cid)
                closes = None  # when the open piece of the calendar ends, if open now
                if cal is not None:
                    week_now = now + offset
                    opens, closes = _open_span(cal, week_now)
                    # compare in week time: (now + offset) - offset may differ from now by a
                    # rounding error, which would create a wait while the shift is open
                    if opens > week_now:
                        closes = None
                        opens -= offset
                        if deadline is not None and deadline < opens:
                            yield env.timeout(deadline - now)
                            return self._leave(cid, slot, p.idx, enabled, ready)
                        yield env.timeout(opens - now)
                        # Every case that waited for this opening wakes now, in arrival order;
                        # the first to ask would get a free person whatever its priority. Let
                        # better classes ask first: step back once per priority level above.
                        for _ in range(rank):
                            yield env.timeout(0)
                        now = env.now
                    elif cal.opens_at(week_now):
                        # The shift opens this instant, and the cases that waited for it wake
                        # now too, but their wake-ups were scheduled before this case came (a
                        # new process runs first): step back behind them, once more than they
                        # do, so the queue stays first come, first served within a priority.
                        for _ in range(rank + 1):
                            yield env.timeout(0)
                        now = env.now
                if p.alts is not None:  # the first person free of any of several roles
                    got = yield from self._any_of(
                        p, order, slot, prio, rank, scale, deadline, ready
                    )
                    if got is None:
                        return self._leave(cid, slot, p.idx, enabled, ready)
                    w, start, end, a = got
                    a.free1.append(w)
                    a.single.release()
                    events.append((cid, p.idx, w, enabled, ready, start, end))
                    last = a.roleset
                    node = p.next
                    continue
                asked = now
                single = p.single
                if single is not None:  # one person, no patience: no lists, no _release call
                    if single.busy < single.capacity and not single.queue:  # free: no event
                        single.busy += 1
                        w = p.free1.popleft()
                        start, end = self._times(p, scale, now, closes)
                        at_start[slot] = start
                        at_who[slot] = w
                        if end > now:
                            yield env.timeout(end - now)
                            # the clock's time, which the person is released at: now + (end -
                            # now) may miss end by a rounding error, and recording end would let
                            # the next case start before this one ended
                            end = env.now if env.now > start else start
                    else:  # the release that frees someone starts the work; wake when done
                        w, start, end = yield single.request(
                            prio, (self._serve, p, scale, slot), None, ready
                        )
                        end = env.now if env.now > start else start
                    p.free1.append(w)  # before the release, which may hand them on at once
                    single.release()
                else:
                    reqs = []
                    for j, res in enumerate(p.resources):
                        # the first role's queue from when the case was ready (it may have
                        # waited for the shared hours), the next ones' from now
                        req = res.request(prio, None, p.shared, ready if j == 0 else None)
                        if deadline is None:
                            if not req.triggered:
                                yield req
                        else:
                            wait = deadline - env.now
                            if not req.triggered:
                                if wait <= 0:
                                    req.succeed(_EXPIRED)  # withdrawn: _Pool.release skips it
                                    self._release(p, reqs, [])
                                    return self._leave(cid, slot, p.idx, enabled, ready)
                                env.timeout(wait).callbacks.append(partial(_expire, req))
                                if (yield req) is _EXPIRED:
                                    self._release(p, reqs, [])
                                    return self._leave(cid, slot, p.idx, enabled, ready)
                        reqs.append(req)
                        if (
                            p.gates and j in p.gates
                        ):  # has all its people of this role: open the gate
                            g = p.gates[j]
                            p.resources[g].release()
                            reqs[g] = None
                    who = [f.popleft() for f in p.free]
                    now = env.now
                    start, end = self._times(p, scale, now, closes if now == asked else None)
                    at_start[slot] = start
                    at_who[slot] = who
                    if end > now:
                        yield env.timeout(end - now)
                        end = env.now if env.now > start else start
                    self._release(p, reqs, who)
                    w = who[0]
                    if len(who) > 1:
                        ev = len(events)
                        self.extra.extend((ev, x) for x in who[1:])
                events.append((cid, p.idx, w, enabled, ready, start, end))
                last = p.roleset
                node = p.next
            elif k == DECISION:
                u = self.decision_draw[node](cid)
                node = self.decision_targets[node][
                    bisect.bisect_right(self.decision_cum[node][seg], u)
                ]
            elif k == PARALLEL:
                branches, join, nxt, probs, draws = self.parallel_info[node]
                if probs is not None:
                    chosen = [
                        b
                        for b, q, draw in zip(branches, probs, draws, strict=True)
                        if draw(cid) < q
                    ]
                    if not chosen:
                        chosen = [branches[int(np.argmax(probs))]]
                else:
                    chosen = branches
                at_step[slot] = -1  # the branches' walks are where the case is
                procs = [
                    env.process(self._walk(cid, seg, b, join, last, self._slot(cid)))
                    for b in chosen
                ]
                done = yield env.all_of(procs)
                results = [done[pr] for pr in procs]
                abandoned = [r for r in results if isinstance(r, int)]
                if abandoned:  # the case leaves once its other branches have finished
                    return abandoned[0]
                last = max(results, key=lambda r: r[0])[1]  # the branch that finished last
                node = nxt
            elif k == JOIN:
                if node == stop:
                    at_step[slot] = -1
                    return (env.now, last)
                raise RuntimeError("join reached outside its parallel block")  # validated away
            else:  # END
                at_step[slot] = -1
                self.c_end[cid] = env.now
                self.c_outcome[cid] = self.end_outcome[node]
                self.c_value[cid] = self.end_value[node][seg]
                return None

    def _first_choice(self, p: _StepPlan, cid: int) -> list[_StepPlan]:
        """The roles of step ``p`` (``p.alts``) in the order a case asks them: the one it is
        sent to first (by the alternatives' shares; else the own role), then the others."""
        order = p.alts
        if p.alt_cum is not None:
            k = bisect.bisect_right(p.alt_cum, p.alt_draw(cid)) + 1
            if k < len(order):
                order = [order[k], *order[:k], *order[k + 1 :]]
        return order

    def _any_of(
        self,
        p: _StepPlan,
        order: list[_StepPlan],
        slot: int,
        prio: float,
        rank: int,
        scale: float,
        deadline,
        ready: float,
    ):
        """Get step ``p`` done by the first person free of any of its roles, asked in ``order``
        (``_first_choice``). A role counts only while its shift is open; when nobody is free, the
        case queues with every role at once and the first release serves it (and a role whose
        shift opens later with somebody free takes it then). Returns ``(person, start, end,
        role's plan)`` once the work is done, or None when patience ran out."""
        env = self.env
        offset = self.offset
        first_look = True  # just came to the step (not woken for a shift)
        while True:
            now = env.now
            week_now = now + offset
            open_now = []  # (plan, end of its open piece)
            closed = []  # (plan, when it opens)
            opening = False  # a role's shift opens this instant
            for a in order:
                if a.calendar is None:
                    open_now.append((a, None))
                    continue
                opens, closes = _open_span(a.calendar, week_now)
                # a shift that opens within a rounding error of now is open (we may just have
                # woken for it: now + (opens - now) can miss opens)
                if opens - week_now > _OPEN_TOLERANCE:
                    closed.append((a, opens - offset))
                else:
                    open_now.append((a, closes))
                    opening = opening or (first_look and a.calendar.opens_at(week_now))
            if first_look and opening:
                # The cases that waited for this opening wake now too, but a case that came
                # this instant runs first and would take a free person ahead of them: step back
                # behind them, as _walk does (QA calendars19), and look again.
                for _ in range(rank + 1):
                    yield env.timeout(0)
                first_look = False
                continue
            first_look = False
            for a, closes in open_now:
                pool = a.single
                if pool.free_now():
                    pool.busy += 1
                    w = a.free1.popleft()
                    start, end = self._times(a, scale, now, closes)
                    self.at_start[slot] = start
                    self.at_who[slot] = w
                    if end > now:
                        yield env.timeout(end - now)
                        end = env.now if env.now > start else start
                    return w, start, end, a
            if open_now:
                break
            first = min(t for _, t in closed)  # every shift is closed: wait for the first
            if deadline is not None and deadline < first:
                yield env.timeout(deadline - now)
                return None
            yield env.timeout(first - now)
            for _ in range(rank):  # better classes ask first (see _walk)
                yield env.timeout(0)
        ev = _Grant(env)
        for a in p.alts:  # a role free off shift serves it when its shift opens (_Pool.wake)
            a.single.enqueue(ev, prio, (self._serve, a, scale, slot), None, ready)
        if deadline is not None:
            env.timeout(max(deadline - now, 0.0)).callbacks.append(partial(_expire, ev))
        got = yield ev
        if got is _EXPIRED:
            return None
        w, start, end = got
        return w, start, (env.now if env.now > start else start), p.alt_of[self.res_roles[w]]

    def _times(
        self, p: _StepPlan, scale: float, now: float, closes: float | None
    ) -> tuple[float, float]:
        """Start and end of the work of step ``p`` that gets its people at ``now`` (its
        duration the next of the step's draws in order: ``_in_order``).

        ``closes``: when the open piece of the step's calendar ends, if the caller already knows
        that it is open at ``now`` (None: look it up).
        """
        d = p.draw() * scale
        cal = p.calendar
        if cal is None:
            return now, now + d
        offset = self.offset
        start = now
        if closes is None:
            week_start = now + offset
            opens, closes = _open_span(cal, week_start)
            # compare in week time: (now + offset) - offset may differ from now by a rounding
            # error, which would create a wait while the shift is open
            if opens > week_start:
                start = opens - offset
        if start + offset + d < closes - ROUNDING_HOURS:  # done before the shift closes
            return start, start + d
        if d <= 0:
            return start, start
        # max(): inverse() is the earliest time with that cumulative value; for a duration below
        # float resolution that is the end of the previous shift
        return start, max(start, cal.inverse(cal.cumulative(start + offset) + d) - offset)

    def _serve(
        self, p: _StepPlan, scale: float, slot: int
    ) -> tuple[float, tuple[int, float, float]]:
        """Start a one-person step for a case that was queueing (its walk's ``slot``), at a
        release: its person, and the delay until it ends with ``(person, start, end)`` for the
        case to record."""
        now = self.env.now
        w = p.free1.popleft()
        start, end = self._times(p, scale, now, None)
        self.at_start[slot] = start
        self.at_who[slot] = w
        return max(end - now, 0.0), (w, start, end)

    @staticmethod
    def _release(p: _StepPlan, reqs: list, who: list[int]) -> None:
        # people back first: a release may hand one on to a queued one-person step at once
        for f, w in zip(p.free, who, strict=False):
            f.append(w)
        for res, req in zip(p.resources, reqs, strict=False):
            if req is not None:  # None: a gate already opened
                res.release()

    def _open_steps(self) -> dict[str, np.ndarray]:
        """The steps under way when the run stopped (``Trace.open_*``): every walk still at a
        step, in the order the walks began; none when every case finished."""
        slots = [s for s, a in enumerate(self.at_step) if a >= 0]
        res = []
        extra = []
        for row, s in enumerate(slots):
            # who is busy with it (at_who may still name the walk's previous step's people
            # while it waits for this one's)
            who = -1 if math.isnan(self.at_start[s]) else self.at_who[s]
            if isinstance(who, list):  # several people: the first, and the others as extras
                res.append(who[0])
                extra.extend((row, x) for x in who[1:])
            else:
                res.append(who)
        return {
            "open_case": np.array([self.at_case[s] for s in slots], dtype=np.int64),
            "open_activity": np.array([self.at_step[s] for s in slots], dtype=np.int64),
            "open_resource": np.array(res, dtype=np.int64),
            "open_enabled": np.array([self.at_enabled[s] for s in slots], dtype=float),
            "open_start": np.array([self.at_start[s] for s in slots], dtype=float),
            "open_extra": np.array(extra, dtype=np.int64).reshape(-1, 2),
        }

    # ------------------------------------------------------------------------------------ run
    def run(self) -> Trace:
        """Run the replication and return its trace."""
        sc = self.scenario
        env = self.env
        self.open_cases = 0
        self.arrivals_done = False
        self.capped_at: float | None = None  # set when scenario.max_cases stops the arrivals
        self.all_done = env.event()
        # the limit counted from a scenario.max_cases stop (``_arrivals``); never triggered,
        # and no event scheduled, in a run the cap does not stop
        self.cap_stop = env.event()
        env.process(self._arrivals())
        # stop at the limit, or earlier once arrivals have stopped and every case has finished
        limit = env.timeout(sc.run_limit_hours)
        env.run(until=env.any_of([self.all_done, limit, self.cap_stop]))
        self._book_left_at_stop()
        ev = self.events
        n = len(ev)
        cols = np.fromiter(chain.from_iterable(ev), dtype=float, count=7 * n).reshape(n, 7)
        extra = np.array(self.extra, dtype=np.int64).reshape(-1, 2)
        waited = np.full((len(self.c_arrival), 3), np.nan)
        dropped = list(self.c_dropped)
        for cid, (idx, enabled, ready, left) in self.left_queue.items():
            waited[cid] = enabled, ready, left
            # a case that gave up in one parallel branch while another was still under way at
            # the stop has not ended, but it left that queue: where, as if it had drained
            dropped[cid] = idx
        open_steps = self._open_steps()
        return Trace(
            activities=self.activities,
            resources=self.res_names,
            resource_roles=self.res_roles,
            outcomes=self.outcomes,
            outcome_success=self.outcome_success,
            segments=self.segment_names,
            ev_case=cols[:, 0].astype(np.int64),
            ev_activity=cols[:, 1].astype(np.int64),
            ev_resource=cols[:, 2].astype(np.int64),
            ev_enabled=cols[:, 3].copy(),
            ev_ready=cols[:, 4].copy(),
            ev_start=cols[:, 5].copy(),
            ev_end=cols[:, 6].copy(),
            ev_extra=extra,
            case_arrival=np.array(self.c_arrival, dtype=float),
            case_end=np.array(self.c_end, dtype=float),
            case_outcome=np.array(self.c_outcome, dtype=np.int64),
            case_segment=np.array(self.c_segment, dtype=np.int64),
            case_dropped_at=np.array(dropped, dtype=np.int64),
            case_dropped_enabled=waited[:, 0].copy(),
            case_dropped_ready=waited[:, 1].copy(),
            case_dropped_left=waited[:, 2].copy(),
            case_value=np.array(self.c_value, dtype=float),
            **open_steps,
            window=self._window(),
            run_end=float(self.env.now),
            start_date=self.model.start_date,
            meta={
                "model": self.model.name,
                "seed": self.seed,
                "replication": self.replication,
                "staffing": {r: self.res_roles.count(r) for r in self.model.roles},
            },
        )

    def _window(self) -> tuple[float, float]:
        """The measurement window: from the warm-up's end until arrivals stop, at
        ``arrivals_end_hours`` or where ``scenario.max_cases`` stopped them. A cap whose cases
        all arrived in the warm-up leaves an empty window, ``(warm-up end, warm-up end)``: the
        replication measured nothing (``Trace.measured``), and its KPIs are missing, not 0
        (QA rt_engine F1: such replications' zeros halved the throughput and utilisation of
        the others)."""
        sc = self.scenario
        lo, hi = sc.warmup_hours, sc.arrivals_end_hours
        if self.capped_at is not None:
            hi = min(hi, self.capped_at) if self.c_arrival[-1] >= lo else lo
        return (lo, hi)


def check_count(key: str, value: object, *, low: int = 0) -> None:
    """Raise ``ConfigError`` naming ``key`` unless ``value`` is an integer >= ``low`` (a numpy
    integer is one; ``True`` is not)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ConfigError(f"{key}: expected an integer >= {low}, got {value!r}")


def check_run(model: ProcessModel, scenario: Scenario, *, seed: int = 0) -> None:
    """Raise a ``SimError`` naming what is wrong for a run ``run_replication`` cannot make,
    before the engine trips over it deep inside: ``model`` not a ``ProcessModel``, or one that
    does not pass ``validate`` (``ModelError`` listing every problem: a model built or edited in
    code is not checked on the way in as a model file is; a headcount not an integer),
    ``scenario`` not a ``Scenario``, or a ``seed`` not an integer >= 0 (``ConfigError``)."""
    if not isinstance(model, ProcessModel):
        raise ModelError(
            f"model: expected a ProcessModel (sim.model.load reads one from a file), "
            f"got {type(model).__name__} {model!r:.80}"
        )
    for name, role in model.roles.items():  # before validate, whose checks compare numbers
        h = role.headcount
        if isinstance(h, bool) or not isinstance(h, numbers.Integral):
            raise ModelError(
                f"model {model.name!r}: roles.{name}.headcount: expected an integer >= 0 "
                f"(a number of people), got {h!r}"
            )
    validate(model, source=f"model {model.name!r}")
    if not isinstance(scenario, Scenario):
        raise ConfigError(
            "scenario: expected a Scenario (Scenario.from_dict builds one from a mapping), "
            f"got {type(scenario).__name__} {scenario!r:.80}"
        )
    check_count("seed", seed)
    check_staffing(model, scenario)


def check_staffing(model: ProcessModel, scenario: Scenario) -> None:
    """Raise ``ConfigError`` for a ``scenario.staffing`` that gives a role fewer people than a
    step needs of it at once: no case could ever start that step (the run would go on with
    every case stuck there, not fail)."""
    for step in model.steps.values():
        for role in dict.fromkeys(step.roles):
            need = step.roles.count(role)
            n = scenario.staffing.get(role)
            if need > 1 and n is not None and n < need:
                raise ConfigError(
                    f"scenario.staffing.{role}: step '{step.name}' needs {need} {role} at once, "
                    f"got {n}; give the role at least {need} people"
                )


def run_replication(
    model: ProcessModel, scenario: Scenario | None = None, *, seed: int = 0, replication: int = 0
) -> Trace:
    """Simulate one replication of ``model`` and return its trace. The arguments are checked
    first (``check_run``: an invalid model raises ``ModelError`` listing its problems)."""
    scenario = Scenario() if scenario is None else scenario
    check_run(model, scenario, seed=seed)
    check_count("replication", replication)
    return Replication(model, scenario, seed=seed, replication=replication).run()
