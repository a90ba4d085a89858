"""Result files of a search: trials.csv, pareto.csv, best/<rank>.yaml, recommendations.md."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import optuna
import pandas as pd
from optuna.trial import TrialState

from sim.model import save
from sim.optimize.confirm import Candidate
from sim.optimize.evaluate import Evaluator
from sim.optimize.objectives import Constraint, Objective

LABELS = {
    "cycle_time_mean": ("mean cycle time", "h"),
    "cycle_time_p90": ("p90 cycle time", "h"),
    "dropoff_rate": ("drop-off rate", "%"),
    "cost_per_case": ("cost per case", "money"),
    "throughput_per_week": ("throughput", "cases/week"),
    "utilisation_max": ("highest utilisation", "%"),
    "margin_per_case": ("margin per case", "money"),
    "one_off_cost": ("one-off cost", "money"),
}


def trials_table(study: optuna.Study, objectives: Sequence[Objective]) -> pd.DataFrame:
    """One row per trial: state, objective values, one-off cost, changes, flags."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        row: dict[str, Any] = {"trial": t.number, "state": t.state.name}
        for i, o in enumerate(objectives):
            row[o.kpi] = t.values[i] if t.values is not None else math.nan
        row["one_off_cost"] = t.user_attrs.get("one_off_cost")
        row["replications"] = t.user_attrs.get("replications")
        row["stopped_early"] = t.user_attrs.get("stopped_early")
        row["duplicate_of"] = t.user_attrs.get("duplicate_of")
        row["feasible"] = (
            all(c <= 0 for c in t.user_attrs.get("constraints", []))
            if t.state == TrialState.COMPLETE
            else None
        )
        row["refused"] = t.user_attrs.get("refused")
        row["changes"] = " | ".join(t.user_attrs.get("changes", []))
        rows.append(row)
    return pd.DataFrame(rows)


def pareto_table(candidates: Sequence[Candidate], objectives: Sequence[Objective]) -> pd.DataFrame:
    """The recommended candidates with search and confirmed values and verdicts."""
    rows = []
    for c in candidates:
        row: dict[str, Any] = {
            "rank": c.rank,
            "trial": c.trial,
            "verdict": c.verdict,
            "feasible": c.feasible,
        }
        for o, v in zip(objectives, c.search_values, strict=True):
            row[f"{o.kpi} (search)"] = v
            if c.comparison is not None and o.kpi in c.comparison.index:
                r = c.comparison.loc[o.kpi]
                row[f"{o.kpi} (confirmed)"] = r["alt"]
                row[f"{o.kpi} change"] = r["diff"]
                row[f"{o.kpi} ci_low"] = r["ci_low"]
                row[f"{o.kpi} ci_high"] = r["ci_high"]
        row["one_off_cost"] = c.one_off_cost
        row["changes"] = " | ".join(c.changes)
        rows.append(row)
    return pd.DataFrame(rows)


def write_best_models(
    candidates: Sequence[Candidate], evaluator: Evaluator, folder: Path
) -> list[Path]:
    """The redesigned model of each candidate as ``best/<rank>.yaml``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for c in candidates:
        model = evaluator.redesigned(c.choice)
        paths.append(save(model, folder / f"{c.rank}.yaml", overwrite=True))
    return paths


def _fmt(kpi: str, v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    unit = LABELS.get(kpi, (kpi, ""))[1]
    if unit == "%":
        return f"{v * 100:.1f} %"
    if unit == "money":
        return f"{v:,.0f}"
    return f"{v:,.1f} {unit}".strip()


def _fmt_change(kpi: str, row: pd.Series) -> str:
    unit = LABELS.get(kpi, (kpi, ""))[1]
    scale, suffix = (100.0, " pp") if unit == "%" else (1.0, "")
    d, lo, hi = row["diff"] * scale, row["ci_low"] * scale, row["ci_high"] * scale
    rel = f" ({row['relative'] * 100:+.1f} %)" if pd.notna(row.get("relative")) else ""
    return f"{d:+,.2f}{suffix}{rel} [{lo:+,.2f}, {hi:+,.2f}]"


def recommendations_markdown(
    *,
    model_name: str,
    candidates: Sequence[Candidate],
    baseline: pd.DataFrame,
    objectives: Sequence[Objective],
    constraints: Sequence[Constraint],
    confirm_replications: int,
    n_trials: int,
    simulations: int,
) -> str:
    """The changes in plain words, with the evidence that they are better (or not)."""
    base_means = {c: float(baseline[c].mean()) for c in baseline.columns if c != "replication"}
    lines = [
        f"# Recommended redesigns for `{model_name}`",
        "",
        f"Search: {n_trials} trials, {simulations} simulated replications. Each recommendation was "
        f"re-simulated with {confirm_replications} replications paired with the baseline (same "
        "random numbers), so the differences below are the redesign's effect, not noise; the "
        "brackets are 95 % confidence intervals of the difference.",
        "",
        "Objectives: "
        + ", ".join(f"{o.direction} {LABELS.get(o.kpi, (o.kpi,))[0]}" for o in objectives)
        + (". Constraints: " + ", ".join(c.describe() for c in constraints) if constraints else "")
        + ".",
        "",
        "Baseline: "
        + ", ".join(
            f"{LABELS.get(k, (k,))[0]} {_fmt(k, base_means.get(k))}"
            for k in ("cycle_time_mean", "dropoff_rate", "cost_per_case")
            if k in base_means
        )
        + ".",
        "",
    ]
    if not candidates:
        lines.append("No redesign in the search was feasible and different from the baseline.")
        return "\n".join(lines) + "\n"
    for c in candidates:
        tag = {
            "better": "better than today",
            "trade-off": "a trade-off",
            "within noise": "WITHIN NOISE: not shown to differ from today",
            "worse": "worse than today",
        }.get(c.verdict, c.verdict)
        lines += [f"## {c.rank}. Redesign from trial {c.trial}: {tag}", ""]
        if not c.feasible:
            lines += ["**Violates a constraint once confirmed**; shown for reference.", ""]
        lines += ["Changes:", ""] + [f"- {s}" for s in c.changes] + [""]
        lines += [f"One-off cost: {c.one_off_cost:,.0f}. Model: `best/{c.rank}.yaml`.", ""]
        if c.comparison is not None:
            lines += [
                "| KPI | today | redesign | change [95 % CI] | significant |",
                "|---|---|---|---|---|",
            ]
            for k, r in c.comparison.iterrows():
                if k == "one_off_cost" or ":" in k:  # per-step rows are in confirmation.json
                    continue
                lines.append(
                    f"| {LABELS.get(k, (k,))[0]} | {_fmt(k, r['base'])} | {_fmt(k, r['alt'])} | "
                    f"{_fmt_change(k, r)} | {'yes' if r['significant'] else 'no'} |"
                )
            lines.append("")
        if c.ablation:
            lines += [
                "What each change contributes (the redesign re-simulated without it; positive = the "
                "change helps):",
                "",
                "| change | "
                + " | ".join(LABELS.get(o.kpi, (o.kpi,))[0] for o in objectives)
                + " | role |",
                "|---|" + "---|" * len(objectives) + "---|",
            ]
            for a in c.ablation:
                if "refused" in a:
                    lines.append(
                        f"| {a['change']} | "
                        + " | ".join("-" for _ in objectives)
                        + f" | {a['refused']} |"
                    )
                    continue
                cells = []
                for o in objectives:
                    v = a["contribution"].get(o.kpi)
                    if v is None:
                        cells.append("-")
                        continue
                    unit = LABELS.get(o.kpi, (o.kpi, ""))[1]
                    s = 100.0 if unit == "%" else 1.0
                    cells.append(
                        f"{v['improvement'] * s:+,.2f} [{v['ci_low'] * s:+,.2f}, {v['ci_high'] * s:+,.2f}]"
                        + (" *" if v["significant"] else "")
                    )
                lines.append(f"| {a['change']} | " + " | ".join(cells) + f" | {a['role']} |")
            lines += ["", "(* significant at 95 %; drop-off in percentage points)", ""]
    return "\n".join(lines) + "\n"
