"""The comparison page's pieces: figure labels, number formatting, notes (QA 6a #4, #18, #6,
#16, #17)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.kpis.compare import compare_scenarios
from sim.report.compare import (
    change_text,
    comparison_markdown,
    comparison_notes,
    figure_labels,
    plot_scenario_differences,
    unit_title,
)
from tests.glyphs import characters_no_font_draws


def test_figure_labels_drop_the_common_prefix_and_keep_every_value():
    """QA 6a #4: the part that tells scenarios apart stays visible (no ellipsis)."""
    labels = [
        f"scenario.staffing.server={s} scenario.staffing.clerk={c}" for s in (2, 3) for c in (1, 2)
    ]
    shown = figure_labels(labels, width=20)
    assert len(set(shown)) == 4 and not any("…" in s for s in shown)
    assert shown[0] == "server=2 clerk=1"
    nested = figure_labels(
        [
            "process.steps.service.duration.mean=1.6 process.roles.server.headcount=3",
            "process.steps.service.duration.mean=1.4 process.roles.server.headcount=3",
        ],
        width=26,
    )
    for text, value in zip(nested, ("mean=1.6", "mean=1.4"), strict=True):
        assert value in text.split("\n") and "headcount=3" in text
        assert max(len(line) for line in text.split("\n")) <= 26


def test_figure_label_axis_is_whole_people_for_headcount():
    """QA 6a #18: a change of people gets integer ticks."""
    base = pd.DataFrame({"headcount": [2.0, 2.0, 2.0], "cycle_time_mean": [3.0, 4.0, 5.0]})
    tables = {"a": base, "b": base.assign(headcount=3.0, cycle_time_mean=[2.0, 2.5, 3.1])}
    fig = plot_scenario_differences(
        compare_scenarios(tables, baseline="a", paired=True), baseline="a"
    )
    people = next(ax for ax in fig.axes if "People" in ax.get_title(loc="left"))
    ticks = [t for t in people.get_xticks() if people.get_xlim()[0] <= t <= people.get_xlim()[1]]
    assert all(float(t).is_integer() for t in ticks)


def test_change_and_interval_share_their_precision():
    """QA 6a #18: '+0.100 [-0.353, +0.553]', not '+0.1 [-0.3534, +0.5534]'."""
    diff, ci = change_text(0.1, -0.3534, 0.5534, "cases/week")
    assert (diff, ci) == ("+0.100", "[-0.353, +0.553]")
    diff, ci = change_text(-119.2, -127.4, -110.1, "money")
    assert (diff, ci) == ("-119", "[-127, -110]")
    assert change_text(1.0, 1.0, 1.0, "people") == ("+1", "[+1, +1]")
    assert change_text(0.02, np.nan, np.nan, "%") == ("+2.0", "")


def _comparison(volume: bool = False) -> tuple[pd.DataFrame, list[dict]]:
    rng = np.random.default_rng(4)
    base = pd.DataFrame(
        {
            "throughput_per_week": 100 + rng.normal(0, 1, 5),
            "wip_mean": 4 + rng.normal(0, 0.1, 5),
            "utilisation:r": 0.7 + rng.normal(0, 0.01, 5),
        }
    )
    alt = base.assign(**{"utilisation:r": base["utilisation:r"] + 0.1})
    table = compare_scenarios(
        {"a": base, "b": alt}, baseline="a", paired=True, volume_differs={"b"} if volume else ()
    )
    scenarios = [
        {"label": "a", "baseline": True, "model": "m", "arrivals": {"arrival_scale": 1.0}},
        {
            "label": "b",
            "baseline": False,
            "model": "m",
            "arrivals": {"arrival_scale": 1.1 if volume else 1.0},
            "warnings": ["warning: the model is saturated: r is busy 100.0 %"],
        },
    ]
    return table, scenarios


def test_markdown_puts_units_in_the_kpi_column():
    """QA 6a #18: 'Throughput (cases/week)', 'Work in progress (cases)'; bare numbers."""
    table, scenarios = _comparison()
    md = comparison_markdown(table, scenarios)
    assert "| Throughput (cases/week) |" in md and "| Work in progress (cases) |" in md
    assert "| utilisation of r (%, change in pp) |" in md
    rows = [line for line in md.splitlines() if line.startswith("| Throughput")]
    assert "cases/week" not in rows[0].split("|", 2)[2]


def test_notes_carry_the_runs_warnings_and_a_changed_arrival_volume():
    """QA 6a #17 and #16: a saturated run and more demand are said, in the page too."""
    table, scenarios = _comparison(volume=True)
    notes = comparison_notes(table, scenarios)
    assert any("b: the model is saturated" in n for n in notes)
    assert any("arrival volume" in n and "b" in n for n in notes)
    assert "saturated" in comparison_markdown(table, scenarios)


def test_notes_say_when_the_models_differ():
    """QA 6a #6."""
    table, scenarios = _comparison()
    assert not any("different models" in n for n in comparison_notes(table, scenarios))
    scenarios[1] |= {"model": "other", "steps": ["x", "y"], "roles": ["r", "s"]}
    assert any("different models" in n for n in comparison_notes(table, scenarios))


def test_unit_titles():
    assert unit_title("Mean cycle time", "h") == "Mean cycle time (h)"
    assert unit_title("People on staff (all roles)", "people") == "People on staff (all roles)"
    assert unit_title("90th percentile cycle time", "h") == "90th percentile cycle time (h)"


def test_changed_cells_are_coloured_as_the_page_says(tmp_path):
    """QA 6a #18: 'blue = changed' holds in the tables too."""
    import json

    from sim.report.compare import build_comparison_report

    table, scenarios = _comparison()
    assert "changed" in set(table["verdict"])
    table.to_csv(tmp_path / "comparison.csv", index=False)
    (tmp_path / "scenarios.json").write_text(json.dumps(scenarios))
    page = build_comparison_report(tmp_path).read_text()
    row = page[page.index("<td>utilisation of r (%, change in pp)</td>") :].split("</tr>")[0]
    assert '<span class="changed">' in row and ".changed{color:" in page


def test_a_scenario_label_no_installed_font_can_draw_is_said(tmp_path):
    """A scenario labelled in Chinese draws as empty boxes where no installed font has the
    characters: the comparison page says so (as the run report does)."""
    import json

    from sim.report.compare import build_comparison_report

    table, scenarios = _comparison()
    table = table.replace({"scenario": {"b": "加人"}})
    scenarios[1]["label"] = "加人"
    table.to_csv(tmp_path / "comparison.csv", index=False)
    (tmp_path / "scenarios.json").write_text(json.dumps(scenarios, ensure_ascii=False))
    page = build_comparison_report(tmp_path).read_text(encoding="utf-8")
    assert "加人" in page
    if characters_no_font_draws("加人"):  # no installed font has them (the usual Linux machine)
        assert "cannot draw 2 character(s) of names in this run (人 加)" in page
    else:
        assert "cannot draw" not in page


def test_a_kpi_one_run_lacks_reads_n_a_on_the_page_not_nan(tmp_path):
    """QA 2026-12-05 #5: comparison.csv said n/a (a step the scenario removed), the page 'nan'."""
    import json

    from sim.report.compare import build_comparison_report

    table, scenarios = _comparison()
    base = pd.DataFrame(
        {
            "wip_mean": [4.0, 4.1, 3.9],
            "waiting_mean:review": [2.0, 2.2, 1.9],
            "waiting_mean:intake": [1.0, 1.1, 0.9],
        }
    )
    # the scenario removed the review and halved the wait at intake
    alt = base[["wip_mean"]].assign(**{"waiting_mean:intake": [0.5, 0.52, 0.49]})
    table = compare_scenarios({"a": base, "b": alt}, baseline="a", paired=True)
    review = table.loc[table["kpi"] == "waiting_mean:review", "verdict"].tolist()
    assert review == ["baseline", "n/a"]
    table.to_csv(tmp_path / "comparison.csv", index=False)
    (tmp_path / "scenarios.json").write_text(json.dumps(scenarios))
    page = build_comparison_report(tmp_path).read_text()
    row = page[page.index("review") :].split("</tr>")[0]
    assert "n/a" in row and "nan" not in row
