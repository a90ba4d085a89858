"""A role whose calendar is open longer than one person works gets a note (QA 2026-12-05 #3:
BPIC's role_1 is open 75.5 h a week, each of its people modelled as working all of it, and
optimize recommended 2 people for a role of 5 without a word)."""

from __future__ import annotations

from sim.calibrate.log_notes import long_weeks_note
from sim.calibrate.staff import RoleFit
from sim.model import ALWAYS
from sim.model.calendar import calendar_from_dict


def test_long_working_weeks_are_named_with_their_hours():
    office = calendar_from_dict({"weekdays": ["09:00-17:00"]}, where="t")  # 40 h
    long = calendar_from_dict({"weekdays": ["06:30-21:30"]}, where="t")  # 75 h
    roles = {
        "clerk": RoleFit("clerk", ["a", "b"], ["x"], office),
        "agent": RoleFit("agent", ["c"], ["y"], long),
    }
    note = long_weeks_note(roles)
    assert note is not None and note.startswith("working weeks longer than one person works")
    assert "(agent 75.0 h)" in note and "clerk" not in note
    roles["desk"] = RoleFit("desk", ["d"], ["z"], ALWAYS)
    assert "(agent 75.0 h; desk around the clock)" in long_weeks_note(roles)
    assert long_weeks_note({"clerk": roles["clerk"]}) is None
