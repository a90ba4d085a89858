"""Pictures and reports (layer 3, the only package that imports matplotlib).

Reads models and result tables; never runs a simulation. Every figure is drawn on the
non-interactive Agg canvas and returned as a ``matplotlib.figure.Figure``.

Process maps::

    draw_process_map(model, *, kpi=None, kpi_label=..., min_probability="auto", path=None)
    draw_diff_map(baseline, redesigned, *, waiting_diff=None, path=None)
    layout_process(model, *, lane_order=None, notes=None, min_probability=0.0) -> MapLayout
    to_mermaid(model) -> str;  to_dot(model) -> str

Charts (inputs: a ``kpis.json`` report, DataFrames, arrays)::

    plot_cycle_times({"baseline": ct0, "scenario": ct1}); plot_step_times(report, compare=None)
    plot_utilisation(report); plot_funnel(report); plot_pareto(trials, x=, y=, baseline=, ...)
    plot_arrivals(times); plot_fits({step: (observed, Distribution)})

The report::

    build_report(run_dir) -> Path   # run_dir/report.html, self-contained
    save_figure(fig, path, *, dpi=None) -> Path
"""

from sim.report._mpl import save_figure, to_png_bytes
from sim.report.charts import (
    arrival_times_from_log,
    cycle_times_from_log,
    fits_from_instances,
    pareto_mask,
    plot_arrivals,
    plot_cycle_times,
    plot_fit,
    plot_fits,
    plot_funnel,
    plot_pareto,
    plot_step_times,
    plot_utilisation,
    step_frame,
    waiting_share_kpi,
)
from sim.report.diff_map import ModelChanges, draw_diff_map, model_changes, waiting_differences
from sim.report.export import to_dot, to_mermaid
from sim.report.html import build_report, read_run
from sim.report.layout import MapLayout, layout_process
from sim.report.process_map import draw_process_map

__all__ = [
    "MapLayout",
    "ModelChanges",
    "arrival_times_from_log",
    "build_report",
    "cycle_times_from_log",
    "draw_diff_map",
    "draw_process_map",
    "fits_from_instances",
    "layout_process",
    "model_changes",
    "pareto_mask",
    "plot_arrivals",
    "plot_cycle_times",
    "plot_fit",
    "plot_fits",
    "plot_funnel",
    "plot_pareto",
    "plot_step_times",
    "plot_utilisation",
    "read_run",
    "save_figure",
    "step_frame",
    "to_dot",
    "to_mermaid",
    "to_png_bytes",
    "waiting_differences",
    "waiting_share_kpi",
]
