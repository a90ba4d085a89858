"""Validation: every problem is reported with the element and field it concerns and, for names,
the valid choices (one validator for every way a model is built)."""

from __future__ import annotations

import copy
import math
import re

import pytest

from sim.errors import ModelError
from sim.model import from_dict, problems, validate

BASE = {
    "name": "v",
    "start": "a",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
    "calendars": {"office": {"weekdays": ["09:00-17:00"]}},
    "roles": {"r": {"headcount": 2}, "s": {"headcount": 1, "calendar": "office"}},
    "steps": {
        "a": {"role": "r", "duration": {"dist": "gamma", "mean": 1.0, "std": 0.5}, "next": "d"},
        "b": {"role": "s", "duration": 0.5, "next": "done"},
    },
    "decisions": {"d": {"branches": {"b": 0.7, "lost": 0.3}}},
    "ends": {"done": {"success": True}, "lost": {"success": False}},
}


def spec_with(**changes):
    """A copy of BASE with dotted-path changes (``steps.a.next="x"``); None deletes."""
    spec = copy.deepcopy(BASE)
    for path, value in changes.items():
        *parents, key = path.split("__")
        node = spec
        for p in parents:
            node = node.setdefault(p, {})
        if value is None:
            node.pop(key, None)
        else:
            node[key] = value
    return spec


def error_of(spec) -> str:
    with pytest.raises(ModelError) as info:
        from_dict(spec)
    return str(info.value)


def test_base_is_valid():
    m = from_dict(BASE)
    assert problems(m) == []
    assert validate(m) is m


# ----------------------------------------------------------------------------- distributions
@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (
            {"dist": "gamm", "mean": 1, "std": 1},
            r"steps\.a\.duration: unknown distribution 'gamm' \(did you mean 'gamma'.*\?\); expected one of \[.*'exponential'.*"
            r"'gamma'.*\] or any continuous scipy\.stats distribution",
        ),
        (
            {"dist": "exponential", "sd": 2},
            r"steps\.a\.duration: unknown parameter\(s\) \['sd'\] for 'exponential'; valid "
            r"parameters are \['mean', 'rate', 'p_zero', 'multiplier', 'provenance'\]",
        ),
        (
            {"dist": "weibull_min", "k": 2},
            r"steps\.a\.duration: unknown parameter\(s\) \['k'\] for scipy\.stats\.weibull_min; "
            r"valid parameters are \['c', 'loc', 'scale'\]",
        ),
        (
            {"dist": "lognormal", "mean": 1},
            r"steps\.a\.duration: 'lognormal' needs parameter\(s\) \['std'\]",
        ),
        ({"mean": 1}, r"steps\.a\.duration: missing 'dist'"),
        # the friendly forms' internal keys are no names (QA 2026-12-05: a scipy traceback)
        (
            {"dist": "gamma_ms", "mean": 1, "std": 0.5},
            r"steps\.a\.duration: unknown distribution 'gamma_ms'; write 'gamma' with mean and std",
        ),
        (
            {"dist": "uniform_range", "min": 1, "max": 2},
            r"steps\.a\.duration: unknown distribution 'uniform_range'; write 'uniform' with min",
        ),
    ],
    ids=[
        "unknown-dist",
        "unknown-alias-param",
        "unknown-scipy-param",
        "missing-param",
        "no-dist",
        "internal-gamma-key",
        "internal-uniform-key",
    ],
)
def test_unknown_distribution_or_parameter(duration, expected):
    assert re.search(expected, error_of(spec_with(steps__a__duration=duration)))


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ({"dist": "exponential", "mean": -1}, "exponential 'mean'/'rate' must be > 0"),
        ({"dist": "exponential", "rate": 0}, "exponential 'mean'/'rate' must be > 0"),
        ({"dist": "gamma", "mean": 1, "std": 0}, "gamma needs 'mean' > 0 and 'std' > 0"),
        ({"dist": "lognormal", "mean": -2, "std": 1}, "lognormal needs 'mean' > 0"),
        ({"dist": "normal", "mean": 1, "std": -1}, "normal 'std' must be >= 0"),
        ({"dist": "fixed", "value": -0.5}, "fixed 'value' must be >= 0"),
        ({"dist": "triangular", "min": 2, "mode": 1, "max": 3}, "triangular needs 0 <= min"),
        ({"dist": "uniform", "min": 3, "max": 1}, "uniform needs 0 <= min < max"),
        ({"dist": "empirical", "values": [1, -1]}, "empirical 'values' must all be >= 0"),
        ({"dist": "empirical", "values": []}, "empirical 'values' must be a non-empty list"),
        ({"dist": "expon", "scale": -1}, "are invalid for scipy.stats.expon"),
        ({"dist": "pareto", "b": 0.5}, "give an infinite mean"),
        ({"dist": "exponential", "mean": math.nan}, "parameter 'mean' must be finite"),
        ({"dist": "gamma", "mean": math.inf, "std": 1}, "parameter 'mean' must be finite"),
        ({"dist": "fixed", "value": "soon"}, "parameter 'value' must be a number"),
        ({"dist": "fixed", "value": 1, "p_zero": 1.0}, "'p_zero' must be in [0, 1)"),
        ({"dist": "fixed", "value": 1, "multiplier": -2}, "'multiplier' must be >= 0"),
        ({"dist": "fixed", "value": 1, "p_zero": math.nan}, "parameter 'p_zero' must be finite"),
        (
            {"dist": "sum", "parts": [1, {"dist": "exponential", "mean": -1}]},
            "steps.a.duration.parts[1]: exponential 'mean'/'rate' must be > 0",
        ),
        (True, "expected a mapping like {dist: exponential, mean: 2}"),
    ],
)
def test_negative_or_non_finite_parameters(duration, expected):
    msg = error_of(spec_with(steps__a__duration=duration))
    assert "steps.a.duration" in msg
    assert expected in msg


def test_bad_patience_and_handoff_and_interarrival_are_named():
    msg = error_of(spec_with(steps__a__patience={"dist": "exponential", "mean": 0}))
    assert "steps.a.patience: exponential 'mean'/'rate' must be > 0" in msg
    msg = error_of(spec_with(handoff_delay={"dist": "fixed", "value": -1}))
    assert "handoff_delay: fixed 'value' must be >= 0" in msg
    msg = error_of(spec_with(arrivals__interarrival={"dist": "fixed", "value": 0}))
    assert "arrivals.interarrival: the mean inter-arrival time must be > 0" in msg


# ----------------------------------------------------------------------------- probabilities
def test_branch_probabilities_must_sum_to_one():
    msg = error_of(spec_with(decisions__d__branches={"b": 0.6, "lost": 0.3}))
    assert "decisions.d.branches: probabilities must sum to 1, they sum to 0.9" in msg
    msg = error_of(
        spec_with(
            arrivals__segments={"x": {"share": 0.5}, "y": {"share": 0.5}},
            decisions__d__by_segment={"x": {"b": 0.5, "lost": 0.6}},
        )
    )
    assert "decisions.d.by_segment.x: probabilities must sum to 1, they sum to 1.1" in msg
    msg = error_of(spec_with(decisions__d__branches={"b": -0.5, "lost": 1.5}))
    assert "decisions.d.branches.b: must be >= 0" in msg


def test_segment_shares_and_inclusive_probabilities():
    msg = error_of(spec_with(arrivals__segments={"x": {"share": 0.5}, "y": {"share": 0.4}}))
    assert "arrivals.segments: shares must sum to 1, they sum to 0.9" in msg
    spec = inclusive_spec()
    spec["parallel"]["p"]["probabilities"] = [0.5, 1.5]
    assert "parallel.p.probabilities: each must be in [0, 1]" in error_of(spec)
    spec["parallel"]["p"]["probabilities"] = [0.5]
    assert "parallel.p.probabilities: expected one probability per branch (2)" in error_of(spec)


def inclusive_spec():
    spec = copy.deepcopy(BASE)
    spec["start"] = "p"
    spec["steps"]["x"] = {"duration": 1, "next": "j"}
    spec["steps"]["y"] = {"duration": 1, "next": "j"}
    spec["parallel"] = {"p": {"branches": ["x", "y"], "join": "j", "next": "a"}}
    return spec


# ---------------------------------------------------------------------------- references
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"steps__a__next": "dd"},
            "steps.a.next: unknown node 'dd'; valid choices are ['a', 'b', 'd', 'done', 'lost']",
        ),
        (
            {"decisions__d__branches": {"bb": 0.7, "lost": 0.3}},
            "decisions.d.branches: unknown node 'bb'; valid choices are ['a', 'b', 'd', 'done', "
            "'lost']",
        ),
        (
            {"start": "zz"},
            "start: unknown node 'zz'; valid choices are ['a', 'b', 'd']",
        ),
        (  # QA 2026-12-05: an end was called an unknown node
            {"start": "done"},
            "start: 'done' is an end, which cannot be used here; valid choices are ['a', 'b', 'd']",
        ),
        (
            {"steps__a__role": "ghost"},
            "steps.a.role: unknown role 'ghost'; valid choices are ['r', 's']",
        ),
        (
            {"roles__r__calendar": "night"},
            "roles.r.calendar: unknown calendar 'night'; valid choices are ['24/7', 'office']",
        ),
        (
            {"steps__b__requires": ["aa"]},
            "steps.b.requires: unknown step 'aa'; valid choices are ['a', 'b']",
        ),
        (
            {
                "arrivals__segments": {"x": {"share": 1.0}},
                "decisions__d__by_segment": {"vip": {"b": 1.0, "lost": 0.0}},
            },
            "decisions.d.by_segment: unknown segment 'vip'; valid choices are ['x']",
        ),
        (
            {"ends__done__value": {"vip": 5}},
            "ends.done.value: unknown segment 'vip'; valid choices are ['default']",
        ),
    ],
    ids=[
        "step-next",
        "branch",
        "start",
        "start-at-an-end",
        "role",
        "calendar",
        "requires",
        "by-segment",
        "end-value",
    ],
)
def test_references_to_unknown_names_list_the_choices(changes, expected):
    assert expected in error_of(spec_with(**changes))


def test_unknown_parallel_references():
    spec = inclusive_spec()
    spec["parallel"]["p"]["branches"] = ["x", "q"]
    msg = error_of(spec)
    assert "parallel.p.branches: unknown node 'q'; valid choices are [" in msg
    spec = inclusive_spec()
    spec["parallel"]["p"]["next"] = "nowhere"
    assert "parallel.p.next: unknown node 'nowhere'" in error_of(spec)


def test_by_segment_names_unknown_branch_targets():
    msg = error_of(
        spec_with(
            arrivals__segments={"x": {"share": 1.0}},
            decisions__d__by_segment={"x": {"c": 1.0}},
        )
    )
    assert "decisions.d.by_segment.x: unknown branch target(s) ['c']" in msg
    assert "the decision's branches are ['b', 'lost']" in msg


# ------------------------------------------------------------------------------------ graph
def test_unreachable_steps():
    spec = spec_with(steps__orphan={"role": "r", "duration": 1, "next": "done"})
    assert "unreachable from start 'a': ['orphan']" in error_of(spec)


def test_unreachable_steps_are_named_beside_other_problems():
    """QA 2026-12-04 #7: any problem hid the graph's until it was fixed; now only a flow to no
    node (which the graph checks cannot follow) does."""
    spec = spec_with(
        steps__orphan={"role": "nobody", "duration": 1, "next": "done"},
        decisions__d__branches={"b": 0.5, "lost": 0.2},
    )
    msg = error_of(spec)
    assert "steps.orphan.role: unknown role 'nobody'" in msg
    assert "decisions.d.branches: probabilities must sum to 1" in msg
    assert "unreachable from start 'a': ['orphan']" in msg
    msg = error_of(spec_with(steps__orphan={"role": "r", "duration": 1, "next": "nowhere"}))
    assert "steps.orphan.next: unknown node 'nowhere'" in msg
    assert "unreachable" not in msg


def test_loop_with_no_way_out():
    spec = spec_with(
        steps__b__next="c",
        steps__c={"role": "r", "duration": 1, "next": "b"},
    )
    msg = error_of(spec)
    assert "no end can be reached from ['b', 'c'] (a loop with no way out)" in msg


def test_loop_whose_exits_all_have_probability_zero():
    # In the graph the end is reachable, but every case goes back for ever.
    spec = spec_with(decisions__d__branches={"a": 1.0, "b": 0.0})
    msg = error_of(spec)
    assert "no end can be reached from ['a', 'd']" in msg
    assert "every branch out of the loop has probability 0" in msg
    # Only for one segment: the message names it.
    spec = spec_with(
        decisions__d__branches={"a": 0.5, "b": 0.5},
        arrivals__segments={"x": {"share": 0.5}, "y": {"share": 0.5}},
        decisions__d__by_segment={"y": {"a": 1.0, "b": 0.0}},
    )
    msg = error_of(spec)
    assert "no end can be reached by cases of segment 'y' from ['a', 'd']" in msg
    # A zero-probability branch that traps nobody is fine.
    from_dict(spec_with(decisions__d__branches={"b": 1.0, "lost": 0.0}))
    from_dict(spec_with(decisions__d__branches={"a": 0.0, "b": 0.7, "lost": 0.3}))


def test_parallel_branch_reaching_an_end_before_its_join():
    spec = inclusive_spec()
    spec["steps"]["y"]["next"] = "done"
    msg = error_of(spec)
    assert "parallel.p: branch 'y' can reach end 'done' before the join 'j'" in msg
    spec = inclusive_spec()
    spec["parallel"]["p"]["branches"] = ["x"]
    assert "parallel.p.branches: a parallel block needs at least two branches" in error_of(spec)


def test_requires_must_be_upstream():
    msg = error_of(spec_with(steps__a__requires=["b"]))
    assert "steps.a.requires: 'b' can never be done before 'a'" in msg


def test_names_must_be_unique():
    spec = spec_with(decisions__a={"branches": {"b": 1.0}})
    assert "name 'a' is used twice (in steps and decisions)" in error_of(spec)


# --------------------------------------------------------------------------------- staffing
def test_step_whose_role_has_no_headcount():
    msg = error_of(spec_with(roles__s__headcount=0))
    assert "steps.b.role: role 's' has headcount 0 but the step needs 1 of them at once" in msg
    msg = error_of(spec_with(steps__a__roles=["s", "s"], steps__a__role=None))
    assert "steps.a.role: role 's' has headcount 1 but the step needs 2 of them at once" in msg
    msg = error_of(spec_with(roles__r__headcount=-1))
    assert "roles.r.headcount: must be >= 0, got -1" in msg
    msg = error_of(spec_with(roles__r__headcount=1.5))
    assert "roles.r.headcount: expected an integer, got 1.5" in msg


def test_quoted_numbers_in_a_model_are_refused_like_distribution_parameters():
    msg = error_of(spec_with(roles__r__headcount="2"))
    assert "roles.r.headcount: expected an integer, got '2' (text, in quotes: write the" in msg
    msg = error_of(spec_with(roles__r__hourly_cost="55.5"))
    assert "roles.r.hourly_cost: expected a number, got '55.5' (text, in quotes" in msg
    msg = error_of(spec_with(roles__r__headcount="two"))
    assert "roles.r.headcount: expected an integer, got 'two'" in msg
    assert "in quotes" not in msg


def test_patience_needs_a_role_and_calendars_must_overlap():
    spec = spec_with(steps__b__role=None, steps__b__patience={"dist": "fixed", "value": 1})
    assert "steps.b.patience: only a step done by staff has a queue to abandon" in error_of(spec)
    spec = spec_with(
        calendars__night={"weekdays": ["20:00-23:00"]},
        roles__r__calendar="night",
        steps__a__roles=["r", "s"],
        steps__a__role=None,
    )
    msg = error_of(spec)
    assert "steps.a.roles: the calendars of ['r', 's'] never overlap" in msg


def test_only_a_timer_is_measured_from_the_arrival():
    spec = spec_with(steps__a__measured_from="arrival")
    assert "steps.a.measured_from: only a timer (a step without roles)" in error_of(spec)
    spec = spec_with(steps__b__role=None, steps__b__measured_from="opening")
    assert "steps.b.measured_from: expected 'enabled' or 'arrival', got 'opening'" in error_of(spec)
    timer = from_dict(spec_with(steps__b__role=None, steps__b__measured_from="arrival"))
    assert timer.steps["b"].measured_from == "arrival"
    assert from_dict(BASE).steps["b"].measured_from == "enabled"


def test_only_a_timer_has_a_calendar_of_its_own():
    spec = spec_with(steps__a__calendar="office")
    assert "steps.a.calendar: only a timer (a step without roles)" in error_of(spec)
    spec = spec_with(steps__b__role=None, steps__b__calendar="night")
    assert "steps.b.calendar: unknown calendar 'night'; valid choices are" in error_of(spec)
    assert (
        from_dict(spec_with(steps__b__role=None, steps__b__calendar="office")).steps["b"].calendar
        == "office"
    )


# -------------------------------------------------------------------------------- calendars
@pytest.mark.parametrize(
    ("calendar", "expected"),
    [
        ({"weekdays": []}, "calendars.c: the calendar has no working time"),
        ({}, "calendars.c: the calendar has no working time"),
        ({"weekdays": ["09:00-09:00"]}, "calendars.c.weekdays: a span must end after it starts"),
        (
            {"weekdays": ["09:00-17:00"], "friday": ["09:00-09:00"]},
            "calendars.c.friday: a span must end after it starts",
        ),
        (
            {"every_day": ["22:00-06:00"]},
            "calendars.c.every_day: a span must end after it starts, got '22:00-06:00' (a night "
            "shift is two spans: '22:00-24:00' and the next day's '00:00-06:00'; or did you mean "
            "'06:00-22:00'?)",
        ),
        ({"funday": ["09:00-17:00"]}, "calendars.c: unknown day 'funday'; expected one of"),
        ({"monday": ["9-17"]}, "calendars.c.monday: expected a time span like '09:00-17:00'"),
        ({"monday": ["09:00-25:00"]}, "times must be within 00:00-24:00"),
        ("weekdays", "calendars.c: expected a mapping of days to spans"),
    ],
)
def test_calendar_errors(calendar, expected):
    assert expected in error_of(spec_with(calendars__c=calendar))


def test_profile_errors():
    msg = error_of(spec_with(arrivals__profile={"weekdays": [0] * 24}))
    assert "arrivals.profile: the arrival profile is zero everywhere" in msg
    msg = error_of(spec_with(arrivals__profile={"monday": [1] * 23}))
    assert "arrivals.profile.monday: expected a list of 24 hourly rates" in msg
    msg = error_of(spec_with(arrivals__profile={"monday": [1] * 23 + [-1]}))
    assert "arrivals.profile.monday[23]: rates must be finite and >= 0" in msg


# ------------------------------------------------------------------------------- collected
def test_all_problems_are_reported_together():
    spec = spec_with(
        steps__a__role="ghost",
        steps__b__next="nowhere",
        decisions__d__branches={"b": 0.5, "lost": 0.1},
    )
    msg = error_of(spec)
    assert msg.startswith("model: 3 problem(s) in the process model:")
    assert "steps.a.role: unknown role 'ghost'" in msg
    assert "steps.b.next: unknown node 'nowhere'" in msg
    assert "decisions.d.branches: probabilities must sum to 1" in msg


def test_a_reading_error_does_not_hide_the_other_problems():
    """A span that cannot be read (a night shift written 17:00-09:00) was the only problem
    reported: the mistyped next, the unknown role and the probabilities summing to 1.3 of the
    same file came only after it was fixed, one run later."""
    spec = spec_with(
        calendars__office={"weekdays": ["17:00-09:00"]},
        steps__a__next="dd",
        steps__b__role="ss",
        decisions__d__branches={"b": 1.1, "lost": 0.2},
    )
    msg = error_of(spec)
    assert msg.startswith("model: 4 problem(s) in the process model:")
    assert "calendars.office.weekdays: a span must end after it starts" in msg
    assert "steps.a.next: unknown node 'dd'" in msg
    assert "steps.b.role: unknown role 'ss'; valid choices are ['r', 's']" in msg
    assert "decisions.d.branches: probabilities must sum to 1, they sum to 1.3" in msg
    # the role of the bad calendar is not called unknown; an unreadable role is no unknown role
    assert "roles.s.calendar" not in msg
    msg = error_of(
        spec_with(roles__s__headcount=1.5, steps__orphan={"duration": 1, "next": "done"})
    )
    assert "roles.s.headcount: expected an integer" in msg
    assert "unreachable from start 'a': ['orphan']" in msg
    assert "unknown role 's'" not in msg


def test_an_unreadable_node_is_not_called_unknown():
    """A node that could not be read is named by its reading error alone: no 'unknown node'
    for the steps leading to it, no graph checks that its absence would make up."""
    spec = spec_with(
        steps__b__duration={"dist": "gama", "mean": 1},
        ends__lost={},
        decisions__d__by_segment={"vip": {"b": 1.0}},
    )
    msg = error_of(spec)
    assert msg.startswith("model: 3 problem(s) in the process model:")
    assert "steps.b.duration: unknown distribution 'gama'" in msg
    assert "ends.lost: missing required field 'success'" in msg
    assert "decisions.d.by_segment: unknown segment 'vip'" in msg
    assert "unknown node" not in msg and "unreachable" not in msg
    msg = error_of(spec_with(ends__done={}, ends__lost={}))
    assert "a model needs at least one end" not in msg
    msg = error_of(spec_with(ends=None, steps__a__role="rr"))
    assert "missing required field 'ends'" in msg and "steps.a.role: unknown role 'rr'" in msg
    assert "a model needs at least one end" not in msg
    msg = error_of(spec_with(time_unit="hour", steps__a__next="x"))
    assert "time_unit 'hour' is unknown; expected one of" in msg and "(did you mean 'hours'" in msg
    assert "steps.a.next: unknown node 'x'" in msg


def test_source_prefixes_every_message():
    with pytest.raises(ModelError, match=r"^my_model\.yaml: 1 problem"):
        from_dict(spec_with(steps__a__role="ghost"), source="my_model.yaml")
    with pytest.raises(ModelError, match=r"^my_model\.yaml: steps\.a\.duration: unknown"):
        from_dict(spec_with(steps__a__duration={"dist": "x"}), source="my_model.yaml")


def test_check_false_defers_graph_validation():
    spec = spec_with(steps__orphan={"role": "r", "duration": 1, "next": "done"})
    m = from_dict(spec, check=False)
    assert problems(m) == ["unreachable from start 'a': ['orphan']"]
    with pytest.raises(ModelError, match="unreachable"):
        validate(m)


def test_a_duration_drawing_negative_values_gets_a_note_with_the_mean_it_really_has():
    """QA: normal(mean 0.2, std 1) ran with a mean of 0.51 h, and said nothing."""
    from sim.model.io import from_dict
    from sim.model.validate import notes

    spec = {
        "schema_version": 1,
        "name": "neg",
        "start": "work",
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
        "roles": {"clerk": {"headcount": 1}},
        "steps": {
            "work": {
                "role": "clerk",
                "duration": {"dist": "normal", "mean": 0.2, "std": 1.0},
                "next": "ok",
            }
        },
        "ends": {"ok": {"success": True}},
    }
    (note,) = notes(from_dict(spec))
    assert note.startswith("steps.work.duration: 42% of the draws")
    assert "its mean is 0.5069, not 0.2" in note
    spec["steps"]["work"]["duration"] = {"dist": "normal", "mean": 5.0, "std": 1.0}
    assert notes(from_dict(spec)) == []


def test_an_end_valued_per_segment_names_the_segments_it_leaves_at_zero():
    """QA 9d: `value: {key: 5000}` with segments key and small made a small case ending there
    worth 0, silently: revenue and margin per case fell by the small cases' share."""
    from sim.model.validate import notes

    spec = spec_with(
        arrivals__segments={"key": {"share": 0.5}, "small": {"share": 0.5}},
        ends__done__value={"key": 5000},
    )
    (note,) = [n for n in notes(from_dict(spec)) if n.startswith("ends.")]
    assert note.startswith("ends.done.value: no value for segment(s) ['small'], so their cases")
    spec["ends"]["done"]["value"] = {"key": 5000, "small": 0}
    assert not [n for n in notes(from_dict(spec)) if n.startswith("ends.")]


def test_a_duration_of_centuries_is_noted():
    """QA 2026-12-05: a fixed 1e300 h step ran, and its staffing advice was a 40-digit
    headcount, with nothing said of the duration."""
    from sim.model.validate import notes

    spec = spec_with(steps__a__duration={"dist": "fixed", "value": 1e300})
    (note,) = [n for n in notes(from_dict(spec)) if "years" in n]
    assert note.startswith("steps.a.duration: a mean of 1e+300 h") and "a typo" in note
    spec = spec_with(steps__a__duration={"dist": "fixed", "value": 80.0})
    assert not [n for n in notes(from_dict(spec)) if "years" in n]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("j", "steps.c.next: leads to the join of parallel 'p' from outside the block"),
        ("b", "steps.c.next: leads to 'b', inside a branch of parallel 'p', from outside the"),
    ],
)
def test_a_parallel_block_entered_past_its_split_is_refused(target, expected):
    """QA 9d: a step outside a parallel block whose next was the block's join (or a step of a
    branch) passed validation and crashed every replication with a traceback, RuntimeError
    'join reached outside its parallel block'."""
    from sim.engine import run_replication
    from sim.model.scenario import Scenario

    spec = spec_with(
        decisions__d__branches={"p": 0.5, "c": 0.5},
        steps__c={"role": "r", "duration": 0.3, "next": target},
        steps__b__next="j",
        steps__e={"role": "r", "duration": 0.2, "next": "j"},
        parallel={"p": {"branches": ["e", "b"], "join": "j", "next": "done"}},
        ends__lost=None,
    )
    msg = error_of(spec)
    assert msg.startswith("model: 1 problem(s)") and expected in msg
    assert "only the split 'p' starts its branches ['e', 'b']" in msg
    spec["steps"]["c"]["next"] = "done"  # the same block entered through its split runs
    trace = run_replication(from_dict(spec), Scenario(horizon_days=2, warmup_days=0), seed=1)
    assert len(trace.ev_case) > 0


def test_a_misspelt_distribution_parameter_gets_the_one_it_probably_meant():
    """QA 9d: `{dist: lognormal, mean: 1, sd: 0.5}` listed the valid parameters but, unlike a
    misspelt field or distribution, did not say which one was probably meant."""
    msg = error_of(spec_with(steps__a__duration={"dist": "lognormal", "mean": 1, "sd": 0.5}))
    assert "unknown parameter(s) ['sd'] for 'lognormal'" in msg and "(did you mean 'std'?)" in msg
    msg = error_of(spec_with(steps__a__duration={"dist": "weibull_min", "c": 1.5, "scael": 2}))
    assert "(did you mean 'scale'?)" in msg
