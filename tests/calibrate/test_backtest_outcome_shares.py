"""backtest.json gives the model's and the naive baseline's share of each outcome, of each step
cases drop off at and of each activity, next to the history's, per replication and over them
with 95 % CIs, and the report shows the outcome shares beside the history's (QA spec24 #3: the
history had ``outcome_share:<outcome>``, the model and the baseline only a total-variation
distance, so the simulated share of an outcome could be read nowhere).

The truth is known here: each case is an ``apply`` (two clerks) and then, with probability 0.7,
an ``approve`` (outcome ``approved``) or else a ``reject`` (``rejected``, the drop-off). The
history is a run of that model, every case run to its end; its last fifth of cases is held out.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import backtest as bt
from sim.calibrate.backtest import _compare, _measure, _summarise, backtest
from sim.engine import run_replication
from sim.kpis import trace_to_event_log
from sim.model import columns as C
from sim.model import from_dict
from sim.model.scenario import Scenario
from sim.report.html import _backtest_html

P_APPROVE = 0.7
TRUTH = {
    "name": "verdicts",
    "start": "apply",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
    "roles": {"clerk": {"headcount": 2}},
    "steps": {
        "apply": {
            "role": "clerk",
            "duration": {"dist": "exponential", "mean": 0.5},
            "next": "verdict",
        },
        "approve": {"duration": {"dist": "fixed", "value": 1.0}, "next": "approved"},
        "reject": {"duration": {"dist": "fixed", "value": 0.2}, "next": "rejected"},
    },
    "decisions": {"verdict": {"branches": {"approve": P_APPROVE, "reject": 1 - P_APPROVE}}},
    "ends": {"approved": {"success": True}, "rejected": {"success": False}},
}
REPLICATIONS = 4


@pytest.fixture(scope="module")
def run():
    model = from_dict(TRUTH)
    trace = run_replication(model, Scenario(horizon_days=40, warmup_days=0, drain=True), seed=1)
    log = trace_to_event_log(trace)
    first = log.groupby(C.CASE)[C.START].transform("min")
    cut = first.quantile(0.8)
    train, test = log[first < cut], log[first >= cut]
    res = backtest(
        model,
        train,
        test,
        replications=REPLICATIONS,
        seed=0,
        distances=False,
        dropoff_outcomes=["rejected"],
    )
    return test, res, res.to_dict()


def _case_outcome_shares(df: pd.DataFrame) -> pd.Series:
    """Share of the cases of a complete log (every case finished) per outcome."""
    return df.drop_duplicates(C.CASE)[C.OUTCOME].value_counts(normalize=True)


def _logs(res, source: str) -> list[pd.DataFrame]:
    return res.simulated if source == "model" else res.baseline


@pytest.mark.parametrize("source", ["model", "baseline"])
def test_each_outcome_share_is_given_per_replication_as_the_written_logs_show_it(run, source):
    test, res, d = run
    history = d["test"]["kpis"]
    real = _case_outcome_shares(test)
    assert d["test"]["complete"]  # every case finished: each log's shares are over all its cases
    for outcome in ("approved", "rejected"):
        key = f"outcome_share:{outcome}"
        assert history[key] == pytest.approx(real[outcome])
        fig = d[source][key]
        by_hand = [_case_outcome_shares(df).get(outcome, 0.0) for df in _logs(res, source)]
        np.testing.assert_allclose(fig["per_replication"], by_hand, rtol=1e-12)
        assert fig["mean"] == pytest.approx(np.mean(by_hand))
        assert fig["ci_low"] <= fig["mean"] <= fig["ci_high"]
        err = d[source][f"{key}_abserr"]
        np.testing.assert_allclose(
            err["per_replication"], np.abs(np.array(by_hand) - real[outcome]), rtol=1e-12
        )
    # the rejections are the drop-off, lost at the step reject
    np.testing.assert_allclose(
        d[source]["dropoff_at:reject"]["per_replication"],
        d[source]["outcome_share:rejected"]["per_replication"],
    )
    assert history["dropoff_at:reject"] == pytest.approx(real["rejected"])


def test_the_models_outcome_share_is_the_true_routing(run):
    """The model is the truth: its share of approved cases, over the replications, holds 0.7."""
    _, _, d = run
    fig = d["model"]["outcome_share:approved"]
    assert fig["ci_low"] <= P_APPROVE <= fig["ci_high"]
    assert fig["ci_high"] - fig["ci_low"] < 0.2


@pytest.mark.parametrize("source", ["model", "baseline"])
def test_each_activity_share_is_given_beside_the_historys(run, source):
    test, res, d = run
    real = test[C.ACTIVITY].value_counts(normalize=True)
    for activity in ("apply", "approve", "reject"):
        key = f"activity_share:{activity}"
        assert d["test"]["kpis"][key] == pytest.approx(real[activity])
        by_hand = [
            df[C.ACTIVITY].value_counts(normalize=True).get(activity, 0.0)
            for df in _logs(res, source)
        ]
        np.testing.assert_allclose(d[source][key]["per_replication"], by_hand, rtol=1e-12)
        np.testing.assert_allclose(
            d[source][f"{key}_abserr"]["per_replication"],
            np.abs(np.array(by_hand) - real[activity]),
            rtol=1e-12,
        )
    # every case applies once: half of every log's events
    assert d[source]["activity_share:apply"]["per_replication"] == [0.5] * REPLICATIONS


def test_the_existing_distances_are_kept(run):
    _, _, d = run
    for source in ("model", "baseline"):
        assert {"outcome_share_tvd", "activity_share_tvd", "dropoff_rate"} <= set(d[source])


ORIGIN = pd.Timestamp("2024-01-01")


def _log(outcomes: list[str]) -> pd.DataFrame:
    """One case per outcome, each a 1 h ``a`` then a 1 h step named as its outcome."""
    rows = []
    for i, outcome in enumerate(outcomes):
        start = ORIGIN + pd.Timedelta(minutes=10 * i)
        middle, end = start + pd.Timedelta(hours=1), start + pd.Timedelta(hours=2)
        rows.append((f"c{i}", "a", start, middle, "r", outcome))
        rows.append((f"c{i}", outcome, middle, end, "r", outcome))
    columns = [C.CASE, C.ACTIVITY, C.START, C.END, C.RESOURCE, C.OUTCOME]
    return pd.DataFrame(rows, columns=columns)


def _measured(outcomes: list[str]) -> dict:
    window = (0.0, 10 * len(outcomes) / 60 + 1e-6)
    return _measure(_log(outcomes), set(), origin=ORIGIN, window=window, dropoff=["lost"])


def test_an_outcome_one_replication_never_shows_is_zero_in_it_not_left_out():
    """The mean over replications is over every replication: an outcome (and its activity) that
    one replication showed and another did not is 0 in the other, as simulate's tables count
    it, and a share the history lacks is measured against its 0."""
    real = _measured(["won"] * 6 + ["lost"] * 4)
    reps = [_measured(["won"] * 5 + ["lost"] * 3 + ["withdrawn"] * 2), _measured(["won"] * 10)]
    rows = bt._compare_all(reps, real)  # (each replication given every share any showed)
    assert [r["outcome_share:withdrawn"] for r in rows] == [0.2, 0.0]
    assert [r["outcome_share:withdrawn_abserr"] for r in rows] == [0.2, 0.0]
    assert [r["outcome_share:lost"] for r in rows] == [0.3, 0.0]
    assert [r["outcome_share:lost_abserr"] for r in rows] == pytest.approx([0.1, 0.4])
    assert [r["dropoff_at:lost"] for r in rows] == [0.3, 0.0]
    assert [r["activity_share:withdrawn"] for r in rows] == [0.1, 0.0]
    summary = _summarise(rows)
    assert summary["outcome_share:withdrawn"]["mean"] == pytest.approx(0.1)
    assert summary["outcome_share:won"]["per_replication"] == [0.5, 1.0]


def test_a_log_without_cases_has_no_shares():
    real = _measured(["won"] * 6 + ["lost"] * 4)
    empty = _measure(_log([]), set(), origin=ORIGIN, window=(0.0, 1.0), dropoff=["lost"])
    out = _compare(empty, real)
    assert math.isnan(out["outcome_share:won"]) and math.isnan(out["outcome_share:won_abserr"])
    assert math.isnan(out["activity_share:a"])


def test_the_report_shows_each_outcome_share_beside_the_historys(run):
    _, _, d = run
    page = _backtest_html(d)
    for outcome in ("approved", "rejected"):
        key = f"outcome_share:{outcome}"
        row = next(
            r for r in page.split("<tr>") if r.startswith(f"<td>Share of cases ending {outcome}<")
        )
        cells = row.split("<td")[2:]
        history = 100 * d["test"]["kpis"][key]
        model, base = 100 * d["model"][key]["mean"], 100 * d["baseline"][key]["mean"]
        assert f">{history:.1f} %<" in cells[0]
        assert f">{model:.1f} % <" in cells[1] and "[" in cells[1]  # with its CI
        assert f">{base:.1f} % <" in cells[2]


def test_the_report_leaves_the_rows_out_for_a_backtest_json_without_the_models_shares():
    """A run from before: the history's outcome shares alone would read as a model with none."""
    d = {
        "test": {"kpis": {"dropoff_rate": 0.3, "outcome_share:won": 0.7}},
        "model": {"dropoff_rate": {"mean": 0.25, "ci_low": 0.2, "ci_high": 0.3}},
    }
    assert "Share of cases ending" not in _backtest_html(d)
