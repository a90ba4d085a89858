"""BPMN import: control and bidi characters in the names of a BPMN file or its Prosimos
parameters are written visibly (ESC as the four characters \\x1b), as a log's names are, and a
warning lists them; every error and warning of the import is written visibly too (QA retest15:
a resource profile's ESC sequences ran in the terminal from the role table, a task named with
U+202E and U+009B in the step table, and the ';' refusal printed the raw name)."""

from __future__ import annotations

import warnings

import pytest
from interchange_testkit import bpmn, el, fix, flows, params, write

from sim.errors import ModelError
from sim.model import to_dict
from sim.model.interchange import BpmnImportWarning, load_bpmn
from sim.model.io import UNSAFE_NAME_CHARACTERS

ESC_NAME = "Claims Handler\x1b[31m\x1b]2|PWNED\x07"
SEEN_ESC = "Claims Handler\\x1b[31m\\x1b]2|PWNED\\x07"
START = el("startEvent", "s")


def _import(path):
    """The model of ``path`` and the messages of its import warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BpmnImportWarning)
        model = load_bpmn(path)
    return model, [str(w.message) for w in caught if issubclass(w.category, BpmnImportWarning)]


def _unsafe(text: str) -> list[str]:
    """The control and bidi characters of ``text`` but the line breaks between its lines."""
    return [c for c in UNSAFE_NAME_CHARACTERS.findall(text) if c != "\n"]


def _refusal(path) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        with pytest.raises(ModelError) as exc:
            load_bpmn(path)
    return str(exc.value)


def test_bpmn_names_are_written_visibly_and_noted(tmp_path):
    # legal XML 1.0: a bidi override and a C1 control character (8-bit CSI) as character refs
    xml = bpmn(
        START,
        el("task", "a", "Assess Claim&#x202e;&#x9b;31m"),
        el("exclusiveGateway", "x", "ok&#x9c;?"),
        el("task", "b", "B"),
        el("endEvent", "e1", "Paid&#x2066;"),
        el("endEvent", "e2", "Rejected"),
        flows(("s", "a"), ("a", "x"), ("x", "b", "fb"), ("x", "e2", "fr"), ("b", "e1")),
    )
    prm = params({"a": fix(60), "b": fix(60)}, gateways={"x": {"fb": 0.5, "fr": 0.5}})
    model, notes = _import(write(tmp_path, "m", xml, prm))
    assert "Assess Claim\\u202e\\x9b31m" in model.steps
    assert model.start == "Assess Claim\\u202e\\x9b31m"
    assert model.steps["Assess Claim\\u202e\\x9b31m"].next == "ok\\x9c?"
    assert {b.to for b in model.decisions["ok\\x9c?"].branches} == {"B", "Rejected"}
    assert model.ends["Paid\\u2066"].outcome == "Paid\\u2066"
    assert _unsafe(repr(to_dict(model))) == [] and _unsafe(str(to_dict(model))) == []
    note = next(n for n in notes if "visibly" in n)
    assert "m.bpmn" in note and "3 name(s)" in note
    assert "task 'Assess Claim\\u202e\\x9b31m'" in note and "gateway 'ok\\x9c?'" in note
    assert "end event 'Paid\\u2066'" in note
    assert not any(_unsafe(n) for n in notes)


def test_a_name_that_now_reads_like_another_stays_a_separate_step(tmp_path):
    # 'A' + U+202E and the text 'A\u202e' read alike once written visibly: told apart by id
    xml = bpmn(
        START,
        el("task", "a", "A&#x202e;"),
        el("task", "b", "A\\u202e"),
        el("endEvent", "e", "done"),
        flows(("s", "a"), ("a", "b"), ("b", "e")),
    )
    model, _ = _import(write(tmp_path, "m", xml, params({"a": fix(60), "b": fix(30)})))
    assert sorted(model.steps) == ["A\\u202e [a]", "A\\u202e [b]"]
    assert model.steps["A\\u202e [a]"].next == "A\\u202e [b]"
    assert model.steps["A\\u202e [b]"].duration.params == {"value": 30.0}


def test_a_name_built_from_an_element_id_is_written_visibly(tmp_path):
    # an unnamed task is named by its id; ids are matched to the parameters unchanged
    xml = bpmn(
        START,
        el("task", "t&#x202e;1"),
        el("endEvent", "e", "done"),
        flows(("s", "t&#x202e;1"), ("t&#x202e;1", "e")),
    )
    model, notes = _import(write(tmp_path, "m", xml, params({"t\u202e1": fix(60)})))
    assert list(model.steps) == ["t\\u202e1"] and model.start == "t\\u202e1"
    assert model.steps["t\\u202e1"].provenance == {"bpmn_id": "t\u202e1"}
    assert any("task 't\\u202e1'" in n for n in notes)


def test_lanes_as_roles_are_written_visibly(tmp_path):
    xml = bpmn(
        START,
        el("task", "a", "A"),
        el("endEvent", "e", "done"),
        flows(("s", "a"), ("a", "e")),
        lanes={"Clerk&#x9b;2J": ["a"]},
    )
    prm = params({"a": fix(60)})
    prm["resource_profiles"] = []
    prm["task_resource_distribution"][0]["resources"][0]["resource_id"] = "anyone"
    model, notes = _import(write(tmp_path, "m", xml, prm))
    assert list(model.roles) == ["Clerk\\x9b2J"] and model.steps["A"].roles == ("Clerk\\x9b2J",)
    assert any("lane 'Clerk\\x9b2J'" in n for n in notes)
    assert not any(_unsafe(n) for n in notes)


def _one_task(tmp_path, prm):
    xml = bpmn(
        START, el("task", "a", "A"), el("endEvent", "e", "done"), flows(("s", "a"), ("a", "e"))
    )
    return write(tmp_path, "m", xml, prm)


def test_prosimos_names_are_written_visibly_and_noted(tmp_path):
    prm = params({"a": fix(60)}, pools={"staff": 2})
    prm["resource_profiles"][0]["name"] = ESC_NAME
    prm["resource_profiles"][0]["resource_list"][0]["name"] = "Ann\u202e"
    prm["resource_calendars"] = [
        {
            "id": "c247",
            "name": "office\x1b[2J",
            "time_periods": [
                {"from": "MONDAY", "to": "FRIDAY", "beginTime": "09:00:00", "endTime": "17:00:00"}
            ],
        }
    ]
    model, notes = _import(_one_task(tmp_path, prm))
    assert list(model.roles) == [SEEN_ESC] and model.steps["A"].roles == (SEEN_ESC,)
    role = model.roles[SEEN_ESC]
    assert role.calendar == "office\\x1b[2J" and list(model.calendars) == ["office\\x1b[2J"]
    assert role.members == ("Ann\\u202e_0", "Ann\\u202e_1")
    assert _unsafe(str(to_dict(model))) == []
    note = next(n for n in notes if "visibly" in n)
    assert "m.json" in note and "3 name(s)" in note
    assert f"resource profile '{SEEN_ESC}'" in note and "calendar 'office\\x1b[2J'" in note
    assert not any(_unsafe(n) for n in notes)


def test_a_refused_name_from_the_parameters_is_quoted_visibly(tmp_path):
    # a ';' in a role name is refused: the message quotes the name as written visibly
    prm = params({"a": fix(60)})
    prm["resource_profiles"][0]["name"] = "Claims Handler\x1b]0;PWNED\x07"
    text = _refusal(_one_task(tmp_path, prm))
    assert "Claims Handler\\x1b]0;PWNED\\x07" in text and "';'" in text
    assert _unsafe(text) == []


@pytest.mark.parametrize(
    ("change", "quoted"),
    [
        # ids the parameters name wrongly: the importer's own messages quote them
        (
            lambda p: p["task_resource_distribution"].append(
                {"task_id": "a\x1b[31m", "resources": None}
            ),
            "task 'a\\x1b[31m'",
        ),
        (
            lambda p: p["task_resource_distribution"][0]["resources"][0].update(
                resource_id="r\x1b[31m"
            ),
            "resource 'r\\x1b[31m'",
        ),
        (
            lambda p: p["resource_profiles"][0]["resource_list"][0].update(calendar="c\u202e"),
            "calendar 'c\\u202e'",
        ),
    ],
)
def test_every_import_error_quotes_ids_visibly(tmp_path, change, quoted):
    prm = params({"a": fix(60)})
    change(prm)
    text = _refusal(_one_task(tmp_path, prm))
    assert quoted in text and _unsafe(text) == []


def test_a_bpmn_reader_error_quoting_an_id_is_written_visibly(tmp_path):
    xml = bpmn(
        START,
        el("task", "a&#x9b;1", "A", "<multiInstanceLoopCharacteristics/>"),
        el("endEvent", "e", "done"),
        flows(("s", "a&#x9b;1"), ("a&#x9b;1", "e")),
    )
    text = _refusal(write(tmp_path, "m", xml, params({"a\x9b1": fix(60)})))
    assert "'a\\x9b1'" in text and "multi-instance" in text and _unsafe(text) == []
