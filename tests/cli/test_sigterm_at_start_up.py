"""SIGTERM to a single run while Hydra starts it (before its task runs) exits 143 saying it was
terminated, as every later stop does, not 130 "interrupted" (QA retest: a supervisor checking
for 143 got 130)."""

from __future__ import annotations

import signal
import sys

import pytest

import sim.cli.main as main
from sim.cli.main import config_dir


@pytest.mark.parametrize(
    "raised, status, said",
    [
        (main.RunTerminated, 143, "terminated (SIGTERM) before the run started"),
        (KeyboardInterrupt, 130, "interrupted before the run started"),
    ],
)
def test_a_stop_as_hydra_starts_a_single_run_says_what_stopped_it(
    monkeypatch, capsys, raised, status, said
):
    def stopped(*_args, **_kwargs):
        raise raised

    monkeypatch.setattr(main, "_run_app", stopped)
    monkeypatch.setattr(main, "_HANDLER_OWNER", None)  # restored after: set by _launch
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        with pytest.raises(SystemExit) as exit_:
            main._launch("simulate", [], config_dir(), multirun=False)
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)
    assert exit_.value.code == status
    assert said in capsys.readouterr().err
