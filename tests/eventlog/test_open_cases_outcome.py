"""A case whose log records its outcome is finished, whatever activity it ends with.

A simulator's trace (``simulate ... output.trace=true``) writes every case's outcome; its
abandoned cases end at the step they left, which is no end activity, so near the end of the log
the open-case rule took them for cases still running (QA: "6 held-out cases were still open").
"""

from __future__ import annotations

import pandas as pd

from sim.eventlog import flag_open_cases, read_event_log
from sim.model import columns as C

T0 = pd.Timestamp("2024-01-01 09:00")


def _table(n: int = 200, every: int = 10) -> pd.DataFrame:
    """``n`` cases a -> b (outcome ``done``); every ``every``-th gives up after ``a`` (outcome
    ``abandoned``, no event of its own), the last two of them in the extract's tail."""
    rows = []
    for k in range(n):
        start = T0 + pd.Timedelta(hours=2 * k)
        a_end = start + pd.Timedelta(minutes=30)
        if k % every == every - 1:
            rows.append((f"c{k}", "a", start, a_end, "r1", "abandoned"))
            continue
        rows.append((f"c{k}", "a", start, a_end, "r1", "done"))
        rows.append((f"c{k}", "b", a_end, a_end + pd.Timedelta(minutes=45), "r2", "done"))
    return pd.DataFrame(rows, columns=[C.CASE, C.ACTIVITY, C.START, C.END, C.RESOURCE, C.OUTCOME])


def _open(df: pd.DataFrame, **kw) -> set[str]:
    flagged, _ = flag_open_cases(df, **kw)
    return set(flagged.loc[flagged["case_open"], C.CASE])


def test_a_case_with_an_outcome_is_not_open():
    df = _table()
    # without the outcome the last abandoned cases look like ones still running
    assert _open(df.drop(columns=[C.OUTCOME])) == {"c189", "c199"}
    assert _open(df) == set()
    assert _open(df, end_activities=["b"]) == set()


def test_a_case_without_an_outcome_value_is_decided_by_its_last_activity():
    df = _table()
    for missing in (None, "", "  "):
        df.loc[df[C.CASE] == "c199", C.OUTCOME] = missing
        assert _open(df) == {"c199"}


def test_a_case_with_an_activity_in_progress_stays_open_despite_its_outcome():
    assert _open(_table(), force_open=["c150"]) == {"c150"}


def test_a_simulators_trace_read_from_its_file_has_no_open_case(tmp_path):
    path = tmp_path / "trace.csv.gz"
    df = _table()
    df["replication"] = 0
    df.to_csv(path, index=False)
    log = read_event_log(path)
    assert C.OUTCOME in log.events.columns  # the reader keeps the column ...
    assert log.report.open_cases == 0  # ... and the rule reads it
    assert log.open_case_ids == set()
