"""A step's ``alternatives`` survive our own BPMN/Prosimos export and its re-import.

QA walk24 #1: the export wrote an alternative as more resources of the task (all Prosimos can
hold), and the import joined every profile that shares a task into one ``pool_N`` role whose
people could all do all of its steps: a junior's step got the six seniors too, and the cycle
time fell from 14.4 h to 2.9 h. Our export now says in ``sim:alternative`` which resources are
the alternative's role (and its share), and the import gives the roles back.
"""

from __future__ import annotations

import copy
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from defusedxml import ElementTree as DET
from interchange_testkit import model_differences

from sim.engine import run_replication
from sim.errors import ModelError
from sim.kpis import replication_kpis, unpaired_comparison
from sim.model import from_dict
from sim.model.interchange import BpmnImportWarning, load_bpmn, save_bpmn
from sim.model.interchange.bpmn_read import SIM_NS
from sim.model.scenario import Scenario

# a junior does intake alone (busy about 80 %); six seniors review, and the junior may take a
# review too, a tenth of them first: pooled, the seniors would take the junior's intakes
ALT = {
    "name": "alt_demo",
    "time_unit": "hours",
    "start_date": "2026-01-05T00:00:00",
    "start": "intake",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1}},
    "roles": {
        "junior": {"headcount": 1, "hourly_cost": 20},
        "senior": {"headcount": 6, "hourly_cost": 50},
    },
    "steps": {
        "intake": {
            "role": "junior",
            "duration": {"dist": "exponential", "mean": 0.7},
            "next": "review",
        },
        "review": {
            "role": "senior",
            "duration": {"dist": "exponential", "mean": 2},
            "alternatives": {
                "junior": {"duration": {"dist": "exponential", "mean": 3}, "share": 0.1}
            },
            "next": "done",
        },
    },
    "ends": {"done": {"success": True}},
}


def quiet_load(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        return load_bpmn(path)


@pytest.fixture()
def exported(tmp_path):
    model = from_dict(ALT)
    res = save_bpmn(model, tmp_path / "alt.bpmn", allow_loss=True)
    return model, res


def test_a_round_trip_keeps_roles_headcounts_and_alternatives(tmp_path, exported):
    model, res = exported
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always", BpmnImportWarning)
        back = load_bpmn(res.bpmn)
    assert {r.name: r.headcount for r in back.roles.values()} == {"junior": 1, "senior": 6}
    review = back.steps["review"]
    assert review.roles == ("senior",)
    assert [(a.role, a.share) for a in review.alternatives] == [("junior", 0.1)]
    assert review.alternatives[0].duration.mean() == pytest.approx(3)
    assert review.duration.mean() == pytest.approx(2)  # the seniors' own pace, not a mixture
    assert model_differences(model, back) == []
    assert not [w for w in rec if "pool" in str(w.message)]
    # the import of an export is a fixed point
    again = quiet_load(save_bpmn(back, tmp_path / "again.bpmn", allow_loss=True).bpmn)
    assert model_differences(back, again) == []


def test_the_loss_list_says_what_a_re_import_does(exported):
    _, res = exported
    (lost,) = [x for x in res.lost if x.startswith("steps.review.alternatives")]
    assert "does not prefer 'senior'" in lost and "shares of the cases" in lost
    assert "re-import simulates as this model" in lost


def test_a_round_trip_simulates_the_same_within_noise(exported):
    """The mean cycle time of independent replications of the model and of its round trip
    differ by less than the noise: their difference's 99 % Welch interval holds 0 (pooled, the
    round trip's was a third shorter, far outside it)."""
    model, res = exported
    back = quiet_load(res.bpmn)
    sc = Scenario(horizon_days=20, warmup_days=3, replications=1)

    def cycle_times(m, seed):
        rows = [
            replication_kpis(run_replication(m, sc, seed=seed, replication=r), m) for r in range(8)
        ]
        return pd.DataFrame(rows)

    base, alt = cycle_times(model, 11), cycle_times(back, 12)
    row = unpaired_comparison(base, alt, ["cycle_time_mean"], level=0.99).loc["cycle_time_mean"]
    assert row["ci_low"] <= 0.0 <= row["ci_high"], row.to_dict()
    assert np.isfinite(row["ci_high"] - row["ci_low"])


def test_roles_joined_by_another_task_are_pooled_with_a_note(exported):
    """When another task of the Prosimos file shares the alternative's resources with the
    step's own, the roles are pooled as for any Prosimos file, and the notes say so."""
    _, res = exported
    prm = json.loads(res.params.read_text(encoding="utf-8"))
    # the parameters edited to give the junior's intake to the seniors as well: now the two
    # roles share a task of their own, so they can only be one role
    (intake,) = [t for t in prm["task_resource_distribution"] if t["task_id"] == "intake"]
    intake["resources"].append({**intake["resources"][0], "resource_id": "senior_1"})
    res.params.write_text(json.dumps(prm), encoding="utf-8")
    with pytest.warns(BpmnImportWarning) as rec:
        back = load_bpmn(res.bpmn)
    text = " ".join(str(w.message) for w in rec)
    assert list(back.roles) == ["pool_1"] and back.roles["pool_1"].headcount == 7
    assert back.steps["review"].alternatives == ()
    assert "share other tasks with its own resources" in text
    assert "capacity is pooled" in text


def test_sim_alternative_naming_resources_the_task_lacks_is_noted(tmp_path, exported):
    _, res = exported
    tree = DET.parse(res.bpmn)
    (resource,) = tree.getroot().iter(f"{{{SIM_NS}}}resource")
    resource.set("id", "nobody_1")
    tree.write(res.bpmn, encoding="UTF-8", xml_declaration=True)
    with pytest.warns(BpmnImportWarning) as rec:
        back = load_bpmn(res.bpmn)
    text = " ".join(str(w.message) for w in rec)
    assert "sim:alternative 'junior' names resources ['nobody_1']" in text
    assert list(back.roles) == ["pool_1"]  # pooled, as any Prosimos file whose tasks share
    assert "capacity is pooled" in text


def test_a_share_out_of_range_is_refused_naming_the_task(exported):
    _, res = exported
    text = res.bpmn.read_text(encoding="utf-8").replace('share="0.1"', 'share="1.5"')
    res.bpmn.write_text(text, encoding="utf-8")
    with pytest.raises(
        ModelError, match=r"task 'review' \(review\) sim:alternative 'junior': share"
    ):
        quiet_load(res.bpmn)


def test_foreign_file_pooling_says_capacity_is_pooled(tmp_path):
    """A Prosimos file whose task shares resources of two profiles (not our export) keeps the
    pooling, and the note says plainly that the capacity is pooled."""
    spec = copy.deepcopy(ALT)
    del spec["steps"]["review"]["alternatives"]
    res = save_bpmn(from_dict(spec), tmp_path / "plain.bpmn", allow_loss=True)
    prm = json.loads(res.params.read_text(encoding="utf-8"))
    (review,) = [t for t in prm["task_resource_distribution"] if t["task_id"] == "review"]
    review["resources"].append({**review["resources"][0], "resource_id": "junior_1"})
    res.params.write_text(json.dumps(prm), encoding="utf-8")
    with pytest.warns(BpmnImportWarning) as rec:
        back = load_bpmn(res.bpmn)
    text = " ".join(str(w.message) for w in rec)
    assert back.roles["pool_1"].headcount == 7
    assert "role 'pool_1' pools the resources of profiles ['junior', 'senior'] (7 people)" in text
    assert "capacity is pooled: in Prosimos task 'intake' can be done by 1 of the 7 people" in text


def test_an_alternatives_person_given_a_task_of_another_role_is_pooled_with_a_note(tmp_path):
    """QA retest24 F1: the parameters edited so that the expert, intake's alternative, also
    does the seniors' review. The expert and the seniors can then only be one role, and that
    role's people all take intake's alternative (Prosimos gives it to the expert alone): the
    import says so, in the note it writes for any task whose resources are fewer than its
    role's people, instead of handing the alternative to the seniors silently."""
    spec = copy.deepcopy(ALT)
    spec["roles"] = {
        "junior": {"headcount": 2, "hourly_cost": 20},
        "senior": {"headcount": 3, "hourly_cost": 50},
        "expert": {"headcount": 1, "hourly_cost": 80},
    }
    del spec["steps"]["review"]["alternatives"]
    spec["steps"]["intake"]["alternatives"] = {
        "expert": {"duration": {"dist": "exponential", "mean": 0.5}, "share": 0.2}
    }
    res = save_bpmn(from_dict(spec), tmp_path / "alt3.bpmn", allow_loss=True)
    prm = json.loads(res.params.read_text(encoding="utf-8"))
    (intake,) = [t for t in prm["task_resource_distribution"] if t["task_id"] == "intake"]
    (expert,) = [r for r in intake["resources"] if r["resource_id"].startswith("expert")]
    (review,) = [t for t in prm["task_resource_distribution"] if t["task_id"] == "review"]
    review["resources"].append({**review["resources"][0], "resource_id": expert["resource_id"]})
    res.params.write_text(json.dumps(prm), encoding="utf-8")
    with pytest.warns(BpmnImportWarning) as rec:
        back = load_bpmn(res.bpmn)
    text = " ".join(str(w.message) for w in rec)
    ((alt_role, share),) = [(a.role, a.share) for a in back.steps["intake"].alternatives]
    assert back.steps["intake"].roles == ("junior",) and share == pytest.approx(0.2)
    assert back.roles[alt_role].headcount == 4  # the expert pooled with the three seniors
    assert back.steps["review"].roles == (alt_role,)
    pooled = f"role '{alt_role}' pools the resources of profiles ['senior', 'expert'] (4 people)"
    assert pooled in text
    assert (
        "capacity is pooled: in Prosimos task 'intake' (as its alternative 'expert') can be done "
        "by 1 of the 4 people; here each by any of the 4"
    ) in text
