"""Ctrl-C or SIGTERM in a command's first seconds, before its run handles a stop itself, ends it
with one line and exit status 130 (143 for SIGTERM), never a traceback, a silent death by the
signal, or a false config error (QA signals20 #1-#3):

- a stop while ``main`` imports the tool's modules (scipy, pandas: the first 1-2 s) printed a
  traceback through those imports and died by the signal;
- a stop while Hydra's callbacks were checked (2-3 s in) was read as "not a callback of this
  tool", a config error with exit status 2 (``pydoc.locate`` wrapped the KeyboardInterrupt);
- SIGTERM before the run's handlers were installed (the first ~2 s) ended the command without
  a word (its default action).

Each stop is sent by the command's own process as it first imports a given module (a
``sitecustomize`` on its import path), so it lands at a known point of a real ``python -m sim``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from omegaconf import OmegaConf

from sim.cli import main as cli
from tests.simcli import QUICK_SIMULATE, REPO

HOOK = """
import os, signal, sys


class StopWhileImporting:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            if {in_a_string}:  # where it lands: in code run from a string (a dataclass's)
                exec("os.kill(os.getpid(), signal.{signame})\\nfor _ in range(3): pass")
            else:
                os.kill(os.getpid(), signal.{signame})
        return None


sys.meta_path.insert(0, StopWhileImporting())
"""

NOTHING_WRITTEN = "before any run started; nothing was written"
NOT_STARTED = "before the run started; no results were written"


def _stopped_as_it_imports(
    tmp_path, module: str, signame: str, *, in_a_string: bool = False
) -> subprocess.CompletedProcess:
    """``python -m sim simulate`` sent ``signame`` by itself as it first imports ``module``
    (``in_a_string``: by code run from a string, where it lands in that code)."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        HOOK.format(module=module, signame=signame, in_a_string=in_a_string), encoding="utf-8"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(REPO)])}
    command = [sys.executable, "-m", "sim", "simulate", "process=mmc", *QUICK_SIMULATE]
    return subprocess.run(
        [*command, f"hydra.run.dir={tmp_path / 'run'}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("module", "signame", "status", "said"),
    [
        # python -m sim loading the command line (sim/__main__.py)
        ("sim.cli.main", "SIGINT", 130, f"interrupted {NOTHING_WRITTEN}"),
        ("sim.cli.main", "SIGTERM", 143, f"terminated (SIGTERM) {NOTHING_WRITTEN}"),
        # main() importing the tool's modules (scipy, via sim.cli.common and sim.model)
        ("scipy.stats", "SIGINT", 130, f"interrupted {NOTHING_WRITTEN}"),
        ("scipy.stats", "SIGTERM", 143, f"terminated (SIGTERM) {NOTHING_WRITTEN}"),
        # Hydra started: its callbacks checked (sim.cli.compare, the bundled config's callback)
        ("sim.cli.compare", "SIGINT", 130, f"interrupted {NOT_STARTED}"),
        ("sim.cli.compare", "SIGTERM", 143, f"terminated (SIGTERM) {NOT_STARTED}"),
    ],
)
def test_a_stop_in_the_first_seconds_says_so_in_one_line(tmp_path, module, signame, status, said):
    res = _stopped_as_it_imports(tmp_path, module, signame)
    said_lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert (res.returncode, said_lines) == (status, [said]), res.stderr
    assert res.stdout == ""
    assert not (tmp_path / "run").exists()  # the run's folder went with its lock


def test_a_ctrl_c_landing_in_code_run_from_a_string_exits_130_not_by_the_signal(tmp_path):
    """Ctrl-C landing in code Python runs from a string (a dataclass's generated methods, as
    scipy or pandas is imported), handled with its one line: ``python -m sim`` ended by SIGINT
    all the same (status -2 to a script, CPython's "unhandled KeyboardInterrupt" flag), not with
    the status 130 the README gives (QA signals20: a one-line stop with returncode -2)."""
    res = _stopped_as_it_imports(tmp_path, "scipy.stats", "SIGINT", in_a_string=True)
    said_lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert (res.returncode, said_lines) == (130, [f"interrupted {NOTHING_WRITTEN}"]), res.stderr


class _StopAt:
    """A finder raising ``stop`` when ``module`` is imported, as a signal handler would."""

    def __init__(self, module: str, stop: type[BaseException]) -> None:
        self.module, self.stop = module, stop

    def find_spec(self, name, path=None, target=None):  # noqa: ANN001, ANN201 - importlib's
        if name == self.module:
            raise self.stop
        return None


@pytest.mark.parametrize("stop", [KeyboardInterrupt, cli.RunTerminated, cli.SweepTerminated])
def test_a_stop_while_a_callback_is_checked_is_no_foreign_callback(monkeypatch, stop):
    monkeypatch.delitem(sys.modules, "sim.cli.compare", raising=False)  # put back after
    monkeypatch.setattr(sys, "meta_path", [_StopAt("sim.cli.compare", stop), *sys.meta_path])
    config = OmegaConf.create(
        {"hydra": {"callbacks": {"compare_sweep": {"_target_": "sim.cli.compare.CompareSweep"}}}}
    )
    with pytest.raises(stop) as raised:
        cli.refuse_foreign_callbacks(config)
    assert type(raised.value) is stop


@pytest.mark.parametrize(
    "target", ["sim.no_such_module.Callback", "sim.cli.common.Path", "sim.cli.main.os.system"]
)
def test_a_sim_target_that_is_no_callback_of_the_tool_is_still_refused(target):
    config = OmegaConf.create({"hydra": {"callbacks": {"x": {"_target_": target}}}})
    with pytest.raises(cli.ForeignCallback, match=f"hydra.callbacks.x._target_='{target}'"):
        cli.refuse_foreign_callbacks(config)


@pytest.mark.usefixtures("keep_cli_process_state")
def test_a_process_forked_before_the_runs_handlers_ends_on_sigterm_as_by_default():
    """A process forked from the command line's before its run's handlers are installed ends on
    SIGTERM at once, as by SIGTERM's default action (a replication worker, forked later,
    inherits the run's handlers: ``_in_a_worker``)."""
    with cli._stop_before_any_run():
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(10)
            finally:
                os._exit(3)  # only reached if SIGTERM raised in the child
        _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM, status


@pytest.mark.usefixtures("keep_cli_process_state")
def test_a_command_ending_before_any_run_leaves_sigterm_as_it_found_it(capsys):
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["no_such_command"])
    assert exit_.value.code == 2
    assert signal.getsignal(signal.SIGTERM) is before
    assert "unknown command 'no_such_command'" in capsys.readouterr().err
