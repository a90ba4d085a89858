"""The ablation, pruning and the dominance between recommended redesigns apply the floor the
verdict puts under an improvement (``sim.optimize.confirm.NEGLIGIBLE_CHANGE``: under 0.1 % of
today's mean an improvement makes no redesign better): a change that buys only that much is
neither gain nor harm, pruning tries the redesign without it (and keeps it when nothing else
moves), and a negligible lead is no lead (QA honesty19 #1: a hire buying 0.1 s of a 203 h cycle
time was rated ``trade-off`` and kept, and a candidate leading by 0.03 % was not dominated).

``DESK_AND_CHECK``: one clerk, 80 % busy, then a quick check (0.03 h) by one checker, 3 % busy.
A second clerk cuts the cycle time by two thirds; a second checker saves the few cases that wait
for the first one a minute or so: about 0.0007 h of a 3.1 h cycle time (0.02 %), significant on
common random numbers (it can only shorten waits), and negligible. Headcount is the other
objective: each hire costs a person in every replication.
"""

from __future__ import annotations

import pytest

from sim.model import from_dict
from sim.optimize import Evaluator, Objective, confirm
from sim.optimize.confirm import NEGLIGIBLE_CHANGE, is_recommended, mark_dominated
from sim.redesign import SearchSpace
from tests.optimize.conftest import candidates_markdown, unconfirmed_candidates
from tests.optimize.test_window_edge_ablation import (
    CONFIRM_REPS,
    EDGE_SCENARIO,
    SEARCH_REPS,
    edge_run,
)

DESK_AND_CHECK = {
    "name": "desk_and_check",
    "start": "work",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
    "roles": {
        "clerk": {"headcount": 1, "hourly_cost": 10},
        "checker": {"headcount": 1, "hourly_cost": 10},
    },
    "steps": {
        "work": {
            "role": "clerk",
            "duration": {"dist": "exponential", "mean": 0.8},
            "next": "check",
        },
        "check": {
            "role": "checker",
            "duration": {"dist": "exponential", "mean": 0.03},
            "next": "done",
        },
    },
    "ends": {"done": {"success": True}},
}
CYCLE = Objective("cycle_time_mean")
HEADCOUNT = Objective("headcount")
OBJECTIVES = (CYCLE, HEADCOUNT)
CLERK = "staffing:clerk"
CHECKER = "staffing:checker"
FOUND = {CLERK: 2, CHECKER: 2}
FLOOR = f"under {100 * NEGLIGIBLE_CHANGE:g} % of today's value"


def desk_and_check():
    model = from_dict(DESK_AND_CHECK)
    space = SearchSpace.from_dict(
        {
            "model": "desk_and_check",
            "staffing": {"clerk": {"min": 1, "max": 2}, "checker": {"min": 1, "max": 2}},
        },
        model,
    )
    return model, space


def _run(tmp_path_factory, *, prune_harm: bool) -> tuple[dict, str]:
    """The search finds both hires (a one-point grid); confirmed, ablated and (``prune_harm``)
    pruned: ``(confirmation.json, recommendations.md)``."""
    model, space = desk_and_check()
    run_dir = tmp_path_factory.mktemp("negligible") / "run"
    return edge_run(run_dir, model, space, OBJECTIVES, FOUND, prune_harm=prune_harm)


@pytest.fixture(scope="module")
def ablated(tmp_path_factory):
    return _run(tmp_path_factory, prune_harm=False)


@pytest.fixture(scope="module")
def pruned(tmp_path_factory):
    return _run(tmp_path_factory, prune_harm=True)


def _today(conf: dict, kpi: str) -> float:
    (c,) = conf["candidates"]
    return c["comparison"][kpi]["base"]


def test_a_negligible_gain_is_no_gain_in_the_ablation(ablated):
    conf, _md = ablated
    (c,) = conf["candidates"]
    roles = {a["variable"]: a for a in c["ablation"]}
    checker = roles[CHECKER]["contribution"]["cycle_time_mean"]
    # the premise: the second checker's saving is significant after Holm's adjustment, and
    # under the floor of today's mean cycle time
    assert checker["significant_adjusted"]
    assert 0 < checker["improvement"] < NEGLIGIBLE_CHANGE * _today(conf, "cycle_time_mean")
    assert checker["negligible"] is True
    # a person for nothing: harm (was "trade-off"); the second clerk's gain is real
    assert roles[CHECKER]["role"] == "harm"
    assert roles[CLERK]["role"] == "trade-off"
    assert "negligible" not in roles[CLERK]["contribution"]["cycle_time_mean"]


def test_pruning_drops_a_change_that_buys_a_negligible_gain(pruned):
    conf, md = pruned
    (c,) = conf["candidates"]
    (attempt,) = c["pruning"]
    assert [d["variable"] for d in attempt["dropped"]] == [CHECKER]
    versus = attempt["versus_kept"]["cycle_time_mean"]
    # without the checker the cycle time is significantly, negligibly longer: no worse
    assert versus["significant"] and versus["diff"] > 0 and versus["negligible"] is True
    assert attempt["adopted"] and attempt["worse_on"] == []
    assert c["choice"] == {CLERK: 2, CHECKER: 1}
    assert c["recommended"]
    assert (
        f"| yes; negligible ({FLOOR}): neither better nor worse |" in md
        and f"its significant mean cycle time change is negligible ({FLOOR}, above)" in md
    )


def test_recommendations_mark_the_negligible_contribution(ablated):
    conf, md = ablated
    (c,) = conf["candidates"]
    checker = next(a for a in c["ablation"] if a["variable"] == CHECKER)
    row = next(x for x in md.splitlines() if x.startswith(f"| {checker['change']} |"))
    assert "* negligible | -1.00 [-1.00, -1.00] * | harm |" in row
    assert f"the role uses *, except a negligible change ({FLOOR}," in md
    line = next(x for x in md.splitlines() if x.startswith(f"- {checker['change']}"))
    assert line.endswith(
        f"; without it, its significant change of mean cycle time is negligible ({FLOOR}), "
        "neither better nor worse."
    )


def test_a_negligible_lead_is_no_lead():
    """Both hires against the clerk alone: the second checker's cycle time lead is negligible,
    the other's lead on headcount is not, so that one dominates (was: neither did)."""
    model, space = desk_and_check()
    with Evaluator(model=model, space=space, scenario=EDGE_SCENARIO, seed=0, workers=1) as ev:
        both, clerk = unconfirmed_candidates(space, (dict(FOUND), {CLERK: 2, CHECKER: 1}))
        base = confirm(
            [both, clerk], ev, OBJECTIVES, (), replications=CONFIRM_REPS, start=SEARCH_REPS
        )
    assert is_recommended(both) and is_recommended(clerk)
    # the premise: both hires lead on the mean cycle time, by less than the floor
    a = both.per_replication["values"]["cycle_time_mean"]
    b = clerk.per_replication["values"]["cycle_time_mean"]
    lead = sum(b) / len(b) - sum(a) / len(a)
    today = both.comparison.loc["cycle_time_mean", "base"]
    assert 0 < lead < NEGLIGIBLE_CHANGE * today
    mark_dominated([both, clerk], OBJECTIVES)
    d = both.dominated_by
    assert d is not None and d["trial"] == clerk.trial and clerk.dominated_by is None
    assert d["better_on"] == ["headcount"] and d["negligible"] == ["cycle_time_mean"]
    assert not is_recommended(both)
    md = candidates_markdown(
        [clerk, both], base, OBJECTIVES, CONFIRM_REPS, model_name="desk_and_check"
    )
    assert (
        f"their difference in mean cycle time is negligible ({FLOOR}), neither a lead nor a "
        "lag), so this one is no trade-off worth choosing" in md
    )
