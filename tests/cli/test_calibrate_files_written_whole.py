"""A calibrate stopped while it writes a result file leaves no truncated file under that name, and
``write_json`` (every command's JSON) and ``sim.model.save`` (every model file) write whole too
(QA: a SIGTERM as ``trace_2.csv.gz`` appeared left a 104-byte valid gzip holding only its header;
simulate's ``kpis.json`` and ``model.yaml`` were written in place)."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

from sim.cli import calibrate, simulate
from sim.cli.common import write_json
from sim.cli.main import config_dir
from sim.errors import ModelError
from sim.model import load, save
from tests.cli.test_overwrite_and_flags import tiny_log


def _cfg(command: str, *overrides: str):
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        return compose(config_name=command, overrides=["progress=false", "workers=1", *overrides])


def _calibrate_cfg(log: Path):
    return _cfg(
        "calibrate",
        f"log={log}",
        "backtest.replications=2",
        "backtest.in_sample=false",
        "output.report=false",
    )


def _stopped_while_writing_table(monkeypatch, name: str) -> None:
    """Make the write of the table ``name`` stop halfway with a Ctrl-C, its first rows on disk."""
    to_csv = pd.DataFrame.to_csv

    def half_then_stop(self, path=None, *args, **kwargs):
        if path is not None and getattr(path, "name", "") == name:
            to_csv(self.iloc[: len(self) // 2], path, *args, **kwargs)
            raise KeyboardInterrupt
        return to_csv(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_stop)


def _stopped_while_writing_text(monkeypatch, name: str) -> None:
    """Make a ``write_text`` into a file whose name holds ``name`` stop halfway with a Ctrl-C."""
    write_text = Path.write_text

    def half_then_stop(self, data, *args, **kwargs):
        if name in self.name:
            write_text(self, data[: len(data) // 2], *args, **kwargs)
            raise KeyboardInterrupt
        return write_text(self, data, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", half_then_stop)


@pytest.mark.parametrize(
    ("name", "written_before"),
    [("fits.csv", "model.yaml"), ("trace_2.csv.gz", "trace_1.csv.gz")],
)
def test_a_calibrate_stopped_while_writing_a_table_leaves_no_truncated_file(
    tmp_path, monkeypatch, name, written_before
):
    log = tiny_log(tmp_path / "log.csv")
    run = tmp_path / "run"
    _stopped_while_writing_table(monkeypatch, name)
    with pytest.raises(KeyboardInterrupt):
        calibrate.run(_calibrate_cfg(log), run)
    assert not (run / name).exists()
    assert not any(p.name.startswith(name) for p in run.rglob("*"))  # nor the part written
    assert not (run / ".partial").exists()
    assert (run / written_before).is_file()  # the files before it are there, whole
    if written_before.endswith(".gz"):
        with gzip.open(run / written_before) as f:
            assert f.read().count(b"\n") > 1  # more than a header
    else:
        assert load(run / written_before).steps


def test_a_calibrate_not_stopped_writes_every_table_whole(tmp_path):
    run = tmp_path / "run"
    calibrate.run(_calibrate_cfg(tiny_log(tmp_path / "log.csv")), run)
    for name in ("fits.csv", "instances.csv.gz", "history.csv.gz", "cycle_times.csv.gz"):
        assert not pd.read_csv(run / name).empty, name
    traces = pd.read_csv(run / "trace_2.csv.gz")
    assert len(traces) > 0
    with gzip.open(run / "baseline_2.csv.gz") as f:  # a valid gzip stream, read to its end
        assert f.read()
    assert json.loads((run / "backtest.json").read_text(encoding="utf-8"))
    assert not (run / ".partial").exists()


def test_write_json_stopped_halfway_keeps_the_earlier_file(tmp_path, monkeypatch):
    path = tmp_path / "kpis.json"
    path.write_text('{"old": 1}', encoding="utf-8")
    _stopped_while_writing_text(monkeypatch, "kpis.json")
    with pytest.raises(KeyboardInterrupt):
        write_json(path, {"new": list(range(100))})
    assert json.loads(path.read_text(encoding="utf-8")) == {"old": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kpis.json"]


def test_write_json_writes_the_whole_file(tmp_path):
    path = write_json(tmp_path / "a.json", {"x": float("nan"), "y": [1, 2]})
    assert json.loads(path.read_text(encoding="utf-8")) == {"x": None, "y": [1, 2]}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_a_simulate_stopped_while_writing_kpis_json_leaves_none(tmp_path, monkeypatch):
    run = tmp_path / "run"
    _stopped_while_writing_text(monkeypatch, "kpis.json")
    cfg = _cfg(
        "simulate",
        "scenario.replications=2",
        "scenario.horizon_days=7",
        "scenario.warmup_days=0",
        "output.report=false",
    )
    with pytest.raises(KeyboardInterrupt):
        simulate.run(cfg, run)
    assert not any(p.name.startswith("kpis.json") for p in run.rglob("*"))
    assert not (run / ".partial").exists()


@pytest.mark.parametrize("name", ["model.yaml", "model.json"])
def test_save_stopped_halfway_keeps_the_earlier_model(tmp_path, monkeypatch, name):
    model = load(config_dir() / "process" / "mmc.yaml")
    path = tmp_path / name
    path.write_text("earlier", encoding="utf-8")
    _stopped_while_writing_text(monkeypatch, name)
    with pytest.raises(KeyboardInterrupt):
        save(model, path, overwrite=True)
    assert path.read_text(encoding="utf-8") == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_save_writes_whole_and_keeps_its_overwrite_rule(tmp_path):
    model = load(config_dir() / "process" / "mmc.yaml")
    path = save(model, tmp_path / "sub" / "model.yaml")
    assert load(path) == model
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.yaml"]
    reference = path.parent / "reference"
    reference.write_text("x", encoding="utf-8")  # the mode a file written in place gets
    assert os.stat(path).st_mode == os.stat(reference).st_mode
    with pytest.raises(ModelError, match="model.yaml: exists already; refusing to overwrite it"):
        save(model, path)
    assert load(save(model, path, overwrite=True)) == model
