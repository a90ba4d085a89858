"""QA rt27_files F1, F2, F3, F8 and rt27_engine F3: a run's records decide which report and
back-test files are the run's. The calibrate report drew a user's ``trace_*.csv.gz`` as the
model's simulated log; ``python -m sim report`` deleted a user's ``report/01_x.png``; a
``trace_0.csv.gz`` or ``trace_7.csv.gz`` beside a back-test of 2 replications was taken for the
run's; ``report_files`` named a pattern, so a user's ``report/99_mine.png`` added later was the
run's; and the page of a run that measured nothing promised 95 % confidence intervals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from omegaconf import OmegaConf
from report_testkit import fake_trace, write_calibrate_run, write_simulate_run

import sim.report.html as report_html
from sim.cli.report import run as report_run
from sim.errors import ConfigError
from sim.model import load
from sim.model.run_records import TRACE_FILES, _writes, run_wrote
from sim.report.html import _replications_text, build_report
from tests.simcli import QUICK_SIMULATE, run_sim

MINE = b"a file of the user's"
SIMULATE_CONFIG = "output: {trace: false, trace_format: csv.gz, report: true, figures: %s}\n"


@pytest.fixture(scope="module")
def crm(crm_path):
    return load(crm_path)


def _calibrate_run(tmp_path: Path, crm, *, write_traces: bool, replications: int) -> Path:
    run = write_calibrate_run(tmp_path / "cal", crm)  # its trace_1.csv.gz
    (run / "run.json").write_text(json.dumps({"command": "calibrate", "report_files": []}))
    (run / "config.yaml").write_text(
        f"backtest: {{enabled: true, write_traces: {str(write_traces).lower()}, "
        f"replications: {replications}}}\noutput: {{report: true, figures: false}}\n"
    )
    return run


def _simulate_run(tmp_path: Path, crm, *, figures: bool = False) -> Path:
    run = write_simulate_run(tmp_path / "run", crm, trace=False)
    record = json.loads((run / "run.json").read_text()) | {"report_files": []}
    (run / "run.json").write_text(json.dumps(record))
    (run / "config.yaml").write_text(SIMULATE_CONFIG % str(figures).lower())
    return run


def _mine(run: Path, name: str) -> Path:
    path = run / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(MINE)
    return path


def _report(run: Path, figures: bool | None = None) -> None:
    report_run(OmegaConf.create({"run": str(run), "figures": figures}), run)


def _report_files(run: Path) -> list[str]:
    return json.loads((run / "run.json").read_text())["report_files"]


# ------------------------------------------------------------- F1: the back-test's own logs
def test_a_users_trace_beside_a_back_test_without_traces_is_not_drawn(tmp_path, crm):
    run = _calibrate_run(tmp_path, crm, write_traces=False, replications=1)  # trace_1: a user's
    page = build_report(run).read_text(encoding="utf-8")
    assert 'alt="waiting per activity: simulated vs history"' not in page


def test_only_the_back_tests_numbered_logs_are_read(tmp_path, crm, monkeypatch):
    run = _calibrate_run(tmp_path, crm, write_traces=True, replications=1)
    for name in ("trace_0.csv.gz", "trace_7.csv.gz", "trace_old.csv.gz", "baseline_2.csv.gz"):
        fake_trace(crm, n_cases=5).to_csv(run / name, index=False)
    read: list[int] = []
    drawn = report_html._backtest_waits

    def counted(hist, sims, bases):
        read.extend([len(sims), len(bases)])
        return drawn(hist, sims, bases)

    monkeypatch.setattr(report_html, "_backtest_waits", counted)
    build_report(run)
    assert read == [1, 0]  # trace_1 only; no baseline of its own


# ------------------------------------------------- F3: which numbered logs the run wrote
def test_the_back_tests_logs_are_those_numbered_1_to_its_replications(tmp_path, crm):
    run = _calibrate_run(tmp_path, crm, write_traces=True, replications=2)
    assert run_wrote(run, "trace_1.csv.gz") and run_wrote(run, "baseline_2.csv.gz")
    for name in ("trace_0.csv.gz", "trace_7.csv.gz", "trace_01.csv.gz", "baseline_3.csv.gz"):
        assert run_wrote(run, name) is False, name
    config = OmegaConf.create({"backtest": {"enabled": True, "write_traces": True}})
    config.backtest.replications = 2  # a new run of 2 writes trace_2, not trace_0 or trace_7
    assert _writes("calibrate", TRACE_FILES, config, "trace_2.csv.gz")
    assert not _writes("calibrate", TRACE_FILES, config, "trace_0.csv.gz")
    assert not _writes("calibrate", TRACE_FILES, config, "trace_7.csv.gz")


def test_an_older_config_without_the_count_says_nothing_of_the_number(tmp_path, crm):
    run = _calibrate_run(tmp_path, crm, write_traces=True, replications=2)
    (run / "config.yaml").write_text("backtest: {enabled: true, write_traces: true}\n")
    assert run_wrote(run, "trace_7.csv.gz") is True  # as before: by the pattern


# -------------------------------------------- F2: report run=DIR and a user's numbered PNG
def test_report_without_figures_keeps_a_users_numbered_png(tmp_path, crm):
    run = _simulate_run(tmp_path, crm)
    mine = _mine(run, "report/01_x.png")
    _report(run)  # figures=null: the user's PNG is no earlier build's, so none are drawn
    assert mine.read_bytes() == MINE
    assert (run / "report.html").is_file()
    assert _report_files(run) == ["report.html"]


def test_report_with_figures_refuses_before_writing_anything(tmp_path, crm):
    run = _simulate_run(tmp_path, crm)
    mine = _mine(run, "report/01_x.png")
    record = (run / "run.json").read_text()
    with pytest.raises(ConfigError, match=r"holds report/01_x\.png, which no run record there"):
        _report(run, figures=True)
    assert mine.read_bytes() == MINE
    assert list((run / "report").iterdir()) == [mine]
    assert not (run / "report.html").exists()
    assert (run / "run.json").read_text() == record  # nothing recorded either


def test_build_report_with_figures_refuses_a_users_png(tmp_path, crm):
    run = _simulate_run(tmp_path, crm)
    mine = _mine(run, "report/02_mine.png")
    with pytest.raises(ConfigError, match=r"report/02_mine\.png.*save_figures=False"):
        build_report(run, save_figures=True)
    assert mine.read_bytes() == MINE and not (run / "report.html").exists()


def test_report_figures_on_the_command_line_refused_with_exit_status_2(tmp_path):
    run = tmp_path / "run"
    quick = ["simulate", "process=mmc", *QUICK_SIMULATE, "output.report=false"]
    assert run_sim(*quick, f"hydra.run.dir={run}").returncode == 0
    mine = _mine(run, "report/01_x.png")
    res = run_sim("report", f"run={run}", "figures=true")
    assert res.returncode == 2, res.stdout + res.stderr
    assert "holds report/01_x.png, which no run record there says this tool wrote" in res.stderr
    assert "figures=false" in res.stderr
    assert mine.read_bytes() == MINE and not (run / "report.html").exists()


# ------------------------------------------ F8: the figures a build wrote, by their names
def test_the_record_names_the_figures_a_build_wrote(tmp_path, crm):
    run = _simulate_run(tmp_path, crm)
    _report(run, figures=True)
    written = sorted(p.relative_to(run).as_posix() for p in (run / "report").glob("*.png"))
    assert written and _report_files(run) == ["report.html", *written]
    assert all(run_wrote(run, name) for name in written)
    later = _mine(run, "report/99_mine.png")
    assert run_wrote(run, "report/99_mine.png") is False
    # figures=null rebuilds the build's own, which replaces every numbered one: refused, as
    # output.overwrite=true refuses it
    with pytest.raises(ConfigError, match=r"holds report/99_mine\.png"):
        _report(run)
    _report(run, figures=False)
    assert later.read_bytes() == MINE
    assert _report_files(run) == ["report.html", *written]


def test_a_record_naming_its_figures_by_pattern_keeps_those_there_now(tmp_path, crm):
    """A record from before names its figures by ``report/[0-9][0-9]_*.png``: a rebuild lists
    those there, and a PNG added after it is not the run's."""
    run = _simulate_run(tmp_path, crm, figures=True)
    _mine(run, "report/01_map.png")  # its earlier build's
    record = json.loads((run / "run.json").read_text())
    record["report_files"] = ["report.html", "report/[0-9][0-9]_*.png"]
    (run / "run.json").write_text(json.dumps(record))
    _report(run, figures=False)
    assert _report_files(run) == ["report.html", "report/01_map.png"]
    _mine(run, "report/99_mine.png")
    assert run_wrote(run, "report/01_map.png") and run_wrote(run, "report/99_mine.png") is False


# --------------------------------------- rt27_engine F3: a run that measured nothing
@pytest.mark.parametrize(("reps", "which"), [(1, "not measured"), (10, "none measured")])
def test_a_run_that_measured_nothing_promises_no_confidence_interval(reps, which):
    text = _replications_text({"replications": reps, "measured_replications": 0, "model": "m"})
    assert "95 %" not in text and "none has a confidence interval" in text
    assert f", {which} (" in text and "warm-up" in text


def test_its_page_has_no_interval_column(tmp_path, crm):
    run = _simulate_run(tmp_path, crm)
    kpis = json.loads((run / "kpis.json").read_text()) | {"measured_replications": 0}
    (run / "kpis.json").write_text(json.dumps(kpis))
    page = build_report(run).read_text(encoding="utf-8")
    summary = page[page.index('<section id="summary">') : page.index('<section id="map">')]
    assert "95 % CI" not in summary and "95 % confidence" not in summary
    assert "6 replications of model" in summary and "none measured" in summary
