"""recommendations.md's check commands run as printed after a resumed search: where an earlier
confirmation's checks are in ``check/``, they name a free folder (QA walk24 #4: the printed
``hydra.run.dir=check/today`` was refused, holding the previous confirmation's check)."""

from __future__ import annotations

from sim.optimize.outputs import free_check_folder
from tests.optimize.test_recommendations import _candidates, _markdown


def test_the_first_free_check_folder_is_named(tmp_path):
    assert free_check_folder(tmp_path) == "check"
    (tmp_path / "check" / "today").mkdir(parents=True)
    assert free_check_folder(tmp_path) == "check-2"
    (tmp_path / "check-2").mkdir()
    assert free_check_folder(tmp_path) == "check-3"


def test_the_check_commands_write_to_the_folder_given():
    md = _markdown(_candidates(), check_args="seed=0", check_folder="check-2")
    assert "hydra.run.dir=check-2/today`" in md
    assert "hydra.run.dir=check-2/<rank>`" in md
    assert "check/ holds the checks of an earlier confirmation" in md
    plain = _markdown(_candidates(), check_args="seed=0")
    assert "hydra.run.dir=check/today`" in plain and "earlier confirmation" not in plain


def test_a_percentile_objective_is_said_to_be_averaged_per_replication():
    """QA pooled24 #5: recommendations.md's p95 (each replication's, averaged) read 209.3 where
    its check run's kpis.json (pooled) read 235.5, and nothing said why."""
    import pandas as pd

    from sim.optimize.objectives import Objective
    from sim.optimize.outputs import recommendations_markdown

    md = recommendations_markdown(
        model_name="m",
        candidates=[],
        baseline=pd.DataFrame({"cycle_time_p95": [100.0]}),
        objectives=(Objective("cycle_time_p95"),),
        constraints=(),
        confirm_replications=20,
        n_trials=8,
        simulations=100,
    )
    assert "p95 cycle time: each replication's own, averaged over the replications" in md
    plain = _markdown(_candidates())
    assert "averaged over the replications, as the search" not in plain


def test_every_earlier_check_folder_is_named():
    md = _markdown(_candidates(), check_args="seed=0", check_folder="check-3")
    assert "check/ and check-2/ hold the checks of earlier confirmations" in md
