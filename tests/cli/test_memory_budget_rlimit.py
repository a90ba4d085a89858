"""The calibrate memory budget counts this process's own limits (QA scale #4: under ``ulimit -v
2500000`` it said 23.5 M events fit, from the machine's memory, and the run ended in a raw
MemoryError 134 s later)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from sim.cli import memory
from tests.conftest import REPO

GB = 1_000_000_000


def fake_process(tmp_path: Path, monkeypatch, *, limits: dict[str, int], vm_size_kb: int) -> None:
    """A machine with 8 GB available and no container limit; this process at ``vm_size_kb`` of
    address space (``VmData`` half of it), under ``limits`` (``RLIMIT_AS``...: bytes)."""
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 99999999 kB\nMemAvailable: 8000000 kB\n")
    status = tmp_path / "status"
    status.write_text(f"Name: python\nVmSize: {vm_size_kb} kB\nVmData: {vm_size_kb // 2} kB\n")
    monkeypatch.setattr(memory, "MEMINFO", str(meminfo))
    monkeypatch.setattr(memory, "STATUS", str(status))
    monkeypatch.setattr(memory, "_CGROUP_FILES", ())
    infinity = -1
    fake = SimpleNamespace(
        RLIMIT_AS=1,
        RLIMIT_DATA=2,
        RLIM_INFINITY=infinity,
        getrlimit=lambda which: (
            limits.get({1: "RLIMIT_AS", 2: "RLIMIT_DATA"}[which], infinity),
            infinity,
        ),
    )
    monkeypatch.setattr(memory, "resource", fake)


def test_an_address_space_limit_lowers_the_available_memory(tmp_path, monkeypatch):
    fake_process(tmp_path, monkeypatch, limits={"RLIMIT_AS": 2_560_000_000}, vm_size_kb=500_000)
    assert memory.available_memory_bytes() == 2_560_000_000 - 500_000 * 1024
    fake_process(tmp_path, monkeypatch, limits={"RLIMIT_DATA": 3 * GB}, vm_size_kb=500_000)
    assert memory.available_memory_bytes() == 3 * GB - 250_000 * 1024


def test_no_limit_or_a_higher_one_leaves_the_machines_memory(tmp_path, monkeypatch):
    fake_process(tmp_path, monkeypatch, limits={}, vm_size_kb=500_000)
    assert memory.available_memory_bytes() == 8_000_000 * 1024
    fake_process(tmp_path, monkeypatch, limits={"RLIMIT_AS": 64 * GB}, vm_size_kb=500_000)
    assert memory.available_memory_bytes() == 8_000_000 * 1024


def test_a_limit_used_up_leaves_no_room(tmp_path, monkeypatch):
    fake_process(tmp_path, monkeypatch, limits={"RLIMIT_AS": GB}, vm_size_kb=2_000_000)
    assert memory.available_memory_bytes() == 0
    assert memory.event_budget(0, backtest=True) == 0


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="Linux /proc needed")
def test_a_process_under_ulimit_v_gets_a_budget_within_it():
    limit = 2_500_000 * 1024  # ulimit -v 2500000, as QA ran it

    def under_limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    code = (
        "from sim.cli import memory; a = memory.available_memory_bytes(); "
        "print(a, memory.event_budget(a, backtest=True))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        preexec_fn=under_limit,
        check=True,
        timeout=120,
    )
    available, budget = map(int, done.stdout.split())
    assert 0 <= available < limit
    # what the back-test's estimate can fit in the limit, not the 23.5 M of the machine
    assert budget <= (limit - memory.BACKTEST_BASE_BYTES) // memory.BACKTEST_BYTES_PER_EVENT
