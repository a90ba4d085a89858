"""A map too large for ``MAX_PIXELS`` is saved at a dpi whose text can still be read, and a
figure too large even for that says so (QA plots18 #3: ``export format=png map_steps=null`` of
the 113 steps of BPIC 2012 W was saved at 35 dpi, its 7-pt labels 3.5 px high)."""

from __future__ import annotations

import warnings

import pytest
import yaml
from matplotlib.image import imread

from sim.model import load
from sim.report import draw_process_map, save_figure
from sim.report._mpl import (
    LEGIBLE_DPI,
    MAX_PIXELS,
    IllegibleFigureWarning,
    new_figure,
    saving_dpi,
)
from tests.simcli import run_sim

N_STEPS = 60  # a chain about 150 inches wide: MAX_PIXELS alone would give it 60 dpi


def _chain_model(path):
    steps = [f"step_{k:02d}" for k in range(N_STEPS)]
    doc = {
        "schema_version": 1,
        "name": "long_chain",
        "time_unit": "hours",
        "start": steps[0],
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
        "roles": {"clerk": {"headcount": 2}},
        "steps": {
            s: {
                "role": "clerk",
                "duration": {"dist": "exponential", "mean": 0.2},
                "next": steps[k + 1] if k + 1 < N_STEPS else "done",
            }
            for k, s in enumerate(steps)
        },
        "ends": {"done": {"success": True}},
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def _png_dpi(png, width_in: float) -> float:
    return imread(png).shape[1] / width_in


def test_export_of_every_step_writes_a_png_whose_labels_can_be_read(tmp_path):
    model_path = _chain_model(tmp_path / "long_chain.yaml")
    width, _h = draw_process_map(load(model_path), max_steps=None).get_size_inches()
    assert width * 110 > MAX_PIXELS  # the case of the finding: the cap alone lowers the dpi
    out = tmp_path / "e"
    res = run_sim(
        "export", f"process={model_path}", "format=png", "map_steps=null", f"hydra.run.dir={out}"
    )
    assert res.returncode == 0, res.stderr
    assert "IllegibleFigureWarning" not in res.stderr
    dpi = _png_dpi(out / "long_chain.png", width)
    assert dpi >= LEGIBLE_DPI - 0.5, dpi  # 7-pt labels at least 7 px high
    assert 7 * dpi / 72 >= 6.9


def test_a_figure_too_large_to_read_says_so_and_names_its_dpi(tmp_path):
    fig = new_figure(600, 2)  # beyond LEGIBLE_MAX_SIDE at LEGIBLE_DPI
    fig.text(0.01, 0.5, "a label", fontsize=7)
    used = saving_dpi(600, 2)
    assert used < LEGIBLE_DPI
    with pytest.warns(IllegibleFigureWarning) as caught:
        save_figure(fig, tmp_path / "huge.png")
    msg = str(caught[0].message)
    assert f"{used:.0f} dpi" in msg and ".svg" in msg and "huge.png" in msg, msg
    # a vector picture keeps its text: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", IllegibleFigureWarning)
        save_figure(fig, tmp_path / "huge.svg")


def test_small_figures_and_a_lower_dpi_asked_for_are_saved_as_before(tmp_path):
    assert saving_dpi(9, 6) == 110
    assert saving_dpi(9, 6, 40) == 40  # asked for: kept, no warning
    assert saving_dpi(100, 10) == pytest.approx(MAX_PIXELS / 100)  # 90 dpi: cap, still legible
    fig = new_figure(9, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", IllegibleFigureWarning)
        save_figure(fig, tmp_path / "small.png", dpi=40)
    assert _png_dpi(tmp_path / "small.png", 9) == pytest.approx(40, abs=0.5)
