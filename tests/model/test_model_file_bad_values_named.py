"""Values of a model file that used to end in a traceback, or be read as something else, are
refused by a ModelError naming the key, what was expected and what was given (QA fuzz14 #4, #6,
#7): non-finite integers, a time unit that is no text, a calendar day given a number, a headcount
too large for a float, a blank role, a name that is no text, profile rates of ``true``."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import ModelError
from sim.model import from_dict, load
from sim.model.validate import MAX_HEADCOUNT

BASE = {
    "schema_version": 1,
    "name": "m",
    "start": "serve",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
    "roles": {"server": {"headcount": 2}},
    "steps": {"serve": {"role": "server", "duration": 0.5, "next": "done"}},
    "ends": {"done": {"success": True}},
}


def spec_with(change) -> dict:
    """A copy of BASE changed in place by ``change(spec)``."""
    spec = copy.deepcopy(BASE)
    change(spec)
    return spec


def error_of(spec) -> str:
    with pytest.raises(ModelError) as info:
        from_dict(spec, source="m.yaml")
    return str(info.value)


# ------------------------------------------------------------------ #4: no traceback
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_a_non_finite_headcount_is_named(value):
    msg = error_of(spec_with(lambda s: s["roles"]["server"].update(headcount=value)))
    assert msg == f"m.yaml: roles.server.headcount: expected a finite integer, got {value!r}"


@pytest.mark.parametrize("value", [math.inf, math.nan])
def test_a_non_finite_segment_priority_is_named(value):
    segments = {"a": {"share": 0.5, "priority": value}, "b": {"share": 0.5}}
    msg = error_of(spec_with(lambda s: s["arrivals"].update(segments=segments)))
    assert msg == (
        f"m.yaml: arrivals.segments.a.priority: expected a finite integer, got {value!r}"
    )


def test_a_yaml_inf_headcount_in_a_file_is_named(tmp_path):
    text = (
        "schema_version: 1\nstart: serve\narrivals: {interarrival: {dist: exponential, mean: 1}}\n"
        "roles: {server: {headcount: .inf}}\n"
        "steps: {serve: {role: server, duration: 0.5, next: done}}\nends: {done: {success: true}}\n"
    )
    path = tmp_path / "hc_inf.yaml"
    path.write_text(text)
    with pytest.raises(ModelError, match=r"roles\.server\.headcount: expected a finite integer"):
        load(path)


@pytest.mark.parametrize("unit", [{}, ["hours"], 3, True])
def test_a_time_unit_that_is_no_text_is_named(unit):
    msg = error_of(spec_with(lambda s: s.update(time_unit=unit)))
    assert msg == (
        f"m.yaml: time_unit: expected one of ['seconds', 'minutes', 'hours', 'days'], got {unit!r}"
    )


def test_a_time_unit_that_is_no_text_is_named_beside_other_problems():
    msg = error_of(
        spec_with(lambda s: (s.update(time_unit=["hours"]), s["steps"]["serve"].update(cost=-1)))
    )
    assert "time_unit: expected one of" in msg
    assert "steps.serve.cost: must be >= 0, got -1" in msg


@pytest.mark.parametrize(("key", "value"), [("weekdays", 3.7), ("monday", True), ("sunday", {})])
def test_a_calendar_day_given_no_spans_list_is_named(key, value):
    def change(s):
        s["calendars"] = {"c": {key: value}}
        s["roles"]["server"]["calendar"] = "c"

    msg = error_of(spec_with(change))
    assert msg == (
        f"m.yaml: calendars.c.{key}: expected a list of time spans like ['09:00-17:00'], "
        f"got {value!r}"
    )


# ------------------------------------------------- #6: an integer too large for a float
@pytest.mark.parametrize("headcount", [10**29, 10**21, 10**400], ids=["1e29", "1e21", "1e400"])
def test_a_huge_integer_headcount_gets_the_at_most_message(headcount):
    msg = error_of(spec_with(lambda s: s["roles"]["server"].update(headcount=headcount)))
    assert "expected an integer" not in msg
    assert f"roles.server.headcount: at most {MAX_HEADCOUNT:,} people, got {headcount:,}" in msg


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=10**40))
def test_any_integer_headcount_is_read_exactly(headcount):
    spec = spec_with(lambda s: s["roles"]["server"].update(headcount=headcount))
    if headcount <= MAX_HEADCOUNT:
        model = from_dict(spec)
        assert model.roles["server"].headcount == headcount
        assert type(model.roles["server"].headcount) is int
    else:
        assert f"at most {MAX_HEADCOUNT:,} people, got {headcount:,}" in error_of(spec)


def test_a_whole_float_headcount_is_still_an_integer_and_a_fraction_is_not():
    spec = spec_with(lambda s: s["roles"]["server"].update(headcount=3.0))
    assert from_dict(spec).roles["server"].headcount == 3
    msg = error_of(spec_with(lambda s: s["roles"]["server"].update(headcount=2.5)))
    assert msg == "m.yaml: roles.server.headcount: expected an integer, got 2.5"


def test_a_huge_integer_cost_is_not_finite():
    msg = error_of(spec_with(lambda s: s["steps"]["serve"].update(cost=10**400)))
    assert "steps.serve.cost: expected a finite number, got 1000" in msg


# ------------------------------------------------------------- #7: values to refuse
@pytest.mark.parametrize(("key", "value", "shown"), [("role", None, "null"), ("role", [], "[]")])
def test_a_blank_role_is_refused_with_the_way_to_write_an_automated_step(key, value, shown):
    msg = error_of(spec_with(lambda s: s["steps"]["serve"].update({key: value})))
    assert msg == (
        f"m.yaml: steps.serve.role: expected a role name, got {shown}; a step done by no one "
        "(automated, or a timer) has no 'role' line: leave it out"
    )


@pytest.mark.parametrize("value", [None, []])
def test_blank_roles_are_refused_too(value):
    def change(s):
        del s["steps"]["serve"]["role"]
        s["steps"]["serve"]["roles"] = value

    msg = error_of(spec_with(change))
    assert "steps.serve.roles: expected a list of role names" in msg
    assert "has no 'roles' line: leave it out" in msg


def test_a_step_without_a_role_line_is_still_automated():
    model = from_dict(spec_with(lambda s: s["steps"]["serve"].pop("role")))
    assert model.steps["serve"].roles == ()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ({"a": 1}, "m.yaml: name: expected text, got {'a': 1}"),
        (["x"], "m.yaml: name: expected text, got ['x']"),
        (True, "m.yaml: name: expected text, got True"),
        (2024, "m.yaml: name: expected text, got 2024 (a number; for text, write it in quotes"),
    ],
)
def test_a_name_that_is_no_text_is_refused(name, expected):
    assert error_of(spec_with(lambda s: s.update(name=name))).startswith(expected)


def test_a_text_name_is_kept_and_a_missing_one_is_the_default():
    assert from_dict(spec_with(lambda s: s.update(name="sales"))).name == "sales"
    assert from_dict(spec_with(lambda s: s.pop("name"))).name == "process"
    assert from_dict(spec_with(lambda s: s.update(name=None))).name == "process"


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ({"weekdays": [True] * 24}, "arrivals.profile.weekdays[0]: expected a number, got True"),
        (
            {"monday": [1.0] * 23 + ["2"]},
            "arrivals.profile.monday[23]: expected a number, got '2' (text, in quotes",
        ),
        ({"pieces": [[0, True]]}, "arrivals.profile.pieces[0][1]: expected a number, got True"),
        ({"pieces": [[False, 1]]}, "arrivals.profile.pieces[0][0]: expected a number, got False"),
    ],
)
def test_profile_rates_are_numbers_as_written(profile, expected):
    assert expected in error_of(spec_with(lambda s: s["arrivals"].update(profile=profile)))


def test_numeric_profile_rates_are_still_read():
    spec = spec_with(lambda s: s["arrivals"].update(profile={"weekdays": [1] * 12 + [3.0] * 12}))
    profile = from_dict(spec).arrivals.profile
    assert profile.rate_at(13.0) == pytest.approx(3 * profile.rate_at(1.0))


def test_a_number_too_long_to_read_is_named_not_a_traceback():
    """QA fuzz (modelio): an integer of 5,000 digits raised Python's ValueError from the parser."""
    from sim.model.safe_files import load_json, load_yaml

    for parse, text in ((load_yaml, "a: " + "9" * 5000), (load_json, '{"a": ' + "9" * 5000 + "}")):
        with pytest.raises(ModelError, match=r"^m.yaml: a number of more than 4,300 digits"):
            parse(text, "m.yaml")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("a: 1\nstart_date: 2026-02-30\n", r"line 2: 2026-02-30 is no date or time"),
        ("x: 2026-01-05 25:00:00", r"line 1: 2026-01-05 25:00:00 is no date or time"),
        ("p: {reviewed: 2026-13-45}", r"line 1: 2026-13-45 is no date or time"),
    ],
)
def test_a_date_that_does_not_exist_is_named_with_its_line_not_as_a_long_number(text, named):
    """QA retest14: every ValueError of the YAML constructors was said as 'a number of more
    than 4,300 digits', a bad start_date too."""
    from sim.model.safe_files import load_yaml

    with pytest.raises(ModelError, match=rf"^m.yaml: {named}") as err:
        load_yaml(text, "m.yaml")
    assert "digits" not in str(err.value)


@pytest.mark.parametrize(
    "spec",
    [{"dist": "gamma", "mean": 1.0, "std": 1e308}, {"dist": "gamma", "mean": 1e308, "std": 48}],
)
def test_moments_beyond_any_float_are_named_not_an_overflow_traceback(spec):
    """QA retest14: a gamma with std 1e308 raised OverflowError from (mean / std) ** 2."""
    from sim.model.distributions import Distribution

    with pytest.raises(ModelError, match=r"^steps.a.duration: gamma parameters .* beyond"):
        Distribution.from_dict(spec, where="steps.a.duration")


def test_an_end_value_given_as_an_empty_mapping_is_refused():
    """QA retest14: `value: {}` was read as no segment's value: revenue 0 without a word."""
    from sim.model.io import _end

    with pytest.raises(ModelError, match=r"^ends.won.value: an empty mapping"):
        _end("ends.won", "won", {"success": True, "value": {}})
    assert _end("ends.won", "won", {"success": True, "value": {"a": 5}}).value_by_segment == {
        "a": 5.0
    }
