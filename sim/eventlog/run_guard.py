"""A bound on the longest stretch of bytes between separators in a file read chunk by chunk.

``max_rows`` bounds the rows of a log, not the size of one: a small gzip can hold a single
value of gigabytes. The CSV reader (separators: line breaks) and the XES reader (angle brackets)
refuse a stretch longer than their limit while they read, before it is in memory.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class RunLength:
    """Feeds on consecutive chunks of a byte stream and calls ``refuse(start)`` (which returns
    the exception to raise; ``start`` is the stretch's first byte in the stream) as soon as more
    than ``limit`` bytes have passed without one of the ``stops`` bytes. A stretch that spans
    chunks is counted across them."""

    def __init__(self, stops: bytes, limit: int, refuse: Callable[[int], Exception]) -> None:
        self._stops = np.frombuffer(stops, dtype=np.uint8)
        self._limit, self._refuse = limit, refuse
        self._run = 0  # bytes since the last stop
        self._offset = 0  # bytes fed so far

    def feed(self, chunk: bytes) -> None:
        """Account for the next ``chunk``; raises when a stretch exceeds the limit."""
        at = np.flatnonzero(np.isin(np.frombuffer(chunk, dtype=np.uint8), self._stops))
        self.advance(len(chunk), at)

    def advance(self, n: int, at: np.ndarray) -> None:
        """Account for the next ``n`` bytes, whose stops are at positions ``at`` (ascending,
        relative to the first of them): for a caller that decides which bytes stop a stretch."""
        # the stretch from before this chunk up to its first stop, then those inside it
        gaps = np.diff(np.r_[-1 - self._run, at, n]) - 1
        if gaps.size and gaps.max() > self._limit:
            k = int(np.argmax(gaps > self._limit))
            start = self._offset - self._run if k == 0 else self._offset + int(at[k - 1]) + 1
            raise self._refuse(start)
        self._run = self._run + n if at.size == 0 else n - int(at[-1]) - 1
        self._offset += n
