"""The ablation and the dominance between recommended redesigns judge throughput as the
confirmation does: a significant change that is the measurement window's edges is neither help
nor harm, neither a lead nor a lag (README, "Redesign search": the ablation and pruning did not
apply the rule; ``sim.kpis.compare.window_edge_note``).

``TWO_DESKS``: leads wait for one sales development rep (``sdr``) and give up when she keeps
them waiting (patience); the ones she qualifies queue for two clerks. Leads arrive on weekdays
only, faster than two clerks serve, so the clerks' queue builds over the week and empties at
the weekend: the window (``EDGE_SCENARIO``: a week of warm-up, 19 days) opens on a Monday with
no case in progress and closes on a Saturday, at the week's longest queue. A third clerk under
the same demand wins no more cases (the runs drain: every lead qualified is served in the end)
and leaves the drop-off rate as it was; he finishes inside the window cases that two clerks
finish after it: more throughput in the window, a one-off shift at its end. A second sdr wins
more cases (fewer leads give up): a real gain, of throughput too.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from sim.kpis.compare import WINDOW_EDGE, window_edge_note
from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.optimize import Candidate, Evaluator, FollowUp, Objective, SamplerSpec, confirm
from sim.optimize.confirm import is_recommended, mark_dominated, window_edge
from sim.optimize.pipeline import optimize_redesign
from sim.redesign import SearchSpace
from tests.optimize.conftest import candidates_markdown, search_job

TWO_DESKS = {
    "name": "two_desks",
    "start": "qualify",
    "arrivals": {
        "interarrival": {"dist": "exponential", "mean": 1.0},
        "profile": {"weekdays": [1] * 24, "weekend": [0] * 24},
    },
    "roles": {
        "sdr": {"headcount": 1, "hourly_cost": 10},
        "clerk": {"headcount": 2, "hourly_cost": 10},
    },
    "steps": {
        "qualify": {
            "role": "sdr",
            "duration": {"dist": "exponential", "mean": 0.6},
            "patience": {"dist": "exponential", "mean": 2.0},
            "next": "serve",
        },
        "serve": {
            "role": "clerk",
            "duration": {"dist": "exponential", "mean": 1.7},
            "next": "done",
        },
    },
    "ends": {"done": {"success": True}},
}
EDGE_SCENARIO = Scenario(horizon_days=19, warmup_days=7)
THROUGHPUT = Objective("throughput_per_week", "maximize")
DROPOFF = Objective("dropoff_rate")
CYCLE = Objective("cycle_time_mean")
SEARCH_REPS, CONFIRM_REPS = 2, 5
SDR = "staffing:sdr"
CLERK = "staffing:clerk"
FOUND = {SDR: 2, CLERK: 3}


def two_desks(*, sdr: int = 1):
    """``TWO_DESKS`` with ``sdr`` sales development reps."""
    m = copy.deepcopy(TWO_DESKS)
    m["roles"]["sdr"]["headcount"] = sdr
    return from_dict(m)


def hires_space(model, *, sdr: bool = True) -> SearchSpace:
    """A second sdr (unless ``sdr`` is false) and a third clerk, 1,000 each."""
    staffing = {"clerk": {"min": 2, "max": 3, "one_off_cost_per_hire": 1000}}
    if sdr:
        staffing["sdr"] = {"min": 1, "max": 2, "one_off_cost_per_hire": 1000}
    return SearchSpace.from_dict({"model": "two_desks", "staffing": staffing}, model)


def edge_run(
    run_dir: Path, model, space, objectives, found: dict, *, prune_harm: bool
) -> tuple[dict, str]:
    """``optimize_redesign`` of a one-trial search that finds ``found`` (a one-point grid),
    confirmed, ablated and (``prune_harm``) pruned on ``CONFIRM_REPS`` fresh replications:
    ``(confirmation.json, recommendations.md)``."""
    job = search_job(
        model,
        space,
        objectives=objectives,
        scenario=EDGE_SCENARIO,
        seed=0,
        n_trials=1,
        replications=SEARCH_REPS,
        sampler=SamplerSpec(
            "optuna.samplers.GridSampler",
            {"search_space": {k: [v] for k, v in found.items()}, "seed": 1},
        ),
    )
    follow_up = FollowUp(
        confirm_replications=CONFIRM_REPS, top_k=1, ablate_top=1, prune_harm=prune_harm
    )
    optimize_redesign(job, run_dir=run_dir, follow_up=follow_up, progress=False, workers=1)
    return (
        json.loads((run_dir / "confirmation.json").read_text(encoding="utf-8")),
        (run_dir / "recommendations.md").read_text(encoding="utf-8"),
    )


def confirmation_tables(model, space, choice: dict):
    """The confirmation's replications of ``choice`` and of ``choice`` without its third clerk
    (the ablation's pair), simulated again with the run's seed."""
    with Evaluator(model=model, space=space, scenario=EDGE_SCENARIO, seed=0, workers=1) as ev:
        full = ev.table(choice, CONFIRM_REPS, start=SEARCH_REPS)
        without = ev.table(choice | {CLERK: 2}, CONFIRM_REPS, start=SEARCH_REPS)
    return full, without


@pytest.fixture(scope="module")
def ablated(tmp_path_factory):
    model = two_desks()
    space = hires_space(model)
    conf, md = edge_run(
        tmp_path_factory.mktemp("ablation") / "run",
        model,
        space,
        (THROUGHPUT, DROPOFF),
        FOUND,
        prune_harm=False,
    )
    return conf, md, confirmation_tables(model, space, FOUND)


def test_a_change_that_moves_only_the_windows_edges_carries_no_gain(ablated):
    conf, md, (full, without) = ablated
    (c,) = conf["candidates"]
    assert c["recommended"] and c["choice"] == FOUND
    # the premise: without the third clerk the same cases arrive and the same are won, in
    # every replication, and the window counts fewer completions, significantly
    assert full["cases_arrived"].tolist() == without["cases_arrived"].tolist()
    assert full["cases_completed"].tolist() == without["cases_completed"].tolist()
    roles = {a["variable"]: a for a in c["ablation"]}
    # the third clerk carries no gain; the second sdr's throughput is won cases, and counts
    assert roles[CLERK]["role"] == "noise"
    assert roles[SDR]["role"] == "carries gain"
    clerk = roles[CLERK]["contribution"]
    shift = clerk["throughput_per_week"]
    assert shift["improvement"] > 0 and shift["significant_adjusted"]
    assert clerk["dropoff_rate"]["identical"]
    # the reason is sim.kpis.compare's, word for word (one rule)
    diff = float((without["throughput_per_week"] - full["throughput_per_week"]).mean())
    assert shift["improvement"] == pytest.approx(-diff)
    assert window_edge(shift) == window_edge_note(full, without, diff, paired=True)
    assert window_edge(shift).startswith("the cases that arrived in the window were won as often")
    # the second sdr's changes are the process's
    assert not any(window_edge(v) for v in roles[SDR]["contribution"].values())
    assert roles[SDR]["contribution"]["throughput_per_week"]["significant_adjusted"]


def test_recommendations_mark_the_ablations_window_edge_with_the_reason(ablated):
    conf, md, _tables = ablated
    (c,) = conf["candidates"]
    clerk = next(a for a in c["ablation"] if a["variable"] == CLERK)
    row = next(x for x in md.splitlines() if x.startswith(f"| {clerk['change']} |"))
    assert row.endswith(f"* {WINDOW_EDGE} | 0.00 [0.00, 0.00] = | noise |")
    reason = window_edge(clerk["contribution"]["throughput_per_week"])
    assert (
        f"({WINDOW_EDGE}, {clerk['change']}: the throughput change without it is the "
        f"measurement window's, not the process's: {reason};" in md
    )
    assert f"the role uses *, except a {WINDOW_EDGE} change" in md
    line = next(x for x in md.splitlines() if x.startswith(f"- {clerk['change']}"))
    assert line.endswith(
        "ablation: noise: without it, its significant change of throughput is the measurement "
        f"window's edges ({WINDOW_EDGE}, below), neither better nor worse; no other effect "
        f"detectable with {CONFIRM_REPS} paired replications."
    )


@pytest.fixture(scope="module")
def rivals():
    """Two redesigns, one with a third clerk, confirmed together on the confirmation's
    replications (common random numbers), with and without cycle time an objective."""
    model = two_desks()
    space = hires_space(model)
    out = {}
    with Evaluator(model=model, space=space, scenario=EDGE_SCENARIO, seed=0, workers=1) as ev:
        for objectives in ((THROUGHPUT, DROPOFF), (THROUGHPUT, DROPOFF, CYCLE)):
            cands = [
                Candidate(
                    trial=i,
                    choice=choice,
                    changes=space.describe(choice),
                    one_off_cost=space.one_off_cost(choice),
                    search_values=[0.0] * len(objectives),
                    rank=i + 1,
                    search_rank=i + 1,
                )
                for i, choice in enumerate(({SDR: 2}, dict(FOUND)))
            ]
            base = confirm(cands, ev, objectives, (), replications=CONFIRM_REPS, start=SEARCH_REPS)
            mark_dominated(cands, objectives)
            out[len(objectives)] = cands, base, objectives
    return out


def test_a_lead_at_the_windows_edges_dominates_nobody(rivals):
    (two, three), _base, _objectives = rivals[2]
    # both recommended: neither dominates, nor leads, on a window's edges
    assert is_recommended(two) and is_recommended(three)
    assert two.dominated_by is None and three.dominated_by is None
    assert two.indistinguishable_from == [] and three.indistinguishable_from == []
    # the premise: the third clerk's throughput is higher in every replication, the drop-off
    # the same, on the same cases won (kept per replication beside the objectives, and in
    # confirmation.json)
    a, b = two.per_replication, three.per_replication
    ahead = zip(a["values"]["throughput_per_week"], b["values"]["throughput_per_week"], strict=True)
    assert all(y > x for x, y in ahead)
    assert a["values"]["dropoff_rate"] == b["values"]["dropoff_rate"]
    assert a["window"]["cases_completed"] == b["window"]["cases_completed"]
    assert two.to_dict()["per_replication"]["window"] == a["window"]


def test_dominance_on_a_real_gain_names_the_window_edge_beside_it(rivals):
    """With cycle time an objective, the third clerk's shorter cycle time is a real lead: that
    one dominates, and its record says the throughput difference counts for neither."""
    (two, three), base, objectives = rivals[3]
    d = two.dominated_by
    assert d is not None and d["trial"] == three.trial and three.dominated_by is None
    assert d["better_on"] == ["cycle_time_mean"]
    (reason,) = d["window_edge"].values()
    assert list(d["window_edge"]) == ["throughput_per_week"]
    assert reason.startswith("the cases that arrived in the window were won as often")
    md = candidates_markdown([three, two], base, objectives, CONFIRM_REPS, model_name="two_desks")
    assert (
        f"their difference in throughput is the measurement window's edges ({WINDOW_EDGE}: "
        f"{reason}), neither better nor worse), so this one is no trade-off worth choosing" in md
    )
