"""The back-test's abandonment rate: the history's, the model's and the baseline's.

A log does not mark which of its cases gave up waiting (``sim.kpis``' ``abandon_rate`` counts the
cases whose patience ran out, which only a simulated trace records), so the history's
``abandon_rate`` read 0.0 where 11 % of the held-out cases abandoned (QA retest24 F6). Where the
abandonment outcomes are named, it is the share of the finished cases ending in one of them, in
the history, the model's simulated logs and the baseline's alike; where none are named it is
unknown and left out, not 0. A simulated case whose patience ran out ends as ``abandoned`` where
several abandonment outcomes are named (the model cannot tell which one it stands for): it is
a drop-off and an abandonment there too (the model's drop-off rate read 0.0 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.backtest import backtest
from sim.engine import run_replications
from sim.kpis import trace_cases, trace_to_event_log
from sim.model import ABANDONED
from sim.model import columns as C
from sim.model.scenario import Scenario
from tests.calibrate.test_backtest_abandonment_rows import _model as impatient_model

GAVE_UP = "gave up"
WITHDRAWN = "withdrawn"
SPLIT = pd.Timestamp("2024-01-21")


def _model(metadata: dict):
    """a -> b, a busy single expert at b whose waiting cases give up; its end's outcome is "b"."""
    return impatient_model(metadata, done_outcome="b")


def _history(names: list[str]) -> pd.DataFrame:
    """40 days of the model as a log that records each abandonment as an instant event when the
    case left, named one of ``names`` at random (the executed steps as the trace has them)."""
    model = _model({})
    sc = Scenario(horizon_days=40.0, warmup_days=0.0, replications=1, drain=True)
    tr = run_replications(model, sc, seed=1, workers=1)[0]
    cases = trace_cases(tr)
    left = cases[np.isfinite(cases["dropped_left"])]
    at = pd.Timestamp(tr.start_date) + left["dropped_left"].to_numpy() * pd.Timedelta(hours=1)
    rng = np.random.default_rng(5)
    rows = pd.DataFrame(
        {
            C.CASE: left["case_id"].astype(str).to_numpy(),
            C.ACTIVITY: rng.choice(names, size=len(left)),
            C.START: at,
            C.END: at,
            C.RESOURCE: None,
        }
    )
    log = trace_to_event_log(tr)[[C.CASE, C.ACTIVITY, C.START, C.END, C.RESOURCE]]
    log = pd.concat([log, rows]).sort_values([C.CASE, C.START], kind="stable")
    return log.reset_index(drop=True)


def _split(log: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    first = log.groupby(C.CASE)[C.START].transform("min")
    return log[first < SPLIT], log[first >= SPLIT]


def _share_ending_in(log: pd.DataFrame, outcomes: set[str]) -> float:
    """Share of a log's finished cases whose outcome (its column, else its last activity) is
    one of ``outcomes``: counted from the file, as a user would."""
    ordered = log.sort_values([C.CASE, C.END], kind="stable")
    if C.OUTCOME in log.columns:
        out = ordered.groupby(C.CASE)[C.OUTCOME].first().dropna()
    else:
        out = ordered.groupby(C.CASE)[C.ACTIVITY].last()
    return float(out.isin(outcomes).mean())


def _run(model, log: pd.DataFrame, **kwargs):
    train, test = _split(log)
    res = backtest(model, train, test, replications=3, seed=0, distances=False, **kwargs)
    return res, res.to_dict(), test


@pytest.fixture(scope="module")
def one_name():
    meta = {
        "dropoff_outcomes": [GAVE_UP],
        "abandonment_outcomes": [GAVE_UP],
        "patience_steps": ["b"],
    }
    return _run(_model(meta), _history([GAVE_UP]))


def test_the_history_abandon_rate_is_its_share_of_cases_ending_in_an_abandonment(one_name):
    res, d, test = one_name
    assert d["test"]["complete"] is True  # every case finished and is measured
    kpis = d["test"]["kpis"]
    expected = _share_ending_in(test, {GAVE_UP})
    assert expected > 0.1  # was read 0.0
    assert kpis["abandon_rate"] == pytest.approx(expected, abs=1e-12)
    # every drop-off of this log is an abandonment
    assert kpis["abandon_rate"] == pytest.approx(kpis["dropoff_rate"], abs=1e-12)
    assert d["settings"]["abandonment_outcomes"] == [GAVE_UP]


def test_the_model_and_the_baseline_give_theirs_with_the_error_against_the_history(one_name):
    res, d, _ = one_name
    history = d["test"]["kpis"]["abandon_rate"]
    for section, logs in (("model", res.simulated), ("baseline", res.baseline)):
        fig = d[section]["abandon_rate"]
        recount = [_share_ending_in(df, {GAVE_UP}) for df in logs]
        assert fig["per_replication"] == pytest.approx(recount, abs=1e-12), section
        assert min(recount) > 0.05, section
        err = d[section]["abandon_rate_abserr"]["per_replication"]
        assert err == pytest.approx([abs(r - history) for r in recount], abs=1e-12)
    # the generating model abandons as often as its history, within replication noise
    assert abs(d["model"]["abandon_rate"]["mean"] - history) < 0.08


def test_without_abandonment_outcomes_the_abandon_rate_is_unknown_not_zero():
    meta = {"dropoff_outcomes": [GAVE_UP], "patience_steps": ["b"]}
    _, d, test = _run(_model(meta), _history([GAVE_UP]))
    assert "abandon_rate" not in d["test"]["kpis"]
    for section in ("model", "baseline"):
        assert not [k for k in d[section] if k.startswith("abandon_rate")], section
    assert d["settings"]["abandonment_outcomes"] == []
    # the drop-off is measured as before
    assert d["test"]["kpis"]["dropoff_rate"] == pytest.approx(_share_ending_in(test, {GAVE_UP}))


def test_the_abandonment_outcomes_can_be_given_for_a_model_that_does_not_name_them():
    # a model from elsewhere (an imported one) with patience but no calibration metadata
    _, d, test = _run(
        _model({}), _history([GAVE_UP]), dropoff_outcomes=[GAVE_UP], abandonment_outcomes=[GAVE_UP]
    )
    assert d["test"]["kpis"]["abandon_rate"] == pytest.approx(_share_ending_in(test, {GAVE_UP}))
    assert d["model"]["abandon_rate"]["mean"] > 0.05


def test_with_several_abandonment_outcomes_the_models_abandonments_count_as_both():
    names = [GAVE_UP, WITHDRAWN]
    meta = {"dropoff_outcomes": names, "abandonment_outcomes": names, "patience_steps": ["b"]}
    res, d, test = _run(_model(meta), _history(names))
    history = d["test"]["kpis"]["abandon_rate"]
    assert history == pytest.approx(_share_ending_in(test, set(names)), abs=1e-12)
    # the model cannot tell the names apart: its cases that gave up end as 'abandoned'
    recount = [_share_ending_in(df, {ABANDONED}) for df in res.simulated]
    assert min(recount) > 0.1
    model = d["model"]
    assert model["abandon_rate"]["per_replication"] == pytest.approx(recount, abs=1e-12)
    # a drop-off too (it read 0.0 % against the history's 27 %)
    assert model["dropoff_rate"]["per_replication"] == pytest.approx(recount, abs=1e-12)
    assert abs(model["dropoff_rate"]["mean"] - d["test"]["kpis"]["dropoff_rate"]) < 0.08
    # the history's and the baseline's drop-off outcomes are still only those named
    assert d["settings"]["dropoff_outcomes"] == names
    base = [_share_ending_in(df, set(names)) for df in res.baseline]
    assert d["baseline"]["abandon_rate"]["per_replication"] == pytest.approx(base, abs=1e-12)
