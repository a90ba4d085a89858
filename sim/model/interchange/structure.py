"""From a BPMN flow graph to the block structure of our model.

BPMN gateways are nodes with several incoming and outgoing flows; our model has decisions
(exclusive splits), parallel blocks (a split with an explicit join and a ``next``) and steps with a
single ``next``. The conversion:

1. **Normalise.** A gateway with several incoming *and* outgoing flows is a join followed by a
   split. An exclusive gateway with one outgoing flow (a merge) and any gateway with one flow in
   and one out are pass-throughs; so are throw events and sub-process boundaries. Several flows
   into a task or an end are an implicit exclusive merge (as in BPMN and Prosimos). A task (or
   event, or sub-process) with several outgoing flows splits implicitly, as BPMN 2.0 says
   (sequence flows out of an activity): a flow without a condition is always taken, a flow with
   a condition (``conditionExpression``, the mini-diamond) when its condition holds, and the
   activity's ``default`` flow only when no condition holds. So

   * no conditional flow: an implicit **parallel** split;
   * one conditional flow and the default flow, nothing else: an implicit **exclusive** choice
     (a decision);
   * otherwise, conditional flows (and the default flow) with no unconditional one: an implicit
     **inclusive** choice (several conditions can hold at once); unconditional flows besides
     conditional ones: an inclusive split whose unconditional branches are always taken;
   * a default flow with unconditional flows (it is then never taken, or depends on conditions
     beside flows that always run) is refused.

   A choice's probabilities come from the parameters under the activity's id, as a gateway's.
2. **Match splits to joins.** The join of a parallel or inclusive split is its immediate
   post-dominator (the first node every path from the split must pass before any end). It must
   be a parallel/inclusive join; an inclusive split needs an inclusive join (a parallel join
   would wait for branches that were not taken). When all branches instead run into the same end
   event (or the end of a sub-process), an implicit join is added in front of it: BPMN finishes
   the case when the last token does. When several splits share one join gateway, each inner
   split gets its own join placed in front of the shared one.
3. **Resolve.** Pass-throughs disappear: every flow points to the next real node.

Anything that cannot be expressed (branches of one parallel split that end at different end
events, or merge in an exclusive gateway, a loop back into a parallel split, a join that is not
the join of any split) is a ``ModelError`` naming the BPMN element ids.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from sim.errors import ModelError
from sim.model.interchange.bpmn_read import Graph, Node

START, END, STEP, DECISION, SPLIT, JOIN, PASS = (
    "start",
    "end",
    "step",
    "decision",
    "split",
    "join",
    "pass",
)
EXIT = "#exit"


@dataclass
class SkNode:
    """A node of the model to be built, with the BPMN element it came from (if any)."""

    id: str  # BPMN element id, or a synthetic id containing '#'
    kind: str  # step, decision, split, join, end
    name: str = ""
    bpmn: Node | None = None
    gateway: str = ""  # kind of split/join: and | or
    next: str = ""  # step; split (after the join)
    branches: list[tuple[str, str]] = field(default_factory=list)  # (flow id, target name)
    join: str = ""  # split: join name
    choice: Node | None = None  # a choice made by an activity's conditional flows: the activity
    always: tuple[str, ...] = ()  # such a split's flows without a condition (always taken)


@dataclass
class Skeleton:
    """The model's graph with names, before durations, probabilities and staff are attached."""

    start: str
    nodes: dict[str, SkNode]  # by model name

    def of_kind(self, kind: str) -> list[SkNode]:
        """Nodes of one kind, in a stable order."""
        return [n for n in self.nodes.values() if n.kind == kind]


class _Work:
    """A mutable copy of the graph: node kinds and flows (id -> [source, target])."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.kind: dict[str, str] = {}
        self.gw: dict[str, str] = {}  # split/join type
        self.base: dict[str, str] = {}  # display base name
        self.origin: dict[str, Node | None] = {}
        self.choice: dict[str, Node] = {}  # implicit choice node -> the activity it follows
        self.always: dict[str, tuple[str, ...]] = {}  # its flows without a condition
        self.flows: dict[str, list[str]] = {f.id: [f.source, f.target] for f in g.flows.values()}
        self.out: dict[str, list[str]] = {n: [] for n in g.nodes}
        self.inc: dict[str, list[str]] = {n: [] for n in g.nodes}
        for fid, (s, t) in self.flows.items():
            self.out[s].append(fid)
            self.inc[t].append(fid)

    def err(self, msg: str) -> ModelError:
        return ModelError(f"{self.g.source}: {msg}")

    def new_node(self, nid: str, kind: str, base: str, gw: str = "") -> str:
        k = 2
        unique = nid
        while unique in self.kind or unique in self.g.nodes:
            unique = f"{nid}{k}"
            k += 1
        self.kind[unique] = kind
        self.gw[unique] = gw
        self.base[unique] = base
        self.origin[unique] = None
        self.out[unique] = []
        self.inc[unique] = []
        return unique

    def new_flow(self, fid: str, s: str, t: str) -> str:
        k = 2
        unique = fid
        while unique in self.flows:
            unique = f"{fid}{k}"
            k += 1
        self.flows[unique] = [s, t]
        self.out[s].append(unique)
        self.inc[t].append(unique)
        return unique

    def retarget(self, fid: str, t: str) -> None:
        old = self.flows[fid][1]
        self.inc[old].remove(fid)
        self.flows[fid][1] = t
        self.inc[t].append(fid)

    def resource(self, fid: str, s: str) -> None:
        old = self.flows[fid][0]
        self.out[old].remove(fid)
        self.flows[fid][0] = s
        self.out[s].append(fid)

    def succ(self, n: str) -> list[str]:
        return [self.flows[f][1] for f in self.out[n]]

    def pred(self, n: str) -> list[str]:
        return [self.flows[f][0] for f in self.inc[n]]


def _normalise(w: _Work) -> None:
    g = w.g
    for nid, node in g.nodes.items():
        w.origin[nid] = node
        w.base[nid] = node.name or nid
        n_in, n_out = len(w.inc[nid]), len(w.out[nid])
        k = node.kind
        # the name the analyst drew, after the message (modellers show names, not ids)
        named = f" ['{nid.split('#')[0]}' is {node.name!r}]" if node.name else ""
        if k == "start":
            if n_in:
                raise w.err(f"start event '{nid}' has incoming flows {w.inc[nid]}{named}")
            if not n_out:
                raise w.err(f"start event '{nid}' has no outgoing flow{named}")
            w.kind[nid] = START
        elif k == "end":
            if n_out:
                raise w.err(f"end event '{nid}' has outgoing flows {w.out[nid]}{named}")
            if not n_in:
                raise w.err(f"end event '{nid}' has no incoming flow (it is never reached){named}")
            w.kind[nid] = END
        else:
            what = f"element '{nid}' ({node.tag or 'sub-process end'})"
            if not n_in:
                raise w.err(f"{what} has no incoming flow (it is never reached){named}")
            if not n_out:
                raise w.err(
                    f"{what} has no outgoing flow (a dead end: connect it to an end event){named}"
                )
            if k in ("task", "delay"):
                w.kind[nid] = STEP
            elif k == "pass":
                w.kind[nid] = PASS
            elif k == "xor":
                w.kind[nid] = DECISION if n_out > 1 else PASS
            elif k in ("and", "or"):
                if n_in > 1 and n_out > 1:
                    j = w.new_node(f"{nid}#join", JOIN, f"{w.base[nid]} (join)", k)
                    for f in list(w.inc[nid]):
                        w.retarget(f, j)
                    w.new_flow(f"{nid}#joined", j, nid)
                    w.kind[nid] = SPLIT
                elif n_out > 1:
                    w.kind[nid] = SPLIT
                elif n_in > 1:
                    w.kind[nid] = JOIN
                else:
                    w.kind[nid] = PASS
                w.gw[nid] = k
            else:  # pragma: no cover - the reader only makes the kinds above
                raise w.err(f"{what}: unknown kind {k}")
    # implicit splits and choices after tasks and events with several outgoing flows
    for nid in list(g.nodes):
        if w.kind[nid] in (START, STEP, PASS) and len(w.out[nid]) > 1:
            _implicit_split(w, nid)


def _implicit_split(w: _Work, nid: str) -> None:
    """The split after element ``nid``, whose outgoing flows are its branches: parallel,
    exclusive or inclusive as its conditional and default flows say (the module docstring)."""
    node = w.g.nodes[nid]
    outs = list(w.out[nid])
    default = node.default if node.default in outs else ""
    conditional = [f for f in outs if f != default and w.g.flows[f].condition]
    plain = [f for f in outs if f != default and f not in conditional]
    what = f"{node.tag or 'sub-process'} {node.label()}"
    if default and plain:
        raise w.err(
            f"{what}: its default flow '{default}' is taken only when no condition of its other "
            f"flows holds, but its flows {plain} have no condition (they are always taken, in "
            "parallel): give them conditions (the default flow is then the choice when none "
            "holds), or remove the default marker for a parallel split, or draw a gateway"
        )
    if not conditional:
        kind, gw, base = SPLIT, "and", f"{w.base[nid]} (split)"
    elif len(conditional) == 1 and default and not plain:
        kind, gw, base = DECISION, "", f"{w.base[nid]} (choice)"
    else:
        kind, gw, base = SPLIT, "or", f"{w.base[nid]} (inclusive choice)"
    s = w.new_node(f"{nid}#{'split' if gw == 'and' else 'choice'}", kind, base, gw)
    if conditional:
        w.choice[s] = node
        w.always[s] = tuple(plain)
    for f in outs:
        w.resource(f, s)
    w.new_flow(f"{nid}#tosplit", nid, s)


def _postdominators(w: _Work) -> dict[str, str]:
    """Immediate post-dominator of every node (Cooper, Harvey & Kennedy on the reversed graph)."""
    succ = {n: w.succ(n) + ([EXIT] if w.kind[n] == END else []) for n in w.kind}
    pred: dict[str, list[str]] = {n: [] for n in w.kind}
    pred[EXIT] = []
    for n, ss in succ.items():
        for s in ss:
            pred[s].append(n)
    # post-order of the reversed graph from EXIT (iterative DFS)
    order: list[str] = []
    seen = {EXIT}
    stack = [(EXIT, iter(pred[EXIT]))]
    while stack:
        node, it = stack[-1]
        nxt = next(it, None)
        if nxt is None:
            order.append(node)
            stack.pop()
        elif nxt not in seen:
            seen.add(nxt)
            stack.append((nxt, iter(pred[nxt])))
    trapped = [n for n in w.kind if n not in seen]
    if trapped:
        ids = sorted(n for n in trapped if "#" not in n) or sorted(trapped)
        raise w.err(
            f"no end event can be reached from elements {ids[:20]} (a loop with no way out)"
        )
    po = {n: i for i, n in enumerate(order)}
    idom: dict[str, str] = {EXIT: EXIT}
    rpo = list(reversed(order))
    changed = True
    while changed:
        changed = False
        for b in rpo:
            if b == EXIT:
                continue
            new = None
            for p in succ[b]:  # predecessors in the reversed graph
                if p not in idom:
                    continue
                if new is None:
                    new = p
                    continue
                x, y = p, new
                while x != y:
                    while po[x] < po[y]:
                        x = idom[x]
                    while po[y] < po[x]:
                        y = idom[y]
                new = x
            if new is not None and idom.get(b) != new:
                idom[b] = new
                changed = True
    return idom


def _block(w: _Work, split: str, stop: str) -> set[str]:
    """Nodes reachable from the split's branches without passing ``stop``."""
    seen: set[str] = set()
    queue = deque(w.succ(split))
    while queue:
        n = queue.popleft()
        if n == stop or n in seen:
            continue
        seen.add(n)
        queue.extend(w.succ(n))
    return seen


def _ids(w: _Work, nodes: set[str] | list[str]) -> list[str]:
    return sorted(n.split("#")[0] for n in nodes)


def _element(w: _Work, n: str, *, tag: bool = True) -> str:
    """Node ``n`` as messages name it: ``'id' (tag 'name')`` for a BPMN element (``'id'
    (name)`` without its ``tag``)."""
    origin = w.origin.get(n) or w.g.nodes.get(n.split("#")[0])
    if origin is None:
        return f"'{n.split('#')[0]}'"
    if not tag:
        return origin.label()
    kind = origin.tag or "sub-process end"
    return f"'{origin.id.split('#')[0]}' ({kind}{f' {origin.name!r}' if origin.name else ''})"


def _split_label(w: _Work, s: str) -> str:
    """Split ``s`` as messages name it: its gateway, or the element it implicitly follows."""
    if w.origin.get(s) is not None:
        kind = "inclusive" if w.gw[s] == "or" else "parallel"
        return f"{kind} split {_element(w, s, tag=False)}"
    element = w.choice.get(s) or w.g.nodes.get(s.split("#")[0])
    what = f"{element.tag or 'subProcess'} {element.label()}" if element else f"'{s}'"
    if s in w.choice:
        return f"the inclusive choice made by the conditional flows of {what}"
    return (
        f"the implicit parallel split after {what} (its outgoing flows have no condition, so "
        "BPMN takes them all)"
    )


def _match(w: _Work) -> dict[str, str]:
    """Split node -> its join node (adding implicit and per-split joins as needed)."""
    idom = _postdominators(w)
    splits = [n for n, k in w.kind.items() if k == SPLIT]
    reach_start = _reachable(w, next(n for n, k in w.kind.items() if k == START))
    unreached = [n for n in w.kind if n not in reach_start]
    if unreached:
        raise w.err(f"elements {_ids(w, unreached)[:20]} cannot be reached from the start event")
    sizes = {}
    for s in splits:
        j = idom[s]
        sizes[s] = len(_block(w, s, j)) if j != EXIT else len(_reachable(w, s))
    matched: dict[str, str] = {}
    used_joins: set[str] = set()
    for s in sorted(splits, key=lambda x: (sizes[x], x)):
        j = idom[s]
        kind = w.gw[s]
        if j != EXIT and w.kind[j] == JOIN:
            if kind == "or" and w.gw[j] == "and":
                raise w.err(
                    f"{_split_label(w, s)} is joined by parallel gateway {_element(w, j)}, which "
                    "would wait for branches that were not taken; use an inclusive join"
                )
            stop = j
        else:
            if j == EXIT:
                ends = {n for n in _reachable(w, s) if w.kind[n] == END}
                if len(ends) != 1:
                    raise w.err(
                        f"the branches of {_split_label(w, s)} end at different end events "
                        f"{_ids(w, ends)} without meeting at a join; our model needs every "
                        "branch to reach one join"
                        + (
                            " (if its conditions exclude each other, draw an exclusive gateway "
                            "after it instead)"
                            if s in w.choice
                            else ""
                        )
                    )
                stop = ends.pop()
            elif w.kind[j] == END or (w.kind[j] == PASS and (w.origin[j] and w.origin[j].join_ok)):
                stop = j
            else:
                advice = (
                    "several of its conditions can hold at once (BPMN takes every flow whose "
                    "condition holds): if they exclude each other, draw an exclusive gateway "
                    "after it instead; else add an inclusive join gateway where they meet"
                    if s in w.choice
                    else "add a join gateway"
                )
                raise w.err(
                    f"the branches of {_split_label(w, s)} first meet at {_element(w, j)}, which "
                    "is not a parallel/inclusive join: BPMN would run what follows once per "
                    f"branch; {advice}"
                )
        block = _block(w, s, stop)
        if s in block:
            raise w.err(
                f"a branch of {_split_label(w, s)} loops back to the split before its join "
                f"{_element(w, stop)}; move the loop inside a branch or around the whole block"
            )
        into = [f for f in w.inc[stop] if w.flows[f][0] in block or w.flows[f][0] == s]
        if w.kind[stop] == JOIN and stop not in used_joins and len(into) == len(w.inc[stop]):
            join = stop
        else:
            join = w.new_node(f"{s.split('#')[0]}#join", JOIN, f"{w.base[s]} (join)", kind)
            for f in into:
                w.retarget(f, join)
            w.new_flow(f"{join}#out", join, stop)
        used_joins.add(join)
        matched[s] = join
    orphans = [n for n, k in w.kind.items() if k == JOIN and n not in used_joins]
    if orphans:
        raise w.err(
            f"join gateways {_ids(w, orphans)} are not the join of any parallel/inclusive split "
            "(their incoming branches do not all start at one split)"
        )
    return matched


def _reachable(w: _Work, start: str) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for s in w.succ(queue.popleft()):
            if s not in seen:
                seen.add(s)
                queue.append(s)
    return seen


def build_skeleton(g: Graph) -> Skeleton:
    """The model graph of a BPMN flow graph (see the module docstring)."""
    w = _Work(g)
    _normalise(w)
    matched = _match(w)

    # names: the BPMN name when it is unique, else "name [id]"; a task keeps its plain name
    # when only a gateway or an event shares it (task names are what event logs show)
    real = [n for n, k in w.kind.items() if k in (STEP, DECISION, SPLIT, JOIN, END)]
    count: dict[str, int] = {}
    steps: dict[str, int] = {}
    for n in real:
        count[w.base[n]] = count.get(w.base[n], 0) + 1
        if w.kind[n] == STEP:
            steps[w.base[n]] = steps.get(w.base[n], 0) + 1

    def unique(n: str) -> bool:
        b = w.base[n]
        if w.kind[n] == STEP:
            return steps[b] == 1
        return count[b] == 1

    name = {n: w.base[n] if unique(n) else f"{w.base[n]} [{n}]" for n in real}

    def resolve(n: str) -> str:
        seen: list[str] = []
        while w.kind[n] in (PASS, START):
            if n in seen:
                raise w.err(f"elements {_ids(w, seen)} form a loop with no task in it")
            seen.append(n)
            n = w.succ(n)[0]
        return name[n]

    nodes: dict[str, SkNode] = {}
    for n in real:
        k = w.kind[n]
        sk = SkNode(n, k, name[n], w.origin.get(n), w.gw.get(n, ""))
        sk.choice, sk.always = w.choice.get(n), w.always.get(n, ())
        if k == STEP:
            sk.next = resolve(w.succ(n)[0])
        elif k in (DECISION, SPLIT):
            sk.branches = [(f, resolve(w.flows[f][1])) for f in w.out[n]]
        if k == SPLIT:
            j = matched[n]
            sk.join = name[j]
            sk.next = resolve(w.succ(j)[0])
        nodes[name[n]] = sk
    start = next(n for n, k in w.kind.items() if k == START)
    return Skeleton(start=resolve(start), nodes=nodes)
