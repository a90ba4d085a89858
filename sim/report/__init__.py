"""Pictures and reports (layer 3, the only package that imports matplotlib).

Reads models and result tables; never runs a simulation. Every figure is drawn on the
non-interactive Agg canvas and returned as a ``matplotlib.figure.Figure``.

Process maps::

    draw_process_map(model, *, kpi=None, kpi_label=..., path=None) -> Figure
    draw_diff_map(baseline, redesigned, *, waiting_diff=None, path=None) -> Figure
    layout_process(model, *, lane_order=None, notes=None) -> MapLayout   # the geometry only
    to_mermaid(model) -> str;  to_dot(model) -> str
    save_figure(fig, path, *, dpi=None) -> Path
"""

from sim.report._mpl import save_figure, to_png_bytes
from sim.report.diff_map import ModelChanges, draw_diff_map, model_changes, waiting_differences
from sim.report.export import to_dot, to_mermaid
from sim.report.layout import MapLayout, layout_process
from sim.report.process_map import draw_process_map

__all__ = [
    "MapLayout",
    "ModelChanges",
    "draw_diff_map",
    "draw_process_map",
    "layout_process",
    "model_changes",
    "save_figure",
    "to_dot",
    "to_mermaid",
    "to_png_bytes",
    "waiting_differences",
]
