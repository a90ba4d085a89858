"""UTC offsets an hour apart are one place's clock only when they follow each other as its clock
changes; in use side by side they are two clocks, and no hour repeats.

QA crmexport16 #1: a Dec 2011 - Feb 2012 extract wrote the events without a resource in Z and
the rest in +01:00 (Amsterdam winter time). Taken for one place, it was read on the written
clock (the Z events an hour off) and 1,438 events were said to fall "in the hour that repeats
when the clocks go back", though no clock changes in the window.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.eventlog import read_event_log
from sim.eventlog.timestamps import choose_clock, clock_changes
from sim.model import columns as C

HEADER = "case_id,activity,start_time,end_time,resource"


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def z_and_cet(path: Path) -> Path:
    """Each working day of Dec 2011 - Feb 2012, two cases: a clerk's step 09:00-09:30
    Amsterdam time written +01:00, then a system's step 09:40-09:45 written in Z (08:40Z)."""
    rows = []
    for i, day in enumerate(pd.bdate_range("2011-12-01", "2012-02-28")):
        d = day.strftime("%Y-%m-%d")
        for j in range(2):
            case = f"c{i}_{j}"
            rows += [
                f"{case},A,{d}T09:0{j}:00+01:00,{d}T09:30:00+01:00,ann",
                f"{case},B,{d}T08:40:00Z,{d}T08:45:00Z,",
            ]
    return write(path, rows)


def test_z_beside_plus_one_in_winter_is_two_clocks_read_in_utc(tmp_path):
    log = read_event_log(z_and_cet(tmp_path / "win.csv"))
    ev = log.events
    assert log.report.clock == "UTC"
    # one instant each: A from 08:00 UTC, B at 08:40 UTC, after A, as it happened
    assert set(ev.loc[ev[C.ACTIVITY] == "B", C.START].dt.strftime("%H:%M")) == {"08:40"}
    assert set(ev.loc[ev[C.ACTIVITY] == "A", C.END].dt.strftime("%H:%M")) == {"08:30"}
    (note,) = [n for n in log.report.notes if "UTC offsets" in n]
    assert "side by side" in note and "converted to UTC" in note
    assert "more than an hour apart" not in note and "timezone=" in note
    assert not [n for n in log.report.notes if "repeats when the clocks go back" in n]


def test_the_written_clock_chosen_for_two_clocks_has_no_repeated_hour(tmp_path):
    """timezone='local' keeps the times as written (B at 08:40 before A ends at 09:30) and says
    nothing of an hour that repeats: no clock changes in the log."""
    log = read_event_log(z_and_cet(tmp_path / "win.csv"), timezone="local")
    ev = log.events
    assert log.report.clock == "local"
    assert set(ev.loc[ev[C.ACTIVITY] == "B", C.START].dt.strftime("%H:%M")) == {"08:40"}
    assert set(ev.loc[ev[C.ACTIVITY] == "A", C.START].dt.strftime("%H:%M")) == {"09:00", "09:01"}
    assert not [n for n in log.report.notes if "repeats" in n]


def test_the_named_zone_reads_both_clocks_on_its_own(tmp_path):
    log = read_event_log(z_and_cet(tmp_path / "win.csv"), timezone="Europe/Amsterdam")
    ev = log.events
    assert set(ev.loc[ev[C.ACTIVITY] == "B", C.START].dt.strftime("%H:%M")) == {"09:40"}
    assert not [n for n in log.report.notes if "repeats" in n]


def test_an_offset_change_that_no_place_makes_then_is_two_clocks(tmp_path):
    """+01:00 through January, +02:00 through February: one change, but no zone's clock moves
    forward in mid-winter."""
    rows = []
    for i, day in enumerate(pd.bdate_range("2024-01-08", "2024-02-23")):
        off = "+01:00" if day.month == 1 else "+02:00"
        d = day.strftime("%Y-%m-%d")
        rows += [
            f"c{i},A,{d}T09:00:00{off},{d}T09:30:00{off},ann",
            f"c{i},B,{d}T10:00:00{off},{d}T10:30:00{off},bob",
        ]
    log = read_event_log(write(tmp_path / "jan_feb.csv", rows))
    assert log.report.clock == "UTC"


def test_summer_time_ending_is_still_one_place(tmp_path):
    """Amsterdam's offsets across the end of summer time (27 October 2024) and a following
    spring change (30 March 2025): the written clock, as before."""
    rows = []
    for i, day in enumerate(pd.bdate_range("2024-10-14", "2025-04-11")):
        summer = day < pd.Timestamp("2024-10-27") or day > pd.Timestamp("2025-03-30")
        off = "+02:00" if summer else "+01:00"
        d = day.strftime("%Y-%m-%d")
        rows.append(f"c{i},{'AB'[i % 2]},{d}T09:00:00{off},{d}T09:40:00{off},ann")
        rows.append(f"c{i},C,{d}T10:00:00{off},{d}T10:40:00{off},ann")
    log = read_event_log(write(tmp_path / "ams.csv", rows))
    assert log.report.clock == "local"
    assert set(log.events[C.START].dt.strftime("%H:%M")) == {"09:00", "10:00"}


def test_clock_changes_tells_a_change_from_clocks_side_by_side():
    t = pd.Series(pd.to_datetime(["2024-10-26 08:00", "2024-10-26 09:00", "2024-10-28 08:00"]))
    one, two = pd.Timedelta(hours=1), pd.Timedelta(hours=2)
    assert clock_changes(t, pd.Series([two, two, two])) == []
    (change,) = clock_changes(t, pd.Series([two, two, one]))
    assert (change.before, change.after) == (two, one)
    assert change.old_until == t[1] and change.new_from == t[2]
    daily = pd.Series(pd.date_range("2024-01-01 09:00", periods=40, freq="12h"))
    assert clock_changes(daily, pd.Series([one, pd.Timedelta(0)] * 20)) is None
    # one value on the other clock, among many: it comes and goes, no change
    assert clock_changes(daily, pd.Series([one] * 20 + [two] + [one] * 19)) is None
    # without the times, only the spread counts (as before)
    assert choose_clock({"end_time": pd.Series([one, pd.Timedelta(0)])}, None, source="t") == (
        "local"
    )
