"""Matplotlib set-up shared by every figure: the non-interactive Agg canvas, saving, styles.

Every figure is drawn on its own ``FigureCanvasAgg`` (``new_figure``), never through pyplot, so
no window opens and the user's matplotlib backend (a notebook's, ``MPLBACKEND``) is left as it
was: importing ``sim.report`` does not call ``matplotlib.use``."""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeVar

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.model.whole_files import written_whole

# Fonts with the glyphs DejaVu Sans lacks (Chinese, Japanese, Korean names of steps and
# roles), tried in this order for each character (matplotlib's font fallback) where installed.
FALLBACK_FONTS = (
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "Yu Gothic",
    "Malgun Gothic",
    "PingFang SC",
    "Hiragino Sans",
    "Arial Unicode MS",
)
_GLYPH_MISSING = re.compile(r"Glyph (\d+) .*missing from (?:current )?font")
_recorders: list[set[str]] = []


def _installed_fallbacks() -> tuple[str, ...]:
    """The ``FALLBACK_FONTS`` installed on this machine, in their order."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(name for name in FALLBACK_FONTS if name in installed)


_FALLBACKS_INSTALLED = _installed_fallbacks()


@contextmanager
def fallback_fonts() -> Iterator[None]:
    """Inside the block, text gets the installed ``FALLBACK_FONTS`` after the caller's own
    font family, so wide characters draw. Scoped, not set at import: importing ``sim.report``
    leaves the caller's matplotlib settings as they were."""
    family = list(matplotlib.rcParams["font.family"])
    extra = [name for name in _FALLBACKS_INSTALLED if name not in family]
    if not extra:
        yield
        return
    with matplotlib.rc_context({"font.family": [*family, *extra]}):
        yield


_Drawing = TypeVar("_Drawing", bound=Callable[..., Any])


def with_fallback_fonts(draw: _Drawing) -> _Drawing:
    """Decorate a function that draws a figure: its text is made inside ``fallback_fonts``."""

    @functools.wraps(draw)
    def drawing(*args: Any, **kwargs: Any) -> Any:
        with fallback_fonts():
            return draw(*args, **kwargs)

    return drawing  # type: ignore[return-value]


@contextmanager
def missing_glyphs() -> Iterator[set[str]]:
    """Collect the characters that no installed font could draw in the figures saved inside
    the block (drawn as empty boxes), instead of matplotlib's warning per glyph."""
    found: set[str] = set()
    _recorders.append(found)
    try:
        yield found
    finally:
        _recorders.remove(found)


def _savefig(fig: Figure, target: str | Path | IO[bytes], **kw: Any) -> None:
    """``fig.savefig``, with glyphs missing from every font recorded (``missing_glyphs``) when a
    recorder is active; other warnings pass through."""
    with warnings.catch_warnings(record=True) as caught, fallback_fonts():
        warnings.simplefilter("always")
        fig.savefig(target, **kw)
    for w in caught:
        m = _GLYPH_MISSING.search(str(w.message))
        if m and _recorders:
            for found in _recorders:
                found.add(chr(int(m.group(1))))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


MAX_PIXELS = 9000  # cap on the longer side of a saved image
DEFAULT_DPI = 110
#: the least dpi a saved PNG drops to under ``MAX_PIXELS``: a map's 7-pt labels stay 7 px high
#: (QA: every step of BPIC 2012 W at 35 dpi read 3.5 px, illegible at any zoom)
LEGIBLE_DPI = 72
#: how large a PNG grows to keep ``LEGIBLE_DPI``: its longer side, and its pixels (an RGBA
#: canvas of 4 bytes a pixel: 400 MB); every step of BPIC 2012 W takes 18,237 x 3,605
LEGIBLE_MAX_SIDE = 32_000
LEGIBLE_MAX_PIXELS = 100_000_000

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


class IllegibleFigureWarning(UserWarning):
    """A figure too large to save as a PNG whose text can be read."""


def saving_dpi(width: float, height: float, dpi: float | None = None) -> float:
    """The dpi ``save_figure`` saves a figure of ``width`` x ``height`` inches at: ``dpi``
    (default ``DEFAULT_DPI``), lowered for a large figure until its longer side is
    ``MAX_PIXELS``, but not below ``LEGIBLE_DPI`` (nor below a lower ``dpi`` asked for) as
    long as the picture stays within ``LEGIBLE_MAX_SIDE`` and ``LEGIBLE_MAX_PIXELS``."""
    want = dpi or DEFAULT_DPI
    floor = min(
        want,
        LEGIBLE_DPI,
        LEGIBLE_MAX_SIDE / max(width, height),
        (LEGIBLE_MAX_PIXELS / (width * height)) ** 0.5,
    )
    return max(min(want, MAX_PIXELS / max(width, height)), floor)


def save_figure(fig: Figure, path: str | Path, *, dpi: float | None = None) -> Path:
    """Save ``fig`` (PNG, SVG or PDF by suffix), creating folders; huge figures get a lower
    dpi (``saving_dpi``): a PNG too large to keep ``LEGIBLE_DPI`` warns
    (``IllegibleFigureWarning``, naming the dpi) that its text cannot be read, and how to
    save it so that it can (SVG or PDF: text stays text at any zoom).

    Returns the path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = fig.get_size_inches()
    used = saving_dpi(w, h, dpi)
    with written_whole(path) as part:  # a stopped run leaves no truncated picture
        _savefig(fig, part, dpi=used, facecolor="white")
    if used < min(dpi or DEFAULT_DPI, LEGIBLE_DPI) and path.suffix.lower() == ".png":
        warnings.warn(
            f"{path}: a figure of {w:.0f} x {h:.0f} inches is saved at {used:.0f} dpi "
            f"({w * used:.0f} x {h * used:.0f} px), so its 7-pt text is {7 * used / 72:.1f} px "
            "high and cannot be read; save it as .svg or .pdf instead (text stays sharp at "
            "any zoom), or draw less of it (a process map: fewer steps, max_steps=30; "
            "export: map_steps=30)",
            IllegibleFigureWarning,
            stacklevel=2,
        )
    return path


def to_png_bytes(fig: Figure, *, dpi: float | None = None) -> bytes:
    """The figure as PNG bytes (for embedding in HTML)."""
    import io

    w, h = fig.get_size_inches()
    dpi = min(dpi or DEFAULT_DPI, MAX_PIXELS / max(w, h))
    buf = io.BytesIO()
    _savefig(fig, buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()
