"""An end (or a start) missing in the middle of a finished case.

QA (user logs): emptying the end of 5 % of the Qualify rows, or dropping the XES ``complete`` of
Qualify in 30 cases, flagged every one of those cases open (right-censored) although each ended
in Approve/Reject weeks before the extract did; the back-test then cut the simulated logs. And
an XES ``complete`` whose ``start`` was dropped became an instant (Quote 5.6 % too short).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.eventlog import read_event_log
from sim.model import columns as C

HEADER = "case_id,activity,start_time,end_time,resource"


def sequential_rows(n: int, seed: int = 1) -> list[tuple[str, str, pd.Timestamp, pd.Timestamp]]:
    """``n`` cases of lead, qualify, quote, approve one after another, each on its own day, with
    random durations (quote 1-3 h) and a wait before quote on every third case."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        t = pd.Timestamp("2020-01-01 08:00") + pd.Timedelta(days=i)
        for a, (lo, hi) in (
            ("lead", (5, 20)),
            ("qualify", (20, 60)),
            ("quote", (60, 180)),
            ("approve", (10, 30)),
        ):
            if a == "quote" and i % 3 == 0:
                t += pd.Timedelta(minutes=int(rng.integers(60, 240)))  # waited for a reply
            end = t + pd.Timedelta(minutes=int(rng.integers(lo, hi)))
            out.append((str(i), a, t, end))
            t = end
    return out


def csv_text(rows, *, no_end: set[tuple[str, str]] = frozenset()) -> str:
    res = {"lead": "r1", "qualify": "r2", "quote": "r3", "approve": "r4"}
    lines = [HEADER]
    for case, a, s, e in rows:
        end = "" if (case, a) in no_end else f"{e:%Y-%m-%d %H:%M:%S}"
        lines.append(f"{case},{a},{s:%Y-%m-%d %H:%M:%S},{end},{res[a]}")
    return "\n".join(lines) + "\n"


def test_an_end_missing_mid_case_does_not_flag_the_case_open(tmp_path: Path) -> None:
    rows = sequential_rows(40)
    # case 3 lost qualify's end (the case went on to quote and approve); case 39, the
    # extract's last, is still at quote: started, no end
    path = tmp_path / "mid.csv"
    path.write_text(csv_text(rows[:-1], no_end={("3", "qualify"), ("39", "quote")}))
    log = read_event_log(path)
    r = log.report
    assert log.open_case_ids == {"39"} and r.open_cases == 1
    assert log.in_progress_case_ids == {"39"}
    assert r.missing_timestamp_removed == 2  # both rows go, and are counted
    assert r.activities_in_progress == 1 and r.missing_end_mid_case == 1
    assert r.rows_read == r.rows_kept + r.removed()
    notes = " ".join(r.notes)
    assert "1 activity started and never finished" in notes
    assert "1 activity started with no end although its case went on after it" in notes


def xes_text(rows, *, drop: set[tuple[str, str, str]]) -> str:
    """Each row as a start and a complete event; ``drop`` holds (case, activity, transition)."""
    traces = []
    for case in dict.fromkeys(c for c, *_ in rows):
        events = []
        for c, a, s, e in rows:
            if c != case:
                continue
            for lc, t in (("start", s), ("complete", e)):
                if (c, a, lc) in drop:
                    continue
                events.append(
                    f'<event><string key="concept:name" value="{a}"/>'
                    f'<string key="lifecycle:transition" value="{lc}"/>'
                    f'<date key="time:timestamp" value="{t:%Y-%m-%dT%H:%M:%S}"/></event>'
                )
        traces.append(
            f'<trace><string key="concept:name" value="{case}"/>{"".join(events)}</trace>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">'
        + "".join(traces)
        + "</log>\n"
    )


def test_xes_start_never_completed_mid_case_does_not_flag_the_case_open(tmp_path: Path) -> None:
    rows = sequential_rows(40)
    drop = {
        ("5", "qualify", "complete"),
        ("9", "qualify", "complete"),
        ("39", "approve", "complete"),
    }
    path = tmp_path / "unpaired.xes"
    path.write_text(xes_text(rows, drop=drop))
    log = read_event_log(path)
    r = log.report
    assert r.unmatched_starts_removed == 3  # removed and counted, as before
    assert log.open_case_ids == {"39"} and log.in_progress_case_ids == {"39"}
    assert r.activities_in_progress == 1 and r.missing_end_mid_case == 2
    assert r.rows_read == r.rows_kept + r.lifecycle_events_merged + r.removed()
    assert "2 activities started with no end although their cases went on" in " ".join(r.notes)


def test_a_complete_without_its_start_gets_an_estimated_start_not_an_instant(
    tmp_path: Path,
) -> None:
    rows = sequential_rows(60)
    lost = {str(i) for i in range(0, 60, 6)}  # 10 quotes, some of them waited before starting
    path = tmp_path / "nostart.xes"
    path.write_text(xes_text(rows, drop={(c, "quote", "start") for c in lost}))
    log = read_event_log(path)
    r = log.report
    assert r.missing_start == 10 and r.missing_start_estimated == 10
    assert not log.start_times_estimated  # the log's own starts are kept
    e = log.events.set_index([C.CASE, C.ACTIVITY])
    truth = {(c, a): (s, end) for c, a, s, end in rows}
    got = e.loc[[(c, "quote") for c in lost]]
    took = (got[C.END] - got[C.START]).dt.total_seconds() / 3600
    real = pd.Series(
        [(truth[k][1] - truth[k][0]).total_seconds() / 3600 for k in got.index], index=got.index
    )
    assert (took > 0).all()  # no instants
    assert abs(took.mean() - real.mean()) < 0.15 * real.mean()
    # the recorded starts are untouched
    kept = e.drop(index=got.index)
    assert all(kept.loc[k, C.START] == truth[k][0] for k in kept.index[:20])
    assert "10 rows without a start time belong to activities whose start is recorded" in " ".join(
        r.notes
    )


def test_an_activity_that_never_records_a_start_stays_without_one(tmp_path: Path) -> None:
    rows = sequential_rows(30)
    path = tmp_path / "approve_only.xes"
    path.write_text(xes_text(rows, drop={(str(i), "approve", "start") for i in range(30)}))
    log = read_event_log(path)
    approve = log.events[log.events[C.ACTIVITY] == "approve"]
    assert approve[C.START].isna().all() and log.report.missing_start_estimated == 0
