"""simulate takes each replication's trace as it finishes and lets it go (QA: a run's memory grew
with replications x horizon, 642 MB for 16 x 120 days of BPIC 2012 W against 332 MB streamed):
the files it writes are the ones the all-in-memory path wrote, byte for byte once unzipped."""

from __future__ import annotations

import gc
import gzip
import weakref

import pandas as pd
import pytest

from sim.cli.simulate_output import StreamedReplications
from sim.engine import run_replications
from sim.kpis import cycle_time_table, kpi_table, trace_to_event_log
from sim.model import load
from sim.model.scenario import Scenario


@pytest.fixture(scope="module")
def crm_traces(crm_path):
    model = load(crm_path)
    scenario = Scenario(horizon_days=5, warmup_days=1, replications=3)
    return model, run_replications(model, scenario, seed=4, workers=1)


def _log(traces) -> pd.DataFrame:
    parts = [
        trace_to_event_log(t, case_prefix=f"{r}-").assign(replication=r)
        for r, t in enumerate(traces)
    ]
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize("fmt", ["csv.gz", "parquet"])
def test_replications_taken_out_of_order_write_what_all_at_once_wrote(tmp_path, crm_traces, fmt):
    model, traces = crm_traces
    path = tmp_path / f"trace.{fmt}"
    taken = StreamedReplications(model, first=0, trace_file=path, fmt=fmt)
    for r in (2, 0, 1):  # as a pool hands them over
        taken(r, traces[r])
    taken.close()
    expected = _log(traces)
    if fmt == "csv.gz":
        with gzip.open(path, "rt", encoding="utf-8") as f:
            assert f.read() == expected.to_csv(index=False)
    else:
        pd.testing.assert_frame_equal(pd.read_parquet(path), expected)
    pd.testing.assert_frame_equal(taken.kpi_table(), kpi_table(traces, model))
    pd.testing.assert_frame_equal(taken.cycle_time_table(), cycle_time_table(traces))
    assert taken.simulated_cases == sum(t.n_cases for t in traces)


def test_a_replication_missing_at_the_end_is_an_error_not_a_short_file(tmp_path, crm_traces):
    model, traces = crm_traces
    taken = StreamedReplications(model, first=0, trace_file=tmp_path / "t.csv.gz")
    taken(1, traces[1])  # 0 never came
    with pytest.raises(RuntimeError, match=r"replications \[1\] were not written"):
        taken.close()


def test_a_column_empty_in_the_first_replication_is_text_in_the_parquet_file(tmp_path, crm_traces):
    model, _ = crm_traces
    path = tmp_path / "trace.parquet"
    taken = StreamedReplications(model, first=0, trace_file=path, fmt="parquet")
    taken._write_parquet(pd.DataFrame({"case_id": ["0-1"], "outcome": [None]}))
    taken._write_parquet(pd.DataFrame({"case_id": ["1-1"], "outcome": ["won"]}))
    taken.close()
    outcome = pd.read_parquet(path)["outcome"]
    assert outcome.isna().tolist() == [True, False] and outcome[1] == "won"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_that_keeps_no_traces_holds_none_of_the_finished_ones(crm_path, workers):
    model = load(crm_path)
    scenario = Scenario(horizon_days=3, warmup_days=0, replications=4)
    seen: list[weakref.ref] = []
    alive_at_each: list[int] = []

    def take(_rep, trace):
        gc.collect()
        alive_at_each.append(sum(ref() is not None for ref in seen))
        seen.append(weakref.ref(trace))

    assert (
        run_replications(model, scenario, seed=1, workers=workers, on_result=take, keep=False) == []
    )
    assert alive_at_each == [0, 0, 0, 0]  # each earlier trace gone by the time the next came
    with pytest.raises(ValueError, match="keep=False needs an on_result"):
        run_replications(model, scenario, seed=1, keep=False)
