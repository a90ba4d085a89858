"""An unmeasured confirmation is not a broken constraint (QA rt27_engine F1): where
``scenario.max_cases`` is reached in the warm-up of every confirmation replication, nothing was
measured, so today's process and the candidates are "not measured" (the cap named as the cause,
with what to do), never said to break a constraint or to be worse than today."""

from __future__ import annotations

import json
import math
from collections import Counter

import pandas as pd

from sim.model.scenario import Scenario
from sim.optimize.objectives import Constraint, Objective
from sim.optimize.outputs import pareto_table, recommendations_markdown
from tests.simcli import QUICK_SEARCH, run_sim

OBJECTIVES = (Objective("cycle_time_mean"), Objective("headcount"))
UTILISATION = Constraint("utilisation_max", high=0.9)
FIX = "set scenario.warmup_days=0 or raise scenario.max_cases"


def test_undefined_constraint_kpis_of_replications_that_measured_nothing_are_not_judged():
    from sim.optimize.objectives import constraints_met, measured_nothing

    unmeasured = {"cases_arrived": math.nan, "headcount": 2.0, "utilisation:server": math.nan}
    measured = {"cases_arrived": 30.0, "headcount": 2.0, "utilisation:server": math.nan}
    assert measured_nothing(unmeasured) and not measured_nothing(measured)
    assert not measured_nothing({"headcount": 2.0})  # a table without the column: measured
    assert constraints_met(unmeasured, [UTILISATION]) is None
    # a value the scenario sets is judged all the same; so is one undefined in a measured run
    assert constraints_met(unmeasured, [UTILISATION, Constraint("headcount", high=1)]) is False
    assert constraints_met(unmeasured, [Constraint("headcount", high=2)]) is True
    assert constraints_met(measured, [UTILISATION]) is False
    table = pareto_table(
        [],
        OBJECTIVES,
        baseline_search={"cycle_time_mean": 1.4, "headcount": 2.0, "utilisation:server": 0.8},
        baseline_confirmed=unmeasured,
        constraints=[UTILISATION],
    )
    assert table["feasible"].isna().all()  # pareto.csv: empty, neither met nor broken


def test_an_all_pruned_run_whose_confirmation_measured_nothing_breaks_no_constraint():
    md = recommendations_markdown(
        model_name="mmc",
        candidates=[],
        baseline=pd.DataFrame(
            {
                "cases_arrived": [math.nan] * 2,
                "headcount": [2.0] * 2,
                "utilisation:server": math.nan,
            }
        ),
        objectives=OBJECTIVES,
        constraints=(UTILISATION,),
        confirm_replications=2,
        n_trials=4,
        simulations=6,
        search_replications=2,
        pruned=Counter({"an objective KPI is undefined (no case finished)": 4}),
        scenario=Scenario(horizon_days=7, warmup_days=1, max_cases=10),
    )
    assert "breaks the constraints" not in md and "undefined, where" not in md
    line = next(ln for ln in md.splitlines() if ln.startswith("Today's process"))
    assert "utilisation_max <= 0.9" in line and "not measured" in line
    assert "replications #2-#3 measured nothing" in line and "scenario.max_cases=10" in line
    assert FIX in line


def test_a_confirmation_that_measured_nothing_judges_no_candidate(tmp_path):
    """mmc, 24 cases: the search's replications #0-#1 measure some, the confirmation's #2-#3
    none (every case arrives in the warm-up); the optimizer's constraint utilisation_max <= 0.9
    is the bundled default."""
    run = tmp_path / "run"
    res = run_sim(
        "optimize",
        "process=mmc",
        *QUICK_SEARCH,
        "optimizer.objectives=[{kpi: cycle_time_mean},{kpi: headcount}]",
        "scenario.max_cases=24",
        "workers=1",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    md = (run / "recommendations.md").read_text(encoding="utf-8")
    for wrong in ("breaks the constraints", "breaks a constraint", "worse than today"):
        assert wrong not in md
    today = next(ln for ln in md.splitlines() if ln.startswith("Today's process"))
    assert "not measured" in today and "scenario.max_cases=24" in today and FIX in today
    assert "### 1. Redesign from trial 1: not judged" in md
    assert "Not recommended: it could not be judged: replications #2-#3 measured nothing" in md
    pareto = pd.read_csv(run / "pareto.csv")
    assert pareto["feasible"].isna().all()  # the report's star is then no "borderline" one
    assert (pareto.loc[~pareto["is_baseline"], "verdict"] == "not measured").all()
    assert not pareto["recommended"].any() and pareto["recommended"].notna().all()
    confirmation = json.loads((run / "confirmation.json").read_text(encoding="utf-8"))
    assert confirmation["baseline_confirmation"]["measured_replications"] == 0
    (candidate,) = confirmation["candidates"]
    assert candidate["feasible"] is None and candidate["measured_replications"] == 0
    assert candidate["recommended"] is False
