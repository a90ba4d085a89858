"""A Prosimos resource whose ``amount`` leaves a task nobody (QA hydra25 F3).

A task whose resources all have ``amount`` 0 was reported as "<file>.bpmn: ... steps.X.role:
role 'legal' has headcount 0", blaming the BPMN file with the model's internal keys. The
refusal names the JSON file and the field to change; an amount of 0 beside another resource of
the task stays allowed (it only takes that person away), and a negative, fractional or huge
amount names the JSON's field too.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

from sim.errors import ModelError
from sim.model import from_dict
from sim.model.interchange import BpmnImportWarning, load_bpmn, save_bpmn

# intake by the seniors; review by the seniors, a tenth of them by the junior first (an
# alternative: the junior does nothing else)
MODEL = {
    "name": "zero_amount",
    "time_unit": "hours",
    "start_date": "2026-01-05T00:00:00",
    "start": "intake",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1}},
    "roles": {"junior": {"headcount": 1}, "senior": {"headcount": 3}},
    "steps": {
        "intake": {
            "role": "senior",
            "duration": {"dist": "exponential", "mean": 0.5},
            "next": "review",
        },
        "review": {
            "role": "senior",
            "duration": {"dist": "exponential", "mean": 1},
            "alternatives": {
                "junior": {"duration": {"dist": "exponential", "mean": 2}, "share": 0.1}
            },
            "next": "done",
        },
    },
    "ends": {"done": {"success": True}},
}


@pytest.fixture()
def exported(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """The model's BPMN file and its Prosimos parameters (to edit and write back)."""
    res = save_bpmn(from_dict(MODEL), tmp_path / "m.bpmn", allow_loss=True)
    return res.bpmn, json.loads(res.bpmn.with_suffix(".json").read_text(encoding="utf-8"))


def _profile(params: dict[str, Any], pid: str) -> dict[str, Any]:
    (prof,) = [p for p in params["resource_profiles"] if p["id"] == pid]
    return prof


def _load(bpmn: Path, params: dict[str, Any]) -> Any:
    """Write ``params`` as p.json beside ``bpmn`` and import the two."""
    path = bpmn.parent / "p.json"
    path.write_text(json.dumps(params), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        return load_bpmn(bpmn, params_path=path)


def test_a_tasks_only_resource_of_amount_0_names_the_json_field(exported):
    bpmn, params = exported
    (res,) = _profile(params, "senior")["resource_list"]
    res["amount"] = 0
    want = (
        f"p.json: resource_profiles 'senior' resource '{res['id']}': amount 0, expected a "
        "whole number >= 1: it is the only resource of task"
    )
    with pytest.raises(ModelError, match=re.escape(want)) as info:
        _load(bpmn, params)
    assert "m.bpmn" not in str(info.value) and "headcount" not in str(info.value)


def test_an_alternatives_only_resource_of_amount_0_is_named_too(exported):
    bpmn, params = exported
    (res,) = _profile(params, "junior")["resource_list"]
    res["amount"] = 0
    with pytest.raises(ModelError, match=r"p\.json: resource_profiles 'junior' resource") as info:
        _load(bpmn, params)
    assert "as its alternative 'junior'" in str(info.value)


def test_amount_0_beside_another_resource_of_the_task_only_takes_that_person(exported):
    bpmn, params = exported
    resources = _profile(params, "senior")["resource_list"]
    resources.append({**resources[0], "id": "senior_spare", "name": "spare", "amount": 0})
    for task in params["task_resource_distribution"]:  # the spare may do the seniors' tasks
        (senior,) = [r for r in task["resources"] if r["resource_id"] == resources[0]["id"]]
        task["resources"].append({**senior, "resource_id": "senior_spare"})
    model = _load(bpmn, params)
    assert {r.name: r.headcount for r in model.roles.values()} == {"junior": 1, "senior": 3}


@pytest.mark.parametrize("amount", [-1, 1.5, "2.5", 10**9])
def test_a_bad_amount_names_the_json_field(exported, amount):
    bpmn, params = exported
    _profile(params, "senior")["resource_list"][0]["amount"] = amount
    with pytest.raises(ModelError) as info:
        _load(bpmn, params)
    msg = str(info.value)
    assert re.search(r"p\.json: resource_profiles\[\d+\]\.resource_list\[0\]\.amount ", msg), msg
    assert "profile 'senior'" in msg and "expected a whole number" in msg
    assert repr(amount) in msg
