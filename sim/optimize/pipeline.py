"""The whole search for one process: search, choose, confirm, ablate, prune, write the results."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.model.jsonio import write_json
from sim.optimize.confirm import (
    Candidate,
    ablate,
    confirm,
    is_recommended,
    rank_confirmed,
    select_candidates,
)
from sim.optimize.evaluate import Evaluator, objective_values
from sim.optimize.outputs import (
    pareto_table,
    recommendations_markdown,
    trials_table,
    write_best_models,
)
from sim.optimize.prune import PASSES, drop_duplicates, prune
from sim.optimize.study import SearchJob, finished_trials, run_search


@dataclass(frozen=True)
class FollowUp:
    """What happens after the search."""

    confirm_replications: int = 20
    top_k: int = 5
    ablate_top: int = 3
    # drop the changes the ablation rates harm (then noise at a one-off cost) from a
    # recommended redesign, re-confirm it, and recommend it instead when not worse
    prune_harm: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "prune_harm", bool(self.prune_harm))  # 0/1 from a config


def optimize_redesign(
    job: SearchJob,
    *,
    run_dir: Path,
    follow_up: FollowUp = FollowUp(),
    progress: bool = True,
    workers: int | None = None,
) -> dict[str, Any]:
    """Run (or resume) the search, then confirm, re-rank and ablate the best redesigns, and
    (``follow_up.prune_harm``) recommend them without the changes the ablation rates harm when
    that is confirmed not to be worse (``sim.optimize.prune``).

    Writes ``trials.csv``, ``pareto.csv``, ``best/<rank>.yaml``, ``confirmation.json`` and
    ``recommendations.md`` into ``run_dir`` and returns the confirmation summary. With
    ``progress``, each phase after the search (confirmation, ablation, pruning) prints one line
    to stderr as it starts, so the minutes after the search's progress bar are not silent.
    """

    def phase(text: str) -> None:
        if progress:
            sys.stderr.write(f"{text}\n")  # one write: parallel jobs share the terminal
            sys.stderr.flush()

    run_dir.mkdir(parents=True, exist_ok=True)
    with Evaluator(
        model=job.model, space=job.space, scenario=job.scenario, seed=job.seed, workers=workers
    ) as ev:
        study, sims_search = run_search(job, ev, progress=progress)
        trials = trials_table(study, job.objectives)
        trials.to_csv(run_dir / "trials.csv", index=False)
        base_means = ev.means({}, job.settings.replications)
        baseline_values = objective_values(base_means, [o.kpi for o in job.objectives])
        candidates: list[Candidate] = select_candidates(
            study, ev, job.objectives, top_k=follow_up.top_k, baseline_values=baseline_values
        )
        before = ev.simulations
        reps = follow_up.confirm_replications
        phase(
            f"confirmation: {len(candidates)} candidate(s) x {reps} paired replications "
            f"against the baseline ({len(finished_trials(study))} trials searched)"
        )
        baseline = confirm(
            candidates,
            ev,
            job.objectives,
            job.constraints,
            replications=follow_up.confirm_replications,
        )
        # better than today first, then trade-offs, then the ones not recommended
        candidates = rank_confirmed(candidates)
        for c in candidates[: follow_up.ablate_top]:
            if is_recommended(c):
                n_changes = len(ev.space.active(c.choice))
                phase(
                    f"ablation of #{c.rank}: each of its {n_changes} change(s) taken out in "
                    f"turn, {reps} replications each"
                )
                ablate(c, ev, job.objectives, replications=follow_up.confirm_replications)
                if follow_up.prune_harm and any(find(c, ev) for _, find in PASSES):
                    phase(
                        f"pruning #{c.rank}: confirming it without the changes its ablation "
                        "rates harm (or noise at a one-off cost)"
                    )
                if follow_up.prune_harm:
                    prune(
                        c,
                        ev,
                        job.objectives,
                        job.constraints,
                        replications=follow_up.confirm_replications,
                    )
        if any(c.original is not None for c in candidates):
            # a pruned redesign may be better (a trade-off become better) or one found twice
            candidates = rank_confirmed(drop_duplicates(candidates, ev))
        sims_confirm = ev.simulations - before
        pareto_table(candidates, job.objectives).to_csv(run_dir / "pareto.csv", index=False)
        write_best_models(candidates, ev, run_dir / "best")
        n_finished = len(finished_trials(study))
        md = recommendations_markdown(
            model_name=job.model.name,
            candidates=candidates,
            baseline=baseline,
            objectives=job.objectives,
            constraints=job.constraints,
            confirm_replications=follow_up.confirm_replications,
            n_trials=n_finished,
            simulations=sims_search + sims_confirm,
        )
        (run_dir / "recommendations.md").write_text(md, encoding="utf-8")
        summary = {
            "model": job.model.name,
            "study_name": job.settings.study_name,
            "trials_finished": n_finished,
            "simulations_this_run": {"search": sims_search, "confirmation": sims_confirm},
            "objectives": [o.__dict__ for o in job.objectives],
            "constraints": [c.__dict__ for c in job.constraints],
            "baseline": {o.kpi: v for o, v in zip(job.objectives, baseline_values, strict=True)},
            "confirm_replications": follow_up.confirm_replications,
            "prune_harm": follow_up.prune_harm,
            "candidates": [c.to_dict() for c in candidates],
        }
        write_json(run_dir / "confirmation.json", summary)
        return summary
