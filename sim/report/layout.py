"""Swimlane layout of a process map: pure geometry, no matplotlib.

The map is drawn left to right with one horizontal lane per role. The layout is a Sugiyama-style
layered drawing constrained to lanes:

1. **Graph.** Every node of the model plus a synthetic start event; edges follow ``next`` links,
   decision branches (labelled with their probability) and parallel branches.
2. **Lanes.** A step sits in the lane of its first role (``system`` when it has none); a role
   that is only ever a step's second role gets an empty lane under that step's. Gateways
   and ends sit in the lane of the node that leads into them (the majority of their forward
   predecessors); the start event in the lane of the first node.
3. **Back edges.** A depth-first search from the start marks edges that return to a node on the
   current path: these are the rework loops. They are reversed for layering.
4. **Layers.** Longest-path layering on the resulting acyclic graph gives each node a column.
5. **Dummies.** A forward edge spanning several columns gets a dummy point in every column in
   between (in the target's lane); a loop gets a dummy in every column from its target to its
   source, in a channel glued above its two ends, so it can be drawn as an arrow going back over
   the top without crossing any box.
6. **Order.** Lanes are ordered to keep connected lanes close; within each (column, lane) cell
   the items are ordered by barycentric sweeps that minimise edge crossings.
7. **Coordinates.** Each lane has rows; the items of a cell take rows in their order, placed by a
   small dynamic programme that keeps chains straight. Rows and columns take the size of their
   largest item, so boxes never overlap.
8. **Routes.** Edges are orthogonal polylines; a change of height happens in the gap between two
   columns, on a vertical channel of its own.

Coordinates are in inches, ``x`` grows to the right and ``y`` grows *downwards* (lane 0 on top).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

if TYPE_CHECKING:
    from sim.model import ProcessModel
    from sim.model.process import Decision

SYSTEM_LANE = "system"
START_NAME = "__start__"

# sizes in inches (1 data unit = 1 inch at the default scale)
STEP_W = 1.6
STEP_MIN_H = 0.62
LINE_H = 0.15  # one line of 8 pt text
NOTE_LINE_H = 0.13  # one line of 6.5 pt text
DIAMOND = 0.5
EVENT_W = 1.05
EVENT_H = 0.42
DUMMY_W = 0.12
DUMMY_HALF_H = 0.1
ROW_PAD = 0.22
LANE_PAD = 0.22
MIN_GAP = 0.8
CHANNEL_STEP = 0.13
HEADER_W = 1.45
MARGIN = 0.15
STEP_WRAP = 18
GATEWAY_WRAP = 18
EVENT_WRAP = 14
LANE_WRAP = 18
MAX_LINES = 3
LANE_LINE_H = 8.5 * 1.25 / 72  # one line of a lane header (8.5 pt, line spacing 1.25)
LANE_TEXT_PAD = 0.15  # inches of a lane's height kept clear of its header's text
CHAR_W = 0.075  # approximate width of one 8 pt character
EDGE_LABEL_CHAR_W = 0.055  # inches per character of a 7 pt probability label (a bound)


def finite_number(v: object) -> bool:
    """Whether ``v`` reads as a finite number (KPI values may be None, NaN or text)."""
    try:
        return math.isfinite(float(v))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def pretty(name: str) -> str:
    """A readable label for a snake_case identifier (``lead_identification`` -> ``Lead
    identification``); any other name, e.g. a log's activity ``W_Completeren aanvraag`` or
    ``A_SUBMITTED``, is kept as the analyst will search for it (extra spaces collapsed)."""
    if _IDENTIFIER.match(name):
        text = name.replace("_", " ")
        return text[0].upper() + text[1:]
    return " ".join(name.split()) or name


def title_name(name: str) -> str:
    """A model's name for a title (a figure's, the report page's heading): a snake_case
    identifier with its underscores read as spaces and its case kept (``crm_sales`` -> ``crm
    sales``, ``mmc`` -> ``mmc``: ``pretty``'s capital would read an acronym as a word, "Crm
    sales"); any other name as ``pretty`` keeps it (``BPIC_2012_W_train``)."""
    if _IDENTIFIER.match(name):
        return name.replace("_", " ")
    return pretty(name)


_GENERATED_ID = re.compile(
    r"^(sid-[0-9A-Fa-f-]{8,}|(Exclusive|Parallel|Inclusive|Event[a-zA-Z]*)?Gateway_[0-9A-Za-z]{4,}"
    r"|Event_[0-9A-Za-z]{4,}|Activity_[0-9A-Za-z]{4,}|(node[_-])?[0-9a-fA-F-]{20,})$"
)
# the importer's " [<id>]" after a name two elements share (sim.model.interchange.structure)
_ID_SUFFIX = re.compile(r"^(?P<name>.*\S) \[(?P<id>[^\]]+)\]$")


def is_generated_id(name: str) -> bool:
    """Whether ``name`` is a tool-generated element id (``sid-1A2B...``, ``Gateway_0eqakhv``,
    Simod's ``node_11610778-7d17-...``, or ``node-51dc818f-aa53-...`` as Apromore writes it)."""
    return bool(_GENERATED_ID.match(name))


def without_generated_id(name: str) -> str:
    """``name`` without the generated id the importer appends to a name two elements share
    (``Analyze request [node-f8267d2c-...]`` -> ``Analyze request``); any other name as is."""
    m = _ID_SUFFIX.match(name)
    return m["name"] if m and is_generated_id(m["id"]) else name


def end_label(model: ProcessModel, name: str) -> str:
    """The text in an end event: its outcome (else its name), or ``End`` when that is a
    generated id (a BPMN end event without a name)."""
    return outcome_label(model.ends[name].outcome or name)


def outcome_label(outcome: str) -> str:
    """An end's outcome (a KPI report's ``outcomes`` key) as the map writes it: ``End`` for a
    generated id (a BPMN end event without a name), else ``pretty`` of it."""
    text = without_generated_id(outcome)
    return "End" if is_generated_id(text) else pretty(text)


def gateway_label(model: ProcessModel, name: str) -> str:
    """The text under a decision: its name, or its description when the name is a generated id
    (nothing when it has neither)."""
    if not is_generated_id(name):
        return pretty(without_generated_id(name))
    dec = model.decisions.get(name)
    desc = dec.description if dec is not None else ""
    return "" if not desc or is_generated_id(desc) else desc


def text_width(text: str) -> int:
    """The display width of ``text`` in narrow-character cells: a wide or fullwidth character
    (East Asian width W or F: kanji, kana, hangul) takes two, a combining mark none."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def _wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in "WF"


def _fit(word: str, width: int) -> int:
    """How many leading characters of ``word`` take at most ``width`` cells (at least one)."""
    used = 0
    for k, c in enumerate(word):
        used += text_width(c)
        if used > width:
            return max(k, 1)
    return len(word)


def _split_long(word: str, first: int, width: int) -> list[str]:
    """``word`` cut into pieces of ``first`` cells, then ``width``; a cut between two letters
    of a script that hyphenates gets a hyphen (Donaudampf-/schifffahrt), one next to a wide
    character (kanji, kana, which break anywhere) none."""
    pieces: list[str] = []
    room = first
    while text_width(word) > room:
        k = _fit(word, room)
        if not _wide(word[k - 1]) and not _wide(word[k]) and word[k - 1].isalpha():
            k = _fit(word, room - 1)
            if word[k - 1].isalpha() and word[k].isalpha():
                pieces.append(word[:k] + "-")
            else:
                pieces.append(word[:k])
        else:
            pieces.append(word[:k])
        word, room = word[k:], width
    return [*pieces, word]


def _cut(line: str, width: int) -> str:
    """``line`` ending in an ellipsis, in at most ``width`` cells."""
    line = line.rstrip(" -…")
    while line and text_width(line) + 1 > width:
        line = line[:-1]
    return line.rstrip(" -") + "…"


def _wrap_lines(text: str, width: int) -> list[str]:
    """``text`` wrapped to lines of at most ``width`` cells, however many it takes (see
    ``wrap``)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        for k, part in enumerate(re.findall(r"[^-]*-+|[^-]+", word)):
            sep = " " if line and k == 0 else ""
            if text_width(line + sep + part) <= width:
                line += sep + part
                continue
            room = width - text_width(line + sep)
            if text_width(part) <= width or room < 4:  # starts a line of its own
                if line:
                    lines.append(line)
                line, sep, room = "", "", width
                if text_width(part) <= width:
                    line = part
                    continue
            first, *rest = _split_long(part, room, width)
            lines.append(line + sep + first)
            *middle, line = rest
            lines.extend(middle)
    if line:
        lines.append(line)
    return lines


def _cut_middle(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells: its start and its end around an ellipsis."""
    head, tail = "", ""
    room = width - 1
    for k, c in enumerate(reversed(text)):  # the end gets a third of the room
        if text_width(c + tail) > room // 3 or k >= len(text) - 1:
            break
        tail = c + tail
    for c in text:
        if text_width(head + c) > room - text_width(tail):
            break
        head += c
    return head.rstrip(" -") + "…" + tail.lstrip()


def _keep_end(text: str, width: int, max_lines: int) -> tuple[str, ...]:
    """``text``, too long for ``max_lines`` lines of ``width`` cells, shortened in the middle:
    the last line holds the name's last words (what tells "... manager A" from "... manager
    B", a repetition's "#3 (last)"), the lines before it its start, the last of them ending in
    an ellipsis where words are left out. A last word longer than a line keeps its end after
    an ellipsis."""
    text = " ".join(text.split())
    if max_lines == 1:
        return (_cut_middle(text, width),)
    words = text.split()
    tail: list[str] = []
    while len(words) > 1 and text_width(" ".join([words[-1], *tail])) <= width:
        tail.insert(0, words.pop())
    if not tail:  # a last word longer than a line: the end of it, after an ellipsis
        end = ""
        for c in reversed(words[-1]):
            if text_width(c + end) > width - 1:
                break
            end = c + end
        head = _wrap_lines(text[: len(text) - len(end)], width)
        return (*head[: max_lines - 1], "…" + end)
    head = _wrap_lines(" ".join(words), width)
    if len(head) < max_lines:
        return (*head, " ".join(tail))
    last = head[max_lines - 2]
    if text_width(last) + 1 > width and " " in last:  # a whole word goes, not half of one
        last = last.rsplit(" ", 1)[0]
    return (*head[: max_lines - 2], _cut(last, width), " ".join(tail))


def wrap(
    text: str, width: int, max_lines: int = MAX_LINES, *, keep_end: bool = False
) -> tuple[str, ...]:
    """Wrap ``text`` to at most ``max_lines`` lines of ``width`` cells (``text_width``: a
    kanji takes two), at spaces and after hyphens; a word longer than a line is cut with a
    hyphen (none in CJK text). When text is left over the last line ends in an ellipsis or,
    with ``keep_end``, the text is shortened in the middle: the last line keeps its end, so
    two names that differ only at their end (``... manager A``, ``... manager B``) still
    read differently."""
    lines = _wrap_lines(text, width)
    if not lines:
        return ("",)
    if len(lines) > max_lines:
        if keep_end:
            return _keep_end(text, width, max_lines)
        lines = [*lines[: max_lines - 1], _cut(lines[max_lines - 1], width)]
    return tuple(lines)


@dataclass(frozen=True)
class Box:
    """One node of the map: its shape centre ``(x, y)`` and the extent of shape plus label."""

    name: str
    kind: str  # start | step | decision | parallel | join | end
    lane: str
    layer: int
    row: int
    x: float
    y: float
    shape_w: float
    shape_h: float
    left: float
    right: float
    top: float
    bottom: float
    label: tuple[str, ...]
    note: tuple[str, ...] = ()

    def overlaps(self, other: Box, pad: float = 0.0) -> bool:
        """Whether the two extents intersect (with ``pad`` inches of clearance)."""
        return not (
            self.right + pad <= other.left
            or other.right + pad <= self.left
            or self.bottom + pad <= other.top
            or other.bottom + pad <= self.top
        )


@dataclass(frozen=True)
class Route:
    """One drawn edge: an orthogonal polyline from ``source`` to ``target``."""

    source: str
    target: str
    label: str
    back: bool  # a rework loop (drawn going back over the top)
    points: tuple[tuple[float, float], ...]
    label_at: tuple[float, float] | None = None
    label_align: str = "left"


@dataclass(frozen=True)
class Lane:
    """A horizontal swimlane (``top`` < ``bottom``)."""

    name: str
    label: str
    top: float
    bottom: float


@dataclass(frozen=True)
class MapLayout:
    """Everything needed to draw a process map."""

    boxes: dict[str, Box]
    routes: tuple[Route, ...]
    lanes: tuple[Lane, ...]
    width: float
    height: float
    n_layers: int
    crossings: int
    back_edges: frozenset[tuple[str, str]]
    start: str = START_NAME
    hidden: tuple[tuple[str, str, str], ...] = ()  # (source, target, label) left out as rare

    def lane_of(self, name: str) -> Lane:
        """The lane a node is drawn in."""
        lane = self.boxes[name].lane
        return next(lane_ for lane_ in self.lanes if lane_.name == lane)


# ------------------------------------------------------------------------------------- graph
@dataclass
class _Graph:
    nodes: list[str]
    kind: dict[str, str]
    edges: list[tuple[str, str, str]]  # (source, target, label)
    start: str
    hidden: list[tuple[str, str, str]] = field(default_factory=list)  # rare branches left out


def _percent(p: float) -> str:
    pct = 100.0 * p
    if abs(pct - round(pct)) < 1e-9:
        return f"{round(pct)}%"
    if pct >= 1:
        return f"{pct:.1f}%"
    return f"{pct:.2g}%"


def _by_segment(decision: Decision, k: int) -> str:
    """What a decision's segments change on its branch ``k``: `` (key account 75%)`` (the
    branch label's plain percentage is that of the other segments); "" without ``by_segment``."""
    if not decision.by_segment:
        return ""
    parts = [f"{pretty(seg).lower()} {_percent(p[k])}" for seg, p in decision.by_segment.items()]
    return f" ({', '.join(parts)})"


def model_graph(model: ProcessModel, *, min_probability: float = 0.0) -> _Graph:
    """The map's graph: model nodes plus a start event, edges labelled with probabilities.

    Decision branches below ``min_probability`` are left out (``_Graph.hidden``), except a
    decision's most likely branch and any branch needed to keep every node reachable.
    """
    start = START_NAME
    names = set(model.node_names())
    while start in names:
        start = "_" + start + "_"
    nodes = [start, *model.node_names()]
    kind = {start: "start", **{n: model.node_kind(n) for n in model.node_names()}}
    edges: list[tuple[str, str, str]] = [(start, model.start, "")]
    probs: dict[int, float] = {}
    for n in model.node_names():
        k = kind[n]
        if k == "decision":
            dec = model.decisions[n]
            for k, b in enumerate(dec.branches):
                edges.append((n, b.to, _percent(b.probability) + _by_segment(dec, k)))
                probs[len(edges) - 1] = b.probability
        elif k == "parallel":
            par = model.parallels[n]
            par_probs = par.probabilities or (None,) * len(par.branches)
            for b, p in zip(par.branches, par_probs, strict=False):
                edges.append((n, b, "" if p is None else _percent(p)))
        else:
            for s in model.successors(n):
                edges.append((n, s, ""))
    hidden = _rare_edges(edges, probs, start, min_probability) if min_probability > 0 else set()
    return _Graph(
        nodes=nodes,
        kind=kind,
        edges=[e for i, e in enumerate(edges) if i not in hidden],
        start=start,
        hidden=[edges[i] for i in sorted(hidden)],
    )


def _rare_edges(
    edges: list[tuple[str, str, str]], probs: dict[int, float], start: str, threshold: float
) -> set[int]:
    """Indices of rare branches that can be hidden without cutting any node off."""
    best: dict[str, int] = {}
    for i, p in probs.items():
        s = edges[i][0]
        if s not in best or p > probs[best[s]]:
            best[s] = i
    hidden = {i for i, p in probs.items() if p < threshold and best[edges[i][0]] != i}
    while True:
        succ: dict[str, list[str]] = defaultdict(list)
        for i, (a, b, _l) in enumerate(edges):
            if i not in hidden:
                succ[a].append(b)
        seen = {start}
        queue = deque([start])
        while queue:
            for t in succ[queue.popleft()]:
                if t not in seen:
                    seen.add(t)
                    queue.append(t)
        # restore the likeliest hidden edge from a reached node into an unreached one
        cands = [i for i in hidden if edges[i][0] in seen and edges[i][1] not in seen]
        if not cands:
            return hidden
        hidden.discard(max(cands, key=lambda i: (probs[i], -i)))


def back_edges(graph: _Graph) -> set[int]:
    """Indices of edges that close a cycle in a depth-first search from the start (loops)."""
    out_edges: dict[str, list[int]] = defaultdict(list)
    for i, (s, _t, _l) in enumerate(graph.edges):
        out_edges[s].append(i)
    state: dict[str, int] = {}  # 1 on stack, 2 done
    back: set[int] = set()
    roots = [graph.start, *[n for n in graph.nodes if n != graph.start]]
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(out_edges[root]))]
        while stack:
            node, it = stack[-1]
            for i in it:
                t = graph.edges[i][1]
                if state.get(t) == 1:
                    back.add(i)
                elif t not in state:
                    state[t] = 1
                    stack.append((t, iter(out_edges[t])))
                    break
            else:
                state[node] = 2
                stack.pop()
    return back


def _dfs_order(graph: _Graph, back: set[int]) -> dict[str, int]:
    """Discovery order of a DFS over forward edges (a good initial order for crossings)."""
    out: dict[str, list[str]] = defaultdict(list)
    for i, (s, t, _l) in enumerate(graph.edges):
        if i not in back:
            out[s].append(t)
    order: dict[str, int] = {}
    for root in [graph.start, *graph.nodes]:
        if root in order:
            continue
        stack = [root]
        while stack:
            n = stack.pop()
            if n in order:
                continue
            order[n] = len(order)
            stack.extend(reversed([t for t in out[n] if t not in order]))
    return order


def _layers(graph: _Graph, back: set[int]) -> dict[str, int]:
    """Longest-path layering of the graph with the back edges reversed."""
    succ: dict[str, list[str]] = defaultdict(list)
    indeg: Counter[str] = Counter()
    for i, (s, t, _l) in enumerate(graph.edges):
        if i in back:
            s, t = t, s
        if s == t:
            continue
        succ[s].append(t)
        indeg[t] += 1
    layer = {n: 0 for n in graph.nodes}
    queue = deque(n for n in graph.nodes if indeg[n] == 0)
    seen = 0
    while queue:
        n = queue.popleft()
        seen += 1
        for t in succ[n]:
            layer[t] = max(layer[t], layer[n] + 1)
            indeg[t] -= 1
            if indeg[t] == 0:
                queue.append(t)
    if seen != len(graph.nodes):  # cannot happen: the DFS removed every cycle
        raise RuntimeError("process map layering found a cycle that is not a back edge")
    return layer


def alternatives_text(model: ProcessModel, step: str) -> str | None:
    """The mark of a step that people of other roles may take (its ``alternatives``): those
    roles with the share of the cases that goes to each first, e.g. ``or senior 25%``; ``None``
    for a step without alternatives. The step stays in its own role's lane."""
    alts = model.steps[step].alternatives
    if not alts:
        return None
    return "or " + ", ".join(f"{pretty(a.role).lower()} {_percent(a.share)}" for a in alts)


PATIENCE_NOTE = "may give up waiting"


def patience_text(model: ProcessModel, step: str) -> str | None:
    """The mark of a step where waiting cases may give up (its ``patience``), the exit the map
    draws no arrow for; ``None`` for a step without patience."""
    return PATIENCE_NOTE if model.steps[step].patience is not None else None


def step_lane(model: ProcessModel, step: str) -> str:
    """The lane of a step: its first role, or the system lane when it has none."""
    roles = model.steps[step].roles
    return roles[0] if roles else SYSTEM_LANE


def _lanes(
    model: ProcessModel, graph: _Graph, back: set[int], layer: dict[str, int]
) -> dict[str, str]:
    lane: dict[str, str] = {n: step_lane(model, n) for n in model.steps}
    preds: dict[str, list[str]] = defaultdict(list)
    succs: dict[str, list[str]] = defaultdict(list)
    for i, (s, t, _l) in enumerate(graph.edges):
        if i not in back:
            preds[t].append(s)
            succs[s].append(t)
    rest = sorted((n for n in graph.nodes if n not in lane), key=lambda n: layer[n])
    pending: list[str] = []
    for n in rest:
        if n == graph.start:
            continue
        known = [lane[p] for p in preds[n] if p in lane]
        if known:
            counts = Counter(known)
            best = max(counts.values())
            lane[n] = next(x for x in known if counts[x] == best)
        else:
            pending.append(n)
    # nodes with no lane-carrying predecessor (a gateway at the start): first lane downstream
    for n in [*pending, graph.start]:
        seen = {n}
        queue = deque(succs[n])
        found = None
        while queue and found is None:
            m = queue.popleft()
            if m in seen:
                continue
            seen.add(m)
            if m in lane:
                found = lane[m]
            queue.extend(succs[m])
        lane[n] = found or SYSTEM_LANE
    return lane


def _order_lanes(
    lanes_used: list[str],
    graph: _Graph,
    lane: dict[str, str],
    layer: dict[str, int],
    first_seen: dict[str, int],
) -> list[str]:
    """Lanes in first-appearance order, then improved to keep connected lanes adjacent."""
    first = {
        ln: min((layer[n], first_seen[n]) for n in graph.nodes if lane[n] == ln)
        for ln in lanes_used
    }
    order = sorted(lanes_used, key=lambda ln: first[ln])
    weight: Counter[tuple[str, str]] = Counter()
    for s, t, _l in graph.edges:
        a, b = lane[s], lane[t]
        if a != b:
            weight[(min(a, b), max(a, b))] += 1

    initial = {ln: k for k, ln in enumerate(order)}

    def cost(seq: list[str]) -> float:
        pos = {ln: i for i, ln in enumerate(seq)}
        spread = sum(w * abs(pos[a] - pos[b]) for (a, b), w in weight.items())
        # tie-break: stay close to first-appearance order
        return spread + 1e-3 * sum(abs(pos[ln] - initial[ln]) for ln in seq)

    best = cost(order)
    improved = True
    rounds = 0
    while improved and rounds < 50:
        improved = False
        rounds += 1
        for i in range(len(order)):
            for j in range(len(order)):
                if i == j:
                    continue
                cand = order.copy()
                cand.insert(j, cand.pop(i))
                c = cost(cand)
                if c < best - 1e-9:
                    order, best, improved = cand, c, True
    return order


# ------------------------------------------------------------------------------------ items
@dataclass
class _Item:
    id: int
    layer: int
    lane: int
    node: str | None  # None for a dummy
    half_w: float
    up: float  # extent above the centre line
    down: float  # extent below
    glued_to: int | None = None  # a loop channel point glued above this item
    glue_rank: float = 0.0
    init: float = 0.0


@dataclass
class _Chain:
    edge: int
    source: str
    target: str
    label: str
    back: bool
    items: list[int]  # dummies, in drawing order (source side first)


def _node_geometry(
    name: str,
    kind: str,
    model: ProcessModel,
    notes: Mapping[str, Sequence[str]],
    max_lines: int = MAX_LINES,
) -> tuple[float, float, float, float, float, tuple[str, ...], tuple[str, ...]]:
    """(shape_w, shape_h, half_w, up, down, label, note) of a node box, sizes in inches; a
    step's name takes at most ``max_lines`` lines (``step_label_lines``)."""
    extra = tuple(notes.get(name, ()))
    if kind == "step":
        label = wrap(pretty(name), STEP_WRAP, max_lines, keep_end=True)
        others = model.steps[name].roles[1:]
        alts = alternatives_text(model, name)
        gives_up = patience_text(model, name)
        texts = [
            *(["with " + ", ".join(pretty(r).lower() for r in others)] if others else []),
            *([alts] if alts else []),
            *([gives_up] if gives_up else []),
            *extra,
        ]
        note = tuple(ln for n in texts for ln in wrap(n, 26, 2))
        h = max(STEP_MIN_H, 0.26 + LINE_H * len(label) + NOTE_LINE_H * len(note))
        return STEP_W, h, STEP_W / 2, h / 2, h / 2, label, note
    if kind in ("decision", "parallel", "join"):
        label = (
            wrap(gateway_label(model, name), GATEWAY_WRAP, keep_end=True)
            if kind == "decision"
            else ()
        )
        label = tuple(x for x in label if x)
        note = tuple(ln for n in extra for ln in wrap(n, 22, 2))
        text_w = max([text_width(s) for s in (*label, *note)] or [0]) * CHAR_W * 0.9
        below = DIAMOND / 2 + (0.05 + 0.13 * len(label) if label else 0) + NOTE_LINE_H * len(note)
        half_w = max(DIAMOND / 2, text_w / 2)
        return DIAMOND, DIAMOND, half_w, DIAMOND / 2, below, label, note
    # start / end events
    text = "Start" if kind == "start" else end_label(model, name)
    # three lines: a log's end activity (W_Nabellen incomplete dossiers) was cut after two
    label = wrap(text, EVENT_WRAP, MAX_LINES, keep_end=True)
    note = tuple(ln for n in extra for ln in wrap(n, 20, 2))
    h = max(EVENT_H, 0.2 + LINE_H * len(label))
    below = h / 2 + NOTE_LINE_H * len(note)
    return EVENT_W, h, EVENT_W / 2, h / 2, below, label, note


def step_label_lines(model: ProcessModel, steps: Iterable[str]) -> dict[str, int]:
    """The steps among ``steps`` whose box would read like another's, with the lines their
    whole name takes: names too long for ``MAX_LINES`` lines are shortened in the middle
    (``wrap``), and two that differ only there (``Check A for the file``, ``Check B for the
    file``) would look the same; those boxes show their whole name instead."""
    steps = [s for s in steps if s in model.steps]
    shown: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for s in steps:
        shown[wrap(pretty(s), STEP_WRAP, keep_end=True)].append(s)
    return {
        s: len(_wrap_lines(pretty(s), STEP_WRAP))
        for same in shown.values()
        if len(same) > 1
        for s in same
    }


def layout_process(
    model: ProcessModel,
    *,
    lane_order: Sequence[str] | None = None,
    notes: Mapping[str, Sequence[str]] | None = None,
    min_probability: float = 0.0,
    iterations: int = 24,
) -> MapLayout:
    """Lay the model out as a left-to-right flowchart with one swimlane per role.

    ``lane_order`` fixes the order of the lanes (top to bottom; lanes not listed follow in the
    computed order). ``notes`` adds lines of text under a node (the boxes grow to fit them).
    ``min_probability`` hides rarer decision branches (``MapLayout.hidden``), keeping every
    node reachable: a map discovered from a real log stays readable.
    """
    return plan_layout(
        model,
        lane_order=lane_order,
        notes=notes,
        min_probability=min_probability,
        iterations=iterations,
    ).finish()


@dataclass
class LayoutPlan:
    """A map laid out up to the order of each column (steps 1-6 of the module docstring), so
    its ``crossings`` are known; ``finish`` places rows and coordinates (steps 7-8). A caller
    that tries several thresholds for rare branches finishes only the one it keeps."""

    model: ProcessModel
    graph: _Graph
    back: set[int]
    layer: dict[str, int]
    lanes: list[str]
    n_layers: int
    items: list[_Item]
    chains: list[_Chain]
    geom: dict[str, tuple]
    node_item: dict[str, int]
    links: list[tuple[int, int]]
    left_nb: dict[int, list[int]]
    right_nb: dict[int, list[int]]
    order: list[list[int]]
    crossings: int

    def finish(self) -> MapLayout:
        """The map's rows, coordinates, boxes and routes."""
        return _finish(self)


def plan_layout(
    model: ProcessModel,
    *,
    lane_order: Sequence[str] | None = None,
    notes: Mapping[str, Sequence[str]] | None = None,
    min_probability: float = 0.0,
    iterations: int = 24,
) -> LayoutPlan:
    """``layout_process`` up to the order of the columns (see ``LayoutPlan``)."""
    notes = notes or {}
    graph = model_graph(model, min_probability=min_probability)
    back = back_edges(graph)
    layer = _layers(graph, back)
    first_seen = _dfs_order(graph, back)
    lane_of = _lanes(model, graph, back, layer)
    used = list(dict.fromkeys(lane_of[n] for n in sorted(graph.nodes, key=first_seen.get)))
    lanes = _order_lanes(used, graph, lane_of, layer, first_seen)
    if lane_order:
        fixed = [ln for ln in lane_order if ln in used]
        lanes = fixed + [ln for ln in lanes if ln not in fixed]
    # a role that only joins steps led by another role (a step's second role, or one that may
    # take it: an alternative) has no step of
    # its own lane; it gets an empty lane under the lane of the first step it joins, so every
    # role of the map is there with its headcount (QA 2026-12-04 #9: pricing had none)
    in_order = sorted(graph.nodes, key=first_seen.get)
    for role in model.roles:
        joined = [n for n in in_order if n in model.steps and role in model.steps[n].all_roles]
        if joined and role not in lanes:
            lanes.insert(lanes.index(lane_of[joined[0]]) + 1, role)
    lane_idx = {ln: i for i, ln in enumerate(lanes)}
    n_layers = max(layer.values()) + 1

    # --- items: nodes, then dummies
    items: list[_Item] = []
    geom: dict[str, tuple] = {}
    node_item: dict[str, int] = {}
    whole = step_label_lines(model, graph.nodes)
    for n in sorted(graph.nodes, key=first_seen.get):
        g = _node_geometry(n, graph.kind[n], model, notes, whole.get(n, MAX_LINES))
        geom[n] = g
        it = _Item(
            len(items), layer[n], lane_idx[lane_of[n]], n, g[2], g[3], g[4], init=first_seen[n]
        )
        node_item[n] = it.id
        items.append(it)

    chains: list[_Chain] = []
    links: list[tuple[int, int]] = []  # between consecutive layers (left item, right item)
    for e, (s, t, lab) in enumerate(graph.edges):
        is_back = e in back
        chain = _Chain(e, s, t, lab, is_back, [])
        if not is_back:
            prev = node_item[s]
            # a long edge runs in the lane of its target when it leaves a split (fan out) and
            # in the lane of its source otherwise (a merge drops into its target at the end)
            run_lane = (
                lane_of[t] if graph.kind[s] in ("decision", "parallel", "start") else (lane_of[s])
            )
            for L in range(layer[s] + 1, layer[t]):
                d = _Item(
                    len(items),
                    L,
                    lane_idx[run_lane],
                    None,
                    DUMMY_W / 2,
                    DUMMY_HALF_H,
                    DUMMY_HALF_H,
                    init=first_seen[s] + 0.5,
                )
                items.append(d)
                chain.items.append(d.id)
                links.append((prev, d.id))
                prev = d.id
            links.append((prev, node_item[t]))
        else:
            # loop from s (right) back to t (left): channel points from layer[s] down to layer[t]
            span = layer[s] - layer[t]
            prev = None
            for L in range(layer[s], layer[t] - 1, -1):
                ln = lane_of[s] if L == layer[s] else lane_of[t]
                d = _Item(
                    len(items),
                    L,
                    lane_idx[ln],
                    None,
                    DUMMY_W / 2,
                    DUMMY_HALF_H,
                    DUMMY_HALF_H,
                    init=first_seen[t] - 0.5,
                )
                if L == layer[s]:
                    d.glued_to, d.glue_rank = node_item[s], span
                if L == layer[t] and (L != layer[s] or s == t):
                    if L == layer[s]:  # self loop or a loop within one column
                        d.glued_to, d.glue_rank = node_item[s], span
                    else:
                        d.glued_to, d.glue_rank = node_item[t], span
                items.append(d)
                chain.items.append(d.id)
                if prev is not None:
                    links.append((d.id, prev))  # d is one layer left of prev
                prev = d.id
        chains.append(chain)

    left_nb: dict[int, list[int]] = defaultdict(list)
    right_nb: dict[int, list[int]] = defaultdict(list)
    for a, b in links:
        right_nb[a].append(b)
        left_nb[b].append(a)

    order = _crossing_reduction(items, links, left_nb, right_nb, n_layers, len(lanes), iterations)
    return LayoutPlan(
        model=model,
        graph=graph,
        back=back,
        layer=layer,
        lanes=lanes,
        n_layers=n_layers,
        items=items,
        chains=chains,
        geom=geom,
        node_item=node_item,
        links=links,
        left_nb=left_nb,
        right_nb=right_nb,
        order=order,
        crossings=_count_crossings(order, links, items),
    )


def _finish(plan: LayoutPlan) -> MapLayout:
    model, graph, back, layer, lanes = plan.model, plan.graph, plan.back, plan.layer, plan.lanes
    items, chains, geom, node_item = plan.items, plan.chains, plan.geom, plan.node_item
    n_layers, crossings = plan.n_layers, plan.crossings
    rows, n_rows = _assign_rows(items, plan.order, plan.left_nb, plan.right_nb, len(lanes))

    # --- y: lanes, rows
    row_up: dict[tuple[int, int], float] = defaultdict(float)
    row_down: dict[tuple[int, int], float] = defaultdict(float)
    for it in items:
        key = (it.lane, rows[it.id])
        row_up[key] = max(row_up[key], it.up)
        row_down[key] = max(row_down[key], it.down)
    row_y: dict[tuple[int, int], float] = {}
    lane_boxes: list[Lane] = []
    y = MARGIN
    for li, ln in enumerate(lanes):
        top = y
        y += LANE_PAD
        for r in range(n_rows[li]):
            key = (li, r)
            if key not in row_up:
                continue
            y += row_up[key]
            row_y[key] = y
            y += row_down[key] + ROW_PAD
        y += LANE_PAD - ROW_PAD
        min_h = 0.9
        if y - top < min_h:  # centre a thin lane
            shift = (min_h - (y - top)) / 2
            for r in range(n_rows[li]):
                if (li, r) in row_y:
                    row_y[(li, r)] += shift
            y = top + min_h
        lane_boxes.append(Lane(ln, _lane_label(model, ln, y - top), top, y))
    height = y + MARGIN
    item_y = {it.id: row_y[(it.lane, rows[it.id])] for it in items}

    # --- point sequences per chain: (layer, y) hops; count channels per gap
    def node_y(n: str) -> float:
        return item_y[node_item[n]]

    seqs: list[list[tuple[int, float]]] = []
    for ch in chains:
        if not ch.back:
            seq = [(layer[ch.source], node_y(ch.source))]
            seq += [(items[d].layer, item_y[d]) for d in ch.items]
            seq.append((layer[ch.target], node_y(ch.target)))
        else:
            seq = [(items[d].layer, item_y[d]) for d in ch.items]
        seqs.append(seq)
    gap_segments: dict[int, list[tuple[int, int, float, float]]] = defaultdict(list)
    for ci, seq in enumerate(seqs):
        for k in range(len(seq) - 1):
            (la, ya), (lb, yb) = seq[k], seq[k + 1]
            if la == lb or abs(ya - yb) < 1e-9:
                continue
            gap = min(la, lb)
            yl, yr = (ya, yb) if la < lb else (yb, ya)
            gap_segments[gap].append((ci, k, yl, yr))

    # --- x: columns sized by their widest item, gaps by their channels
    layer_half = [DUMMY_W / 2] * n_layers
    for it in items:
        layer_half[it.layer] = max(layer_half[it.layer], it.half_w)
    gap_w = [
        max(MIN_GAP, CHANNEL_STEP * (len(gap_segments.get(g, [])) + 3)) for g in range(n_layers)
    ]
    for ch in chains:  # a long branch label ("60% (key account 75%)") widens its gap
        if ch.label and not ch.back:
            g = layer[ch.source]
            gap_w[g] = max(gap_w[g], _label_gap(ch.label, len(gap_segments.get(g, []))))
    layer_x: list[float] = []
    x = MARGIN + HEADER_W + 0.35
    for L in range(n_layers):
        x += layer_half[L]
        layer_x.append(x)
        x += layer_half[L] + gap_w[L]
    width = x - gap_w[-1] + 0.35 + MARGIN
    channel_x: dict[tuple[int, int], float] = {}
    for g, segs in gap_segments.items():
        left = layer_x[g] + layer_half[g]
        right = layer_x[g + 1] - layer_half[g + 1]
        down = sorted((s for s in segs if s[3] > s[2]), key=lambda s: (-s[3], -s[2], s[0]))
        up = sorted((s for s in segs if s[3] < s[2]), key=lambda s: (s[3], s[2], s[0]))
        ordered = down + up
        n = len(ordered)
        # keep the right part of the gap free for probability labels
        span_right = left + (right - left) * (0.55 if n <= 2 else 0.75)
        for k, s in enumerate(ordered):
            channel_x[(s[0], s[1])] = left + (span_right - left) * (k + 1) / (n + 1)

    # --- boxes
    boxes: dict[str, Box] = {}
    for n in graph.nodes:
        it = items[node_item[n]]
        sw, sh, hw, up, dn, label, note = geom[n]
        cx, cy = layer_x[it.layer], item_y[it.id]
        boxes[n] = Box(
            n,
            graph.kind[n],
            lanes[it.lane],
            it.layer,
            rows[it.id],
            cx,
            cy,
            sw,
            sh,
            cx - hw,
            cx + hw,
            cy - up,
            cy + dn,
            label,
            note,
        )

    # --- routes
    routes: list[Route] = []
    for ci, ch in enumerate(chains):
        routes.append(_route(ci, ch, seqs[ci], boxes, layer_x, items, item_y, channel_x))

    return MapLayout(
        boxes=boxes,
        routes=tuple(routes),
        lanes=tuple(lane_boxes),
        width=width,
        height=height,
        n_layers=n_layers,
        crossings=crossings,
        back_edges=frozenset((graph.edges[i][0], graph.edges[i][1]) for i in back),
        start=graph.start,
        hidden=tuple(graph.hidden),
    )


def _label_gap(label: str, n_channels: int) -> float:
    """The gap (inches) in which a branch label fits between its channel and the next column:
    ``_route`` writes it right of the branch's channel, which the gap's ``n_channels`` place
    up to 55 % (75 % from three on) across it."""
    share = 0.55 if n_channels <= 2 else 0.75
    before = share * n_channels / (n_channels + 1)
    return (EDGE_LABEL_CHAR_W * text_width(label) + 0.15) / (1 - before)


def lane_label_lines(height: float) -> int:
    """How many lines of its header's text a lane ``height`` inches tall holds (at least
    ``MAX_LINES``)."""
    return max(MAX_LINES, int((height - LANE_TEXT_PAD) / LANE_LINE_H))


def _lane_label(model: ProcessModel, lane: str, height: float) -> str:
    """The header of a lane ``height`` inches tall: the role's name in as many lines as the
    lane holds (shortened in the middle only when it needs more: ``wrap``) and its headcount."""
    if lane == SYSTEM_LANE and lane not in model.roles:
        return "System\n(automated)"
    room = lane_label_lines(height)
    lines = list(wrap(pretty(lane), LANE_WRAP, room, keep_end=True))
    role = model.roles.get(lane)
    if role is None:
        return "\n".join(lines)
    # the headcount is kept when a long role name is cut (QA: "... Freigabe der…" lost "(2)")
    head = f"({role.headcount})"
    if text_width(f"{lines[-1]} {head}") <= LANE_WRAP:
        lines[-1] += f" {head}"
    elif len(lines) < room:
        lines.append(head)
    else:
        lines = [*wrap(pretty(lane), LANE_WRAP, room - 1, keep_end=True), head]
    return "\n".join(lines)


def _route(
    ci: int,
    ch: _Chain,
    seq: list[tuple[int, float]],
    boxes: dict[str, Box],
    layer_x: list[float],
    items: list[_Item],
    item_y: dict[int, float],
    channel_x: dict[tuple[int, int], float],
) -> Route:
    src, dst = boxes[ch.source], boxes[ch.target]
    pts: list[tuple[float, float]] = []
    label_at = None
    align = "left"
    if not ch.back:
        pts.append((src.x + src.shape_w / 2, src.y))
        for k in range(len(seq) - 1):
            (la, ya), (lb, yb) = seq[k], seq[k + 1]
            if abs(ya - yb) > 1e-9:
                xc = channel_x[(ci, k)]
                pts += [(xc, ya), (xc, yb)]
                if k == 0 and ch.label:
                    label_at = (xc + 0.06, yb - 0.05)
            if k < len(seq) - 2:
                pts.append((layer_x[lb], yb))
        pts.append((dst.x - dst.shape_w / 2, dst.y))
        if ch.label and label_at is None:
            label_at = (pts[0][0] + 0.06, pts[0][1] - 0.05)
    else:
        top_s = src.y - src.shape_h / 2
        top_t = dst.y - dst.shape_h / 2
        if ch.source == ch.target or len(seq) == 1:
            yd = seq[0][1]
            q = src.shape_w / 4
            pts = [(src.x + q, top_s), (src.x + q, yd), (src.x - q, yd), (src.x - q, top_t)]
        else:
            pts.append((src.x, top_s))
            for k in range(len(seq) - 1):
                (la, ya), (lb, yb) = seq[k], seq[k + 1]
                pts.append((layer_x[la], ya))
                if abs(ya - yb) > 1e-9:
                    xc = channel_x[(ci, k)]
                    pts += [(xc, ya), (xc, yb)]
            pts.append((layer_x[seq[-1][0]], seq[-1][1]))
            pts.append((dst.x, top_t))
        if ch.label:
            label_at = (pts[1][0] - 0.1, pts[1][1] - 0.05)
            align = "right"
    # drop repeated points
    clean = [pts[0]]
    for p in pts[1:]:
        if abs(p[0] - clean[-1][0]) > 1e-9 or abs(p[1] - clean[-1][1]) > 1e-9:
            clean.append(p)
    return Route(ch.source, ch.target, ch.label, ch.back, tuple(clean), label_at, align)


# --------------------------------------------------------------------------- crossing reduction
def _initial_order(items: list[_Item], n_layers: int) -> list[list[int]]:
    order: list[list[int]] = [[] for _ in range(n_layers)]
    for it in sorted(items, key=lambda i: (i.layer, i.lane, i.init, i.id)):
        order[it.layer].append(it.id)
    return [_apply_glue(layer, items) for layer in order]


def _apply_glue(seq: list[int], items: list[_Item]) -> list[int]:
    """Put glued loop points right above their anchors (outermost loop farthest)."""
    glued: dict[int, list[int]] = defaultdict(list)
    for i in seq:
        if items[i].glued_to is not None:
            glued[items[i].glued_to].append(i)
    out: list[int] = []
    for i in seq:
        if items[i].glued_to is not None:
            continue
        if i in glued:
            out += sorted(glued[i], key=lambda d: (-items[d].glue_rank, d))
        out.append(i)
    return out


class _Side:
    """The links of every item on one side (left or right), by layer, in numpy."""

    def __init__(self, nb: dict[int, list[int]], order: list[list[int]], n_items: int) -> None:
        self.nb = [tuple(nb.get(i, ())) for i in range(n_items)]
        deg = np.array([len(ns) for ns in self.nb])
        # the only neighbour of an item with one, for the vectorised swap test
        self.one = np.array([ns[0] if len(ns) == 1 else -1 for ns in self.nb])
        self.several = deg > 1
        # per layer: its items, and their neighbours flattened with the item's index
        self.members: list[np.ndarray] = []
        self.flat: list[np.ndarray] = []
        self.owner: list[np.ndarray] = []
        self.deg: list[np.ndarray] = []
        for seq in order:
            members = np.array(seq, dtype=np.int64)
            self.members.append(members)
            self.flat.append(np.array([n for i in seq for n in self.nb[i]], dtype=np.int64))
            self.owner.append(np.repeat(np.arange(len(seq)), deg[members]))
            self.deg.append(deg[members])

    def barycentres(self, L: int, pos: np.ndarray, out: np.ndarray) -> None:
        """``out[i]``: the mean position of item ``i``'s neighbours, for the items of layer
        ``L`` (NaN without neighbours); every link joins consecutive layers, so all of an
        item's neighbours on a side are in one layer. Sums of integers, then one division:
        the same floats as ``sum(ns) / len(ns)``."""
        deg = self.deg[L]
        total = np.bincount(self.owner[L], weights=pos[self.flat[L]], minlength=len(deg))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[self.members[L]] = total / deg


class _Ordering:
    """Barycentric sweeps and adjacent swaps over the layers' orders (lists of item ids)."""

    def __init__(
        self,
        items: list[_Item],
        order: list[list[int]],
        links: list[tuple[int, int]],
        left_nb: dict[int, list[int]],
        right_nb: dict[int, list[int]],
    ) -> None:
        n = len(items)
        self.items = items
        self.lane = np.array([it.lane for it in items], dtype=np.int64)
        self.glued = np.array([it.glued_to is not None for it in items], dtype=bool)
        anchors = [it.glued_to for it in items if it.glued_to is not None]
        self.fixed = self.glued.copy()  # glued points and their anchors are not swapped
        self.fixed[anchors] = True
        self.glue: dict[int, list[int]] = {}  # anchor -> its glued points, outermost first
        for a in dict.fromkeys(anchors):
            pts = [it.id for it in items if it.glued_to == a]
            self.glue[a] = sorted(pts, key=lambda d: (-items[d].glue_rank, d))
        self.layer_glued = [bool(self.glued[seq].any()) if seq else False for seq in order]
        self.left = _Side(left_nb, order, n)
        self.right = _Side(right_nb, order, n)
        self.pos = np.zeros(n, dtype=np.int64)  # each item's index in its layer, kept current
        for seq in order:
            self.pos[seq] = np.arange(len(seq))
        self.bary = np.zeros(n)
        ends = np.array(links, dtype=np.int64).reshape(-1, 2)
        self.link_left, self.link_right = ends[:, 0], ends[:, 1]
        self.link_layer = np.array([it.layer for it in items], dtype=np.int64)[self.link_left]

    def crossings(self) -> int:
        """The crossings of the current order (``_count_crossings``, from ``pos``)."""
        return _crossings(self.link_layer, self.pos[self.link_left], self.pos[self.link_right])

    # ---- sweeps
    def sweep(self, order: list[list[int]], downstream: bool) -> None:
        """One barycentric sweep: left to right (each layer by its left neighbours) when
        ``downstream``, else right to left; items without neighbours there keep their slot."""
        n_layers = len(order)
        layers = range(1, n_layers) if downstream else range(n_layers - 2, -1, -1)
        side = self.left if downstream else self.right
        for L in layers:
            side.barycentres(L, self.pos, self.bary)
            order[L] = self._sorted_layer(L, order[L])
            self.pos[order[L]] = np.arange(len(order[L]))

    def _sorted_layer(self, L: int, seq: list[int]) -> list[int]:
        """The layer's free items lane by lane (in lane order), those with neighbours sorted
        by barycentre (ties keep their order) into the slots they held; glued points above
        their anchors."""
        arr = np.array(seq, dtype=np.int64)
        free = arr[~self.glued[arr]]
        free = free[np.argsort(self.lane[free], kind="stable")]
        bary = self.bary[free]
        keyed = np.flatnonzero(~np.isnan(bary))
        new = free.copy()
        by = np.lexsort((keyed, bary[keyed], self.lane[free[keyed]]))
        new[keyed] = free[keyed[by]]
        out = new.tolist()
        if not self.layer_glued[L]:
            return out
        glued = []
        for i in out:
            glued += self.glue.get(i, ())
            glued.append(i)
        return glued

    # ---- adjacent swaps
    def transpose(self, order: list[list[int]], passes: int = 4) -> None:
        """Swap neighbours in a cell while that removes crossings (loop channels stay put), in
        up to ``passes`` passes over the layers, stopping after a pass without swaps.

        A layer's swaps depend only on the order of its two neighbour layers, so a pass skips
        the layers a rescan would leave as they are: those that did not change in the previous
        pass and whose neighbours did not change since it was last scanned (the layer before
        it in this pass, the layer after it in the previous one)."""
        n_layers = len(order)
        changed_before = [True] * n_layers
        for _ in range(passes):
            changed = [False] * n_layers
            for L, seq in enumerate(order):
                stale = (
                    changed_before[L]
                    or (L > 0 and changed[L - 1])
                    or (L + 1 < n_layers and changed_before[L + 1])
                )
                if stale and len(seq) > 1:
                    changed[L] = self._transpose_layer(seq)
            if not any(changed):
                break
            changed_before = changed

    def _transpose_layer(self, seq: list[int]) -> bool:
        """One pass of adjacent swaps down a layer, as a bubble pass: a swapped item is carried
        on while it keeps swapping. The test of the layer's own adjacent pairs is vectorised
        (the neighbour layers do not move meanwhile); only pairs that swap, that involve an
        item with several links on a side, or that a carried item meets are tested one by one.
        Whether any pair swapped."""
        arr = np.array(seq, dtype=np.int64)
        u, v = arr[:-1], arr[1:]
        ok = (self.lane[u] == self.lane[v]) & ~self.fixed[u] & ~self.fixed[v]
        several = (
            self.left.several[u]
            | self.left.several[v]
            | self.right.several[u]
            | self.right.several[v]
        )
        uv = np.zeros(len(u), dtype=np.int64)
        vu = np.zeros(len(u), dtype=np.int64)
        for side in (self.left, self.right):
            a, b = side.one[u], side.one[v]
            both = (a >= 0) & (b >= 0)
            pa, pb = self.pos[a], self.pos[b]
            uv += both & (pa > pb)
            vu += both & (pa < pb)
        check = np.flatnonzero(ok & (several | (vu < uv))).tolist()
        swapped = False
        k_next = 0  # pairs before this index were already tested
        last = len(seq) - 1
        for k in check:
            if k < k_next:
                continue
            if not self._swaps(seq[k], seq[k + 1]):
                continue
            swapped = True
            x = seq[k]
            while True:  # carry x down while it swaps
                y = seq[k + 1]
                seq[k], seq[k + 1] = y, x
                self.pos[y], self.pos[x] = k, k + 1
                k += 1
                if k == last or not self._movable(x, seq[k + 1]):
                    break
                if not self._swaps(x, seq[k + 1]):
                    break
            k_next = k + 1
        return swapped

    def _movable(self, x: int, y: int) -> bool:
        """Whether adjacent ``x`` and ``y`` may trade places (one lane, neither held)."""
        return bool(self.lane[x] == self.lane[y] and not self.fixed[x] and not self.fixed[y])

    def _swaps(self, u: int, v: int) -> bool:
        """Whether putting ``v`` above ``u`` makes fewer crossings between their links."""
        uv = vu = 0
        pos = self.pos
        for side in (self.left, self.right):
            nv = side.nb[v]
            for a in side.nb[u]:
                pa = pos[a]
                for b in nv:
                    pb = pos[b]
                    if pa > pb:
                        uv += 1
                    elif pa < pb:
                        vu += 1
        return vu < uv


def _count_crossings(order: list[list[int]], links: list[tuple[int, int]], items) -> int:
    """Crossings between links of the same pair of layers (links sharing an end do not
    cross), all layers at once."""
    pos = np.zeros(len(items), dtype=np.int64)
    for seq in order:
        pos[seq] = np.arange(len(seq))
    ends = np.array(links, dtype=np.int64).reshape(-1, 2)
    layer = np.array([it.layer for it in items], dtype=np.int64)[ends[:, 0]]
    return _crossings(layer, pos[ends[:, 0]], pos[ends[:, 1]])


def _crossings(layer: np.ndarray, left: np.ndarray, right: np.ndarray) -> int:
    """Crossings of links given by the layer of their left end and the positions of their
    ends: per layer, the inversions of ``right`` sorted by ``(left, right)`` (``_inversions``);
    a later layer's links get larger keys, so they never pair with an earlier layer's."""
    if len(layer) < 2:
        return 0
    by = np.lexsort((right, left, layer))
    return _inversion_count(layer[by] * (int(right.max()) + 1) + right[by])


def _inversions(pairs: list[tuple[int, int]]) -> int:
    """Crossings between the links of one layer: pairs ``(a1, b1)``, ``(a2, b2)`` with
    ``a1 < a2`` and ``b1 > b2`` (links sharing an end do not cross). Sorted by ``(a, b)``, that
    is the number of strict inversions of the ``b`` sequence (Barth, Juenger & Mutzel 2004)."""
    return _inversion_count(np.array([b for _a, b in sorted(pairs)], dtype=np.int64))


def _inversion_count(x: np.ndarray) -> int:
    """Pairs ``i < j`` with ``x[i] > x[j]``: a bottom-up merge sort, one numpy pass per level,
    counting for each item of a right half the items of its left half above it. Pair by pair it
    took minutes on a map of 100 activities (QA 2026-12-04: a calibrate report never finished);
    a Fenwick tree in Python took 0.2 s a count on 70,000 links, three times this."""
    n = len(x)
    if n < 2:
        return 0
    x = x - x.min()
    span = int(x.max()) + 1
    idx = np.arange(n)
    total = 0
    w = 1
    while w < n:
        block = idx // (2 * w)
        key = block * span + x  # blocks apart; each half already sorted
        right = (idx // w) % 2 == 1
        left_keys = key[~right]
        rblock = block[right]
        at_most = np.searchsorted(left_keys, key[right], side="right") - np.searchsorted(
            left_keys, rblock * span
        )
        left_len = np.minimum(w, n - rblock * 2 * w)
        total += int((left_len - at_most).sum())
        x = np.sort(key) - block * span
        w *= 2
    return total


def _crossing_reduction(
    items: list[_Item],
    links: list[tuple[int, int]],
    left_nb: dict[int, list[int]],
    right_nb: dict[int, list[int]],
    n_layers: int,
    n_lanes: int,
    iterations: int,
) -> list[list[int]]:
    order = _initial_order(items, n_layers)
    best = [list(s) for s in order]
    ordering = _Ordering(items, order, links, left_nb, right_nb)
    best_c = ordering.crossings()
    seen: set[tuple[tuple[int, ...], ...]] = set()
    for _ in range(iterations):
        ordering.sweep(order, downstream=True)
        ordering.sweep(order, downstream=False)
        ordering.transpose(order)
        # an iteration is a function of the order alone: once an order comes back, the rest
        # would only cycle through orders already counted (the sweeps settle in 2-5 rounds)
        state = tuple(map(tuple, order))
        if state in seen:
            break
        seen.add(state)
        c = ordering.crossings()
        if c < best_c:
            best, best_c = [list(s) for s in order], c
        if best_c == 0:
            break
    return best


# ------------------------------------------------------------------------------------- rows
def lane_cells(
    items: list[_Item], order: list[list[int]], n_lanes: int
) -> tuple[dict[tuple[int, int], list[int]], list[int], list[int]]:
    """The items of each (column, lane) cell in their order, and per lane its rows and the rows
    kept above its main line for loop channels (rows 0..G-1; the main line is row G)."""
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for L, seq in enumerate(order):
        for i in seq:
            cells[(L, items[i].lane)].append(i)
    # rows 0..G-1 of a lane are room for loop channels above the main line (row G)
    n_rows = [1] * n_lanes
    n_glued = [0] * n_lanes
    for (_L, lane), cell in cells.items():
        g = sum(1 for i in cell if items[i].glued_to is not None)
        n_glued[lane] = max(n_glued[lane], g)
    for (_L, lane), cell in cells.items():
        n_rows[lane] = max(n_rows[lane], len(cell) + n_glued[lane])
    return cells, n_rows, n_glued


def initial_rows(
    items: list[_Item], cells: dict[tuple[int, int], list[int]], n_glued: list[int]
) -> np.ndarray:
    """Each item's row before placement: a cell's items one under another in their order, its
    first unglued item on its lane's main line (``lane_cells``)."""
    row = np.zeros(len(items), dtype=np.int64)
    for (_L, lane), cell in cells.items():
        lead = next((k for k, i in enumerate(cell) if items[i].glued_to is None), 0)
        row[cell] = n_glued[lane] - lead + np.arange(len(cell))
    return row


def _assign_rows(
    items: list[_Item],
    order: list[list[int]],
    left_nb: dict[int, list[int]],
    right_nb: dict[int, list[int]],
    n_lanes: int,
) -> tuple[dict[int, int], list[int]]:
    """Rows within each lane: cells keep their order; chains stay as straight as possible."""
    cells, n_rows, n_glued = lane_cells(items, order, n_lanes)
    row = initial_rows(items, cells, n_glued)
    placers = {
        key: _CellPlacer(cell, items, left_nb, right_nb, n_rows[key[1]])
        for key, cell in cells.items()
    }
    n_layers = len(order)
    for _ in range(4):
        moved = False
        for L in list(range(n_layers)) + list(range(n_layers - 1, -1, -1)):
            for lane in range(n_lanes):
                placer = placers.get((L, lane))
                if placer is not None:
                    moved |= placer.place(row)
        if not moved:  # the next round would see the same rows and place them the same
            break
    rows = {i: r for cell in cells.values() for i, r in zip(cell, row[cell].tolist(), strict=True)}
    return rows, n_rows


class _CellPlacer:
    """Places the items of one (column, lane) cell on rows near their same-lane neighbours."""

    def __init__(
        self,
        cell: list[int],
        items: list[_Item],
        left_nb: dict[int, list[int]],
        right_nb: dict[int, list[int]],
        n_rows: int,
    ) -> None:
        self.cell = np.array(cell, dtype=np.int64)
        self.n_rows = n_rows
        # blocks: glued loop points + their anchor move together
        self.sizes: list[int] = []
        for k in range(len(cell)):
            if k and items[cell[k - 1]].glued_to is not None:
                self.sizes[-1] += 1
            else:
                self.sizes.append(1)
        self.offset = np.concatenate([np.arange(z) for z in self.sizes])  # in the block
        lane = items[cell[0]].lane
        nbs = [
            [n for n in (*left_nb.get(i, ()), *right_nb.get(i, ())) if items[n].lane == lane]
            for i in cell
        ]
        self.flat = np.array([n for ns in nbs for n in ns], dtype=np.int64)
        self.deg = np.array([len(ns) for ns in nbs], dtype=np.int64)
        self.owner = np.repeat(np.arange(len(cell)), self.deg)
        # items with more neighbours in the lane (the main line) bend less
        self.weight = [
            max(1, len(ns)) * (0.5 if items[i].node is None else 1.0)
            for i, ns in zip(cell, nbs, strict=True)
        ]
        self.last_want: np.ndarray | None = None

    def place(self, row: np.ndarray) -> bool:
        """Move the cell's items (``row`` by item id) to their best rows; whether any moved."""
        # the mean row of the neighbours: integer sums, one division, as sum(ns) / len(ns)
        total = np.bincount(self.owner, weights=row[self.flat], minlength=len(self.cell))
        with np.errstate(invalid="ignore", divide="ignore"):
            want = np.where(self.deg > 0, total / self.deg, row[self.cell])
        if self.last_want is not None and np.array_equal(want, self.last_want):
            return False  # the same targets give the same rows, already set
        self.last_want = want
        starts = _place_blocks(self.sizes, want, self.weight, self.n_rows)
        new = np.repeat(starts, self.sizes) + self.offset
        moved = not np.array_equal(row[self.cell], new)
        row[self.cell] = new
        return moved


def _place_blocks(
    sizes: list[int], want: Sequence[float], weight: Sequence[float], n_rows: int
) -> list[int]:
    """Start rows of consecutive blocks of ``sizes`` rows, in order without overlap in
    ``[0, n_rows)``, minimising ``sum(weight * |row - want|)`` over the items plus ``1e-3`` per
    start row (upper rows when free); of equal costs, the upper start rows.

    Block ``j`` can only start at ``offs[j] + s`` with ``0 <= s <= slack`` (the rows the blocks
    above it need, plus the rows left over), and block ``j`` at ``s`` needs block ``j - 1`` at
    some ``s' <= s``: a dynamic programme over (block, s) keeping the running best along ``s``,
    in numpy. Over every row, in Python, it took minutes on a map of 100+ activities (cells of
    1,600 items); the sums are the same, so the rows are too."""
    n_blocks = len(sizes)
    width = n_rows - len(want) + 1  # the choices of s
    gain = _block_gains(sizes, want, weight, n_rows)
    # row j becomes the best gain of blocks 0..j with block j at s or above (nondecreasing)
    table = list(gain)
    prev = table[0]
    np.maximum.accumulate(prev, out=prev)
    for row in table[1:]:
        np.add(prev, row, out=row)
        np.maximum.accumulate(row, out=row)
        prev = row
    # back from the last block: each at the first s that reaches its best gain
    starts = [0] * n_blocks
    at = width - 1
    first_row = np.cumsum([0, *sizes[:-1]])
    for j in range(n_blocks - 1, -1, -1):
        at = int(table[j].searchsorted(table[j][at]))
        starts[j] = int(first_row[j]) + at
    return starts


_CHUNK = 1 << 16  # cells of the gain table computed at once (the temporaries stay in cache)


def _block_gains(
    sizes: list[int], want: Sequence[float], weight: Sequence[float], n_rows: int
) -> np.ndarray:
    """Minus the cost of each block (rows) at each start ``offs + s`` (columns): for each item
    ``weight * |row - want|`` added in the block's order, then ``1e-3 * start``, as the scalar
    programme summed them. Negated (exactly) so that the programme's running minima become
    running maxima, which ``searchsorted`` can read."""
    n_blocks = len(sizes)
    width = n_rows - len(want) + 1
    first = np.cumsum([0, *sizes])  # the first item of each block
    size = np.asarray(sizes)
    rows = np.arange(n_rows, dtype=float)
    at_row = sliding_window_view(rows, width)  # item i's row with its block at offs + s
    start_cost = sliding_window_view(1e-3 * rows, width)
    want_ = np.asarray(want)[:, None]
    weight_ = np.asarray(weight)[:, None]
    gain = np.empty((n_blocks, width))
    step = max(1, _CHUNK // width)
    for b0 in range(0, n_blocks, step):
        b1 = min(n_blocks, b0 + step)
        i0, i1 = first[b0], first[b1]
        item = at_row[i0:i1] - want_[i0:i1]
        np.abs(item, out=item)
        item *= weight_[i0:i1]
        out = gain[b0:b1]
        lead = first[b0:b1] - i0
        np.take(item, lead, axis=0, out=out)
        sz = size[b0:b1]
        for t in range(1, int(sz.max())):
            more = sz > t
            out[more] += item[lead[more] + t]
        out += start_cost[first[b0:b1]]
        np.negative(out, out=out)
    return gain
