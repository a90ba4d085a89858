"""Calibration figures and maps keep their text readable: legends clear of the bars, axes
labelled, long end and decision names whole."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.model import Distribution, load
from sim.report.charts import plot_fits
from sim.report.layout import layout_process

LONG = "W_Nabellen incomplete dossiers"


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


def test_the_fit_legend_leaves_the_histogram_uncovered():
    """QA docs (bpic12 06_*.png, 'W_Completeren aanvraag (last)'): a histogram peaking on the
    right ran under the legend in the upper right corner. The histograms say what their y axis
    is (they had no label)."""
    rng = np.random.default_rng(5)
    right = rng.normal(0.8, 0.1, 900).clip(0.01)  # its mass on the right, where the legend is
    left = rng.gamma(2.0, 0.1, 900)
    fig = plot_fits(
        {
            "peak on the right": (right, Distribution.from_dict({"dist": "empirical", "values": list(right[:250])})),
            "peak on the left": (left, Distribution.from_dict({"dist": "gamma", "mean": 0.2, "std": 0.14})),
            "fixed": (np.full(30, 0.5), Distribution.fixed(0.5)),
        }
    )  # fmt: skip
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    histograms = fig.axes[0::2]
    assert len(histograms) == 3
    for ax in histograms:
        assert ax.get_ylabel() == "density (per h)"
        legend = ax.get_legend().get_window_extent(renderer)
        for bar in ax.patches:
            box = bar.get_window_extent(renderer)
            beside = box.x1 <= legend.x0 or box.x0 >= legend.x1
            assert beside or box.y1 <= legend.y0, ax.get_title()


def test_a_long_end_or_decision_name_is_drawn_whole(crm):
    """QA docs (bpic12 01_*one_step_per_activity*.png): the end box read 'W_Nabellen
    incomplete...' and its decision 'after:W_Nabellen incomplete...'."""
    ends = dict(crm.ends)
    ends["won"] = dataclasses.replace(ends["won"], outcome=LONG)
    layout = layout_process(dataclasses.replace(crm, ends=ends))
    end = layout.boxes["won"]
    assert " ".join(end.label) == LONG and "…" not in "".join(end.label)
    assert end.shape_h > layout.boxes["lost_price"].shape_h  # three lines, a taller box
    label = layout_process(_renamed(crm, "quote_ok", f"after:{LONG}")).boxes[f"after:{LONG}"].label
    assert "…" not in "".join(label) and "".join(label).endswith("dossiers")


def _renamed(model, old: str, new: str):
    """``model`` with its element ``old`` named ``new`` (every reference to it follows)."""
    from sim.model import from_dict, to_dict

    def swap(node):
        if isinstance(node, dict):
            return {swap(k): swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        return new if node == old else node

    return from_dict(swap(to_dict(model)))
