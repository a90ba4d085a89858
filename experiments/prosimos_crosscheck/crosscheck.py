"""Our engine vs Prosimos vs the log Prosimos generated, on the Prosimos models in ../shared/data.

Usage (from the repository root, our virtualenv active; Prosimos in its own venv, see README):

    python experiments/prosimos_crosscheck/crosscheck.py [--reps 5] [--models loan,...]

For each model: import the BPMN + JSON with ``sim.model.interchange.load_bpmn``; simulate the
same number of cases as the log has with our engine and with Prosimos (``run_prosimos.py`` in the
experiment's venv), ``--reps`` times each with different seeds; compute the same KPIs from both
event logs and from the original log; and time both simulators in the same run. Prosimos is also
run on our *export* of the model (``save_bpmn``) to check that the export simulates the same.
Raw logs go to ``_work/`` (not in git); the tables go to stdout and ``summary.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sim.engine import run_replication
from sim.model import ProcessModel
from sim.model.interchange import BpmnImportWarning, load_bpmn, save_bpmn
from sim.model.interchange.bpmn_read import read_bpmn
from sim.model.scenario import Scenario

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
DATA = Path(
    os.environ.get("SIM_SHARED_DATA", HERE / ".." / ".." / ".." / "shared" / "data")
).resolve()
VENV_PY = WORK / "venv" / "bin" / "python"
START = pd.Timestamp("2026-01-05T00:00:00", tz="UTC")  # our models' start_date (a Monday)

MODELS = {
    "loan": "synth_loan_application/Loan_Application",
    "insurance": "synth_insurance_claims/Insurance_Claims",
    "procure": "synth_procure_to_pay/Procure_to_Pay",
    "pharmacy": "synth_pharmacy/Pharmacy",
    "bpic2012_w": "bpic2012_w/BPIC_2012_W",
}


# ------------------------------------------------------------------------------ event tables
def _norm(name: str) -> str:
    return " ".join(str(name).split())


def ours(
    model: ProcessModel, n: int, seed: int, names: dict[str, str]
) -> tuple[pd.DataFrame, float]:
    """Our events (hours since start_date) and the simulation's wall time."""
    sc = Scenario(horizon_days=36500, warmup_days=0, replications=1, max_cases=n)
    t0 = time.perf_counter()
    tr = run_replication(model, sc, seed=seed)
    dt = time.perf_counter() - t0
    act = np.array([names.get(a, a) for a in tr.activities])
    res = np.array([*tr.resources, ""])
    roles = np.array([*tr.resource_roles, ""])
    ev = pd.DataFrame(
        {
            "case": tr.ev_case,
            "activity": act[tr.ev_activity],
            "enabled": tr.ev_enabled,
            "start": tr.ev_start,
            "end": tr.ev_end,
            "resource": res[tr.ev_resource],
            "role": roles[tr.ev_resource],
        }
    )
    return ev, dt


def _hours(col: pd.Series, origin: pd.Timestamp) -> pd.Series:
    t = pd.to_datetime(col, utc=True, format="mixed")
    return (t - origin).dt.total_seconds() / 3600.0


def prosimos(bpmn: Path, params: Path, n: int, seed: int, out: Path) -> tuple[pd.DataFrame, dict]:
    """Prosimos' events (hours since START) and its timings."""
    proc = subprocess.run(
        [
            str(VENV_PY),
            str(HERE / "run_prosimos.py"),
            str(bpmn),
            str(params),
            str(n),
            str(seed),
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=WORK,
    )
    timing = json.loads(proc.stdout.strip().splitlines()[-1])
    df = pd.read_csv(out)
    ev = pd.DataFrame(
        {
            "case": df["case_id"],
            "activity": df["activity"].map(_norm),
            "enabled": _hours(df["enable_time"], START),
            "start": _hours(df["start_time"], START),
            "end": _hours(df["end_time"], START),
            "resource": df["resource"].astype(str),
        }
    )
    return ev, timing


def original_log(path: Path) -> pd.DataFrame:
    """The log in ../shared/data (no enable times); hours since Monday 00:00 of its first week."""
    df = pd.read_csv(path)
    start = pd.to_datetime(df["start_time"], utc=True, format="mixed")
    first = start.min()
    origin = (first - pd.Timedelta(days=first.weekday())).normalize()
    res = df["resource"].astype(str).str.replace(r"\.0$", "", regex=True).replace("nan", "")
    return pd.DataFrame(
        {
            "case": df["case_id"],
            "activity": df["activity"].map(_norm),
            "enabled": np.nan,
            "start": _hours(df["start_time"], origin),
            "end": _hours(df["end_time"], origin),
            "resource": res,
        }
    )


def role_of_resource(model: ProcessModel) -> dict[str, str]:
    """Prosimos' resource names (name_i for amounts above 1) -> our role."""
    out: dict[str, str] = {}
    for role in model.roles.values():
        for member in role.members:
            out[member] = role.name
        for prof in ((role.provenance or {}).get("prosimos") or {}).get("profiles", []):
            for r in prof["resources"]:
                if r["amount"] == 1:
                    out[r["name"]] = role.name
                for k in range(r["amount"]):
                    out[f"{r['name']}_{k}"] = role.name
    return out


# ------------------------------------------------------------------------------------ KPIs
def kpis(ev: pd.DataFrame, model: ProcessModel) -> dict:
    """The same KPIs from any of the three event tables."""
    ev = ev.sort_values(["case", "start", "end"]).reset_index(drop=True)
    g = ev.groupby("case")
    first_start = g["start"].min()
    last_end = g["end"].max()
    out: dict = {"cases": int(g.ngroups)}
    # cases per day with arrivals (from arrival = first enable time; the log: first start)
    first = g["enabled"].min() if ev["enabled"].notna().all() else g["start"].min()
    out["per_day"] = float(first.groupby(np.floor(first.to_numpy() / 24.0)).size().mean())
    ct_start = (last_end - first_start).to_numpy()
    out["ct_start_mean"] = float(ct_start.mean())
    out["ct_start_p90"] = float(np.percentile(ct_start, 90))
    if ev["enabled"].notna().all():
        ct = (last_end - g["enabled"].min()).to_numpy()
        out["ct_mean"] = float(ct.mean())
        out["ct_p90"] = float(np.percentile(ct, 90))
        ev["wait"] = ev["start"] - ev["enabled"]
    else:
        ev["wait"] = np.nan
    # waiting estimated from start/end only (what a log without enable times allows): from the
    # latest end of an earlier event of the case (or the case's first start)
    ends = ev["end"].to_numpy()
    starts = ev["start"].to_numpy()
    cases = ev["case"].to_numpy()
    est = np.empty(len(ev))
    i = 0
    while i < len(ev):
        j = i
        while j < len(ev) and cases[j] == cases[i]:
            j += 1
        c_start, c_end = starts[i:j], ends[i:j]
        for k in range(i, j):
            prior = c_end[c_end <= starts[k] + 1e-12]
            est[k] = starts[k] - (prior.max() if prior.size else c_start.min())
        i = j
    ev["wait_est"] = est
    ev["proc"] = ev["end"] - ev["start"]
    acts = ev.groupby("activity").agg(
        n=("case", "size"),
        proc=("proc", "mean"),
        wait=("wait", "mean"),
        wait_est=("wait_est", "mean"),
    )
    acts["per_case"] = acts["n"] / out["cases"]
    out["activities"] = acts
    # utilisation: working time inside the role's calendar / (headcount x calendar hours)
    if "role" not in ev:
        roles = role_of_resource(model)
        ev["role"] = ev["resource"].map(roles).fillna("")
    t0, t1 = float(ev["start"].min()), float(ev["end"].max())
    util = {}
    for role, grp in ev[ev["role"] != ""].groupby("role"):
        cal = model.calendar_of(role)
        worked = (
            cal.cumulative_array(grp["end"].to_numpy())
            - cal.cumulative_array(grp["start"].to_numpy())
        ).sum()
        avail = model.roles[role].headcount * (cal.cumulative(t1) - cal.cumulative(t0))
        util[role] = float(worked / avail) if avail > 0 else math.nan
    out["util"] = util
    out["unassigned"] = float((ev["role"] == "").mean())
    return out


# --------------------------------------------------------------------------------- reports
def mean_se(values: list[float]) -> tuple[float, float]:
    a = np.asarray(values, dtype=float)
    if len(a) < 2:
        return float(a.mean()), math.nan
    return float(a.mean()), float(a.std(ddof=1) / math.sqrt(len(a)))


def flag(a: tuple[float, float], b: tuple[float, float]) -> str:
    """'*' when two replicated means differ by more than 3 standard errors and by more than 1 %."""
    se = math.sqrt(
        (a[1] if not math.isnan(a[1]) else 0) ** 2 + (b[1] if not math.isnan(b[1]) else 0) ** 2
    )
    diff = abs(a[0] - b[0])
    return "*" if diff > 3 * se and diff > 0.01 * max(abs(a[0]), abs(b[0])) else ""


def fmt(x: float, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.{digits}g}"


def run_model(key: str, reps: int, lines: list[str]) -> dict:
    base = DATA / MODELS[key]
    bpmn, params, log = (
        base.with_suffix(".bpmn"),
        base.with_suffix(".json"),
        base.with_suffix(".csv.gz"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BpmnImportWarning)
        t0 = time.perf_counter()
        model = load_bpmn(bpmn, params_path=params)
        import_s = time.perf_counter() - t0
    graph = read_bpmn(bpmn)
    names = {
        s.name: _norm(graph.nodes[s.provenance["bpmn_id"]].name or s.name)
        for s in model.steps.values()
    }
    exported = save_bpmn(model, WORK / "export" / f"{key}.bpmn", overwrite=True)
    log_ev = original_log(log)
    n = int(log_ev["case"].nunique())
    res: dict = {
        "ours": [],
        "prosimos": [],
        "export": [],
        "speed_ours": [],
        "speed_pros": [],
        "setup_pros": [],
    }
    for r in range(reps):
        seed = 1000 + r
        ev_o, dt_o = ours(model, n, seed, names)
        res["ours"].append(kpis(ev_o, model))
        res["speed_ours"].append(n / dt_o)
        ev_p, tm = prosimos(bpmn, params, n, seed, WORK / f"{key}_prosimos_{r}.csv")
        res["prosimos"].append(kpis(ev_p, model))
        res["speed_pros"].append(n / tm["simulate_s"])
        res["setup_pros"].append(tm["setup_s"])
        ev_x, _ = prosimos(exported.bpmn, exported.params, n, seed, WORK / f"{key}_export_{r}.csv")
        res["export"].append(kpis(ev_x, model))
    res["log"] = kpis(log_ev, model)
    res["import_s"] = import_s
    res["n"] = n
    report(key, model, res, lines)
    return res


def report(key: str, model: ProcessModel, res: dict, lines: list[str]) -> None:
    o, p, x, lg = res["ours"], res["prosimos"], res["export"], res["log"]
    lines.append(f"\n### {key} ({model.name}): {res['n']} cases, {len(o)} replications each\n")
    lines.append("| KPI (hours unless said) | ours | Prosimos | Prosimos on our export | log |")
    lines.append("|---|---|---|---|---|")
    for k, label in (
        ("per_day", "cases arriving per day with arrivals (log: first starts)"),
        ("ct_mean", "mean cycle time (from arrival)"),
        ("ct_p90", "p90 cycle time (from arrival)"),
        ("ct_start_mean", "mean cycle time (from first start)"),
        ("ct_start_p90", "p90 cycle time (from first start)"),
    ):
        a = mean_se([d[k] for d in o])
        b = mean_se([d[k] for d in p])
        c = mean_se([d[k] for d in x])
        logv = lg.get(k, math.nan)
        lines.append(
            f"| {label} | {fmt(a[0])} ± {fmt(a[1], 2)}{flag(a, b)} | {fmt(b[0])} ± {fmt(b[1], 2)} | "
            f"{fmt(c[0])}{flag(c, b)} | {fmt(logv)} |"
        )
    lines.append(
        "\n| activity | per case (ours / Prosimos / log) | processing h (ours / Prosimos / log) | waiting h (ours / Prosimos) | waiting, estimated from start/end (ours / Prosimos / log) |"
    )
    lines.append("|---|---|---|---|---|")
    acts = sorted(
        set().union(*(d["activities"].index for d in o + p)) | set(lg["activities"].index)
    )

    def col(ds: list[dict], a: str, c: str) -> tuple[float, float]:
        vals = [d["activities"].loc[a, c] if a in d["activities"].index else 0.0 for d in ds]
        return mean_se(vals)

    for a in acts:
        la = lg["activities"]
        lv = {
            c: (la.loc[a, c] if a in la.index else math.nan)
            for c in ("per_case", "proc", "wait_est")
        }
        pc_o, pc_p = col(o, a, "per_case"), col(p, a, "per_case")
        pr_o, pr_p = col(o, a, "proc"), col(p, a, "proc")
        w_o, w_p = col(o, a, "wait"), col(p, a, "wait")
        e_o, e_p = col(o, a, "wait_est"), col(p, a, "wait_est")
        lines.append(
            f"| {a} | {fmt(pc_o[0])}{flag(pc_o, pc_p)} / {fmt(pc_p[0])} / {fmt(lv['per_case'])} | "
            f"{fmt(pr_o[0])}{flag(pr_o, pr_p)} / {fmt(pr_p[0])} / {fmt(lv['proc'])} | "
            f"{fmt(w_o[0])}{flag(w_o, w_p)} / {fmt(w_p[0])} | "
            f"{fmt(e_o[0])}{flag(e_o, e_p)} / {fmt(e_p[0])} / {fmt(lv['wait_est'])} |"
        )
    lines.append("\n| role | utilisation ours | Prosimos | log |")
    lines.append("|---|---|---|---|")
    for role in model.roles:
        a = mean_se([d["util"].get(role, math.nan) for d in o])
        b = mean_se([d["util"].get(role, math.nan) for d in p])
        lines.append(
            f"| {role} | {fmt(a[0])}{flag(a, b)} | {fmt(b[0])} | {fmt(lg['util'].get(role, math.nan))} |"
        )
    if lg["unassigned"] > 0:
        lines.append(f"\n(log events without a known resource: {lg['unassigned']:.1%})")
    so, sp = np.mean(res["speed_ours"]), np.mean(res["speed_pros"])
    lines.append(
        f"\nspeed: ours {so:,.0f} cases/s, Prosimos {sp:,.0f} cases/s (simulation only; "
        f"Prosimos setup {np.mean(res['setup_pros']):.2f} s, our import {res['import_s']:.2f} s): "
        f"**{so / sp:.1f}x**"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--models", default=",".join(MODELS))
    args = ap.parse_args()
    if not VENV_PY.exists():
        sys.exit(f"Prosimos venv missing: {VENV_PY} (see README.md)")
    WORK.mkdir(exist_ok=True)
    lines: list[str] = ["## Results", f"(generated by crosscheck.py --reps {args.reps})"]
    speed = []
    for key in args.models.split(","):
        t0 = time.perf_counter()
        res = run_model(key, args.reps, lines)
        speed.append((key, res["n"], np.mean(res["speed_ours"]), np.mean(res["speed_pros"])))
        print(f"{key}: done in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    lines.append("\n### Speed (cases per second, simulation only, same run)\n")
    lines.append("| model | cases | ours | Prosimos | ratio |")
    lines.append("|---|---|---|---|---|")
    for key, n, so, sp in speed:
        lines.append(f"| {key} | {n} | {so:,.0f} | {sp:,.0f} | {so / sp:.1f}x |")
    text = "\n".join(lines) + "\n"
    (HERE / "summary.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
