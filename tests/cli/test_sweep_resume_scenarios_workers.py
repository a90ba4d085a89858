"""A resumed sweep's ``scenarios.json`` describes each job as it ran (QA researcher17 #2: a
sweep rerun with ``workers=2`` kept its jobs run with ``workers=1``, whose run.json, config.yaml
and ``.hydra/overrides.yaml`` say so, yet its scenarios.json gave them ``workers=2``, the rerun's,
while ``compare sweep=`` of the same directory gave ``workers=1``)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.simcli import run_sim

TINY = ["process=mmc", "scenario.replications=2", "scenario.horizon_days=2", "output.report=false"]


def _sweep(sweep_dir: Path, workers: int):
    return run_sim(
        "--multirun", *TINY, "seed=1,2", f"workers={workers}", f"hydra.sweep.dir={sweep_dir}"
    )


def _overrides(scenarios: Path) -> list[list[str]]:
    return [s["overrides"] for s in json.loads(scenarios.read_text(encoding="utf-8"))]


def test_a_resumed_sweep_lists_each_kept_job_with_the_overrides_it_ran_with(tmp_path):
    s = tmp_path / "s"
    assert _sweep(s, 1).returncode == 0
    res = _sweep(s, 2)
    assert res.returncode == 0, res.stderr
    assert "2 of its 2 jobs finished earlier and were kept" in res.stderr
    ran_with = [json.loads((s / j / "run.json").read_text())["overrides"] for j in ("0", "1")]
    assert all("workers=1" in o for o in ran_with)
    assert _overrides(s / "scenarios.json") == ran_with
    # compare sweep= on the same directory says the same
    cmp = tmp_path / "cmp"
    res = run_sim("compare", f"sweep={s}", f"hydra.run.dir={cmp}", "output.report=false")
    assert res.returncode == 0, res.stderr
    assert _overrides(cmp / "scenarios.json") == ran_with
