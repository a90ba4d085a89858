"""Checks on a CSV file's text that pandas does not make, and its physical line numbers.

* ``open_guarded``: the file (gzip or plain) as pandas reads it, refusing a line longer than
  ``MAX_LINE_BYTES`` and a record (a row with its quoted values' line breaks) longer than
  ``MAX_RECORD_BYTES`` while it is read, so a small gzip holding one huge field, or a quoted
  value of millions of short lines, cannot take gigabytes (``max_rows`` bounds rows, not the
  size of one).
* ``runaway_quote``: a field that an unbalanced ``"`` made run over whole rows (pandas joins
  them into one value and reads on, so rows vanish without an error).
* ``CsvLines``: the physical line a data record starts on. pandas counts records; a blank line
  or a quoted value over several lines makes record ``i`` start after line ``i + 2``. The file
  is scanned once with the ``csv`` module, only when a message needs a line number.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import gzip
import io
import itertools
import re
import sys
from collections.abc import Callable, Iterable, Iterator
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

MAX_RECORD_BYTES = 1 << 22
"""Most bytes a CSV record may hold, line breaks inside its quoted values included: a note over
a few lines is legitimate; a quoted value of millions of short lines passes the line bound and
took as much memory as the file is long."""

_BREAK = re.compile(r"\r\n|\r|\n")
#: Excel's first line naming the delimiter (``sep=;``).
SEP_LINE = re.compile(r"sep=(.)\s*")


_QUOTE, _CR, _LF = ord('"'), ord("\r"), ord("\n")
_BOM = b"\xef\xbb\xbf"


class _RecordBreaks:
    """Which line breaks of a CSV's bytes end a record, as pandas' parser reads them (quote
    ``"``, a quote in a value written ``""``), fed chunk by chunk; refuses a record longer than
    ``MAX_RECORD_BYTES``.

    The parser opens a quoted value only with a ``"`` that starts a field; inside one, ``""`` is
    a quote and a lone ``"`` closes it; anywhere else a ``"`` is a character. On maximal runs of
    quotes that is: a run of even length changes nothing; a run of odd length that starts a
    field (after the separator, a line break or at the file's start) flips inside/outside; one
    in the middle of a field leaves the parser outside (it closes the value, or is a character).
    So the state at any byte is: outside after the last odd mid-field run, flipped by each odd
    field-starting run since - computed for a whole chunk at once, with numpy.
    """

    def __init__(self, sep: int, refuse: Callable[[int, int], Exception]) -> None:
        self._starts_field = np.array([sep, _CR, _LF], dtype=np.uint8)
        self._inside = False  # inside a quoted value at the end of what was fed
        self._last = _LF  # the byte before the next chunk (the file's start starts a field)
        self._pending = 0  # quotes ending the last chunk: their run may go on in the next
        self._pending_starts_field = False
        self._head = b""  # the file's first bytes, up to a byte-order mark's length
        self._lines = 1  # the line the next chunk starts on
        self._record_line = 1  # the line the record under way starts on
        self._offset = 0  # bytes fed before the chunk being fed
        self._chunk = np.zeros(0, dtype=np.uint8)
        self._runs = RunLength(b"", MAX_RECORD_BYTES, lambda at: refuse(at, self._line_at(at)))

    def _line_at(self, at: int) -> int:
        """The line byte ``at`` is on: in the chunk being fed, or where the record under way
        began before it."""
        if at < self._offset:
            return self._record_line
        return self._lines + int(np.count_nonzero(self._chunk[: at - self._offset] == _LF))

    def feed(self, chunk: bytes) -> np.ndarray:
        """The positions in the stream of the line breaks in ``chunk`` that end a record; raises
        when a record exceeds ``MAX_RECORD_BYTES``."""
        b = np.frombuffer(chunk, dtype=np.uint8)
        if b.size == 0:
            return np.zeros(0, dtype=np.intp)
        before = np.r_[np.uint8(self._last), b[:-1]]
        self._head += chunk[: max(len(_BOM) - self._offset, 0)]
        after_bom = len(_BOM) - self._offset
        if self._head == _BOM and 0 <= after_bom < b.size:
            before[after_bom] = _LF  # pandas drops the mark: the first field starts after it
        q = b == _QUOTE
        edges = np.diff(np.r_[0, q.astype(np.int8), 0])
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
        lengths = ends - starts + 1
        field = np.isin(before[starts], self._starts_field)
        if self._pending:  # quotes that ended the last chunk
            if starts.size and starts[0] == 0:  # ... and go on here: one run
                lengths[0] += self._pending
                field[0] = self._pending_starts_field
            else:  # ... and ended there: their run acts before this chunk
                ends = np.r_[-1, ends]
                lengths = np.r_[self._pending, lengths]
                field = np.r_[self._pending_starts_field, field]
            self._pending = 0
        if q[-1]:  # the last run may go on in the next chunk: it is decided there
            self._pending, self._pending_starts_field = int(lengths[-1]), bool(field[-1])
            ends, lengths, field = ends[:-1], lengths[:-1], field[:-1]
        odd = lengths % 2 == 1
        flips, ends = field[odd], ends[odd]
        flipped = np.cumsum(flips)
        last_close = np.maximum.accumulate(np.where(~flips, np.arange(flips.size), -1))
        since = flipped - np.r_[0, flipped][last_close + 1]
        inside_after = np.where(last_close >= 0, False, self._inside) ^ (since % 2 == 1)
        breaks = np.flatnonzero((b == _CR) | (b == _LF))
        k = np.searchsorted(ends, breaks) - 1  # the last run before each break
        inside = np.r_[self._inside, inside_after][k + 1]
        ends_record = breaks[~inside]
        self._chunk = b
        self._runs.advance(b.size, ends_record)
        found = ends_record + self._offset
        self._offset += b.size
        if ends_record.size:
            through = int(ends_record[-1]) + 1
            self._record_line = self._lines + int(np.count_nonzero(b[:through] == _LF))
        self._lines += int(np.count_nonzero(b == _LF))
        if inside_after.size:
            self._inside = bool(inside_after[-1])
        self._last = int(b[-1])
        return found


class _LineGuard(io.RawIOBase):
    """A binary file whose reads refuse more than ``MAX_LINE_BYTES`` between two line breaks (a
    line that spans reads is counted across them) and, given the separator, a record longer
    than ``MAX_RECORD_BYTES``."""

    def __init__(self, fh: BinaryIO, path: Path, sep: int | None = None) -> None:
        super().__init__()
        self._fh = fh
        self._records = (
            _RecordBreaks(
                sep,
                lambda start, line: EventLogError(
                    f"{path}: line {line:,}: a record longer than {MAX_RECORD_BYTES:,} bytes "
                    f"(from byte {start:,} of the uncompressed text); refused: an event row is "
                    "short (a quoted value that never closes: is a '\"' unbalanced? A "
                    "malformed or hostile file?)"
                ),
            )
            if sep is not None
            else None
        )
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
        if self._records is not None:
            self._records.feed(chunk)
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self._fh.close()
        super().close()


def open_guarded(
    path: Path, *, sep: str | None = None, encoding: str = "utf-8-sig"
) -> io.BufferedReader:
    """``path`` (gzip-decompressed when it ends in ``.gz``) as a binary file whose reads refuse a
    line longer than ``MAX_LINE_BYTES`` and, given the separator ``sep``, a record longer than
    ``MAX_RECORD_BYTES`` (where ``sep`` and the quote are one byte each in ``encoding``, as in
    UTF-8 and the 8-bit code pages; UTF-16 gets the line bound only)."""
    fh = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")
    return io.BufferedReader(_LineGuard(fh, path, _one_byte(sep, encoding)))


def _one_byte(sep: str | None, encoding: str) -> int | None:
    """``sep``'s byte where it and the quote and line breaks are one ASCII byte each in
    ``encoding``, else None."""
    if sep is None:
        return None
    if codecs.lookup(encoding).name == "utf-8-sig":  # its encoder writes a byte-order mark
        encoding = "utf-8"
    try:
        coded = [c.encode(encoding) for c in (sep, '"', "\n")]
    except (UnicodeError, LookupError):
        return None
    if [len(c) for c in coded] != [1, 1, 1] or coded[1:] != [b'"', b"\n"]:
        return None
    return coded[0][0]


@contextmanager
def _any_field_size() -> Iterator[None]:
    """The ``csv`` module without its 128 KiB field limit (a quoted value over many lines may be
    longer; the file it reads is bounded by ``open_guarded``)."""
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
    with (
        _any_field_size(),
        io.TextIOWrapper(
            open_guarded(path, sep=sep, encoding=encoding),
            encoding=encoding,
            errors="replace",
            newline="",
        ) as f,
    ):
        first = f.readline()
        skipped = int(SEP_LINE.fullmatch(first.lstrip("\ufeff")) is not None)
        reader = csv.reader(f if skipped else itertools.chain([first], f), delimiter=sep)
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
