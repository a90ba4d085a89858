"""Throughput changes of the measurement window's edges (QA plots18 #4: a sweep of
``scenario.staffing.legal=1,2,3`` showed more legal staff as significantly "worse" throughput,
legal=3 at -0.5 cases/week [-0.5, -0.5], although the same cases arrived and the same cases were
won in every paired replication: a faster team finishes warm-up cases before the window opens,
so fewer completions fall inside it).

Throughput counts the successful completions inside the window, whatever the case's arrival:
completions = the window's arrivals won - those won after its end + earlier arrivals won inside
it. Under the same demand a faster team moves only the two edge terms, which do not grow with
the window: the comparison calls such a change ``window edge``, neither better nor worse, unless
the cases that arrived in the window were won more (fewer) too, or a run's backlog grows.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.engine import run_replications
from sim.kpis import compare_scenarios, kpi_table, trace_cases
from sim.kpis.compare import WINDOW_EDGE, matched_comparison
from sim.kpis.measures import WEEK
from sim.model import from_dict, load
from sim.model.scenario import Scenario
from sim.report.compare import _read_table, comparison_notes, plot_scenario_differences

ROOT = Path(__file__).resolve().parents[2]
CRM = Scenario(replications=3)  # the QA sweep's: the default window (14 + 42 days), drained


def _tables(model, scenario: Scenario, staffing: dict[str, dict[str, int]], seed: int = 0):
    """Replications (and traces) of ``model`` under each named staffing, the same seed."""
    out = {}
    for name, staff in staffing.items():
        traces = run_replications(model, replace(scenario, staffing=staff), seed=seed, workers=1)
        out[name] = (kpi_table(traces, model), traces)
    return out


def _row(comparison: pd.DataFrame, scenario: str, kpi: str) -> pd.Series:
    return comparison.set_index(["scenario", "kpi"]).loc[(scenario, kpi)]


@pytest.fixture(scope="module")
def crm_legal():
    """The bundled CRM with 1 (the model's) and 3 legal staff, 3 paired replications."""
    model = load(ROOT / "configs/process/crm_sales.yaml")
    return _tables(model, CRM, {"legal=1": {}, "legal=3": {"legal": 3}})


def test_completions_in_the_window_are_its_won_arrivals_moved_by_its_edges(crm_legal):
    """The identity behind the verdict, counted by hand on each replication's cases."""
    for table, traces in crm_legal.values():
        for trace, (_, row) in zip(traces, table.iterrows(), strict=True):
            lo, hi = trace.window
            cases = trace_cases(trace)
            won = cases["success"].fillna(False).astype(bool)
            inside = (cases["arrival"] >= lo) & (cases["arrival"] < hi)
            assert inside.equals(cases["measured"].astype(bool))  # measured = the window's
            ends_inside = (cases["end"] >= lo) & (cases["end"] < hi)
            completions = int((won & ends_inside).sum())
            early = int((won & (cases["arrival"] < lo) & ends_inside).sum())
            late = int((won & inside & (cases["end"] >= hi)).sum())
            assert row["throughput_per_week"] * (hi - lo) / WEEK == pytest.approx(completions)
            assert completions == row["cases_completed"] - late + early


def test_more_legal_staff_under_the_same_demand_is_not_worse_throughput(crm_legal, tmp_path):
    """QA plots18 #4, reproduced through the library: paired, the same cases are won, the
    window counts fewer completions, and the verdict says it is the window's edges."""
    tables = {name: table for name, (table, _) in crm_legal.items()}
    one, three = tables["legal=1"], tables["legal=3"]
    # the premise: the same cases arrived and the same ones were won, replication by replication
    assert one["cases_arrived"].tolist() == three["cases_arrived"].tolist()
    assert one["cases_completed"].tolist() == three["cases_completed"].tolist()
    comparison = compare_scenarios(tables, baseline="legal=1", paired=True)
    row = _row(comparison, "legal=3", "throughput_per_week")
    assert row["significant"] and row["diff"] < 0  # fewer completions inside the window
    assert row["verdict"] == WINDOW_EDGE
    won = one["cases_completed"].mean()
    assert row["note"].startswith(
        f"the cases that arrived in the window were won as often in both runs ({won:.4g} a "
        "replication)"
    )
    assert "in progress at the window's start or end" in row["note"]
    # every other row carries no note; the faster team's shorter cycle times stay "better"
    others = comparison[comparison["verdict"] != WINDOW_EDGE]
    assert (others["note"] == "").all()
    assert _row(comparison, "legal=3", "waiting_per_case")["verdict"] == "better"

    # comparison.csv keeps the verdict and its reason; the notes and the figure say it
    comparison.to_csv(tmp_path / "comparison.csv", index=False)
    read = _read_table(tmp_path / "comparison.csv")
    assert _row(read, "legal=3", "throughput_per_week")["note"] == row["note"]
    assert _row(read, "legal=1", "throughput_per_week")["note"] == ""
    scenarios = [{"label": "legal=1", "baseline": True}, {"label": "legal=3"}]
    notes = [n for n in comparison_notes(read, scenarios) if "window's edges" in n]
    assert len(notes) == 1 and notes[0].startswith("legal=3: Throughput -")
    assert notes[0].endswith(row["note"])
    fig = plot_scenario_differences(read, baseline="legal=1", kpis=["throughput_per_week"])
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [f"{WINDOW_EDGE}: same cases won"]
    assert WINDOW_EDGE in [t.get_text() for t in fig.axes[0].texts]


def _one_queue(*, work: float, patience: float | None = None) -> dict:
    """One clerk queue, a case an hour; a case that waits past its patience gives up."""
    step = {"role": "clerk", "duration": {"dist": "exponential", "mean": work}, "next": "won"}
    if patience is not None:
        step["patience"] = {"dist": "exponential", "mean": patience}
    return {
        "name": "one_queue",
        "start": "serve",
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
        "roles": {"clerk": {"headcount": 1}},
        "steps": {"serve": step},
        "ends": {"won": {"success": True}},
    }


SHORT = Scenario(horizon_days=10, warmup_days=2, replications=5)


def test_more_cases_won_of_the_same_demand_stays_better():
    """A second clerk keeps impatient cases from giving up: more of the window's arrivals are
    won, and that is a real gain in throughput, not the window's edges."""
    model = from_dict(_one_queue(work=0.9, patience=2.0))
    tables = {n: t for n, (t, _) in _tables(model, SHORT, {"1": {}, "2": {"clerk": 2}}).items()}
    comparison = compare_scenarios(tables, baseline="1", paired=True)
    won = tables["2"]["cases_completed"] - tables["1"]["cases_completed"]
    assert (won > 0).all()
    row = _row(comparison, "2", "throughput_per_week")
    assert row["verdict"] == "better" and row["note"] == ""


def test_a_growing_backlog_is_capacity_not_an_edge():
    """One clerk offered 1.3 times the hours he works falls further behind all the window: a
    drained run wins the same cases in the end, but a second clerk's higher throughput is the
    capacity the first lacks, which grows with the window: it stays "better"."""
    model = from_dict(_one_queue(work=1.3))
    tables = {n: t for n, (t, _) in _tables(model, SHORT, {"1": {}, "2": {"clerk": 2}}).items()}
    assert tables["1"]["cases_completed"].tolist() == tables["2"]["cases_completed"].tolist()
    assert (tables["1"]["wip_change"] > 0).all()  # the backlog grows
    comparison = compare_scenarios(tables, baseline="1", paired=True)
    assert _row(comparison, "2", "throughput_per_week")["verdict"] == "better"


def _table(throughput, won, wip_change=(0.1, -0.2, 0.05, -0.1), weeks=5.0) -> pd.DataFrame:
    arrived = np.full(len(throughput), 250.0)  # the same demand: 50 a week over the window
    return pd.DataFrame(
        {
            "throughput_per_week": np.asarray(throughput, dtype=float),
            "cases_completed": np.asarray(won, dtype=float),
            "wip_change": np.asarray(wip_change, dtype=float)[: len(throughput)],
            "cases_arrived": arrived,
            "arrivals_per_week": arrived / weeks,
        }
    )


def test_the_rule_judges_only_the_same_demand_and_window():
    """A changed arrival volume or measurement keeps ``changed``; a table of an older version
    without ``cases_completed`` keeps its verdict; the window's won arrivals within noise
    give the edge verdict with their change in the note, and independent samples too."""
    base = _table([20.0, 21.0, 19.0, 20.5], [100, 105, 95, 102])
    alt = _table([19.0, 20.2, 18.1, 19.4], [101, 104, 96, 102])  # throughput down, won not
    tables = {"base": base, "alt": alt}
    edge = _row(
        compare_scenarios(tables, baseline="base", paired=True), "alt", "throughput_per_week"
    )
    assert edge["verdict"] == WINDOW_EDGE
    assert "won 100.8 times a replication against the baseline's 100.5 (+0.25 [" in edge["note"]
    assert edge["note"].split("], ")[1].startswith("within noise)")
    for extra in ({"volume_differs": {"alt"}}, {"measured_otherwise": {"alt"}}):
        row = _row(
            compare_scenarios(tables, baseline="base", paired=True, **extra),
            "alt",
            "throughput_per_week",
        )
        assert row["verdict"] == "changed" and row["note"] == ""
    older = {k: t.drop(columns="cases_completed") for k, t in tables.items()}
    row = _row(compare_scenarios(older, baseline="base", paired=True), "alt", "throughput_per_week")
    assert row["verdict"] == "worse"
    # independent samples (Welch): the same rule
    steady = {
        "base": base.assign(
            throughput_per_week=[20.0, 20.1, 19.9, 20.05], cases_completed=[100, 101, 99, 100]
        ),
        "alt": alt.assign(
            throughput_per_week=[19.0, 19.1, 18.95, 19.05], cases_completed=[100, 100, 100, 101]
        ),
    }
    row = _row(
        compare_scenarios(steady, baseline="base", paired=False), "alt", "throughput_per_week"
    )
    assert row["significant"] and row["verdict"] == WINDOW_EDGE and not row["paired"]
    # fewer won too, significantly: a real loss, "worse"
    lost = _table([19.0, 20.2, 18.1, 19.4], [96, 101, 90, 98])
    row = _row(
        compare_scenarios({"base": base, "alt": lost}, baseline="base", paired=True),
        "alt",
        "throughput_per_week",
    )
    assert row["verdict"] == "worse"


def test_a_loss_of_won_cases_that_is_only_not_significant_is_no_edge_effect():
    """QA confirmedge18: with 3 replications a team that lost 9, 24 and 25 of its window's won
    cases (throughput -4.6 a week over 6 weeks) is not significantly worse on won cases (2
    degrees of freedom), and read as a window edge. The won cases' interval must show they
    explain under half of the throughput change; here it cannot: a real loss, "worse"."""
    wip = (0.1, -0.2, 0.05)
    base = _table([35.0, 36.5, 35.8], [200, 210, 205], wip_change=wip, weeks=6.0)
    alt = _table([30.6, 31.6, 31.3], [191, 186, 180], wip_change=wip, weeks=6.0)
    row = _row(
        compare_scenarios({"base": base, "alt": alt}, baseline="base", paired=True),
        "alt",
        "throughput_per_week",
    )
    won = matched_comparison(base, alt, ["cases_completed"]).loc["cases_completed"]
    assert row["significant"] and not won["significant"]  # the case the old rule misread
    assert row["verdict"] == "worse" and row["note"] == ""
