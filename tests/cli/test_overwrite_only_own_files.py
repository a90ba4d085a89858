"""QA hydra25: ``output.overwrite=true`` removed a user's ``trace.csv.gz`` (and numbered PNGs in
``report/``) beside an earlier run that had ``output.trace=false`` (no figures): files that run
never wrote. Its ``config.yaml`` says which optional results it wrote; where it does not say (an
older run), the files go by name as before, each named on the console."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from sim.cli.overwrite import clear_earlier_run
from tests.simcli import QUICK_SIMULATE, run_sim


def _earlier_run(run: Path, command: str, config: str | None, files: list[str]) -> None:
    """A run directory as ``command`` leaves it: its record, ``config`` and ``files``."""
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"command": command, "status": "finished"}))
    if config is not None:
        (run / "config.yaml").write_text(config)
    for name in files:
        (run / name).parent.mkdir(exist_ok=True)
        (run / name).write_text("written by the run")


def test_a_users_trace_and_figures_beside_a_run_without_them_stay(tmp_path):
    run = tmp_path / "run"
    args = ["simulate", "process=mmc", *QUICK_SIMULATE, f"hydra.run.dir={run}"]
    first = run_sim(*args)
    assert first.returncode == 0, first.stderr
    assert not (run / "trace.csv.gz").exists()  # output.trace=false: not its file
    (run / "trace.csv.gz").write_bytes(gzip.compress(b"user data\n"))
    (run / "report").mkdir()
    (run / "report" / "01_mine.png").write_text("my figure")
    again = run_sim(*args, "output.overwrite=true")
    assert again.returncode == 0, again.stderr
    assert gzip.decompress((run / "trace.csv.gz").read_bytes()) == b"user data\n"
    assert (run / "report" / "01_mine.png").read_text() == "my figure"
    said = next(x for x in again.stdout.splitlines() if x.startswith("output.overwrite=true"))
    assert "kept 2 other file(s) (report/01_mine.png, trace.csv.gz)" in said
    assert {"kpis.json", "replications.csv", "run.json"} <= {p.name for p in run.iterdir()}


@pytest.mark.parametrize(
    ("command", "config", "kept", "removed"),
    [
        (  # a parquet trace: a trace.csv.gz is not its
            "simulate",
            "output: {trace: true, trace_format: parquet, report: true, figures: true}",
            ["trace.csv.gz"],
            ["trace.parquet", "report/01_map.png"],
        ),
        (  # figures off: the report's numbered PNGs are not its
            "simulate",
            "output: {trace: true, trace_format: csv.gz, report: true, figures: false}",
            ["report/01_map.png"],
            ["trace.csv.gz"],
        ),
        (  # back-test traces off
            "calibrate",
            "backtest: {enabled: true, write_traces: false}\noutput: {report: false, figures: true}",
            ["trace_1.csv.gz", "baseline_1.csv.gz", "report/01_map.png"],
            ["backtest.json"],
        ),
    ],
)
def test_only_what_the_config_wrote_goes(tmp_path, capsys, command, config, kept, removed):
    run = tmp_path / "run"
    _earlier_run(run, command, config, kept + removed)
    assert clear_earlier_run(run) == len(removed) + 2  # and run.json, config.yaml
    assert all((run / name).read_text() == "written by the run" for name in kept)
    assert not any((run / name).exists() for name in removed)
    assert "by name" not in capsys.readouterr().out  # the record said: a count is enough


@pytest.mark.parametrize(
    "config",
    [None, "output: {report: true}", "not: [a, mapping"],
    ids=["no config.yaml", "an older config.yaml", "unreadable"],
)
def test_a_record_that_does_not_say_removes_by_name_and_names_each(tmp_path, capsys, config):
    run = tmp_path / "run"
    _earlier_run(run, "simulate", config, ["kpis.json", "trace.csv.gz", "report/01_map.png"])
    (run / "notes.txt").write_text("mine")
    clear_earlier_run(run)
    said = capsys.readouterr().out
    assert not (run / "trace.csv.gz").exists() and not (run / "report").exists()
    for name in ("kpis.json", "trace.csv.gz", "report/01_map.png", "run.json"):
        assert name in said.split("; kept")[0], name
    assert "by name, its run.json and config.yaml not saying" in said
    assert (run / "notes.txt").read_text() == "mine"
