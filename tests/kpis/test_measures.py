"""KPI definitions on hand-made tables and deterministic simulations, with exact expectations."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from sim.engine import run_replication
from sim.kpis import (
    format_report,
    kpi_report,
    kpi_table,
    log_cases,
    log_kpis,
    paired_comparison,
    replication_kpis,
    trace_cases,
    trace_events,
    trace_open_steps,
    trace_to_event_log,
)
from sim.kpis import measures as m
from sim.kpis.stats import confidence_interval, prediction_interval
from sim.model import from_dict, load
from sim.model.scenario import Scenario


def _cases(rows):
    df = pd.DataFrame(
        rows, columns=["case_id", "arrival", "end", "outcome", "success", "dropped_at"]
    )
    df["success"] = pd.array(df["success"], dtype="boolean")
    return df.assign(segment="default", value=0.0, measured=True)


def _events(rows):
    return pd.DataFrame(
        rows, columns=["case_id", "activity", "resource", "role", "enabled", "start", "end"]
    )


def test_cycle_time_waiting_and_dropoff_by_hand():
    cases = _cases(
        [
            (0, 0.0, 4.0, "won", True, None),
            (1, 1.0, 3.0, "lost", False, None),
            (2, 2.0, 2.5, "abandoned", False, "a"),
            (3, 3.0, np.nan, None, pd.NA, None),  # in progress: not in cycle time or drop-off
        ]
    )
    events = _events(
        [
            (0, "a", "r1", "x", 0.0, 1.0, 2.0),
            (0, "b", "r1", "x", 2.0, 2.0, 4.0),
            (1, "a", "r2", "x", 1.0, 1.0, 3.0),
            (3, "a", "r1", "x", 3.0, 4.0, 5.0),
        ]
    )
    stats = m.cycle_time_stats(cases)
    assert stats["cycle_time_mean"] == pytest.approx((4 + 2 + 0.5) / 3)
    assert stats["cycle_time_median"] == pytest.approx(2.0)
    d = m.dropoff(events, cases)
    assert d["dropoff_rate"] == pytest.approx(2 / 3)
    assert d["abandon_rate"] == pytest.approx(1 / 3)
    assert d["dropoff_at:a"] == pytest.approx(2 / 3)  # case 1 lost after a, case 2 abandoned at a
    table = m.step_table(events, cases)
    assert table.loc["a", "waiting_mean"] == pytest.approx((1 + 0 + 1) / 3)
    assert table.loc["a", "processing_mean"] == pytest.approx((1 + 2 + 1) / 3)
    assert table.loc["b", "reached"] == pytest.approx(1 / 4)
    shares = m.waiting_shares(events, cases)
    assert shares["a"] == pytest.approx(1.0 / 6.5)  # only finished cases: waiting 1 of 6.5 h
    assert m.outcome_shares(cases) == pytest.approx(
        {"outcome_share:won": 1 / 3, "outcome_share:lost": 1 / 3, "outcome_share:abandoned": 1 / 3}
    )


def test_wip_is_time_average_and_throughput_counts_successes_in_window():
    cases = _cases([(0, 0.0, 10.0, "w", True, None), (1, 5.0, np.nan, None, pd.NA, None)])
    # window [0, 10): case 0 present 10 h, case 1 present 5 h -> L = 1.5
    assert m.wip_mean(cases, (0.0, 10.0)) == pytest.approx(1.5)
    tp = m.throughput(cases, (0.0, 10.0))
    assert tp["throughput_per_day"] == 0.0  # the success ends at 10, outside [0, 10)
    assert m.throughput(cases, (0.0, 24.0))["throughput_per_day"] == pytest.approx(1.0)


def test_funnel_conversion_is_ratio_of_successive_stages():
    cases = _cases([(i, float(i), float(i) + 1, "w", True, None) for i in range(4)])
    events = _events(
        [(i, "a", None, None, 0.0, 0.0, 0.0) for i in range(4)]
        + [(i, "b", None, None, 0.0, 0.0, 0.0) for i in range(2)]
        + [(0, "c", None, None, 0.0, 0.0, 0.0)]
    )
    f = m.funnel(events, cases, order=["a", "b", "c"])
    assert f["reached"].tolist() == pytest.approx([1.0, 0.5, 0.25])
    assert f["conversion"].tolist() == pytest.approx([1.0, 0.5, 0.5])


def test_a_case_that_abandons_at_a_step_reached_it():
    """QA 7b #1: reached counted the cases that finished a step, so the first step of a funnel
    with patience showed 73 % and a loss showed one stage before where it happened."""
    cases = _cases(
        [
            (0, 0.0, 2.0, "w", True, None),
            (1, 0.0, 1.0, "abandoned", False, "a"),  # left a's queue
            (2, 0.0, 3.0, "abandoned", False, "b"),  # did a, left b's queue
            (3, 0.0, 1.0, "abandoned", False, "c"),  # no execution of c anywhere
        ]
    )
    events = _events(
        [(0, "a", None, None, 0.0, 0.0, 1.0), (0, "b", None, None, 1.0, 1.0, 2.0)]
        + [(2, "a", None, None, 0.0, 0.0, 1.0)]
    )
    table = m.step_table(events, cases)
    assert table["reached"].to_dict() == pytest.approx({"a": 0.75, "b": 0.5, "c": 0.25})
    assert table["visits"].to_dict() == {"a": 2, "b": 1, "c": 0}  # executions only
    f = m.funnel(events, cases, order=["a", "b", "c"])
    assert f["conversion"].tolist() == pytest.approx([0.75, 2 / 3, 0.5])


def test_the_wait_of_a_case_that_gave_up_counts_in_its_steps_share_of_cycle_time():
    """QA 7b #5: the time cases spent in a queue before giving up was in the cycle time but in
    no step's waiting share, so the step where customers abandon looked a smaller bottleneck.
    One person, 3 h of work, patience 1.5 h, a case every hour from 1 h: cases 0 and 2 are
    served (waits 0 and 1 h), cases 1, 3 and 4 leave after 1.5 h each (see test_exact_traces)."""
    model = from_dict(
        {
            "name": "impatient",
            "start": "a",
            "arrivals": {"interarrival": {"dist": "fixed", "value": 1.0}},
            "roles": {"r": {"headcount": 1}},
            "steps": {"a": {"role": "r", "duration": 3.0, "patience": 1.5, "next": "done"}},
            "ends": {"done": {"success": True}},
        }
    )
    trace = run_replication(model, Scenario(horizon_days=1, warmup_days=0, max_cases=5), seed=0)
    k = replication_kpis(trace, model)
    total_ct = 3 + 1.5 + 4 + 1.5 + 1.5
    assert k["abandon_rate"] == pytest.approx(3 / 5)
    assert k["waiting_share:a"] == pytest.approx((0 + 1 + 3 * 1.5) / total_ct)
    assert k["queue_share:a"] == pytest.approx((0 + 1 + 3 * 1.5) / total_ct)
    assert k["waiting_mean:a"] == pytest.approx(0.5)  # the executions: 0 and 1 h
    assert k["cycle_time_mean"] == pytest.approx(total_ct / 5)


def test_the_first_step_of_a_funnel_with_patience_is_reached_by_every_case():
    model = from_dict(
        {
            "name": "impatient",
            "start": "serve",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
            "roles": {"clerk": {"headcount": 1}},
            "steps": {
                "serve": {
                    "role": "clerk",
                    "duration": {"dist": "exponential", "mean": 0.9},
                    "patience": {"dist": "exponential", "mean": 2.0},
                    "next": "done",
                }
            },
            "ends": {"done": {"success": True}},
        }
    )
    trace = run_replication(model, Scenario(horizon_days=20, warmup_days=1), seed=3)
    k = replication_kpis(trace, model)
    assert k["abandon_rate"] > 0.1  # the case this is about
    assert k["reached:serve"] == 1.0


def _long_task(duration, gap, calendar=None):
    """One clerk (10 an hour), one step of ``duration`` hours, a case every ``gap`` hours."""
    spec = {
        "name": "long",
        "start": "work",
        "arrivals": {"interarrival": {"dist": "fixed", "value": gap}},
        "roles": {"clerk": {"headcount": 1, "hourly_cost": 10.0}},
        "steps": {"work": {"role": "clerk", "duration": duration, "next": "done"}},
        "ends": {"done": {"success": True}},
    }
    if calendar:
        spec["calendars"] = {"office": calendar}
        spec["roles"]["clerk"]["calendar"] = "office"
    return from_dict(spec)


def test_work_under_way_at_the_stop_counts_in_utilisation_until_the_stop():
    # Without drain the run stops at 24 h. The one case arrives at 22 and starts its 10 h task
    # at once: 2 h of it fall before the stop, the clerk's whole work in the window [0, 24).
    # The case entered the step, so it reached it; it executed nothing yet (no visit, no row in
    # the exported log). A drained run measures the same window: the same 2 h and reach. The
    # processing cost is the clerk's busy hours for the case: 2 h by the stop, 10 h drained.
    model = _long_task(10.0, 22.0)
    for drain in (False, True):
        trace = run_replication(model, Scenario(horizon_days=1, warmup_days=0, drain=drain), seed=0)
        k = replication_kpis(trace, model)
        assert k["utilisation:clerk"] == pytest.approx(2 / 24), drain
        assert k["reached:work"] == 1.0
        assert k["cases_arrived"] == 1
        assert k["cases_in_progress"] == (0 if drain else 1)
        assert k["processing_cost_per_case"] == pytest.approx(100.0 if drain else 20.0)
    trace = run_replication(model, Scenario(horizon_days=1, warmup_days=0, drain=False), seed=0)
    assert k["visits_per_case:work"] == 1.0  # the drained run executed it
    assert replication_kpis(trace, model)["visits_per_case:work"] == 0.0
    assert trace_to_event_log(trace).empty  # the log holds executed steps only
    assert trace_events(trace).empty
    assert len(trace_open_steps(trace)) == 1


def test_work_under_way_is_clipped_to_the_window_and_a_queued_case_reached_its_step():
    # Warm-up 1 day, horizon 1 day: window [24, 48), the stop at 48. A 30 h task, a case every
    # 12 h: case 0 (warm-up) works 12-42, case 1 42-72 (under way: 6 h before the stop), case 2
    # queues from 36. The clerk is busy the whole window: (42 - 24) + (48 - 42) = 24 h of 24.
    # Both measured cases (1 and 2) reached the step; neither executed it.
    model = _long_task(30.0, 12.0)
    trace = run_replication(model, Scenario(horizon_days=1, warmup_days=1, drain=False), seed=0)
    k = replication_kpis(trace, model)
    assert k["utilisation:clerk"] == pytest.approx(1.0)
    assert k["reached:work"] == 1.0
    assert k["visits_per_case:work"] == 0.0
    assert k["cases_in_progress"] == 2
    assert k["processing_cost_per_case"] == pytest.approx(6 * 10.0 / 2)  # case 1's 6 h
    # the drained run: the same window, the same figures
    drained = replication_kpis(
        run_replication(model, Scenario(horizon_days=1, warmup_days=1), seed=0), model
    )
    assert drained["utilisation:clerk"] == pytest.approx(1.0)
    assert drained["reached:work"] == 1.0


def test_work_under_way_at_the_stop_is_busy_only_in_working_hours():
    # Office 09:00-17:00 every day from Monday 00:00; the stop at 36 h is Tuesday 12:00. Case 0
    # arrives Monday 15:00 and starts its 10 h task at once: by the stop it has worked Monday
    # 15-17 and Tuesday 09-12, 5 h of the 8 + 3 scheduled. Case 1 arrives Tuesday 06:00 and
    # queues (the shift, then the clerk): it reached the step too.
    model = _long_task(10.0, 15.0, calendar={"every_day": ["09:00-17:00"]})
    trace = run_replication(model, Scenario(horizon_days=1.5, warmup_days=0, drain=False), seed=0)
    k = replication_kpis(trace, model)
    assert k["utilisation:clerk"] == pytest.approx(5 / 11)
    assert k["reached:work"] == 1.0
    assert k["cases_in_progress"] == 2


def test_a_case_at_a_step_when_the_run_stopped_reached_it():
    """Hand-made: case 0 finished a and b; case 1 did a and was in service at b when the run
    stopped; case 2 was queueing at a. ``reached`` counts all three at a, two at b; visits,
    waiting and processing stay those of the executions, and a queueing step keeps nobody busy."""
    cases = _cases(
        [
            (0, 0.0, 4.0, "w", True, None),
            (1, 1.0, np.nan, None, pd.NA, None),
            (2, 2.0, np.nan, None, pd.NA, None),
        ]
    )
    events = _events(
        [
            (0, "a", "p", "x", 0.0, 0.0, 1.0),
            (0, "b", "p", "x", 1.0, 1.0, 4.0),
            (1, "a", "p", "x", 1.0, 1.0, 2.0),
        ]
    )
    open_steps = _events(
        [(1, "b", "p", "x", 2.0, 4.0, 6.0), (2, "a", None, None, 2.0, np.nan, np.nan)]
    )
    table = m.step_table(events, cases, open_steps)
    assert table["reached"].to_dict() == pytest.approx({"a": 1.0, "b": 2 / 3})
    assert table["visits"].to_dict() == {"a": 2, "b": 1}
    assert table.loc["b", "processing_mean"] == pytest.approx(3.0)
    f = m.funnel(events, cases, order=["a", "b"], open_steps=open_steps)
    assert f["conversion"].tolist() == pytest.approx([1.0, 2 / 3])
    assert m.step_table(events, cases)["reached"].to_dict() == pytest.approx(
        {"a": 2 / 3, "b": 1 / 3}
    )
    model = from_dict(
        {
            "name": "ab",
            "start": "a",
            "arrivals": {"interarrival": 1.0},
            "roles": {"x": {"headcount": 1}},
            "steps": {
                "a": {"role": "x", "duration": 1.0, "next": "b"},
                "b": {"role": "x", "duration": 1.0, "next": "done"},
            },
            "ends": {"done": {"success": True}},
        }
    )
    # busy 0-1, 1-4, 1-2 (executed) and 4-6 (under way until the stop at 6), over 6 h
    u = m.utilisation(events, model, {"x": 1}, (0.0, 6.0), open_steps)
    assert u["utilisation:x"] == pytest.approx((1 + 3 + 1 + 2) / 6)


def test_a_case_that_gave_up_in_a_branch_reached_that_step_whatever_the_drain():
    # One case at 1 h, three branches: 'w' takes the one clerk 1-6, 'x' (clerk, patience 1 h)
    # queues behind it and gives up at 2, the timer 't' runs 1-41. With a drain cut short the
    # run stops at 14 (12 h after the cap stopped the arrivals at 2) with 't' under way: the
    # case is in progress, yet it entered x's queue and left it, so it reached x, as in the
    # drained run (where it ends at 41, abandoned at x).
    model = from_dict(
        {
            "name": "gave_up_in_a_branch",
            "start": "split",
            "arrivals": {"interarrival": 1.0},
            "roles": {"clerk": {"headcount": 1}},
            "steps": {
                "w": {"role": "clerk", "duration": 5.0, "next": "j"},
                "x": {"role": "clerk", "duration": 1.0, "patience": 1.0, "next": "j"},
                "t": {"duration": 40.0, "next": "j"},
            },
            "parallel": {"split": {"branches": ["w", "x", "t"], "join": "j", "next": "done"}},
            "ends": {"done": {"success": True}},
        }
    )
    reached = {}
    for drain in (True, False):
        sc = Scenario(horizon_days=1, warmup_days=0, max_cases=1, drain_days=2 if drain else 0.5)
        k = replication_kpis(run_replication(model, sc, seed=0), model)
        assert k["cases_in_progress"] == (0 if drain else 1)
        reached[drain] = {s: k[f"reached:{s}"] for s in ("w", "x", "t")}
    assert reached[True] == reached[False] == {"w": 1.0, "x": 1.0, "t": 1.0}
    # the in-progress case is no drop-off yet: the drop-off rate counts finished cases only
    sc = Scenario(horizon_days=1, warmup_days=0, max_cases=1, drain_days=0.5)
    k = replication_kpis(run_replication(model, sc, seed=0), model)
    assert k["cases_dropped"] == 0 and np.isnan(k["dropoff_rate"])


def test_without_drain_every_case_reached_the_first_step(crm_path):
    """Every CRM case starts at lead_identification: a run cut at the end of the horizon, with
    cases queueing there, still has them all reach it; and nobody is busy over 100 %."""
    model = load(crm_path)
    assert model.start == "lead_identification"
    sc = Scenario(warmup_days=2, horizon_days=7, drain=False, staffing={"marketing": 1})
    trace = run_replication(model, sc, seed=4)
    k = replication_kpis(trace, model)
    assert k["cases_in_progress"] > 0
    assert k["reached:lead_identification"] == 1.0
    assert all(0.0 <= v <= 1.0 + 1e-9 for n, v in k.items() if n.startswith("utilisation:"))


def test_a_drain_to_the_end_leaves_nothing_under_way_and_the_kpis_of_its_events(crm_path):
    model = load(crm_path)
    trace = run_replication(model, Scenario(warmup_days=2, horizon_days=7), seed=4)
    assert (trace.case_outcome >= 0).all() and trace.open_case.size == 0
    k = replication_kpis(trace, model)
    without = log_kpis(
        trace_events(trace),
        trace_cases(trace),
        model=model,
        headcount=trace.meta["staffing"],
        window=trace.window,
    )
    assert k.keys() == without.keys()
    assert all(k[n] == without[n] or (np.isnan(k[n]) and np.isnan(without[n])) for n in k)


def _one_station(*, calendar=None, cost=0.0, hourly=10.0, value=100.0):
    spec = {
        "name": "one",
        "start": "work",
        "arrivals": {"interarrival": {"dist": "fixed", "value": 2.0}},
        "roles": {"clerk": {"headcount": 1, "hourly_cost": hourly}},
        "steps": {"work": {"role": "clerk", "duration": 1.0, "cost": cost, "next": "done"}},
        "ends": {"done": {"success": True, "value": value}},
    }
    if calendar:
        spec["calendars"] = {"office": calendar}
        spec["roles"]["clerk"]["calendar"] = "office"
    return from_dict(spec)


def test_deterministic_station_gives_exact_kpis():
    model = _one_station(cost=3.0)
    trace = run_replication(model, Scenario(horizon_days=10, warmup_days=1, replications=1), seed=1)
    k = replication_kpis(trace, model)
    # arrivals every 2 h, 1 h of work, never a queue
    assert k["cycle_time_mean"] == pytest.approx(1.0)
    assert k["waiting_mean:work"] == pytest.approx(0.0)
    assert k["processing_mean:work"] == pytest.approx(1.0)
    assert k["utilisation:clerk"] == pytest.approx(0.5, abs=1e-9)
    assert k["throughput_per_day"] == pytest.approx(12.0)
    assert k["wip_mean"] == pytest.approx(0.5)
    assert k["cases_arrived"] == 120
    # staff cost: 10/h for 240 scheduled hours over 120 cases = 20, plus step cost 3
    assert k["cost_per_case"] == pytest.approx(23.0)
    assert k["processing_cost_per_case"] == pytest.approx(13.0)
    assert k["value_added_ratio"] == pytest.approx(1.0)
    assert k["revenue_per_case"] == pytest.approx(100.0)
    assert k["margin_per_case"] == pytest.approx(77.0)
    assert k["dropoff_rate"] == 0.0


def test_processing_excludes_off_shift_time_and_utilisation_uses_the_calendar():
    # office 09:00-10:00 every day; a 1 h task started at 09:30 pauses at 10:00 and ends 09:30 next day
    model = from_dict(
        {
            "name": "pause",
            "start": "work",
            "arrivals": {"interarrival": {"dist": "fixed", "value": 33.5}},
            "calendars": {"office": {"every_day": ["09:00-10:00"]}},
            "roles": {"clerk": {"headcount": 1, "calendar": "office"}},
            "steps": {"work": {"role": "clerk", "duration": 1.0, "next": "done"}},
            "ends": {"done": {"success": True}},
        }
    )
    trace = run_replication(model, Scenario(horizon_days=1.5, warmup_days=0, max_cases=1), seed=0)
    k = replication_kpis(trace, model)
    assert trace.ev_start[0] == pytest.approx(33.5) and trace.ev_end[0] == pytest.approx(57.5)
    assert k["processing_mean:work"] == pytest.approx(1.0)  # working time, not 24 h elapsed


def test_a_step_of_two_roles_keeps_the_longer_shift_busy_only_while_both_work():
    """QA 7b #3: a 6 h meeting of a (09-17) and b (09-13), Monday 09:00 to Tuesday 11:00: a was
    counted busy Monday 13-17 too, while the meeting waited for b (utilisation 25 %, not 15 %;
    processing cost 160, not 120)."""
    model = from_dict(
        {
            "name": "meeting",
            "start_date": "2026-01-05T00:00:00",  # a Monday
            "start": "meet",
            "arrivals": {"interarrival": {"dist": "fixed", "value": 9.0}},
            "calendars": {
                "full": {"weekdays": ["09:00-17:00"]},
                "morning": {"weekdays": ["09:00-13:00"]},
            },
            "roles": {
                "a": {"headcount": 1, "calendar": "full", "hourly_cost": 10},
                "b": {"headcount": 1, "calendar": "morning", "hourly_cost": 10},
            },
            "steps": {"meet": {"roles": ["a", "b"], "duration": 6.0, "next": "done"}},
            "ends": {"done": {"success": True}},
        }
    )
    scenario = Scenario(horizon_days=7, warmup_days=0, max_cases=1)
    # measured over the whole week: the cap ends the run's window where the next case would
    # have arrived (18 h), before the meeting's second day
    trace = replace(run_replication(model, scenario, seed=0), window=(0.0, 7 * 24.0))
    k = replication_kpis(trace, model)
    assert (trace.ev_start[0], trace.ev_end[0]) == pytest.approx((9.0, 24 + 11.0))
    assert k["processing_mean:meet"] == pytest.approx(6.0)
    assert k["utilisation:a"] == pytest.approx(6 / 40)  # five days of 8 h
    assert k["utilisation:b"] == pytest.approx(6 / 20)  # five mornings of 4 h
    assert k["processing_cost_per_case"] == pytest.approx(120.0)


def test_a_timer_on_a_calendar_processes_its_working_hours():
    """QA 7b #8: "reply within 2 business days" (16 h of a 09-17 office) reported its elapsed
    time, nights and the weekend included, as processing (57.8 h on average)."""
    model = from_dict(
        {
            "name": "reply",
            "start_date": "2026-01-09T00:00:00",  # a Friday
            "start": "reply",
            "arrivals": {"interarrival": {"dist": "fixed", "value": 10.0}},
            "calendars": {"office": {"weekdays": ["09:00-17:00"]}},
            "steps": {"reply": {"duration": 16.0, "calendar": "office", "next": "done"}},
            "ends": {"done": {"success": True}},
        }
    )
    # the drain counts from where the cap stopped the arrivals (at 20): 4 days for the reply
    scenario = Scenario(horizon_days=3, warmup_days=0, max_cases=1, drain_days=4)
    trace = run_replication(model, scenario, seed=0)
    k = replication_kpis(trace, model)
    # Friday 10:00 -> Tuesday 10:00: Friday 7 h, Monday 8 h, Tuesday 1 h of the office
    assert trace.ev_end[0] - trace.ev_start[0] == pytest.approx(96.0)
    assert k["processing_mean:reply"] == pytest.approx(16.0)
    assert k["value_added_ratio"] == pytest.approx(16.0 / 96.0)


def test_a_model_of_timers_only_has_no_bottleneck():
    """QA 7b #7: with no staffed step, the bottleneck line named a timer ("waiting 0 %") and a
    statistical tie with the other timer."""
    model = from_dict(
        {
            "name": "timers",
            "start": "reply",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 20.0}},
            "steps": {
                "reply": {"duration": 16.0, "value_adding": False, "next": "deadline"},
                "deadline": {"duration": 100.0, "measured_from": "arrival", "next": "done"},
            },
            "ends": {"done": {"success": True}},
        }
    )
    scenario = Scenario(horizon_days=20, warmup_days=1)
    table = kpi_table([run_replication(model, scenario, seed=r) for r in range(3)], model)
    report = kpi_report(table, model)
    assert report["bottleneck"] is None
    text = format_report(report)
    assert "bottleneck: none — no step is done by staff" in text and "tied" not in text


def test_log_cases_marks_dropoffs_and_open_cases():
    events = _events(
        [
            ("a", "start", None, None, 0.0, 0.0, 1.0),
            ("a", "approve", None, None, 1.0, 1.0, 2.0),
            ("b", "start", None, None, 0.0, 0.5, 1.0),
            ("b", "decline", None, None, 1.0, 1.5, 3.0),
            ("c", "start", None, None, 5.0, 5.0, 6.0),
        ]
    )
    cases = log_cases(events, dropoff_outcomes=["decline"], open_cases=["c"])
    by = cases.set_index("case_id")
    assert bool(by.loc["a", "success"]) and not bool(by.loc["b", "success"])
    assert pd.isna(by.loc["c", "success"]) and np.isnan(by.loc["c", "end"])
    k = log_kpis(events, cases)
    assert k["dropoff_rate"] == pytest.approx(0.5)
    assert k["cases_in_progress"] == 1


def test_confidence_interval_matches_student_t():
    x = [1.0, 2.0, 3.0, 4.0]
    ci = confidence_interval(x)
    # t_{0.975, 3} = 3.182446; s = 1.290994; half = t s / 2
    assert ci["half_width"] == pytest.approx(3.182446 * 1.290994 / 2, rel=1e-5)
    assert confidence_interval([5.0])["n"] == 1 and np.isnan(
        confidence_interval([5.0])["half_width"]
    )


def test_prediction_interval_matches_student_t_and_covers_one_more_run():
    x = [1.0, 2.0, 3.0, 4.0]
    lo, hi = prediction_interval(x)
    half = 3.182446 * 1.290994 * np.sqrt(1 + 1 / 4)  # t_{0.975, 3} s sqrt(1 + 1/n)
    assert (lo, hi) == pytest.approx((2.5 - half, 2.5 + half), rel=1e-5)
    assert all(np.isnan(prediction_interval([1.0, 2.0])))  # too few to say
    # one more draw falls inside about 95 % of the time (normal replications, 5 of them);
    # 4,000 trials: the share's standard error is 0.0034
    rng = np.random.default_rng(3)
    reps = rng.normal(10.0, 2.0, (4000, 6))
    inside = [lo <= r[5] <= hi for r in reps for lo, hi in [prediction_interval(r[:5])]]
    assert np.mean(inside) == pytest.approx(0.95, abs=0.012)


def test_prediction_interval_of_a_time_stays_at_or_above_zero_and_covers_one_more_run():
    """A cycle time's prediction interval clipped to its domain (QA: "Single runs of the model
    vary from -25.5-215 h"): never below 0, and it covers one more run as often as before,
    since no run falls below 0 (normal runs of mean 10 h, sd 4 h: the t-interval of 5 reaches
    below 0 most of the time)."""
    rng = np.random.default_rng(4)
    reps = np.abs(rng.normal(10.0, 4.0, (4000, 6)))  # |.| changes 0.6 % of the draws, by little
    inside, clipped = [], 0
    for r in reps:
        lo, hi = prediction_interval(r[:5], bounds=(0.0, None))
        assert lo >= 0.0
        clipped += lo == 0.0
        inside.append(lo <= r[5] <= hi)
    assert clipped > 0.5 * len(reps)
    # 4,000 trials: the share's standard error is 0.0034
    assert np.mean(inside) == pytest.approx(0.95, abs=0.012)
    assert prediction_interval([1.0, 2.0, 3.0], bounds=(0.0, None))[1] == pytest.approx(
        prediction_interval([1.0, 2.0, 3.0])[1]
    )


def test_paired_comparison_detects_a_consistent_change_and_not_noise():
    base = pd.DataFrame({"k": [10.0, 12.0, 11.0, 13.0, 9.0]})
    better = pd.DataFrame({"k": [9.0, 11.1, 10.0, 12.05, 8.0]})
    noise = pd.DataFrame({"k": [10.5, 11.5, 11.4, 12.6, 9.2]})
    assert bool(paired_comparison(base, better).loc["k", "significant"])
    assert not bool(paired_comparison(base, noise).loc["k", "significant"])


def test_kpi_report_has_ci_for_every_headline_and_names_the_bottleneck(crm_path):
    from sim.engine import run_replications
    from sim.model import load

    model = load(crm_path)
    traces = run_replications(model, Scenario(replications=3, horizon_days=14), seed=3, workers=1)
    table = kpi_table(traces, model)
    report = kpi_report(table, model)
    assert len(table) == 3
    for key in ("cycle_time_mean", "dropoff_rate", "cost_per_case", "throughput_per_week"):
        ci = report["headline"][key]
        assert ci["ci_low"] <= ci["mean"] <= ci["ci_high"]
    assert report["bottleneck"]["step"] in model.steps
    assert {r["role"] for r in report["roles"]} == set(model.roles)
    reached = [f["reached"] for f in report["funnel"]]
    assert reached[0] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("ci", "pct", "shown"),
    [
        ({"mean": 9919.2, "half_width": 930.4}, False, "9,919 ± 930"),  # was 9.3e+02
        ({"mean": 12345.6, "half_width": 25.0}, False, "12,350 ± 25"),  # was 1.235e+04
        ({"mean": 96.95, "half_width": 11.2}, False, "96.95 ± 11"),
        ({"mean": 0.1065, "half_width": 0.0091}, True, "10.65 ± 0.91 %"),
        ({"mean": 0.00234, "half_width": float("nan")}, False, "0.00234"),
        ({"mean": 0.0, "half_width": 0.0}, False, "0 ± 0"),
    ],
)
def test_console_intervals_read_as_plain_numbers(ci, pct, shown):
    from sim.kpis.summary import _fmt

    assert _fmt(ci, pct=pct) == shown


def test_a_time_interval_is_clipped_at_zero_and_keeps_its_mean():
    # three replications of a waiting time: the t-interval 3.33 -+ 4.30 * 5.77 / sqrt(3) reaches
    # down to -11 h; a time cannot be negative
    x = [0.0, 0.0, 10.0]
    raw = confidence_interval(x)
    assert raw["ci_low"] < 0  # the unclipped interval, as before
    ci = confidence_interval(x, bounds=(0.0, None))
    assert ci["ci_low"] == 0.0
    assert ci["mean"] == pytest.approx(10 / 3)
    assert ci["ci_high"] == pytest.approx(raw["ci_high"])
    assert ci["half_width"] == pytest.approx(raw["half_width"])


def test_kpi_report_clips_times_and_shares_to_their_domain_but_not_money():
    table = pd.DataFrame(
        {
            "replication": [0, 1, 2],
            "waiting_mean:work": [0.0, 0.0, 10.0],  # t-interval below 0 h
            "reached:work": [1.0, 1.0, 0.9],  # t-interval above 100 %
            "outcome_share:won": [1.0, 1.0, 0.95],
            "margin_per_case": [-1.0, -1.0, 10.0],  # money can be negative: left as it is
        }
    )
    model = _one_station()
    rep = kpi_report(table, model)
    everything = rep["all"]
    assert everything["waiting_mean:work"]["ci_low"] == 0.0
    assert everything["waiting_mean:work"]["mean"] == pytest.approx(10 / 3)
    assert everything["reached:work"]["ci_high"] == 1.0
    assert everything["reached:work"]["mean"] == pytest.approx(2.9 / 3)
    assert rep["outcomes"]["won"]["ci_high"] == 1.0
    assert everything["margin_per_case"]["ci_low"] < -1.0
    for ci in everything.values():
        assert ci["ci_low"] <= ci["mean"] <= ci["ci_high"]


def test_a_paired_difference_is_not_clipped_at_zero():
    base = pd.DataFrame({"waiting_mean:work": [10.0, 12.0, 11.0]})
    alt = pd.DataFrame({"waiting_mean:work": [8.0, 12.5, 9.0]})  # differences -2, +0.5, -2
    comp = paired_comparison(base, alt)
    assert comp.loc["waiting_mean:work", "diff"] == pytest.approx(-3.5 / 3)
    assert comp.loc["waiting_mean:work", "ci_low"] < -3.5 / 3 < 0
    assert comp.loc["waiting_mean:work", "ci_high"] > 0


def _two_steps(*, calendar=None, metadata=None, timer=0.0):
    """``a`` (clerk) -> ``delay:b`` (a timer of ``timer`` hours, no staff) -> ``b`` (clerk)."""
    spec = {
        "name": "two",
        "start": "a",
        "arrivals": {"interarrival": {"dist": "fixed", "value": 24.0}},
        "roles": {"clerk": {"headcount": 1}},
        "steps": {
            "a": {"role": "clerk", "duration": 1.0, "next": "delay:b"},
            "delay:b": {"duration": timer, "next": "b"},
            "b": {"role": "clerk", "duration": 1.0, "next": "done"},
        },
        "ends": {"done": {"success": True}},
        "metadata": metadata or {},
    }
    if calendar:
        spec["calendars"] = {"office": calendar}
        spec["roles"]["clerk"]["calendar"] = "office"
    return from_dict(spec)


def test_queue_share_leaves_out_only_the_wait_for_the_shift_to_open():
    # office 09:00-17:00. Case 0, ready at 16:00 with the clerk on shift and started at 10:00
    # next day, was carried over: all 18 h queue for staff (QA bottleneck19 #3; it counted 2 h,
    # the on-shift ones). Case 1, ready at 18:00 (the office closed), waits for the 09:00
    # opening: the calendar's 15 h; then queues 3 h until it starts at 12:00.
    model = _two_steps(calendar={"every_day": ["09:00-17:00"]})
    cases = _cases([(0, 16.0, 36.0, "done", True, None), (1, 18.0, 38.0, "done", True, None)])
    events = _events(
        [
            (0, "a", "r1", "clerk", 16.0, 34.0, 35.0),
            (0, "b", "r1", "clerk", 35.0, 35.0, 36.0),
            (1, "a", "r1", "clerk", 18.0, 36.0, 37.0),
            (1, "b", "r1", "clerk", 37.0, 37.0, 38.0),
        ]
    )
    assert m.waiting_shares(events, cases)["a"] == pytest.approx((18 + 18) / 40)
    q = m.queue_shares(events, cases, model)
    assert q["a"] == pytest.approx((18 + 3) / 40)
    assert q["b"] == pytest.approx(0.0)


def test_bottleneck_is_where_cases_queue_for_staff_not_where_they_wait_for_the_calendar():
    model = _two_steps()
    table = pd.DataFrame(
        {
            "replication": [0, 1],
            "waiting_share:a": [0.5, 0.5],  # mostly overnight: the staff are off
            "queue_share:a": [0.01, 0.01],
            "waiting_share:b": [0.2, 0.2],  # queueing for busy staff
            "queue_share:b": [0.15, 0.15],
        }
    )
    report = kpi_report(table, model)
    assert report["bottleneck"]["step"] == "b"
    assert report["bottleneck"]["queue_share"]["mean"] == pytest.approx(0.15)
    assert "bottleneck: b — cases queue for its staff 15.00 ± 0 %" in format_report(report)


def test_no_bottleneck_still_says_where_cases_wait_for_the_staffs_hours():
    """QA 2026-12-05 bpmn #10: 'bottleneck: none' hid 44 % of the cycle time spent waiting for
    the office to open before one step."""
    model = _two_steps()
    table = pd.DataFrame(
        {
            "replication": [0, 1],
            "waiting_share:a": [0.44, 0.44],  # overnight: the staff are off
            "queue_share:a": [0.002, 0.002],
            "waiting_share:b": [0.001, 0.001],
            "queue_share:b": [0.001, 0.001],
        }
    )
    text = format_report(kpi_report(table, model))
    assert "bottleneck: none — cases queue for staff under 1 % of cycle time" in text
    assert (
        "with the hours the staff are off and hand-off delays, cases wait longest before a, 44.00 ± 0 %"
        in text
    )
    calm = table.assign(**{"waiting_share:a": [0.005, 0.005]})
    assert "hours the staff are off" not in format_report(kpi_report(calm, model))


def test_timers_are_reported_apart_from_the_bottleneck_and_counted_by_activity():
    # every 24 h a case: a (1 h), 10 h in the timer before b, b (1 h); never a queue
    model = _two_steps(
        timer=10.0, metadata={"timer_steps": ["delay:b"], "step_activity": {"b": "b"}}
    )
    traces = [
        run_replication(model, Scenario(horizon_days=5, warmup_days=0, replications=2), seed=s)
        for s in (1, 2)
    ]
    k = replication_kpis(traces[0], model)
    assert k["timer_share:delay:b"] == pytest.approx(10 / 12)
    assert k["timer_share"] == pytest.approx(10 / 12)
    assert k["queue_share:a"] == pytest.approx(0.0) and k["queue_share:b"] == pytest.approx(0.0)
    report = kpi_report(kpi_table(traces, model), model)
    assert report["timers"]["largest"]["step"] == "delay:b"
    assert report["timers"]["share"]["mean"] == pytest.approx(10 / 12)
    # "by activity" counts the activity's timers, as its text says
    by_activity = report["bottleneck_activity"]
    assert by_activity["activity"] == "b" and by_activity["steps"] == ["delay:b", "b"]
    assert by_activity["waiting_share"]["mean"] == pytest.approx(10 / 12)
    text = format_report(report)
    assert "bottleneck: none — cases queue for staff under 1 % of cycle time" in text
    assert "timers: 83.33 ± 0 % of cycle time is in delay timers" in text
    assert "the largest: delay:b, 83.33 ± 0 %" in text
    assert "by activity: b — cases wait 83.33 ± 0 % of cycle time for it" in text


def test_kpi_report_lists_the_roles_busy_nearly_all_their_hours():
    model = _one_station()
    busy = pd.DataFrame({"replication": [0, 1], "utilisation:clerk": [1.0, 0.995]})
    assert kpi_report(busy, model)["saturated_roles"] == ["clerk"]
    calm = pd.DataFrame({"replication": [0, 1], "utilisation:clerk": [0.9, 0.95]})
    assert kpi_report(calm, model)["saturated_roles"] == []


def test_kpi_report_lists_the_roles_busy_above_the_target_but_not_saturated():
    """QA 10 #2: a role 90 % busy (above the 85 % target, below saturation) was named nowhere."""
    model = _one_station()
    reports = {
        u: kpi_report(pd.DataFrame({"replication": [0, 1], "utilisation:clerk": [u, u]}), model)
        for u in (0.84, 0.85, 0.925, 0.99)
    }
    assert {u: r["above_target_roles"] for u, r in reports.items()} == {
        0.84: [],
        0.85: ["clerk"],
        0.925: ["clerk"],
        0.99: [],  # saturated: named in saturated_roles instead
    }
    assert reports[0.99]["saturated_roles"] == ["clerk"]
