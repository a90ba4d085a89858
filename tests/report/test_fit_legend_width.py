"""QA rt28_calib F3: on the fitted-vs-observed chart a sub-second step with a fit of a family
other than fixed or empirical had the legend "fitted: expon(loc=1.018e-06, scale=2.884e-05) with
P(0)=0.028 in h: mean 0.104 s", wider than its panel: it covered the y axis' tick labels and
its label. Its parameters are now given in the unit drawn (seconds, 4 significant digits), and
a legend too long for its panel is wrapped."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from sim.model.distributions import Distribution
from sim.report.charts import plot_fits

SECOND = 1 / 3600  # in hours


def _legend(fits: dict) -> tuple[list[str], list[tuple[float, float, float, float]]]:
    """The texts of each histogram's legend, and each legend's and its axes' horizontal
    extents (legend x0, x1, axes x0, x1) in pixels, the y tick labels' left edge for x0."""
    fig = plot_fits(fits)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts, spans = [], []
    for ax in fig.axes[::2]:
        legend = ax.get_legend()
        texts.append([t.get_text() for t in legend.get_texts()])
        box = legend.get_window_extent(renderer)
        panel = ax.get_window_extent(renderer)
        spans.append((box.x0, box.x1, panel.x0, panel.x1))
    plt.close(fig)
    return texts, spans


def test_a_sub_second_fit_has_its_parameters_in_seconds_and_a_legend_inside_its_panel():
    rng = np.random.default_rng(7)
    values = rng.exponential(0.1 * SECOND, 320)
    values[:9] = 0.0
    dist = Distribution.from_dict(
        {"dist": "expon", "loc": 1.018e-06, "scale": 2.884e-05, "p_zero": 0.028}
    )
    texts, spans = _legend({"Tenth": (values, dist)})
    x0, x1, left, right = spans[0]
    assert left <= x0 and x1 <= right, spans  # was left of the axes, over its labels
    fitted = " ".join(texts[0][1].split())
    assert fitted == "fitted: expon(loc=0.003665, scale=0.1038) in s with P(0)=0.028", fitted


def test_long_parameters_in_minutes_and_a_multiplier_stay_inside_the_panel():
    """A step of about 20 seconds is drawn in minutes (its 99th percentile is over a minute)."""
    rng = np.random.default_rng(8)
    values = rng.weibull(1.07, 320) * 20 * SECOND
    dist = Distribution.from_dict(
        {
            "dist": "weibull_min",
            "c": 1.0675108986,
            "loc": 1.2345678e-06,
            "scale": 0.0055601234,
            "p_zero": 0.0123,
            "multiplier": 1.2345,
        }
    )
    texts, spans = _legend({"Twenty seconds": (values, dist)})
    x0, x1, left, right = spans[0]
    assert left <= x0 and x1 <= right, spans
    fitted = " ".join(texts[0][1].split())
    assert fitted == (
        "fitted: weibull_min(c=1.068, loc=7.407e-05, scale=0.3336) in min with P(0)=0.012 x1.23"
    ), fitted


def test_hours_and_alias_parameters_read_as_before():
    rng = np.random.default_rng(9)
    hours = Distribution.exponential(2.0)
    minutes = Distribution.from_dict({"dist": "exponential", "rate": 180})  # 20 s: in min
    texts, _ = _legend(
        {
            "Hours": (rng.exponential(2.0, 300), hours),
            "Twenty seconds": (rng.exponential(20 * SECOND, 300), minutes),
        }
    )
    assert texts[0][1] == f"fitted: {hours.describe()}"  # drawn in h: as the model writes it
    assert " ".join(texts[1][1].split()) == "fitted: exponential(rate=3) in min"  # per min
