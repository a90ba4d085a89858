"""How close do start times estimated from completions come to the real ones?

Every log of ``../shared/data`` that records start times is read, its starts are thrown away
and estimated again (``sim.eventlog.estimate``), with and without splitting the gaps of
idle-enabled instances into waiting and work. Printed per log: the estimated total work as a
multiple of the real total, overall and per kind of instance (queued for its resource, enabled
while its resource was idle), and the median per-activity ratio of mean durations. Writes
``results.md`` beside this script.

    python experiments/start_time_estimation/measure.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.eventlog import read_event_log
from sim.eventlog.estimate import estimate_start_times_counted
from sim.model import columns as C

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
LOGS = {
    "bpic2012_w (real)": "bpic2012_w/BPIC_2012_W.csv.gz",
    "loan application": "synth_loan_application/Loan_Application.csv.gz",
    "insurance claims": "synth_insurance_claims/Insurance_Claims.csv.gz",
    "procure to pay": "synth_procure_to_pay/Procure_to_Pay.csv.gz",
    "pharmacy": "synth_pharmacy/Pharmacy.csv.gz",
    "purchasing example": "synth_purchasing_example/PurchasingExample.csv.gz",
}


def _hours(frame: pd.DataFrame) -> pd.Series:
    return (frame[C.END] - frame[C.START]).dt.total_seconds() / 3600.0


def _kinds(events: pd.DataFrame) -> pd.Series:
    """'first', 'queued' or 'idle' per row (the module docstring of ``sim.eventlog.estimate``)."""
    by_end = events.sort_values(C.END, kind="stable")
    prev_case = by_end.groupby(C.CASE, observed=True)[C.END].shift(1)
    prev_res = by_end.groupby(C.RESOURCE, observed=True)[C.END].shift(1)
    kind = np.where(
        prev_case.isna(),
        "first",
        np.where(prev_res.notna() & (prev_res >= prev_case), "queued", "idle"),
    )
    return pd.Series(kind, index=by_end.index).reindex(events.index)


def measure(name: str, path: Path) -> dict[str, object]:
    """The ratios of one log (see the module docstring)."""
    events = read_event_log(path).events
    real = _hours(events)
    kind = _kinds(events)
    row: dict[str, object] = {"log": name, "instances": len(events)}
    for label, split in (("heuristic", False), ("split waits", True)):
        out, how = estimate_start_times_counted(
            events, only_missing=False, split_outside_waits=split
        )
        est = _hours(out)
        row[f"{label}: total"] = est.sum() / real.sum()
        for k in ("queued", "idle"):
            m = kind == k
            row[f"{label}: {k}"] = est[m].sum() / real[m].sum() if real[m].sum() > 0 else np.nan
        per = est.groupby(events[C.ACTIVITY]).mean() / real.groupby(events[C.ACTIVITY]).mean()
        row[f"{label}: median activity"] = float(per.replace(np.inf, np.nan).median())
        if split:
            row["activities split"] = len(how.delayed_activities)
            row["instances split"] = how.re_estimated
    row["idle share"] = float((kind == "idle").mean())
    return row


def main() -> None:
    rows = []
    for name, rel in LOGS.items():
        path = DATA / rel
        if not path.is_file():
            sys.exit(f"{path}: not found (the shared data folder beside the repository)")
        rows.append(measure(name, path))
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    cells = table.map(lambda v: f"{v:.2f}" if isinstance(v, float) else str(v))
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(r) + " |" for r in cells.itertuples(index=False)]
    text = "\n".join(lines)
    out = Path(__file__).with_name("results.md")
    out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
