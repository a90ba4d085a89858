"""The warm-up note counts the patience that bounds a queue (QA abandon20 #2).

An M/M/1+M: a case an hour, 0.97 h of work (97 % offered), patience Exp(mean 1 h). The note
took the M/M/1 relaxation time at 97 %, 0.97 / (1 - sqrt(0.97))^2 h = 177 days, said the cycle
time might be 71 % longer than the run's and asked for a 329-day warm-up; 400 replications
measured a start-up bias of -0.2 %. Each waiting case gives up at rate 1 / patience, so the
number of cases leaves n at a rate that grows by at least min(1 / S, 1 / patience) with each
case: the queue forgets an empty start within about max(S, patience), an hour here. The same
model without patience keeps its note.

The overloaded M/M/3+M of ``tests/model/test_impatient_role_notes.py`` (120 % offered, patience
0.5 h) shows the same: no warm-up note, and its pre-run warning reaches ``kpis.json`` and
``report.html`` without the claim that it is busy all its hours (QA abandon20 #1).
"""

from __future__ import annotations

import html
import math

import numpy as np
import pytest
from scipy import stats

from sim.engine import run_replications
from sim.kpis import kpi_table
from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.model.transient import window_deficit
from sim.model.views import offered_load
from tests.erlang_a import mmc_spec, simulate_spec


def _spec(patience: float | None, job: float = 0.97) -> dict:
    return mmc_spec(
        "mm1m97", interarrival_hours=1.0, job_hours=job, servers=1, patience_hours=patience
    )


def test_a_patience_on_every_step_bounds_the_settling_time():
    patient = offered_load(from_dict(_spec(1.0), source="test"))["server"]
    assert patient.patience_hours == 1.0 and patient.settled_by_patience
    assert patient.settling_days * 24 == pytest.approx(1.0)  # max(0.97 h, 1 h)
    plain = offered_load(from_dict(_spec(None), source="test"))["server"]
    assert plain.patience_hours == math.inf and not plain.settled_by_patience
    assert plain.settling_days == pytest.approx(0.97 / (1 - math.sqrt(0.97)) ** 2 / 24)
    # a long patience leaves the M/M/1 estimate at a light load, and bounds a saturated queue
    light = offered_load(from_dict(_spec(24.0, job=0.5), source="test"))["server"]
    assert not light.settled_by_patience
    assert light.settling_days == pytest.approx(0.5 / (1 - math.sqrt(0.5)) ** 2 / 24)
    over = offered_load(from_dict(_spec(24.0, job=1.5), source="test"))["server"]
    assert over.utilisation == pytest.approx(1.5) and over.settling_days == pytest.approx(1.0)


def test_a_patience_on_some_steps_only_keeps_the_mmc_estimate():
    spec = _spec(1.0)
    spec["steps"]["s"]["next"] = "t"
    spec["steps"]["t"] = {"role": "server", "duration": 0.01, "next": "done"}
    load = offered_load(from_dict(spec, source="test"))["server"]
    assert load.patience_hours == math.inf and not load.settled_by_patience
    assert load.settling_days > 100  # days: the M/M/1 relaxation time near 98 %


def test_the_warm_up_note_is_not_said_of_a_queue_bounded_by_patience(tmp_path):
    report, out, _ = simulate_spec(tmp_path, "patient", _spec(1.0), "output.report=false")
    assert "warm-up may be too short" not in out
    assert not any("warm-up" in w for w in report["warnings"])
    # the same model without patience: months to settle, and said
    report, out, _ = simulate_spec(tmp_path, "plain", _spec(None), "output.report=false")
    flat = " ".join(out.split())
    assert "note: the warm-up may be too short" in flat
    assert "time constant of roughly 177 days" in flat
    assert any("warm-up may be too short" in w for w in report["warnings"])


def test_the_overloaded_impatient_role_gets_no_warm_up_note_and_a_true_warning(tmp_path):
    spec = mmc_spec("mm3m", interarrival_hours=1 / 3, job_hours=1.2, servers=3, patience_hours=0.5)
    report, out, run = simulate_spec(tmp_path, "mm3m", spec)
    assert "warm-up may be too short" not in out
    said = [w for w in report["warnings"] if "cases that give up waiting will relieve" in w]
    assert len(said) == 1 and "busy all" not in said[0]
    assert "at least 17 % of the work offered to it goes undone" in said[0]
    page = html.unescape((run / "report.html").read_text(encoding="utf-8"))
    assert "at least 17 % of the work offered to it goes undone" in " ".join(page.split())
    assert "busy all its hours" not in page


@pytest.mark.slow
@pytest.mark.parametrize(("job", "seed"), [(0.97, 6), (1.2, 7)])
def test_the_patience_bound_is_of_the_order_of_an_mm1m_started_empty(job, seed):
    """Measured from empty over two days, an M/M/1+M with a patience of 24 h waits short of
    its stationary mean (the birth-death chain's Lq / lambda, below) by about 0.20 at 97 %
    (800 replications: 0.20 +- 0.03; the exact chain's queue 0.23) and 0.27 at 120 % (200
    replications, four seeds: 0.26-0.29 +- 0.05; the chain's queue 0.32). The estimate, tau =
    24 h on the heavy-traffic curve below 100 % and on exp(-t / tau) above, says 0.12 and
    0.43: within a factor of 2 (the M/M/1 estimate without patience said 0.85 at 97 %, 177
    days, and nothing at 120 %)."""
    model = from_dict(_spec(24.0, job=job), source="test")
    n = 200
    scenario = Scenario(horizon_days=2, warmup_days=0, replications=n)
    waits = kpi_table(run_replications(model, scenario, seed=seed, workers=1), model)
    waits = waits["waiting_per_case"]
    # stationary Erlang-A: leaving rate from n cases min(n, 1) mu + max(n - 1, 0) theta
    mu, theta, cap = 1 / job, 1 / 24.0, 2000
    down = mu + theta * np.arange(cap)
    pi = np.concatenate([[1.0], np.cumprod(1.0 / down)])  # lambda = 1
    pi /= pi.sum()
    stationary = float((np.maximum(np.arange(cap + 1) - 1, 0) * pi).sum())  # Lq / lambda
    half = stats.t.ppf(0.975, n - 1) * waits.std(ddof=1) / math.sqrt(n) / stationary
    measured = 1 - waits.mean() / stationary
    load = offered_load(model)["server"]
    assert load.relaxes_exponentially == (job > 1)
    d = window_deficit(load.settling_days, 0.0, 2.0, exponential=load.relaxes_exponentially)
    assert measured + half >= d / 2 and measured - half <= 2 * d
