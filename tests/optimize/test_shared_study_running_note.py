"""A search that starts in a shared storage says how many trials of the study are RUNNING: a
killed run's stay so until their heartbeat is stale, and a rerun within that grace period
finished with them still running, with no word (QA long jobs #9)."""

from __future__ import annotations

import optuna

from sim.optimize.study import GRACE_PERIOD_S, note_running


def test_running_trials_of_a_shared_study_are_named_on_the_console(capsys):
    study = optuna.create_study()
    left = [study.ask(), study.ask()]  # asked, never told: what a killed run leaves RUNNING
    done = study.ask()
    study.tell(done, 1.0)
    note_running(study)
    err = capsys.readouterr().err
    numbers = ", ".join(str(t.number) for t in left)
    assert f"note: 2 trial(s) of this study are running as this run starts (#{numbers})" in err
    assert f"once its heartbeat is {GRACE_PERIOD_S} s old" in err


def test_a_study_without_running_trials_says_nothing(capsys):
    study = optuna.create_study()
    study.tell(study.ask(), 1.0)
    note_running(study)
    assert capsys.readouterr().err == ""
