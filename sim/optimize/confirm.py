"""After the search: pick candidates, confirm them with more replications, and ablate them.

* **Candidates** are the feasible Pareto-optimal trials (multi-objective) or the best trials
  (single objective), one per distinct redesign, ranked by their mean relative improvement over
  the baseline across the objectives.
* **Confirmation** re-simulates each candidate and the baseline with ``confirm_replications``
  *fresh* paired replications: indices ``start..start+confirm_replications-1`` with ``start`` past
  the search's (``optimizer.replications``), so the data that judge a candidate are not the data
  that picked it (which would favour whichever redesign was lucky in the search: the winner's
  curse), and the baseline gets the same fresh indices (common random numbers). Per objective it
  reports the improvement, its 95 % confidence interval and the paired t-test's p-value.
* **Multiple comparisons**: the confirmation tests every candidate on every objective, so the
  improvements are judged with Holm's step-down adjustment over that whole family
  (``adjust_family``; family-wise error rate 5 %), which also counts the versions pruning
  confirmed and did not report (``replaced_p_values``). A test whose paired differences are 0 in
  every replication (the objective identical with and without the redesign: a cost in a model
  without costs) is no test and is left out of every family (``family_p``). A candidate is ``better`` when at least one
  objective improves significantly after the adjustment and none is significantly worse at the
  unadjusted 95 % level (a possible harm is not given the benefit of the adjustment),
  ``trade-off`` when an adjusted improvement comes with such a worsening, ``within noise`` when
  nothing changes significantly, ``worse`` otherwise. The CIs shown are the unadjusted ones.
  An improvement smaller than ``NEGLIGIBLE_CHANGE`` of today's mean (or than that many units of
  a share) is negligible (``negligible``): significant or not, it counts as no improvement (QA:
  a third person for a step of 0.01 h saved 0.00004 h of 11.9, "better than today").
* **Nothing measured**: where every confirmation replication of today's process (or of a
  candidate) measured nothing (its cases all arrived in the warm-up: a ``scenario.max_cases``
  reached there), the candidate is ``NOT_MEASURED``, neither better nor worse, and its
  ``feasible`` None where a constraint's KPI is undefined for that reason alone
  (``constraints_met``): not measured is not broken (QA rt27_engine F1). So it is where only
  one replication measured something (``MIN_PAIRS``): no KPI the window measures has a test,
  and a verdict on the KPIs the scenario sets alone (a headcount) would be one on the cost of a
  redesign without its effect.
* **Partly measured**: where some confirmation replications measured nothing (or a KPI has no
  value on one side of some pairs: a step no case reached), a KPI is judged on the pairs with a
  value on both sides, ``n`` in its comparison row, and the candidate's ``judged_on`` gives that
  count per objective beside ``replications``, the confirmation's: recommendations.md says
  "judged on 4 of 9 paired replications". A test of fewer than ``MIN_PAIRS`` pairs is no test:
  no interval, no p-value, never significant, out of Holm's family.
* **Float rounding**: pairs equal up to float rounding (``sim.kpis.compare``'s rule:
  ``rounding_scales``, as ``matched_comparison`` applies it) are equal (``paired_changes``): a
  cost of 0.6 against 0.6000000000000001 in every replication is no change, not a significant
  worsening of 1.1e-16 (the paired t-test of a constant difference gives p = 0).
* **Window edge**: a significant throughput change that the cases arriving in the measurement
  window do not show (``sim.kpis.compare.window_edge_note``: they were won as often, the change
  is in the cases in progress at the window's start or end) is an effect of the window, not of
  the redesign: a faster team finishes warm-up cases before the window opens. Its row carries
  the reason (``window_edge``) and counts as neither better nor worse (``verdict``), its test
  staying in Holm's family (QA: more legal staff read as less throughput). The ablation, pruning
  (``sim.optimize.prune``) and dominance apply the same rule to the two redesigns they pair
  (``mark_window_edges``): such a change makes no change carry gain or harm, no smaller redesign
  worse or better, and no candidate dominate another.
* **Ablation** takes one change at a time out of a confirmed redesign and re-simulates it on the
  confirmation's replications: the contribution of a change is how much each objective gets worse
  without it (paired, with a CI), its role judged with Holm's adjustment over the ablation's
  tests, so the analyst sees which change carries the gain and which has no effect detectable
  with these replications ("noise": absence of evidence, not evidence of no effect) or harms.
  A throughput change of the window's edges (``window_edge`` in the contribution) counts as
  neither help nor harm: a faster team under the same demand shifts completions across the
  window's edges, it wins no more cases.
  A contribution under the negligible floor (``negligible`` in the contribution) counts as
  neither either, as against today: a change that buys 0.1 s of a 203 h cycle time is no gain.
  A change that cannot be taken out alone because a staffing change of the redesign needs it
  (the role it takes the work from staffed down to 0) is taken out with that staffing change,
  the role back at the model's headcount, and its row says so (``with``, ``together``).
* **Dominance** between recommended candidates (``mark_dominated``): their confirmation
  replications are the same (common random numbers), so two candidates' values are paired
  replication by replication (kept per candidate: ``Candidate.per_replication``). Candidate B is
  dominated by A only when A's mean is no worse on every objective *and* significantly better on
  at least one (paired t-test on the per-replication differences, Holm's adjustment over every
  pair of recommended candidates x objective). A lead on the means that the test does not bear
  out leaves B recommended, its record naming A as not distinguishable from it with these
  replications (``indistinguishable_from``). A throughput difference of the window's edges
  between the two (``window_edge``, judged on the window's columns kept per replication:
  ``WINDOW_EDGE_COLUMNS``) is neither a lead nor a lag, nor is a difference under the floor of a
  negligible improvement (``negligible_between``: ``NEGLIGIBLE_CHANGE`` of today's mean).
* **Ranking** after confirmation: recommended candidates (``better``, then ``trade-off``, within
  the constraints, and not dominated by another recommended one: ``mark_dominated``) come
  first; the others are listed as tried, not recommended.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna
import pandas as pd
from optuna.trial import FrozenTrial, TrialState

from sim.errors import RedesignRefused
from sim.kpis import holm, paired_comparison
from sim.kpis.compare import (
    NEGLIGIBLE_CHANGE,
    THROUGHPUT_KPIS,
    WINDOW_EDGE_COLUMNS,
    identical,
    matched_comparison,
    window_edge_note,
)
from sim.kpis.summary import measured_replications
from sim.kpis.units import kpi_unit
from sim.model.views import TARGET_UTILISATION, overloaded_roles
from sim.optimize.evaluate import Evaluator
from sim.optimize.objectives import Constraint, Objective, constraints_met, derived_value
from sim.redesign import SearchSpace
from sim.redesign.space import StaffingOption

ALPHA = 0.05
"""Family-wise error rate of the confirmation's tests (Holm), and the level of every CI shown."""

MIN_PAIRS = 2
"""The fewest paired replications a test is run on (``sim.kpis.paired_comparison``: one
difference has no spread, so no interval and no p-value); a candidate whose confirmation
measured fewer is not judged (``NOT_MEASURED``)."""

# ``NEGLIGIBLE_CHANGE`` (``sim.kpis.compare``, shared with the window-edge rule's backlog
# test): an improvement smaller than this share of today's mean (0.1 % of a time, a cost, a rate
# of cases) or, for a share KPI (stored as a fraction), than this many units of it (0.1
# percentage points) is negligible, and makes no redesign better than today, however
# significant (``negligible``, ``verdict``).
# ``WINDOW_EDGE_COLUMNS`` (``sim.kpis.compare``): the columns ``window_edge_note`` reads, kept
# per replication beside a candidate's objectives (``objective_replications``) so that two
# candidates are judged by the rule that judges one against today (``mark_dominated``).

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
    # None: not judged, the confirmation's replications measured nothing (``confirm``)
    feasible: bool | None = True
    search_rank: int = 0  # the rank the search gave it, before confirmation re-ranked it
    comparison: pd.DataFrame | None = None  # per KPI: base, alt, diff, CI, significant
    ablation: list[dict[str, Any]] = field(default_factory=list)  # of the redesign as found
    # the last step (``sim.optimize.prune``): each redesign without the changes the ablation
    # rated harm or noise, confirmed against this one
    pruning: list[dict[str, Any]] = field(default_factory=list)
    # when a pruned redesign replaced the search's: that redesign as the search found it
    original: dict[str, Any] | None = None
    # another recommended candidate at least as good on every objective's confirmed mean and
    # significantly better on one (paired, Holm-adjusted): its trial, the objectives it is
    # significantly better on, the p-values (``mark_dominated``)
    dominated_by: dict[str, Any] | None = None
    # recommended candidates whose confirmed means are no worse on any objective and better on
    # one, but not significantly: no difference detectable with these replications
    indistinguishable_from: list[dict[str, Any]] = field(default_factory=list)
    # the objectives' confirmed values per replication: ``{"replications": [indices], "values":
    # {kpi: [value per replication]}, "window": {column: [...]}}`` (``confirm``; paired with
    # every other candidate's; ``window``: ``WINDOW_EDGE_COLUMNS``, for the window-edge rule)
    per_replication: dict[str, Any] | None = None
    # roles whose work the redesign offers fills all their hours or more, with the share
    # (``sim.model.views.overloaded_roles``): queues grow with the horizon (``mark_overloaded``)
    overloaded: dict[str, float] = field(default_factory=dict)
    # the confirmation's replications that measured something on both sides (``confirm``):
    # with 0, every case arrived in the warm-up (a ``scenario.max_cases`` reached there), and
    # the verdict is ``NOT_MEASURED``; None before confirmation
    measured: int | None = None
    # the confirmation's paired replications (``confirm``); None before confirmation
    replications: int | None = None
    # per objective, the pairs its test was run on (``pairs_judged``: fewer than
    # ``replications`` where some measured nothing or had no value on one side)
    judged_on: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        comp = comparison_dict(self.comparison)
        return {
            "rank": self.rank,
            "search_rank": self.search_rank,
            "trial": self.trial,
            "verdict": self.verdict,
            "feasible": self.feasible,
            "measured_replications": self.measured,
            "replications": self.replications,
            "judged_on": self.judged_on,
            # the verdict's qualifier where it rests on fewer pairs (report.html's summary)
            "judged": judged_words(self) or None,
            "overloaded": {r: round(u, 4) for r, u in self.overloaded.items()},
            "recommended": is_recommended(self),
            "changes": self.changes,
            "choice": self.choice,
            "one_off_cost": self.one_off_cost,
            "search_values": self.search_values,
            "comparison": comp,
            "ablation": self.ablation,
            "pruning": self.pruning,
            "original": self.original,
            "dominated_by": self.dominated_by,
            "indistinguishable_from": self.indistinguishable_from,
            "per_replication": _py_nested(self.per_replication),
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


def _py_nested(v: Any) -> Any:
    """``_py`` through dicts and lists (NaN -> None)."""
    if isinstance(v, Mapping):
        return {k: _py_nested(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_py_nested(x) for x in v]
    return _py(v)


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
            if math.isnan(b):  # a step no baseline case reached: no gain to measure
                continue
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


def negligible(kpi: str, row: Mapping[str, Any] | pd.Series) -> bool:
    """Whether a paired comparison row's change (``diff``, against ``base``, today's mean) is
    smaller than ``NEGLIGIBLE_CHANGE`` of ``base`` (for a share KPI, ``%`` in
    ``sim.kpis.units``: than ``NEGLIGIBLE_CHANGE`` itself, 0.1 percentage points). False for
    no change at all, and when either is unknown."""
    diff, base = row.get("diff"), row.get("base")
    if diff is None or base is None or not (math.isfinite(diff) and math.isfinite(base)):
        return False
    floor = NEGLIGIBLE_CHANGE if kpi_unit(kpi) == "%" else NEGLIGIBLE_CHANGE * abs(base)
    return bool(0 < abs(diff) < floor)


def negligible_between(kpi: str, diff: Any, today: Any) -> bool:
    """Whether a difference ``diff`` between two redesigns (a redesign with and without one
    of its changes, or two candidates) is under the floor ``negligible`` puts under an
    improvement on today, ``today`` being today's mean of ``kpi``: the same floor, so that a
    change worth nothing against today is worth nothing between redesigns either (the
    ablation's roles, pruning and dominance; QA: a hire buying 0.1 s of a 203 h cycle time
    was a ``trade-off`` and stayed)."""
    return negligible(kpi, {"diff": diff, "base": today})


def today_mean(comparison: pd.DataFrame | None, kpi: str, default: Any = None) -> Any:
    """Today's confirmed mean of ``kpi``: the ``base`` of a candidate's comparison against
    today (the same baseline replications for every candidate), or ``default`` without one."""
    if comparison is None or kpi not in comparison.index or "base" not in comparison.columns:
        return default
    base = comparison.loc[kpi, "base"]
    return default if base is None or pd.isna(base) else float(base)


def verdict(comparison: pd.DataFrame, objectives: Sequence[Objective]) -> str:
    """``better``, ``trade-off``, ``within noise`` or ``worse`` from a paired comparison.

    With a ``significant_adjusted`` column (``adjust_family``), an improvement counts only when
    it is significant after the multiple-comparison adjustment; a worsening counts when it is
    significant unadjusted (the cautious side for a recommendation). Without it, both use
    ``significant``. A ``negligible`` improvement counts as none, significant or not; a
    negligible worsening still counts (the cautious side again). A throughput change of the
    window's edges (``window_edge``) counts as neither."""
    adjusted = "significant_adjusted" in comparison.columns
    better = worse = 0
    for o in objectives:
        row = comparison.loc[o.kpi]
        if window_edge(row):
            continue
        d = row["diff"] * o.sign
        significant = bool(row["significant_adjusted"] if adjusted else row["significant"])
        if d < 0 and significant and not negligible(o.kpi, row):
            better += 1
        elif d > 0 and bool(row["significant"]):
            worse += 1
    if better and not worse:
        return "better"
    if better and worse:
        return "trade-off"
    if worse:
        return "worse"
    return "within noise"


def window_edge(row: Mapping[str, Any] | pd.Series) -> str:
    """The reason a comparison row's (or an ablation contribution's) throughput change is the
    measurement window's edges (``mark_window_edges``; ``sim.kpis.compare.window_edge_note``),
    or '' when it is not one (every other row, and a record from before the rule)."""
    note = row.get("window_edge")
    return note if isinstance(note, str) else ""


NOT_MEASURED = "not measured"
"""The verdict of a candidate whose confirmation measured nothing (``Candidate.measured`` 0):
no KPI a window measures has a value, so it is neither better nor worse than today, and
meets or breaks no constraint on such a KPI (QA rt27_engine F1: "worse than today", "breaks a
constraint once confirmed", on its headcount alone). Also of one whose confirmation measured
one replication only (``unjudged``): such a KPI has a value but no test."""

VERDICT_ORDER = {"better": 0, "trade-off": 1, "within noise": 2, "worse": 3, NOT_MEASURED: 4}


def unjudged(candidate: Candidate) -> bool:
    """Whether a confirmed candidate's confirmation measured too little to judge it: fewer
    than ``MIN_PAIRS`` replications measured something on both sides (``Candidate.measured``;
    0: nothing), so no KPI the measurement window measures has a test. False before
    confirmation."""
    return candidate.measured is not None and candidate.measured < MIN_PAIRS


def partly_judged(candidate: Candidate) -> dict[str, int]:
    """The objectives a judged candidate's verdict rests on fewer pairs than its
    confirmation's replications for (``Candidate.judged_on``), with those pairs; {} for a
    candidate not judged (``unjudged``) or judged on every pair."""
    if not candidate.replications or unjudged(candidate):
        return {}
    return {k: n for k, n in candidate.judged_on.items() if n < candidate.replications}


def judged_words(candidate: Candidate) -> str:
    """On how many pairs a judged candidate's verdict rests where an objective had fewer than
    the confirmation's replications (``partly_judged``): ``judged on 4 of 9 paired
    replications`` (``4 to 7 of 9`` where they differ), '' where every objective had all."""
    partly = partly_judged(candidate)
    if not partly:
        return ""
    low, high = min(partly.values()), max(partly.values())
    pairs = f"{low}" if low == high else f"{low} to {high}"
    return f"judged on {pairs} of {candidate.replications} paired replications"


def pairs_judged(
    comparison: pd.DataFrame | None, objectives: Sequence[Objective]
) -> dict[str, int]:
    """Per objective of ``comparison`` (a paired comparison), the pairs its test was run on
    (``n``: the replications with a value on both sides)."""
    if comparison is None or "n" not in comparison.columns:
        return {}
    return {
        o.kpi: int(comparison.loc[o.kpi, "n"])
        for o in objectives
        if o.kpi in comparison.index and pd.notna(comparison.loc[o.kpi, "n"])
    }


def is_recommended(candidate: Candidate) -> bool:
    """Whether a confirmed candidate may be recommended: ``better`` than today or a genuine
    ``trade-off``, within the constraints once confirmed, with staff that carry its work
    (``mark_overloaded``), and not dominated by another recommended candidate's confirmed
    values (``mark_dominated``)."""
    return (
        bool(candidate.feasible)  # None: not judged (its confirmation measured nothing)
        and not candidate.overloaded
        and candidate.verdict in ("better", "trade-off")
        and candidate.dominated_by is None
    )


IDENTICAL = "identical in every replication"
"""What a test with no difference in any replication (``no_difference``) shows, in words."""


def no_difference(row: Mapping[str, Any] | pd.Series, *, diff: str = "diff") -> bool:
    """Whether a paired test's differences were exactly 0 in every replication: its mean
    difference (the ``diff`` field) and both ends of its interval are 0 (an interval has width 0
    only when every difference is the same), and its p-value, where it has one, is 1 (what
    ``sim.kpis.stats.paired_comparison`` gives such differences). The KPI is then the same with
    and without the change (a cost in a model without costs, a drop-off rate where nobody drops
    off)."""
    values = [row.get(k) for k in (diff, "ci_low", "ci_high")]
    p = row.get("p_value", 1.0)
    return bool(all(v is not None and v == 0 for v in values) and (p is None or p == 1.0))


def family_p(row: Mapping[str, Any] | pd.Series, *, diff: str = "diff") -> float:
    """The p-value a test brings to Holm's family: NaN, left out like a test that could not be
    run, for one with no difference in any replication (``no_difference``). Such a test is no
    test (its p-value is 1 whatever the replications), and counted it only raised every other
    test's adjustment (QA: a third server's -2.9 h, p 0.017, was "within noise" at p 0.052,
    Holm counting the cost and drop-off of a model that has neither)."""
    p = row.get("p_value")
    if p is None or no_difference(row, diff=diff):
        return math.nan
    return float(p)


def adjust_family(
    comparisons: Sequence[pd.DataFrame],
    objectives: Sequence[Objective],
    *,
    alpha: float = ALPHA,
    replaced: Sequence[float] = (),
    replaced_adjusted: list[tuple[float, bool]] | None = None,
) -> tuple[list[pd.DataFrame], int]:
    """Holm's adjustment over every (comparison, objective) test of a family.

    Returns copies of the comparison tables with ``p_adjusted``, ``significant_adjusted``,
    ``identical`` and ``negligible`` (``negligible``; None for the rows outside the family: the
    KPIs that are not objectives) and
    the number of tests ``m`` (those with a p-value and some difference: a row ``identical`` in
    every replication is left out, its ``p_adjusted`` NaN and ``significant_adjusted`` false,
    ``family_p``). The unadjusted ``p_value``, CI and ``significant`` stay.
    ``replaced`` are the p-values of tests that belong to the family but whose redesigns are not
    reported (``replaced_p_values``): they count towards ``m`` and the order; a list given as
    ``replaced_adjusted`` is filled with their ``(p_adjusted, significant_adjusted)``.
    """
    adjusted_columns = ["p_adjusted", "significant_adjusted", "identical", "negligible"]
    tables = [c.drop(columns=adjusted_columns, errors="ignore") for c in comparisons]
    where: list[tuple[int, str]] = []
    pvals: list[float] = []
    for i, t in enumerate(tables):
        for o in objectives:
            if o.kpi in t.index and "p_value" in t.columns:
                where.append((i, o.kpi))
                pvals.append(family_p(t.loc[o.kpi]))
    adjusted, reject = holm([*pvals, *replaced], alpha)
    out = []
    for t in tables:
        t = t.assign(p_adjusted=np.nan, significant_adjusted=None, identical=None, negligible=None)
        flags = ["significant_adjusted", "identical", "negligible"]
        t[flags] = t[flags].astype(object)
        out.append(t)
    for (i, kpi), p, r in zip(where, adjusted[: len(where)], reject[: len(where)], strict=True):
        out[i].loc[kpi, "p_adjusted"] = p
        out[i].loc[kpi, "significant_adjusted"] = bool(r)
        out[i].loc[kpi, "identical"] = no_difference(out[i].loc[kpi])
        out[i].loc[kpi, "negligible"] = negligible(kpi, out[i].loc[kpi])
    m = int(np.isfinite(np.asarray([*pvals, *replaced], dtype=float)).sum())
    if replaced_adjusted is not None:  # the replaced tests' own adjustment, in their order
        replaced_adjusted[:] = list(
            zip(adjusted[len(where) :].tolist(), reject[len(where) :].tolist(), strict=True)
        )
    return out, m


_SAME_TEST = ("diff", "ci_low", "ci_high", "p_value")
"""What identifies a test of a version against today on one objective: the same paired
difference, interval and p-value (to the last digit) are the same data."""


def _test_key(row: Mapping[str, Any] | pd.Series) -> tuple[Any, ...]:
    return tuple(_py(row.get(k)) for k in _SAME_TEST)


def _version_tests(
    candidate: Candidate,
    objectives: Sequence[Objective],
    *,
    besides: pd.DataFrame | None = None,
) -> list[tuple[dict[str, Any], str, float, Any]]:
    """``(comparison dict, objective, p-value, repeats)`` of every test of the versions of
    ``candidate`` confirmed against today that it does not report: the redesign as found when
    pruning replaced it, and every smaller redesign pruning tried and did not keep.

    ``repeats`` is None for a test that counts, else what it repeats (``"reported"``: the
    candidate's own comparison, or the index of an earlier test here): a version that differs
    from another only by a change that leaves an objective exactly as it was (a person added to a
    role nobody waits for, taken out) has the same paired differences on it in every
    replication, the same test on the same data, which is one hypothesis, not two. (QA: trying
    such a change alone, as pruning does when the changes rated harm fail together, counted its
    repeat of the redesign's cycle-time test and cost the redesign its significance.) With
    ``besides`` (a new version's comparison, not yet recorded), the candidate's reported
    comparison is one of the versions listed and ``"besides"`` marks a test the new one repeats.
    """
    tried = [a for a in candidate.pruning if a.get("comparison")]
    adopted = [a for a in tried if a.get("adopted")]
    reported = adopted[-1] if adopted else None
    tables = [a["comparison"] for a in tried if a is not reported]
    if candidate.original is not None and candidate.original.get("comparison"):
        tables.append(candidate.original["comparison"])
    seen: dict[tuple[Any, ...], Any] = {}
    if besides is not None:
        tables.append(comparison_dict(candidate.comparison) or {})
        table = besides
    else:
        table = candidate.comparison
    if table is not None:
        for o in objectives:
            if o.kpi in table.index:
                seen.setdefault(
                    (o.kpi, *_test_key(table.loc[o.kpi])),
                    "besides" if besides is not None else "reported",
                )
    out: list[tuple[dict[str, Any], str, float, Any]] = []
    for t in tables:
        for o in objectives:
            if o.kpi not in t or t[o.kpi].get("p_value") is None:
                continue
            key = (o.kpi, *_test_key(t[o.kpi]))
            out.append((t, o.kpi, family_p(t[o.kpi]), seen.get(key)))
            seen.setdefault(key, len(out) - 1)
    return out


def _replaced_tests(
    candidate: Candidate, objectives: Sequence[Objective]
) -> list[tuple[dict[str, Any], str, float, Any]]:
    """``_version_tests`` of the versions ``candidate`` does not report."""
    return _version_tests(candidate, objectives)


def replaced_p_values(candidate: Candidate, objectives: Sequence[Objective]) -> list[float]:
    """The p-values (objectives only) of the versions of ``candidate`` that were confirmed
    against today but are not the one it reports: the redesign as found when pruning replaced
    it, and every smaller redesign pruning tried and did not keep. Each was a test of the
    confirmation's family: leaving them out would let pruning pick among several tests while
    Holm counts one (the family understated, the adjustment too lenient). A test that repeats
    another of the candidate's on the same data (``_version_tests``) counts once; one with no
    difference in any replication not at all (``family_p``)."""
    return [
        p
        for _t, _k, p, same in _replaced_tests(candidate, objectives)
        if same is None and not math.isnan(p)
    ]


def version_p_values(
    candidate: Candidate, objectives: Sequence[Objective], *, besides: pd.DataFrame
) -> list[float]:
    """The p-values a new version of ``candidate`` (its comparison with today: ``besides``) is
    adjusted beside: those of every version of the candidate confirmed so far, the one it
    reports included, each distinct test once and none that the new version repeats on the same
    data (``_version_tests``; ``sim.optimize.prune``), and none with no difference in any
    replication (``family_p``)."""
    return [
        p
        for _t, _k, p, same in _version_tests(candidate, objectives, besides=besides)
        if same is None and not math.isnan(p)
    ]


def adjust_verdicts(
    candidates: Sequence[Candidate], objectives: Sequence[Objective], *, alpha: float = ALPHA
) -> int:
    """Holm over every candidate x objective test of the confirmation: each candidate's
    ``comparison`` gets the adjusted columns and its ``verdict`` is recomputed from them.
    The family also holds the tests of the versions pruning confirmed and did not report
    (``replaced_p_values``; a test repeated on the same data once). A test with no difference
    in any replication is left out (``family_p``; ``identical_tests`` counts them). Every record
    of a test carries the one adjustment this family gives it: the pruning record of the
    version a candidate reports too (it kept the adjustment of the smaller family it was adopted
    in: QA, p_adjusted 9.45e-7 there beside 1.01e-6 in the candidate's own comparison). Returns
    the number of comparisons in the family. A candidate whose confirmation measured fewer
    than ``MIN_PAIRS`` replications is ``NOT_MEASURED`` (``unjudged``); each candidate's
    ``judged_on`` is set from its comparison (``pairs_judged``)."""
    per_candidate = [_replaced_tests(c, objectives) for c in candidates]
    counted = [(t, k, p) for tests in per_candidate for t, k, p, same in tests if same is None]
    replaced_adjusted: list[tuple[float, bool]] = []
    tables, m = adjust_family(
        [c.comparison for c in candidates],
        objectives,
        alpha=alpha,
        replaced=[p for _t, _k, p in counted],
        replaced_adjusted=replaced_adjusted,
    )
    for c, t in zip(candidates, tables, strict=True):
        c.comparison = t
        c.verdict = NOT_MEASURED if unjudged(c) else verdict(t, objectives)
        c.judged_on = pairs_judged(t, objectives)
    # the replaced versions' records carry this family's adjustment too, not the smaller one
    # they were first adjusted over (QA 2026-12-04 #6: 'p_adjusted' over 3 tests beside
    # 'comparisons: 6'), and the redesign as found its verdict on it; a repeated test carries
    # the adjustment of the one it repeats
    adjusted = iter(replaced_adjusted)
    for c, tests in zip(candidates, per_candidate, strict=True):
        for t, kpi, _p, same in tests:
            if same is None:
                p_adj, r = next(adjusted)
            elif same == "reported":
                p_adj = float(c.comparison.loc[kpi, "p_adjusted"])
                r = bool(c.comparison.loc[kpi, "significant_adjusted"])
            else:
                first = tests[same][0][tests[same][1]]
                p_adj, r = first["p_adjusted"], first["significant_adjusted"]
            t[kpi]["p_adjusted"] = None if p_adj is None else _py(float(p_adj))
            t[kpi]["significant_adjusted"] = bool(r)
            t[kpi]["identical"] = no_difference(t[kpi])
    for c in candidates:
        reported = [a for a in c.pruning if a.get("adopted") and a.get("comparison")]
        if reported and c.comparison is not None:  # the version it reports: its own test
            reported[-1]["comparison"] = comparison_dict(c.comparison)
        if c.original is not None and c.original.get("comparison"):
            table = pd.DataFrame.from_dict(c.original["comparison"], orient="index")
            c.original["verdict"] = verdict(table, objectives)
    return m


def identical_tests(candidates: Sequence[Candidate], objectives: Sequence[Objective]) -> int:
    """How many tests of the confirmation's family (``adjust_verdicts``: every candidate x
    objective, and the versions pruning confirmed, each distinct test once) had no difference in
    any replication and are left out of it (``family_p``)."""
    own = sum(
        no_difference(c.comparison.loc[o.kpi])
        for c in candidates
        if c.comparison is not None
        for o in objectives
        if o.kpi in c.comparison.index
    )
    replaced = sum(
        no_difference(t[kpi])
        for c in candidates
        for t, kpi, _p, same in _replaced_tests(c, objectives)
        if same is None
    )
    return int(own + replaced)


def mark_dominated(
    candidates: Sequence[Candidate], objectives: Sequence[Objective], *, alpha: float = ALPHA
) -> int:
    """Set ``dominated_by`` on every recommended candidate another recommended one beats on the
    evidence, and ``indistinguishable_from`` where it leads only on the means.

    The search's Pareto front is dominance on the search's values; after confirmation one
    recommended redesign can dominate another, which is then no trade-off worth offering. The
    confirmation's replications are the same for every candidate (common random numbers), so
    each pair is compared on its paired per-replication differences (``per_replication``): a
    paired t-test per objective, Holm's adjustment over every pair of recommended candidates x
    objective. B is dominated by A when A's mean is no worse on any objective and A is better on
    at least one with an adjusted p-value below ``alpha``; the record names A (a candidate
    nobody dominates, when one of those dominates B), the objectives it is significantly better
    on and the p-values. When A leads on the means but on no objective significantly, B stays
    recommended and ``indistinguishable_from`` names A with its p-values. A throughput
    difference between the two that is the measurement window's edges (``mark_window_edges`` on
    their ``WINDOW_EDGE_COLUMNS``: the same cases won, the difference in the cases in progress at the
    window's start or end) is neither a lead nor a lag, as against today (``verdict``); the
    record names it (``window_edge``: objective -> reason), its test stays in the family. A
    difference under the floor that makes an improvement on today negligible
    (``negligible_between``, against today's mean) is neither a lead nor a lag either, as
    against today; the record lists those objectives (``negligible``). A
    candidate without per-replication values is never marked. Returns the number of tests in
    the family.
    """
    for c in candidates:
        c.dominated_by = None
        c.indistinguishable_from = []
    pool = [c for c in candidates if is_recommended(c)]
    kpis = [o.kpi for o in objectives]
    # every unordered pair x objective: paired difference (second - first) and its p-value
    pairs: dict[tuple[int, int], pd.DataFrame] = {}
    for i, a in enumerate(pool):
        for j in range(i + 1, len(pool)):
            table = _paired_tables(a, pool[j], kpis)
            if table is not None:
                pairs[(i, j)] = table
    where = [(ij, k) for ij, t in pairs.items() for k in kpis]
    # a pair with no difference in any replication on an objective is no test (``family_p``)
    adjusted, _ = holm([family_p(pairs[ij].loc[k]) for ij, k in where], alpha)
    for (ij, k), p in zip(where, adjusted, strict=True):
        pairs[ij].loc[k, "p_adjusted"] = p
    m = int(np.isfinite(adjusted).sum())
    # today's means (the same baseline for every candidate): the floor of a negligible lead
    means = ((k, today_mean(c.comparison, k)) for c in pool for k in kpis)
    today: dict[str, Any] = {}
    for k, v in means:
        if v is not None:
            today.setdefault(k, v)

    def evidence(a: int, b: int) -> dict[str, Any] | None:
        """A against B when A's means are no worse on every objective and better on one."""
        ij = (min(a, b), max(a, b))
        if ij not in pairs:
            return None
        t = pairs[ij]
        # diff is pool[j] - pool[i]; turned into "A ahead by" (positive = A better); a
        # throughput difference of the window's edges is no difference of the redesigns
        flip = 1.0 if a == ij[0] else -1.0
        edges = {k: edge for k in kpis if (edge := window_edge(t.loc[k]))}
        # a difference under the verdict's floor is no lead either (``negligible_between``)
        small = [
            k
            for k in kpis
            if k not in edges and negligible_between(k, t.loc[k, "diff"], today.get(k))
        ]
        ahead = {
            o.kpi: 0.0
            if o.kpi in edges or o.kpi in small
            else float(t.loc[o.kpi, "diff"]) * o.sign * flip
            for o in objectives
        }
        if any(not np.isfinite(v) or v < 0 for v in ahead.values()):
            return None
        better = [k for k in kpis if ahead[k] > 0]
        if not better:
            return None
        significant = [
            k
            for k in better
            if np.isfinite(t.loc[k, "p_adjusted"]) and t.loc[k, "p_adjusted"] < alpha
        ]
        return (
            {
                "trial": pool[a].trial,
                "ahead_on": better,
                "better_on": significant,
                "p_value": {k: _py(float(t.loc[k, "p_value"])) for k in kpis},
                "p_adjusted": {k: _py(float(t.loc[k, "p_adjusted"])) for k in kpis},
                "replications": int(t["n"].min()),
                "comparisons": m,
            }
            | ({"window_edge": edges} if edges else {})
            | ({"negligible": small} if small else {})
        )

    found = {(a, b): evidence(a, b) for a in range(len(pool)) for b in range(len(pool)) if a != b}
    dominated = {b for (a, b), e in found.items() if e is not None and e["better_on"]}
    for b, cand in enumerate(pool):
        beaten = [a for a in range(len(pool)) if (e := found.get((a, b))) and e["better_on"]]
        if beaten:
            # name a candidate nobody dominates when one of those dominates it (significant
            # dominance need not be transitive)
            a = next((a for a in beaten if a not in dominated), beaten[0])
            e = found[(a, b)]
            cand.dominated_by = {k: v for k, v in e.items() if k != "ahead_on"}
            # the recommended candidates this one leads on the means (no worse on any
            # objective), not significantly: they stay, as nothing shows them worse than the
            # one that dominates this one (each pair is tested on its own paired differences,
            # so significance need not carry over: A > B and B ahead of C on the means does
            # not make A significantly better than C). Said, so the order is not a puzzle.
            cand.dominated_by["ahead_of"] = [
                {"trial": pool[c].trial, "ahead_on": e2["ahead_on"]}
                for c in range(len(pool))
                if c not in dominated and (e2 := found.get((b, c))) and not e2["better_on"]
            ]
        # ``recommended``: whether that one stays recommended itself (QA: #2 was told "so
        # both are recommended" of a #3 that another one dominates)
        cand.indistinguishable_from = [
            {k: v for k, v in e.items() if k != "better_on"} | {"recommended": a not in dominated}
            for a in range(len(pool))
            if (e := found.get((a, b))) and not e["better_on"]
        ]
    return m


def _paired_tables(first: Candidate, second: Candidate, kpis: Sequence[str]) -> pd.DataFrame | None:
    """``paired_changes`` of two candidates' per-replication objective values, paired by
    replication index (``second - first``), with ``window_edge`` (``mark_window_edges``, from
    the window's columns kept beside them; '' without them), or None when either has none."""
    tables = []
    for c in (first, second):
        pr = c.per_replication
        if not pr or not pr.get("replications"):
            return None
        n = len(pr["replications"])
        values = pr.get("values", {})
        window = {k: v for k, v in (pr.get("window") or {}).items() if k not in kpis}
        tables.append(
            pd.DataFrame(
                {k: values.get(k, [np.nan] * n) for k in kpis} | window,
                index=list(pr["replications"]),
                dtype=float,
            )
        )
    common = tables[0].index.intersection(tables[1].index)
    if common.empty:
        return None
    a, b = (t.loc[common].reset_index(drop=True) for t in tables)
    return mark_window_edges(paired_changes(a, b, list(kpis)), a, b).assign(p_adjusted=np.nan)


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
    start: int,
) -> pd.DataFrame:
    """Re-simulate baseline and candidates with paired replications
    ``start..start+replications-1`` (give a ``start`` past the search's replications: fresh
    ones, see the module docstring).

    Fills each candidate's ``comparison``, ``verdict`` (Holm-adjusted over these candidates x
    objectives: ``adjust_verdicts``), ``measured``, ``replications``, ``judged_on``,
    ``feasible`` and ``overloaded`` (``mark_overloaded``); returns the baseline's KPI table.
    Each ``choice`` becomes the one its redesign reads (``effective_choice``). Where today's or
    the candidate's replications all measured nothing (their cases all arrived in the warm-up),
    or only one did (``unjudged``), its verdict is ``NOT_MEASURED``; where they all measured
    nothing, ``feasible`` is None unless a value they do have (a headcount) breaks a constraint
    (``constraints_met``).
    """
    base = evaluator.table({}, replications, start=start)
    base_measured = measured_replications(base)
    for c in candidates:
        effective_choice(c, evaluator.space)
        c.comparison = compare_redesigns(
            evaluator,
            objectives,
            ({}, 0.0),
            (c.choice, c.one_off_cost),
            replications=replications,
            start=start,
        )
        c.measured = min(
            base_measured,
            measured_replications(evaluator.table(c.choice, replications, start=start)),
        )
        c.replications = replications
        c.feasible = constraints_met(
            confirmed_means(
                evaluator, c.choice, c.one_off_cost, replications=replications, start=start
            ),
            constraints,
        )
        c.per_replication = objective_replications(
            evaluator, objectives, c.choice, c.one_off_cost, replications=replications, start=start
        )
    mark_overloaded(candidates, evaluator, replications=replications, start=start)
    adjust_verdicts(candidates, objectives)
    return base


def effective_choice(candidate: Candidate, space: SearchSpace) -> None:
    """Set ``candidate.choice`` to the values its redesign uses (``SearchSpace.effective``): a
    hire the sampler proposed into a role that the other changes leave without work is no hire
    in the redesign, and must not become one when the ablation or pruning puts that role's steps
    back. Where that changes the choice (a trial of a study from before the space read choices
    so), its ``changes`` and ``one_off_cost`` are the space's too."""
    choice = space.effective(candidate.choice)
    if choice != candidate.choice:
        candidate.choice = choice
        candidate.changes = space.describe(choice)
        candidate.one_off_cost = space.one_off_cost(choice)


def mark_overloaded(
    candidates: Sequence[Candidate], evaluator: Evaluator, *, replications: int, start: int
) -> int:
    """Set each candidate's ``overloaded``: the roles of its redesigned model whose offered
    load fills all their scheduled hours or more (``sim.model.views.overloaded_roles``, under
    the search's scenario) and that its replications ``start..start+replications-1`` show busy
    at least ``TARGET_UTILISATION`` of their hours. Such a redesign is not recommended whatever
    its confirmed means: its queues grow for as long as cases arrive, so those means depend on
    the horizon (and a role held by a step of several roles can measure below a utilisation
    constraint while it does). Returns how many are overloaded."""
    scenario = evaluator.scenario
    for c in candidates:
        offered = overloaded_roles(
            evaluator.redesigned(c.choice),
            arrival_scale=scenario.arrival_scale,
            staffing=scenario.staffing,
        )
        busy = _mean_utilisation(evaluator, c.choice, replications=replications, start=start)
        # the offered load counts every case as served: where cases give up waiting before a
        # role's steps, it overstates the role's work, and the runs show the role well below
        # saturation (QA2 2026-12-05: 120 % offered, 61 % busy and stable); a role that cannot
        # keep up is busy above the target in the runs too (the CRM redesign: 107 %, 88 %)
        c.overloaded = {r: u for r, u in offered.items() if busy.get(r, 1.0) >= TARGET_UTILISATION}
    return sum(bool(c.overloaded) for c in candidates)


def _mean_utilisation(
    evaluator: Evaluator, choice: Mapping[str, Any], *, replications: int, start: int
) -> dict[str, float]:
    """Each role's mean utilisation over replications ``start..start+replications-1``."""
    table = evaluator.table(choice, replications, start=start)
    prefix = "utilisation:"
    return {c[len(prefix) :]: float(table[c].mean()) for c in table.columns if c.startswith(prefix)}


def overload_text(overloaded: Mapping[str, float]) -> str:
    """Why a redesign with ``overloaded`` roles (``mark_overloaded``) is not recommended, in
    words: "its staff cannot carry the work: ... fills 107 % of account_exec's hours, ..."."""
    fills = [f"{100 * u:.0f} % of {r}'s" for r, u in overloaded.items()]
    listed = fills[0] if len(fills) == 1 else ", ".join(fills[:-1]) + " and " + fills[-1]
    return (
        f"its staff cannot carry the work: the work it offers fills {listed} scheduled hours, "
        "so queues grow for as long as cases arrive and its figures depend on the run's "
        "length (scenario.horizon_days), whatever utilisation the run measured"
    )


def objective_replications(
    evaluator: Evaluator,
    objectives: Sequence[Objective],
    choice: Mapping[str, Any],
    one_off_cost: float,
    *,
    replications: int,
    start: int,
) -> dict[str, Any]:
    """A redesign's objective values per replication ``start..start+replications-1``
    (``{"replications": [indices], "values": {kpi: [...]}, "window": {column: [...]}}``, NaN
    where a KPI is undefined; ``window``: the ``WINDOW_EDGE_COLUMNS`` the table has): what
    ``mark_dominated`` pairs between candidates. From the evaluator's cache when the
    replications were simulated already."""
    table = _with_derived(
        evaluator.table(choice, replications, start=start), one_off_cost=one_off_cost
    )
    n = len(table)
    return {
        "replications": [int(r) for r in table["replication"]],
        "values": {
            o.kpi: ([float(v) for v in table[o.kpi]] if o.kpi in table else [math.nan] * n)
            for o in objectives
        },
        "window": {c: [float(v) for v in table[c]] for c in WINDOW_EDGE_COLUMNS if c in table},
    }


def compare_redesigns(
    evaluator: Evaluator,
    objectives: Sequence[Objective],
    first: tuple[Mapping[str, Any], float],
    second: tuple[Mapping[str, Any], float],
    *,
    replications: int,
    start: int,
) -> pd.DataFrame:
    """Paired comparison ``second - first`` of two redesigns (``(choice, one_off_cost)``; the
    baseline is ``({}, 0.0)``) over replications ``start..start+replications-1`` (common random
    numbers): the objectives, the headline KPIs and waiting per step (for the redesign diff
    map), unadjusted (``p_value`` for ``adjust_family``). ``window_edge``: on a significant
    throughput change that the window's own cases do not show, why it is the measurement
    window's edges (``sim.kpis.compare.window_edge_note``: the same demand and window on both
    sides, so neither better nor worse; ``verdict``); '' on every other row."""
    a = _with_derived(evaluator.table(first[0], replications, start=start), one_off_cost=first[1])
    b = _with_derived(evaluator.table(second[0], replications, start=start), one_off_cost=second[1])
    waiting = sorted({k for k in (*a.columns, *b.columns) if k.startswith("waiting_mean:")})
    kpis = list(dict.fromkeys([o.kpi for o in objectives] + list(COMPARED) + waiting))
    comp = paired_changes(a, b, [k for k in kpis if k in a and k in b])
    return mark_window_edges(comp, a, b)


def paired_changes(first: pd.DataFrame, second: pd.DataFrame, kpis: Sequence[str]) -> pd.DataFrame:
    """``sim.kpis.paired_comparison`` of ``second - first`` (replications paired by position)
    on ``kpis``, where pairs equal up to float rounding are equal: the KPIs whose rows
    ``sim.kpis.compare.matched_comparison`` finds ``identical`` (its rule: ``rounding_scales``)
    are compared with ``second``'s values of the complete pairs set to ``first``'s, so their
    row is the one of no difference in any replication (``no_difference``: p-value 1, out of
    Holm's family). Without it a cost of 0.6 against 0.6000000000000001 in every replication
    was a worsening of 1.1e-16 with p = 0 (the t-test of a constant difference), and the
    redesign "worse than today"."""
    kpis = list(kpis)
    rounding = matched_comparison(first, second, kpis)
    same = [k for k in kpis if k in first and k in second and identical(rounding.loc[k])]
    if same:
        n = min(len(first), len(second))
        second = second.copy()
        for k in same:
            b, a = first[k].to_numpy(dtype=float)[:n], second[k].to_numpy(dtype=float)[:n]
            apart = np.flatnonzero(np.isfinite(a) & np.isfinite(b) & (a != b))
            if apart.size:
                second.iloc[apart, second.columns.get_loc(k)] = b[apart]
    return paired_comparison(first, second, kpis)


def mark_window_edges(
    comparison: pd.DataFrame, first: pd.DataFrame, second: pd.DataFrame
) -> pd.DataFrame:
    """``comparison``, a paired comparison ``second - first`` of two replications tables of the
    same demand and measurement window, with a ``window_edge`` column: on a significant
    (unadjusted) throughput change that the window's own cases do not show, why it is the
    window's edges (``sim.kpis.compare.window_edge_note``), '' on every other row and where a
    table lacks the window's columns (``WINDOW_EDGE_COLUMNS``). The one rule of the confirmation,
    the ablation, pruning and dominance."""
    comp = comparison.assign(window_edge="")
    for k in comp.index.intersection(list(THROUGHPUT_KPIS)):
        diff = float(comp.loc[k, "diff"])
        if bool(comp.loc[k, "significant"]) and math.isfinite(diff) and diff != 0:
            note = window_edge_note(first, second, diff, paired=True, level=1 - ALPHA, kpi=k)
            comp.loc[k, "window_edge"] = note or ""
    return comp


def broken_constraints(
    evaluator: Evaluator,
    choice: Mapping[str, Any],
    one_off_cost: float,
    constraints: Sequence[Constraint],
    *,
    replications: int,
    start: int,
) -> list[Constraint]:
    """The constraints a redesign's means over replications ``start..start+replications-1``
    break."""
    means = confirmed_means(evaluator, choice, one_off_cost, replications=replications, start=start)
    return [cn for cn in constraints if cn.violation(derived_value(means, cn.kpi)) > 0]


def confirmed_means(
    evaluator: Evaluator,
    choice: Mapping[str, Any],
    one_off_cost: float,
    *,
    replications: int,
    start: int,
) -> dict[str, float]:
    """A redesign's KPI means over replications ``start..start+replications-1``, with
    ``utilisation_max`` and ``one_off_cost`` (``_with_derived``)."""
    table = _with_derived(
        evaluator.table(choice, replications, start=start), one_off_cost=one_off_cost
    )
    return {k: float(table[k].mean()) for k in table.columns if k != "replication"}


def _with_derived(table: pd.DataFrame, *, one_off_cost: float) -> pd.DataFrame:
    """``table`` plus ``utilisation_max`` and ``one_off_cost`` columns, joined in one go (not
    inserted one at a time, which pandas warns about on a wide table)."""
    extra = pd.DataFrame(
        {"utilisation_max": _util_max(table), "one_off_cost": float(one_off_cost)},
        index=table.index,
    )
    return pd.concat([table.drop(columns=list(extra.columns), errors="ignore"), extra], axis=1)


def _util_max(table: pd.DataFrame) -> pd.Series:
    """Per replication, the utilisation of the busiest role over these replications (the
    highest mean): its mean is ``derived_value``'s ``utilisation_max``, the busiest role's mean
    utilisation that the search and the constraints judge, and its rows pair for a CI. (Each
    replication's own busiest role, averaged, was higher than what the constraint judged: a
    table said 90.5 % beside a redesign within utilisation_max <= 0.9; QA 9b.)"""
    cols = [c for c in table.columns if c.startswith("utilisation:")]
    means = table[cols].mean() if cols else pd.Series(dtype=float)
    if means.notna().any():
        return table[means.idxmax()].astype(float)
    return pd.Series(float("nan"), index=table.index)


def taken_out(
    choice: Mapping[str, Any], name: str, evaluator: Evaluator
) -> tuple[dict[str, Any], list[StaffingOption], str]:
    """``choice`` with the change ``name`` taken out, the staffing options put back to the
    model's headcount with it, and why the search space refuses it alone ('' when it does not).
    No staffing option when the space accepts it alone; else the fewest of the choice's staffing
    changes (one, then all of them) without which it is accepted, since a staffing change can
    need it (a role staffed with 0 once its steps are gone). RedesignRefused, the refusal of
    taking it out alone, when none helps."""
    space = evaluator.space
    baseline = space.baseline()
    without = dict(choice) | {name: baseline[name]}
    try:
        _buildable(without, evaluator)
        return without, [], ""
    except RedesignRefused as exc:
        refused = exc
    active = space.active(choice)
    staffing = [
        o
        for o in space.options
        if isinstance(o, StaffingOption) and o.name != name and o.name in active
    ]
    groups = [[o] for o in staffing] + ([staffing] if len(staffing) > 1 else [])
    for group in groups:
        both = without | {o.name: baseline[o.name] for o in group}
        try:
            _buildable(both, evaluator)
        except RedesignRefused:
            continue
        return both, group, str(refused)
    raise refused


def _buildable(choice: Mapping[str, Any], evaluator: Evaluator) -> None:
    """RedesignRefused unless the search space accepts ``choice`` and builds its model."""
    evaluator.space.check(choice)
    evaluator.redesigned(choice)


def _and_words(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(w for w in (", ".join(words[:-1]), words[-1]) if w) if words else ""


def ablate(
    candidate: Candidate,
    evaluator: Evaluator,
    objectives: Sequence[Objective],
    *,
    replications: int,
    start: int,
) -> list[dict[str, Any]]:
    """Contribution of each change: the redesign without it vs the full redesign (paired, on
    replications ``start..start+replications-1``, the confirmation's).

    ``contribution[kpi]`` is the loss when the change is taken out, expressed as an improvement
    (positive = the change helps that objective), with its unadjusted CI and ``significant``,
    and ``significant_adjusted``: Holm over the ablation's changes x objectives. The role
    (``carries gain``, ``trade-off``, ``harm``, ``noise``) uses the adjusted decisions;
    ``noise`` means no effect detectable with these replications, not that there is none.
    A test with no difference in any replication (the objective identical without the change)
    is left out of that family (``family_p``; ``identical`` in its record, and each entry's
    ``identical_tests`` counts them). A significant throughput change that the window's own
    cases do not show (``mark_window_edges``: the same cases won with and without the change,
    the change in the cases in progress at the window's start or end) carries its reason as
    ``window_edge`` and counts in no role, neither help nor harm; its test stays in the family,
    as in the confirmation.
    A contribution under the floor that makes an improvement on today negligible
    (``negligible_between``: ``NEGLIGIBLE_CHANGE`` of today's mean, the candidate's comparison's
    ``base``; 0.1 percentage points of a share) is marked ``negligible`` and counts in no role
    either, significant or not: a change that buys only that is no gain, and pruning tries the
    redesign without it.

    ``one_off_cost``: what the change (with the staffing changes taken out with it) adds to
    the redesign's one-off cost, which needs no simulation: no test, and no part of the role.

    A change the search space refuses to take out alone because a staffing change of the
    redesign needs it (removing a step and staffing its role with 0: the step back needs the
    role) is taken out with that staffing change, the role back at the model's headcount
    (``taken_out``): ``with`` lists those variables, ``together`` says so in words and
    ``refused_alone`` why it cannot go alone, so the
    gain of the pair is measured and not left to the staffing change's cost alone (QA:
    "Remove approval + manager to 0" saved 22.7 h, and no row accounted for it).
    """
    space = evaluator.space
    full = evaluator.table(candidate.choice, replications, start=start)
    active = space.active(candidate.choice)
    rows: list[dict[str, Any]] = []
    for name, value in active.items():
        sentence = space.describe({name: value})
        entry: dict[str, Any] = {
            "variable": name,
            "value": value,
            "change": sentence[0] if sentence else name,
        }
        try:
            without, partners, alone = taken_out(candidate.choice, name, evaluator)
        except RedesignRefused as exc:
            entry["refused"] = f"cannot be taken out alone: {exc}"
            rows.append(entry)
            continue
        if partners:
            entry["with"] = [o.name for o in partners]
            roles = _and_words([f"the staffing of {o.target}" for o in partners])
            back = _and_words([f"{o.target} back to {o.current}" for o in partners])
            entry["together"] = f"taken out with {roles}, which needs it: {back}"
            entry["refused_alone"] = alone
        # known without simulating: what the change (with its partners) adds to the one-off
        # cost, shown in the table when one_off_cost is an objective (QA cost17: "-" there)
        entry["one_off_cost"] = space.one_off_cost(candidate.choice) - space.one_off_cost(without)
        alt = evaluator.table(without, replications, start=start)
        comp = mark_window_edges(
            paired_changes(full, alt, [o.kpi for o in objectives if o.kpi in full]), full, alt
        )
        contrib = {}
        for o in objectives:
            if o.kpi not in comp.index:
                continue
            r = comp.loc[o.kpi]
            # without - full, sign-adjusted: positive means taking the change out makes it worse;
            # + 0.0: a maximised objective's 0 flipped is -0.0, which would read "-0.00"
            lo, hi = sorted((r["ci_low"] * o.sign + 0.0, r["ci_high"] * o.sign + 0.0))
            contrib[o.kpi] = {
                "improvement": _py(r["diff"] * o.sign + 0.0),
                "ci_low": _py(lo),
                "ci_high": _py(hi),
                "significant": bool(r["significant"]),
                "p_value": _py(r["p_value"]),
            }
            if edge := window_edge(r):  # the window's edges: neither help nor harm
                contrib[o.kpi]["window_edge"] = edge
            elif negligible_between(  # under the verdict's floor: neither help nor harm
                o.kpi, r["diff"], today_mean(candidate.comparison, o.kpi, r["base"])
            ):
                contrib[o.kpi]["negligible"] = True
        entry["contribution"] = contrib
        rows.append(entry)
    # Holm over every change x objective test of this ablation, then the roles
    tests = [v for e in rows for v in e.get("contribution", {}).values()]
    adjusted, reject = holm([family_p(v, diff="improvement") for v in tests])
    for v, p, r in zip(tests, adjusted, reject, strict=True):
        v["p_adjusted"] = _py(float(p))
        v["significant_adjusted"] = bool(r)
        v["identical"] = no_difference(v, diff="improvement")
    m = int(np.isfinite(adjusted).sum())
    identical = sum(v["identical"] for v in tests)
    for e in rows:
        if "contribution" not in e:
            continue
        sig = [
            v
            for v in e["contribution"].values()
            if v["significant_adjusted"] and not window_edge(v) and not v.get("negligible")
        ]
        helps = any(v["improvement"] > 0 for v in sig)
        harms = any(v["improvement"] < 0 for v in sig)
        e["comparisons"] = m
        e["identical_tests"] = identical
        e["replications"] = replications
        e["role"] = (
            "carries gain"
            if helps and not harms
            else "trade-off"
            if helps
            else "harm"
            if harms
            else "noise"
        )
    candidate.ablation = rows
    return rows
