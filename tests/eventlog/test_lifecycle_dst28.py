"""QA rt28_calib F1, F2, F4: lifecycle events partly written without a UTC offset near a change
of the clock, and a zone named for a log without offsets.

F1: in the hour that repeats when the clocks go back, '02:10' to '02:40' (no offset) and
'02:50+02:00' to '02:20+01:00' were paired on their written times, which interleave there:
02:10 -> 02:20 and a completion 10 minutes before its start, removed with a real instance. The
night the clocks go forward, '01:56+01:00' to '03:14' (paired as written) was paired again on the
instants, with the next instance's completion, and that instance removed. Each instance now
keeps its own completion, as where every time carries its offset.

F2: in a log all at -05:00, a completion at '09:00' without an offset and a start at
'13:00-05:00' were paired across 4 hours and removed, although no clock of the log (or UTC)
puts that completion after the start: the completion is kept, the start is never completed and
its case open, as where the completion carries its offset.

F4: a log without offsets read with timezone='Europe/Amsterdam' reads its times on that zone's
clock ('01:40' to '03:20' the night the clocks go forward lasts 40 minutes), as cleaning.json
said; model.yaml said 'clock: local' and the console note that the zone moved no time.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.calibrate import calibrate_model
from sim.eventlog import read_event_log
from sim.eventlog.lifecycle import CLOCK_SKEW, pair_lifecycle
from sim.eventlog.read import _one_sided_reach
from sim.eventlog.utc_clock import utc_clock_notes
from sim.model import columns as C
from tests.eventlog.test_lifecycle_one_sided_offsets import write
from tests.eventlog.test_offsets_rt27 import adds_up
from tests.eventlog.test_utc_clock_notes_tz import amsterdam_office, written

EVENTS = "case_id,activity,timestamp,lifecycle,resource"
AMSTERDAM = "Europe/Amsterdam"


def spans(log, case: str, activity: str) -> list[tuple[str, str]]:
    """The instances of ``activity`` in ``case``: start and end as 'HH:MM', in time order."""
    ev = log.events
    ev = ev[(ev[C.CASE] == case) & (ev[C.ACTIVITY] == activity)].sort_values(C.START)
    return [(f"{s:%H:%M}", f"{e:%H:%M}") for s, e in zip(ev[C.START], ev[C.END], strict=True)]


def instances(log) -> list[tuple]:
    ev = log.events
    return sorted(zip(ev[C.CASE], ev[C.ACTIVITY], ev[C.START], ev[C.END], strict=True))


FALL = [  # c1's first Call without offsets (truly +02:00), its second across the change
    "c1,Reg,2024-10-27T01:30:00+02:00,start,r1",
    "c1,Reg,2024-10-27T01:40:00+02:00,complete,r1",
    "c1,Call,2024-10-27T02:10:00,start,r2",
    "c1,Call,2024-10-27T02:40:00,complete,r2",
    "c1,Call,2024-10-27T02:50:00+02:00,start,r2",
    "c1,Call,2024-10-27T02:20:00+01:00,complete,r2",
    "c1,App,2024-10-27T02:30:00+01:00,start,r3",
    "c1,App,2024-10-27T02:40:00+01:00,complete,r3",
    "c2,Reg,2024-10-28T09:00:00+01:00,start,r1",
    "c2,Reg,2024-10-28T09:10:00+01:00,complete,r1",
    "c2,Call,2024-10-28T09:20:00+01:00,start,r2",
    "c2,Call,2024-10-28T09:50:00+01:00,complete,r2",
    "c2,App,2024-10-28T10:00:00+01:00,start,r3",
    "c2,App,2024-10-28T10:10:00+01:00,complete,r3",
]


@pytest.mark.parametrize("zone", [None, AMSTERDAM])
def test_in_the_repeated_hour_each_instance_keeps_its_own_completion(tmp_path, zone):
    log = read_event_log(write(tmp_path / "fall.csv", EVENTS, FALL), timezone=zone)
    # was 02:10 -> 02:20, and the 02:50 start paired with 02:40 and removed
    assert spans(log, "c1", "Call") == [("02:10", "02:40"), ("02:50", "03:20")]
    r = log.report
    assert r.end_before_start_removed == 0 and r.unmatched_starts_removed == 0
    assert adds_up(log)
    offsets = [x.replace("02:10:00,", "02:10:00+02:00,") for x in FALL]
    offsets = [x.replace("02:40:00,", "02:40:00+02:00,") for x in offsets]
    twin = read_event_log(write(tmp_path / "offsets.csv", EVENTS, offsets), timezone=zone)
    assert instances(log) == instances(twin)  # as if the two times carried their offset


def test_a_copy_of_a_decided_event_leaves_its_activity_to_the_pairing_rules(tmp_path):
    """An exact copy of an event is removed after the pairs of events without an offset were
    decided: the activity of a case that loses a decided partner so is paired by the rules."""
    copied = [*FALL[:3], FALL[2], *FALL[3:], FALL[5]]
    log = read_event_log(write(tmp_path / "copies.csv", EVENTS, copied))
    assert log.report.duplicates_removed == 2
    assert spans(log, "c1", "Call") == [("02:10", "02:40"), ("02:50", "03:20")]
    assert adds_up(log)


SPRING = [  # case c50 of QA's lc_ev_s4: the Call completed at '03:14' was truly at +02:00
    "c50,Reg,2024-03-31T01:27:00,start,r1",
    "c50,Reg,2024-03-31T01:32:00,complete,r1",
    "c50,Call,2024-03-31T01:41:00+01:00,start,r2",
    "c50,Call,2024-03-31T01:51:00+01:00,complete,r2",
    "c50,Call,2024-03-31T01:56:00+01:00,start,r2",
    "c50,Call,2024-03-31T03:14:00,complete,r2",
    "c50,Call,2024-03-31T03:17:00+02:00,start,r2",
    "c50,Call,2024-03-31T03:40:00+02:00,complete,r2",
    "c50,App,2024-03-31T03:48:00+02:00,start,r3",
    "c50,App,2024-03-31T04:04:00,complete,r3",
    "z1,Reg,2024-04-02T09:00:00+02:00,start,r1",
    "z1,Reg,2024-04-02T09:10:00+02:00,complete,r1",
    "z1,Call,2024-04-02T09:20:00+02:00,start,r2",
    "z1,Call,2024-04-02T09:30:00+02:00,complete,r2",
    "z1,App,2024-04-02T09:40:00+02:00,start,r3",
    "z1,App,2024-04-02T09:50:00+02:00,complete,r3",
]


def test_a_pair_read_on_its_partners_clock_is_not_paired_again_on_the_instants(tmp_path):
    path = write(tmp_path / "spring.csv", EVENTS, SPRING)
    log = read_event_log(path)
    # '03:14' on its start's clock (+01:00), as written; was 01:56 -> 02:40 and 03:17 removed
    assert spans(log, "c50", "Call") == [("01:41", "01:51"), ("01:56", "03:14"), ("03:17", "03:40")]
    assert log.report.end_before_start_removed == 0 and adds_up(log)
    zoned = read_event_log(path, timezone=AMSTERDAM)  # '03:14' is then 03:14+02:00: 18 minutes
    assert spans(zoned, "c50", "Call") == [
        ("01:41", "01:51"),
        ("01:56", "02:14"),
        ("03:17", "03:40"),
    ]
    assert zoned.report.end_before_start_removed == 0 and adds_up(zoned)


REACH = [  # all at -05:00; c1's Review completion has no offset, its start was lost
    "c1,Reg,2024-01-10T08:00:00-05:00,start,r1",
    "c1,Reg,2024-01-10T08:10:00-05:00,complete,r1",
    "c1,Review,2024-01-10T09:00:00,complete,r2",
    "c1,Review,2024-01-10T13:00:00-05:00,start,r2",
    "c2,Reg,2024-01-10T08:20:00-05:00,start,r1",
    "c2,Reg,2024-01-10T08:30:00-05:00,complete,r1",
    "c2,Review,2024-01-10T08:40:00-05:00,start,r2",
    "c2,Review,2024-01-10T09:40:00-05:00,complete,r2",
    "c2,App,2024-01-10T10:00:00-05:00,start,r3",
    "c2,App,2024-01-10T10:10:00-05:00,complete,r3",
    "c3,Reg,2024-01-10T09:20:00-05:00,start,r1",
    "c3,Reg,2024-01-10T09:30:00-05:00,complete,r1",
    "c3,Review,2024-01-10T09:40:00-05:00,start,r2",
    "c3,Review,2024-01-10T10:40:00-05:00,complete,r2",
    "c3,App,2024-01-10T11:00:00-05:00,start,r3",
    "c3,App,2024-01-10T11:10:00-05:00,complete,r3",
]


def test_a_completion_no_clock_puts_after_a_start_is_kept_and_the_start_left_open(tmp_path):
    log = read_event_log(write(tmp_path / "ny.csv", EVENTS, REACH))
    r = log.report
    assert r.end_before_start_removed == 0  # was 1: the 09:00 completion removed with 13:00
    assert r.unmatched_starts_removed == 1 and r.activities_in_progress == 1
    assert r.open_cases == 1 and r.missing_start == 1
    offset = [x.replace("T09:00:00,", "T09:00:00-05:00,") for x in REACH]
    twin = read_event_log(write(tmp_path / "offset.csv", EVENTS, offset))
    assert instances(log) == instances(twin)
    assert adds_up(log)


def test_a_start_without_offset_that_utc_puts_before_its_completion_is_still_removed(tmp_path):
    """'13:00' as UTC is 08:00-05:00, before its completion at '09:00-05:00': a row ending
    before it starts as written, removed as such (the direction the reach keeps)."""
    rows = [x for x in REACH if "Review" not in x or not x.startswith("c1")]
    rows += [
        "c1,Review,2024-01-10T09:00:00-05:00,complete,r2",
        "c1,Review,2024-01-10T13:00:00,start,r2",
    ]
    log = read_event_log(write(tmp_path / "ny_start.csv", EVENTS, rows))
    assert log.report.end_before_start_removed == 1
    assert log.report.unmatched_starts_removed == 0 and adds_up(log)


def test_the_reach_of_a_time_without_offset_goes_the_way_a_clock_of_the_log_can_put_it():
    def offsets(*hours: float) -> dict[str, pd.Series]:
        values = pd.to_timedelta(list(hours), unit="h")
        return {C.END: pd.Series([*values, pd.NaT], dtype="timedelta64[us]")}

    hour = pd.Timedelta(hours=1)
    # (a completion without one before a start with one, a start without one after its
    # completion): was the span of the offsets and UTC both ways, 5 hours at -05:00
    assert tuple(_one_sided_reach(offsets(-5))) == (hour, 5 * hour)
    assert tuple(_one_sided_reach(offsets(1, 2))) == (2 * hour, hour)
    assert tuple(_one_sided_reach(offsets(5.5))) == (5.5 * hour, hour)
    none = {C.END: pd.Series([pd.NaT], dtype="timedelta64[us]")}
    assert tuple(_one_sided_reach(none)) == (hour, hour)
    # pair_lifecycle takes one reach for both ways as before
    events = pd.DataFrame(
        {
            C.CASE: ["c", "c"],
            C.ACTIVITY: ["a", "a"],
            C.END: pd.to_datetime(["2024-01-10 09:00", "2024-01-10 09:03"]),
            "lifecycle": ["complete", "start"],
            "_row": [0, 1],
            "_naive": [True, False],
        }
    )
    _, counts = pair_lifecycle(events, "lifecycle", naive="_naive", naive_reach=CLOCK_SKEW)
    assert counts.one_sided_backwards == 1


NIGHT = "n1,a,2025-03-30 01:40:00,2025-03-30 03:20:00,r0"  # across the spring change, no offset


@pytest.mark.parametrize(
    ("zone", "clock", "minutes"), [(AMSTERDAM, AMSTERDAM, 40), ("UTC", "local", 100)]
)
def test_a_zone_for_a_log_without_offsets_is_the_clock_every_record_names(
    tmp_path, zone, clock, minutes
):
    path = written(amsterdam_office("2025-03-03", "2025-04-25"), tmp_path / "log.csv", "naive")
    path.write_text(path.read_text() + NIGHT + "\n")
    log = read_event_log(path, timezone=zone)
    night = log.events[log.events[C.CASE] == "n1"]
    assert ((night[C.END] - night[C.START]) / pd.Timedelta(minutes=1)).tolist() == [minutes]
    (note,) = utc_clock_notes(log, timezone_given=True)  # the one the console prints
    cal = calibrate_model(log, dropoff_outcomes=[])
    assert cal.model.metadata["clock"] == clock  # was 'local' with Amsterdam too
    if zone == AMSTERDAM:
        assert log.report.clock == AMSTERDAM == cal.model.metadata["clock"]
        assert "moved no time" not in note
        n = log.report.timezone_naive_values
        assert log.report.timezone_zoned_values == n
        assert note.startswith(
            f"timezone=Europe/Amsterdam read the {n:,} timestamps, none of which carries a UTC "
            "offset, as times of its clock: "
        ), note
        assert "keeps its exact duration" in note
        zoned = [n for n in log.report.notes if "none of the log's carries one" in n]
        assert zoned and "were read as times of timezone='Europe/Amsterdam'" in zoned[0]
    else:
        assert note.startswith("timezone=UTC moved no time")
