"""Units on chart axes as the tables write them."""

from __future__ import annotations

from sim.report.charts import axis_title


def test_a_money_axis_says_cost_units_as_every_table_does():
    """The Pareto figure's axes read "money" where the console, comparison.md and report tables
    say "cost units" (QA cost17 #7)."""
    assert axis_title("One-off cost", "money", note="lower is better") == (
        "One-off cost (cost units; lower is better)"
    )
    assert axis_title("Mean cycle time", "h") == "Mean cycle time (h)"
