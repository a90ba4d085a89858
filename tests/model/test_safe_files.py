"""Untrusted model files: not UTF-8, keys given twice, yes/no, alias bombs, deep nesting."""

from __future__ import annotations

import json

import pytest

from sim.errors import ModelError
from sim.model import load
from sim.model.interchange import load_bpmn
from sim.model.safe_files import MAX_VALUES, load_json, load_yaml

MODEL = """\
schema_version: 1
name: tiny
start: work
arrivals: {interarrival: {dist: exponential, mean: 1.0}}
roles: {clerk: {headcount: 1}}
steps:
  work: {role: clerk, duration: {dist: exponential, mean: 0.5}, next: ok}
ends:
  ok: {success: true}
"""


def test_a_latin1_model_file_is_named_with_its_line(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_bytes((MODEL + "description: Prüfung der Anträge\n").encode("latin-1"))
    with pytest.raises(ModelError, match=r"m.yaml: line 10: the model file is not UTF-8"):
        load(path)


def test_a_utf8_file_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MODEL.encode())
    assert load(path).name == "tiny"


def test_a_step_given_twice_is_refused_with_both_lines(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(MODEL + "  work: {role: clerk, duration: {dist: fixed, value: 1}, next: ok}\n")
    text = path.read_text().replace("ends:\n  ok: {success: true}\n", "") + "ends: {ok: {}}\n"
    path.write_text(text)
    with pytest.raises(ModelError, match=r"key 'work' is given twice \(lines 7 and 8\)"):
        load(path)


def test_yes_and_no_stay_names():
    data = load_yaml("ends: {yes: {}, no: {}}\nflag: true\nswitch: on\n", "m.yaml")
    assert list(data["ends"]) == ["yes", "no"]
    assert data["flag"] is True and data["switch"] == "on"


def test_an_end_named_no_is_an_end_named_no(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(MODEL.replace("ok", "no"))
    assert "no" in load(path).ends


def test_a_yaml_alias_bomb_is_refused_at_once():
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    with pytest.raises(ModelError, match=f"more than {MAX_VALUES:,} values"):
        load_yaml("\n".join(lines), "bomb.yaml")


def test_shared_anchors_of_a_normal_model_are_fine():
    data = load_yaml("d: &d {dist: exponential, mean: 1}\nx: *d\ny: *d\n", "m.yaml")
    assert data["x"] == data["y"] == {"dist": "exponential", "mean": 1}


@pytest.mark.parametrize("depth", [100, 5000])
def test_deep_nesting_is_refused(depth):
    with pytest.raises(ModelError, match="nested"):
        load_yaml("x: " + "[" * depth + "]" * depth, "deep.yaml")
    with pytest.raises(ModelError, match="nested"):
        load_json("[" * depth + "]" * depth, "deep.json")


def test_json_keys_given_twice_are_refused(tmp_path):
    with pytest.raises(ModelError, match="key 'a' is given twice"):
        load_json('{"a": 1, "a": 2}', "p.json")


def test_a_latin1_prosimos_parameters_file_is_named(tmp_path, shared_data):
    folder = shared_data / "synth_pharmacy"
    params = json.loads((folder / "Pharmacy.json").read_text())
    bad = tmp_path / "params.json"
    bad.write_bytes((json.dumps(params)[:-1] + ', "note": "Prüfung"}').encode("latin-1"))
    with pytest.raises(ModelError, match="params.json: line 1: the parameters file is not UTF-8"):
        load_bpmn(folder / "Pharmacy.bpmn", params_path=bad)
