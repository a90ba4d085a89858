"""trials.csv's ``param:<variable>`` cells hold the value each trial's redesign gives the
variable, not Optuna's proposal where the redesign dropped it (QA leftovers23 #25: with
'review' removed, a proposed second expert is no hire, yet trials.csv read ``2``). The study
keeps Optuna's proposal: it is Optuna's data."""

from __future__ import annotations

import json

import optuna
import pandas as pd

from sim.optimize import FollowUp, optimize_redesign
from sim.optimize.pipeline import used_params
from sim.redesign import SearchSpace

from .conftest import search_job

#: removing 'review' leaves the expert (its only step's role) without work: a hire there is
#: dropped by the redesign
SPACE = {
    "model": "tiny",
    "budget": 10000,
    "remove": ["review"],
    "staffing": {"expert": {"min": 1, "max": 2, "one_off_cost_per_hire": 100}},
}


def test_a_dropped_hire_reads_as_the_headcount_the_redesign_keeps(tiny_model, tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    space = SearchSpace.from_dict(SPACE, tiny_model)
    job = search_job(tiny_model, space, storage=url, n_trials=12, seed=5)
    follow = FollowUp(confirm_replications=2, top_k=1, ablate_top=0, prune_harm=False)
    optimize_redesign(job, run_dir=tmp_path / "run", follow_up=follow, progress=False, workers=1)
    study = optuna.load_study(study_name="t", storage=url)
    table = pd.read_csv(tmp_path / "run" / "trials.csv")
    trials = {t.number: t for t in study.trials}
    today = space.baseline()
    headcount = tiny_model.roles["expert"].headcount
    names = [v.name for v in space.variables]

    # Optuna proposed a second expert beside the removal: the study keeps that proposal, the
    # redesign (and trials.csv) keeps today's expert
    dropped = [
        n
        for n, t in trials.items()
        if t.params.get("remove:review") is True and t.params["staffing:expert"] > headcount
    ]
    assert dropped, "the seed gives no trial whose hire the redesign drops"
    for n in dropped:
        row = table.loc[table["trial"] == n].iloc[0]
        assert row["param:staffing:expert"] == headcount, (n, row["param:staffing:expert"])
        assert "expert" not in row["changes"]
    # a hire where the expert still works is one, and reads as proposed
    kept = [
        n for n, t in trials.items() if t.params == {"remove:review": False, "staffing:expert": 2}
    ]
    assert kept
    for n in kept:
        assert table.loc[table["trial"] == n, "param:staffing:expert"].item() == 2

    # every row: the cells that differ from today's values are exactly the redesign the search
    # simulated (its key, written when the trial ran), so trials of one redesign read alike
    for _, row in table.iterrows():
        t = trials[row["trial"]]
        changed = {n: row[f"param:{n}"] for n in names if row[f"param:{n}"] != today[n]}
        assert changed == json.loads(t.user_attrs["key"]), (row["trial"], changed)
        if pd.notna(row["duplicate_of"]):
            original = table.loc[table["trial"] == row["duplicate_of"]].iloc[0]
            assert [row[f"param:{n}"] for n in names] == [original[f"param:{n}"] for n in names]


def test_a_parameter_the_space_cannot_read_keeps_optunas_value(tiny_model):
    """A parameter the space does not know, or a trial with a value outside its domain, is
    written as Optuna holds it, not dropped."""
    space = SearchSpace.from_dict(SPACE, tiny_model)
    dists = {
        "remove:review": optuna.distributions.CategoricalDistribution([False, True]),
        "staffing:expert": optuna.distributions.IntDistribution(1, 5),
        "other": optuna.distributions.FloatDistribution(0.0, 1.0),
    }

    def trial(params):
        return optuna.trial.create_trial(
            params=params, distributions={n: dists[n] for n in params}, value=1.0
        )

    unknown = trial({"remove:review": True, "staffing:expert": 2, "other": 0.5})
    assert used_params(unknown, space) == {
        "remove:review": True,
        "staffing:expert": 1,
        "other": 0.5,
    }
    outside = {"remove:review": True, "staffing:expert": 5}
    assert used_params(trial(outside), space) == outside
