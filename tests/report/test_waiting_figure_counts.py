"""The waiting-per-activity figure counts every activity of the history and names each one it
does not draw because it never waits (QA backtest17 #4: the loan log's 17 activities read "6 of
16 activities shown ... the other 10", its 'Applicant completes form' left out unnamed)."""

from __future__ import annotations

import re

import pandas as pd

from sim.report.charts import plot_step_waits

T0 = pd.Timestamp("2024-01-01 08:00")


def _log(n_cases: int = 5) -> pd.DataFrame:
    """Each case: ``open`` (its first activity: no wait), then ``w1`` 7 times, ``w2`` 6 times,
    ..., ``w7`` once, each after a 1 h wait, then ``auto``, which starts as ``w7`` ends (no wait
    either), so the two that never wait have the fewest visits."""
    rows = []
    for c in range(n_cases):
        acts = [("open", 0.0)]
        acts += [(f"w{j}", 1.0) for j in range(1, 8) for _ in range(8 - j)]
        acts += [("auto", 0.0)]
        t = T0 + pd.Timedelta(days=c)
        for act, wait_h in acts:
            start = t + pd.Timedelta(hours=wait_h)
            t = start + pd.Timedelta(minutes=10)
            rows.append((f"c{c}", act, start, t))
    return pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time"])


def test_activities_that_never_wait_are_named_and_counted_with_the_others():
    log = _log()
    fig = plot_step_waits({"history": log, "model": log}, top=6)
    texts = [t.get_text() for t in fig.texts]
    drawn = [a.get_title(loc="left") for a in fig.axes if a.axison]
    assert drawn == ["W1", "W2", "W3", "W4", "W5", "W6"]
    # both activities that never wait are named, although neither is among the six most visited
    not_drawn = next(t for t in texts if t.startswith("Not drawn:"))
    assert "Open" in not_drawn and "Auto" in not_drawn
    assert "a case's first activity" not in not_drawn  # 'auto' is not one
    # the count covers every activity of the history: drawn + never waiting + left out
    count = next(t for t in texts if "activities shown" in t)
    m = re.search(r"(\d+) of (\d+) activities shown", count)
    assert m is not None, count
    assert (int(m[1]), int(m[2])) == (6, log["activity"].nunique())  # 6 of 9
    assert "the other one is in the same logs" in count  # w7
    assert "2 never do" in count
