"""The Prosimos models in ../shared/data: import, simulate, and export -> import unchanged."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sim.engine import run_replication
from sim.model import dumps
from sim.model.interchange import BpmnImportWarning, load_bpmn, save_bpmn
from sim.model.scenario import Scenario

MODELS = {
    "loan": "synth_loan_application/Loan_Application",
    "insurance": "synth_insurance_claims/Insurance_Claims",
    "procure": "synth_procure_to_pay/Procure_to_Pay",
    "pharmacy": "synth_pharmacy/Pharmacy",
    "bpic2012_w": "bpic2012_w/BPIC_2012_W",
}


def quiet_load(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        return load_bpmn(path, **kw)


@pytest.fixture(scope="module", params=sorted(MODELS))
def pair(request, shared_data):
    base = shared_data / MODELS[request.param]
    return request.param, base.with_suffix(".bpmn"), base.with_suffix(".json")


def test_imports_validates_and_simulates(pair):
    key, bpmn, params = pair
    model = quiet_load(bpmn, params_path=params)
    sc = Scenario(horizon_days=3650, warmup_days=0, replications=1, max_cases=300)
    tr = run_replication(model, sc, seed=11)
    assert tr.n_cases == 300
    assert (tr.case_outcome >= 0).all()  # every case finished
    assert set(np.unique(tr.ev_activity)) <= set(range(len(model.steps)))
    assert (tr.ev_start >= tr.ev_enabled).all()
    # bpic2012_w draws durations of 1e-20 s, which used to end before they started at a shift
    # opening (test_tiny_duration_at_a_shift_opening below)
    assert (tr.ev_end >= tr.ev_start).all()
    assert dumps(model)  # the model can be written as YAML


def test_export_then_import_is_the_same_model(pair, tmp_path):
    key, bpmn, params = pair
    model = quiet_load(bpmn, params_path=params)
    res = save_bpmn(model, tmp_path / f"{key}.bpmn")
    assert res.lost == ()
    again = quiet_load(res.bpmn)
    assert again == model  # provenance (original ids, Prosimos specs) included


def test_loan_structure(shared_data):
    m = quiet_load(shared_data / f"{MODELS['loan']}.bpmn")
    assert len(m.steps) == 17 and len(m.parallels) == 2 and len(m.decisions) == 5
    checks = m.parallels["Gateway_0mocx1u"]
    assert set(checks.branches) == {"Appraise property", "Check credit history", "AML Check"}
    assert checks.next == "Assess loan risk"
    assert m.roles["Clerk"].headcount == 9 and m.roles["Clerk"].calendar == "Mon-Fri"
    # Prosimos' "24-7" calendar ends at 23:59: a one-minute gap a day, kept as written
    assert m.calendars["24-7"].weekly_total == pytest.approx(168 - 7 / 60)
    assert m.steps["Applicant completes form"].duration.params == {"value": 86400.0}


def test_bpic2012_w_pools_and_warnings(shared_data):
    with pytest.warns(BpmnImportWarning) as rec:
        m = load_bpmn(shared_data / f"{MODELS['bpic2012_w']}.bpmn")
    assert list(m.roles) == ["pool_1"] and m.roles["pool_1"].headcount == 47
    assert len(m.roles["pool_1"].members) == 47
    text = " ".join(str(w.message) for w in rec)
    assert "loop markers" in text and "other calendars" in text
    assert all(s.duration.name == "empirical" for s in m.steps.values())  # resource mixtures


def test_tiny_duration_at_a_shift_opening():
    from sim.model import from_dict

    m = from_dict(
        {
            "name": "tiny",
            "start": "a",
            "arrivals": {"interarrival": {"dist": "fixed", "value": 12.5}},
            "calendars": {"c": {"monday": ["08:00-12:00", "13:00-17:00"]}},
            "roles": {"r": {"headcount": 1, "calendar": "c"}},
            "steps": {
                "a": {"role": "r", "duration": {"dist": "fixed", "value": 1e-15}, "next": "e"}
            },
            "ends": {"e": {"success": True}},
        }
    )
    tr = run_replication(m, Scenario(horizon_days=1, warmup_days=0, max_cases=1), seed=0)
    assert tr.ev_start[0] == 13.0  # arrives in the lunch break, starts when it ends
    assert (
        tr.ev_end[0] >= tr.ev_start[0]
    )  # regression: it used to end at 12.0 (found by the Prosimos cross-check)
