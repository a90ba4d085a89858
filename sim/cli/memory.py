"""How much memory this machine (or container) has left, and how many events fit in it.

A log too large for the machine used to end in the kernel's out-of-memory kill, with no message,
minutes into the run. ``columns.max_rows: auto`` (the calibrate default) reads at most the events
that the available memory can calibrate, and ``event_budget_message`` says why a longer log is
refused and what to do.
"""

from __future__ import annotations

from pathlib import Path

try:  # POSIX: the limits of this process (``ulimit -v``)
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

#: Peak memory of ``python -m sim calibrate``, summed over its processes, is about base + per
#: event x events: calibration only, and with the default back-test and report (the simulated
#: logs of its replications, its worker processes). Measured on copies of BPIC 2012 W and
#: rounded up: see ``experiments/calibrate_memory/README.md``.
CALIBRATE_BASE_BYTES = 250_000_000
CALIBRATE_BYTES_PER_EVENT = 1_000
BACKTEST_BASE_BYTES = 900_000_000
BACKTEST_BYTES_PER_EVENT = 4_000
#: The event limit when the available memory cannot be read (not Linux): the old fixed default.
FALLBACK_MAX_ROWS = 20_000_000

MEMINFO = "/proc/meminfo"
STATUS = "/proc/self/status"  # what this process uses already, against its limits
#: (limit, what counts against it in ``STATUS``): address space (``ulimit -v``), data segment
_RLIMITS = (("RLIMIT_AS", "VmSize:"), ("RLIMIT_DATA", "VmData:"))
_CGROUP_FILES = (  # (limit, usage): cgroup v2, then v1
    ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
    (
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
        "/sys/fs/cgroup/memory/memory.usage_in_bytes",
    ),
)


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None  # "max": no limit


def _meminfo_available() -> int | None:
    try:
        lines = Path(MEMINFO).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return None


def _status_bytes(key: str) -> int:
    """A ``kB`` figure of this process's ``STATUS`` (``VmSize:``...), in bytes; 0 if unknown."""
    try:
        lines = Path(STATUS).read_text().splitlines()
    except OSError:
        return 0
    for line in lines:
        if line.startswith(key):
            return int(line.split()[1]) * 1024
    return 0


def _rlimit_room() -> list[int]:
    """Bytes left under this process's own limits (``ulimit -v``: ``RLIMIT_AS``, and
    ``RLIMIT_DATA``), less what it uses against them already; [] when it has none. QA: under
    ``ulimit -v 2500000`` the budget said 23.5 M events fit, from the machine's memory, and the
    run ended in a MemoryError 134 s later."""
    if resource is None:
        return []
    room = []
    for name, used in _RLIMITS:
        which = getattr(resource, name, None)
        if which is None:
            continue
        try:
            soft, _ = resource.getrlimit(which)
        except (OSError, ValueError):
            continue
        if soft != resource.RLIM_INFINITY and soft >= 0:
            room.append(max(soft - _status_bytes(used), 0))
    return room


def available_memory_bytes() -> int | None:
    """Bytes this process can still allocate: the least of the machine's available memory
    (Linux ``MemAvailable``), the room under a container's cgroup limit and the room under this
    process's limits (``ulimit -v``: ``_rlimit_room``); ``None`` when unknown."""
    candidates = [_meminfo_available(), *_rlimit_room()]
    for limit_file, usage_file in _CGROUP_FILES:
        limit, usage = _read_int(limit_file), _read_int(usage_file)
        if limit is not None and usage is not None:
            candidates.append(max(limit - usage, 0))
    known = [c for c in candidates if c is not None]
    return min(known) if known else None


def bytes_per_event(*, backtest: bool) -> int:
    """Peak memory per event of a calibration, with or without its back-test."""
    return BACKTEST_BYTES_PER_EVENT if backtest else CALIBRATE_BYTES_PER_EVENT


def base_bytes(*, backtest: bool) -> int:
    """Peak memory of a calibration before any event, with or without its back-test."""
    return BACKTEST_BASE_BYTES if backtest else CALIBRATE_BASE_BYTES


def event_budget(available: int | None, *, backtest: bool) -> int:
    """The events ``calibrate`` can hold in ``available`` bytes, 0 when not even its base fits
    (``FALLBACK_MAX_ROWS`` when the memory is unknown)."""
    if available is None:
        return FALLBACK_MAX_ROWS
    room = available - base_bytes(backtest=backtest)
    return max(0, room // bytes_per_event(backtest=backtest))


def event_budget_message(
    path: object, budget: int, available: int, *, backtest: bool, held: int = 0, jobs: int = 1
) -> str:
    """Why a log is refused when this machine's memory holds ``budget`` events in all and
    ``held`` of them are taken by a log read before it, and what to do instead. ``available``
    is this job's share when ``jobs`` jobs of a sweep run at once."""
    gb = f"{available / 1e9:.1f} GB"
    if jobs > 1:
        gb += f", this job's 1/{jobs} with {jobs} jobs of the sweep at once"
    what = "calibrate and back-test" if backtest else "calibrate"
    per_event = bytes_per_event(backtest=backtest) / 1e3
    if budget == 0:
        reason = (
            f"this machine's available memory ({gb}) is less than {what} needs before any "
            f"event ({base_bytes(backtest=backtest) / 1e9:.1f} GB)"
        )
    elif held:
        reason = (
            f"with the {held:,} events of the log read before it, the available memory ({gb}) "
            f"holds {budget:,} events in all (about {per_event:.1f} kB each to {what}), so this "
            f"one may have {max(budget - held, 0):,} at most"
        )
    else:
        reason = (
            f"more than {budget:,} events, the most this machine's available memory ({gb}) can "
            f"{what} (about {per_event:.1f} kB per event)"
        )
    return (
        f"{path}: {reason}; calibrate a shorter extract (a time window of the log)"
        + (", without the back-test (backtest.enabled=false)" if backtest else "")
        + (f", run fewer jobs at once (hydra.launcher.n_jobs={jobs})" if jobs > 1 else "")
        + ", free memory or use a larger machine, or set columns.max_rows=<events> to try anyway"
    )
