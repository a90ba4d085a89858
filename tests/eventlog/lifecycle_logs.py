"""Small lifecycle logs for tests: a CSV of transitions, an XES event."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path


def lifecycle_csv(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    """A CSV of (case, activity, timestamp, resource, transition) events."""
    lines = ["case_id,activity,timestamp,resource,lifecycle"]
    lines += [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def xes_event(activity: str, at: datetime, transition: str, resource: str) -> str:
    """An XES ``<event>`` with its name, transition, time (+01:00) and resource."""
    return (
        f'<event><string key="concept:name" value="{activity}"/>'
        f'<string key="lifecycle:transition" value="{transition}"/>'
        f'<date key="time:timestamp" value="{at:%Y-%m-%dT%H:%M:%S}.000+01:00"/>'
        f'<string key="org:resource" value="{resource}"/></event>'
    )
