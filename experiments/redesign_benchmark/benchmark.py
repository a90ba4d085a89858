"""Redesign search benchmark (issue 4, "Quality bars"). A script, not a test.

Question: does the Optuna search of ``sim.optimize`` find the best redesign of a process whose
best redesign is known, with far fewer simulations than trying everything, and more often than
random search with the same budget?

1. **Ground truth** (``exhaustive``): every valid redesign of ``space.yaml`` applied to
   ``model.yaml`` (a claims process with planted improvements, traps and an interaction; see the
   README) is simulated with ``exhaustive_replications`` replications and the same seed (common
   random numbers, ``sim.optimize.Evaluator``). The true optimum is the feasible redesign (mean
   drop-off within the constraint) with the best mean objective. A redesign is *within the
   optimum's confidence interval* when it is feasible and its paired difference from the optimum
   over those replications is not significant (95 % t interval of the mean paired difference
   contains 0, ``sim.kpis.paired_comparison``). Results are cached in ``_work/``.
2. **Searches** (``search``): for each sampler (``configs/optimizer/<name>.yaml``, or a variant
   in ``optimizers/``: sampler, replications per trial, early stop) and each seed, a search with
   a budget of ``floor(budget_fraction x number of valid redesigns)``: ``--budget-unit trials``
   runs ``sim.optimize.run_search`` with that ``n_trials`` (as ``python -m sim optimize`` does);
   ``--budget-unit redesigns`` runs the same objective until that many distinct redesigns were
   simulated (duplicate and refused trials cost no simulation, so they do not count). Then
   ``sim.optimize.select_candidates`` picks the search's answer (its rank-1 redesign, the one
   ``recommendations.md`` would put first). Recorded per run: the answer is the optimum / within
   its CI, the true objective of the answer minus the optimum's (regret), distinct redesigns
   simulated (baseline included), replications simulated (``Evaluator.simulations``), duplicate,
   refused and early-stopped trials, and whether the optimum was simulated at all.

Writes ``exhaustive.csv`` and ``truth.md`` (ground truth), ``results_per_seed_<label>.csv``,
``results_summary_<label>.csv`` and ``results_<label>.md`` (label: ``--label``, default the budget
unit) into ``--out-dir`` (default: ``results/``). Usage, from the repository root::

    python experiments/redesign_benchmark/benchmark.py            # everything (cached reruns)
    python experiments/redesign_benchmark/benchmark.py exhaustive # ground truth only
    python experiments/redesign_benchmark/benchmark.py --budget-unit redesigns
    python experiments/redesign_benchmark/benchmark.py --samplers tpe --seeds 3 --trials 60

The exact commands behind the README's numbers are in the README.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
import yaml
from optuna.trial import FrozenTrial, TrialState

from sim.errors import RedesignRefused
from sim.kpis import paired_comparison
from sim.model import ProcessModel, load, to_dict
from sim.model.scenario import Scenario
from sim.optimize import (
    Constraint,
    Evaluator,
    Objective,
    SamplerSpec,
    SearchJob,
    SearchSettings,
    parse_constraints,
    parse_objectives,
    run_search,
    select_candidates,
)
from sim.optimize.evaluate import objective_values
from sim.optimize.objectives import derived_value
from sim.optimize.study import RedesignObjective, Refused, _open
from sim.redesign import SearchSpace

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
KEPT = (  # KPI columns kept in the exhaustive cache
    "cycle_time_mean",
    "cycle_time_p90",
    "dropoff_rate",
    "cost_per_case",
    "throughput_per_week",
)


# ----------------------------------------------------------------------------------- setup
@dataclass(frozen=True)
class Bench:
    """The benchmark's model, space, scenario, objective and settings."""

    model: ProcessModel
    space: SearchSpace
    scenario: Scenario
    objective: Objective
    constraints: tuple[Constraint, ...]
    seed: int
    replications: int
    samplers: tuple[str, ...]
    budget_fraction: float
    search_seeds: int
    search_seed_offset: int
    trials: int | None  # None: budget_fraction x valid redesigns
    space_config: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        """What defines the simulated ground truth (model, space, scenario, seed)."""
        parts = [to_dict(self.model), self.space_config, self.scenario.to_dict(), self.seed]
        text = json.dumps(parts, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def question(self) -> str:
        """The ground truth plus what the searches optimise (objective, constraints)."""
        parts = [self.fingerprint, self.objective.__dict__, [c.__dict__ for c in self.constraints]]
        text = json.dumps(parts, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def load_bench(args: argparse.Namespace) -> Bench:
    cfg = yaml.safe_load((HERE / "settings.yaml").read_text(encoding="utf-8"))
    model = load(HERE / cfg["model"])
    space_path = Path(args.space) if args.space else HERE / cfg["space"]
    space_cfg = yaml.safe_load(space_path.read_text(encoding="utf-8"))
    space = SearchSpace.from_dict(space_cfg, model)
    scen = dict(cfg["scenario"])
    if args.horizon_days is not None:
        scen["horizon_days"] = args.horizon_days
    if args.warmup_days is not None:
        scen["warmup_days"] = args.warmup_days
    (objective,) = parse_objectives([cfg["objective"]], key="settings.objective")
    return Bench(
        model=model,
        space=space,
        scenario=Scenario.from_dict(scen),
        objective=objective,
        constraints=parse_constraints(cfg.get("constraints"), key="settings.constraints"),
        seed=int(cfg["seed"]),
        replications=int(args.replications or cfg["exhaustive_replications"]),
        samplers=tuple(args.samplers.split(",") if args.samplers else cfg["samplers"]),
        budget_fraction=float(args.budget_fraction or cfg["budget_fraction"]),
        search_seeds=int(args.seeds or cfg["search_seeds"]),
        search_seed_offset=int(cfg["search_seed_offset"]),
        trials=args.trials,
        space_config=space_cfg,
    )


def key_of(space: SearchSpace, choice: dict[str, Any]) -> str:
    """The same canonical key as ``Evaluator.key`` (the active changes)."""
    return json.dumps(space.active(choice), sort_keys=True, default=str)


def short(active: dict[str, Any]) -> str:
    """A redesign in a few words: ``remove:re_key, staffing:analyst=5``."""
    parts = [k if v is True else f"{k}={v:g}" for k, v in active.items()]
    return ", ".join(parts) or "(baseline)"


def valid_redesigns(bench: Bench) -> dict[str, dict[str, Any]]:
    """Every valid, distinct redesign of the space (baseline first): key -> full choice."""
    space = bench.space
    names = [v.name for v in space.variables]
    out: dict[str, dict[str, Any]] = {}
    for values in itertools.product(*(v.values() for v in space.variables)):
        choice = dict(zip(names, values, strict=True))
        try:
            space.apply(bench.model, choice)
        except RedesignRefused:
            continue
        out.setdefault(key_of(space, choice), choice)
    base = key_of(space, {})
    return {base: out.pop(base)} | out


# ------------------------------------------------------------------------------ exhaustive
def exhaustive(bench: Bench, work: Path, *, workers: int, quiet: bool = False) -> pd.DataFrame:
    """KPIs of ``bench.replications`` replications of every valid redesign (cached)."""
    designs = valid_redesigns(bench)
    cache = work / f"exhaustive_{bench.fingerprint}.parquet"
    have = pd.read_parquet(cache) if cache.exists() else pd.DataFrame()
    done = (
        have.groupby("key")["replication"].nunique().to_dict() if len(have) else {}
    )  # key -> replications
    todo = [k for k in designs if done.get(k, 0) < bench.replications]
    if todo:
        t0 = time.perf_counter()
        frames = [have] if len(have) else []
        with Evaluator(
            model=bench.model,
            space=bench.space,
            scenario=bench.scenario,
            seed=bench.seed,
            workers=workers,
        ) as ev:
            for i, k in enumerate(todo, start=1):
                if done.get(k):
                    old = have[have["key"] == k].drop(columns="key").sort_values("replication")
                    ev.seed_cache(designs[k], old)
                    frames = [f[f["key"] != k] if "key" in f else f for f in frames]
                table = ev.table(designs[k], bench.replications)
                util = [c for c in table.columns if c.startswith("utilisation:")]
                table = table.assign(utilisation_max=table[util].max(axis=1) if util else math.nan)
                cols = ["replication", *[c for c in KEPT if c in table], "utilisation_max"]
                frames.append(table[cols].assign(key=k))
                if i % 16 == 0 or i == len(todo):
                    pd.concat(frames, ignore_index=True).to_parquet(cache, index=False)
                    if not quiet:
                        print(
                            f"  exhaustive: {i}/{len(todo)} redesigns "
                            f"({time.perf_counter() - t0:.0f} s)",
                            flush=True,
                        )
        have = pd.read_parquet(cache)
    return have[have["key"].isin(designs)]


def ground_truth(bench: Bench, runs: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Per redesign: means, feasibility, rank, paired difference from the optimum and its CI."""
    designs = valid_redesigns(bench)
    o = bench.objective
    tables = {
        k: g.sort_values("replication").reset_index(drop=True) for k, g in runs.groupby("key")
    }
    rows = []
    for k, choice in designs.items():
        t = tables[k]
        means = {c: float(t[c].mean()) for c in t.columns if c not in ("key", "replication")}
        feasible = all(c.violation(derived_value(means, c.kpi)) <= 0 for c in bench.constraints)
        rows.append(
            {"key": k, **choice, **{f"mean:{c}": v for c, v in means.items()}, "feasible": feasible}
        )
    df = pd.DataFrame(rows)
    obj = f"mean:{o.kpi}"
    feas = df[df["feasible"]]
    if feas.empty:
        raise SystemExit("no redesign is feasible: the benchmark's constraint is too tight")
    best = feas.loc[(feas[obj] * o.sign).idxmin(), "key"]
    base_key = key_of(bench.space, {})
    changes, diffs, lows, highs, sig, bdiff, blow, bhigh = [], [], [], [], [], [], [], []
    for k in df["key"]:
        changes.append(short(bench.space.active(designs[k])))
        c = paired_comparison(tables[best], tables[k], [o.kpi]).loc[o.kpi]
        diffs.append(c["diff"] * o.sign)
        lows.append(min(c["ci_low"] * o.sign, c["ci_high"] * o.sign))
        highs.append(max(c["ci_low"] * o.sign, c["ci_high"] * o.sign))
        sig.append(bool(c["significant"]))
        b = paired_comparison(tables[base_key], tables[k], [o.kpi]).loc[o.kpi]
        bdiff.append(b["diff"])
        blow.append(b["ci_low"])
        bhigh.append(b["ci_high"])
    df["changes"] = changes
    df["worse_than_optimum"] = diffs
    df["worse_ci_low"] = lows
    df["worse_ci_high"] = highs
    df["within_optimum_ci"] = df["feasible"] & ((df["key"] == best) | ~np.array(sig))
    df["diff_vs_baseline"] = bdiff
    df["diff_vs_baseline_ci_low"] = blow
    df["diff_vs_baseline_ci_high"] = bhigh
    df["n_changes"] = [len(bench.space.active(designs[k])) for k in df["key"]]
    order = df.assign(_f=~df["feasible"], _v=df[obj] * o.sign).sort_values(["_f", "_v"]).index
    df.loc[order, "rank"] = np.arange(1, len(df) + 1)
    df["rank"] = df["rank"].astype(int)
    return df.sort_values("rank").reset_index(drop=True), best


# --------------------------------------------------------------------------------- search
def optimizer_path(name: str) -> Path:
    """``configs/optimizer/<name>.yaml``, else a variant in this folder's ``optimizers/``."""
    path = ROOT / "configs" / "optimizer" / f"{name}.yaml"
    return path if path.exists() else HERE / "optimizers" / f"{name}.yaml"


def optimizer_config(name: str, seed: int) -> tuple[SamplerSpec, dict[str, Any]]:
    """Sampler and search settings of an optimizer config (``${seed}`` filled in)."""
    cfg = yaml.safe_load(optimizer_path(name).read_text("utf-8"))
    sampler = {k: (seed if v == "${seed}" else v) for k, v in cfg["sampler"].items()}
    target = sampler.pop("_target_")
    return SamplerSpec(target, sampler), cfg


def search_run(bench: Bench, name: str, seed: int, budget: int, unit: str) -> dict[str, Any]:
    """One seeded search and its rank-1 answer.

    ``unit="trials"``: ``run_search`` with ``n_trials=budget``, as ``python -m sim optimize``
    runs it (duplicate and refused trials count). ``unit="redesigns"``: ``run_search`` with
    ``max_redesigns=budget`` (``optimizer.max_redesigns``): stopped once ``budget`` distinct
    redesigns (baseline included) were simulated. Variants with ``ignore`` (proposed changes to
    ``sim.optimize``) run through ``_search_distinct``.
    """
    sampler, cfg = optimizer_config(name, seed)
    sim_seed = bench.search_seed_offset + seed
    settings = SearchSettings(
        n_trials=budget if unit == "trials" else MAX_TRIALS,
        max_redesigns=None if unit == "trials" else budget,
        replications=int(cfg["replications"]),
        min_replications=int(cfg["min_replications"]),
        early_stop=bool(cfg["early_stop"]),
        study_name=f"{name}-{seed}",
        storage=None,
    )
    job = SearchJob(
        model=bench.model,
        space=bench.space,
        scenario=bench.scenario,
        seed=sim_seed,
        objectives=(bench.objective,),
        constraints=bench.constraints,
        settings=settings,
        sampler=sampler,
    )
    t0 = time.perf_counter()
    with Evaluator(
        model=bench.model, space=bench.space, scenario=bench.scenario, seed=sim_seed, workers=1
    ) as ev:
        if unit == "trials" and cfg.get("ignore"):
            raise SystemExit(f"{name}: 'ignore' needs --budget-unit redesigns")
        if cfg.get("ignore"):
            study = _search_distinct(job, ev, budget, ignore=tuple(cfg["ignore"]))
        else:  # what `python -m sim optimize` runs (optimizer.max_redesigns for "redesigns")
            study, _ = run_search(job, ev, progress=False)
        base = ev.means({}, settings.replications)
        cands = select_candidates(
            study,
            ev,
            (bench.objective,),
            top_k=3,
            baseline_values=objective_values(base, [bench.objective.kpi]),
        )
        simulations = ev.simulations
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    simulated = {t.user_attrs["key"] for t in complete if "duplicate_of" not in t.user_attrs}
    simulated.add(key_of(bench.space, {}))
    return {
        "sampler": name,
        "seed": seed,
        "trials": len(trials),
        "distinct_simulated": len(simulated),
        "simulations": simulations,
        "duplicates": sum("duplicate_of" in t.user_attrs for t in trials),
        "refused": sum("refused" in t.user_attrs for t in trials),
        "stopped_early": sum(bool(t.user_attrs.get("stopped_early")) for t in complete),
        "answer": key_of(bench.space, cands[0].choice) if cands else None,
        "answers_top3": [key_of(bench.space, c.choice) for c in cands],
        "simulated_keys": sorted(simulated),
        "seconds": round(time.perf_counter() - t0, 1),
    }


SEARCH_KEYS = ("replications", "min_replications", "early_stop", "ignore")
MAX_TRIALS = 2000  # safety cap of a search stopped by distinct redesigns


class Ignored(Exception):
    """Raised to turn a trial into FAIL, which Optuna's samplers leave out of their model."""


def _search_distinct(
    job: SearchJob, ev: Evaluator, budget: int, *, ignore: tuple[str, ...] = ()
) -> optuna.Study:
    """``run_search`` for one process, but stopped after ``budget`` distinct redesigns.

    Same study, sampler and ``RedesignObjective`` as ``sim.optimize.run_search``; only the stop
    rule differs: duplicate trials (a redesign the sampler proposed before, answered from the
    cache) and refused ones (over budget, conflicting) do not count. ``ignore`` tries proposed
    changes to ``sim.optimize``: ``"refused"`` makes a refused trial FAIL instead of PRUNED (TPE
    counts pruned trials among its bad ones, so budget refusals of ``analyst=5, ops=4`` also
    push it away from ``analyst=5``); ``"duplicates"`` makes a repeated redesign FAIL instead of
    COMPLETE (a copy of the incumbent otherwise enters TPE's good group once more).
    """
    study = _open(job)
    objective = RedesignObjective(
        evaluator=ev,
        objectives=job.objectives,
        constraints=job.constraints,
        settings=job.settings,
    )
    base = ev.key({})

    def func(trial: optuna.Trial) -> float | list[float]:
        try:
            value = objective(trial)
        except optuna.TrialPruned:
            if "refused" in ignore and "refused" in trial.user_attrs:
                raise Ignored(trial.user_attrs["refused"]) from None
            raise
        if "duplicates" in ignore and "duplicate_of" in trial.user_attrs:
            raise Ignored("duplicate")
        return value

    def remember(study: optuna.Study, trial: FrozenTrial) -> None:
        if trial.state == TrialState.COMPLETE and "key" in trial.user_attrs:
            objective.known.setdefault(trial.user_attrs["key"], trial)
        if len(set(objective.known) | {base}) >= budget:
            study.stop()

    # refused combinations are FAIL in sim.optimize now (what ignore=refused tried first)
    study.optimize(
        func, n_trials=job.settings.n_trials, callbacks=[remember], catch=(Ignored, Refused)
    )
    return study


def _search_job(args: tuple[argparse.Namespace, str, int, int, str]) -> dict[str, Any]:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    import warnings

    warnings.filterwarnings("ignore")
    ns, name, seed, budget, cache = args
    bench = load_bench(ns)
    out = search_run(bench, name, seed, budget, ns.budget_unit)
    Path(cache).write_text(json.dumps(out), encoding="utf-8")
    return out


def run_tag(bench: Bench, name: str, budget: int, unit: str) -> str:
    """What a cached search run depends on besides the question: settings the search reads."""
    _, cfg = optimizer_config(name, 0)
    used = {k: cfg.get(k) for k in ("sampler", *SEARCH_KEYS)}
    text = json.dumps([bench.search_seed_offset, budget, unit, used], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def searches(
    bench: Bench, ns: argparse.Namespace, work: Path, n_trials: int, *, workers: int
) -> list[dict[str, Any]]:
    """Every (sampler, seed) run, cached per run in ``_work/runs_<fingerprint>/``."""
    results, todo = [], []
    for name in bench.samplers:
        tag = run_tag(bench, name, n_trials, ns.budget_unit)
        folder = work / f"runs_{bench.question}" / f"{name}_{ns.budget_unit}{n_trials}_{tag}"
        folder.mkdir(parents=True, exist_ok=True)
        for seed in range(ns.seed_start, ns.seed_start + bench.search_seeds):
            cache = folder / f"seed{seed}.json"
            if cache.exists() and not ns.fresh:
                results.append(json.loads(cache.read_text("utf-8")))
            else:
                todo.append((ns, name, seed, n_trials, str(cache)))
    if todo:
        t0 = time.perf_counter()
        if workers == 1:
            done = map(_search_job, todo)
        else:
            pool = ProcessPoolExecutor(max_workers=workers)
            done = pool.map(_search_job, todo)
        for i, r in enumerate(done, start=1):
            results.append(r)
            print(
                f"  search {r['sampler']:>6s} seed {r['seed']}: {r['distinct_simulated']} "
                f"redesigns, {r['simulations']} replications ({i}/{len(todo)}, "
                f"{time.perf_counter() - t0:.0f} s)",
                flush=True,
            )
        if workers != 1:
            pool.shutdown()
    order = {n: i for i, n in enumerate(bench.samplers)}
    return sorted(results, key=lambda r: (order[r["sampler"]], r["seed"]))


# -------------------------------------------------------------------------------- results
def score(runs: list[dict[str, Any]], truth: pd.DataFrame, best: str) -> pd.DataFrame:
    """Per run: is the answer the optimum / within its CI, and its regret."""
    by_key = truth.set_index("key")
    o = f"mean:{truth.attrs['kpi']}"
    rows = []
    for r in runs:
        a = r["answer"]
        t = by_key.loc[a] if a is not None else None
        rows.append(
            {
                "sampler": r["sampler"],
                "seed": r["seed"],
                "found_optimum": a == best,
                "within_optimum_ci": bool(t is not None and t["within_optimum_ci"]),
                "answer_rank": int(t["rank"]) if t is not None else None,
                "answer_feasible": bool(t is not None and t["feasible"]),
                "regret": float(t[o] - by_key.loc[best, o]) if t is not None else math.nan,
                "optimum_simulated": best in r["simulated_keys"],
                "trials": r["trials"],
                "distinct_simulated": r["distinct_simulated"],
                "simulations": r["simulations"],
                "duplicates": r["duplicates"],
                "refused": r["refused"],
                "stopped_early": r["stopped_early"],
                "seconds": r["seconds"],
                "answer": t["changes"] if t is not None else "(none)",
            }
        )
    return pd.DataFrame(rows)


def summarise(per_seed: pd.DataFrame, n_designs: int, replications: int) -> pd.DataFrame:
    rows = []
    for name, g in per_seed.groupby("sampler", sort=False):
        rows.append(
            {
                "method": name,
                "runs": len(g),
                "found_optimum": int(g["found_optimum"].sum()),
                "within_optimum_ci": int(g["within_optimum_ci"].sum()),
                "optimum_simulated": int(g["optimum_simulated"].sum()),
                "mean_regret_h": round(float(g["regret"].mean()), 3),
                "max_regret_h": round(float(g["regret"].max()), 3),
                "trials_mean": round(float(g["trials"].mean()), 1),
                "trials_max": int(g["trials"].max()),
                "distinct_simulated_mean": round(float(g["distinct_simulated"].mean()), 1),
                "distinct_simulated_max": int(g["distinct_simulated"].max()),
                "share_of_exhaustive_redesigns": round(
                    float(g["distinct_simulated"].max()) / n_designs, 3
                ),
                "simulations_mean": round(float(g["simulations"].mean()), 1),
                "share_of_exhaustive_replications": round(
                    float(g["simulations"].max()) / (n_designs * replications), 4
                ),
                "duplicates_mean": round(float(g["duplicates"].mean()), 1),
                "refused_mean": round(float(g["refused"].mean()), 1),
            }
        )
    rows.append(
        {
            "method": "exhaustive",
            "runs": 1,
            "found_optimum": 1,
            "within_optimum_ci": 1,
            "optimum_simulated": 1,
            "mean_regret_h": 0.0,
            "max_regret_h": 0.0,
            "trials_mean": n_designs,
            "trials_max": n_designs,
            "distinct_simulated_mean": n_designs,
            "distinct_simulated_max": n_designs,
            "share_of_exhaustive_redesigns": 1.0,
            "simulations_mean": n_designs * replications,
            "share_of_exhaustive_replications": 1.0,
            "duplicates_mean": 0,
            "refused_mean": 0,
        }
    )
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, bool | np.bool_):
            return "yes" if v else "no"
        if isinstance(v, float):
            return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
        return str(v)

    head = "| " + " | ".join(df.columns) + " |"
    sep = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def landmarks(truth: pd.DataFrame, best: str) -> pd.DataFrame:
    """The planted effects: every single change, the optimum and the best few."""
    o = truth.attrs["kpi"]
    pick = truth[(truth["n_changes"] <= 1) | (truth["rank"] <= 5) | (truth["key"] == best)]
    cols = {
        "rank": "rank",
        "changes": "redesign",
        f"mean:{o}": o,
        "diff_vs_baseline": "vs baseline",
        "diff_vs_baseline_ci_low": "ci_low",
        "diff_vs_baseline_ci_high": "ci_high",
        "mean:dropoff_rate": "dropoff_rate",
        "feasible": "feasible",
        "within_optimum_ci": "within optimum CI",
    }
    return pick[list(cols)].rename(columns=cols).sort_values("rank")


def compare(out_dir: Path, methods: list[str] | None = None) -> str:
    """One row per seed, one column per method and budget unit, from every results CSV.

    A cell reads ``1`` when the run's answer is the true optimum, else the answer's true rank,
    then (distinct redesigns simulated, replications simulated).
    """
    frames = []
    for f in sorted(out_dir.glob("results_per_seed_*.csv")):
        label = f.stem.removeprefix("results_per_seed_")
        unit = "trials" if label.startswith("trials") else "redesigns"
        frames.append(pd.read_csv(f).assign(column=lambda d, u=unit: d["sampler"] + " / " + u))
    if not frames:
        return "(no results yet)"
    runs = pd.concat(frames, ignore_index=True).drop_duplicates(["column", "seed"])
    if methods:
        runs = runs[runs["sampler"].isin(methods)]
    runs["cell"] = [
        f"{'**1**' if r.found_optimum else r.answer_rank} ({r.distinct_simulated}, {r.simulations})"
        for r in runs.itertuples()
    ]
    table = runs.pivot(index="seed", columns="column", values="cell").fillna("")
    first = ("tpe", "random", "nsga2")

    def order(c: str) -> tuple[int, int, str]:
        method, unit = c.split(" / ")
        rank = (methods or list(first)).index(method) if method in (methods or first) else 99
        return (unit != "trials", rank, method)

    table = table[sorted(table.columns, key=order)].reset_index()
    total = {"seed": "optimum found"}
    for c in table.columns[1:]:
        g = runs[runs["column"] == c]
        total[c] = f"**{int(g['found_optimum'].sum())} / {len(g)}**"
    table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    return markdown(table)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "what", nargs="?", default="all", choices=("all", "exhaustive", "search", "compare")
    )
    p.add_argument("--replications", type=int, help="exhaustive replications (settings.yaml)")
    p.add_argument("--seeds", type=int, help="seeded runs per sampler (settings.yaml)")
    p.add_argument("--seed-start", type=int, default=0, help="first search seed (default 0)")
    p.add_argument("--samplers", help="comma-separated configs/optimizer names (settings.yaml)")
    p.add_argument("--budget-fraction", type=float, help="trials / valid redesigns")
    p.add_argument("--trials", type=int, help="budget per search (overrides the fraction)")
    p.add_argument(
        "--budget-unit",
        choices=("trials", "redesigns"),
        default="trials",
        help="trials: n_trials of run_search (duplicates count); redesigns: distinct simulated",
    )
    p.add_argument("--space", help="another search-space YAML for model.yaml (smoke tests)")
    p.add_argument("--label", help="suffix of the result files (default: the budget unit)")
    p.add_argument("--horizon-days", type=float, help="override the scenario (smoke tests)")
    p.add_argument("--warmup-days", type=float, help="override the scenario (smoke tests)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--work-dir", type=Path, default=HERE / "_work")
    p.add_argument("--out-dir", type=Path, default=HERE / "results")
    p.add_argument("--fresh", action="store_true", help="rerun the searches (not the truth)")
    ns = p.parse_args()
    if ns.what == "compare":  # --samplers: which methods, in this order
        table = compare(ns.out_dir, ns.samplers.split(",") if ns.samplers else None)
        (ns.out_dir / "compare.md").write_text(table + "\n", encoding="utf-8")
        print(table)
        return
    bench = load_bench(ns)
    ns.work_dir.mkdir(parents=True, exist_ok=True)
    ns.out_dir.mkdir(parents=True, exist_ok=True)
    designs = valid_redesigns(bench)
    n = len(designs)
    print(
        f"{bench.model.name}: {len(bench.space.variables)} variables, {n} valid redesigns, "
        f"{bench.replications} replications each (truth {bench.fingerprint})",
        flush=True,
    )
    runs = exhaustive(bench, ns.work_dir, workers=ns.workers)
    truth, best = ground_truth(bench, runs)
    truth.attrs["kpi"] = bench.objective.kpi
    truth.drop(columns="key").to_csv(
        ns.out_dir / "exhaustive.csv", index=False, float_format="%.4g"
    )
    ci_set = truth[truth["within_optimum_ci"]]
    lines = [
        "# Redesign benchmark results (written by benchmark.py)",
        "",
        f"{n} valid redesigns x {bench.replications} replications = "
        f"{n * bench.replications} replications for the ground truth. Objective: "
        f"{bench.objective.direction} {bench.objective.kpi}; constraints: "
        + ", ".join(c.describe() for c in bench.constraints)
        + f". True optimum: {truth.loc[truth['key'] == best, 'changes'].iloc[0]}. "
        f"{len(ci_set)} redesign(s) within its confidence interval.",
        "",
        "## Landmarks (single changes, best five)",
        "",
        markdown(landmarks(truth, best)),
        "",
    ]
    if ns.what in ("all", "search"):
        budget = ns.trials or int(math.floor(bench.budget_fraction * n))
        unit = ns.budget_unit
        what = f"{budget} {'trials' if unit == 'trials' else 'distinct redesigns'} each"
        print(f"searches: {what}", flush=True)
        results = searches(bench, ns, ns.work_dir, budget, workers=ns.workers)
        per_seed = score(results, truth, best)
        label = ns.label or unit
        per_seed.to_csv(
            ns.out_dir / f"results_per_seed_{label}.csv", index=False, float_format="%.4g"
        )
        summary = summarise(per_seed, n, bench.replications)
        summary.to_csv(ns.out_dir / f"results_summary_{label}.csv", index=False)
        lines += [
            f"## Searches ({label}): budget {what} ({budget / n:.0%} of the valid redesigns)",
            "",
            markdown(summary),
            "",
            "## Per seed",
            "",
            markdown(per_seed.drop(columns=["seconds"])),
            "",
        ]
        print(markdown(summary))
    name = f"results_{ns.label or ns.budget_unit}.md" if ns.what != "exhaustive" else "truth.md"
    (ns.out_dir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"results in {ns.out_dir}")


if __name__ == "__main__":
    main()
