"""A back-test figure that only some replications measured (a step the others never reached)
says so in the report, as simulate's tables do (QA scoring23: helpdesk's `Resolve SW anomaly`
read `0 h` / `4.021 h` from one replication of three, with no note)."""

from __future__ import annotations

from sim.report.html import _ci_cell


def test_a_figure_of_one_replication_says_it_has_no_ci():
    cell = _ci_cell(
        {"mean": 4.021, "ci_low": None, "ci_high": None, "per_replication": [None, None, 4.021]},
        "h",
    )
    assert "no CI, measured in 1 of 3 replications" in cell and "4.021" in cell


def test_a_figure_of_some_replications_keeps_its_ci_and_says_how_many():
    d = {"mean": 2.0, "ci_low": 1.0, "ci_high": 3.0, "per_replication": [1.5, None, 2.5, 2.0]}
    cell = _ci_cell(d, "h")
    assert "measured in 3 of 4 replications" in cell and "no CI" not in cell and "[" in cell


def test_a_figure_of_every_replication_is_shown_as_before():
    d = {"mean": 2.0, "ci_low": 1.0, "ci_high": 3.0, "per_replication": [1.5, 2.5, 2.0]}
    assert "measured in" not in _ci_cell(d, "h")
    assert "measured in" not in _ci_cell({"mean": None, "per_replication": [None, None]}, "h")
