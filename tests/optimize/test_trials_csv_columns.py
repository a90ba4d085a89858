"""trials.csv can be analysed on its own (QA researcher17 #5): after the columns it always had,
whether the trial is today's process (``is_baseline``), the value of each search variable
(``param:<name>``, as Optuna's ``trial.params`` hold it) and, for a search with constraints,
each constrained KPI's value (``constraint:<kpi>``); ``duplicate_of`` (and ``replications``)
written as whole numbers, not ``3.0``."""

from __future__ import annotations

import csv
import dataclasses

import optuna
import pandas as pd
import pytest

from sim.optimize import Constraint, Evaluator, FollowUp, optimize_redesign
from sim.optimize.outputs import trials_table

#: a headline KPI (among the ones every trial records) and one that is not
LIMITS = (Constraint("utilisation_max", high=0.6), Constraint("utilisation:clerk", high=0.9))


def _run(make_job, tmp_path):
    url = f"sqlite:///{tmp_path / 'study.db'}"
    # four redesigns (the space's two variables) in ten trials: repeats, today's process among
    # them; a constraint that some of them break
    job = dataclasses.replace(make_job(storage=url, n_trials=10, seed=3), constraints=LIMITS)
    run = tmp_path / "run"
    follow = FollowUp(confirm_replications=2, top_k=1, ablate_top=0, prune_harm=False)
    optimize_redesign(job, run_dir=run, follow_up=follow, progress=False, workers=1)
    return job, optuna.load_study(study_name="t", storage=url), run / "trials.csv"


def test_trials_csv_holds_the_params_the_baseline_and_the_constraint_values(make_job, tmp_path):
    job, study, path = _run(make_job, tmp_path)
    table = pd.read_csv(path)
    trials = {t.number: t for t in study.trials}
    # the columns reports read keep their names and order; the new ones come after them
    old = list(trials_table(study, job.objectives).columns)
    names = [v.name for v in job.space.variables]
    limits = [f"constraint:{c.kpi}" for c in LIMITS]
    new = ["is_baseline", *(f"param:{n}" for n in names), *limits]
    assert list(table.columns) == old + new
    for _, row in table.iterrows():
        t = trials[row["trial"]]
        for n in names:  # the value Optuna holds, through the file
            assert str(row[f"param:{n}"]) == str(t.params[n])
        # today's process: the trial that changes nothing
        assert bool(row["is_baseline"]) == (not t.user_attrs["changes"])
    assert table["is_baseline"].any() and not table["is_baseline"].all()
    # each completed trial's constrained KPIs on its search replications, as simulated again
    done = table[table["state"] == "COMPLETE"]
    with Evaluator(
        model=job.model, space=job.space, scenario=job.scenario, seed=job.seed, workers=1
    ) as ev:
        for _, row in done.iterrows():
            choice = trials[row["trial"]].params
            means = ev.means(choice, int(row["replications"]))
            for c in LIMITS:
                assert row[f"constraint:{c.kpi}"] == pytest.approx(means[c.kpi])
    within = [done[f"constraint:{c.kpi}"] <= c.high for c in LIMITS]
    assert (done["feasible"] == (within[0] & within[1])).all()
    assert done["feasible"].any() and not done["feasible"].all()


def test_duplicate_of_is_written_as_a_whole_number(make_job, tmp_path):
    job, study, path = _run(make_job, tmp_path)
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    repeats = [r for r in rows if r["duplicate_of"]]
    assert repeats and len(repeats) < len(rows)
    for r in repeats:
        assert r["duplicate_of"].isdigit(), r["duplicate_of"]
        assert r["replications"].isdigit(), r["replications"]
        original = study.trials[int(r["duplicate_of"])]
        assert "duplicate_of" not in original.user_attrs
        assert str(original.params) == str(study.trials[int(r["trial"])].params)
    table = pd.read_csv(path, dtype={"duplicate_of": "Int64"})
    assert table["duplicate_of"].isna().sum() == len(rows) - len(repeats)
