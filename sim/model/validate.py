"""Validation of a ``ProcessModel``: one validator for every way a model is built.

YAML files, BPMN imports, calibration and redesign operators all end here, so a model that passes
is safe to simulate. Every problem is reported with the element and field it concerns, what was
expected and, for names, the valid choices. All problems are collected and raised together.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

from sim.errors import ModelError, did_you_mean
from sim.model.columns import PEOPLE_SEPARATOR as ROLE_SEPARATOR
from sim.model.process import ABANDONED

if TYPE_CHECKING:
    from sim.model.process import End, ProcessModel, Step

PROB_TOL = 1e-6
MAX_LISTED = 25
#: The most people one role may have. The engine gives every person a name and a place in its
#: role's pool before the first case arrives, so a headcount of a billion (a typo, or a stand-in
#: for "unlimited") fills gigabytes of memory and never starts; no team is this large, and a step
#: with no waiting for staff is modelled without a role (automated).
MAX_HEADCOUNT = 100_000


def headcount_problem(where: str, headcount: int) -> str | None:
    """What is wrong with a headcount of ``headcount`` people at key ``where``
    (``roles.clerk.headcount``, ``scenario.staffing.clerk``), or ``None``."""
    if headcount < 0:
        return f"{where}: must be >= 0, got {headcount}"
    if headcount > MAX_HEADCOUNT:
        return (
            f"{where}: at most {MAX_HEADCOUNT:,} people, got {headcount:,}; the engine keeps "
            "every person in memory, so a role this large cannot be simulated (a step no one "
            "has to wait for is modelled without a role)"
        )
    return None


def _choices(names: object, *, near: str | None = None) -> str:
    names = sorted(names)  # type: ignore[arg-type]
    shown = names[:MAX_LISTED]
    more = f" (and {len(names) - MAX_LISTED} more)" if len(names) > MAX_LISTED else ""
    return f"{shown}{more}" + ("" if near is None else did_you_mean(near, names))


#: Probabilities or shares summing to this much were likely written in percent (40 for 40 %).
PERCENT_LIKE_SUM = (1.5, 100.5)


def _sum_problem(where: str, what: str, total: float) -> str | None:
    """What is wrong with ``what`` (probabilities, shares) at ``where`` summing to ``total``
    instead of 1, or ``None``; a sum of percents is told how to write a share."""
    if abs(total - 1.0) <= PROB_TOL:
        return None
    low, high = PERCENT_LIKE_SUM
    hint = "; write shares, e.g. 0.4 for 40 %" if low <= total <= high else ""
    return f"{where}: {what} must sum to 1, they sum to {total:.6g}{hint}"


def problems(model: ProcessModel, *, graph: bool = True) -> list[str]:
    """Every validation problem of ``model`` as a readable sentence (empty when valid).
    ``graph=False`` leaves out the routing-graph checks (reachability, loops, joins), which
    need every node (a model file some of whose nodes could not be read)."""
    out: list[str] = []
    # problems the routing-graph checks cannot run past (a duplicate name, a flow to no node, no
    # end); any other problem is reported together with the graph's (QA 2026-12-04 #7: an
    # unknown role hid that its step was unreachable until the role was fixed)
    unsound: list[str] = []
    nodes_by_section = {
        "steps": list(model.steps),
        "decisions": list(model.decisions),
        "parallel": list(model.parallels),
        "parallel joins": [p.join for p in model.parallels.values()],
        "ends": list(model.ends),
    }
    seen: dict[str, str] = {}
    for section, names in nodes_by_section.items():
        for n in names:
            if n in seen:
                unsound.append(n)
                out.append(
                    f"name '{n}' is used twice (in {seen[n]} and {section}); node names must be unique"
                )
            seen[n] = section
    nodes = set(seen)

    def ref(where: str, target: str, *, allow: set[str] | None = None) -> bool:
        pool = nodes if allow is None else allow
        if target not in pool:
            unsound.append(target)
            what = (
                f"'{target}' is {'an end' if target in model.ends else 'a parallel join'}, which "
                "cannot be used here"
                if target in nodes
                else f"unknown node '{target}'"
            )
            # most often an end its author meant to add but did not list
            hint = (
                "; an end must be listed under `ends:`"
                if allow is None and target not in nodes
                else ""
            )
            out.append(f"{where}: {what}; valid choices are {_choices(pool, near=target)}{hint}")
            return False
        return True

    if not model.steps:
        out.append("steps: a model needs at least one step")
    if not model.ends:
        unsound.append("ends")
        out.append("ends: a model needs at least one end")
    joins = {p.join for p in model.parallels.values()}
    ref("start", model.start, allow=nodes - set(model.ends) - joins)

    # --- calendars and roles
    for name, role in model.roles.items():
        if ROLE_SEPARATOR in name:
            out.append(
                f"roles.{name}: a role name cannot contain '{ROLE_SEPARATOR}', which separates "
                "the roles of a step done by several people in simulated event logs; rename it "
                f"(e.g. '{name.replace(ROLE_SEPARATOR, '+')}')"
            )
        wrong = headcount_problem(f"roles.{name}.headcount", role.headcount)
        if wrong:
            out.append(wrong)
        if role.calendar != "24/7" and role.calendar not in model.calendars:
            out.append(
                f"roles.{name}.calendar: unknown calendar '{role.calendar}'; valid choices are "
                f"{_choices(['24/7', *model.calendars], near=role.calendar)}"
            )
    for name, cal in model.calendars.items():
        if cal.weekly_total <= 0:
            out.append(f"calendars.{name}: the calendar has no working time")

    # --- steps
    segments = set(model.arrivals.segment_names)
    for name, step in model.steps.items():
        w = f"steps.{name}"
        ref(f"{w}.next", step.next)
        cals = []
        for r in step.roles:
            if r not in model.roles:
                out.append(
                    f"{w}.role: unknown role '{r}'; valid choices are {_choices(model.roles, near=r)}"
                )
                continue
            need = step.roles.count(r)
            if model.roles[r].headcount < need:
                out.append(
                    f"{w}.role: role '{r}' has headcount {model.roles[r].headcount} but the step "
                    f"needs {need} of them at once"
                )
            if model.roles[r].calendar == "24/7" or model.roles[r].calendar in model.calendars:
                cals.append(model.calendar_of(r))
        if len(cals) > 1:
            joint = cals[0]
            for c in cals[1:]:
                joint = joint.intersect(c)
            if joint.weekly_total <= 0:
                out.append(
                    f"{w}.roles: the calendars of {list(step.roles)} never overlap, so the step "
                    "can never start"
                )
        out += _alternative_problems(model, w, step)
        for req in step.requires:
            if req not in model.steps:
                out.append(
                    f"{w}.requires: unknown step '{req}'; valid choices are {_choices(model.steps, near=req)}"
                )
        if step.patience is not None and not step.roles:
            out.append(
                f"{w}.patience: only a step done by staff has a queue to abandon; give it a role"
            )
        if step.measured_from not in ("enabled", "arrival"):
            out.append(
                f"{w}.measured_from: expected 'enabled' or 'arrival', got {step.measured_from!r}"
            )
        elif step.measured_from == "arrival" and step.roles:
            out.append(
                f"{w}.measured_from: only a timer (a step without roles) can be measured from the "
                "case's arrival; a staffed step's work starts when a person takes it"
            )
        if step.calendar is not None:
            if step.roles:
                out.append(
                    f"{w}.calendar: only a timer (a step without roles) has a calendar of its "
                    "own; a staffed step works on its roles' calendars"
                )
            elif step.calendar != "24/7" and step.calendar not in model.calendars:
                out.append(
                    f"{w}.calendar: unknown calendar '{step.calendar}'; valid choices are "
                    f"{_choices(['24/7', *model.calendars], near=step.calendar)}"
                )

    # --- decisions
    for name, dec in model.decisions.items():
        w = f"decisions.{name}"
        for b in dec.branches:
            ref(f"{w}.branches", b.to)
            if b.to == name:  # the engine drew again at once: a loop where no time passes
                out.append(
                    f"{w}.branches: '{name}' is the decision itself; a decision cannot be its "
                    "own branch (a loop must go back through a step)"
                )
        wrong = _sum_problem(
            f"{w}.branches", "probabilities", sum(b.probability for b in dec.branches)
        )
        if wrong:
            out.append(wrong)
        for seg, probs in dec.by_segment.items():
            if seg not in segments:
                out.append(
                    f"{w}.by_segment: unknown segment '{seg}'; valid choices are {_choices(segments, near=seg)}"
                )
            wrong = _sum_problem(f"{w}.by_segment.{seg}", "probabilities", sum(probs))
            if wrong:
                out.append(wrong)
        for req in dec.requires:
            if req not in model.steps:
                out.append(
                    f"{w}.requires: unknown step '{req}'; valid choices are {_choices(model.steps, near=req)}"
                )

    # --- parallel blocks
    for name, par in model.parallels.items():
        w = f"parallel.{name}"
        if len(par.branches) < 2:
            out.append(f"{w}.branches: a parallel block needs at least two branches")
        for b in par.branches:
            ref(f"{w}.branches", b)
        ref(f"{w}.next", par.next)
        if par.probabilities is not None and any(not 0 <= p <= 1 for p in par.probabilities):
            out.append(f"{w}.probabilities: each must be in [0, 1]")

    # --- arrivals and segments
    wrong = _sum_problem(
        "arrivals.segments", "shares", sum(s.share for s in model.arrivals.segments)
    )
    if wrong:
        out.append(wrong)
    names = [s.name for s in model.arrivals.segments]
    if len(set(names)) != len(names):
        out.append(f"arrivals.segments: segment names must be unique, got {names}")
    for e in model.ends.values():
        for seg in e.value_by_segment:
            if seg not in segments:
                out.append(
                    f"ends.{e.name}.value: unknown segment '{seg}'; valid choices are {_choices(segments, near=seg)}"
                )
    out += _outcome_problems(model)
    if model.arrivals.interarrival.mean() <= 0:
        out.append("arrivals.interarrival: the mean inter-arrival time must be > 0")

    if unsound or not graph:  # graph checks need sound references
        return out
    out += _graph_problems(model)
    return out


def _outcome_problems(model: ProcessModel) -> list[str]:
    """Ends whose outcomes would merge in the engine, which counts each outcome as one success
    or drop-off: two ends of one outcome, one a success and one a drop-off, and a success end
    whose outcome is the one cases that give up waiting (patience) end with."""
    out = []
    first: dict[str, End] = {}
    for e in model.ends.values():
        other = first.setdefault(e.outcome, e)
        if other.success != e.success:
            out.append(
                f"ends.{e.name}: its outcome '{e.outcome}' is also that of end '{other.name}', "
                f"which is {_success_word(other)} while this one is {_success_word(e)}; one "
                "outcome cannot be both: give the two ends different outcomes (`outcome:`, the "
                "end's own name when left out)"
            )
    patient = [s.name for s in model.steps.values() if s.patience is not None]
    for e in model.ends.values():
        if patient and e.outcome == ABANDONED and e.success:
            out.append(
                f"ends.{e.name}: the outcome '{ABANDONED}' is reserved for cases that give up "
                f"waiting (patience at {_choices(patient)}), a drop-off; as this success end's "
                "outcome it would count them as successes: give the end another outcome "
                f"(e.g. `outcome: {e.name if e.name != ABANDONED else 'completed'}`)"
            )
    return out


def _success_word(end: End) -> str:
    return "a success" if end.success else "a drop-off"


def _abandoned_end_notes(model: ProcessModel) -> list[str]:
    """A note on each drop-off end whose outcome is ``abandoned`` in a model with patience: its
    cases and those that give up waiting share the outcome. Not refused: calibration names an
    end so when the log's abandonment activity is called ``abandoned``, and there both mean it."""
    patient = [s.name for s in model.steps.values() if s.patience is not None]
    if not patient:
        return []
    return [
        f"ends.{e.name}: its outcome '{ABANDONED}' is also that of cases that give up waiting "
        f"(patience at {_choices(patient)}): `outcome_share:{ABANDONED}` counts both, "
        "`abandon_rate` only those that gave up; give the end another outcome (`outcome:`) "
        "to tell them apart"
        for e in model.ends.values()
        if e.outcome == ABANDONED and not e.success
    ]


def _alternative_problems(model: ProcessModel, where: str, step: Step) -> list[str]:
    """What is wrong with a step's ``alternatives`` (other roles that may do it)."""
    if not step.alternatives:
        return []
    w = f"{where}.alternatives"
    if len(step.roles) != 1:
        return [
            f"{w}: only a step done by one person of one role can have alternatives, and this "
            + (
                f"one has roles {list(step.roles)}"
                if step.roles
                else "one has no role (automated, or a timer)"
            )
        ]
    out = []
    total = sum(a.share for a in step.alternatives)
    if total > 1 + PROB_TOL:
        out.append(
            f"{w}: the shares of the cases that go to the alternatives first add up to "
            f"{total:g}; at most 1 (the rest go to '{step.roles[0]}' first)"
        )
    for alt in step.alternatives:
        if alt.role == step.roles[0]:
            out.append(f"{w}.{alt.role}: the step's own role; list other roles only")
        elif alt.role not in model.roles:
            out.append(
                f"{w}.{alt.role}: unknown role '{alt.role}'; valid choices are "
                f"{_choices(model.roles, near=alt.role)}"
            )
    return out


def _graph_problems(model: ProcessModel) -> list[str]:
    out: list[str] = []
    succ = {n: model.successors(n) for n in model.node_names()}
    # reachability from start
    reached = _reach(model.start, succ)
    unreachable = [n for n in model.node_names() if n not in reached]
    if unreachable:
        out.append(f"unreachable from start '{model.start}': {_choices(unreachable)}")
    # an end must be reachable from every node (no trap loops)
    pred: dict[str, list[str]] = {n: [] for n in succ}
    for n, ss in succ.items():
        for s in ss:
            pred[s].append(n)
    can_end: set[str] = set()
    for e in model.ends:
        can_end |= _reach(e, pred)
    trapped = [n for n in model.node_names() if n in reached and n not in can_end]
    if trapped:
        out.append(f"no end can be reached from {_choices(trapped)} (a loop with no way out)")
    else:  # the same with probabilities: a loop whose every exit has probability 0 never ends
        segments = model.arrivals.segment_names
        for seg in segments:
            psucc = dict(succ)
            for name, dec in model.decisions.items():
                probs = dec.probabilities(seg)
                psucc[name] = tuple(b.to for b, q in zip(dec.branches, probs, strict=True) if q > 0)
            ppred: dict[str, list[str]] = {n: [] for n in psucc}
            for n, ss in psucc.items():
                for s in ss:
                    ppred[s].append(n)
            can_end = set()
            for e in model.ends:
                can_end |= _reach(e, ppred)
            stuck = [n for n in _reach(model.start, psucc) if n not in can_end]
            if stuck:
                who = "" if len(segments) == 1 else f" by cases of segment '{seg}'"
                out.append(
                    f"no end can be reached{who} from {_choices(stuck)}: every branch out of "
                    "the loop has probability 0, so cases would loop for ever"
                )
                break
    # parallel branches must meet at their join without ending the case or looping to the split
    for name, par in model.parallels.items():
        before = len(out)
        for b in par.branches:
            seen: set[str] = set()
            queue = deque([b])
            while queue:
                n = queue.popleft()
                if n in seen or n == par.join:
                    continue
                seen.add(n)
                if n in model.ends:
                    out.append(
                        f"parallel.{name}: branch '{b}' can reach end '{n}' before the join "
                        f"'{par.join}'; every branch must reach its join"
                    )
                    break
                if n == name:
                    out.append(f"parallel.{name}: branch '{b}' loops back to the split")
                    break
                queue.extend(succ[n])
            else:
                if par.join not in _reach(b, succ):
                    out.append(f"parallel.{name}: branch '{b}' never reaches the join '{par.join}'")
        if len(out) == before:
            out += _entered_from_outside(model, name, succ, pred)
    # requires: each required step must be able to precede the step that needs it
    for node in [*model.steps.values(), *model.decisions.values()]:
        for req in node.requires:
            if req not in model.steps:  # named by problems()
                continue
            if node.name not in _reach(req, succ) or req == node.name:
                kind = "steps" if node.name in model.steps else "decisions"
                out.append(
                    f"{kind}.{node.name}.requires: '{req}' can never be done before "
                    f"'{node.name}' (it is not upstream of it)"
                )
    return out


def _entered_from_outside(
    model: ProcessModel, name: str, succ: dict[str, tuple[str, ...]], pred: dict[str, list[str]]
) -> list[str]:
    """The flows into parallel block ``name`` that do not come through its split: into its join
    or into a branch part-way (a case would arrive there with no split waiting for its
    branches, which the engine cannot run)."""
    par = model.parallels[name]
    inside: set[str] = set()
    queue = deque(par.branches)
    while queue:
        n = queue.popleft()
        if n in inside or n in (par.join, name):
            continue
        inside.add(n)
        queue.extend(succ[n])
    joins = model.joins
    out = []
    for node in [n for n in model.node_names() if n in inside or n == par.join]:
        for p in dict.fromkeys(pred[node]):
            if p == name or p in inside:
                continue
            kind = model.node_kind(p)
            where = {
                "step": f"steps.{p}.next",
                "decision": f"decisions.{p}.branches",
                "parallel": f"parallel.{p}.branches",
                "join": f"parallel.{joins[p].name if p in joins else p}.next",
            }.get(kind, p)
            what = (
                f"the join of parallel '{name}'"
                if node == par.join
                else f"'{node}', inside a branch of parallel '{name}',"
            )
            out.append(
                f"{where}: leads to {what} from outside the block; only the split '{name}' "
                f"starts its branches {list(par.branches)} and only they reach '{par.join}' "
                f"(after the block, go to '{par.next}')"
            )
    return out


def _reach(start: str, succ: dict[str, tuple[str, ...]] | dict[str, list[str]]) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for s in succ.get(queue.popleft(), ()):
            if s not in seen:
                seen.add(s)
                queue.append(s)
    return seen


def validate(model: ProcessModel, *, source: str = "model") -> ProcessModel:
    """Raise ``ModelError`` listing every problem; return the model when it is valid."""
    found = problems(model)
    if found:
        head = f"{source}: {len(found)} problem(s) in the process model:"
        raise ModelError("\n".join([head, *(f"  - {p}" for p in found)]))
    return model


NEGATIVE_SHARE_NOTED = 0.01  # a distribution drawing negative values this often gets a note


#: A step, delay or gap between arrivals longer than this on average (ten years) is noted.
LONGEST_PLAUSIBLE_HOURS = 10 * 8766.0


def notes(model: ProcessModel) -> list[str]:
    """What a valid model does that its author may not expect, as sentences: durations whose
    distribution draws negative values (the engine makes them 0, which moves the mean)."""
    found = []
    named = [(f"steps.{s.name}.duration", s.duration) for s in model.steps.values()]
    named += [(f"steps.{s.name}.patience", s.patience) for s in model.steps.values()]
    named += [
        (f"steps.{s.name}.alternatives.{a.role}.duration", a.duration)
        for s in model.steps.values()
        for a in s.alternatives
    ]
    named += [("arrivals.interarrival", model.arrivals.interarrival)]
    named += [("handoff_delay", model.handoff_delay)]
    for where, dist in named:
        frozen = None if dist is None else dist.scipy
        if frozen is None or float(frozen.support()[0]) >= 0:
            continue
        share = float(frozen.cdf(0.0))
        if share < NEGATIVE_SHARE_NOTED:
            continue
        raw = float(frozen.mean()) * dist.multiplier * (1.0 - dist.p_zero)
        found.append(
            f"{where}: {share:.0%} of the draws of {dist.name} {dist.params} are negative and "
            f"become 0, so its mean is {dist.mean():.4g}, not {raw:.4g}; a distribution on "
            "positive values (lognormal, gamma, truncnorm) says what is meant"
        )
    for where, dist in named:
        if dist is None or where.endswith("patience"):
            continue
        try:
            hours = dist.mean() * model.time_factor
        except (ValueError, TypeError, OverflowError):
            continue
        if math.isfinite(hours) and hours > LONGEST_PLAUSIBLE_HOURS:
            found.append(
                f"{where}: a mean of {hours:.4g} h ({hours / 8766:.3g} years) in "
                f"{model.time_unit}; a typo, or a unit other than {model.time_unit}? The KPIs "
                "and staffing estimates of a model with it mean little"
            )
    found += _abandoned_end_notes(model)
    segments = model.arrivals.segment_names
    for end in model.ends.values():
        missing = [s for s in segments if end.value_by_segment and s not in end.value_by_segment]
        if missing:
            found.append(
                f"ends.{end.name}.value: no value for segment(s) {missing}, so their cases "
                f"ending here are worth {end.value:g}; give every segment its value"
            )
    found += role_default_notes(model)
    return found


#: Keys of a role's provenance that say where its calendar / hourly cost came from (a log read by
#: calibration, a BPMN import): its 24/7 or 0 was read, not left out by its author.
CALENDAR_READ_FROM = ("calendar", "prosimos")
COST_READ_FROM = ("prosimos",)


def role_default_notes(model: ProcessModel) -> list[str]:
    """Notes on roles left at a default their model's other roles do not have: no calendar
    (24/7) beside roles with one, no ``hourly_cost`` (0) beside roles with one; forgetting it
    changes utilisation or cost per case without a word. A model where no role has one, and
    roles whose provenance says their value was read (calibration, imports), get none."""
    roles = model.roles.values()
    found = []
    timed = [r.name for r in roles if r.calendar != "24/7"]
    clock = [
        r.name
        for r in roles
        if r.calendar == "24/7" and not _read_from_source(r.provenance, CALENDAR_READ_FROM)
    ]
    if timed and clock:
        found.append(
            f"roles: {_choices(clock)} have no calendar (or '24/7'), so they work around the "
            f"clock, while {len(timed)} other role(s) work on calendars; give each its "
            "`calendar:` unless it works day and night (its utilisation counts every hour of "
            "the week)"
        )
    uncosted = uncosted_roles_note(model)
    if uncosted:
        found.append(uncosted)
    return found


def uncosted_roles_note(model: ProcessModel) -> str | None:
    """The note on roles without an ``hourly_cost`` (0) beside roles with one, whose hours the
    cost per case leaves out (``role_default_notes``), or None: said at load, and repeated in
    the saved results that show a cost per case (kpis.json's warnings, recommendations.md)."""
    roles = model.roles.values()
    paid = [r.name for r in roles if r.hourly_cost > 0]
    free = [
        r.name
        for r in roles
        if r.hourly_cost == 0 and not _read_from_source(r.provenance, COST_READ_FROM)
    ]
    if not (paid and free):
        return None
    return (
        f"roles: {_choices(free)} have no hourly_cost (or 0), so they cost nothing per "
        f"hour, while {len(paid)} other role(s) do; give each its `hourly_cost:`, or the "
        "cost per case leaves their hours out"
    )


def _read_from_source(provenance: dict[str, object] | None, keys: tuple[str, ...]) -> bool:
    """Whether a role's provenance holds one of ``keys``: its value was read, not left out."""
    return any(k in (provenance or {}) for k in keys)
