"""A step that people of another role also do, at their own pace (``durations_by_role``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model, wilson_interval
from sim.engine import run_replication
from sim.eventlog import clean_event_table
from sim.kpis import trace_to_event_log
from sim.model import columns as C
from sim.model import from_dict
from sim.model.scenario import Scenario

GAMMA_04 = {"dist": "gamma", "mean": 0.4, "std": 0.2}
GAMMA_03 = {"dist": "gamma", "mean": 0.3, "std": 0.1}


def _log(senior_review_mean: float, seed: int = 5) -> pd.DataFrame:
    """Clerks c1-c3 take in every case and review three in four (Exp(1 h)); seniors s1, s2
    approve every case and review the fourth (Exp(``senior_review_mean``))."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2022-01-03")
    rows = []
    for i in range(240):
        t = base + pd.Timedelta(hours=3 * i)
        senior = i % 4 == 3
        steps = [
            ("intake", f"c{i % 3 + 1}", 0.3),
            ("review", f"s{i % 2 + 1}" if senior else f"c{i % 3 + 1}",
             senior_review_mean if senior else 1.0),
            ("approve", f"s{i % 2 + 1}", 0.2),
        ]  # fmt: skip
        for activity, who, mean in steps:
            end = t + pd.Timedelta(hours=float(rng.exponential(mean))).round("s")
            rows.append((f"case{i}", activity, t, end, who))
            t = end
    return pd.DataFrame(rows, columns=[C.CASE, C.ACTIVITY, C.START, C.END, C.RESOURCE])


def test_a_step_done_faster_by_another_role_is_said_with_its_evidence():
    cal = calibrate_model(clean_event_table(_log(0.2), source="paces"), seed=0)
    review = cal.model.steps["review"]
    role = review.roles[0]
    paces = review.provenance["durations_by_role"]
    other = next(r for r in paces if r not in (role, "test"))
    assert paces[role]["n"] == 180 and paces[other]["n"] == 60
    assert paces[role]["mean_h"] == pytest.approx(1.0, rel=0.25)
    assert paces[other]["mean_h"] == pytest.approx(0.2, rel=0.3)
    assert paces["test"]["differ"] and paces["test"]["pvalue"] <= 0.001
    said = [n for n in cal.notes if n.startswith("'review' takes people of other roles")]
    assert len(said) == 1 and f"{other}'s" in said[0] and "(n=60)" in said[0]
    assert not any("durations_by_role" in (s.provenance or {}) for s in [
        cal.model.steps["intake"], cal.model.steps["approve"]])  # fmt: skip


def test_the_same_pace_in_both_roles_says_nothing():
    cal = calibrate_model(clean_event_table(_log(1.0), source="paces"), seed=0)
    assert "durations_by_role" not in (cal.model.steps["review"].provenance or {})
    assert not any("takes people of other roles" in n for n in cal.notes)


def test_the_other_role_becomes_an_alternative_at_its_own_pace():
    # the clerks' reviews (180, Exp(1 h)) fit the step's own duration, the seniors' (60,
    # Exp(0.2 h)) their alternative's; the pooled mean would be 0.8 h for everybody
    cal = calibrate_model(clean_event_table(_log(0.2), source="paces"), seed=0)
    review = cal.model.steps["review"]
    (alt,) = review.alternatives
    assert alt.role != review.roles[0]
    assert (alt.provenance["n"], alt.provenance["of"]) == (60, 240)
    # every fourth review went to a senior, whoever was free: so did those ready while clerks
    # and seniors both had somebody free (nearly all)
    first = alt.provenance["first_choice"]
    assert alt.share == first["share"] == pytest.approx(0.25, abs=0.02) and first["of"] > 200
    assert review.duration.mean() == pytest.approx(1.0, rel=0.25)
    assert alt.duration.mean() == pytest.approx(0.2, rel=0.3)
    note = next(n for n in cal.notes if n.startswith("'review'"))
    assert f"sends {alt.share:.0%} of its cases to {alt.role} first" in note
    assert cal.model.steps["intake"].alternatives == ()
    assert "steps.review.alternatives." + alt.role + ".duration" in set(cal.fits["target"])
    # the simulated seniors take a quarter of the reviews (nobody queues here), in their time
    t = run_replication(cal.model, Scenario(horizon_days=120, warmup_days=0), seed=1)
    review_events = t.ev_activity == t.activities.index("review")
    by_alt = np.array(t.resource_roles)[t.ev_resource[review_events]] == alt.role
    n = by_alt.size
    assert abs(by_alt.mean() - 0.25) < 3.3 * np.sqrt(0.25 * 0.75 / n)  # binomial, 99.9 %
    took = (t.ev_end - t.ev_start)[review_events]
    assert took[by_alt].mean() < took[~by_alt].mean() / 2


def test_role_alternatives_off_keeps_one_duration_for_all():
    cal = calibrate_model(
        clean_event_table(_log(0.2), source="paces"), seed=0, role_alternatives=False
    )
    review = cal.model.steps["review"]
    assert review.alternatives == ()
    assert review.duration.mean() == pytest.approx(0.8, rel=0.25)
    assert "role_alternatives=false" in next(n for n in cal.notes if n.startswith("'review'"))


def test_alternatives_of_a_log_without_start_times_are_marked_estimated():
    log = _log(0.2).drop(columns=[C.START])
    cal = calibrate_model(clean_event_table(log, source="paces"), seed=0)
    (alt,) = cal.model.steps["review"].alternatives
    assert alt.provenance["start_times"] == "estimated"
    assert alt.duration.provenance["start_times"] == "estimated"


def test_the_share_sent_to_an_alternative_first_is_recovered_from_a_busy_log():
    """A log of the engine (clerks 64 % busy; 25 % of the reviews sent to the seniors first):
    the seniors did a third of the reviews, the rest because every clerk was busy. The share
    read from the reviews that became ready while clerks and seniors both had somebody free is
    the share the model sends to them first."""
    truth = from_dict(
        {
            "name": "alt_truth",
            "start": "intake",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 0.6}},
            "roles": {"clerk": {"headcount": 3}, "senior": {"headcount": 2}},
            "steps": {
                "intake": {"role": "clerk", "duration": GAMMA_04, "next": "review"},
                "review": {
                    "role": "clerk",
                    "duration": {"dist": "gamma", "mean": 1.0, "std": 0.5},
                    "alternatives": {
                        "senior": {
                            "duration": {"dist": "exponential", "mean": 0.3},
                            "share": 0.25,
                        }
                    },
                    "next": "approve",
                },
                "approve": {"role": "senior", "duration": GAMMA_03, "next": "done"},
            },
            "ends": {"done": {"success": True}},
        }
    )
    trace = run_replication(truth, Scenario(horizon_days=60, warmup_days=0), seed=3)
    cal = calibrate_model(trace_to_event_log(trace), seed=0)
    (alt,) = cal.model.steps["review"].alternatives
    first = alt.provenance["first_choice"]
    assert first["method"].startswith("instances ready while each of the step's roles")
    lo, hi = wilson_interval(first["n"], first["of"], z=3.29)  # 99.9 %
    assert lo <= 0.25 <= hi
    lo, hi = wilson_interval(alt.provenance["n"], alt.provenance["of"], z=3.29)
    assert lo > 0.25  # the share of all reviews counts the overflow too


def _shift_log(senior_mean: float) -> pd.DataFrame:
    """Clerks (office hours) review most cases; seniors, on a shift of their own (07-10 and
    16-19), review the rest at mean ``senior_mean``: their work pauses overnight, when the
    clerks' calendar opens at 09:00 (simulated, then read as a log without its roles)."""
    exp = {"dist": "exponential", "mean": 1.0}
    model = from_dict({
        "schema_version": 1, "name": "shifts", "time_unit": "hours",
        "start_date": "2026-01-05T00:00:00", "start": "intake",
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.5}},
        "calendars": {"office": {"weekdays": ["09:00-17:00"]},
                      "late": {"weekdays": ["07:00-10:00", "16:00-19:00"]}},
        "roles": {"clerk": {"headcount": 3, "calendar": "office"},
                  "senior": {"headcount": 2, "calendar": "late"}},
        "steps": {
            "intake": {"role": "clerk", "duration": {**exp, "mean": 0.3}, "next": "review"},
            "review": {"role": "clerk", "duration": exp, "next": "approve", "alternatives": {
                "senior": {"duration": {**exp, "mean": senior_mean}, "share": 0.3}}},
            "approve": {"role": "senior", "duration": {**exp, "mean": 0.2}, "next": "done"},
        },
        "ends": {"done": {"success": True}},
    })  # fmt: skip
    trace = run_replication(model, Scenario(horizon_days=200, warmup_days=0), seed=3)
    return trace_to_event_log(trace).drop(columns=[C.ROLE])


def test_paces_are_measured_on_the_shift_of_who_did_the_work():
    # the same pace on another shift: measured on the clerks' calendar, a senior's review
    # paused from 19:00 to 07:00 counted 09:00-10:00 as work (3.8 h for 1 h), which made an
    # alternative of the seniors and a note of a pace they do not have
    cal = calibrate_model(clean_event_table(_shift_log(1.0), source="shifts"), seed=0)
    review = cal.model.steps["review"]
    assert "durations_by_role" not in (review.provenance or {})
    assert review.alternatives == ()
    assert review.duration.mean() == pytest.approx(1.0, rel=0.1)
    # a faster pace on another shift: the note and provenance give the alternative's pace
    cal = calibrate_model(clean_event_table(_shift_log(0.3), source="shifts"), seed=0)
    review = cal.model.steps["review"]
    (alt,) = review.alternatives
    paces = review.provenance["durations_by_role"]
    assert paces[alt.role]["mean_h"] == pytest.approx(0.3, rel=0.15)
    assert paces[alt.role]["mean_h"] == pytest.approx(alt.duration.mean(), rel=0.05)
    assert review.duration.mean() == pytest.approx(1.0, rel=0.1)


def test_the_roles_of_a_role_column_of_the_log_are_taken():
    # clerks c1-c3 are 'clerk', seniors s1, s2 'senior' in the log: those roles, by name
    log = _log(1.0)
    log[C.ROLE] = log[C.RESOURCE].str[0].map({"c": "clerk", "s": "senior"})
    cal = calibrate_model(clean_event_table(log, source="paces"), seed=0)
    roles = cal.model.roles
    assert set(roles) == {"clerk", "senior"}
    assert roles["clerk"].members == ("c1", "c2", "c3") and roles["senior"].members == ("s1", "s2")
    assert roles["clerk"].provenance["from"] == "the log's role column"
    assert cal.model.steps["intake"].roles == ("clerk",)
    assert any(n.startswith("roles from the log's role column: clerk, senior") for n in cal.notes)
    # calibration.roles_from=resources: grouped by activities, and the column said unused
    cal = calibrate_model(clean_event_table(log, source="paces"), seed=0, roles_from="resources")
    assert set(cal.model.roles) == {"role_1", "role_2"}
    assert any("role column (2 roles) is not used" in n for n in cal.notes)
    # a resource without a role in the column: the column is not used, and that is said
    log.loc[log[C.RESOURCE] == "s2", C.ROLE] = None
    cal = calibrate_model(clean_event_table(log, source="paces"), seed=0)
    assert set(cal.model.roles) == {"role_1", "role_2"}
    assert any("names no role for 1 resource(s) (s2)" in n for n in cal.notes)
    # no role column: nothing said
    cal = calibrate_model(clean_event_table(_log(1.0), source="paces"), seed=0)
    assert not any("role column" in n for n in cal.notes)


def test_a_resource_in_several_roles_of_the_column_takes_the_role_of_most_of_its_events():
    log = _log(1.0)
    log[C.ROLE] = log[C.RESOURCE].str[0].map({"c": "clerk", "s": "senior"})
    first_c1 = log.index[log[C.RESOURCE] == "c1"][0]
    log.loc[first_c1, C.ROLE] = "senior"  # one event of c1's says senior
    cal = calibrate_model(clean_event_table(log, source="paces"), seed=0)
    assert "c1" in cal.model.roles["clerk"].members
    assert any(n.startswith("1 resource(s) have several values in the role column (c1)")
               for n in cal.notes)  # fmt: skip
