"""``ProcessModel`` -> BPMN 2.0 XML (with a diagram) + Prosimos parameters.

The BPMN has one process; when steps have roles it sits in a pool with **one lane per role**
(the steps of that role; gateways and events go to the lane of the step before them). Steps with
a role are ``task`` elements (Prosimos only reads ``task``); steps without a role (automated work
or timers: a pure delay) are timer intermediate catch events whose duration Prosimos takes from
``event_distribution``. A node that several flows enter gets an exclusive merge gateway in front
of it (and each branch of a parallel block one in front of the join), so every gateway is a pure
split or a pure join, as Prosimos expects. The layout is left to right by longest path, lanes
stacked top to bottom: plain but readable in bpmn.io, Camunda Modeler or Signavio.

Things only our model has and that do not change what Prosimos simulates (step cost, value
adding, mandatory, requires, descriptions, end outcomes and values, the time unit and start date,
and whether a step without a role is a timer of ``metadata["timer_steps"]``) travel in
``extensionElements`` of our namespace, so an import gives them back. So do a step's
``alternatives``: Prosimos gets them as more resources of the task, each at its own pace, and a
``sim:alternative`` element (its role, its ``share`` and the ids of those resources) lets an
import give the step its own role and the alternatives back, instead of pooling the roles.

What neither BPMN nor Prosimos can express makes ``save_bpmn``/``to_prosimos_json`` refuse with
the list of what would be lost, unless ``allow_loss=True``, which exports the nearest model and
returns that list: case segments are merged into one kind of case (each step's duration scaled
by the segments' ``duration_scale``, timers by their ``timer_scale``, and each decision's
probabilities the segments' own, all weighted by the segments' shares of the cases that reach the
step or decision, so the mean work and the flow through each branch stay those of the model;
priorities are dropped), steps done by several roles keep the first (a role left with no task is
named), patience and hand-off delays are dropped, an arrival profile with several rate levels
becomes the calendar of its open hours (keeping the weekly volume), and a distribution Prosimos
cannot draw (or would draw slowly and wrongly: a truncated one whose window holds little of its
probability, see ``prosimos.MIN_KEPT_MASS``) becomes a gamma with its mean and variance. Two
things are exported as they are but listed among the losses too, because Prosimos 2.1 cannot run
them: several end events (that version simulates only models with one) and an inclusive gateway
whose probabilities do not sum to 1 (it crashes when it takes none of the branches). So are, for
a model imported from BPMN, its message/signal/conditional catch events (written as timer
events) and its embedded sub-processes (flattened on import).
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ModelError
from sim.model.calendar import ALWAYS
from sim.model.distributions import Distribution
from sim.model.interchange import prosimos as P
from sim.model.interchange.bpmn_read import BPMN_NS, SIM_NS
from sim.model.io import character_name, visible_name
from sim.model.process import DEFAULT_SEGMENT, ProcessModel
from sim.model.views import expected_visits, segment_routing
from sim.model.whole_files import write_text_whole, written_whole

BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
_NCNAME = re.compile(r"[^\W\d][\w.\-]*")
#: A character XML 1.0 cannot hold, not even as a character reference: the C0 controls but tab,
#: line feed and carriage return (ESC, BEL, NUL), lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

SIZES = {"task": (100, 80), "gateway": (50, 50), "event": (36, 36)}
COL = 160  # horizontal distance between layers
ROW = 120  # vertical distance between rows in a lane
LANE_LABEL = 30
POOL_X = 20.0
POOL_Y = 20.0
PROSIMOS_SUM_TOL = 1e-8  # numpy's tolerance for probabilities that must sum to 1


def segment_visits(m: ProcessModel) -> dict[str, dict[str, float]]:
    """Segment name -> expected visits of each node by one of its cases (its own routing); a
    segment whose routing loops for ever is missing (it has no visits to weigh by)."""
    out = {}
    for s in m.arrivals.segments:
        try:
            out[s.name] = expected_visits(segment_routing(m, s.name))
        except ValueError:
            pass
    return out


def segment_weights(
    m: ProcessModel, node: str, visits: dict[str, dict[str, float]] | None = None
) -> list[tuple[Any, float]]:
    """Each segment with its fraction of the cases that pass ``node``: its share times how often
    one of its cases passes there (``visits`` from ``segment_visits``), summing to 1; the plain
    shares when no segment's cases pass it. A segment whose routing loops for ever counts by
    its share alone."""
    segs = m.arrivals.segments
    visits = segment_visits(m) if visits is None else visits
    weights = [s.share * (visits[s.name].get(node, 0.0) if s.name in visits else 1.0) for s in segs]
    total = sum(weights)
    if total <= 0:
        weights = [s.share for s in segs]
        total = sum(weights) or 1.0
    return [(s, w / total) for s, w in zip(segs, weights, strict=True)]


def _end_value(m: ProcessModel, e: Any, visits: dict[str, dict[str, float]] | None = None) -> float:
    """An end's value for a format with one kind of case: its mean over the cases that reach
    it, each segment weighted by its share and by how often its cases end there (with routing
    by segment, key accounts win more often: a mean over the shares alone undervalued a won
    CRM deal, QA 2026-12-05 bpmn #9), else its one value. The export's routing is the same mix
    of the segments' (``segment_weights``), so the revenue per case is kept to first order."""
    if not e.value_by_segment:
        return float(e.value)
    return sum(w * e.value_for(s.name) for s, w in segment_weights(m, e.name, visits))


def _idle_roles(roles: list[str]) -> str:
    """The end of a multi-role step's loss: the dropped roles that do no other task."""
    if not roles:
        return ""
    names = ", ".join(f"'{r}'" for r in roles)
    one = len(roles) == 1
    return (
        f"; {names} {'does' if one else 'do'} no other task, so {'it is' if one else 'they are'} "
        f"idle in Prosimos and in a re-import of the export ({'its' if one else 'their'} people "
        "and hourly cost stay)"
    )


@dataclass(frozen=True)
class ExportResult:
    """What ``save_bpmn`` wrote, and what the export could not express (with ``allow_loss``)."""

    bpmn: Path
    params: Path
    lost: tuple[str, ...] = ()


@dataclass
class _El:
    id: str
    tag: str  # task, intermediateCatchEvent, exclusiveGateway, ... , startEvent, endEvent
    name: str
    node: str | None  # model node name (None for the start event and merges)
    direction: str = ""
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)
    lane: str | None = None
    x: float = 0.0
    y: float = 0.0


@dataclass
class _Flow:
    id: str
    source: str
    target: str


def _slug(text: str) -> str:
    s = re.sub(r"[^\w.\-]+", "_", text).strip("_")
    if not s or not _NCNAME.fullmatch(s):
        s = "_" + s
    return s


class _Plan:
    """Element ids, flows, merges, lanes and the Prosimos parameters of one model."""

    def __init__(self, model: ProcessModel) -> None:
        self.m = model
        self.lost: list[str] = []
        self.used_ids: set[str] = set()
        self.el: dict[str, _El] = {}  # by element id
        self.id_of: dict[str, str] = {}  # model node name -> element id
        self.flows: list[_Flow] = []
        self.flow_prob: dict[str, float] = {}
        self.timer_steps = set((model.metadata or {}).get("timer_steps") or ())
        # role -> its resource ids in the Prosimos JSON (``_Params.profiles`` fills it; the
        # sim:alternative elements of the BPMN name them)
        self.entries_of_role: dict[str, list[str]] = {}
        self.visits = segment_visits(model) if len(model.arrivals.segments) > 1 else {}
        self._merge_segments()
        self._check_losses()
        self._elements()
        self._edges()
        self._lanes()

    # ---------------------------------------------------------------------------------- ids
    def new_id(self, preferred: str | None, fallback: str) -> str:
        for cand in (preferred, fallback):
            if cand and _NCNAME.fullmatch(cand) and cand not in self.used_ids:
                self.used_ids.add(cand)
                return cand
        base = _slug(fallback)
        k = 2
        cand = base
        while cand in self.used_ids:
            cand = f"{base}_{k}"
            k += 1
        self.used_ids.add(cand)
        return cand

    def add_el(self, el: _El) -> _El:
        self.el[el.id] = el
        if el.node is not None:
            self.id_of[el.node] = el.id
        return el

    # ---------------------------------------------------------------------------- segments
    def _merge_segments(self) -> None:
        """One kind of case for Prosimos: each step's duration scale (``duration_scale``; a
        timer's ``timers_scale``) and each decision's probabilities are the segments', weighted
        by their fractions of the cases that reach the step or decision (``segment_weights``)."""
        m = self.m
        self.duration_scale: dict[str, float] = {}  # steps whose durations change
        for s in m.steps.values():
            k = sum(
                w * (seg.duration_scale if s.roles else seg.timers_scale)
                for seg, w in segment_weights(m, s.name, self.visits)
            )
            if not math.isclose(k, 1.0, rel_tol=1e-12):
                self.duration_scale[s.name] = k
        self.branch_probs: dict[str, tuple[float, ...]] = {}  # decisions with by_segment
        for d in m.decisions.values():
            if d.by_segment:
                weights = segment_weights(m, d.name, self.visits)
                self.branch_probs[d.name] = tuple(
                    sum(w * d.probabilities(seg.name)[i] for seg, w in weights)
                    for i in range(len(d.branches))
                )

    def duration(self, step: Any, d: Distribution) -> Distribution:
        """``d``, a duration of ``step``, with the segments' merged scale folded in."""
        k = self.duration_scale.get(step.name, 1.0)
        return d if k == 1.0 else d.scaled(k)

    # ------------------------------------------------------------------------------ losses
    def _check_losses(self) -> None:
        m = self.m
        segs = m.arrivals.segments
        if (
            len(segs) > 1
            or segs[0].name != DEFAULT_SEGMENT
            or segs[0].duration_scale != 1.0
            or segs[0].timers_scale != 1.0
        ):
            shares = {s.name: s.share for s in segs}
            scales = {s.name: s.duration_scale for s in segs}
            timer_scales = {s.name: s.timers_scale for s in segs}
            timers = (
                f" (timers by their timer scales {timer_scales})"
                if any(s.timers_scale != s.duration_scale for s in segs)
                else ""
            )
            self.lost.append(
                f"arrivals.segments {[s.name for s in segs]}: Prosimos has one kind of case; "
                f"merged into one with shares {shares}: each step's duration is scaled by the "
                f"segments' duration scales {scales}{timers}, and each decision takes the "
                "segments' probabilities, both weighted by the segments' shares of the cases "
                "that reach it; priorities are dropped"
            )
        for d in m.decisions.values():
            if d.by_segment:
                merged = {
                    b.to: round(p, 6)
                    for b, p in zip(d.branches, self.branch_probs[d.name], strict=True)
                }
                self.lost.append(
                    f"decisions.{d.name}.by_segment: merged into one set of probabilities, "
                    f"{merged} (each segment's weighted by its share of the cases that reach it)"
                )
        # roles that still do a task in the export: a step's first role, or an alternative's
        working = {
            r for s in m.steps.values() for r in (*s.roles[:1], *(a.role for a in s.alternatives))
        }
        for s in m.steps.values():
            if len(s.roles) > 1:
                idle = [r for r in dict.fromkeys(s.roles[1:]) if r not in working]
                self.lost.append(
                    f"steps.{s.name}: done by {list(s.roles)} at once; Prosimos assigns one "
                    f"resource, so only '{s.roles[0]}' is kept" + _idle_roles(idle)
                )
            if s.alternatives:
                shares = (
                    " nor sends the alternatives' shares of the cases to them first"
                    if any(a.share for a in s.alternatives)
                    else ""
                )
                self.lost.append(
                    f"steps.{s.name}.alternatives: kept as more resources of the task, each at "
                    f"its own pace, but Prosimos does not prefer '{s.roles[0]}' when several "
                    f"are free{shares}; our import of the export gives the step its roles and "
                    "alternatives back (sim:alternative), so a re-import simulates as this model"
                )
            if s.patience is not None:
                self.lost.append(f"steps.{s.name}.patience: Prosimos cases never abandon; dropped")
            if s.calendar not in (None, "24/7") and not s.roles:
                self.lost.append(
                    f"steps.{s.name}.calendar: a timer counting working hours of "
                    f"'{s.calendar}' becomes one on the clock"
                )
            if s.measured_from == "arrival":
                self.lost.append(
                    f"steps.{s.name}.measured_from: a timer measured from the case's arrival "
                    "becomes one measured from when the case reaches it"
                )
        if m.handoff_delay is not None:
            self.lost.append("handoff_delay: Prosimos has no hand-off delay; dropped")
        for e in m.ends.values():
            if e.value_by_segment:
                self.lost.append(
                    f"ends.{e.name}.value: per-segment values {dict(e.value_by_segment)} become "
                    f"their mean over the cases that end there, {_end_value(m, e, self.visits):g}"
                )
        subprocesses: dict[str, list[str]] = {}
        for node in (*m.steps.values(), *m.decisions.values()):
            prov = node.provenance or {}
            if prov.get("bpmn_subprocess"):
                sub = f"'{prov['bpmn_subprocess']}'" + (
                    f" ({prov['bpmn_subprocess_name']})" if prov.get("bpmn_subprocess_name") else ""
                )
                subprocesses.setdefault(sub, []).append(node.name)
            if prov.get("bpmn_event") and node.name in m.steps and not m.steps[node.name].roles:
                self.lost.append(
                    f"steps.{node.name}: imported from an intermediate catch event with "
                    f"{prov['bpmn_event']}; exported as a timer event (same duration)"
                )
        for sub, names in subprocesses.items():
            self.lost.append(
                f"sub-process {sub}: flattened on import; its steps and decisions {names} are "
                "exported in the main flow, without the sub-process boundary"
            )
        if len(m.ends) > 1:
            self.lost.append(
                f"ends {list(m.ends)}: Prosimos 2.1 simulates only models with one end event "
                "('Temporarily not supporting multiple end events'); they are exported as they "
                "are (valid BPMN), so that Prosimos version refuses the file"
            )
        for p in m.parallels.values():
            if p.probabilities is not None and abs(sum(p.probabilities) - 1.0) > PROSIMOS_SUM_TOL:
                self.lost.append(
                    f"parallel.{p.name}.probabilities {list(p.probabilities)}: sum to "
                    f"{sum(p.probabilities):g}, not 1; exported as they are, but when Prosimos 2.1 "
                    "takes none of the branches it draws one with them, and crashes "
                    "('probabilities do not sum to 1')"
                )
        meta = m.metadata or {}
        if meta.get("step_activity"):
            self.lost.append(
                "metadata: a calibrated model's activity names (step_activity) are not carried, "
                "so the re-imported model has no per-activity view or activity map (its timer "
                "steps are carried)"
            )

    # ---------------------------------------------------------------------------- elements
    def _elements(self) -> None:
        m = self.m
        self.start_id = self.new_id("StartEvent_1", "StartEvent_1")
        self.add_el(_El(self.start_id, "startEvent", "start", None))
        for s in m.steps.values():
            prov = (s.provenance or {}).get("bpmn_id")
            tag = "task" if s.roles else "intermediateCatchEvent"
            eid = self.new_id(
                prov, s.name if _NCNAME.fullmatch(s.name) else f"Activity_{_slug(s.name)}"
            )
            self.add_el(_El(eid, tag, s.name, s.name))
        for d in m.decisions.values():
            prov = (d.provenance or {}).get("bpmn_id")
            eid = self.new_id(
                prov, d.name if _NCNAME.fullmatch(d.name) else f"Gateway_{_slug(d.name)}"
            )
            self.add_el(_El(eid, "exclusiveGateway", d.name, d.name, "Diverging"))
        for p in m.parallels.values():
            tag = "parallelGateway" if p.probabilities is None else "inclusiveGateway"
            eid = self.new_id(
                None, p.name if _NCNAME.fullmatch(p.name) else f"Gateway_{_slug(p.name)}"
            )
            self.add_el(_El(eid, tag, p.name, p.name, "Diverging"))
            jid = self.new_id(
                None, p.join if _NCNAME.fullmatch(p.join) else f"Gateway_{_slug(p.join)}"
            )
            self.add_el(_El(jid, tag, p.join, p.join, "Converging"))
        for e in m.ends.values():
            eid = self.new_id(
                None, e.name if _NCNAME.fullmatch(e.name) else f"Event_{_slug(e.name)}"
            )
            self.add_el(_El(eid, "endEvent", e.name, e.name))

    def flow(self, source: str, target: str, prob: float | None = None) -> str:
        fid = self.new_id(None, f"Flow_{len(self.flows) + 1}")
        self.flows.append(_Flow(fid, source, target))
        self.el[source].outgoing.append(fid)
        self.el[target].incoming.append(fid)
        if prob is not None:
            self.flow_prob[fid] = prob
        return fid

    def _edges(self) -> None:
        """Model edges, with exclusive merges where several enter one node."""
        m = self.m
        # (source element, target node, probability or None, branch key for joins)
        edges: list[tuple[str, str, float | None, Any]] = [(self.start_id, m.start, None, None)]
        branch_of = self._join_branches()
        for s in m.steps.values():
            edges.append((self.id_of[s.name], s.next, None, branch_of.get((s.name, s.next))))
        for d in m.decisions.values():
            probs = self.branch_probs.get(d.name) or d.probabilities()
            for b, prob in zip(d.branches, probs, strict=True):
                edges.append((self.id_of[d.name], b.to, prob, branch_of.get((d.name, b.to))))
        for p in m.parallels.values():
            for k, b in enumerate(p.branches):
                prob = None if p.probabilities is None else p.probabilities[k]
                key = (p.name, k) if b == p.join else None
                edges.append((self.id_of[p.name], b, prob, key))
            edges.append((self.id_of[p.join], p.next, None, branch_of.get((p.join, p.next))))

        # several edges into one node (one branch of a join): an exclusive merge in front.
        # Flows are created in edge order, so a gateway's outgoing flows keep the branch order.
        def key(tgt: str, k: Any) -> tuple[str, Any]:
            return (tgt, k if tgt in m.joins else None)

        count: dict[tuple[str, Any], int] = {}
        for _, tgt, _, k in edges:
            count[key(tgt, k)] = count.get(key(tgt, k), 0) + 1
        merges: dict[tuple[str, Any], str] = {}
        for src, tgt, prob, k in edges:
            g = key(tgt, k)
            target_id = self.id_of[tgt]
            if count[g] == 1:
                self.flow(src, target_id, prob)
                continue
            if g not in merges:
                merges[g] = self.new_id(None, f"Merge_{target_id}")
                self.add_el(_El(merges[g], "exclusiveGateway", "", None, "Converging"))
            self.flow(src, merges[g], prob)
        for (tgt, _), mid in merges.items():
            self.flow(mid, self.id_of[tgt])

    def _join_branches(self) -> dict[tuple[str, str], Any]:
        """(node, join) edge -> (parallel, branch index): which branch it closes."""
        m = self.m
        out: dict[tuple[str, str], Any] = {}
        for p in m.parallels.values():
            owner: dict[str, int] = {}
            for k, b in enumerate(p.branches):
                seen: set[str] = set()
                queue = deque([b])
                while queue:
                    n = queue.popleft()
                    if n == p.join or n in seen:
                        continue
                    seen.add(n)
                    if n in owner and owner[n] != k:
                        raise ModelError(
                            f"cannot export: branches {owner[n]} and {k} of parallel block "
                            f"'{p.name}' share node '{n}'; BPMN needs each branch to have its own "
                            "nodes (duplicate the shared steps)"
                        )
                    owner[n] = k
                    for s in m.successors(n):
                        if s == p.join:
                            out[(n, p.join)] = (p.name, k)
                        else:
                            queue.append(s)
        return out

    # -------------------------------------------------------------------------------- lanes
    def _lanes(self) -> None:
        m = self.m
        for s in m.steps.values():
            if s.roles:
                self.el[self.id_of[s.name]].lane = s.roles[0]
        self.lane_names = [r for r in m.roles if any(e.lane == r for e in self.el.values())]
        if not self.lane_names:
            return
        target = {f.id: f.target for f in self.flows}
        source = {f.id: f.source for f in self.flows}
        # propagate forward along flows, then backward for what is still unassigned
        order = self.order()
        for eid in order:
            el = self.el[eid]
            if el.lane is None:
                for f in el.incoming:
                    lane = self.el[source[f]].lane
                    if lane is not None:
                        el.lane = lane
                        break
        for eid in reversed(order):
            el = self.el[eid]
            if el.lane is None:
                for f in el.outgoing:
                    lane = self.el[target[f]].lane
                    if lane is not None:
                        el.lane = lane
                        break
        for el in self.el.values():
            if el.lane is None:
                el.lane = self.lane_names[0]

    def order(self) -> list[str]:
        """Elements in breadth-first order from the start event."""
        target = {f.id: f.target for f in self.flows}
        seen = [self.start_id]
        done = {self.start_id}
        queue = deque([self.start_id])
        while queue:
            for f in self.el[queue.popleft()].outgoing:
                t = target[f]
                if t not in done:
                    done.add(t)
                    seen.append(t)
                    queue.append(t)
        return seen + [e for e in self.el if e not in done]

    # ------------------------------------------------------------------------------- layout
    def layout(self) -> tuple[dict[str, tuple[float, float]], float]:
        """Place the elements; returns lane name -> (top, height) and the pool's width."""
        target = {f.id: f.target for f in self.flows}
        # back edges by DFS from the start; layers by longest path over the other edges
        state: dict[str, int] = {self.start_id: 1}
        back: set[str] = set()
        stack = [(self.start_id, iter(self.el[self.start_id].outgoing))]
        topo: list[str] = []
        while stack:
            node, it = stack[-1]
            f = next(it, None)
            if f is None:
                state[node] = 2
                topo.append(node)
                stack.pop()
                continue
            t = target[f]
            if state.get(t) == 1:
                back.add(f)
            elif t not in state:
                state[t] = 1
                stack.append((t, iter(self.el[t].outgoing)))
        topo.reverse()
        topo += [x for x in self.el if x not in state]
        layer = {e: 0 for e in self.el}
        for e in topo:
            for f in self.el[e].outgoing:
                if f not in back:
                    t = target[f]
                    layer[t] = max(layer[t], layer[e] + 1)
        lanes: list[str | None] = list(self.lane_names) or [None]
        rows: dict[tuple[Any, int], int] = {}
        row_of: dict[str, int] = {}
        for e in topo:
            key = (self.el[e].lane if self.lane_names else None, layer[e])
            row_of[e] = rows.get(key, 0)
            rows[key] = row_of[e] + 1
        bands: dict[Any, tuple[float, float]] = {}
        y = POOL_Y
        for lane in lanes:
            n_rows = max([c for (ln, _), c in rows.items() if ln == lane] or [1])
            bands[lane] = (y, n_rows * ROW + 40)
            y += n_rows * ROW + 40
        x0 = POOL_X + (2 * LANE_LABEL if self.lane_names else 0) + 40
        for eid, el in self.el.items():
            w, h = SIZES[_kind(el.tag)]
            top, _ = bands[el.lane if self.lane_names else None]
            cx = x0 + layer[eid] * COL + 50
            cy = top + 20 + ROW / 2 + row_of[eid] * ROW
            el.x, el.y = cx - w / 2, cy - h / 2
        width = x0 + (max(layer.values()) + 1) * COL + 40 - POOL_X
        return {str(k): v for k, v in bands.items()}, width


def _kind(tag: str) -> str:
    if tag == "task":
        return "task"
    if tag.endswith("Gateway"):
        return "gateway"
    return "event"


def _center(el: _El) -> tuple[float, float, float, float]:
    w, h = SIZES[_kind(el.tag)]
    return el.x, el.y, w, h


# ------------------------------------------------------------------------------ Prosimos JSON
def _seconds(model: ProcessModel) -> float:
    return 1.0 if model.time_unit == "seconds" else model.time_factor * 3600.0


class _Params:
    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        self.m = plan.m
        self.k = _seconds(self.m)

    def spec(self, d: Distribution, where: str) -> dict[str, Any]:
        # the reason names the distribution as the model file has it (its time unit), not in
        # the seconds the JSON is written in (a step of 1 to 4 hours read 'min=3600, max=1.44e+04')
        unit = "" if self.k == 1.0 else f" ({self.m.time_unit})"
        spec, why = P.distribution_to_prosimos(
            P.scale_distribution(d, self.k), label=f"{d.describe()}{unit}"
        )
        if why:
            self.plan.lost.append(f"{where}: {why}")
        return spec

    def build(self) -> dict[str, Any]:
        m = self.m
        profiles, entries_of_role, calendars = self.profiles()
        tasks = []
        events = []
        for s in m.steps.values():
            eid = self.plan.id_of[s.name]
            if not s.roles:
                prov = (s.duration.provenance or {}).get("prosimos")
                duration = self.plan.duration(s, s.duration)
                if (
                    self.k == 1.0
                    and isinstance(prov, dict)
                    and P.reproduces(prov, duration, mixture=False)
                ):
                    spec = prov
                else:
                    spec = self.spec(duration, f"steps.{s.name}.duration")
                events.append({"event_id": eid, **spec})
                continue
            entries = entries_of_role[s.roles[0]]
            prov = (s.duration.provenance or {}).get("prosimos")
            duration = self.plan.duration(s, s.duration)
            if (
                self.k == 1.0
                and isinstance(prov, list)
                and {str(p.get("resource_id")) for p in prov} <= set(entries)
                and P.reproduces(prov, duration, mixture=True)
            ):
                resources = [dict(p) for p in prov]
            else:
                spec = self.spec(duration, f"steps.{s.name}.duration")
                resources = [{"resource_id": r, **spec} for r in entries]
            for alt in s.alternatives:  # Prosimos lets each resource of a task have its pace
                spec = self.spec(
                    self.plan.duration(s, alt.duration),
                    f"steps.{s.name}.alternatives.{alt.role}.duration",
                )
                resources += [{"resource_id": r, **spec} for r in entries_of_role[alt.role]]
            tasks.append({"task_id": eid, "resources": resources})
        gateways = []
        for d in m.decisions.values():
            gateways.append(self.gateway(d.name))
        for p in m.parallels.values():
            if p.probabilities is not None:
                gateways.append(self.gateway(p.name))
        arrival, arrival_cal = self.arrivals()
        return {
            "resource_profiles": profiles,
            "resource_calendars": calendars,
            "task_resource_distribution": tasks,
            "event_distribution": events,
            "gateway_branching_probabilities": gateways,
            "arrival_time_distribution": arrival,
            "arrival_time_calendar": arrival_cal,
            "batch_processing": [],
            "model_type": "CRISP",
        }

    def gateway(self, name: str) -> dict[str, Any]:
        el = self.plan.el[self.plan.id_of[name]]
        return {
            "gateway_id": el.id,
            "probabilities": [
                {"path_id": f, "value": self.plan.flow_prob[f]}
                for f in el.outgoing
                if f in self.plan.flow_prob
            ],
        }

    def profiles(self) -> tuple[list[dict[str, Any]], dict[str, list[str]], list[dict[str, Any]]]:
        m = self.m
        used_cals: dict[str, None] = {}
        by_id: dict[str, dict[str, Any]] = {}
        entries_of_role: dict[str, list[str]] = {}
        taken: set[str] = set()
        for role in m.roles.values():
            profs = self.role_profiles(role, taken)
            entries_of_role[role.name] = [r["id"] for p in profs for r in p["resource_list"]]
            for p in profs:
                for r in p["resource_list"]:
                    used_cals[r["calendar"]] = None
                    taken.add(r["id"])
                if p["id"] in by_id:  # a profile split over roles on import: merge back
                    by_id[p["id"]]["resource_list"].extend(p["resource_list"])
                else:
                    by_id[p["id"]] = p
        self.plan.entries_of_role = entries_of_role
        calendars = []
        for name in {**dict.fromkeys(m.calendars), **used_cals}:
            cal = ALWAYS if name == "24/7" else m.calendars[name]
            calendars.append(
                {"id": name, "name": name, "time_periods": P.calendar_to_prosimos(cal)}
            )
        return list(by_id.values()), entries_of_role, calendars

    def role_profiles(self, role: Any, taken: set[str]) -> list[dict[str, Any]]:
        prov = ((role.provenance or {}).get("prosimos") or {}).get("profiles")
        if prov and self._consistent(role, prov):
            return [
                {
                    "id": p["id"],
                    "name": p["name"],
                    "resource_list": [
                        {
                            "id": r["id"],
                            "name": r["name"],
                            "cost_per_hour": r["cost_per_hour"],
                            "amount": r["amount"],
                            "calendar": r["calendar"],
                        }
                        for r in p["resources"]
                    ],
                }
                for p in prov
            ]
        pid = _slug(role.name)
        while pid in taken:
            pid += "_"
        if role.members and len(role.members) == role.headcount:
            rl = [
                {
                    "id": f"{pid}_{k + 1}",
                    "name": name,
                    "cost_per_hour": role.hourly_cost,
                    "amount": 1,
                    "calendar": role.calendar,
                }
                for k, name in enumerate(role.members)
            ]
        else:
            rl = [
                {
                    "id": f"{pid}_1",
                    "name": role.name,
                    "cost_per_hour": role.hourly_cost,
                    "amount": role.headcount,
                    "calendar": role.calendar,
                }
            ]
        return [{"id": pid, "name": role.name, "resource_list": rl}]

    def _consistent(self, role: Any, profiles: list[dict[str, Any]]) -> bool:
        """The imported pools still describe the role (no redesign changed it)."""
        try:
            res = [r for p in profiles for r in p["resources"]]
            if sum(int(r["amount"]) for r in res) != role.headcount:
                return False
            cals = {r["calendar"] for r in res}
            if role.calendar not in cals or not cals <= {"24/7", *self.m.calendars}:
                return False
            cost = sum(float(r["cost_per_hour"]) * int(r["amount"]) for r in res) / max(
                role.headcount, 1
            )
            return math.isclose(cost, role.hourly_cost, rel_tol=1e-9, abs_tol=1e-12)
        except (KeyError, TypeError, ValueError):
            return False

    def arrivals(self) -> tuple[dict[str, Any], list[dict[str, str]]]:
        m = self.m
        inter = m.arrivals.interarrival
        profile = m.arrivals.profile
        if profile is None:
            cal, factor, exact = ALWAYS, 1.0, True
        else:
            cal, factor, exact = P.profile_calendar(profile)
            if not exact:
                self.plan.lost.append(
                    "arrivals.profile: several rate levels; Prosimos has an open/closed arrival "
                    "calendar, so arrivals are spread evenly over the open hours (same weekly volume)"
                )
        prov = (inter.provenance or {}).get("prosimos")
        if self.k == 1.0 and isinstance(prov, dict) and exact:
            try:
                again = P.distribution_from_prosimos(prov)
                _, f_in = P.arrival_profile(cal)
                if f_in != 1.0:
                    again = P.fold_multiplier(again.scaled(f_in))
                if P.without_provenance(again) == P.without_provenance(inter):
                    return prov, P.calendar_to_prosimos(cal)
            except ModelError:
                pass
        clock = inter.scaled(factor) if factor != 1.0 else inter
        return self.spec(clock, "arrivals.interarrival"), P.calendar_to_prosimos(cal)


# ---------------------------------------------------------------------------------- XML
def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _bool(x: bool) -> str:
    return "true" if x else "false"


def _xml(plan: _Plan) -> ET.ElementTree:
    m = plan.m
    bands, width = plan.layout()
    ET.register_namespace("bpmn", BPMN_NS)
    ET.register_namespace("bpmndi", BPMNDI_NS)
    ET.register_namespace("dc", DC_NS)
    ET.register_namespace("di", DI_NS)
    ET.register_namespace("sim", SIM_NS)
    ET.register_namespace("xsi", XSI_NS)
    b = lambda tag: _q(BPMN_NS, tag)  # noqa: E731
    defs = ET.Element(
        b("definitions"),
        {
            "id": "Definitions_1",
            "targetNamespace": "https://sim-redesign.dev/bpmn",
            "exporter": "sim-redesign",
            "exporterVersion": "1",
        },
    )
    pid = plan.new_id(None, f"Process_{_slug(m.name)}")
    use_pool = bool(plan.lane_names)
    if use_pool:
        collab_id = plan.new_id(None, "Collaboration_1")
        collab = ET.SubElement(defs, b("collaboration"), {"id": collab_id})
        part_id = plan.new_id(None, "Participant_1")
        ET.SubElement(collab, b("participant"), {"id": part_id, "name": m.name, "processRef": pid})
    proc = ET.SubElement(defs, b("process"), {"id": pid, "name": m.name, "isExecutable": "false"})
    if m.description:
        ET.SubElement(proc, b("documentation")).text = m.description
    ext = ET.SubElement(proc, b("extensionElements"))
    ET.SubElement(
        ext,
        _q(SIM_NS, "model"),
        {"name": m.name, "time_unit": m.time_unit, "start_date": m.start_date},
    )
    lane_ids: dict[str, str] = {}
    if use_pool:
        lset = ET.SubElement(proc, b("laneSet"), {"id": plan.new_id(None, "LaneSet_1")})
        for lane in plan.lane_names:
            lid = plan.new_id(None, f"Lane_{_slug(lane)}")
            lane_ids[lane] = lid
            lel = ET.SubElement(lset, b("lane"), {"id": lid, "name": lane})
            for el in plan.el.values():
                if el.lane == lane:
                    ET.SubElement(lel, b("flowNodeRef")).text = el.id
    for el in plan.el.values():
        attrs = {"id": el.id}
        if el.name:
            attrs["name"] = el.name
        if el.direction:
            attrs["gatewayDirection"] = el.direction
        node = ET.SubElement(proc, b(el.tag), attrs)
        _node_details(plan, el, node)
    for f in plan.flows:
        ET.SubElement(
            proc, b("sequenceFlow"), {"id": f.id, "sourceRef": f.source, "targetRef": f.target}
        )

    # diagram
    d = lambda tag: _q(BPMNDI_NS, tag)  # noqa: E731
    diagram = ET.SubElement(defs, d("BPMNDiagram"), {"id": "BPMNDiagram_1"})
    plane = ET.SubElement(
        diagram,
        d("BPMNPlane"),
        {"id": "BPMNPlane_1", "bpmnElement": collab_id if use_pool else pid},
    )

    def shape(eid: str, x: float, y: float, w: float, h: float, **extra: str) -> None:
        s = ET.SubElement(plane, d("BPMNShape"), {"id": f"{eid}_di", "bpmnElement": eid, **extra})
        ET.SubElement(
            s,
            _q(DC_NS, "Bounds"),
            {"x": f"{x:g}", "y": f"{y:g}", "width": f"{w:g}", "height": f"{h:g}"},
        )

    if use_pool:
        total_h = sum(h for _, h in bands.values())
        shape(part_id, POOL_X, POOL_Y, width, total_h, isHorizontal="true")
        for lane, lid in lane_ids.items():
            top, h = bands[lane]
            shape(lid, POOL_X + LANE_LABEL, top, width - LANE_LABEL, h, isHorizontal="true")
    for el in plan.el.values():
        shape(el.id, *_center(el))
    for f in plan.flows:
        e = ET.SubElement(plane, d("BPMNEdge"), {"id": f"{f.id}_di", "bpmnElement": f.id})
        for x, y in _waypoints(plan.el[f.source], plan.el[f.target]):
            ET.SubElement(e, _q(DI_NS, "waypoint"), {"x": f"{x:g}", "y": f"{y:g}"})
    ET.indent(defs, space="  ")
    return ET.ElementTree(defs)


def _waypoints(a: _El, b: _El) -> list[tuple[float, float]]:
    ax, ay, aw, ah = _center(a)
    bx, by, bw, bh = _center(b)
    start = (ax + aw, ay + ah / 2)
    end = (bx, by + bh / 2)
    if end[0] > start[0] + 10:  # forward: an elbow half way
        mid = (start[0] + end[0]) / 2
        if abs(start[1] - end[1]) < 1:
            return [start, end]
        return [start, (mid, start[1]), (mid, end[1]), end]
    # backward (a loop): leave from the bottom, run below both, enter from the bottom
    low = max(ay + ah, by + bh) + 25
    s = (ax + aw / 2, ay + ah)
    t = (bx + bw / 2, by + bh)
    return [s, (s[0], low), (t[0], low), t]


def _node_details(plan: _Plan, el: _El, node: ET.Element) -> None:
    m = plan.m
    b = lambda tag: _q(BPMN_NS, tag)  # noqa: E731
    ext_items: list[ET.Element] = []
    doc = ""
    if el.node in m.steps:
        s = m.steps[el.node]
        doc = s.description
        attrs = {"value_adding": _bool(s.value_adding), "mandatory": _bool(s.mandatory)}
        if el.tag == "intermediateCatchEvent":  # a wait or automated work (see the importer)
            attrs["timer"] = _bool(el.node in plan.timer_steps)
        if s.cost:
            attrs["cost"] = repr(float(s.cost))
        ext_items.append(ET.Element(_q(SIM_NS, "step"), attrs))
        for r in s.requires:
            req = ET.Element(_q(SIM_NS, "requires"))
            req.text = r
            ext_items.append(req)
        for alt in s.alternatives:  # which resources of the task are the alternative's role
            a = ET.Element(_q(SIM_NS, "alternative"), {"role": alt.role, "share": repr(alt.share)})
            for rid in plan.entries_of_role.get(alt.role, ()):
                ET.SubElement(a, _q(SIM_NS, "resource"), {"id": rid})
            ext_items.append(a)
    elif el.node in m.decisions:
        dec = m.decisions[el.node]
        doc = dec.description
        for r in dec.requires:
            req = ET.Element(_q(SIM_NS, "requires"))
            req.text = r
            ext_items.append(req)
    elif el.node in m.parallels:
        doc = m.parallels[el.node].description
    elif el.node in m.ends:
        e = m.ends[el.node]
        attrs = {"outcome": e.outcome, "success": _bool(e.success)}
        value = _end_value(m, e, plan.visits)
        if value:
            attrs["value"] = repr(float(value))
        ext_items.append(ET.Element(_q(SIM_NS, "end"), attrs))
    if doc:
        ET.SubElement(node, b("documentation")).text = doc
    if ext_items:
        ext = ET.SubElement(node, b("extensionElements"))
        ext.extend(ext_items)
    for f in el.incoming:
        ET.SubElement(node, b("incoming")).text = f
    for f in el.outgoing:
        ET.SubElement(node, b("outgoing")).text = f
    if el.tag == "intermediateCatchEvent":
        ET.SubElement(node, b("timerEventDefinition"), {"id": f"{el.id}_timer"})


def _refuse_not_xml(plan: _Plan, tree: ET.ElementTree, path: Path) -> None:
    """Raise when a name or text of the BPMN holds a character XML 1.0 cannot hold
    (``_NOT_XML``), naming the model element, where it is and the character.

    ElementTree writes such a character as it is, so the file would not be well-formed (an
    import, bpmn.io and Prosimos all refuse it). Refused rather than written as a visible
    replacement: the export is read back by its element names, and a step renamed on the way
    would not be the model's step (its ``requires`` and timer steps are by name). Names read
    from a log are made visible then, and a model file's names are refused (``sim.model.io``),
    so this is a model built in code, or a description."""
    root = tree.getroot()
    parent = {c: p for p in root.iter() for c in p}
    for el in root.iter():
        for key, value in [*el.attrib.items(), ("text", el.text or "")]:
            bad = _NOT_XML.search(value)
            if bad is None:
                continue
            tag = _local(el.tag)
            # an attribute is a name; a text a description (documentation) or sim:requires
            part = f"its {key}" if key != "text" else f"its {_TEXT_OF.get(tag, tag)}"
            owner = el
            while owner.get("id") is None and owner in parent:
                owner = parent[owner]
            raise ModelError(
                f"cannot export to {path}: {_model_place(plan, owner)} ({part}) holds "
                f"{character_name(bad.group())} at character {bad.start() + 1} "
                f"('{_shortened(visible_name(value))}'), which XML 1.0 cannot hold (the file "
                "would not be well-formed); expected names and descriptions without control "
                "characters: change it in the model and export again"
            )


_TEXT_OF = {"documentation": "description"}


def _shortened(text: str, most: int = 80) -> str:
    """``text``, cut to ``most`` characters with ``...`` (a long description in an error)."""
    return text if len(text) <= most else text[: most - 3] + "..."


def _local(tag: str) -> str:
    """An ElementTree tag without its namespace: ``task``."""
    return tag.rsplit("}", 1)[-1]


def _model_place(plan: _Plan, owner: ET.Element) -> str:
    """The model element a BPMN element with an id was written from: ``steps.Check``,
    ``roles.Clerk`` (a lane), ``the model`` (the process, its pool), else the BPMN element."""
    el = plan.el.get(owner.get("id", ""))
    node = el.node if el is not None else None
    m = plan.m
    sections = (("steps", m.steps), ("decisions", m.decisions), ("ends", m.ends))
    for section, items in sections:
        if node in items:
            return f"{section}.{visible_name(node)}"
    if node is not None:  # a parallel block's split or join
        return f"parallel block node {visible_name(node)}"
    tag = _local(owner.tag)
    if tag == "lane":
        return f"roles.{visible_name(owner.get('name', ''))}"
    if tag in ("process", "participant"):
        return "the model"
    return f"the BPMN {tag} {owner.get('id', '')!r}"


# ------------------------------------------------------------------------------- public API
def _refuse(lost: list[str], what: str) -> None:
    raise ModelError(
        f"cannot export to {what} without losing what BPMN/Prosimos cannot express (pass "
        "allow_loss=True to export the nearest model anyway):\n"
        + "\n".join(f"  - {x}" for x in lost)
    )


def _plan_and_params(model: ProcessModel) -> tuple[_Plan, dict[str, Any]]:
    plan = _Plan(model)
    params = _Params(plan).build()
    return plan, params


def to_prosimos_json(model: ProcessModel, *, allow_loss: bool = False) -> dict[str, Any]:
    """The Prosimos simulation parameters of ``model`` (ids match ``save_bpmn``'s BPMN).

    Refuses (``ModelError`` listing them) when something would be lost, unless ``allow_loss``.
    """
    plan, params = _plan_and_params(model)
    if plan.lost and not allow_loss:
        _refuse(plan.lost, "Prosimos parameters")
    return params


def _bpmn_path(path: str | Path) -> Path:
    path = Path(path)
    return path if path.suffix.lower() == ".bpmn" else path.with_suffix(".bpmn")


def check_bpmn_export(
    model: ProcessModel, path: str | Path, *, allow_loss: bool = False
) -> tuple[str, ...]:
    """What ``save_bpmn(model, path, allow_loss=allow_loss)`` would lose, without writing
    anything: it raises the ``ModelError`` that call would raise for the model (a loss with
    ``allow_loss=False``, a structure BPMN cannot hold), so a caller can refuse before it
    touches any file."""
    plan, _ = _plan_and_params(model)
    if plan.lost and not allow_loss:
        _refuse(plan.lost, str(_bpmn_path(path)))
    _refuse_not_xml(plan, _xml(plan), _bpmn_path(path))
    return tuple(plan.lost)


def save_bpmn(
    model: ProcessModel,
    path: str | Path,
    *,
    overwrite: bool = False,
    allow_loss: bool = False,
) -> ExportResult:
    """Write ``model`` as BPMN 2.0 (``path``, with a diagram) and Prosimos JSON (same name, .json).

    Refuses to overwrite existing files unless ``overwrite``, and refuses (``ModelError`` listing
    every loss) when BPMN/Prosimos cannot express part of the model, unless ``allow_loss``: then
    the nearest model is written and ``ExportResult.lost`` lists what was lost.
    """
    path = _bpmn_path(path)
    json_path = path.with_suffix(".json")
    for p in (path, json_path):
        if p.exists() and not overwrite:
            raise ModelError(f"{p}: exists already; refusing to overwrite it")
    plan, params = _plan_and_params(model)
    if plan.lost and not allow_loss:
        _refuse(plan.lost, str(path))
    tree = _xml(plan)
    _refuse_not_xml(plan, tree, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with written_whole(path) as part:
        tree.write(part, encoding="UTF-8", xml_declaration=True)
    write_text_whole(json_path, json.dumps(params, indent=2))
    return ExportResult(bpmn=path, params=json_path, lost=tuple(plan.lost))
