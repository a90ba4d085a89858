"""A calendar given no spans at all (``office:`` with its lines commented out, which YAML reads
as null) is refused as having no working time, as ``office: {}`` and ``weekdays: []`` are; it
was read as 24/7, so a run simulated 168 working hours a week without a note (QA fuzz14 #5)."""

from __future__ import annotations

import pytest

from sim.errors import ModelError
from sim.model import load
from sim.model.calendar import ALWAYS, calendar_from_dict

MODEL = """\
schema_version: 1
name: mmc
start: service
arrivals:
  interarrival: {{dist: exponential, mean: 1.0}}
calendars:
  office:{office}
roles:
  server: {{headcount: 2, calendar: office}}
steps:
  service:
    role: server
    duration: {{dist: exponential, mean: 1.6}}
    next: done
ends:
  done: {{success: true}}
"""


def test_a_null_calendar_is_refused_as_having_no_working_time():
    with pytest.raises(ModelError) as info:
        calendar_from_dict(None, where="calendars.office")
    assert str(info.value).startswith("calendars.office: the calendar has no working time")
    assert "'24/7'" in str(info.value)  # the way to say "always"


@pytest.mark.parametrize(
    "office",
    [
        '\n    # weekdays: ["09:00-17:00"]',  # the lines commented out: null
        "",  # left blank: null
        " {}",
        "\n    weekdays: []",
        "\n    weekdays:",
    ],
)
def test_a_model_file_whose_calendar_has_no_spans_is_refused(tmp_path, office):
    path = tmp_path / "m.yaml"
    path.write_text(MODEL.format(office=office))
    with pytest.raises(ModelError, match=r"calendars\.office: the calendar has no working time"):
        load(path)


def test_spans_and_the_built_in_24_7_are_still_read(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(MODEL.format(office='\n    weekdays: ["09:00-17:00"]\n    saturday:'))
    assert load(path).calendars["office"].weekly_total == pytest.approx(40.0)
    path.write_text(MODEL.format(office=" '24/7'"))
    assert load(path).calendars["office"] is ALWAYS
