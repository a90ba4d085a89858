"""The back-test's written logs say which cases the extract's end cut, so that its figures can
be recomputed from them (QA backtest17 #3: ``trace_*.csv.gz`` had an ``outcome`` column, empty
for a case running at the cut, ``baseline_*.csv.gz`` nothing, and 60 of the baseline's figures
could not be reproduced from its files), and ``backtest.json``'s ``test.kpis`` leaves out the
simulate-only KPIs that mean nothing for a held-out file (QA backtest17 #6).

The extract (``test_backtest_open_case_rule.cut_extract``) records outcomes: ``done`` for a case
that ended by the extract's end, none for one still running, so the open-case rule takes every
case with an outcome for finished, and a baseline case cut at the end must lose its training
case's outcome to be judged as the history's are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_backtest_open_case_rule import cut_extract, flag_by_reported_rule, run_split_backtest

from sim.model import columns as C


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The run's logs written as calibrate writes them (``<stem>.csv.gz``) and read back."""
    folder = tmp_path_factory.mktemp("recompute")
    path, _ = cut_extract(folder / "extract.csv", outcome=True)
    *_, res = run_split_backtest(path, replications=2)
    files = {}
    for stem, df in res.event_logs().items():
        df.to_csv(folder / f"{stem}.csv.gz", index=False)
        back = pd.read_csv(folder / f"{stem}.csv.gz", dtype={C.CASE: str})
        for col in (C.START, C.END):
            back[col] = pd.to_datetime(back[col], format="ISO8601")
        files[stem] = back
    return res, files


def test_baseline_files_mark_the_cases_the_extracts_end_cut(written):
    res, files = written
    end = pd.Timestamp(res.to_dict()["test"]["extract_end"])
    for stem in ("trace_1", "trace_2", "baseline_1", "baseline_2"):
        df = files[stem]
        assert C.OUTCOME in df.columns, stem
        assert (df[C.END] <= end).all()
        # every case of this process ends with b: a case without it was cut at the extract's
        # end, and only such a case has no outcome, in the baseline's files as in the traces'
        has_b = df.groupby(C.CASE)[C.ACTIVITY].agg(lambda a: (a == "b").any())
        no_outcome = df.groupby(C.CASE)[C.OUTCOME].agg(lambda o: o.isna().all())
        assert (no_outcome == ~has_b).all(), stem
        assert no_outcome.any(), stem  # (some were cut)


def test_every_cycle_time_is_recomputed_from_the_written_files(written):
    res, files = written
    d = res.to_dict()
    assert d["settings"]["open_case_rule"]["cases_with_an_outcome_finished"] is True
    table = res.cycle_times
    for source, stem in (("model", "trace"), ("naive baseline", "baseline")):
        for rep in (1, 2):
            df = files[f"{stem}_{rep}"]
            open_ids = flag_by_reported_rule(d, df)
            span = df.groupby(C.CASE).agg(first=(C.START, "min"), last=(C.END, "max"))
            fin = span[~span.index.isin(open_ids)]
            ct = ((fin["last"] - fin["first"]) / pd.Timedelta(hours=1)).to_numpy()
            got = table[(table["source"] == source) & (table["replication"] == rep)]
            np.testing.assert_allclose(
                np.sort(got["cycle_time_h"].to_numpy()), np.sort(ct), rtol=1e-9, atol=1e-9
            )
            summary = d["model" if source == "model" else "baseline"]["cycle_time_mean"]
            assert summary["per_replication"][rep - 1] == pytest.approx(ct.mean(), rel=1e-9)


def test_the_held_out_kpis_leave_out_what_a_held_out_file_cannot_give(written):
    """A held-out file holds no case that arrived before its period: its work in progress
    starts from none (BPIC 2012 W's wip_change read 160.8) and its arrivals are its cases."""
    res, _ = written
    kpis = res.to_dict()["test"]["kpis"]
    for key in ("wip_mean", "wip_change", "arrivals_per_week", "throughput_per_week"):
        assert key not in kpis
    assert kpis["cases_arrived"] == res.historical[C.CASE].nunique()
    assert kpis["cases_finished_per_week"] > 0
