"""A stop (Ctrl-C, SIGTERM) the command line's signal handlers raised, noted so it is not lost.

A signal handler raises wherever the main thread is. Where Python drops what is raised there, the
stop vanished and the run went on to its end:

- a weakref callback or a ``__del__`` (Python prints "Exception ignored in ..."); and
- C code that calls Python code and clears any error it raises (``PyDict_GetItem`` and
  ``PyObject_HasAttr`` do, KeyboardInterrupt included): nothing is printed at all.

CI saw the second: a sweep stopped by Ctrl-C half a second into a 5,000-replication job ran on,
silent, for minutes (about 1 Ctrl-C in 100 under load). So the handlers note each stop here
before raising it (``request``), and while a job runs (``job_scope``) the run raises a noted stop
again at its next safe point (``raise_if_requested``, which every run of replications calls after
each one: ``sim.engine.dropped_stops.check_also``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

#: seconds after a stop during which another signal is taken for the same stop (a second Ctrl-C
#: pressed while the first one's clean-up runs) and ignored, unless Python dropped the first
HANDLING_S = 5.0

_requested: BaseException | None = None
_noted_at = 0.0
_dropped = False  # Python was seen dropping the noted stop (``mark_dropped``)
_scopes = 0  # nesting of job_scope() blocks in force


def request(stop: BaseException) -> None:
    """Note ``stop`` (the exception a signal handler is about to raise); the first one counts."""
    global _requested, _noted_at, _dropped
    if _requested is None:
        _requested, _noted_at, _dropped = stop, time.monotonic(), False


def mark_dropped() -> None:
    """Note that Python dropped the noted stop (it reported it as "Exception ignored")."""
    global _dropped
    _dropped = True


def being_handled() -> bool:
    """Whether a stop noted less than ``HANDLING_S`` ago is on its way out: a second Ctrl-C or
    SIGTERM then is ignored, so that it cannot cut short the first one's clean-up (QA signals22:
    cut there, a replication pool's stop left a thread the exit waited on for ever, and the
    run-directory unlock raised a traceback). A stop Python was seen dropping, or an older one
    (the run is still going: it was dropped without a word), does not hold the next back."""
    return _requested is not None and not _dropped and time.monotonic() - _noted_at < HANDLING_S


def forget() -> None:
    """Forget any noted stop (a command starts)."""
    global _requested, _dropped
    _requested, _dropped = None, False


def requested() -> BaseException | None:
    """The stop noted in the job under way, if any."""
    return _requested


@contextmanager
def job_scope() -> Iterator[None]:
    """While one job runs: its safe points raise a stop noted meanwhile. A stop noted since the
    command started (``forget``) and dropped before the job (between a sweep's jobs, as Hydra
    composes a run's config) is raised as it starts (QA signals22: the sweep ran every job
    left). The job's own is forgotten when the job ends normally, and kept while a stop or an
    error ends it (``being_handled``)."""
    global _scopes
    if _requested is not None:
        raise _requested.with_traceback(None)
    _scopes += 1
    try:
        yield
    except BaseException:
        _scopes -= 1
        raise
    _scopes -= 1
    forget()


def raise_if_requested() -> None:
    """A safe point of a job: raise the stop noted since the job started, if Python dropped it
    (a stop that was raised normally has ended the job before any later safe point)."""
    if _scopes > 0 and _requested is not None:
        raise _requested.with_traceback(None)
