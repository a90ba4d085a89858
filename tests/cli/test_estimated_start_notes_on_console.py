"""``python -m sim calibrate`` says on the console what reading did to rows without a start time:
starts lost from an activity that records them are estimated, and rows of an activity that never
records one stay instants (QA leftovers23 #35: both notes were in cleaning.json only; BPIC 2012
full estimates 1,040 lost starts and keeps 92,093 completion-only rows, and said neither)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.cli.calibrate import _print_cleaning
from sim.eventlog import read_event_log
from tests.cli.test_calibrate_config import calibrate_only

LOST = 5  # cases whose 'review' lost its start


def lost_starts_log(path: Path, cases: int = 40) -> Path:
    """``cases`` cases review -> notify, four a day: 'review' records its start except in the
    first ``LOST`` cases, 'notify' never does (a completion-only event)."""
    rows = []
    days = pd.bdate_range("2026-01-05", periods=cases // 4 + 1)
    for i in range(cases):
        start = days[i // 4] + pd.Timedelta(hours=9 + 2 * (i % 4))
        end = start + pd.Timedelta(minutes=40 + 7 * (i % 5))
        rows.append((f"c{i}", "review", "" if i < LOST else start, end, "r1"))
        rows.append((f"c{i}", "notify", "", end + pd.Timedelta(minutes=15), "r2"))
    pd.DataFrame(
        rows, columns=["case_id", "activity", "start_time", "end_time", "resource"]
    ).to_csv(path, index=False)
    return path


def _start_notes(notes: list[str]) -> tuple[str, str]:
    """The reading's note on estimated lost starts and the one on rows left without a start."""
    (lost,) = [n for n in notes if "without a start time" in n]
    (left,) = [n for n in notes if "completion-only" in n]
    return lost, left


def test_notes_on_rows_without_a_start_are_printed(tmp_path: Path, capsys) -> None:
    path = lost_starts_log(tmp_path / "log.csv")
    log = read_event_log(path)
    assert log.report.missing_start_estimated == LOST
    lost, left = _start_notes(log.report.notes)
    _print_cleaning(log, path)
    out = capsys.readouterr().out
    assert f"  cleaning: {lost}\n" in out
    assert f"  cleaning: {left}\n" in out


def test_calibrate_prints_them_as_cleaning_json_has_them(tmp_path: Path) -> None:
    path = lost_starts_log(tmp_path / "log.csv")
    run = tmp_path / "run"
    r = calibrate_only(path, run)
    assert r.returncode == 0, r.stderr
    lost, left = _start_notes(json.loads((run / "cleaning.json").read_text())["log"]["notes"])
    assert lost.startswith(f"{LOST} rows without a start time belong to activities")
    assert "'review' 5" in lost
    assert "40 rows have no start time (completion-only events)" in left
    assert f"  cleaning: {lost}\n" in r.stdout
    assert f"  cleaning: {left}\n" in r.stdout
