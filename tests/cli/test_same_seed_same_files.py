"""Same seed, same files: two runs of a command write byte-identical results, apart from the
run record (run.json, .hydra/hydra.yaml: times and directories) and measured timings."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests import simcli

TIMING_KEYS = {"seconds", "simulation_seconds", "timings_s"}


def run_sim(*args: str) -> None:
    res = simcli.run_sim(*args)
    assert res.returncode == 0, res.stderr


def without_timings(value):
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def assert_same_files(a: Path, b: Path) -> None:
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for f in files:
        if f.name == "run.json" or f == Path(".hydra/hydra.yaml"):
            continue
        if f.suffix == ".json":
            one, two = (json.loads((d / f).read_text()) for d in (a, b))
            assert without_timings(one) == without_timings(two), f
        else:
            assert (a / f).read_bytes() == (b / f).read_bytes(), f  # gz: no time in the header


def write_log(path: Path) -> Path:
    lines = ["case_id,activity,start_time,end_time,resource"]
    for i in range(60):
        day, h = f"2020-01-{1 + i // 6:02d}", 9 + i % 6
        lines += [
            f"{i},a,{day} {h}:00,{day} {h}:10,r{i % 2}",
            f"{i},b,{day} {h}:20,{day} {h}:{35 + i % 20},r{2 + i % 2}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_calibrate_twice_writes_the_same_files(tmp_path):
    log = write_log(tmp_path / "log.csv")
    for name in ("a", "b"):
        run_sim(
            "calibrate",
            f"log={log}",
            "backtest.replications=2",
            "output.report=false",
            "progress=false",
            "workers=1",
            f"hydra.run.dir={tmp_path / name}",
        )
        time.sleep(1.1)  # a gzip header's time has a resolution of one second
    assert (tmp_path / "a" / "trace_1.csv.gz").is_file()
    assert_same_files(tmp_path / "a", tmp_path / "b")


def test_simulate_twice_writes_the_same_files_trace_included(tmp_path):
    for name in ("a", "b"):
        run_sim(
            "simulate",
            "process=mmc",
            "scenario.replications=2",
            "scenario.horizon_days=3",
            "output.trace=true",
            "output.report=false",
            "progress=false",
            f"hydra.run.dir={tmp_path / name}",
        )
        time.sleep(1.1)
    assert (tmp_path / "a" / "trace.csv.gz").is_file()
    assert_same_files(tmp_path / "a", tmp_path / "b")
