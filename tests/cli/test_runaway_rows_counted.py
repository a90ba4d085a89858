"""The rows of runaway cases that ``python -m sim calibrate`` leaves out (``cleaning.runaway_cases``)
are counted in the cleaning report, whose counts describe the table calibrated from (QA spec24 #1:
the console said "kept 1,200 (200 cases)" beside "Removed 1 runaway case (400 rows)", and
cleaning.json said rows_kept 1200, rows_removed 0, cases 201)."""

from __future__ import annotations

import json
from pathlib import Path

from sim.cli.calibrate import runaway_cases
from sim.eventlog import CASE_OPEN, read_event_log
from sim.model import columns as C
from tests.calibrate.test_runaway_cases import runaway_log
from tests.cli.test_calibrate_config import calibrate_only


def bookkeeping_holds(report: dict) -> bool:
    """``rows_read == rows_kept + lifecycle_events_merged + rows_removed`` (``sim.eventlog.log``)."""
    return report["rows_read"] == (
        report["rows_kept"] + report["lifecycle_events_merged"] + report["rows_removed"]
    )


def test_the_rows_of_a_runaway_case_removed_are_counted_on_the_console_and_in_cleaning_json(
    tmp_path: Path,
):
    """200 cases of 4 events and case X999 of 400: the model is calibrated from 800 rows of 200
    cases, and the console line, cleaning.json's counts and its notes all say so."""
    log = tmp_path / "log.csv"
    runaway_log().to_csv(log, index=False)
    run = tmp_path / "run"
    r = calibrate_only(log, run)
    assert r.returncode == 0, r.stderr
    assert f"read {log}: 1,200 rows, kept 800 (200 cases)" in r.stdout
    assert "  cleaning: Removed 1 runaway case (400 rows) before calibration" in r.stdout
    assert "calibrated 'log' from 200 cases" in r.stdout
    cleaning = json.loads((run / "cleaning.json").read_text())["log"]
    assert (cleaning["rows_read"], cleaning["rows_kept"]) == (1200, 800)
    assert (cleaning["runaway_rows_removed"], cleaning["rows_removed"]) == (400, 400)
    assert bookkeeping_holds(cleaning)
    assert cleaning["runaway_cases"]["cases"] == {"X999": 400}  # the block keeps its meaning
    assert cleaning["cases"] == 200
    assert cleaning["notes"][0] == "Read 1200 rows; kept 800."
    assert any(n.startswith("200 cases, 4 activities, 4 resources; ") for n in cleaning["notes"])


def test_kept_runaway_cases_leave_the_counts_as_read(tmp_path: Path):
    """``cleaning.runaway_cases=keep`` calibrates from every row read: nothing counted removed."""
    log = tmp_path / "log.csv"
    runaway_log().to_csv(log, index=False)
    run = tmp_path / "run"
    r = calibrate_only(log, run, "cleaning.runaway_cases=keep")
    assert r.returncode == 0, r.stderr
    assert f"read {log}: 1,200 rows, kept 1,200 (201 cases)" in r.stdout
    cleaning = json.loads((run / "cleaning.json").read_text())["log"]
    assert (cleaning["rows_kept"], cleaning["rows_removed"], cleaning["cases"]) == (1200, 0, 201)
    assert cleaning["runaway_rows_removed"] == 0
    assert cleaning["notes"][0] == "Read 1200 rows; kept 1200."


def test_a_held_out_log_without_its_runaway_case_is_recounted_from_its_table(tmp_path: Path):
    """The counts of the report the held-out log keeps are those of its table after the removal,
    other cleaning (duplicates) still counted beside it, and what was removed says why."""
    df = runaway_log(cases=100, runaway_events=300)
    df = df.loc[df[C.CASE] != "C0007"]  # a case, and its resource, gone with X999 alone
    df.loc[df[C.CASE] == "X999", "resource"] = "tester"
    path = tmp_path / "held_out.csv"
    df.iloc[list(range(len(df))) + [0, 1]].to_csv(path, index=False)  # two exact duplicates
    read = read_event_log(path)
    kept, found = runaway_cases(read, "drop", "backtest.log")
    assert found is not None and found["cases"] == {"X999": 300}
    r, ev = kept.report, kept.events
    assert r.rows_read == read.report.rows_read == len(df) + 2
    assert (r.duplicates_removed, r.runaway_rows_removed) == (2, 300)
    assert r.removed() == 302 and r.rows_read == r.rows_kept + r.lifecycle_events_merged + 302
    assert "duplicates: 2, rows of runaway cases: 300" in r.removal_text()
    assert r.rows_kept == len(ev) == read.report.rows_kept - 300
    assert r.cases == ev[C.CASE].nunique() == read.report.cases - 1
    assert r.activities == ev[C.ACTIVITY].nunique()
    assert r.resources == ev[C.RESOURCE].nunique() == read.report.resources - 1  # 'tester'
    assert r.open_cases == ev.loc[ev[CASE_OPEN], C.CASE].nunique()
    assert r.notes[0] == f"Read {r.rows_read} rows; kept {r.rows_kept}."
    assert read.report.notes[0] == f"Read {r.rows_read} rows; kept {r.rows_kept + 300}."
    # the held-out log is the back-test's history, which is not calibrated from (retest24 #7)
    (removed,) = [n for n in r.notes if n.startswith("Removed 1 runaway case")]
    assert removed.startswith("Removed 1 runaway case (300 rows) from the back-test's history:")
    assert removed.endswith("(cleaning.runaway_cases=keep keeps them).")
