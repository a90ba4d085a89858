"""What one simulation run does: horizon, warm-up, replications, what-if knobs."""

from __future__ import annotations

import math
import numbers
import re
import shlex
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sim.errors import ConfigError

if TYPE_CHECKING:
    from sim.model.process import ProcessModel

HOURS_PER_DAY = 24.0
#: how a staffing override is typed, for error messages
STAFFING_EXAMPLES = "e.g. 'scenario.staffing.legal=2' or 'scenario.staffing={legal: 2, sales: 4}'"


#: the ``Scenario`` fields that hold one number (or None)
NUMBER_FIELDS = (
    "horizon_days",
    "warmup_days",
    "replications",
    "arrival_scale",
    "warmup_arrival_scale",
    "max_cases",
    "drain_days",
)


def plain_number(value: Any) -> Any:
    """``value`` as a Python ``int`` when it is an integer of another type (``np.int64``), as a
    ``float`` when it is another real number (``np.float32``); anything else (a bool, text,
    None) as it is, for the checks to name."""
    if isinstance(value, bool) or type(value) in (int, float):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


@dataclass(frozen=True)
class Scenario:
    """Run settings, independent of the model.

    Cases arrive from time 0 until ``warmup_days + horizon_days`` (or until ``max_cases`` have
    arrived). KPIs count the cases that arrive after the warm-up. When ``drain`` is on, the run goes
    on after arrivals stop until every case has finished (at most ``drain_days`` more), so cycle
    times are not cut short; cases still open then are reported as in progress (the steps they
    are at count as reached, and the work under way as busy until the stop).

    The defaults are those of ``configs/scenario/default.yaml`` (a 42-day horizon after a 14-day
    warm-up), so ``Scenario()`` in a script runs what ``python -m sim simulate`` runs.
    """

    horizon_days: float = 42.0
    warmup_days: float = 14.0
    replications: int = 10
    arrival_scale: float = 1.0
    warmup_arrival_scale: float | None = None  # arrival scale during the warm-up (None: the same)
    staffing: dict[str, int] = field(default_factory=dict)
    max_cases: int | None = None
    drain: bool = True
    drain_days: float | None = None  # default: as long as warm-up + horizon

    def __post_init__(self) -> None:
        # a numpy number (np.int64(2) from a DataFrame or an array) is taken as the plain one it
        # is, and stored so (a saved config, a YAML dump): not refused as "not an integer"
        for key in NUMBER_FIELDS:
            object.__setattr__(self, key, plain_number(getattr(self, key)))
        if isinstance(self.staffing, Mapping) and any(
            type(n) is not int for n in self.staffing.values()
        ):
            plain = {role: plain_number(n) for role, n in self.staffing.items()}
            object.__setattr__(self, "staffing", plain)

        def check(key: str, value: float, low: float, strict: bool = False) -> None:
            # a string or list from a config ('abc', [1, 2]) is refused here, naming the key,
            # not left to math.isfinite's TypeError; true/false are not numbers either
            number = isinstance(value, int | float) and not isinstance(value, bool)
            bad = (
                not number or not math.isfinite(value) or (value <= low if strict else value < low)
            )
            if bad:
                op = ">" if strict else ">="
                raise ConfigError(
                    f"scenario.{key}: expected a finite number {op} {low:g}, got {value!r}"
                )

        check("horizon_days", self.horizon_days, 0, strict=True)
        check("warmup_days", self.warmup_days, 0)
        check("arrival_scale", self.arrival_scale, 0, strict=True)
        if self.warmup_arrival_scale is not None:
            check("warmup_arrival_scale", self.warmup_arrival_scale, 0, strict=True)
        if (
            not isinstance(self.replications, int)
            or isinstance(self.replications, bool)
            or self.replications < 1
        ):
            raise ConfigError(
                f"scenario.replications: expected an integer >= 1, got {self.replications!r}"
            )
        if self.max_cases is not None and (
            not isinstance(self.max_cases, int)
            or isinstance(self.max_cases, bool)
            or self.max_cases < 1
        ):
            raise ConfigError(
                f"scenario.max_cases: expected an integer >= 1 or null, got {self.max_cases!r}"
            )
        if not isinstance(self.drain, bool):  # 'no' is not false: refused, not taken as true
            raise ConfigError(f"scenario.drain: expected true or false, got {self.drain!r}")
        if self.drain_days is not None:
            check("drain_days", self.drain_days, 0)
        if not isinstance(self.staffing, Mapping):  # 'scenario.staffing=5' from a config
            raise ConfigError(
                "scenario.staffing: expected a mapping of role -> headcount "
                f"({STAFFING_EXAMPLES}), got {self.staffing!r}"
            )
        for role, n in self.staffing.items():
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise ConfigError(f"scenario.staffing.{role}: expected an integer >= 0, got {n!r}")

    @property
    def warmup_hours(self) -> float:
        """Warm-up length in hours (clock unit)."""
        return self.warmup_days * HOURS_PER_DAY

    @property
    def arrivals_end_hours(self) -> float:
        """When arrivals stop, in hours."""
        return (self.warmup_days + self.horizon_days) * HOURS_PER_DAY

    @property
    def run_limit_hours(self) -> float:
        """When the run stops at the latest, in hours."""
        if not self.drain:
            return self.arrivals_end_hours
        extra = (
            self.drain_days if self.drain_days is not None else self.warmup_days + self.horizon_days
        )
        return self.arrivals_end_hours + extra * HOURS_PER_DAY

    @classmethod
    def from_dict(cls, spec: dict[str, Any] | None) -> Scenario:
        """Build from a config mapping; unknown keys are named in the error."""
        spec = dict(spec or {})
        allowed = set(cls.__dataclass_fields__)
        unknown = sorted(set(spec) - allowed)
        if unknown:
            raise ConfigError(
                f"scenario: unknown key(s) {unknown}; valid keys are {sorted(allowed)}"
            )
        if isinstance(spec.get("staffing"), Mapping) or spec.get("staffing", {}) is None:
            spec["staffing"] = dict(spec["staffing"] or {})
        return cls(**spec)

    def for_model(self, model: ProcessModel) -> Scenario:
        """This scenario with each ``staffing`` key that names no role of ``model`` but is the
        ASCII spelling of one (``Prufung`` for ``Prüfung``: Hydra's command line reads no other
        letters in a key, ``typed_role_names``) or its ``ascii_key`` (``xn--j2rs27b`` for
        ``営業``) replaced by the role's name. Other keys are left as they are, for the engine's
        check to name."""
        typed = {ascii_key(r): r for r in model.roles if not str(r).isascii()}
        typed |= {v: k for k, v in typed_role_names(model.roles).items()}
        if not any(k in typed and k not in model.roles for k in self.staffing):
            return self
        staffing = {
            (typed[k] if k in typed and k not in model.roles else k): n
            for k, n in self.staffing.items()
        }
        return replace(self, staffing=staffing)

    def to_dict(self) -> dict[str, Any]:
        """The config mapping."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__} | {
            "staffing": dict(self.staffing)
        }


#: A key Hydra reads in a dotted override path (``scenario.staffing.<key>=``); other role names
#: are given as a mapping (``sim.cli.main``) and printed shell-quoted (``staffing_overrides``).
HYDRA_KEY = re.compile(r"^[A-Za-z_$][\w$\-]*$", re.ASCII)


#: Letters that Unicode does not decompose into an ASCII letter and a mark.
_ASCII_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
    }
)


def ascii_spelling(name: str) -> str:
    """``name`` in ASCII letters (``Prüfung`` -> ``Prufung``, ``Straße`` -> ``Strasse``):
    Hydra's command line reads no other letters in a key, so a role named in another alphabet
    is typed this way (``Scenario.for_model``). Letters without an ASCII spelling are left out."""
    decomposed = unicodedata.normalize("NFKD", str(name).translate(_ASCII_LETTERS))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def ascii_key(name: str) -> str:
    """``name`` as ASCII that names it alone: ``xn--`` and its Punycode (RFC 3492, as IDNA
    spells domain names: ``営業`` -> ``xn--j2rs27b``). A role whose name has no usable
    ``ascii_spelling`` (another alphabet, or two roles that spell alike) is typed so, and
    ``python -m sim`` turns a key typed in other letters into it (``sim.cli.main``)."""
    return "xn--" + str(name).encode("punycode").decode("ascii")


def name_of_ascii_key(key: str) -> str:
    """The name an ``ascii_key`` spells (``xn--j2rs27b`` -> ``営業``); any other key as it is."""
    if not key.startswith("xn--"):
        return key
    try:
        name = key[4:].encode("ascii").decode("punycode")
    except (UnicodeError, ValueError):
        return key
    return key if name.isascii() or not name.isprintable() else name  # else a name in ASCII


def typed_role_names(roles: Iterable[str]) -> dict[str, str]:
    """The name to type on a command line for each role whose name is not ASCII: its
    ``ascii_spelling``, where that is a name of no other role and spells no other role's, else
    its ``ascii_key``."""
    roles = [str(r) for r in roles]
    spellings: dict[str, list[str]] = {}
    for role in roles:
        spellings.setdefault(ascii_spelling(role), []).append(role)
    return {
        role: (
            typed if len(named) == 1 and typed.strip() and typed not in roles else ascii_key(role)
        )
        for typed, named in spellings.items()
        for role in named
        if not role.isascii()
    }


def staffing_overrides(staffing: dict[str, int | str]) -> str:
    """``scenario.staffing.<role>=<n>`` for each role, ready to paste on a command line: a role
    whose name Hydra cannot read in a key (``Call Centre Operator``, from a BPMN lane) is
    shell-quoted, ``'scenario.staffing.Call Centre Operator=39'``, which ``python -m sim``
    reads (``sim.cli.main.rewrite_process_override``); a name in letters other than ASCII is
    given in its ASCII spelling (``Prüfung`` as ``Prufung``, ``typed_role_names``), or as it is
    where it has none (``営業``: ``python -m sim`` types it as its ``ascii_key`` itself)."""
    typed = typed_role_names(staffing)
    out = []
    for role, n in staffing.items():
        name = typed.get(str(role), str(role))
        if name == ascii_key(role):
            name = str(role)  # more readable than its Punycode, and read the same
        text = f"scenario.staffing.{name}={n}"
        out.append(text if HYDRA_KEY.match(name) else shlex.quote(text))
    return " ".join(out)


def with_staffing(model: ProcessModel, staffing: Mapping[str, Any]) -> ProcessModel:
    """``model`` with the headcounts ``staffing`` gives (a scenario's ``staffing``; roles it
    does not name keep theirs): today's process as a run with that scenario simulates it."""
    roles = {
        name: replace(role, headcount=int(staffing.get(name, role.headcount)))
        for name, role in model.roles.items()
    }
    return replace(model, roles=roles)
