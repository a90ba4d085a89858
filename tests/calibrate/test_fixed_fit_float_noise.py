"""A step of one constant short duration is fitted ``fixed`` and drawn as one Q-Q point.

Durations are differences of float hours counted from the log's start. Two years in, those hours
carry a rounding of 3.6e-12 h, which is 1.3e-6 of 10 ms: above ``FixedFitter.rtol`` (1e-6), so
600 durations of exactly 10 ms fell back to an empirical fit spanning 9.99999 to 10.000003 ms,
with a note that gamma (a=1.3e13) was rejected, and the Q-Q panel spread that noise over a dozen
points (QA rt_calib F2).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.calibrate.fitting import FixedFitter, fit_distribution
from sim.eventlog.transform import to_relative_hours
from sim.model import Distribution
from sim.report.charts import plot_fits

TEN_MS = 0.01 / 3600  # h


def _durations(took: pd.Series) -> np.ndarray:
    """Durations ``took`` of 600 events spread over two years, in hours, as calibration
    measures them: end minus start, each in hours since the log's first event."""
    seconds = np.arange(600) * 29.2 * 3600 + np.random.default_rng(7).integers(0, 8 * 3600, 600)
    start = pd.Timestamp("2022-01-03 08:00") + pd.to_timedelta(seconds, unit="s")
    hours = to_relative_hours(pd.DataFrame({"start_time": start, "end_time": start + took}))
    return (hours["end_time"] - hours["start_time"]).to_numpy()


def _ten_ms_each() -> np.ndarray:
    values = _durations(pd.Series(pd.Timedelta(milliseconds=10), index=range(600)))
    # the float noise the fit must see through: above the relative tolerance alone
    assert np.ptp(values) > FixedFitter.rtol * values.max()
    return values


def test_ten_ms_in_every_row_of_a_two_year_log_is_fixed():
    fit = fit_distribution(_ten_ms_each(), target="Auto check")
    assert fit.family == "fixed", fit.note
    assert fit.distribution.params["value"] == pytest.approx(TEN_MS, rel=1e-5)


def test_durations_that_vary_by_a_millisecond_are_not_fixed():
    ms = np.random.default_rng(0).integers(9, 12, 600)
    values = _durations(pd.Series(pd.to_timedelta(ms, unit="ms")))
    assert fit_distribution(values, target="Auto check").family != "fixed"


def test_the_q_q_panel_draws_the_constant_as_one_point():
    fig = plot_fits({"Auto check": (_ten_ms_each(), Distribution.fixed(TEN_MS))})
    fig.canvas.draw()
    qq = fig.axes[1]
    points = np.vstack([c.get_offsets() for c in qq.collections])
    notes = [t.get_text() for t in qq.texts]
    plt.close(fig)
    assert points.shape == (1, 2)
    assert notes == ["all 600 observed values equal 0.01 s; fitted: fixed 0.01 s"]
