"""Matplotlib set-up shared by every figure: the non-interactive Agg canvas, saving, styles."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # never open a window; reports are built on servers and in CI

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

MAX_PIXELS = 9000  # cap on the longer side of a saved image
DEFAULT_DPI = 110

INK = "#263238"
MUTED = "#607d8b"
GRID = "#cfd8dc"
LANE_FILLS = ("#f7f9fb", "#eef2f6")
HEADER_FILL = "#dde4ec"
STEP_FILL = "#e3edf7"
STEP_EDGE = "#34495e"
LOOP = "#c0392b"
SUCCESS = "#2e7d32"
DROP = "#c62828"
BASELINE = "#546e7a"
SCENARIO = "#1e88e5"
ACCENT = "#f4511e"


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` x ``height`` inches drawn on an Agg canvas (no pyplot state)."""
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, path: str | Path, *, dpi: float | None = None) -> Path:
    """Save ``fig`` (PNG, SVG or PDF by suffix), creating folders; huge figures get a lower dpi.

    Returns the path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = fig.get_size_inches()
    dpi = min(dpi or DEFAULT_DPI, MAX_PIXELS / max(w, h))
    fig.savefig(path, dpi=dpi, facecolor="white")
    return path


def to_png_bytes(fig: Figure, *, dpi: float | None = None) -> bytes:
    """The figure as PNG bytes (for embedding in HTML)."""
    import io

    w, h = fig.get_size_inches()
    dpi = min(dpi or DEFAULT_DPI, MAX_PIXELS / max(w, h))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()
