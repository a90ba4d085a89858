"""With ``one_off_cost`` an objective, the ablation table gives each change's one-off cost, which
is known without simulating (QA cost17 #6: the column read "-" for every change, while "Staff
clerk with 3 people (one-off cost 3,000)" added 3,000 to that objective)."""

from __future__ import annotations

from sim.model.scenario import Scenario
from sim.optimize import Objective
from sim.redesign import SearchSpace
from tests.optimize.conftest import (
    confirmed_and_ablated,
    one_candidate_markdown,
    tiny_with_slow_intake_and_spare,
)

OBJECTIVES = (Objective("cycle_time_mean"), Objective("one_off_cost"))
SCENARIO = Scenario(horizon_days=3, warmup_days=0.5)
CHOICE = {"staffing:clerk": 3, "staffing:spare": 2}
REPS = 4


def _table_cells(md: str) -> dict[str, list[str]]:
    """The ablation table's rows by change: its cells after the change."""
    head = "| change | mean cycle time | one-off cost | role |"
    lines = md.splitlines()
    start = lines.index(head) + 2
    rows = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


def test_each_changes_one_off_cost_is_in_its_column() -> None:
    model = tiny_with_slow_intake_and_spare()
    space = SearchSpace.from_dict(
        {
            "model": "tiny",
            "budget": 10000,
            "staffing": {
                "clerk": {"min": 1, "max": 3, "one_off_cost_per_hire": 100},
                "spare": {"min": 1, "max": 2, "one_off_cost_per_hire": 250},
            },
        },
        model,
    )
    c, base, _ = confirmed_and_ablated(model, space, CHOICE, OBJECTIVES, SCENARIO, REPS)
    # each change's own one-off cost, from the search space
    own = {space.describe({k: v})[0]: space.one_off_cost({k: v}) for k, v in CHOICE.items()}
    assert sorted(own.values()) == [200.0, 250.0]  # two clerks hired at 100, a spare at 250
    assert {a["change"]: a["one_off_cost"] for a in c.ablation} == own
    md = one_candidate_markdown(c, base, OBJECTIVES, REPS, simulations=3 * REPS)
    rows = _table_cells(md)
    for change, cost in own.items():
        # positive = the change helps: a one-off cost is what it costs that objective
        assert rows[change][1] == f"{-cost:+,.0f} (known)", change
    assert "one-off cost: known, the change's own, with no interval and no test" in md
