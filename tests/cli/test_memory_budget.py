"""``columns.max_rows: auto``: calibrate reads at most the events the available memory can hold,
and a longer log is refused while it is read, with what to do, instead of an out-of-memory kill."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.cli import calibrate as cli_calibrate
from sim.cli import memory
from sim.errors import EventLogError

COLUMNS = {k: None for k in ("case_id", "activity", "start", "end", "resource", "time_format")}
BACKTEST = {"enabled": True}


def write_log(path: Path, cases: int) -> Path:
    lines = ["case_id,activity,start_time,end_time,resource"]
    for i in range(cases):
        lines += [
            f"{i},a,2020-01-01 09:00,2020-01-01 09:10,r1",
            f"{i},b,2020-01-01 09:20,2020-01-01 09:40,r2",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def fake_machine(tmp_path: Path, monkeypatch, *, available_kb: int, cgroup: tuple | None = None):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(f"MemTotal: 99999999 kB\nMemAvailable: {available_kb} kB\n")
    monkeypatch.setattr(memory, "MEMINFO", str(meminfo))
    files = []
    if cgroup is not None:
        limit, usage = tmp_path / "memory.max", tmp_path / "memory.current"
        limit.write_text(f"{cgroup[0]}\n")
        usage.write_text(f"{cgroup[1]}\n")
        files.append((str(limit), str(usage)))
    monkeypatch.setattr(memory, "_CGROUP_FILES", tuple(files))


def test_available_memory_is_the_lower_of_the_machine_and_the_container(tmp_path, monkeypatch):
    fake_machine(tmp_path, monkeypatch, available_kb=8_000_000)
    assert memory.available_memory_bytes() == 8_000_000 * 1024
    fake_machine(tmp_path, monkeypatch, available_kb=8_000_000, cgroup=(3_000_000_000, 1_000))
    assert memory.available_memory_bytes() == 3_000_000_000 - 1_000
    fake_machine(tmp_path, monkeypatch, available_kb=8_000_000, cgroup=("max", 1_000))
    assert memory.available_memory_bytes() == 8_000_000 * 1024  # no container limit


def test_unknown_memory_falls_back_to_the_fixed_limit(monkeypatch):
    monkeypatch.setattr(memory, "MEMINFO", "/nonexistent/meminfo")
    monkeypatch.setattr(memory, "_CGROUP_FILES", ())
    assert memory.available_memory_bytes() is None
    assert memory.event_budget(None, backtest=True) == memory.FALLBACK_MAX_ROWS


@pytest.mark.parametrize("backtest", [True, False])
def test_the_budget_grows_with_memory(backtest):
    base = memory.base_bytes(backtest=backtest)
    per = memory.bytes_per_event(backtest=backtest)
    assert memory.event_budget(base + 1_000 * per, backtest=backtest) == 1_000
    assert memory.event_budget(base + 2_000 * per, backtest=backtest) == 2_000
    assert memory.event_budget(0, backtest=backtest) == 0


def test_the_back_test_costs_memory():
    more = memory.bytes_per_event(backtest=True)
    assert more > memory.bytes_per_event(backtest=False)
    assert memory.event_budget(10**10, backtest=True) < memory.event_budget(10**10, backtest=False)


def budget_bytes(events: int, *, backtest: bool = True) -> int:
    """Available memory whose budget is ``events`` events."""
    return memory.base_bytes(backtest=backtest) + events * memory.bytes_per_event(backtest=backtest)


def test_a_log_beyond_the_memory_budget_is_refused_with_what_to_do(tmp_path, monkeypatch):
    log = write_log(tmp_path / "log.csv", cases=20)  # 40 events
    monkeypatch.setattr(cli_calibrate, "available_memory_bytes", lambda: budget_bytes(30))
    cfg = OmegaConf.create({"columns": {**COLUMNS, "max_rows": "auto"}, "backtest": BACKTEST})
    with pytest.raises(EventLogError) as err:
        cli_calibrate._read(log, cfg, "log", cli_calibrate._max_rows(cfg))
    text = str(err.value)
    assert str(log) in text and "more than 30 events" in text
    assert "available memory" in text and "columns.max_rows=<events>" in text
    assert "backtest.enabled=false" in text  # without the back-test more would fit
    # without the back-test the same memory holds more events
    no_backtest = OmegaConf.create(
        {"columns": {**COLUMNS, "max_rows": "auto"}, "backtest": {"enabled": False}}
    )
    assert cli_calibrate._read(log, no_backtest, "log", None).report.rows_read == 40
    # within the budget it reads, and only the events read so far count against a second log
    monkeypatch.setattr(cli_calibrate, "available_memory_bytes", lambda: budget_bytes(45))
    assert cli_calibrate._read(log, cfg, "log", None).report.rows_read == 40
    with pytest.raises(EventLogError, match="with the 40 events of the log read before it") as e:
        cli_calibrate._read(log, cfg, "backtest.log", None, held=40)
    assert "holds 45 events in all" in str(e.value) and "may have 5 at most" in str(e.value)
    # no room at all: refused before reading, without '1 events' or '0.0 GB'
    monkeypatch.setattr(cli_calibrate, "available_memory_bytes", lambda: 10**8)
    with pytest.raises(EventLogError, match="less than calibrate and back-test needs before any"):
        cli_calibrate._read(log, cfg, "log", None)


def test_an_explicit_limit_is_not_second_guessed_by_the_memory_check(tmp_path, monkeypatch):
    log = write_log(tmp_path / "log.csv", cases=20)
    monkeypatch.setattr(cli_calibrate, "available_memory_bytes", lambda: budget_bytes(1))
    cfg = OmegaConf.create({"columns": {**COLUMNS, "max_rows": 100}, "backtest": BACKTEST})
    assert cli_calibrate._read(log, cfg, "log", cli_calibrate._max_rows(cfg)).n_cases == 20


def fake_hydra_job(monkeypatch, mode: str, launcher: dict) -> None:
    """Make ``jobs_at_once`` see a Hydra job of ``mode`` with ``launcher`` as its launcher."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    hc = OmegaConf.create({"mode": RunMode[mode], "launcher": launcher})
    monkeypatch.setattr(HydraConfig, "initialized", staticmethod(lambda: True))
    monkeypatch.setattr(HydraConfig, "get", staticmethod(lambda: hc))


@pytest.mark.parametrize(
    ("mode", "launcher", "jobs"),
    [
        ("MULTIRUN", {"n_jobs": 3}, 3),
        ("MULTIRUN", {"n_jobs": -1}, "cores"),
        ("MULTIRUN", {"n_jobs": -2}, "cores - 1"),
        ("MULTIRUN", {"_target_": "hydra._internal.core_plugins.basic_launcher"}, 1),
        ("RUN", {"n_jobs": 3}, 1),  # a single run launches nothing
    ],
)
def test_jobs_at_once_reads_a_parallel_launcher(monkeypatch, mode, launcher, jobs):
    import os

    from sim.cli.common import jobs_at_once

    assert jobs_at_once() == 1  # outside Hydra
    fake_hydra_job(monkeypatch, mode, launcher)
    cores = os.cpu_count() or 1
    expected = {"cores": cores, "cores - 1": max(cores - 1, 1)}.get(jobs, jobs)
    assert jobs_at_once() == expected


def test_jobs_of_a_sweep_running_at_once_share_the_memory(tmp_path, monkeypatch):
    """QA 6b #15: two calibrations under hydra.launcher.n_jobs=2 each took the whole available
    memory as their budget, together twice what ``auto`` promised."""
    log = write_log(tmp_path / "log.csv", cases=20)  # 40 events
    room = 2 * budget_bytes(30)  # each of two jobs: its base and 30 events
    monkeypatch.setattr(cli_calibrate, "available_memory_bytes", lambda: room)
    cfg = OmegaConf.create({"columns": {**COLUMNS, "max_rows": "auto"}, "backtest": BACKTEST})
    assert cli_calibrate._read(log, cfg, "log", None).report.rows_read == 40  # alone: it fits
    monkeypatch.setattr(cli_calibrate, "jobs_at_once", lambda: 2)
    with pytest.raises(EventLogError) as err:
        cli_calibrate._read(log, cfg, "log", None)
    text = str(err.value)
    assert "more than 30 events" in text
    assert "this job's 1/2 with 2 jobs of the sweep at once" in text
    assert "hydra.launcher.n_jobs=2" in text
