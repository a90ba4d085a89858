"""Process map figures, the redesign diff map, and the Mermaid / DOT exports."""

from __future__ import annotations

import re
import shutil
import subprocess

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_rgba
from random_models import random_model

from sim.model import load
from sim.redesign import operators as op
from sim.report import (
    draw_diff_map,
    draw_process_map,
    model_changes,
    save_figure,
    to_dot,
    to_mermaid,
    waiting_differences,
)
from sim.report.layout import model_graph, pretty


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


def _node_patch(fig, name):
    hits = [p for ax in fig.axes for p in ax.patches if p.get_gid() == f"node:{name}"]
    assert len(hits) == 1, name
    return hits[0]


def _texts(fig) -> str:
    return "\n".join(t.get_text() for ax in fig.axes for t in ax.texts) + "\n".join(
        t.get_text() for t in fig.texts
    )


# ------------------------------------------------------------------------------ process map
def test_crm_map_draws_every_node_and_saves(crm, tmp_path):
    fig = draw_process_map(crm)
    for name in crm.node_names():
        _node_patch(fig, name)
    text = _texts(fig)
    for name in crm.steps:
        assert pretty(name).split()[0] in text
    edges = [
        p.get_gid() for ax in fig.axes for p in ax.patches if str(p.get_gid()).startswith("edge:")
    ]
    assert len(edges) == len(model_graph(crm).edges)
    out = save_figure(fig, tmp_path / "maps" / "crm.png", dpi=40)
    assert out.stat().st_size > 5_000
    from PIL import Image

    w, h = Image.open(out).size
    assert w > 2 * h  # a left-to-right map


def test_kpi_colours_steps_and_marks_the_bottleneck(crm):
    kpi = {"quote_approval": 0.31, "first_contact": 0.12, "signing": 0.0}
    fig = draw_process_map(crm, kpi=kpi)
    hot = _node_patch(fig, "quote_approval")
    cold = _node_patch(fig, "signing")
    plain = _node_patch(fig, "negotiation")
    assert hot.get_facecolor() != cold.get_facecolor()
    assert plain.get_facecolor() == to_rgba("#e3edf7")  # no value: left plain
    assert hot.get_linewidth() > cold.get_linewidth()  # the bottleneck's heavy border
    assert "wait 31%" in _texts(fig)
    assert len(fig.axes) == 2  # the map and the colour bar


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), n_blocks=st.integers(2, 14))
def test_random_models_draw(seed, n_blocks):
    model = random_model(seed, n_blocks=n_blocks).model
    kpi = {s: i / len(model.steps) for i, s in enumerate(model.steps)}
    # every node drawn: a model over MAP_STEPS_MAX steps is otherwise cut to its most visited
    # (a 14-block model is; seed 100000 found it)
    fig = draw_process_map(model, kpi=kpi, max_steps=None)
    for name in model.node_names():
        _node_patch(fig, name)


# -------------------------------------------------------------------------------- diff map
@pytest.fixture(scope="module")
def redesign(crm):
    r = op.remove_step(crm, "contract_review", one_off_cost=1000)
    r = op.automate_step(r, "handover_to_delivery", duration={"dist": "fixed", "value": 0.1})
    r = op.merge_steps(r, ["quote_preparation", "quote_approval"], role="account_exec")
    r = op.simplify_step(r, "negotiation", factor=0.6)
    return op.change_staffing(r, "legal", headcount=2)


def test_model_changes_from_operators(crm, redesign):
    ch = model_changes(crm, redesign)
    assert ch.removed == {"contract_review"}
    assert ch.automated == {"handover_to_delivery"}
    assert ch.merged == {
        "quote_preparation": "quote_preparation+quote_approval",
        "quote_approval": "quote_preparation+quote_approval",
    }
    assert ch.staffing == {"legal": (1, 2)}
    assert "time ×0.6" in ch.notes["negotiation"]
    assert len(ch.summaries) == 5 and "contract_review" in ch.summaries[0]


def test_model_changes_inferred_without_metadata(crm):
    from dataclasses import replace

    from sim.model import Branch, Decision

    # a hand-made redesign: needs_match moved before needs_analysis, no recorded changes
    steps = dict(crm.steps)
    steps["first_contact"] = replace(steps["first_contact"], next="needs_match")
    steps["needs_analysis"] = replace(steps["needs_analysis"], next="solution_proposal")
    decisions = dict(crm.decisions)
    decisions["needs_match"] = Decision(
        "needs_match", (Branch("needs_analysis", 0.6), Branch("lost_no_fit", 0.4))
    )
    moved = replace(crm, steps=steps, decisions=decisions, metadata={})
    ch = model_changes(crm, moved)
    assert ch.moved == {"needs_match": "first_contact"}
    assert not ch.removed and not ch.automated
    fig = draw_diff_map(crm, moved)
    assert _node_patch(fig, "needs_match").get_linestyle() == "--"


def test_a_lane_whose_staffing_changed_keeps_the_change_on_one_line(crm):
    """QA 2026-12-05 docs #8: 'Sales dev (2 →' over '1)'."""
    from dataclasses import replace

    roles = dict(crm.roles)
    roles["sales_dev"] = replace(roles["sales_dev"], headcount=1)
    fig = draw_diff_map(crm, replace(crm, roles=roles, metadata={}))
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    (lane,) = [t for t in texts if "→" in t and "Sales" in t]
    assert any(line.endswith("(2\u00a0→\u00a01)") for line in lane.split("\n")), lane


def _colorbar_ticks(fig) -> tuple[str, list[str]]:
    """The colour bar's caption and its tick labels as drawn."""
    fig.canvas.draw()
    (cax,) = [ax for ax in fig.axes if ax.get_xlabel()]  # the map's own axes are off
    return cax.get_xlabel(), [t.get_text() for t in cax.get_xticklabels() if t.get_text()]


def test_diff_map_of_small_waiting_changes_reads_minutes_not_percent(crm, redesign):
    """QA pharmacy: changes of -0.06 h had colour-bar ticks -6 %, -4 %, ... (any range within
    +-1 was taken for a share), and significant, coloured steps said 'wait -0.00 h [-0.00,
    -0.00]'."""
    diffs = {
        "negotiation": (-0.06, -0.08, -0.045),  # -3.6 min
        "signing": (0.0042, 0.0021, 0.0063),  # +15 s: significant, small
        "first_contact": (-0.001, -0.01, 0.008),  # not significant
    }
    fig = draw_diff_map(crm, redesign, waiting_diff=diffs)
    label, ticks = _colorbar_ticks(fig)
    assert label == "change in mean waiting (min), significant only"
    assert ticks and not any("%" in t for t in ticks)
    # the ticks are minutes: the scale runs to the largest change, 3.6 min
    values = [float(t.replace("\N{MINUS SIGN}", "-")) for t in ticks]
    assert max(values) >= 2 and min(values) <= -2
    text = " ".join(_texts(fig).split())  # a long note wraps in its box
    assert "wait -3.6 min [-4.8, -2.7]" in text
    assert "wait +0.25 min [+0.13, +0.38]" in text
    assert "wait -0.060 min (n.s.)" in text
    assert "0.00 " not in text and " h " not in text


def test_diff_map_of_changes_in_hours_keeps_hours_with_plain_ticks(crm, redesign):
    fig = draw_diff_map(crm, redesign, waiting_diff={"negotiation": (-0.8, -1.2, -0.4)})
    label, ticks = _colorbar_ticks(fig)
    assert label == "change in mean waiting (h), significant only"
    assert ticks and not any("%" in t for t in ticks)  # within +-1 h, still not a share
    assert "wait -0.80 h [-1.2, -0.40]" in " ".join(_texts(fig).split())


def test_process_map_colour_bar_says_what_the_values_are(crm):
    hours = {"quote_approval": 0.5, "negotiation": 0.05}
    _, ticks = _colorbar_ticks(
        draw_process_map(crm, kpi=hours, kpi_label="mean waiting (h)", kpi_unit="h")
    )
    assert ticks and not any("%" in t for t in ticks)
    _, ticks = _colorbar_ticks(draw_process_map(crm, kpi=hours))  # the default: a share
    assert ticks and all(t.endswith("%") for t in ticks)


def test_diff_map_colours_only_significant_steps(crm, redesign):
    diffs = pd.DataFrame(
        [
            ("first_contact", -0.2, -0.5, 0.1),  # not significant
            ("negotiation", -0.8, -1.2, -0.4),  # less waiting
            ("signing", 1.5, 0.6, 2.4),  # more waiting
            ("quote_preparation+quote_approval", -6.5, -8.0, -5.0),
        ],
        columns=["step", "diff_mean", "ci_low", "ci_high"],
    )
    fig = draw_diff_map(crm, redesign, waiting_diff=diffs)
    white = to_rgba("white")
    assert _node_patch(fig, "first_contact").get_facecolor() == white
    less = _node_patch(fig, "negotiation").get_facecolor()
    more = _node_patch(fig, "signing").get_facecolor()
    assert less != white and more != white
    assert less[1] > less[0] and more[0] > more[1]  # green for less waiting, red for more
    # the merged parts take the merged step's difference
    assert _node_patch(fig, "quote_approval").get_facecolor() != white
    text = _texts(fig)
    assert "(n.s.)" in text and "[-1.2, -0.40]" in text
    assert "removed" in text and "automated" in text and "merged into" in text
    assert "Legal (1\u00a0→\u00a02)" in text  # no-break spaces: one line
    removed = _node_patch(fig, "contract_review")
    assert removed.get_hatch()


def test_waiting_differences_accepts_paired_comparison():
    from sim.kpis import paired_comparison

    base = pd.DataFrame({"waiting_mean:a": [1.0, 2.0, 3.0], "waiting_mean:b": [1.0, 1.0, 1.0]})
    alt = pd.DataFrame({"waiting_mean:a": [0.0, 1.1, 1.9], "waiting_mean:b": [1.0, 1.0, 1.0]})
    out = waiting_differences(paired_comparison(base, alt))
    assert set(out) == {"a", "b"}
    assert out["a"]["diff_mean"] == pytest.approx(-1.0, abs=1e-9)


# ---------------------------------------------------------------------------------- export
def _mermaid_structure(text: str):
    lines = [
        ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("%%")
    ]
    assert lines[0] == "flowchart LR"
    depth = 0
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str]] = []
    for ln in lines[1:]:
        if ln.startswith("subgraph "):
            depth += 1
        elif ln == "end":
            depth -= 1
            assert depth >= 0
        elif m := re.fullmatch(r'(\w+) -->(?:\|"([^"]*)"\|)? (\w+)', ln):
            edges.append((m.group(1), m.group(3), m.group(2) or ""))
        elif m := re.fullmatch(r'(\w+)(\["[^"]*"\]|\{"[^"]*"\}|\(\["[^"]*"\]\))', ln):
            assert m.group(1) not in nodes, "node declared twice"
            nodes[m.group(1)] = m.group(2)
        else:
            assert ln.startswith(("direction ", "classDef ", "class ")), ln
    assert depth == 0
    return nodes, edges


@pytest.mark.parametrize("which", ["crm", "random"])
def test_mermaid_has_every_node_and_edge(crm, which):
    model = crm if which == "crm" else random_model(7, n_blocks=14).model
    nodes, edges = _mermaid_structure(to_mermaid(model))
    graph = model_graph(model)
    assert len(nodes) == len(graph.nodes)
    assert "end" not in nodes  # a reserved word in Mermaid
    assert {s for s, _, _ in edges} | {t for _, t, _ in edges} <= set(nodes)
    assert len(edges) == len(graph.edges)
    assert sorted(lab for *_, lab in edges) == sorted(lab for *_, lab in graph.edges)
    if which == "crm":
        assert nodes["n_quote_ok"].startswith("{") and nodes["n_won"].startswith("([")
        assert ("n_quote_ok", "n_quote_preparation", "20%") in edges


@pytest.mark.parametrize("which", ["crm", "random"])
def test_dot_is_well_formed(crm, which):
    model = crm if which == "crm" else random_model(11, n_blocks=14).model
    text = to_dot(model)
    assert text.count("{") == text.count("}")
    graph = model_graph(model)
    declared = re.findall(r"^\s+(n_\w+) \[", text, flags=re.M)
    assert len(declared) == len(graph.nodes) == len(set(declared))
    edge_lines = re.findall(r"^\s+(\w+) -> (\w+)", text, flags=re.M)
    assert len(edge_lines) == len(graph.edges)
    assert text.count("subgraph cluster_") == len({*model.roles, "system"} & _lanes(model))
    dot = shutil.which("dot")
    if dot is None:
        return  # graphviz is optional: the structure checks above still ran
    res = subprocess.run([dot, "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count('class="node"') == len(graph.nodes)


def _lanes(model) -> set[str]:
    from sim.report.layout import layout_process

    return {ln.name for ln in layout_process(model).lanes}


def test_map_reads_a_kpi_report(crm):
    from report_testkit import fake_table

    from sim.kpis import kpi_report

    report = kpi_report(fake_table(crm), crm)
    fig = draw_process_map(crm, kpi=report)
    bottleneck = report["bottleneck"]["step"]
    assert _node_patch(fig, bottleneck).get_linewidth() > 2  # heavy border on the bottleneck


def test_edge_labels_at_one_spot_are_stacked_not_overprinted():
    """Two edges entering BPIC's O_CREATED from the left printed 58.7 % and 26.0 % at one spot
    ('5826.0 %')."""
    from sim.report.process_map import EDGE_LABEL_H, _free_spot

    placed: list = []
    first = _free_spot((3.0, 2.0), "58.7%", "right", placed)
    second = _free_spot((3.0, 2.0), "26.0%", "right", placed)
    elsewhere = _free_spot((6.0, 2.0), "13.1%", "left", placed)
    assert first == (3.0, 2.0) and elsewhere == (6.0, 2.0)
    assert second == (3.0, pytest.approx(2.0 - EDGE_LABEL_H))


def test_a_staffing_change_to_the_same_headcount_is_not_drawn_as_a_change(crm):
    """QA: docs/images/diff_map_crm.png listed 'Staff account_exec with 8 people instead of 8'
    and labelled the lane 'Account exec (8 -> 8)'."""
    same = crm.roles["account_exec"].headcount
    redesign = op.change_staffing(
        op.remove_step(crm, "contract_review"), "account_exec", headcount=same
    )
    ch = model_changes(crm, redesign)
    assert "account_exec" not in ch.staffing
    assert any(s.endswith(f"instead of {same} (unchanged)") for s in ch.summaries)
    text = " ".join(_texts(draw_diff_map(crm, redesign)).split())
    assert f"{same} → {same}" not in text and "(unchanged)" in text
