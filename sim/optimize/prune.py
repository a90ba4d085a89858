"""The last step after the ablation: drop the changes that do not earn their place.

The ablation (``sim.optimize.confirm.ablate``) takes each change out of a recommended redesign
alone. A change it rates ``harm`` made the redesign significantly worse on some objective and
better on none (in the QA runs: people added to a role nobody waits for, at a headcount). This
step builds the redesign without those changes (the same operators, minus them, through
``sim.redesign``), confirms it with the same paired replications (common random numbers: the
confirmation's fresh ones, not the search's) as the baseline and the redesign as found, and
recommends it **in place of** the one found when it is

* not significantly worse than the one found on any objective (paired 95 % CI, unadjusted: the
  cautious side, since an adjustment would make "not worse" easier to pass), a throughput
  change that the window's own cases do not show counting as neither worse nor better (the
  measurement window's edges: ``sim.optimize.confirm.mark_window_edges``, ``window_edge`` in
  ``versus_kept``; a faster team under the same demand wins no more cases), and a change under
  the floor that makes an improvement on today negligible (``NEGLIGIBLE_CHANGE`` of today's
  mean: ``sim.optimize.confirm.negligible_between``, ``negligible`` in ``versus_kept``)
  counting as neither too, as against today: what the change bought was worth nothing,
* within the constraints once confirmed, and
* still recommended against today, with a verdict at least as good (``better`` stays
  ``better``; a ``trade-off`` may become ``better``), its improvements judged with Holm's
  adjustment over the confirmation's family, which keeps the tests of the redesign as found
  and of every version tried before (``family``; the pipeline re-adjusts the final candidates
  once more, with the same tests: pruning chooses among versions, and each one confirmed is
  one more test).

Otherwise the redesign as found is kept and the record says why. When several changes are rated
``harm`` and the redesign without all of them is not kept, each is then tried alone (in the
ablation's order, from the redesign as it then stands; ``alone`` in its record), with the same
rules: a change the ablation rates harm is not kept only because dropping it together with
another one failed. A second pass, from whichever redesign the first kept, drops, each on its
own, the changes that change nothing measured: every objective identical in every replication
of the ablation (no difference at all, not merely none detected) and, re-simulated from the
redesign as it then stands, every objective and constraint too; only those that carry a
one-off cost or add people (dropping them saves it), and those with a one-off cost only when
the next pass would try them together with a change that is not such (QA: a second legal and
a second sales_manager, hired for roles the redesign leaves without work, were kept only
because they were tried together with an account_exec who helped). A third pass, from whichever
redesign the others kept, drops the changes the ablation rates ``noise`` that carry a one-off cost
in the search space. ``noise`` means the ablation detected no effect with its replications
(absence of evidence, not proof of none), which is why the smaller redesign is confirmed
against the one found before it is adopted. The objectives' own costs (cost per case,
headcount, ...) already make a change ``harm`` when they move significantly, so the cost a
``noise`` change can still carry is
the one the objectives do not see, and the space's one-off cost is the only such cost that is
exact (a price, not a simulated estimate). A fourth pass, from whichever redesign the others
kept, drops the remaining ``noise`` changes, those without a one-off cost, together: a merge, a
removal or a handover with no measured effect is still a change the organisation has to make
(QA: "Remove approval + Merge intake+register" recommended, the merge a true no-op), so a
redesign is recommended without them when it holds up without them, by the same rules. A
staffing cut is not dropped so: fewer people save their pay, which the objectives need not
measure (a role left without work staffed with 0, with cycle time the only objective).

An ablation row that took its change out together with a staffing change that needed it
(``with``: a role staffed with 0 once its steps are gone, ``sim.optimize.confirm.taken_out``)
drops both (``reverted``): the role goes back to the model's headcount with its steps.

Cost: one confirmation (``confirm_replications`` replications of one redesign) per ablated
candidate with harm changes (and, when several together do not hold up, at most one per such
change tried alone), one per change that changes nothing measured after the first, one more
when it has noise changes with a one-off cost, one more when it has others; a change
that was the only one taken out was already simulated by the ablation (same key, same random
numbers), so the evaluator's cache answers it without simulating; and, for a smaller redesign
adopted, the search's replications of it (its ``(search)`` figures in ``pareto.csv``), unless
the search tried it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sim.errors import RedesignRefused
from sim.optimize.confirm import (
    VERDICT_ORDER,
    Candidate,
    adjust_family,
    broken_constraints,
    compare_redesigns,
    comparison_dict,
    confirm,
    is_recommended,
    negligible_between,
    no_difference,
    overload_text,
    replaced_p_values,
    today_mean,
    verdict,
    version_p_values,
    window_edge,
)
from sim.optimize.evaluate import Evaluator, objective_values
from sim.optimize.objectives import Constraint, Objective
from sim.redesign.space import StaffingOption

HARM = "harm"
CHANGED_NOTHING = "that changes nothing measured: identical in every replication"
"""A change with no difference at all on any objective or constraint (not merely none
detected) that costs something; the label reads in recommendations.md ('Dropped: the change
that changes nothing measured: ...')."""
COSTLY_NOISE = "noise at a one-off cost"
"""A change whose ablation detected no effect (with its replications) but that has a one-off
cost."""
NOISE = "noise at no one-off cost"
"""A change whose ablation detected no effect (with its replications) and that has no one-off
cost in the search space: a merge or a removal is still a change for the organisation."""


def reverted(a: dict[str, Any]) -> list[str]:
    """The variables an ablation row took out: its change's, and the staffing changes that
    needed it and went with it (``with``; ``sim.optimize.confirm.taken_out``)."""
    return [a["variable"], *a.get("with", ())]


def _without(
    candidate: Candidate, evaluator: Evaluator, drop: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """The candidate's choice with the ablation rows ``drop`` taken out (``reverted``)."""
    baseline = evaluator.space.baseline()
    return dict(candidate.choice) | {v: baseline[v] for a in drop for v in reverted(a)}


def _harm(candidate: Candidate, evaluator: Evaluator) -> list[dict[str, Any]]:
    return [a for a in candidate.ablation if a.get("role") == "harm"]


def _costly_noise(candidate: Candidate, evaluator: Evaluator) -> list[dict[str, Any]]:
    space = evaluator.space
    total = space.one_off_cost(candidate.choice)
    out = []
    for a in candidate.ablation:
        if a.get("role") != "noise":
            continue
        saving = total - space.one_off_cost(_without(candidate, evaluator, [a]))
        if saving > 0:
            out.append(a | {"one_off_saving": saving})
    return out


def _free_noise(candidate: Candidate, evaluator: Evaluator) -> list[dict[str, Any]]:
    """The changes the ablation rates ``noise`` that carry no one-off cost (the others are the
    previous pass's, ``_costly_noise``), staffing cuts left out: fewer people save their pay,
    which the objectives need not measure (a role left without work, staffed with 0)."""
    costly = {a["variable"] for a in _costly_noise(candidate, evaluator)}
    staffing = {o.name: o for o in evaluator.space.options if isinstance(o, StaffingOption)}
    return [
        a
        for a in candidate.ablation
        if a.get("role") == "noise"
        and a["variable"] not in costly
        and not (a["variable"] in staffing and a["value"] < staffing[a["variable"]].current)
    ]


def _identical(candidate: Candidate, evaluator: Evaluator) -> list[dict[str, Any]]:
    """The changes whose ablation left every objective identical in every replication and that
    carry a one-off cost or add people (``one_off_saving`` when the former). Those with a
    one-off cost are left to the noise pass when it would try only such changes (the same
    attempt: nothing that may carry a gain is tried with them)."""
    space = evaluator.space
    active = space.active(candidate.choice)
    staffing = {o.name: o for o in space.options if isinstance(o, StaffingOption)}
    total = space.one_off_cost(candidate.choice)
    out = []
    for a in candidate.ablation:
        tests = list((a.get("contribution") or {}).values())
        name = a["variable"]
        if not tests or not all(v.get("identical") for v in tests) or name not in active:
            continue
        saving = total - space.one_off_cost(_without(candidate, evaluator, [a]))
        hires = name in staffing and int(a["value"]) > staffing[name].current
        if saving > 0 or hires:
            out.append(a | ({"one_off_saving": saving} if saving > 0 else {}))
    noise = {a["variable"] for a in _costly_noise(candidate, evaluator)}
    if noise <= {a["variable"] for a in out}:
        out = [a for a in out if a["variable"] not in noise]
    return out


PASSES = (
    (HARM, _harm),
    (CHANGED_NOTHING, _identical),
    (COSTLY_NOISE, _costly_noise),
    (NOISE, _free_noise),
)


def _unchanged(
    evaluator: Evaluator,
    objectives: Sequence[Objective],
    constraints: Sequence[Constraint],
    first: tuple[dict[str, Any], float],
    second: tuple[dict[str, Any], float],
    *,
    replications: int,
    start: int,
) -> bool:
    """Whether two redesigns (``(choice, one_off_cost)``) gave every objective and every
    constraint's KPI exactly the same value in every paired replication. A constraint on the
    one-off cost is left out: that is the price, not a measure (its bound is checked when the
    smaller redesign is confirmed)."""
    kpis = [o.kpi for o in objectives] + [cn.kpi for cn in constraints]
    kpis = [k for k in dict.fromkeys(kpis) if k != "one_off_cost"]
    try:
        evaluator.space.check(second[0])
        evaluator.redesigned(second[0])
    except RedesignRefused:
        return False
    comp = compare_redesigns(
        evaluator,
        [Objective(k) for k in kpis],
        first,
        second,
        replications=replications,
        start=start,
    )
    return all(k in comp.index and no_difference(comp.loc[k]) for k in kpis)


def prune(
    candidate: Candidate,
    evaluator: Evaluator,
    objectives: Sequence[Objective],
    constraints: Sequence[Constraint],
    *,
    replications: int,
    start: int,
    search_replications: int,
    family: Sequence[Candidate] | None = None,
) -> list[dict[str, Any]]:
    """Try the candidate without its ``harm`` changes (all together, then, when that is not
    kept, each alone), then without each change that changes nothing measured and costs
    something, one at a time, then without its remaining ``noise`` changes that carry a
    one-off cost, then without its other ``noise`` changes; adopt each smaller redesign that
    passes (see the module docstring).

    The candidate must be confirmed (``confirm``) and ablated (``ablate``) with the same
    ``replications`` and ``start``; ``family`` is every candidate of that confirmation (the
    smaller redesign's verdict is Holm-adjusted over it, in the candidate's place; default:
    the candidate alone). Fills ``candidate.pruning`` (one record per attempt, JSON-ready) and, when
    a smaller redesign is adopted, replaces the candidate's ``choice``, ``changes``,
    ``one_off_cost``, ``comparison``, ``verdict``, ``feasible`` and ``search_values`` with its
    own (the objectives' means over the search's replications ``0..search_replications-1``,
    as a trial's, so that ``pareto.csv``'s ``(search)`` columns describe it) and keeps the
    redesign as found in ``candidate.original``. Returns ``candidate.pruning``.
    """
    attempts: list[dict[str, Any]] = []
    # kept up to date: each version confirmed is a test of the family the next one is judged in
    candidate.pruning = attempts

    def attempt(drop: list[dict[str, Any]], label: str) -> dict[str, Any]:
        record = _attempt(
            candidate,
            drop,
            label,
            evaluator,
            objectives,
            constraints,
            replications=replications,
            start=start,
            search_replications=search_replications,
            family=family if family is not None else (candidate,),
        )
        attempts.append(record)
        return record

    def drop_if_unchanged(a: dict[str, Any]) -> None:
        # the ablation's evidence is about the redesign as found: after a drop, the redesign
        # as it stands is re-simulated without this change too (the same replications)
        if a["variable"] not in evaluator.space.active(candidate.choice):
            return
        without = _without(candidate, evaluator, [a])
        if not _unchanged(
            evaluator,
            objectives,
            constraints,
            (candidate.choice, candidate.one_off_cost),
            (without, evaluator.space.one_off_cost(without)),
            replications=replications,
            start=start,
        ):
            return  # something measured moved: left to the noise pass, tested as the others
        record = attempt([a], CHANGED_NOTHING)
        if record["adopted"]:
            judged = "objective and constraint" if constraints else "objective"
            record["reason"] = (
                f"it changes nothing measured: every {judged} identical in every replication"
            )

    for label, pick in PASSES:
        active = evaluator.space.active(candidate.choice)
        drop = [a for a in pick(candidate, evaluator) if a["variable"] in active]
        if not drop:
            continue
        if label == CHANGED_NOTHING:
            for a in drop:
                drop_if_unchanged(a)
            continue
        record = attempt(drop, label)
        if label == HARM and not record["adopted"] and len(drop) > 1:
            # the changes rated harm did not hold up together (one of them may carry a gain
            # the ablation could not show, or their sum costs a significance): each is tried
            # alone, from the redesign as it then stands, so a pure harm does not stay only
            # because another one had to (QA: 'pricing 1 -> 2' kept, a person and no gain)
            for a in drop:
                without = _without(candidate, evaluator, [a])
                if a["variable"] in evaluator.space.active(candidate.choice) and not any(
                    evaluator.key(r["choice"]) == evaluator.key(without)
                    for r in attempts
                    if "choice" in r
                ):  # (not the redesign without them all again, after one went)
                    attempt([a], label)["alone"] = True
    return attempts


def _attempt(
    candidate: Candidate,
    drop: list[dict[str, Any]],
    label: str,
    evaluator: Evaluator,
    objectives: Sequence[Objective],
    constraints: Sequence[Constraint],
    *,
    replications: int,
    start: int,
    search_replications: int,
    family: Sequence[Candidate],
) -> dict[str, Any]:
    space = evaluator.space
    record: dict[str, Any] = {
        "pass": label,
        "dropped": [
            {
                k: a[k]
                for k in ("variable", "value", "change", "role", "one_off_saving", "with")
                if k in a
            }
            for a in drop
        ],
        "adopted": False,
    }
    choice = _without(candidate, evaluator, drop)
    if not space.active(choice):
        record["reason"] = "every change would be dropped, which leaves today's process"
        return record
    try:
        space.check(choice)
        evaluator.redesigned(choice)
    except RedesignRefused as exc:
        record["reason"] = f"the search space refuses the redesign without them: {exc}"
        return record
    smaller = Candidate(
        trial=candidate.trial,
        choice=choice,
        changes=space.describe(choice),
        one_off_cost=space.one_off_cost(choice),
        search_values=list(candidate.search_values),
    )
    confirm([smaller], evaluator, objectives, constraints, replications=replications, start=start)
    # its verdict against today, Holm-adjusted over the confirmation's family in the place of
    # the redesign as found
    # the family keeps every test it has had: the redesign as it stands (which the smaller one
    # may replace) and the versions tried before, of this candidate and of the others
    # (each distinct test once: a version that leaves an objective exactly as another left it
    # repeats that test on the same data, ``version_p_values``)
    others = [c.comparison for c in family if c is not candidate and c.comparison is not None]
    replaced = [
        p for c in family if c is not candidate for p in replaced_p_values(c, objectives)
    ] + version_p_values(candidate, objectives, besides=smaller.comparison)
    tables, m = adjust_family([*others, smaller.comparison], objectives, replaced=replaced)
    smaller.comparison = tables[-1]
    smaller.verdict = verdict(smaller.comparison, objectives)
    versus = compare_redesigns(
        evaluator,
        objectives,
        (candidate.choice, candidate.one_off_cost),
        (smaller.choice, smaller.one_off_cost),
        replications=replications,
        start=start,
    )
    record |= {
        "choice": smaller.choice,
        "changes": smaller.changes,
        "one_off_cost": smaller.one_off_cost,
        "verdict": smaller.verdict,
        "feasible": smaller.feasible,
        "overloaded": smaller.overloaded,
        "recommended": is_recommended(smaller),
        "comparison": comparison_dict(smaller.comparison),
        "comparisons": m,
        # paired differences: the smaller redesign minus the one it was cut from
        "versus_kept": comparison_dict(versus),
    }
    # significant changes against the redesign it was cut from; one of the window's edges is
    # neither (``window_edge``, as against today), nor is one under the floor of a negligible
    # improvement on today (``negligible_between``: what the change bought was worth nothing)
    small = {
        o.kpi: negligible_between(
            o.kpi,
            versus.loc[o.kpi, "diff"],
            today_mean(candidate.comparison, o.kpi, versus.loc[o.kpi, "base"]),
        )
        for o in objectives
        if o.kpi in versus.index and not window_edge(versus.loc[o.kpi])
    }
    if any(small.values()):
        record["versus_kept"] = {
            k: v | ({"negligible": True} if small.get(k) else {})
            for k, v in record["versus_kept"].items()
        }
    changed = [
        o
        for o in objectives
        if o.kpi in versus.index
        and versus.loc[o.kpi, "significant"]
        and not window_edge(versus.loc[o.kpi])
        and not small.get(o.kpi)
    ]
    worse = [o.kpi for o in changed if versus.loc[o.kpi, "diff"] * o.sign > 0]
    better = [o.kpi for o in changed if versus.loc[o.kpi, "diff"] * o.sign < 0]
    record["worse_on"] = worse
    record["better_on"] = better
    if worse:
        record["reason"] = "the redesign is significantly worse than with them on " + ", ".join(
            worse
        )
    elif not smaller.feasible:
        broken = broken_constraints(
            evaluator,
            choice,
            smaller.one_off_cost,
            constraints,
            replications=replications,
            start=start,
        )
        record["reason"] = "the redesign breaks " + ", ".join(cn.describe() for cn in broken)
    elif smaller.overloaded:
        record["reason"] = f"without {'it' if len(drop) == 1 else 'them'}, " + overload_text(
            smaller.overloaded
        )
    elif not is_recommended(smaller) or VERDICT_ORDER.get(
        smaller.verdict, len(VERDICT_ORDER)
    ) > VERDICT_ORDER.get(candidate.verdict, len(VERDICT_ORDER)):
        them = "it" if len(drop) == 1 else "them"
        record["reason"] = (
            f"against today it is {smaller.verdict} (with {them}: {candidate.verdict})"
        )
    else:
        record["adopted"] = True
        within = ", ".join(cn.describe() for cn in constraints)
        record["reason"] = (
            "not significantly worse on any objective"
            + (f", within {within}" if within else "")
            + (", and significantly better on " + ", ".join(better) if better else "")
        )
        # its own figures on the search's replications (simulated now, unless the search
        # tried it), not those of the redesign it was cut from
        means = evaluator.means(smaller.choice, search_replications)
        smaller.search_values = objective_values(means, [o.kpi for o in objectives])
        _adopt(candidate, smaller)
    return record


def _adopt(candidate: Candidate, smaller: Candidate) -> None:
    if candidate.original is None:
        candidate.original = {
            "choice": candidate.choice,
            "changes": candidate.changes,
            "one_off_cost": candidate.one_off_cost,
            "verdict": candidate.verdict,
            "feasible": candidate.feasible,
            "comparison": comparison_dict(candidate.comparison),
            "search_values": candidate.search_values,
        }
    candidate.choice = smaller.choice
    candidate.changes = smaller.changes
    candidate.one_off_cost = smaller.one_off_cost
    candidate.comparison = smaller.comparison
    candidate.verdict = smaller.verdict
    candidate.feasible = smaller.feasible
    candidate.per_replication = smaller.per_replication
    candidate.search_values = smaller.search_values


def drop_duplicates(candidates: Sequence[Candidate], evaluator: Evaluator) -> list[Candidate]:
    """Candidates in order, without a later one that is the same redesign as an earlier one (a
    pruned redesign can be one the search also found); the one kept notes the other's trial."""
    seen: dict[str, Candidate] = {}
    out = []
    for c in candidates:
        k = evaluator.key(c.choice)
        if k in seen:
            first = seen[k]
            note = {
                "pass": "duplicate",
                "adopted": False,
                "same_as_trial": c.trial,
                "reason": f"the redesign of trial {c.trial} (after its own pruning) is the same "
                "redesign; it is listed once",
            }
            first.pruning = [*first.pruning, note]
            continue
        seen[k] = c
        out.append(c)
    return out
