"""``calibration.rare_path_threshold`` acts the same way at every level (QA spec24 #2): a higher
threshold removes every branch a lower one removed; a decision whose branches are all below it
keeps its most probable one(s), ties included; a branch is kept where a step would otherwise
lose its way to an end; the notes say which branches below the threshold stay and why, and
which ends (drop-offs) the model no longer reaches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from sim.calibrate import calibrate_model
from sim.calibrate.calibrate import END_PREFIX, filter_rare_paths
from sim.eventlog import read_event_log
from sim.model import ProcessModel

QUIET = {"extraneous_delays": False, "hidden_delays": False, "max_repeats": 1}

# ---- the filter itself, on random routing graphs

POINTS = ["<start>", "A", "B", "C", "D"]
ENDS = [END_PREFIX + "won", END_PREFIX + "lost"]


@st.composite
def routings(draw) -> dict[str, dict[str, int]]:
    """Decision points -> target -> count, loops and self-loops included; every point has a
    branch, and each branch a count of 1-40 (equal counts, so ties, are common)."""
    out = {}
    for p in POINTS:
        targets = draw(st.sets(st.sampled_from(POINTS[1:] + ENDS), min_size=1, max_size=5))
        out[p] = {t: draw(st.integers(1, 40)) for t in sorted(targets)}
    return out


def _reaches_an_end(points: dict[str, dict[str, float]]) -> set[str]:
    """The points from which some end can be reached (scipy's shortest paths on the graph)."""
    nodes = POINTS + ENDS
    ix = {n: i for i, n in enumerate(nodes)}
    rows = [(ix[p], ix[t]) for p, c in points.items() for t in c]
    adj = csr_matrix(
        ([1] * len(rows), ([r for r, _ in rows], [c for _, c in rows])), (len(nodes),) * 2
    )
    dist = shortest_path(adj, directed=True, unweighted=True)
    return {p for p in POINTS if np.isfinite(dist[ix[p], [ix[e] for e in ENDS]]).any()}


def _below(points: dict[str, dict[str, int]], rare: float) -> set[tuple[str, str]]:
    return {(p, t) for p, c in points.items() for t, n in c.items() if n / sum(c.values()) < rare}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(routings(), st.floats(0.0, 0.99), st.floats(0.0, 0.99))
def test_a_higher_threshold_removes_every_branch_a_lower_one_does(points, t1, t2):
    low, high = sorted((t1, t2))
    removed = {}
    for rare in (low, high):
        res = filter_rare_paths(points, rare)
        gone = {(p, t) for p, c in res.removed.items() for t in c}
        removed[rare] = gone
        # removed and kept-although-below split the branches below the threshold exactly
        assert gone | set(res.kept_below) == _below(points, rare)
        assert not gone & set(res.kept_below)
        for p, c in points.items():
            assert set(res.kept[p]) == set(c) - {t for q, t in gone if q == p}
            assert res.kept[p], p  # no decision is emptied
            top = max(c.values())
            for t, n in c.items():  # the most probable branches (ties) always stay
                if n == top:
                    assert t in res.kept[p]
                    if (p, t) in res.kept_below:
                        assert res.kept_below[(p, t)] is None
        # no point that could reach an end loses its way to one
        assert _reaches_an_end(res.kept) == _reaches_an_end(points)
    assert removed[low] <= removed[high]


def test_a_branch_kept_as_the_last_way_to_an_end_names_the_step():
    """X goes to B (70 %), C (20 %) or ends (10 %); B comes back to X; C ends. At 0.25 both
    small branches are below it: the end goes (C is still a way out), C stays."""
    points = {"<start>": {"X": 10}, "X": {"B": 70, "C": 20, "end:x": 10}, "B": {"X": 70}}
    points["C"] = {"end:done": 20}
    res = filter_rare_paths(points, 0.25)
    assert res.removed == {"X": {"end:x": 10}}
    assert res.kept_below == {("X", "C"): "X"}
    assert res.lost_ends == {"end:x": pytest.approx(0.1)}
    # the same at 0.15: the threshold between them keeps nothing it removed
    assert filter_rare_paths(points, 0.15).removed == res.removed


# ---- through calibrate_model


def _edges(model: ProcessModel) -> set[tuple[str, str]]:
    """Every (node, next node) of the model, a decision read as its branches."""

    def to(node: str) -> list[str]:
        d = model.decisions.get(node)
        return [b.to for b in d.branches] if d else [node]

    out = {("<start>", t) for t in to(model.start)}
    for name, s in model.steps.items():
        out |= {(name, t) for t in to(s.next)}
    for name, par in model.parallels.items():
        out |= {(name, t) for b in par.branches for t in to(b)}
        out |= {(par.join, t) for t in to(par.next)}
    return out


def _loop_log(n: int = 400, seed: int = 1) -> pd.DataFrame:
    """S -> X, then from X: back through B (about 60 %), on to C -> Done (25 %) or end (15 %)."""
    rng = np.random.default_rng(seed)
    rows, t = [], 0.0
    for i in range(n):
        t += rng.exponential(1.0)
        acts = ["S", "X"]
        while (u := rng.random()) < 0.6:
            acts += ["B", "X"]
        if u < 0.85:
            acts += ["C", "Done"]
        clock = t
        for a in acts:
            d = rng.exponential(0.5)
            rows.append((f"c{i}", a, clock, clock + d, f"r{a}"))
            clock += d + rng.exponential(0.2)
    df = pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])
    for col in ("start_time", "end_time"):
        df[col] = pd.Timestamp("2024-01-01") + pd.to_timedelta(df[col], unit="h")
    return df


def test_a_branch_kept_to_avoid_a_trap_does_not_bring_back_what_a_lower_threshold_removed():
    log = _loop_log()
    low = calibrate_model(log, dropoff_outcomes=[], rare_path_threshold=0.2, **QUIET)
    high = calibrate_model(log, dropoff_outcomes=[], rare_path_threshold=0.3, **QUIET)
    assert ("X", "end:X") in _edges(calibrate_model(log, dropoff_outcomes=[], **QUIET).model)
    assert ("X", "end:X") not in _edges(low.model)  # 13.7 % < 0.2
    assert _edges(high.model) <= _edges(low.model)
    kept = next(n for n in high.notes if n.startswith("rare paths below 0.3 kept"))
    assert "after:X -> 'C'" in kept and "without it 'X' would have no way to an end" in kept
    gone = next(n for n in high.notes if "no case reaches" in n)
    assert "end 'X'" in gone and "the model has no such outcome" in gone


@pytest.fixture(scope="module")
def loan(shared_data):
    """The QA log: the first 150 cases of the synthetic loan application."""
    path = shared_data / "synth_loan_application" / "Loan_Application.csv.gz"
    log = read_event_log(path)
    cases = sorted(log.events["case_id"].unique(), key=int)[:150]
    return log.events[log.events["case_id"].isin(cases)].drop(columns=["extraneous_delay"])


def test_loan_log_at_0_5_and_0_6(loan):
    """QA spec24 #2: at 0.5 the rejections and cancellations (44.7 %, 45.6 %) went; at 0.6,
    where every branch of those decisions is below the threshold, all came back silently."""
    cal = {t: calibrate_model(loan, rare_path_threshold=t) for t in (0.5, 0.6)}
    assert _edges(cal[0.6].model) <= _edges(cal[0.5].model)
    assert set(cal[0.6].model.ends) == set(cal[0.5].model.ends) == {"end:Approve application"}
    kept = next(n for n in cal[0.6].notes if n.startswith("rare paths below 0.6 kept"))
    assert "after:Assess loan risk -> 'delay:Design loan offer', 55.3 % (most probable)" in kept
    assert "(most probable, tied)" in kept  # the 50/50 decision after the parallel block
    for notes in (cal[0.5].notes, cal[0.6].notes):
        gone = next(n for n in notes if "no case reaches" in n)
        for outcome in ("Reject application", "Cancel application"):
            assert f"end '{outcome}' (a drop-off; rare_path_threshold=0.4" in gone
        assert gone.endswith("and no drop-off at all")
