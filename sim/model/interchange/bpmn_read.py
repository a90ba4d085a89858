"""Reading BPMN 2.0 XML (untrusted input: parsed with defusedxml only) into a flat flow graph.

The result is a ``Graph`` of typed nodes and sequence flows, with embedded sub-processes
flattened: a sub-process becomes a pass-through entry node wired to its inner start event, and
its inner end events pass through to an exit node that carries the sub-process' outgoing flows.
Everything the importer cannot simulate is reported with the element's id (``ModelError``);
nothing is skipped silently.

Pools: one process is simulated, the one ``pool=`` names or the only one with a flow. Pools
joined by a request and its answer run as one case (``_one_case``, ``_splice``): the pool whose
start no message flow targets creates the cases; the sender of the message into another pool's
start splits the case into both paths (a parallel split), and the message catch event or
receive task that waits for that pool's answer joins them (a parallel join, no time of its own);
that pool's end events (right after its answer, or the message end event that sends it) are not
outcomes. Other patterns are refused, naming the pools. ``sim.model.interchange.structure``
turns the graph into a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from sim.errors import ModelError, did_you_mean_any_case

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SIM_NS = "https://sim-redesign.dev/schema/bpmn-extension/1"
MAX_BPMN_BYTES = 50 * 1024 * 1024
#: sub-processes (and child lane sets) nested deeper than this are refused: real models nest a
#: few levels, and a hostile file nested hundreds deep would exhaust Python's recursion
MAX_NESTING = 50

TASKS = (
    "task",
    "userTask",
    "serviceTask",
    "manualTask",
    "scriptTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
)
GATEWAYS = {"exclusiveGateway": "xor", "parallelGateway": "and", "inclusiveGateway": "or"}
# Process children that carry no flow: read (lanes) or ignored on purpose.
NON_FLOW = {
    "laneSet",
    "documentation",
    "extensionElements",
    "textAnnotation",
    "association",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "group",
    "property",
    "ioSpecification",
    "ioBinding",
    "auditing",
    "monitoring",
    "correlationSubscription",
    "resourceRole",
    "performer",
    "humanPerformer",
    "potentialOwner",
    "supports",
    "category",
}
# Children a sub-process holds as an activity (BPMN 2.0 tFlowNode/tActivity), not as a
# container: its sequence-flow references (the flows themselves are read), data associations
# and category (its ioSpecification, property and resource roles are in NON_FLOW). Loop
# characteristics are not here: ``sub_process`` refuses them.
ACTIVITY_CHILDREN = {
    "incoming",
    "outgoing",
    "dataInputAssociation",
    "dataOutputAssociation",
    "categoryValueRef",
}
UNSUPPORTED = {
    "callActivity": "a call activity (call to another process); replace it with a task or an "
    "embedded sub-process",
    "boundaryEvent": "a boundary event (interrupting/escalating a task) is not supported; draw "
    "its path as an exclusive gateway after the task, with the share of cases that take it",
    "eventBasedGateway": "an event-based gateway (race between events) is not supported; use an "
    "exclusive gateway with probabilities",
    "complexGateway": "a complex gateway is not supported",
    "transaction": "a transaction sub-process is not supported",
    "adHocSubProcess": "an ad-hoc sub-process (no defined order) is not supported",
    "implicitThrowEvent": "an implicit throw event is not supported",
    "choreographyTask": "choreographies are not supported",
}


@dataclass
class Node:
    """One flow node of the flattened process."""

    id: str
    kind: str  # start, end, task, delay, xor, and, or, pass
    tag: str  # the BPMN element (task, userTask, exclusiveGateway, ...; "" for synthetic nodes)
    name: str = ""
    lane: str | None = None
    documentation: str = ""
    ext: dict[str, Any] = field(default_factory=dict)  # our sim:* extension attributes
    requires: tuple[str, ...] = ()
    # our exports' sim:alternative elements of a task: the attributes (role, share) and the
    # ids of the Prosimos resources of the task that are that alternative's role
    alternatives: tuple[tuple[dict[str, str], tuple[str, ...]], ...] = ()
    timer: str | None = None  # ISO 8601 timeDuration of a timer event
    event: str = ""  # event definition (timer, message, terminate, error, ...)
    join_ok: bool = False  # parallel branches may end here (end events, sub-process exits)
    default: str = ""  # the default flow of a gateway or activity (its ``default`` attribute)
    subprocess: str = ""  # id of the embedded sub-process the node is in (innermost), if any

    def label(self) -> str:
        """The element as messages name it: ``'id' (name)``, or ``'id'`` when it has no name;
        a sub-process' exit is named by the sub-process."""
        eid = self.id.split("#")[0]
        return f"'{eid}' ({self.name})" if self.name else f"'{eid}'"


@dataclass
class Flow:
    """A sequence flow."""

    id: str
    source: str
    target: str
    name: str = ""
    condition: bool = False


@dataclass
class Graph:
    """The flattened flow graph of one BPMN process."""

    source: str  # file name, for messages
    process_id: str
    name: str
    documentation: str
    nodes: dict[str, Node]
    flows: dict[str, Flow]
    lanes: dict[str, str]  # lane id -> name
    model_ext: dict[str, Any]  # sim:model attributes
    notes: list[str]  # things the user should know (reported as warnings)
    #: tasks of the file that are no steps, with why: a dropped pool's tasks and a receive task
    #: that became a join (their durations in the parameters are not used, rightly)
    not_simulated: dict[str, str] = field(default_factory=dict)

    def out_flows(self) -> dict[str, list[str]]:
        """Node id -> outgoing flow ids (in document order)."""
        out: dict[str, list[str]] = {n: [] for n in self.nodes}
        for f in self.flows.values():
            out[f.source].append(f.id)
        return out

    def in_flows(self) -> dict[str, list[str]]:
        """Node id -> incoming flow ids (in document order)."""
        inc: dict[str, list[str]] = {n: [] for n in self.nodes}
        for f in self.flows.values():
            inc[f.target].append(f.id)
        return inc


def _local(tag: Any) -> tuple[str, str]:
    if not isinstance(tag, str):  # comments, processing instructions
        return "", ""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _text(el: Element | None) -> str:
    return "" if el is None else "".join(el.itertext()).strip()


def parse_xml(path: Path) -> Element:
    """Parse ``path`` with defusedxml; malformed or hostile XML is a ``ModelError`` with its line."""
    if not path.is_file():
        raise ModelError(f"{path}: no such BPMN file")
    size = path.stat().st_size
    if size > MAX_BPMN_BYTES:
        raise ModelError(f"{path}: {size} bytes is larger than the {MAX_BPMN_BYTES} bytes allowed")
    try:
        return DET.parse(str(path), forbid_dtd=True).getroot()
    except ParseError as exc:
        line, col = getattr(exc, "position", (None, None))
        raise ModelError(f"{path}: malformed XML at line {line}, column {col}: {exc}") from None
    except DefusedXmlException as exc:
        raise ModelError(
            f"{path}: refused to read XML with DTDs, entities or external references ({exc})"
        ) from None


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.nodes: dict[str, Node] = {}
        self.flows: dict[str, Flow] = {}
        self.lanes: dict[str, str] = {}
        self.notes: list[str] = []
        self.loops: list[str] = []
        self.inside: list[str] = []  # the sub-processes being read, outermost first
        self.conditions: list[str] = []
        self.problems: list[str] = []  # elements that cannot be read, all reported together
        self.names: dict[str, str] = {}  # element id -> name, for messages (``describe``)
        self.not_simulated: dict[str, str] = {}  # task id -> why it is no step (``Graph``)

    def named(self, el: Element) -> str:
        """What an analyst sees of element ``el``, added to a message naming it by id (modellers
        such as bpmn.io and Camunda show names, not ids): `` ['id' is 'name', attached to 'task'
        (name)]`` (the task a boundary event is attached to); "" for an element with neither."""
        name = " ".join((el.get("name") or "").split())
        host = el.get("attachedToRef") or ""
        parts = [f"is {name!r}"] if name else []
        if host:
            host_name = self.names.get(host, "")
            parts.append(f"attached to '{host}'" + (f" ({host_name})" if host_name else ""))
        return f" ['{el.get('id', '')}' {', '.join(parts)}]" if parts else ""

    def err(self, msg: str) -> ModelError:
        return ModelError(f"{self.source}: {msg}")

    # ------------------------------------------------------------------------------ elements
    def add(self, node: Node) -> None:
        if node.id in self.nodes or node.id in self.flows:
            raise self.err(f"element id '{node.id}' is used twice")
        self.nodes[node.id] = node

    def add_flow(self, flow: Flow) -> None:
        if flow.id in self.nodes or flow.id in self.flows:
            raise self.err(f"element id '{flow.id}' is used twice")
        self.flows[flow.id] = flow

    def container(self, el: Element, prefix: str) -> tuple[list[str], list[str]]:
        """Read the flow nodes and flows of a process or sub-process.

        Returns the ids of its start events and end events.
        """
        starts: list[str] = []
        ends: list[str] = []
        for child in el:
            ns, tag = _local(child.tag)
            if not tag:
                continue
            if ns != BPMN_NS:
                continue  # a vendor's extension outside extensionElements: carries no flow
            cid = child.get("id")
            if tag in NON_FLOW or (self.inside and tag in ACTIVITY_CHILDREN):
                if tag == "laneSet":
                    self.lane_set(child)
                continue
            if tag == "sequenceFlow":
                self.sequence_flow(child)
                continue
            try:
                if not cid:
                    raise self.err(f"a <{tag}> element in {prefix or 'the process'} has no id")
                if tag in UNSUPPORTED:
                    raise self.err(f"element '{cid}' ({tag}): {UNSUPPORTED[tag]}")
                if tag == "subProcess":
                    self.sub_process(child, cid)
                    continue
                node = self.flow_node(child, tag, cid)
                node.subprocess = self.inside[-1] if self.inside else ""
                self.add(node)
            except ModelError as exc:  # the next elements are read too: one message names all
                text = str(exc)
                head = f"{self.source}: "
                text = text[len(head) :] if text.startswith(head) else text
                self.problems.append(text + self.named(child))
                continue
            if node.kind == "start":
                starts.append(cid)
            elif node.kind == "end":
                ends.append(cid)
        return starts, ends

    def raise_problems(self) -> None:
        """The elements that could not be read: one as it was, several in one list."""
        if len(self.problems) == 1:
            raise self.err(self.problems[0])
        if self.problems:
            lines = [f"  - {p}" for p in self.problems]
            raise self.err(
                "\n".join([f"{len(self.problems)} elements cannot be simulated:", *lines])
            )

    def common(self, el: Element, node: Node) -> Node:
        node.name = " ".join((el.get("name") or "").split())
        node.documentation = "\n".join(
            _text(d) for d in el if _local(d.tag)[1] == "documentation" and _text(d)
        )
        for ext in el:
            if _local(ext.tag) != (BPMN_NS, "extensionElements"):
                continue
            for item in ext:
                ns, tag = _local(item.tag)
                if ns != SIM_NS:
                    continue
                if tag == "requires":
                    node.requires = (*node.requires, _text(item))
                elif tag == "alternative":
                    ids = tuple(
                        r.get("id", "") for r in item if _local(r.tag) == (SIM_NS, "resource")
                    )
                    node.alternatives = (*node.alternatives, (dict(item.attrib), ids))
                else:
                    node.ext.update(item.attrib)
        return node

    def flow_node(self, el: Element, tag: str, cid: str) -> Node:
        defs = [_local(c.tag)[1] for c in el if _local(c.tag)[1].endswith("EventDefinition")] + (
            ["ref"] if any(_local(c.tag)[1] == "eventDefinitionRef" for c in el) else []
        )
        children = {_local(c.tag)[1] for c in el}
        if tag in TASKS:
            if "multiInstanceLoopCharacteristics" in children:
                raise self.err(
                    f"element '{cid}' ({tag}): multi-instance tasks are not supported (the number "
                    "of instances is not simulation data); model the instances explicitly"
                )
            if "standardLoopCharacteristics" in children:
                self.loops.append(cid)
            if el.get("isForCompensation") == "true":
                raise self.err(f"element '{cid}' ({tag}): compensation tasks are not supported")
            return self.common(el, Node(cid, "task", tag, default=el.get("default") or ""))
        if tag in GATEWAYS:
            return self.common(el, Node(cid, GATEWAYS[tag], tag, default=el.get("default") or ""))
        if tag == "startEvent":
            if "timerEventDefinition" in defs:
                self.timer_start(el, cid)
            return self.common(el, Node(cid, "start", tag, event=defs[0] if defs else ""))
        if tag == "endEvent":
            ev = defs[0] if defs else ""
            if len(defs) > 1:
                raise self.err(f"element '{cid}' (endEvent): several event definitions")
            return self.common(el, Node(cid, "end", tag, event=ev, join_ok=True))
        if tag == "intermediateCatchEvent":
            if len(defs) != 1:
                raise self.err(
                    f"element '{cid}' (intermediateCatchEvent): expected one event definition, "
                    f"got {defs or 'none'}"
                )
            ev = defs[0]
            if ev == "linkEventDefinition":
                raise self.err(f"element '{cid}': link events are not supported; draw the flow")
            timer = None
            if ev == "timerEventDefinition":
                tdef = next(c for c in el if _local(c.tag)[1] == ev)
                for c in tdef:
                    ctag = _local(c.tag)[1]
                    if ctag == "timeDuration":
                        timer = _text(c)
                    elif ctag in ("timeDate", "timeCycle"):
                        raise self.err(
                            f"element '{cid}': a timer with {ctag} (a calendar date or cycle) is "
                            "not supported; give a timeDuration or a duration in the parameters"
                        )
            return self.common(el, Node(cid, "delay", tag, timer=timer, event=ev))
        if tag == "intermediateThrowEvent":
            if "linkEventDefinition" in defs:
                raise self.err(f"element '{cid}': link events are not supported; draw the flow")
            # a throw (none, message, signal, escalation, ...) takes no time: pass through
            return self.common(el, Node(cid, "pass", tag, event=defs[0] if defs else ""))
        raise self.err(
            f"element '{cid}' ({tag}) is not supported; supported flow elements are start/end "
            f"events, {', '.join(TASKS)}, exclusive/parallel/inclusive gateways, intermediate "
            "catch (timer) and throw events, and embedded sub-processes"
        )

    def timer_start(self, el: Element, cid: str) -> None:
        """A note: a timer start event's schedule is not simulated (the parameters' arrivals
        are)."""
        tdef = next(c for c in el if _local(c.tag)[1] == "timerEventDefinition")
        when = [f"{_local(c.tag)[1]} {_text(c)!r}" for c in tdef if _local(c.tag)[1]]
        self.notes.append(
            f"start event '{cid}' is a timer ({', '.join(when) or 'no schedule'}); it is not "
            "simulated: cases arrive as arrival_time_distribution and arrival_time_calendar of "
            "the parameters say"
        )

    def sequence_flow(self, el: Element) -> None:
        fid = el.get("id")
        if not fid:
            raise self.err("a <sequenceFlow> has no id")
        src, tgt = el.get("sourceRef"), el.get("targetRef")
        if not src or not tgt:
            raise self.err(f"sequence flow '{fid}' needs a sourceRef and a targetRef")
        cond = any(_local(c.tag)[1] == "conditionExpression" for c in el)
        if cond:
            self.conditions.append(fid)
        self.add_flow(Flow(fid, src, tgt, " ".join((el.get("name") or "").split()), cond))

    def lane_set(self, el: Element, depth: int = 0) -> None:
        if depth >= MAX_NESTING:
            raise self.err(
                f"lane set '{el.get('id', '')}': lanes nested deeper than {MAX_NESTING} levels "
                "(childLaneSet) are not supported"
            )
        for lane in el:
            if _local(lane.tag)[1] != "lane":
                continue
            lid = lane.get("id", "")
            name = " ".join((lane.get("name") or lid).split())
            self.lanes[lid] = name
            for ref in lane:
                rtag = _local(ref.tag)[1]
                if rtag == "flowNodeRef":
                    self.lane_of[_text(ref)] = name  # innermost lane wins (visited last)
                elif rtag == "childLaneSet":
                    self.lane_set(ref, depth + 1)

    lane_of: dict[str, str]

    def sub_process(self, el: Element, cid: str) -> None:
        what = f"element '{cid}' (subProcess)"
        if el.get("triggeredByEvent") == "true":
            raise self.err(f"element '{cid}': event sub-processes are not supported")
        if len(self.inside) >= MAX_NESTING:
            raise self.err(
                f"{what}: sub-processes nested deeper than {MAX_NESTING} levels are not "
                f"supported (it is inside {len(self.inside)} others, the outermost "
                f"'{self.inside[0]}')"
            )
        children = {_local(c.tag)[1] for c in el}
        if children & {"multiInstanceLoopCharacteristics", "standardLoopCharacteristics"}:
            raise self.err(
                f"{what}: looping or multi-instance sub-processes are not supported; draw the "
                "loop with an exclusive gateway"
            )
        entry = self.common(el, Node(cid, "pass", "subProcess"))
        entry.subprocess = self.inside[-1] if self.inside else ""  # (for its lane)
        self.add(entry)
        exit_id = f"{cid}#exit"
        # the exit carries the sub-process' outgoing flows, so its default flow too
        self.add(
            Node(
                exit_id,
                "pass",
                "",
                name=entry.name,
                join_ok=True,
                default=el.get("default") or "",
                subprocess=entry.subprocess,
            )
        )
        self.inside.append(cid)
        try:
            starts, ends = self.container(el, f"sub-process '{cid}'")
        finally:
            self.inside.pop()
        if len(starts) != 1:
            raise self.err(
                f"{what}: needs exactly one start event inside, found {starts or 'none'}"
            )
        if not ends:
            raise self.err(f"{what}: has no end event inside")
        self.nodes[starts[0]].kind = "pass"
        self.add_flow(Flow(f"{cid}#in", cid, starts[0]))
        for e in ends:
            node = self.nodes[e]
            if node.event == "terminateEventDefinition":
                raise self.err(
                    f"element '{e}': a terminate end event inside sub-process '{cid}' is not "
                    "supported"
                )
            node.kind = "pass"
            self.add_flow(Flow(f"{e}#out", e, exit_id))
        self.sub_exits[cid] = exit_id

    sub_exits: dict[str, str]


def _pool_name(root: Element, process_id: str) -> str:
    """The name of the collaboration participant (pool) showing process ``process_id``, or ""."""
    for collab in root:
        if _local(collab.tag) != (BPMN_NS, "collaboration"):
            continue
        for part in collab:
            if _local(part.tag)[1] == "participant" and part.get("processRef") == process_id:
                return " ".join((part.get("name") or "").split())
    return ""


def _pool_label(root: Element, process_id: str) -> str:
    """A pool as messages name it: ``'Customer' (process 'P1')``, or ``process 'P1'``."""
    name = _pool_name(root, process_id)
    return f"{name!r} (process '{process_id}')" if name else f"process '{process_id}'"


def _flow_elements(proc: Element) -> list[str]:
    """The flow elements of process ``proc`` as messages name them: ``'id' (tag 'name')``."""
    out = []
    for child in proc:
        ns, tag = _local(child.tag)
        if ns != BPMN_NS or not tag or tag in NON_FLOW or tag == "sequenceFlow":
            continue
        name = " ".join((child.get("name") or "").split())
        out.append(f"'{child.get('id', '')}' ({tag}{f' {name!r}' if name else ''})")
    return out


def _has_flow(proc: Element) -> bool:
    """Whether process ``proc`` has a flow of its own (a start event or a sequence flow)."""
    return any(_local(c.tag)[1] in ("startEvent", "sequenceFlow") for c in proc)


def _message_flows(root: Element, processes: list[Element]) -> list[tuple[str, str, str, str]]:
    """The message flows between two of ``processes``: (flow id, source process id, target
    process id, a text naming the flow, its source and its target), the text e.g. ``'MF' (quote) from 'S_Send'
    (Send quote) to 'C_Wait' (Quote received)``. A flow to or from a pool itself (a collapsed
    pool) belongs to that pool's process."""
    where: dict[str, str] = {}  # element id -> process id
    names: dict[str, str] = {}
    for proc in processes:
        pid = proc.get("id", "")
        for e in proc.iter():
            if e.get("id"):
                where[str(e.get("id"))] = pid
                names[str(e.get("id"))] = " ".join((e.get("name") or "").split())

    def ref(eid: str) -> str:
        return f"'{eid}'" + (f" ({names[eid]})" if names.get(eid) else "")

    out = []
    for collab in root:
        if _local(collab.tag) != (BPMN_NS, "collaboration"):
            continue
        for part in collab:
            if _local(part.tag)[1] == "participant" and part.get("processRef"):
                where[str(part.get("id"))] = str(part.get("processRef"))
                names[str(part.get("id"))] = " ".join((part.get("name") or "").split())
        for mf in collab:
            if _local(mf.tag)[1] != "messageFlow":
                continue
            src, tgt = mf.get("sourceRef") or "", mf.get("targetRef") or ""
            if src not in where or tgt not in where or where[src] == where[tgt]:
                continue
            mid = mf.get("id", "")
            mname = " ".join((mf.get("name") or "").split())
            text = f"'{mid}'" + (f" ({mname})" if mname else "") + f" from {ref(src)} to {ref(tgt)}"
            out.append((mid, where[src], where[tgt], text))
    return out


def _dropped_pool_note(
    root: Element, proc: Element, kept: Element, messages: list[tuple[str, str, str, str]]
) -> str | None:
    """A note naming the flow elements of pool ``proc``, which is not simulated (only ``kept``
    is), and the message flows between the two; None if it holds none (an empty or collapsed
    pool)."""
    dropped = _flow_elements(proc)
    if not dropped:
        return None
    pid, kept_id = proc.get("id", ""), kept.get("id", "")
    pool = _pool_name(root, pid)
    kept_pool = _pool_name(root, kept_id)
    why = (
        "is not simulated (pool= chose another pool)"
        if _has_flow(proc)
        else "has no start event or sequence flow and is not simulated"
    )
    note = (
        f"pool {pool or pid!r} (process '{pid}') {why}; its elements {', '.join(dropped)} are "
        f"dropped. Only pool {kept_pool or kept_id!r} (process '{kept_id}') is simulated: draw "
        "the dropped work there (as a task, or a catch event for waiting on the other party) if "
        "it takes time"
    )
    between = [m for m in messages if {m[1], m[2]} == {pid, kept_id}]
    if between:
        waits = [m[3] for m in between if m[2] == kept_id]
        note += (
            f". The message flows between the two are not simulated: {'; '.join(m[3] for m in between)}"
            + (
                "; an element waiting for a message from the dropped pool takes only its own "
                "duration from the parameters"
                if waits
                else ""
            )
        )
    return note


@dataclass
class _Splice:
    """A pool run inside the case of another (``_one_case``): started by message flow
    ``start_flow`` from ``sender`` (in the case's flow), it answers with ``reply_flow`` from
    ``replier`` to ``waiter``, where the case's own branch waits (a parallel join)."""

    proc: Element
    start_flow: str
    sender: str
    start: str
    reply_flow: str
    replier: str
    waiter: str


def _one_case(root: Element, with_flow: list[Element]) -> tuple[Element, list[_Splice]] | str:
    """How the pools ``with_flow`` run as one case, or why they cannot.

    The pool whose start event no message flow targets creates the cases. Every other pool is
    started by one message flow from the case's pool and answers with one message flow into a
    message catch event or receive task of the case's pool, and ends right after that answer
    (or answers with its only end event, a message end event as bpmn.io and Camunda draw it):
    it becomes a parallel branch from the sender to the waiting element (a parallel join).
    """
    label = {p.get("id", ""): _pool_label(root, p.get("id", "")) for p in with_flow}
    owner: dict[str, str] = {}  # element id -> process id (top-level flow elements)
    tags: dict[str, tuple[str, set[str]]] = {}  # element id -> (tag, its children's tags)
    starts: dict[str, list[str]] = {}
    for proc in with_flow:
        pid = proc.get("id", "")
        starts[pid] = []
        for c in proc:
            ns, tag = _local(c.tag)
            if ns != BPMN_NS or not c.get("id"):
                continue
            owner[str(c.get("id"))] = pid
            tags[str(c.get("id"))] = (tag, {_local(d.tag)[1] for d in c})
            if tag == "startEvent":
                starts[pid].append(str(c.get("id")))
    flows = [m for m in _message_flows(root, with_flow) if m[1] in starts and m[2] in starts]
    refs = {}
    for collab in root:
        for mf in collab if _local(collab.tag) == (BPMN_NS, "collaboration") else ():
            if _local(mf.tag)[1] == "messageFlow":
                refs[mf.get("id", "")] = (mf.get("sourceRef") or "", mf.get("targetRef") or "")
    started = {}  # process id -> the message flows into its start events
    for m in flows:
        tgt = refs[m[0]][1]
        if tgt in starts[m[2]]:
            started.setdefault(m[2], []).append(m)
    creators = [p for p in with_flow if p.get("id", "") not in started]
    if len(creators) != 1:
        names = ", ".join(label[p.get("id", "")] for p in creators) or "none"
        return (
            "one pool must create the cases (a start event no message flow targets), and the "
            f"others be started by its messages; pools that start on their own: {names}"
        )
    case = creators[0]
    cid = case.get("id", "")
    splices = []
    used = set()
    for proc in with_flow:
        pid = proc.get("id", "")
        if proc is case:
            continue
        into = started[pid]
        if len(starts[pid]) != 1 or len(into) != 1 or into[0][1] != cid:
            return (
                f"pool {label[pid]} must have one start event, started by one message flow "
                f"from pool {label[cid]}; it has start events {starts[pid]} and the message "
                f"flows into them {[m[3] for m in into]}"
            )
        replies = [m for m in flows if m[1] == pid and m[2] == cid]
        if len(replies) != 1:
            return (
                f"pool {label[pid]} must answer with one message flow into pool {label[cid]} "
                f"(to an element that waits for it), where it has {len(replies)}"
                + (f": {'; '.join(m[3] for m in replies)}" if replies else "")
            )
        replier, waiter = refs[replies[0][0]]
        wtag, wdefs = tags.get(waiter, ("", set()))
        if not (
            wtag == "receiveTask"
            or (wtag == "intermediateCatchEvent" and "messageEventDefinition" in wdefs)
        ):
            return (
                f"{replies[0][3]}: the answer of pool {label[pid]} must go to a message catch "
                "event or receive task of the case's pool, where the case waits for it"
            )
        ends_in = [e for e, o in owner.items() if o == pid and tags[e][0] == "endEvent"]
        after = {
            f.get("targetRef")
            for f in proc
            if _local(f.tag)[1] == "sequenceFlow" and f.get("sourceRef") == replier
        }
        before = {
            f.get("sourceRef")
            for f in proc
            if _local(f.tag)[1] == "sequenceFlow" and f.get("targetRef") in ends_in
        }
        if owner.get(replier) == pid and tags[replier][0] == "endEvent":
            # a message end event sends the answer (as bpmn.io and Camunda draw it): it must
            # be the pool's only end
            if ends_in != [replier]:
                others = [e for e in ends_in if e != replier]
                return (
                    f"pool {label[pid]} must end right after it answers ({replies[0][3]}): its "
                    f"end event '{replier}' sends the answer, so it must be the pool's only end, "
                    f"but it also ends at {others}"
                )
        elif (
            owner.get(replier) != pid
            or not after
            or not after <= set(ends_in)
            or before != {replier}
        ):
            return (
                f"pool {label[pid]} must end right after it answers ({replies[0][3]}): every "
                "end event of it must follow the sender of the answer directly, and nothing else "
                "(or the answer be sent by its only end event, a message end event)"
            )
        splices.append(
            _Splice(
                proc,
                into[0][0],
                refs[into[0][0]][0],
                refs[into[0][0]][1],
                replies[0][0],
                replier,
                waiter,
            )
        )
        used |= {into[0][0], replies[0][0]}
    other = [m[3] for m in flows if m[0] not in used]
    if other:
        return f"message flows other than one start and one answer per pool: {'; '.join(other)}"
    if any(
        refs[s.start_flow][0] not in owner or owner[refs[s.start_flow][0]] != cid for s in splices
    ):
        return "a pool is started by a message from an element inside a sub-process"
    return case, splices


def _choose_pool(root: Element, source: str, processes: list[Element], pool: str | None) -> Element:
    """The process to simulate: the one pool ``pool`` names (by pool name or process id), or
    without ``pool`` the only one with a flow of its own; several with a flow are refused,
    naming the pools, what each holds and what simulating only one of them drops."""
    with_flow = [p for p in processes if _has_flow(p)]
    if pool is None:
        if len(with_flow) <= 1:
            return (with_flow or processes)[0], []
        plan = _one_case(root, with_flow)
        if not isinstance(plan, str):
            return plan
        lines = [
            f"  - pool {_pool_label(root, p.get('id', ''))}: {', '.join(_flow_elements(p))}"
            for p in with_flow
        ]
        messages = _message_flows(root, with_flow)
        waits = [m[3] for m in messages]
        first = with_flow[0].get("id", "")
        example = _pool_name(root, first) or first
        raise ModelError(
            "\n".join(
                [
                    f"{source}: {len(with_flow)} pools have a flow of their own, and they "
                    f"cannot run as one case: {plan}. Only one pool can then be simulated:",
                    *lines,
                    f"Choose the pool to simulate by its name or process id: pool={example!r} "
                    f"(load_bpmn, from_prosimos_json) or process.pool={example} on the command "
                    "line; or collapse the other pools in the modeller. Either way the other "
                    "pools' elements above are dropped, with the time their work takes"
                    + (
                        f", and the message flows between pools are not simulated ({'; '.join(waits)}): "
                        "an element that waits for a message from a dropped pool takes only its "
                        "own duration from the parameters"
                        if waits
                        else ""
                    )
                    + ". Draw the dropped work in the simulated pool (as tasks, or a catch event "
                    "for the wait) if it takes time.",
                ]
            )
        )
    wanted = " ".join(str(pool).split())
    found = [p for p in processes if wanted in (p.get("id"), _pool_name(root, p.get("id", "")))]
    pools = ", ".join(_pool_label(root, p.get("id", "")) for p in with_flow) or "none"
    if not found:
        names = [
            k for p in with_flow for k in (_pool_name(root, p.get("id", "")), p.get("id", "")) if k
        ]
        raise ModelError(
            f"{source}: pool={pool!r} names no pool (by pool name or process id)"
            f"{did_you_mean_any_case(wanted, names)}; the pools with a flow to simulate are {pools}"
        )
    if len(found) > 1:
        ids = ", ".join(f"'{p.get('id', '')}'" for p in found)
        raise ModelError(
            f"{source}: pool={pool!r} names {len(found)} pools (processes {ids}); name one by "
            "its process id"
        )
    if found[0] not in with_flow:
        raise ModelError(
            f"{source}: pool={pool!r} is pool {_pool_label(root, found[0].get('id', ''))}, "
            f"which has no start event or sequence flow to simulate; the pools with a flow are "
            f"{pools}"
        )
    return found[0], []


def _splice(reader: _Reader, root: Element, case: Element, splices: list[_Splice]) -> None:
    """Wire the pools of ``splices`` (read by ``reader``) into the case of pool ``case``: the
    sender of each pool's start message splits into the case's own path and the pool's flow
    (a parallel split); the element waiting for its answer becomes a parallel join of the two
    and takes no time (it waits for the answer); the pool's end events are not outcomes (a
    message end event that sends the answer passes on to the join)."""
    told = []
    for sp in splices:
        n = reader.nodes
        n[sp.start].kind = "pass"  # the message start event: the branch begins here
        reader.add_flow(Flow(sp.start_flow, sp.sender, sp.start))
        for e in [i for i, f in reader.flows.items() if f.source == sp.replier]:
            end = reader.flows.pop(e).target  # the pool's ends: checked by ``_one_case``
            n.pop(end, None)
        if n[sp.replier].kind == "end":  # a message end event answers: it passes on to the join
            n[sp.replier].kind = "pass"
        join = f"{sp.waiter}#join"
        waiter = n[sp.waiter]  # (its tag names the join in messages)
        reader.add(Node(join, "and", waiter.tag, name=waiter.name, lane=waiter.lane))
        for f in reader.flows.values():
            if f.target == sp.waiter:
                f.target = join
        reader.add_flow(Flow(sp.reply_flow, sp.replier, join))
        reader.add_flow(Flow(f"{sp.waiter}#in", join, sp.waiter))
        n[sp.waiter].kind = "pass"  # it waits for the answer: no duration of its own
        if waiter.tag in TASKS:
            reader.not_simulated[sp.waiter] = (
                f"receive task {waiter.label()} waits for the answer of pool "
                f"{_pool_label(root, sp.proc.get('id', ''))}: a parallel join, no time of its own"
            )
        told.append(
            f"pool {_pool_label(root, sp.proc.get('id', ''))} runs in the same case: "
            f"{n[sp.sender].label()} starts it, as a parallel branch beside the case's own "
            f"path, and {n[sp.waiter].label()} waits for its answer from "
            f"{n[sp.replier].label()} (a parallel join; it takes no time of its own, so "
            "event_distribution and task durations for it are not used)"
        )
    reader.notes.append(
        "; ".join(told)
        + f". The case's outcome is the end event of pool {_pool_label(root, case.get('id', ''))}"
        "; to simulate one pool alone, choose it with pool= (process.pool= on the command line)"
    )


def read_bpmn(path: str | Path, *, pool: str | None = None) -> Graph:
    """Read a BPMN 2.0 file into a flat ``Graph`` (see the module docstring).

    A collaboration's pools are processes: ``pool`` names the one to simulate, by its pool
    (participant) name or process id; without it, the only one with a flow of its own, or
    several joined by a request and its answer as one case (see the module docstring; other
    patterns are refused, naming the pools). The other pools' elements are dropped, with a note
    naming them and the message flows.
    """
    path = Path(path)
    root = parse_xml(path)
    source = str(path)
    ns, tag = _local(root.tag)
    if (ns, tag) != (BPMN_NS, "definitions"):
        raise ModelError(
            f"{source}: not a BPMN 2.0 file (root element is <{tag}> in namespace '{ns}', expected "
            f"<definitions> in '{BPMN_NS}')"
        )
    processes = [c for c in root if _local(c.tag) == (BPMN_NS, "process")]
    if not processes:
        raise ModelError(f"{source}: no <process> element")
    proc, splices = _choose_pool(root, source, processes, pool)
    joined = [proc, *(sp.proc for sp in splices)]
    reader = _Reader(source)
    reader.lane_of = {}
    reader.sub_exits = {}
    reader.names = {
        str(e.get("id")): " ".join((e.get("name") or "").split())
        for p in joined
        for e in p.iter()
        if e.get("id") and e.get("name")
    }
    messages = _message_flows(root, processes)
    for other in processes:
        note = None if other in joined else _dropped_pool_note(root, other, proc, messages)
        if note:
            reader.notes.append(note)
        if other not in joined:
            reader.not_simulated.update(
                (
                    str(e.get("id")),
                    f"pool {_pool_label(root, other.get('id', ''))} is not simulated",
                )
                for e in other.iter()
                if e.get("id") and _local(e.tag)[0] == BPMN_NS and _local(e.tag)[1] in TASKS
            )
    starts, _ = reader.container(proc, "")
    for sp in splices:
        reader.container(sp.proc, f"pool '{_pool_name(root, sp.proc.get('id', ''))}'")
    reader.raise_problems()
    if splices:
        _splice(reader, root, proc, splices)
    if len(starts) != 1:
        raise ModelError(
            f"{source}: the process needs exactly one start event, found {starts or 'none'}"
        )
    # flows: every end must exist; a flow into a sub-process enters it, one out of it leaves
    # from its exit
    for f in reader.flows.values():
        for end, ref in (("sourceRef", f.source), ("targetRef", f.target)):
            if ref not in reader.nodes:
                raise ModelError(
                    f"{source}: sequence flow '{f.id}' has {end} '{ref}', which is not a "
                    "supported element of the process"
                )
        if f.source in reader.sub_exits and f.id != f"{f.source}#in":
            f.source = reader.sub_exits[f.source]
    for nid, lane in reader.lane_of.items():
        if nid in reader.nodes:
            reader.nodes[nid].lane = lane
    # a lane holds the content of the sub-processes drawn in it (BPMN): bpmn.io and others list
    # only the sub-process in flowNodeRef, not its children
    for node in reader.nodes.values():
        outer = node.subprocess
        while node.lane is None and outer:
            node.lane = reader.nodes[outer].lane
            outer = reader.nodes[outer].subprocess
    if reader.loops:
        reader.notes.append(
            f"tasks {reader.loops} have loop markers (standardLoopCharacteristics) without a "
            "loop probability: each runs once per visit, as in Prosimos"
        )
    # conditions on the flows out of a gateway: the gateway's probabilities decide; out of an
    # activity with other flows, they make a choice (``structure``, noted on import); a lone
    # conditional flow out of an element is taken in every case
    n_out: dict[str, int] = {}
    for f in reader.flows.values():
        n_out[f.source] = n_out.get(f.source, 0) + 1
    at_gateway = [
        f
        for f in reader.conditions
        if reader.nodes[reader.flows[f].source].kind in GATEWAYS.values()
    ]
    alone = [f for f in reader.conditions if n_out[reader.flows[f].source] == 1]
    alone = [f for f in alone if f not in at_gateway]
    if at_gateway:
        reader.notes.append(
            f"condition expressions on flows {at_gateway} are not evaluated; the branching "
            "probabilities of the parameters decide"
        )
    if alone:
        reader.notes.append(
            f"flows {alone} have a condition but are the only flow out of their element: they "
            "are taken in every case (conditions are not evaluated)"
        )
    model_ext: dict[str, Any] = {}
    for ext in proc:
        if _local(ext.tag) == (BPMN_NS, "extensionElements"):
            for item in ext:
                if _local(item.tag) == (SIM_NS, "model"):
                    model_ext.update(item.attrib)
    name = " ".join((proc.get("name") or "").split()) or _pool_name(root, proc.get("id", ""))
    doc = "\n".join(_text(d) for d in proc if _local(d.tag) == (BPMN_NS, "documentation"))
    return Graph(
        source=source,
        process_id=proc.get("id", ""),
        name=name or re.sub(r"\s+", "_", path.stem),
        documentation=doc,
        nodes=reader.nodes,
        flows=reader.flows,
        lanes=reader.lanes,
        model_ext=model_ext,
        notes=reader.notes,
        not_simulated=reader.not_simulated,
    )
