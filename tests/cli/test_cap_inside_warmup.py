"""``scenario.max_cases`` reached in the warm-up of some replications (QA rt_engine F1, F3, F8).

An M/M/1 at 50 % capped at 168 cases (the warm-up's expected arrivals): in 5 of 10 replications
every case arrived in the warm-up. Those replications kept the whole window with no case in it
and their zeros went into the means (throughput 37 a week for 84, utilisation 21 % for 50 %, the
only step reached by 50 % of the cases), and no warning said so. Such a replication measured
nothing: its KPIs are missing, the figures are of the others, and simulate says how many.
Under a cap, the warm-up note judges the window measured (F3) and the saturation warning names
the cap, not the horizon (F8).
"""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest
import yaml

from sim.cli.simulate import capped_window_warning, warmup_warning
from sim.engine import run_replication
from sim.kpis import replication_kpis
from sim.model import from_dict
from sim.model.scenario import Scenario
from tests.simcli import run_sim


def _mm1(gap: float, job: float) -> dict:
    """One server, exponential gaps of mean ``gap`` h and jobs of mean ``job`` h."""
    return {
        "schema_version": 1,
        "name": "mm1",
        "time_unit": "hours",
        "start": "service",
        "arrivals": {"interarrival": {"dist": "exponential", "mean": gap}},
        "roles": {"server": {"headcount": 1, "hourly_cost": 10}},
        "steps": {
            "service": {
                "role": "server",
                "duration": {"dist": "exponential", "mean": job},
                "next": "done",
            }
        },
        "ends": {"done": {"success": True}},
    }


CAP = 168  # the cases expected in the 14-day warm-up at a case every 2 h
CAPPED = Scenario(max_cases=CAP, replications=10)


def _simulate(tmp_path, spec: dict, *overrides: str) -> tuple[str, pd.DataFrame, dict]:
    model = tmp_path / "model.yaml"
    model.write_text(yaml.safe_dump(spec), encoding="utf-8")
    run = tmp_path / "run"
    res = run_sim(
        "simulate",
        f"process={model}",
        *overrides,
        "workers=1",
        "progress=false",
        "output.report=false",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    report = json.loads((run / "kpis.json").read_text(encoding="utf-8"))
    return res.stdout, pd.read_csv(run / "replications.csv"), report


def test_a_replication_whose_cases_all_arrived_in_the_warm_up_measures_nothing():
    model = from_dict(_mm1(2.0, 1.0))
    traces = [run_replication(model, CAPPED, seed=0, replication=r) for r in range(10)]
    in_warmup = [bool(t.case_arrival[-1] < CAPPED.warmup_hours) for t in traces]
    assert 0 < sum(in_warmup) < len(traces)  # the case the test is about happened
    for trace, empty in zip(traces, in_warmup, strict=True):
        kpis = replication_kpis(trace, model)
        if empty:
            assert not trace.measured
            assert trace.window == (CAPPED.warmup_hours, CAPPED.warmup_hours)
            # missing, not 0: the staff it had is the scenario's, not a measurement
            assert kpis["headcount"] == 1.0
            assert all(math.isnan(v) for k, v in kpis.items() if k != "headcount"), kpis
        else:
            assert trace.measured and kpis["cases_arrived"] > 0
            assert kpis["reached:service"] == 1.0


def test_simulate_leaves_them_out_of_the_means_and_says_how_many_were_measured(tmp_path):
    out, table, report = _simulate(
        tmp_path, _mm1(2.0, 1.0), f"scenario.max_cases={CAP}", "scenario.replications=10"
    )
    empty = table["cases_arrived"].isna()
    n_empty = int(empty.sum())
    assert 0 < n_empty < 10
    measured = table[~empty]
    assert (measured["cases_arrived"] > 0).all()
    kpis = report["all"]
    # every case reaches the only step: 100 %, where the empty replications' zeros made 50 %
    assert kpis["reached:service"]["mean"] == 1.0
    assert kpis["throughput_per_week"]["n"] == 10 - n_empty
    assert kpis["throughput_per_week"]["mean"] == pytest.approx(
        measured["throughput_per_week"].mean()
    )
    assert kpis["utilisation:server"]["mean"] == pytest.approx(
        measured["utilisation:server"].mean()
    )
    assert report["replications"] == 10 and report["measured_replications"] == 10 - n_empty
    assert f"10 replications, {10 - n_empty} measured" in out.splitlines()[0]
    said = (
        f"warning: scenario.max_cases={CAP} was reached in the warm-up in {n_empty} of 10 "
        "replications"
    )
    assert out.count(said) == 1, out
    warned = [w for w in report["warnings"] if w.startswith(said)]
    assert len(warned) == 1
    assert f"which are of the {10 - n_empty} measured replications" in warned[0]
    assert "raise scenario.max_cases or shorten scenario.warmup_days" in warned[0]


def test_the_warning_counts_the_empty_windows_apart_from_the_cut_ones():
    lo, end = CAPPED.warmup_hours, CAPPED.arrivals_end_hours
    both = capped_window_warning([lo, 360.0, lo, 384.0], CAPPED)
    assert both.startswith(
        f"warning: scenario.max_cases={CAP} was reached in the warm-up in 2 of 4 replications"
    )
    assert "It stopped the arrivals after about 15.5 days (replication mean) in 2 of 4" in both
    only_empty = capped_window_warning([lo, end], CAPPED)
    assert "1 of 2 replications" in only_empty and "It stopped" not in only_empty
    # none measured: the empty-window warning says so, as before
    assert capped_window_warning([lo, lo], CAPPED) is None


def _shortfall(note: str) -> float:
    return float(re.search(r"may be about ([\d.]+) % longer", note).group(1))


def test_the_warm_up_note_judges_the_window_the_cap_left():
    """The M/M/1 at 90 % of the QA: a cap that ends the window after 7.85 days is judged as a
    7.85-day window (the note judged the 42-day horizon: 29 % where 7 days read 57 %), and its
    advice keeps that window as a horizon (under the cap, the longer warm-up took its cases)."""
    model = from_dict(_mm1(8.889, 8.0))
    report = {
        "saturated_roles": [],
        "steps": [{"step": "service", "roles": ["server"], "waiting_share": {"mean": 0.88}}],
    }
    window = 7.85
    capped = Scenario(max_cases=57)
    same = warmup_warning(report, model, Scenario(horizon_days=window))
    note = warmup_warning(report, model, capped, window)
    assert _shortfall(note) == _shortfall(same) > _shortfall(warmup_warning(report, model, capped))
    assert f"a measured window of about {window:.3g} days" in note
    days = int(re.search(r"warm up about scenario.warmup_days=(\d+)", note).group(1))
    assert "with scenario.max_cases=null scenario.horizon_days=7.85 to measure the same" in note
    # the advice followed: no note
    assert warmup_warning(report, model, Scenario(warmup_days=days, horizon_days=window)) is None


def test_simulate_under_a_cap_judges_the_measured_window_in_the_warm_up_note(tmp_path):
    _, _, report = _simulate(
        tmp_path, _mm1(8.889, 8.0), "scenario.max_cases=57", "scenario.replications=4", "seed=3"
    )
    note = next(w for w in report["warnings"] if w.startswith("note: the warm-up may be"))
    assert "a measured window of about" in note and "scenario.max_cases=" in note


def test_under_a_cap_the_saturation_warning_names_it_not_the_horizon(tmp_path):
    """An M/M/1 offered 120 %: the note before the run said the figures depend on max_cases,
    the warning after it said they depend on scenario.horizon_days=42."""
    out, _, report = _simulate(
        tmp_path, _mm1(2.0, 2.4), "scenario.max_cases=400", "scenario.replications=3", "seed=0"
    )
    saturated = next(w for w in report["warnings"] if "the model is saturated" in w)
    assert "depend on max_cases rather than on the horizon" in saturated
    assert "scenario.max_cases=400 stopped the arrivals after about" in saturated
    assert "scenario.horizon_days=42" not in saturated
    assert saturated in out
