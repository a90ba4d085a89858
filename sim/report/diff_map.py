"""The redesign diff map: the baseline map with what a redesign changes marked on it.

Removed steps are struck out and hatched, automated, merged, simplified, delegated and
parallelised steps carry a note, moved decisions get a dashed outline and a dotted arrow to
where they now sit, staffing changes show in the lane header; every change's summary is listed
under the map. Steps are coloured by the change in mean waiting (scenario minus baseline, in
hours) **only where that change is statistically significant** (its confidence interval
excludes zero); elsewhere they stay white and say "n.s.". A baseline of more than
``MAP_STEPS_MAX`` steps (a calibrated one) is drawn as its most visited part, keeping every
step and decision the redesign changes and the steps around them (``changed_part``).

The changes are read from ``redesigned.metadata["changes"]`` (written by ``sim.redesign``: dicts
with ``operator``, ``target``, ``parameters``, ``one_off_cost`` and ``summary``) and completed by
comparing the two models, so a hand-edited redesign is shown too. When a redesign with recorded
changes was edited by hand afterwards (``best/<rank>.yaml`` as a what-if), the recorded changes
are made again on the baseline and whatever else differs is listed after them, marked "Also
changed by hand" (``unrecorded_changes``).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.model.views import expected_visits
from sim.report._mpl import DROP, MUTED, save_figure
from sim.report.layout import pretty, title_name
from sim.report.process_map import (
    MAP_STEPS_MAX,
    ColorBar,
    MapStyle,
    NodeStyle,
    frequent_part,
    hidden_note,
    part_note,
    readable_layout,
    render_map,
    text_color_on,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from sim.model import ProcessModel

MOVED = "#6a1b9a"
CHANGED = "#1565c0"
NEGLIGIBLE_SHARE = 0.01
"""A step's change in waiting smaller than this share of today's mean cycle time is too small
to matter: left uncoloured on the diff map (folded away in the optimize summary's table)."""
SCALE_FLOOR_SHARE = 0.10
"""The diff map's colour scale spans at least this share of today's mean cycle time either
way, so that the largest of some small changes does not take the strongest colour."""


@dataclass
class ModelChanges:
    """What differs between a baseline and a redesigned model, per baseline node."""

    removed: set[str] = field(default_factory=set)
    automated: set[str] = field(default_factory=set)
    merged: dict[str, str] = field(default_factory=dict)  # source step -> merged step name
    moved: dict[str, str | None] = field(default_factory=dict)  # decision -> node it now follows
    notes: dict[str, list[str]] = field(default_factory=dict)  # node -> extra note lines
    staffing: dict[str, tuple[int, int]] = field(default_factory=dict)  # role -> (before, after)
    hours: dict[str, tuple[float, float]] = field(default_factory=dict)  # role -> weekly hours
    arrivals: tuple[float, float] | None = None  # cases per week (before, after)
    other: list[str] = field(default_factory=list)  # model keys that differ, said nowhere else
    added: list[str] = field(default_factory=list)  # nodes only in the redesign
    # one sentence per recorded change, then one per difference they do not make (``BY_HAND``);
    # inferred from the two models when nothing is recorded
    summaries: list[str] = field(default_factory=list)

    def note(self, node: str, text: str) -> None:
        """Add a note line to ``node`` (once)."""
        lines = self.notes.setdefault(node, [])
        if text not in lines:
            lines.append(text)


def _names(x: Any) -> list[str]:
    if isinstance(x, str):
        return [x]
    if isinstance(x, list | tuple):
        return [str(v) for v in x]
    return []


def model_changes(baseline: ProcessModel, redesigned: ProcessModel) -> ModelChanges:
    """The changes of ``redesigned`` against ``baseline`` (recorded ones first, then inferred)."""
    ch = ModelChanges()
    base_nodes = set(baseline.node_names())
    new_nodes = set(redesigned.node_names())
    for c in redesigned.metadata.get("changes", ()) or ():
        if not isinstance(c, Mapping):
            continue
        op = str(c.get("operator", ""))
        target = str(c.get("target", ""))
        params = c.get("parameters") or {}
        text = c.get("summary") or c.get("description") or f"{op} {target}".strip()
        cost = c.get("one_off_cost")
        if cost and str(cost) not in str(text) and "one-off" not in str(text):
            text = f"{text} (one-off cost {float(cost):,.0f})"
        if op == "staffing" and target in baseline.roles:
            before = params.get("headcount_before", baseline.roles[target].headcount)
            after = params.get("headcount")
            if after is not None and int(after) == int(before):  # a no-op: not a change
                text = f"{text} (unchanged)"
        ch.summaries.append(str(text))
        if op == "merge":
            for s in _names(params.get("steps")):
                if s in baseline.steps:
                    ch.merged[s] = target
        elif op == "move_decision" and target in baseline.decisions:
            after = params.get("after")
            ch.moved[target] = str(after) if after is not None else None
        elif op == "staffing" and target in baseline.roles:
            before = params.get("headcount_before", baseline.roles[target].headcount)
            after = params.get("headcount")
            if after is not None and int(after) != int(before):
                ch.staffing[target] = (int(before), int(after))
        elif op == "parallelise":
            steps = _names(params.get("steps"))
            for s in steps:
                others = [pretty(o).lower() for o in steps if o != s]
                if s in baseline.steps and others:
                    ch.note(s, "in parallel with " + ", ".join(others))
        elif op == "delegate":
            to = params.get("to_role")
            for s in _names(params.get("steps")) or [target]:  # a group: each of its steps
                if to and s in baseline.steps:
                    ch.note(s, f"delegated to {pretty(str(to)).lower()}")

    # inferred from the two models
    for name, step in baseline.steps.items():
        if name not in new_nodes:
            if name not in ch.merged:
                ch.removed.add(name)
            continue
        new = redesigned.steps.get(name)
        if new is None:
            continue
        if step.roles and not new.roles:
            ch.automated.add(name)
        elif new.roles and new.roles != step.roles and not ch.notes.get(name):
            ch.note(
                name,
                "now "
                + ", ".join(pretty(r).lower() for r in new.roles)
                + " (was "
                + ", ".join(pretty(r).lower() for r in step.roles)
                + ")",
            )
        try:
            ratio = new.duration.mean() / step.duration.mean()
        except (ZeroDivisionError, ValueError, TypeError):
            ratio = 1.0
        if name not in ch.automated and math.isfinite(ratio) and abs(ratio - 1.0) > 1e-3:
            ch.note(name, f"time ×{ratio:.2g}")
    for name in baseline.decisions:
        if name in redesigned.decisions and name not in ch.moved:
            before = set(baseline.predecessors(name))
            after = set(redesigned.predecessors(name))
            known = after & base_nodes
            if known and known != before and not (before - new_nodes):
                ch.moved[name] = sorted(known)[0]
    for name in baseline.decisions:
        if name not in new_nodes:
            ch.removed.add(name)
    for role, r in redesigned.roles.items():
        # the headcounts in the two files, also where a recorded one was edited by hand after
        if role in baseline.roles and r.headcount != baseline.roles[role].headcount:
            ch.staffing[role] = (baseline.roles[role].headcount, r.headcount)
        elif role in baseline.roles:
            ch.staffing.pop(role, None)
        if role in baseline.roles:
            before_cal, after_cal = baseline.calendar_of(role), redesigned.calendar_of(role)
            if _rounded(before_cal.intervals()) != _rounded(after_cal.intervals()):
                ch.hours[role] = (before_cal.weekly_total, after_cal.weekly_total)
    before_rate, after_rate = _cases_per_week(baseline), _cases_per_week(redesigned)
    if not math.isclose(before_rate, after_rate, rel_tol=1e-3):
        ch.arrivals = (before_rate, after_rate)
    ch.other = _unsaid_differences(baseline, redesigned, ch)
    merged_into = set(ch.merged.values())
    ch.added = [n for n in redesigned.node_names() if n not in base_nodes and n not in merged_into]
    for s in ch.removed:
        ch.note(s, "removed")
    for s in sorted(ch.automated):
        ch.note(s, "automated")
    for s, into in ch.merged.items():
        ch.note(s, f"merged into {pretty(into).lower()}")
    for d, after in ch.moved.items():
        ch.note(d, f"moved after {pretty(after).lower()}" if after else "moved")
    if not ch.summaries:
        ch.summaries = _inferred_summaries(ch)
    else:  # a recorded redesign edited afterwards (the README's what-if): say what else differs
        recorded = [
            c for c in redesigned.metadata.get("changes", ()) or () if isinstance(c, Mapping)
        ]
        ch.summaries += unrecorded_changes(baseline, redesigned, recorded, ch)
    return ch


BY_HAND = "Also changed by hand"
"""How a change list marks a difference between the two models that the redesign's recorded
changes (``metadata["changes"]``) do not make, such as a headcount edited in ``best/<rank>.yaml``."""


def replay_changes(baseline: ProcessModel, changes: Sequence[Mapping[str, Any]]) -> ProcessModel:
    """``baseline`` with the recorded ``changes`` (``metadata["changes"]`` dicts) made again by
    the ``sim.redesign`` operators, in order: the model they describe. A group change (one of
    ``parameters["steps"]`` per step: a calibrated model's every pass of an activity) is made on
    each of its steps. Raises ``RedesignRefused`` when a change does not apply to ``baseline``
    and ``ValueError`` for an operator it does not know."""
    from sim.redesign import operators as op

    model = baseline
    for c in changes:
        name, target = str(c.get("operator", "")), str(c.get("target", ""))
        p = c.get("parameters") or {}
        steps = _names(p.get("steps")) or [target]
        if name == "remove":
            chk = p.get("check")
            check = (
                op.Check(
                    found_at=str(chk["escaped_errors_found_at"]),
                    rework_to=str(chk["rework_to"]),
                    catch_rate=chk.get("catch_rate"),
                    verdict=chk.get("verdict"),
                    pass_to=chk.get("pass_to"),
                )
                if isinstance(chk, Mapping)
                else None
            )
            for s in steps:
                model = op.remove_step(model, s, check=check)
        elif name == "merge":
            model = op.merge_steps(
                model,
                steps,
                role=p.get("role"),
                setup_saving=p.get("setup_saving", 0.0),
                name=target,
            )
        elif name == "automate":
            rework = p.get("rework_to")
            if len(steps) > 1 and rework == steps[0]:  # a group's first step redone: each its own
                rework = None
            for s in steps:
                model = op.automate_step(
                    model,
                    s,
                    duration=p["duration"],
                    cost_per_execution=p.get("cost_per_execution", 0.0),
                    error_rate=p.get("error_rate", 0.0),
                    rework_to=rework,
                )
        elif name == "simplify":
            for s in steps:
                model = op.simplify_step(model, s, factor=p["factor"])
        elif name == "move_decision":
            model = op.move_decision(model, target)
        elif name == "parallelise":
            model = op.parallelise_steps(model, steps)
        elif name == "delegate":
            for s in steps:
                model = op.delegate_step(
                    model,
                    s,
                    to_role=str(p["to_role"]),
                    duration_factor=p.get("duration_factor", 1.0),
                )
        elif name == "staffing":
            model = op.change_staffing(model, target, headcount=p["headcount"])
        else:
            raise ValueError(f"unknown operator {name!r} in a recorded change of {target!r}")
    return model


def unrecorded_changes(
    baseline: ProcessModel,
    redesigned: ProcessModel,
    recorded: Sequence[Mapping[str, Any]],
    ch: ModelChanges,
) -> list[str]:
    """The differences between ``baseline`` and ``redesigned`` that the ``recorded`` changes do
    not make, one sentence each starting with ``BY_HAND`` (``ch``: the changes of
    ``redesigned`` against ``baseline``).

    The recorded changes are made again on ``baseline`` (``replay_changes``) and that model is
    compared with ``redesigned``: what still differs was changed by hand (a headcount, a
    calendar, a duration, a branch probability), said against the recorded redesign (a role
    the redesign staffed with 4 and the file gives 5 reads ``4 -> 5``). When the changes cannot
    be made again (the baseline is not the model they were recorded on), the staffing, working
    hours, arrivals and steps that no recorded change names are listed, and a last sentence
    says that the rest of the model file was not checked."""
    from sim.errors import SimError

    try:
        made = replay_changes(baseline, recorded)
    except (SimError, KeyError, TypeError, ValueError) as exc:
        return _unnamed_summaries(ch, recorded, str(exc))
    meta = {k: v for k, v in redesigned.metadata.items() if k != "changes"}
    by_hand = model_changes(made, replace(redesigned, metadata=meta))
    return _inferred_summaries(by_hand, by_hand=True)


def _unnamed_summaries(
    ch: ModelChanges, recorded: Sequence[Mapping[str, Any]], why: str
) -> list[str]:
    """``_inferred_summaries`` of what in ``ch`` no recorded change names (their targets and
    steps, a removed check's verdict), for when the changes cannot be made again (``why``)."""
    named: set[str] = set()
    staffed: set[str] = set()
    for c in recorded:
        p = c.get("parameters") or {}
        named |= {str(c.get("target", "")), *_names(p.get("steps"))}
        chk = p.get("check")
        if isinstance(chk, Mapping) and chk.get("verdict"):
            named.add(str(chk["verdict"]))
        if c.get("operator") == "staffing":
            staffed.add(str(c.get("target", "")))
    rest = ModelChanges(
        removed=ch.removed - named,
        automated=ch.automated - named,
        merged={s: t for s, t in ch.merged.items() if s not in named and t not in named},
        moved={d: a for d, a in ch.moved.items() if d not in named},
        notes={n: v for n, v in ch.notes.items() if n not in named},
        staffing={r: v for r, v in ch.staffing.items() if r not in staffed},
        hours=dict(ch.hours),  # no operator changes working hours
        arrivals=ch.arrivals,  # nor arrivals
    )
    return _inferred_summaries(rest, by_hand=True) + [
        "The rest of the model file is not checked for changes by hand: the recorded changes "
        f"do not apply to the baseline's model ({why})"
    ]


#: keys of a model file whose difference says nothing of the process simulated
_NOT_PROCESS = {"provenance", "metadata", "description", "name", "schema_version"}


def _differing_paths(a: Any, b: Any, path: str = "", depth: int = 5) -> list[tuple[str, Any, Any]]:
    """The dotted keys (at most ``depth`` deep) where two ``to_dict`` mappings differ, with the
    two values there."""
    if a == b:
        return []
    if depth == 0 or not isinstance(a, Mapping) or not isinstance(b, Mapping):
        return [(path, a, b)]
    out = []
    for key in sorted(set(a) | set(b), key=str):
        if str(key) in _NOT_PROCESS:
            continue
        sub = f"{path}.{key}" if path else str(key)
        out += _differing_paths(a.get(key), b.get(key), sub, depth - 1)
    return out


def _difference_text(path: str, a: Any, b: Any) -> str:
    """``path: a -> b`` where both are single values (``none`` for a key one model lacks),
    else the path alone."""
    if all(v is None or isinstance(v, str | int | float | bool) for v in (a, b)):

        def shown(v: Any) -> str:
            if v is None:
                return "none"
            if isinstance(v, float):  # money shown whole, not 6e+04; other numbers to 6 digits
                return f"{v:,.0f}" if v.is_integer() and abs(v) >= 1000 else f"{v:.6g}"
            return str(v)

        return f"{path}: {shown(a)} -> {shown(b)}"
    return path


def _unsaid_differences(
    baseline: ProcessModel, redesigned: ProcessModel, ch: ModelChanges
) -> list[str]:
    """The keys where the two models differ that no inferred change names (a branch
    probability, a patience, segment shares, a duration's spread at the same mean), so a
    comparison does not pass over them."""
    from sim.model import to_dict

    said: set[str] = set()
    nodes = ch.removed | ch.automated | set(ch.merged) | set(ch.moved) | set(ch.added)
    said |= {f"steps.{n}" for n in nodes} | {f"decisions.{n}" for n in nodes}
    said |= {f"parallel.{n}" for n in nodes} | {f"ends.{n}" for n in nodes}
    said |= {f"roles.{r}.headcount" for r in ch.staffing}
    said |= {f"roles.{r}.calendar" for r in ch.hours} | ({"calendars"} if ch.hours else set())
    for node, lines in ch.notes.items():
        if any(line.startswith("time ") for line in lines):
            said.add(f"steps.{node}.duration")
        if any(line.startswith(("now ", "delegated")) for line in lines):
            said |= {f"steps.{node}.role", f"steps.{node}.roles"}
    if ch.arrivals is not None:
        said.add("arrivals.interarrival")
    diffs = _differing_paths(to_dict(baseline), to_dict(redesigned))
    return [
        _difference_text(k, a, b)
        for k, a, b in diffs
        if not any(k == s or k.startswith(s + ".") for s in said)
    ]


def _rounded(pieces: list[tuple[float, float, float]]) -> list[tuple[float, ...]]:
    return [tuple(round(x, 6) for x in piece) for piece in pieces]


def _cases_per_week(model: ProcessModel) -> float:
    """Mean arrivals per week (an arrival profile moves arrivals within the week, not their
    number)."""
    try:
        return 168.0 / (model.arrivals.interarrival.mean() * model.time_factor)
    except (ZeroDivisionError, ValueError, TypeError):
        return math.nan


def hours_text(before: float, after: float) -> str:
    """A role's weekly working hours before and after, e.g. ``40 -> 45 h a week`` (or ``40 h a
    week, other hours`` when only the hours' place changed)."""
    if math.isclose(before, after, abs_tol=1e-6):
        return f"{before:.4g} h a week, other hours"
    return f"{before:.4g} -> {after:.4g} h a week"


def _inferred_summaries(ch: ModelChanges, *, by_hand: bool = False) -> list[str]:
    """One sentence per change in ``ch``; ``by_hand``: each marked ``BY_HAND`` (differences
    the recorded changes do not make)."""
    out = [f"Remove '{s}'" for s in sorted(ch.removed)]
    out += [f"Automate '{s}'" for s in sorted(ch.automated)]
    out += [f"Merge '{s}' into '{t}'" for s, t in ch.merged.items()]
    out += [f"Move decision '{d}'" for d in ch.moved]
    out += [f"Staff '{r}': {a} -> {b}" for r, (a, b) in ch.staffing.items()]
    out += [f"Working hours of '{r}': {hours_text(*h)}" for r, h in ch.hours.items()]
    covered = ch.removed | ch.automated | set(ch.merged) | set(ch.moved)
    out += [
        f"'{node}': {', '.join(lines)}" for node, lines in ch.notes.items() if node not in covered
    ]
    if ch.arrivals is not None:
        out.append(f"Arrivals: {ch.arrivals[0]:.4g} -> {ch.arrivals[1]:.4g} cases a week")
    if by_hand:
        out = [f"{BY_HAND}: {s}" for s in out]
    if ch.other:
        shown = ", ".join(ch.other[:8]) + (
            f" and {len(ch.other) - 8} more" if len(ch.other) > 8 else ""
        )
        where = f"{BY_HAND}, in the model file" if by_hand else "Also different in the model file"
        out.append(f"{where}: {shown}")
    return out


def waiting_differences(table: pd.DataFrame | Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Normalise a per-step waiting difference table to ``{step: {diff_mean, ci_low, ci_high}}``.

    Accepts a DataFrame with columns ``step, diff_mean, ci_low, ci_high``, the output of
    ``sim.kpis.paired_comparison`` (index ``waiting_mean:<step>``, columns ``diff, ci_low,
    ci_high``), or a mapping step -> (diff_mean, ci_low, ci_high).
    """
    import pandas as pd

    out: dict[str, dict[str, float]] = {}
    if isinstance(table, pd.DataFrame):
        df = table
        if "step" not in df.columns:
            df = df[[str(i).startswith("waiting_mean:") for i in df.index]].copy()
            df["step"] = [str(i).split(":", 1)[1] for i in df.index]
        mean_col = "diff_mean" if "diff_mean" in df.columns else "diff"
        for _, row in df.iterrows():
            out[str(row["step"])] = {
                "diff_mean": float(row[mean_col]),
                "ci_low": float(row["ci_low"]),
                "ci_high": float(row["ci_high"]),
            }
        return out
    for step, v in table.items():
        if isinstance(v, Mapping):
            d = {k: float(v[k]) for k in ("diff_mean", "ci_low", "ci_high")}
        else:
            a, b, c = v
            d = {"diff_mean": float(a), "ci_low": float(b), "ci_high": float(c)}
        out[str(step)] = d
    return out


def significant(d: Mapping[str, float]) -> bool:
    """Whether a difference's confidence interval excludes zero."""
    lo, hi = d.get("ci_low", math.nan), d.get("ci_high", math.nan)
    return (math.isfinite(lo) and lo > 0) or (math.isfinite(hi) and hi < 0)


def signed(x: float, digits: int = 2) -> str:
    """``x`` with a sign and ``digits`` significant digits (whole numbers from 10**digits up):
    a change of 0.0042 h reads +0.0042, not +0.00."""
    if not math.isfinite(x):
        return f"{x:+}"
    if x == 0:
        return "0"
    ax = abs(x)
    if ax >= 10**digits:
        return f"{x:+,.0f}"
    decimals = max(0, digits - 1 - math.floor(math.log10(ax)))
    if decimals and abs(round(x, decimals)) >= 10 ** (digits - decimals):
        decimals -= 1  # 9.96 rounds up to 10: "+10", not "+10.0"
    return f"{x:+,.{decimals}f}"


def display_unit(values: Sequence[float], unit: str) -> tuple[float, str]:
    """The factor and unit to show durations given in ``unit`` with: minutes when ``unit`` is
    hours and every value is below an hour (a map of changes of -0.06 h reads -3.6 min), else
    ``unit`` itself. One unit for the whole map: the notes and the colour bar agree."""
    finite = [abs(v) for v in values if math.isfinite(v)]
    if unit == "h" and finite and max(finite) < 1.0:
        return 60.0, "min"
    return 1.0, unit


def changed_nodes(baseline: ProcessModel, ch: ModelChanges) -> set[str]:
    """The steps and decisions of ``baseline`` that ``ch`` marks: removed, automated, merged,
    moved (and where a moved decision now sits), or with a note (simplified, delegated, ...)."""
    names = {*ch.removed, *ch.automated, *ch.merged, *ch.moved, *ch.notes}
    names |= {after for after in ch.moved.values() if after}
    return {n for n in names if n in baseline.steps or n in baseline.decisions}


def _nearest_step(
    model: ProcessModel, name: str, visits: Mapping[str, float], *, forward: bool
) -> str | None:
    """The most visited step a case meets right after (``forward``) or right before ``name``,
    through decisions and parallel blocks; ``None`` if there is none."""

    def hop(n: str) -> tuple[str, ...]:
        return model.successors(n) if forward else model.predecessors(n)

    seen, todo, found = {name}, list(hop(name)), []
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        if n in model.steps:
            found.append(n)
        elif n not in model.ends:
            todo.extend(hop(n))
    return max(found, key=lambda n: visits.get(n, 0.0), default=None)


def context_steps(model: ProcessModel, names: Sequence[str], limit: int) -> list[str]:
    """For each of ``names`` (in order), the most visited step just before and just after it,
    at most ``limit`` of them, none of ``names``: where a changed step sits in the flow."""
    visits = expected_visits(model)
    out: list[str] = []
    for name in names:
        for forward in (False, True):
            n = _nearest_step(model, name, visits, forward=forward)
            if n is not None and n not in names and n not in out and len(out) < limit:
                out.append(n)
    return out


def changed_part(
    baseline: ProcessModel, ch: ModelChanges, max_steps: int | None
) -> ProcessModel | None:
    """The part of ``baseline`` a diff map draws when it has more than ``max_steps`` steps
    (``frequent_part``): every node the redesign changes, the steps next to them, then
    the most visited; ``None`` draws the whole model."""
    if max_steps is None or len(baseline.steps) <= max_steps:
        return None
    changed = sorted(changed_nodes(baseline, ch), key=baseline.node_names().index)
    room = max_steps - sum(1 for n in changed if n in baseline.steps)
    try:
        context = context_steps(baseline, changed, max(room, 0))
    except ValueError:  # cases that never leave a loop: the whole map still shows it
        return None
    return frequent_part(baseline, max_steps, keep=[*changed, *context])


def changed_part_note(part: ProcessModel | None, changed: int) -> str | None:
    """What a diff map of ``part`` leaves out, ``changed`` being how many steps the redesign
    changes (``None`` for a whole map)."""
    if part is None:
        return None
    context = part.metadata["kept_steps"] - changed
    kept = [f"the {changed} the redesign changes"] if changed else []
    kept += [f"{context} next to them"] if context else []
    which = ", ".join(kept) + " and the most visited" if kept else "the most visited"
    return part_note(part, which=which, where="model.yaml")


@dataclass(frozen=True)
class _ColourScale:
    """How a diff map colours changes in waiting, in the map's display unit: ``negligible``
    the smallest change coloured, ``floor`` the least the scale spans either way, ``rule``
    the sentence under the map that says so ("" without a cycle time: no such rule)."""

    negligible: float = 0.0
    floor: float = 0.0
    rule: str = ""
    only: str = "significant only"  # the colour bar's word on what it colours

    @classmethod
    def of(cls, cycle_time: float | None, factor: float, unit: str) -> _ColourScale:
        """The scale for today's mean ``cycle_time`` (in the data's unit; ``factor`` converts
        it to the display ``unit``)."""
        if cycle_time is None or not math.isfinite(cycle_time) or cycle_time <= 0:
            return cls()
        cycle = cycle_time * factor
        small, floor = NEGLIGIBLE_SHARE * cycle, SCALE_FLOOR_SHARE * cycle
        return cls(
            small,
            floor,
            f"Colours: a significant change in waiting under {_amount(small, unit)} "
            f"({100 * NEGLIGIBLE_SHARE:g} % of today's mean cycle time, {_amount(cycle, unit)}) "
            "is negligible and left white; the colour scale spans at least "
            f"±{_amount(floor, unit)} ({100 * SCALE_FLOOR_SHARE:g} %).",
            f"significant and at least {_amount(small, unit)} only",
        )


def _amount(x: float, unit: str) -> str:
    """A duration for a sentence: ``2.0 h``, ``204 h``, ``12 min`` (minutes from two hours up
    in hours)."""
    if unit == "min" and x >= 120:
        x, unit = x / 60, "h"
    if x >= 10:
        return f"{x:,.0f} {unit}"
    return f"{x:.1f} {unit}" if x >= 1 else f"{x:.2g} {unit}"


def draw_diff_map(
    baseline: ProcessModel,
    redesigned: ProcessModel,
    *,
    waiting_diff: pd.DataFrame | Mapping[str, Any] | None = None,
    cmap: str = "RdYlGn_r",
    unit: str = "h",
    title: str | None = None,
    lane_order: Sequence[str] | None = None,
    min_probability: float | str = "auto",
    max_steps: int | None = MAP_STEPS_MAX,
    cycle_time: float | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Draw the baseline map with the changes of ``redesigned`` marked on it.

    ``waiting_diff`` gives, per step, the mean change of waiting (redesign minus baseline) with
    its confidence interval (see ``waiting_differences`` for the accepted forms), in ``unit``.
    Significant changes colour the step (green: less waiting, red: more); others say "n.s.".
    Numbers are written with two significant digits, in minutes when ``unit`` is ``"h"`` and no
    value reaches an hour (the notes and the colour bar in the same unit).
    ``min_probability`` hides rare branches as in ``draw_process_map``.

    ``cycle_time`` (today's mean cycle time, in ``unit``) sizes the colours to the process: a
    significant change smaller than ``NEGLIGIBLE_SHARE`` of it stays white and says
    "negligible", and the colour scale spans at least ``SCALE_FLOOR_SHARE`` of it either way
    (a change of 0.7 min in a 200 h process is pale, not deep red); a line under the map
    states the rule. ``None``: every significant change is coloured, the scale spans the
    largest.

    A baseline of more than ``max_steps`` steps (a calibrated one) is drawn as a part of it
    (``changed_part``): every step and decision the redesign changes, the steps just before
    and after them, and the most visited steps up to ``max_steps``, the arrows passing through
    the others; a note under the map says how many it leaves out. ``None`` draws every step.
    """
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    ch = model_changes(baseline, redesigned)
    diffs = waiting_differences(waiting_diff) if waiting_diff is not None else {}
    # a merged step's difference applies to each of its parts
    for src, into in ch.merged.items():
        if into in diffs and src not in diffs:
            diffs[src] = diffs[into]
    notes: dict[str, list[str]] = {k: list(v) for k, v in ch.notes.items()}
    shown = {s: d for s, d in diffs.items() if s in baseline.steps and s not in ch.removed}
    factor, shown_unit = display_unit(
        [
            d[k] if k == "diff_mean" or significant(d) else math.nan
            for d in shown.values()
            for k in ("diff_mean", "ci_low", "ci_high")
        ],
        unit,
    )
    scale = _ColourScale.of(cycle_time, factor, shown_unit)
    sig = {}
    for step, d in shown.items():
        mean, low, high = (factor * d[k] for k in ("diff_mean", "ci_low", "ci_high"))
        if significant(d):
            small = abs(mean) < scale.negligible
            if not small:
                sig[step] = mean
            notes.setdefault(step, []).append(
                f"wait {signed(mean)} {shown_unit} [{signed(low)}, {signed(high)}]"
                + (" (negligible)" if small else "")
            )
        elif math.isfinite(mean):
            notes.setdefault(step, []).append(f"wait {signed(mean)} {shown_unit} (n.s.)")
    part = changed_part(baseline, ch, max_steps)
    drawn = part or baseline
    layout = readable_layout(
        drawn, lane_order=lane_order, notes=notes, min_probability=min_probability
    )

    style = MapStyle()
    norm = cm = None
    if sig:
        m = max(max(abs(v) for v in sig.values()), scale.floor) or 1.0
        norm = Normalize(-m, m)
        cm = colormaps[cmap]
    for step in baseline.steps:
        st = NodeStyle()
        if step in diffs and step not in ch.removed:
            st.fill = cm(norm(sig[step])) if step in sig else "white"
            st.text_color = text_color_on(st.fill)
            st.note_color = st.text_color if step in sig else MUTED
        if step in ch.removed:
            st = NodeStyle(fill="#f5f7f8", hatch="//", edge=MUTED, text_color=MUTED, strike=True)
            st.note_color = DROP
        elif step in ch.merged:
            st.edge, st.linewidth, st.linestyle = MOVED, 2.0, "--"
        elif step in ch.automated or step in ch.notes:
            st.edge, st.linewidth = CHANGED, 2.2
        style.nodes[step] = st
    for d in baseline.decisions:
        if d in ch.moved:
            style.nodes[d] = NodeStyle(fill="#f3e5f5", edge=MOVED, linewidth=1.8, linestyle="--")
        elif d in ch.removed:
            style.nodes[d] = NodeStyle(fill="#eceff1", hatch="///", edge=MUTED)
    for role in {**ch.staffing, **ch.hours}:
        lane = next((ln for ln in layout.lanes if ln.name == role), None)
        if lane is None:
            continue
        label = pretty(role)
        # no-break spaces keep a change on one line ("Sales dev (2 →" over "1)", QA docs #8)
        if role in ch.staffing:
            a, b = ch.staffing[role]
            label += f" ({a}\u00a0→\u00a0{b})"
        if role in ch.hours:
            h0, h1 = ch.hours[role]
            label += (
                f" ({h0:.4g}\u00a0→\u00a0{h1:.4g}\u00a0h/wk)" if h0 != h1 else " (other\u00a0hours)"
            )
        style.lane_labels[role] = "\n".join(textwrap.wrap(label, 16))
    for s in ch.removed:
        for r in layout.routes:
            if s in (r.source, r.target):
                style.faded_edges.add((r.source, r.target))

    summaries = [f"{k}. {s}" for k, s in enumerate(ch.summaries, 1)]
    if ch.added:
        summaries.append(
            "New in the redesign (not drawn): " + ", ".join(pretty(a) for a in ch.added)
        )
    width_chars = max(60, int(max(layout.width, 9.0) / 0.075) - 10)
    changed = sum(1 for n in changed_nodes(baseline, ch) if n in baseline.steps)
    summaries += [t for t in (changed_part_note(part, changed), hidden_note(layout)) if t]
    if shown and scale.rule:
        summaries.append(scale.rule)
    lines = [ln for s in summaries for ln in textwrap.wrap(s, width_chars)] or ["(no changes)"]
    legend: list[tuple[str, str]] = [("removed", "hatch"), ("moved / merged", "dashed")]
    legend.append(("changed (see note)", "changed"))
    names = (
        title_name(baseline.name)
        if redesigned.name == baseline.name
        else f"{title_name(redesigned.name)} vs {title_name(baseline.name)}"
    )
    heading = title or (
        f"{names}: what the redesign changes"
        + (", coloured where waiting changes significantly" if sig else "")
    )
    fig, ax = render_map(
        layout,
        drawn,
        style,
        title=heading,
        colorbar=(
            ColorBar(cm, norm, f"change in mean waiting ({shown_unit}), {scale.only}", shown_unit)
            if sig
            else None
        ),
        legend_extra=legend,
        footer_text="Changes:\n" + "\n".join(lines),
        footer_lines=len(lines) + 2,
    )
    from matplotlib.patches import FancyArrowPatch

    for d, after in ch.moved.items():
        if after in layout.boxes and d in layout.boxes:
            src, dst = layout.boxes[d], layout.boxes[after]
            ax.add_patch(
                FancyArrowPatch(
                    (src.x, src.y + src.shape_h / 2),
                    (dst.x + dst.shape_w / 2, dst.y + dst.shape_h / 2),
                    connectionstyle="arc3,rad=0.25",
                    arrowstyle="-|>",
                    mutation_scale=12,
                    lw=1.4,
                    ls=":",
                    color=MOVED,
                    zorder=5,
                )
            )
    if path is not None:
        save_figure(fig, path)
    return fig
