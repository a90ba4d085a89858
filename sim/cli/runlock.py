"""One run at a time in a run directory: a lock taken before Hydra writes into it.

Two runs started into one directory (two terminals, or two launcher jobs given the same folder)
once both passed the check that the directory is empty before either claimed it, and the loser's
Hydra rewrote the winner's ``.hydra/``. Now a run locks the directory first: ``python -m sim``
before Hydra starts, when the directory is given (``hydra.run.dir``, or ``hydra.sweep.dir`` for
a ``--multirun``), and every job again in its own folder before it checks anything there. The
second run is refused (``RunDirBusy``, exit status 2) naming the directory and the run holding
it. A job refused in a folder it shares with a live run has had that folder's ``.hydra/``
rewritten by its Hydra already: it puts back the files the live run had, which the lock file
keeps (``restore_holder_files``).

The lock is ``fcntl.flock`` on ``.sim-run.lock`` in the directory, which also says who holds it
(command, pid, host, start). The operating system releases it when the process ends, however it
ends: a lock file left by a killed run does not block the next one. Where ``flock`` is not
available (no ``fcntl``, or a file system without locks) runs are not locked, as before.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import json
import os
import shlex
import socket
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sim.errors import ConfigError, redact

try:  # POSIX (Linux, macOS)
    import fcntl
except ImportError:  # pragma: no cover - Windows: no locking
    fcntl = None  # type: ignore[assignment]

LOCK = ".sim-run.lock"
# What this tool and Hydra write into or remove whole in a run directory: a symbolic link there
# would carry those writes (or the removal) to wherever it points. This tool never makes one.
LINKS_REFUSED = (".hydra", "main.log", LOCK, ".partial", "report", "multirun.yaml")
# the folders among them whose entries are written through too (the report's numbered figures)
LINKS_REFUSED_IN = {".hydra": "*", ".partial": "*", "report": "[0-9][0-9]_*.png"}
# what Hydra (in a single run's directory) and the lock write there, and what Hydra writes is
# for: a folder where a file goes, or the reverse, ended the run in a traceback (QA rt28_files F6)
HYDRA_FOLDERS = {".hydra": "Hydra's record of the run's config"}
HYDRA_FILES = {"main.log": "the run's log"}


class RunDirBusy(ConfigError):
    """Another run holds the run directory; ``holder`` is what its lock file says."""

    def __init__(self, message: str, *, run_dir: Path, holder: dict) -> None:
        super().__init__(message)
        self.run_dir = run_dir
        self.holder = holder


@dataclass
class _Held:
    fd: int
    path: Path  # the lock file
    thread: threading.Thread  # not its ident: a later thread may get the same ident
    created: Path | None  # the topmost directory the lock created, removed with it if empty


_HELD: dict[Path, _Held] = {}
_GUARD = threading.Lock()


def _forget_locks_in_child() -> None:
    """In a process forked from a run (a replication worker): close its copies of the lock
    descriptors. A lock is released only when every descriptor of it is closed, so workers a
    SIGKILLed run left running held its directory locked, and a rerun was refused."""
    for held in list(_HELD.values()):
        with contextlib.suppress(OSError):
            os.close(held.fd)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_locks_in_child)


def lock_run_dir(
    run_dir: Path, *, command: str, argv: list[str] | None = None, key: str = "hydra.run.dir"
) -> bool:
    """Lock ``run_dir`` (created if need be) for this run; ``RunDirBusy`` naming the directory
    and the run holding it if another run (process or thread) does. Returns whether the lock was
    taken now (``False``: this thread held it already, and its note of ``.hydra/`` is updated);
    a ``True`` is undone with ``unlock_run_dir``. ``argv`` (the command line as typed, after
    the program, ``sim.cli.common.TYPED_PROGRAM``) and ``key`` (the setting naming the directory) are for the message."""
    from sim.cli.common import TYPED_PROGRAM  # common imports this module

    line = shlex.join([*TYPED_PROGRAM, *(argv or [command])])  # pasted, it runs
    if run_dir.exists() and not run_dir.is_dir():
        raise ConfigError(f"{key}={run_dir}: is a file; expected a directory for the results")
    refuse_links(run_dir, key)
    refuse_wrong_kinds(run_dir, key)
    where = run_dir.resolve()
    with _GUARD:
        held = _HELD.get(where)
        if held is not None and held.thread is threading.current_thread():
            _write_holder(held.fd, run_dir, line)
            return False
        if held is not None:
            raise _busy(run_dir, _read_holder(held.path), key)
        if fcntl is None:
            return False
        created = _missing_top(where)
        try:
            run_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file on the way, a read-only or pseudo file system
            raise ConfigError(
                f"{key}={run_dir}: cannot create the directory for the results "
                f"({exc.strerror or exc}); choose another {key}"
            ) from None
        fd = _flock(run_dir / LOCK, run_dir, key, command=command)
        if fd is None:
            return False
        _HELD[where] = _Held(fd, run_dir / LOCK, threading.current_thread(), created)
        _write_holder(fd, run_dir, line)
    return True


def unlock_run_dir(run_dir: Path) -> None:
    """Release this process's lock on ``run_dir`` and remove its lock file (and the directory
    when the lock created it and nothing else is in it). Nothing happens if it holds none."""
    with _GUARD:
        held = _HELD.pop(run_dir.resolve(), None)
    if held is None:
        return
    with contextlib.suppress(OSError):
        held.path.unlink()  # before the lock goes: a run waiting on it sees a new file
    os.close(held.fd)
    if held.created is not None:
        folder = held.path.parent
        while True:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty
            if folder == held.created or folder.parent == folder:
                break
            folder = folder.parent


def refuse_links(run_dir: Path, key: str = "hydra.run.dir") -> None:
    """``ConfigError`` naming the first symbolic link in ``run_dir`` where this tool or Hydra
    writes or removes files (``LINKS_REFUSED``, ``LINKS_REFUSED_IN``): written through, it
    put a run's files, or removed files, outside the run directory (QA 2026-12-05: a linked
    ``.partial`` had ``output.overwrite=true`` remove the files of the folder it named).
    Nothing is removed: the link is not this tool's, and neither is what it names."""
    links = [run_dir / name for name in LINKS_REFUSED]
    for name, pattern in LINKS_REFUSED_IN.items():
        folder = run_dir / name
        if folder.is_dir() and not folder.is_symlink():
            links += sorted(folder.glob(pattern))
    for path in links:
        if path.is_symlink():
            raise ConfigError(link_refusal(path, run_dir, key))


def refuse_wrong_kinds(run_dir: Path, key: str = "hydra.run.dir") -> None:
    """``ConfigError`` naming what in ``run_dir`` stands where Hydra or this tool writes
    something of another kind, before either writes there: a file ``.hydra``, a folder
    ``main.log`` (in a single run's directory, ``key`` hydra.run.dir), a folder named like the
    lock; and the earlier run's results an interrupted ``output.overwrite=true`` left aside
    (``sim.cli.overwrite.moved_aside_refusal``). Nothing is written or removed."""
    from sim.cli.overwrite import moved_aside_refusal  # overwrite imports this module

    kinds = {LOCK: (False, "the lock of the run writing there")}
    if key == "hydra.run.dir":
        kinds |= {n: (True, what) for n, what in HYDRA_FOLDERS.items()}
        kinds |= {n: (False, what) for n, what in HYDRA_FILES.items()}
    for name, (folder, what) in kinds.items():
        path = run_dir / name
        if path.is_symlink() or not path.exists() or path.is_dir() == folder:
            continue  # a link: refuse_links says so
        there, wanted = ("a file", "folder") if folder else ("a folder", "file")
        raise ConfigError(
            f"{key}={run_dir}: holds {there} named {name}, where a run writes a {wanted} of "
            f"that name ({what}): move it out of the way first, or choose another {key} "
            "(nothing was written or removed)"
        )
    refused = moved_aside_refusal(run_dir, key)
    if refused is not None:
        raise ConfigError(refused)


def link_refusal(path: Path, run_dir: Path, key: str = "hydra.run.dir") -> str:
    """The message refusing a run directory where ``path`` is a symbolic link."""
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return (
        f"{path}: is a symbolic link (to {target}), which this tool never makes; a run "
        f"would write or remove files through it, outside {run_dir}. Nothing was written or "
        f"removed: remove the link (what it names stays) or choose another {key}"
    )


def holds_lock(run_dir: Path) -> bool:
    """Whether this process holds the lock on ``run_dir``."""
    return run_dir.resolve() in _HELD


def _missing_top(where: Path) -> Path | None:
    """The topmost directory of ``where`` that does not exist yet (None if it exists)."""
    top = None
    for folder in (where, *where.parents):
        if folder.exists():
            break
        top = folder
    return top


def _flock(path: Path, run_dir: Path, key: str, *, command: str = "") -> int | None:
    """An open descriptor of ``path`` holding its exclusive lock; ``RunDirBusy`` if another
    run holds it; ``ConfigError`` (``cannot_write``) if ``run_dir`` cannot be written; None
    where the file system cannot lock. The lock is held on the file the path names now: a file
    its last holder removed (unlocking) after it was opened here is retried."""
    while True:
        try:  # never through a link: opening truncates it (``_write_holder``)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ConfigError(link_refusal(path, run_dir, key)) from None
            if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise ConfigError(cannot_write(run_dir, key, command, exc)) from None
            raise
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise _busy(run_dir, _read_holder(path), key) from None
            print(f"note: {run_dir}: cannot lock it ({exc.strerror}); not locked", file=sys.stderr)
            return None
        try:
            same = os.path.samestat(os.fstat(fd), os.lstat(path))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


def cannot_write(run_dir: Path, key: str, command: str, exc: OSError) -> str:
    """The message refusing ``run_dir``, which this user cannot write into (``exc``: a
    directory of another user's, a read-only file system): a traceback ending in
    PermissionError, exit status 1, before (QA retest16). ``report`` only rebuilds a run's
    page, so a copy of the run is what it can work on."""
    why = f"{key}={run_dir}: cannot write into this directory ({exc.strerror or exc})"
    if command == "report":
        return (
            f"{why}: report writes report.html there (and its lock file, {LOCK}, while it "
            f"runs); copy the run to a directory you can write (cp -r {run_dir} <copy>) and "
            "give run=<copy>"
        )
    return f"{why}; choose another {key}"


def _write_holder(fd: int, run_dir: Path, line: str) -> None:
    """Note in the lock file who holds it and the ``.hydra/`` files it has now (redacted as
    ``sim.cli.common.redact_hydra_files`` leaves them), for a refused run's message and
    ``restore_holder_files``."""
    hydra = {}
    folder = run_dir / ".hydra"
    if folder.is_dir() and not folder.is_symlink():
        for f in sorted(folder.iterdir()):
            if f.is_file() and not f.is_symlink():
                data = f.read_bytes()
                if f.suffix == ".yaml":
                    with contextlib.suppress(UnicodeDecodeError):
                        data = redact(data.decode("utf-8")).encode("utf-8")
                hydra[f.name] = base64.b64encode(data).decode("ascii")
    note = {
        "argv": redact(line),
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "hydra": hydra,
    }
    data = json.dumps(note).encode("utf-8")
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def _read_holder(path: Path) -> dict:
    """What the lock file says of the run holding it ({} if it cannot be read yet)."""
    try:
        note = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return note if isinstance(note, dict) else {}


def _busy(run_dir: Path, holder: dict, key: str) -> RunDirBusy:
    """The refusal: the directory, the run holding it, what to do."""
    who = []
    if holder.get("argv"):
        who.append(str(holder["argv"]))
    if holder.get("pid"):
        who.append(f"pid {holder['pid']} on host {holder.get('host', '?')}")
    if holder.get("started_utc"):
        who.append(f"started {holder['started_utc']}")
    ended = ""
    if holder.get("host") == socket.gethostname() and not process_alive(holder.get("pid")):
        ended = " (that process has ended: a process it started still holds the lock)"
    return RunDirBusy(
        f"{run_dir}: another run is writing into this directory "
        f"({'; '.join(who) or 'no details yet'}){ended}; wait for it to end or choose another "
        f"{key}. The lock ({run_dir / LOCK}) is released when that run's process ends, however "
        "it ends: a lock file left by a killed run does not block.",
        run_dir=run_dir,
        holder=holder,
    )


def process_alive(pid: object) -> bool:
    """Whether a process ``pid`` runs on this host (True when that cannot be told)."""
    if not isinstance(pid, int) or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def restore_holder_files(run_dir: Path, holder: dict) -> None:
    """Put back the ``.hydra/`` files of the run holding ``run_dir`` as its lock file noted them:
    a run refused there (``RunDirBusy``) after its Hydra had rewritten them. Files the holder did
    not have go; with no note (a holder older than this feature) nothing is done."""
    kept = holder.get("hydra")
    if not isinstance(kept, dict):
        return
    folder = run_dir / ".hydra"
    if folder.is_symlink():  # not this run's folder: nothing is written through it
        return
    if folder.is_dir():
        for f in folder.iterdir():
            if f.is_symlink():
                return
            if f.is_file() and f.name not in kept:
                f.unlink()
    for name, text in kept.items():
        data = base64.b64decode(text)
        path = folder / name
        if not path.is_file() or path.read_bytes() != data:
            folder.mkdir(exist_ok=True)
            path.write_bytes(data)
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
