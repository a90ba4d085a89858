"""How the report reads a simulated trace: only the columns its figures need, a chunk at a time
(QA: a 40-replication trace was read whole, every column, for the arrival heatmap: 1 GB), and
what it says when the trace is there but cannot be read (QA: "No simulated event log")."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from report_testkit import fake_trace, html_section, write_simulate_run

from sim.cli.report import _build_and_say
from sim.model import load
from sim.report import html
from sim.report.charts import arrival_times_from_log, cycle_times_from_log
from sim.report.html import (
    TRACE_COLUMNS,
    ReportReadWarning,
    build_report,
    read_run,
    read_trace_summary,
)


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


def _with_open_cases(model) -> pd.DataFrame:
    """A trace whose every third case is still open (no outcome), with a wide extra column."""
    log = fake_trace(model, n_cases=40)
    log.loc[log["case_id"].str.split("-").str[1].astype(int) % 3 == 0, "outcome"] = None
    return log.assign(payload="x" * 2_000)  # a column no figure uses: never to be loaded


def test_the_trace_csv_is_read_in_chunks_of_the_figures_columns_only(tmp_path, crm, monkeypatch):
    run = write_simulate_run(tmp_path / "run", crm, trace=False)
    _with_open_cases(crm).to_csv(run / "trace.csv.gz", index=False)
    calls: list[dict] = []
    read_csv = pd.read_csv

    def recording(path, *args, **kwargs):
        if str(path).endswith("trace.csv.gz"):
            calls.append(kwargs)
        return read_csv(path, *args, **kwargs)

    monkeypatch.setattr(pd, "read_csv", recording)
    page = build_report(run).read_text(encoding="utf-8")
    loads = [c for c in calls if c.get("nrows") != 0]  # the header read names the columns
    assert loads, "the trace was not read"
    for call in loads:
        assert set(call.get("usecols") or ()) <= set(TRACE_COLUMNS), call
        assert call.get("chunksize"), call
    assert 'alt="arrivals by hour and weekday"' in html_section(page, "bottlenecks")


def test_the_trace_parquet_is_read_in_batches_of_the_figures_columns_only(
    tmp_path, crm, monkeypatch
):
    import pyarrow.parquet as pq

    run = write_simulate_run(tmp_path / "run", crm, trace=False)
    _with_open_cases(crm).to_parquet(run / "trace.parquet", index=False)
    asked: list[list[str]] = []
    iter_batches = pq.ParquetFile.iter_batches

    def recording(self, *args, **kwargs):
        asked.append(list(kwargs.get("columns") or ()))
        return iter_batches(self, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", recording)
    rf = read_run(run)
    assert rf.trace is not None and not rf.problems
    assert asked and all(cols and set(cols) <= set(TRACE_COLUMNS) for cols in asked), asked
    assert rf.trace.replications == 2


@pytest.mark.parametrize("chunk_rows", [1, 7, 10_000])
def test_the_summary_in_chunks_is_the_whole_logs(tmp_path, crm, chunk_rows):
    """A case's events spread over several chunks: its arrival and cycle time are still the
    ones ``arrival_times_from_log`` and ``cycle_times_from_log`` give on the whole log."""
    log = _with_open_cases(crm).sample(frac=1.0, random_state=3)  # a case's events apart
    path = tmp_path / "trace.csv.gz"
    log.to_csv(path, index=False)
    whole = pd.read_csv(path)
    summary = read_trace_summary(path, chunk_rows=chunk_rows)
    arrivals = np.sort(summary.cases["arrival"].to_numpy())
    expected = np.sort(arrival_times_from_log(whole).to_numpy())
    assert len(arrivals) == whole["case_id"].nunique() == 40
    assert (arrivals == expected.astype(arrivals.dtype)).all()
    cycle = np.sort(summary.cycle_times())
    assert len(cycle) == 26  # the 14 open cases (every third) are left out
    np.testing.assert_allclose(cycle, np.sort(cycle_times_from_log(whole)))
    assert summary.replications == 2


def test_a_trace_without_its_case_column_is_named_as_unreadable(tmp_path, crm):
    path = tmp_path / "trace.csv.gz"
    fake_trace(crm).drop(columns=["case_id"]).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"trace\.csv\.gz: no column case_id"):
        read_trace_summary(path)


def test_a_damaged_trace_is_said_in_its_section_and_on_the_console(tmp_path, crm, capsys):
    run = write_simulate_run(tmp_path / "run", crm, trace=False)
    whole = tmp_path / "whole.csv.gz"
    fake_trace(crm).to_csv(whole, index=False)
    (run / "trace.csv.gz").write_bytes(whole.read_bytes()[:600])  # cut short
    _build_and_say(run, figures=False)
    section = html_section((run / "report.html").read_text(encoding="utf-8"), "bottlenecks")
    assert "No simulated event log" not in section
    assert "is here, but trace.csv.gz could not be read (EOFError" in section
    assert "no cycle-time distribution or arrival heatmap" in section
    err = capsys.readouterr().err
    assert re.search(r"^warning: trace\.csv\.gz could not be read \(EOFError", err, flags=re.M)
    assert "has no arrival heatmap" in err


def test_a_trace_too_large_for_memory_keeps_the_measured_cycle_times(tmp_path, crm, monkeypatch):
    """A MemoryError while reading the trace: the section says so, and still draws the cycle
    times from ``cycle_times.csv.gz``, which does not need the trace."""
    run = write_simulate_run(tmp_path / "run", crm)
    pd.DataFrame({"replication": [0, 0, 1, 1], "cycle_time_h": [10.0, 20.0, 15.0, 30.0]}).to_csv(
        run / "cycle_times.csv.gz", index=False
    )

    def out_of_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 512. MiB")

    monkeypatch.setattr(html, "read_trace_summary", out_of_memory)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReportReadWarning)
        page = build_report(run).read_text(encoding="utf-8")
    section = html_section(page, "bottlenecks")
    assert "trace.csv.gz could not be read (MemoryError: Unable to allocate 512. MiB)" in section
    assert "no arrival heatmap" in section and "No simulated event log" not in section
    assert 'alt="cycle time distribution"' in section
    assert 'alt="arrivals by hour and weekday"' not in section
    said = [str(w.message) for w in caught if issubclass(w.category, ReportReadWarning)]
    assert len(said) == 1 and "MemoryError" in said[0]
