"""Every public log in ../shared/data read end to end; counts checked against its README.

Activity instances are the rows after start/complete pairing (before duplicate removal), i.e.
``rows_read - lifecycle_events_merged - lifecycle_events_removed - unmatched_starts_removed``.
"""

from __future__ import annotations

import json
from functools import cache

import pandas as pd
import pytest

from sim.eventlog import EventLog, read_event_log, split_by_time
from sim.model import columns as C
from tests.conftest import SHARED_DATA

DATA = SHARED_DATA  # ../shared/data or $SIM_SHARED_DATA

# folder/file: (cases, activity instances, activities, resources) from DATA/README.md
EXPECTED = {
    "bpic2012_w/BPIC_2012_W.csv.gz": (8616, 59302, 6, 57),
    "bpic2012_full/bpic2012.xes.gz": (13087, 164506, 24, 68),
    "helpdesk/helpdesk.xes.gz": (4580, 21348, 14, 22),
    "bpic2013_incidents/bpic2013_incidents.xes.gz": (7554, 65533, 4, 1440),
    "receipt/receipt.csv": (1434, 8577, 27, 48),
    "synth_loan_application/Loan_Application.csv.gz": (1000, 11805, 17, 47),
    "synth_insurance_claims/Insurance_Claims.csv.gz": (1000, 5443, 7, 130),
    "synth_procure_to_pay/Procure_to_Pay.csv.gz": (1000, 13290, 24, 21),
    "synth_pharmacy/Pharmacy.csv.gz": (1000, 8356, 12, 10),
    "synth_purchasing_example/PurchasingExample.csv.gz": (608, 9119, 21, 27),
}

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared data not found at {DATA}")


@cache
def load(name: str) -> EventLog:
    return read_event_log(DATA / name)


def instances(log: EventLog) -> int:
    r = log.report
    return (
        r.rows_read
        - r.lifecycle_events_merged
        - r.lifecycle_events_removed
        - r.unmatched_starts_removed
    )


def test_every_log_in_the_data_folder_is_covered() -> None:
    on_disk = {
        str(p.relative_to(DATA))
        for p in DATA.glob("*/*")
        if p.name.endswith((".csv", ".csv.gz", ".xes", ".xes.gz", ".parquet"))
    }
    split_files = {n for n in on_disk if n.endswith(("_train.csv.gz", "_test.csv.gz"))}
    assert on_disk - split_files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_match_the_data_readme(name: str) -> None:
    log = load(name)
    cases, n_instances, activities, resources = EXPECTED[name]
    ev, r = log.events, log.report
    assert ev[C.CASE].nunique() == r.cases == cases
    assert instances(log) == n_instances
    # Activities: those in the table plus any seen only in removed rows (schedule-only items).
    assert ev[C.ACTIVITY].nunique() + len(r.activities_dropped) == activities
    assert ev[C.RESOURCE].nunique() == r.resources == resources
    # Bookkeeping: every row accounted for, and the report is JSON.
    assert r.rows_read == r.rows_kept + r.lifecycle_events_merged + r.removed()
    assert r.rows_kept == len(ev)
    json.dumps(r.to_dict())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_standard_table_invariants(name: str) -> None:
    log = load(name)
    ev = log.events
    assert log.report.implausible_timestamps_removed == 0  # no real log here has a year typo
    assert list(ev.columns[:5]) == [C.CASE, C.ACTIVITY, C.START, C.END, C.RESOURCE]
    assert ev[C.CASE].dtype == "string" and ev[C.ACTIVITY].dtype == "string"
    for col in (C.START, C.END):
        assert str(ev[col].dtype) == "datetime64[us]"  # tz-naive UTC
    assert ev[C.END].notna().all()
    has_start = ev[C.START].notna()
    assert (ev.loc[has_start, C.START] <= ev.loc[has_start, C.END]).all()
    assert ev["case_open"].dtype == bool
    assert ev.groupby(C.CASE)["case_open"].nunique().max() == 1
    # sorted by case, then start (end when start missing), then end
    t = ev[C.START].fillna(ev[C.END])
    key = pd.DataFrame({"c": ev[C.CASE], "t": t, "e": ev[C.END]})
    assert key.equals(key.sort_values(["c", "t", "e"], kind="stable"))


def test_bpic2012_w_details() -> None:
    log = load("bpic2012_w/BPIC_2012_W.csv.gz")
    ev = log.events
    assert not log.start_times_estimated
    # README: 10.7 % of rows have no resource; float-looking ids are normalised.
    assert ev[C.RESOURCE].isna().mean() == pytest.approx(0.107, abs=0.001)
    assert not ev[C.RESOURCE].dropna().str.endswith(".0").any()
    assert log.report.duplicates_removed == 0 and log.report.end_before_start_removed == 0
    assert ev["variant_index"].dtype.kind == "i"  # attributes carried through unchanged


def test_bpic2012_full_pairs_lifecycle_and_keeps_trace_attributes() -> None:
    log = load("bpic2012_full/bpic2012.xes.gz")
    ev, r = log.events, log.report
    # README: start times for W_ items only (43 % of instances); 1,040 W_ completions without
    # their start get one estimated (W_ records its start on most instances)
    has_start = ev[C.START].notna()
    assert r.missing_start_estimated == 1040
    assert (has_start.sum() - r.missing_start_estimated) / len(ev) == pytest.approx(0.43, abs=0.01)
    assert ev.loc[has_start, C.ACTIVITY].str.startswith("W_").all()
    assert r.activities_dropped == ["W_Wijzigen contractgegevens"]  # scheduled, never done
    assert r.unmatched_starts_removed == 3
    assert ev[C.ENABLED].notna().sum() > 0  # from SCHEDULE events
    assert {"case:AMOUNT_REQ", "case:REG_DATE"} <= set(ev.columns)
    assert "lifecycle:transition" not in ev.columns  # absorbed into start/end
    # README outcomes: declined 7,635, cancelled 2,807, approved 2,246.
    outcomes = ev.groupby(C.ACTIVITY)[C.CASE].nunique()
    assert (outcomes["A_DECLINED"], outcomes["A_CANCELLED"], outcomes["A_APPROVED"]) == (
        7635,
        2807,
        2246,
    )
    assert r.timezone_offsets == {"+01:00": 226450, "+02:00": 35750}
    # one place's summer and winter time: read as written, the application's registration date
    # (an XES date attribute) on the same clock as its first event, to the 0.1 s
    assert r.clock == "local"
    by_case = ev.groupby(C.CASE)
    gap = by_case[C.END].min() - by_case["case:REG_DATE"].first()
    assert gap.abs().max() < pd.Timedelta(seconds=0.1)


def test_bpic2012_open_cases_against_ground_truth() -> None:
    """The 399 cases without an approve/decline/cancel event are the truly open ones."""
    ev = load("bpic2012_full/bpic2012.xes.gz").events
    decided = set(ev.loc[ev[C.ACTIVITY].isin(["A_DECLINED", "A_CANCELLED", "A_APPROVED"]), C.CASE])
    truth = set(ev[C.CASE]) - decided
    assert len(truth) == 399
    flagged = set(ev.loc[ev["case_open"], C.CASE])
    recall = len(flagged & truth) / len(truth)
    precision = len(flagged & truth) / len(flagged)
    assert recall > 0.7 and precision > 0.5, (recall, precision)
    # With the outcome activities as end activities, the rule recovers the truth in the tail.
    log = read_event_log(
        DATA / "bpic2012_w/BPIC_2012_W.csv.gz",
        end_activities=["W_Afhandelen leads", "W_Valideren aanvraag"],
    )
    assert log.report.end_activities == ["W_Afhandelen leads", "W_Valideren aanvraag"]


def test_completion_only_logs_get_estimated_starts() -> None:
    for name in ("helpdesk/helpdesk.xes.gz", "receipt/receipt.csv"):
        log = load(name)
        assert log.start_times_estimated and log.report.start_times_estimated
        assert log.events[C.START].notna().all()
        assert "previous activity" in log.report.start_estimation_method


def test_helpdesk_duplicates_counted_not_hidden() -> None:
    r = load("helpdesk/helpdesk.xes.gz").report
    assert r.duplicates_removed == 127
    assert r.rows_kept == 21348 - 127
    assert any("127 exact duplicate rows" in n for n in r.notes)


def test_bpic2013_status_vocabulary_is_kept_as_attribute() -> None:
    ev = load("bpic2013_incidents/bpic2013_incidents.xes.gz").events
    # README: 4 activities, 13 with sub-status; 649 groups.
    assert ev.groupby([C.ACTIVITY, "lifecycle:transition"]).ngroups == 13
    assert ev["org:group"].nunique() == 649
    assert C.ROLE in ev.columns  # org:role recognised as the standard role column


def test_receipt_mixed_offsets_converted() -> None:
    r = load("receipt/receipt.csv").report
    assert r.timezone_offsets == {"+01:00": 4318, "+02:00": 4259}
    assert r.timezone_aware_values == 8577 and r.timezone_naive_values == 0


def test_loan_application_outcomes() -> None:
    ev = load("synth_loan_application/Loan_Application.csv.gz").events
    last = ev.sort_values(C.END, kind="stable").groupby(C.CASE)[C.ACTIVITY].last()
    counts = last.value_counts()
    assert (
        counts["Reject application"],
        counts["Approve application"],
        counts["Cancel application"],
    ) == (502, 331, 167)
    assert not ev["case_open"].any()  # simulated to completion


def test_train_test_files_and_split() -> None:
    full = load("bpic2012_w/BPIC_2012_W.csv.gz")
    train = read_event_log(DATA / "bpic2012_w/BPIC_2012_W_train.csv.gz")
    test = read_event_log(DATA / "bpic2012_w/BPIC_2012_W_test.csv.gz")
    tr, te = set(train.events[C.CASE]), set(test.events[C.CASE])
    assert not tr & te
    assert (tr | te) <= set(full.events[C.CASE])
    a, b = split_by_time(full, train_fraction=0.8)
    assert a.n_cases == round(0.8 * 8616) and a.n_cases + b.n_cases == 8616
    assert len(a.events) + len(b.events) == len(full.events)
