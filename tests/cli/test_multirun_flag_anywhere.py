"""``--multirun`` after an override: Hydra's parser read no override typed before it and failed
with "unrecognized arguments: ++scenario.staffing.legal=1,2", a form the user never typed (QA2
2026-12-05). The flag now goes first, wherever it was typed."""

from __future__ import annotations

import json

from tests.simcli import run_sim


def test_multirun_typed_after_an_override_sweeps(tmp_path):
    res = run_sim(
        "simulate",
        "process=mmc",
        "--multirun",
        "scenario.staffing.server=2,3",
        "scenario.replications=2",
        "scenario.horizon_days=5",
        "scenario.warmup_days=1",
        "progress=false",
        "output.report=false",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    )
    assert res.returncode == 0, res.stderr
    assert "unrecognized arguments" not in res.stderr
    jobs = sorted(p.name for p in (tmp_path / "sweep").iterdir() if p.is_dir() and p.name.isdigit())
    assert jobs == ["0", "1"]
    staffed = [
        json.loads((tmp_path / "sweep" / j / "kpis.json").read_text())["roles"][0]["headcount"]
        for j in jobs
    ]
    assert staffed == [2, 3]
