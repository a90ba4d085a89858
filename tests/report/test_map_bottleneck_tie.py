"""A statistical tie for the bottleneck shows on the figures too (QA bottleneck19 #4): the
console said "statistically tied with: s1", but the map's heavy border and the step chart's
title singled out s2, and those are the figures pasted into slides."""

from __future__ import annotations

from sim.model import from_dict
from sim.report import draw_process_map
from sim.report.charts import plot_step_times
from sim.report.process_map import BOTTLENECK_WIDTH

STEPS = ("s1", "s2", "s3")


def _model():
    """s1 -> s2 -> s3, each by its own role."""
    return from_dict(
        {
            "name": "tie",
            "start": "s1",
            "arrivals": {"interarrival": 1.0},
            "roles": {r: {"headcount": 1} for r in ("r1", "r2", "r3")},
            "steps": {
                "s1": {"role": "r1", "duration": 0.5, "next": "s2"},
                "s2": {"role": "r2", "duration": 0.5, "next": "s3"},
                "s3": {"role": "r3", "duration": 0.5, "next": "done"},
            },
            "ends": {"done": {"success": True}},
        }
    )


def _report(tied_with, *, negligible=False) -> dict:
    """A KPI report naming s2, tied with ``tied_with``."""
    ci = {"mean": 1.0, "ci_low": 0.8, "ci_high": 1.2, "half_width": 0.2, "n": 10}
    shares = {"s1": 0.21, "s2": 0.22, "s3": 0.02}
    return {
        "steps": [
            {
                "step": s,
                "roles": [f"r{s[1]}"],
                "waiting_share": {"mean": v},
                "waiting_mean": ci,
                "processing_mean": ci,
                "reached": {"mean": 1.0},
            }
            for s, v in shares.items()
        ],
        "bottleneck": {"step": "s2", "negligible": negligible, "tied_with": tied_with},
        "confidence_level": 0.95,
        "replications": 10,
    }


def _borders(fig, model) -> dict[str, str]:
    """The steps drawn with a heavy border, and its line style ('-' or '--')."""
    out = {}
    for ax in fig.axes:
        for p in ax.patches:
            s = str(p.get_gid()).removeprefix("node:")
            if s in model.steps and p.get_linewidth() >= BOTTLENECK_WIDTH - 1e-9:
                out[s] = "--" if p.get_linestyle() in ("--", "dashed") else "-"
    return out


def _legend(fig) -> list[str]:
    return [t.get_text() for lg in fig.legends for t in lg.get_texts()]


def test_the_map_marks_the_steps_tied_with_the_bottleneck():
    model = _model()
    fig = draw_process_map(model, kpi=_report(["s1"]))
    assert _borders(fig, model) == {"s2": "-", "s1": "--"}
    assert any("statistically tied" in t for t in _legend(fig))
    # given apart from a report (as the HTML report passes them)
    fig = draw_process_map(model, kpi={"s1": 0.2, "s2": 0.22}, bottleneck="s2", tied_with=["s1"])
    assert _borders(fig, model) == {"s2": "-", "s1": "--"}


def test_a_map_without_a_tie_marks_one_step_and_no_tie():
    model = _model()
    fig = draw_process_map(model, kpi=_report([]))
    assert _borders(fig, model) == {"s2": "-"}
    assert not any("tied" in t for t in _legend(fig))
    fig = draw_process_map(model, kpi=_report(["s1"], negligible=True))
    assert _borders(fig, model) == {}


def test_the_step_chart_title_and_labels_show_the_tie():
    fig = plot_step_times(_report(["s1"]))
    title = " ".join(t.get_text() for t in fig.texts)
    assert "bottleneck: S2, statistically tied with S1, in red" in title
    bold = {
        lab.get_text()
        for ax in fig.axes
        for lab in ax.get_yticklabels()
        if lab.get_weight() == "bold"
    }
    assert bold == {"S1", "S2"}
    alone = plot_step_times(_report([]))
    assert "tied" not in " ".join(t.get_text() for t in alone.texts)
