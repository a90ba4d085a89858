"""A sweep's job that failed is named in the saved comparison, not only on the console (QA
compare19 #4): ``simulate --multirun ... scenario.staffing.server=2,0,3`` (job 1 fails) and
``compare sweep=`` on it wrote comparison.md and report.html comparing 2 scenarios with no trace
of the third value."""

from __future__ import annotations

import html

from tests.simcli import run_sim


def _notes(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("- note:")]


def test_a_failed_job_is_named_in_comparison_md_and_report_html(tmp_path):
    sweep = tmp_path / "s"
    res = run_sim(
        "--multirun",
        "process=mmc",
        "scenario.staffing.server=2,0,3",
        "scenario.replications=3",
        "scenario.horizon_days=3",
        "workers=1",
        "progress=false",
        f"hydra.sweep.dir={sweep}",
    )
    assert res.returncode == 2 and "did not finish" in res.stderr, res.stderr
    res = run_sim("compare", f"sweep={sweep}", f"hydra.run.dir={tmp_path / 'c'}")
    assert res.returncode == 0, res.stderr
    # said once on the console (the note above the comparison), not twice
    assert (res.stdout + res.stderr).count("job folder 1 left out") == 1
    for out in (sweep, tmp_path / "c"):
        said = [n for n in _notes((out / "comparison.md").read_text()) if "left out" in n]
        assert len(said) == 1, _notes((out / "comparison.md").read_text())
        assert "job folder 1 left out" in said[0]
        assert "set with scenario.staffing.server=0" in said[0]
        page = html.unescape((out / "report.html").read_text(encoding="utf-8"))
        assert "job folder 1 left out" in page and "scenario.staffing.server=0" in page
