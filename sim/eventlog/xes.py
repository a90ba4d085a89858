"""Streaming XES reader (plain or gzip) built on ``defusedxml.ElementTree.iterparse``.

Input files are untrusted: the parser is defusedxml's (no DTDs, no entity expansion, no external
references), elements are cleared as soon as they are read so memory stays bounded by one trace
(nesting deeper than ``MAX_DEPTH``, runs of text longer than ``MAX_TEXT_RUN``, more than
``MAX_KEYS`` distinct attribute keys and more than ``MAX_HELD`` elements in one trace or event are
refused), and ``max_rows`` bounds the number of events.
The result is a flat table, one row per XES ``<event>``: event attributes under their XES
keys (``concept:name``, ``time:timestamp``, ``lifecycle:transition``, ``org:resource``, ...) and
trace attributes prefixed with ``case:`` (``case:concept:name`` is the case id), the convention
pm4py uses. All values are strings; the declared XES type of each key (``string``, ``date``,
``int``, ``float``, ``boolean``, ``id``) is returned alongside so the caller can convert
attribute columns. Lists and containers, XES 2.0 meta-attributes (an attribute nested inside
another) and the later values of a key given twice in one event or trace (the first is read) are
not read; a note counts them. Start/complete pairing is done by the caller
(``sim.eventlog.lifecycle``), not here.
"""

from __future__ import annotations

import codecs
import gzip
import re
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.parsers import expat
from xml.parsers.expat import errors as expat_errors

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from sim.errors import EventLogError, TooManyRows
from sim.eventlog.log import READ_NOTES
from sim.eventlog.run_guard import RunLength

#: XES attribute element names that carry a single value.
_VALUE_TAGS = frozenset({"string", "date", "int", "float", "boolean", "id"})
_NESTED_TAGS = frozenset({"list", "container"})  # attributes holding attributes


def _local(tag: str) -> str:
    return tag[tag.rfind("}") + 1 :]


class _Tags(dict):
    """Cache of element tag -> local name (tags repeat millions of times in a large log)."""

    def __missing__(self, tag: str) -> str:
        local = self[tag] = _local(tag)
        return local


#: At most this many distinct non-date values are shared (one string object per value).
_POOL_LIMIT = 200_000


class _NotRead:
    """The attributes an XES file holds that the reader does not read, for the note
    (``_not_read_note``): lists and containers by key; meta-attributes (XES 2.0: attributes
    nested in an attribute) by the key they sit in and their own; keys given more than once in
    one event or trace, by key, counting the events and traces (only the first value is read)."""

    def __init__(self) -> None:
        self.nested: Counter[str] = Counter()
        self.meta: Counter[tuple[str, str]] = Counter()
        self.repeated: Counter[tuple[str, str]] = Counter()  # ("event" or "trace", key)

    def __bool__(self) -> bool:
        return bool(self.nested or self.meta or self.repeated)


def _attributes(
    elem,
    tags: _Tags,
    types: dict[str, str],
    pool: dict[str, str],
    prefix: str = "",
    *,
    skipped: _NotRead | None = None,
) -> dict[str, str]:
    """Single-valued attributes directly under ``elem``; nested lists and containers, the
    meta-attributes inside an attribute and the later values of a key given more than once (the
    first is read) are not read, each counted in ``skipped`` (the reader's note says so).

    Repeated values (activity names, resources, lifecycle words) share one string via ``pool``.
    """
    out: dict[str, str] = {}
    repeats: set[str] | None = None
    for child in elem:
        kind = tags[child.tag]
        if kind not in _VALUE_TAGS:
            if skipped is not None and kind in _NESTED_TAGS:
                skipped.nested[prefix + child.attrib.get("key", "?")] += 1
            continue
        attrib = child.attrib
        key = attrib.get("key")
        if key is None:
            continue
        name = prefix + key
        if name in out:  # a key given twice (two people?): the first value is the one read
            if repeats is None:
                repeats = set()
            repeats.add(name)
            continue
        if skipped is not None and len(child):  # meta-attributes describing this one
            for meta in child:
                skipped.meta[name, meta.attrib.get("key", "?")] += 1
        value = attrib.get("value")
        if kind != "date" and value is not None:
            shared = pool.get(value)
            if shared is not None:
                value = shared
            elif len(pool) < _POOL_LIMIT:
                pool[value] = value
        out[name] = value
        if name not in types:
            types[name] = kind
    if repeats and skipped is not None:
        unit = "trace" if prefix else "event"
        skipped.repeated.update((unit, name) for name in repeats)
    return out


MAX_DEPTH = 64
"""Deepest XML nesting an XES file may have: a log nests a handful of levels (log, trace, event,
list or container attributes); every open element is held in memory, so 5 million nested
containers took 1.5 GB before this limit."""

MAX_TEXT_RUN = 1 << 20
"""Most bytes an XES file may hold between two angle brackets (one attribute value, one run of
text or whitespace): longer runs are refused, because the XML parser re-scans an unfinished
token each time it gets more input (expat before 2.6), so a 65 KB gzip holding one 64 MiB
value took 3 minutes and a 4 MB one would take days, and a gzip of gigabytes of whitespace
grew memory without end."""


MAX_KEYS = 1_000
"""Most distinct attribute keys (event and trace keys together) an XES file may use: a log has
tens; each key is a column of the table, a value (empty or not) for every event: a 490 KB gzip
declaring 200,000 keys on one event took 1.5 GB, a 94 KB one with 9,000 keys on one event and
40,000 plain events 8.9 GB (10,000 were allowed then); 1,000 as for a CSV's columns
(``read.MAX_COLUMNS``)."""


MAX_HELD = 100_000
"""Most XML elements an XES file may have held at once below ``<log>``: the open trace's own
attributes and the open event with all it contains (a finished event is cleared, so its
elements no longer count). An event has tens of attributes and a trace a few, lists and
containers included; 100,000 (about 35 MB of parsed elements) is far beyond any real log, while
nothing bounded the repeats of one key before: a 1.3 MB gzip of one event with 20 million
``<string>`` children took 6.9 GB."""


def _too_many_held(path: Path, open_tags: list[str], n_traces: int, n_events: int) -> EventLogError:
    """The refusal of an element beyond ``MAX_HELD``, naming where it lies (``open_tags``: the
    local names of the elements open around it, outermost first)."""
    if "event" in open_tags:
        where = f"event {n_events + 1:,}" + (
            f" (in trace {n_traces + 1:,})" if "trace" in open_tags else ""
        )
    elif "trace" in open_tags:
        where = f"trace {n_traces + 1:,} (outside its events)"
    else:
        where = f"the <{open_tags[1] if len(open_tags) > 1 else open_tags[0]}> element of the log"
    return EventLogError(
        f"{path}: {where} holds more than {MAX_HELD:,} XML elements (attributes and the values "
        "nested in them); refused: an XES event or trace has tens of attributes (a malformed or "
        "hostile file?)"
    )


def _refuse_many_keys(types: dict[str, str], path: Path) -> None:
    if len(types) > MAX_KEYS:
        raise EventLogError(
            f"{path}: more than {MAX_KEYS:,} distinct attribute keys; refused: an XES log uses "
            "tens (each key becomes a column of the table)"
        )


class _RunGuard:
    """A binary file whose ``read`` refuses data with more than ``MAX_TEXT_RUN`` bytes between
    two angle brackets (a run that spans reads is counted across them)."""

    def __init__(self, fh: Any, path: Path) -> None:
        self._fh = fh
        self._runs = RunLength(
            b"<>",
            MAX_TEXT_RUN,
            lambda start: EventLogError(
                f"{path}: more than {MAX_TEXT_RUN:,} bytes of one value or text without markup "
                f"(from byte {start:,} of the uncompressed XML); refused: an XES attribute "
                "value is short (a malformed or hostile file?)"
            ),
        )

    def read(self, size: int = -1) -> bytes:
        chunk = self._fh.read(size)
        self._runs.feed(chunk)
        return chunk


def _resolve_clashes(
    case_part: pd.DataFrame, events: pd.DataFrame, types: dict[str, str]
) -> tuple[pd.DataFrame, list[str]]:
    """Event attributes named like a ``case:``-prefixed trace attribute (some converters write
    ``case:concept:name`` on every event): an event copy that equals its trace's value wherever
    it is given is dropped; one that differs is kept as ``<key>_event``. Returns the event
    attributes and a note per clash."""
    notes: list[str] = []
    renames: dict[str, str] = {}
    for key in [k for k in events.columns if k in case_part.columns]:
        given = events[key].notna()
        if (events.loc[given, key] == case_part.loc[given, key]).all():
            events = events.drop(columns=key)
            notes.append(
                f"Events carry attribute {key!r}, equal to their trace's {key[len('case:') :]!r} "
                "wherever given: the events' copy was dropped."
            )
            continue
        new = f"{key}_event"
        while new in case_part.columns or new in events.columns or new in renames.values():
            new += "_"
        renames[key] = new
        types.setdefault(new, types[key])
        notes.append(
            f"Events carry attribute {key!r}, which differs from their trace's "
            f"{key[len('case:') :]!r}: the trace's value stays {key!r}, the events' is kept as "
            f"{new!r}."
        )
    return events.rename(columns=renames), notes


def _not_read_note(skipped: _NotRead) -> str:
    """The note naming the attributes that were not read (``_NotRead``), with counts."""

    def listed(counts: Counter, show: Callable[[Any, int], str], more: str = "") -> str:
        shown = ", ".join(show(k, n) for k, n in counts.most_common(5))
        return shown + (f" and {len(counts) - 5:,} more{more}" if len(counts) > 5 else "")

    parts = []
    if skipped.nested:
        n = sum(skipped.nested.values())
        shown = listed(skipped.nested, lambda k, n: f"{k!r} ({n:,})", " keys")
        parts.append(
            f"{n:,} list or container attributes were not read ({shown}): a nested attribute "
            "holds several values, and the tool reads one value per attribute."
        )
    if skipped.meta:
        n = sum(skipped.meta.values())
        shown = listed(skipped.meta, lambda k, n: f"{k[1]!r} in {k[0]!r} ({n:,})")
        parts.append(
            f"{n:,} meta-attribute{'s' if n != 1 else ''} (an attribute nested inside another, "
            f"XES 2.0) {'were' if n != 1 else 'was'} not read ({shown}): the attribute that "
            "holds each was read, without them."
        )
    if skipped.repeated:
        shown = listed(
            skipped.repeated, lambda k, n: f"{k[1]!r} in {n:,} {k[0]}{'s' if n != 1 else ''}"
        )
        parts.append(
            f"Attribute keys given more than once in one event or trace ({shown}) were read "
            "with their first value, the later ones not: the tool reads one value per key (an "
            "event with two resources is read as done by the first)."
        )
    return " ".join(parts)


#: The encoding an XML declaration names (``<?xml version="1.0" encoding="UTF-8"?>``).
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][\w.:-]*)["']""")
#: expat's errors that bytes not in the document's encoding raise.
_BAD_BYTES = frozenset(
    expat_errors.codes[e]
    for e in (expat_errors.XML_ERROR_INVALID_TOKEN, expat_errors.XML_ERROR_PARTIAL_CHAR)
)
_ENCODING_SCAN_BYTES = 1 << 16  # the file is decoded this many bytes at a time for the hint


def _encoding_hint(path: Path, line: int | None) -> str:
    """The sentence on an XML error at ``line`` where the file's bytes up to that line are not in
    the encoding its XML declaration names (UTF-8 where it names none; QA xes17 #6: Latin-1
    bytes declared UTF-8 read as "invalid token" with no word of the encoding), naming the line,
    the bytes and the declared encoding, like a CSV's ``encoding`` hint; ``""`` where they are
    (the error is something else) or the file is UTF-16/32 (whose lines are not bytes)."""
    if line is None:
        return ""
    try:
        return _first_bad_bytes(path, line)
    except (OSError, EOFError, zlib.error):  # the hint is a guess: never an error of its own
        return ""


def _first_bad_bytes(path: Path, line: int) -> str:
    """``_encoding_hint``'s scan: the file decoded up to ``line`` in the declared encoding."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as f:
        head = f.read(256)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]:
            return ""
        named = _DECLARED_ENCODING.match(head.removeprefix(b"\xef\xbb\xbf"))
        declared = named[1].decode("ascii") if named else None
        try:
            codec = codecs.lookup(declared or "utf-8")
        except LookupError:
            return ""
        if codec.name.startswith(("utf-16", "utf-32")):
            return ""
        decoder = codec.incrementaldecoder()
        f.seek(0)
        number = 1  # the line the bytes fed so far end on
        while number <= line:
            chunk = f.read(_ENCODING_SCAN_BYTES)
            if not chunk:
                return ""
            pending = decoder.getstate()[0]  # an unfinished character of the previous chunk
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                data = err.object
                at = number - pending.count(b"\n") + data.count(b"\n", 0, err.start)
                if at > line:
                    return ""
                return _bad_bytes_text(at, data[err.start : err.end], declared, codec.name)
            number += chunk.count(b"\n")
    return ""


def _bad_bytes_text(line: int, raw: bytes, declared: str | None, codec: str) -> str:
    """The hint of ``_encoding_hint``: ``raw`` on ``line`` is not in the declared encoding. (No
    ``encoding=`` in it: the console reads that as the CSV reader's argument.)"""
    shown = " ".join(f"0x{b:02x}" for b in raw)
    named = (
        f"{declared}, the encoding its XML declaration names"
        if declared
        else "UTF-8, the encoding of an XML file whose declaration names none"
    )
    if codec == "utf-8":
        latin = raw.decode("cp1252", errors="replace")
        guess = f" ({latin!r} in Windows-1252/Latin-1?)"
        fix = "convert it to UTF-8 (iconv -f cp1252 -t utf-8) or write the encoding it is in "
        fix += "(windows-1252?)"
    else:
        guess, fix = "", f"convert it to {declared} or write the encoding it is in"
    return (
        f"; line {line} holds byte(s) {shown}{guess} that are not {named}: the file's bytes may "
        f"not be in its declared encoding; {fix} into its XML declaration, the file's first line"
    )


def read_xes_table(
    path: Path, *, max_rows: int | None = None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read an XES file into a flat string table (one row per event) and the XES type of each key.

    Raises ``EventLogError`` naming the file for malformed XML (with line and column), forbidden
    XML constructs (DTDs, entities), broken gzip data, and more events than ``max_rows``.
    Events found outside any ``<trace>`` get no case attributes (so no case id).
    """
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    tags = _Tags()
    pool: dict[str, str] = {}
    columns: dict[str, list[str | None]] = {}
    types: dict[str, str] = {}
    trace_of_event: list[int] = []
    trace_rows: list[dict[str, str]] = []
    skipped = _NotRead()
    n_events = 0
    pending = 0  # events read since the last trace ended (they belong to the next trace end)
    last_tag = None
    try:
        with opener(path, "rb") as raw:
            fh = _RunGuard(raw, path)
            # An element is handled when it ends, then cleared; "start" events only count the
            # nesting depth (refused beyond MAX_DEPTH: every open element is held) and the
            # elements held (refused beyond MAX_HELD). ``opened`` holds each open element and
            # the count held before it started, which is the count again once it is cleared.
            root = None
            held = 0
            opened: list[tuple[Any, int]] = []
            for kind, elem in iterparse(fh, events=("start", "end"), forbid_dtd=True):
                if kind == "start":
                    if len(opened) >= MAX_DEPTH:
                        raise EventLogError(
                            f"{path}: XML nested more than {MAX_DEPTH} elements deep; refused: "
                            "an XES log nests a few levels (log, trace, event, attributes)"
                        )
                    if held > MAX_HELD:
                        open_tags = [tags[e.tag] for e, _ in opened]
                        raise _too_many_held(path, open_tags, len(trace_rows), n_events)
                    opened.append((elem, held))
                    held += 1
                    if root is None:
                        root = elem
                    continue
                held_before = opened.pop()[1]
                depth = len(opened)
                tag = tags[elem.tag]
                last_tag = tag
                if tag == "event":
                    if max_rows is not None and n_events >= max_rows:
                        raise TooManyRows(
                            f"{path}: more than max_rows={max_rows} events; raise max_rows= "
                            "to read this file",
                            path=path,
                            limit=max_rows,
                        )
                    attrs = _attributes(elem, tags, types, pool, skipped=skipped)
                    _refuse_many_keys(types, path)
                    for key, values in columns.items():
                        values.append(attrs.pop(key, None))
                    for key, value in attrs.items():
                        columns[key] = [None] * n_events + [value]
                    n_events += 1
                    pending += 1
                    elem.clear()
                elif tag == "trace":
                    inside = sum(1 for child in elem if tags[child.tag] == "event")
                    trace_of_event.extend([-1] * (pending - inside))  # stray events before it
                    trace_of_event.extend([len(trace_rows)] * inside)
                    pending = 0
                    trace_rows.append(
                        _attributes(elem, tags, types, pool, prefix="case:", skipped=skipped)
                    )
                    _refuse_many_keys(types, path)
                    elem.clear()
                if depth == 1 and root is not None:
                    # a child of <log> is done once it ends (a trace was read above; extensions,
                    # globals and classifiers are not used): <log> need not hold one per trace
                    root.clear()
                    held = held_before
                elif tag in ("event", "trace"):
                    # cleared above (an event's empty shell stays in its trace: events are
                    # bounded by max_rows)
                    held = held_before
    except ParseError as err:
        line, col = getattr(err, "position", (None, None))
        hint = _encoding_hint(path, line) if getattr(err, "code", None) in _BAD_BYTES else ""
        raise EventLogError(
            f"{path}: malformed XML at line {line}, column {col} ({err}); expected a "
            f"well-formed XES document{hint}"
        ) from None
    except DefusedXmlException as err:
        raise EventLogError(
            f"{path}: refused to parse: the XML uses a forbidden construct ({type(err).__name__}: "
            f"{err}); XES logs need no DTD or entity declarations"
        ) from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise EventLogError(
            f"{path}: cannot decompress ({err}); expected a gzip-compressed XES file"
        ) from None
    except UnicodeDecodeError as err:
        raise EventLogError(f"{path}: cannot decode the text ({err}); expected UTF-8") from None
    if last_tag is not None and last_tag != "log":
        raise EventLogError(
            f"{path}: not an XES log: the root element is <{last_tag}>, expected <log>"
        )
    trace_of_event.extend([-1] * pending)

    events = pd.DataFrame(columns, dtype=object)
    notes: list[str] = []
    if trace_rows:
        traces = pd.DataFrame.from_records(trace_rows).astype(object)
        idx = np.asarray(trace_of_event, dtype=np.int64)
        # Row len(traces) does not exist: reindex gives missing case attributes there.
        case_part = traces.reindex(np.where(idx >= 0, idx, len(traces))).reset_index(drop=True)
        events, notes = _resolve_clashes(case_part, events.reset_index(drop=True), types)
        # Trace attributes first (case:concept:name leads), then event attributes.
        events = pd.concat([case_part, events], axis=1)
    if skipped:
        notes.append(_not_read_note(skipped))
    events.attrs[READ_NOTES] = notes
    events.attrs["traces"] = len(trace_rows)  # for the reader's "the log is empty" message
    ids = [t["case:concept:name"] for t in trace_rows if "case:concept:name" in t]
    # two traces with one id become one case: say so (pandas' attrs carry it to the reader)
    events.attrs["traces_sharing_an_id"] = len(ids) - len(set(ids))
    return events, types


class _Refused(Exception):
    """A DTD met by ``EventLocator``'s scan (refused, as ``read_xes_table`` refuses it)."""


class EventLocator:
    """Where row ``i`` of ``read_xes_table``'s table (the file's ``i + 1``-th event) lies, as
    the reader's ``row_label``: ``"event 6 (line 12, trace 'c1')"``, with the line its
    ``<event>`` starts on (of the uncompressed XML) and the ``concept:name`` of the trace that
    holds it (its case id; ``trace 3`` where it has none, ``outside any trace`` for a stray
    event), so an error in a log of 200,000 events can be found (QA spec24 #7: ``event
    180,413`` alone could not). ``iterparse`` gives no element's line, so the file is scanned
    again for them (``expat``, no tree built, a DTD refused) only when a label is asked for (an
    error or a note naming events), as far as the event asked for and the end of its trace; the
    scan resumes for a later event. Where the scan fails the label is ``"event 6"`` alone: a
    label is never an error of its own."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lines = array("q")  # the line each event starts on, in the order events end
        self._trace = array("q")  # the trace holding each event (-1: none)
        self._names: list[str | None] = []  # each trace's concept:name, in the order they start
        self._open: list[tuple[int, int]] = []  # the traces open: (index, depth), outermost first
        self._starts: list[int] = []  # the lines of the events open
        self._depth = 0
        self._scan: Iterator[bool] | None = None  # the scan, started on the first label
        self._failed = False

    def __call__(self, i: int) -> str:
        label = f"event {i + 1:,}"
        if self._failed or not self._reach(i):
            return label
        t = self._trace[i]
        if t < 0:
            trace = "outside any trace"
        elif (name := self._names[t]) is not None:
            trace = f"trace {name!r}"
        else:
            trace = f"trace {t + 1:,}, which has no concept:name"
        return f"{label} (line {self._lines[i]:,}, {trace})"

    def _known(self, i: int) -> bool:
        """Whether event ``i`` and its trace's name are known: its trace has ended or named."""
        if len(self._lines) <= i:
            return False
        t = self._trace[i]
        return t < 0 or self._names[t] is not None or all(o != t for o, _ in self._open)

    def _reach(self, i: int) -> bool:
        """Scan on until event ``i`` is known; False where the file ends or the scan fails."""
        if self._scan is None:
            self._scan = self._chunks()
        try:
            while not self._known(i):
                if next(self._scan, None) is None:
                    return self._known(i)
        except (
            _Refused,
            expat.ExpatError,
            EventLogError,
            OSError,
            EOFError,
            zlib.error,
            UnicodeError,
            ValueError,
        ):
            self._failed = True
            return False
        return True

    def _chunks(self) -> Iterator[bool]:
        """The scan: feeds the file to ``expat`` a chunk at a time, yielding after each."""
        parser = expat.ParserCreate(namespace_separator="}")
        names, opened, starts = self._names, self._open, self._starts

        def refuse(*_args: Any) -> None:
            raise _Refused

        def start(tag: str, attrib: dict[str, str]) -> None:
            self._depth += 1
            local = _local(tag)
            if local == "event":
                starts.append(parser.CurrentLineNumber)
            elif local == "trace":
                opened.append((len(names), self._depth))
                names.append(None)
            elif (
                local in _VALUE_TAGS
                and opened
                and opened[-1][1] == self._depth - 1
                and attrib.get("key") == "concept:name"
                and names[opened[-1][0]] is None  # the first value is the one read
            ):
                names[opened[-1][0]] = attrib.get("value")

        def end(tag: str) -> None:
            self._depth -= 1
            local = _local(tag)
            if local == "event":
                self._lines.append(starts.pop())
                self._trace.append(opened[-1][0] if opened else -1)
            elif local == "trace":
                opened.pop()

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.StartDoctypeDeclHandler = refuse
        parser.EntityDeclHandler = refuse
        opener = gzip.open if self._path.name.lower().endswith(".gz") else open
        with opener(self._path, "rb") as raw:
            fh = _RunGuard(raw, self._path)
            while chunk := fh.read(1 << 16):
                parser.Parse(chunk, False)
                yield True
            parser.Parse(b"", True)
