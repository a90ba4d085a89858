"""What ``python -m sim simulate`` keeps of each replication as it finishes.

A replication's trace holds every event of every case; a run used to keep all of them until the
last one finished and then build the KPIs and the trace file, so its memory grew with the
replications times the horizon times the arrival rate. ``StreamedReplications`` instead takes
each trace as it arrives (``run_replications(on_result=..., keep=False)``), keeps its KPI row
and cycle times, appends its event log to the trace file in replication order, and lets it go:
the run holds the replications in hand (about one per worker), whatever their number.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim.eventlog import REPRODUCIBLE_GZIP
from sim.kpis import (
    cycle_time_part,
    cycle_time_parts_table,
    kpi_row,
    kpi_rows_table,
    trace_to_event_log,
)
from sim.model import ProcessModel
from sim.model.trace import Trace


class StreamedReplications:
    """Called with ``(replication, trace)`` as each replication finishes (any order).

    ``trace_file`` (``None``: no trace output) is written as ``fmt`` (``csv.gz`` or ``parquet``):
    the event logs of replications ``first, first + 1, ...`` in that order, each as soon as the
    ones before it are written, with a ``replication`` column, as one concatenated log."""

    def __init__(
        self,
        model: ProcessModel,
        *,
        first: int,
        trace_file: Path | None = None,
        fmt: str = "csv.gz",
    ) -> None:
        self.model = model
        self.trace_file = trace_file
        self.fmt = fmt
        self.rows: dict[int, dict[str, Any]] = {}
        self.cycle_parts: dict[int, pd.DataFrame] = {}
        self.simulated_cases = 0
        self.staffing: dict[str, int] | None = None
        self._first = first
        self._next = first
        self._waiting: dict[int, Trace] = {}  # finished before an earlier one: not written yet
        self._parquet: Any = None  # pyarrow.parquet.ParquetWriter once the first part is in

    def __call__(self, replication: int, trace: Trace) -> None:
        self.rows[replication] = kpi_row(trace, self.model, replication)
        self.simulated_cases += trace.n_cases
        if replication == self._first:
            self.staffing = trace.meta.get("staffing")
        # the cases kpis.json's pooled percentiles are of (a few bytes a case, unlike the trace)
        self.cycle_parts[replication] = cycle_time_part(trace, replication)
        if self.trace_file is None:
            return
        self._waiting[replication] = trace
        while self._next in self._waiting:
            self._write(self._next, self._waiting.pop(self._next))
            self._next += 1

    def kpi_table(self) -> pd.DataFrame:
        """``sim.kpis.kpi_table`` of the replications taken so far, in replication order."""
        return kpi_rows_table([self.rows[r] for r in sorted(self.rows)])

    def cycle_time_table(self) -> pd.DataFrame:
        """``sim.kpis.cycle_time_table`` of the replications taken so far, in replication order."""
        return cycle_time_parts_table([self.cycle_parts[r] for r in sorted(self.cycle_parts)])

    def close(self) -> None:
        """Finish the trace file (a parquet file's footer); the file is whole after it."""
        if self._waiting:  # a replication missing: the caller's run stopped, never here
            raise RuntimeError(f"replications {sorted(self._waiting)} were not written")
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None

    def _write(self, replication: int, trace: Trace) -> None:
        assert self.trace_file is not None
        log = trace_to_event_log(trace, case_prefix=f"{replication}-").assign(
            replication=replication
        )
        if self.fmt == "parquet":
            self._write_parquet(log)
            return
        first = replication == self._first
        # each part a gzip member of its own: together one valid .csv.gz, read as one file
        log.to_csv(
            self.trace_file,
            index=False,
            header=first,
            mode="w" if first else "a",
            compression=REPRODUCIBLE_GZIP,
        )

    def _write_parquet(self, log: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._parquet is None:
            schema = pa.Schema.from_pandas(log, preserve_index=False)
            # a column empty in the first replication (no outcome yet, no resource) reads as
            # type null there: text, as the other replications may fill it
            for i, field in enumerate(schema):
                if pa.types.is_null(field.type):
                    schema = schema.set(i, pa.field(field.name, pa.string()))
            self._parquet = pq.ParquetWriter(self.trace_file, schema)
        table = pa.Table.from_pandas(log, schema=self._parquet.schema, preserve_index=False)
        self._parquet.write_table(table)
