"""The redesign search space as data: which operators may change what, within which bounds.

``SearchSpace.from_dict(config, model)`` reads a mapping such as ``configs/redesign/crm_sales.yaml``
and checks it against the model: every bad value raises ``ConfigError`` naming its key (for
example ``redesign.automate.quote_preparation.one_off_cost``). The space offers

* ``variables``: one ``Variable`` per option, with a plain domain (categorical / int / float) and a
  ``baseline`` value meaning "no change". An optimiser samples them without knowing any operator
  and passes the sampled values as a ``choice``: ``{"remove:quote_approval": True,
  "staffing:legal": 2, "simplify:onboarding": 0.8}`` (a missing variable means its baseline);
* ``apply(model, choice)``: the redesigned model, with the chosen operators applied in the
  canonical order ``CANONICAL_ORDER`` (and, within an operator, in config order). Invalid
  combinations (an operator on a step another one removes or merges away; two of automate /
  simplify / delegate on one step; one-off costs above the budget) are refused with
  ``RedesignRefused`` before anything is built;
* ``one_off_cost(choice)``, ``describe(choice)`` (plain-English sentences), ``active(choice)``
  (only what changes: handy for ablation), ``check(choice)``, ``random_choice(rng)``;
* ``effective(choice)``: a staffing value above the model's headcount for a role that the
  choice's other changes leave without work (its steps removed, merged into another role's,
  automated or delegated) means the model's headcount: nobody is hired to do nothing, so choices
  that differ only by such a hire make one redesign. Every method above reads choices so.

An entry of remove / automate / simplify / delegate with ``steps: [a, b, ...]`` is a group: one
variable that changes every listed step (the passes of an activity), its name a label.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from sim.errors import ConfigError, ModelError, RedesignRefused, did_you_mean
from sim.model.distributions import Distribution
from sim.model.process import ProcessModel
from sim.model.validate import headcount_problem
from sim.redesign.operators import (
    Check,
    automate_step,
    change_staffing,
    delegate_step,
    merge_steps,
    merged_name,
    money,
    move_decision,
    parallelise_steps,
    remove_step,
    simplify_step,
)

__all__ = ["CANONICAL_ORDER", "SearchSpace", "Variable"]

#: The order in which ``SearchSpace.apply`` applies operators: structure first, then the work of
#: single steps, then people. Within one operator, options apply in config order.
CANONICAL_ORDER: tuple[str, ...] = (
    "remove",
    "merge",
    "move_decision",
    "parallelise",
    "automate",
    "simplify",
    "delegate",
    "staffing",
)
TOP_KEYS = ("model", "description", "budget", "checks", *CANONICAL_ORDER)
FLOAT_TOL = 1e-9


# ---------------------------------------------------------------------------------- variable
@dataclass(frozen=True)
class Variable:
    """One decision variable: a name, a domain and the value that means "no change".

    ``kind`` is ``"categorical"`` (``choices``), ``"int"`` (``low``..``high`` inclusive, every
    ``step``) or ``"float"`` (``low``..``high``; a grid of ``step`` when ``step`` is set, else
    continuous). With Optuna: ``suggest_categorical(name, choices)``, ``suggest_int(name, low,
    high, step=step)``, ``suggest_float(name, low, high, step=step)``.
    """

    name: str
    kind: str
    baseline: Any
    choices: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None
    operator: str = ""
    target: str = ""
    key: str = ""

    def normalise(self, value: Any) -> Any:
        """``value`` as a plain Python value of the domain (``ConfigError`` if outside it)."""
        where = f"choice['{self.name}']"
        if self.kind == "categorical":
            if isinstance(value, np.generic):
                value = value.item()
            for c in self.choices:
                if value is c or (type(value) is type(c) and value == c):
                    return c
            raise ConfigError(f"{where}: {value!r} is not one of {list(self.choices)}")
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        x = float(value)
        assert self.low is not None and self.high is not None
        span = max(1.0, abs(self.high - self.low))
        if (
            not math.isfinite(x)
            or x < self.low - FLOAT_TOL * span
            or x > self.high + FLOAT_TOL * span
        ):
            raise ConfigError(f"{where}: {value!r} is outside [{self.low:g}, {self.high:g}]")
        if self.kind == "int":
            if x != round(x):
                raise ConfigError(f"{where}: expected an integer, got {value!r}")
            n = int(round(x))
            if self.step and (n - self.low) % self.step:
                raise ConfigError(
                    f"{where}: {n} is not on the grid {self.low:g} + k * {self.step:g}"
                )
            return n
        x = min(max(x, self.low), self.high)
        if self.step:
            k = (x - self.low) / self.step
            if abs(k - round(k)) > 1e-6:
                raise ConfigError(
                    f"{where}: {value!r} is not on the grid {self.low:g} + k * {self.step:g}"
                )
            x = min(self.high, self.low + round(k) * self.step)
            x = round(x, 12)
        return x

    def values(self) -> tuple[Any, ...]:
        """Every value of a finite domain (``ValueError`` for a continuous float)."""
        if self.kind == "categorical":
            return self.choices
        assert self.low is not None and self.high is not None
        if self.kind == "int":
            return tuple(range(int(self.low), int(self.high) + 1, int(self.step or 1)))
        if not self.step:
            raise ValueError(f"{self.name}: a continuous variable has no finite list of values")
        n = int(round((self.high - self.low) / self.step))
        return tuple(round(min(self.high, self.low + k * self.step), 12) for k in range(n + 1))

    def sample(self, rng: np.random.Generator) -> Any:
        """A uniformly random value of the domain."""
        if self.kind == "float" and not self.step:
            assert self.low is not None and self.high is not None
            return float(rng.uniform(self.low, self.high))
        vals = self.values()
        return vals[int(rng.integers(len(vals)))]


# ----------------------------------------------------------------------------------- options
@dataclass(frozen=True)
class Option:
    """One operator that may apply to one target (a step, decision, role or group of steps)."""

    operator: ClassVar[str] = ""
    target: str
    key: str
    one_off_cost: float = 0.0
    #: The steps the option changes together, as one choice (e.g. every pass of an activity in
    #: a calibrated model); empty: the step ``target`` alone. Merge and parallelise: their parts.
    steps: tuple[str, ...] = ()

    @property
    def targets(self) -> tuple[str, ...]:
        """The steps the option changes: ``steps``, or ``target`` alone."""
        return self.steps or (self.target,)

    @property
    def name(self) -> str:
        """The decision variable's name, ``"<operator>:<target>"``."""
        return f"{self.operator}:{self.target}"

    @property
    def variable(self) -> Variable:
        """A yes/no variable by default."""
        return Variable(
            self.name, "categorical", False, choices=(False, True),
            operator=self.operator, target=self.target, key=self.key,
        )  # fmt: skip

    def is_active(self, value: Any) -> bool:
        """Whether ``value`` changes anything."""
        return value != self.variable.baseline

    def cost(self, value: Any) -> float:
        """The one-off cost of ``value``."""
        return float(self.one_off_cost) if self.is_active(value) else 0.0

    def cheapest(self) -> float:
        """The lowest one-off cost of any active value."""
        return float(self.one_off_cost)

    def strongest(self) -> Any:
        """The active value that changes most (used to check the option against the model)."""
        return True

    def apply(self, model: ProcessModel, value: Any) -> ProcessModel:
        raise NotImplementedError

    def _each(
        self, model: ProcessModel, change: Callable[[ProcessModel, str, float], ProcessModel]
    ) -> ProcessModel:
        """``change(model, step, one_off_cost)`` on each of ``targets``, the one-off cost
        counted once (on the first); a group's changes recorded as one change of ``target``."""
        if not self.steps:
            return change(model, self.target, self.one_off_cost)
        before = len(model.metadata.get("changes", ()))
        out = model
        for i, step in enumerate(self.steps):
            out = change(out, step, self.one_off_cost if i == 0 else 0.0)
        return _as_one_change(out, before, self)

    # names for the conflict rules
    def consumes(self) -> frozenset[str]:
        """Nodes that disappear (removed or merged away)."""
        return frozenset()

    def uses(self) -> frozenset[str]:
        """Nodes the option works on or refers to."""
        return frozenset(self.targets)

    def works_on(self) -> frozenset[str]:
        """Steps whose work the option changes (at most one such option per step)."""
        return frozenset()


@dataclass(frozen=True)
class RemoveOption(Option):
    operator: ClassVar[str] = "remove"
    check: Check | None = None

    def apply(self, model: ProcessModel, value: Any) -> ProcessModel:
        return self._each(
            model, lambda m, step, cost: remove_step(m, step, check=self.check, one_off_cost=cost)
        )

    def consumes(self) -> frozenset[str]:
        verdict = {self.check.verdict} if self.check and self.check.verdict else set()
        return frozenset({*self.targets, *verdict})

    def uses(self) -> frozenset[str]:
        refs = {self.check.found_at, self.check.rework_to} if self.check else set()
        return frozenset({*self.targets, *refs})


@dataclass(frozen=True)
class MergeOption(Option):
    operator: ClassVar[str] = "merge"
    steps: tuple[str, ...] = ()
    role: str | None = None
    setup_saving: float = 0.0

    def apply(self, model: ProcessModel, value: Any) -> ProcessModel:
        return merge_steps(
            model,
            self.steps,
            role=self.role,
            setup_saving=self.setup_saving,
            name=self.target,
            one_off_cost=self.one_off_cost,
        )

    def consumes(self) -> frozenset[str]:
        return frozenset(self.steps)

    def uses(self) -> frozenset[str]:
        return frozenset(self.steps)


@dataclass(frozen=True)
class MoveDecisionOption(Option):
    operator: ClassVar[str] = "move_decision"

    def apply(self, model: ProcessModel, value: Any) -> ProcessModel:
        return move_decision(model, self.target, one_off_cost=self.one_off_cost)


@dataclass(frozen=True)
class ParalleliseOption(Option):
    operator: ClassVar[str] = "parallelise"
    steps: tuple[str, ...] = ()

    def apply(self, model: ProcessModel, value: Any) -> ProcessModel:
        return parallelise_steps(model, self.steps, one_off_cost=self.one_off_cost)

    def uses(self) -> frozenset[str]:
        return frozenset(self.steps)


@dataclass(frozen=True)
class AutomateOption(Option):
    operator: ClassVar[str] = "automate"
    duration: Distribution = field(default_factory=lambda: Distribution.fixed(0.0))
    cost_per_execution: float = 0.0
    error_rate: float = 0.0
    rework_to: str | None = None

    def apply(self, model: ProcessModel, value: Any) -> ProcessModel:
        return self._each(
            model,
            lambda m, step, cost: automate_step(
                m,
                step,
                duration=self.duration,
                cost_per_execution=self.cost_per_execution,
                one_off_cost=cost,
                error_rate=self.error_rate,
                rework_to=self.rework_to,
            ),
        )

    def uses(self) -> frozenset[str]:
        extra = {self.rework_to} if self.rework_to and self.error_rate > 0 else set()
        return frozenset({*self.targets, *extra})

    def works_on(self) -> frozenset[str]:
        return frozenset(self.targets)


@dataclass(frozen=True)
class SimplifyOption(Option):
    """``one_off_cost`` here is per percent of duration saved."""

    operator: ClassVar[str] = "simplify"
    min_factor: float = 1.0
    factor_step: float | None = None

    @property
    def variable(self) -> Variable:
        return Variable(
            self.name, "float", 1.0, low=self.min_factor, high=1.0, step=self.factor_step,
            operator=self.operator, target=self.target, key=self.key,
        )  # fmt: skip

    def is_active(self, value: Any) -> bool:
        return value < 1.0

    def cost(self, value: Any) -> float:
        return round(self.one_off_cost * 100.0 * max(0.0, 1.0 - value), 6)

    def cheapest(self) -> float:
        return self.cost(1.0 - self.factor_step) if self.factor_step else 0.0

    def strongest(self) -> Any:
        return self.min_factor

    def apply(self, model: ProcessModel, value: Any) -> ProcessModel:
        # the one-off cost per percent saved is paid once for the group: it is one change
        whole = replace(self, one_off_cost=self.cost(value))
        return whole._each(
            model, lambda m, step, cost: simplify_step(m, step, factor=value, one_off_cost=cost)
        )

    def works_on(self) -> frozenset[str]:
        return frozenset(self.targets)


@dataclass(frozen=True)
class DelegateOption(Option):
    operator: ClassVar[str] = "delegate"
    to_role: str = ""
    duration_factor: float = 1.0

    def apply(self, model: ProcessModel, value: Any) -> ProcessModel:
        return self._each(
            model,
            lambda m, step, cost: delegate_step(
                m, step, to_role=self.to_role, duration_factor=self.duration_factor,
                one_off_cost=cost,
            ),
        )  # fmt: skip

    def works_on(self) -> frozenset[str]:
        return frozenset(self.targets)


@dataclass(frozen=True)
class StaffingOption(Option):
    """``one_off_cost`` here is per person hired above the model's headcount."""

    operator: ClassVar[str] = "staffing"
    low: int = 0
    high: int = 0
    current: int = 0

    @property
    def variable(self) -> Variable:
        return Variable(
            self.name, "int", self.current, low=self.low, high=self.high, step=1,
            operator=self.operator, target=self.target, key=self.key,
        )  # fmt: skip

    def cost(self, value: Any) -> float:
        return float(self.one_off_cost) * max(0, int(value) - self.current)

    def cheapest(self) -> float:
        return 0.0 if self.low < self.current else float(self.one_off_cost)

    def strongest(self) -> Any:
        return self.high

    def apply(self, model: ProcessModel, value: Any) -> ProcessModel:
        return change_staffing(model, self.target, headcount=value, one_off_cost=self.cost(value))

    def uses(self) -> frozenset[str]:
        return frozenset()


# ------------------------------------------------------------------------------------ space
@dataclass(frozen=True, eq=False)
class SearchSpace:
    """The options of a redesign search, checked against ``model`` (see the module docstring)."""

    model: ProcessModel
    options: tuple[Option, ...]
    budget: float | None = None
    prefix: str = "redesign"
    #: ``_without_work``'s answers by the active changes of the other operators
    _idle: dict[tuple[tuple[str, Any], ...], frozenset[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # ---------------------------------------------------------------------------- variables
    @property
    def variables(self) -> tuple[Variable, ...]:
        """The decision variables, in canonical order."""
        return tuple(o.variable for o in self.options)

    def baseline(self) -> dict[str, Any]:
        """The choice that changes nothing."""
        return {v.name: v.baseline for v in self.variables}

    def random_choice(
        self, rng: np.random.Generator | int | None = None, *, conditional: bool = True
    ) -> dict[str, Any]:
        """A uniformly random choice (for random search): through ``sample`` when
        ``conditional`` (no conflicting combinations), else every variable independently."""
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        if conditional:
            return self.sample(lambda v: v.sample(gen))
        return {v.name: v.sample(gen) for v in self.variables}

    def sample(self, suggest: Callable[[Variable], Any]) -> dict[str, Any]:
        """Build a choice variable by variable, in canonical order (define-by-run).

        ``suggest(variable)`` returns a value of the variable's domain (with Optuna: the
        matching ``trial.suggest_*`` call). It is asked only for variables that can still change
        something: a variable that conflicts with an active one before it, or whose cheapest
        change no longer fits the budget, is left out (it keeps its baseline). So the choice never
        combines conflicting changes; it can still be refused when the sampled values together
        cost more than the budget or the operators refuse the combination.

        A staffing value above the model's headcount for a role that the changes chosen before
        it leave without work is recorded as the model's headcount (``effective``): no hire.
        """
        choice: dict[str, Any] = {}
        chosen: list[tuple[Option, Any]] = []
        spent = 0.0
        for o in self.options:
            if any(_conflict(a, o) for a, _ in chosen):
                continue
            if self.budget is not None and spent + o.cheapest() > self.budget + 1e-6:
                continue
            value = o.variable.normalise(suggest(o.variable))
            if _idle_hire(o, value, lambda: self._without_work(choice)):
                value = o.current
            choice[o.name] = value
            if o.is_active(value):
                chosen.append((o, value))
                spent += o.cost(value)
        return choice

    def _values(self, choice: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(choice, Mapping):
            raise ConfigError(f"choice: expected a mapping of variable -> value, got {choice!r}")
        known = {o.name: o for o in self.options}
        unknown = sorted(set(choice) - set(known))
        if unknown:
            raise ConfigError(
                f"choice: unknown variable(s) {unknown}; the variables are {list(known)}"
            )
        values = {
            o.name: o.variable.normalise(choice[o.name])
            if o.name in choice
            else o.variable.baseline
            for o in self.options
        }
        for o in self.options:
            if _idle_hire(o, values[o.name], lambda: self._without_work(values)):
                values[o.name] = o.current
        return values

    def _without_work(self, values: Mapping[str, Any]) -> frozenset[str]:
        """The roles that some step of the model needs and no step of the redesign ``values``
        (variable -> value; a missing one its baseline) needs: their steps removed, merged
        into another role's, automated or delegated. Only the other operators' changes count
        (staffing changes no step). Empty when those changes are refused together: the choice
        is refused anyway."""
        others = tuple(
            (o.name, values[o.name])
            for o in self.options
            if not isinstance(o, StaffingOption)
            and o.name in values
            and o.is_active(values[o.name])
        )
        if others not in self._idle:
            by_name = {o.name: o for o in self.options}
            out = self.model
            try:
                for name, value in others:
                    out = by_name[name].apply(out, value)
            except RedesignRefused:
                self._idle[others] = frozenset()
            else:
                self._idle[others] = _working_roles(self.model) - _working_roles(out)
        return self._idle[others]

    def effective(self, choice: Mapping[str, Any]) -> dict[str, Any]:
        """The variables of ``choice`` with the values the redesign uses: a staffing value above
        the model's headcount for a role that the choice's other changes leave without work
        (its steps removed, merged into another role's, automated or delegated) is the model's
        headcount. Such people could only be paid for no work, so the choice hires nobody
        there, pays no one-off cost for it and makes the same redesign as without it (the same
        ``active``, ``describe``, ``one_off_cost`` and ``apply``, which all read it so)."""
        values = self._values(choice)
        return {name: values[name] for name in choice}

    def active(self, choice: Mapping[str, Any]) -> dict[str, Any]:
        """Only the variables of ``choice`` that change something, in canonical order."""
        values = self._values(choice)
        return {o.name: values[o.name] for o in self.options if o.is_active(values[o.name])}

    def one_off_cost(self, choice: Mapping[str, Any]) -> float:
        """The total one-off cost of the changes ``choice`` makes."""
        values = self._values(choice)
        return float(sum(o.cost(values[o.name]) for o in self.options))

    def describe(self, choice: Mapping[str, Any]) -> list[str]:
        """One plain-English sentence per change, in canonical order."""
        values = self._values(choice)
        out = []
        for o in self.options:
            v = values[o.name]
            if not o.is_active(v):
                continue
            if isinstance(o, StaffingOption):
                people = "person" if v == 1 else "people"
                text = f"Staff {o.target} with {v} {people} instead of {o.current}"
                cost = o.cost(v)
                out.append(f"{text} (one-off cost {money(cost)})" if cost else text)
                continue
            try:
                out.append(o.apply(self.model, v).metadata["changes"][-1]["summary"])
            except RedesignRefused:  # only valid together with other changes
                out.append(f"{o.name} = {v!r}")
        return out

    # -------------------------------------------------------------------------------- apply
    def check(self, choice: Mapping[str, Any]) -> dict[str, Any]:
        """The active part of ``choice`` when it is a valid combination; else RedesignRefused.

        Cheap: checks the budget and the conflict rules, building a model only to see whether
        a hire's role still has work (``effective``). ``apply`` calls it.
        """
        values = self._values(choice)
        chosen = [o for o in self.options if o.is_active(values[o.name])]
        total = sum(o.cost(values[o.name]) for o in chosen)
        if self.budget is not None and total > self.budget + 1e-6:
            parts = ", ".join(
                f"{o.name} {money(o.cost(values[o.name]))}"
                for o in chosen
                if o.cost(values[o.name])
            )
            raise RedesignRefused(
                f"one-off cost {money(total)} is over the budget of {money(self.budget)} "
                f"({self.prefix}.budget): {parts}"
            )
        for i, a in enumerate(chosen):
            for b in chosen[i + 1 :]:
                reason = _conflict(a, b)
                if reason:
                    raise RedesignRefused(reason)
        return {o.name: values[o.name] for o in chosen}

    def apply(self, model: ProcessModel, choice: Mapping[str, Any]) -> ProcessModel:
        """``model`` redesigned by ``choice``, operators in ``CANONICAL_ORDER``.

        Every change is appended to ``metadata["changes"]`` with its ``variable`` and ``value``.
        Raises ``RedesignRefused`` for an invalid combination, ``ConfigError`` for a malformed
        choice (unknown variable, value outside its domain).
        """
        chosen = self.check(choice)
        by_name = {o.name: o for o in self.options}
        out = model
        done: list[str] = []
        for name, value in chosen.items():
            try:
                out = by_name[name].apply(out, value)
            except RedesignRefused as exc:
                after = f" (after {', '.join(done)})" if done else ""
                raise RedesignRefused(f"{name}{after}: {exc}") from None
            changes = list(out.metadata["changes"])
            changes[-1] = {**changes[-1], "variable": name, "value": value}
            out = replace(out, metadata={**out.metadata, "changes": changes})
            done.append(name)
        if not done:
            meta = dict(model.metadata)
            meta["changes"] = [dict(c) for c in model.metadata.get("changes", ())]
            out = replace(model, metadata=meta)
        return out

    # -------------------------------------------------------------------------------- build
    @classmethod
    def from_dict(
        cls, config: Mapping[str, Any], model: ProcessModel, *, prefix: str = "redesign"
    ) -> SearchSpace:
        """Read a search-space config and check it against ``model`` (``ConfigError`` naming the
        key on any problem). See ``configs/redesign/crm_sales.yaml`` for the format.

        Each entry is applied alone to ``model``, so one its operator refuses there (an
        ``automate`` entry for a step no role does, a ``merge`` of two branches of a parallel
        block) is a ``ConfigError`` naming the entry's key, with the operator's reason."""
        cfg = _mapping(prefix, _plain_config(config))
        _fields(prefix, cfg, TOP_KEYS)
        if cfg.get("model") is not None and str(cfg["model"]) != model.name:
            raise ConfigError(
                f"{prefix}.model: this search space is for model '{cfg['model']}', "
                f"not '{model.name}'"
            )
        p = _Parser(prefix, model)
        checks = p.checks(cfg.get("checks"))
        options: list[Option] = []
        options += p.remove(cfg.get("remove"), checks)
        options += p.merge(cfg.get("merge"))
        options += p.move_decision(cfg.get("move_decision"))
        options += p.parallelise(cfg.get("parallelise"))
        options += p.automate(cfg.get("automate"))
        options += p.simplify(cfg.get("simplify"))
        options += p.delegate(cfg.get("delegate"))
        options += p.staffing(cfg.get("staffing"))
        if not options:
            raise ConfigError(
                f"{prefix}: the search space is empty; give at least one of {list(CANONICAL_ORDER)}"
            )
        for o in options:  # each option alone must work on the model itself
            if isinstance(o, StaffingOption):
                continue
            try:
                o.apply(model, o.strongest())
            except RedesignRefused as exc:
                raise ConfigError(f"{o.key}: {exc}") from None
        budget = cfg.get("budget")
        if budget is not None:
            budget = _number(f"{prefix}.budget", budget, low=0.0)
            cheapest = min(options, key=lambda o: o.cheapest())
            if cheapest.cheapest() > budget:
                raise ConfigError(
                    f"{prefix}.budget: {money(budget)} allows none of the changes; the cheapest, "
                    f"{cheapest.name}, costs {money(cheapest.cheapest())}"
                )
        return cls(model=model, options=tuple(options), budget=budget, prefix=prefix)


def _as_one_change(model: ProcessModel, before: int, option: Option) -> ProcessModel:
    """``model`` with the changes recorded after the first ``before`` (one per step of a group
    option) folded into one: the group's name as target, its steps in ``parameters["steps"]``,
    the one-off costs summed, and the first step's summary naming the group."""
    changes = [dict(c) for c in model.metadata["changes"]]
    done, first = changes[before:], changes[before]
    steps = list(option.steps)
    shown = ", ".join(f"'{s}'" for s in steps[:2]) + (", ..." if len(steps) > 2 else "")
    group = f"'{option.target}' [{len(steps)} steps: {shown}]"
    summary = str(first["summary"]).replace(f"'{steps[0]}'", group, 1)
    one = {
        **first,
        "target": option.target,
        "parameters": {**first["parameters"], "steps": steps},
        "one_off_cost": float(sum(c["one_off_cost"] for c in done)),
        "summary": summary,
    }
    return replace(model, metadata={**model.metadata, "changes": [*changes[:before], one]})


def _working_roles(model: ProcessModel) -> set[str]:
    """The roles some step of ``model`` needs (alternative roles included)."""
    return {r for step in model.steps.values() for r in step.all_roles}


def _idle_hire(option: Option, value: Any, without_work: Callable[[], frozenset[str]]) -> bool:
    """Whether ``value`` of ``option`` hires people into a role with no work (``without_work``:
    the roles the other changes leave without work, asked only for such a hire)."""
    return (
        isinstance(option, StaffingOption)
        and value > option.current
        and option.target in without_work()
    )


def _conflict(a: Option, b: Option) -> str | None:
    """Why options ``a`` and ``b`` cannot both be active (None when they can)."""
    for x, y in ((a, b), (b, a)):
        gone = x.consumes() & (y.uses() | y.consumes())
        if gone:
            verb = "removed" if x.operator == "remove" else "merged into another step"
            return (
                f"{a.name} and {b.name} cannot be combined: '{sorted(gone)[0]}' is {verb} "
                f"by {x.name}"
            )
    both = a.works_on() & b.works_on()
    if both:
        return (
            f"{a.name} and {b.name} cannot be combined: at most one of automate, simplify and "
            f"delegate per step ('{sorted(both)[0]}')"
        )
    return None


# ------------------------------------------------------------------------------ config parse
def _plain_config(value: Any) -> Any:
    """Any mapping / sequence (an OmegaConf ``DictConfig`` too) as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {k: _plain_config(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_plain_config(v) for v in value]
    return value


def _mapping(key: str, value: Any, *, allow_none: bool = False) -> dict[str, Any]:
    if value is None and allow_none:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{key}: expected a mapping, got {type(value).__name__} {value!r}")
    return {str(k): v for k, v in value.items()}


def _fields(key: str, spec: Mapping[str, Any], allowed: Sequence[str]) -> None:
    unknown = [k for k in spec if k not in allowed]
    if unknown:
        hint = did_you_mean(unknown[0], allowed) if len(unknown) == 1 else ""
        raise ConfigError(f"{key}: unknown key(s) {unknown}{hint}; valid keys are {list(allowed)}")


def _entries(key: str, value: Any) -> dict[str, dict[str, Any]]:
    """A list of names or a mapping name -> options (or null)."""
    if value is None:
        return {}
    if isinstance(value, str):
        value = [value]
    if isinstance(value, Mapping):
        return {str(k): _mapping(f"{key}.{k}", v, allow_none=True) for k, v in value.items()}
    if isinstance(value, Sequence):
        out: dict[str, dict[str, Any]] = {}
        for i, v in enumerate(value):
            if not isinstance(v, str):
                raise ConfigError(f"{key}[{i}]: expected a name, got {v!r}")
            out[v] = {}
        return out
    raise ConfigError(f"{key}: expected a list of names or a mapping, got {value!r}")


def _number(
    key: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    high_open: bool = False,
    low_open: bool = False,
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key}: expected a number, got {value!r}")
    x = float(value)
    too_low = low is not None and (x <= low if low_open else x < low)
    too_high = high is not None and (x >= high if high_open else x > high)
    if not math.isfinite(x) or too_low or too_high:
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        rng = f"{'(' if low_open else '['}{lo}, {hi}{')' if high_open else ']'}"
        raise ConfigError(f"{key}: expected a number in {rng}, got {value!r}")
    return x


def _integer(key: str, value: Any, *, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ConfigError(f"{key}: expected an integer, got {value!r}")
    if value < low:
        raise ConfigError(f"{key}: expected an integer >= {low}, got {value!r}")
    return int(value)


class _Parser:
    def __init__(self, prefix: str, model: ProcessModel) -> None:
        self.prefix = prefix
        self.model = model

    # names
    def step(self, key: str, name: Any) -> str:
        if name not in self.model.steps:
            raise ConfigError(
                f"{key}: unknown step {name!r}{did_you_mean(name, self.model.steps)}; valid "
                f"steps are {sorted(self.model.steps)}"
            )
        return str(name)

    def node(self, key: str, name: Any, kinds: tuple[str, ...]) -> str:
        try:
            kind = self.model.node_kind(name)
        except (KeyError, TypeError):
            kind = None
        if kind not in kinds:
            valid = sorted(n for n in self.model.node_names() if self.model.node_kind(n) in kinds)
            raise ConfigError(
                f"{key}: unknown {' or '.join(kinds)} {name!r}{did_you_mean(name, valid)}; "
                f"valid are {valid}"
            )
        return str(name)

    def role(self, key: str, name: Any) -> str:
        if name not in self.model.roles:
            raise ConfigError(
                f"{key}: unknown role {name!r}{did_you_mean(name, self.model.roles)}; valid "
                f"roles are {sorted(self.model.roles)}"
            )
        return str(name)

    def cost(self, key: str, spec: Mapping[str, Any], name: str = "one_off_cost") -> float:
        return _number(f"{key}.{name}", spec.get(name, 0.0), low=0.0)

    def group(self, key: str, name: str, spec: Mapping[str, Any]) -> tuple[str, ...]:
        """The ``steps`` of an entry that changes several steps as one choice (``()`` when it
        names one step): two or more distinct steps; the entry's name labels them and may be a
        step only when it is one of them (e.g. an activity named by its first pass)."""
        steps = spec.get("steps")
        if steps is None:
            self.step(key, name)
            return ()
        if isinstance(steps, str) or not isinstance(steps, Sequence) or len(steps) < 2:
            raise ConfigError(
                f"{key}.steps: expected a list of at least two steps changed together (e.g. "
                f"every pass of an activity), got {steps!r}; for one step, name it as the entry"
            )
        out = tuple(self.step(f"{key}.steps", s) for s in steps)
        if len(set(out)) < len(out):
            raise ConfigError(f"{key}.steps: a step is listed twice in {list(out)}")
        if name in self.model.steps and name not in out:
            raise ConfigError(
                f"{key}: the name '{name}' is a step that is not among its steps {list(out)}; "
                "name the group after one of them (or anything that is not a step)"
            )
        return out

    def specs(
        self,
        section: str,
        value: Any,
        name: Callable[[str, Any], str],
        allowed: Sequence[str],
    ) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(name, key, spec) for each entry of a section that maps a name to a spec: ``name``
        checks the name (``self.step`` or ``self.role``), the spec must be a mapping with only
        ``allowed`` keys. Lazy, so each entry is checked only when the caller's loop reaches it.
        With ``steps`` among ``allowed``, an entry that lists ``steps`` is a group, its name a
        label (``group``)."""
        key = f"{self.prefix}.{section}"
        for entry, spec in _mapping(key, value, allow_none=True).items():
            k = f"{key}.{entry}"
            spec = _mapping(k, spec)
            if "steps" not in allowed or "steps" not in spec:
                name(k, entry)
            _fields(k, spec, allowed)
            yield entry, k, spec

    # sections
    def checks(self, value: Any) -> dict[str, Check]:
        out = {}
        allowed = ("catch_rate", "escaped_errors_found_at", "rework_to", "verdict", "pass_to")
        for step, k, spec in self.specs("checks", value, self.step, allowed):
            for req in ("escaped_errors_found_at", "rework_to"):
                if spec.get(req) is None:
                    raise ConfigError(f"{k}.{req}: missing (where escaped errors go)")
            verdict = spec.get("verdict")
            pass_to = spec.get("pass_to")
            if verdict is not None:
                verdict = self.node(f"{k}.verdict", verdict, ("decision",))
                targets = [b.to for b in self.model.decisions[verdict].branches]
                if pass_to not in targets:
                    raise ConfigError(
                        f"{k}.pass_to: must be one of the branches of '{verdict}', {targets}; "
                        f"got {pass_to!r}"
                    )
            elif pass_to is not None:
                raise ConfigError(f"{k}.pass_to: only meaningful with a verdict")
            catch = spec.get("catch_rate")
            if catch is None and verdict is None:
                raise ConfigError(f"{k}.catch_rate: missing (share of passes the check catches)")
            if catch is not None:
                catch = _number(f"{k}.catch_rate", catch, low=0.0, high=1.0, high_open=True)
            out[step] = Check(
                found_at=self.step(f"{k}.escaped_errors_found_at", spec["escaped_errors_found_at"]),
                rework_to=self.node(
                    f"{k}.rework_to", spec["rework_to"], ("step", "decision", "end")
                ),
                catch_rate=catch,
                verdict=verdict,
                pass_to=pass_to,
            )
        return out

    def remove(self, value: Any, checks: dict[str, Check]) -> list[Option]:
        key = f"{self.prefix}.remove"
        out: list[Option] = []
        for step, spec in _entries(key, value).items():
            k = f"{key}.{step}"
            _fields(k, spec, ("one_off_cost", "steps"))
            group = self.group(k, step, spec)
            checked = [s for s in group if s in checks]
            if checked:
                raise ConfigError(
                    f"{k}.steps: '{checked[0]}' has a checks: entry, which describes the removal "
                    "of that one step; remove it in an entry of its own"
                )
            out.append(
                RemoveOption(step, k, self.cost(k, spec), steps=group, check=checks.get(step))
            )
        return out

    def merge(self, value: Any) -> list[Option]:
        key = f"{self.prefix}.merge"
        out: list[Option] = []
        for name, spec in _mapping(key, value, allow_none=True).items():
            k = f"{key}.{name}"
            spec = _mapping(k, spec, allow_none=True)
            _fields(k, spec, ("steps", "role", "setup_saving", "one_off_cost"))
            steps = spec.get("steps", name.split("+"))
            if isinstance(steps, str) or not isinstance(steps, Sequence) or len(steps) < 2:
                raise ConfigError(
                    f"{k}.steps: expected a list of at least two steps, got {steps!r}"
                )
            steps = tuple(self.step(f"{k}.steps", s) for s in steps)
            role = spec.get("role")
            if role is not None:
                role = self.role(f"{k}.role", role)
            saving = _number(
                f"{k}.setup_saving",
                spec.get("setup_saving", 0.0),
                low=0.0,
                high=1.0,
                high_open=True,
            )
            if name != merged_name(steps) and name in self.model.node_names():
                raise ConfigError(f"{k}: the name '{name}' is already a node of the model")
            out.append(MergeOption(name, k, self.cost(k, spec), steps=steps, role=role,
                                   setup_saving=saving))  # fmt: skip
        return out

    def move_decision(self, value: Any) -> list[Option]:
        key = f"{self.prefix}.move_decision"
        out: list[Option] = []
        for name, spec in _entries(key, value).items():
            k = f"{key}.{name}"
            self.node(k, name, ("decision",))
            _fields(k, spec, ("one_off_cost",))
            out.append(MoveDecisionOption(name, k, self.cost(k, spec)))
        return out

    def parallelise(self, value: Any) -> list[Option]:
        key = f"{self.prefix}.parallelise"
        out: list[Option] = []
        for name, spec in _entries(key, value).items():
            k = f"{key}.{name}"
            _fields(k, spec, ("steps", "one_off_cost"))
            steps = spec.get("steps", name.split("|"))
            if isinstance(steps, str) or not isinstance(steps, Sequence) or len(steps) != 2:
                raise ConfigError(
                    f"{k}: name two steps as 'a|b' (or give steps: [a, b]), got {steps!r}"
                )
            steps = tuple(self.step(f"{k}.steps", s) for s in steps)
            out.append(ParalleliseOption(name, k, self.cost(k, spec), steps=steps))
        return out

    def automate(self, value: Any) -> list[Option]:
        out: list[Option] = []
        allowed = (
            "duration", "cost_per_execution", "one_off_cost", "error_rate", "rework_to", "steps",
        )  # fmt: skip
        for step, k, spec in self.specs("automate", value, self.step, allowed):
            group = self.group(k, step, spec)
            if spec.get("duration") is None:
                raise ConfigError(f"{k}.duration: missing (how long the automated step takes)")
            try:
                dist = Distribution.from_dict(spec["duration"], where=f"{k}.duration")
            except ModelError as exc:
                raise ConfigError(str(exc)) from None
            rework = spec.get("rework_to")
            if rework is not None:
                rework = self.node(f"{k}.rework_to", rework, ("step", "decision", "end"))
            out.append(
                AutomateOption(
                    step,
                    k,
                    self.cost(k, spec),
                    steps=group,
                    duration=dist,
                    cost_per_execution=self.cost(k, spec, "cost_per_execution"),
                    error_rate=_number(
                        f"{k}.error_rate", spec.get("error_rate", 0.0), low=0.0, high=1.0,
                        high_open=True,
                    ),
                    rework_to=rework,
                )
            )  # fmt: skip
        return out

    def simplify(self, value: Any) -> list[Option]:
        out: list[Option] = []
        allowed = ("min_factor", "factor_step", "one_off_cost_per_percent", "steps")
        for step, k, spec in self.specs("simplify", value, self.step, allowed):
            group = self.group(k, step, spec)
            if spec.get("min_factor") is None:
                raise ConfigError(f"{k}.min_factor: missing (the shortest duration, as a factor)")
            low = _number(f"{k}.min_factor", spec["min_factor"], low=0.0, high=1.0,
                          low_open=True, high_open=True)  # fmt: skip
            grid = spec.get("factor_step")
            if grid is not None:
                grid = _number(f"{k}.factor_step", grid, low=0.0, high=1.0 - low, low_open=True)
                n = (1.0 - low) / grid
                if abs(n - round(n)) > 1e-6:
                    raise ConfigError(
                        f"{k}.factor_step: {grid:g} does not divide 1 - min_factor = {1 - low:g}"
                    )
            per_pct = self.cost(k, spec, "one_off_cost_per_percent")
            out.append(
                SimplifyOption(step, k, per_pct, steps=group, min_factor=low, factor_step=grid)
            )
        return out

    def delegate(self, value: Any) -> list[Option]:
        out: list[Option] = []
        allowed = ("to_role", "duration_factor", "one_off_cost", "steps")
        for step, k, spec in self.specs("delegate", value, self.step, allowed):
            group = self.group(k, step, spec)
            if spec.get("to_role") is None:
                raise ConfigError(f"{k}.to_role: missing (the role that takes the step over)")
            out.append(
                DelegateOption(
                    step,
                    k,
                    self.cost(k, spec),
                    steps=group,
                    to_role=self.role(f"{k}.to_role", spec["to_role"]),
                    duration_factor=_number(
                        f"{k}.duration_factor", spec.get("duration_factor", 1.0), low=0.0,
                        low_open=True,
                    ),
                )
            )  # fmt: skip
        return out

    def staffing(self, value: Any) -> list[Option]:
        out: list[Option] = []
        allowed = ("min", "max", "one_off_cost_per_hire")
        for role, k, spec in self.specs("staffing", value, self.role, allowed):
            for b in ("min", "max"):
                if spec.get(b) is None:
                    raise ConfigError(f"{k}.{b}: missing (bounds of the headcount)")
            low = _integer(f"{k}.min", spec["min"])
            high = _integer(f"{k}.max", spec["max"])
            if low > high:
                raise ConfigError(f"{k}: min {low} is above max {high} (inverted bounds)")
            wrong = headcount_problem(f"{k}.max", high)  # every trial beyond it would fail
            if wrong:
                raise ConfigError(wrong)
            current = self.model.roles[role].headcount
            if not low <= current <= high:
                raise ConfigError(
                    f"{k}: the model's headcount {current} must lie within [min, max] = "
                    f"[{low}, {high}] so that 'no change' stays a choice"
                )
            out.append(
                StaffingOption(
                    role, k, self.cost(k, spec, "one_off_cost_per_hire"),
                    low=low, high=high, current=current,
                )
            )  # fmt: skip
        return out
