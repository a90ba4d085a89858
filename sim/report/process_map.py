"""The process map as a swimlane flowchart, coloured by a KPI so the bottleneck stands out.

>>> from sim.model import load
>>> from sim.report import draw_process_map, save_figure
>>> model = load("configs/process/crm_sales.yaml")
>>> fig = draw_process_map(model, kpi={"quote_approval": 0.31, "negotiation": 0.05})
>>> save_figure(fig, "out/map.png")  # doctest: +SKIP

Notation: the start and the ends are rounded (an end's border is green for success, red for a
drop-off), steps are rectangles, decisions are diamonds with their branch probabilities on the
arrows, parallel split and join are diamonds with a ``+``; rework loops are red arrows that go
back over the top of the boxes. Each role has a horizontal lane; automated steps sit in the
*System* lane; a step done by several people sits in the lane of its first role with a note of
the others, a step that people of other roles may take (its ``alternatives``) sits in its own
role's lane with a note such as ``or senior 25%`` (the share of its cases that goes to them
first), and a role that is never a step's first has an empty lane that names the steps it
works on or may take.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sim.model.views import most_visited_part
from sim.report._mpl import (
    DROP,
    GRID,
    HEADER_FILL,
    INK,
    LANE_FILLS,
    LOOP,
    MUTED,
    STEP_EDGE,
    STEP_FILL,
    SUCCESS,
    new_figure,
    save_figure,
    with_fallback_fonts,
)
from sim.report.layout import (
    EDGE_LABEL_CHAR_W,
    MARGIN,
    Box,
    MapLayout,
    Route,
    finite_number,
    layout_process,
    plan_layout,
    text_width,
    title_name,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap, Normalize
    from matplotlib.figure import Figure

    from sim.model import ProcessModel

TITLE_H = 0.55
FOOTER_H = 0.95
EVENT_ROUNDING = (
    0.25  # inches: the corner radius of a start or end box of 3 lines (2 or fewer: a pill)
)
DEFAULT_KPI_LABEL = "waiting share of cycle time"
#: steps on a map: BPIC's 113 made a map 9,000 px wide with unreadable boxes and a tangle of
#: long arrows; 30 keeps its main flow legible, and every bundled model (procure-to-pay: 24) whole
MAP_STEPS_MAX = 30
SHARE = "share"  # the unit of a fraction, shown as a percentage


@dataclass(frozen=True)
class ColorBar:
    """The colour scale under a map: colormap, normalisation, caption and the unit of its
    values. ``unit`` says how the ticks read: ``"share"`` (a fraction) as percentages, anything
    else (``"h"``, ``"min"``, ...) as plain numbers in that unit, named by ``label``."""

    cmap: Colormap
    norm: Normalize
    label: str
    unit: str


@dataclass
class NodeStyle:
    """How one node is painted (the diff map overrides some of them)."""

    fill: str | tuple[float, ...] = STEP_FILL
    edge: str = STEP_EDGE
    linewidth: float = 1.0
    linestyle: str = "-"
    hatch: str | None = None
    text_color: str = INK
    strike: bool = False
    alpha: float = 1.0
    note_color: str = MUTED


@dataclass
class MapStyle:
    """Per-node styles and extra artists for one map."""

    nodes: dict[str, NodeStyle] = field(default_factory=dict)
    lane_labels: dict[str, str] = field(default_factory=dict)
    faded_edges: set[tuple[str, str]] = field(default_factory=set)


def _luminance(color: Sequence[float]) -> float:
    r, g, b = color[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_color_on(fill: str | Sequence[float]) -> str:
    """Black or white, whichever reads better on ``fill``."""
    from matplotlib.colors import to_rgb

    return "white" if _luminance(to_rgb(fill)) < 0.45 else INK


def rounded_path(points: Sequence[tuple[float, float]], radius: float = 0.12):
    """A matplotlib ``Path`` through ``points`` with rounded corners."""
    from matplotlib.path import Path as MPath

    pts = list(points)
    verts = [pts[0]]
    codes = [MPath.MOVETO]
    for k in range(1, len(pts) - 1):
        (x0, y0), (x1, y1), (x2, y2) = pts[k - 1], pts[k], pts[k + 1]
        d_in = math.hypot(x1 - x0, y1 - y0)
        d_out = math.hypot(x2 - x1, y2 - y1)
        r = min(radius, d_in / 2, d_out / 2)
        if r <= 1e-9 or d_in == 0 or d_out == 0:
            verts.append((x1, y1))
            codes.append(MPath.LINETO)
            continue
        a = (x1 - (x1 - x0) / d_in * r, y1 - (y1 - y0) / d_in * r)
        b = (x1 + (x2 - x1) / d_out * r, y1 + (y2 - y1) / d_out * r)
        verts += [a, (x1, y1), b]
        codes += [MPath.LINETO, MPath.CURVE3, MPath.CURVE3]
    verts.append(pts[-1])
    codes.append(MPath.LINETO)
    return MPath(verts, codes)


# ------------------------------------------------------------------------------------ public
#: what the heavy border means on a map whose bottleneck a KPI report named
BOTTLENECK_LEGEND = "bottleneck (longest queue for staff)"
#: what the dashed heavy border means: steps statistically tied with the bottleneck
TIED_LEGEND = "statistically tied with it (another seed may name it)"
# dark, not the drop-off red: a red border vanished on the red fills of the steps that wait most
BOTTLENECK_EDGE = INK
BOTTLENECK_WIDTH = 3.2
TIED_STYLE = "--"  # the border of a step statistically tied with the bottleneck


def draw_process_map(
    model: ProcessModel,
    *,
    kpi: Mapping[str, float] | None = None,
    kpi_label: str = DEFAULT_KPI_LABEL,
    kpi_format: str | Callable[[float], str] = "wait {:.0%}",
    kpi_unit: str = SHARE,
    cmap: str = "YlOrRd",
    vmin: float | None = None,
    vmax: float | None = None,
    mark_bottleneck: bool = True,
    bottleneck: str | None = None,
    tied_with: Sequence[str] | None = None,
    title: str | None = None,
    lane_order: Sequence[str] | None = None,
    min_probability: float | str = "auto",
    max_steps: int | None = MAP_STEPS_MAX,
    path: str | Path | None = None,
) -> Figure:
    """Draw ``model`` as a left-to-right swimlane flowchart; return the figure.

    ``kpi`` maps step names to a number (by default read as the *waiting share of cycle time*:
    the mean waiting before the step divided by the mean cycle time); a whole KPI report
    (``kpis.json``, ``sim.kpis.kpi_report``) is read as its waiting shares. Steps are filled with
    ``cmap`` on that value, the value is written in the box, a colour bar explains the scale
    and, with ``mark_bottleneck``, the bottleneck gets a heavy border: the step ``bottleneck``
    when given; else, for a KPI report, the step the report names (where cases queue longest for
    staff on shift, which need not be where they wait longest; none when it names none); else
    the step with the highest value. Steps without a value are left plain. The steps
    ``tied_with`` the bottleneck (for a KPI report, the ones it says are statistically tied
    with it: another seed may name one of them) get a dashed heavy border, so a map pasted
    alone does not single out one of them. ``path`` also saves the figure (PNG, SVG or PDF).

    ``kpi_unit`` is the unit of the values, for the colour bar's ticks: ``"share"`` (default, a
    fraction such as the waiting share) reads as percentages; for any other quantity pass its
    unit (``"h"``) with a matching ``kpi_label`` and ``kpi_format``, and the ticks are plain
    numbers. The scale is never guessed from the values' range. Shares follow the diff map's
    rule (``_share_scale``): a step waiting under 1 % of the cycle time is left white and,
    unless ``vmax`` is given, the scale spans at least 10 %.

    ``min_probability`` hides decision branches rarer than that (never a decision's likeliest
    branch, never one that would cut a node off); the map says how many it hid. ``"auto"``
    (default) hides nothing on a clean map and, on a tangled map discovered from a log, the
    least threshold of 1, 2, 5 or 10 % that untangles it.

    A model with more than ``max_steps`` steps (a calibrated one: a step per repetition and
    timer) is drawn as its ``max_steps`` most visited steps (``sim.model.views.most_visited_part``:
    the arrows pass through the others), and the map says how many it left out; ``None`` draws
    every step.
    """
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    named = bottleneck is not None
    if kpi is not None and "steps" in kpi and isinstance(kpi.get("steps"), list):
        from sim.report.charts import bottleneck_step, bottleneck_tied_with, waiting_share_kpi

        if not named:  # the report's own bottleneck, not the step its colouring ranks first
            bottleneck, named = bottleneck_step(kpi), True
            tied_with = bottleneck_tied_with(kpi) if tied_with is None else tied_with
        kpi = waiting_share_kpi(kpi)  # a whole KPI report (kpis.json): its default colouring
    part = frequent_part(model, max_steps)
    model = part or model
    values = {k: float(v) for k, v in (kpi or {}).items() if k in model.steps and finite_number(v)}
    top = None
    if mark_bottleneck:
        top = bottleneck if named else max(values, key=values.get) if values else None
        top = top if top in model.steps else None  # a step left out of the map is not marked
    tied = [t for t in tied_with or () if top is not None and t in model.steps and t != top]
    fmt = kpi_format.format if isinstance(kpi_format, str) else kpi_format
    notes = {k: [fmt(v)] for k, v in values.items()}
    layout = readable_layout(
        model, lane_order=lane_order, notes=notes, min_probability=min_probability
    )
    footer = [t for t in (part_note(part), hidden_note(layout)) if t]
    style = MapStyle()
    norm = cm = None
    bar_label = kpi_label
    if values:
        negligible, floor = _share_scale(kpi_unit)
        lo = min(values.values()) if vmin is None else vmin
        hi = max(values.values()) if vmax is None else vmax
        lo = min(lo, 0.0) if vmin is None and lo >= 0 else lo
        hi = max(hi, lo + floor) if vmax is None else hi
        if hi <= lo:
            hi = lo + 1.0
        norm = Normalize(lo, hi)
        cm = colormaps[cmap]
        if negligible:
            bar_label += f" (under {100 * negligible:g} %: white)"
        for name, v in values.items():
            fill = "white" if abs(v) < negligible else cm(norm(v))
            marked = name == top or name in tied
            style.nodes[name] = NodeStyle(
                fill=fill,
                text_color=text_color_on(fill),
                note_color=text_color_on(fill),
                edge=BOTTLENECK_EDGE if marked else STEP_EDGE,
                linewidth=BOTTLENECK_WIDTH if marked else 1.0,
                linestyle=TIED_STYLE if name in tied else "-",
            )
    if top is not None and top not in style.nodes:  # a bottleneck without a value: plain fill
        style.nodes[top] = NodeStyle(edge=BOTTLENECK_EDGE, linewidth=BOTTLENECK_WIDTH)
    for name in tied:
        if name not in style.nodes:
            style.nodes[name] = NodeStyle(
                edge=BOTTLENECK_EDGE, linewidth=BOTTLENECK_WIDTH, linestyle=TIED_STYLE
            )
    heading = title or f"{title_name(model.name)}: process map" + (
        f", steps coloured by {kpi_label}" if values else ""
    )
    fig, _ax = render_map(
        layout,
        model,
        style,
        title=heading,
        colorbar=ColorBar(cm, norm, bar_label, kpi_unit) if values else None,
        legend_extra=(
            [(BOTTLENECK_LEGEND if named else "highest value", "heavy")] if top is not None else []
        )
        + ([(TIED_LEGEND, "tied")] if tied else []),
        footer_text="\n".join(footer) or None,
        footer_lines=sum(t.count("\n") + 1 for t in footer),
    )
    if path is not None:
        save_figure(fig, path)
    return fig


def _share_scale(unit: str) -> tuple[float, float]:
    """``(negligible, floor)`` of the colours of a map of waiting shares, by the diff map's rule
    (``sim.report.diff_map``): a step waiting under ``NEGLIGIBLE_SHARE`` of the cycle time is
    left white, and the scale spans at least ``SCALE_FLOOR_SHARE``, so that waits of 0.02 %
    are not painted dark red (QA: a 40-step map of such waits ran from yellow to dark red).
    ``(0, 0)`` for values in another unit: no cycle time to size them by."""
    if unit != SHARE:
        return 0.0, 0.0
    from sim.report.diff_map import NEGLIGIBLE_SHARE, SCALE_FLOOR_SHARE

    return NEGLIGIBLE_SHARE, SCALE_FLOOR_SHARE


AUTO_THRESHOLDS = (0.0, 0.01, 0.02, 0.05, 0.1)


def frequent_part(
    model: ProcessModel, max_steps: int | None, *, keep: Collection[str] = ()
) -> ProcessModel | None:
    """``most_visited_part(model, max_steps, keep=keep)``, or ``None`` when the map draws every
    step (no limit, few enough steps, or routing the view cannot summarise)."""
    if max_steps is None or len(model.steps) <= max_steps:
        return None
    try:
        return most_visited_part(model, max_steps, keep=keep)
    except ValueError:  # cases that never leave a loop: the whole map still shows it
        return None


def part_note(
    part: ProcessModel | None,
    *,
    which: str = "the most visited",
    where: str = "model.yaml (and kpis.json)",
) -> str | None:
    """What a map of a model's most visited part leaves out (``None`` for a whole map):
    ``which`` steps it draws, and ``where`` all of them are."""
    if part is None:
        return None
    meta = part.metadata
    hidden = meta["hidden_steps"]
    return (
        f"{len(part.steps)} of {len(part.steps) + hidden} steps drawn: {which} (each "
        f"at least {meta['min_visits_shown']:.2g} visits per case). The other {hidden} (at most "
        f"{meta['max_visits_hidden']:.2g} visits per case each) are left out, the arrows pass "
        f"through them;\nevery step is in {where}; draw with max_steps=None to see them all."
    )


def readable_layout(
    model: ProcessModel,
    *,
    lane_order: Sequence[str] | None = None,
    notes: Mapping[str, Sequence[str]] | None = None,
    min_probability: float | str = "auto",
) -> MapLayout:
    """The layout, hiding rare branches when ``min_probability`` says so (``"auto"``: see
    ``draw_process_map``)."""
    if min_probability != "auto":
        return layout_process(
            model, lane_order=lane_order, notes=notes, min_probability=float(min_probability)
        )
    allowed = max(6.0, len(model.steps) / 2)
    plan = None
    for th in AUTO_THRESHOLDS:
        # rows and coordinates only for the map kept: on a tangled map of 100+ activities
        # they cost most of the time of the thresholds that are tried and dropped
        plan = plan_layout(model, lane_order=lane_order, notes=notes, min_probability=th)
        if plan.crossings <= allowed:
            break
    assert plan is not None
    return plan.finish()


def hidden_note(layout: MapLayout) -> str | None:
    """A sentence saying how many rare branches the map leaves out, or None."""
    if not layout.hidden:
        return None
    top = max(_pct(lab) for *_, lab in layout.hidden)
    return (
        f"{len(layout.hidden)} rare branch(es) not drawn (each at most {top:g}% of the cases "
        "leaving its decision); draw with min_probability=0 to see them all."
    )


def _pct(label: str) -> float:
    """The percentage a branch label starts with (``"3%"``, ``"3% (key account 10%)"``)."""
    try:
        return float(label.split("%", 1)[0])
    except ValueError:
        return 0.0


# ---------------------------------------------------------------------------------- renderer
EDGE_LABEL_H = 0.13  # inches


def _free_spot(
    at: tuple[float, float],
    text: str,
    align: str,
    placed: list[tuple[float, float, float, float]],
) -> tuple[float, float]:
    """Where to write an edge label: at ``at``, or moved up a line at a time (data y grows
    downwards) until it overlaps no label placed before; two edges entering a node from the same
    side otherwise print their probabilities on top of each other ("58.7 %" + "26.0 %" read
    "5826.0 %" on BPIC's map). Records the spot in ``placed``."""
    w = EDGE_LABEL_CHAR_W * text_width(text)
    x, y = at
    x0 = x - w if align == "right" else x - w / 2 if align == "center" else x
    for _ in range(6):
        box = (x0, y - EDGE_LABEL_H, x0 + w, y)  # va="bottom": the text sits above y
        if not any(
            box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed
        ):
            break
        y -= EDGE_LABEL_H
    placed.append((x0, y - EDGE_LABEL_H, x0 + w, y))
    return x, y


@with_fallback_fonts
def render_map(
    layout: MapLayout,
    model: ProcessModel,
    style: MapStyle,
    *,
    title: str,
    colorbar: ColorBar | None = None,
    legend_extra: Sequence[tuple[str, str]] = (),
    footer_text: str | None = None,
    footer_lines: int = 0,
) -> tuple[Figure, Axes]:
    """Paint a laid-out map; returns the figure and the map's axes (data units = inches)."""
    extra_footer = 0.16 * footer_lines
    width = max(layout.width, 9.0)
    shown = legend_entries(layout, model)
    _x, ncol = _legend_place(width, colorbar is not None, len(shown) + len(legend_extra))
    rows = -(-(len(shown) + len(legend_extra)) // ncol)
    # a narrow map stacks its legend: the strip grows so that it stays under the lanes
    footer = max(FOOTER_H, 0.25 + LEGEND_ROW_H * rows) + extra_footer
    height = TITLE_H + layout.height + footer
    fig = new_figure(width, height)
    ax = fig.add_axes((0, footer / height, layout.width / width, layout.height / height))
    ax.set_xlim(0, layout.width)
    ax.set_ylim(layout.height, 0)
    ax.set_axis_off()

    _draw_lanes(ax, layout, style, model)
    for route in layout.routes:
        _draw_route(ax, route, faded=(route.source, route.target) in style.faded_edges)
    for box in layout.boxes.values():
        _draw_node(ax, box, model, style.nodes.get(box.name, NodeStyle()))
    placed: list[tuple[float, float, float, float]] = []
    for route in layout.routes:
        if route.label and route.label_at:
            ax.text(
                *_free_spot(route.label_at, route.label, route.label_align, placed),
                route.label,
                fontsize=7,
                color=LOOP if route.back else MUTED,
                ha=route.label_align,
                va="bottom",
                zorder=6,
                bbox={"boxstyle": "square,pad=0.08", "fc": "white", "ec": "none", "alpha": 0.85},
            )

    fig.text(
        MARGIN / width,
        1 - 0.18 / height,
        title,
        fontsize=12,
        fontweight="bold",
        color=INK,
        va="top",
    )
    _draw_footer(fig, width, height, colorbar, shown, legend_extra, footer_text, extra_footer)
    return fig, ax


def _draw_lanes(ax: Axes, layout: MapLayout, style: MapStyle, model: ProcessModel) -> None:
    from matplotlib.patches import Rectangle

    from sim.report.layout import HEADER_W

    x0, x1 = MARGIN, layout.width - MARGIN
    occupied = {b.lane for b in layout.boxes.values()}
    for k, lane in enumerate(layout.lanes):
        if lane.name not in occupied and lane.name in model.roles:  # a role that only joins
            for b in layout.boxes.values():  # ... steps led by others: under each of them
                if b.name not in model.steps or lane.name not in model.steps[b.name].all_roles:
                    continue
                # a second role works on the step; an alternative's people may take it
                verb = "works on" if lane.name in model.steps[b.name].roles else "may take"
                ax.text(
                    b.x,
                    (lane.top + lane.bottom) / 2,
                    f"{verb} {' '.join(b.label)}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    style="italic",
                    color=MUTED,
                    zorder=1,
                )
        h = lane.bottom - lane.top
        ax.add_patch(
            Rectangle((x0, lane.top), x1 - x0, h, fc=LANE_FILLS[k % 2], ec=GRID, lw=0.8, zorder=0)
        )
        ax.add_patch(
            Rectangle((x0, lane.top), HEADER_W, h, fc=HEADER_FILL, ec=GRID, lw=0.8, zorder=0.5)
        )
        ax.text(
            x0 + HEADER_W / 2,
            (lane.top + lane.bottom) / 2,
            style.lane_labels.get(lane.name, lane.label),
            ha="center",
            va="center",
            fontsize=8.5,
            fontweight="bold",
            color=INK,
            zorder=1,
            linespacing=1.25,
        )


def _draw_route(ax: Axes, route: Route, *, faded: bool = False) -> None:
    from matplotlib.patches import FancyArrowPatch

    color = LOOP if route.back else "#455a64"
    arrow = FancyArrowPatch(
        path=rounded_path(route.points, 0.14 if route.back else 0.09),
        arrowstyle="-|>,head_length=0.45,head_width=0.22",
        mutation_scale=12,
        lw=1.25 if route.back else 1.0,
        color=color,
        linestyle=(0, (4, 2)) if route.back else "-",
        alpha=0.3 if faded else 1.0,
        zorder=2,
        shrinkA=0,
        shrinkB=0,
        gid=f"edge:{route.source}->{route.target}",
    )
    ax.add_patch(arrow)


def _draw_node(ax: Axes, box: Box, model: ProcessModel, st: NodeStyle) -> None:
    from matplotlib.patches import FancyBboxPatch, Polygon

    x, y, w, h = box.x, box.y, box.shape_w, box.shape_h
    common = {
        "lw": st.linewidth,
        "ec": st.edge,
        "ls": st.linestyle,
        "zorder": 3,
        "alpha": st.alpha,
        "gid": f"node:{box.name}",
    }
    if box.kind == "step":
        patch = FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="square,pad=0",
            fc=st.fill,
            **_hatch(st.hatch),
            **common,
        )
        ax.add_patch(patch)
        n_note = len(box.note)
        label_y = y - (n_note * 0.13) / 2
        txt = ax.text(
            x,
            label_y,
            "\n".join(box.label),
            ha="center",
            va="center",
            fontsize=8,
            color=st.text_color,
            zorder=4,
            linespacing=1.15,
        )
        if st.strike:
            _strike(ax, txt, x, label_y, box)
        if box.note:
            ax.text(
                x,
                y + h / 2 - 0.06,
                "\n".join(box.note),
                ha="center",
                va="bottom",
                fontsize=6.5,
                style="italic",
                color=st.note_color,
                zorder=4,
                linespacing=1.1,
            )
        return
    if box.kind in ("decision", "parallel", "join"):
        fill = st.fill if st.fill != STEP_FILL else "#fff8e1"
        diamond = [(x, y - h / 2), (x + w / 2, y), (x, y + h / 2), (x - w / 2, y)]
        ax.add_patch(Polygon(diamond, closed=True, fc=fill, **_hatch(st.hatch), **common))
        if box.kind != "decision":
            par = model.parallels.get(box.name) or model.joins.get(box.name)
            mark = "○" if par is not None and par.probabilities is not None else "+"
            ax.text(x, y, mark, ha="center", va="center", fontsize=13, color=INK, zorder=4)
        lines = (*box.label, *box.note)
        if lines:
            ax.text(
                x,
                y + h / 2 + 0.04,
                "\n".join(lines),
                ha="center",
                va="top",
                fontsize=7,
                style="italic",
                color=st.text_color if st.text_color != "white" else INK,
                zorder=4,
                linespacing=1.1,
            )
        return
    # start and end events
    if box.kind == "start":
        edge, lw = SUCCESS, 1.2
        fill = "#e8f5e9"
    else:
        end = model.ends[box.name]
        edge, lw = (SUCCESS, 2.6) if end.success else (DROP, 2.6)
        fill = "#e8f5e9" if end.success else "#ffebee"
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            # a pill up to two lines; a taller box (three lines) keeps room for its text
            boxstyle=f"round,pad=0,rounding_size={min(h / 2, EVENT_ROUNDING):.3f}",
            fc=fill,
            ec=edge,
            lw=lw,
            zorder=3,
            alpha=st.alpha,
            gid=f"node:{box.name}",
        )
    )
    ax.text(
        x,
        y,
        "\n".join(box.label),
        ha="center",
        va="center",
        fontsize=7.5,
        color=INK,
        zorder=4,
        linespacing=1.1,
    )
    if box.note:
        ax.text(
            x,
            y + h / 2 + 0.03,
            "\n".join(box.note),
            ha="center",
            va="top",
            fontsize=6.5,
            style="italic",
            color=st.note_color,
            zorder=4,
        )


def _hatch(hatch: str | None) -> dict:
    """Hatch keywords: a light hatch colour where matplotlib supports it (3.10+)."""
    if not hatch:
        return {}
    import matplotlib

    major, minor = (int(x) for x in matplotlib.__version__.split(".")[:2])
    return {"hatch": hatch, **({"hatchcolor": GRID} if (major, minor) >= (3, 10) else {})}


def _strike(ax: Axes, txt, x: float, y: float, box: Box) -> None:
    half = min(box.shape_w / 2 - 0.08, max(len(s) for s in box.label) * 0.037 + 0.05)
    n = len(box.label)
    for k in range(n):
        yy = y + (k - (n - 1) / 2) * 0.135
        ax.plot([x - half, x + half], [yy, yy], color=DROP, lw=1.3, zorder=5)


LEGEND = (
    "start",
    "step",
    "decision (% = branch probability)",
    "parallel split / join",
    "rework loop",
    "end: drop-off (green: success)",
)
END_SUCCESS_LEGEND = "end (success)"
END_DROP_LEGEND = "end: drop-off"


def legend_entries(layout: MapLayout, model: ProcessModel) -> list[str]:
    """The entries of ``LEGEND`` for what the map draws: a decision, a parallel split, a rework
    loop only when it has one (QA: the legend of a map of two steps listed all four); the ends
    as drawn: ``end (success)`` or ``end: drop-off`` when all are of one kind."""
    kinds = {b.kind for b in layout.boxes.values()}
    out = [LEGEND[0], LEGEND[1]]
    if "decision" in kinds:
        out.append(LEGEND[2])
    if kinds & {"parallel", "join"}:
        out.append(LEGEND[3])
    if any(r.back for r in layout.routes):
        out.append(LEGEND[4])
    success = {model.ends[b.name].success for b in layout.boxes.values() if b.kind == "end"}
    if success == {True}:
        out.append(END_SUCCESS_LEGEND)
    elif success == {False}:
        out.append(END_DROP_LEGEND)
    elif success:
        out.append(LEGEND[5])
    return out


LEGEND_ROW_H = 0.17  # inches: one row of the 7.5 pt legend
LEGEND_COL_W = 2.6  # inches: one column of it (its longest entry, with the handle)
COLORBAR_W = 3.8  # inches: the colour bar, with its gap to the legend


def _legend_place(width: float, colorbar: bool, n: int) -> tuple[float, int]:
    """Where the legend of ``n`` entries starts (inches from the left) and its columns: right
    of the colour bar when there is one, in as many columns as the figure's width holds."""
    x = MARGIN + 0.1 + (COLORBAR_W if colorbar else 0.0)
    return x, max(1, min(n, int((width - x - 0.3) // LEGEND_COL_W)))


def percent_decimals(ticks: Sequence[float], most: int = 4) -> int:
    """The fewest decimals (up to ``most``) at which every tick, a fraction, reads as its exact
    percentage: then no two read alike (ticks 0.005 % apart read "0.00 %", "0.01 %", "0.01 %"
    with a fixed two, QA)."""
    pct = [100 * float(t) for t in ticks]
    for d in range(most + 1):
        if all(abs(p - round(p, d)) < 1e-9 * max(1.0, abs(p)) for p in pct):
            return d
    return most


def _draw_footer(
    fig: Figure,
    width: float,
    height: float,
    colorbar: ColorBar | None,
    shown: Sequence[str],
    legend_extra: Sequence[tuple[str, str]],
    footer_text: str | None,
    extra: float,
) -> None:
    from matplotlib.cm import ScalarMappable
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyBboxPatch, Patch

    base = extra  # footer strip starts above the optional text block
    x = MARGIN + 0.1
    legend_x, ncol = _legend_place(width, colorbar is not None, len(shown) + len(legend_extra))
    if colorbar is not None:
        norm = colorbar.norm
        cax = fig.add_axes(((x + 0.1) / width, (base + 0.45) / height, 3.2 / width, 0.14 / height))
        cb = fig.colorbar(
            ScalarMappable(norm=norm, cmap=colorbar.cmap), cax=cax, orientation="horizontal"
        )
        cb.ax.tick_params(labelsize=7, length=2, pad=1)
        cb.set_label(colorbar.label, fontsize=8, labelpad=2)
        # what the values are decides the ticks (a change of -0.06 h is not -6 %)
        if colorbar.unit == SHARE:
            from matplotlib.ticker import PercentFormatter

            decimals = percent_decimals(cb.ax.xaxis.get_majorticklocs())
            cb.ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=decimals))
    handle = {
        LEGEND[0]: FancyBboxPatch(
            (0, 0), 1, 1, boxstyle="round,pad=0", fc="#e8f5e9", ec=SUCCESS, lw=1.2
        ),
        LEGEND[1]: Patch(fc=STEP_FILL, ec=STEP_EDGE, lw=1.0),
        LEGEND[2]: Line2D([], [], marker="D", ls="", ms=7, mfc="#fff8e1", mec=STEP_EDGE),
        LEGEND[3]: Line2D([], [], marker="P", ls="", ms=8, mfc="#fff8e1", mec=STEP_EDGE),
        LEGEND[4]: Line2D([], [], color=LOOP, ls=(0, (4, 2)), lw=1.3),
        LEGEND[5]: Patch(fc="#ffebee", ec=DROP, lw=2.2),
        END_DROP_LEGEND: Patch(fc="#ffebee", ec=DROP, lw=2.2),
        END_SUCCESS_LEGEND: Patch(fc="#e8f5e9", ec=SUCCESS, lw=2.2),
    }
    handles = [handle[label] for label in shown]
    labels = list(shown)
    for label, kind in legend_extra:
        if kind == "heavy":
            handles.append(Patch(fc="white", ec=BOTTLENECK_EDGE, lw=BOTTLENECK_WIDTH))
        elif kind == "tied":
            # finer dashes than the map's: the legend's small box would show one dash
            handles.append(
                Patch(fc="white", ec=BOTTLENECK_EDGE, lw=BOTTLENECK_WIDTH, ls=(0, (1.2, 0.8)))
            )
        elif kind == "hatch":
            handles.append(Patch(fc="#eceff1", ec=MUTED, hatch="///"))
        elif kind == "dashed":
            handles.append(Patch(fc="white", ec="#6a1b9a", ls="--", lw=1.5))
        elif kind == "changed":
            handles.append(Patch(fc="white", ec="#1565c0", lw=2.2))
        else:
            handles.append(Patch(fc=kind, ec=STEP_EDGE))
        labels.append(label)
    fig.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(legend_x / width, (base + 0.08) / height),
        ncol=ncol,
        fontsize=7.5,
        frameon=False,
        handlelength=1.6,
        columnspacing=1.2,
        borderaxespad=0,
    )
    if footer_text:
        fig.text(
            (MARGIN + 0.2) / width,
            (extra - 0.05) / height,
            footer_text,
            fontsize=7.5,
            color=INK,
            va="top",
            ha="left",
            linespacing=1.35,
        )


__all__ = ["ColorBar", "draw_process_map", "render_map", "rounded_path", "save_figure"]
