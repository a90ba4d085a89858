"""Charts of awkward runs: no finished case, one replication, long role names, recommended
redesigns on one spot, outcome labels beside their error bars (QA plots15)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from sim.report.charts import (
    LABEL_MAX,
    NO_CI_TEXT,
    NO_DATA_GID,
    NO_FINISHED_CASE,
    Recommended,
    plot_cycle_times,
    plot_funnel,
    plot_pareto,
    plot_step_times,
    plot_utilisation,
)

NONE = {"mean": None, "std": None, "n": 0.0, "half_width": None, "ci_low": None, "ci_high": None}


def _ci(mean: float, hw: float = 0.0) -> dict:
    return {"mean": mean, "ci_low": mean - hw, "ci_high": mean + hw, "half_width": hw}


def _no_data_notes(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == NO_DATA_GID]


@pytest.fixture()
def never_finished() -> dict:
    """The KPI report of a run in which no case finished (``kpis.json`` of QA's never.yaml)."""
    return {
        "replications": 2,
        "steps": [
            {
                "step": "slow",
                "waiting_mean": NONE,
                "processing_mean": NONE,
                "reached": _ci(1.0),
            }
        ],
        "roles": [{"role": "server", "headcount": 2, "utilisation": _ci(0.99, 0.01)}],
        "funnel": [{"stage": "slow", "reached": 1.0, "conversion": 1.0}],
        "outcomes": {},
    }


def test_a_run_without_finished_cases_says_so_on_every_empty_panel(never_finished):
    """QA plots15 #2: blank cycle-time, step-time and outcome panels, and matplotlib's "No
    artists with labels found to put in legend" on the console."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no library warning either
        cycle = plot_cycle_times({"simulated": np.array([])})
        steps = plot_step_times(never_finished)
        funnel = plot_funnel(never_finished)
        for fig in (cycle, steps, funnel):
            fig.canvas.draw()
    assert _no_data_notes(cycle) == [NO_FINISHED_CASE] * 2
    assert all(ax.get_legend() is None for ax in cycle.axes)
    assert len(_no_data_notes(steps)) == 2  # waiting and processing
    assert all("finished in" in " ".join(t.split()) for t in _no_data_notes(steps))
    outcomes = funnel.axes[1]
    assert [" ".join(t.get_text().split()) for t in outcomes.texts] == [NO_FINISHED_CASE]
    assert not [t for t in funnel.axes[0].texts if t.get_gid() == NO_DATA_GID]  # reached: 100 %


def test_panels_with_values_get_no_empty_note(never_finished):
    report = {
        **never_finished,
        "steps": [{**never_finished["steps"][0], "waiting_mean": _ci(2.0, 0.5)}],
        "outcomes": {"done": _ci(1.0)},
    }
    steps = plot_step_times(report)
    assert len(_no_data_notes(steps)) == 1  # processing only: no visit ended
    assert not _no_data_notes(plot_funnel(report))
    rng = np.random.default_rng(0)
    cycle = plot_cycle_times({"baseline": rng.gamma(2, 5, 50), "scenario": np.array([])})
    assert not _no_data_notes(cycle)
    legend = [t.get_text() for t in cycle.axes[0].get_legend().get_texts()]
    assert legend[1] == f"scenario: {NO_FINISHED_CASE}"  # the empty series is named


def test_one_replication_says_there_is_no_ci(never_finished):
    """QA plots15 #5: "95 % CI" under charts of one replication, which can draw no bar."""
    one = {
        **never_finished,
        "replications": 1,
        "steps": [{**never_finished["steps"][0], "waiting_mean": _ci(2.0)}],
        "outcomes": {"done": _ci(1.0)},
    }
    labels = [ax.get_xlabel() for ax in plot_step_times(one).axes[:2]]
    labels.append(plot_utilisation(one).axes[0].get_xlabel())
    labels.append(plot_funnel(one).axes[1].get_title(loc="right"))
    assert all(NO_CI_TEXT in t and "95 %" not in t for t in labels), labels
    many = {**one, "replications": 5}
    assert "95 % CI" in plot_utilisation(many).axes[0].get_xlabel()
    assert "95 % CI" in plot_funnel(many).axes[1].get_title(loc="right")


def test_a_long_role_name_is_shortened_and_keeps_its_headcount():
    """QA plots15 #3: "abe der Anträge (Abteilung Süd) (2)", the start cut off at the figure's
    left edge."""
    role = "Sachbearbeiter Prüfung und Freigabe der Anträge (Abteilung Süd)"
    report = {
        "replications": 3,
        "roles": [
            {"role": role, "headcount": 2, "utilisation": _ci(0.27, 0.05)},
            {"role": "Niemand", "headcount": 3, "utilisation": _ci(0.0)},
        ],
    }
    fig = plot_utilisation(report)
    fig.canvas.draw()
    ticks = fig.axes[0].get_yticklabels()
    long, short = (t.get_text() for t in ticks)
    assert long.startswith("Sachbearbeiter") and long.endswith("(Abteilung Süd) (2)")
    assert "…" in long and len(long) <= LABEL_MAX
    assert short == "Niemand (3)"
    renderer = fig.canvas.get_renderer()
    assert min(t.get_window_extent(renderer).x0 for t in ticks) >= 0  # inside the figure


def test_outcome_labels_stand_clear_of_the_error_bar_caps():
    """QA plots15 #6: BPIC's outcome percentages sat on the caps of their error bars (a narrow
    panel beside long step names: an offset in data units was a point or two)."""
    names = [f"a rather long name of a step, number {i} of the funnel" for i in range(6)]
    report = {
        "replications": 3,
        "funnel": [{"stage": n, "reached": 1.0 - i / 10} for i, n in enumerate(names)],
        "outcomes": {
            f"a long outcome name {k}": _ci(m, 0.02) for k, m in enumerate((0.32, 0.3, 0.21, 0.04))
        },
    }
    fig = plot_funnel(report)
    fig.canvas.draw()
    ax = fig.axes[1]
    renderer = fig.canvas.get_renderer()
    points = fig.dpi / 72
    labels = [t for t in ax.texts if t.get_text().endswith("%")]
    assert len(labels) == 4
    for label in labels:
        cap = ax.transData.transform((float(label.get_text()[:-1]) / 100 + 0.02, 0))[0]
        assert label.get_window_extent(renderer).x0 - cap >= 3 * points


def _recommended_labels(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts if t.get_text().startswith("recommended")]


def test_recommended_redesigns_on_one_spot_share_a_label_and_the_best_is_on_top():
    """QA plots15 #1: #1 (49.56 h / 58.30 %) and #2 (49.52 h / 58.30 %) coincided, #2's hollow
    diamond drawn over #1's filled one, their labels written over each other."""
    trials = pd.DataFrame({"ct": [49.56, 60.0, 196.0], "drop": [0.583, 0.589, 0.5868]})
    recs = [
        Recommended(0, 1, trial=True),
        Recommended({"ct": 49.52, "drop": 0.583}, 2, trial=False),
    ]
    fig = plot_pareto(
        trials, x="ct", y="drop", baseline={"ct": 81.6, "drop": 0.5929}, recommended=recs
    )
    assert _recommended_labels(fig) == ["recommended #1, #2"]
    diamonds = {c.get_label(): c for c in fig.axes[0].collections if c.get_label()}
    assert diamonds["recommended"].get_zorder() > diamonds["recommended #2"].get_zorder()


def test_labels_of_recommended_redesigns_close_together_do_not_overlap():
    trials = pd.DataFrame({"ct": [10.0, 10.6, 40.0], "drop": [0.5, 0.5, 0.2]})
    recs = [Recommended(0, 1), Recommended(1, 2)]  # apart, but closer than a label is wide
    fig = plot_pareto(trials, x="ct", y="drop", recommended=recs)
    fig.canvas.draw()
    assert _recommended_labels(fig) == ["recommended #1", "recommended #2"]
    renderer = fig.canvas.get_renderer()
    one, two = (
        t.get_window_extent(renderer)
        for t in fig.axes[0].texts
        if t.get_text().startswith("recommended")
    )
    assert not one.overlaps(two)


def test_the_dashed_medians_say_whose_they_are():
    """QA plots15 #4: "dashed: median" under three series."""
    rng = np.random.default_rng(1)
    three = {k: rng.gamma(2, 20, 100) for k in ("history", "model", "naive baseline")}
    assert "each series' median" in plot_cycle_times(three).axes[0].get_xlabel()
    one = plot_cycle_times({"simulated": three["model"]}).axes[0].get_xlabel()
    assert one.endswith("dashed: median")


def test_back_test_series_with_replications_print_backtest_json_numbers():
    """QA plots15 #4: the calibrate figure printed pooled p50/p90 (45.8/101 h) beside
    backtest.json's averages over replications (42.97/104.3 h). Given each case's replication
    the figure prints the per-replication averages, and says where they are."""
    from sim.kpis import averaged_cycle_time_kpis
    from sim.report.charts import KPI_NOTE_GID

    rng = np.random.default_rng(3)
    reps = np.repeat(np.arange(1, 6), 200)
    values = rng.gamma(1.5, 30, reps.size) * (1 + reps / 5)  # replications differ
    fig = plot_cycle_times(
        {"history": rng.gamma(1.5, 30, 200), "model": values},
        replications={"model": reps},
        kpis_in="backtest.json",
        pooled_kpis=False,
    )
    per_rep = pd.DataFrame({"replication": reps, "cycle_time_h": values})
    kpis = averaged_cycle_time_kpis(per_rep)
    per_rep_p90 = per_rep.groupby("replication")["cycle_time_h"].quantile(0.9).mean()
    assert kpis["cycle_time_p90"] == pytest.approx(per_rep_p90)
    marks = {t.get_text() for t in fig.axes[1].texts}
    assert f"p90 {kpis['cycle_time_p90']:,.0f}" in marks
    assert f"p90 {np.quantile(values, 0.9):,.0f}" not in marks  # not the pooled one
    (note,) = [t.get_text() for t in fig.texts if t.get_gid() == KPI_NOTE_GID]
    assert "as in backtest.json" in note
