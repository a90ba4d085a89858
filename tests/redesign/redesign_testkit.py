"""Tiny models and helpers shared by the redesign tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.model import from_dict, load
from sim.model.process import ProcessModel
from sim.model.trace import Trace

REPO = Path(__file__).resolve().parents[2]
CRM_MODEL = REPO / "configs" / "process" / "crm_sales.yaml"
CRM_SPACE = REPO / "configs" / "redesign" / "crm_sales.yaml"


def crm() -> ProcessModel:
    """The bundled CRM model."""
    return load(CRM_MODEL)


def crm_space_config() -> dict[str, Any]:
    """The CRM search-space config as a plain mapping (a fresh copy each call)."""
    return yaml.safe_load(CRM_SPACE.read_text(encoding="utf-8"))


def fixed(value: float) -> dict[str, Any]:
    """A deterministic duration."""
    return {"dist": "fixed", "value": value}


def build(
    steps: dict[str, dict[str, Any]],
    *,
    roles: dict[str, int] | None = None,
    ends: dict[str, Any] | None = None,
    interarrival: float = 5.0,
    **extra: Any,
) -> ProcessModel:
    """A validated model: 24/7 roles, fixed inter-arrival gaps, one end ``done`` by default."""
    spec: dict[str, Any] = {
        "name": "tiny",
        "start": next(iter(steps)),
        "arrivals": {"interarrival": {"dist": "fixed", "value": interarrival}},
        "roles": {k: {"headcount": v} for k, v in (roles or {"r1": 1, "r2": 1}).items()},
        "steps": steps,
        "ends": ends or {"done": {"success": True}},
    }
    spec.update(extra)
    return from_dict(spec)


def linear(**extra: Any) -> ProcessModel:
    """a (r1, 1 h) -> b (r2, 2 h) -> c (r1, 3 h) -> done; b requires a, c requires b."""
    return build(
        {
            "a": {"role": "r1", "duration": fixed(1), "next": "b"},
            "b": {"role": "r2", "duration": fixed(2), "requires": ["a"], "next": "c"},
            "c": {"role": "r1", "duration": fixed(3), "requires": ["b"], "next": "done"},
        },
        **extra,
    )


def check_model() -> ProcessModel:
    """intake -> review (a check) -> build -> deliver -> done."""
    return build(
        {
            "intake": {"role": "r1", "duration": fixed(1), "mandatory": True, "next": "review"},
            "review": {"role": "r2", "duration": fixed(0.5), "requires": ["intake"],
                       "value_adding": False, "next": "build"},
            "build": {"role": "r1", "duration": fixed(2), "requires": ["intake"],
                      "next": "deliver"},
            "deliver": {"role": "r1", "duration": fixed(1), "requires": ["build"],
                        "mandatory": True, "next": "done"},
        }
    )  # fmt: skip


def verdict_model() -> ProcessModel:
    """prepare -> approve -> ok {send 0.7, prepare 0.3}; per-segment probabilities too."""
    return build(
        {
            "prepare": {"role": "r1", "duration": fixed(1), "next": "approve"},
            "approve": {"role": "r2", "duration": fixed(1), "requires": ["prepare"], "next": "ok"},
            "send": {"role": "r1", "duration": fixed(1), "requires": ["approve"], "next": "done"},
        },
        decisions={
            "ok": {
                "requires": ["approve"],
                "branches": {"send": 0.7, "prepare": 0.3},
                "by_segment": {"big": {"send": 0.6, "prepare": 0.4}},
            }
        },
        arrivals={
            "interarrival": {"dist": "fixed", "value": 5.0},
            "segments": {"big": {"share": 0.5}, "small": {"share": 0.5}},
        },
    )


def move_model() -> ProcessModel:
    """qualify (1 h) -> demo (10 h, expensive) -> fit {offer 0.5, lost 0.5}; fit requires qualify."""
    return build(
        {
            "qualify": {"role": "r1", "duration": fixed(1), "mandatory": True, "next": "demo"},
            "demo": {"role": "r2", "duration": fixed(10), "requires": ["qualify"], "next": "fit"},
            "offer": {"role": "r1", "duration": fixed(1), "requires": ["qualify"], "next": "won"},
        },
        decisions={"fit": {"requires": ["qualify"], "branches": {"offer": 0.5, "lost": 0.5}}},
        ends={"won": {"success": True}, "lost": {"success": False}},
        interarrival=20.0,  # no queueing: a case is done before the next arrives
    )


def cancel_model() -> ProcessModel:
    """Shaped like a calibrated model, where every exit runs ``delay:X -> X -> end:X``:

    a -> gate {consider 0.5, approve_path 0.5}; consider (5 h) -> d {design 0.5, cancel 0.5};
    design -> a (back); delay:cancel -> cancel -> end:cancel (drop-off);
    approve_path -> end:approve (success)."""
    return build(
        {
            "a": {"role": "r1", "duration": fixed(1), "next": "gate"},
            "consider": {"role": "r2", "duration": fixed(5), "next": "d"},
            "design": {"role": "r1", "duration": fixed(1), "next": "a"},
            "delay:cancel": {"duration": fixed(2), "value_adding": False, "next": "cancel"},
            "cancel": {"role": "r1", "duration": fixed(0.5), "next": "end:cancel"},
            "approve_path": {"role": "r1", "duration": fixed(0.5), "next": "end:approve"},
        },
        decisions={
            "gate": {"branches": {"consider": 0.5, "approve_path": 0.5}},
            "d": {"branches": {"design": 0.5, "delay:cancel": 0.5}},
        },
        ends={"end:approve": {"success": True}, "end:cancel": {"success": False}},
        metadata={"timer_steps": ["delay:cancel"]},
        interarrival=50.0,
    )


def events(trace: Trace) -> list[tuple[int, str, float, float]]:
    """``(case, activity, start, end)`` rows, times since the case arrived, in time order."""
    arr = trace.case_arrival
    rows = [
        (
            int(c),
            trace.activities[int(a)],
            round(float(s - arr[c]), 9),
            round(float(e - arr[c]), 9),
        )
        for c, a, s, e in zip(
            trace.ev_case, trace.ev_activity, trace.ev_start, trace.ev_end, strict=True
        )
    ]
    return sorted(rows, key=lambda r: (r[0], r[2], r[3], r[1]))


def outcomes(trace: Trace) -> list[str]:
    """Outcome name per case (``in_progress`` for open cases)."""
    return [trace.outcomes[int(o)] if o >= 0 else "in_progress" for o in trace.case_outcome]


def cycle_times(trace: Trace) -> np.ndarray:
    """End minus arrival per case."""
    return trace.case_end - trace.case_arrival
