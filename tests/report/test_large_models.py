"""Reports of large (calibrated-size) models stay readable: per-step charts and the map show the
steps that matter most and say how many more there are and where; small models are drawn whole.
And the simulate report's cycle-time figure prints the KPI table's numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from sim.model import from_dict
from sim.redesign import operators as op
from sim.report.charts import (
    FUNNEL_ROWS_MAX,
    HIDDEN_GID,
    STEP_ROWS_MAX,
    plot_cycle_times,
    plot_fits,
    plot_funnel,
    plot_step_times,
)
from sim.report.diff_map import CHANGED, MOVED, draw_diff_map
from sim.report.process_map import MAP_STEPS_MAX, draw_process_map

N_STEPS = 113  # BPIC 2012 W's calibrated model


def _ci(mean: float) -> dict:
    return {"mean": mean, "ci_low": mean, "ci_high": mean, "half_width": 0.0, "n": 5}


def _report(n: int, *, bottleneck: str | None = None) -> dict:
    """A kpis.json-like report of ``n`` steps: step i waits i hours and is reached by
    (n - i) / n of the cases; step 3 loses 2 % of them."""
    names = [f"step {i}" for i in range(n)]
    reached = [(n - i) / n for i in range(n)]
    steps = [
        {
            "step": s,
            "waiting_mean": _ci(float(i)),
            "processing_mean": _ci(0.5),
            "waiting_share": _ci(0.01),
            "reached": _ci(1.0),  # every step reached: time per case ranks by waiting
            "dropoff_at": _ci(0.02) if i == 3 else None,
        }
        for i, s in enumerate(names)
    ]
    return {
        "steps": steps,
        "funnel": [{"stage": s, "reached": r} for s, r in zip(names, reached, strict=True)],
        "outcomes": {"won": _ci(0.9), "lost": _ci(0.1)},
        "bottleneck": {"step": bottleneck, "negligible": False} if bottleneck else None,
    }


def _note(fig) -> str:
    notes = [t.get_text() for t in fig.texts if t.get_gid() == HIDDEN_GID]
    assert len(notes) == 1, [t.get_text() for t in fig.texts]
    return notes[0]


def _rows(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def test_step_times_of_a_113_step_model_shows_the_steps_where_cases_spend_most_time():
    fig = plot_step_times(_report(N_STEPS, bottleneck="step 0"))
    rows = _rows(fig.axes[0])
    assert len(rows) <= STEP_ROWS_MAX < N_STEPS
    top = [f"step {i}" for i in range(N_STEPS - STEP_ROWS_MAX + 1, N_STEPS)]
    assert rows == ["step 0", *top]  # the bottleneck, then where cases spend the most time
    note = _note(fig)
    assert f"{STEP_ROWS_MAX} of {N_STEPS} steps" in note
    assert f"other {N_STEPS - STEP_ROWS_MAX} are in kpis.json" in note
    assert fig.get_figheight() < 15  # was 42 inches


def test_funnel_of_a_113_step_model_shows_the_most_reached_steps_and_every_loss():
    fig = plot_funnel(_report(N_STEPS))
    rows = _rows(fig.axes[0])
    assert len(rows) == FUNNEL_ROWS_MAX < N_STEPS
    assert rows[:4] == ["step 0", "step 1", "step 2", "step 3"]  # most reached, in model order
    assert "2.0% lost here" in [t.get_text() for t in fig.axes[0].texts]
    assert f"other {N_STEPS - FUNNEL_ROWS_MAX} are in kpis.json" in _note(fig)


@pytest.mark.parametrize("plot", [plot_step_times, plot_funnel])
def test_a_small_model_is_drawn_whole_without_a_note(plot):
    fig = plot(_report(13, bottleneck="step 5"))
    assert len(_rows(fig.axes[0])) == 13
    assert not [t for t in fig.texts if t.get_gid() == HIDDEN_GID]


def test_fits_say_how_many_steps_are_left_out_and_where_they_are():
    from sim.model import Distribution

    rng = np.random.default_rng(0)
    dist = Distribution.from_dict({"dist": "exponential", "mean": 1.0})
    fits = {f"step {i}": (rng.exponential(1.0, 20 + i), dist) for i in range(12)}
    fig = plot_fits(fits, max_rows=3, rest_in="fits.csv")
    assert "3 of 12 steps" in _note(fig) and "other 9 are in fits.csv" in _note(fig)
    titles = [ax.get_title(loc="left") for ax in fig.axes[::2]]
    assert titles == ["step 11", "step 10", "step 9"]  # the most observed


def _side_trips(n: int):
    """``n`` main steps each followed, for 20 % of the cases, by a side trip: 2n steps."""
    steps, decisions = {}, {}
    for i in range(n):
        after = f"main_{i + 1}" if i + 1 < n else "done"
        fixed = {"dist": "fixed", "value": 1}
        steps[f"main_{i}"] = {"role": "clerk", "duration": fixed, "next": f"d_{i}"}
        steps[f"side_{i}"] = {"role": "clerk", "duration": fixed, "next": after}
        decisions[f"d_{i}"] = {"branches": {after: 0.8, f"side_{i}": 0.2}}
    return from_dict(
        {
            "name": "side trips",
            "start": "main_0",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
            "roles": {"clerk": {"headcount": 2}},
            "steps": steps,
            "decisions": decisions,
            "ends": {"done": {"success": True}},
        }
    )


def _footer(fig) -> str:
    return "\n".join(t.get_text() for t in fig.texts)


def test_the_map_of_a_large_model_draws_its_most_visited_part_and_says_what_it_leaves_out():
    model = _side_trips(30)  # 60 steps: 30 visited by every case, 30 by a fifth
    fig = draw_process_map(model, kpi={"main_0": 0.1, "side_29": 0.5})
    text = _footer(fig)
    assert f"{MAP_STEPS_MAX} of 60 steps drawn: the most visited" in text
    assert f"The other {60 - MAP_STEPS_MAX} (at most 0.2 visits per case each)" in text
    assert "model.yaml" in text
    whole = draw_process_map(model, max_steps=None)
    assert "steps drawn" not in _footer(whole)
    assert whole.get_figwidth() > fig.get_figwidth()


def test_the_map_of_a_small_model_is_drawn_whole():
    fig = draw_process_map(_side_trips(10))  # 20 steps
    assert "steps drawn" not in _footer(fig)


def _cycle_times() -> pd.DataFrame:
    """Three replications of very different sizes and spreads: the p90 of all their cases
    pooled is far from the mean of their own p90s."""
    rng = np.random.default_rng(4)
    parts = [(0, 50, 400.0), (1, 2000, 150.0), (2, 300, 900.0)]
    return pd.concat(
        [
            pd.DataFrame({"replication": r, "cycle_time_h": rng.exponential(scale, n)})
            for r, n, scale in parts
        ],
        ignore_index=True,
    )


def test_the_cycle_time_figure_prints_the_kpis_pooled_p90_and_median():
    """The figure prints kpis.json's percentiles: every replication's cases pooled (not each
    replication's, averaged), and its mean of the replications' means."""
    table = _cycle_times()
    v = table["cycle_time_h"].to_numpy()
    fig = plot_cycle_times({"simulated": v}, replications={"simulated": table["replication"]})
    labels = {t.get_text().split()[0]: t.get_text() for t in fig.axes[1].texts}
    groups = [g.to_numpy() for _r, g in table.groupby("replication")["cycle_time_h"]]
    averaged_p90 = float(np.mean([np.quantile(g, 0.9) for g in groups]))
    assert labels["p90"] == f"p90 {np.quantile(v, 0.9):,.0f}" != f"p90 {averaged_p90:,.0f}"
    assert labels["p50"] == f"p50 {np.median(v):,.0f}"
    assert "pooled" in _footer(fig) and "as in the KPI table" in _footer(fig)


def test_a_single_sample_keeps_its_own_percentiles_without_a_kpi_note():
    v = np.arange(1.0, 1001.0)
    fig = plot_cycle_times({"history": v})
    labels = sorted(t.get_text() for t in fig.axes[1].texts)
    assert labels == ["p50 500", "p90 900"]
    assert "KPI table" not in _footer(fig)


def _drawn(fig, model) -> dict:
    """The node patches of ``fig`` by name, for the steps and decisions of ``model``."""
    names = {*model.steps, *model.decisions}
    patches = [p for ax in fig.axes for p in ax.patches if str(p.get_gid()).startswith("node:")]
    return {p.get_gid()[5:]: p for p in patches if p.get_gid()[5:] in names}


def test_the_diff_map_of_a_large_model_keeps_every_change_and_says_what_it_leaves_out():
    model = _side_trips(30)  # 60 steps; the side trips (a fifth of the cases) after the 29th...
    redesign = op.remove_step(model, "side_29")  # ...are the least visited: left out unless
    redesign = op.automate_step(redesign, "side_25", duration={"dist": "fixed", "value": 0.1})
    redesign = op.simplify_step(redesign, "side_27", factor=0.5)  # the redesign changes them
    fig = draw_diff_map(model, redesign)
    drawn = _drawn(fig, model)
    steps = [n for n in drawn if n in model.steps]
    assert len(steps) == MAP_STEPS_MAX < 60
    removed, automated, simplified = drawn["side_29"], drawn["side_25"], drawn["side_27"]
    assert removed.get_hatch() == "//"  # struck out and hatched as removed
    assert to_rgba(automated.get_edgecolor()) == to_rgba(CHANGED)
    assert to_rgba(simplified.get_edgecolor()) == to_rgba(CHANGED)
    # where the changed steps sit: the main steps before and after them
    assert {"main_25", "main_27", "main_29"} <= set(steps)
    text = " ".join(_footer(fig).split())
    # the 3 changed, the 5 main steps around them, the first 22 main steps (the most visited)
    assert f"{MAP_STEPS_MAX} of 60 steps drawn: the 3 the redesign changes, 5 next to them" in text
    assert f"The other {60 - MAP_STEPS_MAX} (at most 1 visits per case each)" in text
    assert {f"main_{i}" for i in range(22)} <= set(steps) and "main_22" not in steps
    assert "Remove 'side_29'" in text  # the list of changes is still there
    whole = draw_diff_map(model, redesign, max_steps=None)
    assert len([n for n in _drawn(whole, model) if n in model.steps]) == 60
    assert "steps drawn" not in _footer(whole)


def test_the_diff_map_of_a_large_model_keeps_a_moved_decision_and_where_it_now_sits():
    # 95 % of the cases: 40 main steps; 5 %: r_0 -> r_1 -> r_2 -> check (needs only r_0)
    fixed = {"dist": "fixed", "value": 1}
    steps = {
        f"m_{i}": {"role": "clerk", "duration": fixed, "next": f"m_{i + 1}"} for i in range(40)
    }
    steps["m_39"]["next"] = "done"
    for i, nxt in enumerate(["r_1", "r_2", "check"]):
        steps[f"r_{i}"] = {"role": "clerk", "duration": fixed, "next": nxt}
    steps["r_3"] = {"role": "clerk", "duration": fixed, "next": "done"}
    model = from_dict(
        {
            "name": "rare check",
            "start": "route",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
            "roles": {"clerk": {"headcount": 2}},
            "steps": steps,
            "decisions": {
                "route": {"branches": {"m_0": 0.95, "r_0": 0.05}},
                "check": {"branches": {"r_3": 0.5, "rejected": 0.5}, "requires": ["r_0"]},
            },
            "ends": {"done": {"success": True}, "rejected": {"success": False}},
        }
    )
    redesign = op.move_decision(model, "check")
    fig = draw_diff_map(model, redesign)
    drawn = _drawn(fig, model)
    assert len([n for n in drawn if n in model.steps]) == MAP_STEPS_MAX
    assert drawn["check"].get_linestyle() == "--"
    assert to_rgba(drawn["check"].get_edgecolor()) == to_rgba(MOVED)
    assert "r_0" in drawn  # it now follows r_0: the dotted arrow has both ends
    assert f"{MAP_STEPS_MAX} of 44 steps drawn: the 1 the redesign changes" in " ".join(
        _footer(fig).split()
    )


def test_the_diff_map_of_a_small_model_is_drawn_whole():
    model = _side_trips(10)  # 20 steps
    fig = draw_diff_map(model, op.remove_step(model, "side_9"))
    assert len([n for n in _drawn(fig, model) if n in model.steps]) == 20
    assert "steps drawn" not in _footer(fig)
