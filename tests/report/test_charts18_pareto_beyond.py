"""The Pareto figure of three objectives (three panels) counts the infeasible trials beyond the
axes over each panel under one legend entry, and its caption's "farthest" is true of every
panel (QA plots18 #7: three look-alike "infeasible, beyond the axis: N" entries named no panel,
and the caption's farthest was only the first panel's)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from report_testkit import write_optimize_run

from sim.model import load
from sim.report.charts import BEYOND_GID, plot_pareto
from sim.report.html import _pareto_figure, read_run

OBJECTIVES = ("cycle_time_mean", "dropoff_rate", "cost_per_case")


@pytest.fixture()
def three_objective_run(tmp_path, crm_path):
    crm = load(crm_path)
    run = write_optimize_run(tmp_path / "opt", crm, crm)
    trials = pd.DataFrame(
        {
            "trial": range(9),
            "state": ["COMPLETE"] * 9,
            "cycle_time_mean": [150.0, 120.0, 130.0, 140.0, 125.0, 600.0, 200.0, 135.0, 128.0],
            "dropoff_rate": [0.56, 0.57, 0.55, 0.565, 0.558, 0.56, 0.95, 0.562, 0.561],
            "cost_per_case": [
                1300.0,
                1100.0,
                1000.0,
                1200.0,
                1150.0,
                1100.0,
                1150.0,
                400.0,
                1120.0,
            ],
            "feasible": [True] * 5 + [False] * 3 + [True],
        }
    )
    trials.to_csv(run / "trials.csv", index=False)
    conf = json.loads((run / "confirmation.json").read_text())
    conf["objectives"] = [{"kpi": k, "direction": "minimize"} for k in OBJECTIVES]
    conf["baseline"] = {"cycle_time_mean": 145.0, "dropoff_rate": 0.56, "cost_per_case": 1200.0}
    conf["candidates"][0]["trial"] = 2
    (run / "confirmation.json").write_text(json.dumps(conf))
    return run, trials


def _beyond(ax) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections if c.get_gid() == BEYOND_GID)


def test_one_legend_entry_and_each_panel_counts_its_own(three_objective_run):
    run, _ = three_objective_run
    fig, caption = _pareto_figure(read_run(run), plot_pareto)
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == 3
    counts = [_beyond(ax) for ax in panels]
    assert sum(counts) > 0 and len(set(counts)) > 1  # the panels differ: the premise
    for ax, n in zip(panels, counts, strict=True):
        title = ax.get_title(loc="right")
        if n:
            assert title.startswith(f"{n} infeasible trial"), title
            assert "beyond the axes" in title
        else:
            assert not title
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    texts = [t.get_text() for lg in legends for t in lg.get_texts()]
    beyond = [t for t in texts if "beyond the ax" in t]
    assert beyond == ["infeasible, beyond the axes (count over each panel)"]


def test_the_caption_names_the_farthest_on_every_axis(three_objective_run):
    run, trials = three_objective_run
    fig, caption = _pareto_figure(read_run(run), plot_pareto)
    panels = [ax for ax in fig.axes if ax.axison]
    # trial 5 (600 h) lies farthest beyond the cycle-time axis, trial 6 (95 %) beyond the
    # drop-off one; trial 6 is the farthest relative to the first panel's axes, not trial 5
    assert "mean cycle time 600 h" in caption
    assert re.search(r"drop-off rate 95(\.0)? ?%", caption), caption
    bad = trials[~trials["feasible"]]
    lims = {}
    for ax, (x, y) in zip(panels, [(0, 1), (0, 2), (1, 2)], strict=True):
        lims.setdefault(OBJECTIVES[x], ax.get_xlim())
        lims.setdefault(OBJECTIVES[y], ax.get_ylim())
    far = [
        any(not lims[k][0] <= row[k] <= lims[k][1] for k in OBJECTIVES) for _, row in bad.iterrows()
    ]
    assert f"{sum(far)} infeasible trial(s) lie far beyond them in at least one panel" in caption
