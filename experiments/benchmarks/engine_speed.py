"""Engine speed benchmark (issue 2, "Speed"). A script, not a test.

Question: what does the generality of ``sim.engine`` cost next to a minimal hand-written SimPy
script of the same model, and do parallel replications pay off on two cores?

It measures, in one run:

* **tandem**: a line of 10 M/M/1 stations (24/7, utilisation 0.8 each, 100,000 cases) built with
  ``sim.model.from_dict`` and simulated by our engine, next to a minimal SimPy script of the same
  line (each station a ``simpy.Resource(capacity=1)``, numpy ``Generator`` draws), plus, for
  information, the same minimal script with its random numbers drawn up front in arrays;
* **crm**: the bundled CRM model (``configs/process/crm_sales.yaml``);
* **parallel**: 20 replications with ``run_replications(workers=1)`` and ``workers=2``;
* **callgrind** (optional, ``--callgrind``): instructions per case of our engine and of the
  minimal script under ``valgrind --tool=callgrind`` (repeatable on a noisy machine).

What is counted. *SimPy events* = events the SimPy environment processed (popped from its event
queue: ``next(env._eid) - len(env._queue)`` after the run, no cost during the run). Both sides
are measured with that same definition; on the tandem line the minimal script processes 33
events per case, our engine fewer (a request that finds the station free costs it no event), so
the cases/s ratio, the same simulated work, is reported beside the events/s ratio.
*Activities* = activity instances executed (one per case and station: 10 per tandem case; the
trace's rows for our engine). Timings are wall-clock (``time.perf_counter``) and CPU
(``time.process_time``) of the whole call: for our engine ``run_replication`` including model
set-up and the trace arrays it returns; for the minimal script building and running its
environment. Runs of the two sides are interleaved and repeated; the ratio uses the best of the
repeats (the run least disturbed by other processes) and, second, the median.

    python experiments/benchmarks/engine_speed.py              # everything, ~4 min
    python experiments/benchmarks/engine_speed.py --only tandem --repeat 5
    python experiments/benchmarks/engine_speed.py --callgrind  # adds instruction counts, ~5 min

``--runner FILE`` benchmarks the ``Replication`` class of another copy of ``runner.py`` (how the
proposals in the README were measured).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import simpy

from sim.engine import replications as replications_mod
from sim.model import from_dict, load
from sim.model.scenario import Scenario

ROOT = Path(__file__).resolve().parents[2]
CRM = ROOT / "configs" / "process" / "crm_sales.yaml"

STATIONS = 10
MEAN_INTERARRIVAL = 1.0  # hours
MEAN_SERVICE = 0.8  # hours: utilisation 0.8 at every station


# ------------------------------------------------------------------------------------ models
def tandem_spec(stations: int = STATIONS) -> dict:
    """A line of ``stations`` M/M/1 stations, one role per station, 24/7."""
    names = [f"station_{i + 1}" for i in range(stations)]
    return {
        "schema_version": 1,
        "name": f"tandem_{stations}",
        "time_unit": "hours",
        "start": names[0],
        "arrivals": {"interarrival": {"dist": "exponential", "mean": MEAN_INTERARRIVAL}},
        "roles": {f"server_{i + 1}": {"headcount": 1} for i in range(stations)},
        "steps": {
            name: {
                "role": f"server_{i + 1}",
                "duration": {"dist": "exponential", "mean": MEAN_SERVICE},
                "next": names[i + 1] if i + 1 < stations else "done",
            }
            for i, name in enumerate(names)
        },
        "ends": {"done": {"success": True}},
    }


def tandem_scenario(cases: int, replications: int = 1) -> Scenario:
    """Exactly ``cases`` arrivals (the horizon is long enough), then drain until all finish."""
    days = cases * MEAN_INTERARRIVAL / 24.0 * 1.5 + 10.0
    return Scenario(
        horizon_days=days,
        warmup_days=0.0,
        replications=replications,
        max_cases=cases,
        drain=True,
        drain_days=60.0,
    )


def simpy_events(env: simpy.Environment) -> int:
    """Events the environment processed so far (scheduled minus still queued)."""
    return next(env._eid) - len(env._queue)  # noqa: SLF001  (SimPy 4 internals, read once)


def load_replication_class(path: str | None):
    """``Replication`` from ``sim.engine.runner`` or from another copy of that file."""
    if path is None:
        from sim.engine.runner import Replication

        return Replication
    spec = importlib.util.spec_from_file_location("_bench_runner", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Replication


# ----------------------------------------------------------------------------- the two sides
def run_ours(replication_cls, model, scenario: Scenario, seed: int) -> dict:
    """One replication of our engine, as ``run_replication`` does it."""
    w, c = time.perf_counter(), time.process_time()
    rep = replication_cls(model, scenario, seed=seed)
    trace = rep.run()
    c, w = time.process_time() - c, time.perf_counter() - w
    return {
        "wall": w,
        "cpu": c,
        "cases": trace.n_cases,
        "finished": int((trace.case_outcome >= 0).sum()),
        "activities": trace.n_events,
        "simpy_events": simpy_events(rep.env),
    }


def run_minimal(cases: int, stations: int, seed: int) -> dict:
    """The tandem line as a competent SimPy user writes it by hand."""
    w, c = time.perf_counter(), time.process_time()
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    servers = [simpy.Resource(env, capacity=1) for _ in range(stations)]
    done = []  # cycle time of each finished case

    def case(env):
        arrived = env.now
        for server in servers:
            with server.request() as req:
                yield req
                yield env.timeout(rng.exponential(MEAN_SERVICE))
        done.append(env.now - arrived)

    def source(env):
        for _ in range(cases):
            yield env.timeout(rng.exponential(MEAN_INTERARRIVAL))
            env.process(case(env))

    env.process(source(env))
    env.run()
    c, w = time.process_time() - c, time.perf_counter() - w
    return {
        "wall": w,
        "cpu": c,
        "cases": cases,
        "finished": len(done),
        "activities": len(done) * stations,
        "simpy_events": simpy_events(env),
    }


def run_minimal_predrawn(cases: int, stations: int, seed: int) -> dict:
    """The same script with every random number drawn up front (for information)."""
    w, c = time.perf_counter(), time.process_time()
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(MEAN_INTERARRIVAL, cases).tolist()
    services = rng.exponential(MEAN_SERVICE, (cases, stations)).tolist()
    servers = [simpy.Resource(env, capacity=1) for _ in range(stations)]
    done = []

    def case(env, times):
        arrived = env.now
        for server, d in zip(servers, times, strict=True):
            with server.request() as req:
                yield req
                yield env.timeout(d)
        done.append(env.now - arrived)

    def source(env):
        for gap, times in zip(gaps, services, strict=True):
            yield env.timeout(gap)
            env.process(case(env, times))

    env.process(source(env))
    env.run()
    c, w = time.process_time() - c, time.perf_counter() - w
    return {
        "wall": w,
        "cpu": c,
        "cases": cases,
        "finished": len(done),
        "activities": len(done) * stations,
        "simpy_events": simpy_events(env),
    }


# ---------------------------------------------------------------------------------- helpers
def summary(runs: list[dict]) -> dict:
    """Best and median of wall and CPU time, with the counts of the first run."""
    out = {k: runs[0][k] for k in ("cases", "finished", "activities", "simpy_events")}
    for key in ("wall", "cpu"):
        xs = [r[key] for r in runs]
        out[f"{key}_best"] = min(xs)
        out[f"{key}_median"] = statistics.median(xs)
        out[f"{key}_all"] = xs
    return out


def rate(s: dict, what: str, key: str = "wall_best") -> float:
    return s[what] / s[key]


def cpu_with_children() -> float:
    """CPU seconds of this process and of its finished (joined) child processes."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------- benchmarks
def bench_tandem(args, replication_cls) -> dict:
    model = from_dict(tandem_spec(args.stations))
    scenario = tandem_scenario(args.cases)
    sides = {
        "ours": lambda s: run_ours(replication_cls, model, scenario, s),
        "minimal": lambda s: run_minimal(args.cases, args.stations, s),
        "minimal_predrawn": lambda s: run_minimal_predrawn(args.cases, args.stations, s),
    }
    runs: dict[str, list[dict]] = {k: [] for k in sides}
    order = list(sides)
    for r in range(args.repeat):
        for name in order[r % len(order) :] + order[: r % len(order)]:  # rotate the order
            res = sides[name](args.seed + r)
            if res["finished"] != args.cases:
                raise SystemExit(f"{name}: {res['finished']} of {args.cases} cases finished")
            runs[name].append(res)
            log(f"tandem {name:16s} run {r + 1}: {res['wall']:.2f} s wall ({load_note()})")
    return {k: summary(v) for k, v in runs.items()}


def bench_crm(args, replication_cls) -> dict:
    model = load(CRM)
    out = {}
    settings = [(days, {}) for days in args.crm_days]
    # an understaffed what-if (as an optimiser explores): queues grow all year
    settings.append((max(args.crm_days), {"account_exec": 4}))
    for days, staffing in settings:
        scenario = Scenario(
            horizon_days=days, warmup_days=args.crm_warmup, replications=1, staffing=staffing
        )
        label = f"{days:g}" + "".join(f", {k}={v}" for k, v in staffing.items())
        runs = []
        for r in range(args.repeat):
            runs.append(run_ours(replication_cls, model, scenario, args.seed + r))
            log(f"crm {label} days run {r + 1}: {runs[-1]['wall']:.2f} s ({load_note()})")
        out[label] = summary(runs)
    return out


def bench_parallel(args) -> dict:
    jobs = {
        f"crm ({args.crm_warmup:g} + {days:g} days)": (
            load(CRM),
            Scenario(horizon_days=days, warmup_days=args.crm_warmup, replications=args.reps),
        )
        for days in args.par_crm_days
    }
    jobs |= {
        f"tandem ({args.par_cases:,} cases)": (
            from_dict(tandem_spec(args.stations)),
            tandem_scenario(args.par_cases, replications=args.reps),
        ),
    }
    out = {}
    for label, (model, scenario) in jobs.items():
        times: dict[int, list[float]] = {1: [], 2: []}
        cpus: dict[int, list[float]] = {1: [], 2: []}
        for r in range(args.par_repeat):
            for workers in (1, 2) if r % 2 == 0 else (2, 1):
                c0 = cpu_with_children()
                t = time.perf_counter()
                traces = replications_mod.run_replications(
                    model, scenario, seed=args.seed, workers=workers
                )
                times[workers].append(time.perf_counter() - t)
                cpus[workers].append(cpu_with_children() - c0)
                assert len(traces) == args.reps
                log(
                    f"{label} workers={workers}: {times[workers][-1]:.2f} s wall, "
                    f"{cpus[workers][-1]:.2f} s CPU ({load_note()})"
                )
        out[label] = {
            "workers1_best": min(times[1]),
            "workers2_best": min(times[2]),
            "workers1_median": statistics.median(times[1]),
            "workers2_median": statistics.median(times[2]),
            "speedup_best": min(times[1]) / min(times[2]),
            "speedup_median": statistics.median(times[1]) / statistics.median(times[2]),
            # what 2 idle cores would give if the 20 equal jobs split evenly: CPU-bound estimate
            "speedup_cpu_estimate": statistics.median(cpus[1]) / (statistics.median(cpus[2]) / 2),
            "cpu1_median": statistics.median(cpus[1]),
            "cpu2_median": statistics.median(cpus[2]),
            "all": times,
            "all_cpu": cpus,
        }
    return out


CALLGRIND_RE = re.compile(r"Collected\s*:\s*(\d+)")


def callgrind_instructions(side: str, size: float, args) -> tuple[int, dict]:
    """Instructions of one ``--one`` run under callgrind, and that run's counts."""
    cmd = [sys.executable, __file__, "--one", side, "--stations", str(args.stations)]
    cmd += ["--crm-days", str(size)] if side == "crm" else ["--cases", str(int(size))]
    if args.runner:
        cmd += ["--runner", args.runner]
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    if shutil.which("setarch"):  # no address-space randomisation: repeatable counts
        valgrind = ["setarch", platform.machine(), "-R", *valgrind]
    env = os.environ | {"PYTHONHASHSEED": "0"}
    proc = subprocess.run(valgrind + cmd, capture_output=True, text=True, check=True, env=env)
    return int(CALLGRIND_RE.findall(proc.stderr)[-1]), json.loads(proc.stdout)


def bench_callgrind(args) -> dict:
    """Instructions per case: the slope between two sizes (start-up and imports cancel out)."""
    sizes = {side: args.callgrind_cases for side in ("ours", "minimal", "minimal_predrawn")}
    sizes["crm"] = args.callgrind_crm_days
    out = {}
    for side, (small, big) in sizes.items():
        (a, ra), (b, rb) = (callgrind_instructions(side, x, args) for x in (small, big))
        per_case = (b - a) / (rb["cases"] - ra["cases"])
        per_event = (b - a) / (rb["simpy_events"] - ra["simpy_events"])
        out[side] = {"per_case": per_case, "per_simpy_event": per_event, "small": a, "big": b}
        log(f"callgrind {side}: {per_case:,.0f} instructions per case")
    return out


def one(args) -> None:
    """A single run, for callgrind."""
    if args.one == "crm":
        scenario = Scenario(
            horizon_days=args.crm_days[0], warmup_days=args.crm_warmup, replications=1
        )
        res = run_ours(load_replication_class(args.runner), load(CRM), scenario, args.seed)
    elif args.one == "ours":
        model = from_dict(tandem_spec(args.stations))
        cls = load_replication_class(args.runner)
        res = run_ours(cls, model, tandem_scenario(args.cases), args.seed)
    elif args.one == "minimal":
        res = run_minimal(args.cases, args.stations, args.seed)
    else:
        res = run_minimal_predrawn(args.cases, args.stations, args.seed)
    print(json.dumps(res))


# ---------------------------------------------------------------------------------- report
def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SimPy {simpy.__version__}, numpy {np.__version__}, {platform.system()}"
    )


def report(res: dict, args) -> str:
    lines = [f"machine: {res['machine']}", ""]
    if "tandem" in res:
        t = res["tandem"]
        lines += [
            f"### Tandem line: {args.stations} M/M/1 stations, rho 0.8, {args.cases:,} cases, "
            f"best / median of {args.repeat}",
            "",
            "| engine | wall s (best / median) | CPU s (best) | cases/s | activities/s "
            "| SimPy events | SimPy events/s | events/s vs minimal (best / median) "
            "| cases/s vs minimal (best / median) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        base = t["minimal"]
        for name in ("ours", "minimal", "minimal_predrawn"):
            s = t[name]
            lines.append(
                f"| {name} | {s['wall_best']:.2f} / {s['wall_median']:.2f} | {s['cpu_best']:.2f} "
                f"| {rate(s, 'cases'):,.0f} | {rate(s, 'activities'):,.0f} "
                f"| {s['simpy_events']:,} | {rate(s, 'simpy_events'):,.0f} "
                f"| {rate(s, 'simpy_events') / rate(base, 'simpy_events'):.2f} / "
                f"{rate(s, 'simpy_events', 'wall_median') / rate(base, 'simpy_events', 'wall_median'):.2f} "  # noqa: E501
                f"| {rate(s, 'cases') / rate(base, 'cases'):.2f} / "
                f"{rate(s, 'cases', 'wall_median') / rate(base, 'cases', 'wall_median'):.2f} |"
            )
        ours, pre = t["ours"], t["minimal_predrawn"]
        lines += [
            "",
            f"OUR/MINIMAL events/s (wall, best of {args.repeat}): "
            f"**{rate(ours, 'simpy_events') / rate(base, 'simpy_events'):.2f}** "
            f"(CPU time: {base['cpu_best'] / ours['cpu_best']:.2f}; "
            f"vs the pre-drawn variant: {pre['wall_best'] / ours['wall_best']:.2f}); target >= 0.7",
            f"OUR/MINIMAL cases/s, the same simulated work (wall, best of {args.repeat}): "
            f"**{rate(ours, 'cases') / rate(base, 'cases'):.2f}**",
            "",
        ]
    if "crm" in res:
        lines += [
            f"### CRM model (crm_sales.yaml, warm-up {args.crm_warmup:g} days + horizon, drain), "
            f"best of {args.repeat}",
            "",
            "| horizon days, staffing | cases | wall s (best / median) | CPU s (best) | cases/s "
            "| activities/s | SimPy events/s |",
            "|---|---|---|---|---|---|---|",
        ]
        for days, s in res["crm"].items():
            lines.append(
                f"| {days} | {s['cases']:,} | {s['wall_best']:.2f} / {s['wall_median']:.2f} "
                f"| {s['cpu_best']:.2f} "
                f"| {rate(s, 'cases'):,.0f} | {rate(s, 'activities'):,.0f} "
                f"| {rate(s, 'simpy_events'):,.0f} |"
            )
        lines.append("")
    if "parallel" in res:
        lines += [
            f"### {args.reps} replications, run_replications workers=1 vs 2, best / median of "
            f"{args.par_repeat}",
            "",
            "| model | workers=1 wall s (best / median) | workers=2 wall s (best / median) "
            "| speed-up (best / median) | CPU s, parent + workers (median): 1 / 2 workers "
            "| CPU-bound estimate |",
            "|---|---|---|---|---|---|",
        ]
        for label, s in res["parallel"].items():
            lines.append(
                f"| {label} | {s['workers1_best']:.2f} / {s['workers1_median']:.2f} "
                f"| {s['workers2_best']:.2f} / {s['workers2_median']:.2f} "
                f"| **{s['speedup_best']:.2f}x** / {s['speedup_median']:.2f}x "
                f"| {s['cpu1_median']:.2f} / {s['cpu2_median']:.2f} "
                f"| {s['speedup_cpu_estimate']:.2f}x |"
            )
        lines += [
            "",
            "target >= 1.7x. CPU-bound estimate = CPU(1 worker) / (CPU(2 workers) / 2): the "
            "speed-up two idle cores would give, counting every overhead of the pool (fork, "
            "pickling) but no contention from other processes.",
            "",
        ]
    if "callgrind" in res:
        c = res["callgrind"]
        small, big = args.callgrind_cases
        d1, d2 = args.callgrind_crm_days
        lines += [
            "### Instructions (callgrind; slope between two sizes, so start-up cancels out)",
            "",
            "| run | instructions per case | per SimPy event | minimal / this (per case) |",
            "|---|---|---|---|",
        ]
        for name, s in c.items():
            label = (
                f"crm (horizon {d1:g} vs {d2:g} days)"
                if name == "crm"
                else f"tandem {name} ({small:,} vs {big:,} cases)"
            )
            ratio = f"{c['minimal']['per_case'] / s['per_case']:.2f}" if name != "crm" else ""
            lines.append(
                f"| {label} | {s['per_case']:,.0f} | {s['per_simpy_event']:,.0f} | {ratio} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", choices=["tandem", "crm", "parallel", "callgrind"], action="append")
    p.add_argument("--cases", type=int, default=100_000, help="tandem cases (default 100,000)")
    p.add_argument("--stations", type=int, default=STATIONS)
    p.add_argument("--repeat", type=int, default=3, help="runs per side (default 3)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--crm-days", type=float, nargs="+", default=[42.0, 365.0])
    p.add_argument("--crm-warmup", type=float, default=14.0, help="days (configs/scenario)")
    p.add_argument("--reps", type=int, default=20, help="replications for the parallel test")
    p.add_argument("--par-repeat", type=int, default=3)
    p.add_argument("--par-crm-days", type=float, nargs="+", default=[42.0, 365.0])
    p.add_argument("--par-cases", type=int, default=10_000)
    p.add_argument("--callgrind", action="store_true", help="also count instructions")
    p.add_argument("--callgrind-cases", type=int, nargs=2, default=[1_000, 3_000])
    p.add_argument("--callgrind-crm-days", type=float, nargs=2, default=[28.0, 182.0])
    p.add_argument("--runner", help="path to another copy of sim/engine/runner.py")
    p.add_argument("--json", help="write the raw results here")
    p.add_argument(
        "--one", choices=["ours", "minimal", "minimal_predrawn", "crm"], help=argparse.SUPPRESS
    )
    args = p.parse_args(argv)
    if args.one:
        one(args)
        return
    cls = load_replication_class(args.runner)
    todo = args.only or ["tandem", "crm", "parallel"] + (["callgrind"] if args.callgrind else [])
    res: dict = {"machine": machine(), "argv": sys.argv[1:], "runner": args.runner}
    # parallel first, while this process is small: forking it after the 100,000-case tandem
    # runs costs the workers about 35 % more CPU (see the README)
    if "parallel" in todo:
        if args.runner:
            log("note: --runner does not apply to the parallel test (workers import sim.engine)")
        res["parallel"] = bench_parallel(args)
    if "tandem" in todo:
        res["tandem"] = bench_tandem(args, cls)
    if "crm" in todo:
        res["crm"] = bench_crm(args, cls)
    if "callgrind" in todo:
        if shutil.which("valgrind") is None:
            raise SystemExit("--callgrind needs valgrind on the PATH")
        res["callgrind"] = bench_callgrind(args)
    text = report(res, args)
    print(text)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
