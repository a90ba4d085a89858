"""The long-week note is about people's working weeks: a role whose work runs on the clock (a
customer filling in a form, found by ``works_on_the_clock``) gets a 24/7 calendar because its
work runs on through nights and weekends, not because anyone works around the clock, so the
note does not name it (QA leftovers23 #34: the loan log's Applicant role was said to work
"around the clock"). Staff seen at work around the clock are still named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model
from sim.calibrate.staff import works_on_the_clock_verdict
from sim.eventlog import read_event_log

QUIET = {"extraneous_delays": False, "hidden_delays": False, "max_repeats": 1}
LONG_WEEKS = "working weeks longer than one person works"


def _clock_roles(cal) -> set[str]:
    """The roles calibration found to work on the clock."""
    return {
        name
        for name, role in cal.model.roles.items()
        if works_on_the_clock_verdict((role.provenance or {}).get("calendar") or {})
    }


def _role_of(cal, resource: str) -> str:
    """The role whose members include ``resource``."""
    (name,) = [n for n, r in cal.model.roles.items() if resource in map(str, r.members)]
    return name


def test_the_loan_logs_applicants_are_not_said_to_work_around_the_clock(shared_data):
    log = read_event_log(shared_data / "synth_loan_application" / "Loan_Application.csv.gz")
    cal = calibrate_model(log, **QUIET)
    applicants = _role_of(cal, "Applicant_0")
    assert _clock_roles(cal) == {applicants}
    assert cal.model.calendar_of(applicants).is_constant  # 24/7, as Prosimos ran them
    assert not [n for n in cal.notes if n.startswith(LONG_WEEKS)]


def desk_and_customer_log(seed: int = 7, weeks: int = 3) -> pd.DataFrame:
    """A help desk staffed around the clock (three people on eight-hour shifts answer calls
    arriving at any hour), beside an office whose clerks check applications on weekdays
    09:00-17:00 and hand each to its customer, who sends the form back exactly a day later."""
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("2026-01-05")  # a Monday
    hours = 24.0 * 7 * weeks
    rows = []
    for k, at in enumerate(np.sort(rng.uniform(0.0, hours, size=int(2 * hours)))):
        start = t0 + pd.Timedelta(hours=float(at))
        end = start + pd.Timedelta(minutes=float(rng.uniform(5, 25)))
        rows.append((f"call{k}", "answer", start, end, f"desk_{int(at % 24 // 8)}"))
    k = 0
    for day in pd.bdate_range(t0, periods=5 * weeks):
        for at in np.sort(rng.uniform(9.0, 16.5, size=8)):
            start = day + pd.Timedelta(hours=float(at))
            end = start + pd.Timedelta(minutes=float(rng.uniform(15, 30)))
            rows.append((f"app{k}", "check", start, end, f"clerk_{k % 2}"))
            back = end + pd.Timedelta(hours=24)
            rows.append((f"app{k}", "fill in form", end, back, f"customer_{k % 12}"))
            k += 1
    return pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])


@pytest.fixture(scope="module")
def desk_and_customers():
    return calibrate_model(desk_and_customer_log(), **QUIET)


def test_a_customer_role_is_left_out_and_a_desk_around_the_clock_is_named(desk_and_customers):
    cal = desk_and_customers
    desk, customers, clerks = (_role_of(cal, r) for r in ("desk_0", "customer_0", "clerk_0"))
    assert len({desk, customers, clerks}) == 3
    assert _clock_roles(cal) == {customers}
    assert cal.model.calendar_of(customers).is_constant
    assert cal.model.calendar_of(desk).is_constant  # seen at work at every hour
    (note,) = [n for n in cal.notes if n.startswith(LONG_WEEKS)]
    assert f"({desk} around the clock)" in note
    assert customers not in note and clerks not in note
