"""A replication worker that ends abruptly is said as what ended it: the signal (SIGKILL, the
out-of-memory killer's, the only one said as likely running out of memory, with the memory
advice), a crash (SIGSEGV), another signal, or its exit status (QA code review: a segfault, an
admin's kill, all were reported as "ran out of memory")."""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import signal
import time

import pytest
from engine_testkit import build, expo

import sim.engine.replications as replications
from sim.cli import main as cli
from sim.engine import run_replications
from sim.errors import WorkerDied, WorkerKilled
from sim.model.scenario import Scenario
from tests.simcli import simulate_ending_in

pytestmark = pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the patched worker needs fork"
)

#: how replication 0's worker ends, set by each test before the pool forks
ENDING: dict[str, object] = {}


def ending_one(args):
    """``replications._one`` whose replication 0 ends its worker as ``ENDING`` says; the others
    wait, to be ended by the pool (ignoring its SIGTERM when ``ENDING["stubborn"]``)."""
    if args[3] == 0:
        time.sleep(0.3)  # the other worker has taken its replication
        how = ENDING["how"]
        if isinstance(how, signal.Signals):
            faulthandler.disable()  # pytest's: no dump of this worker's stack in the output
            os.kill(os.getpid(), how)
        os._exit(int(how))
    if ENDING.get("stubborn"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(60)


def _run(monkeypatch, how, *, stubborn: bool = False):
    monkeypatch.setattr(replications, "_one", ending_one)
    monkeypatch.setitem(ENDING, "how", how)
    monkeypatch.setitem(ENDING, "stubborn", stubborn)
    model = build({"a": {"role": "r", "duration": expo(0.5), "next": "done"}}, roles={"r": 2})
    run_replications(
        model, Scenario(warmup_days=0, horizon_days=1, replications=2), seed=0, workers=2
    )


@pytest.mark.parametrize(
    ("how", "said"),
    [
        (signal.SIGSEGV, "ended abruptly: it crashed (signal 11, SIGSEGV)"),
        (signal.SIGTERM, "ended abruptly: it was killed (signal 15, SIGTERM)"),
        (3, "ended abruptly: it exited with status 3"),
    ],
)
def test_a_worker_ended_otherwise_than_by_sigkill_is_not_said_as_out_of_memory(
    monkeypatch, how, said
):
    with pytest.raises(WorkerDied) as raised:
        _run(monkeypatch, how)
    assert not isinstance(raised.value, MemoryError)
    assert said in str(raised.value) and "memory" not in str(raised.value)
    assert raised.value.exitcode == (-how if isinstance(how, signal.Signals) else how)


def test_a_worker_killed_by_sigkill_is_a_memory_error_naming_the_signal(monkeypatch):
    with pytest.raises(WorkerKilled, match=r"it was killed \(signal 9, SIGKILL\)") as raised:
        _run(monkeypatch, signal.SIGKILL)
    assert isinstance(raised.value, MemoryError) and raised.value.signal == signal.SIGKILL


def test_the_workers_the_stop_kills_do_not_hide_the_crash(monkeypatch):
    """The other worker ignores the pool's SIGTERM and is killed (SIGKILL) by ``stop_pool``:
    the run still says the crash, not the out-of-memory killer's signal."""
    with pytest.raises(WorkerDied) as raised:
        _run(monkeypatch, signal.SIGSEGV, stubborn=True)
    assert not isinstance(raised.value, WorkerKilled)
    assert "it crashed (signal 11, SIGSEGV)" in str(raised.value)


@pytest.mark.usefixtures("keep_cli_process_state")
def test_simulate_says_a_crashed_worker_without_memory_advice(tmp_path, monkeypatch, capsys):
    error = WorkerDied(
        "a replication worker process ended abruptly: it crashed (signal 11, SIGSEGV)",
        exitcode=-11,
    )
    err = simulate_ending_in(error, tmp_path, monkeypatch, capsys)
    assert (
        "error: simulate stopped: a replication worker process ended abruptly: it crashed "
        "(signal 11, SIGSEGV): a crash in compiled code" in err
    ), err
    assert "please report it" in err and "memory" not in err, err


@pytest.mark.usefixtures("keep_cli_process_state")
def test_simulate_says_sigkill_as_likely_out_of_memory_with_advice(tmp_path, monkeypatch, capsys):
    error = WorkerKilled(
        "a replication worker process ended abruptly: it was killed (signal 9, SIGKILL)",
        exitcode=-9,
    )
    err = simulate_ending_in(error, tmp_path, monkeypatch, capsys)
    assert "(signal 9, SIGKILL), most likely by the system's out-of-memory killer; " in err, err
    assert "give it less to hold (fewer scenario.replications" in err, err


@pytest.mark.parametrize(
    ("exitcode", "said", "unsaid"),
    [
        (-15, "(signal 15, SIGTERM): a signal sent from outside this run", "memory"),
        (-6, "'std::bad_alloc' there means it ran out of memory", "less to hold"),
        (-7, "a crash in compiled code", "bad_alloc"),  # SIGBUS
        (3, "exited with status 3 (its own error, if it printed one, is above)", "memory"),
        (None, "(what ended it is not known); rerun the command", "memory"),
    ],
)
def test_each_ending_gets_its_own_words(exitcode, said, unsaid):
    if exitcode is None:
        how = " (what ended it is not known)"
    elif exitcode < 0:
        how = f": it was killed ({replications.signal_text(-exitcode)})"
    else:
        how = f": it exited with status {exitcode}"
    error = WorkerDied(f"a replication worker process ended abruptly{how}", exitcode=exitcode)
    text = cli._worker_death_text("calibrate", error)
    assert text.startswith("calibrate stopped: a replication worker process ended abruptly")
    assert said in text and unsaid not in text, text
