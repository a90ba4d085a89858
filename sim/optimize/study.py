"""The Optuna study: storage, sampler, the objective, resuming, several workers.

A study lives in an Optuna RDB storage (by default a SQLite file in the run directory), so it can
be resumed after an interruption and watched with ``optuna-dashboard``; a ``postgresql://`` URL
lets several processes or machines share it. Every finished trial is committed to the storage as
it ends: Ctrl-C or a killed worker loses only the trial in flight (a killed worker's trial is
failed by the heartbeat and retried; with the run directory's own storage, a trial a killed run
left running is failed when the study is resumed; in a shared storage, so is one whose process,
recorded on the trial, has ended on this host, and one whose heartbeat is stale when no trial is
left to run). A search worker process (``n_jobs``) that is killed ends the run with
``WorkerDied`` instead of leaving it waiting for that worker's share for ever.

Sampler seeds: each worker's sampler is seeded from ``(seed, worker index, trials in the study
when the run started)``, so workers sharing a study and a resumed or extended study propose new
redesigns instead of replaying the same random stream; worker 0 of a new study keeps ``seed``
itself, so a one-worker search is the same for the same seed. Before a proposal is simulated,
the storage is checked for a completed trial of the same redesign (another worker's included):
it is then answered from that trial (``duplicate_of``), not simulated again.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import importlib
import json
import math
import multiprocessing as mp
import operator
import os
import shlex
import signal
import socket
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
from optuna.storages import RDBStorage, RetryFailedTrialCallback
from optuna.trial import FrozenTrial, TrialState
from tqdm.auto import tqdm

from sim.engine import exit_with_parent
from sim.engine.replications import worker_death
from sim.errors import (
    ConfigError,
    RedesignRefused,
    SimError,
    StorageLost,
    TrialFailedElsewhere,
    WorkerDied,
    did_you_mean,
    redact,
    redact_secrets_of,
)
from sim.model import ProcessModel
from sim.model.scenario import Scenario
from sim.optimize.confirm import paired_changes
from sim.optimize.evaluate import Evaluator, objective_values
from sim.optimize.interrupts import (
    WorkerStopped,
    checkpoint,
    deferred,
    routed,
    search_worker_signals,
)
from sim.optimize.objectives import (
    Constraint,
    Objective,
    check_kpi_names,
    derived_value,
    judged_kpis,
    model_kpi_names,
    uses_segment_kpis,
)
from sim.redesign import SearchSpace, Variable

HEADLINE_ATTRS = (
    "cycle_time_mean",
    "cycle_time_p90",
    "dropoff_rate",
    "cost_per_case",
    "utilisation_max",
    "throughput_per_week",
    "margin_per_case",
)
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
REFUSED_PER_TRIAL = 20  # refused proposals allowed per finished trial before a search gives up
REFUSED_IN_A_ROW = 200  # then the next trial is a random affordable redesign (see _escape)
# Optuna >= 5 reads constraints from the trial (``Trial.set_constraint``) and deprecates the
# samplers' ``constraints_func`` (a FutureWarning on every search); older versions only have
# ``constraints_func``. The objective records the same values either way (see RedesignObjective).
SET_CONSTRAINT = hasattr(optuna.trial.Trial, "set_constraint")


class Refused(Exception):
    """The search space refuses the proposed combination (over budget, conflicting changes).

    The trial ends as FAIL, not PRUNED: Optuna's samplers leave failed trials out of their
    model, whereas TPE counts pruned ones among its bad trials, which would steer it away from
    whatever a refused combination shares with good redesigns (measured on the redesign
    benchmark: the optimum, at the edge of the budget, was found in 13 of 20 runs instead of 18).
    Refused trials cost no simulation and do not count towards ``n_trials``.
    """


def sampler_seed(seed: Any, *, worker: int = 0, trials_before: int = 0, run: int = 0) -> Any:
    """The seed of worker ``worker``'s sampler in a run that starts with ``trials_before`` trials
    in the study, ``run`` runs having registered with it before (``register_run``): ``seed``
    itself for worker 0 of the first run of a new study (a one-worker search is the same as
    ever), else a 32-bit number derived from them, so workers sharing a study, runs started
    side by side on one storage, and a resumed or extended study do not replay the same
    proposals. ``None`` (unseeded) and non-integer seeds are left as they are."""
    first = worker == 0 and trials_before == 0 and run == 0
    if not isinstance(seed, int) or isinstance(seed, bool) or first:
        return seed
    parts = ["sampler", seed, worker, trials_before, *([run] if run else [])]
    return int.from_bytes(hashlib.sha256(json.dumps(parts).encode()).digest()[:4], "big")


RUN_ATTR = "sim:run:"
"""Prefix of the study attribute each run registers (``register_run``)."""


def register_run(study: optuna.Study) -> int:
    """Register this run with the study and return how many registered before it (0 for the
    first run ever). Two runs started at the same moment on an empty shared study both see 0
    trials; their registrations (time, then a random id) still order them, whichever reads
    first, so their samplers get different seeds."""
    key = f"{RUN_ATTR}{time.time_ns():020d}:{uuid.uuid4().hex}"
    study.set_user_attr(key, {"pid": os.getpid()})
    return sorted(k for k in study.user_attrs if k.startswith(RUN_ATTR)).index(key)


@dataclass(frozen=True)
class SearchStart:
    """How one run of a search started: its study held ``trials_before`` trials and
    ``runs_before`` runs had registered with it (``register_run``), so its samplers, one per
    search worker (``optimizer.n_jobs``), were seeded with ``sampler_seeds``
    (``sampler_seed(seed, worker=i, trials_before=..., run=...)``), where ``seed`` is the
    configured ``optimizer.sampler.seed``. A new study's single worker uses ``seed`` itself; a
    resumed or extended one a seed derived from it (QA researcher17 #3: run.json recorded the
    configured seed only)."""

    seed: Any
    trials_before: int
    runs_before: int
    sampler_seeds: tuple[Any, ...]

    @classmethod
    def of(cls, job: SearchJob, *, trials_before: int, run: int) -> SearchStart:
        """The start of a run of ``job`` with ``trials_before`` trials in its study, ``run``
        runs registered before it: the seeds ``SamplerSpec.build`` gives its samplers (None for
        a sampler without a seed)."""
        seed = job.sampler.params.get("seed")
        seeds = tuple(
            sampler_seed(seed, worker=w, trials_before=trials_before, run=run)
            for w in range(job.settings.n_jobs)
        )
        return cls(seed=seed, trials_before=trials_before, runs_before=run, sampler_seeds=seeds)

    def to_record(self) -> dict[str, Any]:
        """What a run record (``run.json``) keeps of it, beside the configured seed
        (``sampler_seed``): the seeds used, one per search worker, and what they derive from."""
        return {
            "sampler_seeds_used": list(self.sampler_seeds),
            "study_trials_before": self.trials_before,
            "study_runs_before": self.runs_before,
        }


def _short(name: str) -> str:
    """``NSGAIISampler`` -> ``nsgaii``: a study-name suffix for a sampler."""
    return name.removesuffix("Sampler").lower() or name.lower()


@dataclass(frozen=True)
class SamplerSpec:
    """An Optuna sampler by dotted class path and keyword arguments (picklable for workers)."""

    target: str = "optuna.samplers.NSGAIISampler"
    params: dict[str, Any] = field(default_factory=dict)

    def _class(self) -> type:
        module, _, name = self.target.rpartition(".")
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError, ValueError):
            raise ConfigError(
                f"optimizer.sampler._target_: cannot import '{self.target}'"
            ) from None

    @property
    def name(self) -> str:
        """The sampler's class name (what a study records: ``NSGAIISampler``, ...)."""
        return self._class().__name__

    def build(
        self,
        constraints_func: Callable | None,
        *,
        worker: int = 0,
        trials_before: int = 0,
        run: int = 0,
    ) -> optuna.samplers.BaseSampler:
        """Instantiate the sampler, passing ``constraints_func`` when it accepts one and this
        Optuna has no ``Trial.set_constraint`` (with it, the objective sets the constraints).

        Its ``seed`` is ``sampler_seed(seed, worker=..., trials_before=..., run=...)``:
        ``worker`` is the index of the worker process, ``trials_before`` the number of trials in
        the study when the run started (so a resumed study gets new proposals), ``run`` the
        runs registered with the study before this one."""
        cls = self._class()
        kwargs = dict(self.params)
        seed = kwargs.get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
            raise ConfigError(
                f"optimizer.sampler.seed: expected an integer >= 0 or null, got {seed!r}"
            )
        if "seed" in kwargs:
            kwargs["seed"] = sampler_seed(
                kwargs["seed"], worker=worker, trials_before=trials_before, run=run
            )
        import inspect

        if (
            constraints_func is not None
            and not SET_CONSTRAINT
            and "constraints_func" in inspect.signature(cls).parameters
        ):
            kwargs["constraints_func"] = constraints_func
        try:
            # TPE's multivariate/group/constant_liar are "experimental" to Optuna and warned of
            # at every construction; the bundled configs choose them knowingly
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return cls(**kwargs)
        except TypeError as exc:
            raise self._argument_error(cls, exc) from None
        except (ValueError, ImportError) as exc:  # a bad value, a missing optional dependency
            raise ConfigError(f"optimizer.sampler: {self.target}: {exc}") from None

    def _argument_error(self, cls: type, exc: TypeError) -> ConfigError:
        """What was wrong with the sampler's arguments when building it raised ``exc``: the
        keys it does not take (with the ones it does), else the keys whose value is text where
        the sampler's default is a number, else every value given."""
        import inspect

        parameters = inspect.signature(cls).parameters
        named = [
            n for n, p in parameters.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        ]
        takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
        unknown = [] if takes_any else sorted(set(self.params) - set(named))
        if unknown:
            hint = did_you_mean(unknown[0], named)
            return ConfigError(
                f"optimizer.sampler: {self.target} does not accept {unknown}{hint}; "
                f"its arguments are {sorted(named)}"
            )
        numbers = {
            key: parameters[key].default
            for key, value in self.params.items()
            if key in parameters
            and isinstance(value, str)
            and isinstance(parameters[key].default, int | float)
            and not isinstance(parameters[key].default, bool)
        }
        if numbers:
            return ConfigError(
                "; ".join(
                    f"optimizer.sampler.{key}: expected a number (default {default!r}), "
                    f"got {self.params[key]!r}"
                    for key, default in sorted(numbers.items())
                )
            )
        given = ", ".join(f"{key}={value!r}" for key, value in sorted(self.params.items()))
        return ConfigError(f"optimizer.sampler: {self.target} refused {given}: {exc}")

    def check(self, objectives: Sequence[Objective], space: SearchSpace) -> None:
        """Refuse, naming ``optimizer.sampler``, a sampler that cannot be built with its
        arguments or cannot search these objectives and this space (CmaEsSampler: one objective
        only; GridSampler: a grid without some variable).

        Optuna raises these only when the first trial is sampled, leaving that trial RUNNING in
        the storage; here a throwaway in-memory study samples one trial instead."""
        sampler = self.build(None)
        level = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                probe = optuna.create_study(
                    directions=[o.direction for o in objectives], sampler=sampler
                )
                trial = probe.ask()
                space.sample(lambda v: suggest(trial, v))
        except ValueError as exc:
            if len(objectives) > 1 and "multi-objective" in str(exc):
                raise ConfigError(
                    f"optimizer.sampler: {self.name} searches one objective only, and "
                    f"optimizer.objectives has {len(objectives)}: give one objective, or "
                    "use optimizer=nsga2, optimizer=tpe or optimizer=random"
                ) from None
            raise ConfigError(f"optimizer.sampler: {self.target}: {exc}") from None
        except ImportError as exc:  # an optional dependency (cmaes, torch, ...)
            raise ConfigError(f"optimizer.sampler: {self.target} needs {exc}") from None
        finally:
            optuna.logging.set_verbosity(level)


def integer_setting(value: Any, key: str, *, null: bool = False) -> int | None:
    """``value`` as an ``int`` (a numpy integer too), or ``None`` when ``null`` allows it;
    a bool, a float (``5.5``, also ``5.0``) or text (``"5"``) is refused with a ``ConfigError``
    naming ``key`` (QA: ``n_trials="5"`` raised a bare TypeError, ``n_trials=5.5`` ran)."""
    if value is None and null:
        return None
    if not isinstance(value, bool):
        try:
            return operator.index(value)
        except TypeError:
            pass
    expected = "an integer or null" if null else "an integer"
    raise ConfigError(f"{key}: expected {expected}, got {value!r} ({type(value).__name__})")


@dataclass(frozen=True)
class SearchSettings:
    """How the search runs (see ``configs/optimizer/*.yaml``)."""

    n_trials: int = 100
    max_redesigns: int | None = None  # stop after this many distinct redesigns simulated
    replications: int = 5
    min_replications: int = 3
    early_stop: bool = True
    n_jobs: int = 1
    """Search worker processes. More than 1 starts them with the "spawn" method (Optuna's
    storages and threads are not fork-safe), and each imports the script that started the
    search (the ``__main__`` module), running its module-level code again: a script must put
    its calls under ``if __name__ == "__main__":``. ``optimize_redesign`` and ``run_search``
    refuse to start in a worker that is importing it (``refuse_in_spawned_import``)."""
    workers: int | None = None
    study_name: str = "redesign"
    storage: str | None = None  # None: in memory (tests); else an RDB URL
    # only this run uses the storage (the run directory's study.db): a trial still RUNNING when
    # the study is opened was left by a killed run, and is failed (not another worker's)
    owns_storage: bool = False

    def __post_init__(self) -> None:
        for name in ("n_trials", "max_redesigns", "replications", "min_replications", "n_jobs"):
            value = integer_setting(
                getattr(self, name), f"optimizer.{name}", null=name == "max_redesigns"
            )
            object.__setattr__(self, name, value)  # a numpy integer becomes an int
        object.__setattr__(self, "workers", integer_setting(self.workers, "workers", null=True))
        if self.workers is not None and self.workers < 1:
            raise ConfigError(f"workers: expected >= 1 or null, got {self.workers}")
        if self.storage is not None and in_memory_sqlite(self.storage):
            raise ConfigError(
                f"optimizer.storage: {self.storage!r} is an in-memory SQLite database: every "
                "connection and worker process gets its own empty one, so trials are lost; "
                "give a file (sqlite:///path/study.db), null for the run directory's study.db, "
                "or memory for a one-process search that is not saved"
            )
        if self.n_trials < 1:
            raise ConfigError(f"optimizer.n_trials: expected >= 1, got {self.n_trials}")
        if self.replications < 2:
            raise ConfigError(
                f"optimizer.replications: expected >= 2 (a CI needs two), got {self.replications}"
            )
        if not 2 <= self.min_replications <= self.replications:
            raise ConfigError(
                f"optimizer.min_replications: expected between 2 and optimizer.replications "
                f"({self.replications}), got {self.min_replications}"
            )
        if self.n_jobs < 1:
            raise ConfigError(f"optimizer.n_jobs: expected >= 1, got {self.n_jobs}")
        if self.max_redesigns is not None and self.max_redesigns < 2:
            raise ConfigError(
                "optimizer.max_redesigns: expected null or >= 2 (the baseline counts as one), "
                f"got {self.max_redesigns}"
            )


def suggest(trial: optuna.Trial, v: Variable) -> Any:
    """The ``trial.suggest_*`` call matching a decision variable's domain."""
    if v.kind == "categorical":
        return trial.suggest_categorical(v.name, list(v.choices))
    if v.kind == "int":
        return trial.suggest_int(v.name, int(v.low), int(v.high), step=int(v.step or 1))
    return trial.suggest_float(v.name, float(v.low), float(v.high), step=v.step)


def fingerprint(*parts: Any) -> str:
    """A short hash of what defines a study (model, space, objectives, scenario, seed)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _option_parameters(option: Any) -> dict[str, Any]:
    """Every parameter of a search-space option, plain: its operator and each field (target,
    steps, one-off cost, duration, cost per execution, error rate, check and catch rate, setup
    saving, duration factor, bounds). Not its config key: where it is written, not what it does."""
    out: dict[str, Any] = {"operator": option.operator}
    for f in fields(option):
        if f.name != "key":
            value = getattr(option, f.name)
            out[f.name] = value.to_dict() if hasattr(value, "to_dict") else value
    return out


def space_description(space: SearchSpace) -> dict[str, Any]:
    """The search space as a plain mapping: its budget and each option's parameters, in
    canonical order. ``SearchJob.fingerprint`` hashes it, so a redesign file whose operators'
    parameters were edited makes another search (QA optim25 F2: hashing the variables' names
    and bounds only, a rerun resumed the old study and reused its trials' results)."""
    return {"budget": space.budget, "options": [_option_parameters(o) for o in space.options]}


def _space_part(space: SearchSpace) -> dict[str, Any]:
    """The search space in ``fingerprint_parts``: the hash of its description, its budget and a
    hash per variable, so that a refusal can name the variables whose options differ."""
    described = space_description(space)["options"]
    return {
        "hash": fingerprint(described, space.budget),
        "budget": space.budget,
        "variables": {
            o.name: fingerprint(d) for o, d in zip(space.options, described, strict=True)
        },
    }


def in_memory_sqlite(url: str) -> bool:
    """Whether ``url`` names an in-memory SQLite database (``sqlite://``, ``sqlite:///:memory:``,
    ``file::memory:``, ``mode=memory``), which no other connection or process sees."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.lower().startswith("sqlite"):
        return False
    path = rest[1:] if rest.startswith("/") else rest
    database = path.split("?")[0]
    return (
        database in ("", ":memory:")
        or database.startswith("file::memory:")
        or "mode=memory" in rest.lower()
    )


def _driver_hint(url: str) -> str:
    """What to install for a URL whose database driver is missing."""
    scheme = url.partition("://")[0].lower()
    dialect, _, driver = scheme.partition("+")
    if dialect in ("postgresql", "postgres"):
        if driver in ("", "psycopg"):
            return (
                'the PostgreSQL driver is not installed: pip install "psycopg[binary]" (with '
                "SQLAlchemy < 2.1, also write the URL as postgresql+psycopg://...)"
            )
        if driver == "psycopg2":
            return "the PostgreSQL driver is not installed: pip install psycopg2-binary"
        return f"the PostgreSQL driver is not installed: pip install {driver}"
    if dialect in ("mysql", "mariadb"):
        return (
            f"the {dialect} driver is not installed: pip install pymysql, and write the URL "
            f"as {dialect}+pymysql://..."
        )
    return f"the database driver for {scheme}:// is not installed"


#: How often opening a storage is retried when another process was creating its tables.
SCHEMA_RACE_RETRIES = 5


def _lost_schema_race(exc: BaseException) -> bool:
    """Whether ``exc`` says another process created Optuna's tables (or their types) while this
    one did: Optuna creates them without a lock, and the database refuses the second creation
    (two runs started side by side on a new database). PostgreSQL says "already exists" or
    "duplicate key"; SQLite "table studies already exists" (OperationalError) or, when both
    record the schema's version, "UNIQUE constraint failed: alembic_version.version_num"
    (IntegrityError), and "database is locked" while the other one writes it (QA)."""
    text = str(exc)
    kind = type(exc).__name__
    if kind in ("IntegrityError", "ProgrammingError"):
        return (
            "already exists" in text
            or "duplicate key" in text
            or "UNIQUE constraint failed: alembic_version" in text
        )
    return kind == "OperationalError" and ("already exists" in text or "database is locked" in text)


#: Seconds after its last heartbeat (every 30 s) a RUNNING trial of a shared storage is failed.
GRACE_PERIOD_S = 120


def open_storage(url: str | None) -> optuna.storages.BaseStorage | None:
    """An RDB storage with heartbeats (a killed worker's trial is failed and retried). A URL
    that cannot be opened, or a SQLite database that cannot be written (``refuse_unwritable``),
    is refused with a ``ConfigError`` naming ``optimizer.storage``, the password masked."""
    if url is None:
        return None
    _, _, rest = url.partition("://")
    if rest.split("/", 1)[0].count("@") > 1:  # read as a host by the driver, which then says so
        raise ConfigError(
            f"optimizer.storage: {redact(url)!r} has more than one '@' before its host: a user "
            "name or password holding '@' must be percent-encoded: '%40' for each '@' in it"
        )
    try:
        url.format(SCHEMA_VERSION=0)  # what Optuna does to the URL: {SCHEMA_VERSION} is filled in
    except (KeyError, IndexError, ValueError, AttributeError):  # its error quoted the password
        raise ConfigError(
            f"optimizer.storage: {redact(url)!r} holds '{{' or '}}', which Optuna reads as a "
            "template field ({SCHEMA_VERSION}): in a user name or password, write '{' as %7B "
            "and '}' as %7D (and '$' as %24)"
        ) from None
    refuse_unwritable(url)  # else said at its first write, as a lost connection (QA rdb20 #3)
    import inspect

    # Optuna >= 4.9 renamed the stale-trial hook; use whichever this version has.
    hook = (
        "heartbeat_stale_trial_callback"
        if "heartbeat_stale_trial_callback" in inspect.signature(RDBStorage).parameters
        else "failed_trial_callback"
    )
    # Optuna >= 4.9 also renamed the retry callback (the old name warns)
    retry = getattr(optuna.storages, "RetryHeartbeatStaleTrialCallback", RetryFailedTrialCallback)
    try:
        for attempt in range(SCHEMA_RACE_RETRIES + 1):
            try:
                with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna
                    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                    return RDBStorage(
                        url,
                        heartbeat_interval=30,
                        grace_period=GRACE_PERIOD_S,
                        engine_kwargs={"pool_pre_ping": True},
                        **{hook: retry(max_retry=1)},
                    )
            except Exception as exc:
                if not _lost_schema_race(exc):
                    raise
                if attempt == SCHEMA_RACE_RETRIES:
                    raise ConfigError(
                        f"optimizer.storage: cannot open {redact(url)!r}: another run may be "
                        "creating (or writing) this database at the same time "
                        f"({redact_secrets_of(url, _database_reason(exc))}, still after "
                        f"{SCHEMA_RACE_RETRIES} retries); "
                        "rerun the same command"
                    ) from None
                time.sleep(0.2 * (attempt + 1))  # the other process finishes the tables
        raise AssertionError("unreachable")  # the loop returns or raises
    except ConfigError:  # said already
        raise
    except ImportError:  # Optuna: "Failed to import DB access module ..." (no package named)
        raise ConfigError(
            f"optimizer.storage: cannot open {redact(url)!r}: {_driver_hint(url)}"
        ) from None
    except Exception as exc:  # sqlalchemy/driver errors vary by backend
        missing = _sqlite_missing_directory(url)
        if missing:
            raise ConfigError(
                f"optimizer.storage: cannot open {redact(url)!r}: {missing}"
            ) from None
        raise ConfigError(
            f"optimizer.storage: cannot open {redact(url)!r}: "
            + redact_secrets_of(url, _opening_reason(exc))
            + _dialect_hint(url)
        ) from None


def _opening_reason(exc: BaseException) -> str:
    """Why a storage could not be opened, in one line: the database's own reason where ``exc``
    wraps it (``__cause__`` / ``__context__``; QA optim25 F1: Optuna's StorageInternalError said
    "invalid data in the commit, e.g. exceeding max length" for PostgreSQL's "permission
    denied for table version_info"); else ``exc`` itself, with the last error of its chain."""
    from sqlalchemy.exc import DBAPIError

    seen: set[int] = set()
    link: BaseException | None = exc
    root = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if isinstance(link, DBAPIError):
            return _database_reason(link)  # the driver's own words
        root = link
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)
    said = f"{type(exc).__name__}: {exc}"
    return said if root is exc else f"{said} (caused by {_database_reason(root)})"


def _dialect_hint(url: str) -> str:
    """``; write the URL as postgresql://...`` for a ``postgres://`` URL (as Heroku and many
    hosts print it), which SQLAlchemy refuses with "Can't load plugin: sqlalchemy.dialects:
    postgres"; else ``""``."""
    scheme, sep, rest = url.partition("://")
    dialect, plus, driver = scheme.partition("+")
    if not sep or dialect.lower() != "postgres":
        return ""
    return (
        f"; SQLAlchemy knows no 'postgres' dialect: write the URL as "
        f"{redact(f'postgresql{plus}{driver}://{rest}')}"
    )


def sqlite_file(url: str | None) -> Path | None:
    """The database file a SQLite ``url`` names (relative to the current directory when the
    URL has three slashes), or None for another database or an in-memory one."""
    if url is None:
        return None
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.lower().startswith("sqlite") or in_memory_sqlite(url):
        return None
    return Path(rest[1:].partition("?")[0])  # after the third slash; a fourth is /


def _sqlite_missing_directory(url: str) -> str:
    """Why a SQLite ``url`` cannot be opened when the folder of its file does not exist (SQLite
    says only "unable to open database file"), with the four-slash URL when the path was
    probably meant to be absolute (``sqlite:///tmp/x.db`` is ``tmp/x.db`` in the current
    directory); "" otherwise."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.lower().startswith("sqlite") or in_memory_sqlite(url):
        return ""
    path, query_sep, query = rest[1:].partition("?")  # after the third slash; a fourth is /
    database = Path(path)
    folder = database.parent
    if folder.is_dir():
        return ""
    said = f"no folder {folder.resolve()} to hold the database file {database.name}"
    if not database.is_absolute() and Path("/", folder).is_dir():
        said += (
            f" (sqlite:/// and a relative path is read from the current directory; an absolute "
            f"path takes four slashes: {scheme}:////{path}{query_sep}{query})"
        )
    return said + "; create the folder or give another path"


def _what_differs(stored: Any, current: Mapping[str, Any] | None) -> str:
    """``: here seed is 7, the study's 1`` (each part of ``fingerprint_parts`` that
    differs), or "" when the study predates the parts (or nothing can be named)."""
    if not isinstance(stored, Mapping) or not current:
        return ""
    said = []
    for name, now in current.items():
        then = stored.get(name)
        if then is None or _canonical(_order_free(name, then)) == _canonical(
            _order_free(name, now)
        ):
            continue
        if name == "scenario" and isinstance(then, Mapping) and isinstance(now, Mapping):
            then, now = search_scenario(then), search_scenario(now)
            said += [
                f"scenario.{k} is {now.get(k)!r}, the study's {then.get(k)!r}"
                for k in sorted(set(then) | set(now))
                if _canonical(then.get(k)) != _canonical(now.get(k))
            ]
        elif name == "search space":
            said.append(_space_differs(then, now))
        elif name == "model":
            said.append(f"the {name} is another")
        else:
            said.append(f"{name} is {now!r}, the study's {then!r}")
    return ": here " + "; ".join(said) if said else ""


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _order_free(name: str, part: Any) -> Any:
    """A part of ``fingerprint_parts`` as a resume compares it: the search space
    (``_space_part``) by its budget and each variable's parameters, by name, without the hash
    of its options in the file's order, so that the same entries in another order are the same
    search (QA rt_optim F2: two staffing lines swapped were refused as "the search space is
    another", naming nothing). Names are unique (``<operator>:<entry>``, an entry once per
    section), so that is the whole space. Any other part (a space recorded as one hash, by a
    study made before) as it is."""
    if name == "search space" and isinstance(part, Mapping) and "variables" in part:
        return {k: v for k, v in part.items() if k != "hash"}
    return part


def _space_differs(then: Any, now: Any) -> str:
    """``the search space is another (the parameters of automate:intake differ)``: the
    variables whose options differ, are new or are left out, and the budget, where the study
    recorded them per variable (``_space_part``; a study made before recorded one hash, of
    the variables in the file's order, which cannot tell which)."""
    if not isinstance(then, Mapping) or not isinstance(now, Mapping):
        return (
            "the search space is another (the study recorded it as one hash: a variable, its "
            "domain or the budget differs, or the entries of a section are in another order)"
        )
    before, after = then.get("variables") or {}, now.get("variables") or {}
    bits = []
    if _canonical(then.get("budget")) != _canonical(now.get("budget")):
        bits.append(f"redesign.budget is {now.get('budget')!r}, the study's {then.get('budget')!r}")
    changed = [n for n in after if n in before and before[n] != after[n]]
    if changed:
        bits.append(f"the parameters of {', '.join(changed)} differ")
    added = [n for n in after if n not in before]
    if added:
        bits.append(f"{', '.join(added)} {'is' if len(added) == 1 else 'are'} new")
    gone = [n for n in before if n not in after]
    if gone:
        bits.append(f"{', '.join(gone)} {'is' if len(gone) == 1 else 'are'} left out")
    return "the search space is another" + (f" ({'; '.join(bits)})" if bits else "")


@dataclass(frozen=True)
class EarlierFingerprint:
    """A search as sim optimize identified it before its fingerprint covered the operators'
    parameters (QA optim25 F2): the search space by its variables' names and domains and its
    budget only. A study recorded so cannot tell whether the redesign file's costs, durations
    or rates were edited since; it is resumed when its trials' recorded changes read the same
    with ``space`` (``_edited_changes``), and then stamped with the full fingerprint."""

    fingerprint: str
    parts: dict[str, Any]
    space: SearchSpace


def _made_before(attrs: Mapping[str, Any], earlier: EarlierFingerprint | None) -> bool:
    """Whether a study's attributes ``attrs`` record this search as ``earlier`` identified it."""
    return earlier is not None and (
        attrs.get("fingerprint") == earlier.fingerprint
        or _same_search(attrs.get("fingerprint_parts"), earlier.parts)
    )


def _edited_changes(trials: Sequence[FrozenTrial], space: SearchSpace) -> str:
    """``""`` when every trial among ``trials`` reads the changes and one-off cost it recorded
    (``changes``, ``one_off_cost``) with ``space``; else what an edited operator made differ,
    for the first trial that shows it."""
    seen: set[str] = set()
    for t in trials:
        if "changes" not in t.user_attrs:
            continue
        choice = _canonical(t.params)
        if choice in seen:
            continue
        seen.add(choice)
        try:
            now, cost = space.describe(t.params), space.one_off_cost(t.params)
        except ConfigError as exc:
            return f"trial {t.number}'s redesign is not one of this search space ({exc})"
        then = list(t.user_attrs["changes"])
        if then != now:
            return (
                f"the operators' parameters differ: trial {t.number} of the study reads "
                f"{'; '.join(then)!r}, this search space {'; '.join(now)!r}"
            )
        if not math.isclose(float(t.user_attrs.get("one_off_cost", cost)), cost, abs_tol=1e-6):
            return (
                f"the operators' one-off costs differ: trial {t.number} of the study cost "
                f"{t.user_attrs['one_off_cost']!r}, with this search space {cost!r}"
            )
    return ""


def _other_search(
    attrs: Mapping[str, Any],
    *,
    study_fingerprint: str,
    fingerprint_parts: Mapping[str, Any] | None,
    earlier: EarlierFingerprint | None,
    trials: Callable[[], Sequence[FrozenTrial]],
) -> str | None:
    """What a study's attributes ``attrs`` record of another search than this one: ``""`` when
    it cannot be named, ``": here ..."`` when it can; None for this search's study (or a new
    one)."""
    old = attrs.get("fingerprint")
    parts = attrs.get("fingerprint_parts")
    if old is None or old == study_fingerprint or _same_search(parts, fingerprint_parts):
        return None
    if _made_before(attrs, earlier):
        assert earlier is not None
        edited = _edited_changes(trials(), earlier.space)
        return f": here {edited}" if edited else None
    # parts recorded before the search space's were per variable: compared as they were made
    recorded_space = parts.get("search space") if isinstance(parts, Mapping) else None
    if earlier is not None and isinstance(recorded_space, str):
        fingerprint_parts = earlier.parts
    return _what_differs(parts, fingerprint_parts)


def _same_search(stored: Any, current: Mapping[str, Any] | None) -> bool:
    """Whether a study's recorded ``fingerprint_parts`` and this search's are the same search
    but for the scenario keys a search does not use (``UNUSED_SCENARIO_KEYS``): a study made
    with another ``scenario.replications`` hashed it into its fingerprint; and but for the
    order of the search space's entries (``_order_free``), which the fingerprint hashes too.
    False when either is missing (a study older than its parts: only its fingerprint can
    tell)."""
    if not isinstance(stored, Mapping) or not current or set(stored) != set(current):
        return False

    def used(parts: Mapping[str, Any]) -> str:
        parts = {name: _order_free(name, part) for name, part in parts.items()}
        scenario = parts.get("scenario")
        if isinstance(scenario, Mapping):
            parts = {**parts, "scenario": search_scenario(scenario)}
        return _canonical(parts)

    return used(stored) == used(current)


def _free_name(wanted: str, taken: Collection[str]) -> str:
    """``wanted``, or ``wanted_2``, ``wanted_3``... the first that no study in the storage has
    (``taken``): a refusal's suggestion that is itself refused helps nobody (QA retest20 #4)."""
    name, k = wanted, 1
    while name in taken:
        k += 1
        name = f"{wanted}_{k}"
    return name


def _another_run_dir(run_dir: Path, suffix: str) -> str:
    """``hydra.run.dir=runs/opt_tpe``: the override, quoted for the shell, of a new or empty
    directory beside ``run_dir`` (``<name>_<suffix>``, or ``_2``, ``_3``... after it, the first
    not taken), relative to the current directory when inside it. The advice of a refusal in a
    run directory's own study.db: a directory holds one search, so another study there is
    refused too (QA hints23 #4)."""
    parent = run_dir.parent

    def empty_dir(path: Path) -> bool:
        try:
            return path.is_dir() and not any(path.iterdir())
        except OSError:
            return False

    try:
        taken = {p.name for p in parent.iterdir() if not empty_dir(p)}
    except OSError:
        taken = set()
    path = parent / _free_name(f"{run_dir.name}_{suffix}", taken)
    try:
        path = path.relative_to(Path.cwd())
    except ValueError:
        pass  # outside the current directory: said in full
    return shlex.quote(f"hydra.run.dir={path}")


def _own_run_dir(storage: str | None) -> Path | None:
    """The run directory whose own study.db is the SQLite ``storage`` (its folder), or None."""
    database = sqlite_file(storage)
    return None if database is None else database.resolve().parent


def refuse_other_study(
    attrs: Mapping[str, Any],
    *,
    study_name: str,
    study_fingerprint: str,
    sampler_name: str,
    fingerprint_parts: Mapping[str, Any] | None = None,
    taken: Collection[str] = (),
    run_dir: Path | None = None,
    earlier: EarlierFingerprint | None = None,
    trials: Callable[[], Sequence[FrozenTrial]] = tuple,
) -> None:
    """Refuse (``ConfigError`` naming ``optimizer.study_name``) to resume a stored study whose
    attributes ``attrs`` record another search (``fingerprint``: model, search space with its
    operators' parameters, objectives, constraints, scenario, seed, replications) or another
    sampler. A study without them (new) passes, and so does one that differs only in scenario
    keys a search does not use (``UNUSED_SCENARIO_KEYS``, told by its ``fingerprint_parts``),
    and one made before the fingerprint covered the operators' parameters (``earlier``) whose
    ``trials`` read the same with this search space. The study name suggested
    is one no study of the storage has (``taken``: their names). ``run_dir``: the storage is
    that run directory's own study.db (``optimizer.storage=null``), which holds one search:
    another study name there is refused as well (``sim.cli.optimize.check_same_study``), so the
    advice is another hydra.run.dir, named. Used when the study is opened and, earlier, by
    ``check_study``."""
    where = (
        "this storage"
        if run_dir is None
        else f"{run_dir / 'study.db'} (the run directory's own, optimizer.storage=null)"
    )
    # a directory holds one search: a rerun in it resumes its study only
    elsewhere = (
        "; a run directory holds one search, resumed only with {again}: choose another "
        "hydra.run.dir (a new or empty directory) for this search, e.g. {override}"
    )
    what = _other_search(
        attrs,
        study_fingerprint=study_fingerprint,
        fingerprint_parts=fingerprint_parts,
        earlier=earlier,
        trials=trials,
    )
    if what is not None:
        said = (
            f"optimizer.study_name: the study '{study_name}' in {where} was made for a "
            "different model, search space, objectives, constraints, scenario, seed or "
            f"optimizer.replications{what}"
        )
        if run_dir is not None:
            raise ConfigError(
                said
                + elsewhere.format(
                    again="its settings",
                    override=_another_run_dir(run_dir, "2"),
                )
            )
        raise ConfigError(
            f"{said}; give this search its "
            f"own study (optimizer.study_name={_free_name(f'{study_name}_2', taken)}, or in a "
            "sweep over seeds "
            f"'optimizer.study_name={study_name}_${{seed}}') or, with the default storage, "
            "another hydra.run.dir"
        )
    made_with = attrs.get("sampler")
    if made_with is not None and made_with != sampler_name:
        said = (
            f"optimizer.study_name: the study '{study_name}' in {where} was made with "
            f"{made_with}, not {sampler_name}"
        )
        if run_dir is not None:
            raise ConfigError(
                said
                + elsewhere.format(
                    again=f"its sampler ({made_with})",
                    override=_another_run_dir(run_dir, _short(sampler_name)),
                )
            )
        raise ConfigError(
            f"{said}; give this search its own study, e.g. "
            f"optimizer.study_name={_free_name(f'{study_name}_{_short(sampler_name)}', taken)} "
            "(in a sweep over samplers: "
            f"'optimizer.study_name={study_name}_${{hydra:runtime.choices.optimizer}}')"
        )


def _directions_text(directions: Sequence[str]) -> str:
    """``1 objective (maximize)``, ``3 objectives (minimize, minimize, maximize)``."""
    n = len(directions)
    return f"{n} objective{'' if n == 1 else 's'} ({', '.join(directions)})"


def refuse_foreign_study(
    attrs: Mapping[str, Any],
    *,
    study_name: str,
    storage: str | None,
    directions: Sequence[str],
    objectives: Sequence[Objective],
    n_trials: int,
    taken: Collection[str] = (),
) -> None:
    """Refuse (``ConfigError`` naming ``optimizer.study_name`` and the storage, its password
    masked) a stored study that this search cannot take over: one whose objectives
    (``directions``, Optuna's ``minimize``/``maximize`` per objective) are not this search's
    ``objectives``, and one without the ``fingerprint`` sim optimize records (plain Optuna's, or
    another tool's) that holds trials (``n_trials`` of them) or user attributes (``attrs``).
    Such a study was adopted: its trials counted towards ``optimizer.n_trials``, every trial
    this search told Optuna failed when the numbers of objectives differed, sim's attributes
    were stamped on it and the run ended in a traceback (QA rdb20 #1). An empty study with no
    attribute and this search's directions passes (a run that created it was stopped before
    recording its fingerprint), and so does one with a fingerprint (``refuse_other_study``
    compares that). Called when the study is opened, before anything is written to it, and
    earlier by ``check_study``."""
    wanted = [o.direction for o in objectives]
    said = []
    if list(directions) != wanted:
        said.append(
            f"it has {_directions_text(directions)}, not this search's {_directions_text(wanted)} "
            "(optimizer.objectives)"
        )
    if attrs.get("fingerprint") is None and (n_trials or attrs):
        held = [f"{n_trials} trial{'' if n_trials == 1 else 's'}"] if n_trials else []
        if attrs:
            names = sorted(attrs)
            shown = ", ".join(repr(n) for n in names[:3]) + (", ..." if len(names) > 3 else "")
            held.append(f"the user attribute{'' if len(names) == 1 else 's'} {shown}")
        said.append(
            "it was not made by sim optimize (it has no fingerprint of a search) and holds "
            + " and ".join(held)
        )
    if not said:
        return
    where = f"{redact(storage)} (optimizer.storage)" if storage else "this storage"
    raise ConfigError(
        f"optimizer.study_name: the study '{study_name}' in {where} is not one this search can "
        f"resume: {'; '.join(said)}; it is left as it is: give this search its own study "
        f"(optimizer.study_name={_free_name(f'{study_name}_2', taken)}) or another "
        "optimizer.storage"
    )


def _sqlite_unwritable(url: str | None) -> str:
    """Why the SQLite database ``url`` names cannot be written, or "" (another database, an
    in-memory one, or one that can be written as far as the file system tells): the file is
    read-only (its mode, an immutable flag, a read-only mount), or its folder is, where SQLite
    writes its journal beside the file (and creates the file when it does not exist yet). A
    search writes as it starts (it registers with the study), so such a storage failed only at
    the first write, reported as a lost connection with "rerun the same command to resume",
    which failed the same way (QA rdb20 #3)."""
    database = sqlite_file(url)
    if database is None:
        return ""
    folder = database.parent
    if database.exists() and not os.access(database, os.W_OK):
        return f"the database file {database.resolve()} is read-only"
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        if database.exists():
            return (
                f"its folder {folder.resolve()} is read-only, and SQLite writes a journal file "
                "beside the database"
            )
        return f"its folder {folder.resolve()} is read-only: the database file cannot be created"
    return ""


def refuse_unwritable(url: str | None) -> None:
    """Refuse (``ConfigError`` naming ``optimizer.storage``, the password masked) a SQLite
    storage that cannot be written (``_sqlite_unwritable``), before anything is written."""
    reason = _sqlite_unwritable(url)
    if reason:
        raise ConfigError(
            f"optimizer.storage: cannot write {redact(str(url))!r}: {reason}; a search writes "
            "its trials into the study: give a database this run can write (another path, or "
            "make this one writable)"
        )


#: SQLSTATE of a statement the database user lacks the privilege for (PostgreSQL's
#: insufficient_privilege), and MySQL's error numbers for a database, table or column denied
INSUFFICIENT_PRIVILEGE = "42501"
MYSQL_ACCESS_DENIED = frozenset({1044, 1142, 1143})


def _write_denied(error: BaseException) -> bool:
    """Whether the database error ``error`` (a SQLAlchemy ``DBAPIError`` or the driver's own)
    says the database user may not do what was asked (PostgreSQL's "permission denied for
    table ...", MySQL's "... command denied", SQLite's "attempt to write a readonly
    database"), rather than that the database was lost."""
    orig = getattr(error, "orig", None) or error
    first = orig.args[0] if orig.args else None
    code = (
        (first.get("C") if isinstance(first, dict) else None)  # pg8000: the server's fields
        or getattr(orig, "sqlstate", None)  # psycopg
        or getattr(orig, "pgcode", None)  # psycopg2
    )
    if code == INSUFFICIENT_PRIVILEGE:
        return True
    if isinstance(first, int) and first in MYSQL_ACCESS_DENIED:
        return True
    return str(getattr(orig, "sqlite_errorname", "")).startswith("SQLITE_READONLY")


def _first_writes(storage: RDBStorage) -> None:
    """Write what a search writes into its study, through Optuna's own storage calls: a study
    with a user and a system attribute, and a trial with a parameter, its attributes, a
    heartbeat (recorded twice: added, then updated) and its end with a value."""
    from optuna.distributions import CategoricalDistribution

    study_id = storage.create_new_study(
        [optuna.study.StudyDirection.MINIMIZE], f"sim-write-check-{uuid.uuid4().hex}"
    )
    storage.set_study_user_attr(study_id, "sim:write-check", True)
    storage.set_study_system_attr(study_id, "sim:write-check", True)
    trial_id = storage.create_new_trial(study_id)
    storage.set_trial_param(trial_id, "check", 0.0, CategoricalDistribution((False, True)))
    storage.set_trial_user_attr(trial_id, "sim:write-check", True)
    storage.set_trial_system_attr(trial_id, "sim:write-check", True)
    storage.record_heartbeat(trial_id)
    storage.record_heartbeat(trial_id)
    storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [0.0])


def _write_refusal(storage: RDBStorage) -> str:
    """The database's reason for refusing a search's writes (``_first_writes``), or "" when
    it takes them. They are made on one connection in a transaction that is rolled back, so
    nothing stays in the database (Optuna's sessions commit to a savepoint inside it). A
    database user that may read Optuna's tables but not write them was let through, and the
    search failed at its first write, after the run directory was written, as "lost the
    connection ...; rerun the same command to resume" (QA rt_optim F1)."""
    from sqlalchemy import orm

    own_sessions = storage.scoped_session
    with storage.engine.connect() as connection:
        transaction = connection.begin()
        storage.scoped_session = orm.scoped_session(
            orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        try:
            with optuna_verbosity(optuna.logging.WARNING):  # not "A new study created ..."
                _first_writes(storage)
        except Exception as exc:
            refused = _lost_storage(exc)
            if refused is None:  # not the database's answer: the search's own writes will tell
                return ""
            return _database_reason(refused)
        finally:
            storage.scoped_session.remove()
            storage.scoped_session = own_sessions
            with suppress(Exception):  # a connection gone took its uncommitted writes along
                transaction.rollback()
    return ""


def refuse_read_only(url: str, storage: RDBStorage) -> None:
    """Refuse (``ConfigError`` naming ``optimizer.storage``, the password masked) a database
    that opens but refuses a search's writes (``_write_refusal``): a user that may read the
    study's tables but not write them. Not for SQLite, whose file and folder are checked
    instead (``refuse_unwritable``): writing would wait on a search writing the same file."""
    if sqlite_file(url) is not None or in_memory_sqlite(url):
        return
    reason = _write_refusal(storage)
    if not reason:
        return
    said = redact_secrets_of(url, reason)
    raise ConfigError(
        f"optimizer.storage: cannot write {redact(url)!r}: the database refused a search's "
        f"first writes ({said}); a search writes its trials into the study: give a database "
        "user that may write (insert and update) Optuna's tables, or another storage"
    )


def check_study(job: SearchJob) -> int:
    """Open the job's storage once, without creating anything in it, and refuse what
    ``run_search`` would refuse when it opens the study: a storage that cannot be opened
    (``open_storage``) or written (a read-only SQLite file or folder; another database that
    refuses a search's writes, tried and rolled back: ``refuse_read_only``), a study of the
    same name made for another search or with another sampler (``refuse_other_study``), and one
    that another tool made or whose objectives differ (``refuse_foreign_study``). For a check before
    anything is written; the storage's connections are closed again. A SQLite file that does
    not exist yet is not opened (that would create it, and Optuna's tables in it, before the
    checks that may still refuse the run: QA, a refused run left a new database behind); only
    its folder is checked. Returns the study's finished trials (complete or pruned; 0 for a
    study not made yet): what a resumed run says the study already has."""
    url = job.settings.storage
    database = sqlite_file(url)
    if url is not None and database is not None and not database.exists():
        missing = _sqlite_missing_directory(url)
        if missing:
            raise ConfigError(f"optimizer.storage: cannot open {redact(url)!r}: {missing}")
        refuse_unwritable(url)
        return 0  # no study there yet: this search will create it
    storage = open_storage(url)
    if storage is None:
        return 0
    try:
        refuse_read_only(url, storage)
        try:
            study_id = storage.get_study_id_from_name(job.settings.study_name)
        except KeyError:  # no such study yet: this search will create it
            return 0
        attrs = storage.get_study_user_attrs(study_id)
        taken = {s.study_name for s in storage.get_all_studies()}
        refuse_other_study(
            attrs,
            study_name=job.settings.study_name,
            study_fingerprint=job.fingerprint,
            sampler_name=job.sampler.name,
            fingerprint_parts=job.fingerprint_parts,
            taken=taken,
            run_dir=_own_run_dir(url) if job.settings.owns_storage else None,
            earlier=job.earlier,
            trials=lambda: storage.get_all_trials(study_id, deepcopy=False),
        )
        refuse_foreign_study(
            attrs,
            study_name=job.settings.study_name,
            storage=url,
            directions=[d.name.lower() for d in storage.get_study_directions(study_id)],
            objectives=job.objectives,
            n_trials=storage.get_n_trials(study_id),
            taken=taken,
        )
        return len(storage.get_all_trials(study_id, deepcopy=False, states=FINISHED))
    finally:
        engine = getattr(storage, "engine", None)
        if engine is not None:
            engine.dispose()


def open_study(
    *,
    storage: str | None,
    study_name: str,
    objectives: Sequence[Objective],
    sampler: optuna.samplers.BaseSampler,
    study_fingerprint: str,
    fail_running: bool = False,
    fingerprint_parts: Mapping[str, Any] | None = None,
    earlier: EarlierFingerprint | None = None,
) -> optuna.Study:
    """Create the study, or load it to resume (refusing one made for a different search or with
    another sampler, ``refuse_other_study``, and one another tool made or whose objectives
    differ, ``refuse_foreign_study``; a storage that cannot be written is refused as it is
    opened, ``open_storage``). ``fail_running``: only this run uses the storage (the run
    directory's own study.db), so trials still RUNNING were left by a killed run; they are
    failed (they do not count towards ``n_trials``), and a refusal advises another run
    directory rather than another study name. ``earlier``: this search as a study made before
    the fingerprint covered the operators' parameters records it (``EarlierFingerprint``)."""
    with deferred():  # an interrupt waits until the storage is written (sim.optimize.interrupts)
        return _open_study(
            storage=storage,
            study_name=study_name,
            objectives=objectives,
            sampler=sampler,
            study_fingerprint=study_fingerprint,
            fail_running=fail_running,
            fingerprint_parts=fingerprint_parts,
            earlier=earlier,
        )


def _open_study(
    *,
    storage: str | None,
    study_name: str,
    objectives: Sequence[Objective],
    sampler: optuna.samplers.BaseSampler,
    study_fingerprint: str,
    fail_running: bool,
    fingerprint_parts: Mapping[str, Any] | None = None,
    earlier: EarlierFingerprint | None = None,
) -> optuna.Study:
    st = open_storage(storage)
    study = optuna.create_study(
        storage=st,
        study_name=study_name,
        directions=[o.direction for o in objectives],
        sampler=sampler,
        load_if_exists=True,
    )
    sampler_name = type(sampler).__name__
    attrs = study.user_attrs
    taken = {s.study_name for s in optuna.get_all_study_summaries(st)} if st is not None else set()
    refuse_other_study(
        attrs,
        study_name=study_name,
        study_fingerprint=study_fingerprint,
        sampler_name=sampler_name,
        fingerprint_parts=fingerprint_parts,
        taken=taken,
        run_dir=_own_run_dir(storage) if fail_running else None,
        earlier=earlier,
        trials=lambda: study.get_trials(deepcopy=False),
    )
    # before anything is stamped on it: create_study(load_if_exists=True) loads a study of
    # this name whatever its directions
    refuse_foreign_study(
        attrs,
        study_name=study_name,
        storage=storage,
        directions=[d.name.lower() for d in study.directions],
        objectives=objectives,
        n_trials=len(study.get_trials(deepcopy=False)),
        taken=taken,
    )
    new = attrs.get("fingerprint") is None
    # a study made before the fingerprint covered the operators' parameters, resumed above:
    # from now on an edit of them is told by the fingerprint itself
    if new or _made_before(attrs, earlier):
        study.set_user_attr("fingerprint", study_fingerprint)
        if fingerprint_parts:  # what a refusal names when another search opens the study
            study.set_user_attr("fingerprint_parts", json.loads(_canonical(fingerprint_parts)))
    if new:
        study.set_user_attr("objectives", [o.kpi for o in objectives])
    if study.user_attrs.get("sampler") is None:
        study.set_user_attr("sampler", sampler_name)
    if fail_running:
        _fail_abandoned(study)
    return study


def running_whose() -> str:
    """Whose a trial RUNNING in a shared study may be, and when a later run fails it: said of
    the trials running as a run starts (``note_running``) and of those still running as its
    search ended (recommendations.md, QA walk28_research F3)."""
    return (
        "another run's or worker's, still under way, or a killed run's, which is marked failed "
        f"and retried once its heartbeat is {GRACE_PERIOD_S} s old; one that never recorded its "
        "process, as a run killed or cut off from its database as the trial began leaves it, "
        f"is failed, not retried, once it is {OWNERLESS_AFTER_S // 60} minutes old"
    )


def note_running(study: optuna.Study) -> None:
    """In a shared storage, say on the console how many trials are RUNNING as this run starts:
    another process's, or a killed run's that the heartbeat fails only once stale (QA long jobs:
    a rerun within the grace period finished with a killed run's 2 trials still running, with
    no word)."""
    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    if not running:
        return
    numbers = ", ".join(str(t.number) for t in running)
    print(
        f"note: {len(running)} trial(s) of this study are running as this run starts "
        f"(#{numbers}): {running_whose()}",
        file=sys.stderr,
    )


def _fail_and_say(
    study: optuna.Study, trials: list[Any], by: str, *, why: str | None = None
) -> None:
    """Mark ``trials`` (left RUNNING ``by`` whom) failed, Optuna's own warnings hushed, and say
    so on the console."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        with deferred():  # an interrupt waits until the storage is written
            for t in trials:
                study.tell(t.number, state=TrialState.FAIL, skip_if_finished=True)
    finally:
        optuna.logging.set_verbosity(level)
    numbers = ", ".join(str(t.number) for t in trials)
    print(
        f"note: {len(trials)} trial(s) left running by {by} (#{numbers}"
        + (f": {why}" if why else "")
        + ") marked failed; they do not count towards optimizer.n_trials",
        file=sys.stderr,
    )


def _fail_abandoned(study: optuna.Study) -> None:
    """Fail the trials a killed run left RUNNING (say so on the console)."""
    stale = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    if not stale:
        return
    _fail_and_say(study, stale, "an interrupted run")


PROCESS_ATTR = "sim:process"
"""System attribute of a trial: the process that runs it (``mark_process``)."""


def mark_process(trial: optuna.Trial) -> None:
    """Record on ``trial`` the process running it (pid, host), so that a later run on this host
    can tell a trial left RUNNING by a process that has ended (``fail_ended``)."""
    here = {"pid": os.getpid(), "host": socket.gethostname()}
    trial.storage.set_trial_system_attr(trial._trial_id, PROCESS_ATTR, here)


def _process_ended(trial: FrozenTrial) -> bool:
    """Whether the process ``trial`` names (``mark_process``) has ended: it ran on this host
    and no process has its pid any more (False when that cannot be told: another host, a
    trial without the attribute)."""
    proc = trial.system_attrs.get(PROCESS_ATTR)
    if not isinstance(proc, dict) or proc.get("host") != socket.gethostname():
        return False
    pid = proc.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's process: alive
        return False
    return False


#: seconds after which a RUNNING trial that never recorded its process is taken as abandoned
#: (``_never_marked``): far beyond any sampler's time in ``ask``, so no live trial is failed
OWNERLESS_AFTER_S = 3600


def _never_marked(trial: FrozenTrial) -> bool:
    """Whether ``trial`` is RUNNING without the process attribute its objective records first
    (``mark_process``) ``OWNERLESS_AFTER_S`` after it started: a process that ended between
    Optuna creating the trial and the objective starting (a SIGKILL, a second signal), which
    records no heartbeat either, so Optuna never fails it (QA signals21 #2: still RUNNING
    after 11 minutes and two reruns, where the note promised a retry). Not the heartbeat's
    grace period: a run held 135 s in a slow sampler's ``ask`` had its live trial failed and
    crashed (QA signals21b #2)."""
    if trial.system_attrs.get(PROCESS_ATTR) is not None or trial.datetime_start is None:
        return False
    age = datetime.datetime.now() - trial.datetime_start  # Optuna's clock: local, naive
    return age.total_seconds() > OWNERLESS_AFTER_S


def _stale_heartbeats(study: optuna.Study) -> set[int]:
    """The ids of the RUNNING trials of ``study`` whose heartbeat is older than the grace period
    (none for a storage without heartbeats)."""
    storage = study._storage
    stale = getattr(storage, "_get_stale_trial_ids", None)  # Optuna's BaseHeartbeat
    if stale is None or storage.get_heartbeat_interval() is None:
        return set()
    return set(stale(study._study_id))


def fail_ended(study: optuna.Study, *, stale_too: bool) -> None:
    """Fail the RUNNING trials of a shared study whose process has ended (``_process_ended``:
    a killed run's, resumed on the same host) and, with ``stale_too``, those whose heartbeat is
    stale, and say so on the console. ``stale_too`` where no trial is left to run: Optuna fails
    (and retries) stale trials only as it starts one, so a study already full kept a killed
    run's trial RUNNING for good, listed so in trials.csv (QA hydrapower). Failed here they are
    not retried: they do not count towards ``optimizer.n_trials`` and the sampler proposes
    others.

    Also failed, whatever ``stale_too``: a trial that has not named its process
    (``mark_process``) ``OWNERLESS_AFTER_S`` after it started (``_never_marked``)."""
    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    if not running:
        return
    stale = _stale_heartbeats(study) if stale_too else set()
    ended = [t for t in running if t._trial_id in stale or _process_ended(t) or _never_marked(t)]
    if not ended:
        return
    _fail_and_say(study, ended, "a process that has ended", why="a killed run's or worker's")


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def simulated_trials(trials: Sequence[FrozenTrial]) -> dict[str, FrozenTrial]:
    """Each redesign's trial among ``trials`` (by its ``key``), the one that simulated it: an
    original before any repeat (``duplicate_of``), then the earliest, so that a repeat's
    ``duplicate_of`` names the simulated trial. Filled in trial order, a resumed or extended
    search named the last repeat instead (QA researcher17 #1)."""
    known: dict[str, FrozenTrial] = {}
    for t in sorted(trials, key=lambda t: ("duplicate_of" in t.user_attrs, t.number)):
        if "key" in t.user_attrs:
            known.setdefault(t.user_attrs["key"], t)
    return known


class RedesignObjective:
    """The function Optuna calls per trial: sample a redesign, simulate it, score it."""

    def __init__(
        self,
        *,
        evaluator: Evaluator,
        objectives: Sequence[Objective],
        constraints: Sequence[Constraint],
        settings: SearchSettings,
        known: Mapping[str, FrozenTrial] | None = None,
    ) -> None:
        self.ev = evaluator
        self.objectives = tuple(objectives)
        self.constraints = tuple(constraints)
        self.settings = settings
        self.known: dict[str, FrozenTrial] = dict(known or {})
        self.refused_in_a_row = 0

    def _escape(self, trial: optuna.Trial) -> None:
        """Queue a random redesign the space accepts as the next trial.

        A refused trial is left out of the sampler's model, so a model-based sampler (TPE) may
        propose the same refused combination again and again; a random affordable redesign
        gives it new information. Seeded by the trial number: the same study, the same escapes.
        """
        space = self.ev.space
        rng = np.random.default_rng([self.ev.seed, trial.number])
        for _ in range(100):
            choice = space.sample(lambda v: _plain(v.sample(rng)))
            try:
                space.check(choice)
            except RedesignRefused:
                continue
            trial.study.enqueue_trial(choice, skip_if_exists=False)
            return

    def __call__(self, trial: optuna.Trial) -> float | list[float]:
        checkpoint()  # an interrupt kept during the last storage write stops here (trial failed)
        mark_process(trial)
        space = self.ev.space
        choice = space.sample(lambda v: suggest(trial, v))
        choice = {k: _plain(v) for k, v in choice.items()}
        key = self.ev.key(choice)
        trial.set_user_attr("key", key)
        trial.set_user_attr("changes", space.describe(choice))
        trial.set_user_attr("one_off_cost", space.one_off_cost(choice))
        try:
            space.check(choice)
            self.ev.redesigned(choice)
        except RedesignRefused as exc:
            trial.set_user_attr("refused", str(exc))
            self.refused_in_a_row += 1
            if self.refused_in_a_row % REFUSED_IN_A_ROW == 0:
                self._escape(trial)
            raise Refused(str(exc)) from None
        self.refused_in_a_row = 0
        previous = self._earlier(trial.study, key)
        if previous is not None and previous.values is not None:  # same redesign seen before
            for k, v in previous.user_attrs.items():
                if k not in ("key", "changes", "one_off_cost"):
                    trial.set_user_attr(k, v)
            trial.set_user_attr("duplicate_of", previous.number)
            self._set_constraints(trial, previous.user_attrs.get("constraints"))
            return self._ret(previous.values)
        s = self.settings
        n = s.min_replications if s.early_stop else s.replications
        table = self.ev.table(choice, n)
        stopped = False
        if n < s.replications:
            base = self.ev.table({}, n)
            if self._clearly_worse(base, table):
                stopped = True
            else:
                table = self.ev.table(choice, s.replications)
        means = self.ev.means(choice, len(table))
        kpis = [o.kpi for o in self.objectives]
        values = objective_values(means, kpis)
        if any(math.isnan(v) for v in values):
            undefined = [k for k, v in zip(kpis, values, strict=True) if math.isnan(v)]
            trial.set_user_attr("refused", self.ev.undefined_reason(choice, undefined, means))
            self._set_constraints(trial, None)
            raise optuna.TrialPruned("objective undefined")
        trial.set_user_attr("replications", len(table))
        trial.set_user_attr("stopped_early", stopped)
        trial.set_user_attr("kpis", {k: means.get(k) for k in HEADLINE_ATTRS if k in means})
        constrained = [derived_value(means, c.kpi) for c in self.constraints]
        violations = [c.violation(v) for c, v in zip(self.constraints, constrained, strict=True)]
        trial.set_user_attr("constraints", violations)
        if self.constraints:  # the KPIs' values too, not only how far outside their bounds
            trial.set_user_attr(
                "constraint_values",
                {
                    c.kpi: None if math.isnan(v) else v
                    for c, v in zip(self.constraints, constrained, strict=True)
                },
            )
        self._set_constraints(trial, violations)
        return self._ret(values)

    def _earlier(self, study: optuna.Study, key: str) -> FrozenTrial | None:
        """A completed trial of the redesign ``key``: from this worker's cache, else from the
        storage (another worker or process sharing the study may have simulated it)."""
        previous = self.known.get(key)
        if previous is None:
            done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            for k, t in simulated_trials(done).items():
                self.known.setdefault(k, t)
            previous = self.known.get(key)
        return previous

    def _set_constraints(self, trial: optuna.Trial, violations: Sequence[float] | None) -> None:
        """Give the sampler the trial's constraint violations (<= 0 is feasible).

        The values ``constraints_func`` returns on older Optuna: the stored violations, or
        every constraint violated (1.0) for a trial without them (pruned: objective undefined).
        """
        if not self.constraints or not SET_CONSTRAINT:
            return
        values = list(violations) if violations else [1.0] * len(self.constraints)
        for i, v in enumerate(values):
            trial.set_constraint(str(i), float(v))

    def _ret(self, values: Sequence[float]) -> float | list[float]:
        return values[0] if len(values) == 1 else list(values)

    def _clearly_worse(self, base: pd.DataFrame, cand: pd.DataFrame) -> bool:
        """Significantly worse than the baseline on every objective (paired CI; pairs equal up
        to float rounding are equal: ``paired_changes``)."""
        comp = paired_changes(base, cand, [o.kpi for o in self.objectives if o.kpi in cand])
        if len(comp) < len(self.objectives):
            return False
        for o in self.objectives:
            row = comp.loc[o.kpi]
            worse_low = row["ci_low"] * o.sign  # sign: +1 minimise, so a positive diff is worse
            worse_high = row["ci_high"] * o.sign
            if not (row["significant"] and min(worse_low, worse_high) > 0):
                return False
        return True


def constraints_func(n: int) -> Callable[[FrozenTrial], list[float]]:
    """Optuna's constraints hook: violations stored on the trial (<= 0 is feasible)."""

    def func(trial: FrozenTrial) -> list[float]:
        return list(trial.user_attrs.get("constraints", [1.0] * n))

    return func


#: scenario keys a search does not use, left out of what identifies its study: every trial
#: simulates ``optimizer.replications`` replications and the confirmation
#: ``optimizer.confirm_replications``, whatever ``scenario.replications`` says (QA: a resume was
#: refused over it, "here scenario.replications is 3, the study's 10", though both searches give
#: the same numbers)
UNUSED_SCENARIO_KEYS = ("replications",)


def search_scenario(scenario: Scenario | Mapping[str, Any]) -> dict[str, Any]:
    """A scenario as a search uses it: its mapping without ``UNUSED_SCENARIO_KEYS``."""
    spec = scenario.to_dict() if isinstance(scenario, Scenario) else dict(scenario)
    return {k: v for k, v in spec.items() if k not in UNUSED_SCENARIO_KEYS}


def _fingerprinted_scenario(scenario: Scenario) -> dict[str, Any]:
    """What ``SearchJob.fingerprint`` hashes of the scenario: the keys a search uses, and each
    unused key at its default (as every study made with the default hashed it, so that such a
    study keeps its fingerprint)."""
    return search_scenario(scenario) | {
        k: Scenario.__dataclass_fields__[k].default for k in UNUSED_SCENARIO_KEYS
    }


@dataclass(frozen=True)
class SearchJob:
    """Everything a worker process needs to run trials of one study (picklable)."""

    model: ProcessModel
    space: SearchSpace
    scenario: Scenario
    seed: int
    objectives: tuple[Objective, ...]
    constraints: tuple[Constraint, ...]
    settings: SearchSettings
    sampler: SamplerSpec

    def _hashed(self, *space: Any) -> str:
        """The fingerprint of this search with ``space`` standing for its search space."""
        from sim.model import to_dict

        return fingerprint(
            to_dict(self.model),
            *space,
            [o.__dict__ for o in self.objectives],
            [c.__dict__ for c in self.constraints],
            _fingerprinted_scenario(self.scenario),
            self.seed,
            self.settings.replications,
        )

    @property
    def fingerprint(self) -> str:
        """What identifies the study (a resumed study must match it): the model, the search
        space with every operator's parameters (``space_description``), the objectives,
        constraints, scenario, seed and replications."""
        return self._hashed(space_description(self.space))

    @property
    def earlier(self) -> EarlierFingerprint:
        """This search as sim optimize identified it before QA optim25 F2: its search space by
        the variables (names, domains) and the budget only."""
        variables = [repr(v) for v in self.space.variables]
        return EarlierFingerprint(
            fingerprint=self._hashed(variables, self.space.budget),
            parts=self.fingerprint_parts
            | {"search space": fingerprint(variables, self.space.budget)},
            space=self.space,
        )

    @property
    def fingerprint_parts(self) -> dict[str, Any]:
        """The parts of ``fingerprint``, for a refusal to name the one that differs: the model
        as a hash, the search space as hashes (``_space_part``), the rest as given."""
        from sim.model import to_dict

        return {
            "model": fingerprint(to_dict(self.model)),
            "search space": _space_part(self.space),
            "objectives": [o.__dict__ for o in self.objectives],
            "constraints": [c.__dict__ for c in self.constraints],
            "scenario": search_scenario(self.scenario),
            "seed": self.seed,
            "optimizer.replications": self.settings.replications,
        }


def _sampler(job: SearchJob, *, worker: int = 0, trials_before: int = 0, run: int = 0) -> Any:
    cf = constraints_func(len(job.constraints)) if job.constraints else None
    return job.sampler.build(cf, worker=worker, trials_before=trials_before, run=run)


def _open(
    job: SearchJob,
    *,
    worker: int = 0,
    trials_before: int = 0,
    run: int = 0,
    fail_running: bool = False,
) -> optuna.Study:
    return open_study(
        storage=job.settings.storage,
        study_name=job.settings.study_name,
        objectives=job.objectives,
        sampler=_sampler(job, worker=worker, trials_before=trials_before, run=run),
        study_fingerprint=job.fingerprint,
        fail_running=fail_running,
        fingerprint_parts=job.fingerprint_parts,
        earlier=job.earlier,
    )


def finished_trials(study: optuna.Study | StudySnapshot) -> list[FrozenTrial]:
    """Completed and pruned trials (the ones that count towards ``n_trials``)."""
    return study.get_trials(deepcopy=False, states=FINISHED)


@dataclass(frozen=True)
class StudySnapshot:
    """The trials of a study as they were at one moment (``of``), read like the study
    (``get_trials``) by what describes a search's results. Every file of one run is written
    from one snapshot: with another process searching the same study, trials.csv listed a
    trial as RUNNING while recommendations.md, confirmation.json and report.html, re-read from
    the live study after the confirmation, counted it among the finished ones (QA rdb20 #4)."""

    study_name: str
    trials: tuple[FrozenTrial, ...]

    @classmethod
    def of(cls, study: optuna.Study) -> StudySnapshot:
        """``study``'s trials now (copies: a later change in the storage leaves them alone)."""
        return cls(study_name=study.study_name, trials=tuple(study.get_trials(deepcopy=True)))

    def get_trials(
        self, deepcopy: bool = False, states: Sequence[TrialState] | None = None
    ) -> list[FrozenTrial]:
        """The snapshot's trials in ``states`` (all when None), in trial order, as
        ``optuna.Study.get_trials`` gives them (``deepcopy``: copies)."""
        out = [t for t in self.trials if states is None or t.state in states]
        return copy.deepcopy(out) if deepcopy else out


def distinct_redesigns(study: optuna.Study, baseline_key: str) -> int:
    """Distinct redesigns the study has simulated, the baseline (``baseline_key``) included.

    Duplicate trials (answered from an earlier trial) and refused ones cost no simulation, so
    this, not the trial count, is what a search costs.
    """
    keys = {
        t.user_attrs["key"]
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if "key" in t.user_attrs and "duplicate_of" not in t.user_attrs
    }
    return len(keys | {baseline_key})


def _lost_storage(exc: BaseException) -> BaseException | None:
    """The database error behind ``exc`` when the study's storage failed under a running search
    (the server stopped, the connection dropped, the SQLite file became unusable), else
    ``None``. Optuna wraps it in ``StorageInternalError``, and when that happens while it records
    a trial's end it raises an ``UnboundLocalError`` of its own with the storage's error as
    context; the chain of causes and contexts is searched for either."""
    from sqlalchemy.exc import DBAPIError

    found: BaseException | None = None
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if isinstance(link, DBAPIError):
            return link  # the driver's own words: the most precise reason
        if found is None and isinstance(link, optuna.exceptions.StorageInternalError):
            found = link
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)
    return found


def _database_reason(error: BaseException) -> str:
    """What the database said, in one line: a driver's message (pg8000 gives a mapping of fields,
    whose ``M`` is the message), else the first line of the error."""
    orig = getattr(error, "orig", None) or error
    said = orig.args[0] if orig.args and isinstance(orig.args[0], dict) else orig
    if isinstance(said, dict) and said.get("M"):
        said = said["M"]
    first = (str(said).strip().splitlines() or [""])[0]
    return f"{type(orig).__name__}: {first}" if first else type(orig).__name__


@contextmanager
def reporting_lost_storage(url: str | None) -> Iterator[None]:
    """Turn the study's storage failing under the search (``_lost_storage``) into one
    ``ConfigError`` naming ``optimizer.storage``, with the database's reason and the password
    masked, instead of the drivers', SQLAlchemy's and Optuna's tracebacks. A write the database
    user may not make (``_write_denied``: its rights changed during the search) is said as
    that, not as a lost connection."""
    previous_hook = threading.excepthook

    def quiet_heartbeat(args: threading.ExceptHookArgs) -> None:
        # A trial's heartbeat thread that finds the storage gone printed its traceback over the
        # search's own report; the trial's next write (its end) meets the same error and says it.
        if args.exc_value is None or _lost_storage(args.exc_value) is None:
            previous_hook(args)

    threading.excepthook = quiet_heartbeat
    try:
        yield
    except SimError:
        raise
    except Exception as exc:
        lost = _lost_storage(exc)
        if lost is None:
            raise
        reason = redact_secrets_of(url or "", _database_reason(lost))
        if _write_denied(lost):  # nothing was lost: rerun as it is, it is refused again
            raise StorageLost(
                f"optimizer.storage: the study's database refused a write ({reason}): this run "
                "may not write the study (the database user's rights, or a read-only file); "
                "once it may, rerun the same command to resume"
            ) from None
        raise StorageLost(
            f"optimizer.storage: lost the connection to the study's database ({reason}); rerun "
            "the same command to resume"
        ) from None
    finally:
        threading.excepthook = previous_hook


def _run_trials(
    job: SearchJob, evaluator: Evaluator, study: optuna.Study, *, progress: bool
) -> None:
    known = simulated_trials(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    objective = RedesignObjective(
        evaluator=evaluator,
        objectives=job.objectives,
        constraints=job.constraints,
        settings=job.settings,
        known=known,
    )

    def remember(study: optuna.Study, trial: FrozenTrial) -> None:
        if trial.state == TrialState.COMPLETE and "key" in trial.user_attrs:
            objective.known.setdefault(trial.user_attrs["key"], trial)

    cap = job.settings.max_redesigns
    base = evaluator.key({})

    def enough_redesigns(study: optuna.Study, trial: FrozenTrial) -> None:
        # read from the storage, so that several workers share one count
        if trial.state == TrialState.COMPLETE and distinct_redesigns(study, base) >= cap:
            study.stop()

    if search_done(job, study, base):
        return
    remaining = job.settings.n_trials - len(finished_trials(study))
    bar = tqdm(total=remaining, desc="search: trials", unit="trial", disable=not progress)

    def count(study: optuna.Study, trial: FrozenTrial) -> None:
        if trial.state in FINISHED:
            bar.update()

    # Optuna warns once per failed (here: refused) trial; the trials table records them
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        # storage writes (ask, tell, user attributes) are never cut by Ctrl-C or SIGTERM: the
        # interrupt waits for the next simulation (sim.optimize.interrupts)
        with deferred():
            study.optimize(
                objective,
                # refused proposals do not finish a trial; cap them (TPE may re-propose one often)
                n_trials=remaining * (1 + REFUSED_PER_TRIAL),
                callbacks=[
                    remember,
                    count,
                    optuna.study.MaxTrialsCallback(job.settings.n_trials, states=FINISHED),
                    *([enough_redesigns] if cap is not None else []),
                ],
                catch=(Refused,),
            )
    except (ValueError, AssertionError, optuna.exceptions.UpdateFinishedTrialError) as exc:
        if not _failed_elsewhere(exc):
            raise
        # QA signals21c #1: held (Ctrl-Z) beyond the heartbeat's grace period, this run's trial
        # was failed by another run, and Optuna's refusal to record it ended in a traceback
        raise TrialFailedElsewhere(
            "optimizer.storage: another run on this study marked a trial of this run failed "
            "while this run was held (suspended, e.g. with Ctrl-Z, or stalled) for longer than "
            f"the heartbeat's {GRACE_PERIOD_S} s grace period; the finished trials are kept in "
            "the study: rerun the command to resume"
        ) from None
    finally:
        optuna.logging.set_verbosity(level)
        bar.close()


def _failed_elsewhere(exc: BaseException) -> bool:
    """Whether ``exc``, out of ``study.optimize``, is Optuna refusing to record a trial that
    another process has finished meanwhile: ``ValueError("Cannot tell a FAIL trial.")``, or the
    ``AssertionError("Should not reach.")`` Optuna 5.1's own clean-up raises over it, or a
    refused attribute of a finished trial."""
    if isinstance(exc, optuna.exceptions.UpdateFinishedTrialError):
        return True
    told = exc if isinstance(exc, ValueError) else exc.__context__
    return isinstance(told, ValueError) and str(told).startswith("Cannot tell a ")


def _worker_ended(pool: Any, seen: dict[int, Any]) -> WorkerDied | None:
    """``WorkerDied`` when a worker process of ``pool`` (a ``multiprocessing`` pool, whose
    workers end only when it is closed) has ended, else None. ``seen``: the workers met so far,
    kept across calls: the pool drops an ended worker from its list within a moment."""
    for proc in getattr(pool, "_pool", None) or ():
        seen.setdefault(id(proc), proc)
    if not any(proc.exitcode is not None for proc in seen.values()):
        return None
    return worker_death(list(seen.values()), what="a search worker process")


def search_done(job: SearchJob, study: optuna.Study, baseline_key: str) -> bool:
    """Whether ``study`` has all the trials ``job`` asks for: ``optimizer.n_trials`` finished,
    or ``optimizer.max_redesigns`` distinct redesigns (the baseline's key ``baseline_key``)."""
    cap = job.settings.max_redesigns
    if len(finished_trials(study)) >= job.settings.n_trials:
        return True
    return cap is not None and distinct_redesigns(study, baseline_key) >= cap


def job_evaluator(job: SearchJob, *, workers: int | None) -> Evaluator:
    """The evaluator of ``job``'s redesigns (its model, space, scenario, seed and judged KPIs)."""
    return Evaluator(
        model=job.model,
        space=job.space,
        scenario=job.scenario,
        seed=job.seed,
        workers=workers,
        segment_kpis=uses_segment_kpis(job),
        kpis=judged_kpis(job),
    )


def _worker(job: SearchJob, worker: int, trials_before: int, run: int) -> int:
    """A search worker process's share of the search (``optimizer.n_jobs`` > 1): its trials'
    replications. Stopped by SIGTERM (the main process's ``pool.terminate()``), it fails the
    trial in flight and exits quietly with status 143 (``search_worker_signals``)."""
    search_worker_signals()
    try:
        # routed: a SIGTERM landing in a garbage collector's callback was lost (QA signals21)
        with optuna_verbosity(optuna.logging.WARNING), routed():
            study = _open(job, worker=worker, trials_before=trials_before, run=run)
            with (
                reporting_lost_storage(job.settings.storage),
                job_evaluator(job, workers=1) as ev,
            ):
                _run_trials(job, ev, study, progress=False)
                return ev.simulations
    except WorkerStopped:
        # the trial in flight is failed; 143, which the main process reads as SIGTERM when it
        # did not send it (QA retest21 #9): ended by the signal itself, the worker skipped its
        # clean-up, and every stop warned of leaked semaphores (QA signals21b #1)
        raise SystemExit(128 + signal.SIGTERM) from None


def run_search(
    job: SearchJob,
    evaluator: Evaluator,
    *,
    progress: bool = True,
    on_start: Callable[[SearchStart], None] | None = None,
) -> tuple[optuna.Study, int]:
    """Run (or resume) the study until it has ``n_trials`` finished trials.

    Returns the study and the number of replications its trials simulated in this call (not
    the check's baseline replication #0, which ``evaluator.simulations`` counts). With
    ``n_jobs > 1`` the trials run in that many worker processes sharing the storage, each with
    its own sampler seed (``sampler_seed``); the progress bar follows the storage. Optuna logs
    warnings only while it runs; the caller's log level is restored after it.

    ``on_start``: called once the run has registered with the study, before its first trial,
    with the seeds its samplers are given and what they derive from (``SearchStart``): a
    resumed or extended study's are not the configured seed.

    Before the study is opened it refuses (``ConfigError``) a call in a worker process that is
    importing the main script (``refuse_in_spawned_import``), a sampler that cannot search the
    job (``SamplerSpec.check``) and an objective or constraint KPI the simulation does not
    produce (``check_job_kpis``, which simulates the baseline's replication #0).
    """
    refuse_in_spawned_import("run_search")
    if job.settings.n_jobs > 1 and job.settings.storage is None:
        raise ConfigError(
            "optimizer.n_jobs: several workers need a storage URL (optimizer.storage)"
        )
    job.sampler.check(job.objectives, job.space)
    check_job_kpis(job, evaluator)
    with optuna_verbosity(optuna.logging.WARNING), reporting_lost_storage(job.settings.storage):
        return _run_search(job, evaluator, progress=progress, on_start=on_start)


@contextmanager
def optuna_verbosity(level: int) -> Iterator[None]:
    """Optuna's log level set to ``level`` inside the block, the caller's restored after it
    (QA: a script's own ``optuna.logging.set_verbosity(INFO)`` was WARNING after a search)."""
    previous = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(level)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(previous)


def refuse_in_spawned_import(caller: str) -> None:
    """Refuse (``ConfigError`` naming ``optimizer.n_jobs``) to start a search in a process
    started with multiprocessing's "spawn" method while it is still importing the main module
    (Python's own test, ``multiprocessing.spawn._check_not_importing_main``): a search worker
    of ``optimizer.n_jobs`` > 1 re-running the module-level calls of a script without an
    ``if __name__ == "__main__":`` guard (QA: the re-run calls removed the run's directories,
    and the run ended in a readonly database or a dead worker). ``caller``: the function
    called, named in the message."""
    if getattr(mp.current_process(), "_inheriting", False):
        raise ConfigError(
            f"optimizer.n_jobs: {caller}() was called while this process, started with "
            "multiprocessing's 'spawn' method, was importing the script that started it: "
            "optimizer.n_jobs>1 starts search worker processes that import that script, which "
            "runs its module-level code again in each of them; put the script's calls under "
            '`if __name__ == "__main__":`'
        )


def check_job_kpis(job: SearchJob, evaluator: Evaluator) -> None:
    """Refuse an objective or constraint KPI name of ``job`` that the simulation does not
    produce (``check_kpi_names``: the ``ConfigError`` ``sim optimize`` gives, naming
    ``optimizer.objectives`` or ``optimizer.constraints``), before anything is searched (QA: a
    misspelt objective pruned every trial, a misspelt constraint made every trial infeasible).
    The valid names are those of ``evaluator``'s baseline replication #0 (which a search and
    its follow-up simulate anyway: cached) and every step's, role's, end's and segment's
    (``model_kpi_names``: a replication names only what its cases reached)."""
    table = evaluator.table({}, 1)
    known = [c for c in table.columns if c != "replication"] + model_kpi_names(evaluator.model)
    check_kpi_names([o.kpi for o in job.objectives], known, key="optimizer.objectives")
    check_kpi_names([c.kpi for c in job.constraints], known, key="optimizer.constraints")


def _run_search(
    job: SearchJob,
    evaluator: Evaluator,
    *,
    progress: bool,
    on_start: Callable[[SearchStart], None] | None = None,
) -> tuple[optuna.Study, int]:
    study = _open(job, fail_running=job.settings.owns_storage)
    base = evaluator.key({})
    if not job.settings.owns_storage:
        # stale heartbeats too when no trial is left to run (Optuna fails them as it starts one)
        fail_ended(study, stale_too=search_done(job, study, base))
        note_running(study)
    trials_before = len(study.get_trials(deepcopy=False))
    finished = len(finished_trials(study))
    if finished:  # a resumed search says so, with or without a progress bar (which counts
        # this run's trials only)
        n = job.settings.n_trials
        sys.stderr.write(
            f"search: the study already has {finished} finished trial(s); "
            f"{max(n - finished, 0)} more to reach optimizer.n_trials={n}\n"
        )
        sys.stderr.flush()
    run = register_run(study)
    if on_start is not None:
        on_start(SearchStart.of(job, trials_before=trials_before, run=run))
    if job.settings.n_jobs == 1:
        if trials_before or run:  # resumed, extended, or beside another run: a new stream
            study.sampler = _sampler(job, trials_before=trials_before, run=run)
        before = evaluator.simulations
        _run_trials(job, evaluator, study, progress=progress)
        _settle(job, study)
        return study, evaluator.simulations - before
    remaining = job.settings.n_trials - len(finished_trials(study))
    ctx = mp.get_context("spawn")
    with _starting_without_sigint():
        pool = ctx.Pool(job.settings.n_jobs, initializer=exit_with_parent, initargs=(os.getpid(),))
    with pool:
        result = pool.starmap_async(
            _worker, [(job, w, trials_before, run) for w in range(job.settings.n_jobs)]
        )
        try:
            _follow(result, study, remaining=remaining, progress=progress, pool=pool)
        except WorkerDied as died:
            pool.terminate()  # the others too: the run stops, and is resumed as a whole
            pool.join()
            fail_ended(study, stale_too=False)  # its workers' trials: their processes ended
            if died.exitcode == 1:  # how a worker ends that fails as it starts (its error above)
                raise WorkerDied(
                    f"{died}, as a worker does that fails as it starts (its error is above; "
                    "for one, each worker imports the script that started the search, which "
                    'must put its calls under `if __name__ == "__main__":`)',
                    exitcode=died.exitcode,
                ) from None
            raise
        sims = sum(result.get())
        # let the workers exit on their own: terminated (what leaving the block does) they left
        # their semaphores (tqdm's lock) to the resource tracker, which warned of leaks
        pool.close()
        pool.join()
    study = _open(job)
    _settle(job, study)
    return study, sims


@contextmanager
def _starting_without_sigint() -> Iterator[None]:
    """SIGINT ignored while the search worker processes start, so that they start with it
    ignored (an ignored signal stays so across exec, and Python then installs no handler): a
    terminal's Ctrl-C in their first seconds, as they imported the tool, printed their
    KeyboardInterrupt tracebacks (QA signals21 #4). The main process's handler is back as
    soon as the pool has started them (13-59 ms); a Ctrl-C in between is lost. Only in the
    main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # only the disposition SIG_IGN survives exec; blocking the signal in this thread would not
    # hold one another thread of the process takes (tqdm's, Optuna's), so a Ctrl-C in these
    # milliseconds is lost (QA signals21b #3: about 0.3 % of random Ctrl-Cs; a second works)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _settle(job: SearchJob, study: optuna.Study) -> None:
    """At the end of a search of a shared study (which the trials table is written from): fail
    the trials left RUNNING by a run that has ended meanwhile (``fail_ended``), such as one
    killed beside this run: they are no longer running."""
    if not job.settings.owns_storage:
        fail_ended(study, stale_too=True)


def _follow(
    result: Any, study: optuna.Study, *, remaining: int, progress: bool, pool: Any = None
) -> None:
    """Wait for the workers, with a progress bar of the trials they finish (read from the
    storage every second). A worker process of ``pool`` that ends before the search does
    (killed, crashed) raises ``WorkerDied`` (``worker_death``): the pool starts another in its
    place, but the dead one's share of the search is lost and ``result`` never ready (QA: a
    ``kill -9`` of one hung the run for ever)."""
    start = len(finished_trials(study))
    disable = not progress or remaining <= 0
    seen: dict[int, Any] = {}  # every worker process met, the pool forgets the dead ones
    with tqdm(total=max(remaining, 0), desc="search: trials", unit="trial", disable=disable) as bar:
        while not result.ready():
            result.wait(1.0)
            died = _worker_ended(pool, seen) if pool is not None else None
            if died is not None and not result.ready():
                raise died
            if not disable:
                done = min(len(finished_trials(study)) - start, remaining)
                bar.update(max(done - bar.n, 0))
