"""Builders for small BPMN files and Prosimos parameters, and a model comparison."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from sim.model import ProcessModel, to_dict

BPMN_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d1" '
    'targetNamespace="http://example.org/test">\n'
)

TASK_TAGS = (
    "task",
    "userTask",
    "serviceTask",
    "manualTask",
    "scriptTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
)


def el(tag: str, eid: str, name: str = "", inner: str = "", **attrs: str) -> str:
    """One flow element as XML text."""
    a = "".join(f' {k}="{v}"' for k, v in attrs.items())
    n = f' name="{name}"' if name else ""
    return f'<{tag} id="{eid}"{n}{a}>{inner}</{tag}>'


def flows(*pairs: tuple[str, str] | tuple[str, str, str]) -> str:
    """Sequence flows from (source, target[, id]) pairs; ids default to f_source_target."""
    out = []
    for p in pairs:
        fid = p[2] if len(p) == 3 else f"f_{p[0]}_{p[1]}"
        out.append(f'<sequenceFlow id="{fid}" sourceRef="{p[0]}" targetRef="{p[1]}"/>')
    return "\n".join(out)


def bpmn(*parts: str, lanes: dict[str, list[str]] | None = None, before: str = "") -> str:
    """A BPMN document with one process holding ``parts``."""
    lane_xml = ""
    if lanes:
        lane_xml = (
            "<laneSet id='ls'>"
            + "".join(
                f"<lane id='lane_{k}' name='{name}'>"
                + "".join(f"<flowNodeRef>{n}</flowNodeRef>" for n in nodes)
                + "</lane>"
                for k, (name, nodes) in enumerate(lanes.items())
            )
            + "</laneSet>"
        )
    return (
        BPMN_HEAD
        + before
        + '<process id="p1" name="test process">\n'
        + lane_xml
        + "\n".join(parts)
        + "\n</process>\n</definitions>\n"
    )


def fix(seconds: float) -> dict[str, Any]:
    """A Prosimos fixed duration."""
    return {"distribution_name": "fix", "distribution_params": [{"value": seconds}]}


def expon(mean: float, lo: float, hi: float) -> dict[str, Any]:
    """A Prosimos exponential (pix-framework convention: mean, min, max)."""
    return {
        "distribution_name": "expon",
        "distribution_params": [{"value": mean}, {"value": lo}, {"value": hi}],
    }


ALWAYS_PERIODS = [
    {"from": "MONDAY", "to": "SUNDAY", "beginTime": "00:00:00", "endTime": "23:59:59.999"}
]
OFFICE_PERIODS = [
    {"from": "MONDAY", "to": "FRIDAY", "beginTime": "09:00:00", "endTime": "17:00:00"}
]


def params(
    tasks: dict[str, Any],
    *,
    gateways: dict[str, dict[str, float]] | None = None,
    events: dict[str, dict[str, Any]] | None = None,
    pools: dict[str, int] | None = None,
    pool_of: dict[str, str] | None = None,
    arrival: dict[str, Any] | None = None,
    arrival_calendar: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Prosimos parameters: ``tasks`` maps task id -> distribution (or a list of
    (resource id, distribution)); pools default to one pool 'staff' of 3 people working 24/7."""
    pools = pools or {"staff": 3}
    pool_of = pool_of or {}
    profiles = [
        {
            "id": p,
            "name": p,
            "resource_list": [
                {"id": f"{p}_r", "name": p, "amount": n, "cost_per_hour": 10, "calendar": "c247"}
            ],
        }
        for p, n in pools.items()
    ]
    first = next(iter(pools))
    trd = []
    for tid, spec in tasks.items():
        if isinstance(spec, list):
            res = [{"resource_id": r, **d} for r, d in spec]
        else:
            res = [{"resource_id": f"{pool_of.get(tid, first)}_r", **spec}]
        trd.append({"task_id": tid, "resources": res})
    return {
        "resource_profiles": profiles,
        "resource_calendars": [{"id": "c247", "name": "always", "time_periods": ALWAYS_PERIODS}],
        "task_resource_distribution": trd,
        "gateway_branching_probabilities": [
            {"gateway_id": g, "probabilities": [{"path_id": f, "value": v} for f, v in p.items()]}
            for g, p in (gateways or {}).items()
        ],
        "event_distribution": [{"event_id": e, **d} for e, d in (events or {}).items()],
        "arrival_time_distribution": arrival or expon(600, 0, 60000),
        "arrival_time_calendar": arrival_calendar or ALWAYS_PERIODS,
    }


def write(tmp: Path, name: str, xml: str, prm: dict[str, Any] | None) -> Path:
    """Write ``name``.bpmn (and .json) and return the BPMN path."""
    path = tmp / f"{name}.bpmn"
    path.write_text(xml, encoding="utf-8")
    if prm is not None:
        (tmp / f"{name}.json").write_text(json.dumps(prm), encoding="utf-8")
    return path


def _strip(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _strip(v) for k, v in x.items() if k != "provenance"}
    if isinstance(x, list):
        return [_strip(v) for v in x]
    return x


def _close(a: Any, b: Any, path: str, out: list[str], rel: float) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            out.append(f"{path}: keys {sorted(set(a) ^ set(b))} differ")
        for k in set(a) & set(b):
            _close(a[k], b[k], f"{path}.{k}", out, rel)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: lengths {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _close(x, y, f"{path}[{i}]", out, rel)
    elif isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        if not math.isclose(a, b, rel_tol=rel, abs_tol=1e-12):
            out.append(f"{path}: {a!r} != {b!r}")
    elif a != b:
        out.append(f"{path}: {a!r} != {b!r}")


def model_differences(a: ProcessModel, b: ProcessModel, *, rel: float = 1e-9) -> list[str]:
    """Differences between two models' files, ignoring provenance, floats within ``rel``."""
    out: list[str] = []
    _close(_strip(to_dict(a)), _strip(to_dict(b)), "model", out, rel)
    return out
