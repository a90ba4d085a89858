"""A role left without ``calendar:`` or ``hourly_cost:`` beside roles that have them gets a note
(QA calendars16 #2): it works around the clock, or costs nothing per hour, silently changing
utilisation and cost per case. Models where no role has one, calibrated models and BPMN imports
get none."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from sim.model import from_dict
from sim.model.validate import notes

PROCESS = Path(__file__).resolve().parents[2] / "configs" / "process"
CRM = yaml.safe_load((PROCESS / "crm_sales.yaml").read_text())


def crm_without(role: str, *keys: str) -> dict:
    spec = copy.deepcopy(CRM)
    for k in keys:
        spec["roles"][role].pop(k)
    return spec


def role_notes(spec: dict) -> list[str]:
    return [n for n in notes(from_dict(spec)) if n.startswith("roles:")]


def test_a_role_without_a_calendar_beside_roles_with_one_is_noted():
    (note,) = role_notes(crm_without("legal", "calendar"))
    assert note.startswith("roles: ['legal'] have no calendar (or '24/7'), so they work around")
    assert "work around the clock, while 7 other role(s) work on calendars" in note


def test_a_role_without_an_hourly_cost_beside_roles_with_one_is_noted():
    (note,) = role_notes(crm_without("legal", "hourly_cost"))
    assert note.startswith("roles: ['legal'] have no hourly_cost (or 0), so they cost nothing")
    assert "cost nothing per hour, while 7 other role(s) do" in note


def test_both_are_noted_and_shown_as_the_model_loader_shows_notes(capsys):
    from sim.cli.common import load_process

    cfg = OmegaConf.create({"process": crm_without("legal", "calendar", "hourly_cost")})
    load_process(cfg, choice=None)
    err = capsys.readouterr().err
    assert "note: roles: ['legal'] have no calendar" in err
    assert "note: roles: ['legal'] have no hourly_cost" in err


@pytest.mark.parametrize("name", ["crm_sales", "mmc"])
def test_bundled_models_get_no_such_note(name):
    """crm_sales gives every role both; mmc gives none of its roles either (nothing to note)."""
    spec = yaml.safe_load((PROCESS / f"{name}.yaml").read_text())
    assert role_notes(spec) == []


def test_roles_whose_provenance_says_their_value_was_read_get_no_note():
    """A calibrated role read as working on the clock, an imported role whose Prosimos resources
    cost 0 per hour: their values come from the log or the import, not from a forgotten key."""
    spec = copy.deepcopy(CRM)
    spec["roles"]["legal"] = {
        "headcount": 1,
        "calendar": "24/7",
        "hourly_cost": 110,
        "provenance": {"calendar": {"note": "no events: 24/7"}},
    }
    spec["roles"]["pricing"] = {
        "headcount": 1,
        "calendar": "office",
        "hourly_cost": 0.0,
        "provenance": {"prosimos": {"profiles": []}},
    }
    assert role_notes(spec) == []
    spec["roles"]["legal"].pop("provenance")  # the same 24/7 written by hand
    assert len(role_notes(spec)) == 1
