"""Redesign search with Optuna (the only package that imports Optuna).

``optimize_redesign(SearchJob(...), run_dir=...)`` searches the redesigns of a
``sim.redesign.SearchSpace`` against KPI objectives and constraints, simulating every candidate
with the baseline's random numbers (paired differences), then re-runs the best ones with more
replications (confirmation with 95 % CIs) and takes their changes out one at a time (ablation);
a recommended redesign is then tried without the changes the ablation rates harm, and
recommended without them when confirmation bears that out (``prune``).
"""

from sim.optimize.confirm import (
    Candidate,
    ablate,
    confirm,
    is_recommended,
    rank_confirmed,
    select_candidates,
    verdict,
)
from sim.optimize.evaluate import Evaluator
from sim.optimize.interrupts import interrupt, routed
from sim.optimize.objectives import Constraint, Objective, parse_constraints, parse_objectives
from sim.optimize.pipeline import FollowUp, optimize_redesign
from sim.optimize.prune import prune
from sim.optimize.study import (
    SamplerSpec,
    SearchJob,
    SearchSettings,
    check_study,
    open_storage,
    run_search,
)

__all__ = [
    "Candidate",
    "Constraint",
    "Evaluator",
    "FollowUp",
    "Objective",
    "SamplerSpec",
    "SearchJob",
    "SearchSettings",
    "ablate",
    "check_study",
    "confirm",
    "interrupt",
    "is_recommended",
    "open_storage",
    "optimize_redesign",
    "parse_constraints",
    "parse_objectives",
    "prune",
    "rank_confirmed",
    "routed",
    "run_search",
    "select_candidates",
    "verdict",
]
