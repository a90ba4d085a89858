"""What reading says about a log's clock when its times are UTC (QA tzdst #3, #4, #6, #7, #10):
times written without an offset that a ``timezone=`` cannot move, UTC as a parquet UTC column or
Unix time, each change of the clock with its own direction, the zones named without a preference
of list order, the offsets that made a log several places', and Excel times to the millisecond."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.eventlog import read_event_log
from sim.eventlog.utc_clock import UTC_NOTE, apart_text, utc_clock_notes
from sim.model import columns as C

COLUMNS = ["case_id", "activity", "start_time", "end_time", "resource"]


def amsterdam_office(first: str = "2025-02-03", last: str = "2025-11-28") -> pd.DataFrame:
    """Clerks in Amsterdam starting cases from 09:00 to 12:30 local time on working days, through
    both changes of the clock of 2025 (30 March, 26 October), as UTC times."""
    rows = []
    for d in pd.bdate_range(first, last):
        for k in range(8):
            start = (d + pd.Timedelta(hours=9, minutes=30 * k)).tz_localize("Europe/Amsterdam")
            for j, act in enumerate(("a", "b")):
                s = (start + pd.Timedelta(minutes=10 * j)).tz_convert("UTC")
                rows.append((f"{d:%m%d}-{k}", act, s, s + pd.Timedelta(minutes=8), f"r{j}"))
    return pd.DataFrame(rows, columns=COLUMNS)


def written(frame: pd.DataFrame, path: Path, layout: str) -> Path:
    """``frame``'s UTC times written as ``layout``: 'Z' (text), 'naive' (text without an offset),
    'parquet' (a UTC timestamp column) or 'epoch' (Unix seconds)."""
    out = frame.copy()
    for col in ("start_time", "end_time"):
        t = out[col]
        if layout == "Z":
            out[col] = t.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif layout == "naive":
            out[col] = t.dt.strftime("%Y-%m-%d %H:%M:%S")
        elif layout == "epoch":
            out[col] = (t - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1)
    if layout == "parquet":
        out.to_parquet(path)
    else:
        out.to_csv(path, index=False)
    return path


def test_a_zone_given_for_times_without_an_offset_is_said_to_read_them_on_its_clock(tmp_path):
    """QA #3: timezone=Europe/Amsterdam on a log of UTC times written without an offset changed
    nothing, silently; the working hours' move across both changes of the clock went unsaid.
    The zone reads them as times of its clock (QA rt28_calib F4: the note said it moved none,
    while an event across a change of the clock kept its exact duration)."""
    path = written(amsterdam_office(), tmp_path / "naive.csv", "naive")
    log = read_event_log(path, timezone="Europe/Amsterdam")
    first = log.events[C.START].min()
    assert first == pd.Timestamp("2025-02-03 08:00")  # the hour as written
    (note,) = utc_clock_notes(log, timezone_given=True)
    assert note.startswith(
        "timezone=Europe/Amsterdam read the 6,880 timestamps, none of which carries a UTC offset, "
        "as times of its clock: "
    )
    assert "keeps its exact duration" in note
    assert UTC_NOTE in note  # so the console prints it
    assert "1.0 h earlier across a change of the clock of Europe/London, Europe/Berlin" in note
    assert "(2025-03-30)" in note and "later across that of" in note and "(2025-10-26)" in note
    assert "a Z after the time, e.g. 2025-02-03T08:00:00Z" in note
    # without a zone the move is said too; times on the office's own clock say nothing
    (plain,) = utc_clock_notes(read_event_log(path), timezone_given=False)
    assert "carry no UTC offset and are read as written" in plain and "(2025-03-30)" in plain
    local = amsterdam_office()
    for col in ("start_time", "end_time"):
        local[col] = local[col].dt.tz_convert("Europe/Amsterdam").dt.tz_localize(None)
    local.to_csv(tmp_path / "local.csv", index=False)
    assert utc_clock_notes(read_event_log(tmp_path / "local.csv"), timezone_given=False) == []


def test_each_change_of_the_clock_gets_its_own_direction_and_no_zone_is_preferred(tmp_path):
    """QA #6: hours 'move 1.0 h earlier ... (2025-03-30) or ... (2025-10-26)': after the October
    change they move later; and 'e.g. timezone=Europe/London' for an Amsterdam office, only the
    first of the list."""
    log = read_event_log(written(amsterdam_office(), tmp_path / "z.csv", "Z"))
    (note,) = utc_clock_notes(log, timezone_given=False)
    earlier, later = note.index("1.0 h earlier in UTC"), note.index("h later across that of")
    assert earlier < note.index("(2025-03-30)") < later < note.index("(2025-10-26)")
    assert "e.g. timezone=Europe/London" not in note
    # where each zone's clock puts the working day: 09:00-12:30 local in Amsterdam (Berlin)
    assert "10:" in note.split(" on the clock of Europe/Berlin (+01:00/+02:00)")[0][-6:]
    assert "on the clock of Europe/London (+00:00/+01:00)" in note


@pytest.mark.parametrize(
    ("layout", "how", "kw"),
    [("parquet", "(a UTC column)", {}), ("epoch", "(Unix time)", {"time_format": "epoch_s"})],
)
def test_utc_as_a_parquet_column_or_unix_time_is_said_to_be_utc(tmp_path, layout, how, kw):
    """QA #4: a parquet UTC column and Unix time were said to be 'local' and never checked for a
    change of the clock."""
    suffix = "parquet" if layout == "parquet" else "csv"
    path = written(amsterdam_office(), tmp_path / f"log.{suffix}", layout)
    log = read_event_log(path, **kw)
    reading = [n for n in log.report.notes if "UTC offset" in n]
    assert reading and not any("are local" in n for n in reading)
    assert "read as written, in UTC, so calendars and arrival hours are UTC hours" in reading[0]
    (note,) = utc_clock_notes(log, timezone_given=False)
    assert f"timestamps carry the UTC offset +00:00 {how}: read as UTC" in note
    assert "(2025-03-30)" in note and "(2025-10-26)" in note


def test_a_log_made_several_places_says_which_offsets_made_it_so(tmp_path):
    """QA #7: 50 Z values among 9,000 at +01:00/+02:00 read the whole log in UTC, unexplained."""
    rows = [
        f"c{i},{'ab'[i % 2]},{day}T09:{i:02d}:00{off},{day}T10:00:00{off},r"
        for i in range(40)
        for day, off in [("2025-01-06", "+01:00") if i < 20 else ("2025-07-07", "+02:00")]
    ]
    rows += [f"z{i},a,2025-01-07T08:{i:02d}:00Z,2025-01-07T08:30:00Z,r" for i in range(3)]
    path = tmp_path / "mixed.csv"
    path.write_text(",".join(COLUMNS) + "\n" + "\n".join(rows) + "\n")
    log = read_event_log(path)
    assert log.report.clock == "UTC"
    (note,) = [n for n in log.report.notes if "more than an hour apart" in n]
    assert "(the 6 at +00:00 lie more than an hour from the other 80, at +01:00 and +02:00)" in note
    assert apart_text({"+00:00": 1, "+01:00": 5, "+02:00": 7}) == (
        "the value at +00:00 lies more than an hour from the other 12, at +01:00 and +02:00"
    )
    assert apart_text({"UTC": 1, "Europe/Amsterdam": 5}) == ""  # a zone's offsets unknown


def test_excel_times_are_read_to_the_millisecond(tmp_path):
    """QA #10: 45663.6 (14:24) read as 14:23:59.999999."""
    path = tmp_path / "excel.csv"
    path.write_text(
        "case_id,activity,start_time,end_time\nc,a,45663.375,45663.6\nd,b,45664.375,45664.4\n"
    )
    ev = read_event_log(path, time_format="excel").events
    assert ev[C.START].iloc[0] == pd.Timestamp("2025-01-06 09:00")
    assert ev[C.END].iloc[0] == pd.Timestamp("2025-01-06 14:24")


def test_over_a_long_log_only_the_zones_explaining_most_changes_are_named():
    """The helpdesk log (Z, 2010-2014) moves with Europe's three changes of 2011-2012; a chance
    shift in 2013 matched America's changes, which named five American zones beside them."""
    from tests.conftest import SHARED_DATA

    log = read_event_log(SHARED_DATA / "helpdesk" / "helpdesk.xes.gz")
    (note,) = utc_clock_notes(log, timezone_given=False)
    assert "(2011-03-27)" in note and "(2011-10-30)" in note and "(2012-03-25)" in note
    assert "America/" not in note
