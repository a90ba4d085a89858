"""Objectives and constraints of a redesign search, chosen from the KPIs by name.

An objective is a KPI to minimise or maximise (``cycle_time_mean``, ``dropoff_rate``,
``cost_per_case``, ``margin_per_case``, ``headcount`` (people on staff, all roles),
``waiting_mean:legal_review``, ...). A constraint bounds a
KPI (``utilisation_max <= 0.9``). Besides the KPIs of ``sim.kpis`` two derived names exist:

* ``utilisation_max``: the highest utilisation of any role;
* ``one_off_cost``: the one-off cost of the redesign (from the search space).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.errors import ConfigError, did_you_mean
from sim.kpis import kpi_domain
from sim.kpis.summary import SEGMENT_KPIS, SEGMENT_PREFIX, segment_key, segments_in

DIRECTIONS = ("minimize", "maximize")
DERIVED = ("utilisation_max", "one_off_cost")


@dataclass(frozen=True)
class Objective:
    """A KPI to minimise or maximise."""

    kpi: str
    direction: str = "minimize"

    @property
    def sign(self) -> float:
        """+1 when smaller is better, -1 when larger is better."""
        return 1.0 if self.direction == "minimize" else -1.0


@dataclass(frozen=True)
class Constraint:
    """``low <= kpi <= high`` (either bound may be absent)."""

    kpi: str
    high: float | None = None
    low: float | None = None

    def violation(self, value: float) -> float:
        """How far ``value`` is outside the bounds (<= 0 when satisfied; NaN counts as violated)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return 1.0
        v = -math.inf
        if self.high is not None:
            v = max(v, value - self.high)
        if self.low is not None:
            v = max(v, self.low - value)
        return v

    def describe(self) -> str:
        """``kpi <= high`` in words."""
        parts = []
        if self.low is not None:
            parts.append(f"{self.low:g} <=")
        parts.append(self.kpi)
        if self.high is not None:
            parts.append(f"<= {self.high:g}")
        return " ".join(parts)


def derived_value(kpis: Mapping[str, float], name: str) -> float:
    """A KPI's value from a mapping of KPI means, including the derived names."""
    if name == "utilisation_max":
        vals = [v for k, v in kpis.items() if k.startswith("utilisation:") and not math.isnan(v)]
        return max(vals) if vals else math.nan
    return float(kpis.get(name, math.nan))


def measured_nothing(means: Mapping[str, float]) -> bool:
    """Whether KPI means are over replications that all measured nothing: their cases all
    arrived in the warm-up (a ``scenario.max_cases`` reached there), so every KPI a window
    measures is missing (``sim.kpis.summary.unmeasured``). Their ``cases_arrived`` is then
    missing, which no measured replication's is (``sim.kpis.summary.measured_replications``);
    means without that KPI count as measured."""
    value = means.get("cases_arrived")
    return value is not None and math.isnan(float(value))


def constraints_met(means: Mapping[str, float], constraints: Sequence[Constraint]) -> bool | None:
    """Whether KPI means meet ``constraints``: False when a value breaks one (an undefined value
    counts as broken, as in the search), True when none does. Where the replications measured
    nothing (``measured_nothing``), an undefined value was not measured, which breaks nothing:
    None (not judged) when such a value is the only doubt (QA rt27_engine F1: "Today's process
    itself breaks the constraints: utilisation_max undefined")."""
    unmeasured = measured_nothing(means)
    judged: list[bool] = []
    for c in constraints:
        value = derived_value(means, c.kpi)
        if not (unmeasured and math.isnan(value)):
            judged.append(c.violation(value) <= 0)
    if not all(judged):
        return False
    return True if len(judged) == len(constraints) else None


def parse_objectives(spec: Any, *, key: str = "optimizer.objectives") -> tuple[Objective, ...]:
    """``[{kpi: cycle_time_mean, direction: minimize}, ...]`` or ``{cycle_time_mean: minimize}``."""
    if isinstance(spec, Mapping):
        items = [{"kpi": k, "direction": v} for k, v in spec.items()]
    elif isinstance(spec, Sequence) and not isinstance(spec, str):
        items = [s if isinstance(s, Mapping) else {"kpi": s} for s in spec]
    else:
        raise ConfigError(
            f"{key}: expected a list of objectives like [{{kpi: cycle_time_mean, direction: minimize}}]"
        )
    if not items:
        raise ConfigError(f"{key}: needs at least one objective")
    out = []
    for i, item in enumerate(items):
        unknown = sorted(set(item) - {"kpi", "direction"})
        if unknown:
            raise ConfigError(
                f"{key}[{i}]: unknown field(s) {unknown}; valid fields are ['kpi', 'direction']"
            )
        direction = str(item.get("direction", "minimize"))
        if direction not in DIRECTIONS:
            raise ConfigError(
                f"{key}[{i}].direction: expected one of {list(DIRECTIONS)}, got {direction!r}"
            )
        if not item.get("kpi"):
            raise ConfigError(f"{key}[{i}].kpi: missing KPI name")
        out.append(Objective(str(item["kpi"]), direction))
    names = [o.kpi for o in out]
    if len(set(names)) != len(names):
        raise ConfigError(f"{key}: an objective is listed twice: {names}")
    return tuple(out)


def parse_constraints(spec: Any, *, key: str = "optimizer.constraints") -> tuple[Constraint, ...]:
    """``{utilisation_max: {max: 0.9}, dropoff_rate: {max: 0.6}}`` (``min``/``max`` bounds)."""
    if spec is None:
        return ()
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{key}: expected a mapping like {{utilisation_max: {{max: 0.9}}}}")
    out = []
    for name, bounds in spec.items():
        k = f"{key}.{name}"
        if not isinstance(bounds, Mapping):
            raise ConfigError(f"{k}: expected {{max: <number>}} and/or {{min: <number>}}")
        unknown = sorted(set(bounds) - {"min", "max"})
        if unknown:
            raise ConfigError(f"{k}: unknown field(s) {unknown}; valid fields are ['min', 'max']")
        low, high = bounds.get("min"), bounds.get("max")
        for b, v in (("min", low), ("max", high)):
            if v is not None and (
                isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)
            ):
                raise ConfigError(f"{k}.{b}: expected a finite number, got {v!r}")
        if low is None and high is None:
            raise ConfigError(f"{k}: give min and/or max")
        if low is not None and high is not None and low > high:
            raise ConfigError(f"{k}: min {low} is above max {high} (inverted bounds)")
        lo_d, hi_d = constraint_domain(str(name))
        if high is not None and lo_d is not None and high < lo_d:
            raise ConfigError(
                f"{k}.max: expected >= {lo_d:g} ({name} is never below {lo_d:g}, so no "
                f"redesign could meet max {high:g}), got {high:g}"
            )
        if low is not None and hi_d is not None and low > hi_d:
            raise ConfigError(
                f"{k}.min: expected <= {hi_d:g} ({name} is never above {hi_d:g}, so no "
                f"redesign could meet min {low:g}), got {low:g}"
            )
        out.append(
            Constraint(
                str(name),
                None if high is None else float(high),
                None if low is None else float(low),
            )
        )
    return tuple(out)


def constraint_domain(name: str) -> tuple[float | None, float | None]:
    """The values KPI ``name`` can take (``sim.kpis.kpi_domain``; ``utilisation_max`` is a
    utilisation, ``one_off_cost`` a price), ``(None, None)`` when unbounded or unknown."""
    if name == "utilisation_max":
        name = "utilisation"
    if name == "one_off_cost":
        return 0.0, None
    return kpi_domain(name) or (None, None)


#: what a per-item KPI family (``<family>:<item>``) is given for, in the refusal of an unknown
#: item (the others: a step)
ITEM_NOUNS = {
    "utilisation": "role",
    "outcome_share": "end",
    "queue_share": "staffed step",
    "timer_share": "timer step",
}


def _unknown_item(name: str, valid: set[str], *, key: str) -> ConfigError | None:
    """The refusal of a per-step or per-role KPI ``name`` (``waiting_mean:contract_reviw``)
    whose family exists but whose step or role does not, naming the near one (``did_you_mean``)
    and the valid ones; None for another name."""
    family, sep, item = name.partition(":")
    if not sep or name.startswith(SEGMENT_PREFIX):
        return None
    items = sorted(k.partition(":")[2] for k in valid if k.partition(":")[0] == family)
    if not items:
        return None
    noun = ITEM_NOUNS.get(family, "step")
    return ConfigError(
        f"{key}: unknown KPI '{name}': the model has no {noun} '{item}'"
        f"{did_you_mean(item, items)}; {family}:<{noun.rpartition(' ')[2]}> is defined for the "
        f"{noun}s {items}"
    )


def _near(name: str, valid: set[str]) -> str:
    """``did_you_mean`` for an unknown KPI name: among the plain KPIs, or, for a per-item one
    whose family is misspelt, among the families (``waiting_maen:review``)."""
    family, sep, item = name.partition(":")
    if sep and not name.startswith(SEGMENT_PREFIX):
        families = {k.partition(":")[0] for k in valid if ":" in k}
        return did_you_mean(name, [f"{f}:{item}" for f in families if f"{f}:{item}" in valid])
    if name.startswith(SEGMENT_PREFIX):
        return did_you_mean(name, [k for k in valid if k.startswith(SEGMENT_PREFIX)])
    return did_you_mean(name, [k for k in valid if ":" not in k])


#: per-step KPI families a replication names only for the steps its cases reached (the time
#: ones) or dropped off at (``dropoff_at``); ``reached`` and ``visits_per_case`` are there for
#: every step, ``queue_share`` and ``timer_share`` for every staffed and timer step
PER_STEP = ("waiting_mean", "processing_mean", "waiting_share", "reached", "visits_per_case")


def model_kpi_names(model: Any) -> list[str]:
    """The per-step, per-role, per-end and (a model of two or more case segments) per-segment
    KPI names valid for ``model`` whether or not a replication reached the step or end or had
    a case of the segment: a step a few cases reach may be missed by the one replication the
    names are checked against (QA: ``waiting_mean:x`` of a step 3 % of the cases reach was
    refused as "the model has no step 'x'"). A search counts a missing
    ``dropoff_at``/``outcome_share`` as 0 and leaves a step's time undefined where no case
    reached it (``sim.optimize.evaluate``)."""
    names = [f"{family}:{s}" for family in (*PER_STEP, "dropoff_at") for s in model.steps]
    names += [f"utilisation:{r}" for r in model.roles]
    segments = model.arrivals.segment_names
    if len(segments) > 1:  # as ``replication_segment_kpis``: none for a model of one segment
        names += [segment_key(s, k) for s in segments for k in SEGMENT_KPIS]
    return names + [f"outcome_share:{e}" for e in model.ends]


def check_kpi_names(names: Sequence[str], known: Sequence[str], *, key: str) -> None:
    """Refuse KPI names that the simulation does not produce, listing the valid ones and the
    near one (``did_you_mean``): of a per-step or per-role KPI, the model's steps or roles."""
    valid = set(known) | set(DERIVED)
    for n in names:
        if n not in valid:
            item = _unknown_item(n, valid, key=key)
            if item is not None:
                raise item
            plain = sorted(k for k in valid if ":" not in k)
            segments = sorted(segments_in(valid))
            per_segment = (
                f", and per case segment ({segments}) '{SEGMENT_PREFIX}<segment>:<kpi>' with "
                f"<kpi> one of {list(SEGMENT_KPIS)}"
                if segments
                else ""
            )
            if n.startswith(SEGMENT_PREFIX) and not segments:
                per_segment += " (the model has one segment: no per-segment KPIs)"
            raise ConfigError(
                f"{key}: unknown KPI '{n}'{_near(n, valid)}; valid KPIs are {plain} and "
                "per-step/role ones such as "
                f"'waiting_mean:<step>', 'utilisation:<role>'{per_segment}"
            )


def judged_kpis(job: Any) -> list[str]:
    """The KPI names ``job``'s objectives and constraints judge a redesign by."""
    return list(dict.fromkeys([o.kpi for o in job.objectives] + [c.kpi for c in job.constraints]))


def uses_segment_kpis(job: Any) -> bool:
    """Whether an objective or constraint of ``job`` is a case segment's KPI
    (``segment:<segment>:<kpi>``), which the evaluations then compute."""
    names = [o.kpi for o in job.objectives] + [c.kpi for c in job.constraints]
    return any(n.startswith(SEGMENT_PREFIX) for n in names)
