"""What a ``--multirun`` did: the job folders it wrote, and which of its jobs failed.

A job that fails on a user error (a bad value in one point of the sweep) prints its error and
lets the sweep go on; at the end ``SweepJobs`` names the failed jobs and ``python -m sim`` exits
with status 2. Before, the first bad job stopped the sweep and the jobs after it never ran.

A ``simulate`` or ``calibrate`` sweep rerun with the same overrides into the directory of an
earlier launch (interrupted, or with failed jobs) resumes it: a job whose folder holds a finished
run of the same config is kept as it is (``kept_run``) and counts as finished, the others run, and
the comparison covers every job. A rerun with other overrides is refused (``sweep_difference``);
``progress`` and ``workers`` may differ (``DISPLAY_ONLY``).
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from sim.cli.launcher_workers import launcher_refusal
from sim.cli.runlock import LOCK
from sim.errors import ConfigError, redact

#: Each command's main result: a job folder without it did not finish. Not proof that the job
#: finished (calibrate writes model.yaml before its back-test): its run record says so
#: (``job_finished``).
FINISHED = {"simulate": "kpis.json", "calibrate": "model.yaml", "optimize": "recommendations.md"}
#: The failed jobs of the multirun that just ended, in this (the launching) process.
FAILED_JOBS: list[Path] = []
#: ``hydra.sweep.subdir`` values that name every job's folder apart: no clash to look for.
_DISTINCT_SUBDIRS = ("${hydra.job.num}", "${hydra.job.id}")
_BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"
#: The commands whose sweeps resume in the directory of an earlier launch of the same sweep
#: (optimize resumes each job's study itself, ``sim.cli.common.guard_resumable_dir``).
RESUMABLE = ("simulate", "calibrate")
#: The sweep directory of this process's last multirun (a stopped sweep's message names it).
LAUNCHED: list[Path] = []
#: The job folders of this process's multirun kept from an earlier launch (``kept_run``).
KEPT_JOBS: set[Path] = set()
#: The sweep directories this process resumes: the earlier launch's ``multirun.yaml`` is put
#: back when the sweep ends (``sim.cli.common.restore_sweep_dir``), so ``compare sweep=`` still
#: counts the kept jobs as the last launch's (``last_launch``).
RESUMED: set[Path] = set()
#: Keys that change how a run is shown or how fast it goes, not its results (replication r has
#: the random streams of (seed, r) whatever the number of workers): a resumed sweep may differ
#: in them, as a comparison's scenario labels leave them out (``sim.cli.compare._ignored``).
DISPLAY_ONLY = ("progress", "workers")
#: What a sweep directory holds beside its job folders (the comparison of a simulate sweep).
SWEEP_OUTPUTS = frozenset(
    {
        "multirun.yaml",
        "comparison.csv",
        "comparison.md",
        "scenarios.json",
        "report.html",
        "report",
        LOCK,
    }
)


class SweepRefused(BaseException):
    """A ``--multirun`` refused before any of its jobs ran (two jobs write into one folder, a
    job folder's name too long), or a single run before Hydra made its folder (its name too
    long). A BaseException: Hydra's callbacks turn an ``Exception`` into a warning and run on."""


class SweepJobs(Callback):
    """Hydra callback of ``simulate``, ``calibrate`` and ``optimize``: after a multirun, a note
    naming the jobs that did not finish (``FAILED_JOBS``: the command then exits 2)."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.jobs: list[tuple[int, Path]] = []
        self.before: dict[Path, tuple[int, int, int]] = {}
        self.launched: int | None = None  # how many jobs the sweep launches, when known
        self.sweep_dir: Path | None = None
        self.kept: dict[Path, dict[str, bytes]] = {}  # each job folder's .hydra/ as its job left it
        self.planned: set[Path] = set()  # the job folders kept from an earlier launch, foreseen

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Forget the jobs of an earlier multirun of this process, note the files an earlier
        sweep left in the sweep directory (``output.overwrite=true``), and refuse the sweep
        (``SweepRefused``, exit status 2) when two of its jobs would write into one folder, when
        the directory holds an earlier launch of another sweep (``sweep_difference``), or when
        its launcher's config cannot run jobs (``launcher_refusal``); an earlier launch of this
        sweep is resumed (its finished jobs kept)."""
        self.jobs = []
        self.kept = {}
        self.planned = set()
        self.sweep_dir = Path(str(config.hydra.sweep.dir))
        refused = folder_name_refusal("hydra.sweep.dir", self.sweep_dir, "no job was run")
        if refused is None:  # else before anything looks into it (an OSError traceback)
            refused = launcher_refusal(config)
        if refused is not None:
            print(f"error: {refused}", file=sys.stderr)
            FAILED_JOBS[:] = [self.sweep_dir]
            raise SweepRefused(refused)
        self.before = _file_states(self.sweep_dir)
        LAUNCHED[:] = [self.sweep_dir]
        FAILED_JOBS.clear()
        RESUMED.discard(self.sweep_dir.resolve())
        KEPT_JOBS.clear()
        jobs = sweep_jobs(config)
        self.launched = None if jobs is None else len(jobs)
        clash = folder_clash(config, jobs or [])
        if clash is None:
            clash = self._resume(config, jobs)
        if clash is not None:
            print(f"error: {clash}", file=sys.stderr)
            FAILED_JOBS.append(self.sweep_dir)
            raise SweepRefused(clash)

    def _resume(self, config: DictConfig, jobs: list[list[str]] | None) -> str | None:
        """When the sweep directory holds an earlier launch (its ``multirun.yaml``) of a
        resumable command without ``output.overwrite=true``: why it is refused (another sweep),
        else None with the sweep noted as resumed and the jobs it keeps foreseen (a launcher
        running jobs in other processes keeps them there: ``finished`` counts them here)."""
        assert self.sweep_dir is not None
        earlier = self.sweep_dir / "multirun.yaml"
        overwrite = OmegaConf.select(config, "output.overwrite", default=False) is True
        if self.command not in RESUMABLE or overwrite or not earlier.is_file():
            return None
        differs = sweep_difference(earlier, config, self.command)
        if differs is not None:
            return (
                f"hydra.sweep.dir={self.sweep_dir}: holds an earlier sweep, not this one "
                f"({differs}); a rerun into it resumes that sweep only, with the same "
                "overrides: choose another hydra.sweep.dir (a new or empty directory), or pass "
                "output.overwrite=true to run every job again there"
            )
        RESUMED.add(self.sweep_dir.resolve())
        self.planned = planned_kept(config, jobs or [], self.command)
        return None

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Refuse a single run (``SweepRefused``, exit status 2) whose folder, ``hydra.run.dir``
        as Hydra resolves it, has a name too long for the file system (``name_too_long``),
        before Hydra makes it (an ``OSError`` traceback). A ``hydra.run.dir`` typed without
        interpolations is checked before Hydra starts (``sim.cli.main.check_folder_names``)."""
        from hydra.core.hydra_config import HydraConfig

        try:  # (``${hydra:...}`` in it: HydraConfig is this run's within the block)
            HydraConfig.instance().set_config(config)
            run_dir = Path(str(config.hydra.run.dir))
        except Exception:  # noqa: BLE001 - only a check ahead of Hydra's: Hydra reports it
            return
        refused = folder_name_refusal("hydra.run.dir", run_dir, "nothing was run")
        if refused is not None:
            print(f"error: {refused}", file=sys.stderr)
            raise SweepRefused(refused)

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        """Remember the job's folder (an overwritten sweep directory can hold numbered folders
        of an older sweep: they are not this sweep's jobs). A job whose folder an earlier job of
        this sweep wrote (``hydra.sweep.subdir`` naming them alike, not caught before the sweep)
        gets that job's ``.hydra/`` back: Hydra rewrote it with this job's overrides."""
        runtime = config.hydra.runtime
        folder = Path(str(runtime.output_dir))
        self.jobs.append((int(config.hydra.job.get("num") or 0), folder))
        key = folder.resolve()
        if key in self.kept:
            _put_back_hydra(folder, self.kept[key])
        else:
            self.kept[key] = _hydra_files(folder)

    def _jobs_written(self, sweep_dir: Path) -> list[tuple[int, Path]]:
        """The job folders whose ``.hydra/`` this multirun wrote: a launcher that runs jobs in
        other processes (``hydra/launcher=joblib``) calls ``on_job_end`` there, not here."""
        found = []
        for f in sweep_dir.glob("**/.hydra/hydra.yaml"):
            if not self._written_now(f):
                continue
            try:
                num = yaml.safe_load(f.read_text(encoding="utf-8"))["hydra"]["job"]["num"]
            except (OSError, yaml.YAMLError, KeyError, TypeError):
                continue
            found.append((int(num), f.parent.parent))
        return found

    def job_dirs(self, sweep_dir: Path) -> list[Path]:
        """This multirun's job folders, in job order."""
        jobs = self.jobs or self._jobs_written(sweep_dir)
        return [d for _, d in sorted(jobs, key=lambda j: j[0])]

    def _written_now(self, path: Path) -> bool:
        """Whether ``path`` exists and this multirun wrote it: it is new, or changed since the
        multirun started (a sweep directory rerun with ``output.overwrite=true`` still holds the
        results of its earlier jobs). Compared by state, not by clock: a rerun started within a
        second of the earlier sweep's end once counted that sweep's results as its own."""
        state = _state(path)
        return state is not None and self.before.get(path.resolve()) != state

    def finished(self, dirs: list[Path]) -> list[Path]:
        """The folders of ``dirs`` whose job finished, each once; a note names the others. A
        job whose folder an earlier job of the sweep wrote did not finish (its refusal is
        above), nor did a launched job that left no folder of its own (a launcher running jobs
        in other processes: ``_jobs_written`` finds each folder once)."""
        seen: set[Path] = set()
        shared = []
        for d in dirs:
            if d.resolve() in seen:
                shared.append(d)
            seen.add(d.resolve())
        unique = list(dict.fromkeys(dirs))
        kept = [d for d in unique if self._kept(d)]
        done = [d for d in unique if self._finished_now(d) or d in kept]
        failed = [d for d in unique if d not in done] + shared
        total = max(len(dirs), self.launched or 0)
        missing = total - len(dirs)
        # a job that left no folder of its own is named by the sweep directory
        FAILED_JOBS[:] = failed + ([self.sweep_dir or Path()] if missing else [])
        if failed or missing:
            rest = "; the others' results stand" if done else ""
            named = [str(d) for d in failed]
            if shared or missing:
                named.append(
                    f"{len(shared) + missing} of them wrote into the folder of another job of "
                    "the sweep (hydra.sweep.subdir names them alike; give each job its own, "
                    "e.g. hydra.sweep.subdir=${hydra.job.num})"
                )
            print(
                f"note: {len(failed) + missing} of the sweep's {total} jobs did not finish "
                f"(their errors are above): {', '.join(named)}{rest}",
                file=sys.stderr,
            )
        if kept:
            print(
                f"note: resumed the sweep in {self.sweep_dir}: {len(kept)} of its {total} jobs "
                f"finished earlier and were kept, {len(done) - len(kept)} finished now",
                file=sys.stderr,
            )
        return done

    def _finished_now(self, folder: Path) -> bool:
        """Whether the job of ``folder`` finished in this multirun: its result is this
        multirun's (``_written_now``) and its run record says finished (``job_finished``: a
        calibrate job whose back-test failed has written its model.yaml)."""
        path = folder / FINISHED[self.command]
        return self._written_now(path) and job_finished(folder, self.command)

    def _kept(self, folder: Path) -> bool:
        """Whether the job of ``folder`` was kept from an earlier launch: this process's job
        said so (``KEPT_JOBS``), or it was foreseen and its result is still there, untouched."""
        key = folder.resolve()
        if key in KEPT_JOBS:
            return True
        path = folder / FINISHED[self.command]
        return key in self.planned and _state(path) is not None and not self._written_now(path)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Name the jobs that did not finish."""
        self.finished(self.job_dirs(Path(str(config.hydra.sweep.dir))))


def sweep_jobs(config: DictConfig, *, note: bool = True) -> list[list[str]] | None:
    """The overrides of each job the sweep of ``config`` launches, in job order, as Hydra's
    basic sweeper expands them (``hydra.sweeper.params`` and the command line's sweeps); None
    for another sweeper, or a config that cannot be expanded here (Hydra reports it). Also of
    a sweep's ``multirun.yaml`` outside Hydra (a sweep function over config groups, ``glob``,
    then cannot be expanded); ``note`` says when this Hydra's sweeper cannot be read."""
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser

    sweeper = OmegaConf.select(config, "hydra.sweeper", default=None)
    if not isinstance(sweeper, DictConfig) or sweeper.get("_target_") != _BASIC_SWEEPER:
        return None
    try:  # Hydra's own expansion, not public API: where it moved, say what is not checked
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

        split = BasicSweeper.split_arguments
    except (ImportError, AttributeError):
        if not note:
            return None
        print(
            "note: this Hydra version's basic sweeper could not be read, so the sweep's job "
            "folders are not checked ahead (two jobs in one folder, a password in a folder "
            "name) and a resumed sweep's kept jobs are not foreseen",
            file=sys.stderr,
        )
        return None
    try:
        params = sweeper.get("params") or {}
        typed = OmegaConf.to_container(config.hydra.overrides.task, resolve=False)
        args = [f"{k}={v}" for k, v in params.items()] + list(typed)
        hydra = GlobalHydra.instance()
        loader = hydra.config_loader() if hydra.is_initialized() else None
        parsed = OverridesParser.create(config_loader=loader).parse_overrides(args)
        batches = split(parsed, None)
    except Exception:  # noqa: BLE001 - a sweep Hydra cannot expand: Hydra itself reports it
        return None
    return [list(job) for batch in batches for job in batch]


def folder_clash(config: DictConfig, jobs: list[list[str]]) -> str | None:
    """What is wrong when two of the sweep's ``jobs`` (their overrides, in job order) would
    write into one folder (``hydra.sweep.subdir`` naming them alike, e.g. ``${seed}`` in a sweep
    of another key): the second would be refused and Hydra would rewrite the first's ``.hydra/``;
    or when a job's folder would be named by a password (``${hydra.job.override_dirname}`` with
    a database URL the config does not leave out). None when each gets its own folder, or when
    the folders cannot be told before the jobs run (``SweepJobs.finished`` still names a job
    that wrote into another's folder)."""
    subdir = OmegaConf.select(config, "hydra.sweep", default=None)
    subdir = None if subdir is None else subdir._get_node("subdir")
    typed = None if subdir is None else str(subdir._value())
    if typed is None or typed in _DISTINCT_SUBDIRS or not jobs:
        return None
    sweep_dir = Path(str(config.hydra.sweep.dir))
    first: dict[str, int] = {}
    for num, overrides in enumerate(jobs):
        folder = _job_folder(config, overrides, num)
        if folder is None:
            return None
        here = os.path.normpath(sweep_dir / folder)
        if redact(here) != here:  # an override holding a password named the folder
            return (
                f"hydra.sweep.subdir={typed}: job {num}'s folder would be named by a password "
                f"({redact(here)}); no job was run: leave the key holding it out of the folder's "
                "name, e.g. hydra.job.config.override_dirname.exclude_keys=[optimizer.storage]"
            )
        nested = _nested_by_a_path(config, typed, overrides, folder)
        if nested is not None:
            return nested
        why = name_too_long(Path(here))
        if why is not None:
            return redact(
                f"hydra.sweep.subdir={typed}: job {num}'s folder ({' '.join(overrides)}): "
                f"{why}; no job was run: name the jobs' folders shorter, "
                "e.g. hydra.sweep.subdir=${hydra.job.num} (the default)"
                f"{_leave_out_hint(config, typed, jobs)}"
            )
        if here in first:
            earlier = first[here]
            return redact(
                f"hydra.sweep.subdir={typed}: jobs {earlier} ({' '.join(jobs[earlier])}) and "
                f"{num} ({' '.join(overrides)}) of the sweep would both write into {here}; "
                "no job was run: give each job its own folder, e.g. "
                "hydra.sweep.subdir=${hydra.job.num} (the default) or a subdir naming the "
                "swept keys"
            )
        first[here] = num
    return None


def _nested_by_a_path(
    config: DictConfig, typed: str, overrides: list[str], folder: str
) -> str | None:
    """What is wrong when ``${hydra.job.override_dirname}`` in ``hydra.sweep.subdir`` (``typed``)
    names a job's folder by an override whose value is a path (``process=a/model.yaml``, given
    to Hydra as ``process.path=/abs/a/model.yaml``): its slashes nest the folder a level per
    folder of the path (``sweep/...,process.path=/tmp/a/model.yaml,.../``: folders named by
    pieces of the path). Hydra writes that name itself, so the sweep is refused before any job
    runs, saying how to leave the path out of it; None when the job's folder (``folder``) is
    not nested so."""
    if "override_dirname" not in typed:
        return None
    separators = {"/", os.sep}
    if sum(folder.count(c) for c in separators) <= sum(typed.count(c) for c in separators):
        return None
    paths = [o for o in overrides if separators & set(o.partition("=")[2])]
    keys = [o.partition("=")[0].lstrip("+~") for o in paths]
    excluded = OmegaConf.select(
        config, "hydra.job.config.override_dirname.exclude_keys", default=None
    )
    leave_out = list(excluded or []) + [k for k in keys if k not in (excluded or [])]
    if "process.path" in leave_out and "process" not in leave_out:
        leave_out.insert(leave_out.index("process.path"), "process")  # =_from_file: no name
    shown = " ".join(paths) or folder
    return redact(
        f"hydra.sweep.subdir={typed}: the job folders would be named by a path ({shown}), "
        "whose slashes nest each job's folder a level per folder of the path; no job was run: "
        "leave the path out of the folder's name and tell the jobs apart by their number, "
        f"hydra.job.config.override_dirname.exclude_keys=[{','.join(leave_out)}] "
        "hydra.sweep.subdir='${hydra.job.num}_${hydra.job.override_dirname}' (each job's "
        ".hydra/overrides.yaml names its file)"
    )


def _leave_out_hint(config: DictConfig, typed: str, jobs: list[list[str]]) -> str:
    """A way to shorten job folders named by ``${hydra.job.override_dirname}`` (in ``typed``):
    leave out of the name the overrides every job has alike (``", or ..."``; ``""`` when the
    folders are named otherwise, or no override is alike in all of them)."""
    if "override_dirname" not in typed:
        return ""
    alike = [o for o in jobs[0] if all(o in job for job in jobs[1:])]
    keys = [o.partition("=")[0].lstrip("+~") for o in alike]
    excluded = list(
        OmegaConf.select(config, "hydra.job.config.override_dirname.exclude_keys", default=None)
        or []
    )
    new = [k for k in keys if k not in excluded]
    if not new:
        return ""
    return (
        ", or leave out of the name the overrides every job has alike: "
        f"hydra.job.config.override_dirname.exclude_keys=[{','.join(excluded + new)}]"
    )


def folder_name_refusal(key: str, folder: Path, nothing: str) -> str | None:
    """What is refused when ``folder``, the folder ``key`` names, has a name too long for the
    file system (``name_too_long``; ``nothing`` says what was not run); None when it fits."""
    why = name_too_long(folder)
    if why is None:
        return None
    return redact(f"{key}={_shortened(str(folder))}: {why}; {nothing}: give a shorter {key}")


def name_too_long(path: Path) -> str | None:
    """Why ``path`` cannot be made on its file system, said of it: a folder or file name in it
    of more bytes than the limit of one name there (``NAME_MAX``, 255 on most), or the whole
    path over the limit of a path (``PATH_MAX``, 4096); None when it fits. (Hydra making such a
    folder failed with a traceback: "OSError: [Errno 36] File name too long".)"""
    full = Path(os.path.abspath(path))
    name_max, path_max = _name_limits(full)
    for part in full.parts:
        size = len(os.fsencode(part))
        if size > name_max:
            return (
                f"a name in it, '{_shortened(part)}', is {size} bytes long, over this file "
                f"system's limit of {name_max} bytes for one name"
            )
    size = len(os.fsencode(str(full)))
    if size >= path_max:
        return (
            f"it is {size} bytes long, over this file system's limit of {path_max - 1} bytes "
            "for a path"
        )
    return None


def _name_limits(path: Path) -> tuple[int, int]:
    """The limits in bytes of one name and of a path (with its ending NUL) on the file system
    where ``path`` would be made (its deepest existing folder); 255 and 4096 (Linux's) where
    they cannot be read."""
    here = path
    while here.parent != here:
        try:
            if here.is_dir():
                break
        except OSError:  # a name too long to look up: its parent is looked at
            pass
        here = here.parent
    try:
        return os.pathconf(here, "PC_NAME_MAX"), os.pathconf(here, "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):  # no pathconf (Windows), or no such limit
        return 255, 4096


def _shortened(text: str, keep: int = 80) -> str:
    """``text`` cut in its middle to about ``keep`` characters when longer."""
    if len(text) <= keep:
        return text
    return f"{text[: keep - 25]}...{text[-20:]}"


def _job_folder(config: DictConfig, overrides: list[str], num: int) -> str | None:
    """``hydra.sweep.subdir`` of the job ``num`` with ``overrides``, as Hydra's launcher
    resolves it (None if it cannot be resolved here)."""
    with _job_config(config, overrides, num) as job:
        if job is None:
            return None
        try:  # (``${hydra:...}`` in the subdir: HydraConfig is the job's within the block)
            return str(OmegaConf.select(job, "hydra.sweep.subdir"))
        except Exception:  # noqa: BLE001 - only a check ahead of Hydra's launch
            return None


def earlier_sweep(sweep_dir: Path) -> bool:
    """Whether ``sweep_dir`` holds an earlier launch of a sweep and nothing else: its
    ``multirun.yaml``, job folders and the sweep's comparison (``SWEEP_OUTPUTS``). A rerun of
    that sweep resumes it (``SweepJobs``); a directory holding other files is refused as before."""
    if not (sweep_dir / "multirun.yaml").is_file():
        return False
    return all(p.is_dir() or p.name in SWEEP_OUTPUTS for p in sweep_dir.iterdir())


def sweep_marks(folder: Path) -> list[str]:
    """What shows ``folder`` to hold a ``--multirun`` sweep: its ``multirun.yaml``, and its job
    folders named by their number (``hydra.sweep.subdir``'s default) that hold a job's record
    (``sweep_job_record``: not a single run's folder named by a number, QA rt28_files F5); []
    for any other folder (a single run's)."""
    try:
        jobs = [
            p
            for p in folder.iterdir()
            if p.name.isdecimal()  # int() reads it (not so '²', which isdigit)
            and p.is_dir()
            and sweep_job_record(p)
        ]
    except OSError:  # no such folder (a new run's), or one not to be read: the run says so
        return []
    marks = ["multirun.yaml"] if (folder / "multirun.yaml").is_file() else []
    return marks + [p.name for p in sorted(jobs, key=lambda p: int(p.name))]


def sweep_folder_refusal(run_dir: Path, key: str = "hydra.run.dir") -> str | None:
    """Why a single run may not write into ``run_dir`` (the folder ``key`` names) when it holds
    a sweep (``sweep_marks``), even with ``output.overwrite=true``: the run's files would lie
    beside the sweep's job folders and comparison, and its report page would be the sweep's
    (QA hydra25 F6); or when it is a folder of a sweep (``_job_folder_refusal``). None for any
    other folder."""
    marks = sweep_marks(run_dir)
    if not marks:
        return _job_folder_refusal(run_dir, key)
    jobs = [m for m in marks if m != "multirun.yaml"]
    shown = [m for m in marks if m == "multirun.yaml"]
    if jobs:
        more = f" and {len(jobs) - 5} more" if len(jobs) > 5 else ""
        shown.append(f"job folder{'s' if len(jobs) > 1 else ''} {', '.join(jobs[:5])}{more}")
    sweep = None if "multirun.yaml" in marks else enclosing_sweep(run_dir)
    if sweep is not None:  # jobs in a folder of their sweep (``hydra.sweep.subdir=jobs/...``)
        typed = _as_typed(run_dir, sweep)
        return (
            f"{key}={run_dir}: holds the {shown[0]} of the --multirun sweep in {typed} (its "
            "multirun.yaml); a single run does not write into a sweep's folders, not even with "
            f"output.overwrite=true: choose another {key} (a new or empty directory), or rerun "
            f"the sweep with --multirun hydra.sweep.dir={typed} to resume it"
        )
    return (
        f"{key}={run_dir}: holds a --multirun sweep ({', '.join(shown)}); a single run does not "
        "write into a sweep's folder, not even with output.overwrite=true: choose another "
        f"{key} (a new or empty directory), or rerun the sweep with --multirun "
        f"hydra.sweep.dir={run_dir} to resume it"
    )


def enclosing_sweep(folder: Path) -> Path | None:
    """The folder (resolved) of the ``--multirun`` sweep that ``folder`` lies in: the nearest
    folder above it holding a sweep's ``multirun.yaml`` (its jobs' folders are below it, where
    ``hydra.sweep.subdir`` puts them); None when there is none."""
    try:
        for above in folder.resolve().parents:
            if (above / "multirun.yaml").is_file():
                return above
    except (OSError, RuntimeError):  # a name too long, a loop of links: the run says so
        return None
    return None


def sweep_job_record(folder: Path) -> bool | None:
    """Whether ``folder`` holds the record of a ``--multirun`` job: its ``.hydra/hydra.yaml``
    says so (``hydra.mode: MULTIRUN``; before Hydra 1.2, a job number), or, without one, its run
    record (``run.json``) is of a command typed with ``--multirun``. False for a single run's
    record, None for a folder holding neither. A ``hydra.yaml`` that cannot be read counts as a
    job's (nothing says it is not)."""
    hydra_yaml = folder / ".hydra" / "hydra.yaml"
    if hydra_yaml.is_file():
        try:
            hydra = yaml.safe_load(hydra_yaml.read_text(encoding="utf-8"))["hydra"]
            mode = hydra.get("mode")
            if mode is not None:
                return str(mode) == "MULTIRUN"
            return isinstance(hydra["job"]["num"], int)
        except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError, AttributeError):
            return True
    record = _record(folder)
    if record is None:
        return None
    argv = record.get("argv")
    argv = [str(a) for a in argv] if isinstance(argv, list) else []
    command = str(record.get("command"))
    typed = argv[argv.index(command) + 1 :] if command in argv else argv  # not python's -m
    return "--multirun" in typed or "-m" in typed


_INTERPOLATION = re.compile(r"\$\{([^{}]*)\}")
_JOB_NUMBER = ("hydra.job.num", "hydra.job.id", "hydra:job.num", "hydra:job.id")


def _job_folder_pattern(sweep: Path) -> re.Pattern[str] | None:
    """The folders (relative to ``sweep``, ``/``-separated) that the jobs of the sweep whose
    ``multirun.yaml`` lies in ``sweep`` write into: its ``hydra.sweep.subdir`` with its job
    numbers (``sweep_jobs``: 0 to n - 1, any number where they cannot be counted) for
    ``${hydra.job.num}`` and ``${hydra.job.id}``, any one name for another interpolation;
    None for a subdir that cannot be read so (nested interpolations)."""
    subdir: Any = "${hydra.job.num}"  # Hydra's default
    count = None
    try:
        config = OmegaConf.load(sweep / "multirun.yaml")
        if isinstance(config, DictConfig):
            subdir = _plain(config, "hydra.sweep.subdir") or subdir
            jobs = sweep_jobs(config, note=False)
            count = None if jobs is None else len(jobs)
    except Exception:  # noqa: BLE001 - an unreadable record: the jobs' own records still tell
        pass
    subdir = os.path.normpath(str(subdir)).strip("/")
    if "${" in _INTERPOLATION.sub("", subdir):
        return None
    numbers = r"\d+" if count is None else "|".join(map(str, range(count))) or "(?!)"
    pattern, at = "", 0
    for found in _INTERPOLATION.finditer(subdir):
        pattern += re.escape(subdir[at : found.start()])
        key = found.group(1).replace(" ", "")
        pattern += f"(?:{numbers})" if key in _JOB_NUMBER else "[^/]+"
        at = found.end()
    return re.compile(pattern + re.escape(subdir[at:]))


def _job_folder_of(sweep: Path, inside: Path) -> Path | None:
    """The job folder of the sweep in ``sweep`` that its folder ``inside`` (relative) is or
    lies in, as the sweep's records tell: a folder on the way holding a job's record
    (``sweep_job_record``), or named as the sweep's jobs are (``_job_folder_pattern``: a job
    not run yet); None for a folder in no job's."""
    pattern = _job_folder_pattern(sweep)
    parts = inside.parts
    for n in range(1, len(parts) + 1):
        job = Path(*parts[:n])
        if sweep_job_record(sweep / job) or (
            pattern is not None and pattern.fullmatch(job.as_posix())
        ):
            return job
    return None


def _as_typed(run_dir: Path, sweep: Path) -> Path:
    """The sweep's folder ``sweep`` (resolved) as ``run_dir`` names it: the nearest of its
    folders that is the sweep's (not through a link), without ``..`` in it (``SW/0/../1``:
    ``SW``); ``sweep`` itself when there is none (``hydra.run.dir=2`` typed in the sweep)."""
    for above in (run_dir, *run_dir.parents):
        if above == Path() or ".." in above.parts:
            continue
        try:
            if above.resolve() == sweep:
                return above
        except (OSError, RuntimeError):
            continue
    return sweep


def _job_folder_refusal(run_dir: Path, key: str) -> str | None:
    """Why a single run may not write into ``run_dir`` when it is a folder of a sweep
    (``enclosing_sweep``), with ``output.overwrite=true`` or not: a job folder of the sweep
    (``_job_folder_of``: the sweep's comparison and report would go on showing the job's
    earlier run, and a rerun of the sweep would refuse the folder as another run's, QA rt_files
    F6) or a folder in one, or a folder in the sweep's own folder beside its jobs. None for a
    folder in no sweep, one deeper in a sweep's folder but in none of its jobs (a single run's
    default ``outputs/simulate/<date>`` after a sweep into ``outputs``: QA rt27 F6), and in a
    ``--multirun`` job (it writes into its own folder of its sweep)."""
    sweep = enclosing_sweep(run_dir)
    if sweep is None or _in_a_sweep_job():
        return None
    inside = run_dir.resolve().relative_to(sweep)
    if not inside.parts:
        return None  # the sweep's folder itself: sweep_marks
    job = _job_folder_of(sweep, inside)
    if job is None and len(inside.parts) > 1:
        return None
    shown = _as_typed(run_dir, sweep)
    if job is None:
        own = " (the sweep's own)" if inside.name in SWEEP_OUTPUTS else ""
        return (
            f"{key}={run_dir}: is folder {inside}{own} in the folder of the --multirun sweep in "
            f"{shown} (its multirun.yaml), not one of its job folders; a single run does not "
            "write into a sweep's folder, beside its jobs, not even with "
            f"output.overwrite=true: choose another {key} (a new or empty directory)"
        )
    what = f"job folder {job}" if job == inside else f"folder {inside} in job folder {job}"
    return (
        f"{key}={run_dir}: is {what} of the --multirun sweep in {shown} (its multirun.yaml); a "
        "single run does not write into a sweep's folders, not even with "
        "output.overwrite=true (the sweep's comparison and report would not show it, and a "
        f"rerun of the sweep would refuse its folder): choose another {key} (a new or empty "
        f"directory), or rerun the sweep with --multirun hydra.sweep.dir={shown} to resume it "
        "(other overrides: into another hydra.sweep.dir)"
    )


def _in_a_sweep_job() -> bool:
    """Whether this process runs a job of a ``--multirun`` (Hydra's run mode)."""
    from hydra.core.hydra_config import HydraConfig

    from sim.cli.main import in_multirun

    return HydraConfig.initialized() and in_multirun(HydraConfig.get())


def sweep_difference(earlier: Path, config: DictConfig, command: str) -> str | None:
    """What differs between the sweep of ``config`` and the earlier launch whose
    ``multirun.yaml`` is ``earlier`` (another command, other overrides, another
    ``hydra.sweep.subdir``); None when it is the same sweep (a rerun resumes it)."""
    try:
        before = OmegaConf.load(earlier)
    except Exception as exc:  # noqa: BLE001 - any unreadable file: not a sweep to resume
        return f"its {earlier.name} cannot be read: {type(exc).__name__}"
    if not isinstance(before, DictConfig):
        return f"its {earlier.name} is not a sweep's"
    ran = OmegaConf.select(before, "hydra.job.config_name", default=None)
    if ran != command:
        return f"a {ran or 'unknown'} sweep, not a {command} sweep"
    subdirs = [_plain(c, "hydra.sweep.subdir") for c in (before, config)]
    # Hydra saved the overrides as typed; a password among them was masked since. Display-only
    # ones may differ, unless they name the job folders (${hydra.job.override_dirname})
    named = "override_dirname" in str(subdirs[1])
    then = [redact(str(o)) for o in _plain(before, "hydra.overrides.task") or []]
    now = [redact(str(o)) for o in _plain(config, "hydra.overrides.task") or []]
    if not named:
        then, now = _result_overrides(then), _result_overrides(now)
    said = []
    if then != now:
        gone = [o for o in then if o not in now]
        new = [o for o in now if o not in then]
        if gone:
            said.append(f"the earlier sweep had {' '.join(gone)}")
        if new:
            said.append(f"this one has {' '.join(new)}")
        if not said:
            said.append(
                f"the same overrides in another order ({' '.join(then)}), jobs numbered otherwise"
            )
    if subdirs[0] != subdirs[1]:
        said.append(f"hydra.sweep.subdir {subdirs[0]} then, {subdirs[1]} now")
    return "; ".join(said) or None


def _result_overrides(overrides: list[str]) -> list[str]:
    """``overrides`` but those of display-only keys (``DISPLAY_ONLY``: ``progress=false``)."""
    return [o for o in overrides if o.partition("=")[0].lstrip("+~") not in DISPLAY_ONLY]


def _plain(config: DictConfig, key: str) -> Any:
    """The value at ``key`` of ``config``, interpolations left as written (None if missing)."""
    parent, _, name = key.rpartition(".")
    node = OmegaConf.select(config, parent, default=None)
    if not isinstance(node, DictConfig) or name not in node:
        return None
    return OmegaConf.to_container(node, resolve=False)[name]


def kept_run(run_dir: Path, cfg: DictConfig, overrides: list[str], command: str) -> bool:
    """Whether ``run_dir`` holds a finished ``command`` run of the config ``cfg`` (its job's
    composed config) and ``overrides``, which a resumed sweep keeps as it is: its record says
    finished, its ``config.yaml`` is ``cfg`` resolved, its overrides (recorded since sweeps
    resume) are these and its input files (``inputs``: calibrate's logs, simulate's model file)
    are unchanged. False when it holds no finished run (the job runs); ``ConfigError`` naming
    what differs when it holds a finished run of another config (never run over)."""
    record = _record(run_dir)
    if record is None or record.get("status") != "finished":
        return False
    if record.get("command") != command or not (run_dir / FINISHED[command]).is_file():
        return False
    differs = _job_differences(run_dir, record, cfg, overrides)
    if differs:
        raise ConfigError(
            f"{run_dir}: holds a finished {command} run that differs from this job "
            f"({'; '.join(differs[:4])}{' ...' if len(differs) > 4 else ''}); it is kept, not "
            "run over: choose another hydra.sweep.dir, or pass output.overwrite=true to run "
            "every job again"
        )
    return True


def job_finished(folder: Path, command: str) -> bool:
    """Whether ``folder`` holds a finished run of ``command``: its run record says so
    (``"status": "finished"``, ``sim.cli.common.finish_run_record``) beside the command's
    result (``FINISHED``). A record that says otherwise (running, interrupted, failed: calibrate
    writes model.yaml before its back-test, so a job stopped or failed there holds one) is not
    finished. Only where the record holds no status (written before records did) or cannot be
    read, the result alone says it, as before."""
    if not (folder / FINISHED[command]).is_file():
        return False
    record = _record(folder)
    if record is None or "status" not in record:
        return True
    return record.get("status") == "finished" and record.get("command") == command


def unfinished_run_of_job(
    run_dir: Path, cfg: DictConfig, overrides: list[str], command: str
) -> dict[str, Any] | None:
    """The record of the run of this very job (``command``, config, overrides, inputs) that
    ``run_dir`` holds unfinished, its process gone (``stale_claim``: interrupted, terminated or
    killed, perhaps after writing part of its results) or failed after writing some (a
    calibrate whose back-test failed: its record says ``"failed"``, so the job is not kept, and
    its model.yaml refused the rerun as "already holds results"), which a resumed sweep takes
    over; None otherwise."""
    from sim.cli.common import stale_claim

    record = stale_claim(run_dir)
    if record is None:
        record = _record(run_dir)
        record = record if record is not None and record.get("status") == "failed" else None
    if record is None or record.get("command") != command:
        return None
    return None if _job_differences(run_dir, record, cfg, overrides) else record


def _record(run_dir: Path) -> dict[str, Any] | None:
    """``run_dir``'s run record (``run.json``), None when there is none to read."""
    import json

    from sim.cli.common import CLAIM

    try:
        record = json.loads((run_dir / CLAIM).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _job_differences(
    run_dir: Path, record: dict[str, Any], cfg: DictConfig, overrides: list[str]
) -> list[str]:
    """How the run ``record`` of ``run_dir`` differs from this job: its ``config.yaml`` from
    ``cfg`` resolved, its recorded overrides from ``overrides``, its input files from their
    recorded SHA-256s; [] when it is this job's run."""
    from sim.cli.common import file_digest, redact_obj

    resolved = redact_obj(OmegaConf.to_container(cfg, resolve=True))
    now = yaml.safe_load(OmegaConf.to_yaml(OmegaConf.create(resolved)))
    try:
        then = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        then = None
    if isinstance(then, dict) and isinstance(now, dict):  # display-only keys may differ
        then, now = _without_display_keys(then), _without_display_keys(now)
    differs = _differences(then, now) if then is not None else ["no readable config.yaml"]
    recorded = record.get("overrides")
    if isinstance(recorded, list) and _result_overrides(list(map(str, recorded))) != (
        _result_overrides([redact(str(o)) for o in overrides])
    ):
        differs.append(f"overrides {' '.join(map(str, recorded))} then, {' '.join(overrides)} now")
    for given in record.get("inputs") or []:
        path = Path(str(given.get("path"))) if isinstance(given, dict) else None
        if path is None:
            continue
        if not path.is_file():
            differs.append(f"its input {path} is gone")
        elif file_digest(path)["sha256"] != given.get("sha256"):
            differs.append(f"its input {path} has changed since (another SHA-256)")
    return differs


def _without_display_keys(config: dict[str, Any]) -> dict[str, Any]:
    """A job's config (a plain mapping) without its display-only keys (``DISPLAY_ONLY``)."""
    return {k: v for k, v in config.items() if k not in DISPLAY_ONLY}


def _differences(then: Any, now: Any, key: str = "") -> list[str]:
    """The keys whose values differ between two configs (plain containers), with both values."""
    if isinstance(then, dict) and isinstance(now, dict):
        out = []
        for k in list(then) + [k for k in now if k not in then]:
            where = f"{key}.{k}" if key else str(k)
            out += _differences(then.get(k), now.get(k), where)
        return out
    if then == now:
        return []
    return [f"{key or 'config'}: {then!r} then, {now!r} now"]


def planned_kept(config: DictConfig, jobs: list[list[str]], command: str) -> set[Path]:
    """The folders (resolved) of the sweep's ``jobs`` that a resumed sweep keeps
    (``kept_run``), each job's config composed as Hydra's launcher composes it."""
    kept = set()
    for num, overrides in enumerate(jobs):
        with _job_config(config, overrides, num) as job:
            if job is None:
                continue
            try:
                folder = Path(str(job.hydra.sweep.dir)) / str(job.hydra.sweep.subdir)
                task = copy.deepcopy(job)
                with open_dict_rw(task):
                    del task["hydra"]
                if kept_run(folder, task, list(overrides), command):
                    kept.add(folder.resolve())
            except Exception:  # noqa: BLE001 - foreseen only: the job decides when it runs
                continue
    return kept


@contextlib.contextmanager
def open_dict_rw(config: DictConfig) -> Iterator[None]:
    """``config`` writable and open to new or deleted keys within the block."""
    with read_write(config), open_dict(config):
        yield


@contextlib.contextmanager
def _job_config(config: DictConfig, overrides: list[str], num: int) -> Iterator[Any]:
    """The config of job ``num`` with ``overrides`` as Hydra's launcher composes it (None if it
    cannot be composed here), ``HydraConfig`` set to it within the block (``${hydra:...}``)."""
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    try:
        loader = GlobalHydra.instance().config_loader()
        job = loader.load_sweep_config(master_config=config, sweep_overrides=list(overrides))
        with open_dict(job):
            job.hydra.job.id = str(num)
            job.hydra.job.num = num
        HydraConfig.instance().set_config(job)
    except Exception:  # noqa: BLE001 - only a forecast ahead of Hydra's launch
        job = None
    try:
        yield job
    finally:
        HydraConfig.instance().set_config(config)


def _hydra_files(folder: Path) -> dict[str, bytes]:
    """The files of ``folder/.hydra`` as they are now, by name."""
    kept = {}
    for f in sorted((folder / ".hydra").glob("*")):
        try:
            kept[f.name] = f.read_bytes()
        except OSError:
            continue
    return kept


def _put_back_hydra(folder: Path, kept: dict[str, bytes]) -> None:
    """``folder/.hydra`` as ``_hydra_files`` kept it."""
    for name, data in kept.items():
        try:
            (folder / ".hydra" / name).write_bytes(data)
        except OSError:
            continue


def last_launch(sweep_dir: Path, dirs: list[Path]) -> tuple[list[Path], list[Path]]:
    """The job folders ``dirs`` of ``sweep_dir`` split into those of the sweep's last launch
    and those an older sweep left there (``output.overwrite=true`` over a larger sweep): a job
    started before the sweep's ``multirun.yaml`` was written (Hydra writes it when a multirun
    starts, then each job's ``.hydra/hydra.yaml``; a job refused on a rerun gets the earlier
    sweep's ``.hydra/`` back, ``sim.cli.common.restore_run_dir``) is older. A folder without
    ``.hydra/hydra.yaml`` is kept (nothing tells when it ran), and so is every folder when there
    is no ``multirun.yaml`` or none was started after it (times lost in a copy: ``cp -r``)."""
    try:
        launched = (sweep_dir / "multirun.yaml").stat().st_mtime_ns
    except OSError:
        return list(dirs), []
    started = {}
    for d in dirs:
        try:
            started[d] = (d / ".hydra" / "hydra.yaml").stat().st_mtime_ns
        except OSError:
            continue  # no record of when it ran
    older = [d for d, t in started.items() if t < launched]
    if len(older) == len(started):
        return list(dirs), []
    return [d for d in dirs if d not in older], older


def _state(path: Path) -> tuple[int, int, int] | None:
    """What tells one writing of ``path`` from another: inode, size, modification time in ns."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns) if path.is_file() else None


def _file_states(sweep_dir: Path) -> dict[Path, tuple[int, int, int]]:
    """The state of every file ``SweepJobs`` reads in the job folders of ``sweep_dir``."""
    names = [".hydra/hydra.yaml", *FINISHED.values()]
    states = {}
    for name in names:
        for f in sweep_dir.glob(f"**/{name}"):
            state = _state(f)
            if state is not None:
                states[f.resolve()] = state
    return states
