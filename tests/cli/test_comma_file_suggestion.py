"""A swept model file whose name holds a comma is refused saying how to quote it; the quoted
form suggested keeps the sweep's other items only when they are files: a sweep is of files or
of bundled names, not both. QA: ``process=<dir>/a,b/model.yaml,mmc`` was told to use
``"process='<dir>/a,b/model.yaml',mmc"``, which is then refused ("a sweep of either bundled
names or files, not both")."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli.main import config_dir, rewrite_process_override
from sim.errors import SimError

MODEL = Path(__file__).resolve().parents[2] / "configs" / "process" / "mmc.yaml"


def _refusal(*args: str) -> str:
    with pytest.raises(SimError) as info:
        rewrite_process_override(["--multirun", *args], config_dir())
    return str(info.value)


def _comma_file(tmp_path: Path) -> Path:
    path = tmp_path / "1_backtest.enabled=False,progress=False" / "model.yaml"
    path.parent.mkdir()
    path.write_bytes(MODEL.read_bytes())
    return path


def test_beside_a_bundled_name_the_file_is_suggested_alone(tmp_path):
    path = _comma_file(tmp_path)
    said = _refusal(f"process={path},mmc")
    assert f"quote it, as Hydra reads quotes: process='{path}' (in the shell" in said
    assert f"'{path}',mmc" not in said
    assert f"\"process='{path}',other.yaml\"" in said
    assert "run process=mmc apart" in said
    # what it suggests is accepted
    out = rewrite_process_override(["--multirun", f"process='{path}'"], config_dir())
    assert out[1] == "process=_from_file"


def test_beside_other_files_and_a_bundled_name_it_keeps_the_files(tmp_path):
    path = _comma_file(tmp_path)
    other = tmp_path / "other.yaml"
    other.write_bytes(MODEL.read_bytes())
    said = _refusal(f"process={other},{path},mmc")
    suggested = f"process={other},'{path}'"
    assert f"as Hydra reads quotes: {suggested} (in the shell" in said
    assert "run process=mmc apart" in said
    out = rewrite_process_override(["--multirun", suggested], config_dir())
    assert out[1] == "process=_from_file"


def test_beside_files_only_nothing_is_set_apart(tmp_path):
    path = _comma_file(tmp_path)
    other = tmp_path / "other.yaml"
    other.write_bytes(MODEL.read_bytes())
    said = _refusal(f"process={path},{other}")
    assert f"process='{path}',{other} (in the shell" in said
    assert "apart" not in said
