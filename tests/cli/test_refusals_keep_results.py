"""A run refused for its config or model never costs the user an earlier run's results: with
``output.overwrite=true`` the checks that can refuse it run before the earlier run's files are
removed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def run_sim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=600
    )


def snapshot(run: Path) -> dict[str, bytes]:
    """Every file of a run directory but Hydra's own (``.hydra/`` is rewritten by any run)."""
    return {
        str(p.relative_to(run)): p.read_bytes()
        for p in sorted(run.rglob("*"))
        if p.is_file() and ".hydra" not in p.parts and p.name != "main.log"
    }


def test_an_export_refused_for_its_losses_keeps_the_earlier_export(tmp_path):
    # crm_sales has what BPMN/Prosimos cannot express (segments, patience, hand-off delay):
    # allow_loss=false refuses it. The refusal must come before the earlier export is removed.
    run = tmp_path / "run"
    first = run_sim("export", "process=crm_sales", "format=bpmn", f"hydra.run.dir={run}")
    assert first.returncode == 0, first.stderr
    before = snapshot(run)
    assert {"crm_sales.bpmn", "crm_sales.json", "crm_sales.export_losses.txt"} <= set(before)
    again = run_sim(
        "export", "process=crm_sales", "format=bpmn", "allow_loss=false",
        "output.overwrite=true", f"hydra.run.dir={run}",
    )  # fmt: skip
    assert again.returncode == 2, again.stdout
    assert f"cannot export to {run / 'crm_sales.bpmn'} without losing" in again.stderr
    assert "steps.first_contact.patience" in again.stderr  # the losses are listed
    assert "removed" not in again.stdout
    assert snapshot(run) == before  # the earlier export, record included, as it was
    # the export that loses nothing still replaces it
    mermaid = run_sim(
        "export", "process=crm_sales", "format=mermaid", "allow_loss=false",
        "output.overwrite=true", f"hydra.run.dir={run}",
    )  # fmt: skip
    assert mermaid.returncode == 0, mermaid.stderr
    assert "output.overwrite=true: removed 5 files" in mermaid.stdout
    assert set(snapshot(run)) == {"crm_sales.mmd", "run.json", "config.yaml"}


def test_a_simulate_run_refused_for_its_staffing_keeps_the_earlier_run(tmp_path):
    run = tmp_path / "run"
    args = ["process=mmc", "scenario.replications=1", "scenario.horizon_days=2", "progress=false"]
    first = run_sim(*args, "output.report=false", f"hydra.run.dir={run}")
    assert first.returncode == 0, first.stderr
    before = snapshot(run)
    assert {"kpis.json", "replications.csv", "model.yaml", "run.json"} <= set(before)
    again = run_sim(
        *args, "scenario.staffing.nobody=2", "output.overwrite=true", f"hydra.run.dir={run}"
    )
    assert again.returncode == 2, again.stdout
    assert "scenario.staffing.nobody: unknown role" in again.stderr
    assert "removed" not in again.stdout
    assert snapshot(run) == before


@pytest.mark.parametrize(
    ("override", "says"),
    [
        ("baseline=nope", "baseline=nope: not a scenario"),
        ("baseline=7", "baseline=7: there are 2 scenarios"),
    ],
)
def test_a_comparison_refused_for_its_baseline_keeps_the_earlier_one(tmp_path, override, says):
    sims = []
    for name, servers in (("one", 1), ("two", 2)):
        d = tmp_path / name
        res = run_sim(
            "process=mmc", "scenario.replications=2", "scenario.horizon_days=2",
            f"scenario.staffing.server={servers}", "progress=false", "output.report=false",
            f"hydra.run.dir={d}",
        )  # fmt: skip
        assert res.returncode == 0, res.stderr
        sims.append(d)
    runs = f"runs=[{sims[0]},{sims[1]}]"
    out = tmp_path / "cmp"
    first = run_sim("compare", runs, "output.report=false", f"hydra.run.dir={out}")
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    assert {"comparison.csv", "scenarios.json", "comparison.md"} <= set(before)
    again = run_sim("compare", runs, override, "output.overwrite=true", f"hydra.run.dir={out}")
    assert again.returncode == 2, again.stdout
    assert says in again.stderr
    assert snapshot(out) == before
    one = run_sim("compare", f"runs=[{sims[0]}]", "output.overwrite=true", f"hydra.run.dir={out}")
    assert one.returncode == 2 and "give two or more to compare" in one.stderr
    assert snapshot(out) == before
