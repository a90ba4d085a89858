"""Chart captions say what the charts draw (QA rt27_engine F2, rt27_calib F3, F5, F6, F7).

- F2: charts of a run of 3 replications of which 1 measured anything (``scenario.max_cases``
  reached in the others' warm-up) said "95 % CI"; of one where none did, too.
- F3: the step chart left out the bottleneck its title names (cut in the model's order when
  more steps were tied with it than rows), and its note said the rows drawn were "those with
  the most time per case" when the bottleneck and the steps tied with it had taken their place.
- F5: long activity names ran over the next panel's title and off the figure in the
  per-activity panels of calibrate's report.
- F6: a step of a tenth of a second was drawn in hours: tick labels 0.0000277770 run together,
  a legend "fixed 2.77778e-05" beside a Q-Q note of "0.1 s", a bar a sliver at the axis.
- F7: two unnamed ends both read "End" in the funnel's outcome panel; a calibrated end read
  "End" there, but "Activity_9zz8yy7 ... lost here" on its funnel row.
"""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.model import Distribution
from sim.report._mpl import DROP
from sim.report.charts import (
    CI_TEXT,
    HIDDEN_GID,
    NO_CI_TEXT,
    NOTHING_MEASURED_CI_TEXT,
    ci_text,
    plot_fits,
    plot_funnel,
    plot_step_times,
    plot_step_waits,
    plot_utilisation,
)

SECOND = 1 / 3600  # h


def _ci(mean: float, half: float = 0.0) -> dict:
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "half_width": half, "n": 3}


def _captions(report: dict) -> list[str]:
    """What the step, utilisation and funnel charts of ``report`` say their error bars are."""
    figs = [plot_step_times(report), plot_utilisation(report), plot_funnel(report)]
    labels = [ax.get_xlabel() for ax in figs[0].axes[:2]]
    labels.append(figs[1].axes[0].get_xlabel())
    labels.append(figs[2].axes[1].get_title(loc="right"))
    for fig in figs:
        plt.close(fig)
    return labels


def _kpis(**counts: int) -> dict:
    return {
        **counts,
        "steps": [
            {
                "step": "Service",
                "waiting_mean": _ci(0.5),
                "processing_mean": _ci(1.0),
                "reached": _ci(1.0),
            }
        ],
        "roles": [{"role": "Server", "headcount": 1, "utilisation": _ci(0.5)}],
        "funnel": [{"stage": "Service", "reached": 1.0}],
        "outcomes": {"done": _ci(1.0)},
    }


# --------------------------------------------------------------------------- F2: no CI
@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"replications": 3, "measured_replications": 1}, NO_CI_TEXT),
        ({"replications": 10, "measured_replications": 0}, NOTHING_MEASURED_CI_TEXT),
        ({"replications": 1}, NO_CI_TEXT),
        ({"replications": 5, "measured_replications": 2}, CI_TEXT),
        ({"replications": 5}, CI_TEXT),
    ],
)
def test_the_charts_promise_an_interval_only_over_two_measured_replications(counts, expected):
    labels = _captions(_kpis(**counts))
    assert all(expected in t for t in labels), labels
    if expected != CI_TEXT:
        assert not any("95 %" in t for t in labels), labels


def test_two_runs_compared_have_an_interval_where_either_has_one():
    one = {"replications": 3, "measured_replications": 1}
    assert ci_text(one, {"replications": 3, "measured_replications": 0}) == NO_CI_TEXT
    assert ci_text(one, {"replications": 3}) == CI_TEXT


# -------------------------------------------------------------- F3: the bottleneck drawn
def _step_report(steps: list[str], waits: dict[str, float], bottleneck: str, tied: list[str]):
    return {
        "steps": [
            {
                "step": s,
                "roles": ["staff"],
                "waiting_share": {"mean": 0.05},
                "waiting_mean": _ci(waits.get(s, 1.0), 0.2),
                "processing_mean": _ci(1.0, 0.2),
                "reached": {"mean": 1.0},
            }
            for s in steps
        ],
        "bottleneck": {"step": bottleneck, "negligible": False, "tied_with": tied},
        "replications": 3,
    }


def _drawn(fig) -> tuple[list[str], list[str], str, str]:
    """The step chart's rows, its red rows, its title and its note."""
    fig.canvas.draw()
    rows = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    red = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_color() == DROP]
    (note,) = [t.get_text() for t in fig.texts if t.get_gid() == HIDDEN_GID]
    title = fig._suptitle.get_text().replace("\n", " ")
    plt.close(fig)
    return rows, red, title, note


def test_a_bottleneck_late_in_the_model_is_drawn_when_more_steps_are_tied_than_rows():
    steps = [f"step_{i:02d}" for i in range(40)]
    tied = [s for s in steps if s != "step_35"]
    rows, red, title, note = _drawn(
        plot_step_times(_step_report(steps, {"step_35": 2.0}, "step_35", tied))
    )
    assert "Step 35" in rows and len(rows) == len(red) == 30
    assert "bottleneck: Step 35" in title and "(29 of them drawn)" in title
    assert note.startswith("30 of 40 steps shown")
    assert "The other 10 (each tied with the bottleneck too) are in kpis.json." in note


def test_the_note_names_the_steps_drawn_for_the_bottleneck_and_those_left_out():
    """The bottleneck waits least; the 10 steps tied with it (kpis.json lists them where cases
    queue longest first) wait less than the 27 others: 5 rows draw it and the first 4."""
    steps = [f"step_{i:02d}" for i in range(38)]
    tied = [f"step_{i:02d}" for i in (30, 2, 17, 5, 8, 11, 14, 20, 23, 26)]
    waits = {s: (0.5 if s in tied else 3.0) for s in steps} | {"step_37": 0.4}
    report = _step_report(steps, waits, "step_37", tied)
    rows, red, _, note = _drawn(plot_step_times(report, max_steps=5))
    assert rows == ["Step 02", "Step 05", "Step 17", "Step 30", "Step 37"] == red
    assert note == (
        "5 of 38 steps shown: the bottleneck and 4 of the 10 steps tied with it (where cases "
        "queue longest). The other 33 (6 of them tied with the bottleneck) are in kpis.json."
    )
    rows, _, _, note = _drawn(plot_step_times(report, max_steps=20))
    assert len(rows) == 20 and {"Step 37", "Step 30", "Step 26"} <= set(rows)
    assert note == (
        "20 of 38 steps shown: the bottleneck, the 10 steps tied with it and the 9 others with "
        "the most time per case (waiting + processing). The other 18 are in kpis.json."
    )


# ------------------------------------------------------------- F5: long activity names
LONG = (
    "Verify that the supplier documents, the signed contract and the delivery note are "
    "complete and consistent (check {:02d})"
)
NO_SPACE = "CheckTheSupplierDocumentsTheSignedContractAndTheDeliveryNoteAndTheInvoiceStep{:02d}"


def _titles_fit(fig) -> list[str]:
    """The left titles of ``fig``'s axes, each checked to end inside its own axes' width, and
    so clear of the next panel's title and of the figure's edge."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = []
    for ax in fig.axes:
        title = ax._left_title  # what set_title(loc="left") sets
        if not title.get_text():
            continue
        box, frame = title.get_window_extent(renderer), ax.get_window_extent(renderer)
        assert box.x0 >= frame.x0 - 1 and box.x1 <= frame.x1, (title.get_text(), box, frame)
        assert title.get_text().count("\n") <= 1
        texts.append(title.get_text())
    plt.close(fig)
    return texts


def _log(activities: list[str], cases: int = 30) -> pd.DataFrame:
    """``cases`` cases doing ``activities`` in turn, each waiting 0 to 2 h before the next."""
    rng = np.random.default_rng(0)
    rows = []
    for c in range(cases):
        t = pd.Timestamp("2024-01-01") + pd.Timedelta(hours=5 * c)
        for a in activities:
            t += pd.Timedelta(hours=float(rng.uniform(0, 2)))
            end = t + pd.Timedelta(hours=float(rng.uniform(0.1, 1)))
            rows.append({"case_id": f"c{c}", "activity": a, "start_time": t, "end_time": end})
            t = end
    return pd.DataFrame(rows)


def test_long_activity_names_fit_their_panels_of_waiting_per_activity():
    acts = ["intake", LONG.format(1), "step 02 review", NO_SPACE.format(3), LONG.format(4)]
    log = _log(acts)
    titles = _titles_fit(plot_step_waits({"history": log, "model": [log, log]}))
    check = [t for t in titles if t.startswith("Verify")]
    assert len(check) == 2 and all("…" in t for t in check)
    assert {t[-10:] for t in check} == {"(check 01)", "(check 04)"}  # told apart by their end
    (word,) = [t for t in titles if t.startswith("CheckThe")]
    assert word.endswith("Step03")


def test_long_activity_names_fit_their_rows_of_fitted_vs_observed():
    rng = np.random.default_rng(1)
    dist = Distribution.exponential(0.3)
    fits = {LONG.format(i): (rng.exponential(0.3, 200 - i), dist) for i in range(1, 3)}
    fits[NO_SPACE.format(3)] = (rng.exponential(0.3, 150), dist)
    titles = [t for t in _titles_fit(plot_fits(fits)) if t != "Q-Q plot"]
    assert [t[-10:] for t in titles[:2]] == ["(check 01)", "(check 02)"]
    assert all("…" in t for t in titles) and titles[2].endswith("Step03")


# ----------------------------------------------------------- F6: sub-second durations
def _fit_panels(values: np.ndarray, dist: Distribution):
    fig = plot_fits({"Stamp": (values, dist)})
    fig.canvas.draw()
    return fig, fig.axes[0], fig.axes[1]


def test_a_fixed_tenth_of_a_second_is_drawn_in_seconds_in_the_middle_of_its_axis():
    values = np.full(400, 0.1 * SECOND) + np.random.default_rng(2).normal(0, 1e-13, 400)
    fig, hist, qq = _fit_panels(values, Distribution.fixed(0.1 * SECOND))
    legend = [t.get_text() for t in hist.get_legend().get_texts()]
    plt.close(fig)
    assert legend[1] == "fitted: fixed 0.1 s"
    assert [t.get_text() for t in qq.texts] == [
        "all 400 observed values equal 0.1 s; fitted: fixed 0.1 s"
    ]
    assert hist.get_xlabel() == "duration (s)" and hist.get_ylabel() == "density (per s)"
    assert qq.get_xlabel() == "fitted quantile (s)"
    lo, hi = hist.get_xlim()
    assert (0.1 - lo) == pytest.approx(hi - 0.1)  # the bar in the middle, not at the edge
    (bar,) = [p for p in hist.patches if p.get_height() > 0]
    assert bar.get_x() < 0.1 < bar.get_x() + bar.get_width()
    assert qq.collections[0].get_offsets()[0].tolist() == pytest.approx([0.1, 0.1])


def test_microsecond_jitter_has_tick_labels_that_do_not_run_together():
    values = (0.1 + np.random.default_rng(3).uniform(-1e-5, 1e-5, 400)) * SECOND
    fig, hist, qq = _fit_panels(
        values, Distribution.from_dict({"dist": "empirical", "values": list(values[:250])})
    )
    renderer = fig.canvas.get_renderer()
    legend = [t.get_text() for t in hist.get_legend().get_texts()]
    for ax in (hist, qq):
        boxes = sorted(
            (t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()),
            key=lambda b: b.x0,
        )
        assert len(boxes) >= 3
        assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:], strict=False)), ax
    plt.close(fig)
    assert re.fullmatch(r"fitted: empirical \(n=250, mean=0\.1 s\)", legend[1]), legend


def test_durations_of_hours_keep_their_unit_and_description():
    values = np.random.default_rng(4).exponential(2.0, 300)
    dist = Distribution.exponential(2.0)
    fig, hist, qq = _fit_panels(values, dist)
    legend = [t.get_text() for t in hist.get_legend().get_texts()]
    plt.close(fig)
    assert hist.get_xlabel() == "duration (h)" and qq.get_xlabel() == "fitted quantile (h)"
    assert legend[1] == f"fitted: {dist.describe()}"


# ------------------------------------------------------------------ F7: outcome labels
def _outcome_labels(report: dict, success: list[str] | None = None) -> tuple[list, list]:
    fig = plot_funnel(report, success_outcomes=success)
    fig.canvas.draw()
    rows = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    outcomes = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    plt.close(fig)
    return rows, outcomes


def _funnel(steps: list[str], outcomes: dict[str, float]) -> dict:
    return {
        "replications": 3,
        "steps": [{"step": s} for s in steps],
        "funnel": [{"stage": s, "reached": 1.0} for s in steps],
        "outcomes": {k: _ci(v, 0.01) for k, v in outcomes.items()},
    }


def test_two_unnamed_ends_are_told_apart_by_more_than_colour():
    report = _funnel(
        ["Review application", "Approve"], {"Event_0ok1234": 0.6, "Event_0err567": 0.4}
    )
    _, labels = _outcome_labels(report, ["Event_0ok1234"])
    assert labels == ["End (successful)", "End (unsuccessful)"]
    _, labels = _outcome_labels(report, ["Event_0ok1234", "Event_0err567"])
    assert len(set(labels)) == 2 and all(t.startswith("End (successful: Event_0") for t in labels)


def test_a_calibrated_end_reads_as_its_step_in_the_funnel():
    steps = ["step 00 review", "Activity_0q1w2e3", "Activity_9zz8yy7"]
    report = _funnel(steps, {"Activity_0q1w2e3": 0.7, "Activity_9zz8yy7": 0.3})
    rows, labels = _outcome_labels(report, ["Activity_0q1w2e3"])
    assert labels == ["Activity_0q1w2e3", "Activity_9zz8yy7"]
    assert set(labels) <= set(rows)  # as the rows of the steps they end after read
