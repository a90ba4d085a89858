"""The process map's colour scale, long and non-ASCII names, generated ids, segment routing and
patience marks, and the legend of a small map (QA plots15: a 40-step map of 0.02 % waits ran
from yellow to dark red with ticks "0.01% 0.01%"; 18 kanji ran out of their box; BPIC 2012 W's
gateways read "node_11610778-7d17-..."; crm_sales' "Needs match" read 60 % / 40 % although key
accounts route 75 / 25; the one-step map's legend lay over its lane)."""

from __future__ import annotations

import textwrap
import warnings

import pytest
from matplotlib import colormaps
from matplotlib.colors import to_rgba

from sim.model import from_dict, load
from sim.report import draw_process_map
from sim.report.layout import (
    CHAR_W,
    EDGE_LABEL_CHAR_W,
    end_label,
    is_generated_id,
    layout_process,
    text_width,
    wrap,
)
from sim.report.process_map import percent_decimals

KANJI = "書類の審査と承認（長い名前のテスト）"  # 18 wide characters: 36 cells
LONG_ROLE = "Sachbearbeiter Prüfung und Freigabe der Anträge (Abteilung Süd)"
COMPOUND = "Donaudampfschifffahrtsgesellschaftskapitänsmützenprüfung"


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


def _node_patch(fig, name):
    (hit,) = [p for ax in fig.axes for p in ax.patches if p.get_gid() == f"node:{name}"]
    return hit


def _colorbar(fig):
    fig.canvas.draw()
    (cax,) = [ax for ax in fig.axes if ax.get_xlabel()]
    return cax.get_xlabel(), [t.get_text() for t in cax.get_xticklabels() if t.get_text()]


def _one_step_model(step: str, role: str, headcount: int = 2):
    return from_dict(
        {
            "name": "long names",
            "start": step,
            "arrivals": {"interarrival": {"dist": "exponential", "mean": 2.0}},
            "roles": {role: {"headcount": headcount}},
            "steps": {
                step: {
                    "role": role,
                    "duration": {"dist": "exponential", "mean": 1.0},
                    "next": "done",
                }
            },
            "ends": {"done": {"success": True}},
        }
    )


# ------------------------------------------------------------------------------ colour scale
def test_negligible_waits_stay_white_and_the_scale_is_not_stretched(crm):
    tiny = {s: 0.0001 * (k + 1) for k, s in enumerate(crm.steps)}  # all under 1 % of the cycle
    fig = draw_process_map(crm, kpi=tiny)
    for step in crm.steps:
        assert _node_patch(fig, step).get_facecolor() == to_rgba("white"), step
    label, ticks = _colorbar(fig)
    assert "under 1 %: white" in label
    assert len(ticks) == len(set(ticks)) > 2

    # the largest of small waits is not painted the strongest colour: the scale spans 10 %
    fig = draw_process_map(crm, kpi={"negotiation": 0.05, "signing": 0.02})
    top = to_rgba(colormaps["YlOrRd"](1.0))
    assert _node_patch(fig, "negotiation").get_facecolor() != top
    assert _node_patch(fig, "negotiation").get_facecolor() != to_rgba("white")


def test_colour_bar_ticks_never_repeat_on_a_tiny_explicit_scale(crm):
    tiny = {s: 0.0001 * (k + 1) for k, s in enumerate(crm.steps)}
    _, ticks = _colorbar(draw_process_map(crm, kpi=tiny, vmin=0.0, vmax=0.0004))
    assert len(ticks) == len(set(ticks)) > 2, ticks


def test_percent_decimals_tell_every_tick_apart():
    assert percent_decimals([0.0, 0.1, 0.2]) == 0
    assert percent_decimals([0.0, 0.025, 0.05, 0.075]) == 1
    assert percent_decimals([0.0, 0.00005, 0.0001, 0.00015]) == 3


def test_hour_values_keep_their_own_scale(crm):
    """The 1 % rule is about shares of the cycle time: values in hours are all coloured."""
    fig = draw_process_map(
        crm, kpi={"negotiation": 0.004, "signing": 0.002}, kpi_label="h", kpi_unit="h"
    )
    assert _node_patch(fig, "negotiation").get_facecolor() != to_rgba("white")


# ------------------------------------------------------------------------------ long names
def test_wrap_counts_wide_characters_twice():
    assert text_width(KANJI) == 36 and text_width("Süd") == 3
    lines = wrap(KANJI, 18)
    assert lines == (KANJI[:9], KANJI[9:])
    assert all(text_width(line) <= 18 for line in lines)


def test_a_long_compound_word_is_cut_with_a_hyphen():
    lines = wrap(COMPOUND, 18)
    assert len(lines) == 3 and all(text_width(line) <= 18 for line in lines)
    assert lines[0].endswith("-") and lines[1].endswith("-") and lines[2].endswith("…")
    assert COMPOUND.startswith(lines[0][:-1] + lines[1][:-1] + lines[2][:-1])
    # a name of short words is wrapped as before, at its spaces and hyphens
    for name in ("W_Nabellen incomplete dossiers", "Pre-qualification call", "Lead identification"):
        for width in (14, 18, 20):  # no word longer than a line: as textwrap
            assert wrap(name, width) == tuple(textwrap.wrap(name, width)), (name, width)


def test_wide_names_fit_their_boxes():
    layout = layout_process(_one_step_model(KANJI, "審査担当"))
    box = layout.boxes[KANJI]
    assert len(box.label) == 2
    assert max(text_width(line) for line in box.label) * CHAR_W <= box.shape_w


def test_a_cut_lane_label_keeps_its_headcount():
    layout = layout_process(_one_step_model("check", LONG_ROLE, headcount=2))
    (lane,) = [ln for ln in layout.lanes if ln.name == LONG_ROLE]
    lines = lane.label.split("\n")
    # the lane holds five lines: the whole name, then its headcount (QA plots18 #1)
    assert " ".join(lines) == f"{LONG_ROLE} (2)" and "…" not in lane.label, lines
    assert all(text_width(line) <= 18 for line in lines)


# ------------------------------------------------------------------------------ generated ids
def test_simod_node_ids_are_generated():
    assert is_generated_id("node_11610778-7d17-46e1-8749-3ded32e6cb4b")
    assert not is_generated_id("node_check") and not is_generated_id("W_Nabellen offertes")


def test_bpic_2012_w_map_prints_no_generated_id(shared_data):
    from sim.model.interchange import load_bpmn

    path = shared_data / "bpic2012_w" / "BPIC_2012_W.bpmn"  # the data folder's README lists it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = load_bpmn(path)
    layout = layout_process(model)
    labels = [line for box in layout.boxes.values() for line in box.label]
    assert not any("node_" in line for line in labels), labels
    assert [end_label(model, e) for e in model.ends] == ["End"] * len(model.ends)


# --------------------------------------------------------------- segments and patience marks
def test_branches_routed_by_segment_say_so_and_fit_their_gap(crm):
    layout = layout_process(crm)
    labels = {
        (r.source, r.target): r for r in layout.routes if r.source == "needs_match" and r.label
    }
    assert labels[("needs_match", "solution_proposal")].label == "60% (key account 75%)"
    assert labels[("needs_match", "lost_no_fit")].label == "40% (key account 25%)"
    for (_s, t), route in labels.items():
        assert route.label_at is not None
        end = route.label_at[0] + EDGE_LABEL_CHAR_W * text_width(route.label)
        assert end <= layout.boxes[t].left, (t, end, layout.boxes[t].left)


def test_a_step_with_patience_says_cases_may_give_up(crm):
    layout = layout_process(crm)
    assert "may give up waiting" in layout.boxes["first_contact"].note
    assert not any("give up" in n for n in layout.boxes["negotiation"].note)


# ------------------------------------------------------------------------------ footer
def test_the_legend_of_a_small_map_stays_under_its_lanes():
    model = _one_step_model("only", "server")
    fig = draw_process_map(model, kpi={"only": 0.58})
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (legend,) = fig.legends
    lanes_bottom = fig.axes[0].get_window_extent(renderer).y0
    assert legend.get_window_extent(renderer).y1 <= lanes_bottom + 1
