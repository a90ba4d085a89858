"""What every command shares: loading the process, the run directory, the run record."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import numbers
import os
import platform
import shutil
import socket
import subprocess
import sys
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from sim.cli.runlock import (
    LOCK,
    holds_lock,
    link_refusal,
    process_alive,
    refuse_links,
    unlock_run_dir,
)
from sim.errors import ConfigError, SimError, did_you_mean, redact, redact_secrets_of
from sim.model import ProcessModel, from_dict, load, to_dict
from sim.model.jsonio import json_text
from sim.model.validate import notes
from sim.model.whole_files import PARTIAL, write_text_whole, written_whole

PACKAGES = (
    "sim-redesign",
    "simpy",
    "numpy",
    "scipy",
    "pandas",
    "optuna",
    "matplotlib",
    "hydra-core",
)
#: packages that shape the files a run writes or reads (trace.parquet, model.yaml and
#: config.yaml, XES logs), its study's storage, or a sweep's launcher: their versions when
#: installed, null when not (QA determinism18)
FILE_PACKAGES = (
    "pyarrow",
    "PyYAML",
    "omegaconf",
    "defusedxml",
    "SQLAlchemy",
    "joblib",
    "hydra-joblib-launcher",
)


def redact_obj(obj: Any) -> Any:
    """``redact`` applied to every string in a nested structure."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return {k: redact_obj(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [redact_obj(v) for v in obj]
    return obj


def config_error_text(exc: Exception, cfg: Any) -> str:
    """What to print (after ``error: ``) and record for an error OmegaConf raised while a command
    resolved ``cfg`` (a missing interpolation key, a value of the wrong type): ``config: `` and
    its message, every piece of every password in the config's URLs masked. A password holding
    ``${`` is read as an interpolation, and OmegaConf's "Interpolation key 'Secret3' not found"
    showed part of it (QA 2026-12-05 hardening #3); for such a URL the message names its key and
    says how to write the password instead."""
    raw = _unresolved(cfg)
    text = str(exc)
    for url in (v for v in _strings(raw) if "://" in v):
        text = redact_secrets_of(url, text)
    key = getattr(exc, "full_key", None) or ""
    value: Any = raw if key else None  # the value at the key, as written
    for part in key.split(".") if key else ():
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str) and "${" in _url_password(value):
        said = text.strip().splitlines()[0]
        return (
            f"{key}: the password in the URL holds '${{', which the config reads as an "
            f"interpolation ({said}); percent-encode it: '$' as %24, '{{' as %7B, '}}' as %7D"
        )
    return f"config: {redact(text)}"


def _unresolved(cfg: Any) -> Any:
    """``cfg`` as plain containers, interpolations left as written."""
    if not isinstance(cfg, DictConfig | ListConfig):
        return None
    try:
        return OmegaConf.to_container(cfg, resolve=False)
    except Exception:  # noqa: BLE001 - only for masking: without it, redact() alone
        return None


def _strings(obj: Any) -> list[str]:
    """Every string in a nested structure."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in _strings(v)]
    if isinstance(obj, list | tuple):
        return [s for v in obj for s in _strings(v)]
    return []


def _url_password(url: str) -> str:
    """The ``user:password`` part of ``scheme://user:password@host/...`` ("" without one)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return ""
    credentials = rest.rsplit("@", 1)[0]
    return credentials.partition(":")[2]


def _select(cfg: DictConfig, key: str) -> Any:
    """``OmegaConf.select(cfg, key)``, but ``ConfigError`` when a section on the way to ``key``
    is not a mapping (``output=5``: "output.overwrite: expected true or false, got None" named
    the wrong key; QA 2026-12-04 #10)."""
    parts = key.split(".")
    for i in range(1, len(parts)):
        section = ".".join(parts[:i])
        node = OmegaConf.select(cfg, section)
        if node is not None and not isinstance(node, DictConfig):
            raise ConfigError(
                f"{section}: expected a mapping (a section with keys such as "
                f"'{'.'.join(parts[i:])}'; set one as '{key}=...'), got {node!r}"
            )
    return OmegaConf.select(cfg, key)


def config_int(cfg: DictConfig, key: str, *, minimum: int | None = None, null: bool = False) -> Any:
    """The integer at ``key`` (an integral float such as 1e3 is taken), else ``ConfigError``
    naming the key and what was expected."""
    value = _select(cfg, key)
    if value is None and null:
        return None
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok and float(value).is_integer() and (minimum is None or value >= minimum):
        return int(value)
    expected = "an integer" + (f" >= {minimum}" if minimum is not None else "")
    raise ConfigError(f"{key}: expected {expected}{' or null' if null else ''}, got {value!r}")


def config_float(cfg: DictConfig, key: str) -> float:
    """The number at ``key``, else ``ConfigError`` naming the key."""
    value = _select(cfg, key)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    raise ConfigError(f"{key}: expected a number, got {value!r}")


def config_bool(cfg: DictConfig, key: str) -> bool:
    """The true/false at ``key``, else ``ConfigError`` naming the key."""
    value = _select(cfg, key)
    if isinstance(value, bool):
        return value
    raise ConfigError(f"{key}: expected true or false, got {value!r}")


def config_str(cfg: DictConfig, key: str, *, null: bool = False) -> Any:
    """The text at ``key`` (a name, an option); a number is taken as its text. Else (a list, a
    mapping, true/false: ``name=[a]`` was taken as the name "['a']") ``ConfigError`` naming the
    key and what was expected."""
    value = _select(cfg, key)
    if value is None and null:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return str(value)
    what = {ListConfig: "a list", DictConfig: "a mapping"}.get(type(value), repr(value))
    if isinstance(value, ListConfig | DictConfig):
        what += f" {OmegaConf.to_container(value, resolve=False)!r}"
    raise ConfigError(
        f"{key}: expected one name (text){' or null' if null else ''}, got {what}; e.g. "
        f"{key}=my_name (in quotes if it holds brackets or commas: {key}='\"[a]\"')"
    )


def load_process(cfg: DictConfig, *, choice: str | None = None) -> ProcessModel:
    """The process model a config names: a bundled model (inline mapping) or a file path; what
    it does that its author may not expect (``sim.model.validate.notes``) is printed as notes."""
    import warnings

    from sim.model.calendar import CalendarOverlapWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CalendarOverlapWarning)
        model = _load_process(cfg, choice=choice)
    said: set[str] = set()
    for w in caught:
        if issubclass(w.category, CalendarOverlapWarning):
            if str(w.message) not in said:  # a model read twice (checks) warns twice
                said.add(str(w.message))
                print(f"note: {w.message}", file=sys.stderr)
        else:  # not ours to hold back
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    for note in notes(model):
        print(f"note: {note}", file=sys.stderr)
    _check_headcounts_beside_staffing(cfg, model)
    return model


def _load_process(cfg: DictConfig, *, choice: str | None) -> ProcessModel:
    proc = cfg.get("process")
    if proc is None:
        raise ConfigError(
            "process: no process given; use process=crm_sales or process=path/to/model.yaml"
        )
    if "path" in proc:
        model = _load_process_file(proc)
        # keys given beside the file (`+process.roles.clerk.headcount=3`) change the model read,
        # as they change a bundled one (they were silently ignored)
        given = OmegaConf.to_container(proc, resolve=True)
        extra = {k: v for k, v in given.items() if k not in ("path", "params", "dropoff", "pool")}
        if not extra:
            return model
        _refuse_new_names(model, extra)
        spec = OmegaConf.merge(OmegaConf.create(to_dict(model)), OmegaConf.create(extra))
        return from_dict(
            OmegaConf.to_container(spec, resolve=True),
            source=f"process={proc.path} with {', '.join(_dotted(extra))}",
        )
    if choice is not None:
        _refuse_names_added_to_a_bundled_model(choice)
    spec = OmegaConf.to_container(proc, resolve=True)
    return from_dict(spec, source=f"process={choice or 'inline'}")


#: The sections of a model whose entries are named by the model (a change names one of them).
NAMED_SECTIONS = ("roles", "steps", "decisions", "ends")


def _refuse_new_names(model: ProcessModel, extra: Mapping[str, Any], prefix: str = "+") -> None:
    """Refuse a ``+process.<section>.<name>...`` that names no role, step, decision or end of
    the model read from the file: a typo would add one that nothing uses (QA4a:
    ``+process.roles.serverr.headcount=3`` added an idle role and left ``server`` as it was)."""
    names = {section: list(getattr(model, section)) for section in NAMED_SECTIONS}
    _refuse_names_not_in(names, extra, prefix)


def _refuse_names_not_in(
    names: Mapping[str, list[str]], extra: Mapping[str, Any], prefix: str, where: str = ""
) -> None:
    """``ConfigError`` for the first entry of a section of ``extra`` (a change to the model:
    ``{roles: {clerk: {headcount: 3}}}``) that ``names`` (the model's names per section) has
    not, naming the key as typed (``prefix``: its leading '+'s) and the nearest name."""
    for section in NAMED_SECTIONS:
        given = extra.get(section)
        for name in given if isinstance(given, Mapping) else {}:
            if name not in names.get(section, ()):
                raise ConfigError(
                    f"{prefix}process.{section}.{name}: the model{where} has no "
                    f"{section[:-1]} '{name}'{did_you_mean(str(name), names.get(section, ()))}"
                    f"; its {section} are {sorted(names.get(section, ()))}"
                )


def _refuse_names_added_to_a_bundled_model(choice: str) -> None:
    """Refuse an override (``+process.roles.legall.headcount=3``) that names a role, step,
    decision or end the bundled model ``choice`` has not: Hydra adds any key given with '+',
    so a typo added a role that nothing uses and left the one meant as it was (QA 2026-12-05).
    The names that exist are those of the bundled file, ``configs/process/<choice>.yaml``."""
    given = [(prefix, tree) for prefix, tree in _override_trees() if "process" in tree]
    if not given:
        return
    from sim.cli.main import config_dir

    try:
        bundled = OmegaConf.to_container(
            OmegaConf.load(config_dir() / "process" / f"{choice}.yaml")
        )
    except Exception:  # noqa: BLE001 - not a file of ours (an inline model): nothing to check
        return
    if not isinstance(bundled, dict):
        return
    names = {s: list(bundled.get(s) or {}) for s in NAMED_SECTIONS}
    for prefix, tree in given:
        if isinstance(tree["process"], Mapping):
            _refuse_names_not_in(names, tree["process"], prefix, f" (process={choice})")


def _override_trees() -> list[tuple[str, dict[str, Any]]]:
    """Each override of this run (``HydraConfig``'s ``overrides.task``: a sweep's job has its
    own values there) as its leading '+'s and what it sets, a nested mapping
    (``++scenario.staffing.legal=2``: ``("++", {"scenario": {"staffing": {"legal": 2}}})``);
    deletions (``~key``) left out, [] outside Hydra."""
    try:
        from hydra.core.hydra_config import HydraConfig
        from hydra.core.override_parser.overrides_parser import OverridesParser

        if not HydraConfig.initialized():
            return []
        typed = [str(o) for o in HydraConfig.get().overrides.task]
        parsed = OverridesParser.create().parse_overrides(typed)
    except Exception:  # noqa: BLE001 - Hydra composed the config from them: checks only
        return []
    out = []
    for override in parsed:
        if override.is_delete():
            continue
        value: Any = override.value()
        for part in reversed(str(override.key_or_group).split(".")):
            value = {part: value}
        line = str(override.input_line or "")
        prefix = line[: len(line) - len(line.lstrip("+"))]
        out.append((prefix, value))
    return out


def _check_headcounts_beside_staffing(cfg: DictConfig, model: ProcessModel) -> None:
    """A role's headcount given in an override of the model (``process.roles.legal.headcount=3``)
    while the scenario staffs it otherwise (``scenario.staffing.legal=2``): the scenario's
    staffing wins (the engine staffs by it), so the model's value goes unused. Refused when
    both are overrides of this run (one of them is a mistake), else (the staffing comes from a
    config file: an experiment) a note naming both keys and the value used."""
    trees = _override_trees()
    headcounts = {}
    for prefix, tree in trees:
        roles = _at(tree, "process", "roles")
        for role, spec in roles.items() if isinstance(roles, Mapping) else ():
            if isinstance(spec, Mapping) and "headcount" in spec:
                headcounts[role] = f"{prefix}process.roles.{role}.headcount"
    if not headcounts or "scenario" not in cfg:
        return
    from sim.model.scenario import Scenario

    try:
        typed = dict(cfg.scenario.get("staffing") or {})
        staffing = Scenario.from_dict(dict(cfg.scenario)).for_model(model).staffing
    except Exception:  # noqa: BLE001 - a bad scenario: the command's own check names it
        return
    as_typed = dict(zip(staffing, typed, strict=False))  # role -> its key as typed
    overridden = set()
    for _, tree in trees:
        given = _at(tree, "scenario", "staffing")
        overridden |= set(given) if isinstance(given, Mapping) else set()
    for role, key in headcounts.items():
        if role not in staffing or role not in model.roles:
            continue
        ours, theirs = model.roles[role].headcount, staffing[role]
        if ours == theirs:
            continue
        staff_key = f"scenario.staffing.{as_typed.get(role, role)}"
        both = f"{key}={ours} and {staff_key}={theirs} both set the headcount of {role}"
        if as_typed.get(role, role) in overridden:
            raise ConfigError(
                f"{both}; the scenario's staffing wins, so {ours} would not be used: give one "
                f"of the two ({staff_key}=<n> alone staffs {role})"
            )
        print(
            f"note: {both}: the run uses {theirs}, the scenario's staffing ({staff_key}, set "
            f"in the config), which wins over the model's headcount; to use {ours}, give "
            f"{staff_key}={ours}",
            file=sys.stderr,
        )


def _at(tree: Any, *keys: str) -> Any:
    """The value at ``keys`` of a nested mapping, None where a key is missing."""
    for key in keys:
        tree = tree.get(key) if isinstance(tree, Mapping) else None
    return tree


def _dotted(tree: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The dotted keys of a nested mapping's leaves (``roles.clerk.headcount``)."""
    out = []
    for k, v in tree.items():
        key = f"{prefix}{k}"
        out += _dotted(v, key + ".") if isinstance(v, Mapping) and v else [key]
    return out


def _load_process_file(proc: DictConfig) -> ProcessModel:
    """The model of ``process.path``: a model file, or a BPMN file with ``process.params``."""
    path = Path(str(proc.path))
    suffix = "".join(path.suffixes[-1:]).lower()
    if suffix == ".bpmn":
        import warnings

        from sim.model.interchange import BpmnImportWarning, load_bpmn

        params = proc.get("params")
        dropoff = proc.get("dropoff")
        pool = proc.get("pool")
        if isinstance(pool, ListConfig | DictConfig):  # str() made it "['Customer']"
            given = OmegaConf.to_container(pool)
            one = f" (process.pool={given[0]})" if isinstance(given, list) and given else ""
            raise ConfigError(
                f"process.pool: takes one pool, by its pool name or process id{one}, got "
                f"{given!r}; to run several pools joined by a request and its answer as one "
                "case, leave process.pool out"
            )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", BpmnImportWarning)
            model = load_bpmn(
                path,
                params_path=None if params is None else Path(str(params)),
                dropoff=(  # one name, or a list of them
                    None
                    if dropoff is None
                    else [str(d) for d in ([dropoff] if isinstance(dropoff, str) else dropoff)]
                ),
                pool=None if pool is None else str(pool),  # a name or process id
            )
        for w in caught:  # approximations made on import: tell the user, never hide them
            if issubclass(w.category, BpmnImportWarning):
                print(f"note: {w.message}", file=sys.stderr)
        return model
    for key in ("params", "dropoff", "pool"):
        if proc.get(key) is not None:
            raise ConfigError(f"process.{key}: only used with a BPMN process (process=model.bpmn)")
    return load(path)


# Files Hydra writes into the run directory before our task starts, and the lock of the run
# using it (``sim.cli.runlock``): not results.
HYDRA_OWN = frozenset({".hydra", "main.log", LOCK})
CLAIM = "run.json"  # created exclusively when a run starts, rewritten with the run record
# What a run writes before its first result: its record and optimize's generated search space.
# In a directory the run claimed (new or empty when it started) they are its own.
BEFORE_RESULTS = frozenset({CLAIM, "config.yaml", "redesign.yaml"})
# What a run whose process ended leaves without having written a result: those and the files it
# had not finished writing (``.partial/``, never a result by design; QA: a simulate killed while
# writing its trace was refused on rerun as "already holds files (.partial ...)")
NO_RESULT = BEFORE_RESULTS | {PARTIAL}
_CLAIMED: set[Path] = set()  # the run directories this process claimed


def guard_run_dir(
    run_dir: Path,
    results: tuple[str, ...],
    *,
    overwrite: bool,
    claim: bool = True,
    key: str = "hydra.run.dir",
    command: str | None = None,
) -> None:
    """Refuse a run directory that holds anything but Hydra's own files (unless overwrite).

    A run writes only into a new or empty directory: the check covers every file, not only this
    command's ``results`` (named first in the message), so a user's notes or another command's
    results are never overwritten or mixed with this run's. Where the directory is accepted, the
    run claims it by creating ``run.json`` exclusively, so of two runs started into the same
    directory at once (one given as hydra.run.dir: default directories are named to the
    microsecond) one is refused; ``claim=False`` only checks (before Hydra has started).

    A run whose process ended before it wrote a result (killed outright too: ``stale_claim``)
    leaves only what ``NO_RESULT`` names, and a rerun takes the directory over (``_take_over``).
    One more exception: a run of ``command`` (by default the command whose results are
    ``results``) stopped by Ctrl-C or SIGTERM (``"status": "interrupted"``, its process gone:
    ``stale_claim``) leaves its partial results, and a rerun of that command takes the directory
    over, removing them (``_unfinished_results``). A finished run, a live one, a killed one
    that wrote a result, another command's, or one beside files it did not write, stays refused.
    A single run's directory (``key`` hydra.run.dir) holding a ``--multirun`` sweep is refused
    even with ``overwrite`` (``sim.cli.sweep.sweep_folder_refusal``).
    """
    _not_a_file(run_dir, key)
    refuse_links(run_dir, key)
    if key == "hydra.run.dir":  # a sweep's folder: refused even with output.overwrite=true
        from sim.cli.sweep import sweep_folder_refusal

        refused = sweep_folder_refusal(run_dir, key)
        if refused is not None:
            raise ConfigError(refused)
    if overwrite:
        return
    held = _held(run_dir)
    stale = stale_claim(run_dir) if held else None
    ended = stale  # a run that never finished, its process gone: named when refused below
    partial: list[Path] = []
    if stale is not None and not set(held) <= NO_RESULT:
        partial = _unfinished_results(run_dir, held, stale, command or _command_of(results))
        if not partial:
            stale = None
    if stale is not None:
        if claim:
            _take_over(run_dir, held, stale, partial)
        held = []
    if held:
        named = [r for r in results if r in held] + [n for n in held if n not in results]
        shown = ", ".join(named[:6]) + (f" and {len(named) - 6} more" if len(named) > 6 else "")
        what = "results" if any(r in held for r in results) else "files"
        unfinished = ""
        if ended is not None and ended.get("status") == "running":
            # killed outright (SIGKILL, out of memory, a lost machine): what it wrote is no
            # complete result, e.g. a model.yaml never back-tested (QA long jobs #5)
            unfinished = (
                f", written by a run that never finished ({_who(ended)}: killed, its run.json "
                "still says running), so they are not a complete result"
            )
        raise ConfigError(
            f"{run_dir}: already holds {what} ({shown}){unfinished}; a run writes only into a "
            f"new or empty directory: choose another {key} or pass output.overwrite=true"
        )
    if claim:
        claim_run_dir(run_dir)


def guard_resumable_dir(
    run_dir: Path, command: str, *, model: str | None = None, claim: bool = True
) -> bool:
    """For a command that resumes its own work (optimize): accept a new or empty directory
    (claimed as in ``guard_run_dir``) or one holding a run of the same command on the same model
    (``run.json``); refuse anything else, so another command's results or a user's files are
    never overwritten. Returns whether it resumes. ``model=None`` checks only the command
    (before the model is loaded)."""
    _not_a_file(run_dir, "hydra.run.dir")
    refuse_links(run_dir)
    held = _held(run_dir)
    # every file of a resumed run is the tool's and is written again (its study too): not one
    # through a link (which this tool never makes)
    linked = next((run_dir / n for n in held if (run_dir / n).is_symlink()), None)
    if linked is not None:
        raise ConfigError(link_refusal(linked, run_dir))
    if not held:
        if claim:
            claim_run_dir(run_dir)
        return False
    record = {}
    if CLAIM in held:
        try:
            record = json.loads((run_dir / CLAIM).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {}
    bare = record.get("status") in ("running", "interrupted") and "command" not in record
    if held == [CLAIM] and bare:
        if _ours_or_ended(record, run_dir):
            return False  # claimed by this run a moment ago, or by one killed since
        raise ConfigError(
            f"{run_dir}: another run started writing into this directory ({_who(record)}); "
            "choose another hydra.run.dir"
        )
    shown = ", ".join(sorted(held)[:6]) + (" ..." if len(held) > 6 else "")
    if record.get("command") != command:
        what = f"{_a(record['command'])} run" if record.get("command") else f"files ({shown})"
        raise ConfigError(
            f"{run_dir}: holds {what}, not {_a(command)} run to resume; choose another "
            "hydra.run.dir (a new or empty directory)"
        )
    if model is not None and record.get("model") not in (None, model):
        raise ConfigError(
            f"{run_dir}: holds {_a(command)} run of model '{record['model']}', not of "
            f"'{model}'; choose another hydra.run.dir to search this model"
        )
    return True


def _held(run_dir: Path) -> list[str]:
    """The names in ``run_dir`` other than Hydra's own files, sorted ([] if it does not exist).
    A symbolic link under one of their names is held: Hydra and the lock write through it."""
    if not run_dir.is_dir():
        return []
    return sorted(p.name for p in run_dir.iterdir() if p.name not in HYDRA_OWN or p.is_symlink())


def _not_a_file(run_dir: Path, key: str) -> None:
    if run_dir.exists() and not run_dir.is_dir():
        raise ConfigError(f"{key}={run_dir}: is a file; expected a directory for the results")


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


def _this_process() -> dict[str, Any]:
    """What a claim or an unfinished run record says of the process writing it: a later run
    tells from it whether that process still runs (``stale_claim``)."""
    return {"status": "running", "pid": os.getpid(), "host": socket.gethostname()}


def stale_claim(run_dir: Path) -> dict[str, Any] | None:
    """The claim or run record in ``run_dir`` of a run that never finished (``"status":
    "running"``, or ``"interrupted"``: stopped by Ctrl-C or SIGTERM) and whose process has ended: its pid and host are recorded, the host is this
    one and no process has that pid. None otherwise: a finished run's record, a record older
    than pids in records, a live run's claim, a run on another host (it cannot be told)."""
    try:
        record = json.loads((run_dir / CLAIM).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("status") not in ("running", "interrupted"):
        return None
    return record if _process_gone(record) else None


def _process_gone(record: dict[str, Any]) -> bool:
    """Whether the process a run record names has ended: its pid and host are recorded, the
    host is this one and no process has that pid (False when it cannot be told)."""
    pid = record.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    return record.get("host") == socket.gethostname() and not process_alive(pid)


def _who(record: dict[str, Any]) -> str:
    """The run a claim or record names, for a message: command, pid, host, start."""
    parts = [f"python -m sim {record['command']}"] if record.get("command") else []
    if record.get("pid"):
        parts.append(f"pid {record['pid']} on host {record.get('host', '?')}")
    if record.get("started_utc"):
        parts.append(f"started {record['started_utc']}")
    return ", ".join(parts) or "no details"


def _command_of(results: tuple[str, ...]) -> str | None:
    """The command whose results ``results`` are (``sim.model.run_records.RESULT_FILES``; None for
    none or several): the run checking a directory before its command is passed on."""
    from sim.model.run_records import RESULT_FILES

    if not results:
        return None
    found = [c for c, names in RESULT_FILES.items() if set(results) <= set(names)]
    return found[0] if len(found) == 1 else None


def _unfinished_results(
    run_dir: Path, held: list[str], record: dict[str, Any], command: str | None
) -> list[Path]:
    """The files a run of ``command`` that was interrupted (``record``: what ``stale_claim``
    read) wrote into ``run_dir``, when that is all ``held`` is besides its record: what a rerun
    of that command removes to take the directory over (QA: an interrupted calibrate had written
    model.yaml, fits.csv, instances.csv.gz before its back-test, and the rerun the README
    promises was refused). [] when the run was not interrupted, was another command's, or
    anything else is there."""
    from sim.cli.overwrite import earlier_results

    # interrupted only: a run killed outright ("running", its process gone) may have stopped
    # anywhere, in a write too, and its directory stays protected as before
    if record.get("status") != "interrupted":
        return []
    if command is None or record.get("command") != command:
        return []
    files = [f for f in earlier_results(run_dir) if f.name != CLAIM]
    if any(f.is_symlink() for f in files):  # not written by this tool: the directory stays held
        return []
    own = {f.relative_to(run_dir).parts[0] for f in files} | BEFORE_RESULTS | {PARTIAL}
    if not set(held) <= own | {"report"}:
        return []
    figures = run_dir / "report"
    if figures.is_dir() and any(p not in files for p in figures.rglob("*")):
        return []  # the report folder holds files of someone else's
    return files + [run_dir / PARTIAL] * (PARTIAL in held)


def _take_over(
    run_dir: Path, held: list[str], record: dict[str, Any], partial: list[Path] | None = None
) -> None:
    """Remove the claim or record (and its ``config.yaml``, ``redesign.yaml``, the files it had
    not finished writing in ``.partial/``) of a run whose process ended unfinished
    (``stale_claim``), with a note: killed (SIGKILL, a machine's crash), it could not remove
    them itself; interrupted, it left them for a rerun to take over.
    ``record``: what ``stale_claim`` read; ``partial``: the results it wrote
    (``_unfinished_results``), removed too."""
    if partial:
        for path in partial:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # only when empty
            (run_dir / "report").rmdir()
    for name in held:
        if name in BEFORE_RESULTS:
            (run_dir / name).unlink(missing_ok=True)
        elif name == PARTIAL:
            shutil.rmtree(run_dir / name, ignore_errors=True)
    status = record.get("status", "running")
    if partial:
        names = sorted(str(p.relative_to(run_dir)) for p in partial)
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        said = (
            f"taking over from a run of the same command that did not finish ({_who(record)}; "
            f"status {status}, that process is gone); removed its partial results ({shown})"
        )
    else:
        said = (
            f"taking over from a run that ended before writing any result ({_who(record)}; "
            f"that process is gone); removed its {', '.join(held)}"
        )
    print(f"note: {run_dir}: {said}", file=sys.stderr)


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented JSON (``sim.model.jsonio.json_text``), whole: under
    ``written_whole``'s name until complete, so a stop or a full disk leaves the earlier file
    of that name (or none), never a truncated one (QA: only simulate's tables were written so;
    its ``kpis.json``, calibrate's ``backtest.json`` and every ``run.json`` were not)."""
    path = Path(path)
    text = json_text(data)  # a data error writes nothing
    with written_whole(path) as part:
        part.write_text(text, encoding="utf-8")
    return path


def finish_run_record(run_dir: Path) -> None:
    """Mark this process's run record in ``run_dir`` finished (``"status": "finished"``), once
    the run has written its results: a finished run's record is never taken for a killed one's
    (``stale_claim``). A record another process wrote, or none, is left as it is."""
    _end_run_record(run_dir, {"status": "finished"})


def fail_run_record(run_dir: Path, error: str) -> None:
    """Mark this process's run record in ``run_dir`` failed (``"status": "failed"`` and the
    ``error``), where the run stopped on an error after writing some results (a calibration
    whose back-test could not run): a record that says "running" would outlive the process. A
    record another process wrote, a bare claim (removed with the refused run) or none is left
    as it is."""
    _end_run_record(run_dir, {"status": "failed", "error": redact(error)})


def interrupt_run_record(run_dir: Path) -> None:
    """Mark this process's run record in ``run_dir`` interrupted (``"status": "interrupted"``,
    with the time): the run was stopped by Ctrl-C or SIGTERM. A rerun may still take over a
    directory that holds nothing but that record (``stale_claim``), and a resumed optimize keeps
    it among its ``earlier_runs``."""
    stopped = datetime.now(UTC).isoformat(timespec="seconds")
    # a run stopped before its record was written leaves its bare claim: it says so too (QA:
    # a calibrate stopped while reading its log left "running" for good)
    _end_run_record(run_dir, {"status": "interrupted", "stopped_utc": stopped}, claim=True)


def _end_run_record(run_dir: Path, ending: dict[str, Any], *, claim: bool = False) -> None:
    """``ending`` written into this process's run record in ``run_dir`` while it says running;
    into its bare claim (no ``command`` yet) too with ``claim``."""
    path = run_dir / CLAIM
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(record, dict) or record.get("status") != "running":
        return
    if record.get("pid") != os.getpid() or ("command" not in record and not claim):
        return
    write_json(path, record | ending)


def claim_run_dir(run_dir: Path) -> None:
    """Create ``run.json`` exclusively: of two runs reaching an empty directory, one wins. It
    records this process (pid, host) so a rerun can tell a killed run's claim (``stale_claim``)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        with (run_dir / CLAIM).open("x", encoding="utf-8") as f:
            f.write(json.dumps(_this_process() | {"started_utc": started}) + "\n")
    except FileExistsError:
        raise ConfigError(
            f"{run_dir}: another run started writing into this directory at the same moment; "
            "choose another hydra.run.dir"
        ) from None
    _CLAIMED.add(run_dir.resolve())


def release_run_dir(run_dir: Path, *, tidy: bool = True) -> None:
    """Undo what a run that failed before writing a result wrote, so a rerun may use the
    directory; a directory with results (even partial) is left as it is.

    In a directory this run claimed (new or empty when it started) that is its claim or run
    record (``run.json``, ``config.yaml``) and optimize's generated ``redesign.yaml``, whichever
    check failed after them. With ``tidy`` the files Hydra wrote for the failed run go too
    (``.hydra/``, an empty ``main.log``), and the directory itself when that leaves it empty: a
    failed run leaves no directory that looks like a run. A sweep's failed job keeps them (the
    sweep names it)."""
    claim = run_dir / CLAIM
    held = _held(run_dir)
    claimed = run_dir.is_dir() and run_dir.resolve() in _CLAIMED
    if claimed and held and set(held) <= BEFORE_RESULTS:
        for name in held:
            (run_dir / name).unlink(missing_ok=True)
        _CLAIMED.discard(run_dir.resolve())
        held = []
    elif held == [CLAIM] and _own_or_stale_claim(run_dir):
        claim.unlink()
        held = []
    if not tidy or held or not run_dir.is_dir():
        return
    shutil.rmtree(run_dir / ".hydra", ignore_errors=True)
    log = run_dir / "main.log"
    if log.is_file() and log.stat().st_size == 0:
        log.unlink()
    if holds_lock(run_dir):  # nothing of the run is left to guard: its lock file goes too
        unlock_run_dir(run_dir)
    with contextlib.suppress(OSError):  # not empty (a main.log with content): keep it
        run_dir.rmdir()
    if not run_dir.exists():
        _remove_created_parents(run_dir)


def _own_or_stale_claim(run_dir: Path) -> bool:
    """Whether ``run.json`` in ``run_dir`` is a bare claim (no run record yet) of this process,
    of a process that has ended, or of a version that did not record the process."""
    try:
        record = json.loads((run_dir / CLAIM).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or record.get("status") != "running" or "command" in record:
        return False
    return _ours_or_ended(record, run_dir)


def _ours_or_ended(record: dict[str, Any], run_dir: Path) -> bool:
    """Whether the bare claim ``record`` (read from ``run_dir``) is this process's, a process's
    that has ended, or a version's that did not record the process."""
    return record.get("pid") in (None, os.getpid()) or stale_claim(run_dir) is not None


# The topmost folder of the run directory's fixed part (``outputs/calibrate`` of
# ``outputs/calibrate/${now:...}``) that did not exist before this run: Hydra creates it with
# the run directory, and a failed run removes it again once empty (``note_run_root``).
_CREATED_RUN_ROOT: list[Path] = []


def note_run_root(run_dir_pattern: str) -> None:
    """Note, before Hydra creates the run directory named by ``run_dir_pattern`` (``hydra.run.dir``
    as configured, maybe with ``${now:...}``), the topmost folder of its fixed part that does not
    exist yet: ``release_run_dir`` removes the empty parents of a failed run's directory up to
    that folder, never a folder that was there before."""
    fixed: list[str] = []
    for part in Path(run_dir_pattern).expanduser().parts:
        if "${" in part:
            break
        fixed.append(part)
    _CREATED_RUN_ROOT.clear()
    if not fixed:
        return
    top = None
    for folder in (f := Path(*fixed).absolute(), *f.parents):
        if folder.exists():
            break
        top = folder
    if top is not None:
        _CREATED_RUN_ROOT.append(top)


def _remove_created_parents(run_dir: Path) -> None:
    """Remove the empty parents of the removed ``run_dir`` that this run created (up to the
    folder ``note_run_root`` noted); any other folder stays."""
    if not _CREATED_RUN_ROOT:
        return
    top = _CREATED_RUN_ROOT[0]
    folder = run_dir.absolute().parent
    while folder == top or top in folder.parents:
        try:
            folder.rmdir()  # only when empty
        except OSError:
            return
        folder = folder.parent


# Files an earlier run in ``hydra.run.dir`` holds that a refused rerun could rewrite before it
# is refused: Hydra's (written before any check of ours) and those written before the results.
_REWRITTEN = (*sorted(BEFORE_RESULTS), "main.log")
_SNAPSHOTS: dict[Path, dict[str, tuple[bytes, int, int]]] = {}


def _kept(path: Path) -> tuple[bytes, int, int]:
    """A file's bytes and access and modification times, to put back with ``_put_back``."""
    st = path.stat()
    return path.read_bytes(), st.st_atime_ns, st.st_mtime_ns


def _put_back(path: Path, kept: tuple[bytes, int, int]) -> None:
    """Make ``path`` the file ``_kept`` saw: its bytes (rewritten only if they differ) and
    times."""
    data, atime, mtime = kept
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)
    os.utime(path, ns=(atime, mtime))


def snapshot_run_dir(run_dir: Path) -> None:
    """Keep the bytes and times of the files of an earlier run in ``run_dir`` that a rerun may
    rewrite before it is refused (``.hydra/*``, ``main.log``, the run record, a generated
    ``redesign.yaml``): ``restore_run_dir`` puts them back. Called before Hydra starts; a
    directory without a run record is not snapshotted (nothing there is a run's)."""
    if not (run_dir / CLAIM).is_file():
        return
    names = [*_REWRITTEN]
    if (run_dir / ".hydra").is_dir():
        names += [f".hydra/{p.name}" for p in (run_dir / ".hydra").iterdir() if p.is_file()]
    kept = {}
    for name in names:
        path = run_dir / name
        if path.is_file():
            kept[name] = _kept(path)
    _SNAPSHOTS[run_dir.resolve()] = kept


def restore_run_dir(run_dir: Path) -> bool:
    """Put back an earlier run's files (``snapshot_run_dir``) that a refused rerun rewrote, so
    its directory is as it was, byte for byte; files the rerun added there go. Nothing is done
    when this run wrote its own record (it ran, and its record describes the directory now).
    Returns whether it restored."""
    kept = _SNAPSHOTS.get(run_dir.resolve()) if run_dir.is_dir() else None
    if kept is None:
        return False
    record = run_dir / CLAIM
    if not record.is_file() or record.read_bytes() != kept[CLAIM][0]:
        return False
    added = [run_dir / n for n in _REWRITTEN if n not in kept]
    hydra_dir = run_dir / ".hydra"
    if hydra_dir.is_dir():
        added += [p for p in hydra_dir.iterdir() if f".hydra/{p.name}" not in kept]
    for path in added:
        if path.is_file():
            path.unlink()
    for name, saved in kept.items():
        path = run_dir / name
        path.parent.mkdir(exist_ok=True)
        _put_back(path, saved)
    if hydra_dir.is_dir() and not any(hydra_dir.iterdir()):
        hydra_dir.rmdir()
    return True


_SWEEP_FILES: dict[Path, dict[str, tuple[bytes, int, int]]] = {}


def snapshot_sweep_dir(sweep_dir: Path) -> None:
    """``snapshot_run_dir`` for every job folder of an earlier sweep in ``sweep_dir`` (each
    folder holding a run record), and the sweep's ``multirun.yaml``: Hydra rewrites a job's
    ``.hydra/`` before the job can be refused, and the sweep's ``multirun.yaml`` before any job
    runs. Called before Hydra starts; ``restore_sweep_dir`` puts them back."""
    if not sweep_dir.is_dir():
        return
    for record in sorted(sweep_dir.glob(f"**/{CLAIM}")):
        if record.parent != sweep_dir:
            snapshot_run_dir(record.parent)
    kept = {}
    path = sweep_dir / "multirun.yaml"
    if path.is_file():
        kept["multirun.yaml"] = _kept(path)
    _SWEEP_FILES[sweep_dir.resolve()] = kept


def restore_sweep_dir(sweep_dir: Path) -> list[Path]:
    """After a ``--multirun`` into ``sweep_dir``: ``restore_run_dir`` for each earlier job folder
    (``snapshot_sweep_dir``), which puts back those whose job was refused or never wrote its
    record; and the sweep's ``multirun.yaml`` when no job of this sweep wrote a record (every
    job refused: the sweep directory is as the earlier sweep left it, or, new, holds nothing) or
    when the sweep resumed that earlier launch (``sim.cli.sweep.RESUMED``: the jobs it kept
    started after that ``multirun.yaml``, as ``sim.cli.sweep.last_launch`` reads it). Returns
    the folders put back."""
    where = sweep_dir.resolve()
    if where not in _SWEEP_FILES or not sweep_dir.is_dir():
        return []
    jobs = [d for d in _SNAPSHOTS if d.is_relative_to(where) and d != where]
    restored = [d for d in jobs if restore_run_dir(d)]
    records = {p.parent.resolve() for p in sweep_dir.glob(f"**/{CLAIM}")} - {where}
    from sim.cli.sweep import RESUMED

    # no job wrote its record (nothing in the sweep is new), or the sweep resumed an earlier
    # launch: its multirun.yaml, older than the jobs it kept, stays that launch's
    if records <= set(restored) or where in RESUMED:
        for name, saved in _SWEEP_FILES[where].items():
            _put_back(sweep_dir / name, saved)
        others = {q.name for q in sweep_dir.iterdir()} - {"multirun.yaml", LOCK}
        if "multirun.yaml" not in _SWEEP_FILES[where] and not others:
            # Hydra's, of a sweep refused before its first job (a misspelt swept key): the
            # directory was new, and the corrected sweep must find it empty
            (sweep_dir / "multirun.yaml").unlink(missing_ok=True)
    return restored


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that shape the numbers (``PACKAGES``) and the files
    (``FILE_PACKAGES``), each null when not installed (one spelling, for whoever reads the
    record with a program), and of the zlib that compresses the gzip files (their bytes
    depend on it)."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for p in (*PACKAGES, *FILE_PACKAGES):
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = None
    out["zlib"] = zlib.ZLIB_RUNTIME_VERSION
    return out


def _git(*args: str) -> str | None:
    """``git <args>``'s output in the tool's own source checkout (``sim.cli.main.
    source_checkout``); None when the tool does not run from one whose git top level it is
    (an installed copy: a venv inside the user's own repository must not record the user's
    commit as the tool's) or git fails."""
    from sim.cli.main import source_checkout

    checkout = source_checkout()
    if checkout is None:
        return None
    top = _run_git(checkout, "rev-parse", "--show-toplevel")
    if top is None or Path(top.strip()).resolve() != checkout:
        return None
    return _run_git(checkout, *args)


def _run_git(cwd: Path, *args: str) -> str | None:
    """``git <args>`` run in ``cwd``: its output, None when it fails."""
    try:
        res = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout if res.returncode == 0 else None


def git_commit() -> str | None:
    """The repository's commit, when run from a git checkout."""
    out = _git("rev-parse", "HEAD")
    return (out.strip() or None) if out is not None else None


def git_dirty() -> bool | None:
    """Whether tracked files differ from that commit (the numbers may not be the commit's)."""
    out = _git("status", "--porcelain", "--untracked-files=no")
    return None if out is None else bool(out.strip())


def file_digest(path: Path) -> dict[str, Any]:
    """Size and SHA-256 of an input file, so a result can be tied to the exact data it used."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return {"path": str(path), "bytes": path.stat().st_size, "sha256": h.hexdigest()}


def process_inputs(cfg: DictConfig) -> list[dict[str, Any]]:
    """``file_digest`` of the files the process was read from (``process.path`` and a BPMN's
    ``process.params``); [] for a bundled model. A resumed sweep keeps a job only while they
    are unchanged (``sim.cli.sweep.kept_run``)."""
    proc = cfg.get("process") or {}
    names = [proc.get("path"), proc.get("params")] if "path" in proc else []
    return [file_digest(Path(str(n)).expanduser()) for n in names if n is not None]


# The command line as typed, before main() rewrites process=<file> for Hydra.
TYPED_ARGV: list[str] = []
# The program it was typed to: ``python -m sim``, or the console script (``sim``) when that is
# what ran (``typed_program``, set by main()).
TYPED_PROGRAM: list[str] = ["python", "-m", "sim"]
CONSOLE_SCRIPTS = ("sim", "sim.exe")  # pip's script for pyproject's [project.scripts] sim
#: the environment variable that carries the typed command line to a launcher's workers
TYPED_COMMAND_ENV = "SIM_TYPED_COMMAND"


def share_typed_command() -> None:
    """Pass the command line as typed (``TYPED_PROGRAM``, ``TYPED_ARGV``) to the processes a
    launcher starts anew: joblib's workers run a sweep's jobs without ``main()``, and recorded
    the rewritten ``sys.argv`` (no subcommand, ``++`` overrides nobody typed; QA
    determinism18). Held in the environment only, never written to a file by itself."""
    os.environ[TYPED_COMMAND_ENV] = json.dumps({"program": TYPED_PROGRAM, "argv": TYPED_ARGV})


def adopt_typed_command() -> None:
    """In a process that did not go through ``main()`` (a launcher's worker): take the typed
    command line its sweep shared (``share_typed_command``), if any."""
    if TYPED_ARGV:
        return
    try:
        shared = json.loads(os.environ.get(TYPED_COMMAND_ENV, ""))
        program, argv = shared["program"], shared["argv"]
    except (ValueError, TypeError, KeyError):
        return
    if all(isinstance(a, str) for a in [*program, *argv]):
        TYPED_PROGRAM[:] = program
        TYPED_ARGV[:] = argv


def typed_program(argv0: str) -> list[str]:
    """The program the user typed, from ``sys.argv[0]``: the console script's name when it is
    ``sim`` (pip's script, whatever its directory), else ``python -m sim`` (``argv0`` is then
    ``sim/__main__.py``)."""
    name = Path(argv0).name
    return [name] if name in CONSOLE_SCRIPTS else ["python", "-m", "sim"]


def write_run_record(
    run_dir: Path, cfg: DictConfig, *, command: str, extra: dict[str, Any] | None = None
) -> None:
    """Write ``config.yaml`` (resolved) and ``run.json`` (command, seed, versions) beside results."""
    run_dir.mkdir(parents=True, exist_ok=True)
    resolved = redact_obj(OmegaConf.to_container(cfg, resolve=True))
    write_text_whole(run_dir / "config.yaml", OmegaConf.to_yaml(OmegaConf.create(resolved)))
    record = (
        {
            **_this_process(),  # "finished" once its results are written (``finish_run_record``)
            "command": command,
            "argv": redact_obj([*TYPED_PROGRAM, *(TYPED_ARGV or sys.argv[1:])]),
            # this run's own overrides as Hydra saved them (interpolations unresolved): a
            # sweep's job has its values here, where argv is the whole sweep's command line
            "overrides": redact_obj(_job_overrides()),
            "started_utc": _claimed_start(run_dir)
            or datetime.now(UTC).isoformat(timespec="seconds"),
            "seed": cfg.get("seed"),
            "versions": package_versions(),
            "git_commit": git_commit(),
            "git_dirty": git_dirty(),
            "platform": platform.platform(),
            # the report's files its builds write, each build adding its own
            # (``sim.cli.report.note_report_files``): none yet
            "report_files": [],
        }
        | (extra or {})
    )
    earlier = _earlier_runs(run_dir / "run.json", command)
    if earlier:
        record["earlier_runs"] = earlier
    write_json(run_dir / "run.json", record)
    _redact_hydra_files(run_dir)


def _claimed_start(run_dir: Path) -> str | None:
    """When this run started, as its claim of ``run_dir`` recorded it (``claim_run_dir``): the
    record written later keeps it (QA: a calibrate's ``started_utc`` was when it had read its
    log and began writing, minutes after it started). None without a claim of this process."""
    try:
        record = json.loads((run_dir / CLAIM).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or "command" in record or record.get("pid") != os.getpid():
        return None
    started = record.get("started_utc")
    return started if isinstance(started, str) else None


def _job_overrides() -> list[str] | None:
    """The overrides of this run (a sweep's job: its own values) as typed, the way
    ``.hydra/overrides.yaml`` holds them: an interpolation stays one
    (``optimizer.storage=${oc.env:SIM_STORAGE_URL}``), so a rerun from the record resolves it
    again and the record holds no value read from the environment (QA determinism18: it held
    the resolved URL, masked, which no rerun could open); None outside Hydra."""
    try:
        from hydra.core.hydra_config import HydraConfig

        if not HydraConfig.initialized():
            return None
        typed = OmegaConf.to_container(HydraConfig.get().overrides.task, resolve=False)
        return [str(o) for o in typed] if isinstance(typed, list) else None
    except Exception:  # noqa: BLE001 - the record must never turn a result into an error
        return None


def _earlier_runs(path: Path, command: str) -> list[dict[str, Any]]:
    """The records of the runs of ``command`` that wrote into this directory before (a resumed
    optimize, an overwritten simulate), oldest first: a rerun keeps who did the earlier work,
    with which code (QA 2026-12-04 #4: a resume replaced the record of the run that searched)."""
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(previous, dict) or previous.get("command") != command:
        return []
    earlier = previous.pop("earlier_runs", [])
    if previous.get("status") == "running" and _process_gone(previous):
        # its process is gone without a word: killed (SIGKILL, out of memory), not running
        # for ever in the record (QA long jobs #9)
        previous["status"] = "killed"
    return [*(earlier if isinstance(earlier, list) else []), previous]


def _redact_hydra_files(run_dir: Path) -> None:
    """Mask passwords in what Hydra wrote before the task started: the run directory's
    ``.hydra/*.yaml`` and, in a ``--multirun`` sweep, the sweep directory's ``multirun.yaml``.

    Hydra saves the overrides as typed (``:`` escaped as ``\\:``, which ``redact`` knows); a
    password typed on the command line must not stay there, while the run goes on nor after it,
    however it ends (``sim.cli.main`` calls this as a job starts, before anything slow, and on
    every way out of a command: QA, they held it for the whole run and after a SIGKILL)."""
    files = sorted((run_dir / ".hydra").glob("*.yaml"))
    sweep = _sweep_dir()
    if sweep is not None:
        files.append(sweep / "multirun.yaml")
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        clean = redact(text)
        if clean == text:
            continue
        if f.parent == sweep:
            _replace_shared_text(f, clean)
        else:
            write_text_whole(f, clean)


def _replace_shared_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole under a name of this process's own: the jobs of a
    parallel launcher (joblib) each redact the sweep's ``multirun.yaml`` as they start, at the
    same moment; under one ``.partial/`` name one job's write could fail on the other's."""
    part = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        part.write_text(text, encoding="utf-8")
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def _sweep_dir() -> Path | None:
    """The sweep directory of a ``--multirun`` job (None for a single run or outside Hydra)."""
    try:
        from hydra.core.hydra_config import HydraConfig
        from hydra.types import RunMode

        if not HydraConfig.initialized():
            return None
        hc = HydraConfig.get()
        return Path(hc.sweep.dir) if hc.mode == RunMode.MULTIRUN else None
    except Exception:  # noqa: BLE001 - redaction must never turn a result into an error
        return None


redact_hydra_files = _redact_hydra_files


def jobs_at_once() -> int:
    """How many jobs of this ``--multirun`` run at the same time: a parallel launcher's
    ``n_jobs`` (joblib: -1 is every core, -2 all but one), 1 for a single run or a sequential
    sweep. Jobs running together share the machine's memory."""
    try:
        from hydra.core.hydra_config import HydraConfig
        from hydra.types import RunMode

        if not HydraConfig.initialized():
            return 1
        hc = HydraConfig.get()
        if hc.mode != RunMode.MULTIRUN:
            return 1
        n_jobs = OmegaConf.select(hc, "launcher.n_jobs")
    except Exception:  # noqa: BLE001 - outside a Hydra job there is nothing to share
        return 1
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool):
        return 1
    return max(1, n_jobs if n_jobs > 0 else (os.cpu_count() or 1) + 1 + n_jobs)


__all__ = [
    "SimError",
    "claim_run_dir",
    "config_bool",
    "config_float",
    "config_int",
    "config_str",
    "file_digest",
    "finish_run_record",
    "guard_resumable_dir",
    "guard_run_dir",
    "jobs_at_once",
    "release_run_dir",
    "restore_run_dir",
    "restore_sweep_dir",
    "snapshot_run_dir",
    "snapshot_sweep_dir",
    "stale_claim",
    "load_process",
    "note_run_root",
    "package_versions",
    "redact",
    "redact_hydra_files",
    "write_json",
    "write_run_record",
]


class RedactingFilter(logging.Filter):
    """A logging filter that masks passwords in storage URLs (``sim.errors.redact``): Hydra's
    console log echoes a ``--multirun``'s overrides as typed
    (``configs/hydra/hydra_logging/redacting.yaml``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask the record's message in place; never drop it."""
        record.msg, record.args = redact(record.getMessage()), None
        return True
