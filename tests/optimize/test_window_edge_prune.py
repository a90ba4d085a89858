"""Pruning judges the smaller redesign against the one it was cut from as the confirmation
judges a redesign against today: a significant throughput change that is the measurement
window's edges (the same cases won, the change in the cases in progress at the window's start
or end) makes it neither worse nor better (``sim.optimize.prune``; the model:
``tests.optimize.test_window_edge_ablation``).

Before, the third clerk of ``TWO_DESKS`` stayed in the recommendation: without him the window
counts fewer completions, significantly, and pruning read that as "significantly worse on
throughput", although the same cases were won in every replication.
"""

from __future__ import annotations

import pytest
import yaml

from sim.kpis.compare import WINDOW_EDGE
from sim.optimize.confirm import window_edge
from sim.optimize.prune import COSTLY_NOISE
from tests.optimize.test_window_edge_ablation import (
    CLERK,
    DROPOFF,
    FOUND,
    SDR,
    THROUGHPUT,
    confirmation_tables,
    edge_run,
    hires_space,
    two_desks,
)


@pytest.fixture(scope="module")
def pruned(tmp_path_factory):
    model = two_desks()
    space = hires_space(model)
    run = tmp_path_factory.mktemp("prune") / "run"
    conf, md = edge_run(run, model, space, (THROUGHPUT, DROPOFF), FOUND, prune_harm=True)
    best = yaml.safe_load((run / "best" / "1.yaml").read_text(encoding="utf-8"))
    return conf, md, best, confirmation_tables(model, space, FOUND)


def test_a_hire_that_moves_only_the_windows_edges_is_dropped(pruned):
    conf, _md, best, (full, without) = pruned
    (c,) = conf["candidates"]
    # recommended without the third clerk; best/1.yaml is that redesign
    assert c["recommended"] and c["choice"] == {SDR: 2, CLERK: 2}
    assert c["original"]["choice"] == FOUND
    assert best["roles"]["clerk"]["headcount"] == 2 and best["roles"]["sdr"]["headcount"] == 2
    (p,) = c["pruning"]
    assert p["pass"] == COSTLY_NOISE and p["adopted"]
    assert [d["variable"] for d in p["dropped"]] == [CLERK]
    # the evidence: fewer completions in the window without him, significantly, on the same
    # cases won in every replication: the window's edges, neither worse nor better
    assert full["cases_completed"].tolist() == without["cases_completed"].tolist()
    shift = p["versus_kept"]["throughput_per_week"]
    assert shift["significant"] and shift["diff"] < 0
    assert window_edge(shift).startswith("the cases that arrived in the window were won as often")
    assert p["worse_on"] == [] and p["better_on"] == []
    same = p["versus_kept"]["dropoff_rate"]  # no lead gives up waiting for a clerk
    assert same["diff"] == same["ci_low"] == same["ci_high"] == 0


def test_recommendations_say_the_dropped_hires_throughput_is_the_windows(pruned):
    conf, md, _best, _tables = pruned
    (c,) = conf["candidates"]
    (p,) = c["pruning"]
    evidence = md.partition("**Dropped")[2].partition("**Recommended without it**")[0]
    row = next(x for x in evidence.splitlines() if x.startswith("| throughput |"))
    assert row.endswith(f"| yes; {WINDOW_EDGE}: neither better nor worse |")
    reason = window_edge(p["versus_kept"]["throughput_per_week"])
    assert (
        f"({WINDOW_EDGE}: the throughput change without it is the measurement window's, not the "
        f"redesign's: {reason};" in md
    )
    assert (
        "**Recommended without it**: not significantly worse on any objective (unadjusted 95 % "
        f"CI); its throughput change is the window's edges ({WINDOW_EDGE}, above)." in md
    )
    assert "significantly worse than with it" not in md
