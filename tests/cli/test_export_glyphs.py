"""export format=png of a model named in letters no installed font has: one note, not
matplotlib's warning per glyph (QA 2026-12-05 simulate #8)."""

from __future__ import annotations

from tests.glyphs import characters_no_font_draws
from tests.simcli import run_sim

MODEL = """
name: 审批
start: 审核
arrivals:
  interarrival: {dist: exponential, mean: 1.0}
roles:
  法务: {headcount: 1}
steps:
  审核:
    role: 法务
    duration: {dist: exponential, mean: 0.5}
    next: done
ends:
  done: {success: true}
"""


def test_a_png_export_says_which_characters_it_cannot_draw(tmp_path):
    model = tmp_path / "m.yaml"
    model.write_text(MODEL, encoding="utf-8")
    res = run_sim("export", f"process={model}", "format=png", f"hydra.run.dir={tmp_path / 'e'}")
    assert res.returncode == 0, res.stderr
    assert "UserWarning" not in res.stderr and "Glyph" not in res.stderr
    if characters_no_font_draws("法务审核"):  # no installed font has them (the usual Linux machine)
        assert "note: the map cannot draw" in res.stdout and "法" in res.stdout
    else:
        assert "cannot draw" not in res.stdout
