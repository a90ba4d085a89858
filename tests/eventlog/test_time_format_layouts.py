"""Timestamp layouts of CRM exports (QA crmexport16 #2, #3, #4, #6): a guessing time_format is
refused, Excel serial days with a decimal comma are read, day and month the wrong way round are
said, and ISO 8601 times with a comma before the fraction of a second are read."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.errors import EventLogError
from sim.eventlog import read_event_log
from sim.model import columns as C


def write(path: Path, rows: list[str], sep: str = ",") -> Path:
    header = sep.join(["case_id", "activity", "start_time", "end_time", "resource"])
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_mixed_is_refused_with_what_to_pass(tmp_path):
    """pandas' 'mixed' reads 03/04/2025 as 4 March and 13/04/2025 as 13 April in one column."""
    path = write(
        tmp_path / "dmy.csv",
        ["1,a,03/04/2025 09:00,03/04/2025 09:10,r", "2,b,13/04/2025 09:00,13/04/2025 09:10,r"],
    )
    with pytest.raises(EventLogError) as err:
        read_event_log(path, time_format="mixed")
    said = str(err.value)
    assert "time_format='mixed'" in said and "'start_time'" in said
    assert "one strptime format" in said and "'%d/%m/%Y" in said
    # ISO8601, which reads no value by guessing, still works
    iso = write(
        tmp_path / "iso.csv",
        ["1,a,2025-04-03 09:00,2025-04-03 09:10,r", "2,b,2025-04-13 09:00,2025-04-13 09:10,r"],
    )
    assert read_event_log(iso, time_format="ISO8601").n_cases == 2


EXCEL_ROWS = [
    "1;a;40833,33881944;40833,34438657;r",
    "1;b;40833,5;40833,75;r",
    "2;a;40834,25;40834,2604166667;s",
]


def test_excel_serial_days_with_a_decimal_comma_are_read(tmp_path):
    log = read_event_log(write(tmp_path / "xl.csv", EXCEL_ROWS, sep=";"), time_format="excel")
    ev = log.events.set_index([C.CASE, C.ACTIVITY])
    assert ev.loc[("1", "b"), C.START] == pd.Timestamp("2011-10-17 12:00")
    assert ev.loc[("1", "b"), C.END] == pd.Timestamp("2011-10-17 18:00")
    assert ev.loc[("2", "a"), C.END] == pd.Timestamp("2011-10-18 06:15")
    assert ev.loc[("1", "a"), C.START] == pd.Timestamp("2011-10-17 08:07:54")


def test_excel_serial_days_with_a_decimal_comma_get_the_excel_hint(tmp_path):
    with pytest.raises(EventLogError) as err:
        read_event_log(write(tmp_path / "xl.csv", EXCEL_ROWS, sep=";"))
    assert "Excel serial dates" in str(err.value) and "time_format='excel'" in str(err.value)


MONTH_FIRST = [
    "1,a,10/17/2011 08:07:54,10/17/2011 08:15:55,r",
    "1,b,10/17/2011 09:00:00,10/17/2011 09:30:00,r",
    "2,a,11/02/2011 08:00:00,11/02/2011 08:10:00,s",
]


def test_a_day_first_format_on_month_first_times_suggests_the_swap(tmp_path):
    with pytest.raises(EventLogError) as err:
        read_event_log(write(tmp_path / "mdy.csv", MONTH_FIRST), time_format="%d/%m/%Y %H:%M:%S")
    said = str(err.value)
    assert "time_format='%m/%d/%Y %H:%M:%S'" in said and "other way round" in said
    assert "mixes layouts" not in said


def test_a_log_whose_days_are_all_twelve_or_less_says_the_order_is_ambiguous(tmp_path):
    rows = [r.replace("10/17/2011", "10/11/2011") for r in MONTH_FIRST]
    log = read_event_log(write(tmp_path / "amb.csv", rows), time_format="%m/%d/%Y %H:%M:%S")
    assert log.events[C.START].min() == pd.Timestamp("2011-10-11 08:07:54")  # as the key says
    (note,) = [n for n in log.report.notes if "other way round" in n]
    assert note.startswith("Took the timestamps month first")
    assert "'%d/%m/%Y %H:%M:%S'" in note and "cannot tell" in note
    # a day after the 12th tells the order: no note
    told = read_event_log(write(tmp_path / "mdy.csv", MONTH_FIRST), time_format="%m/%d/%Y %H:%M:%S")
    assert not [n for n in told.report.notes if "other way round" in n]


def test_iso_times_with_a_comma_before_the_fraction_of_a_second_are_read(tmp_path):
    rows = [
        '1,a,"2011-10-01 08:07:54,451","2011-10-01 08:15:55,355",r',
        '1,b,"2011-10-01T09:00:00,5+02:00","2011-10-01T09:30:00,000+02:00",r',
        "2,a,2011-10-01 10:00:00.25,2011-10-01 10:10:00,s",
    ]
    log = read_event_log(write(tmp_path / "comma.csv", rows))
    ev = log.events.set_index([C.CASE, C.ACTIVITY])
    assert ev.loc[("1", "a"), C.START] == pd.Timestamp("2011-10-01 08:07:54.451")
    assert ev.loc[("1", "b"), C.START] == pd.Timestamp("2011-10-01 09:00:00.5")
    assert log.report.timezone_offsets == {"+02:00": 2}
