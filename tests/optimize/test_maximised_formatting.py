"""A maximised objective reads as a minimised one does, and every share KPI reads as a share.

QA optim25 F5: with ``conversion_rate`` maximised, four ablation rows read ``-0.00 [-0.00,
-0.00] =`` and confirmation.json held ``"improvement": -0.0`` (the sign flip of a maximised
objective turned 0 into -0.0); and conversion_rate was shown under its raw name as a fraction
(``0.433``, ``-0.0016``) while the drop-off rate of the same run read ``56.7 %``, ``+0.16 pp``.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from sim.kpis.summary import DOMAINS
from sim.kpis.units import KPI_UNITS
from sim.model.scenario import Scenario
from sim.optimize import Objective
from sim.optimize.confirm import NEGLIGIBLE_CHANGE, negligible
from sim.optimize.outputs import _floor, _fmt, _fmt_change, _signed, _unit
from tests.optimize.conftest import (
    clerk_and_spare_space,
    confirmed_and_ablated,
    one_candidate_markdown,
    tiny_with_slow_intake_and_spare,
)

OBJECTIVES = (Objective("conversion_rate", "maximize"), Objective("cycle_time_mean"))
SCENARIO = Scenario(horizon_days=3, warmup_days=0.5)
CHOICE = {"staffing:clerk": 2, "staffing:spare": 2}
REPS = 3
#: every KPI whose domain is a share: a whole-run KPI by its name, a step's by its family's
SHARES = sorted(
    k if k in KPI_UNITS else f"{k}:review" for k, bounds in DOMAINS.items() if bounds == (0.0, 1.0)
)


def _positive(x: float) -> bool:
    """Whether ``x`` carries a + sign (0.0 does, -0.0 does not)."""
    return math.copysign(1.0, x) > 0


@pytest.fixture(scope="module")
def ablated():
    """TINY with a slow intake and a spare role, two clerks and two spares: every case ends
    in success, so the conversion rate is 100 % with and without each change (identical)."""
    model = tiny_with_slow_intake_and_spare()
    space = clerk_and_spare_space(model)
    c, base, _ = confirmed_and_ablated(model, space, CHOICE, OBJECTIVES, SCENARIO, REPS)
    return c, one_candidate_markdown(c, base, OBJECTIVES, REPS, simulations=3 * REPS)


def test_an_identical_maximised_objective_has_no_negative_zero_in_the_ablation(ablated):
    c, _md = ablated
    assert len(c.ablation) == 2
    for a in c.ablation:
        v = a["contribution"]["conversion_rate"]
        assert v["identical"] is True  # the premise: 100 % with and without the change
        for key in ("improvement", "ci_low", "ci_high"):
            assert v[key] == 0.0 and _positive(v[key]), (a["change"], key, v[key])
        assert '"improvement": 0.0' in json.dumps(v)


def test_the_ablation_table_reads_zero_for_an_identical_maximised_objective(ablated):
    _c, md = ablated
    rows = [line for line in md.splitlines() if line.startswith("| Staff ")]
    assert len(rows) == 2
    for row in rows:
        # a change that reads 0 is written 0 without a sign (README; signed_number)
        assert "| 0.00 [0.00, 0.00] = |" in row, row
    assert "-0.00" not in md


def test_conversion_rate_reads_as_a_share_in_recommendations(ablated):
    _c, md = ablated
    assert "conversion_rate" not in md.replace("`conversion_rate`", "")
    assert "maximize conversion rate" in md
    assert "conversion rate 100.0 %" in md  # today's value, as the drop-off rate's reads
    # the ablation's legend names the share objectives (it said "drop-off" whatever they were)
    assert "; conversion rate in percentage points)" in md
    assert "drop-off in percentage points" not in md


@pytest.mark.parametrize("kpi", SHARES)
def test_every_share_kpi_is_shown_in_percent(kpi):
    assert _unit(kpi) == "%"


@pytest.mark.parametrize(
    "kpi", ["conversion_rate", "abandon_rate", "value_added_ratio", "segment:web:conversion_rate"]
)
def test_a_rate_of_cases_reads_in_percent_and_its_change_in_pp(kpi):
    assert _fmt(kpi, 0.433) == "43.3 %"
    row = pd.Series(
        {
            "diff": -0.0016,
            "ci_low": -0.0100,
            "ci_high": 0.0068,
            "relative": -0.0016 / 0.433,
            "base": 0.433,
            "n": 5,
        }
    )
    assert _fmt_change(kpi, row, 5) == "-0.16 pp (-0.4 %) [-1.00, +0.68]"


def test_conversion_rate_has_the_floor_of_a_share():
    assert _floor(["conversion_rate"]) == f"under {100 * NEGLIGIBLE_CHANGE:g} percentage points"
    # 0.05 pp of a 43 % rate: negligible (a relative floor would say 0.043 pp)
    assert negligible("conversion_rate", {"diff": 0.0005, "base": 0.433})


def test_a_negative_zero_is_written_as_zero():
    assert _signed([-0.0, -0.0, -0.0]) == ["0.00", "0.00", "0.00"]
    assert _signed([-0.0004, -0.5, 0.5]) == ["0.00", "-0.50", "+0.50"]  # never -0.00
    assert _fmt("conversion_rate", -0.0) == "0.0 %"
    assert _fmt("cycle_time_mean", -0.0) == "0.0 h"
