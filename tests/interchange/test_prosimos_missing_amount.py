"""A Prosimos resource without ``amount`` (QA rt_files F8) or ``cost_per_hour`` is refused,
naming the JSON field.

It was read as one person with no note: the Loan example's Senior Officer (3 people) became 1,
255 % overloaded. Prosimos itself has no default (its parser reads ``int(r_info["amount"])``, a
``KeyError`` without it), so the importer refuses it as it refuses every other bad amount. A missing ``cost_per_hour`` was
read as 0 with no note (the run's cost KPIs then left that role out); Prosimos reads
``float(r_info["cost_per_hour"])``, no default either.
"""

from __future__ import annotations

import json

import pytest

from sim.errors import ModelError
from sim.model.interchange import load_bpmn


def test_the_loan_example_without_a_senior_officer_amount_names_the_field(shared_data, tmp_path):
    source = shared_data / "synth_loan_application" / "Loan_Application"
    params = json.loads(source.with_suffix(".json").read_text(encoding="utf-8"))
    found = [
        (i, j, p["id"], r)
        for i, p in enumerate(params["resource_profiles"])
        for j, r in enumerate(p["resource_list"])
        if r.get("name") == "Senior Officer"
    ]
    (i, j, pid, resource) = found[0]
    assert int(resource["amount"]) == 3
    del resource["amount"]
    path = tmp_path / "missing.json"
    path.write_text(json.dumps(params), encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_bpmn(source.with_suffix(".bpmn"), params_path=path)
    want = (
        f"{path}: resource_profiles[{i}].resource_list[{j}].amount (profile '{pid}', resource "
        f"'{resource['id']}'): missing; expected a whole number of people"
    )
    assert str(info.value).startswith(want), str(info.value)
    assert "(Prosimos has no default for it)" in str(info.value), str(info.value)


def test_an_amount_given_as_null_is_still_refused_as_null(shared_data, tmp_path):
    """A field present but empty is a bad value (as before), not a missing one."""
    source = shared_data / "synth_loan_application" / "Loan_Application"
    params = json.loads(source.with_suffix(".json").read_text(encoding="utf-8"))
    params["resource_profiles"][0]["resource_list"][0]["amount"] = None
    path = tmp_path / "null.json"
    path.write_text(json.dumps(params), encoding="utf-8")
    with pytest.raises(ModelError, match=r"resource_list\[0\]\.amount") as info:
        load_bpmn(source.with_suffix(".bpmn"), params_path=path)
    assert "missing" not in str(info.value)


def test_a_resource_without_a_cost_per_hour_is_refused_naming_the_field(shared_data, tmp_path):
    source = shared_data / "synth_loan_application" / "Loan_Application"
    params = json.loads(source.with_suffix(".json").read_text(encoding="utf-8"))
    profile = params["resource_profiles"][1]
    resource = profile["resource_list"][0]
    assert "cost_per_hour" in resource
    del resource["cost_per_hour"]
    path = tmp_path / "no_cost.json"
    path.write_text(json.dumps(params), encoding="utf-8")
    with pytest.raises(ModelError) as info:
        load_bpmn(source.with_suffix(".bpmn"), params_path=path)
    want = (
        f"{path}: resource_profiles[1].resource_list[0].cost_per_hour (profile "
        f"'{profile['id']}', resource '{resource['id']}'): missing; expected a cost per hour >= 0"
    )
    assert str(info.value).startswith(want), str(info.value)
