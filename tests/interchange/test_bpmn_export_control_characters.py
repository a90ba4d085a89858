"""The BPMN export never writes a file XML cannot read: a character XML 1.0 cannot hold (ESC,
BEL, NUL) is refused naming the element and the character (QA sec15: the export of a model
calibrated from a log with such names reported success, and its re-import said 'not
well-formed (invalid token)'); names a log reader wrote visibly round-trip."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from sim.calibrate import calibrate_model
from sim.errors import ModelError
from sim.eventlog import read_event_log
from sim.model import load
from sim.model.interchange import check_bpmn_export, load_bpmn, save_bpmn

EVIL = "\x1b[31mRED\x1b[0m\x1b]0;pwned title\x07"


def _with_step_description(model, text: str):
    name = next(iter(model.steps))
    step = dataclasses.replace(model.steps[name], description=text)
    return dataclasses.replace(model, steps={**model.steps, name: step}), name


@pytest.mark.parametrize(
    ("change", "where", "char"),
    [
        (lambda m: dataclasses.replace(m, name="crm\x07"), "the model (its name)", "U+0007 (BEL)"),
        (
            lambda m: dataclasses.replace(m, description="a\x00b"),
            "the model (its description)",
            "U+0000 (NUL)",
        ),
        (
            lambda m: _with_step_description(m, "see\x1b[0m")[0],
            "steps.lead_identification (its description)",
            "U+001B (ESC)",
        ),
    ],
)
def test_a_character_xml_cannot_hold_is_refused_and_nothing_written(
    tmp_path, crm_path, change, where, char
):
    model = change(load(crm_path))
    for export in (check_bpmn_export, save_bpmn):
        with pytest.raises(ModelError) as err:
            export(model, tmp_path / "m.bpmn", allow_loss=True)
        text = str(err.value)
        assert where in text and char in text and "XML 1.0 cannot hold" in text
        assert "\x1b" not in text and "\x00" not in text and "\x07" not in text
    assert list(tmp_path.iterdir()) == []


def test_a_step_named_with_escape_characters_in_code_is_refused(tmp_path, crm_path):
    model = load(crm_path)
    step = model.steps["lead_identification"]
    steps = {(EVIL if n == step.name else n): s for n, s in model.steps.items()}
    steps[EVIL] = dataclasses.replace(step, name=EVIL)
    model = dataclasses.replace(model, steps=steps, start=EVIL)
    with pytest.raises(ModelError, match=r"steps\.\\x1b\[31mRED.* \(its name\) holds U\+001B"):
        save_bpmn(model, tmp_path / "m.bpmn", allow_loss=True)


def test_a_log_with_escape_characters_in_names_exports_and_reimports(tmp_path, shared_data):
    raw = pd.read_csv(shared_data / "synth_pharmacy" / "Pharmacy.csv.gz", dtype=str)
    first = raw["activity"].iloc[0]
    raw["activity"] = raw["activity"].replace({first: EVIL})
    path = tmp_path / "evil.csv"
    raw.to_csv(path, index=False)
    calibration = calibrate_model(read_event_log(path), name="evil")
    model = calibration.model
    visible = "\\x1b[31mRED\\x1b[0m\\x1b]0;pwned title\\x07"
    assert visible in model.steps
    assert not any("\x1b" in n or "\x07" in n for n in calibration.notes)  # printed safely
    result = save_bpmn(model, tmp_path / "out" / "evil.bpmn", allow_loss=True)
    again = load_bpmn(result.bpmn)  # well-formed: it parses
    assert visible in again.steps
    # the import reads runs of spaces as one ('Contact customer /  doctor' of this log)
    assert set(again.steps) == {" ".join(n.split()) for n in model.steps}
