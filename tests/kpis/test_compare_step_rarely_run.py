"""A KPI measured in only one of a run's several replications (QA compare19 #3): a step a rare
branch reached once got ``no CI (1 replication)``, and the scenario the note "one replication
... nothing was tested; simulate with scenario.replications=10 or more" though both runs had 8
replications and every other KPI was tested."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.kpis.compare import compare_scenarios
from sim.report.compare import comparison_notes


def _runs(reps_base: int, reps_alt: int, rare_in: int = 2) -> dict[str, pd.DataFrame]:
    """Two runs: a cycle time measured in every replication, the waiting at ``escalate`` only
    in replication ``rare_in`` (its only case)."""
    rng = np.random.default_rng(3)

    def run(reps: int, shift: float) -> pd.DataFrame:
        rare = np.full(reps, np.nan)
        rare[rare_in] = 0.0
        return pd.DataFrame(
            {"cycle_time_mean": rng.normal(10.0 + shift, 1.0, reps), "waiting_mean:escalate": rare}
        )

    return {"expert=2": run(reps_base, 0.0), "expert=3": run(reps_alt, -3.0)}


def _scenarios(tables: dict[str, pd.DataFrame]) -> list[dict]:
    return [
        {"label": name, "baseline": i == 0, "replications": len(t)}
        for i, (name, t) in enumerate(tables.items())
    ]


@pytest.mark.parametrize("paired", [True, False])
def test_a_step_run_in_one_of_eight_replications_says_so(paired: bool) -> None:
    tables = _runs(8, 8)
    out = compare_scenarios(tables, baseline="expert=2", paired=paired)
    row = out.set_index(["scenario", "kpi"]).loc[("expert=3", "waiting_mean:escalate")]
    assert row["verdict"] == "no CI (measured in 1 of 8 replications)"
    tested = out.set_index(["scenario", "kpi"]).loc[("expert=3", "cycle_time_mean")]
    assert tested["verdict"] == "better"
    notes = comparison_notes(out, _scenarios(tables))
    assert not [n for n in notes if "one replication" in n], notes


def test_welch_names_the_run_that_measured_it_once() -> None:
    """The baseline measured it once in 8 replications, the scenario (10 replications,
    another seed) in 3: the verdict names the baseline's replications."""
    tables = _runs(8, 10)
    tables["expert=3"].loc[[4, 7], "waiting_mean:escalate"] = [0.5, 0.2]
    out = compare_scenarios(tables, baseline="expert=2", paired=False)
    row = out.set_index(["scenario", "kpi"]).loc[("expert=3", "waiting_mean:escalate")]
    assert (row["n_base"], row["n_alt"]) == (1, 3)
    assert row["verdict"] == "no CI (measured in 1 of the baseline's 8 replications)"


@pytest.mark.parametrize(("reps_base", "reps_alt"), [(1, 1), (1, 8)])
def test_a_run_of_one_replication_keeps_its_verdict_and_note(reps_base, reps_alt) -> None:
    tables = _runs(reps_base, reps_alt, rare_in=0)
    out = compare_scenarios(tables, baseline="expert=2", paired=reps_base == reps_alt)
    alt = out[out["scenario"] == "expert=3"]
    assert set(alt["verdict"]) == {"no CI (1 replication)"}
    notes = comparison_notes(out, _scenarios(tables))
    assert [n for n in notes if n.startswith("expert=3: one replication")], notes


def test_the_page_counts_only_the_rows_that_test_something(tmp_path) -> None:
    """QA compare19 #5: report.html's "With N comparisons on this page" counted rows that
    cannot be false positives: a KPI equal in every replication (``no change``), a headcount
    set by the scenario (the same +1 in every replication)."""
    import json
    import re

    from sim.report.compare import build_comparison_report

    rng = np.random.default_rng(5)
    base = pd.DataFrame(
        {
            "cycle_time_mean": rng.normal(10.0, 1.0, 8),
            "utilisation:clerk": rng.normal(0.8, 0.02, 8),
            "headcount": 2.0,
            "dropoff_rate": 0.1,  # no drop-off branch changed: equal in every replication
        }
    )
    alt = base.assign(
        cycle_time_mean=base["cycle_time_mean"] - 3 + rng.normal(0, 0.2, 8),
        **{"utilisation:clerk": base["utilisation:clerk"] - 0.2 + rng.normal(0, 0.01, 8)},
        headcount=3.0,
    )
    comparison = compare_scenarios({"two": base, "three": alt}, baseline="two", paired=True)
    verdicts = comparison.set_index("kpi").loc[lambda t: t["scenario"] == "three", "verdict"]
    assert verdicts["dropoff_rate"] == "no change" and verdicts["headcount"] == "changed"
    comparison.to_csv(tmp_path / "comparison.csv", index=False)
    scenarios = [{"label": "two", "baseline": True}, {"label": "three", "baseline": False}]
    (tmp_path / "scenarios.json").write_text(json.dumps(scenarios), encoding="utf-8")
    page = build_comparison_report(tmp_path).read_text(encoding="utf-8")
    (said,) = re.findall(r"With (\d+) comparisons? on this page", page)
    assert int(said) == 2  # cycle time and utilisation: the two rows with noise to test
