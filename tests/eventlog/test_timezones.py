"""The clock a log is read in (``timezone``): by default the clock its times were written in when
their UTC offsets are one place's, UTC when they are several places', or a zone named by the
user; every event keeps its exact duration."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import EventLogError
from sim.eventlog import clean_event_table, read_event_log
from sim.model import columns as C

HEADER = "case_id,activity,start_time,end_time,resource"


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def amsterdam_office(path: Path) -> Path:
    """Two clerks working 09:00-12:00 Amsterdam time through the end of summer time (27 October
    2024: +02:00 before, +01:00 after), written with the offsets of the day."""
    rows = []
    for i, day in enumerate(pd.date_range("2024-10-21", "2024-11-01", freq="B")):
        off = "+02:00" if day < pd.Timestamp("2024-10-27") else "+01:00"
        d = day.strftime("%Y-%m-%d")
        rows += [
            f"c{i},A,{d}T09:00:00{off},{d}T09:40:00{off},ann",
            f"c{i},B,{d}T10:00:00{off},{d}T11:30:00{off},bob",
        ]
    return write(path, rows)


def test_one_places_offsets_are_read_on_the_clock_they_were_written_in(tmp_path):
    log = read_event_log(amsterdam_office(tmp_path / "office.csv"))
    ev = log.events
    assert log.report.clock == "local"
    assert log.report.timezone_offsets == {"+01:00": 20, "+02:00": 20}
    # 09:00 every day, before and after the clock change, as the office wrote it
    assert set(ev.loc[ev[C.ACTIVITY] == "A", C.START].dt.strftime("%H:%M")) == {"09:00"}
    assert set(ev.loc[ev[C.ACTIVITY] == "B", C.END].dt.strftime("%H:%M")) == {"11:30"}
    (note,) = [n for n in log.report.notes if "UTC offset" in n]
    assert "read on the clock they were written in" in note and "timezone='UTC'" in note
    in_utc = read_event_log(tmp_path / "office.csv", timezone="UTC")
    starts = in_utc.events.loc[in_utc.events[C.ACTIVITY] == "A", C.START].dt.strftime("%H:%M")
    assert set(starts) == {"07:00", "08:00"}  # the UTC hours of 09:00 in summer and winter


def test_an_event_in_the_repeated_hour_keeps_its_duration_and_is_not_removed(tmp_path):
    """At 03:00 +02:00 on 27 October 2024 the clocks go back to 02:00 +01:00: an event from
    02:50 +02:00 to 02:10 +01:00 lasted 20 minutes, though its written end is before its start."""
    path = write(
        tmp_path / "night.csv",
        [
            "c1,A,2024-10-26T09:00:00+02:00,2024-10-26T09:30:00+02:00,ann",
            "c1,B,2024-10-27T02:50:00+02:00,2024-10-27T02:10:00+01:00,bob",
            "c2,A,2024-10-28T09:00:00+01:00,2024-10-28T09:30:00+01:00,ann",
            "c2,B,2024-10-28T10:00:00+01:00,2024-10-28T11:00:00+01:00,bob",
        ],
    )
    log = read_event_log(path)
    assert log.report.end_before_start_removed == 0 and len(log.events) == 4
    night = log.events[(log.events[C.CASE] == "c1") & (log.events[C.ACTIVITY] == "B")].iloc[0]
    assert night[C.START] == pd.Timestamp("2024-10-27 02:50")
    assert night[C.END] - night[C.START] == pd.Timedelta(minutes=20)


def test_an_offset_on_one_end_of_an_event_only_leaves_both_ends_as_written(tmp_path):
    """QA 2026-12-04: a start with +01:00 and an end without one became an end an hour later
    (08:07 to 09:15 for 8 minutes of work): the exact-duration rule took the naive end as UTC."""
    path = write(
        tmp_path / "mixed.csv",
        [
            "c1,A,2011-10-17T08:07:54+01:00,2011-10-17T08:15:55,ann",
            "c1,B,2011-10-17T09:00:00,2011-10-17T09:10:00,ann",
            "c2,A,2011-10-17T10:00:00,2011-10-17T10:05:00+01:00,ann",
            "c2,B,2011-10-17T11:00:00+01:00,2011-10-17T11:10:00+01:00,bob",
        ],
    )
    log = read_event_log(path)
    ev = log.events.set_index([C.CASE, C.ACTIVITY])
    assert ev.loc[("c1", "A"), C.END] - ev.loc[("c1", "A"), C.START] == pd.Timedelta("8min 1s")
    assert ev.loc[("c2", "A"), C.END] == pd.Timestamp("2011-10-17 10:05")
    assert ev.loc[("c2", "B"), C.END] == pd.Timestamp("2011-10-17 11:10")
    (note,) = [n for n in log.report.notes if "one of start and end only" in n]
    assert note.startswith("2 events carry a UTC offset on one of start and end only")


def test_several_places_offsets_are_converted_to_utc_and_said(tmp_path):
    """+01:00 and -05:00 are not one place's standard and summer time: on the written clocks a
    hand-over from New York (A) to Amsterdam (B) a quarter of an hour later would wait six
    hours, so the log is read in UTC, and the note says how to read it on one place's clock."""
    path = write(
        tmp_path / "two_offices.csv",
        [
            "c1,A,2024-01-08T09:00:00-05:00,2024-01-08T09:30:00-05:00,ann",
            "c1,B,2024-01-08T15:45:00+01:00,2024-01-08T16:30:00+01:00,bob",
            "c2,A,2024-01-09T09:00:00-05:00,2024-01-09T09:30:00-05:00,ann",
            "c2,B,2024-01-09T15:45:00+01:00,2024-01-09T16:30:00+01:00,bob",
        ],
    )
    log = read_event_log(path)
    assert log.report.clock == "UTC"
    first = log.events[log.events[C.CASE] == "c1"].set_index(C.ACTIVITY)
    assert first.loc["A", C.END] == pd.Timestamp("2024-01-08 14:30")
    assert first.loc["B", C.START] - first.loc["A", C.END] == pd.Timedelta(minutes=15)
    (note,) = [n for n in log.report.notes if "UTC offset" in n]
    assert "more than an hour apart" in note and "converted to UTC" in note
    assert "timezone=" in note
    on_ny = read_event_log(path, timezone="America/New_York")
    assert on_ny.report.clock == "America/New_York"
    b = on_ny.events[(on_ny.events[C.CASE] == "c1") & (on_ny.events[C.ACTIVITY] == "B")]
    assert b[C.START].iloc[0] == pd.Timestamp("2024-01-08 09:45")


def test_a_named_zone_converts_offsets_and_leaves_values_without_one_as_written(tmp_path):
    path = write(
        tmp_path / "mixed.csv",
        [
            "c1,A,2024-07-01T07:00:00Z,2024-07-01T07:30:00Z,ann",
            "c1,B,2024-07-01 10:00:00,2024-07-01 10:30:00,bob",
            "c2,A,2024-07-02T07:00:00Z,2024-07-02T07:30:00Z,ann",
            "c2,B,2024-07-02 10:00:00,2024-07-02 10:30:00,bob",
        ],
    )
    log = read_event_log(path, timezone="Europe/Amsterdam")
    ev = log.events.set_index([C.CASE, C.ACTIVITY])
    assert ev.loc[("c1", "A"), C.START] == pd.Timestamp("2024-07-01 09:00")  # UTC+2 in July
    assert ev.loc[("c1", "B"), C.START] == pd.Timestamp("2024-07-01 10:00")  # as written
    (note,) = [n for n in log.report.notes if "UTC offset" in n]
    assert "converted to Europe/Amsterdam" in note and "4 had none" in note


def test_unix_times_are_utc_and_follow_a_named_zone(tmp_path):
    path = tmp_path / "epoch.csv"
    path.write_text(
        "case_id,activity,end_time\n1,a,1704700800\n1,b,1704704400\n2,a,1704787200\n"
    )  # 2024-01-08 08:00 UTC ...
    assert read_event_log(path, time_format="epoch_s").events[C.END].iloc[0] == pd.Timestamp(
        "2024-01-08 08:00"
    )
    paris = read_event_log(path, time_format="epoch_s", timezone="Europe/Paris")
    assert paris.events[C.END].iloc[0] == pd.Timestamp("2024-01-08 09:00")


@pytest.mark.parametrize("bad", ["Mars/Base", "+02:00", "CEST!"])
def test_an_unknown_zone_is_refused_with_what_is_expected(tmp_path, bad):
    path = amsterdam_office(tmp_path / "office.csv")
    with pytest.raises(EventLogError) as err:
        read_event_log(path, timezone=bad)
    text = str(err.value)
    assert str(path) in text and f"timezone={bad!r}" in text
    assert "'Europe/Amsterdam'" in text and "'local'" in text


OFFSETS = {"": None, "Z": 0, "+01:00": 60, "+02:00": 120, "-05:00": -300}
BASE = pd.Timestamp("2024-03-30 12:00")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 5000),  # start, minutes after BASE (written clock)
            st.integers(0, 600),  # duration in minutes
            st.sampled_from(sorted(OFFSETS)),
            st.sampled_from(sorted(OFFSETS)),
        ),
        min_size=2,
        max_size=12,
    )
)
def test_every_clock_keeps_each_events_duration_and_the_written_clock_keeps_its_starts(rows):
    """Each row: written start, true duration, the offsets its start and end are written with.
    On the written clock the start is as written and end - start is the duration; on every
    clock so is the duration of an event whose ends both carry an offset or neither does. An
    event with an offset on one end only is written on one clock (the value without an offset
    is on the clock of the other, as a log that drops some offsets writes it): on the written
    clock it keeps its duration too; on another its naive end stays as written, so its duration
    is not known there (QA 2026-12-04: it used to be taken as UTC, which moved such an end by
    the other's offset on the written clock)."""
    table_rows = []
    one_sided = set()
    for i, (start, minutes, zs, ze) in enumerate(rows):
        s_written = BASE + pd.Timedelta(minutes=start)
        s_utc = s_written - pd.Timedelta(minutes=OFFSETS[zs] or 0)
        e_utc = s_utc + pd.Timedelta(minutes=minutes)
        e_written = e_utc + pd.Timedelta(minutes=OFFSETS[ze] or 0)
        if (OFFSETS[zs] is None) != (OFFSETS[ze] is None):
            one_sided.add(f"c{i}")
            e_written = s_written + pd.Timedelta(minutes=minutes)
        fmt = "%Y-%m-%dT%H:%M:%S"
        table_rows.append(
            (f"c{i}", "ab"[i % 2], s_written.strftime(fmt) + zs, e_written.strftime(fmt) + ze, "r")
        )
    table = pd.DataFrame(table_rows, columns=[C.CASE, C.ACTIVITY, C.START, C.END, C.RESOURCE])
    for clock in ("local", "UTC", "Asia/Kolkata"):
        try:
            log = clean_event_table(table, timezone=clock)
        except EventLogError as err:  # a table of one case or one activity: nothing to check
            if clock != "local" and one_sided and "end before start" in str(err):
                continue  # one-sided events whose naive end lies before the converted start
            assert "single" in str(err)
            return
        ev = log.events.set_index(C.CASE)
        if clock == "local":
            assert log.report.end_before_start_removed == 0
        for i, (start, minutes, _zs, _ze) in enumerate(rows):
            if clock != "local" and f"c{i}" in one_sided:
                continue
            got = ev.loc[f"c{i}"]
            assert got[C.END] - got[C.START] == pd.Timedelta(minutes=minutes)
            if clock == "local":
                assert got[C.START] == BASE + pd.Timedelta(minutes=start)


def test_the_clock_of_columns_without_offsets_is_the_written_one():
    from sim.eventlog.timestamps import choose_clock

    assert choose_clock({}, None, source="t") == "local"
    naive = pd.Series([pd.NaT, pd.NaT], dtype="timedelta64[us]")
    assert choose_clock({"end_time": naive}, None, source="t") == "local"
    assert choose_clock({"end_time": naive}, "utc", source="t") == "UTC"


def test_a_misspelt_time_zone_gets_the_nearest_name(tmp_path):
    """QA 2026-12-05: 'Europe/Amsterdm' had no "did you mean", unlike misspelt keys."""
    import pytest

    from sim.errors import EventLogError
    from sim.eventlog import read_event_log

    log = tmp_path / "l.csv"
    log.write_text("case_id,activity,end_time\n1,a,2024-01-01 10:00\n1,b,2024-01-01 11:00\n")
    with pytest.raises(EventLogError, match=r"\(did you mean 'Europe/Amsterdam'\?\)"):
        read_event_log(log, timezone="Europe/Amsterdm")
