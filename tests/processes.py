"""Processes seen from Linux ``/proc``: for tests that check a run leaves no worker behind."""

from __future__ import annotations

from pathlib import Path


def children(pid: int) -> list[int]:
    """The child processes of ``pid``."""
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie waiting to be reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
