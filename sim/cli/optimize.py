"""``python -m sim optimize``: search redesigns, confirm and ablate the best, write the evidence."""

from __future__ import annotations

from pathlib import Path

import yaml
from omegaconf import DictConfig, OmegaConf

from sim.cli.common import load_process, write_run_record
from sim.errors import ConfigError, redact
from sim.model.scenario import Scenario
from sim.optimize import (
    FollowUp,
    SamplerSpec,
    SearchJob,
    SearchSettings,
    optimize_redesign,
    parse_constraints,
    parse_objectives,
)
from sim.optimize.objectives import check_kpi_names
from sim.redesign import SearchSpace

FOLLOW_UP_KEYS = ("confirm_replications", "top_k", "ablate_top")
SETTINGS_KEYS = (
    "n_trials",
    "max_redesigns",
    "replications",
    "min_replications",
    "early_stop",
    "n_jobs",
    "study_name",
    "storage",
)
KNOWN_KEYS = {"sampler", "objectives", "constraints", *FOLLOW_UP_KEYS, *SETTINGS_KEYS}


def storage_url(value: object, run_dir: Path) -> str | None:
    """``null`` -> a SQLite file in the run directory; ``memory`` -> in memory; else the URL."""
    if value is None:
        return f"sqlite:///{(run_dir / 'study.db').resolve()}"
    text = str(value)
    if text == "memory":
        return None
    if "://" not in text:
        raise ConfigError(
            f"optimizer.storage: expected a URL such as sqlite:///study.db or postgresql://..., got {redact(text)!r}"
        )
    return text


def load_space_config(cfg: DictConfig) -> dict:
    """The search-space mapping: a bundled ``configs/redesign/<name>.yaml`` or ``redesign=<file>``."""
    spec = OmegaConf.to_container(cfg.redesign, resolve=True)
    if "path" not in spec:
        return spec
    path = Path(str(spec["path"]))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"redesign={path}: cannot read the search space: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"redesign={path}: expected a mapping (see configs/redesign/crm_sales.yaml)"
        )
    return data


def build_job(
    cfg: DictConfig, run_dir: Path, *, process_choice: str | None = None
) -> tuple[SearchJob, FollowUp]:
    """Turn the optimize config into a search job (every error names its config key)."""
    model = load_process(cfg, choice=process_choice)
    opt = OmegaConf.to_container(cfg.optimizer, resolve=True)
    unknown = sorted(set(opt) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"optimizer: unknown key(s) {unknown}; valid keys are {sorted(KNOWN_KEYS)}"
        )
    redesign = load_space_config(cfg)
    target = redesign.get("model")
    if target is not None and target != model.name:
        raise ConfigError(
            f"redesign.model: the search space is written for model '{target}' but the process is "
            f"'{model.name}'; choose a matching redesign=<space> (configs/redesign/)"
        )
    space = SearchSpace.from_dict(redesign, model)
    objectives = parse_objectives(opt.get("objectives"))
    constraints = parse_constraints(opt.get("constraints"))
    scenario = Scenario.from_dict(dict(cfg.scenario))
    sampler = dict(opt.get("sampler") or {})
    target_cls = sampler.pop("_target_", None)
    if not target_cls:
        raise ConfigError(
            "optimizer.sampler._target_: missing (e.g. optuna.samplers.NSGAIISampler)"
        )
    try:
        settings = SearchSettings(
            n_trials=int(opt.get("n_trials", 100)),
            max_redesigns=(None if opt.get("max_redesigns") is None else int(opt["max_redesigns"])),
            replications=int(opt.get("replications", 5)),
            min_replications=int(opt.get("min_replications", 3)),
            early_stop=bool(opt.get("early_stop", True)),
            n_jobs=int(opt.get("n_jobs", 1)),
            workers=None,
            study_name=str(opt.get("study_name") or model.name),
            storage=storage_url(opt.get("storage"), run_dir),
        )
        follow = FollowUp(**{k: int(opt[k]) for k in FOLLOW_UP_KEYS if k in opt})
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"optimizer: {exc}") from None
    return (
        SearchJob(
            model=model,
            space=space,
            scenario=scenario,
            seed=int(cfg.seed),
            objectives=objectives,
            constraints=constraints,
            settings=settings,
            sampler=SamplerSpec(target_cls, sampler),
        ),
        follow,
    )


def run(cfg: DictConfig, run_dir: Path, *, process_choice: str | None = None) -> dict:
    """Search (or resume), confirm, ablate; write results and the run record."""
    job, follow = build_job(cfg, run_dir, process_choice=process_choice)
    # the KPI names must exist: simulate the baseline once (cheap) and check
    from sim.engine import run_replication
    from sim.kpis import replication_kpis

    known = replication_kpis(run_replication(job.model, job.scenario, seed=job.seed), job.model)
    check_kpi_names([o.kpi for o in job.objectives], list(known), key="optimizer.objectives")
    check_kpi_names([c.kpi for c in job.constraints], list(known), key="optimizer.constraints")
    write_run_record(
        run_dir,
        cfg,
        command="optimize",
        extra={"model": job.model.name, "study_name": job.settings.study_name},
    )
    summary = optimize_redesign(
        job, run_dir=run_dir, follow_up=follow, progress=bool(cfg.progress), workers=cfg.workers
    )
    print((run_dir / "recommendations.md").read_text(encoding="utf-8"))
    if cfg.output.get("report", True):
        from sim.cli.report import build

        build(run_dir, figures=bool(cfg.output.get("figures", False)))
    print(f"results in {run_dir}")
    return summary
