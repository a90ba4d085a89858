"""The cycle-time histogram leaves the cases beyond its axis out of the bars and always counts
them in its legend (QA: clipped into the last bin they made a bar 3.6 times its neighbours,
read as a mode, and the legend named them only above 2 %)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.report.charts import plot_cycle_times


def _outline(fig) -> np.ndarray:
    """The vertices of the histogram's outline (``histtype="step"``: the last patch drawn)."""
    return fig.axes[0].patches[-1].get_xy()


def _tailed() -> np.ndarray:
    """990 cases spread evenly over 0-100 h and 10 (1 %) at 1000 h: the axis ends at 109 h."""
    return np.concatenate([np.linspace(0, 100, 990), np.full(10, 1000.0)])


def test_cases_beyond_the_axis_are_not_piled_into_the_last_bin():
    xy = _outline(plot_cycle_times({"simulated": _tailed()}))
    top_right = xy[xy[:, 0] == xy[:, 0].max(), 1].max()
    assert top_right == 0.0  # no case between 100 and 109 h: the last bin is empty
    # the bars are a density of every case: the 1 % beyond the axis is the area not drawn
    area = float(np.sum(np.diff(xy[:, 0]) * xy[1:, 1]))
    assert area == pytest.approx(0.99)


def test_the_legend_counts_the_cases_beyond_the_axis_however_few():
    fig = plot_cycle_times({"simulated": _tailed()})
    (label,) = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert label.endswith("\n10 cases (1.0 %) beyond the axis, not drawn")


def test_the_legend_says_nothing_when_every_case_is_on_the_axis():
    fig = plot_cycle_times({"simulated": np.linspace(0, 100, 500)}, clip_quantile=1.0)
    (label,) = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "beyond" not in label


def test_one_case_in_ten_thousand_beyond_is_still_counted():
    v = np.concatenate([np.linspace(0, 100, 9999), [5000.0]])
    fig = plot_cycle_times({"simulated": v}, clip_quantile=0.9999)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0].endswith("\n1 case (< 0.1 %) beyond the axis, not drawn")
