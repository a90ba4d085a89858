"""The step chart's title counts every step tied with the bottleneck, and a step name without
spaces wider than the figure is shortened, not cut at its edge.

QA rt_calib F6: with 39 steps tied and 30 of 40 steps drawn the title said "tied with 29 other
steps", counting the tied steps drawn only. F7: a 120-character name without spaces put the
title's right edge at 1188 px in a 1050 px figure, although ``fitted_title`` never cuts a title.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pytest

from sim.report._mpl import DROP
from sim.report.charts import plot_step_times
from tests.report.test_step_chart_title_fits import DPIS, _drawn_title, _report

STEPS = tuple(f"step_number_{i:02d}_review" for i in range(40))
NO_SPACE = (
    "CheckTheSupplierDocumentsTheSignedContractAndTheDeliveryNoteAndTheInvoiceAndTheCreditNote"
    "AndTheWarrantyAndTheCertificate"
)


def test_every_tied_step_is_counted_and_the_title_says_how_many_are_drawn():
    tied = [s for s in STEPS if s != STEPS[5]]
    fig = plot_step_times(_report(STEPS, STEPS[5], tied), max_steps=30)
    title, box = _drawn_title(fig)
    text = title.get_text().replace("\n", " ")
    red = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_color() == DROP]
    plt.close(fig)
    assert box.x1 <= fig.bbox.width
    (who,) = re.findall(r"statistically tied with (.*), in red\)", text)
    counted = re.fullmatch(
        r"(?:(.*) and )?(\d+) (?:more|other steps?) \((\d+) of them drawn\)", who
    )
    assert counted, who
    named = counted[1].split(", ") if counted[1] else []
    assert len(named) + int(counted[2]) == len(tied)
    assert len(red) == 30  # every step drawn is tied or the bottleneck
    assert int(counted[3]) == len(red) - 1 == 29


def test_all_tied_steps_drawn_say_nothing_of_drawing():
    fig = plot_step_times(_report(("a", "b", "c", "d"), "b", ["a", "c", "d"]))
    title, _ = _drawn_title(fig)
    plt.close(fig)
    assert "drawn" not in title.get_text()


@pytest.mark.parametrize("dpi", DPIS)
def test_a_name_without_spaces_wider_than_the_figure_is_shortened_inside_it(dpi):
    fig = plot_step_times(_report(("intake", NO_SPACE, "close"), NO_SPACE, ["intake"]))
    title, box = _drawn_title(fig, dpi)
    text = title.get_text()
    plt.close(fig)
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width, (text, box, fig.bbox)
    (name,) = [w for w in text.split() if w.startswith("CheckThe")]
    head, tail = name.rstrip(",").split("…")
    assert NO_SPACE.startswith(head) and NO_SPACE.endswith(tail) and len(tail) >= 10
    assert text.replace("\n", " ").endswith(", in red)")
