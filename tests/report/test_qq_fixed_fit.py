"""The fitted-vs-observed figure draws a fixed fit of equal durations as one point.

Durations measured as differences of clock times in hours differ by float noise (1 s is
0.000277777777777 h give or take 1e-12 h): matplotlib then labelled the Q-Q axes
``1e-15+2.777777777e-4`` and spread the points over that noise, which read as varying
durations (QA calib25 F5, synth_pharmacy's 'Check DUR'). Calibration fits such values as
``fixed`` (relative spread within ``FixedFitter.rtol``); the figure draws them as one value.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from sim.model import Distribution
from sim.report.charts import plot_fits

SECOND = 1 / 3600  # h


def _one_second_each(n: int) -> np.ndarray:
    """``n`` durations of 1 s, as end minus start in hours since the log's first event."""
    start = np.random.default_rng(0).uniform(0, 5000, n)
    values = (start + SECOND) - start
    assert np.ptp(values) > 0  # the float noise the figure must not show
    return values


def _drawn(fits: dict) -> list:
    """The figure's axes pairs (histogram, Q-Q), after drawing, closed."""
    fig = plot_fits(fits)
    fig.canvas.draw()
    pairs = [(a, b) for a, b in zip(fig.axes[::2], fig.axes[1::2], strict=True)]
    plt.close(fig)
    return pairs


def _offsets(ax) -> list[str]:
    return [axis.get_offset_text().get_text() for axis in (ax.xaxis, ax.yaxis)]


def test_fixed_fit_of_equal_values_is_one_point_with_a_note():
    ((hist, qq),) = _drawn({"Check DUR": (_one_second_each(799), Distribution.fixed(SECOND))})
    assert _offsets(qq) == ["", ""]
    assert _offsets(hist) == ["", ""]
    points = np.vstack([c.get_offsets() for c in qq.collections])
    assert points.shape == (1, 2)
    # drawn in seconds, as the note says it (QA rt27_calib F6: 0.0000277 h read as nothing)
    assert qq.get_xlabel() == "fitted quantile (s)"
    assert points[0].tolist() == pytest.approx([1.0, 1.0], rel=1e-6)
    notes = [t.get_text() for t in qq.texts]
    assert notes == ["all 799 observed values equal 1 s; fitted: fixed 1 s"]
    lo, hi = qq.get_xlim()
    assert lo < 1.0 < hi and hi - lo > 0.1  # the point, not the noise, is framed
    assert qq.get_ylim() == qq.get_xlim()


def test_narrow_spread_far_from_zero_has_plain_tick_labels():
    values = 1000 + np.random.default_rng(1).normal(0, 0.01, 500)
    ((hist, qq),) = _drawn({"Long review": (values, Distribution.fixed(1000.0))})
    assert _offsets(qq) == ["", ""]
    assert _offsets(hist) == ["", ""]
    assert not qq.texts  # the observed values differ: no "all equal" note
    assert len(qq.collections[0].get_offsets()) == 200
    labels = [t.get_text() for t in qq.get_yticklabels() if t.get_text()]
    assert labels and all(label.startswith("1000") or label.startswith("999") for label in labels)
