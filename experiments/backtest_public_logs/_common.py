"""Set-up shared by ``quick.py`` and ``diagnose.py``: ``key=value`` overrides, a log's train and
test parts, and its timed calibration. ``sim`` is imported when these are called, not on import."""

from __future__ import annotations

import ast
import time
from typing import TYPE_CHECKING, Any

from run import DATA, LOGS

if TYPE_CHECKING:
    from sim.calibrate import Calibration
    from sim.eventlog import EventLog


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``key=value`` arguments as keyword arguments of ``calibrate_model`` (values as Python
    literals where they parse, else as strings)."""
    kw: dict[str, Any] = {}
    for o in items:
        k, v = o.split("=", 1)
        try:
            kw[k] = ast.literal_eval(v)
        except (ValueError, SyntaxError):
            kw[k] = v
    return kw


# real logs outside the quality bars (no start times or no resources of their own): watched for
# regressions by ``quick.py --outside-bars``, split like the others
OUTSIDE_BARS = {
    "helpdesk": ("helpdesk/helpdesk.xes.gz", None),
    "receipt": ("receipt/receipt.csv", None),
    "bpic2013_incidents": ("bpic2013_incidents/bpic2013_incidents.xes.gz", None),
}


def load(name: str) -> tuple[EventLog, EventLog]:
    """The train and test event logs of ``name`` (its own test file, else the first 80 % of
    cases by start to train on)."""
    from sim.eventlog import read_event_log, split_by_time

    train_path, test_path = {**LOGS, **OUTSIDE_BARS}[name]
    log = read_event_log(DATA / train_path)
    if test_path:
        return log, read_event_log(DATA / test_path)
    return split_by_time(log, train_fraction=0.8)


def calibrate(train: EventLog, seed: int, kw: dict[str, Any]) -> tuple[Calibration, float]:
    """``calibrate_model(train, seed=seed, **kw)`` and the seconds it took."""
    from sim.calibrate import calibrate_model

    t = time.perf_counter()
    cal = calibrate_model(train, seed=seed, **kw)
    return cal, time.perf_counter() - t
