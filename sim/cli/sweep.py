"""What a ``--multirun`` did: the job folders it wrote, and which of its jobs failed.

A job that fails on a user error (a bad value in one point of the sweep) prints its error and
lets the sweep go on; at the end ``SweepJobs`` names the failed jobs and ``python -m sim`` exits
with status 2. Before, the first bad job stopped the sweep and the jobs after it never ran.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

#: The file each command writes last: a job folder without it did not finish.
FINISHED = {"simulate": "kpis.json", "calibrate": "model.yaml", "optimize": "recommendations.md"}
#: The failed jobs of the multirun that just ended, in this (the launching) process.
FAILED_JOBS: list[Path] = []


class SweepJobs(Callback):
    """Hydra callback of ``simulate``, ``calibrate`` and ``optimize``: after a multirun, a note
    naming the jobs that did not finish (``FAILED_JOBS``: the command then exits 2)."""

    def __init__(self, command: str) -> None:
        self.command = command
        self.jobs: list[tuple[int, Path]] = []
        self.before: dict[Path, tuple[int, int, int]] = {}

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Forget the jobs of an earlier multirun of this process, and note the files an earlier
        sweep left in the sweep directory (``output.overwrite=true``)."""
        self.jobs = []
        self.before = _file_states(Path(str(config.hydra.sweep.dir)))
        FAILED_JOBS.clear()

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        """Remember the job's folder (an overwritten sweep directory can hold numbered folders
        of an older sweep: they are not this sweep's jobs)."""
        runtime = config.hydra.runtime
        self.jobs.append((int(config.hydra.job.get("num") or 0), Path(str(runtime.output_dir))))

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
        """The folders of ``dirs`` whose job finished; a note names the others."""
        done = [d for d in dirs if self._written_now(d / FINISHED[self.command])]
        failed = [d for d in dirs if d not in done]
        FAILED_JOBS[:] = failed
        if failed:
            rest = "; the others' results stand" if done else ""
            print(
                f"note: {len(failed)} of the sweep's {len(dirs)} jobs did not finish (their "
                f"errors are above): {', '.join(str(d) for d in failed)}{rest}",
                file=sys.stderr,
            )
        return done

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Name the jobs that did not finish."""
        self.finished(self.job_dirs(Path(str(config.hydra.sweep.dir))))


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
