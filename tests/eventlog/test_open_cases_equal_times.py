"""Rows ending at the same instant: an instant close comes after the stage it closes.

A CRM export stamps "Closed Won"/"Closed Lost" as instants at the end of the last stage. The
open-case rule took the earlier-starting of the two rows as the case's last, so the stage before
the close "ended the case together" with it in every case: "Qualify lead" and "Negotiation"
became end activities and leads still waiting after them were counted as finished (QA
newuser19 #4).
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.eventlog import flag_open_cases
from sim.eventlog.open_cases import infer_end_activities
from sim.model import columns as C

T0 = pd.Timestamp("2024-01-01 09:00")


def _crm(n: int = 300) -> tuple[pd.DataFrame, set[str]]:
    """Leads qualified (1 h); every third lost at once, the others negotiated (2 h) and then won
    or lost, each close an instant stamped at the end of the stage before it. The last 10 leads
    are cut off by the extract after their first stage: open, with no close."""
    rows, still_open = [], set()
    for k in range(n):
        s = T0 + pd.Timedelta(hours=3 * k)
        q = s + pd.Timedelta(hours=1)
        rows.append((f"c{k}", "Qualify lead", s, q))
        if k >= n - 10:
            still_open.add(f"c{k}")
            continue
        if k % 3 == 0:
            rows.append((f"c{k}", "Closed Lost", q, q))
            continue
        g = q + pd.Timedelta(hours=2)
        rows.append((f"c{k}", "Negotiation", q, g))
        rows.append((f"c{k}", "Closed Won" if k % 3 == 1 else "Closed Lost", g, g))
    return pd.DataFrame(rows, columns=[C.CASE, C.ACTIVITY, C.START, C.END]), still_open


@pytest.mark.parametrize("close_first", [False, True])
def test_an_instant_close_is_the_last_event_of_its_case(close_first):
    df, still_open = _crm()
    if close_first:  # the table's order must not matter: each close row before its stage's
        df = df.iloc[::-1].reset_index(drop=True)
    assert infer_end_activities(df) == ["Closed Lost", "Closed Won"]
    flagged, ends = flag_open_cases(df)
    assert ends == ["Closed Lost", "Closed Won"]
    assert set(flagged.loc[flagged["case_open"], C.CASE]) == still_open
