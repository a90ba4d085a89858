"""Reading and writing process models (YAML/JSON) with a schema version.

``from_dict`` turns the model-file mapping into a validated ``ProcessModel`` and ``to_dict``
turns it back; ``load``/``save`` do the same with files. The file format is documented, with a
complete commented example, in ``configs/process/crm_sales.yaml`` and the README.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import numbers
import re
import shlex
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import yaml

from sim.errors import ModelError, did_you_mean
from sim.model.calendar import (
    calendar_from_dict,
    calendar_to_dict,
    profile_from_dict,
    profile_to_dict,
)
from sim.model.distributions import Distribution, reads_as_number
from sim.model.process import (
    DEFAULT_SEGMENT,
    SCHEMA_VERSION,
    TIME_UNITS,
    Alternative,
    Arrivals,
    Branch,
    Decision,
    End,
    Parallel,
    ProcessModel,
    Role,
    Segment,
    Step,
)
from sim.model.safe_files import (
    EXPONENT_FLOAT,
    EXPONENT_FLOAT_FIRST,
    load_json,
    load_yaml,
    read_text,
)
from sim.model.validate import MAX_HEADCOUNT, problems, validate
from sim.model.whole_files import write_text_whole

MAX_MODEL_BYTES = 50 * 1024 * 1024
T = TypeVar("T")

TOP_KEYS = (
    "schema_version",
    "name",
    "description",
    "time_unit",
    "start_date",
    "start",
    "arrivals",
    "calendars",
    "roles",
    "handoff_delay",
    "steps",
    "decisions",
    "parallel",
    "ends",
    "metadata",
)
STEP_KEYS = (
    "role",
    "roles",
    "duration",
    "next",
    "cost",
    "value_adding",
    "mandatory",
    "requires",
    "patience",
    "description",
    "provenance",
    "measured_from",
    "calendar",
    "alternatives",
)
ALTERNATIVE_KEYS = ("duration", "share", "provenance")
ROLE_KEYS = ("headcount", "calendar", "hourly_cost", "members", "provenance")
DECISION_KEYS = ("branches", "requires", "by_segment", "description", "provenance")
PARALLEL_KEYS = ("branches", "join", "next", "probabilities", "description")
END_KEYS = ("success", "outcome", "value")
SEGMENT_KEYS = ("share", "priority", "duration_scale", "timer_scale")
ARRIVAL_KEYS = ("interarrival", "profile", "segments")


# --------------------------------------------------------------------------------- helpers
def _mapping(where: str, value: Any, *, allow_none: bool = False) -> dict[str, Any]:
    if value is None and allow_none:
        return {}
    if not isinstance(value, dict):
        raise ModelError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _keys(where: str, spec: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = [k for k in spec if k not in allowed]
    if unknown:
        hint = did_you_mean(unknown[0], allowed) if len(unknown) == 1 else ""
        raise ModelError(
            f"{where}: unknown field(s) {unknown}; valid fields are {list(allowed)}{hint}"
        )


def _require(where: str, spec: dict[str, Any], key: str) -> Any:
    if key not in spec or spec[key] is None:
        raise ModelError(f"{where}: missing required field '{key}'")
    return spec[key]


def _number(where: str, value: Any, *, low: float | None = None, integer: bool = False) -> Any:
    kind = "an integer" if integer else "a number"
    # float(True) is 1 ('share: true' is no share of 100 %) and float('2') is 2: a number is a
    # number as written, as for distribution parameters
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        quoted = isinstance(value, str) and reads_as_number(value)
        raise ModelError(
            f"{where}: expected {kind}, got {value!r}"
            + (" (text, in quotes: write the number without them)" if quoted else "")
        )
    x: float | int
    if integer and isinstance(value, numbers.Integral):
        x = int(value)  # exact: a float round trip would call 10**29 no integer
    else:
        try:
            x = float(value)
        except OverflowError:  # an integer of hundreds of digits
            x = math.inf
        # finite first: int() of .inf or .nan is an OverflowError or a ValueError
        if not math.isfinite(x):
            finite = "a finite integer" if integer else "a finite number"
            raise ModelError(f"{where}: expected {finite}, got {value!r}")
        if integer and not x.is_integer():
            raise ModelError(f"{where}: expected an integer, got {value!r}")
        if integer:
            x = int(x)
    if low is not None and x < low:
        raise ModelError(f"{where}: must be >= {low:g}, got {value!r}")
    return x


def _bool(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ModelError(f"{where}: expected true or false, got {value!r}")
    return value


def _text(where: str, value: Any, default: str) -> str:
    """Text as written, or ``default`` when not given (``None``). Anything else is refused:
    ``str()`` would make ``name: {a: 1}`` the name "{'a': 1}"."""
    if value is None:
        return default
    if not isinstance(value, str):
        quote = isinstance(value, numbers.Real) and not isinstance(value, bool)
        raise ModelError(
            f"{where}: expected text, got {value!r}"
            + (f" (a number; for text, write it in quotes: '{value}')" if quote else "")
        )
    return value


#: Characters no name may hold: the C0 and C1 control characters (a name is one line, so tabs
#: and line breaks too) and the bidi embeddings, overrides and isolates. Printed to a terminal
#: they run as commands (``ESC ]0;...BEL`` sets its title) or show text in another order than it
#: is stored; XML 1.0 (a BPMN export) cannot hold the C0 ones at all.
UNSAFE_NAME_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SHORT_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_C0_NAMES = (
    "NUL SOH STX ETX EOT ENQ ACK BEL BS TAB LF VT FF CR SO SI "
    "DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESC FS GS RS US"
).split()


def visible_name(text: str) -> str:
    """``text`` with each of ``UNSAFE_NAME_CHARACTERS`` written as its Python escape, so that it
    can be printed and reads as it is stored: ESC as the four characters ``\\x1b``, a line break
    as ``\\n``, U+202E as ``\\u202e``; other text unchanged."""
    return UNSAFE_NAME_CHARACTERS.sub(_escape_character, text)


def _escape_character(match: re.Match[str]) -> str:
    c = match.group()
    return _SHORT_ESCAPES.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def character_name(c: str) -> str:
    """``"U+001B (ESC)"``, ``"U+202E (RIGHT-TO-LEFT OVERRIDE)"``: a character as an error names
    it (control characters have no Unicode name)."""
    code = ord(c)
    name = (
        _C0_NAMES[code]
        if code < 0x20
        else "DEL"
        if code == 0x7F
        else "a C1 control character"
        if 0x80 <= code <= 0x9F
        else unicodedata.name(c, "")
    )
    return f"U+{code:04X}" + (f" ({name})" if name else "")


def _safe_name(where: str, name: str) -> str:
    """``name``; raises when it holds one of ``UNSAFE_NAME_CHARACTERS``, naming ``where`` (the
    key) and the character. A model file's names are written by hand and can be fixed (an
    event log's are written visibly when it is read: ``sim.eventlog.read``)."""
    bad = UNSAFE_NAME_CHARACTERS.search(name)
    if bad is None:
        return name
    raise ModelError(
        f"{visible_name(where)}: the name '{visible_name(name)}' holds "
        f"{character_name(bad.group())} at character {bad.start() + 1}; expected a name of one "
        "line without control or bidi characters (printed, they run as terminal commands or "
        "reorder the text, and a BPMN export cannot hold them): rename it"
    )


def _name(where: str, value: Any) -> str:
    """A name referred to (``next``, ``join``, a calendar), as text, checked by ``_safe_name``."""
    return _safe_name(where, str(value))


def _names(where: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (_safe_name(where, value),)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ModelError(f"{where}: expected a name or a list of names, got {value!r}")
    return tuple(_safe_name(where, v) for v in value)


def _model_mapping(source: str, spec: Any) -> dict[str, Any]:
    """``spec`` when it is a mapping; else a ``ModelError`` saying a process model was expected
    and what ``source`` held instead ("expected a mapping, got str" said neither)."""
    if isinstance(spec, dict):
        return spec
    held = (
        "nothing (an empty file)"
        if spec is None
        else "a list"
        if isinstance(spec, list)
        else f"text ({_shortened(spec)!r})"
        if isinstance(spec, str)
        else f"a single value ({spec!r})"
    )
    raise ModelError(
        f"{source}: expected a process model (a mapping with steps, roles, arrivals, ends, ...: "
        f"see configs/process/crm_sales.yaml), got {held}"
    )


def _shortened(text: str, limit: int = 60) -> str:
    """The first ``limit`` characters of ``text``, '...' marking the cut."""
    return text if len(text) <= limit else text[:limit] + "..."


def _opt_dict(where: str, value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return dict(_mapping(where, value))


# ------------------------------------------------------------------------------- from_dict
class _Problems:
    """Collects the reading errors of a model file, one per element, so that one run names
    every bad element instead of stopping at the first (an unknown distribution in one step and
    a missing field in another are both reported)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[str] = []
        self.failed: dict[str, list[str]] = {}  # section -> names of its entries not read

    def attempt(self, parse: Callable[[], T], default: T) -> T:
        """``parse()``, or ``default`` with its error recorded."""
        try:
            return parse()
        except ModelError as exc:
            self.found.append(str(exc))
            return default

    def each(self, where: str, value: Any, parse: Callable[[str, str, Any], T]) -> dict[str, T]:
        """Parse every entry of the (optional) mapping ``value`` of section ``where``;
        ``parse(where_of_entry, name, spec)``; entries that fail are left out and recorded."""
        items = self.attempt(
            lambda: _mapping(f"{self.source}: {where}", value, allow_none=True), {}
        )
        out: dict[str, T] = {}
        for name, spec in items.items():
            entry = f"{self.source}: {where}.{visible_name(str(name))}"
            parsed = self.attempt(
                lambda e=entry, n=str(name), s=spec: parse(e, _safe_name(e, n), s), None
            )
            if parsed is not None:
                out[str(name)] = parsed
            else:
                self.failed.setdefault(where, []).append(str(name))
        return out

    def raise_if_any(self) -> None:
        """One error as it was raised; several as one list headed by the file."""
        if len(self.found) == 1:
            raise ModelError(self.found[0])
        if self.found:
            prefix = f"{self.source}: "
            lines = [p[len(prefix) :] if p.startswith(prefix) else p for p in self.found]
            head = f"{self.source}: {len(lines)} problem(s) in the process model:"
            raise ModelError("\n".join([head, *(f"  - {line}" for line in lines)]))


def from_dict(spec: Any, *, source: str = "model", check: bool = True) -> ProcessModel:
    """Build a ``ProcessModel`` from a model-file mapping and validate it.

    ``source`` (a file name) prefixes every error message; every element that cannot be read is
    reported, all in one ``ModelError``. ``check=False`` skips the graph validation (for tools
    that build a model step by step and validate at the end).
    """
    spec = _model_mapping(source, spec)
    found = _Problems(source)
    found.attempt(lambda: _keys(source, spec, TOP_KEYS), None)
    version = spec.get("schema_version", SCHEMA_VERSION)
    quoted = isinstance(version, str) and version.strip() == str(SCHEMA_VERSION)
    if quoted or isinstance(version, bool):  # true equals 1 in Python: no version either
        raise ModelError(
            f"{source}: schema_version must be the number {SCHEMA_VERSION}, not "
            f"{'the text ' if isinstance(version, str) else ''}{version!r}; write "
            f"schema_version: {SCHEMA_VERSION} (without quotes)"
        )
    if version != SCHEMA_VERSION:
        raise ModelError(
            f"{source}: schema_version {version!r} is not supported; this version reads "
            f"schema_version {SCHEMA_VERSION}"
        )
    time_unit = spec.get("time_unit", "hours")
    unit_known = isinstance(time_unit, str) and time_unit in TIME_UNITS  # {} is unhashable
    if not isinstance(time_unit, str):
        found.found.append(
            f"{source}: time_unit: expected one of {list(TIME_UNITS)}, got {time_unit!r}"
        )
    elif not unit_known:
        found.found.append(
            f"{source}: time_unit {time_unit!r} is unknown; expected one of {list(TIME_UNITS)}"
            + did_you_mean(time_unit, list(TIME_UNITS))
        )
    name = found.attempt(
        lambda: _safe_name(
            f"{source}: name", _text(f"{source}: name", spec.get("name"), "process")
        ),
        "",
    )
    start_date = str(spec.get("start_date", "2026-01-05T00:00:00"))
    found.attempt(lambda: _check_start_date(f"{source}: start_date", start_date), None)

    calendars = found.each(
        "calendars", spec.get("calendars"), lambda w, _n, c: calendar_from_dict(c, where=w)
    )
    roles = found.each("roles", spec.get("roles"), _role)
    found.attempt(lambda: _require(source, spec, "steps"), None)
    steps = found.each("steps", spec.get("steps"), _step)
    decisions = found.each("decisions", spec.get("decisions"), _decision)
    parallels = found.each("parallel", spec.get("parallel"), _parallel)
    found.attempt(lambda: _require(source, spec, "ends"), None)
    ends = found.each("ends", spec.get("ends"), _end)
    start = found.attempt(lambda: _name(f"{source}: start", _require(source, spec, "start")), "")
    arrivals = found.attempt(
        lambda: _arrivals(f"{source}: arrivals", _require(source, spec, "arrivals")), None
    )
    handoff = spec.get("handoff_delay")
    handoff_delay = found.attempt(
        lambda: (
            None
            if handoff is None
            else Distribution.from_dict(handoff, where=f"{source}: handoff_delay")
        ),
        None,
    )
    metadata = found.attempt(
        lambda: dict(_mapping(f"{source}: metadata", spec.get("metadata"), allow_none=True)), {}
    )
    # the elements read, for the model and, beside reading errors, for the checks of the rest
    parts: dict[str, Any] = {
        "start": start,
        "arrivals": arrivals,
        "calendars": calendars,
        "roles": roles,
        "steps": steps,
        "decisions": decisions,
        "parallels": parallels,
        "ends": ends,
    }
    if found.found and arrivals is not None:
        draft_unit = time_unit if unit_known else "hours"
        found.found += _problems_beside(
            found, spec, ProcessModel(name="", time_unit=draft_unit, **parts)
        )
    found.raise_if_any()
    assert arrivals is not None  # a missing or bad arrivals section was recorded above
    model = ProcessModel(
        name=name,
        description=str(spec.get("description", "") or ""),
        time_unit=time_unit,
        start_date=start_date,
        handoff_delay=handoff_delay,
        metadata=metadata,
        **parts,
    )
    if check:
        validate(model, source=source)
    return model


def _problems_beside(found: _Problems, spec: dict[str, Any], model: ProcessModel) -> list[str]:
    """The validation problems of the elements that could be read, beside the reading errors of
    the others, so that one run names them all (a bad calendar span no longer hides a mistyped
    ``next`` or probabilities that do not sum to 1). An element that could not be read stands
    in as a 24/7 calendar or an unlimited role, so that its users are not called unknown; when a
    node could not be read, the routing-graph checks are left out and a reference to it is not
    reported (its reading error is)."""
    from sim.model.calendar import ALWAYS

    calendars = dict(model.calendars)
    calendars.update({n: ALWAYS for n in found.failed.get("calendars", [])})
    roles = dict(model.roles)
    roles.update({n: Role(n, headcount=MAX_HEADCOUNT) for n in found.failed.get("roles", [])})
    unread = {
        n for s in ("steps", "decisions", "parallel", "ends") for n in found.failed.get(s, [])
    }
    for name in found.failed.get("parallel", []):
        block = (spec.get("parallel") or {}).get(name)
        if isinstance(block, dict) and block.get("join") is not None:
            unread.add(str(block["join"]))
    stand_in = replace(model, calendars=calendars, roles=roles)
    out = []
    for line in problems(stand_in, graph=not unread):
        if line.startswith("start:") and not model.start:
            continue  # a missing start is a reading error already
        section = line.split(":")[0]
        if "needs at least one" in line and (section in found.failed or section not in spec):
            continue  # its entries could not be read, which is said already
        if any(f" '{n}'" in line and "unknown" in line for n in unread):
            continue
        out.append(line)
    return out


def _check_start_date(where: str, text: str) -> None:
    from datetime import datetime

    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise ModelError(
            f"{where}: expected an ISO date like 2026-01-05T00:00:00, got {text!r}"
        ) from None


def _role(where: str, name: str, spec: Any) -> Role:
    spec = _mapping(where, spec)
    _keys(where, spec, ROLE_KEYS)
    members = _names(f"{where}.members", spec.get("members"))
    return Role(
        name=name,
        headcount=_number(f"{where}.headcount", _require(where, spec, "headcount"), integer=True),
        calendar=_name(f"{where}.calendar", spec.get("calendar", "24/7")),
        hourly_cost=_number(f"{where}.hourly_cost", spec.get("hourly_cost", 0.0), low=0),
        members=members,
        provenance=_opt_dict(f"{where}.provenance", spec.get("provenance")),
    )


def _step(where: str, name: str, spec: Any) -> Step:
    spec = _mapping(where, spec)
    _keys(where, spec, STEP_KEYS)
    if "role" in spec and "roles" in spec:
        raise ModelError(f"{where}: give either 'role' (one person) or 'roles' (several), not both")
    for key in ("role", "roles"):
        given = spec.get(key, "")
        if given is None or (isinstance(given, list | tuple) and not given):
            # 'role:' left blank reads as null: a typo as likely as a meant automated step
            wanted = "a role name" if key == "role" else "a list of role names"
            raise ModelError(
                f"{where}.{key}: expected {wanted}, got {'null' if given is None else '[]'}; a "
                f"step done by no one (automated, or a timer) has no '{key}' line: leave it out"
            )
    roles = _names(f"{where}.roles", spec.get("roles", spec.get("role")))
    patience = spec.get("patience")
    return Step(
        name=name,
        next=_name(f"{where}.next", _require(where, spec, "next")),
        duration=Distribution.from_dict(
            _require(where, spec, "duration"), where=f"{where}.duration"
        ),
        roles=roles,
        cost=_number(f"{where}.cost", spec.get("cost", 0.0), low=0),
        value_adding=_bool(f"{where}.value_adding", spec.get("value_adding", True)),
        mandatory=_bool(f"{where}.mandatory", spec.get("mandatory", False)),
        requires=_names(f"{where}.requires", spec.get("requires")),
        patience=None
        if patience is None
        else Distribution.from_dict(patience, where=f"{where}.patience"),
        description=str(spec.get("description", "") or ""),
        provenance=_opt_dict(f"{where}.provenance", spec.get("provenance")),
        measured_from=str(spec.get("measured_from", "enabled")),
        calendar=None
        if spec.get("calendar") is None
        else _name(f"{where}.calendar", spec["calendar"]),
        alternatives=_alternatives(f"{where}.alternatives", spec.get("alternatives")),
    )


def _alternatives(where: str, spec: Any) -> tuple[Alternative, ...]:
    """``alternatives: {role: {duration: ..., share: ..., provenance: ...}}`` of a step."""
    out = []
    for role, alt in _mapping(where, spec, allow_none=True).items():
        w = f"{where}.{_name(where, role)}"
        alt = _mapping(w, alt)
        _keys(w, alt, ALTERNATIVE_KEYS)
        out.append(
            Alternative(
                role=str(role),
                duration=Distribution.from_dict(
                    _require(w, alt, "duration"), where=f"{w}.duration"
                ),
                share=_number(f"{w}.share", alt.get("share", 0.0), low=0),
                provenance=_opt_dict(f"{w}.provenance", alt.get("provenance")),
            )
        )
    return tuple(out)


def _branch_probs(where: str, spec: Any) -> dict[str, float]:
    spec = _mapping(where, spec)
    if not spec:
        raise ModelError(f"{where}: needs at least one branch (target: probability)")
    return {_name(where, t): _number(f"{where}.{t}", p, low=0) for t, p in spec.items()}


def _decision(where: str, name: str, spec: Any) -> Decision:
    spec = _mapping(where, spec)
    _keys(where, spec, DECISION_KEYS)
    probs = _branch_probs(f"{where}.branches", _require(where, spec, "branches"))
    by_segment: dict[str, tuple[float, ...]] = {}
    for seg, seg_spec in _mapping(
        f"{where}.by_segment", spec.get("by_segment"), allow_none=True
    ).items():
        seg = _name(f"{where}.by_segment", seg)
        seg_probs = _branch_probs(f"{where}.by_segment.{seg}", seg_spec)
        unknown = [t for t in seg_probs if t not in probs]
        if unknown:
            raise ModelError(
                f"{where}.by_segment.{seg}: unknown branch target(s) {unknown}; "
                f"the decision's branches are {list(probs)}"
            )
        by_segment[seg] = tuple(seg_probs.get(t, 0.0) for t in probs)
    return Decision(
        name=name,
        branches=tuple(Branch(t, p) for t, p in probs.items()),
        requires=_names(f"{where}.requires", spec.get("requires")),
        by_segment=by_segment,
        description=str(spec.get("description", "") or ""),
        provenance=_opt_dict(f"{where}.provenance", spec.get("provenance")),
    )


def _parallel(where: str, name: str, spec: Any) -> Parallel:
    spec = _mapping(where, spec)
    _keys(where, spec, PARALLEL_KEYS)
    branches = _names(f"{where}.branches", _require(where, spec, "branches"))
    probs = spec.get("probabilities")
    if probs is not None:
        if not isinstance(probs, list | tuple) or len(probs) != len(branches):
            raise ModelError(
                f"{where}.probabilities: expected one probability per branch ({len(branches)})"
            )
        probs = tuple(_number(f"{where}.probabilities[{i}]", p, low=0) for i, p in enumerate(probs))
        if any(p > 1 for p in probs):
            percent = all(p <= 100 for p in probs)
            raise ModelError(
                f"{where}.probabilities: each must be in [0, 1], got {list(probs)}"
                + ("; write shares, e.g. 0.4 for 40 %" if percent else "")
            )
    return Parallel(
        name=name,
        branches=branches,
        join=_name(f"{where}.join", _require(where, spec, "join")),
        next=_name(f"{where}.next", _require(where, spec, "next")),
        probabilities=probs,
        description=str(spec.get("description", "") or ""),
    )


def _end(where: str, name: str, spec: Any) -> End:
    spec = _mapping(where, spec, allow_none=True)
    _keys(where, spec, END_KEYS)
    value = spec.get("value", 0.0)
    by_segment: dict[str, float] = {}
    if isinstance(value, dict):
        if not value:  # read as no segment's value, it gave every case 0 without a word
            raise ModelError(
                f"{where}.value: an empty mapping; give a number, or a value per segment "
                "({segment: number, ...})"
            )
        by_segment = {
            _name(f"{where}.value", s): _number(f"{where}.value.{s}", v) for s, v in value.items()
        }
        value = 0.0
    return End(
        name=name,
        outcome=_name(f"{where}.outcome", spec.get("outcome", name)),
        success=_bool(f"{where}.success", _require(where, spec, "success")),
        value=_number(f"{where}.value", value),
        value_by_segment=by_segment,
    )


def _arrivals(where: str, spec: Any) -> Arrivals:
    spec = _mapping(where, spec)
    _keys(where, spec, ARRIVAL_KEYS)
    inter = Distribution.from_dict(
        _require(where, spec, "interarrival"), where=f"{where}.interarrival"
    )
    profile = spec.get("profile")
    segments: tuple[Segment, ...] = (Segment(DEFAULT_SEGMENT, 1.0),)
    seg_spec = spec.get("segments")
    if seg_spec is not None:
        segs = []
        for name, s in _mapping(f"{where}.segments", seg_spec).items():
            w = f"{where}.segments.{_name(f'{where}.segments', name)}"
            s = _mapping(w, s)
            _keys(w, s, SEGMENT_KEYS)
            segs.append(
                Segment(
                    name=str(name),
                    share=_number(f"{w}.share", _require(w, s, "share"), low=0),
                    priority=_number(f"{w}.priority", s.get("priority", 0), integer=True),
                    duration_scale=_number(
                        f"{w}.duration_scale", s.get("duration_scale", 1.0), low=0
                    ),
                    timer_scale=None
                    if s.get("timer_scale") is None
                    else _number(f"{w}.timer_scale", s["timer_scale"], low=0),
                )
            )
        if not segs:
            raise ModelError(f"{where}.segments: needs at least one segment")
        segments = tuple(segs)
    return Arrivals(
        interarrival=inter,
        profile=None if profile is None else profile_from_dict(profile, where=f"{where}.profile"),
        segments=segments,
    )


# --------------------------------------------------------------------------------- to_dict
def to_dict(model: ProcessModel) -> dict[str, Any]:
    """The model-file mapping of a model (``from_dict(to_dict(m)) == m``)."""
    out: dict[str, Any] = {
        "schema_version": model.schema_version,
        "name": model.name,
    }
    if model.description:
        out["description"] = model.description
    out["time_unit"] = model.time_unit
    out["start_date"] = model.start_date
    out["start"] = model.start
    arrivals: dict[str, Any] = {"interarrival": model.arrivals.interarrival.to_dict()}
    if model.arrivals.profile is not None:
        arrivals["profile"] = profile_to_dict(model.arrivals.profile)
    if model.arrivals.segment_names != (DEFAULT_SEGMENT,):
        arrivals["segments"] = {
            s.name: {"share": s.share, "priority": s.priority, "duration_scale": s.duration_scale}
            | ({} if s.timer_scale is None else {"timer_scale": s.timer_scale})
            for s in model.arrivals.segments
        }
    out["arrivals"] = arrivals
    if model.calendars:
        out["calendars"] = {n: calendar_to_dict(c) for n, c in model.calendars.items()}
    out["roles"] = {}
    for r in model.roles.values():
        role: dict[str, Any] = {
            "headcount": r.headcount,
            "calendar": r.calendar,
            "hourly_cost": r.hourly_cost,
        }
        if r.members:
            role["members"] = list(r.members)
        if r.provenance:
            role["provenance"] = dict(r.provenance)
        out["roles"][r.name] = role
    if model.handoff_delay is not None:
        out["handoff_delay"] = model.handoff_delay.to_dict()
    out["steps"] = {s.name: _step_dict(s) for s in model.steps.values()}
    if model.decisions:
        out["decisions"] = {d.name: _decision_dict(d) for d in model.decisions.values()}
    if model.parallels:
        out["parallel"] = {p.name: _parallel_dict(p) for p in model.parallels.values()}
    out["ends"] = {e.name: _end_dict(e) for e in model.ends.values()}
    if model.metadata:
        out["metadata"] = dict(model.metadata)
    return out


def _step_dict(s: Step) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if len(s.roles) == 1:
        d["role"] = s.roles[0]
    elif s.roles:
        d["roles"] = list(s.roles)
    d["duration"] = s.duration.to_dict()
    if s.cost:
        d["cost"] = s.cost
    d["value_adding"] = s.value_adding
    d["mandatory"] = s.mandatory
    if s.requires:
        d["requires"] = list(s.requires)
    if s.patience is not None:
        d["patience"] = s.patience.to_dict()
    if s.measured_from != "enabled":
        d["measured_from"] = s.measured_from
    if s.calendar is not None:
        d["calendar"] = s.calendar
    if s.alternatives:
        d["alternatives"] = {
            a.role: {"duration": a.duration.to_dict()}
            | ({"share": a.share} if a.share else {})
            | ({"provenance": dict(a.provenance)} if a.provenance else {})
            for a in s.alternatives
        }
    if s.description:
        d["description"] = s.description
    if s.provenance:
        d["provenance"] = dict(s.provenance)
    d["next"] = s.next
    return d


def _decision_dict(dec: Decision) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if dec.description:
        d["description"] = dec.description
    if dec.requires:
        d["requires"] = list(dec.requires)
    d["branches"] = {b.to: b.probability for b in dec.branches}
    if dec.by_segment:
        d["by_segment"] = {
            seg: {b.to: p for b, p in zip(dec.branches, probs, strict=True)}
            for seg, probs in dec.by_segment.items()
        }
    if dec.provenance:
        d["provenance"] = dict(dec.provenance)
    return d


def _parallel_dict(p: Parallel) -> dict[str, Any]:
    d: dict[str, Any] = {"branches": list(p.branches), "join": p.join, "next": p.next}
    if p.probabilities is not None:
        d["probabilities"] = list(p.probabilities)
    if p.description:
        d["description"] = p.description
    return d


def _end_dict(e: End) -> dict[str, Any]:
    d: dict[str, Any] = {"success": e.success}
    if e.outcome != e.name:
        d["outcome"] = e.outcome
    if e.value_by_segment:
        d["value"] = dict(e.value_by_segment)
    elif e.value:
        d["value"] = e.value
    return d


# ------------------------------------------------------------------------------------ files
def load(path: str | Path) -> ProcessModel:
    """Read a model from a YAML or JSON file (safely: no arbitrary objects, size-bounded; UTF-8
    only; no key given twice, no alias bomb: ``sim.model.safe_files``). A ``.bpmn`` file is
    refused, pointing to ``sim.model.interchange.load_bpmn``; an event log, pointing to
    ``calibrate``; a Prosimos parameters file, pointing to ``process=<model>.bpmn``."""
    path = Path(path)
    # the call as it works, this file's path in it (params_path is keyword-only: QA
    # researcher17 #4, "load_bpmn(path, params_path=None)" read as a signature and the
    # positional load_bpmn(bpmn, json) it suggested raised a TypeError)
    params = str(path.with_suffix(".json"))
    bpmn = (
        f"read a BPMN model with sim.model.interchange.load_bpmn({str(path)!r}), which takes "
        f"its Prosimos parameters from the .json file beside it ({params}), or "
        f"load_bpmn({str(path)!r}, params_path={params!r}) naming that file (params_path is "
        "keyword-only)"
    )
    if path.suffix.lower() == ".bpmn":  # else read as YAML: "expected a mapping, got str"
        raise ModelError(f"{path}: a BPMN file, not a model file (YAML or JSON); {bpmn}")
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    _refuse_event_log(path)
    size = path.stat().st_size
    if size > MAX_MODEL_BYTES:
        raise ModelError(f"{path}: {size} bytes is larger than the {MAX_MODEL_BYTES} bytes allowed")
    text = read_text(path, "model file")
    head = text.lstrip("\ufeff \t\r\n")[:2]
    if head.startswith("<") and head != "<<":  # an XML tag (a BPMN file named .xml), not "<<:"
        raise ModelError(f"{path}: an XML file, not a model file (YAML or JSON); {bpmn}")
    try:
        if path.suffix.lower() == ".json":
            data = load_json(text, str(path))
        else:
            data = load_yaml(text, str(path))
    except ModelError:
        _refuse_event_log(path, csv_text=True)
        raise
    if not isinstance(data, dict):  # a CSV log is YAML text: "expected a mapping, got text"
        _refuse_event_log(path, csv_text=True)
    _refuse_prosimos_parameters(path, data)
    return from_dict(data, source=str(path))


#: Names of event-log files (those ``sim.eventlog.read`` reads), refused as models by name.
EVENT_LOG_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".xes", ".xes.gz", ".parquet", ".pq")
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
XES_LOG = re.compile(r"<(?:\w+:)?log[\s>/]")
#: Top-level keys of a Prosimos (Simod) simulation parameters file; a model file has none.
PROSIMOS_KEYS = (
    "resource_profiles",
    "arrival_time_distribution",
    "task_resource_distribution",
    "arrival_time_calendar",
    "resource_calendars",
    "gateway_branching_probabilities",
)


def _refuse_event_log(path: Path, *, csv_text: bool = False) -> None:
    """Raise when ``path`` is an event log by its name (``EVENT_LOG_SUFFIXES``) or its content
    (``event_log_name_by_content``: gzip, parquet, XES; CSV text only with ``csv_text``, once
    the file did not read as a model): parsed as YAML, a CSV log read as one string ("expected a
    mapping, got str") and a gzip file was "not UTF-8 ... save it as UTF-8" (QA hydra25 F7)."""
    name = path.name.lower()
    suffix = next((s for s in EVENT_LOG_SUFFIXES if name.endswith(s)), None)
    if suffix is not None:
        raise ModelError(_event_log_message(path, f"named {suffix}"))
    found = event_log_name_by_content(path, csv_text=csv_text)
    if found is None:
        return
    log, why = found
    raise ModelError(_event_log_message(path, why, log))


#: Names dropped before a log's suffix is put on (``loan.txt`` -> ``loan.csv``).
OTHER_SUFFIXES = (".gz", ".txt", ".text", ".yaml", ".yml", ".json", ".xml", ".dat", ".log")
SNIFFED_BYTES = 1 << 16


def event_log_name_by_content(path: Path, *, csv_text: bool = True) -> tuple[Path, str] | None:
    """The name ``path`` needs for ``sim.eventlog`` (which knows a log by its name) to read it,
    and what its content is, when its first bytes are an event log: gzip-compressed CSV or XES
    (``x.csv.gz``, ``x.xes.gz``), parquet (``x.parquet``), XES (``x.xes``) or, unless
    ``csv_text`` is false, CSV text whose first lines are a header of names and rows of as many
    fields (``x.csv``); else ``None``."""
    try:
        with path.open("rb") as file:
            head = file.read(SNIFFED_BYTES)
    except OSError:
        return None  # the reader names what keeps it from the file
    if head.startswith(PARQUET_MAGIC):
        return _log_name(path, ".parquet"), "a parquet file: it starts with the bytes PAR1"
    if head.startswith(GZIP_MAGIC):
        try:
            with gzip.open(path, "rb") as file:
                inner = file.read(SNIFFED_BYTES)
        except (OSError, EOFError, zlib.error):
            return None
        kind = _text_log_kind(inner, csv_text=True)
        if kind is None:
            return None
        what = kind[1].removeprefix("an ")  # "an XES log" -> "a gzip-compressed XES log"
        article = "a " if what != kind[1] else ""
        return _log_name(path, kind[0] + ".gz"), f"{article}gzip-compressed {what}"
    kind = _text_log_kind(head, csv_text=csv_text)
    return None if kind is None else (_log_name(path, kind[0]), kind[1])


def _text_log_kind(data: bytes, *, csv_text: bool) -> tuple[str, str] | None:
    """``(".xes", why)`` for an XES log's bytes, ``(".csv", why)`` for a CSV table's (looked
    for with ``csv_text`` only)."""
    if b"\x00" in data:
        return None
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        if XES_LOG.search(text[:4096]):
            return ".xes", "an XES log: its XML holds a <log> element"
        return None
    lines = [line for line in text.splitlines()[:5] if line.strip()]
    if not csv_text or len(lines) < 2:
        return None
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
    except csv.Error:
        return None
    rows = list(csv.reader(lines, dialect))
    width = len(rows[0])
    if width < 2 or any(len(row) != width for row in rows):
        return None
    if not all(any(c.isalpha() for c in field) for field in rows[0]):
        return None  # a header names its columns
    return ".csv", f"CSV text: a header line of {width} column names, then rows of {width} fields"


def _log_name(path: Path, suffix: str) -> Path:
    """``path`` named as a log of ``suffix``: ``loan.gz`` -> ``loan.csv.gz``, ``help.xml`` ->
    ``help.xes``, ``rparq`` -> ``rparq.parquet``; every suffix of another type or of a log
    dropped first, in any case (``loan.CSV.GZ.txt`` -> ``loan.csv.gz``, not
    ``loan.CSV.GZ.csv.gz``)."""
    dropped = sorted({*OTHER_SUFFIXES, *EVENT_LOG_SUFFIXES}, key=len, reverse=True)
    name = path.name
    while True:
        cut = next((s for s in dropped if name.lower().endswith(s) and len(name) > len(s)), None)
        if cut is None:
            return path.with_name(name + suffix)
        name = name[: -len(cut)]


def _event_log_message(path: Path, why: str, log: Path | None = None) -> str:
    """Says ``path`` is an event log and the ``calibrate`` command that reads it, pasteable
    (shell-quoted); ``log`` is the name it needs first (calibrate knows a log by its name)."""
    if log is None:
        how = "calibrate a model from it"
        log = path
    else:
        taken = ""
        if log.exists():
            suffix = next(s for s in EVENT_LOG_SUFFIXES if log.name.endswith(s))
            taken = (
                " (a file of that name is there already: if it is not this log, give it another "
                f"name ending in {suffix})"
            )
        how = (
            f"calibrate knows a log by its name: rename it {log.name}{taken}, then calibrate a "
            "model from it"
        )
    return (
        f"{path}: this looks like an event log ({why}), not a process model (YAML or JSON); "
        f"{how}: python -m sim calibrate {shlex.quote(f'log={log}')}"
    )


def _refuse_prosimos_parameters(path: Path, data: Any) -> None:
    """Raise when ``data`` is a Prosimos parameters file (``PROSIMOS_KEYS``, no ``steps``),
    pointing to the BPMN model it goes with: read as a model, it was a list of unknown fields."""
    if not isinstance(data, dict) or "steps" in data:
        return
    found = [key for key in PROSIMOS_KEYS if key in data]
    if not found:
        return
    keys = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
    beside = path.with_suffix(".bpmn")
    bpmn = shlex.quote(f"process={beside}") if beside.is_file() else "process=<model>.bpmn"
    raise ModelError(
        f"{path}: this is a Prosimos parameters file (it has {keys}), not a process model; "
        f"give the BPMN model with it: {bpmn} {shlex.quote(f'process.params={path}')}"
    )


class _Dumper(yaml.SafeDumper):
    """``SafeDumper`` that double-quotes text containing NEL (U+0085) and quotes text that
    ``load_yaml`` would read as a number (``1e3``).

    PyYAML writes such text single-quoted with a bare NEL line break, which a reader folds into a
    space, so the text would not survive a save/load round trip.
    """


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = '"' if "\x85" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)
# text spelled like '1e3', which load_yaml reads as a number, is written in quotes
_Dumper.add_implicit_resolver("tag:yaml.org,2002:float", EXPONENT_FLOAT, EXPONENT_FLOAT_FIRST)


def dump_yaml(data: Any) -> str:
    """``data`` as YAML text that ``load_yaml`` reads back as it was (text spelled like a number
    stays text), keys in their order."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def dumps(model: ProcessModel) -> str:
    """The model as YAML text."""
    return dump_yaml(to_dict(model))


def save(model: ProcessModel, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a model as YAML (or JSON for ``.json``); refuses to overwrite unless asked.

    Written whole: in a folder ``.partial`` beside ``path`` until complete, then moved to
    ``path`` (``sim.model.whole_files``), so a stop or a full disk leaves the earlier file of
    that name (or none), never a truncated model that reads as a smaller one."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise ModelError(f"{path}: exists already; refusing to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        text = json.dumps(to_dict(model), indent=2)
    else:
        text = dumps(model)
    return write_text_whole(path, text)
