"""Running out of memory ends a run with a message and a failed run record, not a MemoryError
traceback with run.json left "running" (QA scale #2, #6: under `ulimit -v`)."""

from __future__ import annotations

import json

from tests.simcli import simulate_ending_in


def test_a_memory_error_is_said_and_recorded(tmp_path, monkeypatch, capsys):
    err = simulate_ending_in(MemoryError(), tmp_path, monkeypatch, capsys)
    assert "error: simulate ran out of memory" in err
    record = tmp_path / "r" / "run.json"
    if record.exists():  # a refused new run leaves no directory; if it does, not "running"
        assert json.loads(record.read_text())["status"] != "running"
