"""A run goes on when the reader of its output stops (``sim simulate ... | head -1``, or
``2>&1 | head -1``).

Python raises ``BrokenPipeError`` at the first ``print`` after the reader of standard output
has gone. Inside a run that ended it on a traceback from Hydra, with the run record left
"running", or was read as a failed report build while the report had been written (QA
coderev21); on standard error (the progress bar) it ended the run silently, with no results
(QA retest21). The run's results go to files, not to the closed pipe:
``keep_running_if_output_closed`` makes both streams swallow that error and send the rest of
their output to the null device, so the run finishes, its record too, with the exit status it
would have had.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO


class _OutputReaderSafe:
    """A text stream that forwards to ``stream`` until its reader goes, and then writes to the
    null device (the file descriptor itself is redirected, so every writer of it is covered)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._reader_gone()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._reader_gone()

    def _reader_gone(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self._stream.fileno())
        finally:
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def keep_running_if_output_closed() -> None:
    """Make ``sys.stdout`` and ``sys.stderr`` outlive their readers (``_OutputReaderSafe``),
    once per process, before Hydra sets up its logging (whose handlers keep the streams they
    are given: a sweep's launch lines met the closed pipe in a logging handler, which printed
    a traceback of it). A stream without a file descriptor (a test's captured output) is left
    as it is."""
    sys.stdout = _safe(sys.stdout)  # type: ignore[assignment]
    sys.stderr = _safe(sys.stderr)  # type: ignore[assignment]


def _safe(stream: Any) -> Any:
    if stream is None or isinstance(stream, _OutputReaderSafe):
        return stream
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):
        return stream
    return _OutputReaderSafe(stream)
