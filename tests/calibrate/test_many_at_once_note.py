"""A resource that works on several cases at once (a 'system' user) gets a note: the model has
each resource do one thing at a time (QA 2026-12-05: a 'system' user overlapping itself in 152
of 600 executions became a role of headcount 1, without a word)."""

from __future__ import annotations

import pandas as pd

from sim.calibrate.log_notes import many_at_once_note


def test_a_resource_overlapping_itself_is_named_with_its_counts():
    rows = []
    for k in range(100):  # 'system' starts every 0.5 h work of 1 h: overlaps from the second on
        rows.append(("system", 0.5 * k, 0.5 * k + 1.0))
        rows.append(("ann", 2.0 * k, 2.0 * k + 1.0))  # one thing at a time
    ev = pd.DataFrame(rows, columns=["resource", "start", "end"])
    note = many_at_once_note(ev)
    assert note is not None and "('system' 99 of 100 events)" in note
    assert "ann" not in note and "columns.no_resource" in note
    assert many_at_once_note(ev[ev["resource"] == "ann"]) is None
    # a few overlaps (a clock skew, a quick second look) are no sign
    few = ev[ev["resource"] == "ann"].copy()
    few.loc[few.index[:10], "end"] += 1.5
    assert many_at_once_note(few) is None


def test_an_activity_running_twice_at_once_in_a_case_is_named():
    """QA 2026-12-05: a second Quote inside the first's time (another person) in 10 % of cases
    became a repetition after it, with no note."""
    from sim.calibrate.log_notes import twice_at_once_note

    rows = []
    for c in range(40):
        rows.append((f"c{c}", "Quote", 10.0 * c, 10.0 * c + 2.0))
        if c % 4 == 0:  # 10 cases: a second quote from 1 h in, while the first runs
            rows.append((f"c{c}", "Quote", 10.0 * c + 1.0, 10.0 * c + 2.5))
        else:  # a repetition after the first: no overlap
            rows.append((f"c{c}", "Quote", 10.0 * c + 3.0, 10.0 * c + 4.0))
    ev = pd.DataFrame(rows, columns=["case_id", "activity", "start", "end"])
    note = twice_at_once_note(ev)
    assert note is not None and "('Quote' in 10 case(s))" in note
    assert twice_at_once_note(ev, min_cases=11) is None
