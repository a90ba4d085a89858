"""The global order in which a step needing several roles takes its people.

A case takes one person of each role, one after the other, holding each while it waits for the
next. Every step takes them in the same order, so two such steps never deadlock. The order puts
the scarcest role first: a case then waits in the longest queue holding nobody, and holds the
others' people only for the short wait for the rest.

Scarcity is measured from the work the model asks of each role (``sim.model.views.offered_load``,
as staffed in the scenario): the chance that a case finds every person of the role busy, Erlang
C of its headcount and its load per person (its offered work per week over its people's
scheduled hours: headcount x its calendar's hours per week).
Headcount alone ignored demand: with equal headcounts a role's name decided, and a hire of a
role with little work flipped the order (QA fuzz14, staff_11). Load per person alone ignores
pooling: in crm_sales, solutions_eng (2 people, 77 % busy) is scarcer than account_exec (8 people,
78 %); taken second, it kept an account executive idle at every wait, +9 % cycle time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from scipy import stats

from sim.model.process import ProcessModel
from sim.model.views import RoleLoad, offered_load

# Loads equal on paper can differ in their last bits (sums of different steps' work); they are
# compared at this many significant digits so that the documented tie-breaks decide them.
_DIGITS = 12


def _rounded(x: float) -> float:
    """``x`` to ``_DIGITS`` significant digits."""
    return float(f"{x:.{_DIGITS}g}")


def load_per_person(load: RoleLoad) -> float:
    """The share of its people's scheduled hours a role's offered work fills, rounded to
    ``_DIGITS`` significant digits: ``inf`` for work without scheduled hours or work that is
    not finite (a duration of infinite mean), 0 for a role without work."""
    hours = load.headcount * load.hours_per_person
    work = load.work_hours
    if math.isnan(work) or math.isinf(work):
        return math.inf
    if work <= 0:
        return 0.0
    if not hours > 0:
        return math.inf
    return _rounded(work / hours)


def wait_chance(people: int, busy: float) -> float:
    """Erlang C: the chance that a case finds all ``people`` busy, when the work fills the share
    ``busy`` of their hours (1 at or above 1: the queue never empties; 0 without work)."""
    if busy >= 1 or people < 1:
        return 1.0
    a = busy * people  # offered load in people
    # Erlang B is the Poisson distribution truncated at ``people``: its last term's share
    b = float(stats.poisson.pmf(people, a) / stats.poisson.cdf(people, a)) if a > 0 else 0.0
    return _rounded(b / (1 - busy * (1 - b)))


def role_order(model: ProcessModel, staffing: Mapping[str, int]) -> list[str]:
    """Every role of ``model``, scarcest first: by the chance that a case finds all its people
    busy (``wait_chance``), then by load per person (``load_per_person``: among saturated
    roles, the most overloaded first), then by fewer people, then by name; headcounts are
    ``staffing``'s where it names the role.

    The order does not depend on how the model lists its roles or steps, nor on the roles'
    names unless loads and headcounts tie; a hire for a role that has people only makes it
    less scarce, so it never moves that role ahead of another. The arrival rate scales every
    role's work alike and is left out. When the load cannot be estimated (routing where cases
    can loop for ever), the order is by fewer people, then by name.
    """
    try:
        loads = offered_load(model, staffing=staffing)
    except ValueError:
        loads = None

    def key(role: str) -> tuple[float, float, int, str]:
        n = staffing.get(role, model.roles[role].headcount)
        if loads is None:
            return (0.0, 0.0, n, role)
        busy = load_per_person(loads[role])
        return (-wait_chance(n, busy), -busy, n, role)

    return sorted(model.roles, key=key)
