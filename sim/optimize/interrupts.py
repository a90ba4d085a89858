"""Stopping a search safely: an interrupt waits while Optuna writes to the storage.

Ctrl-C and SIGTERM raise an exception wherever the main thread is. Inside a simulation that is
harmless (Optuna fails the trial in flight and keeps every finished one), but inside a storage
write (Optuna's ``tell``, a user attribute, creating the study) it breaks the write and leaves the
trial RUNNING, with a traceback from SQLAlchemy instead of a message (QA: most SIGTERMs of a fast
search landed there). So the parts of the search that write to the storage run ``deferred()``: an
interrupt arriving there is kept and raised at the next trial (``checkpoint()``), the next
simulation (``allowed()``) or when the deferred part ends. A second interrupt while one is kept is raised at once, so a hung database
connection can still be interrupted.

The command line routes its signal handlers through ``interrupt``; without them (a library
caller, the tests) nothing changes: Python's own Ctrl-C handler raises at once, as always.

A signal handler runs wherever the main thread is, also inside a weakref callback or a
``__del__`` the garbage collector calls; Python does not propagate what is raised there (it
prints "Exception ignored in ..." and goes on), so the interrupt was lost and the search ran to
its end (QA 9b). Inside ``routed()`` (the command line's run) such an ignored interrupt is kept
like one arriving in a storage write, and raised at the next safe point.

Worker processes (the replications' pool) start with ``worker_signals()``: a terminal's Ctrl-C
sends SIGINT to the whole process group, and a worker forked while the command line's handlers
were installed ran them too, dying with a ``Process ForkProcess-N: Traceback ...
KeyboardInterrupt`` beside the main process's tidy message (QA). The main process handles the
interrupt and stops its workers.

Search worker processes (``optimizer.n_jobs`` > 1) write to the storage themselves, so they start
with ``search_worker_signals()``: SIGINT ignored too, and SIGTERM (how the main process stops
them) routed through ``interrupt`` like the command line's, bounded by ``STOP_GRACE_S``. Killed
at once, a worker stopped between Optuna creating a trial and the objective marking it with its
process left that trial RUNNING for good (CI, 1 run in many).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_depth = 0  # nesting of deferred() blocks in force (0 inside allowed())
_pending: BaseException | None = None


def worker_signals() -> None:
    """In a worker process: ignore SIGINT (the main process, which gets it too, stops the
    workers) and take SIGTERM's default (stop at once: how a pool stops a worker), whatever
    handlers the process inherited."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class WorkerStopped(KeyboardInterrupt):
    """SIGTERM in a search worker process (``search_worker_signals``): a ``KeyboardInterrupt``,
    so that Optuna fails the trial in flight."""


#: seconds a search worker stopped by SIGTERM has to reach a safe point before it exits at once
STOP_GRACE_S = 5.0


def search_worker_signals() -> None:
    """In a search worker process: ignore SIGINT (the main process, which gets a terminal's
    Ctrl-C too, stops the workers) and make SIGTERM ``interrupt(WorkerStopped())``: raised at
    once in a simulation, kept through a storage write (``deferred``). A worker that has not
    stopped ``STOP_GRACE_S`` seconds after the signal (a hung database) exits at once; a
    second SIGTERM changes nothing (that timer bounds the stop)."""

    stopping = threading.Event()

    def on_sigterm(signum: int, frame: object) -> None:
        # a second SIGTERM (a group's, then the pool's terminate()) waits like the first: raised
        # at once inside a storage write it left the trial RUNNING with no owner (QA signals21)
        if stopping.is_set():
            return
        stopping.set()
        timer = threading.Timer(STOP_GRACE_S, os._exit, (128 + signal.SIGTERM,))
        timer.daemon = True
        timer.start()
        interrupt(WorkerStopped())

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, on_sigterm)


def interrupt(exc: BaseException) -> None:
    """Raise ``exc`` now, or keep it for later inside a ``deferred()`` block (from a signal
    handler: ``signal.signal(SIGTERM, lambda *_: interrupt(MyStop()))``)."""
    global _pending
    if _depth > 0 and _pending is None:
        _pending = exc
        return
    _pending = None
    raise exc


def _raise_pending() -> None:
    global _pending
    exc, _pending = _pending, None
    if exc is not None:
        raise exc


def checkpoint() -> None:
    """A safe point (the start of a trial): raise a kept interrupt now."""
    _raise_pending()


@contextmanager
def deferred() -> Iterator[None]:
    """Storage writes inside: an interrupt waits until ``allowed()`` or the end of the block."""
    global _depth
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
    if _depth == 0:
        _raise_pending()


@contextmanager
def allowed() -> Iterator[None]:
    """A simulation inside: a kept interrupt is raised now, and a new one at once."""
    global _depth
    saved, _depth = _depth, 0
    try:
        _raise_pending()
        yield
    finally:
        _depth = saved


@contextmanager
def routed() -> Iterator[None]:
    """While the command line's signal handlers call ``interrupt``: an interrupt raised where
    Python ignores exceptions (a weakref callback, a ``__del__``: ``sys.unraisablehook``) is
    kept and raised at the next trial or simulation, or when the block ends."""
    global _pending
    previous = sys.unraisablehook

    def keep(unraisable: Any) -> None:
        global _pending
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            if _pending is None:
                _pending = unraisable.exc_value
            return
        previous(unraisable)

    sys.unraisablehook = keep
    try:
        yield
    except BaseException:
        _pending = None  # the run stops anyway
        raise
    finally:
        sys.unraisablehook = previous
    _raise_pending()
