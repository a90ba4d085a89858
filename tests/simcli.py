"""``python -m sim`` for the tests, without paying for its imports on every run.

Most command-line tests run the real command: a fresh process, its own argv, working directory,
environment and exit code. Starting Python and importing scipy, pandas, matplotlib, Hydra and
Optuna costs a few seconds each time, several hundred times a session. So each test process keeps
one *pre-imported* Python (a fork server) and every ``run_sim`` forks it: the child then runs
``sim`` as ``python -m sim`` would (``runpy``, ``__main__``), with the caller's argv, working
directory and environment, stdin from ``/dev/null``, stdout and stderr captured, and exits through
the interpreter's exit handlers. Nothing is shared between runs but modules already imported.

A run falls back to a real ``subprocess.run`` whenever the fork server could differ from a fresh
interpreter: an environment that changes what happens at import (hash seed, time zone, locale,
thread counts, matplotlib, Python flags), a concurrent call from another thread, a platform other
than Linux, or ``SIM_TESTS_NO_FORK_SERVER=1`` (to check that nothing depends on it).
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: the overrides of a simulate run that only needs to run (one short replication, no report)
QUICK_SIMULATE = (
    "scenario.replications=1",
    "scenario.horizon_days=2",
    "scenario.warmup_days=0",
    "workers=1",
    "progress=false",
    "output.report=false",
)
#: the quickest real search of a small model's staffing (``optimize process=<model> ...``)
QUICK_SEARCH = (
    "redesign=staffing",
    "optimizer.n_trials=2",
    "optimizer.replications=2",
    "optimizer.min_replications=2",
    "optimizer.confirm_replications=2",
    "scenario.horizon_days=7",
    "scenario.warmup_days=1",
    "progress=false",
    "output.report=false",
)

# Variables read while Python and the libraries start (not when ``sim`` runs): a run whose
# environment differs from the fork server's in one of these gets a fresh interpreter.
_READ_AT_START = ("PYTHON", "TZ", "LANG", "LC_", "MPL", "OMP_", "OPENBLAS", "MKL_", "NUMEXPR")
_NOT_AT_START = {"PYTHONPATH"}  # only where to import from: the fork server imports this checkout

# The fork server: imports what ``python -m sim`` imports, then forks one child per request line
# (JSON: argv, cwd, env, out, err) and answers the child's pid, then its wait status.
_SERVER = r"""
import io, json, os, sys
err = io.StringIO()
real_err, sys.stderr = sys.stderr, err
import sim.cli.main, sim.cli.common, sim.cli.simulate, sim.cli.calibrate, sim.cli.optimize
import sim.cli.compare, sim.cli.report, sim.cli.export, sim.cli.sweep, sim.cli.memory
import sim.report.html
# and what runs import as they go, once here rather than in every forked run: Optuna's SQL
# storage (SQLAlchemy, Alembic: 0.3 s of each search's CPU), Simod's distances, parquet, ...
import optuna.storages._rdb.models, alembic.command, alembic.config, alembic.migration
import alembic.script, log_distance_measures, pulp, pyarrow.pandas_compat, pandas.io.formats.csvs
import PIL.PngImagePlugin, hydra._internal.logging_config, multiprocessing.synchronize
from hydra.core.plugins import Plugins

Plugins.instance()  # finds the installed Hydra plugins once, as every run would
sys.stderr = real_err
proto_out = os.fdopen(os.dup(1), "w", buffering=1)
proto_in = os.fdopen(os.dup(0), "r")
print(json.dumps({"ready": err.getvalue()}), file=proto_out)


def run_as_python_dash_m(req):
    os.chdir(req["cwd"])
    sys.path[0] = os.getcwd()  # as ``python -m`` has it
    os.environ.clear()
    os.environ.update(req["env"])
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(os.open(req["out"], os.O_WRONLY | os.O_TRUNC), 1)
    os.dup2(os.open(req["err"], os.O_WRONLY | os.O_TRUNC), 2)
    sys.argv = ["-m", *req["argv"]]
    try:
        import runpy

        runpy.run_module("sim", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as stop:
        code = stop.code
        if code is None:
            code = 0
        elif not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    # Leave as the interpreter does: threading's exit hooks (executors shut their workers down)
    # and joining the threads, then the atexit handlers.
    import atexit
    import threading

    threading._shutdown()
    atexit._run_exitfuncs()
    return code


for line in proto_in:
    req = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            proto_in.close()
            proto_out.close()
            code = run_as_python_dash_m(req)
        finally:
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except Exception:
                    pass
            os._exit(code)
    print(json.dumps({"pid": pid}), file=proto_out)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"status": status}), file=proto_out)
"""


class _ForkServer:
    """One pre-imported Python that forks a ``python -m sim`` run per request."""

    def __init__(self) -> None:
        self.env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env=self.env,
            cwd=REPO,
        )
        self._pending = b""
        ready = json.loads(self._answer(timeout=300))
        # Anything the imports printed would be missing from every run's stderr: don't use it.
        self.usable = ready.get("ready") == ""

    def _answer(self, timeout: float) -> str:
        """The server's next line, waiting at most ``timeout`` seconds for it."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._pending:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, 65536)
            if not chunk:
                raise RuntimeError("the test fork server of python -m sim stopped")
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return line.decode()

    def serves(self, env: dict[str, str]) -> bool:
        """Whether a run with ``env`` behaves here as in a fresh interpreter."""
        if not self.usable or self.proc.poll() is not None:
            return False
        keys = {k for k in {*env, *self.env} if k.startswith(_READ_AT_START)} - _NOT_AT_START
        return all(env.get(k) == self.env.get(k) for k in keys)

    def run(
        self, argv: list[str], cwd: str, env: dict[str, str], timeout: float
    ) -> subprocess.CompletedProcess:
        with tempfile.TemporaryDirectory(prefix="sim-run-") as tmp:
            out, err = Path(tmp, "stdout"), Path(tmp, "stderr")
            out.touch()
            err.touch()
            request = {"argv": argv, "cwd": cwd, "env": env, "out": str(out), "err": str(err)}
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
            pid = json.loads(self._answer(timeout=60))["pid"]
            try:
                status = json.loads(self._answer(timeout=timeout))["status"]
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)
                self._answer(timeout=60)
                raise subprocess.TimeoutExpired(argv, timeout) from None
            code = os.waitstatus_to_exitcode(status)
            # Read as ``subprocess.run(text=True)`` decodes: locale encoding, universal newlines.
            done = subprocess.CompletedProcess(
                [sys.executable, "-m", "sim", *argv], code, out.read_text(), err.read_text()
            )
            done.forked = True
            return done

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


_server: _ForkServer | None = None
_server_lock = threading.Lock()


def fork_server_enabled() -> bool:
    """Whether runs may go through the fork server here. Linux only: macOS frameworks are not
    safe to fork after import (why multiprocessing spawns there), and Windows cannot fork."""
    return os.environ.get("SIM_TESTS_NO_FORK_SERVER") != "1" and sys.platform.startswith("linux")


def _fork_server() -> _ForkServer | None:
    global _server
    if not fork_server_enabled():
        return None
    if _server is None:
        _server = _ForkServer()
        atexit.register(_server.close)
    return _server


def run_sim(
    *args: str,
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 900,
    fresh: bool = False,
) -> subprocess.CompletedProcess:
    """``python -m sim *args`` as a fresh process would run it: exit code, stdout and stderr
    (text). ``cwd`` defaults to this process's working directory, ``env`` to its environment;
    ``fresh`` starts a new interpreter even where the fork server could serve. The result's
    ``forked`` says which of the two ran it."""
    run_env = dict(os.environ if env is None else env)
    run_cwd = str(cwd if cwd is not None else os.getcwd())
    if not fresh and _server_lock.acquire(blocking=False):
        try:
            server = _fork_server()
            if server is not None and server.serves(run_env):
                return server.run(list(args), run_cwd, run_env, timeout)
        finally:
            _server_lock.release()
    done = subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        cwd=run_cwd,
        env=run_env,
        timeout=timeout,
    )
    done.forked = False
    return done


#: a simulate of the bundled M/M/c small enough for a test that runs it many times
TINY_MMC = (
    "process=mmc",
    "scenario.replications=2",
    "scenario.horizon_days=2",
    "workers=1",
    "progress=false",
    "output.report=false",
)


def start_sim(*args: str, pythonpath: str | None = None) -> subprocess.Popen:
    """``python -m sim *args`` started in a process group of its own (a signal sent to the
    group does not reach the test) from the repository, stdout dropped, stderr piped as text:
    for a test that stops the run part-way. ``pythonpath`` replaces the repository as
    PYTHONPATH (to put an injected ``sitecustomize`` before it)."""
    from tests.conftest import REPO

    return subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": pythonpath or str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def simulate_with_experiment(
    tmp_path: Path, hydra: str, *args: str
) -> tuple[subprocess.CompletedProcess, Path]:
    """``python -m sim simulate`` of the bundled M/M/c model with a user's ``--config-dir``
    holding one experiment file whose ``hydra:`` section is ``hydra`` (YAML flow text), run
    into ``tmp_path/run``: the result and the run directory."""
    (tmp_path / "conf" / "experiment").mkdir(parents=True)
    (tmp_path / "conf" / "experiment" / "simulate_evil.yaml").write_text(
        f"# @package _global_\nhydra: {hydra}\n"
    )
    run = tmp_path / "run"
    res = run_sim(
        "simulate",
        "--config-dir",
        str(tmp_path / "conf"),
        "process=mmc",
        "scenario.replications=2",
        "workers=1",
        "experiment=simulate_evil",
        f"hydra.run.dir={run}",
        *args,
    )
    return res, run


def simulate_ending_in(error, tmp_path, monkeypatch, capsys) -> str:
    """``python -m sim simulate`` run in this process with its run ending in ``error``: checks
    it exits 2 without a traceback and returns what it printed on stderr."""
    import pytest

    import sim.cli.simulate as simulate
    from sim.cli import main as cli

    def run(cfg, run_dir, **kwargs):
        raise error

    monkeypatch.setattr(simulate, "run", run)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["simulate", "process=mmc", "progress=false", f"hydra.run.dir={tmp_path / 'r'}"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def as_nobody() -> list[str] | None:
    """A command prefix running a program as an unprivileged user (root ignores permissions),
    [] when this process is not root; None when that cannot be done here."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    ok = subprocess.run([*prefix, sys.executable, "-c", "import sim"], capture_output=True)
    return prefix if ok.returncode == 0 else None


def start_sim_until_its_task_runs(*args: str, record: Path) -> subprocess.Popen:
    """``python -m sim <args>`` started in the background (its stderr piped, as text), returned
    once its run record ``record`` names its command (the run's task has started); the test
    fails if the process ends first or 120 s pass."""
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if '"command"' in record.read_text(encoding="utf-8"):
                return proc
        except OSError:
            pass
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"{record} did not name its command within 120 s: {proc.communicate()}")
