"""Comparison tables write money as the optimize outputs do: three significant digits at least,
so a cost per case of 0.012 against 0.014 is not "0.01 -> 0.01, worse" (QA retest17 N1)."""

from __future__ import annotations

from sim.report.compare import plain


def test_small_money_keeps_three_significant_digits():
    assert plain(0.012, "money") == "0.0120"
    assert plain(0.014, "money") == "0.0140"
    assert plain(42.857, "money") == "42.9"
    assert plain(1234.4, "money") == "1,234"
    assert plain(52.0, "money") == "52"
