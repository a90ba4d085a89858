"""Scenario settings: derived hours and errors that name the key."""

from __future__ import annotations

import math

import pytest

from sim.errors import ConfigError
from sim.model.scenario import Scenario, ascii_key, ascii_spelling, typed_role_names


def test_hours():
    sc = Scenario(warmup_days=2, horizon_days=5)
    assert (sc.warmup_hours, sc.arrivals_end_hours) == (48.0, 168.0)
    assert sc.run_limit_hours == 168.0 + 7 * 24  # drain as long as warm-up + horizon
    assert Scenario(warmup_days=2, horizon_days=5, drain_days=1).run_limit_hours == 192.0
    assert Scenario(warmup_days=2, horizon_days=5, drain=False).run_limit_hours == 168.0


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"horizon_days": 0}, "scenario.horizon_days: expected a finite number > 0"),
        ({"warmup_days": -1}, "scenario.warmup_days: expected a finite number >= 0"),
        ({"arrival_scale": math.nan}, "scenario.arrival_scale: expected a finite number > 0"),
        ({"replications": 0}, "scenario.replications: expected an integer >= 1"),
        ({"max_cases": 0}, "scenario.max_cases: expected an integer >= 1 or null"),
        ({"drain_days": -2}, "scenario.drain_days: expected a finite number >= 0"),
        ({"staffing": {"legal": -1}}, "scenario.staffing.legal: expected an integer >= 0"),
        ({"staffing": {"legal": 1.5}}, "scenario.staffing.legal: expected an integer >= 0"),
        # QA 11: a value of the wrong type from a config or a sweep was a TypeError traceback
        ({"horizon_days": "abc"}, "scenario.horizon_days: expected a finite number > 0, got 'abc'"),
        ({"warmup_days": [1, 2]}, "scenario.warmup_days: expected a finite number >= 0"),
        ({"arrival_scale": "1.2"}, "scenario.arrival_scale: expected a finite number > 0"),
        ({"warmup_arrival_scale": "x"}, "scenario.warmup_arrival_scale: expected a finite"),
        ({"drain_days": {"a": 1}}, "scenario.drain_days: expected a finite number >= 0"),
        ({"horizon_days": True}, "scenario.horizon_days: expected a finite number > 0"),
        ({"replications": True}, "scenario.replications: expected an integer >= 1, got True"),
        ({"max_cases": True}, "scenario.max_cases: expected an integer >= 1 or null"),
        # QA 2026-12-04 #2: 'scenario.staffing=5' was a TypeError traceback
        ({"staffing": 5}, "scenario.staffing: expected a mapping of role -> headcount"),
        ({"staffing": "abc"}, "scenario.staffing: expected a mapping of role -> headcount"),
        ({"staffing": [1, 2]}, "scenario.staffing: expected a mapping of role -> headcount"),
    ],
)
def test_errors_name_the_key(kw, expected):
    with pytest.raises(ConfigError, match=expected.replace(".", r"\.")):
        Scenario(**kw)
    with pytest.raises(ConfigError, match=expected.replace(".", r"\.")):
        Scenario.from_dict(kw)


def test_from_dict_and_back():
    sc = Scenario.from_dict({"horizon_days": 3, "staffing": {"a": 2}})
    assert Scenario.from_dict(sc.to_dict()) == sc
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['horizon'\]; valid keys are"):
        Scenario.from_dict({"horizon": 3})


def test_roles_named_in_other_letters_are_typed_in_ascii_where_that_is_unambiguous():
    assert ascii_spelling("Prüfung") == "Prufung"
    assert ascii_spelling("Straße Øst") == "Strasse Ost"
    assert typed_role_names(["Prüfung", "Kasse", "Straße"]) == {
        "Prüfung": "Prufung",
        "Straße": "Strasse",
    }
    # a spelling that is another role's name, or that two roles share, names neither: they and
    # a name without ASCII letters are typed as their Punycode key, which names each alone
    assert typed_role_names(["Prüfung", "Prufung"]) == {"Prüfung": ascii_key("Prüfung")}
    assert typed_role_names(["Prüfung", "Prûfung", "Lösung"]) == {
        "Prüfung": "xn--Prfung-4ya",
        "Prûfung": "xn--Prfung-xya",
        "Lösung": "Losung",
    }
    assert typed_role_names(["審査"]) == {"審査": "xn--vdtu4z"}
    assert ascii_key("営業 部").encode("ascii")  # ASCII, even where Hydra needs it escaped


def test_a_scenario_names_a_role_by_its_punycode_key():
    from types import SimpleNamespace

    model = SimpleNamespace(roles={"審査": None, "Prüfung": None})
    sc = Scenario(staffing={"xn--vdtu4z": 3, "xn--Prfung-4ya": 1}).for_model(model)
    assert sc.staffing == {"審査": 3, "Prüfung": 1}  # the key works where a spelling does too


def test_a_scenario_names_a_role_by_its_ascii_spelling():
    from types import SimpleNamespace

    model = SimpleNamespace(roles={"Prüfung": None, "legal": None})
    sc = Scenario(staffing={"Prufung": 3, "legal": 2}).for_model(model)
    assert sc.staffing == {"Prüfung": 3, "legal": 2}
    same = Scenario(staffing={"legal": 2})
    assert same.for_model(model) is same
    unknown = Scenario(staffing={"Pruefung": 3}).for_model(model)
    assert unknown.staffing == {"Pruefung": 3}  # left for the engine's check to name
