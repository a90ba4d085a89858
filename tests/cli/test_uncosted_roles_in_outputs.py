"""A role without ``hourly_cost`` beside roles with one is free in every cost per case; the note
that says so is kept with the results, not only printed at load (QA cost17 #4: kpis.json,
report.html and recommendations.md showed a hire into that role changing the cost by exactly
nothing, and none of them said why)."""

from __future__ import annotations

import copy
import json

import yaml

from sim.model import from_dict
from sim.model.validate import uncosted_roles_note
from tests.optimize.conftest import TINY, quick_search_args
from tests.simcli import run_sim


def _uncosted_tiny() -> dict:
    """``TINY`` with the clerk's hourly cost left out (the expert keeps 30 an hour)."""
    spec = copy.deepcopy(TINY)
    del spec["roles"]["clerk"]["hourly_cost"]
    return spec


def test_the_note_names_the_role_the_cost_leaves_out() -> None:
    note = uncosted_roles_note(from_dict(_uncosted_tiny()))
    assert note is not None and "['clerk']" in note and "hourly_cost" in note
    assert uncosted_roles_note(from_dict(TINY)) is None  # every role costed: nothing to say


def test_simulate_keeps_it_in_kpis_json_and_the_report(tmp_path) -> None:
    spec = _uncosted_tiny()
    model = tmp_path / "tiny.yaml"
    model.write_text(yaml.safe_dump(spec), encoding="utf-8")
    run = tmp_path / "run"
    res = run_sim(
        f"process={model}",
        "scenario.replications=2",
        "scenario.horizon_days=2",
        "scenario.warmup_days=0",
        "workers=1",
        "progress=false",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    note = uncosted_roles_note(from_dict(spec))
    kpis = json.loads((run / "kpis.json").read_text(encoding="utf-8"))
    assert kpis["headline"]["cost_per_case"]  # a cost per case the note qualifies
    assert f"note: {note}" in kpis["warnings"]
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "have no hourly_cost (or 0), so they cost nothing per hour" in page


def test_optimize_keeps_it_in_recommendations_md_and_the_report(tmp_path) -> None:
    spec = _uncosted_tiny()
    run = tmp_path / "opt"
    search = quick_search_args(tmp_path, 2, model=spec)
    res = run_sim(
        *(a for a in search if a != "output.report=false"),  # the report is checked too
        "optimizer.objectives=[{kpi: cycle_time_mean},{kpi: cost_per_case}]",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    note = uncosted_roles_note(from_dict(spec))
    md = (run / "recommendations.md").read_text(encoding="utf-8")
    baseline, _, rest = md.partition("## ")
    assert "cost per case" in baseline
    # in bold under the baseline, beside the figures it qualifies (Markdown-escaped)
    (line,) = [x for x in baseline.splitlines() if "hourly" in x]
    assert line.startswith("**note: roles:") and "clerk" in line
    assert "so they cost nothing per hour, while 1 other role(s) do" in note
    assert "so they cost nothing per hour, while 1 other role(s) do" in line
    page = (run / "report.html").read_text(encoding="utf-8")
    assert "so they cost nothing per hour, while 1 other role(s) do" in page
