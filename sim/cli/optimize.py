"""``python -m sim optimize``: search redesigns, confirm and ablate the best, write the evidence."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from functools import partial
from pathlib import Path

import pandas as pd
import yaml
from omegaconf import DictConfig, OmegaConf

from sim.cli.common import (
    TYPED_PROGRAM,
    config_bool,
    config_int,
    config_str,
    guard_resumable_dir,
    load_process,
    write_json,
    write_run_record,
    write_text_whole,
)
from sim.cli.launcher_workers import ignore_further
from sim.cli.simulate import (
    capped_window_warning,
    empty_window_warning,
    scenario_of,
    short_window_note,
    unfinished_warning,
)
from sim.errors import ConfigError, SimError, redact
from sim.kpis.window import window_ends
from sim.model.io import dump_yaml
from sim.model.process import ProcessModel
from sim.model.safe_files import load_yaml, read_text
from sim.model.scenario import Scenario
from sim.model.trace import Trace
from sim.model.validate import uncosted_roles_note
from sim.model.views import check_arrivals
from sim.optimize import (
    FollowUp,
    SamplerSpec,
    SearchJob,
    SearchSettings,
    check_study,
    interrupt,
    optimize_redesign,
    parse_constraints,
    parse_objectives,
    routed,
)
from sim.optimize.objectives import check_kpi_names, model_kpi_names
from sim.optimize.study import SearchStart, in_memory_sqlite, sqlite_file
from sim.redesign import SearchSpace, candidates_text, staffing_space

FOLLOW_UP_KEYS = ("confirm_replications", "top_k", "ablate_top", "prune_harm")
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


def _bundled_spaces() -> str:
    """Where the bundled search spaces are: ``configs/redesign`` of the checkout, else the
    folder ``sim.cli.main.config_dir`` finds (an installed package's copy, ``SIM_CONFIG_DIR``)."""
    from sim.cli.main import config_dir, source_checkout

    try:
        folder = config_dir() / "redesign"
    except SimError:  # no configs found: the folder's name in a checkout
        return "configs/redesign"
    root = source_checkout()
    return "configs/redesign" if root and folder == root / "configs" / "redesign" else str(folder)


def storage_url(value: object, run_dir: Path) -> str | None:
    """``null`` -> a SQLite file in the run directory; ``memory`` -> in memory; else the URL,
    a SQLite file's relative path made absolute (``absolute_sqlite``)."""
    if value is None:
        return f"sqlite:///{(run_dir / 'study.db').resolve()}"
    text = str(value)
    if text == "memory":
        return None
    if "://" not in text:
        raise ConfigError(
            f"optimizer.storage: expected a URL such as sqlite:///study.db or postgresql://..., got {redact(text)!r}"
        )
    return absolute_sqlite(text)


def launch_dir() -> Path:
    """The directory the command was started in: Hydra's original working directory (where
    ``hydra.job.chdir=true`` moved the job away from it), else the current one."""
    from hydra.utils import get_original_cwd

    try:
        return Path(get_original_cwd())
    except ValueError:  # not in a Hydra job (a library call)
        return Path.cwd()


def absolute_sqlite(url: str) -> str:
    """A SQLite ``url`` whose file path is relative (``sqlite:///x.db``: three slashes) with that
    path made absolute against the directory the command was started in (``launch_dir``); any
    other URL as it is. Resolved once: a rerun started elsewhere, or a job Hydra moved, opened
    another, new file there, and the run record could not tell which (QA optim25 F4)."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.lower().startswith("sqlite") or in_memory_sqlite(url):
        return url
    if not rest.startswith("/"):
        return url
    path, query_sep, query = rest[1:].partition("?")
    if not path or Path(path).is_absolute() or path.startswith("file:"):
        return url
    return f"{scheme}:///{os.path.normpath(launch_dir() / path)}{query_sep}{query}"


def storage_override(value: object) -> str:
    """The ``optimizer.storage`` override of a value (a URL's password masked)."""
    return f"optimizer.storage={'null' if value is None else redact(str(value))}"


def storage_words(value: object) -> str:
    """Where a search with ``optimizer.storage=value`` keeps its study, in words."""
    if value is None:
        return "the directory's study.db (optimizer.storage=null)"
    if str(value) == "memory":
        return "memory (optimizer.storage=memory, not saved)"
    return f"{redact(str(value))} (optimizer.storage)"


def stopped_search_text(
    stopped: str, storage: object, run_dir: Path, study_name: str | None = None
) -> str:
    """What a search stopped by Ctrl-C or SIGTERM (``stopped``: "interrupted", ...) says of its
    finished trials: where they are saved, and that a rerun resumes them. A search in memory
    (``optimizer.storage=memory``) saves none, nor one stopped before its SQLite study held a
    finished trial (``finished_trials``); a database's study is not in ``run_dir`` (QA
    2026-12-06: all of them said "finished work is saved in <run dir>; rerun the same command
    to resume")."""
    kept = _kept_trials(storage, run_dir, study_name)
    if kept == "memory":
        return (
            f"{stopped}; the search ran in memory (optimizer.storage=memory), so no trial is "
            "saved: rerun the command to start again"
        )
    if kept == "none":
        return f"{stopped} before the search saved a trial; rerun the command to start again"
    return f"{stopped}; finished work is saved in {kept}; rerun the same command to resume"


def stopped_job_search_note(storage: object, run_dir: Path, study_name: str | None = None) -> str:
    """What a sweep's stopped optimize job says of its search's trials (``"; ..."``): saved
    where, or none (QA retest23a: "did not finish" alone, though its study.db held 9 finished
    trials that a rerun of the sweep into its directory resumed)."""
    kept = _kept_trials(storage, run_dir, study_name)
    if kept == "memory":
        return "; its search ran in memory (optimizer.storage=memory), so no trial is saved"
    if kept == "none":
        return "; its search had saved no trial"
    return (
        f"; its finished trials are saved in {kept}, and a rerun of the sweep into the same "
        "sweep directory (hydra.sweep.dir) resumes them"
    )


def _kept_trials(storage: object, run_dir: Path, study_name: str | None) -> str:
    """Where a stopped search's finished trials are kept, in words, or ``"memory"`` / ``"none"``
    (a SQLite study without a finished trial)."""
    try:
        url = storage_url(storage, run_dir)
    except ConfigError:  # not a URL any run accepts: said as before, of the run directory
        url = storage_url(None, run_dir)
    if url is None:
        return "memory"
    if finished_trials(url, study_name) == 0:
        return "none"
    if url != storage_url(None, run_dir):
        return f"the study at {redact(url)} (optimizer.storage)"
    return str(run_dir)


def finished_trials(url: str, study_name: str | None = None) -> int | None:
    """The finished (COMPLETE) trials in the SQLite storage ``url`` (of study ``study_name``,
    or of every study in it), read without writing; 0 where the file is missing; ``None`` for
    another database or a file that cannot be read as one."""
    import sqlite3

    path = sqlite_file(url)
    if path is None:
        return None
    if not path.is_file():
        return 0
    query = "SELECT COUNT(*) FROM trials t JOIN studies s ON t.study_id = s.study_id "
    query += "WHERE t.state = 'COMPLETE'" + (" AND s.study_name = ?" if study_name else "")
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1.0)
        try:
            (n,) = con.execute(query, (study_name,) if study_name else ()).fetchone()
        finally:
            con.close()
    except sqlite3.Error:  # not yet a study (created, tables not yet made), or not SQLite
        return 0 if path.stat().st_size == 0 else None
    return int(n)


def storage_value(cfg: DictConfig) -> object:
    """``optimizer.storage`` of ``cfg``, resolved; ``None`` (the run directory's study.db)
    where it is missing or does not resolve (an unset environment variable)."""
    try:
        return OmegaConf.select(cfg, "optimizer.storage", default=None)
    except Exception:  # noqa: BLE001 - said while stopping: never a second error
        return None


def study_name_value(cfg: DictConfig, run_dir: Path | None = None) -> str | None:
    """The study a search of ``cfg`` uses: ``optimizer.study_name`` as text, else (unset: the
    model's name) the name ``run_dir``'s run record gives (QA retest23c: a shared SQLite file's
    other study was counted as this search's trials); ``None`` where neither says."""
    try:
        name = OmegaConf.select(cfg, "optimizer.study_name", default=None)
    except Exception:  # noqa: BLE001 - said while stopping: never a second error
        name = None
    if name is None and run_dir is not None:
        name = (_earlier_study(run_dir) or (None,))[0]
    return None if name is None else str(name)


def same_storage(a: object, b: object, run_dir: Path) -> bool:
    """Whether the ``optimizer.storage`` values ``a`` and ``b`` name one storage for a run in
    ``run_dir`` (``null`` and the URL of its study.db do). Passwords are not compared: a run
    record keeps them masked."""
    try:
        one, two = (storage_url(v, run_dir) for v in (a, b))
    except ConfigError:  # a recorded value no run accepts is no storage this run can use
        return False
    return (one is None and two is None) or (
        one is not None and two is not None and redact(one) == redact(two)
    )


#: what a search writes into its directory (trials.csv, then the follow-up's results)
SEARCH_RESULTS = ("trials.csv", "confirmation.json", "recommendations.md", "pareto.csv", "best")
#: a run record that does not say which storage its search used
_UNKNOWN = object()


def _earlier_study(run_dir: Path) -> tuple[str | None, object] | None:
    """The study of the optimize run recorded in ``run_dir``: its name (None when the record
    does not say) and its ``optimizer.storage`` value as recorded, password masked (from
    ``run.json``, or from ``config.yaml`` for a record older than that key; ``_UNKNOWN`` when
    neither says). None when no optimize run is recorded there."""
    try:
        record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("command") != "optimize":
        return None
    name = record.get("study_name")
    name = name if isinstance(name, str) else None
    if "storage" in record:
        return name, record["storage"]
    try:
        config = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return name, _UNKNOWN
    optimizer = config.get("optimizer") if isinstance(config, dict) else None
    if not isinstance(optimizer, dict) or "storage" not in optimizer:
        return name, _UNKNOWN
    return name, optimizer["storage"]


STORAGE_KEYS = ("optimizer.storage=", "+optimizer.storage=", "++optimizer.storage=")


def _recorded_storage_override(run_dir: Path) -> str | None:
    """The ``optimizer.storage`` override of the optimize run recorded in ``run_dir`` as it was
    typed, when it was an interpolation (``'optimizer.storage=${oc.env:SIM_STORAGE_URL}'``,
    quoted for the shell): the record's ``overrides`` keep it unresolved, where its ``storage``
    holds the URL it resolved to, password masked. None when the record has no such override."""
    try:
        record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    overrides = record.get("overrides") if isinstance(record, dict) else None
    for item in overrides if isinstance(overrides, list) else ():
        key = next((k for k in STORAGE_KEYS if str(item).startswith(k)), None)
        if key is None:
            continue
        value = str(item)[len(key) :]
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]  # Hydra's quotes around the value
        if "${" in value:
            return f"'optimizer.storage={value}'"
    return None


def _storage_fix(was: object, run_dir: Path) -> str:
    """How to rerun with the storage ``was`` (as recorded, password masked) that the run in
    ``run_dir`` used: its override as typed when it was an interpolation, else the masked URL
    with word that its password goes in place of ``***`` (QA rdb20 #7: the suggested
    override held ``***`` and could not be pasted)."""
    typed = _recorded_storage_override(run_dir)
    if typed is not None:
        return typed
    override = storage_override(was)
    if "***" not in override:
        return override
    return (
        f"{override}, its password in place of *** (best from the environment: "
        "'optimizer.storage=${oc.env:SIM_STORAGE_URL}' with SIM_STORAGE_URL set to the URL)"
    )


def check_same_study(run_dir: Path, job: SearchJob, storage: object) -> None:
    """Refuse (``ConfigError`` naming ``optimizer.study_name`` and/or ``optimizer.storage``)
    a rerun into a directory whose optimize run searched another study: another study name, or
    another storage (``storage``: this run's ``optimizer.storage`` value). Such a rerun searched
    a new study and replaced the directory's recommendations and confirmation with its own,
    saying instead "the study already has 30 finished trials, so optimizer.n_trials=30 adds
    none", read from the old confirmation.json (QA). Results of a search in memory are refused
    too, whatever the rerun's storage: that study was not saved, so it cannot be resumed."""
    earlier = _earlier_study(run_dir)
    if earlier is None:
        return
    name, was = earlier
    now = job.settings.study_name
    keys = []
    if name is not None and name != now:
        keys.append("optimizer.study_name")
    if was is not _UNKNOWN and not same_storage(was, storage, run_dir):
        keys.append("optimizer.storage")
    if was == "memory" and any((run_dir / r).exists() for r in SEARCH_RESULTS):
        raise ConfigError(
            f"{' and '.join(keys) or 'optimizer.storage'}: {run_dir} holds the results of a "
            f"search of study '{name or now}' in memory (optimizer.storage=memory), which was not "
            "saved and cannot be resumed; choose another hydra.run.dir (a new or empty directory)"
        )
    if not keys:
        return
    fix = " ".join(
        f"optimizer.study_name={name}"
        if k == "optimizer.study_name"
        else _storage_fix(was, run_dir)
        for k in keys
    )
    if keys == ["optimizer.study_name"]:
        what = f"study '{name}', not '{now}'"
    elif keys == ["optimizer.storage"]:
        what = f"study '{now}' in {storage_words(was)}, not in {storage_words(storage)}"
    else:
        what = (
            f"study '{name}' in {storage_words(was)}, not of study '{now}' in "
            f"{storage_words(storage)}"
        )
    raise ConfigError(
        f"{' and '.join(keys)}: {run_dir} holds the search of {what}; a rerun there resumes "
        f"that study only: rerun with {fix} to resume it, or choose another hydra.run.dir (a new "
        "or empty directory) for this search"
    )


def load_space_config(cfg: DictConfig) -> dict:
    """The search-space mapping: a bundled ``configs/redesign/<name>.yaml`` or ``redesign=<file>``."""
    spec = OmegaConf.to_container(cfg.redesign, resolve=True)
    if "path" not in spec:
        return spec
    path = Path(str(spec["path"]))
    try:
        data = load_yaml(read_text(path, "search space"), f"redesign={path}")
    except OSError as exc:
        raise ConfigError(f"redesign={path}: cannot read the search space: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"redesign={path}: expected a mapping (see {_bundled_spaces()}/crm_sales.yaml)"
        )
    return data


GENERATORS = {"staffing": staffing_space}
GENERATE_KEYS = ("generate", "spread", "one_off_cost_per_hire", "budget")


def generated_space(
    spec: dict,
    model: ProcessModel,
    run_dir: Path | None,
    *,
    time_per_case: Mapping[str, float] | None = None,
) -> dict:
    """The search space that ``redesign=staffing`` (``generate: staffing``) asks for, built from
    ``model`` and written to ``<run_dir>/redesign.yaml`` (not written when ``run_dir`` is None)
    for the analyst to read and extend, with the candidate redesigns that apply as comments,
    ranked by ``time_per_case`` (hours per case at each step, e.g. ``baseline_time_per_case``)
    or, without it, by the work the model implies."""
    kind = spec.get("generate")
    if kind not in GENERATORS:
        raise ConfigError(f"redesign.generate: expected one of {sorted(GENERATORS)}, got {kind!r}")
    unknown = sorted(set(spec) - set(GENERATE_KEYS))
    if unknown:
        raise ConfigError(
            f"redesign: unknown key(s) {unknown} for a generated space; valid keys are "
            f"{list(GENERATE_KEYS)}"
        )
    options = {k: spec[k] for k in GENERATE_KEYS[1:] if spec.get(k) is not None}
    space = GENERATORS[kind](model, **options)
    if run_dir is None:
        return space
    header = (
        f"# Search space generated by redesign={kind} for model '{model.name}'.\n"
        "# Edit it (uncomment the candidate redesigns listed below that you can judge, with\n"
        f"# your estimates; {_bundled_spaces()}/crm_sales.yaml shows every operator) and pass it\n"
        "# back with redesign=<this file>.\n"
    )
    text = header + dump_yaml(space)
    text += candidates_text(
        model, time_per_case=time_per_case, source="one replication of today's process"
    )
    write_text_whole(run_dir / "redesign.yaml", text)
    return space


def baseline_time_per_case(trace: Trace, model: ProcessModel) -> dict[str, float]:
    """Hours a case spends at each step (waiting + processing, times the share reaching it) in
    one simulated replication of ``model``: what ranks the candidate redesigns."""
    from sim.kpis import kpi_report, kpi_table, time_per_case

    report = kpi_report(kpi_table([trace], model), model)
    return {row["step"]: time_per_case(row) for row in report["steps"]}


def _with_scenario_staffing(
    model: ProcessModel, scenario: Scenario
) -> tuple[ProcessModel, Scenario]:
    """Today's process as the scenario staffs it: ``scenario.staffing`` written into the model's
    headcounts (and taken out of the scenario). The engine applies the scenario's staffing over
    a redesign's, so a search varying the same role was overridden in every trial, described
    its changes against the model's headcount and wrote ``best/<rank>.yaml`` files with
    headcounts never simulated (QA 9b)."""
    if not scenario.staffing:
        return model, scenario
    from dataclasses import replace

    from sim.engine.replications import check_scenario
    from sim.model.scenario import with_staffing

    check_scenario(model, scenario)  # an unknown role, nobody for a role that does steps
    return with_staffing(model, scenario.staffing), replace(scenario, staffing={})


def build_job(
    cfg: DictConfig, run_dir: Path, *, process_choice: str | None = None
) -> tuple[SearchJob, FollowUp, dict]:
    """Turn the optimize config into a search job (every error names its config key), with its
    follow-up and the search-space mapping as read (``load_space_config``, read once: a
    ``generate:`` one as given, which ``_run`` writes out once the baseline is simulated)."""
    # first: the sampler's seed is ${seed}, and a bad one must be named as seed, not sampler
    seed = config_int(cfg, "seed", minimum=0)
    model = load_process(cfg, choice=process_choice)
    # before anything is written there (a generated search space): resume this model's search only
    guard_resumable_dir(run_dir, "optimize", model=model.name, claim=False)
    opt = OmegaConf.to_container(cfg.optimizer, resolve=True)
    unknown = sorted(set(opt) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            f"optimizer: unknown key(s) {unknown}; valid keys are {sorted(KNOWN_KEYS)}"
        )
    scenario = scenario_of(cfg).for_model(model)
    model, scenario = _with_scenario_staffing(model, scenario)
    check_arrivals(model, scenario)  # an absurd arrival rate: before any trial runs
    spec = load_space_config(cfg)
    redesign = spec
    if "generate" in spec:
        # written by _run once the baseline is simulated, its candidates ranked by its times
        redesign = generated_space(spec, model, None)
    target = redesign.get("model")
    if target is not None and target != model.name:
        raise ConfigError(
            f"redesign.model: the search space is written for model '{target}' but the process is "
            f"'{model.name}'; choose a matching redesign=<space> ({_bundled_spaces()}/), or "
            "redesign=staffing for a search over every role's headcount"
        )
    try:
        space = SearchSpace.from_dict(redesign, model)
    except ConfigError as exc:  # name the file the key is in, not only the key
        path = OmegaConf.select(cfg, "redesign.path")
        if path is None:
            raise
        raise ConfigError(f"redesign={path}: {exc}") from None
    objectives = parse_objectives(opt.get("objectives"))
    constraints = parse_constraints(opt.get("constraints"))
    sampler = dict(opt.get("sampler") or {})
    target_cls = sampler.pop("_target_", None)
    if not target_cls:
        raise ConfigError(
            "optimizer.sampler._target_: missing (e.g. optuna.samplers.NSGAIISampler)"
        )

    def integer(key: str, default: int | None) -> int | None:
        # a typed getter names the key (int() gave "invalid literal ... 'abc'" and took 1.5 as 1)
        if key not in opt:
            return default
        return config_int(cfg, f"optimizer.{key}", null=default is None)

    try:
        settings = SearchSettings(
            n_trials=integer("n_trials", 100),
            max_redesigns=integer("max_redesigns", None),
            replications=integer("replications", 5),
            min_replications=integer("min_replications", 3),
            early_stop=config_bool(cfg, "optimizer.early_stop") if "early_stop" in opt else True,
            n_jobs=integer("n_jobs", 1),
            workers=None,
            study_name=config_str(cfg, "optimizer.study_name", null=True) or model.name,
            storage=storage_url(opt.get("storage"), run_dir),
            # the run directory's own study.db: no other run uses it
            owns_storage=opt.get("storage") is None,
        )
        follow = FollowUp(
            **{
                k: config_bool(cfg, f"optimizer.{k}") if k == "prune_harm" else integer(k, 0)
                for k in FOLLOW_UP_KEYS
                if k in opt
            }
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"optimizer: {exc}") from None
    sampler_spec = SamplerSpec(target_cls, sampler)
    # a bad sampler argument or a one-objective sampler for several objectives: refused now,
    # before the baseline is simulated and anything is written
    sampler_spec.check(objectives, space)
    return (
        SearchJob(
            model=model,
            space=space,
            scenario=scenario,
            seed=seed,
            objectives=objectives,
            constraints=constraints,
            settings=settings,
            sampler=sampler_spec,
        ),
        follow,
        spec,
    )


COST_KPIS = ("cost_per_case", "processing_cost_per_case")


def costless_objectives(job: SearchJob) -> list[str]:
    """Warnings for cost objectives of a model that has no costs (a calibrated one: event logs
    hold no wages), which would be the same for every redesign."""
    m = job.model
    if any(r.hourly_cost for r in m.roles.values()) or any(s.cost for s in m.steps.values()):
        return []
    return [
        f"objective {o.kpi} is 0 for every redesign: model '{m.name}' has no costs (every "
        "roles.<role>.hourly_cost and steps.<step>.cost is 0); fill them in, or trade against "
        "people: 'optimizer.objectives=[{kpi: cycle_time_mean},{kpi: headcount}]'"
        for o in job.objectives
        if o.kpi in COST_KPIS
    ]


def baseline_warning(
    table: pd.DataFrame, job: SearchJob, *, simulated_cases: int = 0
) -> str | None:
    """What recommendations.md says in bold under today's figures (``optimize_redesign``'s
    ``baseline_warning``, on stderr before the search too), as simulate says it of today's
    replications ``table``: no case in the measurement window (``empty_window_warning``; a
    ``scenario.max_cases`` reached in the warm-up where ``simulated_cases``, the cases a
    replication of today's process simulated, is not 0), a window the cap cut short
    (``capped_window_warning``: every trial's and the confirmation's KPIs are of that window;
    QA rt_engine F5, only the check command said it), windows it cut too short for
    steady-state figures (``short_window_note``, as simulate says it: QA rt28_engine F4),
    measured cases still in progress when the runs stopped (``unfinished_warning``) and the
    roles whose hours the cost per case leaves out, having no ``hourly_cost`` beside roles with
    one (``uncosted_roles_note``: said at load, and kept with the results, QA cost17); one line
    each, or None."""
    from sim.kpis import kpi_report

    scenario = job.scenario
    uncosted = uncosted_roles_note(job.model)
    ends = window_ends(table, scenario)
    # each replication's window end, as simulate notes it from the trace
    by_replication = (
        dict(zip(table["replication"].astype(int), ends, strict=True))
        if "replication" in table
        else None
    )
    said = [
        empty_window_warning(table, scenario, simulated_cases=simulated_cases),
        capped_window_warning(ends, scenario),
        short_window_note(table, kpi_report(table, job.model), job.model, scenario, by_replication)
        if scenario.max_cases is not None
        else None,
        unfinished_warning(table, scenario),
        f"note: {uncosted}" if uncosted else None,
    ]
    return "\n".join(w for w in said if w) or None


def unseeded_sampler(job: SearchJob) -> list[str]:
    """A note when the sampler has no seed (``optimizer.sampler.seed=null``): ``seed`` then fixes
    the replications' random numbers but not which redesigns are proposed, so a rerun of the
    same command searches other ones."""
    if job.sampler.params.get("seed") is not None:
        return []
    return [
        f"optimizer.sampler.seed is null: the sampler is unseeded, so the same command proposes "
        f"other redesigns when rerun (seed={job.seed} fixes the replications' random numbers "
        "only); run.json records sampler_seed: null. Leave it at ${seed} to reproduce the search"
    ]


def random_first_generation(job: SearchJob) -> list[str]:
    """A note when an evolutionary sampler's search is no longer than its first generation,
    which it samples at random (NSGA-II's ``population_size``): such a search is a random
    search, and one with the same seed as ``optimizer=random`` proposes the same redesigns."""
    size = job.sampler.params.get("population_size")
    if job.sampler.name not in ("NSGAIISampler", "NSGAIIISampler"):
        return []
    size = size if isinstance(size, int) else 50  # Optuna's default
    if job.settings.n_trials > size:
        return []
    return [
        f"optimizer.n_trials={job.settings.n_trials} is no more than {job.sampler.name}'s first "
        f"generation (population_size={size}), which it samples at random: this search is a "
        "random search (the same as optimizer=random with this seed); raise n_trials or lower "
        "optimizer.sampler.population_size for the evolution to start"
    ]


def unused_scenario_replications(job: SearchJob, follow: FollowUp) -> list[str]:
    """A note when ``scenario.replications`` is not its default: optimize does not use it (each
    trial simulates ``optimizer.replications``, the confirmation ``confirm_replications``), so
    any value gives the same results, and a resume is not refused over it."""
    default = Scenario.__dataclass_fields__["replications"].default
    n = job.scenario.replications
    if n == default:
        return []
    return [
        f"scenario.replications={n} is not used by optimize: each trial simulates "
        f"optimizer.replications={job.settings.replications} replications and the confirmation "
        f"optimizer.confirm_replications={follow.confirm_replications} fresh ones"
    ]


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill PID``, a scheduler's stop): handled like Ctrl-C, so the trial in flight is
    failed, finished work stays saved and worker processes are stopped."""


#: the process that installed the handlers below (``run``); a process forked from it inherits
#: them, and must not raise the command line's interrupts (``_in_a_worker``)
_HANDLERS_OWNER: int | None = None


def _in_a_worker(signum: int) -> bool:
    """Whether this handler runs in a process forked from the command line's (a replication
    worker, before its initializer replaced the handlers: ``worker_signals``). There SIGINT is
    ignored (the main process stops the workers) and SIGTERM stops the process at once, quietly,
    instead of raising a traceback into the terminal (QA: Ctrl-C to the process group)."""
    import os
    import signal

    if _HANDLERS_OWNER is None or os.getpid() == _HANDLERS_OWNER:
        return False
    if signum == signal.SIGTERM:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
    return True


def _on_sigterm(signum: int, frame: object) -> None:
    if not _in_a_worker(signum):
        ignore_further(signum)  # a sweep's job: its sweep passes the signal on, once more
        interrupt(_noted(Terminated()))  # raised at once, or after the storage write under way


def _on_sigint(signum: int, frame: object) -> None:
    if not _in_a_worker(signum):
        ignore_further(signum)
        interrupt(_noted(KeyboardInterrupt()))


def _noted(stop: BaseException) -> BaseException:
    """``stop``, noted (``sim.cli.stop_requests``): where C code drops it without a word, the
    next replication of a trial or of the confirmation raises it again (QA signals22: the search
    and its confirmation ran on to the end, exit 0)."""
    from sim.cli import stop_requests

    stop_requests.request(stop)
    return stop


def run(cfg: DictConfig, run_dir: Path, *, process_choice: str | None = None) -> dict:
    """Search (or resume), confirm, ablate; write results and the run record.

    SIGTERM stops the run like Ctrl-C, with exit status 143 (128 + 15). Both wait for a storage
    write under way to finish (``sim.optimize.interrupts``), so no trial is left RUNNING."""
    import os
    import signal
    import threading

    global _HANDLERS_OWNER
    if threading.current_thread() is not threading.main_thread():
        return _run(cfg, run_dir, process_choice=process_choice)
    _HANDLERS_OWNER = os.getpid()
    previous = {
        signal.SIGTERM: signal.signal(signal.SIGTERM, _on_sigterm),
        signal.SIGINT: signal.signal(signal.SIGINT, _on_sigint),
    }
    try:
        # an interrupt raised where Python ignores it (a weakref callback) is kept, not lost
        with routed():
            return _run(cfg, run_dir, process_choice=process_choice)
    except Terminated:
        said = stopped_search_text(
            "terminated (SIGTERM)", storage_value(cfg), run_dir, study_name_value(cfg, run_dir)
        )
        print(f"\n{said}", file=sys.stderr)
        sys.exit(143)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def check_storage(job: SearchJob, run_dir: Path) -> int:
    """Refuse before the run record is written (``ConfigError``, the password masked) what the
    search would refuse when it opens its study: a storage that cannot be opened (an
    unreachable database, a missing driver, a bad URL) and a study of the same name that another
    search made (another model, search space, objectives, scenario, seed or sampler:
    ``sim.optimize.study.check_study``, the check the search itself makes). So a refused run
    leaves no new run directory behind, and a resumed one's record is not rewritten. The run
    directory's own ``study.db`` is opened only when an earlier run left one (opening it would
    create it before the record). Returns the finished trials the study already has (0 for a
    study not made yet, or in memory)."""
    settings = job.settings
    if settings.storage is None:
        return 0
    if settings.owns_storage and not (run_dir / "study.db").exists():
        return 0
    return check_study(job)


#: what a run's follow-up (confirmation, ablation, pruning) writes from the finished study;
#: a resumed run removes the earlier run's before it starts (``clear_follow_up_results``)
FOLLOW_UP_RESULTS = ("confirmation.json", "recommendations.md", "pareto.csv", "report.html")


def resume_notes(run_dir: Path, job: SearchJob, follow: FollowUp, finished: int = 0) -> list[str]:
    """What a resumed run changes in a directory that holds a finished run's results: the
    trials asked for when the study already has as many (``finished``: its finished trials,
    counted in the study this run opens, ``check_storage``), a confirmation redone with other
    replications (QA 2026-12-04 #4: a 20-replication confirmation was replaced by a
    5-replication one without a word). Empty for a new directory."""
    try:
        done = json.loads((run_dir / "confirmation.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(done, dict):
        return []
    notes = []
    # of the study opened, not the earlier run's confirmation.json: a relative SQLite path
    # rerun from another directory opened a new, empty study (QA optim25 F4)
    if job.settings.storage is not None and finished and finished >= job.settings.n_trials:
        notes.append(
            f"the study already has {finished} finished trials, so optimizer.n_trials="
            f"{job.settings.n_trials} adds none (raise it to search further); the follow-up "
            "is run again"
        )
    reps = done.get("confirm_replications")
    if isinstance(reps, int) and reps != follow.confirm_replications:
        notes.append(
            f"the confirmation is redone with optimizer.confirm_replications="
            f"{follow.confirm_replications} (this directory's used {reps}): its "
            "recommendations.md, pareto.csv and confirmation.json are replaced"
        )
    return notes


def clear_follow_up_results(run_dir: Path) -> int:
    """Remove an earlier run's follow-up results (``FOLLOW_UP_RESULTS``, ``best/`` and the
    report's figures in ``report/``) before a resumed run adds trials: they are written anew
    from the study at the end, and a run killed in between must not leave them beside a study
    they no longer describe (QA 2026-12-04 #3: recommendations of 12 trials beside a trials.csv
    of 16, and a report showing both). Returns how many figures were removed."""
    import shutil

    from sim.report.html import FIGURES_DIR

    for name in FOLLOW_UP_RESULTS:
        (run_dir / name).unlink(missing_ok=True)
    if (run_dir / "best").is_dir():
        shutil.rmtree(run_dir / "best")
    return _clear_report_figures(run_dir / FIGURES_DIR)


def _clear_report_figures(folder: Path) -> int:
    """Remove the numbered PNG files the run's report builds wrote into ``folder`` (the Pareto
    front and diff maps of a study the resumed search extends: QA optim25 F6), as its record
    names them (``own_figures``: not a user's ``report/99_mine.png``, QA rt28_files F1), then
    the folder if that left it empty; a user's other files stay, and nothing is removed
    through a symbolic link (which this tool never makes). Returns how many were removed."""
    from sim.report.html import own_figures

    if folder.is_symlink() or not folder.is_dir():
        return 0
    figures = [p for p in own_figures(folder.parent) if p.is_file() and not p.is_symlink()]
    for path in figures:
        path.unlink()
    if figures and not any(folder.iterdir()):
        folder.rmdir()
    return len(figures)


def record_search_start(run_dir: Path, start: SearchStart) -> None:
    """Add to this run's record (``run.json``), as its search starts, the seeds its samplers were
    given (``sampler_seeds_used``, one per search worker) and what they derive from: beside
    ``sampler_seed``, the configured seed, which a new study's single worker uses as it is, and a
    resumed or extended study's derives a new one from (``sim.optimize.study.sampler_seed``; QA
    researcher17 #3: run.json said 3 where the sampler used 914014783)."""
    path = run_dir / "run.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    write_json(path, record | start.to_record())


def _run(cfg: DictConfig, run_dir: Path, *, process_choice: str | None = None) -> dict:
    guard_resumable_dir(run_dir, "optimize")
    workers = config_int(cfg, "workers", minimum=1, null=True)
    progress, report, figures = (
        config_bool(cfg, k) for k in ("progress", "output.report", "output.figures")
    )
    if report and figures:  # before the search: its report build would refuse them at the end
        from sim.report.html import refuse_replacing_figures

        refuse_replacing_figures(run_dir, without="output.figures=false")
    job, follow, spec = build_job(cfg, run_dir, process_choice=process_choice)
    finished = check_storage(job, run_dir)  # first: a storage that cannot be opened is said
    storage = OmegaConf.to_container(cfg.optimizer, resolve=True).get("storage")
    check_same_study(run_dir, job, storage)
    # the KPI names must exist: simulate the baseline once (cheap) and check
    from sim.engine import run_replication
    from sim.kpis import replication_kpis
    from sim.kpis.summary import replication_segment_kpis

    baseline = run_replication(job.model, job.scenario, seed=job.seed)
    known = replication_kpis(baseline, job.model) | replication_segment_kpis(baseline)
    # a replication names only the steps its cases reached or dropped off at and the ends they
    # reached: every step's, role's and end's name is valid (model_kpi_names)
    known |= dict.fromkeys(model_kpi_names(job.model), 0.0)
    check_kpi_names([o.kpi for o in job.objectives], list(known), key="optimizer.objectives")
    check_kpi_names([c.kpi for c in job.constraints], list(known), key="optimizer.constraints")
    if "generate" in spec:
        # written once every check has passed (a refused run leaves none), its candidates
        # ranked by where the baseline's cases spend their time
        times = baseline_time_per_case(baseline, job.model)
        generated_space(spec, job.model, run_dir, time_per_case=times)
    for note in (
        costless_objectives(job)
        + unseeded_sampler(job)
        + random_first_generation(job)
        + unused_scenario_replications(job, follow)
        + resume_notes(run_dir, job, follow, finished)
    ):
        print(f"note: {note}")
    figures_removed = clear_follow_up_results(run_dir)
    if figures_removed:
        print(
            f"note: removed the {figures_removed} figure(s) in {run_dir / 'report'} that the "
            "report drew from the study before this run; output.figures=true (or "
            f"{' '.join(TYPED_PROGRAM)} report run=... figures=true) draws them anew"
        )
    write_run_record(
        run_dir,
        cfg,
        command="optimize",
        extra={
            "model": job.model.name,
            "study_name": job.settings.study_name,
            # where the study is (password masked): a rerun into this directory must search
            # the same one (check_same_study)
            # a relative SQLite path as the absolute one it was opened at
            "storage": None if storage is None else redact(job.settings.storage or "memory"),
            # the configured seed of the sampler (${seed} unless set apart; null: unseeded);
            # the seeds it was given, derived from it for a resumed or extended study, are
            # added as the search starts (record_search_start: sampler_seeds_used)
            "sampler_seed": job.sampler.params.get("seed"),
        },
    )
    summary = optimize_redesign(
        job,
        run_dir=run_dir,
        follow_up=follow,
        progress=progress,
        workers=workers,
        baseline_warning=partial(baseline_warning, job=job, simulated_cases=baseline.n_cases),
        on_search_start=partial(record_search_start, run_dir),
        program=" ".join(TYPED_PROGRAM),
    )
    print((run_dir / "recommendations.md").read_text(encoding="utf-8"))
    if report:
        from sim.cli.report import build

        if progress:
            print("report: writing report.html", file=sys.stderr, flush=True)
        build(run_dir, figures=figures)
    print(f"results in {run_dir}")
    return summary
