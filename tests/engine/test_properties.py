"""Properties of the engine on small random valid models (hypothesis).

The models come from tests/model/model_strategies.py: chains of steps, decisions that drop cases,
rework loops, parallel blocks (some inclusive), several roles with random headcounts and
calendars, multi-person steps (also two people of one role), steps another role may take
(alternatives), patience, hand-off delays, weekly
arrival profiles and prioritised segments, random start dates.
"""

from __future__ import annotations

import dataclasses
import heapq

import numpy as np
from engine_testkit import build, ci95, expo, fixed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_strategies import models

from sim.engine import run_replication, run_replications
from sim.model import load
from sim.model.calendar import week_offset
from sim.model.scenario import Scenario
from sim.model.trace import IN_PROGRESS, Trace

PROPS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Few cases, but a drain long enough for every one of them to finish (simulated time is free):
# a case still open at the end would be a lost or deadlocked case.
SCENARIO = Scenario(warmup_days=0, horizon_days=4, max_cases=40, drain_days=365)
seeds = st.integers(0, 2**32 - 1)


def trace_arrays(t: Trace) -> dict[str, object]:
    return {f.name: getattr(t, f.name) for f in dataclasses.fields(t)}


def assert_same_trace(a: Trace, b: Trace) -> None:
    for (name, x), y in zip(trace_arrays(a).items(), trace_arrays(b).values(), strict=True):
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape, name
            assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name
        else:
            assert x == y, name


# ------------------------------------------------------------------------- determinism
@PROPS
@given(models(), seeds)
def test_same_seed_same_trace_bit_for_bit(model, seed):
    a = run_replication(model, SCENARIO, seed=seed, replication=3)
    b = run_replication(model, SCENARIO, seed=seed, replication=3)
    assert_same_trace(a, b)


def test_workers_do_not_change_the_traces(crm_path):
    m = load(crm_path)
    sc = Scenario(warmup_days=1, horizon_days=7, replications=3)
    one = run_replications(m, sc, seed=5, workers=1)
    two = run_replications(m, sc, seed=5, workers=2)
    for a, b in zip(one, two, strict=True):
        assert_same_trace(a, b)
    assert not np.array_equal(one[0].case_arrival, one[1].case_arrival)


# ------------------------------------------------------------------------- conservation
@PROPS
@given(models(), seeds)
def test_cases_are_conserved_and_none_is_lost(model, seed):
    t = run_replication(model, SCENARIO, seed=seed)
    n = t.n_cases
    assert n == SCENARIO.max_cases or t.case_arrival.max(initial=0) < SCENARIO.arrivals_end_hours
    for arr in (t.case_end, t.case_outcome, t.case_segment, t.case_dropped_at, t.case_value):
        assert arr.shape == (n,)
    outcome = t.case_outcome
    open_ = outcome == IN_PROGRESS
    abandoned = (
        outcome == t.outcomes.index("abandoned") if "abandoned" in t.outcomes else np.zeros(n, bool)
    )
    finished = ~open_ & ~abandoned
    assert open_.sum() + abandoned.sum() + finished.sum() == n
    assert ((outcome >= IN_PROGRESS) & (outcome < len(t.outcomes))).all()
    # Abandoned <=> dropped at a step; open <=> no end time.
    assert ((t.case_dropped_at >= 0) == abandoned).all()
    assert (np.isnan(t.case_end) == open_).all()
    # Every case finishes within the long drain: no case is lost or deadlocked.
    assert not open_.any(), f"{open_.sum()} cases still open at {t.run_end}"
    assert t.open_case.size == 0  # nothing is under way at the end of a drain
    assert (t.case_end >= t.case_arrival).all()
    # Events belong to arrived cases; dropped cases stop at the step they dropped at.
    assert ((t.ev_case >= 0) & (t.ev_case < n)).all()
    for c in np.flatnonzero(abandoned):
        assert t.case_dropped_at[c] < len(t.activities)
        assert model.steps[t.activities[t.case_dropped_at[c]]].patience is not None


@PROPS
@given(models(), seeds)
def test_the_steps_under_way_at_the_stop_are_where_the_open_cases_are(model, seed):
    # No drain: the run stops while cases are under way. Cases are still conserved (arrived =
    # finished + dropped + in progress); every step under way is a case's in progress, and every
    # case in progress is at some step, unless all its parallel branches reached the join at
    # the very moment of the stop (its last step, or its abandonment, ends then).
    sc = Scenario(warmup_days=0, horizon_days=1, max_cases=40, drain=False)
    t = run_replication(model, sc, seed=seed)
    open_ = t.case_outcome == IN_PROGRESS
    finished = t.case_outcome >= 0
    assert open_.sum() + finished.sum() == t.n_cases
    assert open_[t.open_case].all()
    # a case that left a queue (in a parallel branch, its others under way at the stop) says
    # where, as a drained one does
    assert ((t.case_dropped_at >= 0) == ~np.isnan(t.case_dropped_left)).all()
    for arr in (t.open_activity, t.open_resource, t.open_enabled, t.open_start):
        assert arr.shape == t.open_case.shape
    at_stop = np.zeros(t.n_cases, dtype=bool)
    at_stop[t.ev_case[t.ev_end == t.run_end]] = True
    at_stop[t.case_dropped_left == t.run_end] = True
    at_step = np.zeros(t.n_cases, dtype=bool)
    at_step[t.open_case] = True
    assert (at_step | at_stop)[open_].all()
    # Reached, and started (if at all) in order, before the stop.
    assert (t.open_enabled >= t.case_arrival[t.open_case]).all()
    assert (t.open_enabled <= t.run_end).all()
    started = ~np.isnan(t.open_start)
    assert (t.open_start[started] >= t.open_enabled[started]).all()
    # A step that waits has nobody; one in service has one person of each of its roles, and
    # nobody is busy with two things at the stop.
    assert (t.open_resource[~started] == -1).all()
    busy = [int(r) for r in t.open_resource if r >= 0] + [int(r) for _, r in t.open_extra]
    assert len(busy) == len(set(busy))
    for i in np.flatnonzero(started):
        step = model.steps[t.activities[t.open_activity[i]]]
        people = [int(t.open_resource[i])] if t.open_resource[i] >= 0 else []
        people += [r for row, r in t.open_extra.tolist() if row == i]
        if step.alternatives:  # one person, of its role or of an alternative's
            assert len(people) == 1 and t.resource_roles[people[0]] in step.all_roles
        else:
            assert sorted(t.resource_roles[p] for p in people) == sorted(step.roles)


# ----------------------------------------------------------------------------- FCFS oracle
dists = st.sampled_from(["exponential", "gamma", "lognormal", "uniform"])


def _dist(kind: str, mean: float) -> dict:
    if kind == "exponential":
        return expo(mean)
    if kind == "uniform":
        return {"dist": "uniform", "min": mean / 2, "max": 1.5 * mean}
    return {"dist": kind, "mean": mean, "std": mean}


@PROPS
@given(st.integers(1, 4), dists, dists, st.floats(0.2, 1.2), seeds)
def test_one_station_matches_the_fcfs_recursion(servers, arrive, serve, load, seed):
    # G/G/c first come, first served (Kiefer-Wolfowitz): in arrival order, case i starts at
    # max(arrival_i, earliest time a server is free), and that server is then busy until
    # start_i + d_i. Replayed from the trace's own arrivals and durations.
    m = build(
        {"s": {"role": "r", "duration": _dist(serve, load * servers), "next": "done"}},
        roles={"r": servers},
        interarrival=_dist(arrive, 1.0),
    )
    # a long drain: a heavy-tailed duration can outlast the default (found by hypothesis:
    # lognormal, 3 servers, load 1, seed 863191)
    sc = Scenario(warmup_days=0, horizon_days=2, drain_days=3650)
    t = run_replication(m, sc, seed=seed)
    order = np.argsort(t.ev_case)
    start, end = t.ev_start[order], t.ev_end[order]
    assert np.array_equal(t.ev_case[order], np.arange(t.n_cases))
    free = [0.0] * servers
    expected = []
    for a, d in zip(t.case_arrival, end - start, strict=True):
        s0 = max(a, heapq.heappop(free))
        expected.append(s0)
        heapq.heappush(free, s0 + d)
    assert np.allclose(start, expected, rtol=0, atol=1e-9)


# ------------------------------------------------------------------------------ capacity
def _busy_sweep(t: Trace, role: str) -> int:
    """The largest number of people of ``role`` busy at once (events' [start, end))."""
    ids = {i for i, r in enumerate(t.resource_roles) if r == role}
    spans = [
        (t.ev_start[e], t.ev_end[e]) for e in range(t.n_events) if int(t.ev_resource[e]) in ids
    ]
    spans += [(t.ev_start[e], t.ev_end[e]) for e, r in t.ev_extra.tolist() if r in ids]
    points = sorted([(s, 1) for s, e in spans if e > s] + [(e, -1) for s, e in spans if e > s])
    busy = peak = 0
    for _, delta in points:  # at equal times -1 sorts first: [start, end) intervals
        busy += delta
        peak = max(peak, busy)
    return peak


def test_a_person_is_released_at_the_time_their_work_is_recorded_to_end():
    """Work across shift ends: its end is computed on the calendar, and the clock's
    ``now + (end - now)`` can miss it by a rounding error. The next case must not start before
    the recorded end (hypothesis found seed 4481 of a model like this; seeds 73 and 94 of this one failed too)."""
    model = build(
        {"s": {"duration": expo(3.0), "next": "done", "role": "r"}},
        roles={"r": {"headcount": 1, "calendar": "late"}},
        interarrival=expo(1.0),
        calendars={"late": {"every_day": ["12:00-22:00"]}},
    )
    for seed in range(200):
        t = run_replication(model, SCENARIO, seed=seed)
        assert _busy_sweep(t, "r") == 1, seed
        first = np.full(t.n_cases, np.inf)
        np.minimum.at(first, t.ev_case, t.ev_enabled)
        assert np.all(t.case_arrival <= first), seed


@PROPS
@given(models(), seeds, st.data())
def test_no_role_over_capacity_and_nobody_double_booked(model, seed, data):
    staffing = {}
    if data.draw(st.booleans()):
        role = data.draw(st.sampled_from(sorted(model.roles)))
        staffing[role] = max(0, model.roles[role].headcount + data.draw(st.integers(-1, 2)))
        used = any(role in s.roles for s in model.steps.values())
        need = max((s.roles.count(role) for s in model.steps.values()), default=0)
        if used and staffing[role] < max(need, 1):
            staffing[role] = max(need, 1)
    sc = dataclasses.replace(SCENARIO, staffing=staffing)
    t = run_replication(model, sc, seed=seed)
    for role, r in model.roles.items():
        cap = staffing.get(role, r.headcount)
        assert t.resource_roles.count(role) == cap
        assert _busy_sweep(t, role) <= cap
    # One person works on one thing at a time.
    per_person: dict[int, list[tuple[float, float]]] = {}
    for e in range(t.n_events):
        if t.ev_resource[e] >= 0:
            per_person.setdefault(int(t.ev_resource[e]), []).append((t.ev_start[e], t.ev_end[e]))
    for e, r in t.ev_extra.tolist():
        per_person.setdefault(r, []).append((t.ev_start[e], t.ev_end[e]))
    for spans in per_person.values():
        spans.sort()
        for (s0, e0), (s1, _) in zip(spans, spans[1:], strict=False):
            assert s1 >= e0 or s0 == e0
    # A multi-person step lists one person of each of its roles.
    for e, r in t.ev_extra.tolist():
        step = model.steps[t.activities[t.ev_activity[e]]]
        people = [int(t.ev_resource[e])] + [rr for ee, rr in t.ev_extra.tolist() if ee == e]
        assert sorted(t.resource_roles[p] for p in people) == sorted(step.roles)
        assert len(set(people)) == len(people)
        del r


# ---------------------------------------------------------------------------- timestamps
def _branch_steps(model) -> set[str]:
    """Steps inside a parallel block (between a split and its join)."""
    inside: set[str] = set()
    for p in model.parallels.values():
        for b in p.branches:
            node = b
            while node != p.join:
                if node in model.steps:
                    inside.add(node)
                node = model.successors(node)[0]
    return inside


@PROPS
@given(models(), seeds)
def test_timestamps_are_ordered_within_a_case(model, seed):
    t = run_replication(model, SCENARIO, seed=seed)
    assert (t.ev_enabled <= t.ev_start).all()
    assert (t.ev_start <= t.ev_end).all()
    assert (t.ev_enabled >= t.case_arrival[t.ev_case]).all()
    assert (t.ev_end <= t.case_end[t.ev_case]).all()
    # A case that reached an end did so right after its last step.
    done = t.case_dropped_at < 0
    last = np.full(t.n_cases, -np.inf)
    np.maximum.at(last, t.ev_case, t.ev_end)
    has_events = np.isfinite(last)
    assert (t.case_end[done & has_events] == last[done & has_events]).all()
    # Steps on the main path (outside parallel blocks) are barriers: whatever the case reached
    # before such a step has ended when it reaches it, and whatever comes after starts later.
    inside = _branch_steps(model)
    act = np.array([a not in inside for a in t.activities] or [False])
    for c in range(t.n_cases):
        ev = np.flatnonzero(t.ev_case == c)
        for b in ev[act[t.ev_activity[ev]]]:
            before = ev[t.ev_enabled[ev] < t.ev_enabled[b]]
            after = ev[t.ev_enabled[ev] > t.ev_enabled[b]]
            assert (t.ev_end[before] <= t.ev_enabled[b]).all()
            assert (t.ev_enabled[after] >= t.ev_end[b]).all()
    # Staffed work starts while the people's shared calendar is open (working time accrues
    # right after the start; rate_at itself can read a minute-based opening one rounding error
    # early in later weeks) and takes as long in working time as it would without a calendar
    # up to rounding, i.e. it pauses exactly while the calendar is closed.
    off = week_offset(model.start_date)
    for e in range(t.n_events):
        step = model.steps[t.activities[t.ev_activity[e]]]
        if step.roles and t.ev_end[e] > t.ev_start[e]:
            # an alternative's person works on their own role's calendar
            roles = (t.resource_roles[t.ev_resource[e]],) if step.alternatives else step.roles
            cal = model.calendar_of(roles[0])
            for r in roles[1:]:
                cal = cal.intersect(model.calendar_of(r))
            s0 = t.ev_start[e] + off
            assert cal.cumulative(s0 + 1e-6) > cal.cumulative(s0)
            worked = cal.cumulative(t.ev_end[e] + off) - cal.cumulative(s0)
            assert cal.rate_at(t.ev_end[e] + off - 1e-6) > 0  # ends while working, not later
            assert worked > 0


# ----------------------------------------------------------------- common random numbers
@PROPS
@given(models(), seeds, st.floats(0.1, 5.0))
def test_common_random_numbers_keep_the_arrivals(model, seed, factor):
    # Another duration for one step changes the queues, never the arrival times or segments.
    name = sorted(model.steps)[0]
    s = model.steps[name]
    other = dataclasses.replace(
        model,
        steps={**model.steps, name: dataclasses.replace(s, duration=s.duration.scaled(factor))},
    )
    a = run_replication(model, SCENARIO, seed=seed)
    b = run_replication(other, SCENARIO, seed=seed)
    assert np.array_equal(a.case_arrival, b.case_arrival)
    assert np.array_equal(a.case_segment, b.case_segment)


def test_common_random_numbers_keep_the_other_steps_draws():
    # Without queues (automated steps) a step's durations depend only on its own stream: making
    # 'b' slower leaves every duration of 'a' and of 'c' untouched, case by case (cases now
    # reach c in another order, but each case's draw is its own).
    def model(b_mean):
        return build(
            {
                "a": {"duration": expo(1.0), "next": "b"},
                "b": {"duration": expo(b_mean), "next": "c"},
                "c": {"duration": expo(0.5), "next": "done"},
            },
            interarrival=expo(1.0),
        )

    sc = Scenario(warmup_days=0, horizon_days=2)
    x = run_replication(model(1.0), sc, seed=9)
    y = run_replication(model(3.0), sc, seed=9)
    ax, ay = _durations_by_case(x, "a"), _durations_by_case(y, "a")
    assert ax.keys() == ay.keys()
    assert all(np.isclose(ax[k], ay[k], rtol=0, atol=1e-9) for k in ax)
    cx, cy = _durations_by_case(x, "c"), _durations_by_case(y, "c")
    assert cx.keys() == cy.keys()
    assert all(np.isclose(cx[k], cy[k], rtol=0, atol=1e-9) for k in cx)
    assert not np.allclose(
        list(_durations_by_case(x, "b").values()), list(_durations_by_case(y, "b").values())
    )


def test_common_random_numbers_keep_the_hand_offs_upstream_of_a_change():
    # Hand-off delays are drawn per step: staffing the third step's role differently changes
    # when cases leave it (and draw the hand-off to the fourth), never what happens upstream
    # (first and second steps, the hand-off before the second included), case by case. One
    # hand-off stream for the whole model interleaved the fourth step's draws with the second's
    # in another order and moved the second step's (QA 2026-12-04, #4: a legal staffing sweep
    # moved the waits of CRM's first contact).
    def model(z_people):
        return build(
            {
                "a": {"role": "x", "duration": expo(0.8), "next": "b"},
                "b": {"role": "y", "duration": expo(0.8), "next": "c"},
                "c": {"role": "z", "duration": expo(2.5), "next": "d"},
                "d": {"role": "w", "duration": expo(0.2), "next": "done"},
            },
            roles={"x": 1, "y": 1, "z": z_people, "w": 1},
            interarrival=expo(1.0),
            handoff_delay=expo(0.5),
        )

    sc = Scenario(warmup_days=0, horizon_days=3, drain_days=30)
    one, three = run_replication(model(1), sc, seed=4), run_replication(model(3), sc, seed=4)
    for name in ("a", "b"):
        kx, ky = (t.ev_activity == t.activities.index(name) for t in (one, three))
        for field in ("ev_case", "ev_enabled", "ev_start", "ev_end"):
            assert np.array_equal(getattr(one, field)[kx], getattr(three, field)[ky]), (name, field)
    # the change does reach the third step: its waits differ
    kx, ky = (t.ev_activity == t.activities.index("c") for t in (one, three))
    assert not np.array_equal(one.ev_start[kx], three.ev_start[ky])


def test_common_random_numbers_are_per_case_when_staffing_reorders_the_cases():
    """Staffing a queue before a decision differently reorders the cases that reach it; each
    case still takes its own branch, patience and timer there. The draws used to be taken in
    the order cases came, so a legal hire after every decision moved the CRM model's revenue
    per case by up to 729 in a paired replication (QA 2026-12-05, #1). (The staffed step 'a'
    draws its durations in the order its work starts, first come first served with one person
    or three: the same per case here too.)"""

    def model(people):
        return build(
            {
                "a": {"role": "x", "duration": expo(1.8), "next": "check"},
                "b": {
                    "role": "y",
                    "duration": expo(0.5),
                    "next": "done",
                    "patience": expo(0.3),
                },
                "c": {"duration": expo(0.7), "next": "lost"},
            },
            roles={"x": people, "y": 1},
            decisions={"check": {"branches": {"b": 0.6, "c": 0.4}}},
            ends={"done": {"success": True}, "lost": {"success": False}},
            interarrival=expo(1.0),
        )

    sc = Scenario(warmup_days=0, horizon_days=5, drain_days=60)
    for seed in range(3):
        one, three = (
            run_replication(model(1), sc, seed=seed),
            run_replication(model(3), sc, seed=seed),
        )
        assert one.n_cases == three.n_cases
        # the hire reorders the cases that leave 'a' ...
        k1, k3 = (t.ev_activity == t.activities.index("a") for t in (one, three))
        order1 = one.ev_case[k1][np.argsort(one.ev_end[k1], kind="stable")]
        order3 = three.ev_case[k3][np.argsort(three.ev_end[k3], kind="stable")]
        assert not np.array_equal(order1, order3)
        # ... and every case still goes the same way at the decision, with the same durations
        for name in ("a", "c"):
            d1, d3 = _durations_by_case(one, name), _durations_by_case(three, name)
            assert d1.keys() == d3.keys()
            assert all(np.isclose(d1[c], d3[c], rtol=0, atol=1e-9) for c in d1)
        took_b = [
            set(t.ev_case[t.ev_activity == t.activities.index("b")].tolist())
            | set(np.flatnonzero(t.case_dropped_at >= 0).tolist())
            for t in (one, three)
        ]
        assert took_b[0] == took_b[1]


def test_common_random_numbers_keep_each_cases_rework_loops_when_staffing_reorders_them():
    """A rework decision draws per case and visit: a case's k-th visit takes the same branch
    whatever order the cases come in. The later visits used to share one stream in the order
    asked, so a hire that reordered cases moved who looped and who was lost (QA2 2026-12-05:
    a rework branch at CRM's quote_ok changed one case's outcome, 60,000 of value)."""

    def model(people):
        return build(
            {
                "a": {"role": "x", "duration": expo(0.6), "next": "check"},
                "b": {"role": "y", "duration": expo(0.3), "next": "done"},
            },
            roles={"x": people, "y": 1},
            decisions={"check": {"branches": {"a": 0.35, "b": 0.55, "lost": 0.1}}},
            ends={"done": {"success": True}, "lost": {"success": False}},
            interarrival=expo(1.0),
        )

    sc = Scenario(warmup_days=0, horizon_days=6, drain_days=60)
    for seed in range(3):
        one, three = (
            run_replication(model(1), sc, seed=seed),
            run_replication(model(3), sc, seed=seed),
        )
        loops = [
            np.bincount(t.ev_case[t.ev_activity == t.activities.index("a")], minlength=t.n_cases)
            for t in (one, three)
        ]
        assert (loops[0] > 1).any()  # some cases loop
        assert np.array_equal(loops[0], loops[1])
        assert np.array_equal(one.case_outcome, three.case_outcome)
        ends = [t.case_end for t in (one, three)]
        assert not np.allclose(ends[0], ends[1])  # the hire does change the timing


def _durations_by_case(t: Trace, name: str) -> dict[int, float]:
    k = t.ev_activity == t.activities.index(name)
    return dict(zip(t.ev_case[k].tolist(), (t.ev_end - t.ev_start)[k].tolist(), strict=True))


# ---------------------------------------------------------------------------- monotonicity
def test_one_more_person_never_delays_anyone_deterministic():
    # Fixed 2.5 h of work, a case every hour: with one person the queue grows (waits 0, 1.5, 3,
    # ...); with two, case k waits max(0, ...) less; with three nobody waits.
    m = build({"a": {"role": "r", "duration": fixed(2.5), "next": "done"}}, roles={"r": 1})
    waits = {}
    for n in (1, 2, 3):
        sc = Scenario(warmup_days=0, horizon_days=1, max_cases=8, staffing={"r": n})
        t = run_replication(m, sc)
        order = np.argsort(t.ev_case)
        waits[n] = (t.ev_start - t.ev_enabled)[order]
    assert waits[1][:4].tolist() == [0.0, 1.5, 3.0, 4.5]
    assert (waits[2] <= waits[1]).all() and (waits[3] <= waits[2]).all()
    assert not waits[3].any()


def test_one_more_person_at_the_bottleneck_does_not_increase_waiting(crm_path):
    # Paired comparison with common random numbers on the CRM model: the replication-wise
    # difference (one more person at the busiest role) - (as is) in mean waiting per step must not
    # be significantly positive (sample paths need not be monotone: durations are drawn in the
    # order work starts, so the extra person reshuffles them).
    m = load(crm_path)
    sc = Scenario(warmup_days=7, horizon_days=28, replications=12)
    base = run_replications(m, sc, seed=77)
    role = _busiest_role(m, base[0])
    more = run_replications(
        m, dataclasses.replace(sc, staffing={role: m.roles[role].headcount + 1}), seed=77
    )
    diff = [_mean_wait(b) - _mean_wait(a) for a, b in zip(base, more, strict=True)]
    lo, hi = ci95(diff)
    assert lo <= 0.0, f"adding a {role} increased waiting: CI [{lo:.3g}, {hi:.3g}]"


def _mean_wait(t: Trace) -> float:
    w0, w1 = t.window
    keep = (t.case_arrival[t.ev_case] >= w0) & (t.case_arrival[t.ev_case] < w1)
    return float((t.ev_start - t.ev_enabled)[keep].mean())


def _busiest_role(model, t: Trace) -> str:
    """The role with the highest share of its working hours spent working."""
    off = week_offset(model.start_date)
    busy: dict[str, float] = {}
    people = [(e, int(t.ev_resource[e])) for e in range(t.n_events) if t.ev_resource[e] >= 0]
    for e, p in people + [tuple(x) for x in t.ev_extra.tolist()]:
        role = t.resource_roles[p]
        cal = model.calendar_of(role)
        worked = cal.cumulative(t.ev_end[e] + off) - cal.cumulative(t.ev_start[e] + off)
        busy[role] = busy.get(role, 0.0) + worked
    return max(
        busy,
        key=lambda r: busy[r] / (model.roles[r].headcount * model.calendar_of(r).weekly_total),
    )
