"""The warning of a role offered more work than its hours whose every step has a patience says
only what is true of it (QA abandon20 #1).

An M/M/3+M: a case every 20 minutes, 1.2 h of work each for 3 people (120 % of their hours),
patience Exp(mean 0.5 h). The warning said "it will be busy all its hours and at least 17 % of
the work offered to it goes undone". In Erlang-A it is about 80 % busy (79.5 % [79.1, 79.9]
measured over 30 replications of 40 days; the birth-death chain's 79.8 %) and a third of the
cases give up: the share of the work lost is ``1 - 1 / 1.2`` only for a role busy all its hours,
and more the less busy it is. The lower bound stays; the claim that it is busy all its hours
goes.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from sim.engine import run_replications
from sim.kpis import kpi_table
from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.model.views import impatient_overloads, overload_warning, pre_run_warnings
from tests.erlang_a import mmc_spec


def _model():
    spec = mmc_spec("mm3m", interarrival_hours=1 / 3, job_hours=1.2, servers=3, patience_hours=0.5)
    return from_dict(spec, source="mm3m")


def test_the_warning_keeps_the_lower_bound_and_claims_no_busy_hours():
    model = _model()
    assert list(impatient_overloads(model)) == ["server"]
    text = overload_warning(model)
    assert text is not None and text.startswith("warning:")
    flat = " ".join(text.split())
    assert "busy all" not in flat
    assert (
        "cases that give up waiting will relieve it, so its queue stays bounded, but at a loss: "
        "at least 17 % of the work offered to it goes undone, its cases abandoned, and more the "
        "less busy it is: its people run out of work whenever its queue empties" in flat
    )
    assert "scenario.staffing.server=5" in flat
    assert text in pre_run_warnings(model, Scenario())


def test_the_run_measures_the_loss_above_the_bound_and_the_role_well_below_all_its_hours():
    """What the warning no longer says, the engine shows: utilisation well under 100 %, and
    more than ``1 - 1 / 1.2`` of the cases abandoned (each abandoned case is one job undone)."""
    model = _model()
    n = 10
    scenario = Scenario(horizon_days=7, warmup_days=1, replications=n)
    table = kpi_table(run_replications(model, scenario, seed=3, workers=1), model)
    busy, lost = table["utilisation:server"], table["abandon_rate"]
    half = stats.t.ppf(0.975, n - 1) * busy.std(ddof=1) / math.sqrt(n)
    assert busy.mean() + half < 0.9
    assert np.all(lost > 1 - 1 / 1.2)


def test_a_role_offered_exactly_its_hours_is_not_said_to_lose_at_least_0_percent():
    """QA retest20b #8: at 100 % offered the bound 1 - 1/utilisation is 0 %, and the warning
    said "at least 0 %" of a role whose run lost 26.5 % of its cases."""
    from sim.model.views import offered_load

    spec = mmc_spec("mm2m100", interarrival_hours=0.5, job_hours=1.0, servers=2, patience_hours=0.5)
    model = from_dict(spec, source="test")
    assert offered_load(model)["server"].utilisation == 1.0
    assert "server" in impatient_overloads(model)
    text = " ".join(overload_warning(model).split())
    assert "at least 0 %" not in text
    assert "some of the work offered to it goes undone" in text


def test_a_role_offered_its_hours_beside_another_is_not_said_to_lose_at_least_0_percent():
    """QA coderev21 #2: one role offered 100.2 % of its hours and one 150 %, every step with a
    patience: "at least 0 % for a and 33 % for b" (the run lost 60 % of its cases)."""
    spec = mmc_spec("tandem", interarrival_hours=1.0, job_hours=1.002, servers=1, patience_hours=1)
    spec["roles"] = {"a": {"headcount": 1}, "b": {"headcount": 1}}
    first = dict(spec["steps"]["s"], role="a", next="s2")
    second = dict(first, role="b", duration={"dist": "exponential", "mean": 1.5}, next="done")
    spec["steps"] = {"s": first, "s2": second}
    text = " ".join(overload_warning(from_dict(spec, source="test")).split())
    assert "at least 0 %" not in text
    assert "some for a and at least 33 % for b of the work offered to them goes undone" in text
