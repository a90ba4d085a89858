"""The calibrate report's cycle-time figure prints backtest.json's numbers (QA plots15 #4)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from report_testkit import write_calibrate_run

from sim.model import load
from sim.report import charts
from sim.report.charts import KPI_NOTE_GID, quantile_text
from sim.report.html import build_report

#: per source, the replications' (number of cases, scale): sizes and scales differ, so the
#: cases pooled have other quantiles than each replication's averaged
RUNS = {
    "model": {1: (12, 10.0), 2: (60, 30.0), 3: (150, 80.0)},
    "naive baseline": {1: (40, 20.0), 2: (120, 60.0), 3: (20, 5.0)},
}


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


def _cycle_times() -> pd.DataFrame:
    """A ``cycle_times.csv.gz``: the history (replication 0), then each source's replications."""
    rng = np.random.default_rng(11)
    parts = [
        pd.DataFrame({"source": "history", "replication": 0, "cycle_time_h": rng.gamma(2, 20, 90)})
    ]
    for source, reps in RUNS.items():
        for rep, (n, scale) in reps.items():
            ct = rng.gamma(2, scale, n)
            parts.append(pd.DataFrame({"source": source, "replication": rep, "cycle_time_h": ct}))
    return pd.concat(parts, ignore_index=True)


def _averaged(ct: pd.DataFrame) -> dict[str, float]:
    """What the back-test writes: each replication's mean, median and p90, averaged."""
    per_rep = ct.groupby("replication")["cycle_time_h"]
    return {
        "cycle_time_mean": float(per_rep.mean().mean()),
        "cycle_time_median": float(per_rep.median().mean()),
        "cycle_time_p90": float(per_rep.quantile(0.9).mean()),
    }


def test_calibrate_figure_prints_the_numbers_of_backtest_json(tmp_path, crm, monkeypatch):
    """QA plots15 #4: the figure printed the pooled p50/p90 (procure-to-pay 45.8/101 h) beside
    backtest.json's 42.97/104.3 h. Its numbers are backtest.json's now; its curves stay pooled
    and the figure says so."""
    run = write_calibrate_run(tmp_path / "cal", crm)
    measured = _cycle_times()
    measured.to_csv(run / "cycle_times.csv.gz", index=False)
    backtest = json.loads((run / "backtest.json").read_text())
    expected = {}
    for source, key in (("model", "model"), ("naive baseline", "baseline")):
        expected[source] = _averaged(measured[measured["source"] == source])
        backtest[key] |= {k: {"mean": v} for k, v in expected[source].items()}
    (run / "backtest.json").write_text(json.dumps(backtest))

    figures = []
    plot = charts.plot_cycle_times

    def keep(*args, **kwargs):
        figures.append(fig := plot(*args, **kwargs))
        return fig

    monkeypatch.setattr(charts, "plot_cycle_times", keep)
    build_report(run)
    (fig,) = [f for f in figures if "simulated vs history" in f._suptitle.get_text()]

    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    marks = {t.get_text() for t in fig.axes[1].texts}
    for k, source in enumerate(("model", "naive baseline"), start=1):
        numbers = expected[source]
        assert f"mean of 3 replications' means {numbers['cycle_time_mean']:.4g} h" in legend[k]
        assert quantile_text(0.5, numbers["cycle_time_median"]) in marks
        assert quantile_text(0.9, numbers["cycle_time_p90"]) in marks
        pooled = measured.loc[measured["source"] == source, "cycle_time_h"]
        assert quantile_text(0.9, pooled.quantile(0.9)) not in marks  # not the pooled one
        assert "pooled" not in legend[k]  # the numbers in the legend are not
    assert legend[1].startswith("simulated (model) (n=222,")
    assert legend[2].startswith("naive baseline (n=180,")
    # the curves still pool every replication's cases: the title and the note say so
    assert "curves: every replication's cases pooled" in fig._suptitle.get_text()
    (note,) = [t.get_text() for t in fig.texts if t.get_gid() == KPI_NOTE_GID]
    assert "as in backtest.json" in note and "the curves pool every case" in note
