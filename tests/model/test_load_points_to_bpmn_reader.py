"""``sim.model.load`` given a BPMN file says which function reads one (QA, library use:
``load("x.bpmn")`` said "expected a mapping, got str")."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ModelError
from sim.model import load

ROOT = Path(__file__).resolve().parents[2]
BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <process id="p"><startEvent id="s"/></process>
</definitions>
"""


@pytest.mark.parametrize("name", ["Loan.bpmn", "Loan.BPMN", "Loan.xml", "Loan.yaml"])
def test_a_bpmn_file_is_refused_naming_load_bpmn(tmp_path, name):
    path = tmp_path / name
    path.write_text(BPMN, encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: ")
    assert "not a model file (YAML or JSON)" in msg
    assert f"sim.model.interchange.load_bpmn({str(path)!r})" in msg
    assert f"params_path={str(path.with_suffix('.json'))!r}" in msg
    assert "expected a mapping" not in msg


def test_a_model_file_is_still_read(tmp_path):
    text = (ROOT / "configs/process/mmc.yaml").read_text(encoding="utf-8")
    path = tmp_path / "mmc.yml"
    path.write_text("\n  \n" + text, encoding="utf-8")
    assert load(path).name == load(ROOT / "configs/process/mmc.yaml").name


def test_a_missing_bpmn_file_is_refused_the_same_way(tmp_path):
    with pytest.raises(ModelError, match="load_bpmn"):
        load(tmp_path / "x.bpmn")
