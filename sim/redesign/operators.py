"""The redesign operators: pure functions ``ProcessModel -> ProcessModel``.

Every operator takes the model first, its target second and everything else as explicit keyword
arguments. It returns a new, validated model whose ``metadata["changes"]`` ends with one plain
dict describing the change (see ``record``), or raises ``RedesignRefused`` with a sentence that
says why. The input model is never modified. See the package docstring for the semantics.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sim.errors import ModelError, RedesignRefused
from sim.model.distributions import Distribution
from sim.model.process import Branch, Decision, Parallel, ProcessModel, Step
from sim.model.validate import problems
from sim.model.views import expected_visits, segment_routing
from sim.redesign.graph import Draft, done_before, reachable, unsatisfied_requirements

__all__ = [
    "Check",
    "automate_step",
    "change_staffing",
    "delegate_step",
    "merge_steps",
    "move_decision",
    "parallelise_steps",
    "remove_step",
    "simplify_step",
]


# ------------------------------------------------------------------------------------ names
def merged_name(steps: Sequence[str]) -> str:
    """Name of the step that replaces merged ``steps``: ``"a+b"``."""
    return "+".join(steps)


def parallel_names(a: str, b: str) -> tuple[str, str]:
    """Names of the split and the join that run ``a`` and ``b`` side by side: ``"a|b"``, ``"a|b/join"``."""
    split = f"{a}|{b}"
    return split, f"{split}/join"


def escaped_errors_name(check: str) -> str:
    """Name of the decision where errors a removed check used to catch are found."""
    return f"missed_by_{check}"


def automation_error_name(step: str) -> str:
    """Name of the decision that sends an automated step's errors to rework."""
    return f"{step}_automation_error"


# ---------------------------------------------------------------------------------- wording
def money(x: float) -> str:
    """``20000`` -> ``"20,000"``; ``2.5`` -> ``"2.50"``."""
    return f"{x:,.0f}" if float(x).is_integer() or abs(x) >= 100 else f"{x:,.2f}"


def percent(x: float) -> str:
    """``0.15`` -> ``"15%"``; ``0.125`` -> ``"12.5%"``."""
    return f"{100 * x:.3g}%"


def names(items: Sequence[str]) -> str:
    """``["a", "b", "c"]`` -> ``"'a', 'b' and 'c'"``."""
    quoted = [f"'{i}'" for i in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def roles_text(roles: Sequence[str]) -> str:
    """``["sales_manager", "pricing"]`` -> ``"sales_manager and pricing"``."""
    items = list(roles)
    if not items:
        return "nobody (automated)"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def doers_text(step: Step) -> str:
    """Who does ``step``: ``"clerk"``, ``"sales_manager and pricing"``, ``"clerk (or senior)"``."""
    text = roles_text(step.roles)
    if step.alternatives:
        text += " (or " + " or ".join(a.role for a in step.alternatives) + ")"
    return text


def _with_cost(text: str, one_off_cost: float, extra: str = "") -> str:
    bits = [extra] if extra else []
    if one_off_cost:
        bits.append(f"one-off cost {money(one_off_cost)}")
    return f"{text} ({'; '.join(bits)})" if bits else text


# ----------------------------------------------------------------------------------- checks
@dataclass(frozen=True)
class Check:
    """What a checking step catches, and what happens to those errors once it is gone.

    ``catch_rate`` is the probability, per pass, that the check finds an error (fixed inside the
    check's own duration). When the check is removed, that share of passes carries an error that
    is found at step ``found_at`` and sends the case to ``rework_to`` (a step or decision to redo
    work from, or an end such as a lost customer). Only cases that went through the check carry
    such errors: where some paths to ``found_at`` skip it, the rate at ``found_at`` is
    ``catch_rate`` x the share of the cases reaching it that had passed the check (per segment
    where the routing differs by segment; see ``checked_share``). When the check records its outcome in a decision
    right after it (``verdict``, e.g. approved / sent back), removing the check removes that
    decision too: cases go to ``pass_to``, and ``catch_rate`` defaults to the share the verdict did
    not pass (per segment, when the verdict has segment probabilities).
    """

    found_at: str
    rework_to: str
    catch_rate: float | None = None
    verdict: str | None = None
    pass_to: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A plain mapping (for ``metadata["changes"]``)."""
        out: dict[str, Any] = {
            "escaped_errors_found_at": self.found_at,
            "rework_to": self.rework_to,
        }
        if self.catch_rate is not None:
            out["catch_rate"] = float(self.catch_rate)
        if self.verdict is not None:
            out["verdict"] = self.verdict
            out["pass_to"] = self.pass_to
        return out


# ------------------------------------------------------------------------------- machinery
def _refuse(action: str, reason: str) -> RedesignRefused:
    return RedesignRefused(f"cannot {action}: {reason}")


def _step(model: ProcessModel, name: str, action: str) -> Step:
    if not isinstance(name, str) or name not in model.steps:
        kind = _kind(model, name)
        what = f"'{name}' is a {kind}, not a step" if kind else f"there is no step '{name}'"
        raise _refuse(action, f"{what}; the steps are {sorted(model.steps)}")
    return model.steps[name]


def is_timer(model: ProcessModel, name: str) -> bool:
    """Whether step ``name`` is a timer: no role does it and it is listed in
    ``metadata["timer_steps"]`` (a calibrated model's ``delay:`` steps, a BPMN timer) or has a
    timer's own settings (``measured_from: arrival``, a ``calendar``)."""
    step = model.steps[name]
    if step.roles:
        return False
    listed = name in set((model.metadata or {}).get("timer_steps") or ())
    return listed or step.measured_from == "arrival" or step.calendar is not None


def _refuse_timers(model: ProcessModel, steps: Sequence[str], action: str, doing: str) -> None:
    """Refuse ``action`` when one of ``steps`` is a timer; ``doing`` is e.g. "automating {it}"."""
    timers = [n for n in steps if is_timer(model, n)]
    if timers:
        what, it = ("is a timer", "it") if len(timers) == 1 else ("are timers", "them")
        raise _refuse(
            action,
            f"{names(timers)} {what} (a wait of the customer or of another party, which nobody "
            f"works through): {doing.format(it=it)} is not a change anyone can make to the work",
        )


def _kind(model: ProcessModel, name: Any) -> str | None:
    try:
        return model.node_kind(name)
    except (KeyError, TypeError):
        return None


def _number(
    action: str,
    label: str,
    value: Any,
    *,
    low: float,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refuse(action, f"{label} must be a number, got {value!r}")
    x = float(value)
    bad = x != x or (x <= low if low_open else x < low)
    if high is not None:
        bad = bad or (x >= high if high_open else x > high)
    if bad:
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        rng = f"{lo}{low:g}, {'inf' if high is None else format(high, 'g')}{hi}"
        raise _refuse(action, f"{label} must be in {rng}, got {value!r}")
    return x


def record(
    model: ProcessModel,
    *,
    operator: str,
    target: str,
    parameters: Mapping[str, Any],
    one_off_cost: float,
    summary: str,
) -> ProcessModel:
    """A copy of ``model`` whose ``metadata["changes"]`` ends with this change (plain data)."""
    change = {
        "operator": operator,
        "target": target,
        "parameters": _plain(dict(parameters)),
        "one_off_cost": float(one_off_cost),
        "summary": summary,
    }
    meta = dict(model.metadata)
    meta["changes"] = [*(dict(c) for c in model.metadata.get("changes", ())), change]
    return replace(model, metadata=meta)


def _plain(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, Distribution):
        return x.to_dict()
    if isinstance(x, bool | str) or x is None:
        return x
    if isinstance(x, int):
        return int(x)
    if isinstance(x, float):
        return float(x)
    return str(x)


def _finish(
    before: ProcessModel,
    after: ProcessModel,
    action: str,
    *,
    operator: str,
    target: str,
    parameters: Mapping[str, Any],
    one_off_cost: float,
    summary: str,
    rewired: bool = True,
) -> ProcessModel:
    """Validate ``after``, keep every ``requires`` satisfied that was, and record the change.

    ``rewired=False`` (the graph and every ``requires`` are unchanged) skips the order check.
    """
    found = problems(after)
    if found:
        raise _refuse(action, "the redesigned model would be invalid: " + "; ".join(found))
    new = unsatisfied_requirements(after) - unsatisfied_requirements(before) if rewired else set()
    if new:
        node, req = sorted(new)[0]
        raise _refuse(
            action,
            f"'{node}' requires '{req}', which would no longer always be done before it",
        )
    return record(
        after,
        operator=operator,
        target=target,
        parameters=parameters,
        one_off_cost=one_off_cost,
        summary=summary,
    )


def _cost(action: str, one_off_cost: Any) -> float:
    return _number(action, "one_off_cost", one_off_cost, low=0.0)


# ------------------------------------------------------------------------------------ remove
def remove_step(
    model: ProcessModel, step: str, *, check: Check | None = None, one_off_cost: float = 0.0
) -> ProcessModel:
    """Remove a non-mandatory step; whatever led to it goes straight to its successor.

    Steps and decisions that required the removed step now require what it required (order
    constraints pass through it). With a ``check`` (see ``Check``), the errors it caught appear
    downstream as a rework decision named ``missed_by_<step>`` right after ``check.found_at``,
    for the share of the cases reaching it that had passed the check (``checked_share``: all of
    them where the check is on every path). Where cases can pass ``found_at`` again before they
    pass the check again, the chance per pass is lowered so that, in total, the errors found
    are the catch rate x the passes of the check that reach it (``returns_to``).
    """
    action = f"remove '{step}'"
    s = _step(model, step, action)
    cost = _cost(action, one_off_cost)
    if s.mandatory:
        raise _refuse(action, "it is mandatory (the model says a redesign must keep it)")
    draft = Draft(model)
    removed = [step]
    successor = s.next
    catch: float | None = None
    by_segment: dict[str, tuple[float, ...]] = {}
    if check is not None:
        if not isinstance(check, Check):
            raise _refuse(action, f"check must be a Check, got {type(check).__name__}")
        if check.verdict is not None:
            v = model.decisions.get(check.verdict)
            if v is None:
                raise _refuse(action, f"its verdict '{check.verdict}' is not a decision")
            if s.next != v.name:
                raise _refuse(action, f"its verdict '{v.name}' does not come right after it")
            if model.predecessors(v.name) != (step,):
                raise _refuse(action, f"other paths lead into its verdict '{v.name}'")
            targets = [b.to for b in v.branches]
            if check.pass_to not in targets:
                raise _refuse(
                    action,
                    f"pass_to '{check.pass_to}' is not a branch of '{v.name}' ({targets})",
                )
            i = targets.index(check.pass_to)
            if check.catch_rate is None:
                catch = 1.0 - v.branches[i].probability
                by_segment = {seg: (1.0 - p[i],) for seg, p in v.by_segment.items()}
            removed.append(v.name)
            successor = check.pass_to
        if catch is None:
            if check.catch_rate is None:
                raise _refuse(action, "the check needs a catch_rate (or a verdict to derive it)")
            catch = _number(
                action, "catch_rate", check.catch_rate, low=0.0, high=1.0, high_open=True
            )
        if catch >= 1.0 or any(p[0] >= 1.0 for p in by_segment.values()):
            raise _refuse(action, "its verdict never passes a case, so nothing would go on")
        fa = check.found_at
        if fa not in model.steps or fa in removed:
            raise _refuse(action, f"escaped errors must be found at another step, not '{fa}'")
        if fa not in reachable(model, s.next):
            raise _refuse(
                action,
                f"'{fa}' does not come after '{step}', so errors it missed cannot be found there",
            )
        if _kind(model, check.rework_to) not in ("step", "decision", "end") or (
            check.rework_to in removed
        ):
            raise _refuse(
                action,
                f"rework_to '{check.rework_to}' must be a remaining step, decision or end",
            )
    if successor in removed:
        raise _refuse(action, "it loops onto itself")
    referrers = draft.referrers(step)
    if successor in referrers:
        raise _refuse(action, f"'{successor}' would lead straight back to itself")
    for name in removed:
        draft.steps.pop(name, None)
        draft.decisions.pop(name, None)
    draft.redirect(step, successor)
    draft.replace_requirement(step, s.requires)
    text = f"Remove '{step}'"
    if len(removed) > 1:
        text += f" and its decision '{removed[1]}'"
    loops = [r for r in referrers if r not in removed and r in reachable(model, step)]
    text += f" (cases go straight on to '{successor}'"
    if loops:  # name the loops that now skip it, they change what rework means
        kind = "loops" if len(loops) > 1 else "loop"
        how = "now return" if len(loops) > 1 else "now returns"
        text += f"; the {kind} back from {names(loops)} {how} to '{successor}'"
    text += ")"
    shares: dict[str | None, float] = {}
    missed, missed_by_segment = 0.0, {}
    returns: dict[str | None, tuple[float, float]] = {}
    if check is not None and catch is not None:
        shares = checked_share(model, step, check.found_at, action, rework_to=check.rework_to)
        returns = returns_to(model, step, check.found_at, action, rework_to=check.rework_to)
        missed, missed_by_segment = _missed_rates(model, catch, by_segment, shares, returns)
    if check is not None and (missed > 0 or any(p > 0 for p in missed_by_segment.values())):
        fa_step = draft.steps[check.found_at]
        after_fa = fa_step.next
        if check.rework_to == after_fa:
            raise _refuse(
                action, f"rework_to '{check.rework_to}' is where '{fa_step.name}' goes anyway"
            )
        name = escaped_errors_name(step)
        if _kind(model, name) is not None:
            raise _refuse(action, f"the model already has a node named '{name}'")
        draft.decisions[name] = Decision(
            name=name,
            branches=(Branch(check.rework_to, missed), Branch(after_fa, 1.0 - missed)),
            requires=(fa_step.name,),
            by_segment={seg: (p, 1.0 - p) for seg, p in missed_by_segment.items()},
            description=f"Errors that '{step}' used to catch, found at '{fa_step.name}'",
        )
        draft.steps[fa_step.name] = replace(fa_step, next=name)
        went = "end as" if check.rework_to in model.ends else "go back to"
        if returns:
            catch_rates = {None: catch, **{seg: p[0] for seg, p in by_segment.items()}}
            how = [
                w
                for w, i in (("a loop", 0), ("the rework", 1))
                if any(r[i] > 0 for r in returns.values())
            ]
            text += (
                f"; errors it used to catch ({_share_text(model, catch_rates)} of its passes) "
                f"are found at '{fa_step.name}' on its first pass after '{step}', but cases "
                f"pass '{fa_step.name}' again without passing '{step}' again "
                f"({' and '.join(how)}), and as the model does not remember which pass is the first, cases "
                f"there {went} '{check.rework_to}' with the chance "
                f"{_share_text(model, {None: missed, **missed_by_segment})} per pass, which "
                "finds as many errors in total"
            )
        elif all(x >= 1.0 for x in shares.values()):
            text += (
                f"; the {percent(catch)} of cases with an error it used to catch are found at "
                f"'{fa_step.name}' and {went} '{check.rework_to}'"
            )
        else:
            catch_rates = {None: catch, **{seg: p[0] for seg, p in by_segment.items()}}
            text += (
                f"; errors it used to catch ({_share_text(model, catch_rates)} of its passes) "
                f"are found at '{fa_step.name}': {_share_text(model, shares)} of the cases "
                f"reaching '{fa_step.name}' had passed it, and as the model does not remember "
                f"which, each case there {went} '{check.rework_to}' with the chance "
                f"{_share_text(model, {None: missed, **missed_by_segment})} (the catch rate x "
                "that share)"
            )
    draft.normalise_parallels()
    return _finish(
        model,
        draft.build(),
        action,
        operator="remove",
        target=step,
        parameters={"check": check.to_dict() if check is not None else None},
        one_off_cost=cost,
        summary=_with_cost(text, cost),
    )


def checked_share(
    model: ProcessModel, step: str, found_at: str, action: str, *, rework_to: str | None = None
) -> dict[str | None, float]:
    """The share of the cases reaching ``found_at`` that had passed ``step`` before, from the
    model's routing: under ``None`` with the decisions' default probabilities and, when some
    decision has ``by_segment`` probabilities, under each segment's name with its own.

    1 wherever ``step`` is on every path to ``found_at`` (``done_before``; cases that reach
    ``found_at`` again without passing ``step`` again are ``returns_to``'s). Otherwise the flow
    balance of ``expected_visits``: the visits to ``found_at`` made before any pass of ``step``
    (``step`` made a dead end) against all its visits. That balance lets a parallel block's join
    fire once the block has started, so a ``step`` inside a block that only some cases pass,
    with ``found_at`` after the join, is refused, and so is a ``found_at`` that cases can reach
    again (a loop through it, or ``rework_to`` leading back to it: QA 2026-12-05), where one
    share for every pass would be wrong. A segment whose cases never reach ``found_at`` gets 0.
    """
    segments = model.arrivals.segment_names
    routed = any(d.by_segment for d in model.decisions.values())
    if step in done_before(model)[found_at]:
        return {None: 1.0, **(dict.fromkeys(segments, 1.0) if routed else {})}
    for par in model.parallels.values():
        inside = set().union(*(reachable(model, b, stop=par.join) for b in par.branches))
        if step in inside and found_at in reachable(model, par.join):
            raise _refuse(
                action,
                f"it sits inside parallel block '{par.name}' and not every case reaching "
                f"'{found_at}' passes it, so the share of those cases it checked cannot be "
                "worked out from the routing",
            )
    again = set().union(*(reachable(model, n) for n in model.successors(found_at)))
    if rework_to is not None and rework_to not in model.ends:
        again |= reachable(model, rework_to)
    if found_at in again:
        raise _refuse(
            action,
            f"not every case reaching '{found_at}' passes it, and cases can reach '{found_at}' "
            "again (a loop, or the rework it would send them to), so the share of each pass "
            "it checked cannot be worked out from the routing; name a found_at that no case "
            "reaches twice",
        )
    sink = next(iter(model.ends))
    routings = {None: model}
    if routed:
        routings |= {seg: segment_routing(model, seg) for seg in segments}
    out: dict[str | None, float] = {}
    for key, m in routings.items():
        unchecked = replace(m, steps={**m.steps, step: replace(m.steps[step], next=sink)})
        try:
            total = expected_visits(m)[found_at]
            before = expected_visits(unchecked)[found_at]
        except ValueError as exc:
            raise _refuse(action, str(exc)) from exc
        out[key] = min(1.0, max(0.0, 1.0 - before / total)) if total > 1e-12 else 0.0
    return out


def returns_to(
    model: ProcessModel, step: str, found_at: str, action: str, *, rework_to: str | None = None
) -> dict[str | None, tuple[float, float]]:
    """For a check ``step`` on every path to ``found_at``: the probabilities ``(s, q)`` that a
    case reaches ``found_at`` again before it passes ``step`` again, going on from
    ``found_at`` (``s``) or sent to ``rework_to`` (``q``), keyed like ``checked_share``.

    Empty when no case can (the usual case: every pass of ``found_at`` then follows its own pass
    of ``step``), or when ``step`` is not on every path (``checked_share`` refuses re-reaching
    there). An error is found on the first pass of ``found_at`` after the check would have run;
    later passes before the next pass of ``step`` carry none (QA redesign15: in a calibrated
    loan model, 1.73 passes per case made a 10 % catch rate lose 8 % of the cases, not 5 %).
    Refused when ``found_at`` or ``rework_to`` sits inside a parallel block, whose join the
    flow balance cannot reach from inside.
    """
    if step not in done_before(model)[found_at]:
        return {}
    starts = [model.steps[found_at].next]
    if rework_to is not None and rework_to not in model.ends:
        starts.append(rework_to)
    if found_at not in set().union(*(reachable(model, n, stop=step) for n in starts)):
        return {}
    inside = {
        n
        for par in model.parallels.values()
        for b in par.branches
        for n in reachable(model, b, stop=par.join)
        if n != par.join
    }
    for n in (found_at, *starts[1:]):
        if n in inside:
            raise _refuse(
                action,
                f"cases can reach '{found_at}' again without passing '{step}' again, and '{n}' "
                "sits inside a parallel block, so the share of each pass it checked cannot be "
                "worked out from the routing; name a found_at that no case reaches twice",
            )
    routings = {None: model}
    if any(d.by_segment for d in model.decisions.values()):
        routings |= {seg: segment_routing(model, seg) for seg in model.arrivals.segment_names}
    out: dict[str | None, tuple[float, float]] = {}
    for key, m in routings.items():
        s = _reach_before(m, starts[0], found_at, step, action)
        q = _reach_before(m, rework_to, found_at, step, action) if len(starts) > 1 else 0.0
        out[key] = (s, q)
    return out


def _reach_before(model: ProcessModel, start: str, target: str, step: str, action: str) -> float:
    """The probability that a case at ``start`` reaches step ``target`` before it passes step
    ``step`` (or enters a parallel block around it, which then runs it) in ``model``'s routing."""
    if start in model.ends:
        return 0.0
    sink = next(iter(model.ends))
    steps = {**model.steps}
    for n in (target, step):
        steps[n] = replace(steps[n], next=sink)
    parallels = {
        name: replace(par, next=sink)
        if any(step in reachable(model, b, stop=par.join) for b in par.branches)
        else par
        for name, par in model.parallels.items()
    }
    try:
        visits = expected_visits(replace(model, start=start, steps=steps, parallels=parallels))
    except ValueError as exc:
        raise _refuse(action, str(exc)) from exc
    return min(1.0, visits[target])


def _first_pass_rate(p: float, s: float, q: float) -> float:
    """The chance per pass of ``found_at`` that finds, in total, a share ``p`` of the passes of
    the removed check that reach it, when a case going on from ``found_at`` comes back to it
    before the check with probability ``s`` and a case sent to the rework with ``q``.

    With ``A`` first passes after the check, all passes ``V`` = A + V (1 - r) s + V r q; the
    errors found, r V, equal p A for r = p (1 - s) / (1 - p (s - q)) (r = p when s = q = 0).
    """
    return p * (1.0 - s) / (1.0 - p * (s - q))


def _missed_rates(
    model: ProcessModel,
    catch: float,
    by_segment: Mapping[str, tuple[float, ...]],
    shares: Mapping[str | None, float],
    returns: Mapping[str | None, tuple[float, float]] | None = None,
) -> tuple[float, dict[str, float]]:
    """The probability per pass of ``found_at`` that a case carries an error the removed check
    would have caught: ``catch`` (a segment's from its verdict) x ``checked_share``, lowered by
    ``_first_pass_rate`` where cases come back to ``found_at`` (``returns_to``); by default and
    for the segments where that differs from the default (or the verdict had its own)."""
    back = dict(returns or {})

    def rate(p: float, key: str | None) -> float:
        p *= shares.get(key, shares[None])
        return _first_pass_rate(p, *back.get(key, back[None])) if back else p

    missed = rate(catch, None)
    per_segment: dict[str, float] = {}
    for seg in model.arrivals.segment_names:
        p = rate(by_segment[seg][0] if seg in by_segment else catch, seg)
        if seg in by_segment or abs(p - missed) > 1e-12:
            per_segment[seg] = p
    return missed, per_segment


def _share_text(model: ProcessModel, rates: Mapping[str | None, float]) -> str:
    """``"20%"``, or per segment ``"key 95%, small 0%"`` when segments differ."""
    per_segment = {s: rates.get(s, rates[None]) for s in model.arrivals.segment_names}
    if all(abs(r - rates[None]) <= 1e-12 for r in per_segment.values()):
        return percent(rates[None])
    return ", ".join(f"{s} {percent(r)}" for s, r in per_segment.items())


def _side_by_side(model: ProcessModel, a: str, b: str) -> str | None:
    """The parallel block on two different branches of which steps ``a`` and ``b`` sit (they
    run side by side), or None."""
    for par in model.parallels.values():
        inside = [reachable(model, br, stop=par.join) - {par.join} for br in par.branches]
        with_a = {i for i, nodes in enumerate(inside) if a in nodes}
        with_b = {i for i, nodes in enumerate(inside) if b in nodes}
        if with_a and with_b and not with_a & with_b:
            return par.name
    return None


# ------------------------------------------------------------------------------------- merge
def merge_steps(
    model: ProcessModel,
    steps: Sequence[str],
    *,
    role: str | None = None,
    setup_saving: float = 0.0,
    name: str | None = None,
    one_off_cost: float = 0.0,
) -> ProcessModel:
    """Merge consecutive steps into one step done by one ``role``.

    The merged step (named ``"a+b"`` unless ``name`` is given) takes the place of the first: its
    duration is the ``sum`` of the parts scaled by ``1 - setup_saving``, its cost the sum of
    theirs; it is mandatory / value adding when any part is, requires what the parts required
    (outside the merge), keeps the patience of the first part that has one (the summary names
    it when the parts' differ), and whatever required a part requires it. One role does it all,
    so the hand-offs between the parts disappear.
    """
    if isinstance(steps, str) or not isinstance(steps, Sequence):
        raise _refuse(f"merge {steps!r}", "give the steps to merge as a list of names")
    steps = tuple(steps)
    action = f"merge {names(steps) if steps else 'nothing'}"
    if len(steps) < 2 or len(set(steps)) != len(steps):
        raise _refuse(action, "give at least two different steps")
    parts = [_step(model, n, action) for n in steps]
    cost = _cost(action, one_off_cost)
    saving = _number(action, "setup_saving", setup_saving, low=0.0, high=1.0, high_open=True)
    for a, b in zip(parts, parts[1:], strict=False):
        block = _side_by_side(model, a.name, b.name)
        if block is not None:
            who = "they" if len(parts) == 2 else f"'{a.name}' and '{b.name}'"
            hint = "to merge them, first put them one after the other in the model file"
            if a.roles and b.roles and a.roles != b.roles:
                hint = (
                    "to have one role do both, delegate one of them to the other's role (a "
                    f"delegate entry, delegate_step); {hint}"
                )
            raise _refuse(
                action,
                f"{who} are branches of parallel block '{block}', so they run side by side, "
                f"and merge joins steps that run one after the other; {hint}",
            )
        if a.next != b.name:
            raise _refuse(action, f"'{b.name}' does not come right after '{a.name}'")
        others = [p for p in model.predecessors(b.name) if p != a.name]
        if others or model.start == b.name:
            where = names(others) if others else "the start"
            raise _refuse(
                action, f"'{b.name}' is also entered from {where}, not only from '{a.name}'"
            )
    if parts[-1].next in steps:
        raise _refuse(action, f"'{parts[-1].name}' loops back into the merge")
    deadlines = [p.name for p in parts if p.measured_from == "arrival"]
    if deadlines:
        raise _refuse(
            action,
            f"{deadlines} wait(s) for a moment after the case's arrival, which is no work "
            "anybody can merge",
        )
    _refuse_timers(model, steps, action, "merging {it} into work")
    if role is None:
        role_sets = {p.roles for p in parts}
        if len(role_sets) == 1 and len(parts[0].roles) == 1:
            role = parts[0].roles[0]
        else:
            raise _refuse(
                action,
                "say which role does the merged step (the parts are done by different roles)",
            )
    if role not in model.roles:
        raise _refuse(action, f"there is no role '{role}'; the roles are {sorted(model.roles)}")
    new_name = merged_name(steps) if name is None else name
    if _kind(model, new_name) is not None:
        raise _refuse(action, f"the model already has a node named '{new_name}'")
    duration = Distribution("sum", {}, parts=tuple(p.duration for p in parts))
    if saving:
        duration = duration.scaled(1.0 - saving)
    requires = tuple(dict.fromkeys(r for p in parts for r in p.requires if r not in steps))
    # the merged step's queue still holds the waiting customer: keep the first patience found
    patient = next((p for p in parts if p.patience is not None), None)
    provenance: dict[str, Any] = {"merged_from": list(steps)}
    if any(p.provenance for p in parts):
        provenance["parts"] = {p.name: dict(p.provenance or {}) for p in parts}
    merged = Step(
        name=new_name,
        next=parts[-1].next,
        duration=duration,
        roles=(role,),
        cost=sum(p.cost for p in parts),
        value_adding=any(p.value_adding for p in parts),
        mandatory=any(p.mandatory for p in parts),
        requires=requires,
        patience=patient.patience if patient else None,
        description=f"Merged from {', '.join(steps)}",
        provenance=provenance,
    )
    draft = Draft(model)
    for p in parts:
        del draft.steps[p.name]
    draft.steps[new_name] = merged
    draft.redirect(steps[0], new_name)
    for p in steps:
        draft.replace_requirement(p, (new_name,))
    draft.steps[new_name] = replace(draft.steps[new_name], requires=requires)
    text = f"Merge {names(steps)} into one step '{new_name}' done by {role}"
    extra = [f"{percent(saving)} less time than the parts together"] if saving else []
    if patient and any(p.patience != patient.patience for p in parts):
        extra.append(f"waiting customers keep the patience of '{patient.name}'")
    return _finish(
        model,
        draft.build(),
        action,
        operator="merge",
        target=new_name,
        parameters={"steps": list(steps), "role": role, "setup_saving": saving},
        one_off_cost=cost,
        summary=_with_cost(text, cost, "; ".join(extra)),
    )


# ---------------------------------------------------------------------------------- automate
def automate_step(
    model: ProcessModel,
    step: str,
    *,
    duration: Distribution | Mapping[str, Any],
    cost_per_execution: float = 0.0,
    one_off_cost: float = 0.0,
    error_rate: float = 0.0,
    rework_to: str | None = None,
) -> ProcessModel:
    """Let a system do a step: no roles (no queue, no hand-off, no patience), ``duration`` drawn
    from the automation's distribution, ``cost_per_execution`` added to the step's cost.

    With ``error_rate`` > 0, a decision ``<step>_automation_error`` right after the step sends
    that share of passes to ``rework_to`` (default: the step itself, run again). A step no role
    does is refused: a timer is a wait, and any other such step is automated already, where a
    second automation would add its cost per execution to the first one's instead of replacing
    it (the refusal says how to change that system's cost or duration instead).
    """
    action = f"automate '{step}'"
    s = _step(model, step, action)
    _refuse_timers(model, [step], action, "automating {it}")
    if not s.roles:
        raise _refuse(action, _already_automated(model, step))
    cost = _cost(action, one_off_cost)
    per_run = _number(action, "cost_per_execution", cost_per_execution, low=0.0)
    err = _number(action, "error_rate", error_rate, low=0.0, high=1.0, high_open=True)
    try:
        dist = Distribution.from_dict(duration, where="duration")
    except ModelError as exc:
        raise _refuse(action, str(exc)) from None
    draft = Draft(model)
    new = replace(s, roles=(), duration=dist, cost=s.cost + per_run, patience=None, alternatives=())
    extra = [f"done by {doers_text(s)} until now"]
    if per_run:
        extra.append(f"{money(per_run)} per execution")
    if err > 0:
        target = step if rework_to is None else rework_to
        if _kind(model, target) not in ("step", "decision", "end"):
            raise _refuse(action, f"rework_to '{target}' must be a step, decision or end")
        if target == s.next:
            raise _refuse(action, f"rework_to '{target}' is where '{step}' goes anyway")
        name = automation_error_name(step)
        if _kind(model, name) is not None:
            raise _refuse(action, f"the model already has a node named '{name}'")
        draft.decisions[name] = Decision(
            name=name,
            branches=(Branch(target, err), Branch(s.next, 1.0 - err)),
            requires=(step,),
            description=f"Errors of the automated '{step}'",
        )
        new = replace(new, next=name)
        extra.append(f"{percent(err)} errors go back to '{target}'")
    draft.steps[step] = new
    text = f"Automate '{step}'"
    return _finish(
        model,
        draft.build(),
        action,
        operator="automate",
        target=step,
        parameters={
            "duration": dist,
            "cost_per_execution": per_run,
            "error_rate": err,
            "rework_to": (step if rework_to is None else rework_to) if err > 0 else None,
            "roles_before": list(s.roles),
        },
        one_off_cost=cost,
        summary=_with_cost(text, cost, "; ".join(extra)),
    )


def _already_automated(model: ProcessModel, step: str) -> str:
    """Why ``automate_step`` refuses ``step``, which no role does (and is no timer): it is
    automated already, so there is no people's work to hand to a system, and how to change the
    system it runs on instead (its cost per execution and duration in the model, or simplify)."""
    s = model.steps[step]
    if re.fullmatch(r"[A-Za-z_]\w*", step):  # a name a command-line override can spell
        where = (
            f"its cost per execution with process.steps.{step}.cost=... and its duration with "
            f"process.steps.{step}.duration=... (a leading '+' for a model file)"
        )
    else:
        where = "its cost per execution and its duration in the model file"
    text = (
        f"it is already automated (no role does it; it costs {money(s.cost)} per execution), so "
        "there is no people's work to hand to a system, and automating it again would add the "
        "new system's cost per execution to the old one's instead of replacing it. To model "
        f"another system for it, change the step itself: {where}, or shorten it with a "
        "simplify entry (simplify_step)"
    )
    if not any(st.roles for st in model.steps.values()):
        text += (
            "; no step of this model has a role: a model calibrated from a log without a "
            "resource column treats every activity as automated (calibrate with "
            "resource_key=<column> to model the people who do the work)"
        )
    return text


# ---------------------------------------------------------------------------------- simplify
def simplify_step(
    model: ProcessModel, step: str, *, factor: float, one_off_cost: float = 0.0
) -> ProcessModel:
    """Make a step faster: every duration draw is multiplied by ``factor`` in (0, 1]."""
    action = f"simplify '{step}'"
    s = _step(model, step, action)
    _refuse_timers(model, [step], action, "shortening {it}")
    cost = _cost(action, one_off_cost)
    f = _number(action, "factor", factor, low=0.0, high=1.0, low_open=True)
    draft = Draft(model)
    draft.steps[step] = replace(
        s,
        duration=s.duration.scaled(f),
        alternatives=tuple(replace(a, duration=a.duration.scaled(f)) for a in s.alternatives),
    )
    text = f"Simplify '{step}' so it takes {percent(f)} of its time"
    return _finish(
        model,
        draft.build(),
        action,
        operator="simplify",
        target=step,
        parameters={"factor": f},
        one_off_cost=cost,
        summary=_with_cost(text, cost),
        rewired=False,
    )


# ----------------------------------------------------------------------------- move decision
def move_decision(model: ProcessModel, decision: str, *, one_off_cost: float = 0.0) -> ProcessModel:
    """Take a decision earlier: right after the last of its ``requires`` is done.

    The steps between that point and the decision (a simple chain: nothing else enters it) move
    to just after the decision, on its one branch that goes on; exits (branches that leave the
    process for an end, directly or through steps alone such as a calibrated model's
    ``delay:X -> X -> end:X``) and branches back upstream (rework) now leave before those
    steps, so exiting cases skip them. Which branch goes on is ``_branch_that_goes_on``; when
    the graph cannot tell, the move is refused. The decision's outcome must not depend on the
    skipped steps: that is what its ``requires`` say.
    """
    action = f"move decision '{decision}'"
    if not isinstance(decision, str) or decision not in model.decisions:
        raise _refuse(
            action,
            f"there is no decision '{decision}'; the decisions are {sorted(model.decisions)}",
        )
    cost = _cost(action, one_off_cost)
    d = model.decisions[decision]
    preds = model.predecessors(decision)
    if len(preds) != 1 or model.start == decision:
        raise _refuse(action, "several paths lead into it, so there is no single place to move")
    chain: list[str] = []  # the steps the decision will jump over, in flow order
    cur = decision
    while True:
        ps = model.predecessors(cur)
        x = ps[0] if len(ps) == 1 else None
        if x is None or x not in model.steps or x in d.requires or x == model.start:
            break
        xps = model.predecessors(x)
        if len(xps) != 1 or _kind(model, xps[0]) == "parallel":
            break
        chain.insert(0, x)
        cur = x
    done = done_before(model)
    required = set(d.requires)
    walked = bool(chain)
    while chain:
        p = model.predecessors(chain[0])[0]
        after_p = done[p] | ({p} if p in model.steps else set())
        if required <= after_p:
            break
        chain.pop(0)
    if not chain:
        raise _refuse(action, _nothing_to_skip(model, decision, required, walked))
    here = model.predecessors(chain[0])[0]
    cont = _branch_that_goes_on(model, d, here, action)
    draft = Draft(model)
    draft.redirect(chain[0], decision)  # ``here`` now leads to the decision
    last = draft.steps[chain[-1]]
    draft.steps[chain[-1]] = replace(last, next=cont)
    draft.decisions[decision] = replace(
        d,
        branches=tuple(
            Branch(chain[0] if b.to == cont else b.to, b.probability) for b in d.branches
        ),
    )
    exits = [b.to for b in d.branches if b.to != cont]
    text = (
        f"Take decision '{decision}' right after '{here}', before {names(chain)}, "
        f"so cases that go to {names(exits) if exits else 'another branch'} skip "
        f"{'it' if len(chain) == 1 else 'them'}"
    )
    return _finish(
        model,
        draft.build(),
        action,
        operator="move_decision",
        target=decision,
        parameters={"after": here, "skipped": list(chain), "goes_on": cont},
        one_off_cost=cost,
        summary=_with_cost(text, cost),
    )


def _nothing_to_skip(model: ProcessModel, decision: str, required: set[str], walked: bool) -> str:
    """Why ``move_decision`` finds no step to take ``decision`` before, by what it comes after;
    ``walked``: there were steps before it, but its inputs are not surely done before them."""
    pred = model.predecessors(decision)[0]
    inputs = f"its inputs {names(sorted(required))}" if required else "no inputs"
    if pred in required:
        return f"it already comes right after {inputs} (nothing to skip)"
    if walked:
        return f"{inputs} are not surely done before the steps ahead of it (nothing to skip)"
    kind = _kind(model, pred)
    if kind == "join":
        what = f"the join of parallel block '{model.joins[pred].name}'"
    elif kind == "step" and pred == model.start:
        what = f"'{pred}', where cases start"
    elif kind == "step":
        what = f"'{pred}', which other paths enter too"
    else:
        what = f"{kind} '{pred}'"
    return (
        f"it comes right after {what}, not after a chain of steps it could be taken before "
        f"(nothing to skip)"
    )


def _leaves(model: ProcessModel, decision: str, target: str) -> bool:
    """Whether a case that takes branch ``target`` of ``decision`` leaves the process: it goes
    to an end, or through steps only (timers, work such as 'Cancel application') to one, and the
    decision's other branches never lead into those steps (they do not rejoin the main flow)."""
    if target in model.ends:
        return True
    inner = reachable(model, target) - set(model.ends)
    if any(n not in model.steps for n in inner):
        return False
    others = {b.to for b in model.decisions[decision].branches} - {target}
    rest = set().union(*(reachable(model, o, stop=decision) for o in others))
    return not inner & rest


def _ends_well(model: ProcessModel, target: str) -> bool:
    """Whether the one end that branch ``target`` leads to counts as success."""
    return all(model.ends[e].success for e in reachable(model, target) & set(model.ends))


def _branch_that_goes_on(model: ProcessModel, d: Decision, here: str, action: str) -> str:
    """The branch of ``d`` that the skipped steps move onto once ``d`` is taken after ``here``.

    Rework branches lead back through ``here``; exits leave the process (``_leaves``); the
    branch that goes on is the one branch that is neither. Without such a branch: the one exit
    to a successful end beside drop-offs and at most one branch back (``offer -> won`` beside
    ``lost``), else
    the one rework branch when every other branch drops the case (a calibrated model's
    'redesign the offer' beside 'cancel'). Anything else is refused: which branch carries the
    work on cannot be told from the graph.
    """
    targets = list(dict.fromkeys(b.to for b in d.branches))
    rework = [t for t in targets if here in reachable(model, t)]
    exits = [t for t in targets if t not in rework and _leaves(model, d.name, t)]
    goes_on = [t for t in targets if t not in rework and t not in exits]
    if len(goes_on) == 1:
        return goes_on[0]
    if goes_on:
        raise _refuse(
            action,
            f"it needs exactly one branch that goes on (not out of the process to an end, not "
            f"back), it has {names(goes_on)}, so it cannot tell which one the skipped steps "
            "belong to",
        )
    successes = [t for t in exits if _ends_well(model, t)]
    # the one exit to success goes on beside drop-offs and at most one way back; several ways
    # "back" are likelier ways forward that loop back later (a calibrated model's), refused
    if len(successes) == 1 and len(rework) <= 1:
        return successes[0]
    if not successes and len(rework) == 1:
        return rework[0]
    which = successes or rework or exits
    raise _refuse(
        action,
        "it needs exactly one branch that goes on, and every branch leaves the process for an "
        f"end or goes back, so it cannot tell which of {names(which) if which else 'them'} the "
        "skipped steps belong to",
    )


# ---------------------------------------------------------------------------------- delegate
def delegate_step(
    model: ProcessModel,
    step: str,
    *,
    to_role: str,
    duration_factor: float = 1.0,
    one_off_cost: float = 0.0,
) -> ProcessModel:
    """Let ``to_role`` (usually the role that does the work before) do a decision/approval step.

    The step's roles become ``(to_role,)``; its duration is scaled by ``duration_factor``. When
    the previous step is done by ``to_role`` too, the escalation's hand-off and the wait for the
    approvers disappear.
    """
    action = f"delegate '{step}' to {to_role}"
    s = _step(model, step, action)
    cost = _cost(action, one_off_cost)
    f = _number(action, "duration_factor", duration_factor, low=0.0, low_open=True)
    if to_role not in model.roles:
        raise _refuse(action, f"there is no role '{to_role}'; the roles are {sorted(model.roles)}")
    if not s.roles:
        raise _refuse(action, "it is automated (no role does it), so there is nobody to replace")
    if s.roles == (to_role,):
        raise _refuse(action, f"{to_role} does it already")
    draft = Draft(model)
    # the step is now to_role's alone: the roles that could stand in for the old one go too
    draft.steps[step] = replace(s, roles=(to_role,), duration=s.duration.scaled(f), alternatives=())
    text = f"Let {to_role} do '{step}' instead of {doers_text(s)}"
    extra = "no escalation"
    if f != 1.0:
        extra += f"; it takes {percent(f)} of the time"
    return _finish(
        model,
        draft.build(),
        action,
        operator="delegate",
        target=step,
        parameters={"to_role": to_role, "from_roles": list(s.roles), "duration_factor": f},
        one_off_cost=cost,
        summary=_with_cost(text, cost, extra),
        rewired=False,
    )


# ---------------------------------------------------------------------------------- staffing
def change_staffing(
    model: ProcessModel, role: str, *, headcount: int, one_off_cost: float = 0.0
) -> ProcessModel:
    """Set a role's headcount (its hourly cost per person is unchanged). Any integer type is
    taken (``np.int64(2)`` from an array), as a plain ``int``."""
    from numbers import Integral

    if isinstance(headcount, Integral) and not isinstance(headcount, bool):
        headcount = int(headcount)
    action = f"staff {role} with {headcount!r}"
    if role not in model.roles:
        raise _refuse(action, f"there is no role '{role}'; the roles are {sorted(model.roles)}")
    cost = _cost(action, one_off_cost)
    if isinstance(headcount, bool) or not isinstance(headcount, int) or headcount < 0:
        raise _refuse(action, f"headcount must be an integer >= 0, got {headcount!r}")
    need = {s.name: s.roles.count(role) for s in model.steps.values() if role in s.roles}
    if need and headcount < max(need.values()):
        worst = max(need, key=lambda n: need[n])
        raise _refuse(
            action,
            f"'{worst}' needs {need[worst]} {role} at once; give the role at least that many "
            "people, or change the steps it does first",
        )
    before = model.roles[role].headcount
    roles = dict(model.roles)
    roles[role] = replace(model.roles[role], headcount=headcount)
    people = "person" if headcount == 1 else "people"
    text = f"Staff {role} with {headcount} {people} instead of {before}"
    return _finish(
        model,
        replace(model, roles=roles),
        action,
        operator="staffing",
        target=role,
        parameters={"headcount": headcount, "headcount_before": before},
        one_off_cost=cost,
        summary=_with_cost(text, cost),
        rewired=False,
    )


# ------------------------------------------------------------------------------- parallelise
def parallelise_steps(
    model: ProcessModel, steps: Sequence[str], *, one_off_cost: float = 0.0
) -> ProcessModel:
    """Run two consecutive steps side by side: a parallel block ``"a|b"`` joined at ``"a|b/join"``.

    Only when ``b`` comes right after ``a``, nothing else enters ``b``, and neither requires the
    other. Whatever came after ``b`` comes after the join.
    """
    if isinstance(steps, str) or not isinstance(steps, Sequence):
        raise _refuse(f"parallelise {steps!r}", "give the two steps as a list of names")
    steps = tuple(steps)
    action = f"parallelise {names(steps) if steps else 'nothing'}"
    if len(steps) != 2 or steps[0] == steps[1]:
        raise _refuse(action, "give exactly two different steps")
    a, b = (_step(model, n, action) for n in steps)
    cost = _cost(action, one_off_cost)
    block = _side_by_side(model, a.name, b.name)
    if block is not None:
        raise _refuse(
            action,
            f"'{a.name}' and '{b.name}' run side by side already (branches of parallel block "
            f"'{block}')",
        )
    if a.next != b.name:
        raise _refuse(action, f"'{b.name}' does not come right after '{a.name}'")
    others = [p for p in model.predecessors(b.name) if p != a.name]
    if others:
        raise _refuse(action, f"'{b.name}' is also entered from {names(others)}")
    if a.name in b.requires:
        raise _refuse(action, f"'{b.name}' requires '{a.name}', so they cannot run side by side")
    if b.name in a.requires:
        raise _refuse(action, f"'{a.name}' requires '{b.name}'")
    if b.next in steps:
        raise _refuse(action, f"'{b.name}' loops back to '{b.next}'")
    split, join = parallel_names(a.name, b.name)
    for n in (split, join):
        if _kind(model, n) is not None:
            raise _refuse(action, f"the model already has a node named '{n}'")
    draft = Draft(model)
    draft.redirect(a.name, split)
    draft.steps[a.name] = replace(draft.steps[a.name], next=join)
    draft.steps[b.name] = replace(draft.steps[b.name], next=join)
    draft.parallels[split] = Parallel(
        name=split,
        branches=(a.name, b.name),
        join=join,
        next=b.next,
        description=f"'{a.name}' and '{b.name}' side by side",
    )
    text = f"Do '{a.name}' and '{b.name}' at the same time instead of one after the other"
    return _finish(
        model,
        draft.build(),
        action,
        operator="parallelise",
        target=split,
        parameters={"steps": [a.name, b.name]},
        one_off_cost=cost,
        summary=_with_cost(text, cost),
    )
