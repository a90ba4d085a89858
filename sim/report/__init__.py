"""Pictures and reports (layer 3, the only package that imports matplotlib).

Reads models and result tables; never runs a simulation.
"""

from sim.report._mpl import save_figure
from sim.report.layout import MapLayout, layout_process
from sim.report.process_map import draw_process_map

__all__ = ["MapLayout", "draw_process_map", "layout_process", "save_figure"]
