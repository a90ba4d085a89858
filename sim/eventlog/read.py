"""Read CSV / XES / parquet event logs into the standard event table and clean them.

Pipeline (each step counts what it removes; see ``CleaningReport``):

1. read the file (CSV and parquet with pandas/pyarrow, XES with a streaming defusedxml parser;
   a CSV line over 1 MiB or record over 4 MiB, a quote left open over whole rows, fields
   beyond the header's that hold data (see ``sim.eventlog.csv_text``) and more than
   ``MAX_COLUMNS`` columns are refused);
2. find the key columns (given keys, else the common conventions) and rename them to the
   standard names of ``sim.model.columns``; other columns are kept as pandas reads them (a
   parquet file's nested columns as JSON text) or, with ``keep_attributes=False``, only as a
   hash for step 5;
3. parse timestamps to tz-naive times on one clock (``timezone``: by default the clock they were
   written in when their offsets are one place's, else UTC; see ``sim.eventlog.timestamps``),
   every event keeping its exact duration, and one with an offset on one of start and end only
   its written duration (the other time read on that one's clock, ``_put_on_clock``);
4. remove rows with no case id or activity, then rows with no end timestamp;
5. remove exact duplicate rows (a first column without a name that numbers the rows, a table's
   index written by ``to_csv()``, is left out: ``_drop_row_numbers``; so are the row and case
   numbers pm4py adds, ``@@index`` and the other ``@@`` columns: ``_drop_pm4py_columns``);
6. lifecycle logs (a ``lifecycle:transition`` column and no start column): pair start/complete
   events on their exact instants into one row per activity instance, put on the clock as
   in step 3 (``sim.eventlog.lifecycle``); a start and its completion with a UTC offset on one
   of them only are read as such a row is, the other on that one's clock (``_lifecycle_pairs``);
7. remove rows whose end is before their start, and the cases of implausible timestamps;
8. if the log has no start times at all, estimate them (``sim.eventlog.estimate``);
9. refuse logs that are empty, have one case only or one activity only;
10. flag right-censored cases (``sim.eventlog.open_cases``) and sort; before step 8, a row
    written in the hour that repeats when the clocks go back before an earlier row of its case
    is moved onto that row's clock, so each case's order is the true one (``_keep_case_order``).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pandas._libs.parsers import STR_NA_VALUES  # pandas' default missing-value words

from sim.errors import EventLogError, TooManyRows
from sim.eventlog.csv_text import (
    MAX_LINE_BYTES,
    SEP_LINE,
    CsvLines,
    line_breaks,
    open_guarded,
    records,
    runaway_quote,
)
from sim.eventlog.estimate import METHOD as ESTIMATION_METHOD
from sim.eventlog.estimate import StartEstimates, estimate_start_times_counted
from sim.eventlog.lifecycle import (
    ABORTED_SUFFIX,
    CLOCK_SKEW,
    COMPLETE_WORDS,
    INSTANCE,
    RESUME,
    ROW,
    START_WORDS,
    SUSPEND,
    NaiveReach,
    abort_note,
    pair_lifecycle,
    surest_pairs,
    suspension_note,
)
from sim.eventlog.log import CASE_OPEN, READ_NOTES, CleaningReport, EventLog
from sim.eventlog.open_cases import DEFAULT_TAIL_FRACTION, flag_open_cases
from sim.eventlog.timestamps import (
    OFFSET_DTYPE,
    ONE_PLACE_SPREAD,
    TIME_DTYPE,
    WRITTEN,
    ClockChange,
    ZoneCount,
    choose_clock,
    clock_changes,
    day_month_swapped,
    on_clock,
    parse_timestamps,
    whole_minutes,
)
from sim.eventlog.xes import EventLocator, read_xes_table
from sim.model import columns as C
from sim.model.io import (
    EVENT_LOG_SUFFIXES,
    UNSAFE_NAME_CHARACTERS,
    event_log_name_by_content,
    visible_name,
)

LIFECYCLE = "lifecycle"  # internal role name of the lifecycle column
LIFECYCLE_WORDS = START_WORDS | COMPLETE_WORDS  # the values that make a column a lifecycle column

#: Column names recognised automatically, in order of preference (matched ignoring case, spaces,
#: underscores, hyphens and colons: ``Lifecycle Transition`` is ``lifecycle:transition``).
CANDIDATES: dict[str, tuple[str, ...]] = {
    C.CASE: ("case_id", "case:concept:name", "CaseID", "case"),
    C.ACTIVITY: ("activity", "concept:name", "activity_name"),
    C.START: ("start_time", "start_timestamp", "StartTimestamp"),
    C.END: (
        "end_time",
        "time:timestamp",
        "end_timestamp",
        "EndTimestamp",
        "complete_timestamp",
        "timestamp",
    ),
    C.RESOURCE: ("resource", "org:resource"),
    C.ENABLED: ("enabled_time", "enable_time", "enabled_timestamp"),
    C.ROLE: ("role", "org:role"),
    # a property of the case: its case-level column (an XES trace attribute, ``case:`` in a
    # pm4py table) first; an event attribute of the same name may be on some events only (QA
    # xes17 #7: a 'segment' on 12 cases' B events beat the 'case:segment' every case has)
    C.SEGMENT: ("case:segment", "segment"),
    C.OUTCOME: ("outcome", "case:outcome"),
    LIFECYCLE: ("lifecycle:transition", "lifecycle"),
}
#: Keyword argument of ``read_event_log`` that maps each key column.
KEY_ARGUMENT = {
    C.CASE: "case_id_key",
    C.ACTIVITY: "activity_key",
    C.START: "start_key",
    C.END: "end_key",
    C.RESOURCE: "resource_key",
    C.ROLE: "role_key",
    C.SEGMENT: "segment_key",
    LIFECYCLE: "lifecycle_key",
}
REQUIRED_KEYS = (C.CASE, C.ACTIVITY, C.END)
TIME_KEYS = (C.START, C.END, C.ENABLED)
STRING_KEYS = (C.CASE, C.ACTIVITY, C.RESOURCE, C.ROLE, C.SEGMENT, C.OUTCOME)
SUFFIXES = EVENT_LOG_SUFFIXES  # the model reader refuses these as process files too
TEXT_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz")
STRING_DTYPE = pd.StringDtype()  # missing values are pd.NA
#: What to do with exact duplicate rows whose times carry a date and no time of day.
DATE_ONLY_DUPLICATES = ("drop", "keep")


def _norm(name: str) -> str:
    """A column name as compared with the candidates: case, spaces, underscores, hyphens and
    colons ignored (``case_concept_name`` and ``case:concept:name`` are one name)."""
    return re.sub(r"[\s_\-:]", "", str(name)).lower()


def resolve_columns(
    columns: Iterable[str],
    *,
    source: str,
    keys: dict[str, str | None],
) -> dict[str, str]:
    """Map standard names to the file's column names. Raises for a missing required column.

    ``keys`` holds the user's explicit choices (``None`` = recognise automatically).
    """
    cols = [str(c) for c in columns]
    found = ", ".join(repr(c) for c in cols) or "none"
    _refuse_duplicate_names(cols, source)
    by_norm = _by_norm(cols)
    mapping: dict[str, str] = {}
    for std in CANDIDATES:  # the user's choices first: automatic recognition takes what is left
        given = keys.get(std)
        if given is None:
            continue
        if given not in cols:
            raise EventLogError(
                f"{source}: column {given!r} given as {KEY_ARGUMENT[std]}= is not in the "
                f"file; columns found: {found} (pass {KEY_ARGUMENT[std]}='<column>' naming one)"
            )
        other = next((k for k, v in mapping.items() if v == given), None)
        if other is not None:
            raise EventLogError(
                f"{source}: column {given!r} is given both as {KEY_ARGUMENT[other]}= and as "
                f"{KEY_ARGUMENT[std]}=; expected a different column for each"
            )
        mapping[std] = given
    for std, candidates in CANDIDATES.items():
        if std in mapping:
            continue
        for cand in candidates:
            hit = by_norm.get(_norm(cand))
            if hit is not None and hit not in mapping.values():
                mapping[std] = hit
                break
    missing = [
        _missing_column(std, mapping, by_norm) for std in REQUIRED_KEYS if std not in mapping
    ]
    if missing:  # all at once: one run names every column to map
        raise EventLogError(f"{source}: {'; '.join(missing)}; columns found: {found}")
    return mapping


def _by_norm(cols: list[str]) -> dict[str, str]:
    """Each normalised name to the file's column: a column named exactly like a candidate
    (``case_id``) before one that only normalises to it (``Case ID``), else the first."""
    exact = {c for cand in CANDIDATES.values() for c in cand}
    by_norm: dict[str, str] = {}
    for c in cols:
        key = _norm(c)
        if key not in by_norm or (c in exact and by_norm[key] not in exact):
            by_norm[key] = c
    return by_norm


def ambiguous_columns(
    columns: Iterable[str], mapping: dict[str, str], keys: dict[str, str | None]
) -> list[str]:
    """Notes for the key columns recognised automatically where more than one column of the
    file fitted (``Case ID`` and ``case_id``; ``case_id`` and ``case:concept:name``): which one
    was used, and the keyword that chooses another."""
    cols = [str(c) for c in columns]
    notes = []
    for std, used in mapping.items():
        if keys.get(std) is not None or std not in KEY_ARGUMENT:
            continue
        norms = {_norm(c) for c in CANDIDATES[std]}
        fits = [c for c in cols if _norm(c) in norms and c not in mapping.values()]
        if fits:
            others = ", ".join(repr(c) for c in fits)
            case_level = std == C.SEGMENT and _norm(used) == _norm(CANDIDATES[std][0])
            why = ", the case attribute" if case_level else ""
            notes.append(
                f"Columns {used!r} and {others} could each be the {_describe(std)} column: used "
                f"{used!r}{why} (pass {KEY_ARGUMENT[std]}='<column>' to choose another)."
            )
    return notes


def _missing_column(std: str, mapping: dict[str, str], by_norm: dict[str, str]) -> str:
    """What to say about a required column not found: the names expected, a candidate already
    taken by another key, and the keyword that names it."""
    expected = ", ".join(repr(c) for c in CANDIDATES[std])
    taken = [
        f"{hit!r} is the {_describe(k)} column"
        for k, hit in mapping.items()
        if any(by_norm.get(_norm(c)) == hit for c in CANDIDATES[std])
    ]
    return (
        f"no {_describe(std)} column found"
        + (f" ({', '.join(taken)})" if taken else "")
        + f" (expected one of {expected}; pass {KEY_ARGUMENT[std]}='<column>' to name it)"
    )


def _refuse_duplicate_names(names: list[str], source: str, hint: Callable[[], str] = str) -> None:
    """Raise when column names repeat: which of two 'activity' columns is meant is unknown (and
    pandas would hand out both where one is expected); ``hint`` gives what else to say (a CSV's
    other separator: ``_separator_hint``)."""
    counts = pd.Series(names, dtype=object).value_counts(sort=False)
    repeated = [f"{name!r} ({n} times)" for name, n in counts.items() if n > 1]
    if repeated:
        raise EventLogError(
            f"{source}: column names occur more than once: {', '.join(repeated)}; expected "
            f"each column named once (rename or drop the copies{hint()})"
        )


def _describe(std: str) -> str:
    return {
        C.CASE: "case id",
        C.ACTIVITY: "activity",
        C.END: "end/completion timestamp",
        C.START: "start timestamp",
    }.get(std, std)


#: Spreadsheet files, refused with the export to make (QA crmexport16 #6).
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


def _suffix(path: Path) -> str:
    """The file type ``path``'s name gives (one of ``SUFFIXES``); raises for another."""
    name = path.name.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    if name.endswith(SPREADSHEET_SUFFIXES):
        raise EventLogError(
            f"{path}: a spreadsheet workbook, an unknown file type: export the sheet as 'CSV "
            "UTF-8' (Excel: File > Save As; LibreOffice: Save As 'Text CSV') and read the .csv "
            f"file (expected one of {', '.join(SUFFIXES)})"
        )
    found = event_log_name_by_content(path) if path.is_file() else None
    hint = f"; the file holds {found[1]}: rename it {found[0].name}" if found else ""
    raise EventLogError(
        f"{path}: unknown file type; expected one of {', '.join(SUFFIXES)} "
        f"(CSV, gzip CSV, tab-separated text, XES, gzip XES, parquet){hint}"
    )


def _sniff(path: Path, suffix: str) -> None:
    """Raise when the file's first bytes say it is not what its name says (a gzip named .xes, a
    parquet file named .csv, an Excel workbook, XML named .csv) or it is empty, naming what it
    is and the name to give it."""
    with open(path, "rb") as f:
        head = f.read(8)
    stem = path.name[: -len(suffix)]
    kind = {".xes": "an XES log", ".parquet": "a parquet file", ".pq": "a parquet file"}.get(
        suffix.removesuffix(".gz"), "a CSV file"
    )
    if not head and suffix not in TEXT_SUFFIXES:  # CSV says so with its header
        raise EventLogError(f"{path}: the file is empty; expected {kind}")
    if head.startswith(b"PAR1") and suffix not in (".parquet", ".pq"):
        raise EventLogError(
            f"{path}: the file is a parquet file, not {kind}; rename it {stem}.parquet"
        )
    if head.startswith(b"PK\x03\x04"):
        raise EventLogError(
            f"{path}: the file is a zip archive (an Excel .xlsx workbook?), not {kind}; export "
            "the sheet as 'CSV UTF-8' or unzip it"
        )
    gz = suffix.endswith(".gz")
    if head.startswith(b"\x1f\x8b") and not gz:
        raise EventLogError(f"{path}: the file is gzip-compressed; rename it {path.name}.gz")
    inner = head
    if gz and head.startswith(b"\x1f\x8b"):
        try:
            with gzip.open(path, "rb") as f:
                inner = f.read(64)
        except (OSError, EOFError, zlib.error):
            return  # the reader names the broken gzip data
    text = inner.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"<?xml", b"<log")) and suffix in TEXT_SUFFIXES:
        raise EventLogError(
            f"{path}: the file is XML (an XES log?), not a CSV file; rename it "
            f"{stem}.xes{'.gz' if gz else ''}"
        )
    if gz and not inner and suffix not in TEXT_SUFFIXES:
        raise EventLogError(f"{path}: the file is empty (once decompressed); expected {kind}")


def _too_many(path: Path, max_rows: int) -> TooManyRows:
    return TooManyRows(
        f"{path}: more than max_rows={max_rows} rows; raise max_rows= to read this file",
        path=path,
        limit=max_rows,
    )


OTHER_SEPARATORS = (";", "\t", "|")


def _separator(path: Path, encoding: str = "utf-8-sig") -> tuple[str, bool]:
    """The separator, and whether an Excel ``sep=X`` line names it: a tab for ``.tsv``; else
    the one the header line uses most: ``,`` unless another (Excel's ``;`` in many locales,
    tabs, pipes) is more frequent there (a column named ``resource, team`` in a ``;`` file does
    not make it comma-separated)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as f:
        head = f.read(2)
        if head == b"\x1f\x8b" and opener is open:
            raise EventLogError(f"{path}: the file is gzip-compressed; rename it {path.name}.gz")
        first = (head + f.readline(1 << 20)).decode(encoding, errors="replace")
    named = SEP_LINE.fullmatch(first.lstrip("\ufeff"))
    if named:
        return named[1], True
    if path.name.lower().endswith((".tsv", ".tsv.gz")):
        return "\t", False
    bare = _outside_quotes(first)
    counts = {sep: bare.count(sep) for sep in OTHER_SEPARATORS}
    best = max(counts, key=counts.get)
    return (best if counts[best] > bare.count(",") else ","), False


_QUOTED = re.compile(r'"(?:[^"]|"")*"')  # a quoted field, its doubled quotes included


def _outside_quotes(line: str) -> str:
    """``line`` without its quoted parts: a comma inside a quoted column name (``"Début (jour,
    mois, an)"`` in a ``;`` file) separates nothing (QA crmexport16 #4)."""
    return _QUOTED.sub("", line)


def _separator_hint(path: Path, sep: str, encoding: str) -> str:
    """Where a CSV's header line splits into repeated names: the other separator its line holds
    (outside quotes) and the ``sep=`` line that makes it the separator, else nothing."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as f:
        first = _outside_quotes(f.readline(1 << 20).decode(encoding, errors="replace"))
    others = {o: first.count(o) for o in (",", *OTHER_SEPARATORS) if o != sep}
    best = max(others, key=others.get)
    if not others[best]:
        return ""
    if best == "\t":
        return f"; or is the file separated by tabs, not {sep!r}? Name it .tsv to read it so"
    return (
        f"; or is the file separated by {best!r}, not {sep!r}? Add the line 'sep={best}' before "
        "the header line (as Excel writes it) to read it so"
    )


NAME_KEYS = ("case_id", "activity", "resource", "role", "segment", "outcome")


def _header_fields(path: Path, sep: str, encoding: str) -> list[str]:
    """The CSV's header line as written (pandas renames a repeated name ``activity.1``)."""
    with closing(records(path, sep, header=True, encoding=encoding)) as found:
        first = next(found, None)
    return first[1] if first is not None else []


#: Rows a CSV is parsed in at a time: the parser's working memory stays that of one chunk, and
#: ``max_rows`` refuses a longer file as soon as it is passed, not after the whole file is read.
CSV_CHUNK_ROWS = 500_000
#: Fields (rows x columns) a CSV chunk may hold: a wide file is parsed in fewer rows at a time
#: (``_chunk_rows``), so the chunk's memory does not grow with the width. 500,000 rows of 10
#: columns, the public logs' widths (6 to 16 columns) read in chunks of 300,000 rows or more.
CSV_CHUNK_CELLS = 5_000_000
#: Most columns a CSV or parquet log may have: an event log has tens (case id, activity, times,
#: resource and case and event attributes: the logs of ../shared/data have 6 to 16), and every
#: column costs time and memory on every row (a 577 KB gzip of 100,000 empty columns over 3,000
#: rows took 9.4 GB to calibrate). An XES log's keys are bounded by ``xes.MAX_KEYS``.
MAX_COLUMNS = 1_000


def _refuse_many_columns(n_columns: int, path: Path, where: str) -> None:
    """Raise when a log has more than ``MAX_COLUMNS`` columns (``where``: "the header line
    names", "the file has")."""
    if n_columns > MAX_COLUMNS:
        raise EventLogError(
            f"{path}: {where} {n_columns:,} columns, more than {MAX_COLUMNS:,}; refused: an "
            "event log has tens (case id, activity, times, resource and attributes); keep the "
            "columns the log needs in the file (a malformed or hostile file?)"
        )


def _chunk_rows(n_columns: int, max_rows: int | None) -> int:
    """Rows of a CSV chunk: ``CSV_CHUNK_ROWS``, fewer where the rows are wide (at most
    ``CSV_CHUNK_CELLS`` fields a chunk), and ``max_rows + 1`` where that is fewer still (a
    limit below one chunk is checked after max_rows + 1 rows, not a whole chunk)."""
    rows = max(1, min(CSV_CHUNK_ROWS, CSV_CHUNK_CELLS // max(n_columns, 1)))
    return min(rows, max_rows + 1) if max_rows else rows


#: With ``keep_attributes=False``: one hash of a row's other columns (numbers as numbers, the
#: rest as text), so that rows differing only there are still told apart by the duplicate check;
#: dropped after it.
ATTRIBUTES_HASH = "_attributes_hash"
HASHED_COLUMNS = "hashed_columns"  # DataFrame.attrs key: their names (for hints: start_key=)


#: The column ``simulate output.trace=true`` adds to its simulated log: which replication an
#: event belongs to. Replications are independent runs over the same dates; read as one log they
#: overlay several histories (``_note_replications``).
REPLICATION = "replication"

#: The name pandas gives a first column whose header is empty: ``DataFrame.to_csv()`` writes the
#: table's index there (0, 1, 2, ...), which would make every row unique.
INDEX_COLUMN = "Unnamed: 0"

#: How the names of the columns pm4py adds to a table it formats begin (``@@index``, which
#: numbers the rows, ``@@case_index``, ``@@index_in_trace``, ...: ``pm4py.util.constants``).
#: They are pm4py's bookkeeping, not attributes of the events; a CSV or parquet file saved from
#: such a table keeps them, and ``@@index`` made every row unique (QA xes17 #3).
PM4PY_PREFIX = "@@"


def _key_columns(columns: Iterable[str], mapping: dict[str, str]) -> set[str]:
    """The file's columns the standard table is built from (the others are attributes), and a
    possible row-number column (``INDEX_COLUMN``, judged by ``_drop_row_numbers``) and pm4py's
    bookkeeping columns (left out by ``_drop_pm4py_columns``)."""
    names = {str(c) for c in columns}
    pm4py = {c for c in names if c.startswith(PM4PY_PREFIX)}
    # concept:instance pairs lifecycle events; an input case_open is replaced (and noted)
    return (
        set(mapping.values()) | ({INSTANCE, CASE_OPEN, INDEX_COLUMN, REPLICATION} & names) | pm4py
    )


def _drop_pm4py_columns(raw: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """``raw`` without the columns pm4py adds to a table it formats (``PM4PY_PREFIX``: row and
    case numbers), with a note naming them: ``@@index`` numbers the rows, so kept as an attribute
    it made every row unique and hid exact duplicates (each copy read as a repetition). A column
    given as a key stays."""
    used = set(mapping.values())
    names = [str(c) for c in raw.columns if str(c).startswith(PM4PY_PREFIX) and c not in used]
    if not names:
        return raw
    out = raw.drop(columns=names)
    shown = ", ".join(repr(c) for c in names)
    out.attrs[READ_NOTES] = [
        *raw.attrs.get(READ_NOTES, []),
        f"Left out {_plural(len(names), 'column')} {shown} that pm4py adds to a table it formats "
        "(its row and case numbers): bookkeeping, not attributes of the events (a row number "
        "would make every row unique, hiding exact duplicates).",
    ]
    return out


def _note_replications(
    raw: pd.DataFrame, mapping: dict[str, str], *, keep_attributes: bool
) -> pd.DataFrame:
    """``raw`` with a note when it is a simulated trace of several replications (a
    ``replication`` column with more than one value): they run over the same dates, so read
    together their arrivals add up and the same people seem to work several cases at once (QA 9a
    #4: a CRM trace of 2 replications calibrated to a model 90 % slower than the trace,
    in-sample). The column is kept out of the attribute hash to be read here; without
    attributes it is hashed in now."""
    if REPLICATION not in raw.columns or REPLICATION in mapping.values():
        return raw
    values = pd.unique(raw[REPLICATION].dropna())
    if len(values) >= 2:
        shown = ", ".join(str(v) for v in values[:3]) + (", ..." if len(values) > 3 else "")
        raw.attrs[READ_NOTES] = [
            *raw.attrs.get(READ_NOTES, []),
            f"Read {len(values)} replications of a simulation together (column 'replication': "
            f"{shown}): each ran over the same dates, so read as one history they have "
            f"{len(values)} times the arrivals and their people work several cases at once; "
            "calibrate from the rows of one replication (or a trace of scenario.replications=1).",
        ]
    if keep_attributes:
        return raw
    parts = {REPLICATION: _comparable(raw[REPLICATION])}
    if ATTRIBUTES_HASH in raw.columns:
        parts[ATTRIBUTES_HASH] = raw[ATTRIBUTES_HASH]
    hashed = pd.util.hash_pandas_object(pd.DataFrame(parts), index=False).to_numpy()
    out = raw.drop(columns=REPLICATION)
    out[ATTRIBUTES_HASH] = hashed
    out.attrs[HASHED_COLUMNS] = [*raw.attrs.get(HASHED_COLUMNS, []), REPLICATION]
    return out


def _drop_row_numbers(
    raw: pd.DataFrame, mapping: dict[str, str], *, keep_attributes: bool
) -> pd.DataFrame:
    """``raw`` without its first column when that column has no header name and numbers the
    rows (strictly increasing whole numbers: a table's index written by ``to_csv()``), with a
    note: it would make every row unique, so exact duplicates went unseen. Any other such column
    stays an attribute (hashed into ``ATTRIBUTES_HASH`` where the attributes are)."""
    if INDEX_COLUMN not in raw.columns or INDEX_COLUMN in mapping.values():
        return raw
    values = pd.to_numeric(raw[INDEX_COLUMN], errors="coerce")
    whole = values.notna().all() and bool((values == values.round()).all())
    if (
        raw.columns[0] == INDEX_COLUMN
        and whole
        and values.is_monotonic_increasing
        and (values.is_unique)
    ):
        out = raw.drop(columns=INDEX_COLUMN)
        out.attrs[READ_NOTES] = [
            *raw.attrs.get(READ_NOTES, []),
            f"Left out the first column, which has no name and numbers the rows "
            f"({_shown_range(values)}): a table's index written with it, not an attribute of "
            "the events (it would make every row unique, hiding exact duplicates).",
        ]
        return out
    if keep_attributes:
        return raw
    parts = {INDEX_COLUMN: _comparable(raw[INDEX_COLUMN])}  # hashed like the other attributes
    if ATTRIBUTES_HASH in raw.columns:
        parts[ATTRIBUTES_HASH] = raw[ATTRIBUTES_HASH]
    out = raw.drop(columns=INDEX_COLUMN)
    out[ATTRIBUTES_HASH] = pd.util.hash_pandas_object(pd.DataFrame(parts), index=False).to_numpy()
    out.attrs[HASHED_COLUMNS] = [*raw.attrs.get(HASHED_COLUMNS, []), INDEX_COLUMN]
    return out


def _shown_range(values: pd.Series) -> str:
    """``"0, 1, ..., 41"``."""
    first = [f"{v:g}" for v in values.iloc[:2]]
    return ", ".join(first) + (f", ..., {values.iloc[-1]:g}" if len(values) > 2 else "")


def _comparable(values: pd.Series) -> pd.Series:
    """An attribute column as the duplicate check compares it when the columns are kept: a
    column of numbers as numbers (``0``, ``0.0`` and ``0.00`` are one value, as pandas reads
    them), any other as text."""
    numbers = pd.to_numeric(values, errors="coerce")
    if int(numbers.notna().sum()) == int(values.notna().sum()):
        return numbers.astype("float64")
    return values.astype(str)


def _hash_attributes(frame: pd.DataFrame, keep: set[str]) -> pd.DataFrame:
    """``frame`` with its attribute columns replaced by ``ATTRIBUTES_HASH``."""
    others = [c for c in frame.columns if c not in keep]
    if not others:
        return frame
    comparable = pd.DataFrame({c: _comparable(frame[c]) for c in others})
    hashed = pd.util.hash_pandas_object(comparable, index=False).to_numpy()
    out = frame.drop(columns=others)
    out[ATTRIBUTES_HASH] = hashed
    out.attrs[HASHED_COLUMNS] = others
    return out


#: ``DataFrame.attrs`` key: the attribute columns hashed away whose values look like a lifecycle
#: column or timestamps (``_column_kinds``), for the notes that suggest mapping them.
UNMAPPED_KINDS = "unmapped_kinds"
KIND_LIFECYCLE, KIND_TIME = "lifecycle", "time"
KIND_SAMPLE = 1_000  # values of a column looked at to tell its kind
_DATE_LIKE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")


def _column_kinds(frame: pd.DataFrame, columns: Iterable[str]) -> dict[str, str]:
    """Of ``columns`` of ``frame``, those whose first non-blank values (``KIND_SAMPLE``) look
    like a lifecycle column (``KIND_LIFECYCLE``: most are start/complete words, some start
    words among them) or like timestamps (``KIND_TIME``: a date column, or text of which 90 %
    is written as a date and reads as a time), for notes that suggest the key to map them."""
    kinds: dict[str, str] = {}
    for col in columns:
        if str(col).startswith("case:"):  # an XES trace's attribute: of no event of its own
            continue
        values = frame[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            kinds[str(col)] = KIND_TIME
            continue
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        text = values.dropna().head(4 * KIND_SAMPLE).astype(STRING_DTYPE).str.strip()
        text = text[text != ""].head(KIND_SAMPLE)
        if text.empty:
            continue
        words = text.str.lower()
        if words.isin(LIFECYCLE_WORDS).mean() > 0.5 and words.isin(START_WORDS).any():
            kinds[str(col)] = KIND_LIFECYCLE
        elif text.str.contains(_DATE_LIKE).mean() >= 0.9:
            try:
                read = pd.to_datetime(
                    text.astype(object), format="mixed", errors="coerce", utc=True
                )
            except (ValueError, TypeError, OverflowError):  # a hint: never a reason to fail
                continue
            if read.notna().mean() >= 0.9:
                kinds[str(col)] = KIND_TIME
    return kinds


def _lifecycle_hint(kinds: dict[str, str], mapping: dict[str, str]) -> list[str]:
    """The note on a column that looks like a lifecycle column (``_column_kinds``) where none
    is mapped and no start column either: its start events were each read as an instance."""
    if LIFECYCLE in mapping or C.START in mapping:
        return []
    found = [c for c, kind in kinds.items() if kind == KIND_LIFECYCLE]
    if not found:
        return []
    return [
        f"Column {found[0]!r} holds start/complete values like a lifecycle column, but no "
        "lifecycle column is named: every row, start events too, was read as an activity "
        f"instance of its own; pass {KEY_ARGUMENT[LIFECYCLE]}={found[0]!r} to pair start events "
        "with their completions."
    ]


def _concat_chunks(parts: list[pd.DataFrame], columns: pd.Index) -> pd.DataFrame:
    """One table from CSV chunks; an attribute column whose type differs between chunks (numbers
    in the first, text in a later one) becomes text rather than a mix of both."""
    if not parts:
        return pd.DataFrame(columns=columns)
    if len(parts) == 1:
        return parts[0]
    df = pd.concat(parts, ignore_index=True)
    for col in df.columns:
        if len({str(p[col].dtype) for p in parts}) > 1 and df[col].dtype == object:
            df[col] = df[col].astype(STRING_DTYPE)
    return df


def _refuse_runaway_quote(
    chunk: pd.DataFrame, *, first_record: int, sep: str, keys: Iterable[str], lines: CsvLines
) -> None:
    """Raise when an unbalanced quote made a field of ``chunk`` swallow whole rows (pandas joins
    them into one value and reads on: the rows vanish from the count without an error)."""
    hit = runaway_quote(chunk, sep=sep, key_columns=keys)
    if hit is None:
        return
    pos, col = hit
    row = chunk.iloc[pos]
    before = list(chunk.columns).index(col)
    opened = lines.line(first_record + pos) + sum(line_breaks(v) for v in row.iloc[:before])
    last = opened + line_breaks(row[col])
    raise EventLogError(
        f"{lines.path}: line {opened}: a quoted value of column {col!r} runs on to line "
        f"{last} and takes in what look like whole rows; expected its quote closed before the "
        'next row (is a \'"\' unbalanced? a quote inside a value is written "")'
    )


SURPLUS = "\x00surplus"  # names of the data lines' fields beyond the header's


def _surplus_fields(path: Path, sep: str, width: int, encoding: str) -> list[str]:
    """Names for the fields the first data line has beyond the header's ``width`` (none for a
    well-formed file): SQL*Plus and some BI exports end every data line with a separator."""
    with closing(
        records(path, sep, encoding=encoding)
    ) as found:  # closed now: it holds the file open
        first = next(found, None)
    extra = len(first[1]) - width if first is not None else 0
    return [f"{SURPLUS}{k}" for k in range(max(extra, 0))]


def _drop_surplus(
    chunk: pd.DataFrame, surplus: list[str], *, first_record: int, lines: CsvLines
) -> pd.DataFrame:
    """``chunk`` without the surplus fields; raises when one holds a value (columns would be
    shifted or data lost)."""
    if not surplus:
        return chunk
    filled = chunk[surplus].notna().any(axis=1).to_numpy()
    if filled.any():
        pos = int(np.flatnonzero(filled)[0])
        width = len(chunk.columns) - len(surplus)
        fields = width + int(chunk[surplus].iloc[pos].notna().to_numpy().nonzero()[0][-1]) + 1
        raise EventLogError(
            f"{lines.path}: line {lines.line(first_record + pos)} has {fields} fields, the "
            f"header {width}; expected as many fields as the header (a separator inside a "
            "value that is not quoted?)"
        )
    return chunk.drop(columns=surplus)


def _not_utf8(path: Path) -> str:
    """What to say about a text that is not UTF-8: UTF-16 (by its byte-order mark), or the line
    and bytes of the first invalid UTF-8 sequence, with the ``encoding=`` that would read it."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as f:
        if f.read(2) in (b"\xff\xfe", b"\xfe\xff"):
            return (
                "the file is UTF-16 text (Excel's 'Unicode Text'), expected UTF-8: pass "
                "encoding='utf-16' or save it as 'CSV UTF-8'"
            )
        f.seek(0)
        for number, line in enumerate(f, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as err:
                raw = line[err.start : err.end]
                shown = " ".join(f"0x{b:02x}" for b in raw)
                latin = raw.decode("cp1252", errors="replace")
                return (
                    f"line {number}: byte(s) {shown} ({latin!r} in Windows-1252/Latin-1?) are "
                    "not UTF-8; expected UTF-8 text: save the file as UTF-8 (e.g. iconv -f "
                    "cp1252 -t utf-8) or pass encoding='cp1252' (or the file's encoding)"
                )
    return "cannot decode the text; expected UTF-8 (or pass encoding= with the file's encoding)"


def _read_csv(
    path: Path,
    keys: dict[str, str | None],
    max_rows: int | None,
    keep_attributes: bool,
    encoding: str | None = None,
) -> tuple[pd.DataFrame, CsvLines]:
    """The CSV as a table (chunk by chunk, see ``_chunk_rows``) and its line numbering;
    ``encoding`` None: UTF-8 (with or without a byte-order mark)."""
    enc = encoding or "utf-8-sig"
    try:
        sep, sep_line = _separator(path, enc)
        skip = 1 if sep_line else None  # Excel's 'sep=;' line
        lines = CsvLines(path, sep, enc)
        # counted before pandas reads the header: 100,000 names took it 9 s and 500 MB
        fields = _header_fields(path, sep, enc)
        _refuse_many_columns(len(fields), path, "the header line names")
        with open_guarded(path, sep=sep, encoding=enc) as fh:
            header = pd.read_csv(fh, nrows=0, encoding=enc, sep=sep, index_col=False, skiprows=skip)
        # pandas renames a repeated name ('activity', 'activity.1'): refuse it as for parquet
        _refuse_duplicate_names(
            [n for n in fields if n], str(path), lambda: _separator_hint(path, sep, enc)
        )
        mapping = resolve_columns(header.columns, source=str(path), keys=keys)
        keep = _key_columns(header.columns, mapping)
        # Attributes to be hashed are read as text: the same value hashes alike in every chunk.
        as_text = {col: str for col in (mapping.values() if keep_attributes else header.columns)}
        # In the name columns only an empty cell is missing: an activity called 'None' or a
        # person called 'NA' is a name (pandas' default list made them missing, and their rows
        # were dropped); other columns keep pandas' default missing-value words.
        names = {mapping[k] for k in NAME_KEYS if mapping.get(k)}
        na_values = {
            col: ([""] if col in names else sorted(STR_NA_VALUES)) for col in header.columns
        }
        surplus = _surplus_fields(path, sep, len(header.columns), enc)
        for col in surplus:
            as_text[col], na_values[col] = str, [""]
        parts: list[pd.DataFrame] = []
        rows = 0
        kinds: dict[str, str] = {}
        with (
            open_guarded(path, sep=sep, encoding=enc) as fh,
            pd.read_csv(
                fh,
                dtype=as_text,
                chunksize=_chunk_rows(len(header.columns) + len(surplus), max_rows),
                low_memory=False,
                encoding=enc,
                sep=sep,
                skiprows=skip,
                keep_default_na=False,
                na_values=na_values,
                # fields beyond the header's are named (pandas took the first column as an
                # index, which shifted every column by one, or dropped them)
                header=0,
                names=[*header.columns, *surplus] if surplus else None,
                index_col=False,
            ) as reader,
        ):
            for chunk in reader:
                chunk = _drop_surplus(chunk, surplus, first_record=rows, lines=lines)
                _refuse_runaway_quote(
                    chunk, first_record=rows, sep=sep, keys=mapping.values(), lines=lines
                )
                rows += len(chunk)
                if max_rows is not None and rows > max_rows:
                    raise _too_many(path, max_rows)
                if not parts and not keep_attributes:  # told from the first chunk's values
                    kinds = _column_kinds(chunk, [c for c in chunk.columns if c not in keep])
                parts.append(chunk if keep_attributes else _hash_attributes(chunk, keep))
        df = _concat_chunks(parts, header.columns)  # keeps the chunks' HASHED_COLUMNS
        if kinds:
            df.attrs[UNMAPPED_KINDS] = kinds
        if surplus:
            df.attrs[READ_NOTES] = [
                f"The data lines end with {_plural(len(surplus), 'empty field')} more than the "
                f"header line ({sep!r} at the end of each line?): ignored."
            ]
    except pd.errors.EmptyDataError:
        raise EventLogError(
            f"{path}: the file is empty; expected a CSV header line with column names"
        ) from None
    except pd.errors.ParserError as err:
        raise EventLogError(f"{path}: not a readable CSV file ({str(err).strip()})") from None
    except UnicodeDecodeError as err:
        if encoding:
            raise EventLogError(
                f"{path}: cannot decode the text as encoding={encoding!r} ({err})"
            ) from None
        raise EventLogError(f"{path}: {_not_utf8(path)}") from None
    except LookupError as err:  # an unknown encoding name
        raise EventLogError(f"{path}: encoding={encoding!r}: {err}") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise EventLogError(
            f"{path}: cannot decompress ({err}); expected a gzip-compressed CSV file"
        ) from None
    return df, lines


#: A parquet file is read in batches of about this many uncompressed bytes (from its metadata),
#: each checked before the next is read: a 133 KB file of 1,000 rows holding 4 MB of text each
#: took 8.5 GB when read whole (QA scale #1).
PARQUET_BATCH_BYTES = 64 << 20
PARQUET_BATCH_ROWS = 65_536
PARQUET_SAMPLE_ROWS = 8


def _read_parquet(path: Path, max_rows: int | None) -> pd.DataFrame:
    """The parquet file as a table, read batch by batch (``PARQUET_BATCH_BYTES``); a value
    longer than a CSV line may be (``MAX_LINE_BYTES``) is refused with its column and row, as in
    a CSV or XES file, before the rest is read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path)
        _refuse_duplicate_names([str(n) for n in meta.schema_arrow.names], str(path))
        _refuse_many_columns(len(meta.schema_arrow.names), path, "the file has")
        info = meta.metadata
        if max_rows is not None and info.num_rows > max_rows:
            raise _too_many(path, max_rows)
        # the rows' size as read (the metadata's sizes are of the encoded pages: a value
        # repeated in every row is stored once), from the first few rows
        sample = next(meta.iter_batches(batch_size=PARQUET_SAMPLE_ROWS), None)
        if sample is None:
            return meta.schema_arrow.empty_table().to_pandas()
        per_row = _row_bytes(sample)
        _refuse_long_parquet_values(_nested_as_text(sample), path, first_row=0)
        del sample
        batch = int(max(1, min(PARQUET_BATCH_ROWS, PARQUET_BATCH_BYTES // max(per_row, 1.0))))
        parts, rows = [], 0
        for piece in meta.iter_batches(batch_size=batch):
            piece = _nested_as_text(piece)
            _refuse_long_parquet_values(piece, path, first_row=rows)
            rows += piece.num_rows
            parts.append(piece)
        table = pa.Table.from_batches(parts, schema=_nested_as_text_schema(meta.schema_arrow))
        del parts
        return table.to_pandas()
    except (pa.ArrowException, OSError) as err:
        raise EventLogError(f"{path}: not a readable parquet file ({err})") from None


def _is_nested(kind: object) -> bool:
    """Whether the arrow type ``kind`` holds other values (list, struct, map, union)."""
    import pyarrow as pa

    return bool(pa.types.is_nested(kind))


def _nested_as_text_schema(schema: object) -> object:
    """``schema`` with each nested column (list, struct, map) typed as text: how
    ``_nested_as_text`` reads it."""
    import pyarrow as pa

    return pa.schema(
        [pa.field(f.name, pa.string()) if _is_nested(f.type) else f for f in schema],
        metadata=schema.metadata,
    )


def _nested_as_text(piece: object) -> object:
    """The arrow batch ``piece`` with each nested column (list, struct, map) as JSON text, one
    value per row, as a CSV log would hold it: an event log's attribute is a value, and pandas
    cannot compare arrays for the duplicate check (a list column stopped ``read_event_log`` with
    ``TypeError: unhashable type``, QA). As text its values are checked for length as any
    other."""
    import pyarrow as pa

    if not any(_is_nested(c.type) for c in piece.columns):
        return piece
    columns = [
        pa.array(
            [None if v is None else json.dumps(v, default=str, ensure_ascii=False)
             for v in c.to_pylist()],
            type=pa.string(),
        )
        if _is_nested(c.type)
        else c
        for c in piece.columns
    ]  # fmt: skip
    return pa.RecordBatch.from_arrays(columns, schema=_nested_as_text_schema(piece.schema))


def _row_bytes(sample: object) -> float:
    """The bytes a row of the arrow batch ``sample`` takes, leaving out its dictionary
    (categorical) columns' values: a batch holds those once, whatever its rows (counted per
    row, 100,000 categories made batches of 232 rows and a 1,000,000-row log took 120 s and
    14 GB)."""
    import pyarrow as pa

    shared = sum(c.dictionary.nbytes for c in sample.columns if pa.types.is_dictionary(c.type))
    return (sample.nbytes - shared) / max(sample.num_rows, 1)


def _refuse_long_parquet_values(piece: object, path: Path, *, first_row: int) -> None:
    """``EventLogError`` for a text or binary value of a parquet batch longer than
    ``MAX_LINE_BYTES``, naming its column and the first row holding one (``first_row``: the
    batch's first row). Dictionary (pandas categorical) columns are checked by their values."""
    import pyarrow.compute as pc

    for name, column in zip(piece.schema.names, piece.columns, strict=True):
        lengths = _value_lengths(column)
        if lengths is None:
            continue
        over = pc.greater(lengths, MAX_LINE_BYTES)
        at = int(pc.index(over, True).as_py())
        if at >= 0:
            raise EventLogError(
                f"{path}: column {name!r}, row {first_row + at + 1}: a value of "
                f"{lengths[at].as_py():,} bytes, over the {MAX_LINE_BYTES:,} a value may have "
                "(as in a CSV line); an event log holds names and times, not documents: fix "
                "that row, or drop the column from the file if the log does not need it (not "
                "one it reads: case, activity, times, resource)"
            )


def _value_lengths(column: object) -> object | None:
    """The byte length of each value of a text or binary arrow array (``None`` for other
    types), without copying the values: a dictionary array's lengths are its dictionary's,
    taken by its indices (one long category used by every row is stored once)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_dictionary(kind):
        values = _value_lengths(column.dictionary)
        return None if values is None else pc.take(values, column.indices)
    if kind in _view_types():
        return _view_lengths(column)
    if (pa.types.is_string(kind) or pa.types.is_large_string(kind)
            or pa.types.is_binary(kind) or pa.types.is_large_binary(kind)):  # fmt: skip
        return pc.binary_length(column)
    return None


def _view_types() -> tuple[object, ...]:
    """pyarrow's string_view and binary_view types (none in versions before 16)."""
    import pyarrow as pa

    makers = (getattr(pa, "string_view", None), getattr(pa, "binary_view", None))
    return tuple(make() for make in makers if make is not None)


def _view_lengths(column: object) -> object:
    """The byte length of each value of a string_view/binary_view array, read from its
    16-byte views (length first, little-endian int32): ``binary_length`` has no kernel for
    views, and casting them would copy each value once per row pointing at it."""
    import pyarrow as pa

    if not len(column):
        return pa.array([], type=pa.int64())
    views = np.frombuffer(column.buffers()[1], dtype="<i4").reshape(-1, 4)
    lengths = views[column.offset : column.offset + len(column), 0].astype(np.int64)
    if column.null_count:  # a null's view is unspecified
        lengths[column.is_null().to_numpy(zero_copy_only=False)] = 0
    return pa.array(lengths)


def read_event_log(
    path: str | os.PathLike[str],
    *,
    case_id_key: str | None = None,
    activity_key: str | None = None,
    start_key: str | None = None,
    end_key: str | None = None,
    resource_key: str | None = None,
    role_key: str | None = None,
    segment_key: str | None = None,
    lifecycle_key: str | None = None,
    time_format: str | None = None,
    max_rows: int | None = None,
    end_activities: Iterable[str] | None = None,
    open_tail_fraction: float = DEFAULT_TAIL_FRACTION,
    keep_attributes: bool = True,
    encoding: str | None = None,
    no_resource: Iterable[str] = (),
    timezone: str | None = None,
    naive_times: str | None = None,
    date_only_duplicates: str = "drop",
) -> EventLog:
    """Read a CSV (.csv, .csv.gz; .tsv, .tsv.gz tab-separated), XES (.xes, .xes.gz) or parquet
    event log and clean it.

    Key columns are recognised automatically when a ``*_key`` is None (see ``CANDIDATES``);
    ``role_key`` names the column of the resources' roles (``org:group``), which calibration
    takes as the roles (``calibrate_model(roles_from=...)``); ``segment_key`` the column of the
    cases' segments (customer type, channel), which calibration models as case segments.
    ``lifecycle_key`` names the column of the events' lifecycle transitions (``start``,
    ``complete``, ...: ``sim.eventlog.lifecycle``) where it is not called ``lifecycle`` or
    ``lifecycle:transition``; an unnamed column that looks like one gets a note.
    ``time_format`` is a ``strptime`` format for non-ISO timestamps (not ``'mixed'``, which
    guesses each value's layout), ``'epoch_s'`` / ``'epoch_ms'`` for Unix times (seconds /
    milliseconds since 1970-01-01 UTC), or ``'excel'`` for Excel serial day numbers (days since
    1899-12-30, with a decimal point or comma). ``max_rows`` bounds the rows
    (XES: events) read; a longer file is refused with ``TooManyRows`` while it is read (CSV is
    parsed ``CSV_CHUNK_ROWS`` rows at a time, fewer where rows are wide; a CSV or parquet file
    of more than ``MAX_COLUMNS`` columns is refused). ``end_activities`` overrides the inferred set of
    activities that end a case (used to flag open cases, with the final ``open_tail_fraction`` of
    the extract's time span). ``keep_attributes=False`` keeps only the standard columns (the
    memory of a wide log's other columns is not held); rows that differ only in another column
    are still kept apart by the duplicate check, which compares those columns as pandas reads
    them (numbers as numbers, the rest as text).
    ``encoding`` is a CSV's text encoding (``'cp1252'``, ``'latin-1'``, ``'utf-16'``; default
    UTF-8 with or without a byte-order mark; an XES file declares its own).
    ``no_resource`` names resource values that stand for nobody (BPIC 2012's ``NOT_SET``): their
    rows are read as having no resource, with a note counting them; a value that looks like such
    a placeholder and is not named gets a note (it is read as one person otherwise).
    ``timezone`` is the clock the log is read in, which its calendars and arrival hours follow:
    None (auto) the clock the times were written in when their UTC offsets are one place's (at
    most an hour apart), else UTC; ``'local'`` the written clock always; or an IANA zone
    (``'UTC'``, ``'Europe/Amsterdam'``) that values with an offset are converted to. Values
    without an offset are taken as written (with a named zone: on its clock); one beside a
    start or end with an offset is, unless a zone is named, read on that one's clock. Every
    event keeps its exact duration, or its written one where only one of its times has an offset.
    ``naive_times='UTC'`` says that values written without an offset are UTC (a database
    export's): they are then read as if written with ``Z``, so ``timezone`` moves them too.
    ``date_only_duplicates`` says what becomes of exact duplicate rows whose times carry a date
    and no time of day, or of a log whose times are all written to the minute, where a copy and
    a second visit on the same day (in the same minute) look alike: ``'drop'`` them like any
    duplicate (said in a note, the date-only ones counted apart) or ``'keep'`` them as
    repetitions.
    Raises ``EventLogError`` for unusable input.
    """
    p = Path(path)
    if not p.exists():
        raise EventLogError(f"{p}: no such file; expected an event log (CSV, XES or parquet)")
    if not p.is_file():
        raise EventLogError(f"{p}: not a file; expected an event log (CSV, XES or parquet)")
    if max_rows is not None and max_rows < 1:
        raise EventLogError(f"{p}: max_rows={max_rows} must be a positive number of rows")
    _check_date_only_duplicates(date_only_duplicates, source=str(p))
    suffix = _suffix(p)
    _sniff(p, suffix)
    keys = {
        C.CASE: case_id_key,
        C.ACTIVITY: activity_key,
        C.START: start_key,
        C.END: end_key,
        C.RESOURCE: resource_key,
        C.ROLE: role_key,
        C.SEGMENT: segment_key,
        LIFECYCLE: lifecycle_key,
    }
    xes_types: dict[str, str] = {}
    if suffix in TEXT_SUFFIXES:
        raw, lines = _read_csv(p, keys, max_rows, keep_attributes, encoding)
        row_label = lines.label  # the physical line (after blank lines, multi-line values)
    elif suffix in (".xes", ".xes.gz"):
        raw, xes_types = read_xes_table(p, max_rows=max_rows)
        row_label = EventLocator(p)  # "event 6 (line 12, trace 'c1')"
    else:
        raw = _read_parquet(p, max_rows)

        def row_label(i: int) -> str:
            return f"row {i + 1}"

    shared_ids = int(raw.attrs.get("traces_sharing_an_id", 0))
    if len(raw) == 0:  # before the columns: an empty XES has none to map (QA spec24 #4)
        raise _empty_log(str(p), traces=raw.attrs.get("traces"))
    mapping = resolve_columns(raw.columns, source=str(p), keys=keys)
    if not keep_attributes and ATTRIBUTES_HASH not in raw.columns:  # XES, parquet
        keep = _key_columns(raw.columns, mapping)
        kinds = _column_kinds(raw, [c for c in raw.columns if c not in keep])
        raw = _hash_attributes(raw, keep)
        raw.attrs[UNMAPPED_KINDS] = kinds
        xes_types = {k: v for k, v in xes_types.items() if k in raw.columns}
    raw = _drop_row_numbers(raw, mapping, keep_attributes=keep_attributes)
    raw = _drop_pm4py_columns(raw, mapping)
    raw = _note_replications(raw, mapping, keep_attributes=keep_attributes)
    std = _standardise(
        raw,
        keys=keys,
        source=str(p),
        time_format=time_format,
        row_label=row_label,
        xes_types=xes_types,
        open_tail_fraction=open_tail_fraction,
        no_resource=no_resource,
        timezone=timezone,
        naive_times=naive_times,
    )
    del raw  # the raw table can be freed before cleaning
    log = _finish(
        std,
        source=str(p),
        path=p,
        end_activities=end_activities,
        open_tail_fraction=open_tail_fraction,
        date_only_duplicates=date_only_duplicates,
    )
    if shared_ids:
        log.report.notes.append(
            f"Merged {_plural(shared_ids, 'trace')} into the case of an earlier trace with the "
            "same id (concept:name): their events are one case."
        )
    return log


def clean_event_table(
    table: pd.DataFrame,
    *,
    case_id_key: str | None = None,
    activity_key: str | None = None,
    start_key: str | None = None,
    end_key: str | None = None,
    resource_key: str | None = None,
    role_key: str | None = None,
    segment_key: str | None = None,
    lifecycle_key: str | None = None,
    time_format: str | None = None,
    end_activities: Iterable[str] | None = None,
    open_tail_fraction: float = DEFAULT_TAIL_FRACTION,
    source: str = "<table>",
    no_resource: Iterable[str] = (),
    timezone: str | None = None,
    naive_times: str | None = None,
    date_only_duplicates: str = "drop",
) -> EventLog:
    """Standardise and clean an in-memory table exactly as ``read_event_log`` does a file.

    ``source`` names the table in error messages; rows are named by position ("row 1" first).
    """
    _check_date_only_duplicates(date_only_duplicates, source=source)
    keys = {
        C.CASE: case_id_key,
        C.ACTIVITY: activity_key,
        C.START: start_key,
        C.END: end_key,
        C.RESOURCE: resource_key,
        C.ROLE: role_key,
        C.SEGMENT: segment_key,
        LIFECYCLE: lifecycle_key,
    }
    if any(str(c).startswith(PM4PY_PREFIX) for c in table.columns):  # a pm4py-formatted table
        table = _drop_pm4py_columns(table, resolve_columns(table.columns, source=source, keys=keys))
    return _clean(
        table,
        keys=keys,
        source=source,
        path=None,
        time_format=time_format,
        row_label=lambda i: f"row {i + 1}",
        xes_types={},
        end_activities=end_activities,
        open_tail_fraction=open_tail_fraction,
        no_resource=no_resource,
        timezone=timezone,
        naive_times=naive_times,
        date_only_duplicates=date_only_duplicates,
    )


def _check_date_only_duplicates(value: str, *, source: str) -> None:
    if value not in DATE_ONLY_DUPLICATES:
        raise EventLogError(
            f"{source}: date_only_duplicates={value!r} must be 'drop' or 'keep' (what becomes of "
            "exact duplicate rows whose times carry a date and no time of day)"
        )


def _refuse_infinite(
    values: pd.Series, *, column: str, source: str, row_label: Callable[[int], str]
) -> None:
    """Raise when a numeric id or name column holds an infinite number (no id can be made of
    it; pandas failed with an OverflowError)."""
    if not pd.api.types.is_float_dtype(values.dtype):
        return
    infinite = np.isinf(values.to_numpy(dtype="float64", na_value=np.nan))
    if infinite.any():
        first = int(np.flatnonzero(infinite)[0])
        raise EventLogError(
            f"{source}: column {column!r} holds {values.iloc[first]} at {row_label(first)} "
            f"({int(infinite.sum())} such value(s)); expected ids or names (text or whole "
            "numbers)"
        )


def _as_text(values: pd.Series) -> pd.Series:
    """Strings with pd.NA for missing/blank; '10861.0'-style float ids become '10861'."""
    if pd.api.types.is_float_dtype(values.dtype):
        finite = values.dropna()
        if len(finite) and bool((finite == np.floor(finite)).all()):
            if bool((finite.abs() < 2.0**63).all()):
                values = values.astype("Int64")
            else:  # beyond int64 (1e19): the whole number as text
                values = values.map("{:.0f}".format, na_action="ignore")
    text = values.astype(STRING_DTYPE).str.strip()
    text = text.mask(text == "")
    present = text.dropna()
    if len(present) and bool(present.str.fullmatch(r"-?\d+\.0").all()):
        text = text.str.replace(r"\.0$", "", regex=True)
    return text


def _convert_xes_attribute(values: pd.Series, kind: str) -> tuple[pd.Series, pd.Series | None]:
    """Convert an XES attribute column by its declared type; keep strings when that fails.
    A date column comes as UTC with each value's offset (for ``on_clock``), else None."""
    present = values.notna()
    if kind == "date":
        try:
            parsed, _, offset = parse_timestamps(
                values, column="", source="", time_format=None, row_label=str
            )
            return parsed, offset
        except EventLogError:  # not all dates: kept as text
            pass
    elif kind in ("int", "float"):
        num = pd.to_numeric(values, errors="coerce")
        if (num.notna() == present).all():
            return (num.astype("Int64") if kind == "int" else num.astype("float64")), None
    elif kind == "boolean":
        low = values.astype(STRING_DTYPE).str.strip().str.lower()
        if low.dropna().isin(["true", "false"]).all():
            return low.map({"true": True, "false": False}).astype("boolean"), None
    return values.astype(STRING_DTYPE), None


#: Names (case id, activity, resource) that often stand for a missing value in an export.
NA_WORDS = frozenset(STR_NA_VALUES - {""}) | {"NaT", "none", "Null", "NONE"}
NAME_COLUMNS = (C.CASE, C.ACTIVITY, C.RESOURCE)


#: Resource names that usually stand for nobody (an unassigned work item), not for a person
#: (``NULL``, ``N/A`` and the like have the missing-value words' note, ``NA_WORDS``).
PLACEHOLDER_RESOURCE = re.compile(
    r"(not[ _-]?set|not[ _-]?assigned|unassigned|unknown|-+|\?+|tbd)",
    re.IGNORECASE,
)


def _without_placeholders(
    resources: pd.Series, no_resource: Iterable[str], *, column: str
) -> tuple[pd.Series, list[str]]:
    """``resources`` with the values named in ``no_resource`` read as missing, and the notes:
    how many rows that made resource-less, and the values that look like a placeholder
    (``PLACEHOLDER_RESOURCE``) but were not named (each is read as one person: a member of a
    role, its headcount and busy time)."""
    if isinstance(no_resource, str):
        no_resource = [no_resource]
    named = {str(v) for v in no_resource}
    notes: list[str] = []
    hit = resources.isin(named)
    if hit.any():
        counts = resources[hit].value_counts()
        shown = ", ".join(f"{k!r} ({int(v):,})" for k, v in counts.items())
        notes.append(
            f"Column {column!r}: {_plural(int(hit.sum()), 'row')} named a placeholder of "
            f"no_resource= ({shown}): read as having no resource."
        )
        resources = resources.mask(hit)
    present = resources.dropna()
    looks = present[present.str.fullmatch(PLACEHOLDER_RESOURCE.pattern, case=False)]
    if len(looks):
        counts = looks.value_counts()
        shown = ", ".join(
            f"{k!r} ({int(v):,} rows, {v / len(resources):.1%})" for k, v in counts.items()
        )
        # paste-ready, keeping the values already named
        listed = ",".join([*(str(v) for v in no_resource), *(str(k) for k in counts.index)])
        one = len(counts) == 1
        notes.append(
            f"Column {column!r} holds {shown}, which "
            f"{'looks like a placeholder' if one else 'look like placeholders'}, not a person: "
            f"{'it is' if one else 'each is'} read as one person (a member of a role: its "
            "headcount, busy time and calendar); to read those rows as having no resource, "
            f"pass no_resource=[{listed}]."
        )
    return resources, notes


def _stripped(before: pd.Series, after: pd.Series) -> int:
    """How many values of a name column lost spaces at either end (blank ones not counted)."""
    if not (pd.api.types.is_object_dtype(before) or pd.api.types.is_string_dtype(before)):
        return 0
    # spaces only: a number written '177191.0' read as the name '177191' lost no space (QA
    # 2026-12-04: comparing lengths called that 'Removed spaces' on every case id)
    text = before.astype(STRING_DTYPE)
    return int((after.notna() & (text != text.str.strip())).fillna(False).sum())


def _na_words_note(
    values: pd.Series, column: str, *, resource: bool = False, no_resource: Iterable[str] = ()
) -> list[str]:
    """A note when a name column holds words that often mean 'missing' (``NULL``, ``nan``):
    they are kept as names (an activity may be called 'None'), with their counts.

    In the ``resource`` column the note names the ``no_resource`` option with those exact
    values (a cell cannot be blanked in XES, and pm4py writes a missing resource as 'nan'), and
    says nothing of the values ``no_resource`` names already: they are read as no resource."""
    if isinstance(no_resource, str):
        no_resource = [no_resource]
    named = {str(v) for v in no_resource} if resource else set()
    words = NA_WORDS - named
    counts = values[values.isin(words)].value_counts()
    if counts.empty:
        return []
    shown = ", ".join(f"{k!r} ({int(v)})" for k, v in counts.items())
    if not resource:
        return [
            f"Column {column!r} holds values that often mean missing: {shown}; kept as names "
            "(blank those cells if they mean missing)."
        ]
    listed = ",".join([*(str(v) for v in no_resource), *(str(k) for k in counts.index)])
    return [
        f"Column {column!r} holds values that often mean missing: {shown}; kept as names, each "
        "read as one person (a member of a role: its headcount and busy time). If they mean "
        f"that nobody did the work (pm4py writes a missing resource as 'nan'), pass "
        f"no_resource=[{listed}] to read those rows as having no resource."
    ]


def _spellings_note(groups: list[list[str]], one: str, each: str) -> list[str]:
    """The note on names (resources, activities) that differ only in letter case, spaces or
    punctuation: ``one`` what they may be one of, ``each`` what each counts as meanwhile."""
    if not groups:
        return []
    shown = "; ".join(" / ".join(repr(n) for n in g) for g in groups[:5])
    more = len(groups) - 5
    kind = "Resources" if one == "person" else "Activities"
    return [
        f"{kind} that differ only in letter case, spaces or punctuation (one {one} written "
        f"several ways? each {each}): {shown}"
        + (f" and {more} more groups" if more > 0 else "")
        + f"; unify them in the log if they are one {one}."
    ]


@dataclass
class _MadeVisible:
    """What ``_visible_names`` changed in a column: rows, names (as they are now), and the new
    names that were already another name of the column (their rows now one name's)."""

    rows: int = 0
    names: tuple[str, ...] = ()
    merged: tuple[str, ...] = ()


def _visible_names(values: pd.Series) -> tuple[pd.Series, _MadeVisible]:
    """``values`` (a name column) with the control and bidi characters of its names written
    visibly (``sim.model.io.visible_name``: ESC as the four characters ``\\x1b``, a line break as
    ``\\n``): printed, they ran as terminal commands (ESC ]0;...BEL set the terminal's title) or
    reordered the text, and a BPMN export could not hold them."""
    hit = values.str.contains(UNSAFE_NAME_CHARACTERS.pattern, regex=True).fillna(False)
    hit = hit.astype(bool)
    if not hit.any():
        return values, _MadeVisible()
    new = {v: visible_name(v) for v in pd.unique(values[hit])}
    out = values.copy()
    out[hit] = values[hit].map(new).astype(values.dtype)
    # two names that now read alike (a log with both 'a<ESC>' and the text 'a\\x1b') are one
    alike = Counter(new.values())
    untouched = set(values[~hit & values.isin(list(alike))].dropna())
    merged = sorted(n for n, k in alike.items() if k > 1 or n in untouched)
    return out, _MadeVisible(int(hit.sum()), tuple(new.values()), tuple(merged))


def _made_visible_note(changed: dict[str, _MadeVisible]) -> str:
    """The note on names whose control or bidi characters were written visibly, per column."""
    parts = []
    for column, c in changed.items():
        shown = ", ".join(f"'{n}'" for n in c.names[:3]) + (", ..." if len(c.names) > 3 else "")
        part = f"{_plural(len(c.names), 'name')} of {column!r} ({_plural(c.rows, 'row')}: {shown})"
        if c.merged:
            alike = ", ".join(f"'{n}'" for n in c.merged)
            part += (
                f", of which {alike} already named other rows of the column: their rows are "
                "now one name's"
            )
        parts.append(part)
    return (
        f"Wrote the control or bidi characters of {'; '.join(parts)} visibly, ESC as the four "
        "characters \\x1b and a line break as \\n: a name is one line, and printed such "
        "characters run as terminal commands or reorder the text."
    )


def _plural(n: int, word: str, plural: str | None = None) -> str:
    """``"1 row"``, ``"2 rows"`` (``plural`` for words not made plural by an ``s``)."""
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def _have(n: int) -> str:
    """The verb agreeing with ``n`` rows."""
    return "has" if n == 1 else "have"


@dataclass
class _Standard:
    """A table after step 2-3 (standard columns, parsed times), before any row is removed."""

    frame: pd.DataFrame
    report: CleaningReport
    mapping: dict[str, str]
    use_lifecycle: bool
    had_case_open: bool
    row_label: Callable[[int], str] = lambda i: f"row {i + 1}"
    input_columns: tuple[str, ...] = ()  # the file's column names, hashed ones included
    time_like: tuple[str, ...] = ()  # columns no key names whose values look like timestamps
    # the ROW numbers of the events with a UTC offset on one of start and end only, and whether
    # their time without one was read on the clock of the one with it (``_put_on_clock``)
    one_sided_rows: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    naive_on_partner: bool = True
    # how far before its start a lifecycle start's completion may lie, one of the two written
    # without an offset, to be paired with it (``_one_sided_reach``)
    naive_reach: NaiveReach = NaiveReach(CLOCK_SKEW, CLOCK_SKEW)


def _clean(
    raw: pd.DataFrame,
    *,
    keys: dict[str, str | None],
    source: str,
    path: Path | None,
    time_format: str | None,
    row_label: Callable[[int], str],
    xes_types: dict[str, str],
    end_activities: Iterable[str] | None,
    open_tail_fraction: float,
    no_resource: Iterable[str] = (),
    timezone: str | None = None,
    naive_times: str | None = None,
    date_only_duplicates: str = "drop",
) -> EventLog:
    std = _standardise(
        raw,
        keys=keys,
        source=source,
        time_format=time_format,
        row_label=row_label,
        xes_types=xes_types,
        open_tail_fraction=open_tail_fraction,
        no_resource=no_resource,
        timezone=timezone,
        naive_times=naive_times,
    )
    return _finish(
        std,
        source=source,
        path=path,
        end_activities=end_activities,
        open_tail_fraction=open_tail_fraction,
        date_only_duplicates=date_only_duplicates,
    )


def _blank(values: pd.Series) -> pd.Series:
    """Missing or whitespace-only cells."""
    if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
        return values.isna()
    return values.astype(STRING_DTYPE).str.strip().fillna("").eq("")


def _start_column_or_lifecycle(raw: pd.DataFrame, mapping: dict[str, str]) -> list[str]:
    """Choose between a start column and lifecycle start events; returns the note.

    A start column that is empty on every row (pm4py-style exports always write one) is taken
    out of ``mapping`` when the lifecycle column holds start events, so that they are paired with
    their completions (an empty column had turned pairing off: every activity counted twice and
    its start time estimated). A filled one is used, and the note says so.
    """
    if C.START not in mapping or LIFECYCLE not in mapping:
        return []
    words = raw[mapping[LIFECYCLE]].astype(STRING_DTYPE).str.strip().str.lower()
    if not bool(words.isin(START_WORDS).any()):
        return []
    start, lifecycle = mapping[C.START], mapping[LIFECYCLE]
    if bool(_blank(raw[start]).all()):
        del mapping[C.START]
        return [
            f"Column {start!r} is empty: ignored; start times come from the 'start' events of "
            f"column {lifecycle!r}, paired with their completions."
        ]
    return [
        f"Column {lifecycle!r} has 'start' events, but column {start!r} holds start times: "
        f"those were used, and every event (start events too) is a row of its own; drop "
        f"column {start!r} to pair start events with their completions instead."
    ]


def _attribute_columns(
    raw: pd.DataFrame,
    *,
    skip: set[str],
    taken: set[str],
    xes_types: dict[str, str],
    notes: list[str],
    date_offsets: dict[str, pd.Series],
) -> dict[str, pd.Series]:
    """The file's other columns by output name: XES ones converted by their declared type, one
    named like a standard column kept as ``<name>_orig`` (with a note). An XES date column
    comes as UTC; its values' offsets go into ``date_offsets`` to be put on the log's clock."""
    out: dict[str, pd.Series] = {}
    names = {str(c) for c in raw.columns}
    for col in raw.columns:
        if str(col) in skip:
            continue
        name = str(col)
        if name in taken:
            new = f"{name}_orig"
            while new in names or new in out:
                new += "_orig"
            notes.append(f"Input column {name!r} clashes with a standard name; kept as {new!r}.")
            name = new
        values = raw[col].reset_index(drop=True)
        if col in xes_types:  # XES: typed values (strings as compact Arrow strings)
            values, offset = _convert_xes_attribute(values, xes_types[col])
            if offset is not None:
                date_offsets[name] = offset
        out[name] = values
    return out


def _empty_log(source: str, *, traces: int | None = None) -> EventLogError:
    """The refusal of a log without a row or event; ``traces``: the number of ``<trace>``
    elements of an XES log (none holding an event), named so the file's content is clear."""
    if traces is None:
        held = ""
    elif traces:
        element = "<trace> element holds" if traces == 1 else "<trace> elements hold"
        held = f": its {traces:,} {element} no <event>"
    else:
        held = ": it holds no <trace> and no <event>"
    return EventLogError(f"{source}: the log is empty (no rows/events){held}; expected event rows")


def _standardise(
    raw: pd.DataFrame,
    *,
    keys: dict[str, str | None],
    source: str,
    time_format: str | None,
    row_label: Callable[[int], str],
    xes_types: dict[str, str],
    open_tail_fraction: float,
    no_resource: Iterable[str] = (),
    timezone: str | None = None,
    naive_times: str | None = None,
) -> _Standard:
    report = CleaningReport(source=source, rows_read=len(raw))
    notes = report.notes
    # read twice (the missing-value words' note, then the placeholders): not a one-pass iterator
    no_resource = [no_resource] if isinstance(no_resource, str) else list(no_resource)
    if len(raw) == 0:
        raise _empty_log(source)
    if not 0.0 <= open_tail_fraction < 1.0:
        raise EventLogError(f"{source}: open_tail_fraction={open_tail_fraction} must be in [0, 1)")
    notes.extend(raw.attrs.get(READ_NOTES, []))
    mapping = resolve_columns(raw.columns, source=source, keys=keys)
    notes.extend(
        ambiguous_columns([*raw.columns, *raw.attrs.get(HASHED_COLUMNS, [])], mapping, keys)
    )
    mapped = set(mapping.values())  # before: an ignored empty start column is not an attribute
    notes.extend(_start_column_or_lifecycle(raw, mapping))
    use_lifecycle = LIFECYCLE in mapping and C.START not in mapping
    kinds: dict[str, str] = {}
    if C.START not in mapping:  # for the notes that suggest a lifecycle or a start column
        present = [c for c in raw.columns if str(c) not in mapped]
        kinds = raw.attrs.get(UNMAPPED_KINDS, {}) | _column_kinds(raw, present)
        notes.extend(_lifecycle_hint(kinds, mapping))
    report.columns_used = {k: str(v) for k, v in mapping.items()}

    # --- 2. standard columns first, then the other columns unchanged --------------------------
    std: dict[str, pd.Series] = {}
    for name in (*C.STANDARD, LIFECYCLE):
        if name in mapping:
            std[name] = raw[mapping[name]].reset_index(drop=True)
    if LIFECYCLE in mapping and not use_lifecycle:
        mapped.discard(mapping[LIFECYCLE])  # an ordinary attribute then
        del std[LIFECYCLE]
    frame = pd.DataFrame(std)
    if LIFECYCLE in frame.columns and frame[LIFECYCLE].dtype == object:
        frame[LIFECYCLE] = frame[LIFECYCLE].astype(STRING_DTYPE)
    if LIFECYCLE in frame.columns:
        frame = frame.rename(columns={LIFECYCLE: mapping[LIFECYCLE]})
    date_offsets: dict[str, pd.Series] = {}  # of XES date attributes, moved with the times
    attributes = _attribute_columns(
        raw,
        skip=mapped | {CASE_OPEN},
        taken=set(frame.columns) | {CASE_OPEN, ROW, SHIFT, END_SHIFT, NAIVE, BORROWED, PARTNER},
        xes_types=xes_types,
        notes=notes,
        date_offsets=date_offsets,
    )
    if attributes:  # one concat: inserting columns one at a time is quadratic in their number
        frame = pd.concat([frame, pd.DataFrame(attributes, index=frame.index)], axis=1)
    frame[ROW] = np.arange(len(frame), dtype=np.int64)
    if C.RESOURCE not in frame.columns:
        frame[C.RESOURCE] = pd.Series(pd.NA, index=frame.index, dtype=STRING_DTYPE)
        notes.append("No resource column found; resource is missing on every row.")
    stripped: dict[str, int] = {}
    made_visible: dict[str, _MadeVisible] = {}
    for name in STRING_KEYS:
        if name in frame.columns:
            _refuse_infinite(
                frame[name], column=mapping.get(name, name), source=source, row_label=row_label
            )
            before = frame[name]
            frame[name] = _as_text(before)
            frame[name], changed = _visible_names(frame[name])
            if changed.rows:
                made_visible[mapping.get(name, name)] = changed
            if name in NAME_COLUMNS and name in mapping:
                n = _stripped(before, frame[name])
                if n:
                    stripped[mapping[name]] = n
                notes.extend(
                    _na_words_note(
                        frame[name],
                        mapping[name],
                        resource=name == C.RESOURCE,
                        no_resource=no_resource,
                    )
                )
    if C.RESOURCE in frame.columns:
        frame[C.RESOURCE], said = _without_placeholders(
            frame[C.RESOURCE], no_resource, column=mapping.get(C.RESOURCE, C.RESOURCE)
        )
        notes.extend(said)
    if made_visible:
        notes.append(_made_visible_note(made_visible))
    if stripped:
        shown = ", ".join(f"{_plural(n, 'value')} of {col!r}" for col, n in stripped.items())
        notes.append(
            f"Removed spaces before or after {shown} (a name written 'B ' is read as 'B')."
        )

    # --- 3. timestamps ------------------------------------------------------------------------
    zones = ZoneCount()
    offsets: dict[str, pd.Series] = {}
    for name in TIME_KEYS:
        if name in frame.columns:
            frame[name], count, offsets[name] = parse_timestamps(
                frame[name],
                column=mapping[name],
                source=source,
                time_format=time_format,
                row_label=row_label,
            )
            if naive_times is not None:
                offsets[name] = _naive_as_utc(frame[name], offsets[name], count, naive_times)
            zones.add(count)
    times = {name: frame[name] for name in offsets}
    report.clock = choose_clock(offsets, timezone, source=source, times=times)
    on_partner = _naive_on_partner_clock(timezone, report.clock)
    reach = _one_sided_reach(offsets)
    if use_lifecycle:  # as written: a named zone's offset below is no offset written
        frame[NAIVE] = offsets[C.END].isna()
    zoned = _naive_in_zone(frame, offsets, report.clock)
    pairs = _lifecycle_pairs(frame, offsets, mapping[LIFECYCLE], reach) if use_lifecycle else None
    one_sided, by_case = _put_on_clock(
        frame, offsets, report.clock, on_partner=on_partner, pairs=pairs
    )
    if one_sided.any():
        notes.append(
            _one_sided_note(
                int(one_sided.sum()),
                report.clock,
                on_partner=on_partner,
                paired=use_lifecycle,
                zoned=_zone_places(report.clock),
            )
        )
    for name, offset in date_offsets.items():  # an XES date attribute (case:REG_DATE): the same
        frame[name] = on_clock(frame[name], offset, report.clock)
    if C.START not in frame.columns:
        frame[C.START] = pd.Series(pd.NaT, index=frame.index, dtype=TIME_DTYPE)
    if zones.date_only:
        some = "All" if zones.date_only == zones.values else f"{zones.date_only} of the"
        verb = "carries" if zones.date_only == 1 < zones.values else "carry"
        notes.append(
            f"{some} {zones.values} timestamps {verb} a date and no time of day (first at "
            f"{zones.date_only_example}): taken as midnight, so a duration or wait that "
            "involves them is exact to the day only."
        )
    report.date_only_values = zones.date_only
    if time_format and zones.order_checked and zones.order_ambiguous == zones.order_checked:
        notes.append(_day_month_note(time_format))
    report.timezone_aware_values = zones.aware
    report.timezone_naive_values = zones.naive
    report.timezone_offsets = dict(sorted(zones.offsets.items()))
    report.timezone_zoned_values = zoned
    if zoned and not zones.aware:
        notes.append(
            f"{_plural(zoned, 'timestamp')} without a UTC offset (none of the log's carries one) "
            f"{_was(zoned)} read as {'a time' if zoned == 1 else 'times'} of "
            f"timezone={report.clock!r}, so an event across a change of its clock keeps its exact "
            "duration"
            + (
                f"; {_plural(zones.naive - zoned, 'other')} in an hour that clock repeats or "
                f"skips {_was(zones.naive - zoned)} taken as written."
                if zones.naive > zoned
                else "."
            )
        )
    if zones.aware:
        borrowed = int(one_sided.sum()) if on_partner else 0
        notes.append(
            _clock_note(
                zones,
                report,
                explicit=timezone is not None,
                borrowed=borrowed,
                zoned=zoned,
                by_case=by_case,
            )
        )

    return _Standard(
        frame=frame,
        report=report,
        mapping=mapping,
        use_lifecycle=use_lifecycle,
        had_case_open=CASE_OPEN in raw.columns,
        row_label=row_label,
        input_columns=tuple(
            str(c)
            for c in [*raw.columns, *raw.attrs.get(HASHED_COLUMNS, [])]
            if c != ATTRIBUTES_HASH
        ),
        time_like=tuple(c for c, kind in kinds.items() if kind == KIND_TIME),
        one_sided_rows=frame.loc[one_sided, ROW].to_numpy(),
        naive_on_partner=on_partner,
        naive_reach=reach,
    )


def _day_month_note(time_format: str) -> str:
    """The note on a log that ``time_format`` and the format with its day and month the other
    way round both read in full (QA crmexport16 #4: month-first times read day first)."""
    first = "day" if time_format.index("%d") < time_format.index("%m") else "month"
    return (
        f"Took the timestamps {first} first, as time_format={time_format!r} says: every one of "
        f"them also reads with day and month the other way round "
        f"({day_month_swapped(time_format)!r}), no day in the log being after the 12th, so "
        "the log cannot tell the order; check that the time_format is the file's."
    )


def _put_on_clock(
    frame: pd.DataFrame,
    offsets: dict[str, pd.Series],
    clock: str,
    *,
    on_partner: bool,
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[pd.Series, int]:
    """Move the time columns (parsed as UTC) onto ``clock``, in place. An event whose start
    and end both carry an offset ends at its start plus its exact duration, so one that spans a
    change of the clock (summer time), or lies in the hour that repeats when it ends, neither
    gains nor loses an hour nor ends before it starts. An event with an offset on one end only
    has no exact duration; with ``on_partner`` its time without an offset is read on the clock
    of the one with it (takes its offset), so the event keeps its written duration on every
    clock (QA 2026-12-04: '08:07+01:00' to '08:15' became 08:07 to 09:15; QA calib25: '10:04'
    to '10:10+01:00' became 10:04 to 09:10 UTC and was removed); without it (a zone the caller
    named) it is taken to be on ``clock`` already (``_naive_in_zone`` gave those it could an
    offset before). Returns which events are such, and how many lifecycle events took the
    ``SHIFT`` of their case's nearest event (``_case_clock_shifts``). Adds each
    row's ``SHIFT`` (``_clock_shifts``), by which lifecycle events are paired and rows ordered
    on their exact instants, and its ``END_SHIFT``, by which the end of an event that spans the
    change is compared on the clock it was written in.

    ``pairs`` (``_lifecycle_pairs``: a lifecycle log's start events and their completions, one
    event a row) are such events too, their two times in two rows (QA rt_calib F1: a start at
    '09:04' completed at '09:10+01:00' had been read as completed before it started, so removed
    as never completed); the returned rows are their completions. The ``SHIFT`` of the event
    without an offset is then its partner's, so the two are paired in their written order; that of
    another event without one, its case's nearest event's with one (both events of a pair
    without one take its start's: ``pair_lifecycle`` keeps to ``pairs``, and counts those of
    them that end before they start by their written times)."""
    utc = {name: frame[name] for name in offsets}
    one_sided = _one_sided(frame.index, utc, offsets)
    read, read_offsets = utc, offsets
    partner = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    if pairs is not None:
        one_sided, read, read_offsets, partner = _paired_on_partner_clock(
            utc, offsets, pairs, on_partner=on_partner
        )
    elif on_partner and one_sided.any():
        read, read_offsets = _on_partner_clock(utc, offsets, one_sided)
    for name, offset in read_offsets.items():
        frame[name] = on_clock(read[name], offset, clock)
    # from the written offsets: a time that took its partner's has no instant of its own
    frame[SHIFT], frame[END_SHIFT] = _clock_shifts(frame, utc, offsets)
    if len(partner[0]):
        naive, other = partner
        shift = frame[SHIFT].to_numpy(copy=True)
        shift[naive] = shift[other]
        frame[SHIFT] = pd.Series(shift, index=frame.index, dtype=OFFSET_DTYPE)
    by_case = 0
    if pairs is not None:
        frame[SHIFT], by_case = _case_clock_shifts(frame, utc, offsets)
        # a pair of two events without an offset on one clock, its start's: paired as written
        starts, ends = pairs
        alike = offsets[C.END].isna().to_numpy()
        alike = alike[starts] & alike[ends]
        shift = frame[SHIFT].to_numpy(copy=True)
        shift[ends[alike]] = shift[starts[alike]]
        frame[SHIFT] = pd.Series(shift, index=frame.index, dtype=OFFSET_DTYPE)
    if C.START not in offsets or C.END not in offsets:
        return one_sided, by_case
    both = utc[C.START].notna() & utc[C.END].notna()
    aware = read_offsets[C.START].notna() & read_offsets[C.END].notna()
    kept = frame[C.START] + (read[C.END] - read[C.START])
    frame[C.END] = kept.where(both & aware, frame[C.END]).astype(TIME_DTYPE)
    return one_sided, by_case


def _case_clock_shifts(
    frame: pd.DataFrame, utc: dict[str, pd.Series], offsets: dict[str, pd.Series]
) -> tuple[pd.Series, int]:
    """``frame``'s ``SHIFT`` (a lifecycle log's, one event a row) with each event that has none
    (written without a UTC offset, not paired with one that has one) given the shift it would
    have on the offset of its case's nearest event written with one (by their times on the
    clock), and how many were. Lifecycle events are paired on their shifted instants: with the
    shift missing (taken as zero, the clock's most common offset) a start at '19:04' completed
    at '19:21' interleaved with its case's '20:07+02:00' to '20:08+02:00' in a log mostly at
    +01:00, and the two instances became one of 64 minutes (QA rt27_calib F1). A case without
    an event with an offset keeps them missing: its events are all on one clock."""
    shift = frame[SHIFT]
    known = (offsets[C.END].notna() & frame[C.END].notna() & frame[C.CASE].notna()).to_numpy()
    lacking = (shift.isna() & frame[C.END].notna() & frame[C.CASE].notna()).to_numpy()
    if not known.any() or not lacking.any():
        return shift, 0
    # an event's shift on an offset o: the clock's usual offset (its own shift plus how far its
    # clock is ahead of its instant) less o
    taken = shift + (frame[C.END] - utc[C.END]) - offsets[C.END]
    case = pd.factorize(frame[C.CASE])[0]
    at, found = _nearest_in_case(case, frame[C.END].to_numpy(), known, taken, lacking)
    values = shift.to_numpy(copy=True)
    values[at] = found
    return pd.Series(values, index=frame.index, dtype=OFFSET_DTYPE), len(at)


def _nearest_in_case(
    case: np.ndarray, time: np.ndarray, known: np.ndarray, values: pd.Series, lacking: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For the ``lacking`` rows, the ``values`` of their case's nearest ``known`` row by
    ``time`` (``case``: a code per row, -1 where missing): the positions of those whose case has
    one, and those values."""
    right = pd.DataFrame(
        {"_c": case[known], "_t": time[known], "_s": values.to_numpy()[known]}
    ).sort_values("_t", kind="stable")
    left = pd.DataFrame(
        {"_c": case[lacking], "_t": time[lacking], "_at": np.flatnonzero(lacking)}
    ).sort_values("_t", kind="stable")
    near = pd.merge_asof(left, right, on="_t", by="_c", direction="nearest")
    found = (near["_s"].notna() & (near["_c"] >= 0)).to_numpy()
    return near["_at"].to_numpy()[found], near["_s"].to_numpy()[found]


def _one_sided(
    index: pd.Index, utc: dict[str, pd.Series], offsets: dict[str, pd.Series]
) -> pd.Series:
    """The rows with a start and an end of which exactly one carries a UTC offset."""
    if C.START not in offsets or C.END not in offsets:
        return pd.Series(False, index=index)
    both = utc[C.START].notna() & utc[C.END].notna()
    return both & (offsets[C.START].notna() != offsets[C.END].notna())


def _lifecycle_pairs(
    frame: pd.DataFrame,
    offsets: dict[str, pd.Series],
    lifecycle: str,
    reach: NaiveReach | pd.Timedelta = CLOCK_SKEW,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The start events of a lifecycle log (one event a row, ``C.END`` its time as parsed) that
    are paired with a completion, and those completions: their positions in ``frame``. None
    where no event has a UTC offset, or every event has one: no pair has it on one side.

    The pairs of a case's activity with an event without an offset are decided here, once
    (``surest_pairs``; ``frame``'s ``PARTNER`` column, which ``pair_lifecycle`` keeps to): on
    the times as written, each on its own clock (a pair with an offset on one of its times only
    keeps its written duration: ``_put_on_clock``; one whose completion lies up to ``reach``
    before its start, as written, is paired to be removed as a row that ends before it starts
    is), or where another reading leaves more of its pairs in time order, on that one: the
    instants, a time without an offset read on the clock of its case's nearest event with one
    (``_nearest_in_case``), or on one of the log's clocks (or UTC). Paired again on
    the instants after ``_put_on_clock``, a start at '01:56+01:00' completed at '03:14' (read
    on its clock) was paired, the night the clocks went forward, with the next instance's
    '03:40+02:00' completion, and that instance's start with '03:14' (QA rt28_calib F1)."""
    offset, times = offsets[C.END], frame[C.END]
    if not (offset.notna().any() and (offset.isna() & times.notna()).any()):
        return None
    written = (times + offset.fillna(pd.Timedelta(0))).astype(TIME_DTYPE)
    usable = (written.notna() & frame[C.CASE].notna() & frame[C.ACTIVITY].notna()).to_numpy()
    naive = (offset.isna() & times.notna()).to_numpy()
    keep = [c for c in (C.CASE, C.ACTIVITY, C.RESOURCE, INSTANCE, ROW) if c in frame.columns]
    events = frame.loc[usable, list(dict.fromkeys([*keep, lifecycle]))]
    # the readings: as written; the instants, a time without an offset on its case's nearest
    # event's clock; on each clock of the log's (and UTC)
    on_case_clock = times.to_numpy(copy=True)
    case = pd.factorize(frame[C.CASE])[0]
    at, nearest = _nearest_in_case(case, written.to_numpy(), ~naive & usable, offset, naive)
    on_case_clock[at] = on_case_clock[at] - nearest
    readings = {"_written": written, "_on_case_clock": pd.Series(on_case_clock, index=frame.index)}
    clocks = offset.value_counts().index.tolist()
    for k, o in enumerate([*clocks, *([pd.Timedelta(0)] if pd.Timedelta(0) not in clocks else [])]):
        readings[f"_on_clock_{k}"] = times.where(~naive, times - o)
    events = events.assign(
        **{name: values[usable] for name, values in readings.items()},
        **{C.END: written[usable], NAIVE: naive[usable], "_exact": times.where(~naive)[usable]},
    )
    starts, ends, decided = surest_pairs(
        events,
        lifecycle,
        list(readings),
        exact="_exact",
        written="_written",
        naive=NAIVE,
        naive_reach=reach,
    )
    rows = np.flatnonzero(usable)
    starts, ends = rows[starts], rows[ends]
    partner = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    partner.iloc[rows[decided]] = -1
    row = frame[ROW].to_numpy()
    partner.iloc[starts], partner.iloc[ends] = row[ends], row[starts]
    frame[PARTNER] = partner
    return starts, ends


def _paired_on_partner_clock(
    utc: dict[str, pd.Series],
    offsets: dict[str, pd.Series],
    pairs: tuple[np.ndarray, np.ndarray],
    *,
    on_partner: bool,
) -> tuple[pd.Series, dict[str, pd.Series], dict[str, pd.Series], tuple[np.ndarray, np.ndarray]]:
    """``_one_sided`` and ``_on_partner_clock`` for ``pairs`` of lifecycle events (positions of
    start events and their completions, all times in ``C.END``): the completions of the pairs
    with a UTC offset on one of their times only, ``utc`` and ``offsets`` with each such pair's
    time without one read on its partner's clock (with ``on_partner``), and the positions of
    those times and of their partners."""
    starts, ends = pairs
    index = utc[C.END].index
    wide = pd.RangeIndex(len(starts))

    def two(values: pd.Series) -> dict[str, pd.Series]:
        return {
            C.START: pd.Series(values.to_numpy()[starts], index=wide, dtype=values.dtype),
            C.END: pd.Series(values.to_numpy()[ends], index=wide, dtype=values.dtype),
        }

    pair_utc, pair_offsets = two(utc[C.END]), two(offsets[C.END])
    one = _one_sided(wide, pair_utc, pair_offsets).to_numpy()
    completed = np.zeros(len(index), dtype=bool)
    completed[ends[one]] = True
    naive_start = pair_offsets[C.START].isna().to_numpy()[one]
    naive = np.where(naive_start, starts[one], ends[one])
    other = np.where(naive_start, ends[one], starts[one])
    read, read_offsets = utc, offsets
    if on_partner and one.any():
        moved, moved_offsets = _on_partner_clock(pair_utc, pair_offsets, pd.Series(one, wide))
        times = utc[C.END].to_numpy(copy=True)
        given = offsets[C.END].to_numpy(copy=True)
        for name, at in ((C.START, starts), (C.END, ends)):
            times[at] = moved[name].to_numpy()
            given[at] = moved_offsets[name].to_numpy()
        read = {**utc, C.END: pd.Series(times, index=index, dtype=TIME_DTYPE)}
        read_offsets = {**offsets, C.END: pd.Series(given, index=index, dtype=OFFSET_DTYPE)}
    return pd.Series(completed, index=index), read, read_offsets, (naive, other)


def _on_partner_clock(
    utc: dict[str, pd.Series], offsets: dict[str, pd.Series], one_sided: pd.Series
) -> tuple[dict[str, pd.Series], dict[str, pd.Series]]:
    """``utc`` and ``offsets`` with the time without an offset of each of ``one_sided`` given
    the offset of its event's other time (a time without one was parsed as written, so its
    instant is that minus the offset)."""
    utc, moved = dict(utc), dict(offsets)
    for name, other in ((C.START, C.END), (C.END, C.START)):
        naive = one_sided & offsets[name].isna()
        taken = offsets[other].where(naive)
        utc[name] = (utc[name] - taken).where(naive, utc[name]).astype(TIME_DTYPE)
        moved[name] = offsets[name].where(~naive, taken).astype(OFFSET_DTYPE)
    return utc, moved


def _naive_in_zone(frame: pd.DataFrame, offsets: dict[str, pd.Series], clock: str) -> int:
    """With ``clock`` a zone the caller named (not UTC or the written clock), give each time
    written without a UTC offset the offset that zone's clock has at that time, in place (the
    time columns of ``frame`` hold instants, ``offsets`` each value's offset): a time of a named
    zone's clock is one instant, so an event that spans a change of the clock keeps its exact
    duration, whether an offset was written with one of its times, both or none (QA rt27_calib
    F2: '01:40' to '03:20+02:00' the night the clocks went forward lasted 1 h 40 on the clock,
    its twin from '01:40+01:00' 40 minutes). A time in the hour the clock repeats going back
    (two instants) or skips going forward (none) is left without one. Returns how many got one.
    """
    if not _zone_places(clock):
        return 0
    placed = 0
    for name, offset in offsets.items():
        naive = offset.isna() & frame[name].notna()
        if not naive.any():
            continue
        written = frame[name][naive]  # parsed as if UTC: as written
        local = written.dt.tz_localize(clock, ambiguous="NaT", nonexistent="NaT")
        found = local.notna()
        if not found.any():
            continue
        at = written.index[found.to_numpy()]
        instant = local[found].dt.tz_convert("UTC").dt.tz_localize(None).astype(TIME_DTYPE)
        times = frame[name].copy()
        times[at] = instant
        frame[name] = times.astype(TIME_DTYPE)
        given = offset.copy()
        given[at] = (written[found] - instant).astype(OFFSET_DTYPE)
        offsets[name] = given.astype(OFFSET_DTYPE)
        placed += int(found.sum())
    return placed


def _zone_places(clock: str) -> bool:
    """Whether ``clock`` is a named zone whose clock changes may place a time written without
    a UTC offset (``_naive_in_zone``): not UTC, nor the written clock."""
    return clock not in (WRITTEN, "UTC")


def _one_sided_reach(offsets: dict[str, pd.Series]) -> NaiveReach:
    """How far before its start a lifecycle completion may lie and still be paired with it
    (``sim.eventlog.lifecycle.pair_lifecycle``), one of the two written without a UTC offset:
    as far as a clock of the log's offsets or UTC (times without an offset are often UTC) can
    be behind the clock of the one with it (a completion without one), or ahead of it (a start
    without one), and at least the hour of a change of the clock. In a log all at -05:00 a
    completion without an offset read 4 hours before a start with one is on no clock after it:
    it was paired with it and removed, and its case's activity in progress lost (QA rt28_calib
    F2); a start without one, as UTC, reads up to 5 hours after its completion."""
    seen = [o.dropna() for o in offsets.values()]
    lows = [o.min() for o in seen if len(o)]
    highs = [o.max() for o in seen if len(o)]
    if not highs:
        return NaiveReach(ONE_PLACE_SPREAD, ONE_PLACE_SPREAD)
    zero = pd.Timedelta(0)
    return NaiveReach(
        completion=max(ONE_PLACE_SPREAD, max(highs) - min(*lows, zero)),
        start=max(ONE_PLACE_SPREAD, max(*highs, zero) - min(lows)),
    )


def _naive_on_partner_clock(timezone: str | None, clock: str) -> bool:
    """Whether a time without an offset beside one with it is read on that one's clock: unless
    the caller named a zone, whose clock the times without an offset are then taken to be on."""
    auto = timezone is None or str(timezone).strip().lower() == "auto"
    return auto or clock == WRITTEN


def _one_sided_note(
    n: int, clock: str, *, on_partner: bool, paired: bool = False, zoned: bool = False
) -> str:
    """The note on the ``n`` events with a UTC offset on one of start and end only; ``paired``:
    lifecycle start events and their completions (``_lifecycle_pairs``); ``zoned``: the times
    without an offset that the named zone ``clock`` could place were given its offset
    (``_naive_in_zone``), so these are events with a time it could not place (in an hour its
    clock repeats or skips), whatever was written with the other."""
    pair = " (a start event and its completion)" if paired else ""
    if zoned:
        has = "has" if n == 1 else "have"
        return (
            f"{_plural(n, 'event')}{pair} {has} one of start and end written without a UTC "
            f"offset in an hour that the clock of timezone={clock!r} repeats or skips when it "
            "changes, which names no one instant of it: that time was taken as written on that "
            "clock, so the event keeps its duration as written, not its exact one; write such "
            "times with their UTC offset."
        )
    verb = "carries" if n == 1 else "carry"
    head = f"{_plural(n, 'event')} {verb} a UTC offset on one of start and end only{pair}: "
    same = "the start and complete events are" if paired else "the two columns are"
    if on_partner:
        return head + (
            "the time without one was read on the clock of the one with it (its offset taken), "
            f"so each event keeps its duration as written; check that {same} on one clock."
        )
    return head + (
        f"the time without one was taken to be on the clock of timezone={clock!r} and the one "
        "with it converted to that clock; check that the times without an offset were written "
        "on it (timezone=null reads each on the clock of the time beside it)."
    )


def _one_sided_backwards(frame: pd.DataFrame, backwards: pd.Series, std: _Standard) -> str:
    """What to say of the ``backwards`` rows (end before start) with a UTC offset on one of
    start and end only, after "12 of them" ("" without such rows): their time without an offset
    is on another clock than the one it was read on, which ``timezone=`` names."""
    mask = backwards & frame[ROW].isin(std.one_sided_rows)
    n = int(mask.sum())
    if not n:
        return ""
    shown = _rows_shown(frame, mask, std.row_label, activity=False)
    offsets = ", ".join(std.report.timezone_offsets)
    head = (
        f"{n} of them {'carries' if n == 1 else 'carry'} a UTC offset on one of start and end "
        f"only and {'ends' if n == 1 else 'end'} before {'its' if n == 1 else 'their'} start "
    )
    if std.naive_on_partner:
        return (
            f"{head}as written, their time without one read on the clock of the one with it "
            f"({shown}): the times without an offset were written on another clock than those "
            f"with one (the log's offsets: {offsets}); pass timezone= the zone they were "
            "written in (e.g. 'Europe/Amsterdam')"
        )
    # a zone was named: advise no zone, and say where its clock cannot place a time (QA rt_calib F4)
    zone = std.report.clock
    its = "its" if n == 1 else "their"
    head += f"with {its} time without one taken to be on the clock of timezone={zone!r} ({shown})"
    naive = frame[C.START].where(frame[SHIFT].isna(), frame[C.END])[mask]
    twice = _repeated_hours(naive, zone)
    other = (
        f"the times without an offset were not written on that clock (the log's offsets: "
        f"{offsets}): pass timezone= the zone they were written in, or null to read each on the "
        "clock of the time beside it"
    )
    if not twice:
        return f"{head}: {other}"
    k = sum(twice.values())
    if k == n:
        which = "its time without an offset falls" if n == 1 else "their times without one fall"
    else:
        which = f"the time without an offset of {k} of them {'falls' if k == 1 else 'fall'}"
    text = (
        f"{head}: {which} in the hour that repeats when that clock goes back "
        f"({'; '.join(twice)}), where a time of the clock names two instants, one before the "
        "change and one after: write such times with their UTC offset"
    )
    return text + (f"; for the others, {other}" if k < n else "")


def _repeated_hours(times: pd.Series, zone: str) -> dict[str, int]:
    """The hours that repeat on the clock of IANA ``zone`` when it goes back (each as
    ``'2024-10-27 02:00 to 03:00'``) in which some of ``times`` (on that clock) fall, with how
    many; empty for ``'UTC'``, the written clock, or none in such an hour."""
    if zone in ("UTC", WRITTEN) or times.empty:
        return {}
    ambiguous = times.dt.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward").isna()
    found: Counter[str] = Counter()
    for t in times[ambiguous & times.notna()]:
        # the minutes around it that name two instants: the repeated hour it lies in
        near = pd.Series(
            pd.date_range(t.floor("min") - pd.Timedelta(hours=3), periods=361, freq="min")
        )
        twice = near[near.dt.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward").isna()]
        first, end = twice.iloc[0], twice.iloc[-1] + pd.Timedelta(minutes=1)
        found[f"{first:%Y-%m-%d %H:%M} to {end:%H:%M}"] += 1
    return dict(found)


#: The offset key counting values written without an offset and read as UTC (``naive_times``).
NAIVE_AS_UTC = "+00:00 (naive_times=UTC)"


def _naive_as_utc(
    times: pd.Series, offset: pd.Series, count: ZoneCount, naive_times: str
) -> pd.Series:
    """``offset`` with each value written without one given +00:00 (``naive_times='UTC'``:
    they are UTC), counted in ``count`` as values with that offset."""
    if str(naive_times).strip().upper() != "UTC":
        raise EventLogError(
            f"naive_times: expected 'UTC' (times written without an offset are UTC) or null "
            f"(taken as written), got {naive_times!r}"
        )
    naive = times.notna() & offset.isna()
    n = int(naive.sum())
    if n:
        offset = offset.mask(naive, pd.Timedelta(0)).astype(OFFSET_DTYPE)
        count.aware += n
        count.naive -= n
        count.offsets[NAIVE_AS_UTC] = count.offsets.get(NAIVE_AS_UTC, 0) + n
    return offset


SHIFT = "_shift"  # internal: a row's exact instant minus its time on the log's clock
END_SHIFT = "_end_shift"  # internal: the same for its end, on the clock the end was written in
NAIVE = "_naive"  # internal: a lifecycle event written without a UTC offset
PARTNER = "_partner"  # internal: the ROW of a lifecycle event's decided partner (_lifecycle_pairs)
BORROWED = "_borrowed"  # internal: a lifecycle event whose SHIFT is another event's


def _clock_shifts(
    frame: pd.DataFrame, utc: dict[str, pd.Series], offsets: dict[str, pd.Series]
) -> tuple[pd.Series, pd.Series]:
    """Each row's exact instant minus its time on the clock (``frame``, already moved there),
    from its start, or its end where it has none; missing where that time was written without
    a UTC offset (its instant is unknown). The instants are counted from the clock's most
    common offset, so the shift is zero but in the other season: on the clock a start at 02:50
    +02:00 comes after a completion at 02:05 +01:00, on the instants (clock plus shift) before
    it. An end with an offset is its start plus its exact duration, so on its start's clock;
    the second series is its own shift (missing without an offset), by which the end of an
    event that spans the change (Fri 16:00 +02:00 to Mon 08:30 +01:00, on the clock Mon
    09:30) is compared, at 08:30, with times written after it (QA newuser19 #3)."""
    ahead = {
        name: (frame[name] - utc[name]).where(offsets[name].notna())
        for name in (C.START, C.END)
        if name in offsets
    }
    seen = pd.concat(list(ahead.values())).dropna()
    usual = seen.value_counts().idxmax() if len(seen) else pd.Timedelta(0)
    end_shift = (usual - ahead[C.END]).astype(OFFSET_DTYPE)
    shift = end_shift
    if C.START in ahead:
        start_shift = (usual - ahead[C.START]).astype(OFFSET_DTYPE)
        shift = start_shift.where(frame[C.START].notna(), shift)
    return shift, end_shift


def _clock_note(
    zones: ZoneCount,
    report: CleaningReport,
    *,
    explicit: bool,
    borrowed: int = 0,
    zoned: int = 0,
    by_case: int = 0,
) -> str:
    """What was done with the timestamps' UTC offsets, and how to choose otherwise; of the
    values without one, ``borrowed`` were read on the clock of the other time of their event
    (``_put_on_clock``), ``zoned`` as times of the named zone (``_naive_in_zone``), and
    ``by_case`` lifecycle events paired on the clock of their case's nearest event with one
    (``_case_clock_shifts``)."""
    from sim.eventlog.utc_clock import apart_text, is_utc, offset_hours  # it reads EventLogs

    shown = ", ".join(f"{k} ({v})" for k, v in report.timezone_offsets.items())
    zone = report.clock if _zone_places(report.clock) else ""
    naive = _naive_text(zones.naive, borrowed, zoned=zoned, zone=zone, by_case=by_case)
    if report.clock == WRITTEN and all(is_utc(k) for k in report.timezone_offsets):
        # the clock they were written in is UTC itself, no office's (QA tzdst #4, #5)
        return (
            f"{zones.aware} timestamps carried the UTC offset +00:00 [{shown}]: read as "
            f"written, in UTC, so calendars and arrival hours are UTC hours{naive}"
            + (
                ". Pass timezone= a zone such as 'Europe/Amsterdam' to read them on that "
                "place's clock."
                if not explicit
                else "."
            )
        )
    if report.clock == WRITTEN:
        several = len(report.timezone_offsets) > 1
        return (
            f"{zones.aware} timestamps carried a UTC offset [{shown}]: read on the clock they "
            "were written in, so calendars and arrival hours are local"
            + (
                " (a case open across a change of the clock looks an hour longer or shorter; "
                "every event keeps its exact duration)"
                if several
                else ""
            )
            + naive
            + (
                ". Pass timezone='UTC' or a zone such as 'Europe/Amsterdam' to convert them."
                if not explicit
                else "."
            )
        )
    if report.clock == "UTC" and not explicit:
        hours = [h for h in map(offset_hours, report.timezone_offsets) if h is not None]
        one_hour = ONE_PLACE_SPREAD / pd.Timedelta(hours=1)
        if len(hours) == len(report.timezone_offsets) and max(hours) - min(hours) <= one_hour:
            # an hour apart, but side by side, not across a change (QA crmexport16 #1)
            return (
                f"{zones.aware} timestamps carried UTC offsets [{shown}] in use side by side, "
                "not one after the other as one place's clock changes: the clocks of two "
                "places, or one place's times written on two clocks (a system's in Z beside its "
                f"people's in +01:00): converted to UTC, so calendars and arrival hours are in "
                f"UTC{naive}. Pass timezone= a zone such as 'Europe/Amsterdam' to read them all "
                "on that place's clock."
            )
        # which offsets made them several places' (QA tzdst #7: 50 Z among 9,000 +01/+02)
        apart = apart_text(report.timezone_offsets)
        return (
            f"{zones.aware} timestamps carried UTC offsets more than an hour apart [{shown}], "
            f"the clocks of several places{f' ({apart})' if apart else ''}: converted to UTC, "
            f"so calendars and arrival hours are in UTC{naive}. Pass timezone= a zone such as "
            "'Europe/Amsterdam' to read them on that place's clock (all of them, when they are "
            "one place's times written on two clocks)."
        )
    return f"{zones.aware} timestamps carried a UTC offset [{shown}]: converted to {report.clock}{naive}."


def _naive_text(
    naive: int, borrowed: int, *, zoned: int = 0, zone: str = "", by_case: int = 0
) -> str:
    """The clause of ``_clock_note`` on the ``naive`` values without an offset: ``borrowed`` of
    them read on the clock of the other time of their event, ``zoned`` as times of the named
    ``zone`` (with a zone, the rest lie in an hour its clock repeats or skips), the rest as
    written (``by_case`` of them paired on the clock of their case's nearest event with one)."""
    if not naive:
        return ""
    rest = naive - borrowed - zoned

    def its(k: int) -> str:
        return "its" if k == 1 else "their"

    written = "taken as written"
    if zone:
        written += f" (in an hour that the clock of {zone} repeats or skips)"
    if by_case:
        some = "" if by_case == rest else f"{by_case} of them "
        written += (
            f", {some}paired with {its(by_case)} case's other events on the clock of its nearest "
            "event with an offset"
        )
    one = zoned == 1
    parts = [
        (borrowed, f"read on the clock of the other time of {its(borrowed)} event"),
        (
            zoned,
            f"read as {'a time' if one else 'times'} of {zone} (check that "
            f"{'it was' if one else 'they were'} written on its clock)",
        ),
        (rest, written),
    ]
    parts = [(k, what) for k, what in parts if k]
    if len(parts) == 1:
        return f"; {naive} had none and {_was(naive)} {parts[0][1]}"
    shown = ", ".join(f"{k} {_was(k)} {what}" for k, what in parts)
    return f"; {naive} had none: {shown}"


def _was(n: int) -> str:
    """'was' for one, 'were' for several."""
    return "was" if n == 1 else "were"


def _finish(
    std: _Standard,
    *,
    source: str,
    path: Path | None,
    end_activities: Iterable[str] | None,
    open_tail_fraction: float,
    date_only_duplicates: str = "drop",
) -> EventLog:
    frame, report, mapping, use_lifecycle = std.frame, std.report, std.mapping, std.use_lifecycle
    std.frame = pd.DataFrame()  # let the caller's copy go while we work
    notes = report.notes
    activities_in = set(frame[C.ACTIVITY].dropna().unique().tolist())

    # --- 4. missing keys and timestamps ---------------------------------------------------------
    _refuse_empty_key_columns(frame, mapping, source=source)
    missing_key = frame[C.CASE].isna() | frame[C.ACTIVITY].isna()
    report.missing_case_or_activity_removed = int(missing_key.sum())
    if missing_key.any():
        notes.append(
            f"Removed {_plural(report.missing_case_or_activity_removed, 'row')} "
            "without a case id or activity."
        )
        frame = frame.loc[~missing_key]
    missing_end = frame[C.END].isna()
    report.missing_timestamp_removed = int(missing_end.sum())
    # a start and no end: an activity in progress at extraction (its case is flagged open) when
    # it is its case's last; one followed by later activities of its case lost its end
    started = missing_end & frame[C.START].notna()
    running = started & _nothing_begins_after(frame, started)
    in_progress = set(frame.loc[running, C.CASE].tolist())
    report.missing_end_mid_case = int((started & ~running).sum())
    if missing_end.any():
        what = "a timestamp" if use_lifecycle else "an end timestamp"
        notes.append(
            f"Removed {_plural(report.missing_timestamp_removed, 'row')} without {what}"
            + (f" ({int(started.sum())} with a start)." if started.any() else ".")
        )
        frame = frame.loc[~missing_end]
    report.activities_in_progress = int(running.sum())

    # --- 5. exact duplicates --------------------------------------------------------------------
    frame = _remove_duplicates(frame, report, keep_date_only=date_only_duplicates == "keep")
    if ATTRIBUTES_HASH in frame.columns:
        frame = frame.drop(columns=ATTRIBUTES_HASH)

    # --- 6. lifecycle pairing -------------------------------------------------------------------
    if use_lifecycle:
        # an event without an instant of its own is paired on a shift it took from another
        # event (``_put_on_clock``): its instant is unknown, as in a row with a start and an end
        frame[BORROWED] = frame[END_SHIFT].isna()
        frame, pc = pair_lifecycle(
            frame,
            mapping[LIFECYCLE],
            shift=SHIFT,
            naive=NAIVE,
            naive_reach=std.naive_reach,
            borrowed=BORROWED,
            partner=PARTNER if PARTNER in frame.columns else None,
        )
        frame = frame.drop(columns=[NAIVE, BORROWED, PARTNER], errors="ignore")
        # a suspend/resume pair's two events are folded into their instance's row too: the
        # note names both parts, so it gives the count cleaning.json has (QA spec24 #5)
        report.lifecycle_events_merged = pc.merged + 2 * pc.suspensions
        report.suspensions_paired += pc.suspensions
        report.unmatched_starts_removed = pc.unmatched_starts
        report.lifecycle_events_removed = pc.removed_other + pc.unmatched_schedules
        if report.lifecycle_events_merged:
            notes.append(_merged_note(pc.merged, pc.suspensions))
        if pc.skewed:
            notes.append(
                f"Paired {_plural(pc.skewed, 'start event')} with a completion recorded up to "
                f"{CLOCK_SKEW.total_seconds() / 60:g} minutes before it (clocks out of step?); "
                f"{'its row ends' if pc.skewed == 1 else 'their rows end'} before "
                f"{'its' if pc.skewed == 1 else 'their'} start (removed below)."
            )
        if pc.unmatched_starts:
            notes.append(
                f"Removed {_plural(pc.unmatched_starts, 'start event')} never completed (where "
                "an activity of a case starts again before a completion, the earlier start is "
                "the one never completed)."
            )
        report.activities_in_progress += pc.unmatched_starts - pc.unmatched_starts_mid_case
        report.missing_end_mid_case += pc.unmatched_starts_mid_case
        in_progress.update(pc.unmatched_start_cases)
        if suspended := suspension_note(pc):
            notes.append(suspended)
        if aborted := abort_note(pc):
            notes.append(aborted)
        if pc.removed_other:
            shown = ", ".join(f"{w} {n}" for w, n in pc.removed_by_word.items())
            notes.append(
                f"Removed {_plural(pc.removed_other, 'lifecycle event')} other than "
                f"schedule/start/complete ({shown})"
                + (
                    ": a suspension not paired with a resume within its activity's start and "
                    "completion is counted as work."
                    if {SUSPEND, RESUME} & set(pc.removed_by_word)
                    else "."
                )
            )
        if pc.unmatched_schedules:
            notes.append(
                f"Removed {_plural(pc.unmatched_schedules, 'schedule event')} with no later "
                "instance of the activity."
            )
        if pc.without_transition and pc.merged:
            notes.append(
                f"Took {_plural(pc.without_transition, 'event')} without a "
                f"{mapping[LIFECYCLE]!r} value as completions (one activity instance each), "
                "although the log pairs "
                "starts with completions elsewhere: a start written without its transition "
                "becomes an instance of its own."
            )
        if pc.kept_lifecycle_column:
            notes.append(_unknown_transitions_note(mapping[LIFECYCLE], pc.unknown_values))

    # --- 7. end before start --------------------------------------------------------------------
    backwards = frame[C.START].notna() & (frame[C.END] < frame[C.START])
    report.end_before_start_removed = int(backwards.sum())
    clock_hint = _one_sided_backwards(frame, backwards, std)
    if backwards.any():
        notes.append(
            f"Removed {_plural(report.end_before_start_removed, 'row')} whose end is before "
            "its start" + (f": {clock_hint}." if clock_hint else ".")
        )
        frame = frame.loc[~backwards]
    # why a log left empty or with one case or activity lost its rows, if the clocks did it
    clock_hint = f"; {clock_hint}" if clock_hint else ""

    # --- 7b. timestamps far outside the log's period (a year typed wrong) ------------------------
    # the whole case goes: without the row its case would show a path of its own, and with a
    # typo in its first event a false arrival
    rules = (
        (
            _far_outside,
            f"a timestamp more than {FAR_MIN_YEARS} years and {FAR_SPANS} times the log's "
            "central period away from it (a year typed wrong?)",
            False,
        ),
        (
            _implausibly_long,
            f"an activity lasting more than {LONG_MIN_DAYS} days and {LONG_FACTOR} times the 90th "
            "percentile of its activity's durations (a start or end typed a year or a month off?)",
            True,
        ),
    )
    for rule, reason, with_activity in rules:
        bad = rule(frame)
        if bad.any():
            gone = frame[C.CASE].isin(frame.loc[bad, C.CASE])
            report.implausible_timestamps_removed += int(gone.sum())
            shown = _rows_shown(frame, bad, std.row_label, activity=with_activity)
            notes.append(f"Removed {_cases_and_rows(frame, gone)} with {reason}: {shown}.")
            frame = frame.loc[~gone]

    # --- 9. refuse unusable logs ------------------------------------------------------------------
    if frame.empty:
        raise EventLogError(
            f"{source}: no usable rows: all {report.rows_read} rows were removed "
            f"({report.removed()} removed: {report.removal_text()}){clock_hint}"
        )
    n_cases = frame[C.CASE].nunique()
    if n_cases < 2:
        only = frame[C.CASE].iloc[0]
        raise EventLogError(
            f"{source}: the log has a single case ({only!r}){_after_cleaning(report)}"
            f"{clock_hint}; expected at least two cases to learn arrivals and variation from"
        )
    n_acts = frame[C.ACTIVITY].nunique()
    if n_acts < 2:
        only = frame[C.ACTIVITY].iloc[0]
        raise EventLogError(
            f"{source}: the log has a single activity ({only!r}){_after_cleaning(report)}"
            f"{clock_hint}; expected at least two activities (is activity_key= naming the right "
            "column?)"
        )

    # --- 7c. the hour that repeats when the clocks go back ----------------------------------------
    frame = frame.reset_index(drop=True)
    borrowed = std.one_sided_rows if std.naive_on_partner else np.empty(0, dtype=np.int64)
    frame, repeated, moved, across = _keep_case_order(frame, borrowed)
    if across.any():
        notes.append(_across_change_note(frame, across, std.row_label))
    if repeated:
        notes.append(_repeated_hour_note(repeated, moved))

    # --- 8. missing or absent start times ---------------------------------------------------------
    report.missing_start = int(frame[C.START].isna().sum())
    if report.missing_start == len(frame):
        frame, firsts = estimate_start_times_counted(frame, only_missing=True)
        report.start_times_estimated = True
        report.start_estimation_method = ESTIMATION_METHOD
        maybe = [c for c in std.input_columns if "start" in _norm(c) and c not in mapping.values()]
        notes.append(
            "The log has no start times; estimated them as the later of the end of the case's "
            "previous activity and the end of the resource's previous activity."
            + _re_estimated_note(firsts)
            + _first_activities_note(firsts)
            + (
                f" If column {maybe[0]!r} holds start times, pass start_key={maybe[0]!r}."
                if C.START not in mapping and maybe
                else _unused_times_hint(std.time_like, mapping)
            )
        )
    elif report.missing_start:
        frame, filled = _estimate_missing_starts(frame)
        report.missing_start_estimated = sum(filled.values())
        left = report.missing_start - report.missing_start_estimated
        if filled:
            shown = ", ".join(f"{a!r} {n}" for a, n in filled.items())
            notes.append(
                f"{_plural(report.missing_start_estimated, 'row')} without a start time "
                f"belong to activities whose start is recorded on most instances ({shown}): "
                "a start missing from the data, not an instant event; estimated: the mean "
                "recorded duration of the activity's instances with the nearest time since the "
                "end of the case's (and resource's) previous activity, never more than that."
            )
        if left:
            notes.append(
                f"{_plural(left, 'row')} {_have(left)} no start "
                "time (completion-only "
                "events); left missing (see estimate_start_times)."
            )

    # --- 10. sort, open cases, summary -------------------------------------------------------------
    # the clock's order is the true one: _keep_case_order moved the rows that ran backwards
    sort_time = frame[C.START].fillna(frame[C.END])
    frame = (
        frame.assign(_sort=sort_time)
        .sort_values([C.CASE, "_sort", C.END, ROW], kind="stable")
        .drop(columns=["_sort", ROW, SHIFT, END_SHIFT])
        .reset_index(drop=True)
    )
    if std.had_case_open:
        notes.append("Input column 'case_open' replaced by the open-case rule's result.")
    frame, ends = flag_open_cases(
        frame,
        end_activities=end_activities,
        tail_fraction=open_tail_fraction,
        force_open=in_progress,
    )
    if report.activities_in_progress:
        forced = frame[C.CASE].isin(in_progress)
        notes.append(
            f"{_plural(report.activities_in_progress, 'activity', 'activities')} started and never finished "
            "(in progress at extraction; removed above): "
            f"{_plural(frame.loc[forced, C.CASE].nunique(), 'case')} with one flagged open."
        )
    if report.missing_end_mid_case:
        n = report.missing_end_mid_case
        notes.append(
            f"{_plural(n, 'activity', 'activities')} started with no end although "
            f"{'its case' if n == 1 else 'their cases'} went on after "
            f"{'it' if n == 1 else 'them'} (removed above): an end missing from the data, "
            "not work in progress, so it flags no case open."
        )
    if end_activities is not None:
        unknown = sorted(set(ends) - set(frame[C.ACTIVITY].unique().tolist()))
        if unknown:
            notes.append(
                f"End activities given that do not occur in the log: "
                f"{', '.join(repr(a) for a in unknown)} (misspelt?); a case cannot end with "
                "them, so only the others mark a case as finished."
            )
    frame = frame[_column_order(frame.columns)]
    report.open_tail_fraction = float(open_tail_fraction)
    report.end_activities = ends
    report.open_cases = int(frame.loc[frame[CASE_OPEN], C.CASE].nunique())
    report.rows_kept = len(frame)
    report.cases = int(frame[C.CASE].nunique())
    report.activities = int(frame[C.ACTIVITY].nunique())
    report.resources = int(frame[C.RESOURCE].nunique())
    report.rows_without_resource = int(frame[C.RESOURCE].isna().sum())
    if 0 < report.rows_without_resource < len(frame):
        notes.append(
            f"{_plural(report.rows_without_resource, 'row')} "
            f"({report.rows_without_resource / len(frame):.1%}) "
            + (
                "has no resource: it is kept; calibration counts its work as busy time of its"
                if report.rows_without_resource == 1
                else "have no resource: they are kept; calibration counts their work as busy time "
                "of their"
            )
            + " step's role, but in nobody's headcount or working hours."
        )
    report.resource_spellings = _spelling_variants(frame[C.RESOURCE].dropna().unique())
    report.activity_spellings = _spelling_variants(frame[C.ACTIVITY].dropna().unique())
    notes.extend(_spellings_note(report.resource_spellings, "person", "counts as a person"))
    notes.extend(
        _spellings_note(report.activity_spellings, "activity", "is an activity of its own")
    )
    kept_activities = set(frame[C.ACTIVITY].unique().tolist())
    # an activity kept only as '<activity> (aborted)' (sim.eventlog.lifecycle) is not dropped
    kept_activities |= {
        str(a)[: -len(ABORTED_SUFFIX)] for a in kept_activities if str(a).endswith(ABORTED_SUFFIX)
    }
    report.activities_dropped = sorted(activities_in - kept_activities)
    if report.activities_dropped:
        notes.append(
            "Activities seen only in removed rows: " + ", ".join(report.activities_dropped) + "."
        )
    notes.insert(0, f"Read {_plural(report.rows_read, 'row')}; kept {report.rows_kept}.")
    notes.append(
        f"{report.cases} cases, {report.activities} activities, {report.resources} resources; "
        f"{_plural(report.open_cases, 'case')} flagged open ("
        + ("an activity in progress, or " if report.activities_in_progress else "")
        + f"last event among the final {open_tail_fraction:.0%} of the extract's events and "
        f"last activity not one of the end activities {', '.join(ends) or '(none)'})."
    )
    return EventLog(
        events=frame,
        report=report,
        source=path,
        start_times_estimated=report.start_times_estimated,
        in_progress_case_ids=frozenset(str(c) for c in in_progress) & frozenset(frame[C.CASE]),
    )


def _keep_case_order(
    frame: pd.DataFrame, borrowed: np.ndarray | None = None
) -> tuple[pd.DataFrame, int, int, pd.Series]:
    """``frame`` with no case's times running backwards on the clock, how many rows fall in the
    hour that repeats when the clocks go back (``_in_repeated_hour``), how many were moved, and
    which of the rows ``borrowed`` (``ROW`` numbers of rows whose time without a UTC offset was
    read on the clock of the other: ``_put_on_clock``) took an offset not in use at that time
    (``_across_change``).

    There an event written at 02:25 +01:00 follows one of its case written at 02:30 +02:00: on
    the clock it begins first, and every later step (which sorts by start) saw its case's path
    in the wrong order (QA tzdst: 3 routing decisions that are not in the log). Such a row,
    one that begins before the start of an earlier row of its case (by the true instants), or
    before the end of one that ended before it began, is read on that row's clock: its start
    and end move later by the change of the clock (the difference of their UTC offsets), so its
    duration and its distance from that row stay exact. An end is compared on the clock it was
    written in, not on its start's (where an event that spans the change ends, to keep its
    duration exact): an event written at Mon 09:00 +01:00, after one that ran from Fri 16:00
    +02:00 to Mon 08:30 +01:00, is neither in a repeated hour nor moved (QA newuser19 #3).
    Only rows of cases with a row in the repeated hour are looked at, one by one (a few).
    Times of several places read on the clocks they were written in (``timezone='local'``,
    shifts more than ``ONE_PLACE_SPREAD`` apart, or in use side by side rather than one after
    the other: ``clock_changes``) are left as they are: their hand-overs run backwards by the
    hours between the clocks, by that choice. No hour repeats in a log whose clock does not
    change.
    """
    zero = pd.Timedelta(0)
    across = pd.Series(False, index=frame.index)
    known = frame[SHIFT].dropna()
    if known.empty or known.max() - known.min() > ONE_PLACE_SPREAD:
        return frame, 0, 0, across
    shift = frame[SHIFT].fillna(zero)
    begin = frame[C.START].fillna(frame[C.END])
    changes = clock_changes(begin + shift, frame[SHIFT])
    if not changes:
        # no change of the clock in the log (QA crmexport16 #1: Z and +01:00)
        return frame, 0, 0, across
    if borrowed is not None and len(borrowed):
        across = _across_change(frame, changes, borrowed)
    span = _end_span(frame)
    repeated = _in_repeated_hour(frame, begin, shift, span)
    if not repeated.any():
        return frame, 0, 0, across
    # a row none of whose times carries an offset is taken as written: neither moved nor the
    # reason another is (QA rt28_calib F1: '02:10' to '02:40' was moved an hour later, after
    # its case's '02:50+02:00'); one with an offset on one side only stays on that one's clock
    none = frame[SHIFT].isna() & ~frame[ROW].isin([] if borrowed is None else borrowed)
    cases = frame[C.CASE].isin(frame.loc[repeated, C.CASE]) & ~none
    new_shift = shift.copy()
    look = frame.loc[cases].assign(_b=begin + shift, _e=frame[C.END] + shift, _s=shift, _span=span)
    look = look.sort_values([C.CASE, "_b", "_e", ROW], kind="stable")
    for _, rows in look.groupby(C.CASE, sort=False, observed=True):
        b, e, s = rows["_b"].to_numpy(), rows["_e"].to_numpy(), rows["_s"].to_numpy().copy()
        written = rows["_span"].to_numpy()
        for i in range(1, len(rows)):
            starts = b[:i] - s[:i]  # the earlier rows' starts and ends on the clock, as moved
            ends = e[:i] - s[:i] - written[:i]  # each end on the clock it was written in
            own = b[i] - s[i]
            late = ((own < starts) | ((own == starts) & (b[i] > b[:i]))) | (
                (e[:i] <= b[i]) & (own < ends)
            )
            if late.any():
                s[i] = min(s[i], s[:i][late].min())
        new_shift.loc[rows.index] = s
    delta = shift - new_shift  # how much later each row is read
    moved = delta > zero
    if moved.any():
        frame = frame.copy()
        for name in (C.START, C.END):
            frame[name] = (frame[name] + delta).astype(TIME_DTYPE)
        frame[SHIFT] = frame[SHIFT].where(~moved, new_shift)
    return frame, int(repeated.sum()), int(moved.sum()), across


def _across_change(
    frame: pd.DataFrame, changes: list[ClockChange], borrowed: np.ndarray
) -> pd.Series:
    """Which rows of ``borrowed`` (``ROW`` numbers: a time without a UTC offset read on the
    clock of the other time of its row) lie, so read, where the log's times written with an
    offset carry another one (``changes``: ``clock_changes`` of their shifts): the clock changed
    between the row's two times, and its time without an offset took the offset of before the
    change (or after). Rows whose time lies between a change's last time with the old offset
    and its first with the new one are not known to be such."""
    rows = frame[ROW].isin(borrowed)
    naive_end = rows & frame[SHIFT].notna() & frame[END_SHIFT].isna()
    naive_start = rows & frame[SHIFT].isna() & frame[END_SHIFT].notna()
    # the time without an offset on the instants, by the shift it took from its partner
    taken = frame[SHIFT].where(naive_end, frame[END_SHIFT])
    at = (frame[C.END] + taken).where(naive_end, frame[C.START] + taken)
    in_use = pd.Series(pd.NaT, index=frame.index, dtype=OFFSET_DTYPE)
    in_use = in_use.mask(at <= changes[0].old_until, changes[0].before)
    for change, following in zip(changes, [*changes[1:], None], strict=True):
        after = at >= change.new_from
        if following is not None:
            after &= at <= following.old_until
        in_use = in_use.mask(after, change.after)
    return (naive_end | naive_start) & in_use.notna() & (in_use != taken)


def _across_change_note(
    frame: pd.DataFrame, across: pd.Series, row_label: Callable[[int], str]
) -> str:
    """The note on the ``across`` rows (``_across_change``): a time without a UTC offset read on
    the clock of the other time of its event across a change of the clock (QA rt_calib F3: such
    rows had been said to fall in the hour that repeats when the clocks go back, on a night the
    clocks went forward)."""
    n = int(across.sum())
    one = n == 1
    shown = _rows_shown(frame, across, row_label, activity=True)
    return (
        f"{_plural(n, 'event')} with a UTC offset on one of start and end only "
        f"{'spans' if one else 'span'} a change of the clock ({shown}): "
        f"{'its' if one else 'their'} time without an offset was read on the clock of the one "
        "with it, whose offset the log's other times no longer (or not yet) carry at that time, "
        f"so {'its' if one else 'their'} written duration may be off the true one by the change "
        "of the clock; write both times with their UTC offset to keep the exact duration."
    )


def _end_span(frame: pd.DataFrame) -> pd.Series:
    """How much later each row's end lies on the clock (its start's, to keep its duration
    exact) than as written: the change of the clock between its start and its end (an hour
    for an event that spans it), zero where either was written without a UTC offset."""
    return (frame[END_SHIFT] - frame[SHIFT]).fillna(pd.Timedelta(0)).astype(OFFSET_DTYPE)


def _in_repeated_hour(
    frame: pd.DataFrame, begin: pd.Series, shift: pd.Series, span: pd.Series
) -> pd.Series:
    """Rows written with a UTC offset whose begin or end falls in the hour that repeats when the
    clocks go back: with all such times in the order of their true instants, a time the clock
    shows earlier than (or as) an earlier instant, or later than a later one. Each end is taken
    as written (``span`` earlier than on the clock, ``_end_span``): the end of an event that
    spans the change lies on its start's clock, an hour away from the times written after it."""
    known = frame[SHIFT].notna().to_numpy()
    if not known.any():
        return pd.Series(False, index=frame.index)
    # an end written without an offset beside a start with one has no instant of its own: read
    # on its start's clock, it can seem to overlap times written after a change of the clock
    # although no hour repeats (QA rt_calib F3: '01:30+01:00' to '03:30' the night the clocks
    # went forward)
    own_end = known & frame[END_SHIFT].notna().to_numpy()
    ends = frame[C.END] - span
    clock = np.concatenate([begin.to_numpy()[known], ends.to_numpy()[own_end]])
    exact = np.concatenate(
        [(begin + shift).to_numpy()[known], (frame[C.END] + shift).to_numpy()[own_end]]
    )
    which = np.concatenate([np.flatnonzero(known), np.flatnonzero(own_end)])
    order = np.lexsort((clock, exact))
    clock, exact, which = clock[order], exact[order], which[order]
    ints, at = clock.view(np.int64), exact.view(np.int64)
    before = np.maximum.accumulate(ints)
    after = np.minimum.accumulate(ints[::-1])[::-1]
    low = np.iinfo(np.int64).min
    high = np.iinfo(np.int64).max
    prev_max = np.concatenate([[low], before[:-1]])
    next_min = np.concatenate([after[1:], [high]])
    prev_at = np.concatenate([[low], at[:-1]])
    next_at = np.concatenate([at[1:], [high]])
    back = (ints < prev_max) | ((ints == prev_max) & (at > prev_at))
    ahead = (ints > next_min) | ((ints == next_min) & (at < next_at))
    flagged = np.zeros(len(frame), dtype=bool)
    flagged[which[back | ahead]] = True
    return pd.Series(flagged, index=frame.index)


def _repeated_hour_note(repeated: int, moved: int) -> str:
    """The note on rows in the hour that repeats when the clocks go back (``_keep_case_order``)."""
    text = (
        f"{_plural(repeated, 'event')} {'falls' if repeated == 1 else 'fall'} in the hour that "
        "repeats when the clocks go back (written times that overlap those written after the "
        "change): each case's events are ordered by their true instants (their UTC offsets)"
    )
    if not moved:
        return text + "."
    return text + (
        f"; {_plural(moved, 'event')}, written before an earlier event of {'its' if moved == 1 else 'their'} "
        f"case, {'was' if moved == 1 else 'were'} read on that event's clock: moved later by the "
        "change of the clock, duration kept, so no case's times run backwards ("
        f"{'its' if moved == 1 else 'their'} hour of day is then that much later than written)."
    )


MIN_RECORDED_STARTS = 20
"""Recorded start times an activity needs (on most of its rows) for a row of it without one to
be taken as a start missing from the data and estimated from them (``_estimate_missing_starts``);
with fewer the row stays a completion-only event."""


HOLDS_BROKEN_SHARE = 0.01
"""Largest share of an activity's recorded starts that may lie before the end of their case's
(or resource's) previous activity for that end to bound the activity's estimated missing starts
(``_estimate_missing_starts``)."""


def _estimate_missing_starts(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Estimate the start of rows without one whose activity has its start recorded on most of
    its rows (at least ``MIN_RECORDED_STARTS``); returns the frame and the rows filled per
    activity.

    Such a row is a start lost from the data (an XES ``complete`` whose ``start`` is missing, an
    empty cell), not an instant activity: taken as instant it made the activity's mean duration
    look shorter by its share of the rows. It cannot have started before the end of its case's
    previous activity (it was not enabled) nor of its resource's previous one (who was busy
    until then), by end time as in ``estimate_start_times``: that gap is its duration plus the
    wait before it. It gets the mean duration of the recorded instances of its activity whose
    gaps are nearest to its own (``_nearest_mean``) (an activity that starts as soon as it is
    enabled has its gap as its duration, one that waited a weekend the durations of others
    that waited), never more than its gap; where there is no gap (a case's first activity
    without a resource) the mean recorded duration. A bound is used for an activity only where
    its recorded starts keep it (all but ``HOLDS_BROKEN_SHARE``): with parallel branches or
    people who work on several cases at once the previous end is no bound. Activities that
    never or seldom record a start (a complete-only activity beside
    start/complete ones, BPIC 2012's ``A_`` events) keep rows without a start.
    """
    has = frame[C.START].notna()
    per = has.groupby(frame[C.ACTIVITY], observed=True).agg(["sum", "size"])
    mixed = per.index[
        (per["sum"] >= MIN_RECORDED_STARTS)
        & (per["sum"] * 2 > per["size"])
        & (per["sum"] < per["size"])
    ]
    fill = ~has & frame[C.ACTIVITY].isin(mixed)
    if not fill.any():
        return frame, {}
    by_end = frame.iloc[np.argsort(frame[C.END].to_numpy(), kind="stable")]
    bounds = []
    for key in (C.CASE, C.RESOURCE):
        prev = by_end.groupby(key, sort=False, observed=True)[C.END].shift(1).reindex(frame.index)
        # a bound the activity's recorded starts break (parallel branches, people who
        # multitask) says nothing of its missing ones
        broken = (has & (frame[C.START] < prev)).groupby(frame[C.ACTIVITY], observed=True).sum()
        holds = broken <= HOLDS_BROKEN_SHARE * per["sum"]
        bounds.append(prev.where(frame[C.ACTIVITY].map(holds).fillna(False).astype(bool)))
    bound = pd.concat(bounds, axis=1).max(axis=1)
    gap_s = (frame[C.END] - bound).dt.total_seconds().to_numpy()  # NaN: no bound
    took_s = (frame[C.END] - frame[C.START]).dt.total_seconds().to_numpy()
    activity = frame[C.ACTIVITY].to_numpy()
    missing, known = fill.to_numpy(), has.to_numpy()
    duration_s = np.zeros(len(frame))
    for a in mixed:
        mine = activity == a
        rows = np.flatnonzero(missing & mine)
        if not len(rows):
            continue
        duration_s[rows] = np.nanmean(took_s[known & mine])
        ref = known & mine & ~np.isnan(gap_s)
        bounded = rows[~np.isnan(gap_s[rows])]
        if len(bounded) and ref.sum() >= MIN_RECORDED_STARTS:
            duration_s[bounded] = _nearest_mean(gap_s[ref], took_s[ref], gap_s[bounded])
    duration_s = np.minimum(duration_s, np.nan_to_num(gap_s, nan=np.inf))
    est = frame[C.END] - pd.to_timedelta(duration_s, unit="s")
    frame = frame.copy()
    frame.loc[fill, C.START] = est[fill].astype(frame[C.START].dtype)
    counts = frame.loc[fill, C.ACTIVITY].value_counts()
    return frame, {str(a): int(n) for a, n in counts.items()}


def _nearest_mean(x: np.ndarray, y: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The mean ``y`` of the ``k`` points nearest in rank to each of ``at`` along ``x``, ``k``
    the square root of their number (a nearest-neighbour regression of ``y`` on ``x``; a wider
    window reached into points of another kind, such as instances that did not wait)."""
    order = np.argsort(x, kind="stable")
    xs, total = x[order], np.concatenate([[0.0], np.cumsum(y[order])])
    k = min(len(xs), max(5, round(len(xs) ** 0.5)))
    lo = np.clip(np.searchsorted(xs, at) - k // 2, 0, len(xs) - k)
    return (total[lo + k] - total[lo]) / k


def _nothing_begins_after(frame: pd.DataFrame, rows: pd.Series) -> pd.Series:
    """Whether each of ``rows`` (with a start) is its case's last activity: no row of its case
    begins (starts, or ends where it has no start) after its start. An activity still running
    in parallel with one finished later stays last: only a later beginning shows the case went
    on."""
    begin = frame[C.START].fillna(frame[C.END])
    if not rows.any():
        return pd.Series(False, index=frame.index)
    latest = begin.groupby(frame[C.CASE], sort=False, observed=True).transform("max")
    return ~(latest > frame[C.START]).fillna(False)


def _unknown_transitions_note(column: str, unknown: dict[str, int]) -> str:
    """The note on lifecycle values that are no transition of the XES standard model."""
    shown = ", ".join(f"{w!r} {n}" for w, n in list(unknown.items())[:8])
    more = f" and {len(unknown) - 8} more" if len(unknown) > 8 else ""
    return (
        f"Column {column!r} holds {_plural(sum(unknown.values()), 'value')} that "
        f"{'is' if sum(unknown.values()) == 1 else 'are'} no start, complete or other lifecycle "
        f"transition ({shown}{more}): its own status vocabulary? Each such event is kept as an "
        "activity instance of its own (a completion) and the status kept as an attribute; map "
        "them to start/complete to pair them."
    )


def _unused_times_hint(time_like: tuple[str, ...], mapping: dict[str, str]) -> str:
    """The sentence on columns of timestamps that no key names, in a log without start times
    (QA crmexport16 #5: a 'Début' column sat unused beside the mapped 'Fin')."""
    if C.START in mapping or not time_like:
        return ""
    first = time_like[0]
    if len(time_like) == 1:
        return (
            f" Column {first!r} holds timestamps and is not used: if they are the start times, "
            f"pass start_key={first!r}."
        )
    shown = ", ".join(repr(c) for c in time_like)
    return (
        f" Columns {shown} hold timestamps and are not used: if {first!r} holds the start "
        f"times, pass start_key={first!r}."
    )


def _re_estimated_note(firsts: StartEstimates) -> str:
    """The sentence on instances whose gap held a wait outside the log (``sim.eventlog.estimate``):
    which activities, by how much, and how many instances."""
    if not firsts.re_estimated:
        return ""
    shown = ", ".join(
        f"{a!r} ({r:g}x)"
        for a, r in sorted(firsts.delayed_activities.items(), key=lambda kv: -kv[1])
    )
    return (
        f" Where a case was enabled while its resource was idle, the gap to its end was much "
        f"longer than where it queued (median ratio per activity: {shown}): it holds waiting "
        f"outside the log, so {_plural(firsts.re_estimated, 'such instance')} took the queued "
        "instances' duration at the same rank and the rest of the gap as waiting."
    )


def _remove_duplicates(
    frame: pd.DataFrame, report: CleaningReport, *, keep_date_only: bool
) -> pd.DataFrame:
    """``frame`` without its exact duplicate rows, counted in ``report``. Where the times carry
    a date and no time of day, or every time is written to the minute, a copy and a second
    visit in the same day (minute) look alike: those duplicates are said to be maybe real (the
    date-only ones counted apart), and kept with ``keep_date_only``."""
    content = [c for c in frame.columns if c not in (ROW, PARTNER)]  # a copy has its own
    dup = frame.duplicated(subset=content, keep="first")
    dates = _no_time_of_day(frame) if report.date_only_values else dup & False
    # times of day without seconds throughout (QA crmexport16 #5: 15:50:03 and 15:50:22 of one
    # case both written 15:50, one of them removed as a copy)
    minutes = not report.date_only_values and whole_minutes([frame[C.START], frame[C.END]])
    alike = dup & (dates | minutes)
    if minutes:
        times, span = "times written to the minute, without seconds", "minute"
        again, same = "repetitions within a minute", "within the same minute"
    else:
        times, span = "times with a date and no time of day", "day"
        again, same = "same-day repetitions", "on the same day"
    report.date_only_duplicates = int((dup & dates).sum())
    report.date_only_duplicates_kept = keep_date_only
    if keep_date_only:
        dup &= ~alike
    report.duplicates_removed = int(dup.sum())
    if dup.any():
        text = f"Removed {_plural(report.duplicates_removed, 'exact duplicate row')}"
        if alike.any() and not keep_date_only:
            some = "all" if alike.sum() == dup.sum() else f"{int(alike.sum())}"
            text += (
                f", {some} of them on {times}: there, one resource doing the same activity of "
                f"a case twice in a {span} looks like a copy, so they may be real {again}, "
                "whose work is then lost (pass date_only_duplicates='keep' to keep them)"
            )
        report.notes.append(text + ".")
    if keep_date_only and alike.any():
        n = int(alike.sum())
        report.notes.append(
            f"Kept {_plural(n, 'row')} that {'repeats' if n == 1 else 'repeat'} another exactly "
            f"on {times} (date_only_duplicates='keep'): read as repetitions {same}, not copies."
        )
    return frame.loc[~dup]


def _no_time_of_day(frame: pd.DataFrame) -> pd.Series:
    """Rows whose start and end times (those present) all fall at midnight."""
    out = pd.Series(True, index=frame.index)
    for name in (C.START, C.END):
        times = frame[name]
        out &= times.isna() | times.eq(times.dt.normalize())
    return out


#: What each required column must hold on every row, for the error on one that holds nothing.
_EXPECTED_VALUE = {
    C.CASE: "a case id",
    C.ACTIVITY: "an activity name",
    C.END: "the time the activity finished",
}


def _refuse_empty_key_columns(frame: pd.DataFrame, mapping: dict[str, str], *, source: str) -> None:
    """Raise when a required column (case id, activity, end) is in the file but empty in every
    row: each row would be removed and the error would only count them, not name the column."""
    for std in REQUIRED_KEYS:
        if not frame[std].isna().all():
            continue
        column = mapping[std]
        started = std == C.END and C.START in mapping and bool(frame[C.START].notna().any())
        also = (
            f" (column {mapping[C.START]!r} has start times, but an activity without its end "
            "cannot be measured)"
            if started
            else ""
        )
        raise EventLogError(
            f"{source}: column {column!r}, the {_describe(std)} column, is empty in all "
            f"{_plural(len(frame), 'row')}{also}; expected {_EXPECTED_VALUE[std]} on each row "
            f"(pass {KEY_ARGUMENT[std]}= to name another column)"
        )


def _first_activities_note(firsts: StartEstimates) -> str:
    """The sentence on how cases' first activities, which nothing in the case enables, got their
    start times (``sim.eventlog.estimate``)."""
    parts = []
    if firsts.from_median:
        parts.append(
            f"{_plural(firsts.from_median, 'first activity', 'first activities')} of a case took "
            "the median duration of the same activity where an earlier activity of its case "
            "enabled it"
        )
    if firsts.instant:
        parts.append(
            f"{_plural(firsts.instant, 'first activity', 'first activities')} of an activity that "
            "always opens its case got no duration (start = end)"
        )
    if not parts:
        return ""
    return (
        " Nothing in a case enables its first activity, and its resource's idle time before it "
        "is no evidence of work, so " + "; ".join(parts) + "."
    )


def _after_cleaning(report: CleaningReport) -> str:
    """``" after cleaning removed 12 of 18 rows (end before start: 12)"``, or ``""`` when
    nothing was removed: a log left with one case or activity may have lost the rest there."""
    if not report.removed():
        return ""
    return (
        f" after cleaning removed {report.removed()} of {report.rows_read} rows "
        f"({report.removal_text()})"
    )


def _spelling_variants(names: Iterable[object]) -> list[list[str]]:
    """Groups of names that are equal once letter case, spaces and punctuation are ignored
    (``Technician_1``, ``technician_1``, ``TECHNICIAN 1``), each sorted, groups in name order."""
    groups: dict[str, list[str]] = {}
    for name in map(str, names):
        groups.setdefault(re.sub(r"[\W_]+", "", name.casefold()), []).append(name)
    return sorted(sorted(g) for g in groups.values() if len(g) > 1)


# A timestamp is implausible when it lies further before or after the log's central period (1st to
# 99th percentile of its timestamps) than FAR_SPANS such periods and at least FAR_MIN_YEARS: one
# start typed 1900 (or 2003 for 2013) would make an activity last a century (a decade) and the
# model absurd, while an old case still open in an extract lies within a few years of it.
FAR_SPANS = 2
FAR_MIN_YEARS = 5
# An activity instance is implausibly long when it lasts more than LONG_MIN_DAYS and LONG_FACTOR
# times the 90th percentile of its activity's recorded durations (at least LONG_MIN_INSTANCES of
# them): a start typed a year early inside the log's period (a 2022 for 2023) passes the rule
# above but makes a two-minute task last a year. No log in ../shared/data has such a row.
LONG_MIN_DAYS = 30
LONG_FACTOR = 100
LONG_MIN_INSTANCES = 20


def _cases_and_rows(frame: pd.DataFrame, mask: pd.Series) -> str:
    """``"1 case (8 rows)"``: the cases of the rows in ``mask`` and how many rows they have."""
    n_cases = frame.loc[mask, C.CASE].nunique()
    return f"{_plural(n_cases, 'case')} ({_plural(int(mask.sum()), 'row')})"


def _rows_shown(
    frame: pd.DataFrame, mask: pd.Series, row_label: Callable[[int], str], *, activity: bool
) -> str:
    """The first three rows of ``mask`` by their file label and times (``...`` if more)."""
    shown = "; ".join(
        f"{row_label(int(r[ROW]))} ({f'{r[C.ACTIVITY]}: ' if activity else ''}"
        f"{r[C.START]} .. {r[C.END]})"
        for _, r in frame.loc[mask].head(3).iterrows()
    )
    return shown + (" ..." if int(mask.sum()) > 3 else "")


def _implausibly_long(frame: pd.DataFrame) -> pd.Series:
    """Rows with a recorded start that last implausibly long for their activity (see above)."""
    started = frame[C.START].notna()
    hours = (frame[C.END] - frame[C.START]) / pd.Timedelta(hours=1)
    by_activity = hours[started].groupby(frame.loc[started, C.ACTIVITY])
    n = by_activity.transform("size").reindex(frame.index, fill_value=0)
    p90 = by_activity.transform(lambda x: x.quantile(0.9)).reindex(frame.index)
    limit = np.maximum(LONG_MIN_DAYS * 24.0, LONG_FACTOR * p90)
    return (started & (n >= LONG_MIN_INSTANCES) & (hours > limit)).fillna(False).astype(bool)


def _far_outside(frame: pd.DataFrame) -> pd.Series:
    """Rows with a start or end implausibly far outside the log's central period (see above)."""
    end = frame[C.END].to_numpy(dtype="datetime64[us]").view(np.int64)
    start = frame[C.START].to_numpy(dtype="datetime64[us]").view(np.int64)
    has_start = frame[C.START].notna().to_numpy()
    stamps = np.concatenate([end, start[has_start]])
    if len(stamps) < 4:
        return pd.Series(False, index=frame.index)
    lo = int(np.quantile(stamps, 0.01, method="higher"))
    hi = int(np.quantile(stamps, 0.99, method="lower"))
    year = int(365.25 * 86_400_000_000)  # microseconds
    reach = max(FAR_SPANS * (hi - lo), FAR_MIN_YEARS * year)

    def outside(v: np.ndarray) -> np.ndarray:
        return (v < lo - reach) | (v > hi + reach)

    return pd.Series(outside(end) | (has_start & outside(start)), index=frame.index)


def _column_order(columns: Iterable[str]) -> list[str]:
    cols = list(columns)
    first = [c for c in C.STANDARD if c in cols] + [CASE_OPEN]
    return first + [c for c in cols if c not in first]


def _merged_note(starts: int, suspensions: int) -> str:
    """The note on the lifecycle events folded into the rows of their activity instances:
    ``starts`` start/schedule events and the two events of each of ``suspensions``
    suspend/resume pairs, with the total (``CleaningReport.lifecycle_events_merged``)."""
    where = (
        "into the row of the completion (or abort) they belong to (per case and activity, and "
        "resource where the events name one)"
    )
    if not suspensions:
        return f"Merged {_plural(starts, 'start/schedule event')} {where}."
    parts = [_plural(starts, "start/schedule event")] if starts else []
    parts.append(
        f"{_plural(2 * suspensions, 'suspend/resume event')} ({_plural(suspensions, 'pair')})"
    )
    total = _plural(starts + 2 * suspensions, "lifecycle event")
    return f"Merged {total} {where}: {' and '.join(parts)}."
