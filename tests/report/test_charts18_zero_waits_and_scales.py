"""What the back-test figures draw otherwise than linearly says so on the figure (QA plots18
#12): the waiting curves draw a wait of 0 at the log axis's left edge, the working-calendar heat
map shades on a square-root scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import calibrate_model
from sim.report.charts import WAIT_FLOOR, plot_calendars, plot_step_waits
from tests.half_hour_office import half_hour_office_log

T0 = pd.Timestamp("2024-01-01 08:00")


def _log(waits_h: list[float], activity: str) -> pd.DataFrame:
    """A case per wait: ``open`` for 10 minutes, then ``activity`` after that wait."""
    rows = []
    for c, wait in enumerate(waits_h):
        t = T0 + pd.Timedelta(days=c)
        rows.append((f"c{c}", "open", t, t + pd.Timedelta(minutes=10)))
        start = t + pd.Timedelta(minutes=10) + pd.Timedelta(hours=wait)
        rows.append((f"c{c}", activity, start, start + pd.Timedelta(minutes=10)))
    return pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time"])


def test_a_panel_whose_visits_did_not_wait_says_where_they_are_drawn():
    # a quarter of the visits to 'check' do not wait
    fig = plot_step_waits({"history": _log([0.0, 0.0, 1.5, 2.0, 4.0, 6.0, 8.0, 10.0], "check")})
    (ax,) = [a for a in fig.axes if a.axison]
    (line,) = ax.lines
    assert np.min(line.get_xdata()) == pytest.approx(WAIT_FLOOR)  # the premise: 0 is drawn there
    assert f"0 drawn at {WAIT_FLOOR:g}" in ax.get_xlabel()
    # a panel with no wait under the floor is not told about it
    fig = plot_step_waits({"history": _log([1.0, 3.0, 5.0], "ship")})
    (ax,) = [a for a in fig.axes if a.axison]
    assert "drawn at" not in ax.get_xlabel()


def test_the_calendar_colour_bar_says_its_scale_is_not_linear():
    calibrated = calibrate_model(half_hour_office_log(), seed=0)
    fig = plot_calendars(calibrated.waiting, calibrated.model)
    (image,) = fig.axes[0].get_images()
    assert type(image.norm).__name__ == "PowerNorm"  # the premise: a non-linear shade
    (cbar,) = [ax for ax in fig.axes if ax.get_ylabel().startswith("share of weeks active")]
    assert "square-root scale" in cbar.get_ylabel()
