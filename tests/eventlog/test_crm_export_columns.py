"""CRM exports (QA crmexport16 #2-#6): a lifecycle column named otherwise, status words of its
own, a ';' file whose quoted header names hold commas, a start column left unmapped, and an
Excel workbook.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from sim.errors import EventLogError
from sim.eventlog import read_event_log
from sim.model import columns as C
from tests.simcli import run_sim

HEADER = "OpportunityId,StageName,Owner,CreatedDate,{lifecycle}"


def stage_history(
    path: Path, column: str, start: str = "start", complete: str = "complete"
) -> Path:
    """A Salesforce-like stage history: 12 opportunities of Qualify (09:00-09:30) then Propose
    (10:00-11:00), one row per start and per completion."""
    lines = [HEADER.format(lifecycle=column)]
    for i in range(12):
        day = f"2024-03-{i + 1:02d}"
        for stage, (s, e) in (("Qualify", ("09:00", "09:30")), ("Propose", ("10:00", "11:00"))):
            lines += [f"{i},{stage},ann,{day} {s},{start}", f"{i},{stage},ann,{day} {e},{complete}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


KEYS = {"case_id_key": "OpportunityId", "activity_key": "StageName", "end_key": "CreatedDate"}


@pytest.mark.parametrize("keep_attributes", [True, False])
def test_a_lifecycle_column_named_otherwise_is_mapped_by_lifecycle_key(tmp_path, keep_attributes):
    path = stage_history(tmp_path / "stages.csv", "Transition")
    log = read_event_log(path, lifecycle_key="Transition", keep_attributes=keep_attributes, **KEYS)
    r = log.report
    assert r.columns_used["lifecycle"] == "Transition"
    assert r.rows_kept == 24 and r.lifecycle_events_merged == 24
    took = (log.events[C.END] - log.events[C.START]).dt.total_seconds() / 3600
    assert took.groupby(log.events[C.ACTIVITY]).mean().to_dict() == {"Propose": 1.0, "Qualify": 0.5}


@pytest.mark.parametrize("keep_attributes", [True, False])
def test_an_unnamed_lifecycle_column_is_said_with_the_key_to_map_it(tmp_path, keep_attributes):
    path = stage_history(tmp_path / "stages.csv", "Transition", "Started", "Completed")
    log = read_event_log(path, keep_attributes=keep_attributes, **KEYS)
    assert log.report.rows_kept == 48  # each start its own instance, as before, but said:
    assert (
        "Column 'Transition' holds start/complete values like a lifecycle column, but no "
        "lifecycle column is named: every row, start events too, was read as an activity "
        "instance of its own; pass lifecycle_key='Transition' to pair start events with their "
        "completions." in log.report.notes
    )
    # a column of other words, or a log with a start column, gets no such note
    other = stage_history(tmp_path / "other.csv", "Status", "open", "won")
    assert not any("like a lifecycle" in n for n in read_event_log(other, **KEYS).report.notes)


def test_a_lifecycle_key_not_in_the_file_is_refused_naming_it(tmp_path):
    path = stage_history(tmp_path / "stages.csv", "Transition")
    with pytest.raises(EventLogError, match="column 'Phase' given as lifecycle_key= is not in"):
        read_event_log(path, lifecycle_key="Phase", **KEYS)


def test_a_semicolon_file_with_commas_in_quoted_names_is_read_by_semicolons(tmp_path):
    path = tmp_path / "fr.csv"
    path.write_text(
        'Case ID;Activité;"Début (jour, mois, an, h, m)";"Fin (jour, mois, an, h, m)";'
        "Responsable\n"
        + "".join(
            f"{i};{a};2024-01-0{i + 1} 0{h}:00;2024-01-0{i + 1} 0{h}:30;r1\n"
            for i in range(3)
            for h, a in ((8, "a"), (9, "b"))
        ),
        encoding="utf-8",
    )
    log = read_event_log(
        path,
        start_key="Début (jour, mois, an, h, m)",
        end_key="Fin (jour, mois, an, h, m)",
        activity_key="Activité",
    )
    assert log.report.rows_kept == 6
    assert log.report.columns_used[C.START] == "Début (jour, mois, an, h, m)"


def test_repeated_names_from_a_wrong_separator_suggest_the_sep_line(tmp_path):
    path = tmp_path / "unquoted.csv"
    path.write_text(
        "Case;Activité;Début (jour, mois, an);Fin (jour, mois, an)\n1;a;2024-01-01;2024-01-02\n",
        encoding="utf-8",
    )
    with pytest.raises(EventLogError) as err:
        read_event_log(path)
    text = str(err.value)
    assert "column names occur more than once: ' mois' (2 times)" in text
    assert (
        "or is the file separated by ';', not ','? Add the line 'sep=;' before the header" in text
    )


def test_an_unmapped_column_of_timestamps_is_named_as_the_start_column(tmp_path):
    path = tmp_path / "fr.csv"
    path.write_text(
        "Case ID;Activité;Début;Fin;Responsable\n"
        + "".join(
            f"{i};{a};2024-01-0{i + 1}T0{h}:00:00;2024-01-0{i + 1}T0{h}:30:00;r{i % 2}\n"
            for i in range(4)
            for h, a in ((8, "a"), (9, "b"))
        ),
        encoding="utf-8",
    )
    for keep in (True, False):
        log = read_event_log(path, activity_key="Activité", end_key="Fin", keep_attributes=keep)
        (note,) = [n for n in log.report.notes if n.startswith("The log has no start times")]
        assert note.endswith(
            "Column 'Début' holds timestamps and is not used: if they are the start times, pass "
            "start_key='Début'."
        )


@pytest.mark.parametrize("name", ["export.xlsx", "export.XLS", "export.ods"])
def test_a_spreadsheet_is_refused_with_the_export_to_make(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04workbook")
    with pytest.raises(EventLogError, match="export the sheet as 'CSV UTF-8'") as err:
        read_event_log(path)
    assert f"{name}: a spreadsheet workbook" in str(err.value)


def calibrate_only(log: Path, run: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_sim(
        "calibrate",
        f"log={log}",
        "backtest.enabled=false",
        "output.report=false",
        f"hydra.run.dir={run}",
        *extra,
    )


def test_columns_lifecycle_and_lifecycle_notes_on_the_console(tmp_path):
    """columns.lifecycle maps the column (it was refused as an unknown key); the notes on a
    column not mapped and on status words of its own are printed, not only in cleaning.json."""
    keys = [
        f"columns.{k}={v}"
        for k, v in (
            ("case_id", "OpportunityId"),
            ("activity", "StageName"),
            ("end", "CreatedDate"),
            ("resource", "Owner"),
        )
    ]
    path = stage_history(tmp_path / "stages.csv", "Transition")
    res = calibrate_only(path, tmp_path / "a", *keys, "columns.lifecycle=Transition")
    assert res.returncode == 0, res.stderr
    assert "lifecycle='Transition'" in res.stdout
    model = yaml.safe_load((tmp_path / "a" / "model.yaml").read_text())
    assert {s.split(" ")[0] for s in model["steps"]} == {"Qualify", "Propose"}
    res = calibrate_only(path, tmp_path / "b", *keys)
    assert res.returncode == 0, res.stderr
    assert "pass columns.lifecycle='Transition' to pair start events" in res.stdout
    french = stage_history(tmp_path / "fr.csv", "Lifecycle", "Début", "Terminé")
    res = calibrate_only(french, tmp_path / "c", *keys)
    assert res.returncode == 0, res.stderr
    assert "cleaning: Column 'Lifecycle' holds 48 values that are no start, complete" in res.stdout


def test_the_held_out_log_takes_columns_lifecycle_or_its_own():
    from omegaconf import OmegaConf

    from sim.cli.calibrate import held_out_key_text, read_options

    cfg = OmegaConf.load(Path(__file__).parents[2] / "configs" / "calibrate.yaml")
    cfg.columns.lifecycle = "Transition"
    assert read_options(cfg)["lifecycle_key"] == "Transition"
    assert read_options(cfg, held_out=True)["lifecycle_key"] == "Transition"
    cfg.backtest.columns.lifecycle = "Phase"
    assert read_options(cfg, held_out=True)["lifecycle_key"] == "Phase"
    said = held_out_key_text("column 'Phase' given as lifecycle_key= is not in the file", set())
    assert said == "column 'Phase' given as backtest.columns.lifecycle= is not in the file"
