"""Which search trials become candidates, and in which order confirmed candidates are listed:
the most improving Pareto-optimal trials are the ones confirmed, a tie on one objective with a
loss on another is dominated, and a candidate that breaks a constraint once confirmed comes
after a feasible one of the same verdict (gaps a mutation audit found)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import optuna
from optuna.distributions import IntDistribution
from optuna.trial import create_trial

from sim.optimize import Candidate, Objective
from sim.optimize.confirm import rank_confirmed, select_candidates

CYCLE = Objective("cycle_time_mean")
THROUGHPUT = Objective("throughput_per_week", "maximize")


class _Keys:
    """The one part of ``Evaluator`` that ``select_candidates`` uses: a redesign's key (here each
    trial's ``x`` is its own redesign; ``{}`` is the baseline)."""

    def key(self, choice: Mapping[str, Any]) -> str:
        """The choice as canonical JSON."""
        return json.dumps(dict(choice), sort_keys=True)


def _study(objectives: Sequence[Objective], points: Sequence[Sequence[float]]) -> optuna.Study:
    """A finished study whose trial ``i`` (redesign ``x = i``) scored ``points[i]``."""
    study = optuna.create_study(directions=[o.direction for o in objectives])
    for i, values in enumerate(points):
        study.add_trial(
            create_trial(
                params={"x": i},
                distributions={"x": IntDistribution(0, len(points))},
                values=list(values),
                user_attrs={"constraints": [0.0], "changes": [f"change {i}"]},
            )
        )
    return study


def _select(objectives, points, baseline, top_k):
    return select_candidates(
        _study(objectives, points),
        _Keys(),
        objectives,
        top_k=top_k,
        baseline_values=baseline,
    )


def test_top_k_keeps_the_trials_that_improve_most_on_one_objective() -> None:
    """Single objective: of five trials, ``top_k=2`` confirms the two that cut the cycle time
    most, best first (not the two that cut it least)."""
    cands = _select((CYCLE,), [[90.0], [70.0], [95.0], [80.0], [99.0]], [100.0], top_k=2)
    assert [c.trial for c in cands] == [1, 3]
    assert [c.search_values for c in cands] == [[70.0], [80.0]]
    assert [(c.rank, c.search_rank) for c in cands] == [(1, 1), (2, 2)]


def test_top_k_ranks_a_pareto_front_by_mean_relative_improvement() -> None:
    """Two objectives (cycle time down, throughput up; baseline 100 h and 10 a week), four
    trials all on the Pareto front: the mean relative improvements are 0.075, 0.15, 0.125 and
    0.135, so ``top_k=2`` keeps trials 1 and 3, in that order."""
    points = [[90.0, 10.5], [60.0, 9.0], [95.0, 12.0], [98.0, 12.5]]
    cands = _select((CYCLE, THROUGHPUT), points, [100.0, 10.0], top_k=2)
    assert [c.trial for c in cands] == [1, 3]
    assert [c.changes for c in cands] == [["change 1"], ["change 3"]]


def test_a_tie_on_one_objective_and_a_loss_on_the_other_is_dominated() -> None:
    """Trial 1 equals trial 0's cycle time and has a lower throughput: dominated, so not a
    candidate however large ``top_k``. Trial 2, identical to trial 0 on both, is not dominated
    (nothing beats it on any objective) and stays; so does trial 3 (another trade-off)."""
    points = [[80.0, 12.0], [80.0, 11.0], [80.0, 12.0], [70.0, 9.0]]
    cands = _select((CYCLE, THROUGHPUT), points, [100.0, 10.0], top_k=10)
    assert sorted(c.trial for c in cands) == [0, 2, 3]


def _confirmed(trial: int, verdict: str, *, feasible: bool) -> Candidate:
    """A confirmed candidate that the search ranked ``trial``."""
    return Candidate(
        trial=trial,
        choice={"x": trial},
        changes=[f"change {trial}"],
        one_off_cost=0.0,
        search_values=[0.0],
        rank=trial,
        search_rank=trial,
        verdict=verdict,
        feasible=feasible,
    )


def test_a_candidate_breaking_a_constraint_comes_after_a_feasible_one_of_its_verdict() -> None:
    """Among candidates not recommended, one that breaks a constraint once confirmed is listed
    after a feasible one of the same verdict even when the search ranked it higher; ranks are
    renumbered and the search's rank kept."""
    cands = [
        _confirmed(1, "within noise", feasible=False),
        _confirmed(2, "within noise", feasible=True),
        _confirmed(3, "worse", feasible=False),
        _confirmed(4, "worse", feasible=True),
    ]
    order = rank_confirmed(cands)
    assert [c.trial for c in order] == [2, 1, 4, 3]
    assert [(c.rank, c.search_rank) for c in order] == [(1, 2), (2, 1), (3, 4), (4, 3)]


def test_an_infeasible_better_candidate_is_not_ranked_above_a_recommended_one() -> None:
    """A ``better`` candidate that breaks a constraint is not recommended: a feasible ``better``
    one the search ranked lower comes first."""
    order = rank_confirmed(
        [_confirmed(1, "better", feasible=False), _confirmed(2, "better", feasible=True)]
    )
    assert [c.trial for c in order] == [2, 1]
