"""Graph helpers shared by the redesign operators: what is surely done before a node, and a draft.

``done_before(model)`` answers "which steps has every case certainly finished when it reaches this
node?" by a forward *must* analysis over the model's graph that understands parallel blocks (after
a join, everything done in any branch of an AND block is done). A step's ``requires`` is
*satisfied* when every required step is in that set. Operators use it to refuse a change that
would let a case reach a step before the steps it requires.

``Draft`` holds mutable copies of a model's node dictionaries so an operator can rewire the graph
and build a new ``ProcessModel`` at the end; the input model and its dictionaries are never
touched.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import replace

from sim.errors import RedesignRefused
from sim.model.process import Branch, Decision, Parallel, ProcessModel, Step

__all__ = ["Draft", "done_before", "reachable", "unsatisfied_requirements"]


def reachable(model: ProcessModel, start: str, *, stop: str | None = None) -> set[str]:
    """Nodes reachable from ``start`` (``start`` included), not walking past ``stop``."""
    seen = {start}
    queue = deque([start])
    while queue:
        n = queue.popleft()
        if n == stop:
            continue
        for s in model.successors(n):
            if s not in seen:
                seen.add(s)
                queue.append(s)
    return seen


def done_before(model: ProcessModel) -> dict[str, frozenset[str]]:
    """For every node, the steps that every case has finished whenever it reaches the node.

    A forward must-analysis (the greatest fixed point, like dominators): a node's set is the
    intersection over the ways into it, except at the join of a parallel block without
    ``probabilities``, where every branch has run, so the sets of the branches are united.
    Nodes that cannot be reached keep the set of every step.
    """
    names = model.node_names()
    every = frozenset(model.steps)
    preds: dict[str, list[str]] = {n: [] for n in names}
    for n in names:
        for s in model.successors(n):
            preds[s].append(n)
    # which join-predecessors belong to which branch of each parallel block
    branch_members: dict[str, list[set[str]]] = {}
    for par in model.parallels.values():
        groups = []
        for b in par.branches:
            if b == par.join:
                groups.append({par.name})
            else:
                inside = reachable(model, b, stop=par.join)
                groups.append({p for p in preds[par.join] if p in inside})
        branch_members[par.join] = groups
    joins = model.joins

    into: dict[str, frozenset[str]] = {n: every for n in names}
    into[model.start] = frozenset()

    def out(n: str) -> frozenset[str]:
        return into[n] | {n} if n in model.steps else into[n]

    changed = True
    while changed:
        changed = False
        for n in names:
            if n == model.start:
                new: frozenset[str] = frozenset()
            elif n in joins and joins[n].probabilities is None:
                new = frozenset()
                for group in branch_members[n]:
                    if group:
                        new |= frozenset.intersection(*(out(p) for p in group))
                    else:  # a branch that never reaches the join (validated away)
                        new = every
            elif preds[n]:
                new = frozenset.intersection(*(out(p) for p in preds[n]))
            else:
                new = every
            if new != into[n]:
                into[n] = new
                changed = True
    return into


def unsatisfied_requirements(model: ProcessModel) -> set[tuple[str, str]]:
    """``(node, required step)`` pairs where a case can reach the node before the step is done."""
    done = done_before(model)
    out: set[tuple[str, str]] = set()
    for node in [*model.steps.values(), *model.decisions.values()]:
        for req in node.requires:
            if req not in done.get(node.name, frozenset()):
                out.add((node.name, req))
    return out


def _dedupe(names: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


def _likeliest(probabilities: Sequence[float]) -> int:
    """The branch the engine runs when a case draws none: the first of the highest probability."""
    return max(range(len(probabilities)), key=lambda i: (probabilities[i], -i))


def _ran(probabilities: Sequence[float], k: int) -> float:
    """The share of cases an inclusive block's branch ``k`` runs in: its probability, plus the
    cases that draw no branch when ``k`` is the likeliest (the engine runs it then)."""
    none = math.prod(1.0 - q for q in probabilities)
    return min(float(probabilities[k]) + (none if k == _likeliest(probabilities) else 0.0), 1.0)


class Draft:
    """Mutable copies of a model's node dictionaries; ``build()`` returns the new model."""

    def __init__(self, model: ProcessModel) -> None:
        self.model = model
        self.start = model.start
        self.steps: dict[str, Step] = dict(model.steps)
        self.decisions: dict[str, Decision] = dict(model.decisions)
        self.parallels: dict[str, Parallel] = dict(model.parallels)

    # ------------------------------------------------------------------------------- queries
    def referrers(self, name: str) -> list[str]:
        """Nodes (or ``"start"``) that lead to ``name``."""
        out = []
        if self.start == name:
            out.append("start")
        out += [s.name for s in self.steps.values() if s.next == name]
        out += [d.name for d in self.decisions.values() if any(b.to == name for b in d.branches)]
        for p in self.parallels.values():
            if name in p.branches:
                out.append(p.name)
            if p.next == name:
                out.append(p.join)
        return out

    # ------------------------------------------------------------------------------- rewiring
    def redirect(self, old: str, new: str) -> None:
        """Every reference to node ``old`` (start, next, branches) now points to ``new``."""
        if self.start == old:
            self.start = new
        for n, s in list(self.steps.items()):
            if s.next == old:
                self.steps[n] = replace(s, next=new)
        for n, d in list(self.decisions.items()):
            if any(b.to == old for b in d.branches):
                self.decisions[n] = _merge_branches(
                    replace(
                        d,
                        branches=tuple(
                            Branch(new if b.to == old else b.to, b.probability) for b in d.branches
                        ),
                    )
                )
        for n, p in list(self.parallels.items()):
            if old in p.branches or p.next == old:
                self.parallels[n] = replace(
                    p,
                    branches=tuple(new if b == old else b for b in p.branches),
                    next=new if p.next == old else p.next,
                )

    def replace_requirement(self, old: str, new: tuple[str, ...]) -> None:
        """In every ``requires``, put ``new`` (possibly several steps, or none) in place of ``old``."""

        def swap(name: str, reqs: tuple[str, ...]) -> tuple[str, ...]:
            out: list[str] = []
            for r in reqs:
                out.extend(new if r == old else (r,))
            return _dedupe([r for r in out if r != name])

        for n, s in list(self.steps.items()):
            if old in s.requires:
                self.steps[n] = replace(s, requires=swap(n, s.requires))
        for n, d in list(self.decisions.items()):
            if old in d.requires:
                self.decisions[n] = replace(d, requires=swap(n, d.requires))

    def normalise_parallels(self) -> None:
        """Drop empty branches (straight to the join); dissolve blocks left with one branch.

        An AND block drops its empty branches. An inclusive block (``probabilities``) left with
        two or more branches keeps its empty ones as a single branch straight to the join, so
        every other branch keeps its frequency (see ``_inclusive_left``). One left with one
        branch that ran in a share p < 1 of the cases (its probability, plus the cases where no
        branch was drawn when it was the likeliest: the engine runs that one) becomes a decision
        of the same name: that branch with p, straight on to the block's ``next`` with 1 - p, so
        the branch keeps its frequency.
        """
        for name in list(self.parallels):
            p = self.parallels[name]
            keep = [i for i, b in enumerate(p.branches) if b != p.join]
            seen: set[str] = set()
            keep = [i for i in keep if not (p.branches[i] in seen or seen.add(p.branches[i]))]
            if len(keep) >= 2:
                if p.probabilities is not None and p.join in p.branches:
                    self.parallels[name] = self._inclusive_left(p, keep)
                elif len(keep) != len(p.branches):
                    probs = (
                        None if p.probabilities is None else tuple(p.probabilities[i] for i in keep)
                    )
                    self.parallels[name] = replace(
                        p, branches=tuple(p.branches[i] for i in keep), probabilities=probs
                    )
                continue
            del self.parallels[name]
            if not keep:
                self.redirect(name, p.next)
                continue
            branch = p.branches[keep[0]]
            chance = 1.0 if p.probabilities is None else _ran(p.probabilities, keep[0])
            self.redirect(p.join, p.next)
            if chance >= 1.0:  # one branch left that always runs: it simply runs
                self.redirect(name, branch)
            else:
                self.decisions[name] = Decision(
                    name=name,
                    branches=(Branch(branch, chance), Branch(p.next, 1.0 - chance)),
                    description=(
                        f"What is left of the inclusive block '{name}': '{branch}' runs in "
                        f"a share {chance:g} of the cases"
                    ),
                )

    def _inclusive_left(self, p: Parallel, keep: list[int]) -> Parallel:
        """Inclusive block ``p`` with its branches ``keep`` and one empty branch (straight to the
        join) in place of the others, which the steps removed left empty.

        Each branch kept runs on its own draw, and when a case draws none the engine runs the
        likeliest; dropping the empty branches would hand the cases that drew only them to the
        likeliest branch left. The empty branch runs when any of them would have (probability
        ``1 - prod(1 - q)``), where the first of them stood, so the cases that draw nothing
        still fall to the same branch (the empty one when one of them was the likeliest). When
        a branch kept was the likeliest and the empty branch would now be likelier, no block
        keeps the frequencies: the removal is refused.
        """
        probs = p.probabilities
        assert probs is not None  # only inclusive blocks come here
        empty = [i for i, b in enumerate(p.branches) if b == p.join]
        # one empty branch keeps its own probability (1 - (1 - q) need not give q back)
        q = probs[empty[0]] if len(empty) == 1 else 1.0 - math.prod(1.0 - probs[i] for i in empty)
        fallback = _likeliest(probs)
        want = p.join if fallback in empty else p.branches[fallback]
        kept = sorted(keep)
        spots = [sum(i < empty[0] for i in kept)]  # where the first of them stood
        if fallback in kept:  # or right after the likeliest kept, should that break a tie
            spots.append(kept.index(fallback) + 1)
        for at in spots:
            slots = [*kept[:at], empty[0], *kept[at:]]
            branches = tuple(p.join if i == empty[0] else p.branches[i] for i in slots)
            left = tuple(q if i == empty[0] else probs[i] for i in slots)
            if branches[_likeliest(left)] == want:
                return replace(p, branches=branches, probabilities=left)
        old = self.model.parallels.get(p.name)
        gone = [b for b in (old.branches if old else ()) if b != p.join and b not in p.branches]
        what = " and ".join(f"'{b}'" for b in gone) or "the emptied branches"
        raise RedesignRefused(
            f"cannot remove {what} from the inclusive block '{p.name}': a case that draws none of "
            f"its branches runs the likeliest, '{want}' (probability {probs[fallback]:g}); for "
            f"the branches left to keep their frequencies, the removed ones would have to stay "
            f"as one branch straight to '{p.join}' with probability {q:g}, which would be the "
            f"likeliest instead, so no inclusive block keeps them"
        )

    def build(self) -> ProcessModel:
        """The new model (not validated; operators validate it)."""
        return replace(
            self.model,
            start=self.start,
            steps=dict(self.steps),
            decisions=dict(self.decisions),
            parallels=dict(self.parallels),
        )


def _merge_branches(d: Decision) -> Decision:
    """Combine branches that now lead to the same node (probabilities add up)."""
    targets = list(dict.fromkeys(b.to for b in d.branches))
    if len(targets) == len(d.branches):
        return d
    index = [targets.index(b.to) for b in d.branches]

    def fold(probs: tuple[float, ...]) -> tuple[float, ...]:
        acc = [0.0] * len(targets)
        for i, p in zip(index, probs, strict=True):
            acc[i] += p
        return tuple(acc)

    base = fold(tuple(b.probability for b in d.branches))
    return replace(
        d,
        branches=tuple(Branch(t, p) for t, p in zip(targets, base, strict=True)),
        by_segment={seg: fold(p) for seg, p in d.by_segment.items()},
    )
