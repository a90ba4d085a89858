"""Pooled estimates with a sectioning interval (``sectioning_interval``, ``pooled_quantiles``).

A percentile or a share taken per replication and then averaged keeps each replication's
small-sample bias; the pooled one (a percentile of every replication's cases, a ratio of sums)
does not, and the sectioning interval (Asmussen & Glynn) centres the replications' t-interval
half width on it. M/M/1 closed forms: sojourn time exponential with mean W = S / (1 - rho), so
its p90 is W ln 10; the share of it spent waiting is Wq / W = rho.
"""

import io
import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st

from sim.engine import run_replications
from sim.kpis import confidence_interval, cycle_time_table, kpi_report, kpi_table
from sim.kpis.stats import pooled_quantiles, sectioning_interval
from sim.model import from_dict
from sim.model.scenario import Scenario


def test_sectioning_interval_is_centred_on_the_pooled_estimate():
    per_rep = np.array([0.70, 0.74, 0.69, 0.72, np.nan])
    ci = sectioning_interval(0.75, per_rep)
    x = per_rep[~np.isnan(per_rep)]
    half = st.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    assert ci["mean"] == 0.75
    assert ci["n"] == 4
    assert ci["half_width"] == pytest.approx(half, rel=1e-12)
    assert ci["half_width"] == confidence_interval(per_rep)["half_width"]
    assert (ci["ci_low"], ci["ci_high"]) == pytest.approx((0.75 - half, 0.75 + half), rel=1e-12)


def test_sectioning_interval_clipped_to_the_domain_and_without_values():
    ci = sectioning_interval(0.99, [0.90, 1.0, 0.95], bounds=(0.0, 1.0))
    assert ci["ci_high"] == 1.0
    assert ci["ci_low"] == pytest.approx(0.99 - ci["half_width"])
    one = sectioning_interval(3.0, [2.0])  # one replication: an estimate, no interval
    assert one["mean"] == 3.0 and math.isnan(one["ci_low"]) and math.isnan(one["ci_high"])
    none = sectioning_interval(math.nan, [])
    assert none["n"] == 0 and math.isnan(none["mean"]) and math.isnan(none["ci_low"])


def test_pooled_quantiles_are_numpys_over_every_case():
    rng = np.random.default_rng(4)
    table = pd.DataFrame(
        {
            "replication": np.repeat([2, 0, 1], [50, 80, 30]),
            "cycle_time_h": rng.exponential(5.0, 160),
        }
    )
    qs = [0.5, 0.9, 0.95]
    pooled, per = pooled_quantiles(table, qs, value="cycle_time_h")
    np.testing.assert_allclose(pooled, np.quantile(table["cycle_time_h"], qs), rtol=1e-12)
    assert list(per.index) == [0, 1, 2]
    for rep, group in table.groupby("replication"):
        np.testing.assert_allclose(
            per.loc[rep].to_numpy(), np.quantile(group["cycle_time_h"], qs), rtol=1e-12
        )
    # the pooled percentile is not the mean of the replications' (what kpi_report averages)
    assert pooled[1] != pytest.approx(per[0.9].mean(), rel=1e-6)


def test_a_pooled_share_is_a_ratio_of_sums():
    """The share of every replication's cycle time spent waiting: total waiting over total
    cycle time, which replications.csv gives as share x mean cycle time x finished cases."""
    rng = np.random.default_rng(9)
    reps = [(rng.exponential(3.0, n), rng.exponential(1.0, n)) for n in (40, 7, 120)]
    waits = [w for w, _ in reps]
    cycles = [w + s for w, s in reps]
    table = pd.DataFrame(
        {
            "waiting_share": [w.sum() / c.sum() for w, c in zip(waits, cycles, strict=True)],
            "cycle_time_mean": [c.mean() for c in cycles],
            "finished": [c.size for c in cycles],
        }
    )
    total = table["cycle_time_mean"] * table["finished"]
    pooled = float((table["waiting_share"] * total).sum() / total.sum())
    assert pooled == pytest.approx(np.concatenate(waits).sum() / np.concatenate(cycles).sum())
    ci = sectioning_interval(pooled, table["waiting_share"], bounds=(0.0, 1.0))
    assert ci["mean"] == pooled != pytest.approx(table["waiting_share"].mean(), rel=1e-6)


def test_a_paired_difference_of_pooled_estimates():
    """Centre pooled(alt) - pooled(base), width from the replications' own differences."""
    rng = np.random.default_rng(1)
    base = pd.DataFrame(
        {"replication": np.repeat(range(5), 60), "cycle_time_h": rng.exponential(5.0, 300)}
    )
    alt = base.assign(cycle_time_h=base["cycle_time_h"] * 0.8 + rng.normal(0, 0.1, 300))
    (pb,), per_b = pooled_quantiles(base, [0.9], value="cycle_time_h")
    (pa,), per_a = pooled_quantiles(alt, [0.9], value="cycle_time_h")
    diff = sectioning_interval(pa - pb, per_a[0.9] - per_b[0.9])
    assert diff["mean"] == pytest.approx(
        np.quantile(alt["cycle_time_h"], 0.9) - np.quantile(base["cycle_time_h"], 0.9)
    )
    assert diff["half_width"] == confidence_interval(per_a[0.9] - per_b[0.9])["half_width"]
    assert diff["ci_high"] < 0  # a 20 % shorter p90, shown as significant


def _mm1(rho: float):
    return from_dict(
        {
            "name": "mm1",
            "start": "service",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
            "roles": {"server": {"headcount": 1}},
            "steps": {
                "service": {
                    "role": "server",
                    "duration": {"dist": "exponential", "mean": rho},
                    "next": "done",
                }
            },
            "ends": {"done": {"success": True}},
        }
    )


def _report_figures(report: dict) -> dict[str, dict]:
    """The p90 cycle time and the waiting share of the M/M/1's one step in ``kpis.json``."""
    (service,) = [s for s in report["steps"] if s["step"] == "service"]
    return {"p90": report["headline"]["cycle_time_p90"], "share": service["waiting_share"]}


@pytest.mark.slow
def test_kpis_json_pools_and_removes_the_short_horizon_bias_of_an_mm1():
    """Over a 2-day window (about 48 cases a replication) each replication's p90 and waiting
    share are far below the M/M/1's (p90 about -30 %); ``kpi_report`` (``kpis.json``) pools
    them, so its estimates are not, and their sectioning intervals cover the closed forms where
    the per-replication averages (what it gives without the cases and the time in process: an
    older replications.csv), narrowed by 30 replications around the bias, do not."""
    rho, runs = 0.8, 6
    model = _mm1(rho)
    w = rho / (1 - rho)
    truth = {"p90": w * math.log(10), "share": rho}
    scenario = Scenario(horizon_days=2, warmup_days=8, replications=30)
    estimates: dict[str, list[float]] = {k: [] for k in ("p90", "share")}
    averaged: dict[str, list[float]] = {k: [] for k in ("p90", "share")}
    covered = {k: 0 for k in ("p90", "share", "avg_p90", "avg_share")}
    for seed in range(runs):
        traces = run_replications(model, scenario, seed=seed, workers=1)
        table = kpi_table(traces, model)
        cases = cycle_time_table(traces)
        report = kpi_report(table, model, cycle_times=cases)
        assert report["estimators"]["cycle_time_percentiles"] == "pooled"
        assert report["estimators"]["time_shares"] == "pooled"
        pooled = _report_figures(report)
        older = _report_figures(kpi_report(table.drop(columns=["time_in_process"]), model))
        (p90,), per = pooled_quantiles(cases, [0.9], value="cycle_time_h")
        assert pooled["p90"]["mean"] == pytest.approx(p90, rel=1e-12)
        sectioned = sectioning_interval(p90, per[0.9], bounds=(0.0, None))
        assert pooled["p90"]["ci_low"] == pytest.approx(sectioned["ci_low"], rel=1e-12)
        for key in truth:
            ci, avg = pooled[key], older[key]
            estimates[key].append(ci["mean"])
            averaged[key].append(avg["mean"])
            covered[key] += ci["ci_low"] <= truth[key] <= ci["ci_high"]
            covered[f"avg_{key}"] += avg["ci_low"] <= truth[key] <= avg["ci_high"]
    for key, t in truth.items():
        assert np.mean(estimates[key]) == pytest.approx(t, rel=0.05)
        assert np.mean(averaged[key]) < t * 0.92  # the bias pooling removes
        assert covered[key] >= runs - 2, covered
        assert covered[f"avg_{key}"] <= 1, covered


def test_kpis_json_time_shares_are_total_waiting_over_total_time(crm_path):
    """Each replication's row keeps its time in the process (the shares' denominator), and
    ``kpis.json``'s waiting share of a step is every replication's waiting there over every
    replication's time in the process, with the replications' own shares' half width."""
    from sim.kpis import measures as m
    from sim.kpis.frames import trace_cases, trace_events, trace_open_steps
    from sim.model import load

    model = load(crm_path)
    traces = run_replications(
        model, Scenario(horizon_days=6, warmup_days=1, replications=4), seed=5, workers=1
    )
    table = kpi_table(traces, model)
    report = kpi_report(table, model)
    waits, times = [], []
    for t in traces:
        cases = trace_cases(t)
        times.append(m.time_in_process(cases, t.run_end))
        shares = m.waiting_shares(
            trace_events(t), cases, open_steps=trace_open_steps(t), stop=t.run_end
        )
        waits.append(shares * times[-1])
    assert table["time_in_process"].to_numpy() == pytest.approx(times, rel=1e-12)
    total = pd.concat(waits, axis=1).fillna(0.0).sum(axis=1) / sum(times)
    for step in report["steps"]:
        if step["step"] not in total.index:
            continue
        share = step["waiting_share"]
        assert share["mean"] == pytest.approx(total[step["step"]], rel=1e-9, abs=1e-12)
        own = confidence_interval(table[f"waiting_share:{step['step']}"])["half_width"]
        assert share["half_width"] == pytest.approx(own, rel=1e-12)
    assert report["estimators"]["time_shares"] == "pooled"
    assert report["estimators"]["cycle_time_percentiles"] == "averaged"  # no cases given


def test_a_replication_that_never_visited_a_step_adds_its_time_and_no_waiting():
    """A step visited in one replication only: its pooled share is its waiting over both
    replications' time (not over the visiting one's alone, as an average of shares would)."""
    from sim.kpis import pooled_estimates

    table = pd.DataFrame(
        {
            "replication": [0, 1],
            "time_in_process": [100.0, 300.0],
            "waiting_share:rare": [0.2, np.nan],
            "waiting_share:never": [np.nan, np.nan],
        }
    )
    pooled = pooled_estimates(table)
    assert pooled["waiting_share:rare"] == pytest.approx(20.0 / 400.0)
    assert math.isnan(pooled["waiting_share:never"])


def test_pooled_quantiles_of_a_file_of_no_case():
    """A run that finished no case writes a cycle_times.csv.gz of its header only, which reads
    as empty columns of no float dtype (QA pooled24 #1: compare stopped with a TypeError)."""
    empty = pd.read_csv(io.StringIO("replication,cycle_time_h\n"))
    pooled, per = pooled_quantiles(empty, [0.5, 0.9], value="cycle_time_h")
    assert np.isnan(pooled).all() and per.empty


def test_a_replication_that_finished_no_case_has_no_outcome_shares():
    """Outcome and drop-off-step shares absent in a replication are 0 where it finished cases,
    and no value where it finished none (QA pooled24 #6: 0 % beside a 100 % conversion)."""
    from sim.kpis import kpi_rows_table

    table = kpi_rows_table(
        [
            {"replication": 0, "cases_arrived": 5.0, "cases_completed": 4.0,
             "cases_dropped": 0.0, "outcome_share:done": 1.0},
            {"replication": 1, "cases_arrived": 2.0, "cases_completed": 0.0,
             "cases_dropped": 1.0, "dropoff_at:s": 1.0},
            {"replication": 2, "cases_arrived": 1.0, "cases_completed": 0.0,
             "cases_dropped": 0.0, "waiting_at_end:s": 1.0},
        ]
    )  # fmt: skip
    assert table["outcome_share:done"].tolist()[:2] == [1.0, 0.0]
    assert math.isnan(table["outcome_share:done"][2]) and math.isnan(table["dropoff_at:s"][2])
    assert table["dropoff_at:s"].tolist()[:2] == [0.0, 1.0]
    assert table["waiting_at_end:s"].tolist() == [0.0, 0.0, 1.0]  # all three measured cases
