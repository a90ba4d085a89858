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

from collections.abc import Iterator
from contextlib import contextmanager

_requested: BaseException | None = None
_scopes = 0  # nesting of job_scope() blocks in force


def request(stop: BaseException) -> None:
    """Note ``stop`` (the exception a signal handler is about to raise); the first one counts."""
    global _requested
    if _requested is None:
        _requested = stop


def requested() -> BaseException | None:
    """The stop noted in the job under way, if any."""
    return _requested


@contextmanager
def job_scope() -> Iterator[None]:
    """While one job runs: its safe points raise a stop noted meanwhile. A stop noted before
    (an earlier command run in the same process, as the tests do) is forgotten as it starts,
    and the job's own is forgotten as it ends, raised or not."""
    global _requested, _scopes
    _requested = None
    _scopes += 1
    try:
        yield
    finally:
        _scopes -= 1
        _requested = None


def raise_if_requested() -> None:
    """A safe point of a job: raise the stop noted since the job started, if Python dropped it
    (a stop that was raised normally has ended the job before any later safe point)."""
    if _scopes > 0 and _requested is not None:
        raise _requested.with_traceback(None)
