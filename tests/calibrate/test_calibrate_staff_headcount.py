"""Headcount of a discovered role (``sim.calibrate.staff.headcount_on_staff``).

A role's headcount is the capacity the engine gives it: that many people working side by side
in the role's hours. Counting every distinct resource of the extract overstates it when people
join or leave during the extract (a leaver and their successor are one seat, not two). The
headcount is the most people on staff at once (each between their first and last event).
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.calibrate import calibrate_model
from sim.calibrate.staff import headcount_on_staff
from sim.engine import run_replication
from sim.kpis import trace_to_event_log
from sim.model import columns as C
from sim.model import from_dict
from sim.model.scenario import Scenario


def _log(*rows: tuple[str, float, float]) -> pd.DataFrame:
    """Events of one group as (resource, start, end) rows, in hours."""
    return pd.DataFrame(list(rows), columns=["resource", "start", "end"])


def test_a_leaver_and_a_newcomer_are_one_seat():
    # ann works throughout; bob leaves at t = 45 and cid starts at t = 55
    events = _log(
        ("ann", 0.0, 1.0), ("ann", 90.0, 100.0), ("bob", 0.0, 1.0), ("bob", 40.0, 45.0),
        ("cid", 55.0, 56.0), ("cid", 95.0, 100.0),
    )  # fmt: skip
    headcount, prov = headcount_on_staff(events, (0.0, 100.0))
    assert headcount == 2
    assert prov["distinct"] == 3 and prov["on_staff_max"] == 2 and prov["on_staff_median"] == 2
    # 0-45 two on staff, 45-55 one, 55-100 two: a time mean of 1.9
    assert prov["on_staff_time_mean"] == pytest.approx(1.9)


def test_a_pool_that_works_throughout_keeps_every_member():
    events = pd.DataFrame(
        {"resource": list("abc") * 2, "start": [0.0, 1.0, 2.0, 97.0, 98.0, 99.0]}
    ).assign(end=lambda d: d["start"] + 0.5)
    assert headcount_on_staff(events, (0.0, 100.0))[0] == 3
    # a helper seen once in the middle worked beside the three then: a fourth seat at the peak
    once = pd.concat([events, pd.DataFrame({"resource": ["d"], "start": [50.0], "end": [50.5]})])
    headcount, prov = headcount_on_staff(once, (0.0, 100.0))
    assert headcount == 4 and prov["on_staff_median"] == 3 and prov["distinct"] == 4


def test_people_who_overlap_part_of_the_time_all_count():
    # ann is there throughout, bob for the first 30 h, cid for the last 30 h (bob and cid are
    # one seat), and dan helps from 10 h to 21 h, beside ann and bob
    events = _log(
        ("ann", 0.0, 1.0), ("ann", 99.0, 100.0), ("bob", 0.0, 30.0), ("cid", 70.0, 100.0),
        ("dan", 10.0, 11.0), ("dan", 20.0, 21.0),
    )  # fmt: skip
    headcount, prov = headcount_on_staff(events, (0.0, 100.0))
    # three at once for 11 % of the time, two for half of it: the peak is the capacity
    assert headcount == 3 and prov["on_staff_median"] == 2 and prov["distinct"] == 4


TWO_CLERKS = {
    "name": "two clerks",
    "start": "register",
    "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
    "roles": {"clerk": {"headcount": 2}},
    "steps": {
        "register": {
            "role": "clerk",
            "duration": {"dist": "exponential", "mean": 0.5},
            "next": "handle",
        },
        "handle": {
            "role": "clerk",
            "duration": {"dist": "exponential", "mean": 1.0},
            "next": "done",
        },
    },
    "ends": {"done": {"success": True}},
}


def test_calibration_counts_the_seats_not_the_names():
    """Two busy clerks for 40 days; halfway through, clerk_2 leaves and a new clerk takes over
    the same seat. The log has three names; the calibrated role has the two seats."""
    trace = run_replication(from_dict(TWO_CLERKS), Scenario(horizon_days=40, warmup_days=0), seed=3)
    log = trace_to_event_log(trace)
    assert log[C.RESOURCE].nunique() == 2
    half = log[C.START].min() + (log[C.END].max() - log[C.START].min()) / 2
    successor = (log[C.RESOURCE] == log[C.RESOURCE].iloc[0]) & (log[C.START] >= half)
    renamed = log.assign(**{C.RESOURCE: log[C.RESOURCE].where(~successor, "newcomer")})
    for events, distinct in ((log, 2), (renamed, 3)):
        model = calibrate_model(events, seed=0).model
        (role,) = model.roles.values()
        assert role.headcount == 2
        assert role.provenance["headcount_from"]["distinct"] == distinct


# No deadline: each example builds a DataFrame and groups it, which on a loaded CI machine took
# over Hypothesis's default 200 ms (DeadlineExceeded / "Unreliable test timings").
PROPS = settings(deadline=None)
tenures = st.lists(
    st.tuples(st.floats(0, 100), st.floats(0, 100)).map(sorted), min_size=1, max_size=12
)


def _events(pairs):
    return _log(*((f"r{i}", a, b) for i, (a, b) in enumerate(pairs)))


@PROPS
@given(pairs=tenures)
def test_headcount_is_at_least_one_and_at_most_the_distinct_names(pairs):
    headcount, prov = headcount_on_staff(_events(pairs), (0.0, 100.0))
    assert 1 <= headcount <= len(pairs) == prov["distinct"]
    assert prov["on_staff_median"] <= prov["on_staff_max"]
    assert headcount == max(prov["on_staff_max"], 1)


@PROPS
@given(pairs=tenures, extra=st.tuples(st.floats(0, 100), st.floats(0, 100)).map(sorted))
def test_one_more_person_never_lowers_the_headcount(pairs, extra):
    before = headcount_on_staff(_events(pairs), (0.0, 100.0))[0]
    after = headcount_on_staff(_events([*pairs, tuple(extra)]), (0.0, 100.0))[0]
    assert before <= after <= before + 1


@PROPS
@given(pairs=st.lists(st.tuples(st.floats(0, 24.9), st.floats(75.1, 100)), min_size=1, max_size=12))
def test_people_on_staff_for_more_than_half_the_log_all_count(pairs):
    assert headcount_on_staff(_events(pairs), (0.0, 100.0))[0] == len(pairs)


def test_people_doing_the_same_two_steps_in_about_equal_shares_are_one_role():
    """With two activities, the Pearson correlation of two activity profiles is +1 or -1 by the
    noise of the counts alone (482 / 473 against 472 / 481 gave -1): two clerks doing the same
    work fell into two roles. Profiles are compared by their cosine, which sees them alike."""
    from sim.calibrate.staff import cluster_resources

    rows = [("clerk_1", "intake")] * 482 + [("clerk_1", "review")] * 473
    rows += [("clerk_2", "intake")] * 472 + [("clerk_2", "review")] * 481
    clerks = pd.DataFrame(rows, columns=["resource", "activity"])
    clusters = cluster_resources(clerks)
    assert clusters["clerk_1"] == clusters["clerk_2"]
    # somebody doing other work is still a role of their own
    expert = pd.DataFrame([("expert", "approve")] * 300, columns=["resource", "activity"])
    clusters = cluster_resources(pd.concat([clerks, expert]))
    assert clusters["clerk_1"] == clusters["clerk_2"] != clusters["expert"]


def test_people_who_mostly_do_another_roles_work_are_not_a_role_of_their_own():
    """receipt: three people with their own activity profile (they do review and a rare
    'adjust'), but review is mostly the clerks' work, so as a role they would own only 'adjust'
    (2 of their 170 events) and sit idle in the simulation while the clerks lack them."""
    from sim.calibrate.staff import discover_roles

    rows = []
    for k in range(8):
        rows += [(f"clerk_{k}", "intake")] * 100 + [(f"clerk_{k}", "review")] * 60
    for k in range(3):
        rows += [(f"helper_{k}", "review")] * 55 + [(f"helper_{k}", "filing")] * 2
    rows += [("helper_0", "adjust")] * 2
    ev = pd.DataFrame(rows, columns=["resource", "activity"])
    ev["start"] = range(len(ev))
    ev["end"] = ev["start"] + 0.5
    roles, act_role = discover_roles(ev)
    assert len(roles) == 1
    (role,) = roles.values()
    assert len(role.members) == 11  # the helpers count where their work is
    assert set(act_role) == {"intake", "review", "filing", "adjust"}
    # a second role that does its own work stays one
    ev2 = pd.concat(
        [
            ev,
            pd.DataFrame(
                {"resource": "expert", "activity": "approve", "start": range(300), "end": 0.5}
            ),
        ]
    )
    assert len(discover_roles(ev2)[0]) == 2
