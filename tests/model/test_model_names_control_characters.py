"""A model file's names may not hold control or bidi characters: the error names the key and
the character, written visibly (QA sec15: printed raw, ``\\x1b]0;...\\x07`` ran on the terminal,
and the BPMN export of such a model was not well-formed XML)."""

from __future__ import annotations

import copy
import json
import re

import pytest
import yaml

from sim.errors import ModelError
from sim.model import from_dict, load
from sim.model.io import character_name, visible_name

# what may not reach a terminal raw (an error of several lines has its line breaks)
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture()
def spec(crm_path):
    return yaml.safe_load(crm_path.read_text())


def _error(spec) -> str:
    with pytest.raises(ModelError) as err:
        from_dict(spec, source="m.yaml")
    text = str(err.value)
    assert not UNSAFE.search(text)  # the message prints safely
    return text


def test_a_step_name_with_an_escape_sequence_is_refused_naming_it(spec):
    bad = "lead\x1b]0;pwned\x07"
    spec["steps"][bad] = spec["steps"].pop("lead_identification")
    spec["start"] = bad
    text = _error(spec)
    assert (
        "steps.lead\\x1b]0;pwned\\x07: the name 'lead\\x1b]0;pwned\\x07' holds U+001B (ESC) "
        in text
    )
    assert "start: the name 'lead\\x1b]0;pwned\\x07' holds U+001B (ESC) at character 5" in text


@pytest.mark.parametrize(
    ("edit", "key", "char"),
    [
        (
            lambda s: s["steps"]["first_contact"].update(next="a\nb"),
            "steps.first_contact.next",
            "U+000A (LF)",
        ),
        (
            lambda s: s["steps"]["first_contact"].update(role="sales\u202erep"),
            "steps.first_contact.roles",
            "U+202E (RIGHT-TO-LEFT OVERRIDE)",
        ),
        (
            lambda s: s["roles"].update({"x\x00": s["roles"].pop(next(iter(s["roles"])))}),
            "roles.x\\x00",
            "U+0000 (NUL)",
        ),
        (lambda s: s.update(name="crm\x07"), "name", "U+0007 (BEL)"),
        (
            lambda s: s["ends"][next(iter(s["ends"]))].update(outcome="won\x9b"),
            ".outcome",
            "U+009B (a C1 control character)",
        ),
    ],
)
def test_every_kind_of_name_is_checked(spec, edit, key, char):
    edit(spec)
    text = _error(spec)
    assert key in text and char in text


def test_a_json_model_file_is_checked_too(tmp_path, spec):
    spec = copy.deepcopy(spec)
    spec["steps"]["first_contact"]["next"] = "needs\u2066analysis"
    path = tmp_path / "m.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(ModelError, match=r"first_contact\.next: the name 'needs\\u2066analysis'"):
        load(path)


def _renamed(value, old: str, new: str):
    """``value`` (a model-file mapping) with the name ``old``, as a key or a value, ``new``."""
    if isinstance(value, dict):
        return {_renamed(k, old, new): _renamed(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, old, new) for v in value]
    return new if value == old else value


def test_descriptions_may_hold_line_breaks_and_names_written_visibly_load(spec):
    """What the log reader writes ('needs\\nanalysis', a backslash and an n) is a name."""
    spec = _renamed(spec, "needs_analysis", "needs\\nanalysis")
    spec["description"] = "two\nlines\tand a tab"
    m = from_dict(spec)
    assert "needs\\nanalysis" in m.steps and m.description == "two\nlines\tand a tab"


def test_visible_name_and_character_name():
    assert visible_name("a\x1b]0;t\x07\n\t\u202eb") == "a\\x1b]0;t\\x07\\n\\t\\u202eb"
    assert visible_name("Prüfung → ok") == "Prüfung → ok"
    assert character_name("\x1b") == "U+001B (ESC)"
    assert character_name("\x7f") == "U+007F (DEL)"
