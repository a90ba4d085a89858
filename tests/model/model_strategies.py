"""Hypothesis strategies for small random *valid* process models (model-file mappings).

``model_specs()`` draws the mapping that ``sim.model.from_dict`` reads; ``models()`` builds it.
The flow is a chain of blocks from ``start`` to the end ``done``, each block one of

* a step (automated, possibly a deadline timer measured from the arrival; one role, sometimes
  with an alternative role that may take it at its own pace; or several roles at once, possibly
  two people of one role);
* a step followed by a decision that may drop the case (end ``lost``);
* a rework loop: two steps and a decision that sends the case back to the first;
* a parallel block of 2-3 branches (each a chain of 1-2 steps) with a join, optionally
  inclusive (branch probabilities).

Roles get random headcounts and calendars, steps random durations (every distribution kind) and
sometimes patience; arrivals may have a weekly profile and several segments with priorities.
``rich=True`` adds the fields the engine ignores (costs, descriptions, provenance, members,
requires, values, metadata, awkward names) for the YAML round trip.

Used by tests/model (round trip) and tests/engine (properties; its conftest puts this directory
on ``sys.path``).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from sim.model import from_dict

# Names that YAML would read as something else if written unquoted.
AWKWARD = ["yes", "no", "on", "off", "null", "true", "1", "1e3", "0x1f", "a: b", "- x", "é", "#c"]

CALENDARS = {
    "office": {"weekdays": ["08:00-12:30", "13:30-18:00"]},
    "late": {"every_day": ["12:00-22:00"]},
    # minute-based times are not exact in binary floating point
    "odd": {"weekdays": ["08:10-11:50", "12:40-17:20"], "saturday": ["09:05-13:55"]},
}
PROFILE = {
    "weekdays": [0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 2, 2, 1, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0],
    "saturday": [0] * 9 + [1] * 4 + [0] * 11,
}
START_DATES = ["2026-01-05T00:00:00", "2026-01-07T12:00:00", "2026-01-10T00:00:00"]


def positive(lo: float = 0.05, hi: float = 2.0) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def durations(draw, *, lo: float = 0.05, hi: float = 2.0, rich: bool = False) -> dict[str, Any]:
    """A duration distribution with a mean between ``lo`` and ``hi``."""
    mean = draw(positive(lo, hi))
    kind = draw(
        st.sampled_from(
            ["fixed", "exponential", "gamma", "lognormal", "triangular", "uniform", "empirical"]
            + (["scipy", "sum", "rate", "normal"] if rich else [])
        )
    )
    if kind == "fixed":
        d: dict[str, Any] = {"dist": "fixed", "value": mean}
    elif kind == "exponential":
        d = {"dist": "exponential", "mean": mean}
    elif kind == "rate":
        d = {"dist": "exponential", "rate": 1 / mean}
    elif kind in ("gamma", "lognormal", "normal"):
        d = {"dist": kind, "mean": mean, "std": mean * draw(st.floats(0.1, 1.5))}
    elif kind == "triangular":
        d = {"dist": "triangular", "min": 0.0, "mode": mean, "max": 2 * mean}
    elif kind == "uniform":
        d = {"dist": "uniform", "min": mean / 2, "max": 1.5 * mean}
    elif kind == "empirical":
        d = {
            "dist": "empirical",
            "values": draw(st.lists(positive(lo, hi), min_size=1, max_size=5)),
        }
    elif kind == "scipy":
        d = {"dist": "weibull_min", "c": draw(st.floats(0.8, 3.0)), "scale": mean}
    else:  # sum
        d = {
            "dist": "sum",
            "parts": [{"dist": "fixed", "value": mean / 2}, {"dist": "expon", "scale": mean / 2}],
        }
    if rich and draw(st.booleans()):
        d["p_zero"] = draw(st.floats(0.0, 0.5))
    if rich and draw(st.booleans()):
        d["multiplier"] = draw(st.floats(0.5, 2.0))
    return d


@st.composite
def weekly_calendars(draw) -> dict[str, Any]:
    """A random calendar at minute resolution: a few spans on a few days."""
    days = draw(
        st.lists(
            st.sampled_from(
                ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
            ),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    out = {}
    for day in days:
        spans = []
        for _ in range(draw(st.integers(1, 2))):
            a = draw(st.integers(0, 24 * 60 - 1))
            b = draw(st.integers(a + 1, 24 * 60))
            spans.append(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}")
        out[day] = spans
    # Always overlap the other calendars a little, so that a step done by a role on this
    # calendar together with another role can run.
    out.setdefault("wednesday", []).append("13:30-14:00")
    return out


@st.composite
def model_specs(draw, *, rich: bool = False, max_blocks: int = 4) -> dict[str, Any]:
    """A model-file mapping of a small valid model (see the module docstring)."""
    names = iter(draw(st.lists(st.sampled_from(AWKWARD), unique=True, max_size=4)) if rich else [])
    counter = {"n": 0}

    def fresh(prefix: str) -> str:
        name = next(names, None)
        counter["n"] += 1
        return name if name is not None else f"{prefix}{counter['n']}"

    n_roles = draw(st.integers(1, 3))
    role_names = [f"role{i}" for i in range(n_roles)]
    calendars = dict(CALENDARS)
    if rich and draw(st.booleans()):
        calendars["random"] = draw(weekly_calendars())
    roles: dict[str, Any] = {}
    for r in role_names:
        role: dict[str, Any] = {
            "headcount": draw(st.integers(1, 3)),
            "calendar": draw(st.sampled_from(["24/7", "24/7", "office", "late", "odd"])),
        }
        if rich:
            role["hourly_cost"] = draw(st.floats(0, 200))
            if draw(st.booleans()):
                role["members"] = [f"{r}-p{k}" for k in range(role["headcount"])]
            if draw(st.booleans()):
                role["calendar"] = draw(st.sampled_from(sorted(calendars)))
        roles[r] = role
    steps: dict[str, Any] = {}
    decisions: dict[str, Any] = {}
    parallel: dict[str, Any] = {}
    segments = ["default"]
    if draw(st.booleans()):
        segments = ["key", "small"]

    def step(next_node: str) -> str:
        name = fresh("s")
        kind = draw(st.sampled_from(["auto", "one", "one", "one", "two"]))
        spec: dict[str, Any] = {"duration": draw(durations(rich=rich)), "next": next_node}
        if kind == "one":
            spec["role"] = draw(st.sampled_from(role_names))
            others = [r for r in role_names if r != spec["role"]]
            if others and draw(st.integers(0, 3)) == 0:  # people of another role may take it
                alt = draw(st.sampled_from(others))
                spec["alternatives"] = {
                    alt: {"duration": draw(durations()), "share": draw(st.sampled_from([0, 0.3]))}
                }
        elif kind == "two":
            pair = draw(st.lists(st.sampled_from(role_names), min_size=2, max_size=2))
            for r in pair:  # two people of one role need a headcount of two
                roles[r]["headcount"] = max(roles[r]["headcount"], pair.count(r))
            spec["roles"] = pair
        if kind != "auto" and draw(st.integers(0, 3)) == 0:
            spec["patience"] = draw(durations(lo=0.5, hi=6.0))
        if kind == "auto" and draw(st.integers(0, 3)) == 0:  # a deadline after the arrival
            spec["measured_from"] = "arrival"
        if kind == "auto" and draw(st.integers(0, 3)) == 0:  # a timer in working hours
            spec["calendar"] = draw(st.sampled_from(["24/7", *sorted(CALENDARS)]))
        if rich:
            spec["cost"] = draw(st.floats(0, 50))
            spec["value_adding"] = draw(st.booleans())
            spec["mandatory"] = draw(st.booleans())
            if draw(st.booleans()):
                spec["description"] = draw(st.text(max_size=20))
            if draw(st.booleans()):
                spec["provenance"] = {"fitted_from": draw(st.integers(0, 1000)), "method": "mle"}
        steps[name] = spec
        return name

    def decision(targets: dict[str, float], *, first_max: float = 1.0) -> str:
        name = fresh("d")
        spec: dict[str, Any] = {"branches": targets}
        if len(segments) > 1 and draw(st.booleans()):
            keys = list(targets)
            p = draw(st.floats(0.0, first_max))
            spec["by_segment"] = {segments[0]: {keys[0]: p, keys[1]: 1 - p}}
        if rich and draw(st.booleans()):
            spec["description"] = "a choice"
        decisions[name] = spec
        return name

    target = "done"
    has_lost = False
    blocks = draw(
        st.lists(
            st.sampled_from(["step", "exit", "rework", "parallel"]), min_size=1, max_size=max_blocks
        )
    )
    for block in reversed(blocks):
        if block == "step":
            target = step(target)
        elif block == "exit":
            p = draw(st.floats(0.5, 1.0))
            d = decision({target: p, "lost": 1 - p})
            has_lost = True
            target = step(d)
        elif block == "rework":
            back = draw(st.floats(0.0, 0.5))
            # first -> second -> d: back to first, or on to target
            placeholder = fresh("tmp")
            second = step(placeholder)
            first = step(second)
            d = decision({first: back, target: 1 - back}, first_max=0.5)  # loops must end
            steps[second]["next"] = d
            target = first
        else:
            join = fresh("j")
            branches = []
            for _ in range(draw(st.integers(2, 3))):
                head = join
                for _ in range(draw(st.integers(1, 2))):
                    head = step(head)
                branches.append(head)
            name = fresh("p")
            spec = {"branches": branches, "join": join, "next": target}
            if draw(st.booleans()):
                spec["probabilities"] = [draw(st.floats(0.0, 1.0)) for _ in branches]
            parallel[name] = spec
            target = name
    ends: dict[str, Any] = {"done": {"success": True}}
    if has_lost:
        ends["lost"] = {"success": False}
    arrivals: dict[str, Any] = {"interarrival": draw(durations(lo=0.3, hi=3.0))}
    if draw(st.booleans()):
        arrivals["profile"] = PROFILE
    if len(segments) > 1:
        share = draw(st.floats(0.1, 0.9))
        arrivals["segments"] = {
            "key": {
                "share": share,
                "priority": draw(st.integers(0, 1)),
                "duration_scale": draw(st.floats(0.5, 2.0)),
            },
            "small": {"share": 1 - share, "priority": draw(st.integers(0, 1))},
        }
        if draw(st.booleans()):
            arrivals["segments"]["key"]["timer_scale"] = draw(st.floats(0.5, 2.0))
    spec: dict[str, Any] = {
        "name": "generated",
        "time_unit": "hours",
        "start_date": draw(st.sampled_from(START_DATES)),
        "start": target,
        "arrivals": arrivals,
        "calendars": calendars,
        "roles": roles,
        "steps": steps,
        "ends": ends,
    }
    if decisions:
        spec["decisions"] = decisions
    if parallel:
        spec["parallel"] = parallel
    if draw(st.booleans()):
        spec["handoff_delay"] = draw(durations(lo=0.05, hi=1.0))
    if rich:
        spec["description"] = draw(st.text(max_size=30))
        spec["time_unit"] = draw(st.sampled_from(["seconds", "minutes", "hours", "days"]))
        spec["metadata"] = {"source": "hypothesis", "n": draw(st.integers(0, 9))}
        if has_lost and len(segments) > 1:
            ends["done"]["value"] = {"key": 100.0, "small": draw(st.floats(0, 50))}
        elif draw(st.booleans()):
            ends["done"]["value"] = draw(st.floats(0, 1e6))
        if draw(st.booleans()):
            ends["done"]["outcome"] = "won"
        if target in steps and len(steps) > 1 and draw(st.booleans()):
            other = draw(st.sampled_from(sorted(set(steps) - {target})))
            steps[other]["requires"] = [target]  # the first step is upstream of every other
    return spec


def models(**kw):
    """Built (validated) models drawn from ``model_specs``."""
    return model_specs(**kw).map(from_dict)
