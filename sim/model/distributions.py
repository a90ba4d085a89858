"""Duration and inter-arrival distributions as data.

A ``Distribution`` is what a model file writes under ``duration:``, ``interarrival:`` or
``patience:``. It is one of

* any continuous ``scipy.stats`` distribution by name with its own parameters
  (``{dist: gamma, a: 2, scale: 0.5}``);
* a friendly alias parameterised by moments, converted exactly to a scipy distribution:
  ``exponential`` (``mean`` or ``rate``), ``lognormal`` (``mean``, ``std``), ``gamma`` (``mean``,
  ``std``), ``normal`` (``mean``, ``std``), ``triangular`` (``min``, ``mode``, ``max``),
  ``uniform`` (``min``, ``max``);
* ``fixed`` (``value``), ``empirical`` (``values``: observed values, resampled with replacement),
  ``sum`` (``parts``: independent distributions added, used when steps are merged).

Every kind accepts ``p_zero`` (probability of an instant, zero-length draw: a point mass at zero,
for activities that are often recorded as instant) and ``multiplier`` (samples are scaled by it,
used when a step is simplified). Negative draws (possible with ``normal``) are set to zero.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import scipy.stats as st

from sim.errors import ModelError, did_you_mean

# Friendly aliases: name -> (required parameters, optional parameters).
ALIASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "exponential": ((), ("mean", "rate")),
    "lognormal": (("mean", "std"), ()),
    "gamma_ms": (("mean", "std"), ()),
    "normal": (("mean", "std"), ()),
    "triangular": (("min", "mode", "max"), ()),
    "uniform_range": (("min", "max"), ()),
}
# gamma and uniform with mean/std or min/max: their parameters are looked up under these keys
FRIENDLY_KEYS = {"gamma": "gamma_ms", "uniform": "uniform_range"}
INTERNAL_KEYS = tuple(FRIENDLY_KEYS.values())
SPECIAL = ("fixed", "empirical", "sum")
COMMON_KEYS = ("p_zero", "multiplier", "provenance")


def _continuous_scipy_names() -> list[str]:
    return sorted(
        n
        for n in dir(st)
        if isinstance(getattr(st, n, None), st.rv_continuous) and not n.startswith("_")
    )


SCIPY_CONTINUOUS: tuple[str, ...] = tuple(_continuous_scipy_names())


def _scipy_param_names(name: str) -> tuple[str, ...]:
    dist = getattr(st, name)
    shapes = tuple(s.strip() for s in dist.shapes.split(",")) if dist.shapes else ()
    return (*shapes, "loc", "scale")


def number_as_written(what: str, value: Any) -> float:
    """``value`` as a float when it is a number as written; a ``ModelError`` starting
    ``what`` ("<where>: parameter 'mean' must be") otherwise. ``float()`` reads true as 1 and
    '1.6' as 1.6: 'mean: true' simulated a mean of 1 and a quoted number passed unnoticed. An
    integer beyond any float is inf."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        quoted = isinstance(value, str) and reads_as_number(value)
        raise ModelError(
            f"{what} a number, got {value!r}"
            + (" (text, in quotes: write the number without them)" if quoted else "")
        )
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _finite(where: str, key: str, value: Any) -> float:
    x = number_as_written(f"{where}: parameter '{key}' must be", value)
    if not math.isfinite(x):
        raise ModelError(f"{where}: parameter '{key}' must be finite, got {value!r}")
    return x


def reads_as_number(text: str) -> bool:
    """Whether ``text`` is a number written in quotes ('1.6', '-2', '1e-3')."""
    try:
        float(text.strip())
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Distribution:
    """A validated distribution specification (see the module docstring for the kinds)."""

    name: str
    params: dict[str, float] = field(default_factory=dict)
    values: tuple[float, ...] = ()
    parts: tuple[Distribution, ...] = ()
    p_zero: float = 0.0
    multiplier: float = 1.0
    provenance: dict[str, Any] | None = None

    # ----------------------------------------------------------------------------------- build
    @classmethod
    def fixed(cls, value: float) -> Distribution:
        """A deterministic value."""
        return cls.from_dict({"dist": "fixed", "value": value})

    @classmethod
    def exponential(cls, mean: float) -> Distribution:
        """An exponential distribution with the given mean."""
        return cls.from_dict({"dist": "exponential", "mean": mean})

    @classmethod
    def from_dict(cls, spec: Any, *, where: str = "distribution") -> Distribution:
        """Build and validate from a model-file mapping; a bare number means ``fixed``."""
        if isinstance(spec, Distribution):
            return spec
        if isinstance(spec, bool):
            raise ModelError(f"{where}: expected a mapping like {{dist: exponential, mean: 2}}")
        if isinstance(spec, int | float):
            spec = {"dist": "fixed", "value": spec}
        if not isinstance(spec, dict):
            raise ModelError(
                f"{where}: expected a mapping like {{dist: exponential, mean: 2}}, got {spec!r}"
            )
        spec = dict(spec)
        name = spec.pop("dist", None)
        if not isinstance(name, str):
            raise ModelError(f"{where}: missing 'dist' (the distribution's name)")
        common = {k: spec.pop(k) for k in COMMON_KEYS if k in spec}
        p_zero = _finite(where, "p_zero", common.get("p_zero", 0.0))
        if not 0.0 <= p_zero < 1.0:
            raise ModelError(f"{where}: 'p_zero' must be in [0, 1), got {p_zero}")
        multiplier = _finite(where, "multiplier", common.get("multiplier", 1.0))
        if multiplier < 0:
            raise ModelError(f"{where}: 'multiplier' must be >= 0, got {multiplier}")
        provenance = common.get("provenance")
        if provenance is not None and not isinstance(provenance, dict):
            raise ModelError(f"{where}: 'provenance' must be a mapping")
        kw: dict[str, Any] = {"p_zero": p_zero, "multiplier": multiplier, "provenance": provenance}

        if name == "fixed":
            _expect_keys(where, name, spec, ("value",), ())
            value = _finite(where, "value", spec["value"])
            if value < 0:
                raise ModelError(f"{where}: fixed 'value' must be >= 0, got {value}")
            dist = cls(name, {"value": value}, **kw)
        elif name == "empirical":
            _expect_keys(where, name, spec, ("values",), ())
            raw = spec["values"]
            if not isinstance(raw, list | tuple) or len(raw) == 0:
                raise ModelError(f"{where}: empirical 'values' must be a non-empty list")
            values = tuple(_finite(where, f"values[{i}]", v) for i, v in enumerate(raw))
            if min(values) < 0:
                raise ModelError(f"{where}: empirical 'values' must all be >= 0")
            dist = cls(name, {}, values=values, **kw)
        elif name == "sum":
            _expect_keys(where, name, spec, ("parts",), ())
            raw = spec["parts"]
            if not isinstance(raw, list | tuple) or len(raw) == 0:
                raise ModelError(f"{where}: sum 'parts' must be a non-empty list")
            parts = tuple(cls.from_dict(p, where=f"{where}.parts[{i}]") for i, p in enumerate(raw))
            dist = cls(name, {}, parts=parts, **kw)
        elif name in INTERNAL_KEYS:  # ALIASES' own keys for gamma/uniform, not names to write
            friendly = next(k for k, v in FRIENDLY_KEYS.items() if v == name)
            raise ModelError(
                f"{where}: unknown distribution '{name}'; write '{friendly}' with "
                f"{' and '.join(ALIASES[name][0])}"
            )
        elif name in ALIASES or name in ("gamma", "uniform") and _looks_friendly(name, spec):
            key = FRIENDLY_KEYS.get(name, name)
            required, optional = ALIASES[key]
            _expect_keys(where, name, spec, required, optional)
            params = {k: _finite(where, k, v) for k, v in spec.items()}
            if name == "exponential" and len(params) != 1:
                raise ModelError(f"{where}: exponential needs exactly one of 'mean' or 'rate'")
            dist = cls(name, params, **kw)
        elif name in SCIPY_CONTINUOUS:
            allowed = _scipy_param_names(name)
            unknown = sorted(set(spec) - set(allowed))
            if unknown:
                raise ModelError(
                    f"{where}: unknown parameter(s) {unknown} for scipy.stats.{name}; "
                    f"valid parameters are {list(allowed)}"
                    + "".join(did_you_mean(u, allowed) for u in unknown)
                )
            missing = [p for p in allowed[:-2] if p not in spec]
            if missing:
                raise ModelError(f"{where}: scipy.stats.{name} needs parameter(s) {missing}")
            params = {k: _finite(where, k, v) for k, v in spec.items()}
            dist = cls(name, params, **kw)
        else:
            choices = sorted({*SPECIAL, *ALIASES, *FRIENDLY_KEYS} - set(INTERNAL_KEYS))
            hint = did_you_mean(name, [*choices, *SCIPY_CONTINUOUS])
            raise ModelError(
                f"{where}: unknown distribution '{name}'{hint}; expected one of {choices} or any "
                f"continuous scipy.stats distribution (e.g. expon, gamma, lognorm, weibull_min)"
            )
        dist._check_valid(where)
        return dist

    def to_dict(self) -> dict[str, Any]:
        """The model-file mapping (inverse of ``from_dict``)."""
        out: dict[str, Any] = {"dist": self.name}
        if self.name == "empirical":
            out["values"] = [float(v) for v in self.values]
        elif self.name == "sum":
            out["parts"] = [p.to_dict() for p in self.parts]
        else:
            out.update({k: float(v) for k, v in self.params.items()})
        if self.p_zero:
            out["p_zero"] = float(self.p_zero)
        if self.multiplier != 1.0:
            out["multiplier"] = float(self.multiplier)
        if self.provenance:
            out["provenance"] = dict(self.provenance)
        return out

    # ---------------------------------------------------------------------------------- scipy
    @cached_property
    def scipy(self) -> Any:
        """The frozen ``scipy.stats`` distribution (None for fixed/empirical/sum)."""
        p = self.params
        n = self.name
        if n in SPECIAL:
            return None
        if n == "exponential":
            mean = p["mean"] if "mean" in p else 1.0 / p["rate"]
            return st.expon(scale=mean)
        if n == "lognormal":
            sigma2 = math.log1p((p["std"] / p["mean"]) ** 2)
            return st.lognorm(s=math.sqrt(sigma2), scale=math.exp(math.log(p["mean"]) - sigma2 / 2))
        if n == "gamma" and "mean" in p:
            return st.gamma(a=(p["mean"] / p["std"]) ** 2, scale=p["std"] ** 2 / p["mean"])
        if n == "normal":
            return st.norm(loc=p["mean"], scale=p["std"])
        if n == "triangular":
            lo, mode, hi = p["min"], p["mode"], p["max"]
            return st.triang(c=(mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
        if n == "uniform" and "min" in p:
            return st.uniform(loc=p["min"], scale=p["max"] - p["min"])
        return getattr(st, n)(**p)

    def _check_valid(self, where: str) -> None:
        p = self.params
        n = self.name
        if n == "exponential":
            if p.get("mean", 1.0) <= 0 or p.get("rate", 1.0) <= 0:
                raise ModelError(f"{where}: exponential 'mean'/'rate' must be > 0, got {p}")
        elif n in ("lognormal", "gamma") and "mean" in p:
            if p["mean"] <= 0 or p["std"] <= 0:
                raise ModelError(f"{where}: {n} needs 'mean' > 0 and 'std' > 0, got {p}")
        elif n == "normal":
            if p["std"] < 0:
                raise ModelError(f"{where}: normal 'std' must be >= 0, got {p['std']}")
        elif n == "triangular":
            if not p["min"] <= p["mode"] <= p["max"] or p["min"] == p["max"] or p["min"] < 0:
                raise ModelError(
                    f"{where}: triangular needs 0 <= min <= mode <= max and min < max, got {p}"
                )
        elif n == "uniform" and "min" in p:
            if not 0 <= p["min"] < p["max"]:
                raise ModelError(f"{where}: uniform needs 0 <= min < max, got {p}")
        try:
            frozen = self.scipy
        except (OverflowError, ZeroDivisionError):  # moments beyond any float: (1e308 / 1) ** 2
            raise ModelError(
                f"{where}: {n} parameters {p} are beyond what can be computed; a duration's "
                "mean and spread are a few orders of magnitude, not hundreds"
            ) from None
        if frozen is not None:
            with np.errstate(all="ignore"):
                mean = float(self.scipy.mean())
            if not math.isfinite(mean):
                raise ModelError(
                    f"{where}: parameters {p} are invalid for scipy.stats.{self.scipy.dist.name} "
                    "or give an infinite mean (a duration must have a finite mean)"
                )

    # ------------------------------------------------------------------------------- summaries
    def mean(self) -> float:
        """The expected value of a draw (after ``p_zero``, ``multiplier`` and clipping at 0)."""
        if self.name == "fixed":
            base = self.params["value"]
        elif self.name == "empirical":
            base = float(np.mean(self.values))
        elif self.name == "sum":
            base = sum(part.mean() for part in self.parts)
        else:
            d = self.scipy
            lo = float(d.support()[0])
            if lo >= 0:
                base = float(d.mean())
            else:  # E[max(X, 0)]
                base = float(d.expect(lambda x: x, lb=0.0))
        return (1.0 - self.p_zero) * self.multiplier * base

    def second_moment(self) -> float:
        """E[X^2] of a draw (after ``p_zero``, ``multiplier`` and clipping at 0), for its
        variability (``scv``); the parts of a ``sum`` are independent draws."""
        if self.name == "fixed":
            base = self.params["value"] ** 2
        elif self.name == "empirical":
            base = float(np.mean(np.square(self.values)))
        elif self.name == "sum":
            means = [part.mean() for part in self.parts]
            spread = sum(
                part.second_moment() - m**2 for part, m in zip(self.parts, means, strict=True)
            )
            base = spread + sum(means) ** 2
        else:
            d = self.scipy
            with np.errstate(all="ignore"):
                if float(d.support()[0]) >= 0:
                    base = float(d.moment(2))
                else:  # E[max(X, 0)^2]
                    base = float(d.expect(lambda x: x * x, lb=0.0))
        return (1.0 - self.p_zero) * self.multiplier**2 * base

    def scv(self) -> float:
        """The squared coefficient of variation, Var[X] / E[X]^2 (1 for an exponential, 0 for a
        fixed value; infinite for a distribution without a finite variance); NaN at mean 0."""
        mean = self.mean()
        return max(self.second_moment() / mean**2 - 1.0, 0.0) if mean > 0 else math.nan

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` independent values with ``rng`` (a numpy Generator)."""
        if self.name == "fixed":
            out = np.full(size, self.params["value"], dtype=float)
        elif self.name == "empirical":
            out = np.asarray(self.values, dtype=float)[rng.integers(0, len(self.values), size)]
        elif self.name == "sum":
            out = np.zeros(size)
            for part in self.parts:
                out += part.sample(rng, size)
        else:
            out = np.asarray(self.scipy.rvs(size=size, random_state=rng), dtype=float)
        if self.p_zero:
            out[rng.random(size) < self.p_zero] = 0.0
        if self.multiplier != 1.0:
            out *= self.multiplier
        np.maximum(out, 0.0, out=out)
        return out

    def scaled(self, factor: float) -> Distribution:
        """A copy whose draws are multiplied by ``factor``."""
        return Distribution(
            self.name,
            dict(self.params),
            self.values,
            self.parts,
            self.p_zero,
            self.multiplier * factor,
            self.provenance,
        )

    def describe(self) -> str:
        """A short human description, e.g. ``gamma(mean=2.0, std=1.0) x0.8``."""
        if self.name == "fixed":
            s = f"fixed {self.params['value']:g}"
        elif self.name == "empirical":
            s = f"empirical (n={len(self.values)}, mean={np.mean(self.values):.3g})"
        elif self.name == "sum":
            s = " + ".join(p.describe() for p in self.parts)
        else:
            s = f"{self.name}(" + ", ".join(f"{k}={v:.4g}" for k, v in self.params.items()) + ")"
        if self.p_zero:
            s += f" with P(0)={self.p_zero:.2g}"
        if self.multiplier != 1.0:
            s += f" x{self.multiplier:.3g}"
        return s


def _looks_friendly(name: str, spec: dict[str, Any]) -> bool:
    if name == "gamma":
        return "mean" in spec or "std" in spec
    if name == "uniform":
        return "min" in spec or "max" in spec
    return False


def _expect_keys(
    where: str,
    name: str,
    spec: dict[str, Any],
    required: tuple[str, ...],
    optional: tuple[str, ...],
) -> None:
    allowed = (*required, *optional)
    unknown = sorted(set(spec) - set(allowed))
    if unknown:
        raise ModelError(
            f"{where}: unknown parameter(s) {unknown} for '{name}'; valid parameters are "
            f"{list(allowed) + list(COMMON_KEYS)}"
            + "".join(did_you_mean(u, [*allowed, *COMMON_KEYS]) for u in unknown)
        )
    missing = [k for k in required if k not in spec]
    if missing:
        raise ModelError(f"{where}: '{name}' needs parameter(s) {missing}")
