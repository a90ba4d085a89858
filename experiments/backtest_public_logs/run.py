"""Calibrate + back-test every public log that has start and end times and resources.

    python experiments/backtest_public_logs/run.py            # all logs, writes results.json/.md
    python experiments/backtest_public_logs/run.py --only synth_pharmacy --replications 2

Each log runs in a fresh subprocess so that its peak memory (ru_maxrss) is its own. For the
synthetic logs, the recovered parameters are compared with the generating Prosimos model
(.bpmn + .json in the same folder): headcounts per resource profile, activity duration means,
and the probabilities of exclusive gateways that go straight from one task to the next.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DATA = Path(os.environ.get("SIM_SHARED_DATA", REPO.parent / "shared" / "data"))

LOGS = {
    "bpic2012_w": ("bpic2012_w/BPIC_2012_W_train.csv.gz", "bpic2012_w/BPIC_2012_W_test.csv.gz"),
    "synth_loan_application": ("synth_loan_application/Loan_Application.csv.gz", None),
    "synth_insurance_claims": ("synth_insurance_claims/Insurance_Claims.csv.gz", None),
    "synth_procure_to_pay": ("synth_procure_to_pay/Procure_to_Pay.csv.gz", None),
    "synth_pharmacy": ("synth_pharmacy/Pharmacy.csv.gz", None),
    "synth_purchasing_example": ("synth_purchasing_example/PurchasingExample.csv.gz", None),
}
# logs left out, and why
SKIPPED = {
    "bpic2012_full": "start times for W_ work items only (43 %); A_/O_ events are instants",
    "helpdesk": "no start times",
    "bpic2013_incidents": "status changes, no start times",
    "receipt": "no start times",
}


# ------------------------------------------------------------------------- ground truth
def _prosimos_truth(folder: Path) -> dict | None:
    jsons = list(folder.glob("*.json"))
    bpmns = list(folder.glob("*.bpmn"))
    if not jsons or not bpmns:
        return None
    import defusedxml.ElementTree as ET

    params = json.loads(jsons[0].read_text())
    root = ET.parse(bpmns[0]).getroot()

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    nodes, flows = {}, {}
    for el in root.iter():
        t = local(el.tag)
        if t in (
            "task",
            "startEvent",
            "endEvent",
            "exclusiveGateway",
            "parallelGateway",
            "inclusiveGateway",
            "intermediateCatchEvent",
        ):
            nodes[el.get("id")] = (t, el.get("name"))
        if t == "sequenceFlow":
            flows[el.get("id")] = (el.get("sourceRef"), el.get("targetRef"))
    names = {i: n for i, (t, n) in nodes.items() if t == "task"}

    def mean_of(d):
        name = d["distribution_name"]
        p = [float(x["value"]) for x in d["distribution_params"]]
        if name == "fix":
            return p[0]
        if name == "uniform":
            return (p[0] + p[1]) / 2
        return p[0]  # expon / norm / lognorm / gamma: the first parameter is the mean

    durations = {}
    for t in params["task_resource_distribution"]:
        ms = [mean_of(r) for r in t["resources"]]
        if t["task_id"] in names and ms:
            durations[names[t["task_id"]]] = sum(ms) / len(ms) / 3600.0
    headcount = {}
    for prof in params["resource_profiles"]:
        headcount[prof["name"]] = sum(int(r["amount"]) for r in prof["resource_list"])
    branches = []  # (from task, to task, probability)
    for g in params["gateway_branching_probabilities"]:
        gid = g["gateway_id"]
        if nodes.get(gid, ("",))[0] != "exclusiveGateway":
            continue
        inc = [s for s, (a, b) in flows.items() if b == gid]
        srcs = [flows[f][0] for f in inc]
        if len(srcs) != 1 or srcs[0] not in names:
            continue
        for pr in g["probabilities"]:
            tgt = flows.get(pr["path_id"], (None, None))[1]
            if tgt in names:
                branches.append((names[srcs[0]], names[tgt], float(pr["value"])))
    return {"durations_h": durations, "headcount": headcount, "branches": branches}


TIMESTAMP_RESOLUTION_H = 0.001 / 3600.0  # the synthetic logs' timestamps are in milliseconds


def _wilson(k, n, z=1.959964):
    if n == 0:
        return 0.0, 1.0
    p = k / n
    den = 1 + z * z / n
    c = (p + z * z / (2 * n)) / den
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return c - h, c + h


def _compare_truth(cal, truth: dict) -> dict:

    m = cal.model
    out: dict = {}
    # headcounts: the role whose members carry the profile's name
    hc = {}
    for prof, n in truth["headcount"].items():
        found = [
            r.headcount
            for r in m.roles.values()
            if r.members and all(x.rsplit("_", 1)[0] == prof for x in r.members)
        ]
        hc[prof] = {"true": n, "calibrated": found[0] if len(found) == 1 else found}
    out["headcount"] = hc
    out["headcount_equal"] = sum(1 for v in hc.values() if v["true"] == v["calibrated"])
    out["headcount_total"] = len(hc)
    # duration means: within the 95 % CI of the processing times behind the fit
    w = cal.waiting
    act_col = "log_activity" if "log_activity" in w.columns else "activity"
    dur = {}
    for act, true_mean in truth["durations_h"].items():
        x = w.loc[w[act_col] == act, "processing"].to_numpy()
        if act not in m.steps or x.size < 2:
            continue
        d = m.steps[act].duration
        est = d.mean()
        # the calibrator's interval of the mean (t, or Cox's for a lognormal: a skewed sample's
        # t-interval is too narrow); a fixed duration has none: its mean is known to the
        # timestamps' resolution
        lo, hi = (d.provenance or {}).get("mean_ci95") or (est, est)
        lo, hi = lo - TIMESTAMP_RESOLUTION_H, hi + TIMESTAMP_RESOLUTION_H
        dur[act] = {
            "true": round(true_mean, 4),
            "calibrated": round(est, 4),
            "ci95": [float(f"{lo:.4g}"), float(f"{hi:.4g}")],
            "fixed": "mean_ci95" not in (d.provenance or {}),
            "within_ci": bool(lo <= true_mean <= hi),
        }
    out["durations"] = dur
    out["durations_within_ci"] = sum(v["within_ci"] for v in dur.values())
    # a fixed duration is recovered to the timestamps' resolution or not at all: counted apart
    random = [v for v in dur.values() if not v["fixed"]]
    out["random_durations_within_ci"] = sum(v["within_ci"] for v in random)
    out["random_durations_total"] = len(random)
    out["durations_total"] = len(dur)
    # branch probabilities of task -> XOR -> task gateways
    br = []
    for src, tgt, p in truth["branches"]:
        d = m.decisions.get(f"after:{src}")
        if d is None:
            br.append({"from": src, "to": tgt, "true": p, "calibrated": None})
            continue
        n = d.provenance["n"]
        probs = {b.to.removeprefix("delay:"): b.probability for b in d.branches}
        q = probs.get(tgt, 0.0)
        lo, hi = _wilson(round(q * n), n)
        br.append(
            {
                "from": src,
                "to": tgt,
                "true": p,
                "calibrated": round(q, 4),
                "n": n,
                "within_ci": lo <= p <= hi,
            }
        )
    out["branches"] = br
    out["branches_within_ci"] = sum(1 for b in br if b.get("within_ci"))
    out["branches_total"] = len(br)
    return out


# ------------------------------------------------------------------------------- one log
def run_one(name: str, replications: int, seed: int) -> dict:
    from sim.calibrate import calibrate_model
    from sim.calibrate.backtest import backtest
    from sim.eventlog import read_event_log, split_by_time

    train_path, test_path = LOGS[name]
    t0 = time.perf_counter()
    log = read_event_log(DATA / train_path)
    if test_path:
        train, test = log, read_event_log(DATA / test_path)
    else:
        train, test = split_by_time(log, train_fraction=0.8)
    t_read = time.perf_counter() - t0
    t = time.perf_counter()
    cal = calibrate_model(train, seed=seed)
    t_cal = time.perf_counter() - t
    # the full log too (the < 60 s target is for the whole 8,616-case BPIC 2012 W)
    t = time.perf_counter()
    full_cases = log.n_cases
    if name == "bpic2012_w":
        full = read_event_log(DATA / "bpic2012_w/BPIC_2012_W.csv.gz")
        t = time.perf_counter()
        calibrate_model(full, seed=seed)
        full_cases = full.n_cases
    t_full = time.perf_counter() - t
    t = time.perf_counter()
    res = backtest(cal.model, train, test, replications=replications, seed=seed)
    t_bt = time.perf_counter() - t
    out = {
        "log": name,
        "cases_train": train.n_cases,
        "cases_test": test.n_cases,
        "seconds_read": round(t_read, 2),
        "seconds_calibrate_train": round(t_cal, 2),
        "cases_full": full_cases,
        "seconds_calibrate_full": round(t_full, 2),
        "seconds_backtest": round(t_bt, 2),
        "calibration": cal.summary(),
        "backtest": res.to_dict(),
    }
    # only a synthetic log's model generated it; bpic2012_w's .bpmn/.json were discovered from
    # the log by another tool, so agreeing with them is no recovery of a truth
    truth = _prosimos_truth((DATA / train_path).parent) if name.startswith("synth_") else None
    if truth is not None:
        out["ground_truth"] = _compare_truth(cal, truth)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def _m(section: dict, key: str):
    v = section.get(key)
    return v.get("mean") if isinstance(v, dict) else v


def _fmt(x, pct=False, nd=3):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if isinstance(x, str):
        return "n/a"
    return f"{x * 100:+.1f} %" if pct else f"{x:.{nd}g}"


def table(results: list[dict]) -> str:
    head = (
        "| log | cases train/test | calibrate s (full log) | peak MB | mean CT test h | "
        "CT mean err model / naive | CT p90 err model / naive | CT Wasserstein h model / naive | "
        "CT EMD model / naive | n-gram model / naive | outcome TVD model / naive | "
        "recovered (headcount, durations, branches in CI) |"
    )
    sep = "|" + "---|" * 12
    rows = [head, sep]
    for r in results:
        if "error" in r:
            rows.append(f"| {r['log']} | error: {r['error'][:80]} |" + " |" * 10)
            continue
        bt = r["backtest"]
        mo, ba = bt["model"], bt.get("baseline", {})
        md, bd = mo.get("distances", {}), ba.get("distances", {})
        gt = r.get("ground_truth")
        rec = (
            "-"
            if gt is None
            else (
                f"{gt['headcount_equal']}/{gt['headcount_total']}, "
                f"{gt['durations_within_ci']}/{gt['durations_total']} "
                f"({gt['random_durations_within_ci']}/{gt['random_durations_total']} not fixed), "
                f"{gt['branches_within_ci']}/{gt['branches_total']}"
            )
        )
        full = ""  # the whole log is calibrated separately only where it has more cases
        if r["cases_full"] > r["cases_train"] + r["cases_test"]:
            full = f" ({r['seconds_calibrate_full']} for {r['cases_full']})"
        rows.append(
            f"| {r['log']} | {r['cases_train']}/{r['cases_test']} | "
            f"{r['seconds_calibrate_train']}{full} | "
            f"{r['peak_rss_mb']} | {_fmt(bt['test']['kpis'].get('cycle_time_mean'))} | "
            f"{_fmt(_m(mo, 'cycle_time_mean_relerr'), True)} / {_fmt(_m(ba, 'cycle_time_mean_relerr'), True)} | "
            f"{_fmt(_m(mo, 'cycle_time_p90_relerr'), True)} / {_fmt(_m(ba, 'cycle_time_p90_relerr'), True)} | "
            f"{_fmt(_m(mo, 'cycle_time_wasserstein_h'))} / {_fmt(_m(ba, 'cycle_time_wasserstein_h'))} | "
            f"{_fmt(_m(md, 'cycle_time_emd'))} / {_fmt(_m(bd, 'cycle_time_emd'))} | "
            f"{_fmt(_m(md, 'ngram_3'))} / {_fmt(_m(bd, 'ngram_3'))} | "
            f"{_fmt(_m(mo, 'outcome_share_tvd'))} / {_fmt(_m(ba, 'outcome_share_tvd'))} | {rec} |"
        )
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default=None)
    ap.add_argument("--replications", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=str(HERE))
    ap.add_argument(
        "--preview-warmup-rate",
        action="store_true",
        help="emulate the proposed Scenario.warmup_arrival_scale (engine_preview.py); "
        "writes results_preview*.json/.md",
    )
    args = ap.parse_args()
    if args.one:
        if args.preview_warmup_rate:
            import engine_preview

            engine_preview.enable()
        try:
            res = run_one(args.one, args.replications, args.seed)
        except Exception as exc:  # record and go on with the other logs
            res = {"log": args.one, "error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(res))
        return
    names = [args.only] if args.only else list(LOGS)
    results = []
    for name in names:
        print(f"--- {name}", file=sys.stderr, flush=True)
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                name,
                "--replications",
                str(args.replications),
                "--seed",
                str(args.seed),
                *(["--preview-warmup-rate"] if args.preview_warmup_rate else []),
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        results.append(
            json.loads(lines[-1])
            if lines
            else {"log": name, "error": proc.stderr.strip().splitlines()[-1:]}
        )
    out = Path(args.out)
    suffix = ("_preview" if args.preview_warmup_rate else "") + (
        f"_{args.only}" if args.only else ""
    )
    (out / f"results{suffix}.json").write_text(
        json.dumps({"results": results, "skipped": SKIPPED}, indent=1, default=str)
    )
    md = table(results)
    (out / f"results{suffix}.md").write_text(md + "\n")
    print(md)


if __name__ == "__main__":
    main()
