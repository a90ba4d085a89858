"""Shared test fixtures: paths to the repository, its configs and the shared public data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.simcli import run_sim

# The tests of Ctrl-C send SIGINT to the commands they start. A suite started in the background
# of a shell without job control (`nohup bash .ci/run &`) inherits SIGINT ignored, and so would
# every command it starts (Python then never raises KeyboardInterrupt): six such tests failed
# for that reason alone. A handler set here is reset to the default in the processes started.
signal.signal(signal.SIGINT, signal.default_int_handler)

# Property tests: no time limit per example and no "data generation too slow" check, which a
# loaded 2-core machine fails for reasons of its own. With CI set (.ci/run sets it) every run
# draws the same examples: a fresh machine keeps no database of earlier failures, so a rare
# input would turn one unrelated CI run red and never come back (QA flaky21 #3).
settings.register_profile("project", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", parent=settings.get_profile("project"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "project")

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"
SHARED_DATA = Path(os.environ.get("SIM_SHARED_DATA", REPO.parent / "shared" / "data")).resolve()


def sim_in(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m sim <args>`` run with ``folder`` as its working directory (relative paths,
    default run directories), this checkout on its import path."""
    return run_sim(*args, cwd=folder, env={**os.environ, "PYTHONPATH": str(REPO)})


@pytest.fixture
def keep_cli_process_state(monkeypatch):
    """For tests that call ``sim.cli.main.main`` in the test process: it sets argv, the SIGTERM
    and SIGINT handlers and the sweep's module state; put them back afterwards."""
    from sim.cli import sweep

    monkeypatch.setattr(sys, "argv", list(sys.argv))
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    monkeypatch.setattr(sweep, "LAUNCHED", [])
    monkeypatch.setattr(sweep, "KEPT_JOBS", set())
    monkeypatch.setattr(sweep, "RESUMED", set())
    monkeypatch.setattr(sweep, "FAILED_JOBS", [])
    yield
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (or ``$SIM_SHARED_DATA``): public logs and models, never copied here."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared public data not found at {SHARED_DATA} (set SIM_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def crm_path() -> Path:
    """The bundled CRM example model."""
    return CONFIGS / "process" / "crm_sales.yaml"


@pytest.fixture(autouse=True)
def _no_stop_noted_by_an_earlier_test():
    """A test that calls a command line's signal handler directly leaves its stop noted
    (``sim.cli.stop_requests``); the next test in the same process starts without it."""
    from sim.cli import stop_requests

    stop_requests.forget()
