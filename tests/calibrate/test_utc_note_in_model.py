"""A log written in UTC gives a model whose metadata says so (QA tzdst #5: ``model.yaml`` said
``clock: local`` and neither its notes nor the report said the hours are UTC)."""

from __future__ import annotations

import pytest

from sim.calibrate import calibrate_model
from sim.eventlog import read_event_log
from tests.eventlog.test_utc_clock_notes_tz import amsterdam_office, written


@pytest.mark.parametrize(("layout", "how"), [("Z", "(Z)"), ("parquet", "(a UTC column)")])
def test_a_model_of_utc_times_says_its_clock_is_utc(tmp_path, layout, how):
    suffix = "parquet" if layout == "parquet" else "csv"
    frame = amsterdam_office("2025-03-03", "2025-04-25")
    log = read_event_log(written(frame, tmp_path / f"log.{suffix}", layout))
    assert log.report.clock == "local"  # read as written: on UTC's clock
    cal = calibrate_model(log, dropoff_outcomes=[])
    assert cal.model.metadata["clock"] == "UTC"
    (note,) = [n for n in cal.model.metadata["notes"] if "written in UTC" in n]
    assert f"the log's timestamps were written in UTC {how} and read as written" in note
    assert "start_date are in UTC hours" in note and "timezone=" in note
    assert note in cal.notes


def test_a_model_of_one_places_offsets_stays_on_its_clock_without_the_note(tmp_path):
    frame = amsterdam_office("2025-03-03", "2025-04-25")
    for col in ("start_time", "end_time"):
        frame[col] = frame[col].dt.tz_convert("Europe/Amsterdam").map(lambda t: t.isoformat())
    frame.to_csv(tmp_path / "office.csv", index=False)
    cal = calibrate_model(read_event_log(tmp_path / "office.csv"), dropoff_outcomes=[])
    assert cal.model.metadata["clock"] == "local"
    assert not [n for n in cal.model.metadata["notes"] if "UTC" in n]


@pytest.mark.parametrize(
    ("zone", "clock"), [("Europe/Amsterdam", "Europe/Amsterdam"), ("UTC", "local")]
)
def test_a_zone_given_for_times_without_an_offset_is_the_models_clock_where_it_read_them(
    tmp_path, zone, clock
):
    """QA retest14: timezone=UTC moves no time of a log without offsets (its note says so), but
    model.yaml recorded clock: UTC. Europe/Amsterdam reads them as times of its clock (an event
    across its change keeps its exact duration), as cleaning.json's clock says: model.yaml said
    local (QA rt28_calib F4)."""
    frame = amsterdam_office("2025-03-03", "2025-04-25")
    log = read_event_log(written(frame, tmp_path / "log.csv", "naive"), timezone=zone)
    assert log.report.clock == zone and log.report.timezone_aware_values == 0
    cal = calibrate_model(log, dropoff_outcomes=[])
    assert cal.model.metadata["clock"] == clock
