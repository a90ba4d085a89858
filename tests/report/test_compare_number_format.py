"""compare's numbers (console, comparison.md and report.html all use ``plain`` and
``change_text``) follow the README's rule for changes, never a negative zero, and keep a value's
four significant digits as simulate prints them (QA walk28_research F2: a drop-off rate's
interval read "+0.2 [-0.0, +0.4]" for a lower bound of -0.03 pp; a p90 cycle time of 9.600 h
read "9.6" beside "4.276")."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from sim.kpis.compare import compare_scenarios
from sim.kpis.summary import _fmt
from sim.report.compare import change_text, comparison_markdown, plain


def test_a_bound_just_below_zero_shows_its_sign_with_digits():
    """-0.0278 pp is not "-0.0": enough decimals to read it, the same for the change and the
    other bound."""
    assert change_text(0.002, -0.000278, 0.004, "%") == ("+0.200", "[-0.028, +0.400]")
    assert change_text(0.05, -0.0004, 0.11, "h") == ("+0.05000", "[-0.00040, +0.11000]")


def test_a_change_that_reads_zero_has_no_sign():
    """A value a thousandth of the largest or less reads 0 at the interval's precision: written
    0, never -0.0 or -0.00; an exact 0 too."""
    assert change_text(0.5, -0.0004, 1.0, "h") == ("+0.50", "[0.00, +1.00]")
    assert change_text(0.0, -0.5, 0.5, "h") == ("0.000", "[-0.500, +0.500]")
    assert change_text(-0.0, -1.0, 1.0, "people") == ("0", "[-1, +1]")
    assert change_text(-0.00001, -0.5, 0.5, "%") == ("0.0", "[-50.0, +50.0]")


def test_values_keep_four_significant_digits_as_simulate_prints_them():
    simulate = _fmt({"mean": 9.6, "half_width": 0.1})  # simulate's console: "9.600 ± 0.10"
    assert plain(9.6, "h") == "9.600" == simulate.split(" ± ")[0]
    assert plain(3.0, "h") == "3.000"
    assert plain(4.2761, "h") == "4.276"
    assert plain(0.0300, "h") == "0.03000"
    assert plain(1234.4, "h") == "1,234"
    assert plain(3.0, "people") == "3"
    assert plain(-0.0, "cases") == "0"
    assert plain(0.0000004, "%") == "0.000040"  # a share that is not 0 does not read 0.0
    assert plain(0.25, "%") == "25.0"


def test_comparison_markdown_has_no_negative_zero():
    """The loan sweep's case end to end: the drop-off rate's lower bound just below 0."""
    noise = np.array([0.0010, -0.0012, 0.0008, -0.0004])
    base = pd.DataFrame({"dropoff_rate": 0.05 + noise, "cycle_time_p90": [9.6] * 4})
    alt = base.assign(dropoff_rate=base["dropoff_rate"] + [0.0004, 0.0, 0.0003, 0.0001])
    table = compare_scenarios({"a": base, "b": alt}, baseline="a", paired=True)
    row = table[(table["scenario"] == "b") & (table["kpi"] == "dropoff_rate")].iloc[0]
    assert -0.0005 < row["ci_low"] < 0  # rounded to a tenth of a pp, it read -0.0
    md = comparison_markdown(
        table, [{"label": s, "baseline": s == "a", "model": "m"} for s in ("a", "b")]
    )
    assert re.findall(r"-0(?:\.0+)?(?![\d.])", md) == []  # no -0, -0.0, -0.00
    assert "[-0.0091, +0.0491]" in md
    assert "| 9.600 |" in md
