"""When both a case attribute ``case:segment`` (an XES trace attribute, on every case) and an
event attribute ``segment`` (on a few events) could be the segment column, the event attribute
was used: 48 of 60 cases had no value and were modelled as 'unsegmented' (QA xes17 #7). The
case-level column is preferred now; the note still names the choice and the key to change it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.calibrate.segments import NO_SEGMENT, case_segments
from sim.eventlog import read_event_log

N_CASES = 60


def _event(activity: str, time: pd.Timestamp, extra: str) -> str:
    return (
        f'<event><string key="concept:name" value="{activity}"/>'
        f'<string key="org:resource" value="r_{activity}"/>'
        f'<date key="time:timestamp" value="{time.isoformat()}+01:00"/>{extra}</event>'
    )


def _xes(tmp_path: Path) -> Path:
    """60 cases with a trace attribute segment 0/1; the B events of every fifth case carry an
    event attribute segment="other"."""
    traces = []
    for i in range(N_CASES):
        t = pd.Timestamp("2024-04-01 09:00") + pd.Timedelta(days=i // 3, hours=2 * (i % 3))
        extra = "" if i % 5 else '<string key="segment" value="other"/>'
        traces.append(
            f'<trace><string key="concept:name" value="c{i}"/><int key="segment" value="{i % 2}"/>'
            + _event("A", t + pd.Timedelta(minutes=30), "")
            + _event("B", t + pd.Timedelta(minutes=90), extra)
            + "</trace>"
        )
    path = tmp_path / "seg.xes"
    path.write_text(f'<?xml version="1.0"?><log xes.version="1.0">{"".join(traces)}</log>')
    return path


def test_the_trace_attribute_every_case_has_is_the_segment_column(tmp_path: Path) -> None:
    log = read_event_log(_xes(tmp_path))
    assert log.report.columns_used["segment"] == "case:segment"
    note = next(n for n in log.report.notes if "could each be the segment column" in n)
    assert "used 'case:segment'" in note and "segment_key=" in note
    seg, _ = case_segments(log.events.rename(columns={"start_time": "start", "end_time": "end"}))
    assert seg is not None
    assert NO_SEGMENT not in set(seg)  # every case has its segment
    assert seg.value_counts().to_dict() == {"0": N_CASES // 2, "1": N_CASES // 2}
    # the event attribute is kept as an attribute, not lost
    assert int((log.events["segment_orig"] == "other").sum()) == N_CASES // 5


def test_segment_key_still_chooses_the_event_attribute(tmp_path: Path) -> None:
    log = read_event_log(_xes(tmp_path), segment_key="segment")
    assert log.report.columns_used["segment"] == "segment"
    assert not any("could each be the segment column" in n for n in log.report.notes)


def test_a_csv_with_both_columns_uses_the_case_column(tmp_path: Path) -> None:
    rows = [
        {
            "case:concept:name": f"c{i}",
            "concept:name": activity,
            "time:timestamp": f"2024-04-{1 + i:02d} 1{h}:00:00",
            "case:segment": "gold" if i % 2 else "std",
            "segment": "other" if activity == "B" and i % 5 == 0 else "",
        }
        for i in range(10)
        for h, activity in enumerate("AB")
    ]
    path = tmp_path / "seg.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    for keep_attributes in (True, False):
        log = read_event_log(path, keep_attributes=keep_attributes)
        assert log.report.columns_used["segment"] == "case:segment"
        assert set(log.events["segment"]) == {"gold", "std"}


def test_an_event_attribute_alone_is_still_the_segment_column(tmp_path: Path) -> None:
    path = tmp_path / "only.csv"
    pd.DataFrame(
        {
            "case_id": ["1", "1", "2", "2"],
            "activity": ["A", "B", "A", "B"],
            "end_time": ["2024-01-01 10:00", "2024-01-01 11:00"] * 2,
            "segment": ["x", "x", "y", "y"],
        }
    ).to_csv(path, index=False)
    log = read_event_log(path)
    assert log.report.columns_used["segment"] == "segment"
