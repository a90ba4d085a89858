"""``scenario.max_cases`` that stops the arrivals inside the measurement window ends the window
there (QA engine25: an M/M/1 at 50 % capped at 500 cases stopped arriving near day 42 of a window
from day 14 to 56; the idle tail was averaged in, throughput read 57 a week instead of 84,
utilisation 32 % instead of 50 %, and nothing was said)."""

from __future__ import annotations

import json
from dataclasses import fields

import numpy as np
import pandas as pd
import yaml
from engine_testkit import build, ci95, expo

from sim.cli.simulate import BACKLOG_NOTICED, backlog_warning, capped_window_warning
from sim.engine import run_replication
from sim.kpis import replication_kpis, trace_cases
from sim.kpis.measures import WEEK, wip_change_lag
from sim.model.scenario import Scenario
from sim.model.trace import Trace
from tests.simcli import run_sim

RATE_PER_WEEK = 84.0  # a case every 2 h
CAP = 120  # at 12 cases a day, arrivals stop near day 10 of a window from day 2 to 16
CAPPED = Scenario(warmup_days=2.0, horizon_days=14.0, max_cases=CAP)


def _mm1(interarrival: dict | None = None):
    """One clerk, exponential service of mean 1 h, gaps of mean 2 h: utilisation 0.5."""
    return build(
        {"serve": {"role": "clerk", "duration": expo(1.0), "next": "done"}},
        roles={"clerk": 1},
        interarrival=interarrival or expo(2.0),
    )


def _measured(trace: Trace) -> int:
    """The cases the KPIs count (``trace_cases``' ``measured`` flag)."""
    return int(trace_cases(trace)["measured"].sum())


def test_a_cap_inside_the_window_ends_it_where_arrivals_stopped():
    model = _mm1()
    traces = [run_replication(model, CAPPED, seed=1, replication=r) for r in range(20)]
    for trace in traces:
        lo, hi = trace.window
        assert lo == CAPPED.warmup_hours
        # every capped case after the warm-up is in the window, which ends before the horizon
        assert trace.n_cases == CAP
        assert trace.case_arrival[-1] < hi < CAPPED.arrivals_end_hours
        assert _measured(trace) == int((trace.case_arrival >= lo).sum())
    kpis = pd.DataFrame([replication_kpis(t, model) for t in traces])
    lo, hi = ci95(kpis["utilisation:clerk"])
    assert lo <= 0.5 <= hi, (lo, hi)
    for col in ("throughput_per_week", "arrivals_per_week"):
        lo, hi = ci95(kpis[col])
        assert lo <= RATE_PER_WEEK <= hi, (col, lo, hi)
    lo, hi = ci95(kpis["wip_mean"])
    assert lo <= 1.0 <= hi, ("wip_mean", lo, hi)  # M/M/1: rho / (1 - rho)


def test_cases_arriving_at_the_same_instant_as_the_last_are_measured():
    """Gaps of 0 (``p_zero``): the next arrival's instant is the last one's; the window still
    holds every capped case after the warm-up."""
    model = _mm1({"dist": "fixed", "value": 1.0, "p_zero": 0.7})
    scenario = Scenario(warmup_days=0.5, horizon_days=10.0, max_cases=CAP)
    zero_gap_stops = 0
    for r in range(20):
        trace = run_replication(model, scenario, seed=2, replication=r)
        lo, hi = trace.window
        assert hi < scenario.arrivals_end_hours
        assert _measured(trace) == int((trace.case_arrival >= lo).sum())
        zero_gap_stops += hi < trace.case_arrival[-1] + 1e-6
    assert zero_gap_stops > 0  # the case the test is about happened


def _same(a: Trace, b: Trace) -> bool:
    """Every field of two traces equal, bit for bit."""
    for f in fields(Trace):
        x, y = getattr(a, f.name), getattr(b, f.name)
        same = x.tobytes() == y.tobytes() if isinstance(x, np.ndarray) else x == y
        if not same:
            return False
    return True


def test_a_cap_not_reached_changes_nothing():
    model = _mm1()
    plain = Scenario(warmup_days=2.0, horizon_days=14.0)
    for r in range(3):
        free = run_replication(model, plain, seed=1, replication=r)
        assert free.window == (plain.warmup_hours, plain.arrivals_end_hours)
        # far above the arrivals, and exactly at them (the next would come after the horizon)
        for cap in (10**6, free.n_cases):
            capped = run_replication(
                model,
                Scenario(warmup_days=2.0, horizon_days=14.0, max_cases=cap),
                seed=1,
                replication=r,
            )
            assert _same(free, capped), cap
            assert replication_kpis(free, model) == replication_kpis(capped, model)


def test_a_cap_reached_in_the_warm_up_leaves_the_window_empty():
    """Nothing measured (its KPIs are missing: tests/cli/test_cap_inside_warmup.py)."""
    scenario = Scenario(warmup_days=2.0, horizon_days=14.0, max_cases=5)
    trace = run_replication(_mm1(), scenario, seed=1)
    assert trace.window == (scenario.warmup_hours, scenario.warmup_hours)
    assert not trace.measured
    assert _measured(trace) == 0


def test_the_warning_names_the_cap_and_when_it_stopped_the_arrivals():
    end = CAPPED.arrivals_end_hours
    said = capped_window_warning([240.0, 264.0], CAPPED)
    assert said.startswith(
        f"warning: scenario.max_cases={CAP} stopped the arrivals after about 10.5 days "
        "(replication mean); the measurement window ends there:"
    )
    some = capped_window_warning([240.0, end], CAPPED)
    assert "after about 10 days (replication mean) in 1 of 2 replications;" in some
    assert capped_window_warning([end, end], CAPPED) is None
    plain = Scenario(warmup_days=2.0, horizon_days=14.0)
    assert capped_window_warning([end, end], plain) is None


def test_simulate_says_so_once_on_the_console_and_in_kpis_json(tmp_path):
    model = tmp_path / "mm1.yaml"
    spec = {
        "schema_version": 1,
        "name": "mm1",
        "time_unit": "hours",
        "start": "serve",
        "arrivals": {"interarrival": expo(2.0)},
        "roles": {"clerk": {"headcount": 1}},
        "steps": {"serve": {"role": "clerk", "duration": expo(1.0), "next": "done"}},
        "ends": {"done": {"success": True}},
    }
    model.write_text(yaml.safe_dump(spec), encoding="utf-8")
    run = tmp_path / "run"
    res = run_sim(
        "simulate",
        f"process={model}",
        f"scenario.max_cases={CAP}",
        "scenario.warmup_days=2",
        "scenario.horizon_days=14",
        "scenario.replications=3",
        "seed=1",
        "workers=1",
        "progress=false",
        "output.report=false",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    head = f"warning: scenario.max_cases={CAP} stopped the arrivals after about "
    assert res.stdout.count(head) == 1, res.stdout
    report = json.loads((run / "kpis.json").read_text(encoding="utf-8"))
    said = [w for w in report["warnings"] if w.startswith(head)]
    assert len(said) == 1 and "the measurement window ends there" in said[0], report["warnings"]
    days = float(said[0][len(head) :].split()[0])
    assert 2.0 < days < 16.0


def test_the_backlog_check_measures_growth_over_each_capped_window():
    """``wip_change`` of a window cut to 28 days compares parts 14 days apart, not the 21 days
    of the whole 42-day horizon."""
    model = _mm1()
    scenario = Scenario(max_cases=500)
    ends = {r: scenario.warmup_hours + 28 * 24.0 for r in range(3)}
    share = BACKLOG_NOTICED * 1.2
    lag = wip_change_lag(28 * 24.0)
    table = pd.DataFrame(
        {
            "replication": range(3),
            "arrivals_per_week": RATE_PER_WEEK,
            "wip_change": [(share + d) * RATE_PER_WEEK * lag / WEEK for d in (-0.01, 0, 0.01)],
        }
    )
    assert backlog_warning(table, model, scenario) is None  # the horizon's lag: too small
    said = backlog_warning(table, model, scenario, ends)
    assert said is not None and f"{share:.0%}" in said
