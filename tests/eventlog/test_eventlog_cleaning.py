"""Small hand-written logs: pairing, cleaning, time zones, start estimation, open cases."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import EventLogError
from sim.eventlog import (
    clean_event_table,
    estimate_start_times,
    flag_open_cases,
    read_event_log,
)
from sim.model import columns as C

T = pd.Timestamp


def write(path: Path, text: str) -> Path:
    data = text.strip() + "\n"
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(data.encode()))
    else:
        path.write_text(data, encoding="utf-8")
    return path


def xes(*traces: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n'
        '<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n'
        + "".join(traces)
        + "\n</log>"
    )


def ev(name: str, ts: str, lc: str | None = None, res: str | None = None, extra: str = "") -> str:
    parts = [
        f'<string key="concept:name" value="{name}"/>',
        f'<date key="time:timestamp" value="{ts}"/>',
    ]
    if lc is not None:
        parts.append(f'<string key="lifecycle:transition" value="{lc}"/>')
    if res is not None:
        parts.append(f'<string key="org:resource" value="{res}"/>')
    return "<event>" + "".join(parts) + extra + "</event>"


def trace(case: str, *events: str, attrs: str = "") -> str:
    return f'<trace><string key="concept:name" value="{case}"/>{attrs}{"".join(events)}</trace>'


def rows(log) -> list[tuple]:
    e = log.events
    return [
        (r.case_id, r.activity, r.start_time, r.end_time)
        for r in e[[C.CASE, C.ACTIVITY, C.START, C.END]].itertuples(index=False)
    ]


# ---------------------------------------------------------------- XES start/complete pairing


def test_xes_start_complete_pairing_fifo(tmp_path: Path) -> None:
    body = xes(
        trace(
            "c1",
            ev("a", "2020-01-01T10:00:00+00:00", "start", "r1"),
            ev("a", "2020-01-01T10:30:00+00:00", "complete"),  # resource from the start
            ev("b", "2020-01-01T11:00:00+00:00", "complete", "r2"),  # complete only
            ev("a", "2020-01-01T11:00:00+00:00", "start", "r1"),
            ev("a", "2020-01-01T11:05:00+00:00", "start", "r3"),
            # listed out of time order: pairing goes by time, not file order
            ev("a", "2020-01-01T11:20:00+00:00", "complete", "r3"),
            ev("a", "2020-01-01T11:10:00+00:00", "complete", "r1"),
            ev("b", "2020-01-01T12:00:00+00:00", "start", "r2"),  # never completed
            attrs='<string key="outcome" value="approved"/><int key="amount" value="500"/>',
        ),
        trace(
            "c2",
            ev("a", "2020-01-01T09:00:00+00:00", "schedule"),
            ev("a", "2020-01-01T09:10:00+00:00", "start", "r1"),
            ev("a", "2020-01-01T09:20:00+00:00", "suspend", "r1"),
            ev("a", "2020-01-01T09:40:00+00:00", "complete", "r1"),
            ev("b", "2020-01-01T09:50:00+00:00", "complete", "r2"),
            attrs='<string key="outcome" value="declined"/><int key="amount" value="70"/>',
        ),
    )
    log = read_event_log(write(tmp_path / "log.xes", body))
    assert rows(log) == [
        ("c1", "a", T("2020-01-01 10:00"), T("2020-01-01 10:30")),
        ("c1", "b", pd.NaT, T("2020-01-01 11:00")),
        ("c1", "a", T("2020-01-01 11:00"), T("2020-01-01 11:10")),
        ("c1", "a", T("2020-01-01 11:05"), T("2020-01-01 11:20")),
        ("c2", "a", T("2020-01-01 09:10"), T("2020-01-01 09:40")),
        ("c2", "b", pd.NaT, T("2020-01-01 09:50")),
    ]
    e = log.events
    assert e[C.RESOURCE].tolist() == ["r1", "r2", "r1", "r3", "r1", "r2"]
    assert e[C.ENABLED].iloc[4] == T("2020-01-01 09:00") and e[C.ENABLED].iloc[:4].isna().all()
    # trace attributes become per-row case columns; 'outcome' is the standard outcome column
    assert e[C.OUTCOME].tolist() == ["approved"] * 4 + ["declined"] * 2
    assert e["case:amount"].tolist() == [500] * 4 + [70] * 2
    r = log.report
    assert r.rows_read == 13
    assert r.lifecycle_events_merged == 5  # 4 starts + 1 schedule
    assert r.unmatched_starts_removed == 1
    assert r.lifecycle_events_removed == 1  # the suspend
    assert r.rows_kept == 6
    assert r.rows_read == r.rows_kept + r.lifecycle_events_merged + r.removed()
    assert r.missing_start == 2
    assert not log.start_times_estimated  # some starts are known: missing ones stay missing


def test_xes_gz_and_nested_attributes_and_mixed_zones(tmp_path: Path) -> None:
    nested = '<list key="tags"><string key="t" value="x"/></list>'
    body = xes(
        trace(
            "1", ev("a", "2020-03-01T10:00:00+01:00", extra=nested), ev("b", "2020-03-01T10:00:00")
        ),
        trace("2", ev("a", "2020-03-01T12:00:00Z"), ev("b", "2020-03-01T13:00:00.500+02:00")),
    )
    log = read_event_log(write(tmp_path / "log.xes.gz", body))
    assert log.events[C.END].tolist() == [
        T("2020-03-01 09:00"),
        T("2020-03-01 10:00"),
        T("2020-03-01 11:00:00.5"),
        T("2020-03-01 12:00"),
    ]
    assert "tags" not in log.events.columns
    r = log.report
    assert (r.timezone_aware_values, r.timezone_naive_values) == (3, 1)
    assert r.timezone_offsets == {"+00:00": 1, "+01:00": 1, "+02:00": 1}
    assert log.start_times_estimated  # no start at all: estimated


def test_xes_status_vocabulary_kept(tmp_path: Path) -> None:
    body = xes(
        trace(
            "1",
            ev("x", "2020-01-01T10:00:00", "In Progress"),
            ev("y", "2020-01-01T11:00:00", "Closed"),
        ),
        trace(
            "2", ev("x", "2020-01-01T10:00:00", "Queued"), ev("y", "2020-01-01T12:00:00", "Closed")
        ),
    )
    log = read_event_log(write(tmp_path / "s.xes", body))
    assert log.events["lifecycle:transition"].tolist() == [
        "In Progress",
        "Closed",
        "Queued",
        "Closed",
    ]
    assert log.report.lifecycle_events_merged == 0 and log.report.rows_kept == 4


# ---------------------------------------------------------------- CSV cleaning


CSV_HEADER = "case_id,activity,start_time,end_time,resource,cost"


def test_duplicates_removed_and_counted(tmp_path: Path) -> None:
    text = f"""{CSV_HEADER}
1,a,2020-01-01 10:00,2020-01-01 10:10,r1,5
1,a,2020-01-01 10:00,2020-01-01 10:10,r1,5
1,a,2020-01-01 10:00,2020-01-01 10:10,r1,5
1,b,2020-01-01 10:20,2020-01-01 10:30,r1,5
2,a,2020-01-01 10:00,2020-01-01 10:10,r1,6
2,a,2020-01-01 10:00,2020-01-01 10:10,r1,7
"""
    log = read_event_log(write(tmp_path / "d.csv", text))
    assert log.report.duplicates_removed == 2
    assert log.report.rows_kept == 4  # rows differing in any column (cost) are not duplicates
    assert any(
        n.startswith("Removed 2 exact duplicate rows, all of them on times written to the minute")
        for n in log.report.notes
    )


# case 1 checks twice on 2 Jan (dates only: the two rows are alike); case 2 has a real copy of a
# row with a time of day, which is a duplicate however the date-only ones are read
DATE_ONLY_REPEATS = f"""{CSV_HEADER}
1,a,2020-01-01,2020-01-01,r1,5
1,check,2020-01-02,2020-01-02,r1,5
1,check,2020-01-02,2020-01-02,r1,5
1,b,2020-01-03,2020-01-03,r1,5
2,a,2020-01-01 10:00,2020-01-01 10:10,r1,5
2,a,2020-01-01 10:00,2020-01-01 10:10,r1,5
2,b,2020-01-01 11:00,2020-01-01 11:10,r1,5
"""


def test_duplicates_on_dates_only_are_counted_apart_and_said_to_be_maybe_real(
    tmp_path: Path,
) -> None:
    """QA: on dates without a time of day, two checks of one case by one person on one day were
    removed as "exact duplicates" with no word that work may have been lost."""
    r = read_event_log(write(tmp_path / "d.csv", DATE_ONLY_REPEATS)).report
    assert (r.duplicates_removed, r.date_only_duplicates, r.rows_kept) == (2, 1, 5)
    assert not r.date_only_duplicates_kept
    said = next(n for n in r.notes if n.startswith("Removed 2 exact duplicate rows"))
    assert "1 of them on times with a date and no time of day" in said
    assert "may be real same-day repetitions" in said
    assert "date_only_duplicates='keep'" in said


def test_duplicates_on_dates_only_are_kept_when_asked(tmp_path: Path) -> None:
    log = read_event_log(write(tmp_path / "d.csv", DATE_ONLY_REPEATS), date_only_duplicates="keep")
    r = log.report
    assert (r.duplicates_removed, r.date_only_duplicates, r.rows_kept) == (1, 1, 6)
    assert r.date_only_duplicates_kept
    e = log.events
    assert ((e["case_id"] == "1") & (e["activity"] == "check")).sum() == 2  # both checks
    assert ((e["case_id"] == "2") & (e["activity"] == "a")).sum() == 1  # the copy still goes
    assert "Removed 1 exact duplicate row." in r.notes
    assert any(n.startswith("Kept 1 row that repeats another exactly on times") for n in r.notes)
    assert r.rows_read == r.rows_kept + r.removed()


def test_a_bad_date_only_duplicates_choice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EventLogError, match="date_only_duplicates='maybe' must be 'drop' or"):
        read_event_log(write(tmp_path / "d.csv", DATE_ONLY_REPEATS), date_only_duplicates="maybe")


def test_a_time_format_without_a_time_of_day_reads_dates_only(tmp_path: Path) -> None:
    """A date-only log in another layout (``%d.%m.%Y``) is one too: noted, and its duplicates
    counted apart."""
    text = (
        "case_id,activity,end_time\n1,a,01.01.2020\n1,b,02.01.2020\n1,b,02.01.2020\n"
        "2,a,01.01.2020\n2,b,03.01.2020\n"
    )
    r = read_event_log(write(tmp_path / "d.csv", text), time_format="%d.%m.%Y").report
    assert r.date_only_values == 5 and r.date_only_duplicates == 1
    assert any("All 5 timestamps carry a date and no time of day" in n for n in r.notes)
    timed = read_event_log(
        write(tmp_path / "t.csv", text.replace(".2020", ".2020 10:00")),
        time_format="%d.%m.%Y %H:%M",
    ).report
    assert timed.date_only_values == 0 and timed.date_only_duplicates == 0


def test_end_before_start_removed(tmp_path: Path) -> None:
    text = f"""{CSV_HEADER}
1,a,2020-01-01 10:00,2020-01-01 10:10,r1,1
1,b,2020-01-01 11:00,2020-01-01 10:30,r1,1
2,a,2020-01-01 10:00,2020-01-01 10:00,r2,1
2,b,2020-01-01 10:05,2020-01-01 10:20,r2,1
"""
    log = read_event_log(write(tmp_path / "e.csv", text))
    assert log.report.end_before_start_removed == 1
    assert ("1", "b") not in {(c, a) for c, a, *_ in rows(log)}
    assert ("2", "a", T("2020-01-01 10:00"), T("2020-01-01 10:00")) in rows(log)  # instant: kept


def test_a_year_typed_wrong_is_removed_counted_and_named(tmp_path: Path) -> None:
    # 40 cases over ten days of 2020; line 4 starts in 1900, line 7 ends in 2030 (a decade typo):
    # kept, they would make an activity last years (the back-test overflowed pandas' Timedelta);
    # their cases go whole, or they would show paths and arrivals of their own
    lines = [CSV_HEADER]
    for i in range(40):
        day = f"2020-01-{1 + i // 4:02d}"
        lines += [f"{i},a,{day} 10:00,{day} 10:10,r1,1", f"{i},b,{day} 10:20,{day} 10:30,r2,1"]
    lines[3] = lines[3].replace("2020-01-01 10:00", "1900-01-01 10:00")
    lines[6] = lines[6].replace(",2020-01-01 10:30,", ",2030-01-01 10:30,")
    log = read_event_log(write(tmp_path / "y.csv", "\n".join(lines)))
    r = log.report
    assert r.implausible_timestamps_removed == 4 and r.rows_kept == 76
    assert not {"1", "2"} & set(log.events[C.CASE])
    assert r.rows_read == r.rows_kept + r.removed()
    note = next(n for n in r.notes if "typed wrong" in n)
    assert note.startswith("Removed 2 cases (4 rows) with a timestamp")
    assert "line 4 (1900-01-01 10:00:00" in note and "line 7 (" in note and "2030-01-01" in note
    assert "rows of cases with an implausible timestamp: 4" in r.removal_text()
    assert log.events[C.START].min().year == 2020 and log.events[C.END].max().year == 2020


def test_a_long_but_plausible_case_is_kept(tmp_path: Path) -> None:
    # a case opened a year before a ten-day extract is old, not a typo
    lines = [CSV_HEADER]
    for i in range(40):
        day = f"2020-01-{1 + i // 4:02d}"
        lines += [f"{i},a,{day} 10:00,{day} 10:10,r1,1", f"{i},b,{day} 10:20,{day} 10:30,r2,1"]
    lines[1] = lines[1].replace(
        "2020-01-01 10:00,2020-01-01 10:10", "2019-01-01 10:00,2019-01-01 10:10"
    )
    log = read_event_log(write(tmp_path / "old.csv", "\n".join(lines)))
    assert log.report.implausible_timestamps_removed == 0 and log.report.rows_kept == 80


def test_missing_values(tmp_path: Path) -> None:
    text = f"""{CSV_HEADER}
1,a,2020-01-01 10:00,2020-01-01 10:10,r1,1
1,b,,2020-01-01 10:30,,1
1,c,2020-01-01 10:40,,r1,1
,a,2020-01-01 10:00,2020-01-01 10:10,r1,1
2,,2020-01-01 10:00,2020-01-01 10:10,r1,1
2,a,2020-01-01 10:00,2020-01-01 10:10,r2,1
2,b,2020-01-01 11:00,2020-01-01 11:10,r2,1
"""
    log = read_event_log(write(tmp_path / "m.csv", text))
    r = log.report
    assert r.missing_case_or_activity_removed == 2
    assert r.missing_timestamp_removed == 1
    assert r.missing_start == 1  # kept, start left missing (the log has start times)
    assert r.rows_kept == 4 and r.rows_read == 7
    row = log.events[log.events[C.ACTIVITY] == "b"].iloc[0]
    assert pd.isna(row[C.START]) and row[C.RESOURCE] is pd.NA
    assert r.rows_read == r.rows_kept + r.removed()
    # QA 8a #22: "1 row have no start time"
    notes = " ".join(r.notes)
    assert "1 row has no start time" in notes and "1 row (25.0%) has no resource: it is" in notes


def test_mixed_time_zones_converted_and_counted(tmp_path: Path) -> None:
    text = """case_id,activity,start_time,end_time,resource
1,a,2020-06-01T10:00:00+02:00,2020-06-01T10:30:00+0200,r1
1,b,2020-06-01 08:40:00,2020-06-01 09:00:00,r1
2,a,2020-06-01T08:00:00Z,2020-06-01T09:00:00.250-01:00,r1
2,b,2020-06-01 11:00,2020-06-01 11:30,r1
"""
    log = read_event_log(write(tmp_path / "tz.csv", text))
    assert rows(log) == [
        ("1", "a", T("2020-06-01 08:00"), T("2020-06-01 08:30")),
        ("1", "b", T("2020-06-01 08:40"), T("2020-06-01 09:00")),
        ("2", "a", T("2020-06-01 08:00"), T("2020-06-01 10:00:00.25")),
        ("2", "b", T("2020-06-01 11:00"), T("2020-06-01 11:30")),
    ]
    r = log.report
    assert (r.timezone_aware_values, r.timezone_naive_values) == (4, 4)
    assert r.timezone_offsets == {"+00:00": 1, "+02:00": 2, "-01:00": 1}
    json.dumps(r.to_dict())


def test_time_format_for_non_iso_layouts(tmp_path: Path) -> None:
    text = """case,activity,end_timestamp
x,a,31/12/2020 23:59
x,b,01/01/2021 00:30
y,a,02/01/2021 08:00
"""
    log = read_event_log(write(tmp_path / "f.csv", text), time_format="%d/%m/%Y %H:%M")
    assert log.events[C.END].tolist() == [
        T("2020-12-31 23:59"),
        T("2021-01-01 00:30"),
        T("2021-01-02 08:00"),
    ]


@pytest.mark.parametrize(("time_format", "scale"), [("epoch_s", 1), ("epoch_ms", 1000)])
def test_unix_times_are_read_with_an_epoch_time_format(
    tmp_path: Path, time_format: str, scale: int
) -> None:
    t0 = 1_709_283_600  # 2024-03-01 09:00 UTC
    text = "case,activity,start_time,end_time\n" + "".join(
        f"{c},{a},{(t0 + k * 600) * scale},{(t0 + k * 600 + 300) * scale}\n"
        for k, (c, a) in enumerate([("x", "a"), ("x", "b"), ("y", "a"), ("y", "b")])
    )
    log = read_event_log(write(tmp_path / "f.csv", text), time_format=time_format)
    assert log.events[C.START].tolist()[:2] == [T("2024-03-01 09:00"), T("2024-03-01 09:10")]
    assert log.events[C.END].tolist()[0] == T("2024-03-01 09:05")
    assert log.report.timezone_naive_values == 0


@pytest.mark.parametrize(
    "header",
    [
        "case:concept:name,concept:name,org:resource,start_timestamp,time:timestamp",
        "CaseID,Activity,Resource,StartTimestamp,EndTimestamp",
        "Case ID,ACTIVITY,resource,start_time,complete_timestamp",
    ],
)
def test_common_column_conventions(tmp_path: Path, header: str) -> None:
    text = f"""{header}
1,a,r,2020-01-01 10:00,2020-01-01 10:05
1,b,r,2020-01-01 10:10,2020-01-01 10:15
2,a,s,2020-01-01 11:00,2020-01-01 11:05
"""
    log = read_event_log(write(tmp_path / "k.csv", text))
    assert rows(log)[0] == ("1", "a", T("2020-01-01 10:00"), T("2020-01-01 10:05"))
    assert log.events[C.RESOURCE].tolist() == ["r", "r", "s"]


def test_explicit_keys_and_clashing_column(tmp_path: Path) -> None:
    text = """ticket,step,who,begin,finish,activity
1,a,r,2020-01-01 10:00,2020-01-01 10:05,old
1,b,r,2020-01-01 10:10,2020-01-01 10:15,old
2,a,s,2020-01-01 11:00,2020-01-01 11:05,old
"""
    log = read_event_log(
        write(tmp_path / "x.csv", text),
        case_id_key="ticket",
        activity_key="step",
        start_key="begin",
        end_key="finish",
        resource_key="who",
    )
    assert log.events[C.ACTIVITY].tolist() == ["a", "b", "a"]
    assert log.events["activity_orig"].tolist() == ["old"] * 3
    assert any("activity_orig" in n for n in log.report.notes)


# ---------------------------------------------------------------- start estimation


def test_completion_only_start_estimation_exact(tmp_path: Path) -> None:
    text = """case_id,activity,end_time,resource
1,A,2020-01-01 10:00,r1
2,A,2020-01-01 10:10,r1
1,B,2020-01-01 10:30,r2
2,B,2020-01-01 10:50,r2
1,C,2020-01-01 11:00,r1
2,C,2020-01-01 11:30,
"""
    log = read_event_log(write(tmp_path / "c.csv", text))
    assert log.start_times_estimated and log.report.start_times_estimated
    got = {(c, a): s for c, a, s, _ in rows(log)}
    assert got == {
        ("1", "A"): T("2020-01-01 10:00"),  # nothing before: start = end
        ("2", "A"): T("2020-01-01 10:10"),  # A always opens its case: no duration, although
        # r1 was free from 10:00 (idle time before a case's first activity is no evidence)
        ("1", "B"): T("2020-01-01 10:00"),  # enabled by 1/A; r2 had no earlier work
        ("2", "B"): T("2020-01-01 10:30"),  # max(enabled 10:10, r2 free 10:30)
        ("1", "C"): T("2020-01-01 10:30"),  # max(enabled 10:30, r1 free 10:10)
        ("2", "C"): T("2020-01-01 10:50"),  # no resource: enablement only
    }
    assert any("estimated" in n for n in log.report.notes)


def test_a_cases_first_activity_takes_its_activitys_median_duration(tmp_path: Path) -> None:
    # B is enabled by A in cases 1-3 (estimated 20, 30 and 60 min: median 30); case 4 opens
    # with B, done by a clerk idle since the day before: it lasts the median, not 24 h
    text = """case_id,activity,end_time,resource
1,A,2020-01-01 09:00,r1
1,B,2020-01-01 09:20,r2
2,A,2020-01-01 10:00,r1
2,B,2020-01-01 10:30,r2
3,A,2020-01-01 11:00,r1
3,B,2020-01-01 12:00,r2
4,B,2020-01-02 12:00,r2
5,B,2020-01-02 12:10,r2
"""
    log = read_event_log(write(tmp_path / "c.csv", text))
    got = {(c, a): s for c, a, s, _ in rows(log)}
    assert got[("4", "B")] == T("2020-01-02 11:30")
    # case 5 opens with B too, but r2 was busy with case 4 until 12:00
    assert got[("5", "B")] == T("2020-01-02 12:00")
    note = next(n for n in log.report.notes if "no start times" in n)
    assert "2 first activities of a case took the median duration" in note
    assert "3 first activities of an activity that always opens its case got no duration" in note


def test_estimate_start_times_only_missing() -> None:
    table = pd.DataFrame(
        {
            C.CASE: ["1", "1"],
            C.ACTIVITY: ["a", "b"],
            C.START: [pd.NaT, T("2020-01-01 10:20")],
            C.END: [T("2020-01-01 10:00"), T("2020-01-01 10:30")],
            C.RESOURCE: ["r", "r"],
        }
    )
    kept = estimate_start_times(table)
    assert kept[C.START].tolist() == [T("2020-01-01 10:00"), T("2020-01-01 10:20")]
    redone = estimate_start_times(table, only_missing=False)
    assert redone[C.START].tolist() == [T("2020-01-01 10:00"), T("2020-01-01 10:00")]


# ---------------------------------------------------------------- open cases


def _open_case_table() -> pd.DataFrame:
    base = T("2020-01-01")
    recs = []
    for i in range(40):  # 40 finished cases: a -> b -> done
        t = base + pd.Timedelta(days=i)
        recs += [(f"c{i}", "a", t), (f"c{i}", "b", t + pd.Timedelta(hours=1))]
        recs.append((f"c{i}", "done", t + pd.Timedelta(hours=2)))
    last = base + pd.Timedelta(days=40)
    recs += [("open", "a", last), ("open", "b", last + pd.Timedelta(hours=3))]
    recs += [("early", "a", base), ("early", "b", base + pd.Timedelta(hours=5))]
    df = pd.DataFrame(recs, columns=[C.CASE, C.ACTIVITY, C.END])
    df[C.START] = df[C.END]
    return df


def test_open_cases_flagged_not_removed() -> None:
    log = clean_event_table(_open_case_table())
    assert log.report.end_activities == ["done"]
    assert log.open_case_ids == {"open"}  # 'early' stopped at b too, but long ago
    assert log.report.open_cases == 1 and log.report.rows_kept == 124
    ev = log.events
    assert ev.loc[ev[C.CASE] == "open", "case_open"].all()
    assert not ev.loc[ev[C.CASE] != "open", "case_open"].any()


def test_end_activities_override() -> None:
    log = clean_event_table(_open_case_table(), end_activities=["b", "done"])
    assert log.open_case_ids == set() and log.report.end_activities == ["b", "done"]
    flagged, ends = flag_open_cases(log.events, end_activities=["done"], tail_fraction=0.5)
    assert ends == ["done"]
    assert set(flagged.loc[flagged["case_open"], C.CASE]) == {"open"}


def test_a_case_that_ends_in_parallel_work_ends_with_each_activity_running_at_its_end() -> None:
    """QA2 2026-12-05 #3: declines beside an audit that usually finished later were no end
    activity (last in fewer than half their cases), so declined cases near the extract's end
    were flagged open. An activity running when the case's last-ending one started ends the case
    too."""
    rows = []
    t0 = pd.Timestamp("2024-01-01 09:00")
    for k in range(200):
        start = t0 + pd.Timedelta(hours=3 * k)
        # the audit usually ends after the decision; in one case in ten (a decline) before it
        audit_end = start + pd.Timedelta(minutes=30 if k % 10 == 9 else 90)
        decision = "decline" if k % 10 in (1, 3, 5, 9) else "accept"
        rows += [
            (str(k), "receive", start, start + pd.Timedelta(minutes=10)),
            (str(k), "audit", start + pd.Timedelta(minutes=15), audit_end),
            (str(k), decision, start + pd.Timedelta(minutes=20), start + pd.Timedelta(minutes=40)),
        ]
    df = pd.DataFrame(rows, columns=[C.CASE, C.ACTIVITY, C.START, C.END])
    log = clean_event_table(df)
    assert "decline" in log.report.end_activities
    assert log.open_case_ids == set()  # every case finished, those near the end included


def test_csv_with_byte_order_mark(tmp_path: Path) -> None:
    p = tmp_path / "bom.csv"
    p.write_bytes("\ufeffcase_id,activity,end_time\n1,a,2020-01-01\n2,b,2020-01-02\n".encode())
    assert read_event_log(p).events[C.CASE].tolist() == ["1", "2"]


def test_parquet_with_typed_columns(tmp_path: Path) -> None:
    stamps = pd.to_datetime(["2020-01-01 10:00", "2020-01-01 11:00", "2020-01-01 12:00"])
    table = pd.DataFrame(
        {
            "case_id": [1, 1, 2],  # integers become strings
            "activity": ["a", "b", "a"],
            "start_time": stamps.tz_localize("Europe/Amsterdam"),  # aware: read on its clock
            "end_time": (stamps + pd.Timedelta(minutes=30)).tz_localize("Europe/Amsterdam"),
            "resource": ["r", None, "s"],
        }
    )
    p = tmp_path / "typed.parquet"
    table.to_parquet(p)
    log = read_event_log(p)
    assert rows(log)[0] == ("1", "a", T("2020-01-01 10:00"), T("2020-01-01 10:30"))
    assert log.report.timezone_offsets == {"Europe/Amsterdam": 6}
    assert log.report.clock == "local"
    in_utc = read_event_log(p, timezone="UTC")
    assert rows(in_utc)[0] == ("1", "a", T("2020-01-01 09:00"), T("2020-01-01 09:30"))
    assert log.events[C.RESOURCE].isna().tolist() == [False, True, False]


def test_xes_traces_sharing_an_id_are_merged_and_said(tmp_path: Path) -> None:
    def log_with(third_id: str):
        text = xes(
            trace("c1", ev("a", "2020-01-01T10:00:00"), ev("b", "2020-01-01T11:00:00")),
            trace("c2", ev("a", "2020-01-01T12:00:00"), ev("b", "2020-01-01T13:00:00")),
            trace(third_id, ev("c", "2020-01-01T14:00:00")),
        )
        return read_event_log(write(tmp_path / f"{third_id}.xes", text))

    merged = log_with("c1")
    assert merged.n_cases == 2 and merged.report.rows_kept == 5
    notes = " ".join(merged.report.notes)
    assert "Merged 1 trace into the case of an earlier trace with the same id" in notes
    apart = log_with("c3")
    assert apart.n_cases == 3 and "same id" not in " ".join(apart.report.notes)


def test_xes_events_without_a_transition_are_counted(tmp_path: Path) -> None:
    text = xes(
        trace(
            "c1",
            ev("a", "2020-01-01T10:00:00", "start"),
            ev("a", "2020-01-01T10:30:00", "complete"),
            ev("b", "2020-01-01T11:00:00"),  # a start that lost its transition
            ev("b", "2020-01-01T11:30:00", "complete"),
        ),
        trace(
            "c2",
            ev("a", "2020-01-01T12:00:00", "start"),
            ev("a", "2020-01-01T12:20:00", "complete"),
        ),
    )
    log = read_event_log(write(tmp_path / "partial.xes", text))
    assert log.report.rows_kept == 4  # b twice: the documented rule
    assert any(
        n.startswith("Took 1 event without a 'lifecycle:transition' value as completions")
        for n in log.report.notes
    )


def test_an_unrecognised_start_column_is_pointed_to(tmp_path: Path) -> None:
    text = """case_id,activity,Start,end_time
1,a,2020-01-01 10:00,2020-01-01 10:10
1,b,2020-01-01 10:20,2020-01-01 10:30
2,a,2020-01-01 11:00,2020-01-01 11:10
"""
    log = read_event_log(write(tmp_path / "s.csv", text))
    assert log.start_times_estimated
    assert any(
        "If column 'Start' holds start times, pass start_key='Start'" in n for n in log.report.notes
    )
    named = read_event_log(tmp_path / "s.csv", start_key="Start")
    assert not named.start_times_estimated


def test_a_start_typed_a_year_early_inside_the_logs_period_is_removed(tmp_path: Path) -> None:
    """QA: one start typed 2022 for 2023 in a log spanning 2022-2023 passed the years-away rule
    and made a ten-minute task last a year (model +55,182 %)."""
    lines = [CSV_HEADER]
    for i in range(40):
        month = 1 + i % 12
        year = 2022 if i < 20 else 2023
        day = f"{year}-{month:02d}-10"
        lines += [f"{i},a,{day} 10:00,{day} 10:10,r1,1", f"{i},b,{day} 10:20,{day} 10:30,r2,1"]
    lines[-2] = lines[-2].replace(",2023-", ",2022-", 1)  # the last case's 'a' starts a year early
    log = read_event_log(write(tmp_path / "y.csv", "\n".join(lines)))
    assert log.report.implausible_timestamps_removed == 2 and log.report.rows_kept == 78
    note = next(n for n in log.report.notes if "lasting more than 30 days" in n)
    assert "line 80 (a: 2022-" in note
    # an activity seen a few times is not judged: its own spread is unknown
    few = read_event_log(write(tmp_path / "few.csv", "\n".join(lines[:11] + [lines[-2]])))
    assert few.report.implausible_timestamps_removed == 0


@pytest.mark.parametrize("keep_attributes", [True, False])
def test_xes_event_attributes_named_like_trace_attributes(tmp_path: Path, keep_attributes) -> None:
    """QA 8a #3: events carrying 'case:concept:name' (as some converters write) or 'case:region'
    beside a trace attribute 'region' crashed inside pandas (duplicate column names)."""

    def events(case: str) -> list[str]:
        copy = f'<string key="case:concept:name" value="{case}"/>'
        region = '<string key="case:region" value="south"/>'
        return [
            ev("a", "2020-01-01T10:00:00", extra=copy + region),
            ev("b", "2020-01-01T11:00:00", extra=copy),
        ]

    region = '<string key="region" value="north"/>'
    body = xes(trace("c1", *events("c1"), attrs=region), trace("c2", *events("c2"), attrs=region))
    log = read_event_log(write(tmp_path / "clash.xes", body), keep_attributes=keep_attributes)
    assert log.events[C.CASE].tolist() == ["c1", "c1", "c2", "c2"]
    notes = " ".join(log.report.notes)
    assert "Events carry attribute 'case:concept:name', equal to their trace's" in notes
    assert "the events' is kept as 'case:region_event'" in notes
    if keep_attributes:
        assert log.events["case:region"].tolist() == ["north"] * 4
        assert log.events["case:region_event"].fillna("-").tolist() == ["south", "-"] * 2
        assert "case:concept:name_event" not in log.events.columns


def test_an_activity_in_progress_flags_its_case_open(tmp_path: Path) -> None:
    """QA 8a #4: a started activity with no end (CSV) or a start never completed (XES) was
    removed, and its case, early in the extract, looked finished (a drop-off after b)."""
    lines = [CSV_HEADER]
    for i in range(20):
        day = f"2020-01-{i + 1:02d}"
        lines += [f"{i},{a},{day} 1{h}:00,{day} 1{h}:30,r1,1" for h, a in enumerate("abc")]
    lines[3 * 4 + 3] = "4,c,2020-01-05 12:00,,r1,1"  # case 4's c: started, no end
    log = read_event_log(write(tmp_path / "p.csv", "\n".join(lines)))
    r = log.report
    assert log.open_case_ids == {"4"} and r.open_cases == 1
    assert r.missing_timestamp_removed == 1 and r.activities_in_progress == 1
    assert r.rows_read == r.rows_kept + r.removed()
    assert any("1 activity started and never finished" in n for n in r.notes)

    def case(i: int, done: bool) -> str:
        day = f"2020-01-{i + 1:02d}"
        tail = [ev("c", f"{day}T12:00:00", "start")]
        if done:
            tail.append(ev("c", f"{day}T12:30:00", "complete"))
        return trace(
            str(i),
            ev("a", f"{day}T10:00:00", "complete"),
            ev("b", f"{day}T11:00:00", "complete"),
            *tail,
        )

    body = xes(*(case(i, done=i != 4) for i in range(20)))
    log = read_event_log(write(tmp_path / "p.xes", body))
    assert log.open_case_ids == {"4"} and log.report.unmatched_starts_removed == 1
    assert log.report.activities_in_progress == 1


def test_an_empty_start_column_does_not_turn_off_lifecycle_pairing(tmp_path: Path) -> None:
    """QA 8a #5: a pm4py-style CSV with an always-empty start_timestamp column: start events
    became activity instances of their own (36 rows instead of 18, each activity done twice)
    and the real start times were replaced by estimates."""
    header = "case:concept:name,concept:name,time:timestamp,lifecycle:transition,org:resource"
    lines = []
    for i in range(3):
        day = f"2020-01-0{i + 1}"
        for a, h in (("a", 9), ("b", 11)):
            lines += [f"{i},{a},{day} {h}:00,start,r1,", f"{i},{a},{day} {h}:30,complete,r1,"]
    text = "\n".join([header + ",start_timestamp", *lines])
    log = read_event_log(write(tmp_path / "lc.csv", text))
    assert log.report.rows_kept == 6 and log.report.lifecycle_events_merged == 6
    assert not log.start_times_estimated
    assert rows(log)[:2] == [
        ("0", "a", T("2020-01-01 09:00"), T("2020-01-01 09:30")),
        ("0", "b", T("2020-01-01 11:00"), T("2020-01-01 11:30")),
    ]
    assert "start_timestamp" not in log.events.columns
    assert any("Column 'start_timestamp' is empty: ignored" in n for n in log.report.notes)
    # a filled start column is used, and the note says what that does to the start events
    filled = text.replace(",start,r1,", ",start,r1,2020-01-01 08:00")
    notes = " ".join(read_event_log(write(tmp_path / "both.csv", filled)).report.notes)
    assert "has 'start' events, but column 'start_timestamp' holds start times" in notes


def test_float_ids_beyond_int64_are_read_as_whole_numbers(tmp_path: Path) -> None:
    """QA 8a #9: a parquet case_id of float64 1e19 failed in pandas ('cannot safely cast')."""
    table = pd.DataFrame(
        {
            "case_id": [1e19, 1e19, 2e19, 2e19],
            "activity": ["a", "b"] * 2,
            "end_time": pd.date_range("2020-01-01", periods=4, freq="h"),
        }
    )
    table.to_parquet(tmp_path / "big.parquet")
    log = read_event_log(tmp_path / "big.parquet")
    assert log.events[C.CASE].tolist() == ["1" + "0" * 19] * 2 + ["2" + "0" * 19] * 2


def test_a_completion_just_before_its_start_is_paired_as_clock_skew(tmp_path: Path) -> None:
    """QA 8a #17: B's completion written a minute before its start (two systems' clocks) was
    counted as a start never completed, and the completion kept without a start."""

    def case(i: int, b_start: str, b_end: str) -> str:
        day = f"2020-01-{i + 1:02d}"
        return trace(
            str(i),
            ev("a", f"{day}T09:00:00", "start", "r1"),
            ev("a", f"{day}T09:30:00", "complete", "r1"),
            ev("b", f"{day}T{b_start}:00", "start", "r2"),
            ev("b", f"{day}T{b_end}:00", "complete", "r2"),
        )

    def read(b_end_of_case_2: str):
        cases = [case(i, "11:00", "12:00") for i in range(4)]
        cases[2] = case(2, "11:00", b_end_of_case_2)
        return read_event_log(write(tmp_path / f"{b_end_of_case_2[:2]}.xes", xes(*cases)))

    skewed = read("10:59")
    r = skewed.report
    assert (r.end_before_start_removed, r.unmatched_starts_removed) == (1, 0)
    assert r.rows_read == r.rows_kept + r.lifecycle_events_merged + r.removed()
    assert ("2", "b") not in {(c, a) for c, a, *_ in rows(skewed)}
    assert skewed.open_case_ids == set()
    assert any(
        "Paired 1 start event with a completion recorded up to 5 minutes" in n for n in r.notes
    )
    # two hours apart: a completion whose start is missing, and a start never completed
    apart = read("09:00")
    assert apart.report.unmatched_starts_removed == 1
    assert apart.report.end_before_start_removed == 0
    assert ("2", "b", pd.NaT, T("2020-01-03 09:00")) in rows(apart)


def test_a_parquet_column_of_dates_is_said_to_have_no_time_of_day(tmp_path: Path) -> None:
    """A parquet date column (or datetimes that are all midnight) shows no layout to read
    'date only' from: the column is dates when every value falls at midnight."""
    days = pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-02", "2020-01-03"])
    table = pd.DataFrame(
        {
            "case_id": [1, 1, 1, 2],
            "activity": ["a", "check", "check", "a"],
            "end_time": days,  # datetime64: all midnight
            "start_time": days.date,  # parquet date32
            "resource": "r",
        }
    )
    table.to_parquet(tmp_path / "dates.parquet")
    r = read_event_log(tmp_path / "dates.parquet").report
    assert r.date_only_values == 8
    assert any(n.startswith("All 8 timestamps carry a date and no time of day") for n in r.notes)
    assert (r.duplicates_removed, r.date_only_duplicates) == (1, 1)  # said to be maybe real
    # times of day: one at midnight among others is a time, not a date
    table["end_time"] = days + pd.to_timedelta([0, 1, 2, 3], unit="h")
    table["start_time"] = table["end_time"]
    table.to_parquet(tmp_path / "times.parquet")
    assert read_event_log(tmp_path / "times.parquet").report.date_only_values == 0


def test_excel_whole_days_are_said_to_have_no_time_of_day(tmp_path: Path) -> None:
    p = tmp_path / "excel.csv"
    p.write_text("case_id,activity,end_time\n1,a,43831\n1,b,43832\n2,a,43832.5\n")
    assert read_event_log(p, time_format="excel").report.date_only_values == 0
    p.write_text("case_id,activity,end_time\n1,a,43831\n1,b,43832\n2,a,43833\n")
    r = read_event_log(p, time_format="excel").report
    assert r.date_only_values == 3 and any("no time of day" in n for n in r.notes)
