"""The rare-path note names each branch it removed, with its probability at its decision and
whether it was a loop back, not only how many decisions lost branches."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.calibrate import calibrate_model


def _log(n: int = 600, seed: int = 0) -> tuple[pd.DataFrame, dict[tuple[str, str], int]]:
    """A -> B -> C, where about 7 % go A -> D -> C and about 10 % go back from B to A once;
    with the transitions counted."""
    rng = np.random.default_rng(seed)
    rows, counts = [], {}
    t = 0.0
    for i in range(n):
        t += rng.exponential(1.0)
        acts = ["A", "D"] if rng.random() < 0.07 else ["A", "B"]
        if acts[-1] == "B" and rng.random() < 0.1:
            acts += ["A", "B"]
        acts.append("C")
        for a, b in zip(acts, acts[1:], strict=False):
            counts[(a, b)] = counts.get((a, b), 0) + 1
        clock = t
        for a in acts:
            d = rng.exponential(0.5)
            rows.append((f"c{i}", a, clock, clock + d, f"r{a}"))
            clock += d + rng.exponential(0.2)
    df = pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])
    for col in ("start_time", "end_time"):
        df[col] = pd.Timestamp("2024-01-01") + pd.to_timedelta(df[col], unit="h")
    return df, counts


def _share(counts: dict[tuple[str, str], int], a: str, b: str) -> str:
    out = sum(c for (x, _), c in counts.items() if x == a)
    return f"{100 * counts[(a, b)] / out:.1f} %"


def test_the_note_names_each_removed_branch_with_its_probability():
    log, counts = _log()
    cal = calibrate_model(
        log,
        dropoff_outcomes=[],
        rare_path_threshold=0.15,
        extraneous_delays=False,
        hidden_delays=False,
        max_repeats=1,
    )
    note = next(n for n in cal.notes if n.startswith("rare paths"))
    assert "below 0.15" in note and "removed at 2 decision(s)" in note
    assert f"after:B -> 'A', {_share(counts, 'B', 'A')} (a loop back)" in note
    assert f"after:A -> 'D', {_share(counts, 'A', 'D')}" in note
    assert f"after:A -> 'D', {_share(counts, 'A', 'D')} (a loop back)" not in note
    # and the model has lost them
    targets = {b.to for d in cal.model.decisions.values() for b in d.branches}
    assert "D" not in targets and cal.model.steps["A"].next == "B"


def test_many_removed_branches_are_counted_beyond_the_named_ones():
    from sim.calibrate.calibrate import _removed_branches_text

    branches = [(f"after:S{i}", f"T{i}", 0.01, False) for i in range(15)]
    text = _removed_branches_text(branches + [("after:X", "end:lost", 0.02, False)])
    assert text.count(" -> ") == 12
    assert text.endswith("and 4 more (all in model.yaml's metadata.rare_paths.removed)")
    assert _removed_branches_text([("after:X", "end:lost", 0.02, False)]) == (
        "after:X -> end 'lost', 2.0 %"
    )
