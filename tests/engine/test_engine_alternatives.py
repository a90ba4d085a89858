"""Steps that people of other roles may take instead (``alternatives``), each at their own pace.

The engine sends a case to the step's own role first, or to an alternative's (its ``share`` of
the cases); when nobody of that role is free, to the first person free of any of the step's
roles, and when nobody is, it queues the case with every role at once: the first release of any
of them serves it. Checked by hand-computed traces, against the continuous-time
Markov chain of two heterogeneous servers with a preferred one (solved numerically here) and
Erlang C where the paces are equal, and by properties on random models.
"""

from __future__ import annotations

import os
import zlib

import numpy as np
import pytest
from engine_testkit import assert_in_ci, build, cases, expo, fixed, in_window, rows
from hypothesis import given, settings
from hypothesis import strategies as hs

from sim.engine import run_replication, run_replications
from sim.errors import ModelError
from sim.model import from_dict, to_dict
from sim.model.scenario import Scenario

SEED = int(os.environ.get("SIM_TEST_SEED", 20260105))
DONE = "done"


def one_step(main: dict, alternatives: dict, roles: dict, interarrival, **step) -> object:
    """A one-step model: ``s`` done by role ``a`` (``main`` duration) or its alternatives."""
    return build(
        {"s": {"role": "a", "duration": main, "next": DONE, "alternatives": alternatives, **step}},
        roles=roles,
        interarrival=interarrival,
    )


def first_cases(model, n: int, seed: int = 1):
    return run_replication(model, Scenario(horizon_days=30, warmup_days=0, max_cases=n), seed=seed)


# ------------------------------------------------------------------------------ exact traces
def test_the_first_free_person_of_any_role_takes_the_case():
    # a: 2 h a case, b: 5 h. Cases at 0.5, 1, 1.5, 2: a takes the first (0.5-2.5), b the second
    # (1-6, a is busy), the third queues with both and a frees first (2.5-4.5), the fourth too
    # (4.5-6.5: a frees at 4.5, before b at 6).
    model = one_step(fixed(2.0), {"b": {"duration": fixed(5.0)}}, {"a": 1, "b": 1}, fixed(0.5))
    assert rows(first_cases(model, 4)) == [
        (0, "s", "a_1", 0.5, 0.5, 2.5),
        (1, "s", "b_1", 1.0, 1.0, 6.0),
        (2, "s", "a_1", 1.5, 2.5, 4.5),
        (3, "s", "a_1", 2.0, 4.5, 6.5),
    ]


def test_the_own_role_is_preferred_when_several_are_free():
    # Cases 3 h apart, 1 h of work: everyone is always free, and a always takes them.
    model = one_step(fixed(1.0), {"b": {"duration": fixed(0.5)}}, {"a": 1, "b": 1}, fixed(3.0))
    assert {r[2] for r in rows(first_cases(model, 5))} == {"a_1"}


def test_the_cases_an_alternative_takes_first_follow_its_share():
    # Nobody ever queues (a case every 3 h, 1 h of work): b takes its share of the cases and a
    # the rest, whatever the load (share 1: every case goes to b first, and to a while b works).
    shared = one_step(
        fixed(1.0), {"b": {"duration": fixed(1.0), "share": 0.3}}, {"a": 1, "b": 1}, fixed(3.0)
    )
    who = np.array([r[2] for r in rows(first_cases(shared, 2000))])
    assert abs((who == "b_1").mean() - 0.3) < 3.3 * np.sqrt(0.3 * 0.7 / who.size)  # 99.9 %
    only_b = one_step(
        fixed(2.0), {"b": {"duration": fixed(2.0), "share": 1.0}}, {"a": 1, "b": 1}, fixed(1.0)
    )
    assert [r[2] for r in rows(first_cases(only_b, 3))] == ["b_1", "a_1", "b_1"]


def test_a_role_whose_shift_opens_takes_a_queued_case():
    # a works around the clock (3 h a case), b from 02:00 (1 h a case). Cases at 0.5 and 1: a
    # takes the first; the second waits, and b takes it when its shift opens at 2:00, before a
    # is free at 3:30.
    model = build(
        {
            "s": {
                "role": "a",
                "duration": fixed(3.0),
                "next": DONE,
                "alternatives": {"b": {"duration": fixed(1.0)}},
            }
        },
        roles={"a": 1, "b": {"headcount": 1, "calendar": "late"}},
        interarrival=fixed(0.5),
        calendars={"late": {"every_day": ["02:00-23:00"]}},
    )
    assert rows(first_cases(model, 2)) == [
        (0, "s", "a_1", 0.5, 0.5, 3.5),
        (1, "s", "b_1", 1.0, 2.0, 3.0),
    ]


def test_when_every_shift_is_closed_the_case_waits_for_the_first_to_open():
    # a works from 04:00, b from 02:00: a case at 1:00 is taken by b at 2:00.
    model = build(
        {
            "s": {
                "role": "a",
                "duration": fixed(1.0),
                "next": DONE,
                "alternatives": {"b": {"duration": fixed(2.0)}},
            }
        },
        roles={"a": {"headcount": 1, "calendar": "four"}, "b": {"headcount": 1, "calendar": "two"}},
        interarrival=fixed(1.0),
        calendars={"four": {"every_day": ["04:00-20:00"]}, "two": {"every_day": ["02:00-20:00"]}},
    )
    assert rows(first_cases(model, 1)) == [(0, "s", "b_1", 1.0, 2.0, 4.0)]


def test_patience_withdraws_the_case_from_every_queue():
    # Both take 10 h; patience 1 h. Cases at 1, 2, 3: a and b take the first two, the third
    # leaves at 4 and is never served afterwards, by either.
    model = one_step(
        fixed(10.0),
        {"b": {"duration": fixed(10.0)}},
        {"a": 1, "b": 1},
        fixed(1.0),
        patience=fixed(1.0),
    )
    trace = first_cases(model, 3)
    assert [r[:3] for r in rows(trace)] == [(0, "s", "a_1"), (1, "s", "b_1")]
    assert cases(trace)[2] == (3.0, 4.0, "abandoned", "s")


def test_an_alternative_without_people_changes_nothing():
    # Staffing the alternative's role to 0 leaves the model without it: the same trace, draw
    # for draw, as the model that never had it (the own role keeps its duration stream).
    plain = build(
        {"s": {"role": "a", "duration": expo(1.0), "next": DONE}},
        roles={"a": 1, "b": 1},
        interarrival=expo(1.2),
    )
    with_alt = one_step(expo(1.0), {"b": {"duration": expo(3.0)}}, {"a": 1, "b": 1}, expo(1.2))
    sc = Scenario(horizon_days=5, warmup_days=0, staffing={"b": 0})
    assert rows(run_replication(with_alt, sc, seed=4)) == rows(run_replication(plain, sc, seed=4))
    # ... and with b's person, b takes cases and a's draws stay the same
    both = run_replication(with_alt, Scenario(horizon_days=5, warmup_days=0), seed=4)
    assert any(r[2] == "b_1" for r in rows(both))


# ------------------------------------------------------------------------------ theory
def two_servers(lam: float, mu_own: float, mu_alt: float, cap: int = 400) -> dict[str, float]:
    """Stationary waiting and shares of two servers, the own one preferred when both are free
    (a continuous-time Markov chain, truncated at ``cap`` cases, solved with numpy)."""
    # states: empty, own busy only, alternative busy only, then n = 2..cap in the system
    size = 3 + cap - 1
    q = np.zeros((size, size))
    q[0, 1] = lam
    q[1, 0], q[1, 3] = mu_own, lam
    q[2, 0], q[2, 3] = mu_alt, lam
    q[3, 2], q[3, 1] = mu_own, mu_alt
    for n in range(2, cap + 1):
        i = 3 + n - 2
        if n < cap:
            q[i, i + 1] = lam
        if n > 2:
            q[i, i - 1] = mu_own + mu_alt
    np.fill_diagonal(q, -q.sum(axis=1))
    a = np.vstack([q.T, np.ones(size)])
    b = np.zeros(size + 1)
    b[-1] = 1.0
    p = np.linalg.lstsq(a, b, rcond=None)[0]
    in_queue = np.r_[0, 0, 0, np.arange(cap - 1)]
    alt_busy = p[2] + p[3:].sum()
    return {"Wq": float(p @ in_queue / lam), "alt_share": float(alt_busy * mu_alt / lam)}


def test_the_chain_is_erlang_c_when_the_paces_are_equal():
    # M/M/2, lambda = mu = 1: Wq = C(2, 1) E[S] / (2 - 1) = 1/3. P(n) = 1/3, 1/3, 1/6, ...; the
    # alternative is busy whenever two or more are in (1/3) and alone with probability p where
    # (lambda + mu) p = mu P(n = 2) = 1/6 (its own finishes first), p = 1/12: it serves
    # (1/3 + 1/12) mu / lambda = 5/12 of the cases.
    got = two_servers(1.0, 1.0, 1.0)
    assert got["Wq"] == pytest.approx(1 / 3, rel=1e-6)
    assert got["alt_share"] == pytest.approx(5 / 12, rel=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("alt_mean", [1.0, 2.0])
def test_waiting_and_shares_against_the_markov_chain(alt_mean, request):
    # lambda = 1, own role 1 h a case, the alternative 1 h (M/M/2) or 2 h (a slow helper).
    seed = SEED + zlib.crc32(request.node.name.encode())
    theory = two_servers(1.0, 1.0, 1.0 / alt_mean)
    model = one_step(expo(1.0), {"b": {"duration": expo(alt_mean)}}, {"a": 1, "b": 1}, expo(1.0))
    sc = Scenario(horizon_days=150, warmup_days=5, replications=30)
    waits, shares = [], []
    for t in run_replications(model, sc, seed=seed):
        keep = in_window(t)[t.ev_case]
        waits.append(float((t.ev_start - t.ev_enabled)[keep].mean()))
        by_b = np.array(t.resource_roles)[t.ev_resource[keep]] == "b"
        shares.append(float(by_b.mean()))
    assert_in_ci(waits, theory["Wq"], f"Wq with a helper of mean {alt_mean}")
    assert_in_ci(shares, theory["alt_share"], f"share of the helper of mean {alt_mean}")


# ------------------------------------------------------------------------------ properties
SHIFTS = {"early": {"every_day": ["06:00-14:00"]}, "late": {"weekdays": ["12:00-20:00"]}}


@settings(max_examples=40, deadline=None)
@given(
    own=hs.integers(1, 3),
    alt=hs.integers(0, 3),
    gap=hs.floats(0.1, 2.0),
    own_mean=hs.floats(0.2, 3.0),
    alt_mean=hs.floats(0.2, 3.0),
    patience=hs.one_of(hs.none(), hs.floats(0.1, 5.0)),
    share=hs.sampled_from([0.0, 0.5, 1.0]),
    shifts=hs.sampled_from([(None, None), (None, "late"), ("early", "late"), ("late", None)]),
    seed=hs.integers(0, 2**16),
)
def test_nobody_does_two_cases_at_once_and_every_case_is_accounted_for(
    own, alt, gap, own_mean, alt_mean, patience, share, shifts, seed
):
    extra = {} if patience is None else {"patience": expo(patience)}
    calendars = dict(zip("ab", shifts, strict=True))
    model = build(
        {
            "s": {
                "role": "a",
                "duration": expo(own_mean),
                "next": DONE,
                "alternatives": {"b": {"duration": expo(alt_mean), "share": share}},
                **extra,
            }
        },
        roles={
            r: {"headcount": n, "calendar": calendars[r] or "24/7"}
            for r, n in (("a", own), ("b", alt))
        },
        interarrival=expo(gap),
        calendars=SHIFTS,
    )
    trace = run_replication(model, Scenario(horizon_days=4, warmup_days=0), seed=seed)
    # each person's work intervals never overlap
    for person in set(trace.ev_resource.tolist()):
        mine = trace.ev_resource == person
        order = np.argsort(trace.ev_start[mine])
        starts, ends = trace.ev_start[mine][order], trace.ev_end[mine][order]
        assert (starts[1:] >= ends[:-1] - 1e-9).all()
    # everybody starts work on their own shift
    roles = np.array(trace.resource_roles)[trace.ev_resource]
    for role in "ab":
        cal = model.calendar_of(role)
        for start in trace.ev_start[roles == role]:
            opens, _ = cal.open_span(float(start))  # the model's week starts on a Monday 00:00
            assert opens - start < 1e-6
    # a case that finished was done once; one that left the queue or is still waiting (an
    # overloaded model outlives the drain) was not done at all
    done = np.bincount(trace.ev_case, minlength=trace.n_cases)
    outcome = np.array([c[2] for c in cases(trace)])
    assert (done[outcome == DONE] == 1).all()
    assert (done[outcome != DONE] == 0).all()
    if patience is None:
        assert "abandoned" not in outcome
    assert set(roles) <= {"a", "b"}
    if alt == 0:
        assert "b" not in set(roles)


# ------------------------------------------------------------------------------ the file
def test_alternatives_survive_a_round_trip_through_the_model_file():
    model = one_step(
        fixed(2.0),
        {"b": {"duration": expo(5.0), "share": 0.4, "provenance": {"n": 40}}},
        {"a": 1, "b": 1},
        1.0,
    )
    spec = to_dict(model)
    assert spec["steps"]["s"]["alternatives"] == {
        "b": {
            "duration": {"dist": "exponential", "mean": 5.0},
            "share": 0.4,
            "provenance": {"n": 40},
        }
    }
    assert from_dict(spec) == model


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"role": "a", "alternatives": {"c": {"duration": fixed(1)}}}, "unknown role 'c'"),
        ({"role": "a", "alternatives": {"a": {"duration": fixed(1)}}}, "the step's own role"),
        (
            {"roles": ["a", "b"], "alternatives": {"b": {"duration": fixed(1)}}},
            "only a step done by one person of one role",
        ),
        (
            {"alternatives": {"b": {"duration": fixed(1)}}},
            r"one role can have alternatives, and this one has no role \(automated, or a timer\)",
        ),
        ({"role": "a", "alternatives": {"b": {}}}, "steps.s.alternatives.b"),
        ({"role": "a", "alternatives": {"b": {"duration": fixed(1), "pace": 2}}}, "pace"),
        (
            {"role": "a", "alternatives": {"b": {"duration": fixed(1), "share": 1.2}}},
            "add up to 1.2; at most 1",
        ),
        ({"role": "a", "alternatives": {"b": {"duration": fixed(1), "share": -1}}}, "share"),
        (  # not read as a share of 1
            {"role": "a", "alternatives": {"b": {"duration": fixed(1), "share": True}}},
            r"steps\.s\.alternatives\.b\.share: expected a number, got True",
        ),
        ({"role": "a", "cost": True}, r"steps\.s\.cost: expected a number, got True"),
    ],
)
def test_bad_alternatives_are_named(step, message):
    with pytest.raises(ModelError, match=message):
        build({"s": {"duration": fixed(1.0), "next": DONE, **step}}, roles={"a": 1, "b": 1})


def test_the_role_a_case_is_sent_to_first_decides_the_hand_off():
    # x does a, y does b; a hand-off of 1 h when b's role did not do a. An alternative x on b
    # that takes no case first (share 0) changes nothing: the case is sent to y, which did not
    # do a, so it waits the hand-off as before. Sent to x first (share 1), it is x's own work:
    # no hand-off.
    def model(alternatives):
        return build(
            {
                "a": {"role": "x", "duration": fixed(1.0), "next": "b"},
                "b": {"role": "y", "duration": fixed(1.0), "next": DONE, **alternatives},
            },
            roles={"x": 1, "y": 1},
            interarrival=fixed(5.0),
            handoff_delay=fixed(1.0),
        )

    plain = rows(first_cases(model({}), 3))
    assert [r[4] - r[3] for r in plain if r[1] == "b"] == [1.0, 1.0, 1.0]
    share_0 = {"alternatives": {"x": {"duration": fixed(1.0), "share": 0}}}
    assert rows(first_cases(model(share_0), 3)) == plain
    share_1 = {"alternatives": {"x": {"duration": fixed(1.0), "share": 1}}}
    taken = [r for r in rows(first_cases(model(share_1), 3)) if r[1] == "b"]
    assert [(r[2], r[4] - r[3]) for r in taken] == [("x_1", 0.0)] * 3
