"""Names that pandas would read as missing ('None', 'NA', 'null') stay names in a CSV log
(cases, activities, resources, roles, segments, outcomes)."""

from __future__ import annotations

import pandas as pd
import pytest

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


def test_a_segment_role_or_outcome_called_na_stays_a_name(tmp_path):
    """QA2 2026-12-05: a region segment 'NA' (North America) was read as missing and its 524
    cases modelled as 'unsegmented'; roles and outcomes are names alike."""
    path = tmp_path / "regions.csv"
    path.write_text(
        "case_id,activity,end_time,resource,segment,role,outcome\n"
        "1,a,2020-01-01 09:00,r1,NA,N/A,None\n"
        "2,b,2020-01-01 10:00,r1,EMEA,clerk,null\n"
        "3,a,2020-01-01 11:00,r1,,clerk,won\n"
    )
    events = read_event_log(path).events.sort_values("case_id")
    assert events["segment"].tolist()[:2] == ["NA", "EMEA"] and pd.isna(events["segment"].iloc[2])
    assert events["role"].tolist()[0] == "N/A"
    assert events["outcome"].tolist() == ["None", "null", "won"]


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


@pytest.mark.parametrize("keep_attributes", [True, False])
def test_xes_starts_and_completions_pair_by_concept_instance(tmp_path, keep_attributes):
    """QA: alice starts A at 9, bob at 10, bob completes at 11, alice at 13; FIFO per activity
    paired alice's start with bob's completion (2 h and 3 h instead of 4 h and 1 h)."""

    def event(who: str, what: str, hour: int, instance: str) -> str:
        return (
            '<event><string key="concept:name" value="A"/>'
            f'<string key="org:resource" value="{who}"/>'
            f'<string key="lifecycle:transition" value="{what}"/>'
            f'<string key="concept:instance" value="{instance}"/>'
            f'<date key="time:timestamp" value="2024-03-01T{hour:02d}:00:00+00:00"/></event>'
        )

    def trace(case: str, day_events: list[str]) -> str:
        return f'<trace><string key="concept:name" value="{case}"/>{"".join(day_events)}</trace>'

    events = [
        event("alice", "start", 9, "1"),
        event("bob", "start", 10, "2"),
        event("bob", "complete", 11, "2"),
        event("alice", "complete", 13, "1"),
    ]
    other = [e.replace('value="A"', 'value="B"') for e in events[:1] + events[3:]]
    path = tmp_path / "inst.xes"
    path.write_text(f"<log>{trace('c1', events)}{trace('c2', other)}</log>")
    ev = read_event_log(path, keep_attributes=keep_attributes).events
    ev = ev[(ev["case_id"] == "c1")].sort_values("resource")
    hours = ((ev["end_time"] - ev["start_time"]).dt.total_seconds() / 3600).tolist()
    assert list(ev["resource"]) == ["alice", "bob"] and hours == [4.0, 1.0]


def test_timestamps_with_a_date_only_are_counted_and_named(tmp_path):
    """A date without a time of day is taken as midnight: the notes say how many and where."""
    path = tmp_path / "dates.csv"
    path.write_text(
        "case_id,activity,start_time,end_time,resource\n"
        "1,a,2024-01-01 09:00,2024-01-01 10:00,r1\n"
        "1,b,2024-01-02,2024-01-02 11:00,r1\n"
        "2,a,2024-01-01 09:30,2024-01-01 10:30,r2\n"
        "2,b,2024-01-03 09:00,2024-01-03 11:00,r2\n"
    )
    notes = " ".join(read_event_log(path).report.notes)
    assert "1 of the 8 timestamps carries a date and no time of day" in notes
    assert "line 3: '2024-01-02'" in notes and "taken as midnight," in notes
    daily = tmp_path / "daily.csv"
    daily.write_text(
        "case_id,activity,end_time\n1,a,2024-01-01\n1,b,2024-01-02\n2,a,2024-01-01\n2,b,2024-01-03\n"
    )
    assert "All 4 timestamps carry a date" in " ".join(read_event_log(daily).report.notes)
    full = tmp_path / "full.csv"
    full.write_text(path.read_text().replace("2024-01-02,", "2024-01-02 10:30,"))
    assert "no time of day" not in " ".join(read_event_log(full).report.notes)
