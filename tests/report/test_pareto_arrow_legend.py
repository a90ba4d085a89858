"""The Pareto figure's dashed arrow from the baseline to recommended #1 has a legend entry: it
was drawn unexplained, neither the legend nor the caption saying what it meant (QA walk25 #2)."""

from __future__ import annotations

import pandas as pd

from sim.report.charts import (
    ARROW_GID,
    ARROW_LEGEND,
    ParetoObjective,
    Recommended,
    plot_pareto,
)

TRIALS = pd.DataFrame({"cost": [0.0, 10.0, 20.0, 30.0], "ct": [100.0, 80.0, 90.0, 60.0]})
BASELINE = {"cost": 15.0, "ct": 110.0}


def _legend_texts(fig) -> list[str]:
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    return [t.get_text() for lg in legends for t in lg.get_texts()]


def _arrow_handle(fig):
    legend = next(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)
    texts = [t.get_text() for t in legend.get_texts()]
    return legend.legend_handles[texts.index(ARROW_LEGEND)]


def test_the_arrow_to_recommended_one_is_in_the_legend(tmp_path):
    recs = [Recommended(3, 1), Recommended(1, 2)]
    path = tmp_path / "pareto.png"
    fig = plot_pareto(TRIALS, x="cost", y="ct", baseline=BASELINE, recommended=recs, path=str(path))
    assert path.stat().st_size > 0
    texts = _legend_texts(fig)
    assert texts.count(ARROW_LEGEND) == 1, texts
    assert "baseline" in texts  # beside the star's own entry
    handle = _arrow_handle(fig)
    assert handle.get_linestyle() == "--"  # drawn like the arrow


def test_several_panels_show_the_entry_once():
    trials = TRIALS.assign(drop=[0.5, 0.4, 0.45, 0.6])
    objectives = [
        ParetoObjective("cost", True),
        ParetoObjective("ct", True),
        ParetoObjective("drop", True, unit="%"),
    ]
    fig = plot_pareto(
        trials,
        objectives=objectives,
        baseline={**BASELINE, "drop": 0.55},
        recommended=[Recommended(3, 1)],
    )
    assert _legend_texts(fig).count(ARROW_LEGEND) == 1


def test_no_entry_without_an_arrow():
    fig = plot_pareto(TRIALS, x="cost", y="ct", recommended=[Recommended(3, 1)])  # no baseline
    assert ARROW_LEGEND not in _legend_texts(fig)


def test_no_entry_for_an_arrow_too_short_to_see_and_the_diamond_is_number_one(tmp_path):
    """QA rt_optim F3: the star and the diamond about 10 px apart, the arrow hidden under them,
    yet the legend explained it, and the diamond was labelled "recommended", not #1."""
    near = {"cost": 15.2, "ct": 109.5}  # a few points from the star on these axes
    fig = plot_pareto(
        TRIALS,
        x="cost",
        y="ct",
        baseline=BASELINE,
        recommended=[Recommended(near, 1)],
        path=str(tmp_path / "pareto.png"),
    )
    ax = fig.axes[0]
    assert ARROW_LEGEND not in _legend_texts(fig)
    assert not [t for t in ax.texts if t.get_gid() == ARROW_GID]  # not drawn either
    assert "recommended #1" in [t.get_text() for t in ax.texts]


def test_a_lone_recommended_diamond_is_labelled_number_one_as_the_arrow_s_entry_says():
    fig = plot_pareto(TRIALS, x="cost", y="ct", baseline=BASELINE, recommended=[Recommended(3, 1)])
    assert ARROW_LEGEND in _legend_texts(fig)
    assert "recommended #1" in [t.get_text() for t in fig.axes[0].texts]
