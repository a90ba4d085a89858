"""M/M/c queues with exponential patience (Erlang-A) as model specs, and a command-line run of
a spec: for the tests of the notes on roles that cases give up waiting for."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.simcli import run_sim


def mmc_spec(
    name: str,
    *,
    interarrival_hours: float,
    job_hours: float,
    servers: int,
    patience_hours: float | None = None,
) -> dict:
    """One step ``s`` of role ``server`` (``servers`` people), exponential arrivals and jobs, and
    an exponential patience of mean ``patience_hours`` (none: cases never give up)."""
    step: dict = {
        "role": "server",
        "duration": {"dist": "exponential", "mean": job_hours},
        "next": "done",
    }
    if patience_hours is not None:
        step["patience"] = {"dist": "exponential", "mean": patience_hours}
    return {
        "name": name,
        "time_unit": "hours",
        "start": "s",
        "arrivals": {"interarrival": {"dist": "exponential", "mean": interarrival_hours}},
        "roles": {"server": {"headcount": servers}},
        "steps": {"s": step},
        "ends": {"done": {"success": True}},
    }


def simulate_spec(
    tmp_path: Path,
    name: str,
    spec: dict,
    *extra: str,
    replications: int = 5,
    horizon_days: float = 7,
    warmup_days: float = 2,
    seed: int = 8,
) -> tuple[dict, str, Path]:
    """``python -m sim simulate`` of ``spec`` (written to ``tmp_path``) into ``tmp_path/name``,
    on one worker: its kpis.json, its console output (stdout, then stderr) and its folder."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    run = tmp_path / name
    res = run_sim(
        "simulate",
        f"process={path}",
        f"scenario.replications={replications}",
        f"scenario.horizon_days={horizon_days}",
        f"scenario.warmup_days={warmup_days}",
        f"seed={seed}",
        "workers=1",
        "progress=false",
        *extra,
        f"hydra.run.dir={run}",
    )
    assert res.returncode == 0, res.stderr
    kpis = json.loads((run / "kpis.json").read_text(encoding="utf-8"))
    return kpis, res.stdout + res.stderr, run
