"""The unit of each KPI, one place for every table, console line and chart that names one.

``%`` KPIs are stored as fractions (0.25 is 25 %); ``money`` is the model's cost unit (the model
states rates and step costs without a currency).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

KPI_UNITS: dict[str, str] = {
    "cycle_time_mean": "h",
    "cycle_time_median": "h",
    "cycle_time_p90": "h",
    "cycle_time_p95": "h",
    "dropoff_rate": "%",
    "abandon_rate": "%",
    "throughput_per_day": "cases/day",
    "throughput_per_week": "cases/week",
    "arrivals_per_week": "cases/week",
    "wip_mean": "cases",
    "wip_change": "cases",  # last part of the window against its first: a warm-up check
    "cost_per_case": "money",
    "processing_cost_per_case": "money",
    "value_added_ratio": "%",
    "revenue_per_case": "money",
    "margin_per_case": "money",
    "cases_arrived": "cases",
    "cases_completed": "cases",
    "cases_dropped": "cases",
    "cases_in_progress": "cases",
    "conversion_rate": "%",
    "waiting_per_case": "h",
    "headcount": "people",
    "utilisation_max": "%",
    "one_off_cost": "money",
    "timer_share": "%",  # every timer step's share of the cycle time together
    # the hours cases spent in the process (the shares' denominator): an objective one may pick
    "time_in_process": "h",
}
#: units of per-step / per-role KPIs, by the part of the name before ``:``
PREFIX_UNITS: dict[str, str] = {
    "waiting_mean": "h",
    "processing_mean": "h",
    "utilisation": "%",
    "dropoff_at": "%",
    "outcome_share": "%",
    # shares of the cases (reached) or of their cycle time (the others): a change in pp
    "reached": "%",
    "waiting_share": "%",
    "queue_share": "%",
    "timer_share": "%",
    "waiting_at_end": "%",  # the share of the measured cases still waiting at a step
    "visits_per_case": "visits",
}


MONEY_TEXT = "cost units"
"""How the unit ``money`` is written for a reader: a model states its rates and costs without a
currency, so a cost is in the model's own cost units."""


def unit_text(unit: str) -> str:
    """A unit as a reader sees it: ``cost units`` for ``money``, any other as it is."""
    return MONEY_TEXT if unit == "money" else unit


VALUE_DIGITS = 3
"""Significant digits a KPI's value shows at least in recommendations.md and the optimize
report's summary table (``value_decimals``), so that a small cost or a short time and its change
stay readable (QA cost17: "cost per case 0 -> 0, +0.0020 (+16.8 %)", "0.0 h" for 0.03 h)."""


def value_decimals(x: float, least: int, digits: int = VALUE_DIGITS) -> int:
    """Decimals that show ``x`` with ``digits`` significant digits, and never fewer than
    ``least``; ``least`` for a whole number (0, a headcount: exact as it is) and anything not
    finite."""
    if not math.isfinite(x) or float(x).is_integer():
        return least
    return max(least, digits - 1 - math.floor(math.log10(abs(x))))


def change_decimals(values: Sequence[float | None], least: int = 2) -> int:
    """Decimals for a change and its interval, the same for all: ``least``, or more where a
    value that is not 0 would read 0 with ``least`` (two significant digits for it; a value
    below a thousandth of the largest may still read 0). A change of -0.000044 h reads
    -0.000044, not -0.00 (QA: "-0.00 [-0.00, -0.00], significant yes")."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v) and v != 0]
    if not finite:
        return least
    top = max(finite)
    hidden = [v for v in finite if round(v, least) == 0 and v >= top / 1000]
    return max([least, *(1 - math.floor(math.log10(v)) for v in hidden)])


def signed_number(x: float, decimals: int) -> str:
    """A change ``x`` with its sign, thousands separators and ``decimals`` decimals (from
    ``change_decimals``); one that reads 0 at them is written 0 without a sign: ``0.00``, never
    ``-0.00`` (QA walk28_research F2: an interval's bound of -0.0003 read "-0.0")."""
    if round(x, decimals) == 0:
        return f"{0.0:,.{decimals}f}"
    return f"{x:+,.{decimals}f}"


def kpi_unit(kpi: str) -> str:
    """The unit of a KPI (``""`` when unknown), e.g. ``h`` for ``waiting_mean:review`` and for
    a case segment's ``segment:key_account:cycle_time_mean`` (its KPI's, after the last ``:``)."""
    if kpi in KPI_UNITS:
        return KPI_UNITS[kpi]
    if kpi.startswith("segment:"):
        return KPI_UNITS.get(kpi.rpartition(":")[2], "")
    return PREFIX_UNITS.get(kpi.split(":", 1)[0], "")


def labelled(names: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """``{kpi: (label, unit)}`` for ``{kpi: label}``: a report's own wording with this module's
    units, e.g. ``labelled({"cycle_time_p90": "p90 cycle time"})`` gives
    ``{"cycle_time_p90": ("p90 cycle time", "h")}``."""
    return {k: (name, kpi_unit(k)) for k, name in names.items()}
