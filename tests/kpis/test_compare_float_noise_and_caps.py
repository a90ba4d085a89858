"""compare at float noise, its "measured otherwise" note under a cap, and its table's bases.

QA rt27_files F5: two deterministic runs differing only by an hourly cost of 0.3 against
0.30000000000000004 read "Margin per case 0 vs -0.000000000000000111 ... worse" (reversed:
"better"; Welch: "worse"; at another horizon: "changed"). A margin is revenue - cost: its
rounding is of the size of the cost (0.6), not of the margin (0), so no tolerance relative to
the margin alone could call it equal.

QA rt27_engine F6: two runs under the same cap at other arrival scales were told to "simulate
both with the same ... max_cases", which they had; a cap neither run reached
(max_cases=100000) made its run "measured otherwise", its changes said to be 'changed' while
every row read "no change".

QA rt27_engine F7: a sweep's comparison.md showed the baseline's mean over its 10 replications
beside a change over the 5 pairs a capped scenario measured: "1.593: -0.37" against 1.889.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.kpis.compare import NO_CHANGE, compare_scenarios
from tests.simcli import run_sim

COST = 0.6
NOISY_COST = 0.6000000000000001  # 2 people x 0.30000000000000004 an hour, as the QA's z6x
NOISY_MARGIN = COST - NOISY_COST  # -1.1e-16


def _money(cost: float, n: int) -> pd.DataFrame:
    """A deterministic run's replications: every one alike, revenue 0.6 a case."""
    return pd.DataFrame(
        {
            "cost_per_case": [cost] * n,
            "revenue_per_case": [COST] * n,
            "margin_per_case": [COST - cost] * n,
        }
    )


def _verdict(base: pd.DataFrame, alt: pd.DataFrame, kpi: str, **how) -> str:
    out = compare_scenarios({"a": base, "b": alt}, baseline="a", **how)
    return out.set_index(["scenario", "kpi"]).loc[("b", kpi), "verdict"]


@pytest.mark.parametrize(
    ("base", "alt", "how"),
    [
        (_money(COST, 3), _money(NOISY_COST, 3), {"paired": True}),
        (_money(NOISY_COST, 3), _money(COST, 3), {"paired": True}),  # the reverse order
        (_money(COST, 3), _money(NOISY_COST, 4), {"paired": False}),  # Welch
        (_money(COST, 3), _money(NOISY_COST, 3), {"paired": True, "measured_otherwise": {"b"}}),
    ],
    ids=["paired", "reversed", "welch", "measured-otherwise"],
)
def test_a_margin_apart_by_the_rounding_of_its_cost_is_no_change(base, alt, how):
    assert NOISY_MARGIN != 0.0  # the QA's -0.000000000000000111
    assert _verdict(base, alt, "margin_per_case", **how) == NO_CHANGE
    assert _verdict(base, alt, "cost_per_case", **how) == NO_CHANGE


def test_a_small_real_margin_change_is_still_worse():
    dearer = _money(COST + 1e-9, 3)  # a billionth of a cost unit: small, but no rounding
    assert _verdict(_money(COST, 3), dearer, "margin_per_case", paired=True) == "worse"


def test_a_waiting_of_zero_against_clock_rounding_is_no_change():
    """A waiting is a start minus an arrival on a clock of hundreds of hours: its rounding is
    of the size of the run's times, not of the waiting's own 0."""
    base = pd.DataFrame({"cycle_time_mean": [1.6] * 3, "waiting_per_case": [0.0] * 3})
    alt = base.assign(waiting_per_case=[5.7e-14, 0.0, 1.1e-13])
    assert _verdict(base, alt, "waiting_per_case", paired=True) == NO_CHANGE


SMALL = [
    "process=mmc",
    "scenario.replications=3",
    "scenario.horizon_days=3",
    "scenario.warmup_days=1",
    "workers=1",
    "progress=false",
    "output.report=false",
]


def _simulate(run_dir, *extra: str) -> None:
    res = run_sim(*SMALL, *extra, f"hydra.run.dir={run_dir}")
    assert res.returncode == 0, res.stderr


def _compare(out, *runs) -> tuple[str, pd.DataFrame]:
    res = run_sim(
        "compare",
        f"runs=[{','.join(map(str, runs))}]",
        f"hydra.run.dir={out}",
        "output.report=false",
    )
    assert res.returncode == 0, res.stderr
    return res.stdout, pd.read_csv(out / "comparison.csv")


def test_a_cap_neither_run_reached_is_no_other_measurement(tmp_path):
    free, big, cut, out = (tmp_path / n for n in ("free", "big", "cut", "out"))
    _simulate(free)
    _simulate(big, "scenario.max_cases=100000")  # some 100 cases arrive: never reached
    _simulate(cut, "scenario.max_cases=40")  # reached on about day 1.7 of 4
    stdout, table = _compare(out, free, big, cut)
    notes = [line for line in stdout.splitlines() if "measured otherwise" in line]
    assert len(notes) == 1
    assert "scenario.max_cases=40 against null" in notes[0]
    assert "100000" not in notes[0]
    labels = list(dict.fromkeys(table["scenario"]))
    never = table[table["scenario"] == labels[1]]
    assert set(never["verdict"]) == {NO_CHANGE}


def test_the_same_cap_at_another_volume_is_told_to_run_without_the_cap(tmp_path):
    a, b, out = (tmp_path / n for n in ("a", "b", "out"))
    _simulate(a, "scenario.max_cases=40")
    _simulate(b, "scenario.max_cases=40", "scenario.arrival_scale=0.8")  # reached later
    stdout, _ = _compare(out, a, b)
    note = next(line for line in stdout.splitlines() if "measured otherwise" in line)
    assert "(scenario.arrival_scale=0.8 against 1.0)" in note
    # they had the same horizon, warm-up, cap and drain: only the cap can be changed
    assert "the same horizon_days" not in note and "max_cases and drain" not in note
    assert "scenario.max_cases=null" in note


def test_the_note_names_only_the_settings_that_differ():
    from sim.report.compare import comparison_notes

    base = {"horizon_days": 42, "warmup_days": 14, "max_cases": None, "drain": True}
    scenarios = [
        {"label": "base", "baseline": True, "measurement": base},
        {"label": "long", "measurement": base | {"horizon_days": 84}},
    ]
    empty = pd.DataFrame({"scenario": [], "verdict": [], "kpi": []})
    (note,) = [n for n in comparison_notes(empty, scenarios) if "measured otherwise" in n]
    assert "simulate both with the same horizon_days for a verdict" in note
    assert "warmup_days" not in note and "max_cases" not in note


def _capped_sweep() -> tuple[pd.DataFrame, list[dict]]:
    """A sweep's baseline of 4 replications and a capped job that measured 2 of them."""
    base = pd.DataFrame({"cycle_time_mean": [1.0, 2.0, 3.0, 4.0]})
    capped = pd.DataFrame({"cycle_time_mean": [float("nan"), 1.5, float("nan"), 3.1]})
    comparison = compare_scenarios({"free": base, "cap": capped}, baseline="free", paired=True)
    scenarios = [
        {"label": "free", "baseline": True, "model": "m", "replications": 4, "seed": 0},
        {"label": "cap", "model": "m", "replications": 4, "seed": 0},
    ]
    return comparison, scenarios


def test_comparison_md_shows_the_baseline_the_change_is_over():
    from sim.report.compare import comparison_markdown

    comparison, scenarios = _capped_sweep()
    row = next(
        line
        for line in comparison_markdown(comparison, scenarios).splitlines()
        if line.startswith("| Mean cycle time")
    )
    # 2.500 over all 4; the change, -0.70, is over the pairs 2 and 4, whose mean is 3.000
    assert row.startswith("| Mean cycle time (h) | 2.500 | 2.300: -0.70")
    assert "baseline's 3.000 over the 2 replications both runs measured" in row


def test_report_html_shows_the_baseline_the_change_is_over(tmp_path):
    import html
    import json

    from sim.report.compare import build_comparison_report

    comparison, scenarios = _capped_sweep()
    comparison.to_csv(tmp_path / "comparison.csv", index=False)
    (tmp_path / "scenarios.json").write_text(json.dumps(scenarios), encoding="utf-8")
    page = html.unescape(build_comparison_report(tmp_path).read_text(encoding="utf-8"))
    assert "baseline's 3.000 over the 2 replications both runs measured" in page
