"""YAML/JSON I/O of process models: round trips (hypothesis) and file handling."""

from __future__ import annotations

import copy
import dataclasses
import json
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from model_strategies import model_specs, models

from sim.errors import ModelError
from sim.model import dumps, from_dict, load, save, to_dict

ROUND_TRIP = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@ROUND_TRIP
@given(models(rich=True))
def test_from_dict_to_dict_round_trip(model):
    spec = to_dict(model)
    assert from_dict(spec) == model
    assert to_dict(from_dict(spec)) == spec  # and the mapping is stable


@ROUND_TRIP
@given(models(rich=True))
def test_yaml_and_json_file_round_trip(model):
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".yaml", ".json"):
            path = save(model, Path(tmp) / f"m{suffix}")
            assert load(path) == model
    assert from_dict(yaml.safe_load(dumps(model))) == model


@ROUND_TRIP
@given(model_specs(rich=True))
def test_to_dict_keeps_what_the_file_said(spec):
    # Writing back a model read from a file keeps every element and name it had.
    out = to_dict(from_dict(spec))
    assert out["start"] == spec["start"]
    assert set(out["steps"]) == set(spec["steps"])
    assert set(out.get("decisions", {})) == set(spec.get("decisions", {}))
    assert set(out.get("parallel", {})) == set(spec.get("parallel", {}))
    assert set(out["roles"]) == set(spec["roles"])
    assert {k: v["headcount"] for k, v in out["roles"].items()} == {
        k: v["headcount"] for k, v in spec["roles"].items()
    }


@pytest.mark.parametrize("name", ["crm_sales.yaml", "mmc.yaml"])
def test_bundled_models_round_trip(repo_root, tmp_path, name):
    m = load(repo_root / "configs" / "process" / name)
    assert from_dict(to_dict(m)) == m
    assert load(save(m, tmp_path / name)) == m


def test_save_refuses_to_overwrite(tmp_path, crm_path):
    m = load(crm_path)
    path = save(m, tmp_path / "m.yaml")
    with pytest.raises(ModelError, match="exists already"):
        save(m, path)
    save(m, path, overwrite=True)
    assert load(path) == m


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(ModelError, match="no such model file"):
        load(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: [unclosed\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"bad\.yaml: not valid YAML"):
        load(bad)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"name": "x", "start": "a"}), encoding="utf-8")
    with pytest.raises(ModelError, match=r"(?s)broken\.json.*missing required field 'steps'"):
        load(broken)


def test_yaml_is_read_safely(tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text("!!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(ModelError, match="not valid YAML"):
        load(evil)


def test_unknown_fields_and_schema_version_are_named(crm_path):
    spec = to_dict(load(crm_path))
    with pytest.raises(ModelError, match=r"unknown field\(s\) \['stepz'\]; valid fields are"):
        from_dict({**spec, "stepz": {}})
    with pytest.raises(ModelError, match="schema_version 2 is not supported"):
        from_dict({**spec, "schema_version": 2})
    steps = dict(spec["steps"])
    steps["signing"] = {**steps["signing"], "durration": 1}
    with pytest.raises(ModelError, match=r"steps\.signing: unknown field\(s\) \['durration'\]"):
        from_dict({**spec, "steps": steps})
    with pytest.raises(ModelError, match=r"time_unit 'weeks' is unknown; expected one of"):
        from_dict({**spec, "time_unit": "weeks"})
    with pytest.raises(ModelError, match="start_date: expected an ISO date"):
        from_dict({**spec, "start_date": "next monday"})


@pytest.mark.parametrize("text", ["a\x85b", "Ó\x85", "\u2028line", "tab\tand\nnewline", "yes"])
def test_text_with_line_break_characters_survives_yaml(tmp_path, crm_path, text):
    # PyYAML writes NEL (U+0085, e.g. a cp1252 ellipsis read as latin-1) single-quoted with one
    # line break, which reads back as a space; the model writer must quote it safely.
    m = dataclasses.replace(load(crm_path), description=text)
    assert load(save(m, tmp_path / "m.yaml")).description == text


def test_every_bad_element_is_named_in_one_error(crm_path):
    """Reading does not stop at the first bad element: an unknown distribution in one step, a
    bad headcount in a role and a missing field in an end come back together, each by name."""
    spec = yaml.safe_load(crm_path.read_text(encoding="utf-8"))
    first, second = list(spec["steps"])[:2]
    spec["steps"][first]["duration"] = {"dist": "paretoo", "b": 2.0}
    spec["steps"][second]["cost"] = "cheap"
    role = next(iter(spec["roles"]))
    spec["roles"][role]["headcount"] = 1.5
    end = next(iter(spec["ends"]))
    spec["ends"][end].pop("success")
    with pytest.raises(ModelError) as caught:
        from_dict(spec, source="crm.yaml")
    text = str(caught.value)
    assert text.startswith("crm.yaml: 4 problem(s) in the process model:")
    assert f"steps.{first}.duration: unknown distribution 'paretoo'" in text
    assert f"steps.{second}.cost: expected a number" in text
    assert f"roles.{role}.headcount: expected an integer" in text
    assert f"ends.{end}: missing required field 'success'" in text


def test_one_bad_element_keeps_its_own_message(crm_path):
    """A single reading error is raised as it was, prefixed by the file."""
    spec = yaml.safe_load(crm_path.read_text(encoding="utf-8"))
    step = next(iter(spec["steps"]))
    spec["steps"][step]["duration"] = {"dist": "paretoo"}
    with pytest.raises(ModelError, match=rf"^crm\.yaml: steps\.{step}\.duration: unknown distri"):
        from_dict(spec, source="crm.yaml")


def test_a_misspelt_name_gets_a_suggestion(crm_path):
    """A near miss of a distribution, a field or a node name is answered with the likely one;
    a name close to nothing gets no guess."""
    spec = yaml.safe_load(crm_path.read_text(encoding="utf-8"))
    step, other = list(spec["steps"])[:2]
    bad = copy.deepcopy(spec)
    bad["steps"][step]["duration"] = {"dist": "lognormall", "mean": 1, "sd": 1}
    with pytest.raises(
        ModelError, match=r"unknown distribution 'lognormall' \(did you mean 'lognormal'"
    ):
        from_dict(bad)
    bad = copy.deepcopy(spec)
    bad["steps"][step]["durration"] = bad["steps"][step].pop("duration")
    with pytest.raises(
        ModelError, match=r"\['durration'\]; valid fields are .*\(did you mean 'duration'\?\)"
    ):
        from_dict(bad)
    bad = copy.deepcopy(spec)
    bad["steps"][step]["next"] = other[:-1] + other[-1].upper() + "x"
    with pytest.raises(ModelError, match=rf"unknown node .*\(did you mean '{other}'\?\)"):
        from_dict(bad)
    bad = copy.deepcopy(spec)
    bad["steps"][step]["next"] = "zzzzzzzz"
    with pytest.raises(ModelError) as caught:
        from_dict(bad)
    assert "unknown node 'zzzzzzzz'" in str(caught.value) and "did you mean" not in str(
        caught.value
    )
