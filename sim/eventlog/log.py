"""The ``EventLog`` returned by the readers and the ``CleaningReport`` that says what cleaning did.

Bookkeeping rule (tested as a property): every input row is accounted for exactly once::

    rows_read == rows_kept + lifecycle_events_merged + removed()

where ``removed()`` is the sum of the ``*_removed`` counts (``runaway_rows_removed`` among them:
rows of runaway cases left out after reading, ``CleaningReport.with_runaway_cases_removed``).
``lifecycle_events_merged`` counts ``start``/``schedule`` events of an XES-style log that were
folded into the row of their ``complete`` event, or of the ``ate_abort``/``pi_abort`` that ended
their instance (one activity instance = one row; an abort's row is an instance of
``"<activity> (aborted)"``), and the ``suspend``/``resume`` events recorded in their instance's
``suspended_intervals`` (``sim.eventlog.lifecycle``), so they are not lost either.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.model import columns as C

#: Name of the per-row boolean column that marks right-censored (still open) cases.
CASE_OPEN = "case_open"
#: ``DataFrame.attrs`` key under which a file reader leaves notes for the cleaning report.
READ_NOTES = "read_notes"


@dataclass
class CleaningReport:
    """What reading and cleaning an event log did, as counts and short sentences.

    Counts are plain ``int``; ``to_dict()`` is JSON-serialisable. ``notes`` holds one short human
    sentence per thing that happened (nothing removed silently).
    """

    source: str = ""
    rows_read: int = 0
    lifecycle_events_merged: int = 0
    lifecycle_events_removed: int = 0
    # suspend/resume pairs this reading paired (their instances' suspended_intervals): only
    # these are taken out of processing time; a column of that name in a user's table is not
    suspensions_paired: int = 0
    unmatched_starts_removed: int = 0
    missing_case_or_activity_removed: int = 0
    missing_timestamp_removed: int = 0
    duplicates_removed: int = 0
    # exact duplicates on times with a date and no time of day: maybe two visits on one day;
    # removed (and in duplicates_removed) unless date_only_duplicates_kept
    date_only_duplicates: int = 0
    date_only_duplicates_kept: bool = False
    end_before_start_removed: int = 0
    implausible_timestamps_removed: int = 0
    # rows of runaway cases left out before calibration (``sim.calibrate.prepare``), after reading
    runaway_rows_removed: int = 0
    rows_kept: int = 0
    missing_start: int = 0
    # of those, rows of an activity whose starts are recorded elsewhere: start estimated
    missing_start_estimated: int = 0
    date_only_values: int = 0  # timestamps with a date and no time of day (taken as midnight)
    timezone_aware_values: int = 0
    timezone_naive_values: int = 0
    timezone_offsets: dict[str, int] = field(default_factory=dict)
    # of the values without an offset, those read as times of the zone ``clock`` names (its
    # clock gave each its offset at that time; not one in an hour it repeats or skips)
    timezone_zoned_values: int = 0
    # the clock the times are on: 'local' (as written) or an IANA zone ('UTC', 'Europe/Paris')
    clock: str = "local"
    cases: int = 0
    activities: int = 0
    activities_dropped: list[str] = field(default_factory=list)
    resources: int = 0
    rows_without_resource: int = 0  # kept, but nobody's busy time (a pool does not see them)
    resource_spellings: list[list[str]] = field(default_factory=list)  # one person, several ways?
    activity_spellings: list[list[str]] = field(default_factory=list)  # one activity, several ways?
    # the file's column used for each standard column (case_id: 'Case ID', ...)
    columns_used: dict[str, str] = field(default_factory=dict)
    open_cases: int = 0
    # rows/events removed above (no end, or a start never completed) whose activity started and
    # never finished: in progress at extraction, their cases are flagged open
    activities_in_progress: int = 0
    # rows/events removed above (no end, or a start never completed) whose case went on after
    # them: an end missing from the data; their cases are not flagged open for it
    missing_end_mid_case: int = 0
    end_activities: list[str] = field(default_factory=list)
    open_tail_fraction: float = 0.0
    start_times_estimated: bool = False
    start_estimation_method: str = ""
    notes: list[str] = field(default_factory=list)

    def removed(self) -> int:
        """Total number of input rows removed, over every reason."""
        return (
            self.lifecycle_events_removed
            + self.unmatched_starts_removed
            + self.missing_case_or_activity_removed
            + self.missing_timestamp_removed
            + self.duplicates_removed
            + self.end_before_start_removed
            + self.implausible_timestamps_removed
            + self.runaway_rows_removed
        )

    def removal_text(self) -> str:
        """What was removed, by reason: ``"duplicates: 50, end before start: 3"`` or ``"none"``."""
        parts = {
            "no case id or activity": self.missing_case_or_activity_removed,
            "no timestamp": self.missing_timestamp_removed,
            "duplicates": self.duplicates_removed,
            "end before start": self.end_before_start_removed,
            "rows of cases with an implausible timestamp": self.implausible_timestamps_removed,
            "lifecycle events": self.lifecycle_events_removed,
            "starts never completed": self.unmatched_starts_removed,
            "rows of runaway cases": self.runaway_rows_removed,
        }
        return ", ".join(f"{k}: {v}" for k, v in parts.items() if v) or "none"

    def with_runaway_cases_removed(self, events: pd.DataFrame) -> CleaningReport:
        """A copy of the report for ``events``: the table it was made for less the rows of
        runaway cases left out after reading (``sim.calibrate.prepare.drop_runaway_cases``).
        Those rows count in ``runaway_rows_removed`` (so ``rows_read == rows_kept +
        lifecycle_events_merged + removed()`` still holds); ``rows_kept``, ``cases``,
        ``activities``, ``resources`` and ``open_cases`` are recounted from ``events``, and the
        reading's notes that gave them ("Read N rows; kept M.", "C cases, A activities, ...")
        say the new counts. The counts of values read (time zones, missing starts, rows without
        a resource) stay the reading's."""
        gone = self.rows_kept - len(events)
        if gone < 0:
            raise ValueError(
                f"{self.source}: {len(events)} rows given, more than the {self.rows_kept} the "
                "report kept: expected the kept table less the rows of runaway cases"
            )
        new = dataclasses.replace(
            self,
            runaway_rows_removed=self.runaway_rows_removed + gone,
            rows_kept=len(events),
            cases=int(events[C.CASE].nunique()),
            activities=int(events[C.ACTIVITY].nunique()),
            resources=int(events[C.RESOURCE].nunique()),
            open_cases=int(events.loc[events[CASE_OPEN].astype(bool), C.CASE].nunique())
            if CASE_OPEN in events.columns
            else 0,
        )
        # the reading's notes (sim.eventlog.read) as written there, with the new counts
        read, read_now = f"; kept {self.rows_kept}.", f"; kept {new.rows_kept}."
        held, held_now = _counts_text(self), _counts_text(new)
        new.notes = [
            n[: -len(read)] + read_now
            if n.startswith("Read ") and n.endswith(read)
            else held_now + n[len(held) :]
            if n.startswith(held)
            else n
            for n in self.notes
        ]
        return new

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-serialisable dict (ints, floats, bools, strings, lists, dicts)."""
        out = dataclasses.asdict(self)
        out["rows_removed"] = self.removed()
        return out

    def summary(self) -> str:
        """The notes as one paragraph of text."""
        return " ".join(self.notes)


def _counts_text(r: CleaningReport) -> str:
    """The start of the reading's note on what the log holds: ``"200 cases, 4 activities, 12
    resources; 3 cases flagged open ("``."""
    open_cases = f"{r.open_cases} case{'' if r.open_cases == 1 else 's'}"
    return (
        f"{r.cases} cases, {r.activities} activities, {r.resources} resources; "
        f"{open_cases} flagged open ("
    )


@dataclass(eq=False)
class EventLog:
    """A standard event table plus what was done to get it.

    ``events`` has one row per activity instance with the columns of ``sim.model.columns``
    (``case_id``, ``activity``, ``start_time``, ``end_time``, ``resource``, optional
    ``enabled_time``/``role``/``segment``/``outcome``), then ``case_open`` (bool, the same on every
    row of a case: the case looks right-censored), then the file's other attributes as pandas
    reads them (not unchanged: a CSV column of numbers becomes numbers, so ``01234`` is 1234 and
    ``1.10`` is 1.1, and words such as ``NA`` become missing; XES attributes by their declared
    type; names clashing with a standard column kept as ``<name>_orig``).
    Rows are sorted by ``case_id``, then start time (end time when the start is missing), then end.
    """

    events: pd.DataFrame
    report: CleaningReport
    source: Path | None = None
    start_times_estimated: bool = False
    #: cases with an activity started and never finished: open for certain, whatever the
    #: open-case rule's guess is worth (a right-truncated extract drops the rule's flags only)
    in_progress_case_ids: frozenset[str] = frozenset()

    @property
    def open_case_ids(self) -> set[str]:
        """Ids of the cases flagged as still open at the end of the extract."""
        ev = self.events
        if CASE_OPEN not in ev.columns:
            return set()
        return set(ev.loc[ev[CASE_OPEN].astype(bool), C.CASE].unique().tolist())

    @property
    def n_cases(self) -> int:
        """Number of distinct cases."""
        return int(self.events[C.CASE].nunique())

    def __repr__(self) -> str:
        return (
            f"EventLog(source={str(self.source)!r}, rows={len(self.events)}, "
            f"cases={self.n_cases}, start_times_estimated={self.start_times_estimated})"
        )
