"""The calibration report's working-calendar figure (``sim.report.charts.plot_calendars``): each
calibrated role's calendar, boxed, over the evidence calibration read it from."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from matplotlib.patches import Rectangle

from sim.calibrate import calibrate_model
from sim.report.charts import calendar_activity, plot_calendars
from tests.half_hour_office import half_hour_office_log


@pytest.fixture(scope="module")
def calibrated():
    return calibrate_model(half_hour_office_log(), seed=0)


def _boxes(ax) -> list[tuple[float, float, float]]:
    """(day, from, to) of each box drawn on ``ax``."""
    return sorted(
        (round(p.get_y() + 0.45), p.get_x(), p.get_x() + p.get_width())
        for p in ax.patches
        if isinstance(p, Rectangle)
    )


def test_each_role_is_boxed_where_its_calendar_is_open_over_its_evidence(calibrated):
    model, instances = calibrated.model, calibrated.waiting
    lawyer = model.steps["review"].roles[0]
    clerk = model.steps["register"].roles[0]
    fig = plot_calendars(instances, model)
    axes = {
        ax.get_title(loc="left").split(":")[0]: ax for ax in fig.axes if ax.get_title(loc="left")
    }
    assert set(axes) == {lawyer, clerk}
    assert _boxes(axes[lawyer]) == [
        (d, a, b) for d in range(5) for a, b in ((9.0, 12.5), (13.5, 17.0))
    ]
    assert _boxes(axes[clerk]) == [(d, 8.5, 16.5) for d in range(5)]
    assert "35 working hours a week" in axes[lawyer].get_title(loc="left")
    # the shade is the evidence: the lawyer is never seen at lunch or at the weekend, and is
    # seen in most weeks in the open half hours
    share = calendar_activity(instances, model.roles[lawyer].members, 30)
    assert share.shape == (7, 48)
    assert np.all(share[:5, 25:27] == 0) and np.all(share[5:] == 0)
    assert np.median(share[:5, 18:25]) > 0.5
    # the image drawn is that share
    (image,) = axes[lawyer].get_images()
    np.testing.assert_array_equal(np.asarray(image.get_array()), share)


def test_roles_beyond_the_limit_are_named_not_drawn(calibrated):
    fig = plot_calendars(calibrated.waiting, calibrated.model, max_roles=1)
    titled = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert len(titled) == 1
    hidden = [t.get_text() for t in fig.texts if t.get_text().startswith("Not drawn")]
    drawn = titled[0].get_title(loc="left").split(":")[0]
    (other,) = set(calibrated.model.roles) - {drawn}
    assert hidden == [f"Not drawn (quieter roles): {other}"]


def test_no_staffed_role_no_figure(calibrated):
    assert (
        plot_calendars(calibrated.waiting.iloc[0:0].assign(resource=[]), calibrated.model) is None
    )


def test_numeric_resource_ids_read_back_as_numbers_still_match_the_members(calibrated):
    """QA: BPIC 2012's resources are numbers; with a blank among them the CSV reader made the
    column floats ('112.0'), which matched no member ('112'), and the figure vanished."""
    model, instances = calibrated.model, calibrated.waiting
    ids = {r: str(100 + k) for k, r in enumerate(sorted(instances["resource"].dropna().unique()))}
    roles = {
        name: dataclasses.replace(role, members=tuple(ids[m] for m in role.members))
        for name, role in model.roles.items()
    }
    numeric = dataclasses.replace(model, roles=roles)
    floats = instances.assign(resource=instances["resource"].map(ids).astype(float))
    floats.loc[floats.index[0], "resource"] = np.nan  # a blank: the column stays float
    assert floats["resource"].dtype == float
    fig = plot_calendars(floats, numeric)
    assert fig is not None
    assert len([ax for ax in fig.axes if ax.get_title(loc="left")]) == len(model.roles)


def test_a_simulated_run_draws_one_panel_per_calendar(crm_path):
    from sim.model import load

    crm = load(crm_path)
    fig = plot_calendars(None, crm)
    titled = {
        ax.get_title(loc="left").split(",")[0]: ax for ax in fig.axes if ax.get_title(loc="left")
    }
    used = {r.calendar for r in crm.roles.values() if r.headcount > 0}
    assert set(titled) == used
    for name, ax in titled.items():
        cal = crm.calendars[name]
        drawn = sum(p.get_width() * round(p.get_height() / 0.8) for p in ax.patches)
        assert drawn == pytest.approx(cal.weekly_total)  # the boxes are the working hours
    # a model whose people all work 24/7 has no calendar worth a figure
    always = dataclasses.replace(
        crm, roles={n: dataclasses.replace(r, calendar="24/7") for n, r in crm.roles.items()}
    )
    assert plot_calendars(None, always) is None


def test_people_seen_only_in_steps_done_together_are_drawn(calibrated):
    """QA 2026-12-05: a role whose people only worked in steps done by several people at once
    (resource 'se1;ae3') had no panel, since no row named them alone."""
    model, instances = calibrated.model, calibrated.waiting
    role, other = sorted(model.roles)[:2]
    mine, theirs = model.roles[role].members, model.roles[other].members
    joined = instances.copy()
    is_mine = joined["resource"].isin(mine)
    joined.loc[is_mine, "resource"] = joined.loc[is_mine, "resource"] + ";" + theirs[0]
    alone = calendar_activity(instances, mine, 30)
    assert np.array_equal(calendar_activity(joined, mine, 30), alone) and alone.any()
    fig = plot_calendars(joined, model)
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert any(t.startswith(f"{role}:") for t in titles)
