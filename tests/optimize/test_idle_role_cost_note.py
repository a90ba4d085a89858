"""The "Paid with no work" paragraph gives an idle role's cost per case as the ablation
measured it where the ablation has it, and says that any other amount is an estimate from the
model's arrival rate (QA cost17 #3: "clerk (1 person; ...; about 35.71 per case)", 2000 / 56
from the arrival rate, one paragraph above an ablation row measuring +35.85 for that person)."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.model.calendar import HOURS_PER_WEEK
from sim.model.process import ProcessModel
from sim.model.scenario import Scenario
from sim.optimize import Candidate, Objective
from sim.optimize.outputs import idle_roles
from tests.optimize.conftest import (
    clerk_and_spare_space,
    confirmed_and_ablated,
    one_candidate_markdown,
    tiny_with_slow_intake_and_spare,
)

OBJECTIVES = (Objective("cycle_time_mean"), Objective("cost_per_case"))
SCENARIO = Scenario(horizon_days=3, warmup_days=0.5)
# a second clerk (cases queue at one) and a second 'spare', a role no step uses: paid, no work
FOUND = {"staffing:clerk": 2, "staffing:spare": 2}
REPS = 4


@pytest.fixture(scope="module")
def measured():
    """The redesign FOUND confirmed and ablated on REPS replications: (candidate, baseline
    table, its model)."""
    model = tiny_with_slow_intake_and_spare()
    space = clerk_and_spare_space(model)
    return confirmed_and_ablated(model, space, FOUND, OBJECTIVES, SCENARIO, REPS)


def _markdown(c: Candidate, base: pd.DataFrame, model: ProcessModel) -> str:
    return one_candidate_markdown(
        c, base, OBJECTIVES, REPS, simulations=3 * REPS, models={1: model}, scenario=SCENARIO
    )


def test_the_idle_roles_cost_is_the_ablations_measured_figure(measured) -> None:
    c, base, model = measured
    assert c.verdict == "trade-off"  # recommended: it gets the paragraph
    (row,) = [a for a in c.ablation if a["variable"] == "staffing:spare"]
    # taking the hire out (spare back to 1) lowers the cost per case by one spare's pay
    one_person = -row["contribution"]["cost_per_case"]["improvement"]
    assert one_person > 0
    (idle,) = idle_roles(model, SCENARIO)
    assert idle["role"] == "spare" and idle["headcount"] == 2
    # the arrival-rate estimate differs from what these replications measured
    assert f"{idle['cost_per_case']:,.2f}" != f"{2 * one_person:,.2f}"
    md = _markdown(c, base, model)
    paragraph = next(x for x in md.splitlines() if x.startswith("**Paid with no work:**"))
    assert f"{2 * one_person:,.2f} per case, as the ablation below measured" in paragraph
    assert f"about {idle['cost_per_case']:,.2f}" not in paragraph
    assert f"saves {one_person:,.2f} per case, and the hire's one-off cost" in paragraph


def test_without_an_ablation_row_the_estimate_names_the_arrival_rate(measured) -> None:
    c, base, model = measured
    bare = Candidate(**{**c.__dict__, "ablation": []})
    md = _markdown(bare, base, model)
    paragraph = next(x for x in md.splitlines() if x.startswith("**Paid with no work:**"))
    (idle,) = idle_roles(model, SCENARIO)
    cases = HOURS_PER_WEEK / (model.arrivals.interarrival.mean() * model.time_factor)
    assert f"about {idle['cost_per_case']:,.2f} per case" in paragraph
    assert f"over the {cases:,.0f} cases a week its arrival rate brings" in paragraph
    assert "a measured cost per case divides by the cases measured" in paragraph
