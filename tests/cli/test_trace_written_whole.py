"""A simulate stopped while it writes its trace leaves no trace under the final name (QA scale
#2: an interrupted run left a valid but truncated ``trace.csv.gz``, 619,995 of 3,000,654 rows,
gzip intact, beside ``kpis.json``)."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

from sim.cli import simulate
from sim.cli.common import written_whole
from sim.cli.main import config_dir


def _cfg(*overrides: str):
    with initialize_config_dir(config_dir=str(config_dir()), version_base="1.3"):
        return compose(
            config_name="simulate",
            overrides=[
                "scenario.replications=2",
                "scenario.horizon_days=7",
                "scenario.warmup_days=0",
                "workers=1",
                "progress=false",
                "output.trace=true",
                "output.report=false",
                *overrides,
            ],
        )


def _stopped_while_writing(monkeypatch, name: str) -> None:
    """Make the write of the file ``name`` stop halfway with a Ctrl-C, its first rows on disk."""
    to_csv = pd.DataFrame.to_csv

    def half_then_stop(self, path=None, *args, **kwargs):
        if path is not None and getattr(path, "name", "") == name:
            to_csv(self.iloc[: len(self) // 2], path, *args, **kwargs)
            raise KeyboardInterrupt
        return to_csv(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_stop)


@pytest.mark.parametrize("name", ["trace.csv.gz", "cycle_times.csv.gz"])
def test_a_simulate_stopped_while_writing_leaves_no_truncated_file(tmp_path, monkeypatch, name):
    run = tmp_path / "run"
    _stopped_while_writing(monkeypatch, name)
    with pytest.raises(KeyboardInterrupt):
        simulate.run(_cfg(), run)
    assert not (run / name).exists()
    assert not any(p.name.startswith(name) for p in run.rglob("*"))  # nor the part written
    assert not (run / ".partial").exists()


def test_a_simulate_not_stopped_writes_the_whole_trace(tmp_path):
    run = tmp_path / "run"
    simulate.run(_cfg(), run)
    log = pd.read_csv(run / "trace.csv.gz")
    assert set(log["replication"]) == {0, 1}
    with gzip.open(run / "trace.csv.gz") as f:  # a valid gzip stream, read to its end
        assert f.read()
    assert (run / "cycle_times.csv.gz").is_file() and not (run / ".partial").exists()


def test_written_whole_keeps_an_earlier_file_when_the_new_write_fails(tmp_path):
    path = tmp_path / "kpis.csv"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(OSError), written_whole(path) as part:
        part.write_text("new, half", encoding="utf-8")
        raise OSError("disk full")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kpis.csv"]
