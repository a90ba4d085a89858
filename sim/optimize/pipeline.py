"""The whole search for one process: search, choose, confirm, ablate, prune, write the results."""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import pandas as pd
from optuna.trial import FrozenTrial, TrialState

from sim.errors import ConfigError
from sim.kpis.frames import as_integers
from sim.kpis.summary import measured_replications
from sim.model.jsonio import write_json
from sim.model.whole_files import write_text_whole, written_whole
from sim.optimize.confirm import (
    ALPHA,
    COMPARED,
    NEGLIGIBLE_CHANGE,
    Candidate,
    ablate,
    adjust_verdicts,
    confirm,
    identical_tests,
    is_recommended,
    mark_dominated,
    rank_confirmed,
    select_candidates,
)
from sim.optimize.evaluate import objective_values
from sim.optimize.outputs import (
    check_command,
    free_check_folder,
    pareto_table,
    recommendations_markdown,
    search_feasibility,
    trials_table,
    write_best_models,
)
from sim.optimize.prune import PASSES, drop_duplicates, prune
from sim.optimize.study import (
    SearchJob,
    SearchStart,
    StudySnapshot,
    check_job_kpis,
    finished_trials,
    integer_setting,
    job_evaluator,
    refuse_in_spawned_import,
    reporting_lost_storage,
    run_search,
)
from sim.redesign import SearchSpace


@dataclass(frozen=True)
class FollowUp:
    """What happens after the search."""

    confirm_replications: int = 20
    top_k: int = 5
    ablate_top: int = 3
    # drop the changes the ablation rates harm (then noise at a one-off cost, then other noise)
    # from a recommended redesign, re-confirm it, and recommend it instead when not worse
    prune_harm: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "prune_harm", bool(self.prune_harm))  # 0/1 from a config
        for name in ("confirm_replications", "top_k", "ablate_top"):
            # a numpy integer becomes an int; a float, a bool or text is refused by name
            object.__setattr__(
                self, name, integer_setting(getattr(self, name), f"optimizer.{name}")
            )
        # the confirmation's replications are fresh (indices past the search's), so any number
        # from 2 up is a valid confirmation; it need not exceed optimizer.replications, though
        # fewer replications detect less
        if self.confirm_replications < 2:
            raise ConfigError(
                "optimizer.confirm_replications: expected >= 2 (a CI needs two), got "
                f"{self.confirm_replications}"
            )
        if self.top_k < 1:
            raise ConfigError(
                f"optimizer.top_k: expected >= 1 (redesigns to confirm), got {self.top_k}"
            )
        if self.ablate_top < 0:
            raise ConfigError(
                f"optimizer.ablate_top: expected >= 0 (0: no ablation), got {self.ablate_top}"
            )


def optimize_redesign(
    job: SearchJob,
    *,
    run_dir: str | Path,
    follow_up: FollowUp = FollowUp(),
    progress: bool = True,
    workers: int | None = None,
    baseline_warning: Callable[[pd.DataFrame], str | None] | None = None,
    on_search_start: Callable[[SearchStart], None] | None = None,
    program: str = "python -m sim",
) -> dict[str, Any]:
    """Run (or resume) the search, then confirm, re-rank and ablate the best redesigns, and
    (``follow_up.prune_harm``) recommend them without the changes the ablation rates harm when
    that is confirmed not to be worse (``sim.optimize.prune``).

    The search simulates replications ``0..replications-1`` of each trial; the confirmation,
    ablation and pruning use ``confirm_replications`` fresh ones, indices from
    ``replications`` on, for the baseline and every candidate alike (paired). Same seed, same
    numbers; a resumed run re-simulates them identically.

    Writes ``trials.csv``, ``pareto.csv``, ``best/<rank>.yaml``, ``confirmation.json`` and
    ``recommendations.md`` into ``run_dir``, all of them from the study's trials as the search
    ended (``StudySnapshot``: another process sharing the study may add trials meanwhile), and
    returns the confirmation summary. ``program``: the command line's, in the command
    recommendations.md gives to check its figures (``sim`` for the installed script). With
    ``progress``, each phase after the search (confirmation, ablation, pruning) prints one line
    to stderr as it starts, so the minutes after the search's progress bar are not silent.

    ``baseline_warning``: what today's replications (a KPI table) call for saying before their
    figures are read (``sim.cli.simulate.unfinished_warning``: cases still in progress at the
    stop), or None; said once on stderr from the search's baseline before the search starts,
    and in recommendations.md under the confirmation's baseline.

    ``on_search_start``: ``run_search``'s ``on_start``, called before the search's first trial
    with the seeds its samplers are given (``SearchStart``; ``sim optimize`` records them in
    ``run.json``).

    Refused with a ``ConfigError`` before anything is written or searched: a call in a search
    worker that is importing the main script (``refuse_in_spawned_import``: with
    ``optimizer.n_jobs`` > 1 a script must put its calls under ``if __name__ ==
    "__main__":``) and, once the baseline's replication #0 is simulated, an objective or
    constraint KPI the simulation does not produce (``check_job_kpis``, as ``sim optimize``).
    """
    refuse_in_spawned_import("optimize_redesign")
    run_dir = Path(run_dir)

    def phase(text: str) -> None:
        if progress:
            sys.stderr.write(f"{text}\n")  # one write: parallel jobs share the terminal
            sys.stderr.flush()

    # the storage lost after the search too (the follow-up reads the study): one clear error
    with (
        reporting_lost_storage(job.settings.storage),
        job_evaluator(job, workers=workers) as ev,
    ):
        search_reps = job.settings.replications
        sims_today = ev.simulations
        check_job_kpis(job, ev)  # a misspelt KPI: refused before the run directory is made
        run_dir.mkdir(parents=True, exist_ok=True)
        if baseline_warning is not None:
            # today's search replications, which the search simulates anyway: said before it
            warning = baseline_warning(ev.table({}, search_reps))
            if warning:
                sys.stderr.write(f"{warning}\n")
                sys.stderr.flush()
        sims_today = ev.simulations - sims_today
        live, sims_search = run_search(job, ev, progress=progress, on_start=on_search_start)
        sims_search += sims_today
        # every file of this run describes the same trials: another process searching the
        # study may finish (or start) trials while the follow-up runs (QA rdb20 #4)
        study = StudySnapshot.of(live)
        trials = trials_csv_table(study, job, baseline_key=ev.key({}))
        with written_whole(run_dir / "trials.csv") as part:
            trials.to_csv(part, index=False)
        base_means = ev.means({}, search_reps)
        baseline_values = objective_values(base_means, [o.kpi for o in job.objectives])
        candidates: list[Candidate] = select_candidates(
            study, ev, job.objectives, top_k=follow_up.top_k, baseline_values=baseline_values
        )
        before = ev.simulations
        reps = follow_up.confirm_replications
        # fresh replications: past every index the search used (0..replications-1)
        start = search_reps
        phase(
            f"confirmation: {len(candidates)} candidate(s) x {reps} fresh paired replications "
            f"(#{start}-#{start + reps - 1}) against the baseline "
            f"({len(finished_trials(study))} trials searched)"
        )
        baseline = confirm(
            candidates,
            ev,
            job.objectives,
            job.constraints,
            replications=reps,
            start=start,
        )
        mark_dominated(candidates, job.objectives)
        # better than today first, then trade-offs, then the ones not recommended
        candidates = rank_confirmed(candidates)
        for c in candidates[: follow_up.ablate_top]:
            if is_recommended(c):
                n_changes = len(ev.space.active(c.choice))
                phase(
                    f"ablation of #{c.rank}: each of its {n_changes} change(s) taken out in "
                    f"turn, {reps} replications each"
                )
                ablate(c, ev, job.objectives, replications=reps, start=start)
                if follow_up.prune_harm and any(find(c, ev) for _, find in PASSES):
                    phase(
                        f"pruning #{c.rank}: confirming it without the changes its ablation "
                        "rates harm or noise"
                    )
                if follow_up.prune_harm:
                    prune(
                        c,
                        ev,
                        job.objectives,
                        job.constraints,
                        replications=reps,
                        start=start,
                        search_replications=search_reps,
                        family=candidates,
                    )
        # Holm over the final family (a pruned redesign in the place of the one found), then
        # dominance on the confirmed values, then the order
        n_comparisons = adjust_verdicts(candidates, job.objectives)
        n_identical = identical_tests(candidates, job.objectives)
        candidates = drop_duplicates(candidates, ev)
        n_dominance = mark_dominated(candidates, job.objectives)
        candidates = rank_confirmed(candidates)
        # no candidate: how near the search came to the constraints (its nearest trial's KPIs)
        feasibility = search_feasibility(study, ev, job.constraints) if not candidates else None
        sims_confirm = ev.simulations - before
        pareto = pareto_table(
            candidates,
            job.objectives,
            baseline_search=base_means,
            # the confirmation simulated these already: from the cache
            baseline_confirmed=ev.means({}, reps, start=start),
            constraints=job.constraints,
        )
        with written_whole(run_dir / "pareto.csv") as part:
            pareto.to_csv(part, index=False)
        write_best_models(candidates, ev, run_dir / "best")
        n_finished = len(finished_trials(study))
        failed = study.get_trials(deepcopy=False, states=(TrialState.FAIL,))
        n_refused = sum(1 for t in failed if t.user_attrs.get("refused"))
        # pruned: an objective undefined, the reason under refused in trials.csv
        pruned = Counter(
            str(t.user_attrs.get("refused") or "an objective KPI is undefined")
            for t in study.get_trials(deepcopy=False, states=(TrialState.PRUNED,))
        )
        md = recommendations_markdown(
            model_name=job.model.name,
            candidates=candidates,
            baseline=baseline,
            objectives=job.objectives,
            constraints=job.constraints,
            confirm_replications=reps,
            n_trials=n_finished,
            simulations=sims_search + sims_confirm,
            search_simulations=sims_search,
            refused=n_refused,
            stopped=len(failed) - n_refused,
            # the snapshot's, as trials.csv lists them (QA walk28_research F3)
            running=[t.number for t in study.get_trials(states=(TrialState.RUNNING,))],
            resumable=job.settings.storage is not None,
            search_replications=search_reps,
            search_baseline=dict(
                zip([o.kpi for o in job.objectives], baseline_values, strict=True)
            ),
            comparisons=n_comparisons,
            identical=n_identical,
            feasibility=feasibility,
            pruned=pruned,
            models={c.rank: ev.redesigned(c.choice) for c in candidates},
            # measured, not estimated: whether a role of a redesign has work (idle_roles)
            utilisation={
                c.rank: _utilisation(ev.means(c.choice, reps, start=start)) for c in candidates
            },
            scenario=job.scenario,
            check_args=check_command(job.scenario, seed=job.seed, first=start, replications=reps),
            program=program,
            check_folder=free_check_folder(run_dir),
            warnings=[w for w in [baseline_warning and baseline_warning(baseline)] if w],
        )
        write_text_whole(run_dir / "recommendations.md", md)
        summary = {
            "model": job.model.name,
            "study_name": job.settings.study_name,
            "trials_finished": n_finished,
            # proposals the search space refused: failed trials in trials.csv, no trial
            "proposals_refused": n_refused,
            "simulations_this_run": {"search": sims_search, "confirmation": sims_confirm},
            "objectives": [o.__dict__ for o in job.objectives],
            "constraints": [c.__dict__ for c in job.constraints],
            # two estimates of today's process, on different replications: the search's (the
            # trials' values in trials.csv are relative to it) and the confirmation's (every
            # candidate's comparison, ablation and pruning is paired with it)
            "baseline_search": {
                "replications": [0, search_reps - 1],
                "values": {o.kpi: v for o, v in zip(job.objectives, baseline_values, strict=True)},
            },
            "baseline_confirmation": {
                "replications": [start, start + reps - 1],
                "values": _means(baseline, [o.kpi for o in job.objectives]),
                # 0: every case arrived in the warm-up (a scenario.max_cases reached there),
                # nothing was measured and no candidate could be judged
                "measured_replications": measured_replications(baseline),
            },
            "confirm_replications": reps,
            "search_replications": search_reps,
            "multiple_comparisons": {
                "method": "holm",
                "family": "every candidate x objective test against the confirmation baseline "
                "with any difference, including the versions pruning confirmed and did not "
                "report; a test whose paired differences are 0 in every replication (identical: "
                "true in its comparison) is no test and is left out",
                "comparisons": n_comparisons,
                "left_out_identical": n_identical,
                "familywise_alpha": ALPHA,
                "rule": "better: an objective improves significantly after Holm's adjustment "
                "and none is significantly worse at the unadjusted 95 % level; the CIs shown "
                "are unadjusted; an improvement smaller than negligible_change of today's mean "
                "(that many units of a share) is negligible (negligible: true in its "
                "comparison) and counts as none, and so does a difference under that floor in "
                "an ablation contribution or a pruning's versus_kept (negligible: true there: "
                "neither help nor harm, neither better nor worse); a throughput change of the "
                "measurement "
                "window's edges (window_edge: the reason, in its comparison, an ablation "
                "contribution or a pruning's versus_kept) counts as neither better nor worse",
                "negligible_change": NEGLIGIBLE_CHANGE,
                # mark_dominated: a second family, the recommended candidates against each other
                "dominance": {
                    "family": "every pair of recommended candidates x objective, paired "
                    "t-test on the per-replication differences (a pair identical in every "
                    "replication on an objective is no test and is left out)",
                    "comparisons": n_dominance,
                    "rule": "dominated: another recommended candidate's means are no worse on "
                    "every objective and better on one significantly after Holm's adjustment; "
                    "a lead on the means alone is reported as indistinguishable_from; a "
                    "throughput difference of the measurement window's edges between the two "
                    "(window_edge) is neither a lead nor a lag, nor is a difference under "
                    "negligible_change of today's mean (negligible: the objectives)",
                },
            },
            "prune_harm": follow_up.prune_harm,
            "candidates": [c.to_dict() for c in candidates],
        }
        write_json(run_dir / "confirmation.json", summary)
        return summary


#: trials.csv's columns of whole numbers that may be missing (a refused trial's): written as
#: integers (pandas' nullable ``Int64``), not as the floats a column with gaps becomes (``3.0``)
INTEGER_COLUMNS = ("replications", "duplicate_of")
PARAM_PREFIX = "param:"
CONSTRAINT_PREFIX = "constraint:"


def trials_csv_table(
    study: optuna.Study | StudySnapshot, job: SearchJob, *, baseline_key: str
) -> pd.DataFrame:
    """``trials.csv``: ``trials_table``'s columns, then ``is_baseline`` (the trial is today's
    process: the redesign of key ``baseline_key``, no change), one ``param:<name>`` column per
    search variable with the value the trial's redesign gives it (``used_params``; the search
    space's variables in order, then any other parameter a trial has), and, for a search with
    constraints, one ``constraint:<kpi>`` column per constrained KPI with its value on the
    trial's search replications (``feasible`` says whether they are within bounds).
    ``replications`` and ``duplicate_of`` are integers with gaps (QA researcher17 #5: the search
    variables and the constraint values were only in study.db, today's process unmarked,
    ``duplicate_of`` 3.0)."""
    table = trials_table(study, job.objectives)
    if "trial" not in table:  # no trial at all: no column either
        return table
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    rows = [trials[n] for n in table["trial"]]
    table["is_baseline"] = [t.user_attrs.get("key") == baseline_key for t in rows]
    names = [v.name for v in job.space.variables]
    names += sorted({n for t in rows for n in t.params} - set(names))
    used = [used_params(t, job.space) for t in rows]
    for name in names:
        table[f"{PARAM_PREFIX}{name}"] = as_integers(
            pd.Series([u.get(name) for u in used], index=table.index, dtype=object)
        )
    for kpi in dict.fromkeys(c.kpi for c in job.constraints):
        table[f"{CONSTRAINT_PREFIX}{kpi}"] = pd.Series(
            [_constraint_value(t, kpi) for t in rows], index=table.index, dtype=float
        )
    for name in INTEGER_COLUMNS:
        if name in table:
            table[name] = as_integers(table[name], whole_floats=True)
    return table


def used_params(trial: FrozenTrial, space: SearchSpace) -> dict[str, Any]:
    """The values ``trial``'s redesign gives the variables Optuna proposed for it
    (``SearchSpace.effective``, as confirmation.json's ``choice``): Optuna's proposal, except a
    hire into a role that the trial's other changes leave without work, which is the model's
    headcount (the redesign hires nobody there; the trial's ``params`` in the study keep the
    proposal). A variable Optuna was not asked (it conflicts with a change before it, or its
    cheapest change no longer fits the budget) has no value; a parameter the space does not
    know, or every parameter of a trial the space cannot read (a value outside its domain),
    keeps Optuna's value (QA leftovers23 #25: trials.csv showed the dropped hire)."""
    known = {v.name for v in space.variables}
    proposed = {n: v for n, v in trial.params.items() if n in known}
    try:
        used = space.effective(proposed)
    except ConfigError:
        return dict(trial.params)
    return {n: used.get(n, v) for n, v in trial.params.items()}


def _constraint_value(trial: FrozenTrial, kpi: str) -> float:
    """A completed trial's value of the constrained ``kpi`` (NaN for any other trial): as the
    search recorded it (``constraint_values``), else, for a trial of an older version, its
    headline KPIs' (``kpis``)."""
    if trial.state != TrialState.COMPLETE:
        return math.nan
    for attr in ("constraint_values", "kpis"):
        recorded = trial.user_attrs.get(attr)
        if isinstance(recorded, dict) and recorded.get(kpi) is not None:
            return float(recorded[kpi])
    return math.nan


def _utilisation(means: dict[str, float]) -> dict[str, float]:
    """Each role's utilisation (``utilisation:<role>``) among a redesign's KPI means."""
    prefix = "utilisation:"
    return {k.removeprefix(prefix): v for k, v in means.items() if k.startswith(prefix)}


def _means(table: Any, kpis: list[str]) -> dict[str, float]:
    """Means of a replications table's objectives and headline KPIs (derived ones included)."""
    means = {c: float(table[c].mean()) for c in table.columns if c != "replication"}
    keys = list(dict.fromkeys([*kpis, *COMPARED]))
    vals = objective_values(means, keys)
    return {k: v for k, v in zip(keys, vals, strict=True) if v == v}
