"""What a run directory's records say its run wrote (``run.json``, the resolved ``config.yaml``):
which results each command writes, which only with a key of its config on, and which report
files its report builds listed. ``sim.cli.overwrite`` removes what they say is the run's;
``sim.report.html`` reads only those (a user's file beside them is not the run's)."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import yaml

RECORD = "run.json"
#: what every command writes: its record
COMMON = (RECORD, "config.yaml")
#: the report's files (``sim.report.html``: ``REPORT_NAME``, ``FIGURES_DIR``/``FIGURE_FILES``)
REPORT_PAGE = "report.html"
REPORT_FIGURES = "report/[0-9][0-9]_*.png"
REPORT_PATTERNS = (REPORT_PAGE, REPORT_FIGURES)
#: the key of ``run.json`` listing the report's files its report builds wrote: by name
#: (``report/01_map.png``); a record from before names its figures by ``REPORT_FIGURES``
REPORT_FILES = "report_files"
#: calibrate's back-test logs (``BacktestResult.event_logs``), numbered 1 to its replications
TRACE_FILES = "trace_[0-9]*.csv.gz"
BASELINE_FILES = "baseline_[0-9]*.csv.gz"
#: the files of a numbered pattern: the name of the k-th, and the config key saying how many
#: (1..n): a ``trace_0.csv.gz`` or ``trace_7.csv.gz`` beside a run of 2 is not its
NUMBERED: dict[str, tuple[str, str]] = {
    TRACE_FILES: ("trace_{}.csv.gz", "backtest.replications"),
    BASELINE_FILES: ("baseline_{}.csv.gz", "backtest.replications"),
}
#: every file each command may write (``SWITCHED``: only with some keys of its config on)
RESULT_FILES: dict[str, tuple[str, ...]] = {
    "simulate": (
        "kpis.json",
        "replications.csv",
        "model.yaml",
        "trace.csv.gz",
        "trace.parquet",
        "cycle_times.csv.gz",
        *REPORT_PATTERNS,
    ),
    "calibrate": (
        "model.yaml",
        "fits.csv",
        "cleaning.json",
        "calibration.json",
        "instances.csv.gz",
        "backtest.json",
        "history.csv.gz",
        "cycle_times.csv.gz",
        TRACE_FILES,
        BASELINE_FILES,
        *REPORT_PATTERNS,
    ),
    "compare": ("comparison.csv", "comparison.md", "scenarios.json", *REPORT_PATTERNS),
    # ``sim.cli.optimize`` (redesign.yaml; study.db with ``optimizer.storage=null``) and
    # ``sim.optimize.pipeline`` (``best/``: ``sim.optimize.outputs.TODAY_FILE`` and one model a
    # rank): named here, as this layer may not import them (QA rt28_files F1)
    "optimize": (
        "redesign.yaml",
        "study.db",
        "trials.csv",
        "pareto.csv",
        "best/today.yaml",
        "best/[0-9]*.yaml",
        "recommendations.md",
        "confirmation.json",
        *REPORT_PATTERNS,
    ),
    "export": (),  # the exported files are named in its record (``path``); it writes no report
}
REPORT = {"output.report": True}
FIGURES = {"output.report": True, "output.figures": True}
BACKTEST = {"backtest.enabled": True}
BACKTEST_TRACES = {"backtest.enabled": True, "backtest.write_traces": True}
#: a file no key of the config says the command writes: only its record's ``report_files`` does
#: (compare rebuilds report/'s numbered figures only where some are there: ``REWRITES``)
BY_RECORD: Mapping[str, object] = {}
#: the results a command writes only with these keys of its ``config.yaml`` at these values
SWITCHED: dict[str, dict[str, Mapping[str, object]]] = {
    "simulate": {
        "trace.csv.gz": {"output.trace": True, "output.trace_format": "csv.gz"},
        "trace.parquet": {"output.trace": True, "output.trace_format": "parquet"},
        REPORT_PAGE: REPORT,
        REPORT_FIGURES: FIGURES,
    },
    "calibrate": {
        "backtest.json": BACKTEST,
        "history.csv.gz": BACKTEST,
        "cycle_times.csv.gz": BACKTEST,
        TRACE_FILES: BACKTEST_TRACES,
        BASELINE_FILES: BACKTEST_TRACES,
        REPORT_PAGE: REPORT,
        REPORT_FIGURES: FIGURES,
    },
    "compare": {REPORT_PAGE: REPORT, REPORT_FIGURES: BY_RECORD},
    "optimize": {REPORT_PAGE: REPORT, REPORT_FIGURES: FIGURES},
}
#: what a run about to write replaces besides ``SWITCHED``'s: compare's report rebuilds every
#: numbered figure in report/ where it finds some (``sim.cli.compare``: none left stale)
REWRITES: dict[str, dict[str, Mapping[str, object]]] = {"compare": {REPORT_FIGURES: REPORT}}
#: said of the files removed where the record does not say which of them its run wrote


def run_wrote(run_dir: str | Path, name: str) -> bool | None:
    """Whether the run whose record is in ``run_dir`` wrote its file ``name`` (a path in it,
    ``trace.csv.gz``, ``report/01_map.png``), as its records say: True; False where they say it
    did not (a key of ``SWITCHED`` off, a report file its ``report_files`` does not list, a
    back-test log numbered beyond its ``backtest.replications``); None where they do not say
    (no readable ``run.json``, a command this table does not know, an older record, a file its
    command never writes: results copied in). A numbered report figure where no record names a
    command this table knows: False (``_unrecorded``)."""
    records = _records(Path(run_dir))
    if records is None:
        return _unrecorded(run_dir, name)
    command, record, config = records
    if command not in RESULT_FILES:
        return _unrecorded(run_dir, name)
    if command == "export":
        own = name in COMMON or name in {p.name for p in _exported_files(Path(run_dir), record)}
        return True if own else None
    return _wrote(command, name, config, record.get(REPORT_FILES))


SWEEP_RECORD = "multirun.yaml"
"""Hydra's record of a ``--multirun`` sweep in its folder, which has no ``run.json``: the
figures a report build writes there (``python -m sim report run=<sweep> figures=true``) have
no record to be listed in."""


def _unrecorded(run_dir: str | Path, name: str) -> bool | None:
    """``run_wrote`` for ``name`` in a directory whose records name no command this table
    knows (no readable ``run.json``, one without ``command``): a numbered report figure is not
    known to be the run's, so it is taken for someone else's (False): a build with figures
    would replace it, so it is kept or refused by name, never removed (QA rt28_files F1: a
    user's ``report/99_mine.png`` went); any other file None. In a sweep's folder
    (``SWEEP_RECORD``) a figure is not said either (None): the sweep's own report builds
    write them there with nowhere to record them, and a rebuild replaces them."""
    if Path(run_dir, SWEEP_RECORD).is_file():
        return None
    return False if fnmatchcase(name, REPORT_FIGURES) else None


def _wrote(
    command: str | None, name: str, config: Mapping[str, Any] | None, listed: object
) -> bool | None:
    """``run_wrote`` for a run of ``command`` with ``config`` and ``report_files`` ``listed``:
    of every pattern of its files that ``name`` matches (``_written_name``), True where one
    says so, False where all say not, else None."""
    patterns = _patterns(command)
    if patterns is None:
        return None
    said = {
        _written_name(command, p, name, config, listed) for p in patterns if fnmatchcase(name, p)
    }
    if True in said:
        return True
    return False if said == {False} else None


def _records(run_dir: Path) -> tuple[str | None, dict[str, Any], Mapping[str, Any] | None] | None:
    """The command, ``run.json`` and resolved ``config.yaml`` of the run in ``run_dir`` (None
    without a readable record; the config None without a readable one), read once per version
    of the two files (``sim.report.html`` asks for one file after another)."""

    def stamp(name: str) -> tuple[int, int] | None:
        try:
            st = (run_dir / name).stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    return _read_records(str(run_dir.absolute()), stamp(RECORD), stamp("config.yaml"))


@functools.lru_cache(maxsize=8)
def _read_records(
    run_dir: str, record_stamp: object, config_stamp: object
) -> tuple[str | None, dict[str, Any], Mapping[str, Any] | None] | None:
    """``_records`` for one version (``*_stamp``: modified time and size) of the two files."""
    try:
        record = json.loads((Path(run_dir) / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    command = record.get("command")
    if command is not None and not isinstance(command, str):
        return None
    return command, record, _saved_config(Path(run_dir))


def _patterns(command: str | None) -> tuple[str, ...] | None:
    """The files a run of ``command`` may write (None for a command without its table); for the
    claim of a run that stopped before writing its record (command unknown), every command's."""
    if command is None:  # not optimize's: it writes its results after its record (and its
        # study is never removed by name)
        return COMMON + tuple(
            dict.fromkeys(p for c, ps in RESULT_FILES.items() if c != "optimize" for p in ps)
        )
    if command in RESULT_FILES:
        return COMMON + RESULT_FILES[command]
    return None


def _saved_config(run_dir: Path) -> Mapping[str, Any] | None:
    """The earlier run's resolved ``config.yaml`` in ``run_dir`` (written with its record, before
    its results; Hydra's ``.hydra/config.yaml`` is this run's by now), or None without a
    readable one."""
    try:
        config = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return None
    return config if isinstance(config, Mapping) else None


def _written(
    command: str | None, pattern: str, config: Mapping[str, Any] | None, listed: object
) -> bool | None:
    """Whether a run of ``command`` with ``config`` wrote files ``pattern`` names: True for
    one it writes always, False where a key of ``SWITCHED`` was off, None where its record does
    not say (no ``config.yaml``, a key it has not: an older run; a run of unknown command).
    The report's files: as ``listed`` (its record's ``report_files``) says, where it is a list
    (the pattern, or a file it names). Which of them: ``_written_name``."""
    if command is None:
        return None
    if pattern in REPORT_PATTERNS and isinstance(listed, list):
        return any(x == pattern or _listed_as(x, pattern) for x in listed)
    keys = SWITCHED.get(command, {}).get(pattern)
    if keys is None:
        return True
    if keys is BY_RECORD or config is None:
        return None
    return _switched_on(config, keys)


def _written_name(
    command: str | None,
    pattern: str,
    name: str,
    config: Mapping[str, Any] | None,
    listed: object,
) -> bool | None:
    """``_written`` for the file ``name`` that ``pattern`` names: a report's file only where
    ``listed`` names it (or the pattern, in a record from before names), a numbered back-test
    log only within its ``config``'s count (``NUMBERED``)."""
    said = _written(command, pattern, config, listed)
    if said is False or command is None:  # no command: a claim of a run that stopped early
        return said
    if pattern in REPORT_PATTERNS and isinstance(listed, list):
        return pattern in listed or name in listed
    names = _numbered(pattern, config)
    if names is not None and name not in names:
        return False
    return said


def _listed_as(listed: object, pattern: str) -> bool:
    """Whether ``listed`` (an entry of ``report_files``) is a file ``pattern`` names."""
    return isinstance(listed, str) and fnmatchcase(listed, pattern)


def _numbered(pattern: str, config: Mapping[str, Any] | None) -> set[str] | None:
    """The files of a numbered pattern (``NUMBERED``) a run with ``config`` writes; None for
    another pattern, or where its config does not say how many (an older run)."""
    if pattern not in NUMBERED or config is None:
        return None
    name, key = NUMBERED[pattern]
    n = _config_value(config, key)
    if type(n) is not int:  # a bool is no count; another type: not a config.yaml it wrote
        return None
    return {name.format(k) for k in range(1, n + 1)}


def _switched_on(config: Mapping[str, Any], keys: Mapping[str, object]) -> bool | None:
    """Whether ``config`` has every key of ``keys`` at its value; None where one of them is of
    another type than a run accepts (not a config.yaml it wrote) or missing (an older run)."""
    said = {key: _config_value(config, key) for key in keys}
    if any(type(said[key]) is not type(want) for key, want in keys.items()):
        return None
    return all(said[key] == want for key, want in keys.items())


def _writes(command: str, pattern: str, config: Mapping[str, Any], name: str | None = None) -> bool:
    """Whether this run (``command``, its ``config``) writes or replaces the files ``pattern``
    names (with ``name``, that one of them: a numbered back-test log within its count); where
    its config does not say, it may."""
    keys = (SWITCHED.get(command, {}) | REWRITES.get(command, {})).get(pattern)
    names = _numbered(pattern, config) if name is not None else None
    if names is not None and name not in names:
        return False
    if keys is None:
        return True
    if keys is BY_RECORD:
        return False
    return _switched_on(config, keys) is not False


def _config_value(config: Mapping[str, Any], key: str) -> object:
    """The value of the dotted ``key`` in ``config``; None where it has none."""
    value: object = config
    for part in key.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _exported_files(run_dir: Path, record: dict) -> set[Path]:
    """An export's files: the one its record names and, for BPMN, the Prosimos JSON and the
    list of losses beside it; only files directly in ``run_dir``."""
    path = record.get("path")
    if not isinstance(path, str):
        return set()
    exported = run_dir / Path(path).name
    names = [exported]
    if record.get("format") == "bpmn":
        names += [exported.with_suffix(".json"), exported.with_suffix(".export_losses.txt")]
    return {p for p in names if p.is_file() or p.is_symlink()}
