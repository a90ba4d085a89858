"""Exception types of the project.

Every error that a user can cause (a bad model file, a bad config key, a bad event log) is a
``SimError`` whose message names the file, element, field or row and says what was expected.
The command line turns these into a readable message and exit status 2, never a traceback.
"""

from __future__ import annotations

import difflib
import re
import signal as signals
from collections.abc import Iterable


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'gamma'?)`` when ``name`` is a likely misspelling of one of ``choices``
    (``difflib``'s close matches, at most two), else ``""``: appended to "unknown ..." messages."""
    pool = list(dict.fromkeys(str(c) for c in choices))
    close = difflib.get_close_matches(str(name), pool, n=2, cutoff=0.75)
    if not close:
        return ""
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)"


def did_you_mean_any_case(name: str, names: Iterable[str]) -> str:
    """``did_you_mean`` for a name a modeller types as shown (a BPMN pool, end event, task):
    one of ``names`` that differs from ``name`` only in case or spacing first ("reject
    application", "REJECT  APPLICATION"), else the near misses."""
    pool = list(dict.fromkeys(str(n) for n in names))
    key = " ".join(str(name).split()).casefold()
    same = [k for k in pool if " ".join(k.split()).casefold() == key]
    return f" (did you mean {same[0]!r}?)" if same else did_you_mean(name, pool)


class SimError(Exception):
    """Base class of all user-facing errors."""


class ModelError(SimError):
    """A process model is invalid: the message names the element and field."""


class ConfigError(SimError):
    """A configuration key has a bad value: the message names the key."""


class EventLogError(SimError):
    """An event log cannot be read or is unusable: the message names the file, column or rows."""


class TooManyRows(EventLogError):
    """A log has more rows (XES: events) than the ``limit`` it was read with; raised while
    reading, so memory stays that of ``limit`` rows."""

    def __init__(self, message: str, *, path: object, limit: int) -> None:
        super().__init__(message)
        self.path = path
        self.limit = limit


class FailedAfterWork(SimError):
    """A run that failed after doing work kept outside its directory (a search's trials in a
    shared study's database): its directory keeps its record, marked failed, and is not tidied
    away as a run refused before it began."""


class StorageLost(FailedAfterWork, ConfigError):
    """The study's database was lost during the search (message names ``optimizer.storage``)."""


class TrialFailedElsewhere(FailedAfterWork):
    """Another run failed a trial of this one while this one was held (suspended with Ctrl-Z,
    stalled): Optuna then refuses to record it."""


class RedesignRefused(SimError):
    """A redesign operator cannot be applied to this model; the message says why."""


#: signals a process gets from its own failing code (a crash), not ones sent to it from outside
CRASH_SIGNALS = frozenset(
    {signals.SIGSEGV, signals.SIGBUS, signals.SIGILL, signals.SIGFPE, signals.SIGABRT}
)


class WorkerDied(Exception):
    """A worker process of a pool (a replication's) ended abruptly, not by an error of its own,
    and the pool with it. ``exitcode`` is ``multiprocessing``'s: ``-N`` when signal N ended it,
    None when not known. Not a ``SimError``: nothing the user gave caused it; the command line
    says what is known of it (``sim.cli.main``), never that it ran out of memory unless it was
    ``WorkerKilled``."""

    def __init__(self, message: str, *, exitcode: int | None = None) -> None:
        super().__init__(message)
        self.exitcode = exitcode

    @property
    def signal(self) -> int | None:
        """The number of the signal that ended the worker, None when it exited or is unknown."""
        if self.exitcode is None or self.exitcode >= 0:
            return None
        return -self.exitcode

    @property
    def crashed(self) -> bool:
        """Whether the worker crashed (SIGSEGV, SIGABRT ...: ``CRASH_SIGNALS``)."""
        return self.signal in CRASH_SIGNALS


class WorkerKilled(WorkerDied, MemoryError):
    """A worker ended by SIGKILL: the signal of the system's out-of-memory killer (and of a
    ``kill -9``, which cannot be told apart), so a ``MemoryError`` too, most likely."""


# ``scheme://user:password@`` (the user may be empty: ``postgresql://:pw@host``), also in the
# form Hydra saves overrides in, with ``:`` escaped (``postgresql\://alice\:pw@host``). The
# password runs to the last ``@`` of the URL: one typed with an ``@`` in it, not percent-encoded
# (``bob:p@ss@host``), is masked whole, not up to its own ``@`` (which left ``ss`` showing).
# A password typed with spaces in it (``u:se cret@host``) is masked whole too: words joined by
# spaces or tabs (no ``/``, so ``db:5432/x and mail me@y`` is not taken for one) up to the ``@``.
# Quotes are part of a password too (``u:Quo'te@host`` was left in clear; QA 2026-12-04):
# masking too much is harmless, too little is not.
# A URL in a path (``hydra.sweep.subdir=${hydra.job.override_dirname}`` makes a folder of the
# override) has its ``//`` collapsed to one ``/``: ``postgresql\:/alice\:pw@host`` is masked too.
_URL_PASSWORD = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*\\*:\\*/(?:\\*/)?)(?P<user>[^:/@\s\\]*)"
    r"(?P<sep>\\*:)(?P<pw>\S+|[^\s/]+(?:[ \t]+[^\s/]+)+?)@"
)
# ``?password=...`` / ``&password=...`` in a URL's query (also HTML-escaped: ``&amp;password=``)
# (a quote inside it is part of it, one that closes a quoted URL is not)
_QUERY_PASSWORD = re.compile(
    r"(?P<key>[?&;]password\\*=)(?P<pw>(?:[^&\s#<'\"]|['\"](?=[^&\s#<'\":,)\]}]))+)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """Mask passwords in URLs (``postgresql://user:secret@host`` -> ``user:***@host``, and
    ``?password=secret`` -> ``?password=***``), also in the escaped form Hydra saves overrides in
    and with the ``//`` collapsed as in a folder name made of an override.

    Used for every message, saved config and log line that may hold a storage URL.
    """
    text = _URL_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}{m['sep']}***@", text)
    return _QUERY_PASSWORD.sub(lambda m: f"{m['key']}***", text)


def redact_secrets_of(url: str, text: str) -> str:
    """``redact(text)``, and every piece of ``url``'s password that ``text`` repeats masked too:
    a driver's error may quote part of it out of context (a password with an unencoded "@" read
    as part of the host: "connection to host ssWord@127.0.0.1"), and so does the config when a
    password holds ``${...}``, which it reads as an interpolation ("Interpolation key 'Secret3'
    not found"). A percent-encoded password is masked as written and as decoded."""
    from urllib.parse import unquote

    secrets = [m["pw"] for m in _URL_PASSWORD.finditer(url)]
    secrets += [m["pw"] for m in _QUERY_PASSWORD.finditer(url)]
    secrets += [unquote(pw) for pw in secrets]
    pieces = {p for pw in secrets for p in (pw, *re.split(r"[@:/${}]", pw)) if len(p) >= 3}
    for piece in sorted(pieces, key=len, reverse=True):
        text = text.replace(piece, "***")
    return redact(text)
