"""Negligible effects (QA knownanswer16 #2): "Staff spare with 3 people instead of 1" was
recommended as better than today on "11.9 h -> 11.9 h, -0.00 (-0.0 %) [-0.00, -0.00],
significant yes, after Holm yes"; the effect was -0.000044 h. The change and its interval show
their size, and an improvement under the practical-significance floor (0.1 % of today's value,
0.1 percentage points for a share) makes no redesign better than today."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.optimize import Objective
from sim.optimize.confirm import (
    NEGLIGIBLE_CHANGE,
    Candidate,
    adjust_verdicts,
    is_recommended,
    negligible,
    verdict,
)
from sim.optimize.outputs import _fmt_change, recommendations_markdown

CT = Objective("cycle_time_mean")
DROP = Objective("dropoff_rate")


def _comparison(rows: dict[str, tuple[float, float, float, float]]) -> pd.DataFrame:
    """``{kpi: (base, diff, ci_low, ci_high)}`` as a paired comparison table; each row
    significant when its interval excludes 0, with a small p-value then."""
    out = {}
    for kpi, (base, diff, lo, hi) in rows.items():
        sig = lo > 0 or hi < 0
        out[kpi] = {
            "base": base,
            "alt": base + diff,
            "diff": diff,
            "ci_low": lo,
            "ci_high": hi,
            "n": 10,
            "relative": diff / base,
            "significant": sig,
            "p_value": 1e-5 if sig else 0.5,
        }
    return pd.DataFrame.from_dict(out, orient="index")


# the QA run's figures: 11.924 h today, -0.0000443 h [-0.0000576, -0.0000309]
QA = (11.924094954758232, -4.4258044303724374e-05, -5.7636603208321354e-05, -3.08794853991e-05)


def test_the_change_and_its_interval_show_their_size() -> None:
    row = _comparison({"cycle_time_mean": QA}).loc["cycle_time_mean"]
    text = _fmt_change("cycle_time_mean", row)
    assert text == "-0.000044 (-0.00037 %) [-0.000058, -0.000031]"
    assert "0.00 " not in text and "-0.00," not in text
    # ordinary changes keep two decimals, and a change of exactly 0 stays 0.00
    big = _comparison({"cycle_time_mean": (26.8, -22.73, -23.30, -22.16)}).loc["cycle_time_mean"]
    assert _fmt_change("cycle_time_mean", big) == "-22.73 (-84.8 %) [-23.30, -22.16]"
    zero = _comparison({"cost_per_case": (1205.0, 0.0, 0.0, 0.0)}).loc["cost_per_case"]
    assert _fmt_change("cost_per_case", zero) == "0.00 (0.0 %) [0.00, 0.00]"  # no sign: 0


@pytest.mark.parametrize(
    ("kpi", "base", "diff", "small"),
    [
        ("cycle_time_mean", 11.9, -4.4e-5, True),
        ("cycle_time_mean", 11.9, -0.0118, True),  # just under 0.1 % of 11.9
        ("cycle_time_mean", 11.9, -0.0120, False),
        ("cycle_time_mean", 11.9, 0.0, False),  # no change is not a negligible one
        ("cost_per_case", 0.0, -0.01, False),  # nothing to take a share of
        ("dropoff_rate", 0.30, -0.0009, True),  # 0.09 percentage points
        ("dropoff_rate", 0.30, -0.0011, False),  # a share: 0.1 pp, not 0.1 % of 30 %
    ],
)
def test_the_floor(kpi, base, diff, small) -> None:
    assert NEGLIGIBLE_CHANGE == 0.001
    assert negligible(kpi, {"base": base, "diff": diff}) is small


def test_a_significant_but_negligible_improvement_is_not_better() -> None:
    tiny = _comparison({"cycle_time_mean": QA})
    assert bool(tiny.loc["cycle_time_mean", "significant"])
    assert verdict(tiny, [CT]) == "within noise"
    real = _comparison({"cycle_time_mean": (11.9, -0.5, -0.7, -0.3)})
    assert verdict(real, [CT]) == "better"
    # a share: 0.09 pp is negligible, 0.5 pp is not
    share = _comparison({"dropoff_rate": (0.30, -0.0009, -0.0012, -0.0006)})
    assert verdict(share, [DROP]) == "within noise"
    share = _comparison({"dropoff_rate": (0.30, -0.005, -0.007, -0.003)})
    assert verdict(share, [DROP]) == "better"
    # a negligible improvement beside a real one: better, on the real one
    both = _comparison({**{"cycle_time_mean": QA}, "dropoff_rate": (0.3, -0.005, -0.007, -0.003)})
    assert verdict(both, [CT, DROP]) == "better"


def test_recommendations_say_it_is_negligible_and_do_not_recommend_it() -> None:
    c = Candidate(
        trial=12,
        choice={},
        changes=["Staff spare with 3 people instead of 1"],
        one_off_cost=0.0,
        search_values=[11.9],
        rank=1,
        search_rank=1,
        comparison=_comparison({"cycle_time_mean": QA}),
    )
    adjust_verdicts([c], [CT])
    assert bool(c.comparison.loc["cycle_time_mean", "significant_adjusted"])
    assert c.comparison.loc["cycle_time_mean", "negligible"] is True
    assert c.verdict == "within noise" and not is_recommended(c)
    base = pd.DataFrame({"replication": range(3), "cycle_time_mean": [QA[0]] * 3})
    md = recommendations_markdown(
        model_name="noop",
        candidates=[c],
        baseline=base,
        objectives=[CT],
        constraints=(),
        confirm_replications=10,
        n_trials=16,
        simulations=0,
        comparisons=1,
    )
    recommended = md.split("## Recommended")[1].split("## Tried")[0]
    assert recommended.strip().startswith("None.")
    # best/1.yaml holds this candidate all the same: said, since none is recommended
    assert (
        "Their models are in `best/<rank>.yaml` for checking: none of them is a recommendation."
        in recommended
    )
    assert (
        "### 1. Redesign from trial 12: no practical difference from today (a significant but "
        "negligible change)" in md
    )
    assert (
        "Not recommended: its significant improvement on mean cycle time is negligible (under "
        "0.1 % of today's value), which makes no redesign better than today; no other objective "
        "changed significantly." in md
    )
    row = next(line for line in md.splitlines() if line.startswith("| mean cycle time |"))
    assert "-0.000044 (-0.00037 %) [-0.000058, -0.000031]" in row
    assert row.endswith(
        "| yes | yes (p < 0.001); negligible (under 0.1 % of today's value): no improvement |"
    )
    # the floor is said once, beside the rule for significance
    assert (
        "An improvement smaller than 0.1 % of today's value (0.1 percentage points for a share) "
        "is negligible: however significant, it makes no redesign better than today." in md
    )
