"""``sim.model.jsonio.write_json`` (optimize's confirmation.json) writes whole: a stop while
writing keeps the earlier file of that name, never a truncated one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.model.jsonio import write_json


def test_a_write_stopped_halfway_keeps_the_earlier_file(tmp_path, monkeypatch):
    path = tmp_path / "confirmation.json"
    path.write_text('{"old": true}', encoding="utf-8")
    write_text = Path.write_text

    def half_then_stop(self, text, *args, **kwargs):
        write_text(self, text[: len(text) // 2], *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_text", half_then_stop)
    with pytest.raises(KeyboardInterrupt):
        write_json(path, {"new": list(range(100))})
    monkeypatch.undo()
    assert json.loads(path.read_text(encoding="utf-8")) == {"old": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["confirmation.json"]


def test_a_write_not_stopped_replaces_the_file(tmp_path):
    path = write_json(tmp_path / "c.json", {"x": float("nan"), "y": [1, 2]})
    assert json.loads(path.read_text(encoding="utf-8")) == {"x": None, "y": [1, 2]}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json"]
