"""What ``python -m sim calibrate`` says on the console about a log's runaway cases
(``cleaning.runaway_cases``), its UTC timestamps and its ambiguous key columns (QA 2026-12-06)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.cli.calibrate import _print_cleaning
from sim.eventlog import read_event_log
from sim.eventlog.utc_clock import utc_clock_notes
from sim.model import load
from tests.calibrate.test_runaway_cases import QUALIFY_MEAN, runaway_log
from tests.cli.test_calibrate_config import calibrate_only


def test_a_runaway_case_is_dropped_by_default_and_said(tmp_path: Path):
    """QA: a test case of 5,000 events ruined the model silently (Qualify 0.20 h for 0.99, a
    -24.5 % back-test). Now it is left out, named on the console, in cleaning.json and in
    calibration.json, and Qualify keeps its own pace."""
    log = tmp_path / "log.csv"
    runaway_log(runaway_events=2000).to_csv(log, index=False)
    run = tmp_path / "run"
    r = calibrate_only(log, run)
    assert r.returncode == 0, r.stderr
    assert (
        "  cleaning: Removed 1 runaway case (2,000 rows) before calibration: case 'X999' "
        "(2,000 events)" in r.stdout
    )
    assert "(cleaning.runaway_cases=keep keeps them)" in r.stdout
    assert "calibrated 'log' from 200 cases" in r.stdout
    cleaning = json.loads((run / "cleaning.json").read_text())["log"]
    assert cleaning["runaway_cases"]["cases"] == {"X999": 2000}
    assert cleaning["runaway_cases"]["action"] == "removed"
    assert json.loads((run / "calibration.json").read_text())["runaway_cases_removed"] == ["X999"]
    model = load(run / "model.yaml")
    assert "Qualify #2" not in model.steps  # no loop made of the runaway case
    assert model.steps["Qualify"].duration.mean() == pytest.approx(QUALIFY_MEAN, rel=0.3)


def test_cleaning_runaway_cases_keep_calibrates_with_them_and_says_so(tmp_path: Path):
    log = tmp_path / "log.csv"
    runaway_log().to_csv(log, index=False)
    r = calibrate_only(log, tmp_path / "run", "cleaning.runaway_cases=keep")
    assert r.returncode == 0, r.stderr
    assert "  cleaning: Kept 1 runaway case (cleaning.runaway_cases=keep): case 'X999'" in r.stdout
    assert "(cleaning.runaway_cases=drop leaves it out)" in r.stdout
    assert "calibrated 'log' from 201 cases" in r.stdout
    assert r.stdout.count("'X999'") == 1  # calibration's own note is not said twice
    meta = yaml.safe_load((tmp_path / "run" / "model.yaml").read_text())["metadata"]
    assert any("with cleaning.runaway_cases=drop" in n for n in meta["notes"])
    bad = calibrate_only(log, tmp_path / "bad", "cleaning.runaway_cases=maybe")
    assert bad.returncode != 0
    assert "cleaning.runaway_cases: expected drop or keep, got 'maybe'" in bad.stderr


def utc_office_log(path: Path, first_day: str, days: int = 70) -> Path:
    """An office in Berlin working 08:00-12:00 local, written in UTC with ``Z``."""
    rows = []
    for d in pd.bdate_range(first_day, periods=days):
        for k in range(8):
            start = (d + pd.Timedelta(hours=8, minutes=30 * k)).tz_localize("Europe/Berlin")
            for j, act in enumerate(("a", "b")):
                s = start + pd.Timedelta(minutes=10 * j)
                e = s + pd.Timedelta(minutes=8)
                z = [t.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ") for t in (s, e)]
                rows.append((f"{d:%m%d}-{k}", act, *z, f"r{j}"))
    pd.DataFrame(
        rows, columns=["case_id", "activity", "start_time", "end_time", "resource"]
    ).to_csv(path, index=False)
    return path


def test_utc_times_are_said_to_be_utc_and_a_clock_change_names_the_zones(tmp_path: Path):
    """QA: a Berlin office's log written in UTC across the spring change calibrated silently,
    its calendars an hour apart before and after; the note reached cleaning.json only."""
    log = utc_office_log(tmp_path / "log.csv", "2026-02-02")
    r = calibrate_only(log, tmp_path / "run")
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if "read as UTC" in x)
    assert line.startswith("  cleaning: 2,240 timestamps")
    assert "move 1.0 h earlier in UTC across a change of the clock of" in line
    assert "Europe/Berlin" in line and "(2026-03-29)" in line
    assert "Pass columns.timezone=<zone> with the office's zone" in line
    cleaning = json.loads((tmp_path / "run" / "cleaning.json").read_text())["log"]
    assert any("read as UTC" in n for n in cleaning["notes"])
    # a zone given: the log is read on it, nothing to say
    given = calibrate_only(log, tmp_path / "given", "columns.timezone=Europe/Berlin")
    assert given.returncode == 0, given.stderr
    assert "read as UTC" not in given.stdout


def test_utc_times_without_a_clock_change_still_say_how_to_read_them_locally(tmp_path: Path):
    log = read_event_log(utc_office_log(tmp_path / "log.csv", "2026-01-05", days=40))
    (note,) = utc_clock_notes(log, timezone_given=False)
    assert "timestamps carry the UTC offset +00:00 (Z): read as UTC" in note
    assert "change of the clock" not in note
    assert "timezone=<zone>" in note
    assert utc_clock_notes(log, timezone_given=True) == []


def two_case_id_log(path: Path) -> Path:
    rows = ["Case ID,case_id,activity,start_time,end_time,resource"]
    for i in range(20):
        rows += [
            f"X{i},C{i},a,2026-01-05 0{i % 9}:00,2026-01-05 0{i % 9}:10,r1",
            f"X{i},C{i},b,2026-01-05 0{i % 9}:20,2026-01-05 0{i % 9}:30,r2",
        ]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_the_note_on_two_case_id_columns_is_printed(tmp_path: Path, capsys):
    """The library notes which of 'Case ID' and 'case_id' it used; the console printed it not."""
    path = two_case_id_log(tmp_path / "log.csv")
    _print_cleaning(read_event_log(path), path)
    out = capsys.readouterr().out
    assert "cleaning: Columns 'case_id' and 'Case ID' could each be the case id column" in out
    assert "(pass 'columns.case_id=<column>' to choose another)" in out


def test_the_calibrate_command_names_the_case_id_column_it_chose(tmp_path: Path):
    """keep_attributes=False hashes 'Case ID' away before the columns are resolved; its name is
    kept in raw.attrs[HASHED_COLUMNS], which the ambiguity check now reads too."""
    r = calibrate_only(two_case_id_log(tmp_path / "log.csv"), tmp_path / "run")
    assert r.returncode == 0, r.stderr
    assert "could each be the case id column" in r.stdout
