"""Search spaces generated from a model, for processes nobody has written one for yet.

A calibrated model (or a BPMN file) comes without a search space: which steps may be removed,
merged or automated is a judgement about the business that the model cannot make. How many
people each role needs is not: ``staffing_space`` proposes every role's headcount within a band
around today's, as a plain search-space mapping (``SearchSpace.from_dict`` reads it; the CLI
writes it beside the results as ``redesign.yaml``, a starting point to edit).
"""

from __future__ import annotations

import math
from typing import Any

from sim.errors import ConfigError
from sim.model.process import ProcessModel
from sim.model.views import TARGET_UTILISATION, offered_load


def staffing_bounds(headcount: int, need: int, spread: float, *, least: int = 1) -> tuple[int, int]:
    """``[min, max]`` headcount: ``headcount x (1 -/+ spread)`` rounded outwards, at least one
    person either way, never below ``need`` (what a step needs at once) nor below ``least``
    (1; 0 for a role that only takes steps as an alternative, which may go without people)."""
    low = max(min(math.floor(headcount * (1.0 - spread)), headcount - 1), need, least)
    high = max(math.ceil(headcount * (1.0 + spread)), headcount + 1)
    return min(low, headcount), high  # today's headcount stays a choice (even 0)


def staffing_space(
    model: ProcessModel,
    *,
    spread: float = 0.5,
    one_off_cost_per_hire: float = 0.0,
    budget: float | None = None,
    prefix: str = "redesign",
) -> dict[str, Any]:
    """A search space that varies every role's headcount (see ``staffing_bounds``).

    ``spread`` is the share of today's headcount by which a role may shrink or grow (0.5: a role
    of 10 between 5 and 15). A role whose work (``sim.model.views.offered_load``) needs more
    people at ``TARGET_UTILISATION`` than that may grow to them: a saturated role of 1 with 2.5
    people of work could reach only 2, still saturated. Raises ``ConfigError`` naming
    ``<prefix>.<key>`` on a bad value or a model without roles.
    """
    if isinstance(spread, bool) or not isinstance(spread, int | float) or not 0 < spread <= 10:
        raise ConfigError(f"{prefix}.spread: expected a share in (0, 10], got {spread!r}")
    if (
        isinstance(one_off_cost_per_hire, bool)
        or not isinstance(one_off_cost_per_hire, int | float)
        or not math.isfinite(one_off_cost_per_hire)
        or one_off_cost_per_hire < 0
    ):
        raise ConfigError(
            f"{prefix}.one_off_cost_per_hire: expected a number >= 0, got {one_off_cost_per_hire!r}"
        )
    if not model.roles:
        raise ConfigError(
            f"{prefix}: model '{model.name}' has no roles, so there is no staffing to search "
            "(every step is automated or a timer); write a search space with other operators"
        )
    try:
        loads = offered_load(model)
    except ValueError:  # cases may loop for ever: no mean work to size the roles by
        loads = {}
    staffing = {}
    stands_in = {a.role for s in model.steps.values() for a in s.alternatives}
    for name, role in model.roles.items():
        need = max((s.roles.count(name) for s in model.steps.values()), default=0)
        least = 0 if need == 0 and name in stands_in else 1
        low, high = staffing_bounds(role.headcount, need, float(spread), least=least)
        enough = loads[name].headcount_for(TARGET_UTILISATION) if name in loads else None
        high = max(high, enough or 0)
        staffing[name] = {"min": low, "max": high, "one_off_cost_per_hire": one_off_cost_per_hire}
    space: dict[str, Any] = {
        "model": model.name,
        "description": (
            f"Generated: every role's headcount within {spread:.0%} of today's (at least one "
            "person either way; up to what its work needs at "
            f"{TARGET_UTILISATION:.0%} busy where that is more). Add the remove / merge / move_decision / parallelise / automate "
            "/ simplify entries that you can judge: sim.redesign.candidates_text lists those "
            "that apply to this model (the CLI writes them below, as comments)."
        ),
        "staffing": staffing,
    }
    if budget is not None:
        space["budget"] = budget
    return space
