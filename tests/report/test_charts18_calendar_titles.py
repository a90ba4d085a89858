"""The simulated run's working-calendar panels name every role of their calendar, in lines
that stay inside the figure, or count those that do not fit (QA plots18 #5: the title ran off
the image and four of eight roles went missing without a word)."""

from __future__ import annotations

import re

import pytest
from matplotlib.text import Text

from sim.model import from_dict
from sim.report.charts import plot_calendars

LONG = [
    "Senior Underwriting Specialists Team",
    "Customer Onboarding Back Office",
    "Regional Credit Risk Committee",
    "Legal and Compliance Department",
    "Field Inspection Contractors",
    "Accounts Payable Shared Services",
    "Customer Complaints Escalation Desk",
    "Records Management Archive Unit",
]


def _model(roles: list[str]):
    """One step per role, every role on the office calendar but the last, on a late shift."""
    steps = {
        f"step {i}": {
            "role": role,
            "duration": {"dist": "exponential", "mean": 0.5},
            "next": f"step {i + 1}" if i + 1 < len(roles) else "done",
        }
        for i, role in enumerate(roles)
    }
    return from_dict(
        {
            "schema_version": 1,
            "name": "long_names",
            "start": "step 0",
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.5}},
            "calendars": {
                "office": {"weekdays": ["09:00-17:00"]},
                "late": {"weekdays": ["14:00-22:00"]},
            },
            "roles": {
                r: {"headcount": 2, "calendar": "late" if i == len(roles) - 1 else "office"}
                for i, r in enumerate(roles)
            },
            "steps": steps,
            "ends": {"done": {"success": True}},
        }
    )


def _titles(fig) -> list[Text]:
    """Each panel's title (its left one) as drawn."""
    return [
        next(t for t in ax.get_children() if isinstance(t, Text) and t.get_text() == title)
        for ax in fig.axes
        if (title := ax.get_title(loc="left"))
    ]


@pytest.mark.parametrize("dpi", [80, 110])
def test_every_role_is_named_inside_the_figure(dpi):
    roles = [*LONG, "Night Desk"]
    fig = plot_calendars(None, _model(roles))
    fig.set_dpi(dpi)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    titles = _titles(fig)
    assert len(titles) == 2  # office and late
    office = titles[0].get_text()
    assert office.startswith("office, 40 working hours a week: ")
    flat = " ".join(office.split())
    for role in LONG:  # every role of the calendar, whole
        assert f"{role} (2)" in flat, role
    assert "more role" not in flat and "..." not in flat
    for t in titles:  # no line runs off the image
        box = t.get_window_extent(renderer)
        assert 0 <= box.x0 and box.x1 <= fig.bbox.width, t.get_text()
    # a title of several lines does not run into the panel above it
    upper, lower = (ax for ax in fig.axes if ax.get_title(loc="left"))
    assert titles[1].get_window_extent(renderer).y1 < upper.get_window_extent(renderer).y0


def test_roles_that_do_not_fit_are_counted():
    extra = [f"Extra Department Number {i:02d} Of Long Names" for i in range(12)]
    roles = [*LONG, *extra, "Night Desk"]
    fig = plot_calendars(None, _model(roles))
    fig.canvas.draw()
    office = " ".join(_titles(fig)[0].get_text().split())
    named = [r for r in [*LONG, *extra] if f"{r} (2)" in office]
    m = re.search(r"\+(\d+) more roles$", office)
    assert m, office
    assert len(named) + int(m.group(1)) == len(LONG) + len(extra)
    assert len(named) >= len(LONG)  # the lines are filled before roles are counted
    assert _titles(fig)[0].get_text().count("\n") == 2  # three lines at most
