"""A resource that works on several cases at once (a 'system' user) gets a note: the model has
each resource do one thing at a time (QA 2026-12-05: a 'system' user overlapping itself in 152
of 600 executions became a role of headcount 1, without a word)."""

from __future__ import annotations

import pandas as pd

from sim.calibrate.calibrate import _many_at_once_note


def test_a_resource_overlapping_itself_is_named_with_its_counts():
    rows = []
    for k in range(100):  # 'system' starts every 0.5 h work of 1 h: overlaps from the second on
        rows.append(("system", 0.5 * k, 0.5 * k + 1.0))
        rows.append(("ann", 2.0 * k, 2.0 * k + 1.0))  # one thing at a time
    ev = pd.DataFrame(rows, columns=["resource", "start", "end"])
    note = _many_at_once_note(ev)
    assert note is not None and "('system' 99 of 100 events)" in note
    assert "ann" not in note and "columns.no_resource" in note
    assert _many_at_once_note(ev[ev["resource"] == "ann"]) is None
    # a few overlaps (a clock skew, a quick second look) are no sign
    few = ev[ev["resource"] == "ann"].copy()
    few.loc[few.index[:10], "end"] += 1.5
    assert _many_at_once_note(few) is None
