"""The table of what each command writes (``sim.model.run_records.RESULT_FILES``) is kept by hand;
``output.overwrite=true`` removes what it lists. Every file a run writes with all its outputs on
must be in it, or a rerun would leave that file of the earlier run beside its own record."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli.overwrite import earlier_results
from tests.cli.test_overwrite_and_flags import run_sim, tiny_log

SMALL = ["scenario.replications=2", "scenario.horizon_days=4", "scenario.warmup_days=1"]
QUIET = ["progress=false", "workers=1"]


def written(run: Path) -> set[str]:
    """Every file of the run directory but Hydra's own (``.hydra/``, ``main.log``)."""
    return {
        p.relative_to(run).as_posix()
        for p in run.rglob("*")
        if p.is_file() and p.relative_to(run).parts[0] != ".hydra" and p.name != "main.log"
    }


def listed(run: Path) -> set[str]:
    return {p.relative_to(run).as_posix() for p in earlier_results(run)}


def _simulate(tmp_path: Path) -> Path:
    run = tmp_path / "sim"
    res = run_sim(
        "simulate", "process=mmc", *SMALL, *QUIET, "output.trace=true", f"hydra.run.dir={run}"
    )
    assert res.returncode == 0, res.stderr
    return run


def _calibrate(tmp_path: Path) -> Path:
    run = tmp_path / "cal"
    log = tiny_log(tmp_path / "log.csv")
    res = run_sim(
        "calibrate", f"log={log}", "backtest.replications=2", *QUIET, f"hydra.run.dir={run}"
    )
    assert res.returncode == 0, res.stderr
    return run


def _compare(tmp_path: Path) -> Path:
    runs = []
    for staff in (1, 2):
        run = tmp_path / f"s{staff}"
        res = run_sim(
            "simulate",
            "process=mmc",
            *SMALL,
            *QUIET,
            f"scenario.staffing.server={staff}",
            "output.report=false",
            f"hydra.run.dir={run}",
        )
        assert res.returncode == 0, res.stderr
        runs.append(str(run))
    run = tmp_path / "cmp"
    res = run_sim("compare", f"runs=[{','.join(runs)}]", f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    return run


def _export(tmp_path: Path) -> Path:
    run = tmp_path / "exp"
    res = run_sim("export", "process=mmc", "format=bpmn", f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    return run


@pytest.mark.parametrize(
    "make", [_simulate, _calibrate, _compare, _export], ids=lambda f: f.__name__[1:]
)
def test_every_file_a_run_writes_is_in_the_overwrite_table(tmp_path, make):
    run = make(tmp_path)
    files = written(run)
    assert "run.json" in files and len(files) > 2  # a real run, not an empty directory
    assert files - listed(run) == set(), "add these to sim.model.run_records.RESULT_FILES"


def test_overwrite_refuses_to_remove_a_file_this_run_reads(tmp_path):
    """QA 2026-12-04: calibrating the earlier run's history.csv.gz into its own directory with
    output.overwrite=true removed the log it had just read (run.json then held its hash)."""
    import json

    from sim.cli.overwrite import clear_earlier_run
    from sim.errors import ConfigError

    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"command": "calibrate", "status": "finished"}))
    for name in ("history.csv.gz", "model.yaml", "backtest.json"):
        (run / name).write_text("x")
    with pytest.raises(ConfigError, match="would remove .*history.csv.gz, which this run reads"):
        clear_earlier_run(run, reads=[tmp_path / "elsewhere.csv", run / "history.csv.gz"])
    assert sorted(p.name for p in run.iterdir()) == [
        "backtest.json", "history.csv.gz", "model.yaml", "run.json"
    ]  # fmt: skip
    assert clear_earlier_run(run, reads=[tmp_path / "elsewhere.csv"]) == 4
