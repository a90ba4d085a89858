"""Removing a branch step of an inclusive block leaves every other branch's frequency alone.

A case of an inclusive block draws each branch on its own; when it draws none, the engine runs
the likeliest. Dropping the removed branch would hand the cases that drew only it to the
likeliest branch left (QA enginerev #3: ``b`` went from 31 % to 86 % of the cases).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from redesign_testkit import build, fixed

from sim.engine import run_replication
from sim.errors import RedesignRefused
from sim.model import from_dict
from sim.model.process import ProcessModel
from sim.model.scenario import Scenario
from sim.model.views import expected_visits
from sim.redesign import SearchSpace, remove_step


def _or_split(probabilities: list[float]) -> ProcessModel:
    """An inclusive block 'split' over a, b, c (, d) with ``probabilities``, join 'j', then done;
    cases every hour on average, 50 people so nobody waits."""
    names = ["a", "b", "c", "d"][: len(probabilities)]
    step = {"role": "r", "duration": {"dist": "fixed", "value": 0.1}, "next": "j"}
    spec: dict[str, Any] = {
        "schema_version": 1,
        "name": "orsplit",
        "time_unit": "hours",
        "start": "split",
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
        "roles": {"r": {"headcount": 50}},
        "steps": {n: dict(step) for n in names},
        "parallel": {
            "split": {
                "branches": names,
                "probabilities": probabilities,
                "join": "j",
                "next": "done",
            }
        },
        "ends": {"done": {"success": True}},
    }
    return from_dict(spec)


def _reached(model: ProcessModel, seed: int) -> tuple[dict[str, float], int]:
    """The share of cases each step ran for in one 60-day run, and the number of cases."""
    trace = run_replication(model, Scenario(warmup_days=0, horizon_days=60), seed=seed)
    shares = {}
    for step in model.steps:
        idx = trace.activities.index(step)
        shares[step] = len(set(trace.ev_case[trace.ev_activity == idx])) / trace.n_cases
    return shares, trace.n_cases


def _assert_same_shares(before: ProcessModel, after: ProcessModel, steps: list[str]) -> None:
    """Independent runs (different seeds): each share within 4 standard errors of the
    difference of two binomial proportions."""
    was, n1 = _reached(before, seed=1)
    now, n2 = _reached(after, seed=2)
    for step in steps:
        p = (was[step] * n1 + now[step] * n2) / (n1 + n2)
        tolerance = 4 * math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        assert abs(now[step] - was[step]) < tolerance, (step, was[step], now[step], tolerance)


def test_removing_the_likeliest_branch_leaves_the_others_as_often() -> None:
    """The QA repro: a, b, c at 0.5, 0.3, 0.2; a was the likeliest, so b and c ran in 30 % and
    20 % of the cases, and still do without a."""
    model = _or_split([0.5, 0.3, 0.2])
    out = remove_step(model, "a")
    assert out.parallels["split"].branches == ("j", "b", "c")
    assert out.parallels["split"].probabilities == (0.5, 0.3, 0.2)
    _assert_same_shares(model, out, ["b", "c"])


def test_the_search_space_removal_leaves_the_others_as_often() -> None:
    model = _or_split([0.5, 0.3, 0.2])
    out = SearchSpace.from_dict({"remove": ["a"]}, model).apply(model, {"remove:a": True})
    _assert_same_shares(model, out, ["b", "c"])


@pytest.mark.parametrize(
    ("probabilities", "removed"),
    [
        ([0.5, 0.3, 0.2], ["a"]),  # the likeliest removed
        ([0.3, 0.2, 0.6], ["a"]),  # a kept branch is the likeliest
        ([0.1, 0.1, 0.1], ["b"]),  # ties: the first is the likeliest
        ([0.5, 0.3, 0.2, 0.1], ["a", "b"]),  # two removed: one empty branch for both
        ([0.1, 0.3, 0.4, 0.2], ["d", "a"]),
        ([0.0, 0.5, 0.5, 0.1], ["a", "c"]),  # the empty branch ties the likeliest: after it
    ],
)
def test_every_branch_left_keeps_its_expected_visits(
    probabilities: list[float], removed: list[str]
) -> None:
    model = _or_split(probabilities)
    out = model
    for step in removed:
        out = remove_step(out, step)
    before, after = expected_visits(model), expected_visits(out)
    left = [s for s in model.steps if s not in removed]
    assert {s: after[s] for s in left} == pytest.approx({s: before[s] for s in left})
    block = out.parallels["split"]
    assert block.branches.count("j") == 1


def test_two_removed_branches_become_one_that_runs_when_either_would() -> None:
    out = remove_step(remove_step(_or_split([0.5, 0.3, 0.2, 0.1]), "a"), "b")
    block = out.parallels["split"]
    assert block.branches == ("j", "c", "d")
    assert block.probabilities == pytest.approx((1 - 0.5 * 0.7, 0.2, 0.1))


def test_a_removal_no_inclusive_block_can_express_is_refused() -> None:
    """c (0.4) is the likeliest; with a and b gone, the cases that drew only one of them (51 %)
    must run nothing, but an empty branch that likely would take c's place as the likeliest."""
    out = remove_step(_or_split([0.3, 0.3, 0.4, 0.1]), "a")
    with pytest.raises(
        RedesignRefused, match=r"cannot remove 'b' from the inclusive block 'split'"
    ):
        remove_step(out, "b")


def test_an_and_block_still_drops_the_removed_branch() -> None:
    steps = {"s": {"role": "r1", "duration": fixed(1), "next": "par"}}
    steps |= {b: {"role": "r2", "duration": fixed(1), "next": "par/join"} for b in "ghk"}
    steps["last"] = {"role": "r1", "duration": fixed(1), "next": "done"}
    par = {"branches": ["g", "h", "k"], "join": "par/join", "next": "last"}
    out = remove_step(build(steps, parallel={"par": par}), "g")
    assert out.parallels["par"].branches == ("h", "k")
    assert out.parallels["par"].probabilities is None
