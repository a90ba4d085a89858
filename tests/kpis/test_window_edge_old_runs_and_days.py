"""The window-edge rule on runs without ``wip_change`` and on throughput per day (QA compare19
#1, #2): a run recorded before 2026-12-06 has no ``wip_change``, and an overloaded server's fix
(+65.8 cases a week, a backlog of 46 cases before it) read "window edge"; and the rule's margin
took a change per day as if it were per week, so the same runs read "window edge" per week and
"worse" per day."""

from __future__ import annotations

from sim.kpis import compare_scenarios
from sim.kpis.compare import window_edge_note
from tests.kpis.test_wip_growth_floor import BASE_THROUGHPUT, SLOWER, SMALL_GROWTH, _table

STEADY = [0.0, -0.02, 0.01, 0.0, -0.01]


def test_throughput_per_day_gets_the_note_of_throughput_per_week():
    """The margin is the window's length in the change's own unit: a change per day is a
    seventh of the same change per week, over seven times as many days."""
    base = _table(BASE_THROUGHPUT, STEADY)
    alt = _table(BASE_THROUGHPUT - SLOWER, SMALL_GROWTH)
    # the cases won move a little, within noise: an interval of about +-0.05 cases, inside
    # half the change over the window's 7.4 weeks (0.19 cases), not inside it over 7.4 "days"
    alt["cases_completed"] += [0.05, -0.05, 0.03, -0.03, 0.0]
    weekly = float((alt["throughput_per_week"] - base["throughput_per_week"]).mean())
    note = window_edge_note(base, alt, weekly, paired=True)
    assert note is not None
    daily = window_edge_note(base, alt, weekly / 7, paired=True, kpi="throughput_per_day")
    assert daily == note
    # the margin per day taken as per week (7 times too small) saw no edge effect here
    assert window_edge_note(base, alt, weekly / 7, paired=True) is None


def test_a_run_without_wip_change_gets_no_window_edge_verdict():
    base = _table(BASE_THROUGHPUT, STEADY)
    alt = _table(BASE_THROUGHPUT - SLOWER, SMALL_GROWTH)
    diff = float((alt["throughput_per_week"] - base["throughput_per_week"]).mean())
    assert window_edge_note(base, alt, diff, paired=True) is not None
    old = base.drop(columns="wip_change")  # whether its backlog grew cannot be told
    assert window_edge_note(old, alt, diff, paired=True) is None
    assert window_edge_note(base, alt.drop(columns="wip_change"), diff, paired=True) is None
    cmp = compare_scenarios({"base": old, "alt": alt}, baseline="base", paired=True)
    row = cmp[(cmp["scenario"] == "alt") & (cmp["kpi"] == "throughput_per_week")].iloc[0]
    assert row["verdict"] == "worse" and row["note"] == ""
