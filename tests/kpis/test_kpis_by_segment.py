"""Per-segment KPIs (QA: putting key accounts last in the queue showed 'mean cycle time better'
overall while their own cycle time grew 22 h; nothing showed a segment's numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.engine import run_replications
from sim.kpis import compare_scenarios, cycle_time_table, kpi_report, kpi_table, trace_cases
from sim.kpis.frames import trace_events
from sim.kpis.summary import SEGMENT_KPIS, format_report, segment_key
from sim.model import from_dict
from sim.model.scenario import Scenario

SCENARIO = Scenario(horizon_days=20, warmup_days=2, replications=4)


def two_segments(vip_priority: int = 0) -> dict:
    """One server about 85 % busy; vip cases (30 %) are served first unless ``vip_priority``
    puts them after the regular ones (priority 1); impatient regulars give up."""
    return {
        "name": "two_segments",
        "start": "service",
        "arrivals": {
            "interarrival": {"dist": "exponential", "mean": 1.0},
            "segments": {
                "vip": {"share": 0.3, "priority": vip_priority, "duration_scale": 1.2},
                "regular": {"share": 0.7, "priority": 1},
            },
        },
        "roles": {"server": {"headcount": 1, "hourly_cost": 10}},
        "steps": {
            "service": {
                "role": "server",
                "duration": {"dist": "exponential", "mean": 0.8},
                "patience": {"dist": "exponential", "mean": 30.0},
                "next": "route",
            }
        },
        "decisions": {
            "route": {
                "branches": {"won": 0.5, "lost": 0.5},
                "by_segment": {"vip": {"won": 0.8, "lost": 0.2}},
            }
        },
        "ends": {
            "won": {"success": True, "value": {"vip": 1000, "regular": 100}},
            "lost": {"success": False},
        },
    }


def by_hand(trace) -> pd.DataFrame:
    """Each segment's KPIs straight from the trace's cases and events, with pandas."""
    cases = trace_cases(trace)
    cases = cases[cases["measured"]]
    done = cases[cases["success"].notna()].copy()
    waits = trace_events(trace).merge(done[["case_id", "segment"]], on="case_id")
    waits = (waits["start"] - waits["enabled"]).groupby(waits["segment"]).sum()
    gave_up = (done["dropped_left"] - done["dropped_enabled"]).fillna(0.0)
    waits = waits.add(gave_up.groupby(done["segment"]).sum(), fill_value=0.0)
    done["ct"] = done["end"] - done["arrival"]
    done["won"] = done["success"].astype(float)
    g = done.groupby("segment")
    return pd.DataFrame(
        {
            "cases_arrived": cases.groupby("segment").size().astype(float),
            "cycle_time_mean": g["ct"].mean(),
            "conversion_rate": g["won"].mean(),
            "dropoff_rate": 1.0 - g["won"].mean(),
            "revenue_per_case": g["value"].mean(),
            "waiting_per_case": waits / g.size(),
        }
    )


@pytest.fixture(scope="module")
def runs():
    """The replications with vip cases first, and with them last (the same seed: paired)."""
    out = {}
    for label, priority in (("vip first", 0), ("vip last", 2)):
        model = from_dict(two_segments(priority))
        out[label] = (model, run_replications(model, SCENARIO, seed=3, workers=1))
    return out


def test_each_segments_kpis_are_those_of_its_own_cases(runs):
    model, traces = runs["vip first"]
    table = kpi_table(traces, model)
    for i, trace in enumerate(traces):
        expected = by_hand(trace)
        for segment in ("vip", "regular"):
            for kpi in SEGMENT_KPIS:
                got = table.loc[i, segment_key(segment, kpi)]
                assert got == pytest.approx(expected.loc[segment, kpi], rel=1e-9), (segment, kpi)
    # the segments together are the overall cases
    parts = table[[segment_key(s, "cases_arrived") for s in ("vip", "regular")]].sum(axis=1)
    assert (parts == table["cases_arrived"]).all()
    assert table[segment_key("regular", "dropoff_rate")].gt(0).all()  # regulars gave up


def test_kpis_json_has_a_by_segment_view_with_cis_and_the_console_a_table(runs):
    model, traces = runs["vip first"]
    table = kpi_table(traces, model)
    report = kpi_report(table, model)
    view = {row["segment"]: row for row in report["by_segment"]}
    assert list(view) == ["vip", "regular"]
    ct = view["vip"]["cycle_time_mean"]
    assert ct["mean"] == pytest.approx(table[segment_key("vip", "cycle_time_mean")].mean())
    assert ct["ci_low"] < ct["mean"] < ct["ci_high"]
    assert 0.0 <= view["vip"]["conversion_rate"]["ci_low"]  # a share: clipped to [0, 1]
    text = format_report(report)
    lines = text.splitlines()
    header = next(i for i, x in enumerate(lines) if "vip" in x and "regular" in x)
    line = next(x for x in lines[header:] if x.strip().startswith("waiting_per_case"))
    assert line.rstrip().endswith("h")  # the segments' row, after their header


def test_cycle_times_name_each_case_and_its_segment(runs):
    _model, traces = runs["vip first"]
    table = cycle_time_table(traces)
    assert list(table.columns) == ["replication", "case_id", "segment", "cycle_time_h"]
    cases = trace_cases(traces[1]).set_index("case_id")
    row = table[table["replication"] == 1].iloc[5]
    case = cases.loc[int(row["case_id"].split("-")[1])]
    assert row["case_id"].startswith("1-") and row["segment"] == case["segment"]
    assert row["cycle_time_h"] == pytest.approx(case["end"] - case["arrival"])


def test_putting_one_segment_last_moves_the_segments_waits_apart(runs):
    """vip last: their own waiting grows, the regulars' shrinks, both significantly (paired)."""
    tables = {label: kpi_table(traces, model) for label, (model, traces) in runs.items()}
    cmp = compare_scenarios(tables, baseline="vip first", paired=True)
    rows = cmp[cmp["scenario"] == "vip last"].set_index("kpi")
    vip, regular = (rows.loc[segment_key(s, "waiting_per_case")] for s in ("vip", "regular"))
    assert vip["diff"] > 0 and vip["verdict"] == "worse" and vip["ci_low"] > 0
    assert regular["diff"] < 0 and regular["verdict"] == "better" and regular["ci_high"] < 0
    # vips now queue long enough to give up: fewer convert, which is worse (higher is better)
    conversion = rows.loc[segment_key("vip", "conversion_rate")]
    assert conversion["diff"] < 0 and conversion["verdict"] == "worse"
    assert segment_key("vip", "cases_arrived") in rows.index


def test_a_model_of_one_segment_has_no_segment_kpis():
    spec = two_segments()
    del spec["arrivals"]["segments"], spec["decisions"]["route"]["by_segment"]
    spec["ends"]["won"]["value"] = 100
    model = from_dict(spec)
    traces = run_replications(model, Scenario(horizon_days=3, replications=2), seed=0, workers=1)
    table = kpi_table(traces, model)
    assert not [c for c in table.columns if c.startswith("segment:")]
    report = kpi_report(table, model)
    assert "by_segment" not in report and "by segment" not in format_report(report)
    assert list(cycle_time_table(traces).columns) == ["replication", "cycle_time_h"]
    assert np.isfinite(report["headline"]["cycle_time_mean"]["mean"])


def test_many_segments_are_shown_a_block_each_not_a_wide_table():
    """QA2: eight segments with long names made console lines of about 350 characters."""
    names = [f"Customer group number {i}" for i in range(5)]
    report = {
        "by_segment": [
            {
                "segment": n,
                **{k: {"mean": 1.0, "ci_low": 0.9, "ci_high": 1.1} for k in SEGMENT_KPIS},
            }
            for n in names
        ]
    }
    from sim.kpis.summary import _segment_lines

    lines = _segment_lines(report)
    assert max(len(line) for line in lines) < 100
    assert [line.strip() for line in lines if line.strip().startswith("segment ")] == [
        f"segment {n}" for n in names
    ]
