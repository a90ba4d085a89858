"""The result of one simulated replication, as plain numpy arrays (columnar, no pandas).

``events`` has one entry per executed activity instance; ``cases`` one per arrived case;
``open`` one per step still under way when the run stopped (not an event: it did not end). Names
are stored once (``activities``, ``resources``, ...) and referenced by index. ``sim.kpis``
turns a ``Trace`` into the standard event table (the same columns as a real log).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

IN_PROGRESS = -1  # case outcome code of a case still open when the run stopped


@dataclass(frozen=True)
class Trace:
    """Events and cases of one replication. Times are hours since the model's start_date."""

    # names
    activities: tuple[str, ...]
    resources: tuple[str, ...]
    resource_roles: tuple[str, ...]  # role of each resource
    outcomes: tuple[str, ...]
    outcome_success: tuple[bool, ...]
    segments: tuple[str, ...]
    # events (one per activity instance)
    ev_case: np.ndarray  # int64
    ev_activity: np.ndarray  # int64 index into activities
    ev_resource: np.ndarray  # int64 index into resources, -1 = no staff (automated)
    ev_enabled: np.ndarray  # float64: when the case reached the step (ready: see ev_ready)
    ev_start: np.ndarray
    ev_end: np.ndarray
    # extra people of multi-person steps: (event index, resource index)
    ev_extra: np.ndarray  # int64, shape (k, 2)
    # cases
    case_arrival: np.ndarray  # float64
    case_end: np.ndarray  # float64, nan while in progress
    case_outcome: np.ndarray  # int64 index into outcomes, IN_PROGRESS if open
    case_segment: np.ndarray  # int64 index into segments
    # int64 activity index where the case abandoned (the first queue it left; also for a case
    # still in progress at the stop whose other parallel branches were under way), -1 otherwise
    case_dropped_at: np.ndarray
    case_dropped_enabled: np.ndarray  # float64: when it reached that step (nan: did not)
    case_dropped_left: np.ndarray  # float64: when its patience ran out there (nan: did not)
    case_value: np.ndarray  # float64 value of the outcome for the case's segment
    # steps under way when the run stopped (``scenario.drain`` off, or a drain cut short): one
    # row per step a case in progress had reached and not finished (one per parallel branch),
    # like the abandonment records above; not events: they did not end
    open_case: np.ndarray  # int64
    open_activity: np.ndarray  # int64 index into activities
    open_resource: np.ndarray  # int64 index into resources, -1 = nobody (waiting, or a timer)
    open_enabled: np.ndarray  # float64: when the case reached the step
    open_start: np.ndarray  # float64: when its work started (nan: still waiting for people)
    # extra people of open multi-person steps: (open row index, resource index)
    open_extra: np.ndarray  # int64, shape (k, 2)
    # run
    # measurement window [warm-up end, arrivals' stop) in hours: the stop is the scenario's
    # arrivals end, or, where scenario.max_cases stopped the arrivals after the warm-up, the
    # instant the next case would have arrived (every capped case after the warm-up is in it);
    # empty (the warm-up end twice) where the cap's cases all arrived in the warm-up
    window: tuple[float, float]
    run_end: float  # clock time when the run stopped
    start_date: str
    meta: dict[str, Any] = field(default_factory=dict)
    # when the case was ready for the step's people: after the hand-off delay (the queue for
    # staff begins there; the delay is waiting, not queueing). None (a builder that does not
    # know it): the same as ``ev_enabled`` / ``case_dropped_enabled``, no hand-off delay
    ev_ready: np.ndarray | None = None  # float64; never None once built
    case_dropped_ready: np.ndarray | None = None  # float64 (nan: did not)

    def __post_init__(self) -> None:
        """Fill in the ready times a builder left out (no hand-off delay: ready = enabled)."""
        if self.ev_ready is None:
            object.__setattr__(self, "ev_ready", self.ev_enabled)
        if self.case_dropped_ready is None:
            object.__setattr__(self, "case_dropped_ready", self.case_dropped_enabled)

    @property
    def n_cases(self) -> int:
        """Number of arrived cases."""
        return int(self.case_arrival.shape[0])

    @property
    def n_events(self) -> int:
        """Number of activity instances."""
        return int(self.ev_case.shape[0])

    @property
    def measured(self) -> bool:
        """Whether the replication has a measurement window: ``False`` for the empty one of a
        ``scenario.max_cases`` whose cases all arrived in the warm-up (its KPIs are missing)."""
        return self.window[1] > self.window[0]
