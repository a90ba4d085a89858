"""A role offered more work than its hours whose every step has a short patience: the after-run
note and report.html say that cases giving up hold its queue down, not that its waits grow with
the horizon (QA retest20b #3: an M/M/3+M offered 150 % with a patience of 0.5 h, 87 % busy,
waited 0.209 h over 7 days and 0.212 h over 28, while the note said waits depend on
scenario.horizon_days; its pre-run warning already said the queue stays bounded)."""

from __future__ import annotations

import html
import json

import yaml

from tests.simcli import run_sim


def _mm3(patience: dict | None) -> dict:
    step = {
        "role": "server",
        "duration": {"dist": "exponential", "mean": 1.5},
        "next": "done",
    }
    if patience:
        step["patience"] = patience
    return {
        "name": "mm3",
        "time_unit": "hours",
        "start": "s",
        "arrivals": {"interarrival": {"dist": "exponential", "mean": 1 / 3}},
        "roles": {"server": {"headcount": 3}},
        "steps": {"s": step},
        "ends": {"done": {"success": True}},
    }


def _run(tmp_path, name: str, spec: dict) -> tuple[str, str, dict]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    run = tmp_path / name
    res = run_sim(
        "simulate",
        f"process={path}",
        "scenario.replications=3",
        "scenario.horizon_days=4",
        "scenario.warmup_days=1",
        "seed=1",
        "workers=1",
        "progress=false",
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    page = html.unescape((run / "report.html").read_text(encoding="utf-8"))
    kpis = json.loads((run / "kpis.json").read_text(encoding="utf-8"))
    return res.stdout + res.stderr, " ".join(page.split()), kpis


def test_an_impatient_role_above_its_hours_is_said_to_lose_work_not_to_queue_longer(tmp_path):
    said, page, kpis = _run(tmp_path, "impatient", _mm3({"dist": "exponential", "mean": 0.5}))
    assert kpis["staffing_suggestion"]["offered_load"]["server"]["relieved_by_patience"] is True
    assert "server" in kpis["above_target_roles"]  # about 87 % busy: the note is given
    flat = " ".join(said.split())
    assert "hold the queue down, so waits do not grow with the horizon" in flat
    assert "grows with the horizon" not in flat and "depend on scenario.horizon_days" not in flat
    assert "hold its queue down, so waits do not grow with the horizon" in page
    assert "its queue grows with the horizon" not in page
