"""XES ``suspend``/``resume``: the instance keeps its real start; the suspension is left out of
its processing time only.

QA xes17 #1: a suspension was taken out by moving the instance's start later by the suspended
clock time. Work stopped at 16:30 and resumed at 09:30 the next day then "started" at 06:00-09:00
that morning: the role's calendar, inferred from starts and ends, moved to 06:30-14:00, and the
back-test's mean cycle time came out +64 % (+0.1 % for the same log without the two events). The
instance now keeps its real start and end (for calendars, arrivals and waits) and lists its
suspensions in ``SUSPENDED``; calibration subtracts the working hours within them from the
processing time (a suspension off shift holds none: the calendar closes it already).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model
from sim.calibrate.prepare import prepare_log
from sim.calibrate.staff import working_time
from sim.errors import EventLogError
from sim.eventlog import read_event_log
from sim.eventlog.lifecycle import SUSPENDED, read_suspensions
from sim.model import columns as C
from sim.model.calendar import ALWAYS, calendar_from_dict
from tests.eventlog.lifecycle_logs import xes_event

T = pd.Timestamp
M = timedelta(minutes=1)


def xes(path: Path, traces: dict[str, list[str]]) -> Path:
    body = "".join(
        f'<trace><string key="concept:name" value="{case}"/>{"".join(evs)}</trace>'
        for case, evs in traces.items()
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<log xes.version="1.0" xmlns="http://www.xes-standard.org/">{body}</log>\n',
        encoding="utf-8",
    )
    return path


def b_row(log, case: str) -> pd.Series:
    e = log.events
    return e[(e[C.CASE] == case) & (e[C.ACTIVITY] == "B")].iloc[0]


def test_an_overnight_suspension_keeps_the_real_start_and_lists_the_pause(tmp_path: Path) -> None:
    day = datetime(2024, 4, 1)  # a Monday
    nxt = day + timedelta(days=1)
    traces = {
        "c0": [
            xes_event("A", day.replace(hour=9), "start", "p0"),
            xes_event("A", day.replace(hour=10), "complete", "p0"),
            xes_event("B", day.replace(hour=14, minute=30), "start", "p0"),
            xes_event("B", day.replace(hour=16, minute=30), "suspend", "p0"),
            xes_event("B", nxt.replace(hour=9, minute=30), "resume", "p0"),
            xes_event("B", nxt.replace(hour=10, minute=30), "complete", "p0"),
        ],
        "c1": [
            xes_event("A", nxt.replace(hour=11), "start", "p1"),
            xes_event("A", nxt.replace(hour=12), "complete", "p1"),
            xes_event("B", nxt.replace(hour=13), "start", "p1"),
            # two suspensions in one instance, in time order
            xes_event("B", nxt.replace(hour=13, minute=30), "suspend", "p1"),
            xes_event("B", nxt.replace(hour=14), "resume", "p1"),
            xes_event("B", nxt.replace(hour=15), "suspend", "p1"),
            xes_event("B", nxt.replace(hour=15, minute=15), "resume", "p1"),
            xes_event("B", nxt.replace(hour=16), "complete", "p1"),
        ],
    }
    log = read_event_log(xes(tmp_path / "night.xes", traces))
    b0, b1 = b_row(log, "c0"), b_row(log, "c1")
    # the real start, when p0 began it (not 07:30 the next morning), and the real end
    assert (b0[C.START], b0[C.END]) == (T("2024-04-01 14:30"), T("2024-04-02 10:30"))
    assert b0[SUSPENDED] == "2024-04-01T16:30:00/2024-04-02T09:30:00"
    assert (b1[C.START], b1[C.END]) == (T("2024-04-02 13:00"), T("2024-04-02 16:00"))
    assert b1[SUSPENDED] == (
        "2024-04-02T13:30:00/2024-04-02T14:00:00;2024-04-02T15:00:00/2024-04-02T15:15:00"
    )
    e = log.events
    assert e.loc[e[C.ACTIVITY] == "A", SUSPENDED].isna().all()
    r = log.report
    assert r.lifecycle_events_merged == 4 + 2 + 4  # the starts, and both pairs' events
    assert r.rows_read == r.rows_kept + r.lifecycle_events_merged + r.removed()


def test_processing_time_leaves_out_the_suspended_working_hours_only() -> None:
    office = calendar_from_dict({"weekdays": ["09:00-17:00"]}, where="test")
    # hours since a Monday 00:00: Monday 14:00 to Tuesday 10:00 is 4 working hours
    start, end = np.array([14.0, 14.0, 14.0, 10.0]), np.array([34.0, 34.0, 34.0, 12.0])
    pauses = [
        ((16.0, 33.5),),  # stopped at 16:00, resumed 09:30: 1 h + 0.5 h of it in working hours
        ((17.5, 32.0),),  # entirely off shift: the calendar closed it already
        None,
        ((10.5, 11.0), (11.5, 11.75)),  # two pauses within a morning's work
    ]
    assert working_time(office, start, end, pauses) == pytest.approx([2.5, 4.0, 4.0, 1.25])
    # without a calendar (automated steps) the clock time suspended is left out
    assert working_time(ALWAYS, start, end, pauses) == pytest.approx([2.5, 5.5, 20.0, 1.25])
    # a suspension reaching past its activity's end counts up to the end only
    assert working_time(office, np.array([9.0]), np.array([12.0]), [((11.0, 40.0),)]) == (
        pytest.approx([2.0])
    )


def office_log(path: Path, *, suspended: bool, weeks: int = 4) -> Path:
    """Eight people working 09:00-17:00 on weekdays: each day each begins a case with A in the
    morning and B at 14:00-15:30, stops B 20-30 minutes later to do D (of another case) from
    16:00 and resumes B at 09:00-10:00 the next working day (with ``suspended`` the stop and
    the resumption are suspend/resume events, else the log does not show them); C follows B."""
    rng = np.random.default_rng(7)
    days = [
        datetime(2024, 4, 1) + timedelta(days=7 * w + d) for w in range(weeks) for d in range(5)
    ]
    traces: dict[str, list[str]] = {}
    for i, day in enumerate(days[:-1]):
        nxt = days[i + 1]
        for k in range(8):
            who = f"p{k}"
            a0 = day + timedelta(hours=9) + int(rng.integers(0, 240)) * M
            b0 = day + timedelta(hours=14) + int(rng.integers(0, 90)) * M
            stop = b0 + int(rng.integers(20, 30)) * M
            d0 = day + timedelta(hours=16) + int(rng.integers(0, 20)) * M
            back = nxt + timedelta(hours=9) + int(rng.integers(0, 60)) * M
            b1 = back + int(rng.integers(30, 90)) * M
            c0 = b1 + int(rng.integers(10, 60)) * M
            evs = [xes_event("A", a0, "start", who), xes_event("A", a0 + 60 * M, "complete", who)]
            evs += [xes_event("B", b0, "start", who)]
            if suspended:
                evs += [xes_event("B", stop, "suspend", who), xes_event("B", back, "resume", who)]
            evs += [xes_event("B", b1, "complete", who)]
            evs += [xes_event("C", c0, "start", who), xes_event("C", c0 + 30 * M, "complete", who)]
            traces[f"c{i:02d}{k}"] = evs
            traces[f"d{i:02d}{k}"] = [
                xes_event("D", d0, "start", who),
                xes_event("D", d0 + 30 * M, "complete", who),
            ]
    return xes(path, traces)


def test_calibration_keeps_the_calendar_and_takes_the_pause_out_of_the_work(
    tmp_path: Path,
) -> None:
    with_pause = read_event_log(office_log(tmp_path / "susp.xes", suspended=True))
    without = read_event_log(office_log(tmp_path / "nosusp.xes", suspended=False))
    # the same instances, the same real starts and ends: only the suspensions differ
    cols = [C.CASE, C.ACTIVITY, C.START, C.END]
    pd.testing.assert_frame_equal(with_pause.events[cols], without.events[cols])
    cal_s = calibrate_model(with_pause, dropoff_outcomes=[], seed=1)
    cal_n = calibrate_model(without, dropoff_outcomes=[], seed=1)
    (role,) = cal_s.model.steps["B"].roles
    # the calendar is read from the real starts: the same as without the suspensions, and
    # open in the afternoon when B begins (it was 06:30-14:00 with the starts moved)
    assert cal_s.model.calendars == cal_n.model.calendars
    hours = cal_s.model.calendars[cal_s.model.roles[role].calendar]
    assert hours.rate_at(14.5) > 0 and hours.rate_at(7.0) == 0
    w_s, w_n = cal_s.waiting, cal_n.waiting
    b_s, b_n = w_s[w_s["activity"] == "B"], w_n[w_n["activity"] == "B"]
    assert np.array_equal(b_s["start"].to_numpy(), b_n["start"].to_numpy())
    # processing: the working hours between the real start and end less those suspended
    paused = with_pause.events.loc[with_pause.events[C.ACTIVITY] == "B", SUSPENDED]
    origin = prepare_log(with_pause).origin
    bounds = paused.str.split("/", expand=True).apply(pd.to_datetime)
    lo = ((bounds[0] - origin) / pd.Timedelta(hours=1)).to_numpy()
    hi = ((bounds[1] - origin) / pd.Timedelta(hours=1)).to_numpy()
    in_hours = hours.cumulative_array(hi) - hours.cumulative_array(lo)
    assert (in_hours > 0).all()  # each pause holds working hours (stopped before 17:00)
    assert b_s["processing"].to_numpy() == pytest.approx(b_n["processing"].to_numpy() - in_hours)
    (note,) = [n for n in cal_s.notes if "have suspensions" in n]
    assert note.startswith(f"{len(paused)} activity instance(s) have suspensions")
    assert f"leave out the {in_hours.sum():.4g} working hours suspended" in note
    assert not any("have suspensions" in n for n in cal_n.notes)


def test_a_suspensions_column_of_a_users_table_is_an_ordinary_attribute(tmp_path) -> None:
    """Only the suspensions the reader paired from suspend/resume events are taken out of the
    work: a column of that name in a table given as it is was read by the API (with errors
    naming the wrong row, offsets read in UTC, overlaps subtracted twice) and dropped by the
    command, so one file gave two models (QA coderev17 #1-#5). Now neither uses it."""
    table = pd.DataFrame(
        {
            C.CASE: ["1", "1", "2", "2"],
            C.ACTIVITY: ["a", "b", "a", "b"],
            C.START: pd.to_datetime(["2024-04-01 09:00", "2024-04-01 10:00"] * 2),
            C.END: pd.to_datetime(["2024-04-01 09:30", "2024-04-01 12:00"] * 2),
            C.RESOURCE: ["r1"] * 4,
            SUSPENDED: [None, "2024-04-01T10:30:00/2024-04-01T11:00:00", None, "after lunch"],
        }
    )
    assert "suspended" not in prepare_log(table).events.columns
    path = tmp_path / "with_column.csv"
    table.to_csv(path, index=False)
    log = read_event_log(path)
    assert log.report.suspensions_paired == 0
    assert "suspended" not in prepare_log(log).events.columns


def test_the_readers_own_column_is_checked_when_read_back() -> None:
    values = pd.Series([None, "2024-04-01T10:30:00/2024-04-01T11:00:00", "after lunch"])
    where = pd.Series(["row 1", "row 2", "row 3 (case 2, activity b)"], dtype="string")
    with pytest.raises(EventLogError, match=r"row 3 \(case 2, activity b\): 'after lunch'"):
        read_suspensions(values, source="log.csv", where=where)
    found = read_suspensions(values.iloc[:2], source="log.csv", where=where.iloc[:2])
    assert found["row"].tolist() == [1]
