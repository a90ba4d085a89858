"""``naive_times='UTC'`` (``columns.naive_times=UTC``) reads times written without an offset as
UTC, so ``timezone`` puts them on an office's clock: a database export in UTC without offsets
could not be moved to local time (QA tzdst #3: columns.timezone moved nothing)."""

from __future__ import annotations

import pytest

from sim.errors import EventLogError
from sim.eventlog import read_event_log
from sim.eventlog.read import NAIVE_AS_UTC
from tests.eventlog.test_utc_clock_notes_tz import amsterdam_office, written
from tests.simcli import run_sim


def _naive_utc_log(tmp_path):
    return written(amsterdam_office("2025-03-03", "2025-04-25"), tmp_path / "log.csv", "naive")


def test_naive_utc_times_are_moved_to_the_offices_clock_across_its_change(tmp_path):
    path = _naive_utc_log(tmp_path)
    as_written = read_event_log(path, timezone="Europe/Amsterdam")
    local = read_event_log(path, timezone="Europe/Amsterdam", naive_times="UTC")
    assert local.report.timezone_offsets == {NAIVE_AS_UTC: 2 * len(local.events)}
    # the office opens at 09:00 all spring, before and after the change of 30 March
    first = local.events.groupby(local.events["start_time"].dt.date)["start_time"].min()
    assert set(first.dt.hour) == {9}
    first_written = as_written.events.groupby(as_written.events["start_time"].dt.date)[
        "start_time"
    ].min()
    assert set(first_written.dt.hour) == {7, 8}  # UTC: 08:00 in winter, 07:00 in summer
    durations = local.events["end_time"] - local.events["start_time"]
    assert (durations == as_written.events["end_time"] - as_written.events["start_time"]).all()


def test_naive_times_read_as_utc_without_a_zone_are_said_to_be_utc_hours(tmp_path):
    log = read_event_log(_naive_utc_log(tmp_path), naive_times="UTC")
    assert log.report.clock == "local"
    assert any("read as written, in UTC" in n for n in log.report.notes)


def test_another_value_of_naive_times_is_refused_by_name(tmp_path):
    with pytest.raises(EventLogError, match=r"naive_times: expected 'UTC'"):
        read_event_log(_naive_utc_log(tmp_path), naive_times="Europe/Amsterdam")


def test_calibrate_reads_columns_naive_times(tmp_path):
    path = _naive_utc_log(tmp_path)
    res = run_sim(
        "calibrate",
        f"log={path}",
        "columns.naive_times=UTC",
        "columns.timezone=Europe/Amsterdam",
        "backtest.enabled=false",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert res.returncode == 0, res.stderr
    model = (tmp_path / "run" / "model.yaml").read_text()
    assert "09:00-" in model and "clock: Europe/Amsterdam" in model
