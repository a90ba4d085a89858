"""The fitted-vs-observed figure compares like with like on a log with segments.

Calibration divides each duration by its case's segment's ``duration_scale`` (timers:
``timer_scale``) before fitting the reference segment's distribution; the figure's observed
durations must be divided the same way, and the figure says so.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sim.model import Segment, load
from sim.report.charts import fits_from_instances, plot_fits

SCALES = {"small_business": 1.0, "key_account": 1.86}


@pytest.fixture(scope="module")
def model(crm_path):
    """The CRM model with calibration's segments: the reference at scale 1, key accounts slower
    and their timers ('billing_setup', a step without roles) at another scale."""
    m = load(crm_path)
    assert not m.steps["billing_setup"].roles
    segments = (
        Segment("small_business", 0.75, priority=1),
        Segment("key_account", 0.25, duration_scale=SCALES["key_account"], timer_scale=1.3),
    )
    return dataclasses.replace(m, arrivals=dataclasses.replace(m.arrivals, segments=segments))


def _instances(rng: np.random.Generator) -> pd.DataFrame:
    """'signing' and 'billing_setup' instances: exponential at the reference pace (mean 1 h), key
    accounts' durations scaled as the engine scales them."""
    n = 400
    segment = rng.choice(list(SCALES), size=2 * n, p=[0.6, 0.4])
    base = rng.exponential(1.0, size=2 * n)
    activity = np.repeat(["signing", "billing_setup"], n)
    key = segment == "key_account"
    scale = np.where(key, np.where(activity == "signing", SCALES["key_account"], 1.3), 1.0)
    return pd.DataFrame(
        {
            "case_id": [f"c{i}" for i in range(2 * n)],
            "activity": activity,
            "processing": base * scale,
            "segment": segment,
            "base": base,
        }
    )


def test_observed_durations_are_divided_by_their_segments_scale(model):
    inst = _instances(np.random.default_rng(0))
    fits = fits_from_instances(inst, model)
    for step in ("signing", "billing_setup"):  # staffed: duration_scale; timer: timer_scale
        values, dist = fits[step]
        assert values == pytest.approx(inst.loc[inst["activity"] == step, "base"].to_numpy())
        assert dist is model.steps[step].duration
        assert fits[step].pace == "small_business"


def test_without_a_segment_column_the_durations_stay_as_logged(model):
    inst = _instances(np.random.default_rng(1)).drop(columns="segment")
    fits = fits_from_instances(inst, model)
    raw = inst.loc[inst["activity"] == "signing", "processing"].to_numpy()
    assert fits["signing"][0] == pytest.approx(raw)
    assert fits["signing"].pace is None


def test_the_figure_says_its_durations_are_in_the_reference_pace(model):
    inst = _instances(np.random.default_rng(2))
    fits = fits_from_instances(inst, model)
    fig = plot_fits(fits)
    text = "\n".join(t.get_text() for t in fig.texts)
    assert "durations in the reference segment's pace (Small business)" in text
    plain = plot_fits({k: (v[0], v[1]) for k, v in fits.items()})
    assert "reference segment" not in "\n".join(t.get_text() for t in plain.texts)


def test_a_calibration_on_a_log_with_segments_draws_like_with_like(crm_path):
    from sim.calibrate import calibrate_model
    from sim.engine import run_replications
    from sim.kpis.frames import trace_to_event_log
    from sim.model.scenario import Scenario

    # the CRM model: key accounts' steps take 1.5 / 0.8 times small businesses'
    (trace,) = run_replications(load(crm_path), Scenario(horizon_days=60, replications=1), seed=1)
    log = trace_to_event_log(trace).drop(columns=["replication"], errors="ignore")
    cal = calibrate_model(log, dropoff_outcomes=["lost_no_fit", "lost_price"], seed=0)
    inst = cal.waiting
    assert "segment" in inst.columns
    fits = fits_from_instances(inst, cal.model)
    values, dist = fits["needs_analysis"]
    key = (inst.loc[inst["activity"] == "needs_analysis", "segment"] == "key_account").to_numpy()
    raw = inst.loc[inst["activity"] == "needs_analysis", "processing"].to_numpy()
    assert raw[key].mean() / raw[~key].mean() == pytest.approx(1.5 / 0.8, rel=0.15)
    # in the reference pace both segments' durations are alike, and their mean the fit's
    assert values[key].mean() / values[~key].mean() == pytest.approx(1.0, rel=0.1)
    assert values.mean() == pytest.approx(dist.mean(), rel=0.05)
