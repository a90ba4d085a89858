"""Column names of the standard event table, shared by real logs and simulated traces.

One row per executed activity instance. Real logs read by ``sim.eventlog`` and traces written by
``sim.engine`` use the same names, so ``sim.kpis`` reads both.
"""

from __future__ import annotations

CASE = "case_id"
ACTIVITY = "activity"
START = "start_time"
END = "end_time"
RESOURCE = "resource"
# Optional columns (always present in simulated traces, present in real logs when known).
ENABLED = "enabled_time"
ROLE = "role"
SEGMENT = "segment"
OUTCOME = "outcome"

# A step done by several people at once has their resources (and roles) joined by this in one
# row, so a role name may not contain it.
PEOPLE_SEPARATOR = ";"

REQUIRED = (CASE, ACTIVITY, START, END, RESOURCE)
STANDARD = (CASE, ACTIVITY, START, END, RESOURCE, ENABLED, ROLE, SEGMENT, OUTCOME)
