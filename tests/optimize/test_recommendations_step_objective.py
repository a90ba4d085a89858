"""recommendations.md shows a step's or role's KPI in a candidate's evidence table when it is an
objective or a constraint, in its unit. QA: with ``waiting_mean:contract_review`` as an
objective, the table left it out (only confirmation.json and report.html had it), because every
KPI name holding ':' but a segment's was skipped."""

from __future__ import annotations

import pandas as pd

from sim.optimize import Candidate, Constraint, Objective
from sim.optimize.confirm import adjust_verdicts
from sim.optimize.outputs import recommendations_markdown

OBJECTIVES = (Objective("waiting_mean:contract_review"), Objective("cost_per_case"))
CONSTRAINTS = (Constraint("utilisation:legal", high=0.9),)


def _row(base: float, diff: float, p: float) -> dict[str, float]:
    return {"base": base, "alt": base + diff, "diff": diff, "ci_low": diff - 1.0,
            "ci_high": diff + 1.0, "n": 5, "relative": diff / base, "significant": p < 0.05,
            "p_value": p}  # fmt: skip


def _markdown() -> str:
    comparison = pd.DataFrame.from_dict(
        {
            "waiting_mean:contract_review": _row(16.7, -16.7, 0.001),
            "cost_per_case": _row(1335.0, -101.5, 0.0001),
            "cycle_time_mean": _row(89.2, -24.1, 0.0001),
            "utilisation:legal": _row(0.77, -0.2, 0.0001),
            "waiting_mean:signing": _row(3.0, -1.5, 0.0001),  # neither: in confirmation.json
        },
        orient="index",
    )
    c = Candidate(trial=5, choice={"remove:contract_review": True},
                  changes=["Remove 'contract_review'"], one_off_cost=0.0,
                  search_values=[0.0, 1234.0], rank=1, search_rank=1)  # fmt: skip
    c.comparison = comparison
    m = adjust_verdicts([c], OBJECTIVES)
    return recommendations_markdown(
        model_name="crm_sales",
        candidates=[c],
        baseline=pd.DataFrame({"cycle_time_mean": [89.2, 89.2]}),
        objectives=OBJECTIVES,
        constraints=CONSTRAINTS,
        confirm_replications=5,
        n_trials=16,
        simulations=100,
        comparisons=m,
    )


def test_a_step_objective_is_in_the_candidate_s_evidence_table():
    md = _markdown()
    rows = [line for line in md.splitlines() if line.startswith("| waiting_mean:contract_review")]
    assert len(rows) == 1
    # in hours, as the step's waiting is, with its Holm decision (an objective)
    assert rows[0].startswith("| waiting_mean:contract_review | 16.7 h | 0.0 h | -16.70")
    assert rows[0].endswith("| yes | yes (p = 0.001) |")  # Holm: max(2 x 0.0001, 0.001)


def test_a_role_constraint_is_shown_and_other_step_kpis_are_not():
    md = _markdown()
    legal = [line for line in md.splitlines() if line.startswith("| utilisation:legal")]
    assert legal == [legal[0]] and "| 77.0 % | 57.0 % |" in legal[0]
    assert legal[0].endswith("| yes | - |")  # a constraint: outside the Holm family
    assert "waiting_mean:signing" not in md
