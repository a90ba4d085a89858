"""A trial still RUNNING in a shared study as the search ends is counted and named in
recommendations.md (and so in report.html and on the console), with why it is not counted as a
trial (QA walk28_research F3: a run that lost its PostgreSQL connection left trial #5 RUNNING;
the rerun's trials.csv listed it so, while recommendations.md said only "30 trials, and 9
proposals ... refused")."""

from __future__ import annotations

import optuna
import pandas as pd
import pytest

from sim.optimize import FollowUp, Objective, optimize_redesign
from sim.optimize.study import GRACE_PERIOD_S, OWNERLESS_AFTER_S

from .conftest import candidates_markdown

# a trial asked outside Study.optimize, as a lost run leaves one: Optuna warns of heartbeats
pytestmark = pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
FOLLOW = FollowUp(confirm_replications=2, top_k=1, ablate_top=0)


def test_a_trial_left_running_by_a_lost_run_is_counted_and_named(make_job, tmp_path):
    job = make_job(storage=f"sqlite:///{tmp_path / 'shared.db'}", n_trials=3, replications=2)
    run = tmp_path / "run"
    optimize_redesign(job, run_dir=run, follow_up=FOLLOW, progress=False, workers=1)
    # what a run cut off from its database as a trial began leaves: asked, never told, with
    # neither its process nor a heartbeat recorded (younger than an hour: left running)
    left = optuna.load_study(study_name="t", storage=job.settings.storage).ask()
    optimize_redesign(job, run_dir=run, follow_up=FOLLOW, progress=False, workers=1)
    trials = pd.read_csv(run / "trials.csv")
    assert trials.loc[trials["state"] == "RUNNING", "trial"].tolist() == [left.number]
    md = (run / "recommendations.md").read_text(encoding="utf-8")
    assert (
        f"Search: 3 trials, and 1 trial still running in the study as the search ended "
        f"(#{left.number}, state RUNNING in trials.csv; not counted as a trial, having no result:"
        in md
    )
    assert f"once it is {OWNERLESS_AFTER_S // 60} minutes old" in md


def test_running_trials_are_named_with_why_they_are_not_counted():
    baseline = pd.DataFrame({"replication": [0, 1], "cycle_time_mean": [1.0, 1.2]})
    objectives = [Objective("cycle_time_mean")]
    md = candidates_markdown([], baseline, objectives, 2, n_trials=30, refused=9, running=[5, 12])
    search = next(line for line in md.splitlines() if line.startswith("Search: "))
    assert search.startswith(
        "Search: 30 trials, and 9 proposals the search space refused (state FAIL in trials.csv, "
        "the reason under refused; not simulated, and not counted as trials) and 2 trials still "
        "running in the study as the search ended (#5, #12, state RUNNING in trials.csv; not "
        "counted as trials, having no result: another run's or worker's, still under way, or a killed run's,"
    )
    assert f"once its heartbeat is {GRACE_PERIOD_S} s old" in search
    assert f"once it is {OWNERLESS_AFTER_S // 60} minutes old" in search
    # none running: the line is as before
    plain = candidates_markdown([], baseline, objectives, 2, n_trials=30, refused=9)
    assert "still running" not in plain
