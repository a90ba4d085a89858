"""``output.overwrite=true``: the earlier run in the run directory is replaced, not mixed in.

A run writes only into a new or empty directory (``sim.cli.common.guard_run_dir``); with
``output.overwrite=true`` it may write into one that holds an earlier run. Writing over it file by
file would leave the earlier run's files that this run does not write (its fifth back-test trace,
a trace turned off since, a back-test disabled since) beside this run's record, which then
describes them wrongly. So the results the earlier run wrote are removed before this run writes
its first file, and after every check that can refuse this run (its config, its model, the
losses of an export with ``allow_loss=false``): a refused run leaves the earlier one as it was.

What is removed is recognised from the earlier run's record (``run.json``, which every command
writes first): the files its command writes, by name; a file its command writes only with a key on
(``SWITCHED``: ``output.trace``, ``output.figures``, ...) only where its resolved ``config.yaml``
had that key on, else it is a user's (QA hydra25: a ``trace.csv.gz`` of one's own beside a run
without a trace was removed). A record that does not say (an older run, an unreadable
``config.yaml``) removes it by name, as before, and the console names every file removed. A
directory without a run record was not written by this tool and nothing in it is removed; a
user's own files beside a run's results stay too. An ``optimize`` run is refused rather than
removed: its study is work a rerun resumes; so is a ``--multirun`` sweep's folder (its jobs and
comparison, which a rerun of the sweep resumes: QA hydra25 F6).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from sim.cli.common import HYDRA_OWN
from sim.cli.runlock import link_refusal, refuse_links
from sim.errors import ConfigError
from sim.model.whole_files import PARTIAL

RECORD = "run.json"
# what every command writes: its record and its report (the report's numbered PNG files only)
COMMON = (RECORD, "config.yaml", "report.html", "report/[0-9][0-9]_*.png")
RESULT_FILES: dict[str, tuple[str, ...]] = {
    "simulate": (
        "kpis.json",
        "replications.csv",
        "model.yaml",
        "trace.csv.gz",
        "trace.parquet",
        "cycle_times.csv.gz",
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
        "trace_[0-9]*.csv.gz",
        "baseline_[0-9]*.csv.gz",
    ),
    "compare": ("comparison.csv", "comparison.md", "scenarios.json"),
    "export": (),  # the exported files are named in its record (``path``)
}
FIGURES = {"output.report": True, "output.figures": True}
BACKTEST_TRACES = {"backtest.enabled": True, "backtest.write_traces": True}
#: the results a command writes only with these keys of its ``config.yaml`` at these values
SWITCHED: dict[str, dict[str, Mapping[str, object]]] = {
    "simulate": {
        "trace.csv.gz": {"output.trace": True, "output.trace_format": "csv.gz"},
        "trace.parquet": {"output.trace": True, "output.trace_format": "parquet"},
        "report/[0-9][0-9]_*.png": FIGURES,
    },
    "calibrate": {
        "trace_[0-9]*.csv.gz": BACKTEST_TRACES,
        "baseline_[0-9]*.csv.gz": BACKTEST_TRACES,
        "report/[0-9][0-9]_*.png": FIGURES,
    },
}
#: said of the files removed where the record does not say which of them its run wrote
GUESSED = "by name, its run.json and config.yaml not saying which of its optional results it wrote"


def earlier_results(run_dir: Path) -> list[Path]:
    """The files of the earlier run in ``run_dir`` that ``output.overwrite=true`` removes ([] for
    a directory without a run record); ``ConfigError`` for an ``optimize`` run, and for a
    directory holding a ``--multirun`` sweep."""
    return _earlier_results(run_dir)[0]


def _earlier_results(run_dir: Path) -> tuple[list[Path], bool]:
    """``earlier_results``, and whether some of them are removed by name only: the record does
    not say whether its run wrote them (``_written``)."""
    from sim.cli.sweep import sweep_folder_refusal

    # a sweep's folder has no run record of its own: without this, a run wrote beside its jobs
    refused = sweep_folder_refusal(run_dir)
    if refused is not None:
        raise ConfigError(refused)
    record_path = run_dir / RECORD
    if not record_path.is_file():
        return [], False
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [], False  # not a record this tool wrote: leave the directory alone
    if not isinstance(record, dict):
        return [], False
    command = record.get("command")
    if command == "optimize":
        raise ConfigError(
            f"{run_dir}: holds an optimize run (its study, which a rerun resumes); "
            "output.overwrite=true does not remove a search: choose another hydra.run.dir"
        )
    if command in RESULT_FILES:
        patterns = COMMON + RESULT_FILES[command]
    elif command is None and record.get("status") == "running":
        # the claim of a run that stopped before writing its record: its command is unknown
        patterns = COMMON + tuple(p for ps in RESULT_FILES.values() for p in ps)
    else:
        return [], False
    config = _saved_config(run_dir)
    written = {p: _written(command, p, config) for p in patterns}
    # a link too, to a file or to none: refused by ``clear_earlier_run``, which never removes one
    found = {
        p
        for pattern in patterns
        if written[pattern] is not False
        for p in run_dir.glob(pattern)
        if p.is_file() or p.is_symlink()
    }
    guessed = any(
        p.is_file() or p.is_symlink()
        for pattern, said in written.items()
        if said is None
        for p in run_dir.glob(pattern)
    )
    if command == "export":
        found |= _exported_files(run_dir, record)
    return sorted(found), guessed


def _saved_config(run_dir: Path) -> Mapping[str, Any] | None:
    """The earlier run's resolved ``config.yaml`` in ``run_dir`` (written with its record, before
    its results; Hydra's ``.hydra/config.yaml`` is this run's by now), or None without a
    readable one."""
    try:
        config = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return None
    return config if isinstance(config, Mapping) else None


def _written(command: str | None, pattern: str, config: Mapping[str, Any] | None) -> bool | None:
    """Whether a run of ``command`` with ``config`` wrote the files ``pattern`` names: True for
    one it writes always, False where a key of ``SWITCHED`` was off, None where its record does
    not say (no ``config.yaml``, a key it has not: an older run; a run of unknown command)."""
    if command is None:
        return None
    keys = SWITCHED.get(command, {}).get(pattern)
    if keys is None:
        return True
    if config is None:
        return None
    said = {key: _config_value(config, key) for key in keys}
    # a value of another type than the run accepts: not a config.yaml it wrote
    if any(type(said[key]) is not type(want) for key, want in keys.items()):
        return None
    return all(said[key] == want for key, want in keys.items())


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


def clear_earlier_run(run_dir: Path, *, reads: Sequence[Path] = ()) -> int:
    """Remove the earlier run's results from ``run_dir`` (``earlier_results``), say how many on
    the console, and return that number. Other files stay. ``ConfigError`` (nothing removed)
    when one of them is a file this run ``reads`` (a calibration of the earlier run's
    ``history.csv.gz``: QA 2026-12-04, the log was gone and run.json held its hash). The files
    the earlier run had not finished writing (its ``.partial/`` folder: killed while writing)
    go too; one this run does not write stayed there for good.

    A symbolic link among them, or as ``.partial`` or ``report`` (``refuse_links``), is a
    ``ConfigError`` before anything is removed: this tool never makes one, and removing
    through it removed the files of the folder it named (QA 2026-12-05)."""
    refuse_links(run_dir)
    files, guessed = _earlier_results(run_dir)
    for f in files:
        if f.is_symlink():
            raise ConfigError(link_refusal(f, run_dir))
    if not files:
        return 0
    partial = run_dir / PARTIAL
    if partial.is_dir():  # not a link (refused above); its own links are not followed
        files += sorted(Path(top, n) for top, _, names in os.walk(partial) for n in names)
    for f in files:
        if any(r.exists() and r.resolve() == f.resolve() for r in reads):
            raise ConfigError(
                f"output.overwrite=true would remove {f}, which this run reads: copy it out of "
                f"{run_dir} first, or choose another hydra.run.dir"
            )
    for f in files:
        f.unlink(missing_ok=True)
    shutil.rmtree(partial, ignore_errors=True)
    figures = run_dir / "report"
    if figures.is_dir() and not any(figures.iterdir()):
        figures.rmdir()
    n = len(files)
    kept = sorted(p.name for p in run_dir.iterdir() if p.name not in HYDRA_OWN)
    also = (
        f"; kept {len(kept)} other file(s) ({', '.join(kept[:5])}{' ...' if len(kept) > 5 else ''})"
    )
    named = f" ({', '.join(_names(files, run_dir))}: {GUESSED})" if guessed else ""
    print(
        f"output.overwrite=true: removed {n} file{'' if n == 1 else 's'} of the earlier run in "
        f"{run_dir}{named}{also if kept else ''}"
    )
    return n


def _names(files: Sequence[Path], run_dir: Path) -> list[str]:
    """``files`` by their path in ``run_dir`` (``report/01_map.png``), for a message."""
    return [f.relative_to(run_dir).as_posix() for f in files]
