"""recommendations.md printed a change that is float noise as '-0.00 (-0.0000000000000020 %)'
(QA confirmedge18): the relative change takes its decimals with its interval's."""

from __future__ import annotations

import pandas as pd

from sim.optimize.outputs import _fmt_change


def _row(diff: float, low: float, high: float, base: float) -> pd.Series:
    return pd.Series(
        {
            "diff": diff,
            "ci_low": low,
            "ci_high": high,
            "base": base,
            "relative": diff / base,
            "n": 5,
        }
    )


def test_float_noise_of_a_zero_change_reads_zero_per_cent():
    text = _fmt_change("cycle_time_mean", _row(-2.0e-14, -0.5, 0.5, 10.0))
    # a change that reads 0 has no sign (README: never -0.00; sim.kpis.units.signed_number)
    assert "(0.0 %)" in text and "-0.0" not in text and "0000" not in text, text


def test_a_small_real_change_keeps_its_digits():
    # -0.02 h of 100 h is -0.02 %: its digits stay, as its interval's
    text = _fmt_change("cycle_time_mean", _row(-0.02, -0.03, -0.01, 100.0))
    assert text == "-0.02 (-0.020 %) [-0.03, -0.01]", text
