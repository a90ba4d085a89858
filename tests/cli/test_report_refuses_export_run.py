"""``report run=<an export run>`` is refused with the command that gives a report (QA walk24 #2:
it wrote a report.html of empty sections, "No kpis.json", "seed None", into the export's folder)."""

from __future__ import annotations

from tests.simcli import run_sim


def test_a_report_of_an_export_run_is_refused_naming_the_simulate_command(tmp_path):
    run = tmp_path / "exported"
    res = run_sim("export", "process=crm_sales", "format=yaml", f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    res = run_sim("report", f"run={run}")
    assert res.returncode == 2
    assert "an export run has no results to report" in res.stderr
    assert f"simulate process={run / 'crm_sales.yaml'}" in res.stderr
    assert not (run / "report.html").exists()
    # the command it names works
    res = run_sim(
        "simulate",
        f"process={run / 'crm_sales.yaml'}",
        "scenario.replications=1",
        "scenario.horizon_days=2",
        "output.report=false",
        f"hydra.run.dir={tmp_path / 'sim'}",
    )
    assert res.returncode == 0, res.stderr


def test_a_diagram_export_names_the_model_it_was_exported_from(tmp_path):
    """QA retest24 #2: a mermaid export named its .mmd file, which simulate cannot read."""
    run = tmp_path / "diagram"
    res = run_sim("export", "process=crm_sales", "format=mermaid", f"hydra.run.dir={run}")
    assert res.returncode == 0, res.stderr
    res = run_sim("report", f"run={run}")
    assert res.returncode == 2
    assert res.stderr.rstrip().endswith("simulate process=crm_sales")
