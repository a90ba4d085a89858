"""The self-contained HTML report: sections for the files present, renders in a browser."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from report_testkit import (
    html_section,
    pareto_points,
    write_calibrate_run,
    write_optimize_run,
    write_searched_run,
    write_simulate_run,
)

from sim.model import load, save
from sim.redesign import operators as op
from sim.report.html import build_report, markdown_to_html
from tests.glyphs import characters_no_font_draws

SECTIONS = ("summary", "map", "bottlenecks", "recommendations", "calibration", "reproducibility")
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


def _images(page: str) -> list[bytes]:
    return [base64.b64decode(d) for d in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]


def test_simulate_run_report(tmp_path, crm):
    run = write_simulate_run(tmp_path / "run", crm)
    out = build_report(run, save_figures=True)
    assert out == run / "report.html"
    page = out.read_text(encoding="utf-8")
    # QA docs #3: no sections that only say a simulation has no redesigns or calibration
    for sid in SECTIONS:
        shown = sid not in ("recommendations", "calibration")
        assert (f'<section id="{sid}">' in page) is shown, sid
    images = _images(page)
    # the map (one copy, a switch shows it at full size), step times, utilisation, working
    # calendars, funnel, cycle time, arrivals
    assert len(images) == 7
    assert 'class="zoom"' in page and "full size (scroll sideways)" in page
    assert all(img.startswith(PNG) for img in images)
    summary = html_section(page, "summary")
    assert "Mean cycle time" in summary and "95 % CI" in summary
    assert "confirmation.json" not in summary  # nor that it has no optimisation results
    assert "The bottleneck is" in html_section(page, "bottlenecks")
    assert "python -m sim optimize" not in page and "backtest.json" not in page
    repro = html_section(page, "reproducibility")
    assert "python -m sim simulate seed=0" in repro and "abc123" in repro
    assert "flowchart LR" in html_section(page, "map")  # the Mermaid text to copy
    saved = sorted((run / "report").glob("*.png"))
    assert len(saved) == 7  # the map once, although the page shows it twice
    assert [p.name for p in saved if p.name.endswith("_working_calendars.png")]
    assert "one panel per calendar" in html_section(page, "bottlenecks")
    assert {p.read_bytes() for p in saved} == set(images)
    assert "full_size" not in " ".join(p.name for p in saved)
    assert "<script" not in page  # no script: opens anywhere


def test_optimize_run_report(tmp_path, crm):
    redesigned = op.remove_step(crm, "contract_review")
    redesigned = op.change_staffing(redesigned, "legal", headcount=2)
    run = write_optimize_run(tmp_path / "opt", crm, redesigned)
    page = build_report(run).read_text(encoding="utf-8")
    summary = html_section(page, "summary")
    assert "Baseline vs recommended" in summary
    assert "-70 h" in summary and "[-90 h, -50 h]" in summary
    assert 'class="good">-70 h' in summary  # significant and better
    assert 'class="muted">+10' in summary  # not significant
    rec = html_section(page, "recommendations")
    assert "Remove &#x27;contract_review&#x27;" in rec or "Remove 'contract_review'" in rec
    assert "&lt;script&gt;" in rec and "<script>" not in rec  # markdown is escaped
    assert len(_images(rec)) == 2  # the diff map and the Pareto front
    # QA docs #3: no sections or notes that only say an optimize run has no kpis.json or
    # calibration results
    assert '<section id="bottlenecks">' not in page and '<section id="calibration">' not in page
    assert "kpis.json" not in summary and 'class="missing"' not in page
    assert "config.yaml (process)" in html_section(page, "map")


def test_calibrate_run_report(tmp_path, crm):
    run = write_calibrate_run(tmp_path / "cal", crm)
    page = build_report(run).read_text(encoding="utf-8")
    cal = html_section(page, "calibration")
    assert "Back-test" in cal and "naive baseline" in cal
    assert "11 h" in cal and "[9.9 h, 12.1 h]" in cal  # model mean with its CI
    assert 'within 10 % of the history (point estimate): <span class="good">yes' in cal
    assert "Mean cycle time error of the model: +10.0 %" in cal  # not -0.1 or a raw key
    assert "relerr" not in cal and "10pct" not in cal
    # a right-truncated held-out log: how many arrivals the model was given, and why
    assert "right-truncated" in cal and "about 72" in cal
    assert "Cycle-time distance" in cal and "gamma" in cal
    # the calibration's notes, escaped
    assert "What calibration noticed" in cal
    assert "first steps started &lt;the moment&gt; their person" in cal
    assert "lognormal" not in cal  # only the chosen family is listed
    # arrivals of the history, cycle times and waits per activity simulated vs history, fitted
    # vs observed (Q-Q)
    assert len(_images(cal)) == 4
    assert 'alt="waiting per activity: simulated vs history"' in cal
    assert "history (held-out period)" not in cal  # it is inside the image, not the text
    # QA 2026-12-05: no sections that only say a calibration has no kpis.json or redesigns
    for sid in ("summary", "bottlenecks", "recommendations"):
        assert f'<section id="{sid}">' not in page
    assert "no simulation was run" not in page and "building it simulates nothing" in page


def test_a_model_with_repetitions_is_drawn_one_step_per_activity(tmp_path, crm):
    import dataclasses

    from sim.model import save
    from sim.model.views import activity_view
    from sim.report.html import _merged_kpi

    merged = {"quote_approval": "quote_preparation"}  # as calibration names a repetition
    model = dataclasses.replace(crm, metadata={**crm.metadata, "step_activity": merged})
    run = tmp_path / "run"
    run.mkdir()
    save(model, run / "model.yaml")
    page = build_report(run).read_text(encoding="utf-8")
    section = html_section(page, "map")
    assert "one step per activity" in section
    assert f"The model's own {len(crm.steps)} steps</summary>" in section  # in a fold
    assert len(_images(section)) == 2  # the view; the model's map
    view = activity_view(model)
    assert "quote_approval" not in view.steps and len(view.steps) == len(crm.steps) - 1
    kpi = {"quote_preparation": 0.1, "quote_approval": 0.2, "signing": 0.3}
    assert _merged_kpi(view, kpi) == pytest.approx({"quote_preparation": 0.3, "signing": 0.3})
    # a timer merged into an activity brings the time cases spend in it, not its waiting (0)
    report = {"all": {"timer_share:quote_approval": {"mean": 0.5}}}
    timed = _merged_kpi(view, {**kpi, "quote_approval": 0.0}, report)
    assert timed == pytest.approx({"quote_preparation": 0.6, "signing": 0.3})


def test_a_staffing_redesign_of_a_calibrated_model_is_drawn_on_its_activities(tmp_path, crm):
    import dataclasses

    merged = {"quote_approval": "quote_preparation"}  # as calibration names a repetition
    model = dataclasses.replace(crm, metadata={**crm.metadata, "step_activity": merged})
    staffed = op.change_staffing(model, "legal", headcount=2)
    page = build_report(write_optimize_run(tmp_path / "opt", model, staffed)).read_text("utf-8")
    rec = html_section(page, "recommendations")
    assert "changes only headcounts" in rec and "drawn on the log's activities" in rec
    assert f"On the model's own {len(crm.steps)} steps" in rec  # the full map, in a fold
    assert len(_images(rec)) == 3  # the view; the full diff map; Pareto
    # a change that names the model's steps keeps the model's own map only
    removed = op.remove_step(staffed, "contract_review")
    page = build_report(write_optimize_run(tmp_path / "opt2", model, removed)).read_text("utf-8")
    rec = html_section(page, "recommendations")
    assert "changes only headcounts" not in rec and len(_images(rec)) == 2  # diff map, Pareto


def test_empty_run_says_what_is_missing(tmp_path):
    run = tmp_path / "empty"
    run.mkdir()
    page = build_report(run).read_text(encoding="utf-8")
    assert _images(page) == []
    for sid in SECTIONS:
        assert 'class="missing"' in html_section(page, sid) or sid == "reproducibility"
    assert "run.json" in html_section(page, "reproducibility")


def test_damaged_file_is_reported_not_fatal(tmp_path, crm):
    run = write_simulate_run(tmp_path / "run", crm, trace=False)
    (run / "kpis.json").write_text("{not json")
    page = build_report(run).read_text(encoding="utf-8")
    assert "kpis.json: could not be read" in page
    # the KPIs are rebuilt from replications.csv and the model
    assert "The bottleneck is" in html_section(page, "bottlenecks")


def test_markdown_subset():
    out = markdown_to_html(
        "# T\n\ntext **bold** `code`\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n"
    )
    assert "<h3>T</h3>" in out and "<strong>bold</strong>" in out and "<code>code</code>" in out
    assert out.count("<li>") == 2 and "<td>1</td>" in out and "<th>x</th>" in out


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


CHECK = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0 &&
                                        i.src.indexOf('data:image/png;base64,') === 0; });
  var out = document.createElement('div');
  out.id = 'imgcheck';
  out.textContent = 'images=' + imgs.length + ' ok=' + ok.length +
                    ' width=' + document.documentElement.scrollWidth;
  document.body.appendChild(out);
});
</script></body>"""


def test_report_renders_in_headless_chromium(tmp_path, crm):
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium not found (apt-get install -y chromium) to render the report")
    run = write_simulate_run(tmp_path / "run", crm)
    page = build_report(run).read_text(encoding="utf-8")
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", CHECK), encoding="utf-8")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--window-size=1366,900",
    ]
    res = subprocess.run(
        [browser, *flags, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    m = re.search(r"images=(\d+) ok=(\d+) width=(\d+)", res.stdout)
    assert m, res.stderr[-2000:]
    n, ok, width = (int(g) for g in m.groups())
    assert n == 7 and ok == n  # every embedded image decoded and has a size
    assert width <= 1366  # nothing forces sideways scrolling at laptop width
    shot = tmp_path / "shot.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={shot}", (run / "report.html").as_uri()],
        capture_output=True,
        timeout=120,
    )
    from PIL import Image

    img = Image.open(shot).convert("L")
    lo, hi = img.getextrema()
    assert hi - lo > 100  # not a blank page
    grey_levels = sum(1 for count in img.resize((200, 130)).histogram() if count)
    assert grey_levels > 20


def test_backtest_cycle_time_figure_draws_the_cycle_times_the_backtest_measured(tmp_path):
    import pandas as pd

    from sim.report.html import _backtest_cycle_times

    def log(case_hours: list[float]) -> pd.DataFrame:  # one event per case, from 08:00
        start = pd.Timestamp("2026-01-05 08:00")
        return pd.DataFrame(
            {
                "case_id": [f"c{i}" for i in range(len(case_hours))],
                "activity": "a",
                "start_time": start,
                "end_time": [start + pd.Timedelta(hours=h) for h in case_hours],
                "resource": "r",
            }
        )

    hist, sims = log([1.0, 2.0, 50.0]), [log([1.0, 3.0])]  # 50 h: a case open at the extract end
    legend = lambda fig: [t.get_text() for t in fig.axes[0].get_legend().get_texts()]  # noqa: E731
    assert any(
        "n=3, mean 17.67 h" in t for t in legend(_backtest_cycle_times(tmp_path, hist, sims, []))
    )
    measured = pd.DataFrame(
        {
            "source": ["history", "history", "model", "model", "naive baseline"],
            "replication": [0, 0, 1, 1, 1],
            "cycle_time_h": [1.0, 2.0, 1.0, 3.0, 4.0],
        }
    )
    measured.to_csv(tmp_path / "cycle_times.csv.gz", index=False)
    labels = legend(_backtest_cycle_times(tmp_path, hist, sims, []))
    counts_and_means = [re.search(r"n=(\d+), mean ([\d.]+) h", t).groups() for t in labels]
    assert counts_and_means == [("2", "1.5"), ("2", "2"), ("1", "4")]
    assert labels[0].startswith("history (held-out period)")
    # QA plots15 #4: the simulated series print backtest.json's numbers, not pooled ones
    assert labels[1].startswith("simulated (model) (n=2,")
    assert labels[2].startswith("naive baseline (n=1,")


def test_a_waiting_difference_without_a_ci_is_shown_but_not_as_significant(tmp_path, crm):
    """A step reached in one paired replication only has a diff but null CI bounds (the QA
    helpdesk run): the report used to crash on float(None) and was never written."""
    import json

    redesigned = op.change_staffing(crm, "legal", headcount=2)
    run = write_optimize_run(tmp_path / "opt", crm, redesigned)
    conf = json.loads((run / "confirmation.json").read_text())
    comparison = conf["candidates"][0]["comparison"]
    comparison["waiting_mean:contract_review"] = {
        "base": 7.9, "alt": 0.75, "diff": -7.2, "ci_low": None, "ci_high": None, "n": 1,
        "relative": -0.9, "significant": False,
    }  # fmt: skip
    (run / "confirmation.json").write_text(json.dumps(conf))

    page = build_report(run).read_text(encoding="utf-8")
    rec = html_section(page, "recommendations")
    assert len(_images(rec)) == 2  # the diff map, the Pareto front
    assert "1 step(s) (Contract review) were reached in too few paired replications" in rec

    from sim.report.diff_map import significant
    from sim.report.html import waiting_diffs

    diffs = waiting_diffs(comparison)
    assert diffs["contract_review"]["diff_mean"] == -7.2
    assert not significant(diffs["contract_review"])  # known diff, unknown CI: not coloured
    assert significant(diffs["signing"])  # the one with a CI that excludes zero still is


def test_the_pareto_front_is_drawn_over_feasible_trials_only(tmp_path, crm):
    """QA loan run: the front went through trials that broke utilisation <= 0.9, so the only
    feasible (recommended) trial looked dominated."""
    import json

    import pandas as pd

    from sim.report.charts import plot_pareto
    from sim.report.html import _pareto_figure, read_run

    redesigned = op.remove_step(crm, "contract_review")
    run = write_optimize_run(tmp_path / "opt", crm, redesigned)
    trials = pd.DataFrame(
        {
            "trial": range(5),
            "state": ["COMPLETE"] * 5,
            "cycle_time_mean": [150.0, 40.0, 120.0, 130.0, 30.0],
            "cost_per_case": [1300.0, 900.0, 1100.0, 1000.0, 1250.0],
            # trial 1 beats every other trial on both objectives, but breaks the constraint
            "feasible": [True, False, True, True, False],
        }
    )
    trials.to_csv(run / "trials.csv", index=False)
    conf = json.loads((run / "confirmation.json").read_text())
    conf["candidates"][0]["trial"] = 2
    conf["constraints"] = [{"kpi": "utilisation_max", "high": 0.9, "low": None}]
    (run / "confirmation.json").write_text(json.dumps(conf))

    fig, caption = _pareto_figure(read_run(run), plot_pareto)
    ax = fig.axes[0]
    points = {c.get_label(): {tuple(p) for p in c.get_offsets()} for c in ax.collections}
    # the feasible front: 2 (120, 1100) and 3 (130, 1000); 0 is dominated by both
    assert points["Pareto front"] == {(120.0, 1100.0), (130.0, 1000.0)}
    assert points["trial"] == {(150.0, 1300.0)}
    assert points["infeasible (breaks a constraint)"] == {(40.0, 900.0), (30.0, 1250.0)}
    assert points["recommended"] == {(120.0, 1100.0)}
    (line,) = ax.lines  # the front's step line joins feasible points only
    assert set(line.get_xdata()) == {120.0, 130.0}
    assert "2 crossed-out trial(s) broke a constraint (highest utilisation &lt;= 90.0 %)" in caption
    # and the page shows it with that caption
    rec = html_section(build_report(run).read_text(encoding="utf-8"), "recommendations")
    assert "crossed-out trial(s) broke a constraint" in rec


def test_the_pareto_caption_counts_infeasible_trials_beyond_the_axes(tmp_path, crm):
    """QA pharmacy: a saturated infeasible trial at 540 h set the axis; it is now drawn on the
    border and the caption says so."""
    import pandas as pd

    from sim.report.charts import plot_pareto
    from sim.report.html import _pareto_figure, read_run

    run = write_optimize_run(tmp_path / "opt", crm, op.remove_step(crm, "contract_review"))
    trials = pd.DataFrame(
        {
            "trial": range(4),
            "state": ["COMPLETE"] * 4,
            "cycle_time_mean": [150.0, 120.0, 130.0, 54000.0],
            "cost_per_case": [1300.0, 1100.0, 1000.0, 700.0],
            "feasible": [True, True, True, False],
        }
    )
    trials.to_csv(run / "trials.csv", index=False)
    conf = json.loads((run / "confirmation.json").read_text())
    conf["candidates"][0]["trial"] = 1
    (run / "confirmation.json").write_text(json.dumps(conf))
    fig, caption = _pareto_figure(read_run(run), plot_pareto)
    assert fig.axes[0].get_xlim()[1] < 54000.0
    assert "1 infeasible trial(s) lie far beyond them (the farthest at mean cycle time" in caption
    assert "54,000 h" in caption and "drawn as triangles on the border" in caption


def test_a_rank_one_candidate_that_is_not_recommended_is_not_called_recommended(tmp_path, crm):
    import json

    redesigned = op.remove_step(crm, "contract_review")
    run = write_optimize_run(tmp_path / "opt", crm, redesigned)
    conf = json.loads((run / "confirmation.json").read_text())
    conf["candidates"][0].update(verdict="within noise", recommended=False)
    (run / "confirmation.json").write_text(json.dumps(conf))
    page = build_report(run, save_figures=True).read_text(encoding="utf-8")
    assert "Baseline vs the best candidate tried (not recommended)" in html_section(page, "summary")
    rec = html_section(page, "recommendations")
    assert "changes of the best candidate tried (rank 1, not recommended)" in rec
    # nor is its figure file (QA 9b: 'what_the_recommended_redesign_changes.png')
    names = [f.name for f in (run / "report").glob("*.png")]
    assert not [n for n in names if "recommended_redesign" in n], names
    assert [n for n in names if "best_candidate_tried" in n and "not_recommended" in n], names


def test_fitted_vs_observed_panels_skip_steps_that_took_no_time():
    """BPIC 2012's submissions and offers are logged without starts: 9 of the 10 panels showed a
    point mass at 0 against 'fixed 0'. They are named instead, and the panels go to the
    informative steps, most observed first."""
    from sim.model import Distribution
    from sim.report.html import _informative_fits

    d = Distribution.exponential(1.0)
    pairs = {
        "instant": (np.zeros(500), d),
        "rare": (np.array([0.0, 0.5, 1.5]), d),
        "frequent": (np.linspace(0, 3, 50), d),
    }
    drawn, instants = _informative_fits(pairs)
    assert list(drawn) == ["frequent", "rare"] and instants == ["instant"]


def test_the_bottleneck_section_says_none_names_timers_and_saturated_roles(tmp_path, crm):
    """helpdesk: 'The bottleneck is Closed' at 0.7 % while 78 % of the cycle time was its
    timer; loan: two roles at 100 % with nothing said."""
    run = write_simulate_run(tmp_path / "run", crm, trace=False)
    k = json.loads((run / "kpis.json").read_text())
    share = {"mean": 0.001, "ci_low": 0.0, "ci_high": 0.002}
    k["bottleneck"] |= {"negligible": True, "queue_share": share}
    k["timers"] = {
        "share": {"mean": 0.927, "ci_low": 0.9, "ci_high": 0.955},
        "largest": {"step": "delay:Closed", "share": {"mean": 0.776}},
    }
    k["saturated_roles"] = ["sales_rep"]
    (run / "kpis.json").write_text(json.dumps(k))
    text = html_section(build_report(run).read_text(encoding="utf-8"), "bottlenecks")
    assert "The bottleneck is" not in text and "No bottleneck" in text
    assert "92.7 % [90.0 %, 95.5 %] of the cycle time; the largest is delay:Closed" in text
    assert "scenario.staffing.sales_rep=..." in text and "busy nearly all its hours" in text
    assert "Staffing that carries the work" not in text  # a run from before QA 9c: no estimate
    # QA 9c: the simulate run's estimate, for every role it names
    k["staffing_suggestion"] = {
        "target": 0.85,
        "staffing": {"sales_rep": 5, "legal": 2},
        "offered_load": {"sales_rep": {"people": 3.9}, "legal": {"people": 1.2}},
    }
    (run / "kpis.json").write_text(json.dumps(k))
    text = html_section(build_report(run).read_text(encoding="utf-8"), "bottlenecks")
    assert "<code>scenario.staffing.sales_rep=5</code>" in text
    assert "<code>scenario.staffing.sales_rep=5 scenario.staffing.legal=2</code>" in text
    assert "at most 85 % busy" in text
    # QA 10 #2: a role above the target, not saturated, is named with its own staffing
    k["saturated_roles"] = []
    k["above_target_roles"] = ["legal"]
    (run / "kpis.json").write_text(json.dumps(k))
    text = html_section(build_report(run).read_text(encoding="utf-8"), "bottlenecks")
    assert "busy nearly all its hours" not in text
    assert "is busy above the 85 % target:</b> it keeps up with the work" in text
    assert "(<code>scenario.staffing.legal=2</code>)" in text
    assert "Staffing that carries the work" in text
    # QA 2026-12-04 #1: below saturation in the run, but offered more work than its hours
    k["staffing_suggestion"]["offered_load"]["legal"]["utilisation"] = 1.047
    (run / "kpis.json").write_text(json.dumps(k))
    text = html_section(build_report(run).read_text(encoding="utf-8"), "bottlenecks")
    assert "keeps up" not in text
    assert "the work the model offers fills 105 % of its hours, so it does not keep up" in text


def test_reproducibility_names_uncommitted_code_start_time_and_inputs(tmp_path, crm):
    run = write_simulate_run(tmp_path / "run", crm, trace=False)
    record = json.loads((run / "run.json").read_text())
    record |= {
        "git_dirty": True,
        "started_utc": "2026-12-03T02:00:00+00:00",
        "inputs": [{"path": "log.csv", "bytes": 10, "sha256": "ab12"}],
    }
    (run / "run.json").write_text(json.dumps(record))
    text = html_section(build_report(run).read_text(encoding="utf-8"), "reproducibility")
    assert "yes: the code differs from that commit" in text
    assert "2026-12-03T02:00:00+00:00" in text and "ab12" in text


def test_the_summary_states_the_runs_warnings_before_its_figures(tmp_path, crm):
    """QA: the saturation warning was only in 'Bottlenecks', not next to the mean cycle time it
    invalidates."""
    run = write_simulate_run(tmp_path / "run", crm, trace=False)
    k = json.loads((run / "kpis.json").read_text())
    k["warnings"] = ["warning: the model is saturated: sales_rep is busy 100.0 %"]
    (run / "kpis.json").write_text(json.dumps(k))
    summary = html_section(build_report(run).read_text(encoding="utf-8"), "summary")
    assert summary.index("the model is saturated") < summary.index("Mean cycle time")


def test_per_step_kpis_in_the_comparison_read_as_words():
    from sim.report.html import kpi_label

    assert kpi_label("waiting_mean:AML Check") == ("waiting before AML Check", "h")
    assert kpi_label("utilisation:role_1") == ("utilisation of role_1", "%")
    assert kpi_label("something_else") == ("something_else", "")


def test_a_pruned_recommendation_is_marked_at_its_confirmed_means(tmp_path, crm):
    """QA loan: the recommended redesign (a trial without its harm change) was not drawn, so the
    figure alone suggested the unpruned, worse trade-off."""
    import pandas as pd

    from sim.report.charts import plot_pareto
    from sim.report.html import _pareto_figure, read_run

    run = write_optimize_run(tmp_path / "opt", crm, op.remove_step(crm, "contract_review"))
    trials = pd.DataFrame(
        {
            "trial": range(3),
            "state": ["COMPLETE"] * 3,
            "cycle_time_mean": [150.0, 40.0, 120.0],
            "cost_per_case": [1300.0, 900.0, 1100.0],
        }
    )
    trials.to_csv(run / "trials.csv", index=False)
    conf = json.loads((run / "confirmation.json").read_text())
    best = conf["candidates"][0]
    best |= {"trial": 1, "original": {"choice": {}}}
    best["comparison"]["cycle_time_mean"]["alt"] = 38.0
    best["comparison"]["cost_per_case"]["alt"] = 850.0
    (run / "confirmation.json").write_text(json.dumps(conf))
    fig, caption = _pareto_figure(read_run(run), plot_pareto)
    points = {c.get_label(): {tuple(p) for p in c.get_offsets()} for c in fig.axes[0].collections}
    assert points["recommended"] == {(38.0, 850.0)}
    assert "marked at the means its confirmation measured" in caption


def test_a_fit_on_too_few_values_is_not_shown_as_passing_its_test(tmp_path):
    """QA: a 'fixed' fit on one value showed KS 0, p = 1 in green ('not rejected')."""
    import pandas as pd

    from sim.report.html import _fits_table

    pd.DataFrame(
        [
            {
                "target": "a",
                "family": "fixed",
                "n": 1,
                "mean": 1.0,
                "ks_statistic": 0.0,
                "ks_pvalue": 1.0,
                "chosen": True,
                "kind": "distribution",
            },
            {
                "target": "b",
                "family": "gamma",
                "n": 300,
                "mean": 2.0,
                "ks_statistic": 0.03,
                "ks_pvalue": 0.4,
                "chosen": True,
                "kind": "distribution",
            },
        ]
    ).to_csv(tmp_path / "fits.csv", index=False)
    html_text = _fits_table(tmp_path)
    row_a, row_b = html_text.split("<tr>")[2:4]
    assert 'class="muted"' in row_a and 'class="good"' in row_b


def test_a_calibrate_run_whose_backtest_did_not_finish_says_so(tmp_path, crm):
    run = write_calibrate_run(tmp_path / "cal", crm)
    (run / "backtest.json").unlink(missing_ok=True)
    (run / "trace_1.csv.gz").write_bytes(b"")
    text = html_section(build_report(run).read_text(encoding="utf-8"), "calibration")
    assert "the back-test did not finish" in text


def test_the_pareto_baseline_is_the_one_the_recommended_point_is_measured_against(tmp_path, crm):
    """QA 9a #4: the chart drew the search's baseline beside a pruned redesign's confirmed means
    (another set of replications). A trial's point goes with the search's baseline, confirmed
    means with the confirmation's, and the caption says which replications the star is."""

    from sim.report.charts import plot_pareto
    from sim.report.html import _pareto_figure, read_run

    run, conf = write_searched_run(
        tmp_path / "opt",
        crm,
        op.remove_step(crm, "contract_review"),
        confirmation=([5, 14], {"cycle_time_mean": 197.0, "cost_per_case": 1250.0}),
    )
    best = conf["candidates"][0]
    best |= {"trial": 1}
    (run / "confirmation.json").write_text(json.dumps(conf))

    def star(fig):
        return pareto_points(fig)["baseline"]

    fig, caption = _pareto_figure(read_run(run), plot_pareto)
    assert star(fig) == {(190.0, 1200.0)}  # beside trial 1's search values
    assert "Every point is measured on the search's replications (#0-#4)" in caption
    # pruned, in a run from before its own search means were written: its confirmed means
    best |= {"original": {"choice": {}}}
    (run / "confirmation.json").write_text(json.dumps(conf))
    fig, caption = _pareto_figure(read_run(run), plot_pareto)
    assert star(fig) == {(197.0, 1250.0)}
    assert "as the confirmation measured it (replications #5-#14)" in caption


def test_the_pareto_axes_carry_units_percentages_and_a_narrow_span_note(tmp_path, crm):
    """QA: the axes had no units, the drop-off rate read 0.58-0.70, and a cycle-time axis
    spanning 198.5-200.5 h made noise-sized differences look large."""
    import json

    import pandas as pd

    from sim.kpis.units import kpi_unit
    from sim.optimize.outputs import LABELS
    from sim.report.charts import plot_pareto
    from sim.report.html import HEADLINE_LABELS, _pareto_figure, read_run

    run = write_optimize_run(tmp_path / "opt", crm, op.remove_step(crm, "contract_review"))
    pd.DataFrame(
        {
            "trial": range(4),
            "state": ["COMPLETE"] * 4,
            "cycle_time_mean": [198.5, 199.0, 200.5, 199.8],
            "dropoff_rate": [0.70, 0.62, 0.58, 0.66],
        }
    ).to_csv(run / "trials.csv", index=False)
    conf = json.loads((run / "confirmation.json").read_text())
    conf["objectives"][1]["kpi"] = "dropoff_rate"
    conf["baseline"] = {"cycle_time_mean": 199.6, "dropoff_rate": 0.64}
    (run / "confirmation.json").write_text(json.dumps(conf))

    fig, _ = _pareto_figure(read_run(run), plot_pareto)
    ax = fig.axes[0]
    fig.canvas.draw()
    xlabel, ylabel = ax.get_xlabel(), ax.get_ylabel()
    assert xlabel.startswith("Mean cycle time (h; lower is better)")
    assert "axis spans" in xlabel and "of the baseline's value" in xlabel
    assert ylabel == "Drop-off rate (%; lower is better)"  # 6 % of 0.64: no note
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ticks and all(t.endswith("%") for t in ticks)
    # one source of units: the report's labels and the optimizer's agree with sim.kpis.units
    for k in ("cycle_time_mean", "dropoff_rate", "cost_per_case", "headcount"):
        assert HEADLINE_LABELS[k][1] == kpi_unit(k)
        assert LABELS.get(k, (k, kpi_unit(k)))[1] == kpi_unit(k)
    assert kpi_unit("headcount") == "people"


def test_the_summary_table_shows_holms_decision_and_colours_by_it(tmp_path, crm):
    """QA 9b: the report's first table coloured an objective's improvement green with
    "significant: yes" (its unadjusted CI) when Holm's adjustment, which the verdict uses, said
    no (the CRM search's -39 h, p = 0.062 adjusted, verdict "within noise"), and headed the
    column of a candidate that was not recommended "recommended"."""
    import json

    redesigned = op.remove_step(crm, "contract_review")
    run = write_optimize_run(tmp_path / "opt", crm, redesigned)
    conf = json.loads((run / "confirmation.json").read_text())
    cand = conf["candidates"][0]
    cand.update(verdict="within noise", recommended=False)
    cand["comparison"]["cycle_time_mean"].update(
        p_value=0.004, p_adjusted=0.062, significant_adjusted=False
    )
    cand["comparison"]["cost_per_case"].update(
        p_value=0.4, p_adjusted=1.0, significant_adjusted=False
    )
    (run / "confirmation.json").write_text(json.dumps(conf))
    summary = html_section(build_report(run).read_text(encoding="utf-8"), "summary")
    assert "after Holm" in summary and "no (p = 0.062)" in summary
    assert 'class="good">-70 h' not in summary  # not an improvement the verdict counts
    assert "<th>recommended</th>" not in summary and "<th>candidate</th>" in summary


def test_fits_on_estimated_start_times_are_marked_as_estimated(tmp_path, crm):
    """Issue 3: a log of completions only has its processing times estimated, and the fits
    are marked so: in the table of fitted distributions and on the figure, which shows them as
    estimated durations, not observed ones."""
    import pandas as pd

    run = write_calibrate_run(tmp_path / "cal", crm)
    model = load(run / "model.yaml")
    estimated = dataclasses.replace(model, metadata={**model.metadata, "start_times": "estimated"})
    save(estimated, run / "model.yaml", overwrite=True)
    fits = pd.read_csv(run / "fits.csv")
    fits.assign(start_times="estimated").to_csv(run / "fits.csv", index=False)
    text = html_section(build_report(run).read_text(encoding="utf-8"), "calibration")
    assert "steps.signing.duration (estimated)" in text
    assert 'alt="fitted vs estimated"' in text and "fitted vs observed" not in text
    plain = write_calibrate_run(tmp_path / "plain", crm)
    text = html_section(build_report(plain).read_text(encoding="utf-8"), "calibration")
    assert "(estimated)" not in text and 'alt="fitted vs observed"' in text


def test_names_no_installed_font_can_draw_are_said_above_the_figures(tmp_path, crm_path):
    """QA 2026-12-04: a role named in Chinese drew as empty boxes, and only matplotlib's warning
    per glyph (on the console) said so. The page says it, once, naming the characters; where a
    fallback font that has them is installed, they are drawn and nothing is said."""
    import warnings

    import yaml

    from sim.model import from_dict

    spec = yaml.safe_load(crm_path.read_text(encoding="utf-8").replace("legal", "法务"))
    model = from_dict(spec, source="crm with a Chinese role")
    run = write_simulate_run(tmp_path / "sim", model)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib's warning per glyph no longer escapes
        page = build_report(run).read_text(encoding="utf-8")
    missing = characters_no_font_draws("法务")
    if missing:  # no installed font has them (the usual Linux machine)
        assert missing == {"法", "务"}
        assert "cannot draw 2 character(s) of names in this run (务 法)" in page
    else:
        assert "cannot draw" not in page
    plain = build_report(write_simulate_run(tmp_path / "plain", load(crm_path)))
    assert "cannot draw" not in plain.read_text(encoding="utf-8")


def test_a_held_out_log_is_reread_with_its_own_column_names(tmp_path):
    """A run without history.csv.gz re-reads its held-out log for the back-test figures, as
    calibrate read it: backtest.columns.* where given, columns.* for the rest."""
    import yaml

    from sim.report.html import RunFiles, _history_log

    held = tmp_path / "held.csv"
    held.write_text(
        "Vorgang,Tätigkeit,start_time,end_time,resource\n"
        "7,a,2020-02-01 09:00,2020-02-01 09:10,r1\n"
        "7,b,2020-02-01 09:20,2020-02-01 09:30,r1\n"
        "8,a,2020-02-01 10:00,2020-02-01 10:10,r2\n",
        encoding="utf-8",
    )
    config = {
        "log": str(tmp_path / "train.csv"),
        "columns": {"case_id": "Fall", "activity": "Tätigkeit"},
        "backtest": {"log": str(held), "columns": {"case_id": "Vorgang", "activity": None}},
    }
    rf = RunFiles(run_dir=tmp_path, config_text=yaml.safe_dump(config, allow_unicode=True))
    events = _history_log(rf)
    assert rf.problems == []
    assert sorted(events["case_id"].unique()) == ["7", "8"]
    assert sorted(events["activity"].unique()) == ["a", "b"]


def test_a_simulate_runs_figures_show_its_scenario_staffing(tmp_path, crm):
    """QA 2026-12-05 (simulate) #1: with scenario.staffing.account_exec=6 the map and the
    calendar panels still said 'Account exec (8)' (the run's model.yaml holds the headcounts
    before its overrides), while the utilisation chart said 6."""
    from sim.report.html import read_run

    run = write_simulate_run(tmp_path / "run", crm, trace=False)
    (run / "config.yaml").write_text(
        "seed: 0\nscenario:\n  replications: 6\n  staffing:\n    account_exec: 6\n    legal: 3\n"
    )
    model = read_run(run).model
    assert model.roles["account_exec"].headcount == 6 and model.roles["legal"].headcount == 3
    assert model.roles["pricing"].headcount == crm.roles["pricing"].headcount
    # the figures draw this model: the calendar panels name its headcounts
    from sim.report.charts import plot_calendars

    titles = [ax.get_title(loc="left") or ax.get_title() for ax in plot_calendars(None, model).axes]
    assert any("account_exec (6)" in t and "legal (3)" in t for t in titles), titles
