"""``output.overwrite=true``: the earlier run in the run directory is replaced, not mixed in.

A run writes only into a new or empty directory (``sim.cli.common.guard_run_dir``); with
``output.overwrite=true`` it may write into one that holds an earlier run. Writing over it file by
file would leave the earlier run's files that this run does not write (its fifth back-test trace,
a trace turned off since, a back-test disabled since) beside this run's record, which then
describes them wrongly. So the results the earlier run wrote are removed before this run writes
its first file, and after every check that can refuse this run (its config, its model, the
losses of an export with ``allow_loss=false``): a refused run leaves the earlier one as it was.

One rule says which files are the earlier run's: what its records say it wrote
(``sim.model.run_records``: ``run_wrote``). Its ``run.json`` names its command, whose files are
``RESULT_FILES``; a file its command writes only with a key on (``SWITCHED``: ``output.trace``, ``output.report``,
``backtest.enabled``, ...) is its own only where its resolved ``config.yaml`` had that key on;
the report's files (``report.html``, ``report/NN_*.png``) are its own where ``run.json``'s
``report_files`` lists them (every report build adds what it writes, by name, ``python -m sim
report`` too: ``sim.cli.report.note_report_files``; a record older than that list goes by
``config.yaml``); its back-test logs are those numbered 1 to its ``backtest.replications``
(QA rt27_files F3: a ``trace_0.csv.gz`` or ``trace_7.csv.gz`` beside a run of 2). Everything
else is kept and named (QA hydra25, rt_files F2, F4: a user's trace, report.html, figures or
back-test files beside a run that never wrote them were removed; figures a later ``report``
wrote were kept as the user's). A record that does not say (an older run, an unreadable
``config.yaml``) removes such a file by name, as before, and the console names every file
removed. A directory without a run record was not written by this tool and nothing in it is
removed. A file kept that this run writes itself (a user's ``trace.csv.gz`` beside a run
without a trace, rerun with ``output.trace=true``) is refused before anything is removed: it
would be replaced, not kept (rt_files F3). The report reads only what the run wrote
(``run_wrote``: ``sim.report.html``). An ``optimize`` run is refused rather than removed: its
study is work a rerun resumes; so is a ``--multirun`` sweep's folder (its jobs and comparison,
which a rerun of the sweep resumes: QA hydra25 F6).
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.cli.common import HYDRA_OWN
from sim.cli.runlock import link_refusal, refuse_links
from sim.errors import ConfigError
from sim.model.run_records import (
    COMMON,
    RECORD,
    REPORT_FIGURES,
    REPORT_FILES,
    _exported_files,
    _patterns,
    _records,
    _writes,
    _written,
    _wrote,
)
from sim.model.whole_files import PARTIAL

GUESSED = "by name, its run.json and config.yaml not saying which of its optional results it wrote"
# the hidden folder the earlier run's files are moved into, under their own paths, until all are
MOVED_ASIDE = ".overwrite-"


def earlier_results(run_dir: Path) -> list[Path]:
    """The files of the earlier run in ``run_dir`` that ``output.overwrite=true`` removes ([] for
    a directory without a run record); ``ConfigError`` for an ``optimize`` run, and for a
    directory holding a ``--multirun`` sweep."""
    return _earlier_results(run_dir)[0]


def _earlier_results(run_dir: Path) -> tuple[list[Path], bool]:
    """``earlier_results``, and whether some of them are removed by name only: the record does
    not say whether its run wrote them (``_wrote``)."""
    from sim.cli.sweep import sweep_folder_refusal

    # a sweep's folder has no run record of its own: without this, a run wrote beside its jobs
    refused = sweep_folder_refusal(run_dir)
    if refused is not None:
        raise ConfigError(refused)
    records = _records(run_dir)
    if records is None:
        return [], False  # not a record this tool wrote: leave the directory alone
    command, record, config = records
    if command == "optimize":
        raise ConfigError(
            f"{run_dir}: holds an optimize run (its study, which a rerun resumes); "
            "output.overwrite=true does not remove a search: choose another hydra.run.dir"
        )
    if command is None and record.get("status") != "running":
        return [], False  # a record of no command that no run is writing: not ours
    patterns = _patterns(command)
    if patterns is None:
        return [], False
    # each file by its name: a report/99_mine.png added after the run's figures, a
    # trace_7.csv.gz beside a back-test of 2, is not the run's (QA rt27_files F3, F8)
    # a link too, to a file or to none: refused by ``clear_earlier_run``, which never removes one
    listed = record.get(REPORT_FILES)
    said = {
        p: _wrote(command, p.relative_to(run_dir).as_posix(), config, listed)
        for pattern in patterns
        for p in run_dir.glob(pattern)
        if p.is_file() or p.is_symlink()
    }
    found = {p for p, wrote in said.items() if wrote is not False}
    guessed = None in said.values()
    if command == "export":
        found |= _exported_files(run_dir, record)
    return sorted(found), guessed


def clear_earlier_run(
    run_dir: Path,
    config: Mapping[str, Any] | None = None,
    *,
    command: str | None = None,
    reads: Sequence[Path] = (),
) -> int:
    """Remove the earlier run's results from ``run_dir`` (``earlier_results``), say how many on
    the console, and return that number. Other files stay. ``ConfigError`` (nothing removed)
    when one of them is a file this run ``reads`` (a calibration of the earlier run's
    ``history.csv.gz``: QA 2026-12-04, the log was gone and run.json held its hash), and when
    a file that stays is one this run (``command`` with its ``config``) writes itself: it would
    be replaced, not kept (QA rt_files F3). The files the earlier run had not finished writing
    (its ``.partial/`` folder: killed while writing) go too; one this run does not write stayed
    there for good.

    A symbolic link among them, or as ``.partial`` or ``report`` (``refuse_links``), is a
    ``ConfigError`` before anything is removed: this tool never makes one, and removing
    through it removed the files of the folder it named (QA 2026-12-05). So is a file where
    this run writes a folder (``.partial``; ``report`` when it writes figures: QA rt28_files F2,
    F4), and the earlier results an overwrite stopped mid-way left (``moved_aside_refusal``)."""
    refuse_links(run_dir)
    refused = moved_aside_refusal(run_dir)
    if refused is not None:
        raise ConfigError(refused)
    files, guessed = _earlier_results(run_dir)
    for f in files:
        if f.is_symlink():
            raise ConfigError(link_refusal(f, run_dir))
    _refuse_files_where_folders_go(run_dir, command, config)
    if command is not None and config is not None:
        _refuse_replacing_kept_files(run_dir, files, command, config)
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
    _remove_all_or_none(files, run_dir)
    shutil.rmtree(partial, ignore_errors=True)
    figures = run_dir / "report"
    if figures.is_dir() and not any(figures.iterdir()):
        figures.rmdir()
    n = len(files)
    kept = _kept_files(run_dir)
    also = (
        f"; kept {len(kept)} other file(s) ({', '.join(kept[:5])}{' ...' if len(kept) > 5 else ''})"
    )
    named = f" ({', '.join(_names(files, run_dir))}: {GUESSED})" if guessed else ""
    print(
        f"output.overwrite=true: removed {n} file{'' if n == 1 else 's'} of the earlier run in "
        f"{run_dir}{named}{also if kept else ''}"
    )
    return n


def _remove_all_or_none(files: Sequence[Path], run_dir: Path) -> None:
    """Remove ``files`` (of ``run_dir``), all of them or none: each is first moved into a
    hidden folder of ``run_dir`` (``MOVED_ASIDE``) under its own path there, and the folder goes
    once every move worked. A file that cannot be moved (immutable, a folder that may not be
    written, a name taken) puts the moved ones back and is a ``ConfigError`` naming it (QA
    rt27_files F4); so does any other exception, Ctrl-C and SIGTERM too, which is then raised
    again (QA rt28_files F3: the moved files were deleted for good). A process killed outright
    leaves the folder, its files under their own names: a later run says what it is and how to
    put them back (``moved_aside_refusal``)."""
    import tempfile

    if not files:
        return
    aside = Path(tempfile.mkdtemp(prefix=MOVED_ASIDE, dir=run_dir))
    failed: tuple[Path, OSError] | None = None
    try:
        for f in files:
            if not (f.is_file() or f.is_symlink()):
                continue  # gone since it was listed
            target = aside / f.relative_to(run_dir)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(f, target)
            except OSError as exc:
                failed = (f, exc)
                break
    except BaseException:
        moved, stuck = _put_back(aside, run_dir)
        print(
            f"note: output.overwrite=true was stopped while it removed the earlier run in "
            f"{run_dir}: "
            + (
                f"the {moved} file(s) it had moved were put back; the earlier run is as it was"
                if not stuck
                else f"{len(stuck)} of its file(s) could not be put back: they are in {aside}"
            ),
            file=sys.stderr,
        )
        raise
    if failed is not None:
        f, exc = failed
        _, stuck = _put_back(aside, run_dir)
        lost = f" ({len(stuck)} could not be put back: they are in {aside})" if stuck else ""
        raise ConfigError(
            f"output.overwrite=true could not remove {f}: {exc.strerror or exc}; nothing "
            f"of the earlier run in {run_dir} was removed{lost}: make it removable, or choose "
            "another hydra.run.dir"
        )
    try:
        shutil.rmtree(aside)
    except BaseException:  # a stop now: the earlier run is gone, leave no half of it behind
        shutil.rmtree(aside, ignore_errors=True)
        raise


def _put_back(aside: Path, run_dir: Path) -> tuple[int, list[str]]:
    """Move every file in ``aside`` back to its path in ``run_dir``; the number moved back and
    the paths that could not be (kept in ``aside``, which goes when none is left)."""
    moved, stuck = 0, []
    for top, _, names in os.walk(aside):
        for name in names:
            source = Path(top, name)
            target = run_dir / source.relative_to(aside)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists() or target.is_symlink():  # never over a file of this run
                    raise FileExistsError(target)
                os.replace(source, target)
                moved += 1
            except OSError:
                stuck.append(source.relative_to(aside).as_posix())
    if not stuck:
        shutil.rmtree(aside, ignore_errors=True)
    return moved, stuck


def moved_aside_refusal(run_dir: Path, key: str = "hydra.run.dir") -> str | None:
    """The message refusing ``run_dir`` when it holds a hidden ``MOVED_ASIDE`` folder: the
    earlier run's results an ``output.overwrite=true`` had moved aside when its process was
    killed (SIGKILL, out of memory), under their own paths; None without one. Nothing is
    removed: they may be all that is left of that run (QA rt28_files F3: later runs kept the
    folder for good, as "other file", without saying what it was)."""
    if not run_dir.is_dir():
        return None
    found = sorted(p for p in run_dir.glob(f"{MOVED_ASIDE}*") if p.is_dir() and not p.is_symlink())
    held = {a: _files_in(a) for a in found}
    for empty in [a for a, names in held.items() if not names]:  # killed before a file moved:
        shutil.rmtree(empty, ignore_errors=True)  # nothing of the earlier run is in it
    found = [a for a in found if held[a]]
    if not found:
        return None
    aside = found[0]
    names = held[aside]
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    source, folder = shlex.quote(str(aside)), shlex.quote(str(run_dir))
    back = shlex.quote(f"{aside}/.")
    said = (
        f"{run_dir}: holds {aside.name}/, the earlier run's results that an "
        "output.overwrite=true run had moved aside to remove them and left there, stopped "
        f"mid-way (its process killed): {len(names)} file(s) ({shown or 'none'})"
    )
    if names and all(n.isdigit() for n in names):  # moved by a version that numbered them
        return (
            f"{said}, named by number: their own names are lost. Nothing was written or "
            f"removed. Look at them, then remove the folder (rm -r {source}) and rerun, or "
            f"choose another {key}"
        )
    return (
        f"{said}, under their own paths. Nothing was written or removed. To put them back "
        f"(the earlier run as it was): cp -a {back} {folder}/ && rm -r {source}; to discard "
        f"them: rm -r {source}. Then rerun, or choose another {key}"
    )


def _files_in(folder: Path) -> list[str]:
    """The files under ``folder``, as paths relative to it, sorted."""
    return sorted(
        Path(top, n).relative_to(folder).as_posix() for top, _, ns in os.walk(folder) for n in ns
    )


def _refuse_files_where_folders_go(
    run_dir: Path, command: str | None, config: Mapping[str, Any] | None
) -> None:
    """``ConfigError`` naming a file (not a folder) of ``run_dir`` where this run writes a
    folder of that name: ``.partial`` (every file is written whole there first), ``report``
    where it writes figures. Refused before anything is removed: it ended the run in a
    traceback once the earlier run had gone (QA rt28_files F2), or in a report without
    figures (F4)."""
    folders = {PARTIAL: "where each file is written until it is whole"}
    if command is not None and config is not None:
        if _written(command, REPORT_FIGURES, config, None) is True:
            folders["report"] = "for its figures: output.figures=true"
            folders[f"report/{PARTIAL}"] = "where each figure is written until it is whole"
    this = f"this {command} run" if command else "this run"
    for name, what in folders.items():
        path = run_dir / name
        if path.is_symlink():
            raise ConfigError(link_refusal(path, run_dir))
        if path.exists() and not path.is_dir():
            raise ConfigError(
                f"{run_dir}: holds a file named {name}, where {this} writes a folder of that "
                f"name ({what}): move it out of the way first, or choose another "
                "hydra.run.dir (nothing was removed)"
            )


def _kept_files(run_dir: Path) -> list[str]:
    """What stays in ``run_dir`` beside Hydra's own files, each file by its path there (a
    user's ``report/99_mine.png``, not ``report``); an empty folder as ``name/``."""
    kept: list[str] = []
    for entry in sorted(run_dir.iterdir()):
        if entry.name in HYDRA_OWN:
            continue
        if not entry.is_dir() or entry.is_symlink():
            kept.append(entry.name)
            continue
        inside = sorted(
            Path(top, n).relative_to(run_dir).as_posix()
            for top, _, names in os.walk(entry)
            for n in names
        )
        kept += inside or [f"{entry.name}/"]
    return kept


def _refuse_replacing_kept_files(
    run_dir: Path, removed: Sequence[Path], command: str, config: Mapping[str, Any]
) -> None:
    """``ConfigError`` naming the files of ``run_dir`` that no record says this tool wrote (not
    among ``removed``) and that this run writes or replaces: a user's ``trace.csv.gz`` beside
    a run without a trace, rerun with ``output.trace=true``; a user's ``report/01_x.png``
    where this run writes figures (every numbered one is replaced); a folder where this run
    writes a file of its name (QA rt27_files F4: ``kpis.json/`` ended the run in a traceback
    after the earlier run had been removed)."""
    patterns = _patterns(command) or COMMON
    gone = set(removed)
    found = sorted(
        p
        for pattern in patterns
        for p in run_dir.glob(pattern)
        if p not in gone and _writes(command, pattern, config, p.relative_to(run_dir).as_posix())
    )
    folders = [p for p in found if p.is_dir() and not p.is_symlink()]
    if folders:
        shown = ", ".join(f"{n}/" for n in _names(folders[:6], run_dir))
        raise ConfigError(
            f"{run_dir}: holds the folder(s) {shown}, where this {command} run writes a file of "
            "that name: move them out of the way first, or choose another hydra.run.dir "
            "(nothing was removed)"
        )
    clash = [p for p in found if p.is_file() or p.is_symlink()]
    if not clash:
        return
    shown = ", ".join(_names(clash[:6], run_dir)) + (" ..." if len(clash) > 6 else "")
    one = len(clash) == 1
    it, yours, name = ("it", "a file", "that name") if one else ("them", "files", "those names")
    figures = any(p.parent.name == "report" for p in clash)
    unreadable = (run_dir / RECORD).is_file() and _records(run_dir) is None
    why = (
        f" (its {RECORD} cannot be read as a run record: not a JSON object naming a command)"
        if unreadable
        else ""
    )
    raise ConfigError(
        f"{run_dir}: holds {shown}, which no run record there says this tool wrote{why} ({yours} "
        f"of yours?); this {command} run writes {yours} of {name}"
        f"{' (in report/ it replaces every numbered figure)' if figures else ''}, so "
        f"output.overwrite=true would replace {it}, not keep {it}: move {it} out of {run_dir} "
        "first, or choose another hydra.run.dir"
    )


def _names(files: Sequence[Path], run_dir: Path) -> list[str]:
    """``files`` by their path in ``run_dir`` (``report/01_map.png``), for a message."""
    return [f.relative_to(run_dir).as_posix() for f in files]
