"""Names that pandas would read as missing ('None', 'NA', 'null') stay names in a CSV log."""

from __future__ import annotations

import pandas as pd

from sim.eventlog import read_event_log


def test_an_activity_called_none_and_a_person_called_na_keep_their_rows(tmp_path, shared_data):
    """QA: 999 'Pick-up' rows renamed 'None' were dropped as 'without an activity', and a
    technician renamed 'NA' lost their 538 rows' resource."""
    raw = pd.read_csv(shared_data / "synth_pharmacy" / "Pharmacy.csv.gz", dtype=str)
    raw["activity"] = raw["activity"].replace({"Pick-up": "None"})
    raw["resource"] = raw["resource"].replace({"Technician_0": "NA", "Technician_1": "null"})
    path = tmp_path / "names.csv"
    raw.to_csv(path, index=False)
    events = read_event_log(path).events
    assert len(events) == len(raw)
    assert (events["activity"] == "None").sum() == (raw["activity"] == "None").sum() > 0
    assert {"NA", "null"} <= set(events["resource"].dropna())


def test_missing_resources_and_spelling_variants_are_noted(tmp_path, shared_data):
    """QA: blank resources and one person written three ways changed the model silently."""
    raw = pd.read_csv(shared_data / "synth_pharmacy" / "Pharmacy.csv.gz", dtype=str)
    rows = raw.index[raw["resource"] == "Technician_1"]
    raw.loc[rows[:5], "resource"] = "technician_1"
    raw.loc[rows[5:10], "resource"] = "TECHNICIAN 1"
    raw.loc[raw.index[:30], "resource"] = ""
    path = tmp_path / "res.csv"
    raw.to_csv(path, index=False)
    report = read_event_log(path).report
    assert report.rows_without_resource == 30
    assert ["TECHNICIAN 1", "Technician_1", "technician_1"] in report.resource_spellings
    text = " ".join(report.notes)
    assert "30 rows (0.4%) have no resource" in text
    assert "'TECHNICIAN 1' / 'Technician_1' / 'technician_1'" in text
