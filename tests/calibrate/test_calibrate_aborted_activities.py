"""Cases whose activity was aborted (XES ``ate_abort``) are a drop-off the model shows.

QA xes17 #2: 100 cases A then B, B aborted in 30 of them (spread over four weeks). The aborts were
removed, their B starts left unmatched and the 30 cases flagged open (right-censored), so
calibration found 0 decisions and 0 % drop-off. Now each aborted B is an execution of
``"B (aborted)"`` that ends its case: a decision after A, and an end suggested as a drop-off.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from sim.calibrate import calibrate_model
from sim.calibrate.calibrate import DROPOFF_PATTERN
from sim.eventlog import read_event_log
from tests.eventlog.lifecycle_logs import xes_event

M = timedelta(minutes=1)


def abort_log(path: Path) -> Path:
    """100 cases, five a working day over four weeks: A by r1, then B by r2, which is aborted
    20 minutes in for cases 0-2 of every ten and completed after 30 minutes for the others."""
    traces = []
    for i in range(100):
        day = datetime(2024, 4, 1) + timedelta(days=(i // 25) * 7 + (i // 5) % 5)
        a0 = day + timedelta(hours=9) + (i % 5) * 90 * M
        b0 = a0 + 40 * M
        evs = [xes_event("A", a0, "start", "r1"), xes_event("A", a0 + 30 * M, "complete", "r1")]
        evs.append(xes_event("B", b0, "start", "r2"))
        if i % 10 < 3:
            evs.append(xes_event("B", b0 + 20 * M, "ate_abort", "r2"))
        else:
            evs.append(xes_event("B", b0 + 30 * M, "complete", "r2"))
        traces.append(f'<trace><string key="concept:name" value="c{i:03d}"/>{"".join(evs)}</trace>')
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<log xes.version="1.0" xmlns="http://www.xes-standard.org/">{"".join(traces)}</log>\n',
        encoding="utf-8",
    )
    return path


def test_aborted_cases_are_a_suggested_drop_off_after_a_decision(tmp_path: Path) -> None:
    log = read_event_log(abort_log(tmp_path / "abort.xes"))
    assert not log.open_case_ids  # every case ended: none was in progress at extraction
    cal = calibrate_model(log, seed=1)
    assert cal.suggested_dropoff == ["B (aborted)"]
    assert cal.dropoff_outcomes == ["B (aborted)"]
    m = cal.model
    (decision,) = m.decisions.values()
    shares = {b.to: b.probability for b in decision.branches}
    aborted = next(to for to in shares if "B (aborted)" in to)
    assert shares[aborted] == pytest.approx(0.3)
    ends = {e.outcome: e.success for e in m.ends.values()}
    assert ends == {"B": True, "B (aborted)": False}
    # the aborted B lasted from its start to the abort: 20 minutes
    (dist,) = [s.duration for name, s in m.steps.items() if name == "B (aborted)"]
    assert dist.mean() == pytest.approx(20 / 60)


def test_an_aborted_activity_reads_as_a_loss() -> None:
    assert DROPOFF_PATTERN.search("Review (aborted)")
