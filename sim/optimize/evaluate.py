"""Simulating redesign candidates with common random numbers, and remembering the results.

Replication ``r`` of every candidate uses the random streams of ``(seed, r)``, like the baseline,
so differences between a candidate and the baseline are paired. Results are cached per distinct
redesign (its active changes) and per replication index, and only the missing indices are
simulated. ``table(choice, n, start=s)`` is replications ``s..s+n-1``: the search uses
``0..replications-1``; the confirmation (``sim.optimize.confirm``) uses indices past those, so
the replications that judge the best redesigns are fresh, never the ones that picked them
(``sim.random.stream`` derives every index's streams from ``SeedSequence(seed, spawn_key=(r,
name))``: distinct indices give independent streams).
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pandas as pd

from sim.engine import available_cores, exit_with_parent, run_replication, stop_pool
from sim.engine.dropped_stops import raise_noted_stop
from sim.engine.replications import pool_processes, release_locks_left_taken, worker_death
from sim.kpis import replication_kpis
from sim.kpis.summary import replication_segment_kpis, timer_steps
from sim.model import ProcessModel
from sim.model.scenario import Scenario
from sim.optimize.interrupts import allowed, worker_signals
from sim.optimize.objectives import derived_value
from sim.redesign import SearchSpace

#: per-step KPI families (``<family>:<step>``) and why each is 0 at a step a redesign removed
#: (``Evaluator``: the value of a step no case can reach any more)
ZERO_WITHOUT_STEP = {
    "waiting_mean": "nobody waits there",
    "processing_mean": "nobody works there",
    "reached": "no case reaches it",
    "visits_per_case": "no case visits it",
    "waiting_share": "no case waits there",
    "queue_share": "no case queues there",
    "dropoff_at": "no case drops off there",
    "timer_share": "no case waits in that timer",
}
#: KPI families a replication leaves out where they are 0 (a step where no case dropped off, an
#: end no case reached), as ``sim.kpis.kpi_table`` fills them
ZERO_WHEN_ABSENT = ("dropoff_at", "outcome_share")


def merged_into(model: ProcessModel, step: str) -> str | None:
    """The step of ``model`` (a redesign) that ``step`` was merged into, else None."""
    for change in model.metadata.get("changes", ()):
        parts = (change.get("parameters") or {}).get("steps") or ()
        if change.get("operator") == "merge" and step in parts:
            return str(change.get("target"))
    return None


def _start_worker(parent: int) -> None:
    """Initializer of the replication workers: exit with the main process (``parent``), and
    leave Ctrl-C to it (``worker_signals``: the workers ignore SIGINT, so a terminal's Ctrl-C,
    sent to every process of the group, prints no worker traceback)."""
    worker_signals()
    exit_with_parent(parent)


def _simulate_kpis(
    args: tuple[ProcessModel, Scenario, int, int, bool],
) -> tuple[int, dict[str, float]]:
    model, scenario, seed, rep, by_segment = args
    trace = run_replication(model, scenario, seed=seed, replication=rep)
    kpis = replication_kpis(trace, model)
    return rep, kpis | replication_segment_kpis(trace) if by_segment else kpis


class Evaluator:
    """Simulate choices of a search space against the same seeds; cache by distinct redesign."""

    def __init__(
        self,
        *,
        model: ProcessModel,
        space: SearchSpace,
        scenario: Scenario,
        seed: int,
        workers: int | None = None,
        segment_kpis: bool = False,
        kpis: Sequence[str] = (),
    ) -> None:
        """``segment_kpis``: also each case segment's KPIs (``segment:<segment>:<kpi>``, for
        objectives and constraints that name one). ``kpis``: the objectives' and constraints'
        names; one of a step a redesign removed (``ZERO_WITHOUT_STEP``) is 0 in its tables where
        a case finished, as is a ``queue_share`` of a step it automated (no staff to queue for)
        and ``timer_share`` when it removed every timer, each said once on stderr (``table``)."""
        self.model = model
        self.kpis = tuple(kpis)
        self._noted: set[str] = set()
        self.segment_kpis = bool(segment_kpis)
        self.space = space
        self.scenario = scenario
        self.seed = int(seed)
        self.workers = max(1, available_cores() if workers is None else int(workers))
        self._pool: ProcessPoolExecutor | None = None
        self._tables: dict[str, pd.DataFrame] = {}
        self.simulations = 0  # replications actually simulated (cache hits excluded)

    # -------------------------------------------------------------------------------- helpers
    def key(self, choice: Mapping[str, Any]) -> str:
        """A canonical key of the redesign a choice makes (inactive variables ignored)."""
        return json.dumps(self.space.active(choice), sort_keys=True, default=str)

    def redesigned(self, choice: Mapping[str, Any]) -> ProcessModel:
        """The redesigned model (``RedesignRefused`` when the combination is invalid)."""
        return self.space.apply(self.model, choice)

    def cached_replications(self, choice: Mapping[str, Any]) -> int:
        """How many replications of this redesign are already known (any indices)."""
        t = self._tables.get(self.key(choice))
        return 0 if t is None else len(t)

    def seed_cache(self, choice: Mapping[str, Any], table: pd.DataFrame) -> None:
        """Remember replications simulated elsewhere (e.g. by an earlier run of the study).

        ``table`` has a ``replication`` column (without one, its rows are replications
        ``0..len-1``); indices already known are kept as they are."""
        if "replication" not in table.columns:
            table = table.assign(replication=range(len(table)))
        self._store(self.key(choice), table.reset_index(drop=True))

    def _store(self, k: str, new: pd.DataFrame) -> None:
        have = self._tables.get(k)
        if have is not None:
            new = new[~new["replication"].isin(have["replication"])]
            if new.empty:
                return
            # KPI columns come in the order steps were first reached, which differs between
            # replications; concatenating frames whose columns are in different orders gives
            # one pandas block per column (pandas then warns "highly fragmented" on every
            # later column insert), so the new rows take the cached column order first.
            order = [*have.columns, *(c for c in new.columns if c not in have.columns)]
            new = pd.concat([have, new.reindex(columns=order)], ignore_index=True)
        self._tables[k] = new.sort_values("replication", kind="stable").reset_index(drop=True)

    # ----------------------------------------------------------------------------- simulate
    def table(
        self, choice: Mapping[str, Any], replications: int, *, start: int = 0
    ) -> pd.DataFrame:
        """KPIs of replications ``start..start+replications-1`` of a redesign, one row each, in
        replication order (row ``i`` of any two redesigns' tables with the same ``start`` used
        the same random streams: paired). The KPIs a replication leaves out where they are 0
        are 0 (``ZERO_WHEN_ABSENT``; ``_complete``), so are the ``kpis`` the redesign no longer
        has a step for."""
        k = self.key(choice)
        wanted = range(int(start), int(start) + int(replications))
        have = self._tables.get(k)
        known = set() if have is None else set(have["replication"].tolist())
        missing = [r for r in wanted if r not in known]
        if missing:
            model = self.redesigned(choice)
            rows = self._run(model, missing)
            self._store(k, pd.DataFrame([{"replication": r} | kp for r, kp in rows]))
        have = self._tables[k]
        out = have[have["replication"].isin(wanted)].reset_index(drop=True)
        assert out["replication"].tolist() == list(wanted)
        return self._complete(choice, out)

    def _complete(self, choice: Mapping[str, Any], table: pd.DataFrame) -> pd.DataFrame:
        """``table`` with 0 for the KPIs that are 0 where a replication leaves them out: a
        ``ZERO_WHEN_ABSENT`` KPI (their mean over the others only was too high), and each of
        ``kpis`` that ``zero_reason`` gives one, said once per KPI (stderr); both only in the
        replications where a case finished. The others stay missing (NaN):
        ``undefined_reason``."""
        # a replication where no case finished has no rates at all (dropoff_rate NaN)
        finished = (
            table["dropoff_rate"].notna()
            if "dropoff_rate" in table
            else pd.Series(True, index=table.index)
        )
        fill: dict[str, pd.Series] = {}
        for c in table.columns:
            if c.partition(":")[0] in ZERO_WHEN_ABSENT:
                fill[c] = table[c].where(table[c].notna() | ~finished, 0.0)
        for k in self.kpis:
            if k in table.columns:
                continue
            why = self.zero_reason(choice, k)
            if why is None:
                continue
            # not where no case finished: that replication has no value for a step that exists
            # either (its shares are NaN), and a 0 there would score a redesign that stops every
            # case as perfect on a step it removed, where the search prunes it (no case finished)
            fill[k] = pd.Series(0.0, index=table.index).where(finished, math.nan)
            if why and k not in self._noted:
                self._noted.add(k)
                sys.stderr.write(f"note: {k} counts as 0 {why}\n")
                sys.stderr.flush()
        if not fill:
            return table
        return pd.concat(
            [table.drop(columns=list(fill), errors="ignore"), pd.DataFrame(fill)], axis=1
        )

    def zero_reason(self, choice: Mapping[str, Any], kpi: str) -> str | None:
        """Why KPI ``kpi``, missing from the redesign's replications, is 0 (``""`` when that
        needs no word: a ``ZERO_WHEN_ABSENT`` one of a step or end it has), or None when it is
        not: a per-step KPI of a step the redesign removed is 0 (``ZERO_WITHOUT_STEP``), a
        ``queue_share`` of a step it automated, and the total ``timer_share`` of a redesign
        that removed every timer; of a step it merged into another it is undefined
        (``undefined_reason``)."""
        if kpi == "timer_share":
            if timer_steps(self.model) and not timer_steps(self.redesigned(choice)):
                return "for a redesign without timer steps: no case waits in a timer"
            return None
        family, _, step = kpi.partition(":")
        if not step or family not in ZERO_WITHOUT_STEP | dict.fromkeys(ZERO_WHEN_ABSENT):
            return None
        model = self.redesigned(choice)
        if step in model.steps:
            if family == "queue_share" and not model.steps[step].roles:
                return f"for a redesign that automates step '{step}': nobody queues for staff there"
            return "" if family in ZERO_WHEN_ABSENT else None
        if family == "outcome_share":
            return "" if step in model.ends else None
        if step not in self.model.steps or merged_into(model, step) is not None:
            return None
        return f"for a redesign without step '{step}': {ZERO_WITHOUT_STEP[family]}"

    def undefined_reason(
        self, choice: Mapping[str, Any], kpis: Sequence[str], means: Mapping[str, float]
    ) -> str:
        """Why objective ``kpis`` of a redesign are undefined (NaN) over its replications
        (``means``: their means): no case finished; a step it merged into another (its work and
        waiting are that step's now, and counted as 0 it would reward the merge for what only
        moved); no case reached the step."""
        if math.isnan(float(means.get("dropoff_rate", math.nan))):
            return "an objective KPI is undefined (no case finished)"
        model = self.redesigned(choice)
        said = []
        for k in kpis:
            family, _, step = k.partition(":")
            into = merged_into(model, step) if step and step not in model.steps else None
            if into is not None:
                said.append(
                    f"{k}: this redesign merges step '{step}' into '{into}', which does its "
                    "work now (0 would credit the merge with waiting that only moved)"
                )
            elif family in ZERO_WITHOUT_STEP and step in model.steps:
                said.append(f"{k}: no case reached step '{step}' in its replications")
            else:
                said.append(f"{k}: no value in its replications")
        return "an objective KPI is undefined: " + "; ".join(said)

    def _run(self, model: ProcessModel, reps: Sequence[int]) -> list[tuple[int, dict[str, float]]]:
        jobs = [(model, self.scenario, self.seed, r, self.segment_kpis) for r in reps]
        with allowed():  # Ctrl-C / SIGTERM stop a simulation at once (sim.optimize.interrupts)
            self.simulations += len(jobs)
            if self.workers == 1 or len(jobs) == 1:
                done = []
                for job in jobs:
                    done.append(_simulate_kpis(job))
                    raise_noted_stop()  # one C code dropped ends the search here
                return done
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    initializer=_start_worker,
                    initargs=(os.getpid(),),
                )
            try:
                done = sorted(self._pool.map(_simulate_kpis, jobs), key=lambda x: x[0])
                raise_noted_stop()
                return done
            except BrokenProcessPool as exc:  # a worker killed (out of memory) or crashed
                # what ended it, read before the pool is stopped, whose kill() of a worker slow
                # to stop would look like the out-of-memory killer's SIGKILL
                died = worker_death(pool_processes(self._pool))
                stop_pool(self._pool)
                self._pool = None
                raise died from exc

    def means(
        self, choice: Mapping[str, Any], replications: int, *, start: int = 0
    ) -> dict[str, float]:
        """Mean of every KPI over replications ``start..start+replications-1``, plus
        ``one_off_cost`` and the derived KPIs."""
        table = self.table(choice, replications, start=start)
        means = {c: float(table[c].mean()) for c in table.columns if c != "replication"}
        means["utilisation_max"] = derived_value(means, "utilisation_max")
        means["one_off_cost"] = self.space.one_off_cost(choice)
        return means

    def close(self, *, cancel: bool = False) -> None:
        """Stop the worker processes (``cancel``: drop the replications not started yet)."""
        if self._pool is not None:
            if cancel:  # a stop may have left a future's lock taken: the shutdown waited for ever
                release_locks_left_taken(self._pool)
            self._pool.shutdown(cancel_futures=cancel)
            self._pool = None

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        # interrupted (Ctrl-C, SIGTERM): stop after the replications in flight
        self.close(cancel=exc_type is not None)


def objective_values(means: Mapping[str, float], kpis: list[str]) -> list[float]:
    """The values of the named KPIs (derived names included), NaN when absent."""
    out = []
    for k in kpis:
        v = derived_value(means, k) if k == "utilisation_max" else float(means.get(k, math.nan))
        out.append(v)
    return out
