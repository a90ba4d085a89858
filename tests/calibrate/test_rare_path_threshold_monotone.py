"""``calibration.rare_path_threshold`` acts the same way at every level (QA spec24 #2): a higher
threshold removes every branch a lower one removed; a decision whose branches are all below it
keeps its most probable one(s), ties included; a branch is kept where a step would otherwise
lose its way to an end; the notes say which branches below the threshold stay and why, and
which ends (drop-offs) the model no longer reaches. Every branch removed or kept below it is
recorded in model.yaml's metadata.rare_paths, the kept note leaves out decisions no case reaches
any more, and losing every success end is said (QA retest24 F3-F5)."""

from __future__ import annotations

from collections.abc import Sequence

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
from sim.model import ProcessModel, load, save

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


# ---- QA retest24 F3-F5: where the removed branches are recorded, what the notes leave out


def _log_of(paths: Sequence[tuple[int, Sequence[str]]]) -> pd.DataFrame:
    """A log of ``n`` cases per (n, activities), one case after another, each step half an
    hour with a minute between steps, each activity done by its own person."""
    rows, t, i = [], pd.Timestamp("2024-01-01"), 0
    for n, acts in paths:
        for _ in range(n):
            clock, i = t, i + 1
            for a in acts:
                rows.append((f"c{i}", a, clock, clock + pd.Timedelta(minutes=30), f"r{a}"))
                clock += pd.Timedelta(minutes=31)
            t += pd.Timedelta(minutes=17)
    return pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])


def _note(cal, start: str) -> str | None:
    return next((n for n in cal.notes if n.startswith(start)), None)


def test_every_removed_branch_is_in_model_yaml_although_its_decision_is_gone(tmp_path):
    """F3: 15 rare ways out of the start (0.5 % each) leave it with one branch, a plain
    ``start``: no decision keeps their ``rare_removed``. The note names 12 and counts 3 more
    in model.yaml's metadata.rare_paths, which holds all 15 (also after a save and load)."""
    log = _log_of([(1000, ["A", "Done"])] + [(5, [f"R{i:02d}", "Done"]) for i in range(15)])
    cal = calibrate_model(log, dropoff_outcomes=[], rare_path_threshold=0.05, **QUIET)
    assert cal.model.start == "A" and not cal.model.decisions  # the decision is gone
    note = _note(cal, "rare paths (")
    assert note.count(" -> ") == 12
    assert note.endswith("and 3 more (all in model.yaml's metadata.rare_paths.removed)")
    save(cal.model, tmp_path / "model.yaml")
    record = load(tmp_path / "model.yaml").metadata["rare_paths"]
    assert record["threshold"] == 0.05
    removed = {(r["decision"], r["to"]): r for r in record["removed"]}
    assert set(removed) == {("start", f"R{i:02d}") for i in range(15)}
    for r in removed.values():
        assert r["transitions"] == 5 and r["probability"] == pytest.approx(5 / 1075, abs=1e-4)
    # the named ones are the record's first 12, in the note's order
    for r in record["removed"][:12]:
        assert f"start -> '{r['to']}'" in note


def test_the_kept_note_leaves_out_decisions_no_case_reaches_any_more():
    """F4: at 0.5 the start's way to Z (20 %) goes, so no case reaches Z's decision, whose
    branches (40/30/30 %) are all below 0.5 and keep their most probable: that one is not
    said to be kept (model.yaml's record marks it not reached); A's, still reached, is."""
    log = _log_of(
        [(8, ["Z", "P", "Done"]), (6, ["Z", "Q", "Done"]), (6, ["Z"])]
        + [(36, ["A", "B", "Done"]), (28, ["A", "C", "Done"]), (16, ["A", "D", "Done"])]
    )
    cal = calibrate_model(log, dropoff_outcomes=[], rare_path_threshold=0.5, **QUIET)
    assert "Z" not in cal.model.steps and "P" not in cal.model.steps
    kept = _note(cal, "rare paths below 0.5 kept (1 branch(es);")
    assert kept is not None and "after:A -> 'B', 45.0 % (most probable)" in kept
    assert "after:Z" not in kept
    record = {(r["decision"], r["to"]): r for r in cal.model.metadata["rare_paths"]["kept_below"]}
    assert record[("after:A", "B")]["reached"] is True
    assert record[("after:Z", "P")] == {
        "decision": "after:Z",
        "to": "P",
        "probability": 0.4,
        "why": "most probable",
        "reached": False,
    }
    gone = _note(cal, "rare paths: with them removed")
    assert "end 'Z'" in gone  # the lost end is said, and the kept note does not contradict it


def test_losing_every_success_end_is_said_with_the_threshold_that_keeps_one():
    """F5: 249 of 500 cases are accepted (49.8 %), the rest rejected, a drop-off. At 0.5 the
    accepting branch goes and every case ends as a drop-off: the note says so and gives the
    highest threshold of 3 digits that keeps a success (0.498; 0.499 does not)."""
    log = _log_of([(249, ["Apply", "Accept"]), (251, ["Apply", "Reject"])])
    cal = calibrate_model(log, dropoff_outcomes=["Reject"], rare_path_threshold=0.5, **QUIET)
    assert {e.success for e in cal.model.ends.values()} == {False}
    gone = _note(cal, "rare paths: with them removed")
    assert "end 'Accept' (a success; rare_path_threshold=0.498 or lower keeps it)" in gone
    assert gone.endswith(
        ", and no success at all: every case ends as a drop-off "
        "(rare_path_threshold=0.498 or lower keeps a success)"
    )
    assert cal.model.metadata["rare_paths"]["lost_ends"] == [
        {"end": "end:Accept", "success": True, "kept_by_threshold_at_most": 0.498}
    ]
    for threshold, success in ((0.498, True), (0.499, False)):
        other = calibrate_model(
            log, dropoff_outcomes=["Reject"], rare_path_threshold=threshold, **QUIET
        )
        assert any(e.success for e in other.model.ends.values()) is success, threshold
