"""Charts built from KPI tables: the numbers drawn are the numbers given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_rgba
from report_testkit import fake_table

from sim.kpis import kpi_report
from sim.model import Distribution, load
from sim.report._mpl import DROP
from sim.report.charts import (
    AMBER,
    LABEL_MAX,
    arrival_matrix,
    cycle_times_from_log,
    model_quantiles,
    pareto_mask,
    plot_arrivals,
    plot_cycle_times,
    plot_fits,
    plot_funnel,
    plot_pareto,
    plot_step_times,
    plot_step_waits,
    plot_utilisation,
    step_frame,
    waiting_share_kpi,
    waits_from_log,
)


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


@pytest.fixture(scope="module")
def report(crm):
    return kpi_report(fake_table(crm), crm)


def test_step_frame_matches_report(report, crm):
    df = step_frame(report)
    assert list(df["step"]) == [s["step"] for s in report["steps"]]
    first = report["steps"][0]
    assert df.loc[0, "waiting_mean"] == pytest.approx(first["waiting_mean"]["mean"])
    assert df.loc[0, "waiting_low"] == pytest.approx(first["waiting_mean"]["ci_low"])
    shares = waiting_share_kpi(report)
    assert set(shares) == set(crm.steps)
    assert max(shares, key=shares.get) == report["bottleneck"]["step"]


def test_step_times_bars_and_bottleneck(report):
    fig = plot_step_times(report)
    ax_w, ax_p = fig.axes[:2]
    widths = sorted(p.get_width() for p in ax_w.patches)
    expected = sorted(s["waiting_mean"]["mean"] for s in report["steps"])
    assert widths == pytest.approx(expected)
    red = [t.get_text() for t in ax_w.get_yticklabels() if t.get_color() == DROP]
    assert len(red) == 1
    fig2 = plot_step_times(report, compare=report)
    assert len(fig2.axes[0].patches) == 2 * len(report["steps"])


def test_utilisation_flags_overloaded_roles(report):
    fig = plot_utilisation(report, warn_at=0.5, saturated_at=0.75)
    ax = fig.axes[0]
    means = [r["utilisation"]["mean"] for r in report["roles"]]
    reds = [p for p in ax.patches if p.get_facecolor()[:3] == to_rgba(DROP)[:3]]
    assert len(reds) == sum(m >= 0.75 for m in means) > 0
    ambers = [p for p in ax.patches if p.get_facecolor()[:3] == to_rgba(AMBER)[:3]]
    assert len(ambers) == sum(0.5 <= m < 0.75 for m in means)


def test_utilisation_colours_are_explained_by_a_legend(report):
    """QA: bars turned orange at 70 % with nothing saying why; then the figure's 70 % and 90 %
    were not the 85 % target and 98 % saturation of the run's notes (QA 2026-12-04 #6)."""
    fig = plot_utilisation(report)
    legend = fig.axes[0].get_legend()
    assert legend is not None
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts == ["under 85%", "85% to 98%: queues grow steeply", "98% or more: saturated"]
    colours = {to_rgba(h.get_facecolor())[:3] for h in legend.legend_handles}
    bars = {p.get_facecolor()[:3] for p in fig.axes[0].patches}
    assert bars <= colours  # every bar's colour is in the legend


def test_funnel_and_outcomes(report):
    fig = plot_funnel(report, success_outcomes=["won"])
    ax, ax_o = fig.axes[:2]
    assert len(ax.patches) == len(report["funnel"])
    assert [round(p.get_width(), 6) for p in ax.patches] == [
        round(f["reached"], 6) for f in report["funnel"]
    ]
    assert len(ax_o.patches) == len(report["outcomes"])


def test_pareto_front_known_points():
    pts = np.array([[1, 5], [2, 3], [3, 4], [4, 1], [2, 3.5], [5, 5]], dtype=float)
    assert pareto_mask(pts, (True, True)).tolist() == [True, True, False, True, False, False]
    # maximise the second objective: [1,5] dominates (less x, more y) everything but... itself
    assert pareto_mask(pts, (True, False)).tolist() == [True, False, False, False, False, False]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=30))
def test_pareto_mask_properties(points):
    v = np.array(points, dtype=float)
    mask = pareto_mask(v, (True, True))
    assert mask.any()

    def dominates(a, b):
        return np.all(a <= b) and np.any(a < b)

    for i in range(len(v)):
        dominated = any(dominates(v[j], v[i]) for j in range(len(v)))
        assert mask[i] == (not dominated)


def test_plot_pareto_marks_baseline_and_recommended():
    trials = pd.DataFrame({"cost": [0, 10, 20, 30], "ct": [100, 80, 90, 60]})
    fig = plot_pareto(trials, x="cost", y="ct", baseline=0, recommended=3)
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert {"baseline", "recommended", "Pareto front", "trial"} <= set(labels)


def test_a_baseline_that_breaks_a_constraint_is_marked_as_such():
    """QA 9b: today's process busy 100 % against utilisation_max <= 0.9 was a plain star beside
    crossed-out trials, as if it met the constraints they break."""
    from types import SimpleNamespace

    from sim.report.html import _today_breaks_constraints

    trials = pd.DataFrame({"cost": [0, 10, 20, 30], "ct": [100, 80, 90, 60]})
    fig = plot_pareto(trials, x="cost", y="ct", baseline=0, baseline_infeasible=True)
    ax = fig.axes[0]
    assert "baseline (breaks a constraint)" in ax.get_legend_handles_labels()[1]
    assert "baseline (breaks a constraint)" in [t.get_text() for t in ax.texts]
    plain = plot_pareto(trials, x="cost", y="ct", baseline=0).axes[0]
    assert "baseline" in plain.get_legend_handles_labels()[1]
    assert "baseline (breaks a constraint)" not in plain.get_legend_handles_labels()[1]
    # read from pareto.csv's baseline row (as written: True / False)
    rows = pd.DataFrame({"is_baseline": [False, True], "feasible": [True, False]})
    assert _today_breaks_constraints(SimpleNamespace(pareto=rows))
    rows["feasible"] = [False, True]
    assert not _today_breaks_constraints(SimpleNamespace(pareto=rows))
    assert not _today_breaks_constraints(SimpleNamespace(pareto=None))


def test_plot_pareto_axes_follow_the_feasible_trials_and_count_the_far_infeasible_ones():
    """QA pharmacy: infeasible, saturated trials at 181 and 540 h set the x axis to 540 h and
    every feasible point (0.62-0.71 h) sat on one vertical line at x = 0."""
    trials = pd.DataFrame(
        {"ct": [0.622, 0.624, 0.644, 0.66, 0.707], "people": [15.0, 12.0, 11.0, 13.0, 11.0]}
    )
    infeasible = pd.DataFrame(
        {"ct": [0.86, 0.96, 181.0, 181.0, 540.4], "people": [10.0, 9.0, 8.0, 8.0, 7.0]}
    )
    fig = plot_pareto(
        trials,
        x="ct",
        y="people",
        baseline={"ct": 0.712, "people": 10.0},
        recommended=2,
        infeasible=infeasible,
    )
    ax = fig.axes[0]
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    # every feasible trial, the baseline and the near infeasible ones are inside ...
    assert x0 < 0.622 and 0.96 < x1 < 2.0
    assert y0 < 7.0 and y1 > 15.0
    # ... the saturated ones are not, and take no more than the border
    assert x1 < 181.0
    by_label = {c.get_label(): c for c in ax.collections}
    crosses = {tuple(p) for p in by_label["infeasible (breaks a constraint)"].get_offsets()}
    assert crosses == {(0.86, 10.0), (0.96, 9.0)}
    beyond = [c for c in ax.collections if c.get_gid() == "infeasible-beyond"]
    edge = [tuple(p) for c in beyond for p in c.get_offsets()]
    assert sorted(edge) == [(x1, 7.0), (x1, 8.0), (x1, 8.0)]  # on the right border
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "infeasible, beyond the axis: 3" in legend
    assert sum(t.startswith("infeasible, beyond") for t in legend) == 1
    # the feasible points spread over the axis (they used to share one 540th of it)
    assert (0.707 - 0.622) / (x1 - x0) > 1 / 8


def test_plot_pareto_without_infeasible_trials_draws_no_border_marks():
    trials = pd.DataFrame({"cost": [0, 10, 20, 30], "ct": [100, 80, 90, 60]})
    ax = plot_pareto(trials, x="cost", y="ct", baseline=0, recommended=3).axes[0]
    assert not [c for c in ax.collections if c.get_gid() == "infeasible-beyond"]
    x0, x1 = ax.get_xlim()
    assert x0 < 0 and x1 > 30


def test_arrival_matrix_counts_the_right_cells():
    # two weeks: every Monday 09:xx one case, one Saturday 14:00
    times = pd.to_datetime(
        ["2026-01-05 09:10", "2026-01-12 09:50", "2026-01-17 14:00", "2026-01-19 09:00"]
    )
    mat, weeks = arrival_matrix(times)
    # observed from the first to the last arrival widened by half the mean gap (335.8 h / 3 / 2)
    # at each end: Saturday 3 January 01:11 to Wednesday 21 January 16:58
    first, last = 9 + 1 / 6, 345.0
    half_gap = (last - first) / 3 / 2
    lo, hi = first - half_gap, last + half_gap
    assert weeks == pytest.approx((hi - lo) / 168)
    assert mat[0, 9] == pytest.approx(3 / 3)  # three Monday-9h arrivals, three Mondays seen
    assert mat[5, 14] == pytest.approx(1 / 3)  # one Saturday-14h arrival, Saturdays 3, 10, 17 seen
    assert mat[4, 10] == 0.0  # Friday 10h seen twice, no arrival
    fig = plot_arrivals(times, replications=2)  # pooled from 2 replications: half per week
    assert f"{np.nansum(mat) / 2:.3g} cases per week" in fig._suptitle.get_text()


def test_arrival_matrix_does_not_make_a_weekday_seen_twice_look_busier():
    # one case every hour of the working week (Monday 09:00 to Friday 16:00) for a week and a
    # half: Monday and Tuesday are seen twice, the other days once; the rate is 1 everywhere
    start = pd.Timestamp("2026-01-05")
    times = [
        start + pd.Timedelta(days=d, hours=h)
        for d in range(9)
        if (start + pd.Timedelta(days=d)).day_of_week < 5
        for h in range(9, 17)
    ]
    mat, _ = arrival_matrix(times)
    work = mat[:5, 9:17]
    assert np.allclose(work, 1.0)
    assert mat[2, 3] == 0.0 and mat[6, 12] == 0.0  # nights and the weekend: seen, empty
    # a two-day log says nothing about Thursday: unknown (NaN, grey), not zero
    mat2, _ = arrival_matrix(times[:16])
    assert np.isnan(mat2[3, 12]) and np.allclose(mat2[:2, 9:17], 1.0)


def test_cycle_times_from_log():
    log = pd.DataFrame(
        {
            "case_id": ["a", "a", "b", "c"],
            "start_time": pd.to_datetime(
                ["2026-01-05 09:00", "2026-01-05 11:00", "2026-01-06 08:00", "2026-01-06 08:00"]
            ),
            "end_time": pd.to_datetime(
                ["2026-01-05 10:00", "2026-01-05 13:30", "2026-01-06 09:00", "2026-01-06 09:00"]
            ),
            "outcome": ["won", "won", "lost", None],
        }
    )
    assert sorted(cycle_times_from_log(log)) == pytest.approx([1.0, 4.5])
    assert len(cycle_times_from_log(log, finished_only=False)) == 3
    fig = plot_cycle_times({"historical": [1, 2, 3, 4.5], "simulated": [1.5, 2.5, 3.5]})
    assert len(fig.axes) == 2


def test_one_series_with_a_far_tail_does_not_squash_the_cycle_time_axis():
    rng = np.random.default_rng(0)
    body = rng.gamma(4.0, 0.05, 600)  # about 0.2 h
    tail = np.r_[rng.gamma(4.0, 0.05, 585), np.full(15, 12.5)]  # 2.5 % waited overnight
    fig = plot_cycle_times({"history": body[:200], "model": body, "naive baseline": tail})
    hist_ax, cdf_ax = fig.axes
    assert hist_ax.get_xlim()[1] < 1.0 and cdf_ax.get_xlim()[1] < 1.0  # not 12.5 h
    labels = [t.get_text() for t in hist_ax.get_legend().get_texts()]
    # the overnight cases and a few of the body (the axis ends near the others' 99th percentile)
    share = float(labels[2].split("(")[-1].split(" %")[0])
    assert 2.5 <= share < 4.5 and labels[2].endswith("beyond the axis, not drawn")
    # the others' few cases past their 99th percentiles are counted too, however few
    assert all(t.endswith("(1.0 %) beyond the axis, not drawn") for t in labels[:2])


def test_model_quantiles():
    q = np.array([0.1, 0.5, 0.9])
    expo = Distribution.exponential(2.0)
    assert model_quantiles(expo, q) == pytest.approx(-2.0 * np.log(1 - q))
    with_zero = Distribution.from_dict({"dist": "exponential", "mean": 2.0, "p_zero": 0.5})
    assert model_quantiles(with_zero, np.array([0.25]))[0] == 0.0
    assert model_quantiles(with_zero, np.array([0.75]))[0] == pytest.approx(-2.0 * np.log(0.5))
    fixed = Distribution.fixed(3.0)
    assert model_quantiles(fixed, q) == pytest.approx([3.0, 3.0, 3.0])


def test_plot_fits_for_every_kind_of_distribution():
    rng = np.random.default_rng(1)
    fits = {
        "gamma_step": (rng.gamma(2, 1, 300), Distribution.from_dict({"dist": "gamma", "mean": 2, "std": 1.4})),
        "fixed_step": (np.full(20, 0.5), Distribution.fixed(0.5)),
        "empirical_step": (rng.uniform(1, 2, 50), Distribution.from_dict({"dist": "empirical", "values": [1, 1.5, 2]})),
        "sum_step": (rng.exponential(1, 80) + 1, Distribution.from_dict({"dist": "sum", "parts": [1, {"dist": "exponential", "mean": 1}]})),
    }  # fmt: skip
    fig = plot_fits(fits)
    assert len(fig.axes) == 8


def test_plot_fits_keeps_the_histogram_visible_under_a_density_infinite_at_zero():
    # a Weibull of shape < 1 has pdf(0) = inf; it used to set the y axis to 1.8e308 (matplotlib
    # overflowed and the bars vanished)
    import warnings

    rng = np.random.default_rng(2)
    dist = Distribution.from_dict({"dist": "weibull_min", "c": 0.45, "scale": 1.3})
    values = dist.sample(rng, 800)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        fig = plot_fits({"wait": (values, dist)})
    ax_h = fig.axes[0]
    tallest = max(p.get_height() for p in ax_h.patches)
    lo, hi = ax_h.get_ylim()
    assert lo == 0 and tallest <= hi < 10 * tallest


def test_waits_from_log_follow_the_backtest_rule():
    # waiting = start - end of the case's previous event (0 for its first, and 0 when the event
    # started before the previous one ended: overlap); processing = end - start
    log = pd.DataFrame(
        {
            "case_id": ["a", "a", "a", "b"],
            "activity": ["x", "y", "z", "x"],
            "start_time": [
                "2024-01-01 08:00",
                "2024-01-01 10:00",
                "2024-01-01 10:30",
                "2024-01-02 09:00",
            ],
            "end_time": [
                "2024-01-01 09:00",
                "2024-01-01 11:00",
                "2024-01-01 12:00",
                "2024-01-02 09:15",
            ],
        }
    )
    w = waits_from_log(log)
    assert w["activity"].tolist() == ["x", "y", "z", "x"]
    assert w["waiting"].tolist() == pytest.approx([0.0, 1.0, 0.0, 0.0])
    assert w["processing"].tolist() == pytest.approx([1.0, 1.0, 1.5, 0.25])


def test_plot_step_waits_measures_each_replication_on_its_own():
    # two replications reuse case id "1": pooled into one log, the second's first event would
    # seem to wait for the first's last one (x comes back after y, so x waits in the history)
    rep = pd.DataFrame(
        {
            "case_id": [1, 1, 1],
            "activity": ["x", "y", "x"],
            "start_time": ["2024-01-01 08:00", "2024-01-01 10:00", "2024-01-01 12:00"],
            "end_time": ["2024-01-01 09:00", "2024-01-01 11:00", "2024-01-01 13:00"],
        }
    )
    later = rep.assign(
        start_time=["2024-01-05 08:00", "2024-01-05 10:00", "2024-01-05 12:00"],
        end_time=["2024-01-05 09:00", "2024-01-05 11:00", "2024-01-05 13:00"],
    )
    fig = plot_step_waits({"history": rep, "model": [rep, later]}, top=2)
    ax = next(a for a in fig.axes if a.get_title(loc="left") == "X")
    assert all("mean 0.5 h" in t.get_text() for t in ax.get_legend().get_texts())


def test_plot_step_waits_names_instead_of_drawing_activities_that_never_wait():
    """receipt's and purchasing's first activities had empty panels (every wait 0), and a short
    log axis wrote overlapping minor labels '3x10^0 4x10^0 ...'."""
    rows = []
    for i in range(30):
        day = f"2024-01-{1 + i % 20:02d}"
        rows += [
            (i, "first", f"{day} 08:00", f"{day} 08:10"),
            (i, "second", f"{day} {9 + i % 5}:00", f"{day} {9 + i % 5}:30"),
        ]
    log = pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time"])
    fig = plot_step_waits({"history": log, "model": log}, top=6)
    titles = [a.get_title(loc="left") for a in fig.axes if a.axison]
    assert titles == ["Second"]
    assert any("Not drawn: First" in t.get_text() for t in fig.texts)
    fig.canvas.draw()
    ax = fig.axes[0]
    minor = [t.get_text() for t in ax.xaxis.get_minorticklabels() if t.get_text()]
    assert minor == []  # second waits 0.83-4.83 h: under a decade, labelled 1, 2, 5 only
    assert {t.get_text() for t in ax.xaxis.get_majorticklabels()} >= {"1", "2"}


def test_step_times_marks_no_bottleneck_when_no_one_queues_for_staff(report):
    quiet = {**report, "bottleneck": {**report["bottleneck"], "negligible": True}}
    fig = plot_step_times(quiet)
    assert "bottleneck" not in fig._suptitle.get_text()
    assert all(lab.get_fontweight() == "normal" for lab in fig.axes[0].get_yticklabels())


def _ci_of(mean: float) -> dict:
    return {"mean": mean, "ci_low": mean, "ci_high": mean, "half_width": 0.0, "n": 3}


def _branching_report(names: list[str], reached: list[float], lost: dict[str, float]) -> dict:
    """A kpis.json-like report: steps in model order, some on alternative branches."""
    steps = [
        {
            "step": s,
            "waiting_mean": _ci_of(1.0),
            "processing_mean": _ci_of(0.5),
            "waiting_share": _ci_of(0.01),
            "reached": _ci_of(r),
            "dropoff_at": _ci_of(lost[s]) if s in lost else None,
        }
        for s, r in zip(names, reached, strict=True)
    ]
    return {
        "steps": steps,
        "funnel": [{"stage": s, "reached": r} for s, r in zip(names, reached, strict=True)],
        "outcomes": {"approved": _ci_of(0.8), "rejected by the credit committee": _ci_of(0.2)},
        "bottleneck": None,
    }


LONG = "Check application form completeness and return it to the applicant"  # 67 characters


@pytest.mark.parametrize("plot", [plot_step_times, plot_funnel])
@pytest.mark.parametrize("dpi", [80, 96, 110])
def test_long_step_names_are_inside_the_figure(plot, dpi):
    names = [LONG, "Return application back to applicant for completion", "AML Check"]
    fig = plot(_branching_report(names, [1.0, 0.3, 1.0], {}))
    fig.set_dpi(dpi)  # the report draws at 80-110 dpi; text widths do not scale exactly
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for ax in fig.axes for t in ax.get_yticklabels() if t.get_text()]
    assert labels
    for t in labels:
        box = t.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= fig.bbox.width, t.get_text()
    texts = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    short = next(t for t in texts if t.startswith("Check application"))
    assert "…" in short and len(short) <= LABEL_MAX and short.endswith("to the applicant")
    assert "Return application back to applicant for completion" in texts  # short enough: whole
    if plot is plot_funnel:  # the outcomes' labels clear the funnel's drawing
        outcome_left = min(t.get_window_extent(renderer).x0 for t in fig.axes[1].get_yticklabels())
        assert outcome_left > fig.axes[0].get_tightbbox(renderer).x1


def test_funnel_marks_losses_only_where_cases_are_lost():
    # loan-like: everyone passes a check, 26 % go round a rework branch, everyone is appraised,
    # then cases are either approved (80 %) or rejected (20 %, lost at the rejection)
    names = ["Check", "Rework", "Appraise", "Approve", "Reject"]
    report = _branching_report(names, [1.0, 0.26, 1.0, 0.8, 0.2], {"Reject": 0.2})
    fig = plot_funnel(report)
    ax = fig.axes[0]
    red = [t for t in ax.texts if t.get_color() == DROP]
    assert [t.get_text() for t in red] == ["20.0% lost here"]
    rows = dict(zip(ax.get_yticks(), names, strict=True))
    assert rows[red[0].get_position()[1]] == "Reject"  # on the row where cases are lost
    assert not any("of cases" in t.get_text() for t in ax.texts)  # no "-74 %" between branches


def test_fitted_vs_observed_explains_a_mean_matched_fit():
    from sim.model import Distribution

    rng = np.random.default_rng(0)
    plain = Distribution.exponential(1.0)
    scaled = plain.scaled(1.04)
    v = rng.exponential(1.0, 200)
    note = "scaled by k to the sample mean"
    assert not any(note in t.get_text() for t in plot_fits({"a": (v, plain)}).texts)
    assert any(note in t.get_text() for t in plot_fits({"a": (v, scaled)}).texts)


def test_cycle_time_quantile_labels_stay_inside_the_figure():
    # purchasing: the history's p90 sat at the axis' right end and its label was cut off
    rng = np.random.default_rng(1)
    history = np.concatenate([rng.uniform(0, 300, 85), rng.uniform(950, 1000, 15)])
    others = {"model": rng.uniform(0, 1000, 300), "naive baseline": rng.uniform(0, 1000, 300)}
    fig = plot_cycle_times({"history": history, **others})
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    labels = [t for ax in fig.axes for t in ax.texts if t.get_text().startswith("p")]
    assert labels
    for t in labels:
        ext = t.get_window_extent(renderer)
        assert box.x0 <= ext.x0 and ext.x1 <= box.x1, t.get_text()


def test_a_value_without_an_interval_gets_no_error_bar(report):
    """helpdesk: steps reached in one replication were drawn with the end ticks of a tight CI."""
    from sim.report.charts import _err

    err = _err(np.array([1.0, 2.0]), np.array([0.5, np.nan]), np.array([1.5, np.nan]))
    assert err[:, 0].tolist() == [0.5, 0.5] and np.isnan(err[:, 1]).all()
    one = {**report, "steps": [dict(s) for s in report["steps"]]}
    one["steps"][0]["waiting_mean"] = {"mean": 1.0, "ci_low": None, "ci_high": None}
    plot_step_times(one).canvas.draw()  # draws, without a bar for that step


def test_cycle_time_median_lines_stop_below_the_legend():
    rng = np.random.default_rng(2)
    fig = plot_cycle_times({"history": rng.gamma(2, 50, 200), "model": rng.gamma(2, 55, 300)})
    ax = fig.axes[0]
    medians = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert len(medians) == 2
    assert all(max(ln.get_ydata()) < 0.9 for ln in medians)  # axes fraction: under the legend


def test_few_outcomes_beside_a_long_funnel_stay_bar_sized():
    """QA helpdesk: three outcome bars filled a 2,000 px tall panel beside 49 funnel rows."""
    names = [f"step {i}" for i in range(30)]
    report = _branching_report(names, [1.0] * 30, {})
    report["outcomes"] = {
        "done": {"mean": 0.9, "ci_low": 0.85, "ci_high": 0.95},
        "lost": {"mean": 0.1, "ci_low": 0.05, "ci_high": 0.15},
    }
    fig = plot_funnel(report)
    ax, ax_o = fig.axes[:2]
    assert ax_o.get_ylim() == ax.get_ylim()  # row for row with the funnel
    assert sorted(ax_o.get_yticks()) == [28.0, 29.0]  # at the top


def test_a_pareto_chart_without_feasible_trials_shows_every_trial():
    """QA 2026-12-05 optimize #6: with no trial meeting the constraints the axes shrank around
    the baseline (73-91 h) and 36 of 40 trials, the nearest included, became triangles on the
    border."""
    import pandas as pd

    from sim.report.charts import BEYOND_GID, plot_pareto

    bad = pd.DataFrame({"ct": [32.0, 150.0, 600.0, 990.0], "people": [60.0, 49.0, 44.0, 37.0]})
    fig = plot_pareto(
        bad.iloc[:0], x="ct", y="people", baseline={"ct": 82.0, "people": 47.0}, infeasible=bad
    )
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 < 32 and x1 > 990 and y0 < 37 and y1 > 60
    assert not [a for a in ax.get_children() if getattr(a, "get_gid", lambda: None)() == BEYOND_GID]
