"""The words beside a change say what its ablation row and the pruning table say (QA: "Simplify
'solution_proposal' — ablation: no effect detectable with 10 paired replications on any
objective" beside a row whose unadjusted intervals excluded 0 on all three objectives, marked °,
and a pruning table where the redesign without it was +14.17 h [+6.61, +21.74] slower)."""

from __future__ import annotations

import pandas as pd

from sim.optimize import Objective
from sim.optimize.confirm import Candidate
from sim.optimize.outputs import recommendations_markdown

THREE = (Objective("cycle_time_mean"), Objective("dropoff_rate"), Objective("cost_per_case"))
SIMPLIFY = "Simplify 'solution_proposal' so it takes 70% of its time (one-off cost 9,000)"
ONBOARD = "Simplify 'onboarding' so it takes 90% of its time (one-off cost 2,500)"


def _v(improvement: float, ci: tuple[float, float], sig: bool, sig_adj: bool) -> dict:
    return {
        "improvement": improvement,
        "ci_low": ci[0],
        "ci_high": ci[1],
        "significant": sig,
        "significant_adjusted": sig_adj,
        "p_value": 0.01 if sig else 0.5,
        "p_adjusted": 0.2 if sig else 1.0,
    }


def _row(variable: str, change: str, contribution: dict) -> dict:
    return {
        "variable": variable,
        "value": 0.7,
        "change": change,
        "contribution": contribution,
        "comparisons": 27,
        "replications": 10,
        "role": "noise",
    }


def _comparison() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "base": [104.7, 0.567, 1258.0],
            "alt": [58.4, 0.566, 1162.0],
            "diff": [-46.3, -0.001, -96.0],
            "ci_low": [-57.3, -0.009, -101.3],
            "ci_high": [-35.4, 0.008, -89.0],
            "relative": [-0.44, -0.001, -0.076],
            "significant": [True, False, True],
            "p_value": [1e-5, 0.9, 1e-6],
            "p_adjusted": [1e-4, 1.0, 1e-5],
            "significant_adjusted": [True, False, True],
        },
        index=[o.kpi for o in THREE],
    )


def _candidate(pruning: list[dict]) -> Candidate:
    """The QA's #1: 'solution_proposal' rated noise only after Holm (° on every objective),
    'onboarding' rated noise with no interval excluding 0."""
    simplify = _row(
        "simplify:solution_proposal",
        SIMPLIFY,
        {
            "cycle_time_mean": _v(6.67, (1.85, 11.49), True, False),
            "dropoff_rate": _v(0.0053, (0.0016, 0.0090), True, False),
            "cost_per_case": _v(-0.12, (-0.21, -0.04), True, False),
        },
    )
    onboard = _row(
        "simplify:onboarding",
        ONBOARD,
        {o.kpi: _v(0.1, (-0.2, 0.4), False, False) for o in THREE},
    )
    return Candidate(
        trial=4,
        choice={"simplify:solution_proposal": 0.7, "simplify:onboarding": 0.9},
        changes=[SIMPLIFY, ONBOARD],
        one_off_cost=11500.0,
        search_values=[0.0, 0.0, 0.0],
        rank=1,
        search_rank=1,
        verdict="better",
        comparison=_comparison(),
        ablation=[simplify, onboard],
        pruning=pruning,
    )


def _markdown(c: Candidate) -> str:
    return recommendations_markdown(
        model_name="crm",
        candidates=[c],
        baseline=pd.DataFrame({"cycle_time_mean": [104.7]}),
        objectives=THREE,
        constraints=(),
        confirm_replications=10,
        n_trials=16,
        simulations=200,
    )


def _line(md: str, change: str) -> str:
    return next(ln for ln in md.splitlines() if ln.startswith(f"- {change} —"))


def test_noise_only_after_holm_is_not_called_no_effect():
    md = _markdown(_candidate([]))
    line = _line(md, SIMPLIFY)
    assert "no effect detectable" not in line
    assert "no effect significant after Holm's adjustment over the ablation's 27 tests" in line
    # what the ° intervals show, in the words of the table: without it, slower and more
    # drop-offs, a little cheaper per case
    assert "the redesign without it did worse on mean cycle time and drop-off rate" in line
    assert "better on cost per case" in line
    assert "° below" in line
    # the table still marks them °, and says what noise means there
    row = next(ln for ln in md.splitlines() if ln.startswith(f"| {SIMPLIFY} |"))
    assert row.count("°") == 3 and row.endswith("| noise |")
    assert "noise = no effect significant after the adjustment" in md
    # a change with no interval excluding 0 keeps the plain words
    assert "no effect detectable with 10 paired replications on any objective" in _line(md, ONBOARD)


def test_a_change_pruning_kept_says_what_the_confirmation_showed():
    """Pruning confirmed the redesign without it: significantly slower, so it stays; the line
    says so instead of leaving "no effect" beside a table that shows +14 h."""
    kept = {
        "pass": "noise at a one-off cost",
        "adopted": False,
        "dropped": [
            {"variable": "simplify:solution_proposal", "value": 0.7, "change": SIMPLIFY,
             "role": "noise", "one_off_saving": 9000.0},
        ],
        "worse_on": ["cycle_time_mean"],
        "better_on": [],
        "reason": "the redesign is significantly worse than with them on cycle_time_mean",
        "versus_kept": {
            "cycle_time_mean": {"base": 58.4, "alt": 72.6, "diff": 14.17, "ci_low": 6.61,
                                "ci_high": 21.74, "relative": 0.243, "significant": True},
        },
    }  # fmt: skip
    md = _markdown(_candidate([kept]))
    line = _line(md, SIMPLIFY)
    assert "no effect detectable" not in line
    assert (
        "the redesign without it did not hold up once confirmed (without it alone, the redesign "
        "is significantly worse on mean cycle time; below), so it stays." in line
    )
    assert "| mean cycle time | 58.4 h | 72.6 h | +14.17 (+24.3 %) [+6.61, +21.74] | yes |" in md
    # the pruning heading does not call it an effect the ablation could not detect either
    assert "could not detect" not in md
    assert "**Tried without the change the ablation rated noise (no effect significant" in md
