"""export format=svg and format=pdf: the process map as vector files, whose text stays sharp at
any zoom however large the map; a PNG map too large to read says so in one console note that
points at them (QA exportfmt18: a map of every step warned "save it as .svg or .pdf", which
export could not write, as a Python ``IllegibleFigureWarning`` on stderr)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
import yaml
from PIL import Image

from sim.cli.export import export_stem, file_stem
from sim.report.layout import pretty
from tests.simcli import run_sim


def chain_model(tmp_path: Path, steps: int, name: str = "long_chain") -> Path:
    """A model of ``steps`` steps one after another in one role: its map is one row of boxes,
    about 2.4 inches a step (200 steps: over 480 inches, too wide for a legible PNG)."""
    model = {
        "schema_version": 1,
        "name": name,
        "time_unit": "hours",
        "start": "task_000",
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 1.0}},
        "roles": {"clerk": {"headcount": 50}},
        "steps": {
            f"task_{i:03d}": {
                "role": "clerk",
                "duration": {"dist": "exponential", "mean": 0.1},
                "next": f"task_{i + 1:03d}" if i + 1 < steps else "done",
            }
            for i in range(steps)
        },
        "ends": {"done": {"success": True}},
    }
    path = tmp_path / f"chain{steps}.yaml"
    path.write_text(yaml.safe_dump(model, sort_keys=False), encoding="utf-8")
    return path


def labels(steps: int) -> list[str]:
    """The text of each step's box on the map (``task_007`` -> ``Task 007``)."""
    return [pretty(f"task_{i:03d}") for i in range(steps)]


def svg_texts(path: Path) -> list[str]:
    """The texts drawn in a matplotlib SVG (its glyphs are paths, each text preceded by a
    comment holding it); the file must parse as XML."""
    ET.parse(path)  # well-formed, or ParseError naming the line
    return re.findall(r"<!-- (.*?) -->", path.read_text(encoding="utf-8"))


def pdf_texts(path: Path) -> tuple[list[str], list[float]]:
    """The texts drawn in a one-page matplotlib PDF (its compressed content streams' ``TJ``
    arrays, kerning left out) and the page's MediaBox."""
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"), f"{path}: not a PDF"
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") == 1, f"{path}: one page"
    box = re.search(rb"/MediaBox \[([^\]]*)\]", data)
    assert box, f"{path}: no MediaBox"
    texts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:  # a font's or an image's data, not a page's content
            continue
        for array in re.findall(rb"\[(.*?)\]\s*TJ", content, re.S):
            parts = re.findall(rb"\(((?:[^()\\]|\\.)*)\)", array)
            texts.append(b"".join(re.sub(rb"\\(.)", rb"\1", p) for p in parts).decode("latin-1"))
    return texts, [float(x) for x in box.group(1).split()]


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_a_vector_map_is_written_after_the_model_with_map_steps(tmp_path, fmt):
    name = "order/../to cash"  # named after the model, made safe as every export's file
    run = tmp_path / "e"
    res = run_sim(
        "export",
        f"process={chain_model(tmp_path, 40, name=name)}",
        f"format={fmt}",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    path = run / f"{file_stem(name)}.{fmt}"
    assert f"wrote {path}" in res.stdout
    assert json.loads((run / "run.json").read_text())["path"] == str(path)
    # map_steps=30 (the default) as for a PNG: the 30 most visited steps, and a note
    assert "the map draws the 30 most visited of the model's 40 steps" in res.stdout
    texts = svg_texts(path) if fmt == "svg" else pdf_texts(path)[0]
    drawn = [x for x in labels(40) if x in texts]
    assert len(drawn) == 30, drawn
    assert "Warning" not in res.stderr


def test_a_png_map_too_large_to_read_says_so_in_one_note(tmp_path):
    run = tmp_path / "e"
    res = run_sim(
        "export",
        f"process={chain_model(tmp_path, 200)}",
        "format=png",
        "map_steps=null",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    assert "IllegibleFigureWarning" not in res.stderr and "UserWarning" not in res.stderr
    path = run / "long_chain.png"
    notes = [line for line in res.stdout.splitlines() if "cannot be read" in line]
    assert len(notes) == 1, res.stdout
    note = notes[0]
    assert note.startswith(f"note: {path}: the map of 200 steps is ")
    assert "format=svg" in note and "map_steps=30" in note
    # the size it names is the picture's
    with Image.open(path) as png:
        assert png.format == "PNG"
        assert f"{png.width} x {png.height} px" in note, (png.size, note)
    assert f"wrote {path}" in res.stdout


@pytest.mark.parametrize("fmt", ["svg", "pdf"])
def test_every_step_of_a_huge_map_is_written_as_vector_text(tmp_path, fmt):
    run = tmp_path / "e"
    res = run_sim(
        "export",
        f"process={chain_model(tmp_path, 200)}",
        f"format={fmt}",
        "map_steps=null",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    assert "cannot be read" not in res.stdout and "Warning" not in res.stderr
    path = run / f"long_chain.{fmt}"
    if fmt == "svg":
        texts = svg_texts(path)
        assert "<image" not in path.read_text(encoding="utf-8")  # nothing rasterised
    else:
        texts, box = pdf_texts(path)
        width_in = (box[2] - box[0]) / 72
        assert width_in > 400  # the whole map on its one page, at full size
        # over the 200 inches Acrobat shows: said, with the way out
        assert f"note: {path}: the map is {width_in:.0f} x " in res.stdout
        assert "Adobe Acrobat" in res.stdout and "format=svg" in res.stdout
    missing = [x for x in labels(200) if x not in texts]
    assert not missing, missing


def test_vector_maps_keep_the_rule_for_the_runs_own_names():
    # no file of the run ends in .svg or .pdf: a model named like one keeps its name
    for fmt in ("svg", "pdf"):
        assert export_stem("run", fmt) == "run"
        assert export_stem("config", fmt) == "config"
        assert export_stem("report", fmt) == "report"
