"""``python -m sim report run=<dir>``: rebuild the figures and ``report.html`` of a run."""

from __future__ import annotations

import json
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
    """Build the report (and its PNG figures with ``figures``) and say where they went;
    ``ConfigError`` before anything is written where the figures would replace a user's
    (``refuse_replacing_figures``)."""
    from sim.report import build_report
    from sim.report.html import ReportReadWarning, refuse_replacing_figures

    if figures:
        refuse_replacing_figures(run_dir, without="figures=false")
    # report.html recorded first: a build that fails part-way may have written it; the figures
    # once written (their names are the page's), whether or not the build then failed
    note_report_files(run_dir)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ReportReadWarning)
        try:
            path = build_report(run_dir, save_figures=figures)
        finally:
            if figures:
                note_report_files(run_dir, figures=_written_figures(run_dir))
    print(f"report: {path}")
    for w in caught:  # a result file the page could not draw from: said here, not only on it
        if issubclass(w.category, ReportReadWarning):
            print(f"warning: {w.message}", file=sys.stderr)
        else:  # not ours to hold back
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    pngs = _written_figures(run_dir) if figures else []
    if pngs:
        n = len(pngs)
        print(f"figures: {pngs[0].parent}/ ({n} PNG file{'' if n == 1 else 's'})")
    return path


def _written_figures(run_dir: Path) -> list[Path]:
    """The numbered PNGs of ``report/`` after a build with figures: every one there is the
    build's, as a user's numbered PNG was refused before it (a build that failed before its
    figures leaves the earlier build's, also the run's)."""
    from sim.report.html import FIGURE_FILES, FIGURES_DIR

    return sorted((run_dir / FIGURES_DIR).glob(FIGURE_FILES))


def note_report_files(run_dir: Path, *, figures: list[Path] | None = None) -> None:
    """Add to the run record in ``run_dir`` (``run.json``'s ``report_files``) the files a report
    build writes there: ``report.html`` and, given ``figures`` (what a build with figures
    wrote), those PNGs by name in place of every earlier build's, which it removed. So
    ``output.overwrite=true`` removes them with the run and keeps a user's, and one added
    later is not the run's (QA rt27_files F8: the list named a pattern, which took a user's
    ``report/99_mine.png`` for a figure of the run). A record older than that list starts it
    with what its ``config.yaml`` says its own report wrote, and one that names its figures by
    that pattern, with the figures there now. No record (a sweep's folder), or one that cannot
    be written: nothing recorded (a later overwrite keeps those files, as a user's)."""
    import contextlib

    from sim.cli.common import write_json
    from sim.model.run_records import (
        RECORD,
        REPORT_FIGURES,
        REPORT_FILES,
        REPORT_PAGE,
        _listed_as,
        _saved_config,
        _written,
    )

    path = run_dir / RECORD
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(record, dict) or not isinstance(record.get("command"), str):
        return
    listed = record.get(REPORT_FILES)
    if not isinstance(listed, list):  # an older record: its figures where config.yaml may say
        said = _written(record["command"], REPORT_FIGURES, _saved_config(run_dir), None)
        listed = [REPORT_FIGURES] if said is not False else []
    pngs = {x for x in listed if _listed_as(x, REPORT_FIGURES)}
    if REPORT_FIGURES in listed:  # the figures there now, not any added later
        pngs |= {_in_run(p, run_dir) for p in _written_figures(run_dir)}
    if figures is not None:  # the build's replace every earlier one's
        pngs = {_in_run(p, run_dir) for p in figures}
    wanted = sorted({REPORT_PAGE, *pngs})
    if wanted != record.get(REPORT_FILES):
        with contextlib.suppress(OSError):  # the build then says why it cannot write either
            write_json(path, record | {REPORT_FILES: wanted})


def _in_run(path: Path, run_dir: Path) -> str:
    """``path`` as ``report_files`` names it: relative to ``run_dir`` (``report/01_map.png``)."""
    return path.relative_to(run_dir).as_posix()


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
    try:
        record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _figures_to_rebuild(run_dir: Path) -> bool:
    """Whether ``report run=`` without ``figures=`` rebuilds the figures of ``run_dir``: where
    ``report/`` holds an earlier build's (``own_figures``). Without them, the numbered PNGs
    there that no record says this tool wrote (a user's, or any where ``run.json`` is missing
    or names no command) are kept, and the console says so (QA rt28_files F1: they were
    deleted, unnamed)."""
    from sim.report.html import FIGURE_FILES, FIGURES_DIR, own_figures

    own = own_figures(run_dir)
    if own:
        return True  # a user's beside them is refused by name (``refuse_replacing_figures``)
    kept = sorted((run_dir / FIGURES_DIR).glob(FIGURE_FILES))
    if kept:
        shown = ", ".join(p.relative_to(run_dir).as_posix() for p in kept[:6])
        it, they = ("it", "it is") if len(kept) == 1 else ("them", "they are")
        print(
            f"note: kept {shown}{' ...' if len(kept) > 6 else ''}: no run record in {run_dir} "
            f"says this tool wrote {it}, so the report is built without figures; figures=true "
            f"builds them once {they} moved out of {run_dir / FIGURES_DIR}"
        )
    return False


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
        # an earlier build's: a user's numbered PNG there asks for none (QA rt27_files F2)
        figures = _figures_to_rebuild(target)
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
