"""The optimizer's confirmation judges throughput like ``compare`` does: a significant change of
the window's edges is neither better nor worse (QA plots18 #4 in the optimizer: a second legal
person read as less throughput in the search's own confirmation).

Throughput counts the successful completions inside the measurement window, whenever their case
arrived; a faster team under the same demand finishes warm-up cases before the window opens and
leaves fewer open at its end, a one-off shift (``sim.kpis.compare.window_edge_note``). With
throughput an objective, the confirmation counted that shift as a loss of the redesign.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.kpis.compare import WINDOW_EDGE, window_edge_note
from sim.model import load
from sim.model.scenario import Scenario
from sim.optimize.confirm import Candidate, confirm, verdict, window_edge
from sim.optimize.evaluate import Evaluator
from sim.optimize.objectives import Objective
from sim.redesign import SearchSpace
from tests.optimize.conftest import one_candidate_markdown

ROOT = Path(__file__).resolve().parents[2]
THROUGHPUT = Objective("throughput_per_week", "maximize")
CYCLE = Objective("cycle_time_mean")
REPLICATIONS = 3  # the QA sweep's three replications of the default window (14 + 42 days)


@pytest.fixture(scope="module")
def confirmed():
    """The bundled CRM, a search space of legal staff, and the candidate 'two legal people'
    confirmed against today on replications 0-2 (throughput and cycle time the objectives)."""
    model = load(ROOT / "configs/process/crm_sales.yaml")
    space = SearchSpace.from_dict(
        {"model": "crm_sales", "budget": 0, "staffing": {"legal": {"min": 1, "max": 2}}}, model
    )
    objectives = [THROUGHPUT, CYCLE]
    with Evaluator(model=model, space=space, scenario=Scenario(), seed=0, workers=1) as ev:
        choice = {"staffing:legal": 2}
        cand = Candidate(
            trial=1,
            choice=choice,
            changes=space.describe(choice),
            one_off_cost=0.0,
            search_values=[0.0, 0.0],
            rank=1,
            search_rank=1,
        )
        base = confirm([cand], ev, objectives, (), replications=REPLICATIONS, start=0)
        alt = ev.table(choice, REPLICATIONS, start=0)
    return cand, base, alt, objectives


def test_a_throughput_change_of_the_window_edges_is_no_verdict(confirmed):
    cand, base, alt, objectives = confirmed
    # the premise: the same cases arrived and the same were won, replication by replication
    assert base["cases_arrived"].tolist() == alt["cases_arrived"].tolist()
    assert base["cases_completed"].tolist() == alt["cases_completed"].tolist()
    row = cand.comparison.loc["throughput_per_week"]
    assert row["significant"] and row["diff"] < 0  # fewer completions inside the window
    # the reason is sim.kpis.compare's, word for word (one rule, not two)
    assert window_edge(row) == window_edge_note(base, alt, float(row["diff"]), paired=True)
    assert window_edge(row).startswith("the cases that arrived in the window were won as often")
    # no other row carries one
    assert (cand.comparison.drop(index="throughput_per_week")["window_edge"] == "").all()
    # the verdict judges cycle time alone: what it says of the rows without throughput
    assert cand.verdict == verdict(cand.comparison.loc[["cycle_time_mean"]], [CYCLE])
    assert cand.verdict == "within noise"  # cycle time -3.2 h, not significant after Holm
    # confirmation.json keeps the reason beside the test
    assert cand.to_dict()["comparison"]["throughput_per_week"]["window_edge"] == window_edge(row)


def test_recommendations_say_window_edge_with_the_reason(confirmed):
    cand, base, _alt, objectives = confirmed
    md = one_candidate_markdown(
        cand, base, objectives, REPLICATIONS, model_name="crm_sales", n_trials=2
    )
    line = next(x for x in md.splitlines() if x.startswith("| throughput |"))
    assert line.endswith(f"; {WINDOW_EDGE}: neither better nor worse |")
    reason = window_edge(cand.comparison.loc["throughput_per_week"])
    assert f"({WINDOW_EDGE}: the throughput change is the measurement window's" in md
    assert reason in md
    # the candidate is judged on cycle time alone (within noise with these 3 replications),
    # and the reason it is not recommended names the window's edges, not a loss of throughput
    assert "### 1. Redesign from trial 1: within noise" in md
    assert (
        "Not recommended: its significant change of throughput is the measurement window's "
        f"edges ({WINDOW_EDGE}, below), neither better nor worse; no other objective changed "
        "significantly." in md
    )
    assert "worse than today" not in md


def test_the_verdict_skips_only_rows_with_a_reason():
    """A record of an older version (no ``window_edge`` column) and a row without a reason keep
    their verdict; a row with one counts as neither better nor worse."""
    rows = {
        "throughput_per_week": {"diff": -0.5, "base": 18.0, "significant": True},
        "cycle_time_mean": {"diff": -3.0, "base": 100.0, "significant": True},
    }
    older = pd.DataFrame.from_dict(rows, orient="index")
    assert verdict(older, [THROUGHPUT, CYCLE]) == "trade-off"
    assert verdict(older.assign(window_edge=""), [THROUGHPUT, CYCLE]) == "trade-off"
    edge = older.assign(window_edge=["the cases that arrived in the window were won ...", ""])
    assert verdict(edge, [THROUGHPUT, CYCLE]) == "better"
    assert verdict(edge, [THROUGHPUT]) == "within noise"
    # a record read back from confirmation.json: None where there is no reason
    assert window_edge({"window_edge": None}) == "" and window_edge({}) == ""
