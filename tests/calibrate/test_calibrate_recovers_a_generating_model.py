"""Calibration recovers a real process model's mean cycle time (issue 3's 5 % target, measured
where it can be: no generator difference, no held-out noise).

The pharmacy model of ``../shared/data/synth_pharmacy`` (a Prosimos model: one pharmacist at
about 70 % load, decisions, a technicians' shift) writes 5,000 cases with our engine; the log
(case, activity, start, end, resource only) is calibrated, and the calibrated and the
generating model are both simulated over the log's period with its number of cases. The
calibrated model's mean cycle time must be within 5 % of the generating model's over its whole
95 % interval (20 replications each; ``experiments/backtest_public_logs/roundtrip_check.py``
runs the same check on four models).

Seed-sensitive by nature: one generated log scatters by a few per cent. Seeds 1-6 (log,
calibration and simulation alike) gave -0.3 [-3.2, +2.5], +1.5 [-1.9, +4.9], +2.7 [-0.6, +6.0],
+0.6 [-2.5, +3.8], -1.0 [-3.5, +1.4] and +1.2 [-1.5, +3.8] %: seed 3 fails (with 60 replications
too, +3.2 [+1.2, +5.2]: the log, not the simulation noise). A numpy or scipy that drew other
random numbers fails it about one time in six with correct code; look at roundtrip_check.py's
mean over logs before calling it a regression.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sim.kpis import relative_difference


def test_relative_difference_is_the_delta_method_ratio():
    a, b = np.array([11.0, 12.0, 13.0]), np.array([9.0, 10.0, 11.0])
    r, lo, hi = relative_difference(a, b)
    assert r == pytest.approx(0.2)
    var = (1.0 / 3) / 100 + 144 * (1.0 / 3) / 10_000  # var(a)/n/mb^2 + ma^2 var(b)/n/mb^4
    assert hi - r == pytest.approx(1.959964 * np.sqrt(var), rel=1e-5)
    assert r - lo == pytest.approx(hi - r)
    assert all(np.isnan(relative_difference([1.0], [1.0, 2.0])))


@pytest.mark.slow
def test_calibration_recovers_the_pharmacy_models_mean_cycle_time(shared_data):
    from sim.calibrate import calibrate_model
    from sim.calibrate.backtest import backtest
    from sim.engine import run_replication
    from sim.kpis import trace_to_event_log
    from sim.model.interchange import BpmnImportWarning, load_bpmn
    from sim.model.scenario import Scenario

    folder = shared_data / "synth_pharmacy"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        truth = load_bpmn(folder / "Pharmacy.bpmn", params_path=folder / "Pharmacy.json")
    scenario = Scenario(horizon_days=3650, warmup_days=0, replications=1, max_cases=5000)
    log = trace_to_event_log(run_replication(truth, scenario, seed=1))
    log = log[["case_id", "activity", "start_time", "end_time", "resource"]]
    cal = calibrate_model(log, seed=1)
    kw = dict(replications=40, seed=1, distances=False, baseline=False)
    per_rep = []
    for model in (cal.model, truth):
        res = backtest(model, log, log, **kw).to_dict()
        per_rep.append(res["model"]["cycle_time_mean"]["per_replication"])
    err, lo, hi = relative_difference(*per_rep)
    # +1.6 % [-0.6, +3.7] with these seeds and 40 replications; 20 gave -0.3 % [-3.2, +2.5]
    # until the engine's shift ends were read safely from rounding (7d99162: Pharmacy's odd-minute
    # shift ends), then +2.0 % [-1.2, +5.3]: the same error, an interval too wide for the bar
    assert -0.05 <= lo and hi <= 0.05, (err, lo, hi)
