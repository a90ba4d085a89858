"""Result files like the ones the CLI writes, made up for report tests (no simulation)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from sim.kpis import kpi_report
from sim.model import ProcessModel, save, to_dict


def fake_table(model, n_rep: int = 6, seed: int = 0) -> pd.DataFrame:
    """A replications table with the columns sim.kpis writes (values made up)."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(n_rep):
        row = {"replication": r, "cycle_time_mean": 200 + rng.normal(0, 10)}
        reach = 1.0
        for k, s in enumerate(model.steps):
            reach *= 0.97 if k % 4 == 3 else 1.0
            row[f"waiting_mean:{s}"] = (5 + 3 * k) * rng.uniform(0.9, 1.1)
            row[f"processing_mean:{s}"] = 1 + 0.1 * k
            row[f"waiting_share:{s}"] = 0.01 * k * rng.uniform(0.9, 1.1)
            row[f"reached:{s}"] = reach
        for i, role in enumerate(model.roles):
            row[f"utilisation:{role}"] = 0.4 + 0.07 * i + rng.normal(0, 0.01)
        row["outcome_share:won"] = 0.5 + rng.normal(0, 0.02)
        row["outcome_share:lost_price"] = 1 - row["outcome_share:won"]
        rows.append(row)
    return pd.DataFrame(rows)


def fake_trace(model: ProcessModel, n_cases: int = 60, seed: int = 0) -> pd.DataFrame:
    """A small simulated-looking event log (standard columns, two replications)."""
    rng = np.random.default_rng(seed)
    rows = []
    origin = pd.Timestamp(model.start_date)
    steps = list(model.steps)[:4]
    for c in range(n_cases):
        t = origin + pd.Timedelta(hours=float(rng.uniform(0, 24 * 14)))
        for s in steps:
            start = t + pd.Timedelta(hours=float(rng.exponential(2)))
            end = start + pd.Timedelta(hours=float(rng.exponential(1)))
            rows.append(
                {
                    "case_id": f"{c % 2}-{c}",
                    "activity": s,
                    "start_time": start,
                    "end_time": end,
                    "resource": "r1",
                    "enabled_time": t,
                    "role": "x",
                    "segment": "default",
                    "outcome": "won" if c % 3 else "lost_price",
                    "replication": c % 2,
                }
            )
            t = end
    return pd.DataFrame(rows)


def write_simulate_run(run_dir: Path, model: ProcessModel, *, trace: bool = True) -> Path:
    """A run directory like ``python -m sim simulate`` leaves (kpis, replications, model...)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    table = fake_table(model)
    table.to_csv(run_dir / "replications.csv", index=False)
    report = kpi_report(table, model)
    report["seed"] = 0
    (run_dir / "kpis.json").write_text(json.dumps(report, default=float), encoding="utf-8")
    save(model, run_dir / "model.yaml", overwrite=True)
    (run_dir / "config.yaml").write_text("seed: 0\nscenario:\n  replications: 6\n")
    (run_dir / "run.json").write_text(
        json.dumps(
            {
                "command": "simulate",
                "argv": ["python", "-m", "sim", "simulate", "seed=0"],
                "seed": 0,
                "versions": {"python": "3.11", "numpy": "2"},
                "git_commit": "abc123",
                "platform": "test",
            }
        )
    )
    if trace:
        fake_trace(model).to_csv(run_dir / "trace.csv.gz", index=False)
    return run_dir


def write_optimize_run(run_dir: Path, model: ProcessModel, redesigned: ProcessModel) -> Path:
    """A run directory like ``python -m sim optimize`` leaves (no kpis.json, no model.yaml)."""
    import yaml

    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.yaml").write_text(yaml.safe_dump({"seed": 1, "process": to_dict(model)}))
    (run_dir / "run.json").write_text(json.dumps({"command": "optimize", "seed": 1}))
    save(redesigned, run_dir / "best" / "1.yaml", overwrite=True)
    rng = np.random.default_rng(3)
    trials = pd.DataFrame(
        {
            "trial": range(12),
            "state": ["COMPLETE"] * 11 + ["PRUNED"],
            "cycle_time_mean": rng.uniform(80, 200, 12),
            "cost_per_case": rng.uniform(1000, 1400, 12),
        }
    )
    trials.to_csv(run_dir / "trials.csv", index=False)
    pd.DataFrame({"rank": [1], "trial": [4], "verdict": ["better"]}).to_csv(
        run_dir / "pareto.csv", index=False
    )
    comparison = {
        "cycle_time_mean": {"base": 190.0, "alt": 120.0, "diff": -70.0, "ci_low": -90.0,
                            "ci_high": -50.0, "significant": True},
        "cost_per_case": {"base": 1200.0, "alt": 1210.0, "diff": 10.0, "ci_low": -5.0,
                          "ci_high": 25.0, "significant": False},
        "waiting_mean:signing": {"base": 20.0, "alt": 5.0, "diff": -15.0, "ci_low": -20.0,
                                 "ci_high": -10.0, "significant": True},
    }  # fmt: skip
    (run_dir / "confirmation.json").write_text(
        json.dumps(
            {
                "objectives": [
                    {"kpi": "cycle_time_mean", "direction": "minimize"},
                    {"kpi": "cost_per_case", "direction": "minimize"},
                ],
                "baseline": {"cycle_time_mean": 190.0, "cost_per_case": 1200.0},
                "candidates": [
                    {"rank": 1, "trial": 4, "verdict": "better", "comparison": comparison}
                ],
            }
        )
    )
    (run_dir / "recommendations.md").write_text(
        "# Recommended redesigns for `crm_sales`\n\n## 1. Redesign from trial 4: better\n\n"
        "Changes:\n\n- Remove 'contract_review'\n- Staff legal with 2 people\n\n"
        "| KPI | today | redesign |\n|---|---|---|\n| mean cycle time | 190 h | 120 h |\n"
        "\nA <script>alert(1)</script> tag stays text.\n"
    )
    return run_dir


def write_calibrate_run(run_dir: Path, model: ProcessModel) -> Path:
    """A run directory like ``python -m sim calibrate`` leaves (model, fits, back-test, logs)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    notes = ["96% of the cases' first steps started <the moment> their person finished"]
    model = dataclasses.replace(model, metadata={**model.metadata, "notes": notes})
    save(model, run_dir / "model.yaml", overwrite=True)
    (run_dir / "run.json").write_text(json.dumps({"command": "calibrate", "seed": 0}))

    def ci(m: float) -> dict:
        return {"mean": m, "ci_low": 0.9 * m, "ci_high": 1.1 * m, "per_replication": [m] * 3}

    backtest = {
        "settings": {"replications": 3},
        "test": {"cases": 60, "start": "2026-01-05T00:00:00", "arrivals_simulated": 72.4,
                 "truncation": {"applied": True, "missing_cases_estimated": 12.4},
                 "kpis": {"cycle_time_mean": 10.0, "dropoff_rate": 0.3,
                          "waiting_mean:signing": 2.0, "processing_mean:signing": 0.5}},
        "model": {"cycle_time_mean": ci(11.0), "dropoff_rate": ci(0.32),
                  "cycle_time_wasserstein_h": ci(1.5), "waiting_mean:signing": ci(2.2),
                  "processing_mean:signing": ci(0.5)},
        "baseline": {"cycle_time_mean": ci(14.0), "dropoff_rate": ci(0.3),
                     "cycle_time_wasserstein_h": ci(3.0)},
        "verdict": {"cycle_time_mean_relerr": 0.1, "cycle_time_mean_within_10pct": True},
    }  # fmt: skip
    (run_dir / "backtest.json").write_text(json.dumps(backtest))
    pd.DataFrame(
        [
            {"target": "steps.signing.duration", "kind": "distribution", "family": "gamma",
             "chosen": True, "n": 40, "mean": 0.5, "ks_statistic": 0.08, "ks_pvalue": 0.6},
            {"target": "steps.signing.duration", "kind": "distribution", "family": "lognormal",
             "chosen": False, "n": 40, "mean": 0.5, "ks_statistic": 0.2, "ks_pvalue": 0.001},
        ]
    ).to_csv(run_dir / "fits.csv", index=False)  # fmt: skip
    fake_trace(model, seed=1).to_csv(run_dir / "trace_1.csv.gz", index=False)
    hist = fake_trace(model, seed=2).drop(columns=["replication", "outcome"])
    hist.to_csv(run_dir / "history.csv.gz", index=False)
    rng = np.random.default_rng(4)
    pd.DataFrame(
        {"activity": ["signing"] * 50 + ["onboarding"] * 50,
         "processing": np.concatenate([rng.gamma(4, 0.125, 50), rng.gamma(6, 1, 50)])}
    ).to_csv(run_dir / "instances.csv.gz", index=False)  # fmt: skip
    return run_dir


def write_searched_run(
    run_dir: Path,
    model: ProcessModel,
    redesigned: ProcessModel,
    *,
    confirmation: tuple[list[int], dict[str, float]] | None = None,
    **trial_columns: list,
) -> tuple[Path, dict]:
    """``write_optimize_run`` with three trials (cycle time 150 / 40 / 120 h, cost 1300 / 900 /
    1100; ``trial_columns`` adds columns to ``trials.csv``) and today's process measured on the
    search's replications #0-#4 at (190 h, 1200), and on ``confirmation`` = (its replications,
    its values) when given. Returns the run and its confirmation record, for the test to change
    and write back."""
    run = write_optimize_run(run_dir, model, redesigned)
    pd.DataFrame(
        {
            "trial": range(3),
            "state": ["COMPLETE"] * 3,
            "cycle_time_mean": [150.0, 40.0, 120.0],
            "cost_per_case": [1300.0, 900.0, 1100.0],
            **trial_columns,
        }
    ).to_csv(run / "trials.csv", index=False)
    conf = json.loads((run / "confirmation.json").read_text())
    del conf["baseline"]
    conf["baseline_search"] = {
        "replications": [0, 4],
        "values": {"cycle_time_mean": 190.0, "cost_per_case": 1200.0},
    }
    if confirmation is not None:
        replications, values = confirmation
        conf["baseline_confirmation"] = {"replications": replications, "values": values}
    return run, conf


def pareto_points(fig) -> dict[str, set[tuple[float, float]]]:
    """The Pareto figure's points by legend label (``plot_pareto``'s scatter collections)."""
    return {c.get_label(): {tuple(p) for p in c.get_offsets()} for c in fig.axes[0].collections}


def html_section(page: str, sid: str) -> str:
    """The inside of report.html's ``<section id="sid">`` (asserting it is there)."""
    m = re.search(rf'<section id="{sid}">(.*?)</section>', page, flags=re.S)
    assert m, f"no section {sid}"
    return m.group(1)
