"""A Ctrl-C that Python reported instead of raising, kept and raised at the run's next safe point.

A signal handler raises wherever the main thread is, also in code whose exceptions Python only
reports ("Exception ignored in ...", ``sys.unraisablehook``): a weakref callback, a ``__del__``,
a simulation's generator closed by the garbage collector, or a callback ``os.fork`` runs (logging
releases its lock there as a replication pool forks its workers). The stop was lost and the run
went on to its end (1 Ctrl-C in 10-20 under load, most as the pool started)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


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
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            kept.append(unraisable.exc_value)
            return
        previous(unraisable)

    def safe_point() -> None:
        if kept:
            raise kept[0].with_traceback(None)

    sys.unraisablehook = keep
    try:
        yield safe_point
    finally:
        sys.unraisablehook = previous
    safe_point()
