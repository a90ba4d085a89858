"""After the search: pick candidates, confirm them with more replications, and ablate them.

* **Candidates** are the feasible Pareto-optimal trials (multi-objective) or the best trials
  (single objective), one per distinct redesign, ranked by their mean relative improvement over
  the baseline across the objectives.
* **Confirmation** re-simulates each candidate and the baseline with ``confirm_replications``
  paired replications (common random numbers) and reports, per objective, the improvement and its
  95 % confidence interval. A candidate is ``better`` when at least one objective improves
  significantly and none gets significantly worse, ``trade-off`` when some improve and some get
  worse, ``within noise`` when nothing changes significantly, ``worse`` otherwise.
* **Ablation** takes one change at a time out of a confirmed redesign and re-simulates it: the
  contribution of a change is how much each objective gets worse without it (paired, with a CI),
  so the analyst sees which change carries the gain and which is noise or harm.
* **Ranking** after confirmation: recommended candidates (``better``, then ``trade-off``, and
  within the constraints) come first; the others are listed as tried, not recommended.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import optuna
import pandas as pd
from optuna.trial import FrozenTrial, TrialState

from sim.errors import RedesignRefused
from sim.kpis import paired_comparison
from sim.optimize.evaluate import Evaluator
from sim.optimize.objectives import Constraint, Objective, derived_value

COMPARED = (
    "cycle_time_mean",
    "cycle_time_p90",
    "dropoff_rate",
    "cost_per_case",
    "throughput_per_week",
    "utilisation_max",
)


@dataclass
class Candidate:
    """A redesign chosen by the search, with its confirmation and ablation."""

    trial: int
    choice: dict[str, Any]
    changes: list[str]
    one_off_cost: float
    search_values: list[float]
    rank: int = 0
    verdict: str = ""
    feasible: bool = True
    search_rank: int = 0  # the rank the search gave it, before confirmation re-ranked it
    comparison: pd.DataFrame | None = None  # per KPI: base, alt, diff, CI, significant
    ablation: list[dict[str, Any]] = field(default_factory=list)  # of the redesign as found
    # the last step (``sim.optimize.prune``): each redesign without the changes the ablation
    # rated harm (or noise at a one-off cost), confirmed against this one
    pruning: list[dict[str, Any]] = field(default_factory=list)
    # when a pruned redesign replaced the search's: that redesign as the search found it
    original: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        comp = comparison_dict(self.comparison)
        return {
            "rank": self.rank,
            "search_rank": self.search_rank,
            "trial": self.trial,
            "verdict": self.verdict,
            "feasible": self.feasible,
            "recommended": is_recommended(self),
            "changes": self.changes,
            "choice": self.choice,
            "one_off_cost": self.one_off_cost,
            "search_values": self.search_values,
            "comparison": comp,
            "ablation": self.ablation,
            "pruning": self.pruning,
            "original": self.original,
        }


def comparison_dict(comparison: pd.DataFrame | None) -> dict[str, dict[str, Any]] | None:
    """A paired comparison table as JSON-ready ``{kpi: {base, alt, diff, ci_low, ...}}``."""
    if comparison is None:
        return None
    return {k: {c: _py(v) for c, v in row.items()} for k, row in comparison.iterrows()}


def _py(v: Any) -> Any:
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _feasible(t: FrozenTrial) -> bool:
    return all(c <= 0 for c in t.user_attrs.get("constraints", []))


def _choice_of(trial: FrozenTrial) -> dict[str, Any]:
    return dict(trial.params)


def select_candidates(
    study: optuna.Study,
    evaluator: Evaluator,
    objectives: Sequence[Objective],
    *,
    top_k: int,
    baseline_values: Sequence[float],
) -> list[Candidate]:
    """Feasible Pareto-optimal (or best) trials, one per distinct redesign, best first."""
    done = [
        t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)) if _feasible(t)
    ]
    if len(objectives) > 1:
        front_numbers = {t.number for t in _pareto(done, objectives)}
        pool = [t for t in done if t.number in front_numbers]
    else:
        pool = list(done)

    def gain(t: FrozenTrial) -> float:
        total = 0.0
        for o, v, b in zip(objectives, t.values, baseline_values, strict=True):
            scale = abs(b) if b else 1.0
            total += (b - v) * o.sign / scale
        return total / len(objectives)

    pool.sort(key=gain, reverse=True)
    seen: set[str] = set()
    out: list[Candidate] = []
    for t in pool:
        key = evaluator.key(_choice_of(t))
        if key in seen or key == evaluator.key({}):
            continue
        seen.add(key)
        out.append(
            Candidate(
                trial=t.number,
                choice=_choice_of(t),
                changes=list(t.user_attrs.get("changes", [])),
                one_off_cost=float(t.user_attrs.get("one_off_cost", 0.0)),
                search_values=list(t.values),
            )
        )
        if len(out) >= top_k:
            break
    for i, c in enumerate(out, start=1):
        c.rank = c.search_rank = i
    return out


def _pareto(trials: list[FrozenTrial], objectives: Sequence[Objective]) -> list[FrozenTrial]:
    def key(t: FrozenTrial) -> list[float]:
        return [v * o.sign for v, o in zip(t.values, objectives, strict=True)]

    pts = [(t, key(t)) for t in trials]
    front = []
    for t, p in pts:
        dominated = any(
            all(a <= b for a, b in zip(q, p, strict=True))
            and any(a < b for a, b in zip(q, p, strict=True))
            for _, q in pts
        )
        if not dominated:
            front.append(t)
    return front


def verdict(comparison: pd.DataFrame, objectives: Sequence[Objective]) -> str:
    """``better``, ``trade-off``, ``within noise`` or ``worse`` from a paired comparison."""
    better = worse = 0
    for o in objectives:
        row = comparison.loc[o.kpi]
        if not row["significant"]:
            continue
        if row["diff"] * o.sign < 0:
            better += 1
        else:
            worse += 1
    if better and not worse:
        return "better"
    if better and worse:
        return "trade-off"
    if worse:
        return "worse"
    return "within noise"


VERDICT_ORDER = {"better": 0, "trade-off": 1, "within noise": 2, "worse": 3}


def is_recommended(candidate: Candidate) -> bool:
    """Whether a confirmed candidate may be recommended: ``better`` than today or a genuine
    ``trade-off``, and within the constraints once confirmed."""
    return candidate.feasible and candidate.verdict in ("better", "trade-off")


def rank_confirmed(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Re-rank confirmed candidates and renumber them 1..n.

    Recommended ones first, ``better`` before ``trade-off``; then the others (``within noise``,
    then ``worse``; a candidate that breaks a constraint once confirmed after a feasible one of
    the same verdict). Ties keep the search's order (``search_rank``).
    """
    order = sorted(
        candidates,
        key=lambda c: (
            not is_recommended(c),
            VERDICT_ORDER.get(c.verdict, len(VERDICT_ORDER)),
            not c.feasible,
            c.search_rank or c.rank,
        ),
    )
    for i, c in enumerate(order, start=1):
        c.search_rank = c.search_rank or c.rank
        c.rank = i
    return order


def confirm(
    candidates: list[Candidate],
    evaluator: Evaluator,
    objectives: Sequence[Objective],
    constraints: Sequence[Constraint],
    *,
    replications: int,
) -> pd.DataFrame:
    """Re-simulate baseline and candidates with ``replications`` paired replications.

    Fills each candidate's ``comparison``, ``verdict`` and ``feasible``; returns the baseline's
    KPI table.
    """
    base = evaluator.table({}, replications)
    for c in candidates:
        c.comparison = compare_redesigns(
            evaluator, objectives, ({}, 0.0), (c.choice, c.one_off_cost), replications=replications
        )
        c.verdict = verdict(c.comparison, objectives)
        c.feasible = not broken_constraints(
            evaluator, c.choice, c.one_off_cost, constraints, replications=replications
        )
    return base


def compare_redesigns(
    evaluator: Evaluator,
    objectives: Sequence[Objective],
    first: tuple[Mapping[str, Any], float],
    second: tuple[Mapping[str, Any], float],
    *,
    replications: int,
) -> pd.DataFrame:
    """Paired comparison ``second - first`` of two redesigns (``(choice, one_off_cost)``; the
    baseline is ``({}, 0.0)``) over replications ``0..replications-1`` (common random numbers):
    the objectives, the headline KPIs and waiting per step (for the redesign diff map)."""
    a = _with_derived(evaluator.table(first[0], replications), one_off_cost=first[1])
    b = _with_derived(evaluator.table(second[0], replications), one_off_cost=second[1])
    waiting = sorted({k for k in (*a.columns, *b.columns) if k.startswith("waiting_mean:")})
    kpis = list(dict.fromkeys([o.kpi for o in objectives] + list(COMPARED) + waiting))
    return paired_comparison(a, b, [k for k in kpis if k in a and k in b])


def broken_constraints(
    evaluator: Evaluator,
    choice: Mapping[str, Any],
    one_off_cost: float,
    constraints: Sequence[Constraint],
    *,
    replications: int,
) -> list[Constraint]:
    """The constraints a redesign's means over ``replications`` replications break."""
    table = _with_derived(evaluator.table(choice, replications), one_off_cost=one_off_cost)
    means = {k: float(table[k].mean()) for k in table.columns if k != "replication"}
    return [cn for cn in constraints if cn.violation(derived_value(means, cn.kpi)) > 0]


def _with_derived(table: pd.DataFrame, *, one_off_cost: float) -> pd.DataFrame:
    """``table`` plus ``utilisation_max`` and ``one_off_cost`` columns, joined in one go (not
    inserted one at a time, which pandas warns about on a wide table)."""
    extra = pd.DataFrame(
        {"utilisation_max": _util_max(table), "one_off_cost": float(one_off_cost)},
        index=table.index,
    )
    return pd.concat([table.drop(columns=list(extra.columns), errors="ignore"), extra], axis=1)


def _util_max(table: pd.DataFrame) -> pd.Series:
    cols = [c for c in table.columns if c.startswith("utilisation:")]
    return table[cols].max(axis=1) if cols else pd.Series(float("nan"), index=table.index)


def ablate(
    candidate: Candidate,
    evaluator: Evaluator,
    objectives: Sequence[Objective],
    *,
    replications: int,
) -> list[dict[str, Any]]:
    """Contribution of each change: the redesign without it vs the full redesign (paired).

    ``contribution[kpi]`` is the loss when the change is taken out, expressed as an improvement
    (positive = the change helps that objective).
    """
    space = evaluator.space
    full = evaluator.table(candidate.choice, replications)
    active = space.active(candidate.choice)
    baseline = space.baseline()
    rows: list[dict[str, Any]] = []
    for name, value in active.items():
        without = dict(candidate.choice) | {name: baseline[name]}
        sentence = space.describe({name: value})
        entry: dict[str, Any] = {
            "variable": name,
            "value": value,
            "change": sentence[0] if sentence else name,
        }
        try:
            space.check(without)
            evaluator.redesigned(without)
        except RedesignRefused as exc:
            entry["refused"] = f"cannot be taken out alone: {exc}"
            rows.append(entry)
            continue
        alt = evaluator.table(without, replications)
        comp = paired_comparison(full, alt, [o.kpi for o in objectives if o.kpi in full])
        contrib = {}
        for o in objectives:
            if o.kpi not in comp.index:
                continue
            r = comp.loc[o.kpi]
            # without - full, sign-adjusted: positive means taking the change out makes it worse
            lo, hi = sorted((r["ci_low"] * o.sign, r["ci_high"] * o.sign))
            contrib[o.kpi] = {
                "improvement": _py(r["diff"] * o.sign),
                "ci_low": _py(lo),
                "ci_high": _py(hi),
                "significant": bool(r["significant"]),
            }
        helps = [v["significant"] and v["improvement"] > 0 for v in contrib.values()]
        harms = [v["significant"] and v["improvement"] < 0 for v in contrib.values()]
        entry["contribution"] = contrib
        entry["role"] = (
            "carries gain"
            if any(helps) and not any(harms)
            else "trade-off"
            if any(helps)
            else "harm"
            if any(harms)
            else "noise"
        )
        rows.append(entry)
    candidate.ablation = rows
    return rows
