"""recommendations.md shows the user's names as text (QA sec15: "busiest role: <img src=x
onerror=alert(9)>" was written verbatim, so a Markdown viewer ran it as HTML, and a ``|`` in a
name added a table column)."""

from __future__ import annotations

import re

import pandas as pd

from sim.optimize import Objective
from sim.optimize.confirm import Candidate
from sim.optimize.objectives import Constraint
from sim.optimize.outputs import recommendations_markdown

IMG = "<img src=x onerror=alert(9)>"
STEP_KPI = "waiting_mean:<i>rev|iew</i>"
OBJECTIVES = (Objective("cycle_time_mean"), Objective(STEP_KPI))
CHANGE = "Simplify '<script>alert(1)</script> a|b' so it takes 70% of its time"
PLAIN = "Merge 'intake' and 'triage'"


def _candidate() -> Candidate:
    comparison = pd.DataFrame(
        {"base": [10.0, 2.0], "alt": [8.0, 1.0], "diff": [-2.0, -1.0], "ci_low": [-3.0, -1.5],
         "ci_high": [-1.0, -0.5], "relative": [-0.2, -0.5], "significant": [True, True]},
        index=[o.kpi for o in OBJECTIVES],
    )  # fmt: skip
    effect = {"improvement": 1.0, "ci_low": 0.5, "ci_high": 1.5, "significant": True}
    ablation = [
        {"variable": "simplify:x", "change": CHANGE, "role": "helps", "comparisons": 4,
         "contribution": {o.kpi: effect for o in OBJECTIVES}},
        {"variable": "merge:y", "change": PLAIN, "refused": "no model <b>|</b>"},
    ]  # fmt: skip
    return Candidate(
        trial=3, choice={}, changes=[CHANGE, PLAIN], one_off_cost=0.0, search_values=[8.0, 1.0],
        rank=1, search_rank=1, verdict="better", comparison=comparison, ablation=ablation,
    )  # fmt: skip


def _markdown() -> str:
    return recommendations_markdown(
        model_name="m`x<y>",
        candidates=[_candidate()],
        baseline=pd.DataFrame(
            {"cycle_time_mean": [10.0], STEP_KPI: [2.0], f"utilisation:{IMG}": [1.0]}
        ),
        objectives=OBJECTIVES,
        constraints=(Constraint("utilisation_max", high=0.9),),
        confirm_replications=4,
        n_trials=3,
        simulations=12,
        warnings=["warning: <b>3 cases</b> still in progress"],
    )


def test_names_in_recommendations_are_text_not_html():
    md = _markdown()
    heading, _, body = md.partition("\n")
    # the model's name in a code span whose fence is longer than its backtick
    assert heading == "# Redesigns for ``m`x<y>``"
    for tag in ("<img", "<script", "<i>", "<b>", "</"):
        assert tag not in body, tag
    assert (
        "breaks the constraints: utilisation_max 1 (busiest role: "
        "&lt;img src=x onerror=alert(9)&gt;), where <= 0.9 is required." in body
    )
    assert "Constraints: utilisation_max <= 0.9." in body  # a bound stays as it is
    assert "**warning: &lt;b&gt;3 cases&lt;/b&gt; still in progress**" in body
    shown = "Simplify '&lt;script&gt;alert(1)&lt;/script&gt; a\\|b' so it takes 70% of its time"
    assert f"- {shown}" in body
    assert f"- {PLAIN}" in body  # an ordinary name is unchanged


def test_a_pipe_in_a_name_adds_no_table_column():
    blocks = [b.splitlines() for b in _markdown().split("\n\n")]
    tables = [b for b in blocks if b and all(ln.startswith("|") for ln in b)]
    assert len(tables) == 2  # the comparison with today and the ablation
    for table in tables:
        columns = {len(re.findall(r"(?<!\\)\|", ln)) for ln in table}
        assert len(columns) == 1, table
    cells = "\n".join(ln for table in tables for ln in table)
    assert "| waiting_mean:&lt;i&gt;rev\\|iew&lt;/i&gt; |" in cells  # the step KPI: one cell
    assert "| no model &lt;b&gt;\\|&lt;/b&gt; |" in cells
