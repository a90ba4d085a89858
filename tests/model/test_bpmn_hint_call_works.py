"""The call ``sim.model.load`` suggests for a BPMN file works as written (QA researcher17 #4:
the hint read ``load_bpmn(path, params_path=None)``, a signature; ``params_path`` is
keyword-only, so the positional ``load_bpmn(bpmn, json)`` it suggested raised a TypeError)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import sim
import sim.model.interchange
from sim.errors import ModelError
from sim.model import ProcessModel, load
from sim.model.interchange import load_bpmn, save_bpmn

ROOT = Path(__file__).resolve().parents[2]
#: a call of load_bpmn with its arguments (quoted paths may hold anything but their quote)
CALL = re.compile(r"(?:sim\.model\.interchange\.)?load_bpmn\((?:'[^']*'|\"[^\"]*\"|[^()'\"])*\)")


def _hinted_calls(path: Path) -> list[str]:
    with pytest.raises(ModelError) as info:
        load(path)
    return CALL.findall(str(info.value))


@pytest.mark.parametrize("suffix", [".bpmn", ".xml"])
def test_each_call_the_hint_shows_reads_the_model(tmp_path, suffix):
    folder = tmp_path / "a folder with spaces"
    folder.mkdir()
    save_bpmn(load(ROOT / "configs/process/mmc.yaml"), folder / "mmc.bpmn")
    path = folder / f"mmc{suffix}"
    if suffix != ".bpmn":  # a BPMN file named .xml, its parameters beside it
        shutil.move(folder / "mmc.bpmn", path)
    calls = _hinted_calls(path)
    # the plain call and the one naming the parameters file, which must be a keyword
    assert len(calls) == 2 and "params_path=" in calls[1], calls
    for call in calls:
        model = eval(call, {"sim": sim, "load_bpmn": load_bpmn})  # noqa: S307 - our own text
        assert isinstance(model, ProcessModel) and model.name == "mmc", call
