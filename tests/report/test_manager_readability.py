"""What a manager QA'd in the reports (2026-12-05): numbers that read, colours and points that do
not overstate, words that count and name their units."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from report_testkit import pareto_points, write_optimize_run, write_searched_run

from sim.kpis.compare import compare_scenarios
from sim.model import load
from sim.redesign import operators as op
from sim.report.charts import NOT_A_TRIAL_LEGEND, plot_pareto
from sim.report.compare import (
    build_comparison_report,
    comparison_markdown,
    plot_scenario_differences,
    unit_title,
)
from sim.report.diff_map import draw_diff_map
from sim.report.html import _pareto_figure, _summary, build_report, read_run


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


# ------------------------------------------------------------------ the optimize summary table
def _step(base: float, diff: float, low: float, high: float) -> dict:
    return {"base": base, "alt": base + diff, "diff": diff, "ci_low": low, "ci_high": high,
            "significant": low > 0 or high < 0}  # fmt: skip


def _staff_run(tmp_path, crm):
    """An optimize run like BPIC 2012's staffing search: a 204 h cycle time unchanged, and
    per-step waits that moved by seconds, one by a lot."""
    run = write_optimize_run(tmp_path / "opt", crm, op.change_staffing(crm, "legal", headcount=2))
    conf = json.loads((run / "confirmation.json").read_text())
    conf["candidates"][0]["comparison"] = {
        "cycle_time_mean": _step(204.2, -0.001352, -0.338, 0.3353),
        "headcount": _step(42.0, -14.0, -14.0, -14.0),
        "waiting_mean:negotiation": _step(0.009276, 0.0004168, 0.0002288, 0.0006048),
        "waiting_mean:signing": _step(0.1935, 0.0002982, -1.446e-06, 0.0005979),
        "waiting_mean:first_contact": _step(3.0, 0.5, -0.2, 1.2),
        "waiting_mean:contract_review": _step(20.0, -15.0, -20.0, -10.0),
        "waiting_mean:legal_check": _step(8.0, 6.0, 4.0, 8.0),
    }
    (run / "confirmation.json").write_text(json.dumps(conf))
    return run


def _rows(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", " ", r) for r in html.split("<tr>")[2:]]


def test_summary_numbers_read_like_recommendations_md(tmp_path, crm):
    """'-0.001352 h [-0.338 h, +0.3353 h]' and '-1.446e-06 h' became recommendations.md's
    '-0.00 [-0.34, +0.34]': two decimals, whole people whole, never e-notation."""
    body = _summary(read_run(_staff_run(tmp_path, crm))).body
    assert not re.search(r"\d[eE][-+]\d", body)
    cycle = next(r for r in _rows(body) if "Mean cycle time" in r)
    # -0.001352 reads 0 at two decimals: written 0, never -0.00 (README; signed_number)
    assert " 0.00 h" in cycle and "-0.00" not in cycle and "[-0.34 h, +0.34 h]" in cycle
    people = next(r for r in _rows(body) if "People on staff" in r)
    assert "-14 people" in people and "[-14 people, -14 people]" in people


def test_summary_folds_away_per_step_changes_too_small_to_matter(tmp_path, crm):
    """About 50 'waiting before ...' rows of seconds (some flagged significant) buried the
    headline: steps that changed by less than 1 % of the cycle time go in a fold, the others
    follow the headline, largest change first."""
    body = _summary(read_run(_staff_run(tmp_path, crm))).body
    main, _, fold = body.partition("<details>")
    assert "Mean cycle time" in main and "People on staff" in main
    shown = re.findall(r"waiting before (\w+)", main)
    assert shown == ["contract_review", "legal_check"]  # |-15| h before |+6| h
    summary = re.search(r"<summary>(.*?)</summary>", fold).group(1)
    assert summary.startswith("3 steps whose mean waiting changed by less than 2.0 h (1 %")
    assert "204.2 h" in summary
    assert {"negotiation", "signing", "first_contact"} == set(
        re.findall(r"waiting before (\w+)", fold)
    )


def test_a_run_without_a_cycle_time_folds_nothing(tmp_path, crm):
    run = _staff_run(tmp_path, crm)
    conf = json.loads((run / "confirmation.json").read_text())
    del conf["candidates"][0]["comparison"]["cycle_time_mean"]
    (run / "confirmation.json").write_text(json.dumps(conf))
    body = _summary(read_run(run)).body
    assert "<details>" not in body and body.count("waiting before") == 5


# ------------------------------------------------------------------------------- the diff map
def _fill(fig, name):
    for ax in fig.axes:
        for p in ax.patches:
            if p.get_gid() == f"node:{name}":
                return p.get_facecolor()
    raise AssertionError(name)


def _colour_bar_span(fig) -> tuple[float, float]:
    fig.canvas.draw()
    (cax,) = [ax for ax in fig.axes if ax.get_xlabel()]
    return cax.get_xlim()


def _texts(fig) -> str:
    return " ".join(
        " ".join(t.get_text().split()) for ax in fig.axes for t in [*ax.texts, *fig.texts]
    )


def test_diff_map_leaves_a_negligible_change_white_and_states_the_rule(crm):
    """A significant +0.68 min on a 204 h cycle was deep red (the scale spanned +-1 min)."""
    redesign = op.change_staffing(crm, "legal", headcount=2)
    diffs = {"negotiation": (0.0113, 0.00014, 0.0224)}
    fig = draw_diff_map(crm, redesign, waiting_diff=diffs, cycle_time=204.2)
    assert _fill(fig, "negotiation") == (1.0, 1.0, 1.0, 1.0)
    text = _texts(fig)
    assert "wait +0.68 min [+0.0084, +1.3] (negligible)" in text
    assert "under 2.0 h (1 % of today's mean cycle time, 204 h) is negligible and left white" in (
        text
    )
    assert "spans at least ±20 h (10 %)" in text
    # without a cycle time (older callers): coloured as before
    old = draw_diff_map(crm, redesign, waiting_diff=diffs)
    assert _fill(old, "negotiation") != (1.0, 1.0, 1.0, 1.0)


def test_diff_map_colour_scale_spans_a_tenth_of_the_cycle_time_at_least(crm):
    redesign = op.change_staffing(crm, "legal", headcount=2)
    diffs = {"negotiation": (3.0, 2.0, 4.0), "signing": (-2.5, -3.0, -2.1)}
    low, high = _colour_bar_span(draw_diff_map(crm, redesign, waiting_diff=diffs, cycle_time=204.2))
    assert (low, high) == pytest.approx((-20.42, 20.42))
    low, high = _colour_bar_span(draw_diff_map(crm, redesign, waiting_diff=diffs))
    assert (low, high) == pytest.approx((-3.0, 3.0))  # the largest change, as before


# --------------------------------------------------------------------------------- the Pareto
def _two_recommended(tmp_path, crm, *, second_pruned: bool):
    """Rank 1 is trial 1 without a dropped change (not a trial, search means (38, 880)); rank
    2 is trial 2 itself, or trial 2 without a dropped change at (118, 1050)."""
    run, conf = write_searched_run(tmp_path / "opt", crm, op.remove_step(crm, "contract_review"))
    best = conf["candidates"][0]
    best.update(trial=1, recommended=True, search_values=[38.0, 880.0])
    best["original"] = {"choice": {}, "search_values": [40.0, 900.0]}
    second = {"rank": 2, "trial": 2, "verdict": "trade-off", "recommended": True,
              "comparison": best["comparison"], "search_values": [120.0, 1100.0]}  # fmt: skip
    if second_pruned:
        second.update(search_values=[118.0, 1050.0], original={"search_values": [120.0, 1100.0]})
    third = {"rank": 3, "trial": 0, "verdict": "worse", "recommended": False}
    conf["candidates"] += [second, third]
    (run / "confirmation.json").write_text(json.dumps(conf))
    return run


@pytest.mark.parametrize("second_pruned", [False, True])
def test_pareto_draws_every_recommended_redesign(tmp_path, crm, second_pruned):
    """Only recommendation #1 was drawn; #2 was not."""
    fig, caption = _pareto_figure(
        read_run(_two_recommended(tmp_path, crm, second_pruned=second_pruned)), plot_pareto
    )
    points = pareto_points(fig)
    assert points["recommended"] == {(38.0, 880.0)}
    assert points["recommended #2"] == {(118.0, 1050.0) if second_pruned else (120.0, 1100.0)}
    assert not any("#3" in label for label in points)  # not recommended: a plain trial
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert {"recommended #1", "recommended #2"} <= labels
    assert "the 2 recommended redesigns" in caption


def test_pareto_legend_says_a_pruned_redesign_is_not_a_trial(tmp_path, crm):
    """The diamond of a pruned redesign sat below the front as if it beat it; only the caption
    said it was not a trial."""
    fig, _ = _pareto_figure(
        read_run(_two_recommended(tmp_path, crm, second_pruned=False)), plot_pareto
    )
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert NOT_A_TRIAL_LEGEND in legend and "not itself a trial" in NOT_A_TRIAL_LEGEND
    assert "recommended" in legend  # #2 is a trial: a plain entry of its own
    assert "Pareto front (of the trials)" in legend
    by_label = {c.get_label(): c for c in fig.axes[0].collections}
    hollow = by_label["recommended"].get_facecolor()[0]
    filled = by_label["recommended #2"].get_facecolor()[0]
    assert tuple(hollow) == (1.0, 1.0, 1.0, 1.0) and tuple(filled) != (1.0, 1.0, 1.0, 1.0)


def test_pareto_of_a_single_trial_recommendation_keeps_its_plain_legend():
    trials = pd.DataFrame({"cost": [0, 10, 20, 30], "ct": [100, 80, 90, 60]})
    fig = plot_pareto(trials, x="cost", y="ct", baseline=0, recommended=3)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "recommended" in legend and "Pareto front" in legend
    assert NOT_A_TRIAL_LEGEND not in legend


# --------------------------------------------------------------------------- words and units
def _arrival_comparison() -> tuple[pd.DataFrame, list[dict]]:
    """A baseline and four scenarios: two with more arrivals (staff cost spread over more
    cases), two with more staff; headcount the same in every replication of the first two."""
    rng = np.random.default_rng(7)
    n = 6

    def table(cases: float, people: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "cycle_time_mean": 90 + rng.normal(0, 1, n),
                "throughput_per_week": cases + rng.normal(0, 0.2, n),
                "cost_per_case": 25_000 / cases * people / 20 + rng.normal(0, 5, n),
                "margin_per_case": 9_000 - 25_000 / cases * people / 20 + rng.normal(0, 5, n),
                "headcount": np.full(n, people),
            }
        )

    tables = {
        "today": table(18, 20),
        "arr12": table(21, 20),
        "arr15": table(26, 20),
        "staff21": table(18, 21),
        "staff22": table(18, 22),
    }
    volume = {"arr12", "arr15"}
    comparison = compare_scenarios(tables, baseline="today", paired=True, volume_differs=volume)
    scenarios = [
        {
            "label": name,
            "baseline": name == "today",
            "model": "m",
            "arrivals": {"arrival_scale": 1.2 if name in volume else 1.0},
        }
        for name in tables
    ]
    return comparison, scenarios


def test_cost_and_margin_per_case_follow_an_arrival_volume_change():
    """arrival_scale=1.5 coloured a lower cost per case green 'better' on a saturated model:
    the staff's fixed cost was only spread over more cases."""
    comparison, _ = _arrival_comparison()
    v = comparison.set_index(["scenario", "kpi"])["verdict"]
    assert v[("arr15", "cost_per_case")] == "changed"
    assert v[("arr15", "margin_per_case")] == "changed"
    assert v[("staff22", "cost_per_case")] == "worse"  # same demand: still a judgement


def test_an_identical_headcount_is_no_change_not_noise():
    comparison, _ = _arrival_comparison()
    v = comparison.set_index(["scenario", "kpi"])["verdict"]
    assert v[("arr12", "headcount")] == "no change"
    assert v[("staff21", "headcount")] == "changed"
    welch = compare_scenarios(
        {"a": pd.DataFrame({"headcount": [3.0] * 4}), "b": pd.DataFrame({"headcount": [3.0] * 5})},
        baseline="a",
        paired=False,
    ).set_index("scenario")
    assert welch.loc["b", "verdict"] == "no change"


def test_compare_page_counts_the_scenarios_compared_and_names_cost_units(tmp_path):
    """'5 scenarios against today' for 4 compared with today; money had no unit."""
    comparison, scenarios = _arrival_comparison()
    comparison.to_csv(tmp_path / "comparison.csv", index=False)
    (tmp_path / "scenarios.json").write_text(json.dumps(scenarios))
    page = build_comparison_report(tmp_path).read_text(encoding="utf-8")
    assert "Scenario comparison: 4 scenarios against today" in page
    assert "5 scenarios" not in page
    assert "<td>Cost per case (cost units)</td>" in page
    assert "no change" in page and "money" not in page
    md = comparison_markdown(comparison, scenarios)
    assert "| Cost per case (cost units) |" in md and "`no change`" in md
    fig = plot_scenario_differences(comparison, baseline="today")
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert any(t.startswith("Cost per case (baseline") and "cost units)" in t for t in titles)
    assert unit_title("Cost per case", "money") == "Cost per case (cost units)"


def test_compare_page_of_one_scenario_says_one():
    from sim.report.compare import _count

    assert _count(1, "scenario") == "1 scenario" and _count(3, "scenario") == "3 scenarios"


def test_optimize_page_names_the_cost_unit(tmp_path, crm):
    run = write_optimize_run(tmp_path / "opt", crm, op.remove_step(crm, "contract_review"))
    page = build_report(run).read_text(encoding="utf-8")
    summary = page[page.index('id="summary"') : page.index('id="map"')]
    row = next(r for r in _rows(summary) if "Cost per case" in r)
    assert "1,200 cost units" in row and "1,210 cost units" in row


def test_table_numbers_are_never_in_e_notation():
    """'-1.446e-06 h' in a table cell: four significant digits, written out."""
    from sim.report.html import _num

    assert _num(1.446e-06, "h") == "0.000001446 h"
    assert _num(-2.429e-05, "h", signed=True) == "-0.00002429 h"
    assert _num(0.009276, "h") == "0.009276 h" and _num(204.2, "h") == "204.2 h"
    assert _num(200.0, "h") == "200 h" and _num(0.5) == "0.5"


def test_recommendations_say_what_unit_costs_are_in():
    """'cost per case 0' and 'One-off cost: 0' named no unit, and the model has no currency."""
    from sim.optimize import Objective
    from sim.optimize.outputs import recommendations_markdown

    md = recommendations_markdown(
        model_name="m",
        candidates=[],
        baseline=pd.DataFrame({"cycle_time_mean": [100.0, 90.0], "cost_per_case": [5.0, 7.0]}),
        objectives=(Objective("cycle_time_mean"), Objective("cost_per_case")),
        constraints=(),
        confirm_replications=2,
        n_trials=8,
        simulations=100,
    )
    line = next(ln for ln in md.splitlines() if ln.startswith("Baseline (confirmation"))
    assert "cost per case 6" in line and line.endswith(
        "in the model's own cost units (a model names no currency)."
    )


def test_compare_figure_labels_no_change_and_says_what_its_colours_mean():
    """QA2: a 'no change' row was a lone dot on a +-0.05 axis, and the colours had no legend."""
    from sim.report.compare import plot_scenario_differences

    rows = []
    for scenario, verdict, diff in (
        ("base", "baseline", 0.0),
        ("a", "no change", 0.0),
        ("b", "no change", 0.0),
    ):
        rows.append(
            {
                "scenario": scenario,
                "kpi": "headcount",
                "base": 21.0,
                "alt": 21.0 + diff,
                "diff": diff,
                "ci_low": diff,
                "ci_high": diff,
                "verdict": verdict,
            }
        )
    for scenario, verdict, diff in (
        ("base", "baseline", 0.0),
        ("a", "better", -5.0),
        ("b", "within noise", 1.0),
    ):
        rows.append(
            {
                "scenario": scenario,
                "kpi": "cycle_time_mean",
                "base": 90.0,
                "alt": 90.0 + diff,
                "diff": diff,
                "ci_low": diff - 2,
                "ci_high": diff + 2,
                "verdict": verdict,
            }
        )
    fig = plot_scenario_differences(
        pd.DataFrame(rows), baseline="base", kpis=["cycle_time_mean", "headcount"]
    )
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["better", "within noise", "no change"]
    people = fig.axes[1]
    assert [t.get_text() for t in people.texts] == ["no change", "no change"]
    assert people.get_xlim()[0] <= -1.0 and people.get_xlim()[1] >= 1.0  # no 0.05-person ticks
