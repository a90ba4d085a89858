"""The comparison figure with several scenarios of several differing keys (QA manager15 #2): each
scenario's six keys wrapped onto eight lines printed over the next scenario's label; a scenario
is now named by what it sets otherwise than the baseline, and every row is as tall as its
label."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.kpis.compare import compare_scenarios
from sim.report.compare import build_comparison_report, plot_scenario_differences, short_label

BASE = {
    "scenario.staffing.clerk": "3",
    "scenario.staffing.parttime": "0",
    "scenario.staffing.senior": "2",
    "process.roles.clerk.calendar": "office",
    "scenario.arrival_scale": "1.0",
    "process.roles.clerk.hourly_cost": "50.0",
}
CHANGES = [
    {"scenario.staffing.clerk": "4"},
    {"scenario.staffing.clerk": "2"},
    {"scenario.staffing.parttime": "1"},
    {"scenario.staffing.clerk": "4", "scenario.staffing.senior": "1"},
    {"process.roles.clerk.calendar": "long"},
    {"scenario.arrival_scale": "1.2"},
    {"process.roles.clerk.hourly_cost": "60"},
]


def _label(settings: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in settings.items())


def _office() -> tuple[pd.DataFrame, list[dict]]:
    """Eight scenarios as the QA's office comparison labelled them, and their settings."""
    rng = np.random.default_rng(7)
    settings = [BASE, *({**BASE, **c} for c in CHANGES)]
    tables = {}
    for i, own in enumerate(settings):
        tables[_label(own)] = pd.DataFrame(
            {
                "cycle_time_mean": 30 + i + rng.normal(0, 1, 5),
                "throughput_per_week": 170 + rng.normal(0, 1, 5),
                "wip_mean": 30 + i + rng.normal(0, 1, 5),
            }
        )
    labels = list(tables)
    comparison = compare_scenarios(tables, baseline=labels[0], paired=True)
    scenarios = [
        {"label": label, "baseline": i == 0, "settings": own, "model": "office"}
        for i, (label, own) in enumerate(zip(labels, settings, strict=True))
    ]
    return comparison, scenarios


def _overlaps(fig) -> list[tuple[str, str]]:
    """Pairs of texts (tick labels, panel titles, axis labels) whose drawn boxes overlap."""
    renderer = fig.canvas.get_renderer()
    texts = []
    for ax in fig.axes:
        texts += [t for t in ax.get_yticklabels() if t.get_text()]
        texts += [ax.title, ax._left_title, ax.xaxis.label]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_text()]
    return [
        (a, b)
        for i, (a, box_a) in enumerate(boxes)
        for b, box_b in boxes[i + 1 :]
        if box_a.overlaps(box_b)
    ]


def _names(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_yticklabels()]


def _flat(text: str) -> str:
    """``text`` without its spaces and line breaks (a wrapped label breaks at both)."""
    return "".join(text.split())


@pytest.mark.parametrize("with_settings", [True, False])
def test_no_scenario_label_runs_into_another(with_settings):
    """With the labels' settings (a comparison of this version) and without (scenarios.json of
    an older one, whole labels of eight lines beside shorter ones): no text over another."""
    comparison, scenarios = _office()
    settings = {s["label"]: s["settings"] for s in scenarios} if with_settings else None
    fig = plot_scenario_differences(comparison, baseline=scenarios[0]["label"], settings=settings)
    fig.canvas.draw()
    assert _overlaps(fig) == []
    assert len(_names(fig)) == len(CHANGES)


def test_a_scenario_is_named_by_what_it_sets_otherwise_than_the_baseline():
    comparison, scenarios = _office()
    settings = {s["label"]: s["settings"] for s in scenarios}
    fig = plot_scenario_differences(comparison, baseline=scenarios[0]["label"], settings=settings)
    assert [_flat(n) for n in _names(fig)] == [_flat(_label(c)) for c in CHANGES]
    # the key that tells a scenario apart is never cut off
    assert "process.roles.clerk.\ncalendar=long" in _names(fig)


def test_a_label_made_unique_by_its_directory_is_shown_whole():
    """Two runs with the same settings are labelled by their folders too: their settings do
    not tell them apart, so the figure shows their whole labels."""
    comparison, scenarios = _office()
    same = _label({**BASE, **CHANGES[0]})
    renamed = {same: f"{same} (a)"}
    comparison["scenario"] = comparison["scenario"].replace(renamed)
    settings = {renamed.get(s["label"], s["label"]): s["settings"] for s in scenarios}
    fig = plot_scenario_differences(comparison, baseline=scenarios[0]["label"], settings=settings)
    assert _flat(_names(fig)[0]) == _flat(f"{same} (a)")
    assert [_flat(n) for n in _names(fig)[1:]] == [_flat(_label(c)) for c in CHANGES[1:]]


def test_the_page_says_where_the_whole_label_is_and_titles_can_be_shortened(tmp_path):
    comparison, scenarios = _office()
    comparison.to_csv(tmp_path / "comparison.csv", index=False)
    (tmp_path / "scenarios.json").write_text(json.dumps(scenarios), encoding="utf-8")
    page = build_comparison_report(tmp_path).read_text(encoding="utf-8")
    assert "Each scenario is named by what it sets otherwise than the baseline" in page
    longhrs = _label({**BASE, **CHANGES[4]})
    assert short_label(longhrs, scenarios) == "process.roles.clerk.calendar=long"
    assert short_label(scenarios[0]["label"], scenarios) == scenarios[0]["label"]
    older = [{k: v for k, v in s.items() if k != "settings"} for s in scenarios]
    assert short_label(longhrs, older) == longhrs
    (tmp_path / "scenarios.json").write_text(json.dumps(older), encoding="utf-8")
    page = build_comparison_report(tmp_path).read_text(encoding="utf-8")
    assert "named by what it sets otherwise" not in page
