"""Running out of memory ends a run with a message and a failed run record, not a MemoryError
traceback with run.json left "running" (QA scale #2, #6: under `ulimit -v`)."""

from __future__ import annotations

import json

import pytest

from sim.cli import main as cli


def test_a_memory_error_is_said_and_recorded(tmp_path, monkeypatch, capsys):
    import sim.cli.simulate as simulate

    def run(cfg, run_dir, **kwargs):
        raise MemoryError

    monkeypatch.setattr(simulate, "run", run)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["simulate", "process=mmc", "progress=false", f"hydra.run.dir={tmp_path / 'r'}"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "error: simulate ran out of memory" in err and "Traceback" not in err
    record = tmp_path / "r" / "run.json"
    if record.exists():  # a refused new run leaves no directory; if it does, not "running"
        assert json.loads(record.read_text())["status"] != "running"
