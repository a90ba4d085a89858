"""QA rt_files F1: the report reads the trace its run's records say it wrote, and none where it
wrote none. ``output.overwrite=true`` keeps a user's files beside the new run; the report took
the first of trace.parquet, trace.csv.gz, trace.csv whatever config.yaml said, and drew another
model's trace (171 cases a week, 24/7) as the run's own (40 a week, office hours)."""

from __future__ import annotations

import json
import warnings

import pytest
from report_testkit import fake_trace, write_simulate_run

from sim.model import load
from sim.report.html import ReportReadWarning, build_report, read_run

OUTPUT = "output: {{trace: {trace}, trace_format: csv.gz, report: true, figures: false}}\n"


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


def _run(tmp_path, crm, *, trace: bool):
    run = write_simulate_run(tmp_path / "run", crm, trace=trace)
    (run / "config.yaml").write_text(OUTPUT.format(trace=str(trace).lower()))
    return run


def test_a_users_parquet_beside_the_runs_csv_trace_is_not_read(tmp_path, crm):
    run = _run(tmp_path, crm, trace=True)  # its trace: 60 cases
    fake_trace(crm, n_cases=25).to_parquet(run / "trace.parquet")  # another's
    assert len(read_run(run).trace.cases) == 60


def test_a_run_without_a_trace_reads_none(tmp_path, crm):
    run = _run(tmp_path, crm, trace=False)
    fake_trace(crm, n_cases=25).to_csv(run / "trace.csv.gz", index=False)
    fake_trace(crm, n_cases=25).to_csv(run / "trace.csv", index=False)
    assert read_run(run).trace is None


def test_a_damaged_file_that_is_not_the_runs_gives_no_warning(tmp_path, crm):
    run = _run(tmp_path, crm, trace=True)
    (run / "trace.parquet").write_bytes(b"junk\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReportReadWarning)
        build_report(run)
    assert read_run(run).trace_error is None


def test_back_test_files_beside_a_calibration_without_back_test_are_not_read(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "run.json").write_text(json.dumps({"command": "calibrate", "report_files": []}))
    (run / "config.yaml").write_text("backtest: {enabled: false, write_traces: true}\n")
    (run / "backtest.json").write_text(json.dumps({"mine": True}))
    assert read_run(run).backtest is None


def test_a_record_that_does_not_say_reads_the_trace_there(tmp_path, crm):
    """An older run's config.yaml without output.trace: the trace there is read, as before."""
    run = write_simulate_run(tmp_path / "run", crm, trace=True)
    assert len(read_run(run).trace.cases) == 60
