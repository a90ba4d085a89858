"""A Ctrl-C that Python reported instead of raising, kept and raised at the run's next safe point.

A signal handler raises wherever the main thread is, also in code whose exceptions Python only
reports ("Exception ignored in ...", ``sys.unraisablehook``): a weakref callback, a ``__del__``,
a simulation's generator closed by the garbage collector, or a callback ``os.fork`` runs (logging
releases its lock there as a replication pool forks its workers). The stop was lost and the run
went on to its end (1 Ctrl-C in 10-20 under load, most as the pool started).

C code that calls Python code and clears what it raised (``PyDict_GetItem``) drops a stop without
a word; only the signal handler knows of it. A caller whose handlers note their stops
(the command line's: ``sim.cli.stop_requests``) registers its check with ``check_also``, and every
run's safe points call it."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: checks every safe point calls (``check_also``)
_other_checks: list[Callable[[], None]] = []


def check_also(check: Callable[[], None]) -> None:
    """Have every run's safe points call ``check`` too (it raises a stop its caller noted)."""
    if check not in _other_checks:
        _other_checks.append(check)


def raise_noted_stop() -> None:
    """A safe point outside ``run_replications`` (a search's own replications): run the checks
    registered with ``check_also``."""
    for check in _other_checks:
        check()


@contextmanager
def keeping_dropped_stops() -> Iterator[Callable[[], None]]:
    """While the block runs: a ``KeyboardInterrupt`` Python reported instead of raising is kept.
    The block calls what this yields at each safe point (it raises a kept stop), and a kept stop
    is raised as the block ends. Outside the main thread (where no signal handler runs) nothing
    changes: the hook is the whole process's."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    kept: list[BaseException] = []
    previous = sys.unraisablehook

    def keep(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            previous(unraisable)
            return
        kept.append(unraisable.exc_value)
        # a caller's own hook (the command line's: "Ctrl-C again to stop now") still hears of
        # it (QA retest22: a second Ctrl-C was taken for the first's and ignored); Python's
        # default one would print a traceback for a stop that is acted on now
        if previous is not sys.__unraisablehook__:
            previous(unraisable)

    def safe_point() -> None:
        if kept:
            raise kept[0].with_traceback(None)
        raise_noted_stop()

    sys.unraisablehook = keep
    try:
        yield safe_point
    finally:
        sys.unraisablehook = previous
    safe_point()
