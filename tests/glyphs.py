"""What the tool's figures cannot draw on this machine: a probe drawn as the tool draws."""

from __future__ import annotations

from sim.report._mpl import fallback_fonts, missing_glyphs, new_figure, to_png_bytes


def characters_no_font_draws(text: str) -> set[str]:
    """The characters of ``text`` that no installed font draws in the tool's figures (with the
    installed fallback fonts, as the figures get them)."""
    with fallback_fonts():
        probe = new_figure(1, 1)
        probe.text(0.5, 0.5, text)
    with missing_glyphs() as missing:
        to_png_bytes(probe)
    return missing
