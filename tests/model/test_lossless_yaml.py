"""Models imported with sub-minute calendars and off-the-hour arrival profiles survive YAML."""

from __future__ import annotations

import pytest

from sim.errors import ModelError
from sim.model import from_dict, to_dict
from sim.model.calendar import (
    calendar_from_dict,
    calendar_to_dict,
    profile_from_dict,
    profile_to_dict,
)


def test_calendar_with_seconds_round_trips():
    cal = calendar_from_dict(
        {"monday": ["08:00:00.500-17:00:00.718"], "friday": ["09:30-12:00"]}, where="c"
    )
    assert cal.intervals()[1][0] == pytest.approx(8 + 0.5 / 3600)
    text = calendar_to_dict(cal)
    assert text["monday"] == ["08:00:00.500000-17:00:00.718000"] and text["friday"] == [
        "09:30-12:00"
    ]
    back = calendar_from_dict(text, where="c")
    assert back.breaks == pytest.approx(cal.breaks, abs=1e-9)


def test_profile_pieces_round_trip_and_validation():
    prof = profile_from_dict({"pieces": [[0, 0], [9.25, 2.0], [17.5, 0]]}, where="p")
    assert prof.weekly_total == pytest.approx(168.0)  # normalised to mean 1
    out = profile_to_dict(prof)
    assert "pieces" in out
    assert profile_from_dict(out, where="p") == prof
    hourly = profile_from_dict({"weekdays": [1.0] * 24}, where="p")
    assert "pieces" not in profile_to_dict(hourly)
    with pytest.raises(ModelError, match=r"p.pieces\[1\]: hours must increase"):
        profile_from_dict({"pieces": [[0, 1], [0, 2]]}, where="p")
    with pytest.raises(ModelError, match="first piece must start at hour 0"):
        profile_from_dict({"pieces": [[1, 1]]}, where="p")


def test_model_with_exact_profile_round_trips():
    spec = {
        "name": "m",
        "start": "a",
        "arrivals": {
            "interarrival": {"dist": "exponential", "mean": 1},
            "profile": {"pieces": [[0, 0.5], [8.5, 3.0], [16.75, 0.5]]},
        },
        "roles": {"r": {"headcount": 1}},
        "steps": {"a": {"role": "r", "duration": 1, "next": "e"}},
        "ends": {"e": {"success": True}},
    }
    m = from_dict(spec)
    assert from_dict(to_dict(m)) == m
