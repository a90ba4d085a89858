"""Calibration of the real BPIC 2012 W log, back-testing, and bad input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model
from sim.calibrate.backtest import backtest, log_distance_measures_available
from sim.engine import run_replication
from sim.errors import EventLogError
from sim.model import load, save
from sim.model.scenario import Scenario


@pytest.fixture(scope="module")
def bpic_train(shared_data):
    from sim.eventlog import read_event_log

    return read_event_log(shared_data / "bpic2012_w" / "BPIC_2012_W_train.csv.gz")


@pytest.fixture(scope="module")
def bpic_test(shared_data):
    from sim.eventlog import read_event_log

    return read_event_log(shared_data / "bpic2012_w" / "BPIC_2012_W_test.csv.gz")


@pytest.fixture(scope="module")
def bpic_calibration(bpic_train):
    return calibrate_model(bpic_train, dropoff_outcomes=[], seed=0)


def test_bpic_train_gives_a_valid_model_that_simulates(bpic_calibration, tmp_path):
    m = bpic_calibration.model
    activities = m.metadata.get("step_activity", {})
    assert len({activities.get(s, s) for s in m.steps if not s.startswith("delay:")}) == 6
    # 47 distinct resources, but people joined and left during the ten weeks: fewer at once
    staff = {r.name: r.provenance["headcount_from"] for r in m.roles.values()}
    assert sum(p["distinct"] for p in staff.values()) == 47
    assert 30 <= sum(r.headcount for r in m.roles.values()) < 47
    assert all(r.headcount <= staff[r.name]["distinct"] for r in m.roles.values())
    path = save(m, tmp_path / "model.yaml")
    again = load(path)  # validated on load
    trace = run_replication(again, Scenario(horizon_days=14, warmup_days=0), seed=1)
    assert trace.n_cases > 100 and trace.n_events > trace.n_cases
    # every fitted duration carries its provenance
    for s in again.steps.values():
        assert s.duration.provenance and s.duration.provenance["n"] > 0


def test_a_truncated_training_file_has_no_right_censored_case(bpic_train, bpic_calibration):
    # the reading flags 63 late-finishing cases as open; the file kept only finished cases, so
    # calibration takes them as finished (weighted like the other long cases), and says so
    assert len(bpic_train.open_case_ids) == 63
    notes = bpic_calibration.notes
    assert any("63 case(s) look open" in n and "taken as finished" in n for n in notes), notes
    assert not any("still open" in n for n in notes)
    trunc = bpic_calibration.summary()["truncation"]
    assert trunc["applied"] and trunc["open_case_flags_dropped"] == 63


@pytest.mark.slow
def test_bpic_backtest_report(bpic_calibration, bpic_train, bpic_test):
    res = backtest(
        bpic_calibration.model, bpic_train, bpic_test, replications=2, seed=0, distances=False
    )
    d = res.to_dict()
    json.dumps(d)  # backtest.json is plain JSON
    assert d["test"]["cases"] > 1000
    for section in ("model", "baseline"):
        assert "cycle_time_mean_relerr" in d[section]
        assert "cycle_time_wasserstein_h" in d[section]
        assert "distances" in d[section]
    # QA 7c #1: the held-out file kept only finished cases, so none is open; the reading's rule
    # took 112 finished, long ones (mean 372 h) for open and left them out of the history
    assert d["test"]["truncation"]["applied"] is True
    assert d["test"]["open_cases"] == 0
    assert (
        d["test"]["kpis"]["cases_completed"] + d["test"]["kpis"]["cases_dropped"]
        == (d["test"]["cases"])
    )
    logs = res.event_logs()
    assert set(logs) == {"trace_1", "trace_2", "baseline_1", "baseline_2"}
    assert {"case_id", "activity", "start_time", "end_time", "resource"} <= set(logs["trace_1"])
    assert not logs["trace_1"]["activity"].str.startswith("delay:").any()


def test_backtest_reports_missing_distance_package(monkeypatch, bpic_calibration, bpic_train):
    import sim.calibrate.backtest as bt

    monkeypatch.setattr(bt, "log_distance_measures_available", lambda: False)
    ev = bpic_train.events
    cases = ev["case_id"].drop_duplicates()
    train = ev[ev["case_id"].isin(cases.iloc[:300])]
    test = ev[ev["case_id"].isin(cases.iloc[300:400])]
    res = bt.backtest(bpic_calibration.model, train, test, replications=1, seed=0, warmup_days=7)
    dist = res.to_dict()["model"]["distances"]
    assert all("not installed" in str(v) for v in dist.values())


def test_distance_package_detection_follows_whether_it_imports(monkeypatch):
    """True exactly when ``import log_distance_measures`` succeeds."""
    try:
        import log_distance_measures  # noqa: F401
    except ImportError:
        installed = False
    else:
        installed = True
    assert log_distance_measures_available() is installed
    monkeypatch.setitem(sys.modules, "log_distance_measures", None)  # the import now fails
    assert log_distance_measures_available() is False


def test_simod_distances_when_installed(bpic_calibration, bpic_train):
    if not log_distance_measures_available():
        pytest.skip("log-distance-measures (the [backtest] extra) is not installed")
    ev = bpic_train.events
    cases = ev["case_id"].drop_duplicates()
    train = ev[ev["case_id"].isin(cases.iloc[:300])]
    test = ev[ev["case_id"].isin(cases.iloc[300:360])]
    res = backtest(bpic_calibration.model, train, test, replications=1, seed=0, warmup_days=7)
    dist = res.to_dict()["model"]["distances"]
    assert set(dist) == {
        "ngram_3",
        "absolute_emd",
        "circadian_emd",
        "arrival_emd",
        "relative_emd",
        "cycle_time_emd",
    }
    assert all(isinstance(v, dict) and v["mean"] >= 0 for v in dist.values())


def test_log_distances_do_not_depend_on_the_number_of_worker_processes(
    bpic_calibration, bpic_train
):
    if not log_distance_measures_available():
        pytest.skip("log-distance-measures (the [backtest] extra) is not installed")
    from sim.calibrate.backtest import score_distances

    ev = bpic_train.events
    cases = ev["case_id"].drop_duplicates()
    test = ev[ev["case_id"].isin(cases.iloc[300:360])]
    res = backtest(bpic_calibration.model, ev, test, replications=3, seed=0, warmup_days=7)
    logs = res.simulated + res.baseline
    hist = res.historical
    serial = score_distances(hist, logs, workers=1)
    parallel = score_distances(hist, logs, workers=2)
    assert len(serial) == len(logs) == 6
    assert parallel == serial  # same figures, same order (model logs first, then the baseline)
    # and they are what the back-test itself reported
    assert np.mean([d["ngram_3"] for d in serial[:3]]) == pytest.approx(
        res.to_dict()["model"]["distances"]["ngram_3"]["mean"]
    )
    assert np.mean([d["ngram_3"] for d in serial[3:]]) == pytest.approx(
        res.to_dict()["baseline"]["distances"]["ngram_3"]["mean"]
    )


@pytest.mark.slow
def test_full_bpic2012_w_calibrates_every_activity(shared_data):
    """The whole 8,616-case log. How long it takes (issue 3: under 60 s on 2 cores) is measured
    in experiments/backtest_public_logs (results.md, "calibrate s"), not here: a timed test
    fails on a loaded machine (49 s beside four busy processes, 8 s alone)."""
    from sim.eventlog import read_event_log

    log = read_event_log(shared_data / "bpic2012_w" / "BPIC_2012_W.csv.gz")
    assert log.n_cases == 8616
    model = calibrate_model(log).model
    step_activity = model.metadata.get("step_activity") or {}
    assert {step_activity.get(s, s) for s in model.steps} >= set(log.events["activity"])
    assert model.roles


# ------------------------------------------------------------------------------- bad input
def _table(rows):
    df = pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])
    for c in ("start_time", "end_time"):
        df[c] = pd.to_datetime(df[c])
    return df


def test_empty_log_is_refused():
    with pytest.raises(EventLogError, match="empty"):
        calibrate_model(_table([]))


def test_one_case_log_is_refused():
    df = _table(
        [
            ("1", "a", "2024-01-01 09:00", "2024-01-01 10:00", "r"),
            ("1", "b", "2024-01-01 10:00", "2024-01-01 11:00", "r"),
        ]
    )
    with pytest.raises(EventLogError, match="1 case"):
        calibrate_model(df)


def test_one_activity_log_is_refused():
    df = _table(
        [
            ("1", "a", "2024-01-01 09:00", "2024-01-01 10:00", "r"),
            ("2", "a", "2024-01-01 10:00", "2024-01-01 11:00", "r"),
        ]
    )
    with pytest.raises(EventLogError, match="one activity only"):
        calibrate_model(df)


@pytest.mark.parametrize("name", ["delay:b", "after:b", "end:b", "parallel_1", "parallel_2_join"])
def test_an_activity_named_like_the_models_own_nodes_is_refused(name):
    """QA 2026-12-05 #5: 'after:Check' made two nodes of one name ("used twice (in steps and
    decisions)"), 'delay:Check' a 'delay:delay:Check' unreachable from start."""
    rows = []
    for k in range(6):
        day = f"2024-01-0{1 + k % 5} "
        rows += [
            (str(k), "a", day + "09:00", day + "10:00", "r"),
            (str(k), name, day + "10:00", day + "11:00", "r"),
        ]
    with pytest.raises(EventLogError, match="rename the activity in the log") as err:
        calibrate_model(_table(rows))
    assert f"{name!r} (6 events)" in str(err.value)
    calibrate_model(_table([(c, a.replace(name, "b_ok"), s, e, r) for c, a, s, e, r in rows]))


def test_missing_column_names_the_column_and_the_mapping_arguments():
    df = _table([("1", "a", "2024-01-01 09:00", "2024-01-01 10:00", "r")]).drop(
        columns=["activity"]
    )
    with pytest.raises(EventLogError, match="activity") as err:
        calibrate_model(df)
    assert "activity_key" in str(err.value) and "case_id" in str(err.value)


def test_bad_setting_is_a_config_error():
    from sim.errors import ConfigError

    with pytest.raises(ConfigError, match="rare_path_threshold"):
        calibrate_model(_table([]), rare_path_threshold=1.5)


def test_rare_path_threshold_removes_rare_branches_and_stays_valid(bpic_train, bpic_calibration):
    """Branches below the threshold leave their decision (recorded in ``rare_removed``): they
    were below it in the unfiltered model, and what is left is at or above it, renormalised."""
    cal = calibrate_model(bpic_train, dropoff_outcomes=[], rare_path_threshold=0.05)
    decisions = cal.model.decisions
    removed = {
        name: d.provenance["rare_removed"]
        for name, d in decisions.items()
        if "rare_removed" in (d.provenance or {})
    }
    assert removed  # BPIC has rare branches (e.g. start -> fraud check, 0.9 %)
    unfiltered = bpic_calibration.model.decisions
    for name, gone in removed.items():
        d = decisions[name]
        assert all(b.probability >= 0.05 - 1e-12 for b in d.branches), name
        assert sum(b.probability for b in d.branches) == pytest.approx(1.0)
        assert not set(gone) & {b.to for b in d.branches}, name
        before = {b.to: b.probability for b in unfiltered[name].branches}
        assert all(0 < before[t] < 0.05 and k > 0 for t, k in gone.items()), (name, gone)
    note = next(n for n in cal.notes if "rare paths" in n)
    # whole transitions, though the truncated log's cases are weighted (was "56.74868837467209")
    assert re.search(r"decision\(s\) \(\d[\d,]* transitions\)", note), note


_BACKTEST_IN_A_FRESH_PROCESS = """
import json, sys, warnings
from sim.calibrate import calibrate_model
from sim.calibrate.backtest import backtest
from sim.model.io import to_dict
from sim.eventlog import read_event_log

warnings.simplefilter("ignore")
ev = read_event_log(sys.argv[1]).events
cases = ev["case_id"].drop_duplicates()
train = ev[ev["case_id"].isin(cases.iloc[:400])]
test = ev[ev["case_id"].isin(cases.iloc[400:600])]
model = calibrate_model(train, seed=0).model
res = backtest(model, train, test, replications=2, seed=0, distances=False).to_dict()
for key in ("seconds", "simulation_seconds"):
    res["settings"].pop(key)
print(json.dumps({"model": to_dict(model), "backtest": res}, sort_keys=True, default=str))
"""


def test_same_seed_same_numbers_whatever_the_hash_seed(shared_data):
    # Iterating a set of strings follows the process's hash seed; a float sum in that order
    # (the activity-share distance did) changes the last digit from one run to the next.
    log = shared_data / "bpic2012_w" / "BPIC_2012_W_train.csv.gz"
    outputs = set()
    for hash_seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        res = subprocess.run(
            [sys.executable, "-c", _BACKTEST_IN_A_FRESH_PROCESS, str(log)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert res.returncode == 0, res.stderr[-2000:]
        outputs.add(res.stdout)
    assert len(outputs) == 1


def test_a_drop_off_outcome_that_cases_carry_on_after_is_noted():
    """QA 9a #7: a case's outcome is its last activity, so BPIC 2012's declined applications whose
    work item closed after A_DECLINED counted as no drop-off (71 % of the held-out cases were
    declined or cancelled; the drop-off rate read 34 %), and nothing said so."""
    rows = []
    t0 = pd.Timestamp("2024-01-01 09:00")
    for i in range(80):
        t = t0 + pd.Timedelta(hours=3 * i)
        seq = ["apply", "decline", "close item"] if i % 4 == 0 else ["apply", "decline"]
        if i % 2:
            seq = ["apply", "approve"]
        for k, act in enumerate(seq):
            start = t + pd.Timedelta(minutes=30 * k)
            rows.append((f"c{i}", act, start, start + pd.Timedelta(minutes=20), f"r{k % 2}"))
    df = _table(rows)
    cal = calibrate_model(df, dropoff_outcomes=["decline"])
    (note,) = [n for n in cal.notes if "carry on after" in n]
    assert "'decline' is in 40 finished cases and ends 20" in note
    assert cal.model.metadata["notes"].count(note) == 1
    # an outcome that always ends its cases gets no such note
    assert not [
        n for n in calibrate_model(df, dropoff_outcomes=["approve"]).notes if "carry on after" in n
    ]


def _two_step_cases(n: int = 8) -> list[tuple]:
    rows = []
    for k in range(n):
        day = f"2024-01-0{1 + k % 5} "
        rows += [
            (str(k), "a", day + "09:00", day + "09:00", "r"),
            (str(k), "b", day + "09:00", day + "09:00", "r"),
            (str(k), "c", day + "10:00", day + "11:00", "r"),
        ]
    return rows


def test_events_only_the_files_row_order_orders_are_noted():
    """QA 2026-12-05 #6: a shuffled file gave other routing, with no word of why."""
    cal = calibrate_model(_table(_two_step_cases()), dropoff_outcomes=[])
    note = next(n for n in cal.notes if "share their start and end time" in n)
    assert note.startswith("16 event(s) in 8 case(s)") and "row order" in note
    rows = [
        (c, a, s, e.replace("09:00", "09:30") if a == "a" else e, r)
        for c, a, s, e, r in _two_step_cases()
    ]
    untied = calibrate_model(_table(rows), dropoff_outcomes=[])
    assert not any("share their start and end time" in n for n in untied.notes)


def test_cases_with_two_outcomes_are_noted():
    """QA 2026-12-05 #7: the last row's outcome won silently."""
    df = _table(_two_step_cases())
    df["outcome"] = "won"
    df.loc[(df["case_id"] == "3") & (df["activity"] == "a"), "outcome"] = "lost"
    cal = calibrate_model(df, dropoff_outcomes=[])
    note = next(n for n in cal.notes if "more than one value in the outcome column" in n)
    assert note.startswith("1 case(s)") and "case '3': lost, won" in note
