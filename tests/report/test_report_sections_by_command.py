"""The report shows the sections that apply to the run's command (``run.json``)."""

from __future__ import annotations

import json
import re

import pytest
from report_testkit import write_optimize_run, write_simulate_run

from sim.model import load
from sim.redesign import operators as op
from sim.report.html import build_report


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


def _sections(page: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)">', page)


def test_a_search_that_stopped_keeps_the_recommendations_section_saying_how_to_resume(
    tmp_path, crm
):
    """An optimize run without results still says why: its own results are what is missing."""
    run = write_optimize_run(tmp_path / "opt", crm, op.remove_step(crm, "contract_review"))
    for name in ("confirmation.json", "recommendations.md", "pareto.csv", "best/1.yaml"):
        (run / name).unlink()
    (run / "study.db").write_bytes(b"")
    page = build_report(run).read_text(encoding="utf-8")
    assert _sections(page) == ["summary", "map", "recommendations", "reproducibility"]
    assert "rerun the same <code>python -m sim optimize</code>" in page
    assert "No optimisation results (<code>confirmation.json</code>)" in page
    assert "kpis.json" not in page  # an optimize run writes none: nothing to say about it


def test_a_run_of_unknown_command_shows_every_section(tmp_path, crm):
    """Without run.json the report cannot tell which results belong: it lists every gap."""
    run = write_simulate_run(tmp_path / "run", crm, trace=False)
    (run / "run.json").unlink()
    page = build_report(run).read_text(encoding="utf-8")
    assert _sections(page) == [
        "summary",
        "map",
        "bottlenecks",
        "recommendations",
        "calibration",
        "reproducibility",
    ]


def test_a_simulate_run_with_optimisation_files_keeps_them(tmp_path, crm):
    """A section with something to show stays whatever the command (results copied in)."""
    run = write_optimize_run(tmp_path / "opt", crm, op.remove_step(crm, "contract_review"))
    (run / "run.json").write_text(json.dumps({"command": "simulate", "seed": 1}))
    page = build_report(run).read_text(encoding="utf-8")
    assert "recommendations" in _sections(page) and "Baseline vs recommended" in page
