"""The step chart's title stays inside the figure (QA hydra25 F4: with 11 steps tied with the
bottleneck the title named them all on one line and stopped at the image's edge, losing the
"in red" that says what the red labels mean)."""

from __future__ import annotations

import re

import pytest

from sim.report.charts import plot_step_times

#: the figure's own, the CLI's and ``save_figure``'s: text widths do not scale with dpi exactly
DPIS = (100, 96, 110)

CRM_STEPS = (
    "lead_identification",
    "first_contact",
    "needs_analysis",
    "solution_proposal",
    "quote_preparation",
    "quote_approval",
    "negotiation",
    "contract_review",
    "signing",
    "handover_to_delivery",
    "billing_setup",
    "onboarding",
    "after_sales_service",
)


def _report(steps: tuple[str, ...], bottleneck: str, tied: list[str]) -> dict:
    """A KPI report of ``steps`` naming ``bottleneck``, tied with ``tied``."""
    ci = {"mean": 1.0, "ci_low": 0.8, "ci_high": 1.2, "half_width": 0.2, "n": 3}
    return {
        "steps": [
            {
                "step": s,
                "roles": ["staff"],
                "waiting_share": {"mean": 0.05},
                "waiting_mean": ci,
                "processing_mean": ci,
                "reached": {"mean": 1.0},
            }
            for s in steps
        ],
        "bottleneck": {"step": bottleneck, "negligible": False, "tied_with": tied},
        "confidence_level": 0.95,
        "replications": 3,
    }


def _drawn_title(fig, dpi: float = 100):
    """The title and its extent as the Agg canvas draws the figure at ``dpi`` (its layout
    applied)."""
    fig.set_dpi(dpi)
    fig.canvas.draw()
    title = fig._suptitle
    return title, title.get_window_extent(fig.canvas.get_renderer())


@pytest.mark.parametrize("dpi", DPIS)
def test_a_title_naming_many_tied_steps_fits_and_keeps_the_key_to_the_red_labels(dpi):
    tied = [s for s in CRM_STEPS if s not in ("solution_proposal", "billing_setup")]
    fig = plot_step_times(_report(CRM_STEPS, "solution_proposal", tied))
    title, box = _drawn_title(fig, dpi)
    text = title.get_text()
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width, (text, box, fig.bbox)
    assert "bottleneck: Solution proposal" in text
    assert text.endswith(", in red)")
    # the steps it leaves unnamed are counted: named + counted = every tied step
    (who,) = re.findall(r"statistically tied with (.*), in red\)", text)
    counted = re.fullmatch(r"(?:(.*) and )?(\d+) (?:more|other steps?)", who)
    assert counted, who
    named = counted[1].split(", ") if counted[1] else []
    assert len(named) + int(counted[2]) == len(tied)


@pytest.mark.parametrize("dpi", DPIS)
def test_a_title_too_long_for_any_short_form_wraps_inside_the_figure_above_the_axes(dpi):
    long_name = "check_the_supplier_documents_the_signed_contract_and_the_delivery_note_too"
    steps = ("intake", long_name, "close")
    fig = plot_step_times(_report(steps, long_name, ["intake"]))
    title, box = _drawn_title(fig, dpi)
    assert "\n" in title.get_text()
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width
    assert box.y1 <= fig.bbox.height
    assert "in red" in title.get_text().replace("\n", " ")
    top = max(ax.get_window_extent().y1 for ax in fig.axes)
    assert box.y0 > top, "the wrapped title runs into the axes"


def test_one_short_tied_step_is_still_named():
    fig = plot_step_times(_report(("a", "b", "c"), "b", ["a"]))
    title, box = _drawn_title(fig)
    assert title.get_text() == (
        "Waiting and processing per step (bottleneck: B, statistically tied with A, in red)"
    )
    assert box.x1 <= fig.bbox.width
