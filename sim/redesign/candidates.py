"""Candidate redesigns of a model, for the analyst to judge: which operator applies where.

A generated search space (``staffing_space``) varies headcounts only; what may be removed,
merged, automated, simplified, moved or run in parallel is a judgement about the business.
``find_candidates`` does the legwork of that judgement: for each operator it proposes an entry
for every step (or pair of consecutive steps, or decision) and keeps only those that
``SearchSpace.from_dict`` accepts on this model, so applicability is decided by the operators
themselves, not by a second set of rules. ``candidates_text`` writes them as YAML comments with
placeholder values (ready to uncomment), one reason each, most time per case first.

Left out on purpose: steps no role does (a calibrated model's ``delay:...`` timers, a BPMN
timer, automated steps): a timer is a wait of the customer or of another party, so removing,
shortening, automating or merging it is not a change anyone can make to the work. The
repetitions of an activity in a calibrated model (``X #2``, ``X (last)``) are grouped with it:
one entry with ``steps:`` changes every pass of the activity as one choice of the search.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import yaml

from sim.errors import ConfigError
from sim.model.process import TIME_UNITS, ProcessModel
from sim.model.views import expected_visits, steps_by_activity
from sim.redesign.operators import names, roles_text
from sim.redesign.space import SearchSpace

__all__ = [
    "MAX_CANDIDATES_PER_OPERATOR",
    "Candidate",
    "candidates_text",
    "find_candidates",
]

#: At most this many candidates are written per operator (the rest are counted).
MAX_CANDIDATES_PER_OPERATOR = 10
#: The operators ``find_candidates`` proposes entries for, in canonical order. ``delegate`` is
#: not among them: which steps are approvals that another role could take the model cannot tell.
CANDIDATE_OPERATORS = ("remove", "merge", "move_decision", "parallelise", "automate", "simplify")
ESTIMATE = "your estimate"
REASON_WIDTH = 92
PLACEHOLDERS: dict[str, dict[str, Any]] = {
    "remove": {"one_off_cost": 0},
    "merge": {"setup_saving": 0, "one_off_cost": 0},
    "move_decision": {"one_off_cost": 0},
    "parallelise": {"one_off_cost": 0},
    "automate": {
        "duration": {"dist": "fixed", "value": 0},
        "cost_per_execution": 0,
        "one_off_cost": 0,
    },
    "simplify": {"min_factor": 0.8, "factor_step": 0.05, "one_off_cost_per_percent": 0},
}
#: What the analyst has to judge in each operator's placeholders (the section's comment).
JUDGE = {
    "remove": "steps that are not mandatory; one_off_cost: what dropping it takes; a check "
    "also needs a checks: entry saying where the errors it caught surface",
    "merge": "consecutive steps one role could do as one; setup_saving: share of their time "
    "saved, one_off_cost",
    "move_decision": "decisions that could be taken as soon as their inputs (requires) are done",
    "parallelise": "consecutive steps that do not require each other, run side by side",
    "automate": "steps a system could do; duration: the system's time per pass (model time "
    "unit), cost_per_execution, one_off_cost",
    "simplify": "steps to make faster; min_factor: the shortest duration as a share of today's, "
    "one_off_cost_per_percent of time saved",
}


@dataclass(frozen=True)
class Candidate:
    """Entries of one operator that go together (one step, or every pass of one activity),
    accepted by ``SearchSpace.from_dict`` on the model, with why they are worth a look."""

    operator: str
    entries: dict[str, dict[str, Any]]
    reason: str
    time_per_case: float

    def config(self) -> dict[str, Any]:
        """The search-space mapping of this candidate alone, ``{operator: entries}``."""
        return {self.operator: {k: dict(v) for k, v in self.entries.items()}}

    def lines(self) -> list[str]:
        """The candidate as YAML lines under its operator's key (two spaces in), uncommented."""
        out = [f"  # {line}" for line in textwrap.wrap(self.reason, REASON_WIDTH)]
        for i, (name, spec) in enumerate(self.entries.items()):
            note = f"  # {ESTIMATE}s" if i == 0 else ""
            out.append(f"  {_flow(name)}: {_flow(spec)}{note}")
        return out


# ------------------------------------------------------------------------------ find
def find_candidates(
    model: ProcessModel, *, time_per_case: Mapping[str, float] | None = None
) -> dict[str, list[Candidate]]:
    """Every candidate of each operator in ``CANDIDATE_OPERATORS`` that applies to ``model``,
    most time per case first.

    ``time_per_case`` (hours a case spends at each step, waiting + processing, e.g.
    ``sim.kpis.time_per_case`` of a simulation's step rows) ranks the candidates; without it a
    step's time is its expected visits x mean duration. Steps no role does are never proposed.
    """
    ctx = _Context(model, time_per_case)
    found = {
        "remove": ctx.grouped("remove", "not mandatory"),
        "merge": ctx.pairs("merge", ctx.merge_reason),
        "move_decision": ctx.decisions(),
        "parallelise": ctx.pairs("parallelise", lambda a, b: "neither requires the other"),
        "automate": ctx.grouped("automate", "done by {roles}"),
        "simplify": ctx.grouped("simplify", "done by {roles}"),
    }
    return {op: sorted(c, key=lambda c: -c.time_per_case) for op, c in found.items()}


def accepted(model: ProcessModel, operator: str, name: str, spec: Mapping[str, Any]) -> bool:
    """Whether ``SearchSpace.from_dict`` accepts the one entry ``{operator: {name: spec}}`` on
    ``model`` (the operators' own checks decide)."""
    try:
        SearchSpace.from_dict({operator: {name: dict(spec)}}, model)
    except ConfigError:
        return False
    return True


class _Context:
    """A model with its people's steps, their activities and time per case."""

    def __init__(self, model: ProcessModel, time_per_case: Mapping[str, float] | None) -> None:
        self.model = model
        self.hours = TIME_UNITS[model.time_unit]
        self.visits = expected_visits(model)
        self.measured = time_per_case is not None
        if time_per_case is not None:
            self.time = {s: float(time_per_case.get(s, 0.0)) for s in model.steps}
        else:
            self.time = {
                s: self.visits[s] * step.duration.mean() * self.hours
                for s, step in model.steps.items()
            }
        self.people = [s for s, step in model.steps.items() if step.roles]
        people = set(self.people)
        self.activity_of = {
            s: act for act, steps in steps_by_activity(model).items() for s in steps
        }
        self.groups = {
            act: [s for s in steps if s in people]
            for act, steps in steps_by_activity(model).items()
        }

    def share(self, steps: list[str]) -> str:
        """How many cases reach ``steps`` (a share of cases) and, where cases come back to them
        (rework), the passes a case makes there on average: expected visits per case are no
        share of cases (QA newuser19 #6: 0.90 visits per case of a looped step that 71 % of
        cases reach were '90 % of cases pass here')."""
        v = sum(self.visits[s] for s in steps)
        reached = self.reached(steps)
        if v - reached < 0.005:  # no case passes twice
            return f"{100 * reached:.0f} % of cases pass here"
        return f"{100 * reached:.0f} % of cases reach it, {v:.2g} passes per case"

    def reached(self, steps: list[str]) -> float:
        """The share of cases that pass ``steps`` at least once, by the model's routing: the
        expected visits to them when a case that reaches one of them ends there."""
        end = next(iter(self.model.ends))
        cut = {s: replace(self.model.steps[s], next=end) for s in steps}
        visits = expected_visits(replace(self.model, steps={**self.model.steps, **cut}))
        return min(sum(visits[s] for s in steps), 1.0)

    def per_case(self, steps: list[str]) -> str:
        """Time per case at ``steps``, readable."""
        what = "per case (waiting + processing)" if self.measured else "of work per case"
        return f"{hours_text(sum(self.time[s] for s in steps))} {what}"

    def grouped(self, operator: str, why: str) -> list[Candidate]:
        """One candidate per activity: its steps (every pass) that the operator accepts, as one
        entry that changes them together (``steps:``), one choice in the search; where the
        operator refuses them together, one candidate per step it accepts alone."""
        out = []
        placeholder = PLACEHOLDERS[operator]
        for act, steps in self.groups.items():
            ok = [s for s in steps if accepted(self.model, operator, s, placeholder)]
            label = act if act in ok or act not in self.model.steps else f"{act} (passes)"
            together = {"steps": ok, **placeholder}
            if len(ok) > 1 and accepted(self.model, operator, label, together):
                note = f"its {len(ok)} steps are the passes of '{act}', changed together"
                out.append(self._candidate(operator, why, {label: together}, ok, note))
            else:
                out += [self._candidate(operator, why, {s: dict(placeholder)}, [s]) for s in ok]
        return out

    def _candidate(
        self, operator: str, why: str, entries: dict, steps: list[str], note: str = ""
    ) -> Candidate:
        roles = roles_text(sorted({r for s in steps for r in self.model.steps[s].roles}))
        alts = sorted({a.role for s in steps for a in self.model.steps[s].alternatives})
        if alts:  # people of other roles may take it too
            roles += " (or " + " or ".join(alts) + ")"
        parts = [why.format(roles=roles), self.share(steps), self.per_case(steps)]
        if operator == "remove":
            parts += self._decided_by(steps)
        return Candidate(operator, entries, "; ".join(parts + [note] * bool(note)), self._t(steps))

    def _decided_by(self, steps: list[str]) -> list[str]:
        """For a removal: the decisions that require one of ``steps`` (a calibrated decision
        after a step requires it), whose shares would stay as if the step were still done."""
        names = sorted(
            d.name for d in self.model.decisions.values() if set(d.requires) & set(steps)
        )
        if not names:
            return []
        return [
            f"decision {', '.join(repr(n) for n in names)} requires it: removed, its shares stay "
            "as if it were done; if it decides them (a check), say what it caught under checks:"
        ]

    def pairs(self, operator: str, why: Callable[[str, str], str]) -> list[Candidate]:
        """One candidate per two consecutive people's steps of different activities."""
        sep = "+" if operator == "merge" else "|"
        out = []
        for a in self.people:
            b = self.model.steps[a].next
            if b not in self.model.steps or not self.model.steps[b].roles:
                continue
            if self.activity_of.get(a) == self.activity_of.get(b):
                continue  # a step and its own repetition
            name = f"{a}{sep}{b}"
            spec = {"steps": [a, b], **PLACEHOLDERS[operator]}  # names may hold '+' or '|'
            if accepted(self.model, operator, name, spec):
                reason = f"'{b}' right after '{a}', {why(a, b)}; {self.share([a])}"
                reason += f"; {self.per_case([a, b])}"
                out.append(Candidate(operator, {name: spec}, reason, self._t([a, b])))
        return out

    def merge_reason(self, a: str, b: str) -> str:
        """Who would do the merged step."""
        return f"both done by {roles_text(self.model.steps[a].roles)}"

    def decisions(self) -> list[Candidate]:
        """One candidate per decision the move_decision operator accepts, weighted by the
        time of the steps that the cases on its other branches (exits, rework) would skip;
        the reason names the branch the operator chose to carry those steps on."""
        out = []
        spec = PLACEHOLDERS["move_decision"]
        for d, decision in self.model.decisions.items():
            if not accepted(self.model, "move_decision", d, spec):
                continue
            moved = SearchSpace.from_dict({"move_decision": {d: dict(spec)}}, self.model)
            after = moved.apply(self.model, {f"move_decision:{d}": True})
            saved = max(0.0, self._work(self.model) - self._work(after))
            change = after.metadata["changes"][-1]["parameters"]
            others = list(dict.fromkeys(b.to for b in decision.branches))
            others.remove(change["goes_on"])
            needs = (
                names(decision.requires)
                if decision.requires
                else f"no step (check that its outcome does not depend on "
                f"{names(change['skipped'])})"
            )
            reason = (
                f"requires {needs}; taken as soon as that is done, the cases that go to "
                f"{names(others)} skip {names(change['skipped'])} ({hours_text(saved)} of steps "
                f"per case), which stay on the way to '{change['goes_on']}'"
            )
            out.append(Candidate("move_decision", {d: dict(spec)}, reason, saved))
        return out

    def _t(self, steps: list[str]) -> float:
        return sum(self.time[s] for s in steps)

    def _work(self, model: ProcessModel) -> float:
        visits = expected_visits(model)
        return sum(visits[s] * st.duration.mean() for s, st in model.steps.items()) * self.hours


# ------------------------------------------------------------------------------ write
def candidates_text(
    model: ProcessModel,
    *,
    time_per_case: Mapping[str, float] | None = None,
    source: str | None = None,
    limit: int = MAX_CANDIDATES_PER_OPERATOR,
) -> str:
    """The candidates of ``find_candidates`` as a commented block to append to a generated
    ``redesign.yaml``: removing one leading ``#`` from an operator's key line and from the lines
    of a candidate turns it into a search-space entry. At most ``limit`` per operator.
    ``source`` says where ``time_per_case`` was measured (e.g. "one replication of today's
    process"), for the block's header."""
    found = find_candidates(model, time_per_case=time_per_case)
    if time_per_case is None:
        ranking = ["(expected visits x mean duration: no waiting, as nothing is simulated yet)."]
    else:
        where = f" in {source}" if source else ""
        ranking = textwrap.wrap(f"(waiting + processing{where}).", REASON_WIDTH - 3)
    lines = [
        "",
        "## ---------------------------------------------------------------------------------",
        "## Candidate redesigns: the entries that apply to this model, as comments, so the search",
        "## above stays staffing-only until you choose. To add one, delete the leading '#' of its",
        "## operator's line and of the candidate's lines, and replace the placeholder values (0,",
        "## min_factor 0.8, a duration of 0) with your estimates. Most time per case first",
        *(f"## {line}" for line in ranking),
    ]
    lines += _left_out(model)
    for op in CANDIDATE_OPERATORS:
        cands = found[op]
        lines.append("")
        if not cands:
            lines.append(f"## {op}: none applies to this model ({JUDGE[op]}).")
            continue
        lines.append(f"# {op}:  # {JUDGE[op]}")
        for c in cands[:limit]:
            lines += [f"# {line}" for line in c.lines()]
        if len(cands) > limit:
            lines.append(f"#   # ... {len(cands) - limit} more apply (with less time per case)")
    lines.append("## delegate: not proposed (which steps are approvals the model cannot tell).")
    return "\n".join(lines) + "\n"


def _left_out(model: ProcessModel) -> list[str]:
    """The comment saying which steps are never proposed, and why."""
    nobody = [s for s, step in model.steps.items() if not step.roles]
    if not nobody:
        return []
    timers = set((model.metadata or {}).get("timer_steps") or ())
    n_timers = sum(1 for s in nobody if s in timers)
    shown = ", ".join(f"'{s}'" for s in nobody[:2]) + (", ..." if len(nobody) > 2 else ".")
    kind = f", {n_timers} of them timers" if n_timers else ""
    return [
        f"## Left out: the {len(nobody)} step(s) no role does{kind}:",
        f"##   {shown}",
        "## A timer is a wait of the customer or of another party, so removing, shortening,",
        "## automating or merging it is not a change anyone can make to the work; an automated",
        "## step has no people to save.",
        *(
            [
                "## Removing, automating or simplifying a step leaves the timers before it",
                "## ('delay:<step>...') as they are: the case still waits them, so a removal",
                "## saves the work, not that wait. Where the wait would go with the step, add",
                "## its timers to the same remove entry (remove accepts them).",
            ]
            if n_timers
            else []
        ),
    ]


def hours_text(h: float) -> str:
    """``12.4`` -> ``"12.4 h"``; ``0.25`` -> ``"15 min"``; ``0.001`` -> ``"3.6 s"``."""
    if h >= 1.0:
        return f"{h:.3g} h"
    if h * 60 >= 1.0:
        return f"{h * 60:.2g} min"
    return f"{h * 3600:.2g} s"


def _flow(value: Any) -> str:
    """``value`` as one line of flow-style YAML (names quoted only when YAML needs it)."""
    text = yaml.safe_dump([value], default_flow_style=True, width=10**6, sort_keys=False)
    return text.strip()[1:-1]
