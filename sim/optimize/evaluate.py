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
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

import pandas as pd

from sim.engine import available_cores, exit_with_parent, run_replication
from sim.kpis import replication_kpis
from sim.kpis.summary import replication_segment_kpis
from sim.model import ProcessModel
from sim.model.scenario import Scenario
from sim.optimize.interrupts import allowed, worker_signals
from sim.optimize.objectives import derived_value
from sim.redesign import SearchSpace


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
    ) -> None:
        """``segment_kpis``: also each case segment's KPIs (``segment:<segment>:<kpi>``, for
        objectives and constraints that name one)."""
        self.model = model
        self.segment_kpis = bool(segment_kpis)
        self.space = space
        self.scenario = scenario
        self.seed = int(seed)
        self.workers = max(1, available_cores() if workers is None else int(workers))
        self._pool: Executor | None = None
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
        the same random streams: paired)."""
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
        return out

    def _run(self, model: ProcessModel, reps: Sequence[int]) -> list[tuple[int, dict[str, float]]]:
        jobs = [(model, self.scenario, self.seed, r, self.segment_kpis) for r in reps]
        with allowed():  # Ctrl-C / SIGTERM stop a simulation at once (sim.optimize.interrupts)
            self.simulations += len(jobs)
            if self.workers == 1 or len(jobs) == 1:
                return [_simulate_kpis(j) for j in jobs]
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    initializer=_start_worker,
                    initargs=(os.getpid(),),
                )
            return sorted(self._pool.map(_simulate_kpis, jobs), key=lambda x: x[0])

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
