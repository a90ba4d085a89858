"""``python -m sim compare``: simulate runs side by side, each against a baseline, with 95 % CIs.

``runs=[out/a,out/b]`` (the first is the baseline unless ``baseline=`` names another) or
``sweep=<dir>`` (the numbered job folders of a ``simulate --multirun``). A ``simulate
--multirun`` writes the same comparison into its sweep directory when its jobs end
(``CompareSweep``, a Hydra callback in ``configs/simulate.yaml``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from omegaconf import DictConfig, ListConfig

from sim.cli.common import (
    config_bool,
    guard_run_dir,
    write_json,
    write_run_record,
    write_text_whole,
    written_whole,
)
from sim.cli.overwrite import clear_earlier_run
from sim.cli.sweep import SweepJobs, last_launch, sweep_job_record
from sim.errors import ConfigError, SimError
from sim.kpis.compare import COMPARED_HEADLINE, compare_scenarios
from sim.kpis.summary import SEGMENT_KPIS, segment_key, split_segment_key
from sim.kpis.window import cap_stops, window_ends
from sim.model.io import MAX_MODEL_BYTES
from sim.model.safe_files import load_yaml, read_text
from sim.model.scenario import Scenario, name_of_ascii_key

RESULTS = ("comparison.csv", "scenarios.json", "comparison.md")
NEEDED = ("replications.csv", "kpis.json")
VOLUME_KEYS = ("arrival_scale", "warmup_arrival_scale")
"""Scenario settings that change the arrival volume (throughput and WIP follow it)."""
MEASUREMENT_KEYS = ("horizon_days", "warmup_days", "max_cases", "drain", "drain_days")
"""Scenario settings that change which cases the KPIs count, and until when. ``max_cases`` is
one: where the cap stops the arrivals after the warm-up the measurement window ends there, so
another cap is another window, as another ``horizon_days`` is (its rates per week are over that
window, not of another demand: QA rt_engine F2, a cap read as a volume change let compare call
the cycle time of a queue still filling up "better")."""


@dataclass
class SimulateRun:
    """One simulate run directory: its replications table and what it was."""

    run_dir: Path
    table: pd.DataFrame
    model: str
    seed: Any
    replications: int
    overrides: list[str]
    scenario: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    headcounts: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    pooled_percentiles: bool = False

    @cached_property
    def simulated_model(self) -> dict[str, Any]:
        """The model the run simulated, as its ``model.yaml`` holds it: where a model file's
        values are that its ``config.yaml`` does not repeat (``_read_model``)."""
        return _read_model(self.run_dir / "model.yaml")

    @cached_property
    def cycle_times(self) -> pd.DataFrame | None:
        """The cases of the run's pooled cycle-time percentiles (``cycle_times.csv.gz``), or
        ``None`` for a run whose kpis.json did not pool them (an older version's, which wrote
        the file only with a trace and averaged each replication's): its percentiles are then
        compared as kpis.json gives them. A file that cannot be read is a ``ConfigError``
        naming it."""
        path = self.run_dir / "cycle_times.csv.gz"
        if not self.pooled_percentiles or not path.is_file():
            return None
        try:
            table = pd.read_csv(
                path, usecols=["replication", "cycle_time_h"], dtype={"cycle_time_h": float}
            )
        except (OSError, ValueError, EOFError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc
        own = set(self.table["replication"]) if "replication" in self.table else set()
        return table if set(table["replication"]) <= own else None

    @property
    def arrival_volume(self) -> dict[str, Any]:
        """The scenario settings that set how many cases arrive."""
        return {k: self.scenario.get(k) for k in VOLUME_KEYS if k in self.scenario}

    @property
    def measurement(self) -> dict[str, Any]:
        """The scenario settings that set which cases are measured, and until when."""
        return {k: self.scenario.get(k) for k in MEASUREMENT_KEYS if k in self.scenario}

    @cached_property
    def cap_reached(self) -> bool | None:
        """Whether the run's ``scenario.max_cases`` stopped the arrivals in some replication
        (inside its window, or in its warm-up, leaving it unmeasured), as its replications table
        tells (``sim.kpis.window.window_ends``: each window's length is its arrivals over their
        rate; ``sim.kpis.window.cap_stops``); ``None`` for a run without a cap, or one whose
        records cannot tell (a table without ``cases_arrived`` and ``arrivals_per_week``, a
        scenario this version cannot read)."""
        if self.scenario.get("max_cases") is None:
            return None
        if not {"cases_arrived", "arrivals_per_week"} <= set(self.table.columns):
            return None
        try:
            scenario = Scenario.from_dict(self.scenario)
        except (SimError, TypeError, ValueError):
            return None
        stops, empty = cap_stops(window_ends(self.table, scenario), scenario)
        return bool(stops) or empty > 0

    def describe(self) -> dict[str, Any]:
        """What ``scenarios.json`` records of the run (besides its label)."""
        return {
            "run_dir": str(self.run_dir),
            "model": self.model,
            "seed": self.seed,
            "replications": self.replications,
            "overrides": self.overrides,
            "steps": self.steps,
            "roles": self.roles,
            "arrivals": self.arrival_volume,
            "measurement": self.measurement,
            "warnings": self.warnings,
        }


def read_simulate_run(run_dir: Path, key: str) -> SimulateRun:
    """The results of a simulate run; a ``ConfigError`` naming ``key`` and the directory when it
    is not one (no such directory, or no ``replications.csv``/``kpis.json``)."""
    if not run_dir.is_dir():
        raise ConfigError(f"{key}: {run_dir} is not a directory")
    run_dir = run_dir.resolve()  # stored absolute: usable from any directory
    missing = [n for n in NEEDED if not (run_dir / n).is_file()]
    if missing:
        hint = ""
        if any((p / "replications.csv").is_file() for p in run_dir.glob("[0-9]*")):
            hint = f"; it holds the job folders of a simulate --multirun: give sweep={run_dir}"
        raise ConfigError(
            f"{key}: {run_dir} is not a finished simulate run (no {' or '.join(missing)}); "
            f"compare reads the results 'python -m sim simulate' writes{hint}"
        )
    kpis = _read_kpis(run_dir / "kpis.json", key)
    table = _read_replications(run_dir / "replications.csv", key)
    estimators = kpis.get("estimators") if isinstance(kpis.get("estimators"), dict) else {}
    return SimulateRun(
        run_dir=run_dir,
        pooled_percentiles=estimators.get("cycle_time_percentiles") == "pooled",
        table=table,
        model=str(kpis.get("model", "?")),
        seed=kpis.get("seed"),
        replications=len(table),
        overrides=_run_overrides(run_dir),
        scenario=kpis.get("scenario") if isinstance(kpis.get("scenario"), dict) else {},
        warnings=[str(w) for w in kpis.get("warnings") or []],
        steps=_names(kpis.get("steps"), "step"),
        roles=_names(kpis.get("roles"), "role"),
        headcounts=_headcounts(kpis.get("roles")),
        config=_read_config(run_dir / "config.yaml"),
    )


def _run_overrides(run_dir: Path) -> list[str]:
    """The overrides the run in ``run_dir`` ran with: as its run record (``run.json``) has them,
    else (a record of an older version, or of a run outside Hydra) as Hydra saved them
    (``.hydra/overrides.yaml``). The record first: a sweep resumed into its directory rewrites
    the ``.hydra/`` of the jobs it keeps with its own overrides until it ends, when its
    comparison is written (QA researcher17 #2: scenarios.json gave the kept jobs the rerun's
    ``workers=2``, their run.json and ``compare sweep=`` ``workers=1``)."""
    try:
        record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = None
    recorded = record.get("overrides") if isinstance(record, dict) else None
    if isinstance(recorded, list):
        return [str(o) for o in recorded]
    hydra_file = run_dir / ".hydra" / "overrides.yaml"
    if hydra_file.is_file():
        loaded = yaml.safe_load(hydra_file.read_text(encoding="utf-8"))
        return [str(o) for o in loaded] if isinstance(loaded, list) else []
    return []


def _names(items: Any, key: str) -> list[str]:
    """The names of ``kpis.json``'s steps or roles (a list of records, or a mapping)."""
    if isinstance(items, dict):
        return [str(k) for k in items]
    if isinstance(items, list):
        return [str(i.get(key, i.get("name"))) for i in items if isinstance(i, dict)]
    return []


def _headcounts(roles: Any) -> dict[str, Any]:
    """Each role's headcount as simulated (``kpis.json``'s roles)."""
    if not isinstance(roles, list):
        return {}
    return {
        str(r["role"]): r.get("headcount") for r in roles if isinstance(r, dict) and "role" in r
    }


def _read_config(path: Path) -> dict[str, Any]:
    """A run's resolved ``config.yaml`` ({} when absent or unreadable: labels then fall back to
    the typed overrides)."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _read_model(path: Path) -> dict[str, Any]:
    """A run's ``model.yaml`` read as untrusted (a regular file of at most ``MAX_MODEL_BYTES``,
    UTF-8, strict YAML without alias bombs: ``sim.model.safe_files``); {} when absent, too
    large or unreadable: labels then fall back to the typed overrides."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_MODEL_BYTES:
            return {}
        loaded = load_yaml(read_text(path, "model file"), str(path))
    except (OSError, SimError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _read_kpis(path: Path, key: str) -> dict[str, Any]:
    """``kpis.json`` of a simulate run: a JSON object."""
    try:
        kpis = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{key}: cannot read {path}: {exc}") from exc
    if not isinstance(kpis, dict):
        raise ConfigError(f"{key}: {path}: expected a JSON object, got {type(kpis).__name__}")
    return kpis


def _read_replications(path: Path, key: str) -> pd.DataFrame:
    """``replications.csv`` of a simulate run: one row per replication, numbers only."""
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{key}: cannot read {path}: {exc}") from exc
    if table.empty:
        raise ConfigError(f"{key}: {path} has no replications (a header and no rows)")
    text = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])]
    if text:
        raise ConfigError(f"{key}: {path}: expected numbers in every column, not in {text}")
    return table


def _ignored(name: str) -> bool:
    """Overrides that change how a run was shown or where it went, not what was simulated:
    Hydra's own settings and config groups (``hydra.sweep.dir``, ``hydra/launcher=joblib``)
    included, should any reach a run's task overrides."""
    return name in ("progress", "workers", "hydra") or name.startswith(
        ("output.", "hydra.", "hydra/")
    )


def _override_items(overrides: Sequence[str]) -> dict[str, str]:
    """The typed ``key=value`` overrides of a run that can change what it simulated, with the
    values the user typed (``as_typed``), not Hydra's spelling of them."""
    items = {}
    for o in overrides:
        name, sep, _value = o.partition("=")
        if sep and not _ignored(name.lstrip("+~")):
            items |= as_typed(o)
    return items


def _flow(value: Any) -> str:
    """A parsed override value written back as a user types it: strings bare, mappings and
    lists in YAML flow style (``{legal: 2, pricing: 2}``)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return str(value)


def as_typed(override: str) -> dict[str, str]:
    """``{key: value}`` of one override (``.hydra/overrides.yaml``'s ``key=value``) with the
    value as the user typed it: without the quotes and escapes Hydra writes
    (``process.path='/m/c\\'s/model.yaml'`` is ``/m/c's/model.yaml``, ``a\\,b`` is ``a,b``).
    A mapping of an open mapping (``scenario.staffing={Call\\ Centre:39}``, as ``sim.cli.main``
    passes ``scenario.staffing.Call Centre=39``) gives an item per entry
    (``scenario.staffing.Call Centre``: ``39``). Numbers and booleans keep their text; an
    override Hydra's grammar cannot read is kept as it is."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    from sim.cli.main import OPEN_MAPPING_KEYS

    name, _, text = override.partition("=")
    name = name.lstrip("+~")
    try:
        parsed = OverridesParser.create().parse_override(override)
        value = parsed.value()
    except HydraException:
        return {name: text}
    key = parsed.key_or_group
    mapping, dot, entry = key.rpartition(".")
    if dot and mapping in OPEN_MAPPING_KEYS:  # a name sim.cli.main gave Hydra as its ascii_key
        key = f"{mapping}.{name_of_ascii_key(entry)}"
    if isinstance(value, dict) and key in OPEN_MAPPING_KEYS:
        return {f"{key}.{name_of_ascii_key(str(k))}": _flow(v) for k, v in value.items()}
    if isinstance(value, (str, dict, list)):
        return {key: _flow(value)}
    return {key: text}


_MISSING = object()


def _resolved(run: SimulateRun, key: str, typed: Mapping[str, str]) -> Any:
    """The value ``run`` simulated for override ``key``: a role's headcount from
    ``kpis.json``, else the key in its resolved ``config.yaml``, else a ``process.*`` key in
    the model it simulated (its ``model.yaml``), else the value as typed."""
    if key.startswith("scenario.staffing.") and key.split(".", 2)[2] in run.headcounts:
        return run.headcounts[key.split(".", 2)[2]]
    found = _lookup(run.config, key)
    if found is _MISSING and key.startswith("process."):
        # a model file's config.yaml holds its path and the keys typed, not the model's own
        # values (a run that typed no process.roles.clerk.calendar: the file's calendar)
        found = _lookup(run.simulated_model, key.removeprefix("process."))
    return typed.get(key, _MISSING) if found is _MISSING else found


def _lookup(tree: Any, key: str) -> Any:
    """The value at dotted ``key`` in nested mappings ``tree``; ``_MISSING`` when it has none."""
    node = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _model_name(run: SimulateRun, key: str, typed: Mapping[str, str]) -> str | None:
    """For a model file's key (``process.path``) in a run that simulated a bundled model (no
    path): that model's name (``crm_sales``), else None."""
    if not key.endswith(".path"):
        return None
    parent = _resolved(run, key.rsplit(".", 1)[0], typed)
    if isinstance(parent, dict) and parent.get("name") is not None:
        return str(parent["name"])
    return run.model if key == "process.path" and run.model != "?" else None


def _shown(value: Any, typed: str | None, *, model: str | None = None) -> str:
    """A label's value: as typed, else the resolved value (a model by its name: ``model`` for a
    file key the run did not use)."""
    if typed is not None:
        return typed
    if isinstance(value, dict):
        return str(value.get("name", "default"))
    if value is _MISSING and model is not None:
        return model
    if value is None:  # as a command line types it, not Python's None or True
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return "default" if value is _MISSING else str(value)


def _path_suffixes(paths: Sequence[str]) -> list[str]:
    """The shortest trailing parts that tell the ``paths`` apart (``a/model.yaml``)."""
    parts = [Path(p).parts for p in paths]
    for n in range(1, max(map(len, parts), default=1) + 1):
        tails = [str(Path(*p[-n:])) if p else "" for p in parts]
        if len(set(tails)) == len(set(paths)):
            return tails
    return list(paths)


def _differing_keys(runs: Sequence[SimulateRun], items: Sequence[Mapping[str, str]]) -> list[str]:
    """The typed override keys whose resolved values are not the same in every run; a key
    whose difference a finer key explains (``process`` beside ``process.path``) is left out."""
    keys = list(dict.fromkeys(k for it in items for k in it))
    differing = []
    for k in keys:
        # a key one run's config lacks and another's leaves null (process.params of a bundled
        # model and of a model file) is no difference
        values = [_resolved(r, k, it) for r, it in zip(runs, items, strict=True)]
        values = [None if v is _MISSING else v for v in values]
        if any(v != values[0] for v in values[1:]):
            differing.append(k)
    return [k for k in differing if not any(d.startswith(k + ".") for d in differing)]


def scenario_settings(runs: Sequence[SimulateRun]) -> list[dict[str, str]]:
    """Per run, the overrides whose resolved values differ between the runs, as shown in its
    label (``{"scenario.staffing.legal": "2"}``; a run that did not type one shows its value).
    A model file is shown by the shortest path suffix that tells the files apart."""
    items = [_override_items(r.overrides) for r in runs]
    columns = {}
    for k in _differing_keys(runs, items):
        shown = [
            _shown(_resolved(r, k, it), it.get(k), model=_model_name(r, k, it))
            for r, it in zip(runs, items, strict=True)
        ]
        columns[k] = _path_suffixes(shown) if k.endswith(".path") else shown
    return [{k: v[i] for k, v in columns.items()} for i in range(len(runs))]


def scenario_labels(
    runs: Sequence[SimulateRun], settings: Sequence[Mapping[str, str]] | None = None
) -> list[str]:
    """A label per run: its ``scenario_settings`` (``scenario.staffing.legal=2``), else its
    directory's name; made unique."""
    if settings is None:
        settings = scenario_settings(runs)
    labels = [
        " ".join(f"{k}={v}" for k, v in own.items()) or run.run_dir.name
        for own, run in zip(settings, runs, strict=True)
    ]
    base = labels
    for where in (lambda r: r.run_dir.name, lambda r: str(r.run_dir)):
        if len(set(labels)) == len(labels):
            break
        shown = [where(r) for r in runs]  # the directory's name, or its path when names repeat
        labels = [
            b if base.count(b) == 1 else (s if b == s else f"{b} ({s})")
            for b, s in zip(base, shown, strict=True)
        ]
    return labels


def pick_baseline(value: Any, labels: Sequence[str], runs: Sequence[SimulateRun]) -> int:
    """The index of the baseline: ``None`` (the first), an index, a label or a run directory."""
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < len(labels):
            return value
        raise ConfigError(
            f"baseline={value}: there are {len(labels)} scenarios (0 to {len(labels) - 1})"
        )
    text = str(value)
    if text in labels:
        return labels.index(text)
    for i, r in enumerate(runs):
        if Path(text).expanduser().resolve() == r.run_dir.resolve():
            return i
    raise ConfigError(
        f"baseline={text}: not a scenario; give its index (0 = the first), a run directory, "
        f"or one of the labels {list(labels)}"
    )


def sweep_runs(sweep_dir: Path, key: str = "sweep") -> list[SimulateRun]:
    """The finished simulate runs of the last launch of a ``simulate --multirun`` directory, in
    job order, as the sweep compared them itself: job folders an older sweep left there
    (``sim.cli.sweep.last_launch``) and those holding no finished run (a failed job) are left
    out, each kind named in a note; a ``ConfigError`` when fewer than two remain."""
    return _sweep_runs(sweep_dir, key)[0]


def _sweep_runs(sweep_dir: Path, key: str) -> tuple[list[SimulateRun], list[str]]:
    """``sweep_runs`` and the notes naming the job folders it left out (for the comparison's
    notes: QA compare19 #4, the saved page did not say a job was missing)."""
    if not sweep_dir.is_dir():
        raise ConfigError(f"{key}={sweep_dir}: no such directory")
    jobs = job_folders(sweep_dir)
    if not jobs:
        raise ConfigError(
            f"{key}={sweep_dir}: no job folders in it (folders 0, 1, ..., or any holding a "
            "job's .hydra/hydra.yaml); give the directory a 'python -m sim simulate "
            "--multirun' wrote (hydra.sweep.dir)"
        )
    jobs, older = last_launch(sweep_dir, jobs)
    done = [p for p in jobs if all((p / n).is_file() for n in NEEDED)]
    failed = [p for p in jobs if p not in done]
    left_out = [
        f"{_folders(sweep_dir, dirs)} left out: {why}"
        for dirs, why in (
            (
                older,
                "older: started before the sweep's last launch wrote its multirun.yaml, by an "
                "earlier sweep in this directory",
            ),
            (
                failed,
                f"no finished simulate run (no {' or '.join(NEEDED)}: a failed job)"
                + _set_with(sweep_dir, failed, done[0] if done else None),
            ),
        )
        if dirs
    ]
    if len(done) < 2 and not left_out:
        raise ConfigError(
            f"{key}={sweep_dir}: {len(done)} job in it; a comparison needs a sweep of two or "
            "more jobs (or give runs=[a,b,...])"
        )
    if len(done) < 2:
        raise ConfigError(
            f"{key}={sweep_dir}: {len(done)} finished simulate run{'' if len(done) == 1 else 's'} "
            f"among the jobs of its last launch ({'; '.join(left_out)}); a comparison needs two "
            "or more: give the runs to compare as runs=[a,b,...]"
        )
    notes = [f"{key}={sweep_dir}: {why}" for why in left_out]
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    runs = [
        read_simulate_run(p, f"{key}={sweep_dir}: job {p.relative_to(sweep_dir)}") for p in done
    ]
    return runs, notes


def _folders(sweep_dir: Path, dirs: Sequence[Path]) -> str:
    """``job folder 2`` or ``job folders 1, job_3``: named by their path in the sweep."""
    names = ", ".join(_in_sweep(sweep_dir, d) for d in dirs)
    return f"job folder{'' if len(dirs) == 1 else 's'} {names}"


def _in_sweep(sweep_dir: Path, folder: Path) -> str:
    """A job folder's path in its sweep directory (the whole path when outside it)."""
    try:
        return str(folder.resolve().relative_to(sweep_dir.resolve()))
    except ValueError:
        return str(folder)


def _set_with(sweep_dir: Path, dirs: Sequence[Path], reference: Path | None) -> str:
    """``, set with scenario.staffing.server=0``: the overrides the jobs of ``dirs`` ran with
    that the finished job ``reference`` did not (the sweep's values they stood for); per folder
    when there are several, '' when none is known."""

    def typed(folder: Path) -> list[str]:  # as typed: ``++`` is how sim passes a staffing key
        return [o.lstrip("+") for o in _run_overrides(folder)]

    ref = set(typed(reference)) if reference is not None else set()
    own = {d: [o for o in typed(d) if o not in ref] for d in dirs}
    if not any(own.values()):
        return ""
    if len(dirs) == 1:
        return f", set with {' '.join(own[dirs[0]])}"
    parts = [f"{' '.join(o)} ({_in_sweep(sweep_dir, d)})" for d, o in own.items() if o]
    return f", set with {', '.join(parts)}"


def job_folders(sweep_dir: Path) -> list[Path]:
    """The job folders of a sweep directory in job order: each folder below it whose
    ``.hydra/hydra.yaml`` Hydra wrote for a job (wherever ``hydra.sweep.subdir`` put it,
    ``job_${hydra.job.num}`` or nested), ordered by its job number; and folders named 0, 1, ...
    (a job's without its ``.hydra/``). A single run's folder below it is none of them
    (``sweep_job_record``: a default ``outputs/simulate/<date>`` after a sweep into ``outputs``)."""
    import yaml

    found: dict[Path, tuple[int, str]] = {}
    for f in sweep_dir.glob("**/.hydra/hydra.yaml"):
        job = f.parent.parent
        if job == sweep_dir or sweep_job_record(job) is False:
            continue
        try:
            num = int(yaml.safe_load(f.read_text(encoding="utf-8"))["hydra"]["job"]["num"])
        except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError):
            num = int(job.name) if job.name.isdigit() else 1 << 30
        found[job] = (num, str(job))
    for p in sweep_dir.iterdir():
        if p.is_dir() and p.name.isdigit() and p not in found:
            found[p] = (int(p.name), str(p))
    return sorted(found, key=lambda p: found[p])


def pairable(run: SimulateRun, base: SimulateRun) -> bool:
    """Whether ``run`` shares its random numbers with ``base`` replication by replication
    (common random numbers): the same seed and the same replications, by their numbers where
    the tables hold them (``first_replication=5`` runs replications 5, 6, ...: other random
    numbers than 0, 1, ... under the same seed; QA 2026-12-04 #5), else by their count."""
    if str(run.seed) != str(base.seed) or run.replications != base.replications:
        return False
    col = "replication"
    if col in run.table and col in base.table:
        return run.table[col].tolist() == base.table[col].tolist()
    return True


def write_comparison(
    runs: Sequence[SimulateRun],
    out_dir: Path,
    *,
    baseline: Any = None,
    report: bool = True,
    left_out: Sequence[str] = (),
) -> pd.DataFrame:
    """Compare ``runs`` against the baseline; write ``comparison.csv``, ``scenarios.json``,
    ``comparison.md`` (and with ``report`` ``report.html``) into ``out_dir``; print the
    headline changes and the notes that qualify them. ``left_out``: notes naming the sweep's
    jobs that are not among ``runs`` (failed), kept in ``scenarios.json`` (the baseline's
    ``left_out``) for the notes of comparison.md and report.html."""
    return _write(_Compared.of(runs, baseline, left_out=left_out), out_dir, report=report)


@dataclass(frozen=True)
class _Compared:
    """A comparison worked out and checked, not yet written."""

    comparison: pd.DataFrame
    labels: list[str]
    baseline: int
    scenarios: list[dict[str, Any]]

    @classmethod
    def of(
        cls, runs: Sequence[SimulateRun], baseline: Any = None, *, left_out: Sequence[str] = ()
    ) -> _Compared:
        """Compare ``runs`` against ``baseline``; ``ConfigError`` for fewer than two runs or a
        baseline that is none of them. ``left_out`` (notes naming a sweep's jobs that are not
        among ``runs``) goes with the baseline's scenario."""
        if len(runs) < 2:
            raise ConfigError(f"compare: {len(runs)} run given; give two or more to compare")
        settings = scenario_settings(runs)
        labels = scenario_labels(runs, settings)
        b = pick_baseline(baseline, labels, runs)
        base = runs[b]
        measured = measurements(runs)
        # the label's parts, so that the report can name a scenario by what it sets
        # otherwise than the baseline without splitting the label at its spaces
        scenarios = [
            {"label": label, "baseline": i == b, "settings": own, **r.describe()}
            | {"measurement": m}
            for i, (label, own, r, m) in enumerate(
                zip(labels, settings, runs, measured, strict=True)
            )
        ]
        from sim.report.compare import measured_otherwise_by

        comparison = compare_scenarios(
            {label: r.table for label, r in zip(labels, runs, strict=True)},
            baseline=labels[b],
            paired={label: pairable(r, base) for label, r in zip(labels, runs, strict=True)},
            volume_differs={
                label
                for label, r in zip(labels, runs, strict=True)
                if r.arrival_volume != base.arrival_volume
            },
            # judged as the note judges them (runs of an older version, which record no
            # measurement, are not judged otherwise)
            measured_otherwise={
                s["label"] for s in scenarios if measured_otherwise_by(s, scenarios[b])
            },
            # pooled only where every run's are: a percentile pooled in one run and averaged in
            # another is no comparison (QA pooled24 #2: one baseline, two p90s in one table)
            cycle_times={label: r.cycle_times for label, r in zip(labels, runs, strict=True)}
            if all(r.cycle_times is not None for r in runs)
            else None,
        )
        if left_out:
            scenarios[b]["left_out"] = [str(n) for n in left_out]
        pooled = all(r.cycle_times is not None for r in runs)
        # how the percentiles were compared: the page says it in its header
        scenarios[b]["percentiles"] = "pooled" if pooled else "averaged"
        if not pooled and any(r.cycle_times is not None for r in runs):
            scenarios[b]["notes"] = [_averaged_note(labels, runs)]
        return cls(comparison, list(labels), b, scenarios)


def measurements(runs: Sequence[SimulateRun]) -> list[dict[str, Any]]:
    """Each run's ``measurement`` as ``scenarios.json`` records it and compare judges it
    (``sim.report.compare.measured_otherwise_by``, with the arrival volume, ``arrivals``, which
    under a cap ends the window elsewhere): with ``cap_reached`` where the run has a cap and its
    table tells whether the cap stopped the arrivals in any replication (a cap reached in none
    is no cap: QA rt27_engine F6, max_cases=100000 was 'measured otherwise' beside every row's
    "no change"). A run of an older version, which records no measurement, keeps none."""
    return [
        r.measurement | ({"cap_reached": r.cap_reached} if r.cap_reached is not None else {})
        if r.measurement
        else {}
        for r in runs
    ]


def _averaged_note(labels: Sequence[str], runs: Sequence[SimulateRun]) -> str:
    """Why a comparison's percentiles are each replication's, averaged, in every run: the runs
    whose pooled percentiles it cannot have, and why (QA retest24b #2: a run of today's version
    without its cycle_times.csv.gz was said to be an earlier version's)."""
    older = [lb for lb, r in zip(labels, runs, strict=True) if not r.pooled_percentiles]
    lost = [
        lb
        for lb, r in zip(labels, runs, strict=True)
        if r.pooled_percentiles and r.cycle_times is None
    ]
    why = []
    if older:
        why.append(
            f"{', '.join(older)}: written by an earlier version, whose kpis.json averages each "
            "replication's cycle-time percentiles"
        )
    if lost:
        why.append(
            f"{', '.join(lost)}: no cycle_times.csv.gz (or one of other replications), the "
            "cases of its kpis.json's pooled percentiles"
        )
    return (
        "; ".join(why) + "; so that all are measured alike, the percentiles of every run here "
        "are each replication's, averaged, not the pooled ones of kpis.json"
    )


def _write(c: _Compared, out_dir: Path, *, report: bool) -> pd.DataFrame:
    comparison, scenarios, labels, b = c.comparison, c.scenarios, c.labels, c.baseline
    from sim.report.compare import comparison_markdown, comparison_notes

    out_dir.mkdir(parents=True, exist_ok=True)
    with written_whole(out_dir / "comparison.csv") as part:
        comparison.to_csv(part, index=False)
    write_json(out_dir / "scenarios.json", scenarios)
    write_text_whole(out_dir / "comparison.md", comparison_markdown(comparison, scenarios))
    print(format_comparison(comparison, labels, labels[b]))
    said = set(scenarios[b].get("left_out") or ())  # the sweep's jobs left out: said above
    for note in comparison_notes(comparison, scenarios):
        if note not in said:
            print(f"note: {note}")
    print(f"\ncomparison in {out_dir}")
    if report:
        from sim.cli.report import build
        from sim.report.html import FIGURE_FILES, FIGURES_DIR

        # PNGs of an earlier comparison in this directory must not outlive the page
        build(out_dir, figures=any((out_dir / FIGURES_DIR).glob(FIGURE_FILES)))
    return comparison


PAIRED = "paired: same seed and replications"
WELCH = "independent samples (Welch)"


def _how(comparison: pd.DataFrame, baseline: str) -> dict[str, bool]:
    """Per scenario (the baseline left out): whether its differences are paired."""
    rows = comparison[comparison["scenario"] != baseline]
    return {
        str(k): bool(v) for k, v in rows.groupby("scenario", sort=False)["paired"].first().items()
    }


def format_comparison(comparison: pd.DataFrame, labels: Sequence[str], baseline: str) -> str:
    """The headline KPIs' changes against the baseline, one block per scenario, for the console
    (with how each was compared when some are paired and some not); a model of two or more
    segments adds each segment's KPIs (``sim.kpis.summary.SEGMENT_KPIS``) below them."""
    from sim.report.compare import segments_of

    how = _how(comparison, baseline)
    mixed = len(set(how.values())) > 1
    shared = (
        "paired where seed and replications match, else Welch"
        if mixed
        else (PAIRED if all(how.values()) else WELCH)
    )
    lines = [f"baseline: {baseline}   ({shared})"]
    head = comparison[comparison["kpi"].isin(COMPARED_HEADLINE)]
    segments = segments_of(comparison)
    for label in labels:
        if label == baseline:
            continue
        lines.append(
            f"\n{label}" + (f"   ({PAIRED if how.get(label) else WELCH})" if mixed else "")
        )
        lines.append(f"  {'':<36} {'baseline':>10} {'scenario':>10}  change [95 % CI]")
        lines += _change_lines(head[head["scenario"] == label])
        for segment in segments:
            keys = [segment_key(segment, k) for k in SEGMENT_KPIS]
            lines.append(f"  segment {segment}:")
            lines += _change_lines(
                comparison[(comparison["scenario"] == label) & comparison["kpi"].isin(keys)],
                indent=4,
                segment=True,
            )
    return "\n".join(lines)


def _change_lines(rows: pd.DataFrame, *, indent: int = 2, segment: bool = False) -> list[str]:
    """One console line per comparison row: the KPI, the baseline's and the scenario's value,
    the change with its 95 % CI and the verdict (rows zero on both sides left out). ``segment``:
    a segment's KPIs, named without their segment (the block's heading says it)."""
    from sim.report.compare import change_text, plain, unit_title
    from sim.report.html import kpi_label

    lines = []
    for _, r in rows.iterrows():
        if not (r["base"] or r["alt"]):
            continue  # zero in both (no costs in the model)
        kpi = split_segment_key(r["kpi"])[1] if segment else r["kpi"]
        name, unit = kpi_label(kpi)
        change, ci = change_text(r["diff"], r["ci_low"], r["ci_high"], unit)
        title = unit_title(name, unit).replace("%, change in pp", "%; change in pp")
        lines.append(
            f"{'':<{indent}}{title:<{38 - indent}} {plain(r['base'], unit):>10} "
            f"{plain(r['alt'], unit):>10}  {change:>9} {ci or '[–, –]':<22} {r['verdict']}"
        )
    return lines


def _run_dirs(cfg: DictConfig) -> tuple[list[SimulateRun], list[str]]:
    """The runs ``runs=`` or ``sweep=`` names, and notes naming a sweep's jobs left out."""
    runs_value = cfg.get("runs")
    sweep = cfg.get("sweep")
    if runs_value and sweep:
        raise ConfigError("runs= and sweep=: give one of them, not both")
    if sweep:
        return _sweep_runs(Path(str(sweep)).expanduser(), "sweep")
    if not runs_value:
        raise ConfigError(
            "runs: give the simulate runs to compare, e.g. runs=[out/today,out/two_more_legal], "
            "or sweep=<a simulate --multirun directory>"
        )
    if not isinstance(runs_value, ListConfig):
        raise ConfigError(
            f"runs: expected a list of run directories like [out/a,out/b], got {runs_value!r}"
        )
    runs = [
        read_simulate_run(Path(str(p)).expanduser(), f"runs[{i}]") for i, p in enumerate(runs_value)
    ]
    _refuse_repeated_runs(runs)
    return runs, []


def _refuse_repeated_runs(runs: Sequence[SimulateRun]) -> None:
    """A ``ConfigError`` when two entries of ``runs=`` are one directory, however spelled."""
    seen: dict[Path, int] = {}
    for i, r in enumerate(runs):
        j = seen.setdefault(r.run_dir, i)
        if j != i:
            raise ConfigError(
                f"runs[{i}] is the same directory as runs[{j}] ({r.run_dir}); give each run once"
            )


def run(cfg: DictConfig, run_dir: Path, *, process_choice: str | None = None) -> pd.DataFrame:
    """Compare the runs the config names; write the comparison and the run record."""
    overwrite = config_bool(cfg, "output.overwrite")
    guard_run_dir(run_dir, RESULTS, overwrite=overwrite)
    report = config_bool(cfg, "output.report")
    runs, left_out = _run_dirs(cfg)
    for r in runs:
        if r.run_dir.resolve() == run_dir.resolve():
            raise ConfigError(f"hydra.run.dir: {run_dir} is one of the runs compared; give another")
    # compared (and the baseline checked) before the earlier run's files go: a refused
    # comparison leaves the earlier one as it was
    compared = _Compared.of(runs, cfg.get("baseline"), left_out=left_out)
    if overwrite:  # the earlier run's files go: none may outlive it beside this run's record
        clear_earlier_run(run_dir, cfg, command="compare")
    write_run_record(
        run_dir, cfg, command="compare", extra={"runs": [str(r.run_dir) for r in runs]}
    )
    return _write(compared, run_dir, report=report)


class CompareSweep(SweepJobs):
    """Hydra callback: when a ``simulate --multirun`` ends, compare the jobs it launched that
    finished (the first of them the baseline) in the sweep directory, and name those that did
    not; a sweep with fewer than two finished jobs is left as it is with a note."""

    def __init__(self) -> None:
        super().__init__("simulate")

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write ``comparison.*`` and ``report.html`` into the sweep directory."""
        sweep_dir = Path(str(config.hydra.sweep.dir))
        all_dirs = self.job_dirs(sweep_dir)
        dirs = self.finished(all_dirs)
        if len(dirs) < 2:
            n = len(all_dirs)
            if len(dirs) == n:
                why = (
                    f"the sweep ran {n} job{'' if n == 1 else 's'}; a comparison needs two or "
                    "more (sweep a value, e.g. scenario.staffing.server=2,3)"
                )
            else:
                why = f"{len(dirs)} of the sweep's {n} jobs finished; a comparison needs two"
            print(f"note: no scenario comparison written: {why}", file=sys.stderr)
            stale = [n for n in RESULTS if (sweep_dir / n).is_file()]
            if stale:  # output.overwrite=true over an earlier sweep
                print(
                    f"note: {', '.join(stale)} in {sweep_dir} are an earlier sweep's comparison",
                    file=sys.stderr,
                )
            return
        try:
            runs = [
                read_simulate_run(d, f"hydra.sweep.dir={sweep_dir}: job {all_dirs.index(d)} ({d})")
                for d in dirs
            ]
            first = all_dirs.index(dirs[0])
            # counted and named as report.html's heading: the scenarios against the baseline
            # (the first: write_comparison's default)
            n, base = len(runs) - 1, scenario_labels(runs)[0]
            print(
                f"\n=== {n} scenario{'' if n == 1 else 's'} of the sweep against {base} "
                f"(job {first}) ==="
            )
            output = config.get("output") or {}
            write_comparison(
                runs,
                sweep_dir,
                report=bool(output.get("report", True)),
                left_out=self._left_out(sweep_dir, all_dirs, dirs),
            )
        except SimError as exc:
            print(f"note: no scenario comparison written: {exc}", file=sys.stderr)

    def _left_out(self, sweep_dir: Path, all_dirs: list[Path], dirs: list[Path]) -> list[str]:
        """Notes naming the sweep's jobs that did not finish (``finished`` named them on the
        console), for the comparison's notes."""
        failed = [d for d in dict.fromkeys(all_dirs) if d not in dirs]
        # jobs that wrote into another's folder, or left none of their own
        others = max(len(all_dirs), self.launched or 0) - len(dirs) - len(failed)
        notes = []
        if failed:
            notes.append(
                f"{_folders(sweep_dir, failed)} left out: the job did not finish (its error was "
                f"printed when the sweep ran){_set_with(sweep_dir, failed, dirs[0])}"
            )
        if others > 0:
            notes.append(
                f"{others} more of the sweep's jobs left out: they did not finish in a folder "
                "of their own (hydra.sweep.subdir names them alike)"
            )
        return notes
