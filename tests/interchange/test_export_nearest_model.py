"""The export writes the nearest model Prosimos can run, and says how it is near: case segments
are merged (not dropped), a truncated distribution Prosimos would barely draw is replaced, and
what the Prosimos file leaves out is listed."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from sim.model import from_dict
from sim.model.distributions import Distribution
from sim.model.interchange import BpmnImportWarning, load_bpmn, save_bpmn
from sim.model.interchange import prosimos as P

HOUR = 3600.0

TWO_SEGMENTS = {
    "name": "segmented",
    "time_unit": "hours",
    "start": "intake",
    "arrivals": {
        "interarrival": {"dist": "exponential", "mean": 1.0},
        "segments": {
            "key_account": {
                "share": 0.25,
                "priority": 0,
                "duration_scale": 1.87,
                "timer_scale": 0.5,
            },
            "small": {"share": 0.75, "priority": 1},
        },
    },
    "roles": {"clerk": {"headcount": 4, "hourly_cost": 30}},
    "steps": {
        "intake": {"role": "clerk", "duration": {"dist": "fixed", "value": 1.0}, "next": "route"},
        "review": {"role": "clerk", "duration": {"dist": "fixed", "value": 2.0}, "next": "wait"},
        "wait": {"duration": {"dist": "fixed", "value": 10.0}, "next": "done"},
    },
    "decisions": {
        "route": {
            "branches": {"review": 0.2, "done": 0.8},
            "by_segment": {"key_account": {"review": 0.9, "done": 0.1}},
        }
    },
    "ends": {"done": {"success": True}},
}


def export(tmp_path, spec):
    """Save ``spec`` with ``allow_loss``: (result, Prosimos JSON, re-imported model)."""
    res = save_bpmn(from_dict(spec), tmp_path / "m.bpmn", allow_loss=True)
    params = json.loads(res.params.read_text(encoding="utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        back = load_bpmn(res.bpmn)
    return res, params, back


def task_seconds(params, res, step):
    """The fixed duration (seconds) the Prosimos JSON gives task ``step``."""
    (entry,) = [t for t in params["task_resource_distribution"] if t["task_id"] == step]
    spec = entry["resources"][0]
    assert spec["distribution_name"] == "fix"
    return spec["distribution_params"][0]["value"]


def test_segments_are_merged_into_durations_and_branches(tmp_path):
    """QA interop 3: a two-segment model exported the reference segment's durations (scale 1,
    key accounts' 1.87 dropped) and the default branch probabilities, not the segment mix."""
    res, params, back = export(tmp_path, TWO_SEGMENTS)
    # every case passes intake and the decision: the plain share-weighted mix
    assert task_seconds(params, res, "intake") == pytest.approx((0.25 * 1.87 + 0.75) * HOUR)
    (gw,) = params["gateway_branching_probabilities"]
    probs = sorted(p["value"] for p in gw["probabilities"])
    assert probs == pytest.approx(sorted([0.25 * 0.9 + 0.75 * 0.2, 0.25 * 0.1 + 0.75 * 0.8]))
    # review and the timer after it: key accounts are 0.225 / 0.375 = 60 % of the cases there
    key = 0.25 * 0.9 / (0.25 * 0.9 + 0.75 * 0.2)
    assert task_seconds(params, res, "review") == pytest.approx((key * 1.87 + (1 - key)) * 2 * HOUR)
    (event,) = params["event_distribution"]
    assert event["distribution_params"][0]["value"] == pytest.approx(
        (key * 0.5 + (1 - key)) * 10 * HOUR
    )
    # the re-imported model (one kind of case) has those means and probabilities
    assert back.steps["intake"].duration.mean() == pytest.approx(0.25 * 1.87 + 0.75)
    assert dict(
        zip(
            [b.to for b in back.decisions["route"].branches],
            back.decisions["route"].probabilities(),
            strict=True,
        )
    ) == pytest.approx({"review": 0.375, "done": 0.625})
    # the losses say that segments are merged, with the shares used
    (seg,) = [x for x in res.lost if x.startswith("arrivals.segments")]
    assert "merged into one with shares {'key_account': 0.25, 'small': 0.75}" in seg
    assert "duration scales {'key_account': 1.87, 'small': 1.0} (timers by their timer " in seg
    assert "scales {'key_account': 0.5, 'small': 1.0})" in seg and "priorities are dropped" in seg
    (dec,) = [x for x in res.lost if x.startswith("decisions.route.by_segment")]
    assert "merged into one set of probabilities, {'review': 0.375, 'done': 0.625}" in dec


def test_a_model_without_segments_exports_its_own_durations(tmp_path):
    spec = {**TWO_SEGMENTS, "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}}}
    spec["decisions"] = {"route": {"branches": {"review": 0.2, "done": 0.8}}}
    res, params, _ = export(tmp_path, spec)
    assert task_seconds(params, res, "intake") == HOUR
    assert task_seconds(params, res, "review") == 2 * HOUR
    assert not [x for x in res.lost if "segment" in x]


# --------------------------------------------------------------- truncated, little mass kept
def pix_draw(spec, rng, tries=P.PROSIMOS_TRIES):
    """One value as pix-framework 0.15 draws it: at most ``tries`` raw draws, each kept only
    inside ``[max(min, 0), max]``; then the mean if inside, else the window's middle."""
    name = spec["distribution_name"]
    v = [x["value"] for x in spec["distribution_params"]]
    if name == "norm":
        raw, mean, lo, hi = (lambda: rng.normal(v[0], v[1])), v[0], v[2], v[3]
    else:
        assert name == "gamma"
        mean, var, lo, hi = v
        raw = lambda: rng.gamma(mean * mean / var, var / mean)  # noqa: E731
    for _ in range(tries):
        x = raw()
        if max(lo, 0.0) <= x <= hi:
            return x, True
    return (mean if lo <= mean <= hi else lo + (hi - lo) / 2), False


def test_a_truncnorm_holding_little_of_its_normal_is_exported_as_a_gamma():
    """QA interop 2: a calibrated truncnorm(a=3.37, b=63.4, loc=-10.8 h, scale=3.19 h) was
    written as Prosimos' norm with mean -38,723 s and called exact; pix-framework gives up
    after 100 draws and takes the window's middle (689,261 / 2 s), so Prosimos ran ~100 times
    slower and with the wrong durations."""
    d = Distribution.from_dict(
        {"dist": "truncnorm", "a": 3.37, "b": 63.4, "loc": -10.8, "scale": 3.19}
    )
    spec, why = P.distribution_to_prosimos(P.scale_distribution(d, HOUR), label="the step")
    assert spec["distribution_name"] == "gamma"
    mean, var = (x["value"] for x in spec["distribution_params"][:2])
    assert mean == pytest.approx(d.mean() * HOUR, rel=1e-9)
    x = d.sample(np.random.default_rng(3), 400_000)  # negative draws count as 0, as simulated
    assert var == pytest.approx(x.var() * HOUR * HOUR, rel=0.02)
    assert why.startswith("the step: its window holds only 0.00036 of the normal")
    assert "exported as a gamma with its mean and variance" in why
    # drawn as Prosimos draws: the values have the truncnorm's mean and are found at once
    rng = np.random.default_rng(7)
    draws = [pix_draw(spec, rng) for _ in range(4000)]
    assert all(ok for _, ok in draws)
    assert np.mean([x for x, _ in draws]) == pytest.approx(d.mean() * HOUR, rel=0.05)


def test_a_truncnorm_with_enough_mass_stays_an_exact_norm():
    """Above ``MIN_KEPT_MASS`` the window is kept: all 100 tries miss with chance under 1e-3."""
    d = Distribution.from_dict({"dist": "truncnorm", "a": 1.4, "b": 20, "loc": -1.0, "scale": 2})
    spec, why = P.distribution_to_prosimos(d)
    assert spec["distribution_name"] == "norm" and why is None
    assert (1 - P.MIN_KEPT_MASS) ** P.PROSIMOS_TRIES == pytest.approx(1e-3)


def test_a_truncexpon_with_a_narrow_window_is_exported_as_a_gamma():
    d = Distribution.from_dict({"dist": "truncexpon", "b": 0.01, "loc": 60, "scale": 600})
    spec, why = P.distribution_to_prosimos(d)
    assert spec["distribution_name"] == "gamma" and "of the exponential" in why
    assert spec["distribution_params"][0]["value"] == pytest.approx(d.mean(), rel=1e-9)


def test_the_export_lists_the_replaced_truncnorm(tmp_path):
    spec = {
        **TWO_SEGMENTS,
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
        "decisions": {"route": {"branches": {"review": 0.2, "done": 0.8}}},
    }
    spec["steps"] = {
        **spec["steps"],
        "intake": {
            "role": "clerk",
            "duration": {"dist": "truncnorm", "a": 3.37, "b": 63.4, "loc": -10.8, "scale": 3.19},
            "next": "route",
        },
    }
    res, params, back = export(tmp_path, spec)
    (lost,) = [x for x in res.lost if x.startswith("steps.intake.duration")]
    assert "truncnorm(" in lost and "(hours): its window holds only 0.00036" in lost
    assert back.steps["intake"].duration.mean() == pytest.approx(
        from_dict(spec).steps["intake"].duration.mean(), rel=1e-9
    )


# ------------------------------------------------------------------------- multi-role steps
def test_a_role_only_sharing_a_step_is_said_to_be_idle(tmp_path):
    """QA interop 6: CRM's solutions_eng and pricing only ever share a step with another role;
    the export keeps the first role, so they do nothing in Prosimos or in a re-import, and the
    losses did not say so."""
    spec = {
        **TWO_SEGMENTS,
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
        "decisions": {"route": {"branches": {"review": 0.2, "done": 0.8}}},
        "roles": {
            "clerk": {"headcount": 4, "hourly_cost": 30},
            "expert": {"headcount": 2, "hourly_cost": 80},
            "boss": {"headcount": 1, "hourly_cost": 99},
        },
    }
    spec["steps"] = {
        **spec["steps"],
        "intake": {**spec["steps"]["intake"], "roles": ["clerk", "expert"]},
        "review": {**spec["steps"]["review"], "roles": ["boss", "clerk"]},
    }
    del spec["steps"]["intake"]["role"], spec["steps"]["review"]["role"]
    res, _, back = export(tmp_path, spec)
    (intake,) = [x for x in res.lost if x.startswith("steps.intake:")]
    assert intake.endswith(
        "so only 'clerk' is kept; 'expert' does no other task, so it is idle in Prosimos and "
        "in a re-import of the export (its people and hourly cost stay)"
    )
    (review,) = [x for x in res.lost if x.startswith("steps.review:")]
    assert review.endswith("so only 'boss' is kept")  # clerk still does intake
    assert back.roles["expert"].headcount == 2
    assert all("expert" not in s.roles for s in back.steps.values())
