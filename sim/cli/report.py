"""``python -m sim report run=<dir>``: rebuild the figures and ``report.html`` of a run."""

from __future__ import annotations

import shlex
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from sim.cli.common import TYPED_PROGRAM
from sim.errors import ConfigError


def _build_and_say(run_dir: Path, figures: bool) -> Path:
    """Build the report (and its PNG figures with ``figures``) and say where they went."""
    from sim.cli.overwrite import note_report_files
    from sim.report import build_report
    from sim.report.html import FIGURE_FILES, FIGURES_DIR, ReportReadWarning

    # recorded first: a build that fails part-way may have written some of them
    note_report_files(run_dir, figures=figures)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReportReadWarning)
        path = build_report(run_dir, save_figures=figures)
    print(f"report: {path}")
    for w in caught:  # a result file the page could not draw from: said here, not only on it
        if issubclass(w.category, ReportReadWarning):
            print(f"warning: {w.message}", file=sys.stderr)
        else:  # not ours to hold back
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    # the numbered files the report writes (a user's own PNGs in report/ are not counted)
    pngs = sorted((run_dir / FIGURES_DIR).glob(FIGURE_FILES)) if figures else []
    if pngs:
        n = len(pngs)
        print(f"figures: {run_dir / FIGURES_DIR}/ ({n} PNG file{'' if n == 1 else 's'})")
    return path


def build(run_dir: Path, *, figures: bool = False) -> Path | None:
    """Build ``report.html`` in ``run_dir`` (and its images as PNG files in ``report/`` with
    ``figures``); a failure is reported, results stay as they are."""
    try:
        return _build_and_say(run_dir, figures)
    except Exception as exc:  # noqa: BLE001 - the run's results are written; say what failed
        # shell-quoted: pasted, it runs for a directory with a space or a quote (QA retest23b)
        command = shlex.join([*TYPED_PROGRAM, "report", f"run={run_dir}"])
        shown = command if "'" in command else f"'{command}'"
        print(
            f"warning: could not build the report in {run_dir}: {type(exc).__name__}: {exc}; "
            f"the results are written; {shown} retries it",
            file=sys.stderr,
        )
        return None


#: the export formats that simulate reads back (the others are pictures and diagrams)
SIMULABLE_SUFFIXES = (".yaml", ".yml", ".json", ".bpmn")


def _simulable_model(record: Mapping[str, Any]) -> str | None:
    """The model an export run's record names that ``simulate`` reads: the exported file where
    it is a model (YAML, JSON, BPMN), else the ``process=`` the export read (QA retest24 #2: a
    mermaid, dot or picture export was named, which simulate cannot read)."""
    exported = record.get("path")
    if isinstance(exported, str) and exported.lower().endswith(SIMULABLE_SUFFIXES):
        return exported
    for item in record.get("overrides") or ():
        if isinstance(item, str) and item.startswith("process="):
            return item.removeprefix("process=")
    return None


def _record(run_dir: Path) -> dict:
    """``run_dir``'s record (``run.json``), or ``{}`` without a readable one."""
    import json

    try:
        record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def run(cfg: DictConfig, run_dir: Path, *, process_choice: str | None = None) -> Path | None:
    """Rebuild the report of an existing run directory."""
    target = Path(str(cfg.run)).expanduser()
    if not target.is_dir():
        raise ConfigError(f"run={cfg.run}: no such run directory")
    record = _record(target)
    if record.get("command") == "export":  # QA walk24 #2: a page of empty sections
        model = _simulable_model(record)
        how = shlex.join([*TYPED_PROGRAM, "simulate", f"process={model}"]) if model else ""
        raise ConfigError(
            f"run={cfg.run}: an export run has no results to report (it wrote the exported "
            f"model); simulate the model to get a report" + (f": {how}" if how else "")
        )
    figures = cfg.get("figures")
    if figures is None:  # PNGs of an earlier build must not outlive the page they came from
        from sim.report.html import FIGURE_FILES, FIGURES_DIR

        figures = any((target / FIGURES_DIR).glob(FIGURE_FILES))
    elif not isinstance(figures, bool):
        raise ConfigError(f"figures: expected true, false or null, got {figures!r}")
    # a run still writing there (an optimize search, a calibration) would be read half-written
    # and its report.html rewritten under it: refused, naming that run (RunDirBusy)
    from sim.cli.common import TYPED_ARGV
    from sim.cli.runlock import lock_run_dir, unlock_run_dir

    locked = lock_run_dir(target, command="report", argv=TYPED_ARGV, key="run")
    try:
        from sim.cli.common import stale_claim

        if (record := stale_claim(target)) is not None:  # QA 2026-12-04 #3
            print(
                f"warning: the {record.get('command', 'run')} run in {target} did not finish "
                f"(started {record.get('started_utc', '?')}, process {record.get('pid')} is "
                "gone): its results may be missing or partial; rerun its command to complete "
                "them",
                file=sys.stderr,
            )
        try:
            return _build_and_say(target, figures)
        except OSError as exc:  # report.html a directory, a full disk, no write permission
            path = exc.filename2 or exc.filename  # a move from .partial/: where it went
            where = f" ({path})" if path else ""
            raise ConfigError(
                f"run={target}: could not write the report: {exc.strerror or exc}{where}"
            ) from exc
    finally:
        if locked:
            unlock_run_dir(target)
