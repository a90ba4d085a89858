"""report.html of a one-replication run says what the console says (QA rt_engine F6): one
replication, no confidence intervals; the page read "1 replications ... values are means over
replications with their 95 % confidence intervals" above cards that each showed "95 % CI –"."""

from __future__ import annotations

import re

from sim.report.html import RunFiles, _summary
from tests.simcli import run_sim

INTERVAL = {"mean": 10.0, "ci_low": 8.0, "ci_high": 12.0}


def _text(html: str) -> str:
    """The words of ``html``: tags out, an inline tag leaving no space before punctuation."""
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.sub(r" ([;,.])", r"\1", words).replace("&#x27;", "'")


def test_a_one_replication_run_claims_no_interval_on_its_page(tmp_path, crm_path):
    run = tmp_path / "run"
    res = run_sim(
        "simulate",
        f"process={crm_path}",
        "scenario.replications=1",
        "scenario.horizon_days=7",
        "scenario.warmup_days=1",
        "seed=7",
        "progress=false",
        "output.report=true",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    page = (run / "report.html").read_text(encoding="utf-8")
    summary = _text(page[page.index('id="summary"') : page.index('id="map"')])
    assert "1 replication of model crm_sales; values are that replication's, with no " in summary
    assert "confidence intervals: one replication has no spread" in summary
    assert "replications of model" not in summary and "95 % CI" not in summary
    assert "confidence intervals over replications" not in summary  # the segments' table
    assert "in the one replication" in summary


def test_runs_of_several_replications_keep_their_intervals(tmp_path):
    kpis = {"model": "m", "replications": 5, "headline": {"cycle_time_mean": INTERVAL}}
    body = _text(_summary(RunFiles(run_dir=tmp_path, kpis=kpis)).body)
    assert "5 replications of model m; values are means over replications with their 95 %" in body
    assert "95 % CI [8 h, 12 h]" in body


def test_one_measured_replication_of_several_claims_no_interval(tmp_path):
    """A run whose other replications measured nothing (their cap reached in the warm-up):
    its values are of the one that did."""
    one = {"mean": 10.0, "ci_low": None, "ci_high": None}
    kpis = {
        "model": "m",
        "replications": 10,
        "measured_replications": 1,
        "headline": {"cycle_time_mean": one},
    }
    body = _text(_summary(RunFiles(run_dir=tmp_path, kpis=kpis)).body)
    assert "10 replications of model m, 1 measured" in body
    assert "values are that replication's, with no confidence intervals" in body
    assert "95 % CI" not in body
    kpis |= {"measured_replications": 4, "headline": {"cycle_time_mean": INTERVAL}}
    body = _text(_summary(RunFiles(run_dir=tmp_path, kpis=kpis)).body)
    assert "4 measured" in body and "means over those 4 with their 95 % confidence" in body
