"""Checks on a CSV file's text that pandas does not make, and its physical line numbers.

* ``open_guarded``: the file (gzip or plain) as pandas reads it, refusing a line longer than
  ``MAX_LINE_BYTES`` while it is read, so a small gzip holding one huge field cannot take
  gigabytes (``max_rows`` bounds rows, not the size of one).
* ``runaway_quote``: a field that an unbalanced ``"`` made run over whole rows (pandas joins
  them into one value and reads on, so rows vanish without an error).
* ``CsvLines``: the physical line a data record starts on. pandas counts records; a blank line
  or a quoted value over several lines makes record ``i`` start after line ``i + 2``. The file
  is scanned once with the ``csv`` module, only when a message needs a line number.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import io
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from sim.errors import EventLogError
from sim.eventlog.run_guard import RunLength

MAX_LINE_BYTES = 1 << 20
"""Most bytes a CSV line may hold: an event row is a few hundred bytes; a gzip of 300 KB held a
300 MB field that took 1.1 GB to read, even with ``max_rows=100``."""

_BREAK = re.compile(r"\r\n|\r|\n")
#: Excel's first line naming the delimiter (``sep=;``).
SEP_LINE = re.compile(r"sep=(.)\s*")


class _LineGuard(io.RawIOBase):
    """A binary file whose reads refuse more than ``MAX_LINE_BYTES`` between two line breaks (a
    line that spans reads is counted across them)."""

    def __init__(self, fh: BinaryIO, path: Path) -> None:
        super().__init__()
        self._fh = fh
        self._runs = RunLength(
            b"\r\n",
            MAX_LINE_BYTES,
            lambda start: EventLogError(
                f"{path}: a line longer than {MAX_LINE_BYTES:,} bytes (from byte {start:,} of "
                "the uncompressed text); refused: an event row is short (a malformed or "
                "hostile file?)"
            ),
        )

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._fh.read(len(buffer))
        self._runs.feed(chunk)
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self._fh.close()
        super().close()


def open_guarded(path: Path) -> io.BufferedReader:
    """``path`` (gzip-decompressed when it ends in ``.gz``) as a binary file whose reads refuse a
    line longer than ``MAX_LINE_BYTES``."""
    fh = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")
    return io.BufferedReader(_LineGuard(fh, path))


@contextmanager
def _any_field_size() -> Iterator[None]:
    """The ``csv`` module without its 128 KiB field limit (a quoted value over many lines may be
    longer; each line is bounded by ``MAX_LINE_BYTES`` while pandas reads)."""
    old = csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def records(
    path: Path, sep: str, *, header: bool = False, encoding: str = "utf-8-sig"
) -> Iterator[tuple[int, list[str]]]:
    """Each data record of the CSV with the physical line it starts on (1 = the file's first
    line), blank lines skipped as pandas skips them, and an Excel ``sep=X`` first line; with
    ``header``, the header line too."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with (
        _any_field_size(),
        opener(path, "rt", encoding=encoding, errors="replace", newline="") as f,
    ):
        skipped = int(SEP_LINE.fullmatch(f.readline().lstrip("\ufeff")) is not None)
        if not skipped:
            f.seek(0)
        reader = csv.reader(f, delimiter=sep)
        header_seen = False
        start = 1 + skipped
        for fields in reader:
            if fields and (header_seen or header):
                yield start, fields
            header_seen = header_seen or bool(fields)
            start = reader.line_num + 1 + skipped


class CsvLines:
    """Maps a CSV's data record number (0 = the first after the header) to the physical line it
    starts on; the file is scanned the first time a line is asked for."""

    def __init__(self, path: Path, sep: str, encoding: str = "utf-8-sig") -> None:
        self.path, self._sep, self._encoding = path, sep, encoding
        self._at: list[int] | None = None  # record numbers where the shift changes ...
        self._shift: list[int] = []  # ... and the shift from there on

    def _scan(self) -> None:
        self._at, self._shift = [], []
        shift = 0
        for i, (line, _) in enumerate(records(self.path, self._sep, encoding=self._encoding)):
            if line - (i + 2) != shift:
                shift = line - (i + 2)
                self._at.append(i)
                self._shift.append(shift)

    def line(self, i: int) -> int:
        """The physical line record ``i`` starts on."""
        if self._at is None:
            self._scan()
        assert self._at is not None
        k = bisect.bisect_right(self._at, i) - 1
        return i + 2 + (self._shift[k] if k >= 0 else 0)

    def label(self, i: int) -> str:
        """``"line N"`` for record ``i``: how messages name a CSV row."""
        return f"line {self.line(i)}"


def _max_separators_per_line(text: pd.Series, sep: str) -> pd.Series:
    """For each value, the most separators one of its lines holds."""
    lines = text.str.split(_BREAK.pattern, regex=True).explode()
    return lines.str.count(re.escape(sep)).groupby(level=0).max()


def runaway_quote(
    chunk: pd.DataFrame, *, sep: str, key_columns: Iterable[str]
) -> tuple[int, str] | None:
    """The (position, column) of the first field in ``chunk`` that an unbalanced quote made run
    over several lines, or None.

    A value over several lines is legitimate (a note written on two lines). It is taken as a
    runaway when, after its first line break, a line holds as many separators as a whole row
    (the quote took in whole rows), or, in a key column (case id, activity, resource, times),
    when a separator follows a line break at all (no such name or time spans lines and fields).
    """
    width = len(chunk.columns)
    keys = set(key_columns)
    found: list[tuple[int, int, str]] = []
    for j, col in enumerate(chunk.columns):
        values = chunk[col]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        multi = values.str.contains(_BREAK.pattern, regex=True, na=False).astype(bool)
        if not multi.any():
            continue
        text = values[multi].astype(str)
        after = text.str.replace(r"^[^\r\n]*(?:\r\n|\r|\n)", "", regex=True)
        bad = _max_separators_per_line(after, sep) >= width - 1
        if str(col) in keys:
            bad |= after.str.contains(sep, regex=False)
        if bad.any():
            first = int(np.flatnonzero(chunk.index.isin(bad.index[bad]))[0])
            found.append((first, j, str(col)))
    if not found:
        return None
    pos, _, col = min(found)
    return pos, col


def line_breaks(value: object) -> int:
    """How many line breaks a value holds (``\\r\\n`` counts once)."""
    return len(_BREAK.findall(value)) if isinstance(value, str) else 0
