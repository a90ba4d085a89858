"""QA redesignops19 #4: the note on runs of different models counted "(1 steps, 2 roles)"."""

from sim.report.compare import _model_note


def test_model_note_counts_one_step_and_one_role_in_the_singular():
    base = {"label": "today", "model": "m", "steps": ["a", "b"], "roles": ["ra", "rb"]}
    merged = {"label": "merged", "model": "m", "steps": ["ab"], "roles": ["ra"]}
    note = _model_note([base, merged])
    assert "today: m (2 steps, 2 roles)" in note
    assert "merged: m (1 step, 1 role)" in note


def test_no_model_note_for_runs_of_one_model():
    run = {"label": "today", "model": "m", "steps": ["a"], "roles": ["ra"]}
    assert _model_note([run, dict(run, label="again")]) is None
