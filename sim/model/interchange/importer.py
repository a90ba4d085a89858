"""BPMN 2.0 + Prosimos parameters -> ``ProcessModel``.

Decisions (also in the package docstring and the README of ``experiments/prosimos_crosscheck``):

* **Roles are the resource pools of the parameters**, not the lanes (Prosimos ignores lanes too).
  A role is a set of resources that share tasks: resources are grouped with every other resource
  that can do one of their tasks (connected components of the task-resource graph). In Prosimos'
  own examples each task names one pool, so a role is exactly one resource profile, with
  ``headcount`` = the sum of its resources' ``amount``. When tasks name overlapping but different
  sets of resources, the role is their union and any of its people may do any of its tasks, so
  their capacity is pooled (a warning per such role names its profiles and the tasks Prosimos
  gives fewer people). Our own export marks the resources of a step's ``alternatives`` with
  ``sim:alternative`` (role, share, resource ids): those resources are left out of the union, so
  the step gets its own role back and each alternative its role, pace and share (a note says
  when the parameters no longer allow it: the resources are then pooled as above). Only when the
  parameters have no ``resource_profiles`` at all do the lanes become the roles (one person
  each, working 24/7); otherwise a warning names the tasks whose lane is not their pool.
* **A role's calendar** is the calendar of most of its people (by headcount; ties go to the one
  with more working hours); a warning names the people whose calendar differs. Its hourly cost
  is the headcount-weighted mean.
* **Durations** follow ``sim.model.interchange.prosimos`` (exact conversions; an equal-weight
  mixture when several resources of a task have different distributions). The model's
  ``time_unit`` is ``seconds``, Prosimos' unit, so parameters are carried over unchanged.
* **Gateways**: an exclusive split without branching probabilities is an error; so is an
  inclusive split. Probabilities that sum to 1 within 1e-6 are normalised; flows missing from the
  list get probability 0 and flows listed without a value share the rest, as in Prosimos (both
  with a warning). An exclusive gateway's ``default`` flow missing from the list takes the rest
  when the others sum to at most 1 (with a warning). An inclusive split takes each branch
  independently with its probability, as in Prosimos; when no branch is drawn, our engine takes
  the most probable one, Prosimos draws one with the probabilities (a difference of semantics
  only in that rare case).
* **Arrivals**: ``arrival_time_distribution`` is the gap while the ``arrival_time_calendar`` is
  open (see ``prosimos.arrival_profile``; Prosimos also puts an arrival exactly at every opening,
  which ours does not: for a fixed 15-minute gap over 09:00-17:00 Prosimos has 33 arrivals a day,
  we have 32). Without a calendar, cases arrive while the first tasks' resources work, as in
  Prosimos. A timer start event's schedule (timeCycle, timeDate) is not simulated (a warning).
* **Loop markers** (``standardLoopCharacteristics``, written by Split Miner/Simod) carry no loop
  probability: the task runs once per visit, as in Prosimos, with a warning. Condition
  expressions on flows are not evaluated (the probabilities decide), with a warning.
* **Conditional flows out of an activity** make a choice, as BPMN 2.0 says (``structure``): one
  conditional flow and the default flow an exclusive one (a decision), several conditional
  flows an inclusive one; its probabilities are given under the activity's id in
  ``gateway_branching_probabilities``, exactly as a gateway's (the default flow of an exclusive
  choice may take the rest), with a note. Flows without a condition beside conditional ones are
  always taken (probability 1).
* **Not simulated, so refused with the element id**: call activities, boundary events,
  event-based and complex gateways, event/ad-hoc/transaction sub-processes, multi-instance tasks,
  link events, timers with a date or cycle, and Prosimos batching, prioritisation, branching
  rules, multitasking and fuzzy calendars. Embedded sub-processes are flattened.
* **End events**: the outcome is the event's name. ``dropoff=[...]`` names the drop-off ends, by
  the name or id of an end event or of a task that leads straight to one (that task's cases get
  an end of their own whose outcome is the task's name, as a calibrated model's end activity);
  the others are successes. Without it, an end counts as a drop-off when its name contains
  reject, cancel, declin, lost, fail, abort, abandon, drop, expire, withdraw, denied, refus or
  unsuccess (English only), or when it is an error end event; otherwise as a success. A
  ``<sim:end success="..."/>`` of an end event says it explicitly, as our own exports do. A note
  lists how each end was classed (a name with a negation, "Not approved", is marked to check)
  and says when every case ends in a success.
* **Pools** (``bpmn_read``): a collaboration's pools with a flow of their own run as one case
  when one pool creates the cases and each other pool is started by its message and answers it
  into a message catch event or receive task where the case waits (a parallel branch from the
  sender to that element, which takes no time of its own), with a note; otherwise ``pool=``
  (pool name or process id) chooses the one to simulate, and the refusal names the pools, their
  elements and what simulating one of them drops. The other pools' elements are dropped, with a
  note naming them and the message flows.
* **Timers and other intermediate catch events** are delays: steps without a role whose
  duration is the event's entry in ``event_distribution`` (Prosimos' convention), or, for a timer
  without one, its ISO 8601 ``timeDuration``. They are waiting, not work: like a calibrated
  model's delay timers they are not value-adding and are listed in ``metadata["timer_steps"]``
  (so the KPIs report them as timers). Our own exports say per step whether it is a timer
  (``sim:step timer``), so an automated step without a role stays one.
* **Names from another tool** (tasks, gateways, events, lanes, calendars, resource profiles and
  the roles built from them) get their control and bidi characters written visibly
  (``sim.model.io.visible_name``: ESC as the four characters ``\\x1b``), as a log's names do,
  and a warning lists them: printed, they ran as terminal commands or reordered the text. Every
  error and warning of an import is written visibly too (element ids can hold them).
"""

from __future__ import annotations

import math
import re
import shlex
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.errors import ModelError, did_you_mean_any_case
from sim.model.calendar import WeeklyRate
from sim.model.distributions import Distribution
from sim.model.interchange import prosimos as P
from sim.model.interchange.bpmn_read import Graph, read_bpmn
from sim.model.interchange.structure import (
    DECISION,
    END,
    SPLIT,
    STEP,
    Skeleton,
    SkNode,
    build_skeleton,
)
from sim.model.io import visible_name
from sim.model.process import (
    TIME_UNITS,
    Alternative,
    Arrivals,
    Branch,
    Decision,
    End,
    Parallel,
    ProcessModel,
    Role,
    Step,
)
from sim.model.safe_files import load_json, read_text
from sim.model.validate import MAX_HEADCOUNT, validate

DROP_OFF_WORDS = (
    "reject",
    "cancel",
    "declin",
    "lost",
    "fail",
    "abort",
    "abandon",
    "drop",
    "expire",
    "withdraw",
    "denied",
    "refus",
    "unsuccess",
)
#: words of a negation: an end whose name has one but no drop-off word ("Not approved") counts
#: as a success by the naming rule, and the import's note asks to check it
NEGATION_WORDS = ("not", "no", "non", "never", "without", "nicht", "kein", "keine", "pas", "sin")
_WORD = re.compile(r"\w+")
PROB_TOL = 1e-6
MAX_PARAMS_BYTES = 50 * 1024 * 1024
#: how the note on names written visibly calls an element of each kind (``bpmn_read.Node.kind``)
_ELEMENT_WORDS = {
    "task": "task",
    "delay": "event",
    "start": "start event",
    "end": "end event",
    "xor": "gateway",
    "and": "gateway",
    "or": "gateway",
}
_ISO_DURATION = re.compile(
    r"^P(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


class BpmnImportWarning(UserWarning):
    """Something in a BPMN/Prosimos import the user should know (approximations, defaults)."""


def is_drop_off(name: str) -> bool:
    """The end-event naming rule: True when the name says the case was lost."""
    return _drop_off_word(name) is not None


def _drop_off_word(name: str) -> str | None:
    """The first of ``DROP_OFF_WORDS`` in ``name`` (any case), or None."""
    low = name.lower()
    return next((w for w in DROP_OFF_WORDS if w in low), None)


def _negation(name: str) -> str | None:
    """The first negation word (``NEGATION_WORDS``) of ``name``, or None."""
    return next((w for w in _WORD.findall(name.lower()) if w in NEGATION_WORDS), None)


def iso_duration_seconds(where: str, text: str) -> float:
    """Seconds of an ISO 8601 duration such as ``PT1H30M`` (no years or months)."""
    m = _ISO_DURATION.match(text.strip())
    if not m or text.strip() in ("P", "PT"):
        raise ModelError(
            f"{where}: timeDuration {text!r} is not an ISO 8601 duration like 'PT2H' or 'P1DT4H' "
            "(years and months are not fixed lengths)"
        )
    f = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
    return f["w"] * 604800 + f["d"] * 86400 + f["h"] * 3600 + f["m"] * 60 + f["s"]


def _read_params(params: Any) -> tuple[dict[str, Any], str]:
    if isinstance(params, Mapping):
        return dict(params), "parameters"
    path = Path(params)
    if not path.is_file():
        raise ModelError(f"{path}: no such parameters file")
    size = path.stat().st_size
    if size > MAX_PARAMS_BYTES:
        raise ModelError(f"{path}: {size} bytes is larger than the {MAX_PARAMS_BYTES} allowed")
    data = load_json(read_text(path, "parameters file"), str(path))
    if not isinstance(data, dict):
        raise ModelError(f"{path}: expected a JSON object with Prosimos parameters")
    return data, str(path)


def _visible(text: str, kind: str, changed: list[str]) -> str:
    """``text`` with its control and bidi characters written visibly (``visible_name``); when
    that changes it, ``kind`` and the new name are added to ``changed`` (for the import's note)."""
    new = visible_name(text)
    if new != text:
        changed.append(f"{kind} '{new}'")
    return new


def _visible_lines(text: str) -> str:
    """``text`` (a message) with each line written visibly: the ids and file names it quotes can
    hold control or bidi characters too, and the message is printed."""
    return "\n".join(visible_name(line) for line in text.split("\n"))


def _visible_graph(g: Graph, changed: list[str]) -> None:
    """Write the names of the BPMN graph visibly, in place, before the model's names are built
    from them (so two names that now read alike get told apart like any other two)."""
    g.name = _visible(g.name, "process", changed)
    if "name" in g.model_ext:
        g.model_ext["name"] = _visible(str(g.model_ext["name"]), "process", changed)
    for lid, lane in g.lanes.items():
        g.lanes[lid] = _visible(lane, "lane", changed)
    for node in g.nodes.values():
        word = _ELEMENT_WORDS.get(node.kind, "element")
        node.name = _visible(node.name, word, changed)
        if node.lane:
            node.lane = visible_name(node.lane)  # a lane's name, counted with the lanes
        node.requires = tuple(_visible(r, f"{word} requirement", changed) for r in node.requires)
        if "outcome" in node.ext:
            node.ext["outcome"] = _visible(str(node.ext["outcome"]), "outcome", changed)


def _visible_skeleton(sk: Skeleton, changed: list[str]) -> Skeleton:
    """``sk`` with the names still holding control or bidi characters, those built from the id
    of an element without a name, written visibly (a ``_`` added while one is taken)."""
    rename: dict[str, str] = {}
    taken = set(sk.nodes)
    for name, node in sk.nodes.items():
        new = visible_name(name)
        if new == name:
            continue
        while new in taken:
            new += "_"
        taken.add(new)
        rename[name] = new
        word = _ELEMENT_WORDS.get(node.bpmn.kind, "element") if node.bpmn else "element"
        changed.append(f"{word} '{new}'")
    if not rename:
        return sk
    for node in sk.nodes.values():
        node.name = rename.get(node.name, node.name)
        node.next = rename.get(node.next, node.next)
        node.join = rename.get(node.join, node.join)
        node.branches = [(f, rename.get(t, t)) for f, t in node.branches]
    return Skeleton(
        start=rename.get(sk.start, sk.start), nodes={n.name: n for n in sk.nodes.values()}
    )


def _made_visible_note(source: str, changed: list[str]) -> str:
    """The note on the names of ``source`` whose control or bidi characters were written
    visibly."""
    names = list(dict.fromkeys(changed))
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return (
        f"{source}: wrote the control or bidi characters of {len(names)} name(s) visibly, ESC "
        f"as the four characters \\x1b and a line break as \\n ({shown}): printed, such "
        "characters run as terminal commands or reorder the text"
    )


def _list(src: str, data: dict[str, Any], key: str, *, required: bool = True) -> list[Any]:
    if key not in data or data[key] is None:
        if required:
            raise ModelError(f"{src}: missing '{key}'")
        return []
    value = data[key]
    if not isinstance(value, list):
        raise ModelError(
            f"{src}: '{key}' must be a list (the Prosimos format of the JSON files Prosimos "
            f"and Simod write), got {type(value).__name__}"
        )
    return value


class _Importer:
    def __init__(
        self,
        graph: Graph,
        skeleton: Skeleton,
        params: dict[str, Any],
        src: str,
        dropoff: list[str] | None = None,
    ) -> None:
        self.g = graph
        self.sk = skeleton
        self.data = params
        self.src = src
        self.dropoff = dropoff
        self.outcome_of: dict[str, str] = {}  # end made for a step named in dropoff -> the step
        self.classed: list[str] = []  # how each end became a success or a drop-off (a note)
        self.notes: list[str] = list(graph.notes)
        self.changed: list[str] = []  # names of the parameters written visibly (``visible``)
        # task id -> its alternatives restored from our export (role, share, resource ids)
        self.task_alternatives: dict[str, list[tuple[str, float, list[str]]]] = {}
        unit = graph.model_ext.get("time_unit", "seconds")
        if unit not in TIME_UNITS:
            raise ModelError(f"{graph.source}: sim:model time_unit {unit!r} is unknown")
        self.unit = unit
        self.to_unit = 1.0 if unit == "seconds" else 1.0 / (TIME_UNITS[unit] * 3600.0)

    def err(self, msg: str) -> ModelError:
        return ModelError(f"{self.src}: {msg}")

    def visible(self, text: str, kind: str) -> str:
        """A name of the parameters written visibly (``_visible``), noted in ``changed``."""
        return _visible(text, kind, self.changed)

    def duration(self, d: Distribution) -> Distribution:
        """A duration in seconds, in the model's time unit."""
        if self.to_unit == 1.0:
            return d
        return P.without_provenance(P.scale_distribution(d, self.to_unit))

    # ---------------------------------------------------------------------- unsupported parts
    def check_sections(self) -> None:
        d = self.data
        if str(d.get("model_type", "CRISP")).upper() == "FUZZY":
            raise self.err(
                "model_type FUZZY (probabilistic availability calendars) is not supported; "
                "discover CRISP calendars"
            )
        for key, what in (
            ("batch_processing", "batch processing of tasks"),
            ("prioritisation_rules", "case prioritisation rules"),
            ("branch_rules", "attribute-based branching rules"),
        ):
            items = d.get(key) or []
            if items:
                ids = (
                    [i.get("task_id") for i in items if isinstance(i, Mapping)]
                    if key == "batch_processing"
                    else []
                )
                raise self.err(
                    f"'{key}' ({what}) is not supported{f' (tasks {ids})' if ids else ''}; remove "
                    "it to simulate without it"
                )
        if d.get("multitask"):
            raise self.err(
                "'multitask' (resources working on several tasks at once) is not supported"
            )
        for key in ("case_attributes", "event_attributes", "global_attributes"):
            if d.get(key):
                self.notes.append(
                    f"{self.src}: '{key}' are ignored (without branching or priority rules they do "
                    "not change the simulation)"
                )
        for g in d.get("gateway_branching_probabilities") or []:
            if isinstance(g, Mapping):
                for p in g.get("probabilities") or []:
                    if isinstance(p, Mapping) and "condition_id" in p:
                        raise self.err(
                            f"gateway '{g.get('gateway_id')}': conditions (condition_id) are not "
                            "supported; give probabilities"
                        )

    # ------------------------------------------------------------------------------ calendars
    def calendars(self) -> None:
        self.cal_name: dict[str, str] = {}  # Prosimos calendar id -> our name ("24/7" built in)
        self.calendars_out: dict[str, WeeklyRate] = {}
        items = _list(self.src, self.data, "resource_calendars", required=False)
        names = [
            visible_name(str(c.get("name") or c.get("id"))) for c in items if isinstance(c, Mapping)
        ]
        for i, c in enumerate(items):
            w = f"{self.src}: resource_calendars[{i}]"
            if not isinstance(c, Mapping) or "id" not in c:
                raise ModelError(f"{w}: expected a mapping with 'id' and 'time_periods'")
            cid = str(c["id"])
            if cid in self.cal_name:
                raise ModelError(f"{w}: calendar id '{cid}' is used twice")
            cal = P.calendar_from_prosimos(
                c.get("time_periods"), where=f"{self.src}: calendar '{cid}'"
            )
            name = str(c.get("name") or cid)
            if names.count(visible_name(name)) > 1 or visible_name(name) == "24/7" or not name:
                name = cid
            if P.is_always(cal):
                self.cal_name[cid] = "24/7"
                continue
            name = self.visible(name, "calendar")
            self.cal_name[cid] = name
            self.calendars_out[name] = cal

    # ---------------------------------------------------------------------------- resources
    def resources(self) -> None:
        profiles = _list(self.src, self.data, "resource_profiles", required=False)
        self.entries: dict[str, dict[str, Any]] = {}  # entry id -> info
        self.profile_order: list[dict[str, Any]] = []
        for i, prof in enumerate(profiles):
            w = f"{self.src}: resource_profiles[{i}]"
            if not isinstance(prof, Mapping) or "id" not in prof:
                raise ModelError(f"{w}: expected a mapping with 'id', 'name' and 'resource_list'")
            pid = str(prof["id"])
            pname = self.visible(str(prof.get("name") or pid), "resource profile")
            pinfo = {"id": pid, "name": pname, "resources": []}
            rlist = prof.get("resource_list")
            if not isinstance(rlist, list) or not rlist:
                raise ModelError(f"{w} ('{pid}'): 'resource_list' must be a non-empty list")
            for j, r in enumerate(rlist):
                wr = f"{w}.resource_list[{j}]"
                if not isinstance(r, Mapping) or "id" not in r:
                    raise ModelError(f"{wr}: expected a mapping with 'id', 'amount', 'calendar'")
                rid = str(r["id"])
                if rid in self.entries:
                    raise ModelError(f"{wr}: resource id '{rid}' is used twice")
                if not r.get("calendar"):
                    raise ModelError(f"{self.src}: resource '{rid}' has no calendar")
                cal = str(r["calendar"])
                if cal not in self.cal_name:
                    raise ModelError(
                        f"{self.src}: resource '{rid}' has calendar '{cal}', which is not in "
                        f"resource_calendars {sorted(self.cal_name)}"
                    )
                if "amount" not in r:  # Prosimos reads int(r["amount"]): it has no default
                    raise ModelError(
                        f"{wr}.amount (profile '{pid}', resource '{rid}'): missing; expected a "
                        f"whole number of people from 0 to {MAX_HEADCOUNT:,} (Prosimos has no "
                        "default for it)"
                    )
                amount = P.number(f"{wr}.amount", r["amount"])
                if amount < 0 or amount != int(amount) or amount > MAX_HEADCOUNT:
                    raise ModelError(
                        f"{wr}.amount (profile '{pid}', resource '{rid}'): expected a whole "
                        f"number of people from 0 to {MAX_HEADCOUNT:,}, got {r.get('amount')!r}"
                    )
                if "cost_per_hour" not in r:  # Prosimos reads float(r["cost_per_hour"]) too
                    raise ModelError(
                        f"{wr}.cost_per_hour (profile '{pid}', resource '{rid}'): missing; "
                        "expected a cost per hour >= 0 (0 for no cost; Prosimos has no default "
                        "for it)"
                    )
                cost = P.number(f"{wr}.cost_per_hour", r["cost_per_hour"])
                if cost < 0:
                    raise ModelError(f"{wr}.cost_per_hour: must be >= 0, got {cost}")
                info = {
                    "id": rid,
                    "name": self.visible(str(r.get("name") or rid), "resource"),
                    "amount": int(amount),
                    "cost_per_hour": cost,
                    "calendar": self.cal_name[cal],
                    "profile": pid,
                }
                self.entries[rid] = info
                pinfo["resources"].append(info)
            self.profile_order.append(pinfo)

    # -------------------------------------------------------------------------------- tasks
    def task_table(self) -> dict[str, list[dict[str, Any]]]:
        raw = self.data.get("task_resource_distribution")
        if raw is None:
            raise self.err("missing 'task_resource_distribution' (durations of the tasks)")
        if not isinstance(raw, list):
            raise self.err("'task_resource_distribution' must be a list of {task_id, resources}")
        table: dict[str, list[dict[str, Any]]] = {}
        for i, t in enumerate(raw):
            if not isinstance(t, Mapping) or "task_id" not in t:
                raise self.err(f"task_resource_distribution[{i}]: expected {{task_id, resources}}")
            res = t.get("resources")
            if not isinstance(res, list):
                raise self.err(f"task '{t['task_id']}': 'resources' must be a list")
            table.setdefault(str(t["task_id"]), []).extend(res)
        known = {n.bpmn.id for n in self.sk.of_kind(STEP) if n.bpmn is not None}
        unused = {
            t: why for t, why in self.g.not_simulated.items() if t in table and t not in known
        }
        unknown = sorted(set(table) - known - set(unused))
        if unknown:
            self.notes.append(
                f"{self.src}: task_resource_distribution has tasks {unknown} that are not tasks of "
                "the BPMN process; ignored"
            )
        by_why: dict[str, list[str]] = {}
        for t, why in unused.items():
            by_why.setdefault(why, []).append(t)
        for why, tasks in by_why.items():  # tasks of the file, rightly not simulated: no mismatch
            self.notes.append(
                f"{self.src}: the durations task_resource_distribution gives for tasks "
                f"{sorted(tasks)} are not used: {why}"
            )
        return table

    def task_items(self, t: Any, table: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """The task's entries of task_resource_distribution; none is an error naming the task."""
        items = table.get(t.bpmn.id)
        if not items:
            raise ModelError(
                f"{self.src}: task '{t.bpmn.id}' ({t.bpmn.name or 'unnamed'}) has no durations: "
                "add it to task_resource_distribution with at least one resource"
            )
        return items

    def roles(
        self, table: dict[str, list[dict[str, Any]]]
    ) -> tuple[dict[str, Role], dict[str, str]]:
        """Roles and the role of every task (by BPMN id)."""
        tasks = [n for n in self.sk.of_kind(STEP) if n.bpmn is not None and n.bpmn.kind == "task"]
        if not self.profile_order:
            for t in tasks:
                self.task_items(t, table)
            return self.lane_roles(tasks)
        task_entries: dict[str, list[str]] = {}
        # tasks of our own export with alternatives: its own resources and each alternative's
        split: dict[str, list[tuple[str, float, list[str]]]] = {}
        for t in tasks:
            tid = t.bpmn.id
            items = self.task_items(t, table)
            ids = []
            for k, it in enumerate(items):
                rid = str(it.get("resource_id")) if isinstance(it, Mapping) else None
                if rid not in self.entries:
                    raise ModelError(
                        f"{self.src}: task '{tid}' resources[{k}]: resource '{rid}' is not in "
                        "resource_profiles"
                    )
                ids.append(rid)
            task_entries[tid] = ids
            alts = self.alternative_entries(t, ids)
            if alts:
                split[tid] = alts
        names = {t.bpmn.id: t.name for t in tasks}
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        while True:  # until every split task's own role and alternatives are different roles
            parent.clear()
            parent.update({rid: rid for rid in self.entries})
            for tid, ids in task_entries.items():
                for group in _task_groups(ids, split.get(tid, [])):
                    for rid in group[1:]:
                        parent[find(rid)] = find(group[0])
            joined = []
            for tid, alts in split.items():
                groups = _task_groups(task_entries[tid], alts)
                if len({find(g[0]) for g in groups}) < len(groups):
                    joined.append(tid)
            if not joined:
                break
            for tid in joined:
                roles_named = [a[0] for a in split.pop(tid)]
                self.notes.append(
                    f"{self.src}: task '{names[tid]}': the resources of its alternatives "
                    f"{roles_named} (sim:alternative) share other tasks with its own resources, "
                    "so they are one role here, any of whose people may do the task: its "
                    "capacity is pooled, as for any Prosimos file whose tasks share resources"
                )
        comps: dict[str, list[str]] = {}
        for rid in self.entries:
            comps.setdefault(find(rid), []).append(rid)
        used = {r for ids in task_entries.values() for r in ids}
        profile_names = [p["name"] for p in self.profile_order]
        roles: dict[str, Role] = {}
        role_of_entry: dict[str, str] = {}
        pools = 0
        for members in comps.values():
            if not set(members) & used:
                # resources no task uses: keep them, one role per profile
                by_profile: dict[str, list[str]] = {}
                for rid in members:
                    by_profile.setdefault(self.entries[rid]["profile"], []).append(rid)
                groups = list(by_profile.values())
            else:
                groups = [members]
            for group in groups:
                profs = list(dict.fromkeys(self.entries[r]["profile"] for r in group))
                pinfo = [p for p in self.profile_order if p["id"] in profs]
                if len(profs) == 1 and len(group) == len(pinfo[0]["resources"]):
                    name = pinfo[0]["name"]
                    if profile_names.count(name) > 1:
                        name = self.visible(pinfo[0]["id"], "resource profile")
                elif len(profs) == 1:
                    name = (
                        f"{pinfo[0]['name']} ({', '.join(self.entries[r]['name'] for r in group)})"
                    )
                else:
                    pools += 1
                    name = f"pool_{pools}"
                while name in roles:
                    name += "_"
                roles[name] = self.role(name, group, pinfo)
                for r in group:
                    role_of_entry[r] = name
        role_of_task: dict[str, str] = {}
        # role -> tasks (and alternatives) fewer of its people may do, as quoted labels
        fewer: dict[str, list[tuple[str, int]]] = {}

        def people(ids: list[str]) -> int:
            return sum(self.entries[r]["amount"] for r in dict.fromkeys(ids))

        for t in tasks:
            tid = t.bpmn.id
            own = _task_groups(task_entries[tid], split.get(tid, []))[0]
            self.check_people(t, own)
            for named, _, ids in split.get(tid, []):
                self.check_people(t, ids, alternative=named)
            role = role_of_entry[own[0]]
            role_of_task[tid] = role
            if tid in split:
                self.task_alternatives[tid] = [
                    (role_of_entry[ids[0]], share, ids) for _, share, ids in split[tid]
                ]
                # an alternative's resources are its role only when they are all of that role's
                # people: else (they also do a task of another role) its role pools them
                for named, _, ids in split[tid]:
                    alt_role = role_of_entry[ids[0]]
                    if people(ids) < roles[alt_role].headcount:
                        fewer.setdefault(alt_role, []).append(
                            (f"'{t.name}' (as its alternative '{named}')", people(ids))
                        )
            if people(own) < roles[role].headcount:
                fewer.setdefault(role, []).append((f"'{t.name}'", people(own)))
        for role, few in fewer.items():
            self.notes.append(self.pooled_note(roles[role], few))
        self.task_entries = task_entries
        self.lane_differences(tasks, role_of_task)
        return roles, role_of_task

    def check_people(self, t: Any, ids: list[str], *, alternative: str = "") -> None:
        """Refuse task ``t`` (or its ``alternative``) when its resources ``ids`` have no people
        (every ``amount`` 0): nobody could ever do it. Naming the parameters' fields, not the
        role the model would get (its validation would blame the BPMN file)."""
        if any(self.entries[r]["amount"] for r in ids):
            return
        fields = "; ".join(
            f"resource_profiles '{self.entries[r]['profile']}' resource '{r}': amount 0"
            for r in dict.fromkeys(ids)
        )
        b = t.bpmn
        whose = f"task '{b.id}'" + (f" ({b.name})" if b.name and b.name != b.id else "")
        if alternative:
            whose += f" as its alternative '{alternative}'"
        which = "it is the only resource" if len(set(ids)) == 1 else "they are all the resources"
        raise ModelError(
            f"{self.src}: {fields}, expected a whole number >= 1: {which} of {whose}, which "
            "nobody could do"
        )

    def alternative_entries(self, t: Any, ids: list[str]) -> list[tuple[str, float, list[str]]]:
        """The alternatives our export wrote for task ``t`` (``sim:alternative``): each one's
        role (as the export named it), share and resources among the task's resources ``ids``.
        Empty when the task has none, or when they no longer match the task's resources (the
        parameters were edited): then a note says the task's resources are one role."""
        b = t.bpmn
        out: list[tuple[str, float, list[str]]] = []
        taken: set[str] = set()
        problem = ""
        for attrs, rids in b.alternatives:
            role = visible_name(str(attrs.get("role", "")))
            where = f"{self.g.source}: task {b.label()} sim:alternative '{role}'"
            share = _float(attrs.get("share", 0.0), f"{where} share")
            if not 0.0 <= share <= 1.0:
                raise ModelError(f"{where}: share must be between 0 and 1, got {share:g}")
            missing = [r for r in rids if r not in ids]
            if not rids or missing or taken & set(rids):
                problem = (
                    f"its sim:alternative '{role}' names resources "
                    f"{[visible_name(r) for r in missing or rids]} that {self.src} does not give "
                    "the task (or no resources, or those of another alternative)"
                )
                break
            taken |= set(rids)
            out.append((role, share, list(rids)))
        if not problem and out and all(r in taken for r in ids):
            problem = "its sim:alternative elements name all of its resources, none is its own"
        if problem:
            self.notes.append(
                f"{self.src}: task '{t.name}': {problem}; its resources are one role, as for any "
                "Prosimos file whose tasks share resources"
            )
            return []
        return out

    def pooled_note(self, role: Role, few: list[tuple[str, int]]) -> str:
        """The note on a role that pools resources: ``few`` are its tasks, or a task's
        alternative, that Prosimos gives fewer of its people than its headcount, each as
        (quoted label, people), e.g. ("'intake' (as its alternative 'expert')", 1)."""
        profs = [p["name"] for p in (role.provenance or {}).get("prosimos", {}).get("profiles", [])]
        shown = f"{profs[:8]}" + (f" and {len(profs) - 8} more" if len(profs) > 8 else "")
        n = role.headcount
        (first, k), *rest = few
        others = "".join(f", {label} by {people}" for label, people in rest[:7])
        more = f" and {len(rest) - 7} more tasks" if len(rest) > 7 else ""
        return (
            f"{self.src}: role '{role.name}' pools the resources of profiles {shown} ({n} people) "
            "because tasks share them: here any of its people may do any of its tasks, so "
            f"capacity is pooled: in Prosimos task {first} can be done by {k} of the {n} "
            f"people{others}{more}; here each by any of the {n} (more people than Prosimos gives "
            "them, so shorter queues)"
        )

    def lane_differences(self, tasks: list[Any], role_of_task: dict[str, str]) -> None:
        """A note naming the tasks whose lane is not the pool the parameters give them."""
        odd = []
        for t in tasks:
            lane, tid = t.bpmn.lane, t.bpmn.id
            if not lane:
                continue
            infos = [self.entries[r] for r in self.task_entries[tid]]
            same = {role_of_task[tid], *(i["name"] for i in infos)}
            for i in infos:
                prof = next(p for p in self.profile_order if p["id"] == i["profile"])
                same |= {visible_name(prof["id"]), prof["name"]}
            if lane not in same:
                odd.append(
                    f"'{tid}' ({t.bpmn.name or 'unnamed'}) in lane '{lane}' is done by "
                    f"'{role_of_task[tid]}'"
                )
        if odd:
            self.notes.append(
                f"{self.src}: the roles come from resource_profiles, not from the BPMN lanes, and "
                f"the lanes of {len(odd)} task(s) differ: {'; '.join(odd)}"
            )

    def role(self, name: str, group: list[str], profiles: list[dict[str, Any]]) -> Role:
        infos = [self.entries[r] for r in group]
        headcount = sum(i["amount"] for i in infos)
        by_cal: dict[str, int] = {}
        for i in infos:
            by_cal[i["calendar"]] = by_cal.get(i["calendar"], 0) + i["amount"]

        def hours(c: str) -> float:
            return 168.0 if c == "24/7" else self.calendars_out[c].weekly_total

        calendar = max(by_cal, key=lambda c: (by_cal[c], hours(c)))
        if len(by_cal) > 1:
            odd = [i["name"] for i in infos if i["calendar"] != calendar]
            self.notes.append(
                f"{self.src}: role '{name}' works calendar '{calendar}' (that of {by_cal[calendar]} "
                f"of its {headcount} people); {odd} have other calendars"
            )
        cost = (
            sum(i["cost_per_hour"] * i["amount"] for i in infos) / headcount if headcount else 0.0
        )
        if len({i["cost_per_hour"] for i in infos}) > 1:
            self.notes.append(
                f"{self.src}: role '{name}' costs the mean {cost:g} per hour of its people's costs"
            )
        canonical = (
            len(profiles) == 1
            and len(infos) == 1
            and len(profiles[0]["resources"]) == 1
            and infos[0]["name"] == profiles[0]["name"]
        )
        members: list[str] = []
        if not canonical:
            for i in infos:
                if i["amount"] > 1:
                    members += [f"{i['name']}_{k}" for k in range(i["amount"])]
                elif i["amount"] == 1:
                    members.append(i["name"])
            seen: dict[str, int] = {}
            for k, m in enumerate(members):
                seen[m] = seen.get(m, 0) + 1
                if seen[m] > 1:
                    members[k] = f"{m}#{seen[m]}"
        prov = {
            "prosimos": {
                "profiles": [
                    {
                        "id": p["id"],
                        "name": p["name"],
                        "resources": [
                            {k: r[k] for k in ("id", "name", "amount", "cost_per_hour", "calendar")}
                            for r in p["resources"]
                            if r["id"] in group
                        ],
                    }
                    for p in profiles
                ]
            }
        }
        return Role(
            name=name,
            headcount=headcount,
            calendar=calendar,
            hourly_cost=cost,
            members=tuple(members),
            provenance=prov,
        )

    def lane_roles(self, tasks: list[Any]) -> tuple[dict[str, Role], dict[str, str]]:
        roles: dict[str, Role] = {}
        role_of_task: dict[str, str] = {}
        for t in tasks:
            if not t.bpmn.lane:
                raise ModelError(
                    f"{self.src}: no resource_profiles, and task '{t.bpmn.id}' is in no lane: "
                    "give resource profiles, or lanes to use as roles"
                )
            role_of_task[t.bpmn.id] = t.bpmn.lane
            roles.setdefault(t.bpmn.lane, Role(t.bpmn.lane, 1))
        self.notes.append(
            f"{self.src}: no resource_profiles: the lanes {sorted(roles)} are the roles, one person "
            "each, working 24/7"
        )
        self.task_entries = {}
        return roles, role_of_task

    # ---------------------------------------------------------------------------- probabilities
    def gateway_table(self) -> dict[str, list[Any]]:
        raw = self.data.get("gateway_branching_probabilities") or []
        table: dict[str, list[Any]] = {}
        if isinstance(raw, Mapping):  # {gateway: {flow: p}}
            for gid, probs in raw.items():
                if not isinstance(probs, Mapping):
                    raise self.err(f"gateway '{gid}': expected {{flow id: probability}}")
                table[str(gid)] = [{"path_id": k, "value": v} for k, v in probs.items()]
            return table
        if not isinstance(raw, list):
            raise self.err("'gateway_branching_probabilities' must be a list")
        for i, g in enumerate(raw):
            if not isinstance(g, Mapping) or "gateway_id" not in g:
                raise self.err(
                    f"gateway_branching_probabilities[{i}]: expected {{gateway_id, probabilities}}"
                )
            probs = g.get("probabilities")
            if not isinstance(probs, list):
                raise self.err(f"gateway '{g['gateway_id']}': 'probabilities' must be a list")
            table[str(g["gateway_id"])] = probs
        return table

    def probabilities(
        self,
        gid: str,
        flows: list[str],
        table: dict[str, list[Any]],
        *,
        inclusive: bool,
        default: str = "",
        label: str = "",
        always: tuple[str, ...] = (),
    ) -> list[float]:
        """The probabilities of ``flows`` out of gateway ``gid`` (``label`` names it in messages;
        an activity's implicit choice is keyed by the activity's id). ``always``: flows without
        a condition out of such a choice, taken in every case (probability 1, listed or not)."""
        kind = "inclusive" if inclusive else "exclusive"
        label = label or f"{kind} gateway '{gid}'"
        if gid not in table:
            ask = [f for f in flows if f not in always]
            raise ModelError(
                f"{self.src}: {label} has no branching probabilities: add '{gid}' to "
                f"gateway_branching_probabilities with a probability for each of its flows {ask}"
                + (
                    f" (the default flow '{default}' may be left out: it takes the rest)"
                    if default in ask and not inclusive
                    else ""
                )
            )
        given: dict[str, float | None] = {}
        for k, p in enumerate(table[gid]):
            w = f"{self.src}: gateway '{gid}' probabilities[{k}]"
            if not isinstance(p, Mapping) or "path_id" not in p:
                raise ModelError(f"{w}: expected {{path_id, value}}")
            fid = str(p["path_id"])
            if fid not in flows:
                raise ModelError(
                    f"{w}: path '{fid}' is not an outgoing flow of {label}; its flows are {flows}"
                )
            value = P.number(w, p["value"]) if "value" in p else None
            if value is not None and not 0 <= value <= 1 + PROB_TOL:
                raise ModelError(f"{w}: a probability must be in [0, 1], got {value}")
            if fid in always and value is not None and abs(value - 1.0) > PROB_TOL:
                raise ModelError(
                    f"{w}: flow '{fid}' has no condition, so BPMN takes it in every case "
                    f"(probability 1), not {value}"
                )
            given[fid] = value
        unset = [f for f, v in given.items() if v is None and f not in always]
        if not inclusive and default in flows and default not in given and not unset:
            total = sum(v for v in given.values() if v is not None)
            if total <= 1.0 + PROB_TOL:  # BPMN: the default flow is taken when no other is
                given[default] = max(1.0 - total, 0.0)
                self.notes.append(
                    f"{self.src}: {label}: its default flow '{default}' has no "
                    f"probability; it takes the rest, {given[default]:.6g}"
                )
        for f in always:
            given[f] = 1.0
        missing = [f for f in flows if f not in given]
        if missing:
            self.notes.append(
                f"{self.src}: {label} gives no probability for flows {missing}: never taken"
            )
        if inclusive:
            if unset:
                raise ModelError(f"{self.src}: {label}: flows {unset} have no value")
            return [min(given.get(f) or 0.0, 1.0) for f in flows]
        total = sum(v for v in given.values() if v is not None)
        if unset:
            share = max(1.0 - total, 0.0) / len(unset)
            self.notes.append(
                f"{self.src}: {label}: flows {unset} have no value; they share the rest "
                f"({share:.6g} each), as in Prosimos"
            )
            for f in unset:
                given[f] = share
            total = sum(v for v in given.values() if v is not None)
        if abs(total - 1.0) > PROB_TOL:
            raise ModelError(
                f"{self.src}: the probabilities of {label} sum to {total:.6g}, not 1"
                + (
                    f" (its default flow '{default}' takes the rest only when it has no "
                    "probability of its own and the others sum to at most 1)"
                    if default in flows
                    else ""
                )
            )
        scale = 1.0 if abs(total - 1.0) <= 1e-12 else total  # keep given values bit-exact
        return [(given.get(f) or 0.0) / scale for f in flows]

    # ---------------------------------------------------------------------------------- build
    def build(self) -> ProcessModel:
        self.check_sections()
        self.calendars()
        self.resources()
        table = self.task_table()
        roles, role_of_task = self.roles(table)
        gateways = self.gateway_table()
        events = {}
        for i, e in enumerate(self.data.get("event_distribution") or []):
            if not isinstance(e, Mapping) or "event_id" not in e:
                raise self.err(
                    f"event_distribution[{i}]: expected {{event_id, distribution_name, ...}}"
                )
            events[str(e["event_id"])] = e

        named = self.dropoff_ends() if self.dropoff is not None else set()
        steps: dict[str, Step] = {}
        self.timer_steps: list[str] = []
        decisions: dict[str, Decision] = {}
        parallels: dict[str, Parallel] = {}
        ends: dict[str, End] = {}
        for name, n in self.sk.nodes.items():
            b = n.bpmn
            if n.kind == STEP:
                steps[name] = self.step(n, role_of_task, table, events)
            elif n.kind == DECISION and n.choice is not None:
                decisions[name] = self.choice(n, gateways)
            elif n.kind == DECISION:
                probs = self.probabilities(
                    b.id,
                    [f for f, _ in n.branches],
                    gateways,
                    inclusive=False,
                    default=b.default,
                    label=f"exclusive gateway {b.label()}",
                )
                merged: dict[str, float] = {}
                for (_, target), p in zip(n.branches, probs, strict=True):
                    merged[target] = merged.get(target, 0.0) + p
                decisions[name] = Decision(
                    name=name,
                    branches=tuple(Branch(t, p) for t, p in merged.items()),
                    requires=b.requires,
                    description=b.documentation,
                    provenance=self.provenance(b),
                )
            elif n.kind == SPLIT:
                probs = None
                if n.choice is not None:
                    probs = tuple(self.choice_probabilities(n, gateways))
                elif n.gateway == "or":
                    probs = tuple(
                        self.probabilities(
                            b.id,
                            [f for f, _ in n.branches],
                            gateways,
                            inclusive=True,
                            label=f"inclusive gateway {b.label()}",
                        )
                    )
                parallels[name] = Parallel(
                    name=name,
                    branches=tuple(t for _, t in n.branches),
                    join=n.join,
                    next=n.next,
                    probabilities=probs,
                    description=b.documentation if b is not None else "",
                )
            elif n.kind == END:
                ends[name] = self.end(name, b, named)
        self.outcomes_note(ends)
        arrivals = self.arrivals(roles, role_of_task)
        ext = self.g.model_ext
        model = ProcessModel(
            name=ext.get("name") or self.g.name,
            description=self.g.documentation,
            time_unit=self.unit,
            start_date=ext.get("start_date", "2026-01-05T00:00:00"),
            start=self.sk.start,
            arrivals=arrivals,
            roles=roles,
            steps=steps,
            ends=ends,
            decisions=decisions,
            parallels=parallels,
            calendars=dict(self.calendars_out),  # every calendar of the parameters, used or not
            metadata={"timer_steps": sorted(self.timer_steps)} if self.timer_steps else {},
        )
        return validate(model, source=self.g.source)

    def choice_probabilities(self, n: Any, gateways: dict[str, list[Any]]) -> list[float]:
        """The probabilities of the branches of the choice an activity's conditional flows make
        (``structure``), keyed by the activity's id as a gateway's are; with a note saying so."""
        act = n.choice
        aid = act.id.split("#")[0]  # a sub-process' exit: the sub-process
        flows = [f for f, _ in n.branches]
        exclusive = n.kind == DECISION
        kind = "exclusive" if exclusive else "inclusive"
        what = f"{act.tag or 'subProcess'} {act.label()}"
        conditional = [f for f in flows if self.g.flows[f].condition and f != act.default]
        default = act.default if act.default in flows else ""
        parts = [f"its conditional flows {conditional}"]
        if default:
            parts.append(f"default flow '{default}'")
        if n.always:
            parts.append(f"flows without a condition {list(n.always)}")
        how = (
            "BPMN takes the default flow when no condition holds"
            if exclusive
            else "BPMN takes every flow whose condition holds, so several can run at once"
            + (f", and {list(n.always)} always" if n.always else "")
            + "; each is drawn independently with its probability, as at an inclusive gateway"
            + (", the default flow too" if default else "")
        )
        self.notes.append(
            f"{self.src}: {what}: {' and '.join(parts)} make an implicit {kind} choice ({how}); "
            f"the conditions are not evaluated: the probabilities under '{aid}' in "
            "gateway_branching_probabilities decide"
        )
        return self.probabilities(
            aid,
            flows,
            gateways,
            inclusive=not exclusive,
            default=default,
            label=f"the {kind} choice made by the conditional flows of {what}",
            always=n.always,
        )

    def choice(self, n: Any, gateways: dict[str, list[Any]]) -> Decision:
        """The decision made by an activity's conditional flow and default flow."""
        probs = self.choice_probabilities(n, gateways)
        merged: dict[str, float] = {}
        for (_, target), p in zip(n.branches, probs, strict=True):
            merged[target] = merged.get(target, 0.0) + p
        prov: dict[str, Any] = {"bpmn_conditional_flows_of": n.choice.id.split("#")[0]}
        if n.choice.subprocess:  # made inside an embedded sub-process (flattened)
            prov["bpmn_subprocess"] = n.choice.subprocess
            if self.g.nodes[n.choice.subprocess].name:
                prov["bpmn_subprocess_name"] = self.g.nodes[n.choice.subprocess].name
        return Decision(
            name=n.name,
            branches=tuple(Branch(t, p) for t, p in merged.items()),
            provenance=prov,
        )

    def step(
        self,
        n: Any,
        role_of_task: dict[str, str],
        table: dict[str, list[Any]],
        events: dict[str, Any],
    ) -> Step:
        b = n.bpmn
        where = f"{self.src}: task {b.label()}"
        alternatives: tuple[Alternative, ...] = ()
        if b.kind == "task":
            alts = self.task_alternatives.get(b.id, [])
            theirs = {r for _, _, ids in alts for r in ids}
            own = [it for it in table[b.id] if str(it.get("resource_id")) not in theirs]
            duration = P.mixture_from_prosimos(own, where=where)
            roles: tuple[str, ...] = (role_of_task[b.id],)
            alternatives = tuple(
                Alternative(
                    role=role,
                    duration=self.duration(
                        P.mixture_from_prosimos(
                            [it for it in table[b.id] if str(it.get("resource_id")) in ids],
                            where=f"{where} (alternative '{role}')",
                        )
                    ),
                    share=share,
                )
                for role, share, ids in alts
            )
        else:  # an intermediate catch event: a delay
            where = f"{self.src}: event '{b.id}'"
            named = f" ['{b.id}' is {b.name!r}]" if b.name else ""
            if b.id in events:
                duration = P.distribution_from_prosimos(events[b.id], where=where)
            elif b.timer:
                try:
                    seconds = iso_duration_seconds(f"{self.g.source}: event '{b.id}'", b.timer)
                except ModelError as exc:
                    raise ModelError(
                        f"{exc}; or give the event a duration in event_distribution of "
                        f"{self.src} (event_id '{b.id}'), which is used before the timeDuration"
                        + named
                    ) from None
                duration = Distribution.fixed(seconds)
            else:
                raise ModelError(
                    f"{where} ({b.event or 'event'}) has no duration: add it to event_distribution"
                    + (
                        " or give the timer a timeDuration"
                        if b.event == "timerEventDefinition"
                        else ""
                    )
                    + named
                )
            roles = ()
        ext = b.ext
        # a catch event is a wait (a timer), unless our own export says it is automated work
        ours = "value_adding" in ext
        is_timer = b.kind != "task" and ext.get("timer", "false" if ours else "true") == "true"
        if is_timer:
            self.timer_steps.append(n.name)
        return Step(
            name=n.name,
            next=n.next,
            duration=self.duration(duration),
            roles=roles,
            cost=_float(ext.get("cost", 0.0), f"{self.g.source}: element '{b.id}' sim:cost"),
            value_adding=ext.get("value_adding", "false" if is_timer else "true") == "true",
            mandatory=ext.get("mandatory", "false") == "true",
            requires=b.requires,
            description=b.documentation,
            provenance=self.provenance(b),
            alternatives=alternatives,
        )

    def provenance(self, b: Any) -> dict[str, Any]:
        """Where a step or decision came from: its element id, and what an export cannot give
        back (a catch event other than a timer, the embedded sub-process it was in)."""
        prov: dict[str, Any] = {"bpmn_id": b.id}
        if b.kind == "delay" and b.event != "timerEventDefinition":
            prov["bpmn_event"] = b.event
        if b.subprocess:
            prov["bpmn_subprocess"] = b.subprocess
            if self.g.nodes[b.subprocess].name:
                prov["bpmn_subprocess_name"] = self.g.nodes[b.subprocess].name
        return prov

    def dropoff_ends(self) -> set[str]:
        """The ends named in ``dropoff`` (by end event id or name, or by the id or name of a task
        that leads straight to an end event: that task's cases get an end of their own, whose
        outcome is the task's name, as a calibrated model's end activity)."""
        ends = self.sk.of_kind(END)
        last = [n for n in self.sk.of_kind(STEP) if self.sk.nodes[n.next].kind == END]

        def keys(n: Any) -> set[str]:
            return {n.name, *((n.bpmn.id, n.bpmn.name) if n.bpmn is not None else ())} - {""}

        named: set[str] = set()
        unknown = []
        for entry in dict.fromkeys(self.dropoff or []):
            end = next((n for n in ends if entry in keys(n)), None)
            step = next((n for n in last if entry in keys(n)), None)
            if end is not None:
                named.add(end.name)
            elif step is not None:
                target = self.sk.nodes[step.next]
                new = f"{target.name} ({step.name})"
                while new in self.sk.nodes:
                    new += "_"
                self.sk.nodes[new] = SkNode(target.id, END, new, target.bpmn)
                step.next = new
                self.outcome_of[new] = step.name
                named.add(new)
            else:
                unknown.append(entry)
        # an end event every task of which now has an end of its own is reached no more
        reached = {self.sk.start} | {n.next for n in self.sk.nodes.values()}
        reached |= {t for n in self.sk.nodes.values() for _, t in n.branches}
        for n in ends:
            if n.name not in reached:
                del self.sk.nodes[n.name]
        if unknown:
            names = [k for n in [*ends, *last] for k in sorted(keys(n))]
            hints = [(e, did_you_mean_any_case(e, names)) for e in unknown]
            hints = [(e, h) for e, h in hints if h]  # " (did you mean 'X'?)"
            if len(unknown) == 1:
                hint = hints[0][1] if hints else ""
            else:
                each = "; ".join(f"{e!r}: {h.strip()[1:-1]}" for e, h in hints)
                hint = f" ({each})" if each else ""
            raise ModelError(
                f"{self.g.source}: dropoff names {unknown}{hint}, which are not end events or tasks "
                "that lead straight to an end event; the end events are "
                f"{[n.name for n in ends]}, the tasks before them {[n.name for n in last]} (by "
                "name or BPMN id)"
            )
        return named

    def end(self, name: str, b: Any, named: set[str]) -> End:
        """An end event's outcome: a drop-off when ``dropoff`` names it; else as its ``sim:end
        success`` says; without ``dropoff``, by the naming rule (``is_drop_off``) or when it is
        an error end event. How each was classed is kept for the import's note."""
        ext = b.ext
        label = f"{b.label()}" if b.name == name else f"'{name}' ({b.id})"
        word = _drop_off_word(b.name or name)
        if name in self.outcome_of:
            label = f"'{name}' (end event '{b.id}' after task '{self.outcome_of[name]}')"
        if name in named:
            success, why = False, "named in dropoff"
        elif "success" in ext:
            success, why = ext["success"] == "true", f'its sim:end success="{ext["success"]}"'
        elif self.dropoff is not None:
            success, why = True, "not named in dropoff"
        elif b.event == "errorEventDefinition":
            success, why = False, "an error end event"
        elif word is not None:
            success, why = False, f"its name has '{word}'"
        else:
            success, why = True, "no drop-off word in its name"
            neg = _negation(b.name or name)
            if neg:
                why += f"; CHECK: its name has the negation '{neg}'"
        self.classed.append(f"{label}: {'success' if success else 'drop-off'} ({why})")
        outcome = self.outcome_of.get(name) or ext.get("outcome", name)
        return End(
            name=name,
            outcome=outcome,
            success=success,
            value=_float(ext.get("value", 0.0), f"{self.g.source}: element '{b.id}' sim:value"),
        )

    def outcomes_note(self, ends: dict[str, End]) -> None:
        """A note on how the end events became successes and drop-offs, unless every one says
        so itself (``sim:end success``, as our exports write)."""
        explicit = all("success" in n.bpmn.ext for n in self.sk.of_kind(END) if n.bpmn)
        if explicit and self.dropoff is None:
            return
        rule = (
            ""
            if self.dropoff is not None
            else " Without dropoff, an end counts as a drop-off when its name has one of the "
            f"English words {list(DROP_OFF_WORDS)} or it is an error end event; a name in "
            'another language or a negation ("not approved") is not recognised.'
        )
        every = (
            " Every case ends in a success: conversion_rate will be 100 % and dropoff_rate 0 %."
            if all(e.success for e in ends.values())
            else ""
        )
        self.notes.append(
            f"{self.g.source}: end events: {'; '.join(self.classed)}.{rule}{every} To name the "
            "drop-off ends, give their names or ids, or those of the tasks that lead straight to "
            "them, in dropoff (load_bpmn(..., dropoff=[...]); process.dropoff=[...] on the "
            "command line), or mark an end event with "
            '<sim:end success="false"/> in its extensionElements'
        )

    def arrivals(self, roles: dict[str, Role], role_of_task: dict[str, str]) -> Arrivals:
        spec = self.data.get("arrival_time_distribution")
        if spec is None:
            raise self.err("missing 'arrival_time_distribution'")
        inter = P.distribution_from_prosimos(spec, where=f"{self.src}: arrival_time_distribution")
        if "arrival_time_calendar" in self.data and self.data["arrival_time_calendar"] is not None:
            cal = P.calendar_from_prosimos(
                self.data["arrival_time_calendar"], where=f"{self.src}: arrival_time_calendar"
            )
        else:
            cal = self.first_tasks_calendar(roles, role_of_task)
        profile, factor = P.arrival_profile(cal)
        if factor != 1.0:  # gaps in operational time (see arrival_profile), folded into params
            inter = P.fold_multiplier(inter.scaled(factor))
        return Arrivals(interarrival=self.duration(inter), profile=profile)

    def first_tasks_calendar(
        self, roles: dict[str, Role], role_of_task: dict[str, str]
    ) -> WeeklyRate:
        """Prosimos' default arrival calendar: the union of the first tasks' resources' calendars."""
        first: list[str] = []
        seen: set[str] = set()
        stack = [self.sk.start]
        while stack:
            n = self.sk.nodes[stack.pop()]
            if n.name in seen:
                continue
            seen.add(n.name)
            if n.kind == STEP:
                first.append(n.name)
            elif n.kind in (DECISION, SPLIT):
                stack.extend(t for _, t in n.branches)
        cals: list[WeeklyRate] = []
        for name in first:
            n = self.sk.nodes[name]
            if n.bpmn is None or n.bpmn.kind != "task":
                continue
            for rid in self.task_entries.get(n.bpmn.id, []):
                c = self.entries[rid]["calendar"]
                cals.append(P.ALWAYS if c == "24/7" else self.calendars_out[c])
            if not self.task_entries:
                cals.append(P.ALWAYS)
        if not cals:
            return P.ALWAYS
        points = sorted({b for c in cals for b in c.breaks})
        rates = [1.0 if any(c.rate_at(t) > 0 for c in cals) else 0.0 for t in points]
        self.notes.append(
            f"{self.src}: no arrival_time_calendar: cases arrive while the first tasks' "
            "resources work (as in Prosimos)"
        )
        return P._merge(WeeklyRate(tuple(points), tuple(rates)))


def _task_groups(
    ids: list[str], alternatives: list[tuple[str, float, list[str]]]
) -> list[list[str]]:
    """A task's resource ids in groups that are one role each: its own, then each of its
    ``alternatives``' (all of them one group when it has none)."""
    theirs = {r for _, _, a in alternatives for r in a}
    return [[r for r in ids if r not in theirs], *(a for _, _, a in alternatives)]


def _float(value: Any, where: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ModelError(f"{where}: expected a number, got {value!r}") from None
    if not math.isfinite(x):
        raise ModelError(f"{where}: expected a finite number, got {value!r}")
    return x


def _dropoff_list(dropoff: Sequence[str] | None) -> list[str] | None:
    """``dropoff`` as a list of names (one string is one name)."""
    if dropoff is None:
        return None
    if isinstance(dropoff, str):
        return [dropoff]
    if not isinstance(dropoff, Sequence) or not all(isinstance(d, str) for d in dropoff):
        raise ModelError(f"dropoff: expected a list of end event or task names, got {dropoff!r}")
    return list(dropoff)


def from_prosimos_json(
    params: Mapping[str, Any] | str | Path,
    *,
    bpmn_path: str | Path,
    dropoff: Sequence[str] | None = None,
    pool: str | None = None,
) -> ProcessModel:
    """A validated model from a BPMN file and Prosimos parameters (a mapping or a JSON file).

    ``dropoff`` names the ends that are drop-offs and ``pool`` the pool to simulate (see
    ``load_bpmn``). Warnings
    (``BpmnImportWarning``) report approximations and defaults; everything that cannot be
    simulated raises ``ModelError`` naming the file and the element id.
    """
    try:
        names = _dropoff_list(dropoff)
        if pool is not None and not isinstance(pool, str):
            raise ModelError(f"pool: expected a pool name or process id, got {pool!r}")
        graph = read_bpmn(bpmn_path, pool=pool)
        data, src = _read_params(params)
        changed: list[str] = []
        _visible_graph(graph, changed)
        skeleton = _visible_skeleton(build_skeleton(graph), changed)
        imp = _Importer(graph, skeleton, data, src, names)
        model = imp.build()
    except ModelError as exc:  # raised without the cause: a traceback would print it raw
        raise ModelError(_visible_lines(str(exc))) from None
    for source, names in ((graph.source, changed), (src, imp.changed)):
        if names:
            imp.notes.append(_made_visible_note(source, names))
    for note in imp.notes:
        warnings.warn(_visible_lines(note), BpmnImportWarning, stacklevel=3)
    return model


def _other_case(params_path: Path) -> str:
    """Names the files beside ``params_path`` spelled as it is in other letter cases
    (``LOAN.JSON`` for ``LOAN.json``: the name is matched exactly, as Prosimos and Simod do),
    with the option that gives one, shell-quoted; else nothing."""
    try:
        found = sorted(
            p
            for p in params_path.parent.iterdir()
            if p.name.lower() == params_path.name.lower() and p.is_file()
        )
    except OSError:
        return ""
    return "".join(
        f" ({p.name} is there: give it, {shlex.quote(f'process.params={p}')}, or rename it "
        f"{params_path.name})"
        for p in found
    )


def load_bpmn(
    bpmn_path: str | Path,
    *,
    params_path: str | Path | None = None,
    dropoff: Sequence[str] | None = None,
    pool: str | None = None,
) -> ProcessModel:
    """Read a BPMN 2.0 model with its Prosimos simulation parameters.

    ``params_path`` defaults to the ``.json`` file next to the BPMN file with the same name
    (``Loan.bpmn`` -> ``Loan.json``), the way Prosimos and Simod store them and ``save_bpmn``
    writes them.

    ``dropoff`` names the drop-off ends, each by the name or id of an end event, or of a task
    that leads straight to an end event (its cases then get an end of their own, whose outcome
    is the task's name); every other end is a success unless its ``sim:end success`` says
    otherwise. Without it, end events are classed by their names (``is_drop_off``), and a note
    lists how each was classed.

    ``pool`` names the pool of a collaboration to simulate, by its pool (participant) name or
    its process id (``pool="Customer"``). Without it, pools joined by a request and its answer
    (message flows) run as one case, and other pools with a flow of their own are refused,
    naming them. The other pools' elements are dropped, with a note naming them and the message
    flows.
    """
    bpmn_path = Path(bpmn_path)
    if params_path is None:
        params_path = bpmn_path.with_suffix(".json")
        if not params_path.is_file():
            raise ModelError(
                _visible_lines(
                    f"{bpmn_path}: simulation parameters are needed (durations, staff, arrivals, "
                    "branching probabilities): give their Prosimos JSON file (process.params="
                    "<file>.json on the command line, params_path= in Python), or put them in "
                    f"{params_path.name} next to the BPMN file{_other_case(params_path)}"
                )
            )
    return from_prosimos_json(params_path, bpmn_path=bpmn_path, dropoff=dropoff, pool=pool)
