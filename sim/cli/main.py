"""``python -m sim [command] [key=value ...]``: one Hydra app per command.

The first argument names the command (default ``simulate``); the rest are Hydra overrides.
``process=<file>`` (a model file rather than a bundled name) is rewritten to
``process=_from_file process.path=<absolute path>``. User errors (a bad model, a bad config
value) print a readable message and exit with status 2, never a traceback.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from sim.cli import stop_requests
from sim.cli.column_keys import COLUMN_TEXT_KEYS
from sim.errors import (
    ConfigError,
    FailedAfterWork,
    SimError,
    WorkerDied,
    WorkerKilled,
    did_you_mean,
    redact,
)

COMMANDS: dict[str, str] = {
    "simulate": "simulate a process model; KPIs with 95 % confidence intervals (default command)",
    "calibrate": "calibrate a process model from an event log, and back-test it",
    "optimize": "search process redesigns with Optuna; Pareto front and recommendations",
    "compare": "simulate runs side by side against a baseline (runs=[a,b] or sweep=<dir>)",
    "report": "rebuild the figures and report.html of a run directory (run=out/some_run)",
    "export": "export a process model (format=bpmn|mermaid|dot|yaml|json|png|svg|pdf)",
}
MODEL_SUFFIXES = (".yaml", ".yml", ".json", ".bpmn")
# a directory holding none of these was not written by a run: report refuses to write into it
RUN_FILES = frozenset(
    {
        "run.json",
        "kpis.json",
        "replications.csv",
        "model.yaml",
        "backtest.json",
        "trials.csv",
        "comparison.csv",
    }
)


@functools.cache
def source_checkout() -> Path | None:
    """The root of the tool's own source checkout this code runs from (the directory holding
    ``sim/`` and a ``pyproject.toml`` naming ``sim-redesign``), None for an installed copy:
    a non-editable install's ``sim/`` lies in ``site-packages``, whose parent is no checkout."""
    import tomllib

    from sim import DISTRIBUTION

    root = Path(__file__).resolve().parents[2]
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    name = (project.get("project") or {}).get("name")
    return root if name == DISTRIBUTION and (root / "sim" / "__init__.py").is_file() else None


def _installed_configs() -> Path:
    """Where an installed package keeps its copy of ``configs/`` (``sim/_configs``, as
    ``pyproject.toml``'s package data ships it)."""
    from importlib import resources

    return Path(str(resources.files("sim").joinpath("_configs")))


def config_dir() -> Path:
    """The Hydra configs: ``$SIM_CONFIG_DIR`` (a relative one read from the current directory),
    else the ``configs/`` of the source checkout this code runs from (``pip install -e .``, or
    ``python -m sim`` in it), else the copy installed with the package."""
    env = os.environ.get("SIM_CONFIG_DIR")
    if env:
        path = Path(env).expanduser().absolute()
        if not path.is_dir():
            raise SimError(
                f"SIM_CONFIG_DIR={env}: no such directory ({path}); expected a complete copy of "
                "the configs (every command's primary config), or unset it for the bundled ones"
            )
        return path
    checkout = source_checkout()
    if checkout is not None and (checkout / "configs").is_dir():
        return checkout / "configs"
    installed = _installed_configs()
    if not installed.is_dir():
        raise SimError(
            f"the bundled configs are missing (neither {installed} nor a checkout's configs/): "
            "reinstall the package (pip install --force-reinstall <its wheel or source "
            "directory>; pip install -e . in a checkout), or set SIM_CONFIG_DIR to a directory "
            "of configs"
        )
    return installed


def version_text() -> str:
    """What ``--version`` prints: the tool's version (``sim.__version__``) and Hydra's, read
    where ``run.json``'s ``versions`` read them (the installed distributions)."""
    from importlib import metadata

    from sim import __version__

    try:
        hydra = metadata.version("hydra-core")
    except metadata.PackageNotFoundError:
        hydra = "not installed"
    return f"sim-redesign {__version__} (Hydra {hydra})"


def primary_config_dir(args: list[str]) -> Path:
    """The directory of the command's primary config: ``--config-path``/``-cp`` when ``args``
    give one (made absolute: ``config_path_made_absolute``), which replaces the bundled configs
    for the run, so they need not be found; else ``config_dir()``."""
    given = _option_values(args, "--config-path", "-cp")
    if given and not given[-1].startswith("pkg://"):
        return Path(given[-1]).expanduser().absolute()
    return config_dir()


def _primary_source(hc: Any) -> Path | None:
    """The primary config directory Hydra composed a job's config from (``--config-path``, or
    the one ``main`` gave it), None when its ``runtime.config_sources`` do not say."""
    for source in hc.runtime.get("config_sources") or []:
        if source.get("provider") == "main" and source.get("schema") == "file":
            return Path(str(source.get("path")))
    return None


def _default_configs() -> Path | None:
    """``config_dir()``, or None when there are none (a ``--config-path`` replaces them)."""
    try:
        return config_dir()
    except SimError:
        return None


def usage() -> str:
    """The ``--help`` text listing the commands."""
    width = max(map(len, COMMANDS))
    lines = [
        "usage: python -m sim [command] [key=value ...]",
        "",
        "Test a business-process redesign before rolling it out.",
        "",
        "commands:",
        *(f"  {c:<{width}}  {d}" for c, d in COMMANDS.items()),
        "",
        "examples:",
        "  python -m sim                                   # simulate the bundled CRM model",
        "  python -m sim simulate process=crm_sales scenario.replications=20 seed=7",
        "  python -m sim simulate process=path/to/model.yaml hydra.run.dir=out/run1",
        "",
        "Options of a command: python -m sim <command> --help (Hydra's config and overrides).",
    ]
    return "\n".join(lines)


FILE_GROUPS = {"process": MODEL_SUFFIXES, "redesign": (".yaml", ".yml", ".json")}


# Overrides whose value is a path: '~' is expanded and a path Hydra's grammar would misread
# (commas, spaces, '=', '$', brackets...) is quoted, so any file name can be given as typed.
# compare's baseline= too: it names a run directory or a label such as
# 'scenario.staffing.server=3', which Hydra's grammar refuses unquoted.
# optimizer.storage too: a database URL's query (`?sslmode=require`, `&password=...`) has the '='
# and '&' Hydra's grammar refuses unquoted ("mismatched input '='"); quoted, it is read as typed.
PATH_KEYS = (
    "log",
    "backtest.log",
    "run",
    "sweep",
    "hydra.run.dir",
    "baseline",
    "optimizer.storage",
)
# Mappings whose keys are the model's or the user's (roles, KPIs): Hydra refuses a key its
# config does not have, so an override of them (a key in them, or the mapping whole) adds.
# Overrides naming input files or run directories: one that exists is made absolute, as model
# files are, so it is still found when ``hydra.job.chdir=true`` moves the job into its run
# directory (relative, they were "no such file" there). ``runs`` is a list: each item is.
INPUT_PATH_KEYS = ("log", "backtest.log", "sweep", "runs")
OPEN_MAPPING_KEYS = ("scenario.staffing", "optimizer.constraints")
OPEN_MAPPINGS = tuple(f"{k}{sep}" for k in OPEN_MAPPING_KEYS for sep in (".", "="))
# Overrides whose value is the user's text (column names and formats of their log): quoted as
# paths are, without expanding '~', so `columns.activity=Tätigkeit` or a strptime format with a
# space is read as typed (Hydra's grammar refuses letters outside ASCII unquoted).
TEXT_KEYS = tuple(
    f"{prefix}columns.{key}" for prefix in ("", "backtest.") for key in COLUMN_TEXT_KEYS
)
# ... and lists of such text (activity names, resource placeholders): each item is quoted
TEXT_LIST_KEYS = (
    "outcomes.dropoff",
    "outcomes.abandonment",
    "columns.no_resource",
    "backtest.columns.no_resource",
    "calibration.segment_priority",  # segment names: 'Enterprise – Key', 'Öffentlich'
)
# ASCII only: Hydra's grammar reads no other letter unquoted (a path to Übersicht.csv failed)
_PLAIN_PATH = re.compile(r"^[\w./\-+@%:]*$", re.ASCII)


def quote_path(value: str, *, expand: bool = True) -> str:
    """``value`` as a Hydra override value for a path: ``~`` expanded (unless ``expand`` is
    false: text that is not a path), quoted when needed."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value  # quoted by the user
    if expand:
        value = os.path.expanduser(value)
    if _PLAIN_PATH.match(value):
        return value
    return "'" + value.replace("'", "\\'") + "'"


def _quoted_list(value: str) -> str:
    """A list override ``[a,Zurückgezogen]`` with each item quoted where Hydra needs it; any
    other value (``null``, one name, a sweep) as it is."""
    text = value.strip()
    if not (text.startswith("[") and text.endswith("]")):
        return value
    items = [v.strip() for v in _LIST_ITEM.findall(text[1:-1]) if v.strip()]
    return "[" + ",".join(quote_path(v, expand=False) for v in items) + "]"


def absolute_if_exists(value: str) -> str:
    """``value`` (a path as typed, maybe quoted) made absolute when it names an existing file or
    directory, ``~`` expanded; else as typed (its "no such file" names it as the user typed it)."""
    path = Path(_unquoted(value)).expanduser()
    return str(path.absolute()) if value and path.exists() else value


_LIST_ITEM = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^,]+")


def _absolute_run_list(value: str) -> str:
    """``runs=[a,b]`` with each existing run directory made absolute (and quoted if needed)."""
    inner = value.strip()
    if not (inner.startswith("[") and inner.endswith("]")):
        return value
    items = [i.strip() for i in _LIST_ITEM.findall(inner[1:-1]) if i.strip()]
    rewritten = []
    for item in items:
        absolute = absolute_if_exists(item)
        rewritten.append(quote_path(absolute) if absolute != item else item)
    return "[" + ",".join(rewritten) + "]"


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1].replace("\\'", "'").replace('\\"', '"')
    return value


_SWEEP_FUNCTION = re.compile(r"^\w+\(.*\)$")  # choice(...), range(...), glob(...)


def _sweep_items(value: str, multirun: bool) -> list[str] | None:
    """The items of a ``--multirun`` sweep value ``a,b`` as typed (None for one value or a sweep
    function, which Hydra expands itself). A quoted item keeps its commas and its quotes, as in
    Hydra's grammar: ``'a,b.yaml',c.yaml`` is two items, ``'a,b.yaml'`` one value."""
    if not multirun or _SWEEP_FUNCTION.match(value) or "," not in value:
        return None
    items = [v.strip() for v in _LIST_ITEM.findall(value) if v.strip()]
    return items if len(items) > 1 else None


def _model_file(group: str, value: str, configs: Sequence[Path]) -> str | None:
    """The absolute path of a model file given as ``group=value`` (None for the name of an
    option in ``<dir>/<group>/`` of one of the config directories ``configs``, as Hydra
    searches them: ``config_search_dirs``); raises ``SimError`` for neither."""
    if any((d / group / f"{value}.yaml").is_file() for d in configs):
        return None
    # a bare name of a file here (a log, loan.gz) is that file: its reader says what it holds
    named = value.lower().endswith(FILE_GROUPS[group]) or os.sep in value
    if named or Path(value).is_dir() or Path(value).expanduser().is_file():
        path = Path(value).expanduser()
        if path.is_dir():  # a run directory given for the model it wrote (QA 9a #9)
            inside = path / ("model.yaml" if group == "process" else f"{group}.yaml")
            hint = (
                f"; did you mean {group}={inside} (the one a run wrote there)?"
                if inside.is_file()
                else f"; expected a {'/'.join(FILE_GROUPS[group])} file"
            )
            raise SimError(f"{group}={value}: a directory, not a file{hint}")
        if not path.is_file():
            raise SimError(f"{group}={value}: no such file")
        return str(path.resolve())
    names = sorted(
        {p.stem for d in configs for p in (d / group).glob("*.yaml") if not p.stem.startswith("_")}
    )
    what, listed = f"a bundled {group}", f"bundled ones are {names}"
    if list(configs) != [_default_configs()]:  # the user's own config dirs (-cd ...): named
        where = ", ".join(str(d / group) for d in configs)
        what, listed = f"an option of {group}", f"its options are {names} (in {where})"
    raise SimError(
        f"{group}={value}: not {what} nor a file{did_you_mean(value, names)}; {listed}, or "
        f"give a path to a {'/'.join(FILE_GROUPS[group])} file"
    )


_DICT_KEY_ESCAPES = str.maketrans({c: "\\" + c for c in "\\()[]{}:=,"})


def _open_mapping_override(arg: str, multirun: bool) -> str:
    """``++<arg>``; an entry whose key Hydra cannot read in a dotted path (a role named
    ``Call Centre Operator`` after its BPMN lane: ``'scenario.staffing.Call Centre
    Operator=39'``, as the saturation warning prints it) is given as a mapping to merge,
    ``++scenario.staffing={Call Centre Operator: 39}``, with Hydra's escapes; a ``--multirun``
    sweep of its values as a sweep of such mappings."""
    name, _, value = arg.partition("=")
    mapping, dot, key = name.partition(".staffing.")
    if not dot:
        mapping, dot, key = name.partition(".constraints.")
    from sim.model.scenario import (  # here: sim.model brings scipy (0.5 s to start)
        HYDRA_KEY,
        ascii_key,
    )

    if dot and not key.isascii():  # Hydra's grammar reads ASCII only, in keys and mappings
        key = ascii_key(key)
        arg = f"{mapping}{dot}{key}={value}"
    # a dotted path into a constraint (optimizer.constraints.utilisation_max.max=0.95) is a
    # path Hydra reads, not one key with a dot (QA 2026-12-04 #5)
    path = dot == ".constraints." and all(HYDRA_KEY.match(k) for k in key.split("."))
    if not dot or not value or HYDRA_KEY.match(key) or path:
        return "++" + arg
    mapping += dot[:-1]
    items = _sweep_items(value, multirun) or [value]
    kpi, sep, bound = key.rpartition(".")
    if dot == ".constraints." and sep and kpi and bound in ("max", "min"):
        # a bound of a constraint on a KPI Hydra cannot read in a path (a role's utilisation:
        # 'optimizer.constraints.utilisation:server.max=0.8', QA retest23b #3)
        kpi = kpi.translate(_DICT_KEY_ESCAPES)
        return f"++{mapping}=" + ",".join(f"{{{kpi}: {{{bound}: {v}}}}}" for v in items)
    key = key.translate(_DICT_KEY_ESCAPES)
    return f"++{mapping}=" + ",".join(f"{{{key}: {v}}}" for v in items)


def _model_files(
    group: str, raw: str, items: list[str], configs: Sequence[Path]
) -> list[str | None]:
    """``_model_file`` of each item of ``group=raw``; a ``--multirun`` sweep whose items are not
    files while some of them joined by their commas name one (``process=a,b.yaml`` for the file
    ``a,b.yaml``, also beside other files: ``process=x,y.yaml,b/model.yaml``) is refused saying
    how to quote it."""
    try:
        return [_model_file(group, v, configs) for v in items]
    except SimError:
        found = _file_split_by_commas(items)
        if found is None:
            raise
        whole, quoted, others = found
        # a sweep is of files or of bundled names (rewrite_process_override): the quoted file
        # is suggested beside the sweep's other files only (QA: "process='a,b.yaml',mmc" was
        # suggested, then refused)
        apart = (
            f". A sweep is of either files or bundled names, not both: run "
            f"{group}={','.join(others)} apart"
            if others
            else ""
        )
        raise SimError(
            f"{group}={raw}: with --multirun the commas make a sweep of {items}; to give "
            f"the file '{whole}' quote it, as Hydra reads quotes: {group}={quoted} (in the "
            f'shell: "{group}={quoted}"; a sweep of it and another file: '
            f"\"{group}='{whole}',other.yaml\"){apart}"
        ) from None


def _file_split_by_commas(items: list[str]) -> tuple[str, str, list[str]] | None:
    """The first file that consecutive ``items`` name when joined by commas (a file name holding
    a comma, split by a sweep), the sweep with it quoted beside the other items that are files,
    and the other items that are not (bundled names); None when there is none."""
    for i in range(len(items)):
        for j in range(len(items), i + 1, -1):
            whole = ",".join(_unquoted(v) for v in items[i:j])
            if Path(whole).expanduser().is_file():
                before, after = items[:i], items[j:]
                others = [v for v in (*before, *after) if not _is_file(v)]
                quoted = ",".join(
                    [*(v for v in before if _is_file(v)), f"'{whole}'"]
                    + [v for v in after if _is_file(v)]
                )
                return whole, quoted, others
    return None


def _is_file(item: str) -> bool:
    """Whether a swept item names an existing file."""
    return Path(_unquoted(item)).expanduser().is_file()


def rewrite_process_override(
    args: list[str], configs: Path, command: str = "simulate"
) -> list[str]:
    """Turn ``process=<file>`` (or ``redesign=<file>``) into ``<group>=_from_file <group>.path=<abs>``.

    Bundled names (files in ``configs/<group>/``, or in ``<group>/`` of a config directory the
    command line adds: ``config_search_dirs``) stay as they are. With ``--multirun``, a
    comma-separated sweep of files becomes a sweep of ``<group>.path``; a sweep of bundled names
    stays as it is.
    """
    multirun = bool({"-m", "--multirun"} & set(args))
    searched = config_search_dirs(args, configs, command)
    # a group the command has not is left to Hydra's "simulate has no 'redesign' options"
    # (QA hints23 #3: "did you mean 'staffing'?" for a redesign simulate cannot take)
    groups = _primary_groups(args, configs, command)
    out: list[str] = []
    for a in args:
        name, _, raw = a.partition("=")
        if name in FILE_GROUPS and groups and name not in groups:
            out.append(a)
            continue
        if name in FILE_GROUPS and "=" in a and not a.endswith("=_from_file"):
            value = _unquoted(raw)
            items = [_unquoted(v) for v in _sweep_items(raw, multirun) or [raw]]
            files = _model_files(name, raw, items, searched)
            if all(f is None for f in files):
                out.append(a)  # bundled name(s)
            elif all(f is not None for f in files):
                out += [f"{name}=_from_file", f"{name}.path=" + ",".join(map(quote_path, files))]
            else:
                raise SimError(
                    f"{name}={value}: a sweep of either bundled names or files, not both"
                )
            continue
        if name.lstrip("+") == "runs" and "=" in a:
            a = f"{name}={_absolute_run_list(raw)}"
        elif name.lstrip("+") in PATH_KEYS and "=" in a:
            made_absolute = (
                absolute_if_exists if name.lstrip("+") in INPUT_PATH_KEYS else lambda v: v
            )
            items = _sweep_items(raw, multirun)
            if _SWEEP_FUNCTION.match(raw) and multirun:
                pass  # Hydra's own sweep function
            elif items is not None:
                a = f"{name}=" + ",".join(quote_path(made_absolute(v)) for v in items)
            else:
                a = f"{name}={quote_path(made_absolute(raw))}"
        elif name.lstrip("+") in TEXT_KEYS and "=" in a:
            items = _sweep_items(raw, multirun)
            if items is not None and not _SWEEP_FUNCTION.match(raw):
                a = f"{name}=" + ",".join(quote_path(v, expand=False) for v in items)
            elif not (multirun and _SWEEP_FUNCTION.match(raw)):
                a = f"{name}={quote_path(raw, expand=False)}"
        elif name.lstrip("+") in TEXT_LIST_KEYS and "=" in a:
            a = f"{name}={_quoted_list(raw)}"
        elif a.lstrip("+").startswith(OPEN_MAPPINGS):
            # open mappings: add or override a role's headcount, a KPI's bounds (given whole,
            # `scenario.staffing={legal: 2}`, merged as Hydra merges a mapping)
            a = _open_mapping_override(a.lstrip("+"), multirun)
        elif a.startswith("process.params="):
            value = _unquoted(raw)
            if value not in ("", "null") and Path(value).expanduser().is_file():
                a = f"process.params={quote_path(str(Path(value).expanduser().resolve()))}"
        out.append(a)
    return out


def _primary_groups(args: list[str], configs: Path, command: str) -> set[str]:
    """The config groups of the command's primary config (``--config-name``/``-cn`` when
    ``args`` name one) in ``configs``; empty when it cannot be read."""
    primary = (_option_values(args, "--config-name", "-cn") or [command])[-1]
    return _config_groups(configs, primary)


def check_deleted_and_set(args: list[str], groups: Collection[str]) -> None:
    """Refuse (``SimError``) an override that sets a key the same command deletes with ``~``
    (``'~scenario.horizon_days' scenario.horizon_days=42``), or chooses an option of a config
    group it deletes (``'~scenario' scenario=default``): Hydra deletes the group whatever
    option is given, and the key's deletion either fails the set or undoes it, by their order
    (QA hints23 #5: "unknown key 'horizon_days' (did you mean 'horizon_days'?)"). A key of an
    open mapping is given with ``++`` (``rewrite_process_override``), which puts back a key
    deleted before it: left to Hydra."""
    deleted = {a.partition("=")[0][1:]: a for a in args if a.startswith("~")}
    for a in args:
        name, sep, _ = a.partition("=")
        key = name.lstrip("+")
        if not sep or key not in deleted or a.lstrip("+").startswith(OPEN_MAPPINGS):
            continue
        gone = deleted[key]
        if key in groups:
            raise SimError(
                f"{a}: the config group {key} is deleted in the same command ({gone}), and "
                f"then left out whatever option is given; drop {gone} to choose {a}"
            )
        if name == key:  # '+key=' after '~key' adds it back
            raise SimError(
                f"{key}: deleted in the same command ({gone}); drop {gone} to set it "
                f"({a}), or drop {a}"
            )


def _option_values(args: list[str], long: str, short: str) -> list[str]:
    """The values given to Hydra's option ``long``/``short`` in ``args``, in order
    (``-cp dir``, ``--config-path dir``, ``--config-path=dir``)."""
    values = []
    for i, a in enumerate(args):
        if a in (long, short) and i + 1 < len(args):
            values.append(args[i + 1])
        elif a.startswith((f"{long}=", f"{short}=")):
            values.append(a.partition("=")[2])
    return values


def config_path_made_absolute(args: list[str]) -> list[str]:
    """``args`` with a relative ``--config-path``/``-cp`` made absolute from the current
    directory: Hydra reads it relative to the Python module of the app (``sim/cli/``: "Primary
    config module 'sim.cli.myconf' not found"), never where the user is; ``--config-dir``/``-cd``
    too, as Hydra reads it. ``SimError`` when one names no directory."""
    out = list(args)
    for i, a in enumerate(out):
        for long, short in (("--config-path", "-cp"), ("--config-dir", "-cd")):
            if a in (long, short) and i + 1 < len(out):
                at, value, flag = i + 1, out[i + 1], a
            elif a.startswith((f"{long}=", f"{short}=")):
                at, (flag, _, value) = i, a.partition("=")
            else:
                continue
            if value.startswith("pkg://"):
                continue  # a package's configs: Hydra finds them
            path = Path(value).expanduser().absolute()
            if not path.is_dir():
                raise SimError(f"{flag} {value}: no such directory ({path})")
            out[at] = str(path) if at == i + 1 else f"{flag}={path}"
    return out


def config_search_dirs(args: list[str], configs: Path, command: str = "simulate") -> list[Path]:
    """The directories Hydra looks for config files in, as ``args`` set them: the primary one
    (``configs``, or ``--config-path``/``-cp``), ``--config-dir``/``-cd``, then the
    directories of ``hydra.searchpath`` (typed, else in the primary config, ``--config-name``/
    ``-cn`` or the command's). A ``pkg://`` entry is the package's folder; one that cannot be
    found here is left to Hydra."""
    primary = _option_values(args, "--config-path", "-cp")
    dirs = [Path(primary[-1]).expanduser().absolute() if primary else configs]
    added = _option_values(args, "--config-dir", "-cd")
    if added:  # argparse keeps the last one given
        dirs.append(Path(added[-1]).expanduser().absolute())
    typed = _override(args, "hydra.searchpath")
    if typed is not None:
        inner = typed.strip().removeprefix("[").removesuffix("]")
        entries = [_unquoted(v.strip()) for v in _LIST_ITEM.findall(inner) if v.strip()]
    else:
        names = _option_values(args, "--config-name", "-cn")
        entries = _searchpath_in(dirs[0] / f"{names[-1] if names else command}.yaml")
    for entry in entries:
        scheme, sep, rest = entry.partition("://")
        if "${" in entry or (sep and scheme not in ("file", "pkg")):
            continue
        found = _package_dir(rest) if scheme == "pkg" and sep else Path(rest if sep else entry)
        if found is not None:
            dirs.append(found.expanduser().absolute())
    return dirs


def _searchpath_in(primary: Path) -> list[str]:
    """The ``hydra.searchpath`` entries of the primary config file ``primary`` ([] if none or
    it cannot be read: Hydra says why)."""
    import yaml

    try:
        loaded = yaml.safe_load(primary.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    hydra_conf = loaded.get("hydra") if isinstance(loaded, dict) else None
    entries = hydra_conf.get("searchpath") if isinstance(hydra_conf, dict) else None
    return [str(e) for e in entries] if isinstance(entries, list) else []


def _package_dir(entry: str) -> Path | None:
    """The folder of ``hydra.searchpath``'s ``pkg://<package>/<folder>`` (``entry`` without
    its ``pkg://``), None when the package cannot be found here."""
    import importlib.util

    package, _, folder = entry.partition("/")
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) / folder if locations else None


def _override(args: list[str], key: str) -> str | None:
    """The value the last ``key=``, ``+key=`` or ``++key=`` override gives (as Hydra applies it)."""
    value = None
    for a in args:
        name, sep, rest = a.partition("=")
        if sep and name.lstrip("+") == key:
            value = _unquoted(rest)
    return value


def _command_config(command: str, configs: Path | None) -> Path:
    """The command's primary config file: in ``configs`` when it has one (``--config-path``),
    else the one of ``config_dir()`` (``--config-name`` named another file there)."""
    path = (configs or config_dir()) / f"{command}.yaml"
    return path if path.is_file() or configs is None else config_dir() / f"{command}.yaml"


def _run_dir_pattern(command: str, configs: Path | None = None) -> str:
    """The command's configured ``hydra.run.dir`` (``outputs/<command>/${now:...}``), or ``""``;
    read from ``configs`` (the primary config directory: ``primary_config_dir``), by default
    ``config_dir()``."""
    import yaml

    path = _command_config(command, configs)
    primary = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return str(((primary.get("hydra") or {}).get("run") or {}).get("dir") or "")


def _known_keys(command: str, configs: Path | None = None) -> set[str]:
    """The top-level keys of a command's config: its primary file's and its config groups';
    read from ``configs`` (the primary config directory), by default ``config_dir()``."""
    import yaml

    path = _command_config(command, configs)
    primary = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    groups = {
        next(iter(d)) if isinstance(d, dict) else d for d in primary.get("defaults") or []
    } - {"_self_"}
    groups = {g for g in groups if not g.startswith("override ")}
    return (set(primary) - {"defaults"}) | {g.split("/")[0] for g in groups}


def check_experiment(command: str, args: list[str], configs: Path) -> list[str]:
    """``args`` with ``experiment=<name>`` checked: it must name a study of this command in
    ``configs/experiment/`` or in ``experiment/`` of a config directory the command line adds
    (``config_search_dirs``) (``<command>_<study>.yaml``; Hydra's own errors for a wrong one
    name neither). ``+experiment=``/``++experiment=`` become ``experiment=``, and ``experiment=null``
    or an empty value is no study. A study that sweeps, run without ``--multirun``, gets a
    note: only its first point would run."""
    out, given = [], None
    for a in args:
        name, sep, value = a.partition("=")
        if sep and name.lstrip("+") == "experiment":
            value = _unquoted(value).strip()
            if value in ("", "null"):
                continue
            a, given = f"experiment={value}", value
        out.append(a)
    if given is None or _SWEEP_FUNCTION.match(given):  # choice(...): Hydra checks each value
        return out
    folders = [d / "experiment" for d in config_search_dirs(args, configs, command)]
    ours = sorted({p.stem for f in folders for p in f.glob(f"{command}_*.yaml")})
    for name in (n.strip() for n in given.split(",")):  # --multirun experiment=a,b
        study = next((f / f"{name}.yaml" for f in folders if (f / f"{name}.yaml").is_file()), None)
        if name in ours and study is not None:
            _note_a_sweep_without_multirun(study, args)
            continue
        owner = next(
            (c for c in COMMANDS if name.startswith(f"{c}_") and study is not None),
            None,
        )
        what = f"a study for 'python -m sim {owner}'" if owner else "no such experiment"
        raise SimError(
            f"experiment={name}: {what}; the experiments of {command} are "
            f"{', '.join(ours) if ours else 'none'} ({', '.join(map(str, folders))})"
        )
    return out


def _note_a_sweep_without_multirun(study: Path, args: list[str]) -> None:
    """A note when ``study`` sweeps values (``hydra.sweeper.params``) and ``args`` do not ask
    for ``--multirun``."""
    import yaml

    if {"-m", "--multirun"} & set(args):
        return
    loaded = yaml.safe_load(study.read_text(encoding="utf-8")) or {}
    params = ((loaded.get("hydra") or {}).get("sweeper") or {}).get("params") or {}
    if params:
        swept = ", ".join(f"{k.lstrip('+')}={v}" for k, v in params.items())
        print(
            f"note: experiment={study.stem} sweeps {swept}: add --multirun to run every point; "
            "this run is one scenario only",
            file=sys.stderr,
        )


def _refuse_writing_into_a_compared_run(args: list[str], run_dir: Path) -> None:
    """``compare``: refuse ``hydra.run.dir`` naming a run it reads (``output.overwrite=true``
    included), before Hydra rewrites that run's ``.hydra/`` (its record of what it simulated)."""
    runs = (_override(args, "runs") or "").strip("[]")
    compared = [Path(_unquoted(v.strip())).expanduser() for v in runs.split(",") if v.strip()]
    sweep = _override(args, "sweep")
    if sweep:
        compared.append(Path(sweep).expanduser())
        if Path(sweep).expanduser().is_dir():  # its job folders are runs compared as well
            folder = Path(sweep).expanduser()
            compared += [p for p in folder.iterdir() if p.is_dir()]
            # wherever hydra.sweep.subdir put them (sim.cli.compare.job_folders)
            compared += [f.parent.parent for f in folder.glob("**/.hydra/hydra.yaml")]
    if run_dir.exists() and any(p.exists() and p.samefile(run_dir) for p in compared):
        what = (
            "the sweep compared (its simulate --multirun already wrote its comparison there)"
            if sweep
            and Path(sweep).expanduser().exists()
            and Path(sweep).expanduser().samefile(run_dir)
            else "one of the runs compared"
        )
        raise SimError(f"hydra.run.dir={run_dir}: it is {what}; give another")


class SweepTerminated(BaseException):
    """SIGTERM during a ``--multirun``. A BaseException, like KeyboardInterrupt: Hydra does not
    take it for one job's failure and run on, and joblib aborts its workers on it."""


class RunTerminated(KeyboardInterrupt):
    """SIGTERM during a single run: stopped as Ctrl-C stops it (its record says
    "interrupted"), with exit status 143."""


#: the process that installed the SIGTERM handlers below: a worker forked from it inherits them
_HANDLER_OWNER: int | None = None


def _in_a_worker() -> bool:
    """Whether a handler runs in a process forked from the command line's (a replication
    worker): there SIGTERM stops the process at once, as it would without the handler."""
    import signal

    if _HANDLER_OWNER is None or os.getpid() == _HANDLER_OWNER:
        return False
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)
    return True


def install_signal_handlers(*, multirun: bool) -> None:
    """Handlers of this process, the command line's, as it starts the Hydra app: SIGTERM stops a
    sweep like Ctrl-C, its launcher's workers included (``SweepTerminated``); a single run too,
    so its record says it was stopped (``RunTerminated``; optimize installs its own handler
    while it searches). A replication worker forked from this process inherits them: there they
    end it quietly (``_in_a_worker``, ``_interrupt``), the parent says what stopped. A
    launcher's worker process running jobs (joblib's) installs them too as its job starts
    (``_handlers_in_job_process``)."""
    import signal

    global _HANDLER_OWNER
    _HANDLER_OWNER = os.getpid()
    signal.signal(signal.SIGTERM, _terminate_sweep if multirun else _terminate_run)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not where it is ignored
        signal.signal(signal.SIGINT, _interrupt)
    from sim.engine.dropped_stops import check_also

    stop_requests.forget()  # one an earlier command in this process noted (the tests)
    # a stop these handlers noted, which C code then dropped, ends a run after its replication
    check_also(stop_requests.raise_if_requested)


def _handlers_in_job_process(*, multirun: bool) -> None:
    """Install the signal handlers (``install_signal_handlers``) in the process running a job
    when it is not the command line's: a launcher's worker (joblib's loky workers are started
    anew, without them) was ended by SIGTERM's default action, its run record left "running"
    and its trace under ``.partial/``, so a rerun refused the job for ever (QA)."""
    if _HANDLER_OWNER != os.getpid():
        from sim.cli.common import adopt_typed_command
        from sim.cli.launcher_workers import mark_launcher_worker

        install_signal_handlers(multirun=multirun)
        mark_launcher_worker()
        adopt_typed_command()  # what its run record and hints say was typed


def _terminate_sweep(signum: int, frame: object) -> None:
    # a replication worker forked during the sweep's job inherits this handler: it ends at
    # once when its pool is stopped, not with a SweepTerminated traceback (QA: 8-9 per Ctrl-C)
    if _in_a_worker():
        return
    import signal

    if _idle_launcher_worker(signal.SIGTERM) or stop_requests.being_handled():
        return
    _let_launcher_workers_stop(signal.SIGTERM)
    raise _noted(SweepTerminated())


def _idle_launcher_worker(signum: int) -> bool:
    """Whether this process is a launcher's worker between jobs: it has nothing to stop (joblib
    ends it as the sweep stops), so the signal is ignored from now on and nothing raised.
    Raised there, the stop landed in a weakref callback of the worker's wait for work, which
    Python printed as "Exception ignored in: <function WeakKeyDictionary...>" with a traceback
    (QA stopmsg18: 1 of 8 group SIGTERMs)."""
    from sim.cli.launcher_workers import ignore_further, is_launcher_worker, job_runs

    if not is_launcher_worker() or job_runs():
        return False
    ignore_further(signum)
    return True


def _let_launcher_workers_stop(signum: int) -> None:
    """As this process stops on ``signum``: in a launcher's worker, ignore the signal from now
    on (its sweep's process passes it on: ``sim.cli.launcher_workers.ignore_further``); in the
    sweep's process, pass it on to the launcher's workers and wait for their jobs to record
    their stop, since joblib kills them (SIGKILL) once this process stops."""
    from sim.cli.launcher_workers import ignore_further, is_launcher_worker, stop_launcher_workers
    from sim.cli.sweep import LAUNCHED

    if is_launcher_worker():
        ignore_further(signum)
    else:
        stop_launcher_workers(LAUNCHED[-1] if LAUNCHED else None, signum=signum)


def _terminate_run(signum: int, frame: object) -> None:
    if not _in_a_worker() and not stop_requests.being_handled():
        raise _noted(RunTerminated())


def _noted(stop: BaseException) -> BaseException:
    """``stop``, noted before a handler raises it: raised where Python drops it, it is raised
    again at the run's next safe point (``sim.cli.stop_requests``)."""
    stop_requests.request(stop)
    return stop


def _interrupt(signum: int, frame: object) -> None:
    """SIGINT: ``KeyboardInterrupt`` in the command line's process, as Python's own handler. A
    terminal's Ctrl-C reaches every process of its group: a replication worker forked from it
    ignores it from then on and is ended by its pool's stop (SIGTERM, ``_in_a_worker``); it
    printed a traceback, one per worker, from where it waited for its next replication (QA)."""
    import signal

    if _HANDLER_OWNER is None or os.getpid() == _HANDLER_OWNER:
        if _idle_launcher_worker(signal.SIGINT) or stop_requests.being_handled():
            return
        _let_launcher_workers_stop(signal.SIGINT)
        raise _noted(KeyboardInterrupt())
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def in_multirun(hydra_config: Any) -> bool:
    """Whether Hydra runs this job as one of a ``--multirun``."""
    from hydra.types import RunMode

    return hydra_config.mode == RunMode.MULTIRUN


def _task(command: str) -> Callable:
    def task(cfg) -> None:  # noqa: ANN001 - Hydra passes a DictConfig
        from sim.cli.launcher_workers import job_running

        with job_running():  # a launcher's worker between its jobs has nothing to stop
            _run_task(command, cfg)

    return task


def _run_task(command: str, cfg: Any) -> None:
    """The task of ``command`` on the composed config ``cfg``: lock the job's directory, run
    the job (``_run_job``) and unlock it."""
    from hydra.core.hydra_config import HydraConfig

    from sim.cli.sweep import FINISHED

    hc = HydraConfig.get()
    _handlers_in_job_process(multirun=in_multirun(hc))
    run_dir = Path(hc.runtime.output_dir)
    job = ""
    if in_multirun(hc) and command in FINISHED:
        job = f"job {hc.job.num} ({redact(' '.join(hc.overrides.task))}): "
    locked = _lock_job_dir(run_dir, command, job=job, multirun=in_multirun(hc))
    if locked is None:
        return  # refused: another run holds the directory
    from sim.cli.common import redact_hydra_files

    # Hydra wrote .hydra/ (and a sweep's multirun.yaml) with the overrides as typed: a
    # password there is masked now, not only when the run ends (QA: it stayed in them for
    # the whole run, and for good after a SIGKILL)
    redact_hydra_files(run_dir)
    try:
        with _kept_interrupts(stop_after=in_multirun(hc)):
            _run_job(command, cfg, hc, run_dir, job)
    finally:
        if locked:
            from sim.cli.runlock import unlock_run_dir

            unlock_run_dir(run_dir)


@contextmanager
def _kept_interrupts(*, stop_after: bool) -> Iterator[None]:
    """A stop (Ctrl-C, SIGTERM) that Python dropped is kept (``sim.cli.stop_requests``): a
    signal handler raises wherever the main thread is, also inside a weakref callback or a
    ``__del__``, where Python prints "Exception ignored in ..." and goes on
    (``sys.unraisablehook``), and inside C code that clears what it raised, silently; a sweep
    ran on to its end (QA4a: 2 of 8 tries; CI). The job raises it at its next replication; if
    it ends first, it is raised then if ``stop_after`` (a sweep: it stops before its next job),
    else said in a note. (A search's trials are safe points too:
    ``sim.optimize.interrupts.routed``; importing it here would load Optuna.)"""
    previous = sys.unraisablehook
    said: list[bool] = []

    def keep(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt | SweepTerminated):
            if not said:  # said at once: the job runs on, maybe for hours (QA retest)
                then = "the sweep" if stop_after else "the run"
                print(
                    f"\nnote: the stop came where Python could not act on it (a clean-up "
                    f"callback): {then} stops at its next replication, or when this job ends; "
                    f"Ctrl-C again to stop now",
                    file=sys.stderr,
                )
                said.append(True)
            stop_requests.request(unraisable.exc_value)
            stop_requests.mark_dropped()  # "Ctrl-C again" then stops at once
            return
        previous(unraisable)

    with stop_requests.job_scope():
        sys.unraisablehook = keep
        try:
            yield
        finally:
            sys.unraisablehook = previous
        stop = stop_requests.requested()
        if stop is not None and stop_after:
            raise stop.with_traceback(None)
        if stop is not None:
            print(
                "note: the stop came where Python could not act on it; the run went on and "
                "finished",
                file=sys.stderr,
            )


def _lock_job_dir(run_dir: Path, command: str, *, job: str, multirun: bool) -> bool | None:
    """Lock the job's directory (``sim.cli.runlock``) before anything in it is checked; whether
    it was locked now (to unlock at the job's end). When another run holds it, the files of that
    run's ``.hydra/`` that Hydra rewrote for this job are put back, the refusal is printed, and
    None returned (a sweep goes on to its next job) or, for a single run, exit status 2."""
    from sim.cli import common
    from sim.cli.common import redact_hydra_files
    from sim.cli.runlock import RunDirBusy, lock_run_dir, restore_holder_files

    try:
        key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
        key = "run" if command == "report" else key  # report's folder is the run it rebuilds
        return lock_run_dir(run_dir, command=command, argv=common.TYPED_ARGV, key=key)
    except RunDirBusy as exc:
        redact_hydra_files(run_dir)  # this job's own files, as in every other way out
        restore_holder_files(run_dir, exc.holder)
        print(f"error: {job}{exc}", file=sys.stderr)
        if not job:
            sys.exit(2)
        return None
    except SimError as exc:  # a symbolic link where the run writes: nothing of it touched
        print(f"error: {job}{redact(str(exc))}", file=sys.stderr)
        if not job:
            sys.exit(2)
        return None


def _refused(hc: Any, run_dir: Path) -> None:
    """Undo what a refused run left: an earlier run's directory is put back as it was (Hydra
    rewrote its .hydra/ before the task started; a sweep's job folders are put back when the
    sweep ends, ``sim.cli.common.restore_sweep_dir``); a new one's files go."""
    from sim.cli.common import release_run_dir, restore_run_dir

    if not in_multirun(hc):
        restore_run_dir(run_dir)
    release_run_dir(run_dir, tidy=not in_multirun(hc))


def _run_job(command: str, cfg: Any, hc: Any, run_dir: Path, job: str) -> None:
    """Run the command on the composed config in ``run_dir``: a user error is printed (exit
    status 2, or the sweep goes on past this job), a bug raised (or printed in a sweep)."""
    from omegaconf.errors import OmegaConfBaseException

    from sim.cli.common import (
        config_error_text,
        fail_run_record,
        interrupt_run_record,
        redact_hydra_files,
        release_run_dir,
        restore_run_dir,
    )

    known = _known_keys(command, _primary_source(hc))
    unknown = sorted(set(cfg) - known)
    if unknown:  # '+experiment=foo' or a typo added with '+': Hydra accepts any new key
        redact_hydra_files(run_dir)
        _refused(hc, run_dir)
        print(
            f"error: config: unknown key(s) {unknown} for {command}; its keys are {sorted(known)}",
            file=sys.stderr,
        )
        sys.exit(2)
    choice = hc.runtime.choices.get("process")
    # one bad point of a sweep must not stop the others: its error is printed, the sweep
    # goes on, and sim.cli.sweep.SweepJobs names it at the end (then exit status 2); the
    # commands without that callback stop at the bad job as before
    try:
        if job and _kept_from_earlier(command, cfg, hc, run_dir):
            print(f"note: {job}finished earlier, kept ({run_dir})", file=sys.stderr)
            return
        module = __import__(f"sim.cli.{command}", fromlist=["run"])
        module.run(cfg, run_dir, process_choice=choice)
        from sim.cli.common import finish_run_record

        finish_run_record(run_dir)
    except SimError as exc:
        if not isinstance(exc, FailedAfterWork):  # else its work is elsewhere: record kept
            _refused(hc, run_dir)
        fail_run_record(run_dir, str(exc))
        print(f"error: {job}{exc}", file=sys.stderr)
        if not job:
            sys.exit(2)
    except OmegaConfBaseException as exc:  # a bad interpolation or value in the config
        said = config_error_text(exc, cfg)  # every password of the config masked, pieces too
        _refused(hc, run_dir)
        fail_run_record(run_dir, said)
        print(f"error: {job}{said}", file=sys.stderr)
        if not job:
            sys.exit(2)
    except (WorkerDied, MemoryError) as exc:  # a process limit (ulimit -v), a machine below
        # the budget's guess, or a worker process that ended abruptly (SIGKILL is a MemoryError)
        if isinstance(exc, WorkerDied):
            said = _worker_death_text(command, exc)
        else:
            said = _out_of_memory_text(command, str(exc))
        _refused(hc, run_dir)
        fail_run_record(run_dir, said)
        print(f"error: {job}{said}", file=sys.stderr)
        if not job:
            sys.exit(2)
    except (KeyboardInterrupt, SweepTerminated) as exc:  # a sweep's SIGTERM: recorded too
        terminated = isinstance(exc, RunTerminated | SweepTerminated)
        try:
            # stopped before this run wrote its record (an output.overwrite=true stopped while
            # it removed the earlier run puts that run's files back): its .hydra/ goes back too
            earlier = not job and command != "optimize" and restore_run_dir(run_dir)
            said = _interrupted_text(command, cfg, run_dir, terminated, earlier=earlier)
            if job:  # a sweep's job: the sweep resumes, not this run alone
                stopped = "terminated (SIGTERM)" if terminated else "interrupted"
                said = _stopped_job_text(command, job, run_dir, stopped)
                if command == "optimize":
                    from sim.cli import optimize as opt

                    said += opt.stopped_job_search_note(
                        opt.storage_value(cfg), run_dir, opt.study_name_value(cfg, run_dir)
                    )
            print(f"\n{said}", file=sys.stderr)
        finally:
            # last: a joblib sweep's process waits for this record before its workers are
            # killed (sim.cli.launcher_workers), so nothing of the stop may come after it
            interrupt_run_record(run_dir)
        sys.exit(143 if terminated else 130)
    except SystemExit as exc:
        if exc.code in (130, 143):  # optimize stopped by SIGTERM: its own message is above
            interrupt_run_record(run_dir)
        raise
    except Exception as exc:  # a bug: in a sweep, the other jobs still run and get compared
        if not job:
            raise
        release_run_dir(run_dir, tidy=not in_multirun(hc))
        fail_run_record(run_dir, f"internal error: {type(exc).__name__}: {exc}")
        import traceback

        print(redact(traceback.format_exc()), file=sys.stderr, end="")
        print(
            f"error: {job}internal error, a bug (please report it with the traceback "
            f"above): {redact(f'{type(exc).__name__}: {exc}')}",
            file=sys.stderr,
        )
    finally:
        # Hydra wrote .hydra/ (and a sweep's multirun.yaml) with the overrides as typed before
        # this task started: a password typed there must not stay, however the run ends
        redact_hydra_files(run_dir)


def _stopped_job_text(command: str, job: str, run_dir: Path, stopped: str) -> str:
    """What a sweep's job (``job``: "job 0 (...): ") stopped (``stopped``: ``interrupted`` ...)
    in ``run_dir`` says: that it did not finish, and whether any job of the sweep did, with how
    to resume. A job that a launcher runs in another process, beside the sweep's other jobs
    (joblib's), knows neither their order nor which of them finished (``sim.cli.sweep.LAUNCHED``
    is the launching process's): it says nothing of them, the sweep does when it stops
    (``_stopped_sweep_text``; QA: "nor did any job of the sweep before it", jobs running at
    once)."""
    from sim.cli import common
    from sim.cli.sweep import FINISHED, LAUNCHED, job_finished

    kept = _saved_jobs(command)
    hint = _resume_hint(command, common.TYPED_ARGV, kept=kept)
    if command in FINISHED and job_finished(run_dir, command):
        # stopped after its record said finished (its report written): kept on a rerun
        return f"{stopped}: {job}finished just before; the jobs that finished are saved{hint}"
    from sim.cli.launcher_workers import sweep_gone

    if sweep_gone():  # its sweep's process was killed outright: nothing else will say it
        return (
            f"{stopped}: {job}did not finish: the sweep's process is gone (killed), so no "
            "comparison is written; rerun the same command to resume the sweep"
        )
    if not LAUNCHED:
        return (
            f"{stopped}: {job}did not finish (the sweep runs its jobs at once, in other "
            "processes: which of them finished is said as the sweep stops)"
        )
    saved = (
        "; the jobs of the sweep that finished are saved"
        if kept
        else ", nor did any job of the sweep before it"
    )
    return f"{stopped}: {job}did not finish{saved}{hint}"


def _stopped_sweep_text(
    command: str,
    args: list[str],
    stopped: str,
    *,
    multirun: bool,
    exc: BaseException | None = None,
) -> str:
    """What a command stopped (``stopped``: ``interrupted`` ...) in Hydra, outside its run's
    task, says: of a sweep, that the jobs that finished are saved and how to resume only when
    one did (``_saved_jobs``; a Ctrl-C as Hydra started, before any job ran, said so of none:
    QA), or, when the stop (``exc``) came as the sweep ended with every job finished, what is
    left (``_ended_sweep_text``); of a single run, that it had not started (its task says what
    it saved)."""
    if not multirun:
        return f"{stopped} before the run started; no results were written"
    ended = None if exc is None else _ended_sweep_text(exc, args, stopped)
    if ended is not None:
        return ended
    if _saved_jobs(command):
        return f"{stopped}; the jobs that finished are saved{_resume_hint(command, args)}"
    hint = _resume_hint(command, args, kept=False) or "; rerun the same command to run it"
    return f"{stopped} before any job of the sweep finished{hint}"


def _ending_sweep(exc: BaseException) -> Any | None:
    """The sweep's ``SweepJobs`` callback (``sim.cli.sweep``) when ``exc``, a stop, came as
    Hydra called the callbacks' ``on_multirun_end``: its launcher had returned, so every job of
    the sweep had ended; None when it came before (or the sweep has no such callback)."""
    from sim.cli.sweep import SweepJobs

    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_name == "on_multirun_end":
            owner = tb.tb_frame.f_locals.get("self")  # Hydra's ``Callbacks``, or the callback
            for callback in getattr(owner, "callbacks", [owner]):
                if isinstance(callback, SweepJobs):
                    return callback
        tb = tb.tb_next
    return None


def _ended_sweep_text(exc: BaseException, args: list[str], stopped: str) -> str | None:
    """What a sweep stopped (``exc``) as it ended says when every one of its jobs had finished
    (``_ending_sweep``): nothing is left to run, only a simulate sweep's comparison, written as
    the sweep ends, is missing, and a rerun writes it (keeping every job); None otherwise (the
    usual text: rerun to run the jobs that did not finish). QA signals18: a SIGTERM as the
    comparison was written said "rerun the same command to run the others", of none."""
    from sim.cli.compare import CompareSweep
    from sim.cli.sweep import job_finished

    callback = _ending_sweep(exc)
    if callback is None or callback.sweep_dir is None:
        return None
    dirs = callback.job_dirs(callback.sweep_dir)
    n = max(len(dirs), callback.launched or 0)
    distinct = len({d.resolve() for d in dirs}) == n
    if not dirs or not distinct or not all(job_finished(d, callback.command) for d in dirs):
        return None
    finished = (
        "its job finished and is saved" if n == 1 else f"all {n} of its jobs finished and are saved"
    )
    if not isinstance(callback, CompareSweep) or n < 2:  # no comparison to write
        return f"{stopped} as the sweep ended: {finished}; nothing is left to run"
    rerun = "rerun the same command"
    if not _override(args, "hydra.sweep.dir"):
        rerun += f" with hydra.sweep.dir={quote_path(str(callback.sweep_dir.resolve()))}"
    return (
        f"{stopped} as the sweep ended: {finished}, but the comparison of their "
        f"results is not written (or not in full); {rerun} to write it (the finished jobs "
        "are kept, none runs again)"
    )


def _saved_jobs(command: str) -> bool:
    """Whether a job of the sweep launched last (``sim.cli.sweep.LAUNCHED``) finished: kept
    from an earlier launch, or its run record says finished (``sim.cli.sweep.job_finished``: a
    calibrate job stopped in its back-test has written model.yaml, QA); True for a command whose
    results are not known here (``sim.cli.sweep.FINISHED``), False before Hydra launched a
    sweep."""
    from sim.cli.sweep import FINISHED, KEPT_JOBS, LAUNCHED, job_finished

    if not LAUNCHED:
        return False
    if command not in FINISHED:
        return True
    results = LAUNCHED[-1].glob(f"*/**/{FINISHED[command]}")
    return bool(KEPT_JOBS) or any(job_finished(r.parent, command) for r in results)


def _resume_hint(command: str, args: list[str], *, kept: bool = True) -> str:
    """How to finish a stopped sweep (``"; ..."``, or ``""``): rerun the same command into the
    same sweep directory, which keeps the jobs that finished (``sim.cli.sweep.SweepJobs``);
    ``kept`` false when none finished (``_saved_jobs``): then none is said to be kept."""
    from sim.cli.sweep import LAUNCHED, RESUMABLE

    if command not in RESUMABLE or not LAUNCHED:
        return ""
    what, kept_note = ("the others", " (the finished ones are kept)") if kept else ("the sweep", "")
    if _override(args, "hydra.sweep.dir"):
        return f"; rerun the same command to run {what}{kept_note}"
    return (
        f"; to run {what}, rerun the same command with "
        f"hydra.sweep.dir={quote_path(str(LAUNCHED[-1].resolve()))}{kept_note}"
    )


#: What each command can be given less of when it runs out of memory (its config's keys)
_LESS_TO_HOLD = {
    "simulate": (
        "fewer scenario.replications, a shorter scenario.horizon_days, output.trace=false, "
        "workers=1"
    ),
    "calibrate": (
        "a shorter extract of the log, columns.max_rows, fewer backtest.replications, "
        "backtest.write_traces=false, workers=1"
    ),
    "optimize": (
        "fewer optimizer.replications or optimizer.confirm_replications, optimizer.n_jobs=1, "
        "workers=1, a shorter scenario.horizon_days"
    ),
}


def _memory_advice(command: str) -> str:
    """What to do when a run of ``command`` runs out of memory: what of its config to give less
    of (``_LESS_TO_HOLD``), or where to run it."""
    less = _LESS_TO_HOLD.get(command)
    advice = f"give it less to hold ({less}) or run it" if less else "run it"
    return f"{advice} where more memory is free"


def _out_of_memory_text(command: str, detail: str = "") -> str:
    """What a run of ``command`` that ran out of memory says (with ``detail``, the error's own
    words, when it has any), with ``_memory_advice``."""
    said = f" ({detail})" if detail else ""
    return f"{command} ran out of memory{said}; {_memory_advice(command)}"


def _launcher_worker_death_text(exc: BaseException, command: str, args: list[str]) -> str | None:
    """What a sweep says when one of its launcher's worker processes (joblib's) ended abruptly
    (``TerminatedWorkerError``; None for any other error): which signal or exit code ended it,
    memory as the likely cause for SIGKILL, that joblib ended the sweep's other jobs with it,
    and how to resume (QA signals18: a raw traceback, exit status 1)."""
    import re

    if type(exc).__name__ != "TerminatedWorkerError":
        return None
    codes = re.search(r"exit codes of the workers are \{([^}]*)\}", str(exc))
    how = f" ({codes.group(1)})" if codes else ""
    said = f"{command} --multirun stopped: a launcher worker process running its jobs ended{how}"
    if "SIGKILL" in how:
        said += f", most likely by the system's out-of-memory killer; {_memory_advice(command)}"
        said += " (fewer jobs at once: hydra.launcher.n_jobs)"
    said += "; joblib ended the jobs its other workers were running too"
    return f"{said}; {_stopped_sweep_text(command, args, 'the sweep stopped', multirun=True)}"


def _worker_death_text(command: str, exc: WorkerDied) -> str:
    """What a run of ``command`` stopped by a worker process that ended abruptly says: what
    ended it (``exc``), and memory as the likely cause, with ``_memory_advice``, only for
    SIGKILL (``WorkerKilled``: the out-of-memory killer's signal). A crash (SIGSEGV ...) is a
    bug to report; another signal was sent from outside the run (QA: a segfault, an admin's
    ``kill`` were all said as running out of memory)."""
    import signal

    said = f"{command} stopped: {exc}"
    if isinstance(exc, WorkerKilled):
        return (
            f"{said}, most likely by the system's out-of-memory killer; {_memory_advice(command)}"
        )
    if exc.crashed:
        # a C++ library out of memory (std::bad_alloc, under ulimit -v) aborts: SIGABRT
        bad_alloc = "; 'std::bad_alloc' there means it ran out of memory" * (
            exc.signal == signal.SIGABRT
        )
        return (
            f"{said}: a crash in compiled code (Python's or a library's the simulator uses; "
            f"what the worker printed, if anything, is above{bad_alloc}); please report it "
            "with the command that did it"
        )
    if exc.signal is not None:
        return f"{said}: a signal sent from outside this run; rerun the command"
    if exc.exitcode is not None:
        return (
            f"{said} (its own error, if it printed one, is above); rerun the command, with "
            "workers=1 to run the replications in this process"
        )
    return f"{said}; rerun the command"


def _kept_from_earlier(command: str, cfg: Any, hc: Any, run_dir: Path) -> bool:
    """Whether this job of a resumed sweep is kept as an earlier launch finished it
    (``sim.cli.sweep.kept_run``: its folder holds a finished run of this job's config), noted in
    ``KEPT_JOBS`` so the sweep counts it finished; ``ConfigError`` when its folder holds a
    finished run of another config. ``output.overwrite=true`` keeps nothing: every job runs."""
    from omegaconf import OmegaConf

    from sim.cli.sweep import KEPT_JOBS, RESUMABLE, kept_run

    if command not in RESUMABLE or OmegaConf.select(cfg, "output.overwrite") is True:
        return False
    try:
        kept = kept_run(run_dir, cfg, [str(o) for o in hc.overrides.task], command)
    except SimError:
        raise
    except Exception:  # noqa: BLE001 - a config that cannot be resolved: the run says why
        return False
    if kept:
        KEPT_JOBS.add(run_dir.resolve())
    else:
        _take_over_unfinished(command, cfg, hc, run_dir)
    return kept


def _take_over_unfinished(command: str, cfg: Any, hc: Any, run_dir: Path) -> None:
    """Remove what an unfinished run of this very job left in ``run_dir`` (stopped after
    writing part of its results: QA4a, the resume was refused with "already holds results"),
    so the job runs again there; a folder holding anything else is left to the usual refusal.
    The files it was still writing go too (its ``.partial/`` folder: a job killed while it
    wrote its trace was refused for ever as "already holds files (.partial)", QA)."""
    import shutil

    from sim.cli.common import CLAIM
    from sim.cli.overwrite import earlier_results
    from sim.cli.sweep import unfinished_run_of_job
    from sim.model.whole_files import PARTIAL

    try:
        record = unfinished_run_of_job(run_dir, cfg, [str(o) for o in hc.overrides.task], command)
    except Exception:  # noqa: BLE001 - a config that cannot be resolved: the run says why
        return
    if record is None:
        return
    files = [f for f in earlier_results(run_dir) if f.name != CLAIM]
    partial = run_dir / PARTIAL
    if any(f.is_symlink() for f in [*files, partial]):  # not its files: the usual refusal
        return
    if partial.is_dir():  # its own links are not followed
        files += sorted(Path(top, n) for top, _, names in os.walk(partial) for n in names)
    for f in files:
        f.unlink(missing_ok=True)
    shutil.rmtree(partial, ignore_errors=True)
    (run_dir / CLAIM).unlink(missing_ok=True)
    (run_dir / "config.yaml").unlink(missing_ok=True)
    print(
        f"note: {run_dir}: taking over this job's own unfinished run (status "
        f"{record.get('status')}, its process gone); removed the {len(files)} file(s) it wrote",
        file=sys.stderr,
    )


def _interrupted_text(
    command: str, cfg: Any, run_dir: Path, terminated: bool, *, earlier: bool = False
) -> str:
    """What an interrupted run says: optimize's study keeps its finished trials (a rerun
    resumes it; ``sim.cli.optimize.stopped_search_text``); simulate and calibrate write their
    results when they end, so nothing is saved. ``earlier``: ``run_dir`` holds the earlier run
    it was to replace, as it was (``sim.cli.common.restore_run_dir``), not this run's files
    (QA rt28_files F3: they were listed as "what it wrote so far")."""
    from sim.cli.common import BEFORE_RESULTS, HYDRA_OWN

    stopped = "terminated (SIGTERM)" if terminated else "interrupted"
    if command == "optimize":
        from sim.cli.optimize import stopped_search_text, storage_value, study_name_value

        return stopped_search_text(
            stopped, storage_value(cfg), run_dir, study_name_value(cfg, run_dir)
        )
    if earlier:
        return (
            f"{stopped} before the run wrote anything: {run_dir} holds the earlier run as it "
            "was (output.overwrite=true removed none of it); rerun the command to start again"
        )
    skip = BEFORE_RESULTS | HYDRA_OWN
    written = (
        sorted(p.name for p in run_dir.iterdir() if p.name not in skip) if run_dir.is_dir() else []
    )
    if written:
        shown = ", ".join(written[:6]) + (" ..." if len(written) > 6 else "")
        return (
            f"{stopped} before the run finished: {run_dir} holds only what it wrote so far "
            f"({shown}), not a complete result"
        )
    return (
        f"{stopped}; no results were saved ({command} writes them when it ends): rerun the "
        "command to start again"
    )


# Hydra's flags that print the composed config (or the overrides) to stdout and run no task
_CONFIG_PRINTING_FLAGS = ("--cfg", "-c", "--info", "-i", "--help", "-h", "--hydra-help")
# ... and Hydra's flags that only begin like ``-c`` (the configs read: they print nothing)
_OTHER_C_FLAGS = ("-cp", "-cd", "-cn")


def prints_config(args: list[str]) -> bool:
    """Whether ``args`` hold a Hydra flag that prints the config with the overrides as typed
    (``--cfg job``, ``-c all``, ``--cfg=hydra``, ``--info``, ``--help``)."""
    return any(
        a in _CONFIG_PRINTING_FLAGS
        or a.startswith(("--cfg=", "--info="))
        or (a.startswith(("-c", "-i")) and not a.startswith(("--", *_OTHER_C_FLAGS)))
        for a in args
    )


class RedactingStream:
    """A text stream that writes to ``stream`` with passwords masked (``sim.errors.redact``),
    each write as it comes: what Hydra's argument parser prints on a bad flag value
    (``--info optimizer.storage=postgresql://u:pw@h/db`` takes the override for the value of
    ``--info`` and names it in its error) goes through it, as does every other line on stderr."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` masked; returns the length of ``text`` as given."""
        self._stream.write(redact(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _shell_completion(args: list[str]) -> bool:
    """Whether ``args`` ask for Hydra's shell completion (``-sc``/``--shell-completion``)."""
    return any(
        a in ("-sc", "--shell-completion") or a.startswith("--shell-completion=") for a in args
    )


def _with_stdout_through(app: Callable[[], Any], clean: Callable[[str], str]) -> Callable[[], Any]:
    """``app`` with what it prints to stdout held back and printed through ``clean``."""

    def run() -> Any:
        import contextlib
        import io

        held = io.StringIO()
        try:
            with contextlib.redirect_stdout(held):
                return app()
        finally:
            sys.stdout.write(clean(held.getvalue()))
            sys.stdout.flush()

    return run


def _completions_without_passwords(app: Callable[[], Any]) -> Callable[[], Any]:
    """``app`` with the completions it prints that hold a password dropped: Hydra completes
    ``optimizer.storage=`` with the value typed earlier on the line, the password in clear, and
    a masked value would replace the user's password when the shell inserts it."""

    def without_passwords(text: str) -> str:
        lines = text.splitlines(keepends=True)
        return "".join(line for line in lines if redact(line) == line)

    return _with_stdout_through(app, without_passwords)


def _with_stdout_redacted(app: Callable[[], Any]) -> Callable[[], Any]:
    """``app`` with what it prints to stdout printed with passwords masked
    (``sim.errors.redact``): Hydra's ``--cfg job`` printed a storage URL's password in clear."""
    return _with_stdout_through(app, redact)


# Hydra's --help lists every config group under configs/ (and every command's experiments)
_GROUPS_BLOCK = re.compile(
    r"== Configuration groups ==\n[^\n]*\n\n(?P<groups>.*?)\n\n+(?=== Config ==)", re.S
)
_HELP_FLAGS = ("--help", "-h")
# ... and then the composed config, up to its closing lines
_CONFIG_BLOCK = re.compile(
    r"(?<=== Config ==\n)(?P<head>[^\n]*\n\n)(?P<config>.*?)(?=\n+Powered by Hydra)", re.S
)
# keys of a file group's block that are settings to override (process=<file>'s path, params, ...;
# redesign=staffing's generate, spread, ...), not the body of a bundled model or search space
_SETTINGS_KEYS = ("path", "generate")


def _bodies_left_out(config: str) -> str:
    """The config ``--help`` prints with the body of each bundled model or redesign space
    (``process:``: the CRM model's 290 lines, between the groups and the command's own keys) in
    one line saying how to print it (QA walk28: 330 lines, mostly the model's YAML)."""
    lines = config.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        group = line.removesuffix(":")
        if group not in FILE_GROUPS or group == line:
            out.append(line)
            continue
        body = []
        while i < len(lines) and lines[i].startswith((" ", "-")):
            body.append(lines[i])
            i += 1
        children = {b[2:].partition(":")[0]: b for b in body if b[2:3] not in (" ", "-", "")}
        if any(k in children for k in _SETTINGS_KEYS):
            out += [line, *body]
            continue
        name = children.get("name", "").partition(": ")[2]
        what = "model" if group == "process" else f"{group} space"
        out.append(
            f"{group}:  # {what}{' ' + name if name else ''}, {len(body)} lines: "
            f"--cfg job --package {group} (in place of --help) prints it"
        )
    return "\n".join(out)


def command_help(text: str, command: str, configs: Path) -> str:
    """Hydra's ``--help`` ``text`` for ``command``: headed by the command and what it does,
    listing only the config groups of the command's defaults, their bundled options (an
    experiment: the command's own studies; ``_from_file`` is given as a file) or no groups
    section when it has none. Text of another form is returned as it is."""
    own = {g for g in _config_groups(configs, command) if not g.startswith("override ")}
    text = re.sub(
        r"^\S+ is powered by Hydra\.$",
        f"python -m sim {command}: {COMMANDS.get(command, '')}".rstrip(": "),
        text,
        count=1,
        flags=re.M,
    )

    def groups(match: re.Match[str]) -> str:
        lines = []
        for line in match["groups"].splitlines():
            group, sep, options = line.partition(": ")
            if not sep or group not in own:
                continue
            names = [o for o in options.split(", ") if not o.startswith("_")]
            if group == "experiment":
                names = [o for o in names if o.startswith(f"{command}_")]
            if group in FILE_GROUPS:
                stem = "model" if group == "process" else group
                names.append(f"or a file ({group}=path/to/{stem}.yaml)")
            if names:
                lines.append(f"{group}: {', '.join(names)}")
        if not lines:
            return ""
        head = match[0][: match.start("groups") - match.start()]
        return head + "\n".join(lines) + "\n\n\n"

    text = _GROUPS_BLOCK.sub(groups, text, count=1)
    return _CONFIG_BLOCK.sub(lambda m: m["head"] + _bodies_left_out(m["config"]), text, count=1)


def _run_app(app: Callable[[], Any], command: str, args: list[str], configs: Path) -> None:
    """Run the Hydra app; an error composing the config (a mistyped key, an unknown option of a
    config group, an override Hydra cannot parse) is a config error: a message naming the key
    and what it may be, exit status 2 (Hydra's own handler exits 1 and advises ``+key=``).
    Any other error is reported as Hydra reports it. ``HYDRA_FULL_ERROR=1`` set by the user
    keeps Hydra's full traceback. Whatever reaches stderr has its passwords masked."""
    if _shell_completion(args):
        app = _completions_without_passwords(app)
    elif set(_HELP_FLAGS) & set(args):  # the command's own groups, passwords masked
        app = _with_stdout_through(app, lambda t: redact(command_help(t, command, configs)))
    elif prints_config(args):  # --cfg/--info/--help print the overrides as typed: masked
        app = _with_stdout_redacted(app)
    stderr = sys.stderr
    sys.stderr = RedactingStream(stderr)
    try:
        _run_app_reporting_errors(app, command, args, configs)
    finally:
        sys.stderr = stderr


def _run_app_reporting_errors(
    app: Callable[[], Any], command: str, args: list[str], configs: Path
) -> None:
    """``_run_app`` once its streams are set up."""
    if os.environ.get("HYDRA_FULL_ERROR"):
        app()
        return
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra raises instead of printing and exiting 1
    try:
        app()
    except ForeignCallback:  # a refusal, said by ``_launch``
        raise
    except Exception as exc:
        stop = _stop_behind(exc)
        if stop is None:
            _report_app_error(exc, command, args, configs)
        raise stop from None  # said as the stop it was
    finally:
        os.environ.pop("HYDRA_FULL_ERROR", None)


def _stop_behind(exc: BaseException) -> BaseException | None:
    """The Ctrl-C or SIGTERM behind ``exc``: a stop that landed in a library's clean-up, which
    then failed on what the stop left half done (QA signals22: OmegaConf's ``flag_override``
    raised AttributeError, and a sweep's Ctrl-C ended in a traceback with exit status 1)."""
    seen = exc.__context__
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt | SweepTerminated):
            return seen
        seen = seen.__context__
    return None


def _report_app_error(exc: Exception, command: str, args: list[str], configs: Path) -> NoReturn:
    """Say what ``_run_app_reporting_errors``'s app raised (``exc``) and exit 2, or print it as
    Hydra does and exit 1 (a bug)."""
    from hydra.errors import CompactHydraException
    from omegaconf.errors import OmegaConfBaseException

    if isinstance(exc, CompactHydraException | OmegaConfBaseException):
        said = (
            _sweeper_params_override(exc)
            or _override_into_a_list(exc)
            or composition_error(exc, command, args, configs)
        )
        print(f"error: config: {redact(said)}", file=sys.stderr)
        sys.exit(2)
    # a bug: reported as Hydra does, exit 1
    killed = _launcher_worker_death_text(exc, command, args)
    if killed is not None:
        print(f"error: {redact(killed)}", file=sys.stderr)
        sys.exit(2)
    unmade = _directory_not_made(exc, args)
    if unmade is not None:  # a read-only current directory, a file on the way
        print(f"error: {redact(unmade)}", file=sys.stderr)
        sys.exit(2)
    said = _sweeper_params_override(exc) or _override_into_a_list(exc)
    if said is not None:  # OmegaConf's ValueError/TypeError for a key into a list
        print(f"error: config: {redact(said)}", file=sys.stderr)
        sys.exit(2)
    import traceback

    tb = exc.__traceback__
    frames = tb
    while frames is not None and frames.tb_frame.f_code.co_name != "run_job":
        frames = frames.tb_next
    # from the task down, as Hydra prints it (its own frames left out), passwords masked
    shown = "".join(traceback.format_exception(type(exc), exc, (frames or tb).tb_next or tb))
    print(redact(shown), file=sys.stderr, end="")
    print(
        "\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.",
        file=sys.stderr,
    )
    sys.exit(1)


# Hydra's functions that make the directory a run writes into: a job's (``run_job``, which
# names the key it read the directory from) and a sweep's (the basic sweeper's ``sweep``, a
# launcher's ``launch``), with their local variable holding the directory.
_DIRECTORY_MAKERS = {"run_job": "output_dir", "sweep": "sweep_dir", "launch": "sweep_dir"}


def _directory_not_made(exc: BaseException, args: list[str]) -> str | None:
    """The message for ``exc`` when it is Hydra failing to create the run's directory
    (``hydra.run.dir``) or the sweep's (``hydra.sweep.dir``), as the lock of a directory typed
    on the command line says it (``sim.cli.runlock.lock_run_dir``): the default one lies under
    the current directory, which may be read-only. None for any other error."""
    import traceback

    if not isinstance(exc, OSError):
        return None
    frames = [frame for frame, _ in traceback.walk_tb(exc.__traceback__)]
    inner = [f for f in frames if Path(f.f_code.co_filename).name != "pathlib.py"]
    if not inner or inner[-1] is frames[-1]:  # not raised by pathlib's mkdir
        return None
    maker, name = inner[-1], inner[-1].f_code.co_name
    where = Path(maker.f_code.co_filename).parts
    if name not in _DIRECTORY_MAKERS or not {"hydra", "hydra_plugins"} & set(where):
        return None
    directory = maker.f_locals.get(_DIRECTORY_MAKERS[name])
    key = str(maker.f_locals.get("job_dir_key") or "hydra.sweep.dir")
    if directory is None:
        return None
    given = _override(args, key)
    hint = (
        f"choose another {key}"
        if given
        else f"the default {key} lies under the current directory ({Path.cwd()}): run from a "
        f"writable directory or give {key}=<a writable directory>"
    )
    return (
        f"{key}={os.path.abspath(str(directory))}: cannot create the directory for the results "
        f"({exc.strerror or exc}); {hint}"
    )


def _failed_override(exc: BaseException) -> tuple[Any, Any] | None:
    """The override Hydra was applying when it failed with ``exc``, and the config it was
    applied to; None when ``exc`` was not raised there. Read from the frame of Hydra's override
    loop in the traceback."""
    found = None
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        tb = e.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_name == "_apply_overrides_to_config":
                found = tb.tb_frame.f_locals
            tb = tb.tb_next
        todo += [e.__cause__, e.__context__]
    if not found or "override" not in found or "cfg" not in found:
        return None
    return found["override"], found["cfg"]


SWEEPER_PARAMS = "hydra.sweeper.params"
_SWEPT_HYDRA_KEY = re.compile(r"'((?:\+|~)*hydra\.sweeper\.params[^']*)'")


def _sweeper_params_override(exc: BaseException) -> str | None:
    """What to say when an override of ``hydra.sweeper.params`` (or a key in it) failed: given
    on the command line (``'hydra.sweeper.params={seed: "1,2"}'``), OmegaConf could not merge it
    into Hydra's empty setting (a traceback), Hydra refused to sweep it, or its grammar could not
    read it (a mapping of sweeps unquoted). None for any other error."""
    from hydra.errors import OverrideParseException

    if isinstance(exc, OverrideParseException) and exc.override:
        typed = str(exc.override)
        if typed.partition("=")[0].lstrip("+~").startswith(SWEEPER_PARAMS):
            return _sweeper_params_text(typed)
        return None
    failed = _failed_override(exc)
    if failed is not None:
        override = failed[0]
        if str(override.key_or_group).startswith(SWEEPER_PARAMS):
            try:
                value = override.value()
            except Exception:  # noqa: BLE001 - only for the example
                value = None
            return _sweeper_params_text(str(override.input_line), override.key_or_group, value)
        return None
    found = _SWEPT_HYDRA_KEY.search(str(exc))  # "Sweeping over Hydra's configuration ..."
    if found is None:
        return None
    typed = found.group(1)
    name, _, value = typed.partition("=")
    return _sweeper_params_text(typed, name.lstrip("+~"), value)


def _sweeper_params_text(typed: str, key: str = SWEEPER_PARAMS, value: Any = None) -> str:
    """Why ``typed``, an override of ``hydra.sweeper.params`` (or of ``key`` in it) given on the
    command line, is refused, and the forms that sweep: ``key=a,b`` with ``--multirun`` (made
    from ``value`` where it says which keys), or ``hydra.sweeper.params`` in a config file."""
    inner = str(key).removeprefix(SWEEPER_PARAMS).lstrip(".")
    swept = {inner: value} if inner else value
    example = "e.g. -m seed=1,2 scenario.replications=5,10"
    if isinstance(swept, dict) and swept and all(isinstance(k, str) for k in swept):
        example = "here: -m " + " ".join(f"{k.lstrip('+')}={v}" for k, v in swept.items())
    return (
        f"{typed}: {SWEEPER_PARAMS} is read from a config file only, not from the command "
        f"line; give each swept key as key=a,b with --multirun ({example}), or set "
        f"{SWEEPER_PARAMS} in a config file (an experiment: configs/experiment/)"
    )


def _override_into_a_list(exc: BaseException) -> str | None:
    """What was wrong when Hydra failed applying an override whose dotted key goes into a list
    by name (``optimizer.objectives.kpi=...``: OmegaConf raised a bare ``ValueError: invalid
    literal for int()``) or past its end: the key, the list, and how to write it. None when
    ``exc`` is not that. Read from the frame of Hydra's override loop in the traceback, which
    holds the override and the config it was applied to."""
    from omegaconf import DictConfig, ListConfig

    failed = _failed_override(exc)
    if failed is None:
        return None
    override, node = failed
    key = str(override.key_or_group)
    parts = key.split(".")
    for i, part in enumerate(parts):
        here = ".".join(parts[:i])
        if isinstance(node, ListConfig):
            example = _list_example(node)
            if not part.isdigit():
                rest = ".".join(parts[i:])
                return (
                    f"{key}: '{here}' is a list ({len(node)} items), so '{part}' is not a key "
                    f"in it; name an item by its index, e.g. '{here}.0.{rest}=...', or give "
                    f"the list whole, e.g. '{here}=[{example}]'"
                )
            if int(part) >= len(node):
                return (
                    f"{key}: '{here}' is a list of {len(node)} items (indices 0 to "
                    f"{len(node) - 1}); to add an item give the list whole, e.g. "
                    f"'{here}=[{example}, ...]'"
                )
            node = node[int(part)]
        elif isinstance(node, DictConfig) and part in node:
            node = node._get_node(part)
        else:
            return None
    return None


def _list_example(node: Any) -> str:
    """An item of a list of the config, as typed in an override (``{kpi: x, direction: y}``)."""
    from omegaconf import DictConfig, OmegaConf

    if len(node) and isinstance(node[0], DictConfig):
        first = OmegaConf.to_container(node[0], resolve=False)
        return "{" + ", ".join(f"{k}: {v}" for k, v in first.items()) + "}"
    return str(node[0]) if len(node) else "..."


_NOT_OVERRIDDEN = re.compile(r"Could not (?:override|append to config)[^']*'([^']+)'")


def _typed_word(override: str, typed: list[str]) -> int | None:
    """Where the word Hydra could not read (``override``, as rewritten: ``++`` before a key of
    an open mapping) is in ``typed``, the words as the user typed them; None if not there."""
    bare = override.lstrip("+")
    return next((i for i, w in enumerate(typed) if w == override or w.lstrip("+") == bare), None)


def _split_override_hint(override: str, typed: list[str], known: Collection[str] = ()) -> str:
    """The hint of ``unreadable_override_hint`` for a word without ``=``: the override the shell
    split at its spaces quoted whole, from the words the user typed (``typed``): the value of the
    override before it (``columns.resource=Mein Feld``), or, for a word that starts a key of an
    open mapping, that key and the words after it up to its ``=`` (``scenario.staffing.Call
    Centre Operator=39``, a BPMN lane's name), unless that ``=`` is of an override of its own,
    one of the ``known`` top-level keys (``hydra.run.dir=...``). ``""`` when there is none."""
    import shlex

    at = _typed_word(override, typed)
    if at is None:
        return ""
    word = typed[at]

    def loose(w: str) -> bool:  # a word the shell split off an override
        return "=" not in w and not w.startswith("-")

    def past_loose(i: int) -> int:  # after the words from i on the shell split off a value
        while (
            i < len(typed)
            and loose(typed[i])
            and not typed[i].lstrip("+").startswith(OPEN_MAPPINGS)
        ):
            i += 1
        return i

    if word.lstrip("+").startswith(OPEN_MAPPINGS):
        end = next((j for j in range(at + 1, len(typed)) if not loose(typed[j])), None)
        if end is None or typed[end].startswith("-"):
            return ""
        if typed[end].partition("=")[0].lstrip("+~").split(".")[0] in known:
            return ""  # 'scenario.staffing.Call Centre Operator hydra.run.dir=...': no value
        # and the words the shell split off its value ('={max: 0.8}', QA retest23b #2)
        words = typed[at : past_loose(end + 1)]
        what = "the start of a name with spaces (a role's, which the shell splits into words)"
    else:
        start = next((i for i in range(at - 1, -1, -1) if not loose(typed[i])), None)
        if start is None or typed[start].startswith("-"):
            return ""
        words = typed[start : past_loose(at + 1)]
        what = "part of the value before it (a name with spaces, which the shell splits into words)"
    return (
        f"; '{word}' has no '=': if it is {what}, quote the override whole, "
        f"{shlex.quote(' '.join(words))}"
    )


def unreadable_override_hint(override: str, args: list[str], known: Collection[str] = ()) -> str:
    """How to write an override Hydra's grammar could not read, as ``"; ..."`` (or ``""``): a
    word without ``=`` the shell split off the value before it (``columns.resource=Mein Feld``
    unquoted) or off the rest of a role's name (``scenario.staffing.Call Centre Operator=39``),
    quoted as the user typed it (``args``, the words typed); a role named in other letters, or
    a value Hydra reads only in quotes (letters outside ASCII, brackets, quotes, ``=``, ``#``:
    ``columns.activity=Tätigkeit``). ``known``: the command's top-level keys."""
    import shlex

    name, equals, value = override.partition("=")
    if not equals:
        return _split_override_hint(override, args, known)
    if name.lstrip("+").startswith(OPEN_MAPPING_KEYS):
        if override.isascii():
            return ""
        return (
            "; Hydra reads only ASCII outside quoted values: give a role named in other "
            "letters one at a time, 'scenario.staffing.<role>=<n>', which python -m sim reads"
        )
    if not name.isascii():
        return "; Hydra reads keys in ASCII letters only: check the key's spelling"
    listed = value.strip()
    if listed.startswith("[") and listed.endswith("]"):  # runs=[a,b]: each item quoted, not the
        # list (a quoted list is text: "runs: expected a list of run directories")
        return (
            "; Hydra reads a list item with letters outside ASCII, brackets, quotes, '=' or '#' "
            "only in quotes, and the shell takes away the quotes it is given: quote each such "
            "item for Hydra and the override whole for the shell, "
            + shlex.quote(f"{name}={_quoted_list(listed)}")
        )
    text = value.strip().strip("'\"")
    mark = "'" if '"' in text and "'" not in text else '"'
    typed = shlex.quote(f"{name}={mark}{text.replace(mark, chr(92) + mark)}{mark}")
    return (
        "; Hydra reads a value with letters outside ASCII, brackets, quotes, '=' or '#' only "
        "in quotes, and the shell takes away the quotes it is given: to give it as text, quote "
        f"the value for Hydra and the override whole for the shell, {typed}"
    )


def composition_error(exc: BaseException, command: str, args: list[str], configs: Path) -> str:
    """What was wrong with the overrides when Hydra could not compose the config: a key not in
    its section (with the section's keys), an unknown option of a config group (with the
    group's options), else Hydra's own message."""
    from hydra.errors import MissingConfigException, OverrideParseException

    text = str(exc).strip()
    if isinstance(exc, OverrideParseException) and exc.override:
        from sim.cli import common

        # the words as typed, not as rewritten for Hydra (QA hints23 #2: the hint quoted
        # 'process.path=... ++scenario.staffing.Call', words the user never typed)
        override = str(exc.override)
        found = _typed_word(override, common.TYPED_ARGV) is not None
        typed = common.TYPED_ARGV if found else args
        at = _typed_word(override, typed) if "=" not in override else None
        shown = typed[at] if at is not None else override
        try:
            known = _known_keys(command, configs) | {"hydra"}
        except Exception:  # noqa: BLE001 - a hint only: the keys of hydra's settings
            known = {"hydra"}
        hint = unreadable_override_hint(override, typed, known)
        return f"{shown}: cannot be read as an override: {text}{hint}"
    if isinstance(exc, MissingConfigException) and exc.missing_cfg_file and exc.options:
        group, _, option = str(exc.missing_cfg_file).rpartition("/")
        options = sorted(o for o in exc.options if not o.startswith("_"))
        if group:
            extra = " (or a path to a model file)" if group in FILE_GROUPS else ""
            hint = did_you_mean(option, options)
            return (
                f"{group}={option}: no such option{hint}; the options of {group} are "
                f"{options}{extra}"
            )
    found = _NOT_OVERRIDDEN.search(text)
    cause = str(exc.__cause__ or "")
    if found and "No match in the defaults list" in text:  # simulate optimizer=tpe
        group = found.group(1)
        keys = _section_keys(command, args, configs, group, "") or []
        users = [c for c in COMMANDS if c != command and group in _config_groups(configs, c)]
        # another command's group is no misspelling of one of this command's keys ("calibrate
        # has no 'process' options (did you mean 'progress'?)")
        hint = "" if users else did_you_mean(group, keys)
        return (
            f"{group}: {command} has no '{group}' options{hint}"
            + (
                f" (only {' and '.join(users)} {'has' if len(users) == 1 else 'have'} them)"
                if users
                else ""
            )
            + f"; the keys of {command}'s config are {keys}"
        )
    if "Cannot merge DictConfig with ListConfig" in cause:
        return _mapping_for_a_list(exc, args)
    if found and "not in struct" in text + cause:
        key = found.group(1)
        # a mapping given whole (`optimizer.sampler={seeed: 3}`): the key inside it is unknown
        full = str(getattr(exc.__cause__, "full_key", "") or "")
        shown = full if full.startswith(f"{key}.") else key
        section, _, name = shown.rpartition(".")
        valid = _section_keys(command, args, configs, key, section)
        if valid is None and section:  # a misspelt section (scenaro.replications): name it
            parts = section.split(".")
            for i in range(len(parts)):
                outer = ".".join(parts[:i])
                keys = _section_keys(command, args, configs, key, outer)
                if keys is not None and parts[i] not in keys:
                    where = (
                        f"section '{outer}'" if outer else f"the top level of {command}'s config"
                    )
                    if outer == "process" and set(keys) <= {"path", "params", "dropoff", "pool"}:
                        return (  # a model file's keys are not in the config until it is read
                            f"{shown}: a model read from a file (process.path) takes changes "
                            f"with a leading '+': +{shown}=..."
                        )
                    return (
                        f"{shown}: unknown section '{parts[i]}' in {where}"
                        f"{did_you_mean(parts[i], keys)}; the keys there are {keys}"
                    )
        where = f"section '{section}'" if section else f"the top level of {command}'s config"
        gone = _deleted_by(shown, args) if name in (valid or ()) else None
        if gone is not None:
            # a known key the same command deleted, or its section (QA: "did you mean" itself)
            what = "deleted" if gone.partition("=")[0] == f"~{shown}" else "its section was deleted"
            return (
                f"{shown}: {what} in the same command ({gone}); drop {gone} to set it, or "
                f"drop {shown}"
            )
        if section == "process" and name in ("params", "dropoff", "pool"):
            # keys of a BPMN file only (configs/process/_from_file.yaml), not of a bundled model
            return f"{shown}: only used with a BPMN process (process=model.bpmn)"
        listed = f"; the keys of {where} are {valid}" if valid is not None else ""
        hint = did_you_mean(name, [k for k in valid or () if k != name])  # never itself
        return f"{shown}: unknown key '{name}' in {where}{hint}{listed}"
    if hydra_key := _unknown_hydra_key(exc, text + cause):
        return hydra_key
    first = text.splitlines()[0] if text else type(exc).__name__
    return f"{first} {cause}".strip() if cause and cause not in text else text


def _deleted_by(key: str, args: list[str]) -> str | None:
    """The override of ``args`` that deletes ``key`` or a section around it (``~scenario``,
    ``~scenario=default``, ``~scenario.horizon_days``), as given; None if none does."""
    for a in args:
        name = a.partition("=")[0]
        if name.startswith("~") and (key == name[1:] or key.startswith(f"{name[1:]}.")):
            return a
    return None


def _unknown_hydra_key(exc: BaseException, text: str) -> str | None:
    """A misspelt key of Hydra's own settings (``hydra.run.dri``): named with its section's
    keys and the nearest (OmegaConf only says "Key 'dri' not in 'RunDir'")."""
    found = re.search(r"Key '([^']+)' not in '\w+'", text)
    full = str(getattr(exc, "full_key", "") or getattr(exc.__cause__, "full_key", "") or "")
    if not found or not full.startswith("hydra."):
        return None
    from hydra.conf import HydraConf
    from omegaconf import DictConfig, OmegaConf

    section, _, name = full.rpartition(".")
    inner = section.removeprefix("hydra").lstrip(".")
    conf = OmegaConf.structured(HydraConf)
    node = OmegaConf.select(conf, inner) if inner else conf
    if not isinstance(node, DictConfig):
        return None
    keys = sorted(str(k) for k in node.keys())
    return (
        f"{full}: unknown key '{name}' in section '{section}'{did_you_mean(name, keys)}; "
        f"the keys there are {keys}"
    )


def _config_groups(configs: Path, command: str) -> set[str]:
    """The config groups in the defaults list of ``command``'s primary config."""
    from sim.model.safe_files import load_yaml

    try:
        path = configs / f"{command}.yaml"
        spec = load_yaml(path.read_text(encoding="utf-8"), str(path))
    except Exception:  # noqa: BLE001 - a hint only: no groups
        return set()
    defaults = spec.get("defaults") if isinstance(spec, dict) else None
    return {
        str(k).split("@")[0].lstrip("/") for d in defaults or [] if isinstance(d, dict) for k in d
    }


def _mapping_for_a_list(exc: BaseException, args: list[str]) -> str:
    """What OmegaConf's "Cannot merge DictConfig with ListConfig" means: a mapping was given
    for a key whose value is a list (the example puts the mapping typed in brackets), or a list
    for a key whose value is a mapping (OmegaConf's ``object_type`` tells which)."""
    from sim.model.scenario import STAFFING_EXAMPLES

    key = str(getattr(exc.__cause__, "full_key", "") or "") or "a key"
    typed = _override(args, key) if key != "a key" else None
    if getattr(exc.__cause__, "object_type", None) is dict:
        example = (
            STAFFING_EXAMPLES if key == "scenario.staffing" else f"e.g. '{key}={{name: value}}'"
        )
        return (
            f"{key}: expected a mapping, got a list{f' ({typed})' if typed else ''}; "
            f"give a mapping in braces, {example}"
        )
    example = f"[{typed}]" if typed else "[{...}, {...}]"
    return (
        f"{key}: expected a list, got a mapping{f' ({typed})' if typed else ''}; "
        f"give a list in brackets, e.g. '{key}={example}'"
    )


def _section_keys(
    command: str, args: list[str], configs: Path, bad: str, section: str
) -> list[str] | None:
    """The keys of ``section`` ('' for the top level) in the command's config composed with the
    overrides but ``bad`` and deletions (``~scenario=default``: the keys it may have, which
    ``_deleted_by`` then names as deleted), with none if those fail too; None if it cannot be
    composed."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import DictConfig, OmegaConf

    kept = [
        a
        for a in args
        if not a.startswith(("-", "~"))
        and "=" in a
        and a.partition("=")[0].lstrip("+~") != bad
        and not a.lstrip("+~").startswith("hydra.")
    ]
    for overrides in (kept, []):
        GlobalHydra.instance().clear()
        try:
            with initialize_config_dir(config_dir=str(configs), version_base="1.3"):
                cfg = compose(config_name=command, overrides=overrides)
        except Exception:  # noqa: BLE001 - e.g. a sweep value: try without overrides
            continue
        node = OmegaConf.select(cfg, section) if section else cfg
        return sorted(str(k) for k in node) if isinstance(node, DictConfig) else None
    return None


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m sim`` and the ``sim`` script: the command ``argv`` names
    (``sys.argv[1:]`` when None), a stop before its run handles one itself said in one line
    (``_stop_before_any_run``)."""
    from sim.cli.closed_output import keep_running_if_output_closed

    keep_running_if_output_closed()  # the results go to files: a closed pipe stops nothing
    _headless_matplotlib()
    with _stop_before_any_run():
        _command(argv)


def _headless_matplotlib() -> None:
    """The command line draws every figure on Agg canvases and opens no window, so the user's
    ``MPLBACKEND`` (a notebook's, or one not installed here) is of no use to its processes; an
    unusable one stopped compare, report and export with a traceback at ``import matplotlib``
    and left compare's run record "running" (QA retest23b #8). Set before matplotlib is
    imported; a library caller's own backend is left alone."""
    if os.environ.get("MPLBACKEND", "agg").lower() != "agg":
        os.environ["MPLBACKEND"] = "agg"


def _command(argv: list[str] | None) -> None:
    """The command ``argv`` names: the checks before Hydra, then its Hydra app (``_launch``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    from sim.cli import common

    common.TYPED_ARGV[:] = args
    if argv is None:
        common.TYPED_PROGRAM[:] = common.typed_program(sys.argv[0])
    common.share_typed_command()
    if args and args[0] in ("-h", "--help", "help"):
        print(usage())
        return
    command = "simulate"
    if args and "=" not in args[0] and not args[0].startswith("-"):
        command = args.pop(0)
    if command not in COMMANDS:
        from sim.errors import did_you_mean

        hint = did_you_mean(command, COMMANDS)
        print(f"error: unknown command '{redact(command)}'{hint}\n\n{usage()}", file=sys.stderr)
        sys.exit(2)
    if "--version" in args:  # Hydra's own would say only "Hydra 1.3.8"
        print(version_text())
        return
    given = Path(os.environ.get("SIM_CONFIG_DIR") or "").expanduser().absolute()
    if os.environ.get("SIM_CONFIG_DIR") and given.is_dir():
        # read from where the command was typed, also by a job that hydra.job.chdir moved and
        # by a parallel launcher's job processes, which inherit the environment
        os.environ["SIM_CONFIG_DIR"] = str(given)
    multirun = bool({"-m", "--multirun"} & set(args))
    if multirun:  # first: Hydra's parser reads no override typed before it (QA2 2026-12-05)
        args = ["--multirun", *(a for a in args if a not in ("-m", "--multirun"))]
    locked: Path | None = None
    try:
        with _refusals_exit_2():
            check_hydra_flags(args)
            args = config_path_made_absolute(args)
            configs = primary_config_dir(args)
            check_deleted_and_set(args, _primary_groups(args, configs, command))
            args = rewrite_process_override(args, configs, command)
            args = check_experiment(command, args, configs)
            _check_shell_completion(args)
            check_folder_names(args, multirun=multirun)
            if not multirun and _override(args, "hydra.sweep.dir"):
                print(
                    "note: hydra.sweep.dir names where a --multirun sweep writes; this single "
                    "run writes into hydra.run.dir"
                    + (
                        ""
                        if _override(args, "hydra.run.dir")
                        else f" ({_run_dir_pattern(command, configs)})"
                    ),
                    file=sys.stderr,
                )
            locked = lock_given_dir(command, args, multirun=multirun)
            _check_before_hydra(command, args, multirun=multirun)
            if not multirun:
                run_root = _override(args, "hydra.run.dir") or _run_dir_pattern(command, configs)
                common.note_run_root(run_root)
        _launch(command, args, configs, multirun=multirun)
    finally:
        if locked is not None:
            from sim.cli.common import restore_sweep_dir
            from sim.cli.runlock import unlock_run_dir

            if multirun:  # the folders of jobs refused there: as the earlier sweep left them
                restore_sweep_dir(locked)
            unlock_run_dir(locked)


@contextmanager
def _refusals_exit_2() -> Iterator[None]:
    """A ``SimError`` (a refusal before Hydra starts) printed as ``error: ...``, exit status 2."""
    try:
        yield
    except SimError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        sys.exit(2)


@contextmanager
def _nothing_written_on_a_stop() -> Iterator[None]:
    """Ctrl-C or SIGTERM (``RunTerminated``) before Hydra starts the app (importing the tool's
    modules, reading the configs, the checks before it, importing Hydra; the first seconds of a
    command): exit status 130 (143) with one line (``_say_nothing_written``)."""
    try:
        yield
    except KeyboardInterrupt as exc:
        _say_nothing_written(exc)


def _say_nothing_written(stop: KeyboardInterrupt) -> NoReturn:
    """Exit status 130 (143 for SIGTERM, ``RunTerminated``) with one line saying that ``stop``
    came before any run started, not a traceback through whatever import it landed in (QA).
    Nothing was written by then: the lock of a directory named on the command line goes when
    ``main`` ends, with the directory when the lock made it, and an earlier run's files there
    were only read."""
    terminated = isinstance(stop, RunTerminated)
    stopped = "terminated (SIGTERM)" if terminated else "interrupted"
    print(f"\n{stopped} before any run started; nothing was written", file=sys.stderr)
    sys.exit(143 if terminated else 130)


@contextmanager
def _stop_before_any_run() -> Iterator[None]:
    """From a command's start until its run handles a stop itself (``install_signal_handlers``,
    as ``_launch`` starts Hydra's app): Ctrl-C or SIGTERM ends the command in one line
    (``_say_nothing_written``), wherever it lands; it printed a traceback through the import it
    landed in, and SIGTERM's default action ended the command without a word (QA signals20).

    Until the run's handlers replace it, SIGTERM raises ``RunTerminated`` in this process; a
    process forked meanwhile ends on it at once, as by default (a replication worker is forked
    later and inherits the run's handlers: ``_in_a_worker``). When the command ends before
    (``--help``, a refusal), SIGTERM's handler is put back as it was."""
    import signal

    owner = os.getpid()

    def terminated(signum: int, frame: object) -> None:
        if os.getpid() != owner:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise RunTerminated

    previous = signal.signal(signal.SIGTERM, terminated)

    def put_back() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)

    try:
        yield
    except KeyboardInterrupt as exc:
        if signal.getsignal(signal.SIGTERM) is not terminated:  # the run said what stopped it
            raise
        put_back()  # a second SIGTERM as it says so ends it as by default
        _say_nothing_written(exc)
    finally:
        if signal.getsignal(signal.SIGTERM) is terminated:  # no run took over
            put_back()


def _check_shell_completion(args: list[str]) -> None:
    """``SimError`` for ``--shell-completion`` without what Hydra needs (it raised a traceback):
    ``install=SHELL`` or ``uninstall=SHELL``; ``query=SHELL`` only from the shell (``COMP_LINE``)."""
    if not _shell_completion(args):
        return
    given = [a for a in args if a.startswith(("install=", "uninstall=", "query="))]
    if len(given) != 1:
        raise SimError(
            "--shell-completion: give one of install=SHELL, uninstall=SHELL (SHELL: bash, zsh "
            'or fish), e.g. eval "$(python -m sim simulate -sc install=bash)"'
        )
    if given[0].startswith("query=") and "COMP_LINE" not in os.environ:
        raise SimError("--shell-completion query=...: run by the shell's completion, not by hand")


# Hydra's flags that say what it does, of which one only may be given (long, short, choices
# the short one takes stuck to it: -cjob)
_RUN_MODE_FLAGS = (
    ("--run", "-r", ()),
    ("--multirun", "-m", ()),
    ("--cfg", "-c", ("job", "hydra", "all")),
    ("--info", "-i", ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath")),
    ("--shell-completion", "-sc", ()),
)


def _flag_given(args: list[str], long: str, short: str, choices: tuple[str, ...] = ()) -> bool:
    """Whether Hydra's flag ``long``/``short`` is in ``args`` (``--cfg``, ``-c``, ``--cfg=job``,
    ``-cjob``; not ``-cp``, another flag)."""
    return any(
        a in (long, short)
        or a.startswith((f"{long}=", f"{short}="))
        or any(a == short + c for c in choices)
        for a in args
    )


def check_hydra_flags(args: list[str]) -> None:
    """``SimError`` for Hydra's flags that cannot go together, before Hydra raised a
    ``ValueError`` traceback (exit status 1): more than one of ``--run``, ``--multirun``,
    ``--cfg``, ``--info``, ``--shell-completion``; ``--resolve`` without ``--cfg`` or
    ``--help``."""
    given = [
        long for long, short, kinds in _RUN_MODE_FLAGS if _flag_given(args, long, short, kinds)
    ]
    if len(given) > 1:
        printing = [f for f in given if f in ("--cfg", "--info")]
        others = [f for f in given if f not in printing]
        hint = (
            f"; {printing[0]} prints what one run would be and runs nothing: give it without "
            f"{' and '.join(others)}"
            if len(printing) == 1 and others
            else ""
        )
        raise SimError(
            f"{' and '.join(given)}: give only one of --run, --multirun, --cfg, --info and "
            f"--shell-completion{hint}"
        )
    if _flag_given(args, "--resolve", "--resolve") and not (
        _flag_given(args, "--cfg", "-c", _RUN_MODE_FLAGS[2][2]) or set(_HELP_FLAGS) & set(args)
    ):
        raise SimError(
            "--resolve: only with --cfg or --help, whose config it prints resolved "
            "(e.g. --cfg job --resolve)"
        )


def check_folder_names(args: list[str], *, multirun: bool) -> None:
    """``SimError`` when the run's folder typed on the command line (``hydra.run.dir``, or
    ``hydra.sweep.dir`` for a ``--multirun``) has a name too long for the file system
    (``sim.cli.sweep.folder_name_refusal``), before anything looks into it: every check after this one
    failed on it with a traceback ("File name too long"). One named by interpolations is checked
    when Hydra has resolved it (``sim.cli.sweep.SweepJobs``: a single run's folder, each job's)."""
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    given = _override(args, key)
    if not given:
        return
    from sim.cli.sweep import folder_name_refusal

    nothing = "no job was run" if multirun else "nothing was run"
    refused = folder_name_refusal(key, Path(given).expanduser(), nothing)
    if refused is not None:
        raise SimError(refused)


def lock_given_dir(command: str, args: list[str], *, multirun: bool) -> Path | None:
    """Lock the directory the run writes into when the command line names it (``hydra.run.dir``,
    or ``hydra.sweep.dir`` for a ``--multirun``), before it is checked and before Hydra writes
    into it: of two runs started into one directory, the second is refused here, having written
    nothing. Returns the directory (to unlock, ``sim.cli.runlock.unlock_run_dir``, when the run
    ends), else None; a sweep directory's earlier job folders are snapshotted
    (``sim.cli.common.snapshot_sweep_dir``) to be put back when the sweep ends."""
    if command == "report":  # writes no .hydra/ and no record: rebuilds a finished run's report
        return None
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    given = _override(args, key)
    if not given or "${" in given:  # an interpolation: the job locks its folder itself
        return None
    from sim.cli import common
    from sim.cli.runlock import lock_run_dir

    target = Path(given).expanduser().absolute()  # unlocked after hydra.job.chdir moved cwd
    if multirun:
        _refuse_links_in_job_folders(target)
    lock_run_dir(target, command=command, argv=common.TYPED_ARGV, key=key)
    if multirun:
        from sim.cli.common import snapshot_sweep_dir

        snapshot_sweep_dir(target)
    return target


def _refuse_links_in_job_folders(sweep_dir: Path) -> None:
    """``ConfigError`` when a folder in ``sweep_dir`` (an earlier sweep's job folder, which
    Hydra writes into again) is a symbolic link or holds one where a run writes
    (``sim.cli.runlock.refuse_links``): checked before Hydra writes anything."""
    from sim.cli.runlock import link_refusal, refuse_links

    if not sweep_dir.is_dir():
        return
    for folder in sorted(sweep_dir.iterdir()):
        if folder.is_symlink() and folder.is_dir():
            raise ConfigError(link_refusal(folder, sweep_dir, "hydra.sweep.dir"))
        if folder.is_dir():
            refuse_links(folder, "hydra.sweep.dir")


def _check_before_hydra(command: str, args: list[str], *, multirun: bool) -> None:
    """What refuses a run before Hydra writes into its directory (``SimError``): ``report``'s
    run, a directory holding another run or files, ``compare`` writing into a run it reads;
    and the snapshot of an earlier run there that a later refusal puts back."""
    if command == "report" and not prints_config(args):  # --help, --cfg: no directory needed
        # Hydra would create the directory before we could check it
        target = _override(args, "run")
        if target is None:
            raise SimError(
                "run: give the run directory to rebuild, e.g. run=outputs/simulate/<date>"
            )
        if not Path(target).expanduser().is_dir():
            raise SimError(f"run={target}: no such run directory")
        held = {q.name for q in Path(target).expanduser().iterdir()}
        if not held & RUN_FILES:
            raise SimError(
                f"run={target}: not a run directory (none of {sorted(RUN_FILES)} in it); "
                "give the directory a simulate, calibrate, optimize or compare run wrote"
            )
    run_dir = _override(args, "hydra.run.dir")
    overwrite = (_override(args, "output.overwrite") or "").lower() == "true"
    if command == "optimize" and run_dir:
        from sim.cli.common import guard_resumable_dir

        # before Hydra writes .hydra/ into it: another command's results stay untouched
        guard_resumable_dir(Path(run_dir).expanduser(), "optimize", claim=False)
    if command == "compare" and run_dir:
        _refuse_writing_into_a_compared_run(args, Path(run_dir).expanduser())
    sweep_dir = _override(args, "hydra.sweep.dir")
    if command in ("simulate", "calibrate") and multirun and sweep_dir and not overwrite:
        from sim.cli.common import guard_run_dir
        from sim.cli.sweep import earlier_sweep

        # a sweep's jobs write into numbered folders of it: refuse one holding files before
        # Hydra rewrites their .hydra/ (an optimize sweep resumes its jobs' studies); an earlier
        # launch of a sweep is resumed when it is this sweep, else refused before any job runs
        # (sim.cli.sweep.SweepJobs, which compares the overrides Hydra parsed)
        if not earlier_sweep(Path(sweep_dir).expanduser()):
            guard_run_dir(
                Path(sweep_dir).expanduser(),
                (),
                overwrite=False,
                claim=False,
                key="hydra.sweep.dir",
            )
    if command in ("simulate", "calibrate", "export", "compare") and run_dir and overwrite:
        from sim.cli.overwrite import earlier_results

        # before Hydra writes .hydra/ into it: an optimize run is refused, not replaced
        earlier_results(Path(run_dir).expanduser())
    if command in ("simulate", "calibrate", "export", "compare") and run_dir and not overwrite:
        from sim.cli.common import guard_run_dir

        results = {
            "simulate": ("kpis.json", "replications.csv"),
            "calibrate": ("model.yaml", "backtest.json"),
            "compare": ("comparison.csv", "scenarios.json"),
        }.get(command, ())
        # before Hydra writes .hydra/ into it: a refused run leaves the results untouched
        taken_over = command if command in ("simulate", "calibrate") else None  # when stopped
        guard_run_dir(
            Path(run_dir).expanduser(), results, overwrite=False, claim=False, command=taken_over
        )
    if run_dir and not multirun:
        from sim.cli.common import snapshot_run_dir

        # an earlier run's files Hydra (or a check) rewrites before a refusal: put back then
        snapshot_run_dir(Path(run_dir).expanduser())


class ForeignCallback(ConfigError):
    """A Hydra callback in the composed config that is not one of this tool's: refused before
    Hydra makes it (``refuse_foreign_callbacks``)."""


def refuse_foreign_callbacks(config: Any) -> None:
    """``ForeignCallback`` naming the key and target of a ``hydra.callbacks`` entry that is not
    a Hydra ``Callback`` class of this tool (``sim.*``), or that has a ``_target_`` inside it.

    Hydra makes every entry (``hydra.utils.instantiate``): any callable a config file names,
    with the arguments it gives. A study's or a colleague's config (``experiment=``,
    ``--config-dir``, ``+hydra/callbacks=...``) could so run ``builtins.open`` with
    ``mode: w`` and truncate any file the user can write (QA 2026-12-05)."""
    from omegaconf import DictConfig, OmegaConf

    callbacks = OmegaConf.select(config, "hydra.callbacks")
    if not callbacks:
        return
    for name in callbacks:
        key = f"hydra.callbacks.{name}"
        node = callbacks[name]
        if node is None:  # turned off (hydra.callbacks.compare_sweep=null): Hydra makes nothing
            continue
        target = node.get("_target_") if isinstance(node, DictConfig) else None
        if not _sim_callback(target):
            raise ForeignCallback(
                f"{key}._target_={target!r}: not a callback of this tool; only its own Hydra "
                "callbacks (sim.cli.sweep.SweepJobs, sim.cli.compare.CompareSweep) run, as "
                "Hydra would call any function a config file names; nothing was run or "
                f"written: remove {key} from the config (or the +hydra/callbacks override)"
            )
        inner = OmegaConf.to_container(node, resolve=False)
        nested = sorted(_targets_in({k: v for k, v in inner.items() if k != "_target_"}, key))
        if nested:
            raise ForeignCallback(
                f"{nested[0]}: a _target_ inside the callback {target}, which Hydra would "
                "make too (any function a config file names); nothing was run or written: "
                "remove it from the config"
            )


def _sim_callback(target: object) -> bool:
    """Whether ``target`` names a Hydra ``Callback`` class defined in this tool (``sim.*``)."""
    if not isinstance(target, str) or not target.startswith("sim."):
        return False
    import importlib

    from hydra.experimental.callback import Callback

    module, _, name = target.rpartition(".")
    try:  # imports modules of this tool only: the name starts with sim.
        found = getattr(importlib.import_module(module), name, None)
    except Exception:  # noqa: BLE001 - no such module, or one failing: no callback of the tool
        # a stop landing in the import (Ctrl-C, SIGTERM) is no Exception: it stops the command
        # (pydoc.locate wrapped it in ErrorDuringImport, read as a foreign callback: QA)
        return False
    return (
        isinstance(found, type)
        and issubclass(found, Callback)
        and found.__module__.startswith("sim.")
    )


def _targets_in(tree: Any, key: str) -> Iterator[str]:
    """The keys of every ``_target_`` in ``tree`` (a plain container), dotted from ``key``."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            if k == "_target_":
                yield f"{key}._target_"
            else:
                yield from _targets_in(v, f"{key}.{k}")
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _targets_in(v, f"{key}[{i}]")


#: What a logging config (``hydra.job_logging``, ``hydra.hydra_logging``) may make: Python's
#: logging calls any class or factory it names, with the arguments it gives (a ``FileHandler``
#: with ``mode: w`` truncates any file the user can write).
LOG_HANDLERS = frozenset({"logging.StreamHandler", "logging.FileHandler", "logging.NullHandler"})
LOG_FACTORIES = frozenset({"sim.cli.common.RedactingFilter"})
LOG_STREAMS = frozenset({"ext://sys.stdout", "ext://sys.stderr"})
#: A log file's name must lie in the run's own directory, as Hydra's default names it.
LOG_FILE_PREFIX = "${hydra.runtime.output_dir}/"


def refuse_foreign_logging(conf: Any, key: str) -> None:
    """``ForeignCallback`` naming the key of a logging config (``key``: ``hydra.job_logging``
    or ``hydra.hydra_logging``) that makes anything but a stream handler to the console, a
    file handler writing in the run's own directory, or this tool's own filter."""
    from omegaconf import DictConfig, OmegaConf

    if not isinstance(conf, DictConfig):
        return
    tree = OmegaConf.to_container(conf, resolve=False)

    def refuse(where: str, what: str) -> None:
        raise ForeignCallback(
            f"{where}: {what}; a logging config may only log to the console and to a file in "
            "the run's own directory, as Python's logging would make whatever it names; nothing "
            f"was run or written: remove it from the config (or the override of {key})"
        )

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "()" and v not in LOG_FACTORIES:
                    refuse(f"{where}.()", f"{v!r} is not this tool's own filter")
                walk(v, f"{where}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{where}[{i}]")

    walk(tree, key)
    for name, handler in ((tree or {}).get("handlers") or {}).items():
        where = f"{key}.handlers.{name}"
        if not isinstance(handler, dict):
            continue
        cls = handler.get("class")
        if cls not in LOG_HANDLERS:
            refuse(f"{where}.class", f"{cls!r} is not a console or file handler")
        stream = handler.get("stream")
        if stream is not None and stream not in LOG_STREAMS:
            refuse(f"{where}.stream", f"{stream!r} is not the console (ext://sys.stdout/stderr)")
        if cls == "logging.FileHandler":
            file = str(handler.get("filename", ""))
            if not file.startswith(LOG_FILE_PREFIX) or ".." in file:
                refuse(
                    f"{where}.filename",
                    f"{file!r} is not a file in the run's own directory "
                    f"({LOG_FILE_PREFIX}<name>.log)",
                )


def refuse_launcher_config(config: Any) -> None:
    """``SweepRefused`` (exit status 2, the error printed) for a ``--multirun`` whose launcher's
    config cannot run its jobs (``sim.cli.launcher_workers.launcher_refusal``), before any is
    launched: every command, ``compare`` and ``export`` too, which have no ``SweepJobs``
    callback to check it (QA hydra25 F8)."""
    from hydra.types import RunMode

    from sim.cli.launcher_workers import launcher_refusal
    from sim.cli.sweep import SweepRefused

    if config.hydra.get("mode") != RunMode.MULTIRUN:  # a single run launches no jobs
        return
    refused = launcher_refusal(config)
    if refused is not None:
        print(f"error: {refused}", file=sys.stderr)
        raise SweepRefused(refused)


def _check_callbacks_before_hydra_makes_them() -> None:
    """Have Hydra check the composed config's callbacks (``refuse_foreign_callbacks``) before
    it makes them. Hydra makes them in ``Hydra.run``/``Hydra.multirun`` right after composing
    the config, before the run directory, the task or any launcher job: no public hook comes
    earlier with the composed config (a pre-check composing it again would have to repeat
    Hydra's search path, experiment, sweep and override handling). So the ``Callbacks`` class
    that module uses is wrapped; a Hydra without it fails here, never runs unchecked."""
    import hydra._internal.hydra as runner

    made = runner.Callbacks
    if getattr(made, "checked_by_sim", False):
        return

    class CheckedCallbacks(made):  # type: ignore[misc, valid-type]
        checked_by_sim = True

        def __init__(self, config: Any = None) -> None:
            if config is not None:
                refuse_foreign_callbacks(config)
                # the job's logging is set up later, in each job: checked here, before any
                refuse_foreign_logging(config.hydra.get("job_logging"), "hydra.job_logging")
                refuse_launcher_config(config)
            super().__init__(config)

    runner.Callbacks = CheckedCallbacks
    configure = runner.configure_log  # Hydra's own log, set up as soon as it composes

    def checked_configure_log(conf: Any, verbose: Any = None) -> None:
        refuse_foreign_logging(conf, "hydra.hydra_logging")
        configure(conf, verbose)

    runner.configure_log = checked_configure_log


def _launch(command: str, args: list[str], configs: Path, *, multirun: bool) -> None:
    """Run the command's Hydra app; exit status 130 on Ctrl-C, 143 on SIGTERM during a sweep,
    2 when jobs of a sweep failed."""
    with _nothing_written_on_a_stop():
        import hydra

        from sim.cli.sweep import SweepRefused

        sys.argv = [f"python -m sim {command}", *args]
        _check_callbacks_before_hydra_makes_them()
        app = hydra.main(config_path=str(configs), config_name=command, version_base="1.3")(
            _task(command)
        )
    try:  # from here on a stop is this run's (main's _stop_before_any_run: until the handlers)
        install_signal_handlers(multirun=multirun)
        _run_app(app, command, args, configs)
    # a launcher running jobs in other processes (joblib) lands here, and Hydra before its jobs
    except KeyboardInterrupt as exc:  # RunTerminated too: a single run's SIGTERM at start-up
        terminated = isinstance(exc, RunTerminated)
        stopped = "terminated (SIGTERM)" if terminated else "interrupted"
        said = _stopped_sweep_text(command, args, stopped, multirun=multirun, exc=exc)
        print(f"\n{said}", file=sys.stderr)
        sys.exit(143 if terminated else 130)
    except SweepTerminated as exc:
        stopped = "terminated (SIGTERM)"
        said = _stopped_sweep_text(command, args, stopped, multirun=multirun, exc=exc)
        print(f"\n{said}", file=sys.stderr)
        sys.exit(143)
    except SweepRefused:  # two jobs into one folder: refused before any ran, the error above
        sys.exit(2)
    except ForeignCallback as exc:  # before Hydra made anything: nothing was run or written
        print(f"error: config: {redact(str(exc))}", file=sys.stderr)
        sys.exit(2)
    from sim.cli.sweep import FAILED_JOBS

    if FAILED_JOBS:  # a --multirun ran on past its failed jobs; the note named them
        sys.exit(2)
